"""Exercícios do capítulo 9 (Softmax na atenção): ``escala-atencao`` e ``atencao-causal``.

Cada exercício traz a solução de referência (que o livro mostra na solução, incluída daqui), os
casos de teste em ordem crescente de tamanho e o catálogo de erros plausíveis que o verificador
reconhece.
"""

from __future__ import annotations

import numpy as np

from companion.exercicios._nucleo import Caso, ErroConhecido, Exercicio, registrar

# ---------------------------------------------------------------------------------------------
# Soluções de referência (o livro as mostra com literalinclude)


def pesos_de_atencao(q, k):
    """Os pesos da atenção, softmax(q kᵀ / √d) ao longo das chaves: formato (..., L, S)."""
    q, k = np.asarray(q, dtype=float), np.asarray(k, dtype=float)
    d = q.shape[-1]
    # escores (..., L, S): cada consulta contra cada chave, divididos por √d
    escores = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)
    # softmax estável ao longo das chaves (o último eixo)
    e = np.exp(escores - escores.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def atencao_causal(q, k, v):
    """Atenção causal: a consulta i só atende às chaves j <= i. Formato (..., L, Ev)."""
    q, k, v = (np.asarray(a, dtype=float) for a in (q, k, v))
    L, S, d = q.shape[-2], k.shape[-2], q.shape[-1]
    escores = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)  # (..., L, S)
    # acima da diagonal, -inf: e^{-inf} = 0 dentro da softmax, e a linha ainda soma 1
    causal = np.tril(np.ones((L, S), dtype=bool))
    escores = np.where(causal, escores, -np.inf)
    # a diagonal nunca é mascarada: o máximo de cada linha é finito
    e = np.exp(escores - escores.max(axis=-1, keepdims=True))
    pesos = e / e.sum(axis=-1, keepdims=True)
    return pesos @ v


# ---------------------------------------------------------------------------------------------
# Peças dos erros plausíveis


def _softmax(x, eixo=-1):
    with np.errstate(invalid="ignore"):
        e = np.exp(x - x.max(axis=eixo, keepdims=True))
        return e / e.sum(axis=eixo, keepdims=True)


def _escores(q, k, divisor=None):
    q, k = np.asarray(q, dtype=float), np.asarray(k, dtype=float)
    s = q @ np.swapaxes(k, -1, -2)
    return s / (np.sqrt(q.shape[-1]) if divisor is None else divisor)


def _causal(s, deslocamento=0):
    L, S = s.shape[-2:]
    return np.tril(np.ones((L, S), dtype=bool), k=deslocamento)


# ---------------------------------------------------------------------------------------------
# escala-atencao: erros plausíveis


def _divide_por_d(q, k):
    q = np.asarray(q, dtype=float)
    return _softmax(_escores(q, k, divisor=q.shape[-1]))


def _escala_depois(q, k):
    q = np.asarray(q, dtype=float)
    return _softmax(_escores(q, k, divisor=1.0)) / np.sqrt(q.shape[-1])


def _sem_escala(q, k):
    return _softmax(_escores(q, k, divisor=1.0))


def _multiplica_raiz(q, k):
    q = np.asarray(q, dtype=float)
    return _softmax(_escores(q, k, divisor=1 / np.sqrt(q.shape[-1])))


def _raiz_de_l(q, k):
    q = np.asarray(q, dtype=float)
    return _softmax(_escores(q, k, divisor=np.sqrt(q.shape[-2])))


def _escala_ingenua(q, k):
    e = np.exp(_escores(q, k))
    return e / e.sum(axis=-1, keepdims=True)


def _escala_maximo_global(q, k):
    s = _escores(q, k)
    e = np.exp(s - s.max())
    return e / e.sum(axis=-1, keepdims=True)


def _escala_eixo_errado(q, k):
    return _softmax(_escores(q, k), eixo=-2)


def _k_ponto_t(q, k):
    q, k = np.asarray(q, dtype=float), np.asarray(k, dtype=float)
    return _softmax(q @ k.T / np.sqrt(q.shape[-1]))


def _escala_no_lugar(q, k):
    q = np.asarray(q)
    q /= np.sqrt(q.shape[-1])  # altera o q de quem chamou
    return _softmax(q @ np.swapaxes(np.asarray(k, dtype=float), -1, -2))


