"""Testes de companion.sampling.beam_search em modelos de brinquedo (numpy, sem torch): com
feixes suficientes, a busca acha o ótimo da enumeração exaustiva; com um feixe, é o guloso;
o caso clássico em que o guloso perde; o efeito de ``length_penalty``; entradas ruins.

A paridade com ``generate(num_beams=..., do_sample=False)`` do transformers está em
``tests/test_sampling_transformers.py`` (precisa de um modelo do torch)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from companion.sampling import beam_search


class Brinquedo:
    """Um modelo de linguagem de tabela: os logits do próximo token dependem do prefixo
    gerado inteiro (sorteados com semente, uma vez por prefixo). Conta as chamadas."""

    def __init__(self, V: int, semente: int, escala: float = 2.0, n_prompt: int = 0):
        self.V, self.escala, self.n_prompt = V, escala, n_prompt
        self.rng = np.random.default_rng(semente)
        self.tabela: dict[tuple[int, ...], np.ndarray] = {}
        self.chamadas = 0

    def logits(self, prefixo: tuple[int, ...]) -> np.ndarray:
        if prefixo not in self.tabela:
            self.tabela[prefixo] = self.rng.normal(scale=self.escala, size=self.V)
        return self.tabela[prefixo]

    def log_q(self, prefixo):
        x = self.logits(prefixo)
        return x - np.log(np.sum(np.exp(x - x.max()))) - x.max()

    def __call__(self, seqs: np.ndarray) -> np.ndarray:
        self.chamadas += 1
        assert seqs.dtype.kind == "i"
        return np.stack([self.logits(tuple(s[self.n_prompt :])) for s in seqs])


def enumeracao(modelo, max_len, fim=None, alfa=1.0):
    """Todas as sequências possíveis (terminadas pelo eos ou com max_len tokens), com a
    pontuação soma(log q) / L^α, da melhor para a pior."""
    todas = []
    for L in range(1, max_len + 1):
        for seq in itertools.product(range(modelo.V), repeat=L):
            if fim is not None and fim in seq[:-1]:
                continue  # o eos só no fim
            if L < max_len and (fim is None or seq[-1] != fim):
                continue  # sem eos, só as de comprimento máximo
            soma = sum(modelo.log_q(seq[:t])[seq[t]] for t in range(L))
            todas.append((soma / L**alfa, seq))
    todas.sort(key=lambda par: -par[0])
    return todas


@pytest.mark.parametrize("semente", range(4))
@pytest.mark.parametrize("alfa", [0.0, 1.0, 2.0])
def test_com_v_elevado_a_len_feixes_acha_o_otimo_exato_sem_eos(semente, alfa):
    V, max_len = 3, 3
    modelo = Brinquedo(V, semente)
    seqs, pontos = beam_search(modelo, V**max_len, max_len, alfa)
    esperado = enumeracao(modelo, max_len, alfa=alfa)
    assert len(seqs) == len(esperado) == V**max_len  # todas, em ordem
    assert [tuple(s) for s in seqs] == [seq for _, seq in esperado]
    assert_allclose(pontos, [p for p, _ in esperado], rtol=1e-12)


@pytest.mark.parametrize("semente", range(4))
@pytest.mark.parametrize("alfa", [0.0, 1.0, 2.0])
def test_com_v_elevado_a_len_feixes_acha_o_otimo_exato_com_eos(semente, alfa):
    # com early_stopping="never", a cota da melhor pontuação possível é exata para α >= 0
    # (uma continuação só diminui a soma, e s / L^α <= s / max_len^α quando s <= 0)
    V, max_len, fim = 3, 4, 2
    modelo = Brinquedo(V, semente)
    seqs, pontos = beam_search(
        modelo, V**max_len, max_len, alfa, eos_token_id=fim, early_stopping="never"
    )
    esperado = enumeracao(modelo, max_len, fim=fim, alfa=alfa)
    assert [tuple(s) for s in seqs] == [seq for _, seq in esperado]
    assert_allclose(pontos, [p for p, _ in esperado], rtol=1e-12)


def guloso(modelo, max_len, fim=None, prompt=()):
    seq = list(prompt)
    for _ in range(max_len):
        token = int(np.argmax(modelo(np.array([seq], dtype=np.int64))[0]))
        seq.append(token)
        if token == fim:
            break
    return seq


@pytest.mark.parametrize("semente", range(10))
@pytest.mark.parametrize("parada", [False, True])
def test_um_feixe_e_o_guloso(semente, parada):
    modelo = Brinquedo(5, 100 + semente, n_prompt=2)
    prompt = [3, 1]
    seqs, pontos = beam_search(
        modelo, 1, 6, input_ids=prompt, eos_token_id=4, early_stopping=parada
    )
    esperado = guloso(modelo, 6, fim=4, prompt=prompt)
    assert len(seqs) == 1
    assert seqs[0].tolist() == esperado
    gerados = esperado[2:]
    soma = sum(modelo.log_q(tuple(gerados[:t]))[gerados[t]] for t in range(len(gerados)))
    assert_allclose(pontos[0], soma / len(gerados))


# o token 0 é o melhor primeiro (0,59 contra 0,4), mas depois dele tudo é incerto; depois do
# 1, o 2 é quase certo: o guloso fica com 0,59 · 0,34 ≈ 0,20, e o melhor é 0,4 · 0,98 = 0,392
CLASSICO = {
    (): [0.59, 0.4, 0.01],
    (0,): [0.34, 0.33, 0.33],
    (1,): [0.01, 0.01, 0.98],
    (2,): [1 / 3, 1 / 3, 1 / 3],
}


def passo_classico(seqs):
    return np.log([CLASSICO[tuple(s)] for s in seqs])


def test_caso_classico_o_guloso_perde_e_o_feixe_de_2_acha():
    um, _ = beam_search(passo_classico, 1, 2, 0.0)
    dois, pontos = beam_search(passo_classico, 2, 2, 0.0)
    assert um[0].tolist() == [0, 0]
    assert dois[0].tolist() == [1, 2]
    assert_allclose(np.exp(pontos[0]), 0.4 * 0.98)
    # e é o ótimo da enumeração das 9 sequências
    probabilidade = {
        (a, b): CLASSICO[()][a] * CLASSICO[(a,)][b] for a in range(3) for b in range(3)
    }
    assert max(probabilidade, key=probabilidade.get) == (1, 2)


def test_length_penalty_escolhe_entre_a_curta_e_a_longa():
    # fim = 2. A curta [2] tem probabilidade 0,4 (log ≈ -0,92, L = 1); a longa [0, 0, 2] tem
    # 0,55 · 0,8 · 0,8 = 0,352 (log ≈ -1,04, L = 3). Com α = 0 (soma), ganha a curta; com
    # α = 1 (média por token: -0,92 contra -0,35), ganha a longa
    q = {
        (): [0.55, 0.05, 0.4],
        (0,): [0.8, 0.05, 0.15],
        (1,): [0.1, 0.1, 0.8],
        (0, 0): [0.1, 0.1, 0.8],
        (0, 1): [0.1, 0.1, 0.8],
        (1, 0): [0.1, 0.1, 0.8],
        (1, 1): [0.1, 0.1, 0.8],
    }

    def passo(seqs):
        return np.log([q[tuple(s)] for s in seqs])

    soma, pontos_soma = beam_search(passo, 2, 3, 0.0, eos_token_id=2, early_stopping="never")
    media, pontos_media = beam_search(passo, 2, 3, 1.0, eos_token_id=2, early_stopping="never")
    assert soma[0].tolist() == [2]
    assert_allclose(pontos_soma[0], np.log(0.4))
    assert media[0].tolist() == [0, 0, 2]
    assert_allclose(pontos_media[0], np.log(0.55 * 0.8 * 0.8) / 3)
    # α negativo favorece ainda mais a curta
    curta, _ = beam_search(passo, 2, 3, -1.0, eos_token_id=2, early_stopping="never")
    assert curta[0].tolist() == [2]


def test_early_stopping_true_para_com_beams_terminadas():
    # com True, a busca pára assim que há `beams` hipóteses terminadas: menos chamadas ao modelo
    chamadas = {}
    for parada in (True, "never"):
        modelo = Brinquedo(4, 7, escala=1.0)
        beam_search(modelo, 2, 12, 1.0, eos_token_id=3, early_stopping=parada)
        chamadas[parada] = modelo.chamadas
    assert chamadas[True] < chamadas["never"]


def test_prompt_e_saidas():
    modelo = Brinquedo(4, 3, n_prompt=3)
    seqs, pontos = beam_search(modelo, 3, 4, input_ids=np.array([2, 0, 1]), eos_token_id=3)
    assert 1 <= len(seqs) <= 3
    assert pontos.dtype == np.float64 and np.all(np.diff(pontos) <= 0)  # a melhor primeiro
    for s in seqs:
        assert s.dtype == np.int64
        assert s[:3].tolist() == [2, 0, 1]
        gerados = s[3:].tolist()
        assert 1 <= len(gerados) <= 4
        assert 3 not in gerados[:-1]  # o eos, só no fim
        assert gerados[-1] == 3 or len(gerados) == 4


def test_step_fn_que_altera_seqs_nao_corrompe_a_busca():
    modelo = Brinquedo(3, 5)

    def estragador(seqs):
        saida = modelo(seqs)
        seqs[:] = 0  # escreve na cópia que recebeu
        return saida

    a, pa = beam_search(estragador, 3, 3, 1.0)
    b, pb = beam_search(modelo, 3, 3, 1.0)
    assert [s.tolist() for s in a] == [s.tolist() for s in b]
    assert_array_equal(pa, pb)


def test_step_fn_pode_devolver_um_tensor_do_torch():
    torch = pytest.importorskip("torch")
    modelo = Brinquedo(3, 6)
    a, _ = beam_search(lambda s: torch.from_numpy(modelo(s)), 2, 3)
    b, _ = beam_search(modelo, 2, 3)
    assert [s.tolist() for s in a] == [s.tolist() for s in b]


def _fixo(valor):
    return lambda seqs: np.broadcast_to(np.asarray(valor, dtype=float), (len(seqs), 3)).copy()


@pytest.mark.parametrize(
    "chamada, erro, trecho",
    [
        (lambda: beam_search(_fixo(0.0), 0, 3), ValueError, "beams deve ser um inteiro >= 1"),
        (lambda: beam_search(_fixo(0.0), 2.0, 3), TypeError, "beams deve ser um inteiro >= 1"),
        (lambda: beam_search(_fixo(0.0), 2, 0), ValueError, "max_len deve ser um inteiro >= 1"),
        (
            lambda: beam_search(_fixo(0.0), 2, 3, np.nan),
            ValueError,
            "length_penalty deve ser um número finito; recebido nan",
        ),
        (
            lambda: beam_search(_fixo(0.0), 2, 3, "1"),
            TypeError,
            "length_penalty deve ser um número real",
        ),
        (
            lambda: beam_search(_fixo(0.0), 2, 3, early_stopping="sempre"),
            ValueError,
            'early_stopping deve ser True, False ou "never"',
        ),
        (lambda: beam_search(None, 2, 3), TypeError, "step_fn deve ser uma função"),
        (
            lambda: beam_search(lambda s: np.zeros((len(s), 3, 1)), 2, 3),
            ValueError,
            r"step_fn\(seqs\) .* deve devolver logits de formato \(B, V\) = \(2, V\)",
        ),
        (
            lambda: beam_search(lambda s: np.zeros((1, 3)), 2, 3),
            ValueError,
            r"recebido formato \(1, 3\)",
        ),
        (
            lambda: beam_search(_fixo([0.0, np.nan, 1.0]), 2, 3),
            ValueError,
            "a linha 0 tem nan",
        ),
        (
            lambda: beam_search(_fixo([-np.inf] * 3), 2, 3),
            ValueError,
            "a linha 0 tem todos os valores -inf",
        ),
        (
            lambda: beam_search(_fixo(0.0), 2, 3, eos_token_id=3),
            ValueError,
            "eos_token_id fora do vocabulário: recebido 3; os tokens vão de 0 a 2",
        ),
        (
            lambda: beam_search(_fixo(0.0), 2, 3, eos_token_id=1.0),
            TypeError,
            "eos_token_id deve ser None, um id inteiro >= 0 ou uma lista de ids",
        ),
        (
            lambda: beam_search(_fixo(0.0), 2, 3, input_ids=[[1, 2]]),
            ValueError,
            r"input_ids deve ter formato \(t,\)",
        ),
        (
            lambda: beam_search(_fixo(0.0), 2, 3, input_ids=[0.5]),
            TypeError,
            "input_ids deve conter índices inteiros",
        ),
    ],
)
def test_entradas_ruins(chamada, erro, trecho):
    with pytest.raises(erro, match=trecho):
        chamada()


def test_logits_que_mudam_de_tamanho_no_meio_da_busca():
    def passo(seqs):
        return np.zeros((len(seqs), 3 + seqs.shape[1]))

    with pytest.raises(ValueError, match=r"deve devolver logits de formato \(B, V\) = \(2, 3\)"):
        beam_search(passo, 2, 3)


def test_todo_token_um_eos_e_early_stopping_do_numpy():
    # com todo token um eos, as continuações são só k·V (o generate quebraria no topk); a busca
    # termina no primeiro passo, com as k melhores de um token
    def passo(seqs):
        return np.log(np.tile([0.5, 0.3, 0.2], (len(seqs), 1)))

    seqs, pontos = beam_search(passo, 2, 3, eos_token_id=[0, 1, 2])
    assert [s.tolist() for s in seqs] == [[0], [1]]
    assert_allclose(pontos, np.log([0.5, 0.3]))
    # um np.bool_ vale como o bool
    a, _ = beam_search(passo, 2, 3, eos_token_id=2, early_stopping=np.True_)
    b, _ = beam_search(passo, 2, 3, eos_token_id=2, early_stopping=True)
    assert [s.tolist() for s in a] == [s.tolist() for s in b]


def test_logits_mascarados_valem_menos_inf():
    # como no resto do módulo: um token mascarado é proibido
    def mascarado(seqs):
        x = np.zeros((len(seqs), 3))
        x[:, 1] = 5.0
        return np.ma.MaskedArray(x, mask=np.tile([False, True, False], (len(seqs), 1)))

    seqs, _ = beam_search(mascarado, 2, 2, 0.0)
    assert all(1 not in s.tolist() for s in seqs)
    assert len(seqs) == 2


# ---------------------------------------------------------------------------------------------
# no_repeat_ngram_size e repetition_penalty


def _repete_ngrama(seq, n, inicio):
    """Se algum token de seq[inicio:] completa um n-grama que já apareceu antes dele."""
    for j in range(max(inicio, n - 1), len(seq)):
        atual = tuple(seq[j - n + 1 : j + 1])
        anteriores = {tuple(seq[i - n + 1 : i + 1]) for i in range(n - 1, j)}
        if atual in anteriores:
            return True
    return False


@pytest.mark.parametrize("semente", range(4))
@pytest.mark.parametrize("n", [1, 2, 3])
def test_no_repeat_ngram_size_acha_o_otimo_entre_as_sequencias_sem_repeticao(semente, n):
    # com feixes para todas as sequências, a busca acha a melhor das que não repetem n-gramas
    # (o começo incluído), pela soma das log-probabilidades originais
    V, L = 4, 3
    prompt = (1, 1, 0) if n > 1 else (1,)  # com n = 1, V - 1 tokens ainda livres
    modelo = Brinquedo(V, semente, n_prompt=len(prompt))
    melhores = {}
    for gerados in itertools.product(range(V), repeat=L):
        seq = prompt + gerados
        if _repete_ngrama(seq, n, len(prompt)):
            continue
        s = sum(modelo.log_q(gerados[:t])[gerados[t]] for t in range(L))
        melhores[seq] = s / L
    seqs, pontos = beam_search(modelo, V**L, L, input_ids=np.array(prompt), no_repeat_ngram_size=n)
    assert len(seqs) == len(melhores)  # só as sequências sem repetição, todas
    for seq in seqs:
        assert not _repete_ngrama(seq.tolist(), n, len(prompt))
    esperado = max(melhores, key=melhores.get)
    assert tuple(seqs[0].tolist()) == esperado
    assert_allclose(pontos[0], melhores[esperado])
    assert len(melhores) < V**L  # o bloqueio tirou sequências (senão o teste nada provaria)


def test_repetition_penalty_multiplica_as_log_probabilidades_dos_tokens_ja_vistos():
    # dois passos: no segundo, o token 0 (do começo) tem a log-probabilidade multiplicada por θ
    log_q = np.log([0.5, 0.3, 0.2])
    seqs, pontos = beam_search(
        lambda s: np.tile(log_q, (len(s), 1)), 1, 2, 0.0, input_ids=[0], repetition_penalty=2.0
    )
    # passo 1: 0 vira 2·log 0,5 = log 0,25 < log 0,3: escolhe 1; passo 2: 0 e 1 penalizados,
    # log 0,25, log 0,09 e log 0,2: escolhe 0, e a pontuação soma os valores penalizados
    assert seqs[0].tolist() == [0, 1, 0]
    assert_allclose(pontos[0], np.log(0.3) + 2 * np.log(0.5))


@pytest.mark.parametrize(
    "chamada, erro, trecho",
    [
        (
            lambda: beam_search(_fixo(0.0), 2, 3, no_repeat_ngram_size=-1),
            ValueError,
            "no_repeat_ngram_size deve ser um inteiro >= 0",
        ),
        (
            lambda: beam_search(_fixo(0.0), 2, 3, no_repeat_ngram_size=2.0),
            TypeError,
            "no_repeat_ngram_size deve ser um inteiro >= 0",
        ),
        (
            lambda: beam_search(_fixo(0.0), 2, 3, repetition_penalty=0.0),
            ValueError,
            "repetition_penalty deve ser um número finito maior que zero",
        ),
        (
            lambda: beam_search(_fixo(0.0), 2, 3, input_ids=[5], no_repeat_ngram_size=2),
            ValueError,
            "input_ids fora do vocabulário: recebido 5; os tokens vão de 0 a 2",
        ),
    ],
)
def test_entradas_ruins_das_opcoes_de_repeticao(chamada, erro, trecho):
    with pytest.raises(erro, match=trecho):
        chamada()
