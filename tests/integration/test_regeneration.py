"""Tests for incremental regeneration: manifest, threshold changes, kept versions, change report, determinism."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES, TEMPLATES, THRESHOLDS
from test_pipeline import text

from avtalsgenerator import fingerprint as fingerprint_module
from avtalsgenerator.agreement import schema as schema_module
from avtalsgenerator.agreement.thresholds import load_thresholds
from avtalsgenerator.output import comparisons, pipeline
from avtalsgenerator.output.impact import impact
from avtalsgenerator.output.lock import LOCK_NAME
from avtalsgenerator.output.pipeline import Result, agreement_files, generate
from avtalsgenerator.output.records import Records

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
    stamps = {p: p.stat().st_mtime_ns for p in (workspace / "utdata").rglob("*") if p.is_file() and p.name != LOCK_NAME}
    result = run(workspace)
    assert result.written == [] and result.changes == [] and result.report is None
    assert len(result.up_to_date) == len(list((workspace / "indata" / "avtal").glob("*.json")))
    assert {p: p.stat().st_mtime_ns for p in (workspace / "utdata").rglob("*") if p.is_file() and p.name != LOCK_NAME} == stamps


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


# ------------------------------------------------------------------------------------------------
# What an output depends on besides its data: schemas, generator source, library versions (issue 13.1)
# ------------------------------------------------------------------------------------------------


@pytest.fixture
def minimal_workspace(tmp_path: Path, minimal_agreement: dict[str, Any]) -> Path:
    """One small agreement (no annexes) in tmp_path/indata, as a user would keep it."""
    folder = tmp_path / "indata"
    folder.mkdir()
    (folder / "avtal.json").write_text(json.dumps(minimal_agreement, ensure_ascii=False), encoding="utf-8")
    return tmp_path


def run_minimal(workspace: Path, files: list[Path] | None = None, **options: Any) -> Result:
    return generate(files, indata=workspace / "indata", utdata=workspace / "utdata", mallar=TEMPLATES, troskelvarden=THRESHOLDS, **options)


def with_changed_default(monkeypatch: pytest.MonkeyPatch, old: str, new: str) -> None:
    """Change a standard text (a ``default``) in the schema the generator reads, as a schema author would."""
    original = schema_module.load_schema

    def patched(path: Path) -> dict[str, Any]:
        loaded = original(path)
        text = json.dumps(loaded, ensure_ascii=False)
        return json.loads(text.replace(json.dumps(old, ensure_ascii=False), json.dumps(new, ensure_ascii=False)))

    monkeypatch.setattr(schema_module, "load_schema", patched)


def test_changed_standard_text_in_schema_regenerates_with_the_reason(minimal_workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run_minimal(minimal_workspace).ok
    with_changed_default(monkeypatch, "9 kap. 37 § kommunallagen (2017:725)", "9 kap. 37 § och 38 § kommunallagen (2017:725)")

    result = run_minimal(minimal_workspace)

    assert result.ok, result.problems
    assert result.up_to_date == [], "the old clause must not stay in an issued agreement"
    body = text(minimal_workspace / "utdata" / "minsta-avtalet" / "avtal.docx")
    assert "9 kap. 37 § och 38 § kommunallagen (2017:725)" in body
    report = (minimal_workspace / "utdata" / "andringsrapport.md").read_text(encoding="utf-8")
    assert "standardtexten i schemat har ändrats" in report


def test_changed_generator_source_regenerates(minimal_workspace: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    extra = tmp_path / "tillagg.py"
    extra.write_text("X = 1\n", encoding="utf-8")
    sources = fingerprint_module.source_files()
    monkeypatch.setattr(fingerprint_module, "source_files", lambda: [*sources, extra])
    assert run_minimal(minimal_workspace).ok
    extra.write_text("X = 2\n", encoding="utf-8")

    result = run_minimal(minimal_workspace)

    assert result.up_to_date == [] and result.built == [str(minimal_workspace / "indata" / "avtal.json")]
    # Same bytes out: nothing rewritten, nothing reported, and the next run is a no-op again.
    assert result.written == [] and result.report is None
    assert len(run_minimal(minimal_workspace).up_to_date) == 1


def test_library_update_is_named_in_the_report(minimal_workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run_minimal(minimal_workspace).ok
    versions = fingerprint_module.library_versions()
    monkeypatch.setattr(fingerprint_module, "library_versions", lambda: {**versions, "docxtpl": "0.20.99"})
    with_changed_default(monkeypatch, "9 kap. 37 § kommunallagen (2017:725)", "9 kap. 37 § kommunallagen")

    result = run_minimal(minimal_workspace)

    report = (minimal_workspace / "utdata" / "andringsrapport.md").read_text(encoding="utf-8")
    assert f"docxtpl har uppdaterats {versions['docxtpl']} → 0.20.99" in report
    assert result.changes and f"docxtpl har uppdaterats {versions['docxtpl']} → 0.20.99" in result.changes[0].reasons


def test_manifest_records_the_fingerprint(minimal_workspace: Path) -> None:
    run_minimal(minimal_workspace)
    with Records.load(minimal_workspace / "utdata") as records:
        entry = records.get("minsta-avtalet")
    assert entry is not None
    assert set(entry.beroenden) == {"standardtexter", "schema", "generator", "bibliotek"}
    assert set(entry.beroenden["bibliotek"]) >= {"docxtpl", "jinja2", "babel", "python-docx"}


# ------------------------------------------------------------------------------------------------
# Paths normalised once (13.3)
# ------------------------------------------------------------------------------------------------


def test_agreement_named_by_absolute_path_is_not_used_by_itself(minimal_workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(minimal_workspace)
    relative = Path("indata/avtal.json")
    assert generate([relative], utdata=Path("utdata"), mallar=TEMPLATES, troskelvarden=THRESHOLDS).ok

    again = generate([relative.resolve()], utdata=Path("utdata"), mallar=TEMPLATES, troskelvarden=THRESHOLDS)

    assert again.ok, again.problems
    assert again.up_to_date == [str(relative.resolve())]
    twice = generate([relative, relative.resolve(), Path("./indata/../indata/avtal.json")], utdata=Path("utdata"), mallar=TEMPLATES,
                     troskelvarden=THRESHOLDS, force=True)
    assert twice.ok, twice.problems
    assert twice.built == [str(relative)]


# ------------------------------------------------------------------------------------------------
# The change report (16.4)
# ------------------------------------------------------------------------------------------------


def test_interrupted_run_is_in_the_next_report(minimal_workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def killed(*args: Any) -> Path:
        raise KeyboardInterrupt  # the run stops after writing the documents, before its report

    monkeypatch.setattr(pipeline, "write_report", killed)
    with pytest.raises(KeyboardInterrupt):
        run_minimal(minimal_workspace)
    monkeypatch.undo()
    assert (minimal_workspace / "utdata" / "minsta-avtalet" / "avtal.docx").exists()

    result = run_minimal(minimal_workspace)

    assert result.up_to_date == [str(minimal_workspace / "indata" / "avtal.json")]
    assert result.report is not None
    report = result.report.read_text(encoding="utf-8")
    assert "## minsta-avtalet" in report and "nytt avtal" in report
    assert "tidigare körning som avbröts" in report
    assert run_minimal(minimal_workspace).report is None, "reported once, not again"


def test_run_stopped_between_writing_and_recording_is_reported_and_compared_by_the_next(
        minimal_workspace: Path, minimal_agreement: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    utdata = minimal_workspace / "utdata"
    assert run_minimal(minimal_workspace).ok
    minimal_agreement["avtal"]["titel"] = "Avtal om gemensam familjerådgivning och parterapi"
    (minimal_workspace / "indata" / "avtal.json").write_text(json.dumps(minimal_agreement, ensure_ascii=False), encoding="utf-8")

    def killed(*args: Any) -> None:
        raise KeyboardInterrupt  # the run stops after writing the documents, before it records them

    monkeypatch.setattr(Records, "record", killed)
    monkeypatch.setattr(comparisons, "record_comparison", lambda *args: None)  # killed before the comparison too
    with pytest.raises(KeyboardInterrupt):
        run_minimal(minimal_workspace)
    monkeypatch.undo()
    assert "parterapi" in text(utdata / "minsta-avtalet" / "avtal.docx")
    assert not (utdata / "minsta-avtalet" / "jamforelse").exists()

    result = run_minimal(minimal_workspace)

    assert result.up_to_date == [str(minimal_workspace / "indata" / "avtal.json")], "the documents on disk are recorded as written"
    assert result.report is not None
    report = result.report.read_text(encoding="utf-8")
    assert "tidigare körning som avbröts" in report and "avtalsdata i" in report and "parterapi" in report
    assert list((utdata / "minsta-avtalet" / "jamforelse").glob("avtal-*.docx")), "the comparison the killed run never made"
    assert "jamforelse/avtal-" in report
    assert run_minimal(minimal_workspace).report is None, "reported once"


def test_two_reports_in_the_same_second_are_both_kept(minimal_workspace: Path, minimal_agreement: dict[str, Any]) -> None:
    when = dt.datetime(2026, 11, 1, 9, 0, 0)
    run_minimal(minimal_workspace, now=when)
    minimal_agreement["avtal"]["titel"] = "Avtal om gemensam familjerådgivning och parterapi"
    (minimal_workspace / "indata" / "avtal.json").write_text(json.dumps(minimal_agreement, ensure_ascii=False), encoding="utf-8")
    run_minimal(minimal_workspace, now=when)
    reports = sorted((minimal_workspace / "utdata" / "rapporter").glob("*.md"))
    assert [p.name for p in reports] == ["2026-11-01-090000-2.md", "2026-11-01-090000.md"]
    assert "nytt avtal" in reports[1].read_text(encoding="utf-8")
    assert "parterapi" in reports[0].read_text(encoding="utf-8")


# ------------------------------------------------------------------------------------------------
# Leftovers, damaged and hand-edited outputs (16.3, 16.5, 16.6)
# ------------------------------------------------------------------------------------------------


def test_annex_no_longer_needed_is_moved_to_tidigare(workspace: Path) -> None:
    run(workspace)
    source = workspace / "indata" / "avtal" / "region-internetbehandling.json"
    data = json.loads(source.read_text(encoding="utf-8"))
    data["personuppgifter"] = {"roll": "ingen", "bedomning": "Varje part behandlar bara personuppgifter i sina egna ärenden."}
    source.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    folder = workspace / "utdata" / DEPENDENT

    result = run(workspace, dt.datetime(2026, 11, 2, 9, 0))

    assert result.ok, result.problems
    assert not (folder / "pub-bilaga.docx").exists()
    kept = list((folder / "tidigare").rglob("pub-bilaga.docx"))
    assert len(kept) == 1
    assert any("behövs inte längre" in w.message and "pub-bilaga.docx" in w.file for w in result.warnings)
    report = (workspace / "utdata" / "andringsrapport.md").read_text(encoding="utf-8")
    assert "flyttades till tidigare/" in report and "pub-bilaga.docx" in report


def test_changed_id_moves_the_old_folder_documents_aside(workspace: Path) -> None:
    run(workspace)
    source = workspace / "indata" / "avtal" / "region-internetbehandling.json"
    source.write_text(source.read_text(encoding="utf-8").replace('"id": "region-internetbehandling"', '"id": "region-internetbehandling-2027"'),
                      encoding="utf-8")

    result = run(workspace)

    assert result.ok, result.problems
    old = workspace / "utdata" / DEPENDENT
    assert not list(old.glob("*.docx")), "documents under the old id must not look current"
    assert len(list((old / "tidigare").rglob("avtal.docx"))) == 1
    assert (workspace / "utdata" / "region-internetbehandling-2027" / "avtal.docx").exists()
    with Records.load(workspace / "utdata") as records:
        assert records.get(DEPENDENT) is None
    assert any('id har ändrats från "region-internetbehandling"' in r for c in result.changes for r in c.reasons)


@pytest.mark.parametrize("damage", ["trasig-xml", "mapp", "fifo"])
def test_damaged_earlier_output_is_kept_aside_and_regenerated(minimal_workspace: Path, damage: str) -> None:
    run_minimal(minimal_workspace)
    target = minimal_workspace / "utdata" / "minsta-avtalet" / "avtal.docx"
    if damage == "trasig-xml":
        good = target.read_bytes()
        target.unlink()
        with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(target, "w") as broken:
            for info in source.infolist():
                data = source.read(info.filename)
                broken.writestr(info.filename, b"<w:document><unclosed>" if info.filename == "word/document.xml" else data)
    elif damage == "mapp":
        target.unlink()
        target.mkdir()
    else:
        target.unlink()
        os.mkfifo(target)

    result = run_minimal(minimal_workspace)

    assert result.ok, result.problems
    assert target.is_file() and "Göteborgs kommun" in text(target)
    assert len(list((target.parent / "tidigare").rglob("avtal.docx"))) == 1


def test_hand_edited_document_is_kept_with_a_warning(minimal_workspace: Path) -> None:
    run_minimal(minimal_workspace)
    target = minimal_workspace / "utdata" / "minsta-avtalet" / "avtal.docx"
    import docx

    document = docx.Document(str(target))
    document.add_paragraph("Tillägg skrivet för hand.")
    document.save(str(target))

    result = run_minimal(minimal_workspace)

    warnings = [str(w) for w in result.warnings]
    assert any(w.startswith(f"{target}: varning: hade ändrats på disk") for w in warnings), warnings
    kept = next((target.parent / "tidigare").rglob("avtal.docx"))
    assert "Tillägg skrivet för hand." in text(kept)
    assert "Tillägg skrivet för hand." not in text(target)


@pytest.mark.parametrize("module", ["legal/rules.py", "templates/render.py", "agreement/compute.py"])
def test_changed_module_in_a_subpackage_regenerates(minimal_workspace: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, module: str) -> None:
    copy = tmp_path / "paket"
    shutil.copytree(fingerprint_module.SOURCE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(fingerprint_module, "SOURCE_DIR", copy)
    assert (copy / module) in fingerprint_module.source_files()
    assert run_minimal(minimal_workspace).ok
    with (copy / module).open("a", encoding="utf-8") as source:
        source.write("\n# ändrad\n")

    result = run_minimal(minimal_workspace)

    assert result.up_to_date == [] and result.built == [str(minimal_workspace / "indata" / "avtal.json")]
