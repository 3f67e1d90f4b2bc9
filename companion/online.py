"""Softmax online e por blocos: a normalização de Milakov e Gimelshein (2018) e a regra do
FlashAttention (Dao et al., 2022).

A softmax precisa do máximo e da soma de uma linha inteira antes de escrever o primeiro
resultado. O *normalizador online* mantém os dois durante uma única passada:

.. math::

    m' = \\max(m, \\max x_{\\text{bloco}}), \\qquad
    d' = d\\, e^{m - m'} + \\sum e^{x_{\\text{bloco}} - m'} ,

e dois estados parciais se combinam da mesma forma — uma operação associativa, que permite
reduzir uma linha em blocos paralelos e calcular a atenção sem nunca montar a matriz de escores.

Valores não finitos seguem o PyTorch: a logsumexp de uma linha com ``+inf`` é ``+inf``, com
``nan`` é ``nan``, e só de ``-inf`` (ou vazia) é ``-inf`` (``torch.logsumexp``); a softmax de
uma linha com ``+inf`` ou ``nan``, ou só de ``-inf``, é ``nan`` inteira (``torch.softmax``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from companion._validacao import como_array_real, descrever, normalizar_eixo

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
    :math:`e^{x - m}` sobre os valores vistos. ``m`` e ``d`` podem ser arrays (uma linha cada):
    são convertidos para ``float64`` e devem ter o mesmo formato.

    Nada visto ainda (ou só ``-inf``): ``m = -inf`` e ``d = 0``. Um ``+inf`` visto (e nenhum
    ``nan``): ``m = d = +inf``. Um ``nan`` visto: ``m = d = nan``. Assim a :attr:`logsumexp`
    propaga ``+inf`` e ``nan`` como ``torch.logsumexp``.
    """

    m: np.ndarray
    d: np.ndarray

    def __post_init__(self) -> None:
        m, _ = como_array_real(self.m, "m")
        d, _ = como_array_real(self.d, "d")
        if m.shape != d.shape:
            raise ValueError(
                f"m e d de um Estado devem ter o mesmo formato; recebidos {m.shape} e {d.shape}"
            )
        object.__setattr__(self, "m", m.astype(np.float64, copy=False))
        object.__setattr__(self, "d", d.astype(np.float64, copy=False))

    @property
    def logsumexp(self) -> np.ndarray:
        """:math:`\\log \\sum e^{x} = m + \\log d` dos valores vistos (``-inf`` se nada)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            # d = 0 só com m = -inf: -inf + log 0 = -inf; m = d = +inf dá +inf; nan, nan
            return np.asarray(self.m + np.log(self.d))


def _vazio(formato: tuple[int, ...] = ()) -> Estado:
    return Estado(np.full(formato, -np.inf), np.zeros(formato))


def _d_nao_finito(m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Corrige ``d`` onde ``m`` não é finito: 0 com ``-inf``, ``+inf`` com ``+inf``, ``nan``
    com ``nan`` (a soma de :math:`e^{x - m}` não tem sentido ali; a logsumexp, sim)."""
    if np.all(np.isfinite(m)):
        return d
    return np.where(np.isfinite(m), d, np.where(np.isneginf(m), 0.0, m))


def _estado_do_ultimo_eixo(x: np.ndarray) -> Estado:
    """O estado de cada fatia de ``x`` (``float64``) ao longo do último eixo."""
    # m = max x (nan se houver nan: np.max o propaga)
    m = np.max(x, axis=-1, initial=-np.inf)
    # d = Σ e^{x - m}; com m não finito o deslocamento é 0 e d é corrigido depois
    m_seguro = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(invalid="ignore", over="ignore"):
        d = np.sum(np.exp(x - m_seguro[..., None]), axis=-1)
    return Estado(m, _d_nao_finito(m, d))


def estado_de(bloco: ArrayLike, axis: int = -1) -> Estado:
    """O estado de um bloco de valores, reduzindo ``axis``.

    ``+inf`` e ``nan`` se propagam como em ``torch.logsumexp``: a :attr:`Estado.logsumexp`
    de um bloco com ``+inf`` é ``+inf``; com ``nan``, ``nan``.

    Raises
    ------
    TypeError
        Se ``bloco`` não é numérico ou ``axis`` não é inteiro.
    ValueError
        Se ``axis`` está fora do intervalo.

    Examples
    --------
    >>> e = estado_de([0.0, 0.0])
    >>> float(e.m), float(e.d)
    (0.0, 2.0)
    >>> print(estado_de([1.0, np.inf]).logsumexp, estado_de([np.nan, 1.0]).logsumexp)
    inf nan
    """
    x, _ = como_array_real(bloco, "bloco")
    x = x.astype(np.float64, copy=False)
    eixo = normalizar_eixo(axis, x.ndim)
    if x.ndim == 0:
        x = x.reshape(1)
    return _estado_do_ultimo_eixo(np.moveaxis(x, eixo, -1))


