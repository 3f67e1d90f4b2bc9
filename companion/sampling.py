"""Amostragem da cabeça de um modelo de linguagem: processadores de logits e decodificação.

Os processadores seguem a semântica dos *logits processors* do Hugging Face transformers:
recebem logits ``(V,)`` ou ``(B, V)`` e devolvem logits do mesmo formato, com ``-inf`` nos
tokens removidos. A decodificação (:func:`sample`) aplica-os na ordem do ``generate`` do Hugging
Face: penalidade de repetição, bloqueio de n-gramas repetidos (:func:`no_repeat_ngram`),
temperatura, top-k, top-p, min-p, typical, ε, η; e sorteia pela inversão da acumulada
(:func:`inverse_cdf_sample`) ou pelo truque de Gumbel-max.
:func:`beam_search` é a busca em feixe do ``generate(num_beams=..., do_sample=False)``.
``tests/test_sampling_transformers.py`` compara cada processador com o *warper* correspondente
do transformers, e a busca em feixe com o próprio ``generate``.

Regras comuns a todas as funções do módulo:

- **nan**: recusado em toda parte, com um ``ValueError`` que diz a linha. Um ``nan`` não tem
  ordem nem probabilidade; o torch o deixaria passar (``TopKLogitsWarper`` o trata como o maior
  logit, a temperatura o propaga, ``argmax`` o escolhe), o que seria uma resposta errada em
  silêncio.
- **-inf**: um token proibido (probabilidade 0). Uma linha só de ``-inf`` passa pelos
  processadores como está (como no Hugging Face); :func:`greedy` e :func:`sample` a recusam,
  pois não sobra token para escolher.
- **+inf**: aceito onde o resultado só depende da ordem ou da aritmética de cada elemento
  (:func:`temperature`, :func:`top_k`, :func:`repetition_penalty`, :func:`no_repeat_ngram`,
  :func:`greedy`), com o
  resultado do torch; recusado onde é preciso a softmax (:func:`top_p`, :func:`min_p`,
  :func:`typical_p`, :func:`epsilon_cutoff`, :func:`eta_cutoff`, :func:`sample` e os logits que
  o ``step_fn`` de :func:`beam_search` devolve), pois a softmax de uma linha com ``+inf`` não
  existe (o torch dá ``nan``).
- **Máscaras**: um ``numpy.ma.MaskedArray`` de logits é aceito, e as entradas mascaradas
  valem ``-inf`` (tokens proibidos); a saída é um ``ndarray`` comum. Em ``previous_ids``, as
  entradas mascaradas não contam (o enchimento de sequências de comprimentos diferentes).
- **Tensores do torch** (só da CPU) são aceitos: convertidos sem gradiente (``detach``), e um
  ``bfloat16``, que o numpy não tem, é calculado e devolvido em ``float32``. A saída é numpy.
- **Empates**: no top-k, todo token empatado com o k-ésimo maior logit fica (a regra do
  Hugging Face, ``scores < késimo``); onde só parte de um grupo de empatados cabe (top-p,
  ``min_tokens_to_keep``), ficam os de menor índice; no guloso, vence o primeiro índice, como
  em ``argmax``. No typical, todo token empatado com o desvio do corte fica; no ε e no η, os
  ``min_tokens_to_keep`` seguem a regra do top-k (todo empatado com o k-ésimo maior logit
  fica), como no Hugging Face; na busca em feixe, vence o menor índice. No Hugging Face, quais
  empatados ficam não é um contrato: depende da ordem de ``torch.sort``/``torch.topk``, que não
  é estável.
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
    "typical_p",
    "epsilon_cutoff",
    "eta_cutoff",
    "repetition_penalty",
    "no_repeat_ngram",
    "greedy",
    "sample",
    "inverse_cdf_sample",
    "beam_search",
]


# ---------------------------------------------------------------------------------------------
# Conversão e validação


def _de_torch(valor: object, nome: str) -> object:
    """Um tensor do torch (da CPU) como array do numpy, sem gradiente; o resto, como veio.

    Não importa o torch: o tensor é reconhecido pelo módulo do seu tipo.
    """
    if not (type(valor).__module__.split(".")[0] == "torch" and hasattr(valor, "detach")):
        return valor
    dispositivo = getattr(valor, "device", None)
    if getattr(dispositivo, "type", "cpu") != "cpu":
        raise TypeError(
            f"{nome} é um tensor do torch no dispositivo {dispositivo}; o companion só lê "
            f"tensores da CPU (passe {nome}.cpu())"
        )
    tensor = valor.detach()  # type: ignore[attr-defined]
    if str(tensor.dtype) == "torch.bfloat16":  # o numpy não tem bfloat16
        tensor = tensor.float()
    try:
        return tensor.resolve_conj().resolve_neg().numpy()
    except (RuntimeError, TypeError) as erro:  # tensores esparsos, quantizados...
        raise TypeError(
            f"{nome}: não foi possível converter o tensor do torch ({tensor.dtype}, "
            f"layout {tensor.layout}) num array do numpy; passe um tensor denso da CPU"
        ) from erro


def _logits(logits: ArrayLike, nome: str = "logits") -> tuple[np.ndarray, np.dtype, bool]:
    """Logits como (B, V), o dtype da saída e se a entrada era 1-D.

    As entradas mascaradas de um ``numpy.ma.MaskedArray`` viram ``-inf`` (numa cópia).
    """
    valor = _de_torch(logits, nome)
    mascara = None
    if isinstance(valor, np.ma.MaskedArray):
        mascara = np.ma.getmaskarray(valor)
        valor = np.ma.getdata(valor)
    x, dtype_saida = como_array_real(valor, nome)
    if x.ndim not in (1, 2) or x.shape[-1] == 0:
        raise ValueError(
            f"{nome} deve ter formato (V,) ou (B, V), com V >= 1; recebido formato {x.shape}"
        )
    if mascara is not None and mascara.any():
        x = np.where(mascara, x.dtype.type(-np.inf), x)
    return (x[None, :] if x.ndim == 1 else x), dtype_saida, x.ndim == 1


def _devolver(x: np.ndarray, dtype_saida: np.dtype, era_1d: bool) -> np.ndarray:
    with np.errstate(over="ignore"):  # float16: acima de 65504 vira inf, como no torch
        saida = x.astype(dtype_saida, copy=False)
    return saida[0] if era_1d else saida


def _inteiro_positivo(valor: object, nome: str) -> int:
    if isinstance(valor, (bool, np.bool_)) or not isinstance(valor, numbers.Integral):
        raise TypeError(f"{nome} deve ser um inteiro >= 1; recebido {descrever(valor)}")
    if valor < 1:
        raise ValueError(f"{nome} deve ser um inteiro >= 1; recebido {descrever(valor)}")
    return int(valor)


def _probabilidade(valor: object, nome: str) -> float:
    """Um número em [0, 1] (o intervalo que o transformers aceita em top-p e min-p)."""
    if isinstance(valor, (bool, np.bool_)) or not isinstance(valor, numbers.Real):
        raise TypeError(f"{nome} deve ser um número em [0, 1]; recebido {descrever(valor)}")
    p = float(valor)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{nome} deve estar em [0, 1]; recebido {p!r}")
    return p


def _sem_nan(maximos: np.ndarray, nome: str = "logits") -> None:
    """Recusa as linhas com ``nan``, a partir dos máximos das linhas (o máximo propaga nan)."""
    com_nan = np.isnan(maximos)
    if np.any(com_nan):
        linha = int(np.argmax(com_nan))
        raise ValueError(
            f"{nome}: a linha {linha} tem nan; nenhuma função de companion.sampling aceita nan, "
            "que não tem ordem nem probabilidade (esperados logits reais, com -inf nos tokens "
            "removidos)"
        )


def _sem_mais_inf(maximos: np.ndarray, nome: str = "logits") -> None:
    """Recusa as linhas com ``+inf`` (onde a softmax é necessária) e as com ``nan``."""
    _sem_nan(maximos, nome)
    com_inf = maximos == np.inf
    if np.any(com_inf):
        linha = int(np.argmax(com_inf))
        raise ValueError(
            f"{nome}: a linha {linha} tem +inf; a softmax dessa linha não está definida "
            "(esperados logits finitos ou -inf)"
        )


def _sem_linhas_vazias(maximos: np.ndarray, nome: str = "logits") -> None:
    # o máximo de uma linha só de -inf é -inf (e o máximo é bem mais rápido que isneginf)
    vazias = maximos == -np.inf
    if np.any(vazias):
        linha = int(np.argmax(vazias))
        raise ValueError(
            f"{nome}: a linha {linha} tem todos os valores -inf (ou mascarados); não sobra "
            "token para escolher"
        )


def _por_escalar(x: np.ndarray, c: float, dividir: bool) -> np.ndarray:
    """``x / c`` ou ``x * c`` como no torch: o escalar arredondado para o dtype de ``x``.

    Se esse arredondamento dá 0, um subnormal ou inf (``float32`` com ``c`` fora de
    ~[1e-38, 3e38]), o torch produziria ``nan`` (0/0, inf/inf, 0 · inf); aqui a conta é feita
    em ``float64`` e só o resultado é arredondado: 0, ±inf ou o número certo, nunca nan.
    Estouros (overflow) viram ±inf sem aviso, como no torch.
    """
    info = np.finfo(x.dtype)
    with np.errstate(over="ignore", under="ignore"):
        no_dtype = x.dtype.type(c)
        if info.tiny <= no_dtype <= info.max:
            return x / no_dtype if dividir else x * no_dtype
        largo = x.astype(np.promote_types(x.dtype, np.float64))
        return (largo / c if dividir else largo * c).astype(x.dtype)


def _primeiros_por_logit(x: np.ndarray, m: int) -> np.ndarray:
    """Máscara (B, V) dos ``m`` primeiros tokens de cada linha na ordem decrescente de logit,
    empates pelo menor índice; :math:`O(V)`, sem ordenar a linha."""
    V = x.shape[-1]
    m = min(m, V)
    kesimo = np.partition(x, V - m, axis=-1)[:, V - m, None]  # (B, 1): o m-ésimo maior
    maiores = x > kesimo
    faltam = m - maiores.sum(axis=-1, keepdims=True)  # quantos empatados com ele ainda cabem
    iguais = x == kesimo
    return maiores | (iguais & (np.cumsum(iguais, axis=-1) <= faltam))


# ---------------------------------------------------------------------------------------------
# Processadores


def temperature(logits: ArrayLike, t: float) -> np.ndarray:
    r"""Divide os logits pela temperatura ``t > 0`` (``TemperatureLogitsWarper``).

    Parameters
    ----------
    logits : array_like
        ``(V,)`` ou ``(B, V)``, sem ``nan`` (``-inf`` e ``+inf`` passam: ``±inf / t``).
    t : float
        A temperatura, finita e maior que 0.

    Returns
    -------
    numpy.ndarray
        ``logits / t``, no dtype dos logits (``float16`` calculado em ``float32``).

    Raises
    ------
    TypeError
        Se ``t`` não é um número real, ou ``logits`` não contém números reais.
    ValueError
        Se ``t <= 0`` ou não é finito, ou uma linha de ``logits`` tem ``nan``.

    Notes
    -----
    Como no torch, ``t`` é arredondado para o dtype dos logits antes da divisão, e um
    quociente acima do maior float vira ``±inf``. Onde o torch daria ``nan`` — ``float32`` com
    ``t`` abaixo de ~1e-38, que arredonda para 0 (0/0), ou acima de ~3e38, que arredonda para
    inf (inf/inf) — a divisão é feita em ``float64``: ``0 / t = 0`` e ``-inf / t = -inf``.
    :func:`sample` não sofre desses estouros: subtrai o máximo antes de dividir.

    Examples
    --------
    >>> print(temperature([2.0, 1.0], 0.5))
    [4. 2.]
    """
    x, dtype_saida, era_1d = _logits(logits)
    tau = real_positivo_finito(t, "t")
    _sem_nan(np.max(x, axis=-1))
    return _devolver(_por_escalar(x, tau, dividir=True), dtype_saida, era_1d)


def top_k(logits: ArrayLike, k: int, min_tokens_to_keep: int = 1) -> np.ndarray:
    r"""Mantém os ``k`` maiores logits de cada linha, e todo token empatado com o k-ésimo
    (``TopKLogitsWarper``); os demais viram ``-inf``.

    Parameters
    ----------
    logits : array_like
        ``(V,)`` ou ``(B, V)``, sem ``nan``.
    k : int
        Quantos tokens ficam (>= 1); um ``k`` maior que ``V`` mantém todos.
    min_tokens_to_keep : int, opcional
        Ao menos tantos tokens ficam: o efetivo é ``max(k, min_tokens_to_keep)``.

    Returns
    -------
    numpy.ndarray
        Os logits, com ``-inf`` onde ``logits < késimo``.

    Raises
    ------
    TypeError
        Se ``k`` ou ``min_tokens_to_keep`` não é inteiro.
    ValueError
        Se ``k < 1`` ou ``min_tokens_to_keep < 1``, ou uma linha tem ``nan``.

    Notes
    -----
    A regra é a do Hugging Face, ``logits < késimo`` vira ``-inf``, então todo empatado com o
    k-ésimo fica. O ``torch.topk`` aceita ``nan`` (o trata como o maior valor, e então o
    ``TopKLogitsWarper`` não remove nada); aqui um ``nan`` é recusado, como em todo o módulo,
    porque a resposta seria errada em silêncio. ``+inf`` é um logit como outro, o maior.

    Não ordena o vocabulário: os máximos de blocos de 128 logits dão uma cota inferior para o
    k-ésimo maior, e só os blocos cujo máximo passa da cota (uns k) são lidos de novo —
    :math:`O(V)`, com exatamente os tokens que a ordenação completa manteria.

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
    """``x`` (B, V) com ``-inf`` fora dos k maiores de cada linha (e dos empatados com o
    k-ésimo); recusa ``nan``.

    Os máximos de blocos de ``bloco`` elementos dão uma cota inferior: o k-ésimo maior máximo de
    bloco é <= o k-ésimo maior elemento (os k blocos de maiores máximos têm, cada um, um elemento
    pelo menos desse tamanho). Todo elemento >= o k-ésimo está num bloco cujo máximo é >= a cota;
    só esses blocos (ao menos k; uns k quando k é pequeno diante de V) são copiados e passam por
    uma partição, e só eles são escritos numa saída cheia de ``-inf``. O resultado é exatamente
    o da ordenação completa.
    """
    B, V = x.shape
    n = V // bloco  # blocos cheios
    if n < 4 * k:  # k grande diante de V: a partição direta é o caminho curto
        _sem_nan(np.max(x, axis=-1))
        kesimo = np.partition(x, V - k, axis=-1)[:, V - k, None]
        return np.where(x < kesimo, x.dtype.type(-np.inf), x)
    corpo = x[:, : n * bloco].reshape(B, n, bloco)  # (B, n, bloco)
    cauda = x[:, n * bloco :]  # (B, V - n·bloco): o bloco incompleto, se há
    maximos = corpo.max(axis=-1)  # (B, n); propaga nan
    if cauda.shape[1]:
        maximos = np.concatenate([maximos, cauda.max(axis=-1, keepdims=True)], axis=1)
    _sem_nan(maximos.max(axis=-1))
    nb = maximos.shape[1]
    cota = np.partition(maximos, nb - k, axis=-1)[:, nb - k, None]  # (B, 1)
    linhas, blocos = np.nonzero(maximos >= cota)  # os blocos candidatos, linha a linha
    por_linha = np.bincount(linhas, minlength=B)
    colunas = np.arange(linhas.size) - np.repeat(np.cumsum(por_linha) - por_linha, por_linha)
    cheio = blocos < n
    # os candidatos de cada linha lado a lado, completados com -inf: (B, L, bloco)
    candidatos = np.full((B, int(por_linha.max()), bloco), -np.inf, dtype=x.dtype)
    candidatos[linhas[cheio], colunas[cheio]] = corpo[linhas[cheio], blocos[cheio]]
    com_cauda = linhas[~cheio]
    candidatos[com_cauda, colunas[~cheio], : cauda.shape[1]] = cauda[com_cauda]
    planos = candidatos.reshape(B, -1)
    kesimo = np.partition(planos, planos.shape[1] - k, axis=-1)[:, planos.shape[1] - k]  # (B,)
    menos_inf = x.dtype.type(-np.inf)
    saida = np.full((B, V), menos_inf, dtype=x.dtype)
    saida_corpo = saida[:, : n * bloco].reshape(B, n, bloco)  # uma vista de saida
    valores = corpo[linhas[cheio], blocos[cheio]]  # (M, bloco)
    limiar = kesimo[linhas[cheio], None]
    saida_corpo[linhas[cheio], blocos[cheio]] = np.where(valores < limiar, menos_inf, valores)
    if com_cauda.size:
        valores = cauda[com_cauda]
        limiar = kesimo[com_cauda, None]
        saida[com_cauda, n * bloco :] = np.where(valores < limiar, menos_inf, valores)
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


