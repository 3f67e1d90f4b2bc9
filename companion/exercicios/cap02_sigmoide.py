"""Exercícios do capítulo 2 (Sigmoide e softmax).

``sigmoide-estavel`` e ``softmax-duas-classes``.
"""

from __future__ import annotations

import numpy as np

from companion.exercicios._nucleo import Caso, ErroConhecido, Exercicio, registrar

# ---------------------------------------------------------------------------------------------
# Soluções de referência


def sigmoide_estavel(x):
    """σ(x) = 1 / (1 + e^{-x}) elemento a elemento, sem estouro para nenhum x."""
    x = np.asarray(x, dtype=float)
    # z = e^{-|x|} ∈ (0, 1]: nunca estoura, seja x positivo ou negativo
    z = np.exp(-np.abs(x))
    # x >= 0: 1 / (1 + e^{-x});  x < 0: e^{x} / (1 + e^{x}), a mesma função reescrita
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


def prob_classe_1(logits):
    """P(classe 1) = softmax(logits)[..., 1] para logits de formato (..., 2): σ(x₁ − x₀)."""
    logits = np.asarray(logits, dtype=float)
    # a softmax de dois logits só depende da diferença (invariância por translação)
    return sigmoide_estavel(logits[..., 1] - logits[..., 0])


# ---------------------------------------------------------------------------------------------
# sigmoide-estavel: erros plausíveis


def _ingenua(x):
    return 1.0 / (1.0 + np.exp(-x))


def _ingenua_silenciada(x):
    # o aviso some, o estouro não: e^{720} = inf e 1/(1 + inf) = 0
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-x))


def _exp_sobre_um_mais_exp(x):
    e = np.exp(x)
    return e / (1.0 + e)


def _where_com_dois_ramos(x):
    # np.where calcula os dois ramos para todos os elementos antes de escolher
    return np.where(x >= 0, 1.0 / (1.0 + np.exp(-x)), np.exp(x) / (1.0 + np.exp(x)))


def _tanh_errada(x):
    return 0.5 * (1.0 + np.tanh(x))  # falta o x/2: σ(x) = (1 + tanh(x/2)) / 2


_ESTOURO_NEGATIVO = (
    "estouro (overflow): para x muito negativo, e^{-x} passa do maior float e vira inf, e o "
    "numpy avisa. O resultado 1/(1 + inf) = 0 só está certo para x < −745; entre −745 e "
    "−709,78, σ(x) é um número subnormal que o float64 representa (σ(−720) ≈ 2·10⁻³¹³), e o 0 "
    "está errado. A mesma conta, escrita como e^x/(1 + e^x), daria inf/inf = nan para x grande. "
    "Calcule com z = e^{-|x|}, que nunca estoura: 1/(1 + z) para x >= 0 e z/(1 + z) para x < 0."
)

ERROS_SIGMOIDE = (
    ErroConhecido(
        "where-dois-ramos",
        _where_com_dois_ramos,
        "np.where calcula os dois ramos para todos os elementos e só depois escolhe: o ramo "
        "descartado estoura e emite avisos, mesmo com o resultado certo. Use z = e^{-|x|} nos "
        "dois ramos, que nunca estoura.",
        no_codigo=("where",),
    ),
    ErroConhecido("ingenua", _ingenua, _ESTOURO_NEGATIVO),
    ErroConhecido(
        "ingenua-silenciada",
        _ingenua_silenciada,
        "sua função devolve 0 onde σ(x) ainda é um número subnormal do float64 (entre "
        "x ≈ −745 e x ≈ −709,78), como a forma 1/(1 + e^{-x}) com o aviso de estouro "
        "silenciado: em x = −720, 1/(1 + e^{720}) = 0 porque e^{720} estourou (virou inf), mas o "
        "valor exato é σ(−720) ≈ 2·10⁻³¹³. Silenciar o aviso não conserta a conta "
        "(scipy.special.expit e torch.sigmoid também dão 0 ali). Calcule com z = e^{-|x|}, que "
        "nunca estoura: para x < 0, z/(1 + z) = e^{-720}/(1 + e^{-720}) ≈ 2·10⁻³¹³.",
    ),
    ErroConhecido(
        "exp-sobre-um-mais-exp",
        _exp_sobre_um_mais_exp,
        "estouro (overflow): a forma e^x / (1 + e^x) estoura para x grande (inf/inf = nan). Ela "
        "só é segura para x < 0; para x >= 0 use 1 / (1 + e^{-x}).",
    ),
    ErroConhecido(
        "tanh-sem-metade",
        _tanh_errada,
        "a identidade com a tangente hiperbólica é σ(x) = (1 + tanh(x/2)) / 2: faltou dividir "
        "x por 2.",
    ),
)


