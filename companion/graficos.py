"""Figuras do livro: um estilo comum e os gráficos que os capítulos reutilizam."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from companion.formatacao import num

try:
    # o matplotlib é opcional para o resto do pacote (o extra «graficos» o declara)
    import matplotlib as mpl
except ModuleNotFoundError:
    raise ModuleNotFoundError(
        "companion.graficos precisa do matplotlib, que não está instalado. Instale-o com "
        'pip install "companion[graficos]" (ou pip install matplotlib) e reinicie o kernel.',
        name="matplotlib",
    ) from None

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["CORES", "estilo", "barras"]

#: Paleta do livro (acessível a daltônicos: Okabe & Ito).
CORES = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")


def estilo() -> None:
    """Aplica o estilo das figuras do livro (tamanho, fontes, grade, paleta)."""
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


def _figura_como_texto() -> None:
    """Num notebook, o texto alternativo de uma figura vira «(figura)».

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
