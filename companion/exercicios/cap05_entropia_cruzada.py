"""Exercícios do capítulo 5 (Entropia cruzada): ``entropia-cruzada`` e ``entropia``."""

from __future__ import annotations

import numpy as np

from companion.exercicios._nucleo import Caso, ErroConhecido, Exercicio, registrar

# ---------------------------------------------------------------------------------------------
# Soluções de referência


def entropia_cruzada(logits, alvos):
    """Perda média: -(1/N) Σ_n log softmax(logits_n)[alvos_n], para logits (N, C) e alvos (N,)."""
    logits = np.asarray(logits, dtype=float)
    # log-softmax estável de cada linha: (x - m) - log Σ e^{x - m}
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))  # (N, C)
    # a log-probabilidade da classe certa de cada exemplo: (N,)
    log_p_certa = log_probs[np.arange(len(alvos)), alvos]
    return -log_p_certa.mean()


def entropia(p):
    """H(p) = -Σ_i p_i ln p_i (em nats) ao longo do último eixo, com 0 · ln 0 = 0."""
    p = np.asarray(p, dtype=float)
    # onde p = 0, o termo vale 0 (limite de p ln p); np.where evita ln(0) nos demais
    termos = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    return -termos.sum(axis=-1)


# ---------------------------------------------------------------------------------------------
# entropia-cruzada: erros plausíveis


def _log_softmax(x, eixo=1):
    s = x - x.max(axis=eixo, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=eixo, keepdims=True))


