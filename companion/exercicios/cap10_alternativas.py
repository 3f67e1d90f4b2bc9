"""Exercícios do capítulo 10 (Além da softmax): ``sparsemax`` e ``gumbel-max``.

Cada exercício traz a solução de referência (que o livro mostra na solução, incluída daqui), os
casos de teste em ordem crescente de tamanho e o catálogo de erros plausíveis que o verificador
reconhece. O ``gumbel-max`` é determinístico: o ruído uniforme ``u`` é um argumento, e a
referência e a resposta veem o mesmo ruído.
"""

from __future__ import annotations

import numpy as np

from companion.exercicios._nucleo import Caso, ErroConhecido, Exercicio, registrar

# ---------------------------------------------------------------------------------------------
# Soluções de referência (o livro as mostra com literalinclude)


def sparsemax(x):
    """Sparsemax ao longo do último eixo: max(x - τ, 0), com τ tal que cada linha soma 1."""
    x = np.asarray(x, dtype=float)
    # z_(1) ≥ z_(2) ≥ ...: cada linha em ordem decrescente (np.sort devolve uma cópia)
    z = -np.sort(-x, axis=-1)
    k = np.arange(1, x.shape[-1] + 1)
    soma = np.cumsum(z, axis=-1)
    # o suporte: as posições k com 1 + k z_(k) > z_(1) + ... + z_(k)
    no_suporte = 1 + k * z > soma
    k_max = no_suporte.sum(axis=-1, keepdims=True)
    # τ = (z_(1) + ... + z_(k_max) - 1) / k_max
    tau = (np.take_along_axis(soma, k_max - 1, axis=-1) - 1) / k_max
    return np.maximum(x - tau, 0.0)


def amostrar_gumbel_max(logits, u):
    """Uma amostra de softmax(logits) por linha, pelo truque de Gumbel-max, com o ruído u."""
    logits = np.asarray(logits, dtype=float)
    # g = -log(-log u): ruído de Gumbel padrão a partir de u ~ Uniforme(0, 1)
    g = -np.log(-np.log(u))
    # o índice do maior logit perturbado, em cada linha: nem exp nem softmax
    return np.argmax(logits + g, axis=-1)


# ---------------------------------------------------------------------------------------------
# sparsemax: erros plausíveis


def _limiar(z_ordenado, k_max):
    soma = np.cumsum(z_ordenado, axis=-1)
    return (np.take_along_axis(soma, k_max - 1, axis=-1) - 1) / k_max


def _k_max(z_ordenado):
    k = np.arange(1, z_ordenado.shape[-1] + 1)
    return (1 + k * z_ordenado > np.cumsum(z_ordenado, axis=-1)).sum(axis=-1, keepdims=True)


def _sem_ordenar(x):
    x = np.asarray(x, dtype=float)
    # o suporte e τ calculados na ordem original: a condição só vale com z em ordem decrescente
    k = np.arange(1, x.shape[-1] + 1)
    soma = np.cumsum(x, axis=-1)
    k_max = np.maximum((1 + k * x > soma).sum(axis=-1, keepdims=True), 1)
    tau = (np.take_along_axis(soma, k_max - 1, axis=-1) - 1) / k_max
    return np.maximum(x - tau, 0.0)


def _sem_ordenar_ultimo_k(x):
    x = np.asarray(x, dtype=float)
    # o mesmo engano, com k_max = a última posição em que a regra vale (e não a contagem)
    k = np.arange(1, x.shape[-1] + 1)
    soma = np.cumsum(x, axis=-1)
    vale = 1 + k * x > soma
    k_max = x.shape[-1] - np.argmax(vale[..., ::-1], axis=-1)[..., None]
    tau = (np.take_along_axis(soma, k_max - 1, axis=-1) - 1) / k_max
    return np.maximum(x - tau, 0.0)


def _suporte_mais_um(x):
    x = np.asarray(x, dtype=float)
    z = -np.sort(-x, axis=-1)
    k_max = np.minimum(_k_max(z) + 1, x.shape[-1])
    return np.maximum(x - _limiar(z, k_max), 0.0)


