"""Template check: broken tags, Jinja syntax, unknown fields and filters, sandbox escapes, each with its place."""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from docxtpl import DocxTemplate
from jinja2 import nodes
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree

from ...agreement.filters import plural
from ...agreement.filters import swedish_list as join_names
from ...docx.safety import package_problems
from ...errors import Problem, TemplateError, did_you_mean
from ...paths import COST_FILE, DEFAULT_MALLAR, PUB_FILE, TEMPLATE_FILES
from ..blocks import scan
from ..fields import Field, FieldInfo, Use, field_catalogue, top_names
from ..kindfields import KINDS, required_in, template_kinds
from ..render import Docx, make_environment, part_label
from ..revisions import REMOVE_COMMENTS, revisions
from ..syntax import short as _short
from ..syntax import syntax_message, unclosed_message
from ..trial import trial_render
from .folder import folder_problems
from .required import missing_parts
from .word import Package, WordCheck, property_problems
from .word import members as package_members

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_P, _T, _R, _RPR, _PROOF = f"{_W}p", f"{_W}t", f"{_W}r", f"{_W}rPr", f"{_W}proofErr"
_TBL, _TR, _TC = f"{_W}tbl", f"{_W}tr", f"{_W}tc"
_PPR, _PSTYLE = f"{_W}pPr", f"{_W}pStyle"
_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_HEADING = re.compile(r"(?i)heading|rubrik|^title$")
_COMMENTS = "application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"
_BREAKS = {f"{_W}tab", f"{_W}br", f"{_W}cr"}
_FORMAT_NOISE = {f"{_W}lang", f"{_W}noProof"}  # run properties Word changes without the author seeing it
_FOOTNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
_ENDNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.endnotes+xml"
_PROPERTIES = (("title", "titel"), ("subject", "ämne"), ("author", "författare"), ("comments", "kommentarer"),
               ("identifier", "identifierare"), ("language", "språk"))

_OPENER = re.compile(r"\{[{%#]")
_CLOSER = {"{{": "}}", "{%": "%}", "{#": "#}"}
_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_PREFIX = re.compile(r"^(\{[{%#])(?:tr|tc|p|r) ")
_CURLY = {"“": '"', "”": '"', "‘": "'", "’": "'"}  # what docxtpl's patch_xml straightens inside tags
_OTHER_QUOTES = {"„": '"', "«": '"', "»": '"', "″": '"', "‚": "'", "‹": "'", "›": "'", "′": "'", "´": "'", "`": "'"}

# Types and names used while walking the Jinja AST: a schema path (``parter[].namn``) or one of these.
ANY = "<värde>"  # something whose fields cannot be known (a string method's result, a macro argument)
BAD = "<fel>"  # already reported: say nothing more about expressions built on it
LOOP = "<loop>"
_LOOP_FIELDS = {"index", "index0", "revindex", "revindex0", "first", "last", "length", "cycle", "depth", "depth0",
                "previtem", "nextitem", "changed"}
_BLOCK_TAGS = {"if", "for", "macro", "call", "filter", "with", "block", "autoescape", "set", "trans"}
_FORBIDDEN_NAMES = {"self", "config", "request", "cycler", "joiner", "namespace", "lipsum", "range", "dict"}
_FORBIDDEN_ATTRIBUTES = {"mro", "gi_frame", "gi_code", "gi_yieldfrom", "cr_frame", "cr_code", "cr_await", "ag_code",
                         "ag_frame", "ag_await", "f_globals", "f_locals", "f_builtins", "f_back", "f_code", "tb_frame",
                         "tb_next", "func_globals", "func_code", "im_func", "im_self", "im_class"}
_METHODS = {
    "string": frozenset(name for name in dir(str) if not name.startswith("_")),
    "object": frozenset({"get", "items", "keys", "values"}),
    "array": frozenset({"index", "count"}),
}
# Computed values that are none only when another field says so: a test on the first guards the others.
_GUARDED_BY_TEST = {
    "berakning.avtalstid.tillsvidare": ("berakning.avtalstid.slut",),
    "personuppgifter.roll": ("berakning.pub", "berakning.pub_bilaga", "berakning.pub.bitrade"),
    "ekonomi.fordelning": ("berakning.fordelning", "berakning.kostnad_bilaga"),
    "ekonomi.support": ("berakning.support",),
    "extern_delegering.forekommer": ("berakning.delegering_mottagare",),
    "avtalstid.slut": ("berakning.avtalstid.slut",),
    "berakning.andringar[].atgard": ("berakning.andringar[].bilaga", "berakning.andringar[].bilaga_nummer"),
}
# Annexes made only for agreements that have these values: in their templates the values are always there.
_GUARDED_BY_DOCUMENT = {
    PUB_FILE: ("berakning.pub", "berakning.pub_bilaga", "berakning.pub.bitrade"),
    COST_FILE: ("berakning.fordelning", "berakning.kostnad_bilaga"),
}
# After an unknown field with no near name: where the fields are listed, and where a new one is declared.
_NEW_FIELD = ("; alla fält står i docs/falt.md (avtal mallar falt). Ett nytt fält läggs först till i schema/avtal.schema.json "
              "med svensk titel, beskrivning och standardvärde, se mallar/LASMIG.md (Ett nytt fält i avtalsdata)")
_DATE_FILTERS = {"datum", "isodatum"}
_NUMBER_FILTERS = {"belopp", "pris", "kronor", "kr", "antal", "mnkr", "procent"}
_SAME_LIST_FILTERS = {"sort", "reverse", "list", "unique", "selectattr", "rejectattr", "select", "reject", "default", "d"}
_ITEM_FILTERS = {"first", "last", "random"}
_ATTRIBUTE_ARG_FILTERS = {"selectattr", "rejectattr", "groupby"}  # first argument names an attribute of each item


# --------------------------------------------------------------------------------------------------
# Paragraphs and tags as the author sees them in Word
# --------------------------------------------------------------------------------------------------


@dataclass
class _Tag:
    text: str  # as written, the text of its runs put together
    start: int
    closed: bool
    pieces: int  # how many w:t elements it is spread over
    proof: bool  # a spell-check mark (w:proofErr) inside it
    formats: int  # how many different run formats it has


@dataclass
class _Para:
    number: int
    element: Any
    text: str  # the text of its w:t elements, where tags are looked for
    shown: str  # the text as Word shows it, tabs and line breaks as spaces
    table: str  # " (tabell 1, rad 2, cell 3)" or ""
    row: Any
    cell: Any
    tags: list[_Tag]
    openers: list[tuple[int, int]]  # (place in the document, offset in text) of every {{, {% and {#
    heading: str = ""  # the text of the nearest heading before it, as Word shows it
    fallback: bool = False  # inside a text box's copy for old Word versions (mc:Fallback): reported once, in the first copy


def _own(element: Any) -> Iterator[Any]:
    """Descendants of a paragraph in document order, leaving out paragraphs nested in it (text boxes)."""
    for child in element:
        if not isinstance(child.tag, str) or child.tag == _P:
            continue
        yield child
        yield from _own(child)


def _format_key(text_element: Any) -> str:
    run = text_element.getparent()
    properties = run.find(_RPR) if run is not None and run.tag == _R else None
    if properties is None:
        return ""
    return "".join(etree.tostring(child, encoding="unicode") for child in properties if child.tag not in _FORMAT_NOISE)