def _log_da_softmax(logits, alvos):
    x = np.asarray(logits, dtype=float)
    e = np.exp(x - x.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    return -np.log(p[np.arange(len(alvos)), alvos]).mean()


def _soma_em_vez_de_media(logits, alvos):
    return -_log_softmax(np.asarray(logits, dtype=float))[np.arange(len(alvos)), alvos].sum()


def _sem_sinal(logits, alvos):
    return _log_softmax(np.asarray(logits, dtype=float))[np.arange(len(alvos)), alvos].mean()


def _logits_como_probabilidades(logits, alvos):
    x = np.asarray(logits, dtype=float)
    with np.errstate(all="ignore"):
        return -np.log(x[np.arange(len(alvos)), alvos]).mean()


def _nll_sem_log_softmax(logits, alvos):
    # o erro clássico do PyTorch: F.nll_loss(logits, alvos), sem a log-softmax
    return -np.asarray(logits, dtype=float)[np.arange(len(alvos)), alvos].mean()


def _eixo_errado(logits, alvos):
    return -_log_softmax(np.asarray(logits, dtype=float), 0)[np.arange(len(alvos)), alvos].mean()


def _sem_deslocamento(logits, alvos):
    x = np.asarray(logits, dtype=float)
    logp = x - np.log(np.exp(x).sum(axis=1, keepdims=True))
    return -logp[np.arange(len(alvos)), alvos].mean()


def _media_de_todas_as_classes(logits, alvos):
    # média de -log p sobre todas as classes, ignorando o alvo
    return -_log_softmax(np.asarray(logits, dtype=float)).mean()


def _maximo_global(logits, alvos):
    x = np.asarray(logits, dtype=float)
    shifted = x - x.max()  # o máximo do lote inteiro, e não o de cada linha
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -logp[np.arange(len(alvos)), alvos].mean()


def _softmax_ingenua(logits, alvos):
    x = np.asarray(logits, dtype=float)
    p = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
    return -np.log(p[np.arange(len(alvos)), alvos]).mean()


def _perda_de_cada_exemplo(logits, alvos):
    # reduction='none': a perda de cada exemplo, (N,), sem a média
    return -_log_softmax(np.asarray(logits, dtype=float))[np.arange(len(alvos)), alvos]


ERROS_ENTROPIA_CRUZADA = (
    ErroConhecido(
        "log-da-softmax",
        _log_da_softmax,
        "log(softmax(x)): quando a probabilidade da classe certa é menor que o menor float, a "
        "softmax dá 0 e o log dá -inf — a perda vira inf, embora o valor certo seja finito. Use "
        "a log-softmax estável: (x - m) - log Σ e^{x - m}.",
    ),
    ErroConhecido(
        "soma-em-vez-de-media",
        _soma_em_vez_de_media,
        "você somou as perdas dos exemplos; a entropia cruzada média divide pela quantidade de "
        "exemplos N (reduction='mean').",
    ),
    ErroConhecido(
        "sem-sinal",
        _sem_sinal,
        "sinal trocado: a perda é -log p da classe certa (um número >= 0), e não +log p.",
    ),
    ErroConhecido(
        "logits-como-probabilidades",
        _logits_como_probabilidades,
        "os logits não são probabilidades: aplique a log-softmax antes de escolher a classe "
        "certa (-log x_y só faria sentido se x já fosse uma distribuição).",
    ),
    ErroConhecido(
        "nll-sem-log-softmax",
        _nll_sem_log_softmax,
        "você tomou -x_y direto dos logits — o que F.nll_loss(logits, alvos) faz quando falta a "
        "log-softmax. A nll_loss espera log-probabilidades: aplique a log-softmax antes (ou use "
        "a entropia cruzada, que já a inclui).",
    ),
    ErroConhecido(
        "eixo-errado",
        _eixo_errado,
        "eixo errado: a log-softmax de cada exemplo é ao longo das classes (axis=1), não ao "
        "longo dos exemplos (axis=0).",
    ),
    ErroConhecido(
        "sem-deslocamento",
        _sem_deslocamento,
        "estouro (overflow): sem subtrair o máximo de cada linha, e^{x} de um logit grande vira "
        "inf. Subtraia o máximo antes de exp.",
    ),
    ErroConhecido(
        "ignora-o-alvo",
        _media_de_todas_as_classes,
        "a perda de cada exemplo é -log p da classe **certa** (alvos[n]), não a média sobre "
        "todas as classes.",
    ),
    ErroConhecido(
        "maximo-global",
        _maximo_global,
        "máximo global: você subtraiu o máximo do lote inteiro (logits.max()), e não o de cada "
        "linha. Numa linha de logits muito menores que os de outra, todas as exponenciais viram "
        "0, o log da soma vira -inf e a perda sai infinita ou nan. Use "
        "logits.max(axis=1, keepdims=True).",
    ),
    ErroConhecido(
        "softmax-ingenua",
        _softmax_ingenua,
        "softmax ingênua: np.exp(logits) sem subtrair o máximo estoura com logits na casa dos "
        "milhares (inf/inf = nan) e vira 0 com logits muito negativos (0/0 = nan) — mesmo que "
        "os avisos do numpy estejam silenciados. Use a log-softmax estável de cada linha: "
        "(x - m) - log Σ e^{x - m}, com m = logits.max(axis=1, keepdims=True).",
    ),
    ErroConhecido(
        "sem-media",
        _perda_de_cada_exemplo,
        "você devolveu a perda de cada exemplo, um array (N,) (o reduction='none' do PyTorch); "
        "a entropia cruzada média é um número só: tire a média dessas perdas com .mean().",
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


def _casos_entropia_cruzada() -> list[Caso]:
    rng = np.random.default_rng(55)
    return [
        Caso((np.array([[0.0, 0.0]]), np.array([1]))),
        Caso((np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]]), np.array([0, 1]))),
        Caso((np.array([[1.0, 2.0], [3.0, 0.0], [0.0, 1.0]]), np.array([1, 1, 0]))),
        Caso((np.array([[0.0, 1000.0], [1000.0, 0.0]]), np.array([1, 1]))),
        Caso((np.array([[1000.0, 1001.0, 999.0]]), np.array([2]))),
        # logits na casa das centenas negativas: e^x vira 0 em todos (a softmax ingênua dá 0/0)
        Caso((np.array([[-800.0, -790.0, -805.0]]), np.array([1]))),
        # linhas de escalas muito diferentes: um máximo global zera as exponenciais da primeira
        Caso((np.array([[0.0, 1.0, -1.0], [1000.0, 1001.0, 999.0]]), np.array([0, 2]))),
        Caso((rng.normal(size=(5, 4)), rng.integers(0, 4, size=5))),
        Caso((rng.normal(scale=20.0, size=(6, 7)), rng.integers(0, 7, size=6))),
        Caso((np.array([[-1000.0, -999.0], [2.0, 1.0], [700.0, 720.0]]), np.array([0, 0, 1]))),
        # o maior lote e as linhas mais longas, com logits nos milhares: um atalho que só vale
        # para lotes pequenos (ou linhas curtas) falha
        Caso(
            (
                rng.normal(size=(7, 8))
                + np.array([[900.0], [-2000.0], [0.0], [1500.0], [-800.0], [5.0], [720.0]]),
                rng.integers(0, 8, size=7),
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


ENTROPIA_CRUZADA = registrar(
    Exercicio(
        id="entropia-cruzada",
        titulo="A entropia cruzada média",
        parametros=("logits", "alvos"),
        referencia=entropia_cruzada,
        casos=_casos_entropia_cruzada,
        dicas=(
            "A perda de um exemplo é -log da probabilidade que o modelo dá à classe certa; a "
            "entropia cruzada média é a média dessas perdas.",
            "Calcule a log-softmax de cada linha (estável, com o máximo subtraído) e escolha a "
            "coluna alvos[n] de cada linha n com logp[np.arange(N), alvos].",
            "`-(log_softmax(logits)[np.arange(len(alvos)), alvos]).mean()`, com a log-softmax "
            "do capítulo 3 ao longo de axis=1.",
        ),
        erros_conhecidos=ERROS_ENTROPIA_CRUZADA,
        formato="um número só: a média das perdas dos N exemplos",
        valido=_alvos_validos,
        explicacao=(
            "Com um alvo one-hot, $H(q, p) = -\\sum_c q_c \\log p_c = -\\log p_y$: só a "
            "log-probabilidade da classe certa conta. A log-softmax estável evita o $-\\infty$ "
            "de `log(softmax(x))`."
        ),
    )
)

# ---------------------------------------------------------------------------------------------
# entropia: erros plausíveis


def _entropia_log2(p):
    p = np.asarray(p, dtype=float)
    termos = np.where(p > 0, p * np.log2(np.where(p > 0, p, 1.0)), 0.0)
    return -termos.sum(axis=-1)


def _entropia_zero_vira_nan(p):
    p = np.asarray(p, dtype=float)
    with np.errstate(all="ignore"):
        return -(p * np.log(p)).sum(axis=-1)


def _entropia_sem_sinal(p):
    return -entropia(p)


def _entropia_eixo_zero(p):
    p = np.asarray(p, dtype=float)
    termos = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    return -termos.sum(axis=0)


def _entropia_soma_tudo(p):
    p = np.asarray(p, dtype=float)
    termos = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    return -termos.sum()  # sem axis: soma todas as distribuições juntas


def _entropia_sem_p(p):
    p = np.asarray(p, dtype=float)
    with np.errstate(all="ignore"):
        termos = np.where(p > 0, np.log(np.where(p > 0, p, 1.0)), 0.0)
    return -termos.sum(axis=-1)


ERROS_ENTROPIA = (
    ErroConhecido(
        "log2",
        _entropia_log2,
        "base errada: o exercício pede a entropia em nats, com o logaritmo natural (np.log). "
        "Em bits (np.log2) o resultado é o mesmo dividido por ln 2.",
    ),
    ErroConhecido(
        "zero-log-zero",
        _entropia_zero_vira_nan,
        "0 · log 0: onde p = 0, log p = -inf e 0 · (-inf) = nan. O termo deve valer 0 (o limite "
        "de p log p quando p → 0); use np.where para tratá-lo.",
    ),
    ErroConhecido(
        "sem-sinal",
        _entropia_sem_sinal,
        "sinal trocado: H(p) = -Σ p log p é >= 0, porque log p <= 0.",
    ),
    ErroConhecido(
        "eixo-errado",
        _entropia_eixo_zero,
        "eixo errado: cada distribuição está ao longo do último eixo (axis=-1).",
    ),
    ErroConhecido(
        "sem-ponderar",
        _entropia_sem_p,
        "falta ponderar: H(p) = -Σ p_i log p_i é a média de -log p sob a própria p; você somou "
        "os -log p_i sem multiplicar por p_i.",
    ),
    ErroConhecido(
        "soma-tudo",
        _entropia_soma_tudo,
        "você somou os termos do array inteiro (.sum() sem axis) e devolveu um número só; "
        "cada distribuição ao longo do último eixo tem a sua entropia: some com axis=-1.",
    ),
)


def _distribuicoes(caso: Caso) -> bool:
    """Cada linha de p (ao longo do último eixo) é uma distribuição: >= 0 e somando 1."""
    p = np.asarray(caso.args[0], dtype=float)
    return (
        p.ndim >= 1
        and bool(np.all(p >= 0))
        and bool(np.allclose(p.sum(axis=-1), 1.0, rtol=0.0, atol=1e-9))
    )


def _casos_entropia() -> list[Caso]:
    rng = np.random.default_rng(9)
    return [
        Caso((np.array([1.0]),)),
        Caso((np.array([0.5, 0.5]),)),
        Caso((np.array([0.7, 0.2, 0.1]),)),
        Caso((np.array([1.0, 0.0, 0.0]),)),
        Caso((np.array([[0.25, 0.25, 0.25, 0.25], [0.9, 0.1, 0.0, 0.0]]),)),
        Caso((rng.dirichlet(np.ones(5), size=(2, 3)),)),
    ]


ENTROPIA = registrar(
    Exercicio(
        id="entropia",
        titulo="A entropia de uma distribuição",
        parametros=("p",),
        referencia=entropia,
        casos=_casos_entropia,
        dicas=(
            "H(p) = -Σ_i p_i ln p_i, somado ao longo do último eixo, em nats (logaritmo natural).",
            "Cuidado com p_i = 0: ln 0 = -inf, e 0 · (-inf) = nan no numpy. O termo deve valer 0.",
            "`np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)` dá os termos sem nan; "
            "some-os com o sinal trocado.",
        ),
        erros_conhecidos=ERROS_ENTROPIA,
        formato="p.shape[:-1]: o formato de p sem o último eixo (um número, para uma só "
        "distribuição)",
        # encolher apagando uma posição do último eixo deixaria linhas que não somam 1
        valido=_distribuicoes,
        explicacao=(
            "A entropia é a perda média de quem prevê a própria distribuição $p$; o termo "
            "$0 \\ln 0$ vale 0 por continuidade, e o `np.where` duplo evita calcular $\\ln 0$."
        ),
    )
)
