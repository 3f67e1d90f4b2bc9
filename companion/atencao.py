"""A softmax na atenção: a atenção por produto escalar com escala, as máscaras, e os truques que
mantêm estáveis os logits dos modelos grandes.

:func:`scaled_dot_product_attention` reproduz ``torch.nn.functional.scaled_dot_product_attention``
(torch 2.13): máscaras booleanas (``True`` = pode atender) e aditivas (somadas aos escores),
``is_causal``, broadcast nas dimensões de lote e de cabeças, escala padrão :math:`1/\\sqrt{E}`, e
as linhas em que toda chave está mascarada saem com **zeros** (não ``nan``), como no torch.
:func:`blockwise_attention` calcula o mesmo por blocos de chaves (a regra do FlashAttention),
pulando os blocos inteiramente mascarados.

:func:`softcap` (o teto suave dos logits do Gemma 2), :func:`z_loss` (a perda auxiliar sobre
:math:`\\log Z` do PaLM) e :func:`softmax_one` (a softmax com um logit zero a mais, “off by one”)
completam o capítulo 9, com os gradientes :func:`softcap_backward` e :func:`z_loss_backward`.
"""

from __future__ import annotations

import numbers

import numpy as np
from numpy.typing import ArrayLike

from companion._validacao import (
    como_array_real,
    converter_array,
    descrever,
    normalizar_eixo,
    real_positivo_finito,
)
from companion.softmax import logsumexp, softmax

__all__ = [
    "scaled_dot_product_attention",
    "blockwise_attention",
    "softcap",
    "softcap_backward",
    "z_loss",
    "z_loss_backward",
    "softmax_one",
]

_REDUCOES = ("mean", "sum", "none")


def _saida(valor: np.ndarray, dtype: np.dtype, copiar: bool = False) -> np.ndarray:
    """O resultado no dtype de saída; em ``float16``, o que fica abaixo do menor subnormal vira
    0 sem aviso (como no torch)."""
    with np.errstate(under="ignore", over="ignore"):
        return np.asarray(valor).astype(dtype, copy=copiar)


# ---------------------------------------------------------------------------------------------
# Validação comum da atenção


def _qkv(q: ArrayLike, k: ArrayLike, v: ArrayLike):
    """Confere q (..., L, E), k (..., S, E) e v (..., S, Ev); devolve os arrays no dtype de
    cálculo, o dtype de saída e o formato de lote comum."""
    arrays, dtypes = [], []
    for nome, valor in (("q", q), ("k", k), ("v", v)):
        arr, dtype = como_array_real(valor, nome)
        if arr.ndim < 2:
            eixos = {"q": "(..., L, E)", "k": "(..., S, E)", "v": "(..., S, Ev)"}[nome]
            raise ValueError(
                f"{nome} deve ter pelo menos 2 dimensões, {eixos}; recebido formato {arr.shape}"
            )
        arrays.append(arr)
        dtypes.append(dtype)
    Q, K, V = arrays
    if not dtypes[0] == dtypes[1] == dtypes[2]:
        raise TypeError(
            "q, k e v devem ter o mesmo dtype (como no torch); recebidos "
            f"{dtypes[0]}, {dtypes[1]} e {dtypes[2]}"
        )
    if K.shape[-1] != Q.shape[-1]:
        raise ValueError(
            "k deve ter a última dimensão (E, o tamanho de cada consulta e chave) igual à de q; "
            f"recebidos q de formato {Q.shape} e k de formato {K.shape}"
        )
    if K.shape[-2] != V.shape[-2]:
        raise ValueError(
            "k e v devem ter o mesmo número de chaves S (a penúltima dimensão); recebidos k de "
            f"formato {K.shape} e v de formato {V.shape}"
        )
    try:
        lote = np.broadcast_shapes(Q.shape[:-2], K.shape[:-2], V.shape[:-2])
    except ValueError as erro:
        raise ValueError(
            "as dimensões de lote (batch) e de cabeças de q, k e v devem se combinar por "
            f"broadcast; recebidos formatos {Q.shape}, {K.shape} e {V.shape}"
        ) from erro
    calculo = Q.dtype  # float32 (também para float16) ou float64
    return (
        Q.astype(calculo, copy=False),
        K.astype(calculo, copy=False),
        V.astype(calculo, copy=False),
        dtypes[0],
        lote,
    )