def _paragraphs(root: Any) -> list[_Para]:
    tables = {table: n for n, table in enumerate(root.iter(_TBL), start=1)}
    order = {element: n for n, element in enumerate(root.iter())}
    rows: dict[Any, list[Any]] = {}
    cells: dict[Any, list[Any]] = {}
    result = []
    heading = ""
    for number, paragraph in enumerate(root.iter(_P), start=1):
        segments: list[tuple[int, int, Any]] = []
        proofs: list[int] = []
        texts: list[str] = []
        shown: list[str] = []
        offset = 0
        for element in _own(paragraph):
            if element.tag == _T:
                piece = element.text or ""
                segments.append((offset, offset + len(piece), element))
                texts.append(piece)
                shown.append(piece)
                offset += len(piece)
            elif element.tag == _PROOF:
                proofs.append(offset)
            elif element.tag in _BREAKS:
                shown.append(" ")
        text = "".join(texts)
        tags = []
        for start, end, closed in _scan(text):
            spanned = [el for s, e, el in segments if s < end and e > start]
            tags.append(_Tag(text[start:end], start, closed, len(spanned), any(start < o < end for o in proofs),
                             len({_format_key(el) for el in spanned})))
        table, row, cell = "", None, None
        cell = next(paragraph.iterancestors(_TC), None)
        if cell is not None:
            row = next(cell.iterancestors(_TR))
            grid = next(row.iterancestors(_TBL))
            if grid not in rows:
                rows[grid] = [r for r in grid.iter(_TR) if next(r.iterancestors(_TBL)) is grid]
            if row not in cells:
                cells[row] = [c for c in row.iter(_TC) if next(c.iterancestors(_TR)) is row]
            table = f" (tabell {tables[grid]}, rad {rows[grid].index(row) + 1}, cell {cells[row].index(cell) + 1})"
        openers = [(next((order[el] for s, e, el in segments if s <= m.start() < e), 0), m.start()) for m in _OPENER.finditer(text)]
        fallback = next(paragraph.iterancestors(_FALLBACK), None) is not None
        result.append(_Para(number, paragraph, text, "".join(shown), table, row, cell, tags, openers, heading, fallback))
        if _is_heading(paragraph) and "".join(shown).strip() and not fallback:
            heading = " ".join("".join(shown).split())
    return result


def _is_heading(paragraph: Any) -> bool:
    properties = paragraph.find(_PPR)
    style = properties.find(_PSTYLE) if properties is not None else None
    return style is not None and bool(_HEADING.search(style.get(f"{_W}val", "")))


def _scan(text: str) -> list[tuple[int, int, bool]]:
    """Tags in a paragraph's text as (start, end, closed); an unclosed tag runs to the end of the paragraph."""
    found = []
    position = 0
    while match := _OPENER.search(text, position):
        close = text.find(_CLOSER[match.group()], match.end())
        if close < 0:
            found.append((match.start(), len(text), False))
            break
        found.append((match.start(), close + 2, True))
        position = close + 2
    return found


def _straight(text: str, quotes: dict[str, str] = _CURLY) -> str:
    return "".join(quotes.get(ch, ch) for ch in text)


def _without_prefix(tag: str) -> str:
    return _PREFIX.sub(r"\1 ", tag)


# --------------------------------------------------------------------------------------------------
# Checking one template
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    paragraph: int  # 0: before the first paragraph, or not in a paragraph
    tag: str | None  # the tag as written in Word, when the line holds one


class _Part:
    """One templated part of a .docx (body, a header, a footer, footnotes or a document property) being checked."""

    def __init__(self, file: str, name: str, label: str, paragraphs: list[_Para], fixed_text: str = "") -> None:
        self.file = file
        self.name = name
        self.label = label
        self.paragraphs = {p.number: p for p in paragraphs}
        self.fixed_text = fixed_text
        self.found: list[tuple[int, int, Problem]] = []
        self.uses: list[tuple[str, Use]] = []
        self.party_uses: set[str] = set()  # fields used inside a loop over parter
        self.silenced: set[int] = set()

    def place(self, paragraph: int) -> str:
        para = self.paragraphs.get(paragraph)
        if para is None:
            return f"{self.label}, vid texten \"{_short(self.fixed_text)}\"" if self.fixed_text else self.label
        under = f", under rubriken \"{_short(para.heading, 60)}\"" if para.heading else ""
        return f"{self.label}, stycke {para.number}{para.table}{under}, vid texten \"{_short(para.shown)}\""

    def report(self, paragraph: int, message: str, severity: str = "fel", *, raw: bool = False) -> None:
        if not raw and paragraph in self.silenced:
            return
        para = self.paragraphs.get(paragraph)
        if para is not None and para.fallback:
            return
        problem = Problem(self.file, self.place(paragraph), message, "varning" if severity == "varning" else "fel")
        if all(p != problem for _, _, p in self.found):
            self.found.append((paragraph, len(self.found), problem))

    def problems(self) -> list[Problem]:
        return [p for _, _, p in sorted(self.found, key=lambda item: (item[0], item[1]))]


def _raw_check(part: _Part, template: DocxTemplate) -> bool:
    """Report what Word did to the tags before docxtpl's repairs; True when a tag is broken beyond repair."""
    broken = False
    for para in part.paragraphs.values():
        damaged = any(t.closed and (t.pieces > 1 or t.proof or set(t.text) & _CURLY.keys()) for t in para.tags)
        repaired = _repaired(template, para) if damaged else set()
        for index, tag in enumerate(para.tags):
            shown = _short(tag.text, 60)
            if not tag.closed:
                ending = _CLOSER[tag.text[:2]]
                part.report(para.number, f"taggen \"{shown}\" avslutas inte i samma stycke; den ska sluta med \"{ending}\"", raw=True)
                broken = True
                continue
            comment = tag.text.startswith("{#")
            reasons = []
            if tag.pieces > 1:
                reasons.append(f"är uppdelad i {tag.pieces} delar" + (" med olika formatering" if tag.formats > 1 else ""))
            if tag.proof:
                reasons.append("innehåller en markering från stavningskontrollen")
            curly = sorted(set(tag.text) & _CURLY.keys())
            if curly and not comment:
                reasons.append(f"har typografiska citattecken ({' '.join(curly)})")
            if reasons and index in repaired:
                note = " (hela taggen får formateringen från sin första del)" if tag.formats > 1 else ""
                part.report(para.number, f"taggen \"{shown}\" {join_names(reasons)}; lagas automatiskt{note}", "varning", raw=True)
            elif reasons:
                part.report(para.number, f"taggen \"{shown}\" {join_names(reasons)} och kan inte lagas automatiskt; "
                                         "ta bort taggen och skriv den igen i ett svep", raw=True)
                broken = True
            other = sorted(set(tag.text) & _OTHER_QUOTES.keys())
            if other and not comment:
                part.report(para.number, f"taggen \"{shown}\" har citattecknet {' '.join(other)}, som inte lagas automatiskt; "
                                         "skriv raka citattecken (\" eller ')", raw=True)
                broken = True
        _check_alone(part, para)
        for tag in para.tags:
            misuse = re.match(r"\{\{(r|p|tr|tc) ", tag.text)
            if misuse:
                plain = "{{ " + tag.text[len(misuse.group()):].strip()
                part.report(para.number, f"taggen \"{_short(tag.text, 60)}\" är till för formaterad text och underdokument, som avtalsdata "
                                         f"inte har: värdet skulle hamna utanför texten och inte synas i avtalet; skriv \"{_short(plain, 60)}\"",
                            raw=True)
                broken = True
    part.silenced = {number for number, _, p in part.found if p.severity == "fel"} if broken else set()
    return broken


