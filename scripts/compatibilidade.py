"""A faixa de versões que o companion declara, testada: Python 3.11 e 3.12 com o numpy mais antigo
que o pyproject aceita (``numpy>=2.0``: o 2.0.x) e os mínimos dos extras.

Para cada Python, cria um venv novo, instala nele o companion com o extra «livro» e as versões
mínimas fixadas, e roda os testes do pacote que não precisam do torch: os doctests de
``companion/`` e os módulos de ``tests/`` que só importam a biblioteca padrão, o numpy, o SciPy, o
matplotlib, o mpmath, o pytest, o hypothesis e o próprio companion (a escolha é feita lendo os
imports de cada módulo, então um teste novo entra sozinho). Os testes de paridade com o torch
ficam no ambiente principal (``make testes``).

Uso::

    python scripts/compatibilidade.py [--python 3.11 3.12] [--manter PASTA]
    make compatibilidade

O Python de cada versão vem do PATH (``python3.12``) ou do pyenv (``~/.pyenv/versions/3.12.*``).
Sai com o código do primeiro pytest que falhar.
"""

from __future__ import annotations

import argparse
import ast
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RAIZ = Path(__file__).resolve().parents[1]

# os mínimos que o pyproject declara (dependencies e o extra «livro»), fixados para o teste
MINIMOS = ["numpy==2.0.2", "scipy==1.13.1", "matplotlib==3.9.4", "mpmath==1.3.0"]
FERRAMENTAS = ["pytest", "hypothesis"]
PYTHONS = ["3.11", "3.12"]

# o que um módulo de teste pode importar para entrar no subconjunto (além da biblioteca padrão)
PERMITIDOS = {"numpy", "scipy", "matplotlib", "mpmath", "pytest", "hypothesis"} | {
    "companion",
    "tests",
}


# os que testam o livro construído (Jupyter Book, Chromium), não o pacote
EXCLUIDOS = {"test_livro.py", "test_navegador.py", "test_edicao_estudante.py"}
# testes que rodam um script que usa o torch (o treino do modelo de linguagem)
DESMARCADOS = ["tests/test_modelo.py::test_script_de_treino_roda"]


def modulos_de_teste() -> list[str]:
    """Os módulos de ``tests/`` que rodam sem o torch (nem o Jupyter, nem o navegador)."""
    escolhidos = []
    for caminho in sorted((RAIZ / "tests").glob("test_*.py")):
        if caminho.name in EXCLUIDOS:
            continue
        arvore = ast.parse(caminho.read_text(encoding="utf-8"))
        importados = set()
        for no in ast.walk(arvore):
            if isinstance(no, ast.Import):
                importados |= {a.name.split(".")[0] for a in no.names}
            elif isinstance(no, ast.ImportFrom) and no.level == 0 and no.module:
                importados.add(no.module.split(".")[0])
        if importados - set(sys.stdlib_module_names) <= PERMITIDOS:
            escolhidos.append(str(caminho.relative_to(RAIZ)))
    return escolhidos


def achar_python(versao: str) -> str:
    candidatos = [shutil.which(f"python{versao}")]
    raiz_pyenv = os.environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    candidatos += sorted(glob.glob(f"{raiz_pyenv}/versions/{versao}.*/bin/python{versao}"))[::-1]
    for candidato in filter(None, candidatos):
        teste = subprocess.run([candidato, "--version"], capture_output=True, text=True)
        if teste.returncode == 0 and teste.stdout.startswith(f"Python {versao}."):
            return candidato
    raise SystemExit(f"não achei o Python {versao} (nem no PATH nem em {raiz_pyenv}/versions)")


def rodar(comando: list[str], **kwargs) -> int:
    print("$", " ".join(comando), flush=True)
    return subprocess.run(comando, **kwargs).returncode


def testar(versao: str, pasta: Path, modulos: list[str]) -> int:
    inicio = time.monotonic()
    python = achar_python(versao)
    venv = pasta / f"py{versao}"
    if rodar([python, "-m", "venv", str(venv)]):
        return 1
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    # o companion com o extra «livro», resolvido junto com os mínimos: o pip recusa se os mínimos
    # fixados não satisfazem o que o pyproject declara
    if rodar(pip + [f"{RAIZ}[livro]"] + MINIMOS + FERRAMENTAS):
        return 1
    versoes = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import sys, numpy, scipy, matplotlib, mpmath; "
            "print(sys.version.split()[0], numpy.__version__, scipy.__version__, "
            "matplotlib.__version__, mpmath.__version__)",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    modelo = "Python {} · numpy {} · scipy {} · matplotlib {} · mpmath {}"
    print(modelo.format(*versoes), flush=True)
    ambiente = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    ambiente["MPLBACKEND"] = "Agg"
    codigo = rodar(
        [str(venv / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider", "companion"]
        + modulos
        + [f"--deselect={teste}" for teste in DESMARCADOS],
        cwd=RAIZ,
        env=ambiente,
    )
    veredito = "ok" if codigo == 0 else "FALHOU"
    print(f"Python {versao}: {veredito} em {time.monotonic() - inicio:.0f} s", flush=True)
    return codigo


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", nargs="+", default=PYTHONS, help="versões do Python")
    parser.add_argument("--manter", type=Path, help="pasta para os venvs (padrão: temporária)")
    args = parser.parse_args(argv)
    modulos = modulos_de_teste()
    print("módulos de teste sem o torch:", " ".join(modulos), flush=True)
    with tempfile.TemporaryDirectory(prefix="compatibilidade-") as temporaria:
        pasta = args.manter or Path(temporaria)
        pasta.mkdir(parents=True, exist_ok=True)
        for versao in args.python:
            if codigo := testar(versao, pasta, modulos):
                return codigo
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
