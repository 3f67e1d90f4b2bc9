"""A sigmoide logística e o seu logaritmo, estáveis para qualquer entrada."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from companion._validacao import como_array_real

__all__ = ["sigmoid", "log_sigmoid"]


def sigmoid(x: ArrayLike) -> np.ndarray:
    r"""Sigmoide logística :math:`\sigma(x) = 1 / (1 + e^{-x})`, elemento a elemento.

    Parameters
    ----------
    x : array_like
        Valores reais (mesmas regras de dtype de :func:`companion.softmax`): arrays, listas ou
        tensores do torch de CPU (convertidos, sem o autograd; ``bfloat16`` sai em ``float32``).
        Arrays mascarados são recusados: aqui a máscara não tem um sentido único.

    Returns
    -------
    numpy.ndarray
        Valores em :math:`[0, 1]`, com o formato de ``x``.

    Raises
    ------
    TypeError
        Se ``x`` não contém números reais.

    Notes
    -----
    Com :math:`z = e^{-|x|} \in (0, 1]`, que nunca estoura,

    .. math::

        \sigma(x) = \begin{cases} 1 / (1 + z) & x \ge 0 \\ z / (1 + z) & x < 0 \end{cases}

    A forma ingênua ``1 / (1 + exp(-x))`` calcula ``exp(1000)`` quando ``x = -1000`` e
    emite um aviso de estouro; esta não.

    Examples
    --------
    >>> print(sigmoid([-1000.0, 0.0, 1000.0]))
    [0.  0.5 1. ]
    """
    arr, dtype_saida = como_array_real(x)
    return _sigmoid(arr).astype(dtype_saida, copy=False)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """Parte central da sigmoide, com a entrada já validada."""
    # z = e^{-|x|} ∈ (0, 1]: nunca estoura, qualquer que seja o sinal de x
    z = np.exp(-np.abs(x))
    # x >= 0: 1 / (1 + e^{-x});  x < 0: e^{x} / (1 + e^{x}) — os dois ramos usam z
    # (nan >= 0 é falso, e z / (1 + z) propaga o nan)
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


def log_sigmoid(x: ArrayLike) -> np.ndarray:
    r"""Logaritmo da sigmoide, :math:`\log \sigma(x)`, sem estouro nem ``-inf`` espúrio.

    Parameters
    ----------
    x : array_like
        Valores reais.

    Returns
    -------
    numpy.ndarray
        Valores :math:`\le 0`, com o formato de ``x``.

    Raises
    ------
    TypeError
        Se ``x`` não contém números reais.

    Notes
    -----
    .. math::

        \log \sigma(x) = \min(x, 0) - \log\left(1 + e^{-|x|}\right)

    Os dois termos têm o mesmo sinal (não há cancelamento) e o segundo é um ``log1p``: o erro
    relativo é de poucos ulps em toda a reta, inclusive onde :math:`\log\sigma(x) \approx
    -e^{-x}` é minúsculo (:math:`x = 40` dá :math:`-4{,}25 \times 10^{-18}`).

    ``np.log(sigmoid(-1000))`` dá ``-inf``, porque :math:`\sigma(-1000)` é pequeno demais para
    um ``float64``; o valor certo é :math:`\approx -1000`.

    Examples
    --------
    >>> print(log_sigmoid([-1000.0, 0.0, 1000.0]))
    [-1.00000000e+03 -6.93147181e-01  0.00000000e+00]
    """
    arr, dtype_saida = como_array_real(x)
    resultado = np.minimum(arr, 0.0) - np.log1p(np.exp(-np.abs(arr)))
    return resultado.astype(dtype_saida, copy=False)
