"""Os verificadores do capítulo 3 (log-softmax, logsumexp) contra erros escritos como um
estudante os escreveria e contra respostas corretas de outras bibliotecas. (Referência,
esqueleto e catálogo são testados para todos os exercícios em test_exercicios.py.)"""

from __future__ import annotations

import math
import warnings

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


def log_softmax_com_laco(x):
    saida = np.empty_like(x)
    for indice in np.ndindex(x.shape[:-1]):
        linha = x[indice]
        m = max(linha)
        lse = m + math.log(sum(math.exp(v - m) for v in linha))
        saida[indice] = [v - lse for v in linha]
    return saida


def log_softmax_em_dois_passos(x):
    m = np.max(x, axis=-1, keepdims=True)
    lse = m + np.log(np.sum(np.exp(x - m), axis=-1, keepdims=True))
    return x - lse


def log_softmax_com_aviso_alheio(x):
    warnings.warn("x", stacklevel=2)
    warnings.warn("x", DeprecationWarning, stacklevel=2)
    return scipy.special.log_softmax(x, axis=-1)


@pytest.mark.parametrize(
    "resposta",
    [
        lambda x: scipy.special.log_softmax(x, axis=-1),
        lambda x: torch.log_softmax(torch.as_tensor(x), dim=-1).numpy(),
        lambda x: x - scipy.special.logsumexp(x, axis=-1, keepdims=True),
        lambda x: x - np.logaddexp.reduce(x, axis=-1, keepdims=True),
        log_softmax_com_laco,
        log_softmax_em_dois_passos,
        lambda x: scipy.special.log_softmax(x, axis=-1).tolist(),
        log_softmax_com_aviso_alheio,
    ],
)
def test_respostas_corretas_log_softmax(resposta):
    resultado = verificar("log-softmax", resposta)
    assert resultado.ok, resultado.mensagem


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


def lse_com_laco(x):
    # para um vetor, devolve um float do Python: formato (), o esperado
    if x.ndim == 1:
        m = max(x)
        return m + math.log(sum(math.exp(v - m) for v in x))
    return np.array([lse_com_laco(linha) for linha in x])


def lse_com_squeeze_no_eixo(x):
    m = np.max(x, axis=-1, keepdims=True)
    return np.squeeze(m + np.log(np.sum(np.exp(x - m), axis=-1, keepdims=True)), axis=-1)


def lse_sem_keepdims_no_fim(x):
    m = x.max(axis=-1)
    return m + np.log(np.exp(x - m[..., None]).sum(axis=-1))


def lse_com_aviso_alheio(x):
    warnings.warn("x", DeprecationWarning, stacklevel=2)
    return scipy.special.logsumexp(x, axis=-1)


@pytest.mark.parametrize(
    "resposta",
    [
        lambda x: scipy.special.logsumexp(x, axis=-1),
        lambda x: torch.logsumexp(torch.as_tensor(x), dim=-1).numpy(),
        lambda x: np.logaddexp.reduce(x, axis=-1),
        lse_com_laco,
        lse_com_squeeze_no_eixo,
        lse_sem_keepdims_no_fim,
        lse_com_aviso_alheio,
    ],
)
def test_respostas_corretas_logsumexp(resposta):
    resultado = verificar("logsumexp", resposta)
    assert resultado.ok, resultado.mensagem


# ---------------------------------------------------------------------------------------------
# As famílias de erro do issue 11 §2


def log_softmax_maximo_global(x):
    x = x - np.max(x)
    return x - np.log(np.sum(np.exp(x), axis=-1, keepdims=True))


def log_softmax_silenciada(x):
    with np.errstate(all="ignore"):
        return x - np.log(np.exp(x).sum(axis=-1, keepdims=True))


def log_softmax_com_simplefilter(x):
    warnings.simplefilter("ignore")
    return np.log(np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True))


@pytest.mark.parametrize(
    "resposta, diagnostico",
    [
        (log_softmax_maximo_global, "maximo-global"),
        (log_softmax_silenciada, "sem-deslocamento"),
    ],
)
def test_familias_log_softmax(resposta, diagnostico):
    resultado = verificar("log-softmax", resposta)
    assert resultado.estado == "incorreto"
    assert resultado.diagnostico == diagnostico, resultado.mensagem


def test_log_softmax_silenciada_recusada_pelos_valores():
    resultado = verificar("log-softmax", log_softmax_com_simplefilter)
    assert resultado.estado == "incorreto"
    assert "Avisos do numpy" not in resultado.mensagem
    assert "inf" in resultado.mensagem or "nan" in resultado.mensagem


def lse_maximo_global(x):
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m), axis=-1))


def lse_silenciada(x):
    with np.errstate(all="ignore"):
        return np.log(np.sum(np.exp(x), axis=-1))


def lse_squeeze(x):
    m = np.max(x, axis=-1, keepdims=True)
    return np.squeeze(m + np.log(np.sum(np.exp(x - m), axis=-1, keepdims=True)))


