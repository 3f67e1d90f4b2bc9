"""O mecanismo dos exercícios: registro, execução da resposta, comparação e diagnóstico.

Um exercício pede uma função. ``verificar`` roda a função do estudante e a de referência sobre
uma lista fixa de casos, do menor para o maior, e devolve um :class:`Resultado` com um de três
estados:

* ``"correto"`` — todos os casos conferem;
* ``"nao_tentado"`` — a resposta é ``None``, devolve ``None`` ou levanta ``NotImplementedError``
  (o esqueleto que o capítulo oferece);
* ``"incorreto"`` — com a menor entrada que falha (depois de encolhida), o esperado, o obtido e,
  quando o erro é conhecido, um diagnóstico.

O diagnóstico vem de um catálogo de respostas erradas plausíveis: se a resposta do estudante
coincide com uma delas em todos os casos que falham, a mensagem dessa resposta errada é dada.
Tudo é determinístico: os casos são fixos ou vêm de um gerador com semente.
"""

from __future__ import annotations

import copy
import difflib
import html
import inspect
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from companion.formatacao import Texto

__all__ = [
    "Caso",
    "ErroConhecido",
    "Exercicio",
    "Resultado",
    "Texto",
    "registrar",
    "obter",
    "ids",
]

# ---------------------------------------------------------------------------------------------
# Estruturas


@dataclass(frozen=True)
class Caso:
    """Uma entrada de teste: os argumentos posicionais passados à função."""

    args: tuple[Any, ...]


@dataclass(frozen=True)
class ErroConhecido:
    """Uma resposta errada plausível e o diagnóstico que a identifica."""

    nome: str
    funcao: Callable[..., Any]
    diagnostico: str


@dataclass(frozen=True)
class Exercicio:
    """Um exercício verificável.

    ``casos`` devolve a lista de casos em ordem crescente de tamanho; ``rtol``/``atol`` valem
    para entradas ``float64``; com entradas ``float32`` valem ``rtol32``/``atol32``. Com
    ``proibir_avisos``, um aviso do numpy (estouro, divisão por zero...) reprova o caso mesmo
    que o valor esteja certo.
    """

    id: str
    titulo: str
    parametros: tuple[str, ...]
    referencia: Callable[..., Any]
    casos: Callable[[], list[Caso]]
    dicas: tuple[str, ...]
    erros_conhecidos: tuple[ErroConhecido, ...] = ()
    sintomas: Callable[[Caso, np.ndarray, np.ndarray], tuple[str, str] | None] | None = None
    explicacao: str = ""
    rtol: float = 1e-9
    atol: float = 1e-12
    rtol32: float = 1e-5
    atol32: float = 1e-7
    proibir_avisos: bool = False


_REGISTRO: dict[str, Exercicio] = {}


def registrar(exercicio: Exercicio) -> Exercicio:
    """Acrescenta um exercício ao registro (ids são únicos)."""
    if exercicio.id in _REGISTRO:
        raise ValueError(f"já existe um exercício com id {exercicio.id!r}")
    _REGISTRO[exercicio.id] = exercicio
    return exercicio


def ids() -> list[str]:
    """Os ids de todos os exercícios registrados, em ordem de registro."""
    return list(_REGISTRO)


def obter(id: str) -> Exercicio:
    """O exercício de id ``id``; um id desconhecido dá ``ValueError`` com sugestões."""
    if not isinstance(id, str):
        raise TypeError(f"id deve ser o texto do id do exercício; recebido {id!r}")
    if id not in _REGISTRO:
        parecidos = difflib.get_close_matches(id, _REGISTRO, n=3)
        sugestao = f" Você quis dizer {', '.join(map(repr, parecidos))}?" if parecidos else ""
        raise ValueError(
            f"id de exercício desconhecido: {id!r}.{sugestao} Ids válidos: {', '.join(_REGISTRO)}."
        )
    return _REGISTRO[id]


# ---------------------------------------------------------------------------------------------
# O que o estudante vê


_ESTILO = {
    # símbolos de texto (e não emoji), presentes nas fontes comuns, como a DejaVu
    "correto": ("✔", "Correto!", "#1b7f3b", "#eaf6ee"),
    "nao_tentado": ("✎", "Ainda não tentado", "#7a6100", "#fdf6dc"),
    "incorreto": ("✘", "Incorreto", "#b3261e", "#fdecea"),
}


