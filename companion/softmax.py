"""A família softmax: ``softmax``, ``log_softmax``, ``logsumexp`` e ``softmax2d``.

Todas as funções recebem arrays numpy (ou listas, ou tensores do torch de CPU) e devolvem arrays
numpy, com a semântica do PyTorch: mesmos valores, formatos, dtypes e casos de borda. Todas são
estáveis por construção: subtraem o máximo de cada linha antes da exponencial, de modo que
nenhuma entrada finita produz estouro (overflow) nem ``nan``.

Onde o SciPy é mais exato que o PyTorch, o companion também é: ``logsumexp`` e ``log_softmax``
separam o termo do máximo (que vale exatamente 1) da soma e usam ``log1p`` no resto, como o SciPy
(gh-18295), de modo que ``logsumexp([0, -40])`` dá ``4,25e-18`` e não 0.

As contas ao longo do último eixo andam por blocos de linhas que cabem no cache: cada bloco é
deslocado, exponenciado, somado e normalizado enquanto ainda está no cache, e a entrada é lida
só duas vezes (o máximo e o resto) — o que conta nos tamanhos de um vocabulário.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from companion._validacao import (
    como_array_real,
    converter_array,
    descrever,
    normalizar_eixo,
    normalizar_eixos,
    real_positivo_finito,
)

__all__ = ["softmax", "log_softmax", "logsumexp", "softmax2d", "spatial_softmax"]


def softmax(
    x: ArrayLike, axis: int = -1, temperature: float = 1.0, dtype: DTypeLike | None = None
) -> np.ndarray:
    r"""Softmax de ``x`` ao longo de ``axis``, com temperatura opcional.

    Parameters
    ----------
    x : array_like
        Logits: um array, uma lista ou um tensor do torch de CPU (convertido, sem o autograd).
        ``float32``/``float64`` mantêm o dtype; ``float16`` é calculado em ``float32`` e
        devolvido em ``float16``; ``bfloat16`` (só em tensores) é calculado e devolvido em
        ``float32``; inteiros, booleanos e listas viram ``float64``.
    axis : int, opcional
        Eixo normalizado (cada fatia ao longo dele soma 1). Padrão: o último.
    temperature : float, opcional
        Temperatura :math:`\tau > 0`, finita. Padrão: 1.
    dtype : numpy.dtype, opcional
        Como o ``dtype=`` de ``torch.softmax``: ``x`` é convertido para ele antes da conta, e o
        resultado sai nele (``float16`` ainda é calculado em ``float32``). Aceita um dtype do
        numpy, o seu nome (``"float64"``) ou um dtype do torch. Padrão: o de ``x``.

    Returns
    -------
    numpy.ndarray
        Probabilidades, com o formato de ``x``.

    Raises
    ------
    TypeError
        Se ``x`` não contém números reais, se ``axis`` não é inteiro, se ``temperature`` não é
        um número real ou se ``dtype`` não é de ponto flutuante.
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
    >>> softmax([1, 2], dtype=np.float32).dtype
    dtype('float32')
    """
    arr, dtype_saida = _entrada(x, dtype)
    tau = real_positivo_finito(temperature, "temperature")
    eixo = normalizar_eixo(axis, arr.ndim)
    return _softmax(arr, eixo, tau).astype(dtype_saida, copy=False)


def _dtype_de_calculo(dtype: object) -> np.dtype:
    """Confere o ``dtype=`` de softmax/log_softmax: um dtype de ponto flutuante real."""
    nome = getattr(dtype, "is_floating_point", None) is not None and str(dtype)
    if nome and nome.startswith("torch."):  # um torch.dtype: torch.float32 -> "float32"
        if nome == "torch.bfloat16":
            raise TypeError(
                "dtype=torch.bfloat16 não existe no numpy; use dtype=np.float32 (o companion "
                "calcula bfloat16 em float32)"
            )
        dtype = nome.removeprefix("torch.")
    try:
        tipo = np.dtype(dtype)  # type: ignore[call-overload]
    except TypeError as erro:
        raise TypeError(
            f"dtype deve ser um dtype de ponto flutuante (np.float32, 'float64', torch.float16, "
            f"...); recebido {descrever(dtype)}"
        ) from erro
    if tipo.kind != "f":
        raise TypeError(
            f"dtype deve ser um dtype de ponto flutuante, como no torch (float16, float32 ou "
            f"float64); recebido {tipo}"
        )
    return tipo


def _entrada(x: ArrayLike, dtype: object) -> tuple[np.ndarray, np.dtype]:
    """``x`` pronto para a conta e o dtype de saída, com o ``dtype=`` do torch aplicado."""
    if dtype is None:
        return como_array_real(x, mascarados_viram=-np.inf)
    tipo = _dtype_de_calculo(dtype)
    arr = converter_array(x, "x", mascarados_viram=-np.inf)
    if arr.dtype.kind not in "biuf":
        como_array_real(arr)  # recusa o conteúdo com a mensagem de sempre
    with np.errstate(over="ignore"):  # como no torch, 1e5 em float16 vira inf
        convertido = arr.astype(tipo, copy=False)
    return como_array_real(convertido)


def _linhas_por_bloco(n_colunas: int, itemsize: int) -> int:
    """Quantas linhas de ``n_colunas`` cabem num bloco de cerca de 1 MiB (cabe no cache L2)."""
    return max(1, (1 << 20) // max(1, n_colunas * itemsize))


def _softmax(arr: np.ndarray, eixo: int, tau: float) -> np.ndarray:
    """Parte central da softmax, com a entrada já validada."""
    trabalho = arr.reshape(1) if arr.ndim == 0 else arr
    with np.errstate(over="ignore", invalid="ignore"):
        if eixo == trabalho.ndim - 1 and trabalho.shape[-1] and trabalho.size:
            return _softmax_por_linhas(trabalho, tau).reshape(arr.shape)
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


def _softmax_por_linhas(x: np.ndarray, tau: float) -> np.ndarray:
    """Softmax ao longo do último eixo (não vazio), bloco de linhas a bloco de linhas."""
    planas = x.reshape(-1, x.shape[-1])  # (R, K)
    x_max = np.maximum.reduce(planas, axis=-1, keepdims=True)  # (R, 1)
    probs = np.empty(planas.shape, dtype=planas.dtype)
    passo = _linhas_por_bloco(planas.shape[1], planas.itemsize)
    for i in range(0, planas.shape[0], passo):
        bloco = probs[i : i + passo]  # (n, K): deslocado, exponenciado e normalizado no cache
        np.subtract(planas[i : i + passo], x_max[i : i + passo], out=bloco)
        if tau != 1.0:
            bloco /= tau
        np.exp(bloco, out=bloco)
        # p = e / Σe, como e · (1 / Σe): uma divisão por linha em vez de uma por elemento
        bloco *= np.reciprocal(np.add.reduce(bloco, axis=-1, keepdims=True))
    return probs


def maximo_e_log1p(
    planas: np.ndarray, log_probs: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    r"""Por linha de ``planas`` (formato ``(R, K)``, ``K >= 1``): o máximo :math:`m` e
    :math:`c = \log(1 + \sum_{i \ne i^*} e^{x_i - m})`, com :math:`i^*` o argmax.

    Então :math:`\operatorname{logsumexp}(x) = m + c` e
    :math:`\log\operatorname{softmax}(x)_i = (x_i - m) - c`. O termo do máximo (que vale
    exatamente 1) fica fora da soma e entra pelo ``log1p``: quando os outros termos somam menos
    que o épsilon da máquina, ``log(1 + s)`` daria 0 e ``log1p(s)`` dá ``s``.
    Onde :math:`m` não é finito (``+inf``, uma linha só de ``-inf``, ou ``nan``), :math:`c` é
    ``nan``. Se ``log_probs`` (``(R, K)``) é dado, a log-softmax é escrita nele, bloco a bloco.

    Returns
    -------
    tuple
        ``(m, c)``, cada um de formato ``(R, 1)``.
    """
    n_linhas, n_colunas = planas.shape
    i_max = planas.argmax(axis=-1)  # (R,); o primeiro nan, se houver
    linhas = np.arange(n_linhas)
    x_max = planas[linhas, i_max][:, None]  # (R, 1)
    c = np.empty_like(x_max)
    passo = _linhas_por_bloco(n_colunas, planas.itemsize)
    buffer = np.empty((min(passo, n_linhas), n_colunas), dtype=planas.dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        # m + (m - m): o próprio m onde é finito, nan onde não é (inf - inf); deslocar por ele
        # põe nan na linha toda (e em c), como no torch
        deslocamento = x_max + (x_max - x_max)
        for i in range(0, n_linhas, passo):
            fim = min(i + passo, n_linhas)
            e = buffer[: fim - i]  # (n, K): e^{x - m}, reaproveitado a cada bloco
            shifted = e if log_probs is None else log_probs[i:fim]
            np.subtract(planas[i:fim], deslocamento[i:fim], out=shifted)
            np.exp(shifted, out=e)
            # s = Σ_{i ≠ i*} e^{x_i - m}: o termo do máximo (e^0 = 1) vai para o log1p
            e[linhas[: fim - i], i_max[i:fim]] = 0.0
            c_bloco = c[i:fim]
            np.add.reduce(e, axis=-1, keepdims=True, out=c_bloco)
            np.log1p(c_bloco, out=c_bloco)  # c = log1p(s) >= 0
            if log_probs is not None:
                shifted -= c_bloco  # log p = (x - m) - c, com o bloco ainda no cache
    return x_max, c


def log_softmax(x: ArrayLike, axis: int = -1, dtype: DTypeLike | None = None) -> np.ndarray:
    r"""Logaritmo da softmax de ``x`` ao longo de ``axis``, calculado sem passar pela softmax.

    Parameters
    ----------
    x : array_like
        Logits (mesmas regras de dtype de :func:`softmax`; tensores do torch de CPU aceitos).
    axis : int, opcional
        Eixo normalizado. Padrão: o último.
    dtype : numpy.dtype, opcional
        Como o ``dtype=`` de ``torch.log_softmax``: ``x`` é convertido para ele antes da conta e
        o resultado sai nele. Padrão: o de ``x``.

    Returns
    -------
    numpy.ndarray
        Log-probabilidades (todas :math:`\le 0`), com o formato de ``x``.

    Raises
    ------
    TypeError
        Se ``x`` não contém números reais, se ``axis`` não é inteiro ou se ``dtype`` não é de
        ponto flutuante.
    ValueError
        Se ``axis`` está fora do intervalo.

    Notes
    -----
    .. math::

        \log \operatorname{softmax}(x)_i
            = (x_i - m) - \log\Bigl(1 + \sum_{j \ne j^*} e^{x_j - m}\Bigr),
        \qquad m = x_{j^*} = \max_j x_j .

    Calcular ``log(softmax(x))`` perde tudo quando uma probabilidade cai abaixo do menor
    número representável: a softmax dá 0 e o log dá ``-inf``. Aqui o resultado continua finito.
    E o termo do máximo fica fora da soma (entra como o 1 do ``log1p``): a log-probabilidade do
    logit dominante sai com erro relativo pequeno mesmo quando é minúscula — em
    ``[0, -40]`` ela é :math:`-4{,}25 \times 10^{-18}`, onde o PyTorch dá 0.

    Examples
    --------
    >>> print(log_softmax([1000.0, 0.0]))
    [    0. -1000.]

    Já ``np.log(softmax([1000.0, 0.0]))`` daria ``[0, -inf]``: :math:`e^{-1000}` não cabe num
    ``float64``.

    >>> print(log_softmax([0.0, -40.0])[0])
    -4.248354255291589e-18
    """
    arr, dtype_saida = _entrada(x, dtype)
    eixo = normalizar_eixo(axis, arr.ndim)
    trabalho = arr.reshape(1) if arr.ndim == 0 else arr
    if trabalho.shape[eixo] == 0 or trabalho.size == 0:
        return np.empty(arr.shape, dtype=dtype_saida)  # nada a normalizar
    if eixo == trabalho.ndim - 1:
        planas = trabalho.reshape(-1, trabalho.shape[-1])  # (R, K)
        log_probs = np.empty(planas.shape, dtype=planas.dtype)
        maximo_e_log1p(planas, log_probs)
    else:
        x_max, c = _maximo_e_log1p_no_eixo(trabalho, eixo)
        with np.errstate(over="ignore", invalid="ignore"):
            log_probs = np.subtract(trabalho, x_max)
            log_probs -= c
    log_probs = log_probs.reshape(arr.shape)
    if log_probs.dtype == dtype_saida:
        return log_probs
    # em float16, um valor abaixo de -65504 vira -inf na conversão, como no torch
    with np.errstate(over="ignore"):
        return log_probs.astype(dtype_saida)


def _maximo_e_log1p_no_eixo(x: np.ndarray, eixo: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`maximo_e_log1p` ao longo de um eixo qualquer (não vazio), com ``keepdims``."""
    i_max = np.argmax(x, axis=eixo, keepdims=True)
    x_max = np.take_along_axis(x, i_max, axis=eixo)
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(x - x_max)
        np.put_along_axis(e, i_max, 0.0, axis=eixo)  # o termo do máximo vai para o log1p
        # c = log1p(s), e nan onde m não é finito (m - m = inf - inf)
        c = np.log1p(np.sum(e, axis=eixo, keepdims=True)) + (x_max - x_max)
    return x_max, c


