"""Figuras do livro: um estilo comum e os gráficos que os capítulos reutilizam."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from companion.formatacao import num

try:
    # o matplotlib é opcional para o resto do pacote (o extra “graficos” o declara)
    import matplotlib as mpl
    import matplotlib.scale as _escalas
    import matplotlib.ticker as _ticker
except ModuleNotFoundError:
    raise ModuleNotFoundError(
        "companion.graficos precisa do matplotlib, que não está instalado. Instale-o com "
        'pip install "companion[graficos]" (ou pip install matplotlib) e reinicie o kernel.',
        name="matplotlib",
    ) from None

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["CORES", "estilo", "barras", "virgula_decimal"]

#: A paleta do livro, de Okabe e Ito, legível por daltônicos (na ordem do ciclo de cores).
CORES = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")


def estilo(virgula: bool = True) -> None:
    """Aplica o estilo das figuras do livro (tamanho, fontes, grade, paleta, vírgula decimal).

    Parameters
    ----------
    virgula : bool, opcional
        Se verdadeiro (o padrão), toda figura desenhada daqui em diante escreve os números dos
        eixos em pt-BR, como :func:`virgula_decimal` faria: cada escala do matplotlib (linear,
        log, symlog, logit, asinh, função) passa a instalar, ao criar um eixo ou ao trocar de
        escala, os formatadores padrão já convertidos. Isso muda as classes de escala do
        matplotlib neste processo (é um estado global, como os ``rcParams`` que esta função
        também muda); ``estilo(virgula=False)`` desfaz a mudança. Formatadores que o código
        instala depois (``set_major_formatter``) não são tocados: chame
        :func:`virgula_decimal` depois de desenhar.
    """
    mpl.rcParams.update(
        {
            "figure.figsize": (8.0, 3.6),
            "figure.dpi": 110,
            "savefig.dpi": 110,
            "font.size": 11,
            "axes.titlesize": 12,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.prop_cycle": mpl.cycler(color=list(CORES)),
            "axes.formatter.use_locale": False,
            "figure.constrained_layout.use": True,
        }
    )
    _figura_como_texto()
    _virgula_automatica(virgula)


def _figura_como_texto() -> None:
    """Num notebook, o texto alternativo de uma figura vira “(figura)”.

    O backend inline guarda, ao lado do PNG, um texto como ``<Figure size 880x396 with 2 Axes>``
    (o nbval compara esse texto, então ele não pode simplesmente sumir); trocamo-lo por um
    texto estável, sem tamanhos em pixels.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # fora do IPython não há o que ajustar
        return
    shell = get_ipython()
    if shell is None:
        return
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    # o backend inline só se ativa na primeira figura, e ao ativar-se apaga os formatadores de
    # Figure; ativá-lo agora faz o nosso valer desde a primeira figura
    plt.switch_backend(mpl.rcParams["backend"])
    formatador = shell.display_formatter.formatters["text/plain"]
    formatador.for_type(Figure, lambda figura, p, ciclo: p.text("(figura)"))


# ---------------------------------------------------------------------------------------------
# vírgula decimal nos eixos

#: Formatadores numéricos do matplotlib que recebem a vírgula decimal (com as suas subclasses:
#: LogFormatter cobre LogFormatterSciNotation, LogFormatterMathtext e LogFormatterExponent;
#: ScalarFormatter cobre EngFormatter). Ficam de fora os que escrevem texto (FixedFormatter,
#: o das categorias), as funções do usuário (FuncFormatter) e os de datas.
_NUMERICOS: tuple[type, ...] = (
    _ticker.ScalarFormatter,
    _ticker.LogFormatter,
    _ticker.LogitFormatter,
    _ticker.EngFormatter,
    _ticker.PercentFormatter,
    _ticker.FormatStrFormatter,
    _ticker.StrMethodFormatter,
)


def _com_virgula(texto: str) -> str:
    """Troca o ponto decimal por vírgula e o hífen por “−” num rótulo do matplotlib.

    Fora do modo matemático (entre ``$``), ``.`` vira ``,`` e ``-`` vira ``−``; dentro dele,
    ``.`` vira ``{,}`` (as chaves impedem o mathtext de pôr um espaço depois da vírgula, como
    faz com a pontuação) e o ``-`` fica, porque o mathtext já o desenha como sinal de menos.
    Potências de dez (``$\\mathdefault{10^{-3}}$``) não têm ponto e saem como estavam. Aplicar
    duas vezes dá o mesmo texto.
    """
    if not isinstance(texto, str) or not texto:
        return texto
    partes = texto.split("$")
    for i, parte in enumerate(partes):
        if i % 2:  # dentro de $...$
            partes[i] = parte.replace(".", "{,}")
        else:
            partes[i] = parte.replace(".", ",").replace("-", "\N{MINUS SIGN}")
    return "$".join(partes)


