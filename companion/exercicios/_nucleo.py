"""O mecanismo dos exercícios: registro, execução da resposta, comparação e diagnóstico.

Um exercício pede uma função. ``verificar`` roda a função do estudante e a de referência sobre
uma lista fixa de casos, do menor para o maior, e devolve um :class:`Resultado` com um de três
estados:

* ``"correto"`` — todos os casos conferem (valores, formato, e nenhum argumento alterado);
* ``"nao_tentado"`` — a resposta é ``None`` ou levanta ``NotImplementedError`` (o esqueleto que o
  capítulo oferece);
* ``"incorreto"`` — com a menor entrada que falha (depois de encolhida, sempre uma entrada que a
  própria referência aceita), o esperado, o obtido e, quando há evidência, um diagnóstico.

O diagnóstico vem de um catálogo de respostas erradas plausíveis: ele só é dado quando as saídas
da resposta coincidem com as dessa resposta errada em todos os casos que falham (e, quando o erro
é de uma construção do código, como ``np.where``, quando o código da resposta a usa). Sem
catálogo que coincida, um sintoma observado nos valores (``nan`` onde o esperado é finito, linhas
que não somam 1, formato errado...) dá o diagnóstico.

A verificação nunca trava nem quebra: cada chamada da resposta tem um limite de tempo; o que a
resposta imprime é mostrado uma vez; uma exceção da resposta vira parte do veredito; os argumentos
são cópias, comparadas com os originais depois da chamada; os valores de referência são
calculados e copiados antes de a resposta rodar; e o que a resposta troca no numpy, no ``math``
ou nos ``builtins`` (``np.exp = ...``) é desfeito depois de cada chamada. Tudo é
determinístico: os casos são fixos ou vêm de um gerador com semente.
"""

from __future__ import annotations

import contextlib
import copy
import ctypes
import difflib
import html
import inspect
import io
import signal
import sys
import textwrap
import threading
import time
import tokenize
import warnings
from collections.abc import Callable, Iterator, Sequence
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
    "verificar_funcao",
]

#: Tempo máximo de uma chamada da resposta, em segundos, e da verificação inteira.
LIMITE_POR_CASO = 5.0
LIMITE_TOTAL = 30.0
#: Tempo máximo gasto procurando a menor entrada que falha.
LIMITE_ENCOLHER = 5.0

# ---------------------------------------------------------------------------------------------
# Estruturas


@dataclass(frozen=True)
class Caso:
    """Uma entrada de teste: os argumentos posicionais passados à função."""

    args: tuple[Any, ...]


@dataclass(frozen=True)
class ErroConhecido:
    """Uma resposta errada plausível e o diagnóstico que a identifica.

    ``no_codigo``: quando o erro é o uso de uma construção (por exemplo ``"where"``), o
    diagnóstico só é dado se o código da resposta usa um desses nomes (quando o código está
    disponível).
    """

    nome: str
    funcao: Callable[..., Any]
    diagnostico: str
    no_codigo: tuple[str, ...] = ()


