"""Testes de companion.graficos."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib as mpl  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from companion.graficos import CORES, barras, estilo, virgula_decimal  # noqa: E402

MENOS = "\N{MINUS SIGN}"


@pytest.fixture(autouse=True)
def sem_virgula_automatica():
    # estilo() muda as classes de escala do matplotlib no processo; cada teste começa e termina
    # sem essa mudança, para não vazar para os outros testes
    estilo_atual = dict(mpl.rcParams)
    estilo(virgula=False)
    yield
    estilo(virgula=False)
    mpl.rcParams.update(estilo_atual)
    plt.close("all")


def rotulos(eixo, minor=False):
    """Os textos das marcas visíveis de um eixo, depois de desenhar a figura."""
    eixo.figure.canvas.draw()
    baixo, alto = sorted(eixo.get_view_interval())
    return [
        t.get_text()
        for t, v in zip(
            eixo.get_ticklabels(minor=minor), eixo.get_ticklocs(minor=minor), strict=True
        )
        if baixo - 1e-12 * abs(alto - baixo) <= v <= alto + 1e-12 * abs(alto - baixo)
    ]


@pytest.fixture
def eixos():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def test_estilo_aplica_a_paleta():
    with mpl.rc_context():
        estilo()
        assert mpl.rcParams["axes.prop_cycle"].by_key()["color"] == list(CORES)
        assert mpl.rcParams["axes.spines.top"] is False


def test_barras_rotula_com_virgula(eixos):
    barras(eixos, [0.25, -1.5], ["a", "b"], titulo="t", casas=2, destaque=1)
    textos = [t.get_text() for t in eixos.texts]
    assert textos == ["0,25", "−1,50"]
    assert [t.get_text() for t in eixos.get_xticklabels()] == ["a", "b"]
    assert eixos.get_title() == "t"
    cores = [mpl.colors.to_hex(p.get_facecolor()) for p in eixos.patches]
    assert cores == [CORES[0].lower(), CORES[1].lower()]
    baixo, alto = eixos.get_ylim()
    assert baixo < -1.5 and alto > 0.25


def test_barras_recusa_entrada_ruim(eixos):
    with pytest.raises(ValueError, match=r"valores deve ser um vetor .*formato \(2, 2\)"):
        barras(eixos, np.zeros((2, 2)))
    with pytest.raises(
        ValueError, match="rotulos deve ter um nome por valor: recebidos 1 nomes para 2"
    ):
        barras(eixos, [1.0, 2.0], ["a"])


def test_sem_matplotlib_o_erro_diz_como_instalar(monkeypatch):
    # o matplotlib é um extra: sem ele, importar companion.graficos explica, em português, o que
    # instalar (e o resto do pacote continua importável)
    import importlib
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib levanta
    monkeypatch.delitem(sys.modules, "companion.graficos")
    with pytest.raises(ModuleNotFoundError) as erro:
        importlib.import_module("companion.graficos")
    mensagem = str(erro.value)
    assert "companion.graficos precisa do matplotlib, que não está instalado" in mensagem
    assert 'pip install "companion[graficos]"' in mensagem
    assert erro.value.name == "matplotlib" and erro.value.__cause__ is None
    assert importlib.import_module("companion.formatacao").num(0.5, 1) == "0,5"


def em_ptbr(rotulos_do_matplotlib):
    """O que se espera de rótulos fora do modo matemático: ponto → vírgula, hífen → “−”."""
    return [t.replace(".", ",").replace("-", MENOS) for t in rotulos_do_matplotlib]


def test_virgula_decimal_nos_eixos_lineares():
    fig, ax = plt.subplots()
    ax.plot([0.0, 1.0], [-0.5, 0.5])
    antes_x, antes_y = rotulos(ax.xaxis), rotulos(ax.yaxis)
    assert any("." in t for t in antes_x + antes_y)  # sem o formatador: ponto decimal
    assert virgula_decimal(fig) is None  # não devolve a figura (o notebook a mostraria de novo)
    assert rotulos(ax.xaxis) == em_ptbr(antes_x)  # as mesmas marcas, só a escrita muda
    assert rotulos(ax.yaxis) == em_ptbr(antes_y)
    assert rotulos(ax.yaxis)[0] == f"{MENOS}0,4" and rotulos(ax.xaxis)[-1] == "1,0"
    virgula_decimal(fig)  # duas vezes dá o mesmo
    assert rotulos(ax.yaxis) == em_ptbr(antes_y)


def test_virgula_decimal_mantem_inteiros_offset_e_log():
    fig, (inteiros, deslocado, log) = plt.subplots(1, 3)
    inteiros.plot([0, 10], [-20, 20])
    deslocado.plot([1e5, 1e5 + 0.003], [0.0, 1.5e-7])
    log.plot([1.0, 1e4], [1.0, 2.0])
    log.set_xscale("log")
    antes = [rotulos(e) for ax in (inteiros, deslocado, log) for e in (ax.xaxis, ax.yaxis)]
    virgula_decimal(fig)
    depois = [rotulos(e) for ax in (inteiros, deslocado, log) for e in (ax.xaxis, ax.yaxis)]
    assert depois[:5] == [em_ptbr(r) for r in antes[:5]]
    assert rotulos(inteiros.xaxis) == ["0", "5", "10"]  # inteiros sem ",0"
    assert rotulos(inteiros.yaxis)[0] == f"{MENOS}20"
    assert rotulos(deslocado.xaxis)[:2] == ["0,000", "0,001"]
    assert deslocado.xaxis.get_offset_text().get_text() == "+1e5"
    assert deslocado.yaxis.get_offset_text().get_text() == f"1e{MENOS}7"
    # potências de dez ficam como o matplotlib as escreve
    # (quais potências aparecem depende da versão do matplotlib; todas são potências de dez)
    assert depois[4] == antes[4]
    assert depois[4] and all(r.startswith("$\\mathdefault{10^{") for r in depois[4])


def test_virgula_decimal_no_modo_matematico_e_na_barra_de_cores():
    fig, (ax, imagem) = plt.subplots(1, 2)
    ax.plot([0.0, 1.0], [0.0, 1.5e-7])
    ax.ticklabel_format(useMathText=True)  # continua um ScalarFormatter depois da conversão
    barra = fig.colorbar(imagem.imshow(np.linspace(0.0, 1.0, 4).reshape(2, 2)))
    antes_barra = rotulos(barra.ax.yaxis)
    virgula_decimal(fig)
    ax.ticklabel_format(useMathText=True)
    fig.canvas.draw()
    # dentro de $...$ o ponto vira {,} (sem o espaço que o mathtext põe depois da pontuação)
    assert ax.yaxis.get_major_formatter()(1.5e-7) == "$\\mathdefault{1{,}5}$"
    assert ax.yaxis.get_offset_text().get_text() == (
        f"$\\times\\mathdefault{{10^{{{MENOS}7}}}}\\mathdefault{{}}$"
    )
    assert rotulos(barra.ax.yaxis) == em_ptbr(antes_barra)
    assert "0,4" in rotulos(barra.ax.yaxis)


def test_virgula_decimal_nao_toca_em_texto_nem_em_funcoes():
    fig, ax = plt.subplots()
    ax.plot([0.0, 1.0], [0.0, 1.0])
    ax.set_xticks([0.0, 1.0], ["v1.5", "a-b"])
    ax.yaxis.set_major_formatter(mpl.ticker.FuncFormatter(lambda v, pos: f"{v:.1f}"))
    virgula_decimal(fig)
    assert rotulos(ax.xaxis) == ["v1.5", "a-b"]
    assert rotulos(ax.yaxis)[:2] == ["0.0", "0.2"]


def test_virgula_decimal_aceita_axes_colecoes_e_a_figura_atual():
    fig, eixos = plt.subplots(2, 2)
    for ax in eixos.flat:
        ax.plot([0.0, 1.0], [0.0, 0.5])

    def tem_virgula(ax):
        return any("," in t for t in rotulos(ax.yaxis))

    virgula_decimal(eixos[0])  # a primeira linha de Axes (um array do numpy)
    assert [tem_virgula(ax) for ax in eixos.flat] == [True, True, False, False]
    virgula_decimal(eixos[1, 0])  # um Axes
    assert [tem_virgula(ax) for ax in eixos.flat] == [True, True, True, False]
    plt.figure(fig)
    virgula_decimal()  # a figura atual
    assert all(tem_virgula(ax) for ax in eixos.flat)
    # um inset é filho do Axes, não da figura
    inset = eixos[0, 0].inset_axes([0.6, 0.6, 0.3, 0.3])
    inset.plot([0.0, 1.0], [0.0, 0.5])
    assert not tem_virgula(inset)
    virgula_decimal(fig)
    assert tem_virgula(inset)


def test_virgula_decimal_recusa_entrada_ruim():
    with pytest.raises(TypeError, match="fig_ou_ax deve ser uma Figure, .*; recebido int"):
        virgula_decimal(3)


def test_estilo_poe_a_virgula_em_toda_figura_nova():
    estilo()
    fig, ax = plt.subplots()
    ax.plot([0.0, 1.0], [0.1, 1000.0])
    assert rotulos(ax.xaxis)[1] == "0,2"
    ax.set_yscale("log")  # trocar de escala reinstala os formatadores padrão: com vírgula
    ax.set_xscale("symlog")
    assert rotulos(ax.yaxis)[0] == "$\\mathdefault{10^{-1}}$"
    ax.set_xscale("linear")
    assert rotulos(ax.xaxis)[1] == "0,2"
    figura_com_cores, imagem = plt.subplots()
    barra = figura_com_cores.colorbar(imagem.imshow([[0.0, 0.5]]))
    assert "0,1" in rotulos(barra.ax.yaxis)
    estilo(virgula=False)  # desfaz
    fig2, ax2 = plt.subplots()
    ax2.plot([0.0, 1.0], [0.0, 1.0])
    assert rotulos(ax2.xaxis)[1] == "0.2"
    estilo()
    estilo()  # idempotente: não embrulha duas vezes
    from matplotlib.scale import LinearScale

    metodo = LinearScale.set_default_locators_and_formatters
    assert not hasattr(metodo._companion_original, "_companion_original")
