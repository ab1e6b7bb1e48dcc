"""Word-level tracked changes inside a paragraph, and whole paragraphs marked as inserted or deleted."""

from __future__ import annotations

import copy
import re
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from ..docx.namespaces import R_NS, XML_SPACE, W
from .alignment import Alignment, align

# Numbers with grouped thousands ("750 000", "0,589") are one word; otherwise words, spaces and single signs.
TOKEN = re.compile(r"\d+(?:[\u00a0\u202f]\d{3})+(?:,\d+)?|\d+,\d+|\w+|\s+|[^\w\s]")
WORD = re.compile(r"\w")
WRAPPERS = frozenset(f"{W}{t}" for t in ("hyperlink", "smartTag", "fldSimple", "customXml"))
MARKERS = frozenset(
    f"{W}{t}"
    for t in ("bookmarkStart", "bookmarkEnd", "proofErr", "permStart", "permEnd", "commentRangeStart", "commentRangeEnd")
)
# A paragraph longer than this (tokens: words, spaces, signs; about 50 000 words) is shown removed and added whole.
MAX_PARAGRAPH_TOKENS = 100_000
CUT_EVERY = 64
_SENTENCE_SIGNS = frozenset(".!?:;")
_SKIPPED_IN_RUN = frozenset({f"{W}rPr", f"{W}lastRenderedPageBreak"})
_NOT_PROPERTIES = frozenset({f"{W}rPr", f"{W}sectPr", f"{W}pPrChange"})


@dataclass
class Marks:
    """Makes the revision elements of one comparison: shared author, date and id counter; counts words."""

    author: str
    date: str
    next_id: int = 1
    inserted_words: int = 0
    deleted_words: int = 0
    replaced_whole: int = 0  # paragraphs (some of) whose text was too long to compare word by word and is shown removed and added whole
    adopt: Callable[[Any], Any] = field(default=lambda element: element)  # remaps r:ids of elements copied from the old document

    def make(self, kind: str) -> Any:
        element = etree.Element(f"{W}{kind}")
        element.set(f"{W}id", str(self.next_id))
        element.set(f"{W}author", self.author)
        element.set(f"{W}date", self.date)
        self.next_id += 1
        return element


@dataclass(frozen=True)
class Atom:
    """One word, space, sign or run element of a paragraph, with what it must be compared and rebuilt with."""

    key: tuple[Any, ...]
    value: Any  # the token text, or the element (tab, break, field character, drawing, marker, opaque element)
    rpr: Any = None
    wrapper: Any = None
    wrapper_key: Any = None
    marker: bool = False
    opaque: bool = False


Resolve = Callable[[str], str]


def atoms(paragraph: Any, resolve: Resolve) -> list[Atom]:
    """The paragraph's content as atoms in reading order (``resolve`` turns a relationship id into its target)."""
    found: list[Atom] = []
    for child in paragraph:
        tag = child.tag
        if tag == f"{W}pPr" or not isinstance(tag, str):
            continue
        if tag == f"{W}r":
            _run_atoms(child, None, None, found)
        elif tag in WRAPPERS:
            key = _wrapper_key(child, resolve)
            for sub in child:
                if sub.tag == f"{W}r":
                    _run_atoms(sub, child, key, found)
                elif sub.tag in MARKERS:
                    found.append(Atom(("m",), sub, marker=True))
                elif isinstance(sub.tag, str):
                    found.append(Atom(("o", etree.tostring(sub)), sub, wrapper=child, wrapper_key=key, opaque=True))
        elif tag in MARKERS:
            found.append(Atom(("m",), child, marker=True))
        else:
            found.append(Atom(("o", etree.tostring(child)), child, opaque=True))
    return found


