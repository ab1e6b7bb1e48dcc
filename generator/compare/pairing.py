"""Which blocks and table rows of two versions are one changed block or row: alignment keys and pairing by likeness."""

from __future__ import annotations

import contextlib
import difflib
from collections import Counter
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from lxml import etree

from ..docx.namespaces import W
from .alignment import MAX_PAIRS
from .redline import opcodes, properties_key
from .revisions import paragraph_text

PAIR_PARAGRAPH = 0.5  # two paragraphs this alike (share of words) are one paragraph changed, not one removed and one added
PAIR_TABLE = 0.3
MAX_PAIRING = 4000  # old × new blocks in one changed stretch beyond which blocks are not paired one by one
BLOCK_TAGS = (f"{W}p", f"{W}tbl")
_TEXTS: ContextVar[dict[Any, str] | None] = ContextVar("paragraph_texts", default=None)


@contextlib.contextmanager
def remembering_texts() -> Iterator[None]:
    """Within this block ``remembered_text`` keeps each paragraph's text: one comparison's texts found before marking."""
    token = _TEXTS.set({})
    try:
        yield
    finally:
        _TEXTS.reset(token)


def remembered_text(paragraph: Any) -> str:
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
        return ("p", remembered_text(block))
    return ("tbl", "\n".join(" | ".join(row_key(row)) for row in block.findall(f"{W}tr")))


def align(old: list[Any], new: list[Any]) -> list[tuple[Any, Any]]:
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
        if columns(old) != columns(new):
            return 0.0
        shared = sum((Counter(old_words) & Counter(new_words)).values())
        ratio = 2 * shared / max(1, len(old_words) + len(new_words))
        return ratio if ratio >= PAIR_TABLE else 0.0
    if not old_words and not new_words:
        return 1.0 if properties_key(old) == properties_key(new) else 0.6
    shared = sum((Counter(old_words) & Counter(new_words)).values())  # words in common, in any order: cheap on long paragraphs
    ratio = 2 * shared / (len(old_words) + len(new_words))
    return ratio if ratio >= PAIR_PARAGRAPH else 0.0


def columns(table: Any) -> int:
    return len(table.findall(f"{W}tblGrid/{W}gridCol"))


def row_key(row: Any) -> tuple[str, ...]:
    return tuple(" ".join(remembered_text(p) for p in cell.iter(f"{W}p")) for cell in row.findall(f"{W}tc"))


def pair_rows(old: list[Any], new: list[Any]) -> list[tuple[Any, Any]]:
    """Rows of one changed stretch paired by likeness when they have the same cells; the rest removed or added."""
    pairs: list[tuple[Any, Any]] = []
    j = 0
    for old_row in old:
        old_words = " ".join(row_key(old_row)).split()
        for k in range(j, len(new)):
            if len(new[k].findall(f"{W}tc")) != len(old_row.findall(f"{W}tc")):
                continue
            ratio = _row_likeness(old_words, " ".join(row_key(new[k])).split())
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


def same(old: Any, new: Any) -> bool:
    """True when a table or row is the same XML in both documents (as compare_paragraphs decides for a paragraph)."""
    return bool(etree.tostring(old) == etree.tostring(new))
