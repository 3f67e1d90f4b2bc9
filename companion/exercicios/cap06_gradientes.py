"""Exercícios do capítulo 6 (Gradientes): ``gradiente-softmax`` e ``gradiente-entropia-cruzada``."""

from __future__ import annotations

import numpy as np

from companion.exercicios._nucleo import Caso, ErroConhecido, Exercicio, registrar

# ---------------------------------------------------------------------------------------------
# Soluções de referência


def gradiente_softmax(y, g):
    """∂L/∂x dada y = softmax(x) e g = ∂L/∂y, ao longo do último eixo: y ⊙ (g - ⟨g, y⟩)."""
    y, g = np.asarray(y, dtype=float), np.asarray(g, dtype=float)
    # ⟨g, y⟩ de cada linha, com keepdims para o broadcast
    produto = (g * y).sum(axis=-1, keepdims=True)
    return y * (g - produto)


def gradiente_entropia_cruzada(logits, alvos):
    """∂L/∂logits da entropia cruzada média, para logits (N, C) e alvos (N,): (p - y) / N."""
    logits = np.asarray(logits, dtype=float)
    N = logits.shape[0]
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)  # (N, C)
    # p - one_hot(y): subtrai 1 na coluna da classe certa de cada linha
    grad = p.copy()
    grad[np.arange(N), alvos] -= 1.0
    # a média sobre os N exemplos divide o gradiente por N
    return grad / N


# ---------------------------------------------------------------------------------------------
# gradiente-softmax: erros plausíveis


def _so_a_diagonal(y, g):
    y, g = np.asarray(y), np.asarray(g)
    return y * (1 - y) * g


def _sem_o_termo_do_produto(y, g):
    return np.asarray(y) * np.asarray(g)


def _sem_multiplicar_por_y(y, g):
    y, g = np.asarray(y), np.asarray(g)
    return g - (g * y).sum(axis=-1, keepdims=True)


def _soma_no_eixo_zero(y, g):
    y, g = np.asarray(y), np.asarray(g)
    return y * (g - (g * y).sum(axis=0, keepdims=True))


def _soma_de_g_sem_y(y, g):
    y, g = np.asarray(y), np.asarray(g)
    return y * (g - g.sum(axis=-1, keepdims=True))


def _produto_global(y, g):
    y, g = np.asarray(y), np.asarray(g)
    return y * (g - (g * y).sum())  # sem axis: um só ⟨g, y⟩ para o array inteiro


def _sem_keepdims(y, g):
    y, g = np.asarray(y), np.asarray(g)
    return y * (g - (g * y).sum(axis=-1))


ERROS_GRADIENTE_SOFTMAX = (
    ErroConhecido(
        "so-a-diagonal",
        _so_a_diagonal,
        "só a diagonal da jacobiana: ∂y_i/∂x_i = y_i(1 - y_i) está certo, mas falta o resto — "
        "∂y_j/∂x_i = -y_j y_i para j ≠ i. Cada saída depende de todos os logits.",
    ),
    ErroConhecido(
        "sem-termo-do-produto",
        _sem_o_termo_do_produto,
        "falta subtrair ⟨g, y⟩ = Σ_j g_j y_j: o gradiente é y ⊙ (g - ⟨g, y⟩), e não y ⊙ g.",
    ),
    ErroConhecido(
        "sem-multiplicar-por-y",
        _sem_multiplicar_por_y,
        "falta multiplicar por y: o gradiente é y ⊙ (g - ⟨g, y⟩).",
    ),
    ErroConhecido(
        "soma-de-g",
        _soma_de_g_sem_y,
        "o termo subtraído é o produto interno ⟨g, y⟩ = Σ_j g_j y_j, não a soma de g.",
    ),
    ErroConhecido(
        "eixo-errado",
        _soma_no_eixo_zero,
        "eixo errado: ⟨g, y⟩ é somado ao longo do eixo da softmax (o último, axis=-1, com "
        "keepdims=True).",
    ),
    ErroConhecido(
        "produto-global",
        _produto_global,
        "você somou g * y sobre o array inteiro (.sum() sem axis) e subtraiu o mesmo número de "
        "todas as linhas; cada linha tem o seu ⟨g, y⟩: (g * y).sum(axis=-1, keepdims=True).",
    ),
    ErroConhecido(
        "sem-keepdims",
        _sem_keepdims,
        "formato: sem keepdims=True, ⟨g, y⟩ de cada linha tem formato (n,), e o broadcast o "
        "alinha com as colunas, não com as linhas (ou falha, quando os tamanhos não batem). Use "
        "(g * y).sum(axis=-1, keepdims=True).",
    ),
)


