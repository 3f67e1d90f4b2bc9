r"""Um modelo de linguagem de caracteres pequeno (uma GRU), para amostrar no capítulo 7.

Os pesos vêm com o pacote (``companion/dados/modelo_minusculo.npz``) e são reproduzidos
exatamente por ``scripts/treinar_modelo.py`` (torch, semente fixa, uma thread); nada é baixado, e
a inferência aqui é só numpy. O corpus é prosa técnica em português do Brasil de pacotes Debian
(a documentação do GIMP e o manual do Debian Edu); fonte, licença e tamanhos estão em
:attr:`Modelo.info`.

O modelo lê um caractere por vez. O caractere :math:`x_t` vira um vetor da matriz de
incorporação :math:`E` (:math:`V \times H`, uma linha por caractere do vocabulário) e uma GRU
atualiza o estado oculto,

.. math::

    r_t &= \sigma(W_{ir} e_t + b_{ir} + W_{hr} h_{t-1} + b_{hr}) \\
    z_t &= \sigma(W_{iz} e_t + b_{iz} + W_{hz} h_{t-1} + b_{hz}) \\
    n_t &= \tanh(W_{in} e_t + b_{in} + r_t \odot (W_{hn} h_{t-1} + b_{hn})) \\
    h_t &= (1 - z_t) \odot n_t + z_t \odot h_{t-1} ,

(as equações de ``torch.nn.GRU``), com :math:`h_0 = 0`. A cabeça de modelo de linguagem dá um
logit por caractere do vocabulário,

.. math::

    u_t = h_t W^\top + b ,

com os pesos amarrados como no GPT-2: :math:`W = E`. A softmax de :math:`u_t` é a distribuição
do caractere :math:`x_{t+1}`, e :mod:`companion.sampling` escolhe um. Como o estado tem tamanho
fixo, cada passo custa o mesmo, por mais longo que seja o texto: gerar em lote (várias amostras
de uma vez) e a busca em feixe são baratos.

Examples
--------
>>> from companion.modelo import carregar
>>> m = carregar()
>>> m.W.shape == (len(m.vocab), m.H)
True
>>> m.decodificar(m.codificar("a camada"))
'a camada'
"""

from __future__ import annotations

import inspect
import json
import math
import numbers
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import numpy as np

from companion import sampling
from companion._validacao import descrever
from companion.softmax import log_softmax

__all__ = ["Modelo", "carregar", "lexico", "palavras", "fracao_no_lexico"]

RARO = "\ufffd"


