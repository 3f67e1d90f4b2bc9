"""Exercícios do capítulo 1 (Softmax): ``softmax-estavel`` e ``temperatura``.

Cada exercício traz a solução de referência (que o livro mostra na solução, incluída daqui), os
casos de teste em ordem crescente de tamanho e o catálogo de erros plausíveis que o verificador
reconhece.
"""

from __future__ import annotations

import numpy as np

from companion.exercicios._nucleo import Caso, ErroConhecido, Exercicio, registrar

# ---------------------------------------------------------------------------------------------
# Soluções de referência (o livro as mostra com literalinclude)


def softmax_estavel(x):
    """Softmax ao longo do último eixo, estável para qualquer entrada finita."""
    x = np.asarray(x, dtype=float)
    # m = max_j x_j em cada linha; keepdims=True mantém (..., 1) para o broadcast
    x_max = x.max(axis=-1, keepdims=True)
    # e^{x_i - m} <= 1: nunca estoura, e o maior termo vale exatamente 1
    e = np.exp(x - x_max)
    return e / e.sum(axis=-1, keepdims=True)


def softmax_com_temperatura(logits, T):
    """Probabilidades à temperatura T: softmax(logits / T) ao longo do último eixo."""
    z = np.asarray(logits, dtype=float) / T
    # depois de dividir por T, subtrai o máximo: z pode ser enorme quando T é pequeno
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


# ---------------------------------------------------------------------------------------------
# Erros plausíveis (cada um deve ser recusado com o diagnóstico certo; ver tests/)


def _exp_ingenua(x):
    e = np.exp(x)
    return e / e.sum(axis=-1, keepdims=True)


