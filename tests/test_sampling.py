"""Testes de companion.sampling: os tokens mantidos são os das regras do Hugging Face (uma
referência escrita aqui, com ordenação completa), inclusive em empates e massas exatas; as
frequências da amostragem seguem a distribuição filtrada; guloso é o argmax."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_array_equal

from companion import softmax
from companion.sampling import (
    greedy,
    min_p,
    repetition_penalty,
    sample,
    temperature,
    top_k,
    top_p,
)

# ---------------------------------------------------------------------------------------------
# Referências escritas a partir das regras do Hugging Face, com ordenação completa


def ref_top_k(x, k, minimo=1):
    k = min(max(k, minimo), x.shape[-1])
    kesimo = np.sort(x, axis=-1)[:, ::-1][:, k - 1 : k]  # o k-ésimo maior
    return np.where(x < kesimo, -np.inf, x)


def ref_top_p(x, p, minimo=1):
    # HF: ordena crescente, soma acumulada, remove onde a soma <= 1 - p; mantém os últimos
    # min_tokens_to_keep. Empates: os de menor índice ficam (vêm por último na ordem crescente).
    saida = np.full_like(x, -np.inf)
    for b, linha in enumerate(x):
        probs = softmax(linha)  # no dtype dos logits, como no Hugging Face
        ordem_desc = np.argsort(-probs, kind="stable")
        # a massa à frente de cada token (descendente) < p  <=>  soma crescente > 1 - p;
        # somada em float64
        a_frente = np.concatenate([[0.0], np.cumsum(probs[ordem_desc].astype(np.float64))[:-1]])
        fica = a_frente < p
        fica[: min(minimo, linha.size)] = True
        saida[b, ordem_desc[fica]] = linha[ordem_desc[fica]]
    return saida


def ref_min_p(x, p, minimo=1):
    probs = softmax(x.astype(np.float64), axis=-1)
    remover = probs < p * probs.max(axis=-1, keepdims=True)
    for b in range(x.shape[0]):
        remover[b, np.argsort(-x[b], kind="stable")[:minimo]] = False
    return np.where(remover, -np.inf, x)


logits_com_empates = hnp.arrays(
    np.float64,
    st.tuples(st.integers(1, 3), st.integers(1, 30)),
    elements=st.sampled_from([-3.0, -1.0, 0.0, 0.5, 1.0, 2.0, 4.0]) | st.floats(-10, 10),
)


@given(logits_com_empates, st.integers(1, 35), st.integers(1, 4))
def test_top_k_igual_a_referencia(x, k, minimo):
    assert_array_equal(top_k(x, k, min_tokens_to_keep=minimo), ref_top_k(x, k, minimo))


@given(logits_com_empates, st.floats(0.01, 1.0), st.integers(1, 4))
def test_top_p_igual_a_referencia(x, p, minimo):
    assert_array_equal(top_p(x, p, min_tokens_to_keep=minimo), ref_top_p(x, p, minimo))


@given(logits_com_empates, st.floats(0.01, 1.0), st.integers(1, 4))
def test_min_p_igual_a_referencia(x, p, minimo):
    assert_array_equal(min_p(x, p, min_tokens_to_keep=minimo), ref_min_p(x, p, minimo))


def test_top_k_mantem_todos_os_empatados_com_o_k_esimo():
    assert np.isfinite(top_k([5.0, 1.0, 1.0, 1.0, 0.0], 2)).sum() == 4


def test_top_p_massa_exata_nao_mantem_token_a_mais():
    # quatro tokens iguais (0,25 cada, exato em float64): p = 0,5 fecha em dois tokens
    assert_array_equal(top_p(np.zeros(4), 0.5), [0.0, 0.0, -np.inf, -np.inf])
    # logo acima de 0,5, entra o terceiro
    assert np.isfinite(top_p(np.zeros(4), 0.5000001)).sum() == 3


def test_top_p_mantem_o_token_que_cruza_p():
    # probabilidades 0,5 / 0,3 / 0,2 (aprox.): p = 0,6 precisa do segundo token
    x = np.log(np.array([0.5, 0.3, 0.2]))
    assert_array_equal(np.isfinite(top_p(x, 0.6)), [True, True, False])


def test_top_p_rapido_igual_a_ordenacao_completa_em_vocabulario_grande():
    # o caminho rápido (seleção parcial crescente) contra a referência com ordenação completa
    rng = np.random.default_rng(0)
    for escala in (0.5, 3.0, 10.0):
        x = rng.normal(scale=escala, size=(4, 50257)).astype(np.float32)
        for p in (0.1, 0.9, 0.999):
            assert_array_equal(top_p(x, p), ref_top_p(x, p))
        for k in (1, 5, 50, 97):
            assert_array_equal(top_k(x, k), ref_top_k(x, k))
        # muitos empates: logits arredondados a uma casa decimal
        empatados = np.round(x, 1)
        for k in (1, 50):
            assert_array_equal(top_k(empatados, k), ref_top_k(empatados, k))
        for p in (0.3, 0.9):
            assert_array_equal(top_p(empatados, p), ref_top_p(empatados, p))
        # float64; p = 1 e min_tokens_to_keep grande levam à ordenação da linha inteira
        x64 = x[:2].astype(np.float64)
        for p in (0.9, 1.0):
            assert_array_equal(top_p(x64, p), ref_top_p(x64, p))
        assert_array_equal(top_p(x, 0.5, 4000), ref_top_p(x, 0.5, 4000))
        # tokens já removidos (-inf) por um top-k anterior
        filtrados = top_k(x, 97)
        assert_array_equal(top_p(filtrados, 0.9), ref_top_p(filtrados, 0.9))


def test_top_p_para_no_meio_de_um_grupo_de_empatados_num_vocabulario_grande():
    # 3000 tokens empatados no topo; o núcleo de p = 0,5 pára no meio deles: ficam os de menor
    # índice
    x = np.full(50257, -30.0, dtype=np.float32)
    empatados = np.random.default_rng(1).choice(50257, 3000, replace=False)
    x[empatados] = 0.0
    fica = np.flatnonzero(np.isfinite(top_p(x, 0.5)))
    assert 1400 < fica.size < 1600
    assert_array_equal(fica, np.sort(empatados)[: fica.size])
    assert_array_equal(top_p(x, 0.5), ref_top_p(x[None], 0.5)[0])


@given(
    hnp.arrays(
        np.float64,
        st.tuples(st.integers(1, 3), st.integers(1, 20)),
        elements=st.sampled_from([0.0, 1.0, 2.0]) | st.floats(-5, 5),
    )
)
def test_guloso_e_o_argmax_com_o_primeiro_indice(x):
    assert_array_equal(greedy(x), np.argmax(x, axis=-1))


def test_penalidade_de_repeticao_como_no_hugging_face():
    x = np.array([[2.0, -2.0, 1.0, 0.5]])
    # positivos divididos, negativos multiplicados, cada token uma vez (o 0 aparece 3 vezes)
    assert_array_equal(repetition_penalty(x, [[0, 0, 1, 0]], 2.0), [[1.0, -4.0, 1.0, 0.5]])


def test_frequencias_seguem_a_distribuicao_filtrada():
    # χ² com semente fixa: a probabilidade de um alarme falso (p-valor < 0,001 com a
    # amostragem certa) é 0,1% sobre as sementes; com esta semente o teste é determinístico
    logits = np.log(np.array([0.4, 0.25, 0.15, 0.1, 0.06, 0.04]))
    rng = np.random.default_rng(12345)
    n = 20_000
    tokens = sample(logits, top_k=4, temperature=0.8, rng=rng, num_samples=n)
    esperado = softmax(top_k(temperature(logits, 0.8), 4))
    contagem = np.bincount(tokens, minlength=6)
    assert contagem[4:].sum() == 0  # os filtrados nunca saem
    _, p_valor = scipy.stats.chisquare(contagem[:4], n * esperado[:4])
    assert p_valor > 1e-3


def test_amostragem_reprodutivel():
    x = np.random.default_rng(0).normal(size=(3, 100))
    a = sample(x, top_p=0.9, rng=np.random.default_rng(7), num_samples=5)
    b = sample(x, top_p=0.9, rng=np.random.default_rng(7), num_samples=5)
    assert_array_equal(a, b)
    assert a.shape == (3, 5) and sample(x[0], rng=np.random.default_rng(1)).shape == ()


@pytest.mark.parametrize(
    "chamada, erro, trecho",
    [
        (lambda: top_k([1.0, 2.0], 0), ValueError, "k deve ser um inteiro >= 1; recebido 0"),
        (lambda: top_p([1.0, 2.0], 0.0), ValueError, r"p deve estar em \(0, 1\]; recebido 0.0"),
        (lambda: top_p([1.0, 2.0], 1.5), ValueError, r"p deve estar em \(0, 1\]; recebido 1.5"),
        (lambda: min_p([1.0, 2.0], -0.1), ValueError, r"p deve estar em \(0, 1\]"),
        (lambda: temperature([1.0], 0.0), ValueError, "t deve ser um número finito maior que zero"),
        (
            lambda: repetition_penalty([1.0, 2.0], [0], 0.0),
            ValueError,
            "penalty deve ser um número finito maior que zero",
        ),
        (
            lambda: repetition_penalty([1.0, 2.0], [5], 1.2),
            ValueError,
            "previous_ids fora do vocabulário: recebido 5; os tokens vão de 0 a 1",
        ),
        (
            lambda: sample([-np.inf, -np.inf]),
            ValueError,
            "logits: a linha 0 tem todos os valores -inf",
        ),
        (lambda: sample([1.0, 2.0], rng=42), TypeError, "rng deve ser um numpy.random.Generator"),
        (
            lambda: top_p([[1.0, 2.0], [np.nan, 0.0]], 0.9),
            ValueError,
            "logits: a linha 1 tem nan; a softmax dessa linha não está definida",
        ),
        (lambda: min_p([np.inf, 0.0], 0.1), ValueError, "logits: a linha 0 tem [+]inf"),
        (lambda: sample([0.0, np.nan]), ValueError, "logits: a linha 0 tem nan"),
        (
            lambda: top_k(np.zeros((2, 2, 2)), 1),
            ValueError,
            r"logits deve ter formato \(V,\) ou \(B, V\)",
        ),
    ],
)
def test_entradas_ruins(chamada, erro, trecho):
    with pytest.raises(erro, match=trecho):
        chamada()
