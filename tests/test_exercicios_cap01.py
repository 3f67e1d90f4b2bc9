"""Os verificadores do capítulo 1 (softmax-estavel, temperatura) testados de três jeitos:
a referência passa, o esqueleto é «não tentado», e cada erro plausível é recusado com o
diagnóstico certo. Também: respostas corretas escritas de outro jeito passam."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.special
import torch

from companion import softmax, verificar
from companion.exercicios import cap01_softmax as cap01

# ---------------------------------------------------------------------------------------------
# A referência passa; o esqueleto não foi tentado


@pytest.mark.parametrize(
    "id, referencia",
    [("softmax-estavel", cap01.softmax_estavel), ("temperatura", cap01.softmax_com_temperatura)],
)
def test_referencia_passa(id, referencia):
    resultado = verificar(id, referencia)
    assert resultado.ok and resultado.estado == "correto" and bool(resultado)


def _esqueleto(*args):
    # o que o capítulo entrega ao estudante
    raise NotImplementedError


def _esqueleto_vazio(*args):
    pass


@pytest.mark.parametrize("id", ["softmax-estavel", "temperatura"])
@pytest.mark.parametrize("resposta", [_esqueleto, _esqueleto_vazio, None])
def test_esqueleto_nao_tentado(id, resposta):
    resultado = verificar(id, resposta)
    assert resultado.estado == "nao_tentado" and not resultado
    assert f"dica({id!r})" in resultado.mensagem


# ---------------------------------------------------------------------------------------------
# O catálogo: cada erro do pacote é reconhecido pelo próprio nome


@pytest.mark.parametrize("erro", cap01.ERROS_SOFTMAX_ESTAVEL, ids=lambda e: e.funcao.__name__)
def test_catalogo_softmax_estavel(erro):
    resultado = verificar("softmax-estavel", erro.funcao)
    assert resultado.estado == "incorreto"
    assert resultado.diagnostico == erro.nome
    assert erro.diagnostico in resultado.mensagem


@pytest.mark.parametrize("erro", cap01.ERROS_TEMPERATURA, ids=lambda e: e.funcao.__name__)
def test_catalogo_temperatura(erro):
    resultado = verificar("temperatura", erro.funcao)
    assert resultado.estado == "incorreto"
    assert resultado.diagnostico == erro.nome


# ---------------------------------------------------------------------------------------------
# Erros escritos como um estudante os escreveria (código diferente do catálogo)


def ingenua_com_laco(x):
    x = np.asarray(x, dtype=float)
    saida = np.empty_like(x)
    for indice in np.ndindex(x.shape[:-1]):
        exps = [math.exp(v) if v < 709 else math.inf for v in x[indice]]
        total = sum(exps)
        saida[indice] = [e / total for e in exps]
    return saida


def ingenua_numpy(x):
    return np.exp(x) / np.sum(np.exp(x), axis=-1)[..., None]


def eixo_zero(x):
    return scipy.special.softmax(x, axis=0)


def sem_normalizar(x):
    return np.exp(x - np.max(x, axis=-1, keepdims=True))


def maximo_global(x):
    z = np.exp(x - np.max(x))
    return z / z.sum(-1, keepdims=True)


def sem_keepdims(x):
    m = np.max(x, axis=-1)
    z = np.exp(x - m)
    return z / np.sum(z, axis=-1)


@pytest.mark.parametrize(
    "resposta, diagnostico",
    [
        (ingenua_numpy, "exp-ingenua"),
        (eixo_zero, "eixo-errado"),
        (sem_normalizar, "sem-normalizar"),
        (maximo_global, "maximo-global"),
        (sem_keepdims, "sem-keepdims"),
    ],
)
def test_erros_de_estudante_softmax_estavel(resposta, diagnostico):
    resultado = verificar("softmax-estavel", resposta)
    assert resultado.estado == "incorreto"
    assert resultado.diagnostico == diagnostico, resultado.mensagem


def test_laco_ingenuo_e_diagnosticado_como_estouro():
    # o laço não emite aviso do numpy (math.exp) e produz inf/inf = nan: o sintoma basta
    resultado = verificar("softmax-estavel", ingenua_com_laco)
    assert resultado.estado == "incorreto"
    assert "estouro" in resultado.mensagem


def test_menor_entrada_que_falha_e_encolhida():
    # o primeiro caso que a exp ingênua erra é [1000, 1001, 1002]; encolhido, fica um só logit
    resultado = verificar("softmax-estavel", ingenua_numpy)
    assert resultado.detalhes["entrada"][0].shape == (1,)
    assert "Esperado: array([1.])" in resultado.mensagem
    assert "Obtido:   array([nan])" in resultado.mensagem


def temperatura_multiplica(logits, T):
    return softmax(np.asarray(logits) * T)


def temperatura_ingenua(logits, T):
    e = np.exp(np.divide(logits, T))
    return e / e.sum(axis=-1, keepdims=True)


def temperatura_ignorada(logits, T):
    return scipy.special.softmax(logits, axis=-1)


def temperatura_nas_probabilidades(logits, T):
    return softmax(logits) / T


@pytest.mark.parametrize(
    "resposta, diagnostico",
    [
        (temperatura_multiplica, "multiplica-t"),
        (temperatura_ingenua, "exp-ingenua"),
        (temperatura_ignorada, "ignora-t"),
        (temperatura_nas_probabilidades, "divide-probabilidades"),
    ],
)
def test_erros_de_estudante_temperatura(resposta, diagnostico):
    resultado = verificar("temperatura", resposta)
    assert resultado.diagnostico == diagnostico, resultado.mensagem


def test_erro_desconhecido_ainda_e_recusado_com_detalhes():
    def soma_um_a_toa(x):
        return softmax(x) + 1e-3

    resultado = verificar("softmax-estavel", soma_um_a_toa)
    assert resultado.estado == "incorreto"
    assert resultado.diagnostico == "nao-soma-um"
    assert "Menor entrada que falha" in resultado.mensagem


def test_formato_errado():
    resultado = verificar("softmax-estavel", lambda x: softmax(x).ravel())
    assert resultado.estado == "incorreto" and resultado.diagnostico == "formato"


def test_excecao_do_estudante_vira_mensagem():
    def quebra(x):
        raise KeyError("ops")

    resultado = verificar("softmax-estavel", quebra)
    assert resultado.estado == "incorreto" and "KeyError" in resultado.mensagem


# ---------------------------------------------------------------------------------------------
# Respostas corretas escritas de outros jeitos passam


def em_float32(x):
    x = np.asarray(x)
    z = np.exp(x - x.max(-1, keepdims=True))
    return z / z.sum(-1, keepdims=True)  # mantém float32 quando a entrada é float32


def pela_logsumexp(x):
    return np.exp(x - scipy.special.logsumexp(x, axis=-1, keepdims=True))


def com_torch(x):
    return torch.softmax(torch.as_tensor(x), dim=-1).numpy()


def que_altera_a_entrada(x):
    x -= x.max(axis=-1, keepdims=True)
    np.exp(x, out=x)
    x /= x.sum(axis=-1, keepdims=True)
    return x


@pytest.mark.parametrize("resposta", [em_float32, pela_logsumexp, com_torch, que_altera_a_entrada])
def test_respostas_corretas_alternativas(resposta):
    assert verificar("softmax-estavel", resposta).ok


@pytest.mark.parametrize(
    "resposta",
    [
        lambda logits, T: softmax(logits, temperature=T),
        lambda logits, T: scipy.special.softmax(np.asarray(logits) / T, axis=-1),
        # potência das probabilidades, normalizada: matematicamente igual a softmax(x / T)
        lambda logits, T: (lambda p: p / p.sum(-1, keepdims=True))(
            np.exp(scipy.special.log_softmax(logits, axis=-1) / T)
        ),
    ],
)
def test_respostas_corretas_alternativas_temperatura(resposta):
    assert verificar("temperatura", resposta).ok
