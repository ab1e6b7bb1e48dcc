"""Blocks compared and marked: the paragraphs and tables of one body, cell, header or footer, and a table's rows."""

from __future__ import annotations

import copy
from typing import Any

from lxml import etree

from ..docx.namespaces import W
from .pairing import BLOCK_TAGS, align, columns, pair_rows, row_key, same
from .redline import (
    Marks,
    Resolve,
    compare_paragraphs,
    deleted_copy,
    mark_inserted,
    opcodes,
    properties_key,
    record_properties,
    set_mark,
    set_properties,
    take_mark,
)
from .revisions import paragraph_text


def compare_container(old: Any, new: Any, marks: Marks, resolve_old: Resolve, resolve_new: Resolve) -> None:
    old_blocks = [c for c in old if c.tag in BLOCK_TAGS]
    new_blocks = [c for c in new if c.tag in BLOCK_TAGS]
    cursor: Any = None
    for old_block, new_block in align(old_blocks, new_blocks):
        if old_block is not None and new_block is not None:
            if new_block.tag == f"{W}p":
                compare_paragraphs(old_block, new_block, marks, resolve_old, resolve_new)
            elif same(old_block, new_block):
                pass  # an unchanged table: nothing to mark in any of its cells
            elif columns(old_block) == columns(new_block):
                _compare_table(old_block, new_block, marks, resolve_old, resolve_new)
            else:  # other columns: the old table removed, the new one added
                new_block.addprevious(_deleted_block(old_block, marks, resolve_old))
                _mark_block(new_block, "ins", marks, resolve_new)
            cursor = new_block
        elif new_block is not None:
            _mark_block(new_block, "ins", marks, resolve_new)
            cursor = new_block
        else:
            removed = _deleted_block(old_block, marks, resolve_old)
            if cursor is not None:
                cursor.addnext(removed)
            elif new_blocks:
                new_blocks[0].addprevious(removed)
            else:
                _append_block(new, removed)
            cursor = removed
    _settle_last_mark(new, marks)


def _append_block(container: Any, block: Any) -> None:
    section = container.find(f"{W}sectPr")
    if section is not None:
        section.addprevious(block)
    else:
        container.append(block)


def _settle_last_mark(container: Any, marks: Marks) -> None:
    """The last paragraph mark of a container cannot be inserted or deleted: move the mark up, as Word does.

    For added paragraphs at the end, the mark of the paragraph before them becomes the inserted one (and
    the last paragraph records that paragraph's properties for rejecting); for removed paragraphs at the
    end, the paragraph before them gets the deleted mark and the last one takes its properties.
    """
    blocks = [c for c in container if c.tag in BLOCK_TAGS]
    if not blocks or blocks[-1].tag != f"{W}p":
        return
    last = blocks[-1]
    revision = take_mark(last)
    if revision is None:
        return
    kind = revision.tag
    group = [last]
    for block in reversed(blocks[:-1]):
        if (block.tag == f"{W}p" and _mark_kind(block) == kind) or (block.tag == f"{W}tbl" and _whole_table(block) == kind):
            group.append(block)
            continue
        break
    before = blocks[len(blocks) - len(group) - 1] if len(group) < len(blocks) else None
    if before is None or before.tag != f"{W}p" or _mark_kind(before) is not None:
        if not paragraph_text(last) and all(block.tag == f"{W}p" for block in group):
            return  # a wholly new container: its last, empty mark stays unmarked
        set_mark(last, revision)  # nothing to move the mark to; the check after the comparison decides
        return
    set_mark(before, marks.make(kind.rsplit("}", 1)[-1]))
    if kind == f"{W}ins":
        change = before.find(f"{W}pPr/{W}pPrChange/{W}pPr")
        record_properties(last, change if change is not None else before.find(f"{W}pPr"), marks)
    else:
        old_properties = copy.deepcopy(last.find(f"{W}pPr"))
        set_properties(last, before.find(f"{W}pPr"))
        if properties_key(last) != _key_of(old_properties):
            record_properties(last, old_properties, marks)


