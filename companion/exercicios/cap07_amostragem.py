"""Exercícios do capítulo 7 (Amostragem): ``top-k`` e ``top-p``."""

from __future__ import annotations

import numpy as np

from companion.exercicios._nucleo import Caso, ErroConhecido, Exercicio, registrar

# ---------------------------------------------------------------------------------------------
# Soluções de referência


def filtro_top_k(logits, k):
    """Mantém os k maiores logits de cada linha e todo empatado com o k-ésimo; os outros: -inf."""
    logits = np.asarray(logits, dtype=float)
    k = min(k, logits.shape[-1])
    # o k-ésimo maior valor de cada linha (ordenação decrescente, posição k - 1)
    kesimo = -np.sort(-logits, axis=-1)[..., k - 1 : k]
    # «<» e não «<=»: quem empata com o k-ésimo fica
    return np.where(logits < kesimo, -np.inf, logits)


def filtro_top_p(logits, p):
    """Mantém o menor conjunto de tokens mais prováveis cuja massa chega a p; os outros: -inf."""
    logits = np.asarray(logits, dtype=float)
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    probs = e / e.sum(axis=-1, keepdims=True)
    # ordem decrescente de probabilidade; empates pelo menor índice (ordenação estável)
    ordem = np.argsort(-probs, axis=-1, kind="stable")
    ordenadas = np.take_along_axis(probs, ordem, axis=-1)
    # um token fica se a massa dos que estão à frente dele ainda é menor que p
    a_frente = np.cumsum(ordenadas, axis=-1) - ordenadas
    fica_ordenado = a_frente < p
    fica = np.zeros_like(fica_ordenado)
    np.put_along_axis(fica, ordem, fica_ordenado, axis=-1)
    return np.where(fica, logits, -np.inf)


# ---------------------------------------------------------------------------------------------
# top-k: erros plausíveis


def _quebra_empates(logits, k):
    logits = np.asarray(logits, dtype=float)
    indices = np.argsort(-logits, axis=-1, kind="stable")[..., :k]
    saida = np.full_like(logits, -np.inf)
    np.put_along_axis(saida, indices, np.take_along_axis(logits, indices, -1), -1)
    return saida


def _zeros_em_vez_de_menos_infinito(logits, k):
    return np.where(np.isinf(filtro_top_k(logits, k)), 0.0, filtro_top_k(logits, k))