@pytest.mark.parametrize(
    "resposta, diagnostico",
    [
        (lse_maximo_global, "maximo-global"),
        (lse_silenciada, "sem-deslocamento"),
        (lse_squeeze, "squeeze-demais"),
    ],
)
def test_familias_logsumexp(resposta, diagnostico):
    resultado = verificar("logsumexp", resposta)
    assert resultado.estado == "incorreto"
    assert resultado.diagnostico == diagnostico, resultado.mensagem


def test_maximo_global_pego_por_linhas_e_mapas_de_escalas_diferentes():
    for id, resposta in [
        ("log-softmax", log_softmax_maximo_global),
        ("logsumexp", lse_maximo_global),
    ]:
        resultado = verificar(id, resposta)
        assert resultado.detalhes["entrada"][0].ndim >= 2, resultado.mensagem


def log_softmax_no_lugar(x):
    x -= x.max(axis=-1, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=-1, keepdims=True))


def lse_no_lugar(x):
    m = x.max(axis=-1, keepdims=True)
    x -= m
    np.exp(x, out=x)
    return (m + np.log(x.sum(axis=-1, keepdims=True)))[..., 0]


@pytest.mark.parametrize(
    "id, resposta", [("log-softmax", log_softmax_no_lugar), ("logsumexp", lse_no_lugar)]
)
def test_entrada_alterada_nomeia_x(id, resposta):
    resultado = verificar(id, resposta)
    assert resultado.estado == "incorreto" and resultado.diagnostico == "entrada-alterada"
    assert "sua função alterou o argumento `x` no lugar" in resultado.mensagem


@pytest.mark.parametrize(
    "id, resposta, formato",
    [
        (
            "log-softmax",
            lambda x: scipy.special.log_softmax(x, axis=-1).ravel(),
            "— o mesmo formato de x: uma log-probabilidade para cada logit;",
        ),
        (
            "logsumexp",
            lambda x: np.atleast_1d(scipy.special.logsumexp(x, axis=-1)).ravel(),
            "— x.shape[:-1]: o formato de x sem o último eixo (um número, para um vetor);",
        ),
    ],
)
def test_formato_errado_nomeia_o_formato_do_exercicio(id, resposta, formato):
    resultado = verificar(id, resposta)
    assert resultado.diagnostico == "formato", resultado.mensagem
    assert formato in resultado.mensagem


def test_logsumexp_keepdims_na_saida_nomeia_o_formato():
    resultado = verificar("logsumexp", lambda x: scipy.special.logsumexp(x, -1, keepdims=True))
    assert resultado.diagnostico == "keepdims-na-saida"
    resultado = verificar(
        "logsumexp", lambda x: np.atleast_1d(scipy.special.logsumexp(x, -1)).ravel()
    )
    assert resultado.diagnostico == "formato"
    assert "esperado () — x.shape[:-1]" in resultado.mensagem


@pytest.mark.parametrize(
    "id, resposta",
    [
        ("log-softmax", lambda x: scipy.special.log_softmax(x, axis=-1).astype(np.float32)),
        ("logsumexp", lambda x: scipy.special.logsumexp(x, axis=-1).astype(np.float32)),
    ],
)
def test_float32_para_entrada_float64(id, resposta):
    assert verificar(id, resposta).diagnostico == "precisao"


def test_ingenuas_em_longdouble_sao_recusadas():
    # exp em np.longdouble só estoura depois de ~11356: passaria com logits nos milhares
    def log_softmax_longdouble(x):
        x = np.asarray(x, dtype=np.longdouble)
        with np.errstate(all="ignore"):
            return (x - np.log(np.exp(x).sum(axis=-1, keepdims=True))).astype(float)

    def logsumexp_longdouble(x):
        x = np.asarray(x, dtype=np.longdouble)
        with np.errstate(all="ignore"):
            return np.log(np.exp(x).sum(axis=-1)).astype(float)

    assert verificar("log-softmax", log_softmax_longdouble).estado == "incorreto"
    assert verificar("logsumexp", logsumexp_longdouble).estado == "incorreto"


def test_ingenuas_so_nas_linhas_longas_sao_recusadas():
    # os casos com logits grandes não podem ser só os de linhas curtas
    def log_softmax(x):
        x = np.asarray(x)
        if x.shape[-1] <= 6:
            return scipy.special.log_softmax(x, axis=-1)
        with np.errstate(all="ignore"):
            return np.log(np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True))

    def logsumexp(x):
        x = np.asarray(x)
        if x.shape[-1] <= 6:
            return scipy.special.logsumexp(x, axis=-1)
        with np.errstate(all="ignore"):
            return np.log(np.exp(x).sum(axis=-1))

    assert verificar("log-softmax", log_softmax).estado == "incorreto"
    assert verificar("logsumexp", logsumexp).estado == "incorreto"