def _eixo_zero(x):
    e = np.exp(x - x.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def _normaliza_tudo(x):
    e = np.exp(x - x.max())
    return e / e.sum()


def _maximo_global(x):
    e = np.exp(x - x.max())
    return e / e.sum(axis=-1, keepdims=True)


def _sem_normalizar(x):
    return np.exp(x - x.max(axis=-1, keepdims=True))


def _sem_keepdims(x):
    e = np.exp(x - x.max(axis=-1))
    return e / e.sum(axis=-1)


def _sem_keepdims_na_soma(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1)


_ESTOURO = (
    "estouro (overflow): exp de um logit grande vira inf (e de um muito negativo vira 0), e "
    "inf/inf ou 0/0 dá nan. Subtraia o máximo de cada linha antes de exp — pela invariância por "
    "translação, a softmax não muda."
)
_KEEPDIMS = (
    "formato: sem keepdims=True, o máximo (ou a soma) de cada linha tem formato (n,) e o "
    "broadcast o alinha com as colunas, não com as linhas. Use x.max(axis=-1, keepdims=True) e "
    "e.sum(axis=-1, keepdims=True)."
)

ERROS_SOFTMAX_ESTAVEL = (
    ErroConhecido("exp-ingenua", _exp_ingenua, _ESTOURO),
    ErroConhecido(
        "maximo-global",
        _maximo_global,
        "máximo global: subtraia o máximo de cada linha (x.max(axis=-1, keepdims=True)), não o "
        "do array inteiro. Com linhas de escalas muito diferentes, as exponenciais de uma linha "
        "inteira viram 0 e a divisão dá 0/0 = nan.",
    ),
    ErroConhecido(
        "eixo-errado",
        _eixo_zero,
        "eixo errado: a softmax deve normalizar ao longo do último eixo (axis=-1), para que cada "
        "linha some 1; você normalizou ao longo do primeiro (axis=0).",
    ),
    ErroConhecido(
        "normaliza-tudo",
        _normaliza_tudo,
        "normalizou o array inteiro: a soma deve ser por linha (axis=-1, keepdims=True), e não "
        "de todos os elementos; cada linha é uma distribuição separada.",
    ),
    ErroConhecido(
        "sem-normalizar",
        _sem_normalizar,
        "falta normalizar: depois de exp, divida pela soma de cada linha para que ela some 1.",
    ),
    ErroConhecido("sem-keepdims", _sem_keepdims, _KEEPDIMS),
    ErroConhecido("sem-keepdims", _sem_keepdims_na_soma, _KEEPDIMS),
)


def _sintoma_probabilidades(caso: Caso, esperado: np.ndarray, obtido: np.ndarray):
    """Sintomas de uma softmax errada: nan onde o esperado é finito (estouro da exponencial,
    mesmo sem aviso do numpy, como num laço com math.exp) e linhas que não somam 1."""
    if np.any(~np.isfinite(obtido) & np.isfinite(esperado)):
        x = np.asarray(caso.args[0], dtype=float)
        finitos = np.abs(x[np.isfinite(x)])
        if np.isneginf(x).any() and (finitos.size == 0 or finitos.max() < 80.0):
            # nenhum logit grande o bastante para estourar a exp: o nan veio do -inf
            return (
                "menos-infinito",
                "a saída tem nan numa entrada com -inf (um logit mascarado), e nenhum logit é "
                "grande o bastante para estourar a exponencial: alguma conta com o -inf deu "
                "nan, como (-inf) - (-inf), -inf/-inf ou 0 * (-inf). A softmax dá probabilidade "
                "0 a um logit -inf: subtraia o máximo (finito) da linha, e exp(-inf) = 0 faz o "
                "resto.",
            )
        return ("estouro", _ESTOURO)
    with np.errstate(all="ignore"):
        somas = obtido.sum(axis=-1)
    if np.all(np.isfinite(somas)) and not np.allclose(somas, 1.0, rtol=1e-6):
        return (
            "nao-soma-um",
            "as linhas da saída não somam 1. A softmax é uma distribuição de probabilidade por "
            "linha: divida cada exponencial pela soma da sua linha.",
        )
    return None


def _casos_softmax_estavel() -> list[Caso]:
    rng = np.random.default_rng(20240429)
    return [
        Caso((np.array([1.0, 2.0, 3.0]),)),
        Caso((np.array([[1.0, 2.0], [3.0, 5.0]]),)),
        Caso((np.array([[2.0, 1.0, 5.0], [2.0, 1.0, 7.0]]),)),
        Caso((np.array([1000.0, 1001.0, 1002.0]),)),
        Caso((np.array([-1000.0, -1001.0, -1002.0]),)),
        Caso((np.array([0.0, -np.inf, 1.0]),)),
        Caso((np.array([[0.0, 1.0], [1000.0, 1001.0]]),)),
        Caso((np.array([[10.0, 20.0, 100.0], [1.0, 2.0, 3.0]], dtype=np.float32),)),
        # escalas muito diferentes entre as linhas e entre os mapas de um lote (B, T, K): um só
        # máximo para o array inteiro zera as exponenciais de algumas linhas (0/0 = nan)
        Caso((np.array([[-2000.0, -2001.0, -1999.5], [3.0, 1.0, 2.0], [800.0, 799.0, 750.0]]),)),
        Caso(
            (
                np.array(
                    [
                        [[1500.0, 1499.0, 1490.0], [-3.0, 0.5, 1.0]],
                        [[-1200.0, -1201.0, -1198.0], [2.0, 2.0, -1.0]],
                    ]
                ),
            )
        ),
        Caso((np.array([[0.0, 1.0], [150.0, 151.0]], dtype=np.float32),)),
        Caso((rng.normal(size=(2, 3, 4)),)),
        Caso((rng.normal(scale=3.0, size=(4, 5)),)),
        Caso((rng.normal(scale=50.0, size=(3, 7)),)),
        Caso((rng.normal(scale=300.0, size=(5, 6)),)),
        # linhas longas com logits grandes: um atalho que só vale para linhas curtas falha
        Caso((rng.normal(size=(3, 9)) + np.array([[900.0], [-2000.0], [0.0]]),)),
        # logits de centenas de milhares: nem exp em np.longdouble (até ~11356) escapa
        Caso((np.array([[1e5, 1e5 + 1.0, 1e5 - 3.0], [-3e5, -3e5 + 2.0, -3e5 - 1.0]]),)),
    ]


SOFTMAX_ESTAVEL = registrar(
    Exercicio(
        id="softmax-estavel",
        titulo="Uma softmax estável",
        parametros=("x",),
        referencia=softmax_estavel,
        casos=_casos_softmax_estavel,
        dicas=(
            "A softmax não muda quando se soma a mesma constante a todos os logits de uma linha. "
            "Qual constante deixa todos os expoentes menores ou iguais a zero?",
            "Subtraia o máximo de cada linha: `x.max(axis=-1, keepdims=True)`. O `keepdims=True` "
            "mantém o eixo reduzido com tamanho 1, e o broadcast alinha o máximo com a sua linha.",
            "Depois de `e = np.exp(x - x_max)`, divida por `e.sum(axis=-1, keepdims=True)`.",
        ),
        erros_conhecidos=ERROS_SOFTMAX_ESTAVEL,
        sintomas=_sintoma_probabilidades,
        # o enunciado promete «nenhum logit finito pode produzir nan ou aviso de estouro»: um
        # ramo ingênuo calculado e descartado (np.where com dois ramos) estoura e é recusado
        proibir_avisos=True,
        formato="o mesmo formato de x: uma probabilidade para cada logit",
        explicacao=(
            "Subtrair o máximo de cada linha deixa todo expoente em $(-\\infty, 0]$: a exponencial "
            "nunca estoura, e o maior termo vale exatamente 1, de modo que a soma nunca é 0."
        ),
    )
)

# ---------------------------------------------------------------------------------------------
# temperatura


def _estavel(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _multiplica_t(logits, T):
    return _estavel(np.asarray(logits) * T)


def _ignora_t(logits, T):
    return _estavel(np.asarray(logits))


def _divide_probabilidades(logits, T):
    return _estavel(np.asarray(logits)) / T


def _exp_ingenua_t(logits, T):
    e = np.exp(np.asarray(logits) / T)
    return e / e.sum(axis=-1, keepdims=True)


def _t_sem_normalizar(logits, T):
    z = np.asarray(logits) / T
    return np.exp(z - z.max(axis=-1, keepdims=True))


def _t_maximo_global(logits, T):
    z = np.asarray(logits) / T
    e = np.exp(z - z.max())
    return e / e.sum(axis=-1, keepdims=True)


ERROS_TEMPERATURA = (
    ErroConhecido(
        "exp-ingenua",
        _exp_ingenua_t,
        "estouro (overflow): com T pequeno, logits / T fica enorme e exp vira inf. Subtraia o "
        "máximo de logits / T antes de exp.",
    ),
    ErroConhecido(
        "multiplica-t",
        _multiplica_t,
        "a temperatura divide os logits: softmax(logits / T). Multiplicar por T inverte o efeito "
        "(T pequeno deveria concentrar a probabilidade no maior logit, não espalhá-la).",
    ),
    ErroConhecido(
        "ignora-t",
        _ignora_t,
        "a temperatura não teve efeito: o resultado é a softmax comum. Divida os logits por T "
        "antes da softmax.",
    ),
    ErroConhecido(
        "divide-probabilidades",
        _divide_probabilidades,
        "dividiu as probabilidades por T, depois da softmax; T se aplica aos logits, antes dela "
        "(e o resultado nem soma mais 1).",
    ),
    ErroConhecido(
        "sem-normalizar",
        _t_sem_normalizar,
        "falta normalizar: depois de exp, divida pela soma de cada linha para que ela some 1.",
    ),
    ErroConhecido(
        "maximo-global",
        _t_maximo_global,
        "máximo global: subtraia o máximo de cada linha de logits / T "
        "(z.max(axis=-1, keepdims=True)), não o do array inteiro. Numa linha muito abaixo do "
        "máximo do lote, todas as exponenciais viram 0 e a divisão dá 0/0 = nan.",
    ),
)


def _casos_temperatura() -> list[Caso]:
    rng = np.random.default_rng(1729)
    return [
        Caso((np.array([1.0, 2.0, 3.0]), 1.0)),
        Caso((np.array([1.0, 2.0, 3.0]), 2.0)),
        Caso((np.array([1.0, 2.0, 3.0]), 0.5)),
        Caso((np.array([[1.0, 2.0], [3.0, 5.0]]), 0.5)),
        Caso((np.array([2.0, 1.0, 0.0]), 10.0)),
        Caso((np.array([10.0, 9.0, 8.0]), 0.01)),
        Caso((np.array([[0.5, 0.2, 0.1, -0.3]]), 0.05)),
        Caso((rng.normal(size=(3, 6)), 0.7)),
        Caso((rng.normal(scale=5.0, size=(2, 2, 5)), 3.0)),
        # logits nas centenas e nos milhares: mesmo com T >= 1, logits / T passa de 709
        Caso((np.array([2000.0, 1999.0, 1990.0]), 2.0)),
        Caso((np.array([[300.0, 200.0, 100.0], [-2000.0, -2500.0, -1900.0]]), 1.0)),
        Caso((np.array([8000.0, 7990.0, 7000.0, -8000.0]), 10.0)),
        # linhas de escalas muito diferentes no mesmo lote (depois de dividir por T)
        Caso((np.array([[0.0, 1.0, -0.5], [10.0, 11.0, 9.0]]), 0.01)),
        Caso((np.array([[[-900.0, -899.0], [1.0, 2.0]], [[950.0, 951.0], [0.0, 0.5]]]), 1.0)),
        # logits nas centenas com T = 0,01: logits / T passa de 11356, e nem exp em
        # np.longdouble escapa sem subtrair o máximo
        Caso((np.array([[200.0, 199.0, 150.0], [-20.0, -21.0, -20.5]]), 0.01)),
    ]


TEMPERATURA = registrar(
    Exercicio(
        id="temperatura",
        titulo="Softmax com temperatura",
        parametros=("logits", "T"),
        referencia=softmax_com_temperatura,
        casos=_casos_temperatura,
        dicas=(
            "A temperatura age sobre os logits, antes da exponencial: divida-os por T.",
            "Com T = 0,01 os logits divididos por T passam de 1000; a exponencial estoura se você "
            "não subtrair o máximo (de logits / T) antes de exp.",
            "Reaproveite a sua softmax estável: `softmax_estavel(logits / T)`.",
        ),
        erros_conhecidos=ERROS_TEMPERATURA,
        sintomas=_sintoma_probabilidades,
        formato="o mesmo formato de logits: uma probabilidade para cada logit",
        explicacao=(
            "Dividir por $T$ antes da softmax escala as diferenças entre os logits: $T < 1$ as "
            "amplia (mais perto do argmax), $T > 1$ as encolhe (mais perto da uniforme)."
        ),
    )
)
