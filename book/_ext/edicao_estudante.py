"""Edições do estudante: os notebooks dos capítulos para levar, sem as soluções.

Cada capítulo vira um notebook com os enunciados, os esqueletos dos exercícios e as chamadas de
``verificar`` — mas sem os blocos ``{solution}``, sem o aviso de download (que só faz sentido no
livro) e sem saídas, e terminado pela tabela do progresso (``progresso(N)``). Junto vai a roda
(*wheel*) do ``companion``, que a primeira célula de cada notebook instala, com o extra «livro»
(matplotlib, SciPy, mpmath), quando algo falta (num Jupyter hospedado, como o Colab, ou num
Jupyter novo). O torch é opcional na edição: o seu import vira um ``try/except`` e os comandos
que dependem dele ficam sob ``if torch is not None:`` (ver :func:`sem_torch_obrigatorio`).

Uso::

    python book/_ext/edicao_estudante.py [--destino PASTA]   # ou: make estudante

A construção do livro chama :func:`gerar` (pela extensão ``ajustes_livro``) e oferece os arquivos
para download em cada capítulo e na introdução.
"""

from __future__ import annotations

import argparse
import ast
import builtins
import io
import re
import subprocess
import symtable
import sys
import tokenize
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
> célula do `verificar`. Se empacar, `dica(id)` dá uma dica e `solucao(id)` mostra a solução.
> O PyTorch é opcional: sem ele, as linhas que comparam com o torch são puladas, com um aviso."""

# o fim de toda edição: a tabela do progresso nos exercícios do capítulo
TITULO_DO_PROGRESSO = """\
## Seu progresso

O último veredito de cada exercício deste capítulo, guardado neste computador. Rode a célula de novo
depois de resolver mais um."""

# ---------------------------------------------------------------------------------------------
# O PyTorch, opcional: no livro, os capítulos comparam o companion com o torch; na edição do
# estudante, o import do torch vira um try/except, e cada comando que usa o torch (ou um nome que
# só um comando desses define ou altera) fica sob «if torch is not None:». Uma célula marcada com
# MARCA_TORCH nos metadados do capítulo (ou em que todo comando depende do torch) é pulada inteira.
MODULO_OPCIONAL = "torch"
MARCA_TORCH = "requer-torch"
IMPORT_OPCIONAL = """\
try:  # o PyTorch é opcional: sem ele, as comparações com o torch são puladas
{imports}
except ImportError:
    torch = None
    print("⤼ O PyTorch não está instalado: as comparações com ele serão puladas.")"""
AVISO_DE_LINHAS = """\
if torch is None:
    print("⤼ Sem o PyTorch, esta célula pula as linhas que o usam.")"""
GUARDA = "if torch is not None:"
CELULA_PULADA = """\
if torch is None:
    print("⤼ Sem o PyTorch, esta célula é pulada: ela só compara o companion com o torch.")
else:
{celula}"""


# a primeira célula de código de todo capítulo (e da sua edição do estudante)
CELULA_INICIAL = """\
# Preparação: o companion, o pacote do livro, e o que os capítulos usam além do numpy. Num
# Jupyter hospedado (Colab, Binder...) ou recém-instalado, eles podem faltar: esta célula instala
# o companion e o seu extra «livro» (matplotlib, SciPy, mpmath) da roda (wheel) baixada do livro.
# O PyTorch é opcional: sem ele, as comparações com o torch são puladas.
import importlib
import importlib.util
import subprocess
import sys
from pathlib import Path

faltam = [modulo for modulo in ("companion", "matplotlib", "scipy", "mpmath")
          if importlib.util.find_spec(modulo) is None]
