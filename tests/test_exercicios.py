"""Testes da API dos exercícios (verificar, dica, solucao) e do mecanismo em _nucleo."""

from __future__ import annotations

import json
import re
import threading
import time
import warnings

import numpy as np
import pytest

from companion import dica, solucao, verificar
from companion.exercicios import CAPITULOS, Resultado, _nucleo, ids, progresso
from companion.exercicios import cap01_softmax as cap01
from companion.exercicios._nucleo import Caso, ErroConhecido, Exercicio, obter, registrar


def test_ids_do_capitulo_1():
    assert {"softmax-estavel", "temperatura"} <= set(ids())


def test_id_desconhecido_sugere_o_parecido():
    with pytest.raises(
        ValueError,
        match=r"id de exercício desconhecido: 'softmax-estável'.*"
        r"Você quis dizer 'softmax-estavel'",
    ):
        verificar("softmax-estável", cap01.softmax_estavel)


def test_id_nao_texto():
    with pytest.raises(TypeError, match="id deve ser o texto do id"):
        verificar(1, cap01.softmax_estavel)


def test_resposta_que_nao_e_funcao_vira_veredito():
    # o engano comum: passar o resultado da função, e não a função
    resultado = verificar("softmax-estavel", 3)
    assert resultado.estado == "incorreto" and resultado.diagnostico == "nao-e-funcao"
    assert "A resposta deve ser uma função" in resultado.mensagem
    assert "f(x)" in resultado.mensagem and "recebido 3" in resultado.mensagem


def test_resultado_e_verdadeiro_so_quando_correto():
    certo = verificar("softmax-estavel", cap01.softmax_estavel)
    errado = verificar("softmax-estavel", cap01._exp_ingenua)
    assert certo and not errado
    assert certo.ok is True and errado.ok is False
    assert isinstance(certo, Resultado)


def test_resultado_aparece_no_notebook():
    errado = verificar("softmax-estavel", cap01._exp_ingenua)
    html = errado._repr_html_()
    assert "✘ Incorreto" in html and "softmax-estavel" in html
    assert "&lt;" not in repr(errado)  # o texto puro não é escapado
    assert repr(errado).startswith("✘ Incorreto [softmax-estavel]")


def test_html_escapa_a_mensagem():
    def devolve_texto(x):
        return "<script>"

    html = verificar("softmax-estavel", devolve_texto)._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_deterministico():
    a = verificar("softmax-estavel", cap01._maximo_global)
    b = verificar("softmax-estavel", cap01._maximo_global)
    assert a.mensagem == b.mensagem


def test_avisos_do_estudante_nao_vazam(recwarn):
    verificar("softmax-estavel", cap01._exp_ingenua)
    assert len(recwarn) == 0


def test_dica_em_niveis():
    primeira = dica("softmax-estavel")
    assert primeira.startswith("**Dica 1 de 3**")
    assert primeira._repr_markdown_() == str(primeira)
    assert dica("softmax-estavel", 3) != primeira


@pytest.mark.parametrize("nivel", [0, 4])
def test_dica_fora_do_intervalo(nivel):
    with pytest.raises(
        ValueError, match=rf"nivel fora do intervalo: recebido {nivel}; .* de 1 a 3"
    ):
        dica("softmax-estavel", nivel)


def test_dica_nivel_nao_inteiro():
    with pytest.raises(TypeError, match="nivel deve ser um inteiro de 1 a 3; recebido '2'"):
        dica("softmax-estavel", "2")


def test_solucao_mostra_o_codigo_de_referencia():
    texto = solucao("temperatura")
    assert "def softmax_com_temperatura(logits, T):" in texto
    assert texto.count("```") == 2


def test_registro_recusa_id_repetido():
    with pytest.raises(ValueError, match="já existe"):
        registrar(
            Exercicio(
                id="softmax-estavel",
                titulo="",
                parametros=("x",),
                referencia=cap01.softmax_estavel,
                casos=lambda: [Caso((np.zeros(1),))],
                dicas=("",),
            )
        )


# ---------------------------------------------------------------------------------------------
# Todo exercício registrado, de qualquer capítulo, é testado dos três jeitos


def _esqueleto(*args):
    raise NotImplementedError


def _sem_return(*args):
    pass