@dataclass(frozen=True)
class Resultado:
    """O resultado de :func:`companion.verificar`: verdadeiro só quando a resposta está correta.

    Attributes
    ----------
    ok : bool
        ``True`` se a resposta está correta.
    estado : str
        ``"correto"``, ``"nao_tentado"`` ou ``"incorreto"``.
    mensagem : str
        Explicação em português (entrada que falha, esperado, obtido, diagnóstico).
    diagnostico : str, opcional
        Nome do erro reconhecido (por exemplo ``"exp-ingenua"``), se houver.
    """

    id: str
    estado: str
    mensagem: str
    diagnostico: str | None = None
    detalhes: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def ok(self) -> bool:
        return self.estado == "correto"

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        icone, titulo, _, _ = _ESTILO[self.estado]
        return f"{icone} {titulo} [{self.id}]\n{self.mensagem}"

    def _repr_html_(self) -> str:
        icone, titulo, cor, fundo = _ESTILO[self.estado]
        return (
            f'<div class="companion-resultado companion-{self.estado}" '
            f'style="border-left: 4px solid {cor}; background: {fundo}; '
            f'padding: 0.5em 1em; margin: 0.5em 0;">'
            f'<strong style="color: {cor};">{icone} {titulo}</strong> '
            f"<code>{html.escape(self.id)}</code>"
            '<pre style="white-space: pre-wrap; background: none; border: none; '
            'margin: 0.4em 0 0;">'
            f"{html.escape(self.mensagem)}</pre></div>"
        )


# ---------------------------------------------------------------------------------------------
# Execução e comparação


@dataclass(frozen=True)
class _Saida:
    """O que uma função fez com um caso: um valor, ou uma exceção, e os avisos do numpy."""

    valor: Any = None
    excecao: BaseException | None = None
    avisos: tuple[str, ...] = ()


def _copiar(args: tuple[Any, ...]) -> tuple[Any, ...]:
    # a função do estudante pode alterar a entrada no lugar (x -= ...): cada chamada recebe
    # cópias; objetos com __copy__ (como um iterável de uma só passada) recebem um novo
    return tuple(
        a.copy() if isinstance(a, np.ndarray) else copy.copy(a) if hasattr(a, "__copy__") else a
        for a in args
    )


def _executar(funcao: Callable[..., Any], caso: Caso) -> _Saida:
    with warnings.catch_warnings(record=True) as capturados:
        warnings.simplefilter("always")
        # estouro negativo (underflow) para subnormal ou 0 é benigno e esperado: não conta
        with np.errstate(all="warn", under="ignore"):
            try:
                valor = funcao(*_copiar(caso.args))
            except NotImplementedError as erro:
                return _Saida(excecao=erro)
            except Exception as erro:  # o estudante pode errar de qualquer jeito
                avisos = tuple(str(a.message) for a in capturados)
                return _Saida(excecao=erro, avisos=avisos)
    avisos = tuple(dict.fromkeys(str(a.message) for a in capturados))
    return _Saida(valor=valor, avisos=avisos)


def _tolerancias(ex: Exercicio, caso: Caso) -> tuple[float, float]:
    """Tolerâncias do exercício, afrouxadas quando a entrada é float32 ou float16.

    Uma resposta correta que calcula em float32 (mantendo o dtype da entrada) erra por volta
    de 1e-7 relativo; uma que passa a float64 é mais exata. As duas devem passar.
    """
    reduzida = any(
        isinstance(a, np.ndarray) and a.dtype in (np.float32, np.float16) for a in caso.args
    )
    if not reduzida:
        return ex.rtol, ex.atol
    return ex.rtol32, ex.atol32


def _como_array(valor: Any) -> np.ndarray | None:
    try:
        arr = np.asarray(valor)
    except Exception:
        return None
    if arr.dtype.kind not in "biuf":
        return None
    return arr


def _confere(ex: Exercicio, caso: Caso, esperado: _Saida, obtido: _Saida) -> bool:
    if ex.proibir_avisos and obtido.avisos:
        return False
    if esperado.excecao is not None:  # a referência nunca falha nos casos; por segurança
        return obtido.excecao is not None and type(obtido.excecao) is type(esperado.excecao)
    if obtido.excecao is not None or obtido.valor is None:
        return False
    e = np.asarray(esperado.valor)
    o = _como_array(obtido.valor)
    if o is None or o.shape != e.shape:
        return False
    rtol, atol = _tolerancias(ex, caso)
    with np.errstate(all="ignore"):
        return bool(np.allclose(o.astype(np.float64), e, rtol=rtol, atol=atol, equal_nan=True))


