"""Exercícios do capítulo 7 (Amostragem): ``top-k``, ``top-p``, ``min-p`` e
``top-p-vs-min-p`` (quantos tokens o top-p mantém a mais que o min-p)."""

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
    # “<” e não “<=”: quem empata com o k-ésimo fica
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


def _kesimo_distinto(logits, k):
    logits = np.asarray(logits, dtype=float)
    saida = logits.copy()
    for linha in saida.reshape(-1, saida.shape[-1]):
        distintos = np.unique(linha)[::-1]  # os valores sem repetição, do maior ao menor
        kesimo = distintos[min(k, len(distintos)) - 1]
        linha[linha < kesimo] = -np.inf
    return saida


def _limiar_global(logits, k):
    logits = np.asarray(logits, dtype=float)
    k = min(k, logits.shape[-1])
    kesimo = np.sort(logits, axis=None)[-k]  # o k-ésimo maior do array inteiro
    return np.where(logits < kesimo, -np.inf, logits)


def _probabilidades_ingenuas(logits, k):
    logits = np.asarray(logits, dtype=float)
    k = min(k, logits.shape[-1])
    probs = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
    kesimo = -np.sort(-probs, axis=-1)[..., k - 1 : k]
    return np.where(probs < kesimo, -np.inf, logits)


def _compara_probabilidades(logits, k):
    logits = np.asarray(logits, dtype=float)
    k = min(k, logits.shape[-1])
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    probs = e / e.sum(axis=-1, keepdims=True)
    kesimo = -np.sort(-probs, axis=-1)[..., k - 1 : k]
    return np.where(probs < kesimo, -np.inf, logits)


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
    ErroConhecido(
        "kesimo-distinto",
        _kesimo_distinto,
        "empates: você tomou o k-ésimo maior valor **distinto** (np.unique), e não o k-ésimo "
        "da lista ordenada com repetições. Em [4, 4, 4, 3] com k = 2, o 2º maior logit é 4 "
        "(ficam os três 4), não 3. Ordene sem tirar os repetidos: "
        "-np.sort(-logits, axis=-1)[..., k - 1 : k].",
    ),
    ErroConhecido(
        "limiar-global",
        _limiar_global,
        "um só limiar para o array inteiro: você tomou o k-ésimo maior logit de todas as linhas "
        "juntas (ordenando sem axis, ou com .ravel()); cada linha tem o seu k-ésimo maior. "
        "Ordene ao longo do último eixo: -np.sort(-logits, axis=-1)[..., k - 1 : k].",
    ),
    ErroConhecido(
        "softmax-ingenua",
        _probabilidades_ingenuas,
        "softmax ingênua: você comparou probabilidades calculadas com np.exp(logits) sem "
        "subtrair o máximo; com logits na casa dos milhares (ou das centenas negativas), elas "
        "viram nan (inf/inf ou 0/0) e nenhuma comparação com nan é verdadeira. O top-k não "
        "precisa de softmax: a ordem dos logits é a das probabilidades — compare os próprios "
        "logits com o k-ésimo maior.",
    ),
    ErroConhecido(
        "compara-probabilidades",
        _compara_probabilidades,
        "você comparou probabilidades, e não logits: um logit centenas de unidades abaixo do "
        "máximo tem e^{x - m} = 0, e tokens diferentes empatam em probabilidade 0 — o limiar "
        "não os separa mais. A ordem dos logits é a das probabilidades: compare os próprios "
        "logits com o k-ésimo maior logit.",
    ),
)


def _sintoma_selecao(esperado: np.ndarray, obtido: np.ndarray, regra: str):
    """A saída é um filtro (logits ou -inf) que mantém os tokens errados: diz quais.

    Sem isto, um -inf onde o esperado é finito cairia no sintoma genérico de «conta que
    estourou», que aqui não é o caso (nenhum nan, nenhum +inf).
    """
    if np.isnan(obtido).any() or np.isposinf(obtido).any():
        return None  # a conta estourou: o sintoma genérico diz isso
    fica_esperado, fica_obtido = np.isfinite(esperado), np.isfinite(obtido)
    if np.array_equal(fica_esperado, fica_obtido):
        return None  # os mesmos tokens ficaram: o erro é de valor (o sintoma genérico diz)

    def posicoes(mascara):
        indices = [tuple(int(i) for i in p) for p in np.argwhere(mascara)[:6]]
        texto = ", ".join(str(i[0]) if len(i) == 1 else str(i) for i in indices[:5])
        return texto + (", ..." if len(indices) > 5 else "")

    partes = []
    descartados = fica_esperado & ~fica_obtido
    a_mais = fica_obtido & ~fica_esperado
    if descartados.any():
        partes.append(
            f"pôs -inf em {int(descartados.sum())} token(s) que deveriam ficar (posição "
            f"{posicoes(descartados)})"
        )
    if a_mais.any():
        partes.append(
            f"manteve {int(a_mais.sum())} token(s) que deveriam sair (posição {posicoes(a_mais)})"
        )
    return (
        "selecao-errada",
        f"a seleção está errada: na entrada acima, sua função {' e '.join(partes)}. {regra}",
    )


