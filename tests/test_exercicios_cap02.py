"""Os verificadores do capítulo 2 (sigmoide-estavel, softmax-duas-classes): a referência passa,
o esqueleto é «não tentado», cada erro plausível é recusado com o diagnóstico certo e respostas
corretas escritas de outros jeitos passam."""

from __future__ import annotations

import math
import warnings

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
    # silenciar o aviso do ramo descartado não muda os valores: o ramo escolhido para x < 0,
    # e^x/(1 + e^x), acerta até a cauda subnormal. A resposta está certa e passa
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


# a forma ingênua com o aviso silenciado: os valores a denunciam na cauda subnormal


def ingenua_com_errstate(x):
    with np.errstate(all="ignore"):
        return 1 / (1 + np.exp(-x))


def ingenua_com_simplefilter(x):
    warnings.simplefilter("ignore")
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


@pytest.mark.parametrize(
    "resposta",
    [
        ingenua_com_errstate,
        ingenua_com_simplefilter,
        # decisão do issue 11: a cauda subnormal é exigida, como em companion.sigmoid;
        # scipy.special.expit e torch.sigmoid dão 0 ali e são recusados
        scipy.special.expit,
        lambda x: torch.sigmoid(torch.as_tensor(x)).numpy(),
    ],
)
def test_cauda_subnormal_e_exigida(resposta):
    resultado = verificar("sigmoide-estavel", resposta)
    assert resultado.estado == "incorreto"
    assert resultado.diagnostico == "ingenua-silenciada", resultado.mensagem
    assert resultado.detalhes["obtido"].tolist() == [0.0]
    assert 0 < resultado.detalhes["esperado"][0] < np.finfo(np.float64).tiny
    assert "1/(1 + e^{720}) = 0 porque e^{720} estourou" in resultado.mensagem
    assert "2·10⁻³¹³" in resultado.mensagem


def test_diagnostico_do_where_so_com_where_no_codigo():
    # o mesmo estouro nos dois ramos, sem np.where: nenhum diagnóstico sobre np.where
    def dois_ramos_com_mascara(x):
        x = np.asarray(x, dtype=float)
        positivo = 1 / (1 + np.exp(-x))
        negativo = np.exp(x) / (1 + np.exp(x))
        return positivo * (x >= 0) + np.nan_to_num(negativo) * (x < 0)

    resultado = verificar("sigmoide-estavel", dois_ramos_com_mascara)
    assert resultado.estado == "incorreto"
    assert resultado.diagnostico != "where-dois-ramos"
    assert "np.where" not in resultado.mensagem


def que_altera_a_entrada(x):
    # escreve o resultado por cima de x: o esqueleto (np.asarray) não copia um array float64
    x = np.asarray(x, dtype=float)
    positivo = x >= 0
    z = np.exp(-np.abs(x))
    x[positivo] = 1 / (1 + z[positivo])
    x[~positivo] = z[~positivo] / (1 + z[~positivo])
    return x


def test_entrada_alterada_nomeia_x():
    resultado = verificar("sigmoide-estavel", que_altera_a_entrada)
    assert resultado.estado == "incorreto" and resultado.diagnostico == "entrada-alterada"
    assert "sua função alterou o argumento `x` no lugar" in resultado.mensagem


def test_formato_e_tipo_errados_sigmoide():
    resultado = verificar("sigmoide-estavel", lambda x: sigmoid(x).ravel())
    assert resultado.diagnostico == "formato"
    assert "— o mesmo formato de x: σ elemento a elemento;" in resultado.mensagem
    resultado = verificar("sigmoide-estavel", lambda x: sigmoid(x).astype(np.float32))
    assert resultado.diagnostico == "precisao", resultado.mensagem


def sigmoide_com_laco(x):
    x = np.asarray(x, dtype=float)
    saida = np.empty_like(x)
    for indice, v in np.ndenumerate(x):
        if v >= 0:
            saida[indice] = 1 / (1 + math.exp(-v))
        else:
            saida[indice] = math.exp(v) / (1 + math.exp(v))
    return saida


def sigmoide_com_mascara(x):
    x = np.asarray(x, dtype=float)
    saida = np.empty_like(x)
    pos = x >= 0
    saida[pos] = 1 / (1 + np.exp(-x[pos]))
    e = np.exp(x[~pos])
    saida[~pos] = e / (1 + e)
    return saida


def sigmoide_com_aviso_alheio(x):
    warnings.warn("x", stacklevel=2)
    warnings.warn("API antiga", DeprecationWarning, stacklevel=2)
    return sigmoid(x)


@pytest.mark.parametrize(
    "resposta",
    [
        sigmoid,
        lambda x: np.exp(-np.logaddexp(0.0, -np.asarray(x))),  # σ(x) = e^{-log(1 + e^{-x})}
        # σ(x) = e^{min(x, 0)} / (1 + e^{-|x|}): as duas formas numa expressão só
        lambda x: np.exp(np.minimum(x, 0)) / (1 + np.exp(-np.abs(x))),
        sigmoide_com_laco,
        sigmoide_com_mascara,
        where_silenciado,
        lambda x: sigmoid(x).tolist(),
        sigmoide_com_aviso_alheio,
    ],
)
def test_respostas_corretas_sigmoide(resposta):
    resultado = verificar("sigmoide-estavel", resposta)
    assert resultado.ok, resultado.mensagem


