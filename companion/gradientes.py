"""Gradientes da família softmax e das perdas: produtos vetor-jacobiana, sem montar a jacobiana.

Cada ``*_backward`` de uma função recebe a saída ``y`` e o gradiente ``grad_y`` de uma perda em
relação a ela (``softmax_backward``, ``log_softmax_backward``, ``sigmoid_backward``); cada
``*_backward`` de uma perda recebe os argumentos da perda e o gradiente ``grad_output`` que chega
a ela (``cross_entropy_backward``, ``nll_loss_backward``, ``binary_cross_entropy_backward``,
``binary_cross_entropy_with_logits_backward``). Todos devolvem o gradiente em relação à entrada
— o que a retropropagação precisa —, com os valores do ``torch.autograd``, em memória
:math:`O(\\text{tamanho da entrada})`. ``softmax_jacobian`` monta a jacobiana explícita só para
ensinar; ``check_grad`` confere um gradiente por diferenças centrais. Os gradientes do teto suave
e da perda z do capítulo 9 (``softcap_backward``, ``z_loss_backward``) moram em
:mod:`companion.atencao`, junto das funções, e estão disponíveis aqui também. Os da sparsemax e
da entmax do capítulo 10 (``sparsemax_backward``, ``entmax15_backward``,
``entmax_bisect_backward``) moram aqui.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from companion._validacao import (
    como_array_real,
    descrever,
    normalizar_eixo,
    real_positivo_finito,
)
from companion.atencao import softcap_backward, z_loss_backward
from companion.formatacao import cientifico
from companion.perdas import (
    AlvoDeClasses,
    _eixo_das_classes,
    _par_binario,
    _pesos,
    expandir_pesos,
    pesos_dos_alvos,
    preparar_alvo,
    preparar_entropia_cruzada,
    validar_reducao,
)
from companion.sigmoid import sigmoid
from companion.softmax import softmax

__all__ = [
    "softmax_backward",
    "log_softmax_backward",
    "sigmoid_backward",
    "cross_entropy_backward",
    "nll_loss_backward",
    "binary_cross_entropy_backward",
    "binary_cross_entropy_with_logits_backward",
    "softmax_jacobian",
    "check_grad",
    "VerificacaoGradiente",
    "softcap_backward",
    "z_loss_backward",
    "sparsemax_backward",
    "entmax15_backward",
    "entmax_bisect_backward",
]

#: Maior jacobiana que :func:`softmax_jacobian` aceita montar, em bytes (1 GiB).
LIMITE_JACOBIANA_BYTES = 2**30

#: Maior número de elementos que :func:`check_grad` aceita conferir (duas chamadas de ``f`` por
#: elemento: 40 000 chamadas no limite).
LIMITE_CHECK_GRAD = 20_000

# o piso do denominador p(1 - p) no gradiente da entropia cruzada binária: o EPSILON do torch,
# um float32 (1e-12 arredondado para float32)
_EPSILON_BCE = float(np.float32(1e-12))


def _par(
    y: ArrayLike, grad_y: ArrayLike, nome_y: str, nome_g: str
) -> tuple[np.ndarray, np.ndarray, np.dtype]:
    saida, dtype_saida = como_array_real(y, nome_y)
    g, _ = como_array_real(grad_y, nome_g)
    if g.shape != saida.shape:
        raise ValueError(
            f"{nome_g} deve ter o formato de {nome_y}, {saida.shape}; recebido formato {g.shape}"
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

    Um ``y`` de 0 dimensões é uma softmax de um elemento só (como no torch): o gradiente é 0.

    Examples
    --------
    >>> y = softmax(np.array([1.0, 2.0, 3.0]))
    >>> print(softmax_backward(y, np.array([0.0, 0.0, 1.0])))   # ∂y_3/∂x
    [-0.05989202 -0.1628034   0.22269543]
    """
    saida, g, dtype_saida = _par(y, grad_y, "y", "grad_y")
    eixo = normalizar_eixo(axis, saida.ndim)
    s, gs = saida.reshape(saida.shape or (1,)), g.reshape(g.shape or (1,))
    # y ⊙ (g - Σ_j g_j y_j); com ±inf em g, inf - inf dá nan em silêncio, como no torch
    with np.errstate(invalid="ignore", over="ignore"):
        grad = s * (gs - (gs * s).sum(axis=eixo, keepdims=True))
    return grad.reshape(saida.shape).astype(dtype_saida, copy=False)


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
    saida, g, dtype_saida = _par(logp, grad_logp, "logp", "grad_logp")
    eixo = normalizar_eixo(axis, saida.ndim)
    s, gs = saida.reshape(saida.shape or (1,)), g.reshape(g.shape or (1,))
    # g - p Σ_j g_j; com ±inf em g, inf - inf dá nan em silêncio, como no torch
    with np.errstate(invalid="ignore", over="ignore"):
        grad = gs - np.exp(s) * gs.sum(axis=eixo, keepdims=True)
    return grad.reshape(saida.shape).astype(dtype_saida, copy=False)


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
    saida, g, dtype_saida = _par(y, grad_y, "y", "grad_y")
    return np.asarray(g * saida * (1 - saida)).astype(dtype_saida, copy=False)


