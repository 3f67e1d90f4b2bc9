"""Testes de companion._validacao (as regras que todas as funções públicas compartilham)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
import torch
from numpy.testing import assert_array_equal

from companion._validacao import (
    como_array_real,
    converter_array,
    descrever,
    normalizar_eixo,
    normalizar_eixos,
    real_positivo_finito,
)


@pytest.mark.parametrize(
    "entrada, calculo, saida",
    [
        ([1, 2], np.float64, np.float64),
        (np.array([1, 2], dtype=np.uint8), np.float64, np.float64),
        (np.array([True]), np.float64, np.float64),
        (np.array([1.0], dtype=np.float16), np.float32, np.float16),
        (np.array([1.0], dtype=np.float32), np.float32, np.float32),
        (np.array([1.0]), np.float64, np.float64),
    ],
)
def test_regras_de_dtype(entrada, calculo, saida):
    arr, dtype_saida = como_array_real(entrada)
    assert arr.dtype == calculo and dtype_saida == saida


def test_nao_copia_float_desnecessariamente():
    x = np.array([1.0, 2.0])
    assert como_array_real(x)[0] is x


@pytest.mark.parametrize("eixo, ndim, esperado", [(-1, 3, 2), (0, 1, 0), (-1, 0, 0), (0, 0, 0)])
def test_normalizar_eixo(eixo, ndim, esperado):
    assert normalizar_eixo(eixo, ndim) == esperado


def test_normalizar_eixos():
    assert normalizar_eixos(None, 3) == (0, 1, 2)
    assert normalizar_eixos((-1, 0), 3) == (2, 0)
    assert normalizar_eixos(np.int64(1), 3) == (1,)
    with pytest.raises(TypeError, match="axis deve ser um inteiro"):
        normalizar_eixos("01", 3)


def test_eixo_de_array_sem_dimensoes():
    # como no torch, um escalar aceita axis 0 ou -1, e nada além
    with pytest.raises(
        ValueError, match="recebido 1 para um array de 0 dimensões; esperado um inteiro de -1 a 0"
    ):
        normalizar_eixo(1, 0)


def test_real_positivo_finito():
    assert real_positivo_finito(np.float32(0.5), "t") == 0.5
    assert real_positivo_finito(2, "t") == 2.0
    with pytest.raises(
        ValueError, match="t deve ser um número finito maior que zero; recebido -0.0"
    ):
        real_positivo_finito(-0.0, "t")


def test_descrever_encurta_valores_longos():
    texto = descrever(list(range(100)))
    assert texto.endswith("(tipo list)") and "..." in texto
    assert descrever(np.zeros((2, 3))) == "array de formato (2, 3) e dtype float64"


# ---------------------------------------------------------------------------------------------
# A regra do pacote para o que não é um array comum (issue 12, §3)


def test_tensores_do_torch_sao_convertidos_sem_o_autograd():
    com_grad = torch.tensor([1.0, 2.0], requires_grad=True)
    arr, dtype = como_array_real(com_grad)
    assert isinstance(arr, np.ndarray) and dtype == np.float32
    assert_array_equal(arr, [1.0, 2.0])
    # bfloat16 (que o numpy não tem) é calculado e devolvido em float32
    arr, dtype = como_array_real(torch.tensor([1.5], dtype=torch.bfloat16))
    assert arr.dtype == np.float32 and dtype == np.float32
    # float16 segue a regra de sempre; vistas com o bit de negação são resolvidas
    assert como_array_real(torch.tensor([1.0], dtype=torch.float16))[1] == np.float16
    assert_array_equal(como_array_real(-torch.tensor([1.0, 2.0]))[0], [-1.0, -2.0])
    assert converter_array(torch.tensor([1, 2])).dtype == np.int64


@pytest.mark.parametrize(
    "tensor, trecho",
    [
        (lambda: torch.tensor([1.0, 2.0]).to_sparse(), r"layout torch.sparse_coo.*to_dense"),
        (lambda: torch.empty(2, device="meta"), r"no dispositivo meta; .*passe x.cpu\(\)"),
    ],
)
def test_tensores_que_nao_viram_numpy(tensor, trecho):
    with pytest.raises(TypeError, match=trecho):
        como_array_real(tensor())


def test_arrays_mascarados():
    x = np.ma.array([1.0, 2.0, 3.0], mask=[0, 1, 0])
    with pytest.raises(TypeError, match=r"peso é um array mascarado \(numpy.ma\).*peso.filled"):
        como_array_real(x, "peso")
    arr, _ = como_array_real(x, "logits", mascarados_viram=-np.inf)
    assert_array_equal(arr, [1.0, -np.inf, 3.0])
    assert_array_equal(x.data, [1.0, 2.0, 3.0])  # a entrada não muda
    # inteiros mascarados passam a float64; sem nada mascarado, os dados como estão
    inteiros = np.ma.array([1, 2], mask=[1, 0])
    assert_array_equal(converter_array(inteiros, mascarados_viram=-np.inf), [-np.inf, 2.0])
    assert converter_array(np.ma.array([1, 2]), mascarados_viram=-np.inf).dtype == np.int64


def test_inteiros_enormes_e_objetos_numericos():
    with pytest.raises(
        ValueError, match=r"x contém um inteiro grande demais para um float64: recebido um "
        r"inteiro de 401 dígitos"
    ):
        como_array_real([10**400, 1.0])
    arr, dtype = como_array_real([10**20, Fraction(1, 2)])
    assert dtype == np.float64
    assert_array_equal(arr, [1e20, 0.5])
    with pytest.raises(TypeError, match=r"x deve conter números reais"):
        como_array_real([Decimal(1), 2])


@pytest.mark.parametrize(
    "valor, erro, trecho",
    [
        ([[1.0, 2.0], [3.0]], ValueError, r"alvo deve ser um array retangular .*comprimentos"),
        ([torch.tensor(1.0, requires_grad=True)], TypeError, r"alvo deve ser um array de números"),
    ],
)
def test_listas_que_nao_viram_array(valor, erro, trecho):
    with pytest.raises(erro, match=trecho):
        converter_array(valor, "alvo")


def test_real_positivo_finito_com_inteiro_enorme():
    with pytest.raises(ValueError, match=r"t deve ser um número finito maior que zero; recebido"):
        real_positivo_finito(10**400, "t")