def merge(a: Estado, b: Estado) -> Estado:
    r"""Combina dois estados parciais: associativa e comutativa (até o arredondamento).

    .. math::

        m = \max(m_a, m_b), \qquad d = d_a e^{m_a - m} + d_b e^{m_b - m} .

    Os formatos de ``a`` e ``b`` se combinam por broadcast (um estado escalar vazio combina com
    qualquer um). ``+inf`` e ``nan`` se propagam como em ``torch.logsumexp``.

    Raises
    ------
    TypeError
        Se ``a`` ou ``b`` não é um :class:`Estado`.
    ValueError
        Se os formatos de ``a`` e ``b`` não se combinam.

    Examples
    --------
    >>> e = merge(estado_de([1.0, 2.0]), estado_de([3.0]))
    >>> print(round(float(e.logsumexp), 12))
    3.407605964444
    """
    for nome, estado in (("a", a), ("b", b)):
        if not isinstance(estado, Estado):
            raise TypeError(
                f"{nome} deve ser um Estado (de estado_de ou de merge); recebido "
                f"{descrever(estado)}"
            )
    try:
        np.broadcast_shapes(a.m.shape, b.m.shape)
    except ValueError as erro:
        raise ValueError(
            f"os estados a e b devem ter formatos compatíveis (uma linha por elemento); "
            f"recebidos {a.m.shape} e {b.m.shape}"
        ) from erro
    # m = max(m_a, m_b) (nan se algum for nan)
    m = np.maximum(a.m, b.m)
    # quem tem m = -inf não contribui; evita -inf - (-inf) = nan
    m_seguro = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(invalid="ignore", over="ignore"):
        fator_a = np.where(np.isneginf(a.m), 0.0, np.exp(a.m - m_seguro))
        fator_b = np.where(np.isneginf(b.m), 0.0, np.exp(b.m - m_seguro))
        d = a.d * fator_a + b.d * fator_b
    return Estado(m, _d_nao_finito(m, d))


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
    return _normalizar(linha, estado.m, estado.d)