def _casos_sigmoide() -> list[Caso]:
    rng = np.random.default_rng(4242)
    # o maior caso também tem valores na cauda subnormal: um atalho que só vale para arrays
    # pequenos (1/(1 + e^{-x}) com o aviso silenciado nos grandes) falha
    grande = np.random.default_rng(4243).normal(scale=400.0, size=(3, 4, 5))
    grande[0, 1, 2], grande[1, 0, 0], grande[2, 3, 4] = -721.5, -710.5, -715.0
    return [
        Caso((np.array([0.0]),)),
        Caso((np.array([-2.0, 0.5, 3.0]),)),
        Caso((np.array([-1000.0, 1000.0]),)),
        Caso((np.array([-720.0, -40.0, 40.0]),)),
        Caso((np.array([-100.0, -90.0, 100.0], dtype=np.float32),)),
        Caso((np.array([[-np.inf, np.inf], [-5.0, 5.0]]),)),
        # a cauda subnormal: σ(x) ≈ e^{x} fica abaixo do menor float64 normal (x < −708,4) e
        # ainda é representável até x ≈ −745; até −722 o espaçamento relativo dos subnormais
        # (< 4e-10) cabe na tolerância, e z/(1 + z) com z = e^{-|x|} acerta
        Caso((np.array([[-709.9, -712.5, 3.0], [-715.25, -720.0, -722.0]]),)),
        Caso((rng.normal(scale=4.0, size=(3, 4)),)),
        Caso((rng.normal(scale=400.0, size=(2, 3, 5)),)),
        Caso((grande,)),
    ]


SIGMOIDE_ESTAVEL = registrar(
    Exercicio(
        id="sigmoide-estavel",
        titulo="Uma sigmoide estável",
        parametros=("x",),
        referencia=sigmoide_estavel,
        casos=_casos_sigmoide,
        dicas=(
            "Para x muito negativo, e^{-x} estoura; para x muito positivo, e^{x} estoura. Cada "
            "forma da sigmoide só é segura de um lado do zero.",
            "Com z = e^{-|x|}, que fica em (0, 1]: σ(x) = 1/(1 + z) quando x >= 0 e "
            "σ(x) = z/(1 + z) quando x < 0.",
            "Calcule z = np.exp(-np.abs(x)) uma vez e escolha com "
            "np.where(x >= 0, 1 / (1 + z), z / (1 + z)): os dois ramos usam z, e nenhum estoura.",
        ),
        erros_conhecidos=ERROS_SIGMOIDE,
        explicacao=(
            "As duas formas, $1/(1 + e^{-x})$ e $e^{x}/(1 + e^{x})$, são a mesma função; cada "
            "uma só exponencia números $\\le 0$ de um lado do zero. Com $z = e^{-|x|}$ as duas "
            "ficam seguras, e o `np.where` não calcula nada que estoure."
        ),
        formato="o mesmo formato de x: σ elemento a elemento",
        # A cauda subnormal do float64 é exigida, como em companion.sigmoid: σ(−720) ≈ 2e-313, e
        # um 0 ali (a forma ingênua com o aviso silenciado, scipy.special.expit, torch.sigmoid)
        # é recusado. O atol só absorve o arredondamento na cauda mais funda (x < −737), onde os
        # subnormais têm poucos dígitos. Em float32 os subnormais não são exigidos (atol32).
        # proibir_avisos: o np.where com dois ramos tem os valores certos, mas estoura.
        atol=1e-320,
        atol32=1e-37,
        proibir_avisos=True,
    )
)

# ---------------------------------------------------------------------------------------------
# softmax-duas-classes


def _classe_trocada(logits):
    logits = np.asarray(logits, dtype=float)
    return sigmoide_estavel(logits[..., 0] - logits[..., 1])


def _ignora_x0(logits):
    return sigmoide_estavel(np.asarray(logits, dtype=float)[..., 1])


def _devolve_as_duas(logits):
    logits = np.asarray(logits, dtype=float)
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _exp_ingenua_duas(logits):
    e = np.exp(np.asarray(logits, dtype=float))
    return e[..., 1] / e.sum(axis=-1)


def _divide_pela_soma(logits):
    logits = np.asarray(logits, dtype=float)
    return logits[..., 1] / logits.sum(axis=-1)


def _duas_maximo_global(logits):
    logits = np.asarray(logits, dtype=float)
    e = np.exp(logits - logits.max())
    return e[..., 1] / e.sum(axis=-1)


def _eixo_sobrando(logits):
    logits = np.asarray(logits, dtype=float)
    # fatiar com 1: e :1 mantém o último eixo, com tamanho 1
    return sigmoide_estavel(logits[..., 1:] - logits[..., :1])


