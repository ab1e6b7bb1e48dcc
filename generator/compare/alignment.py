"""Alignment of long sequences in bounded time: chunks (sentences) anchored first, then elements within changed chunks."""

from __future__ import annotations

import difflib
from bisect import bisect_left
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

Opcode = tuple[str, int, int, int, int]
Ends = Callable[[Sequence[Hashable], int], bool]

MAX_PAIRS = 40_000  # old × new elements difflib compares in one changed stretch (its time grows faster than that product)
MAX_WORK = 2_000_000  # the sum of those products in one alignment; beyond it, changed stretches are given as replaced whole


@dataclass(frozen=True)
class Alignment:
    """difflib-style opcodes from old to new; ``coarse`` when some changed stretch was too long to compare element by element."""

    opcodes: list[Opcode]
    coarse: bool


def align(old: Sequence[Hashable], new: Sequence[Hashable], ends: Ends | None = None) -> Alignment:
    """Opcodes (as difflib's ``get_opcodes``) turning ``old`` into ``new``, found in bounded time.

    The common start and end are left out, and a short changed stretch is compared element by element with
    difflib. A long one is cut into chunks when ``ends`` is given (``ends(seq, i)``: a chunk ends after
    element i, e.g. a sentence); the chunks that occur once on each side anchor the alignment (patience
    diff), the chunks between anchors are compared with difflib, and the elements of changed chunks one
    by one. Each difflib call is bounded (MAX_PAIRS) and so is their sum (MAX_WORK): a stretch beyond that
    is given as replaced whole, and the alignment says it is ``coarse``.
    """
    work = _Aligner(ends)
    work.stretch(old, new, 0, len(old), 0, len(new), ends is not None, work.found)
    return Alignment(_merged(work.found), work.coarse)


@dataclass
class _Aligner:
    ends: Ends | None
    found: list[Opcode] = field(default_factory=list)
    budget: int = MAX_WORK
    coarse: bool = False

    def stretch(self, old: Sequence[Hashable], new: Sequence[Hashable], i1: int, i2: int, j1: int, j2: int, chunked: bool,
                found: list[Opcode]) -> None:
        head, tail = _trimmed(old, new, i1, i2, j1, j2)
        if head:
            found.append(("equal", i1, i1 + head, j1, j1 + head))
        i1, j1, i2, j2 = i1 + head, j1 + head, i2 - tail, j2 - tail
        size = (i2 - i1) * (j2 - j1)
        if i1 == i2 or j1 == j2:
            if i1 != i2 or j1 != j2:
                found.append(("insert" if i1 == i2 else "delete", i1, i2, j1, j2))
        elif size <= min(MAX_PAIRS, self.budget):
            self.budget -= size
            matcher = difflib.SequenceMatcher(None, old[i1:i2], new[j1:j2], autojunk=False)
            found.extend((op, a1 + i1, a2 + i1, b1 + j1, b2 + j1) for op, a1, a2, b1, b2 in matcher.get_opcodes())
        elif chunked and self.ends is not None:
            self.by_chunks(old, new, i1, i2, j1, j2, self.ends, found)
        else:
            self.anchored(old, new, i1, i2, j1, j2, found)
        if tail:
            found.append(("equal", i2, i2 + tail, j2, j2 + tail))

    def anchored(self, old: Sequence[Hashable], new: Sequence[Hashable], i1: int, i2: int, j1: int, j2: int, found: list[Opcode]) -> None:
        """Align on the elements that occur once on each side; without any, the stretch is replaced whole."""
        anchors = _anchors(old[i1:i2], new[j1:j2])
        if not anchors:
            found.append(("replace", i1, i2, j1, j2))
            self.coarse = True
            return
        a, b = i1, j1
        for i, j in [*((i + i1, j + j1) for i, j in anchors), (i2, j2)]:
            if (a, b) != (i, j):
                self.stretch(old, new, a, i, b, j, False, found)
            if i < i2:
                found.append(("equal", i, i + 1, j, j + 1))
            a, b = i + 1, j + 1

    def by_chunks(self, old: Sequence[Hashable], new: Sequence[Hashable], i1: int, i2: int, j1: int, j2: int, ends: Ends,
                  found: list[Opcode]) -> None:
        """Align the chunks (sentences) first, then compare the elements of each changed run of chunks."""
        old_cuts, new_cuts = _cuts(old, i1, i2, ends), _cuts(new, j1, j2, ends)
        old_chunks = [tuple(old[a:b]) for a, b in pairwise(old_cuts)]
        new_chunks = [tuple(new[a:b]) for a, b in pairwise(new_cuts)]
        chunk_ops: list[Opcode] = []
        self.stretch(old_chunks, new_chunks, 0, len(old_chunks), 0, len(new_chunks), False, chunk_ops)
        for op, c1, c2, d1, d2 in chunk_ops:
            a1, a2, b1, b2 = old_cuts[c1], old_cuts[c2], new_cuts[d1], new_cuts[d2]
            if op != "replace":
                found.append((op, a1, a2, b1, b2))
            elif (a2 - a1) * (b2 - b1) <= MAX_PAIRS or c2 - c1 == 1 or d2 - d1 == 1:
                self.stretch(old, new, a1, a2, b1, b2, False, found)
            else:  # several changed sentences in a row: the first old one with the first new one, and so on
                for k in range(max(c2 - c1, d2 - d1)):
                    c, d = min(c1 + k, c2), min(d1 + k, d2)
                    self.stretch(old, new, old_cuts[c], old_cuts[min(c + 1, c2)], new_cuts[d], new_cuts[min(d + 1, d2)], False, found)


