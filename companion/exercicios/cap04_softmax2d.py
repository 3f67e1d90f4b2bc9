"""Exercícios do capítulo 4 (Softmax2d): ``softmax2d`` e ``soft-argmax``."""

from __future__ import annotations

import numpy as np

from companion.exercicios._nucleo import Caso, ErroConhecido, Exercicio, registrar

# ---------------------------------------------------------------------------------------------
# Soluções de referência


def softmax2d(x):
    """Softmax sobre os canais em cada pixel, para (C, H, W) ou (N, C, H, W)."""
    x = np.asarray(x)
    # os canais estão no eixo -3 nos dois formatos: (C, H, W) e (N, C, H, W)
    e = np.exp(x - x.max(axis=-3, keepdims=True))
    return e / e.sum(axis=-3, keepdims=True)


def soft_argmax(mapa):
    """Coordenadas esperadas (linha, coluna) sob a softmax espacial de cada mapa (..., H, W)."""
    mapa = np.asarray(mapa)
    H, W = mapa.shape[-2:]
    # softmax espacial: a grade H×W achatada num só eixo
    achatado = mapa.reshape(*mapa.shape[:-2], H * W)
    e = np.exp(achatado - achatado.max(axis=-1, keepdims=True))
    p = (e / e.sum(axis=-1, keepdims=True)).reshape(mapa.shape)  # (..., H, W), soma 1
    # E[linha] = Σ_h h · P(linha = h), com P(linha = h) = Σ_w p[h, w]; idem para a coluna
    linha = (p.sum(axis=-1) * np.arange(H)).sum(axis=-1)
    coluna = (p.sum(axis=-2) * np.arange(W)).sum(axis=-1)
    return np.stack([linha, coluna], axis=-1)


# ---------------------------------------------------------------------------------------------
# softmax2d: erros plausíveis


def _estavel(x, eixo):
    e = np.exp(x - x.max(axis=eixo, keepdims=True))
    return e / e.sum(axis=eixo, keepdims=True)


def _ultimo_eixo(x):
    return _estavel(np.asarray(x), -1)


def _grade_espacial(x):
    x = np.asarray(x)
    achatado = x.reshape(*x.shape[:-2], -1)
    return _estavel(achatado, -1).reshape(x.shape)


def _eixo_1_fixo(x):
    return _estavel(np.asarray(x), 1)


def _eixo_0_fixo(x):
    return _estavel(np.asarray(x), 0)


def _exp_ingenua(x):
    e = np.exp(np.asarray(x))
    return e / e.sum(axis=-3, keepdims=True)


def _maximo_global(x):
    x = np.asarray(x)
    e = np.exp(x - x.max())
    return e / e.sum(axis=-3, keepdims=True)


ERROS_SOFTMAX2D = (
    ErroConhecido(
        "grade-espacial",
        _grade_espacial,
        "você normalizou a grade espacial H × W de cada canal (a softmax espacial, usada para "
        "pontos-chave). A Softmax2d normaliza os C canais de cada pixel: axis=-3.",
    ),
    ErroConhecido(
        "ultimo-eixo",
        _ultimo_eixo,
        "eixo errado: a softmax ao longo do último eixo normaliza cada linha da imagem (o eixo W). "
        "Na Softmax2d, os canais estão no eixo -3.",
    ),
    ErroConhecido(
        "eixo-1-fixo",
        _eixo_1_fixo,
        "axis=1 só é o eixo dos canais no formato (N, C, H, W); em (C, H, W) ele é a altura H. "
        "Use axis=-3, que é o eixo dos canais nos dois formatos.",
    ),
    ErroConhecido(
        "eixo-0-fixo",
        _eixo_0_fixo,
        "axis=0 só é o eixo dos canais no formato (C, H, W); em (N, C, H, W) ele é o lote, e "
        "você normalizou sobre os exemplos. Use axis=-3.",
    ),
    ErroConhecido(
        "exp-ingenua",
        _exp_ingenua,
        "estouro (overflow): exp de um logit grande vira inf, e inf/inf = nan. Subtraia o máximo "
        "sobre os canais (axis=-3, keepdims=True) antes de exp.",
    ),
    ErroConhecido(
        "maximo-global",
        _maximo_global,
        "máximo global: subtraia o máximo dos canais de cada pixel (x.max(axis=-3, "
        "keepdims=True)), não o do array inteiro. Num pixel (ou numa imagem do lote) com logits "
        "muito abaixo do máximo geral, todas as exponenciais viram 0 e a divisão dá 0/0 = nan.",
    ),
)


