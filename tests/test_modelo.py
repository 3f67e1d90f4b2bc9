"""Testes de companion.modelo: o modelo minúsculo carrega do pacote, a cabeça é u = h Wᵀ + b,
aprendeu algo (perplexidade bem abaixo da uniforme) e gera de forma reprodutível."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
from numpy.testing import assert_allclose, assert_array_equal

from companion import softmax
from companion.modelo import carregar

RAIZ = Path(__file__).resolve().parent.parent


def test_carrega_do_pacote_com_formatos_coerentes():
    m = carregar()
    V, H = m.W.shape
    assert len(m.vocab) == V == m.b.size == m.incorporacao.shape[0]
    assert m.W_oculta.shape[0] == H and " " in m.vocab
    assert m.contexto * m.incorporacao.shape[1] == m.W_oculta.shape[1]


def test_a_cabeca_e_h_vezes_w_transposta():
    m = carregar()
    janelas = np.stack([m.janela(m.codificar("a softmax ")), m.janela(m.codificar("entropia"))])
    h = m.estado_oculto(janelas)  # (2, H)
    assert_allclose(m.logits(janelas), h @ m.W.T + m.b, rtol=1e-12)
    assert_allclose(softmax(m.logits(janelas)).sum(axis=-1), 1.0, rtol=1e-12)


def test_aprendeu_algo():
    # um modelo que não aprendeu nada teria perplexidade V (uniforme); este, bem menos
    m = carregar()
    assert m.perplexidade() < len(m.vocab) / 4


def test_codificar_e_decodificar():
    m = carregar()
    texto = "a função softmax"
    assert m.decodificar(m.codificar(texto)) == texto
    assert m.decodificar(m.codificar("∑")) == m.vocab[0]  # raro vira o símbolo de raros


def test_geracao_reprodutivel_e_gulosa():
    m = carregar()
    a = m.gerar("A softmax ", 40, temperature=0.8, top_p=0.9, rng=np.random.default_rng(3))
    b = m.gerar("A softmax ", 40, temperature=0.8, top_p=0.9, rng=np.random.default_rng(3))
    assert a == b and a.startswith("A softmax ") and len(a) == len("A softmax ") + 40
    guloso = m.gerar("A softmax ", 5, guloso=True)
    ids = list(m.codificar("A softmax "))
    for _ in range(5):
        ids.append(int(np.argmax(m.logits(m.janela(np.array(ids))))))
    assert guloso == m.decodificar(ids)


def test_janela_completa_com_espacos():
    m = carregar()
    assert_array_equal(
        m.janela(m.codificar("ab"))[: m.contexto - 2], np.full(m.contexto - 2, m.vocab.index(" "))
    )


def test_script_de_treino_roda(tmp_path):
    destino = tmp_path / "modelo.npz"
    processo = subprocess.run(
        [
            sys.executable,
            str(RAIZ / "scripts" / "treinar_modelo.py"),
            "--passos",
            "3",
            "--destino",
            str(destino),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert processo.returncode == 0, processo.stderr
    with np.load(destino) as dados:
        assert dados["W"].shape[0] == len(dados["vocab"])
    palavras = (tmp_path / "lexico.txt").read_text(encoding="utf-8").split()
    assert palavras == sorted(set(palavras)) and "softmax" in palavras


def test_lexico_do_corpus_vem_com_o_pacote():
    from companion.modelo import lexico

    assert 1000 < len(lexico()) < 10_000
    assert all(p == p.lower() for p in lexico())
