"""Golden snapshots: the generated text of every document of every example in indata/avtal/.

Each snapshot (tests/golden/<avtals-id>/<dokument>.txt) holds the text of the document as a reader sees it: the
running headers and footers, then every paragraph with its Word style and every table row with its cells. A change
to a template, the schemas or the generator that changes an issued agreement shows here as a readable diff.

Update the snapshots after a deliberate change, and review the diff before committing:

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/integration/test_golden.py
"""

from __future__ import annotations

import difflib
import io
import os
from functools import cache
from pathlib import Path

import docx
import pytest
from conftest import TEMPLATES, THRESHOLDS, example_paths
from docx.table import Table
from docx.text.paragraph import Paragraph

from avtalsgenerator.agreement.thresholds import load_thresholds
from avtalsgenerator.output.batch import Built, Settings, build
from avtalsgenerator.templates.render import Renderer

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def docx_text(data: bytes) -> list[str]:
    """The document's text, line by line: headers and footers first, then the body in reading order."""
    document = docx.Document(io.BytesIO(data))
    lines: list[str] = []
    for n, section in enumerate(document.sections, start=1):
        for part, name in ((section.header, "sidhuvud"), (section.footer, "sidfot")):
            lines.extend(f"[{name} {n}] {p.text}" for p in part.paragraphs if p.text.strip())
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = Paragraph(block, document)
            if paragraph.text.strip():
                lines.append(f"[{paragraph.style.name if paragraph.style is not None else ''}] {paragraph.text}")
        elif tag == "tbl":
            for row in Table(block, document).rows:
                lines.append("| " + " | ".join(" / ".join(p.text for p in cell.paragraphs if p.text.strip()) for cell in row.cells) + " |")
    return lines


@cache
def build_example(path: Path) -> Built:
    built = build(path, Settings(TEMPLATES, load_thresholds(THRESHOLDS)), Renderer())
    assert not built.problems, [str(p) for p in built.problems]
    return built


def cases() -> list[tuple[Path, str]]:
    return [(path, name) for path in example_paths() for name in build_example(path).outputs]


@pytest.fixture(scope="module")
def built_examples() -> dict[Path, Built]:
    return {path: build_example(path) for path in example_paths()}


@pytest.mark.parametrize(("path", "name"), cases(), ids=lambda x: x.stem if isinstance(x, Path) else x)
def test_generated_text_matches_golden_snapshot(path: Path, name: str, built_examples: dict[Path, Built]) -> None:
    built = built_examples[path]
    actual = "\n".join(docx_text(built.outputs[name])) + "\n"
    snapshot = GOLDEN / built.agreement_id / name.replace(".docx", ".txt")
    if UPDATE:
        snapshot.parent.mkdir(parents=True, exist_ok=True)
        snapshot.write_text(actual, encoding="utf-8")
    assert snapshot.exists(), f"ingen ögonblicksbild {snapshot}; skapa den med make fornya"
    expected = snapshot.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True), str(snapshot), "genererat", n=2))
        pytest.fail(f"{name} för {built.agreement_id} skiljer sig från ögonblicksbilden. Är ändringen avsedd (en ändrad mall eller ett "
                    f"nytt fält), förnya ögonblicksbilderna med make fornya och läs igenom skillnaden:\n{diff}", pytrace=False)


def test_every_snapshot_belongs_to_a_generated_document(built_examples: dict[Path, Built]) -> None:
    """A snapshot left behind by a removed example or document would hide that the document is no longer made."""
    expected = {f"{b.agreement_id}/{name.replace('.docx', '.txt')}" for b in built_examples.values() for name in b.outputs}
    found = {str(p.relative_to(GOLDEN)) for p in GOLDEN.glob("*/*.txt")}
    if UPDATE:
        for stale in found - expected:
            (GOLDEN / stale).unlink()
        found &= expected
    assert found == expected