ERROS_DUAS_CLASSES = (
    ErroConhecido(
        "classe-trocada",
        _classe_trocada,
        "classe trocada: você devolveu a probabilidade da classe 0. A da classe 1 é "
        "σ(x₁ − x₀) = 1 − σ(x₀ − x₁).",
    ),
    ErroConhecido(
        "ignora-x0",
        _ignora_x0,
        "a softmax de dois logits depende da diferença entre eles: P(classe 1) = σ(x₁ − x₀), e "
        "não σ(x₁). Somar a mesma constante aos dois logits não pode mudar a resposta.",
    ),
    ErroConhecido(
        "devolve-as-duas",
        _devolve_as_duas,
        "formato: a função deve devolver só a probabilidade da classe 1, com formato "
        "logits.shape[:-1] — não o vetor com as duas probabilidades.",
    ),
    ErroConhecido(
        "exp-ingenua",
        _exp_ingenua_duas,
        "estouro (overflow): e^{x} de um logit grande vira inf, e inf/inf = nan. Use a "
        "diferença dos logits numa sigmoide estável (ou subtraia o máximo antes de exp).",
    ),
    ErroConhecido(
        "divide-pela-soma",
        _divide_pela_soma,
        "dividir o logit pela soma dos logits não é a softmax: falta a exponencial (e o "
        "resultado pode ser negativo ou maior que 1).",
    ),
    ErroConhecido(
        "maximo-global",
        _duas_maximo_global,
        "máximo global: subtraia o máximo de cada par de logits (axis=-1, keepdims=True), não o "
        "do array inteiro. Num par muito abaixo do máximo do lote, as duas exponenciais viram 0 "
        "e a divisão dá 0/0 = nan. Mais simples: σ(x₁ − x₀) não precisa de máximo nenhum.",
    ),
    ErroConhecido(
        "eixo-sobrando",
        _eixo_sobrando,
        "formato: os valores estão certos, mas a saída tem um eixo a mais no fim, de tamanho 1 "
        "— formato (..., 1) em vez de logits.shape[:-1]. É o que dá uma fatia, "
        "logits[..., 1:] - logits[..., :1], que mantém o último eixo (ou keepdims=True na "
        "conta final). Use um índice, que tira o eixo: logits[..., 1] - logits[..., 0].",
    ),
)


def _casos_duas_classes() -> list[Caso]:
    rng = np.random.default_rng(2)
    return [
        Caso((np.array([0.0, 0.0]),)),
        Caso((np.array([1.0, 3.0]),)),
        Caso((np.array([[2.0, -1.0], [0.5, 0.25]]),)),
        Caso((np.array([1000.0, 1001.0]),)),
        Caso((np.array([[-800.0, 800.0], [800.0, -800.0]]),)),
        Caso((rng.normal(scale=3.0, size=(4, 2)),)),
        Caso((rng.normal(scale=30.0, size=(2, 3, 2)),)),
        # pares de escalas muito diferentes no mesmo lote, com logits nos milhares
        Caso((np.array([[0.0, 1.0], [1000.0, 1001.0]]),)),
        Caso((np.array([[[-3000.0, -2999.0], [5.0, 4.0]], [[2500.0, 2400.0], [-1.0, 2.0]]]),)),
    ]


SOFTMAX_DUAS_CLASSES = registrar(
    Exercicio(
        id="softmax-duas-classes",
        titulo="De dois logits à probabilidade da classe 1",
        parametros=("logits",),
        referencia=prob_classe_1,
        casos=_casos_duas_classes,
        dicas=(
            "Com dois logits, a softmax só depende da diferença entre eles (a proposição da "
            "seção “Duas classes: a softmax é uma sigmoide”).",
            "P(classe 1) = e^{x₁} / (e^{x₀} + e^{x₁}) = σ(x₁ − x₀). Os logits estão no último "
            "eixo: logits[..., 0] e logits[..., 1].",
            "Reaproveite a sua sigmoide estável: "
            "`sigmoide_estavel(logits[..., 1] - logits[..., 0])`.",
        ),
        erros_conhecidos=ERROS_DUAS_CLASSES,
        formato=(
            "logits.shape[:-1]: uma probabilidade por par de logits, o formato de logits sem o "
            "último eixo"
        ),
        explicacao=(
            "Dividindo numerador e denominador por $e^{x_1}$: "
            "$e^{x_1}/(e^{x_0} + e^{x_1}) = 1/(1 + e^{-(x_1 - x_0)}) = \\sigma(x_1 - x_0)$."
        ),
    )
)