def _casos_softmax2d() -> list[Caso]:
    rng = np.random.default_rng(2024)
    return [
        Caso((np.zeros((2, 1, 1)),)),
        Caso((np.arange(6.0).reshape(2, 1, 3),)),
        Caso((rng.normal(size=(3, 2, 4)),)),
        Caso((rng.normal(size=(2, 3, 2, 4)),)),
        Caso((np.array([[[1000.0]], [[999.0]], [[-1000.0]]]),)),
        Caso((rng.normal(scale=100.0, size=(4, 3, 5)),)),
        Caso((rng.normal(scale=10.0, size=(2, 4, 3, 5)).astype(np.float32),)),
        # pixels de escalas muito diferentes na mesma imagem, e imagens de escalas muito
        # diferentes no mesmo lote: um só máximo para o array inteiro dá 0/0 = nan
        Caso((np.array([[[1000.0, 0.0, -2000.0]], [[999.0, 1.0, -2001.0]]]),)),
        Caso(
            (
                np.stack(
                    [
                        rng.normal(size=(3, 2, 2)) + 1500.0,
                        rng.normal(size=(3, 2, 2)),
                        rng.normal(size=(3, 2, 2)) - 900.0,
                    ]
                ),
            )
        ),
        # logits de centenas de milhares: nem exp em np.longdouble (até ~11356) escapa
        Caso((np.array([[[1e5, -3e5]], [[1e5 + 1.0, -3e5 + 2.0]], [[1e5 - 2.0, -3e5 - 1.0]]]),)),
    ]


SOFTMAX2D = registrar(
    Exercicio(
        id="softmax2d",
        titulo="A Softmax2d",
        parametros=("x",),
        referencia=softmax2d,
        casos=_casos_softmax2d,
        dicas=(
            "Apesar do nome, a Softmax2d não normaliza a imagem: em cada pixel, ela transforma "
            "os C valores dos canais numa distribuição.",
            "Em (C, H, W) os canais estão no eixo 0; em (N, C, H, W), no eixo 1. Nos dois casos, "
            "no eixo -3.",
            "É a softmax estável do capítulo 1 com axis=-3: subtraia x.max(axis=-3, keepdims=True) "
            "e divida pela soma ao longo do mesmo eixo.",
        ),
        erros_conhecidos=ERROS_SOFTMAX2D,
        formato="o mesmo formato de x, (C, H, W) ou (N, C, H, W): uma probabilidade por canal",
        explicacao=(
            "A Softmax2d é a softmax ao longo do eixo dos canais, que é o eixo $-3$ tanto em "
            "$(C, H, W)$ quanto em $(N, C, H, W)$: em cada pixel, os $C$ valores somam 1."
        ),
    )
)

# ---------------------------------------------------------------------------------------------
# soft-argmax: erros plausíveis


