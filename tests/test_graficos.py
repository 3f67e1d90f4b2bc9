"""Testes de companion.graficos."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib as mpl  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from companion.graficos import CORES, barras, estilo  # noqa: E402


@pytest.fixture
def eixos():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def test_estilo_aplica_a_paleta():
    with mpl.rc_context():
        estilo()
        assert mpl.rcParams["axes.prop_cycle"].by_key()["color"] == list(CORES)
        assert mpl.rcParams["axes.spines.top"] is False


def test_barras_rotula_com_virgula(eixos):
    barras(eixos, [0.25, -1.5], ["a", "b"], titulo="t", casas=2, destaque=1)
    textos = [t.get_text() for t in eixos.texts]
    assert textos == ["0,25", "−1,50"]
    assert [t.get_text() for t in eixos.get_xticklabels()] == ["a", "b"]
    assert eixos.get_title() == "t"
    cores = [mpl.colors.to_hex(p.get_facecolor()) for p in eixos.patches]
    assert cores == [CORES[0].lower(), CORES[1].lower()]
    baixo, alto = eixos.get_ylim()
    assert baixo < -1.5 and alto > 0.25


def test_barras_recusa_entrada_ruim(eixos):
    with pytest.raises(ValueError, match=r"valores deve ser um vetor .*formato \(2, 2\)"):
        barras(eixos, np.zeros((2, 2)))
    with pytest.raises(
        ValueError, match="rotulos deve ter um nome por valor: recebidos 1 nomes para 2"
    ):
        barras(eixos, [1.0, 2.0], ["a"])


def test_sem_matplotlib_o_erro_diz_como_instalar(monkeypatch):
    # o matplotlib é um extra: sem ele, importar companion.graficos explica, em português, o que
    # instalar (e o resto do pacote continua importável)
    import importlib
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib levanta
    monkeypatch.delitem(sys.modules, "companion.graficos")
    with pytest.raises(ModuleNotFoundError) as erro:
        importlib.import_module("companion.graficos")
    mensagem = str(erro.value)
    assert "companion.graficos precisa do matplotlib, que não está instalado" in mensagem
    assert 'pip install "companion[graficos]"' in mensagem
    assert erro.value.name == "matplotlib" and erro.value.__cause__ is None
    assert importlib.import_module("companion.formatacao").num(0.5, 1) == "0,5"