def _run_atoms(run: Any, wrapper: Any, wrapper_key: Any, found: list[Atom]) -> None:
    rpr = run.find(f"{W}rPr")
    rkey = etree.tostring(rpr) if rpr is not None else b""
    for child in run:
        if child.tag in _SKIPPED_IN_RUN or not isinstance(child.tag, str):
            continue
        if child.tag == f"{W}t":
            found.extend(Atom(("t", token, rkey, wrapper_key), token, rpr, wrapper, wrapper_key) for token in TOKEN.findall(child.text or ""))
        else:
            found.append(Atom(("e", etree.tostring(child), rkey, wrapper_key), child, rpr, wrapper, wrapper_key))


def _wrapper_key(wrapper: Any, resolve: Resolve) -> tuple[Any, ...]:
    attributes = sorted((k, resolve(v) if k.startswith(f"{{{R_NS}}}") else v) for k, v in wrapper.attrib.items())
    return (wrapper.tag, tuple(attributes))


Piece = tuple[str, Atom]  # ("same" | "ins" | "del", atom)


def diff(old: list[Atom], new: list[Atom]) -> list[Piece]:
    """The new paragraph's atoms with the old one's deleted atoms in place; markers are kept from the new side."""
    return diff_bounded(old, new)[0]


def diff_bounded(old: list[Atom], new: list[Atom]) -> tuple[list[Piece], bool]:
    """``diff`` in bounded time, and whether some of the text had to be given as removed and added whole.

    Sentences are aligned first and words compared within changed sentences (``alignment.align``); a
    paragraph with more than MAX_PARAGRAPH_TOKENS tokens on either side is not compared at all: all its old
    text is shown removed and all its new text added.
    """
    old_content = [a for a in old if not a.marker]
    new_content: list[Atom] = []
    markers_before: dict[int, list[Atom]] = {}
    for atom in new:
        if atom.marker:
            markers_before.setdefault(len(new_content), []).append(atom)
        else:
            new_content.append(atom)
    pieces: list[Piece] = []

    def take_new(j: int, state: str) -> None:
        pieces.extend(("same", m) for m in markers_before.get(j, []))
        pieces.append((state, new_content[j]))

    old_keys, new_keys = [a.key for a in old_content], [a.key for a in new_content]
    if max(len(old_keys), len(new_keys)) > MAX_PARAGRAPH_TOKENS:
        found = Alignment([("replace", 0, len(old_keys), 0, len(new_keys))], True)
    else:
        found = align(old_keys, new_keys, _sentence_end)
    for op, i1, i2, j1, j2 in _readable(found.opcodes, new_content):
        if op in ("delete", "replace"):
            pieces.extend(("del", old_content[i]) for i in range(i1, i2))
        for j in range(j1, j2):
            take_new(j, "same" if op == "equal" else "ins")
    pieces.extend(("same", m) for m in markers_before.get(len(new_content), []))
    return pieces, found.coarse


def _sentence_end(keys: Sequence[Any], index: int) -> bool:
    """True when a sentence (a chunk for ``align``) ends after token ``index``: a space after . ! ? or :, or, so that
    a long text without full stops is cut too, after a word whose checksum is a multiple of CUT_EVERY (the same
    words cut the old and the new text in the same places)."""
    key = keys[index]
    if key[0] != "t":
        return False
    token = key[1]
    if token.isspace():
        before = keys[index - 1] if index else None
        return before is not None and before[0] == "t" and before[1] in _SENTENCE_SIGNS
    return bool(WORD.search(token)) and zlib.crc32(token.encode("utf-8")) % CUT_EVERY == 0


def opcodes(old: Sequence[Any], new: Sequence[Any]) -> list[tuple[str, int, int, int, int]]:
    """difflib's opcodes for blocks or rows, with the common start and end left out and the work bounded (``alignment.align``)."""
    return align(old, new).opcodes


