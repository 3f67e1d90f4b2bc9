"""As edições do estudante: sem soluções, sem saídas, e rodam do início ao fim num Jupyter novo,
com e sem o torch (venvs novos: «minimo» e «colab»), terminando na tabela do progresso.

E a primeira célula de cada capítulo: instala o companion e o extra “livro” de um pacote wheel
quando algo falta; e os metadados da roda declaram tudo o que o pacote importa.
"""

from __future__ import annotations

import ast
import inspect
import json
import os
import re
import subprocess
import sys
import tomllib
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


# o que um Jupyter novo tem, além da biblioteca padrão (o companion vem da roda); o SciPy e o mpmath
# só valem porque a primeira célula os instala (o extra «livro» do companion); o torch, só dentro do
# try/except que a edição do estudante põe em volta do seu import
NUM_JUPYTER_NOVO = {"numpy", "matplotlib", "companion"}
INSTALADOS_PELA_PRIMEIRA_CELULA = {"scipy", "mpmath"}


def extra_livro() -> set[str]:
    pyproject = tomllib.loads((RAIZ / "pyproject.toml").read_text(encoding="utf-8"))
    return {
        re.match(r"[\w-]+", requisito).group(0)
        for requisito in pyproject["project"]["optional-dependencies"]["livro"]
    }


def imports_de(fonte: str) -> list[tuple[str, bool]]:
    """Cada módulo importado por ``fonte`` e se o import está protegido por um
    ``try: ... except ImportError``."""
    protegidos = set()
    arvore = ast.parse(fonte)
    for no in ast.walk(arvore):
        if isinstance(no, ast.Try) and any(
            isinstance(h.type, ast.Name) and h.type.id in ("ImportError", "ModuleNotFoundError")
            for h in no.handlers
        ):
            protegidos |= {id(filho) for comando in no.body for filho in ast.walk(comando)}
    modulos = []
    for no in ast.walk(arvore):
        if isinstance(no, ast.Import):
            modulos += [(a.name.split(".")[0], id(no) in protegidos) for a in no.names]
        elif isinstance(no, ast.ImportFrom) and no.level == 0:
            modulos.append((no.module.split(".")[0], id(no) in protegidos))
    return modulos


def test_o_pacote_so_importa_o_que_declara(tmp_path):
    # numpy é a única dependência obrigatória; o resto é um extra declarado (e importado dentro de
    # um try/except, com uma mensagem em português) ou um opcional que o código dispensa
    import zipfile

    pyproject = tomllib.loads((RAIZ / "pyproject.toml").read_text(encoding="utf-8"))
    extras = pyproject["project"]["optional-dependencies"]
    assert pyproject["project"]["dependencies"] == ["numpy>=2.0"]
    declarados = {re.match(r"[\w-]+", r).group(0) for r in extras["graficos"] + extras["livro"]}
    # importados só dentro de uma função, quando servem: glue e o estilo das figuras funcionam sem
    # o IPython e o myst-nb; o torch só é importado para converter um tensor que o usuário passou
    dispensaveis = {"IPython", "myst_nb", "torch"}
    for arquivo in sorted((RAIZ / "companion").rglob("*.py")):
        fonte = arquivo.read_text(encoding="utf-8")
        de_topo = (ast.Import, ast.ImportFrom, ast.Try)
        topo = ast.Module(
            body=[c for c in ast.parse(fonte).body if isinstance(c, de_topo)], type_ignores=[]
        )
        basicos = set(sys.stdlib_module_names) | {"companion", "numpy"}
        # no import do módulo: só um extra, dentro de um try/except (com a mensagem)
        for modulo, protegido in imports_de(ast.unparse(topo)):
            if modulo not in basicos:
                assert protegido and modulo in declarados, (arquivo.name, modulo)
        # em qualquer lugar: um extra ou um dispensável
        for modulo, _ in imports_de(fonte):
            assert modulo in basicos | declarados | dispensaveis, (arquivo.name, modulo)
    assert not any(r.startswith("torch") for r in extras["graficos"] + extras["livro"])
    # a roda leva isso nos metadados
    with zipfile.ZipFile(ed.construir_roda(tmp_path)) as z:
        metadados = z.read(f"companion-{ed.versao_do_companion()}.dist-info/METADATA").decode()
    requisitos = re.findall(r"^Requires-Dist: (.*)$", metadados, re.M)
    assert "numpy>=2.0" in requisitos
    assert 'matplotlib>=3.9; extra == "graficos"' in requisitos
    for r in ("matplotlib>=3.9", "scipy>=1.13", "mpmath>=1.3"):
        assert f'{r}; extra == "livro"' in requisitos
    assert {"graficos", "livro"} <= set(re.findall(r"^Provides-Extra: (.*)$", metadados, re.M))


