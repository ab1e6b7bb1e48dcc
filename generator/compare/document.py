"""Comparison document: the new .docx with tracked changes (w:ins/w:del) against an earlier version."""

from __future__ import annotations

import copy
import datetime as dt
import difflib
from collections import Counter
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from ..docx.namespaces import W
from ..docx.package import Package, adopter, first_free_id, stories
from ..docx.safety import package_data_problems
from ..errors import CompareError, Problem
from .alignment import MAX_PAIRS
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
from .revisions import Structure, has_changes, paragraph_text, resolved_structures, structure

AUTHOR = "Avtalsgeneratorn"
PAIR_PARAGRAPH = 0.5  # two paragraphs this alike (share of words) are one paragraph changed, not one removed and one added
PAIR_TABLE = 0.3
MAX_PAIRING = 4000  # old × new blocks in one changed stretch beyond which blocks are not paired one by one
_BLOCK_TAGS = (f"{W}p", f"{W}tbl")
_TEXTS: ContextVar[dict[Any, str] | None] = ContextVar("paragraph_texts", default=None)
_VARIANTS = {"default": "vanliga sidor", "first": "första sidan", "even": "jämna sidor"}


@dataclass(frozen=True)
class Comparison:
    """A comparison document and what it shows."""

    data: bytes
    inserted_words: int
    deleted_words: int
    replaced_whole: int = 0  # paragraphs too long to compare word by word throughout: (part of) their text is shown removed and added whole
    bodies: tuple[Structure, Structure] = field(default_factory=lambda: ([], []))  # the old and the new body's text structure, as compared

    @property
    def changed(self) -> bool:
        return bool(self.inserted_words or self.deleted_words)


def compare_documents(old: bytes, new: bytes, *, when: dt.datetime, author: str = AUTHOR, old_name: str = "", new_name: str = "",
                      strict: bool = False) -> Comparison:
    """The new document with every difference from the old one as a tracked change by ``author`` dated ``when``.

    Body text, table cells, headers and footers are compared; paragraphs and table rows that were added or
    removed come out whole, changed ones word by word. The result is checked before it is returned:
    accepting every change must give the new document's text and rejecting every change the old one's.
    Raises CompareError (naming ``old_name``/``new_name``) for a file that is not a readable .docx, one
    that already has tracked changes, or a result that fails that check. Both files get the package checks
    of ``docx.safety`` first (size, unpacked size, every part readable; with ``strict`` also every XML part,
    as for a template), and the result is read back before it is returned.
    """
    unsafe = package_data_problems(old, old_name, xml=strict) + package_data_problems(new, new_name, xml=strict)
    if unsafe:
        raise CompareError(unsafe)
    old_doc = Package(old, old_name)
    new_doc = Package(new, new_name)
    pairs = _story_pairs(old_doc, new_doc)
    for label, old_part, new_part in pairs:
        for package, part in ((old_doc, old_part), (new_doc, new_part)):
            found = has_changes(package.tree(part))
            if found:
                raise CompareError(Problem(package.name, label, f"dokumentet har redan spårade ändringar (w:{found}); godkänn eller avvisa dem först"))
    marks = Marks(author=author, date=when.strftime("%Y-%m-%dT%H:%M:%SZ"), next_id=first_free_id(new_doc, [n for _, _, n in pairs]))
    token = _TEXTS.set({})  # paragraph texts found before marking, for aligning blocks and rows (see _text)
    try:
        expected = [(structure(_container(old_doc.tree(o)), _text), structure(_container(new_doc.tree(n)), _text)) for _, o, n in pairs]
        for _, old_part, new_part in pairs:
            marks.adopt = adopter(old_doc, old_part, new_doc, new_part)
            resolve_old, resolve_new = old_doc.resolver(old_part), new_doc.resolver(new_part)
            _compare_container(_container(old_doc.tree(old_part)), _container(new_doc.tree(new_part)), marks, resolve_old, resolve_new)
            new_doc.changed.add(new_part)
    finally:
        _TEXTS.reset(token)
    for (label, _, new_part), (old_text, new_text) in zip(pairs, expected, strict=True):
        accepted, rejected = resolved_structures(_container(new_doc.tree(new_part)))
        if accepted != new_text:
            raise CompareError(Problem(new_name, label, "jämförelsen gick inte att göra: att godkänna alla ändringar gav inte den nya texten"))
        if rejected != old_text:
            raise CompareError(Problem(new_name, label, "jämförelsen gick inte att göra: att avvisa alla ändringar gav inte den tidigare texten"))
    new_doc.show_changes()
    made = new_doc.save()
    if package_data_problems(made, new_name, xml=False):  # the parts it changed were written by lxml; the rest were checked
        raise CompareError(Problem(new_name, "", "jämförelsedokumentet blev inte ett läsbart Word-dokument och skrevs inte; "
                                                 "spara om dokumenten i Word och jämför igen"))
    return Comparison(made, marks.inserted_words, marks.deleted_words, marks.replaced_whole, expected[0])