def _opcoes(attn_mask: object, is_causal: object, scale: object, E: int) -> float:
    """Confere ``is_causal`` e ``scale``; devolve a escala (1/√E por padrão)."""
    if not isinstance(is_causal, (bool, np.bool_)):
        raise TypeError(f"is_causal deve ser True ou False; recebido {descrever(is_causal)}")
    if is_causal and attn_mask is not None:
        raise ValueError(
            "attn_mask e is_causal=True não podem ser usados juntos (como no torch): passe só "
            "is_causal=True, ou combine a máscara causal com a sua numa só attn_mask"
        )
    if scale is None:
        # E = 0: os escores são somas vazias (0), e a escala não importa
        return 1.0 / np.sqrt(E) if E > 0 else 1.0
    return real_positivo_finito(scale, "scale")


def _mascara(attn_mask: object, formato: tuple[int, ...], dtype: np.dtype):
    """A máscara como ``(booleana, array)``, conferida contra o formato dos escores
    ``(..., L, S)``; ``None`` sem máscara."""
    if attn_mask is None:
        return None
    bruta = converter_array(attn_mask, "attn_mask")
    if bruta.dtype == np.bool_:
        M, booleana = bruta, True
    else:
        if bruta.dtype.kind in "iu":
            raise TypeError(
                "attn_mask deve ser booleana (True = a consulta pode atender à chave) ou de ponto "
                "flutuante (somada aos escores; -inf bloqueia); recebido "
                f"{descrever(bruta)}: uma máscara de inteiros é ambígua — use mascara.astype(bool) "
                "ou np.where(mascara, 0.0, -np.inf)"
            )
        M, _ = como_array_real(bruta, "attn_mask")
        M, booleana = M.astype(dtype, copy=False), False
    try:
        combinado = np.broadcast_shapes(M.shape, formato)
    except ValueError:
        combinado = None
    if combinado != formato:
        raise ValueError(
            "attn_mask deve ter um formato que se estende por broadcast ao dos escores, "
            f"(..., L, S) = {formato}, sem aumentá-lo; recebido formato {M.shape}"
        )
    return booleana, M


def _causal(L: int, S: int, inicio: int = 0, fim: int | None = None) -> np.ndarray:
    """A máscara causal alinhada no canto superior esquerdo (a do torch): a consulta i pode
    atender às chaves j <= i. Só as colunas ``inicio:fim``."""
    fim = S if fim is None else fim
    # (L, fim - inicio): True onde j <= i
    return np.arange(inicio, fim)[None, :] <= np.arange(L)[:, None]


def _aplicar_mascara(S: np.ndarray, mascara, causal: np.ndarray | None) -> np.ndarray:
    """Escores mascarados: -inf onde a máscara booleana é False (ou acima da diagonal, com a
    causal), mais a máscara aditiva."""
    if causal is not None:
        S = np.where(causal, S, -np.inf)
    if mascara is not None:
        booleana, M = mascara
        S = np.where(M, S, -np.inf) if booleana else S + M
    return S


# ---------------------------------------------------------------------------------------------
# A atenção


