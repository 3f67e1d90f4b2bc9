"""companion.alternativas contra o pacote entmax e o torch 2.13: sparsemax, 1,5-entmax e α-entmax
(float64 e float32, empates, logits enormes, α → 1 e α = 2) com os gradientes; Gumbel-max e
Gumbel-softmax (com o mesmo ruído do torch, e testes de qui-quadrado com semente fixa); a softmax
adaptativa com os mesmos pesos do torch; a softmax amostrada contra a perda completa; e as
entradas ruins."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import companion
import tests.test_entradas_hostis as hostis
from companion.alternativas import (
    AdaptiveLogSoftmaxWithLoss,
    entmax15,
    entmax_bisect,
    gumbel_max_sample,
    gumbel_softmax,
    log_uniform_probs,
    sampled_softmax_loss,
    sparsemax,
)
from companion.gradientes import (
    check_grad,
    entmax15_backward,
    entmax_bisect_backward,
    sparsemax_backward,
)

try:  # a referência da sparsemax e da entmax; dependência só dos testes (requirements.txt)
    import entmax
except ImportError:
    entmax = None
requer_entmax = pytest.mark.skipif(
    entmax is None, reason="o pacote entmax (dependência dos testes) não está instalado"
)

TOL = {
    np.dtype(np.float64): dict(rtol=1e-10, atol=1e-12),
    # o entmax calcula em float32; o companion, em float64 (e arredonda no fim)
    np.dtype(np.float32): dict(rtol=1e-4, atol=2e-6),
}


# ---------------------------------------------------------------------------------------------
# Estratégias: logits comuns, com empates, e enormes


@st.composite
def logits(draw, dtype=None):
    dtype = draw(st.sampled_from([np.float64, np.float32])) if dtype is None else dtype
    formato = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=7))
    tipo = draw(st.sampled_from(["comuns", "empates", "enormes"]))
    if tipo == "comuns":
        elementos = st.floats(-20, 20, width=32)
    elif tipo == "empates":  # poucos valores distintos: empates no limiar e no máximo
        elementos = st.sampled_from([-1.0, 0.0, 0.5, 1.0, 3.0])
    else:
        elementos = st.floats(-1e6, 1e6, width=32)
    x = draw(hnp.arrays(dtype, formato, elements=elementos))
    eixo = draw(st.integers(-x.ndim, x.ndim - 1))
    return x, eixo


def _entmax_torch(funcao, x, eixo, **kw):
    with torch.no_grad():
        return funcao(torch.from_numpy(x), dim=eixo, **kw).numpy()


@requer_entmax
@settings(max_examples=150)
@given(logits())
def test_sparsemax_igual_ao_entmax(dados):
    x, eixo = dados
    y = sparsemax(x, axis=eixo)
    assert y.dtype == x.dtype and y.shape == x.shape
    np.testing.assert_allclose(y, _entmax_torch(entmax.sparsemax, x, eixo), **TOL[x.dtype])
    np.testing.assert_allclose(y.sum(axis=eixo), 1, rtol=1e-5)
    assert np.all(y >= 0)


@requer_entmax
@settings(max_examples=150)
@given(logits())
def test_entmax15_igual_ao_entmax(dados):
    x, eixo = dados
    y = entmax15(x, axis=eixo)
    assert y.dtype == x.dtype and y.shape == x.shape
    np.testing.assert_allclose(y, _entmax_torch(entmax.entmax15, x, eixo), **TOL[x.dtype])
    np.testing.assert_allclose(y.sum(axis=eixo), 1, rtol=1e-5)


@requer_entmax
@settings(max_examples=100)
@given(logits(dtype=np.float64), st.floats(1.05, 3.0))
def test_entmax_bisect_igual_ao_entmax(dados, alpha):
    x, eixo = dados
    y = entmax_bisect(x, alpha, axis=eixo)
    esperado = _entmax_torch(entmax.entmax_bisect, x, eixo, alpha=alpha)
    # o entmax para depois de 50 passos de bisseção; o companion, quando o intervalo não encolhe
    np.testing.assert_allclose(y, esperado, rtol=1e-7, atol=1e-9)


@requer_entmax
@settings(max_examples=60)
@given(logits(dtype=np.float32), st.floats(1.1, 2.5))
def test_entmax_bisect_float32(dados, alpha):
    x, eixo = dados
    y = entmax_bisect(x, alpha, axis=eixo)
    assert y.dtype == np.float32
    esperado = entmax_bisect(x.astype(np.float64), alpha, axis=eixo)
    np.testing.assert_allclose(y, esperado, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(
        y, _entmax_torch(entmax.entmax_bisect, x, eixo, alpha=alpha), rtol=1e-3, atol=1e-4
    )


@settings(max_examples=60)
@given(logits(dtype=np.float64))
def test_entmax_bisect_em_15_e_2_sao_as_exatas(dados):
    x, eixo = dados
    np.testing.assert_allclose(entmax_bisect(x, 1.5, eixo), entmax15(x, eixo), atol=1e-12)
    np.testing.assert_array_equal(entmax_bisect(x, 2.0, eixo), sparsemax(x, eixo))
    np.testing.assert_allclose(
        entmax_bisect(x, 2, eixo), entmax_bisect(x, 2.0 + 1e-12, eixo), atol=1e-9
    )


def test_alpha_tende_a_1_da_a_softmax():
    x = np.random.default_rng(3).normal(size=(6, 9)) * 3
    np.testing.assert_allclose(entmax_bisect(x, 1.0), companion.softmax(x), rtol=1e-15)
    erros = [
        np.abs(entmax_bisect(x, 1 + e) - companion.softmax(x)).max() for e in (1e-1, 1e-2, 1e-3)
    ]
    # a distância à softmax cai como α - 1
    assert erros[0] > erros[1] > erros[2] and erros[2] < 1e-3
    assert erros[1] / erros[2] == pytest.approx(10, rel=0.2)


def test_zeros_exatos_e_empates():
    x = np.array([1.0, 2.0, 0.5, 2.0])
    np.testing.assert_array_equal(sparsemax(x), [0.0, 0.5, 0.0, 0.5])
    # logits enormes: sem estouro, a mesma resposta que os deslocados
    np.testing.assert_array_equal(sparsemax(x + 1e6), sparsemax(x))
    np.testing.assert_array_equal(sparsemax(x * 1e300), [0.0, 0.5, 0.0, 0.5])
    np.testing.assert_allclose(entmax15(x + 1e6), entmax15(x), atol=1e-9)
    assert entmax15(x)[2] == 0.0 and entmax15(x)[0] > 0


def test_menos_infinito_e_linhas_sem_resposta():
    x = np.array([[1.0, -np.inf, 2.0], [-np.inf] * 3, [np.nan, 0.0, 1.0], [np.inf, 0.0, 1.0]])
    for f in (sparsemax, entmax15, lambda v: entmax_bisect(v, 1.3)):
        with np.errstate(all="raise"):
            y = f(x)
        assert y[0, 1] == 0 and y[0].sum() == pytest.approx(1)
        assert np.isnan(y[1:]).all()  # como a softmax do torch: sem distribuição, nan


def test_mascarado_vira_menos_infinito_e_entrada_intacta():
    x = np.array([[3.0, 1.0, 0.9]])
    antes = x.copy()
    m = np.ma.array(x, mask=[[True, False, False]])
    np.testing.assert_allclose(sparsemax(m), sparsemax(np.array([[-np.inf, 1.0, 0.9]])))
    sparsemax(x)
    entmax15(x)
    entmax_bisect(x, 1.7)
    np.testing.assert_array_equal(x, antes)


def test_float16_e_vazios():
    x = np.array([[1.0, 2.0, 0.5]], dtype=np.float16)
    assert sparsemax(x).dtype == np.float16 and entmax_bisect(x, 1.2).dtype == np.float16
    assert entmax_bisect(x, 1.0).dtype == np.float16
    assert sparsemax(np.zeros((2, 0))).shape == (2, 0)
    assert entmax15(np.zeros((0, 3))).shape == (0, 3)
    assert sparsemax(np.float64(2.0)) == 1.0


# ---------------------------------------------------------------------------------------------
# Gradientes contra o autograd do entmax e as diferenças centrais


@requer_entmax
@settings(max_examples=60)
@given(logits(dtype=np.float64), st.sampled_from(["sparsemax", "entmax15", "bisect"]))
def test_backward_igual_ao_autograd(dados, qual):
    x, eixo = dados
    g = np.random.default_rng(x.size).normal(size=x.shape)
    t = torch.from_numpy(x).requires_grad_()
    if qual == "sparsemax":
        y, yt = sparsemax(x, eixo), entmax.sparsemax(t, dim=eixo)
        grad = sparsemax_backward(y, g, axis=eixo)
    elif qual == "entmax15":
        y, yt = entmax15(x, eixo), entmax.entmax15(t, dim=eixo)
        grad = entmax15_backward(y, g, axis=eixo)
    else:
        y, yt = entmax_bisect(x, 1.3, eixo), entmax.entmax_bisect(t, alpha=1.3, dim=eixo)
        grad = entmax_bisect_backward(y, g, 1.3, axis=eixo)
    (yt * torch.from_numpy(g)).sum().backward()
    np.testing.assert_allclose(grad, t.grad.numpy(), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("alpha", [1.0, 1.2, 1.5, 1.8, 2.0])
def test_backward_confere_com_diferencas_centrais(alpha):
    rng = np.random.default_rng(int(alpha * 10))
    x = rng.normal(size=(3, 7)) * 2
    g = rng.normal(size=(3, 7))

    def f(z):
        return float((entmax_bisect(z, alpha) * g).sum())

    verificacao = check_grad(
        f, lambda z: entmax_bisect_backward(entmax_bisect(z, alpha), g, alpha), x
    )
    assert verificacao, verificacao
    if alpha == 1.0:
        y = companion.softmax(x)
        np.testing.assert_allclose(
            entmax_bisect_backward(y, g, 1.0), companion.softmax_backward(y, g)
        )
    if alpha == 2.0:
        y = sparsemax(x)
        np.testing.assert_array_equal(entmax_bisect_backward(y, g, 2.0), sparsemax_backward(y, g))
        assert np.all(sparsemax_backward(y, g)[y == 0] == 0)  # fora do suporte, gradiente 0
    if alpha == 1.5:
        y = entmax15(x)
        np.testing.assert_allclose(entmax_bisect_backward(y, g, 1.5), entmax15_backward(y, g))


# ---------------------------------------------------------------------------------------------
# Gumbel


@pytest.fixture
def ruido_fixo(monkeypatch):
    """O torch sorteia o ruído com ``exponential_()``; aqui ele recebe os mesmos E ~ Exp(1) que o
    companion tira de ``np.random.default_rng(semente)``."""

    def fixar(semente, formato):
        E = np.random.default_rng(semente).standard_exponential(formato)

        def exponencial(self, *args, **kwargs):
            self.copy_(torch.from_numpy(E))
            return self

        monkeypatch.setattr(torch.Tensor, "exponential_", exponencial)

    return fixar


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("hard", [False, True])
@pytest.mark.parametrize("eixo", [-1, 0, 1])
@pytest.mark.parametrize("tau", [0.1, 0.5, 1.0, 3.0])
def test_gumbel_softmax_igual_ao_torch_com_o_mesmo_ruido(ruido_fixo, dtype, hard, eixo, tau):
    x = np.random.default_rng(5).normal(size=(4, 6, 3)).astype(dtype) * 2
    ruido_fixo(7, x.shape)
    esperado = F.gumbel_softmax(torch.from_numpy(x), tau=tau, hard=hard, dim=eixo).numpy()
    y = gumbel_softmax(x, tau=tau, hard=hard, axis=eixo, rng=np.random.default_rng(7))
    assert y.shape == x.shape and y.dtype == x.dtype
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-14)
    # com hard=True, o torch devolve y_hard - y.detach() + y: o one-hot, a menos de 1 ulp
    np.testing.assert_allclose(y, esperado, **tol)
    if hard:
        assert set(np.unique(y)) <= {0.0, 1.0}
        np.testing.assert_array_equal(y.sum(axis=eixo), 1)


def test_gumbel_softmax_tende_ao_one_hot_e_ao_uniforme():
    x = np.log(np.array([0.1, 0.2, 0.3, 0.4]))
    xs = np.tile(x, (2000, 1))
    maximos = {
        tau: gumbel_softmax(xs, tau=tau, rng=np.random.default_rng(1)).max(axis=1).mean()
        for tau in (0.01, 0.1, 1.0, 10.0, 1000.0)
    }
    assert maximos[0.01] > 0.99  # quase one-hot
    assert maximos[0.01] > maximos[0.1] > maximos[1.0] > maximos[10.0] > maximos[1000.0]
    assert maximos[1000.0] < 0.26  # quase uniforme
    # com τ → 0, o argmax é a amostra de Gumbel-max com o mesmo ruído
    y = gumbel_softmax(xs, tau=1e-3, rng=np.random.default_rng(2))
    np.testing.assert_array_equal(y.argmax(axis=1), gumbel_max_sample(xs, np.random.default_rng(2)))


def _qui_quadrado(amostras, probs):
    contagens = np.bincount(amostras, minlength=len(probs))
    return scipy.stats.chisquare(contagens, len(amostras) * probs).pvalue


@pytest.mark.parametrize("semente", [0, 1, 2])
def test_gumbel_max_segue_a_softmax(semente):
    x = np.array([2.0, 1.0, 0.0, -1.0, 0.5, -np.inf])
    probs = companion.softmax(x)
    amostras = gumbel_max_sample(np.tile(x, (40_000, 1)), np.random.default_rng(semente))
    assert amostras.shape == (40_000,) and amostras.dtype == np.int64
    assert not np.any(amostras == 5)  # -inf nunca sai
    assert _qui_quadrado(amostras, probs[:5] / probs[:5].sum()) > 1e-3


def test_o_qui_quadrado_pega_um_ruido_errado():
    # o teste acima pode falhar: com ruído uniforme no lugar do Gumbel, o qui-quadrado rejeita
    x = np.array([2.0, 1.0, 0.0, -1.0, 0.5])
    rng = np.random.default_rng(0)
    errado = np.argmax(np.tile(x, (40_000, 1)) + rng.random((40_000, 5)), axis=1)
    assert _qui_quadrado(errado, companion.softmax(x)) < 1e-6
    # e o ruído somado depois da softmax também
    rng = np.random.default_rng(0)
    g = -np.log(rng.standard_exponential((40_000, 5)))
    depois = np.argmax(companion.softmax(x) + g, axis=1)
    assert _qui_quadrado(depois, companion.softmax(x)) < 1e-6


def test_gumbel_max_eixo_e_sementes():
    x = np.random.default_rng(0).normal(size=(3, 4, 5))
    a = gumbel_max_sample(x, 11, axis=1)
    assert a.shape == (3, 5)
    np.testing.assert_array_equal(a, gumbel_max_sample(x, np.random.default_rng(11), axis=1))


# ---------------------------------------------------------------------------------------------
# Softmax adaptativa, com os mesmos pesos do torch


@pytest.fixture(autouse=True)
def _sem_aviso_do_torch_de_pesos_vazios(recwarn):
    # o torch avisa ao inicializar as projeções de dimensão 0 (in_features // div_value = 0)
    import warnings

    warnings.filterwarnings("ignore", "Initializing zero-element tensors", UserWarning)


def _modulos(in_features=16, n_classes=50, cutoffs=(5, 20), div_value=2.0, head_bias=False):
    torch.manual_seed(0)
    m = torch.nn.AdaptiveLogSoftmaxWithLoss(
        in_features, n_classes, list(cutoffs), div_value=div_value, head_bias=head_bias
    ).double()
    a = AdaptiveLogSoftmaxWithLoss(
        in_features, n_classes, cutoffs, div_value=div_value, head_bias=head_bias
    ).load_state_dict(m.state_dict())
    return m, a


@pytest.mark.parametrize(
    "config",
    [
        dict(),
        dict(head_bias=True),
        dict(cutoffs=(3,), div_value=4.0),
        dict(in_features=8, n_classes=1000, cutoffs=(10, 100, 500), div_value=2.0),
        dict(in_features=3, n_classes=12, cutoffs=(2, 6), div_value=4.0),  # projeções de dimensão 0
    ],
)
def test_adaptativa_igual_ao_torch(config):
    m, a = _modulos(**config)
    rng = np.random.default_rng(4)
    x = rng.normal(size=(32, m.in_features))
    alvo = rng.integers(0, m.n_classes, size=32)
    alvo[:4] = [0, m.cutoffs[0] - 1, m.cutoffs[0], m.n_classes - 1]  # as bordas dos clusters
    with torch.no_grad():
        log_prob = m.log_prob(torch.from_numpy(x)).numpy()
        saida = m(torch.from_numpy(x), torch.from_numpy(alvo))
        predito = m.predict(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(a.log_prob(x), log_prob, rtol=1e-12, atol=1e-12)
    r = a(x, alvo)
    np.testing.assert_allclose(r.output, saida.output.numpy(), rtol=1e-12, atol=1e-12)
    assert float(r.loss) == pytest.approx(saida.loss.item(), rel=1e-12)
    np.testing.assert_array_equal(a.predict(x), predito)
    np.testing.assert_allclose(np.exp(a.log_prob(x)).sum(axis=1), 1, rtol=1e-12)


def test_adaptativa_float32_e_sem_lote():
    torch.manual_seed(1)
    m = torch.nn.AdaptiveLogSoftmaxWithLoss(8, 30, [4, 12])
    a = AdaptiveLogSoftmaxWithLoss(8, 30, [4, 12], dtype=np.float32).load_state_dict(m.state_dict())
    x = np.random.default_rng(0).normal(size=(8,)).astype(np.float32)
    with torch.no_grad():
        esperado = m(torch.from_numpy(x), torch.tensor(20))
    r = a(x, np.int64(20))
    assert r.output.shape == () and r.output.dtype == np.float32
    assert float(r.output) == pytest.approx(esperado.output.item(), rel=1e-5)
    assert a.log_prob(x).shape == (30,)


@pytest.mark.parametrize(
    "cutoffs, trecho",
    [
        ([20, 5], "estritamente crescente"),
        ([5, 5], "estritamente crescente"),
        ([0, 5], "entre 1 e n_classes - 1"),
        ([5, 50], "entre 1 e n_classes - 1"),
        ([5, 60], "entre 1 e n_classes - 1"),
        ([], "vazio"),
    ],
)
def test_cutoffs_ruins(cutoffs, trecho):
    with pytest.raises(ValueError, match=trecho) as erro:
        AdaptiveLogSoftmaxWithLoss(16, 50, cutoffs)
    assert "cutoffs" in str(erro.value)
    with pytest.raises(ValueError):  # o torch também recusa
        torch.nn.AdaptiveLogSoftmaxWithLoss(16, 50, cutoffs or [0])


@pytest.mark.parametrize(
    "kw, erro, nome",
    [
        (dict(cutoffs=[2.5]), TypeError, "cutoffs"),
        (dict(cutoffs="abc"), TypeError, "cutoffs"),
        (dict(div_value=0.0), ValueError, "div_value"),
        (dict(div_value=-2.0), ValueError, "div_value"),
        (dict(in_features=0), ValueError, "in_features"),
        (dict(n_classes=2.0), TypeError, "n_classes"),
        (dict(head_bias="sim"), TypeError, "head_bias"),
    ],
)
def test_adaptativa_parametros_ruins(kw, erro, nome):
    args = dict(in_features=16, n_classes=50, cutoffs=[5, 20]) | kw
    with pytest.raises(erro, match=nome):
        AdaptiveLogSoftmaxWithLoss(**args)


def test_adaptativa_entradas_ruins():
    _, a = _modulos()
    x = np.zeros((3, 16))
    with pytest.raises(ValueError, match="target deve estar entre 0 e n_classes - 1 = 49"):
        a(x, np.array([0, 50, 1]))
    with pytest.raises(ValueError, match="target deve estar entre"):
        a(x, np.array([0, -1, 1]))
    with pytest.raises(TypeError, match="target"):
        a(x, np.array([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match="target deve ter formato"):
        a(x, np.array([0, 1]))
    with pytest.raises(ValueError, match="input deve ter formato"):
        a.log_prob(np.zeros((3, 15)))
    with pytest.raises(ValueError, match="pesos"):
        a.load_state_dict({"head.weight": np.zeros((7, 16))})
    pesos = a.state_dict() | {"head.weight": np.zeros((6, 16))}
    with pytest.raises(ValueError, match=r"pesos\['head.weight'\] deve ter formato"):
        a.load_state_dict(pesos)


def test_adaptativa_entrada_intacta():
    _, a = _modulos()
    x = np.random.default_rng(0).normal(size=(4, 16))
    alvo = np.array([0, 7, 30, 49])
    antes = (x.copy(), alvo.copy())
    a(x, alvo)
    a.log_prob(x)
    np.testing.assert_array_equal(x, antes[0])
    np.testing.assert_array_equal(alvo, antes[1])


# ---------------------------------------------------------------------------------------------
# Softmax amostrada


def _problema(V=200, d=8, N=4, semente=0):
    rng = np.random.default_rng(semente)
    return (
        rng.normal(size=(N, d)),
        rng.normal(size=(V, d)) * 0.7,
        rng.normal(size=V) * 0.5,
        rng.integers(0, V, size=N),
    )


def test_amostrada_estima_z_sem_vies_e_a_perda_com_vies_para_baixo():
    h, W, b, alvo = _problema()
    completa = companion.cross_entropy(h @ W.T + b, alvo, reduction="none")  # (N,)
    rng = np.random.default_rng(123)
    R = 3000
    vieses = []
    for K in (5, 50, 1000):
        perdas = np.array(
            [sampled_softmax_loss(h, W, b, alvo, K, rng, reduction="none") for _ in range(R)]
        )  # (R, N)
        # E[exp(perda amostrada)] = exp(perda completa): Ẑ é não viesado (teste z, 4,5 desvios)
        e = np.exp(perdas)
        z = (e.mean(axis=0) - np.exp(completa)) / (e.std(axis=0, ddof=1) / np.sqrt(R))
        assert np.all(np.abs(z) < 4.5), z
        # a perda, um log, é viesada para baixo (Jensen)
        vieses.append(perdas.mean(axis=0) - completa)
        assert np.all(vieses[-1] < 0), vieses[-1]
    # e o viés cai quando K cresce
    assert np.all(np.abs(vieses[1]) < np.abs(vieses[0]))
    assert np.all(np.abs(vieses[2]) < np.abs(vieses[0]) / 5)


def test_amostrada_pega_a_correcao_esquecida():
    # o teste acima pode falhar: sem a correção -log(K q), Ẑ deixa de ser não viesado
    h, W, b, alvo = _problema()
    completa = companion.cross_entropy(h @ W.T + b, alvo, reduction="none")
    V, K, R = len(b), 50, 2000
    q = log_uniform_probs(V)
    rng = np.random.default_rng(5)
    e = []
    for _ in range(R):
        s = rng.choice(V, size=K, p=q)
        x_neg = np.where(s[None] == alvo[:, None], -np.inf, h @ W[s].T + b[s])
        x_alvo = (h * W[alvo]).sum(1) + b[alvo]
        e.append(np.exp(companion.logsumexp(np.c_[x_alvo, x_neg], axis=1) - x_alvo))
    e = np.array(e)
    z = (e.mean(axis=0) - np.exp(completa)) / (e.std(axis=0, ddof=1) / np.sqrt(R))
    assert np.any(np.abs(z) > 4.5)


def test_amostrada_com_proposta_uniforme_e_reducoes():
    h, W, b, alvo = _problema(V=30)
    q = np.full(30, 1 / 30)
    por_linha = sampled_softmax_loss(h, W, b, alvo, 10, 3, proposal=q, reduction="none")
    assert por_linha.shape == (4,)
    media = sampled_softmax_loss(h, W, b, alvo, 10, 3, proposal=q)
    soma = sampled_softmax_loss(h, W, b, alvo, 10, 3, proposal=q, reduction="sum")
    assert float(media) == pytest.approx(por_linha.mean())
    assert float(soma) == pytest.approx(por_linha.sum())
    sem_vies = sampled_softmax_loss(h, W, None, alvo, 10, 3, proposal=q, reduction="none")
    assert sem_vies.shape == (4,)


def test_log_uniforme_soma_1_e_decresce():
    q = log_uniform_probs(1000)
    assert q.sum() == pytest.approx(1.0, rel=1e-12)
    assert np.all(np.diff(q) < 0)


@pytest.mark.parametrize(
    "kw, erro, trecho",
    [
        (dict(num_sampled=0), ValueError, "num_sampled"),
        (dict(num_sampled=2.5), TypeError, "num_sampled"),
        (dict(target=np.array([0, 1, 2, 200])), ValueError, "target deve estar entre"),
        (dict(target=np.array([0, 1])), ValueError, "target deve ter formato"),
        (dict(proposal=np.full(200, 1 / 100)), ValueError, "proposal"),
        (dict(proposal=np.r_[0.0, np.full(199, 1 / 199)]), ValueError, "proposal"),
        (dict(proposal=np.full(10, 0.1)), ValueError, "proposal"),
        (dict(bias=np.zeros(3)), ValueError, "bias"),
        (dict(weight=np.zeros((200, 3))), ValueError, "weight"),
        (dict(reduction="media"), ValueError, "reduction"),
        (dict(rng="semente"), TypeError, "rng"),
        (dict(remove_accidental_hits=1), TypeError, "remove_accidental_hits"),
    ],
)
def test_amostrada_entradas_ruins(kw, erro, trecho):
    h, W, b, alvo = _problema()
    args = dict(inputs=h, weight=W, bias=b, target=alvo, num_sampled=5, rng=0) | kw
    with pytest.raises(erro, match=trecho):
        sampled_softmax_loss(**args)


# ---------------------------------------------------------------------------------------------
# Entradas ruins: tau, alpha, rng


@pytest.mark.parametrize("tau", [0.0, -1.0, np.inf, np.nan])
def test_tau_nao_positivo(tau):
    with pytest.raises(ValueError, match="tau deve ser um número finito maior que zero"):
        gumbel_softmax(np.zeros(3), tau=tau, rng=0)


@pytest.mark.parametrize("tau", ["1", None, True])
def test_tau_que_nao_e_numero(tau):
    with pytest.raises(TypeError, match="tau"):
        gumbel_softmax(np.zeros(3), tau=tau, rng=0)


@pytest.mark.parametrize("alpha", [0.5, 0.999, -1.0, np.inf, np.nan])
def test_alpha_menor_que_1(alpha):
    with pytest.raises(ValueError, match="alpha deve ser um número finito >= 1"):
        entmax_bisect(np.zeros(3), alpha)
    with pytest.raises(ValueError, match="alpha"):
        entmax_bisect_backward(np.full(3, 1 / 3), np.zeros(3), alpha)


@pytest.mark.parametrize("alpha", ["1.5", None, True])
def test_alpha_que_nao_e_numero(alpha):
    with pytest.raises(TypeError, match="alpha"):
        entmax_bisect(np.zeros(3), alpha)


@pytest.mark.parametrize(
    "logits, trecho",
    [
        (np.array([[0.0, -np.inf], [-np.inf, -np.inf]]), "só com -inf"),
        (np.array([0.0, np.nan]), "nan"),
        (np.array([0.0, np.inf]), r"\+inf"),
        (np.zeros((2, 0)), "não tem classes"),
        (np.float64(1.0), "pelo menos 1 dimensão"),
    ],
)
def test_gumbel_sem_distribuicao(logits, trecho):
    with pytest.raises(ValueError, match=trecho):
        gumbel_max_sample(logits, 0)
    with pytest.raises(ValueError, match=trecho):
        gumbel_softmax(logits, rng=0)


@pytest.mark.parametrize("rng", ["0", 1.5, object(), -3])
def test_rng_ruim(rng):
    with pytest.raises((TypeError, ValueError), match="rng"):
        gumbel_max_sample(np.zeros(3), rng)


def test_hard_que_nao_e_booleano():
    with pytest.raises(TypeError, match="hard"):
        gumbel_softmax(np.zeros(3), hard="sim", rng=0)


# As entradas hostis, pela mesma tabela de tests/test_entradas_hostis.py

RNG = np.random.default_rng(16)
_H, _W, _B, _ALVO = _problema(V=12, d=4, N=3)
FUNCOES = [
    hostis.Funcao("sparsemax", sparsemax, {"x": hostis.X}, ("x",)),
    hostis.Funcao("entmax15", entmax15, {"x": hostis.X}, ("x",)),
    hostis.Funcao("entmax_bisect", lambda x: entmax_bisect(x, 1.3), {"x": hostis.X}, ("x",)),
    hostis.Funcao(
        "sparsemax_backward",
        sparsemax_backward,
        {"y": sparsemax(hostis.X), "grad_y": hostis.X},
        ("y", "grad_y"),
    ),
    hostis.Funcao(
        "entmax_bisect_backward",
        lambda y, grad_y: entmax_bisect_backward(y, grad_y, 1.3),
        {"y": entmax_bisect(hostis.X, 1.3), "grad_y": hostis.X},
        ("y", "grad_y"),
    ),
    hostis.Funcao(
        "gumbel_softmax",
        lambda logits: gumbel_softmax(logits, 0.5, rng=3),
        {"logits": hostis.X},
        ("logits",),
    ),
    hostis.Funcao(
        "gumbel_max_sample",
        lambda logits: gumbel_max_sample(logits, 3),
        {"logits": hostis.X},
        ("logits",),
    ),
    hostis.Funcao(
        "sampled_softmax_loss",
        lambda inputs, weight, target: sampled_softmax_loss(inputs, weight, _B, target, 4, 3),
        {"inputs": _H, "weight": _W, "target": _ALVO},
        ("inputs", "weight"),
        inteiros=("target",),
    ),
]


def _casos(tabela, campo="arrays"):
    return [
        pytest.param(f, nome, entrada, id=f"{f.nome}-{nome}-{entrada}")
        for f in FUNCOES
        for nome in getattr(f, campo)
        for entrada in tabela
    ]


@pytest.mark.parametrize("funcao", FUNCOES, ids=lambda f: f.nome)
def test_hostis_chamada_valida(funcao):
    resultado, erro = hostis._rodar(funcao, dict(funcao.validos))
    assert erro is None, erro
    assert not np.any(np.isnan(hostis._como_numpy(resultado)))


@pytest.mark.parametrize("funcao, nome, entrada", _casos(hostis.EQUIVALENTES))
def test_hostis_equivalentes(funcao, nome, entrada):
    base, _ = hostis._rodar(funcao, dict(funcao.validos))
    argumentos = {**funcao.validos, nome: hostis.EQUIVALENTES[entrada](funcao.validos[nome])}
    resultado, erro = hostis._rodar(funcao, argumentos)
    assert erro is None, erro
    np.testing.assert_allclose(
        hostis._como_numpy(resultado), hostis._como_numpy(base), rtol=1e-6, atol=1e-7
    )


@pytest.mark.parametrize("funcao, nome, entrada", _casos(hostis.RECUSADAS))
def test_hostis_recusadas_em_portugues(funcao, nome, entrada):
    argumentos = {**funcao.validos, nome: hostis.RECUSADAS[entrada](funcao.validos[nome])}
    resultado, erro = hostis._rodar(funcao, argumentos)
    assert erro is not None, f"{funcao.nome}({nome}={entrada}) devolveu {resultado!r}"
    hostis._assert_erro_em_portugues(funcao, nome, erro)


@pytest.mark.parametrize("funcao, nome, entrada", _casos(hostis.QUAISQUER))
def test_hostis_incomuns(funcao, nome, entrada):
    argumentos = {**funcao.validos, nome: hostis.QUAISQUER[entrada](funcao.validos[nome])}
    resultado, erro = hostis._rodar(funcao, argumentos)
    if erro is not None:
        hostis._assert_erro_em_portugues(funcao, nome, erro)
        return
    if entrada == "mascarado":
        sem_mascara = {**argumentos, nome: np.ma.getdata(argumentos[nome])}
        base, _ = hostis._rodar(funcao, sem_mascara)
        assert not np.allclose(
            hostis._como_numpy(resultado), hostis._como_numpy(base), equal_nan=True
        ), f"{funcao.nome}: a máscara de {nome} foi ignorada"


@pytest.mark.parametrize("funcao, nome, entrada", _casos(hostis.INDICES_RECUSADOS, "inteiros"))
def test_hostis_indices_recusados(funcao, nome, entrada):
    argumentos = {**funcao.validos, nome: hostis.INDICES_RECUSADOS[entrada](funcao.validos[nome])}
    resultado, erro = hostis._rodar(funcao, argumentos)
    assert erro is not None, f"{funcao.nome}({nome}={entrada}) devolveu {resultado!r}"
    hostis._assert_erro_em_portugues(funcao, nome, erro)
