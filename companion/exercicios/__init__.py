"""Exercícios que se corrigem sozinhos.

A API do estudante tem três funções:

* :func:`verificar` — corrige a sua resposta e diz o que está errado;
* :func:`dica` — uma dica, da mais vaga (nível 1) à mais direta;
* :func:`solucao` — a solução de referência, com o código.

Examples
--------
>>> from companion.exercicios import verificar
>>> def minha_softmax(x):
...     raise NotImplementedError
>>> bool(verificar("softmax-estavel", minha_softmax))
False
>>> verificar("softmax-estavel", minha_softmax).estado
'nao_tentado'
"""

from __future__ import annotations

from typing import Any

# importar os módulos dos capítulos registra os seus exercícios
from companion.exercicios import (  # noqa: F401
    cap01_softmax,
    cap02_sigmoide,
    cap03_log_softmax,
    cap04_softmax2d,
    cap05_entropia_cruzada,
    cap06_gradientes,
    cap07_amostragem,
    cap08_online,
)
from companion.exercicios._nucleo import (
    Resultado,
    Texto,
    codigo_fonte,
    formatar_dica,
    ids,
    obter,
    verificar_funcao,
)

__all__ = ["verificar", "dica", "solucao", "Resultado", "ids"]


def verificar(id: str, resposta: Any) -> Resultado:
    """Corrige a resposta de um exercício.

    Parameters
    ----------
    id : str
        O id do exercício, como aparece no capítulo (por exemplo ``"softmax-estavel"``).
    resposta : callable
        A sua função. ``None``, ou uma função que devolve ``None`` ou levanta
        ``NotImplementedError``, conta como «ainda não tentado».

    Returns
    -------
    Resultado
        Verdadeiro só quando a resposta está correta; ``.ok``, ``.estado`` e ``.mensagem``
        explicam o veredito. Num notebook aparece como um quadro colorido.

    Raises
    ------
    ValueError
        Se ``id`` não é um exercício conhecido.
    TypeError
        Se ``resposta`` não é uma função.
    """
    return verificar_funcao(obter(id), resposta)


def dica(id: str, nivel: int = 1) -> Texto:
    """Uma dica para o exercício ``id``; ``nivel`` vai de 1 (vaga) até a mais direta.

    Raises
    ------
    ValueError
        Se ``id`` não é um exercício conhecido ou ``nivel`` está fora do intervalo.
    TypeError
        Se ``nivel`` não é um inteiro.
    """
    ex = obter(id)
    total = len(ex.dicas)
    if isinstance(nivel, bool) or not isinstance(nivel, int):
        raise TypeError(f"nivel deve ser um inteiro de 1 a {total}; recebido {nivel!r}")
    if not 1 <= nivel <= total:
        raise ValueError(
            f"nivel fora do intervalo: recebido {nivel}; o exercício {id!r} tem dicas "
            f"de 1 a {total}"
        )
    return formatar_dica(ex, nivel, ex.dicas)


def solucao(id: str) -> Texto:
    """A solução de referência do exercício ``id``: a explicação e o código.

    Raises
    ------
    ValueError
        Se ``id`` não é um exercício conhecido.
    """
    ex = obter(id)
    return Texto(
        f"**Solução** (`{ex.id}`): {ex.explicacao}\n\n```python\n{codigo_fonte(ex.referencia)}```\n"
    )
