"""Testes de companion.sampling: os tokens mantidos são os das regras do Hugging Face (uma
referência escrita aqui, com ordenação completa), inclusive em empates e massas exatas; as
frequências da amostragem seguem a distribuição filtrada; guloso é o argmax."""

from __future__ import annotations

from unittest import mock

import numpy as np
import pytest
import scipy.stats
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_array_equal

from companion import sampling as sampling_modulo
from companion import softmax
from companion.alternativas import gumbel_max_sample
from companion.sampling import (
    epsilon_cutoff,
    eta_cutoff,
    greedy,
    inverse_cdf_sample,
    min_p,
    no_repeat_ngram,
    repetition_penalty,
    sample,
    temperature,
    top_k,
    top_p,
    typical_p,
)

# ---------------------------------------------------------------------------------------------
# Referências escritas a partir das regras do Hugging Face, com ordenação completa


def ref_top_k(x, k, minimo=1):
    k = min(max(k, minimo), x.shape[-1])
    kesimo = np.sort(x, axis=-1)[:, ::-1][:, k - 1 : k]  # o k-ésimo maior
    return np.where(x < kesimo, -np.inf, x)


def ref_top_p(x, p, minimo=1):
    # HF: ordena os logits em ordem crescente, soma acumulada das probabilidades, remove onde a
    # soma <= 1 - p; mantém os últimos min_tokens_to_keep. Empates: os de menor índice ficam
    # (vêm por último na ordem crescente).
    if p == 1.0:
        return x.copy()  # o companion: p = 1 é a identidade (ver a docstring)
    saida = np.full_like(x, -np.inf)
    for b, linha in enumerate(x):
        if np.all(linha == -np.inf):
            continue
        probs = softmax(linha)  # no dtype dos logits, como no Hugging Face
        ordem_desc = np.argsort(-linha, kind="stable")  # pelo logit, como no Hugging Face
        # a massa à frente de cada token (descendente) < p  <=>  soma crescente > 1 - p;
        # somada em float64
        a_frente = np.concatenate([[0.0], np.cumsum(probs[ordem_desc].astype(np.float64))[:-1]])
        fica = a_frente < p
        fica[: min(minimo, linha.size)] = True
        saida[b, ordem_desc[fica]] = linha[ordem_desc[fica]]
    return saida


def ref_min_p(x, p, minimo=1):
    with np.errstate(invalid="ignore"):
        probs = softmax(x.astype(np.float64), axis=-1)
    remover = probs < p * probs.max(axis=-1, keepdims=True)
    for b in range(x.shape[0]):
        remover[b, np.argsort(-x[b], kind="stable")[:minimo]] = False
    return np.where(remover, -np.inf, x)


def _log_q(linha):
    # log q = x - max - log Σ e^{x - max}, a mesma conta do companion (a referência confere a
    # regra — ordem, corte, empates, min_tokens_to_keep —, não o arredondamento)
    deslocados = linha - np.max(linha)
    return deslocados - np.log(np.sum(np.exp(deslocados)))


def ref_typical(x, p, minimo=1):
    # HF: d = |-log q - H|, ordem crescente de d (aqui estável), n = #(acumulada < p) (até
    # V - 1), sai d > d[n], ficam os minimo primeiros; p = 1 é a identidade (o companion)
    if p == 1.0:
        return x.copy()
    saida = x.copy()
    for b, linha in enumerate(x):
        if np.all(linha == -np.inf):
            continue
        log_q = _log_q(linha)
        q = np.exp(log_q)
        H = -sum(q[i] * log_q[i] for i in range(linha.size) if q[i] > 0)
        d = np.abs(-log_q - H)
        ordem = np.argsort(d, kind="stable")
        acumulada = np.cumsum(q[ordem])
        n = min(int(np.sum(acumulada < p)), linha.size - 1)
        for posicao, i in enumerate(ordem):
            if d[i] > d[ordem[n]] and posicao >= minimo:
                saida[b, i] = -np.inf
    return saida


def ref_piso(x, corte_de, minimo=1):
    # HF (ε e η): sai q < corte, salvo os de logit >= o minimo-ésimo maior
    saida = x.copy()
    for b, linha in enumerate(x):
        if np.all(linha == -np.inf):
            continue
        log_q = _log_q(linha)
        q = np.exp(log_q)
        q_finitos = q[np.isfinite(linha)]
        H = -np.sum(q_finitos * log_q[np.isfinite(linha)])
        kesimo = np.sort(linha)[::-1][min(minimo, linha.size) - 1]
        corte = corte_de(H)
        saida[b, (q < corte) & (linha < kesimo)] = -np.inf
    return saida


logits_com_empates = hnp.arrays(
    np.float64,
    st.tuples(st.integers(1, 3), st.integers(1, 30)),
    elements=st.sampled_from([-3.0, -1.0, 0.0, 0.5, 1.0, 2.0, 4.0, -np.inf])
    | st.floats(-10, 10)
    | st.floats(-800, -700),  # probabilidades que fazem underflow para 0: empates na softmax
)
probabilidades = st.sampled_from([0.0, 1.0]) | st.floats(0.0, 1.0)


@given(logits_com_empates, st.integers(1, 35), st.integers(1, 4))
def test_top_k_igual_a_referencia(x, k, minimo):
    assert_array_equal(top_k(x, k, min_tokens_to_keep=minimo), ref_top_k(x, k, minimo))


@given(logits_com_empates, probabilidades, st.integers(1, 40))
def test_top_p_igual_a_referencia(x, p, minimo):
    assert_array_equal(top_p(x, p, min_tokens_to_keep=minimo), ref_top_p(x, p, minimo))


@given(logits_com_empates, probabilidades, st.integers(1, 40))
def test_top_p_pelo_histograma_igual_a_referencia(x, p, minimo):
    # os vocabulários pequenos vão direto para a ordenação das linhas inteiras; aqui o caminho
    # do histograma (o dos vocabulários grandes) é forçado nos mesmos exemplos
    with mock.patch.object(sampling_modulo, "_V_PEQUENO", 0):
        assert_array_equal(top_p(x, p, min_tokens_to_keep=minimo), ref_top_p(x, p, minimo))


