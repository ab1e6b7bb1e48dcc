"""Tracked changes in WordprocessingML: accept or reject them all, and read a part's text structure."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..docx.namespaces import W

CHANGE_TAGS = (f"{W}ins", f"{W}del", f"{W}moveFrom", f"{W}moveTo", f"{W}pPrChange", f"{W}rPrChange", f"{W}tblPrChange", f"{W}trPrChange", f"{W}tcPrChange")
_TEXT = {f"{W}t": None, f"{W}delText": None, f"{W}tab": "\t", f"{W}br": "\n", f"{W}cr": "\n", f"{W}noBreakHyphen": "\u2011"}
_BLOCKS = (f"{W}p", f"{W}tbl")
_PLAIN = frozenset({f"{W}t", f"{W}delText"})
_FIELD_CODES = (f"{W}instrText", f"{W}delInstrText")
_TEXT_TAGS = (*_TEXT, *_FIELD_CODES)

Structure = list[Any]


def accept_all(root: Any) -> Any:
    """Accept every insertion and deletion below ``root`` in place (Word's "Godkänn alla ändringar"); returns ``root``."""
    return _resolve(root, keep="ins", drop="del")


def reject_all(root: Any) -> Any:
    """Reject every insertion and deletion below ``root`` in place (Word's "Avvisa alla ändringar"); returns ``root``."""
    return _resolve(root, keep="del", drop="ins")


def _resolve(root: Any, *, keep: str, drop: str) -> Any:
    # Rows first: a row whose row mark is dropped goes whole, with everything in it.
    for row in list(root.iter(f"{W}tr")):
        marks = row.find(f"{W}trPr")
        if marks is None:
            continue
        if marks.find(f"{W}{drop}") is not None:
            row.getparent().remove(row)
            continue
        for mark in marks.findall(f"{W}{keep}"):
            marks.remove(mark)
    for table in list(root.iter(f"{W}tbl")):
        if table.find(f"{W}tr") is None:
            table.getparent().remove(table)
    # Property changes: accepting keeps the current properties, rejecting restores the recorded ones.
    for change in list(root.iter(f"{W}pPrChange", f"{W}rPrChange")):
        properties = change.getparent()
        if keep == "del":
            recorded = change.find(f"{W}pPr") if change.tag == f"{W}pPrChange" else change.find(f"{W}rPr")
            for child in list(properties):
                if child.tag not in (f"{W}rPr", f"{W}sectPr"):
                    properties.remove(child)
            for position, child in enumerate(list(recorded if recorded is not None else [])):
                properties.insert(position, child)
        else:
            properties.remove(change)
    # Paragraph marks: a dropped mark joins the paragraph to the next one (the next one's properties stay).
    for paragraph in list(root.iter(f"{W}p")):
        mark = paragraph.find(f"{W}pPr/{W}rPr")
        if mark is None:
            continue
        for kept in mark.findall(f"{W}{keep}"):
            mark.remove(kept)
        dropped = mark.find(f"{W}{drop}")
        if dropped is not None:
            mark.remove(dropped)
            paragraph.set("joins-next", "1")
    # Run-level revisions: dropped ones go with their content, kept ones are unwrapped.
    for element in list(root.iter(f"{W}{drop}")):
        element.getparent().remove(element)
    for element in list(root.iter(f"{W}{keep}")):
        _unwrap(element)
    if keep == "del":
        for text in root.iter(f"{W}delText"):
            text.tag = f"{W}t"
        for text in root.iter(f"{W}delInstrText"):
            text.tag = f"{W}instrText"
    for paragraph in list(root.iter(f"{W}p")):
        if paragraph.attrib.pop("joins-next", None) is not None:
            _join_next(paragraph)
    return root


def _unwrap(element: Any) -> None:
    parent = element.getparent()
    index = parent.index(element)
    for offset, child in enumerate(list(element)):
        parent.insert(index + offset, child)
    parent.remove(element)


def _join_next(paragraph: Any) -> None:
    """Remove a paragraph mark: an empty paragraph goes; otherwise its content moves to the start of the next one."""
    content = [c for c in paragraph if c.tag != f"{W}pPr"]
    parent = paragraph.getparent()
    if not paragraph_text(paragraph):
        parent.remove(paragraph)
        return
    following = paragraph.getnext()
    while following is not None and following.tag != f"{W}p" and following.tag not in _BLOCKS:
        following = following.getnext()
    if following is None or following.tag != f"{W}p":
        return  # no paragraph to join: the mark stays, as in Word
    properties = following.find(f"{W}pPr")
    position = 0 if properties is None else 1
    for child in content:
        following.insert(position, child)
        position += 1
    parent.remove(paragraph)


def paragraph_text(paragraph: Any) -> str:
    """The text of a paragraph as a reader sees it: text, tabs, line breaks, field codes in braces."""
    parts: list[str] = []
    for element in paragraph.iter(_TEXT_TAGS):
        tag = element.tag
        if tag in _PLAIN:
            parts.append(element.text or "")
        else:
            fixed = _TEXT.get(tag)
            parts.append(fixed if fixed is not None else "{" + (element.text or "") + "}")
    return "".join(parts)


def structure(container: Any, text: Callable[[Any], str] = paragraph_text) -> Structure:
    """The blocks of a body, cell, header or footer: paragraph texts, and tables as rows of cells of blocks."""
    blocks: Structure = []
    for child in container:
        if child.tag == f"{W}p":
            blocks.append(text(child))
        elif child.tag == f"{W}tbl":
            blocks.append([[structure(cell, text) for cell in row.findall(f"{W}tc")] for row in child.findall(f"{W}tr")])
        elif child.tag in (f"{W}sdt", f"{W}customXml"):  # a content control: a tuple of its blocks, unlike a table's list of rows
            content = child.find(f"{W}sdtContent")
            blocks.append(tuple(structure(content if content is not None else child, text)))
    return blocks


def resolved_structures(container: Any) -> tuple[Structure, Structure]:
    """``structure`` of the container after accept_all and after reject_all, without copying or changing it.

    One pass by the rules of _resolve: rows whose row mark is dropped go, tables left without rows go,
    a dropped paragraph mark joins the paragraph to the next paragraph (or removes it when empty; a
    table next keeps the mark). A paragraph without tracked changes is read once for both results.
    The comparison checks itself with this at a fraction of the cost of copying the container twice.
    """
    modes = ("del", "ins")  # what accepting drops, what rejecting drops
    results: tuple[Structure, Structure] = ([], [])
    carried = ["", ""]  # per mode: text of paragraphs whose dropped mark joins them to the next paragraph
    blocks = [child for child in container if child.tag in _BLOCKS]
    following: list[dict[Any, Any]] = []  # per mode: each block's next block still there after resolving
    for drop in modes:
        kept = [block for block in blocks if not _table_gone(block, drop)]
        following.append(dict(zip(kept, [*kept[1:], None], strict=True)))
    for child in container:
        tag = child.tag
        if tag == f"{W}p":
            changed = next(child.iter(f"{W}ins", f"{W}del"), None) is not None
            plain = None if changed else paragraph_text(child)
            for mode, drop in enumerate(modes):
                text = carried[mode] + (plain if plain is not None else _text_without(child, f"{W}{drop}"))
                carried[mode] = ""
                if changed and _mark_dropped(child, drop):
                    if not text:
                        continue  # an empty paragraph whose mark goes is removed
                    after = following[mode][child]
                    if after is not None and after.tag == f"{W}p":
                        carried[mode] = text
                        continue
                results[mode].append(text)
        elif tag == f"{W}tbl":
            rows = child.findall(f"{W}tr")
            cells = [[resolved_structures(cell) for cell in row.findall(f"{W}tc")] for row in rows]
            for mode, drop in enumerate(modes):
                table = [[cell[mode] for cell in row_cells] for row, row_cells in zip(rows, cells, strict=True) if not _row_dropped(row, drop)]
                if table:
                    results[mode].append(table)
        elif tag in (f"{W}sdt", f"{W}customXml"):
            content = child.find(f"{W}sdtContent")
            inner = resolved_structures(content if content is not None else child)
            for mode in range(2):
                results[mode].append(tuple(inner[mode]))
    return results


def _table_gone(block: Any, drop: str) -> bool:
    """Whether ``block`` is a table that resolving removes: every row's mark is dropped (or it has none)."""
    return block.tag == f"{W}tbl" and all(_row_dropped(row, drop) for row in block.findall(f"{W}tr"))


def _row_dropped(row: Any, drop: str) -> bool:
    marks = row.find(f"{W}trPr")
    return marks is not None and marks.find(f"{W}{drop}") is not None


def _mark_dropped(paragraph: Any, drop: str) -> bool:
    mark = paragraph.find(f"{W}pPr/{W}rPr")
    return mark is not None and mark.find(f"{W}{drop}") is not None


def _text_without(paragraph: Any, dropped: str) -> str:
    """paragraph_text, leaving out everything inside ``dropped`` elements (w:ins when rejecting, w:del when accepting)."""
    parts: list[str] = []
    _collect(paragraph, dropped, parts)
    return "".join(parts)


def _collect(element: Any, dropped: str, parts: list[str]) -> None:
    for child in element:
        tag = child.tag
        if tag == dropped:
            continue
        if tag in _PLAIN:
            parts.append(child.text or "")
        elif tag in _TEXT:
            parts.append(_TEXT[tag] or "")
        elif tag in _FIELD_CODES:
            parts.append("{" + (child.text or "") + "}")
        if len(child):
            _collect(child, dropped, parts)


def has_changes(root: Any) -> str | None:
    """The local name of the first tracked change below ``root``, or None when it has none."""
    for element in root.iter(*CHANGE_TAGS):
        return str(element.tag).rsplit("}", 1)[-1]
    return None