# ---------------------------------------------------------------------------------------------
# Gradientes das perdas


def _gradiente_que_chega(
    grad_output: ArrayLike | None, reducao: str, formato_perda: tuple[int, ...], dtype: np.dtype
) -> np.ndarray:
    """Confere ``grad_output``: um escalar com ``"mean"``/``"sum"``; com ``"none"``, o formato da
    perda (ou um escalar, que vale para todas as posições). ``None`` é 1 quando a perda é um
    escalar, como ``loss.backward()`` no torch."""
    perda_escalar = reducao != "none" or formato_perda == ()
    if grad_output is None:
        if not perda_escalar:
            raise ValueError(
                "grad_output=None só vale quando a perda é um escalar (como loss.backward() "
                f"sem argumento no torch); com reduction='none' a perda tem formato "
                f"{formato_perda}: passe grad_output com esse formato"
            )
        return np.ones((), dtype)
    g, _ = como_array_real(grad_output, "grad_output")
    if reducao == "none":
        if g.shape not in ((), formato_perda):
            raise ValueError(
                f"grad_output deve ter o formato da perda, {formato_perda}, com reduction='none'; "
                f"recebido formato {g.shape}"
            )
    elif g.shape != ():
        raise ValueError(
            f"grad_output deve ser um escalar com reduction={reducao!r}; recebido formato {g.shape}"
        )
    return g.astype(dtype, copy=False)


def _por_posicao(valor: np.ndarray, eixo: int) -> np.ndarray:
    """Um valor por posição (formato da perda, ou escalar) com o eixo das classes de volta."""
    return np.expand_dims(valor, eixo) if np.ndim(valor) else valor


def cross_entropy_backward(
    logits: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
    grad_output: ArrayLike | None = 1.0,
) -> np.ndarray:
    r"""Gradiente de :func:`companion.cross_entropy` em relação aos logits, para toda opção.

    Os parâmetros são os de :func:`companion.cross_entropy`, mais ``grad_output``: o gradiente
    que chega à perda (um escalar para ``"mean"``/``"sum"``; com ``"none"``, um array com o
    formato da perda, ou um escalar que vale para todas as posições). Padrão: 1. ``None`` vale 1
    quando a perda é um escalar, como ``loss.backward()`` sem argumento no torch.

    Returns
    -------
    numpy.ndarray
        :math:`\partial L / \partial x`, com o formato e o dtype de ``logits``.

    Raises
    ------
    TypeError
        Como em :func:`companion.cross_entropy`, e se ``grad_output`` não é numérico.
    ValueError
        Como em :func:`companion.cross_entropy`, e se ``grad_output`` não tem o formato da perda
        (ou é ``None`` com uma perda que não é escalar).

    Notes
    -----
    Para um alvo :math:`q` (one-hot, ou probabilidades, já suavizado) e pesos :math:`w`,

    .. math::

        \frac{\partial \ell}{\partial x_j} = p_j \sum_c w_c q_c - w_j q_j ,

    que sem pesos é o famoso :math:`p - q`. A média divide pela soma dos pesos dos alvos (índices
    de classe) ou pelo número de posições (probabilidades).

    Com índices de classe, :math:`\sum_c w_c q_c = (1 - \varepsilon)\, w_y +
    \tfrac{\varepsilon}{C} \sum_c w_c` sai em :math:`O(1)` por posição e o one-hot nunca é
    montado: a memória extra é a de :math:`p`, um array do tamanho dos logits (nunca
    :math:`C \times C`). Os ``nan`` e ``inf`` seguem o ``torch.autograd``, que calcula
    :math:`G - p \sum_j G_j` com :math:`G = \partial \ell / \partial \log p`: um peso infinito
    numa classe que não é alvo (sem suavização) não contribui; num alvo, dá ``inf``/``nan``
    como no torch.

    Examples
    --------
    >>> print(cross_entropy_backward(np.array([[0.0, 0.0]]), np.array([1])))
    [[ 0.5 -0.5]]
    """
    x, dtype_saida, reducao, eps, eixo, alvo, w = preparar_entropia_cruzada(
        logits, target, weight, ignore_index, reduction, label_smoothing
    )
    formato_perda = x.shape[:eixo] + x.shape[eixo + 1 :]
    g = _gradiente_que_chega(grad_output, reducao, formato_perda, x.dtype)
    p = softmax(x, axis=eixo)  # o único array do tamanho dos logits (vira o gradiente)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if isinstance(alvo, AlvoDeClasses):
            grad = _ce_indices_backward(p, alvo, w, eixo, eps, reducao, g)
        else:
            grad = _ce_probabilidades_backward(p, alvo, w, eixo, eps, reducao, g)
    return grad.astype(dtype_saida, copy=False)