def test_a_primeira_celula_instala_o_que_os_capitulos_importam():
    assert INSTALADOS_PELA_PRIMEIRA_CELULA | {"matplotlib"} <= extra_livro()
    assert "torch" not in extra_livro()
    for modulo in INSTALADOS_PELA_PRIMEIRA_CELULA | {"companion", "matplotlib"}:
        assert f'"{modulo}"' in ed.CELULA_INICIAL
    assert '[livro]"' in ed.CELULA_INICIAL


@pytest.mark.parametrize("capitulo", CAPITULOS, ids=lambda p: p.stem)
def test_edicao_so_importa_o_que_um_jupyter_novo_tem(edicoes, capitulo):
    nb = nbformat.read(edicoes / capitulo.name, as_version=4)
    permitidos = NUM_JUPYTER_NOVO | INSTALADOS_PELA_PRIMEIRA_CELULA | set(sys.stdlib_module_names)
    vistos = set()
    for celula in nb.cells:
        if celula.cell_type != "code":
            continue
        for modulo, protegido in imports_de(celula.source):
            vistos.add(modulo)
            if modulo == "torch":
                assert protegido, f"import do torch sem try/except: {celula.source[:300]}"
            else:
                assert modulo in permitidos, (modulo, celula.source[:300])
    original = "\n".join(c.source for c in nbformat.read(capitulo, as_version=4).cells)
    assert ("torch" in vistos) == ("import torch" in original)


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


# ---------------------------------------------------------------------------------------------
# A primeira célula: instala o companion (e o extra «livro») quando algo falta