@dataclass(frozen=True)
class Exercicio:
    """Um exercício verificável.

    ``casos`` devolve a lista de casos em ordem crescente de tamanho; ``rtol``/``atol`` valem
    para entradas ``float64``; com entradas ``float32`` valem ``rtol32``/``atol32``. Com
    ``proibir_avisos``, um aviso de ponto flutuante do numpy (estouro, divisão por zero,
    operação inválida) reprova o caso mesmo que o valor esteja certo. ``formato`` descreve, em
    português, o formato esperado da saída (aparece na mensagem quando o formato está errado).
    ``valido`` diz se uma entrada encolhida ainda é uma entrada do exercício (além de a
    referência aceitá-la). ``capitulo`` vem do nome do módulo (``capNN_...``).
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
    formato: str = "o mesmo formato da entrada"
    valido: Callable[[Caso], bool] | None = None
    capitulo: int = 0


_REGISTRO: dict[str, Exercicio] = {}


def _capitulo_do_modulo(modulo: str) -> int:
    nome = modulo.rsplit(".", 1)[-1]
    if nome.startswith("cap") and nome[3:5].isdigit():
        return int(nome[3:5])
    return 0


def registrar(exercicio: Exercicio) -> Exercicio:
    """Acrescenta um exercício ao registro (ids são únicos)."""
    if exercicio.id in _REGISTRO:
        raise ValueError(f"já existe um exercício com id {exercicio.id!r}")
    if not exercicio.capitulo:
        capitulo = _capitulo_do_modulo(getattr(exercicio.referencia, "__module__", ""))
        exercicio = Exercicio(**{**exercicio.__dict__, "capitulo": capitulo})
    _REGISTRO[exercicio.id] = exercicio
    return exercicio


def ids(capitulo: int | None = None) -> list[str]:
    """Os ids dos exercícios registrados (de um capítulo, ou de todos), em ordem de registro."""
    return [i for i, ex in _REGISTRO.items() if capitulo is None or ex.capitulo == capitulo]


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
# Execução com limite de tempo, saída capturada e argumentos conferidos


class _TempoEsgotado(BaseException):
    """Levantada dentro da resposta quando o limite de tempo acaba.

    Deriva de ``BaseException`` para que um ``except Exception`` da resposta não a engula.
    """


@dataclass(frozen=True)
class _Saida:
    """O que uma função fez com um caso."""

    valor: Any = None
    excecao: BaseException | None = None
    avisos: tuple[str, ...] = ()  # os avisos de ponto flutuante do numpy (estouro, inválido...)
    impresso: str = ""
    alterados: tuple[int, ...] = ()  # posições dos argumentos alterados no lugar
    tempo_esgotado: bool = False
    segundos: float = 0.0


def _copiar(valor: Any) -> Any:
    # a função do estudante pode alterar a entrada no lugar (x -= ...): cada chamada recebe
    # cópias; objetos com __copy__ (como um iterável de uma só passada) recebem um novo
    if isinstance(valor, np.ndarray):
        return valor.copy()
    if isinstance(valor, list | tuple):
        return type(valor)(_copiar(v) for v in valor)
    if hasattr(valor, "__copy__"):
        return copy.copy(valor)
    return valor


def _mesmo_valor(a: Any, b: Any) -> bool:
    """``a`` (o argumento depois da chamada) ainda é igual a ``b`` (a cópia guardada antes)?

    Só arrays, números e listas/tuplas deles são conferidos; outros objetos (como um fluxo de
    blocos, que a leitura consome por natureza) não.
    """
    if isinstance(b, np.ndarray):
        return (
            isinstance(a, np.ndarray)
            and a.shape == b.shape
            and a.dtype == b.dtype
            and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
        )
    if isinstance(b, list | tuple):
        return (
            isinstance(a, list | tuple)
            and len(a) == len(b)
            and all(_mesmo_valor(x, y) for x, y in zip(a, b, strict=True))
        )
    return True


class _Cronometro:
    """Interrompe a resposta com :class:`_TempoEsgotado` depois de ``segundos``.

    Na thread principal (o caso de um notebook), com ``SIGALRM``; fora dela, ou num sistema sem
    ``SIGALRM`` (Windows), uma thread de vigia injeta a exceção na thread que roda a resposta.
    Nos dois casos a interrupção acontece entre duas instruções Python: uma única operação longa
    do numpy termina antes de ser interrompida.
    """

    def __init__(self, segundos: float):
        self.segundos = segundos
        self.ativo = False
        self._anterior = None
        self._vigia: threading.Timer | None = None
        self._usa_sinal = (
            hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
        )

    def _disparar(self, *_):
        if self.ativo:
            self.ativo = False
            raise _TempoEsgotado

    def _injetar(self, alvo: int):
        if self.ativo:
            self.ativo = False
            ctypes.pythonapi.PyThreadState_SetAsyncExc(
                ctypes.c_ulong(alvo), ctypes.py_object(_TempoEsgotado)
            )

    def __enter__(self):
        self.ativo = True
        if self._usa_sinal:
            self._anterior = signal.signal(signal.SIGALRM, self._disparar)
            signal.setitimer(signal.ITIMER_REAL, self.segundos)
        else:
            self._vigia = threading.Timer(
                self.segundos, self._injetar, args=(threading.get_ident(),)
            )
            self._vigia.daemon = True
            self._vigia.start()
        return self

    def parar(self):
        self.ativo = False
        if self._usa_sinal:
            signal.setitimer(signal.ITIMER_REAL, 0)
        elif self._vigia is not None:
            self._vigia.cancel()

    def __exit__(self, *_):
        self.parar()
        if self._usa_sinal:
            signal.signal(signal.SIGALRM, self._anterior)
        return False


_AVISOS_DE_PONTO_FLUTUANTE = ("overflow", "invalid value", "divide by zero", "underflow")

#: Módulos cujos atributos a resposta pode trocar (``np.exp = ...``, ``np.allclose = ...``,
#: ``builtins.abs = ...``): cada chamada os fotografa antes e os restaura depois, para que a
#: comparação, o catálogo de erros e as verificações seguintes usem os originais.
_MODULOS_PROTEGIDOS = (
    "builtins",
    "math",
    "time",
    "warnings",
    "numpy",
    "numpy.linalg",
    "numpy.random",
    __name__,
)


def _fotografar_modulos() -> list[tuple[Any, dict[str, Any]]]:
    # também todo módulo do companion: uma resposta que troca uma referência
    # (``cap07.filtro_min_p = ...``) ou uma função de ``companion.sampling`` não pode mudar o
    # «esperado» das verificações seguintes
    nomes = list(_MODULOS_PROTEGIDOS) + [
        nome for nome in list(sys.modules) if nome == "companion" or nome.startswith("companion.")
    ]
    modulos = {id(m): m for m in (sys.modules.get(nome) for nome in nomes) if m is not None}
    return [(m, dict(vars(m))) for m in modulos.values()]


def _restaurar_modulos(fotos: list[tuple[Any, dict[str, Any]]]) -> None:
    ausente = object()
    for modulo, antes in fotos:
        atual = vars(modulo)
        for nome, valor in antes.items():
            if atual.get(nome, ausente) is not valor:
                atual[nome] = valor


def _texto_da_excecao(erro: BaseException) -> str:
    """``str(erro)``, sem quebrar com uma exceção cujo ``__str__`` quebra, e curto."""
    try:
        texto = str(erro)
    except BaseException:  # noqa: BLE001 — o __str__ é do estudante
        texto = f"<{type(erro).__name__} sem mensagem legível>"
    return texto if len(texto) <= 300 else texto[:297] + "..."


def _executar(funcao: Callable[..., Any], caso: Caso, limite: float | None = None) -> _Saida:
    if limite is None:
        limite = LIMITE_POR_CASO
    originais = tuple(_copiar(a) for a in caso.args)
    argumentos = tuple(_copiar(a) for a in caso.args)
    impresso = io.StringIO()
    valor, excecao, esgotado = None, None, False
    inicio = time.perf_counter()
    with (
        warnings.catch_warnings(record=True) as capturados,
        contextlib.redirect_stdout(impresso),
        contextlib.redirect_stderr(impresso),
    ):
        warnings.simplefilter("always")
        # underflow para subnormal ou 0 é benigno e esperado: não conta; np.printoptions()
        # desfaz um np.set_printoptions da resposta (que mudaria as mensagens seguintes)
        with np.errstate(all="warn", under="ignore"), np.printoptions():
            cronometro = _Cronometro(limite)
            fotos = _fotografar_modulos()
            try:
                with cronometro:
                    valor = funcao(*argumentos)
                    cronometro.parar()
                if inspect.iscoroutine(valor):
                    # uma função async devolve uma corrotina que nunca roda: fechá-la evita o
                    # «coroutine ... was never awaited» do Python, em inglês, mais tarde
                    valor.close()
            except _TempoEsgotado:
                esgotado = True
            except KeyboardInterrupt:  # o Ctrl-C de quem roda a célula
                raise
            except BaseException as erro:  # o estudante pode errar de qualquer jeito
                excecao = erro  # inclusive SystemExit (sys.exit(), exit())
            finally:
                _restaurar_modulos(fotos)
    segundos = time.perf_counter() - inicio
    if segundos > limite * 1.5:  # a resposta engoliu a interrupção, mas passou do limite
        esgotado = True
    avisos = tuple(
        dict.fromkeys(
            str(a.message)
            for a in capturados
            if issubclass(a.category, RuntimeWarning)
            and any(t in str(a.message) for t in _AVISOS_DE_PONTO_FLUTUANTE)
        )
    )
    alterados = tuple(
        i
        for i, (antes, depois) in enumerate(zip(originais, argumentos, strict=True))
        if not _mesmo_valor(depois, antes)
    )
    if esgotado:
        valor, excecao = None, None
    return _Saida(
        valor=valor,
        excecao=excecao,
        avisos=avisos,
        impresso=impresso.getvalue(),
        alterados=alterados,
        tempo_esgotado=esgotado,
        segundos=segundos,
    )


# ---------------------------------------------------------------------------------------------
# Comparação


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
    """O valor como array de números reais; ``None`` se não for (texto, objeto, complexo...)."""
    if valor is None or isinstance(valor, str | bytes):
        return None
    try:
        if callable(getattr(valor, "detach", None)) and callable(getattr(valor, "cpu", None)):
            # um tensor do torch com grad_fn (ou na GPU, ou bfloat16) não vira array direto
            valor = valor.detach().cpu()
            if str(getattr(valor, "dtype", "")) == "torch.bfloat16":
                valor = valor.float()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            arr = np.asarray(valor)
            if arr.dtype.kind == "O" and arr.size:
                # números de outras bibliotecas (mpmath.mpf, Fraction, Decimal) viram objetos;
                # se todos são reais, valem como números (None, texto, complexo: não)
                if not all(
                    isinstance(v, int | float | np.integer | np.floating)
                    or (hasattr(v, "__float__") and not isinstance(v, complex | str | bytes))
                    for v in arr.flat
                ):
                    return None
            elif arr.dtype.kind not in "biuf":
                return None
            return arr.astype(np.float64)
    except Exception:
        return None


def _proximos(ex: Exercicio, caso: Caso, a: np.ndarray, b: np.ndarray) -> bool:
    rtol, atol = _tolerancias(ex, caso)
    with np.errstate(all="ignore"):
        return bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))


def _valor_confere(ex: Exercicio, caso: Caso, esperado: Any, obtido: _Saida) -> bool:
    """Os valores e o formato conferem (sem olhar avisos nem argumentos alterados)?"""
    if obtido.excecao is not None or obtido.tempo_esgotado:
        return False
    e = _como_array(esperado)
    o = _como_array(obtido.valor)
    if e is None or o is None or o.shape != e.shape:
        return False
    return _proximos(ex, caso, o, e)


def _confere(ex: Exercicio, caso: Caso, esperado: _Saida, obtido: _Saida) -> bool:
    if obtido.alterados or (ex.proibir_avisos and obtido.avisos):
        return False
    return _valor_confere(ex, caso, esperado.valor, obtido)


def _tem_valor_informativo(saida: _Saida) -> bool:
    """A saída tem algum número que não é nan (ou é uma exceção, que já diz algo por si)?"""
    if saida.excecao is not None or saida.tempo_esgotado:
        return True
    valor = _como_array(saida.valor)
    if valor is None:
        return True
    with np.errstate(all="ignore"):
        return valor.size == 0 or not bool(np.isnan(valor).all())


def _iguais(ex: Exercicio, caso: Caso, a: _Saida, b: _Saida) -> bool:
    """Duas saídas quaisquer coincidem (para reconhecer um erro conhecido)?"""
    # os avisos só distinguem duas saídas que os têm: uma resposta que os silenciou
    # (np.errstate) ainda coincide, pelos valores, com o erro do catálogo que os emite
    if ex.proibir_avisos and a.avisos and b.avisos and set(a.avisos) != set(b.avisos):
        return False
    if a.tempo_esgotado or b.tempo_esgotado:
        return a.tempo_esgotado and b.tempo_esgotado
    if a.excecao is not None or b.excecao is not None:
        return (
            a.excecao is not None and b.excecao is not None and type(a.excecao) is type(b.excecao)
        )
    va, vb = _como_array(a.valor), _como_array(b.valor)
    if va is None or vb is None:
        return va is None and vb is None
    if va.shape != vb.shape:
        return False
    return _proximos(ex, caso, va, vb)


# ---------------------------------------------------------------------------------------------
# Encolhimento: a menor entrada que ainda falha


def _candidatos(caso: Caso) -> Iterator[Caso]:
    """Entradas menores: apaga a posição ``j`` de um eixo de um argumento e, junto, a mesma
    posição de todo outro argumento array que tem esse eixo com o mesmo tamanho (os alvos de
    cada linha de logits, o gradiente ``g`` de cada ``y``...)."""
    args = caso.args
    for i, x in enumerate(args):
        if not isinstance(x, np.ndarray):
            continue
        for eixo in range(x.ndim):
            n = x.shape[eixo]
            if n <= 1:
                continue
            for j in range(n):
                novos = list(args)
                for k, outro in enumerate(args):
                    if k == i:
                        novos[k] = np.delete(x, j, axis=eixo)
                    elif (
                        isinstance(outro, np.ndarray)
                        and outro.ndim > eixo
                        and outro.shape[eixo] == n
                    ):
                        novos[k] = np.delete(outro, j, axis=eixo)
                yield Caso(tuple(novos))


def _caso_valido(ex: Exercicio, caso: Caso) -> _Saida | None:
    """A saída da referência, se a entrada é válida (a referência a aceita, sem avisos)."""
    if ex.valido is not None:
        try:
            if not ex.valido(caso):
                return None
        except Exception:
            return None
    saida = _executar(ex.referencia, caso)
    if saida.excecao is not None or saida.tempo_esgotado or saida.valor is None or saida.avisos:
        return None
    if _como_array(saida.valor) is None:
        return None
    return saida


def _encolher(
    ex: Exercicio, resposta: Callable[..., Any], caso: Caso
) -> tuple[Caso, _Saida, _Saida] | None:
    """Apaga posições dos argumentos enquanto a resposta continuar falhando.

    Devolve a menor entrada encontrada com esse procedimento guloso, limitado em tentativas e
    em tempo, com as saídas da referência e da resposta nela (as mesmas que a fizeram falhar:
    nada é rodado de novo); ``None`` se nenhuma entrada menor falhou. Toda entrada devolvida
    é aceita pela referência.
    """
    inicio = time.perf_counter()
    tentativas = 0
    menor: tuple[Caso, _Saida, _Saida] | None = None
    atual = caso
    mudou = True
    while mudou:
        mudou = False
        for candidato in _candidatos(atual):
            tentativas += 1
            if tentativas > 300 or time.perf_counter() - inicio > LIMITE_ENCOLHER:
                return menor
            esperado = _caso_valido(ex, candidato)
            if esperado is None:
                continue
            obtido = _executar(resposta, candidato, limite=min(1.0, LIMITE_POR_CASO))
            if obtido.tempo_esgotado:
                continue
            if not _confere(ex, candidato, esperado, obtido):
                menor = (candidato, esperado, obtido)
                atual, mudou = candidato, True
                break
    return menor


# ---------------------------------------------------------------------------------------------
# Formatação


def _repr_seguro(valor: Any) -> str:
    try:
        texto = repr(valor)
    except Exception:
        texto = f"<{type(valor).__name__} sem representação>"
    return texto if len(texto) <= 300 else texto[:297] + "..."


def _formatar(valor: Any, precisao: int = 6) -> str:
    if isinstance(valor, np.ndarray | np.generic):
        with np.printoptions(precision=precisao, threshold=30, edgeitems=3):
            if isinstance(valor, np.ndarray):
                return np.array_repr(valor)
            return repr(valor.item())
    if isinstance(valor, BaseException):
        return f"{type(valor).__name__}: {_texto_da_excecao(valor)}"
    if isinstance(valor, list | tuple) and valor and _como_array(valor) is not None:
        try:
            simples = np.asarray(valor).tolist()  # np.float64(1.0) -> 1.0
        except Exception:
            simples = valor
        texto = _repr_seguro(type(valor)(simples) if isinstance(simples, list) else simples)
        return texto
    if isinstance(valor, float):
        curto = repr(valor)
        return curto if precisao > 6 or len(curto) <= 10 else f"{valor:.{precisao}g}"
    return _repr_seguro(valor)


def _par_formatado(esperado: Any, obtido: Any) -> tuple[str, str, str | None]:
    """Esperado e obtido com os dígitos que diferem: se os dois textos saem iguais com 6
    casas, mais casas; se ainda iguais, a diferença (ou os dtypes)."""
    a, b = _formatar(esperado), _formatar(obtido)
    if a != b:
        return a, b, None
    a, b = _formatar(esperado, 17), _formatar(obtido, 17)
    ea, eb = _como_array(esperado), _como_array(obtido)
    nota = None
    if ea is not None and eb is not None and ea.shape == eb.shape:
        with np.errstate(all="ignore"):
            dif = eb - ea
        with np.printoptions(precision=3, threshold=30, edgeitems=3):
            nota = f"Diferença (obtido − esperado): {np.array_repr(dif) if dif.ndim else dif}"
    if a == b:
        tipo_a = getattr(esperado, "dtype", type(esperado).__name__)
        tipo_b = getattr(obtido, "dtype", type(obtido).__name__)
        if str(tipo_a) != str(tipo_b):
            nota = f"Os valores coincidem; os tipos diferem: esperado {tipo_a}, obtido {tipo_b}."
        else:
            nota = None  # o problema está em outro lugar (avisos, argumento alterado)
    return a, b, nota


def _descrever_caso(ex: Exercicio, caso: Caso) -> str:
    return "\n".join(
        f"  {nome} = {_formatar(valor)}"
        for nome, valor in zip(ex.parametros, caso.args, strict=True)
    )


def _nomes_alterados(ex: Exercicio, alterados: Sequence[int]) -> str:
    nomes = [f"`{ex.parametros[i]}`" for i in alterados]
    return nomes[0] if len(nomes) == 1 else ", ".join(nomes[:-1]) + " e " + nomes[-1]


# ---------------------------------------------------------------------------------------------
# Diagnóstico pelo sintoma


def _sintoma_generico(
    ex: Exercicio, caso: Caso, esperado: Any, obtido: _Saida
) -> tuple[str, str] | None:
    """Diagnóstico pelo sintoma, quando a resposta não coincide com nenhum erro do catálogo."""
    if obtido.tempo_esgotado:
        return (
            "tempo-esgotado",
            f"sua função passou de {LIMITE_POR_CASO:g} s neste caso e foi interrompida: um laço "
            "que não termina, ou uma conta muito mais lenta que o necessário (um laço Python por "
            "elemento, ou um algoritmo quadrático).",
        )
    if obtido.excecao is not None:
        texto = _texto_da_excecao(obtido.excecao)
        if isinstance(obtido.excecao, ValueError) and "broadcast" in texto:
            return (
                "formato-broadcast",
                "formato: as operações não se alinharam (broadcast). Reduções como max e sum "
                "precisam de keepdims=True para que o resultado se alinhe com cada linha.",
            )
        return (
            "excecao",
            f"sua função levantou {type(obtido.excecao).__name__}: {texto}. O erro é da sua "
            "função, na entrada acima.",
        )
    e = _como_array(esperado)
    if obtido.valor is None:
        return (
            "devolveu-none",
            "sua função devolveu None — faltou o `return`?",
        )
    valor = _como_array(obtido.valor)
    bruto = obtido.valor
    if (
        valor is None
        and e is not None
        and isinstance(bruto, np.ndarray)
        and bruto.dtype.kind in "biuf"
        and bruto.shape != e.shape
    ):
        # números, mas grandes demais para converter (como np.broadcast_to(0.0, (10**6, 10**6)))
        return (
            "formato",
            f"formato errado: esperado {e.shape} — {ex.formato}; obtido {bruto.shape}.",
        )
    if valor is None:
        return (
            "nao-numerico",
            "a função deve devolver números (um array, ou um número), com formato "
            f"{e.shape if e is not None else '?'} — {ex.formato}; devolveu "
            f"{_formatar(obtido.valor)} (tipo {type(obtido.valor).__name__})",
        )
    if e is None:
        return None
    if valor.shape != e.shape:
        if valor.size == e.size and _proximos(ex, caso, valor.reshape(e.shape), e):
            extra = " Os valores estão certos; só o formato não."
        else:
            extra = ""
        return (
            "formato",
            f"formato errado: esperado {e.shape} — {ex.formato}; obtido {valor.shape}.{extra}",
        )
    if _proximos(ex, caso, valor, e):
        if obtido.alterados:
            return None  # o valor está certo: o problema é o argumento alterado (dito à parte)
        if ex.proibir_avisos and obtido.avisos:
            return (
                "avisos",
                "o valor está certo, mas a função emitiu avisos do numpy. Algum cálculo "
                "intermediário estourou — mesmo que o resultado final não o use.",
            )
        return None
    if ex.sintomas is not None:
        especifico = ex.sintomas(caso, e, valor)
        if especifico is not None:
            return especifico
    with np.errstate(all="ignore"):
        nao_finito = ~np.isfinite(valor) & np.isfinite(e)
        zerado = (valor == 0) & (np.abs(e) >= np.finfo(np.float64).tiny) & np.isfinite(e)
    if nao_finito.any():
        if any("overflow" in a for a in obtido.avisos):
            return (
                "estouro",
                "estouro (overflow): alguma exponencial passou do maior número representável e "
                "virou inf. Subtraia o máximo de cada linha antes de exp.",
            )
        return (
            "nao-finito",
            "a saída tem inf ou nan onde o valor esperado é finito — o sinal de uma conta que "
            "estourou (mesmo que nenhum aviso tenha aparecido).",
        )
    if zerado.any() and not np.any(e == 0):
        return (
            "zerado",
            "a saída tem 0 onde o valor esperado não é 0: alguma conta intermediária estourou "
            "(overflow) ou virou 0 (underflow) e levou o resultado junto.",
        )
    tipo = getattr(obtido.valor, "dtype", None)
    if tipo is not None and tipo in (np.float32, np.float16):
        rtol32, atol32 = ex.rtol32, ex.atol32
        with np.errstate(all="ignore"):
            if np.allclose(valor, e, rtol=rtol32, atol=atol32, equal_nan=True):
                return (
                    "precisao",
                    f"os valores estão certos só até a precisão de {tipo}: a entrada é float64, "
                    f"e a sua função devolveu {tipo}. Calcule e devolva em float64.",
                )
    return None


# ---------------------------------------------------------------------------------------------
# O veredito


def _nomes_no_codigo(resposta: Callable[..., Any]) -> set[str] | None:
    """Os nomes (identificadores e atributos) usados no código da resposta, sem o nome da
    própria função; ``None`` quando o código não está disponível (uma função embutida...)."""
    try:
        fonte = textwrap.dedent(inspect.getsource(resposta))
        nomes = {
            t.string
            for t in tokenize.generate_tokens(io.StringIO(fonte).readline)
            if t.type == tokenize.NAME
        }
    except Exception:
        return None
    return nomes - {getattr(resposta, "__name__", "")}


def verificar_funcao(ex: Exercicio, resposta: Any) -> Resultado:
    """Corrige ``resposta`` (uma função) contra o exercício ``ex``; nunca levanta por causa da
    resposta: todo caminho termina num :class:`Resultado`."""
    resultado = _verificar(ex, resposta)
    from companion.exercicios import _progresso

    _progresso.registrar_veredito(ex.id, resultado.estado)
    return resultado


def _verificar(ex: Exercicio, resposta: Any) -> Resultado:
    nao_tentado = (
        f"Complete a função e rode a célula de novo. Peça uma dica com dica({ex.id!r}) se precisar."
    )
    assinatura = f"f({', '.join(ex.parametros)})"
    if resposta is None:
        return Resultado(ex.id, "nao_tentado", "A resposta é None. " + nao_tentado)
    if not callable(resposta):
        return Resultado(
            ex.id,
            "incorreto",
            f"A resposta deve ser uma função (o exercício {ex.id!r} pede {assinatura}); "
            f"recebido {_formatar(resposta)} (tipo {type(resposta).__name__}). Passe a própria "
            "função, sem parênteses: verificar(id, minha_funcao), e não minha_funcao(...).",
            diagnostico="nao-e-funcao",
        )

    casos = ex.casos()
    # a referência roda antes da resposta, e os seus valores são copiados: nada que a resposta
    # faça muda o que se compara
    saidas_ref = [_executar(ex.referencia, c) for c in casos]
    saidas_ref = [copy.deepcopy(s) for s in saidas_ref]

    inicio = time.perf_counter()
    falhas: list[int] = []
    saidas_resp: dict[int, _Saida] = {}
    for i, (caso, ref) in enumerate(zip(casos, saidas_ref, strict=True)):
        obtido = _executar(resposta, caso)
        saidas_resp[i] = obtido
        if not _confere(ex, caso, ref, obtido):
            falhas.append(i)
        if obtido.tempo_esgotado or (
            time.perf_counter() - inicio > LIMITE_TOTAL and i + 1 < len(casos)
        ):
            break  # não roda os casos seguintes: a verificação não pode travar o notebook

    if all(isinstance(s.excecao, NotImplementedError) for s in saidas_resp.values()):
        # o esqueleto: NotImplementedError em todo caso (uma resposta que só a levanta para
        # alguns formatos, como 1-D, foi tentada e está incompleta)
        return Resultado(ex.id, "nao_tentado", "A função ainda não foi escrita. " + nao_tentado)

    impressos = [s.impresso for s in saidas_resp.values() if s.impresso.strip()]
    avisos_extra: list[str] = []
    if impressos:
        texto = impressos[0].rstrip()
        if len(texto) > 600:
            texto = texto[:600] + " [...]"
        avisos_extra.append(
            "Sua função imprimiu (mostrado uma vez, da primeira chamada que imprimiu):\n" + texto
        )

    ultimo = max(saidas_resp)
    if not falhas and ultimo + 1 < len(casos):
        # parou antes do fim por tempo total, sem falha: os valores conferem, o tempo não
        rodados = ultimo + 1
        gasto = sum(s.segundos for s in saidas_resp.values())

        def segundos(valor: float) -> str:  # com vírgula decimal, como o resto do livro
            return f"{valor:.1f}".replace(".", ",")

        return Resultado(
            ex.id,
            "incorreto",
            "\n".join(
                [
                    f"A verificação parou por tempo: os {rodados} primeiros casos (de "
                    f"{len(casos)}) conferem, mas a sua função levou {segundos(gasto)} s neles "
                    f"(em média {segundos(gasto / rodados)} s por caso), e o limite para todos "
                    f"os casos juntos é de {LIMITE_TOTAL:g} s. Os outros casos não foram rodados.",
                    "Diagnóstico: sua função está lenta demais — estas entradas são pequenas e "
                    "a conta leva milissegundos. Procure um laço Python desnecessário, uma "
                    "espera (time.sleep) ou um trabalho repetido a cada chamada.",
                ]
                + avisos_extra
            ),
            diagnostico="tempo-total",
        )
    if not falhas:
        return Resultado(
            ex.id,
            "correto",
            "\n".join(
                [f"Sua função passou nos {len(casos)} casos de teste, inclusive os extremos."]
                + avisos_extra
            ),
        )
    return _veredito_incorreto(ex, resposta, casos, saidas_ref, saidas_resp, falhas, avisos_extra)


def _veredito_incorreto(
    ex: Exercicio,
    resposta: Callable[..., Any],
    casos: list[Caso],
    saidas_ref: list[_Saida],
    saidas_resp: dict[int, _Saida],
    falhas: list[int],
    avisos_extra: list[str],
) -> Resultado:
    primeiro = falhas[0]
    obtido_primeiro = saidas_resp[primeiro]
    lento = obtido_primeiro.tempo_esgotado

    # diagnóstico: o catálogo de erros conhecidos. Primeiro, um erro que falha exatamente nos
    # mesmos casos e coincide com a resposta neles; senão, um que coincida nos casos que falharam.
    diagnostico: tuple[str, str] | None = None
    if not lento:
        nomes = _nomes_no_codigo(resposta)
        rodados = sorted(saidas_resp)
        candidatos: list[tuple[ErroConhecido, bool]] = []
        for erro in ex.erros_conhecidos:
            if erro.no_codigo and nomes is not None and not nomes & set(erro.no_codigo):
                continue
            saidas_erro = {i: _executar(erro.funcao, casos[i]) for i in rodados}
            if not all(_iguais(ex, casos[i], saidas_resp[i], saidas_erro[i]) for i in falhas):
                continue
            falhas_erro = [
                i for i in rodados if not _confere(ex, casos[i], saidas_ref[i], saidas_erro[i])
            ]
            # evidência: o erro do catálogo também falha em cada caso em que a resposta falhou
            # (uma resposta de valores certos que só altera a entrada não é «máximo global»)
            if set(falhas) <= set(falhas_erro):
                candidatos.append((erro, falhas_erro == falhas))
        if not any(_tem_valor_informativo(saidas_resp[i]) for i in falhas):
            # nan == nan não é evidência: se a resposta só deu nan nos casos que falham,
            # qualquer erro que também dê nan «coincidiria»; só vale o que falha nos mesmos casos
            candidatos = [par for par in candidatos if par[1]]
        if candidatos:
            # sorted é estável: entre os exatos (ou entre os demais), vale a ordem do catálogo
            erro, _ = sorted(candidatos, key=lambda par: not par[1])[0]
            diagnostico = (erro.nome, erro.diagnostico)

    if lento:
        menor, esperado, obtido = casos[primeiro], saidas_ref[primeiro], obtido_primeiro
    else:
        encolhido = _encolher(ex, resposta, casos[primeiro])
        if encolhido is None:
            menor, esperado, obtido = casos[primeiro], saidas_ref[primeiro], obtido_primeiro
        else:
            menor, esperado, obtido = encolhido
    if diagnostico is None:
        diagnostico = _sintoma_generico(ex, menor, esperado.valor, obtido)

    partes = [
        f"Falhou em {len(falhas)} de {len(casos)} casos. "
        + ("Entrada em que a sua função passou do tempo:" if lento else "Menor entrada que falha:"),
        _descrever_caso(ex, menor),
    ]
    if lento:
        partes.append(f"Esperado: {_formatar(esperado.valor)}")
        partes.append(f"Obtido:   nada — interrompida depois de {LIMITE_POR_CASO:g} s")
    elif obtido.excecao is not None:
        partes.append(f"Esperado: {_formatar(esperado.valor)}")
        partes.append(f"Obtido:   {_formatar(obtido.excecao)}")
    else:
        a, b, nota = _par_formatado(esperado.valor, obtido.valor)
        partes += [f"Esperado: {a}", f"Obtido:   {b}"]
        if obtido.alterados and _valor_confere(ex, menor, esperado.valor, obtido):
            partes.append("Os valores estão certos: o que falhou foi o argumento alterado.")
        elif nota and not obtido.alterados:
            partes.append(nota)
    if obtido.avisos:
        partes.append("Avisos do numpy: " + "; ".join(obtido.avisos))
    alterados = obtido.alterados or next(
        (saidas_resp[i].alterados for i in falhas if saidas_resp[i].alterados), ()
    )
    if alterados:
        nomes = _nomes_alterados(ex, alterados)
        aviso = (
            f"sua função alterou o argumento {nomes} no lugar (por exemplo com `x -= ...`, "
            "`x /= ...` ou `np.exp(x, out=x)`): quem chama perde os dados originais. Trabalhe "
            "numa cópia, ou escreva `x = x - ...` em vez de `x -= ...`."
        )
        if diagnostico is None:
            diagnostico = ("entrada-alterada", aviso)
        else:
            avisos_extra = [*avisos_extra, "Além disso, " + aviso]
    if diagnostico is not None:
        partes.append(f"Diagnóstico: {diagnostico[1]}")
    partes += avisos_extra
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