def _y_e_distribuicao(caso: Caso) -> bool:
    """y e g do mesmo formato, e cada linha de y uma distribuição (>= 0, somando 1)."""
    y, g = (np.asarray(a, dtype=float) for a in caso.args)
    return (
        y.shape == g.shape
        and y.ndim >= 1
        and bool(np.all(y >= 0))
        and bool(np.allclose(y.sum(axis=-1), 1.0, rtol=0.0, atol=1e-9))
    )


def _casos_gradiente_softmax() -> list[Caso]:
    rng = np.random.default_rng(66)

    def par(logits, escala_g=1.0):
        x = np.asarray(logits, dtype=float)
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        y = e / e.sum(axis=-1, keepdims=True)
        return Caso((y, rng.normal(scale=escala_g, size=x.shape)))

    return [
        par([0.0, 0.0]),
        par([-1.0, 2.0, 0.5, -0.5]),
        par([[1.0, 2.0, 3.0], [0.0, -1.0, 4.0]]),
        # quadrado: sem keepdims, o broadcast não falha — alinha o ⟨g, y⟩ de cada linha com as
        # colunas
        par([[0.5, -1.0, 2.0], [3.0, 0.0, 0.0], [-2.0, 1.0, 1.5]]),
        par(rng.normal(size=(2, 3, 4))),
        par(rng.normal(scale=5.0, size=(4, 6)), escala_g=10.0),
        # linhas quase one-hot ao lado de linhas espalhadas, e g de escalas diferentes
        par([[40.0, 0.0, -40.0, 1.0], [0.1, 0.2, 0.0, -0.1]], escala_g=100.0),
    ]


GRADIENTE_SOFTMAX = registrar(
    Exercicio(
        id="gradiente-softmax",
        titulo="O gradiente da softmax (produto vetor-jacobiana)",
        parametros=("y", "g"),
        referencia=gradiente_softmax,
        casos=_casos_gradiente_softmax,
        dicas=(
            "Pela regra da cadeia, ∂L/∂x_i = Σ_j g_j ∂y_j/∂x_i, com a jacobiana da proposição "
            "do capítulo: ∂y_j/∂x_i = y_j(δ_ij - y_i).",
            "Abra a soma: Σ_j g_j y_j (δ_ij - y_i) = y_i g_i - y_i Σ_j g_j y_j.",
            "`y * (g - (g * y).sum(axis=-1, keepdims=True))`.",
        ),
        erros_conhecidos=ERROS_GRADIENTE_SOFTMAX,
        formato="o mesmo formato de y (e de g): uma derivada ∂L/∂x para cada logit",
        # encolher apagando uma coluna deixaria linhas de y que não somam 1
        valido=_y_e_distribuicao,
        explicacao=(
            "$J^\\top g = (\\operatorname{diag}(y) - y y^\\top) g = y \\odot (g - \\langle g, y "
            "\\rangle)$: o produto vetor-jacobiana custa $O(K)$ por linha, sem montar a "
            "jacobiana $K \\times K$."
        ),
    )
)

# ---------------------------------------------------------------------------------------------
# gradiente-entropia-cruzada: erros plausíveis


