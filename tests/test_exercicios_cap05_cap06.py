"""Os verificadores dos capítulos 5 e 6 contra erros escritos como um estudante os escreveria e
contra respostas corretas de outras bibliotecas. (Referência, esqueleto e catálogo são testados
para todos os exercícios em test_exercicios.py.)"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.special
import scipy.stats
import torch
import torch.nn.functional as F

from companion import cross_entropy, cross_entropy_backward, softmax, softmax_backward, verificar
from companion.exercicios import obter


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


# ---------------------------------------------------------------------------------------------
# Issue 11, §2: as famílias de erro de um estudante de verdade, e mais respostas corretas
# escritas como um estudante as escreveria (um verificador não pode recusar uma resposta certa)


def _log_softmax_linhas(x):
    x = np.asarray(x, dtype=float)
    s = x - x.max(axis=1, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=1, keepdims=True))


def _ce_em_laco(logits, alvos):
    # um exemplo por vez, com a logsumexp do numpy
    perdas = [
        np.logaddexp.reduce(linha) - linha[alvo] for linha, alvo in zip(logits, alvos, strict=True)
    ]
    return sum(perdas) / len(perdas)


def _ce_one_hot(logits, alvos):
    y = np.eye(logits.shape[1])[alvos]  # (N, C)
    return -(y * _log_softmax_linhas(logits)).sum(axis=1).mean()


def _ce_tensor_sem_item(logits, alvos):
    # um tensor 0-d do torch (sem .item()) também é um número
    return F.cross_entropy(torch.as_tensor(logits), torch.as_tensor(alvos))


def _ce_logsumexp_do_scipy(logits, alvos):
    return np.mean(scipy.special.logsumexp(logits, axis=1) - logits[np.arange(len(alvos)), alvos])


@pytest.mark.parametrize(
    "resposta", [_ce_em_laco, _ce_one_hot, _ce_tensor_sem_item, _ce_logsumexp_do_scipy]
)
def test_mais_respostas_corretas_entropia_cruzada(resposta):
    assert verificar("entropia-cruzada", resposta).ok


def _ce_maximo_global(logits, alvos):
    x = logits - logits.max()
    logp = x - np.log(np.exp(x).sum(axis=1, keepdims=True))
    return -logp[np.arange(len(alvos)), alvos].mean()


def _ce_ingenua_com_errstate(logits, alvos):
    with np.errstate(all="ignore"):
        p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        return -np.mean(np.log(p[np.arange(len(alvos)), alvos]))


def _ce_ingenua_com_simplefilter(logits, alvos):
    import warnings

    warnings.simplefilter("ignore")  # o estudante cala os avisos de vez
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return -np.mean(np.log(p[np.arange(len(alvos)), alvos]))


def _ce_por_exemplo(logits, alvos):
    return F.cross_entropy(
        torch.as_tensor(logits), torch.as_tensor(alvos), reduction="none"
    ).numpy()


@pytest.mark.parametrize(
    "resposta, diagnostico",
    [
        (_ce_maximo_global, "maximo-global"),
        (_ce_ingenua_com_errstate, "softmax-ingenua"),
        (_ce_ingenua_com_simplefilter, "softmax-ingenua"),
        (_ce_por_exemplo, "sem-media"),
    ],
)
def test_familias_de_erro_entropia_cruzada(resposta, diagnostico):
    import warnings

    with warnings.catch_warnings():  # o simplefilter do estudante não vaza para os outros testes
        resultado = verificar("entropia-cruzada", resposta)
    assert resultado.estado == "incorreto"
    assert resultado.diagnostico == diagnostico, resultado.mensagem


def test_entropia_cruzada_silenciada_e_pega_pelos_valores():
    # sem nenhum aviso do numpy, o que denuncia a softmax ingênua são os valores (nan, inf)
    resultado = verificar("entropia-cruzada", _ce_ingenua_com_errstate)
    assert "Avisos do numpy" not in resultado.mensagem
    assert "Obtido:   nan" in resultado.mensagem or "Obtido:   inf" in resultado.mensagem


def test_entropia_cruzada_em_float32_e_recusada():
    def em_float32(logits, alvos):
        x = logits.astype(np.float32)
        s = x - x.max(axis=1, keepdims=True)
        logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
        return -logp[np.arange(len(alvos)), alvos].mean()

    resultado = verificar("entropia-cruzada", em_float32)
    assert resultado.diagnostico == "precisao"
    assert "float32" in resultado.mensagem


def test_entropia_cruzada_formato_nomeia_um_numero():
    resultado = verificar("entropia-cruzada", lambda x, y: np.atleast_1d(cross_entropy(x, y)))
    assert resultado.diagnostico == "formato"
    assert "esperado () — um número só: a média das perdas dos N exemplos" in resultado.mensagem
    assert "Os valores estão certos; só o formato não." in resultado.mensagem


def test_entropia_cruzada_logits_alterados_no_lugar():
    def altera(logits, alvos):
        logits -= logits.max(axis=1, keepdims=True)
        logits -= np.log(np.exp(logits).sum(axis=1, keepdims=True))
        return -logits[np.arange(len(alvos)), alvos].mean()

    resultado = verificar("entropia-cruzada", altera)
    assert resultado.diagnostico == "entrada-alterada"
    assert "alterou o argumento `logits` no lugar" in resultado.mensagem
    assert "`alvos`" not in resultado.mensagem


def test_entropia_cruzada_encolhe_so_para_alvos_validos():
    # uma resposta que erra numa linha de escala grande: a entrada mostrada tem um alvo válido
    # para cada linha, e nenhuma linha sem o seu alvo
    resultado = verificar("entropia-cruzada", _ce_maximo_global)
    logits, alvos = resultado.detalhes["entrada"]
    assert logits.ndim == 2 and alvos.shape == (logits.shape[0],)
    assert np.all((alvos >= 0) & (alvos < logits.shape[1]))


# entropia


def _entropia_em_laco(p):
    p = np.asarray(p, dtype=float)
    saida = np.zeros(p.shape[:-1])
    for indice in np.ndindex(p.shape[:-1]):
        saida[indice] = -sum(v * math.log(v) for v in p[indice] if v > 0)
    return saida


def _entropia_com_nansum(p):
    # 0 · log 0 = nan, e o nansum o trata como 0: os avisos do numpy não reprovam valores certos
    return -np.nansum(p * np.log(p), axis=-1)


def _entropia_com_where_do_log(p):
    return -(p * np.log(p, where=p > 0, out=np.zeros_like(p))).sum(axis=-1)


def _entropia_com_torch(p):
    return torch.special.entr(torch.as_tensor(p)).sum(dim=-1).numpy()


@pytest.mark.parametrize(
    "resposta",
    [_entropia_em_laco, _entropia_com_nansum, _entropia_com_where_do_log, _entropia_com_torch],
)
def test_mais_respostas_corretas_entropia(resposta):
    assert verificar("entropia", resposta).ok


def test_entropia_silenciada_e_pega_pelos_valores():
    def silenciada(p):
        with np.errstate(all="ignore"):
            return -np.sum(p * np.log(p), axis=-1)

    assert verificar("entropia", silenciada).diagnostico == "zero-log-zero"


def test_entropia_de_tudo_de_uma_vez():
    resultado = verificar("entropia", lambda p: -np.sum(scipy.special.xlogy(p, p)))
    assert resultado.diagnostico == "soma-tudo"


def test_entropia_com_keepdims_nomeia_o_formato():
    resultado = verificar(
        "entropia", lambda p: -scipy.special.xlogy(p, p).sum(axis=-1, keepdims=True)
    )
    assert resultado.diagnostico == "formato"
    assert "p.shape[:-1]: o formato de p sem o último eixo" in resultado.mensagem


def test_entropia_que_troca_os_zeros_no_lugar():
    # o truque de trocar os zeros por 1 (1 · log 1 = 0) dá os valores certos, mas estraga p
    def troca_os_zeros(p):
        p[p == 0] = 1.0
        return -(p * np.log(p)).sum(axis=-1)

    resultado = verificar("entropia", troca_os_zeros)
    assert resultado.diagnostico == "entrada-alterada"
    assert "alterou o argumento `p` no lugar" in resultado.mensagem


# gradiente-softmax


def _gradiente_com_jacobiana_em_laco(y, g):
    saida = np.empty_like(y)
    for indice in np.ndindex(y.shape[:-1]):
        linha = y[indice]
        jacobiana = np.diag(linha) - np.outer(linha, linha)
        saida[indice] = jacobiana.T @ g[indice]
    return saida


def _gradiente_com_autograd(y, g):
    # log y são logits cuja softmax é y; o autograd do torch dá o produto vetor-jacobiana
    x = torch.log(torch.as_tensor(y)).requires_grad_()
    torch.softmax(x, dim=-1).backward(torch.as_tensor(g))
    return x.grad.numpy()


def _gradiente_com_einsum(y, g):
    return y * g - y * np.einsum("...i,...i->...", g, y)[..., None]


@pytest.mark.parametrize(
    "resposta", [_gradiente_com_jacobiana_em_laco, _gradiente_com_autograd, _gradiente_com_einsum]
)
def test_mais_respostas_corretas_gradiente_softmax(resposta):
    assert verificar("gradiente-softmax", resposta).ok


@pytest.mark.parametrize(
    "resposta, diagnostico",
    [
        (lambda y, g: y * (g - np.sum(g * y)), "produto-global"),
        (lambda y, g: y * (g - (g * y).sum(axis=-1)), "sem-keepdims"),
    ],
)
def test_familias_de_erro_gradiente_softmax(resposta, diagnostico):
    resultado = verificar("gradiente-softmax", resposta)
    assert resultado.diagnostico == diagnostico, resultado.mensagem


def test_gradiente_softmax_g_alterado_no_lugar():
    def altera_g(y, g):
        g -= (g * y).sum(axis=-1, keepdims=True)
        g *= y
        return g

    resultado = verificar("gradiente-softmax", altera_g)
    assert resultado.diagnostico == "entrada-alterada"
    assert "alterou o argumento `g` no lugar" in resultado.mensagem
    assert "`y`" not in resultado.mensagem


def test_gradiente_softmax_y_alterado_no_lugar():
    def altera_y(y, g):
        y *= g - (g * y).sum(axis=-1, keepdims=True)
        return y

    resultado = verificar("gradiente-softmax", altera_y)
    assert resultado.diagnostico == "entrada-alterada"
    assert "alterou o argumento `y` no lugar" in resultado.mensagem
    assert "`g`" not in resultado.mensagem


def test_gradiente_softmax_achatado_nomeia_o_formato():
    resultado = verificar("gradiente-softmax", lambda y, g: softmax_backward(y, g).ravel())
    assert resultado.diagnostico == "formato"
    assert "o mesmo formato de y (e de g)" in resultado.mensagem
    assert "Os valores estão certos; só o formato não." in resultado.mensagem


def test_gradiente_softmax_encolhido_mostra_distribuicoes():
    # o encolhimento só apaga linhas inteiras: cada linha de y mostrada ainda soma 1
    resultado = verificar("gradiente-softmax", lambda y, g: y * (g - np.sum(g * y)))
    y, g = resultado.detalhes["entrada"]
    assert y.shape == g.shape and y.ndim == 2
    np.testing.assert_allclose(y.sum(axis=-1), 1.0)


# gradiente-entropia-cruzada


def _gradiente_ce_em_laco(logits, alvos):
    N = len(alvos)
    grad = np.zeros_like(logits)
    for n in range(N):
        p = scipy.special.softmax(logits[n])
        p[alvos[n]] -= 1.0
        grad[n] = p / N
    return grad


def _gradiente_ce_com_torch(logits, alvos):
    x = torch.as_tensor(logits)
    y = F.one_hot(torch.as_tensor(alvos), x.shape[1]).double()
    return ((torch.softmax(x, dim=1) - y) / x.shape[0]).numpy()


def _gradiente_ce_com_eye(logits, alvos):
    p = scipy.special.softmax(logits, axis=1)
    return (p - np.eye(logits.shape[1])[alvos]) / len(alvos)


@pytest.mark.parametrize(
    "resposta", [_gradiente_ce_em_laco, _gradiente_ce_com_torch, _gradiente_ce_com_eye]
)
def test_mais_respostas_corretas_gradiente_ce(resposta):
    assert verificar("gradiente-entropia-cruzada", resposta).ok


def _gradiente_ce_maximo_global(logits, alvos):
    e = np.exp(logits - logits.max())
    p = e / e.sum(axis=1, keepdims=True)
    p[np.arange(len(alvos)), alvos] -= 1
    return p / len(alvos)


def _gradiente_ce_ingenuo_silenciado(logits, alvos):
    with np.errstate(all="ignore"):
        p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    p[np.arange(len(alvos)), alvos] -= 1
    return p / len(alvos)


@pytest.mark.parametrize(
    "resposta, diagnostico",
    [
        (_gradiente_ce_maximo_global, "maximo-global"),
        (_gradiente_ce_ingenuo_silenciado, "exp-ingenua"),
    ],
)
def test_familias_de_erro_gradiente_ce(resposta, diagnostico):
    resultado = verificar("gradiente-entropia-cruzada", resposta)
    assert resultado.diagnostico == diagnostico, resultado.mensagem


def test_gradiente_ce_logits_alterados_no_lugar():
    def altera(logits, alvos):
        logits -= logits.max(axis=1, keepdims=True)
        np.exp(logits, out=logits)
        logits /= logits.sum(axis=1, keepdims=True)
        logits[np.arange(len(alvos)), alvos] -= 1
        return logits / len(alvos)

    resultado = verificar("gradiente-entropia-cruzada", altera)
    assert resultado.diagnostico == "entrada-alterada"
    assert "alterou o argumento `logits` no lugar" in resultado.mensagem
    assert "`alvos`" not in resultado.mensagem


def test_gradiente_ce_achatado_nomeia_o_formato():
    resultado = verificar(
        "gradiente-entropia-cruzada", lambda x, y: cross_entropy_backward(x, y).ravel()
    )
    assert resultado.diagnostico == "formato"
    assert "o mesmo formato de logits, (N, C)" in resultado.mensagem


# ---------------------------------------------------------------------------------------------
# Um aviso que não é de ponto flutuante nunca reprova uma resposta certa


@pytest.mark.parametrize(
    "id", ["entropia-cruzada", "entropia", "gradiente-softmax", "gradiente-entropia-cruzada"]
)
@pytest.mark.parametrize("categoria", [DeprecationWarning, UserWarning, FutureWarning])
def test_aviso_nao_relacionado_nao_reprova(id, categoria):
    import warnings

    referencia = obter(id).referencia

    def avisa(*args):
        warnings.warn("isto vai mudar na próxima versão", categoria, stacklevel=1)
        return referencia(*args)

    assert verificar(id, avisa).ok


@pytest.mark.parametrize(
    "id", ["entropia-cruzada", "entropia", "gradiente-softmax", "gradiente-entropia-cruzada"]
)
def test_todo_caso_e_uma_entrada_valida(id):
    # o predicado que limita o encolhimento aceita os próprios casos do exercício
    ex = obter(id)
    assert ex.valido is not None
    assert all(ex.valido(caso) for caso in ex.casos())


# Respostas ingênuas que escapam dos logits nos milhares (issue 11, verificação)


def _entropia_cruzada_longdouble(logits, alvos):
    # exp em np.longdouble só estoura depois de ~11356: passaria com logits nos milhares
    logits = np.asarray(logits, dtype=np.longdouble)
    with np.errstate(all="ignore"):
        log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    return float(-log_probs[np.arange(len(alvos)), alvos].mean())


def _gradiente_ce_longdouble(logits, alvos):
    logits = np.asarray(logits, dtype=np.longdouble)
    with np.errstate(all="ignore"):
        e = np.exp(logits)
        p = (e / e.sum(axis=1, keepdims=True)).astype(float)
    p[np.arange(len(alvos)), alvos] -= 1.0
    return p / len(alvos)


def test_entropia_cruzada_ingenua_em_longdouble_e_recusada_sem_diagnostico_por_nan():
    resultado = verificar("entropia-cruzada", _entropia_cruzada_longdouble)
    assert resultado.estado == "incorreto"
    # a resposta dá nan, como «logits como probabilidades» daria: nan == nan não é evidência
    assert resultado.diagnostico == "nao-finito"


def test_gradiente_ce_ingenuo_em_longdouble_e_recusado():
    assert verificar("gradiente-entropia-cruzada", _gradiente_ce_longdouble).estado == "incorreto"


def test_ingenuas_so_nos_lotes_grandes_sao_recusadas():
    # os casos com logits grandes não podem ser só os de lotes pequenos e linhas curtas
    def perda(logits, alvos):
        logits = np.asarray(logits, dtype=float)
        if max(logits.shape) <= 7:
            return cross_entropy(logits, alvos)
        with np.errstate(all="ignore"):
            p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
            return -np.log(p[np.arange(len(alvos)), alvos]).mean()

    def gradiente(logits, alvos):
        logits = np.asarray(logits, dtype=float)
        if max(logits.shape) <= 7:
            return cross_entropy_backward(logits, alvos)
        with np.errstate(all="ignore"):
            p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        p[np.arange(len(alvos)), alvos] -= 1.0
        return p / len(alvos)

    assert verificar("entropia-cruzada", perda).estado == "incorreto"
    assert verificar("gradiente-entropia-cruzada", gradiente).estado == "incorreto"
