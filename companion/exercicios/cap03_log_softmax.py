"""Exercícios do capítulo 3 (Log-softmax e logsumexp): ``log-softmax`` e ``logsumexp``."""

from __future__ import annotations

import numpy as np

from companion.exercicios._nucleo import Caso, ErroConhecido, Exercicio, registrar

# ---------------------------------------------------------------------------------------------
# Soluções de referência


def log_softmax_estavel(x):
    """log softmax(x) ao longo do último eixo, sem passar pela softmax."""
    x = np.asarray(x)
    # m = max_j x_j por linha; x - m <= 0 e o maior termo vale 0
    shifted = x - x.max(axis=-1, keepdims=True)
    # log softmax(x)_i = (x_i - m) - log Σ_j e^{x_j - m}; a soma é >= 1, o log é finito
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def logsumexp_estavel(x):
    """log Σ_i e^{x_i} ao longo do último eixo (o eixo some do formato)."""
    x = np.asarray(x)
    # m = max_i x_i por linha, com keepdims para o broadcast
    x_max = x.max(axis=-1, keepdims=True)
    # LSE(x) = m + log Σ_i e^{x_i - m}
    lse = x_max + np.log(np.exp(x - x_max).sum(axis=-1, keepdims=True))
    return lse[..., 0]


def _casos_comuns(semente: int) -> list[Caso]:
    rng = np.random.default_rng(semente)
    return [
        Caso((np.array([1.0, 2.0, 3.0]),)),
        Caso((np.array([[0.0, 1.0], [2.0, 5.0]]),)),
        Caso((np.array([[1.0, 2.0, 3.0], [-1.0, 0.0, 4.0]]),)),
        Caso((np.array([0.0, -1000.0]),)),
        Caso((np.array([1000.0, 1001.0, 1002.0]),)),
        Caso((np.array([-1000.0, -1001.0]),)),
        Caso((np.array([[0.0, 1.0], [1000.0, 1001.0]]),)),
        Caso((np.array([[0.0, -200.0, 3.0], [1.0, 2.0, -150.0]], dtype=np.float32),)),
        Caso((np.array([0.0, -np.inf, 1.0]),)),
        # formatos em que um eixo de tamanho 1 antes do último não pode sumir da saída
        Caso((np.array([[-3.0, 0.0, 2.0, 1.0]]),)),
        # escalas muito diferentes entre as linhas e entre os mapas de um lote (B, T, K): um só
        # máximo para o array inteiro leva as linhas pequenas a log(0) = -inf
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
        Caso((np.array([[[700.0, 650.0, 720.0]], [[-1.0, 0.0, 2.0]]]),)),
        Caso((np.array([[0.0, 1.0], [150.0, 151.0]], dtype=np.float32),)),
        Caso((rng.normal(size=(2, 3, 4)),)),
        Caso((rng.normal(scale=50.0, size=(3, 6)),)),
        Caso((rng.normal(scale=500.0, size=(4, 5)),)),
        # linhas mais longas que as outras, com logits nos milhares: um atalho que só vale para
        # linhas curtas (ou só para os tamanhos dos casos grandes) falha
        Caso((rng.normal(size=(3, 8)) + np.array([[900.0], [-2000.0], [0.0]]),)),
        # logits de centenas de milhares: nem exp em np.longdouble (até ~11356) escapa
        Caso((np.array([[1e5, 1e5 - 1.0, 1e5 + 2.0], [-3e5, -3e5 - 5.0, -3e5 + 1.0]]),)),
    ]


# ---------------------------------------------------------------------------------------------
# log-softmax: erros plausíveis


def _estavel(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _log_da_softmax(x):
    return np.log(_estavel(x))


def _sem_deslocamento(x):
    return x - np.log(np.exp(x).sum(axis=-1, keepdims=True))


def _deslocamento_pela_metade(x):
    m = x.max(axis=-1, keepdims=True)
    return x - np.log(np.exp(x - m).sum(axis=-1, keepdims=True))


def _log_softmax_eixo_zero(x):
    s = x - x.max(axis=0, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=0, keepdims=True))


