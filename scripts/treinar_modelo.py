"""Treina o modelo de linguagem de caracteres do capítulo 7 e grava os pesos em companion/dados/.

Uso: ``python scripts/treinar_modelo.py [--passos N] [--parar-em K] [--destino ARQUIVO.npz]``

O corpus é a prosa em português do Brasil preparada por ``scripts/preparar_corpus.py`` (a
documentação do GIMP e o manual do Debian Edu, pacotes Debian sob GFDL-1.2+ e GPL-2+), que fica
comprimida em ``scripts/corpus/``; nada é baixado. Os documentos (seções das páginas) são
sorteados, com semente fixa, para o treino ou para a validação (cerca de 10 % dos caracteres); o
vocabulário e o léxico saem só do treino.

O modelo é uma GRU de caracteres: cada caractere vira um vetor da matriz de incorporação
``E`` (V × H), a GRU atualiza o estado oculto ``h_t`` (H números) e a cabeça de modelo de
linguagem dá os logits ``u_t = h_t Wᵀ + b``, com os pesos amarrados como no GPT-2: ``W = E``.
O treino (AdamW, lotes de trechos de ``T + 1`` caracteres que começam do estado zero) é
determinístico: geradores com semente e uma thread; o script reproduz os pesos gravados
exatamente, e grava nos metadados o sha256 dos pesos no passo ``K_VERIFICACAO`` e no fim (o teste
``tests/test_modelo.py`` refaz os primeiros passos e compara). Com ``--parar-em K`` o script só
treina K passos e imprime o sha256 dos pesos, sem gravar nada.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import lzma
import math
import re
import sys
import time
from pathlib import Path

import numpy as np
import torch

RAIZ = Path(__file__).resolve().parent.parent
CORPUS = RAIZ / "scripts" / "corpus"
DESTINO = RAIZ / "companion" / "dados" / "modelo_minusculo.npz"
# as fontes do corpus, na ordem em que são lidas (ver scripts/preparar_corpus.py)
FONTES = [
    {"pacote": "gimp-help-pt-br", "versao": "2.10.34-2",
     "licenca": "GFDL-1.2+ (sem seções invariantes)",
     "descricao": "Manual do GIMP 2.10 em português do Brasil"},
    {"pacote": "debian-edu-doc-pt-br", "versao": "2.12.23~deb12u1", "licenca": "GPL-2+",
     "descricao": "Manual do Debian Edu (bookworm) em português do Brasil"},
]
CONFIG = {
    "semente": 2026,
    "fracao_validacao": 0.1,
    "contagem_minima": 5,  # caracteres mais raros que isto no treino viram RARO
    "H": 384,  # tamanho do estado oculto = dimensão da incorporação (pesos amarrados)
    "T": 128,  # caracteres previstos por trecho de treino
    "B": 128,  # trechos por lote
    "passos": 600,
    "lr": 3e-3,
    "lr_final": 2e-4,
    "aquecimento": 30,
    "weight_decay": 0.01,
    "clip": 1.0,
    "escala_incorporacao": 0.1,
}
K_VERIFICACAO = 5
RARO = "\ufffd"  # o caractere de substituição: o símbolo dos caracteres raros demais


def documentos() -> list[str]:
    """Os documentos do corpus, na ordem das fontes e dos arquivos."""
    docs: list[str] = []
    for fonte in FONTES:
        texto = lzma.decompress((CORPUS / f"{fonte['pacote']}.txt.xz").read_bytes()).decode()
        docs += [d for d in texto.split("\n\n") if d.strip()]
    return docs


def dividir(docs: list[str], semente: int, fracao: float) -> tuple[list[str], list[str]]:
    """Sorteia documentos para a validação até ``fracao`` dos caracteres; o resto é o treino.
    Os dois conjuntos mantêm a ordem original dos documentos."""
    ordem = np.random.default_rng(semente).permutation(len(docs))
    total = sum(map(len, docs))
    validacao: set[int] = set()
    soma = 0
    for i in ordem:
        if soma >= fracao * total:
            break
        validacao.add(int(i))
        soma += len(docs[i])
    treino = [d for i, d in enumerate(docs) if i not in validacao]
    return treino, [d for i, d in enumerate(docs) if i in validacao]


def palavras(texto: str) -> list[str]:
    """A regra de palavra do léxico (a mesma de ``companion.modelo.palavras``)."""
    return re.findall(r"[^\W\d_]+", texto.lower())


class GRUCaracteres(torch.nn.Module):
    """E (V × H) → GRU(H) → u = h Eᵀ + b (pesos amarrados)."""

    def __init__(self, V: int, H: int, escala: float) -> None:
        super().__init__()
        self.incorporacao = torch.nn.Parameter(torch.randn(V, H) * escala)
        self.gru = torch.nn.GRU(H, H, batch_first=True)
        self.b = torch.nn.Parameter(torch.zeros(V))

    def forward(self, ids: torch.Tensor, h0: torch.Tensor | None = None):
        saida, h = self.gru(self.incorporacao[ids], h0)  # (B, t, H)
        return saida @ self.incorporacao.T + self.b, h  # u = h Wᵀ + b com W = E


def pesos_numpy(modelo: GRUCaracteres) -> dict[str, np.ndarray]:
    """Os pesos em float32, com os nomes de ``companion.modelo``, numa ordem fixa."""
    g = modelo.gru
    return {
        nome: t.detach().numpy().astype(np.float32)
        for nome, t in [
            ("incorporacao", modelo.incorporacao),
            ("W_ih", g.weight_ih_l0),
            ("W_hh", g.weight_hh_l0),
            ("b_ih", g.bias_ih_l0),
            ("b_hh", g.bias_hh_l0),
            ("b", modelo.b),
        ]
    }


def sha256_pesos(pesos: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256()
    for nome in sorted(pesos):
        h.update(nome.encode())
        h.update(np.ascontiguousarray(pesos[nome], dtype="<f4").tobytes())
    return h.hexdigest()


def taxa(passo: int, c: dict) -> float:
    """Aquecimento linear e depois decaimento em cosseno de ``lr`` até ``lr_final``."""
    if passo < c["aquecimento"]:
        return c["lr"] * (passo + 1) / c["aquecimento"]
    fracao = (passo - c["aquecimento"]) / max(1, c["passos"] - c["aquecimento"])
    return c["lr_final"] + 0.5 * (c["lr"] - c["lr_final"]) * (1 + math.cos(math.pi * fracao))


def preparar(c: dict):
    docs = documentos()
    treino_docs, val_docs = dividir(docs, c["semente"], c["fracao_validacao"])
    treino_txt, val_txt = "\n\n".join(treino_docs), "\n\n".join(val_docs)
    contagem = collections.Counter(treino_txt)
    vocab = [RARO] + sorted(ch for ch, n in contagem.items() if n >= c["contagem_minima"])
    indice = {ch: i for i, ch in enumerate(vocab)}

    def ids(texto: str) -> np.ndarray:
        return np.array([indice.get(ch, 0) for ch in texto], dtype=np.int64)

    return docs, treino_docs, val_docs, treino_txt, val_txt, vocab, ids(treino_txt), ids(val_txt)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passos", type=int, default=CONFIG["passos"])
    parser.add_argument("--parar-em", type=int, default=None,
                        help="treina só K passos e imprime o sha256 dos pesos (nada é gravado)")
    parser.add_argument("--destino", type=Path, default=DESTINO)
    args = parser.parse_args(argv)
    c = dict(CONFIG, passos=args.passos)

    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    docs, treino_docs, val_docs, treino_txt, val_txt, vocab, treino, val = preparar(c)
    V, H, T, B = len(vocab), c["H"], c["T"], c["B"]
    print(f"corpus: {len(docs)} documentos, {sum(map(len, docs))} caracteres; treino: "
          f"{len(treino_docs)} documentos, {treino.size} caracteres; validação: "
          f"{len(val_docs)} documentos, {val.size} caracteres; vocabulário: {V}", flush=True)

    torch.manual_seed(c["semente"])
    modelo = GRUCaracteres(V, H, c["escala_incorporacao"])
    gerador = torch.Generator().manual_seed(c["semente"] + 1)
    otimizador = torch.optim.AdamW(modelo.parameters(), lr=c["lr"],
                                   weight_decay=c["weight_decay"], betas=(0.9, 0.99))
    treino_t = torch.from_numpy(treino)
    deslocamentos = torch.arange(T + 1)
    # a validação: trechos consecutivos de T + 1 caracteres, cada um a partir do estado zero
    n_val = val.size // (T + 1)
    trechos_val = val[: n_val * (T + 1)].reshape(n_val, T + 1)

    def perda_validacao() -> float:
        with torch.no_grad():
            x = torch.from_numpy(trechos_val)
            u, _ = modelo(x[:, :-1])
            return torch.nn.functional.cross_entropy(u.reshape(-1, V), x[:, 1:].reshape(-1)).item()

    parar = args.parar_em if args.parar_em is not None else c["passos"]
    hash_k = None
    inicio = time.time()
    for passo in range(parar):
        for grupo in otimizador.param_groups:
            grupo["lr"] = taxa(passo, c)
        inicios = torch.randint(0, treino_t.numel() - T - 1, (B,), generator=gerador)
        x = treino_t[inicios[:, None] + deslocamentos]  # (B, T + 1)
        u, _ = modelo(x[:, :-1])
        perda = torch.nn.functional.cross_entropy(u.reshape(-1, V), x[:, 1:].reshape(-1))
        otimizador.zero_grad()
        perda.backward()
        torch.nn.utils.clip_grad_norm_(modelo.parameters(), c["clip"])
        otimizador.step()
        if passo + 1 == K_VERIFICACAO:
            hash_k = sha256_pesos(pesos_numpy(modelo))
        if passo % 50 == 0 or passo == parar - 1:
            medir = passo % 150 == 0 and args.parar_em is None
            extra = f", validação {perda_validacao():.3f}" if medir else ""
            print(f"passo {passo:5d}: perda {perda.item():.3f}{extra} "
                  f"({time.time() - inicio:.0f} s)", flush=True)
    duracao = time.time() - inicio
    pesos = pesos_numpy(modelo)
    if args.parar_em is not None:
        print(f"sha256 dos pesos no passo {parar}: {sha256_pesos(pesos)}")
        return 0

    perda_val = perda_validacao()
    lexico = sorted(set(palavras(treino_txt)))
    parametros = sum(p.numel() for p in modelo.parameters())
    info = {
        "fontes": [
            dict(f, caracteres=len(lzma.decompress((CORPUS / f"{f['pacote']}.txt.xz")
                                                   .read_bytes()).decode()))
            for f in FONTES
        ],
        "licenca": "; ".join(f"{f['pacote']}: {f['licenca']}" for f in FONTES),
        "caracteres_corpus": sum(map(len, docs)),
        "megabytes_corpus": round(sum(len(d.encode()) for d in docs) / 1e6, 3),
        "documentos": len(docs),
        "documentos_treino": len(treino_docs),
        "documentos_validacao": len(val_docs),
        "caracteres_treino": int(treino.size),
        "caracteres_validacao": int(val.size),
        "caracteres_validacao_avaliados": int(trechos_val.size),
        "palavras_lexico": len(lexico),
        "arquitetura": f"GRU de caracteres: incorporação {V}×{H}, uma camada GRU com estado de "
                       f"{H} números, cabeça u = h Wᵀ + b com W = incorporação (pesos amarrados)",
        "pesos_amarrados": True,
        "parametros": int(parametros),
        "vocabulario": V,
        "config": c,
        "passos": c["passos"],
        "perda_validacao_torch": perda_val,
        "bits_por_caractere_validacao_torch": perda_val / math.log(2),
        "segundos_de_treino": round(duracao),
        "torch": torch.__version__,
        "k_verificacao": K_VERIFICACAO,
        "sha256_pesos_passo_k": hash_k,
        "sha256_pesos": sha256_pesos(pesos),
    }
    args.destino.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        args.destino,
        vocab=np.array(vocab),
        validacao=trechos_val.astype(np.int16),
        info=np.array(json.dumps(info, ensure_ascii=False)),
        **pesos,
    )
    args.destino.with_name("lexico.txt").write_text("\n".join(lexico) + "\n", encoding="utf-8")
    print(json.dumps(info, ensure_ascii=False, indent=1))
    print(f"pesos gravados em {args.destino}; léxico ({len(lexico)} palavras) ao lado")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
