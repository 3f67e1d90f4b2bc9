"""Os verificadores do capítulo 4 (softmax2d, soft-argmax) contra erros escritos como um
estudante os escreveria e contra respostas corretas de outras bibliotecas. (Referência,
esqueleto e catálogo são testados para todos os exercícios em test_exercicios.py.)"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special
import torch

from companion import softmax, softmax2d, spatial_softmax, verificar


@pytest.mark.parametrize(
    "resposta, diagnostico",
    [
        (lambda x: softmax(x, axis=-1), "ultimo-eixo"),
        (lambda x: spatial_softmax(x), "grade-espacial"),
        (lambda x: scipy.special.softmax(x, axis=1), "eixo-1-fixo"),
        (lambda x: torch.softmax(torch.as_tensor(x), dim=0).numpy(), "eixo-0-fixo"),
    ],
)
def test_erros_de_estudante_softmax2d(resposta, diagnostico):
    assert verificar("softmax2d", resposta).diagnostico == diagnostico


@pytest.mark.parametrize(
    "resposta",
    [
        softmax2d,
        lambda x: torch.nn.Softmax2d()(torch.as_tensor(x)).numpy(),
        lambda x: scipy.special.softmax(x, axis=-3),
    ],
)
def test_respostas_corretas_softmax2d(resposta):
    assert verificar("softmax2d", resposta).ok


def soft_argmax_com_grade(mapa):
    # a mesma conta, com as grades de coordenadas de np.indices
    mapa = np.asarray(mapa)
    p = spatial_softmax(mapa)
    linhas, colunas = np.indices(mapa.shape[-2:])
    return np.stack([(p * linhas).sum(axis=(-2, -1)), (p * colunas).sum(axis=(-2, -1))], axis=-1)


def soft_argmax_torch(mapa):
    m = torch.as_tensor(mapa)
    H, W = m.shape[-2:]
    p = torch.softmax(m.flatten(-2), dim=-1).reshape(m.shape)
    linha = (p.sum(-1) * torch.arange(H, dtype=m.dtype)).sum(-1)
    coluna = (p.sum(-2) * torch.arange(W, dtype=m.dtype)).sum(-1)
    return torch.stack([linha, coluna], dim=-1).numpy()


@pytest.mark.parametrize("resposta", [soft_argmax_com_grade, soft_argmax_torch])
def test_respostas_corretas_soft_argmax(resposta):
    assert verificar("soft-argmax", resposta).ok


def test_argmax_de_estudante():
    def argmax_unravel(mapa):
        mapa = np.asarray(mapa)
        planos = mapa.reshape(-1, *mapa.shape[-2:])
        pos = [np.unravel_index(np.argmax(m), m.shape) for m in planos]
        return np.array(pos, dtype=float).reshape(*mapa.shape[:-2], 2)

    assert verificar("soft-argmax", argmax_unravel).diagnostico == "argmax-duro"
