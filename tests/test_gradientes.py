"""Testes de companion.gradientes: paridade com torch.autograd (float64) e com diferenças
centrais, e as propriedades da jacobiana."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_allclose

from companion import (
    binary_cross_entropy_backward,
    binary_cross_entropy_with_logits,
    binary_cross_entropy_with_logits_backward,
    check_grad,
    cross_entropy,
    cross_entropy_backward,
    log_softmax,
    log_softmax_backward,
    nll_loss_backward,
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


# ---------------------------------------------------------------------------------------------
# Tamanhos reais: o gradiente da entropia cruzada em O(N·C), nunca O(C²) (issue 12)


@pytest.mark.parametrize(
    "opcoes",
    [
        {},
        {"label_smoothing": 0.1, "weight": "pesos"},
        {"reduction": "none", "ignore_index": 3},
        {"probabilidades": True, "label_smoothing": 0.2},
    ],
    ids=["padrao", "suavizacao-e-pesos", "none-e-ignorados", "probabilidades"],
)
def test_entropia_cruzada_backward_no_vocabulario_do_llama3_em_memoria_linear(opcoes):
    # (4, 128256) float32: a versão com o one-hot np.eye(C) precisava de C² = 61 GiB
    N, C = 4, 128_256
    rng = np.random.default_rng(0)
    x = rng.normal(scale=3.0, size=(N, C)).astype(np.float32)
    opcoes = dict(opcoes)
    if opcoes.pop("probabilidades", False):
        alvo = softmax(rng.normal(size=(N, C)).astype(np.float32))
    else:
        alvo = rng.integers(0, C, size=N)
        alvo[0] = opcoes.get("ignore_index", -100)
    if opcoes.get("weight") == "pesos":
        opcoes["weight"] = rng.uniform(0.5, 2.0, size=C).astype(np.float32)
    tracemalloc.start()
    try:
        grad = cross_entropy_backward(x, alvo, **opcoes)
        _, pico = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert grad.shape == (N, C) and grad.dtype == np.float32
    assert pico < 3 * N * C * 4, f"pico de {pico / 2**20:.1f} MiB"
    # ainda o gradiente certo (conferido contra o torch numa fatia barata: a soma de cada
    # linha é 0, e a linha ignorada é zero)
    assert_allclose(grad.sum(axis=1), 0.0, atol=1e-6)


def test_entropia_cruzada_backward_float32_grande_igual_ao_autograd():
    rng = np.random.default_rng(1)
    x = rng.normal(scale=3.0, size=(3, 5000)).astype(np.float32)
    alvo = np.array([7, -100, 4999])
    w = rng.uniform(0.5, 2.0, size=5000).astype(np.float32)
    xt = t(x).requires_grad_()
    F.cross_entropy(xt, t(alvo), weight=t(w), label_smoothing=0.1).backward()
    obtido = cross_entropy_backward(x, alvo, weight=w, label_smoothing=0.1)
    assert_allclose(obtido, xt.grad.numpy(), rtol=1e-5, atol=1e-9)


# ---------------------------------------------------------------------------------------------
# Pesos infinitos: nan e inf exatamente onde o torch os dá (issue 12)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
@pytest.mark.parametrize(
    "alvo", [[0, 1, 2], [0, 0, 2], [0, -100, 2], [1, -100, 0]], ids=lambda a: str(a)
)
def test_peso_infinito_como_no_torch(reduction, label_smoothing, alvo):
    x = np.array([[0.5, -1.0, 2.0], [0.0, 0.0, 0.0], [3.0, 1.0, -2.0]])
    w = np.array([1.0, np.inf, 2.0])
    xt = t(x).requires_grad_()
    opcoes = dict(weight=w, reduction=reduction, label_smoothing=label_smoothing)
    perda = F.cross_entropy(xt, t(np.array(alvo)), **{**opcoes, "weight": t(w)})
    perda.backward(torch.ones_like(perda))
    obtido = cross_entropy_backward(x, np.array(alvo), **opcoes, grad_output=np.ones(perda.shape))
    # sem suavização, um peso infinito numa classe que não é alvo não contribui (0, não nan)
    assert_allclose(obtido, xt.grad.numpy(), rtol=1e-12, atol=1e-15, equal_nan=True)
    assert np.array_equal(np.isnan(obtido), np.isnan(xt.grad.numpy()))


@pytest.mark.parametrize("label_smoothing", [0.0, 0.3])
def test_peso_infinito_com_probabilidades_como_no_torch(label_smoothing):
    x = np.array([[0.5, -1.0, 2.0], [0.0, 0.0, 0.0]])
    q = np.array([[0.5, 0.0, 0.5], [0.2, 0.3, 0.5]])
    w = np.array([1.0, np.inf, 2.0])
    xt = t(x).requires_grad_()
    F.cross_entropy(xt, t(q), weight=t(w), label_smoothing=label_smoothing).backward()
    obtido = cross_entropy_backward(x, q, weight=w, label_smoothing=label_smoothing)
    assert_allclose(obtido, xt.grad.numpy(), rtol=1e-12, atol=1e-15, equal_nan=True)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_backward_peso_infinito_como_no_torch(reduction):
    logp = np.log(np.full((3, 3), 1 / 3))
    w = np.array([1.0, np.inf, 2.0])
    for alvo in ([0, 1, 2], [0, 0, 2], [-100, 1, 2]):
        xt = t(logp).requires_grad_()
        perda = F.nll_loss(xt, t(np.array(alvo)), weight=t(w), reduction=reduction)
        perda.backward(torch.ones_like(perda))
        g = np.ones(perda.shape)
        obtido = nll_loss_backward(logp, np.array(alvo), w, reduction=reduction, grad_output=g)
        assert_allclose(obtido, xt.grad.numpy(), rtol=0, atol=0, equal_nan=True)


def test_grad_output_none_como_loss_backward_do_torch():
    x, alvo = np.array([[0.0, 1.0], [2.0, -1.0]]), np.array([0, 1])
    assert_allclose(
        cross_entropy_backward(x, alvo, grad_output=None), cross_entropy_backward(x, alvo)
    )
    # perda (C,) com "none" é um escalar: None vale 1
    assert_allclose(
        cross_entropy_backward(x[0], np.array(1), reduction="none", grad_output=None),
        cross_entropy_backward(x[0], np.array(1)),
    )
    with pytest.raises(ValueError, match=r"grad_output=None só vale quando a perda é um escalar"):
        cross_entropy_backward(x, alvo, reduction="none", grad_output=None)
    with pytest.raises(TypeError, match="grad_output deve conter números reais"):
        cross_entropy_backward(x, alvo, grad_output="1")
    with pytest.raises(ValueError, match=r"grad_output=None só vale"):
        binary_cross_entropy_with_logits_backward(x, x * 0, reduction="none", grad_output=None)


# ---------------------------------------------------------------------------------------------
# Os gradientes das outras perdas do capítulo 5 (issue 12, §6)


@given(problemas_de_classificacao())
def test_nll_backward_igual_ao_autograd(problema):
    x, alvo, opcoes = problema
    if alvo.dtype.kind == "f":
        return  # nll_loss só aceita índices de classe
    opcoes.pop("label_smoothing")
    logp = log_softmax(x, axis=0 if x.ndim == 1 else 1)
    xt = t(logp).requires_grad_()
    perda = F.nll_loss(xt, t(alvo), **{**opcoes, "weight": t(opcoes["weight"])})
    g = np.random.default_rng(x.size).normal(size=perda.shape)
    perda.backward(t(g))
    obtido = nll_loss_backward(logp, alvo, **opcoes, grad_output=g)
    assert_allclose(obtido, xt.grad.numpy(), rtol=1e-12, atol=0, equal_nan=True)


@st.composite
def problemas_binarios(draw, com_logits):
    """Entrada, alvo em [0, 1], weight e pos_weight (que o broadcast leva ao formato da entrada),
    redução e grad_output."""
    formato = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    if com_logits:
        elementos = st.one_of(st.floats(-30, 30), st.floats(-1e4, 1e4))
    else:  # probabilidades, com os extremos 0 e 1 e vizinhos (o piso ε do denominador)
        elementos = st.one_of(st.floats(0, 1), st.sampled_from([0.0, 1.0, 1e-13, 1 - 1e-13]))
    x = draw(hnp.arrays(np.float64, formato, elements=elementos))
    alvo = draw(hnp.arrays(np.float64, formato, elements=st.one_of(st.floats(0, 1), st.just(1.0))))

    def peso():
        # um sufixo do formato, com alguns lados 1 (broadcast sem aumentar o formato)
        n = draw(st.integers(0, len(formato)))
        sufixo = tuple(draw(st.sampled_from([1, lado])) for lado in formato[len(formato) - n :])
        return draw(hnp.arrays(np.float64, sufixo, elements=st.floats(0.1, 3.0)))

    opcoes = dict(
        weight=draw(st.none() | st.builds(peso)),
        reduction=draw(st.sampled_from(["mean", "sum", "none"])),
    )
    if com_logits:
        opcoes["pos_weight"] = draw(st.none() | st.builds(peso))
    return x, alvo, opcoes


def _grad_binario_torch(f_torch, x, alvo, opcoes):
    xt = t(x).requires_grad_()
    perda = f_torch(xt, t(alvo), **{k: t(v) if k != "reduction" else v for k, v in opcoes.items()})
    g = np.random.default_rng(x.size).normal(size=perda.shape)
    perda.backward(t(g))
    return xt.grad.numpy(), g


@given(problemas_binarios(com_logits=False))
def test_bce_backward_igual_ao_autograd(problema):
    x, alvo, opcoes = problema
    esperado, g = _grad_binario_torch(F.binary_cross_entropy, x, alvo, opcoes)
    obtido = binary_cross_entropy_backward(x, alvo, **opcoes, grad_output=g)
    assert obtido.shape == x.shape
    assert_allclose(obtido, esperado, rtol=1e-12, atol=1e-300, equal_nan=True)


@given(problemas_binarios(com_logits=True))
def test_bce_com_logits_backward_igual_ao_autograd(problema):
    x, alvo, opcoes = problema
    esperado, g = _grad_binario_torch(F.binary_cross_entropy_with_logits, x, alvo, opcoes)
    obtido = binary_cross_entropy_with_logits_backward(x, alvo, **opcoes, grad_output=g)
    assert obtido.shape == x.shape
    assert_allclose(obtido, esperado, rtol=1e-10, atol=1e-300, equal_nan=True)


@given(problemas_binarios(com_logits=True))
def test_check_grad_confirma_a_bce_com_logits(problema):
    x, alvo, opcoes = problema
    if opcoes["reduction"] == "none" or np.abs(x).max() > 30:
        return
    resultado = check_grad(
        lambda v: float(binary_cross_entropy_with_logits(v, alvo, **opcoes)),
        lambda v: binary_cross_entropy_with_logits_backward(v, alvo, **opcoes),
        x,
        rtol=1e-4,
        atol=1e-6,
    )
    assert resultado, resultado


def test_bce_backward_float32_e_float16_como_no_torch():
    # o piso ε = 1e-12 do torch é um float32; em float16 arredonda para 0 e p ∈ {0, 1} dá ±inf
    for dtype, tdtype in ((np.float32, torch.float32), (np.float16, torch.float16)):
        p = np.array([0.0, 1e-7, 0.3, 1.0], dtype=dtype)
        y = np.array([1.0, 1.0, 0.0, 0.0], dtype=dtype)
        pt = torch.from_numpy(p).requires_grad_()
        F.binary_cross_entropy(pt, torch.from_numpy(y).to(tdtype)).backward()
        obtido = binary_cross_entropy_backward(p, y)
        assert obtido.dtype == dtype
        assert_allclose(obtido, pt.grad.numpy(), rtol=2e-3 if dtype == np.float16 else 1e-6)


def test_perdas_binarias_backward_entradas_ruins():
    x = np.full((2, 3), 0.5)
    with pytest.raises(ValueError, match=r"weight deve ter um formato que"):
        binary_cross_entropy_backward(x, x, weight=np.ones((4, 2, 3)))
    with pytest.raises(ValueError, match=r"pos_weight deve ter um formato que"):
        binary_cross_entropy_with_logits_backward(x, x, pos_weight=np.ones((2, 2, 3)))
    with pytest.raises(ValueError, match=r"probs deve estar em \[0, 1\].*recebido 1.5"):
        binary_cross_entropy_backward(np.array([1.5]), np.array([1.0]))
    with pytest.raises(ValueError, match=r"target deve estar em \[0, 1\].*recebido nan"):
        binary_cross_entropy_backward(np.array([0.5]), np.array([np.nan]))
    with pytest.raises(ValueError, match=r"target deve ter o formato de logits"):
        binary_cross_entropy_with_logits_backward(x, np.zeros(3))
    with pytest.raises(ValueError, match=r"grad_output deve ser um escalar com reduction='sum'"):
        binary_cross_entropy_backward(x, x, reduction="sum", grad_output=x)


def test_nll_backward_entradas_ruins():
    with pytest.raises(TypeError, match="target de nll_loss deve conter índices de classe"):
        nll_loss_backward(np.zeros((2, 3)), np.full((2, 3), 1 / 3))
    with pytest.raises(ValueError, match=r"log_probs deve ter formato \(C,\)"):
        nll_loss_backward(np.float64(0.0), np.array(0))
    with pytest.raises(ValueError, match=r"grad_output deve ter o formato da perda, \(2,\)"):
        nll_loss_backward(np.zeros((2, 3)), np.array([0, 1]), reduction="none", grad_output=[1.0])


def test_exportados_pelo_pacote():
    import companion

    for nome in (
        "nll_loss_backward",
        "binary_cross_entropy_backward",
        "binary_cross_entropy_with_logits_backward",
    ):
        assert nome in companion.__all__ and getattr(companion, nome) is not None
        assert nome in companion.gradientes.__doc__


# ---------------------------------------------------------------------------------------------
# A jacobiana explícita: recusa tamanhos absurdos antes de alocar; 0-d e vazios (issue 12)


def test_jacobiana_enorme_recusada_antes_de_alocar():
    x = np.zeros((2, 20_000))  # 2 · 20 000² · 8 bytes = 6 GiB
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"ocuparia 6,0 GiB .*softmax_backward") as erro:
            softmax_jacobian(x)
        _, pico = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "(2, 20000, 20000)" in str(erro.value)
    assert pico < 2**20  # nada do tamanho da jacobiana (nem da softmax) foi alocado
    # no limite, ainda monta
    assert softmax_jacobian(np.zeros(11_000), axis=0).shape == (11_000, 11_000)


def test_jacobiana_de_entradas_0d_e_vazias():
    # 0-d: a softmax de um elemento só é constante (1); a derivada é 0, 0-d, como no torch
    esperado = torch.autograd.functional.jacobian(
        lambda v: torch.softmax(v, -1), torch.tensor(0.5, dtype=torch.float64)
    )
    obtido = softmax_jacobian(np.float64(0.5))
    assert obtido.shape == () and obtido == esperado.item()
    assert softmax_jacobian(np.zeros(0)).shape == (0, 0)
    assert softmax_jacobian(np.zeros((2, 0))).shape == (2, 0, 0)
    assert softmax_jacobian(np.zeros((0, 3))).shape == (0, 3, 3)
    assert softmax_jacobian(np.zeros((0, 3)), axis=0).shape == (3, 0, 0)
    assert softmax_jacobian(np.zeros(3, np.float32)).dtype == np.float32


def test_backward_de_entradas_0d_igual_ao_autograd():
    x, g = np.float64(0.7), np.float64(2.0)
    esperado = grad_torch(lambda v: torch.softmax(v, -1), x, g)
    assert_allclose(softmax_backward(softmax(x), g), esperado)
    esperado = grad_torch(lambda v: torch.log_softmax(v, -1), x, g)
    assert_allclose(log_softmax_backward(log_softmax(x), g), esperado)


# ---------------------------------------------------------------------------------------------
# check_grad: sem cópia por coordenada, limite declarado, parâmetros conferidos (issue 12)


def test_check_grad_nao_copia_x_a_cada_coordenada():
    enderecos, escritas = set(), []

    def f(v):
        enderecos.add(v.__array_interface__["data"][0])
        escritas.append(v.flags.writeable)
        return float((v**2).sum())

    x = np.arange(50.0).reshape(5, 10)
    assert check_grad(f, lambda v: 2 * v, x, rtol=1e-6, atol=1e-6)
    # 100 chamadas de f, todas sobre o mesmo array de trabalho (só de leitura para f)
    assert len(escritas) == 100 and not any(escritas)
    assert len(enderecos) == 1


def test_check_grad_recusa_x_grande_e_f_que_altera_a_entrada():
    with pytest.raises(ValueError, match=r"check_grad confere no máximo 20000 elementos"):
        check_grad(lambda v: 0.0, lambda v: v, np.zeros((201, 100)))

    def f_que_altera(v):
        v -= v.max()
        return float(v.sum())

    with pytest.raises(ValueError, match="f não pode alterar o array que recebe"):
        check_grad(f_que_altera, lambda v: np.ones_like(v), np.zeros(3))


@pytest.mark.parametrize(
    "kwargs, erro, mensagem",
    [
        ({"rtol": -1e-5}, ValueError, "rtol deve ser um número finito maior ou igual a zero"),
        ({"atol": np.nan}, ValueError, "atol deve ser um número finito maior ou igual a zero"),
        ({"rtol": np.inf}, ValueError, "rtol deve ser um número finito"),
        ({"atol": "0"}, TypeError, "atol deve ser um número real"),
        ({"rtol": True}, TypeError, "rtol deve ser um número real"),
        ({"eps": np.nan}, ValueError, "eps deve ser um número finito maior que zero"),
    ],
)
def test_check_grad_tolerancias_conferidas(kwargs, erro, mensagem):
    with pytest.raises(erro, match=mensagem):
        check_grad(lambda v: float(v.sum()), np.ones_like, np.zeros(2), **kwargs)


def test_check_grad_funcoes_e_resultados_conferidos():
    with pytest.raises(TypeError, match="f deve ser uma função"):
        check_grad(None, np.ones_like, np.zeros(2))
    with pytest.raises(TypeError, match="grad_f deve ser uma função"):
        check_grad(lambda v: 0.0, 2.0, np.zeros(2))
    with pytest.raises(TypeError, match="f deve devolver um número"):
        check_grad(lambda v: v, np.ones_like, np.zeros(2))
    with pytest.raises(TypeError, match="o resultado de grad_f deve conter números reais"):
        check_grad(lambda v: 0.0, lambda v: None, np.zeros(2))
    # tolerâncias zero: exige igualdade, sem dividir por zero
    resultado = check_grad(lambda v: 0.0, np.zeros_like, np.zeros(2), rtol=0, atol=0)
    assert resultado and resultado.erro_maximo == 0.0
    resultado = check_grad(lambda v: 0.0, np.ones_like, np.zeros(2), rtol=0, atol=0)
    assert not resultado and resultado.erro_maximo == np.inf


def test_mensagens_nomeiam_o_parametro_como_o_usuario_o_escreveu():
    with pytest.raises(
        ValueError, match=r"grad_logp deve ter o formato de logp, \(3,\); recebido formato \(2,\)"
    ):
        log_softmax_backward(np.zeros(3), np.ones(2))
    with pytest.raises(TypeError, match="grad_logp deve conter números reais"):
        log_softmax_backward(np.zeros(3), ["a", "b", "c"])