def _ce_indices_backward(p, alvo: AlvoDeClasses, w, eixo, eps, reducao, g):
    """(p Σ_c w_c q_c - w ⊙ q) · g/D sem montar o one-hot q; ``p`` vira o resultado."""
    n_classes = p.shape[eixo]
    dtype = p.dtype
    if reducao == "mean":
        g = g / pesos_dos_alvos(alvo, w, dtype).sum()
    # k = g/D só nas posições válidas: as ignoradas nunca recebem gradiente (nem com D = 0,
    # todos ignorados, em que a perda é 0/0 = nan), como no torch
    k = np.where(alvo.validos, g, 0).astype(dtype)
    peso_alvo = np.ones((), dtype) if w is None else w[alvo.seguros]
    # a parte one-hot de w ⊙ q: (1 - ε) w_y na classe-alvo (0 nas posições ignoradas)
    w_alvo = np.where(alvo.validos, peso_alvo if eps == 0 else (1 - eps) * peso_alvo, 0)
    w_alvo = np.broadcast_to(w_alvo.astype(dtype), alvo.seguros.shape)
    # Σ_c w_c q_c = (1 - ε) w_y + (ε/C) Σ_c w_c, em O(1) por posição
    soma_wq = w_alvo
    if eps > 0:
        soma_wq = w_alvo + (eps / n_classes) * (n_classes if w is None else w.sum())
    grad = p
    grad *= _por_posicao(soma_wq, eixo)  # p Σ_c w_c q_c
    if eps > 0:  # - (ε/C) w_j, a parte uniforme de w ⊙ q (um broadcast, sem array N·C)
        grad -= (eps / n_classes) * (1 if w is None else expandir_pesos(w, p.ndim, eixo))
    # - (1 - ε) w_y só na classe-alvo de cada posição (um elemento por posição)
    indices = np.expand_dims(alvo.seguros, eixo)
    no_alvo = np.take_along_axis(grad, indices, axis=eixo)
    np.put_along_axis(grad, indices, no_alvo - np.expand_dims(w_alvo, eixo), axis=eixo)
    grad *= _por_posicao(k, eixo)
    return grad


def _ce_probabilidades_backward(p, alvo, w, eixo, eps, reducao, g):
    """(p Σ_c w_c q_c - w ⊙ q) · g/D, com q já suavizado; ``p`` vira o resultado."""
    n_classes = p.shape[eixo]
    if reducao == "mean":
        # a média é pelo número de posições (N·d1·...·dk), não pelos pesos
        g = g / (p.size / n_classes) if p.size else g * np.nan
    # w ⊙ q num só buffer novo (o alvo do usuário nunca é alterado)
    if eps > 0:
        wq = alvo * (1 - eps)
        wq += eps / n_classes  # q = (1 - ε) y + ε/C
        if w is not None:
            wq *= expandir_pesos(w, p.ndim, eixo)
    else:
        wq = alvo if w is None else alvo * expandir_pesos(w, p.ndim, eixo)
    grad = p
    grad *= wq.sum(axis=eixo, keepdims=True)
    grad -= wq
    grad *= _por_posicao(g, eixo)
    return grad


