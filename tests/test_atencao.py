"""companion.atencao contra o torch 2.13: a atenção com máscaras (booleanas, aditivas, causal,
linhas inteiramente mascaradas, L ≠ S, broadcast de lote e de cabeças), a atenção por blocos,
o teto suave, a perda z e a softmax com um logit zero a mais, com os gradientes."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import companion
import tests.test_entradas_hostis as hostis
from companion import atencao
from companion.atencao import (
    blockwise_attention,
    scaled_dot_product_attention,
    softcap,
    softcap_backward,
    softmax_one,
    z_loss,
    z_loss_backward,
)
from tests.strategies import arrays

# a atenção soma produtos: em float32 o arredondamento da matmul pesa mais que numa softmax
TOL_ATENCAO = {
    np.dtype(np.float64): dict(rtol=1e-10, atol=1e-12),
    np.dtype(np.float32): dict(rtol=2e-5, atol=2e-6),
}


def _torch_sdpa(q, k, v, attn_mask=None, **opcoes):
    mascara = None if attn_mask is None else torch.from_numpy(np.asarray(attn_mask))
    with torch.no_grad():
        saida = F.scaled_dot_product_attention(
            torch.from_numpy(q),
            torch.from_numpy(k),
            torch.from_numpy(v),
            attn_mask=mascara,
            **opcoes,
        )
    return saida.numpy()


# ---------------------------------------------------------------------------------------------
# Estratégias: problemas de atenção com formatos, dtypes e máscaras variados


@st.composite
def formatos_de_lote(draw):
    """Formatos de lote de q, k e v que se combinam por broadcast (lote, cabeças; algum 1)."""
    base = draw(st.lists(st.integers(1, 3), min_size=0, max_size=2))
    formatos = []
    for _ in range(3):
        # cada um pode perder dimensões à esquerda ou ter 1 onde a base tem outro tamanho
        corte = draw(st.integers(0, len(base)))
        formato = [1 if draw(st.booleans()) else lado for lado in base[corte:]]
        formatos.append(tuple(formato))
    return formatos


@st.composite
def problemas_de_atencao(draw, com_mascara=True):
    dtype = np.dtype(draw(st.sampled_from([np.float64, np.float32])))
    lote_q, lote_k, lote_v = draw(formatos_de_lote())
    L, S = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    E, Ev = draw(st.integers(1, 5)), draw(st.integers(1, 4))
    elementos = st.floats(-3, 3, width=dtype.itemsize * 8)
    q = draw(hnp.arrays(dtype, lote_q + (L, E), elements=elementos))
    k = draw(hnp.arrays(dtype, lote_k + (S, E), elements=elementos))
    v = draw(hnp.arrays(dtype, lote_v + (S, Ev), elements=elementos))
    opcoes: dict = {}
    if draw(st.booleans()):
        opcoes["scale"] = draw(st.floats(0.05, 4.0))
    tipo = draw(st.sampled_from(["nenhuma", "bool", "float", "causal"])) if com_mascara else ""
    lote_escores = np.broadcast_shapes(lote_q, lote_k)
    if tipo == "causal":
        opcoes["is_causal"] = True
    elif tipo in ("bool", "float"):
        # a máscara pode omitir dimensões de lote, ou ter 1 em qualquer uma delas (e em L ou S)
        corte = draw(st.integers(0, len(lote_escores)))
        formato = tuple(1 if draw(st.booleans()) else n for n in lote_escores[corte:])
        formato += (
            1 if draw(st.integers(0, 4)) == 0 else L,
            1 if draw(st.integers(0, 4)) == 0 else S,
        )
        livre = draw(hnp.arrays(np.bool_, formato))
        if draw(st.booleans()) and formato[-2] > 1:  # força uma linha inteiramente mascarada
            livre[..., draw(st.integers(0, formato[-2] - 1)), :] = False
        if tipo == "bool":
            opcoes["attn_mask"] = livre
        else:
            # -inf onde bloqueia, e um viés finito onde deixa passar
            vies = draw(
                hnp.arrays(dtype, formato, elements=st.floats(-2, 2, width=dtype.itemsize * 8))
            )
            opcoes["attn_mask"] = np.where(livre, vies, -np.inf).astype(dtype)
    return q, k, v, opcoes


# ---------------------------------------------------------------------------------------------
# Paridade com o torch


@settings(max_examples=300, deadline=None)
@given(problemas_de_atencao())
def test_paridade_com_o_torch(problema):
    q, k, v, opcoes = problema
    obtido = scaled_dot_product_attention(q, k, v, **opcoes)
    esperado = _torch_sdpa(q, k, v, **opcoes)
    assert obtido.dtype == q.dtype and obtido.shape == esperado.shape
    np.testing.assert_allclose(obtido, esperado, **TOL_ATENCAO[q.dtype])


@settings(max_examples=200, deadline=None)
@given(problemas_de_atencao(), st.integers(1, 7))
def test_por_blocos_igual_a_direta(problema, bloco):
    q, k, v, opcoes = problema
    direta = scaled_dot_product_attention(q, k, v, **opcoes)
    por_blocos = blockwise_attention(q, k, v, bloco, **opcoes)
    assert por_blocos.dtype == direta.dtype and por_blocos.shape == direta.shape
    np.testing.assert_allclose(por_blocos, direta, **TOL_ATENCAO[q.dtype])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("forma", ["bool", "float", "float-linha", "sem-chaves"])
def test_linhas_inteiramente_mascaradas_dao_zero_como_no_torch(dtype, forma):
    # o torch 2.13 (_safe_softmax) devolve 0, e não nan, onde toda chave está mascarada
    rng = np.random.default_rng(9)
    q = rng.normal(size=(2, 3, 4)).astype(dtype)
    S = 0 if forma == "sem-chaves" else 5
    k, v = rng.normal(size=(2, S, 4)).astype(dtype), rng.normal(size=(2, S, 6)).astype(dtype)
    mascara = None
    if forma == "bool":
        mascara = np.ones((3, 5), bool)
        mascara[1] = False
    elif forma == "float":
        mascara = np.zeros((3, 5), dtype)
        mascara[1] = -np.inf
    elif forma == "float-linha":  # a máscara (L, 1): a linha 1 bloqueia tudo por broadcast
        mascara = np.zeros((3, 1), dtype)
        mascara[1] = -np.inf
    obtido = scaled_dot_product_attention(q, k, v, attn_mask=mascara)
    esperado = _torch_sdpa(q, k, v, attn_mask=mascara)
    assert np.all(np.isfinite(obtido))
    if S:
        assert np.all(obtido[:, 1] == 0) and np.all(obtido[:, [0, 2]] != 0)
    else:
        assert np.all(obtido == 0)
    np.testing.assert_allclose(obtido, esperado, **TOL_ATENCAO[np.dtype(dtype)])
    blocos = blockwise_attention(q, k, v, 2, attn_mask=mascara)
    np.testing.assert_allclose(blocos, esperado, **TOL_ATENCAO[np.dtype(dtype)])


@pytest.mark.parametrize("L, S", [(5, 3), (3, 5), (4, 4), (1, 6), (6, 1)])
def test_causal_retangular_alinhada_no_canto_superior_esquerdo(L, S):
    # is_causal no torch: tril(ones(L, S)), a consulta i atende às chaves j <= i; com L > S as
    # consultas i >= S atendem a todas as chaves (nenhuma linha fica vazia)
    rng = np.random.default_rng(L * 10 + S)
    q, k, v = rng.normal(size=(L, 3)), rng.normal(size=(S, 3)), rng.normal(size=(S, 2))
    obtido = scaled_dot_product_attention(q, k, v, is_causal=True)
    np.testing.assert_allclose(obtido, _torch_sdpa(q, k, v, is_causal=True), rtol=1e-12, atol=1e-14)
    tril = np.tril(np.ones((L, S), bool))
    np.testing.assert_allclose(
        obtido, scaled_dot_product_attention(q, k, v, attn_mask=tril), rtol=1e-13, atol=0
    )
    np.testing.assert_allclose(blockwise_attention(q, k, v, 2, is_causal=True), obtido, rtol=1e-12)


def test_mascara_float32_com_q_float64_e_float16():
    rng = np.random.default_rng(3)
    q, k, v = (rng.normal(size=(3, 4)) for _ in range(3))
    mascara = np.triu(np.full((3, 3), -np.inf, np.float32), 1)
    np.testing.assert_allclose(
        scaled_dot_product_attention(q, k, v, attn_mask=mascara),
        _torch_sdpa(q, k, v, attn_mask=mascara),
        rtol=1e-12,
    )
    h = [a.astype(np.float16) for a in (q, k, v)]
    saida = scaled_dot_product_attention(*h, attn_mask=mascara)
    assert saida.dtype == np.float16
    np.testing.assert_allclose(saida, _torch_sdpa(*h, attn_mask=mascara), rtol=2e-3, atol=2e-3)


def test_nan_e_inf_se_propagam_como_no_torch():
    q = np.array([[1e200, 0.0], [1.0, 0.0], [np.nan, 0.0]])
    k = np.array([[1e200, 0.0], [1.0, 0.0]])
    v = np.array([[1.0, 2.0], [3.0, 4.0]])
    mascara = np.zeros((3, 2))
    mascara[1, 0] = np.inf
    obtido = scaled_dot_product_attention(q, k, v, attn_mask=mascara)
    np.testing.assert_array_equal(
        np.isnan(obtido), np.isnan(_torch_sdpa(q, k, v, attn_mask=mascara))
    )
    assert np.all(np.isnan(obtido))  # +inf no escore (duas linhas) e nan na consulta


def test_sem_dimensao_E_a_atencao_e_uniforme():
    # E = 0: os escores são somas vazias, e o torch dá a média dos valores
    v = np.arange(8.0).reshape(4, 2)
    obtido = scaled_dot_product_attention(np.zeros((3, 0)), np.zeros((4, 0)), v)
    np.testing.assert_allclose(obtido, _torch_sdpa(np.zeros((3, 0)), np.zeros((4, 0)), v))
    np.testing.assert_allclose(obtido, np.tile(v.mean(0), (3, 1)))


def test_nenhuma_consulta():
    saida = scaled_dot_product_attention(
        np.zeros((2, 0, 3)), np.ones((2, 4, 3)), np.ones((2, 4, 5))
    )
    assert saida.shape == (2, 0, 5)


def test_entradas_nao_sao_alteradas_e_listas_valem():
    rng = np.random.default_rng(5)
    q, k, v = rng.normal(size=(2, 3)), rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    mascara = rng.random((2, 4)) > 0.3
    copias = [a.copy() for a in (q, k, v, mascara)]
    saida = scaled_dot_product_attention(q, k, v, attn_mask=mascara)
    for a, b in zip((q, k, v, mascara), copias, strict=True):
        np.testing.assert_array_equal(a, b)
    lista = scaled_dot_product_attention(q.tolist(), k.tolist(), v.tolist(), mascara.tolist())
    np.testing.assert_array_equal(lista, saida)


# ---------------------------------------------------------------------------------------------
# Entradas ruins: ValueError/TypeError em português que nomeia o parâmetro

Q, K, V = np.zeros((2, 3)), np.zeros((4, 3)), np.zeros((4, 5))


@pytest.mark.parametrize(
    "argumentos, erro, trecho",
    [
        (dict(q=np.zeros(3)), ValueError, r"q deve ter pelo menos 2 dimensões.*\(3,\)"),
        (dict(k=np.zeros(3)), ValueError, r"k deve ter pelo menos 2 dimensões"),
        (dict(k=np.zeros((4, 2))), ValueError, r"k deve ter a última dimensão .* igual à de q"),
        (dict(v=np.zeros((3, 5))), ValueError, r"k e v devem ter o mesmo número de chaves S"),
        (
            dict(q=np.zeros((2, 2, 3)), k=np.zeros((3, 4, 3)), v=np.zeros((3, 4, 5))),
            ValueError,
            r"dimensões de lote .* broadcast",
        ),
        (dict(q=Q.astype(np.float32)), TypeError, r"q, k e v devem ter o mesmo dtype"),
        (
            dict(attn_mask=np.ones((2, 5), bool)),
            ValueError,
            r"attn_mask deve ter um formato .*\(2, 4\)",
        ),
        (dict(attn_mask=np.ones((3, 2, 4), bool)), ValueError, r"attn_mask .*sem aumentá-lo"),
        (
            dict(attn_mask=np.ones((2, 4), int)),
            TypeError,
            r"attn_mask deve ser booleana .*inteiros",
        ),
        (dict(attn_mask="abc"), TypeError, r"attn_mask deve conter números reais"),
        (
            dict(attn_mask=np.ones((2, 4), bool), is_causal=True),
            ValueError,
            r"attn_mask e is_causal",
        ),
        (dict(is_causal=1), TypeError, r"is_causal deve ser True ou False"),
        (dict(is_causal="sim"), TypeError, r"is_causal deve ser True ou False"),
        (dict(scale=0.0), ValueError, r"scale deve ser um número finito maior que zero"),
        (dict(scale=-1.0), ValueError, r"scale deve ser um número finito maior que zero"),
        (dict(scale=np.nan), ValueError, r"scale deve ser um número finito"),
        (dict(scale="2"), TypeError, r"scale deve ser um número real"),
        (dict(q="abc"), TypeError, r"q deve conter números reais"),
        (dict(v=[[1.0, 2.0], [3.0]]), ValueError, r"v deve ser um array retangular"),
    ],
)
@pytest.mark.parametrize("funcao", ["direta", "por_blocos"])
def test_entradas_ruins(argumentos, erro, trecho, funcao):
    chamada = {"q": Q, "k": K, "v": V, **argumentos}
    with pytest.raises(erro, match=trecho):
        if funcao == "direta":
            scaled_dot_product_attention(**chamada)
        else:
            blockwise_attention(block_size=2, **chamada)


@pytest.mark.parametrize("bloco, erro", [(0, ValueError), (2.0, TypeError), (True, TypeError)])
def test_block_size_ruim(bloco, erro):
    with pytest.raises(erro, match="block_size deve ser um inteiro positivo"):
        blockwise_attention(Q, K, V, bloco)


def test_por_blocos_pula_os_blocos_mascarados(monkeypatch):
    # com is_causal, os blocos de chaves à direita da última consulta nem são lidos
    contagem = {"exp": 0}
    exp = np.exp

    def contando(x, *a, **kw):
        contagem["exp"] += 1
        return exp(x, *a, **kw)

    rng = np.random.default_rng(1)
    q, k, v = rng.normal(size=(4, 3)), rng.normal(size=(16, 3)), rng.normal(size=(16, 2))
    monkeypatch.setattr(atencao.np, "exp", contando)
    blockwise_attention(q, k, v, 4, is_causal=True)
    causal = contagem["exp"]
    contagem["exp"] = 0
    blockwise_attention(q, k, v, 4)
    assert causal * 4 == contagem["exp"]  # 1 bloco de 4 lido, e não 4


# ---------------------------------------------------------------------------------------------
# O teto suave, a perda z e a softmax com um zero a mais


@settings(max_examples=150, deadline=None)
@given(arrays(extremos=False), st.floats(0.5, 100.0))
def test_softcap_paridade(x, cap):
    obtido = softcap(x, cap)
    esperado = (cap * torch.tanh(torch.from_numpy(x) / cap)).numpy()
    assert obtido.dtype == x.dtype
    rtol = 1e-12 if x.dtype == np.float64 else 2e-6
    np.testing.assert_allclose(obtido, esperado, rtol=rtol, atol=1e-30)
    assert np.all(np.abs(obtido) <= cap)


def test_softcap_extremos():
    np.testing.assert_array_equal(softcap([np.inf, -np.inf, 0.0], 5.0), [5.0, -5.0, 0.0])
    assert np.isnan(softcap([np.nan], 5.0)[0])
    assert softcap(np.ones(2, np.float16), 5.0).dtype == np.float16


def _z_torch(x, coef, reducao):
    lse = torch.logsumexp(torch.from_numpy(x), dim=-1)
    perdas = coef * lse**2
    return {"mean": perdas.mean(), "sum": perdas.sum(), "none": perdas}[reducao]


@settings(max_examples=150, deadline=None)
@given(arrays(extremos=False), st.sampled_from(["mean", "sum", "none"]), st.floats(1e-5, 1.0))
def test_z_loss_paridade(x, reducao, coef):
    obtido = z_loss(x, coef=coef, reduction=reducao)
    esperado = _z_torch(x, coef, reducao).numpy()
    assert obtido.dtype == x.dtype and obtido.shape == esperado.shape
    rtol = 1e-11 if x.dtype == np.float64 else 5e-6
    # o log Z do torch tem erro absoluto de alguns eps na escala de x (o do companion, com
    # log1p, é relativo): quando log Z é quase 0, a diferença é absoluta
    eps = np.finfo(x.dtype).eps
    atol = 8 * eps * coef * (1 + float(np.abs(x).max())) ** 2
    np.testing.assert_allclose(obtido, esperado, rtol=rtol, atol=atol)


def test_z_loss_exata_quando_log_z_e_quase_zero():
    # log Z = log(1 + e^{-14}) ≈ 8,3e-7: m + log(Σ e^{x - m}) perde dígitos; log1p, não
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 40
    exato = float(mpmath.log(1 + mpmath.exp(-14)) ** 2)
    assert z_loss([[0.0, -14.0]], coef=1.0) == pytest.approx(exato, rel=1e-14)


@settings(max_examples=100, deadline=None)
@given(
    arrays(dtypes=(np.float64,), extremos=False, max_dims=3),
    st.sampled_from(["mean", "sum", "none"]),
)
def test_z_loss_backward_contra_o_autograd(x, reducao):
    coef = 1e-2
    xt = torch.from_numpy(x.copy()).requires_grad_()
    perda = coef * torch.logsumexp(xt, dim=-1) ** 2
    perda = {"mean": perda.mean(), "sum": perda.sum(), "none": perda}[reducao]
    g = np.linspace(-1, 2, perda.numel()).reshape(perda.shape) if reducao == "none" else 1.5
    perda.backward(torch.as_tensor(g, dtype=torch.float64))
    obtido = z_loss_backward(x, coef=coef, reduction=reducao, grad_output=g)
    # o torch calcula log Z como m + log(Σ e^{x - m}) e perde dígitos relativos quando log Z é
    # quase 0; o companion usa log1p (como o SciPy): a diferença é absoluta, na escala de x
    escala = 2 * coef * (1 + np.abs(x).max()) * max(1.0, np.abs(g).max())
    np.testing.assert_allclose(obtido, xt.grad.numpy(), rtol=1e-10, atol=1e-15 * escala)


@settings(max_examples=100, deadline=None)
@given(arrays(dtypes=(np.float64,), extremos=False), st.floats(0.5, 60.0))
def test_softcap_backward_contra_o_autograd(x, cap):
    xt = torch.from_numpy(x.copy()).requires_grad_()
    g = np.cos(np.arange(x.size)).reshape(x.shape)
    (cap * torch.tanh(xt / cap)).backward(torch.from_numpy(g))
    # o torch usa 1 - tanh², que perde os dígitos relativos quando tanh ≈ ±1 (erro absoluto de
    # um eps); o companion usa sech², exato também ali
    obtido = softcap_backward(x, g, cap)
    np.testing.assert_allclose(obtido, xt.grad.numpy(), rtol=1e-12, atol=4e-16)


@pytest.mark.parametrize("x", [7.0, 20.0, 300.0, -40.0])
def test_softcap_backward_exato_perto_do_teto(x):
    # sech²(x) = 4 / (e^x + e^{-x})²: com mpmath, 30 dígitos
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 30
    exato = float(mpmath.sech(mpmath.mpf(x)) ** 2)
    np.testing.assert_allclose(softcap_backward([x], [1.0], 1.0), [exato], rtol=1e-14)


@pytest.mark.parametrize("reducao", ["mean", "sum"])
def test_check_grad_das_duas(reducao):
    x = np.random.default_rng(4).normal(scale=3.0, size=(3, 5))
    assert companion.check_grad(
        lambda a: float(z_loss(a, coef=0.1, reduction=reducao)),
        lambda a: z_loss_backward(a, coef=0.1, reduction=reducao),
        x,
    )
    g = np.random.default_rng(5).normal(size=x.shape)
    assert companion.check_grad(
        lambda a: float(np.sum(softcap(a, 4.0) * g)), lambda a: softcap_backward(a, g, 4.0), x
    )


def test_check_grad_pega_um_gradiente_errado():
    # o teste acima pode falhar: um gradiente sem o fator 2 é recusado
    x = np.random.default_rng(4).normal(size=(2, 3))
    assert not companion.check_grad(
        lambda a: float(z_loss(a, coef=0.1)), lambda a: z_loss_backward(a, coef=0.1) / 2, x
    )


@pytest.mark.parametrize(
    "chamada, erro, trecho",
    [
        (lambda: softcap([1.0], 0.0), ValueError, "cap deve ser um número finito maior que zero"),
        (lambda: softcap([1.0], np.inf), ValueError, "cap deve ser um número finito"),
        (lambda: softcap([1.0], None), TypeError, "cap deve ser um número real"),
        (lambda: softcap("a", 1.0), TypeError, "x deve conter números reais"),
        (
            lambda: softcap_backward([1.0, 2.0], [1.0], 1.0),
            ValueError,
            "grad_y deve ter o formato de x",
        ),
        (lambda: z_loss(3.0), ValueError, "logits deve ter pelo menos uma classe"),
        (lambda: z_loss(np.zeros((2, 0))), ValueError, "logits deve ter pelo menos uma classe"),
        (lambda: z_loss([1.0], coef=-1.0), ValueError, "coef deve ser um número finito maior"),
        (lambda: z_loss([1.0], reduction="media"), ValueError, "reduction deve ser 'mean'"),
        (
            lambda: z_loss_backward([[1.0]], grad_output=[1.0, 2.0]),
            ValueError,
            "grad_output deve ser um escalar",
        ),
        (
            lambda: z_loss_backward(np.zeros((2, 3)), reduction="none", grad_output=np.ones(3)),
            ValueError,
            r"grad_output deve ter o formato da perda, \(2,\)",
        ),
        (lambda: softmax_one([1.0], axis=1), ValueError, "axis fora do intervalo"),
    ],
)
def test_entradas_ruins_dos_truques(chamada, erro, trecho):
    with pytest.raises(erro, match=trecho):
        chamada()


def test_z_loss_de_nenhuma_linha_e_nan_como_no_torch():
    assert np.isnan(z_loss(np.zeros((0, 3))))
    assert z_loss(np.zeros((0, 3)), reduction="sum") == 0


@settings(max_examples=150, deadline=None)
@given(arrays())
def test_softmax_one_e_a_softmax_com_um_zero_a_mais(x):
    xt = torch.from_numpy(x)
    com_zero = torch.cat([xt, torch.zeros(x.shape[:-1] + (1,), dtype=xt.dtype)], dim=-1)
    esperado = torch.softmax(com_zero, dim=-1)[..., :-1].numpy()
    obtido = softmax_one(x)
    assert obtido.dtype == x.dtype
    rtol = 1e-12 if x.dtype == np.float64 else 1e-6
    np.testing.assert_allclose(
        obtido, esperado, rtol=rtol, atol=1e-300 if x.dtype == np.float64 else 1e-37
    )
    assert np.all(obtido.sum(-1) <= 1 + 1e-6)


def test_softmax_one_guarda_os_subnormais():
    # m = max(0, max x): o zero extra entra no máximo, e e^{-m} nunca estoura
    assert softmax_one([-720.0])[0] == np.exp(-720.0) > 0


def test_softmax_one_extremos():
    assert float(softmax_one(0.0)) == 0.5  # 0-d: e^0 / (1 + e^0), a sigmoide
    e = np.exp([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_allclose(softmax_one(np.log(e), axis=0), e / (1 + e.sum(0)), rtol=1e-15)
    assert np.all(np.isnan(softmax_one([np.inf, 1.0])))
    np.testing.assert_array_equal(softmax_one([-np.inf, -np.inf]), [0.0, 0.0])


# ---------------------------------------------------------------------------------------------
# As entradas hostis (issue 12, §7), pela mesma tabela de tests/test_entradas_hostis.py

RNG = np.random.default_rng(15)
FUNCOES = [
    hostis.Funcao(
        "scaled_dot_product_attention",
        scaled_dot_product_attention,
        {
            "q": RNG.normal(size=(3, 4)),
            "k": RNG.normal(size=(5, 4)),
            "v": RNG.normal(size=(5, 2)),
            "attn_mask": RNG.random((3, 5)) > 0.3,
        },
        ("q", "k", "v", "attn_mask"),
        opcionais=("attn_mask",),
    ),
    hostis.Funcao(
        "blockwise_attention",
        lambda q, k, v: blockwise_attention(q, k, v, 2),
        {"q": RNG.normal(size=(3, 4)), "k": RNG.normal(size=(5, 4)), "v": RNG.normal(size=(5, 2))},
        ("q", "k", "v"),
    ),
    hostis.Funcao("softcap", lambda x: softcap(x, 3.0), {"x": hostis.X}, ("x",)),
    hostis.Funcao(
        "softcap_backward",
        lambda x, grad_y: softcap_backward(x, grad_y, 3.0),
        {"x": hostis.X, "grad_y": hostis.X},
        ("x", "grad_y"),
    ),
    hostis.Funcao("z_loss", z_loss, {"logits": hostis.X}, ("logits",)),
    hostis.Funcao("z_loss_backward", z_loss_backward, {"logits": hostis.X}, ("logits",)),
    hostis.Funcao("softmax_one", softmax_one, {"x": hostis.X}, ("x",)),
]


def _casos(tabela, campo="arrays"):
    return [
        pytest.param(f, nome, entrada, id=f"{f.nome}-{nome}-{entrada}")
        for f in FUNCOES
        for nome in getattr(f, campo)
        for entrada in tabela
    ]


def _valido(funcao, nome, entrada_transformada):
    # a máscara booleana só aceita entradas booleanas ou de ponto flutuante: o que vale para
    # os outros arrays vale para ela a partir do valor em float (0 = passa, -inf = bloqueia)
    base = funcao.validos[nome]
    if nome == "attn_mask":
        base = np.where(base, 0.0, -30.0)
    return entrada_transformada(base)


@pytest.mark.parametrize("funcao", FUNCOES, ids=lambda f: f.nome)
def test_hostis_chamada_valida(funcao):
    resultado, erro = hostis._rodar(funcao, dict(funcao.validos))
    assert erro is None, erro
    assert not np.any(np.isnan(hostis._como_numpy(resultado)))


@pytest.mark.parametrize("funcao, nome, entrada", _casos(hostis.EQUIVALENTES))
def test_hostis_equivalentes(funcao, nome, entrada):
    if nome == "attn_mask" and entrada == "tensor-requires-grad":
        pytest.skip("um tensor booleano não pode ter requires_grad")
    base, _ = hostis._rodar(funcao, dict(funcao.validos))
    argumentos = {**funcao.validos, nome: hostis.EQUIVALENTES[entrada](funcao.validos[nome])}
    resultado, erro = hostis._rodar(funcao, argumentos)
    assert erro is None, erro
    np.testing.assert_allclose(hostis._como_numpy(resultado), hostis._como_numpy(base), rtol=1e-12)


@pytest.mark.parametrize("funcao, nome, entrada", _casos(hostis.RECUSADAS))
def test_hostis_recusadas_em_portugues(funcao, nome, entrada):
    argumentos = {**funcao.validos, nome: _valido(funcao, nome, hostis.RECUSADAS[entrada])}
    resultado, erro = hostis._rodar(funcao, argumentos)
    assert erro is not None, f"{funcao.nome}({nome}={entrada}) devolveu {resultado!r}"
    hostis._assert_erro_em_portugues(funcao, nome, erro)


@pytest.mark.parametrize("funcao, nome, entrada", _casos(hostis.QUAISQUER))
def test_hostis_incomuns(funcao, nome, entrada):
    argumentos = {**funcao.validos, nome: _valido(funcao, nome, hostis.QUAISQUER[entrada])}
    resultado, erro = hostis._rodar(funcao, argumentos)
    if erro is not None:
        hostis._assert_erro_em_portugues(funcao, nome, erro)
        return
    assert entrada != "mascarado", "um array mascarado deve ser recusado"


def test_hostis_opcional_aceita_none():
    _, erro = hostis._rodar(FUNCOES[0], {**FUNCOES[0].validos, "attn_mask": None})
    assert erro is None