def _suporte_menos_um(x):
    x = np.asarray(x, dtype=float)
    z = -np.sort(-x, axis=-1)
    k_max = np.maximum(_k_max(z) - 1, 1)
    return np.maximum(x - _limiar(z, k_max), 0.0)


def _suporte_todo(x):
    x = np.asarray(x, dtype=float)
    # τ = (Σ x - 1)/d: como se toda classe estivesse no suporte
    tau = (x.sum(axis=-1, keepdims=True) - 1) / x.shape[-1]
    return np.maximum(x - tau, 0.0)


def _sem_o_max_com_zero(x):
    x = np.asarray(x, dtype=float)
    z = -np.sort(-x, axis=-1)
    return x - _limiar(z, _k_max(z))


def _saida_ordenada(x):
    x = np.asarray(x, dtype=float)
    z = -np.sort(-x, axis=-1)
    return np.maximum(z - _limiar(z, _k_max(z)), 0.0)


def _limiar_global(x):
    x = np.asarray(x, dtype=float)
    # um só τ para o array inteiro: a saída toda soma 1, e não cada linha
    plano = x.reshape(1, -1)
    z = -np.sort(-plano, axis=-1)
    return np.maximum(x - _limiar(z, _k_max(z)).item(), 0.0)


def _sparsemax_eixo_errado(x):
    return np.moveaxis(sparsemax(np.moveaxis(np.asarray(x, dtype=float), 0, -1)), -1, 0)


def _softmax_no_lugar_da_sparsemax(x):
    x = np.asarray(x, dtype=float)
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _desloca_no_lugar(x):
    x = np.asarray(x)
    x -= x.max(axis=-1, keepdims=True)  # altera o x de quem chamou
    return sparsemax(x)


def _ordena_no_lugar(x):
    x = np.asarray(x)
    original = x.copy()
    x.sort(axis=-1)  # ordena o x de quem chamou
    z = x[..., ::-1]
    return np.maximum(original - _limiar(z, _k_max(z)), 0.0)


_NO_LUGAR_X = (
    "você alterou x no lugar (x -= ..., x.sort()): quem chamou perde os seus logits. Trabalhe "
    "numa cópia: np.sort(x, axis=-1) devolve uma nova, e x - tau não mexe em x."
)

_SEM_ORDENAR = (
    "você não ordenou os logits: a regra do suporte, 1 + k z_(k) > z_(1) + ... + z_(k), vale "
    "com z em ordem decrescente. Calcule z = -np.sort(-x, axis=-1) e use z nas somas "
    "acumuladas; a saída, no fim, é max(x - τ, 0), na ordem original."
)

ERROS_SPARSEMAX = (
    ErroConhecido("sem-ordenar", _sem_ordenar, _SEM_ORDENAR),
    ErroConhecido("sem-ordenar", _sem_ordenar_ultimo_k, _SEM_ORDENAR),
    ErroConhecido(
        "suporte-mais-um",
        _suporte_mais_um,
        "tamanho do suporte errado: você usou k + 1 posições no cálculo de τ. O suporte tem "
        "k = número de posições em que 1 + k z_(k) > z_(1) + ... + z_(k), e τ divide a soma "
        "acumulada até k (o índice k - 1) por k.",
    ),
    ErroConhecido(
        "suporte-menos-um",
        _suporte_menos_um,
        "tamanho do suporte errado: você usou k - 1 posições no cálculo de τ (um índice a menos; "
        "lembre que a soma acumulada das k primeiras está no índice k - 1, e o divisor é k).",
    ),
    ErroConhecido(
        "suporte-todo",
        _suporte_todo,
        "tamanho do suporte errado: todas as d classes entraram no suporte, e τ = (Σ x - 1)/d, "
        "que só vale quando nenhuma saída é zero. Ou você dividiu por d, ou ordenou em ordem "
        "crescente (np.sort sozinho), e aí 1 + k z_(k) > z_(1) + ... + z_(k) vale sempre. "
        "Ordene em ordem decrescente, z = -np.sort(-x, axis=-1), e conte as posições em que a "
        "regra vale.",
    ),
    ErroConhecido(
        "sem-o-max-com-zero",
        _sem_o_max_com_zero,
        "faltou o max com zero: a saída é np.maximum(x - tau, 0). Sem ele, as classes abaixo "
        "do limiar ficam negativas — não é uma distribuição.",
    ),
    ErroConhecido(
        "saida-ordenada",
        _saida_ordenada,
        "você devolveu a saída na ordem dos logits ordenados: τ se acha com z ordenado, mas a "
        "saída é max(x - τ, 0), com o x original, para cada classe continuar no seu lugar.",
    ),
    ErroConhecido(
        "limiar-global",
        _limiar_global,
        "um só τ para o array inteiro: cada linha (o último eixo) é uma distribuição e tem o seu "
        "próprio τ. Use axis=-1 nas ordenações e somas, e keepdims=True no τ.",
    ),
    ErroConhecido(
        "eixo-errado",
        _sparsemax_eixo_errado,
        "eixo errado: a sparsemax é ao longo do último eixo (axis=-1), e cada linha soma 1; você "
        "normalizou as colunas.",
    ),
    ErroConhecido(
        "devolveu-a-softmax",
        _softmax_no_lugar_da_sparsemax,
        "você calculou a softmax: ela nunca dá zeros exatos. A sparsemax é a projeção no "
        "simplex, max(x - τ, 0), sem exponencial.",
    ),
    ErroConhecido("desloca-no-lugar", _desloca_no_lugar, _NO_LUGAR_X),
    ErroConhecido("ordena-no-lugar", _ordena_no_lugar, _NO_LUGAR_X),
)