_CROSSING = {"w:tc": "i olika celler i samma tabellrad", "w:tr": "i olika tabellrader", "w:tbl": "i olika tabeller"}
_MERGED = {"w:tc": "slås cellerna ihop och raden tappar celler", "w:tr": "slås raderna ihop och tabellen blir trasig",
           "w:tbl": "försvinner allt mellan taggarna, också texten mellan tabellerna"}
_SAME = {"w:tc": "i samma cell, eller använd {%tc … %} eller {%tr … %} för hela celler och rader",
         "w:tr": "i samma cell, eller använd {%tr … %} i egna rader för hela rader",
         "w:tbl": "i samma tabell, eller använd {%p … %} i egna stycken före och efter tabellerna"}
_KINDS = {"p": "ett eget stycke", "tr": "en egen tabellrad", "tc": "en egen tabellcell", "r": "en egen textdel (körning)", "": "texten"}


def _check_blocks(source: str, lines: list[_Line], part: _Part) -> None:
    """Blocks whose tags stand at different levels (stycke, rad, cell): rendering would cut the document short."""
    for mismatch in scan(source).mismatches:
        first = _line(lines, source.count("\n", 0, mismatch.start) + 1)
        last = _line(lines, source.count("\n", 0, mismatch.end) + 1)
        start_tag, end_tag = first.tag or f"{{% {mismatch.name} %}}", last.tag or f"{{% end{mismatch.name} %}}"
        start_kind, end_kind = _tag_kind(start_tag), _tag_kind(end_tag)
        end_name = re.sub(r"^\{%[-+]?(?:tr|tc|p|r)?\s*|\s*[-+]?%\}$", "", end_tag)
        if start_kind != end_kind:
            prefix = f"{{%{start_kind} " if start_kind else "{% "
            where = "i " + _KINDS[start_kind] if start_kind else "i samma stycke"
            message = (f"\"{_short(start_tag, 60)}\" avslutas med \"{_short(end_tag, 40)}\", som är en annan sorts tagg; "
                       f"skriv \"{prefix}{end_name} %}}\" {where}. Annars blir avtalet avkortat när avtal görs")
        elif mismatch.crossing:
            message = (f"\"{_short(start_tag, 60)}\" och \"{_short(end_tag, 40)}\" står {_CROSSING[mismatch.crossing]}; när "
                       f"villkoret inte är uppfyllt eller listan är tom {_MERGED[mismatch.crossing]}. Låt båda taggarna stå "
                       f"{_SAME[mismatch.crossing]}")
        elif start_kind == "":
            message = (f"\"{_short(start_tag, 60)}\" och \"{_short(end_tag, 40)}\" står i olika stycken; en tagg utan p, tr eller tc "
                       "måste sluta i samma stycke. Skriv \"{%p … %}\"-taggar i egna stycken för villkor över flera stycken")
        else:
            message = (f"\"{_short(start_tag, 60)}\" och \"{_short(end_tag, 40)}\" står på olika nivåer i dokumentet (till exempel den "
                       "ena i en tabell och den andra utanför); låt båda stå på samma nivå. Annars blir avtalet avkortat")
        part.report(first.paragraph, message)


def _tag_kind(tag: str) -> str:
    match = re.match(r"\{%[-+]?(tr|tc|p|r) ", tag)
    return match.group(1) if match else ""


def _repaired(template: DocxTemplate, para: _Para) -> set[int]:
    """Indexes of the paragraph's tags that come out whole from docxtpl's patch_xml."""
    patched = template.patch_xml(etree.tostring(para.element, encoding="unicode"))
    whole = {_without_prefix(html.unescape(m.group())) for m in _TAG.finditer(patched)}
    return {i for i, tag in enumerate(para.tags) if tag.closed and _without_prefix(_straight(tag.text)) in whole}


def _check_alone(part: _Part, para: _Para) -> None:
    """``{%p``, ``{%tr`` and ``{%tc`` tags replace their whole paragraph, row or cell: nothing else may stand there."""
    for tag in para.tags:
        match = re.match(r"\{[{%#](p|tr|tc) ", tag.text)
        if not match:
            continue
        kind = match.group(1)
        if kind == "p":
            scope, where, alone = [para], "stycket", "i ett eget stycke"
        elif para.row is not None and kind == "tr":
            scope, where, alone = [p for p in part.paragraphs.values() if p.row is para.row], "tabellraden", "i en egen tabellrad"
        elif para.cell is not None and kind == "tc":
            scope, where, alone = [p for p in part.paragraphs.values() if p.cell is para.cell], "tabellcellen", "i en egen cell"
        else:
            continue
        rest = " ".join(p.text for p in scope).replace(tag.text, "", 1).strip()
        if rest:
            part.report(para.number, f"i {where} med \"{_short(tag.text, 60)}\" tas all annan text bort (\"{_short(rest, 40)}\"); "
                                     f"låt taggen stå ensam {alone}", raw=True)


def _docxtpl_source(template: DocxTemplate, xml: str, paragraphs: list[_Para]) -> tuple[str, list[_Line]]:
    """The Jinja source docxtpl renders (patch_xml), one tag or paragraph a line, and where each line comes from."""
    numbers = itertools.count(1)
    xml = re.sub(r"\r\n|\r|\n", " ", xml)  # only the newlines put in below may count as Jinja lines
    numbered = re.sub(r"<w:p([ >/])", lambda m: f"<w:p data-avtal-stycke=\"{next(numbers)}\"{m.group(1)}", xml)
    source = re.sub(r"(<w:p[ >/]|\{[{%#])", r"\n\1", template.patch_xml(numbered))
    openers = sorted(((key, offset, para) for para in paragraphs for key, offset in para.openers), key=lambda item: item[:2])
    written = [(para.number, _tag_at(para, offset)) for _, offset, para in openers]
    texts = source.split("\n")
    aligned = sum(1 for t in texts[1:] if not t.startswith("<w:p")) == len(written)
    lines = [_Line(0, None)]
    current, count = 0, 0
    for text in texts[1:]:
        if text.startswith("<w:p"):
            match = re.match(r"<w:p data-avtal-stycke=\"(\d+)\"", text)
            current = int(match.group(1)) if match else current
            lines.append(_Line(current, None))
            continue
        if aligned:
            current, tag = written[count]
        else:
            match = _TAG.match(text)
            tag = match.group() if match else text[:60]
        count += 1
        lines.append(_Line(current, tag))
    return source, lines


def _tag_at(para: _Para, offset: int) -> str:
    for tag in para.tags:
        if tag.start == offset:
            return tag.text
    return para.text[offset: offset + 60]


def _model_source(paragraphs: list[_Para]) -> tuple[str, list[_Line]]:
    """A Jinja source of the tags as the author meant them, one a line; used when docxtpl could not repair them."""
    texts, lines = [""], [_Line(0, None)]
    for para in paragraphs:
        for tag in para.tags:
            text = re.sub(r"\r\n|\r|\n", " ", _straight(_straight(tag.text), _OTHER_QUOTES))
            if not tag.closed:
                opener = text[:2]
                text = f"{opener}{text[2:].rstrip('}%# ')} {_CLOSER[opener]}"
            text = _without_prefix(text)
            text = re.sub(r"^\{%\s*(?:colspan|cellbg)\s+(.*?)\s*%\}$", r"{{ \1 }}", text)
            text = re.sub(r"^\{%\s*(?:vm|hm)\s*%\}$", "", text)
            texts.append(text)
            lines.append(_Line(para.number, tag.text))
    return "\n".join(texts), lines


def _line(lines: list[_Line], lineno: int | None) -> _Line:
    if lineno is None or lineno < 1:
        return lines[0]
    return lines[min(lineno, len(lines)) - 1]