def test_top_p_os_dois_caminhos_concordam_perto_do_limite_de_vocabulario():
    rng = np.random.default_rng(5)
    for V in (sampling_modulo._V_PEQUENO, sampling_modulo._V_PEQUENO + 1):
        x = np.round(rng.normal(scale=3.0, size=(6, V)), 1)  # com empates
        for p in (0.3, 0.9, 0.999):
            assert_array_equal(top_p(x, p), ref_top_p(x, p))
            with mock.patch.object(sampling_modulo, "_V_PEQUENO", 0):
                assert_array_equal(top_p(x, p), ref_top_p(x, p))


@given(logits_com_empates, probabilidades, st.integers(1, 40))
def test_min_p_igual_a_referencia(x, p, minimo):
    assert_array_equal(min_p(x, p, min_tokens_to_keep=minimo), ref_min_p(x, p, minimo))


@given(logits_com_empates, probabilidades, st.integers(1, 40))
def test_typical_igual_a_referencia(x, p, minimo):
    assert_array_equal(typical_p(x, p, min_tokens_to_keep=minimo), ref_typical(x, p, minimo))


epsilons = st.sampled_from([0.0, 1e-4, 0.5]) | st.floats(0.0, 0.999)


@given(logits_com_empates, epsilons, st.integers(1, 40))
def test_epsilon_e_eta_iguais_a_referencia(x, epsilon, minimo):
    assert_array_equal(
        epsilon_cutoff(x, epsilon, min_tokens_to_keep=minimo),
        ref_piso(x, lambda H: epsilon, minimo),
    )
    assert_array_equal(
        eta_cutoff(x, epsilon, min_tokens_to_keep=minimo),
        ref_piso(x, lambda H: min(epsilon, np.sqrt(epsilon) * np.exp(-H)), minimo),
    )


def test_typical_exemplo_feito_a_mao():
    # q = 0,5 / 0,3 / 0,1 / 0,1: H ≈ 1,168 nats; -log q ≈ 0,693 / 1,204 / 2,303 / 2,303;
    # d ≈ 0,475 / 0,036 / 1,135 / 1,135. Ordem: 0,3, 0,5, e os dois 0,1 (empatados)
    x = np.log(np.array([0.5, 0.3, 0.1, 0.1]))
    assert_array_equal(np.isfinite(typical_p(x, 0.2)), [False, True, False, False])
    assert_array_equal(
        np.isfinite(typical_p(x, 0.3)), [False, True, False, False]
    )  # 0,3 < 0,3? não
    assert_array_equal(np.isfinite(typical_p(x, 0.31)), [True, True, False, False])
    # o corte cai no grupo dos 0,1: os dois ficam (empate no desvio), mesmo passando de p
    assert_array_equal(np.isfinite(typical_p(x, 0.85)), [True, True, True, True])
    assert_array_equal(np.isfinite(typical_p(x, 0.0)), [False, True, False, False])
    assert_array_equal(
        np.isfinite(typical_p(x, 0.0, min_tokens_to_keep=3)), [True, True, True, False]
    )


def test_epsilon_e_eta_exemplos_feitos_a_mao():
    x = np.log(np.array([0.6, 0.3, 0.08, 0.02]))
    assert_array_equal(np.isfinite(epsilon_cutoff(x, 0.05)), [True, True, True, False])
    assert_array_equal(np.isfinite(epsilon_cutoff(x, 0.1)), [True, True, False, False])
    # nenhum token passa de 0,9: fica o de maior logit (min_tokens_to_keep = 1)
    assert_array_equal(np.isfinite(epsilon_cutoff(x, 0.9)), [True, False, False, False])
    assert_array_equal(np.isfinite(epsilon_cutoff(x, 0.9, 3)), [True, True, True, False])
    # η = min(ε, √ε e^{-H}): H ≈ 0,948; com ε = 0,5, √0,5 · e^{-0,948} ≈ 0,274 < 0,5
    H = -np.sum(np.exp(x) * x)
    eta = min(0.5, np.sqrt(0.5) * np.exp(-H))
    assert 0.27 < eta < 0.28
    assert_array_equal(np.isfinite(eta_cutoff(x, 0.5)), [True, True, False, False])
    # distribuição plana de V = 1000: H = log V e η = √ε / V, bem abaixo de ε e de 1/V
    assert np.isfinite(eta_cutoff(np.zeros(1000), 0.01)).all()
    # o ε, com a mesma distribuição, tira todos (q = 0,001 < 0,01)... salvo os empatados com o
    # maior logit, que sempre ficam (min_tokens_to_keep = 1 e a regra do top-k): aqui, todos
    assert np.isfinite(epsilon_cutoff(np.zeros(1000), 0.01)).all()
    quase_plana = np.zeros(1000)
    quase_plana[7] = 1.0
    assert_array_equal(np.flatnonzero(np.isfinite(epsilon_cutoff(quase_plana, 0.01))), [7])
    assert np.isfinite(eta_cutoff(quase_plana, 0.01)).all()