def _sintoma_valores(caso: Caso, esperado: np.ndarray, obtido: np.ndarray):
    """A saída de um filtro que não é «os logits, com -inf nos removidos»: nan ou +inf nos
    removidos, probabilidades ou a máscara de quem fica no lugar dos logits, ou os logits
    deslocados por uma constante (log-probabilidades). ``None`` quando não é nenhum desses.

    Sem isto, o sintoma genérico daria a um 0 no lugar de um logit o diagnóstico de «conta que
    estourou», que aqui não é o caso.
    """
    logits = np.asarray(caso.args[0], dtype=float)
    if logits.shape != esperado.shape:
        return None
    fica = np.isfinite(esperado)
    with np.errstate(all="ignore"):
        estranhos = np.isnan(obtido) | np.isposinf(obtido)
        if estranhos.any():
            if np.any(estranhos & fica) or not np.allclose(obtido[fica], esperado[fica]):
                return None  # a conta estourou: o sintoma genérico diz isso
            return (
                "removidos-nan",
                "os removidos devem virar -inf, e não nan ou +inf (np.nan, ou np.inf sem o "
                "sinal de menos): na softmax, um só nan ou +inf faz a linha inteira virar nan; "
                "só -inf dá probabilidade zero. Use -np.inf.",
            )
        if (
            np.all((obtido >= 0) & (obtido <= 1))
            and not np.array_equal(obtido, logits)
            and not np.array_equal(obtido, esperado)
        ):
            e = np.exp(logits - logits.max(axis=-1, keepdims=True))
            q = e / e.sum(axis=-1, keepdims=True)
            mantidas = np.where(fica, q, 0.0)
            renormalizadas = mantidas / mantidas.sum(axis=-1, keepdims=True)
            probabilidades = np.allclose(obtido, mantidas) or np.allclose(obtido, renormalizadas)
            mascara = np.array_equal(obtido, fica.astype(float))
            if probabilidades or mascara:
                oque = (
                    "probabilidades, ou a máscara True/False de quem fica"
                    if probabilidades and mascara
                    else "probabilidades"
                    if probabilidades
                    else "a máscara True/False de quem fica"
                )
                return (
                    "nao-devolve-logits",
                    f"sua função devolveu {oque}, e não logits: o filtro devolve os próprios "
                    "logits recebidos nos tokens que ficam e -inf nos removidos — "
                    "np.where(fica, logits, -np.inf); a softmax vem depois, na hora de sortear.",
                )
        deslocamento = np.where(fica, obtido - esperado, np.nan)
        # uma constante de verdade, e não o arredondamento de quem devolveu float32 (esse
        # recebe do sintoma genérico o diagnóstico de precisão)
        escala = 1e-9 * (1.0 + np.abs(np.where(fica, esperado, 0.0)).max(initial=0.0))
        if (
            np.array_equal(np.isfinite(obtido), fica)
            and fica.any()
            and not np.allclose(obtido[fica], esperado[fica], rtol=1e-5, atol=1e-7)
            and np.allclose(
                np.where(fica, deslocamento, 0.0),
                np.where(
                    fica, np.nanmax(deslocamento, axis=-1, keepdims=True, initial=-np.inf), 0.0
                ),
                rtol=0.0,
                atol=escala,
            )
        ):
            return (
                "logits-deslocados",
                "os tokens certos ficaram, mas os valores mantidos não são os logits recebidos: "
                "diferem deles por uma constante em cada linha (log-probabilidades, como "
                "log_softmax, ou os logits menos o máximo?). O filtro devolve os próprios "
                "logits nos tokens que ficam, sem mudança, e -inf nos removidos.",
            )
    return None


_REGRA_TOP_K = (
    "Fica todo logit maior ou igual ao k-ésimo maior da sua linha (os empatados com ele "
    "também); os outros viram -inf."
)
_REGRA_TOP_P = (
    "Na ordem decrescente de probabilidade (empates pelo menor índice), um token fica "
    "enquanto a massa dos que vêm antes dele é menor que p; os outros viram -inf."
)


def _sintoma_top_k(caso: Caso, esperado: np.ndarray, obtido: np.ndarray):
    """Exatamente k tokens por linha quando o certo tem mais (empates): empates quebrados."""
    k = min(caso.args[1], esperado.shape[-1])
    mantidos = np.isfinite(obtido).sum(axis=-1)
    if np.all(mantidos == k) and np.any(np.isfinite(esperado).sum(axis=-1) > k):
        return ("quebra-empates", ERROS_TOP_K[0].diagnostico)
    return _sintoma_valores(caso, esperado, obtido) or _sintoma_selecao(
        esperado, obtido, _REGRA_TOP_K
    )


def _sintoma_top_p(caso: Caso, esperado: np.ndarray, obtido: np.ndarray):
    return _sintoma_valores(caso, esperado, obtido) or _sintoma_selecao(
        esperado, obtido, _REGRA_TOP_P
    )