@pytest.mark.parametrize("id", ids())
def test_todo_exercicio_referencia_e_esqueleto(id):
    ex = obter(id)
    assert verificar(id, ex.referencia).ok, id
    for esqueleto in (_esqueleto, None):
        resultado = verificar(id, esqueleto)
        assert resultado.estado == "nao_tentado" and not resultado
        assert f"dica({id!r})" in resultado.mensagem
    # uma função escrita que esqueceu o return não é «não tentado»
    assert verificar(id, _sem_return).diagnostico == "devolveu-none"
    assert len(ex.dicas) >= 2 and ex.explicacao
    assert len(ex.erros_conhecidos) >= 3, "um verificador sem catálogo de erros não foi testado"


@pytest.mark.parametrize(
    "id, erro",
    [(id, erro) for id in ids() for erro in obter(id).erros_conhecidos],
    ids=lambda v: v if isinstance(v, str) else v.funcao.__name__,
)
def test_todo_erro_do_catalogo_e_reconhecido(id, erro):
    resultado = verificar(id, erro.funcao)
    if erro.nome == "argsort-instavel" and resultado.ok:
        pytest.skip("nesta máquina o np.argsort padrão já desempata pelo menor índice nos casos")
    assert resultado.estado == "incorreto"
    assert resultado.diagnostico == erro.nome, resultado.mensagem
    assert erro.diagnostico in resultado.mensagem


# ---------------------------------------------------------------------------------------------
# O mecanismo nunca quebra, trava ou engana (issue 11, §3)


def _softmax(x):
    x = np.asarray(x, dtype=float)
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _exercicio_de_brinquedo(**extra) -> Exercicio:
    """Um exercício fora do registro, com a softmax como referência."""
    opcoes = dict(
        id="brinquedo",
        titulo="Brinquedo",
        parametros=("x",),
        referencia=_softmax,
        casos=lambda: [
            Caso((np.array([1.0, 2.0, 3.0]),)),
            Caso((np.array([[1.0, 2.0], [3.0, 5.0]]),)),
            Caso((np.array([[0.0, 1.0, 2.0], [1000.0, 1001.0, 999.0]]),)),
        ],
        dicas=("a", "b"),
    )
    opcoes.update(extra)
    return Exercicio(**opcoes)


class _ReprQuebrado:
    def __repr__(self):
        raise RuntimeError("repr quebrado")


class _ArrayQuebrado:
    def __array__(self, dtype=None, copy=None):
        raise RuntimeError("__array__ quebrado")


RETORNOS_ESTRANHOS = {
    "texto": "0.5",
    "dicionario": {"p": 1.0},
    "objeto": object(),
    "repr-quebrado": _ReprQuebrado(),
    "array-quebrado": _ArrayQuebrado(),
    "complexo": np.array([1 + 0j]),
    "objetos": np.array([None, 1.0], dtype=object),
    "gerador": (v for v in [1.0]),
    "lista-irregular": [[1.0], [1.0, 2.0]],
    "escalar": 1.0,
    "inteiros": np.array([0, 0, 1]),
    "vazio": np.array([]),
    "bool": True,
}


@pytest.mark.parametrize("retorno", RETORNOS_ESTRANHOS.values(), ids=RETORNOS_ESTRANHOS.keys())
def test_qualquer_retorno_vira_veredito_em_portugues(retorno):
    resultado = verificar("softmax-estavel", lambda x: retorno)
    assert resultado.estado == "incorreto"
    assert "Menor entrada que falha" in resultado.mensagem
    assert "Traceback" not in resultado.mensagem
    repr(resultado), resultado._repr_html_()  # mostrar o veredito também não quebra


def test_retorno_nao_numerico_diz_o_que_veio():
    resultado = verificar("softmax-estavel", lambda x: "0.5")
    assert resultado.diagnostico == "nao-numerico"
    assert "devolveu '0.5' (tipo str)" in resultado.mensagem


def test_lista_com_os_valores_certos_passa():
    assert verificar("softmax-estavel", lambda x: _softmax(x).tolist()).ok


