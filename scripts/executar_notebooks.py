"""Reexecuta os notebooks do livro do início ao fim, cada um num kernel novo, e grava as saídas.

Uso: ``make executar`` (todos) ou ``python scripts/executar_notebooks.py book/01_softmax.ipynb``.

Cada notebook roda no seu próprio diretório, com o kernel do ambiente atual (o mesmo Python que
roda este script), sem marcas de tempo nos metadados: duas execuções seguidas gravam o mesmo
arquivo, e o nbval confere essas saídas.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

RAIZ = Path(__file__).resolve().parent.parent


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


def main(argv: list[str]) -> int:
    caminhos = [Path(a) for a in argv] or sorted((RAIZ / "book").glob("*.ipynb"))
    for caminho in caminhos:
        print(f"executando {caminho.relative_to(RAIZ) if caminho.is_absolute() else caminho}")
        executar(caminho.resolve())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
