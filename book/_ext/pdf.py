"""Extensão do Sphinx para o livro em PDF (``make pdf``) e o link para ele no site.

**O PDF.** O construtor LaTeX do Jupyter Book (com o ``sphinx-jupyterbook-latex``) e o XeLaTeX.
Aqui ficam o que o ``_config.yml`` não expressa bem:

- a classe ``manual`` do Sphinx no lugar da ``jupyterBook`` do ``sphinx-jupyterbook-latex``, que
  exige pacotes fora do TeX Live do Debian com ``--no-install-recommends`` (``bbm``,
  ``pgfplots``) e fixa uma largura de texto que não cabe numa folha A4 com margens;
- o preâmbulo: português do Brasil (polyglossia), fontes (Latin Modern, como a matemática; DejaVu
  Sans Mono no código), folha de rosto, títulos de capítulo e de parte (titlesec), figuras e
  equações numeradas por capítulo, quebra de linha no código e nas saídas, e os ambientes das
  células do notebook;
- a estrutura (``estruturar_livro``): a introdução como capítulo sem número, os apêndices com
  letras, a bibliografia dentro do apêndice «Referências», tabelas com colunas proporcionais ao
  texto (as do MyST sairiam da página);
- **as soluções reunidas no fim de cada capítulo**: no site, cada solução fica fechada logo abaixo
  do exercício; no PDF, que não tem o clique para abrir, elas vão para a seção «Soluções dos
  exercícios», no fim do capítulo (antes das referências dele);
- **nenhum glifo faltando**: ao fim da construção, todo caractere do ``.tex`` que alguma das
  fontes do livro não tem ganha uma definição (``glifos.tex``) que o compõe com a fonte do lugar
  quando ela o tem (``\\iffontchar``) e, senão, com uma fonte de reserva que o tem, escolhida
  lendo as próprias fontes. Assim um capítulo novo com um símbolo novo não quebra o PDF.

**O link no site.** A introdução (o papel ``{livro-pdf}``) e o menu de download de toda página
(o botão do ``sphinx-book-theme``) oferecem o PDF. Ele só existe onde há TeX: a construção HTML
copia ``_build/pdf/softmax-na-pratica.pdf`` para a raiz do site se ele existir (rode ``make pdf``
antes de ``make livro``); se não, os dois links levam a ``livro-pdf.html``, uma página curta que
diz como gerá-lo. Nenhum link fica quebrado.

**Como script** (``make pdf``): ``python book/_ext/pdf.py`` constrói o LaTeX com o Jupyter Book,
compõe o PDF com o ``latexmk`` e copia o PDF e o log do LaTeX para ``_build/pdf/``.
"""

from __future__ import annotations

import html
import shutil
import subprocess
import sys
import time
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging

logger = logging.getLogger(__name__)

NOME_PDF = "softmax-na-pratica.pdf"
PAGINA_SEM_PDF = "livro-pdf.html"
RAIZ = Path(__file__).resolve().parents[2]
PASTA_PDF = RAIZ / "_build" / "pdf"
TITULO_SOLUCOES = "Soluções dos exercícios"

# fontes do livro (família, arquivo) e as de reserva, na ordem de preferência
FONTES_DO_LIVRO = {
    "rm": "lmroman10-regular.otf",
    "sf": "lmsans10-regular.otf",
    "tt": "DejaVuSansMono.ttf",
}
RESERVAS = [
    ("FreeSerif", "FreeSerif.otf"),
    ("DejaVu Sans", "DejaVuSans.ttf"),
    ("FreeSans", "FreeSans.otf"),
    ("FreeMono", "FreeMono.otf"),
    ("DejaVu Sans Mono", "DejaVuSansMono.ttf"),
]

FONTES = r"""
\usepackage{unicode-math}
\setmainfont{Latin Modern Roman}
\setsansfont{Latin Modern Sans}
\setmonofont{DejaVu Sans Mono}[Scale=MatchLowercase]
\setmathfont{Latin Modern Math}
"""

