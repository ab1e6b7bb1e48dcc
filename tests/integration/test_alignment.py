"""Comparison of long paragraphs in bounded work: sentences first, words within changed sentences, huge ones whole."""

from __future__ import annotations

import datetime as dt
import difflib
import io
import random
import zipfile
from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any

import docx
import pytest
from click.testing import CliRunner
from lxml import etree

from avtalsgenerator.cli import main
from avtalsgenerator.compare.alignment import MAX_WORK, align
from avtalsgenerator.compare.document import compare_documents
from avtalsgenerator.compare.redline import MAX_PARAGRAPH_TOKENS, TOKEN
from avtalsgenerator.compare.revisions import W, accept_all, reject_all

WHEN = dt.datetime(2026, 12, 1, 9, 0)
_WORDS = [f"{stem}{ending}" for stem in ("avtal", "kommun", "region", "part", "uppgift", "kostnad", "nämnd", "beslut", "tjänst", "ansvar",
                                          "personal", "lokal", "system", "tillsyn", "uppföljning", "rapport", "budget", "avgift", "insats", "verksamhet")
          for ending in ("", "en", "er", "erna", "ens", "et", "ets", "s")]


def _text(words: int, seed: int) -> str:
    """A Swedish-looking paragraph of ``words`` words in sentences of 8 to 24 words."""
    rng = random.Random(seed)
    sentences, left = [], words
    while left > 0:
        length = min(left, rng.randint(8, 24))
        sentence = " ".join(rng.choice(_WORDS) for _ in range(length))
        sentences.append(sentence[0].upper() + sentence[1:] + ".")
        left -= length
    return " ".join(sentences)


def _edited(text: str, edits: int, seed: int) -> str:
    rng = random.Random(seed)
    words = text.split(" ")
    for _ in range(edits):
        words[rng.randrange(len(words))] = "ÄNDRAT"
    return " ".join(words)


def _word(text: str) -> bytes:
    made = docx.Document()
    made.add_paragraph("Avtalets syfte")
    made.add_paragraph(text)
    out = io.BytesIO()
    made.save(out)
    return out.getvalue()


def _body_text(data: bytes, resolve: Any) -> list[str]:
    body = resolve(etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")))
    return ["".join(t.text or "" for t in p.iter(f"{W}t")) for p in body.iter(f"{W}p")]


class _Counting(difflib.SequenceMatcher):  # type: ignore[type-arg]
    """difflib's matcher, adding up the work it is given (old × new elements) in ``cells``."""

    cells = 0

    def set_seqs(self, a: Sequence[Hashable], b: Sequence[Hashable]) -> None:
        _Counting.cells += len(a) * len(b)
        super().set_seqs(a, b)


@pytest.fixture
def counted_difflib(monkeypatch: pytest.MonkeyPatch) -> type[_Counting]:
    _Counting.cells = 0
    monkeypatch.setattr(difflib, "SequenceMatcher", _Counting)
    return _Counting


def test_a_rewritten_paragraph_of_20000_words_is_compared_in_bounded_work(counted_difflib: type[_Counting]) -> None:
    old, new = _text(20_000, 1), _text(20_000, 2)

    comparison = compare_documents(_word(old), _word(new), when=WHEN)  # checks itself: accept all = new, reject all = old

    assert counted_difflib.cells <= 3 * MAX_WORK  # word by word at once would be 40 000 × 40 000 tokens
    assert _body_text(comparison.data, accept_all)[1] == new
    assert _body_text(comparison.data, reject_all)[1] == old


def test_scattered_edits_in_a_long_paragraph_are_still_marked_word_by_word(counted_difflib: type[_Counting]) -> None:
    old = _text(20_000, 3)
    new = _edited(old, 40, 4)

    comparison = compare_documents(_word(old), _word(new), when=WHEN)

    assert counted_difflib.cells <= 3 * MAX_WORK
    assert comparison.inserted_words == new.split().count("ÄNDRAT") and comparison.deleted_words <= 40
    assert comparison.replaced_whole == 0


def test_a_paragraph_over_the_limit_is_replaced_whole_and_the_command_says_so(tmp_path: Path) -> None:
    words = MAX_PARAGRAPH_TOKENS // 2 + 1000
    old_text = _text(words, 5)
    new_text = _edited(old_text, 3, 6)
    assert len(TOKEN.findall(new_text)) > MAX_PARAGRAPH_TOKENS
    old, new = tmp_path / "gammal.docx", tmp_path / "ny.docx"
    old.write_bytes(_word(old_text))
    new.write_bytes(_word(new_text))

    result = CliRunner().invoke(main, ["jamfor", str(old), str(new)])

    assert result.exit_code == 0, result.output
    assert "Ett stycke var för långt för att jämföras ord för ord hela vägen" in result.output
    written = (tmp_path / "ny-jamforelse.docx").read_bytes()
    assert _body_text(written, accept_all)[1] == new_text
    assert _body_text(written, reject_all)[1] == old_text


@pytest.mark.parametrize("seed", range(30))
def test_align_gives_a_true_edit_script(seed: int) -> None:
    rng = random.Random(seed)
    old = [rng.choice("abcde .") for _ in range(rng.randint(0, 3000))]
    new = list(old)
    for _ in range(rng.randint(0, 60)):
        at = rng.randrange(len(new) + 1)
        new[at:at + rng.randint(0, 5)] = [rng.choice("abcxyz .") for _ in range(rng.randint(0, 5))]
    found = align(old, new, lambda seq, i: seq[i] == "." ).opcodes
    rebuilt: list[str] = []
    at_old = 0
    for op, i1, i2, j1, j2 in found:
        assert i1 == at_old
        if op == "equal":
            assert old[i1:i2] == new[j1:j2]
        rebuilt += new[j1:j2]
        at_old = i2
    assert at_old == len(old) and rebuilt == new


def test_the_change_report_says_which_comparison_has_paragraphs_replaced_whole(tmp_path: Path) -> None:
    from avtalsgenerator.output.changes import ComparisonEntry
    from avtalsgenerator.output.comparisons import report_lines

    entry = ComparisonEntry("avtal.docx", tmp_path / "jamforelse" / "avtal-2026-12-01.docx", 900, 850, replaced_whole=2)
    assert ComparisonEntry.from_json(entry.to_json()) == entry
    line = report_lines([entry], tmp_path)[-1]
    assert line.endswith("900 ord tillagda, 850 ord borttagna. 2 stycken var för långa för att jämföras ord för ord hela vägen; den "
                         "ändrade texten där visas som borttagen och tillagd i sin helhet, så läs den tidigare och den nya lydelsen där")
