"""O gradiente da entropia cruzada no vocabulário do Llama 3: tempo e memória ao lado da perda.

Uso: ``make benchmarks`` (ou ``python benchmarks/bench_gradientes.py [--repeticoes N]``).

Para logits ``(256, 128256)`` ``float32`` (128 256 é o vocabulário do Llama 3), mede
``companion.cross_entropy_backward`` ao lado da perda (``companion.cross_entropy``), numa só
execução, com as chamadas intercaladas: a mediana de cada uma, a razão ``backward / esta`` e o
tempo como múltiplo de uma **cópia** do array (o piso de banda desta máquina). O ``torch`` (uma
thread, perda e ``backward()`` juntos) entra só como referência. Mede também o pico de memória
(``tracemalloc``) de cada chamada, como múltiplo do tamanho dos logits.

Metas (issue 12): o gradiente custa no máximo 3× a perda, e o seu pico de memória é no máximo 3×
o tamanho dos logits — com as opções padrão e com suavização de rótulos e pesos por classe. A
versão antiga montava um one-hot ``C × C`` (61 GiB aqui). Sai com código 1 se alguma meta não for
cumprida.
"""

from __future__ import annotations

import argparse
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

import companion

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _medicao import medianas, tabela  # noqa: E402

FORMATO = (256, 128_256)
META_TEMPO = 3.0  # backward / forward
META_MEMORIA = 3.0  # pico / tamanho dos logits


def pico_de_memoria(f) -> int:
    """O pico, em bytes, do que ``f`` aloca (``tracemalloc``; o numpy o informa)."""
    tracemalloc.start()
    try:
        f()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeticoes", type=int, default=7)
    args = parser.parse_args()
    r = args.repeticoes

    rng = np.random.default_rng(0)
    x = rng.normal(scale=3.0, size=FORMATO).astype(np.float32)
    alvos = rng.integers(0, FORMATO[1], size=FORMATO[0])
    alvos[::17] = -100  # algumas posições ignoradas
    pesos = rng.uniform(0.5, 2.0, size=FORMATO[1]).astype(np.float32)
    threads_padrao = torch.get_num_threads()

    def torch_1_thread(opcoes):
        def chamada():
            torch.set_num_threads(1)
            try:
                xt = torch.from_numpy(x).requires_grad_()
                F.cross_entropy(xt, torch.from_numpy(alvos), **opcoes).backward()
                return xt.grad
            finally:
                torch.set_num_threads(threads_padrao)

        return chamada

    piso = medianas({"cópia": lambda: x.copy()}, r)["cópia"]
    print(
        f"logits {FORMATO} float32 ({x.nbytes / 2**20:.0f} MiB); mediana de {r} repetições "
        f"intercaladas; cópia do array (o piso de banda): {piso * 1e3:.2f} ms"
    )

    casos = {
        "opções padrão": ({}, {}),
        "label_smoothing=0,1 e weight": (
            {"label_smoothing": 0.1, "weight": pesos},
            {"label_smoothing": 0.1, "weight": torch.from_numpy(pesos)},
        ),
    }
    ok = True
    memoria = {}
    for nome, (opcoes, opcoes_torch) in casos.items():
        # confere antes de medir: o mesmo gradiente que o torch
        obtido = companion.cross_entropy_backward(x, alvos, **opcoes)
        esperado = torch_1_thread(opcoes_torch)().numpy()
        np.testing.assert_allclose(obtido, esperado, rtol=1e-4, atol=1e-10)

        def backward(opcoes=opcoes):
            return companion.cross_entropy_backward(x, alvos, **opcoes)

        def forward(opcoes=opcoes):
            return companion.cross_entropy(x, alvos, **opcoes)

        funcoes = {
            "companion": backward,
            "cross_entropy (a perda)": forward,
            "torch perda+backward (1 t.)": torch_1_thread(opcoes_torch),
        }
        titulo = (
            f"cross_entropy_backward, {nome} (gradiente conferido contra o torch; "
            f"meta: ≤ {META_TEMPO:.0f}× a perda)"
        )
        ok &= tabela(titulo, medianas(funcoes, r), {"cross_entropy (a perda)": META_TEMPO}, piso)
        memoria[nome] = (pico_de_memoria(backward), pico_de_memoria(forward))

    print(f"\npico de memória (tracemalloc), em múltiplos dos logits (meta: ≤ {META_MEMORIA:.0f}×)")
    print(f"  {'opções':<30}{'backward (MiB)':>16}{'× logits':>10}{'perda (MiB)':>13}{'meta':>10}")
    for nome, (pico_bwd, pico_fwd) in memoria.items():
        razao = pico_bwd / x.nbytes
        cumpre = razao <= META_MEMORIA
        ok &= cumpre
        marca = f"≤ {META_MEMORIA:.2f} {'✓' if cumpre else '✗'}"
        print(
            f"  {nome:<30}{pico_bwd / 2**20:>16.1f}{razao:>10.2f}{pico_fwd / 2**20:>13.1f}"
            f"{marca:>10}"
        )

    print("\nmetas da issue 12 cumpridas" if ok else "\nMETA NÃO CUMPRIDA")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
