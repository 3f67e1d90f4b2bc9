"""Softmax online e por blocos: a normalização de Milakov e Gimelshein (2018) e a regra do
FlashAttention (Dao et al., 2022).

A softmax precisa do máximo e da soma de uma linha inteira antes de escrever o primeiro
resultado. O *normalizador online* mantém os dois durante uma única passada:

.. math::

    m' = \\max(m, \\max x_{\\text{bloco}}), \\qquad
    d' = d\\, e^{m - m'} + \\sum e^{x_{\\text{bloco}} - m'} ,

e dois estados parciais se combinam da mesma forma — uma operação associativa, que permite
reduzir uma linha em blocos paralelos e calcular a atenção sem nunca montar a matriz de escores.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from companion._validacao import como_array_real, descrever

__all__ = [
    "Estado",
    "estado_de",
    "merge",
    "online_normalizer",
    "online_logsumexp",
    "online_softmax",
    "blockwise_softmax",
    "blockwise_attention",
]


@dataclass(frozen=True)
class Estado:
    """O estado parcial de uma redução softmax: o máximo ``m`` e a soma ``d`` de
    :math:`e^{x - m}` sobre os valores vistos. ``m`` e ``d`` podem ser arrays (uma linha cada).

    Nada visto ainda (ou só ``-inf``): ``m = -inf`` e ``d = 0``.
    """

    m: np.ndarray
    d: np.ndarray

    @property
    def logsumexp(self) -> np.ndarray:
        """:math:`\\log \\sum e^{x} = m + \\log d` dos valores vistos."""
        with np.errstate(divide="ignore"):
            return np.where(self.d > 0, self.m + np.log(self.d), -np.inf)


def _vazio(formato: tuple[int, ...] = ()) -> Estado:
    return Estado(np.full(formato, -np.inf), np.zeros(formato))


def estado_de(bloco: ArrayLike, axis: int = -1) -> Estado:
    """O estado de um bloco de valores, reduzindo ``axis``.

    Examples
    --------
    >>> e = estado_de([0.0, 0.0])
    >>> float(e.m), float(e.d)
    (0.0, 2.0)
    """
    x, _ = como_array_real(bloco, "bloco")
    x = x.astype(np.float64, copy=False)
    if x.ndim == 0:
        x = x.reshape(1)
    m = np.max(x, axis=axis, initial=-np.inf)
    # bloco vazio ou só de -inf: m = -inf, e o termo e^{x - m} seria nan; vale 0
    m_seguro = np.where(np.isneginf(m), 0.0, m)
    with np.errstate(invalid="ignore", over="ignore"):
        d = np.sum(np.exp(x - np.expand_dims(m_seguro, axis)), axis=axis)
    return Estado(m, np.where(np.isneginf(m), 0.0, d))


def merge(a: Estado, b: Estado) -> Estado:
    r"""Combina dois estados parciais: associativa e comutativa (até o arredondamento).

    .. math::

        m = \max(m_a, m_b), \qquad d = d_a e^{m_a - m} + d_b e^{m_b - m} .

    Examples
    --------
    >>> e = merge(estado_de([1.0, 2.0]), estado_de([3.0]))
    >>> print(round(float(e.logsumexp), 12))
    3.407605964444
    """
    m = np.maximum(a.m, b.m)
    # quem tem m = -inf não contribui; evita -inf - (-inf) = nan
    m_seguro = np.where(np.isneginf(m), 0.0, m)
    with np.errstate(invalid="ignore", over="ignore"):
        fator_a = np.where(np.isneginf(a.m), 0.0, np.exp(a.m - m_seguro))
        fator_b = np.where(np.isneginf(b.m), 0.0, np.exp(b.m - m_seguro))
    return Estado(m, a.d * fator_a + b.d * fator_b)


def _blocos(chunks: Iterable[ArrayLike]):
    if isinstance(chunks, (np.ndarray, str, bytes)) or not isinstance(chunks, Iterable):
        raise TypeError(
            f"chunks deve ser um iterável de blocos (listas ou arrays 1-D); recebido "
            f"{descrever(chunks)}"
        )
    for bloco in chunks:
        x, _ = como_array_real(bloco, "bloco")
        if x.ndim > 1:
            raise ValueError(
                f"cada bloco deve ser um vetor (1 dimensão); recebido formato {x.shape}"
            )
        yield x.reshape(-1).astype(np.float64, copy=False)


def online_normalizer(chunks: Iterable[ArrayLike]) -> Estado:
    r"""O normalizador online: uma passada por ``chunks``, lendo cada bloco uma vez.

    Parameters
    ----------
    chunks : iterável de array_like
        Os blocos de uma linha, em ordem (podem ser vazios ou só de ``-inf``). Pode ser um
        iterador de uma só passada, como um gerador.

    Returns
    -------
    Estado
        ``m`` e ``d`` da linha inteira; ``logsumexp = m + log d``.

    Raises
    ------
    TypeError
        Se ``chunks`` não é iterável ou um bloco não é numérico.
    ValueError
        Se um bloco tem mais de uma dimensão.

    Notes
    -----
    A cada bloco, :math:`m \leftarrow \max(m, \max x)` e
    :math:`d \leftarrow d\, e^{m_{\text{antigo}} - m} + \sum e^{x - m}`
    (Milakov e Gimelshein, 2018).
    """
    estado = _vazio()
    for x in _blocos(chunks):
        estado = merge(estado, estado_de(x))
    return estado


def online_logsumexp(chunks: Iterable[ArrayLike]) -> float:
    """A logsumexp de uma linha dada em blocos, numa só passada.

    Examples
    --------
    >>> print(online_logsumexp(iter([[1000.0], [], [1000.0]])))
    1000.6931471805599
    """
    return float(online_normalizer(chunks).logsumexp)


def online_softmax(chunks: Iterable[ArrayLike]) -> np.ndarray:
    """A softmax da linha formada pelos blocos, lendo o iterável uma única vez.

    Os blocos são guardados enquanto o estado é atualizado; no fim, cada um é normalizado com o
    ``m`` e o ``d`` finais.

    Examples
    --------
    >>> print(online_softmax(iter([[1.0, 2.0], [3.0, 4.0]])))
    [0.0320586  0.08714432 0.23688282 0.64391426]
    """
    guardados = []
    estado = _vazio()
    for x in _blocos(chunks):
        guardados.append(x)
        estado = merge(estado, estado_de(x))
    linha = np.concatenate(guardados) if guardados else np.zeros(0)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        # y = e^{x - m} / d, com o m e o d da linha inteira
        return np.exp(linha - estado.m) / estado.d


def blockwise_softmax(x: ArrayLike, block_size: int, axis: int = -1) -> np.ndarray:
    """Softmax ao longo de ``axis`` calculada por blocos de ``block_size`` elementos.

    Cada bloco produz o seu estado; os estados são combinados numa árvore (a redução paralela),
    e cada bloco é normalizado pelo estado final.

    Raises
    ------
    ValueError
        Se ``block_size`` não é um inteiro positivo.
    """
    arr, dtype_saida = como_array_real(x)
    if (
        isinstance(block_size, bool)
        or not isinstance(block_size, (int, np.integer))
        or (block_size < 1)
    ):
        raise ValueError(f"block_size deve ser um inteiro positivo; recebido {block_size!r}")
    linhas = np.moveaxis(arr.astype(np.float64), axis, -1)
    K = linhas.shape[-1]
    inicios = list(range(0, max(K, 1), block_size))
    estados = [estado_de(linhas[..., i : i + block_size]) for i in inicios]
    # redução em árvore: combina pares até sobrar um estado (a ordem não importa: associativa)
    while len(estados) > 1:
        pares = [merge(a, b) for a, b in zip(estados[::2], estados[1::2], strict=False)]
        estados = pares + ([estados[-1]] if len(estados) % 2 else [])
    total = estados[0]
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        y = np.exp(linhas - total.m[..., None]) / total.d[..., None]
    return np.moveaxis(y, -1, axis).astype(dtype_saida, copy=False)


def blockwise_attention(q: ArrayLike, k: ArrayLike, v: ArrayLike, block_size: int) -> np.ndarray:
    r"""Atenção :math:`\operatorname{softmax}(QK^\top/\sqrt{d})\,V` calculada por blocos de
    chaves, sem montar a matriz de escores inteira (a regra do FlashAttention).

    Parameters
    ----------
    q : array_like
        Consultas, formato ``(T_q, d)``.
    k, v : array_like
        Chaves ``(T_k, d)`` e valores ``(T_k, d_v)``.
    block_size : int
        Quantas chaves por bloco.

    Returns
    -------
    numpy.ndarray
        Formato ``(T_q, d_v)``.

    Raises
    ------
    ValueError
        Se os formatos não combinam ou ``block_size`` não é positivo.

    Notes
    -----
    Para cada bloco :math:`j` de chaves, com :math:`S_j = Q K_j^\top / \sqrt{d}`:

    .. math::

        m' = \max(m, \operatorname{rowmax} S_j), \quad
        \ell' = \ell\, e^{m - m'} + \operatorname{rowsum} e^{S_j - m'}, \quad
        O' = O\, e^{m - m'} + e^{S_j - m'} V_j ,

    e no fim :math:`O / \ell`. A memória extra é :math:`O(T_q \cdot \text{block\_size})`, e não
    :math:`O(T_q T_k)`.
    """
    Q, _ = como_array_real(q, "q")
    K, _ = como_array_real(k, "k")
    V, _ = como_array_real(v, "v")
    if (
        Q.ndim != 2
        or K.ndim != 2
        or V.ndim != 2
        or Q.shape[1] != K.shape[1]
        or (K.shape[0] != V.shape[0])
    ):
        raise ValueError(
            "q, k e v devem ter formatos (T_q, d), (T_k, d) e (T_k, d_v); recebidos "
            f"{Q.shape}, {K.shape} e {V.shape}"
        )
    if (
        isinstance(block_size, bool)
        or not isinstance(block_size, (int, np.integer))
        or (block_size < 1)
    ):
        raise ValueError(f"block_size deve ser um inteiro positivo; recebido {block_size!r}")
    escala = 1.0 / np.sqrt(Q.shape[1])
    m = np.full((Q.shape[0], 1), -np.inf)  # (T_q, 1): o máximo de cada linha até aqui
    ell = np.zeros((Q.shape[0], 1))  # (T_q, 1): a soma de e^{S - m}
    saida = np.zeros((Q.shape[0], V.shape[1]))  # (T_q, d_v): O, ainda não normalizada
    for inicio in range(0, K.shape[0], block_size):
        S = (Q @ K[inicio : inicio + block_size].T) * escala  # (T_q, B): só este bloco
        m_novo = np.maximum(m, S.max(axis=1, keepdims=True))
        # e^{m - m'} reescala o que foi acumulado com o máximo antigo
        reescala = np.exp(m - m_novo)
        P = np.exp(S - m_novo)  # (T_q, B)
        ell = ell * reescala + P.sum(axis=1, keepdims=True)
        saida = saida * reescala + P @ V[inicio : inicio + block_size]
        m = m_novo
    return saida / ell