@pytest.mark.parametrize(
    "erro", [KeyError("ops"), ValueError("valor"), ZeroDivisionError("zero"), RecursionError()]
)
def test_excecao_da_resposta_e_mostrada_como_erro_do_estudante(erro):
    def quebra(x):
        raise erro

    resultado = verificar("softmax-estavel", quebra)
    assert resultado.estado == "incorreto" and resultado.diagnostico == "excecao"
    assert f"sua função levantou {type(erro).__name__}" in resultado.mensagem
    assert "x = array(" in resultado.mensagem  # com a entrada que falhou


def test_devolver_none_nao_e_nao_tentado():
    def sem_return(x):
        _softmax(x)

    resultado = verificar("softmax-estavel", sem_return)
    assert resultado.estado == "incorreto" and resultado.diagnostico == "devolveu-none"
    assert "faltou o `return`?" in resultado.mensagem
    assert "Esperado: None" not in resultado.mensagem


def test_so_o_esqueleto_e_nao_tentado():
    assert verificar("softmax-estavel", None).estado == "nao_tentado"
    assert verificar("softmax-estavel", _esqueleto).estado == "nao_tentado"

    def esqueleto_que_comecou(x):
        x = np.asarray(x)
        raise NotImplementedError

    assert verificar("softmax-estavel", esqueleto_que_comecou).estado == "nao_tentado"


@pytest.fixture
def limite_curto(monkeypatch):
    monkeypatch.setattr(_nucleo, "LIMITE_POR_CASO", 0.3)
    monkeypatch.setattr(_nucleo, "LIMITE_TOTAL", 2.0)


def _laco_infinito(x):
    while True:
        pass


def _laco_que_engole_excecoes(x):
    while True:
        try:
            while True:
                pass
        except Exception:  # um except Exception do estudante não impede a interrupção
            pass


@pytest.mark.parametrize("resposta", [_laco_infinito, _laco_que_engole_excecoes])
def test_laco_infinito_e_interrompido(limite_curto, resposta):
    inicio = time.perf_counter()
    resultado = verificar("softmax-estavel", resposta)
    assert time.perf_counter() - inicio < 3.0
    assert resultado.estado == "incorreto" and resultado.diagnostico == "tempo-esgotado"
    assert "passou de 0.3 s" in resultado.mensagem and "interrompida" in resultado.mensagem


def test_laco_infinito_fora_da_thread_principal(limite_curto):
    # sem SIGALRM (outra thread, ou Windows): a vigia injeta a interrupção
    resultados = []
    thread = threading.Thread(
        target=lambda: resultados.append(verificar("softmax-estavel", _laco_infinito))
    )
    thread.start()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert resultados[0].diagnostico == "tempo-esgotado"


def test_lenta_mas_correta_e_recusada_sem_travar(limite_curto):
    def lenta(x):
        fim = time.perf_counter() + 0.2
        while time.perf_counter() < fim:
            pass
        return _softmax(x)

    inicio = time.perf_counter()
    resultado = verificar("softmax-estavel", lenta)
    assert time.perf_counter() - inicio < 4.0
    # o tempo total acabou antes dos 12 casos: a verificação para, e diz por quê — sem mostrar
    # um «Esperado»/«Obtido» iguais como se o valor estivesse errado
    assert resultado.estado == "incorreto" and resultado.diagnostico == "tempo-total"
    assert "parou por tempo" in resultado.mensagem and "conferem" in resultado.mensagem
    assert "Esperado" not in resultado.mensagem and "coincidem" not in resultado.mensagem
    assert re.search(r"levou \d+,\d s neles \(em média \d+,\d s por caso\)", resultado.mensagem)


def test_resposta_que_troca_funcoes_do_numpy_nao_engana_o_verificador():
    # a resposta roda depois da referência, mas a comparação (np.allclose...) e o catálogo de
    # erros rodam depois dela: o que ela troca no numpy é desfeito a cada chamada
    original_allclose, original_exp = np.allclose, np.exp

    def engana_a_comparacao(x):
        np.allclose = lambda *a, **k: True
        return np.zeros_like(x)

    def troca_exp(x):
        np.exp = lambda z: original_exp(z) * 0 + 1
        return _softmax(x)

    try:
        resultado = verificar("softmax-estavel", engana_a_comparacao)
        assert resultado.estado == "incorreto"
        assert np.allclose is original_allclose
        resultado = verificar("softmax-estavel", troca_exp)
        assert np.exp is original_exp
        assert resultado.estado == "incorreto"
        assert resultado.diagnostico != "maximo-global"  # sem diagnóstico sem evidência
        assert verificar("softmax-estavel", _softmax).ok
    finally:
        np.allclose, np.exp = original_allclose, original_exp