def _casos_top_k() -> list[Caso]:
    rng = np.random.default_rng(77)
    return [
        Caso((np.array([1.0, 3.0, 2.0]), 1)),
        Caso((np.array([1.0, 3.0, 2.0, 0.5]), 2)),
        Caso((np.array([1.0, 3.0, 3.0, 2.0]), 1)),
        Caso((np.array([5.0, 1.0, 1.0, 1.0, 0.0]), 2)),
        Caso((np.array([[0.1, 2.0, -1.0], [3.0, 3.0, 3.0]]), 2)),
        Caso((np.array([0.5, -0.5]), 5)),
        # empates acima do k-ésimo: o 2º maior (com repetições) é 4, e ficam os três 4
        Caso((np.array([2.0, 4.0, 4.0, 3.0, 4.0]), 2)),
        Caso((np.array([1.0, 3.0, 3.0, 2.0]), 2)),
        # logits na casa dos milhares e das centenas negativas: as probabilidades de uma
        # softmax ingênua viram nan
        Caso((np.array([1000.0, 1001.0, 999.0, 998.0]), 2)),
        Caso((np.array([-800.0, -790.0, -795.0, -805.0]), 2)),
        # o 2º maior está 800 abaixo do máximo: a sua probabilidade é 0, empatada com a do 3º
        Caso((np.array([0.0, -800.0, -900.0, -1000.0]), 2)),
        # linhas de escalas muito diferentes: um limiar global apaga a segunda linha inteira
        Caso((np.array([[100.0, 101.0, 99.0], [0.0, 1.0, 2.0]]), 2)),
        Caso((rng.normal(size=(3, 20)), 4)),
        # k igual ao tamanho da linha: tudo fica (a fronteira entre k < V e k > V)
        Caso((np.array([[3.0, -1.0, 2.0], [0.0, 0.0, -5.0]]), 3)),
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
            "`np.where(logits < kesimo, -np.inf, logits)`: o “<” mantém os empatados.",
        ),
        erros_conhecidos=ERROS_TOP_K,
        formato="o mesmo formato de logits, (V,) ou (B, V): os logits mantidos e -inf nos "
        "removidos",
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


def _probabilidades_top_p(logits, p, probs, ordem):
    # o resto da referência, a partir das probabilidades e da ordem que o estudante calculou
    ordenadas = np.take_along_axis(probs, ordem, axis=-1)
    a_frente = np.cumsum(ordenadas, axis=-1) - ordenadas
    fica = np.zeros(probs.shape, dtype=bool)
    np.put_along_axis(fica, ordem, a_frente < p, axis=-1)
    return np.where(fica, logits, -np.inf)


def _softmax_ingenua_top_p(logits, p):
    logits = np.asarray(logits, dtype=float)
    probs = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
    ordem = np.argsort(-probs, axis=-1, kind="stable")
    return _probabilidades_top_p(logits, p, probs, ordem)


def _maximo_global_top_p(logits, p):
    logits = np.asarray(logits, dtype=float)
    e = np.exp(logits - logits.max())  # o máximo do array inteiro, e não o de cada linha
    probs = e / e.sum(axis=-1, keepdims=True)
    ordem = np.argsort(-probs, axis=-1, kind="stable")
    return _probabilidades_top_p(logits, p, probs, ordem)


def _probabilidades_estaveis(logits):
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _crescente_invertida(logits, p):
    logits = np.asarray(logits, dtype=float)
    probs = _probabilidades_estaveis(logits)
    ordem = np.argsort(probs, axis=-1)[..., ::-1]  # crescente, invertida: empates do fim
    return _probabilidades_top_p(logits, p, probs, ordem)


def _argsort_instavel(logits, p):
    logits = np.asarray(logits, dtype=float)
    probs = _probabilidades_estaveis(logits)
    ordem = np.argsort(-probs, axis=-1)  # sem kind="stable"
    return _probabilidades_top_p(logits, p, probs, ordem)


def _mantem_empatados_no_corte(logits, p):
    logits = np.asarray(logits, dtype=float)
    probs = _probabilidades_estaveis(logits)
    ordenadas = -np.sort(-probs, axis=-1)
    acumulada = np.cumsum(ordenadas, axis=-1)
    # a posição do token que faz a massa chegar a p; o limiar é a probabilidade dele
    corte = np.minimum((acumulada < p).sum(axis=-1, keepdims=True), probs.shape[-1] - 1)
    limiar = np.take_along_axis(ordenadas, corte, axis=-1)
    return np.where(probs >= limiar, logits, -np.inf)