def compare_files(old: Path, new: Path, *, when: dt.datetime, author: str = AUTHOR) -> Comparison:
    """``compare_documents`` for two files; a missing or unreadable file is a CompareError naming it."""
    problems = []
    for path in (old, new):
        if not path.is_file():
            problems.append(Problem(str(path), "", "filen finns inte"))
        elif path.suffix.lower() != ".docx":
            problems.append(Problem(str(path), "", "är inte en .docx-fil (Word)"))
    if problems:
        raise CompareError(problems)
    return compare_documents(old.read_bytes(), new.read_bytes(), when=when, author=author, old_name=str(old), new_name=str(new), strict=True)


def _container(root: Any) -> Any:
    body = root.find(f"{W}body")
    return body if body is not None else root


def _story_pairs(old_doc: Package, new_doc: Package) -> list[tuple[str, str, str]]:
    """(place, old part, new part): the body, then each header and footer matched by section and kind."""
    pairs = [("brödtext", old_doc.main, new_doc.main)]
    old_stories = stories(old_doc)
    seen: set[str] = set()
    for key, part in stories(new_doc).items():
        if key in old_stories and part not in seen:
            seen.add(part)
            kind, section, variant = key
            label = f"{'sidhuvud' if kind == 'header' else 'sidfot'} ({_VARIANTS.get(variant, variant)}), avsnitt {section}"
            pairs.append((label, old_stories[key], part))
    return pairs


# --- blocks: paragraphs and tables in a body, cell, header or footer ---------------------------------------


def _compare_container(old: Any, new: Any, marks: Marks, resolve_old: Resolve, resolve_new: Resolve) -> None:
    old_blocks = [c for c in old if c.tag in _BLOCK_TAGS]
    new_blocks = [c for c in new if c.tag in _BLOCK_TAGS]
    cursor: Any = None
    for old_block, new_block in _align(old_blocks, new_blocks):
        if old_block is not None and new_block is not None:
            if new_block.tag == f"{W}p":
                compare_paragraphs(old_block, new_block, marks, resolve_old, resolve_new)
            elif _same(old_block, new_block):
                pass  # an unchanged table: nothing to mark in any of its cells
            elif _columns(old_block) == _columns(new_block):
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
    blocks = [c for c in container if c.tag in _BLOCK_TAGS]
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


def _text(paragraph: Any) -> str:
    """``paragraph_text``, remembered for this comparison: alignment asks again for the texts found before marking.

    Only the keys that align blocks and rows use it, and a container is aligned before any of its blocks
    is marked, so a remembered text is never that of a paragraph already changed by marking.
    """
    texts = _TEXTS.get()
    if texts is None:
        return paragraph_text(paragraph)
    found = texts.get(paragraph)
    if found is None:
        found = texts[paragraph] = paragraph_text(paragraph)
    return found


def _block_key(block: Any) -> tuple[str, str]:
    if block.tag == f"{W}p":
        return ("p", _text(block))
    return ("tbl", "\n".join(" | ".join(_row_key(row)) for row in block.findall(f"{W}tr")))


def _align(old: list[Any], new: list[Any]) -> list[tuple[Any, Any]]:
    """Pairs in document order: (old, new) for a kept or changed block, (None, new) added, (old, None) removed."""
    old_keys = [_block_key(b) for b in old]
    new_keys = [_block_key(b) for b in new]
    aligned: list[tuple[Any, Any]] = []
    for op, i1, i2, j1, j2 in opcodes(old_keys, new_keys):
        if op == "equal":
            aligned.extend(zip(old[i1:i2], new[j1:j2], strict=True))
            continue
        at_end = i2 == len(old) and j2 == len(new)
        aligned.extend(_pair_stretch(old[i1:i2], new[j1:j2], old_keys[i1:i2], new_keys[j1:j2], at_end))
    return aligned


def _pair_stretch(old: list[Any], new: list[Any], old_keys: list[Any], new_keys: list[Any], at_end: bool) -> list[tuple[Any, Any]]:
    """Pair the blocks of one changed stretch by likeness, in order (dynamic programming); the rest are removed or added."""
    m, n = len(old), len(new)
    if m == 0 or n == 0 or m * n > MAX_PAIRING:
        forced = at_end and m and n and old[-1].tag == new[-1].tag == f"{W}p"
        head = [(b, None) for b in old[: m - 1 if forced else m]] + [(None, b) for b in new[: n - 1 if forced else n]]
        return [*head, (old[-1], new[-1])] if forced else head
    words_old = [_words(k) for k in old_keys]
    words_new = [_words(k) for k in new_keys]
    score = [[0.0] * (n + 1) for _ in range(m + 1)]
    like = [[0.0] * n for _ in range(m)]
    for i in range(m):
        for j in range(n):
            like[i][j] = _likeness(old[i], new[j], words_old[i], words_new[j])
    if at_end and old[-1].tag == new[-1].tag == f"{W}p":
        like[m - 1][n - 1] = max(like[m - 1][n - 1], 1.0)  # the last paragraph of a container is always the same paragraph
    for i in range(m - 1, -1, -1):
        for j in range(n - 1, -1, -1):
            best = max(score[i + 1][j], score[i][j + 1])
            if like[i][j] > 0:
                best = max(best, like[i][j] + score[i + 1][j + 1])
            score[i][j] = best
    pairs: list[tuple[Any, Any]] = []
    i = j = 0
    while i < m and j < n:
        if like[i][j] > 0 and score[i][j] == like[i][j] + score[i + 1][j + 1]:
            pairs.append((old[i], new[j]))
            i, j = i + 1, j + 1
        elif score[i][j] == score[i + 1][j]:
            pairs.append((old[i], None))
            i += 1
        else:
            pairs.append((None, new[j]))
            j += 1
    pairs.extend((old[k], None) for k in range(i, m))
    pairs.extend((None, new[k]) for k in range(j, n))
    return _removed_first(pairs)