_ESTOURO = (
    "estouro (overflow): com escores grandes, exp(escore) vira inf e inf/inf dá nan. Subtraia o "
    "máximo de cada linha de escores antes de exp (keepdims=True), como no capítulo 1."
)
_MAXIMO_GLOBAL = (
    "máximo global: subtraia o máximo de cada linha de escores (axis=-1, keepdims=True), não o "
    "do array inteiro. Num lote com cabeças de escalas diferentes, as exponenciais de uma linha "
    "inteira viram 0 e a divisão dá 0/0 = nan."
)
_NO_LUGAR = (
    "você alterou q no lugar (q /= ... ou q *= ...): quem chamou perde as consultas originais. "
    "Escreva escores = q @ ... / np.sqrt(d), sem mexer em q."
)

ERROS_ESCALA = (
    ErroConhecido(
        "divide-por-d",
        _divide_por_d,
        "você dividiu os escores por d; a escala é 1/√d (np.sqrt(d)). A variância de q·k cresce "
        "como d, e o seu desvio-padrão como √d: é por √d que se divide para que os escores "
        "tenham variância 1.",
    ),
    ErroConhecido(
        "escala-depois-da-softmax",
        _escala_depois,
        "você dividiu por √d depois da softmax: as linhas deixam de somar 1, e a escala não muda "
        "em nada quais chaves dominam. A escala age nos escores, antes da softmax: "
        "softmax(q kᵀ / √d).",
    ),
    ErroConhecido(
        "sem-escala",
        _sem_escala,
        "faltou a escala: divida os escores q kᵀ por √d (d = q.shape[-1]) antes da softmax.",
    ),
    ErroConhecido(
        "multiplica-raiz",
        _multiplica_raiz,
        "você multiplicou os escores por √d; a escala divide: q kᵀ / np.sqrt(d).",
    ),
    ErroConhecido(
        "raiz-de-l",
        _raiz_de_l,
        "você dividiu pela raiz do número de consultas (q.shape[-2]); d é o tamanho de cada vetor, "
        "a última dimensão: d = q.shape[-1].",
    ),
    ErroConhecido("softmax-ingenua", _escala_ingenua, _ESTOURO),
    ErroConhecido("maximo-global", _escala_maximo_global, _MAXIMO_GLOBAL),
    ErroConhecido(
        "eixo-errado",
        _escala_eixo_errado,
        "eixo errado: cada consulta distribui a atenção entre as chaves, então a softmax é ao "
        "longo do último eixo (axis=-1), e cada linha soma 1; você normalizou as colunas.",
    ),
    ErroConhecido(
        "k-ponto-t",
        _k_ponto_t,
        "k.T inverte todos os eixos de um array com lote (B, S, d) vira (d, S, B): use "
        "np.swapaxes(k, -1, -2), que troca só os dois últimos.",
        no_codigo=("T",),
    ),
    ErroConhecido("escala-no-lugar", _escala_no_lugar, _NO_LUGAR),
)


def _sintoma_pesos(caso: Caso, esperado: np.ndarray, obtido: np.ndarray):
    """Pesos que não somam 1 por linha."""
    if np.any(~np.isfinite(obtido) & np.isfinite(esperado)):
        return ("estouro", _ESTOURO)
    with np.errstate(all="ignore"):
        somas = obtido.sum(axis=-1)
    if np.all(np.isfinite(somas)) and not np.allclose(somas, 1.0, rtol=1e-6):
        return (
            "nao-soma-um",
            "cada linha de pesos deve somar 1 (é uma distribuição sobre as chaves): a softmax é "
            "a última operação, ao longo do último eixo.",
        )
    return None


