"""Testes de companion.perdas: paridade com torch.nn.functional em toda combinação de opções."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_allclose

from companion import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    log_softmax,
    nll_loss,
)
from tests.strategies import problemas_de_classificacao


@pytest.fixture(autouse=True)
def avisos_sao_erros():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def t(a):
    return None if a is None else torch.from_numpy(np.array(a))


def opcoes_torch(opcoes):
    return {**opcoes, "weight": t(opcoes["weight"])}


def assert_igual_ao_torch(obtido, esperado):
    assert np.shape(obtido) == esperado.shape
    # escala da conta: logits até 1e4 dão perdas até ~1e4, e o erro absoluto acompanha
    assert_allclose(obtido, esperado, rtol=1e-10, atol=1e-10, equal_nan=True)


@given(problemas_de_classificacao())
def test_cross_entropy_igual_ao_torch(problema):
    x, alvo, opcoes = problema
    esperado = F.cross_entropy(t(x), t(alvo), **opcoes_torch(opcoes)).numpy()
    assert_igual_ao_torch(cross_entropy(x, alvo, **opcoes), esperado)


@given(problemas_de_classificacao())
def test_nll_loss_igual_ao_torch(problema):
    x, alvo, opcoes = problema
    if alvo.dtype.kind == "f":
        return  # nll_loss só aceita índices de classe
    opcoes = {k: v for k, v in opcoes.items() if k != "label_smoothing"}
    eixo = 0 if x.ndim == 1 else 1
    logp = log_softmax(x, axis=eixo)
    esperado = F.nll_loss(t(logp), t(alvo), **opcoes_torch(opcoes)).numpy()
    assert_igual_ao_torch(nll_loss(logp, alvo, **opcoes), esperado)


@given(problemas_de_classificacao(extremos=False))
def test_entropia_cruzada_e_nll_da_log_softmax(problema):
    x, alvo, opcoes = problema
    if alvo.dtype.kind == "f" or opcoes["label_smoothing"]:
        return
    opcoes.pop("label_smoothing")
    eixo = 0 if x.ndim == 1 else 1
    assert_allclose(
        cross_entropy(x, alvo, **opcoes),
        nll_loss(log_softmax(x, axis=eixo), alvo, **opcoes),
        rtol=1e-12,
        equal_nan=True,
    )


def test_todos_ignorados_da_nan_como_no_torch():
    x, y = np.zeros((3, 4)), np.full(3, -100)
    assert np.isnan(cross_entropy(x, y))
    assert np.isnan(F.cross_entropy(t(x), t(y)).item())
    assert cross_entropy(x, y, reduction="sum") == 0.0


def test_logits_extremos():
    # logits de ±1e4: sem estouro, e a perda do exemplo errado é a diferença dos logits
    x = np.array([[1e4, -1e4], [-1e4, 1e4]])
    assert_allclose(cross_entropy(x, np.array([1, 1]), reduction="none"), [2e4, 0.0])
    x32 = x.astype(np.float32)
    assert cross_entropy(x32, np.array([1, 1])).dtype == np.float32


def test_dtype_float32_mantido():
    x = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32)
    y = np.array([0, 1, 2, 0])
    obtido = cross_entropy(x, y)
    assert obtido.dtype == np.float32
    assert_allclose(obtido, F.cross_entropy(t(x), t(y)).numpy(), rtol=1e-6)


binarios = st.integers(1, 4).flatmap(
    lambda n: st.tuples(
        hnp.arrays(np.float64, (n, 3), elements=st.floats(-1e3, 1e3)),
        hnp.arrays(np.float64, (n, 3), elements=st.floats(0.0, 1.0)),
        st.none() | hnp.arrays(np.float64, (3,), elements=st.floats(0.0, 3.0)),
        st.none() | hnp.arrays(np.float64, (3,), elements=st.floats(0.1, 5.0)),
        st.sampled_from(["mean", "sum", "none"]),
    )
)


@given(binarios)
def test_bce_com_logits_igual_ao_torch(dados):
    x, y, w, pw, reducao = dados
    esperado = F.binary_cross_entropy_with_logits(
        t(x), t(y), weight=t(w), pos_weight=t(pw), reduction=reducao
    ).numpy()
    obtido = binary_cross_entropy_with_logits(x, y, weight=w, pos_weight=pw, reduction=reducao)
    assert_igual_ao_torch(obtido, esperado)


@given(binarios)
def test_bce_igual_ao_torch(dados):
    x, y, w, _, reducao = dados
    p = 1 / (1 + np.exp(-np.clip(x, -700, 700)))  # inclui 0 e 1 exatos: o log limitado a -100
    esperado = F.binary_cross_entropy(t(p), t(y), weight=t(w), reduction=reducao).numpy()
    assert_igual_ao_torch(binary_cross_entropy(p, y, weight=w, reduction=reducao), esperado)


# ---------------------------------------------------------------------------------------------
# Entradas ruins


def test_alvo_fora_do_intervalo_diz_posicao_valor_e_intervalo():
    with pytest.raises(
        ValueError,
        match=r"target fora do intervalo na posição \(1,\): recebido 7; as classes válidas vão "
        r"de 0 a 2 \(ou ignore_index=-100\)",
    ):
        cross_entropy(np.zeros((2, 3)), np.array([0, 7]))


def test_alvo_negativo_que_nao_e_ignore_index():
    with pytest.raises(ValueError, match=r"na posição \(0, 1\): recebido -1"):
        cross_entropy(np.zeros((2, 3, 2)), np.array([[0, -1], [1, 1]]))


def test_alvo_float_com_formato_de_indices():
    with pytest.raises(
        TypeError, match=r"target deve conter índices de classe inteiros .*recebido float"
    ):
        cross_entropy(np.zeros((2, 3)), np.array([0.0, 1.0]))


def test_alvo_nao_numerico():
    with pytest.raises(TypeError, match=r"target deve conter índices de classe inteiros; recebido"):
        cross_entropy(np.zeros((2, 3)), np.array(["a", "b"]))


def test_formato_do_alvo():
    with pytest.raises(
        ValueError,
        match=r"target com índices de classe deve ter formato \(2,\) .*recebido formato \(3,\)",
    ):
        cross_entropy(np.zeros((2, 3)), np.array([0, 1, 2]))


@pytest.mark.parametrize("funcao", [cross_entropy, binary_cross_entropy_with_logits])
def test_reducao_desconhecida(funcao):
    with pytest.raises(
        ValueError, match=r"reduction deve ser 'mean', 'sum' ou 'none'; recebido 'media'"
    ):
        funcao(
            np.zeros((2, 2)),
            np.zeros(2, dtype=int) if funcao is cross_entropy else np.zeros((2, 2)),
            reduction="media",
        )


def test_pesos_com_formato_errado():
    with pytest.raises(
        ValueError,
        match=r"weight deve ter um peso por classe, formato \(3,\); recebido formato \(2,\)",
    ):
        cross_entropy(np.zeros((2, 3)), np.array([0, 1]), weight=[1.0, 2.0])


@pytest.mark.parametrize("eps, erro", [(1.5, ValueError), (-0.1, ValueError), ("0.1", TypeError)])
def test_suavizacao_invalida(eps, erro):
    with pytest.raises(erro, match="label_smoothing deve"):
        cross_entropy(np.zeros((2, 3)), np.array([0, 1]), label_smoothing=eps)


def test_bce_probabilidade_fora_de_0_1():
    with pytest.raises(
        ValueError, match=r"probs deve estar em \[0, 1\]; recebido 1.5 na posição \(1,\)"
    ):
        binary_cross_entropy(np.array([0.5, 1.5]), np.array([1.0, 0.0]))


def test_bce_formatos_diferentes():
    with pytest.raises(
        ValueError, match=r"target deve ter o formato de logits, \(2,\); recebido formato \(3,\)"
    ):
        binary_cross_entropy_with_logits(np.zeros(2), np.zeros(3))


def test_entrada_escalar():
    with pytest.raises(
        ValueError, match=r"logits deve ter formato \(C,\), \(N, C\) .*recebido um escalar"
    ):
        cross_entropy(1.0, np.array(0))


def test_ignore_index_com_probabilidades_e_recusado_como_no_torch():
    x, q = np.zeros((2, 3)), np.full((2, 3), 1 / 3)
    with pytest.raises(RuntimeError):
        F.cross_entropy(t(x), t(q), ignore_index=0)
    with pytest.raises(ValueError, match=r"ignore_index só vale para alvos com índices de classe"):
        cross_entropy(x, q, ignore_index=0)