def _sem_desfazer_a_ordem(logits, p):
    logits = np.asarray(logits, dtype=float)
    probs = _probabilidades_estaveis(logits)
    ordem = np.argsort(-probs, axis=-1, kind="stable")
    ordenadas = np.take_along_axis(probs, ordem, axis=-1)
    a_frente = np.cumsum(ordenadas, axis=-1) - ordenadas
    # a decisão fica na ordem ordenada: falta devolvê-la às posições originais
    return np.where(a_frente < p, np.take_along_axis(logits, ordem, axis=-1), -np.inf)


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
        "quando a massa bate p exatamente, nenhum token a mais entra: use “a massa à frente < p”, "
        "e não “<= p”.",
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
    ErroConhecido(
        "softmax-ingenua",
        _softmax_ingenua_top_p,
        "softmax ingênua: np.exp(logits) sem subtrair o máximo estoura com logits na casa dos "
        "milhares (inf/inf = nan) e vira 0 com logits muito negativos (0/0 = nan), mesmo que os "
        "avisos do numpy estejam silenciados; com probabilidades nan, a massa acumulada é nan "
        "e nenhum token fica. Subtraia logits.max(axis=-1, keepdims=True) antes de exp.",
    ),
    ErroConhecido(
        "maximo-global",
        _maximo_global_top_p,
        "máximo global: você subtraiu o máximo do array inteiro (logits.max()), e não o de "
        "cada linha. Numa linha de logits muito menores que os de outra, as exponenciais viram "
        "0 e as probabilidades, 0/0 = nan. Use logits.max(axis=-1, keepdims=True).",
    ),
    ErroConhecido(
        "empates-pelo-maior-indice",
        _crescente_invertida,
        "empates: np.argsort(probs)[..., ::-1] inverte a ordem crescente, e entre tokens de "
        "mesma probabilidade põe primeiro o de **maior** índice; o exercício desfaz empates "
        "pelo menor índice. Ordene -probs com kind='stable': "
        "np.argsort(-probs, axis=-1, kind='stable').",
        no_codigo=("argsort",),
    ),
    ErroConhecido(
        "argsort-instavel",
        _argsort_instavel,
        "empates: np.argsort sem kind='stable' (o padrão é um quicksort) não garante a ordem "
        "entre tokens de mesma probabilidade — em linhas longas, ela sai embaralhada —, e o "
        "exercício desfaz empates pelo menor índice. Use "
        "np.argsort(-probs, axis=-1, kind='stable').",
        no_codigo=("argsort",),
    ),
    ErroConhecido(
        "empates-no-corte",
        _mantem_empatados_no_corte,
        "empates no corte: você manteve todo token com probabilidade maior ou igual à do token "
        "que faz a massa chegar a p — e, com isso, todos os empatados com ele. O núcleo é um "
        "prefixo da ordem decrescente (empates pelo menor índice): um token fica só se a massa "
        "dos que vêm antes dele na ordem ainda é menor que p.",
    ),
    ErroConhecido(
        "sem-desfazer-a-ordem",
        _sem_desfazer_a_ordem,
        "a saída ficou na ordem ordenada: depois de decidir, na ordem decrescente, quem fica, "
        "devolva cada decisão à posição original do token (np.put_along_axis(fica, ordem, "
        "fica_ordenado, axis=-1)) e aplique-a aos logits na ordem em que vieram.",
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
        # empate no corte: os dois tokens mais prováveis empatam, e só o de menor índice fica
        Caso((np.array([0.0, 1.0, 1.0, 0.0]), 0.3)),
        # logits na casa dos milhares e das centenas negativas: a softmax ingênua dá nan
        Caso((np.array([1000.0, 1001.0, 999.0]), 0.5)),
        Caso((np.array([-800.0, -790.0, -795.0]), 0.9)),
        # linhas de escalas muito diferentes: um máximo global zera as exponenciais da primeira
        Caso((np.array([[0.0, 1.0, 2.0], [1000.0, 1001.0, 1002.0]]), 0.5)),
        Caso((rng.normal(scale=2.0, size=(3, 15)), 0.8)),
        # muitos empates em linhas longas: o corte cai dentro do grupo dos mais prováveis, onde
        # só a ordem estável (pelo menor índice) decide quem fica
        Caso((rng.integers(0, 3, size=(6, 32)).astype(float), 0.5)),
        # logits de centenas de milhares: nem exp em np.longdouble (até ~11356) escapa
        Caso((np.array([[1e5, 1e5 + 1.0, 1e5 - 1.0], [-3e5, -3e5 - 0.5, -3e5 + 2.0]]), 0.7)),
        # linhas longas com logits nos milhares: um atalho que só vale para linhas curtas falha
        Caso(
            (
                rng.normal(scale=2.0, size=(4, 40))
                + np.array([[1000.0], [-900.0], [0.0], [3000.0]]),
                0.8,
            )
        ),
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
        sintomas=_sintoma_top_p,
        formato="o mesmo formato de logits, (V,) ou (B, V): os logits mantidos e -inf nos "
        "removidos",
        explicacao=(
            "Na ordem decrescente, um token entra enquanto a massa dos que vêm antes dele for "
            "menor que $p$: assim entra o que cruza $p$, e quando a massa bate $p$ exatamente "
            "nenhum a mais entra — a regra do `TopPLogitsWarper` do Hugging Face."
        ),
    )
)

# ---------------------------------------------------------------------------------------------
# min-p: a referência e os erros plausíveis


