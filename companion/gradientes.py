"""Gradientes da família softmax e das perdas: produtos vetor-jacobiana, sem montar a jacobiana.

Cada ``*_backward`` recebe a saída ``y`` da função e o gradiente ``grad_y`` de uma perda em
relação a ela, e devolve o gradiente em relação à entrada — o que a retropropagação precisa.
``softmax_jacobian`` monta a jacobiana explícita só para ensinar; ``check_grad`` confere um
gradiente por diferenças centrais.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from companion._validacao import como_array_real, normalizar_eixo, real_positivo_finito
from companion.perdas import (
    AlvoDeClasses,
    expandir_pesos,
    pesos_dos_alvos,
    preparar_entropia_cruzada,
)
from companion.softmax import softmax

__all__ = [
    "softmax_backward",
    "log_softmax_backward",
    "sigmoid_backward",
    "cross_entropy_backward",
    "softmax_jacobian",
    "check_grad",
    "VerificacaoGradiente",
]


def _par(y: ArrayLike, grad_y: ArrayLike, nome_y: str) -> tuple[np.ndarray, np.ndarray, np.dtype]:
    saida, dtype_saida = como_array_real(y, nome_y)
    g, _ = como_array_real(grad_y, "grad_y")
    if g.shape != saida.shape:
        raise ValueError(
            f"grad_y deve ter o formato de {nome_y}, {saida.shape}; recebido formato {g.shape}"
        )
    return saida, g.astype(saida.dtype, copy=False), dtype_saida


def softmax_backward(y: ArrayLike, grad_y: ArrayLike, axis: int = -1) -> np.ndarray:
    r"""Gradiente em relação aos logits, dada a saída ``y = softmax(x)`` e ``grad_y = ∂L/∂y``.

    Parameters
    ----------
    y : array_like
        A saída da softmax.
    grad_y : array_like
        :math:`g = \partial L / \partial y`, com o formato de ``y``.
    axis : int, opcional
        O eixo normalizado pela softmax. Padrão: o último.

    Returns
    -------
    numpy.ndarray
        :math:`\partial L / \partial x`, com o formato de ``y``.

    Raises
    ------
    TypeError
        Se as entradas não são numéricas ou ``axis`` não é inteiro.
    ValueError
        Se os formatos diferem ou ``axis`` está fora do intervalo.

    Notes
    -----
    O produto vetor-jacobiana, em :math:`O(K)` por linha em vez de :math:`O(K^2)`:

    .. math::

        \frac{\partial L}{\partial x} = J^\top g = y \odot \bigl(g - \langle g, y\rangle\bigr),
        \qquad J = \operatorname{diag}(y) - y y^\top .

    Examples
    --------
    >>> y = softmax(np.array([1.0, 2.0, 3.0]))
    >>> print(softmax_backward(y, np.array([0.0, 0.0, 1.0])))   # ∂y_3/∂x
    [-0.05989202 -0.1628034   0.22269543]
    """
    saida, g, dtype_saida = _par(y, grad_y, "y")
    eixo = normalizar_eixo(axis, saida.ndim)
    # y ⊙ (g - Σ_j g_j y_j)
    grad = saida * (g - (g * saida).sum(axis=eixo, keepdims=True))
    return grad.astype(dtype_saida, copy=False)


def log_softmax_backward(logp: ArrayLike, grad_logp: ArrayLike, axis: int = -1) -> np.ndarray:
    r"""Gradiente em relação aos logits, dada ``logp = log_softmax(x)`` e ``grad_logp``.

    Parameters
    ----------
    logp : array_like
        A saída da log-softmax.
    grad_logp : array_like
        :math:`g = \partial L / \partial \log p`, com o formato de ``logp``.
    axis : int, opcional
        O eixo normalizado. Padrão: o último.

    Returns
    -------
    numpy.ndarray
        :math:`\partial L / \partial x = g - p \sum_j g_j`, com :math:`p = e^{\log p}`.

    Raises
    ------
    TypeError
        Se as entradas não são numéricas ou ``axis`` não é inteiro.
    ValueError
        Se os formatos diferem ou ``axis`` está fora do intervalo.

    Examples
    --------
    >>> from companion import log_softmax
    >>> logp = log_softmax(np.array([0.0, 0.0]))
    >>> print(log_softmax_backward(logp, np.array([-1.0, 0.0])))   # ∂(-log p_1)/∂x
    [-0.5  0.5]
    """
    saida, g, dtype_saida = _par(logp, grad_logp, "logp")
    eixo = normalizar_eixo(axis, saida.ndim)
    grad = g - np.exp(saida) * g.sum(axis=eixo, keepdims=True)
    return grad.astype(dtype_saida, copy=False)


def sigmoid_backward(y: ArrayLike, grad_y: ArrayLike) -> np.ndarray:
    r"""Gradiente em relação a ``x``, dada ``y = sigmoid(x)``: :math:`g \odot y (1 - y)`.

    Parameters
    ----------
    y : array_like
        A saída da sigmoide.
    grad_y : array_like
        :math:`\partial L / \partial y`, com o formato de ``y``.

    Returns
    -------
    numpy.ndarray
        :math:`\partial L / \partial x`.

    Raises
    ------
    TypeError
        Se as entradas não são numéricas.
    ValueError
        Se os formatos diferem.

    Examples
    --------
    >>> print(sigmoid_backward(np.array([0.5]), np.array([1.0])))
    [0.25]
    """
    saida, g, dtype_saida = _par(y, grad_y, "y")
    return (g * saida * (1 - saida)).astype(dtype_saida, copy=False)


def cross_entropy_backward(
    logits: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
    grad_output: ArrayLike = 1.0,
) -> np.ndarray:
    r"""Gradiente de :func:`companion.cross_entropy` em relação aos logits, para toda opção.

    Os parâmetros são os de :func:`companion.cross_entropy`, mais ``grad_output``: o gradiente
    que chega à perda (um escalar para ``"mean"``/``"sum"``, um array com o formato da perda
    para ``"none"``). Padrão: 1.

    Returns
    -------
    numpy.ndarray
        :math:`\partial L / \partial x`, com o formato de ``logits``.

    Raises
    ------
    TypeError
        Como em :func:`companion.cross_entropy`.
    ValueError
        Como em :func:`companion.cross_entropy`, e se ``grad_output`` não tem o formato da perda.

    Notes
    -----
    Para um alvo :math:`q` (one-hot, ou probabilidades, já suavizado) e pesos :math:`w`,

    .. math::

        \frac{\partial \ell}{\partial x_j} = p_j \sum_c w_c q_c - w_j q_j ,

    que sem pesos é o famoso :math:`p - q`. A média divide pela soma dos pesos dos alvos (índices
    de classe) ou pelo número de posições (probabilidades).

    Examples
    --------
    >>> print(cross_entropy_backward(np.array([[0.0, 0.0]]), np.array([1])))
    [[ 0.5 -0.5]]
    """
    x, dtype_saida, reducao, eps, eixo, alvo, w = preparar_entropia_cruzada(
        logits, target, weight, ignore_index, reduction, label_smoothing
    )
    n_classes = x.shape[eixo]
    p = softmax(x, axis=eixo)
    w_exp = np.ones([1] * x.ndim, x.dtype) if w is None else expandir_pesos(w, x.ndim, eixo)

    if isinstance(alvo, AlvoDeClasses):
        # q = (1 - ε) one-hot(y) + ε/C, só nas posições válidas
        one_hot = np.moveaxis(np.eye(n_classes, dtype=x.dtype)[alvo.seguros], -1, eixo)
        q = (1 - eps) * one_hot + eps / n_classes
        validos = np.expand_dims(alvo.validos, eixo)
        divisor = pesos_dos_alvos(alvo, w, x.dtype).sum()
    else:
        eps_q = alvo * (1 - eps) + eps / n_classes if eps > 0 else alvo
        q = eps_q
        validos = np.ones([1] * x.ndim, bool)
        divisor = x.size / n_classes if x.size else np.nan

    wq = w_exp * q
    # ∂ℓ/∂x_j = p_j Σ_c w_c q_c - w_j q_j, por posição
    grad = p * wq.sum(axis=eixo, keepdims=True) - wq

    g = np.asarray(grad_output, dtype=x.dtype)
    formato_perda = x.shape[:eixo] + x.shape[eixo + 1 :]
    if reducao == "none":
        if g.shape not in ((), formato_perda):
            raise ValueError(
                f"grad_output deve ter o formato da perda, {formato_perda}, com reduction='none'; "
                f"recebido formato {g.shape}"
            )
        g = np.expand_dims(g, eixo) if g.ndim else g
    elif g.shape != ():
        raise ValueError(
            f"grad_output deve ser um escalar com reduction={reducao!r}; recebido formato {g.shape}"
        )
    # todos os alvos ignorados com "mean": a perda é 0/0 = nan, mas as posições ignoradas
    # nunca recebem gradiente, então o gradiente é 0, como no torch
    with np.errstate(invalid="ignore", divide="ignore"):
        if reducao == "mean":
            g = g / divisor
        grad = np.where(validos, grad * g, 0)
    return grad.astype(dtype_saida, copy=False)


def softmax_jacobian(x: ArrayLike, axis: int = -1) -> np.ndarray:
    r"""A jacobiana explícita da softmax, :math:`J = \operatorname{diag}(p) - p p^\top`.

    Para ensinar: ela ocupa :math:`K^2` números por linha, e a retropropagação nunca precisa
    dela (veja :func:`softmax_backward`).

    Parameters
    ----------
    x : array_like
        Logits.
    axis : int, opcional
        O eixo da softmax. Padrão: o último.

    Returns
    -------
    numpy.ndarray
        Formato ``(..., K, K)``, com o eixo ``axis`` movido para o fim:
        ``J[..., i, j] = ∂p_i/∂x_j``.

    Raises
    ------
    TypeError
        Se ``x`` não é numérico ou ``axis`` não é inteiro.
    ValueError
        Se ``axis`` está fora do intervalo.

    Examples
    --------
    >>> print(softmax_jacobian(np.array([0.0, 0.0])))
    [[ 0.25 -0.25]
     [-0.25  0.25]]
    """
    arr, dtype_saida = como_array_real(x)
    eixo = normalizar_eixo(axis, arr.ndim)
    p = np.moveaxis(softmax(arr, axis=eixo), eixo, -1)  # (..., K)
    # J_ij = p_i (δ_ij - p_j)
    jac = p[..., :, None] * (np.eye(p.shape[-1], dtype=p.dtype) - p[..., None, :])
    return jac.astype(dtype_saida, copy=False)


@dataclass(frozen=True)
class VerificacaoGradiente:
    """Resultado de :func:`companion.check_grad`: verdadeiro quando o gradiente confere."""

    ok: bool
    erro_maximo: float
    indice: tuple[int, ...]
    analitico: float
    numerico: float

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        if self.ok:
            return f"gradiente confere (maior erro relativo {self.erro_maximo:.1e})"
        return (
            f"gradiente NÃO confere no índice {self.indice}: analítico {self.analitico:.6g}, "
            f"numérico {self.numerico:.6g} (erro relativo {self.erro_maximo:.1e})"
        )


def check_grad(
    f: Callable[[np.ndarray], float],
    grad_f: Callable[[np.ndarray], ArrayLike],
    x: ArrayLike,
    eps: float = 1e-6,
    rtol: float = 1e-5,
    atol: float = 1e-8,
) -> VerificacaoGradiente:
    r"""Compara ``grad_f(x)`` com o gradiente de ``f`` por diferenças centrais.

    Parameters
    ----------
    f : callable
        Função escalar de um array (por exemplo, uma perda).
    grad_f : callable
        O gradiente analítico que se quer conferir, com o formato de ``x``.
    x : array_like
        Onde conferir (convertido para ``float64``).
    eps : float, opcional
        O passo :math:`h` das diferenças centrais. Padrão: 1e-6.
    rtol, atol : float, opcional
        Tolerâncias relativa e absoluta. Padrão: 1e-5 e 1e-8.

    Returns
    -------
    VerificacaoGradiente
        Verdadeira quando todo elemento confere; senão diz o índice, o valor analítico e o
        numérico do pior elemento.

    Raises
    ------
    TypeError
        Se ``x`` não é numérico.
    ValueError
        Se ``eps`` não é positivo ou ``grad_f`` devolve um formato diferente do de ``x``.

    Notes
    -----
    .. math::

        \frac{\partial f}{\partial x_i} \approx \frac{f(x + h e_i) - f(x - h e_i)}{2h},

    com erro :math:`O(h^2)`; :math:`h` pequeno demais troca esse erro pelo de arredondamento.

    Examples
    --------
    >>> print(check_grad(lambda v: (v**2).sum(), lambda v: 2 * v, np.array([1.0, -2.0])).ok)
    True
    """
    arr, _ = como_array_real(x)
    ponto = arr.astype(np.float64)
    h = real_positivo_finito(eps, "eps")
    analitico = np.asarray(grad_f(ponto.copy()), dtype=np.float64)
    if analitico.shape != ponto.shape:
        raise ValueError(
            f"grad_f deve devolver o formato de x, {ponto.shape}; devolveu {analitico.shape}"
        )
    numerico = np.empty_like(ponto)
    for i in np.ndindex(ponto.shape):
        mais, menos = ponto.copy(), ponto.copy()
        mais[i] += h
        menos[i] -= h
        numerico[i] = (float(f(mais)) - float(f(menos))) / (2 * h)
    erro = np.abs(analitico - numerico) / (atol + rtol * np.abs(numerico))
    pior = np.unravel_index(int(np.argmax(erro)), erro.shape) if erro.size else ()
    relativo = (
        float(np.abs(analitico - numerico)[pior] / max(abs(numerico[pior]), atol))
        if erro.size
        else 0.0
    )
    return VerificacaoGradiente(
        ok=bool(np.all(erro <= 1.0)),
        erro_maximo=relativo,
        indice=tuple(int(i) for i in pior),
        analitico=float(analitico[pior]) if erro.size else 0.0,
        numerico=float(numerico[pior]) if erro.size else 0.0,
    )
