"""O livro constrói sem nenhum aviso (-W -n) e mostra ao leitor o que deve mostrar.

O site é construído uma vez por sessão (o fixture ``site``, em ``conftest.py``), com o mesmo
comando de `make livro`, numa pasta temporária; aqui se confere o HTML gerado.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import numpy as np
import pytest

import companion
from companion.formatacao import num, pct

RAIZ = Path(__file__).resolve().parent.parent


def capitulos() -> list[str]:
    return sorted(p.stem for p in (RAIZ / "book").glob("*.ipynb"))


def test_edicoes_do_estudante_para_download(site):
    """A introdução oferece a edição do estudante de cada capítulo e a roda do companion; cada
    capítulo, a sua. Os arquivos baixados são os certos."""
    intro = (site / "book" / "intro.html").read_text(encoding="utf-8")
    links = dict(
        (Path(href).name, site / "book" / href)
        for href in re.findall(r'<a class="reference download internal"[^>]*href="([^"]+)"', intro)
    )
    for capitulo in capitulos():
        baixado = links[f"{capitulo}.ipynb"]
        texto = baixado.read_text(encoding="utf-8")
        assert "{solution}" not in texto and '"outputs": []' in texto
        assert "verificar(" in texto
        html = (site / "book" / f"{capitulo}.html").read_text(encoding="utf-8")
        assert re.search(
            rf'class="reference download internal"[^>]*href="[^"]+/{capitulo}\.ipynb"', html
        )
    roda = next(caminho for nome, caminho in links.items() if nome.endswith(".whl"))
    with zipfile.ZipFile(roda) as z:
        nomes = z.namelist()
    assert "companion/softmax.py" in nomes and "companion/dados/modelo_minusculo.npz" in nomes


def test_paginas_existem_em_portugues(site):
    assert "url=book/intro.html" in (site / "index.html").read_text(encoding="utf-8")
    for pagina in [
        "book/intro.html",
        "book/referencias.html",
        "book/glossario.html",
        "book/api.html",
    ] + [f"book/{c}.html" for c in capitulos()]:
        html = (site / pagina).read_text(encoding="utf-8")
        assert '<html lang="pt-BR"' in html, pagina


@pytest.mark.parametrize("capitulo", capitulos())
def test_solucoes_fechadas_e_figuras_com_legenda(site, capitulo):
    html = (site / "book" / f"{capitulo}.html").read_text(encoding="utf-8")
    exercicios = re.findall(r'<div class="exercise admonition"', html)
    solucoes = re.findall(r'<div class="solution ([^"]*)"', html)
    assert len(exercicios) >= 3
    assert solucoes and all("dropdown" in classes for classes in solucoes)
    figuras = re.findall(r"<figure[^>]*>(.*?)</figure>", html, flags=re.S)
    assert len(figuras) >= 2
    assert all("<figcaption" in f for f in figuras)
    # nenhum número colado ({glue:text}) pode ter ficado de fora ou virado outra coisa
    assert "pasted-text" in html and "glue:" not in html


def test_numeros_colados_no_capitulo_1(site):
    html = (site / "book" / "01_softmax.html").read_text(encoding="utf-8")
    cavalo = pct(companion.softmax([2.0, 1.0, 5.0, -1.0])[2])
    assert f'<span class="pasted-text">{cavalo}</span>' in html
    # e^5 com duas casas tem vírgula: sem o cuidado de formatacao.py, viraria uma tupla
    e_cavalo = num(np.exp(5.0), 2)
    assert f'<span class="pasted-text">{e_cavalo}</span>' in html


def test_citacoes_resolvidas(site):
    html = (site / "book" / "01_softmax.html").read_text(encoding="utf-8")
    assert "Bridle" in html and "referencias.html#id" in html


def test_mathjax_servido_pelo_proprio_site(site):
    # sem rede, o livro precisa do MathJax na própria construção
    assert (site / "_static" / "mathjax" / "tex-mml-chtml.js").stat().st_size > 500_000
    assert any((site / "_static" / "mathjax" / "output" / "chtml" / "fonts").rglob("*.woff"))
    for capitulo in capitulos():
        html = (site / "book" / f"{capitulo}.html").read_text(encoding="utf-8")
        assert 'src="../_static/mathjax/tex-mml-chtml.js"' in html
        assert "cdn.jsdelivr.net" not in html


def test_demonstracoes_em_portugues(site):
    html = (site / "book" / "01_softmax.html").read_text(encoding="utf-8")
    assert "<em>Demonstração. </em>" in html
    for capitulo in capitulos():
        assert "Proof." not in (site / "book" / f"{capitulo}.html").read_text(encoding="utf-8")


def test_referencia_da_api_em_portugues(site):
    html = (site / "book" / "api.html").read_text(encoding="utf-8")
    # napoleon com language = pt_BR: as seções das docstrings saem em português
    for secao in ("Parâmetros", "Retorna", "Levanta"):
        assert secao in html
    for funcao in (
        "companion.softmax",
        "companion.cross_entropy",
        "companion.sampling.top_p",
        "companion.online.blockwise_attention",
        "companion.verificar",
    ):
        assert f'id="{funcao}"' in html, funcao


INGLES = [
    "Skip to main content",
    "Back to top",
    "Toggle primary sidebar",
    "Toggle secondary sidebar",
    "Search this book",
    "Version warning",
    "Site navigation",
    "On this page",
    "Color mode",
    "System Settings",
    "previous page",
    "next page",
    'aria-label="Main"',
    'aria-label="Page"',
    'title="Light"',
    'title="Dark"',
    "Toggle hidden content",
    "Click to show",
    "Proof.",
    ">Contents<",
    ">Search<",
    ">Download",
    "Print to PDF",
    "Fullscreen mode",
    "Last updated",
    ">By ",
    "© Copyright",
]


def test_nenhum_texto_da_interface_em_ingles(site):
    for pagina in site.rglob("*.html"):
        if "_static" in pagina.parts:
            continue
        html = pagina.read_text(encoding="utf-8")
        for texto in INGLES:
            assert texto not in html, f"{pagina.relative_to(site)}: {texto!r}"
    copiar = (site / "_static" / "copybutton.js").read_text(encoding="utf-8")
    assert "'pt-BR': {" in copiar and "'copy_success': 'Copiado!'" in copiar
    assert "Toggle hidden content" not in (site / "_static" / "togglebutton.js").read_text(
        encoding="utf-8"
    )


@pytest.mark.parametrize(
    "caminho", sorted((RAIZ / "book").glob("*.ipynb")), ids=lambda c: c.stem
)
def test_nenhuma_saida_guardada_e_do_stderr(caminho):
    # um aviso guardado como saída (p. ex. o matplotlib sem as fontes das fórmulas, com um cache
    # de fontes de outro ambiente) passaria no nbval de quem tem o mesmo cache, e é ruído para o
    # leitor; scripts/executar_notebooks.py também recusa
    import json

    nb = json.loads(caminho.read_text(encoding="utf-8"))
    avisos = [
        (i, "".join(saida.get("text", ""))[:200])
        for i, celula in enumerate(nb["cells"])
        for saida in celula.get("outputs", [])
        if saida.get("name") == "stderr"
    ]
    assert not avisos, f"{caminho.name}: saídas no stderr (célula, começo): {avisos[:3]}"