def _parse(env: SandboxedEnvironment, source: str, lines: list[_Line], part: _Part) -> tuple[nodes.Template | None, str, set[int]]:
    """Parse the part, reporting every syntax error that can be found where it is.

    Returns the tree (None when the block structure is broken), the source with broken ``{{ }}`` tags taken
    out, and the lines that had errors.
    """
    failed: set[int] = set()
    for _ in range(100):
        try:
            return env.parse(source), source, failed
        except jinja2.TemplateSyntaxError as error:
            line = _line(lines, error.lineno)
            failed.add(error.lineno or 1)
            message = error.message or str(error)
            if message.startswith("Unexpected end of template"):
                unclosed = _unclosed(env, source)
                for lineno, name in unclosed:
                    opening = _line(lines, lineno)
                    part.report(opening.paragraph, unclosed_message(name, opening.tag))
                if not unclosed:
                    part.report(line.paragraph, syntax_message(message, line.tag))
                return None, source, failed
            part.report(line.paragraph, syntax_message(message, line.tag))
            texts = source.split("\n")
            index = (error.lineno or 1) - 1
            if index >= len(texts) or not texts[index].startswith("{{"):
                return None, source, failed
            end = texts[index].find("}}")
            texts[index] = texts[index][end + 2:] if end >= 0 else ""
            source = "\n".join(texts)
    return None, source, failed


_STATEMENT = re.compile(r"\{%-?\s*(?:(?:if|elif)\s+(?P<test>.*?)|for\s+(?P<targets>.+?)\s+in\s+(?P<iter>.*?)(?:\s+recursive)?"
                        r"|set\s+(?P<name>[\w\s,]+?)\s*=\s*(?P<value>.*?))\s*-?%\}$", re.DOTALL)


def _check_tags_one_by_one(env: SandboxedEnvironment, catalogue: dict[str, FieldInfo], source: str, lines: list[_Line],
                           failed: set[int], part: _Part, template: str) -> None:
    """When the block structure is broken, still check the expression of every tag on its own.

    Names bound by ``for``, ``set``, ``with`` and macros anywhere in the part count as known, without their fields
    being checked.
    """
    expressions: list[tuple[int, str, bool]] = []  # (line, expression as a {{ }} tag, whether the tag prints it)
    bound: dict[str, str] = {"loop": LOOP}
    for lineno, text in enumerate(source.split("\n"), start=1):
        match = _TAG.match(text)
        if lineno in failed or not match:
            continue
        tag = match.group()
        if tag.startswith("{{"):
            expressions.append((lineno, tag, True))
            continue
        if re.match(r"\{%-?\s*(?:macro|call|with)\b", tag):
            bound.update((name, ANY) for name in re.findall(r"[A-Za-z_]\w*", tag[2:-2]))
            bound["caller"] = ANY
            continue
        statement = _STATEMENT.match(tag)
        if statement is None:
            continue
        for key in ("test", "iter", "value"):
            if statement.group(key):
                expressions.append((lineno, f"{{{{ {statement.group(key)} }}}}", False))
        for key in ("targets", "name"):
            for name in re.findall(r"\w+", statement.group(key) or ""):
                bound[name] = ANY
    for lineno, expression, printed in expressions:
        try:
            tree = env.parse(expression)
        except jinja2.TemplateSyntaxError:
            continue
        checker = _Checker(env, catalogue, [_line(lines, lineno)], part, template)
        checker.scopes = [dict(bound)]
        if printed:
            checker.visit(tree)
        else:
            for output in tree.body:
                for child in output.iter_child_nodes():
                    checker.expr(child)


def _unclosed(env: SandboxedEnvironment, source: str) -> list[tuple[int, str]]:
    """Block tags (if, for, …) never closed, as (line, tag name), outermost first."""
    try:
        tokens = [(t.lineno, t.type, t.value) for t in env.lexer.tokenize(source)]
    except jinja2.TemplateSyntaxError:
        return []
    stack: list[tuple[int, str]] = []
    for index, (lineno, kind, _) in enumerate(tokens[:-1]):
        if kind != "block_begin" or tokens[index + 1][1] != "name":
            continue
        name = tokens[index + 1][2]
        if name == "set":
            rest = tokens[index + 2:]
            end = next((i for i, t in enumerate(rest) if t[1] == "block_end"), len(rest))
            if any(t[1] == "assign" for t in rest[:end]):
                continue
        if name in _BLOCK_TAGS:
            stack.append((lineno, name))
        elif name.startswith("end") and stack and stack[-1][1] == name[3:]:
            stack.pop()
    return stack