def nll_loss_backward(
    log_probs: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    grad_output: ArrayLike | None = 1.0,
) -> np.ndarray:
    r"""Gradiente de :func:`companion.nll_loss` em relação a ``log_probs``.

    Os parâmetros são os de :func:`companion.nll_loss`, mais ``grad_output``, como em
    :func:`cross_entropy_backward`.

    Returns
    -------
    numpy.ndarray
        :math:`\partial L / \partial \log p`, com o formato e o dtype de ``log_probs``: zero em
        toda parte, menos na classe-alvo de cada posição não ignorada.

    Raises
    ------
    TypeError
        Como em :func:`companion.nll_loss`, e se ``grad_output`` não é numérico.
    ValueError
        Como em :func:`companion.nll_loss`, e se ``grad_output`` não tem o formato da perda.

    Notes
    -----
    .. math::

        \frac{\partial \mathcal{L}}{\partial \log p_{n,j}} = -\frac{w_{y_n}\, g_n}{D}\,
        [j = y_n], \qquad D = \sum_{n : y_n \ne \text{ignore}} w_{y_n}
        \ \text{(só com "mean"; senão } D = 1\text{)} .

    O gradiente não depende dos valores de ``log_probs``, só do formato. Para os logits,
    encadeie com :func:`log_softmax_backward` — ou use :func:`cross_entropy_backward`.

    Examples
    --------
    >>> print(nll_loss_backward(np.log([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]]), np.array([0, 2])))
    [[-0.5  0.   0. ]
     [ 0.   0.  -0.5]]
    """
    logp, dtype_saida = como_array_real(log_probs, "log_probs")
    reducao = validar_reducao(reduction)
    eixo = _eixo_das_classes(logp, "log_probs")
    alvo = preparar_alvo(logp, target, eixo, ignore_index, "log_probs")
    if not isinstance(alvo, AlvoDeClasses):
        raise TypeError("target de nll_loss deve conter índices de classe inteiros")
    w = _pesos(weight, logp.shape[eixo], logp.dtype)
    formato_perda = logp.shape[:eixo] + logp.shape[eixo + 1 :]
    g = _gradiente_que_chega(grad_output, reducao, formato_perda, logp.dtype)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if reducao == "mean":
            g = g / pesos_dos_alvos(alvo, w, logp.dtype).sum()
        peso_alvo = np.ones((), logp.dtype) if w is None else w[alvo.seguros]
        # -w_y g / D na classe-alvo; as posições ignoradas nem são tocadas (ficam 0)
        valor = np.where(alvo.validos, -(peso_alvo * g), 0).astype(logp.dtype)
    grad = np.zeros_like(logp)
    valor = np.broadcast_to(valor, alvo.seguros.shape)
    np.put_along_axis(
        grad, np.expand_dims(alvo.seguros, eixo), np.expand_dims(valor, eixo), axis=eixo
    )
    return grad.astype(dtype_saida, copy=False)


def _pesos_binarios(peso: np.ndarray | None, formato: tuple[int, ...], nome: str) -> None:
    """Recusa pesos que aumentariam o formato da perda (o torch também recusa)."""
    if peso is None:
        return
    try:
        comum = np.broadcast_shapes(peso.shape, formato)
    except ValueError:  # formatos que nem se combinam
        comum = None
    if comum != formato:
        raise ValueError(
            f"{nome} deve ter um formato que o broadcast leve a {formato} (o da entrada), sem "
            f"aumentá-lo; recebido formato {peso.shape}"
        )


def _finalizar_binaria_backward(grad, w, reducao, dtype_saida):
    """Pesos por posição, a média (sobre todas as posições) e o dtype de saída, como no torch."""
    if w is not None:
        grad = grad * w.astype(grad.dtype, copy=False)
    if reducao == "mean":
        grad = grad / grad.size if grad.size else grad
    return np.asarray(grad).astype(dtype_saida, copy=False)


def binary_cross_entropy_backward(
    probs: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    reduction: str = "mean",
    grad_output: ArrayLike | None = 1.0,
) -> np.ndarray:
    r"""Gradiente de :func:`companion.binary_cross_entropy` em relação a ``probs``.

    Os parâmetros são os de :func:`companion.binary_cross_entropy`, mais ``grad_output``, como
    em :func:`cross_entropy_backward` (com ``"none"``, o formato de ``probs``).

    Returns
    -------
    numpy.ndarray
        :math:`\partial L / \partial p`, com o formato e o dtype de ``probs``.

    Raises
    ------
    TypeError
        Se as entradas não são numéricas.
    ValueError
        Se ``probs`` ou ``target`` saem de [0, 1] (o torch recusa os dois), os formatos não
        combinam (``weight`` não pode aumentar o formato), ``reduction`` é desconhecida ou
        ``grad_output`` não tem o formato da perda.

    Notes
    -----
    Como no torch, o denominador tem um piso :math:`\epsilon = 10^{-12}` (em ``float32``), para
    que :math:`p = 0` ou :math:`p = 1` deem um gradiente grande, mas finito:

    .. math::

        \frac{\partial \ell}{\partial p} = w\, g\, \frac{p - y}{\max\bigl(p (1 - p),
        \epsilon\bigr)} ,

    dividido pelo número de posições com ``"mean"``. Em ``float16`` o piso arredonda para 0,
    e :math:`p \in \{0, 1\}` dá :math:`\pm\infty`, também como no torch.

    Examples
    --------
    >>> print(binary_cross_entropy_backward(np.array([0.5, 0.8]), np.array([1.0, 1.0])))
    [-1.    -0.625]
    """
    p, y, w, dtype_saida = _par_binario(probs, target, weight, "probs")
    reducao = validar_reducao(reduction)
    _pesos_binarios(w, p.shape, "weight")
    for nome, valores in (("probs", p), ("target", y)):
        fora = ~((valores >= 0) & (valores <= 1))
        if np.any(fora):
            posicao = tuple(int(i) for i in np.argwhere(fora)[0])
            raise ValueError(
                f"{nome} deve estar em [0, 1]; recebido {float(valores[posicao])!r} na posição "
                f"{posicao}"
            )
    g = _gradiente_que_chega(grad_output, reducao, p.shape, p.dtype)
    # o piso do torch, no dtype de saída (em float16, 1e-12 arredonda para 0)
    piso = np.asarray(_EPSILON_BCE, dtype_saida).astype(p.dtype)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        # g (p - y) / max(p (1 - p), ε)
        grad = g * (p - y) / np.maximum((1 - p) * p, piso)
        return _finalizar_binaria_backward(grad, w, reducao, dtype_saida)


