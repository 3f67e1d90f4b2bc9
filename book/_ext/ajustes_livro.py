"""Extensão do Sphinx com os ajustes do livro: MathJax local e rótulos em português.

**MathJax sem rede.** O Sphinx carrega o MathJax de uma CDN por padrão; sem internet, as
fórmulas ficam em TeX cru. Ao fim da construção HTML, copiamos o MathJax do pacote
``django-static-mathjax`` (instalado por ``requirements.txt``) para ``_static/mathjax/``, e
``mathjax_path`` aponta para ele. Só vão os componentes que a página usa: o combinado
``tex-mml-chtml.js``, as extensões do TeX, as fontes da saída CHTML, o menu e a acessibilidade.

**Edições do estudante.** Antes de ler os capítulos, grava em ``_estudante/`` (na raiz) a edição do
estudante de cada um e a roda do companion (ver ``edicao_estudante.py``), que os capítulos e a
introdução oferecem para download.

**Interface em português.** Os textos do tema que passam pelo gettext estão traduzidos em
``book/_locale``; os poucos que os temas escrevem direto no HTML ou no JavaScript (a dica dos
botões das barras laterais, o campo de busca, os rótulos de acessibilidade, o botão de copiar)
são trocados aqui, ao fim da construção, pelas tabelas ``TRADUCOES_HTML`` e ``TRADUCOES_JS``.

**«Demonstração», não «Proof».** O ``sphinx-proof`` escreve «Proof. » no começo de toda
demonstração, sem passar pela tradução; trocamos pelo termo em português, em itálico.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

from docutils import nodes
from edicao_estudante import gerar
from sphinx.application import Sphinx

COMPONENTES = ("tex-mml-chtml.js", "input", "output/chtml", "ui", "a11y", "sre")


# textos fixos dos temas (sem gettext) -> português; trechos exatos do HTML gerado
TRADUCOES_HTML = {
    'title="Toggle primary sidebar"': 'title="Mostrar ou esconder a navegação"',
    'title="Toggle secondary sidebar"': 'title="Mostrar ou esconder o sumário da página"',
    'aria-label="Main"': 'aria-label="Principal"',
    'aria-label="Page"': 'aria-label="Página"',
    'placeholder="Search this book..."': 'placeholder="Buscar no livro..."',
    'aria-label="Search this book..."': 'aria-label="Buscar no livro..."',
    'aria-label="Toggle hidden content"': 'aria-label="Mostrar ou esconder"',
}
TRADUCOES_JS = {
    "togglebutton.js": {'aria-label="Toggle hidden content"': 'aria-label="Mostrar ou esconder"'},
    # não é tradução, mas mora aqui pelo mesmo mecanismo: o resumo de cada resultado da busca
    # sai do texto da página, e sem isto ele começa pelos botões do cabeçalho («.ipynb .pdf»)
    # e pelo sumário lateral («Conteúdo»), não pela prosa
    "searchtools.js": {
        '[".headerlink", "script", "style"]': (
            '[".headerlink", "script", "style", ".bd-header-article", ".bd-sidebar-secondary", '
            '".onlyprint"]'
        )
    },
    "copybutton.js": {
        "const messages = {": "const messages = {\n  'pt-BR': {\n"
        "    'copy': 'Copiar',\n"
        "    'copy_to_clipboard': 'Copiar para a área de transferência',\n"
        "    'copy_success': 'Copiado!',\n"
        "    'copy_failure': 'Falha ao copiar',\n"
        "  },",
    },
}


def ajustar_contexto_da_pagina(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: object
) -> None:
    """Dois erros que o navegador acusa em toda página (e os testes com o Chromium pegam):

    - o modo de cor vazio («Got invalid theme mode») — o livro abre no modo claro, em que as
      figuras foram desenhadas; o leitor pode trocá-lo no botão do topo;
    - a configuração do thebe incluída duas vezes («Identifier 'THEBE_JS_URL' has already been
      declared»): scripts repetidos saem da lista.
    """
    if not context.get("default_mode"):
        context["default_mode"] = "light"
    vistos, unicos = set(), []
    for script in context.get("script_files", []):
        # o mesmo script, ainda que com outra prioridade (é assim que ele entra repetido)
        chave = (
            str(getattr(script, "filename", script) or ""),  # None e "" são o mesmo: sem arquivo
            tuple(sorted(getattr(script, "attributes", {}).items())),
        )
        if chave not in vistos:
            vistos.add(chave)
            unicos.append(script)
    if "script_files" in context:
        context["script_files"] = unicos


def traduzir_textos_fixos(app: Sphinx, excecao: Exception | None) -> None:
    if excecao is not None or app.builder.format != "html":
        return
    saida = Path(app.outdir)
    for pagina in saida.rglob("*.html"):
        _trocar(pagina, TRADUCOES_HTML)
    for nome, trocas in TRADUCOES_JS.items():
        _trocar(saida / "_static" / nome, trocas)


def _trocar(arquivo: Path, trocas: dict[str, str]) -> None:
    if not arquivo.exists():
        return
    texto = original = arquivo.read_text(encoding="utf-8")
    for de, para in trocas.items():
        if para not in texto:  # uma segunda passada (reconstrução) não duplica nada
            texto = texto.replace(de, para)
    if texto != original:
        arquivo.write_text(texto, encoding="utf-8")


def origem_do_mathjax() -> Path:
    spec = importlib.util.find_spec("mathjax")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "o pacote django-static-mathjax não está instalado: rode `make livro`, que instala "
            "requirements.txt"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "static" / "mathjax" / "es5"


def copiar_mathjax(app: Sphinx, excecao: Exception | None) -> None:
    if excecao is not None or app.builder.format != "html":
        return
    origem = origem_do_mathjax()
    destino = Path(app.outdir) / "_static" / "mathjax"
    for componente in COMPONENTES:
        de, para = origem / componente, destino / componente
        if de.is_dir():
            shutil.copytree(de, para, dirs_exist_ok=True)
        else:
            para.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(de, para)


def edicoes_do_estudante(app: Sphinx) -> None:
    gerar(Path(app.srcdir) / "_estudante", Path(app.srcdir) / "book")


def demonstracao_em_portugues(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    for caixa in doctree.findall(nodes.admonition):
        # a caixa da demonstração tem as classes ["proof", "proof"]; as das proposições,
        # ["proof", "proposition"] (e não começam com «Proof. »)
        if caixa["classes"][:2] != ["proof", "proof"]:
            continue
        paragrafo = next(iter(caixa.findall(nodes.paragraph)), None)
        if paragrafo is None or not paragrafo.children:
            continue
        primeiro = paragrafo.children[0]
        if isinstance(primeiro, nodes.Text) and primeiro.astext().startswith("Proof. "):
            resto = primeiro.astext()[len("Proof. ") :]
            paragrafo.replace(primeiro, nodes.Text(resto))
            paragrafo.insert(0, nodes.emphasis(text="Demonstração. "))


def setup(app: Sphinx) -> dict[str, object]:
    origem_do_mathjax()  # falha cedo, com uma mensagem clara, se o pacote faltar
    # relativo a _static/ (ver a documentação de mathjax_path no Sphinx)
    app.config.mathjax_path = "mathjax/tex-mml-chtml.js"
    app.connect("builder-inited", edicoes_do_estudante)
    # depois dos outros (prioridade alta = por último): os scripts repetidos entram antes
    app.connect("html-page-context", ajustar_contexto_da_pagina, priority=900)
    app.connect("build-finished", copiar_mathjax)
    app.connect("build-finished", traduzir_textos_fixos)
    app.connect("doctree-resolved", demonstracao_em_portugues)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