def _sintoma_sparsemax(caso: Caso, esperado: np.ndarray, obtido: np.ndarray):
    if np.any(obtido < -1e-12):
        return (
            "negativos",
            "a saída tem valores negativos: a sparsemax é max(x - τ, 0), uma distribuição.",
        )
    with np.errstate(all="ignore"):
        somas = obtido.sum(axis=-1)
    if np.all(np.isfinite(somas)) and not np.allclose(somas, 1.0, rtol=1e-6):
        return (
            "nao-soma-um",
            "cada linha deve somar 1: τ é o número que faz Σ max(x_i - τ, 0) = 1 em cada linha.",
        )
    return None


def _casos_sparsemax() -> list[Caso]:
    rng = np.random.default_rng(1010)
    return [
        # um logit só: a saída é 1
        Caso((np.array([3.0]),)),
        # fora de ordem, com um zero exato
        Caso((np.array([0.5, 2.0, 1.0]),)),
        # suporte parcial em cada linha, fora de ordem
        Caso((np.array([[0.1, 1.2, -0.3, 0.9], [2.0, -1.0, 1.7, 0.0]]),)),
        # empates: dois máximos, e um logit exatamente no limiar
        Caso((np.array([[1.0, 2.0, 0.5, 2.0], [1.0, 1.0, 1.0, 1.0]]),)),
        Caso((rng.normal(size=(3, 7)),)),
        # linhas de escalas muito diferentes: o limiar é de cada linha
        Caso((np.stack([10 * rng.normal(size=6), 0.1 * rng.normal(size=6)]),)),
        Caso((rng.normal(size=(2, 3, 9)),)),
        # logits nos milhões: sem exponencial, nada estoura
        Caso((1e6 + rng.normal(size=(2, 5)),)),
        Caso((rng.normal(size=(4, 16)).astype(np.float32),)),
    ]


SPARSEMAX = registrar(
    Exercicio(
        id="sparsemax",
        titulo="A sparsemax pelo algoritmo de ordenação",
        parametros=("x",),
        referencia=sparsemax,
        casos=_casos_sparsemax,
        dicas=(
            "A saída é max(x - τ, 0), ao longo do último eixo; todo o trabalho é achar o τ de "
            "cada linha, o número que faz a linha somar 1.",
            "Ordene cada linha em ordem decrescente, z = -np.sort(-x, axis=-1), e calcule as "
            "somas acumuladas np.cumsum(z, axis=-1). A posição k (de 1 a d) está no suporte "
            "quando 1 + k z_(k) > z_(1) + ... + z_(k).",
            "Com k_max posições no suporte, τ = (z_(1) + ... + z_(k_max) - 1)/k_max: a soma "
            "acumulada no índice k_max - 1 (np.take_along_axis), menos 1, dividida por k_max.",
        ),
        erros_conhecidos=ERROS_SPARSEMAX,
        sintomas=_sintoma_sparsemax,
        formato="o formato de x: uma probabilidade por logit",
        explicacao=(
            "Com os logits em ordem decrescente, as classes do suporte são as $k$ primeiras, e "
            "$\\tau$ é a média das $k$ maiores menos $1/k$; a posição $k$ pertence ao suporte "
            "quando o seu logit fica acima desse limiar, $1 + k z_{(k)} > \\sum_{j \\le k} "
            "z_{(j)}$. A saída volta à ordem original em $\\max(x - \\tau, 0)$."
        ),
    )
)

