"""Tests for moving the records of manifest.json and its journal into avtal.db: no record lost, every bad one named."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from conftest import TEMPLATES, THRESHOLDS

from avtalsgenerator.errors import WriteError
from avtalsgenerator.output.manifest import JOURNAL_NAME, MANIFEST_NAME, MIGRATED_SUFFIX
from avtalsgenerator.output.pipeline import generate
from avtalsgenerator.output.records import DB_FILES, DB_NAME, Records


@pytest.fixture
def three_agreements(tmp_path: Path, minimal_agreement: dict[str, Any]) -> list[Path]:
    """Three small agreements in tmp_path/indata, generated once into tmp_path/utdata."""
    folder = tmp_path / "indata"
    folder.mkdir()
    paths = []
    for number in range(3):
        data = json.loads(json.dumps(minimal_agreement))
        data["avtal"]["id"] = f"avtal-{number}"
        path = folder / f"avtal-{number}.json"
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        paths.append(path)
    assert run(tmp_path).ok
    return paths


def run(workspace: Path, files: list[Path] | None = None) -> Any:
    return generate(files, indata=workspace / "indata", utdata=workspace / "utdata", mallar=TEMPLATES, troskelvarden=THRESHOLDS, workers=1)


def as_before_the_database(utdata: Path, absolute: bool = True) -> dict[str, Any]:
    """Turn utdata's records back into the manifest.json (format 2: input paths absolute) the generator wrote before avtal.db."""
    with Records.load(utdata) as records:
        entries = {key: entry.to_json() for key, entry in records.entries()}
    for entry in entries.values():
        entry["fil"] = str((utdata.parent / entry["fil"]).resolve()) if absolute else entry["fil"]
    for name in DB_FILES:
        (utdata / name).unlink(missing_ok=True)
    lines = [f"{json.dumps(key)}: {json.dumps(entry, ensure_ascii=False)}" for key, entry in sorted(entries.items())]
    (utdata / MANIFEST_NAME).write_text('{"format": 2, "avtal": {\n' + ",\n".join(lines) + "\n}}\n", encoding="utf-8")
    return entries


def test_records_of_manifest_and_journal_are_moved_into_the_database(tmp_path: Path, three_agreements: list[Path]) -> None:
    utdata = tmp_path / "utdata"
    entries = as_before_the_database(utdata)
    # The journal: avtal-1 recorded again by a run whose change was not reported yet, then a line cut off by a kill.
    later = {**entries["avtal-1"], "genererad": "2026-11-02"}
    change = {"id": "avtal-1", "fil": later["fil"], "skal": ["avtalsdata i x har ändrats"], "nytt": False, "korning": "gammal"}
    journal = json.dumps({"id": "avtal-1", "avtal": later, "andring": change, "bort": []}, ensure_ascii=False) + "\n" + '{"id": "avt'
    (utdata / JOURNAL_NAME).write_text(journal, encoding="utf-8")

    result = run(tmp_path)

    assert result.ok, result.problems
    assert result.up_to_date == [str(p) for p in three_agreements], "every record was moved in: nothing is made again"
    assert result.report is not None and "avtalsdata i x har ändrats" in result.report.read_text(encoding="utf-8")
    assert [str(w) for w in result.warnings] == [
        f"{utdata / JOURNAL_NAME}: rad 2: varning: rad 2 kan inte läsas (Unterminated string starting at: line 1 column 8 (char 7)) "
        "och hoppades över; det avtal den gällde görs om"]
    with Records.load(utdata) as records:
        assert [(key, entry.fil, entry.genererad) for key, entry in records.entries()] == [
            ("avtal-0", "indata/avtal-0.json", entries["avtal-0"]["genererad"]), ("avtal-1", "indata/avtal-1.json", "2026-11-02"),
            ("avtal-2", "indata/avtal-2.json", entries["avtal-2"]["genererad"])], "recorded relative to the project"
    # The old files are kept beside the database under new names, and read no more.
    assert not (utdata / MANIFEST_NAME).exists() and (utdata / (MANIFEST_NAME + MIGRATED_SUFFIX)).exists()
    assert (utdata / (JOURNAL_NAME + MIGRATED_SUFFIX)).read_text(encoding="utf-8") == journal
    assert run(tmp_path).report is None


def test_journal_line_with_wrong_types_is_named_and_the_other_records_kept(tmp_path: Path, three_agreements: list[Path]) -> None:
    utdata = tmp_path / "utdata"
    entries = as_before_the_database(utdata)
    (utdata / JOURNAL_NAME).write_text(json.dumps({"id": "avtal-1", "avtal": {**entries["avtal-1"], "dokument": []}, "bort": []}) + "\n"
                                       + json.dumps({"id": 7, "avtal": entries["avtal-2"]}) + "\n", encoding="utf-8")

    result = run(tmp_path)

    assert result.ok, result.problems
    messages = [str(w) for w in result.warnings]
    moved = "posten kan inte flyttas till avtal.db (fältet dokument har fel typ); avtalet görs om"
    assert f"{utdata / 'manifest.json'}: $.avtal[\"avtal-1\"]: varning: {moved}" in messages
    assert any(m.startswith(f"{utdata / JOURNAL_NAME}: rad 2: varning: rad 2 kan inte läsas (fälten id, avtal eller andring har fel typ)") for m in messages)
    assert result.up_to_date == [str(three_agreements[0]), str(three_agreements[2])], "the other records are used"
    assert result.built == [str(three_agreements[1])] and not result.written, "made again, and found the same as on disk"


def test_manifest_of_format_1_with_paths_as_given_is_moved_in(tmp_path: Path, three_agreements: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    utdata = tmp_path / "utdata"
    manifest = {"format": 1, "avtal": as_before_the_database(utdata, absolute=False)}
    (utdata / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    monkeypatch.chdir(tmp_path)

    result = generate(indata=Path("indata"), utdata=Path("utdata"), mallar=TEMPLATES, troskelvarden=THRESHOLDS, workers=1)

    assert result.ok and len(result.up_to_date) == 3 and not result.written


@pytest.mark.parametrize("content", ["[]", '{"avtal": []}', "{trasig"], ids=["lista", "avtal-lista", "syntax"])
def test_manifest_that_cannot_be_read_stops_the_run_and_stays(tmp_path: Path, three_agreements: list[Path], content: str) -> None:
    utdata = tmp_path / "utdata"
    as_before_the_database(utdata)
    (utdata / MANIFEST_NAME).write_text(content, encoding="utf-8")
    with pytest.raises(WriteError, match=r"manifest\.json: manifestet kan inte läsas .*; ta bort filen och \.manifest-journal\.jsonl så görs alla avtal om"):
        run(tmp_path)
    assert (utdata / MANIFEST_NAME).read_text(encoding="utf-8") == content
    assert not any(os.path.lexists(utdata / name) for name in DB_FILES), "no database made of half the records"
    assert not list(utdata.glob(".avtal-tmp-*"))


def test_reading_the_records_moves_nothing(tmp_path: Path, three_agreements: list[Path]) -> None:
    utdata = tmp_path / "utdata"
    as_before_the_database(utdata)
    with Records.load(utdata) as records:
        assert [key for key, _ in records.entries()] == ["avtal-0", "avtal-1", "avtal-2"]
    assert (utdata / MANIFEST_NAME).exists() and not (utdata / DB_NAME).exists()