def _trimmed(old: Sequence[Hashable], new: Sequence[Hashable], i1: int, i2: int, j1: int, j2: int) -> tuple[int, int]:
    """How many elements the stretches share at their start and (after that) at their end."""
    limit = min(i2 - i1, j2 - j1)
    head = 0
    while head < limit and old[i1 + head] == new[j1 + head]:
        head += 1
    tail = 0
    while tail < limit - head and old[i2 - 1 - tail] == new[j2 - 1 - tail]:
        tail += 1
    return head, tail


def _anchors(old: Sequence[Hashable], new: Sequence[Hashable]) -> list[tuple[int, int]]:
    """(i, j) of elements that occur once on each side: the longest chain of them in the same order on both."""
    count_old: dict[Hashable, int] = {}
    for item in old:
        count_old[item] = count_old.get(item, 0) + 1
    count_new: dict[Hashable, int] = {}
    where_new: dict[Hashable, int] = {}
    for j, item in enumerate(new):
        count_new[item] = count_new.get(item, 0) + 1
        where_new[item] = j
    candidates = [(i, where_new[item]) for i, item in enumerate(old) if count_old[item] == 1 and count_new.get(item) == 1]
    tails: list[int] = []  # longest increasing run of j: smallest last j of a run of each length
    ends_at: list[int] = []
    previous: list[int] = []
    for index, (_, j) in enumerate(candidates):
        at = bisect_left(tails, j)
        if at == len(tails):
            tails.append(j)
            ends_at.append(index)
        else:
            tails[at] = j
            ends_at[at] = index
        previous.append(ends_at[at - 1] if at else -1)
    chain: list[tuple[int, int]] = []
    index = ends_at[-1] if ends_at else -1
    while index >= 0:
        chain.append(candidates[index])
        index = previous[index]
    return chain[::-1]


def _cuts(seq: Sequence[Hashable], start: int, end: int, ends: Ends) -> list[int]:
    """Where the chunks of ``seq[start:end]`` begin, and ``end``."""
    return [start, *(index + 1 for index in range(start, end - 1) if ends(seq, index)), end]


def _merged(found: list[Opcode]) -> list[Opcode]:
    """The opcodes without empty ones, neighbouring equal ones joined."""
    merged: list[Opcode] = []
    for op, i1, i2, j1, j2 in found:
        if i1 == i2 and j1 == j2:
            continue
        if merged and merged[-1][0] == op == "equal":
            merged[-1] = (op, merged[-1][1], i2, merged[-1][3], j2)
        else:
            merged.append((op, i1, i2, j1, j2))
    return merged
