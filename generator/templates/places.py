"""Places in a template as the author finds them in Word: the part by Word's name, the heading, the paragraph's visible text."""

from __future__ import annotations

import re
from typing import Any

from ..agreement.filters import swedish_list
from ..docx.namespaces import R_NS, W
from .paragraphs import Para, scan_tags
from .syntax import short

_PARTS = {"/word/document.xml": "brödtext", "/word/footnotes.xml": "fotnoter"}
_KINDS = {"headerReference": "sidhuvud", "footerReference": "sidfot"}
_TAGS_IN_A_ROW = re.compile(r"…(?:\s*…)+")
_PAGES = {"first": " på första sidan", "even": " på jämna sidor"}


def part_labels(document: Any) -> dict[str, str]:
    """Every header and footer part of a python-docx ``document`` by the name Word gives it.

    ``sidhuvud``, ``sidfot på första sidan`` or ``sidhuvud på jämna sidor`` (``på udda sidor`` for the default one when
    the document has different odd and even pages), with ``avsnitt N`` when the document has more than one section.
    """
    sections = [s for s in document.element.body.iter(f"{W}sectPr") if s.getparent().tag != f"{W}sectPrChange"]
    odd = " på udda sidor" if document.settings.odd_and_even_pages_header_footer else ""
    rels = document.part.rels
    found: dict[str, tuple[str, list[int]]] = {}
    for number, section in enumerate(sections, start=1):
        for reference in section:
            kind = _KINDS.get(reference.tag.removeprefix(W))
            rel = rels.get(reference.get(f"{{{R_NS}}}id", ""))
            if kind is None or rel is None or rel.is_external:
                continue
            name = f"{kind}{_PAGES.get(reference.get(f'{W}type', 'default'), odd)}"
            found.setdefault(str(rel.target_part.partname), (name, []))[1].append(number)
    labels = {}
    for partname, (name, numbers) in found.items():
        where = swedish_list([str(n) for n in numbers])
        labels[partname] = f"{name}, avsnitt {where}" if len(sections) > 1 else name
    return labels


def part_label(partname: str, labels: dict[str, str] | None = None) -> str:
    """The Swedish name of a templated part: ``brödtext``, ``fotnoter``, a header or footer by Word's name (see part_labels)."""
    if partname in _PARTS:
        return _PARTS[partname]
    if labels and partname in labels:
        return labels[partname]
    base = partname.rsplit("/", 1)[-1]
    kind = "sidhuvud" if base.startswith("header") else "sidfot" if base.startswith("footer") else ""
    return f"{kind} som inte visas i något avsnitt ({base})" if kind else base


def paragraph_place(label: str, para: Para | None, fixed_text: str = "") -> str:
    """``brödtext, stycke 12 (under rubriken "Parter"): "Avtalet ingås mellan … nedan."``: the one form of a template place.

    The paragraph's number counts every paragraph of the part (tables and text boxes too); its heading and excerpt are
    what Word shows, tags replaced by "…", so the author can find the paragraph with Find. ``fixed_text``: the text of
    a part without paragraphs (a document property).
    """
    if para is None:
        return f"{label}, vid texten \"{short(fixed_text)}\"" if fixed_text else label
    heading = visible(para.heading)
    under = f" (under rubriken \"{short(heading, 60)}\")" if heading else ""
    excerpt = visible(para.shown)
    quoted = f": \"{short(excerpt)}\"" if excerpt else " (stycket har bara mallkod)"
    return f"{label}, stycke {para.number}{para.table}{under}{quoted}"


def visible(text: str) -> str:
    """``text`` as an author can search for it in Word: every tag replaced by "…", "" when only tags remain."""
    pieces, position = [], 0
    for start, end, _ in scan_tags(text):
        pieces.extend([text[position:start], "…"])
        position = end
    pieces.append(text[position:])
    joined = _TAGS_IN_A_ROW.sub("…", " ".join("".join(pieces).split()))
    return "" if not joined.replace("…", "").strip(" ,.;:()") else joined