def _casos_escala() -> list[Caso]:
    rng = np.random.default_rng(909)
    return [
        Caso(
            (
                np.array([[1.0, 0.0, 1.0, 0.0]]),
                np.array([[1.0, 1.0, 0.0, 0.0], [2.0, 0.0, 2.0, 0.0]]),
            )
        ),
        Caso((rng.normal(size=(2, 9)), rng.normal(size=(3, 9)))),
        Caso((rng.normal(size=(3, 8)), rng.normal(size=(5, 8)))),
        Caso((rng.normal(size=(2, 4, 16)), rng.normal(size=(2, 6, 16)))),
        Caso((rng.normal(size=(4, 64)), rng.normal(size=(7, 64)))),
        # escores nos milhares: exp ingênua estoura
        Caso((50 * rng.normal(size=(2, 16)), 50 * rng.normal(size=(3, 16)))),
        # cabeças de escalas muito diferentes no mesmo lote (B, H, L, d): o máximo global zera
        # todas as exponenciais das cabeças pequenas
        Caso(
            (
                np.stack([60 * rng.normal(size=(3, 16)), rng.normal(size=(3, 16))])[None],
                np.stack([60 * rng.normal(size=(5, 16)), rng.normal(size=(5, 16))])[None],
            )
        ),
        Caso(
            (
                rng.normal(size=(3, 32)).astype(np.float32),
                rng.normal(size=(4, 32)).astype(np.float32),
            )
        ),
        # escores de centenas de milhares (1e5 e -1e5): nem exp em np.longdouble (até ~11356)
        # escapa sem subtrair o máximo
        Caso(
            (
                np.array([[400.0, 0.0, 0.0, 0.0], [0.0, -400.0, 0.0, 0.0]]),
                np.array([[500.0, 1.0, 0.0, 0.0], [500.0, 0.0, 1.0, 0.0], [499.99, 0.0, 0.0, 1.0]]),
            )
        ),
    ]


ESCALA_ATENCAO = registrar(
    Exercicio(
        id="escala-atencao",
        titulo="Os pesos da atenção, com a escala",
        parametros=("q", "k"),
        referencia=pesos_de_atencao,
        casos=_casos_escala,
        dicas=(
            "Os escores são todos os produtos escalares de uma consulta com uma chave: "
            "q @ np.swapaxes(k, -1, -2) tem formato (..., L, S).",
            "A escala é 1/√d, com d = q.shape[-1] (o tamanho de cada vetor), e age nos escores, "
            "antes da softmax.",
            "Depois, a softmax estável ao longo do último eixo: subtraia "
            "escores.max(axis=-1, keepdims=True) antes de np.exp e divida pela soma da linha.",
        ),
        erros_conhecidos=ERROS_ESCALA,
        sintomas=_sintoma_pesos,
        formato="(..., L, S): um peso para cada par consulta–chave",
        explicacao=(
            "Com $q$ e $k$ de coordenadas independentes de variância 1, $q \\cdot k$ tem variância "
            "$d$; dividir por $\\sqrt{d}$ devolve os escores à variância 1, longe da saturação da "
            "softmax. A escala vem antes da softmax; a softmax, com o máximo de cada linha "
            "subtraído, ao longo das chaves."
        ),
    )
)

# ---------------------------------------------------------------------------------------------
# atencao-causal: erros plausíveis


def _atencao(escores, v):
    return _softmax(escores) @ np.asarray(v, dtype=float)


def _sem_diagonal(q, k, v):
    s = _escores(q, k)
    return _atencao(np.where(_causal(s, -1), s, -np.inf), v)


def _espia_um(q, k, v):
    s = _escores(q, k)
    return _atencao(np.where(_causal(s, 1), s, -np.inf), v)


def _mascara_depois(q, k, v):
    s = _escores(q, k)
    return (_softmax(s) * _causal(s)) @ np.asarray(v, dtype=float)


def _mascara_com_zero(q, k, v):
    s = _escores(q, k)
    return _atencao(s * _causal(s), v)


def _mascara_transposta(q, k, v):
    s = _escores(q, k)
    return _atencao(np.where(_causal(s).T, s, -np.inf), v)


def _sem_mascara(q, k, v):
    return _atencao(_escores(q, k), v)


def _causal_sem_escala(q, k, v):
    s = _escores(q, k, divisor=1.0)
    return _atencao(np.where(_causal(s), s, -np.inf), v)


def _causal_ingenua(q, k, v):
    s = _escores(q, k)
    e = np.exp(np.where(_causal(s), s, -np.inf))
    return (e / e.sum(axis=-1, keepdims=True)) @ np.asarray(v, dtype=float)


