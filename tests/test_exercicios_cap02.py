"""Os verificadores do capítulo 2 (sigmoide-estavel, softmax-duas-classes): a referência passa,
o esqueleto é «não tentado», cada erro plausível é recusado com o diagnóstico certo e respostas
corretas escritas de outros jeitos passam."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special
import torch

from companion import sigmoid, softmax, verificar
from companion.exercicios import cap02_sigmoide as cap02


def _esqueleto(*args):
    raise NotImplementedError


@pytest.mark.parametrize(
    "id, referencia",
    [("sigmoide-estavel", cap02.sigmoide_estavel), ("softmax-duas-classes", cap02.prob_classe_1)],
)
def test_referencia_passa_e_esqueleto_nao_tentado(id, referencia):
    assert verificar(id, referencia).ok
    assert verificar(id, _esqueleto).estado == "nao_tentado"
    assert verificar(id, None).estado == "nao_tentado"


@pytest.mark.parametrize("erro", cap02.ERROS_SIGMOIDE, ids=lambda e: e.funcao.__name__)
def test_catalogo_sigmoide(erro):
    resultado = verificar("sigmoide-estavel", erro.funcao)
    assert resultado.estado == "incorreto" and resultado.diagnostico == erro.nome


@pytest.mark.parametrize("erro", cap02.ERROS_DUAS_CLASSES, ids=lambda e: e.funcao.__name__)
def test_catalogo_duas_classes(erro):
    resultado = verificar("softmax-duas-classes", erro.funcao)
    assert resultado.estado == "incorreto" and resultado.diagnostico == erro.nome


# erros escritos como um estudante os escreveria


def ingenua_com_divisao(x):
    return np.divide(1, 1 + np.exp(np.negative(x)))


def where_invertido(x):
    # o mesmo erro do np.where, com as condições na ordem oposta
    return np.where(x < 0, np.exp(x) / (1 + np.exp(x)), 1 / (1 + np.exp(-x)))


def where_silenciado(x):
    # silenciar o aviso do ramo descartado dá os mesmos valores que torch.sigmoid (até o menor
    # número normal): a resposta está certa e passa
    with np.errstate(over="ignore", invalid="ignore"):
        return np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))


@pytest.mark.parametrize(
    "resposta, diagnostico",
    [(ingenua_com_divisao, "ingenua"), (where_invertido, "where-dois-ramos")],
)
def test_erros_de_estudante_sigmoide(resposta, diagnostico):
    resultado = verificar("sigmoide-estavel", resposta)
    assert resultado.diagnostico == diagnostico, resultado.mensagem


def test_where_silenciado_tem_valores_certos_e_passa():
    assert verificar("sigmoide-estavel", where_silenciado).ok


@pytest.mark.parametrize(
    "resposta",
    [
        sigmoid,
        scipy.special.expit,
        lambda x: torch.sigmoid(torch.as_tensor(x)).numpy(),
        lambda x: np.exp(-np.logaddexp(0.0, -np.asarray(x))),  # σ(x) = e^{-log(1 + e^{-x})}
    ],
)
def test_respostas_corretas_sigmoide(resposta):
    assert verificar("sigmoide-estavel", resposta).ok


def duas_classes_com_softmax(logits):
    return softmax(logits, axis=-1)[..., 1]


def duas_classes_ingenua(logits):
    e = np.exp(logits)
    return e[..., 1] / (e[..., 0] + e[..., 1])


@pytest.mark.parametrize(
    "resposta",
    [
        duas_classes_com_softmax,
        lambda z: scipy.special.expit(np.diff(z, axis=-1)[..., 0]),
        lambda z: torch.softmax(torch.as_tensor(z), dim=-1)[..., 1].numpy(),
    ],
)
def test_respostas_corretas_duas_classes(resposta):
    assert verificar("softmax-duas-classes", resposta).ok


def test_erro_de_estudante_duas_classes():
    resultado = verificar("softmax-duas-classes", duas_classes_ingenua)
    assert resultado.diagnostico == "exp-ingenua", resultado.mensagem