def test_resposta_que_troca_uma_referencia_do_companion_nao_estraga_as_seguintes():
    # achado do red team: uma resposta que trocava cap07.filtro_min_p (ou sampling.min_p) fazia
    # um top-p-vs-min-p certo dar «incorreto» depois, com o «esperado» errado
    from companion import sampling
    from companion.exercicios import cap07_amostragem as cap07

    originais = cap07.filtro_min_p, sampling.min_p

    def sabota(logits, p):
        cap07.filtro_min_p = lambda x, q: np.asarray(x, dtype=float) * 0
        sampling.min_p = lambda x, q, *a, **k: np.asarray(x, dtype=float) * 0
        return originais[0](logits, p)

    try:
        verificar("min-p", sabota)
        assert (cap07.filtro_min_p, sampling.min_p) == originais
        assert verificar("top-p-vs-min-p", cap07.discordancia).ok
    finally:
        cap07.filtro_min_p, sampling.min_p = originais


def test_sys_exit_da_resposta_vira_veredito():
    import sys

    resultado = verificar("softmax-estavel", lambda x: sys.exit(1))
    assert resultado.estado == "incorreto" and resultado.diagnostico == "excecao"
    assert "SystemExit" in resultado.mensagem


def test_excecao_com_str_que_quebra_vira_veredito():
    class ErroEsquisito(Exception):
        def __str__(self):
            raise RuntimeError("str quebrado")

    def quebra(x):
        raise ErroEsquisito

    resultado = verificar("softmax-estavel", quebra)
    assert resultado.estado == "incorreto" and resultado.diagnostico == "excecao"
    assert "ErroEsquisito" in resultado.mensagem


def test_o_que_a_resposta_imprime_aparece_uma_vez(capsys):
    def fala(x):
        print("calculando a softmax")
        return _softmax(x)

    resultado = verificar("softmax-estavel", fala)
    assert resultado.ok
    assert resultado.mensagem.count("calculando a softmax") == 1
    assert "calculando" not in capsys.readouterr().out  # nada vaza para a célula, caso a caso

    def fala_e_erra(x):
        print("oi")
        return np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True)

    mensagem = verificar("softmax-estavel", fala_e_erra).mensagem
    assert mensagem.splitlines().count("oi") == 1


def test_digitos_que_diferem_sao_mostrados():
    def quase(x):
        return _softmax(x) * (1 + 3e-8)

    resultado = verificar("softmax-estavel", quase)
    linhas = resultado.mensagem.splitlines()
    esperado = next(linha for linha in linhas if linha.startswith("Esperado:"))
    obtido = next(linha for linha in linhas if linha.startswith("Obtido:"))
    assert esperado.split(":", 1)[1].strip() != obtido.split(":", 1)[1].strip()
    assert "Diferença (obtido − esperado)" in resultado.mensagem


def test_entrada_alterada_nomeia_o_argumento():
    def altera(x):
        x -= x.max(axis=-1, keepdims=True)
        np.exp(x, out=x)
        x /= x.sum(axis=-1, keepdims=True)
        return x

    resultado = verificar("softmax-estavel", altera)
    assert resultado.estado == "incorreto" and resultado.diagnostico == "entrada-alterada"
    assert "alterou o argumento `x` no lugar" in resultado.mensagem
    # Esperado e Obtido iguais: a mensagem diz que os valores estão certos
    assert "Os valores estão certos: o que falhou foi o argumento alterado." in resultado.mensagem


def test_entrada_alterada_num_exercicio_de_dois_argumentos():
    ex = _exercicio_de_brinquedo(
        parametros=("logits", "T"),
        referencia=lambda logits, T: _softmax(np.asarray(logits) / T),
        casos=lambda: [Caso((np.array([1.0, 2.0]), 2.0)), Caso((np.array([[1.0, 3.0]]), 0.5))],
    )

    def altera(logits, T):
        logits /= T
        return _softmax(logits)

    resultado = _nucleo.verificar_funcao(ex, altera)
    assert resultado.diagnostico == "entrada-alterada"
    assert "`logits`" in resultado.mensagem and "`T`" not in resultado.mensagem