class _VirgulaDecimal:
    """Mistura que passa pelo :func:`_com_virgula` tudo o que o formatador escreve."""

    def __call__(self, x: Any, pos: Any = None) -> str:
        return _com_virgula(super().__call__(x, pos))  # type: ignore[misc]

    def get_offset(self) -> str:
        return _com_virgula(super().get_offset())  # type: ignore[misc]

    def format_data(self, value: Any) -> str:
        return _com_virgula(super().format_data(value))  # type: ignore[misc]

    def format_data_short(self, value: Any) -> str:
        return _com_virgula(super().format_data_short(value))  # type: ignore[misc]


@functools.cache
def _classe_com_virgula(classe: type) -> type:
    """A subclasse de ``classe`` que escreve com vírgula (uma só por classe)."""
    return type(
        classe.__name__ + "ComVirgula",
        (_VirgulaDecimal, classe),
        {"__module__": __name__, "__qualname__": classe.__name__ + "ComVirgula"},
    )


def _converter(formatador: Any) -> None:
    """Troca, no próprio objeto, a classe de um formatador numérico pela versão com vírgula.

    Trocar a classe (em vez de criar outro formatador) preserva o estado (``useOffset``,
    ``base``, casas) e quem guarda o mesmo objeto (a barra de cores, eixos compartilhados)
    vê a mudança; ``isinstance(f, ScalarFormatter)`` continua verdadeiro, de modo que
    ``ax.ticklabel_format`` segue funcionando.
    """
    classe = type(formatador)
    if isinstance(formatador, _VirgulaDecimal) or not isinstance(formatador, _NUMERICOS):
        return
    formatador.__class__ = _classe_com_virgula(classe)


def _converter_eixo(eixo: Any) -> None:
    _converter(eixo.get_major_formatter())
    _converter(eixo.get_minor_formatter())


def _eixos_de(objeto: Any) -> list[Axes]:
    """Os Axes de uma figura, subfigura, Axes ou coleção de Axes (com os filhos, como insets)."""
    from matplotlib.axes import Axes as _Axes
    from matplotlib.figure import FigureBase

    if isinstance(objeto, FigureBase):
        candidatos: list[Any] = list(objeto.get_axes())
        for sub in getattr(objeto, "subfigs", []):
            candidatos += _eixos_de(sub)
    elif isinstance(objeto, _Axes):
        candidatos = [objeto]
    elif isinstance(objeto, Iterable) and not isinstance(objeto, str):
        candidatos = []
        for item in np.ravel(np.asarray(objeto, dtype=object)):
            candidatos += _eixos_de(item)
    else:
        raise TypeError(
            "fig_ou_ax deve ser uma Figure, uma SubFigure, um Axes ou uma coleção de Axes "
            f"(como a que plt.subplots devolve); recebido {type(objeto).__name__}"
        )
    vistos: list[Axes] = []
    pilha = candidatos
    while pilha:
        ax = pilha.pop(0)
        if any(ax is v for v in vistos):
            continue
        vistos.append(ax)
        pilha += list(getattr(ax, "child_axes", []))
    return vistos


