"""Edições do estudante: os notebooks dos capítulos para levar, sem as soluções.

Cada capítulo vira um notebook com os enunciados, os esqueletos dos exercícios e as chamadas de
``verificar`` — mas sem os blocos ``{solution}``, sem o aviso de download (que só faz sentido no
livro) e sem saídas. Junto vai a roda (*wheel*) do ``companion``, que a primeira célula de cada
notebook instala quando o pacote falta (num Jupyter hospedado, como o Colab).

Uso::

    python book/_ext/edicao_estudante.py [--destino PASTA]   # ou: make estudante

A construção do livro chama :func:`gerar` (pela extensão ``ajustes_livro``) e oferece os arquivos
para download em cada capítulo e na introdução.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat

RAIZ = Path(__file__).resolve().parents[2]
LIVRO = RAIZ / "book"
DESTINO_PADRAO = RAIZ / "_estudante"

# os blocos de solução do sphinx-exercise: de «:::{solution}» até a primeira linha só com «:::»
BLOCO_DE_SOLUCAO = re.compile(r"^:::\{solution\}.*?^:::[ \t]*$\n?", re.S | re.M)
# os enunciados: no Jupyter, uma diretiva do MyST aparece como bloco de código; na edição do
# estudante, cada uma vira um título em negrito e o texto do enunciado
ENUNCIADO = re.compile(
    r"^```\{exercise\}[ \t]*(?P<titulo>[^\n]*)\n"  # a abertura, com o título
    r"(?P<opcoes>(?::[\w-]+:[^\n]*\n)*)\n?"  # :label:, :class:
    r"(?P<texto>.*?)^```[ \t]*$",  # o enunciado, até o fecho
    re.S | re.M,
)
# a célula do livro que aponta para a própria edição do estudante
MARCA_DO_DOWNLOAD = "../_estudante/"

AVISO = """\
> **Edição do estudante** de *Softmax na Prática*: os enunciados e os esqueletos dos exercícios,
> sem as soluções e sem saídas. Rode as células de cima para baixo; complete cada função e rode a
> célula do `verificar`. Se empacar, `dica(id)` dá uma dica e `solucao(id)` mostra a solução."""


# a primeira célula de código de todo capítulo (e da sua edição do estudante)
CELULA_INICIAL = """\
# Preparação: o companion, o pacote do livro. Num Jupyter hospedado (Colab, Binder...), ele
# não vem instalado: esta célula o instala da roda (wheel) baixada do livro.
import importlib
import importlib.util
import subprocess
import sys
from pathlib import Path

if importlib.util.find_spec("companion") is None:
    rodas = sorted(Path.cwd().glob("companion-*.whl"))
    if not rodas:
        raise ModuleNotFoundError(
            "O pacote companion não está instalado. Baixe a roda companion-*.whl na página "
            "inicial do livro (seção «Notebooks para levar»), ponha-a na pasta deste notebook "
            "(no Colab: painel Arquivos, Enviar) e rode esta célula de novo."
        )
    print(f"O companion não está instalado; instalando-o de {rodas[-1].name}...")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", str(rodas[-1])],
                   check=True)
    importlib.invalidate_caches()
    print("Pronto: companion instalado.")"""


def versao_do_companion() -> str:
    return tomllib.loads((RAIZ / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "version"
    ]


def nome_da_roda() -> str:
    return f"companion-{versao_do_companion()}-py3-none-any.whl"


def capitulos(origem: Path = LIVRO) -> list[Path]:
    """Os notebooks dos capítulos (``01_...ipynb`` a ``08_...ipynb``)."""
    return sorted(origem.glob("[0-9][0-9]_*.ipynb"))


def edicao_do_estudante(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Uma cópia de ``nb`` sem soluções, sem o aviso de download e sem saídas."""
    novo = nbformat.v4.new_notebook(metadata=nb.metadata)
    for celula in nb.cells:
        celula = nbformat.from_dict(celula)
        if celula.cell_type == "markdown":
            if MARCA_DO_DOWNLOAD in celula.source:
                continue
            celula.source = BLOCO_DE_SOLUCAO.sub("", celula.source).strip()
            celula.source = ENUNCIADO.sub(_enunciado, celula.source)
            celula.source = re.sub(r"\n{3,}", "\n\n", celula.source)  # o vão das soluções
            if "{solution}" in celula.source:  # um bloco que a expressão não soube cortar
                raise ValueError(f"bloco de solução fora do padrão: {celula.source[:200]!r}")
            if not celula.source:
                continue
        elif celula.cell_type == "code":
            celula.outputs = []
            celula.execution_count = None
        celula.pop("attachments", None)
        novo.cells.append(celula)
    # o aviso vem logo depois do título
    novo.cells.insert(1, nbformat.v4.new_markdown_cell(AVISO))
    return novo


def _enunciado(m: re.Match) -> str:
    return f"**Exercício — {m['titulo'].strip()}**\n\n{m['texto'].strip()}"


def gerar(destino: Path = DESTINO_PADRAO, origem: Path = LIVRO, roda: bool = True) -> list[Path]:
    """Grava a edição do estudante de cada capítulo (e, com ``roda``, a roda do companion) em
    ``destino``; devolve os caminhos dos notebooks."""
    destino.mkdir(parents=True, exist_ok=True)
    gravados = []
    for caminho in capitulos(origem):
        nb = nbformat.read(caminho, as_version=4)
        saida = destino / caminho.name
        texto = nbformat.writes(edicao_do_estudante(nb)) + "\n"
        if not saida.exists() or saida.read_text(encoding="utf-8") != texto:
            saida.write_text(texto, encoding="utf-8")
        gravados.append(saida)
    if roda:
        construir_roda(destino)
    return gravados


def construir_roda(destino: Path) -> Path:
    """A roda do companion em ``destino``; só é refeita se o pacote mudou depois dela."""
    alvo = destino / nome_da_roda()
    fontes = [RAIZ / "pyproject.toml"] + [
        f for f in (RAIZ / "companion").rglob("*.*") if "__pycache__" not in f.parts
    ]
    if alvo.exists() and alvo.stat().st_mtime >= max(f.stat().st_mtime for f in fontes):
        return alvo
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
        + ["--wheel-dir", str(destino), str(RAIZ)],
        check=True,
        cwd=RAIZ,
    )
    return alvo


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--destino", type=Path, default=DESTINO_PADRAO)
    args = parser.parse_args(argv)
    for caminho in gerar(args.destino):
        print(caminho)
    print(args.destino / nome_da_roda())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