PREAMBULO = r"""
% títulos com fórmulas nos marcadores do PDF (\infty vira ∞ em vez de um erro)
\hypersetup{pdfencoding=auto,psdextra,pdftitle={Softmax na Prática},pdflang={pt-BR}}
\setlength{\headheight}{14pt}
% citações (\hyperlink) nas legendas das figuras: sem isto, o \caption as expande e quebra
\usepackage{etoolbox}
\robustify\hyperlink
\usepackage{newunicodechar}
% caracteres que alguma fonte do livro não tem (gerado ao fim da construção; ver book/_ext/pdf.py)
\InputIfFileExists{glifos.tex}{}{}
% as células do notebook (sphinx-jupyterbook-latex): entrada com a barra à esquerda, saída recuada
\newenvironment{sphinxVerbatimInput}
  {\sphinxsetup{VerbatimColor={RGB}{245,247,250},VerbatimBorderColor={RGB}{205,212,222}}}{}
\newenvironment{sphinxVerbatimOutput}
  {\sphinxsetup{VerbatimColor={RGB}{255,255,255},VerbatimBorderColor={RGB}{225,225,225}}%
   \begin{adjustwidth}{1.5em}{}}
  {\end{adjustwidth}}
\usepackage[strict]{changepage}
% títulos: capítulo com «CAPÍTULO 1» pequeno sobre o título grande e um fio; partes numa página
% limpa; a mesma família sem serifa e o mesmo azul em tudo
\definecolor{livroazul}{RGB}{0,45,74}
\titleformat{\chapter}[display]{\sffamily\bfseries\color{livroazul}}
  {\large\MakeUppercase{\chaptertitlename}\ \thechapter}{1.2ex}{\Huge\raggedright}
  [\vspace{1ex}{\color{livroazul}\titlerule[0.8pt]}]
\titleformat{name=\chapter,numberless}[display]{\sffamily\bfseries\color{livroazul}}
  {}{0pt}{\Huge\raggedright}[\vspace{1ex}{\color{livroazul}\titlerule[0.8pt]}]
\titlespacing*{\chapter}{0pt}{0pt}{3ex}
\titleformat{\part}[display]{\centering\sffamily\bfseries\color{livroazul}}
  {\LARGE\partname\ \thepart}{2ex}{\fontsize{34}{40}\selectfont}
\assignpagestyle{\part}{empty}
% figuras, tabelas e equações numeradas por capítulo (Figura 2.1), como no site (o Sphinx, com
% o sumário em partes, numeraria o livro inteiro de 1 em diante; isto roda depois dele)
\AtBeginDocument{\counterwithin{figure}{chapter}\counterwithin{table}{chapter}%
  \counterwithin{equation}{chapter}}
% os nomes das legendas: o polyglossia usa \captionsportuguese (o Sphinx escreve em \captionsbrazil)
\gappto\captionsportuguese{\renewcommand{\figurename}{Figura }\renewcommand{\tablename}{Tabela }}
\makeatletter
% a bibliografia fica dentro do apêndice «Referências», sem um capítulo só dela
\renewenvironment{sphinxthebibliography}[1]
  {\begingroup\let\chapter\@gobbletwo\def\bibname{Referências}\begin{thebibliography}{#1}}
  {\end{thebibliography}\endgroup}
\makeatother
% nada de linhas viúvas ou órfãs
\widowpenalty=10000
\clubpenalty=10000
"""


FOLHA_DE_ROSTO = r"""
\makeatletter
\begin{titlepage}
  \centering
  \vspace*{0.2\textheight}
  {\sffamily\bfseries\fontsize{36}{42}\selectfont \@title\par}
  \vspace{1.5em}
  {\color[RGB]{0,45,74}\rule{0.5\textwidth}{1.2pt}\par}
  \vspace{1.5em}
  {\Large\itshape A função softmax e a sua família:\\
   a matemática, o código, os gradientes e os números\par}
  \vfill
  {\large \@author\par}
  \vspace{0.8em}
  {\today\par}
\end{titlepage}
\makeatother
"""

# ---------------------------------------------------------------------------------------------
# configuração do LaTeX