def logsumexp(
    x: ArrayLike,
    axis: int | tuple[int, ...] | None = -1,
    b: ArrayLike | None = None,
    keepdims: bool = False,
    return_sign: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    r"""Logaritmo da soma das exponenciais, :math:`\log \sum_i b_i e^{x_i}`, sem estouro.

    Parameters
    ----------
    x : array_like
        Valores (mesmas regras de dtype de :func:`softmax`; tensores do torch de CPU aceitos).
    axis : int, tupla de int ou None, opcional
        Eixo(s) reduzido(s); ``None`` reduz todos. Padrão: o último (como no PyTorch, que exige
        um eixo; o padrão do SciPy é ``None``).
    b : array_like, opcional
        Pesos :math:`b_i` das exponenciais, como no SciPy: do formato de ``x`` ou que se
        expanda (broadcast) até ele — nunca maior. Podem ser negativos (uma subtração);
        :math:`b_i = 0` tira o termo da soma, mesmo que :math:`x_i` seja infinito ou ``nan``.
        O dtype do resultado é o de ``x`` e ``b`` promovidos juntos.
    keepdims : bool, opcional
        Se verdadeiro, os eixos reduzidos ficam com tamanho 1. Padrão: falso.
    return_sign : bool, opcional
        Como no SciPy: se verdadeiro, devolve ``(log|soma|, sinal da soma)``; se falso, uma
        soma negativa dá ``nan``. Padrão: falso.

    Returns
    -------
    numpy.ndarray ou tuple
        O resultado da redução (um escalar numpy quando todos os eixos são reduzidos) e, com
        ``return_sign=True``, o sinal (1, 0 ou -1; ``nan`` onde o resultado é ``nan``).

    Raises
    ------
    TypeError
        Se ``x`` ou ``b`` não contêm números reais, se ``axis`` não é inteiro, tupla ou ``None``,
        ou se ``keepdims``/``return_sign`` não são booleanos.
    ValueError
        Se algum eixo está fora do intervalo ou repetido, ou se ``b`` não se expande até o
        formato de ``x``.

    Notes
    -----
    .. math::

        \operatorname{logsumexp}(x) = m + \log\Bigl(1 + \sum_{i \ne i^*} e^{x_i - m}\Bigr),
        \qquad m = x_{i^*} = \max_i x_i .

    O termo do máximo vale exatamente 1 e fica fora da soma, que entra pelo ``log1p`` (como no
    SciPy, gh-18295): ``logsumexp([0, -40])`` dá :math:`4{,}25 \times 10^{-18}`, o valor certo,
    onde ``log(1 + 4,25e-18)`` — e o PyTorch — dão 0. Com ``b``, a conta é a do SciPy (os
    empates no máximo somam os seus pesos fora do ``log1p``).
    Onde o máximo não é finito, o resultado é o do PyTorch: ``logsumexp([inf, 1]) = inf``,
    ``logsumexp([-inf, -inf]) = -inf``, e um ``nan`` dá ``nan``. A soma de nada é 0, então um
    eixo vazio dá ``-inf`` (e sinal 0; o SciPy dá -1 nesse caso).

    Examples
    --------
    >>> print(logsumexp([1000.0, 1000.0]))
    1000.6931471805599
    >>> print(logsumexp([[0.0, 0.0], [1.0, 1.0]], axis=None))
    2.006408868078168
    >>> print(logsumexp([0.0, -40.0]))
    4.248354255291589e-18
    >>> print(logsumexp([1.0, 2.0], b=[1.0, -1.0], return_sign=True))
    (np.float64(1.5413248546129181), np.float64(-1.0))
    """
    arr, dtype_saida = como_array_real(x, mascarados_viram=-np.inf)
    for nome, valor in (("keepdims", keepdims), ("return_sign", return_sign)):
        if not isinstance(valor, (bool, np.bool_)):
            raise TypeError(f"{nome} deve ser True ou False; recebido {descrever(valor)}")
    eixos = normalizar_eixos(axis, arr.ndim)
    pesos = None
    if b is not None:
        pesos, dtype_b = como_array_real(b, "b")
        try:
            formato = np.broadcast_shapes(pesos.shape, arr.shape)
        except ValueError:
            formato = None
        if formato != arr.shape:
            raise ValueError(
                f"b deve ter o formato de x, {arr.shape}, ou um que se expanda (broadcast) até "
                f"ele; recebido formato {pesos.shape}"
            )
        calculo = np.result_type(arr.dtype, pesos.dtype)
        dtype_saida = np.result_type(dtype_saida, dtype_b)
        arr = arr.astype(calculo, copy=False)
        pesos = np.broadcast_to(pesos.astype(calculo, copy=False), arr.shape)
    # um escalar é tratado como um vetor de um elemento (e volta a 0 dimensões no fim)
    trabalho = arr.reshape(1) if arr.ndim == 0 else arr
    reduzidos = (0,) if arr.ndim == 0 else eixos
    mantidos = tuple(i for i in range(trabalho.ndim) if i not in reduzidos)
    formato_mantido = tuple(trabalho.shape[i] for i in mantidos)
    # (mantidos..., reduzidos...) -> (R, K): os eixos reduzidos viram as colunas
    ordem = mantidos + tuple(reduzidos)
    n_colunas = math.prod(trabalho.shape[i] for i in reduzidos)
    planas = np.transpose(trabalho, ordem).reshape(math.prod(formato_mantido), n_colunas)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if pesos is not None:
            pesos_planos = np.transpose(pesos.reshape(trabalho.shape), ordem)
            lse, sinal = _logsumexp_com_pesos(planas, pesos_planos.reshape(planas.shape))
            if not return_sign:
                lse[sinal < 0] = np.nan
        elif planas.shape[1] == 0:
            lse = np.full((planas.shape[0], 1), -np.inf, dtype=planas.dtype)
            sinal = np.zeros_like(lse)
        else:
            lse = _logsumexp(planas)
            sinal = np.where(lse == -np.inf, 0.0, 1.0).astype(lse.dtype)
            sinal[np.isnan(lse)] = np.nan
    formato = formato_mantido
    if keepdims and arr.ndim:
        formato = tuple(1 if i in reduzidos else n for i, n in enumerate(trabalho.shape))
    # em float16, um resultado acima de 65504 vira inf na conversão, como no torch
    with np.errstate(over="ignore"):
        lse = lse.reshape(formato).astype(dtype_saida, copy=False)
        sinal = sinal.reshape(formato).astype(dtype_saida, copy=False)
    if return_sign:
        return lse[()], sinal[()]
    return lse[()]


def _logsumexp(planas: np.ndarray) -> np.ndarray:
    """Parte central da logsumexp sem pesos, por linha de ``planas`` (formato ``(R, K)``,
    ``K >= 1``)."""
    # m = max_i x_i e c = log1p(Σ_{i≠i*} e^{x_i - m}): o termo do máximo (e^0 = 1) fica fora
    # da soma, e um resto minúsculo não se perde no arredondamento de 1 + s
    x_max, c = maximo_e_log1p(planas)
    # LSE = m + c. Um máximo que não é finito é o próprio resultado, como no torch:
    # LSE(+inf, 1) = +inf e LSE(-inf, -inf) = -inf, sem calcular inf - inf = nan
    return np.where(np.isfinite(x_max), x_max + c, x_max)


def _logsumexp_com_pesos(x: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``log|Σ b e^x|`` e o sinal da soma, por linha de ``x`` (``(R, K)``), a conta do SciPy."""
    # b = 0 tira o termo, mesmo que x seja inf ou nan
    a = np.where(b == 0, -np.inf, x)
    if a.shape[1] == 0:
        lse = np.full((a.shape[0], 1), -np.inf, dtype=a.dtype)
        return lse, np.zeros_like(lse)
    a_max = np.max(a, axis=-1, keepdims=True)
    # os empates no máximo ficam fora da soma: m = Σ_{empates} b, s = Σ_{resto} b e^{a - max} / m
    empate = a == a_max
    m = np.sum(np.where(empate, b, 0), axis=-1, keepdims=True)
    s = np.sum(np.where(empate, 0, b * np.exp(a - a_max)), axis=-1, keepdims=True)
    s = np.where(s == 0, s, s / m)
    sinal = np.sign(s + 1) * np.sign(m)
    # log|m (1 + s)| = log1p(s) + log|m|, com s < -1 trocado pelo seu reflexo -s - 2
    s = np.where(s < -1, -s - 2, s)
    lse = np.log1p(s) + np.log(np.abs(m)) + a_max
    # onde a conta dá um não finito, vale a forma direta (trata inf e nan nas entradas)
    nao_finito = ~np.isfinite(lse)
    if np.any(nao_finito):
        soma = np.sum(b * np.exp(x), axis=-1, keepdims=True)
        lse = np.where(nao_finito, np.log(np.abs(soma)), lse)
        sinal = np.where(nao_finito, np.sign(soma), sinal)
    return lse, sinal


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
    arr, dtype_saida = como_array_real(x, mascarados_viram=-np.inf)
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
    arr, dtype_saida = como_array_real(x, mascarados_viram=-np.inf)
    tau = real_positivo_finito(temperature, "temperature")
    if arr.ndim < 2:
        raise ValueError(
            "x deve ter ao menos 2 dimensões (..., H, W); "
            f"recebido um array de {arr.ndim} dimensões, de formato {arr.shape}"
        )
    # (..., H, W) -> (..., H·W): a grade vira um vetor, normalizado como um só eixo
    achatado = arr.reshape(*arr.shape[:-2], arr.shape[-2] * arr.shape[-1])
    probs = _softmax(achatado, achatado.ndim - 1, tau)
    return probs.reshape(arr.shape).astype(dtype_saida, copy=False)
