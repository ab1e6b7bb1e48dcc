"""What Word did to the tags, and the Jinja source of a part with the paragraph each line comes from."""

from __future__ import annotations

import html
import itertools
import re

from docxtpl import DocxTemplate
from lxml import etree

from ...agreement.filters import swedish_list as join_names
from ..blocks import scan
from ..paragraphs import CLOSER, CURLY, OTHER_QUOTES, TAG, Para, straight, without_prefix
from ..syntax import short
from .places import Line, Part, line_at


def raw_check(part: Part, template: DocxTemplate) -> bool:
    """Report what Word did to the tags before docxtpl's repairs; True when a tag is broken beyond repair."""
    broken = False
    for para in part.paragraphs.values():
        damaged = any(t.closed and (t.pieces > 1 or t.proof or set(t.text) & CURLY.keys()) for t in para.tags)
        repaired = repaired_tags(template, para) if damaged else set()
        for index, tag in enumerate(para.tags):
            shown = short(tag.text, 60)
            if not tag.closed:
                ending = CLOSER[tag.text[:2]]
                part.report(para.number, f"taggen \"{shown}\" avslutas inte i samma stycke; den ska sluta med \"{ending}\"", raw=True)
                broken = True
                continue
            comment = tag.text.startswith("{#")
            reasons = []
            if tag.pieces > 1:
                reasons.append(f"är uppdelad i {tag.pieces} delar" + (" med olika formatering" if tag.formats > 1 else ""))
            if tag.proof:
                reasons.append("innehåller en markering från stavningskontrollen")
            curly = sorted(set(tag.text) & CURLY.keys())
            if curly and not comment:
                reasons.append(f"har typografiska citattecken ({' '.join(curly)})")
            if reasons and index in repaired:
                note = " (hela taggen får formateringen från sin första del)" if tag.formats > 1 else ""
                part.report(para.number, f"taggen \"{shown}\" {join_names(reasons)}; lagas automatiskt{note}", "varning", raw=True)
            elif reasons:
                part.report(para.number, f"taggen \"{shown}\" {join_names(reasons)} och kan inte lagas automatiskt; "
                                         "ta bort taggen och skriv den igen i ett svep", raw=True)
                broken = True
            other = sorted(set(tag.text) & OTHER_QUOTES.keys())
            if other and not comment:
                part.report(para.number, f"taggen \"{shown}\" har citattecknet {' '.join(other)}, som inte lagas automatiskt; "
                                         "skriv raka citattecken (\" eller ')", raw=True)
                broken = True
        check_alone(part, para)
        for tag in para.tags:
            misuse = re.match(r"\{\{(r|p|tr|tc) ", tag.text)
            if misuse:
                plain = "{{ " + tag.text[len(misuse.group()):].strip()
                part.report(para.number, f"taggen \"{short(tag.text, 60)}\" är till för formaterad text och underdokument, som avtalsdata "
                                         f"inte har: värdet skulle hamna utanför texten och inte synas i avtalet; skriv \"{short(plain, 60)}\"",
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


def check_blocks(source: str, lines: list[Line], part: Part) -> None:
    """Blocks whose tags stand at different levels (stycke, rad, cell): rendering would cut the document short."""
    for mismatch in scan(source).mismatches:
        first = line_at(lines, source.count("\n", 0, mismatch.start) + 1)
        last = line_at(lines, source.count("\n", 0, mismatch.end) + 1)
        start_tag, end_tag = first.tag or f"{{% {mismatch.name} %}}", last.tag or f"{{% end{mismatch.name} %}}"
        start_kind, end_kind = _tag_kind(start_tag), _tag_kind(end_tag)
        end_name = re.sub(r"^\{%[-+]?(?:tr|tc|p|r)?\s*|\s*[-+]?%\}$", "", end_tag)
        if start_kind != end_kind:
            prefix = f"{{%{start_kind} " if start_kind else "{% "
            where = "i " + _KINDS[start_kind] if start_kind else "i samma stycke"
            message = (f"\"{short(start_tag, 60)}\" avslutas med \"{short(end_tag, 40)}\", som är en annan sorts tagg; "
                       f"skriv \"{prefix}{end_name} %}}\" {where}. Annars blir avtalet avkortat när avtal görs")
        elif mismatch.crossing:
            message = (f"\"{short(start_tag, 60)}\" och \"{short(end_tag, 40)}\" står {_CROSSING[mismatch.crossing]}; när "
                       f"villkoret inte är uppfyllt eller listan är tom {_MERGED[mismatch.crossing]}. Låt båda taggarna stå "
                       f"{_SAME[mismatch.crossing]}")
        elif start_kind == "":
            message = (f"\"{short(start_tag, 60)}\" och \"{short(end_tag, 40)}\" står i olika stycken; en tagg utan p, tr eller tc "
                       "måste sluta i samma stycke. Skriv \"{%p … %}\"-taggar i egna stycken för villkor över flera stycken")
        else:
            message = (f"\"{short(start_tag, 60)}\" och \"{short(end_tag, 40)}\" står på olika nivåer i dokumentet (till exempel den "
                       "ena i en tabell och den andra utanför); låt båda stå på samma nivå. Annars blir avtalet avkortat")
        part.report(first.paragraph, message)


def _tag_kind(tag: str) -> str:
    match = re.match(r"\{%[-+]?(tr|tc|p|r) ", tag)
    return match.group(1) if match else ""


def repaired_tags(template: DocxTemplate, para: Para) -> set[int]:
    """Indexes of the paragraph's tags that come out whole from docxtpl's patch_xml."""
    patched = template.patch_xml(etree.tostring(para.element, encoding="unicode"))
    whole = {without_prefix(html.unescape(m.group())) for m in TAG.finditer(patched)}
    return {i for i, tag in enumerate(para.tags) if tag.closed and without_prefix(straight(tag.text)) in whole}


def check_alone(part: Part, para: Para) -> None:
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
            part.report(para.number, f"i {where} med \"{short(tag.text, 60)}\" tas all annan text bort (\"{short(rest, 40)}\"); "
                                     f"låt taggen stå ensam {alone}", raw=True)


def docxtpl_source(template: DocxTemplate, xml: str, paragraphs: list[Para]) -> tuple[str, list[Line]]:
    """The Jinja source docxtpl renders (patch_xml), one tag or paragraph a line, and where each line comes from."""
    numbers = itertools.count(1)
    xml = re.sub(r"\r\n|\r|\n", " ", xml)  # only the newlines put in below may count as Jinja lines
    numbered = re.sub(r"<w:p([ >/])", lambda m: f"<w:p data-avtal-stycke=\"{next(numbers)}\"{m.group(1)}", xml)
    source = re.sub(r"(<w:p[ >/]|\{[{%#])", r"\n\1", template.patch_xml(numbered))
    openers = sorted(((key, offset, para) for para in paragraphs for key, offset in para.openers), key=lambda item: item[:2])
    written = [(para.number, _tag_at(para, offset)) for _, offset, para in openers]
    texts = source.split("\n")
    aligned = sum(1 for t in texts[1:] if not t.startswith("<w:p")) == len(written)
    lines = [Line(0, None)]
    current, count = 0, 0
    for text in texts[1:]:
        if text.startswith("<w:p"):
            match = re.match(r"<w:p data-avtal-stycke=\"(\d+)\"", text)
            current = int(match.group(1)) if match else current
            lines.append(Line(current, None))
            continue
        if aligned:
            current, tag = written[count]
        else:
            match = TAG.match(text)
            tag = match.group() if match else text[:60]
        count += 1
        lines.append(Line(current, tag))
    return source, lines


def _tag_at(para: Para, offset: int) -> str:
    for tag in para.tags:
        if tag.start == offset:
            return tag.text
    return para.text[offset: offset + 60]


def model_source(paragraphs: list[Para]) -> tuple[str, list[Line]]:
    """A Jinja source of the tags as the author meant them, one a line; used when docxtpl could not repair them."""
    texts, lines = [""], [Line(0, None)]
    for para in paragraphs:
        for tag in para.tags:
            text = re.sub(r"\r\n|\r|\n", " ", straight(straight(tag.text), OTHER_QUOTES))
            if not tag.closed:
                opener = text[:2]
                text = f"{opener}{text[2:].rstrip('}%# ')} {CLOSER[opener]}"
            text = without_prefix(text)
            text = re.sub(r"^\{%\s*(?:colspan|cellbg)\s+(.*?)\s*%\}$", r"{{ \1 }}", text)
            text = re.sub(r"^\{%\s*(?:vm|hm)\s*%\}$", "", text)
            texts.append(text)
            lines.append(Line(para.number, tag.text))
    return "\n".join(texts), lines