def scaled_dot_product_attention(
    q: ArrayLike,
    k: ArrayLike,
    v: ArrayLike,
    attn_mask: ArrayLike | None = None,
    is_causal: bool = False,
    scale: float | None = None,
) -> np.ndarray:
    r"""Atenção por produto escalar com escala:
    :math:`\operatorname{softmax}(QK^\top \cdot \text{scale} + M)\,V`, como
    ``torch.nn.functional.scaled_dot_product_attention``.

    Parameters
    ----------
    q : array_like
        Consultas, formato ``(..., L, E)``.
    k : array_like
        Chaves, formato ``(..., S, E)``.
    v : array_like
        Valores, formato ``(..., S, Ev)``. As dimensões de lote (``...``: lote, cabeças) de
        ``q``, ``k`` e ``v`` se combinam por broadcast.
    attn_mask : array_like, opcional
        Booleana (``True`` = a consulta pode atender à chave; ``False`` vira escore
        :math:`-\infty`) ou de ponto flutuante (somada aos escores: 0 deixa passar,
        :math:`-\infty` bloqueia, valores finitos dão um viés). O formato se estende por
        broadcast a ``(..., L, S)``. Inteiros são recusados (ambíguos).
    is_causal : bool, opcional
        Máscara causal alinhada no canto superior esquerdo: a consulta :math:`i` atende às
        chaves :math:`j \le i` (também com ``L != S``, como no torch). Não combina com
        ``attn_mask``.
    scale : float, opcional
        O fator dos escores, finito e positivo. Padrão: :math:`1/\sqrt{E}`.

    Returns
    -------
    numpy.ndarray
        Formato ``(..., L, Ev)``, no dtype de ``q`` (``float16`` calculado em ``float32``;
        inteiros viram ``float64``). Uma linha cujas chaves estão todas mascaradas (ou sem
        nenhuma chave, ``S = 0``) dá **zeros**, como no torch 2.13; uma linha com ``nan`` ou
        ``+inf`` nos escores dá ``nan``.

    Raises
    ------
    TypeError
        Se ``q``, ``k``, ``v`` ou ``attn_mask`` não são numéricos, ``q``, ``k`` e ``v`` têm
        dtypes diferentes, ``attn_mask`` é de inteiros, ``is_causal`` não é booleano ou
        ``scale`` não é um número.
    ValueError
        Se os formatos não combinam, ``attn_mask`` não se estende a ``(..., L, S)``,
        ``attn_mask`` vem junto com ``is_causal=True``, ou ``scale`` não é finito e positivo
        (o torch aceita escalas negativas ou nulas; elas não têm uso na atenção).

    Notes
    -----
    .. math::

        A = \operatorname{softmax}_{\text{linhas}}\bigl(\text{scale}\cdot QK^\top + M\bigr),
        \qquad O = A V ,

    com a softmax estável (o máximo de cada linha subtraído). Onde a linha inteira de escores é
    :math:`-\infty`, a softmax seria :math:`0/0` = ``nan``; o torch 2.13 (a ``_safe_softmax``)
    devolve 0 nessas linhas, e a saída da linha é o vetor nulo.

    Examples
    --------
    >>> q = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> k = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> v = np.array([[1.0], [2.0], [3.0]])
    >>> print(scaled_dot_product_attention(q, k, v, is_causal=True).round(4))
    [[1.    ]
     [1.6698]]
    >>> mascara = np.array([[False, False, False], [True, True, True]])
    >>> print(scaled_dot_product_attention(q, k, v, attn_mask=mascara).round(4))
    [[0.    ]
     [2.2033]]
    """
    Q, K, V, dtype_saida, lote = _qkv(q, k, v)
    L, S, E = Q.shape[-2], K.shape[-2], Q.shape[-1]
    escala = _opcoes(attn_mask, is_causal, scale, E)
    formato_escores = np.broadcast_shapes(Q.shape[:-2], K.shape[:-2]) + (L, S)
    mascara = _mascara(attn_mask, formato_escores, Q.dtype)
    with np.errstate(all="ignore"):  # inf e nan se propagam como no torch, sem avisos
        # S = scale · Q Kᵀ: (..., L, S)
        escores = (Q @ np.swapaxes(K, -1, -2)) * Q.dtype.type(escala)
        escores = _aplicar_mascara(escores, mascara, _causal(L, S) if is_causal else None)
        pesos = _softmax_segura(escores)
        saida = pesos @ V  # (..., L, Ev)
    return _saida(np.broadcast_to(saida, lote + (L, V.shape[-1])), dtype_saida, copiar=True)


def _softmax_segura(escores: np.ndarray) -> np.ndarray:
    """Softmax ao longo do último eixo, com 0 (e não ``nan``) nas linhas só de ``-inf``."""
    # m = max de cada linha; initial=-inf vale para S = 0
    m = np.max(escores, axis=-1, keepdims=True, initial=-np.inf)
    vazia = np.isneginf(m)  # linhas inteiramente mascaradas
    m_seguro = np.where(np.isfinite(m), m, 0.0)  # +inf e nan seguem até a divisão (nan)
    e = np.exp(escores - m_seguro)
    pesos = e / e.sum(axis=-1, keepdims=True)
    return np.where(vazia, 0.0, pesos).astype(escores.dtype, copy=False)


