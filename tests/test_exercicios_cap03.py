"""Os verificadores do capítulo 3 (log-softmax, logsumexp) contra erros escritos como um
estudante os escreveria e contra respostas corretas de outras bibliotecas. (Referência,
esqueleto e catálogo são testados para todos os exercícios em test_exercicios.py.)"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special
import torch

from companion import softmax, verificar


def log_de_softmax_do_companion(x):
    return np.log(softmax(x, axis=-1))


def log_softmax_sem_max(x):
    return x - np.log(np.sum(np.exp(x), axis=-1, keepdims=True))


def log_softmax_eixo_zero(x):
    return scipy.special.log_softmax(x, axis=0)


@pytest.mark.parametrize(
    "resposta, diagnostico",
    [
        (log_de_softmax_do_companion, "log-da-softmax"),
        (log_softmax_sem_max, "sem-deslocamento"),
        (log_softmax_eixo_zero, "eixo-errado"),
    ],
)
def test_erros_de_estudante_log_softmax(resposta, diagnostico):
    assert verificar("log-softmax", resposta).diagnostico == diagnostico


@pytest.mark.parametrize(
    "resposta",
    [
        lambda x: scipy.special.log_softmax(x, axis=-1),
        lambda x: torch.log_softmax(torch.as_tensor(x), dim=-1).numpy(),
        lambda x: x - scipy.special.logsumexp(x, axis=-1, keepdims=True),
    ],
)
def test_respostas_corretas_log_softmax(resposta):
    assert verificar("log-softmax", resposta).ok


def lse_com_log_sum_exp(x):
    return np.log(np.sum(np.exp(x), axis=-1))


def lse_sem_m(x):
    m = np.max(x, axis=-1, keepdims=True)
    return np.log(np.sum(np.exp(x - m), axis=-1))


@pytest.mark.parametrize(
    "resposta, diagnostico",
    [(lse_com_log_sum_exp, "sem-deslocamento"), (lse_sem_m, "esqueceu-m")],
)
def test_erros_de_estudante_logsumexp(resposta, diagnostico):
    assert verificar("logsumexp", resposta).diagnostico == diagnostico


@pytest.mark.parametrize(
    "resposta",
    [
        lambda x: scipy.special.logsumexp(x, axis=-1),
        lambda x: torch.logsumexp(torch.as_tensor(x), dim=-1).numpy(),
        lambda x: np.logaddexp.reduce(x, axis=-1),
    ],
)
def test_respostas_corretas_logsumexp(resposta):
    assert verificar("logsumexp", resposta).ok