def _log_softmax_sem_keepdims(x):
    s = x - x.max(axis=-1)
    return s - np.log(np.exp(s).sum(axis=-1))


def _log_softmax_maximo_global(x):
    s = x - x.max()
    return s - np.log(np.exp(s).sum(axis=-1, keepdims=True))


_KEEPDIMS = (
    "formato: sem keepdims=True, o máximo (ou a soma) de cada linha tem formato (n,) e o "
    "broadcast o alinha com as colunas, não com as linhas. Use keepdims=True nas reduções."
)

ERROS_LOG_SOFTMAX = (
    ErroConhecido(
        "log-da-softmax",
        _log_da_softmax,
        "log(softmax(x)): quando uma probabilidade é menor que o menor float, a softmax dá 0 e o "
        "log dá -inf, embora o valor certo seja finito (≈ -1000 para os logits [0, -1000]). "
        "Calcule direto: (x - m) - log Σ e^{x - m}, sem passar pela softmax.",
    ),
    ErroConhecido(
        "sem-deslocamento",
        _sem_deslocamento,
        "estouro (overflow): sem subtrair o máximo, e^{x} de um logit grande vira inf (e de um "
        "muito negativo vira 0), e o log da soma dá inf ou -inf. Subtraia o máximo de cada "
        "linha antes de exp.",
    ),
    ErroConhecido(
        "deslocamento-pela-metade",
        _deslocamento_pela_metade,
        "deslocamento pela metade: você subtraiu o máximo m dentro da exponencial, mas não de x. "
        "Ou use x - m nos dois lugares, ou devolva m ao log: x - (m + log Σ e^{x - m}).",
    ),
    ErroConhecido(
        "eixo-errado",
        _log_softmax_eixo_zero,
        "eixo errado: a normalização deve ser ao longo do último eixo (axis=-1); você usou o "
        "primeiro (axis=0).",
    ),
    ErroConhecido("sem-keepdims", _log_softmax_sem_keepdims, _KEEPDIMS),
    ErroConhecido(
        "maximo-global",
        _log_softmax_maximo_global,
        "máximo global: subtraia o máximo de cada linha (x.max(axis=-1, keepdims=True)), não o "
        "do array inteiro. Numa linha muito abaixo do máximo do lote, todas as exponenciais "
        "viram 0, o log da soma dá -inf e a saída, inf.",
    ),
)


LOG_SOFTMAX = registrar(
    Exercicio(
        id="log-softmax",
        titulo="Uma log-softmax estável",
        parametros=("x",),
        referencia=log_softmax_estavel,
        casos=lambda: _casos_comuns(31),
        dicas=(
            "Não calcule a softmax: use log(a/b) = log a - log b para escrever log softmax(x)_i "
            "como x_i menos um termo que é o mesmo para a linha inteira.",
            "Esse termo é log Σ_j e^{x_j} — a logsumexp. Calcule-a com o máximo subtraído: "
            "m + log Σ_j e^{x_j - m}.",
            "Com s = x - x.max(axis=-1, keepdims=True): "
            "`s - np.log(np.exp(s).sum(axis=-1, keepdims=True))`.",
        ),
        erros_conhecidos=ERROS_LOG_SOFTMAX,
        formato="o mesmo formato de x: uma log-probabilidade para cada logit",
        explicacao=(
            "Pela regra do quociente, $\\log \\operatorname{softmax}(x)_i = x_i - "
            "\\log\\sum_j e^{x_j}$; com $s = x - m$, o termo da soma fica $\\ge 1$ e nenhum "
            "log ou exp sai do alcance do tipo."
        ),
    )
)

# ---------------------------------------------------------------------------------------------
# logsumexp: erros plausíveis


def _lse_ingenua(x):
    return np.log(np.exp(x).sum(axis=-1))


def _lse_sem_devolver_m(x):
    return np.log(np.exp(x - x.max(axis=-1, keepdims=True)).sum(axis=-1))