def test_aviso_nao_relacionado_nao_reprova():
    ex = _exercicio_de_brinquedo(proibir_avisos=True)

    def avisa(x):
        warnings.warn("isto será removido", DeprecationWarning, stacklevel=1)
        warnings.warn("um aviso qualquer", stacklevel=1)
        return _softmax(x)

    assert _nucleo.verificar_funcao(ex, avisa).ok


def test_estado_do_verificador_e_so_dele():
    guardados = []

    def guarda_e_estraga(x):
        guardados.append(x)
        saida = _softmax(x)
        guardados.append(saida)
        return saida

    assert verificar("softmax-estavel", guarda_e_estraga).ok
    for arr in guardados:  # mexer depois no que a resposta viu não muda a próxima correção
        arr[...] = 0.0
    assert verificar("softmax-estavel", _softmax).ok
    assert verificar("softmax-estavel", cap01.softmax_estavel).ok


def test_encolhimento_mantem_os_argumentos_coerentes():
    # logits (N, C) e alvos (N,): cada linha sai junto com o seu alvo, e nenhuma entrada que a
    # referência recusa (alvo fora do intervalo) é mostrada
    def referencia(logits, alvos):
        logits, alvos = np.asarray(logits), np.asarray(alvos)
        if logits.shape[0] != alvos.shape[0] or np.any(alvos >= logits.shape[-1]):
            raise ValueError("alvos incompatíveis")
        lse = np.log(np.exp(logits - logits.max(-1, keepdims=True)).sum(-1))
        lse += logits.max(-1)
        return np.mean(lse - logits[np.arange(len(alvos)), alvos])

    def errada(logits, alvos):
        return referencia(logits, alvos) + (np.asarray(alvos) == 2).any()

    rng = np.random.default_rng(0)
    ex = _exercicio_de_brinquedo(
        parametros=("logits", "alvos"),
        referencia=referencia,
        casos=lambda: [Caso((rng.normal(size=(6, 4)), np.array([0, 1, 3, 2, 1, 0])))],
        formato="um escalar",
    )
    resultado = _nucleo.verificar_funcao(ex, errada)
    logits, alvos = resultado.detalhes["entrada"]
    assert logits.shape[0] == alvos.shape[0] == 1 and alvos[0] == 2
    assert logits.shape[1] == 3  # a coluna 3 saiu; a 2, que o alvo usa, não
    referencia(logits, alvos)  # a referência aceita a entrada mostrada
    assert "Esperado: None" not in resultado.mensagem


def test_diagnostico_sobre_construcao_so_com_a_construcao_no_codigo():
    def com_where(x):
        return np.where(True, _softmax(x) + 1, 0)

    ex = _exercicio_de_brinquedo(
        erros_conhecidos=(
            ErroConhecido(
                "where", lambda x: _softmax(x) + 1, "o np.where faz isto", no_codigo=("where",)
            ),
        ),
    )

    def sem_where(x):
        return _softmax(x) + 1

    assert _nucleo.verificar_funcao(ex, com_where).diagnostico == "where"
    assert _nucleo.verificar_funcao(ex, sem_where).diagnostico != "where"


def test_formato_errado_nomeia_o_formato_do_exercicio():
    ex = _exercicio_de_brinquedo(formato="um número por linha, (N,)")
    resultado = _nucleo.verificar_funcao(ex, lambda x: _softmax(x)[..., None])
    assert resultado.diagnostico == "formato"
    assert "— um número por linha, (N,); obtido (" in resultado.mensagem
    assert "Os valores estão certos; só o formato não." in resultado.mensagem


@pytest.mark.parametrize("id", ids())
def test_nenhum_veredito_mostra_entrada_invalida(id):
    """Para todo erro do catálogo: a entrada mostrada é aceita pela referência, e o esperado e o
    obtido são mostrados."""
    ex = obter(id)
    for erro in ex.erros_conhecidos:
        resultado = verificar(id, erro.funcao)
        assert "Esperado: None" not in resultado.mensagem, (erro.nome, resultado.mensagem)
        saida = _nucleo._executar(ex.referencia, Caso(resultado.detalhes["entrada"]))
        assert saida.excecao is None and saida.valor is not None, (erro.nome, resultado.mensagem)
        if ex.valido is not None:
            assert ex.valido(Caso(resultado.detalhes["entrada"])), erro.nome


