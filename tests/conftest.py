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


def _construir_site(saida: Path) -> tuple[Path, str | None]:
    """Constrói o livro em ``saida`` com o comando de `make livro`; devolve a pasta HTML e, se a
    construção falhou ou avisou, o fim do log."""
    processo = subprocess.run(
        [str(JUPYTER_BOOK), "build", str(RAIZ), "--path-output", str(saida)]
        + ["--builder", "html", "-W", "-n", "--keep-going"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    log = processo.stdout + processo.stderr
    falha = processo.returncode != 0 or "WARNING" in log
    return saida / "_build" / "html", (log[-5000:] if falha else None)


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    """O livro construído uma vez por sessão, numa pasta temporária, com o mesmo comando de
    `make livro` (-W -n: qualquer aviso é erro).

    Com o pytest-xdist (`make testes` roda em paralelo), os processos dividem uma só construção:
    o primeiro que pede o site o constrói sob uma trava de arquivo e grava o resultado (ou o log
    da falha) ao lado; os outros o reaproveitam.
    """
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        html, falha = _construir_site(tmp_path_factory.mktemp("livro"))
        assert falha is None, falha
        return html

    from filelock import FileLock

    comum = tmp_path_factory.getbasetemp().parent  # a mesma para todos os processos da sessão
    resultado = comum / "livro.resultado"
    with FileLock(str(comum / "livro.trava")):
        if not resultado.exists():
            html, falha = _construir_site(comum / "livro")
            resultado.write_text(falha or "", encoding="utf-8")
        falha = resultado.read_text(encoding="utf-8") or None
    assert falha is None, falha
    return comum / "livro" / "_build" / "html"
