"""Testes de companion.perdas: paridade com torch.nn.functional em toda combinação de opções."""

from __future__ import annotations

import warnings

import mpmath
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_allclose, assert_array_equal

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


# ---------------------------------------------------------------------------------------------
# Mais exato que o torch onde o SciPy é (issue 12, §6)

mpmath.mp.dps = 50


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-15), (np.float32, 1e-6)])
def test_entropia_cruzada_do_exemplo_certo_e_exata(dtype, rtol):
    # -log softmax([0, -40])_0 = log(1 + e^{-40}) ≈ 4,25e-18; o torch dá 0
    exato = float(mpmath.log1p(mpmath.exp(-40)))
    x = np.array([[0.0, -40.0], [-40.0, 0.0]], dtype=dtype)
    for nome, obtido in [
        ("índices", cross_entropy(x, np.array([0, 1]), reduction="none")),
        ("(C,)", [cross_entropy(x[0], np.array(0))]),
        ("(N, C, d)", cross_entropy(x.T[None], np.array([[0, 1]]), reduction="none")[0]),
        ("probabilidades", cross_entropy(x, np.eye(2, dtype=dtype), reduction="none")),
        ("nll_loss", nll_loss(log_softmax(x), np.array([0, 1]), reduction="none")),
    ]:
        assert_allclose(obtido, exato, rtol=rtol, atol=0, err_msg=nome)
    assert F.cross_entropy(t(x), t(np.array([0, 1]))).item() == 0.0


@given(st.floats(-700, -1), st.floats(0.0, 1.0), st.floats(0.1, 10.0))
def test_bce_com_logits_relativamente_exata(x, y, pw):
    # ℓ = pw·y·softplus(-x) + (1 - y)·softplus(x): dois termos >= 0, sem cancelamento
    with mpmath.workdps(60):
        X, Y = mpmath.mpf(x), mpmath.mpf(y)
        exato = pw * Y * mpmath.log1p(mpmath.exp(-X)) + (1 - Y) * mpmath.log1p(mpmath.exp(X))
        for sinal in (1, -1):  # x e -x: o exemplo certo e o errado
            obtido = binary_cross_entropy_with_logits(
                np.array([sinal * x]), np.array([y]), pos_weight=np.array([pw])
            )
            ref = exato if sinal == 1 else (
                pw * Y * mpmath.log1p(mpmath.exp(X)) + (1 - Y) * mpmath.log1p(mpmath.exp(-X))
            )
            if ref == 0:
                assert obtido == 0
                continue
            assert abs((mpmath.mpf(float(obtido)) - ref) / ref) <= 8 * np.finfo(float).eps


def test_bce_com_logits_no_exemplo_certo():
    # y = 0 e x = -40: (1 - y)·x - log σ(x) = -40 + 40 = 0; o valor certo é log1p(e^{-40})
    assert binary_cross_entropy_with_logits(np.array([-40.0]), np.array([0.0])) == pytest.approx(
        4.248354255291589e-18, rel=1e-15
    )
    assert F.binary_cross_entropy_with_logits(t([-40.0]), t([0.0])).item() == 0.0


# ---------------------------------------------------------------------------------------------
# Zero classes: o que o torch 2.13 dá em cada redução


def _torch_ou_erro(f):
    try:
        return f().numpy()
    except (RuntimeError, IndexError, ValueError) as erro:
        return erro


@pytest.mark.parametrize("reducao", ["mean", "sum", "none"])
@pytest.mark.parametrize("eps", [0.0, 0.1])
@pytest.mark.parametrize(
    "formato, alvo",
    [
        ((3, 0), np.full(3, -100)),  # só alvos ignorados
        ((0, 0), np.zeros(0, dtype=np.int64)),
        ((0,), np.array(-100)),
        ((3, 0), np.zeros((3, 0))),  # probabilidades
        ((0, 3), np.zeros(0, dtype=np.int64)),  # zero exemplos
        ((0, 3), np.zeros((0, 3))),
    ],
)
def test_zero_classes_como_no_torch(formato, alvo, eps, reducao):
    x = np.zeros(formato)
    esperado = F.cross_entropy(t(x), t(alvo), reduction=reducao, label_smoothing=eps).numpy()
    obtido = cross_entropy(x, alvo, reduction=reducao, label_smoothing=eps)
    assert np.shape(obtido) == esperado.shape
    assert_array_equal(obtido, esperado)
    if alvo.dtype.kind == "i" and eps == 0:
        esperado = F.nll_loss(t(x), t(alvo), reduction=reducao).numpy() if x.ndim > 1 else None
        if esperado is not None:
            assert_array_equal(nll_loss(x, alvo, reduction=reducao), esperado)