if faltam:
    rodas = sorted(Path.cwd().glob("companion-*.whl"))
    if rodas:
        pacotes, origem = [f"{rodas[-1]}[livro]"], f"da roda {rodas[-1].name}"
    elif "companion" not in faltam:
        pacotes, origem = faltam, "do PyPI"
    else:
        raise ModuleNotFoundError(
            "O pacote companion não está instalado. Baixe a roda companion-*.whl na página "
            "inicial do livro (seção «Notebooks para levar»), ponha-a na pasta deste notebook "
            "(no Colab: painel Arquivos, Enviar) e rode esta célula de novo."
        )
    print(f"Instalando o que falta ({', '.join(faltam)}) {origem}...")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *pacotes], check=True)
    importlib.invalidate_caches()
    print(f"Pronto: {', '.join(faltam)} instalado(s).")"""


def versao_do_companion() -> str:
    return tomllib.loads((RAIZ / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "version"
    ]


def nome_da_roda() -> str:
    return f"companion-{versao_do_companion()}-py3-none-any.whl"


def capitulos(origem: Path = LIVRO) -> list[Path]:
    """Os notebooks dos capítulos (``01_...ipynb`` a ``08_...ipynb``)."""
    return sorted(origem.glob("[0-9][0-9]_*.ipynb"))


def edicao_do_estudante(
    nb: nbformat.NotebookNode, capitulo: int | None = None
) -> nbformat.NotebookNode:
    """Uma cópia de ``nb`` sem soluções, sem o aviso de download e sem saídas, que roda sem o
    torch; com ``capitulo``, termina com a tabela do progresso nos exercícios dele."""
    novo = nbformat.v4.new_notebook(metadata=nb.metadata)
    contexto = _Contexto()
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
            celula.source = sem_torch_obrigatorio(celula, contexto)
            celula.outputs = []
            celula.execution_count = None
        celula.pop("attachments", None)
        novo.cells.append(celula)
    # o aviso vem logo depois do título
    novo.cells.insert(1, nbformat.v4.new_markdown_cell(AVISO))
    if capitulo is not None:
        novo.cells += [
            nbformat.v4.new_markdown_cell(TITULO_DO_PROGRESSO),
            nbformat.v4.new_code_cell(
                f"from companion.exercicios import progresso\nprogresso({int(capitulo)})"
            ),
        ]
    return novo


def numero_do_capitulo(caminho: Path) -> int:
    """``01_softmax.ipynb`` é o capítulo 1."""
    return int(caminho.name.split("_", 1)[0])


class _Contexto:
    """O que a análise do torch carrega de uma célula para a próxima."""

    def __init__(self) -> None:
        self.dependentes: set[str] = set()  # nomes que só existem (ou estão certos) com o torch
        self.modulos: set[str] = set()  # nomes ligados por import (np, plt...): nunca «alterados»
        self.tem_torch = False  # já passou pelo import do torch


def _e_import_opcional(comando: ast.stmt) -> bool:
    if isinstance(comando, ast.Import):
        nomes = [apelido.name for apelido in comando.names]
    elif isinstance(comando, ast.ImportFrom):
        nomes = [comando.module or ""]
    else:
        return False
    raiz = {nome.split(".")[0] for nome in nomes}
    if MODULO_OPCIONAL in raiz and len(raiz) > 1:
        raise ValueError(f"import misturado com o torch: {ast.unparse(comando)!r}")
    return raiz == {MODULO_OPCIONAL}


# os métodos que alteram uma lista, um dicionário ou um conjunto no lugar: se um comando pulado
# sem o torch os chama, o objeto fica incompleto, e quem o lê depois também depende do torch
METODOS_QUE_ALTERAM = frozenset(
    "append extend insert update setdefault add pop popitem remove discard clear sort".split()
)


def _nomes(comando: ast.stmt, modulos: set[str]) -> tuple[set[str], set[str]]:
    """Os nomes globais que ``comando`` lê e os que ele grava (inclusive os que ele altera no
    lugar, como ``lista.append(...)`` ou ``d[k] = v``)."""
    tabela = symtable.symtable(ast.unparse(comando), "<celula>", "exec")
    lidos = {s.get_name() for s in tabela.get_symbols() if s.is_referenced()}
    gravados = {s.get_name() for s in tabela.get_symbols() if s.is_assigned() or s.is_imported()}
    pilha = list(tabela.get_children())
    while pilha:  # funções, classes, compreensões: só os nomes globais contam
        escopo = pilha.pop()
        pilha += escopo.get_children()
        for s in escopo.get_symbols():
            if s.is_global() and s.is_referenced():
                lidos.add(s.get_name())
            if s.is_declared_global() and s.is_assigned():
                gravados.add(s.get_name())
    for no in ast.walk(comando):
        alvos = []
        if (
            isinstance(no, ast.Call)
            and isinstance(no.func, ast.Attribute)
            and no.func.attr in METODOS_QUE_ALTERAM
        ):
            alvos.append(no.func.value)  # lista.append(...), d["k"].append(...)
        elif isinstance(no, (ast.Attribute, ast.Subscript)) and isinstance(
            no.ctx, (ast.Store, ast.Del)
        ):
            alvos.append(no.value)  # x[i] = ..., x.grad = ...
        for alvo in alvos:
            while isinstance(alvo, (ast.Attribute, ast.Subscript)):
                alvo = alvo.value
            if isinstance(alvo, ast.Name) and alvo.id not in modulos | set(dir(builtins)):
                gravados.add(alvo.id)
    return lidos, gravados


def _linhas_dentro_de_textos(fonte: str) -> set[int]:
    """As linhas (a partir de 0) que começam dentro de um texto de várias linhas: recuá-las
    mudaria o texto."""
    dentro = set()
    for token in tokenize.generate_tokens(io.StringIO(fonte).readline):
        if token.type == tokenize.STRING or token.type == getattr(tokenize, "FSTRING_MIDDLE", -1):
            dentro.update(range(token.start[0], token.end[0]))  # linhas start+1..end, base 0
    return dentro


def _recuar(linhas: list[str], numeros: range, dentro: set[int]) -> list[str]:
    return [
        linhas[i] if i in dentro else ("    " + linhas[i] if linhas[i].strip() else "")
        for i in numeros
    ]


def sem_torch_obrigatorio(celula: nbformat.NotebookNode, contexto: _Contexto) -> str:
    """O código de ``celula`` que roda com ou sem o torch (o mesmo código, se ela não o usa)."""
    fonte = celula.source
    try:
        arvore = ast.parse(fonte)
    except SyntaxError:  # mágicas do IPython (%timeit, !pip): não podem usar o torch
        if re.search(rf"\b{MODULO_OPCIONAL}\b", fonte):
            raise ValueError(f"célula com o torch que não é Python puro: {fonte[:200]!r}") from None
        return fonte
    if not arvore.body:
        return fonte
    linhas = fonte.splitlines()
    marcada = MARCA_TORCH in celula.metadata.get("tags", [])
    # cada comando, com os comentários e linhas em branco que o precedem: [início, fim, tipo]
    trechos: list[list] = []
    depende = []
    for comando in arvore.body:
        inicio = min([comando.lineno] + [d.lineno for d in getattr(comando, "decorator_list", [])])
        lidos, gravados = _nomes(comando, contexto.modulos)
        if isinstance(comando, (ast.Import, ast.ImportFrom)):
            contexto.modulos |= gravados
        if _e_import_opcional(comando):
            tipo = "import"
            contexto.tem_torch = True
        elif marcada or lidos & contexto.dependentes:
            tipo = "guarda"
        else:
            tipo = None
        if tipo:
            contexto.dependentes |= gravados
        else:
            contexto.dependentes -= gravados
        depende.append(tipo)
        fim = comando.end_lineno
        if trechos and inicio <= trechos[-1][1]:  # dois comandos na mesma linha (a; b)
            if trechos[-1][2] != tipo:
                raise ValueError(f"comandos com e sem o torch na mesma linha: {fonte[:200]!r}")
            trechos[-1][1] = fim
        else:
            trechos.append([trechos[-1][1] if trechos else 0, fim, tipo])
    trechos[-1][1] = len(linhas)
    if not any(depende):
        return fonte
    if depende[-1] == "guarda" and any(
        saida.get("output_type") == "execute_result" for saida in celula.get("outputs", [])
    ):  # dentro de um if, a última expressão não seria mostrada
        raise ValueError(f"a última expressão da célula depende do torch: {fonte[:200]!r}")
    if marcada or all(tipo == "guarda" for tipo in depende):
        if not contexto.tem_torch:
            raise ValueError(f"célula que depende do torch antes do import: {fonte[:200]!r}")
        dentro = _linhas_dentro_de_textos(fonte)
        return CELULA_PULADA.format(celula="\n".join(_recuar(linhas, range(len(linhas)), dentro)))
    dentro = _linhas_dentro_de_textos(fonte)
    saida: list[str] = []
    if any(tipo == "guarda" for tipo in depende):
        saida += AVISO_DE_LINHAS.splitlines()
    k = 0
    while k < len(trechos):
        tipo = trechos[k][2]
        fim = k
        while fim + 1 < len(trechos) and trechos[fim + 1][2] == tipo:
            fim += 1
        inicio, final = trechos[k][0], trechos[fim][1]
        if tipo is None:
            saida += linhas[inicio:final]
        else:
            while inicio < final and not linhas[inicio].strip():  # o vão fica fora do bloco
                saida.append("")
                inicio += 1
            corpo = _recuar(linhas, range(inicio, final), dentro)
            while corpo and not corpo[-1]:
                corpo.pop()
            vao = final - inicio - len(corpo)
            if tipo == "import":
                amarra = any(
                    isinstance(c, ast.Import)
                    and any(a.asname in (None, MODULO_OPCIONAL) for a in c.names)
                    for c in arvore.body
                    if _e_import_opcional(c)
                )
                if not amarra:  # «import torch.nn as nn» não liga o nome torch
                    corpo.insert(0, f"    import {MODULO_OPCIONAL}")
                saida += IMPORT_OPCIONAL.format(imports="\n".join(corpo)).splitlines()
            else:
                saida += [GUARDA] + corpo
            saida += [""] * vao
        k = fim + 1
    return "\n".join(saida)


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
        texto = nbformat.writes(edicao_do_estudante(nb, numero_do_capitulo(caminho))) + "\n"
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
