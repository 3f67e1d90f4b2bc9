"""Desempenho da softmax do companion contra scipy e torch (1 thread), medido numa só execução.

Uso: ``make benchmarks`` (ou ``python benchmarks/bench_softmax.py [--repeticoes N]``).

Imprime a mediana de cada implementação sobre logits (256, 50257) float32 — o tamanho do
vocabulário do GPT-2 — e as razões. Metas (issue 2): companion ≤ 0,85× scipy e ≤ 1,1× torch
com uma thread. Sai com código 1 se alguma meta não for cumprida.

As funções são intercaladas a cada repetição (e não medidas em blocos), para que uma variação
de carga da máquina atinja todas igualmente.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import scipy.special
import torch

import companion

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _medicao import medianas, tabela  # noqa: E402

FORMATO = (256, 50257)
METAS = {"scipy": 0.85, "torch (1 thread)": 1.10}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeticoes", type=int, default=30)
    args = parser.parse_args()

    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    x = rng.normal(scale=3.0, size=FORMATO).astype(np.float32)
    xt = torch.from_numpy(x)

    # as três dão o mesmo resultado (dentro da precisão do float32)
    ref = torch.softmax(xt, dim=-1).numpy()
    np.testing.assert_allclose(companion.softmax(x), ref, rtol=1e-5, atol=1e-12)
    np.testing.assert_allclose(scipy.special.softmax(x, axis=-1), ref, rtol=1e-5, atol=1e-12)

    tempos = medianas(
        {
            "companion": lambda: companion.softmax(x),
            "scipy": lambda: scipy.special.softmax(x, axis=-1),
            "torch (1 thread)": lambda: torch.softmax(xt, dim=-1),
        },
        args.repeticoes,
    )
    bytes_lidos = x.nbytes
    print(
        f"softmax sobre logits {FORMATO} float32 ({bytes_lidos / 2**20:.0f} MiB), "
        f"mediana de {args.repeticoes} repetições intercaladas"
    )
    ok = tabela("softmax", tempos, METAS)
    print("metas cumpridas" if ok else "META NÃO CUMPRIDA")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