def test_zero_classes_com_alvo_de_classe():
    # o torch dá IndexError ("Target 0 is out of bounds"); aqui, o ValueError de sempre
    with pytest.raises(
        ValueError, match=r"target fora do intervalo .*logits tem 0 classes \(formato \(3, 0\)\)"
    ):
        cross_entropy(np.zeros((3, 0)), np.zeros(3, dtype=np.int64))


# ---------------------------------------------------------------------------------------------
# Parâmetros conferidos como no torch (issue 12, §2 e §3)


@pytest.mark.parametrize("valor", [1.5, True, None, "0", np.float64(1.0)])
def test_ignore_index_precisa_ser_inteiro(valor):
    with pytest.raises(TypeError):
        F.cross_entropy(torch.zeros(2, 3), torch.zeros(2, dtype=torch.long), ignore_index=valor)
    for funcao in (cross_entropy, nll_loss):
        with pytest.raises(TypeError, match=r"ignore_index deve ser um inteiro \(como no torch\)"):
            funcao(np.zeros((2, 3)), np.array([0, 1]), ignore_index=valor)


def test_ignore_index_inteiros_do_numpy_e_enormes():
    assert_allclose(
        cross_entropy(np.zeros((2, 3)), np.array([0, 1]), ignore_index=np.int64(1)),
        np.log(3.0),
    )
    with pytest.raises(ValueError, match=r"ignore_index deve caber num inteiro de 64 bits"):
        cross_entropy(np.zeros((2, 3)), np.array([0, 1]), ignore_index=2**70)


@pytest.mark.parametrize("alvo", [[1.5, 0.0], [-0.5, 0.0], [np.nan, 0.0], [np.inf, 0.0]])
def test_bce_recusa_alvos_fora_de_0_1_como_o_torch(alvo):
    p = np.array([0.5, 0.5])
    with pytest.raises(RuntimeError, match="target should be between 0 and 1"):
        F.binary_cross_entropy(t(p), t(alvo))
    with pytest.raises(ValueError, match=r"target deve estar em \[0, 1\], como no torch; recebido"):
        binary_cross_entropy(p, np.array(alvo))
    # a partir de logits, o torch não confere os alvos; o companion também não (mesmo valor,
    # salvo o alvo infinito: nan aqui, -inf no torch; documentado)
    obtido = binary_cross_entropy_with_logits(p, np.array(alvo))  # sem RuntimeWarning
    esperado = F.binary_cross_entropy_with_logits(t(p), t(alvo)).item()
    assert_allclose(obtido, np.nan if np.isinf(esperado) else esperado, rtol=1e-12)


@pytest.mark.parametrize("nome", ["weight", "pos_weight"])
def test_pesos_binarios_maiores_que_a_entrada_sao_recusados(nome):
    x, y = np.zeros(2), np.array([0.0, 1.0])
    with pytest.raises(RuntimeError):  # o torch também recusa
        F.binary_cross_entropy_with_logits(t(x), t(y), reduction="none", **{nome: torch.ones(3, 2)})
    with pytest.raises(
        ValueError,
        match=rf"{nome} deve ter um formato que se expanda \(broadcast\) até o da entrada, "
        r"\(2,\); recebido formato \(3, 2\)",
    ):
        binary_cross_entropy_with_logits(x, y, reduction="none", **{nome: np.ones((3, 2))})
    if nome == "weight":
        with pytest.raises(ValueError, match=r"weight deve ter um formato que se expanda"):
            binary_cross_entropy(np.full(2, 0.5), y, weight=np.ones((3, 2)))