@pytest.mark.parametrize("funcao", [typical_p, epsilon_cutoff, eta_cutoff])
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_novos_filtros_mantem_dtype_formato_e_nao_alteram_a_entrada(funcao, dtype):
    x = np.random.default_rng(0).normal(scale=2.0, size=(3, 200)).astype(dtype)
    copia = x.copy()
    saida = funcao(x, 0.1 if funcao is not typical_p else 0.5)
    assert saida.dtype == dtype and saida.shape == x.shape
    assert_array_equal(x, copia)
    assert 0 < np.isfinite(saida).sum() < x.size
    assert_array_equal(funcao(x[1], 0.1 if funcao is not typical_p else 0.5), saida[1])
    # float16 é calculado em float32, como o resto do módulo
    if dtype == np.float16:
        em_32 = funcao(x.astype(np.float32), 0.1 if funcao is not typical_p else 0.5)
        assert_array_equal(np.isfinite(saida), np.isfinite(em_32))


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
        (lambda: top_k([1.0, 2.0], 2.0), TypeError, "k deve ser um inteiro >= 1; recebido 2.0"),
        (lambda: top_p([1.0, 2.0], -0.1), ValueError, r"p deve estar em \[0, 1\]; recebido -0.1"),
        (lambda: top_p([1.0, 2.0], 1.5), ValueError, r"p deve estar em \[0, 1\]; recebido 1.5"),
        (lambda: min_p([1.0, 2.0], -0.1), ValueError, r"p deve estar em \[0, 1\]"),
        (lambda: min_p([1.0, 2.0], np.nan), ValueError, r"p deve estar em \[0, 1\]; recebido nan"),
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
            "logits: a linha 1 tem nan; nenhuma função de companion.sampling aceita nan",
        ),
        (lambda: min_p([np.inf, 0.0], 0.1), ValueError, "logits: a linha 0 tem [+]inf"),
        (lambda: sample([0.0, np.nan]), ValueError, "logits: a linha 0 tem nan"),
        (lambda: typical_p([1.0, 2.0], 1.5), ValueError, r"p deve estar em \[0, 1\]; recebido 1.5"),
        (lambda: typical_p([1.0, 2.0], "0.9"), TypeError, r"p deve ser um número em \[0, 1\]"),
        (
            lambda: epsilon_cutoff([1.0, 2.0], 1.0),
            ValueError,
            r"epsilon deve estar em \[0, 1\) \(0 desliga o filtro\); recebido 1.0: com 1",
        ),
        (
            lambda: eta_cutoff([1.0, 2.0], -1e-3),
            ValueError,
            r"epsilon deve estar em \[0, 1\) \(0 desliga o filtro\); recebido -0.001",
        ),
        (lambda: eta_cutoff([1.0], np.nan), ValueError, "epsilon deve estar em .*recebido nan"),
        (lambda: epsilon_cutoff([1.0], None), TypeError, r"epsilon deve ser um número em \[0, 1\)"),
        (
            lambda: typical_p([1.0, 2.0], 0.5, min_tokens_to_keep=0),
            ValueError,
            "min_tokens_to_keep deve ser um inteiro >= 1; recebido 0",
        ),
        (lambda: no_repeat_ngram([1.0, 2.0], [0], 0), ValueError, "n deve ser um inteiro >= 1"),
        (lambda: no_repeat_ngram([1.0, 2.0], [0], 2.0), TypeError, "n deve ser um inteiro >= 1"),
        (lambda: no_repeat_ngram([1.0, 2.0], [0], True), TypeError, "n deve ser um inteiro >= 1"),
        (
            lambda: no_repeat_ngram([1.0, 2.0], [0, 5], 2),
            ValueError,
            "previous_ids fora do vocabulário: recebido 5; os tokens vão de 0 a 1",
        ),
        (
            lambda: no_repeat_ngram([[1.0, 2.0]], [0, 1], 2),
            ValueError,
            r"previous_ids deve ter formato \(B, n\)",
        ),
        (
            lambda: no_repeat_ngram([1.0, 2.0], [0.0, 1.0], 2),
            TypeError,
            "previous_ids deve conter índices inteiros",
        ),
        (
            lambda: sample([1.0, 2.0], no_repeat_ngram_size=2),
            ValueError,
            "no_repeat_ngram_size precisa de previous_ids",
        ),
        (
            lambda: sample([1.0, 2.0], no_repeat_ngram_size=-1, previous_ids=[0]),
            ValueError,
            "no_repeat_ngram_size deve ser um inteiro >= 0",
        ),
        (
            lambda: sample([1.0, 2.0], no_repeat_ngram_size="2", previous_ids=[0]),
            TypeError,
            "no_repeat_ngram_size deve ser um inteiro >= 0",
        ),
        (
            lambda: sample([1.0, 2.0], previous_ids=[0]),
            ValueError,
            "previous_ids só é usado com repetition_penalty ou no_repeat_ngram_size",
        ),
        (
            lambda: sample([1.0, 2.0, -np.inf], no_repeat_ngram_size=1, previous_ids=[0, 1]),
            ValueError,
            "no_repeat_ngram_size = 1 proibiu todos os tokens possíveis da linha 0",
        ),
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


# ---------------------------------------------------------------------------------------------
# Uma regra só para nan e ±inf em todo o módulo (issue 12)


def _penalidade(x):
    ids = [0] if np.ndim(x) == 1 else [[0]] * np.shape(x)[0]
    return repetition_penalty(x, ids, 1.3)


def _ngramas(x):
    ids = [0, 1, 0] if np.ndim(x) == 1 else [[0, 1, 0]] * np.shape(x)[0]
    return no_repeat_ngram(x, ids, 2)  # proíbe o token 1 ("0 1" já houve)


TODAS = {
    "temperature": lambda x: temperature(x, 0.7),
    "top_k": lambda x: top_k(x, 2),
    "top_p": lambda x: top_p(x, 0.9),
    "min_p": lambda x: min_p(x, 0.1),
    "typical_p": lambda x: typical_p(x, 0.5),
    "epsilon_cutoff": lambda x: epsilon_cutoff(x, 0.01),
    "eta_cutoff": lambda x: eta_cutoff(x, 0.01),
    "repetition_penalty": _penalidade,
    "no_repeat_ngram": _ngramas,
    "greedy": greedy,
    "sample": lambda x: sample(x, rng=np.random.default_rng(0)),
}
# as que só dependem da ordem ou da aritmética de cada elemento aceitam +inf
ACEITAM_MAIS_INF = {"temperature", "top_k", "repetition_penalty", "no_repeat_ngram", "greedy"}
PROCESSADORES = {
    "temperature",
    "top_k",
    "top_p",
    "min_p",
    "typical_p",
    "epsilon_cutoff",
    "eta_cutoff",
    "repetition_penalty",
    "no_repeat_ngram",
}


@pytest.mark.parametrize("nome", TODAS)
@pytest.mark.parametrize("V", [5, 50257])  # 50257: o caminho por blocos do top-k
@pytest.mark.parametrize("coluna", [0, 3, -1])  # -1: no bloco incompleto do fim
def test_nan_recusado_em_todo_o_modulo(nome, V, coluna):
    x = np.zeros((2, V), dtype=np.float32)
    x[1, coluna] = np.nan
    with pytest.raises(ValueError, match="logits: a linha 1 tem nan; nenhuma função"):
        TODAS[nome](x)
    with pytest.raises(ValueError, match="logits: a linha 0 tem nan"):
        TODAS[nome](x[1])