# ---------------------------------------------------------------------------------------------
# O progresso


@pytest.fixture
def arquivo_de_progresso(tmp_path, monkeypatch):
    arquivo = tmp_path / "dados" / "progresso.json"
    monkeypatch.setenv("COMPANION_PROGRESSO", str(arquivo))
    return arquivo


def test_progresso_guarda_o_ultimo_veredito(arquivo_de_progresso):
    assert not arquivo_de_progresso.exists()
    tabela = progresso(1)
    assert [linha[3] for linha in tabela.linhas] == ["nunca", "nunca"]
    verificar("softmax-estavel", cap01._exp_ingenua)
    verificar("temperatura", _esqueleto)
    assert [linha[3] for linha in progresso(1).linhas] == ["incorreto", "nao_tentado"]
    verificar("softmax-estavel", cap01.softmax_estavel)
    tabela = progresso(1)
    assert tabela.linhas[0][3] == "correto" and tabela.feitos == 1
    texto = repr(tabela)
    assert "Progresso: 1 de 2 exercícios corretos" in texto
    assert "Capítulo 1 — Softmax" in texto and "✔ Correto!" in texto
    assert "<table>" in tabela._repr_html_() and "✘" not in tabela._repr_html_()
    dados = json.loads(arquivo_de_progresso.read_text(encoding="utf-8"))
    assert dados["exercicios"]["softmax-estavel"]["estado"] == "correto"


def test_progresso_do_livro_inteiro(arquivo_de_progresso):
    tabela = progresso()
    assert [linha[1] for linha in tabela.linhas] == ids()
    assert {linha[0] for linha in tabela.linhas} == set(CAPITULOS) >= set(range(1, 9))


@pytest.mark.parametrize(
    "conteudo", ["{não é json", "[]", '{"exercicios": 3}', '{"exercicios": {"x": 1}}', ""]
)
def test_progresso_com_arquivo_corrompido(arquivo_de_progresso, conteudo):
    arquivo_de_progresso.parent.mkdir(parents=True)
    arquivo_de_progresso.write_text(conteudo, encoding="utf-8")
    assert all(linha[3] == "nunca" for linha in progresso(2).linhas)
    verificar("sigmoide-estavel", _esqueleto)  # recria o arquivo
    assert progresso(2).linhas[0][3] == "nao_tentado"
    json.loads(arquivo_de_progresso.read_text(encoding="utf-8"))


def test_progresso_sem_permissao_de_escrita_nao_quebra(tmp_path, monkeypatch):
    monkeypatch.setenv("COMPANION_PROGRESSO", str(tmp_path / "arquivo" / "x" / "p.json"))
    (tmp_path / "arquivo").write_text("um arquivo no lugar da pasta", encoding="utf-8")
    assert verificar("softmax-estavel", cap01.softmax_estavel).ok
    assert progresso(1).linhas[0][3] == "nunca"


