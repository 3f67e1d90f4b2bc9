"""Teste diferencial de companion.sampling contra os *warpers* do Hugging Face transformers.

Cada processador do companion é comparado com o do transformers (``TopKLogitsWarper``,
``TopPLogitsWarper``, ``MinPLogitsWarper``, ``TemperatureLogitsWarper``,
``RepetitionPenaltyLogitsProcessor``, ``NoRepeatNGramLogitsProcessor``) em logits aleatórios
com empates, ``-inf``, linhas só de ``-inf``, ``float16``/``float32``/``float64`` e
``min_tokens_to_keep``. Os *warpers* não
precisam de modelo nenhum: nada é baixado (e ``HF_HUB_OFFLINE`` o garante).

O que é tolerado, e só isso:

- **Temperatura, top-k, penalidade de repetição e bloqueio de n-gramas**: nada. A saída é
  idêntica, bit a bit, em todo dtype (no top-k, os empatados com o k-ésimo ficam nos dois).
- **Ordem dos empates** (top-p e min-p): o transformers escolhe quais tokens empatados ficam
  pela ordem de ``torch.sort``/``torch.topk``, que não é estável. Por isso os conjuntos são
  comparados por grupo de logits iguais: em cada grupo, o mesmo número de tokens fica nos dois;
  no companion, os de menor índice (a regra documentada). No min-p, o transformers escolhe os
  ``min_tokens_to_keep`` pelas probabilidades no dtype dos logits: um grupo pode diferir se a
  probabilidade dele (no transformers) é igual à do ``min_tokens_to_keep``-ésimo token — um
  empate no critério dele.
- **Arredondamento na fronteira exata**: no top-p, um grupo pode diferir só se a massa à
  frente de um dos tokens em disputa, calculada em ``float64``, está a no máximo
  ``(V + 4)·ε`` de ``p`` (ε: o épsilon do dtype dos logits; o transformers calcula as
  probabilidades e a soma acumulada no dtype, da menor para a maior, e o companion soma em
  ``float64``). No min-p, só se a razão :math:`q_i / \\max q`, em ``float64``, está a no máximo
  ``8·ε·p`` (mais o menor subnormal do dtype dividido pela maior probabilidade) de ``p``.
- **top-p com p = 1**: o companion devolve os logits sem mudança; o ``TopPLogitsWarper(1.0)``
  remove os tokens cuja probabilidade, no dtype, é 0 — e só esses (divergência documentada em
  :func:`companion.sampling.top_p`; o ``generate`` nem aplica o filtro com ``top_p = 1``).

Os testes também contam as discordâncias toleradas, para que a tolerância não esconda uma
regra diferente: elas têm de ser raras.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nada pode ser baixado durante os testes

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from numpy.testing import assert_array_equal  # noqa: E402
from transformers.generation.logits_process import (  # noqa: E402
    EpsilonLogitsWarper,
    EtaLogitsWarper,
    MinPLogitsWarper,
    NoRepeatNGramLogitsProcessor,
    RepetitionPenaltyLogitsProcessor,
    TemperatureLogitsWarper,
    TopKLogitsWarper,
    TopPLogitsWarper,
    TypicalLogitsWarper,
)

from companion.sampling import (  # noqa: E402
    epsilon_cutoff,
    eta_cutoff,
    min_p,
    no_repeat_ngram,
    repetition_penalty,
    temperature,
    top_k,
    top_p,
    typical_p,
)

DTYPES = [np.float16, np.float32, np.float64]
SEM_IDS = torch.zeros((1, 0), dtype=torch.long)  # os warpers não olham input_ids


@pytest.fixture(autouse=True, scope="module")
def uma_thread():
    # tensores pequenos: com várias threads, numa máquina ocupada, o torch gasta mais esperando
    # as threads que calculando
    antes = torch.get_num_threads()
    validar = torch.distributions.Distribution._validate_args
    torch.set_num_threads(1)
    # o EtaLogitsWarper passa os logits por uma Categorical, que recusa uma linha só de -inf
    # (os outros warpers a devolvem como está); sem a validação, ele também a devolve
    torch.distributions.Distribution.set_default_validate_args(False)
    yield
    torch.distributions.Distribution.set_default_validate_args(validar)
    torch.set_num_threads(antes)


def casos(dtype, semente: int, n: int = 40):
    """Logits (B, V) aleatórios: normais de várias escalas, empates (valores arredondados ou
    de um conjunto pequeno), ``-inf`` esparsos e, às vezes, uma linha só de ``-inf``."""
    rng = np.random.default_rng(semente)
    for _ in range(n):
        B = int(rng.integers(1, 4))
        V = int(
            rng.choice([1, 2, 5, 17, 50, 300] if dtype == np.float16 else [1, 2, 5, 50, 300, 2000])
        )
        x = rng.normal(scale=rng.choice([0.5, 2.0, 6.0]), size=(B, V))
        tipo = rng.integers(4)
        if tipo == 1:
            x = np.round(x, 1)  # muitos empates
        elif tipo == 2:
            x = rng.choice([-2.0, 0.0, 0.5, 1.0, 3.0], size=(B, V))  # empates em grupos grandes
        if rng.random() < 0.5:
            x[rng.random((B, V)) < 0.2] = -np.inf
        if B > 1 and rng.random() < 0.2:
            x[-1] = -np.inf
        yield x.astype(dtype)


def hf(warper, x: np.ndarray, ids: torch.Tensor = SEM_IDS) -> np.ndarray:
    return warper(ids, torch.from_numpy(x.copy())).numpy()


def grupos(linha: np.ndarray):
    """Os grupos de logits iguais (finitos): os valores (crescentes), o grupo de cada logit
    finito, os tamanhos e a posição de cada logit finito dentro do seu grupo (pelo índice)."""
    valores, grupo, tamanhos = np.unique(
        linha[np.isfinite(linha)], return_inverse=True, return_counts=True
    )
    ordem = np.argsort(grupo, kind="stable")
    posicao = np.empty_like(ordem)
    posicao[ordem] = np.arange(ordem.size) - np.repeat(np.cumsum(tamanhos) - tamanhos, tamanhos)
    return valores, grupo, tamanhos, posicao


def confere_valores(x, nosso, deles):
    # onde fica, o logit volta sem mudança; onde sai, -inf; nos dois
    for saida in (nosso, deles):
        fica = np.isfinite(saida)
        assert_array_equal(saida[fica], x[fica])
        assert np.all(saida[~fica] == -np.inf)


def contagens(linha, fica_c, fica_h):
    """Quantos tokens de cada grupo de logits iguais ficam no companion e no transformers; e
    confere que, no companion, são os de menor índice do grupo."""
    valores, grupo, tamanhos, posicao = grupos(linha)
    finitos = np.isfinite(linha)
    cc = np.bincount(grupo, weights=fica_c[finitos], minlength=valores.size).astype(int)
    ch = np.bincount(grupo, weights=fica_h[finitos], minlength=valores.size).astype(int)
    assert_array_equal(fica_c[finitos], posicao < cc[grupo])  # os de menor índice
    return valores, tamanhos, cc, ch


# ---------------------------------------------------------------------------------------------
# Idênticos


@pytest.mark.parametrize("dtype", DTYPES)
def test_temperatura_identica(dtype):
    for x in casos(dtype, 1):
        for t in (0.3, 0.7, 1.0, 1.7, 3.0):
            assert_array_equal(temperature(x, t), hf(TemperatureLogitsWarper(t), x))


@pytest.mark.parametrize("dtype", DTYPES)
def test_top_k_identico(dtype):
    for x in casos(dtype, 2):
        V = x.shape[-1]
        for k in (1, 2, 5, 50, V + 1):
            for minimo in (1, 3, V + 5):
                nosso = top_k(x, k, min_tokens_to_keep=minimo)
                deles = hf(TopKLogitsWarper(k, min_tokens_to_keep=minimo), x)
                assert nosso.dtype == deles.dtype
                assert_array_equal(nosso, deles)


def test_top_k_identico_no_caminho_por_blocos():
    rng = np.random.default_rng(3)
    x = np.round(rng.normal(scale=3.0, size=(4, 50257)), 1).astype(np.float32)
    x[1, ::5] = -np.inf
    for k in (1, 50, 97):
        assert_array_equal(top_k(x, k), hf(TopKLogitsWarper(k), x))


@pytest.mark.parametrize("dtype", DTYPES)
def test_penalidade_de_repeticao_identica(dtype):
    rng = np.random.default_rng(4)
    for x in casos(dtype, 4):
        B, V = x.shape
        ids = rng.integers(0, V, size=(B, int(rng.integers(1, 12))))  # com repetições
        for penalty in (0.5, 1.0, 1.3, 2.0):
            deles = hf(RepetitionPenaltyLogitsProcessor(penalty), x, torch.from_numpy(ids))
            assert_array_equal(repetition_penalty(x, ids, penalty), deles)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_bloqueio_de_ngramas_identico(dtype, n):
    rng = np.random.default_rng(40 + n)
    proibiu = 0
    for x in casos(dtype, 5 + n):
        B, V = x.shape
        for t in (0, 1, n - 1, n, n + 1, 7, 20):  # inclui as sequências menores que n
            # poucos tokens distintos: os n-gramas se repetem
            ids = rng.integers(0, min(V, 3), size=(B, t))
            deles = hf(NoRepeatNGramLogitsProcessor(n), x, torch.from_numpy(ids))
            nosso = no_repeat_ngram(x, ids, n)
            assert nosso.dtype == x.dtype
            assert_array_equal(nosso, deles)
            proibiu += int(np.sum(np.isneginf(nosso) & ~np.isneginf(x)))
    assert proibiu > 0  # o bloqueio agiu (senão a paridade nada provaria)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_bloqueio_de_ngramas_identico_no_vocabulario_do_gpt2(n):
    # V = 50 257, sequências longas com ids de todo o vocabulário e repetições plantadas
    rng = np.random.default_rng(n)
    V = 50_257
    x = rng.normal(scale=4.0, size=(4, V)).astype(np.float32)
    for t in (0, n - 1, n, 30, 200):
        ids = rng.integers(0, V, size=(4, t))
        if t >= 2 * n:
            ids[:, t // 3 : t // 3 + n - 1] = ids[:, t - n + 1 :]  # o sufixo já ocorreu
        deles = hf(NoRepeatNGramLogitsProcessor(n), x, torch.from_numpy(ids))
        nosso = no_repeat_ngram(x, ids, n)
        assert_array_equal(nosso, deles)
        assert_array_equal(no_repeat_ngram(x[0], ids[0], n), deles[0])  # 1-D
        if t >= 2 * n:
            assert np.all(np.isneginf(nosso).sum(axis=-1) >= 1)


# ---------------------------------------------------------------------------------------------
# Top-p e min-p: os mesmos conjuntos, a menos da ordem dos empates e da fronteira exata


def confere_top_p(linha, nosso, deles, p, minimo, contador):
    fica_c, fica_h = np.isfinite(nosso), np.isfinite(deles)
    if not np.any(np.isfinite(linha)):
        return
    valores, tamanhos, cc, ch = contagens(linha, fica_c, fica_h)
    if np.array_equal(cc, ch):
        return
    tolerancia = (linha.size + 4) * float(np.finfo(linha.dtype).eps)
    q = np.exp(valores.astype(np.float64) - float(valores[-1]))  # a probabilidade de cada grupo
    q /= np.sum(tamanhos * q)
    massa = tamanhos * q
    a_frente = np.cumsum(massa[::-1])[::-1] - massa  # a massa dos grupos de logit maior
    for g in np.flatnonzero(cc != ch):
        # cada token em disputa está na fronteira: a massa à frente dele, ≈ p
        for j in range(min(cc[g], ch[g]), max(cc[g], ch[g])):
            distancia = abs(a_frente[g] + j * q[g] - p)
            assert distancia <= tolerancia, (
                f"top-p (p = {p}, min_tokens_to_keep = {minimo}, {linha.dtype}): o grupo de "
                f"logit {valores[g]} mantém {cc[g]} no companion e {ch[g]} no transformers, e "
                f"a massa à frente está a {distancia:.3g} de p (tolerância {tolerancia:.3g})"
            )
        contador["fronteira"] += 1


@pytest.mark.parametrize("dtype", DTYPES)
def test_top_p_mesmos_tokens(dtype):
    contador = {"linhas": 0, "fronteira": 0}
    for x in casos(dtype, 5, n=60):
        V = x.shape[-1]
        for p in (0.0, 0.1, 0.5, 0.9, 0.999):
            for minimo in (1, 3, V + 5):
                nosso = top_p(x, p, min_tokens_to_keep=minimo)
                deles = hf(TopPLogitsWarper(p, min_tokens_to_keep=minimo), x)
                assert nosso.dtype == deles.dtype
                confere_valores(x, nosso, deles)
                for b in range(x.shape[0]):
                    contador["linhas"] += 1
                    confere_top_p(x[b], nosso[b], deles[b], p, minimo, contador)
    # a tolerância da fronteira é uma exceção, não a regra
    assert contador["fronteira"] <= 0.02 * contador["linhas"], contador


@pytest.mark.parametrize("dtype", DTYPES)
def test_top_p_1_e_a_identidade_e_o_transformers_so_tira_probabilidade_zero(dtype):
    for x in casos(dtype, 6):
        assert_array_equal(top_p(x, 1.0), x)
        deles = hf(TopPLogitsWarper(1.0), x)
        tirados = np.isfinite(x) & ~np.isfinite(deles)
        assert np.all(np.isfinite(deles) <= np.isfinite(x))
        probs = torch.softmax(torch.from_numpy(x), dim=-1).numpy()  # no dtype, como ele faz
        assert np.all(probs[tirados] == 0)


def confere_min_p(linha, nosso, deles, p, minimo, contador):
    fica_c, fica_h = np.isfinite(nosso), np.isfinite(deles)
    if not np.any(np.isfinite(linha)):
        return
    valores, tamanhos, cc, ch = contagens(linha, fica_c, fica_h)
    if np.array_equal(cc, ch):
        return
    info = np.finfo(linha.dtype)
    razao = np.exp(valores.astype(np.float64) - float(valores[-1]))  # q / max q de cada grupo
    q_max = 1.0 / np.sum(tamanhos * razao)
    tolerancia = 8 * float(info.eps) * p + float(info.smallest_subnormal) / q_max
    # as probabilidades no dtype, como o transformers as calcula e escolhe os min_tokens_to_keep
    probs_hf = torch.softmax(torch.from_numpy(linha), dim=-1).numpy()
    kesima = np.sort(probs_hf)[::-1][min(minimo, linha.size) - 1]
    for g in np.flatnonzero(cc != ch):
        na_fronteira = abs(razao[g] - p) <= tolerancia
        prob_do_grupo = probs_hf[np.flatnonzero(linha == valores[g])[0]]
        empate_do_topk = minimo > 1 and prob_do_grupo == kesima
        assert na_fronteira or empate_do_topk, (
            f"min-p (p = {p}, min_tokens_to_keep = {minimo}, {linha.dtype}): o grupo de logit "
            f"{valores[g]} (q/max q = {razao[g]:.6g}) difere: companion {cc[g]}, "
            f"transformers {ch[g]}"
        )
        contador["fronteira"] += 1


@pytest.mark.parametrize("dtype", DTYPES)
def test_min_p_mesmos_tokens(dtype):
    contador = {"linhas": 0, "fronteira": 0}
    for x in casos(dtype, 7, n=60):
        V = x.shape[-1]
        for p in (0.0, 0.05, 0.2, 0.5, 1.0):
            for minimo in (1, 3, V + 5):
                nosso = min_p(x, p, min_tokens_to_keep=minimo)
                deles = hf(MinPLogitsWarper(p, min_tokens_to_keep=minimo), x)
                assert nosso.dtype == deles.dtype
                confere_valores(x, nosso, deles)
                for b in range(x.shape[0]):
                    contador["linhas"] += 1
                    confere_min_p(x[b], nosso[b], deles[b], p, minimo, contador)
    assert contador["fronteira"] <= 0.02 * contador["linhas"], contador


def test_a_fronteira_exata():
    # p exatamente na massa de um prefixo: 4 tokens iguais, p = 0,5 (exato em binário). Os
    # dois param em 2 tokens (o transformers escolhe outros dois empatados: a ordem do
    # torch.sort); logo acima de 0,5, os dois levam o terceiro
    x = np.zeros((1, 4), dtype=np.float32)
    for p, quantos in ((0.5, 2), (0.5000001, 3)):
        nosso, deles = top_p(x, p), hf(TopPLogitsWarper(p), x)
        assert np.isfinite(nosso).sum() == np.isfinite(deles).sum() == quantos
        assert_array_equal(np.flatnonzero(np.isfinite(nosso)), np.arange(quantos))


# ---------------------------------------------------------------------------------------------
# Typical, ε e η (issue 14): os mesmos tokens, a menos da ordem dos empates e da fronteira


def _referencia_f64(linha):
    """log q, q e a entropia H de uma linha, em float64 (os tokens -inf ficam com q = 0)."""
    x = linha.astype(np.float64)
    finitos = np.isfinite(x)
    m = np.max(x[finitos])
    log_q = np.where(finitos, x - m, -np.inf)
    log_q = log_q - np.log(np.sum(np.exp(log_q)))
    q = np.exp(log_q)
    H = -np.sum(q[finitos] * log_q[finitos])
    return log_q, q, H


def confere_typical(linha, nosso, deles, p, minimo, contador):
    """Os grupos de logits iguais que diferem têm de estar na fronteira: a massa acumulada (na
    ordem do desvio d = |-log q - H|) a um arredondamento de p, ou o desvio do grupo a um
    arredondamento do de outro grupo (o transformers, que calcula d no dtype e ordena com
    torch.sort, pode trocar a ordem dos dois)."""
    fica_c, fica_h = np.isfinite(nosso), np.isfinite(deles)
    if not np.any(np.isfinite(linha)):
        return
    valores, tamanhos, cc, ch = contagens(linha, fica_c, fica_h)
    if np.array_equal(cc, ch):
        return
    eps = float(np.finfo(linha.dtype).eps)
    H = _referencia_f64(linha)[2]
    log_q = valores - float(np.max(valores))
    log_q = log_q - np.log(np.sum(tamanhos * np.exp(log_q)))  # log q de cada grupo
    d = np.abs(-log_q - H)
    ordem = np.argsort(d, kind="stable")
    massa = (tamanhos * np.exp(log_q))[ordem]
    depois = np.empty_like(d)
    depois[ordem] = np.cumsum(massa)  # a massa acumulada até o fim de cada grupo
    antes = depois - tamanhos * np.exp(log_q)
    tol_massa = (linha.size + 4) * eps
    tol_d = 16 * eps * (np.abs(log_q) + H + 1)
    for g in np.flatnonzero(cc != ch):
        na_massa = min(abs(antes[g] - p), abs(depois[g] - p)) <= tol_massa
        vizinhos = np.abs(d - d[g]) <= tol_d[g] + tol_d
        vizinhos[g] = False
        assert na_massa or np.any(vizinhos), (
            f"typical (p = {p}, min_tokens_to_keep = {minimo}, {linha.dtype}): o grupo de logit "
            f"{valores[g]} (d = {d[g]:.6g}, massa {antes[g]:.6g} a {depois[g]:.6g}) difere: "
            f"companion {cc[g]}, transformers {ch[g]}"
        )
        contador["fronteira"] += 1


@pytest.mark.parametrize("dtype", DTYPES)
def test_typical_mesmos_tokens(dtype):
    contador = {"linhas": 0, "fronteira": 0}
    for x in casos(dtype, 8, n=60):
        V = x.shape[-1]
        for p in (0.1, 0.5, 0.9, 0.999):
            for minimo in (1, 3, V + 5):
                nosso = typical_p(x, p, min_tokens_to_keep=minimo)
                deles = hf(TypicalLogitsWarper(p, min_tokens_to_keep=minimo), x)
                assert nosso.dtype == deles.dtype
                confere_valores(x, nosso, deles)
                for b in range(x.shape[0]):
                    contador["linhas"] += 1
                    confere_typical(x[b], nosso[b], deles[b], p, minimo, contador)
    # em float16, o transformers calcula d no próprio float16 (3 algarismos): desvios que o
    # float32 do companion separa empatam nele, e as trocas na fronteira são mais comuns
    limite = 0.05 if dtype == np.float16 else 0.02
    assert contador["fronteira"] <= limite * contador["linhas"], contador


def confere_piso(linha, nosso, deles, eta, contador, rotulo):
    """ε e η: um grupo só pode diferir se a probabilidade dele está a um arredondamento do
    corte η (o transformers calcula q, H e η no dtype dos logits)."""
    fica_c, fica_h = np.isfinite(nosso), np.isfinite(deles)
    if not np.any(np.isfinite(linha)):
        return
    valores, _, cc, ch = contagens(linha, fica_c, fica_h)
    if np.array_equal(cc, ch):
        return
    _, q, _ = _referencia_f64(linha)
    info = np.finfo(linha.dtype)
    tolerancia = (linha.size + 8) * float(info.eps) * eta + float(info.smallest_subnormal)
    for g in np.flatnonzero(cc != ch):
        q_g = q[np.flatnonzero(linha == valores[g])[0]]
        assert abs(q_g - eta) <= tolerancia, (
            f"{rotulo} ({linha.dtype}): o grupo de logit {valores[g]} (q = {q_g:.6g}, corte "
            f"{eta:.6g}) difere: companion {cc[g]}, transformers {ch[g]}"
        )
        contador["fronteira"] += 1


@pytest.mark.parametrize("dtype", DTYPES)
def test_epsilon_e_eta_mesmos_tokens(dtype):
    contador = {"linhas": 0, "fronteira": 0}
    for x in casos(dtype, 9, n=60):
        V = x.shape[-1]
        for epsilon in (1e-4, 3e-3, 0.05, 0.3, 0.9):
            for minimo in (1, 3, V + 5):
                pares = (
                    (epsilon_cutoff, EpsilonLogitsWarper, "ε"),
                    (eta_cutoff, EtaLogitsWarper, "η"),
                )
                for nossa, warper, rotulo in pares:
                    nosso = nossa(x, epsilon, min_tokens_to_keep=minimo)
                    deles = hf(warper(epsilon, min_tokens_to_keep=minimo), x)
                    assert nosso.dtype == deles.dtype
                    confere_valores(x, nosso, deles)
                    for b in range(x.shape[0]):
                        contador["linhas"] += 1
                        if not np.any(np.isfinite(x[b])):
                            continue
                        H = _referencia_f64(x[b])[2]
                        corte = (
                            epsilon
                            if rotulo == "ε"
                            else min(epsilon, np.sqrt(epsilon) * np.exp(-H))
                        )
                        confere_piso(x[b], nosso[b], deles[b], corte, contador, rotulo)
    assert contador["fronteira"] <= 0.02 * contador["linhas"], contador


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_typical_epsilon_eta_num_vocabulario_real(dtype):
    # V = 50 257 (o do GPT-2), logits de escalas de um modelo de verdade, com empates
    rng = np.random.default_rng(10)
    x = rng.normal(scale=3.0, size=(3, 50257))
    x[1] = np.round(x[1], 1)
    x[2, ::3] = -np.inf
    x = x.astype(dtype)
    contador = {"linhas": 0, "fronteira": 0}
    for p in (0.2, 0.9, 0.99):
        nosso, deles = typical_p(x, p), hf(TypicalLogitsWarper(p), x)
        for b in range(3):
            contador["linhas"] += 1
            confere_typical(x[b], nosso[b], deles[b], p, 1, contador)
    for epsilon in (3e-4, 9e-4, 0.01):
        for nossa, warper in ((epsilon_cutoff, EpsilonLogitsWarper), (eta_cutoff, EtaLogitsWarper)):
            nosso, deles = nossa(x, epsilon), hf(warper(epsilon), x)
            assert 0 < np.isfinite(nosso).sum() < np.isfinite(x).sum()  # o filtro age
            assert np.sum(np.isfinite(nosso) != np.isfinite(deles)) <= 3, (nossa, epsilon)
    # com V = 50 257, a soma acumulada em float32 do transformers erra até ~(V + 4)·ε ≈ 0,003:
    # um token de fronteira por linha, às vezes (e só na fronteira, conferido acima)
    assert contador["fronteira"] <= 3, contador


def test_typical_pode_tirar_o_mais_provavel_como_o_transformers():
    # um token de 0,4 e 30 de 0,02: H ≈ 2,71 nats, e -log 0,02 ≈ 3,91 está mais perto de H
    # que -log 0,4 ≈ 0,92; com p = 0,45, o corte cai no grupo dos 0,02 (d empatado: todos
    # ficam), e o mais provável sai
    x = np.log(np.array([[0.4] + [0.02] * 30]))
    nosso, deles = typical_p(x, 0.45), hf(TypicalLogitsWarper(0.45), x)
    assert np.isfinite(nosso).sum() == 30
    assert nosso[0, 0] == deles[0, 0] == -np.inf
    assert_array_equal(np.isfinite(nosso), np.isfinite(deles))


def test_os_warpers_recusam_o_que_aqui_e_extensao_documentada():
    # o TypicalLogitsWarper recusa p = 0 e p = 1, e os de ε e η recusam ε = 0: aqui p = 1 e
    # ε = 0 são a identidade (o generate nem aplica o filtro), e p = 0 mantém o mais típico
    with pytest.raises(ValueError):
        TypicalLogitsWarper(1.0)
    with pytest.raises(ValueError):
        EpsilonLogitsWarper(0.0)
    x = np.random.default_rng(0).normal(size=(2, 30))
    assert_array_equal(typical_p(x, 1.0), x)
    assert_array_equal(epsilon_cutoff(x, 0.0), x)
    assert_array_equal(eta_cutoff(x, 0.0), x)
    # p = 0: o resultado de um p minúsculo no warper
    assert_array_equal(
        np.isfinite(typical_p(x, 0.0)), np.isfinite(hf(TypicalLogitsWarper(1e-9), x))
    )


# ---------------------------------------------------------------------------------------------
# Com um modelo de brinquedo: a ordem dos filtros do generate e a busca em feixe


@pytest.fixture(scope="module")
def modelo():
    """Um GPT-2 minúsculo (V = 7, uma camada), de pesos aleatórios com semente: construído
    aqui, nada baixado. ``initializer_range`` grande dá logits bem separados (sem quase
    empates entre as hipóteses)."""
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(0)
    config = GPT2Config(
        vocab_size=7,
        n_positions=32,
        n_embd=16,
        n_layer=1,
        n_head=2,
        bos_token_id=0,
        eos_token_id=6,
        pad_token_id=6,
        initializer_range=0.5,
    )
    return GPT2LMHeadModel(config).eval()


def _processadores_do_generate(modelo, opcoes):
    """A lista de processadores que o próprio generate monta para estas opções de sorteio."""
    from transformers import GenerationConfig

    return modelo._get_logits_processor(
        GenerationConfig(do_sample=True, **opcoes),
        input_ids_seq_length=5,
        device="cpu",
        model_kwargs={},
    )


def _tokens_pela_inversao(processadores, ids, x, n):
    """Os tokens que a inversão da acumulada sorteia da saída dos ``processadores`` do
    transformers, com os mesmos uniformes que ``sample(..., rng=default_rng(5))`` usa."""
    from companion.sampling import inverse_cdf_sample

    saida = processadores(torch.from_numpy(ids), torch.from_numpy(x.copy())).numpy()
    probs = torch.softmax(torch.from_numpy(saida).double(), dim=-1).numpy()
    return inverse_cdf_sample(probs, np.random.default_rng(5).random((x.shape[0], n)))


@pytest.mark.parametrize(
    "opcoes",
    [
        dict(temperature=0.7, top_k=5, top_p=0.9, min_p=0.05, typical_p=0.8),
        dict(typical_p=0.5, epsilon_cutoff=3e-3, eta_cutoff=3e-3, repetition_penalty=1.3),
        dict(temperature=1.5, top_p=0.95, typical_p=0.9, eta_cutoff=0.02),
        dict(temperature=0.5, top_k=40, min_p=0.1, epsilon_cutoff=0.01, repetition_penalty=2.0),
    ],
)
def test_sample_aplica_os_filtros_na_ordem_do_generate(modelo, opcoes):
    # a lista de processadores vem do próprio generate (_get_logits_processor), não de uma
    # ordem escrita aqui; com a mesma semente, sample sorteia pela inversão da acumulada com os
    # mesmos u que inverse_cdf_sample recebe: os tokens têm de ser os mesmos

    from companion.sampling import sample

    processadores = _processadores_do_generate(modelo, opcoes)
    nomes = [type(p).__name__ for p in processadores]
    if "repetition_penalty" in opcoes:
        assert nomes[0] == "RepetitionPenaltyLogitsProcessor"
    rng = np.random.default_rng(11)
    x = rng.normal(scale=3.0, size=(3, 1000)).astype(np.float32)
    ids = rng.integers(0, 1000, size=(3, 5))
    deles = processadores(torch.from_numpy(ids), torch.from_numpy(x.copy())).numpy()
    extras = dict(previous_ids=ids) if "repetition_penalty" in opcoes else {}
    n = 3000
    nossos = sample(x, rng=np.random.default_rng(5), num_samples=n, **opcoes, **extras)
    esperados = _tokens_pela_inversao(processadores, ids, x, n)
    # o filtro age (senão o teste não distinguiria as ordens)
    assert np.all(np.isfinite(deles).sum(axis=-1) < 1000)
    # (a fração tolerada cobre um u a um arredondamento de uma fronteira da acumulada: o
    # generate filtra x/τ em float32, o companion, (x - max)/τ)
    assert np.mean(nossos != esperados) <= 1e-3, (nomes, np.mean(nossos != esperados))
    # e o teste distingue a ordem: com os mesmos processadores na ordem inversa, os tokens
    # seriam outros
    from transformers import LogitsProcessorList

    trocados = _tokens_pela_inversao(LogitsProcessorList(processadores[::-1]), ids, x, n)
    assert np.mean(nossos != trocados) > 0.01, nomes


def _sequencias_do_generate(sequencias, n_prompt, fim):
    """As sequências (um tensor) do generate, cortadas depois do primeiro eos gerado (o resto
    é enchimento)."""
    resultado = []
    for seq in sequencias.numpy():
        gerados = seq[n_prompt:]
        onde = np.flatnonzero(gerados == fim) if fim is not None else []
        corte = n_prompt + (onde[0] + 1 if len(onde) else gerados.size)
        resultado.append(seq[:corte])
    return resultado


@pytest.mark.parametrize("semente", [0, 1, 2])
@pytest.mark.parametrize(
    "feixes, alfa, parada, fim",
    [
        (2, 1.0, False, 6),
        (3, 0.0, True, 6),
        (4, 2.0, "never", 6),
        (5, -1.0, False, 6),
        (3, 1.0, "never", None),
        (6, 0.5, True, 6),
    ],
)
def test_beam_search_igual_ao_generate(modelo, semente, feixes, alfa, parada, fim):
    from companion.sampling import beam_search

    prompt = np.random.default_rng(semente).integers(0, 6, size=3)
    prompt_t = torch.from_numpy(prompt)[None]
    with torch.no_grad():
        saida = modelo.generate(
            prompt_t,
            attention_mask=torch.ones_like(prompt_t),
            num_beams=feixes,
            num_return_sequences=feixes,
            do_sample=False,
            max_new_tokens=6,
            length_penalty=alfa,
            early_stopping=parada,
            eos_token_id=fim,
            pad_token_id=6,
            return_dict_in_generate=True,
            output_scores=True,
        )

    def passo(seqs):
        with torch.no_grad():
            return modelo(torch.from_numpy(seqs)).logits[:, -1]  # um tensor do torch serve

    seqs, pontos = beam_search(
        passo, feixes, 6, alfa, input_ids=prompt, eos_token_id=fim, early_stopping=parada
    )
    deles = _sequencias_do_generate(saida.sequences, 3, fim)
    assert len(seqs) == len(deles) == feixes
    for nossa, dele in zip(seqs, deles, strict=True):
        assert_array_equal(nossa, dele)
    # o generate soma em float32; aqui, em float64
    np.testing.assert_allclose(pontos, saida.sequences_scores.numpy(), rtol=1e-5, atol=1e-6)


def test_beam_search_com_um_feixe_e_o_guloso_do_generate(modelo):
    from companion.sampling import beam_search

    prompt = np.array([0, 3, 1])
    with torch.no_grad():
        guloso = modelo.generate(
            torch.from_numpy(prompt)[None],
            attention_mask=torch.ones((1, 3), dtype=torch.long),
            do_sample=False,
            max_new_tokens=8,
            eos_token_id=6,
            pad_token_id=6,
        )

    def passo(seqs):
        with torch.no_grad():
            return modelo(torch.from_numpy(seqs)).logits[:, -1].numpy()

    seqs, _ = beam_search(passo, 1, 8, input_ids=prompt, eos_token_id=6)
    assert_array_equal(seqs[0], _sequencias_do_generate(guloso, 3, 6)[0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_typical_na_fronteira_exata(dtype):
    # q = 0,5 / 0,25 / 0,125 / 0,125 (logits múltiplos de log 2): H = 1,75·log 2, e os desvios
    # são 0,75 / 0,25 / 1,25 / 1,25 (× log 2). Na ordem do desvio, a massa acumulada é 0,25,
    # 0,75 e 1: com p exatamente 0,25 ou 0,75, o corte pára ali (acumulada < p, estrito); logo
    # acima, entra o grupo seguinte — nos dois
    x = (np.array([[1.0, 0.0, -1.0, -1.0]]) * np.log(2)).astype(dtype)
    for p, esperado in (
        (0.25, [0, 1, 0, 0]),
        (0.2500001, [1, 1, 0, 0]),
        (0.75, [1, 1, 0, 0]),
        (0.7500001, [1, 1, 1, 1]),
    ):
        assert_array_equal(np.isfinite(typical_p(x, p))[0], esperado)
        assert_array_equal(np.isfinite(hf(TypicalLogitsWarper(p), x))[0], esperado)


@pytest.mark.parametrize(
    "opcoes",
    [
        dict(no_repeat_ngram_size=2, top_k=40),
        dict(no_repeat_ngram_size=1, repetition_penalty=1.5, top_p=0.9),
        dict(no_repeat_ngram_size=3, repetition_penalty=0.8, temperature=0.7, min_p=0.05),
    ],
)
def test_sample_com_no_repeat_ngram_size_na_ordem_do_generate(modelo, opcoes):
    # como test_sample_aplica_os_filtros_na_ordem_do_generate, com sequências que repetem
    # n-gramas e logits altos justamente nos tokens que o bloqueio proíbe
    from transformers import LogitsProcessorList

    from companion.sampling import sample

    processadores = _processadores_do_generate(modelo, opcoes)
    nomes = [type(p).__name__ for p in processadores]
    i = 1 if "repetition_penalty" in opcoes else 0
    assert nomes[i] == "NoRepeatNGramLogitsProcessor", nomes
    rng = np.random.default_rng(21)
    x = rng.normal(scale=3.0, size=(3, 1000)).astype(np.float32)
    ids = rng.integers(0, 4, size=(3, 12))  # poucos tokens: n-gramas repetidos
    x[:, :4] += 6.0  # os tokens de ids são os mais prováveis
    deles = processadores(torch.from_numpy(ids), torch.from_numpy(x.copy())).numpy()
    assert np.all(np.isneginf(deles[:, :4]).sum(axis=-1) >= 1)  # o bloqueio agiu
    n = 3000
    nossos = sample(x, rng=np.random.default_rng(5), num_samples=n, previous_ids=ids, **opcoes)
    esperados = _tokens_pela_inversao(processadores, ids, x, n)
    assert np.mean(nossos != esperados) <= 1e-3, (nomes, np.mean(nossos != esperados))
    # sem o bloqueio (ou com ele depois dos warpers), os tokens seriam outros
    for outros in (
        LogitsProcessorList([p for p in processadores if p is not processadores[i]]),
        LogitsProcessorList(processadores[::-1]),
    ):
        trocados = _tokens_pela_inversao(outros, ids, x, n)
        assert np.mean(nossos != trocados) > 0.01, nomes


@pytest.mark.parametrize("semente", [0, 1, 2, 3])
@pytest.mark.parametrize(
    "feixes, ngrama, penalidade, alfa, parada",
    [
        (2, 2, None, 1.0, False),
        (3, 3, None, 0.0, True),
        (4, 2, 1.5, 1.0, "never"),
        (3, 1, None, 1.0, False),
        (2, None, 2.0, 1.0, False),
        (5, 3, 1.2, 2.0, False),
    ],
)
def test_beam_search_com_no_repeat_ngram_size_igual_ao_generate(
    modelo, semente, feixes, ngrama, penalidade, alfa, parada
):
    from companion.sampling import beam_search

    prompt = np.random.default_rng(semente).integers(0, 6, size=3)
    prompt_t = torch.from_numpy(prompt)[None]
    opcoes = dict(no_repeat_ngram_size=ngrama, repetition_penalty=penalidade)
    with torch.no_grad():
        saida = modelo.generate(
            prompt_t,
            attention_mask=torch.ones_like(prompt_t),
            num_beams=feixes,
            num_return_sequences=feixes,
            do_sample=False,
            max_new_tokens=6,
            length_penalty=alfa,
            early_stopping=parada,
            eos_token_id=6,
            pad_token_id=6,
            return_dict_in_generate=True,
            output_scores=True,
            **opcoes,
        )

    def passo(seqs):
        with torch.no_grad():
            return modelo(torch.from_numpy(seqs)).logits[:, -1]

    seqs, pontos = beam_search(
        passo, feixes, 6, alfa, input_ids=prompt, eos_token_id=6, early_stopping=parada, **opcoes
    )
    deles = _sequencias_do_generate(saida.sequences, 3, 6)
    assert len(seqs) == len(deles) == feixes
    for nossa, dele in zip(seqs, deles, strict=True):
        assert_array_equal(nossa, dele)
    np.testing.assert_allclose(pontos, saida.sequences_scores.numpy(), rtol=1e-5, atol=1e-6)


def test_beam_search_com_as_opcoes_muda_o_resultado_do_generate(modelo):
    # as opções agem nos casos acima: em ao menos um deles, o generate dá outras sequências
    # sem elas (senão a paridade acima não provaria nada sobre as opções)
    diferentes = 0
    for semente in range(4):
        for feixes, ngrama, penalidade in [
            (2, 2, None),
            (3, 3, None),
            (3, 1, None),
            (2, None, 2.0),
        ]:
            prompt_t = torch.from_numpy(np.random.default_rng(semente).integers(0, 6, size=3))[None]
            comum = dict(
                attention_mask=torch.ones_like(prompt_t),
                num_beams=feixes,
                num_return_sequences=feixes,
                do_sample=False,
                max_new_tokens=6,
                eos_token_id=6,
                pad_token_id=6,
            )
            with torch.no_grad():
                com = modelo.generate(
                    prompt_t, no_repeat_ngram_size=ngrama, repetition_penalty=penalidade, **comum
                )
                sem = modelo.generate(prompt_t, **comum)
            diferentes += com.shape != sem.shape or not torch.equal(com, sem)
    assert diferentes >= 8, diferentes
