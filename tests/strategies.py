"""Estratégias hypothesis compartilhadas pelos testes."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

DTYPES = (np.float64, np.float32)

# Tolerâncias de paridade com o torch (a issue 2 fixa 1e-6 relativo em float32 e 1e-12 em
# float64). O atol cobre só os números subnormais: abaixo do menor normal, exp tem precisão
# absoluta, não relativa, e numpy e torch podem diferir no último bit.
TOL = {
    np.dtype(np.float64): dict(rtol=1e-12, atol=1e-300),
    np.dtype(np.float32): dict(rtol=1e-6, atol=1e-37),
}


def valores(dtype, extremos: bool = True) -> st.SearchStrategy[float]:
    """Floats finitos do dtype: moderados, grandes (±1e4) e, em float32, até ±3e38."""
    width = 32 if dtype == np.float32 else 64
    limite = float(np.float32(3e38)) if dtype == np.float32 else 1e300
    moderados = st.floats(-50, 50, width=width)
    grandes = st.floats(-1e4, 1e4, width=width)
    if not extremos:
        return st.one_of(moderados, grandes)
    enormes = st.floats(-limite, limite, width=width, allow_nan=False, allow_infinity=False)
    return st.one_of(moderados, grandes, st.sampled_from([limite, -limite, 0.0]), enormes)


@st.composite
def arrays(draw, dtypes=DTYPES, min_dims=1, max_dims=4, max_lado=6, extremos=True, min_lado=1):
    """Um array finito de dtype, formato e valores variados."""
    dtype = draw(st.sampled_from(dtypes))
    formato = draw(
        hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_lado, max_side=max_lado)
    )
    return draw(hnp.arrays(dtype, formato, elements=valores(dtype, extremos)))


@st.composite
def arrays_e_eixo(draw, **kwargs):
    """Um array e um eixo válido dele (positivo ou negativo)."""
    x = draw(arrays(**kwargs))
    eixo = draw(st.integers(-x.ndim, x.ndim - 1))
    return x, eixo


@st.composite
def arrays_e_eixos(draw, **kwargs):
    """Um array e uma especificação de redução: None, um inteiro ou uma tupla de eixos."""
    x = draw(arrays(**kwargs))
    escolha = draw(st.sampled_from(["none", "int", "tupla"]))
    if escolha == "none":
        return x, None
    if escolha == "int":
        return x, draw(st.integers(-x.ndim, x.ndim - 1))
    eixos = draw(st.lists(st.integers(0, x.ndim - 1), min_size=1, max_size=x.ndim, unique=True))
    return x, tuple(eixos)


@st.composite
def problemas_de_classificacao(draw, extremos=True, moderados=False):
    """Logits (C,), (N, C) ou (N, C, d1[, d2]) em float64, e todas as opções da entropia cruzada:
    alvos por índice (com alguns ignore_index) ou por probabilidade, pesos, redução, suavização."""
    familia = draw(st.sampled_from(["C", "NC", "NCd"]))
    C = draw(st.integers(1, 5))
    if familia == "C":
        formato = (C,)
    elif familia == "NC":
        formato = (draw(st.integers(1, 4)), C)
    else:
        extras = draw(st.lists(st.integers(1, 3), min_size=1, max_size=2))
        formato = (draw(st.integers(1, 3)), C, *extras)
    if moderados:  # para diferenças finitas, que perdem precisão com perdas enormes
        elementos = st.floats(-30, 30)
    elif not extremos:
        elementos = valores(np.float64, extremos=False)
    else:
        elementos = st.one_of(st.floats(-50, 50), st.floats(-1e4, 1e4))
    x = draw(hnp.arrays(np.float64, formato, elements=elementos))
    eixo = 0 if len(formato) == 1 else 1
    formato_alvo = formato[:eixo] + formato[eixo + 1 :]
    ignore_index = draw(st.sampled_from([-100, -1, C]))
    if draw(st.booleans()):
        alvo = draw(hnp.arrays(np.int64, formato_alvo, elements=st.integers(0, C - 1)))
        if alvo.size and draw(st.booleans()):
            ignorados = draw(hnp.arrays(bool, formato_alvo))
            alvo = np.where(ignorados, ignore_index, alvo)
    else:
        brutos = draw(hnp.arrays(np.float64, formato, elements=st.floats(0.0, 1.0)))
        soma = brutos.sum(axis=eixo, keepdims=True)
        alvo = np.where(soma > 0, brutos / np.where(soma > 0, soma, 1), 1.0 / C)
        ignore_index = -100  # com probabilidades, torch e companion recusam outro ignore_index
    peso = draw(st.none() | hnp.arrays(np.float64, (C,), elements=st.floats(0.1, 3.0)))
    opcoes = dict(
        weight=peso,
        ignore_index=ignore_index,
        reduction=draw(st.sampled_from(["mean", "sum", "none"])),
        label_smoothing=draw(st.sampled_from([0.0, 0.1, 0.5, 1.0])),
    )
    return x, alvo, opcoes


@st.composite
def linhas_dominantes(draw, dtype=np.float64):
    """Uma linha cujo máximo é 0 (às vezes repetido) e cujo resto fica bem abaixo: a região em que
    ``log(1 + s)`` perde ``s`` e só ``log1p(s)`` acerta (logsumexp ≈ s, minúsculo).

    O resto vem de [-700, -1] (em float32, de [-85, -1]; em float16, de [-15, -1]: e^x ainda é um
    número normal, sem a precisão reduzida dos subnormais), com alguns
    ``-inf``; o máximo exato em 0 torna ``x - m`` exato, e o erro esperado é só o do ``exp``, da
    soma e do ``log1p``.
    """
    piso = {np.float64: -700.0, np.float32: -85.0, np.float16: -15.0}[dtype]
    width = {np.float64: 64, np.float32: 32, np.float16: 16}[dtype]
    resto = draw(
        st.lists(
            st.one_of(st.floats(piso, -1.0, width=width), st.just(-np.inf)),
            min_size=1,
            max_size=40,
        )
    )
    empates = draw(st.integers(1, 3)) if draw(st.integers(0, 4)) == 0 else 1
    linha = np.array([0.0] * empates + resto, dtype=dtype)
    return np.array(draw(st.permutations(list(linha))), dtype=dtype)


@st.composite
def problemas_de_logsumexp_com_pesos(draw):
    """``x``, ``b`` (do formato de ``x`` ou que se expande até ele, com zeros e negativos), um
    ``axis`` e ``keepdims``, para comparar com ``scipy.special.logsumexp``."""
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    formato = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    elementos = st.one_of(
        st.floats(-30, 30, width=32),
        st.sampled_from([np.inf, -np.inf, np.nan, 0.0, 700.0, -700.0]),
    )
    x = draw(hnp.arrays(dtype, formato, elements=elementos))
    # b: o formato de x com alguns eixos trocados por 1, ou sem os primeiros eixos (broadcast)
    formato_b = tuple(1 if draw(st.booleans()) else n for n in formato)
    formato_b = formato_b[draw(st.integers(0, len(formato_b))) :]
    pesos = st.one_of(st.floats(-3, 3, width=32), st.just(0.0), st.just(1.0), st.just(-1.0))
    b = draw(hnp.arrays(np.float64, formato_b, elements=pesos))
    escolha = draw(st.sampled_from(["none", "int", "tupla"]))
    if escolha == "none":
        eixo = None
    elif escolha == "int":
        eixo = draw(st.integers(-x.ndim, x.ndim - 1))
    else:
        eixo = tuple(
            draw(st.lists(st.integers(0, x.ndim - 1), min_size=1, max_size=x.ndim, unique=True))
        )
    return x, b, eixo, draw(st.booleans())