def filtro_min_p(logits, p):
    """Mantém os tokens com probabilidade de pelo menos p vezes a do mais provável; os outros:
    -inf."""
    logits = np.asarray(logits, dtype=float)
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    probs = e / e.sum(axis=-1, keepdims=True)
    # o limiar é relativo ao mais provável da própria linha; «>=»: quem está no limiar fica
    limiar = p * probs.max(axis=-1, keepdims=True)
    return np.where(probs >= limiar, logits, -np.inf)


def _min_p_a_partir(logits, probs, limiar):
    # o resto da referência, a partir das probabilidades e do limiar que o estudante calculou
    return np.where(probs >= limiar, logits, -np.inf)


def _compara_logits_min_p(logits, p):
    logits = np.asarray(logits, dtype=float)
    # p vezes o maior logit, e não p vezes a maior probabilidade
    return np.where(logits >= p * logits.max(axis=-1, keepdims=True), logits, -np.inf)


def _limiar_absoluto_min_p(logits, p):
    logits = np.asarray(logits, dtype=float)
    probs = _probabilidades_estaveis(logits)
    return _min_p_a_partir(logits, probs, p)  # p sozinho, sem o mais provável


def _maximo_global_min_p(logits, p):
    logits = np.asarray(logits, dtype=float)
    probs = _probabilidades_estaveis(logits)
    return _min_p_a_partir(logits, probs, p * probs.max())  # o máximo do lote inteiro


def _estrito_min_p(logits, p):
    logits = np.asarray(logits, dtype=float)
    probs = _probabilidades_estaveis(logits)
    return np.where(probs > p * probs.max(axis=-1, keepdims=True), logits, -np.inf)


def _softmax_ingenua_min_p(logits, p):
    logits = np.asarray(logits, dtype=float)
    probs = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
    return _min_p_a_partir(logits, probs, p * probs.max(axis=-1, keepdims=True))


def _devolve_probabilidades_min_p(logits, p):
    return _probabilidades_estaveis(filtro_min_p(logits, p))


def _zeros_min_p(logits, p):
    filtrados = filtro_min_p(logits, p)
    return np.where(np.isinf(filtrados), 0.0, filtrados)


ERROS_MIN_P = (
    ErroConhecido(
        "compara-logits",
        _compara_logits_min_p,
        "você comparou logits, e não probabilidades: p · (maior logit) não é um limiar de "
        "probabilidade — com logits negativos, ele fica acima do próprio máximo e apaga a "
        "linha inteira. O corte é q_i >= p · max_j q_j, com q = softmax(logits); em logits, "
        "o mesmo corte é logits >= max + log(p), uma soma, e não um produto.",
    ),
    ErroConhecido(
        "limiar-absoluto",
        _limiar_absoluto_min_p,
        "você manteve os tokens com probabilidade >= p: isso é um piso fixo (o epsilon "
        "sampling), e não o min-p. No min-p o limiar é relativo ao mais provável da linha: "
        "q_i >= p · max_j q_j.",
    ),
    ErroConhecido(
        "maximo-global",
        _maximo_global_min_p,
        "máximo global: você multiplicou p pela maior probabilidade do lote inteiro "
        "(probs.max()), e não pela de cada linha. Numa linha em que o modelo hesita, o "
        "limiar de outra, mais confiante, corta tokens que deveriam ficar. Use "
        "probs.max(axis=-1, keepdims=True).",
    ),
    ErroConhecido(
        "estrito",
        _estrito_min_p,
        "empate no limiar: um token com probabilidade exatamente igual a p · max fica (o "
        "Hugging Face remove só quem é estritamente menor). Use “>=”, e não “>”: com p = 1, "
        "“>” remove até o mais provável; com p = 0, remove os tokens cuja probabilidade "
        "virou 0.",
    ),
    ErroConhecido(
        "softmax-ingenua",
        _softmax_ingenua_min_p,
        "softmax ingênua: np.exp(logits) sem subtrair o máximo estoura com logits na casa dos "
        "milhares (inf/inf = nan) e vira 0 com logits muito negativos (0/0 = nan); nenhuma "
        "comparação com nan é verdadeira, e a linha inteira vira -inf. Subtraia "
        "logits.max(axis=-1, keepdims=True) antes de exp — ou compare em logits: "
        "logits >= max + log(p).",
    ),
    ErroConhecido(
        "devolve-probabilidades",
        _devolve_probabilidades_min_p,
        "o filtro devolve logits (com -inf nos removidos), não probabilidades: a softmax vem "
        "depois, na hora de sortear — e depois de outros filtros, se houver.",
    ),
    ErroConhecido(
        "zeros",
        _zeros_min_p,
        "os removidos devem virar -inf, não 0: um logit 0 ainda tem probabilidade e^0 > 0 "
        "depois da softmax; só -inf dá probabilidade zero.",
    ),
)

_REGRA_MIN_P = (
    "Fica todo token com probabilidade maior ou igual a p vezes a do mais provável da sua "
    "linha (o limiar é relativo, e quem está exatamente no limiar fica); os outros viram -inf."
)


