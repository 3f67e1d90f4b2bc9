"""O livro num navegador de verdade: o Chromium do Debian, dirigido pelo Playwright.

O site construído (o fixture ``site``) é servido em localhost, e cada página é aberta sem rede
— todo pedido que não for ao próprio servidor é bloqueado e conta como falha. Confere-se: nenhum
erro no console e nenhum pedido falho; toda fórmula composta pelo MathJax (nenhum TeX cru); toda
imagem decodificada; a busca acha «softmax» e «entropia»; as soluções começam fechadas e abrem com
um clique; «próximo» percorre os capítulos em ordem. Uma captura de tela de cada página vai para
``_build/capturas/`` (ou a pasta de ``CAPTURAS``), para inspeção.

Sem o Chromium (``/usr/bin/chromium``), os testes são pulados com o motivo; ``.ci/run`` instala o
Chromium com apt-get e exige que ele esteja lá (``EXIGIR_NAVEGADOR=1``).
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

import pytest

RAIZ = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
ARGUMENTOS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CAPITULOS = sorted(p.stem for p in (RAIZ / "book").glob("[0-9][0-9]_*.ipynb"))
APENDICES = ["glossario", "api", "referencias"]
PAGINAS = ["intro", *CAPITULOS, *APENDICES]

# Na CI (.ci/run define EXIGIR_NAVEGADOR=1), a falta do navegador é erro, não um pulo silencioso.
if os.environ.get("EXIGIR_NAVEGADOR") and not CHROMIUM.exists():
    raise RuntimeError(f"EXIGIR_NAVEGADOR=1, mas {CHROMIUM} não existe")
sync_api = pytest.importorskip("playwright.sync_api", reason="o Playwright não está instalado")
if not CHROMIUM.exists():
    pytest.skip(
        f"sem navegador: {CHROMIUM} não existe (instale o pacote chromium do Debian; "
        ".ci/run o instala)",
        allow_module_level=True,
    )


class _Silencioso(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def endereco(site: Path) -> Iterator[str]:
    servidor = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Silencioso, directory=str(site))
    )
    threading.Thread(target=servidor.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{servidor.server_address[1]}"
    servidor.shutdown()


@pytest.fixture(scope="module")
def navegador() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGUMENTOS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def capturas() -> Path:
    pasta = Path(os.environ.get("CAPTURAS", RAIZ / "_build" / "capturas"))
    pasta.mkdir(parents=True, exist_ok=True)
    return pasta


class Aba:
    """Uma página do navegador que anota erros do console, exceções e pedidos falhos, e bloqueia
    todo pedido para fora de localhost (o livro tem de funcionar sem rede)."""

    def __init__(self, navegador, largura: int = 1280) -> None:
        self.contexto = navegador.new_context(viewport={"width": largura, "height": 900})
        self.pagina = self.contexto.new_page()
        self.problemas: list[str] = []
        self.pagina.on(
            "console",
            lambda m: m.type == "error" and self.problemas.append(f"console: {m.text}"),
        )
        self.pagina.on("pageerror", lambda e: self.problemas.append(f"exceção: {e}"))
        self.pagina.on(
            "requestfailed",
            lambda r: self.problemas.append(f"pedido falhou: {r.url} ({r.failure})"),
        )
        self.pagina.on(
            "response",
            lambda r: r.status >= 400 and self.problemas.append(f"HTTP {r.status}: {r.url}"),
        )
        self.contexto.route("**/*", self._so_localhost)

    def _so_localhost(self, rota) -> None:
        if urlparse(rota.request.url).hostname in ("127.0.0.1", None, ""):
            rota.continue_()
        else:
            self.problemas.append(f"pedido para fora: {rota.request.url}")
            rota.abort()

    def abrir(self, url: str) -> None:
        self.pagina.goto(url, wait_until="load")
        # o MathJax (só nas páginas com fórmulas) compõe depois do load: espera a composição
        if self.pagina.locator('script[src*="mathjax"]').count():
            self.pagina.wait_for_function("() => window.MathJax && MathJax.startup")
            self.pagina.evaluate("() => MathJax.startup.promise")

    def fechar(self) -> None:
        self.contexto.close()


@pytest.fixture
def aba(navegador) -> Iterator[Aba]:
    a = Aba(navegador)
    yield a
    a.fechar()


# TeX que sobra quando uma fórmula não é composta
TEX_CRU = """() => {
  const artigo = document.querySelector("article") || document.body;
  const copia = artigo.cloneNode(true);
  copia.querySelectorAll("pre, code, .highlight, mjx-container, script").forEach(e => e.remove());
  const texto = copia.textContent;
  const restos = ["\\\\(", "\\\\[", "$$", "\\\\frac", "\\\\sum", "\\\\begin"];
  return restos.filter(t => texto.includes(t));
}"""

IMAGENS_QUEBRADAS = """async () => {
  const quebradas = [];
  for (const img of document.images) {
    img.loading = "eager";
    try { await img.decode(); } catch (e) {}
    if (!(img.complete && img.naturalWidth > 0)) quebradas.push(img.src);
  }
  return quebradas;
}"""


@pytest.mark.parametrize("nome", PAGINAS)
def test_pagina_carrega_limpa_com_formulas_e_imagens(aba, endereco, capturas, nome):
    aba.abrir(f"{endereco}/book/{nome}.html")
    assert aba.problemas == []
    assert aba.pagina.evaluate(TEX_CRU) == []
    assert aba.pagina.evaluate(IMAGENS_QUEBRADAS) == []
    if nome in CAPITULOS:
        assert aba.pagina.locator("mjx-container").count() > 10
        assert aba.pagina.locator("article img").count() >= 2
    assert aba.pagina.evaluate("document.documentElement.lang") == "pt-BR"
    aba.pagina.screenshot(path=str(capturas / f"{nome}.png"), full_page=False)
    assert aba.problemas == []


@pytest.mark.parametrize("termo", ["softmax", "entropia"])
def test_busca_encontra(aba, endereco, termo):
    aba.pagina.goto(f"{endereco}/search.html?q={termo}", wait_until="load")
    resultados = aba.pagina.locator("#search-results ul.search li")
    resultados.first.wait_for(timeout=15_000)
    assert resultados.count() >= 2
    # os resumos saem da prosa, não dos botões do cabeçalho nem do sumário
    resumos = aba.pagina.locator("#search-results ul.search li p.context")
    resumos.first.wait_for(timeout=15_000)
    textos = resumos.all_inner_texts()
    assert any(termo in t.lower() for t in textos)
    assert not any(".pdf" in t or "Conteúdo" in t for t in textos), textos[:3]
    assert aba.problemas == []


def test_solucoes_fechadas_ate_o_clique(aba, endereco):
    aba.abrir(f"{endereco}/book/01_softmax.html")
    solucao = aba.pagina.locator("div.solution.dropdown").first
    conteudo = solucao.locator("section#solution-content")
    assert conteudo.count() == 1
    assert not conteudo.is_visible()
    botao = solucao.locator("button.toggle-button")
    assert botao.get_attribute("aria-expanded") == "false"
    botao.click()
    conteudo.wait_for(state="visible", timeout=5_000)
    assert conteudo.is_visible() and botao.get_attribute("aria-expanded") == "true"
    # as outras continuam fechadas
    assert not aba.pagina.locator("div.solution.dropdown section").nth(1).is_visible()
    assert aba.problemas == []


def test_proximo_percorre_os_capitulos_em_ordem(aba, endereco):
    aba.abrir(f"{endereco}/book/intro.html")
    visitadas = ["intro"]
    while aba.pagina.locator("a.right-next").count():
        aba.pagina.locator("a.right-next").first.click()
        aba.pagina.wait_for_load_state("load")
        visitadas.append(Path(urlparse(aba.pagina.url).path).stem)
        assert len(visitadas) < 30
    assert visitadas == PAGINAS
    # e «anterior» volta
    aba.pagina.locator("a.left-prev").first.click()
    aba.pagina.wait_for_load_state("load")
    assert Path(urlparse(aba.pagina.url).path).stem == PAGINAS[-2]
    assert aba.problemas == []


def test_abre_do_disco_sem_servidor(aba, site):
    """Aberto direto do disco (file://), o capítulo também mostra as fórmulas e as figuras."""
    aba.abrir((site / "book" / "01_softmax.html").as_uri())
    assert aba.pagina.locator("mjx-container").count() > 10
    assert aba.pagina.evaluate(TEX_CRU) == []
    assert aba.pagina.evaluate(IMAGENS_QUEBRADAS) == []
    assert aba.problemas == []
