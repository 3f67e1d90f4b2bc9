"""Teste diferencial de companion.sampling contra os *warpers* do Hugging Face transformers.

Cada processador do companion é comparado com o do transformers (``TopKLogitsWarper``,
``TopPLogitsWarper``, ``MinPLogitsWarper``, ``TemperatureLogitsWarper``,
``RepetitionPenaltyLogitsProcessor``) em logits aleatórios com empates, ``-inf``, linhas só de
``-inf``, ``float16``/``float32``/``float64`` e ``min_tokens_to_keep``. Os *warpers* não
precisam de modelo nenhum: nada é baixado (e ``HF_HUB_OFFLINE`` o garante).

O que é tolerado, e só isso:

- **Temperatura, top-k e penalidade de repetição**: nada. A saída é idêntica, bit a bit, em
  todo dtype (no top-k, os empatados com o k-ésimo ficam nos dois).
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
    MinPLogitsWarper,
    RepetitionPenaltyLogitsProcessor,
    TemperatureLogitsWarper,
    TopKLogitsWarper,
    TopPLogitsWarper,
)

from companion.sampling import min_p, repetition_penalty, temperature, top_k, top_p  # noqa: E402

DTYPES = [np.float16, np.float32, np.float64]
SEM_IDS = torch.zeros((1, 0), dtype=torch.long)  # os warpers não olham input_ids


@pytest.fixture(autouse=True, scope="module")
def uma_thread():
    # tensores pequenos: com várias threads, numa máquina ocupada, o torch gasta mais esperando
    # as threads que calculando
    antes = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
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