def _softmax(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _one_hot(alvos, C):
    return np.eye(C)[alvos]


def _sem_dividir_por_n(logits, alvos):
    x = np.asarray(logits, dtype=float)
    return _softmax(x) - _one_hot(alvos, x.shape[1])


def _sinal_trocado(logits, alvos):
    x = np.asarray(logits, dtype=float)
    return (_one_hot(alvos, x.shape[1]) - _softmax(x)) / x.shape[0]


def _esqueceu_a_softmax(logits, alvos):
    x = np.asarray(logits, dtype=float)
    return (x - _one_hot(alvos, x.shape[1])) / x.shape[0]


def _so_o_termo_do_alvo(logits, alvos):
    x = np.asarray(logits, dtype=float)
    return -_one_hot(alvos, x.shape[1]) * (1 - _softmax(x)) / x.shape[0]


def _exp_ingenua(logits, alvos):
    x = np.asarray(logits, dtype=float)
    e = np.exp(x)
    return (e / e.sum(axis=1, keepdims=True) - _one_hot(alvos, x.shape[1])) / x.shape[0]


def _maximo_global_ce(logits, alvos):
    x = np.asarray(logits, dtype=float)
    e = np.exp(x - x.max())  # o máximo do lote inteiro, e não o de cada linha
    p = e / e.sum(axis=1, keepdims=True)
    return (p - _one_hot(alvos, x.shape[1])) / x.shape[0]


ERROS_GRADIENTE_CE = (
    ErroConhecido(
        "sem-dividir-por-n",
        _sem_dividir_por_n,
        "falta o 1/N: a perda é a média sobre os N exemplos, e a derivada da média divide o "
        "gradiente de cada exemplo por N.",
    ),
    ErroConhecido(
        "sinal-trocado",
        _sinal_trocado,
        "sinal trocado: o gradiente é (p - y)/N. Aumentar o logit da classe certa diminui a "
        "perda, então a derivada nessa coluna é negativa.",
    ),
    ErroConhecido(
        "esqueceu-a-softmax",
        _esqueceu_a_softmax,
        "o gradiente é p - y com p = softmax(logits), não logits - y.",
    ),
    ErroConhecido(
        "so-o-termo-do-alvo",
        _so_o_termo_do_alvo,
        "faltam as outras classes: todo logit recebe gradiente p_c (a massa que o modelo pôs "
        "nele), e a classe certa recebe p_y - 1.",
    ),
    ErroConhecido(
        "exp-ingenua",
        _exp_ingenua,
        "softmax ingênua: np.exp(logits) sem subtrair o máximo estoura com logits na casa dos "
        "milhares (inf/inf = nan) e vira 0 com logits muito negativos (0/0 = nan) — mesmo que "
        "os avisos do numpy estejam silenciados. Calcule p com a softmax estável: subtraia "
        "logits.max(axis=1, keepdims=True) antes de exp.",
    ),
    ErroConhecido(
        "maximo-global",
        _maximo_global_ce,
        "máximo global: você subtraiu o máximo do lote inteiro (logits.max()), e não o de cada "
        "linha. Numa linha de logits muito menores que os de outra, todas as exponenciais viram "
        "0 e p = 0/0 = nan. Use logits.max(axis=1, keepdims=True).",
    ),
)


def _alvos_validos(caso: Caso) -> bool:
    """Logits (N, C) e um alvo inteiro em [0, C) para cada linha."""
    logits, alvos = (np.asarray(a) for a in caso.args)
    return (
        logits.ndim == 2
        and alvos.shape == (logits.shape[0],)
        and alvos.dtype.kind in "iu"
        and bool(np.all((alvos >= 0) & (alvos < logits.shape[1])))
    )


def _casos_gradiente_ce() -> list[Caso]:
    rng = np.random.default_rng(61)
    return [
        Caso((np.array([[0.0, 0.0]]), np.array([1]))),
        Caso((np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]]), np.array([0, 1]))),
        Caso((np.array([[1000.0, 0.0, -1000.0]]), np.array([2]))),
        # logits na casa das centenas negativas: e^x vira 0 em todos (a softmax ingênua dá 0/0)
        Caso((np.array([[-800.0, -790.0, -805.0]]), np.array([0]))),
        # linhas de escalas muito diferentes: um máximo global zera as exponenciais da primeira
        Caso((np.array([[0.0, 1.0, -1.0], [1000.0, 1001.0, 999.0]]), np.array([0, 2]))),
        Caso((rng.normal(size=(5, 4)), rng.integers(0, 4, size=5))),
        Caso((rng.normal(scale=10.0, size=(7, 3)), rng.integers(0, 3, size=7))),
        # o maior lote e as linhas mais longas, com logits nos milhares: um atalho que só vale
        # para lotes pequenos (ou linhas curtas) falha
        Caso(
            (
                rng.normal(size=(8, 6))
                + np.array([[900.0], [-2000.0], [0.0], [1500.0], [-800.0], [5.0], [720.0], [-1.0]]),
                rng.integers(0, 6, size=8),
            )
        ),
        # logits de centenas de milhares: nem exp em np.longdouble (até ~11356) escapa
        Caso(
            (
                np.array([[1e5, 1e5 + 2.0, 1e5 - 1.0], [-3e5, -3e5 + 1.0, -3e5 - 4.0]]),
                np.array([0, 2]),
            )
        ),
    ]


GRADIENTE_CE = registrar(
    Exercicio(
        id="gradiente-entropia-cruzada",
        titulo="O gradiente da entropia cruzada",
        parametros=("logits", "alvos"),
        referencia=gradiente_entropia_cruzada,
        casos=_casos_gradiente_ce,
        dicas=(
            "Para um exemplo, ∂(-log p_y)/∂x = p - y, com y o vetor one-hot da classe certa.",
            "A perda é a média sobre os N exemplos: cada linha do gradiente é dividida por N.",
            "Calcule p com a softmax estável, subtraia 1 em p[np.arange(N), alvos] e divida "
            "tudo por N.",
        ),
        erros_conhecidos=ERROS_GRADIENTE_CE,
        formato="o mesmo formato de logits, (N, C): uma derivada para cada logit",
        valido=_alvos_validos,
        explicacao=(
            "A jacobiana da softmax e a derivada do log se cancelam: "
            "$\\partial(-\\log p_y)/\\partial x = p - y$. A média divide por $N$."
        ),
    )
)
