"""Comparison document: the new .docx with tracked changes (w:ins/w:del) against an earlier version."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..docx.namespaces import W
from ..docx.package import Package, first_free_id, stories
from ..docx.safety import package_data_problems
from ..errors import CompareError, Problem
from .blocks import compare_container
from .carry import adopter
from .pairing import remembered_text, remembering_texts
from .redline import Marks
from .revisions import Structure, has_changes, resolved_structures, structure

AUTHOR = "Avtalsgeneratorn"
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
    with remembering_texts():  # paragraph texts found before marking, for aligning blocks and rows
        expected = [(structure(_container(old_doc.tree(o)), remembered_text), structure(_container(new_doc.tree(n)), remembered_text)) for _, o, n in pairs]
        for _, old_part, new_part in pairs:
            marks.adopt = adopter(old_doc, old_part, new_doc, new_part)
            resolve_old, resolve_new = old_doc.resolver(old_part), new_doc.resolver(new_part)
            compare_container(_container(old_doc.tree(old_part)), _container(new_doc.tree(new_part)), marks, resolve_old, resolve_new)
            new_doc.changed.add(new_part)
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
