"""Testes de companion.formatacao: números em pt-BR para a prosa e avisos sem caminhos."""

from __future__ import annotations

import ast
import math
import sys

import numpy as np
import pytest

from companion.formatacao import avisos_do_numpy, cientifico, cota, num, pct, vetor


@pytest.mark.parametrize(
    "valor, casas, esperado",
    [
        (0.93407, 3, "0,934"),
        (148.4132, 2, "148,41"),
        (-1.5, 1, "−1,5"),
        (-0.0001, 2, "0,00"),  # sem «−0,00»
        (1234567.891, 2, "1.234.567,89"),
        (2, 0, "2"),
        (math.inf, 2, "∞"),
        (-math.inf, 2, "−∞"),
        (math.nan, 2, "NaN"),
        (np.float32(0.5), 1, "0,5"),
    ],
)
def test_num(valor, casas, esperado):
    assert num(valor, casas) == esperado


def test_pct_e_vetor():
    assert pct(0.93407) == "93,4%"
    assert pct(0.9999939, 4) == "99,9994%"
    assert vetor([0.0465, -0.0171], 2) == "[0,05; −0,02]"


@pytest.mark.parametrize(
    "valor, casas, esperado",
    [
        (4.54e-05, 1, "4,5 × 10⁻⁵"),
        (-1.9287e-22, 2, "−1,93 × 10⁻²²"),
        (1.5e10, 0, "2 × 10¹⁰"),
        (0.0, 1, "0,0"),
        (9.96, 1, "1,0 × 10¹"),
    ],
)
def test_cientifico(valor, casas, esperado):
    assert cientifico(valor, casas) == esperado


def test_glue_le_o_texto_de_volta():
    # o papel {glue:text} aplica ast.literal_eval à representação: precisa voltar o mesmo texto
    for texto in (num(148.41, 2), pct(0.5), vetor([1.0, 2.0]), cientifico(1e-5)):
        assert ast.literal_eval(repr(texto)) == texto


@pytest.mark.parametrize("valor", ["1", None, True])
def test_num_recusa_nao_numeros(valor):
    with pytest.raises(TypeError, match="valor deve ser um número real; recebido"):
        num(valor)


def test_avisos_do_numpy(capsys):
    with avisos_do_numpy():
        np.exp(np.array([1000.0, 1000.0]))
        np.exp(np.array([1000.0]))
    saida = capsys.readouterr().out
    assert saida == "⚠ RuntimeWarning: overflow encountered in exp\n"  # um de cada, sem caminho


def test_avisos_do_numpy_em_silencio(capsys):
    with avisos_do_numpy():
        np.exp(np.array([1.0]))
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(
    "valor, esperado",
    [
        (2.2e-16, "< 1e-15"),
        (4.4e-16, "< 1e-15"),
        (1e-16, "< 1e-15"),
        (1.3e-29, "< 1e-28"),
        (0.0, "0"),
        (-3e-17, "< 1e-16"),
    ],
)
def test_cota(valor, esperado):
    assert cota(valor) == esperado


def test_glue_sem_myst_nb_nao_quebra(monkeypatch):
    # num Jupyter hospedado (Colab) não há myst-nb: glue(..., display=False) não faz nada
    from companion.formatacao import glue

    monkeypatch.setitem(sys.modules, "myst_nb", None)  # import myst_nb levanta ImportError
    assert glue("x", num(0.5), display=False) is None
    pytest.importorskip("IPython")  # sem o IPython: test_glue_sem_myst_nb_nem_ipython_imprime
    mostrados = []
    monkeypatch.setattr("IPython.display.display", mostrados.append)
    glue("x", "0,500")
    assert mostrados == ["0,500"]


def test_glue_sem_myst_nb_nem_ipython_imprime(monkeypatch, capsys):
    # fora do Jupyter (um script) não há IPython, que não é dependência do pacote: o valor é
    # impresso, sem ImportError
    from companion.formatacao import glue

    monkeypatch.setitem(sys.modules, "myst_nb", None)
    monkeypatch.setitem(sys.modules, "IPython", None)
    monkeypatch.setitem(sys.modules, "IPython.display", None)
    assert glue("x", "0,500", display=False) is None
    assert capsys.readouterr().out == ""
    glue("x", "0,500")
    assert capsys.readouterr().out == "0,500\n"


def test_glue_com_myst_nb_delega(monkeypatch):
    import types

    from companion.formatacao import glue

    chamadas = []
    falso = types.SimpleNamespace(glue=lambda *a, **k: chamadas.append((a, k)))
    monkeypatch.setitem(sys.modules, "myst_nb", falso)
    glue("x", "0,500", display=False)
    assert chamadas == [(("x", "0,500"), {"display": False})]