@pytest.mark.parametrize("nome", TODAS)
def test_mais_inf_so_onde_o_resultado_existe(nome):
    import torch

    x = np.array([[0.5, np.inf, -1.0, np.inf], [0.0, 1.0, 2.0, 3.0]])
    if nome not in ACEITAM_MAIS_INF:
        with pytest.raises(ValueError, match="logits: a linha 0 tem [+]inf; a softmax"):
            TODAS[nome](x)
        return
    xt = torch.from_numpy(x)
    esperado = {  # o que o torch dá
        "temperature": lambda: (xt / 0.7).numpy(),
        "top_k": lambda: xt.masked_fill(xt < torch.topk(xt, 2)[0][:, -1:], -np.inf).numpy(),
        "repetition_penalty": lambda: torch.where(
            torch.arange(4) == 0, torch.where(xt < 0, xt * 1.3, xt / 1.3), xt
        ).numpy(),
        "no_repeat_ngram": lambda: xt.masked_fill(torch.arange(4) == 1, -np.inf).numpy(),
        "greedy": lambda: torch.argmax(xt, dim=-1).numpy(),
    }[nome]()
    assert_array_equal(TODAS[nome](x), esperado)


@pytest.mark.parametrize("nome", sorted(PROCESSADORES))
def test_linha_toda_menos_inf_passa_pelos_processadores(nome):
    # como no Hugging Face: o processador não escolhe token; a linha volta como está
    x = np.array([[-np.inf, -np.inf, -np.inf], [1.0, 2.0, 0.0]])
    saida = TODAS[nome](x)
    assert_array_equal(saida[0], [-np.inf] * 3)


@pytest.mark.parametrize("nome", ["greedy", "sample"])
def test_linha_toda_menos_inf_recusada_na_decodificacao(nome):
    with pytest.raises(ValueError, match="a linha 1 tem todos os valores -inf"):
        TODAS[nome](np.array([[0.0, 1.0], [-np.inf, -np.inf]]))


# ---------------------------------------------------------------------------------------------
# Entradas extremas, mas finitas, na amostragem


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_temperatura_minuscula_sorteia_so_os_empatados_no_maximo(dtype):
    # x / 1e-308 estoura para +inf (e, em float32, 1e-308 arredonda para 0): a amostragem
    # recusava a entrada válida ou sorteava um token de probabilidade 0
    x = np.array([3.0, 2.0, 3.0, -5.0, 2.9999], dtype=dtype)
    tokens = sample(x, temperature=1e-308, rng=np.random.default_rng(0), num_samples=2000)
    assert set(np.unique(tokens)) == {0, 2}  # o limite: uniforme entre os empatados
    assert 900 < np.sum(tokens == 0) < 1100
    for filtros in (dict(top_k=3), dict(top_p=0.9), dict(min_p=0.5)):
        tokens = sample(
            x, temperature=1e-308, rng=np.random.default_rng(1), num_samples=200, **filtros
        )
        assert set(np.unique(tokens)) <= {0, 2}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_logits_perto_do_maior_float(dtype):
    grande = np.finfo(dtype).max
    x = np.array([0.5 * grande, grande, -grande, grande * 0.999], dtype=dtype)
    for t in (0.5, 1.0):
        for filtros in ({}, dict(top_k=2), dict(top_p=0.9), dict(min_p=0.1)):
            tokens = sample(
                x, temperature=t, rng=np.random.default_rng(0), num_samples=50, **filtros
            )
            assert_array_equal(tokens, 1)  # o maior por uma distância enorme
    # temperatura enorme: (x - max)/t é moderado, e a distribuição não é degenerada
    x = np.array([grande, -grande], dtype=dtype) / 2
    t = float(grande) / 2
    tokens = sample(x, temperature=t, rng=np.random.default_rng(0), num_samples=4000)
    esperado = softmax(np.array([0.0, -2.0]))  # (x - max)/t = [0, -2]
    assert abs(np.mean(tokens == 1) - esperado[1]) < 0.03


def test_temperatura_sem_nan_onde_o_torch_daria_nan():
    # float32 com t minúsculo: o torch arredonda t para 0 e dá 0/0 = nan; com t enorme,
    # arredonda para inf e dá -inf/inf = nan. Aqui, os limites certos, sem aviso.
    x = np.array([0.0, 1.0, -1.0, -np.inf], dtype=np.float32)
    assert_array_equal(temperature(x, 1e-308), [0.0, np.inf, -np.inf, -np.inf])
    assert_array_equal(temperature(x, 1e300), [0.0, 0.0, -0.0, -np.inf])
    assert temperature(x, 1e-308).dtype == np.float32
    assert_array_equal(repetition_penalty(x, [0, 1, 2, 3], 1e300), [0.0, 0.0, -np.inf, -np.inf])


# ---------------------------------------------------------------------------------------------
# Arrays mascarados e tensores do torch


@pytest.mark.parametrize("nome", TODAS)
def test_mascara_vale_menos_inf(nome):
    dados = np.array([[0.3, 5.0, 1.0, np.nan, 2.0], [1.0, 0.0, 9.0, 2.0, 2.5]])
    mascara = np.zeros_like(dados, dtype=bool)
    mascara[0, 1] = mascara[0, 3] = mascara[1, 2] = True  # o maior de cada linha, e o nan
    mascarado = np.ma.MaskedArray(dados, mascara)
    preenchido = np.where(mascara, -np.inf, dados)
    saida = TODAS[nome](mascarado)
    assert type(saida) is np.ndarray  # nunca um MaskedArray com a máscara esquecida
    assert_array_equal(saida, TODAS[nome](preenchido))
    assert_array_equal(mascarado.mask, mascara)
    assert np.isnan(mascarado.data[0, 3])


def test_amostragem_nunca_sorteia_um_token_mascarado():
    x = np.ma.MaskedArray([0.0, 10.0, 0.0], mask=[False, True, False])
    tokens = sample(x, rng=np.random.default_rng(0), num_samples=500)
    assert set(np.unique(tokens)) == {0, 2}
    assert greedy(x) == 0


def test_penalidade_com_ids_mascarados_e_sequencias_de_comprimentos_diferentes():
    x = np.array([[2.0, -2.0, 1.0], [2.0, -2.0, 1.0]])
    ids = np.ma.MaskedArray([[0, 1], [2, 99]], mask=[[False, False], [False, True]])
    assert_array_equal(repetition_penalty(x, ids, 2.0), [[1.0, -4.0, 1.0], [2.0, -2.0, 0.5]])


