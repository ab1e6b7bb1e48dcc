"""Tracked changes and comments in a template: they would go out in every issued agreement, so they are refused."""

from __future__ import annotations

from typing import Any

from ..docx.namespaces import W

_W = W
_REVISIONS = {
    f"{_W}ins": "infogad text",
    f"{_W}del": "borttagen text",
    f"{_W}moveFrom": "flyttad text",
    f"{_W}moveTo": "flyttad text",
    f"{_W}rPrChange": "ändrad formatering",
    f"{_W}pPrChange": "ändrad styckeformatering",
    f"{_W}tblPrChange": "ändrad tabellformatering",
    f"{_W}trPrChange": "ändrad tabellrad",
    f"{_W}tcPrChange": "ändrad tabellcell",
    f"{_W}sectPrChange": "ändrade sidinställningar",
    f"{_W}numberingChange": "ändrad numrering",
}
_COMMENT_MARKS = {f"{_W}commentRangeStart", f"{_W}commentReference"}
ACCEPT = "godkänn eller avvisa alla ändringar i Word (Granska › Godkänn › Godkänn alla ändringar i dokumentet) och spara mallen"
REMOVE_COMMENTS = "ta bort kommentarerna i Word (Granska › Ta bort › Ta bort alla kommentarer i dokumentet) och spara mallen"


def revisions(root: Any) -> list[tuple[Any, str]]:
    """(paragraph or None, message) for each paragraph holding unaccepted tracked changes or comment marks."""
    found: dict[Any, tuple[list[str], set[str], bool]] = {}
    order: list[Any] = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        kind = _REVISIONS.get(element.tag)
        comment = element.tag in _COMMENT_MARKS
        if kind is None and not comment:
            continue
        paragraph = next(element.iterancestors(f"{_W}p"), None)
        if paragraph is None and element.tag == f"{_W}pPrChange":
            paragraph = element.getparent().getparent() if element.getparent() is not None else None
        if paragraph not in found:
            found[paragraph] = ([], set(), False)
            order.append(paragraph)
        kinds, authors, has_comment = found[paragraph]
        if kind and kind not in kinds:
            kinds.append(kind)
        if kind and element.get(f"{_W}author"):
            authors.add(element.get(f"{_W}author"))
        found[paragraph] = (kinds, authors, has_comment or comment)
    messages = []
    for paragraph in order:
        kinds, authors, has_comment = found[paragraph]
        if kinds:
            by = f" av {', '.join(sorted(authors))}" if authors else ""
            messages.append((paragraph, f"spårade ändringar som inte är godkända ({', '.join(kinds)}{by}) skulle följa med i "
                                        f"varje avtal; {ACCEPT}"))
        if has_comment:
            messages.append((paragraph, f"en kommentar skulle följa med i varje avtal; {REMOVE_COMMENTS}"))
    return messages