def test_alvos_irregulares_mascarados_e_tensores():
    x = np.zeros((2, 3))
    with pytest.raises(ValueError, match=r"target deve ser um array retangular"):
        cross_entropy(np.zeros((2, 2, 3)), [[0, 1], [2]])
    with pytest.raises(TypeError, match=r"target é um array mascarado"):
        cross_entropy(x, np.ma.array([0, 1], mask=[0, 1]))
    with pytest.raises(TypeError, match=r"target é um array mascarado"):
        binary_cross_entropy_with_logits(x, np.ma.zeros((2, 3)))
    with pytest.raises(TypeError, match=r"logits é um array mascarado"):
        binary_cross_entropy_with_logits(np.ma.zeros((2, 3)), x)
    with pytest.raises(TypeError, match=r"weight é um array mascarado"):
        cross_entropy(x, np.array([0, 1]), weight=np.ma.ones(3))
    # logits mascarados: a classe mascarada tem logit -inf (a regra do pacote)
    mascarados = np.ma.array(np.zeros((2, 3)), mask=[[0, 0, 1], [0, 0, 0]])
    assert_allclose(
        cross_entropy(mascarados, np.array([0, 1]), reduction="none"), [np.log(2), np.log(3)]
    )
    assert_array_equal(
        nll_loss(mascarados, np.array([2, 1]), reduction="none"), [np.inf, 0.0]
    )
    # tensores do torch (com requires_grad, ou bfloat16) são convertidos
    esperado = cross_entropy(x, np.array([0, 2]))
    logits = torch.zeros(2, 3, requires_grad=True, dtype=torch.float64)
    assert_array_equal(cross_entropy(logits, torch.tensor([0, 2])), esperado)
    assert cross_entropy(torch.zeros(2, 3, dtype=torch.bfloat16), [0, 2]).dtype == np.float32
    with pytest.raises(ValueError, match=r"target contém um inteiro grande demais"):
        cross_entropy(x, [10**400, 1])


@pytest.mark.parametrize(
    "linha",
    [[np.inf, 1.0, 0.0], [1.0, np.inf, 0.0], [-np.inf, -np.inf, -np.inf], [np.nan, 0.0, 1.0],
     [0.0, -np.inf, 1.0], [np.inf, np.inf, 0.0]],
)
@pytest.mark.parametrize("alvo", [0, 1, 2])
@pytest.mark.parametrize("formato", ["(C,)", "(N, C)", "(N, C, d)"])
def test_entropia_cruzada_com_logits_nao_finitos_como_no_torch(linha, alvo, formato):
    # um +inf na linha dá nan (mesmo fora do alvo); um -inf no alvo dá inf
    x = np.array(linha)
    y = np.array(alvo)
    if formato == "(N, C)":
        x, y = x[None], y[None]
    elif formato == "(N, C, d)":
        x, y = x[None, :, None], y[None, None]
    esperado = F.cross_entropy(t(x), t(y), reduction="none").numpy()
    assert_array_equal(cross_entropy(x, y, reduction="none"), esperado)


def test_suavizacao_com_inteiro_enorme():
    with pytest.raises(ValueError, match=r"label_smoothing deve estar entre 0 e 1; recebido 1000"):
        cross_entropy(np.zeros((2, 3)), np.array([0, 1]), label_smoothing=10**400)


@pytest.mark.parametrize("peso", [np.inf, -np.inf, np.nan])
def test_peso_infinito_como_no_torch_sem_aviso(peso):
    # o autouse acima transforma qualquer RuntimeWarning em erro
    x, y = np.array([[1.0, 2.0, 0.5]]), np.array([0])
    w = np.array([peso, 1.0, 1.0])
    for reducao in ("mean", "sum", "none"):
        esperado = F.cross_entropy(t(x), t(y), weight=t(w), reduction=reducao).numpy()
        assert_array_equal(cross_entropy(x, y, weight=w, reduction=reducao), esperado)