def test_bloqueio_de_ngramas_exemplos_feitos_a_mao():
    x = np.arange(5, dtype=np.float32)
    # "1 2" já houve e a sequência termina em 1: o 2 fica proibido; "1 3" também houve
    assert_array_equal(no_repeat_ngram(x, [1, 2, 4, 1, 3, 1], 2), [0, 1, -np.inf, -np.inf, 4])
    # trigramas: termina em "4 1"; "4 1 3" já houve
    assert_array_equal(no_repeat_ngram(x, [4, 1, 3, 0, 4, 1], 3), [0, 1, 2, -np.inf, 4])
    # a sequência curta demais não proíbe nada; n = 1 proíbe todo token já visto
    assert_array_equal(no_repeat_ngram(x, [1, 1], 3), x)
    assert_array_equal(no_repeat_ngram(x, [], 1), x)
    assert_array_equal(no_repeat_ngram(x, [3, 0, 3], 1), [-np.inf, 1, 2, -np.inf, 4])
    # o sufixo não proíbe o próprio sucessor (que ainda não existe): "1 1" só com três 1
    assert_array_equal(no_repeat_ngram(x, [0, 1], 2), x)
    assert_array_equal(no_repeat_ngram(x, [1, 1], 2), [0, -np.inf, 2, 3, 4])
    assert no_repeat_ngram(x, [1, 1], 2).dtype == np.float32


def test_bloqueio_de_ngramas_com_ids_mascarados_e_comprimentos_diferentes():
    x = np.zeros((2, 4))
    ids = np.ma.MaskedArray([[2, 3, 2, 9], [2, 3, 2, 0]], mask=[[0, 0, 0, 1], [0, 0, 0, 0]])
    # linha 0: a sequência é "2 3 2" (o 9 mascarado sai): "2 3" proíbe o 3; linha 1: nada
    assert_array_equal(no_repeat_ngram(x, ids, 2), [[0, 0, 0, -np.inf], [0, 0, 0, 0]])


def test_bloqueio_de_ngramas_nao_altera_a_entrada_e_aceita_tensores():
    import torch

    x = np.random.default_rng(1).normal(size=(2, 6)).astype(np.float16)
    ids = np.array([[0, 1, 0, 1, 0], [5, 5, 5, 5, 5]])
    copia_x, copia_ids = x.copy(), ids.copy()
    saida = no_repeat_ngram(x, ids, 3)
    assert_array_equal(x, copia_x)
    assert_array_equal(ids, copia_ids)
    assert saida.dtype == np.float16
    assert np.isneginf(saida[0, 1]) and np.isneginf(saida[1, 5])
    assert np.sum(np.isneginf(saida)) == 2
    assert_array_equal(no_repeat_ngram(torch.from_numpy(x), torch.from_numpy(ids), 3), saida)


def test_sample_nunca_sorteia_um_token_que_repete_um_ngrama():
    x = np.array([0.0, 5.0, 5.0, 0.0])
    tokens = sample(
        x,
        no_repeat_ngram_size=2,
        previous_ids=[0, 1, 3, 0],
        rng=np.random.default_rng(0),
        num_samples=500,
    )
    assert 1 not in tokens and 2 in tokens
    # 0 desliga, como no generate
    tokens = sample(
        x,
        no_repeat_ngram_size=0,
        previous_ids=[0, 1, 3, 0],
        rng=np.random.default_rng(0),
        num_samples=500,
    )
    assert 1 in tokens


@pytest.mark.parametrize("nome", TODAS)
def test_tensor_do_torch_convertido_sem_gradiente(nome):
    import torch

    x = np.random.default_rng(0).normal(size=(3, 7)).astype(np.float32)
    tensor = torch.tensor(x, requires_grad=True)
    assert_array_equal(TODAS[nome](tensor), TODAS[nome](x))
    # bfloat16: o numpy não tem; calculado (e devolvido) em float32
    b16 = torch.tensor(x).to(torch.bfloat16)
    resultado = TODAS[nome](b16)
    assert_array_equal(resultado, TODAS[nome](b16.float().numpy()))
    if nome in PROCESSADORES:
        assert resultado.dtype == np.float32
    assert_array_equal(tensor.detach().numpy(), x)  # a entrada não muda


def test_tensor_fora_da_cpu_recusado():
    import torch

    with pytest.raises(TypeError, match="logits é um tensor do torch no dispositivo meta"):
        top_k(torch.empty(3, device="meta"), 1)


def test_ids_como_tensor_do_torch():
    import torch

    x = np.array([2.0, -2.0, 1.0])
    assert_array_equal(repetition_penalty(x, torch.tensor([0, 1]), 2.0), [1.0, -4.0, 1.0])


@pytest.mark.parametrize("nome", sorted(PROCESSADORES))
def test_longdouble(nome):
    # os logits mantidos voltam exatamente, em longdouble (sem passar por float64)
    x = np.random.default_rng(0).normal(size=(2, 300)).astype(np.longdouble)
    x += np.finfo(np.longdouble).eps  # um bit que o float64 não guarda (onde há esse bit)
    saida = TODAS[nome](x)
    assert saida.dtype == np.longdouble
    if nome in ("top_k", "top_p", "min_p", "typical_p", "epsilon_cutoff", "eta_cutoff"):
        fica = np.isfinite(saida)
        assert 0 < fica.sum() < x.size
        assert_array_equal(saida[fica], x[fica])
        assert_array_equal(fica, np.isfinite(TODAS[nome](x.astype(np.float64))))


# ---------------------------------------------------------------------------------------------
# Parâmetros com o nome que o usuário escreveu; ids ruins


