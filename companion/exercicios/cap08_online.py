"""Exercícios do capítulo 8 (Softmax eficiente): ``softmax-online`` e ``combinar-estados``."""

from __future__ import annotations

import numpy as np

from companion.exercicios._nucleo import Caso, ErroConhecido, Exercicio, registrar


class BlocosDeUmaPassada:
    """Um iterável de blocos que só pode ser percorrido uma vez, como um fluxo de dados.

    Percorrê-lo de novo levanta ``RuntimeError``: é o que denuncia uma solução de duas passadas.
    Cada correção recebe uma cópia nova (``copy.copy``).
    """

    def __init__(self, blocos, listas: bool = False):
        # cópias: a resposta não alcança (nem altera) os arrays do caso por self.blocos
        self.blocos = [np.array(b, dtype=float) for b in blocos]
        self.listas = listas  # o enunciado admite blocos que são listas do Python
        self.usado = False

    def __iter__(self):
        if self.usado:
            raise RuntimeError(
                "este fluxo de blocos só pode ser percorrido uma vez (como dados que chegam "
                "pela rede): guarde o que precisar enquanto lê"
            )
        self.usado = True
        for bloco in self.blocos:
            yield bloco.tolist() if self.listas else bloco.copy()

    def __copy__(self):
        return BlocosDeUmaPassada(self.blocos, listas=self.listas)

    def __repr__(self):
        with np.printoptions(precision=4, threshold=12):
            return f"BlocosDeUmaPassada({[b.tolist() for b in self.blocos]})"


# ---------------------------------------------------------------------------------------------
# Soluções de referência


def softmax_online(blocos):
    """A softmax da linha formada pelos blocos, percorrendo o iterável uma única vez."""
    m, d = -np.inf, 0.0  # o máximo e a soma de e^{x - m} do que já passou
    guardados = []
    for bloco in blocos:
        x = np.asarray(bloco, dtype=float)
        guardados.append(x)
        if x.size == 0:
            continue
        m_novo = max(m, x.max())
        if m_novo == -np.inf:
            continue  # só -inf até aqui: nada a somar
        # d ← d·e^{m - m_novo} + Σ e^{x - m_novo}: reescala o que foi somado com o máximo antigo
        d = d * np.exp(m - m_novo) + np.exp(x - m_novo).sum()
        m = m_novo
    linha = np.concatenate(guardados)
    return np.exp(linha - m) / d


def combinar_estados(m1, d1, m2, d2):
    """Combina dois estados parciais (m, d) da softmax num só: (m, d) da união."""
    m = max(m1, m2)
    if m == -np.inf:
        return -np.inf, 0.0  # os dois estados estão vazios
    # quem tem m = -inf (vazio) não contribui; e^{-inf - m} = 0 evita -inf - (-inf) = nan
    termo1 = d1 * np.exp(m1 - m) if m1 > -np.inf else 0.0
    termo2 = d2 * np.exp(m2 - m) if m2 > -np.inf else 0.0
    return m, termo1 + termo2


# ---------------------------------------------------------------------------------------------
# softmax-online: erros plausíveis


def _duas_passadas(blocos):
    m = max(np.max(b) for b in blocos if len(b))
    d = sum(np.exp(np.asarray(b) - m).sum() for b in blocos)
    return np.concatenate([np.exp(np.asarray(b) - m) / d for b in blocos])


def _sem_reescalar(blocos):
    m, d, guardados = -np.inf, 0.0, []
    for b in blocos:
        x = np.asarray(b, dtype=float)
        guardados.append(x)
        if x.size:
            m = max(m, x.max())
            d = d + np.exp(x - m).sum()  # esqueceu d · e^{m_antigo - m}
    return np.exp(np.concatenate(guardados) - m) / d


def _softmax_por_bloco(blocos):
    partes = []
    for b in blocos:
        x = np.asarray(b, dtype=float)
        e = np.exp(x - x.max()) if x.size else x
        partes.append(e / e.sum() if x.size else x)
    return np.concatenate(partes)


def _sem_maximo(blocos):
    guardados = [np.asarray(b, dtype=float) for b in blocos]
    linha = np.concatenate(guardados)
    d = sum(np.exp(x).sum() for x in guardados)
    return np.exp(linha) / d


def _m_inicial_zero(blocos):
    m, d = 0.0, 0.0  # m deveria começar em -inf
    guardados = []
    for bloco in blocos:
        x = np.asarray(bloco, dtype=float)
        guardados.append(x)
        if x.size == 0:
            continue
        m_novo = max(m, x.max())
        d = d * np.exp(m - m_novo) + np.exp(x - m_novo).sum()
        m = m_novo
    return np.exp(np.concatenate(guardados) - m) / d


