"""Amostragem da cabeça de um modelo de linguagem: processadores de logits e decodificação.

Os processadores seguem a semântica dos *logits processors* do Hugging Face transformers:
recebem logits ``(V,)`` ou ``(B, V)`` e devolvem logits do mesmo formato, com ``-inf`` nos
tokens removidos. A decodificação aplica-os na ordem do ``generate`` do Hugging Face:
temperatura, top-k, top-p, min-p. ``tests/test_sampling_transformers.py`` compara cada
processador com o *warper* correspondente do transformers.

Regras comuns a todas as funções do módulo:

- **nan**: recusado em toda parte, com um ``ValueError`` que diz a linha. Um ``nan`` não tem
  ordem nem probabilidade; o torch o deixaria passar (``TopKLogitsWarper`` o trata como o maior
  logit, a temperatura o propaga, ``argmax`` o escolhe), o que seria uma resposta errada em
  silêncio.
- **-inf**: um token proibido (probabilidade 0). Uma linha só de ``-inf`` passa pelos
  processadores como está (como no Hugging Face); :func:`greedy` e :func:`sample` a recusam,
  pois não sobra token para escolher.
- **+inf**: aceito onde o resultado só depende da ordem ou da aritmética de cada elemento
  (:func:`temperature`, :func:`top_k`, :func:`repetition_penalty`, :func:`greedy`), com o
  resultado do torch; recusado onde é preciso a softmax (:func:`top_p`, :func:`min_p`,
  :func:`sample`), pois a softmax de uma linha com ``+inf`` não existe (o torch dá ``nan``).
- **Máscaras**: um ``numpy.ma.MaskedArray`` de logits é aceito, e as entradas mascaradas
  valem ``-inf`` (tokens proibidos); a saída é um ``ndarray`` comum. Em ``previous_ids``, as
  entradas mascaradas não contam (o enchimento de sequências de comprimentos diferentes).
- **Tensores do torch** (só da CPU) são aceitos: convertidos sem gradiente (``detach``), e um
  ``bfloat16``, que o numpy não tem, é calculado e devolvido em ``float32``. A saída é numpy.
- **Empates**: no top-k, todo token empatado com o k-ésimo maior logit fica (a regra do
  Hugging Face, ``scores < késimo``); onde só parte de um grupo de empatados cabe (top-p,
  ``min_tokens_to_keep``), ficam os de menor índice; no guloso, vence o primeiro índice, como
  em ``argmax``. No Hugging Face, quais empatados ficam não é um contrato: depende da ordem de
  ``torch.sort``/``torch.topk``, que não é estável.
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
    return _devolver(saida, dtype_saida, era_1d)


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
    rng: np.random.Generator | None = None,
    num_samples: int = 1,
) -> np.ndarray:
    r"""Sorteia tokens da distribuição filtrada, na ordem do Hugging Face: temperatura, top-k,
    top-p, min-p, softmax.

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
        Se um parâmetro está fora do intervalo, ou uma linha de logits tem ``nan`` ou ``+inf``
        ou é toda ``-inf``.

    Notes
    -----
    A temperatura é aplicada como :math:`(x - \max x)/\tau`, que dá a mesma distribuição que
    :math:`x/\tau` sem estourar: uma temperatura de 1e-308 ou logits perto de 1e308 dão a
    distribuição certa (no limite, uniforme entre os empatados no máximo), nunca um ``+inf``
    nem um token de probabilidade 0. Os filtros são aplicados a esses logits, no dtype dos
    logits (como no ``generate``, que os aplica em ``float32``); as probabilidades do sorteio
    são calculadas em ``float64``. Um token de probabilidade 0 nunca é sorteado.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> print(sample([0.0, 10.0, 0.0], rng=rng, num_samples=5))
    [1 1 1 1 1]
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

    B, V = x.shape
    z = _escalado(x, maximos, tau)  # (B, V) float64, máximo 0 em cada linha
    if k is not None or massa is not None or fracao is not None:
        with np.errstate(over="ignore"):  # z <= 0; abaixo do menor float32, -inf
            filtrados = z.astype(x.dtype, copy=False)
        if k is not None:
            filtrados = _top_k_mantidos(filtrados, min(k, V))
        if massa is not None:
            filtrados = _aplicar_top_p(filtrados, massa, 1, np.zeros(B))
        if fracao is not None:
            filtrados = _aplicar_min_p(filtrados, fracao, 1)
        z = np.where(filtrados == -np.inf, -np.inf, z)
    probs = softmax(z, axis=-1)  # (B, V) float64
    # inversão da distribuição acumulada: u ~ U[0, 1), token = primeiro com F(token) > u
    acumulada = np.cumsum(probs, axis=-1)
    u = rng.random((B, n)) * acumulada[:, -1:]
    # u < 1 dá u · F(V) < F(V) (também arredondado): o token nunca passa do último de
    # probabilidade positiva, e um token de probabilidade 0 (F igual à do anterior) nunca sai
    tokens = np.stack([np.searchsorted(acumulada[b], u[b], side="right") for b in range(B)])
    if n == 1:
        tokens = tokens[:, 0]
    return tokens[0] if era_1d else tokens
