"""Testes de companion._validacao (as regras que todas as funções públicas compartilham)."""

from __future__ import annotations

import numpy as np
import pytest

from companion._validacao import (
    como_array_real,
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