def binary_cross_entropy_with_logits_backward(
    logits: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    pos_weight: ArrayLike | None = None,
    reduction: str = "mean",
    grad_output: ArrayLike | None = 1.0,
) -> np.ndarray:
    r"""Gradiente de :func:`companion.binary_cross_entropy_with_logits` em relação aos logits.

    Os parâmetros são os de :func:`companion.binary_cross_entropy_with_logits`, mais
    ``grad_output``, como em :func:`cross_entropy_backward` (com ``"none"``, o formato de
    ``logits``).

    Returns
    -------
    numpy.ndarray
        :math:`\partial L / \partial x`, com o formato e o dtype de ``logits``.

    Raises
    ------
    TypeError
        Se as entradas não são numéricas.
    ValueError
        Se os formatos não combinam (``weight`` e ``pos_weight`` não podem aumentar o formato),
        ``reduction`` é desconhecida ou ``grad_output`` não tem o formato da perda.

    Notes
    -----
    Com :math:`r = 1 + (\text{pos\_weight} - 1)\,y` (o :math:`r` da perda),

    .. math::

        \frac{\partial \ell}{\partial x} = w\, g\, \bigl[r\, \sigma(x) - \text{pos\_weight}\;
        y\bigr] ,

    que sem ``pos_weight`` é o famoso :math:`\sigma(x) - y`; dividido pelo número de posições
    com ``"mean"``. Nenhuma exponencial estoura: :math:`\sigma` é a estável do companion.

    Examples
    --------
    >>> print(binary_cross_entropy_with_logits_backward(np.array([0.0, 1000.0]),
    ...                                                 np.array([1.0, 0.0])))
    [-0.25  0.5 ]
    """
    x, y, w, dtype_saida = _par_binario(logits, target, weight, "logits")
    reducao = validar_reducao(reduction)
    _pesos_binarios(w, x.shape, "weight")
    g = _gradiente_que_chega(grad_output, reducao, x.shape, x.dtype)
    sig = sigmoid(x).astype(x.dtype, copy=False)
    with np.errstate(invalid="ignore", over="ignore"):
        if pos_weight is None:
            grad = sig - y
        else:
            pw, _ = como_array_real(pos_weight, "pos_weight")
            _pesos_binarios(pw, x.shape, "pos_weight")
            # t = pos_weight · y;  (t + 1 - y) σ(x) - t, na ordem do torch
            t = pw.astype(x.dtype, copy=False) * y
            grad = (t + 1 - y) * sig - t
        grad = grad * g
        return _finalizar_binaria_backward(grad, w, reducao, dtype_saida)


# ---------------------------------------------------------------------------------------------
# A jacobiana explícita e a conferência por diferenças centrais


def _bytes_legiveis(n: float) -> str:
    for unidade, tamanho in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)):
        if n >= tamanho:
            return f"{n / tamanho:.1f} {unidade}".replace(".", ",")
    return f"{n:.0f} bytes"