# até este tamanho de vocabulário, o top-p ordena as linhas inteiras (ver _nucleos)
_V_PEQUENO = 2048


def _nucleos(probs: np.ndarray, logits: np.ndarray, massa: float, minimo: int) -> np.ndarray:
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
    if V <= _V_PEQUENO:
        # vocabulário pequeno (o modelo de caracteres do capítulo 7): ordenar as linhas inteiras
        # custa menos que o histograma, que tem uma faixa para cada 4 bits de mantissa (2¹⁵
        # faixas por linha em float64)
        corte, iguais_dentro, iguais, _ = _cortes(probs, np.full(B, V), massa, minimo)
        return _desempatar(
            np.flatnonzero(probs >= corte[:, None]), probs, logits, corte, iguais_dentro, iguais
        )
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
    return _desempatar(fica, probs, logits, corte, iguais_dentro, iguais)


def _desempatar(
    fica: np.ndarray,
    probs: np.ndarray,
    logits: np.ndarray,
    corte: np.ndarray,
    iguais_dentro: np.ndarray,
    iguais: np.ndarray,
) -> np.ndarray:
    """Tira de ``fica`` (posições em ``probs.ravel()``) os empatados no corte que sobram."""
    V = probs.shape[1]
    # empates no corte: dos iguais ao corte, ficam só os ``iguais_dentro`` primeiros na ordem
    # dos logits (decrescente; empates pelo menor índice). Probabilidades iguais com logits
    # diferentes acontecem quando o arredondamento as junta (p. ex., todas underflow para 0).
    excesso = np.flatnonzero(iguais > iguais_dentro)
    if excesso.size:
        fora = []
        for b in excesso:
            grupo = np.flatnonzero(probs[b] == corte[b])
            grupo = grupo[np.argsort(-logits[b, grupo], kind="stable")]
            fora.append(grupo[iguais_dentro[b] :] + b * V)
        fica = np.setdiff1d(fica, np.concatenate(fora), assume_unique=True)
    return fica


def top_p(logits: ArrayLike, p: float, min_tokens_to_keep: int = 1) -> np.ndarray:
    r"""Amostragem por núcleo (*nucleus*): mantém o menor conjunto de tokens mais prováveis cuja
    massa chega a ``p`` (``TopPLogitsWarper``).

    Parameters
    ----------
    logits : array_like
        ``(V,)`` ou ``(B, V)``, finitos ou ``-inf``.
    p : float
        A massa do núcleo, em [0, 1]. ``p = 1`` devolve os logits sem mudança; ``p = 0``
        mantém só os ``min_tokens_to_keep`` primeiros.
    min_tokens_to_keep : int, opcional
        Ao menos tantos tokens ficam (os de maior logit). Padrão: 1.

    Returns
    -------
    numpy.ndarray
        Os logits, com ``-inf`` nos tokens fora do núcleo.

    Raises
    ------
    TypeError
        Se ``p`` não é um número ou ``min_tokens_to_keep`` não é inteiro.
    ValueError
        Se ``p`` está fora de [0, 1], ``min_tokens_to_keep < 1``, ou uma linha tem ``nan`` ou
        ``+inf`` (a softmax dela não existe).

    Notes
    -----
    Os tokens são ordenados pelo logit, do maior para o menor, como no Hugging Face (empates
    pelo menor índice, onde o Hugging Face deixa a escolha à ordem de ``torch.sort``). Um token
    fica se a massa dos tokens à frente dele é menor que ``p``,

    .. math:: \sum_{j \prec i} q_j < p,

    ou se está entre os ``min_tokens_to_keep`` primeiros. Quando a massa atinge ``p``
    exatamente, nenhum token a mais fica. Uma linha só de ``-inf`` volta como está.

    As probabilidades :math:`q` são calculadas no dtype dos logits (como no Hugging Face;
    ``float16`` em ``float32``, ``longdouble`` em ``float64``) e as massas são somadas em
    ``float64``; o Hugging Face as soma no dtype dos logits, da menor para a maior, então os
    dois podem discordar num token cuja massa à frente está a um arredondamento de ``p``.

    Com ``p = 1``, os logits voltam sem mudança: nenhum token de probabilidade positiva tem
    massa 1 à sua frente, e somas arredondadas não devem decidir o contrário. O ``generate`` do
    Hugging Face nem aplica o filtro com ``top_p = 1``; o ``TopPLogitsWarper(1.0)``, aplicado
    sozinho, remove os tokens cuja probabilidade arredonda para 0 (divergência proposital).
    Com ``p = 0``, como no ``TopPLogitsWarper(0.0)``, ficam só os ``min_tokens_to_keep``.

    O vocabulário não é ordenado: um piso de probabilidade e um histograma por faixas de valor
    (lidas dos bits do float) limitam os candidatos, e só eles são ordenados — com exatamente o
    mesmo resultado da ordenação completa.

    Examples
    --------
    >>> print(top_p([0.0, 0.0, 0.0, 0.0], 0.5))   # massa 0,25 + 0,25 = 0,5: pára aí
    [  0.   0. -inf -inf]
    >>> print(top_p([2.0, 1.0, 0.0], 0.0, min_tokens_to_keep=2))
    [  2.   1. -inf]
    """
    x, dtype_saida, era_1d = _logits(logits)
    massa = _probabilidade(p, "p")
    minimo = _inteiro_positivo(min_tokens_to_keep, "min_tokens_to_keep")
    maximos = np.max(x, axis=-1)
    _sem_mais_inf(maximos)
    return _devolver(_aplicar_top_p(x, massa, minimo, maximos), dtype_saida, era_1d)