def _sem_tratar_menos_infinito(blocos):
    m, d = -np.inf, 0.0
    guardados = []
    for bloco in blocos:
        x = np.asarray(bloco, dtype=float)
        guardados.append(x)
        if x.size == 0:
            continue
        m_novo = max(m, x.max())
        # com m = m_novo = -inf, e^{m - m_novo} = e^{-inf - (-inf)} = nan
        d = d * np.exp(m - m_novo) + np.exp(x - m_novo).sum()
        m = m_novo
    return np.exp(np.concatenate(guardados) - m) / d


ERROS_SOFTMAX_ONLINE = (
    ErroConhecido(
        "duas-passadas",
        _duas_passadas,
        "duas passadas: a sua função percorreu o fluxo de blocos mais de uma vez (uma para o "
        "máximo, outra para a soma). Mantenha m e d juntos numa única passada e guarde os "
        "blocos para a normalização no fim.",
    ),
    ErroConhecido(
        "sem-reescalar",
        _sem_reescalar,
        "quando o máximo muda, a soma d acumulada com o máximo antigo precisa ser reescalada: "
        "d ← d·e^{m_antigo - m_novo} + Σ e^{x - m_novo}.",
    ),
    ErroConhecido(
        "softmax-por-bloco",
        _softmax_por_bloco,
        "você normalizou cada bloco separadamente; a softmax é da linha inteira: todos os "
        "blocos dividem pelo mesmo d, com o mesmo m.",
    ),
    ErroConhecido(
        "sem-maximo",
        _sem_maximo,
        "estouro (overflow): sem o máximo corrente m, e^{x} de um logit grande vira inf. "
        "Mantenha m e subtraia-o antes de exp.",
    ),
    ErroConhecido(
        "m-inicial-zero",
        _m_inicial_zero,
        "o máximo corrente começa em m = -inf (nada visto ainda), não em 0: com m = 0, numa "
        "linha só de logits muito negativos (como -1000) todo e^{x - 0} vira 0, d fica 0 e a "
        "divisão dá 0/0 = nan. Comece com m = -inf e d = 0.",
    ),
    ErroConhecido(
        "sem-tratar-menos-infinito",
        _sem_tratar_menos_infinito,
        "um bloco só de -inf no começo deixa m = m_novo = -inf, e e^{m - m_novo} = "
        "e^{-inf - (-inf)} = nan contamina d para sempre. Enquanto o máximo for -inf não há nada "
        "a somar: pule a atualização de d nesse caso.",
    ),
)


def _casos_softmax_online() -> list[Caso]:
    rng = np.random.default_rng(88)
    return [
        Caso((BlocosDeUmaPassada([[1.0, 2.0, 3.0]]),)),
        Caso((BlocosDeUmaPassada([[1.0], [2.0, 3.0]]),)),
        Caso((BlocosDeUmaPassada([[3.0, 1.0], [0.0, 5.0], [2.0]]),)),
        Caso((BlocosDeUmaPassada([[0.0, 1.0], [1000.0, 1001.0]]),)),
        # só logits muito negativos: e^x vira 0 sem o máximo (0/0), e m não pode começar em 0
        Caso((BlocosDeUmaPassada([[-1000.0, -1001.0], [-999.0]]),)),
        Caso((BlocosDeUmaPassada([rng.normal(size=5) for _ in range(4)]),)),
        Caso((BlocosDeUmaPassada([rng.normal(scale=30.0, size=7) for _ in range(5)]),)),
        Caso((BlocosDeUmaPassada([[-np.inf, -np.inf], [1.0, 2.0], [], [0.5]]),)),
        # blocos que são listas do Python, como o enunciado permite (lista.max() não existe)
        Caso((BlocosDeUmaPassada([[2.0, -1.0], [], [0.5, 3.0, 1.0]], listas=True),)),
        # logits de centenas de milhares: nem exp em np.longdouble (até ~11356) escapa
        Caso((BlocosDeUmaPassada([[1e5, 1e5 - 2.0], [1e5 + 1.0], [-3e5]]),)),
    ]


SOFTMAX_ONLINE = registrar(
    Exercicio(
        id="softmax-online",
        titulo="A softmax online",
        parametros=("blocos",),
        referencia=softmax_online,
        casos=_casos_softmax_online,
        dicas=(
            "Mantenha dois números enquanto lê: o maior valor visto até agora, m, e a soma d "
            "de e^{x - m} sobre tudo o que já passou.",
            "Quando um bloco traz um máximo maior, a soma antiga foi feita com o m antigo: "
            "multiplique-a por e^{m_antigo - m_novo} antes de somar o bloco novo.",
            "Guarde os blocos numa lista enquanto lê; no fim, np.exp(linha - m) / d.",
        ),
        erros_conhecidos=ERROS_SOFTMAX_ONLINE,
        formato="um array 1-D, (n,), com n o total de elementos: a softmax da linha inteira, "
        "com os blocos concatenados na ordem",
        explicacao=(
            "O invariante é $d = \\sum_{j \\text{ visto}} e^{x_j - m}$; quando $m$ sobe para "
            "$m'$, $d\\,e^{m - m'}$ o restaura. Uma passada dá $m$ e $d$; a normalização usa os "
            "blocos guardados."
        ),
    )
)

