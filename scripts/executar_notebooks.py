"""Reexecuta os notebooks do livro do início ao fim, cada um num kernel novo, e grava as saídas.

Uso: ``make executar`` (todos) ou ``python scripts/executar_notebooks.py book/01_softmax.ipynb``.

Cada notebook roda no seu próprio diretório, com o kernel do ambiente atual (o mesmo Python que
roda este script), sem marcas de tempo nos metadados: duas execuções seguidas gravam o mesmo
arquivo, e o nbval confere essas saídas.

O cache de fontes do matplotlib é o da cópia (``.mplconfig``, o mesmo de ``make testes``): um cache
de outro ambiente (em ``~/.cache/matplotlib``, montado por um venv que já foi apagado) faz o
matplotlib avisar no stderr e desenhar as fórmulas das figuras com outra fonte. Uma célula que
escreve no stderr faz o script falhar: nenhuma saída guardada do livro é um aviso.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

RAIZ = Path(__file__).resolve().parent.parent
os.environ.setdefault("MPLCONFIGDIR", str(RAIZ / ".mplconfig"))  # herdado pelos kernels


def executar(caminho: Path) -> None:
    nb = nbformat.read(caminho, as_version=4)
    cliente = NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(caminho.parent)}},
        record_timing=False,
    )
    cliente.execute()
    nb.metadata.pop("widgets", None)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    # a versão exata do Python muda de máquina para máquina; o notebook não precisa dela
    nb.metadata["language_info"] = {"name": "python"}
    nbformat.write(nb, caminho)
    avisos = [
        (i, saida["text"])
        for i, celula in enumerate(nb.cells)
        for saida in celula.get("outputs", [])
        if saida.get("name") == "stderr"
    ]
    if avisos:
        i, texto = avisos[0]
        raise SystemExit(
            f"{caminho.name}: {len(avisos)} saída(s) no stderr; a primeira, na célula {i}:\n{texto}"
        )


def main(argv: list[str]) -> int:
    caminhos = [Path(a) for a in argv] or sorted((RAIZ / "book").glob("*.ipynb"))
    for caminho in caminhos:
        print(f"executando {caminho.relative_to(RAIZ) if caminho.is_absolute() else caminho}")
        executar(caminho.resolve())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
