"""A família softmax: ``softmax``, ``log_softmax``, ``logsumexp`` e ``softmax2d``.

Todas as funções recebem arrays numpy (ou listas) e devolvem arrays numpy, com a semântica do
PyTorch: mesmos valores, formatos, dtypes e casos de borda. Todas são estáveis por construção:
subtraem o máximo de cada linha antes da exponencial, de modo que nenhuma entrada finita
produz estouro (overflow) nem ``nan``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from companion._validacao import (
    como_array_real,
    normalizar_eixo,
    normalizar_eixos,
    real_positivo_finito,
)

__all__ = ["softmax", "log_softmax", "logsumexp", "softmax2d", "spatial_softmax"]


def softmax(x: ArrayLike, axis: int = -1, temperature: float = 1.0) -> np.ndarray:
    r"""Softmax de ``x`` ao longo de ``axis``, com temperatura opcional.

    Parameters
    ----------
    x : array_like
        Logits. ``float32``/``float64`` mantêm o dtype; ``float16`` é calculado em ``float32`` e
        devolvido em ``float16``; inteiros, booleanos e listas viram ``float64``.
    axis : int, opcional
        Eixo normalizado (cada fatia ao longo dele soma 1). Padrão: o último.
    temperature : float, opcional
        Temperatura :math:`\tau > 0`, finita. Padrão: 1.

    Returns
    -------
    numpy.ndarray
        Probabilidades, com o formato de ``x``.

    Raises
    ------
    TypeError
        Se ``x`` não contém números reais, se ``axis`` não é inteiro ou se ``temperature`` não é
        um número real.
    ValueError
        Se ``axis`` está fora do intervalo ou se ``temperature`` não é finita e positiva.

    Notes
    -----
    .. math::

        \operatorname{softmax}(x)_i = \frac{e^{(x_i - m)/\tau}}{\sum_j e^{(x_j - m)/\tau}},
        \qquad m = \max_j x_j .

    Subtrair :math:`m` não muda o resultado (invariância por translação) e garante que todo
    expoente é :math:`\le 0`: a exponencial nunca estoura e o denominador é pelo menos 1.
    Uma linha que contém ``+inf``, ou só ``-inf``, ou algum ``nan``, dá ``nan`` na linha toda,
    como no PyTorch.

    Examples
    --------
    >>> print(softmax([1.0, 2.0, 3.0, 4.0]))
    [0.0320586  0.08714432 0.23688282 0.64391426]

    A fórmula ingênua ``exp(x) / exp(x).sum()`` estoura com logits grandes; esta não:

    >>> print(softmax([1000.0, 999.0]))
    [0.73105858 0.26894142]
    >>> print(softmax([2.0, 1.0], temperature=0.5))
    [0.88079708 0.11920292]
    """
    arr, dtype_saida = como_array_real(x)
    tau = real_positivo_finito(temperature, "temperature")
    eixo = normalizar_eixo(axis, arr.ndim)
    return _softmax(arr, eixo, tau).astype(dtype_saida, copy=False)


def _softmax(arr: np.ndarray, eixo: int, tau: float) -> np.ndarray:
    """Núcleo da softmax, com a entrada já validada."""
    trabalho = arr.reshape(1) if arr.ndim == 0 else arr
    with np.errstate(over="ignore", invalid="ignore"):
        # m = max_j x_j, um por fatia: (..., 1, ...)
        x_max = np.max(trabalho, axis=eixo, keepdims=True, initial=-np.inf)
        # (x - m) / τ <= 0; se estourar, vai a -inf, e e^{-inf} = 0
        probs = np.subtract(trabalho, x_max)
        if tau != 1.0:
            probs /= tau
        # exp, soma e divisão no mesmo buffer, sem arrays intermediários
        np.exp(probs, out=probs)
        probs /= np.sum(probs, axis=eixo, keepdims=True)
    return probs.reshape(arr.shape)


def log_softmax(x: ArrayLike, axis: int = -1) -> np.ndarray:
    r"""Logaritmo da softmax de ``x`` ao longo de ``axis``, calculado sem passar pela softmax.

    Parameters
    ----------
    x : array_like
        Logits (mesmas regras de dtype de :func:`softmax`).
    axis : int, opcional
        Eixo normalizado. Padrão: o último.

    Returns
    -------
    numpy.ndarray
        Log-probabilidades (todas :math:`\le 0`), com o formato de ``x``.

    Raises
    ------
    TypeError
        Se ``x`` não contém números reais ou se ``axis`` não é inteiro.
    ValueError
        Se ``axis`` está fora do intervalo.

    Notes
    -----
    .. math::

        \log \operatorname{softmax}(x)_i = (x_i - m) - \log \sum_j e^{x_j - m},
        \qquad m = \max_j x_j .

    Calcular ``log(softmax(x))`` perde tudo quando uma probabilidade cai abaixo do menor
    número representável: a softmax dá 0 e o log dá ``-inf``. Aqui o resultado continua finito.

    Examples
    --------
    >>> print(log_softmax([1000.0, 0.0]))
    [    0. -1000.]

    Já ``np.log(softmax([1000.0, 0.0]))`` daria ``[0, -inf]``: :math:`e^{-1000}` não cabe num
    ``float64``.
    """
    arr, dtype_saida = como_array_real(x)
    eixo = normalizar_eixo(axis, arr.ndim)
    trabalho = arr.reshape(1) if arr.ndim == 0 else arr
    # divide: um eixo vazio soma 0, e log(0) = -inf, sem aviso (como no torch)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        x_max = np.max(trabalho, axis=eixo, keepdims=True, initial=-np.inf)
        shifted = np.subtract(trabalho, x_max)
        # log Σ_j e^{x_j - m}: o termo do máximo vale 1, então o log é >= 0 e finito
        if eixo == trabalho.ndim - 1 and shifted.size:
            lse = _log_soma_exp_por_linhas(shifted)
        else:
            lse = np.log(np.sum(np.exp(shifted), axis=eixo, keepdims=True))
        shifted -= lse
        # em float16, um valor abaixo de -65504 vira -inf na conversão, como no torch
        return shifted.reshape(arr.shape).astype(dtype_saida, copy=False)


def _log_soma_exp_por_linhas(shifted: np.ndarray, linhas: int = 8) -> np.ndarray:
    """``log Σ e^{shifted}`` ao longo do último eixo, de ``linhas`` em ``linhas`` linhas.

    A exponencial de cada bloco de linhas vai para um buffer pequeno e reutilizado, em vez de
    um array temporário do tamanho da entrada: mesmas contas, menos memória e menos tempo.
    """
    planas = shifted.reshape(-1, shifted.shape[-1])  # (linhas, K), uma vista
    somas = np.empty((planas.shape[0], 1), dtype=planas.dtype)
    buffer = np.empty((min(linhas, planas.shape[0]), planas.shape[1]), dtype=planas.dtype)
    for i in range(0, planas.shape[0], linhas):
        bloco = buffer[: min(linhas, planas.shape[0] - i)]
        np.exp(planas[i : i + linhas], out=bloco)
        np.sum(bloco, axis=-1, keepdims=True, out=somas[i : i + linhas])
    return np.log(somas).reshape(*shifted.shape[:-1], 1)


def logsumexp(
    x: ArrayLike, axis: int | tuple[int, ...] | None = -1, keepdims: bool = False
) -> np.ndarray:
    r"""Logaritmo da soma das exponenciais, :math:`\log \sum_i e^{x_i}`, sem estouro.

    Parameters
    ----------
    x : array_like
        Valores (mesmas regras de dtype de :func:`softmax`).
    axis : int, tupla de int ou None, opcional
        Eixo(s) reduzido(s); ``None`` reduz todos. Padrão: o último.
    keepdims : bool, opcional
        Se verdadeiro, os eixos reduzidos ficam com tamanho 1. Padrão: falso.

    Returns
    -------
    numpy.ndarray
        O resultado da redução (um escalar numpy quando todos os eixos são reduzidos).

    Raises
    ------
    TypeError
        Se ``x`` não contém números reais ou se ``axis`` não é inteiro, tupla ou ``None``.
    ValueError
        Se algum eixo está fora do intervalo ou repetido.

    Notes
    -----
    .. math::

        \operatorname{logsumexp}(x) = m + \log \sum_i e^{x_i - m}, \qquad m = \max_i x_i .

    Como no PyTorch, um máximo infinito é trocado por 0 antes do deslocamento: assim
    ``logsumexp([inf, 1]) = inf`` e ``logsumexp([-inf, -inf]) = -inf``, sem ``nan``.
    A soma de nada é 0, então um eixo vazio dá ``-inf``.

    Examples
    --------
    >>> print(logsumexp([1000.0, 1000.0]))
    1000.6931471805599
    >>> print(logsumexp([[0.0, 0.0], [1.0, 1.0]], axis=None))
    2.006408868078168
    """
    arr, dtype_saida = como_array_real(x)
    if not isinstance(keepdims, (bool, np.bool_)):
        raise TypeError(f"keepdims deve ser True ou False; recebido {keepdims!r}")
    eixos = normalizar_eixos(axis, arr.ndim)
    if arr.ndim == 0:
        # como no torch, um escalar reduzido é ele mesmo (no formato de 0 dimensões)
        lse = _logsumexp(arr.reshape(1), (0,) if eixos else ()).reshape(())
    else:
        lse = _logsumexp(arr, eixos)
        if not keepdims:
            lse = np.squeeze(lse, axis=eixos)
    # em float16, um resultado acima de 65504 vira inf na conversão, como no torch
    with np.errstate(over="ignore"):
        resultado = lse.astype(dtype_saida, copy=False)
    return resultado[()] if resultado.ndim == 0 else resultado


def _logsumexp(x: np.ndarray, eixos: tuple[int, ...]) -> np.ndarray:
    """Núcleo da logsumexp (com keepdims), com a entrada já validada."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        # m = max x; um eixo vazio tem máximo -inf
        x_max = np.max(x, axis=eixos, keepdims=True, initial=-np.inf)
        # m infinito (+inf, ou uma fatia só de -inf) vira 0: evita inf - inf = nan
        x_max[np.isinf(x_max)] = 0.0
        # LSE(x) = m + log Σ e^{x - m}, com todo expoente <= 0
        soma = np.sum(np.exp(x - x_max), axis=eixos, keepdims=True)
        return np.log(soma) + x_max


