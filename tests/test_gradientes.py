"""Testes de companion.gradientes: paridade com torch.autograd (float64) e com diferenças
centrais, e as propriedades da jacobiana."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from numpy.testing import assert_allclose

from companion import (
    check_grad,
    cross_entropy,
    cross_entropy_backward,
    log_softmax,
    log_softmax_backward,
    sigmoid,
    sigmoid_backward,
    softmax,
    softmax_backward,
    softmax_jacobian,
)
from tests.strategies import arrays, arrays_e_eixo, problemas_de_classificacao


def t(a):
    return None if a is None else torch.from_numpy(np.array(a))


def grad_torch(f_torch, x, g):
    xt = t(x).requires_grad_()
    f_torch(xt).backward(t(g))
    return xt.grad.numpy()


@given(arrays_e_eixo(dtypes=(np.float64,), extremos=False))
def test_softmax_backward_igual_ao_autograd(dados):
    x, eixo = dados
    g = np.random.default_rng(x.size).normal(size=x.shape)
    esperado = grad_torch(lambda v: torch.softmax(v, eixo), x, g)
    assert_allclose(
        softmax_backward(softmax(x, axis=eixo), g, axis=eixo), esperado, rtol=1e-10, atol=1e-14
    )


@given(arrays_e_eixo(dtypes=(np.float64,), extremos=False))
def test_log_softmax_backward_igual_ao_autograd(dados):
    x, eixo = dados
    g = np.random.default_rng(x.size).normal(size=x.shape)
    esperado = grad_torch(lambda v: torch.log_softmax(v, eixo), x, g)
    obtido = log_softmax_backward(log_softmax(x, axis=eixo), g, axis=eixo)
    assert_allclose(obtido, esperado, rtol=1e-10, atol=1e-12)


@given(arrays(dtypes=(np.float64,), extremos=False))
def test_sigmoid_backward_igual_ao_autograd(x):
    g = np.random.default_rng(x.size).normal(size=x.shape)
    assert_allclose(
        sigmoid_backward(sigmoid(x), g), grad_torch(torch.sigmoid, x, g), rtol=1e-10, atol=1e-300
    )


@given(problemas_de_classificacao())
def test_gradiente_da_entropia_cruzada_igual_ao_autograd(problema):
    x, alvo, opcoes = problema
    xt = t(x).requires_grad_()
    perda = F.cross_entropy(xt, t(alvo), **{**opcoes, "weight": t(opcoes["weight"])})
    g = np.random.default_rng(x.size).normal(size=perda.shape)
    perda.backward(t(g))
    obtido = cross_entropy_backward(x, alvo, **opcoes, grad_output=g)
    assert_allclose(obtido, xt.grad.numpy(), rtol=1e-9, atol=1e-12, equal_nan=True)


@given(problemas_de_classificacao(moderados=True))
def test_check_grad_confirma_a_entropia_cruzada(problema):
    # diferenças centrais com h = 1e-6 erram ~eps·|perda|/h: só fazem sentido com logits
    # moderados (a paridade com o autograd, acima, cobre os extremos)
    x, alvo, opcoes = problema
    if opcoes["reduction"] == "none" or x.size > 30:
        return
    resultado = check_grad(
        lambda v: float(cross_entropy(v, alvo, **opcoes)),
        lambda v: cross_entropy_backward(v, alvo, **opcoes),
        x,
        rtol=1e-4,
        atol=1e-6,
    )
    if not np.isnan(resultado.numerico):
        assert resultado, resultado


@given(arrays_e_eixo(dtypes=(np.float64,), extremos=False, max_lado=5))
def test_jacobiana_simetrica_com_linhas_de_soma_zero(dados):
    x, eixo = dados
    jac = softmax_jacobian(x, axis=eixo)
    assert jac.shape == np.moveaxis(x, eixo, -1).shape + (x.shape[eixo],)
    assert_allclose(jac, np.swapaxes(jac, -1, -2), atol=1e-15)  # J = Jᵀ
    assert_allclose(jac.sum(axis=-1), 0.0, atol=1e-15)  # Σ_j ∂p_i/∂x_j = 0 (translação)


def test_jacobiana_igual_ao_autograd():
    x = np.array([-1.0, 2.0, 0.5, -0.5])
    esperado = torch.autograd.functional.jacobian(lambda v: torch.softmax(v, -1), t(x)).numpy()
    assert_allclose(softmax_jacobian(x), esperado, atol=1e-16)


def test_vjp_igual_a_jacobiana_transposta_vezes_g():
    rng = np.random.default_rng(0)
    x, g = rng.normal(size=(3, 6)), rng.normal(size=(3, 6))
    vjp = np.einsum("nij,ni->nj", softmax_jacobian(x), g)
    assert_allclose(softmax_backward(softmax(x), g), vjp, atol=1e-15)


def test_check_grad_acusa_o_indice_errado():
    def grad_errado(v):
        g = 2 * v
        g[1] += 0.5
        return g

    resultado = check_grad(lambda v: float((v**2).sum()), grad_errado, np.array([1.0, -2.0, 3.0]))
    assert not resultado
    assert resultado.indice == (1,)
    assert "NÃO confere no índice (1,)" in repr(resultado)


def test_entradas_ruins():
    with pytest.raises(
        ValueError, match=r"grad_y deve ter o formato de y, \(3,\); recebido formato \(2,\)"
    ):
        softmax_backward(np.ones(3) / 3, np.ones(2))
    with pytest.raises(ValueError, match="grad_output deve ser um escalar com reduction='mean'"):
        cross_entropy_backward(np.zeros((2, 3)), np.array([0, 1]), grad_output=np.ones(2))
    with pytest.raises(ValueError, match=r"grad_output deve ter o formato da perda, \(2,\)"):
        cross_entropy_backward(
            np.zeros((2, 3)), np.array([0, 1]), reduction="none", grad_output=np.ones(3)
        )
    with pytest.raises(ValueError, match="grad_f deve devolver o formato de x"):
        check_grad(lambda v: 0.0, lambda v: np.zeros(3), np.zeros(2))
    with pytest.raises(ValueError, match="eps deve ser um número finito maior que zero"):
        check_grad(lambda v: 0.0, lambda v: v, np.zeros(2), eps=0.0)
