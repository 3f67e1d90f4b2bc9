"""Os verificadores do capítulo 4 (softmax2d, soft-argmax) contra erros escritos como um
estudante os escreveria e contra respostas corretas de outras bibliotecas. (Referência,
esqueleto e catálogo são testados para todos os exercícios em test_exercicios.py.)"""

from __future__ import annotations

import math
import warnings

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


def softmax2d_movendo_o_eixo(x):
    # leva os canais para o fim, aplica a softmax do capítulo 1 e devolve o eixo ao lugar
    canais_no_fim = np.moveaxis(x, -3, -1)
    return np.moveaxis(softmax(canais_no_fim, axis=-1), -1, -3)


def softmax2d_com_laco(x):
    # um laço pelos pixels (e pelos exemplos do lote), com math
    saida = np.empty_like(x, dtype=float)
    planos = x.reshape(-1, *x.shape[-3:])
    destino = saida.reshape(planos.shape)
    for n, plano in enumerate(planos):
        C, H, W = plano.shape
        for h in range(H):
            for w in range(W):
                m = max(plano[:, h, w])
                exps = [math.exp(v - m) for v in plano[:, h, w]]
                destino[n, :, h, w] = [e / sum(exps) for e in exps]
    return saida


def softmax2d_com_aviso_alheio(x):
    warnings.warn("x", stacklevel=2)
    warnings.warn("x", DeprecationWarning, stacklevel=2)
    return softmax2d(x)


@pytest.mark.parametrize(
    "resposta",
    [
        softmax2d,
        lambda x: torch.nn.Softmax2d()(torch.as_tensor(x)).numpy(),
        lambda x: scipy.special.softmax(x, axis=-3),
        lambda x: torch.softmax(torch.as_tensor(x), dim=-3).numpy(),
        softmax2d_movendo_o_eixo,
        softmax2d_com_laco,
        lambda x: softmax2d(x).tolist(),
        softmax2d_com_aviso_alheio,
    ],
)
def test_respostas_corretas_softmax2d(resposta):
    resultado = verificar("softmax2d", resposta)
    assert resultado.ok, resultado.mensagem


def softmax2d_maximo_global(x):
    e = np.exp(x - np.max(x))
    return e / np.sum(e, axis=-3, keepdims=True)


def softmax2d_silenciada(x):
    with np.errstate(all="ignore"):
        e = np.exp(x)
        return e / e.sum(axis=-3, keepdims=True)


def softmax2d_com_simplefilter(x):
    warnings.simplefilter("ignore")
    return np.exp(x) / np.exp(x).sum(axis=-3, keepdims=True)


@pytest.mark.parametrize(
    "resposta, diagnostico",
    [
        (softmax2d_maximo_global, "maximo-global"),
        (softmax2d_silenciada, "exp-ingenua"),
        (softmax2d_com_simplefilter, "exp-ingenua"),
    ],
)
def test_familias_softmax2d(resposta, diagnostico):
    resultado = verificar("softmax2d", resposta)
    assert resultado.estado == "incorreto"
    assert resultado.diagnostico == diagnostico, resultado.mensagem
    assert "nan" in resultado.mensagem


def softmax2d_no_lugar(x):
    x -= x.max(axis=-3, keepdims=True)
    np.exp(x, out=x)
    x /= x.sum(axis=-3, keepdims=True)
    return x


def test_softmax2d_entrada_alterada_nomeia_x():
    resultado = verificar("softmax2d", softmax2d_no_lugar)
    assert resultado.estado == "incorreto" and resultado.diagnostico == "entrada-alterada"
    assert "sua função alterou o argumento `x` no lugar" in resultado.mensagem


def test_softmax2d_formato_e_tipo():
    resultado = verificar("softmax2d", lambda x: softmax2d(x).reshape(-1, *x.shape[-2:]))
    assert resultado.diagnostico == "formato", resultado.mensagem
    assert "— o mesmo formato de x, (C, H, W) ou (N, C, H, W)" in resultado.mensagem
    resultado = verificar("softmax2d", lambda x: softmax2d(x).astype(np.float32))
    assert resultado.diagnostico == "precisao", resultado.mensagem


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


def soft_argmax_com_einsum(mapa):
    mapa = np.asarray(mapa)
    H, W = mapa.shape[-2:]
    p = spatial_softmax(mapa)
    linha = np.einsum("...hw,h->...", p, np.arange(H))
    coluna = np.einsum("...hw,w->...", p, np.arange(W))
    return np.stack([linha, coluna], axis=-1)


def soft_argmax_com_laco(mapa):
    mapa = np.asarray(mapa, dtype=float)
    H, W = mapa.shape[-2:]
    planos = mapa.reshape(-1, H, W)
    saida = np.empty((len(planos), 2))
    for n, plano in enumerate(planos):
        m = plano.max()
        pesos = np.exp(plano - m)
        pesos /= pesos.sum()  # pesos é um array novo: alterá-lo não altera o mapa
        saida[n] = [
            sum(h * pesos[h].sum() for h in range(H)),
            sum(w * pesos[:, w].sum() for w in range(W)),
        ]
    return saida.reshape(*mapa.shape[:-2], 2)