def _causal_ingenua_exp_antes(q, k, v):
    s = _escores(q, k)
    e = np.exp(s) * _causal(s)  # e^{escore} do futuro também estoura: inf · 0 = nan
    return (e / e.sum(axis=-1, keepdims=True)) @ np.asarray(v, dtype=float)


def _maximo_com_mascaradas(q, k, v):
    s = _escores(q, k)
    # o máximo da linha inteira, com as chaves do futuro, e a máscara só depois da exponencial
    e = np.exp(s - s.max(axis=-1, keepdims=True)) * _causal(s)
    return (e / e.sum(axis=-1, keepdims=True)) @ np.asarray(v, dtype=float)


def _causal_maximo_global(q, k, v):
    s = np.where(_causal(_escores(q, k)), _escores(q, k), -np.inf)
    e = np.exp(s - s.max())
    return (e / e.sum(axis=-1, keepdims=True)) @ np.asarray(v, dtype=float)


def _devolve_pesos(q, k, v):
    s = _escores(q, k)
    return _softmax(np.where(_causal(s), s, -np.inf))


def _causal_no_lugar(q, k, v):
    q = np.asarray(q)
    q /= np.sqrt(q.shape[-1])  # altera o q de quem chamou
    s = q @ np.swapaxes(np.asarray(k, dtype=float), -1, -2)
    return _atencao(np.where(_causal(s), s, -np.inf), v)


ERROS_CAUSAL = (
    ErroConhecido(
        "mascara-sem-diagonal",
        _sem_diagonal,
        "máscara deslocada de um: você bloqueou também a diagonal (np.tril(..., k=-1) ou "
        "np.triu(..., k=0)). A consulta i pode ver a própria chave i: a primeira linha fica "
        "inteiramente mascarada, e a softmax de uma linha só de -inf dá 0/0 = nan.",
    ),
    ErroConhecido(
        "mascara-espia-um",
        _espia_um,
        "máscara deslocada de um: a consulta i está vendo a chave i + 1 (np.tril(..., k=1) ou "
        "np.triu(..., k=1) trocado). A máscara causal é np.tril(np.ones((L, S), bool)): j <= i.",
    ),
    ErroConhecido(
        "mascara-depois-da-softmax",
        _mascara_depois,
        "você aplicou a máscara depois da softmax (multiplicando os pesos por 0): as linhas "
        "deixam de somar 1, porque a soma da softmax incluiu as chaves do futuro. Mascare os "
        "escores antes, com -inf: np.where(causal, escores, -np.inf).",
    ),
    ErroConhecido(
        "mascara-com-zero",
        _mascara_com_zero,
        "você zerou os escores mascarados; um escore 0 ainda recebe peso e^0 = 1 na softmax. "
        "Use -inf: e^{-inf} = 0, e a chave some de verdade.",
    ),
    ErroConhecido(
        "mascara-transposta",
        _mascara_transposta,
        "a máscara está transposta: a consulta i está vendo as chaves j >= i (o futuro) e não "
        "as j <= i. Use np.tril, a parte de baixo da matriz, com as linhas = consultas.",
    ),
    ErroConhecido(
        "sem-mascara",
        _sem_mascara,
        "faltou a máscara causal: cada consulta está vendo todas as chaves, inclusive as do "
        "futuro. Antes da softmax, escores = np.where(np.tril(...), escores, -np.inf).",
    ),
    ErroConhecido(
        "sem-escala",
        _causal_sem_escala,
        "faltou a escala: divida os escores q kᵀ por √d (d = q.shape[-1]) antes da softmax.",
    ),
    ErroConhecido("softmax-ingenua", _causal_ingenua, _ESTOURO),
    ErroConhecido("softmax-ingenua", _causal_ingenua_exp_antes, _ESTOURO),
    ErroConhecido(
        "maximo-com-mascaradas",
        _maximo_com_mascaradas,
        "o máximo de cada linha incluiu as chaves mascaradas (o futuro): quando uma delas tem o "
        "maior escore, todas as exponenciais permitidas viram 0 e a divisão dá 0/0 = nan. "
        "Mascare os escores com -inf antes de tirar o máximo.",
    ),
    ErroConhecido("maximo-global", _causal_maximo_global, _MAXIMO_GLOBAL),
    ErroConhecido(
        "devolveu-os-pesos",
        _devolve_pesos,
        "você devolveu os pesos da atenção (..., L, S); a saída é a média ponderada dos valores: "
        "pesos @ v, de formato (..., L, Ev).",
    ),
    ErroConhecido("escala-no-lugar", _causal_no_lugar, _NO_LUGAR),
)