def softmax2d(x: ArrayLike) -> np.ndarray:
    r"""Softmax sobre os canais em cada pixel, como ``torch.nn.Softmax2d``.

    Parameters
    ----------
    x : array_like
        Mapa de logits de formato ``(C, H, W)`` ou ``(N, C, H, W)``.

    Returns
    -------
    numpy.ndarray
        Probabilidades com o formato de ``x``: em cada pixel ``(h, w)`` os ``C`` valores somam 1.

    Raises
    ------
    TypeError
        Se ``x`` não contém números reais.
    ValueError
        Se ``x`` não tem 3 nem 4 dimensões.

    Notes
    -----
    Apesar do nome, **não** normaliza sobre a grade espacial :math:`H \times W`: é a softmax
    ao longo do eixo dos canais (``axis=-3``), pixel a pixel,

    .. math::

        y_{c,h,w} = \frac{e^{x_{c,h,w}}}{\sum_{c'} e^{x_{c',h,w}}} .

    Examples
    --------
    >>> mapa = np.zeros((3, 2, 2))  # 3 canais, imagem 2×2
    >>> mapa[1] = np.log(2.0)       # o canal 1 tem o dobro do peso em todo pixel
    >>> print(softmax2d(mapa)[:, 0, 0])
    [0.25 0.5  0.25]
    """
    arr, dtype_saida = como_array_real(x)
    if arr.ndim not in (3, 4):
        raise ValueError(
            "x deve ter 3 dimensões (C, H, W) ou 4 (N, C, H, W); "
            f"recebido um array de {arr.ndim} dimensões, de formato {arr.shape}"
        )
    return _softmax(arr, arr.ndim - 3, 1.0).astype(dtype_saida, copy=False)


