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
