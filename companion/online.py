"""Softmax online e por blocos: a normalização de Milakov e Gimelshein (2018), a regra do
FlashAttention (Dao et al., 2022; na forma do FlashAttention-2, Dao, 2024) e a entropia cruzada
da cabeça do modelo de linguagem por blocos do vocabulário.

A softmax precisa do máximo e da soma de uma linha inteira antes de escrever o primeiro
resultado. O *normalizador online* mantém os dois durante uma única passada:

.. math::

    m' = \\max(m, \\max x_{\\text{bloco}}), \\qquad
    d' = d\\, e^{m - m'} + \\sum e^{x_{\\text{bloco}} - m'} ,

e dois estados parciais se combinam da mesma forma — uma operação associativa, que permite
reduzir uma linha em blocos paralelos, calcular a atenção sem nunca montar a matriz de escores
e a entropia cruzada de um vocabulário inteiro sem nunca montar os logits
(:func:`chunked_cross_entropy`).

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
    "chunked_cross_entropy",
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


def _matriz(valor: ArrayLike, nome: str, formato: str) -> tuple[np.ndarray, np.dtype]:
    arr, dtype = como_array_real(valor, nome)
    if arr.ndim != 2:
        raise ValueError(
            f"{nome} deve ser uma matriz {formato} (2 dimensões); recebido formato {arr.shape}"
        )
    return arr, dtype


def chunked_cross_entropy(
    h: ArrayLike,
    W: ArrayLike,
    target: ArrayLike,
    chunk_size: int,
    b: ArrayLike | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    return_grad: bool = False,
):
    r"""Entropia cruzada da cabeça do modelo de linguagem, :math:`\operatorname{CE}(hW^\top + b,
    y)`, calculada por blocos do vocabulário, sem montar os logits ``(N, V)`` inteiros.

    Cada bloco de ``chunk_size`` linhas de ``W`` dá um bloco de logits ``(N, chunk_size)``, que
    atualiza o estado online :math:`(m, d)` de cada linha (:func:`merge`) e entrega o logit do
    alvo, se ele cai no bloco, e é descartado. A perda de cada posição é
    :math:`\operatorname{LSE}_n - z_{n, y_n}`. Com ``return_grad=True``, uma segunda passada
    recalcula cada bloco de logits (como o passo de volta do FlashAttention, que guarda só a
    logsumexp de cada linha) e acumula os gradientes com :math:`\partial \ell_n / \partial z_n
    = \operatorname{softmax}(z_n) - e_{y_n}`.

    Parameters
    ----------
    h : array_like
        Estados ocultos, formato ``(N, d)``.
    W : array_like
        Pesos da cabeça, formato ``(V, d)`` (uma linha por token do vocabulário, como o
        ``weight`` de ``torch.nn.Linear(d, V)``).
    target : array_like
        Índices dos tokens-alvo, inteiros de formato ``(N,)``, em ``[0, V)`` ou
        ``ignore_index``.
    chunk_size : int
        Quantos tokens do vocabulário por bloco (um inteiro positivo).
    b : array_like, opcional
        Viés, formato ``(V,)``.
    ignore_index : int, opcional
        Alvos com este valor não contam (como no torch). Padrão: -100.
    reduction : {"mean", "sum", "none"}, opcional
        ``"mean"`` divide pelo número de alvos não ignorados (``nan`` se todos são ignorados,
        como no torch).
    return_grad : bool, opcional
        Se ``True``, devolve também os gradientes da perda reduzida (``"mean"`` ou ``"sum"``).

    Returns
    -------
    numpy.ndarray ou tuple
        A perda, no dtype de :math:`hW^\top + b` (``float32`` se as entradas são ``float32``);
        com ``return_grad=True``, ``(perda, grad_h, grad_W, grad_b)`` (``grad_b`` é ``None``
        sem ``b``), como o ``.grad`` do torch.

    Raises
    ------
    TypeError
        Se uma entrada não é numérica, ``target`` não é inteiro, ``chunk_size`` não é inteiro ou
        ``return_grad`` não é booleano.
    ValueError
        Se os formatos não combinam, um alvo está fora de ``[0, V)``, ``chunk_size`` não é
        positivo, ``reduction`` é desconhecida ou ``return_grad`` vem com ``"none"``.

    Notes
    -----
    Os logits de cada bloco e as estatísticas :math:`(m, d)` são calculados em ``float64``; a
    memória extra é :math:`O(N \cdot \text{chunk\_size} + \text{chunk\_size} \cdot d)`, e não
    :math:`O(N V)` — com :math:`V` de 50 mil a 256 mil, os logits inteiros de alguns milhares de
    posições ocupam gigabytes. O resultado é o mesmo de
    ``companion.cross_entropy(h @ W.T + b, target)`` até o arredondamento.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> h, W = rng.normal(size=(4, 8)), rng.normal(size=(100, 8))
    >>> alvo = np.array([3, 14, 15, 92])
    >>> from companion import cross_entropy
    >>> bool(np.isclose(chunked_cross_entropy(h, W, alvo, 32), cross_entropy(h @ W.T, alvo)))
    True
    """
    from companion.perdas import AlvoDeClasses, preparar_alvo, validar_reducao

    hh, dtype_h = _matriz(h, "h", "(N, d)")
    WW, dtype_W = _matriz(W, "W", "(V, d)")
    if WW.shape[1] != hh.shape[1]:
        raise ValueError(
            f"W deve ter uma coluna por dimensão de h: h tem formato {hh.shape} (d = "
            f"{hh.shape[1]}) e W, {WW.shape}; W tem formato (V, d), como o weight de nn.Linear"
        )
    N, V = hh.shape[0], WW.shape[0]
    dtypes = [dtype_h, dtype_W]
    bb = None
    if b is not None:
        bb, dtype_b = como_array_real(b, "b")
        if bb.shape != (V,):
            raise ValueError(
                f"b deve ter um viés por linha de W, formato ({V},); recebido formato {bb.shape}"
            )
        dtypes.append(dtype_b)
    dtype_saida = np.result_type(*dtypes)
    B = _tamanho_do_bloco_com_nome(chunk_size, "chunk_size")
    reducao = validar_reducao(reduction)
    if not isinstance(return_grad, (bool, np.bool_)):
        raise TypeError(f"return_grad deve ser True ou False; recebido {descrever(return_grad)}")
    if return_grad and reducao == "none":
        raise ValueError(
            'return_grad=True precisa de uma perda escalar: use reduction="mean" ou "sum"; '
            'recebido reduction="none"'
        )
    # só o formato de (N, V) é usado para conferir o alvo: nenhum array (N, V) é alocado
    formato_logits = np.broadcast_to(np.zeros((), np.float64), (N, V))
    alvo = preparar_alvo(formato_logits, target, 1, ignore_index, "h @ W.T")
    if not isinstance(alvo, AlvoDeClasses):
        raise TypeError(
            "target deve conter índices de classe inteiros de formato "
            f"({N},); probabilidades por classe exigiriam o array (N, V) inteiro"
        )
    validos, seguros = alvo.validos, alvo.seguros

    h64 = hh.astype(np.float64, copy=False)
    linhas = np.arange(N)

    def bloco_de_logits(inicio: int) -> np.ndarray:
        # z = h W_bᵀ + b_b, só para as colunas [inicio, inicio + B): formato (N, ≤ B)
        z = h64 @ WW[inicio : inicio + B].astype(np.float64, copy=False).T
        if bb is not None:
            z += bb[inicio : inicio + B].astype(np.float64, copy=False)
        return z

    # primeira passada: o estado online (m, d) de cada linha e o logit do alvo
    estado = _vazio((N,))
    z_alvo = np.zeros(N)
    for inicio in range(0, V, B):
        z = bloco_de_logits(inicio)
        estado = merge(estado, _estado_do_ultimo_eixo(z))
        no_bloco = (seguros >= inicio) & (seguros < inicio + z.shape[1])
        z_alvo[no_bloco] = z[linhas[no_bloco], seguros[no_bloco] - inicio]
    lse = estado.logsumexp
    with np.errstate(invalid="ignore"):
        # -log p_y = LSE - z_y (0 nos ignorados); um +inf na linha dá nan, como no torch
        perdas = np.where(validos, lse - z_alvo, 0.0)
        perdas = np.where(validos & np.isposinf(estado.m), np.nan, perdas)
    n_validos = int(validos.sum())
    if reducao == "none":
        return perdas.astype(dtype_saida)
    if reducao == "sum":
        perda, escala = perdas.sum(), 1.0
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            perda = perdas.sum() / np.float64(n_validos)
        escala = 1.0 / n_validos if n_validos else np.nan
    perda = np.asarray(perda).astype(dtype_saida)[()]
    if not return_grad:
        return perda

    # segunda passada: recalcula cada bloco de logits e usa a LSE guardada (N números)
    grad_h = np.zeros((N, hh.shape[1]))
    grad_W = np.empty(WW.shape, dtype_saida)
    grad_b = None if bb is None else np.empty(V, dtype_saida)
    peso = np.where(validos, escala, 0.0)[:, None]  # (N, 1): 0 nas posições ignoradas
    for inicio in range(0, V, B):
        z = bloco_de_logits(inicio)
        with np.errstate(invalid="ignore", over="ignore"):
            G = np.exp(z - lse[:, None])  # softmax do bloco, com a LSE da linha inteira
        no_bloco = (seguros >= inicio) & (seguros < inicio + z.shape[1])
        G[linhas[no_bloco], seguros[no_bloco] - inicio] -= 1.0  # p - e_y
        G *= peso
        grad_h += G @ WW[inicio : inicio + B].astype(np.float64, copy=False)
        grad_W[inicio : inicio + B] = G.T @ h64
        if grad_b is not None:
            grad_b[inicio : inicio + B] = G.sum(axis=0)
    return perda, grad_h.astype(dtype_saida), grad_W, grad_b


def _tamanho_do_bloco_com_nome(valor: object, nome: str) -> int:
    if isinstance(valor, (bool, np.bool_)) or not isinstance(valor, (int, np.integer)):
        raise TypeError(f"{nome} deve ser um inteiro positivo; recebido {descrever(valor)}")
    if valor < 1:
        raise ValueError(f"{nome} deve ser um inteiro positivo; recebido {valor!r}")
    return int(valor)
