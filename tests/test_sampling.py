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


TODAS = {
    "temperature": lambda x: temperature(x, 0.7),
    "top_k": lambda x: top_k(x, 2),
    "top_p": lambda x: top_p(x, 0.9),
    "min_p": lambda x: min_p(x, 0.1),
    "repetition_penalty": _penalidade,
    "greedy": greedy,
    "sample": lambda x: sample(x, rng=np.random.default_rng(0)),
}
# as que só dependem da ordem ou da aritmética de cada elemento aceitam +inf
ACEITAM_MAIS_INF = {"temperature", "top_k", "repetition_penalty", "greedy"}
PROCESSADORES = {"temperature", "top_k", "top_p", "min_p", "repetition_penalty"}


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
    assert_array_equal(mascarado.mask, mascara) and np.isnan(mascarado.data[0, 3])


def test_amostragem_nunca_sorteia_um_token_mascarado():
    x = np.ma.MaskedArray([0.0, 10.0, 0.0], mask=[False, True, False])
    tokens = sample(x, rng=np.random.default_rng(0), num_samples=500)
    assert set(np.unique(tokens)) == {0, 2}
    assert greedy(x) == 0


def test_penalidade_com_ids_mascarados_e_sequencias_de_comprimentos_diferentes():
    x = np.array([[2.0, -2.0, 1.0], [2.0, -2.0, 1.0]])
    ids = np.ma.MaskedArray([[0, 1], [2, 99]], mask=[[False, False], [False, True]])
    assert_array_equal(repetition_penalty(x, ids, 2.0), [[1.0, -4.0, 1.0], [2.0, -2.0, 0.5]])


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


@pytest.mark.parametrize("nome", ["temperature", "top_k", "top_p", "min_p", "repetition_penalty"])
def test_longdouble(nome):
    # os logits mantidos voltam exatamente, em longdouble (sem passar por float64)
    x = np.random.default_rng(0).normal(size=(2, 300)).astype(np.longdouble)
    x += np.finfo(np.longdouble).eps  # um bit que o float64 não guarda (onde há esse bit)
    saida = TODAS[nome](x)
    assert saida.dtype == np.longdouble
    if nome in ("top_k", "top_p", "min_p"):
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
