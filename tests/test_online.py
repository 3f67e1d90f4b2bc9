"""Testes de companion.online: qualquer divisão em blocos dá a softmax e a logsumexp do
companion; a combinação de estados é associativa e comutativa; o iterável é lido uma vez; a
atenção por blocos é igual à direta."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_allclose

from companion import cross_entropy, logsumexp, softmax
from companion.online import (
    Estado,
    blockwise_attention,
    blockwise_softmax,
    chunked_cross_entropy,
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
    with pytest.raises(ValueError, match=r"k deve ter a última dimensão .* igual à de q"):
        blockwise_attention(np.zeros((2, 3)), np.zeros((4, 2)), np.zeros((4, 1)), 2)


# ---------------------------------------------------------------------------------------------
# +inf e nan se propagam como em torch.logsumexp / torch.softmax (issue 12, §2)

especiais = st.one_of(
    st.floats(-50, 50), st.sampled_from([np.inf, -np.inf, np.nan, 0.0, 1e300, -1e300])
)


@st.composite
def linha_com_especiais_e_cortes(draw):
    """Uma linha (talvez vazia) com +inf, -inf e nan em qualquer posição, e uma divisão dela."""
    linha = draw(hnp.arrays(np.float64, st.integers(0, 12), elements=especiais))
    cortes = sorted(draw(st.lists(st.integers(0, linha.size), max_size=5)))
    return linha, np.split(linha, cortes)


@given(linha_com_especiais_e_cortes())
def test_infinitos_e_nan_como_torch_logsumexp(dados):
    linha, blocos = dados
    esperado = torch.logsumexp(torch.from_numpy(linha), dim=0).item()
    # perto de LSE = 0 (p. ex. [0, -40]) as contas diferem no arredondamento, e o erro relativo não
    # faz sentido: a folga absoluta é de alguns eps na escala da conta (os termos são <= 1 depois
    # do deslocamento)
    folga = {"rtol": 1e-12, "atol": 1e-15, "equal_nan": True}
    assert_allclose(online_logsumexp(iter(blocos)), esperado, **folga)
    assert_allclose(online_normalizer(blocos).logsumexp, esperado, **folga)
    assert_allclose(estado_de(linha).logsumexp, esperado, **folga)
    # a mesma resposta, combinando os estados dos blocos em qualquer ordem
    estado = estado_de(np.zeros(0))
    for bloco in reversed(blocos):
        estado = merge(estado_de(bloco), estado)
    assert_allclose(estado.logsumexp, esperado, **folga)


@given(linha_com_especiais_e_cortes(), st.integers(1, 5))
def test_infinitos_e_nan_como_torch_softmax(dados, bloco):
    linha, blocos = dados
    esperado = torch.softmax(torch.from_numpy(linha), dim=0).numpy()
    assert_allclose(online_softmax(iter(blocos)), esperado, rtol=1e-12, atol=1e-300, equal_nan=True)
    obtido = blockwise_softmax(linha, bloco)
    assert_allclose(obtido, esperado, rtol=1e-12, atol=1e-300, equal_nan=True)


def test_infinitos_e_nan_casos_nomeados():
    # os exemplos da issue 12: +inf → inf, nan → nan (antes, os dois viravam -inf)
    assert online_logsumexp([[1.0, np.inf]]) == np.inf
    assert np.isnan(online_logsumexp([[1.0], [np.nan]]))
    assert np.isnan(online_logsumexp([[np.inf], [np.nan]]))
    assert online_logsumexp([[-np.inf], [np.inf]]) == np.inf
    estado = estado_de(np.array([[0.0, np.inf], [np.nan, 1.0], [-np.inf, -np.inf]]))
    assert_allclose(estado.logsumexp, [np.inf, np.nan, -np.inf])
    assert np.all(np.isnan(online_softmax([[1.0], [np.inf]])))


# ---------------------------------------------------------------------------------------------
# blockwise_softmax: vetorizada por bloco; eixos, 0-d e vazios (issue 12, §1 a §3)


def test_blockwise_softmax_nao_faz_um_merge_por_bloco(monkeypatch):
    import companion.online as online

    chamadas = []
    original = online.merge
    monkeypatch.setattr(online, "merge", lambda a, b: chamadas.append(1) or original(a, b))
    x = np.random.default_rng(0).normal(scale=10.0, size=(2, 100_000))
    assert_allclose(blockwise_softmax(x, 1), softmax(x), rtol=1e-12, atol=1e-300)
    # uma árvore de 100 000 blocos tem 17 níveis; cada nível é um merge vetorizado
    assert len(chamadas) <= 17


def test_blockwise_softmax_bloco_maior_que_o_eixo():
    x = np.array([1.0, 2.0, 3.0])
    assert_allclose(blockwise_softmax(x, 10**12), softmax(x), rtol=1e-15)


def test_blockwise_softmax_0d_e_vazios():
    # 0-d: a softmax de um elemento só é 1, como torch.softmax(torch.tensor(x), 0)
    assert blockwise_softmax(np.float32(3.0), 2).shape == ()
    assert blockwise_softmax(np.float32(3.0), 2) == 1.0
    assert blockwise_softmax(np.float32(3.0), 2).dtype == np.float32
    assert np.isnan(blockwise_softmax(np.inf, 1))
    for formato, eixo in [((0,), -1), ((3, 0), -1), ((0, 3), -1), ((0, 3), 0), ((2, 0, 4), 1)]:
        y = blockwise_softmax(np.zeros(formato, np.float32), 2, axis=eixo)
        assert y.shape == formato and y.dtype == np.float32


def test_blockwise_softmax_mantem_o_dtype():
    x = np.random.default_rng(1).normal(size=(3, 17)).astype(np.float32)
    y = blockwise_softmax(x, 4, axis=0)
    assert y.dtype == np.float32
    assert_allclose(y, softmax(x, axis=0), rtol=1e-6)


@pytest.mark.parametrize("axis", [True, (0,), (0, 1), 1.0, None])
def test_blockwise_softmax_recusa_eixo_que_nao_e_inteiro(axis):
    with pytest.raises(TypeError, match="axis deve ser um inteiro"):
        blockwise_softmax(np.zeros((2, 3)), 2, axis=axis)


def test_blockwise_softmax_eixo_fora_do_intervalo():
    with pytest.raises(ValueError, match="axis fora do intervalo"):
        blockwise_softmax(np.zeros((2, 3)), 2, axis=2)


@pytest.mark.parametrize("bloco", [2.0, "2", None, True])
def test_block_size_que_nao_e_inteiro(bloco):
    with pytest.raises(TypeError, match="block_size deve ser um inteiro positivo"):
        blockwise_softmax(np.zeros(3), bloco)
    with pytest.raises(TypeError, match="block_size deve ser um inteiro positivo"):
        blockwise_attention(np.zeros((2, 3)), np.zeros((4, 3)), np.zeros((4, 1)), bloco)


# ---------------------------------------------------------------------------------------------
# merge e Estado: entradas ruins com mensagens em português (issue 12, §3)


def test_merge_recusa_o_que_nao_e_estado():
    e = estado_de([1.0, 2.0])
    with pytest.raises(TypeError, match=r"a deve ser um Estado .*recebido None"):
        merge(None, e)
    with pytest.raises(TypeError, match=r"b deve ser um Estado .*recebido \(1.0, 2.0\)"):
        merge(e, (1.0, 2.0))


def test_merge_recusa_formatos_incompativeis():
    a = estado_de(np.zeros((2, 4)))
    b = estado_de(np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"formatos compatíveis.*\(2,\) e \(3,\)"):
        merge(a, b)
    # um estado escalar (vazio) combina com qualquer formato, por broadcast
    vazio = Estado(np.array(-np.inf), np.array(0.0))
    assert_allclose(merge(vazio, a).logsumexp, logsumexp(np.zeros((2, 4)), axis=-1))


def test_estado_confere_m_e_d():
    with pytest.raises(ValueError, match=r"m e d de um Estado devem ter o mesmo formato"):
        Estado(np.zeros(2), np.zeros(3))
    with pytest.raises(TypeError, match="m deve conter números reais"):
        Estado("0", 1.0)
    e = Estado(0.0, 2)
    assert e.m.dtype == e.d.dtype == np.float64


def test_estado_de_confere_o_eixo():
    with pytest.raises(TypeError, match="axis deve ser um inteiro"):
        estado_de(np.zeros((2, 3)), axis=(0, 1))
    assert_allclose(estado_de(np.zeros((2, 3)), axis=0).logsumexp, np.log([2.0, 2.0, 2.0]))


# ---------------------------------------------------------------------------------------------
# blockwise_attention sem chaves: zeros, como o torch (issue 12, §2)


def test_atencao_sem_chaves_da_zeros_como_o_torch():
    q = np.random.default_rng(0).normal(size=(3, 4))
    k, v = np.zeros((0, 4)), np.zeros((0, 2))
    esperado = torch.nn.functional.scaled_dot_product_attention(
        *(torch.from_numpy(a)[None] for a in (q, k, v))
    )[0].numpy()
    obtido = blockwise_attention(q, k, v, 2)
    assert obtido.shape == (3, 2)
    assert_allclose(obtido, esperado, atol=0)


# ---------------------------------------------------------------------------------------------
# A entropia cruzada da cabeça do modelo de linguagem por blocos do vocabulário (issue 13)


def _cabeca(N=12, d=8, V=300, semente=0, dtype=np.float64):
    rng = np.random.default_rng(semente)
    h = rng.normal(size=(N, d)).astype(dtype)
    W = rng.normal(size=(V, d)).astype(dtype)
    b = rng.normal(size=V).astype(dtype)
    alvo = rng.integers(0, V, size=N)
    return h, W, b, alvo


@pytest.mark.parametrize("bloco", [1, 7, 64, 299, 300, 1000])
@pytest.mark.parametrize("com_vies", [False, True])
@pytest.mark.parametrize("reducao", ["mean", "sum", "none"])
def test_chunked_cross_entropy_igual_a_direta(bloco, com_vies, reducao):
    h, W, b, alvo = _cabeca()
    alvo[[2, 5]] = -100
    vies = b if com_vies else None
    logits = h @ W.T + (b if com_vies else 0.0)
    esperado = cross_entropy(logits, alvo, reduction=reducao)
    obtido = chunked_cross_entropy(h, W, alvo, bloco, b=vies, reduction=reducao)
    assert_allclose(obtido, esperado, rtol=1e-12, atol=1e-12)


@given(
    st.integers(1, 6), st.integers(1, 5), st.integers(1, 40), st.integers(1, 50),
    st.floats(0.1, 30.0),
)
def test_chunked_cross_entropy_qualquer_bloco(N, d, V, bloco, escala):
    rng = np.random.default_rng(N * 1000 + d * 100 + V)
    h, W = rng.normal(size=(N, d)) * escala, rng.normal(size=(V, d))
    alvo = rng.integers(0, V, size=N)
    logits = h @ W.T
    # LSE - z_y perto de 0 cancela: o erro absoluto é da ordem de eps·|logits| (a perda direta
    # usa log1p e não cancela)
    folga = 1e-14 * (np.abs(logits).max() + 1)
    assert_allclose(
        chunked_cross_entropy(h, W, alvo, bloco), cross_entropy(logits, alvo), rtol=1e-11,
        atol=folga,
    )


@pytest.mark.parametrize("reducao", ["mean", "sum"])
def test_chunked_cross_entropy_gradientes_como_o_torch(reducao):
    h, W, b, alvo = _cabeca(N=10, d=6, V=130)
    alvo[4] = 7  # dois alvos iguais: os gradientes se somam na mesma linha de W
    alvo[1] = -100
    H, WW, bb = (torch.tensor(a, requires_grad=True) for a in (h, W, b))
    perda = torch.nn.functional.cross_entropy(H @ WW.T + bb, torch.tensor(alvo), reduction=reducao)
    perda.backward()
    obtida, g_h, g_W, g_b = chunked_cross_entropy(
        h, W, alvo, 32, b=b, reduction=reducao, return_grad=True
    )
    assert_allclose(obtida, perda.item(), rtol=1e-12)
    assert_allclose(g_h, H.grad.numpy(), rtol=1e-10, atol=1e-14)
    assert_allclose(g_W, WW.grad.numpy(), rtol=1e-10, atol=1e-14)
    assert_allclose(g_b, bb.grad.numpy(), rtol=1e-10, atol=1e-14)
    assert chunked_cross_entropy(h, W, alvo, 32, return_grad=True)[3] is None


def test_chunked_cross_entropy_float32_e_casos_de_borda():
    h, W, b, alvo = _cabeca(dtype=np.float32)
    perda = chunked_cross_entropy(h, W, alvo, 50, b=b)
    assert perda.dtype == np.float32
    assert_allclose(perda, cross_entropy(h @ W.T + b, alvo), rtol=1e-5)
    # todos os alvos ignorados: nan com "mean", 0 com "sum", como no torch
    ignorados = np.full(alvo.shape, -100)
    assert np.isnan(chunked_cross_entropy(h, W, ignorados, 50))
    assert chunked_cross_entropy(h, W, ignorados, 50, reduction="sum") == 0
    # um +inf num logit dá nan naquela posição, como companion.cross_entropy e o torch
    h64, W64 = h.astype(np.float64), W.astype(np.float64)
    W64[17] = np.inf * np.sign(h64[0]) * (np.abs(h64[0]) > 0)
    com_inf = h64[:1] @ W64.T
    assert np.isposinf(com_inf).any()
    esperado = cross_entropy(com_inf, alvo[:1], reduction="none")
    obtido = chunked_cross_entropy(h64[:1], W64, alvo[:1], 50, reduction="none")
    assert_allclose(obtido, esperado)
    assert np.isnan(obtido[0])
    # as entradas não são alteradas
    copias = [a.copy() for a in (h, W, b, alvo)]
    chunked_cross_entropy(h, W, alvo, 7, b=b, return_grad=True)
    for original, copia in zip((h, W, b, alvo), copias, strict=True):
        np.testing.assert_array_equal(original, copia)


def test_chunked_cross_entropy_entradas_ruins():
    h, W, b, alvo = _cabeca(N=4, d=3, V=20)
    with pytest.raises(ValueError, match=r"h deve ser uma matriz \(N, d\).*formato \(3,\)"):
        chunked_cross_entropy(h[0], W, alvo, 8)
    with pytest.raises(ValueError, match=r"W deve ter uma coluna por dimensão de h.*\(20, 2\)"):
        chunked_cross_entropy(h, W[:, :2], alvo, 8)
    with pytest.raises(ValueError, match=r"b deve ter um viés por linha de W, formato \(20,\)"):
        chunked_cross_entropy(h, W, alvo, 8, b=b[:5])
    with pytest.raises(ValueError, match="chunk_size deve ser um inteiro positivo; recebido 0"):
        chunked_cross_entropy(h, W, alvo, 0)
    with pytest.raises(TypeError, match="chunk_size deve ser um inteiro positivo; recebido"):
        chunked_cross_entropy(h, W, alvo, 2.5)
    with pytest.raises(TypeError, match="target deve conter índices de classe inteiros"):
        chunked_cross_entropy(h, W, alvo.astype(float), 8)
    with pytest.raises(ValueError, match=r"target fora do intervalo na posição \(1,\): rec"):
        chunked_cross_entropy(h, W, np.array([0, 20, 1, 2]), 8)
    with pytest.raises(ValueError, match=r"target com índices de classe deve ter formato \(4,\)"):
        chunked_cross_entropy(h, W, alvo[:3], 8)
    with pytest.raises(TypeError, match="h deve conter números reais"):
        chunked_cross_entropy("h", W, alvo, 8)
    with pytest.raises(ValueError, match="reduction deve ser 'mean', 'sum' ou 'none'"):
        chunked_cross_entropy(h, W, alvo, 8, reduction="media")
    with pytest.raises(ValueError, match='return_grad=True precisa de uma perda escalar'):
        chunked_cross_entropy(h, W, alvo, 8, reduction="none", return_grad=True)
    with pytest.raises(TypeError, match="return_grad deve ser True ou False"):
        chunked_cross_entropy(h, W, alvo, 8, return_grad="sim")


def test_chunked_cross_entropy_nao_monta_os_logits():
    """Num tamanho real (N = 64, d = 256, V = 50 257, o vocabulário do GPT-2), o pico de memória
    fica muito abaixo dos N·V·4 bytes dos logits em float32."""
    import tracemalloc

    rng = np.random.default_rng(0)
    N, d, V = 64, 256, 50_257
    h = rng.normal(size=(N, d)).astype(np.float32)
    W = (0.05 * rng.normal(size=(V, d))).astype(np.float32)
    alvo = rng.integers(0, V, size=N)
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        perda = chunked_cross_entropy(h, W, alvo, 1024)
        _, pico = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert pico < N * V * 4 / 3, f"pico de {pico / 2**20:.1f} MiB"
    assert_allclose(perda, cross_entropy(h @ W.T, alvo), rtol=1e-5)