def softmax_jacobian(x: ArrayLike, axis: int = -1) -> np.ndarray:
    r"""A jacobiana explícita da softmax, :math:`J = \operatorname{diag}(p) - p p^\top`.

    Para ensinar: ela ocupa :math:`K^2` números por linha, e a retropropagação nunca precisa
    dela (veja :func:`softmax_backward`). Recusa montar mais que
    ``companion.gradientes.LIMITE_JACOBIANA_BYTES`` (1 GiB), antes de alocar qualquer coisa.

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
        ``J[..., i, j] = ∂p_i/∂x_j``. Um ``x`` de 0 dimensões dá a derivada de uma softmax de um
        elemento só, ``0`` com 0 dimensões (como ``torch.autograd.functional.jacobian``); um eixo
        vazio dá ``(..., 0, 0)``.

    Raises
    ------
    TypeError
        Se ``x`` não é numérico ou ``axis`` não é inteiro.
    ValueError
        Se ``axis`` está fora do intervalo, ou se a jacobiana passaria de 1 GiB.

    Examples
    --------
    >>> print(softmax_jacobian(np.array([0.0, 0.0])))
    [[ 0.25 -0.25]
     [-0.25  0.25]]
    """
    arr, dtype_saida = como_array_real(x)
    eixo = normalizar_eixo(axis, arr.ndim)
    trabalho = arr.reshape(arr.shape or (1,))
    K = trabalho.shape[eixo]
    # (número de linhas) · K · K elementos, no dtype do cálculo
    tamanho = trabalho.size * K * trabalho.dtype.itemsize
    if tamanho > LIMITE_JACOBIANA_BYTES:
        formato = np.moveaxis(np.empty(trabalho.shape, dtype=[]), eixo, -1).shape + (K,)
        raise ValueError(
            f"softmax_jacobian montaria uma jacobiana de formato {formato}, que ocuparia "
            f"{_bytes_legiveis(tamanho)} (o limite é {_bytes_legiveis(LIMITE_JACOBIANA_BYTES)}); "
            "para a retropropagação use softmax_backward(y, grad_y), que calcula Jᵀg em O(K) "
            "por linha sem montar J"
        )
    p = np.moveaxis(softmax(trabalho, axis=eixo), eixo, -1)  # (..., K)
    # J_ij = p_i (δ_ij - p_j)
    jac = p[..., :, None] * (np.eye(K, dtype=p.dtype) - p[..., None, :])
    if arr.ndim == 0:
        jac = jac.reshape(())
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
        # números como na prosa do livro: vírgula decimal, “−” e potências de dez
        if self.ok:
            return f"gradiente confere (maior erro relativo {cientifico(self.erro_maximo, 1)})"
        return (
            f"gradiente NÃO confere no índice {self.indice}: analítico "
            f"{_seis_algarismos(self.analitico)}, numérico {_seis_algarismos(self.numerico)} "
            f"(erro relativo {cientifico(self.erro_maximo, 1)})"
        )


def _seis_algarismos(x: float) -> str:
    """``x`` com 6 algarismos significativos, em pt-BR: ``-0.953387`` vira ``−0,953387``."""
    texto = f"{x:.6g}"
    if "e" in texto and math.isfinite(x):
        mantissa, expoente = texto.split("e")
        return f"{mantissa.replace('.', ',').replace('-', '−')} × 10{_sobrescrito(int(expoente))}"
    return texto.replace(".", ",").replace("-", "−").replace("inf", "∞")


def _sobrescrito(n: int) -> str:
    return str(n).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))


def _tolerancia(valor: object, nome: str) -> float:
    if isinstance(valor, (bool, np.bool_)) or not isinstance(valor, numbers.Real):
        raise TypeError(f"{nome} deve ser um número real; recebido {descrever(valor)}")
    numero = float(valor)
    if not math.isfinite(numero) or numero < 0:
        raise ValueError(
            f"{nome} deve ser um número finito maior ou igual a zero; recebido {numero!r}"
        )
    return numero