def _aplicar_top_p(x: np.ndarray, massa: float, minimo: int, maximos: np.ndarray) -> np.ndarray:
    """O top-p em ``x`` (B, V) já conferido (sem nan nem +inf), dados os máximos das linhas."""
    if massa >= 1.0:
        return x.copy()
    if massa == 0.0:
        return np.where(_primeiros_por_logit(x, minimo), x, x.dtype.type(-np.inf))
    validas = maximos > -np.inf  # uma linha só de -inf volta como está
    if not np.all(validas):
        saida = np.full(x.shape, -np.inf, dtype=x.dtype)
        if np.any(validas):
            saida[validas] = _aplicar_top_p(x[validas], massa, minimo, maximos[validas])
        return saida
    saida = np.full(x.shape, -np.inf, dtype=x.dtype)
    # em blocos de linhas: os temporários (probabilidades, máscaras, posições) cabem no cache
    # e são reaproveitados de um bloco para o outro
    linhas_por_bloco = max(1, _ELEMENTOS_POR_BLOCO // x.shape[1])
    for inicio in range(0, x.shape[0], linhas_por_bloco):
        bloco = x[inicio : inicio + linhas_por_bloco]
        # no dtype dos logits (float32 ou float64; longdouble em float64)
        calculo = bloco if bloco.dtype in (np.float32, np.float64) else bloco.astype(np.float64)
        probs = softmax(calculo, axis=-1)
        fica = _nucleos(probs, bloco, massa, minimo)
        saida[inicio : inicio + linhas_por_bloco].ravel()[fica] = bloco.ravel()[fica]
    return saida


def min_p(logits: ArrayLike, p: float, min_tokens_to_keep: int = 1) -> np.ndarray:
    r"""Remove os tokens com probabilidade menor que ``p`` vezes a do mais provável
    (``MinPLogitsWarper``); ao menos ``min_tokens_to_keep`` (os de maior logit) ficam.

    Parameters
    ----------
    logits : array_like
        ``(V,)`` ou ``(B, V)``, finitos ou ``-inf``.
    p : float
        A fração, em [0, 1]. ``p = 0`` não remove nada (como no Hugging Face); ``p = 1``
        mantém só os empatados com o mais provável.
    min_tokens_to_keep : int, opcional
        Ao menos tantos tokens ficam. Padrão: 1.

    Returns
    -------
    numpy.ndarray
        Os logits, com ``-inf`` nos tokens removidos.

    Raises
    ------
    TypeError
        Se ``p`` não é um número ou ``min_tokens_to_keep`` não é inteiro.
    ValueError
        Se ``p`` está fora de [0, 1], ``min_tokens_to_keep < 1``, ou uma linha tem ``nan`` ou
        ``+inf``.

    Notes
    -----
    Um token :math:`i` sai se :math:`q_i < p \cdot \max_j q_j`. As probabilidades são
    calculadas em ``float64`` (o Hugging Face as calcula no dtype dos logits: num token a um
    arredondamento do corte, os dois podem discordar). Os ``min_tokens_to_keep`` que ficam são
    os de maior logit, empates pelo menor índice (o Hugging Face os escolhe por
    ``torch.topk`` das probabilidades, sem ordem garantida entre empatados). Uma linha só de
    ``-inf`` volta como está.

    Examples
    --------
    >>> print(min_p(np.log([0.5, 0.3, 0.15, 0.05]), 0.2))   # corte: 0,2 × 0,5 = 0,1
    [-0.69314718 -1.2039728  -1.89711998        -inf]
    """
    x, dtype_saida, era_1d = _logits(logits)
    fracao = _probabilidade(p, "p")
    minimo = _inteiro_positivo(min_tokens_to_keep, "min_tokens_to_keep")
    _sem_mais_inf(np.max(x, axis=-1))
    return _devolver(_aplicar_min_p(x, fracao, minimo), dtype_saida, era_1d)


def _aplicar_min_p(x: np.ndarray, fracao: float, minimo: int) -> np.ndarray:
    """O min-p em ``x`` (B, V) já conferido (sem nan nem +inf)."""
    # numa linha só de -inf, a softmax é nan e nan < nan é falso: nada sai
    probs = softmax(x.astype(np.float64), axis=-1)
    remover = probs < fracao * probs.max(axis=-1, keepdims=True)
    # o mais provável nunca é removido (probs >= p · max, com p <= 1); os min_tokens_to_keep
    # primeiros também não
    if minimo > 1:
        remover &= ~_primeiros_por_logit(x, minimo)
    return np.where(remover, x.dtype.type(-np.inf), x)


# ---------------------------------------------------------------------------------------------
# Typical, ε e η: filtros pela informação de cada token e por um piso de probabilidade


def _no_calculo(x: np.ndarray) -> np.ndarray:
    """``x`` no dtype de cálculo das probabilidades: ``float32`` e ``float64`` como estão (como
    no Hugging Face, que calcula no dtype dos logits); ``longdouble`` em ``float64``."""
    return x if x.dtype in (np.float32, np.float64) else x.astype(np.float64)


def _log_probs(x: np.ndarray) -> np.ndarray:
    r""":math:`\log q = x - \max x - \log \sum e^{x - \max x}` por linha, no dtype de cálculo;
    ``-inf`` onde o logit é ``-inf``. As linhas só de ``-inf`` não podem chegar aqui."""
    calculo = _no_calculo(x)
    deslocados = calculo - np.max(calculo, axis=-1, keepdims=True)
    return deslocados - np.log(np.sum(np.exp(deslocados), axis=-1, keepdims=True))


def _entropia(log_q: np.ndarray) -> np.ndarray:
    r""":math:`H = -\sum_i q_i \log q_i` (B, 1), no dtype de ``log_q``; os tokens de
    probabilidade 0 não contam (:math:`0 \cdot \log 0 = 0`, como o ``nansum`` do Hugging
    Face)."""
    q = np.exp(log_q)
    with np.errstate(invalid="ignore"):  # 0 · (-inf) = nan, que o nansum ignora
        return -np.nansum(log_q * q, axis=-1, keepdims=True)


def _em_linhas_validas(x: np.ndarray, maximos: np.ndarray, filtro) -> np.ndarray:
    """Aplica ``filtro`` (que recebe as linhas com algum logit finito) e devolve uma cópia de
    ``x`` com o resultado; as linhas só de ``-inf`` voltam como estão (como no Hugging Face)."""
    validas = maximos > -np.inf
    if np.all(validas):
        return filtro(x)
    saida = x.copy()
    if np.any(validas):
        saida[validas] = filtro(x[validas])
    return saida


def _fracao_aberta(valor: object, nome: str) -> float:
    """Um número em [0, 1): o ε do ε-sampling e do η-sampling (0 desliga o filtro)."""
    if isinstance(valor, (bool, np.bool_)) or not isinstance(valor, numbers.Real):
        raise TypeError(f"{nome} deve ser um número em [0, 1); recebido {descrever(valor)}")
    e = float(valor)
    if not 0.0 <= e < 1.0:
        raise ValueError(
            f"{nome} deve estar em [0, 1) (0 desliga o filtro); recebido {e!r}"
            + (": com 1, nenhum token teria probabilidade acima do corte" if e == 1.0 else "")
        )
    return e


def typical_p(logits: ArrayLike, p: float, min_tokens_to_keep: int = 1) -> np.ndarray:
    r"""Amostragem típica (Meister et al., 2023): mantém os tokens cuja informação
    :math:`-\log q_i` está mais perto da entropia da distribuição, até somar a massa ``p``
    (``TypicalLogitsWarper``).

    Parameters
    ----------
    logits : array_like
        ``(V,)`` ou ``(B, V)``, finitos ou ``-inf``.
    p : float
        A massa mantida, em [0, 1]. ``p = 1`` devolve os logits sem mudança (o ``generate``
        nem aplica o filtro com ``typical_p = 1``); ``p = 0`` mantém só o token mais típico
        (e os empatados com ele) e os ``min_tokens_to_keep``.
    min_tokens_to_keep : int, opcional
        Ao menos tantos tokens ficam (os mais típicos). Padrão: 1.

    Returns
    -------
    numpy.ndarray
        Os logits, com ``-inf`` nos tokens removidos.

    Raises
    ------
    TypeError
        Se ``p`` não é um número ou ``min_tokens_to_keep`` não é inteiro.
    ValueError
        Se ``p`` está fora de [0, 1], ``min_tokens_to_keep < 1``, ou uma linha tem ``nan`` ou
        ``+inf``.

    Notes
    -----
    Com :math:`q = \operatorname{softmax}(x)` e a entropia
    :math:`H = -\sum_j q_j \log q_j`, cada token recebe o desvio
    :math:`d_i = \lvert -\log q_i - H \rvert`. Os tokens são ordenados por :math:`d`
    crescente (empates pelo menor índice), e o corte é o desvio do token em que a massa
    acumulada chega a ``p``: com :math:`n = \#\{j : \sum_{l \le j} q_{(l)} < p\}`
    (no máximo :math:`V - 1`), sai todo token com :math:`d_i > d_{(n)}` — então todo token
    empatado com o do corte fica, e o token que cruza ``p`` também. Os
    ``min_tokens_to_keep`` primeiros na ordem de :math:`d` sempre ficam.

    Ao contrário do top-p, o token mais provável pode sair: numa distribuição achatada ele é
    “surpreendentemente” provável. :math:`q`, :math:`\log q`, :math:`H` e :math:`d` são
    calculados no dtype dos logits (como no Hugging Face; ``float16`` em ``float32``); a massa
    acumulada, em ``float64``. Os dois podem discordar num token cuja massa acumulada está a um
    arredondamento de ``p``. O ``TypicalLogitsWarper`` recusa ``p = 0`` e ``p = 1``; aqui eles
    têm o sentido acima.

    Examples
    --------
    >>> x = np.log([0.5, 0.3, 0.1, 0.1])   # H ≈ 1,17; -log q ≈ 0,69 1,20 2,30 2,30
    >>> print(np.isfinite(typical_p(x, 0.5)))   # o mais típico (0,3) e depois o 0,5
    [ True  True False False]
    >>> print(np.isfinite(typical_p(x, 0.2)))   # o mais provável pode sair
    [False  True False False]
    """
    x, dtype_saida, era_1d = _logits(logits)
    massa = _probabilidade(p, "p")
    minimo = _inteiro_positivo(min_tokens_to_keep, "min_tokens_to_keep")
    maximos = np.max(x, axis=-1)
    _sem_mais_inf(maximos)
    return _devolver(_aplicar_typical(x, massa, minimo, maximos), dtype_saida, era_1d)


def _aplicar_typical(x: np.ndarray, massa: float, minimo: int, maximos: np.ndarray) -> np.ndarray:
    """O typical em ``x`` (B, V) já conferido (sem nan nem +inf)."""
    if massa >= 1.0:
        return x.copy()

    def filtro(linhas: np.ndarray) -> np.ndarray:
        R, V = linhas.shape
        log_q = _log_probs(linhas)  # (R, V); -inf nos tokens proibidos
        H = _entropia(log_q)  # (R, 1)
        d = np.abs(-log_q - H)  # d_i = |-log q_i - H|; +inf nos proibidos
        ordem = np.argsort(d, axis=-1, kind="stable")  # (R, V), d crescente
        d_ordenado = np.take_along_axis(d, ordem, axis=-1)
        acumulada = np.cumsum(
            np.take_along_axis(np.exp(log_q), ordem, axis=-1), axis=-1, dtype=np.float64
        )
        # n = quantos têm massa acumulada < p (no máximo V - 1): o corte é o desvio do n-ésimo
        n = np.minimum(np.sum(acumulada < massa, axis=-1), V - 1)
        corte = d_ordenado[np.arange(R), n][:, None]
        remover_ordenado = d_ordenado > corte
        remover_ordenado[:, :minimo] = False
        remover = np.empty_like(remover_ordenado)
        np.put_along_axis(remover, ordem, remover_ordenado, axis=-1)
        return np.where(remover, linhas.dtype.type(-np.inf), linhas)

    return _em_linhas_validas(x, maximos, filtro)


def _piso_de_probabilidade(x: np.ndarray, maximos: np.ndarray, eta_de, minimo: int) -> np.ndarray:
    """Remove os tokens com :math:`q_i <` ``eta_de(log_q)`` (B, 1), salvo os de logit maior ou
    igual ao ``min_tokens_to_keep``-ésimo maior (a regra do Hugging Face no ε e no η)."""

    def filtro(linhas: np.ndarray) -> np.ndarray:
        V = linhas.shape[-1]
        log_q = _log_probs(linhas)
        q = np.exp(log_q)
        # o corte no dtype das probabilidades, como o torch compara com um escalar
        eta = np.asarray(eta_de(log_q)).astype(q.dtype)
        remover = q < eta
        k = min(minimo, V)
        kesimo = np.partition(linhas, V - k, axis=-1)[:, V - k, None]  # o k-ésimo maior logit
        remover &= linhas < kesimo
        return np.where(remover, linhas.dtype.type(-np.inf), linhas)

    return _em_linhas_validas(x, maximos, filtro)


def epsilon_cutoff(logits: ArrayLike, epsilon: float, min_tokens_to_keep: int = 1) -> np.ndarray:
    r"""ε-sampling (Hewitt et al., 2022): remove os tokens com probabilidade menor que
    ``epsilon`` (``EpsilonLogitsWarper``).

    Parameters
    ----------
    logits : array_like
        ``(V,)`` ou ``(B, V)``, finitos ou ``-inf``.
    epsilon : float
        O piso de probabilidade, em [0, 1). ``epsilon = 0`` não remove nada (como no
        ``generate``, que não aplica o filtro).
    min_tokens_to_keep : int, opcional
        Os tokens de logit maior ou igual ao ``min_tokens_to_keep``-ésimo maior sempre ficam
        (os empatados com ele também). Padrão: 1.

    Returns
    -------
    numpy.ndarray
        Os logits, com ``-inf`` nos tokens removidos.

    Raises
    ------
    TypeError
        Se ``epsilon`` não é um número ou ``min_tokens_to_keep`` não é inteiro.
    ValueError
        Se ``epsilon`` está fora de [0, 1), ``min_tokens_to_keep < 1``, ou uma linha tem
        ``nan`` ou ``+inf``.

    Notes
    -----
    Sai o token :math:`i` com :math:`q_i < \varepsilon` e
    :math:`x_i < x_{(k)}`, o ``min_tokens_to_keep``-ésimo maior logit. As probabilidades são
    calculadas no dtype dos logits e comparadas com ``epsilon`` arredondado para esse dtype,
    como no Hugging Face (``float16`` em ``float32``). O ``EpsilonLogitsWarper`` recusa
    ``epsilon = 0``; aqui ele desliga o filtro. ``epsilon = 1`` é recusado (nenhum token
    passaria do corte; o ``generate`` o ignoraria em silêncio).

    Examples
    --------
    >>> print(epsilon_cutoff(np.log([0.6, 0.3, 0.08, 0.02]), 0.05))
    [-0.51082562 -1.2039728  -2.52572864        -inf]
    """
    x, dtype_saida, era_1d = _logits(logits)
    eps = _fracao_aberta(epsilon, "epsilon")
    minimo = _inteiro_positivo(min_tokens_to_keep, "min_tokens_to_keep")
    maximos = np.max(x, axis=-1)
    _sem_mais_inf(maximos)
    return _devolver(_aplicar_epsilon(x, eps, minimo, maximos), dtype_saida, era_1d)


def _aplicar_epsilon(x: np.ndarray, eps: float, minimo: int, maximos: np.ndarray) -> np.ndarray:
    if eps == 0.0:
        return x.copy()
    return _piso_de_probabilidade(x, maximos, lambda log_q: eps, minimo)


def eta_cutoff(logits: ArrayLike, epsilon: float, min_tokens_to_keep: int = 1) -> np.ndarray:
    r"""η-sampling (Hewitt et al., 2022): remove os tokens com probabilidade menor que
    :math:`\eta = \min(\varepsilon, \sqrt{\varepsilon}\, e^{-H})`, um piso que cai quando a
    entropia :math:`H` da distribuição é alta (``EtaLogitsWarper``).

    Parameters
    ----------
    logits : array_like
        ``(V,)`` ou ``(B, V)``, finitos ou ``-inf``.
    epsilon : float
        O :math:`\varepsilon`, em [0, 1). ``epsilon = 0`` não remove nada (como no
        ``generate``, que não aplica o filtro).
    min_tokens_to_keep : int, opcional
        Os tokens de logit maior ou igual ao ``min_tokens_to_keep``-ésimo maior sempre ficam.
        Padrão: 1.

    Returns
    -------
    numpy.ndarray
        Os logits, com ``-inf`` nos tokens removidos.

    Raises
    ------
    TypeError
        Se ``epsilon`` não é um número ou ``min_tokens_to_keep`` não é inteiro.
    ValueError
        Se ``epsilon`` está fora de [0, 1), ``min_tokens_to_keep < 1``, ou uma linha tem
        ``nan`` ou ``+inf``.

    Notes
    -----
    Com :math:`H = -\sum_j q_j \log q_j` (no dtype dos logits),

    .. math:: \eta = \min\bigl(\varepsilon,\ \sqrt{\varepsilon}\, e^{-H}\bigr),

    e sai o token com :math:`q_i < \eta` e logit menor que o ``min_tokens_to_keep``-ésimo
    maior. É a fórmula do código do ``EtaLogitsWarper`` (:math:`\sqrt{\varepsilon}\,e^{-H}`; a
    docstring dele escreve :math:`\sqrt{\varepsilon e^{-H}}`, que não é o que ele calcula). O
    Hugging Face guarda :math:`\varepsilon` num tensor ``float32``; aqui ele entra na conta como
    foi dado, e :math:`\eta` é arredondado para o dtype das probabilidades. ``epsilon = 0``
    desliga o filtro; ``epsilon = 1`` é recusado, como em :func:`epsilon_cutoff`.

    Examples
    --------
    >>> x = np.log([0.6, 0.3, 0.08, 0.02])   # H ≈ 0,97: η = min(0,05; 0,22 · 0,38) = 0,05
    >>> print(np.isfinite(eta_cutoff(x, 0.05)))
    [ True  True  True False]
    >>> plana = np.zeros(100)                 # H = log 100: η = 0,22 / 100 = 0,0022 < 0,01
    >>> print(np.isfinite(eta_cutoff(plana, 0.05)).all())
    True
    """
    x, dtype_saida, era_1d = _logits(logits)
    eps = _fracao_aberta(epsilon, "epsilon")
    minimo = _inteiro_positivo(min_tokens_to_keep, "min_tokens_to_keep")
    maximos = np.max(x, axis=-1)
    _sem_mais_inf(maximos)
    return _devolver(_aplicar_eta(x, eps, minimo, maximos), dtype_saida, era_1d)


def _aplicar_eta(x: np.ndarray, eps: float, minimo: int, maximos: np.ndarray) -> np.ndarray:
    if eps == 0.0:
        return x.copy()

    def eta_de(log_q: np.ndarray) -> np.ndarray:
        # η = min(ε, √ε · e^{-H}), por linha (B, 1)
        H = _entropia(log_q)
        return np.minimum(eps, np.sqrt(eps) * np.exp(-H.astype(np.float64)))

    return _piso_de_probabilidade(x, maximos, eta_de, minimo)


def _ids(previous_ids: ArrayLike, B: int, V: int, era_1d: bool) -> tuple[np.ndarray, np.ndarray]:
    """``previous_ids`` como (B, n) ``intp`` e a máscara (B, n) dos ids que contam."""
    valor = _de_torch(previous_ids, "previous_ids")
    contam = None
    if isinstance(valor, np.ma.MaskedArray):
        contam = ~np.ma.getmaskarray(valor)
        valor = np.ma.getdata(valor)
    try:
        ids = np.asarray(valor)
    except ValueError as erro:  # listas irregulares: [[1, 2], [3]]
        raise ValueError(
            "previous_ids deve ser retangular (todas as linhas do mesmo comprimento); recebido "
            f"{descrever(previous_ids)}, cujas linhas têm comprimentos diferentes; para "
            "sequências de comprimentos diferentes, use um numpy.ma.MaskedArray que mascare o "
            "enchimento"
        ) from erro
    if ids.dtype == object and all(
        isinstance(i, numbers.Integral) and not isinstance(i, bool) for i in ids.ravel()
    ):  # inteiros do Python grandes demais para int64
        valor_grande = next(int(i) for i in ids.ravel() if not -(2**63) <= i < 2**63)
        raise ValueError(
            f"previous_ids fora do vocabulário: recebido {valor_grande}; os tokens vão de 0 a "
            f"{V - 1}"
        )
    if ids.size and ids.dtype.kind not in "iu":
        raise TypeError(
            "previous_ids deve conter índices inteiros de tokens; recebido "
            f"{descrever(previous_ids)}"
        )
    if era_1d and ids.ndim != 1:
        raise ValueError(
            f"previous_ids deve ter formato (n,) para logits de formato (V,); recebido formato "
            f"{ids.shape}"
        )
    if not era_1d and (ids.ndim != 2 or ids.shape[0] != B):
        raise ValueError(
            f"previous_ids deve ter formato (B, n), uma linha por linha de logits (B = {B}); "
            f"recebido formato {ids.shape}"
        )
    if contam is None:
        contam = np.ones(ids.shape, dtype=bool)
    fora = ((ids < 0) | (ids >= V)) & contam
    if np.any(fora):
        valor_fora = int(ids[tuple(np.argwhere(fora)[0])])
        raise ValueError(
            f"previous_ids fora do vocabulário: recebido {valor_fora}; os tokens vão de 0 a {V - 1}"
        )
    ids = np.where(contam, ids, 0).astype(np.intp)
    return ids.reshape(B, -1), contam.reshape(B, -1)


def repetition_penalty(logits: ArrayLike, previous_ids: ArrayLike, penalty: float) -> np.ndarray:
    """Penaliza os tokens já gerados (``RepetitionPenaltyLogitsProcessor``): logits positivos
    são divididos por ``penalty``, negativos multiplicados, cada token uma vez só, por mais que
    se repita.

    Parameters
    ----------
    logits : array_like
        ``(V,)`` ou ``(B, V)``, sem ``nan`` (``±inf`` passam: ``-inf · penalty = -inf``).
    previous_ids : array_like de int
        Os tokens já gerados: ``(n,)`` para logits ``(V,)``, ``(B, n)`` para ``(B, V)`` (uma
        linha por linha de logits). Num ``numpy.ma.MaskedArray``, os ids mascarados não contam:
        é o jeito de passar sequências de comprimentos diferentes.
    penalty : float
        Maior que 0; 1 não muda nada, maior que 1 desencoraja repetir.

    Returns
    -------
    numpy.ndarray
        Os logits penalizados, no dtype dos logits.

    Raises
    ------
    TypeError
        Se ``previous_ids`` não contém inteiros ou ``penalty`` não é um número.
    ValueError
        Se ``penalty <= 0``; se ``previous_ids`` tem outro formato, linhas de comprimentos
        diferentes ou um id fora de ``[0, V)``; se uma linha de logits tem ``nan``.

    Notes
    -----
    O Hugging Face ignora, sem aviso, ids maiores ou iguais a ``V`` (o vocabulário do
    *embedding* pode ser maior que o da cabeça); aqui eles são um erro, como os negativos (que
    também são no torch), porque num livro um id fora do vocabulário é quase sempre um engano.
    Como no torch, ``penalty`` é arredondado para o dtype dos logits (ver :func:`temperature`).

    Examples
    --------
    >>> print(repetition_penalty([2.0, -2.0, 1.0], [0, 1, 0], 2.0))
    [ 1. -4.  1.]
    """
    x, dtype_saida, era_1d = _logits(logits)
    fator = real_positivo_finito(penalty, "penalty")
    _sem_nan(np.max(x, axis=-1))
    return _devolver(_aplicar_penalidade(x, previous_ids, fator, era_1d), dtype_saida, era_1d)


def _aplicar_penalidade(
    x: np.ndarray, previous_ids: ArrayLike, fator: float, era_1d: bool
) -> np.ndarray:
    """A penalidade de repetição em ``x`` (B, V) já conferido (sem nan)."""
    B, V = x.shape
    ids, contam = _ids(previous_ids, B, V, era_1d)
    saida = x.copy(order="C")
    plana = saida.reshape(-1)  # uma vista de saida
    # cada token penalizado uma vez: as posições (linha, id) sem repetição
    posicoes = np.unique((np.arange(B)[:, None] * V + ids)[contam])
    valores = plana[posicoes]
    plana[posicoes] = np.where(
        valores < 0, _por_escalar(valores, fator, dividir=False), _por_escalar(valores, fator, True)
    )
    return saida


def _tamanho_de_ngrama(valor: object, nome: str) -> int:
    if isinstance(valor, (bool, np.bool_)) or not isinstance(valor, numbers.Integral):
        raise TypeError(
            f"{nome} deve ser um inteiro >= 1 (o tamanho dos n-gramas); recebido {descrever(valor)}"
        )
    if valor < 1:
        raise ValueError(
            f"{nome} deve ser um inteiro >= 1 (o tamanho dos n-gramas); recebido {descrever(valor)}"
        )
    return int(valor)


def _tamanho_de_ngrama_ou_zero(valor: object, nome: str) -> int:
    """Um inteiro >= 0 (0 desliga o bloqueio, como no ``generate``)."""
    if isinstance(valor, (bool, np.bool_)) or not isinstance(valor, numbers.Integral):
        raise TypeError(
            f"{nome} deve ser um inteiro >= 0 (0 ou None desligam o bloqueio de n-gramas); "
            f"recebido {descrever(valor)}"
        )
    if valor < 0:
        raise ValueError(
            f"{nome} deve ser um inteiro >= 0 (0 ou None desligam o bloqueio de n-gramas); "
            f"recebido {descrever(valor)}"
        )
    return int(valor)


def no_repeat_ngram(logits: ArrayLike, previous_ids: ArrayLike, n: int) -> np.ndarray:
    """Proíbe repetir n-gramas (``NoRepeatNGramLogitsProcessor``): em cada linha, todo token
    que, depois dos últimos ``n - 1`` tokens de ``previous_ids``, completaria um n-grama que já
    aparece em ``previous_ids`` vira ``-inf``.

    Parameters
    ----------
    logits : array_like
        ``(V,)`` ou ``(B, V)``, sem ``nan`` (``±inf`` passam; os proibidos viram ``-inf``).
    previous_ids : array_like de int
        A sequência até aqui (no ``generate``, o prompt e os tokens gerados): ``(t,)`` para
        logits ``(V,)``, ``(B, t)`` para ``(B, V)``. Num ``numpy.ma.MaskedArray``, os ids
        mascarados são tirados da linha (a sequência é a dos ids que sobram, na ordem): é o
        jeito de passar sequências de comprimentos diferentes.
    n : int
        O tamanho dos n-gramas, >= 1. Com ``n = 1``, todo token já presente é proibido; uma
        sequência com menos de ``n`` tokens não proíbe nada.

    Returns
    -------
    numpy.ndarray
        Os logits com ``-inf`` nos tokens proibidos, no dtype dos logits.

    Raises
    ------
    TypeError
        Se ``previous_ids`` não contém inteiros ou ``n`` não é um inteiro.
    ValueError
        Se ``n < 1``; se ``previous_ids`` tem outro formato, linhas de comprimentos
        diferentes ou um id fora de ``[0, V)``; se uma linha de logits tem ``nan``.

    Notes
    -----
    É o ``no_repeat_ngram_size`` do ``generate``: o n-grama candidato é formado pelos últimos
    ``n - 1`` tokens e o próximo; se ele já ocorreu em algum ponto da sequência, o próximo
    token é proibido. Como em :func:`repetition_penalty`, ids maiores ou iguais a ``V`` são um
    erro aqui (o Hugging Face os ignora sem aviso). Cuidado: num modelo de caracteres, um ``n``
    pequeno proíbe pedaços que todo texto repete (“ de ”, “que ”).

    Examples
    --------
    >>> print(no_repeat_ngram([1.0, 2.0, 3.0, 4.0], [0, 1, 2, 0], 2))   # "0 1" já houve
    [  1. -inf   3.   4.]
    >>> print(no_repeat_ngram([1.0, 2.0, 3.0, 4.0], [0, 1, 2, 0], 1))   # todo token já visto
    [-inf -inf -inf   4.]
    """
    x, dtype_saida, era_1d = _logits(logits)
    tamanho = _tamanho_de_ngrama(n, "n")
    _sem_nan(np.max(x, axis=-1))
    return _devolver(_aplicar_ngramas(x, previous_ids, tamanho, era_1d), dtype_saida, era_1d)


def _proibidos_por_ngrama(seq: np.ndarray, n: int) -> np.ndarray:
    """Os tokens que completariam um n-grama já presente em ``seq`` (1-D, ids válidos)."""
    t = seq.size
    if t < n:
        return seq[:0]
    janelas = np.lib.stride_tricks.sliding_window_view(seq, n)  # (t - n + 1, n)
    prefixo = seq[t - n + 1 :]  # os últimos n - 1 tokens
    casam = np.all(janelas[:, :-1] == prefixo, axis=1)
    return janelas[casam, -1]


def _aplicar_ngramas(x: np.ndarray, previous_ids: ArrayLike, n: int, era_1d: bool) -> np.ndarray:
    """O bloqueio de n-gramas repetidos em ``x`` (B, V) já conferido (sem nan)."""
    B, V = x.shape
    ids, contam = _ids(previous_ids, B, V, era_1d)
    saida = x.copy(order="C")
    for linha in range(B):
        proibidos = _proibidos_por_ngrama(ids[linha][contam[linha]], n)
        saida[linha, proibidos] = -np.inf
    return saida


# ---------------------------------------------------------------------------------------------
# Decodificação


def greedy(logits: ArrayLike) -> np.ndarray:
    """O token de maior logit de cada linha (o primeiro, em caso de empate).

    Parameters
    ----------
    logits : array_like
        ``(V,)`` ou ``(B, V)``, sem ``nan``; ``+inf`` é o maior logit.

    Returns
    -------
    numpy.ndarray
        Um índice por linha: formato ``()`` ou ``(B,)``.

    Raises
    ------
    ValueError
        Se uma linha tem ``nan`` ou é toda ``-inf``.

    Examples
    --------
    >>> print(greedy([1.0, 3.0, 3.0]))
    1
    """
    x, _, era_1d = _logits(logits)
    maximos = np.max(x, axis=-1)
    _sem_nan(maximos)
    _sem_linhas_vazias(maximos)
    escolhidos = np.argmax(x, axis=-1)
    return escolhidos[0] if era_1d else escolhidos


def _escalado(x: np.ndarray, maximos: np.ndarray, tau: float) -> np.ndarray:
    r""":math:`(x - \max x) / \tau` em ``float64`` (``longdouble`` fica em ``longdouble`` até o
    fim), sem estouro: o máximo de cada linha vira 0 e os demais, <= 0.

    Com :math:`\tau \le 1`, subtrai antes de dividir (``x / τ`` estouraria); com
    :math:`\tau > 1`, divide antes (``x − max`` poderia estourar, e a divisão o traria de
    volta). Um estouro que sobra vai para ``-inf``, onde a probabilidade é 0 de todo jeito.
    """
    calculo = np.promote_types(x.dtype, np.float64)
    xc = x.astype(calculo, copy=False)
    m = maximos.astype(calculo)[:, None]
    with np.errstate(over="ignore"):
        z = xc / tau - m / tau if tau > 1 else (xc - m) / tau
        return z.astype(np.float64, copy=False)


def sample(
    logits: ArrayLike,
    *,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    min_p: float | None = None,
    typical_p: float | None = None,
    epsilon_cutoff: float | None = None,
    eta_cutoff: float | None = None,
    repetition_penalty: float | None = None,
    no_repeat_ngram_size: int | None = None,
    previous_ids: ArrayLike | None = None,
    rng: np.random.Generator | None = None,
    num_samples: int = 1,
    metodo: str = "cdf",
) -> np.ndarray:
    r"""Sorteia tokens da distribuição filtrada, na ordem do ``generate`` do Hugging Face:
    penalidade de repetição, bloqueio de n-gramas repetidos, temperatura, top-k, top-p, min-p,
    typical, ε, η, softmax.

    Parameters
    ----------
    logits : array_like
        ``(V,)`` ou ``(B, V)``, finitos ou ``-inf``, com ao menos um finito por linha.
    temperature : float, opcional
        Maior que 0. Padrão: 1 (sem efeito).
    top_k : int, opcional
        Quantos tokens ficam; ``None`` ou 0 desliga o filtro (como no ``generate``).
    top_p : float, opcional
        Em [0, 1]; ``None`` ou 1 desliga o filtro (como no ``generate``).
    min_p : float, opcional
        Em [0, 1]; ``None`` ou 0 desliga o filtro.
    typical_p : float, opcional
        Em [0, 1] (:func:`companion.sampling.typical_p`); ``None`` ou 1 desliga o filtro.
    epsilon_cutoff : float, opcional
        Em [0, 1) (:func:`companion.sampling.epsilon_cutoff`); ``None`` ou 0 desliga o filtro.
    eta_cutoff : float, opcional
        Em [0, 1) (:func:`companion.sampling.eta_cutoff`); ``None`` ou 0 desliga o filtro.
    repetition_penalty : float, opcional
        Maior que 0 (:func:`companion.sampling.repetition_penalty`), aplicada aos logits antes
        da temperatura; exige ``previous_ids``. ``None`` ou 1 não muda nada.
    no_repeat_ngram_size : int, opcional
        Inteiro >= 0 (:func:`companion.sampling.no_repeat_ngram`): proíbe os tokens que
        repetiriam um n-grama de ``previous_ids``; aplicado depois da penalidade de repetição e
        antes da temperatura; exige ``previous_ids``. ``None`` ou 0 desliga (como no
        ``generate``).
    previous_ids : array_like de int, opcional
        Os tokens já gerados, no formato de :func:`companion.sampling.repetition_penalty`.
        Só com ``repetition_penalty`` ou ``no_repeat_ngram_size``.
    rng : numpy.random.Generator, opcional
        A fonte de aleatoriedade (use ``np.random.default_rng(semente)`` para reproduzir).
        Padrão: um gerador novo, sem semente.
    num_samples : int, opcional
        Quantos sorteios independentes por linha (com reposição). Padrão: 1.
    metodo : {"cdf", "gumbel"}, opcional
        Como sortear da distribuição final: ``"cdf"`` (padrão), pela inversão da distribuição
        acumulada (:func:`inverse_cdf_sample`, com ``u`` de ``rng.random``); ``"gumbel"``, pelo
        truque de Gumbel-max (:func:`companion.alternativas.gumbel_max_sample`). Os dois
        sorteiam da mesma distribuição, mas consomem o gerador de jeitos diferentes: com a
        mesma semente, dão tokens diferentes.

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
        Se um parâmetro está fora do intervalo, se ``previous_ids`` falta ou sobra, ou uma
        linha de logits tem ``nan`` ou ``+inf`` ou é toda ``-inf`` (também depois do bloqueio
        de n-gramas).

    Notes
    -----
    A temperatura é aplicada como :math:`(x - \max x)/\tau`, que dá a mesma distribuição que
    :math:`x/\tau` sem estourar: uma temperatura de 1e-308 ou logits perto de 1e308 dão a
    distribuição certa (no limite, uniforme entre os empatados no máximo), nunca um ``+inf``
    nem um token de probabilidade 0. Os filtros são aplicados a esses logits, no dtype dos
    logits (como no ``generate``, que os aplica em ``float32``); as probabilidades do sorteio
    são calculadas em ``float64``. Um token de probabilidade 0 nunca é sorteado.

    A ordem é a de ``GenerationMixin._get_logits_processor`` no transformers 5.23: a penalidade
    de repetição e o bloqueio de n-gramas são processadores (vêm antes dos *warpers*, nessa
    ordem), e os *warpers* vêm na ordem
    temperatura, top-k, top-p, min-p, typical, ε, η. Como no ``generate`` com ``num_beams=1``,
    cada filtro usa ``min_tokens_to_keep = 1``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> print(sample([0.0, 10.0, 0.0], rng=rng, num_samples=5))
    [1 1 1 1 1]
    >>> x = np.log([0.5, 0.3, 0.1, 0.1])
    >>> print(sample(x, typical_p=0.2, rng=rng, num_samples=5))   # só o token típico
    [1 1 1 1 1]
    >>> print(sample(x, repetition_penalty=1e9, previous_ids=[1, 2, 3], rng=rng,
    ...              num_samples=5))                            # só o que não se repete
    [0 0 0 0 0]
    """
    x, _, era_1d = _logits(logits)
    if isinstance(temperature, numbers.Real) and not isinstance(temperature, bool):
        if temperature == 0:
            raise ValueError(
                "temperature deve ser um número finito maior que zero; recebido 0 (para a "
                "decodificação gulosa, use greedy)"
            )
    tau = real_positivo_finito(temperature, "temperature")
    k = None
    if top_k is not None:
        if not isinstance(top_k, numbers.Integral) or isinstance(top_k, (bool, np.bool_)):
            raise TypeError(f"top_k deve ser um inteiro >= 0 ou None; recebido {descrever(top_k)}")
        if top_k < 0:
            raise ValueError(
                f"top_k deve ser um inteiro >= 0 (0 ou None desligam o filtro); recebido {top_k}"
            )
        k = int(top_k) or None
    massa = None if top_p is None else _probabilidade(top_p, "top_p")
    massa = None if massa == 1.0 else massa
    fracao = None if min_p is None else _probabilidade(min_p, "min_p")
    tipica = None if typical_p is None else _probabilidade(typical_p, "typical_p")
    tipica = None if tipica == 1.0 else tipica
    eps = None if epsilon_cutoff is None else _fracao_aberta(epsilon_cutoff, "epsilon_cutoff")
    eps = eps or None  # 0 desliga
    eta = None if eta_cutoff is None else _fracao_aberta(eta_cutoff, "eta_cutoff")
    eta = eta or None
    penalidade = None
    if repetition_penalty is not None:
        penalidade = real_positivo_finito(repetition_penalty, "repetition_penalty")
        if previous_ids is None:
            raise ValueError(
                "repetition_penalty precisa de previous_ids (os tokens já gerados); recebido "
                "previous_ids=None"
            )
    ngrama = None
    if no_repeat_ngram_size is not None:
        ngrama = _tamanho_de_ngrama_ou_zero(no_repeat_ngram_size, "no_repeat_ngram_size")
        if previous_ids is None:
            raise ValueError(
                "no_repeat_ngram_size precisa de previous_ids (os tokens já gerados); recebido "
                "previous_ids=None"
            )
        ngrama = ngrama or None  # 0 desliga
    if repetition_penalty is None and no_repeat_ngram_size is None and previous_ids is not None:
        raise ValueError(
            "previous_ids só é usado com repetition_penalty ou no_repeat_ngram_size; recebidos "
            "os dois None (passe repetition_penalty=1.2 ou no_repeat_ngram_size=3, por exemplo, "
            "ou tire previous_ids)"
        )
    if metodo not in ("cdf", "gumbel"):
        raise ValueError(f"metodo deve ser 'cdf' ou 'gumbel'; recebido {descrever(metodo)}")
    if rng is None:
        rng = np.random.default_rng()
    elif not isinstance(rng, np.random.Generator):
        raise TypeError(
            "rng deve ser um numpy.random.Generator (por exemplo, np.random.default_rng(0)); "
            f"recebido {descrever(rng)}"
        )
    n = _inteiro_positivo(num_samples, "num_samples")
    maximos = np.max(x, axis=-1)
    _sem_mais_inf(maximos)
    _sem_linhas_vazias(maximos)
    if penalidade is not None:
        # a penalidade vem antes de tudo (é um processador, não um warper, no generate)
        x = _aplicar_penalidade(x, previous_ids, penalidade, era_1d)  # type: ignore[arg-type]
        maximos = np.max(x, axis=-1)
        if np.any(maximos == np.inf):
            raise ValueError(
                f"repetition_penalty = {penalidade!r} (< 1) levou um logit da linha "
                f"{int(np.argmax(maximos == np.inf))} além do maior float ({x.dtype}): a "
                "softmax dessa linha não está definida"
            )
    if ngrama is not None:
        x = _aplicar_ngramas(x, previous_ids, ngrama, era_1d)  # type: ignore[arg-type]
        maximos = np.max(x, axis=-1)
        vazias = maximos == -np.inf
        if np.any(vazias):
            raise ValueError(
                f"no_repeat_ngram_size = {ngrama} proibiu todos os tokens possíveis da linha "
                f"{int(np.argmax(vazias))}: todo token que sobrava repetiria um {ngrama}-grama "
                "de previous_ids; não sobra token para escolher"
            )

    B, V = x.shape
    z = _escalado(x, maximos, tau)  # (B, V) float64, máximo 0 em cada linha
    filtros = (k, massa, fracao, tipica, eps, eta)
    if any(f is not None for f in filtros):
        with np.errstate(over="ignore"):  # z <= 0; abaixo do menor float32, -inf
            filtrados = z.astype(x.dtype, copy=False)
        zeros = np.zeros(B)  # o máximo de cada linha de z é 0
        if k is not None:
            filtrados = _top_k_mantidos(filtrados, min(k, V))
        if massa is not None:
            filtrados = _aplicar_top_p(filtrados, massa, 1, zeros)
        if fracao is not None:
            filtrados = _aplicar_min_p(filtrados, fracao, 1)
        if tipica is not None:
            filtrados = _aplicar_typical(filtrados, tipica, 1, np.max(filtrados, axis=-1))
        if eps is not None:
            filtrados = _aplicar_epsilon(filtrados, eps, 1, np.max(filtrados, axis=-1))
        if eta is not None:
            filtrados = _aplicar_eta(filtrados, eta, 1, np.max(filtrados, axis=-1))
        z = np.where(filtrados == -np.inf, -np.inf, z)
    if metodo == "gumbel":
        tokens = _gumbel_em_blocos(z, n, rng)
    else:
        probs = softmax(z, axis=-1)  # (B, V) float64
        tokens = _inversao(probs, rng.random((B, n)))
    if n == 1:
        tokens = tokens[:, 0]
    return tokens[0] if era_1d else tokens


def _inversao(probs: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Inversão da acumulada: para ``probs`` (B, V) conferidas e ``u`` (B, n) em [0, 1), o
    primeiro token de cada linha com :math:`F > u \\cdot F(V)` (B, n)."""
    acumulada = np.cumsum(probs, axis=-1, dtype=np.float64)  # (B, V)
    alvo = u * acumulada[:, -1:]
    # u < 1 dá u · F(V) < F(V) (também arredondado): o token nunca passa do último de
    # probabilidade positiva, e um token de probabilidade 0 (F igual à do anterior) nunca sai
    return np.stack(
        [np.searchsorted(acumulada[b], alvo[b], side="right") for b in range(probs.shape[0])]
    )


def _gumbel_em_blocos(z: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` sorteios por Gumbel-max de cada linha de ``z`` (B, V), em blocos de até ~2²⁰
    elementos de ruído (o ruído de ``n · V`` números de uma vez não caberia na memória com
    um vocabulário real)."""
    from companion.alternativas import gumbel_max_sample

    B, V = z.shape
    por_bloco = max(1, (1 << 20) // V)
    tokens = np.empty((B, n), dtype=np.intp)
    for b in range(B):
        for inicio in range(0, n, por_bloco):
            m = min(por_bloco, n - inicio)
            tokens[b, inicio : inicio + m] = gumbel_max_sample(np.broadcast_to(z[b], (m, V)), rng)
    return tokens


def inverse_cdf_sample(probs: ArrayLike, u: ArrayLike) -> np.ndarray:
    r"""Amostragem por inversão da distribuição acumulada, determinística dado o ruído ``u``:
    o token é o primeiro :math:`i` com :math:`F_i > u \cdot F_V`.

    Parameters
    ----------
    probs : array_like
        ``(V,)`` ou ``(B, V)``: pesos finitos e maiores ou iguais a 0, com soma positiva em
        cada linha (não precisam somar 1: a acumulada é reescalada pelo total :math:`F_V`).
    u : array_like
        Números em [0, 1) — os uniformes do sorteio. Com ``probs`` ``(V,)``, qualquer formato
        (um sorteio por elemento); com ``(B, V)``, ``(B,)`` (um por linha) ou ``(B, n)``.

    Returns
    -------
    numpy.ndarray
        Os tokens (``intp``), no formato de ``u``.

    Raises
    ------
    TypeError
        Se ``probs`` ou ``u`` não contém números reais.
    ValueError
        Se ``probs`` tem formato errado, ``nan``, ``inf``, um peso negativo ou uma linha de
        soma 0; se ``u`` está fora de [0, 1) ou não combina com ``probs``.

    Notes
    -----
    Com :math:`F_i = \sum_{j \le i} p_j` (somada em ``float64``) e :math:`U` uniforme em
    [0, 1), :math:`P(\text{token} = i) = P(F_{i-1} \le U F_V < F_i) = p_i / F_V`. Um token de
    peso 0 tem :math:`F_i = F_{i-1}` e nunca sai; como :math:`u < 1`, o arredondamento de
    :math:`u \cdot F_V` nunca chega a :math:`F_V`, e o token nunca passa do último de peso
    positivo. É o que :func:`sample` faz por dentro, com ``u = rng.random(...)``; o truque de
    Gumbel-max (:func:`companion.alternativas.gumbel_max_sample`) sorteia da mesma
    distribuição com outro ruído.

    Examples
    --------
    >>> print(inverse_cdf_sample([0.2, 0.5, 0.3], [0.0, 0.19, 0.2, 0.69, 0.7, 0.999]))
    [0 0 1 1 2 2]
    >>> print(inverse_cdf_sample([[1.0, 0.0, 1.0], [0.0, 0.0, 5.0]], [0.5, 0.0]))  # pesos
    [2 2]
    """
    p, _ = como_array_real(probs, "probs")
    if p.ndim not in (1, 2) or p.shape[-1] == 0:
        raise ValueError(
            f"probs deve ter formato (V,) ou (B, V), com V >= 1; recebido formato {p.shape}"
        )
    p2 = p[None, :] if p.ndim == 1 else p
    ruins = ~np.isfinite(p2) | (p2 < 0)
    if np.any(ruins):
        b, i = np.argwhere(ruins)[0]
        raise ValueError(
            f"probs deve conter pesos finitos e >= 0; recebido {float(p2[b, i])!r} na posição "
            f"{(int(i),) if p.ndim == 1 else (int(b), int(i))}"
        )
    totais = np.sum(p2, axis=-1, dtype=np.float64)
    if np.any(totais == 0):
        raise ValueError(
            f"probs: a linha {int(np.argmax(totais == 0))} soma 0; não há token para sortear"
        )
    uu, _ = como_array_real(u, "u")
    if np.any(np.isnan(uu)) or np.any((uu < 0) | (uu >= 1)):
        ruim = uu.ravel()[
            np.flatnonzero(np.isnan(uu.ravel()) | (uu.ravel() < 0) | (uu.ravel() >= 1))[0]
        ]
        raise ValueError(f"u deve estar em [0, 1); recebido {float(ruim)!r}")
    if p.ndim == 1:
        return _inversao(p2, uu.reshape(1, -1).astype(np.float64))[0].reshape(uu.shape)
    B = p.shape[0]
    if uu.ndim not in (1, 2) or uu.shape[0] != B:
        raise ValueError(
            f"u deve ter formato (B,) ou (B, n) para probs de formato (B, V) (B = {B}); "
            f"recebido formato {uu.shape}"
        )
    tokens = _inversao(p2, uu.reshape(B, -1).astype(np.float64))
    return tokens.reshape(uu.shape)


# ---------------------------------------------------------------------------------------------
# Busca em feixe (beam search)


def _ids_do_prompt(input_ids: ArrayLike | None) -> np.ndarray:
    if input_ids is None:
        return np.zeros(0, dtype=np.int64)
    try:
        ids = np.asarray(_de_torch(input_ids, "input_ids"))
    except (ValueError, TypeError, OverflowError):  # listas irregulares, inteiros enormes
        raise ValueError(
            f"input_ids deve ser uma sequência de ids inteiros, formato (t,); recebido "
            f"{descrever(input_ids)}"
        ) from None
    if ids.size and (ids.dtype.kind not in "iu"):
        raise TypeError(f"input_ids deve conter índices inteiros; recebido {descrever(input_ids)}")
    if ids.ndim != 1:
        raise ValueError(
            f"input_ids deve ter formato (t,) (um prompt só); recebido formato {ids.shape}"
        )
    if np.any(ids < 0):
        raise ValueError(f"input_ids deve conter ids >= 0; recebido {int(ids.min())}")
    return ids.astype(np.int64)


def _ids_de_fim(eos_token_id: object) -> np.ndarray:
    if eos_token_id is None:
        return np.zeros(0, dtype=np.int64)
    valores = [eos_token_id] if isinstance(eos_token_id, numbers.Integral) else eos_token_id
    try:
        lista = list(valores)  # type: ignore[arg-type]
    except TypeError:
        lista = [None]
    if not lista or not all(
        isinstance(e, numbers.Integral) and not isinstance(e, (bool, np.bool_)) and e >= 0
        for e in lista
    ):
        raise TypeError(
            "eos_token_id deve ser None, um id inteiro >= 0 ou uma lista de ids; recebido "
            f"{descrever(eos_token_id)}"
        )
    return np.unique(np.array(lista, dtype=np.int64))


def _chamar_passo(step_fn, seqs: np.ndarray, V: int | None) -> np.ndarray:
    """Chama ``step_fn`` e confere a resposta: (B, V) real, sem nan nem +inf, com um logit
    finito por linha; devolve as log-probabilidades (B, V) em ``float64``."""
    resposta = step_fn(seqs.copy())
    nome = f"step_fn(seqs) (com seqs de formato {seqs.shape})"
    valor = _de_torch(resposta, nome)
    x, _ = como_array_real(valor, nome, mascarados_viram=-np.inf)
    B = seqs.shape[0]
    if x.ndim != 2 or x.shape[0] != B or x.shape[1] < 2 or (V is not None and x.shape[1] != V):
        esperado = f"(B, V) = ({B}, {V if V is not None else 'V'})"
        raise ValueError(
            f"{nome} deve devolver logits de formato {esperado}, com V >= 2; recebido formato "
            f"{x.shape}"
        )
    maximos = np.max(x, axis=-1)
    _sem_mais_inf(maximos, nome)
    _sem_linhas_vazias(maximos, nome)
    x64 = x.astype(np.float64)
    # log q = x - max - log Σ e^{x - max}
    deslocados = x64 - maximos.astype(np.float64)[:, None]
    return deslocados - np.log(np.sum(np.exp(deslocados), axis=-1, keepdims=True))


def beam_search(
    step_fn,
    beams: int,
    max_len: int,
    length_penalty: float = 1.0,
    *,
    input_ids: ArrayLike | None = None,
    eos_token_id: int | list[int] | None = None,
    early_stopping: bool | str = False,
    no_repeat_ngram_size: int | None = None,
    repetition_penalty: float | None = None,
) -> tuple[list[np.ndarray], np.ndarray]:
    r"""Busca em feixe (*beam search*) com as regras do ``generate(num_beams=...,
    do_sample=False)`` do Hugging Face transformers 5.23.

    Parameters
    ----------
    step_fn : callable
        ``step_fn(seqs)`` recebe as sequências em curso, um ``numpy.ndarray`` de inteiros de
        formato ``(beams, t)`` (o prompt e os tokens gerados até aqui), e devolve os logits do
        próximo token, ``(beams, V)``. Sempre recebe ``beams`` linhas (no primeiro passo, todas
        iguais ao prompt), como o modelo no ``generate``.
    beams : int
        O número de feixes :math:`k` (``num_beams``), >= 1.
    max_len : int
        Quantos tokens gerar no máximo, >= 1 (``max_new_tokens``; o prompt não conta).
    length_penalty : float, opcional
        O expoente :math:`\alpha` da normalização pelo comprimento, um número finito. Padrão:
        1 (média das log-probabilidades por token); 0 compara as somas; maior que 0 favorece
        hipóteses longas; menor que 0, curtas.
    input_ids : array_like de int, opcional
        O prompt, ``(t,)``. Padrão: vazio (``step_fn`` recebe ``(beams, 0)`` no primeiro
        passo).
    eos_token_id : int ou lista de int, opcional
        O(s) token(s) de fim: uma hipótese que o gera termina. Padrão: nenhum (todas as
        hipóteses têm ``max_len`` tokens).
    early_stopping : {True, False, "never"}, opcional
        ``True``: pára assim que há ``beams`` hipóteses terminadas. ``False`` (padrão): pára
        quando a melhor hipótese em curso, com a pontuação de agora, já não bate a pior
        terminada (a heurística do Hugging Face). ``"never"``: com :math:`\alpha > 0`, estima
        a melhor pontuação possível com o comprimento máximo (a busca canônica).
    no_repeat_ngram_size : int, opcional
        Inteiro >= 0: em cada feixe, proíbe os tokens que repetiriam um n-grama da sua própria
        sequência, prompt incluído (:func:`no_repeat_ngram`). ``None`` ou 0 desliga.
    repetition_penalty : float, opcional
        Maior que 0: em cada feixe, multiplica por ``repetition_penalty`` a log-probabilidade
        (sempre <= 0) dos tokens da sua sequência, prompt incluído
        (:func:`repetition_penalty`). ``None`` ou 1 não muda nada.

    Returns
    -------
    tuple
        ``(sequencias, pontuacoes)``: a lista das hipóteses terminadas, a melhor primeiro —
        cada uma um array ``int64`` com o prompt, os tokens gerados e o ``eos`` (se houve) —,
        e as suas pontuações (``float64``), decrescentes. Até ``beams`` hipóteses (menos se não
        há tantas sequências possíveis; nenhuma, se ``no_repeat_ngram_size`` proíbe todas).

    Raises
    ------
    TypeError
        Se ``step_fn`` não é chamável, ou um parâmetro tem o tipo errado.
    ValueError
        Se um parâmetro está fora do intervalo, ou ``step_fn`` devolve logits de formato
        errado, com ``nan`` ou ``+inf``, ou uma linha toda ``-inf``; ou um ``eos_token_id``
        fora do vocabulário.

    Notes
    -----
    A pontuação de uma hipótese em curso é a soma das log-probabilidades dos seus tokens,
    :math:`s = \sum_t \log q_t(y_t)`; a de uma hipótese terminada (pelo ``eos`` ou por chegar
    a ``max_len``) é :math:`s / L^{\alpha}`, com :math:`L` o número de tokens gerados
    (contando o ``eos``). A cada passo, das :math:`k \cdot V` continuações, as
    :math:`2k` melhores (:math:`(1 + n_{\text{eos}})k`, com vários ``eos``) são
    candidatas: as que terminam entram nas terminadas só se estão entre as :math:`k`
    primeiras, e as :math:`k` melhores que não terminam seguem em curso. As :math:`k` melhores
    terminadas ficam. As contas são em ``float64`` (o ``generate`` as faz em ``float32``); os
    empates vão para o menor índice (no ``generate``, ``torch.topk`` não garante a ordem).

    Como no ``generate``, a penalidade de repetição e o bloqueio de n-gramas (nessa ordem) são
    aplicados às log-probabilidades :math:`\log q_t`, depois da softmax, e não as
    renormalizam: um token proibido some, e a massa dele não passa aos outros.

    Examples
    --------
    Um modelo de brinquedo em que o guloso erra: o token 0 é o melhor primeiro (0,59 contra
    0,4), mas depois dele tudo é incerto, e depois do 1 vem o 2 quase certo.

    >>> q = {(): [0.59, 0.4, 0.01], (0,): [0.34, 0.33, 0.33], (1,): [0.01, 0.01, 0.98]}
    >>> passo = lambda seqs: np.log([q[tuple(s)] for s in seqs])
    >>> seqs, pontuacoes = beam_search(passo, beams=2, max_len=2, length_penalty=0.0)
    >>> print(seqs[0], round(float(np.exp(pontuacoes[0])), 3))   # 0,4 · 0,98
    [1 2] 0.392
    >>> seqs, _ = beam_search(passo, beams=1, max_len=2)          # um feixe: o guloso
    >>> print(seqs[0])
    [0 0]
    """
    if not callable(step_fn):
        raise TypeError(
            "step_fn deve ser uma função seqs (beams, t) -> logits (beams, V); recebido "
            f"{descrever(step_fn)}"
        )
    k = _inteiro_positivo(beams, "beams")
    n_max = _inteiro_positivo(max_len, "max_len")
    if isinstance(length_penalty, (bool, np.bool_)) or not isinstance(length_penalty, numbers.Real):
        raise TypeError(
            f"length_penalty deve ser um número real; recebido {descrever(length_penalty)}"
        )
    alfa = float(length_penalty)
    if not np.isfinite(alfa):
        raise ValueError(f"length_penalty deve ser um número finito; recebido {alfa!r}")
    if isinstance(early_stopping, np.bool_):
        early_stopping = bool(early_stopping)
    if not (early_stopping is True or early_stopping is False or early_stopping == "never"):
        raise ValueError(
            f'early_stopping deve ser True, False ou "never"; recebido {descrever(early_stopping)}'
        )
    ngrama = None
    if no_repeat_ngram_size is not None:
        ngrama = _tamanho_de_ngrama_ou_zero(no_repeat_ngram_size, "no_repeat_ngram_size") or None
    penalidade = None
    if repetition_penalty is not None:
        penalidade = real_positivo_finito(repetition_penalty, "repetition_penalty")
        penalidade = None if penalidade == 1.0 else penalidade
    prompt = _ids_do_prompt(input_ids)
    fins = _ids_de_fim(eos_token_id)
    n_candidatos = max(2, 1 + fins.size) * k

    em_curso = np.tile(prompt, (k, 1))  # (k, t)
    pontos_em_curso = np.full(k, -np.inf)
    pontos_em_curso[0] = 0.0  # no começo, os k feixes são o mesmo prompt: só um conta
    terminadas: list[np.ndarray | None] = [None] * k
    pontos_terminadas = np.full(k, -np.inf)
    terminada = np.zeros(k, dtype=bool)
    melhora_possivel = True
    V = None
    for passo in range(n_max):
        log_q = _chamar_passo(step_fn, em_curso, V)  # (k, V)
        if V is None:
            V = log_q.shape[1]
            n_candidatos = min(n_candidatos, k * V)  # com todo token um eos, há só k·V
            if np.any(fins >= V):
                raise ValueError(
                    f"eos_token_id fora do vocabulário: recebido {int(fins.max())}; os tokens "
                    f"vão de 0 a {V - 1}"
                )
            if (ngrama is not None or penalidade is not None) and np.any(prompt >= V):
                raise ValueError(
                    f"input_ids fora do vocabulário: recebido {int(prompt.max())}; os tokens "
                    f"vão de 0 a {V - 1} (com no_repeat_ngram_size ou repetition_penalty)"
                )
        if penalidade is not None:
            log_q = _aplicar_penalidade(log_q, em_curso, penalidade, False)
        if ngrama is not None:
            log_q = _aplicar_ngramas(log_q, em_curso, ngrama, False)
        acumuladas = (log_q + pontos_em_curso[:, None]).ravel()  # (k·V,): s + log q
        with np.errstate(invalid="ignore"):
            candidatos = np.argsort(-acumuladas, kind="stable")[:n_candidatos]
        pontos = acumuladas[candidatos]  # decrescentes
        feixe, token = candidatos // V, candidatos % V
        seqs = np.concatenate([em_curso[feixe], token[:, None]], axis=1)
        # termina: gerou um eos ou chegou a max_len
        termina = np.isin(token, fins) | (passo + 1 >= n_max)

        # os k melhores que não terminam seguem em curso
        pontos_continuam = np.where(termina, -np.inf, pontos)
        seguem = np.argsort(-pontos_continuam, kind="stable")[:k]

        # as terminadas: só as k primeiras candidatas, com a pontuação s / L^α
        entra = termina & (np.arange(n_candidatos) < k)
        if (early_stopping is True and terminada.all()) or not melhora_possivel:
            entra[:] = False
        normalizados = np.where(entra, pontos / float(passo + 1) ** alfa, -np.inf)
        juntas = np.concatenate([pontos_terminadas, normalizados])
        ficam = np.argsort(-juntas, kind="stable")[:k]
        todas = terminadas + [seqs[i] for i in range(n_candidatos)]
        terminadas = [todas[i] for i in ficam]
        pontos_terminadas = juntas[ficam]
        terminada = np.concatenate([terminada, entra])[ficam]

        em_curso, pontos_em_curso = seqs[seguem], pontos_continuam[seguem]

        # a heurística de parada: a melhor em curso ainda pode passar a pior terminada?
        if early_stopping == "never" and alfa > 0:
            comprimento = n_max
        else:
            comprimento = passo + 1
        melhor_possivel = pontos_em_curso[0] / float(comprimento) ** alfa
        pior = np.where(terminada, np.min(pontos_terminadas), -np.inf)
        melhora_possivel = melhora_possivel and bool(np.any(melhor_possivel > pior))
        if not melhora_possivel or (early_stopping is True and terminada.all()) or termina.all():
            break
    validas = [i for i in range(k) if terminada[i] and np.isfinite(pontos_terminadas[i])]
    return [terminadas[i] for i in validas], pontos_terminadas[validas]  # type: ignore[misc]
