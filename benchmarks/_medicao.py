"""Medição comum aos benchmarks: medianas de execuções intercaladas numa só execução.

As implementações comparadas são chamadas em rodízio a cada repetição (e não em blocos), para
que uma variação de carga da máquina atinja todas igualmente.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def medianas(funcoes: dict[str, Callable[[], object]], repeticoes: int) -> dict[str, float]:
    """Mediana, em segundos, de ``repeticoes`` chamadas de cada função, em rodízio."""
    tempos: dict[str, list[float]] = {nome: [] for nome in funcoes}
    for f in funcoes.values():  # aquecimento
        f()
    for _ in range(repeticoes):
        for nome, f in funcoes.items():
            inicio = time.perf_counter()
            f()
            tempos[nome].append(time.perf_counter() - inicio)
    return {nome: statistics.median(t) for nome, t in tempos.items()}


def tabela(
    titulo: str,
    tempos: dict[str, float],
    metas: dict[str, float],
    piso: float | None = None,
) -> bool:
    """Imprime medianas, razões ``companion / esta`` e metas; ``piso`` acrescenta o tempo em
    múltiplos de uma cópia do array. Devolve se todas as metas foram cumpridas."""
    print(f"\n{titulo}")
    copia = f"{'× cópia':>10}" if piso else ""
    print(f"  {'implementação':<26}{'mediana (ms)':>13}{copia}{'companion/esta':>16}{'meta':>12}")
    ok = True
    for nome, tempo in tempos.items():
        razao = tempos["companion"] / tempo
        meta = metas.get(nome)
        marca = ""
        if meta is not None:
            cumpre = razao <= meta
            ok &= cumpre
            marca = f"≤ {meta:.2f} {'✓' if cumpre else '✗'}"
        multiplo = f"{tempo / piso:>10.1f}" if piso else ""
        print(f"  {nome:<26}{tempo * 1e3:>13.2f}{multiplo}{razao:>16.3f}{marca:>12}")
    return ok
