"""Treina o modelo de linguagem minúsculo do livro e grava os pesos em companion/dados/.

Uso: ``python scripts/treinar_modelo.py [--passos N]`` (cerca de meio minuto na CPU).

O corpus é o próprio texto do livro — a prosa dos capítulos e das páginas em ``book/``, sem código
e sem fórmulas —, que o projeto pode distribuir. O modelo lê os últimos ``CONTEXTO`` caracteres,
passa os seus vetores de incorporação por uma camada oculta e produz o estado oculto ``h``; a
cabeça de modelo de linguagem dá os logits ``u = h Wᵀ + b`` sobre o vocabulário de caracteres.
Tudo é determinístico: geradores com semente, uma thread.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

from companion.modelo import prosa_do_livro

RAIZ = Path(__file__).resolve().parent.parent
DESTINO = RAIZ / "companion" / "dados" / "modelo_minusculo.npz"
CONTEXTO, INCORPORACAO, OCULTA = 12, 24, 256
RARO = "·"  # o símbolo dos caracteres raros demais para o vocabulário


def vocabulario(texto: str, minimo: int = 5) -> list[str]:
    contagem: dict[str, int] = {}
    for c in texto:
        contagem[c] = contagem.get(c, 0) + 1
    return [RARO] + sorted(c for c, n in contagem.items() if n >= minimo and c != RARO)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passos", type=int, default=3000)
    parser.add_argument("--destino", type=Path, default=DESTINO)
    args = parser.parse_args(argv)

    torch.set_num_threads(1)
    texto = prosa_do_livro(RAIZ / "book")
    vocab = vocabulario(texto)
    indice = {c: i for i, c in enumerate(vocab)}
    ids = np.array([indice.get(c, 0) for c in texto], dtype=np.int64)
    corte = int(0.9 * ids.size)  # os últimos 10% ficam de fora do treino (validação)
    treino = torch.from_numpy(ids[:corte])
    print(f"corpus: {len(texto)} caracteres; vocabulário: {len(vocab)}; treino: {corte}")

    gerador = torch.Generator().manual_seed(2026)
    V = len(vocab)
    E = torch.nn.Embedding(V, INCORPORACAO)
    oculta = torch.nn.Linear(CONTEXTO * INCORPORACAO, OCULTA)
    cabeca = torch.nn.Linear(OCULTA, V)  # a cabeça de modelo de linguagem: u = h Wᵀ + b
    with torch.no_grad():
        for camada in (E, oculta, cabeca):
            for p in camada.parameters():
                p.copy_(torch.randn(p.shape, generator=gerador) * (0.02 if p.ndim > 1 else 0.0))
    parametros = [*E.parameters(), *oculta.parameters(), *cabeca.parameters()]
    otimizador = torch.optim.AdamW(parametros, lr=3e-3, weight_decay=1e-4)

    def lote(tamanho: int) -> tuple[torch.Tensor, torch.Tensor]:
        inicios = torch.randint(0, treino.numel() - CONTEXTO - 1, (tamanho,), generator=gerador)
        janelas = torch.stack([treino[i : i + CONTEXTO + 1] for i in inicios.tolist()])
        return janelas[:, :-1], janelas[:, -1]

    for passo in range(args.passos):
        contexto, alvo = lote(256)
        h = torch.tanh(oculta(E(contexto).reshape(contexto.shape[0], -1)))
        perda = torch.nn.functional.cross_entropy(cabeca(h), alvo)
        otimizador.zero_grad()
        perda.backward()
        otimizador.step()
        if passo % 500 == 0 or passo == args.passos - 1:
            print(f"passo {passo:5d}: perda {perda.item():.3f}")

    args.destino.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        args.destino,
        vocab=np.array(vocab),
        incorporacao=E.weight.detach().numpy().astype(np.float32),
        W_oculta=oculta.weight.detach().numpy().astype(np.float32),
        b_oculta=oculta.bias.detach().numpy().astype(np.float32),
        W=cabeca.weight.detach().numpy().astype(np.float32),
        b=cabeca.bias.detach().numpy().astype(np.float32),
        validacao=ids[corte:],
    )
    # o léxico do corpus, para medir quanto do texto gerado são palavras de verdade
    lexico = sorted(set(texto.lower().split()))
    args.destino.with_name("lexico.txt").write_text("\n".join(lexico) + "\n", encoding="utf-8")
    print(f"pesos gravados em {args.destino}; léxico ({len(lexico)} palavras) ao lado")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