def _devolve_probabilidades(logits, k):
    filtrados = filtro_top_k(logits, k)
    e = np.exp(filtrados - filtrados.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _um_a_mais(logits, k):
    return filtro_top_k(logits, k + 1)


def _menor_em_vez_de_maior(logits, k):
    logits = np.asarray(logits, dtype=float)
    kesimo = np.sort(logits, axis=-1)[..., k - 1 : k]
    return np.where(logits > kesimo, -np.inf, logits)


ERROS_TOP_K = (
    ErroConhecido(
        "quebra-empates",
        _quebra_empates,
        "empates: todo token empatado com o k-ésimo maior logit fica (é a regra do Hugging Face). "
        "Manter exatamente k índices escolhe entre os empatados de forma arbitrária. Compare com "
        "o valor do k-ésimo: descarte só quem é estritamente menor.",
    ),
    ErroConhecido(
        "zeros",
        _zeros_em_vez_de_menos_infinito,
        "os removidos devem virar -inf, não 0: um logit 0 ainda tem probabilidade e^0 > 0 "
        "depois da softmax; só -inf dá probabilidade zero.",
    ),
    ErroConhecido(
        "devolve-probabilidades",
        _devolve_probabilidades,
        "o filtro devolve logits (com -inf nos removidos), não probabilidades: a softmax vem "
        "depois, na hora de sortear.",
    ),
    ErroConhecido(
        "um-a-mais",
        _um_a_mais,
        "você manteve k + 1 tokens: o limiar é o k-ésimo maior (índice k - 1 na ordem "
        "decrescente).",
    ),
    ErroConhecido(
        "menores",
        _menor_em_vez_de_maior,
        "você manteve os k menores logits; o top-k mantém os k maiores (os mais prováveis).",
    ),
)


def _sintoma_top_k(caso: Caso, esperado: np.ndarray, obtido: np.ndarray):
    """Exatamente k tokens por linha quando o certo tem mais (empates): empates quebrados."""
    k = min(caso.args[1], esperado.shape[-1])
    mantidos = np.isfinite(obtido).sum(axis=-1)
    if np.all(mantidos == k) and np.any(np.isfinite(esperado).sum(axis=-1) > k):
        return ("quebra-empates", ERROS_TOP_K[0].diagnostico)
    return None


def _casos_top_k() -> list[Caso]:
    rng = np.random.default_rng(77)
    return [
        Caso((np.array([1.0, 3.0, 2.0]), 1)),
        Caso((np.array([1.0, 3.0, 2.0, 0.5]), 2)),
        Caso((np.array([1.0, 3.0, 3.0, 2.0]), 1)),
        Caso((np.array([5.0, 1.0, 1.0, 1.0, 0.0]), 2)),
        Caso((np.array([[0.1, 2.0, -1.0], [3.0, 3.0, 3.0]]), 2)),
        Caso((np.array([0.5, -0.5]), 5)),
        Caso((rng.normal(size=(3, 20)), 4)),
    ]


TOP_K = registrar(
    Exercicio(
        id="top-k",
        titulo="O filtro top-k",
        parametros=("logits", "k"),
        referencia=filtro_top_k,
        casos=_casos_top_k,
        dicas=(
            "Descubra o valor do k-ésimo maior logit de cada linha e descarte (com -inf) quem é "
            "menor que ele.",
            "Ordene decrescente: `-np.sort(-logits, axis=-1)[..., k - 1 : k]` é o k-ésimo maior, "
            "com o formato certo para o broadcast. Se k passa de V, fica tudo.",
            "`np.where(logits < kesimo, -np.inf, logits)`: o «<» mantém os empatados.",
        ),
        erros_conhecidos=ERROS_TOP_K,
        sintomas=_sintoma_top_k,
        explicacao=(
            "O top-k compara cada logit com o k-ésimo maior; quem empata com ele fica, e os "
            "removidos viram $-\\infty$, que a softmax transforma em probabilidade zero."
        ),
    )
)

# ---------------------------------------------------------------------------------------------
# top-p: erros plausíveis


def _descarta_o_que_cruza(logits, p):
    # mantém só enquanto a soma acumulada (incluindo o próprio token) não passa de p
    logits = np.asarray(logits, dtype=float)
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    probs = e / e.sum(axis=-1, keepdims=True)
    ordem = np.argsort(-probs, axis=-1, kind="stable")
    acumulada = np.cumsum(np.take_along_axis(probs, ordem, -1), axis=-1)
    fica_ordenado = acumulada <= p
    fica_ordenado[..., 0] = True
    fica = np.zeros_like(fica_ordenado)
    np.put_along_axis(fica, ordem, fica_ordenado, -1)
    return np.where(fica, logits, -np.inf)


def _um_a_mais_no_empate(logits, p):
    logits = np.asarray(logits, dtype=float)
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    probs = e / e.sum(axis=-1, keepdims=True)
    ordem = np.argsort(-probs, axis=-1, kind="stable")
    ordenadas = np.take_along_axis(probs, ordem, -1)
    a_frente = np.cumsum(ordenadas, axis=-1) - ordenadas
    fica_ordenado = a_frente <= p  # «<=»: quando a massa bate p exatamente, entra mais um
    fica = np.zeros_like(fica_ordenado)
    np.put_along_axis(fica, ordem, fica_ordenado, -1)
    return np.where(fica, logits, -np.inf)


def _ordem_crescente(logits, p):
    logits = np.asarray(logits, dtype=float)
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    probs = e / e.sum(axis=-1, keepdims=True)
    ordem = np.argsort(probs, axis=-1, kind="stable")  # crescente: os menos prováveis primeiro
    ordenadas = np.take_along_axis(probs, ordem, -1)
    a_frente = np.cumsum(ordenadas, axis=-1) - ordenadas
    fica = np.zeros(probs.shape, dtype=bool)
    np.put_along_axis(fica, ordem, a_frente < p, -1)
    return np.where(fica, logits, -np.inf)


def _zeros_top_p(logits, p):
    filtrados = filtro_top_p(logits, p)
    return np.where(np.isinf(filtrados), 0.0, filtrados)


ERROS_TOP_P = (
    ErroConhecido(
        "descarta-o-que-cruza",
        _descarta_o_que_cruza,
        "você descartou o token que faz a massa cruzar p: o núcleo é o menor conjunto cuja "
        "massa chega a p, então o token que cruza entra. Um token fica se a massa dos que "
        "estão à frente dele ainda é menor que p.",
    ),
    ErroConhecido(
        "um-a-mais-no-empate",
        _um_a_mais_no_empate,
        "quando a massa bate p exatamente, nenhum token a mais entra: use «a massa à frente < p», "
        "e não «<= p».",
    ),
    ErroConhecido(
        "ordem-crescente",
        _ordem_crescente,
        "a massa deve ser acumulada a partir dos tokens mais prováveis (ordem decrescente); você "
        "começou pelos menos prováveis.",
    ),
    ErroConhecido(
        "zeros",
        _zeros_top_p,
        "os removidos devem virar -inf, não 0: um logit 0 ainda tem probabilidade depois da "
        "softmax.",
    ),
)


def _casos_top_p() -> list[Caso]:
    rng = np.random.default_rng(78)
    return [
        Caso((np.array([2.0, 0.0, -1.0]), 0.5)),
        Caso((np.log(np.array([0.5, 0.3, 0.2])), 0.6)),
        Caso((np.zeros(4), 0.5)),  # 0,25 cada (exato): a massa bate 0,5 em dois tokens
        Caso((np.array([[1.0, 1.0, 0.0], [3.0, 0.0, 0.0]]), 0.9)),
        Caso((np.array([0.0, 1.0, 2.0]), 1.0)),
        Caso((rng.normal(scale=2.0, size=(3, 15)), 0.8)),
    ]


TOP_P = registrar(
    Exercicio(
        id="top-p",
        titulo="O filtro top-p (núcleo)",
        parametros=("logits", "p"),
        referencia=filtro_top_p,
        casos=_casos_top_p,
        dicas=(
            "Calcule as probabilidades, ordene-as da maior para a menor e acumule a massa: o "
            "núcleo é o menor prefixo cuja massa chega a p.",
            "Um token fica se a massa dos tokens à frente dele (estritamente mais prováveis, ou "
            "empatados com índice menor) é menor que p. Essa massa é cumsum - a própria "
            "probabilidade.",
            "Com `ordem = np.argsort(-probs, kind='stable')`, decida na ordem ordenada e devolva "
            "a decisão às posições originais com `np.put_along_axis`.",
        ),
        erros_conhecidos=ERROS_TOP_P,
        explicacao=(
            "Na ordem decrescente, um token entra enquanto a massa dos que vêm antes dele for "
            "menor que $p$: assim entra o que cruza $p$, e quando a massa bate $p$ exatamente "
            "nenhum a mais entra — a regra do `TopPLogitsWarper` do Hugging Face."
        ),
    )
)