def _readable(opcodes: Sequence[tuple[str, int, int, int, int]], new: list[Atom]) -> list[tuple[str, int, int, int, int]]:
    """Fold a lone space kept between two changes into them, so a reader sees "old words" → "new words"."""
    merged: list[tuple[str, int, int, int, int]] = []
    for index, (op, i1, i2, j1, j2) in enumerate(opcodes):
        between = 0 < index < len(opcodes) - 1 and op == "equal" and merged and merged[-1][0] != "equal" and opcodes[index + 1][0] != "equal"
        if between and all(isinstance(a.value, str) and not a.value.strip() for a in new[j1:j2]):
            op = "replace"
        if merged and op != "equal" and merged[-1][0] != "equal":
            _, a1, _, b1, _ = merged[-1]
            merged[-1] = ("replace", a1, i2, b1, j2)
        else:
            merged.append((op, i1, i2, j1, j2))
    return merged


def build(pieces: list[Piece], marks: Marks) -> list[Any]:
    """Paragraph content for the pieces: runs grouped by state and formatting, in w:ins / w:del where changed."""
    holder = etree.Element(f"{W}p")
    wrap_key: Any = object()
    wrap: Any = holder
    state_now: str | None = None
    change: Any = None
    run: Any = None
    run_key: Any = None
    text: Any = None
    filled: list[tuple[Any, list[str]]] = []
    for state, atom in pieces:
        if atom.wrapper_key != wrap_key:
            wrap_key = atom.wrapper_key
            wrap = holder if wrap_key is None else etree.SubElement(holder, atom.wrapper.tag, dict(atom.wrapper.attrib))
            if wrap_key is not None and state == "del":
                marks.adopt(wrap)
            state_now, run = None, None
        if atom.marker:
            wrap.append(copy.deepcopy(atom.value))
            state_now, run = None, None
            continue
        if state != state_now:
            state_now = state
            change = wrap if state == "same" else _append(wrap, marks.make(state))
            run = None
        if state != "same" and isinstance(atom.value, str) and WORD.search(atom.value):
            if state == "ins":
                marks.inserted_words += 1
            else:
                marks.deleted_words += 1
        if atom.opaque:
            change.append(_copy(atom.value, state, marks))
            run = None
            continue
        if run is None or atom.key[2] != run_key:
            run = etree.SubElement(change, f"{W}r")
            run_key = atom.key[2]
            if atom.rpr is not None:
                run.append(copy.deepcopy(atom.rpr))
            text = None
        if isinstance(atom.value, str):
            if text is None:
                text = etree.SubElement(run, f"{W}delText" if state == "del" else f"{W}t")
                text.set(XML_SPACE, "preserve")
                filled.append((text, []))
            filled[-1][1].append(atom.value)  # joined at the end: adding to an lxml text one token at a time takes quadratic time
        else:
            run.append(_copy(atom.value, state, marks))
            text = None
    for element, tokens in filled:
        element.text = "".join(tokens)
    return list(holder)


def _append(parent: Any, child: Any) -> Any:
    parent.append(child)
    return child


def _copy(element: Any, state: str, marks: Marks) -> Any:
    """A copy of a run element for the given state: deleted text becomes w:delText, old relationship ids are remapped."""
    made = copy.deepcopy(element)
    if state == "del":
        marks.adopt(made)
        for node in made.iter(f"{W}t", f"{W}instrText"):
            node.tag = f"{W}delText" if node.tag == f"{W}t" else f"{W}delInstrText"
        if made.tag == f"{W}instrText":
            made.tag = f"{W}delInstrText"
    return made


def replace_content(paragraph: Any, content: list[Any]) -> None:
    for child in list(paragraph):
        if child.tag != f"{W}pPr":
            paragraph.remove(child)
    paragraph.extend(content)


def properties_key(paragraph: Any) -> bytes:
    """The paragraph's own properties (style, numbering, spacing), without its mark's formatting or section."""
    properties = paragraph.find(f"{W}pPr")
    if properties is None:
        return b""
    return b"".join(etree.tostring(c) for c in properties if c.tag not in _NOT_PROPERTIES)