def _sintoma_min_p(caso: Caso, esperado: np.ndarray, obtido: np.ndarray):
    return _sintoma_valores(caso, esperado, obtido) or _sintoma_selecao(
        esperado, obtido, _REGRA_MIN_P
    )


#: Duas distribuições intermediárias (20 tokens; a entropia entre 20% e 90% da máxima, ln 20)
#: em que top-p = 0,9 e min-p = 0,1 discordam, uma em cada sentido.
#: Uma cauda longa: um favorito com 0,43 e 19 tokens com 0,03 cada. O top-p precisa de 16 tokens
#: da cauda para juntar 0,9 (0,43 + 16 · 0,03 = 0,91) e fica com 17; o min-p corta abaixo de
#: 0,1 · 0,43 = 0,043 e fica só com o favorito.
CAUDA_LONGA = np.array([0.43] + [0.03] * 19)
#: Candidatos parelhos: três tokens já somam 0,87, e o quarto leva a 0,91; o top-p para aí (4
#: tokens). O min-p corta abaixo de 0,1 · 0,33 = 0,033 e mantém também o quinto e o sexto
#: (0,04 e 0,036): 6 tokens.
CANDIDATOS_PARELHOS = np.array([0.33, 0.30, 0.24, 0.04, 0.04, 0.036] + [0.001] * 14)


def _casos_min_p() -> list[Caso]:
    rng = np.random.default_rng(79)
    return [
        # o exemplo de companion.sampling.min_p: o corte é 0,2 · 0,5 = 0,1
        Caso((np.log(np.array([0.5, 0.3, 0.15, 0.05])), 0.2)),
        Caso((np.array([2.0, 0.0, -1.0, -3.0]), 0.1)),
        # logits todos negativos: p vezes o maior logit fica acima do próprio máximo
        Caso((np.array([-1.0, -2.0, -4.0, -1.5]), 0.3)),
        # p = 1: ficam só os empatados com o mais provável (exatamente no limiar)
        Caso((np.array([1.0, 1.0, 0.0]), 1.0)),
        # p = 0: nada sai, nem o token cuja probabilidade virou 0 (0 >= 0)
        Caso((np.array([0.0, -800.0, -3.0]), 0.0)),
        # linhas de confianças diferentes: o limiar de uma não vale para a outra
        Caso((np.array([[5.0, 0.0, 0.0, 1.0], [1.0, 1.0, 0.5, -0.5]]), 0.3)),
        # logits na casa dos milhares e das centenas negativas: a softmax ingênua dá nan
        Caso((np.array([1000.0, 1001.0, 999.0, 995.0]), 0.1)),
        Caso((np.array([-800.0, -790.0, -795.0, -792.0]), 0.1)),
        # -inf que veio de outro filtro (top-k, top-p) continua -inf
        Caso((np.array([[0.0, 2.0, -np.inf, 1.0, -1.0], [3.0, -np.inf, 3.0, 0.0, 1.0]]), 0.2)),
        # as distribuições intermediárias em que top-p = 0,9 e min-p = 0,1 discordam
        Caso((np.log(np.stack([CAUDA_LONGA, CANDIDATOS_PARELHOS])), 0.1)),
        Caso((rng.normal(scale=2.0, size=(4, 25)), 0.1)),
        Caso(
            (
                rng.normal(scale=2.0, size=(3, 40)) + np.array([[2000.0], [-900.0], [0.0]]),
                0.05,
            )
        ),
    ]


MIN_P = registrar(
    Exercicio(
        id="min-p",
        titulo="O filtro min-p",
        parametros=("logits", "p"),
        referencia=filtro_min_p,
        casos=_casos_min_p,
        dicas=(
            "Calcule as probabilidades de cada linha (com a softmax estável) e o limiar: p vezes "
            "a maior probabilidade da linha.",
            "O máximo é o de cada linha: `probs.max(axis=-1, keepdims=True)`. Fica quem tem "
            "probabilidade maior ou igual ao limiar — o “igual” importa com p = 1 e p = 0.",
            "`np.where(probs >= limiar, logits, -np.inf)`. Ou, sem softmax nenhuma: q_i >= p · "
            "q_max é o mesmo que logits >= max + log(p).",
        ),
        erros_conhecidos=ERROS_MIN_P,
        sintomas=_sintoma_min_p,
        formato="o mesmo formato de logits, (V,) ou (B, V): os logits mantidos e -inf nos "
        "removidos",
        explicacao=(
            "O min-p compara cada probabilidade com $p$ vezes a do mais provável da mesma linha; "
            "quem está exatamente no limiar fica, e os removidos viram $-\\infty$ — a regra do "
            "`MinPLogitsWarper` do Hugging Face. Como só a razão $q_i / q_{\\max} = "
            "e^{u_i - u_{\\max}}$ importa, nem é preciso normalizar: o corte equivale a "
            "$u_i \\ge u_{\\max} + \\ln p$."
        ),
    )
)

