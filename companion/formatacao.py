"""Números no texto do livro, no formato do português: vírgula decimal, sinal de menos tipográfico.

O código e as suas saídas usam ponto decimal, como o Python; a prosa usa vírgula. Para que nenhum
número do texto seja digitado à mão, os capítulos calculam o valor e o colam na prosa com
``glue`` (myst-nb), já formatado por estas funções. Elas devolvem ``str`` comum: o papel
``{glue:text}`` lê a representação do valor com ``ast.literal_eval``, e a de uma ``str`` é um
literal entre aspas — um texto como ``148,41`` sem aspas viraria a tupla ``(148, 41)``.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import numpy as np

__all__ = ["Texto", "num", "pct", "vetor", "cientifico", "cota", "avisos_do_numpy", "glue"]


class Texto(str):
    """Texto que o notebook mostra como é: sem aspas no texto puro e como Markdown."""

    def _repr_markdown_(self) -> str:
        return str(self)

    def __repr__(self) -> str:
        return str(self)


def _real(valor: object, nome: str) -> float:
    if isinstance(valor, bool) or not isinstance(valor, numbers.Real):
        raise TypeError(
            f"{nome} deve ser um número real; recebido {valor!r} (tipo {type(valor).__name__})"
        )
    try:
        return float(valor)
    except OverflowError:
        raise ValueError(
            f"{nome} não cabe num float: recebido um inteiro de {len(str(abs(int(valor))))} "
            "algarismos"
        ) from None


#: O maior número de casas decimais que faz sentido pedir (um float64 tem uns 17 algarismos).
MAX_CASAS = 20


def _casas(casas: object) -> int:
    if isinstance(casas, bool) or not isinstance(casas, numbers.Integral):
        raise TypeError(
            f"casas deve ser um inteiro de 0 a {MAX_CASAS}; recebido {casas!r} "
            f"(tipo {type(casas).__name__})"
        )
    if not 0 <= casas <= MAX_CASAS:
        raise ValueError(f"casas deve ser um inteiro de 0 a {MAX_CASAS}; recebido {casas}")
    return int(casas)


def num(valor: float, casas: int = 3) -> str:
    """``valor`` com ``casas`` casas decimais, vírgula decimal e “−” nos negativos.

    Examples
    --------
    >>> num(0.93407, 3)
    '0,934'
    >>> num(-1.5, 1)
    '−1,5'
    >>> num(1234567.891, 2)
    '1.234.567,89'
    """
    x = _real(valor, "valor")
    casas = _casas(casas)
    if not math.isfinite(x):
        return {math.inf: "∞", -math.inf: "−∞"}.get(x, "NaN")
    texto = f"{abs(x):,.{casas}f}".replace(",", "\0").replace(".", ",").replace("\0", ".")
    negativo = x < 0 and any(c not in "0,." for c in texto)
    return ("−" if negativo else "") + texto


_SOBRESCRITO = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def cientifico(valor: float, casas: int = 1) -> str:
    """Notação científica para a prosa: ``cientifico(4.54e-05)`` dá ``4,5 × 10⁻⁵``.

    Examples
    --------
    >>> cientifico(-1.9287e-22, 2)
    '−1,93 × 10⁻²²'
    >>> cientifico(3.0, 1)
    '3,0 × 10⁰'
    """
    x = _real(valor, "valor")
    casas = _casas(casas)
    if x == 0 or not math.isfinite(x):
        return num(x, casas)
    mantissa, expoente = f"{x:.{casas}e}".split("e")
    return f"{num(float(mantissa), casas)} × 10{str(int(expoente)).translate(_SOBRESCRITO)}"


def cota(valor: float) -> str:
    """Uma cota superior, em potência de 10, para uma diferença da ordem do arredondamento.

    Diferenças de arredondamento dependem do último bit de cada conta, que pode mudar com o
    processador (o numpy escolhe instruções SIMD diferentes em máquinas diferentes). Impressa
    como cota, a saída do notebook fica a mesma em toda máquina.

    Examples
    --------
    >>> cota(2.2e-16)
    '< 1e-15'
    >>> cota(0.0)
    '0'
    """
    x = abs(_real(valor, "valor"))
    if x == 0:
        return "0"
    if not math.isfinite(x):
        return num(x)
    return f"< 1e{math.floor(math.log10(x)) + 1}"


def pct(valor: float, casas: int = 1) -> str:
    """Uma fração como porcentagem: ``pct(0.934)`` dá ``93,4%``.

    Examples
    --------
    >>> pct(0.93407)
    '93,4%'
    """
    return f"{num(100 * _real(valor, 'valor'), _casas(casas))}%"


def vetor(valores: Iterable[float], casas: int = 3) -> str:
    """Um vetor na prosa: ``[0,047; 0,017; 0,934]`` (ponto e vírgula separa os elementos).

    Examples
    --------
    >>> vetor([0.0465, 0.0171, 0.9341], 2)
    '[0,05; 0,02; 0,93]'
    """
    casas = _casas(casas)
    if isinstance(valores, str | bytes) or not isinstance(valores, Iterable):
        raise TypeError(
            "valores deve ser uma sequência de números (uma lista, uma tupla, um array); "
            f"recebido {valores!r} (tipo {type(valores).__name__})"
        )
    numeros = []
    for v in valores:
        try:
            numeros.append(num(v, casas))
        except TypeError:
            raise TypeError(
                f"valores deve conter só números reais; recebido o elemento {v!r} "
                f"(tipo {type(v).__name__})"
            ) from None
    return "[" + "; ".join(numeros) + "]"


@contextmanager
def avisos_do_numpy() -> Iterator[None]:
    """Mostra os avisos emitidos dentro do bloco como linhas curtas, um de cada.

    O aviso padrão do Python traz o caminho de um arquivo temporário do kernel, que muda a cada
    execução; aqui fica só a categoria e a mensagem, para que a saída do notebook seja sempre a
    mesma.

    Examples
    --------
    >>> import numpy as np
    >>> with avisos_do_numpy():
    ...     _ = np.exp(np.array([1000.0]))
    ⚠ RuntimeWarning: overflow encountered in exp
    """
    with warnings.catch_warnings(record=True) as capturados:
        warnings.simplefilter("always")
        with np.errstate(all="warn"):
            yield
    vistos = dict.fromkeys(f"{a.category.__name__}: {a.message}" for a in capturados)
    for aviso in vistos:
        print(f"⚠ {aviso}")


def glue(nome: str, valor: object, display: bool = True) -> None:
    """Cola ``valor`` com o nome ``nome`` para a prosa do livro (o ``glue`` do myst-nb).

    Fora da construção do livro — num Jupyter sem o myst-nb, como o Colab — não há prosa onde
    colar: com ``display=False`` (como os capítulos usam), nada acontece; com ``display=True``, o
    valor é mostrado, como o myst-nb faria (fora do IPython, com ``print``). Nem o myst-nb nem o
    IPython são dependências do pacote.

    Examples
    --------
    >>> glue("x", num(0.5), display=False)   # no livro, {glue:text}`x` mostra 0,500
    """
    try:
        from myst_nb import glue as colar
    except ImportError:
        if display:
            try:
                from IPython.display import display as mostrar
            except ImportError:  # fora do Jupyter (um script, um terminal): só o texto
                mostrar = print
            mostrar(valor)
        return
    colar(nome, valor, display=display)