def compare_paragraphs(old: Any, new: Any, marks: Marks, resolve_old: Resolve, resolve_new: Resolve) -> None:
    """Mark the word-level changes from ``old`` in ``new`` (in place); a property change is recorded as w:pPrChange."""
    if etree.tostring(old) == etree.tostring(new):
        return
    pieces, coarse = diff_bounded(atoms(old, resolve_old), atoms(new, resolve_new))
    if coarse:
        marks.replaced_whole += 1
    if any(state != "same" for state, _ in pieces):
        replace_content(new, build(pieces, marks))
    if properties_key(old) != properties_key(new):
        record_properties(new, old.find(f"{W}pPr"), marks)


def mark_inserted(paragraph: Any, marks: Marks, resolve: Resolve) -> None:
    """Turn a paragraph of the new document into an inserted one: its content and its paragraph mark."""
    pieces = [("same" if a.marker else "ins", a) for a in atoms(paragraph, resolve)]
    replace_content(paragraph, build(pieces, marks))
    set_mark(paragraph, marks.make("ins"))


def deleted_copy(paragraph: Any, marks: Marks, resolve: Resolve, *, mark: bool = True) -> Any:
    """A copy of a paragraph of the old document with all its content (and, with ``mark``, its mark) deleted."""
    made = etree.Element(f"{W}p")
    properties = paragraph.find(f"{W}pPr")
    if properties is not None:
        kept = copy.deepcopy(properties)
        for child in kept.findall(f"{W}sectPr"):
            kept.remove(child)
        made.append(kept)
    pieces = [("del", a) for a in atoms(paragraph, resolve) if not a.marker]
    made.extend(build(pieces, marks))
    if mark:
        set_mark(made, marks.make("del"))
    return made


def set_mark(paragraph: Any, revision: Any) -> None:
    """Record the paragraph mark as inserted or deleted (w:pPr/w:rPr/w:ins|w:del)."""
    properties = paragraph.find(f"{W}pPr")
    if properties is None:
        properties = etree.Element(f"{W}pPr")
        paragraph.insert(0, properties)
    mark = properties.find(f"{W}rPr")
    if mark is None:
        mark = etree.Element(f"{W}rPr")
        later = [c for c in properties if c.tag in (f"{W}sectPr", f"{W}pPrChange")]
        if later:
            later[0].addprevious(mark)
        else:
            properties.append(mark)
    position = 1 if revision.tag == f"{W}del" and mark.find(f"{W}ins") is not None else 0
    mark.insert(position, revision)


def take_mark(paragraph: Any) -> Any:
    """Remove and return the paragraph mark's insertion or deletion, or None."""
    mark = paragraph.find(f"{W}pPr/{W}rPr")
    if mark is None:
        return None
    for revision in mark:
        if revision.tag in (f"{W}ins", f"{W}del"):
            mark.remove(revision)
            return revision
    return None


def record_properties(paragraph: Any, old_properties: Any, marks: Marks) -> None:
    """Keep the current paragraph properties and record ``old_properties`` as what rejecting restores."""
    properties = paragraph.find(f"{W}pPr")
    if properties is None:
        properties = etree.Element(f"{W}pPr")
        paragraph.insert(0, properties)
    for existing in properties.findall(f"{W}pPrChange"):
        properties.remove(existing)
    change = marks.make("pPrChange")
    recorded = etree.SubElement(change, f"{W}pPr")
    for child in old_properties if old_properties is not None else []:
        if child.tag not in _NOT_PROPERTIES:
            recorded.append(copy.deepcopy(child))
    properties.append(change)


def set_properties(paragraph: Any, source: Any) -> None:
    """Give ``paragraph`` the paragraph properties of ``source`` (its mark's revision and section are kept)."""
    properties = paragraph.find(f"{W}pPr")
    if properties is None:
        properties = etree.Element(f"{W}pPr")
        paragraph.insert(0, properties)
    for child in list(properties):
        if child.tag not in _NOT_PROPERTIES:
            properties.remove(child)
    wanted = [copy.deepcopy(c) for c in (source if source is not None else []) if c.tag not in _NOT_PROPERTIES]
    for index, child in enumerate(wanted):
        properties.insert(index, child)


def words(text: str) -> int:
    return sum(1 for token in TOKEN.findall(text) if WORD.search(token))