class _Checker:
    """Walks a part's Jinja AST: every variable path, filter, test and forbidden access, reported where it stands."""

    def __init__(self, env: SandboxedEnvironment, catalogue: dict[str, FieldInfo], lines: list[_Line], part: _Part, template: str) -> None:
        self.env = env
        self.catalogue = catalogue
        self.top = set(top_names(catalogue))
        self.lines = lines
        self.part = part
        self.template = template
        self.scopes: list[dict[str, str]] = [{}]
        self.guards: list[str] = []  # paths tested by the enclosing if, and, conditional expression or loop filter
        self.quiet = 0  # inside a test or a default(): a missing value is handled there
        self.collecting: list[list[str]] = []
        self.party_loops = 0  # how many loops over parter enclose the current place
        self.guards.extend(_GUARDED_BY_DOCUMENT.get(template, ()))
        # The kinds whose agreements can reach the current place: a template no kind uses may get any of them.
        self.kinds: frozenset[str] = frozenset(template_kinds(template) or KINDS)
        self.guards.extend(_with_implied(required_in(self.kinds)))

    # -- reporting -------------------------------------------------------------------------------

    def report(self, node: nodes.Node, message: str) -> None:
        self.part.report(_line(self.lines, node.lineno).paragraph, message)

    def use(self, path: str, node: nodes.Node) -> None:
        paragraph = _line(self.lines, node.lineno).paragraph
        self.part.uses.append((path, Use(self.template, self.part.label, paragraph)))
        if self.party_loops:
            self.part.party_uses.add(path)
        for found in self.collecting:
            found.append(path)
        if not self.quiet:
            self.check_guarded(path, node)
        elif parent := re.sub(r"(?:\.[^.\[\]]+|\[\])$", "", path):
            # A test or default() may meet a missing field, but not a missing section it lies in:
            # ``{% if ekonomi.modell == "x" %}`` fails for an agreement without ekonomi.
            self.check_guarded(parent, node, missing_only=True)

    def check_guarded(self, path: str, node: nodes.Node, missing_only: bool = False) -> None:
        """Warn when ``path`` or a field it lies in may be missing (or, unless ``missing_only``, none) and no enclosing test covers it."""
        steps = re.findall(r"[^.\[\]]+(?:\[\])?", path)
        prefix = ""
        for step in steps:
            prefix = f"{prefix}.{step}" if prefix else step
            for candidate in (prefix.removesuffix("[]"), prefix) if prefix.endswith("[]") else (prefix,):
                info = self.catalogue.get(candidate)
                if info is None or not (info.optional or (info.nullable and not missing_only)):
                    continue
                if any(g == candidate or g.startswith((f"{candidate}.", f"{candidate}[]")) for g in self.guards):
                    continue
                if info.optional:
                    message = (f"fältet \"{candidate}\" kan saknas i avtalet men används här utan villkor; skriv taggen inom "
                               f"{{% if … is defined %}} eller ge ett värde med default(\"…\")")
                else:
                    message = (f"fältet \"{candidate}\" är none i avtal som saknar det men används här utan villkor; skriv taggen inom "
                               f"{{% if {self.shown(node, candidate)} %}}")
                self.part.report(_line(self.lines, node.lineno).paragraph, message, "varning")
                return

    def shown(self, node: nodes.Node, path: str) -> str:
        """The path as the author would test it: the schema path for top-level fields, else "…"."""
        return path if "[]" not in path else "…"

    def tested(self, node: nodes.Node) -> list[str]:
        """Check a test expression (quietly) and return the paths it uses, which it guards."""
        found: list[str] = []
        self.collecting.append(found)
        self.quiet += 1
        self.expr(node)
        self.quiet -= 1
        self.collecting.pop()
        return found

    def guarded(self, paths: list[str], statements: list[nodes.Node]) -> None:
        paths = [*paths, *(implied for path in paths for implied in _GUARDED_BY_TEST.get(path, ()))]
        self.guards.extend(paths)
        for statement in statements:
            self.visit(statement)
        del self.guards[len(self.guards) - len(paths):]

    @contextmanager
    def narrowed(self, kinds: frozenset[str]) -> Iterator[None]:
        """Within a block only ``kinds`` reach (``{%p if avtal.typ == "interimsavtal" %}``), what they all require is there."""
        before, self.kinds = self.kinds, kinds
        paths = _with_implied(required_in(kinds)) if kinds != before else []
        self.guards.extend(paths)
        try:
            yield
        finally:
            del self.guards[len(self.guards) - len(paths):]
            self.kinds = before

    def split(self, test: nodes.Node) -> tuple[frozenset[str], frozenset[str]]:
        """The kinds for which a test on ``avtal.typ`` can be true, and those for which it can be false."""
        current = self.kinds
        if isinstance(test, nodes.Not):
            true, false = self.split(test.node)
            return false, true
        if isinstance(test, nodes.And):
            left, right = self.split(test.left), self.split(test.right)
            return left[0] & right[0], left[1] | right[1]
        if isinstance(test, nodes.Or):
            left, right = self.split(test.left), self.split(test.right)
            return left[0] | right[0], left[1] & right[1]
        if isinstance(test, nodes.Compare) and len(test.ops) == 1 and self.is_kind(test.expr):
            op = test.ops[0]
            other = op.expr
            if op.op in ("eq", "ne") and isinstance(other, nodes.Const):
                named = frozenset([other.value])
            elif op.op in ("in", "notin") and isinstance(other, (nodes.List, nodes.Tuple)) and \
                    all(isinstance(item, nodes.Const) for item in other.items):
                named = frozenset(item.value for item in other.items if isinstance(item, nodes.Const))
            else:
                return current, current
            if op.op in ("eq", "in"):
                return current & named, current - named
            return current - named, current & named
        return current, current

    def is_kind(self, node: nodes.Node) -> bool:
        """Whether ``node`` is ``avtal.typ`` (or ``avtal["typ"]``), the agreement kind."""
        attr = node.attr if isinstance(node, nodes.Getattr) else node.arg.value if isinstance(node, nodes.Getitem) and \
            isinstance(node.arg, nodes.Const) else None
        base = getattr(node, "node", None)
        return attr == "typ" and isinstance(base, nodes.Name) and base.name == "avtal" and self.lookup("avtal") is None

    def compare(self, node: nodes.Compare) -> None:
        """A field compared with a text that the schema does not allow for it (``roll == "personuppgiftsbiträde"``)."""
        operands = [node.expr, *[op.expr for op in node.ops]]
        kinds = [self.expr(operand) for operand in operands]
        for index, op in enumerate(node.ops):
            pairs = [(kinds[index], operands[index + 1], op.op), (kinds[index + 1], operands[index], op.op)]
            for kind, other, operator in pairs:
                info = self.catalogue.get(kind)
                mismatch = _type_mismatch(kind, info, other.value) if info is not None and operator in ("eq", "ne") and \
                    isinstance(other, nodes.Const) else None
                if mismatch:
                    self.report(node, mismatch)
                    continue
                if info is None or not info.enum:
                    continue
                if operator in ("eq", "ne") and isinstance(other, nodes.Const):
                    values = [other.value]
                elif operator in ("in", "notin") and kind == kinds[index] and isinstance(other, (nodes.List, nodes.Tuple)):
                    values = [item.value for item in other.items if isinstance(item, nodes.Const)]
                else:
                    continue
                for value in values:
                    if isinstance(value, str) and value not in info.enum:
                        allowed = ", ".join(f"\"{v}\"" for v in info.enum)
                        self.report(node, f"\"{kind}\" jämförs med \"{value}\", som fältet aldrig kan ha{did_you_mean(value, info.enum)}; "
                                          f"tillåtna värden: {allowed}")

    def forbidden(self, node: nodes.Node, name: str, what: str = "Pythons") -> None:
        self.report(node, f"otillåten åtkomst: \"{name}\" ger åtkomst till {what} inre delar och får inte användas i en mall")

    # -- scopes ----------------------------------------------------------------------------------

    def lookup(self, name: str) -> str | None:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        return None

    def bind(self, target: nodes.Node, kind: str) -> None:
        if isinstance(target, nodes.Name):
            self.scopes[-1][target.name] = kind
        elif isinstance(target, (nodes.Tuple, nodes.List)):
            for item in target.items:
                self.bind(item, BAD if kind == BAD else ANY)
        elif isinstance(target, nodes.NSRef):
            self.expr(nodes.Name(target.name, "load", lineno=target.lineno))
        else:
            self.expr(target)

    def body(self, statements: list[nodes.Node], bindings: dict[str, str] | None = None) -> None:
        self.scopes.append(dict(bindings or {}))
        for statement in statements:
            self.visit(statement)
        self.scopes.pop()

    # -- statements ------------------------------------------------------------------------------

    def visit(self, node: nodes.Node) -> None:
        if isinstance(node, nodes.Expr):
            self.expr(node)
        elif isinstance(node, nodes.Output):
            for child in node.nodes:
                if not isinstance(child, nodes.TemplateData):
                    kind = self.expr(child)
                    self.check_printed(kind, child)
                    for leaf in _printed_as_is(child):
                        self.check_printed(self.chain(leaf), leaf)
        elif isinstance(node, nodes.For):
            self.visit_for(node)
        elif isinstance(node, nodes.If):
            tested = self.tested(node.test)
            true, false = self.split(node.test)
            with self.narrowed(true):
                self.guarded(tested, node.body)
            with self.narrowed(false):
                for branch in node.elif_:
                    self.guarded(tested, [branch]) if _negated(node.test) else self.visit(branch)
                implied = [i for path in tested for i in _GUARDED_BY_TEST.get(path, ())]
                self.guarded(tested + implied if _negated(node.test) else implied, node.else_)
        elif isinstance(node, nodes.Assign):
            self.bind(node.target, self.expr(node.node))
        elif isinstance(node, nodes.AssignBlock):
            if node.filter is not None:
                self.filter(node.filter)
            self.body(node.body)
            self.bind(node.target, ANY)
        elif isinstance(node, nodes.With):
            values = [self.expr(value) for value in node.values]
            self.scopes.append({})
            for target, kind in zip(node.targets, values, strict=False):
                self.bind(target, kind)
            for statement in node.body:
                self.visit(statement)
            self.scopes.pop()
        elif isinstance(node, nodes.Macro):
            self.scopes[-1][node.name] = ANY
            self.callable_body(node)
        elif isinstance(node, nodes.CallBlock):
            self.expr(node.call)
            self.callable_body(node)
        elif isinstance(node, nodes.FilterBlock):
            self.filter(node.filter)
            for statement in node.body:
                self.visit(statement)
        elif isinstance(node, (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)):
            kind = type(node).__name__.lower().replace("fromimport", "from … import")
            self.report(node, f"taggen \"{{% {kind} %}}\" kan inte användas: en mall kan inte hämta andra mallar")
        elif isinstance(node, (nodes.ScopedEvalContextModifier, nodes.EvalContextModifier)):
            for option in node.options:
                if option.key == "autoescape" and not (isinstance(option.value, nodes.Const) and option.value.value is True):
                    self.report(node, "otillåten åtkomst: \"{% autoescape false %}\" stänger av skyddet för tecken som < och & "
                                      "och får inte användas i en mall")
            for statement in getattr(node, "body", []):
                self.visit(statement)
        else:
            for inner in node.iter_child_nodes():
                self.visit(inner)

    def visit_for(self, node: nodes.For) -> None:
        kind = self.expr(node.iter)
        if kind == BAD:
            item = BAD
        elif kind not in (ANY, LOOP) and f"{kind}[]" in self.catalogue:
            item = f"{kind}[]"
        else:
            item = ANY
        self.scopes.append({"loop": LOOP})
        self.bind(node.target, item)
        if node.test is not None:
            self.expr(node.test)
        self.party_loops += item == "parter[]"
        for statement in node.body:
            self.visit(statement)
        self.party_loops -= item == "parter[]"
        self.scopes.pop()
        for statement in node.else_:
            self.visit(statement)

    def callable_body(self, node: nodes.Macro | nodes.CallBlock) -> None:
        for default in node.defaults:
            self.expr(default)
        bindings = {arg.name: ANY for arg in node.args}
        bindings.update({"caller": ANY, "varargs": ANY, "kwargs": ANY})
        self.body(node.body, bindings)

    # -- expressions -----------------------------------------------------------------------------

    def expr(self, node: nodes.Node) -> str:
        if isinstance(node, (nodes.Name, nodes.Getattr, nodes.Getitem)):
            kind = self.chain(node)
            if kind not in (ANY, BAD, LOOP):
                self.use(kind, node)
            return kind
        if isinstance(node, nodes.Filter):
            return self.filter(node)
        if isinstance(node, nodes.Compare):
            self.compare(node)
            return ANY
        if isinstance(node, nodes.And):
            tested = self.tested(node.left)
            self.guards.extend(tested)
            with self.narrowed(self.split(node.left)[0]):
                self.expr(node.right)
            del self.guards[len(self.guards) - len(tested):]
            return ANY
        if isinstance(node, nodes.Or):
            self.expr(node.left)
            with self.narrowed(self.split(node.left)[1]):
                self.expr(node.right)
            return ANY
        if isinstance(node, nodes.Test):
            self.quiet += 1
            self.expr(node.node)
            self.quiet -= 1
            self.arguments(node)
            if node.name not in self.env.tests:
                self.report(node, f"okänt test \"{node.name}\"{did_you_mean(node.name, self.env.tests)}")
            return ANY
        if isinstance(node, nodes.Call):
            callee = self.expr(node.node)
            self.arguments(node)
            return BAD if callee == BAD else ANY
        if isinstance(node, nodes.CondExpr):
            tested = self.tested(node.test)
            true, false = self.split(node.test)
            self.guards.extend(tested)
            with self.narrowed(true):
                first = self.expr(node.expr1)
            del self.guards[len(self.guards) - len(tested):]
            with self.narrowed(false):
                second = self.expr(node.expr2) if node.expr2 is not None else first
            return first if first == second else ANY
        for child in node.iter_child_nodes():
            self.expr(child)
        return ANY

    def arguments(self, node: nodes.Call | nodes.Filter | nodes.Test) -> None:
        for arg in node.args:
            self.expr(arg)
        for keyword in node.kwargs:
            self.expr(keyword.value)
        for extra in (node.dyn_args, node.dyn_kwargs):
            if extra is not None:
                self.expr(extra)

    def chain(self, node: nodes.Node) -> str:
        """The schema path (or ANY/BAD/LOOP) of a Name followed by attribute and item lookups."""
        if isinstance(node, nodes.Name):
            return self.name(node)
        if isinstance(node, nodes.Getattr):
            return self.attribute(self.base(node.node), node.attr, node)
        if isinstance(node, nodes.Getitem):
            base = self.base(node.node)
            arg = node.arg
            if isinstance(arg, nodes.Const) and isinstance(arg.value, str):
                return self.attribute(base, arg.value, node)
            if isinstance(arg, nodes.Slice):
                self.expr(arg)
                return base
            self.expr(arg)
            if base in (BAD, ANY, LOOP):
                return base if base != LOOP else ANY
            return f"{base}[]" if f"{base}[]" in self.catalogue else ANY
        return self.expr(node)

    def base(self, node: nodes.Node) -> str:
        return self.chain(node) if isinstance(node, (nodes.Name, nodes.Getattr, nodes.Getitem)) else self.expr(node)

    def name(self, node: nodes.Name) -> str:
        bound = self.lookup(node.name)
        if bound is not None:
            return bound
        if node.name in _FORBIDDEN_NAMES:
            self.forbidden(node, node.name, "mallmotorns")
            return BAD
        if node.name in self.top:
            return node.name
        if node.name == "loop":
            self.report(node, "okänd variabel \"loop\"; den finns bara inuti {% for %}")
            return BAD
        known = sorted(self.top | {n for scope in self.scopes for n in scope})
        self.report(node, f"okänd variabel \"{node.name}\"{did_you_mean(node.name, known)}")
        return BAD

    def attribute(self, base: str, attr: str, node: nodes.Node) -> str:
        if attr.startswith("_") or attr in _FORBIDDEN_ATTRIBUTES:
            if base != BAD:
                self.forbidden(node, attr)
            return BAD
        if base in (BAD, ANY):
            return base
        if base == LOOP:
            if attr in _LOOP_FIELDS:
                return ANY
            self.report(node, f"okänt fält \"loop.{attr}\"; loop har {', '.join(sorted(_LOOP_FIELDS))}")
            return BAD
        path = f"{base}.{attr}"
        if path in self.catalogue:
            return path
        info = self.catalogue.get(base)
        if info is not None and any(attr in _METHODS.get(t, ()) for t in info.types):
            return ANY
        self.report(node, f"okänt fält \"{path}\"{self.hint(base, attr) or _NEW_FIELD}")
        return BAD

    def hint(self, base: str, attr: str) -> str:
        if f"{base}[].{attr}" in self.catalogue:
            return f"; \"{base}\" är en lista: gå igenom den med {{% for %}} eller välj ett element med [0]"
        prefix = f"{base}."
        siblings = [p[len(prefix):] for p in self.catalogue if p.startswith(prefix) and re.fullmatch(r"\w+", p[len(prefix):])]
        return did_you_mean(attr, siblings, prefix)

    def check_filter_input(self, node: nodes.Filter, base: str) -> None:
        """A date filter on a field that is no date, a number filter on one that is no number: it fails for every agreement."""
        info = self.catalogue.get(base)
        if info is None:
            return
        types = set(info.types) - {"null"}
        if node.name in _DATE_FILTERS and not info.date:
            self.report(node, f"filtret \"{node.name}\" gör om datum, men \"{base}\" är {info.type_label()}; ta bort filtret eller använd ett datumfält")
        elif node.name in _NUMBER_FILTERS and types and not types & {"number", "integer"}:
            self.report(node, f"filtret \"{node.name}\" gör om tal, men \"{base}\" är {info.type_label()}; ta bort filtret eller använd ett talfält")

    def check_printed(self, kind: str, node: nodes.Node) -> None:
        """A date (warning) or an amount (error) printed as it is stored (``2020-09-01``, ``615312.5``) instead of with a filter."""
        info = self.catalogue.get(kind)
        if info is None:
            return
        if info.date:
            self.part.report(_line(self.lines, node.lineno).paragraph, f"datumet \"{kind}\" skrivs ut som det lagras (2020-09-01); "
                             "använd filtret datum (1 september 2020) eller isodatum", "varning")
        elif info.amount:
            self.part.report(_line(self.lines, node.lineno).paragraph, f"talet \"{kind}\" skrivs ut utan filter, med punkt och utan "
                             "mellanrum mellan tusental (615312.5); använd kronor, kr, belopp, pris eller procent")

    def filter(self, node: nodes.Filter) -> str:
        if node.name in ("default", "d") and node.node is not None:
            self.quiet += 1
            base = self.expr(node.node)
            self.quiet -= 1
            self.arguments(node)
            return base if base not in (ANY, BAD, LOOP) else (ANY if base == LOOP else base)
        base = self.expr(node.node) if node.node is not None else ANY
        self.arguments(node)
        if node.name not in self.env.filters:
            self.report(node, f"okänt filter \"{node.name}\"{did_you_mean(node.name, self.env.filters)}")
            return BAD
        self.check_filter_input(node, base)
        if node.name == "safe":
            self.report(node, "filtret \"safe\" stänger av skyddet för tecken som < och & och kan göra dokumentet trasigt; ta bort det")
        for attribute, item_base in self.attribute_arguments(node, base):
            kind = item_base
            for step in attribute.split("."):
                kind = self.attribute(kind, step, node)
            if kind not in (ANY, BAD, LOOP):
                self.use(kind, node)
        if base in (ANY, BAD, LOOP):
            return base if base != LOOP else ANY
        if node.name in _SAME_LIST_FILTERS:
            return base
        if node.name in _ITEM_FILTERS:
            return f"{base}[]" if f"{base}[]" in self.catalogue else ANY
        return ANY

    def attribute_arguments(self, node: nodes.Filter, base: str) -> list[tuple[str, str]]:
        """Attribute names given as strings (``selectattr('roll')``, ``map(attribute='namn')``, ``attr('x')``)."""
        if base in (ANY, LOOP):
            item = ANY
        elif base == BAD:
            item = BAD
        else:
            item = f"{base}[]" if f"{base}[]" in self.catalogue else ANY
        found: list[tuple[str, str]] = []
        if node.name in _ATTRIBUTE_ARG_FILTERS | {"attr"} and node.args:
            first = node.args[0]
            if isinstance(first, nodes.Const) and isinstance(first.value, str):
                found.append((first.value, base if node.name == "attr" else item))
        for keyword in node.kwargs:
            if keyword.key == "attribute" and isinstance(keyword.value, nodes.Const) and isinstance(keyword.value.value, str):
                found.append((keyword.value.value, item))
        return found


