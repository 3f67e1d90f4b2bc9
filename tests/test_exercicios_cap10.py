"""Os verificadores do capítulo 10 (sparsemax, gumbel-max): a referência passa, o esqueleto é
“não tentado”, cada erro do catálogo é reconhecido pelo nome, respostas erradas escritas por um
estudante (de outros jeitos) são pegas, e respostas corretas escritas de outros jeitos passam."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import companion
from companion import verificar
from companion.alternativas import sparsemax as sparsemax_do_companion
from companion.exercicios import cap10_alternativas as cap10
from companion.exercicios import ids, obter

try:  # dependência só dos testes (requirements.txt)
    import entmax
except ImportError:
    entmax = None

IDS = ["sparsemax", "gumbel-max"]


def test_capitulo_10_registrado():
    assert ids(10) == IDS
    assert all(obter(i).capitulo == 10 for i in IDS)
    from companion.exercicios import CAPITULOS

    assert CAPITULOS[10] == "Além da softmax"


def test_os_erros_pedidos_pela_issue_estao_nos_catalogos():
    sparse = {e.nome for e in obter("sparsemax").erros_conhecidos}
    gumbel = {e.nome for e in obter("gumbel-max").erros_conhecidos}
    # o limiar com o tamanho de suporte errado, e a ordenação esquecida
    assert {"suporte-mais-um", "suporte-menos-um", "suporte-todo", "sem-ordenar"} <= sparse
    # e os de sempre: o limiar de todo o array (o “máximo global” daqui), a entrada alterada
    assert {"limiar-global", "desloca-no-lugar", "ordena-no-lugar", "eixo-errado"} <= sparse
    # o ruído que não é Gumbel, e o ruído somado depois da softmax
    assert {"ruido-uniforme", "ruido-exponencial", "sinal-trocado"} <= gumbel
    assert "ruido-depois-da-softmax" in gumbel
    assert {"maximo-global", "softmax-ingenua", "soma-no-lugar", "eixo-errado"} <= gumbel


# ---------------------------------------------------------------------------------------------
# Respostas erradas escritas por um estudante, de outros jeitos


def sparsemax_em_laco_sem_ordenar(x):
    x = np.asarray(x, dtype=float)
    saida = np.empty_like(x)
    for indice in np.ndindex(x.shape[:-1]):
        z = x[indice]  # esqueceu de ordenar
        soma, k_max = 0.0, 1
        for k in range(1, len(z) + 1):
            soma += z[k - 1]
            if 1 + k * z[k - 1] > soma:
                k_max = k
        tau = (np.sum(z[:k_max]) - 1) / k_max
        saida[indice] = np.maximum(z - tau, 0)
    return saida


def sparsemax_com_k_contado_de_zero(x):
    x = np.asarray(x, dtype=float)
    z = np.sort(x, axis=-1)[..., ::-1]
    soma = np.cumsum(z, axis=-1)
    k = np.arange(1, x.shape[-1] + 1)
    k_max = (1 + k * z > soma).sum(axis=-1, keepdims=True)
    # errado: o índice k_max (e não k_max - 1) soma um elemento a mais
    indice = np.minimum(k_max, x.shape[-1] - 1)
    tau = (np.take_along_axis(soma, indice, axis=-1) - 1) / (indice + 1)
    return np.maximum(x - tau, 0)


def sparsemax_que_ordena_no_lugar(x):
    x.sort(axis=-1)
    return sparsemax_do_companion(x)  # e a saída sai na ordem ordenada, além de tudo


def sparsemax_dividindo_por_d(x):
    tau = (x.sum(axis=-1, keepdims=True) - 1) / x.shape[-1]
    return np.clip(x - tau, 0, None)


def sparsemax_sem_clip(x):
    return companion.sparsemax(x) - (companion.sparsemax(x) == 0) * 0.1


@pytest.mark.parametrize(
    "resposta, diagnostico",
    [
        (sparsemax_em_laco_sem_ordenar, "sem-ordenar"),
        (sparsemax_com_k_contado_de_zero, "suporte-mais-um"),
        (sparsemax_dividindo_por_d, "suporte-todo"),
    ],
)
def test_sparsemax_de_estudante_pega_pelo_nome(resposta, diagnostico):
    resultado = verificar("sparsemax", resposta)
    assert resultado.diagnostico == diagnostico, resultado.mensagem


def test_sparsemax_que_altera_a_entrada_e_pega():
    resultado = verificar("sparsemax", sparsemax_que_ordena_no_lugar)
    assert resultado.estado == "incorreto"
    assert "alterou o argumento `x` no lugar" in resultado.mensagem


def test_sparsemax_fora_do_catalogo_ainda_e_incorreta():
    resultado = verificar("sparsemax", sparsemax_sem_clip)
    assert resultado.estado == "incorreto"


def gumbel_com_uniforme_do_torch(logits, u):
    return torch.argmax(torch.from_numpy(np.asarray(logits, float)) + torch.from_numpy(u), -1)


def gumbel_depois_da_softmax_do_companion(logits, u):
    return np.argmax(companion.softmax(logits) - np.log(-np.log(u)), axis=-1)


def gumbel_no_lugar(logits, u):
    logits -= np.log(-np.log(u))
    return logits.argmax(-1)


@pytest.mark.parametrize(
    "resposta, diagnostico",
    [
        (gumbel_com_uniforme_do_torch, "ruido-uniforme"),
        (gumbel_depois_da_softmax_do_companion, "ruido-depois-da-softmax"),
        (gumbel_no_lugar, "soma-no-lugar"),
    ],
)
def test_gumbel_de_estudante_pego_pelo_nome(resposta, diagnostico):
    resultado = verificar("gumbel-max", resposta)
    assert resultado.diagnostico == diagnostico, resultado.mensagem


@pytest.mark.parametrize(
    "id, resposta",
    [
        ("sparsemax", lambda x: cap10.sparsemax(x).reshape(-1)),
        ("sparsemax", lambda x: cap10.sparsemax(x)[..., :1]),
        # one-hot no lugar do índice
        (
            "gumbel-max",
            lambda logits, u: np.eye(np.shape(logits)[-1])[cap10.amostrar_gumbel_max(logits, u)],
        ),
        ("gumbel-max", lambda logits, u: cap10.amostrar_gumbel_max(logits, u)[..., None]),
    ],
)
def test_formato_errado(id, resposta):
    resultado = verificar(id, resposta)
    assert resultado.estado == "incorreto" and resultado.diagnostico == "formato"
    assert obter(id).formato in resultado.mensagem


def test_gumbel_deterministico():
    # o verificador é determinístico: a mesma resposta dá sempre o mesmo veredito
    a = verificar("gumbel-max", cap10._ruido_exponencial)
    b = verificar("gumbel-max", cap10._ruido_exponencial)
    assert a.mensagem == b.mensagem


# ---------------------------------------------------------------------------------------------
# Respostas corretas escritas de outros jeitos


def sparsemax_pelo_entmax(x):
    with torch.no_grad():
        return entmax.sparsemax(torch.from_numpy(np.asarray(x, dtype=np.float64)), dim=-1).numpy()


def sparsemax_por_bissecao(x):
    x = np.asarray(x, dtype=float)
    lo = x.max(axis=-1, keepdims=True) - 1
    hi = x.max(axis=-1, keepdims=True)
    for _ in range(200):
        meio = (lo + hi) / 2
        acima = np.maximum(x - meio, 0).sum(axis=-1, keepdims=True) >= 1
        lo, hi = np.where(acima, meio, lo), np.where(acima, hi, meio)
    p = np.maximum(x - lo, 0)
    return p / p.sum(axis=-1, keepdims=True)


def sparsemax_em_laco(x):
    x = np.asarray(x, dtype=float)
    saida = np.empty_like(x)
    for indice in np.ndindex(x.shape[:-1]):
        z = sorted(x[indice], reverse=True)
        soma, k_max, soma_k = 0.0, 0, 0.0
        for k, zk in enumerate(z, start=1):
            soma += zk
            if 1 + k * zk > soma:
                k_max, soma_k = k, soma
        saida[indice] = np.maximum(x[indice] - (soma_k - 1) / k_max, 0)
    return saida


@pytest.mark.parametrize(
    "resposta",
    [
        companion.sparsemax,
        lambda x: companion.entmax_bisect(x, 2.0),
        pytest.param(
            sparsemax_pelo_entmax,
            marks=pytest.mark.skipif(entmax is None, reason="o pacote entmax não está instalado"),
        ),
        sparsemax_por_bissecao,
        sparsemax_em_laco,
    ],
    ids=["companion", "bisect-alpha-2", "entmax", "bissecao", "laco"],
)
def test_sparsemax_correta_de_outros_jeitos(resposta):
    resultado = verificar("sparsemax", resposta)
    assert resultado.ok, resultado.mensagem


def gumbel_pela_corrida_de_exponenciais(logits, u):
    # argmax p_i / E_i, com E_i = -log u_i: o mesmo argmax que logits + g
    return np.argmax(companion.softmax(np.asarray(logits, float)) / -np.log(u), axis=-1)


def gumbel_com_log_softmax(logits, u):
    return np.argmax(companion.log_softmax(logits) - np.log(-np.log(u)), axis=-1)


def gumbel_com_torch(logits, u):
    g = -torch.log(-torch.log(torch.from_numpy(u)))
    return torch.argmax(torch.from_numpy(np.asarray(logits, np.float64)) + g, dim=-1).numpy()


@pytest.mark.parametrize(
    "resposta", [gumbel_pela_corrida_de_exponenciais, gumbel_com_log_softmax, gumbel_com_torch]
)
def test_gumbel_correto_de_outros_jeitos(resposta):
    resultado = verificar("gumbel-max", resposta)
    assert resultado.ok, resultado.mensagem


def test_referencia_do_gumbel_segue_a_softmax():
    # a referência do exercício é o truque certo: qui-quadrado com semente fixa
    import scipy.stats

    rng = np.random.default_rng(10)
    x = np.log(np.array([0.1, 0.2, 0.3, 0.4]))
    amostras = cap10.amostrar_gumbel_max(np.tile(x, (20_000, 1)), rng.random((20_000, 4)))
    contagens = np.bincount(amostras, minlength=4)
    assert scipy.stats.chisquare(contagens, 20_000 * np.exp(x)).pvalue > 1e-3
