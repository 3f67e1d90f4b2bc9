"""Configuração comum dos testes."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

RAIZ = Path(__file__).resolve().parent.parent

# O progresso dos exercícios (companion.exercicios.progresso) vai para um arquivo temporário,
# nunca para a pasta de dados de quem roda os testes; os kernels do nbval herdam a variável.
if "COMPANION_PROGRESSO" not in os.environ:
    import tempfile

    os.environ["COMPANION_PROGRESSO"] = str(
        Path(tempfile.mkdtemp(prefix="progresso-")) / "progresso.json"
    )
JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")

# Sem prazo por exemplo: a primeira chamada ao torch é lenta e tempo não é o que se testa aqui.
settings.register_profile("padrao", deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Em CI, exemplos derivados de forma determinística: a mesma execução sempre testa o mesmo.
settings.register_profile(
    "ci", parent=settings.get_profile("padrao"), derandomize=True, print_blob=True
)
# Para uma bateria longa: HYPOTHESIS_PROFILE=exaustivo make testes
settings.register_profile("exaustivo", parent=settings.get_profile("padrao"), max_examples=3000)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "padrao")
)


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    """O livro construído uma vez por sessão, numa pasta temporária, com o mesmo comando de
    `make livro` (-W -n: qualquer aviso é erro)."""
    saida = tmp_path_factory.mktemp("livro")
    processo = subprocess.run(
        [str(JUPYTER_BOOK), "build", str(RAIZ), "--path-output", str(saida)]
        + ["--builder", "html", "-W", "-n", "--keep-going"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    log = processo.stdout + processo.stderr
    assert processo.returncode == 0, log[-5000:]
    assert "WARNING" not in log, log[-5000:]
    return saida / "_build" / "html"
