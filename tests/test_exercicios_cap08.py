"""Os verificadores do capítulo 8 (softmax-online, combinar-estados) contra respostas de
estudante e respostas corretas escritas de outros jeitos."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import scipy.special

from companion import softmax, verificar
from companion.exercicios import obter
from companion.exercicios.cap08_online import combinar_estados
from companion.online import Estado, merge, online_softmax


def test_lista_primeiro_e_uma_passada_so():
    # ler o fluxo para uma lista é uma passada; percorrer a lista duas vezes é permitido
    def via_lista(blocos):
        return softmax(np.concatenate([np.asarray(b, dtype=float) for b in list(blocos)]))

    assert verificar("softmax-online", via_lista).ok
    assert verificar("softmax-online", online_softmax).ok


def test_gerador_percorrido_duas_vezes_e_pego():
    def duas_vezes(blocos):
        total = sum(len(b) for b in blocos)  # primeira passada
        return np.concatenate([np.asarray(b) for b in blocos]) / total  # segunda

    resultado = verificar("softmax-online", duas_vezes)
    assert resultado.estado == "incorreto" and "RuntimeError" in resultado.mensagem


def test_combinar_com_o_merge_do_companion():
    def via_companion(m1, d1, m2, d2):
        e = merge(Estado(np.array(m1), np.array(d1)), Estado(np.array(m2), np.array(d2)))
        return float(e.m), float(e.d)

    assert verificar("combinar-estados", via_companion).ok


def test_combinar_ingenuo_de_estudante():
    def formula_do_livro(m1, d1, m2, d2):
        m = np.maximum(m1, m2)
        return m, d1 * np.exp(m1 - m) + d2 * np.exp(m2 - m)

    assert verificar("combinar-estados", formula_do_livro).diagnostico == "sem-tratar-vazio"


# ---------------------------------------------------------------------------------------------
# Issue 11, §2: softmax ingênua, avisos silenciados, entrada alterada e formato


def _online_com_logaddexp(blocos):
    # uma passada com a logsumexp corrente (lse = log d + m), em vez de (m, d)
    lse, guardados = -np.inf, []
    for bloco in blocos:
        x = np.asarray(bloco, dtype=float)
        guardados.append(x)
        if x.size:
            lse = np.logaddexp(lse, scipy.special.logsumexp(x))
    return np.exp(np.concatenate(guardados) - lse)


def _online_elemento_a_elemento(blocos):
    # um laço Python por elemento, com math.exp: lento, mas certo
    m, d, linha = -math.inf, 0.0, []
    for bloco in blocos:
        for v in bloco:
            v = float(v)
            linha.append(v)
            if v == -math.inf:
                continue
            if v > m:
                d = d * math.exp(m - v) + 1.0
                m = v
            else:
                d += math.exp(v - m)
    return [math.exp(v - m) / d for v in linha]


def _online_que_altera_os_blocos(blocos):
    # altera no lugar os blocos que recebeu (são dela: o fluxo entrega cada bloco e o esquece)
    m, d, guardados = -np.inf, 0.0, []
    for bloco in blocos:
        x = np.asarray(bloco, dtype=float)  # um array recebido é o mesmo objeto, alterado abaixo
        guardados.append(x)
        if x.size == 0 or x.max() == -np.inf:
            continue
        m_novo = max(m, x.max())
        d = d * np.exp(m - m_novo) + np.exp(x - m_novo).sum()
        m = m_novo
    for x in guardados:
        x -= m
        np.exp(x, out=x)
        x /= d
    return np.concatenate(guardados)


@pytest.mark.parametrize(
    "resposta", [_online_com_logaddexp, _online_elemento_a_elemento, _online_que_altera_os_blocos]
)
def test_mais_respostas_corretas_softmax_online(resposta):
    assert verificar("softmax-online", resposta).ok


def test_blocos_alterados_pela_resposta_nao_mudam_os_casos():
    # o fluxo entrega cópias: mexer nelas não muda o que as correções seguintes recebem
    casos = obter("softmax-online").casos()
    antes = [[b.copy() for b in caso.args[0].blocos] for caso in casos]
    assert verificar("softmax-online", _online_que_altera_os_blocos).ok
    for caso, blocos in zip(casos, antes, strict=True):
        for bloco, original in zip(caso.args[0].blocos, blocos, strict=True):
            np.testing.assert_array_equal(bloco, original)
    assert verificar("softmax-online", online_softmax).ok


def _online_sem_maximo_silenciada(blocos):
    guardados = [np.asarray(b, dtype=float) for b in blocos]
    with np.errstate(all="ignore"):
        d = sum(np.exp(x).sum() for x in guardados)
        return np.exp(np.concatenate(guardados)) / d


def _online_m_zero(blocos):
    m, d, guardados = 0.0, 0.0, []
    for b in blocos:
        x = np.asarray(b, dtype=float)
        guardados.append(x)
        if len(x):
            m_novo = max(m, x.max())
            d = d * np.exp(m - m_novo) + np.sum(np.exp(x - m_novo))
            m = m_novo
    return np.exp(np.concatenate(guardados) - m) / d


def _online_sem_pular_menos_infinito(blocos):
    m, d, guardados = -np.inf, 0.0, []
    for b in blocos:
        x = np.asarray(b, dtype=float)
        guardados.append(x)
        if len(x):
            m_novo = max(m, x.max())
            with np.errstate(invalid="ignore"):
                d = d * np.exp(m - m_novo) + np.sum(np.exp(x - m_novo))
            m = m_novo
    return np.exp(np.concatenate(guardados) - m) / d


@pytest.mark.parametrize(
    "resposta, diagnostico",
    [
        (_online_sem_maximo_silenciada, "sem-maximo"),
        (_online_m_zero, "m-inicial-zero"),
        (_online_sem_pular_menos_infinito, "sem-tratar-menos-infinito"),
    ],
)
def test_familias_de_erro_softmax_online(resposta, diagnostico):
    resultado = verificar("softmax-online", resposta)
    assert resultado.estado == "incorreto"
    assert resultado.diagnostico == diagnostico, resultado.mensagem


def test_softmax_online_por_bloco_nomeia_o_formato():
    # uma lista com a softmax de cada bloco, em vez da linha inteira concatenada
    def em_linha(blocos):
        x = np.stack([np.asarray(b, dtype=float) for b in blocos])
        return softmax(x.ravel()).reshape(x.shape)

    resultado = verificar("softmax-online", em_linha)
    assert resultado.diagnostico == "formato"
    assert "um array 1-D, (n,), com n o total de elementos" in resultado.mensagem
    assert "Os valores estão certos; só o formato não." in resultado.mensagem


def _combinar_com_logaddexp(m1, d1, m2, d2):
    # pela logsumexp: log d + m de cada estado, somados com logaddexp
    m = max(m1, m2)
    if m == -np.inf:
        return m, 0.0
    with np.errstate(divide="ignore"):
        lse = np.logaddexp(np.log(d1) + m1, np.log(d2) + m2)
    return m, float(np.exp(lse - m))


def _combinar_com_if(m1, d1, m2, d2):
    if m1 < m2:  # deixa o maior em m1
        m1, d1, m2, d2 = m2, d2, m1, d1
    if m1 == -math.inf:
        return m1, 0.0
    return m1, d1 + (d2 * math.exp(m2 - m1) if d2 else 0.0)


@pytest.mark.parametrize("resposta", [_combinar_com_logaddexp, _combinar_com_if])
def test_mais_respostas_corretas_combinar(resposta):
    assert verificar("combinar-estados", resposta).ok


def _combinar_somas_verdadeiras(m1, d1, m2, d2):
    m = max(m1, m2)
    with np.errstate(all="ignore"):
        total = d1 * np.exp(m1) + d2 * np.exp(m2)  # Σ e^x de verdade
        return m, total / np.exp(m)


@pytest.mark.parametrize(
    "resposta, diagnostico",
    [
        (_combinar_somas_verdadeiras, "exp-ingenua"),
        (lambda m1, d1, m2, d2: combinar_estados(m1, d1, m2, d2)[::-1], "ordem-trocada"),
    ],
)
def test_familias_de_erro_combinar(resposta, diagnostico):
    resultado = verificar("combinar-estados", resposta)
    assert resultado.diagnostico == diagnostico, resultado.mensagem


def test_combinar_so_d_nomeia_o_par():
    resultado = verificar(
        "combinar-estados", lambda m1, d1, m2, d2: combinar_estados(m1, d1, m2, d2)[1]
    )
    assert resultado.diagnostico == "formato"
    assert "esperado (2,) — o par (m, d)" in resultado.mensagem


@pytest.mark.parametrize("id", ["softmax-online", "combinar-estados"])
def test_aviso_nao_relacionado_nao_reprova(id):
    referencia = obter(id).referencia

    def avisa(*args):
        warnings.warn("isto vai mudar na próxima versão", DeprecationWarning, stacklevel=1)
        return referencia(*args)

    assert verificar(id, avisa).ok


# Verificação da issue 11: respostas ingênuas em longdouble (exp só estoura depois de ~11356)


def test_softmax_online_ingenua_em_longdouble_e_recusada():
    def ingenua(blocos):
        x = np.concatenate([np.asarray(b, dtype=np.longdouble) for b in blocos])
        with np.errstate(all="ignore"):
            e = np.exp(x)
            return (e / e.sum()).astype(float)

    assert verificar("softmax-online", ingenua).estado == "incorreto"


def test_combinar_estados_ingenuo_em_longdouble_e_recusado():
    def ingenuo(m1, d1, m2, d2):
        m = max(m1, m2)
        if m == -np.inf:
            return m, 0.0
        with np.errstate(all="ignore"):
            soma = d1 * np.exp(np.longdouble(m1)) + d2 * np.exp(np.longdouble(m2))
            return m, float(soma / np.exp(np.longdouble(m)))

    assert verificar("combinar-estados", ingenuo).estado == "incorreto"


def test_blocos_que_sao_listas_como_o_enunciado_permite():
    # o enunciado diz «blocos (listas ou arrays 1-D)»: uma resposta que supõe arrays
    # (bloco.size, bloco.max()) quebra com uma lista, e é recusada
    def so_arrays(blocos):
        m, d, guardados = -np.inf, 0.0, []
        for x in blocos:
            guardados.append(x)
            if x.size == 0 or x.max() == -np.inf:
                continue
            m_novo = max(m, x.max())
            d = d * np.exp(m - m_novo) + np.exp(x - m_novo).sum()
            m = m_novo
        return np.exp(np.concatenate(guardados) - m) / d

    resultado = verificar("softmax-online", so_arrays)
    assert resultado.estado == "incorreto" and resultado.diagnostico == "excecao"
    assert "'list' object" in resultado.mensagem


def test_a_resposta_nao_alcanca_os_arrays_do_caso_pelo_fluxo():
    from companion.exercicios import _nucleo

    caso = obter("softmax-online").casos()[2]
    antes = [b.copy() for b in caso.args[0].blocos]

    def estraga(blocos):
        for bloco in blocos.blocos:  # o atributo do fluxo, e não os blocos entregues
            bloco[...] = 0.0
        return online_softmax(list(blocos))

    _nucleo._executar(estraga, caso)
    for bloco, original in zip(caso.args[0].blocos, antes, strict=True):
        np.testing.assert_array_equal(bloco, original)
