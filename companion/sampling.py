"""Amostragem da cabeça de um modelo de linguagem: processadores de logits e decodificação.

Os processadores seguem a semântica dos *logits processors* do Hugging Face transformers:
recebem logits ``(V,)`` ou ``(B, V)`` e devolvem logits do mesmo formato, com ``-inf`` nos
tokens removidos. A decodificação aplica-os na ordem do Hugging Face: temperatura, top-k,
top-p, min-p.

Empates: no top-k, todo token empatado com o k-ésimo maior logit fica; no top-p e no min-p,
quando só parte de um grupo de empatados cabe, ficam os de menor índice (o Hugging Face deixa
isso à ordem de ``torch.sort``); no guloso, vence o primeiro índice, como em ``argmax``.
"""

from __future__ import annotations

import numbers

import numpy as np
from numpy.typing import ArrayLike

from companion._validacao import como_array_real, descrever, real_positivo_finito
from companion.softmax import softmax

__all__ = [
    "temperature",
    "top_k",
    "top_p",
    "min_p",
    "repetition_penalty",
    "greedy",
    "sample",
]


# ---------------------------------------------------------------------------------------------
# Validação


def _logits(logits: ArrayLike) -> tuple[np.ndarray, np.dtype, bool]:
    """Logits como (B, V) e se a entrada era 1-D."""
    x, dtype_saida = como_array_real(logits, "logits")
    if x.ndim not in (1, 2) or x.shape[-1] == 0:
        raise ValueError(
            f"logits deve ter formato (V,) ou (B, V), com V >= 1; recebido formato {x.shape}"
        )
    return (x[None, :] if x.ndim == 1 else x), dtype_saida, x.ndim == 1


def _devolver(x: np.ndarray, dtype_saida: np.dtype, era_1d: bool) -> np.ndarray:
    saida = x.astype(dtype_saida, copy=False)
    return saida[0] if era_1d else saida


def _inteiro_positivo(valor: object, nome: str) -> int:
    if isinstance(valor, bool) or not isinstance(valor, numbers.Integral) or valor < 1:
        raise ValueError(f"{nome} deve ser um inteiro >= 1; recebido {descrever(valor)}")
    return int(valor)


def _probabilidade(valor: object, nome: str) -> float:
    if isinstance(valor, bool) or not isinstance(valor, numbers.Real):
        raise TypeError(f"{nome} deve ser um número em (0, 1]; recebido {descrever(valor)}")
    p = float(valor)
    if not 0.0 < p <= 1.0:
        raise ValueError(f"{nome} deve estar em (0, 1]; recebido {p!r}")
    return p


def _sem_linhas_vazias(x: np.ndarray) -> None:
    # o máximo de uma linha só de -inf é -inf (e o máximo é bem mais rápido que isneginf)
    vazias = np.max(x, axis=-1) == -np.inf
    if np.any(vazias):
        linha = int(np.argmax(vazias))
        raise ValueError(
            f"logits: a linha {linha} tem todos os valores -inf; não sobra token para escolher"
        )


def _softmax_definida(x: np.ndarray) -> None:
    """Recusa linhas cuja softmax não existe: só ``-inf``, ou com ``nan`` ou ``+inf``."""
    maximos = np.max(x, axis=-1)  # nan se a linha tem nan; +inf se tem +inf
    ruins = ~np.isfinite(maximos)
    if np.any(ruins):
        linha = int(np.argmax(ruins))
        if maximos[linha] == -np.inf:
            _sem_linhas_vazias(x)
        raise ValueError(
            f"logits: a linha {linha} tem {'nan' if np.isnan(maximos[linha]) else '+inf'}; "
            "a softmax dessa linha não está definida (esperados logits finitos ou -inf)"
        )


def _ordem_decrescente(valores: np.ndarray) -> np.ndarray:
    """Índices em ordem decrescente de valor, empates pelo menor índice (ordenação estável)."""
    return np.argsort(-valores, axis=-1, kind="stable")


# ---------------------------------------------------------------------------------------------
# Processadores


