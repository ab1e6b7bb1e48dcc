"""Tests for incremental regeneration: manifest, threshold changes, kept versions, change report, determinism."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from conftest import EXAMPLES, TEMPLATES, THRESHOLDS
from test_pipeline import text

from avtalsgenerator.impact import impact
from avtalsgenerator.pipeline import agreement_files, generate
from avtalsgenerator.thresholds import load_thresholds

NB = "\u00a0"
DEPENDENT = "region-internetbehandling"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A copy of the examples, thresholds and templates that a test may change."""
    shutil.copytree(EXAMPLES, tmp_path / "indata" / "avtal")
    shutil.copy(THRESHOLDS, tmp_path / "indata" / "troskelvarden.json")
    shutil.copytree(TEMPLATES, tmp_path / "mallar")
    return tmp_path


def run(workspace: Path, when: dt.datetime | None = None):
    return generate(
        indata=workspace / "indata" / "avtal",
        utdata=workspace / "utdata",
        mallar=workspace / "mallar",
        troskelvarden=workspace / "indata" / "troskelvarden.json",
        now=when or dt.datetime(2026, 11, 1, 9, 0),
    )


def snapshot(utdata: Path) -> dict[Path, bytes]:
    return {p.relative_to(utdata): p.read_bytes() for p in sorted(utdata.rglob("*.docx"))}


def test_same_inputs_give_identical_bytes(workspace: Path, tmp_path: Path) -> None:
    run(workspace)
    first = snapshot(workspace / "utdata")
    shutil.rmtree(workspace / "utdata")
    run(workspace, dt.datetime(2026, 11, 1, 17, 0))  # mallkontroll: the documents carry the generation day, so the same day
    assert snapshot(workspace / "utdata") == first


def test_second_run_writes_nothing(workspace: Path) -> None:
    run(workspace)
    stamps = {p: p.stat().st_mtime_ns for p in (workspace / "utdata").rglob("*") if p.is_file()}
    result = run(workspace)
    assert result.written == [] and result.changes == [] and result.report is None
    assert len(result.up_to_date) == len(list((workspace / "indata" / "avtal").glob("*.json")))
    assert {p: p.stat().st_mtime_ns for p in (workspace / "utdata").rglob("*") if p.is_file()} == stamps


def test_threshold_change_regenerates_exactly_the_dependent_agreements(workspace: Path) -> None:
    run(workspace)
    utdata = workspace / "utdata"
    before = snapshot(utdata)
    thresholds = workspace / "indata" / "troskelvarden.json"
    thresholds.write_text(thresholds.read_text(encoding="utf-8").replace("700000", "750000"), encoding="utf-8")

    result = run(workspace, dt.datetime(2026, 11, 20, 10, 0))

    assert [c.agreement_id for c in result.changes] == [DEPENDENT]
    after = snapshot(utdata)
    changed = {p for p in after if before.get(p) != after[p] and "tidigare" not in p.parts and "jamforelse" not in p.parts}
    assert changed == {Path(DEPENDENT, "avtal.docx"), Path(DEPENDENT, "kostnadsfordelning.docx")}
    assert f"750{NB}000 kronor" in text(utdata / DEPENDENT / "avtal.docx")
    kept = sorted((utdata / DEPENDENT / "tidigare").rglob("*.docx"), key=lambda p: p.name)
    assert [p.name for p in kept] == ["avtal.docx", "kostnadsfordelning.docx"]
    assert kept[0].parent.name.startswith("2026-11-01-")
    assert kept[0].read_bytes() == before[Path(DEPENDENT, "avtal.docx")]
    report = (utdata / "andringsrapport.md").read_text(encoding="utf-8")
    assert f"tröskelvärdet direktupphandlingsgrans har ändrats från 700{NB}000{NB}kr till 750{NB}000{NB}kr" in report
    assert f"| Tröskelvärde (direktupphandlingsgrans) | 700{NB}000{NB}kr | 750{NB}000{NB}kr |" in report
    assert f"700{NB}000 kronor" in report and f"750{NB}000 kronor" in report
    assert result.report is not None and result.report.read_text(encoding="utf-8").replace("](<../", "](<") == report  # its links start one folder up


def test_template_change_regenerates_its_documents(workspace: Path) -> None:
    run(workspace)
    template = workspace / "mallar" / "kostnadsfordelning.docx"
    import docx

    document = docx.Document(str(template))
    document.add_paragraph("Beloppen är angivna utan mervärdesskatt.")
    document.save(str(template))
    result = run(workspace)
    assert sorted(p.name for p in result.written) == ["kostnadsfordelning.docx"] * len(list((workspace / "utdata").glob("*/kostnadsfordelning.docx")))
    assert all("mallen kostnadsfordelning.docx har ändrats" in c.reasons for c in result.changes)


def test_document_changed_on_disk_is_restored_and_kept(workspace: Path) -> None:
    run(workspace)
    target = workspace / "utdata" / DEPENDENT / "avtal.docx"
    target.write_bytes(b"not a docx")
    result = run(workspace)
    assert target in result.written
    assert any(p.read_bytes() == b"not a docx" for p in (workspace / "utdata" / DEPENDENT / "tidigare").rglob("avtal.docx"))


def test_impact_lists_dependent_agreements_without_writing(workspace: Path) -> None:
    run(workspace)
    utdata = workspace / "utdata"
    before = snapshot(utdata)
    files = agreement_files(None, workspace / "indata" / "avtal")
    found = impact("direktupphandlingsgrans", files, load_thresholds(workspace / "indata" / "troskelvarden.json"), utdata, amount=750000)
    assert sorted(i.agreement_id for i in found) == [DEPENDENT, "region-stockholm-vardovergangar"]
    dependent = next(i for i in found if i.agreement_id == DEPENDENT)
    assert ("Tröskelvärde (direktupphandlingsgrans)", f"700{NB}000{NB}kr", f"750{NB}000{NB}kr") in dependent.changes
    assert snapshot(utdata) == before