# ---------------------------------------------------------------------------------------------
# combinar-estados: erros plausíveis


def _soma_sem_reescalar(m1, d1, m2, d2):
    return max(m1, m2), d1 + d2


def _reescala_so_um(m1, d1, m2, d2):
    m = max(m1, m2)
    return m, d1 * np.exp(m1 - m) + d2


def _minimo(m1, d1, m2, d2):
    m = min(m1, m2)
    return m, d1 * np.exp(m1 - m) + d2 * np.exp(m2 - m)


def _somas_sem_reescalar_antes(m1, d1, m2, d2):
    # as somas "verdadeiras" d_i·e^{m_i}, depois divididas por e^m
    m = max(m1, m2)
    return m, (d1 * np.exp(m1) + d2 * np.exp(m2)) / np.exp(m)


def _ordem_trocada(m1, d1, m2, d2):
    m, d = combinar_estados(m1, d1, m2, d2)
    return d, m


def _sem_tratar_vazio(m1, d1, m2, d2):
    m = max(m1, m2)
    with np.errstate(invalid="ignore"):
        return m, d1 * np.exp(m1 - m) + d2 * np.exp(m2 - m)


ERROS_COMBINAR = (
    ErroConhecido(
        "soma-sem-reescalar",
        _soma_sem_reescalar,
        "cada d foi somado com o seu próprio máximo: antes de somar, reescale cada um para o "
        "máximo comum, d_i·e^{m_i - m}.",
    ),
    ErroConhecido(
        "reescala-so-um",
        _reescala_so_um,
        "os dois d precisam de reescala para o máximo comum m = max(m1, m2), não só o primeiro "
        "(a operação tem de ser simétrica).",
    ),
    ErroConhecido(
        "minimo",
        _minimo,
        "use o máximo dos dois, m = max(m1, m2): com o mínimo, e^{m_i - m} pode estourar.",
    ),
    ErroConhecido(
        "sem-tratar-vazio",
        _sem_tratar_vazio,
        "um estado vazio tem m = -inf e d = 0. Com os dois vazios, e^{-inf - (-inf)} = nan; "
        "trate esse caso: o resultado é (-inf, 0).",
    ),
    ErroConhecido(
        "exp-ingenua",
        _somas_sem_reescalar_antes,
        "estouro (overflow): você calculou as somas sem o máximo, d_i·e^{m_i}, para dividir "
        "por e^m no fim; com m = 800, e^800 vira inf (inf/inf = nan), e com m = -800 vira 0 "
        "(0/0 = nan). Reescale cada soma direto: d_i·e^{m_i - m}, em que o expoente nunca "
        "passa de 0.",
    ),
    ErroConhecido(
        "ordem-trocada",
        _ordem_trocada,
        "a ordem do par é (m, d): primeiro o máximo, depois a soma — a mesma dos argumentos "
        "(m1, d1, m2, d2).",
    ),
)


def _casos_combinar() -> list[Caso]:
    return [
        Caso((0.0, 1.0, 0.0, 1.0)),
        Caso((1.0, 2.0, 3.0, 1.5)),
        Caso((5.0, 1.2, -2.0, 3.0)),
        Caso((800.0, 1.0, -800.0, 2.0)),
        Caso((-800.0, 1.0, -900.0, 2.0)),
        Caso((-np.inf, 0.0, 2.0, 1.5)),
        Caso((-np.inf, 0.0, -np.inf, 0.0)),
        # máximos de centenas de milhares: nem exp em np.longdouble (até ~11356) escapa
        Caso((1e5, 1.5, 1e5 - 2.0, 2.0)),
    ]


COMBINAR_ESTADOS = registrar(
    Exercicio(
        id="combinar-estados",
        titulo="Combinar dois estados parciais",
        parametros=("m1", "d1", "m2", "d2"),
        referencia=combinar_estados,
        casos=_casos_combinar,
        dicas=(
            "O estado (m, d) resume um pedaço da linha: d = Σ e^{x - m}. A união tem máximo "
            "m = max(m1, m2).",
            "Reescale cada soma para o novo máximo: d_i·e^{m_i - m}, e some as duas.",
            "Um estado vazio é (-inf, 0) e não deve contribuir: cuidado com -inf - (-inf).",
        ),
        erros_conhecidos=ERROS_COMBINAR,
        formato="o par (m, d), formato (2,): o máximo da união e a soma reescalada para ele",
        explicacao=(
            "$(m, d) = (\\max(m_1, m_2),\\ d_1 e^{m_1 - m} + d_2 e^{m_2 - m})$: a operação é "
            "associativa e comutativa, e o estado vazio $(-\\infty, 0)$ é o seu elemento neutro."
        ),
    )
)
