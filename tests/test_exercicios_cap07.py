"""Os verificadores do capítulo 7 (top-k, top-p) contra as implementações do companion, que
seguem o Hugging Face, e contra erros escritos como um estudante os escreveria."""

from __future__ import annotations

import numpy as np

from companion import verificar
from companion.sampling import top_k, top_p


def test_o_companion_passa():
    assert verificar("top-k", top_k).ok
    assert verificar("top-p", top_p).ok


def test_top_k_com_argsort_de_estudante_quebra_empates():
    def com_argsort(logits, k):
        logits = np.asarray(logits, dtype=float)
        saida = np.full_like(logits, -np.inf)
        indices = np.argsort(logits, axis=-1)[..., ::-1][..., :k]
        np.put_along_axis(saida, indices, np.take_along_axis(logits, indices, -1), -1)
        return saida

    assert verificar("top-k", com_argsort).diagnostico == "quebra-empates"
