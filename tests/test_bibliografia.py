"""Citações e bibliografia em português do Brasil (``book/_ext/bibliografia.py``).

No site construído (o fixture ``site``): nenhuma citação, dica de citação (o ``title`` do link) ou
entrada da bibliografia com as palavras inglesas do ``sphinxcontrib-bibtex`` e do ``pybtex``
(“ and ”, “In ”, “editors”, “pages”…); “e” entre dois autores e “et al.” a partir de três; e o
texto que a edição do estudante escreve no lugar de ``{cite:t}`` e ``{cite:p}`` é o mesmo do site.

Os títulos, nomes de revistas e de congressos e as notas vêm do ``.bib`` e podem ser em inglês
(“Speech and Language Processing”): são tirados do texto antes de procurar as palavras inglesas.
"""

from __future__ import annotations

import html
import json
import re
import sys
from functools import cache
from pathlib import Path

import pytest
from pybtex.database import parse_file
from pybtex.richtext import Text

RAIZ = Path(__file__).resolve().parent.parent
LIVRO = RAIZ / "book"
BIB = LIVRO / "referencias.bib"
sys.path.insert(0, str(LIVRO / "_ext"))
import bibliografia  # noqa: E402
import edicao_estudante as ed  # noqa: E402

# campos que o .bib traz no idioma da obra; o resto do texto da entrada é do estilo
CAMPOS_DA_OBRA = ("title", "booktitle", "journal", "series", "note", "howpublished", "publisher",
                  "address", "institution", "school", "organization")
INGLES = [" and ", "In ", "editor", "pages", "Volume", "volume", "Number", "edition",
          "Technical Report", "thesis", "visited on", "URL:", " others"]


