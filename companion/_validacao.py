"""Validação de entradas comum a todo o pacote.

Cada função pública converte e confere seus argumentos aqui, para que uma entrada ruim produza
sempre um ``ValueError``/``TypeError`` em português que nomeia o parâmetro, diz o que foi recebido
e o que se esperava — nunca um traceback vindo de dentro do numpy, nunca uma resposta errada
em silêncio.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "como_array_real",
    "normalizar_eixo",
    "normalizar_eixos",
    "real_positivo_finito",
    "descrever",
]


def descrever(valor: object, limite: int = 60) -> str:
    """Descrição curta de um valor recebido, para mensagens de erro."""
    if isinstance(valor, np.ndarray):
        return f"array de formato {valor.shape} e dtype {valor.dtype}"
    texto = repr(valor)
    if len(texto) > limite:
        texto = texto[: limite - 3] + "..."
    return f"{texto} (tipo {type(valor).__name__})"


def como_array_real(x: ArrayLike, nome: str = "x") -> tuple[np.ndarray, np.dtype]:
    """Converte ``x`` num array de ponto flutuante pronto para o cálculo.

    Regras de tipo (as do PyTorch, salvo inteiros): ``float32`` e ``float64`` mantêm o dtype;
    ``float16`` é calculado em ``float32`` e devolvido em ``float16``; inteiros, booleanos e
    listas de números viram ``float64``.

    Returns
    -------
    tuple
        ``(array_de_calculo, dtype_de_saida)``.

    Raises
    ------
    TypeError
        Se ``x`` não contém números reais (texto, ``None``, objetos, complexos).
    ValueError
        Se ``x`` é uma lista irregular (linhas de comprimentos diferentes).
    """
    try:
        arr = np.asarray(x)
    except ValueError as erro:  # listas irregulares: [[1, 2], [3]]
        raise ValueError(
            f"{nome} deve ser um array retangular de números reais; recebido {descrever(x)}, "
            "cujas linhas têm comprimentos diferentes"
        ) from erro
    tipo = arr.dtype
    if tipo.kind == "c":
        raise TypeError(
            f"{nome} deve conter números reais; recebido {descrever(x)}: "
            "números complexos não são suportados"
        )
    if tipo.kind not in "biuf":
        raise TypeError(
            f"{nome} deve conter números reais (int, float ou bool); recebido {descrever(x)}"
        )
    if tipo == np.float16:
        return arr.astype(np.float32), np.dtype(np.float16)
    if tipo.kind == "f":
        return arr, tipo
    return arr.astype(np.float64), np.dtype(np.float64)


def _inteiro(valor: object) -> bool:
    return isinstance(valor, numbers.Integral) and not isinstance(valor, (bool, np.bool_))


def normalizar_eixo(axis: object, ndim: int, nome: str = "axis") -> int:
    """Confere ``axis`` (um inteiro) e o devolve não negativo.

    Como no PyTorch, um array de 0 dimensões aceita ``axis`` igual a 0 ou -1.
    """
    if not _inteiro(axis):
        raise TypeError(f"{nome} deve ser um inteiro; recebido {descrever(axis)}")
    n = max(ndim, 1)
    eixo = int(axis)  # type: ignore[arg-type]
    if not -n <= eixo < n:
        raise ValueError(
            f"{nome} fora do intervalo: recebido {eixo} para um array de {ndim} dimensões; "
            f"esperado um inteiro de {-n} a {n - 1}"
        )
    return eixo % n


def normalizar_eixos(axis: object, ndim: int, nome: str = "axis") -> tuple[int, ...]:
    """Confere ``axis`` para uma redução: ``None`` (todos os eixos), um inteiro ou uma tupla."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, Sequence) and not isinstance(axis, str):
        eixos = tuple(normalizar_eixo(a, ndim, nome) for a in axis)
        if len(set(eixos)) != len(eixos):
            raise ValueError(f"{nome} repete um eixo: recebido {tuple(axis)}; cada eixo uma vez só")
        return eixos
    return (normalizar_eixo(axis, ndim, nome),)


def real_positivo_finito(valor: object, nome: str) -> float:
    """Confere que ``valor`` é um número real, finito e maior que zero (uma temperatura, p. ex.)."""
    if isinstance(valor, (bool, np.bool_)) or not isinstance(valor, numbers.Real):
        raise TypeError(f"{nome} deve ser um número real; recebido {descrever(valor)}")
    numero = float(valor)
    if not math.isfinite(numero) or numero <= 0:
        raise ValueError(f"{nome} deve ser um número finito maior que zero; recebido {numero!r}")
    return numero