def _argmax_duro(mapa):
    mapa = np.asarray(mapa)
    H, W = mapa.shape[-2:]
    indice = mapa.reshape(*mapa.shape[:-2], H * W).argmax(axis=-1)
    return np.stack([indice // W, indice % W], axis=-1).astype(float)


def _coordenadas_trocadas(mapa):
    return soft_argmax(mapa)[..., ::-1]


def _sem_exponencial(mapa):
    mapa = np.asarray(mapa)
    H, W = mapa.shape[-2:]
    p = mapa / mapa.sum(axis=(-2, -1), keepdims=True)
    linha = (p.sum(axis=-1) * np.arange(H)).sum(axis=-1)
    coluna = (p.sum(axis=-2) * np.arange(W)).sum(axis=-1)
    return np.stack([linha, coluna], axis=-1)


def _softmax_por_linha(mapa):
    # softmax ao longo de W em cada linha (e não sobre a grade inteira)
    mapa = np.asarray(mapa)
    H, W = mapa.shape[-2:]
    p = _estavel(mapa, -1) / H
    linha = (p.sum(axis=-1) * np.arange(H)).sum(axis=-1)
    coluna = (p.sum(axis=-2) * np.arange(W)).sum(axis=-1)
    return np.stack([linha, coluna], axis=-1)


def _maximo_global_argmax(mapa):
    mapa = np.asarray(mapa)
    H, W = mapa.shape[-2:]
    e = np.exp(mapa - mapa.max())
    p = e / e.sum(axis=(-2, -1), keepdims=True)
    linha = (p.sum(axis=-1) * np.arange(H)).sum(axis=-1)
    coluna = (p.sum(axis=-2) * np.arange(W)).sum(axis=-1)
    return np.stack([linha, coluna], axis=-1)


def _empilha_no_eixo_0(mapa):
    mapa = np.asarray(mapa)
    H, W = mapa.shape[-2:]
    achatado = mapa.reshape(*mapa.shape[:-2], H * W)
    e = np.exp(achatado - achatado.max(axis=-1, keepdims=True))
    p = (e / e.sum(axis=-1, keepdims=True)).reshape(mapa.shape)
    linha = (p.sum(axis=-1) * np.arange(H)).sum(axis=-1)
    coluna = (p.sum(axis=-2) * np.arange(W)).sum(axis=-1)
    return np.array([linha, coluna])


def _exp_ingenua_argmax(mapa):
    mapa = np.asarray(mapa)
    H, W = mapa.shape[-2:]
    e = np.exp(mapa)
    p = e / e.sum(axis=(-2, -1), keepdims=True)
    linha = (p.sum(axis=-1) * np.arange(H)).sum(axis=-1)
    coluna = (p.sum(axis=-2) * np.arange(W)).sum(axis=-1)
    return np.stack([linha, coluna], axis=-1)


ERROS_SOFT_ARGMAX = (
    ErroConhecido(
        "argmax-duro",
        _argmax_duro,
        "você devolveu a posição do máximo (o argmax), que não é suave: não tem gradiente e só "
        "dá coordenadas inteiras. O soft-argmax é a média das coordenadas, ponderada pela "
        "softmax espacial do mapa.",
    ),
    ErroConhecido(
        "coordenadas-trocadas",
        _coordenadas_trocadas,
        "coordenadas trocadas: a saída deve ser (linha, coluna) — primeiro o eixo H, depois o W.",
    ),
    ErroConhecido(
        "sem-exponencial",
        _sem_exponencial,
        "você normalizou o mapa pela soma, sem exponencial: com valores negativos, os “pesos” "
        "deixam de ser probabilidades. Aplique a softmax espacial (exp, depois divida pela soma).",
    ),
    ErroConhecido(
        "softmax-por-linha",
        _softmax_por_linha,
        "a softmax deve ser sobre a grade inteira (H·W posições), não sobre cada linha: achate "
        "(H, W) num só eixo, ou reduza com axis=(-2, -1).",
    ),
    ErroConhecido(
        "exp-ingenua",
        _exp_ingenua_argmax,
        "estouro (overflow): exp de um valor grande do mapa vira inf, e inf/inf = nan. Subtraia o "
        "máximo do mapa antes de exp.",
    ),
    ErroConhecido(
        "maximo-global",
        _maximo_global_argmax,
        "máximo global: subtraia o máximo de cada mapa (axis=(-2, -1), keepdims=True), não o do "
        "lote inteiro. Num mapa muito abaixo do máximo do lote, todas as exponenciais viram 0 e "
        "a divisão dá 0/0 = nan.",
    ),
    ErroConhecido(
        "empilha-no-eixo-0",
        _empilha_no_eixo_0,
        "formato: np.array([linha, coluna]) (ou np.stack sem axis) empilha no primeiro eixo e, "
        "com um lote de mapas, a saída fica (2, ...) em vez de (..., 2). Empilhe no último eixo: "
        "np.stack([linha, coluna], axis=-1).",
    ),
)


def _casos_soft_argmax() -> list[Caso]:
    rng = np.random.default_rng(77)
    pico = np.zeros((4, 5))
    pico[1, 3] = 8.0
    return [
        Caso((np.zeros((2, 3)),)),
        Caso((pico,)),
        Caso((np.array([[0.0, 2.0, -1.0], [1.0, -3.0, 0.5]]),)),
        Caso((rng.normal(size=(2, 4, 3)),)),
        Caso((pico * 200.0,)),
        Caso((rng.normal(scale=5.0, size=(2, 3, 6, 7)),)),
        # mapas de escalas muito diferentes no mesmo lote, com valores nos milhares
        Caso((np.stack([pico * 250.0, pico - 3.0, -1000.0 - pico]),)),
        Caso((np.stack([rng.normal(size=(3, 4)) + 1200.0, rng.normal(size=(3, 4))]),)),
        # mapas de centenas de milhares: nem exp em np.longdouble (até ~11356) escapa
        Caso((np.stack([pico[:2, :3] + 1e5, -3e5 - pico[:2, 2:]]),)),
    ]


SOFT_ARGMAX = registrar(
    Exercicio(
        id="soft-argmax",
        titulo="O soft-argmax de um mapa de calor",
        parametros=("mapa",),
        referencia=soft_argmax,
        casos=_casos_soft_argmax,
        dicas=(
            "Transforme o mapa numa distribuição sobre as H·W posições (a softmax espacial) e "
            "calcule a posição média: a esperança da linha e a da coluna.",
            "Achate (H, W) num eixo só para a softmax. Depois, P(linha = h) é a soma de p[h, :], "
            "e E[linha] = Σ_h h · P(linha = h).",
            "Com p de formato (..., H, W): `(p.sum(axis=-1) * np.arange(H)).sum(axis=-1)` é a "
            "linha; troque os eixos para a coluna; empilhe com np.stack(..., axis=-1).",
        ),
        erros_conhecidos=ERROS_SOFT_ARGMAX,
        formato="mapa.shape[:-2] + (2,): um par (linha, coluna) por mapa",
        explicacao=(
            "O soft-argmax é a esperança da posição sob a softmax espacial: uma média das "
            "coordenadas ponderada por $\\operatorname{softmax}(\\text{mapa})$, que é "
            "diferenciável e tende ao argmax quando o pico domina."
        ),
    )
)
