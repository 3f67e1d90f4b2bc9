"""Edições do estudante: os notebooks dos capítulos para levar, sem as soluções.

Cada capítulo vira um notebook com os enunciados, os esqueletos dos exercícios e as chamadas de
``verificar`` — mas sem os blocos ``{solution}``, sem o aviso de download (que só faz sentido no
livro) e sem saídas, e terminado pela tabela do progresso (``progresso(N)``). Junto vai a roda
(*wheel*) do ``companion``, que a primeira célula de cada notebook instala, com o extra “livro”
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
import contextlib
import hashlib
import io
import re
import subprocess
import symtable
import sys
import tempfile
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
# o companion e o seu extra “livro” (matplotlib, SciPy, mpmath) do pacote wheel baixado do livro.
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
        pacotes, origem = [f"{rodas[-1]}[livro]"], f"do arquivo {rodas[-1].name}"
    elif "companion" not in faltam:
        pacotes, origem = faltam, "do PyPI"
    else:
        raise ModuleNotFoundError(
            "O pacote companion não está instalado. Baixe o pacote wheel companion-*.whl na "
            "página inicial do livro (seção “Notebooks para levar”), ponha-o na pasta deste "
            "notebook (no Colab: painel Arquivos, Enviar) e rode esta célula de novo."
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
    nb: nbformat.NotebookNode,
    capitulo: int | None = None,
    referencias: Referencias | None = None,
) -> nbformat.NotebookNode:
    """Uma cópia de ``nb`` sem soluções, sem o aviso de download e sem saídas, que roda sem o
    torch, com o Markdown do MyST escrito como Markdown simples (os números colados, as
    referências e as citações como o livro os mostra); com ``capitulo``, termina com a tabela do
    progresso nos exercícios dele."""
    novo = nbformat.v4.new_notebook(metadata=nb.metadata)
    contexto = _Contexto()
    refs = referencias if referencias is not None else Referencias()
    glue = valores_colados(nb)
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
            celula.source = markdown_do_estudante(celula.source, glue, refs)
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


# ---------------------------------------------------------------------------------------------
# O Markdown do livro como Markdown simples: o Jupyter não conhece os papéis e as diretivas do
# MyST ({glue:text}, {numref}, {cite:t}, :::{admonition}, ```{literalinclude}...), que na edição
# do estudante apareceriam crus. Cada um vira o texto que o livro mostraria.

PAPEL = re.compile(r"\{(?P<papel>[a-z]+(?::[a-z]+)?)\}`(?P<conteudo>[^`]*)`")
ALVO = re.compile(r"^(?P<texto>.*?)\s*<(?P<alvo>[^<>]+)>$", re.S)
ADMONICAO = re.compile(
    r"^:::\{(?P<tipo>admonition|hint|note|tip|warning|important)\}[ \t]*(?P<titulo>[^\n]*)\n"
    r"(?P<opcoes>(?::[\w-]+:[^\n]*\n)*)\n?(?P<texto>.*?)^:::[ \t]*$",
    re.S | re.M,
)
PROPOSICAO = re.compile(
    r"^```\{prf:(?P<tipo>[a-z]+)\}[ \t]*(?P<titulo>[^\n]*)\n"
    r"(?P<opcoes>(?::[\w-]+:[^\n]*\n)*)\n?(?P<texto>.*?)^```[ \t]*$",
    re.S | re.M,
)
INCLUSAO = re.compile(
    r"^```\{literalinclude\}[ \t]*(?P<caminho>[^\n]+)\n(?P<opcoes>(?::[\w-]+:[^\n]*\n)*)```[ \t]*$",
    re.M,
)
TIPOS_DE_PROVA = {
    "proposition": "Proposição",
    "theorem": "Teorema",
    "lemma": "Lema",
    "definition": "Definição",
    "corollary": "Corolário",
    "proof": "Demonstração",
}
TITULOS_DE_AVISO = {"hint": "Dica", "note": "Nota", "tip": "Dica", "warning": "Atenção"}


class Referencias:
    """O que é preciso para escrever as referências cruzadas como texto: o número de cada
    capítulo, o título de cada seção, exercício e proposição, e autor e ano de cada citação."""

    def __init__(self, origem: Path = LIVRO):
        self.capitulos: dict[str, int] = {}
        self.titulos: dict[str, str] = {}
        for caminho in capitulos(origem):
            nb = nbformat.read(caminho, as_version=4)
            for celula in nb.cells:
                if celula.cell_type != "markdown":
                    continue
                for m in re.finditer(
                    r"^\((?P<rotulo>[\w-]+)\)=\s*\n#+\s*(?P<titulo>[^\n]+)", celula.source, re.M
                ):
                    titulo = m["titulo"].strip()
                    if m["rotulo"].startswith("cap-"):
                        self.capitulos[m["rotulo"]] = numero_do_capitulo(caminho)
                    self.titulos[m["rotulo"]] = re.sub(r"^\d+(\.\d+)*\.?\s*", "", titulo)
                for m in re.finditer(
                    r"^```\{(?:exercise|prf:[a-z]+)\}[ \t]*(?P<titulo>[^\n]*)\n"
                    r":label:\s*(?P<r>\S+)",
                    celula.source,
                    re.M,
                ):
                    self.titulos[m["r"]] = m["titulo"].strip().lstrip("✔★ ").strip()
        self.citacoes = _citacoes(origem / "referencias.bib")

    def numero_ou_titulo(self, rotulo: str) -> str:
        if rotulo in self.capitulos:
            return str(self.capitulos[rotulo])
        if rotulo in self.titulos:
            return f"“{self.titulos[rotulo]}”"
        return ""


def _citacoes(bib: Path) -> dict[str, tuple[str, str]]:
    """``chave -> (autores, ano)`` como o livro os cita: “Bridle”, “Bridle e Outro”,
    “Dao *et al.*”."""
    citacoes: dict[str, tuple[str, str]] = {}
    if not bib.exists():
        return citacoes
    texto = bib.read_text(encoding="utf-8")
    for m in re.finditer(r"@\w+\{(?P<chave>[^,\s]+),(?P<corpo>.*?)\n\}", texto, re.S):
        corpo = m["corpo"]
        autor = re.search(r"\b(?:author|editor)\s*=\s*[{\"](?P<a>.*?)[}\"],?\s*\n", corpo, re.S)
        ano = re.search(r"\byear\s*=\s*[{\"]?(?P<y>\d{4})", corpo)
        titulo = re.search(r"\btitle\s*=\s*[{\"](?P<t>.*?)[}\"],?\s*\n", corpo, re.S)
        if autor:
            nomes = [n.strip() for n in re.split(r"\s+and\s+", autor["a"].replace("\n", " "))]
            sobrenomes = [
                # {PyTorch Contributors}: um nome de instituição, inteiro
                n.strip("{} ")
                if n.startswith("{")
                else (n.split(",")[0] if "," in n else n.split()[-1]).strip("{} ")
                for n in nomes
                if n
            ]
            if len(sobrenomes) == 1:
                quem = sobrenomes[0]
            elif len(sobrenomes) == 2:
                quem = f"{sobrenomes[0]} e {sobrenomes[1]}"
            else:
                quem = f"{sobrenomes[0]} *et al.*"
        elif titulo:
            quem = re.sub(r"[{}]", "", titulo["t"]).strip()
        else:
            quem = m["chave"]
        citacoes[m["chave"]] = (quem, ano["y"] if ano else "s.d.")
    return citacoes


def _papel(m: re.Match, glue: dict[str, str], refs: Referencias) -> str:
    papel, conteudo = m["papel"], m["conteudo"]
    alvo_m = ALVO.match(conteudo)
    texto, alvo = (alvo_m["texto"], alvo_m["alvo"]) if alvo_m else ("", conteudo)
    if papel in ("glue:text", "glue", "glue:md"):
        return glue.get(conteudo.split(":", 1)[0], "…")
    if papel in ("cite:t", "cite:p", "cite"):
        partes = []
        for chave in (c.strip() for c in conteudo.split(",")):
            quem, ano = refs.citacoes.get(chave, (chave, ""))
            partes.append(f"{quem} ({ano})" if papel == "cite:t" else f"{quem}, {ano}")
        return "; ".join(partes) if papel == "cite:t" else "(" + "; ".join(partes) + ")"
    if papel == "numref":
        if not texto:
            if alvo.startswith("fig"):
                return "figura"  # a numeração das figuras é do livro; no notebook, a do lado
            return refs.numero_ou_titulo(alvo) or alvo
        valor = refs.numero_ou_titulo(alvo)
        return (
            texto.replace("%s", valor).replace("  ", " ").strip()
            if valor
            else (texto.replace(" %s", "").replace("%s", ""))
        )
    if papel in ("ref", "prf:ref", "eq"):
        if texto:
            return texto
        titulo = refs.titulos.get(alvo)
        return f"“{titulo}”" if titulo else "a equação" if papel == "eq" else alvo
    if papel in ("doc", "download", "term", "abbr"):
        return texto or alvo
    return m.group(0)


def _codigo_incluido(m: re.Match) -> str:
    """Um ``literalinclude`` do livro vira uma indicação de onde está o código. O código em si
    fica de fora: às vezes é a própria solução de um exercício que vem depois (a implementação do
    ``companion`` que o capítulo mostra), e a edição do estudante não revela soluções."""
    caminho = m["caminho"].strip().removeprefix("../")
    opcoes = dict(re.findall(r"^:([\w-]+):[ \t]*(.*)$", m["opcoes"], re.M))
    objeto = f", `{opcoes['pyobject']}`" if "pyobject" in opcoes else ""
    return f"> *No livro, aqui aparece o código de `{caminho}`{objeto}.*"


def _aviso(m: re.Match) -> str:
    titulo = m["titulo"].strip() or TITULOS_DE_AVISO.get(m["tipo"], "Nota")
    corpo = m["texto"].strip()
    return "\n".join(
        [f"> **{titulo}.**", ">"] + [f"> {linha}".rstrip() for linha in corpo.splitlines()]
    )


def _proposicao(m: re.Match) -> str:
    nome = TIPOS_DE_PROVA.get(m["tipo"], m["tipo"].capitalize())
    titulo = m["titulo"].strip()
    cabeca = (
        f"*{nome}.*"
        if m["tipo"] == "proof"
        else (f"**{nome} — {titulo}.**" if titulo else f"**{nome}.**")
    )
    return f"{cabeca} {m['texto'].strip()}"


def markdown_do_estudante(texto: str, glue: dict[str, str], refs: Referencias) -> str:
    """``texto`` (Markdown do MyST) com os papéis e as diretivas escritos como o livro os mostra."""
    texto = re.sub(r"^\([\w-]+\)=[ \t]*\n?", "", texto, flags=re.M)  # os alvos (sec-...)=
    texto = INCLUSAO.sub(_codigo_incluido, texto)
    texto = PROPOSICAO.sub(_proposicao, texto)
    # avisos dentro de avisos: de dentro para fora, até não sobrar nenhum
    for _ in range(3):
        novo = ADMONICAO.sub(_aviso, texto)
        if novo == texto:
            break
        texto = novo
    texto = PAPEL.sub(lambda m: _papel(m, glue, refs), texto)
    # um título entre aspas que o livro já punha entre aspas
    return texto.replace("““", "“").replace("””", "”")


def valores_colados(nb: nbformat.NotebookNode) -> dict[str, str]:
    """Os valores que o notebook do livro colou com ``glue``, como o texto que a prosa mostra."""
    valores: dict[str, str] = {}
    for celula in nb.cells:
        for saida in celula.get("outputs", []):
            nome = saida.get("metadata", {}).get("scrapbook", {}).get("name")
            texto = saida.get("data", {}).get("application/papermill.record/text/plain")
            if nome and texto is not None:
                try:
                    valor = ast.literal_eval(texto)
                except (ValueError, SyntaxError):
                    valor = texto
                valores[nome] = str(valor)
    return valores


def gerar(destino: Path = DESTINO_PADRAO, origem: Path = LIVRO, roda: bool = True) -> list[Path]:
    """Grava a edição do estudante de cada capítulo (e, com ``roda``, a roda do companion) em
    ``destino``; devolve os caminhos dos notebooks."""
    destino.mkdir(parents=True, exist_ok=True)
    gravados = []
    refs = Referencias(origem)
    for caminho in capitulos(origem):
        nb = nbformat.read(caminho, as_version=4)
        saida = destino / caminho.name
        edicao = edicao_do_estudante(nb, numero_do_capitulo(caminho), refs)
        texto = nbformat.writes(edicao) + "\n"
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
    # o pip constrói dentro da cópia (build/, companion.egg-info/): duas construções ao mesmo
    # tempo (os testes rodam em paralelo) se atropelariam, então uma espera a outra
    with _trava_da_copia():
        subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
            + ["--wheel-dir", str(destino), str(RAIZ)],
            check=True,
            cwd=RAIZ,
        )
    return alvo


@contextlib.contextmanager
def _trava_da_copia():
    """Uma trava de arquivo por cópia do repositório (fcntl; sem ela, no Windows, nada)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    chave = hashlib.sha256(str(RAIZ).encode()).hexdigest()[:16]
    caminho = Path(tempfile.gettempdir()) / f"companion-roda-{chave}.trava"
    with open(caminho, "w") as trava:
        fcntl.flock(trava, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(trava, fcntl.LOCK_UN)


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
