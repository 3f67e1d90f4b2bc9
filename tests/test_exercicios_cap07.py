"""Os verificadores do capítulo 7 (top-k, top-p, min-p e a discordância entre top-p e min-p)
contra as implementações do companion, que seguem o Hugging Face, contra respostas corretas
escritas de outros jeitos e contra erros escritos como um estudante os escreveria (issue 11, §2:
empates, softmax ingênua, um limiar para o array inteiro, avisos silenciados, entrada alterada,
formato; issue 14: min-p e as distribuições intermediárias em que top-p e min-p discordam)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.special
import torch

from companion import verificar
from companion.exercicios import cap07_amostragem as cap07
from companion.exercicios import obter
from companion.sampling import min_p, top_k, top_p


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


@pytest.mark.parametrize("id", ["top-k", "top-p", "min-p", "top-p-vs-min-p"])
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


# ---------------------------------------------------------------------------------------------
# min-p (issue 14)


def test_o_companion_passa_no_min_p():
    assert verificar("min-p", min_p).ok


def _min_p_do_hugging_face(logits, p):
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers.generation.logits_process import MinPLogitsWarper

    x = torch.as_tensor(np.atleast_2d(logits))
    saida = MinPLogitsWarper(p)(None, x).numpy()
    return saida.reshape(np.shape(logits))


def _min_p_em_log(logits, p):
    # q_i >= p · q_max  <=>  u_i - u_max >= log(p): sem softmax nenhuma
    with np.errstate(divide="ignore"):  # log(0) = -inf: com p = 0, tudo fica
        corte = logits.max(axis=-1, keepdims=True) + np.log(p)
    return np.where(logits >= corte, logits, -np.inf)


def _min_p_sem_normalizar(logits, p):
    # só a razão com o mais provável importa: a soma da softmax se cancela
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return np.where(e >= p * e.max(axis=-1, keepdims=True), logits, -np.inf)


def _min_p_em_laco(logits, p):
    saida = np.array(logits, dtype=float)
    for linha in saida.reshape(-1, saida.shape[-1]):
        probs = scipy.special.softmax(linha)
        maior = max(probs)
        for i in range(len(linha)):
            if probs[i] < p * maior:
                linha[i] = -np.inf
    return saida


def _min_p_com_torch(logits, p):
    x = torch.as_tensor(logits)
    probs = torch.softmax(x, dim=-1)
    remover = probs < p * probs.amax(dim=-1, keepdim=True)
    return x.masked_fill(remover, -float("inf")).numpy()


@pytest.mark.parametrize(
    "resposta",
    [
        _min_p_do_hugging_face,
        _min_p_em_log,
        _min_p_sem_normalizar,
        _min_p_em_laco,
        _min_p_com_torch,
    ],
)
def test_respostas_corretas_min_p(resposta):
    resultado = verificar("min-p", resposta)
    assert resultado.ok, resultado.mensagem


def _min_p_nos_logits(logits, p):
    return np.where(logits < p * np.max(logits, axis=-1, keepdims=True), -np.inf, logits)


def _min_p_piso_fixo(logits, p):
    probs = scipy.special.softmax(logits, axis=-1)
    return np.where(probs < p, -np.inf, logits)


def _min_p_maximo_do_lote(logits, p):
    probs = scipy.special.softmax(logits, axis=-1)
    return np.where(probs >= p * np.max(probs), logits, -np.inf)


def _min_p_maior_estrito(logits, p):
    probs = scipy.special.softmax(logits, axis=-1)
    return np.where(probs > p * probs.max(axis=-1, keepdims=True), logits, -np.inf)


def _min_p_ingenuo_calado(logits, p):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        e = np.exp(logits)
        probs = e / e.sum(axis=-1, keepdims=True)
    return np.where(probs >= p * probs.max(axis=-1, keepdims=True), logits, -np.inf)


def _min_p_devolve_probabilidades(logits, p):
    return scipy.special.softmax(min_p(logits, p), axis=-1)


def _min_p_zera_os_removidos(logits, p):
    probs = scipy.special.softmax(logits, axis=-1)
    return np.where(probs >= p * probs.max(axis=-1, keepdims=True), logits, 0.0)


@pytest.mark.parametrize(
    "resposta, diagnostico",
    [
        (_min_p_nos_logits, "compara-logits"),
        (_min_p_piso_fixo, "limiar-absoluto"),
        (_min_p_maximo_do_lote, "maximo-global"),
        (_min_p_maior_estrito, "estrito"),
        (_min_p_ingenuo_calado, "softmax-ingenua"),
        (_min_p_devolve_probabilidades, "devolve-probabilidades"),
        (_min_p_zera_os_removidos, "zeros"),
    ],
)
def test_familias_de_erro_min_p(resposta, diagnostico):
    resultado = verificar("min-p", resposta)
    assert resultado.estado == "incorreto"
    assert resultado.diagnostico == diagnostico, resultado.mensagem


def test_min_p_exponencial_ingenua_sem_normalizar_e_recusada():
    # sem normalizar não é erro, mas sem subtrair o máximo é: inf >= inf mantém tudo
    def filtro(logits, p):
        with np.errstate(all="ignore"):
            e = np.exp(logits)
            return np.where(e >= p * e.max(axis=-1, keepdims=True), logits, -np.inf)

    resultado = verificar("min-p", filtro)
    assert resultado.estado == "incorreto"
    assert resultado.diagnostico == "selecao-errada", resultado.mensagem


def test_min_p_sem_exponenciar_e_recusado():
    # «normalizar» os logits sem exponenciar: logits / soma não são probabilidades
    def filtro(logits, p):
        probs = logits / logits.sum(axis=-1, keepdims=True)
        return np.where(probs >= p * probs.max(axis=-1, keepdims=True), logits, -np.inf)

    resultado = verificar("min-p", filtro)
    assert resultado.estado == "incorreto"
    assert "Traceback" not in resultado.mensagem


def test_min_p_log_com_sinal_trocado_e_recusado():
    def filtro(logits, p):
        corte = logits.max(axis=-1, keepdims=True) - np.log(p)  # - em vez de +
        return np.where(logits >= corte, logits, -np.inf)

    resultado = verificar("min-p", filtro)
    assert resultado.estado == "incorreto" and resultado.diagnostico == "selecao-errada"
    assert "pôs -inf em" in resultado.mensagem


def test_min_p_logits_alterados_no_lugar():
    def altera(logits, p):
        logits[~np.isfinite(min_p(logits, p))] = -np.inf
        return logits

    resultado = verificar("min-p", altera)
    assert resultado.diagnostico == "entrada-alterada"
    assert "alterou o argumento `logits` no lugar" in resultado.mensagem
    assert "`p`" not in resultado.mensagem


def test_min_p_so_os_mantidos_nomeia_o_formato():
    resultado = verificar("min-p", lambda logits, p: logits[np.isfinite(min_p(logits, p))])
    assert resultado.diagnostico == "formato"
    assert obter("min-p").formato in resultado.mensagem


def test_min_p_mascara_no_lugar_dos_logits_e_recusada():
    resultado = verificar("min-p", lambda logits, p: np.isfinite(min_p(logits, p)))
    assert resultado.estado == "incorreto"


# ---------------------------------------------------------------------------------------------
# Quando top-p e min-p discordam (issue 14)


def _entropia_relativa(q):
    """A entropia de q como fração da máxima, ln V: 0 com um item só, 1 na uniforme."""
    q = np.asarray(q, dtype=float)
    return float(-(q * np.log(q)).sum() / np.log(q.size))


def _tamanhos(q, p_top=0.9, p_min=0.1):
    x = np.log(q)
    return int(np.isfinite(top_p(x, p_top)).sum()), int(np.isfinite(min_p(x, p_min)).sum())


def test_as_distribuicoes_intermediarias_sao_intermediarias_e_discordam():
    # o que o capítulo diz delas: probabilidades que somam 1, entropia entre 20% e 90% da
    # máxima (os extremos do exercício de lápis e papel têm 14% e 100%), e os tamanhos
    for q in (cap07.CAUDA_LONGA, cap07.CANDIDATOS_PARELHOS):
        assert q.size == 20 and np.all(q > 0) and np.isclose(q.sum(), 1.0)
        assert 0.2 <= _entropia_relativa(q) <= 0.9
    assert _tamanhos(cap07.CAUDA_LONGA) == (17, 1)
    assert _tamanhos(cap07.CANDIDATOS_PARELHOS) == (4, 6)
    concentrada, uniforme = np.array([0.96, 0.01, 0.01, 0.01, 0.01]), np.full(5, 0.2)
    assert _entropia_relativa(concentrada) < 0.2 and _entropia_relativa(uniforme) > 0.9
    assert _tamanhos(concentrada) == (1, 1) and _tamanhos(uniforme) == (5, 5)
    # os números que a solução do capítulo cita
    assert round(_entropia_relativa(concentrada), 2) == 0.14
    assert round(_entropia_relativa(cap07.CAUDA_LONGA), 2) == 0.79
    assert round(_entropia_relativa(cap07.CANDIDATOS_PARELHOS), 2) == 0.52
    assert _tamanhos(np.full(25, 0.04)) == (23, 25)


def test_quando_discordam_segue_a_massa_acumulada():
    # com S_k a massa dos k mais prováveis e k_min os mantidos pelo min-p: o top-p mantém mais
    # se S_{k_min} < p_top, menos se S_{k_min - 1} >= p_top, e o mesmo nos outros casos
    rng = np.random.default_rng(14)
    distribuicoes = [cap07.CAUDA_LONGA, cap07.CANDIDATOS_PARELHOS, np.full(25, 0.04)]
    distribuicoes += [
        rng.dirichlet(np.full(20, alfa)) for alfa in (0.1, 0.3, 1.0) for _ in range(30)
    ]
    for q in distribuicoes:
        k_top, k_min = _tamanhos(q)
        S = np.cumsum(np.sort(q)[::-1])
        if S[k_min - 1] < 0.9:
            assert k_top > k_min
        elif k_min >= 2 and S[k_min - 2] >= 0.9:
            assert k_top < k_min
        else:
            assert k_top == k_min


def test_os_casos_tem_discordancia_nos_dois_sentidos_e_concordancia():
    ex = obter("top-p-vs-min-p")
    valores = np.concatenate([np.ravel(ex.referencia(*c.args)) for c in ex.casos()])
    assert (valores > 0).any() and (valores < 0).any() and (valores == 0).any()


def test_um_conjunto_sempre_contem_o_outro():
    # a explicação diz que a diferença de tamanho basta: os dois mantêm os mais prováveis
    for caso in obter("top-p-vs-min-p").casos():
        logits, p_top, p_min = caso.args
        a, b = np.isfinite(top_p(logits, p_top)), np.isfinite(min_p(logits, p_min))
        assert np.all(((a & ~b).sum(axis=-1) == 0) | ((b & ~a).sum(axis=-1) == 0))


def _discordancia_com_o_companion(logits, p_top, p_min):
    mantidos_top = np.isfinite(top_p(logits, p_top)).sum(axis=-1)
    return mantidos_top - np.isfinite(min_p(logits, p_min)).sum(axis=-1)


def _discordancia_em_laco(logits, p_top, p_min):
    linhas = np.atleast_2d(logits)
    saida = []
    for linha in linhas:
        a = sum(1 for v in top_p(linha, p_top) if v != -np.inf)
        b = sum(1 for v in min_p(linha, p_min) if v != -np.inf)
        saida.append(a - b)
    return saida[0] if np.ndim(logits) == 1 else np.array(saida)


def _discordancia_com_torch(logits, p_top, p_min):
    x = torch.as_tensor(logits)
    probs = torch.softmax(x, dim=-1)
    ordenadas, _ = torch.sort(probs, dim=-1, descending=True, stable=True)
    no_top = ((torch.cumsum(ordenadas, dim=-1) - ordenadas) < p_top).sum(dim=-1)
    no_min = (probs >= p_min * probs.amax(dim=-1, keepdim=True)).sum(dim=-1)
    return (no_top - no_min).numpy()


@pytest.mark.parametrize(
    "resposta",
    [
        _discordancia_com_o_companion,
        _discordancia_em_laco,
        _discordancia_com_torch,
        # floats em vez de inteiros, e a resposta como lista: valem pelos valores
        lambda logits, p_top, p_min: np.float32(1.0) * cap07.discordancia(logits, p_top, p_min),
        lambda logits, p_top, p_min: np.asarray(cap07.discordancia(logits, p_top, p_min)).tolist(),
    ],
)
def test_respostas_corretas_discordancia(resposta):
    resultado = verificar("top-p-vs-min-p", resposta)
    assert resultado.ok, resultado.mensagem


def _discordancia_ao_contrario(logits, p_top, p_min):
    return np.isfinite(min_p(logits, p_min)).sum(-1) - np.isfinite(top_p(logits, p_top)).sum(-1)


def _discordancia_com_os_p_trocados(logits, p_top, p_min):
    return np.isfinite(top_p(logits, p_min)).sum(-1) - np.isfinite(min_p(logits, p_top)).sum(-1)


def _discordancia_do_lote(logits, p_top, p_min):
    return int(np.isfinite(top_p(logits, p_top)).sum() - np.isfinite(min_p(logits, p_min)).sum())


def _discordancia_nao_nulos(logits, p_top, p_min):
    return np.count_nonzero(top_p(logits, p_top), axis=-1) - np.count_nonzero(
        min_p(logits, p_min), axis=-1
    )


def _discordancia_em_modulo(logits, p_top, p_min):
    return abs(_discordancia_com_o_companion(logits, p_top, p_min))


@pytest.mark.parametrize(
    "resposta, diagnostico",
    [
        (_discordancia_ao_contrario, "sinal-trocado"),
        (_discordancia_com_os_p_trocados, "troca-os-p"),
        (_discordancia_do_lote, "conta-o-lote"),
        (_discordancia_nao_nulos, "conta-nao-nulos"),
        (_discordancia_em_modulo, "modulo"),
    ],
)
def test_familias_de_erro_discordancia(resposta, diagnostico):
    resultado = verificar("top-p-vs-min-p", resposta)
    assert resultado.estado == "incorreto"
    assert resultado.diagnostico == diagnostico, resultado.mensagem


def test_discordancia_que_so_diz_se_discordam_e_recusada():
    def discordam(logits, p_top, p_min):
        return _discordancia_com_o_companion(logits, p_top, p_min) != 0

    resultado = verificar("top-p-vs-min-p", discordam)
    assert resultado.estado == "incorreto"
    assert resultado.diagnostico != "modulo"  # 0/1 não é o valor absoluto da diferença


def test_discordancia_que_devolve_os_dois_tamanhos_nomeia_o_formato():
    def os_dois(logits, p_top, p_min):
        return np.stack(
            [np.isfinite(top_p(logits, p_top)).sum(-1), np.isfinite(min_p(logits, p_min)).sum(-1)]
        )

    resultado = verificar("top-p-vs-min-p", os_dois)
    assert resultado.diagnostico == "formato"
    assert obter("top-p-vs-min-p").formato in resultado.mensagem


def test_discordancia_com_o_esqueleto_do_min_p_e_nao_tentado():
    # no capítulo, quem ainda não escreveu filtro_min_p e o usa aqui vê «ainda não tentado»
    def filtro_min_p(logits, p):
        raise NotImplementedError

    def usa_o_seu(logits, p_top, p_min):
        mantidos_top = np.isfinite(top_p(logits, p_top)).sum(axis=-1)
        return mantidos_top - np.isfinite(filtro_min_p(logits, p_min)).sum(axis=-1)

    assert verificar("top-p-vs-min-p", usa_o_seu).estado == "nao_tentado"


# ---------------------------------------------------------------------------------------------
# Red team dos exercícios novos (issue 14): respostas erradas que passavam e diagnósticos
# enganosos


def _k_top_de_estudante(logits, p, menor_ou_igual=False):
    q = scipy.special.softmax(logits, axis=-1)
    ordenadas = -np.sort(-q, axis=-1)
    a_frente = np.cumsum(ordenadas, axis=-1) - ordenadas
    return (a_frente <= p if menor_ou_igual else a_frente < p).sum(axis=-1)


def _k_min_de_estudante(logits, p, estrito=False):
    q = scipy.special.softmax(logits, axis=-1)
    limiar = p * q.max(axis=-1, keepdims=True)
    return (q > limiar if estrito else q >= limiar).sum(axis=-1)


def _discordancia_top_p_menor_ou_igual(logits, p_top, p_min):
    return _k_top_de_estudante(logits, p_top, menor_ou_igual=True) - _k_min_de_estudante(
        logits, p_min
    )


def _discordancia_top_p_com_searchsorted_right(logits, p_top, p_min):
    # o menor k com S_k > p_top (e não >=): o mesmo «<=» na massa à frente
    q = scipy.special.softmax(np.atleast_2d(logits), axis=-1)
    acumulada = np.cumsum(-np.sort(-q, axis=-1), axis=-1)
    k = np.array([np.searchsorted(a, p_top, side="right") + 1 for a in acumulada])
    k = np.minimum(k, q.shape[-1]).reshape(np.shape(logits)[:-1])
    return k - _k_min_de_estudante(logits, p_min)


def _discordancia_min_p_estrito(logits, p_top, p_min):
    return _k_top_de_estudante(logits, p_top) - _k_min_de_estudante(logits, p_min, estrito=True)


@pytest.mark.parametrize(
    "resposta, diagnostico",
    [
        (_discordancia_top_p_menor_ou_igual, "top-p-menor-ou-igual"),
        (_discordancia_top_p_com_searchsorted_right, "top-p-menor-ou-igual"),
        (_discordancia_min_p_estrito, "min-p-estrito"),
    ],
)
def test_discordancia_com_filtro_errado_no_limiar_e_recusada(resposta, diagnostico):
    # os casos não tinham massa batendo p_top exatamente nem token exatamente no limiar do
    # min-p: um top-p com «<=» ou um min-p com «>» davam «correto»
    resultado = verificar("top-p-vs-min-p", resposta)
    assert resultado.estado == "incorreto"
    assert resultado.diagnostico == diagnostico, resultado.mensagem


def test_discordancia_certa_no_limiar_passa():
    # as mesmas contas, com «<» no top-p e «>=» no min-p, e o searchsorted do lado certo
    def com_searchsorted_left(logits, p_top, p_min):
        q = scipy.special.softmax(np.atleast_2d(logits), axis=-1)
        acumulada = np.cumsum(-np.sort(-q, axis=-1), axis=-1)
        k = np.array([np.searchsorted(a, p_top, side="left") + 1 for a in acumulada])
        k = np.minimum(k, q.shape[-1]).reshape(np.shape(logits)[:-1])
        return k - _k_min_de_estudante(logits, p_min)

    def com_o_hugging_face(logits, p_top, p_min):
        from transformers.generation.logits_process import MinPLogitsWarper, TopPLogitsWarper

        x = torch.as_tensor(np.atleast_2d(logits))
        a = torch.isfinite(TopPLogitsWarper(p_top)(None, x)).sum(-1)
        b = torch.isfinite(MinPLogitsWarper(p_min)(None, x)).sum(-1)
        return (a - b).numpy().reshape(np.shape(logits)[:-1])

    for resposta in (
        lambda x, a, b: _k_top_de_estudante(x, a) - _k_min_de_estudante(x, b),
        com_searchsorted_left,
        com_o_hugging_face,
    ):
        resultado = verificar("top-p-vs-min-p", resposta)
        assert resultado.ok, resultado.mensagem


@pytest.mark.parametrize(
    "resposta",
    [
        # mantém todo token empatado com o que cruza p_top: conta a mais numa cauda empatada
        lambda x, a, b: (
            np.isfinite(cap07._mantem_empatados_no_corte(x, a)).sum(-1)
            - np.isfinite(min_p(x, b)).sum(-1)
        ),
        # conta os que não são nan: -inf entra, e os dois filtros «mantêm» V tokens
        lambda x, a, b: (~np.isnan(top_p(x, a))).sum(-1) - (~np.isnan(min_p(x, b))).sum(-1),
    ],
)
def test_discordancia_zero_errado_nao_e_diagnosticado_como_estouro(resposta):
    # 0 aqui quer dizer «concordam», não uma conta que estourou: o diagnóstico mostra quantos
    # tokens cada filtro mantém na entrada que falha
    resultado = verificar("top-p-vs-min-p", resposta)
    assert resultado.estado == "incorreto"
    assert resultado.diagnostico == "contagem-errada", resultado.mensagem
    assert "estourou" not in resultado.mensagem and "overflow" not in resultado.mensagem
    assert "o top-p (p_top = " in resultado.mensagem and " − " in resultado.mensagem


def test_discordancia_fracionaria_pede_um_inteiro():
    resultado = verificar("top-p-vs-min-p", lambda x, a, b: cap07.discordancia(x, a, b) + 0.5)
    assert resultado.diagnostico == "contagem-errada"
    assert "um número inteiro" in resultado.mensagem and "0,5" in resultado.mensagem


def _min_p_log_probabilidades(logits, p):
    # log_softmax nos que ficam: os tokens certos, mas não os logits recebidos
    lp = scipy.special.log_softmax(logits, axis=-1)
    return np.where(np.isfinite(min_p(logits, p)), lp, -np.inf)


def _min_p_log_probabilidades_renormalizadas(logits, p):
    return scipy.special.log_softmax(min_p(logits, p), axis=-1)


def _min_p_nan_nos_removidos(logits, p):
    return np.where(np.isfinite(min_p(logits, p)), logits, np.nan)


def _min_p_mais_infinito_nos_removidos(logits, p):
    return np.where(np.isfinite(min_p(logits, p)), logits, np.inf)


def _min_p_probabilidades_sem_renormalizar(logits, p):
    probs = scipy.special.softmax(logits, axis=-1)
    return np.where(probs >= p * probs.max(axis=-1, keepdims=True), probs, 0.0)


def _min_p_mascara_em_float(logits, p):
    return np.isfinite(min_p(logits, p)).astype(float)


@pytest.mark.parametrize(
    "id, resposta, diagnostico",
    [
        ("min-p", _min_p_log_probabilidades, "logits-deslocados"),
        ("min-p", _min_p_log_probabilidades_renormalizadas, "logits-deslocados"),
        ("min-p", _min_p_nan_nos_removidos, "removidos-nan"),
        ("min-p", _min_p_mais_infinito_nos_removidos, "removidos-nan"),
        ("min-p", _min_p_probabilidades_sem_renormalizar, "nao-devolve-logits"),
        ("min-p", _min_p_mascara_em_float, "nao-devolve-logits"),
        (
            "top-k",
            lambda x, k: np.where(
                np.isfinite(top_k(x, k)), scipy.special.log_softmax(x, -1), -np.inf
            ),
            "logits-deslocados",
        ),
        (
            "top-p",
            lambda x, p: scipy.special.log_softmax(top_p(x, p), axis=-1),
            "logits-deslocados",
        ),
    ],
)
def test_filtro_que_nao_devolve_os_logits_recebidos(id, resposta, diagnostico):
    # antes: log-probabilidades davam «a saída tem 0 onde o esperado não é 0: alguma conta
    # estourou», e nan, +inf, probabilidades ou a máscara não tinham diagnóstico
    resultado = verificar(id, resposta)
    assert resultado.estado == "incorreto"
    assert resultado.diagnostico == diagnostico, resultado.mensagem
    assert "estourou" not in resultado.mensagem


def test_min_p_em_float32_continua_com_o_diagnostico_de_precisao():
    # o arredondamento de float32 não é «logits deslocados por uma constante»
    def em_float32(logits, p):
        x = np.asarray(logits, dtype=np.float32)
        return np.where(np.isfinite(min_p(logits, p)), x, -np.inf).astype(np.float32)

    resultado = verificar("min-p", em_float32)
    assert resultado.diagnostico == "precisao", resultado.mensagem


def test_discordancia_com_os_p_trocados_nas_contas_de_estudante():
    # os p trocados, com as contas à mão (e não sampling): o mesmo diagnóstico
    def trocados(logits, p_top, p_min):
        return _k_top_de_estudante(logits, p_min) - _k_min_de_estudante(logits, p_top)

    resultado = verificar("top-p-vs-min-p", trocados)
    assert resultado.diagnostico == "troca-os-p", resultado.mensagem


@pytest.mark.parametrize("id", ["min-p", "top-p-vs-min-p"])
def test_textos_dos_exercicios_novos_dizem_token(id):
    # o glossário pede “token”, e as mensagens dos verificadores já o usam
    ex = obter(id)
    textos = [ex.titulo, ex.explicacao, ex.formato, *ex.dicas]
    textos += [erro.diagnostico for erro in ex.erros_conhecidos]
    for texto in textos:
        assert "iten" not in texto and "item" not in texto, texto
