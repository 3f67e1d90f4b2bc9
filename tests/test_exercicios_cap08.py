"""Os verificadores do capítulo 8 (softmax-online, combinar-estados) contra respostas de
estudante e respostas corretas escritas de outros jeitos."""

from __future__ import annotations

import numpy as np

from companion import softmax, verificar
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
