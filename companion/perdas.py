"""Funções de perda: entropia cruzada, log-verossimilhança negativa e entropia cruzada binária.

Semântica do PyTorch (``torch.nn.functional``), opção por opção: formatos ``(C,)``, ``(N, C)`` e
``(N, C, d1, ..., dk)`` com as classes no eixo 1; alvos como índices de classe ou como
probabilidades; pesos por classe; ``ignore_index``; suavização de rótulos (*label smoothing*);
reduções ``"mean"``, ``"sum"`` e ``"none"``.

Logits, alvos e pesos podem ser arrays, listas ou tensores do torch de CPU (convertidos, sem o
autograd); arrays mascarados são recusados (ver :mod:`companion._validacao`). Onde o SciPy é
mais exato que o PyTorch, estas perdas também são: a entropia cruzada usa a ``log_softmax`` com
``log1p`` (``cross_entropy([[0, -40]], [0])`` dá ``4,25e-18``, não 0), e a binária a partir de
logits soma dois termos não negativos, sem cancelamento.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from companion._validacao import como_array_real, converter_array, descrever
from companion.softmax import log_softmax, maximo_e_log1p

__all__ = [
    "cross_entropy",
    "nll_loss",
    "binary_cross_entropy_with_logits",
    "binary_cross_entropy",
]

_REDUCOES = ("mean", "sum", "none")


# ---------------------------------------------------------------------------------------------
# Validação e preparação comuns (também usadas pelos gradientes em companion.gradientes)


def validar_reducao(reduction: object) -> str:
    if reduction not in _REDUCOES:
        raise ValueError(f"reduction deve ser 'mean', 'sum' ou 'none'; recebido {reduction!r}")
    return reduction  # type: ignore[return-value]


def _eixo_das_classes(entrada: np.ndarray, nome: str) -> int:
    if entrada.ndim == 0:
        raise ValueError(
            f"{nome} deve ter formato (C,), (N, C) ou (N, C, d1, ..., dk); recebido um escalar"
        )
    return 0 if entrada.ndim == 1 else 1


def _pesos(weight: ArrayLike | None, n_classes: int, dtype: np.dtype) -> np.ndarray | None:
    if weight is None:
        return None
    w, _ = como_array_real(weight, "weight")
    if w.shape != (n_classes,):
        raise ValueError(
            f"weight deve ter um peso por classe, formato ({n_classes},); "
            f"recebido formato {w.shape}"
        )
    return w.astype(dtype, copy=False)


def _suavizacao(label_smoothing: object) -> float:
    if type(label_smoothing) is float and 0.0 <= label_smoothing <= 1.0:  # o caso comum
        return label_smoothing
    if isinstance(label_smoothing, (bool, np.bool_)) or not isinstance(
        label_smoothing, numbers.Real
    ):
        raise TypeError(
            f"label_smoothing deve ser um número entre 0 e 1; recebido {descrever(label_smoothing)}"
        )
    try:
        eps = float(label_smoothing)
    except OverflowError:  # um int do Python maior que o maior float64
        eps = math.inf
    if not 0.0 <= eps <= 1.0:
        raise ValueError(
            f"label_smoothing deve estar entre 0 e 1; recebido {descrever(label_smoothing)}"
        )
    return eps


@dataclass(frozen=True)
class AlvoDeClasses:
    """Alvos como índices de classe, já conferidos."""

    indices: np.ndarray  # inteiros, formato da entrada sem o eixo das classes
    validos: np.ndarray  # booleano: False onde o alvo é ignore_index
    seguros: np.ndarray  # índices com os ignorados trocados por 0 (para indexar)


_INT64 = np.iinfo(np.int64)


def validar_ignore_index(ignore_index: object) -> int:
    """``ignore_index`` é um inteiro de 64 bits (como no torch, que recusa float, bool e None)."""
    if type(ignore_index) is int and _INT64.min <= ignore_index <= _INT64.max:  # o caso comum
        return ignore_index
    if isinstance(ignore_index, (bool, np.bool_)) or not isinstance(ignore_index, numbers.Integral):
        raise TypeError(
            f"ignore_index deve ser um inteiro (como no torch); recebido {descrever(ignore_index)}"
        )
    valor = int(ignore_index)
    if not _INT64.min <= valor <= _INT64.max:
        raise ValueError(
            f"ignore_index deve caber num inteiro de 64 bits, como no torch; recebido {valor}"
        )
    return valor


def preparar_alvo(
    entrada: np.ndarray,
    target: ArrayLike,
    eixo: int,
    ignore_index: int,
    nome_entrada: str | None = None,
) -> AlvoDeClasses | np.ndarray:
    """Confere ``target``: devolve :class:`AlvoDeClasses` ou o array de probabilidades.

    ``nome_entrada`` é o nome do parâmetro da entrada (``"logits"``, ``"log_probs"``), para que
    um formato que não combina nomeie os dois lados.
    """
    ignore_index = validar_ignore_index(ignore_index)
    alvo = converter_array(target, "target")
    # "de logits" / "da entrada", e "logits" / "a entrada", para as mensagens
    de_entrada = f"de {nome_entrada}" if nome_entrada else "da entrada"
    entrada_nome = nome_entrada or "a entrada"
    n_classes = entrada.shape[eixo]
    if alvo.dtype.kind == "f" and alvo.shape == entrada.shape:
        if ignore_index != -100:
            # como no torch: ignore_index não faz sentido com probabilidades
            raise ValueError(
                "ignore_index só vale para alvos com índices de classe; com probabilidades por "
                f"classe deixe o padrão (-100); recebido {ignore_index!r}"
            )
        return alvo.astype(entrada.dtype, copy=False)  # probabilidades por classe
    esperado = entrada.shape[:eixo] + entrada.shape[eixo + 1 :]
    if alvo.dtype.kind not in "iu":
        if alvo.dtype.kind == "f":
            raise TypeError(
                "target deve conter índices de classe inteiros (formato "
                f"{esperado}) ou probabilidades float com o formato {de_entrada} "
                f"{entrada.shape}; recebido float com formato {alvo.shape}"
            )
        raise TypeError(
            f"target deve conter índices de classe inteiros; recebido {descrever(target)}"
        )
    if alvo.shape != esperado:
        raise ValueError(
            f"target com índices de classe deve ter formato {esperado} (o {de_entrada}, "
            f"{entrada.shape}, sem o eixo das classes); recebido formato {alvo.shape}"
        )
    validos = alvo != ignore_index
    fora = validos & ((alvo < 0) | (alvo >= n_classes))
    if fora.any():
        posicao = tuple(int(i) for i in np.argwhere(fora)[0])
        valor = int(alvo[posicao])
        onde = f"na posição {posicao}" if posicao else "(alvo escalar)"
        if n_classes == 0:
            raise ValueError(
                f"target fora do intervalo {onde}: recebido {valor}; {entrada_nome} tem 0 "
                f"classes (formato {entrada.shape}), então todo alvo deve ser "
                f"ignore_index={ignore_index}"
            )
        raise ValueError(
            f"target fora do intervalo {onde}: recebido {valor}; as classes válidas vão de 0 a "
            f"{n_classes - 1} (ou ignore_index={ignore_index}): {entrada_nome} tem {n_classes} "
            "classes"
        )
    seguros = np.where(validos, alvo, 0).astype(np.intp)
    return AlvoDeClasses(alvo, validos, seguros)


def pesos_dos_alvos(alvo: AlvoDeClasses, w: np.ndarray | None, dtype: np.dtype) -> np.ndarray:
    """O peso da classe-alvo de cada posição (1 sem pesos), e 0 nas posições ignoradas."""
    peso = np.ones(alvo.indices.shape, dtype) if w is None else w[alvo.seguros]
    return np.where(alvo.validos, peso, 0).astype(dtype)


def escolher(mapa: np.ndarray, indices: np.ndarray, eixo: int) -> np.ndarray:
    """``mapa[..., indices, ...]`` ao longo de ``eixo``: o valor da classe-alvo de cada posição."""
    if mapa.shape[eixo] == 0:  # zero classes: todo alvo é ignore_index, e o valor não conta
        return np.zeros(indices.shape, dtype=mapa.dtype)
    return np.take_along_axis(mapa, np.expand_dims(indices, eixo), axis=eixo).squeeze(eixo)


def expandir_pesos(w: np.ndarray, ndim: int, eixo: int) -> np.ndarray:
    """Os pesos por classe com o formato (1, C, 1, ..., 1) para o broadcast com a entrada."""
    formato = [1] * ndim
    formato[eixo] = w.size
    return w.reshape(formato)


def _reduzir(perdas: np.ndarray, reducao: str, divisor: float | np.ndarray) -> np.ndarray:
    if reducao == "none":
        return perdas
    total = np.add.reduce(perdas, axis=None)
    if reducao == "sum":
        return total
    # média ponderada; todos os alvos ignorados dá 0/0 = nan, como no torch (e um peso infinito,
    # inf/inf = nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / divisor


# ---------------------------------------------------------------------------------------------
# Perdas multiclasse


def nll_loss(
    log_probs: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> np.ndarray:
    r"""Log-verossimilhança negativa, como ``torch.nn.functional.nll_loss``.

    Parameters
    ----------
    log_probs : array_like
        Log-probabilidades, formato ``(C,)``, ``(N, C)`` ou ``(N, C, d1, ..., dk)``. Num array
        mascarado (``numpy.ma``), uma posição mascarada vale ``-inf`` (probabilidade zero).
    target : array_like de int
        Índice da classe certa de cada posição: formato ``()``, ``(N,)`` ou
        ``(N, d1, ..., dk)``.
    weight : array_like, opcional
        Peso de cada classe, formato ``(C,)``.
    ignore_index : int, opcional
        Alvos com este valor não contam (nem no numerador nem no denominador). Um inteiro, como
        no torch (``float``, ``bool`` e ``None`` são recusados). Padrão: -100.
    reduction : {"mean", "sum", "none"}, opcional
        ``"mean"`` divide pela soma dos pesos dos alvos não ignorados.

    Returns
    -------
    numpy.ndarray
        A perda (escalar, ou uma por posição com ``"none"``).

    Raises
    ------
    TypeError
        Se ``target`` não é inteiro, ``log_probs`` não é numérico ou ``ignore_index`` não é
        inteiro.
    ValueError
        Se um alvo está fora do intervalo, os formatos não combinam, ``weight`` não tem um peso
        por classe ou ``reduction`` é desconhecida.

    Notes
    -----
    .. math::

        \ell_n = -w_{y_n}\, \log p_{n, y_n}, \qquad
        \mathcal{L}_{\text{mean}} = \frac{\sum_n \ell_n}{\sum_{n : y_n \ne \text{ignore}} w_{y_n}} .

    Como no torch 2.13: todos os alvos ignorados (ou zero exemplos) dão ``nan`` com
    ``"mean"`` e 0 com ``"sum"``; com zero classes todo alvo precisa ser ``ignore_index``.

    Examples
    --------
    >>> print(nll_loss(np.log([[0.7, 0.2, 0.1]]), np.array([0])))
    0.35667494393873245
    """
    logp, dtype_saida = como_array_real(log_probs, "log_probs", mascarados_viram=-np.inf)
    reducao = validar_reducao(reduction)
    eixo = _eixo_das_classes(logp, "log_probs")
    alvo = preparar_alvo(logp, target, eixo, ignore_index, "log_probs")
    if not isinstance(alvo, AlvoDeClasses):
        raise TypeError("target de nll_loss deve conter índices de classe inteiros")
    w = _pesos(weight, logp.shape[eixo], logp.dtype)
    peso_alvo = pesos_dos_alvos(alvo, w, logp.dtype)
    perdas = -peso_alvo * escolher(logp, alvo.seguros, eixo)
    perdas = np.where(alvo.validos, perdas, 0).astype(logp.dtype)
    return np.asarray(_reduzir(perdas, reducao, peso_alvo.sum())).astype(dtype_saida)[()]


def preparar_entropia_cruzada(logits, target, weight, ignore_index, reduction, label_smoothing):
    """Confere e prepara os argumentos da entropia cruzada (e do seu gradiente).

    Returns
    -------
    tuple
        ``(x, dtype_saida, reducao, eps, eixo, alvo, w)``.
    """
    x, dtype_saida = como_array_real(logits, "logits", mascarados_viram=-np.inf)
    reducao = validar_reducao(reduction)
    eps = _suavizacao(label_smoothing)
    eixo = _eixo_das_classes(x, "logits")
    alvo = preparar_alvo(x, target, eixo, ignore_index, "logits")
    w = _pesos(weight, x.shape[eixo], x.dtype)
    return x, dtype_saida, reducao, eps, eixo, alvo, w


def cross_entropy(
    logits: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> np.ndarray:
    r"""Entropia cruzada entre logits e alvos, como ``torch.nn.functional.cross_entropy``.

    Parameters
    ----------
    logits : array_like
        Logits (não probabilidades!), formato ``(C,)``, ``(N, C)`` ou ``(N, C, d1, ..., dk)``,
        com as classes no eixo 1 (no eixo 0 para ``(C,)``). Arrays, listas ou tensores do torch
        de CPU; num array mascarado, uma classe mascarada tem logit ``-inf``.
    target : array_like
        Índices de classe (inteiros, formato da entrada sem o eixo das classes) ou
        probabilidades por classe (float, o mesmo formato da entrada).
    weight : array_like, opcional
        Peso de cada classe, formato ``(C,)``.
    ignore_index : int, opcional
        Só para índices de classe: alvos com este valor não contam. Um inteiro, como no torch.
        Padrão: -100.
    reduction : {"mean", "sum", "none"}, opcional
        Com índices de classe, ``"mean"`` divide pela soma dos pesos dos alvos não ignorados;
        com probabilidades, pelo número de posições.
    label_smoothing : float, opcional
        :math:`\varepsilon \in [0, 1]`: o alvo vira :math:`(1 - \varepsilon)\,y + \varepsilon / C`.

    Returns
    -------
    numpy.ndarray
        A perda (escalar, ou uma por posição com ``"none"``).

    Raises
    ------
    TypeError
        Se ``target`` não é inteiro nem float, se ``ignore_index`` não é inteiro ou se
        ``label_smoothing`` não é número.
    ValueError
        Se um alvo está fora do intervalo, os formatos não combinam, ``weight`` não tem um peso
        por classe, ``label_smoothing`` está fora de [0, 1] ou ``reduction`` é desconhecida.

    Notes
    -----
    É ``nll_loss(log_softmax(logits, axis=1), target)`` quando não há suavização:

    .. math::

        \ell_n = -\sum_c w_c\, q_{n,c} \log \operatorname{softmax}(x_n)_c,

    com :math:`q_n` o alvo one-hot (ou as probabilidades dadas), suavizado por
    :math:`\varepsilon`. Com índices de classe e pesos, a parte suavizada é
    :math:`\frac{\varepsilon}{C}\sum_c w_c (-\log p_{n,c})`, e a média divide as duas partes
    pela mesma soma dos pesos dos alvos, como no PyTorch.

    A log-softmax é a de :func:`companion.log_softmax` (com ``log1p``): a perda de um exemplo
    quase certo sai com erro relativo pequeno (``[[0, -40]]`` com alvo 0 dá
    :math:`4{,}25 \times 10^{-18}`; o PyTorch dá 0). Com índices de classe, sem suavização e
    as classes no último eixo, só o logsumexp de cada linha e o logit do alvo são calculados.

    Casos de borda, como no torch 2.13: um ``+inf`` na linha dá ``nan``; todos os alvos
    ignorados dão ``nan`` com ``"mean"``; com zero classes, todo alvo precisa ser
    ``ignore_index`` e a perda é 0 por posição (``nan`` com suavização, e com ``"mean"``).

    Examples
    --------
    >>> logits = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]])
    >>> print(round(float(cross_entropy(logits, np.array([0, 1]))), 6))
    0.31854
    """
    x, dtype_saida, reducao, eps, eixo, alvo, w = preparar_entropia_cruzada(
        logits, target, weight, ignore_index, reduction, label_smoothing
    )
    if isinstance(alvo, AlvoDeClasses) and eps == 0 and eixo == x.ndim - 1 and x.size:
        # (C,) ou (N, C) sem suavização: só o logsumexp de cada linha e o logit do alvo
        resultado = _ce_indices_por_linhas(x, alvo, w, reducao)
        return np.asarray(resultado).astype(dtype_saida)[()]
    with np.errstate(invalid="ignore", over="ignore"):
        logp = log_softmax(x, axis=eixo)
        if isinstance(alvo, AlvoDeClasses):
            resultado = _ce_indices(logp, alvo, w, eixo, eps, reducao)
        else:
            resultado = _ce_probabilidades(logp, alvo, w, eixo, eps, reducao)
    return np.asarray(resultado).astype(dtype_saida)[()]


def _ce_indices_por_linhas(x, alvo: AlvoDeClasses, w, reducao):
    r"""Entropia cruzada com índices e classes no último eixo, sem montar a log_softmax inteira.

    :math:`-\log p_{n,y} = (m_n - x_{n,y}) + \log(1 + \sum_{i \ne i^*} e^{x_{n,i} - m_n})`:
    os mesmos arredondamentos da log-softmax no alvo, sem escrever as outras ``C - 1``.
    """
    planas = x.reshape(-1, x.shape[-1])  # (N, C)
    x_max, c = maximo_e_log1p(planas)  # (N, 1) cada
    validos = alvo.validos.reshape(-1)  # (N,)
    x_alvo = planas[np.arange(planas.shape[0]), alvo.seguros.reshape(-1)]  # (N,)
    peso_alvo = validos if w is None else pesos_dos_alvos(alvo, w, x.dtype).reshape(-1)
    with np.errstate(invalid="ignore", over="ignore"):  # inf - inf e 0·inf: nan, como no torch
        nll = x_max[:, 0] - x_alvo
        nll += c[:, 0]  # -log p_y = (m - x_y) + c
        if w is not None:
            nll *= peso_alvo
    perdas = np.where(validos, nll, 0).reshape(alvo.indices.shape)  # 0 nos ignorados
    divisor = peso_alvo.sum(dtype=x.dtype) if reducao == "mean" else 1.0
    return _reduzir(perdas, reducao, divisor)


def _ce_indices(logp, alvo: AlvoDeClasses, w, eixo, eps, reducao):
    n_classes = logp.shape[eixo]
    peso_alvo = pesos_dos_alvos(alvo, w, logp.dtype)
    # -w_y log p_y, zero nos ignorados
    nll = np.where(alvo.validos, -peso_alvo * escolher(logp, alvo.seguros, eixo), 0)
    denominador = peso_alvo.sum()
    perda = (1 - eps) * _reduzir(nll.astype(logp.dtype), reducao, denominador)
    if eps > 0:
        # parte suavizada: Σ_c w_c (-log p_c) / C, também zero nos ignorados
        ponderado = logp if w is None else logp * expandir_pesos(w, logp.ndim, eixo)
        suave = np.where(alvo.validos, -ponderado.sum(axis=eixo), 0).astype(logp.dtype)
        # com zero classes, ε/C = inf e 0·inf = nan em toda posição, como no torch
        perda = perda + _reduzir(suave, reducao, denominador) * _razao(eps, n_classes)
    return perda


def _razao(eps: float, n_classes: int) -> np.float64:
    """ε / C, sem ZeroDivisionError: com zero classes dá inf, e o resultado nan, como no torch."""
    with np.errstate(divide="ignore"):
        return np.float64(eps) / np.float64(n_classes)


def _ce_probabilidades(logp, alvo, w, eixo, eps, reducao):
    n_classes = logp.shape[eixo]
    q = alvo * (1 - eps) + _razao(eps, n_classes).astype(logp.dtype) if eps > 0 else alvo
    termos = logp * q if w is None else logp * q * expandir_pesos(w, logp.ndim, eixo)
    perdas = -termos.sum(axis=eixo)
    # a média é pelo número de posições (N·d1·...·dk), não pelos pesos
    return _reduzir(perdas, reducao, logp.size / n_classes if logp.size else np.nan)


# ---------------------------------------------------------------------------------------------
# Perdas binárias


def _par_binario(entrada, target, weight, nome):
    """Confere as entradas de uma perda binária: ``(x, y, w, dtype_saida)``.

    Com ``nome == "probs"`` (a entropia cruzada binária a partir de probabilidades), ``target``
    precisa estar em [0, 1], como no torch, que recusa alvos fora dele (``nan`` e ``inf``
    incluídos); a partir de logits o torch não confere os alvos, e o companion também não.
    """
    x, dtype_saida = como_array_real(entrada, nome)
    y, _ = como_array_real(target, "target")
    if y.shape != x.shape:
        raise ValueError(
            f"target deve ter o formato de {nome}, {x.shape}; recebido formato {y.shape}"
        )
    if nome == "probs":
        _em_zero_um(y, "target")
    w = None if weight is None else _peso_por_posicao(weight, "weight", x.shape)
    return x, y.astype(x.dtype, copy=False), w, dtype_saida


def _em_zero_um(valores: np.ndarray, nome: str) -> None:
    fora = ~((valores >= 0) & (valores <= 1))  # nan também fica fora
    if np.any(fora):
        posicao = tuple(int(i) for i in np.argwhere(fora)[0])
        onde = f" na posição {posicao}" if posicao else ""
        raise ValueError(
            f"{nome} deve estar em [0, 1], como no torch; recebido "
            f"{float(valores[posicao])!r}{onde}"
        )


def _peso_por_posicao(peso: ArrayLike, nome: str, formato: tuple[int, ...]) -> np.ndarray:
    """Um peso que se expande (broadcast) até ``formato`` — nunca além dele: um peso maior que a
    entrada aumentaria o formato da perda em silêncio (o torch recusa)."""
    w, _ = como_array_real(peso, nome)
    try:
        comum = np.broadcast_shapes(w.shape, formato)
    except ValueError:
        comum = None
    if comum != formato:
        raise ValueError(
            f"{nome} deve ter um formato que se expanda (broadcast) até o da entrada, "
            f"{formato}; recebido formato {w.shape}"
        )
    return w


def _finalizar_binaria(perdas, w, reducao, dtype_saida):
    """Pesos por posição, redução (a média é sobre todas as posições) e o dtype de saída."""
    if w is not None:
        perdas = perdas * w
    with np.errstate(invalid="ignore"):
        resultado = _reduzir(perdas, reducao, perdas.size if perdas.size else np.nan)
    return np.asarray(resultado).astype(dtype_saida)[()]


def binary_cross_entropy_with_logits(
    logits: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    pos_weight: ArrayLike | None = None,
    reduction: str = "mean",
) -> np.ndarray:
    r"""Entropia cruzada binária a partir de logits, como
    ``torch.nn.functional.binary_cross_entropy_with_logits``.

    Parameters
    ----------
    logits : array_like
        Um logit por posição (qualquer formato).
    target : array_like
        Alvos em [0, 1], com o formato de ``logits``.
    weight : array_like, opcional
        Pesos por posição, que se expandem (broadcast) até o formato de ``logits`` — nunca
        maiores que ele.
    pos_weight : array_like, opcional
        Peso dos exemplos positivos, por classe (broadcast com o último eixo; nunca maior que
        ``logits``).
    reduction : {"mean", "sum", "none"}, opcional
        ``"mean"`` é a média sobre todas as posições.

    Returns
    -------
    numpy.ndarray
        A perda.

    Raises
    ------
    TypeError
        Se as entradas não são numéricas.
    ValueError
        Se os formatos não combinam, ``weight``/``pos_weight`` são maiores que ``logits`` ou
        ``reduction`` é desconhecida.

    Notes
    -----
    É a perda do PyTorch, :math:`(1 - y)\,x - r \log \sigma(x)` com
    :math:`r = 1 + (\text{pos\_weight} - 1)\,y`, reescrita como a soma de dois termos não
    negativos (para :math:`y \in [0, 1]`), com
    :math:`\operatorname{softplus}(z) = \log(1 + e^z) = \max(z, 0) + \log(1 + e^{-|z|})`:

    .. math::

        \ell = w\,\bigl[\text{pos\_weight}\; y \operatorname{softplus}(-x)
              + (1 - y) \operatorname{softplus}(x)\bigr] .

    Estável para qualquer logit e sem cancelamento: com :math:`y = 0` e :math:`x = -40` a
    perda é :math:`\log(1 + e^{-40}) \approx 4{,}25 \times 10^{-18}`, onde
    :math:`(1 - y)\,x - \log\sigma(x)` (e o PyTorch) dão 0. Como no PyTorch, os alvos não são
    conferidos (podem sair de [0, 1]), e um logit infinito com o alvo do seu lado dá ``nan``.
    Só um alvo infinito dá um resultado diferente: ``nan`` aqui, ``±inf`` no PyTorch.

    Examples
    --------
    >>> print(binary_cross_entropy_with_logits(np.array([1000.0]), np.array([0.0])))
    1000.0
    >>> print(binary_cross_entropy_with_logits(np.array([-40.0]), np.array([0.0])))
    4.248354255291589e-18
    """
    x, y, w, dtype_saida = _par_binario(logits, target, weight, "logits")
    reducao = validar_reducao(reduction)
    with np.errstate(over="ignore", invalid="ignore"):
        # softplus(±x) = max(±x, 0) + log1p(e^{-|x|}): e^{-|x|} <= 1 nunca estoura
        cauda = np.log1p(np.exp(-np.abs(x)))
        sp_x = np.maximum(x, 0) + cauda  # -log(1 - σ(x))
        sp_menos_x = np.maximum(-x, 0) + cauda  # -log σ(x)
        if pos_weight is None:
            positivos = y * sp_menos_x
        else:
            pw = _peso_por_posicao(pos_weight, "pos_weight", x.shape).astype(x.dtype)
            positivos = pw * y * sp_menos_x
        perdas = positivos + (1 - y) * sp_x
    return _finalizar_binaria(perdas, w, reducao, dtype_saida)


def binary_cross_entropy(
    probs: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    reduction: str = "mean",
) -> np.ndarray:
    r"""Entropia cruzada binária a partir de probabilidades, como
    ``torch.nn.functional.binary_cross_entropy``.

    Parameters
    ----------
    probs : array_like
        Probabilidades em [0, 1] (qualquer formato).
    target : array_like
        Alvos em [0, 1], com o formato de ``probs``.
    weight : array_like, opcional
        Pesos por posição, que se expandem (broadcast) até o formato de ``probs``.
    reduction : {"mean", "sum", "none"}, opcional
        ``"mean"`` é a média sobre todas as posições.

    Returns
    -------
    numpy.ndarray
        A perda.

    Raises
    ------
    TypeError
        Se as entradas não são numéricas.
    ValueError
        Se ``probs`` ou ``target`` saem de [0, 1] (``nan`` incluído, como no torch), os formatos
        não combinam, ``weight`` é maior que ``probs`` ou ``reduction`` é desconhecida.

    Notes
    -----
    Como no PyTorch, cada logaritmo é limitado por baixo a -100, para que :math:`p = 0` ou
    :math:`p = 1` deem uma perda grande, mas finita:

    .. math::

        \ell = -w\,\bigl[y \max(\log p, -100) + (1 - y) \max(\log(1 - p), -100)\bigr] .

    Prefira :func:`binary_cross_entropy_with_logits`: a sigmoide seguida desta perda perde
    precisão justamente nos exemplos mais errados.

    Examples
    --------
    >>> print(binary_cross_entropy(np.array([0.0]), np.array([1.0])))
    100.0
    """
    p, y, w, dtype_saida = _par_binario(probs, target, weight, "probs")
    reducao = validar_reducao(reduction)
    fora = ~((p >= 0) & (p <= 1))
    if np.any(fora):
        posicao = tuple(int(i) for i in np.argwhere(fora)[0])
        raise ValueError(
            f"probs deve estar em [0, 1]; recebido {float(p[posicao])!r} na posição {posicao}"
        )
    with np.errstate(divide="ignore"):
        log_p = np.maximum(np.log(p), -100)
        log_1mp = np.maximum(np.log1p(-p), -100)
    perdas = -(y * log_p + (1 - y) * log_1mp)
    return _finalizar_binaria(perdas, w, reducao, dtype_saida)