def spatial_softmax(x: ArrayLike, temperature: float = 1.0) -> np.ndarray:
    r"""Softmax espacial: cada mapa ``H × W`` normalizado sobre a grade, canal a canal.

    **Não** é a :func:`softmax2d`: esta normaliza sobre os canais em cada pixel; a espacial
    normaliza sobre os pixels em cada canal. É a operação usada para localizar pontos-chave
    (o *spatial soft-argmax*): cada canal vira uma distribuição sobre as posições da imagem.

    Parameters
    ----------
    x : array_like
        Mapas de formato ``(..., H, W)`` (ao menos 2 dimensões).
    temperature : float, opcional
        Temperatura :math:`\tau > 0`, finita. Padrão: 1.

    Returns
    -------
    numpy.ndarray
        Probabilidades com o formato de ``x``: cada mapa ``(H, W)`` soma 1.

    Raises
    ------
    TypeError
        Se ``x`` não contém números reais.
    ValueError
        Se ``x`` tem menos de 2 dimensões, ou se ``temperature`` não é finita e positiva.

    Notes
    -----
    .. math::

        y_{c,h,w} = \frac{e^{x_{c,h,w}/\tau}}{\sum_{h',w'} e^{x_{c,h',w'}/\tau}} .

    Examples
    --------
    >>> mapa = np.zeros((1, 2, 2))
    >>> print(spatial_softmax(mapa)[0])
    [[0.25 0.25]
     [0.25 0.25]]
    """
    arr, dtype_saida = como_array_real(x)
    tau = real_positivo_finito(temperature, "temperature")
    if arr.ndim < 2:
        raise ValueError(
            "x deve ter ao menos 2 dimensões (..., H, W); "
            f"recebido um array de {arr.ndim} dimensões, de formato {arr.shape}"
        )
    # (..., H, W) -> (..., H·W): a grade vira um vetor, normalizado como um só eixo
    achatado = arr.reshape(*arr.shape[:-2], -1)
    probs = _softmax(achatado, achatado.ndim - 1, tau)
    return probs.reshape(arr.shape).astype(dtype_saida, copy=False)
