"""Exercícios que se corrigem sozinhos.

A API do estudante tem três funções:

* :func:`verificar` — corrige a sua resposta e diz o que está errado;
* :func:`dica` — uma dica, da mais vaga (nível 1) à mais direta;
* :func:`solucao` — a solução de referência, com o código;
* :func:`progresso` — o último veredito de cada exercício, neste computador.

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

import html
from dataclasses import dataclass
from typing import Any

# importar os módulos dos capítulos registra os seus exercícios
from companion.exercicios import (  # noqa: F401
    _progresso,
    cap01_softmax,
    cap02_sigmoide,
    cap03_log_softmax,
    cap04_softmax2d,
    cap05_entropia_cruzada,
    cap06_gradientes,
    cap07_amostragem,
    cap08_online,
    cap09_atencao,
    cap10_alternativas,
)
from companion.exercicios._nucleo import (
    _ESTILO,
    Resultado,
    Texto,
    codigo_fonte,
    formatar_dica,
    ids,
    obter,
    verificar_funcao,
)

__all__ = ["verificar", "dica", "solucao", "progresso", "Progresso", "Resultado", "ids"]

#: Os capítulos que têm exercícios, com os seus títulos.
CAPITULOS = {
    1: "Softmax",
    2: "Sigmoide e softmax",
    3: "Log-softmax e logsumexp",
    4: "Softmax2d",
    5: "Entropia cruzada",
    6: "Gradientes e retropropagação",
    7: "A cabeça do modelo de linguagem e a amostragem",
    8: "Softmax eficiente",
    9: "Softmax na atenção",
    10: "Além da softmax",
}


def verificar(id: str, resposta: Any) -> Resultado:
    """Corrige a resposta de um exercício.

    Parameters
    ----------
    id : str
        O id do exercício, como aparece no capítulo (por exemplo ``"softmax-estavel"``).
    resposta : callable
        A sua função. ``None``, ou uma função que levanta ``NotImplementedError`` (o
        esqueleto do capítulo), conta como “ainda não tentado”.

    Returns
    -------
    Resultado
        Verdadeiro só quando a resposta está correta; ``.ok``, ``.estado`` e ``.mensagem``
        explicam o veredito. Num notebook aparece como um quadro colorido. O veredito também
        fica guardado para :func:`companion.exercicios.progresso`.

    Raises
    ------
    ValueError
        Se ``id`` não é um exercício conhecido.

    Notes
    -----
    Nada que a resposta faça levanta uma exceção aqui: uma exceção da resposta, um valor de
    tipo errado, uma função que não termina (interrompida depois de alguns segundos) ou que
    altera os próprios argumentos, tudo vira um veredito “incorreto” com a explicação.
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


@dataclass(frozen=True)
class Progresso:
    """A tabela de :func:`progresso`: cada exercício e o seu último veredito."""

    linhas: tuple[tuple[int, str, str, str], ...]  # (capítulo, id, título, estado)

    @property
    def feitos(self) -> int:
        return sum(estado == "correto" for *_, estado in self.linhas)

    def _rotulo(self, estado: str) -> str:
        if estado == "nunca":
            return "· não verificado"
        icone, titulo, _, _ = _ESTILO[estado]
        return f"{icone} {titulo}"

    def __repr__(self) -> str:
        largura = max((len(i) for _, i, _, _ in self.linhas), default=2)
        texto = [f"Progresso: {self.feitos} de {len(self.linhas)} exercícios corretos"]
        capitulo_atual = None
        for capitulo, id_, titulo, estado in self.linhas:
            if capitulo != capitulo_atual:
                texto.append(f"Capítulo {capitulo} — {CAPITULOS.get(capitulo, '')}")
                capitulo_atual = capitulo
            texto.append(f"  {id_:<{largura}}  {self._rotulo(estado)}  ({titulo})")
        return "\n".join(texto)

    def _repr_html_(self) -> str:
        linhas = []
        for capitulo, id_, titulo, estado in self.linhas:
            cor = _ESTILO[estado][2] if estado in _ESTILO else "#555555"
            linhas.append(
                f"<tr><td>{capitulo}</td><td><code>{html.escape(id_)}</code></td>"
                f"<td>{html.escape(titulo)}</td>"
                f'<td style="color: {cor};">{html.escape(self._rotulo(estado))}</td></tr>'
            )
        return (
            '<div class="companion-progresso"><p><strong>Progresso:</strong> '
            f"{self.feitos} de {len(self.linhas)} exercícios corretos</p>"
            "<table><thead><tr><th>Capítulo</th><th>Exercício</th><th>Título</th>"
            "<th>Último veredito</th></tr></thead><tbody>"
            + "".join(linhas)
            + "</tbody></table></div>"
        )


def progresso(capitulo: int | None = None) -> Progresso:
    """Cada exercício do livro (ou de um capítulo) com o seu último veredito neste computador.

    Os vereditos de :func:`companion.verificar` ficam num pequeno arquivo JSON na pasta de dados do
    usuário (``$XDG_DATA_HOME/softmax-na-pratica/progresso.json``, ou
    ``~/.local/share/softmax-na-pratica/``; a variável ``COMPANION_PROGRESSO`` aponta outro
    arquivo). Um arquivo que falta ou está corrompido é recriado na próxima verificação.

    Parameters
    ----------
    capitulo : int, opcional
        O número do capítulo (1 a 10); sem ele, o livro inteiro.

    Returns
    -------
    Progresso
        Uma tabela, que o notebook mostra formatada.

    Raises
    ------
    TypeError
        Se ``capitulo`` não é um inteiro.
    ValueError
        Se o capítulo não tem exercícios.

    Examples
    --------
    >>> p = progresso(1)
    >>> [linha[1] for linha in p.linhas]
    ['softmax-estavel', 'temperatura']
    """
    if capitulo is not None:
        if isinstance(capitulo, bool) or not isinstance(capitulo, int):
            raise TypeError(
                f"capitulo deve ser o número inteiro de um capítulo; recebido {capitulo!r}"
            )
        if capitulo not in CAPITULOS or not ids(capitulo):
            raise ValueError(
                f"capitulo fora do intervalo: recebido {capitulo}; os capítulos com exercícios "
                f"são {', '.join(map(str, sorted(CAPITULOS)))}"
            )
    vereditos = _progresso.ler()
    linhas = tuple(
        (
            obter(id_).capitulo,
            id_,
            obter(id_).titulo,
            vereditos.get(id_, {}).get("estado", "nunca")
            if vereditos.get(id_, {}).get("estado") in _ESTILO
            else "nunca",
        )
        for id_ in ids(capitulo)
    )
    return Progresso(linhas)
