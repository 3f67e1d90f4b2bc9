"""Testes de companion.sigmoid: paridade com o torch, estabilidade e erros."""

from __future__ import annotations

import warnings

import mpmath
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from companion import log_sigmoid, sigmoid
from tests.strategies import TOL, arrays


@pytest.fixture(autouse=True)
def avisos_sao_erros():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


@given(arrays(max_dims=3))
def test_sigmoid_igual_ao_torch(x):
    obtido = sigmoid(x)
    assert obtido.dtype == x.dtype and obtido.shape == x.shape
    assert_allclose(obtido, torch.sigmoid(torch.from_numpy(x)).numpy(), **TOL[x.dtype])


@given(arrays(max_dims=3))
def test_log_sigmoid_igual_ao_torch(x):
    obtido = log_sigmoid(x)
    esperado = torch.nn.functional.logsigmoid(torch.from_numpy(x)).numpy()
    assert obtido.dtype == x.dtype and obtido.shape == x.shape
    assert_allclose(obtido, esperado, **TOL[x.dtype])


@given(arrays(dtypes=(np.float64,), max_dims=2))
def test_simetria(x):
    # σ(x) + σ(-x) = 1
    assert_allclose(sigmoid(x) + sigmoid(-x), 1.0, rtol=1e-15)


def test_extremos_sem_estouro():
    # a forma ingênua 1/(1+exp(-x)) calcula exp(1000) = inf para x = -1000 (e avisa)
    assert_array_equal(sigmoid([-1000.0, 0.0, 1000.0]), [0.0, 0.5, 1.0])
    # log σ(-1000) = -1000 - log(1 + e^{-1000}) = -1000; np.log(sigmoid(-1000)) daria -inf
    assert_array_equal(log_sigmoid([-1000.0, 1000.0]), [-1000.0, 0.0])
    assert sigmoid(-745.0) > 0  # e^{-745} ainda é um subnormal representável


def test_nao_finitos_como_o_torch():
    x = np.array([-np.inf, np.inf, np.nan])
    assert_array_equal(sigmoid(x), torch.sigmoid(torch.from_numpy(x)).numpy())
    assert_array_equal(log_sigmoid(x), torch.nn.functional.logsigmoid(torch.from_numpy(x)).numpy())


def test_dtypes():
    assert sigmoid([1, 2]).dtype == np.float64
    meia = np.array([-20.0, 0.0, 20.0], dtype=np.float16)
    assert sigmoid(meia).dtype == np.float16
    assert_allclose(sigmoid(meia), torch.sigmoid(torch.from_numpy(meia)).numpy(), rtol=2**-10)


@pytest.mark.parametrize("funcao", [sigmoid, log_sigmoid])
def test_entrada_invalida(funcao):
    with pytest.raises(TypeError, match=r"x deve conter números reais .*recebido 'abc'"):
        funcao("abc")


@given(st.floats(-700, 700))
def test_log_sigmoid_com_erro_relativo_pequeno(x):
    # log σ(x) = min(x, 0) - log1p(e^{-|x|}): dois termos de mesmo sinal, sem cancelamento;
    # em x = 40 o valor é -4,25e-18 (np.log(sigmoid(40)) daria 0)
    with mpmath.workdps(60):
        exato = -mpmath.log1p(mpmath.exp(-mpmath.mpf(x)))
        obtido = log_sigmoid(x)
        assert abs((mpmath.mpf(float(obtido)) - exato) / exato) <= 4 * np.finfo(float).eps


def test_tensores_e_mascarados():
    x = np.array([-3.0, 0.0, 2.0])
    assert_array_equal(sigmoid(torch.tensor(x, requires_grad=True)), sigmoid(x))
    assert log_sigmoid(torch.tensor(x, dtype=torch.bfloat16)).dtype == np.float32
    with pytest.raises(TypeError, match=r"x é um array mascarado"):
        log_sigmoid(np.ma.array(x, mask=[0, 1, 0]))
