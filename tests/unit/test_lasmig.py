"""Every template snippet in mallar/LASMIG.md is rendered: the guide cannot teach a tag that does not work."""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docx
import pytest
from conftest import EXAMPLES, MAIN_TEMPLATE_NAMES, REQUIRED_PARTS, TEMPLATES, THRESHOLDS

from avtalsgenerator.agreement.thresholds import load_thresholds
from avtalsgenerator.errors import AvtalError
from avtalsgenerator.kinds import TEMPLATE_FILES
from avtalsgenerator.prepare import Prepared, prepare
from avtalsgenerator.templates.check import check_templates
from avtalsgenerator.templates.render import Renderer
from avtalsgenerator.templates.trial import trial_agreements

GUIDE = TEMPLATES / "LASMIG.md"
_FENCE = re.compile(r"^```([\w-]*)\n(.*?)^```$", re.DOTALL | re.MULTILINE)
_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}")


def guide() -> str:
    return GUIDE.read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    return [body for lang, body in _FENCE.findall(guide()) if lang == language]


def inline_snippets() -> list[str]:
    """Code spans in the running text (tables included) that hold a tag, as the author would type them."""
    prose = _FENCE.sub("", guide())
    spans = [span.replace("\\|", "|") for span in re.findall(r"`([^`\n]+)`", prose)]
    return [span for span in spans if re.search(r"\{[{%#]", span)]


def placeholder(snippet: str) -> bool:
    """``{{ … }}``, ``{%p elif … %}``, ``{{ värde|filter }}``: a pattern to fill in, not a snippet to render."""
    return any("…" in tag or "värde" in tag for tag in _TAG.findall(snippet)) or not _TAG.search(snippet)


@functools.cache
def agreements() -> list[Prepared]:
    thresholds = load_thresholds(THRESHOLDS)
    return [prepare(path, thresholds) for path in trial_agreements(EXAMPLES)]


def homes(folder: Path, write: Callable[[Path], Path]) -> list[tuple[Path, list[Prepared]]]:
    """The snippet written as each shipped template, kept where it passes the check, with the trial agreements made with it.

    A snippet belongs where the check accepts it: one using ``ekonomi`` in avtal.docx (whose kinds all require it),
    one using ``avtal.huvudavtal`` in tillaggsavtal.docx.
    """
    found = []
    for name in TEMPLATE_FILES:
        (folder / name.removesuffix(".docx")).mkdir()
        template = write(folder / name.removesuffix(".docx") / name)
        if check_templates([template]) == []:
            found.append((template, [a for a in agreements() if name in a.documents.values()]))
    return found


def paragraphs_template(path: Path, lines: list[str]) -> Path:
    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    return completed(document, path)


def completed(document: Any, path: Path) -> Path:
    """Save ``document`` at ``path``, with the parts a main template must have when ``path`` is named as one."""
    if path.name in MAIN_TEMPLATE_NAMES:
        for text in REQUIRED_PARTS:
            document.add_paragraph(text)
    document.save(str(path))
    return path


def table_template(path: Path, rows: list[list[str]]) -> Path:
    document = docx.Document()
    document.add_paragraph("Tabell")
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    return completed(document, path)


def text_of(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    texts = [p.text for p in document.paragraphs]
    texts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(texts)


def test_the_guide_has_template_blocks() -> None:
    assert len(blocks("jinja")) >= 6
    assert len(blocks("jinja-tabell")) == 1


@pytest.mark.parametrize("block", blocks("jinja"), ids=lambda b: b.splitlines()[0][:40])
def test_every_template_block_passes_the_check_and_renders_for_every_trial_agreement(tmp_path: Path, block: str) -> None:
    found = homes(tmp_path, lambda path: paragraphs_template(path, block.rstrip("\n").split("\n")))
    assert found, "blocket klarar kontrollen i ingen av mallarna"
    renderer = Renderer()
    for template, trials in found:
        assert trials, template.name
        for agreement in trials:
            text = text_of(renderer.render(template, agreement.context, agreement.file))
            assert "{" not in text, f"{template.name}, {agreement.file}: {text}"


def test_the_table_block_passes_the_check_and_repeats_a_row_per_party(tmp_path: Path) -> None:
    [block] = blocks("jinja-tabell")
    rows = [[cell.strip() for cell in re.split(r"\s+\|(?=\s|$)", line)] for line in block.rstrip("\n").split("\n")]
    found = homes(tmp_path, lambda path: table_template(path, rows))
    assert found, "tabellen klarar kontrollen i ingen av mallarna"
    for template, trials in found:
        for agreement in trials:
            document = docx.Document(io.BytesIO(Renderer().render(template, agreement.context, agreement.file)))
            names = [row.cells[0].text for row in document.tables[0].rows[1:]]
            assert names == [p["namn"] for p in agreement.context["parter"]]


def test_every_tag_in_the_text_is_in_a_rendered_block_or_renders_by_itself(tmp_path: Path) -> None:
    rendered_blocks = "\n".join(blocks("jinja") + blocks("jinja-tabell"))
    trials = agreements()
    renderer = Renderer()
    checked = 0
    for index, snippet in enumerate(inline_snippets()):
        if placeholder(snippet) or snippet in rendered_blocks:
            continue
        template = paragraphs_template(tmp_path / f"span{index}.docx", [snippet])
        assert [p for p in check_templates([template]) if p.severity == "fel"] == [], snippet
        outputs = []
        for agreement in trials:
            try:
                outputs.append(text_of(renderer.render(template, agreement.context, agreement.file)))
            except AvtalError:
                continue
        assert outputs, f"{snippet} går inte att rendera med något provavtal"
        checked += 1
    assert checked >= 15


def test_filter_table_results_are_what_the_filters_give() -> None:
    rows = re.findall(r"^\| `(\w+)` \| `(\{\{.*?\}\})`[^|]*\| `([^`]+)` \((?:[^;)]*?)([\w-]+)?(?:;[^)]*)?\) \|$", guide(), re.MULTILINE)
    by_name = {Path(a.file).stem: a for a in agreements()}
    assert len(rows) == 12
    for name, expression, result, example in rows:
        agreement = by_name[example]
        tag = expression.replace("\\|", "|")
        assert f"|{name}" in tag
        template = Renderer().env.from_string(tag)
        assert template.render(agreement.context).replace("\u00a0", " ") == result, (tag, example)