def _printed_as_is(node: nodes.Node) -> list[nodes.Node]:
    """The fields an output prints unchanged through ``… if … else …``, ``default()`` or arithmetic, when it is not one itself."""
    if isinstance(node, nodes.CondExpr):
        branches = [node.expr1, *([node.expr2] if node.expr2 is not None else [])]
    elif isinstance(node, nodes.Filter) and node.name in ("default", "d") and node.node is not None:
        branches = [node.node, *node.args[:1]]
    elif isinstance(node, nodes.BinExpr):
        branches = [node.left, node.right]
    elif isinstance(node, nodes.UnaryExpr):
        branches = [node.node]
    else:
        return []
    found: list[nodes.Node] = []
    for branch in branches:
        found.extend([branch] if isinstance(branch, (nodes.Name, nodes.Getattr, nodes.Getitem)) else _printed_as_is(branch))
    return found


def _type_mismatch(path: str, info: FieldInfo, value: Any) -> str | None:
    """Why comparing the field with ``value`` is never true (``elektronisk == "true"``, ``manader == "12"``), or None."""
    types = set(info.types) - {"null"}
    if isinstance(value, str) and types and "string" not in types:
        if types == {"boolean"}:
            return (f"\"{path}\" är ja eller nej (true/false) men jämförs med texten \"{value}\", så jämförelsen är aldrig sann och "
                    f"texten i villkoret kommer aldrig med; skriv \"{{% if {path} %}}\" eller \"{{% if not {path} %}}\"")
        if types <= {"integer", "number"}:
            return (f"\"{path}\" är ett tal men jämförs med texten \"{value}\", så jämförelsen är aldrig sann och texten i villkoret "
                    f"kommer aldrig med; skriv talet utan citattecken: {path} == {value}")
    if isinstance(value, (int, float)) and not isinstance(value, bool) and types == {"string"}:
        return (f"\"{path}\" är en text men jämförs med talet {value}, så jämförelsen är aldrig sann och texten i villkoret kommer "
                f"aldrig med; skriv värdet inom citattecken: {path} == \"{value}\"")
    return None


