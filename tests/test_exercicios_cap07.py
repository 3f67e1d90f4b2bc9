"""Os verificadores do capítulo 7 (top-k, top-p) contra as implementações do companion, que
seguem o Hugging Face, contra respostas corretas escritas de outros jeitos e contra erros
escritos como um estudante os escreveria (issue 11, §2: empates, softmax ingênua, um limiar
para o array inteiro, avisos silenciados, entrada alterada, formato)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.special
import torch

from companion import verificar
from companion.exercicios import obter
from companion.sampling import top_k, top_p


def test_o_companion_passa():
    assert verificar("top-k", top_k).ok
    assert verificar("top-p", top_p).ok


def test_top_k_com_argsort_de_estudante_quebra_empates():
    def com_argsort(logits, k):
        logits = np.asarray(logits, dtype=float)
        saida = np.full_like(logits, -np.inf)
        indices = np.argsort(logits, axis=-1)[..., ::-1][..., :k]
        np.put_along_axis(saida, indices, np.take_along_axis(logits, indices, -1), -1)
        return saida

    assert verificar("top-k", com_argsort).diagnostico == "quebra-empates"


# ---------------------------------------------------------------------------------------------
# top-k


def _top_k_como_o_hugging_face(logits, k):
    # TopKLogitsWarper: scores < torch.topk(scores, k)[0][..., -1, None] vira -inf
    x = torch.as_tensor(logits)
    k = min(k, x.shape[-1])
    kesimo = torch.topk(x, k)[0][..., -1, None]
    return x.masked_fill(x < kesimo, -float("inf")).numpy()


def _top_k_em_laco(logits, k):
    saida = np.array(logits, dtype=float)  # uma cópia
    for linha in saida.reshape(-1, saida.shape[-1]):
        ordenados = sorted(linha, reverse=True)
        kesimo = ordenados[min(k, len(ordenados)) - 1]
        for i, valor in enumerate(linha):
            if valor < kesimo:
                linha[i] = -np.inf
    return saida


def _top_k_com_partition(logits, k):
    V = logits.shape[-1]
    k = min(k, V)
    kesimo = np.partition(logits, V - k, axis=-1)[..., V - k : V - k + 1]
    return np.where(logits >= kesimo, logits, -np.inf)


@pytest.mark.parametrize(
    "resposta", [_top_k_como_o_hugging_face, _top_k_em_laco, _top_k_com_partition]
)
def test_respostas_corretas_top_k(resposta):
    assert verificar("top-k", resposta).ok


def _top_k_indices_do_torch(logits, k):
    # exatamente k índices (torch.topk + scatter): os empates com o k-ésimo são cortados
    x = torch.as_tensor(logits)
    indices = torch.topk(x, min(k, x.shape[-1])).indices
    saida = torch.full_like(x, -float("inf"))
    return saida.scatter(-1, indices, x.gather(-1, indices)).numpy()


def _top_k_argpartition(logits, k):
    V = logits.shape[-1]
    indices = np.argpartition(-logits, min(k, V) - 1, axis=-1)[..., :k]
    saida = np.full_like(logits, -np.inf)
    np.put_along_axis(saida, indices, np.take_along_axis(logits, indices, -1), -1)
    return saida


def _top_k_distinto(logits, k):
    saida = logits.copy()
    for linha in saida.reshape(-1, saida.shape[-1]):
        valores = sorted(set(linha.tolist()), reverse=True)  # sem repetidos
        kesimo = valores[min(k, len(valores)) - 1]
        linha[linha < kesimo] = -np.inf
    return saida


def _top_k_limiar_do_lote(logits, k):
    plano = np.sort(logits.ravel())[::-1]
    kesimo = plano[min(k, logits.shape[-1]) - 1]
    return np.where(logits < kesimo, -np.inf, logits)


def _top_k_por_probabilidades_silenciadas(logits, k):
    with np.errstate(all="ignore"):
        probs = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
    kesimo = -np.sort(-probs, axis=-1)[..., min(k, logits.shape[-1]) - 1, None]
    return np.where(probs < kesimo, -np.inf, logits)


def _top_k_por_probabilidades_do_scipy(logits, k):
    probs = scipy.special.softmax(logits, axis=-1)
    kesimo = -np.sort(-probs, axis=-1)[..., min(k, logits.shape[-1]) - 1, None]
    return np.where(probs < kesimo, -np.inf, logits)


@pytest.mark.parametrize(
    "resposta, diagnostico",
    [
        (_top_k_indices_do_torch, "quebra-empates"),
        (_top_k_argpartition, "quebra-empates"),
        (_top_k_distinto, "kesimo-distinto"),
        (_top_k_limiar_do_lote, "limiar-global"),
        (_top_k_por_probabilidades_silenciadas, "softmax-ingenua"),
        (_top_k_por_probabilidades_do_scipy, "compara-probabilidades"),
    ],
)
def test_familias_de_erro_top_k(resposta, diagnostico):
    resultado = verificar("top-k", resposta)
    assert resultado.estado == "incorreto"
    assert resultado.diagnostico == diagnostico, resultado.mensagem


def test_top_k_silenciado_e_pego_pelos_valores():
    resultado = verificar("top-k", _top_k_por_probabilidades_silenciadas)
    assert "Avisos do numpy" not in resultado.mensagem


def test_top_k_logits_alterados_no_lugar():
    def altera(logits, k):
        kesimo = -np.sort(-logits, axis=-1)[..., min(k, logits.shape[-1]) - 1, None]
        logits[logits < kesimo] = -np.inf
        return logits

    resultado = verificar("top-k", altera)
    assert resultado.diagnostico == "entrada-alterada"
    assert "alterou o argumento `logits` no lugar" in resultado.mensagem
    assert "`k`" not in resultado.mensagem


def test_top_k_so_os_mantidos_nomeia_o_formato():
    def so_os_mantidos(logits, k):
        kesimo = -np.sort(-logits, axis=-1)[..., min(k, logits.shape[-1]) - 1, None]
        return logits[logits >= kesimo]  # a máscara booleana achata e tira os removidos

    resultado = verificar("top-k", so_os_mantidos)
    assert resultado.diagnostico == "formato"
    assert obter("top-k").formato in resultado.mensagem


# ---------------------------------------------------------------------------------------------
# top-p


def _top_p_em_laco(logits, p):
    saida = np.array(logits, dtype=float)
    for linha in saida.reshape(-1, saida.shape[-1]):
        probs = scipy.special.softmax(linha)
        ordem = sorted(range(len(linha)), key=lambda i: -probs[i])  # sorted é estável
        massa = 0.0
        fica = np.zeros(len(linha), dtype=bool)
        for i in ordem:
            if massa >= p:
                break
            fica[i] = True
            massa += probs[i]
        linha[~fica] = -np.inf
    return saida


def _top_p_com_torch(logits, p):
    x = torch.as_tensor(logits)
    probs = torch.softmax(x, dim=-1)
    ordenadas, ordem = torch.sort(probs, dim=-1, descending=True, stable=True)
    fica_ordenado = (torch.cumsum(ordenadas, dim=-1) - ordenadas) < p
    fica = torch.zeros_like(fica_ordenado).scatter(-1, ordem, fica_ordenado)
    return x.masked_fill(~fica, -float("inf")).numpy()


@pytest.mark.parametrize("resposta", [_top_p_em_laco, _top_p_com_torch])
def test_respostas_corretas_top_p(resposta):
    assert verificar("top-p", resposta).ok


def _top_p_a_partir(logits, p, probs, ordem):
    ordenadas = np.take_along_axis(probs, ordem, axis=-1)
    a_frente = np.cumsum(ordenadas, axis=-1) - ordenadas
    fica = np.zeros(probs.shape, dtype=bool)
    np.put_along_axis(fica, ordem, a_frente < p, axis=-1)
    return np.where(fica, logits, -np.inf)


def _top_p_calado(logits, p):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        probs = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
    return _top_p_a_partir(logits, p, probs, np.argsort(-probs, axis=-1, kind="stable"))


def _top_p_maximo_do_lote(logits, p):
    e = np.exp(logits - np.max(logits))
    probs = e / e.sum(axis=-1, keepdims=True)
    return _top_p_a_partir(logits, p, probs, np.argsort(-probs, axis=-1, kind="stable"))


def _top_p_crescente_invertida(logits, p):
    probs = scipy.special.softmax(logits, axis=-1)
    return _top_p_a_partir(logits, p, probs, np.argsort(probs, axis=-1)[..., ::-1])


def _top_p_argsort_padrao(logits, p):
    probs = scipy.special.softmax(logits, axis=-1)
    return _top_p_a_partir(logits, p, probs, np.argsort(-probs, axis=-1))


def _top_p_limiar_de_probabilidade(logits, p):
    # acha a probabilidade do token que faz a massa chegar a p e mantém quem tem pelo menos ela
    saida = np.array(logits, dtype=float)
    for linha in saida.reshape(-1, saida.shape[-1]):
        probs = scipy.special.softmax(linha)
        ordenadas = np.sort(probs)[::-1]
        corte = min(np.searchsorted(np.cumsum(ordenadas), p), len(linha) - 1)
        linha[probs < ordenadas[corte]] = -np.inf
    return saida


@pytest.mark.parametrize(
    "resposta, diagnostico",
    [
        (_top_p_calado, "softmax-ingenua"),
        (_top_p_maximo_do_lote, "maximo-global"),
        (_top_p_crescente_invertida, "empates-pelo-maior-indice"),
        (_top_p_argsort_padrao, "argsort-instavel"),
        (_top_p_limiar_de_probabilidade, "empates-no-corte"),
    ],
)
def test_familias_de_erro_top_p(resposta, diagnostico):
    resultado = verificar("top-p", resposta)
    if diagnostico == "argsort-instavel" and resultado.ok:
        pytest.skip("nesta máquina o np.argsort padrão já desempata pelo menor índice nos casos")
    assert resultado.estado == "incorreto"
    assert resultado.diagnostico == diagnostico, resultado.mensagem


def test_top_p_diagnostico_de_argsort_so_com_argsort_no_codigo():
    # a mesma ordem invertida, sem np.argsort: o diagnóstico sobre o argsort não aparece
    def com_lexsort(logits, p):
        probs = scipy.special.softmax(logits, axis=-1)
        return _top_p_a_partir(logits, p, probs, np.lexsort((probs,))[..., ::-1])

    resultado = verificar("top-p", com_lexsort)
    assert resultado.estado == "incorreto"
    assert resultado.diagnostico not in ("empates-pelo-maior-indice", "argsort-instavel")


def test_top_p_logits_alterados_no_lugar():
    def altera(logits, p):
        fica = np.isfinite(top_p(logits, p))
        logits[~fica] = -np.inf
        return logits

    resultado = verificar("top-p", altera)
    assert resultado.diagnostico == "entrada-alterada"
    assert "alterou o argumento `logits` no lugar" in resultado.mensagem
    assert "`p`" not in resultado.mensagem


def test_top_p_so_os_mantidos_nomeia_o_formato():
    resultado = verificar("top-p", lambda logits, p: logits[np.isfinite(top_p(logits, p))])
    assert resultado.diagnostico == "formato"
    assert "o mesmo formato de logits, (V,) ou (B, V)" in resultado.mensagem


# ---------------------------------------------------------------------------------------------
# Um aviso que não é de ponto flutuante nunca reprova uma resposta certa


@pytest.mark.parametrize("id", ["top-k", "top-p"])
@pytest.mark.parametrize("categoria", [DeprecationWarning, UserWarning])
def test_aviso_nao_relacionado_nao_reprova(id, categoria):
    referencia = obter(id).referencia

    def avisa(*args):
        warnings.warn("isto vai mudar na próxima versão", categoria, stacklevel=1)
        return referencia(*args)

    assert verificar(id, avisa).ok


# Verificação da issue 11: fronteira k = V, softmax ingênua em longdouble, diagnóstico de seleção


def test_top_k_errado_so_quando_k_e_igual_a_v_e_recusado():
    def filtro(logits, k):
        logits = np.asarray(logits, dtype=float)
        if k == logits.shape[-1]:  # «k = V: nada a filtrar», mas trocou os papéis
            return np.full_like(logits, -np.inf)
        return top_k(logits, min(k, logits.shape[-1]))

    resultado = verificar("top-k", filtro)
    assert resultado.estado == "incorreto" and resultado.diagnostico == "selecao-errada"


def test_top_p_ingenuo_em_longdouble_e_recusado():
    def filtro(logits, p):
        x = np.asarray(logits, dtype=np.longdouble)
        with np.errstate(all="ignore"):
            probs = (np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True)).astype(float)
        ordem = np.argsort(-probs, axis=-1, kind="stable")
        ordenadas = np.take_along_axis(probs, ordem, axis=-1)
        fica_ordenado = np.cumsum(ordenadas, axis=-1) - ordenadas < p
        fica = np.zeros_like(fica_ordenado)
        np.put_along_axis(fica, ordem, fica_ordenado, axis=-1)
        return np.where(fica, np.asarray(logits, dtype=float), -np.inf)

    resultado = verificar("top-p", filtro)
    assert resultado.estado == "incorreto" and resultado.diagnostico == "softmax-ingenua"


def test_top_p_com_empates_pelo_maior_indice_nao_e_diagnosticado_como_estouro():
    # o TopPLogitsWarper do Hugging Face (ordem crescente, remove cumsum <= 1 - p) desfaz
    # empates pelo maior índice: errado pelo enunciado, mas nada estourou
    def filtro(logits, p):
        x = np.asarray(logits, dtype=float)
        probs = scipy.special.softmax(x, axis=-1)
        ordem = np.argsort(probs, axis=-1, kind="stable")
        acumulada = np.cumsum(np.take_along_axis(probs, ordem, axis=-1), axis=-1)
        remove_ordenado = acumulada <= 1 - p
        remove_ordenado[..., -1] = False
        remove = np.zeros_like(remove_ordenado)
        np.put_along_axis(remove, ordem, remove_ordenado, axis=-1)
        return np.where(remove, -np.inf, x)

    resultado = verificar("top-p", filtro)
    assert resultado.estado == "incorreto" and resultado.diagnostico == "selecao-errada"
    assert "estour" not in resultado.mensagem
    assert "pôs -inf em 1 token(s) que deveriam ficar (posição 0)" in resultado.mensagem


def test_top_p_ingenuo_so_nas_linhas_longas_e_recusado():
    def filtro(logits, p):
        x = np.asarray(logits, dtype=float)
        if x.shape[-1] <= 32:
            return top_p(x, p)
        with np.errstate(all="ignore"):
            probs = np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True)
        ordem = np.argsort(-probs, axis=-1, kind="stable")
        ordenadas = np.take_along_axis(probs, ordem, axis=-1)
        fica_ordenado = np.cumsum(ordenadas, axis=-1) - ordenadas < p
        fica = np.zeros_like(fica_ordenado)
        np.put_along_axis(fica, ordem, fica_ordenado, axis=-1)
        return np.where(fica, x, -np.inf)

    assert verificar("top-p", filtro).estado == "incorreto"