def test_progresso_segue_xdg_data_home(tmp_path, monkeypatch):
    monkeypatch.delenv("COMPANION_PROGRESSO", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    verificar("softmax-estavel", cap01.softmax_estavel)
    assert (tmp_path / "softmax-na-pratica" / "progresso.json").exists()


def test_progresso_desligado(tmp_path, monkeypatch):
    monkeypatch.setenv("COMPANION_PROGRESSO", "0")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    verificar("softmax-estavel", cap01.softmax_estavel)
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("capitulo, erro", [(0, ValueError), (99, ValueError), ("1", TypeError)])
def test_progresso_capitulo_invalido(capitulo, erro):
    with pytest.raises(erro, match="capitulo"):
        progresso(capitulo)


def test_tensor_do_torch_com_grad_fn_e_aceito():
    torch = pytest.importorskip("torch")

    def com_autograd(x):
        t = torch.tensor(np.asarray(x, dtype=float), requires_grad=True)
        return torch.softmax(t, dim=-1)  # um tensor com grad_fn: np.asarray não o aceita

    def perda_com_autograd(logits, alvos):
        t = torch.tensor(logits, requires_grad=True)
        return torch.nn.functional.cross_entropy(t, torch.as_tensor(alvos))

    assert verificar("softmax-estavel", com_autograd).ok
    assert verificar("entropia-cruzada", perda_com_autograd).ok


def test_a_menor_entrada_mostra_a_saida_que_falhou_sem_rodar_de_novo():
    # uma resposta com estado (erra na primeira vez que vê uma entrada, acerta depois): o
    # veredito mostra a saída que falhou, e não uma segunda chamada que por acaso acertou
    vistas = set()

    def erra_so_na_primeira_vez(x):
        chave = (x.shape, x.tobytes())
        if chave in vistas:
            return _softmax(x)
        vistas.add(chave)
        return np.zeros_like(x)

    resultado = verificar("softmax-estavel", erra_so_na_primeira_vez)
    assert resultado.estado == "incorreto"
    assert "coincidem" not in resultado.mensagem
    np.testing.assert_array_equal(resultado.detalhes["obtido"], 0.0)


def test_array_enorme_de_formato_errado_e_formato_e_nao_nao_numerico():
    resultado = verificar("softmax-estavel", lambda x: np.broadcast_to(0.0, (10**6, 10**6)))
    assert resultado.estado == "incorreto" and resultado.diagnostico == "formato"
    assert "obtido (1000000, 1000000)" in resultado.mensagem


def test_funcao_async_nao_deixa_aviso_em_ingles(recwarn):
    import gc

    async def assincrona(x):
        return _softmax(x)

    resultado = verificar("softmax-estavel", assincrona)
    gc.collect()
    assert resultado.estado == "incorreto" and resultado.diagnostico == "nao-numerico"
    assert not [a for a in recwarn if "never awaited" in str(a.message)]


def test_resposta_que_troca_o_relogio_ou_os_avisos_nao_muda_as_verificacoes_seguintes():
    original_perf_counter, original_warn = time.perf_counter, warnings.warn

    def troca(x):
        time.perf_counter = lambda: 0.0
        warnings.warn = lambda *a, **k: None
        return _softmax(x)

    try:
        assert verificar("softmax-estavel", troca).ok
        assert time.perf_counter is original_perf_counter
        assert warnings.warn is original_warn
    finally:
        time.perf_counter, warnings.warn = original_perf_counter, original_warn


def test_notimplementederror_so_em_alguns_formatos_nao_e_nao_tentado():
    # o primeiro caso é 1-D: uma resposta que só trata lotes não está «ainda não tentada»
    def so_lotes(x):
        x = np.asarray(x, dtype=float)
        if x.ndim == 1:
            raise NotImplementedError("vetores: falta fazer")
        return _softmax(x)

    resultado = verificar("softmax-estavel", so_lotes)
    assert resultado.estado == "incorreto" and resultado.diagnostico == "excecao"
    assert "NotImplementedError" in resultado.mensagem


def test_numeros_de_outras_bibliotecas_valem_pelos_valores():
    from fractions import Fraction

    mpmath = pytest.importorskip("mpmath")

    def com_mpmath(x):
        x = np.asarray(x, dtype=float)
        saida = []
        for linha in x.reshape(-1, x.shape[-1]):
            m = max(linha)
            e = [mpmath.exp(mpmath.mpf(v) - m) for v in linha]
            s = sum(e)
            saida.append([v / s for v in e])
        return np.array(saida, dtype=object).reshape(x.shape)  # um array de mpf

    assert verificar("softmax-estavel", com_mpmath).ok
    # objetos que não são números reais continuam sendo recusados como «não numérico»
    resultado = verificar("softmax-estavel", lambda x: np.array([Fraction(1), 1j], dtype=object))
    assert resultado.diagnostico == "nao-numerico"


def test_set_printoptions_da_resposta_e_desfeito():
    antes = np.get_printoptions()

    def muda_a_impressao(x):
        np.set_printoptions(precision=1, threshold=3)
        return _softmax(x)

    try:
        assert verificar("softmax-estavel", muda_a_impressao).ok
        assert np.get_printoptions() == antes
    finally:
        np.set_printoptions(**antes)