def _with_implied(paths: Iterable[str]) -> list[str]:
    """The paths and the computed values that are there whenever they are (``avtalstid.slut`` → ``berakning.avtalstid.slut``)."""
    found = list(paths)
    return [*found, *(implied for path in found for implied in _GUARDED_BY_TEST.get(path, ()))]


def _negated(test: nodes.Node) -> bool:
    """Whether an if-test is ``not …`` or ``… is not defined``/``is undefined``: then its else-branch is the guarded one."""
    if isinstance(test, nodes.Not):
        return True
    return isinstance(test, nodes.Test) and test.name in ("undefined", "none")


def _check_source(env: SandboxedEnvironment, catalogue: dict[str, FieldInfo], source: str, lines: list[_Line], part: _Part,
                  template: str) -> None:
    tree, source, failed = _parse(env, source, lines, part)
    if tree is None:
        before = len(part.found)
        _check_tags_one_by_one(env, catalogue, source, lines, failed, part, template)
        # Without the block structure no tag is known to be guarded: warnings about guards would be false alarms.
        part.found[before:] = [found for found in part.found[before:] if found[2].severity == "fel"]
        return
    before = len(part.found)
    _Checker(env, catalogue, lines, part, template).visit(tree)
    if len(part.found) == before and not failed:
        try:
            env.compile(tree, raw=True)  # Jinja's own checks on the parsed tree; its Python code is not needed
        except jinja2.TemplateSyntaxError as error:
            line = _line(lines, error.lineno)
            part.report(line.paragraph, syntax_message(error.message or str(error), line.tag))


def _xml_parts(template: DocxTemplate) -> list[tuple[str, str]]:
    """(part name, XML text) of every part docxtpl renders, in the form docxtpl renders it."""
    parts = [("/word/document.xml", template.get_xml())]
    seen = set()
    for uri in (DocxTemplate.HEADER_URI, DocxTemplate.FOOTER_URI):
        found = sorted(((str(p.partname), p) for _, p in template.get_headers_footers(uri)), key=lambda item: item[0])
        for name, part in found:
            if name not in seen:
                seen.add(name)
                parts.append((name, template.get_part_xml(part)))
    for part in template.docx.part.package.parts:
        if part.content_type == _FOOTNOTES:
            blob = part.blob
            parts.append((str(part.partname), blob.decode("utf-8") if isinstance(blob, bytes) else blob))
    return parts


