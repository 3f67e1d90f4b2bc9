"""Um modelo de linguagem minúsculo, de caracteres, treinado com o texto deste livro.

Os pesos vêm com o pacote (``companion/dados/modelo_minusculo.npz``) e são reproduzidos por
``scripts/treinar_modelo.py``; nada é baixado. O modelo lê os últimos ``contexto`` caracteres,
transforma-os num estado oculto :math:`h` e aplica a cabeça de modelo de linguagem,

.. math::

    u = h W^\\top + b ,

que dá um logit por caractere do vocabulário. A softmax de :math:`u` é a distribuição do próximo
caractere, e :mod:`companion.sampling` escolhe um.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from companion import sampling
from companion.softmax import log_softmax

__all__ = ["ModeloMinusculo", "carregar", "lexico", "prosa_do_livro"]


@dataclass(frozen=True)
class ModeloMinusculo:
    """Os pesos do modelo e as operações de inferência (numpy)."""

    vocab: tuple[str, ...]
    incorporacao: np.ndarray  # (V, E)
    W_oculta: np.ndarray  # (H, contexto·E)
    b_oculta: np.ndarray  # (H,)
    W: np.ndarray  # (V, H): a cabeça de modelo de linguagem
    b: np.ndarray  # (V,)
    validacao: np.ndarray  # ids do texto de validação (os últimos 10% do corpus)

    @property
    def contexto(self) -> int:
        return self.W_oculta.shape[1] // self.incorporacao.shape[1]

    def codificar(self, texto: str) -> np.ndarray:
        """Os ids dos caracteres; caracteres fora do vocabulário viram o símbolo de raros."""
        indice = {c: i for i, c in enumerate(self.vocab)}
        return np.array([indice.get(c, 0) for c in texto], dtype=np.int64)

    def decodificar(self, ids) -> str:
        return "".join(self.vocab[int(i)] for i in np.ravel(ids))

    def estado_oculto(self, janelas: np.ndarray) -> np.ndarray:
        """h = tanh(W_oculta · concat(incorporações) + b), para janelas (..., contexto)."""
        janelas = np.asarray(janelas)
        vetores = self.incorporacao[janelas].reshape(*janelas.shape[:-1], -1)  # (..., C·E)
        return np.tanh(vetores @ self.W_oculta.T + self.b_oculta)  # (..., H)

    def logits(self, janelas: np.ndarray) -> np.ndarray:
        """A cabeça de modelo de linguagem: u = h Wᵀ + b, um logit por caractere."""
        return self.estado_oculto(janelas) @ self.W.T + self.b  # (..., V)

    def janela(self, ids: np.ndarray) -> np.ndarray:
        """Os últimos ``contexto`` ids, completados à esquerda com espaços se faltarem."""
        espaco = self.vocab.index(" ")
        ids = np.asarray(ids, dtype=np.int64)[-self.contexto :]
        return np.concatenate([np.full(self.contexto - ids.size, espaco), ids])

    def gerar(
        self,
        inicio: str,
        n: int,
        *,
        guloso: bool = False,
        temperature: float = 1.0,
        top_k: int | None = None,
        top_p: float | None = None,
        min_p: float | None = None,
        rng: np.random.Generator | None = None,
    ) -> str:
        """Continua ``inicio`` com ``n`` caracteres, guloso ou por amostragem."""
        ids = list(self.codificar(inicio))
        for _ in range(n):
            u = self.logits(self.janela(np.array(ids)))
            if guloso:
                proximo = sampling.greedy(u)
            else:
                proximo = sampling.sample(
                    u, temperature=temperature, top_k=top_k, top_p=top_p, min_p=min_p, rng=rng
                )
            ids.append(int(proximo))
        return self.decodificar(ids)

    def perplexidade(self, ids: np.ndarray | None = None) -> float:
        """exp da entropia cruzada média do próximo caractere (padrão: no texto de validação)."""
        ids = self.validacao if ids is None else np.asarray(ids)
        janelas = np.lib.stride_tricks.sliding_window_view(ids[:-1], self.contexto)
        alvos = ids[self.contexto :]
        logp = log_softmax(self.logits(janelas), axis=-1)
        return float(np.exp(-logp[np.arange(alvos.size), alvos].mean()))


@lru_cache(maxsize=1)
def carregar() -> ModeloMinusculo:
    """Carrega os pesos que vêm com o pacote."""
    arquivo = resources.files("companion") / "dados" / "modelo_minusculo.npz"
    with resources.as_file(arquivo) as caminho, np.load(caminho) as dados:
        return ModeloMinusculo(
            vocab=tuple(str(c) for c in dados["vocab"]),
            incorporacao=dados["incorporacao"].astype(np.float64),
            W_oculta=dados["W_oculta"].astype(np.float64),
            b_oculta=dados["b_oculta"].astype(np.float64),
            W=dados["W"].astype(np.float64),
            b=dados["b"].astype(np.float64),
            validacao=dados["validacao"],
        )


@lru_cache(maxsize=1)
def lexico() -> frozenset[str]:
    """As palavras (em minúsculas) do corpus de treino, que vêm com o pacote ao lado dos pesos.

    Servem para medir que fração de um texto gerado é feita de palavras de verdade, sem
    depender dos capítulos do livro estarem por perto (num Jupyter hospedado, não estão).

    Examples
    --------
    >>> "softmax" in lexico() and "probabilidade" in lexico()
    True
    """
    arquivo = resources.files("companion") / "dados" / "lexico.txt"
    return frozenset(arquivo.read_text(encoding="utf-8").split())


def prosa_do_livro(pasta: str | Path) -> str:
    """A prosa do livro (o corpus do modelo): o Markdown dos notebooks e das páginas de
    ``pasta``, sem código, fórmulas e diretivas, com os espaços normalizados."""
    pasta = Path(pasta)
    partes = []
    for caminho in sorted(pasta.glob("*.ipynb")):
        nb = json.loads(caminho.read_text(encoding="utf-8"))
        partes += ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"]
    partes += [p.read_text(encoding="utf-8") for p in sorted(pasta.glob("*.md"))]
    texto = "\n".join(partes)
    texto = re.sub(r"```.*?```", " ", texto, flags=re.S)  # blocos de código e diretivas
    texto = re.sub(r"^\([\w-]+\)=\s*$", " ", texto, flags=re.M)  # rótulos: (cap-softmax)=
    texto = re.sub(r"^:[\w-]+:.*$", " ", texto, flags=re.M)  # opções de diretivas: :class: tip
    texto = re.sub(r":::.*?\n", " ", texto)
    texto = re.sub(r"\$\$.*?\$\$", " ", texto, flags=re.S)  # fórmulas
    texto = re.sub(r"\$[^$]*\$", " ", texto)
    texto = re.sub(r"\{[a-z:]+\}`[^`]*`", " ", texto)  # papéis do MyST ({glue:text}`x`)
    texto = re.sub(r"`[^`]*`", " ", texto)
    texto = re.sub(r"[#*|_>\[\]()]", " ", texto)
    texto = re.sub(r"\s+", " ", texto)
    return texto.strip()
