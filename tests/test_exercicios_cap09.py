"""Os verificadores do capítulo 9 (escala-atencao, atencao-causal): a referência passa, o
esqueleto é «não tentado», cada erro do catálogo é reconhecido pelo nome, respostas erradas
escritas por um estudante (de outros jeitos) são pegas, e respostas corretas escritas de outros
jeitos passam."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.special
import torch
import torch.nn.functional as F

import companion
from companion import verificar
from companion.exercicios import cap09_atencao as cap09
from companion.exercicios import ids, obter

IDS = ["escala-atencao", "atencao-causal"]


def test_capitulo_9_registrado():
    assert ids(9) == IDS
    assert all(obter(i).capitulo == 9 for i in IDS)


def test_os_erros_pedidos_pela_issue_estao_nos_catalogos():
    escala = {e.nome for e in obter("escala-atencao").erros_conhecidos}
    causal = {e.nome for e in obter("atencao-causal").erros_conhecidos}
    assert {
        "divide-por-d",
        "escala-depois-da-softmax",
        "maximo-global",
        "softmax-ingenua",
    } <= escala
    assert {"mascara-sem-diagonal", "mascara-espia-um", "mascara-depois-da-softmax"} <= causal
    assert {"maximo-global", "softmax-ingenua", "devolveu-os-pesos", "escala-no-lugar"} <= causal
    assert "maximo-com-mascaradas" in causal


# ---------------------------------------------------------------------------------------------
# Respostas erradas escritas por um estudante, de outros jeitos


def causal_com_triu_k0(q, k, v):
    # o engano clássico: np.triu(..., k=0) inclui a diagonal
    d = q.shape[-1]
    escores = q @ np.swapaxes(k, -1, -2) / math.sqrt(d)
    T = escores.shape[-1]
    escores = np.where(np.triu(np.ones((T, T)), k=0) == 1, -np.inf, escores)
    e = np.exp(escores - escores.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True) @ v


def causal_com_laco_que_ve_o_proximo(q, k, v):
    q, k, v = (np.asarray(a, dtype=float) for a in (q, k, v))
    saida = np.zeros(q.shape[:-1] + (v.shape[-1],))
    for indice in np.ndindex(q.shape[:-2]):
        T = q.shape[-2]
        for i in range(T):
            visiveis = slice(0, min(i + 2, T))  # i + 1 incluído: um a mais
            s = k[indice][visiveis] @ q[indice][i] / np.sqrt(q.shape[-1])
            p = np.exp(s - s.max())
            saida[indice][i] = (p / p.sum()) @ v[indice][visiveis]
    return saida


def causal_que_multiplica_os_pesos(q, k, v):
    pesos = companion.softmax(q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1]))
    return (pesos * np.tril(np.ones(pesos.shape[-2:]))) @ v


def causal_com_mascara_zero(q, k, v):
    escores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    escores = np.tril(escores)  # zera acima da diagonal, mas e^0 = 1
    return companion.softmax(escores) @ v


def causal_maximo_com_o_futuro(q, k, v):
    # errado: o máximo inclui as chaves do futuro (ver o catálogo, maximo-com-mascaradas)
    escores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    e = np.exp(escores - escores.max(axis=-1, keepdims=True)) * np.tril(np.ones(escores.shape[-2:]))
    return e / e.sum(axis=-1, keepdims=True) @ v


@pytest.mark.parametrize(
    "resposta, diagnostico",
    [
        (causal_com_triu_k0, "mascara-sem-diagonal"),
        (causal_com_laco_que_ve_o_proximo, "mascara-espia-um"),
        (causal_que_multiplica_os_pesos, "mascara-depois-da-softmax"),
        (causal_com_mascara_zero, "mascara-com-zero"),
        (causal_maximo_com_o_futuro, "maximo-com-mascaradas"),
    ],
)
def test_causal_de_estudante_pego_pelo_nome(resposta, diagnostico):
    resultado = verificar("atencao-causal", resposta)
    assert resultado.diagnostico == diagnostico, resultado.mensagem


def escala_em_laco_dividindo_por_d(q, k):
    q, k = np.asarray(q, dtype=float), np.asarray(k, dtype=float)
    d = q.shape[-1]
    escores = np.einsum("...ld,...sd->...ls", q, k) / d
    return scipy.special.softmax(escores, axis=-1)


def escala_depois_com_torch(q, k):
    pesos = torch.softmax(torch.from_numpy(q) @ torch.from_numpy(k).transpose(-1, -2), dim=-1)
    return (pesos / math.sqrt(q.shape[-1])).numpy()


def escala_no_lugar_de_estudante(q, k):
    q *= 1 / np.sqrt(q.shape[-1])
    return companion.softmax(q @ np.swapaxes(k, -1, -2))


def escala_pela_raiz_de_s(q, k):
    # outro engano de dimensão (fora do catálogo): S, o número de chaves
    return companion.softmax(q @ np.swapaxes(k, -1, -2) / np.sqrt(k.shape[-2]))


@pytest.mark.parametrize(
    "resposta, diagnostico",
    [
        (escala_em_laco_dividindo_por_d, "divide-por-d"),
        (escala_depois_com_torch, "escala-depois-da-softmax"),
        (escala_no_lugar_de_estudante, "escala-no-lugar"),
    ],
)
def test_escala_de_estudante_pega_pelo_nome(resposta, diagnostico):
    resultado = verificar("escala-atencao", resposta)
    assert resultado.diagnostico == diagnostico, resultado.mensagem


def test_entrada_alterada_nomeia_q():
    resultado = verificar("escala-atencao", escala_no_lugar_de_estudante)
    assert "alterou o argumento `q` no lugar" in resultado.mensagem


def test_erro_fora_do_catalogo_ainda_e_incorreto():
    resultado = verificar("escala-atencao", escala_pela_raiz_de_s)
    assert resultado.estado == "incorreto"
    assert resultado.diagnostico is None or resultado.diagnostico != "divide-por-d"


@pytest.mark.parametrize(
    "id, resposta",
    [
        ("escala-atencao", lambda q, k: cap09.pesos_de_atencao(q, k).reshape(-1)),
        ("escala-atencao", lambda q, k: np.swapaxes(cap09.pesos_de_atencao(q, k), -1, -2)),
        ("atencao-causal", lambda q, k, v: cap09.atencao_causal(q, k, v)[..., 0]),
    ],
)
def test_formato_errado(id, resposta):
    resultado = verificar(id, resposta)
    assert resultado.estado == "incorreto" and resultado.diagnostico == "formato"
    assert obter(id).formato in resultado.mensagem


def test_softmax_ingenua_silenciada_e_pega_pelos_valores():
    def ingenua(q, k, v):
        with np.errstate(all="ignore"):
            escores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
            T = escores.shape[-1]
            e = np.exp(escores) * np.tril(np.ones((T, T)))
            return e / e.sum(axis=-1, keepdims=True) @ v

    resultado = verificar("atencao-causal", ingenua)
    assert resultado.diagnostico == "softmax-ingenua", resultado.mensagem


# ---------------------------------------------------------------------------------------------
# Respostas corretas escritas de outros jeitos


def causal_pelo_companion(q, k, v):
    return companion.scaled_dot_product_attention(q, k, v, is_causal=True)


def causal_pelo_torch(q, k, v):
    with torch.no_grad():
        return F.scaled_dot_product_attention(
            *(torch.from_numpy(np.asarray(a)) for a in (q, k, v)), is_causal=True
        ).numpy()


def causal_com_menos_um_bilhao(q, k, v):
    # o truque das implementações antigas: um número muito negativo no lugar de -inf
    escores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    T = escores.shape[-1]
    escores = escores + np.triu(np.full((T, T), -1e9), k=1)
    return companion.softmax(escores) @ v


def causal_mascara_apos_exp_e_renormaliza(q, k, v):
    # mascarar depois da exponencial e só então normalizar também está certo, desde que o
    # máximo subtraído seja o das chaves permitidas
    escores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    causal = np.tril(np.ones(escores.shape[-2:], bool))
    m = np.where(causal, escores, -np.inf).max(axis=-1, keepdims=True)
    e = np.exp(np.where(causal, escores - m, -np.inf))
    return e / e.sum(axis=-1, keepdims=True) @ v


def causal_por_blocos(q, k, v):
    from companion.atencao import blockwise_attention

    return blockwise_attention(q, k, v, 2, is_causal=True)


def causal_em_laco(q, k, v):
    q, k, v = (np.asarray(a, dtype=float) for a in (q, k, v))
    saida = np.zeros(q.shape[:-1] + (v.shape[-1],))
    for indice in np.ndindex(q.shape[:-2]):
        for i in range(q.shape[-2]):
            s = k[indice][: i + 1] @ q[indice][i] / math.sqrt(q.shape[-1])
            p = np.exp(s - s.max())
            saida[indice][i] = p @ v[indice][: i + 1] / p.sum()
    return saida


@pytest.mark.parametrize(
    "resposta",
    [
        causal_pelo_companion,
        causal_pelo_torch,
        causal_com_menos_um_bilhao,
        causal_mascara_apos_exp_e_renormaliza,
        causal_por_blocos,
        causal_em_laco,
    ],
)
def test_causal_correta_de_outros_jeitos(resposta):
    resultado = verificar("atencao-causal", resposta)
    assert resultado.ok, resultado.mensagem


@pytest.mark.parametrize(
    "resposta",
    [
        lambda q, k: scipy.special.softmax(q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1]), -1),
        lambda q, k: companion.softmax(
            np.einsum("...ld,...sd->...ls", q, k), temperature=math.sqrt(q.shape[-1])
        ),
        lambda q, k: torch.softmax(
            torch.from_numpy(q) @ torch.from_numpy(k).mT / q.shape[-1] ** 0.5, dim=-1
        ).numpy(),
        lambda q, k: companion.scaled_dot_product_attention(
            q, k, (np.eye(k.shape[-2]) * np.ones(k.shape[:-2] + (1, 1))).astype(q.dtype)
        ),
    ],
    ids=["scipy", "temperatura", "torch", "atencao-com-v-identidade"],
)
def test_escala_correta_de_outros_jeitos(resposta):
    resultado = verificar("escala-atencao", resposta)
    assert resultado.ok, resultado.mensagem


# Verificação da issue 11: a softmax ingênua em longdouble (exp só estoura depois de ~11356)


def _softmax_longdouble(escores):
    escores = np.asarray(escores, dtype=np.longdouble)
    with np.errstate(all="ignore"):
        e = np.exp(escores)
        return (e / e.sum(axis=-1, keepdims=True)).astype(float)


def test_pesos_ingenuos_em_longdouble_sao_recusados():
    def pesos(q, k):
        q, k = np.asarray(q, dtype=float), np.asarray(k, dtype=float)
        return _softmax_longdouble(q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1]))

    assert verificar("escala-atencao", pesos).estado == "incorreto"


def test_atencao_causal_ingenua_em_longdouble_e_recusada():
    def atencao(q, k, v):
        q, k, v = (np.asarray(a, dtype=float) for a in (q, k, v))
        T = q.shape[-2]
        escores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
        escores = np.where(np.tril(np.ones((T, T), dtype=bool)), escores, -np.inf)
        return _softmax_longdouble(escores) @ v

    assert verificar("atencao-causal", atencao).estado == "incorreto"