def _iguais(ex: Exercicio, caso: Caso, a: _Saida, b: _Saida) -> bool:
    """Duas saídas quaisquer coincidem (para reconhecer um erro conhecido)?"""
    if ex.proibir_avisos and bool(a.avisos) != bool(b.avisos):
        return False
    if a.excecao is not None or b.excecao is not None:
        return (
            a.excecao is not None and b.excecao is not None and type(a.excecao) is type(b.excecao)
        )
    va, vb = _como_array(a.valor), _como_array(b.valor)
    if va is None or vb is None:
        return va is None and vb is None
    if va.shape != vb.shape:
        return False
    rtol, atol = _tolerancias(ex, caso)
    with np.errstate(all="ignore"):
        return bool(
            np.allclose(
                va.astype(np.float64), vb.astype(np.float64), rtol=rtol, atol=atol, equal_nan=True
            )
        )


def _encolher(ex: Exercicio, resposta: Callable[..., Any], caso: Caso) -> Caso:
    """Apaga linhas e colunas do primeiro argumento enquanto a resposta continuar falhando.

    Devolve a menor entrada encontrada com esse procedimento guloso (limitado a 300 tentativas).
    """
    tentativas = 0
    atual = caso
    mudou = True
    while mudou and tentativas < 300:
        mudou = False
        x = atual.args[0]
        if not isinstance(x, np.ndarray):
            break
        for eixo in range(x.ndim):
            if x.shape[eixo] <= 1:
                continue
            for i in range(x.shape[eixo]):
                tentativas += 1
                candidato = Caso((np.delete(x, i, axis=eixo), *atual.args[1:]))
                esperado = _executar(ex.referencia, candidato)
                if not _confere(ex, candidato, esperado, _executar(resposta, candidato)):
                    atual, mudou = candidato, True
                    break
            if mudou or tentativas >= 300:
                break
    return atual


def _formatar(valor: Any) -> str:
    if isinstance(valor, np.ndarray) or isinstance(valor, np.generic):
        with np.printoptions(precision=6, threshold=30, edgeitems=3):
            return (
                np.array_repr(np.asarray(valor))
                if isinstance(valor, np.ndarray)
                else repr(valor.item())
            )
    if isinstance(valor, BaseException):
        return f"{type(valor).__name__}: {valor}"
    texto = repr(valor)
    return texto if len(texto) <= 300 else texto[:297] + "..."


def _descrever_caso(ex: Exercicio, caso: Caso) -> str:
    return "\n".join(
        f"  {nome} = {_formatar(valor)}"
        for nome, valor in zip(ex.parametros, caso.args, strict=True)
    )


def _sintoma_generico(
    ex: Exercicio, caso: Caso, esperado: np.ndarray, obtido: _Saida
) -> tuple[str, str] | None:
    """Diagnóstico pelo sintoma, quando a resposta não coincide com nenhum erro do catálogo."""
    if obtido.excecao is not None:
        texto = str(obtido.excecao)
        if isinstance(obtido.excecao, ValueError) and "broadcast" in texto:
            return (
                "formato-broadcast",
                "formato: as operações não se alinharam (broadcast). Reduções como max e sum "
                "precisam de keepdims=True para que o resultado se alinhe com cada linha.",
            )
        return ("excecao", f"sua função levantou {type(obtido.excecao).__name__}: {texto}")
    valor = _como_array(obtido.valor)
    if ex.proibir_avisos and obtido.avisos and valor is not None and valor.shape == esperado.shape:
        rtol, atol = _tolerancias(ex, caso)
        with np.errstate(all="ignore"):
            certo = np.allclose(
                valor.astype(np.float64), esperado, rtol=rtol, atol=atol, equal_nan=True
            )
        if certo:
            return (
                "avisos",
                "o valor está certo, mas a função emitiu avisos do numpy. Algum cálculo "
                "intermediário estourou — mesmo que o resultado final não o use.",
            )
    if valor is None:
        return (
            "nao-numerico",
            f"a função deve devolver um array de números; devolveu {_formatar(obtido.valor)}",
        )
    if valor.shape != esperado.shape:
        return (
            "formato",
            f"formato errado: esperado {esperado.shape}, obtido {valor.shape}. "
            "A saída deve ter o mesmo formato da entrada.",
        )
    if ex.sintomas is not None:
        especifico = ex.sintomas(caso, esperado, valor)
        if especifico is not None:
            return especifico
    nao_finito = ~np.isfinite(valor) & np.isfinite(esperado)
    if nao_finito.any():
        if any("overflow" in a for a in obtido.avisos):
            return (
                "estouro",
                "estouro (overflow): alguma exponencial passou do maior número representável e "
                "virou inf. Subtraia o máximo de cada linha antes de exp.",
            )
        return ("nao-finito", "a saída tem inf ou nan onde o valor esperado é finito.")
    return None