@pytest.mark.parametrize(
    "opcoes, erro, trecho",
    [
        (dict(top_p=1.5), ValueError, r"top_p deve estar em \[0, 1\]; recebido 1.5"),
        (dict(top_p="0.9"), TypeError, r"top_p deve ser um número em \[0, 1\]"),
        (dict(min_p=-0.5), ValueError, r"min_p deve estar em \[0, 1\]; recebido -0.5"),
        (dict(top_k=-1), ValueError, r"top_k deve ser um inteiro >= 0 \(0 ou None desligam"),
        (dict(top_k=2.5), TypeError, "top_k deve ser um inteiro >= 0 ou None; recebido 2.5"),
        (dict(temperature=0.0), ValueError, "temperature deve ser .* use greedy"),
        (dict(temperature=-1.0), ValueError, "temperature deve ser um número finito maior"),
        (dict(temperature=np.inf), ValueError, "temperature deve ser um número finito maior"),
        (dict(temperature="1"), TypeError, "temperature deve ser um número real"),
        (dict(num_samples=0), ValueError, "num_samples deve ser um inteiro >= 1"),
        (dict(typical_p=1.5), ValueError, r"typical_p deve estar em \[0, 1\]; recebido 1.5"),
        (dict(epsilon_cutoff=1.0), ValueError, r"epsilon_cutoff deve estar em \[0, 1\)"),
        (dict(eta_cutoff=-0.1), ValueError, r"eta_cutoff deve estar em \[0, 1\)"),
        (dict(eta_cutoff="0.1"), TypeError, r"eta_cutoff deve ser um número em \[0, 1\)"),
        (
            dict(repetition_penalty=1.2),
            ValueError,
            "repetition_penalty precisa de previous_ids",
        ),
        (
            dict(previous_ids=[0]),
            ValueError,
            "previous_ids só é usado com repetition_penalty",
        ),
        (
            dict(repetition_penalty=0.0, previous_ids=[0]),
            ValueError,
            "repetition_penalty deve ser um número finito maior que zero",
        ),
        (
            dict(repetition_penalty=1.2, previous_ids=[7]),
            ValueError,
            "previous_ids fora do vocabulário: recebido 7",
        ),
        (dict(metodo="gumbel-max"), ValueError, "metodo deve ser 'cdf' ou 'gumbel'"),
    ],
)
def test_sample_nomeia_o_parametro_como_o_usuario_o_escreveu(opcoes, erro, trecho):
    with pytest.raises(erro, match=trecho):
        sample([0.0, 1.0], rng=np.random.default_rng(0), **opcoes)


@pytest.mark.parametrize(
    "logits, ids, trecho",
    [
        # (V,) com ids (B, n): as linhas eram juntadas em silêncio
        (
            np.zeros(5),
            [[0, 1], [2, 3]],
            r"formato \(n,\) para logits de formato \(V,\); recebido formato \(2, 2\)",
        ),
        (
            np.zeros((2, 5)),
            [[0, 1], [2, 3], [4, 0]],
            r"uma linha por linha de logits \(B = 2\); recebido formato \(3, 2\)",
        ),
        (np.zeros((2, 5)), [0, 1], r"recebido formato \(2,\)"),
        (
            np.zeros((2, 5)),
            [[0, 1], [2]],
            "previous_ids deve ser retangular .* numpy.ma.MaskedArray",
        ),
        (np.zeros(5), [2**70], "previous_ids fora do vocabulário: recebido 1180591620717411303424"),
        (
            np.zeros(5),
            np.array([2**63], dtype=np.uint64),
            "fora do vocabulário: recebido 9223372036854775808",
        ),
        (np.zeros(5), [-1], "fora do vocabulário: recebido -1"),
    ],
)
def test_ids_ruins(logits, ids, trecho):
    with pytest.raises(ValueError, match=trecho):
        repetition_penalty(logits, ids, 1.2)


@pytest.mark.parametrize("ids", [[0.0, 1.0], [True, False], ["a"]])
def test_ids_que_nao_sao_inteiros(ids):
    with pytest.raises(TypeError, match="previous_ids deve conter índices inteiros"):
        repetition_penalty(np.zeros(3), ids, 1.2)


# ---------------------------------------------------------------------------------------------
# Semântica do Hugging Face nas bordas


def test_top_p_ordena_pelo_logit_quando_min_tokens_to_keep_completa():
    # float32: as probabilidades de -200 e -300 fazem underflow para 0, como a de -inf; o
    # desempate é pelo logit (como no Hugging Face, que ordena os logits), não pelo índice
    x = np.array([-np.inf, -300.0, 0.0, -200.0], dtype=np.float32)
    assert_array_equal(top_p(x, 0.5, min_tokens_to_keep=2), [-np.inf, -np.inf, 0.0, -200.0])
    assert_array_equal(top_p(x, 0.5, min_tokens_to_keep=3), [-np.inf, -300.0, 0.0, -200.0])
    # mais min_tokens_to_keep que logits finitos: ficam todos os finitos
    assert_array_equal(top_p(x, 0.5, min_tokens_to_keep=10), x)
    assert_array_equal(min_p(x, 0.5, min_tokens_to_keep=3), [-np.inf, -300.0, 0.0, -200.0])


def test_top_p_com_p_1_e_a_identidade():
    # a soma em float64 das probabilidades arredondadas chegava a 1 antes do fim e removia os
    # tokens de probabilidade ~1e-7 ou menor
    x = np.random.default_rng(0).normal(scale=10.0, size=(2, 50257)).astype(np.float32)
    assert_array_equal(top_p(x, 1.0), x)
    assert_array_equal(top_p(x, 1, min_tokens_to_keep=3), x)
    a = sample(x, top_p=1.0, rng=np.random.default_rng(3), num_samples=20)
    b = sample(x, rng=np.random.default_rng(3), num_samples=20)
    assert_array_equal(a, b)


def test_p_zero_como_no_transformers():
    x = np.array([[1.0, 3.0, 3.0, 2.0, -np.inf]])
    # TopPLogitsWarper(0.0): ficam só os min_tokens_to_keep (empates pelo menor índice)
    assert_array_equal(top_p(x, 0.0), [[-np.inf, 3.0, -np.inf, -np.inf, -np.inf]])
    assert_array_equal(top_p(x, 0, min_tokens_to_keep=3), [[-np.inf, 3.0, 3.0, 2.0, -np.inf]])
    # MinPLogitsWarper(0.0): nada sai, nem um token de probabilidade que faz underflow para 0
    y = np.array([0.0, -1000.0, -np.inf])
    assert_array_equal(min_p(y, 0.0), y)
    # na amostragem: top_p = 0 é o guloso; top_k = 0 e min_p = 0 não filtram nada
    assert_array_equal(
        sample(x, top_p=0.0, rng=np.random.default_rng(0), num_samples=50), [[1] * 50]
    )
    for opcoes in (dict(top_k=0), dict(min_p=0.0)):
        a = sample(x, rng=np.random.default_rng(5), num_samples=30, **opcoes)
        assert_array_equal(a, sample(x, rng=np.random.default_rng(5), num_samples=30))