def _removed_first(pairs: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """Between two paired blocks, show what was removed before what was added."""
    ordered: list[tuple[Any, Any]] = []
    removed: list[tuple[Any, Any]] = []
    added: list[tuple[Any, Any]] = []
    for pair in pairs:
        if pair[0] is not None and pair[1] is not None:
            ordered += removed + added + [pair]
            removed, added = [], []
        elif pair[1] is None:
            removed.append(pair)
        else:
            added.append(pair)
    return ordered + removed + added


def _words(key: tuple[str, str]) -> list[str]:
    return key[1].split()


def _likeness(old: Any, new: Any, old_words: list[str], new_words: list[str]) -> float:
    if old.tag != new.tag:
        return 0.0
    if old.tag == f"{W}tbl":
        if _columns(old) != _columns(new):
            return 0.0
        shared = sum((Counter(old_words) & Counter(new_words)).values())
        ratio = 2 * shared / max(1, len(old_words) + len(new_words))
        return ratio if ratio >= PAIR_TABLE else 0.0
    if not old_words and not new_words:
        return 1.0 if properties_key(old) == properties_key(new) else 0.6
    shared = sum((Counter(old_words) & Counter(new_words)).values())  # words in common, in any order: cheap on long paragraphs
    ratio = 2 * shared / (len(old_words) + len(new_words))
    return ratio if ratio >= PAIR_PARAGRAPH else 0.0


def _columns(table: Any) -> int:
    return len(table.findall(f"{W}tblGrid/{W}gridCol"))


# --- tables ----------------------------------------------------------------------------------------------------


def _compare_table(old: Any, new: Any, marks: Marks, resolve_old: Resolve, resolve_new: Resolve) -> None:
    old_rows = old.findall(f"{W}tr")
    new_rows = new.findall(f"{W}tr")
    old_keys = [_row_key(r) for r in old_rows]
    new_keys = [_row_key(r) for r in new_rows]
    cursor: Any = None
    for op, i1, i2, j1, j2 in opcodes(old_keys, new_keys):
        stretch = list(zip(old_rows[i1:i2], new_rows[j1:j2], strict=True)) if op == "equal" else _pair_rows(old_rows[i1:i2], new_rows[j1:j2])
        for old_row, new_row in stretch:
            if old_row is not None and new_row is not None:
                if not _same(old_row, new_row):
                    for old_cell, new_cell in zip(old_row.findall(f"{W}tc"), new_row.findall(f"{W}tc"), strict=True):
                        _compare_container(old_cell, new_cell, marks, resolve_old, resolve_new)
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


def _same(old: Any, new: Any) -> bool:
    """True when a table or row is the same XML in both documents (as compare_paragraphs decides for a paragraph)."""
    return bool(etree.tostring(old) == etree.tostring(new))


def _row_key(row: Any) -> tuple[str, ...]:
    return tuple(" ".join(_text(p) for p in cell.iter(f"{W}p")) for cell in row.findall(f"{W}tc"))


def _pair_rows(old: list[Any], new: list[Any]) -> list[tuple[Any, Any]]:
    """Rows of one changed stretch paired by likeness when they have the same cells; the rest removed or added."""
    pairs: list[tuple[Any, Any]] = []
    j = 0
    for old_row in old:
        old_words = " ".join(_row_key(old_row)).split()
        for k in range(j, len(new)):
            if len(new[k].findall(f"{W}tc")) != len(old_row.findall(f"{W}tc")):
                continue
            ratio = _row_likeness(old_words, " ".join(_row_key(new[k])).split())
            if ratio >= PAIR_PARAGRAPH or len(old) == len(new) == 1:
                pairs.extend((None, new[x]) for x in range(j, k))
                pairs.append((old_row, new[k]))
                j = k + 1
                break
        else:
            pairs.append((old_row, None))
    pairs.extend((None, new[x]) for x in range(j, len(new)))
    return _removed_first(pairs)


def _row_likeness(old: list[str], new: list[str]) -> float:
    """difflib's ratio of two rows' words; for long cells the share of words in common, which takes linear time."""
    if len(old) * len(new) > MAX_PAIRS:
        return 2 * sum((Counter(old) & Counter(new)).values()) / (len(old) + len(new))
    return difflib.SequenceMatcher(None, old, new, autojunk=False).ratio()


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
    blocks = [c for c in cell if c.tag in _BLOCK_TAGS]
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