def _tamanho_do_bloco(block_size: object) -> int:
    if isinstance(block_size, (bool, np.bool_)) or not isinstance(block_size, numbers.Integral):
        raise TypeError(
            f"block_size deve ser um inteiro positivo; recebido {descrever(block_size)}"
        )
    if block_size < 1:
        raise ValueError(f"block_size deve ser um inteiro positivo; recebido {block_size!r}")
    return int(block_size)


def blockwise_attention(
    q: ArrayLike,
    k: ArrayLike,
    v: ArrayLike,
    block_size: int,
    attn_mask: ArrayLike | None = None,
    is_causal: bool = False,
    scale: float | None = None,
) -> np.ndarray:
    r"""A mesma atenção de :func:`scaled_dot_product_attention`, calculada por blocos de
    ``block_size`` chaves, sem montar a matriz de escores inteira (a regra do FlashAttention),
    com as mesmas máscaras.

    Parameters
    ----------
    q, k, v, attn_mask, is_causal, scale
        Como em :func:`scaled_dot_product_attention`.
    block_size : int
        Quantas chaves por bloco (um inteiro positivo).

    Returns
    -------
    numpy.ndarray
        O mesmo que :func:`scaled_dot_product_attention` (até o arredondamento).

    Raises
    ------
    TypeError, ValueError
        Como em :func:`scaled_dot_product_attention`, e se ``block_size`` não é um inteiro
        positivo.

    Notes
    -----
    Para cada bloco :math:`j` de chaves, com os escores já mascarados :math:`S_j`:

    .. math::

        m' = \max(m, \operatorname{rowmax} S_j), \quad
        \ell' = \ell\, e^{m - m'} + \operatorname{rowsum} e^{S_j - m'}, \quad
        O' = O\, e^{m - m'} + e^{S_j - m'} V_j ,

    e no fim :math:`O / \ell`. Um bloco inteiramente mascarado não muda :math:`(m, \ell, O)`
    (os seus termos são :math:`e^{-\infty} = 0`) e é pulado sem ler :math:`K_j, V_j`; com
    ``is_causal``, todos os blocos à direita da última consulta são pulados. Uma linha que não
    viu nenhuma chave livre termina com :math:`m = -\infty` e :math:`\ell = 0`: a saída é 0,
    como no torch.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> q, k, v = rng.normal(size=(4, 8)), rng.normal(size=(6, 8)), rng.normal(size=(6, 3))
    >>> direta = scaled_dot_product_attention(q, k, v, is_causal=True)
    >>> bool(np.allclose(blockwise_attention(q, k, v, 2, is_causal=True), direta))
    True
    """
    Q, K, V, dtype_saida, lote = _qkv(q, k, v)
    L, S, E = Q.shape[-2], K.shape[-2], Q.shape[-1]
    escala = _opcoes(attn_mask, is_causal, scale, E)
    B = _tamanho_do_bloco(block_size)
    formato_escores = np.broadcast_shapes(Q.shape[:-2], K.shape[:-2]) + (L, S)
    mascara = _mascara(attn_mask, formato_escores, Q.dtype)
    lote_escores = formato_escores[:-2]
    m = np.full(lote_escores + (L, 1), -np.inf, Q.dtype)  # o máximo de cada linha até aqui
    ell = np.zeros(lote_escores + (L, 1), Q.dtype)  # a soma de e^{S - m}
    O_til = np.zeros(np.broadcast_shapes(lote_escores, V.shape[:-2]) + (L, V.shape[-1]), Q.dtype)
    with np.errstate(all="ignore"):
        for inicio in range(0, S, B):
            fim = min(inicio + B, S)
            if is_causal and inicio > L - 1:
                break  # toda chave daqui em diante está à direita de toda consulta
            mascara_j = None
            if mascara is not None:
                booleana, M = mascara
                # a máscara pode ter S = 1 (broadcast sobre as chaves)
                M_j = M[..., inicio:fim] if M.shape[-1] == S else M
                if booleana and not M_j.any():
                    continue  # bloco inteiramente mascarado: não muda (m, ℓ, O)
                mascara_j = (booleana, M_j)
            causal_j = _causal(L, S, inicio, fim) if is_causal else None
            # S_j = scale · Q K_jᵀ, mascarado: (..., L, B)
            S_j = (Q @ np.swapaxes(K[..., inicio:fim, :], -1, -2)) * Q.dtype.type(escala)
            S_j = _aplicar_mascara(S_j, mascara_j, causal_j)
            m_novo = np.maximum(m, S_j.max(axis=-1, keepdims=True))
            # enquanto a linha só viu -inf, desloca por 0: e^{-inf - 0} = 0, sem -inf - (-inf)
            m_seguro = np.where(np.isneginf(m_novo), 0.0, m_novo)
            reescala = np.exp(m - m_seguro)  # e^{m - m'}: corrige o que foi somado com m
            P = np.exp(S_j - m_seguro)  # (..., L, B)
            ell = ell * reescala + P.sum(axis=-1, keepdims=True)
            O_til = O_til * reescala + P @ V[..., inicio:fim, :]
            m = m_novo
        saida = np.where(np.isneginf(m), 0.0, O_til / ell)
    return _saida(np.broadcast_to(saida, lote + (L, V.shape[-1])), dtype_saida, copiar=True)


