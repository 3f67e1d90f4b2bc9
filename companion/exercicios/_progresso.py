"""O progresso do estudante: o último veredito de cada exercício, guardado num arquivo JSON.

O arquivo fica na pasta de dados do usuário: ``$XDG_DATA_HOME/softmax-na-pratica/progresso.json``
(sem ``XDG_DATA_HOME``, ``~/.local/share/...``; no Windows, ``%APPDATA%\\softmax-na-pratica``).
``COMPANION_PROGRESSO`` aponta outro arquivo (ou ``0`` desliga o registro). Gravar o progresso
nunca atrapalha a correção: um arquivo ilegível ou corrompido é recriado, e uma pasta sem
permissão de escrita só faz o progresso não ser guardado.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from datetime import datetime
from pathlib import Path

VERSAO = 1
NOME_DA_PASTA = "softmax-na-pratica"


def caminho() -> Path | None:
    """O arquivo do progresso (``None`` quando o registro está desligado)."""
    escolhido = os.environ.get("COMPANION_PROGRESSO")
    if escolhido == "0":
        return None
    if escolhido:
        return Path(escolhido).expanduser()
    if sys.platform == "win32" and os.environ.get("APPDATA"):
        base = Path(os.environ["APPDATA"])
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / NOME_DA_PASTA / "progresso.json"


def ler() -> dict[str, dict[str, str]]:
    """Os vereditos guardados, ``{id: {"estado": ..., "quando": ...}}``; ``{}`` se não há
    arquivo ou se ele está corrompido."""
    arquivo = caminho()
    if arquivo is None:
        return {}
    try:
        dados = json.loads(arquivo.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    exercicios = dados.get("exercicios") if isinstance(dados, dict) else None
    if not isinstance(exercicios, dict):
        return {}
    return {
        str(k): v
        for k, v in exercicios.items()
        if isinstance(v, dict) and isinstance(v.get("estado"), str)
    }


def registrar_veredito(id: str, estado: str) -> None:
    """Guarda ``estado`` como o último veredito de ``id``; nunca levanta."""
    arquivo = caminho()
    if arquivo is None:
        return
    try:
        dados = ler()
        dados[id] = {"estado": estado, "quando": datetime.now().isoformat(timespec="seconds")}
        arquivo.parent.mkdir(parents=True, exist_ok=True)
        texto = json.dumps({"versao": VERSAO, "exercicios": dados}, ensure_ascii=False, indent=1)
        # grava num temporário e troca: um processo interrompido não deixa o arquivo pela metade
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=arquivo.parent, delete=False, suffix=".tmp"
        ) as temporario:
            temporario.write(texto)
        os.replace(temporario.name, arquivo)
    except OSError:
        pass
