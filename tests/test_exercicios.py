"""Testes da API dos exercícios (verificar, dica, solucao) e do mecanismo em _nucleo."""

from __future__ import annotations

import numpy as np
import pytest

from companion import dica, solucao, verificar
from companion.exercicios import Resultado, ids
from companion.exercicios import cap01_softmax as cap01
from companion.exercicios._nucleo import Caso, Exercicio, obter, registrar


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


def test_resposta_que_nao_e_funcao():
    with pytest.raises(TypeError, match=r"resposta deve ser uma função .*f\(x\).*recebido 3"):
        verificar("softmax-estavel", 3)


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


@pytest.mark.parametrize("id", ids())
def test_todo_exercicio_referencia_e_esqueleto(id):
    ex = obter(id)
    assert verificar(id, ex.referencia).ok, id
    assert verificar(id, _esqueleto).estado == "nao_tentado"
    assert len(ex.dicas) >= 2 and ex.explicacao
    assert len(ex.erros_conhecidos) >= 3, "um verificador sem catálogo de erros não foi testado"


@pytest.mark.parametrize(
    "id, erro",
    [(id, erro) for id in ids() for erro in obter(id).erros_conhecidos],
    ids=lambda v: v if isinstance(v, str) else v.funcao.__name__,
)
def test_todo_erro_do_catalogo_e_reconhecido(id, erro):
    resultado = verificar(id, erro.funcao)
    assert resultado.estado == "incorreto"
    assert resultado.diagnostico == erro.nome, resultado.mensagem
    assert erro.diagnostico in resultado.mensagem