# ---------------------------------------------------------------------------------------------
# Os truques dos modelos grandes


def softcap(x: ArrayLike, cap: float) -> np.ndarray:
    r"""O teto suave dos logits (*logit soft-capping*, Gemma 2):
    :math:`\text{cap} \cdot \tanh(x / \text{cap})`.

    Perto de zero é quase a identidade; os valores grandes ficam presos em
    :math:`(-\text{cap}, \text{cap})`, de modo que nenhum logit domina a softmax além de
    :math:`e^{2\,\text{cap}}` vezes outro.

    Parameters
    ----------
    x : array_like
        Logits ou escores (as regras de dtype de :func:`companion.softmax`).
    cap : float
        O teto, finito e positivo (o Gemma 2 usa 50 nos escores da atenção e 30 nos logits
        finais).

    Returns
    -------
    numpy.ndarray
        O formato e o dtype de ``x``; :math:`\pm\infty` vira :math:`\pm\text{cap}`.

    Raises
    ------
    TypeError
        Se ``x`` não é numérico ou ``cap`` não é um número real.
    ValueError
        Se ``cap`` não é finito e positivo.

    Examples
    --------
    >>> print(softcap([0.5, 10.0, 1000.0, -np.inf], cap=30.0).round(4))
    [  0.5      9.6454  30.     -30.    ]
    """
    X, dtype_saida = como_array_real(x)
    c = real_positivo_finito(cap, "cap")
    # cap · tanh(x / cap)
    return _saida(X.dtype.type(c) * np.tanh(X / X.dtype.type(c)), dtype_saida)


def softcap_backward(x: ArrayLike, grad_y: ArrayLike, cap: float) -> np.ndarray:
    r"""Gradiente de :func:`softcap` em relação a ``x``:
    :math:`g \cdot \bigl(1 - \tanh^2(x / \text{cap})\bigr)`.

    Parameters
    ----------
    x : array_like
        A entrada de :func:`softcap`.
    grad_y : array_like
        O gradiente que chega à saída, com o formato de ``x``.
    cap : float
        O teto, finito e positivo.

    Returns
    -------
    numpy.ndarray
        :math:`\partial L / \partial x`, com o formato e o dtype de ``x``. Perto do teto o
        gradiente some: um logit preso no teto quase não aprende.

    Raises
    ------
    TypeError
        Se ``x`` ou ``grad_y`` não são numéricos, ou ``cap`` não é um número real.
    ValueError
        Se ``grad_y`` não tem o formato de ``x`` ou ``cap`` não é finito e positivo.

    Examples
    --------
    >>> print(softcap_backward([0.0, 30.0], [1.0, 1.0], cap=30.0).round(4))
    [1.   0.42]
    """
    X, dtype_saida = como_array_real(x)
    g, _ = como_array_real(grad_y, "grad_y")
    if g.shape != X.shape:
        raise ValueError(f"grad_y deve ter o formato de x, {X.shape}; recebido formato {g.shape}")
    c = real_positivo_finito(cap, "cap")
    with np.errstate(over="ignore"):  # cosh estoura para |x/cap| > 710: sech² = 1/inf² = 0
        # d/dx cap·tanh(x/cap) = 1 - tanh²(x/cap) = sech²(x/cap); 1/cosh² não perde os dígitos
        # relativos perto do teto, onde 1 - tanh² é a diferença de dois números quase iguais
        sech = 1 / np.cosh(X / X.dtype.type(c))
    return _saida(g.astype(X.dtype, copy=False) * (sech * sech), dtype_saida)