def verificar_funcao(ex: Exercicio, resposta: Any) -> Resultado:
    """Corrige ``resposta`` (uma função) contra o exercício ``ex``."""
    nao_tentado = (
        f"Complete a função e rode a célula de novo. Peça uma dica com dica({ex.id!r}) se precisar."
    )
    if resposta is None:
        return Resultado(ex.id, "nao_tentado", "A resposta é None. " + nao_tentado)
    if not callable(resposta):
        raise TypeError(
            f"resposta deve ser uma função (o exercício {ex.id!r} pede "
            f"f({', '.join(ex.parametros)})); recebido {_formatar(resposta)} "
            f"(tipo {type(resposta).__name__})"
        )
    casos = ex.casos()
    saidas_ref = [_executar(ex.referencia, c) for c in casos]
    falhas: list[int] = []
    saidas_resp: list[_Saida] = []
    for i, (caso, ref) in enumerate(zip(casos, saidas_ref, strict=True)):
        obtido = _executar(resposta, caso)
        saidas_resp.append(obtido)
        if isinstance(obtido.excecao, NotImplementedError) or (
            obtido.excecao is None and obtido.valor is None
        ):
            if i == 0:
                return Resultado(
                    ex.id, "nao_tentado", "A função ainda não foi escrita. " + nao_tentado
                )
        if not _confere(ex, caso, ref, obtido):
            falhas.append(i)
    if not falhas:
        return Resultado(
            ex.id,
            "correto",
            f"Sua função passou nos {len(casos)} casos de teste, inclusive os extremos.",
        )

    # diagnóstico: o catálogo de erros conhecidos. Primeiro, um erro que falha exatamente nos
    # mesmos casos e coincide com a resposta neles; senão, um que coincida nos casos que falharam.
    diagnostico: tuple[str, str] | None = None
    candidatos: list[tuple[ErroConhecido, bool]] = []
    for erro in ex.erros_conhecidos:
        saidas_erro = [_executar(erro.funcao, c) for c in casos]
        if all(_iguais(ex, casos[i], saidas_resp[i], saidas_erro[i]) for i in falhas):
            falhas_erro = [
                i for i, c in enumerate(casos) if not _confere(ex, c, saidas_ref[i], saidas_erro[i])
            ]
            candidatos.append((erro, falhas_erro == falhas))
    if candidatos:
        # sorted é estável: entre os exatos (ou entre os demais), vale a ordem do catálogo
        erro, _ = sorted(candidatos, key=lambda par: not par[1])[0]
        diagnostico = (erro.nome, erro.diagnostico)

    primeiro = casos[falhas[0]]
    menor = _encolher(ex, resposta, primeiro)
    esperado = _executar(ex.referencia, menor)
    obtido = _executar(resposta, menor)
    if diagnostico is None:
        diagnostico = _sintoma_generico(ex, menor, np.asarray(esperado.valor), obtido)

    partes = [
        f"Falhou em {len(falhas)} de {len(casos)} casos. Menor entrada que falha:",
        _descrever_caso(ex, menor),
        f"Esperado: {_formatar(esperado.valor)}",
        "Obtido:   "
        + (_formatar(obtido.excecao) if obtido.excecao is not None else _formatar(obtido.valor)),
    ]
    if obtido.avisos:
        partes.append("Avisos do numpy: " + "; ".join(obtido.avisos))
    if diagnostico is not None:
        partes.append(f"Diagnóstico: {diagnostico[1]}")
    return Resultado(
        ex.id,
        "incorreto",
        "\n".join(partes),
        diagnostico=diagnostico[0] if diagnostico else None,
        detalhes={"entrada": menor.args, "esperado": esperado.valor, "obtido": obtido.valor},
    )


def codigo_fonte(funcao: Callable[..., Any]) -> str:
    """O código-fonte de uma função, para mostrar uma solução."""
    return inspect.getsource(funcao).rstrip() + "\n"


def formatar_dica(ex: Exercicio, nivel: int, dicas: Sequence[str]) -> Texto:
    total = len(dicas)
    return Texto(f"**Dica {nivel} de {total}** (`{ex.id}`): {dicas[nivel - 1]}")
