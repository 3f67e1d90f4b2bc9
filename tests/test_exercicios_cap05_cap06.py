"""Os verificadores dos capítulos 5 e 6 contra erros escritos como um estudante os escreveria e
contra respostas corretas de outras bibliotecas. (Referência, esqueleto e catálogo são testados
para todos os exercícios em test_exercicios.py.)"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special
import scipy.stats
import torch
import torch.nn.functional as F

from companion import cross_entropy, cross_entropy_backward, softmax, softmax_backward, verificar


@pytest.mark.parametrize(
    "resposta",
    [
        lambda x, y: cross_entropy(x, y),
        lambda x, y: F.cross_entropy(torch.as_tensor(x), torch.as_tensor(y)).item(),
        lambda x, y: -scipy.special.log_softmax(x, axis=1)[np.arange(len(y)), y].mean(),
    ],
)
def test_respostas_corretas_entropia_cruzada(resposta):
    assert verificar("entropia-cruzada", resposta).ok


@pytest.mark.parametrize(
    "resposta, diagnostico",
    [
        (lambda x, y: cross_entropy(x, y, reduction="sum"), "soma-em-vez-de-media"),
        (lambda x, y: -np.log(softmax(x, axis=1)[np.arange(len(y)), y]).mean(), "log-da-softmax"),
        (
            lambda x, y: F.nll_loss(torch.as_tensor(x), torch.as_tensor(y)).item(),
            "nll-sem-log-softmax",
        ),
    ],
)
def test_erros_de_estudante_entropia_cruzada(resposta, diagnostico):
    assert verificar("entropia-cruzada", resposta).diagnostico == diagnostico


@pytest.mark.parametrize(
    "resposta",
    [
        lambda p: scipy.stats.entropy(p, axis=-1),
        lambda p: -scipy.special.xlogy(p, p).sum(axis=-1),
    ],
)
def test_respostas_corretas_entropia(resposta):
    assert verificar("entropia", resposta).ok


def test_entropia_de_estudante_com_nan():
    resultado = verificar("entropia", lambda p: -np.sum(p * np.log(p), axis=-1))
    assert resultado.diagnostico == "zero-log-zero"


@pytest.mark.parametrize(
    "resposta",
    [
        softmax_backward,
        lambda y, g: np.einsum(
            "...ij,...i->...j",
            np.einsum("...i,ij->...ij", y, np.eye(y.shape[-1])) - y[..., :, None] * y[..., None, :],
            g,
        ),
    ],
)
def test_respostas_corretas_gradiente_softmax(resposta):
    assert verificar("gradiente-softmax", resposta).ok


def test_gradiente_softmax_diagonal_de_estudante():
    resultado = verificar("gradiente-softmax", lambda y, g: g * y * (1 - y))
    assert resultado.diagnostico == "so-a-diagonal"


def gradiente_via_autograd(logits, alvos):
    x = torch.as_tensor(logits).clone().requires_grad_()
    F.cross_entropy(x, torch.as_tensor(alvos)).backward()
    return x.grad.numpy()


@pytest.mark.parametrize(
    "resposta", [gradiente_via_autograd, lambda x, y: cross_entropy_backward(x, y)]
)
def test_respostas_corretas_gradiente_ce(resposta):
    assert verificar("gradiente-entropia-cruzada", resposta).ok


def test_gradiente_ce_sem_media_de_estudante():
    def sem_media(logits, alvos):
        return cross_entropy_backward(logits, alvos, reduction="sum")

    assert verificar("gradiente-entropia-cruzada", sem_media).diagnostico == "sem-dividir-por-n"
