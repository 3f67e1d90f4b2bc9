"""Além da softmax: saídas esparsas, amostragem diferenciável e vocabulários enormes.

* :func:`sparsemax` (Martins e Astudillo, 2016) é a projeção euclidiana dos logits no simplex:
  probabilidades com zeros exatos. :func:`entmax15` e :func:`entmax_bisect` (Peters, Niculae e
  Martins, 2019) são a família entre a softmax (:math:`\\alpha = 1`) e a sparsemax
  (:math:`\\alpha = 2`), com os valores do pacote ``entmax``. Os gradientes ficam em
  ``companion.gradientes`` (:func:`companion.sparsemax_backward`,
  :func:`companion.entmax15_backward`, :func:`companion.entmax_bisect_backward`).
* :func:`gumbel_max_sample` sorteia uma classe com o truque de Gumbel-max; :func:`gumbel_softmax`
  é a relaxação contínua de ``torch.nn.functional.gumbel_softmax`` (com ``hard=True``, o valor é
  *one-hot*).
* :class:`AdaptiveLogSoftmaxWithLoss` reproduz a classe do torch de mesmo nome (Grave et al., 2017),
  e :func:`sampled_softmax_loss` é a softmax amostrada, com a correção :math:`-\\log(K q)`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from companion._validacao import (
    como_array_real,
    converter_array,
    descrever,
    normalizar_eixo,
    real_positivo_finito,
)
from companion.softmax import log_softmax, softmax

__all__ = [
    "sparsemax",
    "entmax15",
    "entmax_bisect",
    "gumbel_softmax",
    "gumbel_max_sample",
    "AdaptiveLogSoftmaxWithLoss",
    "SaidaAdaptativa",
    "sampled_softmax_loss",
    "log_uniform_probs",
]

_REDUCOES = ("mean", "sum", "none")


# ---------------------------------------------------------------------------------------------
# Peças comuns


def _linhas(x: ArrayLike, axis: object, nome: str = "x"):
    """``x`` como matriz ``(m, d)`` em float64, com o eixo normalizado por último; devolve também
    o que é preciso para desfazer: ``(Z, dtype_saida, formato_movido, eixo)``."""
    arr, dtype_saida = como_array_real(x, nome, mascarados_viram=-np.inf)
    eixo = normalizar_eixo(axis, arr.ndim)
    a = arr.reshape(arr.shape or (1,))
    movido = np.moveaxis(a, eixo, -1)
    if movido.size == 0:
        return np.zeros((0, 0)), dtype_saida, movido.shape, eixo, arr.shape
    Z = np.array(movido, dtype=np.float64).reshape(-1, movido.shape[-1])
    return Z, dtype_saida, movido.shape, eixo, arr.shape


def _desfazer(P: np.ndarray, dtype_saida, formato_movido, eixo, formato) -> np.ndarray:
    if not formato_movido or 0 in formato_movido:
        return np.zeros(formato, dtype=dtype_saida)
    saida = np.moveaxis(P.reshape(formato_movido), -1, eixo)
    with np.errstate(under="ignore"):
        return np.ascontiguousarray(saida.reshape(formato)).astype(dtype_saida, copy=False)


def _deslocar(Z: np.ndarray):
    """Subtrai o máximo de cada linha. Linhas com ``nan``, com ``+inf`` ou só com ``-inf`` não têm
    resposta (como a softmax do torch, dão ``nan``): devolve a máscara das linhas válidas."""
    with np.errstate(invalid="ignore"):
        x_max = Z.max(axis=1, keepdims=True)
        validas = np.isfinite(x_max[:, 0]) & ~np.isnan(Z).any(axis=1)
        shifted = Z - np.where(np.isfinite(x_max), x_max, 0.0)
    return shifted, validas


def sparsemax(x: ArrayLike, axis: int = -1) -> np.ndarray:
    r"""Sparsemax de ``x`` ao longo de ``axis``: a projeção euclidiana no simplex.

    Parameters
    ----------
    x : array_like
        Logits (arrays, listas, tensores do torch de CPU; ``-inf`` é uma classe impossível).
        ``float32``/``float64`` mantêm o dtype (a conta é feita em ``float64``); ``float16``
        sai em ``float16``; inteiros viram ``float64``.
    axis : int, opcional
        O eixo normalizado. Padrão: o último.

    Returns
    -------
    numpy.ndarray
        Probabilidades com o formato de ``x``: cada fatia soma 1, e as classes com logit abaixo
        do limiar :math:`\tau` valem exatamente 0.

    Raises
    ------
    TypeError
        Se ``x`` não contém números reais ou ``axis`` não é inteiro.
    ValueError
        Se ``axis`` está fora do intervalo.

    Notes
    -----
    .. math::

        \operatorname{sparsemax}(x) = \operatorname*{arg\,min}_{p \in \Delta} \lVert p - x \rVert^2,
        \qquad \operatorname{sparsemax}(x)_i = \max(x_i - \tau, 0),

    com :math:`\tau` tal que a saída soma 1. Com os logits em ordem decrescente,
    :math:`z_{(1)} \ge z_{(2)} \ge \dots`, o suporte tem :math:`k` elementos, o maior :math:`k`
    com :math:`1 + k z_{(k)} > \sum_{j \le k} z_{(j)}`, e
    :math:`\tau = (\sum_{j \le k} z_{(j)} - 1)/k`. Uma linha com ``nan``, ``+inf`` ou só ``-inf``
    dá ``nan`` (como a softmax).

    Examples
    --------
    >>> print(sparsemax(np.array([1.0, 2.0, 0.5, 2.0])))
    [0.  0.5 0.  0.5]
    """
    Z, dtype_saida, formato_movido, eixo, formato = _linhas(x, axis)
    if Z.size == 0:
        return _desfazer(Z, dtype_saida, formato_movido, eixo, formato)
    shifted, validas = _deslocar(Z)
    d = shifted.shape[1]
    # z_(1) ≥ z_(2) ≥ ...: os logits em ordem decrescente; -inf nunca entra no suporte
    srt = -np.sort(-shifted, axis=1)
    finitos = np.isfinite(srt)
    srt_f = np.where(finitos, srt, 0.0)
    cumsum = np.cumsum(srt_f, axis=1)
    k = np.arange(1, d + 1)
    # suporte: 1 + k z_(k) > Σ_{j≤k} z_(j)
    suporte = (1 + k * srt_f > cumsum) & finitos
    tamanho = np.maximum(suporte.sum(axis=1), 1)
    tau = (cumsum[np.arange(len(srt)), tamanho - 1] - 1) / tamanho
    with np.errstate(invalid="ignore"):
        P = np.maximum(shifted - tau[:, None], 0.0)
    P[~validas] = np.nan
    return _desfazer(P, dtype_saida, formato_movido, eixo, formato)


def entmax15(x: ArrayLike, axis: int = -1) -> np.ndarray:
    r"""1,5-entmax de ``x`` ao longo de ``axis``, pelo algoritmo exato de ordenação.

    Parameters
    ----------
    x : array_like
        Logits (as mesmas regras de :func:`sparsemax`).
    axis : int, opcional
        O eixo normalizado. Padrão: o último.

    Returns
    -------
    numpy.ndarray
        Probabilidades com o formato de ``x``, esparsas, entre a softmax e a sparsemax.

    Raises
    ------
    TypeError
        Se ``x`` não contém números reais ou ``axis`` não é inteiro.
    ValueError
        Se ``axis`` está fora do intervalo.

    Notes
    -----
    .. math::

        \operatorname{entmax}_{1{,}5}(x)_i = \bigl[\tfrac{x_i}{2} - \tau\bigr]_+^2 ,

    com :math:`\tau` tal que a saída soma 1 (Peters, Niculae e Martins, 2019). Com
    :math:`z = x/2` em ordem decrescente e :math:`k` elementos no suporte, :math:`\tau` é a raiz
    menor de :math:`\sum_{j \le k} (z_{(j)} - \tau)^2 = 1`. O mesmo que
    ``entmax.entmax15`` e que :func:`entmax_bisect` com ``alpha=1.5``.

    Examples
    --------
    >>> print(entmax15(np.array([1.0, 2.0, 0.5, 2.0])).round(4))
    [0.0375 0.4812 0.     0.4812]
    """
    Z, dtype_saida, formato_movido, eixo, formato = _linhas(x, axis)
    if Z.size == 0:
        return _desfazer(Z, dtype_saida, formato_movido, eixo, formato)
    shifted, validas = _deslocar(Z)
    z = shifted / 2
    d = z.shape[1]
    srt = -np.sort(-z, axis=1)
    finitos = np.isfinite(srt)
    srt_f = np.where(finitos, srt, 0.0)
    rho = np.arange(1, d + 1)
    media = np.cumsum(srt_f, axis=1) / rho
    media_sq = np.cumsum(srt_f**2, axis=1) / rho
    # τ_k = média - sqrt((1 - ss)/k), com ss = Σ (z - média)² dos k primeiros
    ss = rho * (media_sq - media**2)
    delta = np.maximum((1 - ss) / rho, 0.0)
    tau_k = media - np.sqrt(delta)
    tamanho = np.maximum(((tau_k <= srt_f) & finitos).sum(axis=1), 1)
    # τ recalculado no suporte em duas passadas (sem o cancelamento de média_sq - média²)
    no_suporte = rho[None, :] <= tamanho[:, None]
    m = np.where(no_suporte, srt_f, 0.0).sum(axis=1) / tamanho
    ss = np.where(no_suporte, (srt_f - m[:, None]) ** 2, 0.0).sum(axis=1)
    tau = m - np.sqrt(np.maximum((1 - ss) / tamanho, 0.0))
    with np.errstate(invalid="ignore"):
        P = np.maximum(z - tau[:, None], 0.0) ** 2
    P[~validas] = np.nan
    return _desfazer(P, dtype_saida, formato_movido, eixo, formato)


def _alpha(alpha: object) -> float:
    if isinstance(alpha, (bool, np.bool_)) or not isinstance(alpha, numbers.Real):
        raise TypeError(f"alpha deve ser um número real >= 1; recebido {descrever(alpha)}")
    a = float(alpha)
    if not math.isfinite(a) or a < 1:
        raise ValueError(
            f"alpha deve ser um número finito >= 1 (1 é a softmax, 2 é a sparsemax); recebido {a!r}"
        )
    return a


def entmax_bisect(x: ArrayLike, alpha: float = 1.5, axis: int = -1) -> np.ndarray:
    r"""α-entmax de ``x`` ao longo de ``axis``, com :math:`\tau` achado por bisseção.

    Parameters
    ----------
    x : array_like
        Logits (as mesmas regras de :func:`sparsemax`).
    alpha : float, opcional
        :math:`\alpha \ge 1`, finito: 1 é a softmax, 1,5 é :func:`entmax15`, 2 é
        :func:`sparsemax`. Padrão: 1,5.
    axis : int, opcional
        O eixo normalizado. Padrão: o último.

    Returns
    -------
    numpy.ndarray
        Probabilidades com o formato de ``x``.

    Raises
    ------
    TypeError
        Se ``x`` não contém números reais, ``alpha`` não é um número ou ``axis`` não é inteiro.
    ValueError
        Se ``alpha < 1`` ou não é finito, ou ``axis`` está fora do intervalo.

    Notes
    -----
    .. math::

        \alpha\text{-entmax}(x)_i = \bigl[(\alpha - 1) x_i - \tau\bigr]_+^{1/(\alpha - 1)} ,

    com :math:`\tau` tal que a saída soma 1: a soma decresce com :math:`\tau`, e a bisseção
    (como em ``entmax.entmax_bisect``) corre até o intervalo não encolher mais em ``float64``; a
    saída é então normalizada. Com :math:`\alpha = 1` a fórmula é a softmax (o limite), e a
    função devolve a própria softmax; com :math:`\alpha = 2`, a sparsemax exata.

    Examples
    --------
    >>> x = np.array([1.0, 2.0, 0.5, 2.0])
    >>> bool(np.allclose(entmax_bisect(x, 1.5), entmax15(x)))
    True
    """
    a = _alpha(alpha)
    if a == 1.0:
        arr, dtype_saida = como_array_real(x, "x", mascarados_viram=-np.inf)
        eixo = normalizar_eixo(axis, arr.ndim)
        return softmax(arr, axis=eixo).astype(dtype_saida, copy=False)
    if a == 2.0:
        return sparsemax(x, axis=axis)
    Z, dtype_saida, formato_movido, eixo, formato = _linhas(x, axis)
    if Z.size == 0:
        return _desfazer(Z, dtype_saida, formato_movido, eixo, formato)
    shifted, validas = _deslocar(Z)
    d = shifted.shape[1]
    am1 = a - 1
    X = shifted * am1  # ≤ 0, com máximo 0
    # p(τ) = [X - τ]_+^{1/(α-1)}: Σ p(-1) ≥ 1 (o máximo sozinho dá 1) e Σ p(-(1/d)^{α-1}) ≤ 1
    lo = np.full((len(X), 1), -1.0)
    hi = np.full((len(X), 1), -((1.0 / d) ** am1))
    with np.errstate(invalid="ignore", under="ignore"):
        for _ in range(2000):
            meio = (lo + hi) / 2
            if np.all((meio == lo) | (meio == hi)):
                break
            soma = (np.maximum(X - meio, 0.0) ** (1 / am1)).sum(axis=1, keepdims=True)
            acima = soma >= 1
            lo = np.where(acima, meio, lo)
            hi = np.where(acima, hi, meio)
        P = np.maximum(X - lo, 0.0) ** (1 / am1)  # em lo, a soma é ≥ 1 > 0
        P /= P.sum(axis=1, keepdims=True)
    P[~validas] = np.nan
    return _desfazer(P, dtype_saida, formato_movido, eixo, formato)


# ---------------------------------------------------------------------------------------------
# Gumbel


def _gerador(rng: object) -> np.random.Generator:
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, numbers.Integral) and not isinstance(rng, (bool, np.bool_)):
        if int(rng) < 0:
            raise ValueError(f"rng, como semente, deve ser um inteiro >= 0; recebido {int(rng)}")
        return np.random.default_rng(int(rng))
    raise TypeError(
        "rng deve ser um numpy.random.Generator (np.random.default_rng(semente)), uma semente "
        f"inteira ou None; recebido {descrever(rng)}"
    )


def _logits_gumbel(logits: ArrayLike, axis: object):
    arr, dtype_saida = como_array_real(logits, "logits", mascarados_viram=-np.inf)
    if arr.ndim == 0:
        raise ValueError("logits deve ter pelo menos 1 dimensão (as classes); recebido um escalar")
    eixo = normalizar_eixo(axis, arr.ndim)
    if arr.shape[eixo] == 0:
        raise ValueError(
            f"logits não tem classes: o eixo {eixo} tem tamanho 0 (formato {arr.shape})"
        )
    if np.isnan(arr).any():
        raise ValueError("logits contém nan: não há distribuição de onde amostrar")
    if np.isposinf(arr).any():
        raise ValueError("logits contém +inf: não há distribuição de onde amostrar")
    if (arr == -np.inf).all(axis=eixo).any():
        raise ValueError(
            "logits tem uma fatia só com -inf (todas as classes impossíveis): não há "
            "distribuição de onde amostrar"
        )
    return arr, dtype_saida, eixo


def gumbel_max_sample(logits: ArrayLike, rng: object = None, axis: int = -1) -> np.ndarray:
    r"""Uma amostra de :math:`\operatorname{softmax}(\text{logits})` pelo truque de Gumbel-max.

    Parameters
    ----------
    logits : array_like
        Logits não normalizados; ``-inf`` é uma classe impossível. Cada fatia ao longo de
        ``axis`` é uma distribuição.
    rng : numpy.random.Generator, opcional
        O gerador (ou uma semente). Padrão: um gerador novo, sem semente.
    axis : int, opcional
        O eixo das classes. Padrão: o último.

    Returns
    -------
    numpy.ndarray
        Os índices sorteados (``int64``), com o formato de ``logits`` sem ``axis``.

    Raises
    ------
    TypeError
        Se ``logits`` não é numérico ou ``rng`` não é um gerador nem uma semente.
    ValueError
        Se ``logits`` é escalar, tem ``nan``/``+inf``, uma fatia vazia ou só de ``-inf``.

    Notes
    -----
    Com :math:`g_i = -\log E_i`, :math:`E_i \sim \operatorname{Exp}(1)` independentes (ruído de
    Gumbel padrão),

    .. math::

        P\bigl(\operatorname*{arg\,max}_i\, (x_i + g_i) = k\bigr) = \operatorname{softmax}(x)_k .

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> amostras = gumbel_max_sample(np.log([[0.2, 0.8]] * 10_000), rng)
    >>> print(round(float(amostras.mean()), 2))
    0.8
    """
    arr, _, eixo = _logits_gumbel(logits, axis)
    gerador = _gerador(rng)
    x = np.asarray(arr, dtype=np.float64)
    # g = -log E, E ~ Exp(1): o mesmo caminho do torch (-empty_like().exponential_().log())
    g = -np.log(gerador.standard_exponential(x.shape))
    return np.argmax(x + g, axis=eixo).astype(np.int64)


def gumbel_softmax(
    logits: ArrayLike,
    tau: float = 1.0,
    hard: bool = False,
    axis: int = -1,
    rng: object = None,
) -> np.ndarray:
    r"""Uma amostra relaxada da distribuição categórica: ``torch.nn.functional.gumbel_softmax``.

    Parameters
    ----------
    logits : array_like
        Logits não normalizados (``-inf`` é uma classe impossível).
    tau : float, opcional
        A temperatura :math:`\tau > 0`, finita. Padrão: 1.
    hard : bool, opcional
        Com ``True``, devolve o *one-hot* do :math:`\arg\max` da amostra relaxada (o valor do
        estimador *straight-through* do torch). Padrão: ``False``.
    axis : int, opcional
        O eixo das classes. Padrão: o último.
    rng : numpy.random.Generator, opcional
        O gerador do ruído (ou uma semente). Padrão: um gerador novo.

    Returns
    -------
    numpy.ndarray
        Com o formato e o dtype de ``logits``: uma distribuição por fatia (soma 1).

    Raises
    ------
    TypeError
        Se ``logits`` não é numérico, ``tau`` não é um número, ``hard`` não é booleano ou
        ``rng`` não é um gerador nem uma semente.
    ValueError
        Se ``tau`` não é positivo e finito, ou ``logits`` não tem distribuição (ver
        :func:`gumbel_max_sample`).

    Notes
    -----
    .. math::

        y = \operatorname{softmax}\bigl((x + g)/\tau\bigr), \qquad g_i = -\log E_i,\;
        E_i \sim \operatorname{Exp}(1).

    Quando :math:`\tau \to 0`, :math:`y` tende ao *one-hot* do Gumbel-max; quando
    :math:`\tau \to \infty`, à distribuição uniforme. No torch, ``hard=True`` devolve
    ``y_hard - y.detach() + y``: o valor é o *one-hot* e o gradiente é o de :math:`y`.
    """
    t = real_positivo_finito(tau, "tau")
    if not isinstance(hard, (bool, np.bool_)):
        raise TypeError(f"hard deve ser True ou False; recebido {descrever(hard)}")
    arr, dtype_saida, eixo = _logits_gumbel(logits, axis)
    gerador = _gerador(rng)
    calculo = arr.dtype
    g = (-np.log(gerador.standard_exponential(arr.shape))).astype(calculo)
    with np.errstate(over="ignore"):
        y = softmax((arr + g) / calculo.type(t), axis=eixo)
    if hard:
        indice = np.expand_dims(np.argmax(y, axis=eixo), eixo)
        y = np.zeros_like(y)
        np.put_along_axis(y, indice, 1.0, axis=eixo)
    return y.astype(dtype_saida, copy=False)


# ---------------------------------------------------------------------------------------------
# Softmax adaptativa


class SaidaAdaptativa(NamedTuple):
    """O que :class:`AdaptiveLogSoftmaxWithLoss` devolve (o ``_ASMoutput`` do torch)."""

    output: np.ndarray  #: a log-probabilidade de cada alvo
    loss: np.ndarray  #: a média de ``-output`` (um escalar)


def _inteiro_positivo(valor: object, nome: str) -> int:
    if isinstance(valor, (bool, np.bool_)) or not isinstance(valor, numbers.Integral):
        raise TypeError(f"{nome} deve ser um inteiro positivo; recebido {descrever(valor)}")
    if int(valor) <= 0:
        raise ValueError(f"{nome} deve ser um inteiro positivo; recebido {int(valor)}")
    return int(valor)


class AdaptiveLogSoftmaxWithLoss:
    r"""A softmax adaptativa (Grave et al., 2017), como ``torch.nn.AdaptiveLogSoftmaxWithLoss``.

    O vocabulário, ordenado da classe mais frequente para a menos frequente, é partido pelos
    ``cutoffs``: as ``cutoffs[0]`` primeiras classes ficam na **cabeça**, junto de um logit por
    *cluster* da **cauda**; o *cluster* ``i`` (classes ``cutoffs[i]`` a ``cutoffs[i+1] - 1``)
    tem a sua própria softmax, calculada por uma projeção de dimensão
    ``in_features // div_value**(i + 1)``. A log-probabilidade de uma classe da cauda é a do seu
    *cluster* na cabeça mais a da classe dentro do *cluster*.

    Parameters
    ----------
    in_features : int
        A dimensão do estado oculto.
    n_classes : int
        O tamanho do vocabulário.
    cutoffs : sequência de int
        Inteiros estritamente crescentes, de 1 a ``n_classes - 1``.
    div_value : float, opcional
        A razão entre as dimensões das projeções de *clusters* vizinhos. Padrão: 4.
    head_bias : bool, opcional
        Se a cabeça tem viés. Padrão: ``False``.
    rng : numpy.random.Generator, opcional
        Para a inicialização dos pesos (uniforme em :math:`\pm 1/\sqrt{\text{fan\_in}}`, a
        escala do torch).
    dtype : numpy.dtype, opcional
        O dtype dos pesos. Padrão: ``float64``.

    Raises
    ------
    TypeError, ValueError
        Se os parâmetros não são como acima (por exemplo, ``cutoffs`` fora de ordem, repetidos
        ou além do vocabulário).

    Notes
    -----
    Os pesos são os atributos ``head_weight`` (``(cutoffs[0] + n_clusters, in_features)``),
    ``head_bias`` (ou ``None``) e ``tail``, uma lista de pares ``(proj, out)`` de formatos
    ``(h_i, in_features)`` e ``(tamanho_i, h_i)``. :meth:`load_state_dict` carrega os de um
    módulo do torch (``modulo.state_dict()``).
    """

    def __init__(
        self,
        in_features: int,
        n_classes: int,
        cutoffs: Sequence[int],
        div_value: float = 4.0,
        head_bias: bool = False,
        rng: object = None,
        dtype: object = np.float64,
    ):
        self.in_features = _inteiro_positivo(in_features, "in_features")
        self.n_classes = _inteiro_positivo(n_classes, "n_classes")
        if isinstance(cutoffs, (str, bytes)) or not isinstance(cutoffs, Sequence | np.ndarray):
            raise TypeError(
                "cutoffs deve ser uma sequência de inteiros crescentes; recebido "
                f"{descrever(cutoffs)}"
            )
        lista = list(cutoffs)
        if not lista:
            raise ValueError(
                "cutoffs não pode ser vazio: dê pelo menos um corte, de 1 a n_classes - 1"
            )
        for c in lista:
            if isinstance(c, (bool, np.bool_)) or not isinstance(c, numbers.Integral):
                raise TypeError(
                    f"cutoffs deve conter só inteiros; recebido {descrever(c)} em {lista!r}"
                )
        lista = [int(c) for c in lista]
        if any(b <= a for a, b in zip(lista, lista[1:], strict=False)):
            raise ValueError(
                f"cutoffs deve ser estritamente crescente, sem repetições; recebido {lista}"
            )
        if lista[0] < 1 or lista[-1] > self.n_classes - 1:
            raise ValueError(
                "cada corte de cutoffs deve estar entre 1 e n_classes - 1 = "
                f"{self.n_classes - 1} (o vocabulário tem {self.n_classes} classes); "
                f"recebido {lista}"
            )
        self.div_value = real_positivo_finito(div_value, "div_value")
        if not isinstance(head_bias, (bool, np.bool_)):
            raise TypeError(f"head_bias deve ser True ou False; recebido {descrever(head_bias)}")
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise TypeError(f"dtype deve ser float32 ou float64; recebido {self.dtype}")
        self.cutoffs = lista + [self.n_classes]
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        gerador = _gerador(rng)

        def uniforme(saida: int, entrada: int) -> np.ndarray:
            limite = 1 / math.sqrt(entrada) if entrada else 0.0
            return gerador.uniform(-limite, limite, (saida, entrada)).astype(self.dtype)

        self.head_weight = uniforme(self.head_size, self.in_features)
        self.head_bias = uniforme(self.head_size, self.in_features)[:, 0] if head_bias else None
        self.tail: list[tuple[np.ndarray, np.ndarray]] = []
        for i in range(self.n_clusters):
            h = int(self.in_features // (self.div_value ** (i + 1)))
            tamanho = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append((uniforme(h, self.in_features), uniforme(tamanho, h)))

    # -- pesos -------------------------------------------------------------------------------

    def state_dict(self) -> dict[str, np.ndarray]:
        """Os pesos, com os nomes do torch."""
        pesos = {"head.weight": self.head_weight}
        if self.head_bias is not None:
            pesos["head.bias"] = self.head_bias
        for i, (proj, out) in enumerate(self.tail):
            pesos[f"tail.{i}.0.weight"] = proj
            pesos[f"tail.{i}.1.weight"] = out
        return pesos

    def load_state_dict(self, pesos: Mapping[str, ArrayLike]) -> AdaptiveLogSoftmaxWithLoss:
        """Carrega os pesos de um dicionário com os nomes do torch (``modulo.state_dict()``)."""
        if not isinstance(pesos, Mapping):
            raise TypeError(
                f"pesos deve ser um dicionário nome → array; recebido {descrever(pesos)}"
            )
        esperado = self.state_dict()
        if set(pesos) != set(esperado):
            raise ValueError(
                f"pesos deve ter exatamente as chaves {sorted(esperado)}; recebidas {sorted(pesos)}"
            )
        novos = {}
        for nome, atual in esperado.items():
            valor, _ = como_array_real(pesos[nome], f"pesos[{nome!r}]")
            if valor.shape != atual.shape:
                raise ValueError(
                    f"pesos[{nome!r}] deve ter formato {atual.shape}; recebido {valor.shape}"
                )
            novos[nome] = np.array(valor, dtype=self.dtype)
        self.head_weight = novos["head.weight"]
        if self.head_bias is not None:
            self.head_bias = novos["head.bias"]
        self.tail = [
            (novos[f"tail.{i}.0.weight"], novos[f"tail.{i}.1.weight"])
            for i in range(self.n_clusters)
        ]
        return self

    # -- contas ------------------------------------------------------------------------------

    def _entrada(self, input: ArrayLike) -> tuple[np.ndarray, bool]:
        x, _ = como_array_real(input, "input")
        if x.ndim not in (1, 2) or x.shape[-1] != self.in_features:
            raise ValueError(
                f"input deve ter formato (N, {self.in_features}) ou ({self.in_features},); "
                f"recebido formato {x.shape}"
            )
        lote = x.ndim == 2
        calculo = np.result_type(x.dtype, self.dtype)
        return np.atleast_2d(x).astype(calculo, copy=False), lote

    def _cabeca(self, x: np.ndarray) -> np.ndarray:
        logits = x @ self.head_weight.T.astype(x.dtype, copy=False)
        if self.head_bias is not None:
            logits = logits + self.head_bias
        return log_softmax(logits, axis=-1)

    def _cluster(self, x: np.ndarray, i: int) -> np.ndarray:
        proj, out = self.tail[i]
        return log_softmax((x @ proj.T) @ out.T, axis=-1)

    def log_prob(self, input: ArrayLike) -> np.ndarray:
        """As log-probabilidades de todas as classes, formato ``(N, n_classes)`` (ou
        ``(n_classes,)``)."""
        x, lote = self._entrada(input)
        cabeca = self._cabeca(x)  # (N, shortlist + n_clusters)
        saida = np.empty((len(x), self.n_classes), dtype=x.dtype)
        saida[:, : self.shortlist_size] = cabeca[:, : self.shortlist_size]
        for i in range(self.n_clusters):
            inicio, fim = self.cutoffs[i], self.cutoffs[i + 1]
            # log p(classe) = log p(cluster i | cabeça) + log p(classe | cluster i)
            saida[:, inicio:fim] = self._cluster(x, i) + cabeca[:, self.shortlist_size + i, None]
        return saida if lote else saida[0]

    def predict(self, input: ArrayLike) -> np.ndarray:
        """A classe mais provável de cada linha."""
        return np.argmax(self.log_prob(input), axis=-1)

    def forward(self, input: ArrayLike, target: ArrayLike) -> SaidaAdaptativa:
        """A log-probabilidade de cada alvo e a perda (a média de ``-output``), calculando só
        os *clusters* que os alvos usam."""
        x, lote = self._entrada(input)
        alvo = converter_array(target, "target")
        if alvo.dtype.kind not in "iu":
            raise TypeError(
                f"target deve conter índices inteiros de classe; recebido {descrever(alvo)}"
            )
        if alvo.ndim != (1 if lote else 0) or (lote and len(alvo) != len(x)):
            esperado = f"({len(x)},)" if lote else "() (um escalar)"
            raise ValueError(
                f"target deve ter formato {esperado}, um índice por linha de input; recebido "
                f"formato {alvo.shape}"
            )
        alvo = np.atleast_1d(alvo).astype(np.int64)
        if alvo.size and (alvo.min() < 0 or alvo.max() >= self.n_classes):
            ruim = alvo[(alvo < 0) | (alvo >= self.n_classes)][0]
            raise ValueError(
                f"target deve estar entre 0 e n_classes - 1 = {self.n_classes - 1}; recebido {ruim}"
            )
        cabeca = self._cabeca(x)
        output = np.empty(len(x), dtype=x.dtype)
        na_cabeca = alvo < self.shortlist_size
        output[na_cabeca] = cabeca[na_cabeca, alvo[na_cabeca]]
        for i in range(self.n_clusters):
            inicio, fim = self.cutoffs[i], self.cutoffs[i + 1]
            linhas = np.flatnonzero((alvo >= inicio) & (alvo < fim))
            if linhas.size == 0:
                continue
            dentro = self._cluster(x[linhas], i)[np.arange(linhas.size), alvo[linhas] - inicio]
            output[linhas] = cabeca[linhas, self.shortlist_size + i] + dentro
        with np.errstate(invalid="ignore"):
            loss = np.asarray(-output.mean() if output.size else np.nan, dtype=x.dtype)
        return SaidaAdaptativa(output if lote else output[0], loss)

    __call__ = forward


# ---------------------------------------------------------------------------------------------
# Softmax amostrada


def log_uniform_probs(n_classes: int) -> np.ndarray:
    r"""A distribuição log-uniforme (Zipf) do amostrador do TensorFlow:
    :math:`q_k = \log\frac{k + 2}{k + 1} / \log(V + 1)`, para as classes ordenadas da mais
    frequente (0) para a menos frequente."""
    V = _inteiro_positivo(n_classes, "n_classes")
    k = np.arange(V, dtype=np.float64)
    return np.log1p(1 / (k + 1)) / np.log(V + 1)


def sampled_softmax_loss(
    inputs: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike | None,
    target: ArrayLike,
    num_sampled: int,
    rng: object = None,
    proposal: ArrayLike | None = None,
    remove_accidental_hits: bool = True,
    reduction: str = "mean",
) -> np.ndarray:
    r"""A entropia cruzada da softmax amostrada: o alvo contra ``num_sampled`` negativos.

    Parameters
    ----------
    inputs : array_like
        Estados ocultos, formato ``(N, d)``.
    weight : array_like
        A matriz de saída, formato ``(V, d)``: a linha ``c`` dá o logit da classe ``c``.
    bias : array_like, opcional
        O viés, formato ``(V,)``.
    target : array_like
        As classes certas, inteiros de 0 a ``V - 1``, formato ``(N,)``.
    num_sampled : int
        :math:`K`, o número de negativos, sorteados com reposição de ``proposal`` e
        compartilhados pelo lote.
    rng : numpy.random.Generator, opcional
        O gerador (ou uma semente).
    proposal : array_like, opcional
        A distribuição :math:`q` de onde se sorteiam os negativos, formato ``(V,)``, positiva e
        somando 1. Padrão: :func:`log_uniform_probs` (a de Zipf).
    remove_accidental_hits : bool, opcional
        Se um negativo sorteado igual ao alvo da linha é descartado (logit :math:`-\infty`).
        Padrão: ``True``.
    reduction : {"mean", "sum", "none"}, opcional
        Como na entropia cruzada. Padrão: ``'mean'``.

    Returns
    -------
    numpy.ndarray
        A perda (escalar, ou ``(N,)`` com ``'none'``), em ``float64`` ou no dtype das entradas.

    Raises
    ------
    TypeError, ValueError
        Entradas de tipo ou formato errados, alvos fora do vocabulário, ``num_sampled`` não
        positivo, ``proposal`` que não é uma distribuição positiva.

    Notes
    -----
    Com os negativos :math:`s_1, \dots, s_K \sim q` e os logits :math:`x_c = h \cdot w_c + b_c`,

    .. math::

        \hat Z = e^{x_y} + \sum_{k:\, s_k \ne y} \frac{e^{x_{s_k}}}{K q_{s_k}}, \qquad
        \hat{\mathcal{L}} = \log \hat Z - x_y ,

    isto é, cada negativo entra com o logit corrigido :math:`x_{s_k} - \log(K q_{s_k})`. O
    :math:`\hat Z` é um estimador **não viesado** de :math:`Z = \sum_c e^{x_c}`
    (:math:`\operatorname{E}[e^{\hat{\mathcal{L}}}] = e^{\mathcal{L}}`), mas a perda, o seu log,
    é viesada para baixo (desigualdade de Jensen), com um viés que, para :math:`K` grande, cai
    como :math:`1/K`. O TensorFlow subtrai também :math:`\log(Kq_y)` do logit do alvo; aqui o
    alvo fica sem a correção, para que a propriedade acima valha.
    """
    h, dtype_h = como_array_real(inputs, "inputs")
    W, dtype_w = como_array_real(weight, "weight")
    if h.ndim != 2:
        raise ValueError(f"inputs deve ter formato (N, d); recebido formato {h.shape}")
    if W.ndim != 2 or W.shape[1] != h.shape[1]:
        raise ValueError(
            f"weight deve ter formato (V, d) com d = {h.shape[1]} (o de inputs); recebido "
            f"formato {W.shape}"
        )
    V = W.shape[0]
    if V == 0:
        raise ValueError("weight não tem classes: formato (0, d)")
    if bias is None:
        b = np.zeros(V)
    else:
        b, _ = como_array_real(bias, "bias")
        if b.shape != (V,):
            raise ValueError(f"bias deve ter formato ({V},); recebido formato {b.shape}")
    alvo = converter_array(target, "target")
    if alvo.dtype.kind not in "iu":
        raise TypeError(
            f"target deve conter índices inteiros de classe; recebido {descrever(alvo)}"
        )
    if alvo.shape != (h.shape[0],):
        raise ValueError(
            f"target deve ter formato ({h.shape[0]},), um índice por linha de inputs; recebido "
            f"formato {alvo.shape}"
        )
    alvo = alvo.astype(np.int64)
    if alvo.size and (alvo.min() < 0 or alvo.max() >= V):
        ruim = alvo[(alvo < 0) | (alvo >= V)][0]
        raise ValueError(f"target deve estar entre 0 e V - 1 = {V - 1}; recebido {ruim}")
    K = _inteiro_positivo(num_sampled, "num_sampled")
    if proposal is None:
        q = log_uniform_probs(V)
    else:
        q, _ = como_array_real(proposal, "proposal")
        q = q.astype(np.float64)
        if q.shape != (V,):
            raise ValueError(f"proposal deve ter formato ({V},); recebido formato {q.shape}")
        if not np.all(np.isfinite(q)) or np.any(q <= 0) or not np.isclose(q.sum(), 1.0, rtol=1e-6):
            raise ValueError(
                "proposal deve ser uma distribuição: valores finitos e positivos (toda classe "
                f"precisa poder ser sorteada) que somam 1; a soma recebida é {float(q.sum())!r}"
            )
        q = q / q.sum()
    if not isinstance(remove_accidental_hits, (bool, np.bool_)):
        raise TypeError(
            "remove_accidental_hits deve ser True ou False; recebido "
            f"{descrever(remove_accidental_hits)}"
        )
    if reduction not in _REDUCOES:
        raise ValueError(f"reduction deve ser 'mean', 'sum' ou 'none'; recebido {reduction!r}")
    gerador = _gerador(rng)
    calculo = np.result_type(h.dtype, W.dtype)
    amostras = gerador.choice(V, size=K, p=q)  # (K,), com reposição
    h = h.astype(calculo, copy=False)
    x_alvo = np.einsum("nd,nd->n", h, W[alvo].astype(calculo)) + b[alvo]  # (N,)
    # negativos com o logit corrigido x_s - log(K q_s)
    x_neg = h @ W[amostras].T.astype(calculo) + b[amostras] - np.log(K * q[amostras])  # (N, K)
    if remove_accidental_hits:
        x_neg = np.where(amostras[None, :] == alvo[:, None], -np.inf, x_neg)
    tudo = np.concatenate([x_alvo[:, None], x_neg], axis=1)  # (N, 1 + K)
    perda = -log_softmax(tudo, axis=1)[:, 0]
    if reduction == "mean":
        perda = perda.mean() if perda.size else np.float64(np.nan)
    elif reduction == "sum":
        perda = perda.sum()
    return np.asarray(perda, dtype=np.result_type(dtype_h, dtype_w))
