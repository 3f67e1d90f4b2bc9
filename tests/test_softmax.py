"""Testes de companion.softmax: paridade com o torch, propriedades, armadilhas numéricas e erros."""

from __future__ import annotations

import warnings

import mpmath
import numpy as np
import pytest
import scipy.special
import torch
from hypothesis import assume, given
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from companion import log_softmax, logsumexp, sigmoid, softmax, softmax2d, spatial_softmax
from tests.strategies import (
    TOL,
    arrays,
    arrays_e_eixo,
    arrays_e_eixos,
    linhas_dominantes,
    problemas_de_logsumexp_com_pesos,
)

inf, nan = np.inf, np.nan


def t(x: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(x))


@pytest.fixture(autouse=True)
def avisos_sao_erros():
    # nenhuma função da família pode emitir aviso do numpy (estouro, divisão por zero, nan)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


# ---------------------------------------------------------------------------------------------
# Paridade com o torch


@given(arrays_e_eixo())
def test_softmax_igual_ao_torch(dados):
    x, eixo = dados
    obtido = softmax(x, axis=eixo)
    assert obtido.dtype == x.dtype and obtido.shape == x.shape
    assert_allclose(obtido, torch.softmax(t(x), dim=eixo).numpy(), **TOL[x.dtype])


@given(arrays_e_eixo())
def test_log_softmax_igual_ao_torch(dados):
    x, eixo = dados
    obtido = log_softmax(x, axis=eixo)
    esperado = torch.log_softmax(t(x), dim=eixo).numpy()
    assert obtido.dtype == x.dtype and obtido.shape == x.shape
    # log_softmax = (x - m) - lse: o erro absoluto acompanha a escala de x - m, não o resultado
    x64 = x.astype(np.float64)
    escala = np.abs(x64 - x64.max(axis=eixo, keepdims=True)) + 1.0
    folga = TOL[x.dtype]["rtol"] * escala
    iguais = obtido == esperado  # inclui os -inf (float32 que estourou em x - m), como no torch
    with np.errstate(invalid="ignore"):
        perto = np.abs(obtido.astype(np.float64) - esperado) <= folga
    assert np.all(iguais | perto)


@given(arrays_e_eixos(), st.booleans())
def test_logsumexp_igual_ao_torch(dados, keepdims):
    x, eixos = dados
    obtido = logsumexp(x, axis=eixos, keepdims=keepdims)
    dim = tuple(range(x.ndim)) if eixos is None else eixos
    esperado = torch.logsumexp(t(x), dim=dim, keepdim=keepdims).numpy()
    assert np.asarray(obtido).dtype == x.dtype
    assert np.shape(obtido) == esperado.shape
    # lse = m + log(s), com s >= 1 a soma deslocada: o erro absoluto é da ordem de eps·(|m| + 1).
    # Perto de zero (ex.: logsumexp([-14, 0, -14]) ≈ 3e-6, um log de s ≈ 1 + 3e-6) nenhuma das
    # duas implementações tem erro relativo pequeno; a escala certa é a da conta.
    x64 = x.astype(np.float64)
    m = np.max(np.abs(x64), axis=eixos, keepdims=keepdims) if x.size else 0.0
    folga = TOL[x.dtype]["rtol"] * (np.abs(esperado.astype(np.float64)) + m + 1.0)
    iguais = np.asarray(obtido) == esperado
    with np.errstate(invalid="ignore", over="ignore"):
        perto = np.abs(np.asarray(obtido, dtype=np.float64) - esperado) <= folga
    assert np.all(iguais | perto)


@given(arrays(min_dims=3, max_dims=4))
def test_softmax2d_igual_ao_torch(x):
    obtido = softmax2d(x)
    assert obtido.dtype == x.dtype and obtido.shape == x.shape
    assert_allclose(obtido, torch.nn.Softmax2d()(t(x)).numpy(), **TOL[x.dtype])


