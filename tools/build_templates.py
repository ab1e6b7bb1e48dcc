"""Build the three Word templates in ``mallar/`` from scratch with python-docx.

Run once from the repository root::

    .venv/bin/python tools/build_templates.py

The script writes ``mallar/avtal.docx``, ``mallar/pub-bilaga.docx`` and ``mallar/kostnadsfordelning.docx``.
After that the committed .docx files are the source of truth: template authors edit them in Word, and this
script is only kept to show how they were made (running it again overwrites their edits).

The templates use docxtpl's Jinja syntax with the context described in ``docs/kontext.md``. Every Jinja tag
is written as a run of its own so that Word never splits it, paragraph tags (``{%p ... %}``) and row tags
(``{%tr ... %}``) stand alone in their own paragraph or row, and optional leaf fields are guarded with
``is defined``.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Mm
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

# --------------------------------------------------------------------------------------------------
# Look and feel
# --------------------------------------------------------------------------------------------------

BODY_FONT = "Times New Roman"  # metric-compatible with Liberation Serif, so LibreOffice PDFs match Word
HEADING_FONT = "Arial"  # metric-compatible with Liberation Sans
LANGUAGE = "sv-SE"
HEADING_COLOUR = "1F3864"
MUTED_COLOUR = "404040"
HEADER_FILL = "D9E2F3"
TOTAL_FILL = "F2F2F2"

PAGE_WIDTH_MM = 210
PAGE_HEIGHT_MM = 297
MARGIN_MM = 25
TEXT_WIDTH_MM = PAGE_WIDTH_MM - 2 * MARGIN_MM
TEXT_WIDTH_TWIPS = 9072  # 160 mm
HEADING_INDENT_TWIPS = 794  # 14 mm: room for "12.10" before the heading text

RIGHT = WD_ALIGN_PARAGRAPH.RIGHT
STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"

# Custom paragraph styles (name -> based on). Names are Swedish because template authors see them in Word.
STYLE_ANNEX_HEADING = "Bilagerubrik"
STYLE_TITLE_INFO = "Titeluppgift"
STYLE_TABLE_TEXT = "Tabelltext"
STYLE_TABLE_HEAD = "Tabellhuvud"
STYLE_SIGNATURE = "Underskrift"

TOKEN = re.compile(r"(\{\{.*?\}\}|\{%.*?%\}|\*\*)")


# --------------------------------------------------------------------------------------------------
# Low-level XML helpers
# --------------------------------------------------------------------------------------------------


def _xml(tag: str, inner: str = "", **attrs: str) -> BaseOxmlElement:
    """Parse one WordprocessingML element, e.g. ``_xml("w:pPr", "<w:keepNext/>")``."""
    attributes = "".join(f' w:{key}="{value}"' for key, value in attrs.items())
    return parse_xml(f"<{tag} {nsdecls('w')}{attributes}>{inner}</{tag}>")


def _fonts(font: str) -> str:
    return f'<w:rFonts w:ascii="{font}" w:hAnsi="{font}" w:eastAsia="{font}" w:cs="{font}"/>'


def _size(half_points: int) -> str:
    return f'<w:sz w:val="{half_points}"/><w:szCs w:val="{half_points}"/>'


def _lang() -> str:
    return f'<w:lang w:val="{LANGUAGE}" w:eastAsia="{LANGUAGE}" w:bidi="ar-SA"/>'


def _replace_child(parent: BaseOxmlElement, new: BaseOxmlElement, before: Sequence[str] = ()) -> None:
    """Put ``new`` into ``parent`` instead of any child with the same tag, ahead of the first ``before`` tag."""
    for old in parent.findall(new.tag):
        parent.remove(old)
    for tag in before:
        anchor = parent.find(qn(tag))
        if anchor is not None:
            anchor.addprevious(new)
            return
    parent.append(new)


# --------------------------------------------------------------------------------------------------
# Numbering and styles
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NumberingIds:
    """The ``w:numId`` values of the numbering definitions this script adds."""

    headings: int
    bullets: int


def _heading_levels() -> str:
    """Nine levels: 0 is ``%1.`` bound to Heading 1, 1 is ``%1.%2`` bound to Heading 2, the rest unused."""
    ind = f'<w:pPr><w:ind w:left="{HEADING_INDENT_TWIPS}" w:hanging="{HEADING_INDENT_TWIPS}"/></w:pPr>'
    levels = [
        f'<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:pStyle w:val="Heading1"/>'
        f'<w:lvlText w:val="%1."/><w:lvlJc w:val="left"/>{ind}</w:lvl>',
        f'<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:pStyle w:val="Heading2"/>'
        f'<w:lvlText w:val="%1.%2"/><w:lvlJc w:val="left"/>{ind}</w:lvl>',
    ]
    levels += [
        f'<w:lvl w:ilvl="{n}"><w:start w:val="1"/><w:numFmt w:val="none"/><w:lvlText w:val=""/><w:lvlJc w:val="left"/>{ind}</w:lvl>' for n in range(2, 9)
    ]
    return "".join(levels)


def _bullet_level() -> str:
    return (
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="–"/><w:lvlJc w:val="left"/>'
        f'<w:pPr><w:ind w:left="567" w:hanging="283"/></w:pPr><w:rPr>{_fonts(BODY_FONT)}</w:rPr></w:lvl>'
    )


def add_numbering(doc: DocxDocument) -> NumberingIds:
    """Add the heading outline numbering and a dash bullet list to numbering.xml."""
    numbering = doc.part.numbering_part.element
    abstract_ids = [int(a.get(qn("w:abstractNumId"))) for a in numbering.findall(qn("w:abstractNum"))]
    num_ids = [int(n.get(qn("w:numId"))) for n in numbering.findall(qn("w:num"))]
    next_abstract = max(abstract_ids, default=-1) + 1
    next_num = max(num_ids, default=0) + 1
    definitions = [
        ("4E554D31", "multilevel", "Avtalsrubriker", _heading_levels()),
        ("4E554D32", "singleLevel", "Strecklista", _bullet_level()),
    ]
    first_num = numbering.find(qn("w:num"))
    ids = []
    for offset, (nsid, kind, name, levels) in enumerate(definitions):
        abstract_id, num_id = next_abstract + offset, next_num + offset
        abstract = parse_xml(
            f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{abstract_id}"><w:nsid w:val="{nsid}"/>'
            f'<w:multiLevelType w:val="{kind}"/><w:name w:val="{name}"/>{levels}</w:abstractNum>'
        )
        # Every abstractNum must come before the first num.
        if first_num is not None:
            first_num.addprevious(abstract)
        else:
            numbering.append(abstract)
        numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/></w:num>'))
        ids.append(num_id)
    return NumberingIds(headings=ids[0], bullets=ids[1])


def _paragraph_styles(ids: NumberingIds) -> dict[str, tuple[str, str]]:
    """Style name -> (pPr inner XML, rPr inner XML), each in schema order."""
    heading_font = _fonts(HEADING_FONT)
    colour = f'<w:color w:val="{HEADING_COLOUR}"/>'
    muted = f'<w:color w:val="{MUTED_COLOUR}"/>'
    return {
        "Normal": (
            '<w:widowControl/><w:spacing w:after="120" w:line="264" w:lineRule="auto"/>',
            f"{_fonts(BODY_FONT)}{_size(24)}{_lang()}",
        ),
        "Title": (
            '<w:keepNext/><w:spacing w:before="0" w:after="120" w:line="240" w:lineRule="auto"/>',
            f'{heading_font}<w:b/><w:bCs/>{colour}<w:kern w:val="28"/>{_size(40)}',
        ),
        "Subtitle": (
            '<w:keepNext/><w:spacing w:before="0" w:after="240" w:line="252" w:lineRule="auto"/>',
            f"{heading_font}{muted}{_size(28)}",
        ),
        "Heading 1": (
            f'<w:keepNext/><w:keepLines/><w:numPr><w:ilvl w:val="0"/><w:numId w:val="{ids.headings}"/></w:numPr>'
            '<w:spacing w:before="360" w:after="120" w:line="240" w:lineRule="auto"/><w:outlineLvl w:val="0"/>',
            f"{heading_font}<w:b/><w:bCs/>{colour}{_size(26)}",
        ),
        "Heading 2": (
            f'<w:keepNext/><w:keepLines/><w:numPr><w:ilvl w:val="1"/><w:numId w:val="{ids.headings}"/></w:numPr>'
            '<w:spacing w:before="240" w:after="80" w:line="240" w:lineRule="auto"/><w:outlineLvl w:val="1"/>',
            f"{heading_font}<w:b/><w:bCs/>{_size(23)}",
        ),
        "Heading 3": (
            '<w:keepNext/><w:keepLines/><w:spacing w:before="200" w:after="60" w:line="240" w:lineRule="auto"/><w:outlineLvl w:val="2"/>',
            f"{heading_font}<w:b/><w:bCs/>{_size(21)}",
        ),
        "Header": (
            '<w:pBdr><w:bottom w:val="single" w:sz="4" w:space="4" w:color="A6A6A6"/></w:pBdr>'
            f'<w:tabs><w:tab w:val="right" w:pos="{TEXT_WIDTH_TWIPS}"/></w:tabs>'
            '<w:spacing w:after="0" w:line="240" w:lineRule="auto"/>',
            f"{heading_font}{muted}{_size(17)}",
        ),
        "Footer": (
            '<w:spacing w:after="0" w:line="240" w:lineRule="auto"/><w:jc w:val="center"/>',
            f"{heading_font}{muted}{_size(17)}",
        ),
        "List Bullet": (
            f'<w:numPr><w:ilvl w:val="0"/><w:numId w:val="{ids.bullets}"/></w:numPr><w:spacing w:after="60"/><w:ind w:left="567" w:hanging="283"/>',
            "",
        ),
    }


def _custom_styles() -> dict[str, tuple[str, str, str]]:
    """Custom style name -> (based on, pPr inner XML, rPr inner XML)."""
    muted = f'<w:color w:val="{MUTED_COLOUR}"/>'
    return {
        # A heading that looks like Heading 1 but is never numbered (the EU annexes I-IV of the PUB annex).
        STYLE_ANNEX_HEADING: ("Heading 1", '<w:numPr><w:ilvl w:val="0"/><w:numId w:val="0"/></w:numPr><w:ind w:left="0" w:firstLine="0"/>', ""),
        STYLE_TITLE_INFO: ("Normal", '<w:spacing w:after="20" w:line="240" w:lineRule="auto"/>', f"{_fonts(HEADING_FONT)}{muted}{_size(19)}"),
        STYLE_TABLE_TEXT: ("Normal", '<w:spacing w:before="30" w:after="30" w:line="240" w:lineRule="auto"/>', f"{_fonts(HEADING_FONT)}{_size(18)}"),
        STYLE_TABLE_HEAD: ("Tabelltext", "<w:keepNext/>", "<w:b/><w:bCs/>"),
        STYLE_SIGNATURE: ("Normal", '<w:keepNext/><w:keepLines/><w:spacing w:after="0" w:line="240" w:lineRule="auto"/>', ""),
    }


def _set_style_props(style_element: BaseOxmlElement, ppr: str, rpr: str) -> None:
    for tag in ("w:pPr", "w:rPr"):
        for old in style_element.findall(qn(tag)):
            style_element.remove(old)
    style_element.append(_xml("w:pPr", ppr))
    style_element.append(_xml("w:rPr", rpr))


def set_document_defaults(doc: DocxDocument) -> None:
    """Body font, size and Swedish language as document defaults, so every style and table inherits them."""
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    rpr_default = _xml("w:rPrDefault", f"<w:rPr>{_fonts(BODY_FONT)}{_size(24)}{_lang()}</w:rPr>")
    ppr_default = _xml("w:pPrDefault", '<w:pPr><w:spacing w:after="120" w:line="264" w:lineRule="auto"/></w:pPr>')
    _replace_child(defaults, rpr_default, before=("w:pPrDefault",))
    _replace_child(defaults, ppr_default)


def set_up_styles(doc: DocxDocument, ids: NumberingIds) -> None:
    """Restyle the built-in styles the templates use and add the custom ones."""
    set_document_defaults(doc)
    for name, (ppr, rpr) in _paragraph_styles(ids).items():
        _set_style_props(doc.styles[name].element, ppr, rpr)
    for name, (based_on, ppr, rpr) in _custom_styles().items():
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = doc.styles[based_on]
        style.quick_style = True
        _set_style_props(style.element, ppr, rpr)
    doc.styles["Heading 1"].next_paragraph_style = doc.styles["Normal"]
    doc.styles[STYLE_ANNEX_HEADING].next_paragraph_style = doc.styles["Normal"]


def set_swedish_settings(doc: DocxDocument) -> None:
    """Swedish theme language, decimal comma and list separator in settings.xml."""
    settings = doc.settings.element
    for tag, value in (("w:themeFontLang", LANGUAGE), ("w:decimalSymbol", ","), ("w:listSeparator", ";")):
        for element in settings.findall(qn(tag)):
            element.attrib.clear()
            element.set(qn("w:val"), value)


def drop_stock_parts(doc: DocxDocument) -> None:
    """Remove parts of python-docx's default template that would contradict ours.

    The thumbnail shows a page that is not ours, and stylesWithEffects.xml is a stale copy of the default styles.
    """
    for rels, reltype in ((doc.part.package.rels, RT.THUMBNAIL), (doc.part.rels, STYLES_WITH_EFFECTS)):
        for key, rel in list(rels.items()):
            if rel.reltype == reltype:
                del rels[key]


# --------------------------------------------------------------------------------------------------
# Page, header and footer
# --------------------------------------------------------------------------------------------------


def set_up_page(doc: DocxDocument) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(PAGE_WIDTH_MM), Mm(PAGE_HEIGHT_MM)
    section.left_margin = section.right_margin = Mm(MARGIN_MM)
    section.top_margin, section.bottom_margin = Mm(MARGIN_MM), Mm(22)
    section.header_distance = section.footer_distance = Mm(12)


def _add_field(paragraph: Paragraph, instruction: str) -> None:
    """A complex field (begin, instruction, separate, placeholder result, end), which Word and LibreOffice update."""
    paragraph.add_run()._r.append(_xml("w:fldChar", fldCharType="begin"))
    instr = paragraph.add_run()._r
    instr.append(parse_xml(f'<w:instrText {nsdecls("w")} xml:space="preserve"> {instruction} </w:instrText>'))
    paragraph.add_run()._r.append(_xml("w:fldChar", fldCharType="separate"))
    paragraph.add_run("1")
    paragraph.add_run()._r.append(_xml("w:fldChar", fldCharType="end"))


def set_up_header_footer(doc: DocxDocument, header_lines: Sequence[str]) -> None:
    """Header lines (may hold Jinja) on every page; footer "Sida {PAGE} av {NUMPAGES}"."""
    section = doc.sections[0]
    header = section.header
    header.is_linked_to_previous = False
    first = True
    for line in header_lines:
        paragraph = header.paragraphs[0] if first else header.add_paragraph()
        paragraph.style = doc.styles["Header"]
        add_runs(paragraph, line)
        first = False
    footer = section.footer
    footer.is_linked_to_previous = False
    paragraph = footer.paragraphs[0]
    paragraph.style = doc.styles["Footer"]
    paragraph.add_run("Sida ")
    _add_field(paragraph, "PAGE")
    paragraph.add_run(" av ")
    _add_field(paragraph, "NUMPAGES")


def new_document(title: str, header_lines: Sequence[str]) -> DocxDocument:
    """An empty A4 document with Swedish styles, numbering, header and footer."""
    doc = Document()
    drop_stock_parts(doc)
    ids = add_numbering(doc)
    set_up_styles(doc, ids)
    set_swedish_settings(doc)
    set_up_page(doc)
    set_up_header_footer(doc, header_lines)
    props = doc.core_properties
    props.title = title
    props.subject = "Mall för avtalsgeneratorn (docxtpl)"
    props.author = "Avtalsgeneratorn"
    props.language = LANGUAGE
    props.keywords = ""
    props.comments = "Fält och villkor skrivs med Jinja enligt docs/kontext.md."
    props.last_modified_by = "Avtalsgeneratorn"
    props.revision = 1
    # python-docx starts with one empty paragraph in some versions; make sure the body is empty.
    body = doc.element.body
    for paragraph in body.findall(qn("w:p")):
        body.remove(paragraph)
    return doc


# --------------------------------------------------------------------------------------------------
# Writing text
# --------------------------------------------------------------------------------------------------


def add_runs(paragraph: Paragraph, text: str) -> None:
    """Add ``text`` as runs: each Jinja tag becomes exactly one run; ``**...**`` marks bold text."""
    bold = False
    for piece in TOKEN.split(text):
        if not piece:
            continue
        if piece == "**":
            bold = not bold
            continue
        run = paragraph.add_run(piece)
        if bold:
            run.bold = True


class Writer:
    """Appends paragraphs, headings, tags, lists and tables to a template document."""

    def __init__(self, doc: DocxDocument) -> None:
        self.doc = doc

    def p(self, text: str, style: str | None = None, keep_with_next: bool = False, page_break_before: bool = False) -> Paragraph:
        paragraph = self.doc.add_paragraph(style=style)
        add_runs(paragraph, text)
        if keep_with_next:
            paragraph.paragraph_format.keep_with_next = True
        if page_break_before:
            paragraph.paragraph_format.page_break_before = True
        return paragraph

    def tag(self, tag: str) -> None:
        """A paragraph-level tag such as ``{%p if x %}``, alone in its paragraph and in one run."""
        if not tag.startswith("{%p ") or not tag.endswith(" %}"):
            raise ValueError(f"not a paragraph tag: {tag}")
        self.doc.add_paragraph().add_run(tag)

    def h1(self, text: str) -> Paragraph:
        return self.p(text, style="Heading 1")

    def h2(self, text: str) -> Paragraph:
        return self.p(text, style="Heading 2")

    def h3(self, text: str) -> Paragraph:
        return self.p(text, style="Heading 3")

    def bullet(self, text: str) -> Paragraph:
        return self.p(text, style="List Bullet")

    def each(self, var: str, iterable: str, text: str | None = None) -> None:
        """One bullet paragraph per item of ``iterable``."""
        self.tag(f"{{%p for {var} in {iterable} %}}")
        self.bullet(text or f"{{{{ {var} }}}}")
        self.tag("{%p endfor %}")

    def each_or(self, field: str, fallback: str, var: str = "x") -> None:
        """Bullets for an optional list field that may be absent or empty, else a fallback sentence."""
        self.tag(f"{{%p if {field} is defined and {field} %}}")
        self.each(var, field)
        self.tag("{%p else %}")
        self.p(fallback)
        self.tag("{%p endif %}")

    def table(self, spec: TableSpec) -> Table:
        return build_table(self.doc, spec)


# --------------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TableSpec:
    """A table: a repeating bold header row, optional static rows, a ``{%tr for %}`` row and a totals row."""

    widths_mm: Sequence[float]
    header: Sequence[str]
    loop: str | None = None  # e.g. "r in berakning.fordelning.rader"
    row: Sequence[str] = ()
    rows_after: Sequence[Sequence[str]] = ()
    totals: Sequence[str] | None = None
    right: Sequence[int] = ()  # column indexes whose cells are right-aligned (amounts)
    extra: dict[int, str] | None = None  # column -> second paragraph in the loop row (may be a {%p if %} block)


def _shade(cell: _Cell, fill: str) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    _replace_child(tc_pr, _xml("w:shd", val="clear", color="auto", fill=fill))


def _mark_row(row_element: BaseOxmlElement, header: bool) -> None:
    tr_pr = row_element.get_or_add_trPr()
    tr_pr.append(_xml("w:cantSplit"))
    if header:
        tr_pr.append(_xml("w:tblHeader"))


def _fill_row(table: Table, texts: Sequence[str], style: str, right: Sequence[int], fill: str | None = None, header: bool = False) -> None:
    row = table.add_row()
    _mark_row(row._tr, header)
    for index, (cell, text) in enumerate(zip(row.cells, texts, strict=True)):
        paragraph = cell.paragraphs[0]
        paragraph.style = table.part.document.styles[style]
        add_runs(paragraph, text)
        if index in right:
            paragraph.alignment = RIGHT
        if fill:
            _shade(cell, fill)


def _tag_row(table: Table, tag: str) -> None:
    """A row holding only a ``{%tr ... %}`` tag in its first cell; docxtpl replaces the whole row by the tag."""
    row = table.add_row()
    paragraph = row.cells[0].paragraphs[0]
    paragraph.style = table.part.document.styles[STYLE_TABLE_TEXT]
    paragraph.add_run(tag)


def _set_widths(table: Table, widths_mm: Sequence[float]) -> None:
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    width = _xml("w:tblW", w=str(round(sum(widths_mm) * 56.7)), type="dxa")
    _replace_child(tbl_pr, width, before=("w:jc", "w:tblInd", "w:tblBorders", "w:tblLayout", "w:tblLook"))
    _replace_child(tbl_pr, _xml("w:tblLayout", type="fixed"), before=("w:tblCellMar", "w:tblLook"))
    for column, width in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(width)
        for cell in column.cells:
            cell.width = Mm(width)


def build_table(doc: DocxDocument, spec: TableSpec) -> Table:
    table = doc.add_table(rows=0, cols=len(spec.widths_mm))
    table.style = doc.styles["Table Grid"]
    _fill_row(table, spec.header, STYLE_TABLE_HEAD, spec.right, fill=HEADER_FILL, header=True)
    if spec.loop:
        _tag_row(table, f"{{%tr for {spec.loop} %}}")
        _fill_row(table, spec.row, STYLE_TABLE_TEXT, spec.right)
        for column, text in (spec.extra or {}).items():
            _add_cell_paragraphs(table.rows[-1].cells[column], text)
        _tag_row(table, "{%tr endfor %}")
    for texts in spec.rows_after:
        _fill_row(table, texts, STYLE_TABLE_TEXT, spec.right)
    if spec.totals:
        _fill_row(table, spec.totals, STYLE_TABLE_HEAD, spec.right, fill=TOTAL_FILL)
    _set_widths(table, spec.widths_mm)
    # Word needs a paragraph between a table and whatever follows; it also gives the table some air.
    doc.add_paragraph(style=STYLE_TABLE_TEXT)
    return table


def _add_cell_paragraphs(cell: _Cell, text: str) -> None:
    """Add paragraphs to a cell; lines starting with ``{%p`` become tag paragraphs."""
    for line in text.split("\n"):
        paragraph = cell.add_paragraph(style=cell.part.document.styles[STYLE_TABLE_TEXT])
        if line.startswith("{%p "):
            paragraph.add_run(line)
        else:
            add_runs(paragraph, line)


# --------------------------------------------------------------------------------------------------
# Shared snippets
# --------------------------------------------------------------------------------------------------

PARTY_TYPE = '{% if p.typ == "kommunalforbund" %}kommunalförbund{% else %}{{ p.typ }}{% endif %}'
PARTY_ADDRESS = "{% if p.adress is defined %}{{ p.adress.utdelningsadress }}, {{ p.adress.postnummer }} {{ p.adress.ort }}{% else %}–{% endif %}"
DNR = "Dnr {{ avtal.diarienummer }}"


def contact(var: str) -> str:
    """Name, title, e-mail and phone of a contact record, each optional part guarded."""
    return (
        f"{{{{ {var}.namn }}}}"
        f"{{% if {var}.titel is defined %}}, {{{{ {var}.titel }}}}{{% endif %}}"
        f"{{% if {var}.epost is defined %}}, {{{{ {var}.epost }}}}{{% endif %}}"
        f"{{% if {var}.telefon is defined %}}, tfn {{{{ {var}.telefon }}}}{{% endif %}}"
    )


def title_block(w: Writer, title: str, subtitle: str, info: Sequence[str]) -> None:
    w.p(title, style="Title")
    w.p(subtitle, style="Subtitle")
    for line in info:
        w.p(line, style=STYLE_TITLE_INFO)


# --------------------------------------------------------------------------------------------------
# avtal.docx
# --------------------------------------------------------------------------------------------------


def avtal_title(w: Writer) -> None:
    title_block(
        w,
        "{{ berakning.rubrik }}",
        "{{ avtal.titel }}",
        [
            "**Diarienummer:** {{ avtal.diarienummer }}",
            "**Datum:** {{ avtal.datum|datum }}",
            "**Version:** {{ avtal.version }}",
            "**Parter:** {{ berakning.parter_namn }}",
        ],
    )
    w.tag("{%p if avtal.huvudavtal is defined %}")
    w.p("**Tillägg till:** {{ avtal.huvudavtal }}", style=STYLE_TITLE_INFO)
    w.tag("{%p endif %}")


def avtal_parter(w: Writer) -> None:
    w.h1("Parter")
    w.p("Avtalet ingås mellan följande parter.")
    w.table(
        TableSpec(
            widths_mm=(33, 29, 40, 30, 28),
            header=("Part", "Typ", "Organisationsnummer", "Postadress", "Roll"),
            loop="p in parter",
            row=("{{ p.namn }}", PARTY_TYPE, "{{ p.organisationsnummer|orgnr }}", PARTY_ADDRESS, "{{ p.roll }}"),
        )
    )
    w.p(
        "I avtalet avses med uppdragsgivare den eller de parter vars uppgifter utförs enligt avtalet, och med uppdragstagare "
        "den part som utför uppgifterna. När det finns flera uppdragsgivare gäller det som sägs om uppdragsgivaren var och en av dem."
    )
    w.p("Uppdragsgivare är {{ berakning.uppdragsgivare|namn }}. Uppdragstagare är {{ berakning.uppdragstagare|namn }}.")
    w.tag("{%p for p in parter %}")
    w.tag('{%p if p.typ == "kommunalforbund" %}')
    w.p("{{ p.namn }} är ett kommunalförbund och deltar i avtalet endast i frågor som ligger inom förbundets ändamål enligt förbundsordningen.")
    w.tag("{%p endif %}")
    w.tag("{%p endfor %}")
    w.tag("{%p for p in parter %}")
    w.tag("{%p if p.kontaktperson is defined %}")
    w.p("Kontaktperson för {{ p.namn }}: " + contact("p.kontaktperson") + ".")
    w.tag("{%p endif %}")
    w.tag("{%p endfor %}")
    w.p("En part som byter kontaktperson meddelar övriga parter det skriftligen.")


def avtal_bakgrund(w: Writer) -> None:
    w.h1("Bakgrund och syfte")
    w.tag("{%p if avtal.bakgrund is defined %}")
    w.p("{{ avtal.bakgrund }}")
    w.tag("{%p endif %}")
    w.tag("{%p if avtal.huvudavtal is defined %}")
    w.p("Avtalet är ett tillägg till {{ avtal.huvudavtal }}. I de frågor som tillägget inte reglerar gäller huvudavtalet oförändrat.")
    w.tag("{%p endif %}")
    w.p("Parterna är överens om att samverkan har följande syfte: {{ avtal.syfte }}")


def avtal_lagstod(w: Writer) -> None:
    w.h1("Lagstöd")
    w.p("Avtalet ingås med stöd av {{ avtal.lagrum }}.")
    w.p(
        "Avtalssamverkan innebär att en kommun eller en region genom avtal låter en annan kommun eller region utföra uppgifter "
        "åt sig, helt eller delvis. Uppdragsgivaren lämnar därmed över utförandet men inte ansvaret. Huvudmannaskapet för "
        "uppgifterna ligger kvar hos uppdragsgivaren, som alltid ska ha möjlighet att ta tillbaka uppgifterna och utföra dem i egen regi."
    )
    w.p(
        "Uppdragstagaren utför uppgifterna för uppdragsgivarens räkning och inom de ramar som avtalet anger. De uppgifter som "
        "avtalet omfattar ligger inom den kompetens som var och en av parterna har enligt lag."
    )
    w.tag("{%p if ekonomi.undantag is defined %}")
    w.tag('{%p if ekonomi.undantag.grund == "hamburg" %}')
    w.p(
        "Parterna bedömer att samverkan är undantagen från lagen (2016:1145) om offentlig upphandling enligt 3 kap. 17 § samma lag. "
        "Samverkan sker enbart mellan upphandlande myndigheter, gäller offentliga tjänster som parterna ska tillhandahålla för att nå "
        "gemensamma mål och styrs endast av hänsyn till allmänintresset. Parterna utför mindre än 20 procent av den verksamhet som "
        "berörs av samverkan på den öppna marknaden"
        "{% if ekonomi.undantag.andel_oppen_marknad_procent is defined %}"
        " (andelen uppgår till {{ ekonomi.undantag.andel_oppen_marknad_procent|procent }}){% endif %}"
        ", och ersättningen mellan parterna täcker endast kostnaderna."
    )
    w.tag("{%p else %}")
    w.p(
        "Parterna bedömer att uppgifterna utgör myndighetsutövning och att samverkan därför faller utanför tillämpningsområdet för "
        "lagen (2016:1145) om offentlig upphandling."
    )
    w.tag("{%p endif %}")
    w.tag("{%p if ekonomi.undantag.motivering is defined %}")
    w.p("{{ ekonomi.undantag.motivering }}")
    w.tag("{%p endif %}")
    w.tag("{%p endif %}")


def avtal_uppdraget(w: Writer) -> None:
    w.h1("Uppdraget")
    w.p("Uppdragstagaren åtar sig att utföra de uppgifter som anges i tabellen.")
    w.table(
        TableSpec(
            widths_mm=(9, 62, 26, 26, 37),
            header=("Nr", "Uppgift", "Utförs av", "Utförs åt", "Omfattning"),
            loop="u in berakning.uppgifter",
            row=(
                "{{ u.nummer }}",
                "{{ u.beskrivning }}",
                "{{ u.utforare_namn }}",
                "{{ u.mottagare_namn }}",
                "{% if u.omfattning %}{{ u.omfattning }}{% else %}–{% endif %}",
            ),
            extra={1: "{%p if u.lagrum %}\nLagrum: {{ u.lagrum }}\n{%p endif %}"},
        )
    )
    w.p(
        "Uppdragstagaren ska utföra uppgifterna i enlighet med gällande lagar och föreskrifter, god praxis inom området och de "
        "riktlinjer från uppdragsgivaren som har betydelse för uppdraget."
    )
    w.p("Uppdragsgivaren ska ge uppdragstagaren den information och det underlag som behövs för att uppgifterna ska kunna utföras.")


def avtal_delegering(w: Writer) -> None:
    namnd = (
        "{% if extern_delegering.delegerande_namnd is defined %}{{ extern_delegering.delegerande_namnd }}{% else %}Uppdragsgivarens ansvariga nämnd{% endif %}"
    )
    mottagare = "{% if berakning.delegering_mottagare %}{{ berakning.delegering_mottagare.namn }}{% else %}uppdragstagaren{% endif %}"
    w.tag("{%p if extern_delegering.forekommer %}")
    w.h1("Extern delegering")
    w.p(
        f"{namnd} uppdrar åt anställda hos {mottagare}"
        "{% if extern_delegering.befattning is defined %} med befattningen {{ extern_delegering.befattning }}{% endif %}"
        " att besluta på nämndens vägnar i de ärenden som anges nedan. Delegeringen gäller endast ärenden som hör till de uppgifter som avtalet omfattar."
    )
    w.each_or("extern_delegering.arenden", "De ärenden som omfattas anges i den delegerande nämndens delegationsordning.", var="a")
    w.p(
        f"Beslutanderätten får endast utövas av personer som är anställda hos {mottagare}. Den kan inte lämnas till konsulter, "
        "till förtroendevalda eller till anställda i bolag som någon av parterna äger."
    )
    w.tag("{%p if extern_delegering.vidaredelegering is defined and extern_delegering.vidaredelegering %}")
    w.p(
        f"Den som har fått beslutanderätten får i sin tur uppdra åt en annan anställd hos {mottagare} att besluta i ärendena "
        "(vidaredelegering). Beslut som fattas efter vidaredelegering anmäls på samma sätt som övriga delegeringsbeslut."
    )
    w.tag("{%p else %}")
    w.p("Vidaredelegering är inte tillåten. Beslutanderätten får alltså inte lämnas vidare till någon annan.")
    w.tag("{%p endif %}")
    w.p("{{ extern_delegering.anmalan }}")
    w.p(
        "Den delegerande nämnden behåller ansvaret för besluten gentemot tillsynsmyndigheter och enskilda, och därmed för fel "
        "och brister i handläggningen. Nämnden kan när som helst ändra eller återkalla delegeringen."
    )
    w.tag("{%p endif %}")


def avtal_ersattning(w: Writer) -> None:
    kostnad = "{% if ekonomi.kostnad_ar is defined %} Uppdragstagarens kostnad för uppdraget beräknas till {{ ekonomi.kostnad_ar|kronor }} per år.{% endif %}"
    w.h2("Ersättning")
    w.tag('{%p if ekonomi.modell == "sjalvkostnad" %}')
    w.p("Uppdragsgivaren ersätter uppdragstagaren för dennes faktiska kostnader för att utföra uppgifterna (självkostnad)." + kostnad)
    w.tag('{%p elif ekonomi.modell == "fast_belopp" %}')
    w.p(
        "Uppdragsgivaren betalar en fast ersättning till uppdragstagaren"
        "{% if ekonomi.ersattning_ar is defined %} om {{ ekonomi.ersattning_ar|kronor }} per år{% else %} för varje år{% endif %}."
        "{% if berakning.ersattning_period %} För hela beräkningsperioden uppgår ersättningen till {{ berakning.ersattning_period|kronor }}.{% endif %}"
    )
    w.tag('{%p elif ekonomi.modell == "per_invanare" %}')
    w.p("Ersättningen beräknas efter antalet invånare hos varje betalande part." + kostnad)
    w.tag('{%p elif ekonomi.modell == "per_anvandare" %}')
    w.p("Ersättningen beräknas efter antalet användare hos varje betalande part." + kostnad)
    w.tag("{%p else %}")
    w.p(
        "Uppdragsgivaren ersätter uppdragstagaren genom en motprestation i stället för med pengar"
        "{% if ekonomi.motprestation is defined %}. Motprestationen består av följande: {{ ekonomi.motprestation }}{% else %}.{% endif %}"
    )
    w.p("Värdet av det som parterna presterar åt varandra ska i huvudsak motsvara varandra.")
    w.tag("{%p endif %}")
    w.tag("{%p if berakning.fordelning and berakning.fordelning.pris_per_enhet_ar %}")
    w.p("Priset är {{ berakning.fordelning.pris_per_enhet_ar|pris }} kronor per {{ berakning.fordelning.enhet }} och år.")
    w.tag("{%p endif %}")
    w.tag("{%p if ekonomi.beskrivning is defined %}")
    w.p("{{ ekonomi.beskrivning }}")
    w.tag("{%p endif %}")
    w.p(
        "Ersättningen bestäms enligt självkostnadsprincipen. Den ska täcka uppdragstagarens kostnader för att utföra uppgifterna "
        "men inte överstiga dem, och ingen part ska göra vinst på samverkan."
    )
    w.tag("{%p if berakning.kostnad_bilaga %}")
    w.p("Bilaga {{ berakning.kostnad_bilaga }} (Kostnadsfördelning) visar hur kostnaderna fördelas mellan de betalande parterna.")
    w.tag("{%p endif %}")


def avtal_tak(w: Writer) -> None:
    w.tag("{%p if berakning.troskel %}")
    w.h2("Kostnadstak")
    w.p(
        "Den sammanlagda kostnad som varje betalande part bär under beräkningsperioden"
        "{% if berakning.fordelning %} om {{ berakning.fordelning.period_ar }} år{% endif %}"
        " får inte överstiga {{ berakning.troskel.benamning }}. Enligt det värde som gäller den {{ berakning.troskel.datum|datum }} "
        "uppgår gränsen till {{ berakning.troskel.belopp|kronor }} (källa: {{ berakning.troskel.kalla }})."
    )
    w.tag("{%p if berakning.fordelning and berakning.fordelning.pris_per_enhet_ar %}")
    w.p(
        "Priset om {{ berakning.fordelning.pris_per_enhet_ar|pris }} kronor per {{ berakning.fordelning.enhet }} och år har bestämts "
        "så att ingen betalande part når över gränsen under perioden."
    )
    w.tag("{%p endif %}")
    w.p("Om kostnaden för någon part skulle riskera att överstiga gränsen ska parterna omförhandla avtalet innan ytterligare kostnader uppstår.")
    w.tag("{%p endif %}")


def avtal_support(w: Writer) -> None:
    w.tag("{%p if berakning.support %}")
    w.h2("Support och förvaltning")
    w.p(
        "Utöver ersättningen ovan betalar varje part för central support och förvaltning efter antalet användare hos parten. "
        "Den totala kostnaden om {{ berakning.support.kostnad_ar|kronor }} per år delas av samtliga "
        "{{ berakning.support.anvandare_totalt|antal }} användare, vilket ger {{ berakning.support.pris_per_anvandare_ar|kronor }} "
        "per användare och år."
    )
    w.tag("{%p if berakning.support.beskrivning %}")
    w.p("{{ berakning.support.beskrivning }}")
    w.tag("{%p endif %}")
    w.tag("{%p endif %}")


def avtal_ekonomi(w: Writer) -> None:
    w.h1("Ekonomi")
    avtal_ersattning(w)
    avtal_tak(w)
    avtal_support(w)
    w.tag('{%p if ekonomi.modell != "motprestation" %}')
    w.h2("Fakturering och betalning")
    w.p("{{ ekonomi.fakturering }} Betalning ska ske senast {{ ekonomi.betalningsvillkor_dagar }} dagar efter fakturadatum.")
    w.p("Vid försenad betalning har uppdragstagaren rätt till dröjsmålsränta enligt räntelagen (1975:635).")
    w.tag("{%p endif %}")
    w.tag("{%p if ekonomi.indexering is defined %}")
    w.p("{{ ekonomi.indexering }}")
    w.tag("{%p endif %}")
    w.h2("Redovisning")
    w.p("{{ ekonomi.redovisning }}")
    w.p("Uppdragsgivaren har rätt att på begäran ta del av det underlag som ligger till grund för kostnaderna.")


def avtal_information(w: Writer) -> None:
    w.h1("Informationshantering och arkiv")
    w.p("{{ informationshantering.registrering }}")
    w.p("{{ informationshantering.arkiv }}")
    w.p(
        "Parterna ska hantera handlingar i uppdraget så att allmänhetens rätt att ta del av allmänna handlingar enligt 2 kap. "
        "tryckfrihetsförordningen tillgodoses. Parterna kommer överens om rutiner för hur information lämnas mellan dem på ett säkert sätt."
    )
    w.h1("Sekretess")
    w.p("{{ sekretess.text }}")
    w.p("Skyldigheten att iaktta sekretess och tystnadsplikt består även sedan avtalet har upphört.")


def avtal_personuppgifter(w: Writer) -> None:
    w.h1("Personuppgifter")
    w.tag('{%p if personuppgifter.roll == "personuppgiftsbitrade" %}')
    w.p(
        "När {{ berakning.pub.bitrade.namn }} utför uppgifterna enligt avtalet behandlar {{ berakning.pub.bitrade.namn }} "
        "personuppgifter för vilka personuppgiftsansvaret ligger hos {{ berakning.pub.ansvariga_namn }}. "
        "{{ berakning.pub.bitrade.namn }} är därmed personuppgiftsbiträde enligt artikel 28 i Europaparlamentets och rådets "
        "förordning (EU) 2016/679 (dataskyddsförordningen)."
    )
    w.p(
        "Bilaga {{ berakning.pub_bilaga }} (Personuppgiftsbiträdesavtal) reglerar behandlingen. Biträdesavtalet är en del av "
        "detta avtal och gäller så länge personuppgifter behandlas för den personuppgiftsansvariges räkning."
    )
    w.tag('{%p elif personuppgifter.roll == "gemensamt_personuppgiftsansvar" %}')
    w.p(
        "Parterna bestämmer gemensamt ändamålen med och medlen för den behandling av personuppgifter som sker inom samverkan och "
        "är därför gemensamt personuppgiftsansvariga enligt artikel 26 i Europaparlamentets och rådets förordning (EU) 2016/679 "
        "(dataskyddsförordningen)."
    )
    w.p(
        "Parterna ska i en särskild skriftlig överenskommelse bestämma hur ansvaret för att fullgöra skyldigheterna enligt "
        "förordningen fördelas mellan dem, särskilt i fråga om de registrerades rättigheter och den information som ska lämnas "
        "till de registrerade. Det väsentliga innehållet i överenskommelsen ska göras tillgängligt för de registrerade."
    )
    w.tag("{%p else %}")
    w.p(
        "Ingen part behandlar personuppgifter för en annan parts räkning inom ramen för avtalet. Varje part är personuppgiftsansvarig "
        "för den behandling av personuppgifter som parten själv utför."
    )
    w.tag("{%p endif %}")
    w.tag("{%p if personuppgifter.kommentar is defined %}")
    w.p("{{ personuppgifter.kommentar }}")
    w.tag("{%p endif %}")
    w.p(
        "Varje part ansvarar för att den egna behandlingen av personuppgifter följer dataskyddsförordningen och de kompletterande "
        "bestämmelser som gäller för parten."
    )


def avtal_uppfoljning(w: Writer) -> None:
    w.h1("Uppföljning och rapportering")
    w.p("{{ uppfoljning.rapportering }}")
    w.p("{{ uppfoljning.samrad }}")
    w.p(
        "Den nämnd hos uppdragsgivaren som ansvarar för uppgifterna svarar även fortsättningsvis för att de utförs i enlighet med "
        "lag och med fullmäktiges mål och riktlinjer, och för den interna kontrollen av dem."
    )
    w.p(
        "Styrelsen hos varje part (kommunstyrelsen, regionstyrelsen eller förbundsstyrelsen) har uppsiktsplikt över den verksamhet "
        "som bedrivs enligt avtalet. Uppdragstagaren ska på begäran lämna de uppgifter som en styrelse behöver för att fullgöra "
        "uppsiktsplikten. Varje part redovisar samverkan för sitt fullmäktige minst en gång om året, till exempel i årsredovisningen "
        "eller i ett särskilt ärende."
    )


def avtal_valfria(w: Writer) -> None:
    for field, heading in (("forsakring", "Försäkring"), ("upphovsratt", "Upphovsrätt"), ("personal", "Personal och arbetsmiljö")):
        w.tag(f"{{%p if {field} %}}")
        w.h1(heading)
        w.p(f"{{{{ {field}.text }}}}")
        w.tag("{%p endif %}")


def avtal_force_majeure(w: Writer) -> None:
    w.h1("Force majeure")
    w.p(
        "En part är befriad från påföljd för att den inte fullgör en skyldighet enligt avtalet, om underlåtenheten beror på en "
        "omständighet utanför partens kontroll som parten inte skäligen kunde förutse när avtalet ingicks och vars följder parten "
        "inte heller skäligen kunde undvika eller övervinna. Till sådana omständigheter räknas {{ force_majeure.handelser|lista }}, "
        "liksom andra händelser av motsvarande allvar som ligger utanför parternas kontroll."
    )
    w.p("En arbetskonflikt som beror på att parten själv har brutit mot ett kollektivavtal som parten är bunden av ger dock inte rätt till befrielse.")
    w.p(
        "En part som vill åberopa befrielse ska underrätta övriga parter om omständigheten {{ force_majeure.underrattelse }}. "
        "Befrielsen gäller så länge hindret består, och skyldigheten ska fullgöras så snart hindret har upphört."
    )


def avtal_tvister(w: Writer) -> None:
    ordinal = "{% if loop.index == 1 %}I första hand{% elif loop.index == 2 %}I andra hand{% elif loop.index == 3 %}I tredje hand{% else %}Därefter{% endif %}"
    w.h1("Tvister")
    w.p("En tvist om tolkningen eller tillämpningen av avtalet ska först lösas genom överläggningar mellan parterna, i följande ordning.")
    w.tag("{%p for n in tvist.nivaer %}")
    w.bullet(ordinal + " ska tvisten lösas av {{ n }}.")
    w.tag("{%p endfor %}")
    w.p("Kan parterna inte enas ska tvisten avgöras av {{ tvist.forum }} med tillämpning av svensk rätt.")


def avtal_avtalstid(w: Writer) -> None:
    tid = "berakning.avtalstid"
    w.h1("Avtalstid")
    w.p(
        f"Avtalet gäller från och med den {{{{ {tid}.start|datum }}}}"
        f"{{% if {tid}.tillsvidare %}} och tills vidare{{% else %}} till och med den {{{{ {tid}.slut|datum }}}}{{% endif %}}."
    )
    w.tag(f"{{%p if {tid}.betalning_fran %}}")
    w.p(f"Ersättning enligt avsnittet Ekonomi betalas från och med den {{{{ {tid}.betalning_fran|datum }}}}.")
    w.tag("{%p endif %}")
    w.tag(f"{{%p if {tid}.forlangning_ar %}}")
    w.p(
        "Om ingen part har sagt upp avtalet senast {{ uppsagning.manader }} månader före avtalstidens slut förlängs det med "
        f"{{{{ {tid}.forlangning_ar }}}} år i taget, med samma villkor."
    )
    w.tag("{%p endif %}")


def avtal_uppsagning(w: Writer) -> None:
    w.h1("Uppsägning och omförhandling")
    w.p(
        "Varje part får säga upp avtalet skriftligen med en uppsägningstid om {{ uppsagning.manader }} månader"
        "{% if uppsagning.vid_arsskifte %}. Avtalet upphör då vid utgången av det kalenderår då uppsägningstiden löper ut{% endif %}. "
        "Avtalet kan som tidigast upphöra den {{ berakning.avtalstid.tidigaste_upphorande|datum }}."
    )
    w.p("Avtalet upphör också när ett nytt avtal som ersätter det har börjat gälla.")
    w.p(
        "Innan avtalet upphör ska parterna i god tid planera hur uppgifterna ska återgå till uppdragsgivaren, så att verksamheten "
        "kan fortsätta utan avbrott och utan olägenhet för enskilda."
    )
    w.p("{{ uppsagning.omforhandling }}")


def avtal_andringar(w: Writer) -> None:
    w.h1("Ändringar och tillägg")
    w.p("Ändringar i och tillägg till avtalet gäller endast om de har gjorts skriftligen och undertecknats av samtliga parter.")
    w.p("Ingen part får överlåta sina rättigheter eller skyldigheter enligt avtalet till någon annan.")


def avtal_bilagor(w: Writer) -> None:
    w.h1("Bilagor")
    w.tag("{%p if berakning.bilagor %}")
    w.p("Följande bilagor hör till avtalet.")
    w.each("b", "berakning.bilagor", "Bilaga {{ b.nummer }}: {{ b.titel }}")
    w.p(
        "Om avtalstexten och en bilaga säger olika saker gäller avtalstexten före bilagan"
        "{% if berakning.pub_bilaga %}, utom i frågor om behandling av personuppgifter, där bilaga {{ berakning.pub_bilaga }} gäller först{% endif %}."
    )
    w.tag("{%p else %}")
    w.p("Avtalet har inga bilagor.")
    w.tag("{%p endif %}")


def avtal_underskrifter(w: Writer) -> None:
    w.h1("Underskrifter")
    w.tag("{%p if underskrifter.elektronisk %}")
    w.p("Avtalet undertecknas elektroniskt av behöriga företrädare för samtliga parter. Varje part får ett elektroniskt exemplar av det undertecknade avtalet.")
    w.tag("{%p else %}")
    w.p("Avtalet har upprättats i {{ berakning.exemplar }} likalydande exemplar, av vilka parterna har tagit var sitt.")
    w.tag("{%p endif %}")
    w.tag("{%p for p in parter %}")
    block = w.p("**{{ p.namn }}**", style=STYLE_SIGNATURE)
    block.paragraph_format.space_before = Mm(8)
    w.tag("{%p if not underskrifter.elektronisk %}")
    date_line = w.p("Ort och datum: ____________________________________", style=STYLE_SIGNATURE)
    date_line.paragraph_format.space_before = Mm(6)
    signature = w.p("____________________________________", style=STYLE_SIGNATURE)
    signature.paragraph_format.space_before = Mm(12)
    w.tag("{%p endif %}")
    w.p("{{ p.undertecknare.namn }}", style=STYLE_SIGNATURE)
    w.p("{{ p.undertecknare.titel }}", style=STYLE_SIGNATURE)
    decision = w.p("Beslut: {{ p.beslut.organ }} {{ p.beslut.datum|datum }}, {{ p.beslut.paragraf }}", style=STYLE_TITLE_INFO)
    decision.paragraph_format.space_after = Mm(4)
    w.tag("{%p endfor %}")


def build_avtal(path: Path) -> None:
    doc = new_document("Mall: avtal", ["{{ avtal.titel }}\t" + DNR])
    w = Writer(doc)
    avtal_title(w)
    for section in (
        avtal_parter,
        avtal_bakgrund,
        avtal_lagstod,
        avtal_uppdraget,
        avtal_delegering,
        avtal_ekonomi,
        avtal_information,
        avtal_personuppgifter,
        avtal_uppfoljning,
        avtal_valfria,
        avtal_force_majeure,
        avtal_tvister,
        avtal_avtalstid,
        avtal_uppsagning,
        avtal_andringar,
        avtal_bilagor,
        avtal_underskrifter,
    ):
        section(w)
    doc.save(str(path))


# --------------------------------------------------------------------------------------------------
# pub-bilaga.docx
# --------------------------------------------------------------------------------------------------

PU = "personuppgifter"
PUB_NAME = "Bilaga {{ berakning.pub_bilaga }}: Personuppgiftsbiträdesavtal"


def pub_parter(w: Writer) -> None:
    w.h1("Parter")
    w.p("Detta personuppgiftsbiträdesavtal (biträdesavtalet) ingås mellan följande parter.")
    w.table(
        TableSpec(
            widths_mm=(45, 75, 40),
            header=("Roll", "Part", "Organisationsnummer"),
            loop="p in berakning.pub.ansvariga",
            row=("Personuppgiftsansvarig", "{{ p.namn }}", "{{ p.organisationsnummer|orgnr }}"),
            rows_after=(("Personuppgiftsbiträde", "{{ berakning.pub.bitrade.namn }}", "{{ berakning.pub.bitrade.organisationsnummer|orgnr }}"),),
        )
    )
    w.p(
        "I biträdesavtalet kallas {{ berakning.pub.ansvariga_namn }} den personuppgiftsansvarige och {{ berakning.pub.bitrade.namn }} "
        "biträdet. Är de personuppgiftsansvariga flera gäller det som sägs om den personuppgiftsansvarige var och en av dem, i fråga "
        "om de personuppgifter som den parten ansvarar för."
    )


def pub_foremal(w: Writer) -> None:
    w.h1("Föremål och varaktighet")
    w.p(
        "Biträdesavtalet är en bilaga till och en del av huvudavtalet ”{{ avtal.titel }}” med diarienummer {{ avtal.diarienummer }} "
        "(huvudavtalet). Biträdet behandlar personuppgifter för den personuppgiftsansvariges räkning när biträdet utför de uppgifter "
        "som anges i huvudavtalet. Biträdesavtalet reglerar den behandlingen och uppfyller kraven i artikel 28.3 i Europaparlamentets "
        "och rådets förordning (EU) 2016/679 (dataskyddsförordningen)."
    )
    w.p(
        "Vilka de registrerade är, vilka slags personuppgifter som behandlas och behandlingens art och ändamål beskrivs i bilaga II. "
        "Bilagorna I–IV till biträdesavtalet följer uppställningen i bilagorna till kommissionens genomförandebeslut (EU) 2021/915 "
        "om standardavtalsklausuler mellan personuppgiftsansvariga och personuppgiftsbiträden."
    )
    w.p(
        "{{ personuppgifter.varaktighet }} Biträdesavtalet gäller så länge biträdet behandlar personuppgifter för den "
        "personuppgiftsansvariges räkning, även om huvudavtalet dessförinnan har upphört."
    )
    w.p(
        "Begrepp i biträdesavtalet har samma innebörd som i dataskyddsförordningen. Om biträdesavtalet och huvudavtalet säger olika "
        "saker om behandling av personuppgifter gäller biträdesavtalet."
    )


def pub_ansvarig(w: Writer) -> None:
    w.h1("Den personuppgiftsansvariges skyldigheter")
    w.p(
        "Den personuppgiftsansvarige bestämmer ändamålen med och medlen för behandlingen och ansvarar för att den har rättslig grund "
        "och i övrigt följer dataskyddsförordningen. Den personuppgiftsansvarige lämnar dokumenterade instruktioner till biträdet och "
        "underrättar biträdet utan dröjsmål om ändrade förhållanden som påverkar biträdets behandling."
    )


def pub_instruktioner(w: Writer) -> None:
    w.h2("Behandling enligt dokumenterade instruktioner")
    w.p(
        "Biträdet får behandla personuppgifterna endast enligt dokumenterade instruktioner från den personuppgiftsansvarige. "
        "Biträdesavtalet med bilagor och huvudavtalet utgör instruktionerna när avtalet ingås; senare instruktioner lämnas skriftligen. "
        "Kravet på instruktioner gäller också överföring av personuppgifter till ett tredjeland eller en internationell organisation."
    )
    w.p(
        "Om unionsrätten eller svensk rätt ålägger biträdet att behandla uppgifterna på annat sätt ska biträdet informera den "
        "personuppgiftsansvarige om det rättsliga kravet innan behandlingen påbörjas, om inte den rätten förbjuder sådan information."
    )
    w.p(
        "Anser biträdet att en instruktion strider mot dataskyddsförordningen eller mot andra bestämmelser om dataskydd ska biträdet "
        "omedelbart underrätta den personuppgiftsansvarige. Biträdet får inte behandla personuppgifterna för egna ändamål."
    )


def pub_konfidentialitet(w: Writer) -> None:
    w.h2("Konfidentialitet")
    w.p(
        "Biträdet ska se till att de personer som har behörighet att behandla personuppgifterna har åtagit sig att iaktta "
        "konfidentialitet eller omfattas av lagstadgad tystnadsplikt, till exempel enligt offentlighets- och sekretesslagen "
        "(2009:400). Åtkomsten till uppgifterna ska begränsas till de personer som behöver dem för att utföra uppdraget."
    )


def pub_sakerhet(w: Writer) -> None:
    w.h2("Säkerhet i behandlingen")
    w.p(
        "Biträdet ska vidta de tekniska och organisatoriska åtgärder som krävs enligt artikel 32 i dataskyddsförordningen för att "
        "uppnå en säkerhetsnivå som är lämplig med hänsyn till riskerna med behandlingen. Åtgärderna omfattar minst dem som anges "
        "i bilaga III. Biträdet ska regelbundet pröva och utvärdera hur väl åtgärderna fungerar."
    )


def pub_underbitraden(w: Writer) -> None:
    ub = f"{PU}.underbitraden"
    w.h2("Underbiträden")
    w.tag(f'{{%p if {ub} is defined and {ub}.tillstand == "allmant" %}}')
    w.p(
        "Biträdet har den personuppgiftsansvariges allmänna skriftliga förhandstillstånd att anlita underbiträden. Biträdet ska "
        "skriftligen underrätta den personuppgiftsansvarige om planerade tillägg eller byten av underbiträden minst "
        f"{{% if {ub}.varsel_dagar is defined %}}{{{{ {ub}.varsel_dagar }}}}{{% else %}}30{{% endif %}} dagar i förväg. "
        "Den personuppgiftsansvarige får invända mot förändringen inom den tiden, och biträdet får då inte anlita underbiträdet "
        "för behandlingen."
    )
    w.tag("{%p else %}")
    w.p(
        "Biträdet får anlita ett underbiträde endast om den personuppgiftsansvarige i förväg har lämnat ett särskilt skriftligt "
        "tillstånd för just det underbiträdet. Biträdet ska begära tillståndet skriftligen i god tid innan underbiträdet anlitas."
    )
    w.tag("{%p endif %}")
    w.p("De underbiträden som är godkända när biträdesavtalet ingås anges i bilaga IV.")
    w.p(
        "Biträdet ska genom ett skriftligt avtal ålägga varje underbiträde samma skyldigheter i fråga om dataskydd som biträdet har "
        "enligt biträdesavtalet, särskilt skyldigheten att ge tillräckliga garantier för lämpliga tekniska och organisatoriska åtgärder. "
        "Om ett underbiträde inte fullgör sina skyldigheter är biträdet fullt ansvarigt gentemot den personuppgiftsansvarige för "
        "underbiträdets fullgörande."
    )


def pub_tredjeland(w: Writer) -> None:
    tl = f"{PU}.tredjeland"
    w.h2("Överföring till tredjeland")
    w.tag(f"{{%p if {tl}.forekommer %}}")
    w.p(
        "Personuppgifter får föras över till "
        f"{{% if {tl}.lander is defined %}}{{{{ {tl}.lander|lista }}}}{{% else %}}länder utanför EU/EES{{% endif %}}"
        " i den omfattning som anges i bilaga II"
        f"{{% if {tl}.grund is defined %}}, med stöd av {{{{ {tl}.grund }}}}{{% endif %}}. "
        "Varje överföring ska uppfylla villkoren i kapitel V i dataskyddsförordningen."
    )
    w.tag("{%p else %}")
    w.p(
        "Biträdet får inte föra över personuppgifter till ett land utanför Europeiska unionen och Europeiska ekonomiska "
        "samarbetsområdet (tredjeland) eller till en internationell organisation, och inte heller låta uppgifterna behandlas därifrån, "
        "utan dokumenterad instruktion från den personuppgiftsansvarige. Villkoren i kapitel V i dataskyddsförordningen ska alltid vara uppfyllda."
    )
    w.tag("{%p endif %}")


def pub_rattigheter(w: Writer) -> None:
    w.h2("De registrerades rättigheter")
    w.p(
        "Biträdet ska, med hänsyn till behandlingens art och genom lämpliga tekniska och organisatoriska åtgärder, så långt det är "
        "möjligt hjälpa den personuppgiftsansvarige att fullgöra sin skyldighet att besvara begäranden från registrerade som utövar "
        "sina rättigheter enligt kapitel III i dataskyddsförordningen."
    )
    w.p(
        "Får biträdet en sådan begäran direkt från en registrerad ska biträdet utan dröjsmål vidarebefordra den till den "
        "personuppgiftsansvarige och inte själv besvara den, om inte den personuppgiftsansvarige har gett biträdet i uppdrag att göra det."
    )


def pub_bistand(w: Writer) -> None:
    w.h2("Hjälp enligt artiklarna 32–36")
    w.p(
        "Biträdet ska, med hänsyn till behandlingens art och den information som biträdet har tillgång till, hjälpa den "
        "personuppgiftsansvarige att fullgöra skyldigheterna enligt artiklarna 32–36 i dataskyddsförordningen: att vidta "
        "säkerhetsåtgärder, att anmäla personuppgiftsincidenter till Integritetsskyddsmyndigheten och informera de registrerade om dem, "
        "att göra konsekvensbedömningar avseende dataskydd och att vid behov samråda med Integritetsskyddsmyndigheten före behandlingen."
    )


def pub_incidenter(w: Writer) -> None:
    w.h2("Personuppgiftsincidenter")
    w.p(
        "Biträdet ska underrätta den personuppgiftsansvarige om en personuppgiftsincident utan onödigt dröjsmål och senast "
        f"{{{{ {PU}.incident_timmar }}}} timmar efter att biträdet har fått kännedom om den."
    )
    w.p(
        "Underrättelsen ska, i den mån uppgifterna är kända, beskriva incidentens art, de kategorier av och det ungefärliga antalet "
        "registrerade och personuppgiftsposter som berörs, de sannolika konsekvenserna och de åtgärder som har vidtagits eller "
        "föreslås för att hantera incidenten och mildra dess effekter. Den ska också ange en kontaktperson hos biträdet. Uppgifter "
        "som inte kan lämnas samtidigt får lämnas efter hand, utan onödigt dröjsmål."
    )


def pub_upphorande(w: Writer) -> None:
    intro = "När behandlingen för den personuppgiftsansvariges räkning har upphört ska biträdet "
    w.h2("Radering och återlämnande")
    w.tag(f'{{%p if {PU}.vid_upphorande == "radera" %}}')
    w.p(intro + "radera samtliga personuppgifter, även befintliga kopior, och skriftligen intyga att raderingen har skett.")
    w.tag(f'{{%p elif {PU}.vid_upphorande == "aterlamna" %}}')
    w.p(
        intro + "återlämna samtliga personuppgifter till den personuppgiftsansvarige, i ett format som parterna kommer överens om, "
        "och därefter radera befintliga kopior."
    )
    w.tag("{%p else %}")
    w.p(
        intro + "efter den personuppgiftsansvariges val antingen radera samtliga personuppgifter eller återlämna dem till den "
        "personuppgiftsansvarige och därefter radera befintliga kopior."
    )
    w.tag("{%p endif %}")
    w.p(
        "Skyldigheten gäller inte uppgifter som biträdet måste bevara enligt unionsrätten eller svensk rätt, till exempel "
        "bestämmelserna om allmänna handlingar i arkivlagen (1990:782). För sådana uppgifter fortsätter biträdesavtalet att gälla "
        "så länge de finns hos biträdet."
    )


def pub_granskning(w: Writer) -> None:
    w.h2("Information och granskning")
    w.p(
        "Biträdet ska ge den personuppgiftsansvarige tillgång till all information som behövs för att visa att skyldigheterna i "
        "artikel 28 i dataskyddsförordningen och i biträdesavtalet fullgörs. Biträdet ska möjliggöra och bidra till granskningar, "
        "däribland inspektioner, som genomförs av den personuppgiftsansvarige eller av en granskare som denne har utsett."
    )
    w.p(
        "Den personuppgiftsansvarige meddelar en planerad inspektion i skälig tid i förväg. Biträdet ska också medverka när "
        "Integritetsskyddsmyndigheten utövar tillsyn."
    )


def pub_bitradet(w: Writer) -> None:
    w.h1("Biträdets skyldigheter")
    for clause in (
        pub_instruktioner,
        pub_konfidentialitet,
        pub_sakerhet,
        pub_underbitraden,
        pub_tredjeland,
        pub_rattigheter,
        pub_bistand,
        pub_incidenter,
        pub_upphorande,
        pub_granskning,
    ):
        clause(w)


def pub_slut(w: Writer) -> None:
    w.h1("Ansvar")
    w.p(
        "Ansvaret för skada som uppkommer genom behandling i strid med dataskyddsförordningen fördelas mellan parterna enligt "
        "artikel 82 i förordningen. Varje part svarar själv för administrativa sanktionsavgifter som beslutas mot den."
    )
    w.h1("Ändringar och undertecknande")
    w.p("Ändringar i biträdesavtalet ska göras skriftligen och undertecknas av parterna.")
    w.p("Biträdesavtalet undertecknas genom att parterna undertecknar huvudavtalet.")


def pub_annex_parter(w: Writer) -> None:
    w.p("Bilaga I – Förteckning över parter", style=STYLE_ANNEX_HEADING, page_break_before=True)
    w.h3("Personuppgiftsansvarig")
    w.tag("{%p for p in berakning.pub.ansvariga %}")
    w.bullet(
        "{{ p.namn }}, organisationsnummer {{ p.organisationsnummer|orgnr }}"
        "{% if p.adress is defined %}, {{ p.adress.utdelningsadress }}, {{ p.adress.postnummer }} {{ p.adress.ort }}{% endif %}"
    )
    w.tag("{%p endfor %}")
    w.h3("Personuppgiftsbiträde")
    bitrade = "berakning.pub.bitrade"
    w.bullet(
        f"{{{{ {bitrade}.namn }}}}, organisationsnummer {{{{ {bitrade}.organisationsnummer|orgnr }}}}"
        f"{{% if {bitrade}.adress is defined %}}, {{{{ {bitrade}.adress.utdelningsadress }}}}, "
        f"{{{{ {bitrade}.adress.postnummer }}}} {{{{ {bitrade}.adress.ort }}}}{{% endif %}}"
    )
    w.h3("Kontaktpersoner för dataskyddsfrågor")
    for field, who in (("kontakt_ansvarig", "Hos den personuppgiftsansvarige"), ("kontakt_bitrade", "Hos biträdet")):
        var = f"{PU}.{field}"
        w.p(f"{who}: {{% if {var} is defined %}}" + contact(var) + "{% else %}meddelas skriftligen{% endif %}.")
    w.p("Bilagan undertecknas genom att parterna undertecknar huvudavtalet.")


def pub_annex_beskrivning(w: Writer) -> None:
    w.p("Bilaga II – Beskrivning av behandlingen", style=STYLE_ANNEX_HEADING)
    instruction = "Anges i den personuppgiftsansvariges skriftliga instruktioner."
    w.h3("Kategorier av registrerade")
    w.each_or(f"{PU}.registrerade", instruction)
    w.h3("Kategorier av personuppgifter")
    w.each_or(f"{PU}.kategorier", instruction)
    w.h3("Känsliga personuppgifter")
    ku = f"{PU}.kansliga_uppgifter"
    w.tag(f"{{%p if {ku}.forekommer %}}")
    w.p("Behandlingen omfattar följande särskilda kategorier av personuppgifter eller uppgifter om lagöverträdelser.")
    w.each_or(f"{ku}.kategorier", "Kategorierna anges i den personuppgiftsansvariges skriftliga instruktioner.")
    w.tag(f"{{%p if {ku}.skyddsatgarder is defined %}}")
    w.p(f"**Begränsningar och skyddsåtgärder:** {{{{ {ku}.skyddsatgarder }}}}")
    w.tag("{%p endif %}")
    w.tag("{%p else %}")
    w.p("Behandlingen omfattar inte känsliga personuppgifter eller uppgifter om lagöverträdelser.")
    w.tag("{%p endif %}")
    w.h3("Behandlingens art")
    w.each_or(f"{PU}.behandlingens_art", instruction)
    w.h3("Ändamål med behandlingen")
    w.each_or(f"{PU}.andamal", instruction)
    w.h3("Behandlingens varaktighet")
    w.p(f"{{{{ {PU}.varaktighet }}}}")
    w.tag(f"{{%p if {PU}.lagring is defined %}}")
    w.h3("Lagring")
    w.p(f"{{{{ {PU}.lagring }}}}")
    w.tag("{%p endif %}")
    tl = f"{PU}.tredjeland"
    w.h3("Överföring till tredjeland")
    w.tag(f"{{%p if {tl}.forekommer %}}")
    w.p(
        f"Uppgifter förs över till {{% if {tl}.lander is defined %}}{{{{ {tl}.lander|lista }}}}{{% else %}}länder utanför EU/EES{{% endif %}}."
        f"{{% if {tl}.grund is defined %}} Överföringen sker med stöd av {{{{ {tl}.grund }}}}.{{% endif %}}"
    )
    w.tag("{%p else %}")
    w.p("Inga personuppgifter förs över till tredjeland eller till internationella organisationer.")
    w.tag("{%p endif %}")


def pub_annex_atgarder(w: Writer) -> None:
    w.p("Bilaga III – Tekniska och organisatoriska åtgärder", style=STYLE_ANNEX_HEADING)
    w.p("Biträdet vidtar minst följande åtgärder för att skydda personuppgifterna.")
    w.each_or(
        f"{PU}.sakerhetsatgarder",
        "Åtgärderna beskrivs i biträdets dokumenterade rutiner för informationssäkerhet, som ska hållas tillgängliga för den personuppgiftsansvarige.",
    )
    w.p("Åtgärderna ses över regelbundet och anpassas efter riskerna med behandlingen.")


def pub_annex_underbitraden(w: Writer) -> None:
    ub = f"{PU}.underbitraden"
    w.p("Bilaga IV – Förteckning över underbiträden", style=STYLE_ANNEX_HEADING)
    w.tag(f"{{%p if {ub} is defined and {ub}.lista is defined and {ub}.lista %}}")
    w.p("Den personuppgiftsansvarige har godkänt följande underbiträden.")
    w.table(
        TableSpec(
            widths_mm=(40, 37, 57, 26),
            header=("Underbiträde", "Organisationsnummer", "Behandling", "Land"),
            loop=f"u in {ub}.lista",
            row=(
                "{{ u.namn }}",
                "{% if u.organisationsnummer is defined %}{{ u.organisationsnummer }}{% else %}–{% endif %}",
                "{{ u.behandling }}",
                "{{ u.land }}",
            ),
        )
    )
    w.tag("{%p else %}")
    w.p("Inga underbiträden är godkända när biträdesavtalet ingås.")
    w.tag("{%p endif %}")


def build_pub(path: Path) -> None:
    doc = new_document("Mall: personuppgiftsbiträdesavtal", ["{{ avtal.titel }}\t" + DNR, PUB_NAME])
    w = Writer(doc)
    title_block(
        w,
        PUB_NAME,
        "Avtal enligt artikel 28 i dataskyddsförordningen",
        [
            "**Huvudavtal:** {{ avtal.titel }}",
            "**Diarienummer:** {{ avtal.diarienummer }}",
            "**Datum:** {{ avtal.datum|datum }}",
            "**Version:** {{ avtal.version }}",
        ],
    )
    for section in (
        pub_parter,
        pub_foremal,
        pub_ansvarig,
        pub_bitradet,
        pub_slut,
        pub_annex_parter,
        pub_annex_beskrivning,
        pub_annex_atgarder,
        pub_annex_underbitraden,
    ):
        section(w)
    doc.save(str(path))


# --------------------------------------------------------------------------------------------------
# kostnadsfordelning.docx
# --------------------------------------------------------------------------------------------------

FD = "berakning.fordelning"
COST_NAME = "Bilaga {{ berakning.kostnad_bilaga }}: Kostnadsfördelning"


def kostnad_grund(w: Writer) -> None:
    w.h1("Fördelningsgrund")
    datum = f"{{% if {FD}.underlag_datum %}} den {{{{ {FD}.underlag_datum|datum }}}}{{% endif %}}"
    w.tag(f'{{%p if {FD}.enhet == "invånare" %}}')
    w.p(f"Kostnaden fördelas mellan de betalande parterna i förhållande till antalet invånare hos varje part{datum}.")
    w.tag(f'{{%p elif {FD}.enhet == "användare" %}}')
    w.p(f"Kostnaden fördelas mellan de betalande parterna i förhållande till antalet användare hos varje part{datum}.")
    w.tag(f'{{%p elif {FD}.enhet == "procent" %}}')
    w.p("Kostnaden fördelas mellan de betalande parterna enligt de andelar i procent som parterna har kommit överens om.")
    w.tag("{%p else %}")
    w.p("Kostnaden fördelas lika mellan de betalande parterna.")
    w.tag("{%p endif %}")
    w.p(
        f"Beräkningen avser en period om {{{{ {FD}.period_ar }}}} år."
        f"{{% if {FD}.kostnad_ar %}} Den kostnad som ska fördelas uppgår till {{{{ {FD}.kostnad_ar|kronor }}}} per år.{{% endif %}}"
    )
    w.tag(f"{{%p if {FD}.pris_per_enhet_ar %}}")
    w.p(f"Priset är {{{{ {FD}.pris_per_enhet_ar|pris }}}} kronor per {{{{ {FD}.enhet }}}} och år.")
    w.tag("{%p endif %}")
    w.tag(f"{{%p if {FD}.kommentar %}}")
    w.p(f"{{{{ {FD}.kommentar }}}}")
    w.tag("{%p endif %}")


def kostnad_tak(w: Writer) -> None:
    tr = "berakning.troskel"
    w.tag(f"{{%p if {tr} %}}")
    w.h1("Kostnadstak")
    w.p(
        f"Varje betalande parts sammanlagda kostnad för hela perioden får inte överstiga {{{{ {tr}.benamning }}}}. "
        f"Gränsen uppgår till {{{{ {tr}.belopp|kronor }}}} och gäller från och med den {{{{ {tr}.fran|datum }}}}"
        f"{{% if {tr}.till %}} till och med den {{{{ {tr}.till|datum }}}}{{% endif %}} (källa: {{{{ {tr}.kalla }}}})."
    )
    w.p(f"Taket har bestämts efter det värde som gällde den {{{{ {tr}.datum|datum }}}}. Kolumnen Tak i tabellen visar gränsen för varje part.")
    w.tag("{%p endif %}")


def kostnad_tabell(w: Writer) -> None:
    unit = f'{{% if {FD}.enhet == "invånare" %}}Invånare{{% elif {FD}.enhet == "användare" %}}Användare{{% else %}}Underlag{{% endif %}}'
    tak = f"{{% if {FD}.tak_per_part %}}{{{{ {FD}.tak_per_part|kr }}}}{{% else %}}–{{% endif %}}"
    w.h1("Fördelning per part")
    w.p("Tabellen visar varje betalande parts underlag, andel och kostnad per år och för hela perioden.")
    w.table(
        TableSpec(
            widths_mm=(42, 22, 18, 26, 28, 24),
            header=("Part", unit, "Andel", "Belopp per år", f"Totalt för perioden ({{{{ {FD}.period_ar }}}} år)", "Tak"),
            loop=f"r in {FD}.rader",
            row=(
                "{{ r.namn }}",
                "{% if r.underlag is none %}–{% else %}{{ r.underlag|antal }}{% endif %}",
                "{{ r.andel_procent|procent }}",
                "{{ r.belopp_ar|kr }}",
                "{{ r.belopp_period|kr }}",
                tak + "{% if not r.inom_tak %} (överskrids){% endif %}",
            ),
            totals=(
                "Summa",
                f"{{% if {FD}.summa_underlag is none %}}–{{% else %}}{{{{ {FD}.summa_underlag|antal }}}}{{% endif %}}",
                "{{ 100|procent }}",
                f"{{{{ {FD}.summa_ar|kr }}}}",
                f"{{{{ {FD}.summa_period|kr }}}}",
                "–",
            ),
            right=(1, 2, 3, 4, 5),
        )
    )


def kostnad_support(w: Writer) -> None:
    sp = "berakning.support"
    w.tag(f"{{%p if {sp} %}}")
    w.h1("Support per användare")
    w.p(
        f"Kostnaden för central support och förvaltning är {{{{ {sp}.kostnad_ar|kronor }}}} per år och delas av "
        f"{{{{ {sp}.anvandare_totalt|antal }}}} användare, vilket ger {{{{ {sp}.pris_per_anvandare_ar|kronor }}}} per användare och år. "
        "Tabellen visar antalet användare hos varje part och partens kostnad per år."
    )
    w.tag(f"{{%p if {sp}.beskrivning %}}")
    w.p(f"{{{{ {sp}.beskrivning }}}}")
    w.tag("{%p endif %}")
    w.table(
        TableSpec(
            widths_mm=(80, 35, 45),
            header=("Part", "Användare", "Belopp per år"),
            loop=f"r in {sp}.rader",
            row=("{{ r.namn }}", "{{ r.anvandare|antal }}", "{{ r.belopp_ar|kr }}"),
            totals=("Summa", f"{{{{ {sp}.summa_anvandare|antal }}}}", f"{{{{ {sp}.summa_ar|kr }}}}"),
            right=(1, 2),
        )
    )
    w.tag("{%p endif %}")


def build_kostnad(path: Path) -> None:
    doc = new_document("Mall: kostnadsfördelning", ["{{ avtal.titel }}\t" + DNR, COST_NAME])
    w = Writer(doc)
    title_block(
        w,
        COST_NAME,
        "{{ avtal.titel }}",
        ["**Diarienummer:** {{ avtal.diarienummer }}", "**Datum:** {{ avtal.datum|datum }}", "**Version:** {{ avtal.version }}"],
    )
    intro = w.p("Bilagan hör till avtalet med diarienummer {{ avtal.diarienummer }} och visar hur kostnaderna fördelas mellan de betalande parterna.")
    intro.paragraph_format.space_before = Mm(5)
    w.tag(f"{{%p if {FD} %}}")
    kostnad_grund(w)
    kostnad_tak(w)
    kostnad_tabell(w)
    w.tag("{%p endif %}")
    kostnad_support(w)
    w.p("Beloppen räknas om när underlaget eller gränsvärdet ändras, och bilagan ersätts då av en ny version.")
    doc.save(str(path))


# --------------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------------

BUILDERS = {
    "avtal.docx": build_avtal,
    "pub-bilaga.docx": build_pub,
    "kostnadsfordelning.docx": build_kostnad,
}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Build the Word templates in mallar/ from scratch.")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "mallar", help="target folder (default: mallar/)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, build in BUILDERS.items():
        build(args.out / name)
        print(f"wrote {args.out / name}")


if __name__ == "__main__":
    main()