def temperature(logits: ArrayLike, t: float) -> np.ndarray:
    """Divide os logits pela temperatura ``t > 0`` (``TemperatureLogitsWarper``).

    Examples
    --------
    >>> print(temperature([2.0, 1.0], 0.5))
    [4. 2.]
    """
    x, dtype_saida, era_1d = _logits(logits)
    tau = real_positivo_finito(t, "t")
    return _devolver(x / tau, dtype_saida, era_1d)


def top_k(logits: ArrayLike, k: int, min_tokens_to_keep: int = 1) -> np.ndarray:
    """Mantém os ``k`` maiores logits de cada linha, e todo token empatado com o k-ésimo
    (``TopKLogitsWarper``); os demais viram ``-inf``.

    Não ordena o vocabulário: os máximos de blocos da linha dão uma cota inferior para o
    k-ésimo maior, e só os poucos elementos acima dela passam por uma partição — :math:`O(V)`,
    com exatamente os tokens que a ordenação completa manteria.

    Examples
    --------
    >>> print(top_k([1.0, 3.0, 3.0, 2.0], 2))
    [-inf   3.   3. -inf]
    >>> print(top_k([1.0, 3.0, 2.0, 2.0], 2))   # o empate com o 2º maior fica
    [-inf   3.   2.   2.]
    """
    x, dtype_saida, era_1d = _logits(logits)
    kk = max(_inteiro_positivo(k, "k"), _inteiro_positivo(min_tokens_to_keep, "min_tokens_to_keep"))
    return _devolver(_top_k_mantidos(x, min(kk, x.shape[-1])), dtype_saida, era_1d)


def _top_k_mantidos(x: np.ndarray, k: int, bloco: int = 128) -> np.ndarray:
    """``x`` (B, V) com ``-inf`` fora dos k maiores de cada linha (e dos empatados com o k-ésimo).

    Os máximos de blocos de ``bloco`` elementos dão uma cota inferior: o k-ésimo maior máximo de
    bloco é <= o k-ésimo maior elemento (os k blocos de maiores máximos têm, cada um, um elemento
    pelo menos desse tamanho). Só os elementos acima da cota — poucos, quando k é pequeno diante
    de V — passam por uma partição, e só os mantidos são escritos numa saída cheia de ``-inf``.
    O resultado é exatamente o da ordenação completa.
    """
    B, V = x.shape
    n_blocos = V // bloco
    if n_blocos < 4 * k:  # k grande diante de V: a partição direta é o caminho curto
        kesimo = np.partition(x, V - k, axis=-1)[:, V - k : V - k + 1]
        return np.where(x < kesimo, -np.inf, x)
    maximos = x[:, : n_blocos * bloco].reshape(B, n_blocos, bloco).max(axis=-1)  # (B, n_blocos)
    if V % bloco:
        resto = x[:, n_blocos * bloco :].max(axis=-1, keepdims=True)
        maximos = np.concatenate([maximos, resto], axis=1)
    cota = np.partition(maximos, maximos.shape[1] - k, axis=-1)[:, maximos.shape[1] - k]
    saida = np.full_like(x, -np.inf)
    for b in range(B):
        indices = np.flatnonzero(x[b] >= cota[b])  # os candidatos: ao menos k
        valores = x[b, indices]
        kesimo = np.partition(valores, valores.size - k)[valores.size - k]
        mantidos = indices[valores >= kesimo]
        saida[b, mantidos] = x[b, mantidos]
    return saida


_ELEMENTOS_POR_BLOCO = 1 << 18


def _faixa(q: np.ndarray) -> tuple[np.ndarray, int, int]:
    """A faixa de cada número positivo: o expoente binário e os 4 primeiros bits da mantissa
    (16 faixas por potência de 2), lidos dos bits do float, sem log. Crescente com o valor.

    Devolve as faixas, quantas faixas há e o deslocamento: a faixa ``f`` começa no float cujos
    bits são ``f << deslocamento``.
    """
    if q.dtype == np.float32:
        return (q.view(np.int32) >> 19) & 0xFFF, 1 << 12, 19
    return ((q.view(np.int64) >> 48) & 0x7FFF).astype(np.int32), 1 << 15, 48