def _lse_so_o_maximo(x):
    return x.max(axis=-1)


def _lse_eixo_zero(x):
    m = x.max(axis=0, keepdims=True)
    return (m + np.log(np.exp(x - m).sum(axis=0, keepdims=True)))[0]


def _lse_com_keepdims(x):
    m = x.max(axis=-1, keepdims=True)
    return m + np.log(np.exp(x - m).sum(axis=-1, keepdims=True))


def _lse_maximo_global(x):
    m = x.max()
    return m + np.log(np.exp(x - m).sum(axis=-1))


def _lse_squeeze(x):
    m = x.max(axis=-1, keepdims=True)
    return (m + np.log(np.exp(x - m).sum(axis=-1, keepdims=True))).squeeze()


ERROS_LOGSUMEXP = (
    ErroConhecido(
        "sem-deslocamento",
        _lse_ingenua,
        "estouro (overflow): log(sum(exp(x))) dá inf quando algum x passa de ~709 (e -inf "
        "quando todos são muito negativos). Use LSE(x) = m + log Σ e^{x - m}, com m o máximo.",
    ),
    ErroConhecido(
        "esqueceu-m",
        _lse_sem_devolver_m,
        "faltou somar o máximo de volta: log Σ e^{x - m} é LSE(x) - m. O resultado certo é "
        "m + log Σ e^{x - m}.",
    ),
    ErroConhecido(
        "so-o-maximo",
        _lse_so_o_maximo,
        "o máximo é só uma aproximação da logsumexp: max(x) <= LSE(x) <= max(x) + log K. Some "
        "log Σ e^{x - m}, que fica entre 0 e log K.",
    ),
    ErroConhecido(
        "maximo-global",
        _lse_maximo_global,
        "máximo global: use o máximo de cada linha (axis=-1, keepdims=True). Com o máximo do "
        "array inteiro, uma linha de valores pequenos vira log(0) = -inf.",
    ),
    ErroConhecido(
        "eixo-errado",
        _lse_eixo_zero,
        "eixo errado: reduza ao longo do último eixo (axis=-1).",
    ),
    ErroConhecido(
        "keepdims-na-saida",
        _lse_com_keepdims,
        "formato: a saída ainda tem o último eixo, com tamanho 1, e a logsumexp o reduz: ele "
        "deve sumir (formato x.shape[:-1]). É o que dá keepdims=True no resultado: use "
        "keepdims=True nas contas intermediárias, mas não no resultado (ou tire o eixo com "
        "[..., 0]).",
    ),
    ErroConhecido(
        "squeeze-demais",
        _lse_squeeze,
        "formato: .squeeze() sem eixo tira todos os eixos de tamanho 1, e não só o que a "
        "redução deixou — com x de formato (1, K), a saída vira um número em vez de formato "
        "(1,). Tire só o último eixo: .squeeze(axis=-1), ou [..., 0].",
    ),
)


LOGSUMEXP = registrar(
    Exercicio(
        id="logsumexp",
        titulo="A logsumexp estável",
        parametros=("x",),
        referencia=logsumexp_estavel,
        casos=lambda: _casos_comuns(32),
        dicas=(
            "e^{x_i} = e^{m} e^{x_i - m} para qualquer m. Tire e^{m} da soma e use o log de um "
            "produto.",
            "Com m = max_i x_i: LSE(x) = m + log Σ_i e^{x_i - m}. A soma fica entre 1 e K.",
            "`m = x.max(axis=-1, keepdims=True)`; depois "
            "`(m + np.log(np.exp(x - m).sum(axis=-1, keepdims=True)))[..., 0]`.",
        ),
        erros_conhecidos=ERROS_LOGSUMEXP,
        formato="x.shape[:-1]: o formato de x sem o último eixo (um número, para um vetor)",
        explicacao=(
            "Tirando $e^{m}$ da soma, $\\log\\sum_i e^{x_i} = m + \\log\\sum_i e^{x_i - m}$: "
            "todo expoente fica $\\le 0$ e a soma entre 1 e $K$."
        ),
    )
)
