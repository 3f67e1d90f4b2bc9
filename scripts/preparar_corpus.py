"""Refaz o corpus do modelo de linguagem do capítulo 7 a partir do pacote Debian de origem.

Uso: ``python scripts/preparar_corpus.py [--deb ARQUIVO.deb] [--conferir]``

O corpus é a prosa da documentação do GIMP em português do Brasil, o pacote Debian
``gimp-help-pt-br`` (versão ``VERSAO``), sob a GNU Free Documentation License 1.2 ou posterior,
sem seções invariantes (o arquivo ``copyright`` do pacote vai ao lado do corpus). Sem ``--deb``,
o script baixa o pacote com ``apt-get download`` (a única etapa que usa a rede) e confere o seu
sha256. Do HTML ficam só os parágrafos (``<p>``) fora dos cabeçalhos e rodapés de navegação, com os
espaços normalizados; saem os parágrafos que ficaram em inglês (não traduzidos), os repetidos e os
curtos demais. Cada página vira um documento: os parágrafos vão numa linha cada, e os documentos
são separados por uma linha em branco. O texto (UTF-8) é gravado comprimido em
``scripts/corpus/<pacote>.txt.xz`` e o seu sha256 é conferido contra o registrado
aqui (``SHA256_TEXTO``), de modo que o treino não depende da rede.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import lzma
import re
import subprocess
import sys
import tarfile
import tempfile
from html.parser import HTMLParser
from pathlib import Path

RAIZ = Path(__file__).resolve().parent.parent
PASTA = RAIZ / "scripts" / "corpus"
# as fontes: pacote Debian, versão, onde está o HTML, licença e os sha256 do .deb e do texto limpo
FONTES = [
    {
        "pacote": "gimp-help-pt-br",
        "versao": "2.10.34-2",
        "prefixo": "usr/share/gimp/2.0/help/pt_BR/",
        "sufixo": ".html",
        "licenca": "GFDL-1.2+ (sem seções invariantes)",
        "texto_da_licenca": "GFDL-1.2",
        "copyright": "gimp-help-common",  # o pacote -pt-br aponta para o copyright deste
        "sha256_deb": "816835f4dae19c99b1ead7347e33d60f18c043abc0ace131796320346a5549bc",
        "sha256_texto": "98950f7103590bea3693e431cf44d8c6a48c22b2aa75ac47e14f5ea606bfad00",
    },
    {
        "pacote": "debian-edu-doc-pt-br",
        "versao": "2.12.23~deb12u1",
        "prefixo": "usr/share/doc/debian-edu-doc-pt-br/debian-edu-bookworm-manual",
        "sufixo": ".html",
        "licenca": "GPL-2+",
        "texto_da_licenca": "GPL-2",
        "copyright": "debian-edu-doc-pt-br",
        "sha256_deb": "73dd96c546cf57b39443fb8216984c6c9dff78ed6387587b859a1788f927bf8e",
        "sha256_texto": "5b0bda395470552d83b68c3cdd99a882448dd8a3cfcecafe727da7b0a0bfa2d7",
    },
]

# palavras gramaticais que denunciam a língua de um parágrafo
INGLES = set(
    "the and of to is this you with for are can be it that on an or by from which will your "
    "if not have has when these into its still exists how only also should there other one each "
    "what was were been but then than they their them all more used using".split()
)
PORTUGUES = set(
    "de que do da em uma para é com não os se no na por um ou ao dos das você pode "
    "este esta isso são mais como".split()
)


class _Paragrafos(HTMLParser):
    """Junta o texto de cada ``<p>`` fora de ``navheader``/``navfooter`` e de ``<pre>``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragrafos: list[str | None] = []
        self._pilha: list[tuple[str, bool]] = []  # (tag, ignorar o que está dentro)
        self._atual: list[str] | None = None

    def _ignorando(self) -> bool:
        return any(ignorar for _, ignorar in self._pilha)

    def handle_starttag(self, tag, attrs):
        if tag in {"br", "img", "hr", "meta", "link", "col", "area", "input"}:
            return
        classe = dict(attrs).get("class") or ""
        ignorar = tag in {"pre", "script", "style"} or classe in {"navheader", "navfooter"}
        self._pilha.append((tag, ignorar))
        if tag == "p" and not self._ignorando() and self._atual is None:
            self._atual = []
        if tag in {"h1", "h2", "h3", "h4"}:
            self.paragrafos.append(None)  # um título começa um documento novo

    def handle_endtag(self, tag):
        while self._pilha:
            aberta, _ = self._pilha.pop()
            if aberta == tag:
                break
        if tag == "p" and self._atual is not None:
            self.paragrafos.append("".join(self._atual))  # type: ignore[arg-type]
            self._atual = None

    def handle_data(self, data):
        if self._atual is not None and not self._ignorando():
            self._atual.append(data)


def lingua(paragrafo: str) -> str:
    """"en" se há duas palavras gramaticais inglesas ou mais, ou uma e não mais portuguesas
    que inglesas; senão "pt". (“in” não conta: aparece em “plug-in”.)"""
    palavras = re.findall(r"[a-záéíóúâêôãõçà]+", paragrafo.lower())
    en = sum(p in INGLES for p in palavras)
    pt = sum(p in PORTUGUES for p in palavras)
    return "en" if en >= 2 or (en >= 1 and en >= pt) else "pt"