# ---------------------------------------------------------------------------------------------
# gumbel-max: erros plausíveis


def _gumbel(u):
    return -np.log(-np.log(u))


def _ruido_uniforme(logits, u):
    return np.argmax(np.asarray(logits, dtype=float) + u, axis=-1)


def _ruido_exponencial(logits, u):
    return np.argmax(np.asarray(logits, dtype=float) - np.log(u), axis=-1)


def _sinal_trocado(logits, u):
    return np.argmax(np.asarray(logits, dtype=float) + np.log(-np.log(u)), axis=-1)


def _sem_ruido(logits, u):
    return np.argmax(np.asarray(logits, dtype=float), axis=-1)


def _ruido_depois_da_softmax(logits, u):
    x = np.asarray(logits, dtype=float)
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return np.argmax(e / e.sum(axis=-1, keepdims=True) + _gumbel(u), axis=-1)


def _ruido_vezes_probabilidades(logits, u):
    x = np.asarray(logits, dtype=float)
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return np.argmax(e / e.sum(axis=-1, keepdims=True) * _gumbel(u), axis=-1)


def _gumbel_maximo_global(logits, u):
    return np.argmax(np.asarray(logits, dtype=float) + _gumbel(u))


def _gumbel_eixo_errado(logits, u):
    return np.argmax(np.asarray(logits, dtype=float) + _gumbel(u), axis=0)


def _log_softmax_ingenua(logits, u):
    x = np.asarray(logits, dtype=float)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        e = np.exp(x)
        return np.argmax(np.log(e / e.sum(axis=-1, keepdims=True)) + _gumbel(u), axis=-1)


def _soma_no_lugar(logits, u):
    logits = np.asarray(logits)
    logits += _gumbel(u)  # altera os logits de quem chamou
    return np.argmax(logits, axis=-1)


def _amostra_invertendo_a_cdf(logits, u):
    # um sorteio certo em distribuição, mas com outro uso do ruído: a primeira coluna de u
    x = np.asarray(logits, dtype=float)
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    cdf = np.cumsum(e / e.sum(axis=-1, keepdims=True), axis=-1)
    return np.minimum((cdf < u[..., :1]).sum(axis=-1), x.shape[-1] - 1)


