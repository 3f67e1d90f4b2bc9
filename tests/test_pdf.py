"""O livro inteiro em PDF (``make pdf``): completo, legível e com todo caractere no lugar.

O PDF é construído uma vez (o fixture ``livro_pdf``) com a mesma função de `make pdf`
(``book/_ext/pdf.py``) e reaproveitado enquanto estiver mais novo que as fontes (capítulos,
configuração, extensões e o ``companion``, de onde sai a referência da API); uma trava de arquivo
garante uma construção só quando os testes rodam em paralelo (pytest-xdist). Confere-se: o número
de páginas, as fontes embutidas, nenhuma referência não resolvida (``??``), nenhum glifo faltando
no log do LaTeX, os títulos dos capítulos, as figuras (a imagem e o começo da legenda), as soluções
reunidas no fim de cada capítulo, uma saída de código de cada capítulo e os caracteres especiais
que o site mostra. A primeira página de cada capítulo vira uma imagem em ``_build/capturas-pdf/``
(ou na pasta de ``CAPTURAS_PDF``), para inspeção.

Sem o TeX (``xelatex``, ``latexmk``) ou o poppler (``pdftotext``, ``pdffonts``, ``pdftoppm``), os
testes do PDF são pulados com o motivo; ``.ci/run`` os instala e exige (``EXIGIR_TEX=1``). Os
testes do link para o PDF no site não precisam do TeX.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest

RAIZ = Path(__file__).resolve().parent.parent
LIVRO = RAIZ / "book"
CAPITULOS = sorted(LIVRO.glob("[0-9][0-9]_*.ipynb"))
PROGRAMAS = ("xelatex", "latexmk", "pdftotext", "pdffonts", "pdftoppm", "pdfimages")
FALTANDO = [p for p in PROGRAMAS if shutil.which(p) is None]

# Na CI (.ci/run define EXIGIR_TEX=1), a falta do TeX é erro, não um pulo silencioso.
if os.environ.get("EXIGIR_TEX") and FALTANDO:
    raise RuntimeError(f"EXIGIR_TEX=1, mas faltam os programas {', '.join(FALTANDO)}")


def _modulo_pdf():
    spec = importlib.util.spec_from_file_location("pdf_do_livro", LIVRO / "_ext" / "pdf.py")
    modulo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(modulo)
    return modulo


def _fontes() -> list[Path]:
    """Tudo de que o PDF depende."""
    arquivos = [RAIZ / "_config.yml", RAIZ / "_toc.yml"]
    arquivos += [p for p in LIVRO.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    arquivos += list((RAIZ / "companion").rglob("*.py"))
    return arquivos


@pytest.fixture(scope="session")
def livro_pdf() -> Path:
    if FALTANDO:
        pytest.skip(
            f"sem TeX: faltam os programas {', '.join(FALTANDO)} (instale os pacotes do Debian "
            "da seção «O livro em PDF» do README; .ci/run os instala)"
        )
    from filelock import FileLock

    pdf = _modulo_pdf()
    pasta = RAIZ / "_build" / "pdf"
    pasta.mkdir(parents=True, exist_ok=True)
    arquivo = pasta / pdf.NOME_PDF
    falha = pasta / ".falha"
    # a mesma em todos os processos de uma execução do pytest-xdist; vazia sem ele
    execucao = os.environ.get("PYTEST_XDIST_TESTRUNUID", "")
    with FileLock(str(pasta / ".trava"), timeout=1200):
        mais_nova = max(p.stat().st_mtime for p in _fontes())
        if execucao and falha.exists():
            marca, _, mensagem = falha.read_text(encoding="utf-8").partition("\n")
            if marca == execucao:
                # outro processo desta execução já tentou e falhou: não tenta de novo
                raise pdf.ErroDoPdf(mensagem)
        if not arquivo.exists() or arquivo.stat().st_mtime <= mais_nova:
            try:
                pdf.construir(RAIZ, silencioso=True)
            except pdf.ErroDoPdf as erro:
                falha.write_text(f"{execucao}\n{erro}", encoding="utf-8")
                raise
            falha.unlink(missing_ok=True)
    return arquivo


@cache
def _texto(arquivo: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(arquivo), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


@pytest.fixture(scope="session")
def texto(livro_pdf) -> str:
    return _texto(livro_pdf)


def _compacto(texto: str) -> str:
    """Sem espaços, quebras e hífens: a hifenização e as quebras de linha do PDF não importam."""
    texto = texto.replace("\u00ad", "").replace("’", "'").replace("‘", "'")
    return re.sub(r"[\s\-‐]+", "", texto)


@pytest.fixture(scope="session")
def compacto(texto) -> str:
    return _compacto(texto)


def _celulas(capitulo: Path) -> list[dict]:
    return json.loads(capitulo.read_text(encoding="utf-8"))["cells"]


def _visivel(celula: dict) -> bool:
    etiquetas = celula.get("metadata", {}).get("tags", [])
    return not {"remove-cell", "remove-output"} & set(etiquetas)


def titulo(capitulo: Path) -> str:
    for celula in _celulas(capitulo):
        if celula["cell_type"] == "markdown":
            for linha in "".join(celula["source"]).splitlines():
                if linha.startswith("# "):
                    return linha[2:].strip()
    raise AssertionError(f"{capitulo.name} sem título")


def _sem_marcacao(texto: str) -> str:
    """O texto de um trecho MyST sem a marcação: fórmulas, papéis, ênfase e código."""
    texto = re.sub(r"\$[^$]*\$", " ", texto)
    texto = re.sub(r"\{[\w:-]+\}`[^`]*`", " ", texto)
    return re.sub(r"[*`_]", "", texto)


def _trecho_legivel(texto: str, palavras: int = 5) -> str | None:
    """O primeiro trecho de ``palavras`` palavras seguidas sem marcação nenhuma."""
    for pedaco in re.split(r"\$[^$]*\$|\{[\w:-]+\}`[^`]*`|`[^`]*`|\*+|\(|\)|\[|\]", texto):
        termos = pedaco.split()
        if len(termos) >= palavras:
            return " ".join(termos[:palavras])
    return None


# ---------------------------------------------------------------------------------------------
# o PDF


def test_paginas_numa_faixa_sa(livro_pdf):
    from pypdf import PdfReader

    paginas = len(PdfReader(livro_pdf).pages)
    # ≈ 240 páginas hoje (10 capítulos); um capítulo que some, ou uma saída que explode em
    # páginas, aparece aqui
    assert 12 * len(CAPITULOS) <= paginas <= 60 * len(CAPITULOS), paginas


def test_toda_fonte_embutida(livro_pdf):
    linhas = subprocess.run(
        ["pdffonts", str(livro_pdf)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert linhas
    for linha in linhas:
        # colunas: nome, tipo, codificação, emb, sub, uni, objeto, geração
        emb, _sub, uni = linha.split()[-5:-2]
        assert emb == "yes", linha
        assert uni == "yes", linha  # o texto copiado do PDF sai certo


def test_log_sem_glifo_faltando_nem_referencia_indefinida(livro_pdf):
    log = livro_pdf.with_suffix(".log").read_text(encoding="utf-8", errors="replace")
    assert "Missing character" not in log
    assert "There were undefined references" not in log
    assert not re.search(r"(Reference|Citation) `[^']*' on page \d+ undefined", log)


def test_nada_sai_da_pagina(livro_pdf):
    """O código e as saídas quebram a linha (``verbatimforcewraps``) e as tabelas têm colunas
    de largura fixa: nenhuma linha passa da margem mais que uns poucos pontos (a margem tem
    2,5 cm, ≈ 71 pt)."""
    log = livro_pdf.with_suffix(".log").read_text(encoding="utf-8", errors="replace")
    largas = [float(m) for m in re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide\)", log)]
    assert max(largas, default=0) < 36, sorted(largas)[-5:]


def test_nenhuma_referencia_nao_resolvida(texto):
    assert "??" not in texto


def test_folha_de_rosto_sumario_e_partes(livro_pdf, texto):
    from pypdf import PdfReader

    rosto = PdfReader(livro_pdf).pages[0].extract_text()
    assert "Softmax na Prática" in rosto
    for parte in ("Sumário", "Introdução", "Capítulos", "Apêndices", "Glossário", "Referências"):
        assert parte in texto, parte


def test_titulos_dos_capitulos_no_sumario_e_no_texto(livro_pdf, compacto):
    from pypdf import PdfReader

    marcadores = _marcadores(livro_pdf)
    for capitulo in CAPITULOS:
        nome = titulo(capitulo)
        assert _compacto(nome) in compacto, nome
        assert nome in marcadores, (nome, list(marcadores))
    # os capítulos em ordem, cada um depois do anterior
    paginas = [marcadores[titulo(c)] for c in CAPITULOS]
    assert paginas == sorted(paginas) and len(set(paginas)) == len(paginas)
    assert max(paginas) < len(PdfReader(livro_pdf).pages)


def _marcadores(livro_pdf: Path, ultimo: bool = False) -> dict[str, int]:
    """Título -> página (a partir de 0) de cada marcador do PDF, em todos os níveis; num título
    repetido (as «Referências» de cada capítulo e o apêndice), o primeiro ou o ``ultimo``."""
    from pypdf import PdfReader

    leitor = PdfReader(livro_pdf)
    achados: dict[str, int] = {}

    def percorrer(itens) -> None:
        for item in itens:
            if isinstance(item, list):
                percorrer(item)
            else:
                pagina = leitor.get_destination_page_number(item)
                if ultimo:
                    achados[item.title.strip()] = pagina
                else:
                    achados.setdefault(item.title.strip(), pagina)

    percorrer(leitor.outline)
    return achados


def _figuras(capitulo: Path) -> list[str]:
    """As legendas das figuras do capítulo (saídas de imagem das células visíveis)."""
    legendas = []
    for celula in _celulas(capitulo):
        if celula["cell_type"] != "code" or not _visivel(celula):
            continue
        imagens = [s for s in celula.get("outputs", []) if "image/png" in s.get("data", {})]
        if imagens:
            figura = celula.get("metadata", {}).get("mystnb", {}).get("figure", {})
            legendas += [figura.get("caption", "")] * len(imagens)
    return legendas


def test_toda_figura_com_a_sua_legenda(livro_pdf, compacto):
    listadas = subprocess.run(
        ["pdfimages", "-list", str(livro_pdf)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    figuras = [legenda for capitulo in CAPITULOS for legenda in _figuras(capitulo)]
    assert figuras
    # cada figura é uma imagem no PDF (as máscaras de transparência também são listadas)
    assert len([linha for linha in listadas if " image " in linha]) >= len(figuras)
    for legenda in figuras:
        trecho = _trecho_legivel(legenda)
        if trecho:
            assert _compacto(trecho) in compacto, trecho


def _primeira_saida(capitulo: Path) -> str:
    """Uma linha de um exemplo resolvido: a primeira saída impressa de uma célula de código
    visível do capítulo, com código visível também."""
    for celula in _celulas(capitulo):
        etiquetas = set(celula.get("metadata", {}).get("tags", []))
        if celula["cell_type"] != "code" or not _visivel(celula) or "hide-input" in etiquetas:
            continue
        for saida in celula.get("outputs", []):
            if saida.get("output_type") != "stream" or saida.get("name") != "stdout":
                continue
            for linha in "".join(saida["text"]).splitlines():
                if 12 <= len(linha.strip()) <= 70:
                    return linha.strip()
    raise AssertionError(f"{capitulo.name}: nenhuma saída impressa para procurar no PDF")


@pytest.mark.parametrize("capitulo", CAPITULOS, ids=lambda c: c.stem)
def test_um_exemplo_resolvido_de_cada_capitulo(compacto, capitulo):
    linha = _primeira_saida(capitulo)
    assert _compacto(linha) in compacto, linha


def test_solucoes_reunidas_no_fim_de_cada_capitulo(livro_pdf, texto):
    """Uma seção «Soluções dos exercícios» por capítulo, depois do enunciado do último
    exercício (e não uma solução logo abaixo de cada exercício, como no site)."""
    paginas = texto.split("\f")
    marcadores = _marcadores(livro_pdf)
    assert "Soluções dos exercícios" in marcadores
    apendices = next(p for nome, p in marcadores.items() if nome.endswith("Apêndices"))
    inicios = [marcadores[titulo(c)] for c in CAPITULOS] + [apendices]
    for capitulo, inicio, fim in zip(CAPITULOS, inicios, inicios[1:], strict=False):
        trecho = "\f".join(paginas[inicio:fim])
        enunciados = [m.start() for m in re.finditer(r"Exercício \d+\.\d+", trecho)]
        solucoes = [m.start() for m in re.finditer(r"Solução para Exercício \d+\.\d+", trecho)]
        assert enunciados and solucoes, capitulo.name
        secao = trecho.index("Soluções dos exercícios")
        # todas as soluções depois do título da seção, e nenhum enunciado depois dele
        assert min(solucoes) > secao, capitulo.name
        ultimo_enunciado = max(set(enunciados) - {s + len("Solução para ") for s in solucoes})
        assert ultimo_enunciado < secao, capitulo.name


def test_caracteres_do_site_no_pdf(texto):
    """Os caracteres fora do ASCII da prosa (fora das fórmulas) e das saídas visíveis saem no PDF
    como os mesmos caracteres: setas, sobrescritos, letras gregas, aspas, travessões."""
    usados: set[str] = set()
    for capitulo in CAPITULOS:
        for celula in _celulas(capitulo):
            if celula["cell_type"] == "markdown":
                usados |= set(_sem_marcacao("".join(celula["source"])))
            elif _visivel(celula):
                for saida in celula.get("outputs", []):
                    if saida.get("output_type") == "stream":
                        usados |= set("".join(saida["text"]))
    especiais = {c for c in usados if ord(c) > 127}
    assert {"“", "”", "—"} <= especiais
    assert not especiais - set(texto), sorted(especiais - set(texto))


def test_primeira_pagina_de_cada_capitulo_em_imagem(livro_pdf):
    """Imagens para olhar (como as capturas do navegador): a folha de rosto, o sumário e a
    primeira página de cada capítulo e apêndice."""
    pasta = Path(os.environ.get("CAPTURAS_PDF", RAIZ / "_build" / "capturas-pdf"))
    pasta.mkdir(parents=True, exist_ok=True)
    marcadores = _marcadores(livro_pdf)
    sumario = next(i for i, p in enumerate(_texto(livro_pdf).split("\f")) if "Sumário" in p)
    paginas = {"00_folha_de_rosto": 0, "00_sumario": sumario}
    for capitulo in CAPITULOS:
        paginas[capitulo.stem] = marcadores[titulo(capitulo)]
    apendices = _marcadores(livro_pdf, ultimo=True)
    for nome, arquivo in (("Glossário", "A_glossario"), ("Referências", "C_referencias")):
        paginas["apendice_" + arquivo] = apendices[nome]
    api = next(nome for nome in apendices if nome.startswith("Referência do"))
    paginas["apendice_B_api"] = apendices[api]
    for nome, pagina in paginas.items():
        destino = pasta / nome
        subprocess.run(
            ["pdftoppm", "-png", "-r", "70", "-singlefile", "-f", str(pagina + 1), "-l",
             str(pagina + 1), str(livro_pdf), str(destino)],
            check=True,
        )
        assert destino.with_suffix(".png").stat().st_size > 5_000, nome


# ---------------------------------------------------------------------------------------------
# o link para o PDF no site (sem TeX também: sem o PDF, o link leva à página que diz como gerá-lo)


def _alvo(site: Path, pagina: Path, href: str) -> Path:
    return (pagina.parent / href).resolve()


def test_introducao_oferece_o_pdf(site):
    pagina = site / "book" / "intro.html"
    html = pagina.read_text(encoding="utf-8")
    href = re.search(r'<a class="livro-pdf[^"]*" href="([^"]+)"', html).group(1)
    alvo = _alvo(site, pagina, href)
    assert alvo.exists(), href
    assert alvo.name in ("softmax-na-pratica.pdf", "livro-pdf.html")
    if alvo.suffix == ".pdf":
        assert alvo.read_bytes()[:5] == b"%PDF-"
    else:
        assert "make pdf" in alvo.read_text(encoding="utf-8")


@pytest.mark.parametrize("nome", ["intro", *(c.stem for c in CAPITULOS), "glossario", "api"])
def test_menu_de_download_de_toda_pagina_oferece_o_pdf(site, nome):
    pagina = site / "book" / f"{nome}.html"
    html = pagina.read_text(encoding="utf-8")
    botao = re.search(
        r'<a href="([^"]+)"[^>]*class="btn btn-sm btn-download-livro-pdf-button[^"]*"[^>]*'
        r'title="Baixar o livro inteiro em PDF"',
        html,
    )
    assert botao, nome
    assert _alvo(site, pagina, botao.group(1)).exists()


# ---------------------------------------------------------------------------------------------
# a bibliografia em português (book/_ext/bibliografia.py)


def test_bibliografia_do_pdf_em_portugues(texto):
    """Cada entrada da bibliografia do PDF tem tantos “and” quantos os campos da obra (títulos,
    revistas, notas… em inglês) trazem: nenhum do estilo, que escreve “e” entre os autores."""
    import unicodedata

    from pybtex.database import parse_file
    from pybtex.richtext import Text

    # NFKC: as ligaduras do PDF (“ﬀi” em “eﬀicient”) voltam a ser letras
    bibliografia = unicodedata.normalize("NFKC", texto).rsplit(
        "As obras citadas ao longo do livro.", 1
    )[1]
    entradas = [e for e in re.split(r"^\s*\[\d+\]\s", bibliografia, flags=re.M)[1:] if e.strip()]
    assert len(entradas) > 50
    obras = []
    for entrada in parse_file(str(LIVRO / "referencias.bib")).entries.values():
        campos = [
            Text.from_latex(valor).render_as("text")
            for nome, valor in entrada.fields.items()
            if nome.lower() in ("title", "booktitle", "journal", "series", "note",
                                "howpublished", "publisher", "address")
        ]
        titulo = Text.from_latex(entrada.fields["title"]).render_as("text")
        # a mesma normalização do texto do PDF (o “²” de O(n²) vira “2”)
        titulo = unicodedata.normalize("NFKC", titulo)
        obras.append((_compacto(titulo).lower(), " ".join(campos)))
    for entrada in entradas:
        campos = next((c for titulo, c in obras if titulo in _compacto(entrada).lower()), None)
        assert campos is not None, f"entrada do PDF sem obra no .bib: {entrada[:200]!r}"
        esperados = len(re.findall(r"\band\b", campos, re.I))
        assert len(re.findall(r"\band\b", entrada, re.I)) == esperados, entrada
        for palavra in ("editors", "pages", "edition", "Volume", "Technical Report"):
            assert palavra not in entrada, (palavra, entrada)
    assert any(" e " in e and "In:" in e for e in entradas)