def limpar(paragrafo: str) -> str:
    paragrafo = html.unescape(paragrafo).replace("\u00a0", " ").replace("\u200b", "")
    return re.sub(r"\s+", " ", paragrafo).strip()


def _descartar(p: str) -> bool:
    """Parágrafos que não são prosa: curtos, legendas, referências, em inglês."""
    return (
        len(p) < 40
        or re.match(r"(Figura|Tabela|Equação|Exemplo) [\dA-Z]+\.", p) is not None
        or p.startswith("[")
        or "http://" in p or "https://" in p
        or lingua(p) != "pt"
    )


def documentos_do_deb(deb: Path, prefixo: str, sufixo: str) -> list[list[str]]:
    """As seções das páginas HTML do pacote (em ordem de nome de arquivo), cada uma como a lista
    dos seus parágrafos de prosa; um título começa uma seção nova."""
    with tempfile.TemporaryDirectory() as tmp:
        tar_ = Path(tmp) / "dados.tar"
        with open(tar_, "wb") as saida:
            subprocess.run(["dpkg-deb", "--fsys-tarfile", str(deb)], check=True, stdout=saida)
        with tarfile.open(tar_) as tar:
            membros = sorted(
                (m for m in tar.getmembers()
                 if m.isfile() and m.name.lstrip("./").startswith(prefixo)
                 and m.name.endswith(sufixo)),
                key=lambda m: m.name,
            )
            paginas = [tar.extractfile(m).read().decode("utf-8") for m in membros]
    vistos: set[str] = set()
    documentos: list[list[str]] = []
    for pagina in paginas:
        leitor = _Paragrafos()
        leitor.feed(pagina)
        atual: list[str] = []
        for bruto in [*leitor.paragrafos, None]:
            if bruto is None:
                if atual:
                    documentos.append(atual)
                atual = []
                continue
            p = limpar(bruto)
            if p in vistos or _descartar(p):
                continue
            vistos.add(p)
            atual.append(p)
    return documentos


def sha256(dados: bytes) -> str:
    return hashlib.sha256(dados).hexdigest()


def baixar(pacote: str, versao: str, pasta: Path) -> Path:
    subprocess.run(["apt-get", "download", f"{pacote}={versao}"], cwd=pasta, check=True)
    return next(pasta.glob(f"{pacote}_*.deb"))


def copyright_do_deb(deb: Path, pacote: str) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["dpkg-deb", "-x", str(deb), tmp], check=True)
        return (Path(tmp) / "usr/share/doc" / pacote / "copyright").read_bytes()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--debs", type=Path, help="pasta com os .deb já baixados")
    parser.add_argument("--destino", type=Path, default=PASTA)
    args = parser.parse_args(argv)
    args.destino.mkdir(parents=True, exist_ok=True)
    erros = 0
    with tempfile.TemporaryDirectory() as tmp:
        for fonte in FONTES:
            pacotes = {fonte["pacote"], fonte["copyright"]}
            debs = {}
            for pacote in sorted(pacotes):
                padrao = f"{pacote}_{fonte['versao']}_*.deb"
                achados = sorted(args.debs.glob(padrao)) if args.debs else []
                debs[pacote] = achados[0] if achados else baixar(pacote, fonte["versao"], Path(tmp))
            deb = debs[fonte["pacote"]]
            h_deb = sha256(deb.read_bytes())
            if h_deb != fonte["sha256_deb"]:
                print(f"aviso: {deb.name} tem sha256 {h_deb}, não o registrado; confiro o texto")
            documentos = documentos_do_deb(deb, fonte["prefixo"], fonte["sufixo"])
            texto = "\n\n".join("\n".join(d) for d in documentos) + "\n"
            bruto = texto.encode("utf-8")
            h_texto = sha256(bruto)
            print(f"{fonte['pacote']} {fonte['versao']}: {len(documentos)} documentos, "
                  f"{sum(map(len, documentos))} parágrafos, {len(texto)} caracteres "
                  f"({len(bruto) / 1e6:.2f} MB em UTF-8); sha256 {h_texto}")
            if h_texto != fonte["sha256_texto"]:
                print(f"ERRO: o texto de {fonte['pacote']} não é o registrado", file=sys.stderr)
                erros += 1
            destino = args.destino / f"{fonte['pacote']}.txt.xz"
            destino.write_bytes(lzma.compress(bruto, preset=9 | lzma.PRESET_EXTREME))
            (args.destino / f"{fonte['pacote']}.copyright").write_bytes(
                copyright_do_deb(debs[fonte["copyright"]], fonte["copyright"])
            )
            licenca = Path("/usr/share/common-licenses") / fonte["texto_da_licenca"]
            if licenca.exists():  # o texto integral da licença vai junto, como a GFDL pede
                (args.destino / fonte["texto_da_licenca"]).write_bytes(licenca.read_bytes())
            print(f"  gravado em {destino} ({destino.stat().st_size / 1e6:.2f} MB comprimido)")
    return 1 if erros else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
