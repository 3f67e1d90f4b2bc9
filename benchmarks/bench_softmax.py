"""A família softmax nas formas que um usuário encontra: companion x scipy x torch, numa execução.

Uso: ``make benchmarks`` (ou ``python benchmarks/bench_softmax.py [--repeticoes N] [--rapido]``).

Mede ``softmax``, ``log_softmax``, ``logsumexp`` e ``cross_entropy`` em logits ``float32`` de
N = 1, 8, 64 e 256 linhas, com vocabulários de V = 50 257 (GPT-2) e 128 256 (Llama 3), e imprime a
tabela inteira: a mediana de cada implementação, o tempo como múltiplo de uma cópia do array (o
piso de banda) e as razões. As implementações são intercaladas a cada repetição, numa ordem
sorteada de novo a cada vez: uma variação de carga da máquina atinge todas igualmente, e nenhuma
herda sempre o cache (ou os restos de memória) da mesma vizinha — nas formas pequenas, uma ordem
fixa desloca as razões em alguns por cento. O torch roda com uma thread, como o numpy.

Metas (issue 12, §5), conferidas em cada forma:

* o companion não é mais lento que o ``scipy.special`` (razão ≤ 1) em nenhuma forma, e
  ≤ 0,85× nas formas limitadas pela memória (≥ 256 linhas);
* ``cross_entropy`` custa no máximo 1,5× a ``log_softmax`` do próprio companion com uma linha e
  1,15× de 8 linhas em diante (a perda só acrescenta uma coleta e uma redução).

Bater o torch nas formas pequenas não é meta (o ``exp`` dele é mais rápido e ele faz menos
passadas); as razões contra ele ficam na tabela, sem meta. Sai com código 1 se uma meta falhar.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np
import scipy.special
import torch
import torch.nn.functional as F

import companion

LINHAS = (1, 8, 64, 256)
VOCABULARIOS = (50257, 128256)
MEMORIA = 256  # a partir destas linhas, a forma é limitada pela memória, não pelo exp
META_SCIPY, META_SCIPY_MEMORIA = 1.0, 0.85
META_CE_UMA_LINHA, META_CE = 1.5, 1.15


def medianas(funcoes: dict[str, Callable[[], object]], repeticoes: int) -> dict[str, float]:
    """Mediana, em segundos, de ``repeticoes`` chamadas de cada função, em rodízio sorteado."""
    sorteio = random.Random(0)
    nomes = list(funcoes)
    tempos: dict[str, list[float]] = {nome: [] for nome in nomes}
    for f in funcoes.values():  # aquecimento
        f()
    for _ in range(repeticoes):
        sorteio.shuffle(nomes)
        for nome in nomes:
            inicio = time.perf_counter()
            funcoes[nome]()
            tempos[nome].append(time.perf_counter() - inicio)
    return {nome: statistics.median(t) for nome, t in tempos.items()}


def repeticoes_para(x: np.ndarray, base: int) -> int:
    """Mais repetições nas formas pequenas (medidas de microssegundos são mais ruidosas)."""
    return base * 4 if x.nbytes < 2**22 else base


def medir_forma(n: int, v: int, base: int, rng: np.random.Generator) -> tuple[list[str], bool]:
    x = rng.normal(scale=3.0, size=(n, v)).astype(np.float32)
    alvos = rng.integers(0, v, size=n)
    xt, yt = torch.from_numpy(x), torch.from_numpy(alvos)
    r = repeticoes_para(x, base)

    # as implementações concordam (dentro da precisão do float32) antes de serem medidas
    np.testing.assert_allclose(
        companion.log_softmax(x), torch.log_softmax(xt, -1).numpy(), rtol=1e-5, atol=1e-5
    )
    np.testing.assert_allclose(
        companion.cross_entropy(x, alvos), F.cross_entropy(xt, yt).item(), rtol=1e-5
    )

    funcoes = {
        "cópia": lambda: x.copy(),
        "softmax companion": lambda: companion.softmax(x),
        "softmax scipy": lambda: scipy.special.softmax(x, axis=-1),
        "softmax torch": lambda: torch.softmax(xt, dim=-1),
        "log_softmax companion": lambda: companion.log_softmax(x),
        "log_softmax scipy": lambda: scipy.special.log_softmax(x, axis=-1),
        "log_softmax torch": lambda: torch.log_softmax(xt, dim=-1),
        "logsumexp companion": lambda: companion.logsumexp(x),
        "logsumexp scipy": lambda: scipy.special.logsumexp(x, axis=-1),
        "logsumexp torch": lambda: torch.logsumexp(xt, dim=-1),
        "cross_entropy companion": lambda: companion.cross_entropy(x, alvos),
        "cross_entropy torch": lambda: F.cross_entropy(xt, yt),
    }
    t = medianas(funcoes, r)
    piso = t["cópia"]
    linhas, ok = [], True
    for nome in ("softmax", "log_softmax", "logsumexp", "cross_entropy"):
        nosso = t[f"{nome} companion"]
        scipy_t = t.get(f"{nome} scipy")
        marcas = []
        if scipy_t is not None:
            razao = nosso / scipy_t
            meta = META_SCIPY_MEMORIA if n >= MEMORIA else META_SCIPY
            cumpre = razao <= meta
            ok &= cumpre
            marcas.append(f"{razao:6.3f} (≤ {meta:.2f} {'✓' if cumpre else '✗'})")
        else:
            razao = nosso / t["log_softmax companion"]
            meta = META_CE_UMA_LINHA if n == 1 else META_CE
            cumpre = razao <= meta
            ok &= cumpre
            marcas.append(f"{razao:6.3f} (≤ {meta:.2f} {'✓' if cumpre else '✗'}) ÷ log_softmax")
        linhas.append(
            f"  {n:>4} × {v:<7}{nome:<14}{nosso * 1e3:>10.3f}"
            f"{(scipy_t * 1e3 if scipy_t else float('nan')):>10.3f}"
            f"{t[f'{nome} torch'] * 1e3:>10.3f}{nosso / piso:>8.1f}"
            f"{nosso / t[f'{nome} torch']:>9.2f}   {marcas[0]}"
        )
    return linhas, ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeticoes", type=int, default=15)
    parser.add_argument(
        "--rapido", action="store_true", help="só V = 50 257 (para conferir o script)"
    )
    args = parser.parse_args()

    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    print(
        f"logits float32, mediana de execuções intercaladas ({args.repeticoes} repetições; 4× "
        f"nas formas de menos de 4 MiB); torch com 1 thread; {time.strftime('%Y-%m-%d %H:%M')}\n"
    )
    print(
        f"  {'N × V':<16}{'função':<14}{'companion':>10}{'scipy':>10}{'torch':>10}{'× cópia':>8}"
        f"{'÷ torch':>9}   razão e meta (companion ÷ scipy, ou ÷ a própria log_softmax)"
    )
    print(f"  {'':<30}{'(ms)':>10}{'(ms)':>10}{'(ms)':>10}")
    ok = True
    for v in VOCABULARIOS[:1] if args.rapido else VOCABULARIOS:
        for n in LINHAS:
            linhas, cumpre = medir_forma(n, v, args.repeticoes, rng)
            print("\n".join(linhas), flush=True)
            ok &= cumpre
    print("\nmetas da issue 12 (§5) cumpridas" if ok else "\nMETA NÃO CUMPRIDA")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
