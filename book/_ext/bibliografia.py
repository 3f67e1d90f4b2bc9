"""Citações e bibliografia em português do Brasil (site e PDF).

O ``sphinxcontrib-bibtex`` e o ``pybtex`` escrevem em inglês: “Jurafsky and Martin [2024]” no
texto e “In …, editors, …, pages …, 2 edition” na bibliografia. Esta extensão registra, pelos
pontos de extensão oficiais dos dois, as versões em português:

- **o estilo de referência** ``autor_ano_ptbr`` (grupo ``sphinxcontrib.bibtex.style.referencing``,
  usado por ``bibtex_reference_style``): o ``author_year`` com “e” entre dois autores, “*et al.*”
  a partir de três, parênteses — “Jurafsky e Martin (2024)”, “(Dao *et al.*, 2022)” — e “;” entre
  obras, exatamente o texto que a edição do estudante (``edicao_estudante.py``) escreve no lugar
  dos papéis ``{cite:t}`` e ``{cite:p}``;
- **o estilo de formatação** ``plain_ptbr`` (grupo ``pybtex.style.formatting``, usado por
  ``bibtex_default_style``): o ``plain`` do pybtex (a mesma ordem e os mesmos rótulos) com as
  palavras da norma ABNT NBR 6023 — “e” entre autores, “In:” antes da obra que contém a parte,
  “organizador(es)”, “p.” para páginas, “cap.”, “v.”, “n.”, “2ª edição”, “Relatório técnico”,
  “Dissertação de mestrado”, “Tese de doutorado”, “acesso em”, meses abreviados (“fev. 2024”) —
  e “et al.” no lugar do “others” do BibTeX.

“In:” e não “Em:”: é a forma da ABNT NBR 6023 (a norma brasileira de referências) para a parte
de uma obra coletiva, a que o leitor brasileiro encontra em artigos, teses e livros técnicos.

O PDF usa os mesmos estilos: o construtor LaTeX do Sphinx recebe do ``sphinxcontrib-bibtex`` as
citações e as entradas já formatadas (``book/_ext/pdf.py`` só muda o lugar da bibliografia).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pybtex.plugin
from pybtex.database import Entry
from pybtex.richtext import Symbol, Text
from pybtex.style.formatting import toplevel
from pybtex.style.formatting.plain import Style as EstiloPlain
from pybtex.style.template import (
    FieldIsMissing,
    first_of,
    join,
    node,
    optional,
    optional_field,
    sentence,
    together,
    words,
)
from pybtex.style.template import (
    field as campo,
)
from pybtex.style.template import (
    href as link,
)
from sphinx.application import Sphinx
from sphinxcontrib.bibtex.plugin import register_plugin as registrar_referencia
from sphinxcontrib.bibtex.style.referencing import BracketStyle, PersonStyle
from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle

NOME_REFERENCIA = "autor_ano_ptbr"
NOME_FORMATACAO = "plain_ptbr"

# ---------------------------------------------------------------------------------------------
# Citações no texto


def _parenteses() -> BracketStyle:
    # “;” entre obras: “(Dao et al., 2022; Dao, 2024)”; a vírgula já separa autor e ano
    return BracketStyle(left="(", right=")", sep="; ")


def _pessoas() -> PersonStyle:
    # dois autores: “Jurafsky e Martin”; a lista inteira ({cite:ts}): “A, B e C”, sem a vírgula
    # de série do inglês; três ou mais: “Dao et al.” (o padrão do sphinxcontrib-bibtex)
    return PersonStyle(sep=", ", sep2=" e ", last_sep=" e ")


@dataclass
class EstiloReferenciaAutorAno(AuthorYearReferenceStyle):
    """O ``author_year`` do sphinxcontrib-bibtex em português: “Jurafsky e Martin (2024)”,
    “(Dao *et al.*, 2022; Dao, 2024)”."""

    bracket_textual: BracketStyle = field(default_factory=_parenteses)
    bracket_parenthetical: BracketStyle = field(default_factory=_parenteses)
    bracket_author: BracketStyle = field(default_factory=_parenteses)
    bracket_label: BracketStyle = field(default_factory=_parenteses)
    bracket_year: BracketStyle = field(default_factory=_parenteses)
    person: PersonStyle = field(default_factory=_pessoas)


# ---------------------------------------------------------------------------------------------
# Bibliografia

# meses como a ABNT os abrevia; as chaves cobrem o que o BibTeX entrega (as macros jan…dec viram
# os nomes ingleses por extenso), as abreviaturas inglesas e os números
_MESES_PT = ["jan.", "fev.", "mar.", "abr.", "maio", "jun.", "jul.", "ago.", "set.", "out.",
             "nov.", "dez."]
_MESES_EN = ["january", "february", "march", "april", "may", "june", "july", "august",
             "september", "october", "november", "december"]
MESES = {
    chave: pt
    for i, (pt, en) in enumerate(zip(_MESES_PT, _MESES_EN, strict=True))
    for chave in (en, en[:3], str(i + 1), f"{i + 1:02d}")
}
MESES["sept"] = "set."

_ORDINAIS_EN = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
                "ninth", "tenth"]


def traduzir_mes(mes: str) -> str:
    """“February”, “feb”, “2” → “fev.”; o que não for um mês fica como está."""
    return MESES.get(mes.strip().rstrip(".").lower(), mes)


def _edicao(texto: Text) -> Text:
    """“2”, “2nd”, “Second” → “2ª edição”; outra coisa (“Revista”) → “edição revista”."""
    bruto = str(texto).strip().lower()
    numero = re.fullmatch(r"(\d+)(st|nd|rd|th|ª|a)?", bruto)
    if numero:
        return Text(f"{numero[1]}ª edição")
    if bruto in _ORDINAIS_EN:
        return Text(f"{_ORDINAIS_EN.index(bruto) + 1}ª edição")
    return Text("edição ", texto.lower())


def _travessao(texto: Text) -> Text:
    return Text(Symbol("ndash")).join(texto.split(re.compile(r"-+")))


paginas = campo("pages", apply_func=_travessao)
data = words[optional_field("month"), campo("year")]


@node
def nomes(children, context, role, sep=", ", sep2=" e ", last_sep=" e "):
    """Os nomes de ``role`` com “e” antes do último; o “others” do BibTeX vira “et al.”."""
    if children:
        raise ValueError(children)
    try:
        pessoas = context["entry"].persons[role]
    except KeyError:
        raise FieldIsMissing(role, context["entry"]) from None
    estilo = context["style"]
    outros = bool(pessoas) and str(pessoas[-1]).strip().lower() == "others"
    if outros:
        pessoas = pessoas[:-1]
    formatados = [estilo.format_name(p, estilo.abbreviate_names) for p in pessoas]
    if outros:
        return join(sep=sep)[formatados].format_data(context) + Text(" et al.")
    return join(sep=sep, sep2=sep2, last_sep=last_sep)[formatados].format_data(context)


class EstiloPlainPtBr(EstiloPlain):
    """O estilo ``plain`` do pybtex com as palavras em português (ABNT NBR 6023)."""

    def format_entry(self, label, entry, bib_data=None):
        mes = entry.fields.get("month")
        if mes and traduzir_mes(str(mes)) != mes:
            # uma cópia com o mês em português; a entrada do .bib fica intacta
            copia = Entry(entry.type, fields=dict(entry.fields), persons=entry.persons)
            copia.fields["month"] = traduzir_mes(str(mes))
            copia.key = entry.key
            entry = copia
        return super().format_entry(label, entry, bib_data=bib_data)

    def format_names(self, role, as_sentence=True):
        formatados = nomes(role)
        return sentence[formatados] if as_sentence else formatados

    def format_editor(self, e, as_sentence=True):
        organizadores = self.format_names("editor", as_sentence=False)
        if "editor" not in e.persons:
            return organizadores  # a falta do campo é tratada pelo template
        palavra = "organizadores" if len(e.persons["editor"]) > 1 else "organizador"
        resultado = join(sep=", ")[organizadores, palavra]
        return sentence[resultado] if as_sentence else resultado

    def format_volume_and_series(self, e, as_sentence=True):
        volume_e_serie = optional[
            words[
                together["v.", campo("volume")],
                optional[words["de", campo("series")]],
            ]
        ]
        numero_e_serie = optional[
            words[
                join(sep=Symbol("nbsp"))["n.", campo("number")],
                optional[words["de", campo("series")]],
            ]
        ]
        resultado = first_of[volume_e_serie, numero_e_serie, optional_field("series")]
        return sentence(capfirst=True)[resultado] if as_sentence else resultado

    def format_chapter_and_pages(self, e):
        return join(sep=", ")[
            optional[together["cap.", campo("chapter")]],
            optional[together["p.", paginas]],
        ]

    def format_edition(self, e):
        return optional[campo("edition", apply_func=_edicao)]

    def get_article_template(self, e):
        volume_e_paginas = first_of[
            optional[
                join[campo("volume"), optional["(", campo("number"), ")"], ":", paginas],
            ],
            together["p.", paginas],
        ]
        return toplevel[
            self.format_names("author"),
            self.format_title(e, "title"),
            sentence[
                self.format_btitle(e, "journal", as_sentence=False),
                optional[volume_e_paginas],
                data,
            ],
            sentence[optional_field("note")],
            self.format_web_refs(e),
        ]

    def get_book_template(self, e):
        return toplevel[
            self.format_author_or_editor(e),
            self.format_btitle(e, "title"),
            self.format_volume_and_series(e),
            sentence[
                campo("publisher"),
                optional_field("address"),
                self.format_edition(e),
                data,
            ],
            optional[sentence[self.format_isbn(e)]],
            sentence[optional_field("note")],
            self.format_web_refs(e),
        ]

    def get_booklet_template(self, e):
        return toplevel[
            self.format_names("author"),
            self.format_title(e, "title"),
            sentence[
                optional_field("howpublished"),
                optional_field("address"),
                data,
                optional_field("note"),
            ],
            self.format_web_refs(e),
        ]

    def get_inbook_template(self, e):
        return toplevel[
            self.format_author_or_editor(e),
            sentence[
                self.format_btitle(e, "title", as_sentence=False),
                self.format_chapter_and_pages(e),
            ],
            self.format_volume_and_series(e),
            sentence[
                campo("publisher"),
                optional_field("address"),
                self.format_edition(e),
                data,
                optional_field("note"),
            ],
            self.format_web_refs(e),
        ]

    def get_incollection_template(self, e):
        return toplevel[
            sentence[self.format_names("author")],
            self.format_title(e, "title"),
            words[
                "In:",
                sentence[
                    optional[self.format_editor(e, as_sentence=False)],
                    self.format_btitle(e, "booktitle", as_sentence=False),
                    self.format_volume_and_series(e, as_sentence=False),
                    self.format_chapter_and_pages(e),
                ],
            ],
            sentence[
                optional_field("publisher"),
                optional_field("address"),
                self.format_edition(e),
                data,
            ],
            sentence[optional_field("note")],
            self.format_web_refs(e),
        ]

    def get_inproceedings_template(self, e):
        return toplevel[
            sentence[self.format_names("author")],
            self.format_title(e, "title"),
            words[
                "In:",
                sentence[
                    optional[self.format_editor(e, as_sentence=False)],
                    self.format_btitle(e, "booktitle", as_sentence=False),
                    self.format_volume_and_series(e, as_sentence=False),
                    optional[together["p.", paginas]],
                ],
                self._local_organizacao_editora_data(e),
            ],
            sentence[optional_field("note")],
            self.format_web_refs(e),
        ]

    def _local_organizacao_editora_data(self, e, incluir_organizacao=True):
        organizacao = optional_field("organization") if incluir_organizacao else None
        return first_of[
            optional[
                join(sep=" ")[
                    sentence[campo("address"), data],
                    sentence[organizacao, optional_field("publisher")],
                ],
            ],
            sentence[organizacao, optional_field("publisher"), data],
        ]

    format_address_organization_publisher_date = _local_organizacao_editora_data

    def get_manual_template(self, e):
        return toplevel[
            optional[sentence[self.format_names("author")]],
            self.format_btitle(e, "title"),
            sentence[
                optional_field("organization"),
                optional_field("address"),
                self.format_edition(e),
                optional[data],
            ],
            sentence[optional_field("note")],
            self.format_web_refs(e),
        ]

    def _tese(self, e, tipo: str):
        return toplevel[
            sentence[self.format_names("author")],
            self.format_title(e, "title"),
            sentence[
                first_of[optional_field("type"), tipo],
                campo("school"),
                optional_field("address"),
                data,
            ],
            sentence[optional_field("note")],
            self.format_web_refs(e),
        ]

    def get_mastersthesis_template(self, e):
        return self._tese(e, "Dissertação de mestrado")

    def get_phdthesis_template(self, e):
        return self._tese(e, "Tese de doutorado")

    def get_misc_template(self, e):
        return toplevel[
            optional[sentence[self.format_names("author")]],
            optional[self.format_title(e, "title")],
            sentence[optional[campo("howpublished")], optional[data]],
            sentence[optional_field("note")],
            self.format_web_refs(e),
        ]

    def get_proceedings_template(self, e):
        if "editor" in e.persons:
            principal = [
                self.format_editor(e),
                sentence[
                    self.format_btitle(e, "title", as_sentence=False),
                    self.format_volume_and_series(e, as_sentence=False),
                    self._local_organizacao_editora_data(e),
                ],
            ]
        else:
            principal = [
                optional[sentence[campo("organization")]],
                sentence[
                    self.format_btitle(e, "title", as_sentence=False),
                    self.format_volume_and_series(e, as_sentence=False),
                    self._local_organizacao_editora_data(e, incluir_organizacao=False),
                ],
            ]
        return toplevel[
            [*principal, sentence[optional_field("note")], self.format_web_refs(e)]
        ]

    def get_techreport_template(self, e):
        return toplevel[
            sentence[self.format_names("author")],
            self.format_title(e, "title"),
            sentence[
                words[
                    first_of[optional_field("type"), "Relatório técnico"],
                    optional_field("number"),
                ],
                campo("institution"),
                optional_field("address"),
                data,
            ],
            sentence[optional_field("note")],
            self.format_web_refs(e),
        ]

    def get_unpublished_template(self, e):
        return toplevel[
            sentence[self.format_names("author")],
            self.format_title(e, "title"),
            sentence[campo("note"), optional[data]],
            self.format_web_refs(e),
        ]

    def format_web_refs(self, e):
        return sentence[
            optional[self.format_url(e), optional[" (acesso em ", campo("urldate"), ")"]],
            optional[self.format_eprint(e)],
            optional[self.format_pubmed(e)],
            optional[self.format_doi(e)],
        ]

    def format_url(self, e):
        url = campo("url", raw=True)
        return words["Disponível em:", link(url)[url]]


def setup(app: Sphinx) -> dict:
    # no setup(), antes do config-inited: o sphinxcontrib-bibtex procura o estilo de referência
    # no builder-inited e o de formatação ao montar a bibliografia
    registrar_referencia(
        "sphinxcontrib.bibtex.style.referencing", NOME_REFERENCIA, EstiloReferenciaAutorAno,
        force=True,
    )
    pybtex.plugin.register_plugin(
        "pybtex.style.formatting", NOME_FORMATACAO, EstiloPlainPtBr, force=True
    )
    return {"parallel_read_safe": True, "parallel_write_safe": True}