def _logits_com_classes(logits: ArrayLike) -> tuple[np.ndarray, np.dtype]:
    X, dtype_saida = como_array_real(logits, "logits")
    if X.ndim == 0 or X.shape[-1] == 0:
        raise ValueError(
            "logits deve ter pelo menos uma classe no último eixo, formato (..., C) com C >= 1; "
            f"recebido formato {X.shape}"
        )
    return X, dtype_saida


def _reducao(reduction: object) -> str:
    if not isinstance(reduction, str) or reduction not in _REDUCOES:
        raise ValueError(f"reduction deve ser 'mean', 'sum' ou 'none'; recebido {reduction!r}")
    return reduction


def z_loss(logits: ArrayLike, coef: float = 1e-4, reduction: str = "mean") -> np.ndarray:
    r"""A perda z (*z-loss*) do PaLM: :math:`\text{coef} \cdot (\log Z)^2` por linha, com
    :math:`\log Z = \operatorname{logsumexp}` dos logits no último eixo.

    Somada à entropia cruzada, empurra :math:`\log Z` para perto de 0: a entropia cruzada não
    segura o nível dos logits (a softmax ignora uma constante somada a eles), e sem a perda z
    os logits podem derivar para valores enormes, onde o arredondamento em ``bfloat16`` come
    os dígitos.

    Parameters
    ----------
    logits : array_like
        Formato ``(..., C)``, com :math:`C \ge 1`.
    coef : float, opcional
        O peso da perda, finito e positivo. Padrão: :math:`10^{-4}` (o do PaLM).
    reduction : {"mean", "sum", "none"}, opcional
        Média ou soma sobre as linhas, ou uma perda por linha (formato ``logits.shape[:-1]``).

    Returns
    -------
    numpy.ndarray
        A perda, no dtype de ``logits`` (um escalar com ``"mean"``/``"sum"``; a média de zero
        linhas é ``nan``, como no torch).

    Raises
    ------
    TypeError
        Se ``logits`` não é numérico ou ``coef`` não é um número real.
    ValueError
        Se ``logits`` não tem classes, ``coef`` não é finito e positivo ou ``reduction`` é
        desconhecida.

    Examples
    --------
    >>> print(z_loss([[0.0, 0.0], [10.0, 10.0]], coef=1.0, reduction="none").round(4))
    [  0.4805 114.3434]
    """
    X, dtype_saida = _logits_com_classes(logits)
    c = real_positivo_finito(coef, "coef")
    reducao = _reducao(reduction)
    lse = logsumexp(X, axis=-1).astype(X.dtype, copy=False)
    # coef · (log Z)²
    perdas = X.dtype.type(c) * lse * lse
    if reducao == "none":
        return _saida(perdas, dtype_saida)
    if reducao == "sum":
        return _saida(np.asarray(perdas.sum()), dtype_saida)
    media = perdas.mean() if perdas.size else X.dtype.type(np.nan)
    return _saida(np.asarray(media), dtype_saida)