def ambiente_limpo(**extra: str) -> dict[str, str]:
    """O ambiente destes processos: sem nada que aponte para o .venv do projeto."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "VIRTUAL_ENV", "COMPANION_PROGRESSO", "JUPYTER_PATH")
    }
    return env | extra


def test_primeira_celula_sem_roda_explica_o_que_fazer(tmp_path):
    # um Python novo, sem o companion nem nada, numa pasta sem a roda
    venv.EnvBuilder(with_pip=False).create(tmp_path / "venv")
    processo = subprocess.run(
        [str(tmp_path / "venv" / "bin" / "python"), "-c", ed.CELULA_INICIAL],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env=ambiente_limpo(),
    )
    assert "ModuleNotFoundError: O pacote companion não está instalado." in processo.stderr
    assert "Notebooks para levar" in processo.stderr


def test_primeira_celula_nao_faz_nada_com_tudo_instalado(tmp_path):
    # o ambiente do livro tem tudo: a célula não instala nada nem imprime nada
    ed.construir_roda(tmp_path)
    processo = subprocess.run(
        [sys.executable, "-c", ed.CELULA_INICIAL],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert processo.returncode == 0, processo.stderr
    assert processo.stdout == "" and processo.stderr == ""


def test_todo_capitulo_comeca_pela_celula_de_preparacao():
    for capitulo in CAPITULOS:
        nb = nbformat.read(capitulo, as_version=4)
        codigo = [c for c in nb.cells if c.cell_type == "code"]
        assert codigo[0].source == ed.CELULA_INICIAL, capitulo.name
        assert not codigo[0].outputs, capitulo.name  # no livro, o companion já está instalado
        assert ed.MARCA_DO_DOWNLOAD + capitulo.name in nb.cells[1].source


# ---------------------------------------------------------------------------------------------
# O torch opcional: a reescrita das células que o usam


def reescrever(*fontes: str, marcadas: tuple[int, ...] = ()) -> list[str]:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# T")] + [
        nbformat.v4.new_code_cell(f, metadata={"tags": [ed.MARCA_TORCH]} if i in marcadas else {})
        for i, f in enumerate(fontes)
    ]
    return [c.source for c in ed.edicao_do_estudante(nb).cells if c.cell_type == "code"]


def executar(fontes: list[str], torch=None) -> dict:
    """Roda as células reescritas em sequência, com um torch falso ou sem torch."""
    import contextlib
    import io

    espaco: dict = {}
    saida = io.StringIO()
    modulos = {"torch": torch, "torch.nn": getattr(torch, "nn", None)}
    antes = {k: sys.modules.get(k) for k in modulos}
    sys.modules.update(modulos)  # None em sys.modules: «import torch» levanta ImportError
    try:
        with contextlib.redirect_stdout(saida):
            for fonte in fontes:
                exec(compile(fonte, "<celula>", "exec"), espaco)
    finally:
        for k, v in antes.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v
    espaco["_saida"] = saida.getvalue()
    return espaco


def test_sem_torch_so_as_linhas_que_dependem_dele_sao_puladas():
    import types

    fontes = reescrever(
        "import numpy as np\nimport torch\nimport torch.nn as nn",
        # comentário e continuação ficam com o comando
        "x = np.arange(3.0)\n# no torch\nxt = torch.tensor(\n    x)\nprint('x', x)\n"
        "print('xt', xt)\nlista = []\nfor v in x:\n    lista.append(v * xt)\ntotal = len(x)",
        "print('lista', len(lista))\nprint('total', total)",
        # uma função do estudante cujo parâmetro tem o nome de algo pulado não é pulada
        "def f(xt):\n    return xt\nprint('f', f(1))",
        # um nome pulado que uma célula comum redefine volta a valer
        "xt = 2\nprint('de novo', xt)",
        # um texto de várias linhas dentro de um comando pulado não é recuado (mudaria o valor)
        'y = nn.Id("""a\nb""")\nprint("fim")',
    )
    assert fontes[0].startswith("import numpy as np\ntry:  # o PyTorch é opcional")
    assert fontes[1].count(ed.GUARDA) == 3
    assert "    # no torch\n    xt = torch.tensor(\n" in fontes[1]
    assert fontes[3] == "def f(xt):\n    return xt\nprint('f', f(1))"  # sem guarda nem aviso
    assert fontes[4] == "xt = 2\nprint('de novo', xt)"
    assert ed.GUARDA + '\n    y = nn.Id("""a\nb""")\nprint("fim")' in fontes[5]

    sem = executar(fontes)["_saida"].splitlines()
    assert sem == [
        "⤼ O PyTorch não está instalado: as comparações com ele serão puladas.",
        "⤼ Sem o PyTorch, esta célula pula as linhas que o usam.",
        "x [0. 1. 2.]",
        "⤼ Sem o PyTorch, esta célula pula as linhas que o usam.",
        "total 3",
        "f 1",
        "de novo 2",
        "⤼ Sem o PyTorch, esta célula pula as linhas que o usam.",
        "fim",
    ]
    falso = types.SimpleNamespace(tensor=lambda v: 10 * v, nn=types.SimpleNamespace(Id=len))
    com = executar(fontes, torch=falso)
    assert "⤼" not in com["_saida"]
    assert com["_saida"].splitlines()[:4] == [
        "x [0. 1. 2.]",
        "xt [ 0. 10. 20.]",
        "lista 3",
        "total 3",
    ]
    assert com["y"] == 3


def test_celula_marcada_ou_so_de_torch_e_pulada_inteira():
    fontes = reescrever(
        "import torch",
        "r = torch.x()\nprint(r)",
        "import numpy as np\nprint('só numpy')",
        "print(r)",
        marcadas=(2,),
    )
    for fonte in fontes[1:]:
        assert fonte.startswith("if torch is None:\n    print(") and "\nelse:\n    " in fonte
    assert executar(fontes)["_saida"].count("esta célula é pulada") == 3


def test_reescrita_recusa_o_que_nao_saberia_pular():
    with pytest.raises(ValueError, match="mesma linha"):
        reescrever("import torch", "a = 1; b = torch.x()")
    with pytest.raises(ValueError, match="misturado"):
        reescrever("import torch, numpy")
    nb = nbformat.v4.new_notebook()
    celula = nbformat.v4.new_code_cell("import torch\nx = 1\ntorch.x()")
    celula.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": "3"})]
    nb.cells = [celula]
    with pytest.raises(ValueError, match="última expressão"):
        ed.edicao_do_estudante(nb)


def test_edicao_termina_com_o_progresso(edicoes):
    for capitulo in CAPITULOS:
        nb = nbformat.read(edicoes / capitulo.name, as_version=4)
        titulo, celula = nb.cells[-2:]
        assert titulo.cell_type == "markdown" and titulo.source.startswith("## Seu progresso\n")
        numero = int(capitulo.name[:2])
        assert celula.source == f"from companion.exercicios import progresso\nprogresso({numero})"
    # o livro não tem essa célula
    livro = nbformat.read(CAPITULOS[0], as_version=4)
    assert "progresso(" not in "".join(c.source for c in livro.cells if c.cell_type == "code")


# ---------------------------------------------------------------------------------------------
# As edições rodam do início ao fim num Jupyter novo, em dois ambientes:
#   «minimo»: um venv só com numpy, matplotlib e ipykernel (o que a primeira célula instala da roda
#   vem junto: o companion, o SciPy e o mpmath);
#   «colab»: também o torch e o SciPy, como um Jupyter hospedado.
# As versões são as de requirements.txt (o pip as acha no cache ou no índice local).


def fixado(pacote: str) -> str:
    for linha in (RAIZ / "requirements.txt").read_text(encoding="utf-8").splitlines():
        if re.match(rf"{re.escape(pacote)}==", linha.strip()):
            return linha.strip()
    raise LookupError(pacote)


AMBIENTES = {
    "minimo": (["numpy", "matplotlib", "ipykernel"], "companion, scipy, mpmath"),
    "colab": (["numpy", "matplotlib", "ipykernel", "torch", "scipy"], "companion"),
}
KERNEL = "estudante"


@pytest.fixture(scope="module", params=list(AMBIENTES))
def jupyter_novo(request, tmp_path_factory, edicoes):
    """Um venv novo com os pacotes do ambiente e um kernel dele; a primeira célula dos capítulos
    roda uma vez fora do notebook e instala o que falta da roda, na pasta das edições."""
    nome = request.param
    pacotes, faltam = AMBIENTES[nome]
    pasta = tmp_path_factory.mktemp(f"jupyter_{nome}")
    venv.EnvBuilder(with_pip=True).create(pasta / "venv")
    python = pasta / "venv" / "bin" / "python"
    env = ambiente_limpo(XDG_DATA_HOME=str(pasta / "dados"))
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet"] + [fixado(p) for p in pacotes],
        check=True,
        env=env,
        timeout=900,
    )
    ed.construir_roda(edicoes)
    primeira = subprocess.run(
        [str(python), "-c", ed.CELULA_INICIAL],
        cwd=edicoes,
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    assert primeira.returncode == 0, primeira.stderr
    roda = ed.nome_da_roda()
    assert primeira.stdout.splitlines() == [
        f"Instalando o que falta ({faltam}) do arquivo {roda}...",
        f"Pronto: {faltam} instalado(s).",
    ]
    kernels = pasta / "venv" / "share" / "jupyter" / "kernels"
    (kernels / KERNEL).mkdir(parents=True)
    (kernels / KERNEL / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": f"estudante ({nome})",
                "language": "python",
            }
        ),
        encoding="utf-8",
    )
    return nome, kernels, env


def saida_de(celula) -> str:
    return "".join(
        o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in celula.outputs
    )


def stdout_de(celula) -> str:
    return "".join(
        o.get("text", "")
        for o in celula.outputs
        if o.output_type == "stream" and o.name == "stdout"
    )


@pytest.mark.parametrize("capitulo", CAPITULOS, ids=lambda p: p.stem)
def test_edicao_roda_num_jupyter_novo(jupyter_novo, edicoes, capitulo, monkeypatch):
    """Do início ao fim, num kernel novo: nada levanta, todo esqueleto responde «ainda não
    tentado», as comparações com o torch se pulam sem ele (com um aviso) e rodam com ele, e a
    tabela do progresso aparece no fim."""
    nome, kernels, env = jupyter_novo
    nb = nbformat.read(edicoes / capitulo.name, as_version=4)
    # o kernel «estudante» é o do venv; o cliente o acha pelo JUPYTER_PATH (e o encerra no fim)
    monkeypatch.setenv("JUPYTER_PATH", str(kernels.parent))
    cliente = NotebookClient(
        nb, kernel_name=KERNEL, timeout=600, resources={"metadata": {"path": str(edicoes)}}
    )
    cliente.execute(env=env)

    codigo = [c for c in nb.cells if c.cell_type == "code"]
    for celula in codigo:
        erros = [o for o in celula.outputs if o.output_type == "error"]
        assert not erros, (celula.source[:300], erros)
    assert saida_de(codigo[0]) == ""  # o que faltava já foi instalado

    esqueletos = [c for c in codigo if "raise NotImplementedError" in c.source]
    assert esqueletos
    for celula in esqueletos:
        assert "✎ Ainda não tentado" in saida_de(celula), saida_de(celula)

    # as células reescritas por causa do torch: com ele, o mesmo que o livro mostra; sem ele, um
    # aviso de uma linha
    livro = [c for c in nbformat.read(capitulo, as_version=4).cells if c.cell_type == "code"]
    reescritas = [
        (celula, original)
        for celula, original in zip(codigo, livro, strict=False)
        if celula.source != original.source
    ]
    usa_torch = "import torch" in "".join(c.source for c in livro)
    assert bool(reescritas) == usa_torch
    for celula, original in reescritas:
        avisos = [linha for linha in stdout_de(celula).splitlines() if linha.startswith("⤼")]
        if nome == "minimo":
            assert len(avisos) == 1, (celula.source[:300], stdout_de(celula))
        else:
            assert not avisos
            # as mesmas linhas que o livro imprime (os valores, o nbval já confere no livro)
            if "NBVAL_IGNORE_OUTPUT" not in original.source:
                assert len(stdout_de(celula).splitlines()) == len(
                    stdout_de(original).splitlines()
                ), (stdout_de(celula), stdout_de(original))

    ultima = codigo[-1]
    assert ultima.source.startswith("from companion.exercicios import progresso")
    tabela = saida_de(ultima)
    assert tabela.startswith("Progresso: 0 de ")
    for celula in esqueletos:
        id_ = re.search(r'verificar\("([\w-]+)"', celula.source).group(1)
        assert re.search(rf"{re.escape(id_)}\s+✎ Ainda não tentado", tabela), tabela


# ---------------------------------------------------------------------------------------------
# O Markdown do MyST vira Markdown simples: nada de papéis e diretivas crus no Jupyter

RESTOS_DO_MYST = re.compile(
    r"\{(glue(:\w+)?|numref|ref|cite(:\w)?|prf:\w+|doc|download|eq|term)\}`"
    r"|^[:`]{3}\{(admonition|hint|note|literalinclude|prf:\w+)\}"
    r"|^\([\w-]+\)=\s*$",
    re.M,
)


@pytest.mark.parametrize("capitulo", CAPITULOS, ids=lambda p: p.stem)
def test_edicao_sem_myst_cru(edicoes, capitulo):
    nb = nbformat.read(edicoes / capitulo.name, as_version=4)
    for celula in nb.cells:
        if celula.cell_type == "markdown":
            resto = RESTOS_DO_MYST.search(celula.source)
            assert resto is None, (resto.group(0), celula.source[:300])


def test_edicao_mostra_os_numeros_colados_e_o_codigo_incluido(edicoes):
    livro = nbformat.read(CAPITULOS[0], as_version=4)
    valores = ed.valores_colados(livro)
    assert valores["e_cavalo"] == "148,41"
    texto = "\n".join(
        c.source for c in nbformat.read(edicoes / CAPITULOS[0].name, as_version=4).cells
    )
    assert "levou o logit 5 do cavalo a 148,41" in texto
    # o literalinclude vira uma indicação (o código pode ser a solução de um exercício)
    assert (
        "> *No livro, aqui aparece o código de `companion/softmax.py`, `_softmax_por_linhas`.*"
        in texto
    )
    assert "Bridle (1990)" in texto  # {cite:t}


def test_markdown_do_estudante():
    refs = ed.Referencias()
    texto = (
        "Veja o {numref}`capítulo %s <cap-log-softmax>`, a {numref}`fig-x` e {cite:p}`dao2022`; "
        "o valor é {glue:text}`v`.\n\n:::{admonition} Dica\n:class: dropdown\n\nUse o máximo.\n:::"
    )
    saida = ed.markdown_do_estudante(texto, {"v": "0,5"}, refs)
    assert saida.startswith(
        "Veja o capítulo 3, a figura e (Dao *et al.*, 2022); o valor é 0,5.\n\n> **Dica.**"
    )
    assert "> Use o máximo." in saida