def virgula_decimal(fig_ou_ax: Any = None) -> None:
    """Escreve os números dos eixos em pt-BR: vírgula decimal e o sinal de menos “−”.

    Converte, no lugar, os formatadores numéricos dos eixos x e y (marcas principais e
    secundárias) de cada Axes da figura — barras de cores, eixos secundários e insets
    incluídos. O resto do que os formatadores padrão do matplotlib decidem continua igual:
    marcas inteiras sem ``,0``, o deslocamento (*offset*) e a notação científica, que também
    recebem a vírgula, e as potências de dez dos eixos em escala log, que ficam como estão.
    Rótulos de texto (``ax.set_xticks(pos, nomes)``, categorias) e ``FuncFormatter`` não são
    tocados. Chamar duas vezes não muda nada.

    Depois de :func:`estilo` (com ``virgula=True``, o padrão) os formatadores padrão já nascem
    convertidos; esta função continua útil para formatadores instalados à mão
    (``ScalarFormatter()``, ``FormatStrFormatter("%.1f")``...) e para figuras sem o estilo.

    Parameters
    ----------
    fig_ou_ax : matplotlib.figure.Figure ou matplotlib.axes.Axes, opcional
        O que converter: uma figura (ou subfigura), um Axes ou uma coleção de Axes (como o
        array que ``plt.subplots`` devolve); padrão: a figura atual (``plt.gcf()``).

    Raises
    ------
    TypeError
        Se ``fig_ou_ax`` não for nenhum desses.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([0.0, 1.0], [-0.5, 0.5])
    >>> _ = ax.set_yticks([-0.5, 0.0, 0.5, 1.0])
    >>> virgula_decimal(fig)
    >>> fig.canvas.draw()
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['−0,5', '0,0', '0,5', '1,0']
    >>> plt.close(fig)
    """
    if fig_ou_ax is None:
        import matplotlib.pyplot as plt

        fig_ou_ax = plt.gcf()
    for ax in _eixos_de(fig_ou_ax):
        for nome in ("xaxis", "yaxis", "zaxis"):
            eixo = getattr(ax, nome, None)
            if eixo is not None:
                _converter_eixo(eixo)
        ax.stale = True


def _virgula_automatica(ligar: bool) -> None:
    """Liga (ou desliga) a vírgula nos formatadores que cada escala instala por padrão."""
    for nome in dir(_escalas):
        classe = getattr(_escalas, nome)
        if not (isinstance(classe, type) and issubclass(classe, _escalas.ScaleBase)):
            continue
        if classe is _escalas.ScaleBase:
            continue
        metodo = classe.__dict__.get("set_default_locators_and_formatters")
        if metodo is None:
            continue
        original = getattr(metodo, "_companion_original", None)
        if ligar and original is None:
            classe.set_default_locators_and_formatters = _envolver(metodo)
        elif not ligar and original is not None:
            classe.set_default_locators_and_formatters = original


def _envolver(original: Any) -> Any:
    @functools.wraps(original)
    def set_default_locators_and_formatters(self: Any, axis: Any) -> None:
        original(self, axis)
        _converter_eixo(axis)

    set_default_locators_and_formatters._companion_original = original  # type: ignore[attr-defined]
    return set_default_locators_and_formatters


def barras(
    ax: Axes,
    valores: ArrayLike,
    rotulos: Sequence[str] | None = None,
    titulo: str | None = None,
    cor: str = CORES[0],
    casas: int = 2,
    destaque: int | None = None,
) -> Axes:
    """Gráfico de barras com o valor escrito sobre cada barra (vírgula decimal).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Eixos onde desenhar.
    valores : array_like
        Um vetor de números.
    rotulos : sequência de str, opcional
        O nome de cada barra; padrão: os índices.
    titulo : str, opcional
        Título dos eixos.
    cor : str, opcional
        Cor das barras.
    casas : int, opcional
        Casas decimais dos rótulos.
    destaque : int, opcional
        Índice de uma barra a pintar com a segunda cor da paleta.

    Returns
    -------
    matplotlib.axes.Axes
        Os mesmos eixos, para encadear ajustes.
    """
    v = np.asarray(valores, dtype=float)
    if v.ndim != 1:
        raise ValueError(f"valores deve ser um vetor (1 dimensão); recebido formato {v.shape}")
    nomes = list(rotulos) if rotulos is not None else [str(i) for i in range(v.size)]
    if len(nomes) != v.size:
        raise ValueError(
            f"rotulos deve ter um nome por valor: recebidos {len(nomes)} nomes "
            f"para {v.size} valores"
        )
    cores = [CORES[1] if i == destaque else cor for i in range(v.size)]
    posicoes = np.arange(v.size)
    ax.bar(posicoes, v, color=cores)
    ax.set_xticks(posicoes, nomes)
    ax.axhline(0.0, color="0.3", linewidth=0.8)
    altura = np.ptp(np.append(v, 0.0)) or 1.0
    for x, y in zip(posicoes, v, strict=True):
        ax.annotate(
            num(y, casas),
            (x, y),
            xytext=(0, 3 if y >= 0 else -3),
            textcoords="offset points",
            ha="center",
            va="bottom" if y >= 0 else "top",
            fontsize=9,
        )
    ax.set_ylim(min(0.0, v.min()) - 0.12 * altura, max(0.0, v.max()) + 0.15 * altura)
    ax.grid(axis="x", visible=False)
    if titulo:
        ax.set_title(titulo)
    return ax