# ---------------------------------------------------------------------------------------------
# top-p contra min-p: quantos tokens um mantém a mais que o outro


def discordancia(logits, p_top, p_min):
    """Quantos tokens o top-p mantém a mais que o min-p, em cada linha (negativo: a menos)."""
    no_top_p = np.isfinite(filtro_top_p(logits, p_top)).sum(axis=-1)
    no_min_p = np.isfinite(filtro_min_p(logits, p_min)).sum(axis=-1)
    return no_top_p - no_min_p


def _mantidos(filtrados):
    return np.isfinite(filtrados).sum(axis=-1)


def _sinal_trocado(logits, p_top, p_min):
    return _mantidos(filtro_min_p(logits, p_min)) - _mantidos(filtro_top_p(logits, p_top))


def _troca_os_p(logits, p_top, p_min):
    return _mantidos(filtro_top_p(logits, p_min)) - _mantidos(filtro_min_p(logits, p_top))


def _conta_o_lote(logits, p_top, p_min):
    # sem axis: soma as linhas todas
    no_top_p = np.isfinite(filtro_top_p(logits, p_top)).sum()
    return no_top_p - np.isfinite(filtro_min_p(logits, p_min)).sum()


def _conta_nao_nulos(logits, p_top, p_min):
    # -inf não é zero: conta os removidos também (e deixa de contar um logit 0 que ficou)
    no_top_p = np.count_nonzero(filtro_top_p(logits, p_top), axis=-1)
    return no_top_p - np.count_nonzero(filtro_min_p(logits, p_min), axis=-1)


def _modulo(logits, p_top, p_min):
    return np.abs(discordancia(logits, p_top, p_min))


def _top_p_menor_ou_igual(logits, p_top, p_min):
    # o top-p com «a massa à frente <= p»: quando a massa bate p exatamente, entra mais um
    return _mantidos(_um_a_mais_no_empate(logits, p_top)) - _mantidos(filtro_min_p(logits, p_min))


def _min_p_estrito(logits, p_top, p_min):
    # o min-p com «>»: quem está exatamente no limiar sai
    return _mantidos(filtro_top_p(logits, p_top)) - _mantidos(_estrito_min_p(logits, p_min))


ERROS_DISCORDANCIA = (
    ErroConhecido(
        "sinal-trocado",
        _sinal_trocado,
        "o sinal está trocado: a resposta é (mantidos pelo top-p) − (mantidos pelo min-p), "
        "positiva quando o top-p mantém mais — na cauda longa, por exemplo.",
    ),
    ErroConhecido(
        "troca-os-p",
        _troca_os_p,
        "os dois p estão trocados: p_top vai para o top-p (a massa a juntar) e p_min para o "
        "min-p (a fração do mais provável).",
    ),
    ErroConhecido(
        "conta-o-lote",
        _conta_o_lote,
        "você contou os tokens do lote inteiro (.sum() sem axis): a resposta tem um número "
        "por linha. Conte ao longo do último eixo: np.isfinite(filtrados).sum(axis=-1).",
    ),
    ErroConhecido(
        "conta-nao-nulos",
        _conta_nao_nulos,
        "você contou os logits diferentes de zero: -inf não é zero (os removidos entram na "
        "conta), e um logit 0 que ficou não entra. Os mantidos são os finitos: "
        "np.isfinite(filtrados).sum(axis=-1).",
    ),
    ErroConhecido(
        "modulo",
        _modulo,
        "o sinal importa: quando o min-p mantém mais tokens que o top-p (vários candidatos "
        "parelhos), a resposta é negativa. Não tome o valor absoluto.",
    ),
    ErroConhecido(
        "top-p-menor-ou-igual",
        _top_p_menor_ou_igual,
        "o seu top-p mantém um token a mais quando a massa bate p_top exatamente: um token "
        "fica se a massa dos que estão à frente dele é menor que p_top (“<”, e não “<=”). Com "
        "quatro tokens iguais e p_top = 0,5, ficam dois (0,25 + 0,25 = 0,5), e não três.",
    ),
    ErroConhecido(
        "min-p-estrito",
        _min_p_estrito,
        "o seu min-p remove quem está exatamente no limiar: fica todo token com probabilidade "
        "maior ou igual a p_min vezes a do mais provável (“>=”, e não “>”). Com p_min = 1 "
        "ficam o mais provável e os empatados com ele; com p_min = 0, não sai nenhum.",
    ),
)