def _check_part(env: SandboxedEnvironment, catalogue: dict[str, FieldInfo], template: DocxTemplate, path: Path, name: str, xml: str,
                word: WordCheck, relationships: dict[str, str]) -> _Part:
    """One templated XML part (body, header, footer, footnotes) checked: revisions, Word's extras, tags, blocks and Jinja."""
    root = etree.fromstring(xml.encode("utf-8"))
    paragraphs = _paragraphs(root)
    part = _Part(str(path), name, part_label(name), paragraphs)
    numbers = {para.element: para.number for para in paragraphs}
    for element, message in revisions(root):
        part.report(numbers.get(element, 0), message, raw=True)
    for para in paragraphs:
        texts = [el for el in _own(para.element) if el.tag == _T]
        for message in word.paragraph(para.element, texts, [(t.start, t.text) for t in para.tags], para.text, para.shown, relationships):
            part.report(para.number, message, raw=True)
    if _raw_check(part, template):
        source, lines = _model_source(paragraphs)
    else:
        source, lines = _docxtpl_source(template, xml, paragraphs)
        _check_blocks(source, lines, part)
    _check_source(env, catalogue, source, lines, part, path.name)
    return part


def _package_parts(template: DocxTemplate, file: str) -> list[_Part]:
    """Comments (which would go into every agreement) and endnotes with tags (which are never filled in)."""
    parts = []
    for part in template.docx.part.package.parts:
        if part.content_type == _COMMENTS:
            count = len(etree.fromstring(part.blob).findall(f"{_W}comment"))
            if count:
                problem = f"mallen har {count} {'kommentar' if count == 1 else 'kommentarer'}, som skulle följa med i varje avtal; {REMOVE_COMMENTS}"
                comments = _Part(file, str(part.partname), "kommentarer", [], "")
                comments.report(0, problem)
                parts.append(comments)
        if part.content_type == _ENDNOTES:
            endnotes = _Part(file, str(part.partname), "slutnoter", _paragraphs(etree.fromstring(part.blob)))
            for para in endnotes.paragraphs.values():
                if para.tags:
                    endnotes.report(para.number, "taggar i slutnoter fylls inte i av generatorn; flytta taggen till brödtexten eller en fotnot")
            parts.append(endnotes)
    return parts


def _analyse(path: Path, env: SandboxedEnvironment) -> tuple[list[Problem], list[tuple[str, Use]]]:
    """Every problem in one template, and every field it uses with where."""
    file = str(path)
    unsafe = package_problems(path)
    if unsafe:
        return unsafe, []
    try:
        template = Docx(file)
        template.init_docx()
        xml_parts = _xml_parts(template)
    except Exception:
        return [Problem(file, "", "filen kan inte öppnas som ett Word-dokument (.docx)")], []
    catalogue = field_catalogue()
    members = package_members(file)
    word = WordCheck(Package.read(members), [path for path in catalogue if "[]" not in path])
    relationships = {str(p.partname): {rid: rel.target_ref for rid, rel in p.rels.items() if rel.is_external}
                     for p in template.docx.part.package.parts}
    parts: list[_Part] = []
    for found in property_problems(file, members):
        parts.append(_Part(file, found.place, found.place, [], ""))
        parts[-1].found.append((0, 0, found))
    for name, xml in xml_parts:
        parts.append(_check_part(env, catalogue, template, path, name, xml, word, relationships.get(name, {})))
    parts.extend(_package_parts(template, file))
    core = template.docx.core_properties
    for attribute, label in _PROPERTIES:
        value = getattr(core, attribute) or ""
        if _OPENER.search(value):
            part = _Part(file, attribute, f"dokumentegenskaper ({label})", [], value)
            parts.append(part)
            _check_source(env, catalogue, value, [_Line(0, None)] * (value.count("\n") + 1), part, path.name)
    problems = [problem for part in parts for problem in part.problems()]
    uses = [use for part in parts for use in part.uses]
    if not any(p.severity == "fel" for p in problems):
        used = {name for name, _ in uses}
        problems.extend(missing_parts(file, path.name, used, {name for part in parts for name in part.party_uses}))
    return problems, uses


def _template_files(paths: list[Path]) -> tuple[list[Path], list[Problem]]:
    """The .docx files named or in the folders named (Word's ``~$`` lock files left out), and what is wrong with the folders."""
    files: list[Path] = []
    empty: list[Problem] = []
    for path in paths:
        if path.is_dir():
            found = [p for p in sorted(path.glob("*.docx")) if not p.name.startswith("~$")]
            files.extend(found)
            if not found:
                empty.append(Problem(str(path), "", "mappen har inga Word-mallar (.docx)"))
            empty.extend(folder_problems(path, found))
            empty.extend(Problem(str(p), "", "ingen avtalstyp använder den här mallen, så inga avtal görs med den; ta bort den ur mappen "
                                             "eller be utvecklarna lägga till den för en avtalstyp", "varning")
                         for p in found if p.name not in TEMPLATE_FILES)
        else:
            files.append(path)
    return files, empty


# --------------------------------------------------------------------------------------------------
# The API
# --------------------------------------------------------------------------------------------------


def template_files(paths: list[Path]) -> list[Path]:
    """The .docx files named, or in the folders named."""
    return _template_files(paths)[0]


_SAFE_REPAIR = re.compile(r"; lagas automatiskt$")


def check_templates(paths: list[Path], details: bool = False) -> list[Problem]:
    """Every problem in the templates (files, or folders of .docx files): errors (``fel``) and warnings, each with its place.

    Repairs that are always safe (a tag split by Word without a change of format, a spell-check mark, curly
    quotes) are counted in one warning per template unless ``details`` asks for each with its place.
    """
    env = make_environment()
    files, problems = _template_files(paths)
    for path in files:
        found = _analyse(path, env)[0]
        safe = [p for p in found if p.severity == "varning" and _SAFE_REPAIR.search(p.message)]
        if safe and not details:
            found = [p for p in found if p not in safe]
            found.append(Problem(str(path), "", f"{plural(len(safe), 'tagg', 'taggar')} som Word har delat upp, markerat för stavning eller "
                                                f"gett typografiska citattecken lagas automatiskt; se var med "
                                                f"\"avtal mallar kontrollera --detaljer\"", "varning"))
        problems.extend(found)
    return problems


def ensure_templates_ok(paths: list[Path], thresholds: Path | None = None) -> list[Problem]:
    """Check the templates; raise TemplateError listing every problem when one is an error, else return the warnings.

    With ``thresholds`` the templates are also tried with a minimal agreement of each kind, as ``avtal mallar
    kontrollera`` does, so that ``generera`` never issues with a template that ``kontrollera`` refuses.
    """
    problems = check_templates(paths)
    if thresholds is not None and not any(p.severity == "fel" for p in problems):
        problems += trial_render(template_files(paths), None, thresholds)
    if any(p.severity == "fel" for p in problems):
        raise TemplateError(problems)
    return problems


def list_fields(template: Path | None = None, mallar: Path = DEFAULT_MALLAR) -> list[Field]:
    """Every field a template may use, data first and then ``berakning``, with where ``template`` (default: all in ``mallar``) uses it.

    Raises TemplateError when a template cannot be read or ``mallar`` holds none.
    """
    env = make_environment()
    uses: dict[str, list[Use]] = {}
    files, unreadable = _template_files([template] if template is not None else [mallar])
    for path in files:
        problems, found = _analyse(path, env)
        unreadable.extend(p for p in problems if not p.place)
        for name, use in found:
            if use not in uses.setdefault(name, []):
                uses[name].append(use)
    if unreadable:
        raise TemplateError(unreadable)
    return [Field(path, info.title, info.description, info.type_label(), info.optional, uses.get(path, []))
            for path, info in field_catalogue().items()]


__all__ = ["Field", "Use", "check_templates", "ensure_templates_ok", "list_fields", "template_files"]