@given(
    arrays_e_eixo(extremos=False),
    st.floats(0.05, 20.0),
)
def test_temperatura_igual_ao_torch(dados, tau):
    x, eixo = dados
    obtido = softmax(x, axis=eixo, temperature=tau)
    assert obtido.dtype == x.dtype
    if x.dtype == np.float64:
        assert_allclose(obtido, torch.softmax(t(x) / tau, dim=eixo).numpy(), **TOL[x.dtype])
        return
    # Em float32, (x - m)/τ e x/τ - m/τ arredondam diferente: z = (x - m)/τ carrega um erro
    # absoluto de até eps·|z|, que vira erro relativo eps·|z| em e^z. Comparamos então com o
    # valor exato (float64) dentro desse condicionamento, que vale para nós e para o torch.
    x64 = x.astype(np.float64)
    exato = torch.softmax(t(x64) / tau, dim=eixo).numpy()
    z = np.abs(x64 - x64.max(axis=eixo, keepdims=True)) / tau
    eps = np.finfo(np.float32).eps
    folga = (1e-6 + 2 * eps * (z + 1)) * exato + TOL[x.dtype]["atol"]
    assert np.all(np.abs(obtido - exato) <= folga)


@pytest.mark.parametrize(
    "linha",
    [[inf, 1.0], [-inf, -inf], [nan, 1.0], [-inf, 1.0], [inf, -inf], [inf, inf], [1.0, nan, inf]],
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_nao_finitos_como_o_torch(linha, dtype):
    # +inf ou só -inf numa linha: nan na linha toda; nan se propaga; logsumexp troca o máximo
    # infinito por 0 (inf continua inf, -inf continua -inf)
    x = np.array([linha, [0.0] * len(linha)], dtype=dtype)
    xt = t(x)
    assert_array_equal(softmax(x), torch.softmax(xt, -1).numpy())
    assert_array_equal(log_softmax(x), torch.log_softmax(xt, -1).numpy())
    assert_array_equal(logsumexp(x), torch.logsumexp(xt, -1).numpy())


def test_float16_calcula_em_float32_e_devolve_float16():
    # o torch às vezes arredonda para o float16 vizinho (ex.: log_softmax([1, 2, 3])[2] dá
    # -0.40747 no torch e -0.40771 aqui; o valor exato é -0.407606, mais perto do nosso):
    # exigimos o mesmo dtype, os mesmos infinitos e no máximo 1 ulp de float16 de diferença
    x = np.array([[1.0, 2.0, 3.0], [65504.0, 0.0, -65504.0]], dtype=np.float16)
    for nossa, deles in [
        (softmax, lambda a: torch.softmax(a, -1)),
        (log_softmax, lambda a: torch.log_softmax(a, -1)),
        (logsumexp, lambda a: torch.logsumexp(a, -1)),
    ]:
        obtido = nossa(x)
        assert obtido.dtype == np.float16
        assert_allclose(obtido, deles(t(x)).numpy(), rtol=2**-10, atol=0)
        exato = nossa(x.astype(np.float64))
        with np.errstate(over="ignore"):
            assert_allclose(obtido, exato.astype(np.float16), rtol=2**-11, atol=0)


@pytest.mark.parametrize(
    "entrada", [[1, 2, 3], [True, False, True], np.array([1, 2, 3], dtype=np.int32)]
)
def test_inteiros_booleanos_e_listas_viram_float64(entrada):
    esperado = torch.softmax(torch.tensor(np.asarray(entrada, dtype=np.float64)), -1).numpy()
    obtido = softmax(entrada)
    assert obtido.dtype == np.float64
    assert_allclose(obtido, esperado, rtol=1e-12)
    assert log_softmax(entrada).dtype == np.float64
    assert np.asarray(logsumexp(entrada)).dtype == np.float64


def test_zero_dimensoes_como_o_torch():
    assert softmax(np.float64(3.0)) == 1.0
    assert softmax(np.float64(3.0)).shape == ()
    assert log_softmax(3.0) == 0.0
    assert logsumexp(3.0) == 3.0
    assert logsumexp(np.float32(3.0), keepdims=True).shape == ()


@pytest.mark.parametrize("formato", [(3, 0), (0, 3), (2, 0, 4)])
def test_eixo_vazio(formato):
    x = np.zeros(formato)
    assert softmax(x).shape == formato
    assert log_softmax(x).shape == formato
    esperado = torch.logsumexp(t(x), -1).numpy()
    assert_array_equal(logsumexp(x), esperado)


# ---------------------------------------------------------------------------------------------
# Propriedades


@given(arrays_e_eixo())
def test_soma_um(dados):
    x, eixo = dados
    somas = softmax(x, axis=eixo).astype(np.float64).sum(axis=eixo)
    assert_allclose(somas, 1.0, rtol=1e-5 if x.dtype == np.float32 else 1e-12)


@given(arrays_e_eixo(dtypes=(np.float64,), extremos=False), st.floats(-1e3, 1e3))
def test_invariancia_por_translacao(dados, c):
    x, eixo = dados
    assert_allclose(softmax(x + c, axis=eixo), softmax(x, axis=eixo), rtol=1e-9, atol=1e-300)


@given(arrays_e_eixo())
def test_exp_do_log_softmax_e_a_softmax(dados):
    x, eixo = dados
    assert_allclose(np.exp(log_softmax(x, axis=eixo)), softmax(x, axis=eixo), rtol=1e-5, atol=1e-37)


@given(st.floats(-700, 700), st.floats(-700, 700))
def test_duas_classes_e_a_sigmoide_da_diferenca(a, b):
    # softmax([a, b])_0 = 1 / (1 + e^{b - a}) = σ(a - b)
    assert_allclose(softmax([a, b])[0], sigmoid(a - b), rtol=1e-12, atol=1e-300)


@given(arrays(dtypes=(np.float64,), extremos=False, max_dims=2, min_lado=2))
def test_temperatura_baixa_tende_ao_argmax(x):
    linhas = x.reshape(-1, x.shape[-1])
    ordenadas = np.sort(linhas, axis=-1)
    # τ menor que a menor distância entre o primeiro e o segundo logit, dividida por 50:
    # cada perdedor fica com no máximo e^{-50} da massa
    folga = np.min(ordenadas[:, -1] - ordenadas[:, -2])
    assume(folga > 1e-300)  # empate no máximo: o limite divide a massa entre os empatados
    quente = softmax(linhas, temperature=folga / 50)
    one_hot = np.eye(linhas.shape[-1])[np.argmax(linhas, axis=-1)]
    assert_allclose(quente, one_hot, atol=linhas.shape[-1] * np.exp(-50))


@given(arrays(dtypes=(np.float64,), extremos=False))
def test_temperatura_alta_tende_a_uniforme(x):
    frio = softmax(x, temperature=1e15)
    assert_allclose(frio, 1.0 / x.shape[-1], rtol=1e-9)


# ---------------------------------------------------------------------------------------------
# Armadilhas numéricas: um teste de regressão para cada uma


def test_estouro_com_logits_grandes():
    # exp(1000) = inf: a fórmula ingênua dá inf/inf = nan
    assert_allclose(softmax([1000.0, 1001.0]), [1 / (1 + np.e), np.e / (1 + np.e)], rtol=1e-15)


def test_estouro_negativo_com_logits_muito_negativos():
    # exp(-1000) = 0 em todos: a fórmula ingênua dá 0/0 = nan
    assert_allclose(softmax([-1000.0, -1001.0]), softmax([0.0, -1.0]), rtol=1e-15)


def test_extremos_do_float32():
    # x - max com ±3e38 estoura o float32 para -inf; exp(-inf) = 0 é o resultado certo
    x = np.array([3e38, -3e38, 0.0], dtype=np.float32)
    assert_array_equal(softmax(x), np.array([1.0, 0.0, 0.0], dtype=np.float32))
    assert logsumexp(x) == np.float32(3e38)
    assert_array_equal(softmax(np.array([1e4, -1e4], dtype=np.float32)), [1.0, 0.0])


def test_log_da_softmax_nao_vira_menos_infinito():
    # log(softmax([0, -1000])) dá log(0) = -inf; log_softmax dá -1000 (o valor certo)
    assert_allclose(log_softmax([0.0, -1000.0]), [0.0, -1000.0], rtol=1e-15)
    assert np.all(np.isfinite(log_softmax(np.array([0.0, -200.0], dtype=np.float32))))


def test_maximo_por_linha_e_nao_global():
    # com o máximo do array todo, a primeira linha viraria exp(-1001), exp(-1000) = 0, 0 → 0/0
    x = np.array([[0.0, 1.0], [1000.0, 1001.0]])
    assert_allclose(softmax(x), [softmax([0.0, 1.0]), softmax([0.0, 1.0])], rtol=1e-15)


def test_logsumexp_de_linhas_infinitas_nao_da_nan():
    # sem trocar o máximo infinito por 0: inf - inf = nan
    assert logsumexp([inf, 1.0]) == inf
    assert logsumexp([-inf, -inf]) == -inf


def test_temperatura_minuscula_nao_estoura():
    # (x - m) / τ em vez de x / τ - m: com τ = 1e-300, x / τ já seria inf
    # (aqui o companion é mais estável que torch.softmax(x / τ), que daria nan)
    assert_array_equal(softmax([2.0, 1.0], temperature=1e-300), [1.0, 0.0])


def test_a_entrada_nao_e_alterada():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    copia = x.copy()
    softmax(x)
    log_softmax(x)
    logsumexp(x)
    softmax2d(x[None])
    assert_array_equal(x, copia)


# ---------------------------------------------------------------------------------------------
# Entradas ruins: mensagens em português que nomeiam o parâmetro, o recebido e o esperado


@pytest.mark.parametrize("funcao", [softmax, log_softmax, logsumexp])
def test_eixo_fora_do_intervalo(funcao):
    with pytest.raises(
        ValueError, match=r"axis fora do intervalo: recebido 2 .* 2 dimensões.* -2 a 1"
    ):
        funcao(np.zeros((2, 3)), axis=2)


@pytest.mark.parametrize("funcao", [softmax, log_softmax, logsumexp])
@pytest.mark.parametrize("eixo", [1.0, "0", True])
def test_eixo_nao_inteiro(funcao, eixo):
    with pytest.raises(TypeError, match=r"axis deve ser um inteiro; recebido"):
        funcao(np.zeros((2, 3)), axis=eixo)


def test_eixos_repetidos_no_logsumexp():
    with pytest.raises(ValueError, match=r"axis repete um eixo: recebido \(0, -2\)"):
        logsumexp(np.zeros((2, 3)), axis=(0, -2))


def test_keepdims_nao_booleano():
    with pytest.raises(TypeError, match=r"keepdims deve ser True ou False; recebido 'sim'"):
        logsumexp([1.0], keepdims="sim")


@pytest.mark.parametrize("funcao", [softmax, log_softmax, logsumexp, sigmoid])
@pytest.mark.parametrize(
    "entrada, trecho",
    [
        (["a", "b"], r"x deve conter números reais .*recebido \['a', 'b'\]"),
        (None, r"x deve conter números reais .*recebido None"),
        ([1.0, None], r"x deve conter números reais .*recebido \[1\.0, None\]"),
        (np.array([1 + 2j]), r"x deve conter números reais; .*complexos não são suportados"),
    ],
)
def test_entrada_nao_numerica(funcao, entrada, trecho):
    with pytest.raises(TypeError, match=trecho):
        funcao(entrada)


def test_lista_irregular():
    with pytest.raises(
        ValueError, match=r"x deve ser um array retangular .*comprimentos diferentes"
    ):
        softmax([[1.0, 2.0], [3.0]])


@pytest.mark.parametrize("tau", [0, -1.0, inf, nan])
def test_temperatura_invalida(tau):
    with pytest.raises(
        ValueError, match=r"temperature deve ser um número finito maior que zero; recebido"
    ):
        softmax([1.0, 2.0], temperature=tau)


@pytest.mark.parametrize("tau", ["2", None, True, [1.0]])
def test_temperatura_nao_numerica(tau):
    with pytest.raises(TypeError, match=r"temperature deve ser um número real; recebido"):
        softmax([1.0, 2.0], temperature=tau)


@pytest.mark.parametrize("formato", [(4,), (3, 4), (1, 2, 3, 4, 5)])
def test_softmax2d_com_dimensoes_erradas(formato):
    with pytest.raises(
        ValueError,
        match=rf"x deve ter 3 dimensões \(C, H, W\) ou 4 \(N, C, H, W\); recebido um array de "
        rf"{len(formato)} dimensões, de formato {re_formato(formato)}",
    ):
        softmax2d(np.zeros(formato))


def re_formato(formato: tuple[int, ...]) -> str:
    import re

    return re.escape(str(formato))


def test_numeros_numpy_sao_aceitos():
    assert_allclose(
        softmax(np.array([1.0, 2.0]), axis=np.int64(0), temperature=np.float32(2.0)),
        softmax([1.0, 2.0], temperature=2.0),
    )


# ---------------------------------------------------------------------------------------------
# softmax espacial (a operação que costuma ser confundida com a Softmax2d)


@given(arrays(min_dims=2, max_dims=4))
def test_spatial_softmax_e_a_softmax_da_grade_achatada(x):
    obtido = spatial_softmax(x)
    achatado = torch.softmax(t(x).flatten(-2), dim=-1).reshape(x.shape).numpy()
    assert obtido.dtype == x.dtype and obtido.shape == x.shape
    assert_allclose(obtido, achatado, **TOL[x.dtype])


@given(arrays(dtypes=(np.float64,), min_dims=3, max_dims=4, min_lado=2))
def test_softmax2d_e_espacial_somam_em_eixos_diferentes(x):
    # Softmax2d: os C canais de cada pixel somam 1; espacial: os H·W pixels de cada canal
    assert_allclose(softmax2d(x).sum(axis=-3), 1.0, rtol=1e-12)
    assert_allclose(spatial_softmax(x).sum(axis=(-2, -1)), 1.0, rtol=1e-12)


def test_spatial_softmax_com_menos_de_duas_dimensoes():
    with pytest.raises(
        ValueError, match=r"x deve ter ao menos 2 dimensões \(\.\.\., H, W\); recebido"
    ):
        spatial_softmax([1.0, 2.0])


def test_spatial_softmax_temperatura():
    x = np.arange(6.0).reshape(1, 2, 3)
    assert_allclose(spatial_softmax(x, temperature=2.0), spatial_softmax(x / 2.0), rtol=1e-15)


# ---------------------------------------------------------------------------------------------
# Mais exato que o torch onde o SciPy é (issue 12, §6): o termo do máximo fica fora da soma e o
# resto entra por log1p. Referência: mpmath com 400 dígitos (1 + e^{-740} precisa de mais de 320).


def lse_exato(linha) -> mpmath.mpf:
    with mpmath.workdps(400):
        return +mpmath.log(mpmath.fsum(mpmath.exp(mpmath.mpf(float(v))) for v in linha))


def erro_relativo(obtido, exato: mpmath.mpf) -> float:
    if exato == 0:
        return 0.0 if obtido == 0 else float("inf")
    with mpmath.workdps(400):
        return float(abs((mpmath.mpf(float(obtido)) - exato) / exato))


def test_logsumexp_com_entrada_dominante_e_exata():
    # log(1 + e^{-40}) arredonda para 0 (o torch dá 0); o valor certo é e^{-40} ≈ 4,25e-18
    assert logsumexp([0.0, -40.0]) == pytest.approx(4.248354255291589e-18, rel=1e-15)
    assert log_softmax([0.0, -40.0])[0] == pytest.approx(-4.248354255291589e-18, rel=1e-15)
    assert torch.logsumexp(torch.tensor([0.0, -40.0], dtype=torch.float64), 0) == 0.0
    assert logsumexp(np.array([0.0, -40.0], dtype=np.float32)) == pytest.approx(
        4.248354255291589e-18, rel=1e-6
    )


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(dados=st.data())
def test_logsumexp_e_log_softmax_perto_de_uma_entrada_dominante(dtype, dados):
    linha = dados.draw(linhas_dominantes(dtype))
    eps = np.finfo(dtype).eps
    exato = lse_exato(linha)
    # erro do exp (1 ulp por termo), da soma (log2 K) e do log1p (1 ulp), relativo ao resultado
    limite = 4 * eps * (2 + np.log2(linha.size))
    assert erro_relativo(logsumexp(linha), exato) <= limite
    lp = log_softmax(linha)
    for i in np.flatnonzero(linha == 0):  # a log-probabilidade do máximo é -logsumexp
        assert erro_relativo(-lp[i], exato) <= limite
    # a mesma linha em outro eixo (outra ordem de soma), com keepdims e com axis=None
    em_coluna = np.stack([linha, linha], axis=1)
    assert erro_relativo(logsumexp(em_coluna, axis=0)[1], exato) <= limite
    assert erro_relativo(-log_softmax(em_coluna, axis=0)[np.argmax(linha), 1], exato) <= limite
    assert logsumexp(linha[None, :], axis=None, keepdims=True).shape == (1, 1)
    assert erro_relativo(logsumexp(linha[None, :], axis=None), exato) <= limite
    assert erro_relativo(logsumexp(em_coluna, axis=(0,))[0], exato) <= limite


@given(linhas_dominantes(np.float16))
def test_float16_perto_de_uma_entrada_dominante(linha):
    # calculado em float32 e arredondado uma vez para float16: no máximo 1 ulp de float16
    exato = float(lse_exato(linha))
    obtido = logsumexp(linha)
    assert obtido.dtype == np.float16
    vizinhos = np.array([exato], dtype=np.float16)
    ulp = np.spacing(vizinhos)[0]
    assert abs(float(obtido) - exato) <= float(ulp)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_log1p_tambem_no_caminho_em_lote(dtype):
    # muitas linhas (mais de um bloco do núcleo por linhas) e o caminho de eixo não final
    rng = np.random.default_rng(5)
    x = np.full((3000, 64), -60.0, dtype=dtype)
    x[np.arange(3000), rng.integers(0, 64, 3000)] = 0.0
    esperado = dtype(63 * np.exp(-60.0))
    assert_allclose(logsumexp(x), esperado, rtol=1e-6)
    assert_allclose(log_softmax(x).max(axis=-1), -esperado, rtol=1e-6)
    assert_allclose(log_softmax(x.T, axis=0).max(axis=0), -esperado, rtol=1e-6)


@pytest.mark.parametrize(
    "linha",
    [
        [0.0, 0.0, -40.0],  # empate no máximo
        [-inf, 0.0, -inf],  # -inf ao lado do máximo
        [-inf, -inf],  # só -inf: -inf (logsumexp) e nan (log_softmax), como no torch
        [inf, 1.0],
        [inf, inf],
        [1.0, nan],
        [nan, inf, -inf],
    ],
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
def test_nao_finitos_e_empates_em_todos_os_formatos(linha, dtype):
    x = np.array([linha, linha], dtype=dtype).T  # (K, 2): o eixo 0, fora do caminho por linhas
    xt = t(x)
    for eixo, keepdims in [(0, False), (0, True), (None, False), ((0, 1), True)]:
        dim = (0, 1) if eixo is None else eixo
        esperado = torch.logsumexp(xt.float() if dtype == np.float16 else xt, dim, keepdims)
        obtido = logsumexp(x, axis=eixo, keepdims=keepdims)
        assert np.shape(obtido) == tuple(esperado.shape)
        assert_allclose(obtido, esperado.numpy().astype(dtype), rtol=2e-3, atol=1e-17)
    assert_array_equal(
        np.isnan(log_softmax(x, axis=0)), torch.log_softmax(xt.float(), 0).isnan().numpy()
    )
    assert_array_equal(np.isnan(softmax(x, axis=0)), torch.softmax(xt.float(), 0).isnan().numpy())


# ---------------------------------------------------------------------------------------------
# logsumexp com b e return_sign: a semântica do scipy.special.logsumexp


@given(problemas_de_logsumexp_com_pesos(), st.booleans())
def test_logsumexp_com_pesos_igual_ao_scipy(problema, return_sign):
    x, b, eixo, keepdims = problema
    with np.errstate(all="ignore"):
        esperado = scipy.special.logsumexp(
            x, axis=eixo, b=b, keepdims=keepdims, return_sign=return_sign
        )
    obtido = logsumexp(x, axis=eixo, b=b, keepdims=keepdims, return_sign=return_sign)
    if not return_sign:
        obtido, esperado = (obtido,), (esperado,)
    for nosso, deles in zip(obtido, esperado, strict=True):
        assert np.shape(nosso) == np.shape(deles)
        assert np.asarray(nosso).dtype == np.asarray(deles).dtype
        assert_allclose(nosso, deles, rtol=1e-5 if x.dtype == np.float32 else 1e-12, atol=1e-12)


@given(arrays_e_eixos(), st.booleans())
def test_return_sign_sem_pesos_igual_ao_scipy(dados, keepdims):
    x, eixos = dados
    lse, sinal = logsumexp(x, axis=eixos, keepdims=keepdims, return_sign=True)
    with np.errstate(all="ignore"):  # o scipy avisa de estouros que não afetam o resultado
        lse_scipy, sinal_scipy = scipy.special.logsumexp(
            x, axis=eixos, keepdims=keepdims, return_sign=True
        )
    assert_array_equal(sinal, sinal_scipy)
    assert_array_equal(lse, logsumexp(x, axis=eixos, keepdims=keepdims))
    assert_allclose(lse, lse_scipy, **TOL[x.dtype])


def test_pesos_negativos_zeros_e_broadcast():
    # b negativo: uma subtração; sem return_sign, uma soma negativa dá nan
    assert_allclose(
        logsumexp([1.0, 2.0], b=[1.0, -1.0], return_sign=True), (np.log(np.e**2 - np.e), -1.0)
    )
    assert np.isnan(logsumexp([1.0, 2.0], b=[1.0, -1.0]))
    # b = 0 tira o termo, mesmo infinito ou nan; tudo zero dá -inf e sinal 0
    assert logsumexp([inf, nan, 0.0], b=[0.0, 0.0, 1.0]) == 0.0
    assert logsumexp([1.0, 2.0], b=[0.0, 0.0], return_sign=True) == (-inf, 0.0)
    # b se expande até x: um peso por coluna
    x = np.log(np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert_allclose(logsumexp(x, axis=0, b=[2.0, 0.5]), np.log([8.0, 3.0]), rtol=1e-15)
    # o mesmo log1p: b = 1 no máximo e um resto minúsculo
    assert logsumexp([0.0, -40.0], b=[1.0, 1.0]) == pytest.approx(4.248354255291589e-18, rel=1e-15)


def test_pesos_maiores_que_x_sao_recusados():
    with pytest.raises(
        ValueError, match=r"b deve ter o formato de x, \(2,\).* recebido formato \(3, 2\)"
    ):
        logsumexp([1.0, 2.0], b=np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"b deve ter o formato de x"):
        logsumexp([1.0, 2.0], b=[1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match=r"b deve conter números reais"):
        logsumexp([1.0, 2.0], b=["a", "b"])
    with pytest.raises(TypeError, match=r"return_sign deve ser True ou False; recebido 'sim'"):
        logsumexp([1.0, 2.0], return_sign="sim")


def test_eixo_vazio_com_sinal():
    # a soma de nada é 0: -inf, e sinal 0 (o scipy dá -1 aqui; documentado)
    lse, sinal = logsumexp(np.zeros((2, 0)), return_sign=True)
    assert_array_equal(lse, [-inf, -inf])
    assert_array_equal(sinal, [0.0, 0.0])


# ---------------------------------------------------------------------------------------------
# dtype= como no torch: o dtype da conta e o do resultado


@pytest.mark.parametrize("funcao", ["softmax", "log_softmax"])
@pytest.mark.parametrize(
    "de, para, tol",
    [
        (np.float32, np.float64, 1e-12),
        (np.float64, np.float32, 1e-6),
        (np.float64, np.float16, 2**-10),
        (np.float16, np.float64, 1e-12),
        (np.int64, np.float32, 1e-6),
    ],
)
def test_dtype_como_no_torch(funcao, de, para, tol):
    x = (np.random.default_rng(3).normal(size=(3, 7)) * 4).astype(de)
    nosso = {"softmax": softmax, "log_softmax": log_softmax}[funcao]
    deles = {"softmax": torch.softmax, "log_softmax": torch.log_softmax}[funcao]
    obtido = nosso(x, axis=-1, dtype=para)
    esperado = deles(torch.from_numpy(x), -1, dtype=getattr(torch, np.dtype(para).name)).numpy()
    assert obtido.dtype == para
    # log_softmax: o erro absoluto acompanha a escala de x - m, e no logit dominante o companion
    # é mais exato que o torch (log1p); a softmax tem erro relativo pequeno
    atol = 10 * tol if funcao == "log_softmax" else 1e-30
    assert_allclose(obtido, esperado, rtol=tol, atol=atol)
    # os nomes e os dtypes do torch também valem
    assert_array_equal(nosso(x, dtype=np.dtype(para).name), obtido)
    assert_array_equal(nosso(x, dtype=getattr(torch, np.dtype(para).name)), obtido)


@pytest.mark.parametrize(
    "dtype, erro, trecho",
    [
        (np.int64, TypeError, r"dtype deve ser um dtype de ponto flutuante, .*recebido int64"),
        (complex, TypeError, r"dtype deve ser um dtype de ponto flutuante"),
        ("flutuante", TypeError, r"dtype deve ser um dtype de ponto flutuante .*'flutuante'"),
        (torch.bfloat16, TypeError, r"dtype=torch.bfloat16 não existe no numpy"),
    ],
)
def test_dtype_invalido(dtype, erro, trecho):
    with pytest.raises(erro, match=trecho):
        softmax([1.0, 2.0], dtype=dtype)
    with pytest.raises(erro, match=trecho):
        log_softmax([1.0, 2.0], dtype=dtype)


# ---------------------------------------------------------------------------------------------
# Entradas de outras bibliotecas e entradas estranhas (issue 12, §3)


@pytest.mark.parametrize("funcao", [softmax, log_softmax, logsumexp, spatial_softmax, softmax2d])
def test_tensores_do_torch_sao_aceitos(funcao):
    x = np.random.default_rng(1).normal(size=(2, 3, 4))
    com_grad = torch.tensor(x, requires_grad=True)
    assert_array_equal(funcao(com_grad), funcao(x))
    assert com_grad.grad is None
    # bfloat16: calculado (e devolvido) em float32
    bf16 = torch.tensor(x, dtype=torch.bfloat16)
    obtido = funcao(bf16)
    assert obtido.dtype == np.float32
    assert_array_equal(obtido, funcao(bf16.float().numpy()))


@pytest.mark.parametrize(
    "funcao",
    [softmax, log_softmax, logsumexp, spatial_softmax, lambda x: softmax(x, dtype="float32")],
)
@pytest.mark.parametrize("dtype", [np.float64, np.float16, np.int64])
def test_logits_mascarados_valem_menos_infinito(funcao, dtype):
    # a regra do pacote: num logit, uma posição mascarada tem probabilidade zero (-inf)
    dados = np.arange(6).reshape(2, 3).astype(dtype)
    mascara = [[0, 1, 0], [0, 0, 0]]
    x = np.ma.array(dados, mask=mascara)
    preenchido = np.where(mascara, -inf, dados.astype(np.float64 if dtype == np.int64 else dtype))
    assert_array_equal(funcao(x), funcao(preenchido))
    assert not isinstance(funcao(x), np.ma.MaskedArray)
    assert_array_equal(x.data, dados)  # a entrada não muda
    assert_array_equal(funcao(np.ma.array(dados)), funcao(dados))  # sem nada mascarado


def test_pesos_mascarados_sao_recusados():
    with pytest.raises(TypeError, match=r"b é um array mascarado \(numpy.ma\).*b.filled"):
        logsumexp([1.0, 2.0], b=np.ma.array([1.0, 1.0], mask=[0, 1]))
    with pytest.raises(TypeError, match=r"x é um array mascarado"):
        sigmoid(np.ma.array([1.0, 1.0], mask=[0, 1]))


@pytest.mark.parametrize("funcao", [softmax, log_softmax, logsumexp])
def test_inteiros_enormes(funcao):
    with pytest.raises(ValueError, match=r"x contém um inteiro grande demais para um float64"):
        funcao([10**400, 1])
    # maiores que 2**64 (o numpy os guardaria como objetos), mas cabem num float64
    assert_allclose(funcao([10**20, 10**20]), funcao([1e20, 1e20]))


@pytest.mark.parametrize("formato", [(2, 0, 3), (0, 3, 4), (3, 0, 0), (0, 0)])
def test_spatial_softmax_vazio(formato):
    obtido = spatial_softmax(np.zeros(formato))
    assert obtido.shape == formato
    esperado = torch.softmax(torch.zeros(formato).flatten(-2), -1).reshape(formato)
    assert_array_equal(obtido, esperado.numpy())


def test_spatial_softmax_zero_dimensoes():
    with pytest.raises(ValueError, match=r"x deve ter ao menos 2 dimensões.*0 dimensões"):
        spatial_softmax(np.float64(1.0))