def _sigmoide(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # estável para |x| grande


def _inteiro(valor: object, nome: str, minimo: int) -> int:
    if isinstance(valor, bool) or not isinstance(valor, numbers.Integral):
        raise TypeError(f"{nome} deve ser um inteiro; recebi {descrever(valor)}")
    if valor < minimo:
        raise ValueError(f"{nome} deve ser ≥ {minimo}; recebi {valor}")
    return int(valor)


@dataclass(frozen=True, eq=False)
class Modelo:
    """Os pesos do modelo (float64) e as operações de inferência, em numpy.

    Attributes
    ----------
    vocab : tuple of str
        Os ``V`` caracteres; o de índice 0 é ``"\\ufffd"``, o símbolo dos caracteres raros demais
        no treino (e de qualquer caractere fora do vocabulário).
    incorporacao : numpy.ndarray
        ``(V, H)``: a matriz de incorporação :math:`E`, uma linha por caractere.
    W_ih, W_hh : numpy.ndarray
        ``(3H, H)``: os pesos da GRU, blocos ``r``, ``z``, ``n`` como no ``torch.nn.GRU``.
    b_ih, b_hh : numpy.ndarray
        ``(3H,)``: os vieses da GRU.
    b : numpy.ndarray
        ``(V,)``: o viés da cabeça.
    validacao : numpy.ndarray
        ``(N, L)`` de ids: o conjunto de validação, ``N`` trechos consecutivos de ``L``
        caracteres dos documentos sorteados para a validação (nenhum deles foi visto no treino).
        Cada trecho é lido a partir do estado zero, como os trechos do treino; a perplexidade
        mede a previsão dos ``L - 1`` últimos caracteres de cada um.
    info : dict
        Os metadados gravados pelo script de treino: ``fontes`` (pacote, versão, licença,
        caracteres), ``licenca``, ``caracteres_corpus``, ``megabytes_corpus``,
        ``caracteres_treino``, ``caracteres_validacao``, ``parametros``, ``arquitetura``,
        ``pesos_amarrados``, ``bits_por_caractere_validacao_torch``, ``segundos_de_treino``,
        ``config`` (hiperparâmetros), ``sha256_pesos``…
    """

    vocab: tuple[str, ...]
    incorporacao: np.ndarray
    W_ih: np.ndarray
    W_hh: np.ndarray
    b_ih: np.ndarray
    b_hh: np.ndarray
    b: np.ndarray
    validacao: np.ndarray
    info: dict = field(repr=False)

    def __post_init__(self) -> None:
        # a parte de entrada da GRU só depende do caractere: uma tabela (V, 3H) pronta
        tabela = self.incorporacao @ self.W_ih.T + self.b_ih
        object.__setattr__(self, "_entrada", tabela)
        # as transpostas contíguas: o produto com elas é bem mais rápido no BLAS
        object.__setattr__(self, "_W_hh_T", np.ascontiguousarray(self.W_hh.T))
        object.__setattr__(self, "_W_T", np.ascontiguousarray(self.incorporacao.T))
        object.__setattr__(self, "_indice", {c: i for i, c in enumerate(self.vocab)})
        object.__setattr__(self, "_cache", {})

    # ---- formatos -------------------------------------------------------------------------
    @property
    def W(self) -> np.ndarray:
        """``(V, H)``: a matriz da cabeça, :math:`u = h W^\\top + b`; é a própria
        :attr:`incorporacao` (pesos amarrados)."""
        return self.incorporacao

    @property
    def V(self) -> int:
        """O tamanho do vocabulário."""
        return len(self.vocab)

    @property
    def H(self) -> int:
        """O tamanho do estado oculto (e da incorporação)."""
        return self.incorporacao.shape[1]

    @property
    def parametros(self) -> int:
        """Quantos números o modelo aprendeu (a incorporação conta uma vez só)."""
        return sum(x.size for x in (self.incorporacao, self.W_ih, self.W_hh, self.b_ih,
                                    self.b_hh, self.b))

    # ---- texto <-> ids --------------------------------------------------------------------
    def codificar(self, texto: str) -> np.ndarray:
        """Os ids (int64) dos caracteres de ``texto``; caracteres fora do vocabulário viram o
        id 0, o símbolo de raros ``"\\ufffd"``."""
        if not isinstance(texto, str):
            raise TypeError(f"texto deve ser uma str; recebi {descrever(texto)}")
        return np.array([self._indice.get(c, 0) for c in texto], dtype=np.int64)

    def _ids(self, ids: object, nome: str = "ids") -> np.ndarray:
        try:
            arr = np.asarray(ids)
        except (ValueError, TypeError, OverflowError):  # listas irregulares, inteiros enormes
            raise TypeError(f"{nome} deve conter ids inteiros; recebi {descrever(ids)}") from None
        if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
            if arr.size == 0:
                return arr.astype(np.int64)
            raise TypeError(f"{nome} deve conter ids inteiros; recebi {descrever(ids)}")
        if arr.size and (arr.min() < 0 or arr.max() >= self.V):
            raise ValueError(f"{nome} deve ter ids entre 0 e {self.V - 1}; recebi valores de "
                             f"{arr.min()} a {arr.max()}")
        return arr.astype(np.int64)

    def decodificar(self, ids) -> str:
        """O texto dos ids (um array de qualquer formato, lido em ordem)."""
        return "".join(self.vocab[i] for i in self._ids(ids).ravel())

    # ---- a GRU passo a passo --------------------------------------------------------------
    def estado_inicial(self, B: int = 1) -> np.ndarray:
        """O estado :math:`h_0 = 0` de ``B`` sequências: zeros ``(B, H)``."""
        return np.zeros((_inteiro(B, "B", 1), self.H))

    def _passo(self, h: np.ndarray, ids: np.ndarray) -> np.ndarray:
        gi = self._entrada[ids]  # (B, 3H)
        gh = h @ self._W_hh_T + self.b_hh
        H = self.H
        r = _sigmoide(gi[:, :H] + gh[:, :H])
        z = _sigmoide(gi[:, H : 2 * H] + gh[:, H : 2 * H])
        n = np.tanh(gi[:, 2 * H :] + r * gh[:, 2 * H :])
        return (1.0 - z) * n + z * h

    def passo(self, estado: np.ndarray, ids) -> tuple[np.ndarray, np.ndarray]:
        """Lê um caractere por sequência: ``estado`` ``(B, H)`` e ``ids`` ``(B,)`` dão
        ``(logits, novo_estado)``, os logits ``(B, V)`` do caractere seguinte e o estado
        ``(B, H)`` depois de ler ``ids``."""
        estado = np.asarray(estado, dtype=np.float64)
        ids = self._ids(ids).reshape(-1)
        if estado.ndim != 2 or estado.shape != (ids.size, self.H):
            raise ValueError(f"estado deve ter formato ({ids.size}, {self.H}) (B, H) para "
                             f"{ids.size} ids; recebi {estado.shape}")
        h = self._passo(estado, ids)
        return self.logits_de(h), h

    def estado_oculto(self, ids, estado: np.ndarray | None = None) -> np.ndarray:
        """Os estados :math:`h_1, …, h_t` depois de ler cada caractere de ``ids``.

        ``ids`` ``(t,)`` dá ``(t, H)``; ``(B, t)`` dá ``(B, t, H)``. ``estado`` (``(B, H)``,
        padrão: zeros) é o estado antes do primeiro id. ``h[..., i, :]`` é o estado que a
        cabeça usa para prever o caractere ``i + 1``.
        """
        ids = self._ids(ids)
        um = ids.ndim == 1
        ids2 = ids[None] if um else ids
        if ids2.ndim != 2:
            raise ValueError(f"ids deve ter formato (t,) ou (B, t); recebi {ids.shape}")
        B, t = ids2.shape
        h = self.estado_inicial(max(B, 1)) if estado is None else np.asarray(estado, float)
        if h.shape != (B, self.H) and B:
            raise ValueError(f"estado deve ter formato ({B}, {self.H}); recebi {h.shape}")
        saida = np.empty((B, t, self.H))
        for i in range(t):
            h = self._passo(h, ids2[:, i])
            saida[:, i] = h
        return saida[0] if um else saida

    def logits_de(self, h: np.ndarray) -> np.ndarray:
        """A cabeça de modelo de linguagem: :math:`u = h W^\\top + b`, ``(..., H) → (..., V)``."""
        return np.asarray(h) @ self._W_T + self.b

    def logits(self, ids) -> np.ndarray:
        """Os logits do caractere seguinte a cada posição de ``ids``: ``(t,) → (t, V)`` ou
        ``(B, t) → (B, t, V)``, a partir do estado zero."""
        return self.logits_de(self.estado_oculto(ids))

    # ---- geração --------------------------------------------------------------------------
    def gerar(
        self,
        inicio: str,
        n: int,
        *,
        guloso: bool = False,
        rng: np.random.Generator | None = None,
        amostras: int = 1,
        **opcoes,
    ) -> str | list[str]:
        """Continua ``inicio`` com ``n`` caracteres, em lote.

        Parameters
        ----------
        inicio : str
            O começo do texto (ao menos um caractere); o modelo o lê a partir do estado zero.
        n : int
            Quantos caracteres gerar (≥ 0).
        guloso : bool, opcional
            ``True``: sempre o caractere mais provável (:func:`companion.sampling.greedy`);
            ``False`` (padrão): sorteio com :func:`companion.sampling.sample`.
        rng : numpy.random.Generator, opcional
            A fonte de aleatoriedade do sorteio; com a mesma semente, o mesmo texto.
        amostras : int, opcional
            Quantas continuações independentes, geradas juntas (vetorizado). Padrão: 1.
        **opcoes
            Repassadas a :func:`companion.sampling.sample` a cada passo (``temperature``,
            ``top_k``, ``top_p``, ``min_p``, ``typical_p``, ``epsilon_cutoff``,
            ``eta_cutoff``, ``metodo``); uma opção desconhecida dá ``TypeError``.
            ``repetition_penalty`` é aplicada por
            :func:`companion.sampling.repetition_penalty` com os ids já lidos (o começo e o
            gerado), antes dos filtros (a ordem do Hugging Face), e depois dela
            ``no_repeat_ngram_size`` (:func:`companion.sampling.no_repeat_ngram`); são as
            únicas opções que valem também com ``guloso=True``, como no ``generate``.

        Returns
        -------
        str or list of str
            ``inicio`` seguido do texto gerado; uma lista de ``amostras`` textos se
            ``amostras > 1``.
        """
        if not isinstance(inicio, str):
            raise TypeError(f"inicio deve ser uma str; recebi {descrever(inicio)}")
        if not inicio:
            raise ValueError("inicio deve ter ao menos um caractere; recebi a str vazia")
        n = _inteiro(n, "n", 0)
        amostras = _inteiro(amostras, "amostras", 1)
        if not isinstance(guloso, bool):
            raise TypeError(f"guloso deve ser True ou False; recebi {descrever(guloso)}")
        # as opções de sample, menos as que gerar mesmo preenche
        aceitas = set(inspect.signature(sampling.sample).parameters) - {
            "logits", "rng", "num_samples", "previous_ids"
        }
        desconhecidas = sorted(set(opcoes) - aceitas)
        if desconhecidas:
            raise TypeError(
                f"gerar não conhece a opção {', '.join(desconhecidas)}; as opções de amostragem "
                f"são {', '.join(sorted(aceitas))}"
            )
        # a penalidade de repetição e o bloqueio de n-gramas são processadores, não filtros de
        # sorteio: valem também na decodificação gulosa, como no generate do transformers
        penalidade = opcoes.pop("repetition_penalty", None)
        n_grama = opcoes.pop("no_repeat_ngram_size", None)
        if n_grama is not None:  # None ou 0 desligam, como no generate
            n_grama = _inteiro(n_grama, "no_repeat_ngram_size", 0) or None
        if guloso and opcoes:
            raise ValueError(f"guloso=True não sorteia; as opções de amostragem "
                             f"{sorted(opcoes)} não se aplicam (só repetition_penalty e "
                             f"no_repeat_ngram_size)")
        if rng is not None and not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng deve ser um numpy.random.Generator; recebi {descrever(rng)}")
        if rng is None and not guloso:
            rng = np.random.default_rng()

        prefixo = self.codificar(inicio)
        h = self.estado_oculto(prefixo)[-1]
        h = np.repeat(h[None], amostras, axis=0)  # (B, H)
        ids = np.empty((amostras, prefixo.size + n), dtype=np.int64)
        ids[:, : prefixo.size] = prefixo
        for i in range(prefixo.size, prefixo.size + n):
            u = self.logits_de(h)
            if penalidade is not None:
                u = sampling.repetition_penalty(u, ids[:, :i], penalidade)
            if n_grama is not None:
                u = sampling.no_repeat_ngram(u, ids[:, :i], n_grama)
            if guloso:
                proximo = sampling.greedy(u)
            else:
                proximo = sampling.sample(u, rng=rng, **opcoes)
            ids[:, i] = proximo
            h = self._passo(h, ids[:, i])
        textos = ["".join(self.vocab[j] for j in linha) for linha in ids]
        # o começo volta como foi escrito (caracteres raros não viram "\ufffd")
        textos = [inicio + t[prefixo.size :] for t in textos]
        return textos[0] if amostras == 1 else textos

    def step_fn(self, prefixo: str = "") -> Callable[[np.ndarray], np.ndarray]:
        """Uma função para a busca em feixe: ``f(seqs)`` com ``seqs`` ``(B, t)`` de ids (o que
        já foi gerado depois de ``prefixo``) dá os logits ``(B, V)`` do caractere seguinte.

        A função guarda o estado de cada sequência já vista, de modo que estender uma
        sequência em um caractere custa um passo da GRU (e não reler tudo). Com ``t = 0``, os
        logits depois de ``prefixo`` (se ``prefixo`` é vazio, os de :math:`h_0 = 0`, isto é,
        :math:`b`).
        """
        if not isinstance(prefixo, str):
            raise TypeError(f"prefixo deve ser uma str; recebi {descrever(prefixo)}")
        ids_prefixo = self.codificar(prefixo)
        h0 = self.estado_oculto(ids_prefixo)[-1] if ids_prefixo.size else np.zeros(self.H)
        estados: dict[bytes, np.ndarray] = {b"": h0}

        def f(seqs) -> np.ndarray:
            seqs = self._ids(seqs, "seqs")
            if seqs.ndim != 2:
                raise ValueError(f"seqs deve ter formato (B, t); recebi {seqs.shape}")
            B, t = seqs.shape
            h = np.empty((B, self.H))
            faltam = []
            for i, linha in enumerate(seqs):
                chave = linha.tobytes()
                if chave in estados:
                    h[i] = estados[chave]
                elif linha[:-1].tobytes() in estados:
                    faltam.append(i)
                else:  # relê a sequência toda a partir do prefixo
                    hs = self.estado_oculto(linha[None], h0[None])[0]
                    h[i] = hs[-1]
                    estados[chave] = hs[-1]
            if faltam:
                anteriores = np.stack([estados[seqs[i, :-1].tobytes()] for i in faltam])
                novos = self._passo(anteriores, seqs[faltam, -1])
                for i, hi in zip(faltam, novos, strict=True):
                    h[i] = hi
                    estados[seqs[i].tobytes()] = hi
            return self.logits_de(h)

        return f

    # ---- medidas --------------------------------------------------------------------------
    def _trechos(self, ids) -> np.ndarray:
        if ids is None:
            return self.validacao.astype(np.int64)
        ids = self._ids(ids)
        if ids.ndim == 1:
            ids = ids[None]
        if ids.ndim != 2 or ids.shape[1] < 2:
            raise ValueError(f"ids deve ter formato (t,) ou (N, t) com t ≥ 2; recebi {ids.shape}")
        return ids

    def logprobs(self, ids=None, processador: Callable | None = None) -> np.ndarray:
        """As log-probabilidades (naturais) que o modelo dá ao caractere verdadeiro seguinte.

        ``ids``: ``None`` (padrão: os trechos de :attr:`validacao`), um texto codificado
        ``(t,)`` ou trechos ``(N, t)``, cada um lido a partir do estado zero; o resultado tem
        formato ``(N, t - 1)``. ``processador``, se dado, é uma função ``logits (M, V) → logits
        (M, V)`` aplicada antes da softmax (por exemplo ``lambda u: sampling.top_k(u, 10)``):
        um caractere verdadeiro cortado por ela recebe ``-inf``. Os logits da validação são
        guardados (em float32) na primeira chamada; as seguintes só aplicam ``processador``.
        """
        trechos = self._trechos(ids)
        if ids is None:  # os logits da validação são calculados uma vez só (float32)
            if "validacao" not in self._cache:
                u = self.logits(trechos[:, :-1]).astype(np.float32)
                u.setflags(write=False)
                self._cache["validacao"] = u
            u = self._cache["validacao"]
        else:
            u = self.logits(trechos[:, :-1])  # (N, t-1, V)
        N, t1, V = u.shape
        u = u.reshape(-1, V).astype(np.float64)
        if processador is not None:
            u = np.asarray(processador(u), dtype=np.float64)
            if u.shape != (N * t1, V):
                raise ValueError(f"processador deve devolver logits de formato {(N * t1, V)}; "
                                 f"devolveu {u.shape}")
        with np.errstate(invalid="ignore", divide="ignore"):
            lp = log_softmax(u, axis=-1)
        return lp[np.arange(N * t1), trechos[:, 1:].reshape(-1)].reshape(N, t1)

    def perplexidade(self, ids=None, processador: Callable | None = None) -> float:
        """:math:`\\exp` da entropia cruzada média do caractere seguinte (padrão: na validação).

        Os argumentos são os de :meth:`logprobs`. Com um ``processador`` que corta
        caracteres (top-k, top-p…), basta um caractere verdadeiro cortado para a perplexidade
        ser ``inf``; para ver quantos foram cortados e a perplexidade dos que sobraram, use
        :meth:`logprobs` e separe os ``-inf``.
        """
        return float(np.exp(-self.logprobs(ids, processador).mean()))

    def bits_por_caractere(self, ids=None, processador: Callable | None = None) -> float:
        """A entropia cruzada em bits: :math:`\\log_2` da :meth:`perplexidade`."""
        return float(-self.logprobs(ids, processador).mean() / math.log(2))

    def lexico(self) -> frozenset[str]:
        """As palavras do texto de treino (ver :func:`lexico`)."""
        return lexico()

    def fracao_no_lexico(self, texto: str | list[str]) -> float:
        """A fração das palavras de ``texto`` que estão no léxico do treino (ver
        :func:`fracao_no_lexico`)."""
        return fracao_no_lexico(texto)


def palavras(texto: str) -> list[str]:
    """As palavras de ``texto`` pela regra do léxico: sequências máximas de letras (com
    acentos; sem dígitos, pontuação e ``_``), em minúsculas. “Pré-definição” dá duas palavras,
    ``pré`` e ``definição``.

    Examples
    --------
    >>> palavras("O GIMP 2.10 abre o diálogo “Camadas”.")
    ['o', 'gimp', 'abre', 'o', 'diálogo', 'camadas']
    """
    if not isinstance(texto, str):
        raise TypeError(f"texto deve ser uma str; recebi {descrever(texto)}")
    return re.findall(r"[^\W\d_]+", texto.lower())


@lru_cache(maxsize=1)
def lexico() -> frozenset[str]:
    """As palavras (regra de :func:`palavras`) do texto de treino do modelo, que vêm com o
    pacote ao lado dos pesos. O texto de validação não entra: uma palavra que só aparece nele
    não está no léxico.

    Examples
    --------
    >>> "camada" in lexico() and "imagem" in lexico()
    True
    """
    arquivo = resources.files("companion") / "dados" / "lexico.txt"
    return frozenset(arquivo.read_text(encoding="utf-8").split())


def fracao_no_lexico(texto: str | list[str]) -> float:
    """A fração das palavras de ``texto`` (uma str, ou uma lista delas, juntas) que estão no
    :func:`lexico` do treino; ``nan`` se não há palavra nenhuma.

    Examples
    --------
    >>> fracao_no_lexico("a camada xyzw")
    0.6666666666666666
    """
    if isinstance(texto, list | tuple):
        ps = [p for t in texto for p in palavras(t)]
    else:
        ps = palavras(texto)
    if not ps:
        return float("nan")
    lx = lexico()
    return sum(p in lx for p in ps) / len(ps)


@lru_cache(maxsize=1)
def carregar() -> Modelo:
    """Carrega os pesos que vêm com o pacote (uma vez; as chamadas seguintes devolvem o mesmo
    objeto)."""
    arquivo = resources.files("companion") / "dados" / "modelo_minusculo.npz"
    with resources.as_file(arquivo) as caminho, np.load(caminho) as dados:
        pesos = {nome: dados[nome].astype(np.float64)
                 for nome in ("incorporacao", "W_ih", "W_hh", "b_ih", "b_hh", "b")}
        for x in pesos.values():
            x.setflags(write=False)
        validacao = dados["validacao"].astype(np.int64)
        validacao.setflags(write=False)
        return Modelo(
            vocab=tuple(str(c) for c in dados["vocab"]),
            validacao=validacao,
            info=json.loads(str(dados["info"])),
            **pesos,
        )