ERROS_GUMBEL = (
    ErroConhecido(
        "ruido-uniforme",
        _ruido_uniforme,
        "o ruído não é Gumbel: você somou u, o ruído uniforme, direto aos logits. O ruído de "
        "Gumbel padrão é g = -log(-log u); só com ele o argmax de logits + g segue a softmax.",
    ),
    ErroConhecido(
        "ruido-exponencial",
        _ruido_exponencial,
        "o ruído não é Gumbel: -log u é uma exponencial, Exp(1). Falta o segundo log: "
        "g = -log(-log u).",
    ),
    ErroConhecido(
        "sinal-trocado",
        _sinal_trocado,
        "sinal trocado: log(-log u) é menos um Gumbel (a cauda longa fica do lado errado, e as "
        "classes improváveis saem demais). Use g = -np.log(-np.log(u)).",
    ),
    ErroConhecido(
        "sem-ruido",
        _sem_ruido,
        "você não usou o ruído: o argmax dos logits é a decodificação gulosa, sempre a mesma "
        "classe. Some g = -log(-log u) antes do argmax.",
    ),
    ErroConhecido(
        "ruido-depois-da-softmax",
        _ruido_depois_da_softmax,
        "você somou o ruído depois da softmax, às probabilidades: o truque soma o Gumbel aos "
        "logits (ou às log-probabilidades), argmax(logits + g). Probabilidades estão em "
        "[0, 1], e o ruído as afoga: as classes saem quase ao acaso.",
    ),
    ErroConhecido(
        "ruido-vezes-probabilidades",
        _ruido_vezes_probabilidades,
        "você multiplicou as probabilidades pelo ruído: o Gumbel se soma aos logits, "
        "argmax(logits + g).",
    ),
    ErroConhecido(
        "maximo-global",
        _gumbel_maximo_global,
        "np.argmax sem axis devolve o índice no array achatado, um só para o lote inteiro: use "
        "np.argmax(..., axis=-1), um índice por linha de logits.",
    ),
    ErroConhecido(
        "eixo-errado",
        _gumbel_eixo_errado,
        "eixo errado: as classes estão no último eixo; o argmax é ao longo de axis=-1.",
    ),
    ErroConhecido(
        "softmax-ingenua",
        _log_softmax_ingenua,
        "estouro (overflow): com logits grandes, exp(logits) vira inf, e log(inf/inf) dá nan. "
        "Não é preciso normalizar nada: argmax(logits + g) já é a amostra (a log-softmax só "
        "subtrai a mesma constante de todas as classes).",
    ),
    ErroConhecido(
        "soma-no-lugar",
        _soma_no_lugar,
        "você alterou os logits no lugar (logits += g): quem chamou perde os seus logits. "
        "Escreva np.argmax(logits + g, axis=-1), que cria um array novo.",
    ),
    ErroConhecido(
        "inverteu-a-cdf",
        _amostra_invertendo_a_cdf,
        "você sorteou pela inversa da distribuição acumulada, com a primeira coluna de u: um "
        "sorteio certo, mas outro. Este exercício pede o truque de Gumbel-max, com um ruído "
        "por classe: argmax(logits - log(-log u)).",
    ),
)


def _casos_gumbel() -> list[Caso]:
    rng = np.random.default_rng(1011)

    def caso(logits):
        logits = np.asarray(logits)
        return Caso((logits, rng.uniform(1e-6, 1 - 1e-6, size=logits.shape)))

    return [
        caso(np.array([0.0, 1.0, 0.5])),
        caso(np.array([[2.0, 0.0, 1.0, -1.0], [0.0, 0.0, 0.0, 0.0]])),
        # classes impossíveis (-inf) nunca saem
        caso(np.array([[1.0, -np.inf, 0.5], [-np.inf, 0.0, -np.inf]])),
        caso(rng.normal(size=(6, 5))),
        caso(rng.normal(size=(2, 4, 7))),
        # muitas linhas com os mesmos logits: a amostra varia de linha para linha
        caso(np.tile(np.log([0.1, 0.2, 0.3, 0.4]), (12, 1))),
        # logits nos milhares: uma softmax ingênua estoura
        caso(1000 + 3 * rng.normal(size=(5, 6))),
        caso(rng.normal(size=(8, 10)).astype(np.float32)),
    ]


def _valido_gumbel(caso: Caso) -> bool:
    logits, u = caso.args
    return logits.shape == u.shape


GUMBEL_MAX = registrar(
    Exercicio(
        id="gumbel-max",
        titulo="Amostrar com o truque de Gumbel-max",
        parametros=("logits", "u"),
        referencia=amostrar_gumbel_max,
        casos=_casos_gumbel,
        dicas=(
            "O truque: some a cada logit um ruído de Gumbel independente e fique com o índice "
            "do maior. O ruído uniforme u já vem pronto, um por logit.",
            "O ruído de Gumbel padrão a partir de u ~ Uniforme(0, 1) é g = -log(-log u).",
            "np.argmax(logits + g, axis=-1): um índice por linha, sem exponencial e sem softmax.",
        ),
        erros_conhecidos=ERROS_GUMBEL,
        formato="o formato de logits sem o último eixo: um índice por linha",
        valido=_valido_gumbel,
        explicacao=(
            "Se $g_i = -\\log(-\\log u_i)$ são Gumbel independentes, "
            "$P(\\arg\\max_i (x_i + g_i) = k) = \\operatorname{softmax}(x)_k$ (a proposição do "
            "capítulo). O argmax não muda quando se soma uma constante a todas as classes, então "
            "os logits servem tanto quanto as log-probabilidades, e nada precisa ser normalizado."
        ),
    )
)