def duas_classes_com_softmax(logits):
    return softmax(logits, axis=-1)[..., 1]


def duas_classes_ingenua(logits):
    e = np.exp(logits)
    return e[..., 1] / (e[..., 0] + e[..., 1])


def duas_classes_com_laco(logits):
    logits = np.asarray(logits, dtype=float)
    saida = np.empty(logits.shape[:-1])
    for indice in np.ndindex(logits.shape[:-1]):
        x0, x1 = logits[indice]
        m = max(x0, x1)
        saida[indice] = math.exp(x1 - m) / (math.exp(x0 - m) + math.exp(x1 - m))
    return saida


def duas_classes_estavel_a_mao(logits):
    logits = np.asarray(logits, dtype=float)
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return e[..., 1] / e.sum(axis=-1)


def duas_classes_com_aviso_alheio(logits):
    warnings.warn("x", DeprecationWarning, stacklevel=2)
    return cap02.prob_classe_1(logits)


@pytest.mark.parametrize(
    "resposta",
    [
        duas_classes_com_softmax,
        lambda z: scipy.special.expit(np.diff(z, axis=-1)[..., 0]),
        lambda z: torch.softmax(torch.as_tensor(z), dim=-1)[..., 1].numpy(),
        lambda z: np.exp(scipy.special.log_softmax(z, axis=-1)[..., 1]),
        duas_classes_com_laco,
        duas_classes_estavel_a_mao,
        lambda z: cap02.prob_classe_1(z).tolist(),
        duas_classes_com_aviso_alheio,
    ],
)
def test_respostas_corretas_duas_classes(resposta):
    resultado = verificar("softmax-duas-classes", resposta)
    assert resultado.ok, resultado.mensagem


def duas_classes_ingenua_silenciada(logits):
    with np.errstate(all="ignore"):
        e = np.exp(logits)
        return e[..., 1] / (e[..., 0] + e[..., 1])


def duas_classes_maximo_global(logits):
    e = np.exp(logits - np.max(logits))
    return e[..., 1] / e.sum(axis=-1)


def duas_classes_fatia(logits):
    return sigmoid(logits[..., 1:] - logits[..., :1])


@pytest.mark.parametrize(
    "resposta, diagnostico",
    [
        (duas_classes_ingenua, "exp-ingenua"),
        (duas_classes_ingenua_silenciada, "exp-ingenua"),
        (duas_classes_maximo_global, "maximo-global"),
        (duas_classes_fatia, "eixo-sobrando"),
    ],
)
def test_erros_de_estudante_duas_classes(resposta, diagnostico):
    resultado = verificar("softmax-duas-classes", resposta)
    assert resultado.estado == "incorreto"
    assert resultado.diagnostico == diagnostico, resultado.mensagem


def duas_classes_no_lugar(logits):
    logits -= logits.max(axis=-1, keepdims=True)
    e = np.exp(logits)
    return e[..., 1] / e.sum(axis=-1)


def test_duas_classes_entrada_alterada_nomeia_logits():
    resultado = verificar("softmax-duas-classes", duas_classes_no_lugar)
    assert resultado.estado == "incorreto" and resultado.diagnostico == "entrada-alterada"
    assert "sua função alterou o argumento `logits` no lugar" in resultado.mensagem


def test_duas_classes_formato_errado_nomeia_o_formato():
    resultado = verificar(
        "softmax-duas-classes", lambda z: np.atleast_1d(cap02.prob_classe_1(z)).ravel()
    )
    assert resultado.diagnostico == "formato", resultado.mensagem
    assert "— logits.shape[:-1]: uma probabilidade por par de logits" in resultado.mensagem
    assert "Os valores estão certos" in resultado.mensagem


def test_duas_classes_float32_para_entrada_float64():
    resultado = verificar("softmax-duas-classes", lambda z: cap02.prob_classe_1(z).astype("f4"))
    assert resultado.diagnostico == "precisao", resultado.mensagem


def test_duas_classes_eixo_a_mais_sem_fatia():
    # o mesmo formato (..., 1) sem fatia: o diagnóstico fala do eixo a mais, que é o que os
    # valores mostram, e cita a fatia só como uma causa possível
    resultado = verificar("softmax-duas-classes", lambda z: cap02.prob_classe_1(z)[..., None])
    assert resultado.diagnostico == "eixo-sobrando", resultado.mensagem
    assert "um eixo a mais no fim" in resultado.mensagem


def test_ingenua_silenciada_so_nos_arrays_grandes_e_recusada():
    # a cauda subnormal também aparece no maior caso, e não só nos pequenos
    def sigmoide(x):
        x = np.asarray(x, dtype=float)
        if x.size <= 6:
            z = np.exp(-np.abs(x))
            return np.where(x >= 0, 1 / (1 + z), z / (1 + z))
        with np.errstate(all="ignore"):
            return 1 / (1 + np.exp(-x))

    assert verificar("sigmoide-estavel", sigmoide).estado == "incorreto"