def _normalizar(linhas: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """y = e^{x - m} / d ao longo do último eixo; uma linha com ``+inf`` (m = +inf), só de
    ``-inf`` ou com ``nan`` dá ``nan`` inteira, como ``torch.softmax``."""
    m, d = np.asarray(m)[..., None], np.asarray(d)[..., None]
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        # y = e^{x - m} / d, com o m e o d da linha inteira
        y = np.exp(linhas - m) / d
    if np.any(np.isposinf(m)):
        y = np.where(np.isposinf(m), np.nan, y)
    return y


def _tamanho_do_bloco(block_size: object) -> int:
    if isinstance(block_size, (bool, np.bool_)) or not isinstance(block_size, (int, np.integer)):
        raise TypeError(
            f"block_size deve ser um inteiro positivo; recebido {descrever(block_size)}"
        )
    if block_size < 1:
        raise ValueError(f"block_size deve ser um inteiro positivo; recebido {block_size!r}")
    return int(block_size)


def blockwise_softmax(x: ArrayLike, block_size: int, axis: int = -1) -> np.ndarray:
    """Softmax ao longo de ``axis`` calculada por blocos de ``block_size`` elementos.

    Cada bloco produz o seu estado; os estados são combinados numa árvore (a redução paralela),
    e cada bloco é normalizado pelo estado final. O trabalho por bloco é vetorizado: os estados
    de todos os blocos saem de uma só redução, e cada nível da árvore é um só :func:`merge` —
    :math:`\\lceil \\log_2(\\text{blocos}) \\rceil` passos em Python, e não um por bloco.

    Parameters
    ----------
    x : array_like
        Logits (as regras de dtype de :func:`companion.softmax`).
    block_size : int
        Quantos elementos por bloco (um inteiro positivo; maior que o eixo vale o eixo inteiro).
    axis : int, opcional
        O eixo normalizado. Padrão: o último.

    Returns
    -------
    numpy.ndarray
        O mesmo que :func:`companion.softmax`: formato e dtype de ``x``; um ``x`` de 0
        dimensões dá 1 (como no torch); um eixo vazio dá um array vazio; uma linha com ``+inf``,
        só de ``-inf`` ou com ``nan`` dá ``nan``.

    Raises
    ------
    TypeError
        Se ``x`` não é numérico, ``block_size`` não é inteiro ou ``axis`` não é um inteiro
        (uma tupla, ``True``).
    ValueError
        Se ``block_size`` não é positivo ou ``axis`` está fora do intervalo.

    Examples
    --------
    >>> print(blockwise_softmax([1.0, 2.0, 3.0, 4.0], block_size=3))
    [0.0320586  0.08714432 0.23688282 0.64391426]
    """
    arr, dtype_saida = como_array_real(x)
    B = _tamanho_do_bloco(block_size)
    eixo = normalizar_eixo(axis, arr.ndim)
    linhas = np.moveaxis(arr.astype(np.float64).reshape(arr.shape or (1,)), eixo, -1)
    K = linhas.shape[-1]
    if linhas.size == 0:
        return np.empty(arr.shape, dtype_saida)
    B = min(B, K)
    n_blocos = -(-K // B)
    # completa o último bloco com -inf (não muda nem m nem d): (..., n_blocos, B)
    falta = n_blocos * B - K
    if falta:
        enchimento = np.full(linhas.shape[:-1] + (falta,), -np.inf)
        linhas_blocos = np.concatenate([linhas, enchimento], axis=-1)
    else:
        linhas_blocos = linhas
    estados = _estado_do_ultimo_eixo(linhas_blocos.reshape(linhas.shape[:-1] + (n_blocos, B)))
    m, d = estados.m, estados.d  # (..., n_blocos): um estado por bloco
    # redução em árvore: combina os pares vizinhos, todos de uma vez, até sobrar um estado (a
    # ordem não importa: associativa); com um número ímpar, o último passa para o nível seguinte
    while m.shape[-1] > 1:
        pares = m.shape[-1] // 2
        combinados = merge(
            Estado(m[..., 0 : 2 * pares : 2], d[..., 0 : 2 * pares : 2]),
            Estado(m[..., 1 : 2 * pares : 2], d[..., 1 : 2 * pares : 2]),
        )
        m = np.concatenate([combinados.m, m[..., 2 * pares :]], axis=-1)
        d = np.concatenate([combinados.d, d[..., 2 * pares :]], axis=-1)
    y = _normalizar(linhas, m[..., 0], d[..., 0])
    return np.moveaxis(y, -1, eixo).reshape(arr.shape).astype(dtype_saida, copy=False)


def blockwise_attention(
    q: ArrayLike,
    k: ArrayLike,
    v: ArrayLike,
    block_size: int,
    attn_mask: ArrayLike | None = None,
    is_causal: bool = False,
    scale: float | None = None,
) -> np.ndarray:
    r"""Atenção :math:`\operatorname{softmax}(QK^\top/\sqrt{d})\,V` calculada por blocos de
    chaves, sem montar a matriz de escores inteira (a regra do FlashAttention).

    É a mesma função que :func:`companion.atencao.blockwise_attention` (que aceita também lotes,
    cabeças e as máscaras de :func:`companion.atencao.scaled_dot_product_attention`); fica aqui
    com o nome do capítulo 8.

    Parameters
    ----------
    q : array_like
        Consultas, formato ``(T_q, d)`` (ou ``(..., T_q, d)``).
    k, v : array_like
        Chaves ``(T_k, d)`` e valores ``(T_k, d_v)`` (ou com as mesmas dimensões de lote).
    block_size : int
        Quantas chaves por bloco.
    attn_mask, is_causal, scale
        Como em :func:`companion.atencao.scaled_dot_product_attention`.

    Returns
    -------
    numpy.ndarray
        Formato ``(T_q, d_v)``; sem nenhuma chave, zeros (como o torch).

    Raises
    ------
    TypeError, ValueError
        Se os formatos não combinam ou ``block_size`` não é um inteiro positivo.

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
    from companion.atencao import blockwise_attention as por_blocos

    return por_blocos(
        q, k, v, block_size, attn_mask=attn_mask, is_causal=is_causal, scale=scale
    )
