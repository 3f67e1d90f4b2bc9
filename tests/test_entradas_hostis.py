"""Toda função pública diante de entradas hostis (issue 12, §7).

Para cada função pública e cada argumento array, uma tabela de entradas ruins ou incomuns: tipos
(texto, ``None``, dicionários, objetos), dtypes (complexo, objeto, datas), listas irregulares,
inteiros grandes demais para um float, arrays mascarados, tensores do torch (com
``requires_grad``, ``bfloat16``), ``nan`` e ``±inf``, arrays de 0 dimensões e vazios, e visões
somente leitura e não contíguas. Para cada uma, o teste aceita só dois desfechos:

* um resultado — e então nenhum ``RuntimeWarning`` vazou, nenhuma entrada mudou, e as entradas
  equivalentes (visões, listas, tensores) dão o mesmo resultado que o array comum; um array
  mascarado não pode dar o mesmo resultado que os dados sem a máscara (a máscara não pode sumir
  em silêncio);
* um ``ValueError``/``TypeError`` em português que nomeia o parâmetro como o usuário o escreveu.

Os valores em si são testados contra o torch nos módulos de cada função; aqui se testa que nenhuma
entrada escapa dessas duas saídas.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
import torch

import companion
from companion import formatacao, online, sampling

# ---------------------------------------------------------------------------------------------
# As funções e uma chamada válida de cada uma

RNG = np.random.default_rng(12)
X = RNG.normal(size=(3, 4))
PROBS = np.exp(X) / np.exp(X).sum(-1, keepdims=True)
ALVOS = np.array([0, 3, 1])


@dataclass(frozen=True)
class Funcao:
    nome: str
    chamar: Callable[..., Any]
    validos: dict[str, Any]
    arrays: tuple[str, ...]  # os argumentos que recebem as entradas hostis
    inteiros: tuple[str, ...] = ()  # argumentos de índices (alvos, ids): outra tabela
    opcionais: tuple[str, ...] = field(default=())  # aceitam None


def _check_grad(x):
    return companion.check_grad(lambda v: float(np.sum(v**2)), lambda v: 2 * v, x)


def _beam_search(input_ids, **opcoes):
    # um modelo de brinquedo: os logits do próximo token dependem só do último
    tabela = RNG_FIXO.normal(size=(4, 4))

    def step_fn(seqs):
        return tabela[np.asarray(seqs)[:, -1]]

    sequencias, pontuacoes = sampling.beam_search(step_fn, 2, 3, input_ids=input_ids, **opcoes)
    return np.concatenate([np.ravel(np.stack(sequencias)), pontuacoes])


RNG_FIXO = np.random.default_rng(7)

FUNCOES = [
    Funcao("softmax", companion.softmax, {"x": X}, ("x",)),
    Funcao("log_softmax", companion.log_softmax, {"x": X}, ("x",)),
    Funcao("logsumexp", companion.logsumexp, {"x": X}, ("x",)),
    Funcao("softmax2d", companion.softmax2d, {"x": RNG.normal(size=(2, 3, 4))}, ("x",)),
    Funcao("spatial_softmax", companion.spatial_softmax, {"x": RNG.normal(size=(2, 3, 4))}, ("x",)),
    Funcao("sigmoid", companion.sigmoid, {"x": X}, ("x",)),
    Funcao("log_sigmoid", companion.log_sigmoid, {"x": X}, ("x",)),
    Funcao(
        "cross_entropy",
        companion.cross_entropy,
        {"logits": X, "target": ALVOS, "weight": np.array([1.0, 2.0, 0.5, 1.0])},
        ("logits", "weight"),
        inteiros=("target",),
        opcionais=("weight",),
    ),
    Funcao(
        "nll_loss",
        companion.nll_loss,
        {"log_probs": np.log(PROBS), "target": ALVOS},
        ("log_probs",),
        inteiros=("target",),
    ),
    Funcao(
        "binary_cross_entropy_with_logits",
        companion.binary_cross_entropy_with_logits,
        {
            "logits": X[0],
            "target": np.array([0.0, 1.0, 0.5, 1.0]),
            "weight": np.array([1.0, 2.0, 1.0, 1.0]),
            "pos_weight": np.array([1.0, 3.0, 1.0, 2.0]),
        },
        ("logits", "target", "weight", "pos_weight"),
        opcionais=("weight", "pos_weight"),
    ),
    Funcao(
        "binary_cross_entropy",
        companion.binary_cross_entropy,
        {"probs": PROBS[0], "target": np.array([0.0, 1.0, 0.5, 1.0])},
        ("probs", "target"),
    ),
    Funcao(
        "softmax_backward",
        companion.softmax_backward,
        {"y": PROBS, "grad_y": X},
        ("y", "grad_y"),
    ),
    Funcao(
        "log_softmax_backward",
        companion.log_softmax_backward,
        {"logp": np.log(PROBS), "grad_logp": X},
        ("logp", "grad_logp"),
    ),
    Funcao(
        "sigmoid_backward",
        companion.sigmoid_backward,
        {"y": 1 / (1 + np.exp(-X)), "grad_y": X},
        ("y", "grad_y"),
    ),
    Funcao(
        "cross_entropy_backward",
        companion.cross_entropy_backward,
        {"logits": X, "target": ALVOS, "weight": np.array([1.0, 2.0, 0.5, 1.0])},
        ("logits", "weight"),
        inteiros=("target",),
        opcionais=("weight",),
    ),
    Funcao(
        "nll_loss_backward",
        companion.nll_loss_backward,
        {"log_probs": np.log(PROBS), "target": ALVOS, "weight": np.array([1.0, 2.0, 0.5, 1.0])},
        ("log_probs", "weight"),
        inteiros=("target",),
        opcionais=("weight",),
    ),
    Funcao(
        "binary_cross_entropy_backward",
        companion.binary_cross_entropy_backward,
        {"probs": PROBS[0], "target": np.array([0.0, 1.0, 0.5, 1.0])},
        ("probs", "target"),
    ),
    Funcao(
        "binary_cross_entropy_with_logits_backward",
        companion.binary_cross_entropy_with_logits_backward,
        {
            "logits": X[0],
            "target": np.array([0.0, 1.0, 0.5, 1.0]),
            "weight": np.array([1.0, 2.0, 1.0, 1.0]),
            "pos_weight": np.array([1.0, 3.0, 1.0, 2.0]),
        },
        ("logits", "target", "weight", "pos_weight"),
        opcionais=("weight", "pos_weight"),
    ),
    Funcao("softmax_jacobian", companion.softmax_jacobian, {"x": X[0]}, ("x",)),
    Funcao("check_grad", _check_grad, {"x": X}, ("x",)),
    Funcao("temperature", sampling.temperature, {"logits": X, "t": 0.7}, ("logits",)),
    Funcao("top_k", sampling.top_k, {"logits": X, "k": 2}, ("logits",)),
    Funcao("top_p", sampling.top_p, {"logits": X, "p": 0.8}, ("logits",)),
    Funcao("min_p", sampling.min_p, {"logits": X, "p": 0.1}, ("logits",)),
    Funcao(
        "repetition_penalty",
        sampling.repetition_penalty,
        {"logits": X, "previous_ids": np.array([[0, 1], [2, 2], [3, 0]]), "penalty": 1.3},
        ("logits",),
        inteiros=("previous_ids",),
    ),
    Funcao(
        "no_repeat_ngram",
        sampling.no_repeat_ngram,
        {"logits": X, "previous_ids": np.array([[0, 1, 0], [2, 2, 2], [3, 0, 3]]), "n": 2},
        ("logits",),
        inteiros=("previous_ids",),
    ),
    Funcao(
        "sample-no_repeat_ngram_size",
        lambda logits, previous_ids: sampling.sample(
            logits,
            no_repeat_ngram_size=2,
            repetition_penalty=1.3,
            previous_ids=previous_ids,
            rng=np.random.default_rng(0),
        ),
        {"logits": X, "previous_ids": np.array([[0, 1, 0], [2, 2, 2], [3, 0, 3]])},
        ("logits",),
        inteiros=("previous_ids",),
    ),
    Funcao("greedy", sampling.greedy, {"logits": X}, ("logits",)),
    Funcao(
        "sample",
        lambda logits: sampling.sample(logits, rng=np.random.default_rng(0)),
        {"logits": X},
        ("logits",),
    ),
    Funcao("typical_p", sampling.typical_p, {"logits": X, "p": 0.9}, ("logits",)),
    Funcao("epsilon_cutoff", sampling.epsilon_cutoff, {"logits": X, "epsilon": 0.05}, ("logits",)),
    Funcao("eta_cutoff", sampling.eta_cutoff, {"logits": X, "epsilon": 0.05}, ("logits",)),
    Funcao(
        "sample-filtros-novos",
        lambda logits: sampling.sample(
            logits,
            typical_p=0.9,
            epsilon_cutoff=0.01,
            eta_cutoff=0.01,
            metodo="gumbel",
            rng=np.random.default_rng(0),
        ),
        {"logits": X},
        ("logits",),
    ),
    Funcao(
        "inverse_cdf_sample",
        sampling.inverse_cdf_sample,
        {"probs": PROBS, "u": np.array([0.1, 0.5, 0.9])},
        ("probs", "u"),
    ),
    Funcao(
        "beam_search",
        lambda input_ids: _beam_search(input_ids),
        {"input_ids": np.array([1, 2])},
        (),
        inteiros=("input_ids",),
    ),
    Funcao(
        "beam_search-no_repeat_ngram_size",
        lambda input_ids: _beam_search(input_ids, no_repeat_ngram_size=2, repetition_penalty=1.3),
        {"input_ids": np.array([1, 2, 1])},
        (),
        inteiros=("input_ids",),
    ),
    Funcao("estado_de", online.estado_de, {"bloco": X}, ("bloco",)),
    Funcao("blockwise_softmax", online.blockwise_softmax, {"x": X, "block_size": 3}, ("x",)),
    Funcao(
        "blockwise_attention",
        online.blockwise_attention,
        {"q": X, "k": RNG.normal(size=(5, 4)), "v": RNG.normal(size=(5, 2)), "block_size": 2},
        ("q", "k", "v"),
    ),
]


# ---------------------------------------------------------------------------------------------
# As entradas hostis, feitas a partir do valor válido de cada argumento


def _nao_contiguo(a: np.ndarray) -> np.ndarray:
    maior = np.zeros(a.shape[:-1] + (2 * a.shape[-1],), dtype=a.dtype) if a.ndim else None
    if maior is None:
        return a
    maior[..., ::2] = a
    return maior[..., ::2]


def _somente_leitura(a: np.ndarray) -> np.ndarray:
    b = a.copy()
    b.flags.writeable = False
    return b


def _com(a: np.ndarray, valor: float) -> np.ndarray:
    b = a.astype(np.float64)
    b.flat[0] = valor
    return b


# entradas que valem o mesmo que o array: o resultado tem de ser igual
EQUIVALENTES: dict[str, Callable[[np.ndarray], Any]] = {
    "lista": lambda a: a.tolist(),
    "somente-leitura": _somente_leitura,
    "nao-contiguo": _nao_contiguo,
    "fortran": lambda a: np.asfortranarray(a),
    "tensor": lambda a: torch.tensor(a),
    "tensor-requires-grad": lambda a: torch.tensor(a, requires_grad=True),
}
# entradas que só podem ser recusadas (TypeError/ValueError em português, com o nome)
RECUSADAS: dict[str, Callable[[np.ndarray], Any]] = {
    "texto": lambda a: "abc",
    "dicionario": lambda a: {"x": 1.0},
    "objeto": lambda a: object(),
    "textos": lambda a: a.astype(str),
    "complexo": lambda a: a.astype(complex),
    "dtype-objeto": lambda a: np.array([None] * a.size, dtype=object).reshape(a.shape),
    "datas": lambda a: np.zeros(a.shape, dtype="datetime64[D]"),
    "irregular": lambda a: [[1.0, 2.0], [3.0]],
    "inteiro-enorme": lambda a: [10**400] + [1.0] * (a.size - 1),
}
# entradas que podem ter resultado ou ser recusadas
QUAISQUER: dict[str, Callable[[np.ndarray], Any]] = {
    "nan": lambda a: _com(a, np.nan),
    "mais-inf": lambda a: _com(a, np.inf),
    "menos-inf": lambda a: _com(a, -np.inf),
    "zero-d": lambda a: np.asarray(a.flat[0]),
    "vazio": lambda a: np.zeros((0,) * max(a.ndim, 1)),
    "linha-vazia": lambda a: np.zeros(a.shape[:-1] + (0,)) if a.ndim else np.zeros(0),
    "float16": lambda a: a.astype(np.float16),
    "float32": lambda a: a.astype(np.float32),
    "longdouble": lambda a: a.astype(np.longdouble),
    "inteiros": lambda a: np.round(a).astype(np.int64),
    "booleanos": lambda a: a > 0,
    "tensor-bfloat16": lambda a: torch.tensor(a, dtype=torch.bfloat16),
    # o elemento escondido pela máscara domina a conta: se a máscara sumir, o resultado muda
    "mascarado": lambda a: np.ma.array(_com(a, 50.0), mask=np.arange(a.size).reshape(a.shape) == 0),
}
INDICES_RECUSADOS: dict[str, Callable[[np.ndarray], Any]] = {
    "texto": lambda a: "abc",
    "float": lambda a: a.astype(float) + 0.5,
    "irregular": lambda a: [[0, 1], [2]],
    "complexo": lambda a: a.astype(complex),
    "objeto": lambda a: object(),
}

INGLES = re.compile(
    r"could not|cannot|must be|invalid|unsupported|expected|mismatch|operands|not supported|"
    r"has no attribute|object is not|only integer|index \d+ is out of bounds|takes \d+ positional",
    re.I,
)
PORTUGUES = re.compile(r"\b(deve|recebid[oa]s?|esperad[oa]s?|não|precisa|use|tem)\b", re.I)


def _copia(valor: Any) -> Any:
    if isinstance(valor, np.ma.MaskedArray):
        return valor.copy()
    if isinstance(valor, np.ndarray):
        return valor.copy()
    if isinstance(valor, torch.Tensor):
        return valor.detach().clone()
    if isinstance(valor, list):
        return [_copia(v) for v in valor]
    return valor


def _iguais(a: Any, b: Any) -> bool:
    if isinstance(b, np.ma.MaskedArray):
        return (
            isinstance(a, np.ma.MaskedArray)
            and np.array_equal(np.ma.getmaskarray(a), np.ma.getmaskarray(b))
            and np.array_equal(a.data, b.data, equal_nan=True)
        )
    if isinstance(b, torch.Tensor):
        return torch.equal(a.detach(), b) or bool(
            torch.all((a.detach() == b) | (a.detach().isnan() & b.isnan()))
        )
    if isinstance(b, np.ndarray):
        return np.array_equal(a, b, equal_nan=b.dtype.kind == "f")
    return a == b


def _rodar(funcao: Funcao, argumentos: dict[str, Any]):
    """Chama a função; devolve (resultado, exceção), conferindo avisos e entradas."""
    antes = {k: _copia(v) for k, v in argumentos.items()}
    with warnings.catch_warnings(record=True) as avisos, np.errstate(all="warn"):
        warnings.simplefilter("always")
        try:
            resultado, erro = funcao.chamar(**argumentos), None
        except (TypeError, ValueError) as e:
            resultado, erro = None, e
    vazados = [str(a.message) for a in avisos if issubclass(a.category, RuntimeWarning)]
    assert not vazados, f"{funcao.nome}: RuntimeWarning vazou: {vazados}"
    for nome, valor in argumentos.items():
        assert _iguais(valor, antes[nome]), f"{funcao.nome}: a entrada {nome} foi alterada"
    return resultado, erro


def _assert_erro_em_portugues(funcao: Funcao, nome: str, erro: BaseException) -> None:
    texto = str(erro)
    assert nome in texto, f"{funcao.nome}({nome}=...): a mensagem não nomeia {nome}: {texto!r}"
    assert PORTUGUES.search(texto), f"{funcao.nome}({nome}=...): não parece português: {texto!r}"
    assert not INGLES.search(texto), f"{funcao.nome}({nome}=...): inglês na mensagem: {texto!r}"


def _como_numpy(resultado: Any) -> Any:
    if hasattr(resultado, "m") and hasattr(resultado, "d"):  # um Estado
        return np.concatenate([np.ravel(resultado.m), np.ravel(resultado.d)])
    if hasattr(resultado, "erro_maximo"):  # VerificacaoGradiente
        return np.array([resultado.ok, resultado.erro_maximo])
    return np.asarray(resultado, dtype=np.float64)


def _casos(tabela: dict[str, Callable], campo: str) -> list:
    return [
        pytest.param(f, nome, entrada, id=f"{f.nome}-{nome}-{entrada}")
        for f in FUNCOES
        for nome in getattr(f, campo)
        for entrada in tabela
    ]


@pytest.mark.parametrize("funcao", FUNCOES, ids=lambda f: f.nome)
def test_chamada_valida(funcao):
    resultado, erro = _rodar(funcao, dict(funcao.validos))
    assert erro is None, erro
    assert not np.any(np.isnan(_como_numpy(resultado)))


@pytest.mark.parametrize("funcao, nome, entrada", _casos(EQUIVALENTES, "arrays"))
def test_entradas_equivalentes_dao_o_mesmo_resultado(funcao, nome, entrada):
    base, _ = _rodar(funcao, dict(funcao.validos))
    argumentos = {**funcao.validos, nome: EQUIVALENTES[entrada](funcao.validos[nome])}
    resultado, erro = _rodar(funcao, argumentos)
    if erro is not None:  # recusar um tensor é permitido, com a mensagem certa
        assert entrada.startswith("tensor"), erro
        _assert_erro_em_portugues(funcao, nome, erro)
        return
    np.testing.assert_allclose(_como_numpy(resultado), _como_numpy(base), rtol=1e-12, atol=0)
    if isinstance(resultado, np.ndarray):
        assert not isinstance(resultado, np.ma.MaskedArray)


@pytest.mark.parametrize("funcao, nome, entrada", _casos(RECUSADAS, "arrays"))
def test_entradas_sem_sentido_sao_recusadas_em_portugues(funcao, nome, entrada):
    argumentos = {**funcao.validos, nome: RECUSADAS[entrada](funcao.validos[nome])}
    resultado, erro = _rodar(funcao, argumentos)
    assert erro is not None, f"{funcao.nome}({nome}={entrada}) devolveu {resultado!r}"
    _assert_erro_em_portugues(funcao, nome, erro)


@pytest.mark.parametrize("funcao, nome, entrada", _casos(QUAISQUER, "arrays"))
def test_entradas_incomuns_dao_resultado_ou_erro_em_portugues(funcao, nome, entrada):
    valido = funcao.validos[nome]
    argumentos = {**funcao.validos, nome: QUAISQUER[entrada](valido)}
    resultado, erro = _rodar(funcao, argumentos)
    if erro is not None:
        _assert_erro_em_portugues(funcao, nome, erro)
        return
    if entrada == "mascarado":
        # a máscara não pode sumir em silêncio: o resultado não é o dos dados sem máscara
        sem_mascara = {**argumentos, nome: np.ma.getdata(argumentos[nome])}
        base, _ = _rodar(funcao, sem_mascara)
        assert not np.allclose(_como_numpy(resultado), _como_numpy(base), equal_nan=True), (
            f"{funcao.nome}: a máscara de {nome} foi ignorada"
        )


@pytest.mark.parametrize("funcao, nome, entrada", _casos(INDICES_RECUSADOS, "inteiros"))
def test_indices_sem_sentido_sao_recusados_em_portugues(funcao, nome, entrada):
    argumentos = {**funcao.validos, nome: INDICES_RECUSADOS[entrada](funcao.validos[nome])}
    resultado, erro = _rodar(funcao, argumentos)
    assert erro is not None, f"{funcao.nome}({nome}={entrada}) devolveu {resultado!r}"
    _assert_erro_em_portugues(funcao, nome, erro)


@pytest.mark.parametrize(
    "funcao, nome",
    [pytest.param(f, n, id=f"{f.nome}-{n}") for f in FUNCOES for n in f.opcionais],
)
def test_opcionais_aceitam_none(funcao, nome):
    _, erro = _rodar(funcao, {**funcao.validos, nome: None})
    assert erro is None, erro


# ---------------------------------------------------------------------------------------------
# Os auxiliares de formatação do livro


@pytest.mark.parametrize("f", [formatacao.num, formatacao.pct, formatacao.cientifico])
@pytest.mark.parametrize("casas", [-1, 2.5, "2", None, 10**6, True])
def test_formatacao_recusa_casas_sem_sentido(f, casas):
    with pytest.raises((TypeError, ValueError), match="casas") as info:
        f(0.5, casas)
    assert PORTUGUES.search(str(info.value))


@pytest.mark.parametrize(
    "f", [formatacao.num, formatacao.pct, formatacao.cientifico, formatacao.cota]
)
@pytest.mark.parametrize("valor", ["0.5", None, [1.0], 1 + 2j])
def test_formatacao_recusa_valores_que_nao_sao_numeros(f, valor):
    with pytest.raises(TypeError, match="valor") as info:
        f(valor)
    assert PORTUGUES.search(str(info.value))


@pytest.mark.parametrize("valores", [3.0, None, "abc", object()])
def test_vetor_recusa_o_que_nao_e_sequencia_de_numeros(valores):
    with pytest.raises(TypeError, match="valores") as info:
        formatacao.vetor(valores)
    assert PORTUGUES.search(str(info.value))
