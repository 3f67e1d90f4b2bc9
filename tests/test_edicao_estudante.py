"""As edições do estudante: sem soluções, sem saídas, e rodam do início ao fim num kernel novo.

E a primeira célula de cada capítulo: instala o companion de uma roda quando ele falta.
"""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
import venv
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import companion.exercicios  # noqa: F401  (registra os exercícios)
from companion.exercicios import _nucleo

RAIZ = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RAIZ / "book" / "_ext"))
import edicao_estudante as ed  # noqa: E402

CAPITULOS = ed.capitulos()


@pytest.fixture(scope="module")
def edicoes(tmp_path_factory) -> Path:
    destino = tmp_path_factory.mktemp("estudante")
    ed.gerar(destino, roda=False)
    return destino


def fontes_das_solucoes(nb) -> list[str]:
    return [
        bloco
        for celula in nb.cells
        if celula.cell_type == "markdown"
        for bloco in ed.BLOCO_DE_SOLUCAO.findall(celula.source)
    ]


def linhas_reveladoras(texto: str) -> list[str]:
    """As linhas de uma solução que não poderiam aparecer por acaso fora dela."""
    ignorar = re.compile(r"^(:::|```|:class:|:language:|:pyobject:|\$\$)")
    return [
        linha.strip()
        for linha in texto.splitlines()
        if len(linha.strip()) > 25 and not ignorar.match(linha.strip())
    ]


def linhas_de_codigo(fonte: str) -> list[str]:
    return [
        linha.strip()
        for linha in fonte.splitlines()
        if linha.strip() and not linha.strip().startswith(("#", '"""'))
    ]


def trechos_das_referencias(tamanho: int = 2) -> list[tuple[str, ...]]:
    """Toda sequência de ``tamanho`` linhas seguidas do corpo das soluções de referência (as que
    ``solucao`` mostra): uma linha sozinha pode coincidir com o esqueleto; duas seguidas, não."""
    trechos = []
    for id_ in _nucleo.ids():
        corpo = linhas_de_codigo(inspect.getsource(_nucleo.obter(id_).referencia))[1:]
        trechos += [tuple(corpo[i : i + tamanho]) for i in range(len(corpo) - tamanho + 1)]
    return trechos


def contem_trecho(celulas, trecho: tuple[str, ...]) -> bool:
    for celula in celulas:
        linhas = linhas_de_codigo(celula.source)
        n = len(trecho)
        if any(tuple(linhas[i : i + n]) == trecho for i in range(len(linhas) - n + 1)):
            return True
    return False


@pytest.mark.parametrize("capitulo", CAPITULOS, ids=lambda p: p.stem)
def test_nenhuma_solucao_vaza(edicoes, capitulo):
    original = nbformat.read(capitulo, as_version=4)
    texto = (edicoes / capitulo.name).read_text(encoding="utf-8")
    estudante = nbformat.reads(texto, as_version=4)

    solucoes = fontes_das_solucoes(original)
    assert len(solucoes) >= 2, "o capítulo deveria ter soluções para esconder"
    assert "{solution}" not in texto and ed.MARCA_DO_DOWNLOAD not in texto
    fonte_do_estudante = "\n".join(c.source for c in estudante.cells)
    for bloco in solucoes:
        for linha in linhas_reveladoras(bloco):
            assert linha not in fonte_do_estudante, f"vazou: {linha!r}"
    for trecho in trechos_das_referencias():
        assert not contem_trecho(estudante.cells, trecho), f"vazou código de referência: {trecho}"

    # sem saídas; os enunciados, os esqueletos e as chamadas de verificar ficam
    codigo = [c for c in estudante.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in codigo)
    contar = lambda nb, trecho: sum(c.source.count(trecho) for c in nb.cells)  # noqa: E731
    for trecho in ("verificar(", "raise NotImplementedError"):
        assert contar(estudante, trecho) == contar(original, trecho) > 0
    # cada enunciado vira um título em Markdown simples, que o Jupyter mostra como texto
    assert contar(estudante, "**Exercício — ") == contar(original, "{exercise}") >= 3
    assert "{exercise}" not in texto
    assert codigo[0].source == ed.CELULA_INICIAL
    assert estudante.cells[1].source == ed.AVISO


# o que um Jupyter hospedado (o Colab) já tem, além da biblioteca padrão; o companion vem da roda
NUM_JUPYTER_HOSPEDADO = {"numpy", "scipy", "matplotlib", "torch", "mpmath", "companion"}


@pytest.mark.parametrize("capitulo", CAPITULOS, ids=lambda p: p.stem)
def test_edicao_so_importa_o_que_um_jupyter_hospedado_tem(edicoes, capitulo):
    nb = nbformat.read(edicoes / capitulo.name, as_version=4)
    modulos = set()
    for celula in nb.cells:
        if celula.cell_type == "code":
            for linha in celula.source.splitlines():
                if m := re.match(r"\s*(?:from|import)\s+([\w]+)", linha):
                    modulos.add(m.group(1))
    assert modulos - sys.stdlib_module_names <= NUM_JUPYTER_HOSPEDADO, modulos


