"""What Word keeps beside the text of a template: fields, link addresses, hidden text, placeholders, styles, properties."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from lxml import etree

from ...docx.namespaces import R_NS, W
from ...docx.properties import CORE_PART
from ...docx.safety import STRICT_PARSER
from ...errors import Problem, did_you_mean
from ..paragraphs import is_hidden
from ..placeholders import TAG, placeholder_message, placeholders
from ..syntax import short

_R_ID = f"{{{R_NS}}}id"
_OPENER = re.compile(r"\{[{%#]")
_HEADING_NAME = re.compile(r"(?i)(?:heading|rubrik)\s*\d")
# A tag with one brace too few at the start: printed as it stands.
_ONE_BRACE = re.compile(r"(?<!\{)\{(?![{%#])\s*[A-Za-z_][\w.]*(?:\[\d+\])?(?:\.\w+)*\s*\}\}?")


@dataclass(frozen=True)
class Package:
    """What the whole template knows that one paragraph needs: bookmarks, styles and numbering."""

    bookmarks: frozenset[str]
    styles: dict[str, Any]  # style id -> w:style element
    numbering: frozenset[str]  # numIds defined in numbering.xml

    @classmethod
    def read(cls, members: dict[str, bytes]) -> Package:
        def root(name: str) -> Any:
            data = members.get(name)
            return etree.fromstring(data, STRICT_PARSER) if data else None

        document, styles, numbering = root("word/document.xml"), root("word/styles.xml"), root("word/numbering.xml")
        marks = frozenset(b.get(f"{W}name", "") for b in document.iter(f"{W}bookmarkStart")) if document is not None else frozenset()
        found = {s.get(f"{W}styleId", ""): s for s in styles.iter(f"{W}style")} if styles is not None else {}
        nums = frozenset(n.get(f"{W}numId", "") for n in numbering.iter(f"{W}num")) if numbering is not None else frozenset()
        return cls(marks, found, nums)

    def style_value(self, style: str, path: str) -> str | None:
        """``path`` (``w:pPr/w:outlineLvl``) in the style or the styles it is based on; None when none has it."""
        seen: set[str] = set()
        while style and style not in seen and style in self.styles:
            seen.add(style)
            element = self.styles[style]
            found = element.find(path.replace("w:", W))
            if found is not None:
                return str(found.get(f"{W}val", ""))
            based = element.find(f"{W}basedOn")
            style = based.get(f"{W}val", "") if based is not None else ""
        return None

    def numbered_levels(self) -> set[str]:
        """Outline levels whose heading style is numbered (``Rubrik 1`` with the template's list numbering)."""
        return {level for style in self.styles
                if (level := self.style_value(style, "w:pPr/w:outlineLvl")) is not None
                and self.style_value(style, "w:pPr/w:numPr/w:numId") not in (None, "0")}


def field_codes(paragraph: Any) -> list[str]:
    """The codes of the Word fields in a paragraph (``MERGEFIELD parter_namn``), simple and complex."""
    codes = [" ".join((f.get(f"{W}instr") or "").split()) for f in paragraph.iter(f"{W}fldSimple")]
    current: list[str] | None = None
    for element in paragraph.iter(f"{W}fldChar", f"{W}instrText"):
        kind = element.get(f"{W}fldCharType")
        if kind == "begin":
            current = []
        elif kind in ("separate", "end") and current is not None:
            codes.append(" ".join("".join(current).split()))
            current = None
        elif element.tag == f"{W}instrText" and current is not None:
            current.append(element.text or "")
    return [c for c in codes if c]


def field_problem(code: str, bookmarks: frozenset[str], fields: list[str]) -> str | None:
    """Why a Word field in a template gives a wrong agreement, or None for a field that is safe (PAGE, NUMPAGES …)."""
    words = code.split()
    kind = words[0].upper()
    name = words[1].strip('"') if len(words) > 1 else ""
    if kind == "MERGEFIELD":
        return (f"Word-fältet \"{short(code, 50)}\" är ett kopplingsfält (koppla dokument), som generatorn inte fyller i: "
                f"avtalet skulle visa «{name}». Ta bort fältet och skriv en tagg med ett fält ur avtalsdata{_meant(name, fields)}")
    if kind == "DOCPROPERTY":
        return (f"Word-fältet \"{short(code, 50)}\" visar en dokumentegenskap, som i ett utfärdat avtal kan vara kvar från "
                "mallen eller ett annat avtal; ta bort fältet och skriv en tagg med ett fält ur avtalsdata")
    if kind in ("REF", "PAGEREF", "NOTEREF") and name and name not in bookmarks:
        return (f"korshänvisningen \"{short(code, 50)}\" pekar på ett bokmärke som inte finns i mallen (\"{name}\"); i avtalet "
                "och PDF:en står det \"Fel! Referenskälla hittades inte\". Gör om korshänvisningen i Word (Infoga > "
                "Korsreferens) till en rubrik i mallen, eller ta bort den")
    if kind == "HYPERLINK" and _OPENER.search(code):
        return _link_message(name)
    return None


def _meant(name: str, fields: list[str]) -> str:
    """The field a mail-merge name most likely meant: one whose last step is the name, else the closest path."""
    same = [path for path in fields if path.rsplit(".", 1)[-1] == name]
    return f"; menade du \"{same[0]}\"?" if same else did_you_mean(name, fields)


def _link_message(target: str) -> str:
    return (f"länkadressen \"{short(target, 60)}\" har en tagg, men generatorn fyller inte i länkadresser: länken i varje "
            "avtal skulle gå till taggen som den står. Skriv en fast adress, eller skriv adressen som text med en tagg")


def link_problems(paragraph: Any, relationships: dict[str, str]) -> list[str]:
    """Hyperlinks whose address (a relationship's target) holds a tag."""
    found = []
    for link in paragraph.iter(f"{W}hyperlink"):
        target = unquote(relationships.get(link.get(_R_ID, ""), ""))
        if _OPENER.search(target):
            found.append(_link_message(target))
    return found


def hidden_spans(paragraph: Any, texts: Iterator[Any]) -> list[tuple[int, int]]:
    """Offsets (in the paragraph's text) of the text in runs marked hidden (Dold text)."""
    spans, offset = [], 0
    for element in texts:
        piece = element.text or ""
        if is_hidden(element):
            spans.append((offset, offset + len(piece)))
        offset += len(piece)
    return spans


def hidden_message(tag: str) -> str:
    return (f"taggen \"{short(tag, 60)}\" står i dold text (Dold text i Word); den fylls i ändå och följer med i varje avtal, "
            "osynlig på skärmen men kvar i filen och i utskrifter med dold text. Ta bort den dolda texten eller gör den synlig")


def one_brace_problems(text: str) -> list[str]:
    """Tags written with one brace too few at the start (``{ parter[0].namn }}``), which are printed as they stand."""
    outside = TAG.sub(lambda m: " " * len(m.group()), text)
    found = []
    for match in _ONE_BRACE.finditer(outside):
        written = match.group()
        meant = "{{ " + written.strip("{} ") + " }}"
        found.append(f"\"{short(written, 60)}\" har en klammer för lite och skulle stå i avtalet som det är skrivet; skriv \"{meant}\"")
    return found


def style_problem(paragraph: Any, package: Package, numbered: set[str]) -> str | None:
    """A paragraph whose style or numbering the template lacks (pasted from another document): it loses its number."""
    properties = paragraph.find(f"{W}pPr")
    if properties is None:
        return None
    style_element = properties.find(f"{W}pStyle")
    style = style_element.get(f"{W}val", "") if style_element is not None else ""
    if style and style not in package.styles:
        return (f"stycket har formatmallen \"{style}\", som inte finns i mallen (inklistrad från ett annat dokument); i avtalet "
                "får det mallens standardformat och en rubrik tappar sitt nummer. Välj en av mallens formatmallar (till exempel Rubrik 1)")
    num = properties.find(f"{W}numPr/{W}numId")
    if num is not None and num.get(f"{W}val", "0") != "0" and num.get(f"{W}val") not in package.numbering:
        return ("stycket har en numrering som inte finns i mallen (inklistrad från ett annat dokument) och tappar sitt nummer; "
                "välj en av mallens formatmallar eller numreringar")
    level_element = properties.find(f"{W}outlineLvl")
    level = level_element.get(f"{W}val") if level_element is not None else package.style_value(style, "w:pPr/w:outlineLvl")
    own_number = num is not None or package.style_value(style, "w:pPr/w:numPr/w:numId") not in (None, "0")
    name_element = package.styles[style].find(f"{W}name") if style in package.styles else None
    name = name_element.get(f"{W}val", style) if name_element is not None else style or "Normal"
    # Only a heading style by name (Rubrik 1, heading 2): a template may have unnumbered headings of its own (Bilagerubrik).
    if level in numbered and not own_number and _HEADING_NAME.match(name):
        return (f"rubriken har formatmallen \"{name}\", som inte har mallens numrering (inklistrad från ett annat dokument); "
                "i avtalet får den inget nummer och numreringen av följande rubriker stämmer inte med den. Välj mallens rubrikformat")
    return None


_APP_FIELDS = (("Company", "företag"), ("Manager", "chef"), ("HyperlinkBase", "hyperlänkbas"))
# The core properties docxtpl leaves as they are (it renders title, subject, author, comments, identifier and language).
_CORE_FIELDS = (("keywords", "nyckelord"), ("category", "kategori"), ("contentStatus", "status"), ("version", "version"))
_CORE = "{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}"
_CUSTOM = "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}property"
_EXTENDED = "{http://schemas.openxmlformats.org/officeDocument/2006/extended-properties}"


def property_problems(file: str, members: dict[str, bytes]) -> list[Problem]:
    """Tags in custom document properties, in Company or Manager and in Keywords, Category, Status or Version, which the
    generator never fills in."""
    found = []
    places: list[tuple[str, str]] = []
    if "docProps/custom.xml" in members:
        for prop in etree.fromstring(members["docProps/custom.xml"], STRICT_PARSER).iter(_CUSTOM):
            places.append((f"dokumentegenskaper (anpassad egenskap \"{prop.get('name', '')}\")", "".join(prop.itertext())))
    if "docProps/app.xml" in members:
        app = etree.fromstring(members["docProps/app.xml"], STRICT_PARSER)
        for name, label in _APP_FIELDS:
            element = app.find(f"{_EXTENDED}{name}")
            if element is not None:
                places.append((f"dokumentegenskaper ({label})", element.text or ""))
    if CORE_PART in members:
        core = etree.fromstring(members[CORE_PART], STRICT_PARSER)
        for name, label in _CORE_FIELDS:
            element = core.find(f"{_CORE}{name}")
            if element is not None:
                places.append((f"dokumentegenskaper ({label})", element.text or ""))
    for place, value in places:
        if _OPENER.search(value):
            found.append(Problem(file, place, f"taggen \"{short(value, 60)}\" står i en dokumentegenskap, som generatorn inte fyller i: "
                                              "den skulle stå kvar i varje avtals egenskaper. Ta bort den i Word (Arkiv > Info > "
                                              "Egenskaper > Avancerade egenskaper)"))
    return found


def members(path: str) -> dict[str, bytes]:
    """The XML parts of a template package by name (already checked safe by docx.safety)."""
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist() if name.endswith((".xml", ".rels"))}


@dataclass
class WordCheck:
    """The checks of one template's paragraphs for what Word keeps beside their text."""

    package: Package
    fields: list[str]  # every field path, for the suggestion after a mail-merge field

    def __post_init__(self) -> None:
        self.numbered = self.package.numbered_levels()

    def paragraph(self, element: Any, texts: list[Any], tags: list[tuple[int, str]], text: str, shown: str,
                  relationships: dict[str, str]) -> list[str]:
        """Every problem of one paragraph: fields, links, hidden tags, placeholders, one-brace tags, a foreign style."""
        found = [m for code in field_codes(element) if (m := field_problem(code, self.package.bookmarks, self.fields))]
        found += link_problems(element, relationships)
        hidden = hidden_spans(element, iter(texts))
        found += [hidden_message(tag) for start, tag in tags if any(s < start + len(tag) and start < e for s, e in hidden)]
        if not found and (marks := placeholders(shown)):  # a field's shown result («parter_namn») is said once, above
            found.append(placeholder_message(marks))
        found += one_brace_problems(text)
        if style := style_problem(element, self.package, self.numbered):
            found.append(style)
        return found