def soft_argmax_com_aviso_alheio(mapa):
    warnings.warn("x", DeprecationWarning, stacklevel=2)
    return soft_argmax_com_grade(mapa)


@pytest.mark.parametrize(
    "resposta",
    [
        soft_argmax_com_grade,
        soft_argmax_torch,
        soft_argmax_com_einsum,
        soft_argmax_com_laco,
        lambda mapa: soft_argmax_com_grade(mapa).tolist(),
        soft_argmax_com_aviso_alheio,
    ],
)
def test_respostas_corretas_soft_argmax(resposta):
    resultado = verificar("soft-argmax", resposta)
    assert resultado.ok, resultado.mensagem


def soft_argmax_maximo_global(mapa):
    H, W = mapa.shape[-2:]
    e = np.exp(mapa - mapa.max())
    p = e / e.sum(axis=(-2, -1), keepdims=True)
    linhas, colunas = np.indices((H, W))
    return np.stack([(p * linhas).sum(axis=(-2, -1)), (p * colunas).sum(axis=(-2, -1))], axis=-1)


def soft_argmax_silenciado(mapa):
    with np.errstate(all="ignore"):
        H, W = mapa.shape[-2:]
        e = np.exp(mapa)
        p = e / e.sum(axis=(-2, -1), keepdims=True)
        linhas, colunas = np.indices((H, W))
        return np.stack(
            [(p * linhas).sum(axis=(-2, -1)), (p * colunas).sum(axis=(-2, -1))], axis=-1
        )


def soft_argmax_em_tupla(mapa):
    # devolve (linha, coluna) como uma tupla: com um lote, vira (2, ...) e não (..., 2)
    mapa = np.asarray(mapa)
    p = spatial_softmax(mapa)
    linhas, colunas = np.indices(mapa.shape[-2:])
    return (p * linhas).sum(axis=(-2, -1)), (p * colunas).sum(axis=(-2, -1))


@pytest.mark.parametrize(
    "resposta, diagnostico",
    [
        (soft_argmax_maximo_global, "maximo-global"),
        (soft_argmax_silenciado, "exp-ingenua"),
        (soft_argmax_em_tupla, "empilha-no-eixo-0"),
    ],
)
def test_familias_soft_argmax(resposta, diagnostico):
    resultado = verificar("soft-argmax", resposta)
    assert resultado.estado == "incorreto"
    assert resultado.diagnostico == diagnostico, resultado.mensagem


def soft_argmax_no_lugar(mapa):
    mapa -= mapa.max(axis=(-2, -1), keepdims=True)
    return soft_argmax_com_grade(mapa)


def test_soft_argmax_entrada_alterada_nomeia_mapa():
    resultado = verificar("soft-argmax", soft_argmax_no_lugar)
    assert resultado.estado == "incorreto" and resultado.diagnostico == "entrada-alterada"
    assert "sua função alterou o argumento `mapa` no lugar" in resultado.mensagem


def test_soft_argmax_formato_nomeia_o_par_por_mapa():
    resultado = verificar("soft-argmax", lambda mapa: soft_argmax_com_grade(mapa).ravel())
    assert resultado.diagnostico == "formato", resultado.mensagem
    assert "— mapa.shape[:-2] + (2,): um par (linha, coluna) por mapa;" in resultado.mensagem


def test_argmax_de_estudante():
    def argmax_unravel(mapa):
        mapa = np.asarray(mapa)
        planos = mapa.reshape(-1, *mapa.shape[-2:])
        pos = [np.unravel_index(np.argmax(m), m.shape) for m in planos]
        return np.array(pos, dtype=float).reshape(*mapa.shape[:-2], 2)

    assert verificar("soft-argmax", argmax_unravel).diagnostico == "argmax-duro"


def test_soft_argmax_float32_para_entrada_float64():
    resultado = verificar("soft-argmax", lambda m: soft_argmax_com_grade(m).astype(np.float32))
    assert resultado.diagnostico == "precisao", resultado.mensagem


def test_ingenuas_em_longdouble_sao_recusadas():
    # exp em np.longdouble só estoura depois de ~11356: passaria com logits nos milhares
    def softmax2d_longdouble(x):
        x = np.asarray(x, dtype=np.longdouble)
        with np.errstate(all="ignore"):
            e = np.exp(x)
            return (e / e.sum(axis=-3, keepdims=True)).astype(float)

    def soft_argmax_longdouble(mapa):
        m = np.asarray(mapa, dtype=np.longdouble)
        H, W = m.shape[-2:]
        with np.errstate(all="ignore"):
            e = np.exp(m)
            p = e / e.sum(axis=(-1, -2), keepdims=True)
        linha = (p.sum(axis=-1) * np.arange(H)).sum(axis=-1)
        coluna = (p.sum(axis=-2) * np.arange(W)).sum(axis=-1)
        return np.stack([linha, coluna], axis=-1).astype(float)

    assert verificar("softmax2d", softmax2d_longdouble).estado == "incorreto"
    assert verificar("soft-argmax", soft_argmax_longdouble).estado == "incorreto"