def _sintoma_discordancia(caso: Caso, esperado: np.ndarray, obtido: np.ndarray):
    """Uma contagem errada: diz quantos tokens cada filtro mantém na entrada que falha.

    Sem isto, um 0 onde o esperado não é 0 (a resposta diz que os filtros concordam, e eles
    discordam) cairia no sintoma genérico de «conta que estourou», que aqui não é o caso.
    """
    if not np.all(np.isfinite(obtido)):
        return None  # nan ou inf: o sintoma genérico diz isso
    logits, p_top, p_min = caso.args
    no_top_p = np.ravel(_mantidos(filtro_top_p(logits, p_top)))
    no_min_p = np.ravel(_mantidos(filtro_min_p(logits, p_min)))
    linhas = np.flatnonzero(np.ravel(obtido) != np.ravel(esperado))
    if linhas.size == 0:
        return None
    i = int(linhas[0])
    onde = "na entrada acima" if np.ndim(esperado) == 0 else f"na linha {i} da entrada acima"
    texto = (
        f"a contagem está errada: {onde}, o top-p (p_top = {_numero(p_top)}) mantém "
        f"{no_top_p[i]} token(s) e o min-p (p_min = {_numero(p_min)}), {no_min_p[i]}; a "
        f"resposta é {no_top_p[i]} − {no_min_p[i]} = {_numero(no_top_p[i] - no_min_p[i])}, e a "
        f"sua função deu {_numero(np.ravel(obtido)[i])}."
    )
    if not np.all(obtido == np.round(obtido)):
        texto += " A resposta é uma diferença de contagens: um número inteiro."
    else:
        texto += (
            " Confira quantos tokens cada um dos seus filtros mantém nessa entrada (os "
            "finitos: np.isfinite(filtrados).sum(axis=-1))."
        )
    return ("contagem-errada", texto)


def _numero(x) -> str:
    """Um número com vírgula decimal e o sinal de menos tipográfico, como no resto do livro."""
    return f"{float(x):g}".replace(".", ",").replace("-", "−")


def _casos_discordancia() -> list[Caso]:
    rng = np.random.default_rng(80)
    concentrada = np.log(np.array([0.96, 0.01, 0.01, 0.01, 0.01]))
    lote = np.stack([CAUDA_LONGA, CANDIDATOS_PARELHOS, np.array([0.962] + [0.002] * 19)])
    quase_uniforme = np.linspace(0.0, -0.6, 20)
    return [
        # os dois extremos do exercício de lápis e papel: os dois concordam
        Caso((concentrada, 0.9, 0.1)),
        Caso((np.zeros(5), 0.9, 0.1)),
        # a massa bate p_top exatamente (0,25 + 0,25 = 0,5): o top-p para aí, com dois tokens
        Caso((np.zeros(4), 0.5, 0.1)),
        # tokens exatamente no limiar do min-p: com p_min = 1, os empatados com o mais provável
        # ficam (com p_min = 0, ficariam todos; mas p_min = 0 no lugar de p_top, para quem
        # troca os dois p, é um top-p degenerado, que sampling e filtro_top_p tratam diferente)
        Caso((np.array([1.0, 1.0, 0.0, -1.0]), 0.9, 1.0)),
        # as intermediárias: o top-p mantém mais (cauda longa) e menos (candidatos parelhos)
        Caso((np.log(CAUDA_LONGA), 0.9, 0.1)),
        Caso((np.log(CANDIDATOS_PARELHOS), 0.9, 0.1)),
        Caso((np.log(lote), 0.9, 0.1)),
        # os mesmos logits somados a uma constante: a cauda tem logit 0 exatamente
        Caso((np.log(CAUDA_LONGA / 0.03), 0.9, 0.1)),
        Caso((np.array([[2.0, 1.0, 0.0, -1.0], [0.5, 0.0, -0.2, -3.0]]), 0.5, 0.3)),
        Caso((rng.normal(scale=2.0, size=(5, 30)), 0.8, 0.05)),
        Caso((np.stack([quase_uniforme, quase_uniforme[::-1]]), 0.9, 0.1)),
        Caso((rng.normal(size=(3, 20)) + np.array([[1000.0], [-800.0], [0.0]]), 0.9, 0.1)),
    ]


DISCORDANCIA = registrar(
    Exercicio(
        id="top-p-vs-min-p",
        titulo="Quando top-p e min-p discordam",
        parametros=("logits", "p_top", "p_min"),
        referencia=discordancia,
        casos=_casos_discordancia,
        dicas=(
            "Aplique os dois filtros (os seus, ou sampling.top_p e sampling.min_p) e conte, em "
            "cada linha, quantos logits continuam finitos.",
            "`np.isfinite(filtrados).sum(axis=-1)` conta os mantidos de cada linha; a resposta "
            "é a conta do top-p menos a do min-p.",
        ),
        erros_conhecidos=ERROS_DISCORDANCIA,
        sintomas=_sintoma_discordancia,
        formato="um inteiro por linha: um número para logits (V,), um array (B,) para (B, V)",
        explicacao=(
            "Os dois filtros mantêm os mais prováveis, então um conjunto contém o outro e a "
            "diferença de tamanho diz tudo. O top-p para quando a massa acumulada chega a "
            "$p_{\\text{top}}$; o min-p mantém quem tem pelo menos $p_{\\min}$ vezes a "
            "probabilidade do mais provável. Numa cauda longa de tokens pequenos, o top-p "
            "precisa de muitos deles (positivo); com vários candidatos parelhos, ele completa a "
            "massa cedo e corta tokens que o min-p ainda acha plausíveis (negativo)."
        ),
    )
)