def _texto(trecho: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", trecho))).strip()


def _paginas(site: Path) -> list[Path]:
    return sorted((site / "book").glob("*.html"))


def _citacoes(site: Path) -> list[str]:
    return [
        _texto(m[1])
        for pagina in _paginas(site)
        for m in re.finditer(
            r'<span class="bibtex-citation"[^>]*>(.*?)</span>', pagina.read_text("utf-8"), re.S
        )
    ]


def _dicas(site: Path) -> list[str]:
    """As entradas formatadas que o site mostra ao passar o mouse sobre uma citação."""
    return [
        html.unescape(m[1])
        for pagina in _paginas(site)
        for m in re.finditer(
            r'<a class="reference internal" href="referencias\.html#id\d+" title="([^"]*)"',
            pagina.read_text("utf-8"),
        )
    ]


def _entradas(site: Path) -> list[str]:
    pagina = (site / "book" / "referencias.html").read_text("utf-8")
    return [
        _texto(m[1])
        for m in re.finditer(
            r'<div class="citation" id="[^"]+" role="doc-biblioentry">\s*'
            r'<span class="label">.*?</span>\s*<p>(.*?)</p>',
            pagina,
            re.S,
        )
    ]


@cache
def _campos_da_obra() -> list[str]:
    textos = {
        re.sub(r"\s+", " ", Text.from_latex(valor).render_as("text")).strip()
        for entrada in parse_file(str(BIB)).entries.values()
        for nome, valor in entrada.fields.items()
        if nome.lower() in CAMPOS_DA_OBRA
    }
    # do maior para o menor: um título que contém outro campo sai inteiro
    return sorted((t for t in textos if t), key=len, reverse=True)


def sem_campos_da_obra(texto: str) -> str:
    """O texto sem os títulos, revistas, notas… do .bib (sem diferenciar maiúsculas: o estilo
    ``plain`` põe os títulos em minúsculas)."""
    for campo in _campos_da_obra():
        texto = re.sub(re.escape(campo), "«…»", texto, flags=re.IGNORECASE)
    return texto


@pytest.fixture(scope="module")
def entradas(site) -> list[str]:
    entradas = _entradas(site)
    assert len(entradas) > 50  # a bibliografia lista as obras citadas
    return entradas


@pytest.fixture(scope="module")
def citacoes(site) -> list[str]:
    citacoes = _citacoes(site)
    assert len(citacoes) > 100  # o livro cita muito
    return citacoes


def test_citacoes_sem_palavras_em_ingles(citacoes):
    ruins = [c for c in citacoes if any(p in c for p in INGLES)]
    assert not ruins, ruins[:10]


def test_citacao_de_dois_autores_com_e_e_de_tres_com_et_al(citacoes):
    assert "Jurafsky e Martin (2024)" in citacoes  # {cite:t}
    assert "Goodfellow et al. (2016)" in citacoes  # três autores
    assert "Chowdhery et al. (2023)" in citacoes  # “and others” no .bib
    assert "(Dao et al., 2022; Micikevicius et al., 2018)" in citacoes  # {cite:p}, duas obras
    assert "(Jang et al., 2017)" in citacoes
    assert any(" e " in c and "et al." not in c for c in citacoes)


def test_bibliografia_sem_palavras_em_ingles(entradas, site):
    for entrada in entradas + _dicas(site):
        resto = sem_campos_da_obra(entrada)
        ruins = [p for p in INGLES if p in resto]
        assert not ruins, (ruins, entrada)


def test_bibliografia_com_as_palavras_em_portugues(entradas):
    def entrada(comeco: str) -> str:
        (achada,) = [e for e in entradas if e.startswith(comeco)]
        return achada

    bridle = entrada("John S. Bridle.")
    assert "In: Françoise Fogelman Soulié e Jeanny Hérault, organizadores," in bridle
    assert "v. 68 de NATO ASI Series F, p. 227–236." in bridle
    assert entrada("Daniel Jurafsky e James H. Martin.")
    assert "Wiley, 2ª edição, 2006." in entrada("Thomas M. Cover e Joy A. Thomas.")
    assert "Adam Roberts et al. PaLM" in entrada("Aakanksha Chowdhery,")
    assert "In: Proceedings of the 34th International Conference on Machine Learning (ICML), " \
        "p. 1321–1330." in entrada("Chuan Guo,")
    assert "Disponível em: https://www.evanmiller.org/" in entrada("Evan Miller.")


def test_meses_em_portugues():
    assert bibliografia.traduzir_mes("February") == "fev."  # a macro feb do BibTeX
    assert bibliografia.traduzir_mes("sep") == "set."
    assert bibliografia.traduzir_mes("5") == "maio"
    assert bibliografia.traduzir_mes("Verão") == "Verão"


def _celulas_markdown() -> str:
    return "\n".join(
        "".join(celula["source"])
        for caminho in sorted(LIVRO.glob("*.ipynb"))
        for celula in json.loads(caminho.read_text("utf-8"))["cells"]
        if celula["cell_type"] == "markdown"
    )


def _obras(citacao: str) -> frozenset[str]:
    """As obras de uma citação, sem a ordem: “(Dao, 2024; Dao et al., 2022)” →
    {“Dao, 2024”, “Dao et al., 2022”}."""
    if citacao.startswith("(") and citacao.endswith(")"):
        citacao = citacao[1:-1]
    return frozenset(citacao.split("; "))


def test_edicao_do_estudante_escreve_as_citacoes_como_o_site(citacoes):
    """O texto que ``edicao_estudante`` põe no lugar de cada ``{cite:t}``/``{cite:p}`` do livro
    (com o *et al.* do Markdown) é uma citação que o site mostra.

    Numa citação de várias obras, a ordem pode diferir: o sphinxcontrib-bibtex as põe na ordem
    da bibliografia (“{cite:p}`dao2022,dao2024`” sai “(Dao, 2024; Dao et al., 2022)”), a edição
    do estudante na ordem em que o capítulo as escreve."""
    referencias = ed.Referencias(LIVRO)
    papeis = {
        m[0]: m for m in ed.PAPEL.finditer(_celulas_markdown()) if m["papel"].startswith("cite")
    }
    assert len(papeis) > 50
    site = {_obras(c) for c in citacoes}
    for papel, m in papeis.items():
        esperado = ed._papel(m, {}, referencias).replace("*et al.*", "et al.")
        assert esperado.startswith("(") == papel.startswith("{cite:p}"), (papel, esperado)
        assert _obras(esperado) in site, (papel, esperado)