def _casos_causal() -> list[Caso]:
    rng = np.random.default_rng(99)

    def qkv(*lote, T, d, dv, escala=1.0, dtype=np.float64):
        q = escala * rng.normal(size=(*lote, T, d))
        k = escala * rng.normal(size=(*lote, T, d))
        v = rng.normal(size=(*lote, T, dv))
        return Caso(tuple(a.astype(dtype) for a in (q, k, v)))

    return [
        # um token só: a saída é o próprio valor
        Caso((np.array([[1.0, 2.0]]), np.array([[0.5, -1.0]]), np.array([[3.0, -2.0, 1.0]]))),
        Caso(
            (
                np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]),
                np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 2.0]]),
                np.array([[1.0], [10.0], [100.0]]),
            )
        ),
        qkv(T=4, d=3, dv=2),
        qkv(T=5, d=4, dv=3),
        qkv(2, T=6, d=8, dv=2),
        qkv(2, 3, T=5, d=16, dv=4),
        # escores nos milhares: exp ingênua estoura
        qkv(T=4, d=8, dv=2, escala=40.0),
        Caso(
            (
                np.stack([70 * rng.normal(size=(4, 8)), rng.normal(size=(4, 8))]),
                np.stack([70 * rng.normal(size=(4, 8)), rng.normal(size=(4, 8))]),
                rng.normal(size=(2, 4, 3)),
            )
        ),
        qkv(T=5, d=8, dv=3, dtype=np.float32),
        # escores de centenas de milhares: nem exp em np.longdouble (até ~11356) escapa sem
        # subtrair o máximo
        Caso(
            (
                np.array([[400.0, 0.0, 0.0, 0.0], [400.0, 0.0, 0.0, 0.0], [0.0, -400.0, 0.0, 0.0]]),
                np.array([[500.0, 1.0, 0.0, 0.0], [500.0, 0.0, 1.0, 0.0], [499.99, 0.0, 0.0, 1.0]]),
                np.array([[1.0, -1.0], [2.0, 0.5], [-3.0, 4.0]]),
            )
        ),
    ]


def _valido_causal(caso: Caso) -> bool:
    # o encolhimento apaga posições de um eixo de cada vez: q, k e v devem continuar com o mesmo
    # número de posições (a atenção causal do exercício é quadrada) e o mesmo lote
    q, k, v = caso.args
    return (
        q.shape[-2] == k.shape[-2] == v.shape[-2] and q.shape[:-2] == k.shape[:-2] == v.shape[:-2]
    )


ATENCAO_CAUSAL = registrar(
    Exercicio(
        id="atencao-causal",
        titulo="A atenção causal",
        parametros=("q", "k", "v"),
        referencia=atencao_causal,
        casos=_casos_causal,
        dicas=(
            "Primeiro os escores com a escala, q @ np.swapaxes(k, -1, -2) / np.sqrt(d), de "
            "formato (..., T, T); a consulta i pode ver as chaves j <= i.",
            "A máscara entra antes da softmax, como -inf: "
            "np.where(np.tril(np.ones((T, T), bool)), escores, -np.inf). A diagonal fica livre.",
            "Depois, a softmax estável ao longo do último eixo e a média ponderada dos valores: "
            "pesos @ v.",
        ),
        erros_conhecidos=ERROS_CAUSAL,
        formato="(..., T, Ev): um vetor de saída para cada consulta",
        valido=_valido_causal,
        explicacao=(
            "Um escore $-\\infty$ vira peso $e^{-\\infty} = 0$ dentro da softmax, e a linha "
            "continua somando 1 sobre as chaves permitidas. A diagonal nunca é mascarada, então "
            "toda linha tem um máximo finito e a softmax estável não encontra $0/0$."
        ),
    )
)