def test_empates_ficam_os_de_menor_indice():
    x = np.array([1.0, 2.0, 2.0, 2.0, 0.0])
    # min_tokens_to_keep corta um grupo de empatados: ficam os de menor índice
    assert_array_equal(min_p(x, 1.0, min_tokens_to_keep=1), [-np.inf, 2.0, 2.0, 2.0, -np.inf])
    assert_array_equal(top_p(x, 0.0, min_tokens_to_keep=2), [-np.inf, 2.0, 2.0, -np.inf, -np.inf])
    # top-k: todo empatado com o k-ésimo fica (a regra do Hugging Face)
    assert_array_equal(top_k(x, 2), [-np.inf, 2.0, 2.0, 2.0, -np.inf])


def test_top_k_pelo_caminho_dos_blocos_igual_a_particao():
    # o caminho por blocos (V grande, k pequeno) contra a partição direta, com empates no
    # k-ésimo espalhados por blocos diferentes, -inf, +inf e o bloco incompleto do fim
    rng = np.random.default_rng(2)
    for V in (50257, 128256, 4 * 128 * 50):
        x = np.round(rng.normal(scale=2.0, size=(5, V)), 1).astype(np.float32)
        x[0, -3:] = 50.0  # os maiores no bloco incompleto
        x[1, ::7] = -np.inf
        x[2, 100] = np.inf
        x[3] = -np.inf
        x[3, [5, V - 1]] = 1.0
        for k in (1, 7, 50, 97):
            assert_array_equal(top_k(x, k), ref_top_k(x, k))


# ---------------------------------------------------------------------------------------------
# Novas opções de sample (issue 14)


def test_sample_com_os_novos_filtros_sorteia_so_o_que_eles_mantem():
    rng = np.random.default_rng(0)
    x = rng.normal(scale=2.0, size=(2, 300))
    for opcoes, filtro in (
        (dict(typical_p=0.3), lambda z: typical_p(z, 0.3)),
        (dict(epsilon_cutoff=0.01), lambda z: epsilon_cutoff(z, 0.01)),
        (dict(eta_cutoff=0.01), lambda z: eta_cutoff(z, 0.01)),
    ):
        tokens = sample(x, rng=np.random.default_rng(1), num_samples=3000, **opcoes)
        mantidos = np.isfinite(filtro(x))
        assert 0 < mantidos.sum() < x.size
        for b in range(2):
            assert set(np.unique(tokens[b])) <= set(np.flatnonzero(mantidos[b]))


def test_sample_com_filtros_desligados_e_a_amostragem_de_antes():
    # typical_p = 1, ε = 0, η = 0 e penalidade 1 não mudam nada: os mesmos tokens que sem eles
    x = np.random.default_rng(2).normal(size=(3, 50))
    ids = np.zeros((3, 2), dtype=int)
    base = sample(x, rng=np.random.default_rng(3), num_samples=40)
    for opcoes in (
        dict(typical_p=1.0),
        dict(epsilon_cutoff=0.0),
        dict(eta_cutoff=0),
        dict(repetition_penalty=1.0, previous_ids=ids),
    ):
        assert_array_equal(sample(x, rng=np.random.default_rng(3), num_samples=40, **opcoes), base)


def test_sample_com_penalidade_sorteia_de_softmax_dos_logits_penalizados():
    # a distribuição sorteada é a de softmax(penalizados / τ); a ordem entre a penalidade e os
    # filtros é a do generate (conferida em test_sampling_transformers.py)
    x = np.array([2.0, 1.0, -1.0])
    esperado = softmax(temperature(repetition_penalty(x, [0, 2], 2.0), 0.5))
    tokens = sample(
        x,
        temperature=0.5,
        repetition_penalty=2.0,
        previous_ids=[0, 2],
        rng=np.random.default_rng(4),
        num_samples=20_000,
    )
    _, p_valor = scipy.stats.chisquare(np.bincount(tokens, minlength=3), 20_000 * esperado)
    assert p_valor > 1e-3


# ---------------------------------------------------------------------------------------------
# Inversão da acumulada e Gumbel-max, lado a lado


def test_inversao_deterministica_nas_fronteiras():
    p = np.array([0.25, 0.0, 0.5, 0.25])  # F = 0,25 / 0,25 / 0,75 / 1 (exatos em binário)
    # o primeiro token com F > u: u = F_i exato vai para o seguinte; o de peso 0 nunca sai
    u = np.array([0.0, 0.2499, 0.25, 0.7499, 0.75, np.nextafter(1.0, 0.0)])
    assert_array_equal(inverse_cdf_sample(p, u), [0, 0, 2, 2, 3, 3])
    # pesos não normalizados: u é reescalado pelo total
    assert_array_equal(inverse_cdf_sample(4 * p, u), [0, 0, 2, 2, 3, 3])
    # formatos: (B, V) com u (B,) ou (B, n); (V,) com u de qualquer formato
    P = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 2.0]])
    assert_array_equal(inverse_cdf_sample(P, [0.9, 0.1]), [0, 2])
    assert inverse_cdf_sample(P, np.zeros((2, 5))).shape == (2, 5)
    assert inverse_cdf_sample(p, np.zeros((2, 3))).shape == (2, 3)
    assert inverse_cdf_sample(p, 0.5).shape == ()


def test_inversao_e_o_que_sample_faz_por_dentro():
    x = np.random.default_rng(5).normal(size=(4, 30))
    tokens = sample(x, rng=np.random.default_rng(6), num_samples=100)
    u = np.random.default_rng(6).random((4, 100))
    assert_array_equal(tokens, inverse_cdf_sample(softmax(x), u))