def _inicio_da_faixa(faixa: np.ndarray, deslocamento: int, dtype: np.dtype) -> np.ndarray:
    """O menor float (do ``dtype``) da faixa ``faixa``: o inverso de :func:`_faixa`."""
    inteiro = np.int32 if dtype == np.float32 else np.int64
    return (faixa.astype(inteiro) << deslocamento).view(dtype)


def _cortes(
    valores: np.ndarray, contagem: np.ndarray, massa: float, minimo: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """O corte do top-p em cada linha de ``valores`` (R, L), cujas ``contagem[r]`` primeiras
    colunas têm probabilidades (em qualquer ordem) e as demais, -1 (enchimento).

    Devolve ``corte`` (o valor do último token que fica), ``iguais_dentro`` (quantos tokens
    iguais ao corte ficam: o núcleo pode parar no meio de um grupo de empatados), ``iguais``
    (quantos tokens da linha são iguais ao corte) e ``total`` (a massa de toda a linha, somada
    na ordem decrescente).

    Só os valores importam para as somas: a ordem decrescente dos valores dá as mesmas somas
    prefixadas, na mesma ordem de contas, que a ordenação completa dos tokens; os índices só
    decidem quais empatados ficam, e isso se resolve depois, pelo menor índice.
    """
    R, L = valores.shape
    decrescentes = np.sort(valores, axis=1)[:, ::-1]  # o enchimento (-1) vai para o fim
    soma = np.cumsum(decrescentes, axis=1, dtype=np.float64)
    linhas = np.arange(R)
    total = soma[linhas, np.maximum(contagem, 1) - 1]
    # um token fica se a massa estritamente à frente dele (soma prefixada exclusiva) é < p
    a_frente = np.concatenate([np.zeros((R, 1)), soma[:, :-1]], axis=1)
    validos = np.arange(L) < contagem[:, None]
    ficam = np.maximum(np.sum((a_frente < massa) & validos, axis=1), np.minimum(minimo, contagem))
    corte = decrescentes[linhas, np.maximum(ficam, 1) - 1]
    maiores = np.sum(decrescentes > corte[:, None], axis=1)  # o enchimento nunca é maior
    iguais = np.sum(decrescentes == corte[:, None], axis=1)
    return corte, ficam - maiores, iguais, total


def _nucleos(probs: np.ndarray, massa: float, minimo: int) -> np.ndarray:
    """As posições (em ``probs.ravel()``, crescentes) dos tokens que o top-p mantém.

    Nada do vocabulário é ordenado:

    1. Um piso: os tokens com q < (1 - p)/V somam, juntos, menos que 1 - p; o núcleo está
       entre os demais (com logits normais de desvio 3, um quarto do vocabulário).
    2. Um histograma da massa desses tokens por faixa (expoente binário e 4 bits da mantissa,
       lidos dos bits do float; uma soma ponderada) dá, em cada linha, um limiar t com
       massa(q >= t) >= p. O conjunto {q >= t} é um prefixo exato da ordenação decrescente
       e contém o núcleo.
    3. Só os valores desse prefixo são ordenados (todas as linhas numa chamada). As somas
       prefixadas são as mesmas contas da ordenação completa, e a última confere,
       exatamente, que a massa p foi alcançada; a linha que não passa nessa conferência é
       ordenada inteira. Nenhuma estimativa dos passos 1 e 2 decide o resultado.
    """
    B, V = probs.shape
    minimo = min(minimo, V)
    planas = np.flatnonzero(probs >= (1.0 - massa) / V)  # posições em probs.ravel()
    inicios = np.searchsorted(planas, np.arange(B + 1) * V)
    linhas = np.repeat(np.arange(B), np.diff(inicios))
    valores = probs.ravel()[planas]
    faixas, n_faixas, deslocamento = _faixa(valores)
    # chaves intp e pesos float64: o bincount converte os outros tipos devagar
    massa_por_faixa = np.bincount(
        linhas * n_faixas + faixas, weights=valores.astype(np.float64), minlength=B * n_faixas
    ).reshape(B, n_faixas)
    # massa acumulada da maior faixa para a menor; margem contra o arredondamento da soma
    acumulada = np.cumsum(massa_por_faixa[:, ::-1], axis=1)[:, ::-1]
    # a acumulada decresce com a faixa: o limiar é a última faixa que ainda cobre a massa p
    limiar = np.sum(acumulada >= massa * (1 + 1e-9), axis=1) - 1
    t = _inicio_da_faixa(np.maximum(limiar, 0), deslocamento, probs.dtype)
    t[limiar < 0] = np.inf  # sem limiar: a linha vai direto para a ordenação inteira
    # os candidatos: q >= max(t, piso), também um prefixo exato da ordem decrescente
    # (índices inteiros, e não máscaras booleanas: a indexação por máscara é bem mais lenta)
    candidato = np.flatnonzero(valores >= t[linhas])
    candidatas, linhas_c, valores_c = planas[candidato], linhas[candidato], valores[candidato]
    contagem = np.bincount(linhas_c, minlength=B)
    colunas = np.arange(candidatas.size) - (np.cumsum(contagem) - contagem)[linhas_c]
    matriz = np.full((B, max(int(contagem.max()), 1)), -1, dtype=probs.dtype)
    matriz[linhas_c, colunas] = valores_c
    corte, iguais_dentro, iguais, total = _cortes(matriz, contagem, massa, minimo)

    # confere: a massa dos candidatos alcança p (e há candidatos suficientes)
    refazer = np.flatnonzero((contagem < minimo) | (total < massa))
    if refazer.size:
        corte[refazer], iguais_dentro[refazer], iguais[refazer], _ = _cortes(
            probs[refazer], np.full(refazer.size, V), massa, minimo
        )
    # ficam os tokens com q >= corte: nas linhas conferidas, todos estão entre os candidatos
    fica = [candidatas[np.flatnonzero(valores_c >= corte[linhas_c])]]
    if refazer.size:
        conferida = np.ones(B, dtype=bool)
        conferida[refazer] = False
        fica[0] = fica[0][np.flatnonzero(conferida[fica[0] // V])]
        fica += [np.flatnonzero(probs[b] >= corte[b]) + b * V for b in refazer]
    fica = np.sort(np.concatenate(fica)) if refazer.size else fica[0]
    # empates no corte: dos iguais ao corte, ficam só os ``iguais_dentro`` de menor índice
    excesso = np.flatnonzero(iguais > iguais_dentro)
    if excesso.size:
        fora = np.concatenate(
            [np.flatnonzero(probs[b] == corte[b])[iguais_dentro[b] :] + b * V for b in excesso]
        )
        fica = np.setdiff1d(fica, fora, assume_unique=True)
    return fica


def top_p(logits: ArrayLike, p: float, min_tokens_to_keep: int = 1) -> np.ndarray:
    r"""Amostragem por núcleo (*nucleus*): mantém o menor conjunto de tokens mais prováveis cuja
    massa chega a ``p`` (``TopPLogitsWarper``).

    Um token fica se a massa dos tokens à frente dele (mais prováveis; empates pelo menor
    índice) é menor que ``p``. Quando a massa atinge ``p`` exatamente, nenhum token a mais
    fica. Ao menos ``min_tokens_to_keep`` tokens ficam.

    As probabilidades são calculadas no dtype dos logits (como no Hugging Face) e as massas são
    somadas em ``float64``. O vocabulário não é ordenado: um piso de probabilidade e um
    histograma por faixas de valor (lidas dos bits do float) limitam os candidatos, e só eles
    são ordenados — com exatamente o mesmo resultado da ordenação completa.

    Examples
    --------
    >>> print(top_p([0.0, 0.0, 0.0, 0.0], 0.5))   # massa 0,25 + 0,25 = 0,5: pára aí
    [  0.   0. -inf -inf]
    """
    x, dtype_saida, era_1d = _logits(logits)
    massa = _probabilidade(p, "p")
    minimo = _inteiro_positivo(min_tokens_to_keep, "min_tokens_to_keep")
    _softmax_definida(x)
    saida = np.full(x.shape, -np.inf, dtype=x.dtype)
    # em blocos de linhas: os temporários (probabilidades, máscaras, posições) cabem no cache
    # e são reaproveitados de um bloco para o outro
    linhas_por_bloco = max(1, _ELEMENTOS_POR_BLOCO // x.shape[1])
    for inicio in range(0, x.shape[0], linhas_por_bloco):
        bloco = x[inicio : inicio + linhas_por_bloco]
        probs = softmax(bloco, axis=-1)  # no dtype dos logits
        fica = _nucleos(probs, massa, minimo)
        saida[inicio : inicio + linhas_por_bloco].ravel()[fica] = bloco.ravel()[fica]
    return _devolver(saida, dtype_saida, era_1d)


def min_p(logits: ArrayLike, p: float, min_tokens_to_keep: int = 1) -> np.ndarray:
    r"""Remove os tokens com probabilidade menor que ``p`` vezes a do mais provável
    (``MinPLogitsWarper``); ao menos ``min_tokens_to_keep`` (os mais prováveis) ficam.

    Examples
    --------
    >>> print(min_p(np.log([0.5, 0.3, 0.15, 0.05]), 0.2))   # corte: 0,2 × 0,5 = 0,1
    [-0.69314718 -1.2039728  -1.89711998        -inf]
    """
    x, dtype_saida, era_1d = _logits(logits)
    fracao = _probabilidade(p, "p")
    minimo = _inteiro_positivo(min_tokens_to_keep, "min_tokens_to_keep")
    _softmax_definida(x)
    probs = softmax(x.astype(np.float64), axis=-1)
    remover = probs < fracao * probs.max(axis=-1, keepdims=True)
    # o mais provável nunca é removido (probs >= p · max); os min_tokens_to_keep primeiros
    # também não
    if minimo > 1:
        ordem = _ordem_decrescente(x)
        for b in range(x.shape[0]):
            remover[b, ordem[b, : min(minimo, x.shape[-1])]] = False
    return _devolver(np.where(remover, -np.inf, x), dtype_saida, era_1d)


def repetition_penalty(logits: ArrayLike, previous_ids: ArrayLike, penalty: float) -> np.ndarray:
    """Penaliza os tokens já gerados (``RepetitionPenaltyLogitsProcessor``): logits positivos
    são divididos por ``penalty``, negativos multiplicados, cada token uma vez só, por mais que
    se repita.

    Parameters
    ----------
    logits : array_like
        ``(V,)`` ou ``(B, V)``.
    previous_ids : array_like de int
        Os tokens já gerados: ``(n,)`` para logits ``(V,)``, ``(B, n)`` para ``(B, V)``.
    penalty : float
        Maior que 0; 1 não muda nada, maior que 1 desencoraja repetir.

    Examples
    --------
    >>> print(repetition_penalty([2.0, -2.0, 1.0], [0, 1, 0], 2.0))
    [ 1. -4.  1.]
    """
    x, dtype_saida, era_1d = _logits(logits)
    fator = real_positivo_finito(penalty, "penalty")
    ids = np.asarray(previous_ids)
    if ids.size and ids.dtype.kind not in "iu":
        raise TypeError(
            "previous_ids deve conter índices inteiros de tokens; recebido "
            f"{descrever(previous_ids)}"
        )
    ids = ids.astype(np.intp).reshape(1, -1) if era_1d else ids.astype(np.intp)
    if ids.ndim != 2 or ids.shape[0] != x.shape[0]:
        raise ValueError(
            f"previous_ids deve ter uma linha por linha de logits ({x.shape[0]}); recebido "
            f"formato {np.asarray(previous_ids).shape}"
        )
    fora = (ids < 0) | (ids >= x.shape[-1])
    if np.any(fora):
        valor = int(ids[tuple(np.argwhere(fora)[0])])
        raise ValueError(
            f"previous_ids fora do vocabulário: recebido {valor}; os tokens vão de 0 a "
            f"{x.shape[-1] - 1}"
        )
    saida = x.copy()
    for b in range(x.shape[0]):
        unicos = np.unique(ids[b])  # cada token penalizado uma vez
        valores = x[b, unicos]
        saida[b, unicos] = np.where(valores < 0, valores * fator, valores / fator)
    return _devolver(saida, dtype_saida, era_1d)


# os parâmetros de sample() têm os nomes dos processadores; estes apelidos os mantêm à mão
_temperatura, _top_k, _top_p, _min_p = temperature, top_k, top_p, min_p

# ---------------------------------------------------------------------------------------------
# Decodificação


def greedy(logits: ArrayLike) -> np.ndarray:
    """O token de maior logit de cada linha (o primeiro, em caso de empate).

    Examples
    --------
    >>> print(greedy([1.0, 3.0, 3.0]))
    1
    """
    x, _, era_1d = _logits(logits)
    _sem_linhas_vazias(x)
    escolhidos = np.argmax(x, axis=-1)
    return escolhidos[0] if era_1d else escolhidos


def sample(
    logits: ArrayLike,
    *,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    min_p: float | None = None,
    rng: np.random.Generator | None = None,
    num_samples: int = 1,
) -> np.ndarray:
    """Sorteia tokens da distribuição filtrada, na ordem do Hugging Face: temperatura, top-k,
    top-p, min-p, softmax.

    Parameters
    ----------
    logits : array_like
        ``(V,)`` ou ``(B, V)``.
    temperature : float, opcional
        Maior que 0. Padrão: 1 (sem efeito).
    top_k, top_p, min_p : opcional
        Os filtros; ``None`` desliga cada um.
    rng : numpy.random.Generator, opcional
        A fonte de aleatoriedade (use ``np.random.default_rng(semente)`` para reproduzir).
        Padrão: um gerador novo, sem semente.
    num_samples : int, opcional
        Quantos sorteios independentes por linha (com reposição). Padrão: 1.

    Returns
    -------
    numpy.ndarray
        Índices de tokens: formato ``logits.shape[:-1]`` com ``num_samples=1``, ou
        ``logits.shape[:-1] + (num_samples,)``.

    Raises
    ------
    TypeError
        Se ``rng`` não é um ``numpy.random.Generator`` ou um argumento não é numérico.
    ValueError
        Se um parâmetro está fora do intervalo ou uma linha de logits é toda ``-inf``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> print(sample([0.0, 10.0, 0.0], rng=rng, num_samples=5))
    [1 1 1 1 1]
    """
    x, _, era_1d = _logits(logits)
    if rng is None:
        rng = np.random.default_rng()
    elif not isinstance(rng, np.random.Generator):
        raise TypeError(
            "rng deve ser um numpy.random.Generator (por exemplo, np.random.default_rng(0)); "
            f"recebido {descrever(rng)}"
        )
    n = _inteiro_positivo(num_samples, "num_samples")
    _softmax_definida(x)
    filtrados = _temperatura(x, temperature)
    if top_k is not None:
        filtrados = _top_k(filtrados, top_k)
    if top_p is not None:
        filtrados = _top_p(filtrados, top_p)
    if min_p is not None:
        filtrados = _min_p(filtrados, min_p)
    probs = softmax(filtrados.astype(np.float64), axis=-1)  # (B, V)
    # inversão da distribuição acumulada: u ~ U[0, 1), token = primeiro com F(token) > u
    acumulada = np.cumsum(probs, axis=-1)
    u = rng.random((x.shape[0], n)) * acumulada[:, -1:]
    tokens = np.stack(
        [np.searchsorted(acumulada[b], u[b], side="right") for b in range(x.shape[0])]
    )
    tokens = np.minimum(tokens, x.shape[-1] - 1)
    if n == 1:
        tokens = tokens[:, 0]
    return tokens[0] if era_1d else tokens