def test_enunciado_vira_markdown_simples():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# T"),
        nbformat.v4.new_markdown_cell(
            "Antes.\n\n```{exercise} ✔ Uma softmax\n:label: ex-a\n\nEscreva `f(x)`: $x^2$.\n```\n"
        ),
    ]
    assert ed.edicao_do_estudante(nb).cells[2].source == (
        "Antes.\n\n**Exercício — ✔ Uma softmax**\n\nEscreva `f(x)`: $x^2$."
    )


def test_o_padrao_das_solucoes_pega_o_bloco_inteiro():
    texto = (
        "antes\n\n:::{solution} ex-a\n:class: dropdown\n\n$$\nx\n$$\n\n```{literalinclude} f.py\n"
        ":pyobject: g\n```\n:::\n\n```{exercise} B\n:label: ex-b\nenunciado\n```\n"
    )
    assert ed.BLOCO_DE_SOLUCAO.sub("", texto) == (
        "antes\n\n\n```{exercise} B\n:label: ex-b\nenunciado\n```\n"
    )


@pytest.mark.parametrize("capitulo", CAPITULOS, ids=lambda p: p.stem)
def test_edicao_roda_do_inicio_ao_fim_em_outra_pasta(edicoes, capitulo, tmp_path):
    """Num kernel novo, com outra pasta de trabalho: nada levanta, e todo esqueleto de
    exercício responde «ainda não tentado»."""
    nb = nbformat.read(edicoes / capitulo.name, as_version=4)
    cliente = NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    )
    cliente.execute()
    esqueletos = [c for c in nb.cells if "raise NotImplementedError" in c.source]
    assert esqueletos
    for celula in esqueletos:
        saida = "".join(
            o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in celula.outputs
        )
        assert "✎ Ainda não tentado" in saida, saida
        assert not any(o.output_type == "error" for o in celula.outputs)


# ---------------------------------------------------------------------------------------------
# A primeira célula: instala o companion quando ele falta


def rodar_celula_inicial(python: Path, pasta: Path) -> subprocess.CompletedProcess:
    programa = ed.CELULA_INICIAL + "\nimport companion\nprint(companion.softmax([0.0, 0.0]))"
    return subprocess.run(
        [str(python), "-c", programa],
        cwd=pasta,
        capture_output=True,
        text=True,
        timeout=600,
        env={k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")},
    )


@pytest.fixture(scope="module")
def python_sem_companion(tmp_path_factory) -> Path:
    """Um ambiente novo, sem o companion, que enxerga só o numpy deste (para não baixar nada):
    como um Jupyter hospedado, que tem numpy mas não tem o pacote do livro."""
    pasta = tmp_path_factory.mktemp("sem_companion")
    venv.EnvBuilder(with_pip=True).create(pasta / "venv")
    import numpy

    origem = Path(numpy.__file__).parents[1]
    so_numpy = pasta / "so_numpy"
    so_numpy.mkdir()
    for item in origem.glob("numpy*"):
        (so_numpy / item.name).symlink_to(item)
    python = pasta / "venv" / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(site) / "so_numpy.pth").write_text(f"{so_numpy}\n", encoding="utf-8")
    return python


def test_primeira_celula_sem_roda_explica_o_que_fazer(python_sem_companion, tmp_path):
    # (roda antes do teste que instala o companion no mesmo ambiente)
    vazia = tmp_path / "vazia"
    vazia.mkdir()
    processo = subprocess.run(
        [str(python_sem_companion), "-c", ed.CELULA_INICIAL],
        cwd=vazia,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "ModuleNotFoundError: O pacote companion não está instalado." in processo.stderr
    assert "Notebooks para levar" in processo.stderr


def test_primeira_celula_instala_o_companion_da_roda(python_sem_companion, tmp_path):
    ed.construir_roda(tmp_path)
    processo = rodar_celula_inicial(python_sem_companion, tmp_path)
    assert processo.returncode == 0, processo.stderr
    assert "O companion não está instalado; instalando-o de companion-" in processo.stdout
    assert "Pronto: companion instalado." in processo.stdout
    assert "[0.5 0.5]" in processo.stdout
    # já instalado: a célula não faz nada
    de_novo = rodar_celula_inicial(python_sem_companion, tmp_path)
    assert de_novo.returncode == 0 and "instalando" not in de_novo.stdout


def test_todo_capitulo_comeca_pela_celula_de_preparacao():
    for capitulo in CAPITULOS:
        nb = nbformat.read(capitulo, as_version=4)
        codigo = [c for c in nb.cells if c.cell_type == "code"]
        assert codigo[0].source == ed.CELULA_INICIAL, capitulo.name
        assert ed.MARCA_DO_DOWNLOAD + capitulo.name in nb.cells[1].source