def _valor_de_f(f: Callable[[np.ndarray], float], ponto: np.ndarray) -> float:
    """``f(ponto)`` como float; ``ponto`` é só de leitura (f não pode alterá-lo)."""
    try:
        valor = f(ponto)
    except ValueError as erro:
        if "read-only" in str(erro):
            raise ValueError(
                "f não pode alterar o array que recebe (check_grad o reaproveita a cada "
                "coordenada); trabalhe numa cópia, por exemplo v = v.copy()"
            ) from erro
        raise
    arr = np.asarray(valor)
    if arr.size != 1 or arr.dtype.kind not in "biuf":
        raise TypeError(f"f deve devolver um número (a perda); devolveu {descrever(valor)}")
    return float(arr.reshape(()))


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
        Função escalar de um array (por exemplo, uma perda). Recebe um array só de leitura:
        não pode alterá-lo.
    grad_f : callable
        O gradiente analítico que se quer conferir, com o formato de ``x``.
    x : array_like
        Onde conferir (convertido para ``float64``), com no máximo
        ``companion.gradientes.LIMITE_CHECK_GRAD`` (20 000) elementos.
    eps : float, opcional
        O passo :math:`h` das diferenças centrais. Padrão: 1e-6.
    rtol, atol : float, opcional
        Tolerâncias relativa e absoluta, finitas e :math:`\ge 0`. Padrão: 1e-5 e 1e-8.

    Returns
    -------
    VerificacaoGradiente
        Verdadeira quando todo elemento confere,
        :math:`|a_i - n_i| \le \text{atol} + \text{rtol}\,|n_i|`; senão diz o índice, o valor
        analítico e o numérico do pior elemento.

    Raises
    ------
    TypeError
        Se ``f`` ou ``grad_f`` não são funções, ``x`` não é numérico, ``f`` não devolve um
        número, ou as tolerâncias não são números.
    ValueError
        Se ``eps`` não é positivo, as tolerâncias são negativas ou não finitas, ``x`` tem mais
        de 20 000 elementos, ``f`` altera o array que recebe, ou ``grad_f`` devolve um formato
        diferente do de ``x``.

    Notes
    -----
    .. math::

        \frac{\partial f}{\partial x_i} \approx \frac{f(x + h e_i) - f(x - h e_i)}{2h},

    com erro :math:`O(h^2)`; :math:`h` pequeno demais troca esse erro pelo de arredondamento.

    São :math:`2n` chamadas de ``f`` para :math:`n` elementos — esse laço é inevitável —, mas
    nenhuma cópia de ``x`` por coordenada: um único array de trabalho é perturbado e
    restaurado no lugar. O custo é o de ``f`` vezes :math:`2n`; por isso o limite de 20 000
    elementos (confira o gradiente em poucas linhas, não no lote inteiro).

    Examples
    --------
    >>> print(check_grad(lambda v: (v**2).sum(), lambda v: 2 * v, np.array([1.0, -2.0])).ok)
    True
    """
    for nome, funcao in (("f", f), ("grad_f", grad_f)):
        if not callable(funcao):
            raise TypeError(f"{nome} deve ser uma função; recebido {descrever(funcao)}")
    arr, _ = como_array_real(x)
    h = real_positivo_finito(eps, "eps")
    tol_r, tol_a = _tolerancia(rtol, "rtol"), _tolerancia(atol, "atol")
    if arr.size > LIMITE_CHECK_GRAD:
        raise ValueError(
            f"check_grad confere no máximo {LIMITE_CHECK_GRAD} elementos (2 chamadas de f por "
            f"elemento); recebido x com formato {arr.shape} ({arr.size} elementos): confira "
            "o gradiente num pedaço menor, por exemplo nas primeiras linhas"
        )
    ponto = arr.astype(np.float64)
    analitico, _ = como_array_real(grad_f(ponto.copy()), "o resultado de grad_f")
    analitico = analitico.astype(np.float64, copy=False)
    if analitico.shape != ponto.shape:
        raise ValueError(
            f"grad_f deve devolver o formato de x, {ponto.shape}; devolveu {analitico.shape}"
        )
    # um só array de trabalho: perturba a coordenada i, chama f, restaura (nenhuma cópia por i)
    trabalho = ponto.copy()
    plano = trabalho.reshape(-1)  # uma vista de trabalho
    leitura = trabalho.view()
    leitura.flags.writeable = False  # f vê as mudanças, mas não pode fazer as suas
    numerico = np.empty(ponto.size)
    for i in range(ponto.size):
        original = plano[i]
        plano[i] = original + h
        f_mais = _valor_de_f(f, leitura)
        plano[i] = original - h
        f_menos = _valor_de_f(f, leitura)
        plano[i] = original
        numerico[i] = (f_mais - f_menos) / (2 * h)
    numerico = numerico.reshape(ponto.shape)
    diferenca = np.abs(analitico - numerico)
    limite = tol_a + tol_r * np.abs(numerico)
    with np.errstate(invalid="ignore", divide="ignore"):
        # quanto cada elemento usa da tolerância (> 1: não confere); tolerância 0 exige igualdade
        erro = np.where(limite > 0, diferenca / limite, np.where(diferenca > 0, np.inf, 0.0))
        erro = np.where(np.isnan(diferenca), np.nan, erro)
    if not erro.size:
        return VerificacaoGradiente(True, 0.0, (), 0.0, 0.0)
    pior = np.unravel_index(int(np.argmax(erro)), erro.shape)
    escala = max(abs(float(numerico[pior])), tol_a)
    dif = float(diferenca[pior])
    relativo = dif / escala if escala > 0 else (math.inf if dif > 0 else dif)
    return VerificacaoGradiente(
        ok=bool(np.all(diferenca <= limite)),
        erro_maximo=relativo,
        indice=tuple(int(i) for i in pior),
        analitico=float(analitico[pior]),
        numerico=float(numerico[pior]),
    )


# ---------------------------------------------------------------------------------------------
# Capítulo 10: sparsemax e entmax


def _entmax_backward(y: ArrayLike, grad_y: ArrayLike, axis: object, alpha: float) -> np.ndarray:
    r"""O produto vetor-jacobiana da α-entmax, dada a saída ``y``: com
    :math:`s = y^{2-\alpha}` no suporte (0 fora),
    :math:`\partial L/\partial x = s \odot g - s \,\langle s, g\rangle / \textstyle\sum s`."""
    saida, g, dtype_saida = _par(y, grad_y, "y", "grad_y")
    eixo = normalizar_eixo(axis, saida.ndim)
    s_, gs = saida.reshape(saida.shape or (1,)), g.reshape(g.shape or (1,))
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        if alpha == 2.0:
            s = (s_ > 0).astype(s_.dtype)
        elif alpha == 1.0:
            s = s_
        else:
            s = np.where(s_ > 0, np.abs(s_) ** (2 - alpha), 0.0).astype(s_.dtype)
        sg = s * gs
        q = sg.sum(axis=eixo, keepdims=True) / s.sum(axis=eixo, keepdims=True)
        grad = sg - q * s
    return grad.reshape(saida.shape).astype(dtype_saida, copy=False)


def sparsemax_backward(y: ArrayLike, grad_y: ArrayLike, axis: int = -1) -> np.ndarray:
    r"""Gradiente em relação aos logits, dada a saída ``y = sparsemax(x)`` e ``grad_y = ∂L/∂y``.

    Parameters
    ----------
    y : array_like
        A saída de :func:`companion.alternativas.sparsemax`.
    grad_y : array_like
        :math:`g = \partial L / \partial y`, com o formato de ``y``.
    axis : int, opcional
        O eixo normalizado. Padrão: o último.

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
    Com :math:`S` o suporte (:math:`y_i > 0`) e :math:`s = \mathbb{1}_S`, a jacobiana é
    :math:`\operatorname{diag}(s) - s s^\top/|S|`, e

    .. math::

        \frac{\partial L}{\partial x_i} = s_i \Bigl(g_i - \frac{1}{|S|}\sum_{j \in S} g_j\Bigr):

    fora do suporte, o gradiente é exatamente 0 (os valores do pacote ``entmax``).
    """
    return _entmax_backward(y, grad_y, axis, 2.0)


def entmax15_backward(y: ArrayLike, grad_y: ArrayLike, axis: int = -1) -> np.ndarray:
    r"""Gradiente em relação aos logits, dada a saída ``y = entmax15(x)`` e ``grad_y``.

    O mesmo que :func:`entmax_bisect_backward` com ``alpha=1.5``: com :math:`s = \sqrt{y}`,
    :math:`\partial L/\partial x = s \odot g - s \,\langle s, g\rangle / \sum_j s_j`.

    Raises
    ------
    TypeError, ValueError
        Como em :func:`sparsemax_backward`.
    """
    return _entmax_backward(y, grad_y, axis, 1.5)


def entmax_bisect_backward(
    y: ArrayLike, grad_y: ArrayLike, alpha: float = 1.5, axis: int = -1
) -> np.ndarray:
    r"""Gradiente em relação aos logits, dada a saída ``y = entmax_bisect(x, alpha)``.

    Parameters
    ----------
    y : array_like
        A saída da α-entmax.
    grad_y : array_like
        :math:`g = \partial L / \partial y`, com o formato de ``y``.
    alpha : float, opcional
        O mesmo :math:`\alpha \ge 1` da ida. Padrão: 1,5.
    axis : int, opcional
        O eixo normalizado. Padrão: o último.

    Returns
    -------
    numpy.ndarray
        :math:`\partial L / \partial x`, com o formato de ``y``.

    Raises
    ------
    TypeError
        Se as entradas não são numéricas, ``alpha`` não é um número ou ``axis`` não é inteiro.
    ValueError
        Se os formatos diferem, ``alpha < 1`` ou ``axis`` está fora do intervalo.

    Notes
    -----
    Com :math:`s_i = y_i^{2-\alpha}` no suporte e 0 fora (Peters, Niculae e Martins, 2019),

    .. math::

        \frac{\partial L}{\partial x} = s \odot g - \frac{\langle s, g \rangle}{\sum_j s_j}\, s .

    Com :math:`\alpha = 1`, :math:`s = y` e a fórmula é a de :func:`softmax_backward`; com
    :math:`\alpha = 2`, a de :func:`sparsemax_backward`.
    """
    from companion.alternativas import _alpha

    return _entmax_backward(y, grad_y, axis, _alpha(alpha))