def configurar_latex(app: Sphinx, config: Config) -> None:
    """Depois do ``sphinx-jupyterbook-latex`` (que troca a classe e o preâmbulo): a classe
    ``manual`` do Sphinx e o preâmbulo deste livro."""
    config.latex_theme = "manual"
    config.latex_engine = "xelatex"
    # o xindy não está no TeX Live mínimo; o makeindex basta para o índice da API
    config.latex_use_xindy = False
    config.latex_show_urls = "no"
    config.latex_show_pagerefs = False
    config.latex_domain_indices = False
    config.latex_elements = {
        "papersize": "a4paper",
        "pointsize": "11pt",
        "fontpkg": FONTES,
        "preamble": PREAMBULO,
        # os títulos de capítulo e de parte são os do preâmbulo (titlesec), não os do fncychap
        "fncychap": "",
        "sphinxsetup": ",".join(
            [
                "verbatimwrapslines=true",
                "verbatimforcewraps=true",
                "verbatimmaxunderfull=2",
                "verbatimhintsturnover=false",
                "hmargin={2.5cm,2.5cm}",
                "vmargin={2.5cm,2.5cm}",
            ]
        ),
        "contentsname": r"\addto\captionsbrazil{\renewcommand{\contentsname}{Sumário}}",
        "maketitle": FOLHA_DE_ROSTO,
        "printindex": "",
        "makeindex": "",
    }


def numerar_como_o_site(app: Sphinx) -> None:
    """Exercícios e figuras numerados por capítulo (1.1, 1.2...), como no site: o
    ``sphinx-jupyterbook-latex`` passa a profundidade para 2 quando o sumário tem partes.

    E os símbolos ✓ ✔ ✕ ✖ como os próprios caracteres (com a fonte de reserva de ``glifos.tex``),
    não como as imitações do Sphinx em fórmula (``\\pmb{\\checkmark}``), que saem diferentes
    do site e, copiadas do PDF, viram outro caractere."""
    if app.builder.format != "latex":
        return
    app.config.numfig_secnum_depth = 1
    from sphinx.util import texescape

    for simbolo in "✓✔✕✖":
        for mapa in (texescape._tex_escape_map_without_unicode,
                     texescape._tex_hlescape_map_without_unicode):
            mapa.pop(ord(simbolo), None)


# ---------------------------------------------------------------------------------------------
# soluções reunidas no fim de cada capítulo