def z_loss_backward(
    logits: ArrayLike, coef: float = 1e-4, reduction: str = "mean", grad_output: ArrayLike = 1.0
) -> np.ndarray:
    r"""Gradiente de :func:`z_loss` em relação aos logits:
    :math:`2\,\text{coef}\cdot\log Z\cdot\operatorname{softmax}(x)`, vezes ``grad_output``
    (dividido pelo número de linhas com ``"mean"``).

    Parameters
    ----------
    logits, coef, reduction
        Como em :func:`z_loss`.
    grad_output : array_like, opcional
        O gradiente que chega à perda: um escalar com ``"mean"``/``"sum"``; com ``"none"``, um
        escalar ou um array com o formato da perda (``logits.shape[:-1]``). Padrão: 1.

    Returns
    -------
    numpy.ndarray
        :math:`\partial L / \partial x`, com o formato e o dtype de ``logits``.

    Raises
    ------
    TypeError
        Como em :func:`z_loss`, e se ``grad_output`` não é numérico.
    ValueError
        Como em :func:`z_loss`, e se ``grad_output`` não tem o formato da perda.

    Notes
    -----
    :math:`\partial \log Z / \partial x_j = \operatorname{softmax}(x)_j`, logo
    :math:`\partial\, (\log Z)^2 / \partial x_j = 2 \log Z \cdot \operatorname{softmax}(x)_j`:
    o gradiente puxa cada logit na proporção da sua probabilidade (para baixo quando
    :math:`\log Z > 0`), o que leva o nível :math:`\log Z` para perto de 0.

    Examples
    --------
    >>> print(z_loss_backward([[0.0, 0.0]], coef=1.0).round(4))
    [[0.6931 0.6931]]
    """
    X, dtype_saida = _logits_com_classes(logits)
    c = real_positivo_finito(coef, "coef")
    reducao = _reducao(reduction)
    g, _ = como_array_real(grad_output, "grad_output")
    formato_perda = X.shape[:-1]
    if reducao == "none":
        if g.shape not in ((), formato_perda):
            raise ValueError(
                f"grad_output deve ter o formato da perda, {formato_perda}, com "
                f"reduction='none'; recebido formato {g.shape}"
            )
    elif g.shape != ():
        raise ValueError(
            f"grad_output deve ser um escalar com reduction={reducao!r}; recebido formato {g.shape}"
        )
    g = g.astype(X.dtype, copy=False)
    if reducao == "mean":
        linhas = int(np.prod(formato_perda))
        g = g / X.dtype.type(max(linhas, 1))
    lse = logsumexp(X, axis=-1).astype(X.dtype, copy=False)
    p = softmax(X, axis=-1).astype(X.dtype, copy=False)
    # ∂/∂x_j coef·(log Z)² = 2·coef·log Z·softmax(x)_j
    fator = X.dtype.type(2 * c) * lse * g
    return _saida(fator[..., None] * p, dtype_saida)


def softmax_one(x: ArrayLike, axis: int = -1) -> np.ndarray:
    r"""A softmax com um logit zero a mais (“off by one”, a :math:`\operatorname{softmax}_1` de
    Evan Miller): :math:`e^{x_i} / (1 + \sum_j e^{x_j})`.

    É a softmax comum de :math:`[x, 0]` sem a última saída: a linha pode somar menos que 1 —
    quando todos os logits são muito negativos, a atenção pode “não olhar para nada”.

    Parameters
    ----------
    x : array_like
        Logits (as regras de dtype de :func:`companion.softmax`).
    axis : int, opcional
        O eixo normalizado. Padrão: o último.

    Returns
    -------
    numpy.ndarray
        O formato e o dtype de ``x``; cada linha soma :math:`1 - 1/(1 + \sum_j e^{x_j}) < 1`.

    Raises
    ------
    TypeError
        Se ``x`` não é numérico ou ``axis`` não é inteiro.
    ValueError
        Se ``axis`` está fora do intervalo.

    Notes
    -----
    Estável como a softmax: com :math:`m = \max(0, \max_j x_j)`,

    .. math::

        \operatorname{softmax}_1(x)_i = \frac{e^{x_i - m}}{e^{-m} + \sum_j e^{x_j - m}} .

    Examples
    --------
    >>> print(softmax_one([0.0, 0.0]).round(4), softmax_one([-20.0, -20.0]).round(10))
    [0.3333 0.3333] [2.1e-09 2.1e-09]
    """
    X, dtype_saida = como_array_real(x)
    eixo = normalizar_eixo(axis, X.ndim)
    formato = X.shape
    if X.ndim == 0:
        X = X.reshape(1)
    with np.errstate(all="ignore"):  # +inf e nan dão nan, como na softmax de [x, 0]
        # m = max(0, max x): o logit zero extra entra no máximo
        m = np.maximum(np.max(X, axis=eixo, keepdims=True, initial=-np.inf), 0)
        m_seguro = np.where(np.isfinite(m), m, 0)
        e = np.exp(X - m_seguro)
        y = e / (np.exp(-m_seguro) + e.sum(axis=eixo, keepdims=True))
        y = np.where(np.isposinf(m), np.nan, y)
    return _saida(y.reshape(formato), dtype_saida)