@pytest.mark.parametrize(
    "probs, u, erro, trecho",
    [
        ([0.5, -0.1], 0.5, ValueError, r"probs deve conter pesos finitos e >= 0; recebido"),
        ([0.5, np.nan], 0.5, ValueError, "probs deve conter pesos finitos"),
        ([[0.5, 0.5], [0.0, 0.0]], [0.1, 0.2], ValueError, "probs: a linha 1 soma 0"),
        ([0.5, 0.5], 1.0, ValueError, r"u deve estar em \[0, 1\); recebido 1.0"),
        ([0.5, 0.5], [-0.1], ValueError, r"u deve estar em \[0, 1\); recebido -0.1"),
        ([[0.5, 0.5]] * 2, [0.1, 0.2, 0.3], ValueError, r"u deve ter formato \(B,\) ou \(B, n\)"),
        (np.zeros((1, 1, 2)), 0.1, ValueError, r"probs deve ter formato \(V,\) ou \(B, V\)"),
        (["a", "b"], 0.1, TypeError, "probs deve conter números reais"),
    ],
)
def test_inversao_entradas_ruins(probs, u, erro, trecho):
    with pytest.raises(erro, match=trecho):
        inverse_cdf_sample(probs, u)


# A distribuição de teste: pesos variados, um token de probabilidade 0 e um minúsculo
PROBS = np.array([0.3, 0.2, 0.15, 0.1, 0.1, 0.08, 0.05, 0.019, 0.001, 0.0])
N = 200_000
LIMIAR = 1e-3  # com o sorteio certo, p-valor < 0,001 em 0,1% das sementes (alarme falso)


def _p_valor(tokens):
    """Qui-quadrado de aderência das contagens a PROBS (o token de probabilidade 0 fica fora
    do teste, mas tem de ter contagem 0)."""
    contagem = np.bincount(np.ravel(tokens), minlength=PROBS.size)
    assert contagem.size == PROBS.size and contagem[-1] == 0
    return scipy.stats.chisquare(contagem[:-1], N * PROBS[:-1] / PROBS[:-1].sum()).pvalue


def por_inversao(rng):
    return inverse_cdf_sample(PROBS, rng.random(N))


def por_gumbel(rng):
    with np.errstate(divide="ignore"):
        return gumbel_max_sample(np.broadcast_to(np.log(PROBS), (N, PROBS.size)), rng)


# os erros plantados: cada um é um engano plausível
def _gumbel(rng, forma):
    return -np.log(rng.standard_exponential(forma))


def inversao_com_u_ao_quadrado(rng):  # um ruído que não é uniforme
    return inverse_cdf_sample(PROBS, rng.random(N) ** 2)


def inversao_sem_reescalar(rng):  # a acumulada de pesos sem normalizar (soma 2), sem F_V
    acumulada = np.cumsum(2 * PROBS)
    return np.minimum(np.searchsorted(acumulada, rng.random(N), side="right"), 9)


def gumbel_nas_probabilidades(rng):  # o ruído somado às probabilidades, não aos logits
    return np.argmax(PROBS + _gumbel(rng, (N, PROBS.size)), axis=-1)


def gumbel_com_o_sinal_trocado(rng):  # log E em vez de -log E
    with np.errstate(divide="ignore"):
        return np.argmax(np.log(PROBS) - _gumbel(rng, (N, PROBS.size)), axis=-1)


def gumbel_com_escala_errada(rng):  # 2·g: sorteia de softmax(x/2), uma temperatura escondida
    with np.errstate(divide="ignore"):
        return np.argmax(np.log(PROBS) + 2 * _gumbel(rng, (N, PROBS.size)), axis=-1)


@pytest.mark.parametrize("amostrador", [por_inversao, por_gumbel])
def test_inversao_e_gumbel_sorteiam_da_categorica(amostrador):
    assert _p_valor(amostrador(np.random.default_rng(2024))) > LIMIAR


def test_inversao_e_gumbel_sorteiam_da_mesma_distribuicao():
    # homogeneidade: as duas tabelas de contagens vêm da mesma categórica?
    a = np.bincount(por_inversao(np.random.default_rng(7)), minlength=PROBS.size)[:-1]
    b = np.bincount(por_gumbel(np.random.default_rng(8)), minlength=PROBS.size)[:-1]
    assert scipy.stats.chi2_contingency(np.stack([a, b])).pvalue > LIMIAR


@pytest.mark.parametrize(
    "errado",
    [
        inversao_com_u_ao_quadrado,
        inversao_sem_reescalar,
        gumbel_nas_probabilidades,
        gumbel_com_o_sinal_trocado,
        gumbel_com_escala_errada,
    ],
)
def test_o_teste_estatistico_pega_um_erro_plantado(errado):
    # o mesmo teste, com a mesma semente e o mesmo limiar, reprova cada engano com folga
    tokens = errado(np.random.default_rng(2024))
    contagem = np.bincount(tokens, minlength=PROBS.size)
    reprovado = contagem[-1] > 0 or _p_valor(tokens) < 1e-12
    assert reprovado


@pytest.mark.parametrize(
    "opcoes", [{}, dict(top_k=6, temperature=0.8), dict(typical_p=0.7), dict(eta_cutoff=0.02)]
)
def test_sample_por_gumbel_e_por_inversao_dao_a_mesma_distribuicao(opcoes):
    x = np.log(PROBS[:-1])
    n = 50_000
    a = sample(x, rng=np.random.default_rng(9), num_samples=n, **opcoes)
    b = sample(x, rng=np.random.default_rng(10), num_samples=n, metodo="gumbel", **opcoes)
    ca, cb = np.bincount(a, minlength=x.size), np.bincount(b, minlength=x.size)
    assert_array_equal(ca > 0, cb > 0)  # os mesmos tokens possíveis
    usados = ca > 0
    assert scipy.stats.chi2_contingency(np.stack([ca[usados], cb[usados]])).pvalue > LIMIAR


def test_penalidade_menor_que_1_que_estoura_tem_mensagem_propria():
    # 3e38 / 0,5 passa do maior float32: a mensagem diz que foi a penalidade, não a entrada
    x = np.array([3e38, 1.0], dtype=np.float32)
    with pytest.raises(ValueError, match=r"repetition_penalty = 0.5 \(< 1\) levou um logit"):
        sample(x, repetition_penalty=0.5, previous_ids=[0], rng=np.random.default_rng(0))