def reunir_solucoes(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """No PDF, cada solução sai de baixo do seu exercício e vai para a última seção do capítulo,
    «Soluções dos exercícios», na mesma ordem."""
    if app.builder.format != "latex":
        return
    for arquivo in list(doctree.findall(addnodes.start_of_file)):
        capitulo = next(
            (filho for filho in arquivo.children if isinstance(filho, nodes.section)), None
        )
        if capitulo is None:
            continue
        solucoes = list(_solucoes_em(capitulo))
        if not solucoes:
            continue
        secao = nodes.section(ids=[f"solucoes-{arquivo['docname'].replace('/', '-')}"])
        secao += nodes.title(text=TITULO_SOLUCOES)
        for pai, solucao in solucoes:
            pai.remove(solucao)
            secao += solucao
        # antes das referências do capítulo, se ele termina com elas
        ultima = capitulo.children[-1]
        if isinstance(ultima, nodes.section) and _titulo(ultima) == "Referências":
            capitulo.insert(capitulo.index(ultima), secao)
        else:
            capitulo += secao


def _larguras_das_colunas(tabela: nodes.table) -> None:
    grupo = next(iter(tabela.findall(nodes.tgroup)), None)
    if grupo is None:
        return
    colunas = [c for c in grupo.children if isinstance(c, nodes.colspec)]
    tamanhos = [[] for _ in colunas]
    for linha in grupo.findall(nodes.row):
        for i, celula in enumerate(c for c in linha.children if isinstance(c, nodes.entry)):
            if i < len(tamanhos):
                tamanhos[i].append(len(celula.astext()))
    medias = [max(sum(t) / len(t), 4) if t else 4 for t in tamanhos]
    total = sum(medias)
    for coluna, media in zip(colunas, medias, strict=True):
        coluna["colwidth"] = max(round(100 * media / total), 8)
    if "colwidths-auto" in tabela["classes"]:
        tabela["classes"].remove("colwidths-auto")
    if "colwidths-given" not in tabela["classes"]:
        tabela["classes"].append("colwidths-given")


def _titulo(secao: nodes.section) -> str:
    return next(iter(secao.findall(nodes.title))).astext().strip()


def estruturar_livro(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """A introdução como capítulo sem número, com os seus subtítulos; os apêndices com letras
    (\\appendix); a bibliografia dentro do apêndice «Referências», não num capítulo à parte."""
    if app.builder.format != "latex":
        return
    from sphinx.builders.latex.nodes import thebibliography
    from sphinx.util.texescape import escape
    from sphinx_jupyterbook_latex.nodes import RootHeader

    secoes = [s for s in doctree.children if isinstance(s, nodes.section)]
    if secoes:
        intro = secoes[0]
        intro.insert(
            0,
            nodes.raw(
                "",
                "\\chapter*{Introdução}\\addcontentsline{toc}{chapter}{Introdução}"
                "\\markboth{Introdução}{Introdução}\n",
                format="latex",
            ),
        )
        # a lista dos capítulos que o {tableofcontents} da introdução vira: o sumário já a tem
        for lista in list(intro.findall(nodes.bullet_list)):
            if any(r.get("refuri", "").startswith("%") for r in lista.findall(nodes.reference)):
                lista.parent.remove(lista)
        for cabecalho in list(intro.findall(RootHeader)):
            comando = "section" if cabecalho["level"] <= 2 else "subsection"
            cabecalho.replace_self(
                nodes.raw("", f"\\{comando}*{{{escape(cabecalho.astext())}}}\n", format="latex")
            )
    for arquivo in doctree.findall(addnodes.start_of_file):
        if arquivo.get("docname") == "Apêndices":
            pai = arquivo.parent
            pai.parent.insert(pai.parent.index(pai), nodes.raw("", "\\appendix\n", format="latex"))
            break
    # as tabelas do MyST pedem colunas da largura natural (colwidths-auto), e uma tabela larga
    # (o glossário) sai da página: no PDF, cada coluna ganha uma largura proporcional ao tamanho
    # médio do seu texto, e as linhas quebram dentro dela
    for tabela in doctree.findall(nodes.table):
        _larguras_das_colunas(tabela)
    bibliografias = [b for b in doctree.children if isinstance(b, thebibliography)]
    destino = next(
        (
            a
            for a in doctree.findall(addnodes.start_of_file)
            if a.get("docname", "").endswith("referencias")
        ),
        None,
    )
    if destino is not None and bibliografias:
        secao = next(filho for filho in destino.children if isinstance(filho, nodes.section))
        for bib in bibliografias:
            doctree.remove(bib)
            secao += bib


def _solucoes_em(no: nodes.Element):
    """As soluções de um arquivo, com o nó que as contém, de cima para baixo (o
    ``sphinx-jupyterbook-latex`` troca nós sem atualizar o ``parent`` dos filhos, então o caminho
    é o da descida, não o ``parent``); não entra nos arquivos incluídos dentro dele."""
    from sphinx_exercise.nodes import solution_node

    for filho in list(no.children):
        if isinstance(filho, addnodes.start_of_file):
            continue
        if isinstance(filho, solution_node):
            yield no, filho
        elif isinstance(filho, nodes.Element):
            yield from _solucoes_em(filho)


# ---------------------------------------------------------------------------------------------
# glifos: todo caractere do .tex com uma fonte que o tenha


def _cmap(arquivo: str) -> set[int]:
    from fontTools.ttLib import TTFont

    caminho = _achar_fonte(arquivo)
    if caminho is None:
        return set()
    return set(TTFont(caminho, lazy=True, fontNumber=0).getBestCmap())


def _achar_fonte(arquivo: str) -> str | None:
    import subprocess

    for comando in (["kpsewhich", arquivo], ["fc-match", "-f", "%{file}", arquivo]):
        try:
            saida = subprocess.run(comando, capture_output=True, text=True).stdout.strip()
        except OSError:
            continue
        if saida and Path(saida).name == arquivo:
            return saida
    for pasta in ("/usr/share/fonts", "/usr/share/texmf", "/usr/share/texlive"):
        achado = next(Path(pasta).rglob(arquivo), None) if Path(pasta).exists() else None
        if achado:
            return str(achado)
    return None


def escrever_glifos(app: Sphinx, excecao: Exception | None) -> None:
    """Grava ``glifos.tex``: para cada caractere do ``.tex`` que alguma fonte do livro não tem,
    uma reserva para o texto e outra para o código (uma monoespaçada, se alguma o tiver, para não
    desalinhar as colunas das saídas)."""
    if excecao is not None or app.builder.format != "latex":
        return
    saida = Path(app.outdir)
    usados: set[str] = set()
    for tex in saida.glob("*.tex"):
        if tex.name == "glifos.tex":
            continue
        usados |= {c for c in tex.read_text(encoding="utf-8") if ord(c) > 127}
    do_livro = [_cmap(arquivo) for arquivo in FONTES_DO_LIVRO.values()]
    reservas = [(nome, _cmap(arquivo)) for nome, arquivo in RESERVAS]
    monoespacadas = [(nome, cmap) for nome, cmap in reservas if "Mono" in nome]
    linhas = []
    familias: dict[str, str] = {}

    def comando(nome: str) -> str:
        return familias.setdefault(nome, "\\reserva" + "abcdefghij"[len(familias)])

    for caractere in sorted(usados):
        codigo = ord(caractere)
        if all(codigo in cmap for cmap in do_livro):
            continue
        texto = next((nome for nome, cmap in reservas if codigo in cmap), None)
        if texto is None:
            logger.warning(
                "pdf: nenhuma fonte tem o caractere %r (U+%04X); instale uma que o tenha",
                caractere,
                codigo,
            )
            continue
        codigo_ = next((nome for nome, cmap in monoespacadas if codigo in cmap), texto)
        linhas.append(
            f"\\newunicodechar{{{caractere}}}"
            f"{{\\glifo{{{comando(texto)}}}{{{comando(codigo_)}}}{{\"{codigo:04X}}}}}"
        )
    cabecalho = [
        "% gerado por book/_ext/pdf.py: caracteres que alguma fonte do livro não tem",
        r"\makeatletter",
        # na fonte do lugar se ela tem o glifo; senão, na de reserva (a do código, se o lugar é
        # código), e no corpo regular dela se a variante do lugar (negrito, itálico) não o tiver:
        # o regular o tem, a reserva foi escolhida assim
        r"\newcommand{\glifo}[3]{\ifmmode\Umathcharnum\Umathcodenum#3\relax\else"
        r"\iffontchar\font#3 \char#3 \else"
        r"{\ifx\f@family\ttdefault#2\else#1\fi"
        r"\iffontchar\font#3 \else\mdseries\upshape\fi\char#3}\fi\fi}",
        r"\makeatother",
    ] + [
        f"\\newfontfamily{cmd}{{{nome}}}[Scale=MatchLowercase]"
        for nome, cmd in familias.items()
    ]
    (saida / "glifos.tex").write_text("\n".join(cabecalho + linhas) + "\n", encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# o PDF no site


def _pdf_pronto(app: Sphinx) -> Path | None:
    pdf = Path(app.srcdir) / "_build" / "pdf" / NOME_PDF
    return pdf if pdf.is_file() else None


def _alvo(app: Sphinx) -> str:
    return NOME_PDF if _pdf_pronto(app) else PAGINA_SEM_PDF


def papel_livro_pdf(nome, texto_cru, texto, linha, inliner, options=None, content=None):
    """``{livro-pdf}`texto``` : um link para o livro em PDF. O destino é decidido ao escrever a
    página (``resolver_links``), não ao ler: a leitura fica no cache, e o PDF pode aparecer
    depois."""
    return [nodes.reference(texto_cru, texto, refuri=NOME_PDF, classes=["livro-pdf"])], []


def resolver_links(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    for link in list(doctree.findall(nodes.reference)):
        if "livro-pdf" not in link.get("classes", []):
            continue
        if app.builder.format == "html":
            link["refuri"] = "../" * docname.count("/") + _alvo(app)
        else:  # no próprio PDF, só o texto
            link.replace_self(nodes.inline("", link.astext(), classes=["livro-pdf"]))


def botao_de_download(app: Sphinx, pagename, templatename, context, doctree) -> None:
    """O livro inteiro em PDF no menu de download de toda página, ao lado do «.pdf» da página
    (que imprime a página pelo navegador)."""
    for botao in context.get("header_buttons", []):
        if botao.get("label") == "download-buttons":
            botao["buttons"].append(
                {
                    "type": "link",
                    "url": context["pathto"](_alvo(app), 1),
                    "text": "livro (.pdf)",
                    "tooltip": "Baixar o livro inteiro em PDF",
                    "icon": "fas fa-book",
                    "label": "download-livro-pdf-button",
                }
            )


PAGINA = """<!DOCTYPE html>
<html lang="pt-BR">
<head><meta charset="utf-8"><title>O livro em PDF — {titulo}</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto; line-height: 1.5">
<h1>O livro em PDF</h1>
{situacao}
<p>Para gerá-lo, instale o TeX (os pacotes do Debian estão no README, seção «O livro em PDF») e
rode, na raiz do repositório:</p>
<pre>make pdf     # grava _build/pdf/{pdf}
make livro   # reconstrói o site, agora com o PDF para baixar</pre>
<p><a href="index.html">Voltar ao livro</a></p>
</body>
</html>
"""
COM_PDF = '<p><a href="{pdf}">Baixe o livro inteiro em PDF</a>.</p>'
SEM_PDF = "<p>Esta cópia do site foi construída sem o PDF do livro.</p>"


def copiar_pdf(app: Sphinx, excecao: Exception | None) -> None:
    if excecao is not None or app.builder.format != "html":
        return
    saida = Path(app.outdir)
    pdf = _pdf_pronto(app)
    if pdf is not None:
        shutil.copy2(pdf, saida / NOME_PDF)
    # sempre: uma página antiga (de uma construção sem o PDF) nunca aponta para o vazio
    (saida / PAGINA_SEM_PDF).write_text(
        PAGINA.format(
            titulo=html.escape(app.config.project),
            pdf=NOME_PDF,
            situacao=COM_PDF.format(pdf=NOME_PDF) if pdf else SEM_PDF,
        ),
        encoding="utf-8",
    )


# ---------------------------------------------------------------------------------------------
# make pdf


class ErroDoPdf(RuntimeError):
    """A construção do PDF falhou (ou falta o TeX); a mensagem diz onde olhar."""


def construir(raiz: Path = RAIZ, *, silencioso: bool = False) -> Path:
    """Constrói o PDF (LaTeX pelo Jupyter Book, PDF pelo latexmk com o XeLaTeX) e copia o PDF e o
    log do LaTeX para ``_build/pdf/``. Qualquer aviso do Sphinx é erro (-W -n, como o site)."""
    for programa in ("xelatex", "latexmk"):
        if shutil.which(programa) is None:
            raise ErroDoPdf(
                f"o programa {programa} não foi encontrado: instale o TeX (README, seção «O livro "
                "em PDF»)"
            )
    inicio = time.monotonic()
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    sphinx = subprocess.run(
        [str(jupyter_book), "build", str(raiz), "--builder", "latex", "-W", "-n", "--keep-going"],
        capture_output=silencioso,
        text=True,
    )
    if sphinx.returncode != 0:
        saida = (sphinx.stdout or "") + (sphinx.stderr or "")
        raise ErroDoPdf(f"a construção do LaTeX pelo Jupyter Book falhou\n{saida[-5000:]}")
    latex = raiz / "_build" / "latex"
    tex = NOME_PDF.replace(".pdf", ".tex")
    processo = subprocess.run(
        ["latexmk", "-pdfxe", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error",
         "-quiet", tex],
        cwd=latex,
        capture_output=True,
        text=True,
    )
    log = latex / tex.replace(".tex", ".log")
    if processo.returncode != 0:
        raise ErroDoPdf(
            f"o LaTeX falhou; veja {log}\n{processo.stdout[-3000:]}{processo.stderr[-3000:]}"
        )
    pasta = raiz / "_build" / "pdf"
    pasta.mkdir(parents=True, exist_ok=True)
    # o log antes do PDF: quem confere se o PDF está em dia olha a data do PDF
    shutil.copy2(log, pasta / log.name)
    temporario = pasta / (NOME_PDF + ".tmp")
    shutil.copyfile(latex / NOME_PDF, temporario)
    temporario.replace(pasta / NOME_PDF)
    if not silencioso:
        print(f"make pdf: {pasta / NOME_PDF} em {time.monotonic() - inicio:.0f} s")
    return pasta / NOME_PDF


def setup(app: Sphinx) -> dict[str, object]:
    from docutils.parsers.rst import roles

    roles.register_local_role("livro-pdf", papel_livro_pdf)
    # depois do sphinx-jupyterbook-latex, que também mexe na configuração do LaTeX
    app.connect("config-inited", configurar_latex, priority=900)
    app.connect("builder-inited", numerar_como_o_site, priority=900)
    app.connect("doctree-resolved", reunir_solucoes)
    app.connect("doctree-resolved", estruturar_livro)
    app.connect("doctree-resolved", resolver_links)
    app.connect("build-finished", escrever_glifos)
    # depois do sphinx-book-theme, que monta o menu com prioridade 501
    app.connect("html-page-context", botao_de_download, priority=950)
    app.connect("build-finished", copiar_pdf)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


if __name__ == "__main__":
    try:
        construir()
    except ErroDoPdf as erro:
        sys.exit(f"make pdf: {erro}")
