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
