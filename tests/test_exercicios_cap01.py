"""Os verificadores do capítulo 1 (softmax-estavel, temperatura) testados de três jeitos:
a referência passa, o esqueleto é «não tentado», e cada erro plausível é recusado com o
diagnóstico certo. Também: respostas corretas escritas de outro jeito passam."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import scipy.special
import torch

from companion import softmax, verificar
from companion.exercicios import cap01_softmax as cap01

# ---------------------------------------------------------------------------------------------
# A referência passa; o esqueleto não foi tentado


@pytest.mark.parametrize(
    "id, referencia",
    [("softmax-estavel", cap01.softmax_estavel), ("temperatura", cap01.softmax_com_temperatura)],
)
def test_referencia_passa(id, referencia):
    resultado = verificar(id, referencia)
    assert resultado.ok and resultado.estado == "correto" and bool(resultado)


def _esqueleto(*args):
    # o que o capítulo entrega ao estudante
    raise NotImplementedError


def _esqueleto_vazio(*args):
    pass


@pytest.mark.parametrize("id", ["softmax-estavel", "temperatura"])
@pytest.mark.parametrize("resposta", [_esqueleto, None])
def test_esqueleto_nao_tentado(id, resposta):
    resultado = verificar(id, resposta)
    assert resultado.estado == "nao_tentado" and not resultado
    assert f"dica({id!r})" in resultado.mensagem


@pytest.mark.parametrize("id", ["softmax-estavel", "temperatura"])
def test_funcao_sem_return_nao_e_nao_tentada(id):
    # issue 11 §3: só o esqueleto (NotImplementedError, ou None como resposta) é «não tentado»;
    # uma função escrita que devolve None é incorreta, com a pergunta sobre o return
    resultado = verificar(id, _esqueleto_vazio)
    assert resultado.estado == "incorreto" and resultado.diagnostico == "devolveu-none"
    assert "faltou o `return`?" in resultado.mensagem


# ---------------------------------------------------------------------------------------------
# O catálogo: cada erro do pacote é reconhecido pelo próprio nome


@pytest.mark.parametrize("erro", cap01.ERROS_SOFTMAX_ESTAVEL, ids=lambda e: e.funcao.__name__)
def test_catalogo_softmax_estavel(erro):
    resultado = verificar("softmax-estavel", erro.funcao)
    assert resultado.estado == "incorreto"
    assert resultado.diagnostico == erro.nome
    assert erro.diagnostico in resultado.mensagem


@pytest.mark.parametrize("erro", cap01.ERROS_TEMPERATURA, ids=lambda e: e.funcao.__name__)
def test_catalogo_temperatura(erro):
    resultado = verificar("temperatura", erro.funcao)
    assert resultado.estado == "incorreto"
    assert resultado.diagnostico == erro.nome


# ---------------------------------------------------------------------------------------------
# Erros escritos como um estudante os escreveria (código diferente do catálogo)


def ingenua_com_laco(x):
    x = np.asarray(x, dtype=float)
    saida = np.empty_like(x)
    for indice in np.ndindex(x.shape[:-1]):
        exps = [math.exp(v) if v < 709 else math.inf for v in x[indice]]
        total = sum(exps)
        saida[indice] = [e / total for e in exps]
    return saida


def ingenua_numpy(x):
    return np.exp(x) / np.sum(np.exp(x), axis=-1)[..., None]


def eixo_zero(x):
    return scipy.special.softmax(x, axis=0)


def sem_normalizar(x):
    return np.exp(x - np.max(x, axis=-1, keepdims=True))


def maximo_global(x):
    z = np.exp(x - np.max(x))
    return z / z.sum(-1, keepdims=True)


def sem_keepdims(x):
    m = np.max(x, axis=-1)
    z = np.exp(x - m)
    return z / np.sum(z, axis=-1)


@pytest.mark.parametrize(
    "resposta, diagnostico",
    [
        (ingenua_numpy, "exp-ingenua"),
        (eixo_zero, "eixo-errado"),
        (sem_normalizar, "sem-normalizar"),
        (maximo_global, "maximo-global"),
        (sem_keepdims, "sem-keepdims"),
    ],
)
def test_erros_de_estudante_softmax_estavel(resposta, diagnostico):
    resultado = verificar("softmax-estavel", resposta)
    assert resultado.estado == "incorreto"
    assert resultado.diagnostico == diagnostico, resultado.mensagem


def test_laco_ingenuo_e_diagnosticado_como_estouro():
    # o laço não emite aviso do numpy (math.exp) e produz inf/inf = nan: o sintoma basta
    resultado = verificar("softmax-estavel", ingenua_com_laco)
    assert resultado.estado == "incorreto"
    assert "estouro" in resultado.mensagem


def test_menor_entrada_que_falha_e_encolhida():
    # o primeiro caso que a exp ingênua erra é [1000, 1001, 1002]; encolhido, fica um só logit
    resultado = verificar("softmax-estavel", ingenua_numpy)
    assert resultado.detalhes["entrada"][0].shape == (1,)
    assert "Esperado: array([1.])" in resultado.mensagem
    assert "Obtido:   array([nan])" in resultado.mensagem


def temperatura_multiplica(logits, T):
    return softmax(np.asarray(logits) * T)


def temperatura_ingenua(logits, T):
    e = np.exp(np.divide(logits, T))
    return e / e.sum(axis=-1, keepdims=True)


def temperatura_ignorada(logits, T):
    return scipy.special.softmax(logits, axis=-1)


def temperatura_nas_probabilidades(logits, T):
    return softmax(logits) / T


@pytest.mark.parametrize(
    "resposta, diagnostico",
    [
        (temperatura_multiplica, "multiplica-t"),
        (temperatura_ingenua, "exp-ingenua"),
        (temperatura_ignorada, "ignora-t"),
        (temperatura_nas_probabilidades, "divide-probabilidades"),
    ],
)
def test_erros_de_estudante_temperatura(resposta, diagnostico):
    resultado = verificar("temperatura", resposta)
    assert resultado.diagnostico == diagnostico, resultado.mensagem


def test_erro_desconhecido_ainda_e_recusado_com_detalhes():
    def soma_um_a_toa(x):
        return softmax(x) + 1e-3

    resultado = verificar("softmax-estavel", soma_um_a_toa)
    assert resultado.estado == "incorreto"
    assert resultado.diagnostico == "nao-soma-um"
    assert "Menor entrada que falha" in resultado.mensagem


def test_formato_errado():
    resultado = verificar("softmax-estavel", lambda x: softmax(x).ravel())
    assert resultado.estado == "incorreto" and resultado.diagnostico == "formato"


def test_excecao_do_estudante_vira_mensagem():
    def quebra(x):
        raise KeyError("ops")

    resultado = verificar("softmax-estavel", quebra)
    assert resultado.estado == "incorreto" and "KeyError" in resultado.mensagem


# ---------------------------------------------------------------------------------------------
# Respostas corretas escritas de outros jeitos passam


def em_float32(x):
    x = np.asarray(x)
    z = np.exp(x - x.max(-1, keepdims=True))
    return z / z.sum(-1, keepdims=True)  # mantém float32 quando a entrada é float32


def pela_logsumexp(x):
    return np.exp(x - scipy.special.logsumexp(x, axis=-1, keepdims=True))


def com_torch(x):
    return torch.softmax(torch.as_tensor(x), dim=-1).numpy()


def com_scipy(x):
    return scipy.special.softmax(x, axis=-1)


def com_laco_por_linha(x):
    # um laço Python sobre as linhas, com math: estável porque subtrai o máximo de cada linha
    x = np.asarray(x, dtype=float)
    saida = np.empty_like(x)
    for indice in np.ndindex(x.shape[:-1]):
        linha = x[indice]
        m = max(linha)
        exps = [math.exp(v - m) for v in linha]
        total = sum(exps)
        saida[indice] = [e / total for e in exps]
    return saida


def com_max_e_none(x):
    x = np.asarray(x, dtype=float)
    e = np.exp(x - np.max(x, axis=-1)[..., None])
    return e / np.sum(e, axis=-1)[..., None]


def devolve_lista(x):
    # uma lista de floats (ou de listas) é uma resposta aceitável
    return softmax(x).tolist()


def com_aviso_alheio(x):
    warnings.warn("esta função será renomeada", stacklevel=2)
    return softmax(x)


def com_deprecation_warning(x):
    warnings.warn("x", DeprecationWarning, stacklevel=2)
    return cap01.softmax_estavel(x)


@pytest.mark.parametrize(
    "resposta",
    [
        em_float32,
        pela_logsumexp,
        com_torch,
        com_scipy,
        com_laco_por_linha,
        com_max_e_none,
        devolve_lista,
        com_aviso_alheio,
        com_deprecation_warning,
    ],
)
def test_respostas_corretas_alternativas(resposta):
    resultado = verificar("softmax-estavel", resposta)
    assert resultado.ok, resultado.mensagem


# ---------------------------------------------------------------------------------------------
# As famílias de erro do issue 11 §2


def ingenua_silenciada(x):
    with np.errstate(all="ignore"):
        e = np.exp(x)
        return e / e.sum(axis=-1, keepdims=True)


def ingenua_com_simplefilter(x):
    warnings.simplefilter("ignore")
    return np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True)


@pytest.mark.parametrize("resposta", [ingenua_silenciada, ingenua_com_simplefilter])
def test_avisos_silenciados_sao_recusados_pelos_valores(resposta):
    # sem nenhum aviso, o nan do estouro aparece nos valores
    resultado = verificar("softmax-estavel", resposta)
    assert resultado.estado == "incorreto" and resultado.diagnostico == "exp-ingenua"
    assert "nan" in resultado.mensagem


def maximo_global_silenciado(x):
    with np.errstate(invalid="ignore"):
        e = np.exp(x - x.max())
        return e / np.sum(e, axis=-1, keepdims=True)


def test_maximo_global_em_lote_com_escalas_diferentes():
    # só as entradas que misturam escalas (linhas e mapas de (B, T, K)) o pegam
    resultado = verificar("softmax-estavel", maximo_global_silenciado)
    assert resultado.diagnostico == "maximo-global", resultado.mensagem
    assert resultado.detalhes["entrada"][0].ndim >= 2
    assert "nan" in resultado.mensagem


def que_altera_a_entrada(x):
    x -= x.max(axis=-1, keepdims=True)
    np.exp(x, out=x)
    x /= x.sum(axis=-1, keepdims=True)
    return x


def exp_no_lugar(x):
    x = np.asarray(x, dtype=float)  # o esqueleto do capítulo: não copia um array float64
    np.exp(x - x.max(axis=-1, keepdims=True), out=x)
    return x / x.sum(axis=-1, keepdims=True)


@pytest.mark.parametrize("resposta", [que_altera_a_entrada, exp_no_lugar])
def test_entrada_alterada_e_recusada_com_o_nome_do_parametro(resposta):
    resultado = verificar("softmax-estavel", resposta)
    assert resultado.estado == "incorreto" and resultado.diagnostico == "entrada-alterada"
    assert "sua função alterou o argumento `x` no lugar" in resultado.mensagem


def temperatura_no_lugar(logits, T):
    logits /= T
    logits -= logits.max(axis=-1, keepdims=True)
    e = np.exp(logits)
    return e / e.sum(axis=-1, keepdims=True)


def test_temperatura_entrada_alterada_nomeia_logits():
    resultado = verificar("temperatura", temperatura_no_lugar)
    assert resultado.estado == "incorreto" and resultado.diagnostico == "entrada-alterada"
    assert "sua função alterou o argumento `logits` no lugar" in resultado.mensagem
    assert "`T`" not in resultado.mensagem


@pytest.mark.parametrize(
    "id, resposta",
    [
        ("softmax-estavel", lambda x: cap01.softmax_estavel(x).ravel()),
        ("softmax-estavel", lambda x: cap01.softmax_estavel(x)[None]),
        ("temperatura", lambda logits, T: cap01.softmax_com_temperatura(logits, T).ravel()),
    ],
)
def test_formato_errado_nomeia_o_formato_do_exercicio(id, resposta):
    resultado = verificar(id, resposta)
    assert resultado.estado == "incorreto" and resultado.diagnostico == "formato"
    parametro = "x" if id == "softmax-estavel" else "logits"
    assert f"— o mesmo formato de {parametro}: uma probabilidade para cada logit;" in (
        resultado.mensagem
    )
    assert "Os valores estão certos; só o formato não." in resultado.mensagem


@pytest.mark.parametrize(
    "id, resposta",
    [
        ("softmax-estavel", lambda x: cap01.softmax_estavel(x).astype(np.float32)),
        ("temperatura", lambda logits, T: softmax(logits, temperature=T).astype(np.float32)),
    ],
)
def test_float32_para_entrada_float64(id, resposta):
    resultado = verificar(id, resposta)
    assert resultado.estado == "incorreto" and resultado.diagnostico == "precisao"
    assert "float32" in resultado.mensagem


def temperatura_ingenua_silenciada(logits, T):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        e = np.exp(np.asarray(logits) / T)
        return e / e.sum(axis=-1, keepdims=True)


def test_temperatura_ingenua_com_logits_nos_milhares():
    # a forma ingênua, silenciada, cai mesmo com T >= 1 (logits nas centenas e nos milhares)
    resultado = verificar("temperatura", temperatura_ingenua_silenciada)
    assert resultado.diagnostico == "exp-ingenua", resultado.mensagem
    casos = cap01.TEMPERATURA.casos()
    falhas_com_t_grande = [
        c for c in casos if c.args[1] >= 1 and not np.all(np.isfinite(_exp_ingenua_t(*c.args)))
    ]
    assert len(falhas_com_t_grande) >= 2


def _exp_ingenua_t(logits, T):
    with np.errstate(all="ignore"):
        e = np.exp(np.asarray(logits) / T)
        return e / e.sum(axis=-1, keepdims=True)


def temperatura_maximo_global(logits, T):
    z = np.asarray(logits) / T
    z = z - np.max(z)
    return np.exp(z) / np.exp(z).sum(-1, keepdims=True)


def test_temperatura_maximo_global():
    resultado = verificar("temperatura", temperatura_maximo_global)
    assert resultado.diagnostico == "maximo-global", resultado.mensagem


def temperatura_com_laco(logits, T):
    logits = np.asarray(logits, dtype=float)
    saida = np.empty_like(logits)
    for indice in np.ndindex(logits.shape[:-1]):
        z = [v / T for v in logits[indice]]
        m = max(z)
        exps = [math.exp(v - m) for v in z]
        saida[indice] = [e / sum(exps) for e in exps]
    return saida


def temperatura_com_aviso_alheio(logits, T):
    warnings.warn("T deveria ser positivo", UserWarning, stacklevel=2)
    return cap01.softmax_com_temperatura(logits, T)


@pytest.mark.parametrize(
    "resposta",
    [
        lambda logits, T: softmax(logits, temperature=T),
        lambda logits, T: scipy.special.softmax(np.asarray(logits) / T, axis=-1),
        # potência das probabilidades, normalizada: matematicamente igual a softmax(x / T)
        lambda logits, T: (lambda p: p / p.sum(-1, keepdims=True))(
            np.exp(scipy.special.log_softmax(logits, axis=-1) / T)
        ),
        # subtrair o máximo antes de dividir por T dá o mesmo (T > 0)
        lambda logits, T: cap01.softmax_estavel((logits - np.max(logits, -1, keepdims=True)) / T),
        lambda logits, T: torch.softmax(torch.as_tensor(logits) / T, dim=-1).numpy(),
        lambda logits, T: softmax(logits, temperature=T).tolist(),
        temperatura_com_laco,
        temperatura_com_aviso_alheio,
    ],
)
def test_respostas_corretas_alternativas_temperatura(resposta):
    assert verificar("temperatura", resposta).ok


def altera_so_vetores(x):
    # valores certos em todos os casos; só altera a entrada quando ela é um vetor
    if x.ndim == 1:
        x -= x.max()
        e = np.exp(x)
        return e / e.sum()
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def test_diagnostico_do_catalogo_exige_que_o_erro_tambem_falhe():
    resultado = verificar("softmax-estavel", altera_so_vetores)
    assert resultado.diagnostico == "entrada-alterada", resultado.mensagem


# Respostas que só valem para as formas e escalas de alguns casos (issue 11, verificação)


def ingenua_em_longdouble(x):
    # exp em np.longdouble só estoura depois de ~11356: passa com logits nos milhares
    x = np.asarray(x, dtype=np.longdouble)
    with np.errstate(all="ignore"):
        e = np.exp(x)
        return (e / e.sum(axis=-1, keepdims=True)).astype(float)


def ingenua_so_nas_linhas_longas(x):
    x = np.asarray(x, dtype=float)
    if x.shape[-1] <= 5:
        return softmax(x, axis=-1)
    with np.errstate(all="ignore"):
        e = np.exp(x)
        return e / e.sum(axis=-1, keepdims=True)


@pytest.mark.parametrize("resposta", [ingenua_em_longdouble, ingenua_so_nas_linhas_longas])
def test_ingenua_que_escapa_dos_milhares_e_recusada(resposta):
    assert verificar("softmax-estavel", resposta).estado == "incorreto"


def test_temperatura_ingenua_em_longdouble_e_recusada():
    def ingenua(logits, T):
        z = np.asarray(logits, dtype=np.longdouble) / T
        with np.errstate(all="ignore"):
            e = np.exp(z)
            return (e / e.sum(axis=-1, keepdims=True)).astype(float)

    assert verificar("temperatura", ingenua).estado == "incorreto"


def test_ramo_ingenuo_descartado_estoura_e_e_recusado():
    # o enunciado: «nenhum logit finito pode produzir nan ou aviso de estouro». Os valores
    # estão certos (np.where escolhe o ramo estável), mas o ramo ingênuo estoura
    def dois_ramos(x):
        x = np.asarray(x, dtype=float)
        m = x.max(axis=-1, keepdims=True)
        ingenua = np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True)
        estavel = np.exp(x - m) / np.exp(x - m).sum(axis=-1, keepdims=True)
        return np.where(np.abs(x).max(axis=-1, keepdims=True) < 700, ingenua, estavel)

    resultado = verificar("softmax-estavel", dois_ramos)
    assert resultado.estado == "incorreto" and resultado.diagnostico == "avisos"
    assert "overflow" in resultado.mensagem
    # os valores coincidem e os tipos também: nenhuma nota de «tipos diferem: float64, float64»
    assert "tipos diferem" not in resultado.mensagem


def test_nan_vindo_do_menos_infinito_nao_e_diagnosticado_como_estouro():
    def estraga_o_menos_infinito(x):
        x = np.asarray(x, dtype=float)
        with np.errstate(all="ignore"):
            return softmax(x, axis=-1) * (x / x)  # -inf / -inf = nan

    resultado = verificar("softmax-estavel", estraga_o_menos_infinito)
    assert resultado.estado == "incorreto" and resultado.diagnostico == "menos-infinito"
    assert "estouro" not in resultado.mensagem
