"""Testes de companion.online: qualquer divisão em blocos dá a softmax e a logsumexp do
companion; a combinação de estados é associativa e comutativa; o iterável é lido uma vez; a
atenção por blocos é igual à direta."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_allclose

from companion import logsumexp, softmax
from companion.online import (
    blockwise_attention,
    blockwise_softmax,
    estado_de,
    merge,
    online_logsumexp,
    online_normalizer,
    online_softmax,
)

valores = st.one_of(st.floats(-50, 50), st.floats(-1e4, 1e4), st.just(-np.inf))


@st.composite
def linha_e_cortes(draw):
    """Uma linha com ao menos um valor finito e uma divisão dela em blocos (alguns vazios)."""
    linha = draw(hnp.arrays(np.float64, st.integers(1, 40), elements=valores))
    if np.all(np.isneginf(linha)):
        linha[0] = 0.0
    cortes = sorted(draw(st.lists(st.integers(0, linha.size), max_size=8)))
    return linha, np.split(linha, cortes)


class UmaVez:
    """Um iterável que só aceita ser percorrido uma vez (e conta quantos blocos entregou)."""

    def __init__(self, blocos):
        self.blocos, self.usado, self.entregues = blocos, False, 0

    def __iter__(self):
        if self.usado:
            raise AssertionError("o iterável foi percorrido duas vezes")
        self.usado = True
        for bloco in self.blocos:
            self.entregues += 1
            yield bloco


@given(linha_e_cortes())
def test_qualquer_divisao_da_a_mesma_softmax_e_logsumexp(dados):
    linha, blocos = dados
    iteravel = UmaVez(blocos)
    assert_allclose(online_softmax(iteravel), softmax(linha), rtol=1e-12, atol=1e-300)
    assert iteravel.entregues == len(blocos)
    # LSE = m + log d: erro absoluto da ordem de eps·(|m| + 1) (perto de zero, por exemplo
    # [0, -14, -14] dá LSE ≈ 1,7e-6, o erro relativo não faz sentido)
    folga = 1e-12 * (np.max(np.abs(linha[np.isfinite(linha)])) + 1)
    assert_allclose(online_logsumexp(UmaVez(blocos)), logsumexp(linha), rtol=1e-12, atol=folga)


@given(linha_e_cortes())
def test_blocos_so_de_menos_infinito(dados):
    linha, blocos = dados
    com_vazios = [np.full(3, -np.inf), *blocos, np.array([]), np.full(2, -np.inf)]
    completa = np.concatenate(com_vazios)
    assert_allclose(online_softmax(iter(com_vazios)), softmax(completa), rtol=1e-12, atol=1e-300)


def test_so_menos_infinito_e_nada():
    assert online_logsumexp(iter([])) == -np.inf
    assert online_logsumexp([[-np.inf, -np.inf]]) == logsumexp([-np.inf, -np.inf])
    assert online_softmax(iter([])).shape == (0,)


trio = st.tuples(*[hnp.arrays(np.float64, st.integers(0, 6), elements=valores) for _ in range(3)])


@given(trio)
def test_merge_associativa_e_comutativa(blocos):
    a, b, c = (estado_de(x) for x in blocos)
    esquerda, direita = merge(merge(a, b), c), merge(a, merge(b, c))
    # LSE = m + log d: o erro absoluto é da ordem de eps·(|m| + 1); perto de zero (ex.: blocos
    # [0], [-37], [-37]: LSE ≈ 2e-16) o erro relativo não faz sentido
    m = float(esquerda.m)
    folga = 1e-12 * (abs(m) + 1) if np.isfinite(m) else 0.0
    assert_allclose(esquerda.logsumexp, direita.logsumexp, rtol=1e-12, atol=folga)
    assert_allclose(merge(a, b).logsumexp, merge(b, a).logsumexp, rtol=1e-12, atol=folga)
    assert esquerda.m == direita.m


@given(
    hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=1, max_dims=3, max_side=9),
        elements=st.floats(-1e3, 1e3),
    ),
    st.integers(1, 10),
)
def test_blockwise_softmax(x, bloco):
    assert_allclose(blockwise_softmax(x, bloco), softmax(x), rtol=1e-12, atol=1e-300)
    assert_allclose(
        blockwise_softmax(x, bloco, axis=0), softmax(x, axis=0), rtol=1e-12, atol=1e-300
    )


@given(
    st.integers(1, 6), st.integers(1, 20), st.integers(1, 5), st.integers(1, 8), st.floats(0.1, 20)
)
def test_atencao_por_blocos_igual_a_direta(tq, tk, d, bloco, escala):
    rng = np.random.default_rng(tq * 1000 + tk * 10 + d)
    q = rng.normal(scale=escala, size=(tq, d))
    k = rng.normal(scale=escala, size=(tk, d))
    v = rng.normal(size=(tk, 3))
    direta = softmax(q @ k.T / np.sqrt(d)) @ v
    assert_allclose(blockwise_attention(q, k, v, bloco), direta, rtol=1e-10, atol=1e-12)


def test_normalizador_le_cada_bloco_uma_vez():
    lidos = []

    def gerador():
        for x in ([1.0, 2.0], [], [3.0]):
            lidos.append(x)
            yield x

    estado = online_normalizer(gerador())
    assert lidos == [[1.0, 2.0], [], [3.0]]
    assert_allclose(estado.logsumexp, logsumexp([1.0, 2.0, 3.0]), rtol=1e-15)


def test_entradas_ruins():
    with pytest.raises(TypeError, match="chunks deve ser um iterável de blocos"):
        online_softmax(np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match=r"cada bloco deve ser um vetor .*formato \(2, 2\)"):
        online_softmax([np.zeros((2, 2))])
    with pytest.raises(ValueError, match="block_size deve ser um inteiro positivo; recebido 0"):
        blockwise_softmax(np.zeros(3), 0)
    with pytest.raises(ValueError, match=r"q, k e v devem ter formatos"):
        blockwise_attention(np.zeros((2, 3)), np.zeros((4, 2)), np.zeros((4, 1)), 2)