def _key_of(properties: Any) -> bytes:
    holder = etree.Element(f"{W}p")
    if properties is not None:
        holder.append(copy.deepcopy(properties))
    return properties_key(holder)


def _mark_kind(paragraph: Any) -> str | None:
    """The tag of the paragraph mark's insertion or deletion, or None."""
    return _revision_in(paragraph.find(f"{W}pPr/{W}rPr"))


def _whole_table(table: Any) -> str | None:
    kinds = {_revision_in(row.find(f"{W}trPr")) for row in table.findall(f"{W}tr")}
    return kinds.pop() if len(kinds) == 1 else None


def _revision_in(properties: Any) -> str | None:
    for revision in properties if properties is not None else []:
        if revision.tag in (f"{W}ins", f"{W}del"):
            return str(revision.tag)
    return None


def _compare_table(old: Any, new: Any, marks: Marks, resolve_old: Resolve, resolve_new: Resolve) -> None:
    old_rows = old.findall(f"{W}tr")
    new_rows = new.findall(f"{W}tr")
    old_keys = [row_key(r) for r in old_rows]
    new_keys = [row_key(r) for r in new_rows]
    cursor: Any = None
    for op, i1, i2, j1, j2 in opcodes(old_keys, new_keys):
        stretch = list(zip(old_rows[i1:i2], new_rows[j1:j2], strict=True)) if op == "equal" else pair_rows(old_rows[i1:i2], new_rows[j1:j2])
        for old_row, new_row in stretch:
            if old_row is not None and new_row is not None:
                if not same(old_row, new_row):
                    for old_cell, new_cell in zip(old_row.findall(f"{W}tc"), new_row.findall(f"{W}tc"), strict=True):
                        compare_container(old_cell, new_cell, marks, resolve_old, resolve_new)
                cursor = new_row
            elif new_row is not None:
                _mark_row(new_row, "ins", marks, resolve_new)
                cursor = new_row
            else:
                removed = copy.deepcopy(old_row)
                _mark_row(removed, "del", marks, resolve_old)
                if cursor is not None:
                    cursor.addnext(removed)
                elif new_rows:
                    new_rows[0].addprevious(removed)
                else:
                    new.append(removed)
                cursor = removed


def _mark_row(row: Any, kind: str, marks: Marks, resolve: Resolve) -> None:
    """A whole row as inserted or deleted: the row mark (w:trPr/w:ins|w:del) and every paragraph in its cells."""
    properties = row.find(f"{W}trPr")
    if properties is None:
        properties = etree.Element(f"{W}trPr")
        exceptions = row.find(f"{W}tblPrEx")
        if exceptions is not None:
            exceptions.addnext(properties)
        else:
            row.insert(0, properties)
    change = properties.find(f"{W}trPrChange")
    if change is not None:
        change.addprevious(marks.make(kind))
    else:
        properties.append(marks.make(kind))
    for cell in row.findall(f"{W}tc"):
        _mark_cell(cell, kind, marks, resolve)


def _mark_cell(cell: Any, kind: str, marks: Marks, resolve: Resolve) -> None:
    blocks = [c for c in cell if c.tag in BLOCK_TAGS]
    for index, block in enumerate(blocks):
        last = index == len(blocks) - 1
        if block.tag == f"{W}tbl":
            for row in block.findall(f"{W}tr"):
                _mark_row(row, kind, marks, resolve)
        elif kind == "ins":
            mark_inserted(block, marks, resolve)
            if last:
                take_mark(block)
        else:
            block.addprevious(deleted_copy(block, marks, resolve, mark=not last))
            cell.remove(block)


def _mark_block(block: Any, kind: str, marks: Marks, resolve: Resolve) -> None:
    if block.tag == f"{W}p":
        mark_inserted(block, marks, resolve)
    else:
        for row in block.findall(f"{W}tr"):
            _mark_row(row, kind, marks, resolve)


def _deleted_block(block: Any, marks: Marks, resolve: Resolve) -> Any:
    if block.tag == f"{W}p":
        return deleted_copy(block, marks, resolve)
    removed = copy.deepcopy(block)
    for row in removed.findall(f"{W}tr"):
        _mark_row(row, "del", marks, resolve)
    return removed
