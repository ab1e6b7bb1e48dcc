"""Tests for the manifest: a journal line per written agreement, folded into manifest.json when due, never lost."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import TEMPLATES, THRESHOLDS

from avtalsgenerator.errors import WriteError
from avtalsgenerator.output import manifest as manifest_module
from avtalsgenerator.output.manifest import JOURNAL_NAME, MANIFEST_NAME, Manifest
from avtalsgenerator.output.pipeline import RUNNING, generate
from avtalsgenerator.output.write import TEMP_PREFIX


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


def edit_title(path: Path, title: str) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    data["avtal"]["titel"] = title
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def test_first_run_writes_the_whole_manifest(tmp_path: Path, three_agreements: list[Path]) -> None:
    utdata = tmp_path / "utdata"
    saved = json.loads((utdata / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert saved["format"] == manifest_module.FORMAT and sorted(saved["avtal"]) == ["avtal-0", "avtal-1", "avtal-2"]
    assert not (utdata / JOURNAL_NAME).exists()
    assert len((utdata / MANIFEST_NAME).read_text(encoding="utf-8").splitlines()) == 5, "one line per agreement"


def test_one_changed_agreement_is_journalled_not_the_whole_manifest_rewritten(tmp_path: Path, three_agreements: list[Path]) -> None:
    utdata = tmp_path / "utdata"
    before = (utdata / MANIFEST_NAME).read_bytes()
    edit_title(three_agreements[1], "Avtal om samverkan kring familjerådgivning, ändrat")
    result = run(tmp_path, [three_agreements[1]])
    assert result.ok and result.report is not None
    assert (utdata / MANIFEST_NAME).read_bytes() == before
    lines = [json.loads(line) for line in (utdata / JOURNAL_NAME).read_text(encoding="utf-8").splitlines()]
    assert [line.get("id") for line in lines] == ["avtal-1", None] and lines[1] == {"rapporterat": True}
    loaded = Manifest.load(utdata)
    assert loaded.entries["avtal-1"].data_hash == manifest_module.file_hash(three_agreements[1])
    assert loaded.unreported == []
    # Everything reads the manifest through load(): the next run sees the change as done and reports nothing.
    again = run(tmp_path)
    assert again.ok and not again.written and again.report is None


def test_long_journal_is_folded_into_the_manifest(tmp_path: Path, three_agreements: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    utdata = tmp_path / "utdata"
    monkeypatch.setattr(manifest_module, "COMPACT_AFTER", 3)
    for number in range(2):
        edit_title(three_agreements[0], f"Avtal om samverkan, version {number}")
        assert run(tmp_path, [three_agreements[0]]).ok
    assert not (utdata / JOURNAL_NAME).exists()
    saved = json.loads((utdata / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert saved["avtal"]["avtal-0"]["data_hash"] == manifest_module.file_hash(three_agreements[0])
    assert "ej_rapporterade" not in saved


def test_line_cut_off_by_a_kill_is_never_appended_to(tmp_path: Path, three_agreements: list[Path]) -> None:
    utdata = tmp_path / "utdata"
    edit_title(three_agreements[2], "Avtal om samverkan, ändrat")
    assert run(tmp_path, [three_agreements[2]]).ok
    journal = utdata / JOURNAL_NAME
    with journal.open("a", encoding="utf-8") as f:
        f.write('{"id": "avtal-0", "avtal": {"fil": ')  # what a run killed in the middle of a line leaves
    edit_title(three_agreements[0], "Avtal om samverkan, ändrat igen")
    result = run(tmp_path, [three_agreements[0]])
    assert result.ok
    for line in journal.read_text(encoding="utf-8").splitlines() if journal.exists() else []:
        json.loads(line)
    loaded = Manifest.load(utdata)
    assert loaded.entries["avtal-2"].data_hash == manifest_module.file_hash(three_agreements[2]), "the whole line before it is kept"
    assert loaded.entries["avtal-0"].data_hash == manifest_module.file_hash(three_agreements[0])


def test_temporary_files_of_a_killed_run_are_removed(tmp_path: Path, three_agreements: list[Path]) -> None:
    utdata = tmp_path / "utdata"
    (utdata / RUNNING).touch()  # a killed run leaves its marker, and perhaps half-written temporary files
    left = utdata / "avtal-1" / f"{TEMP_PREFIX}abc"
    left.write_bytes(b"half")
    assert run(tmp_path).ok
    assert not left.exists()
    assert not (utdata / RUNNING).exists()


def test_run_that_fails_still_clears_its_marker(tmp_path: Path, three_agreements: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    from avtalsgenerator.output import pipeline

    def broken(*args: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "_store_agreement", broken)
    edit_title(three_agreements[0], "Avtal om samverkan, ändrat")
    with pytest.raises(KeyboardInterrupt):
        run(tmp_path, [three_agreements[0]])
    assert not (tmp_path / "utdata" / RUNNING).exists()


def test_saved_manifest_reads_back_as_written_and_saves_unchanged(tmp_path: Path, three_agreements: list[Path]) -> None:
    utdata = tmp_path / "utdata"
    text = (utdata / MANIFEST_NAME).read_bytes()
    loaded = Manifest.load(utdata)
    whole = json.loads(text)["avtal"]
    assert sorted(loaded.entries) == sorted(whole) and len(loaded.entries) == 3
    assert {key: loaded.entries[key].to_json() for key in loaded.entries} == whole
    assert loaded.id_of(str(three_agreements[1])) == "avtal-1"
    loaded.save()
    assert (utdata / MANIFEST_NAME).read_bytes() == text


def test_one_input_is_found_without_reading_the_other_lines(tmp_path: Path, three_agreements: list[Path]) -> None:
    utdata = tmp_path / "utdata"
    path = utdata / MANIFEST_NAME
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[3] = lines[3].replace('"data_hash": "', '"data_hash": trasig "')  # avtal-2's line, damaged by hand
    path.write_text("\n".join(lines), encoding="utf-8")
    edit_title(three_agreements[0], "Avtal om samverkan, ändrat")
    assert run(tmp_path, [three_agreements[0]]).ok, "regenerating avtal-0 uses only its own line"
    edit_title(three_agreements[2], "Avtal om samverkan, också ändrat")
    with pytest.raises(WriteError, match=r'manifestet kan inte läsas .*; ta bort filen'):
        run(tmp_path, [three_agreements[2]])
    with pytest.raises(WriteError) as raised:
        Manifest.load(utdata).entries["avtal-2"]
    assert raised.value.problems[0].file == str(path) and raised.value.problems[0].place == '$.avtal["avtal-2"]'


def test_line_not_as_the_generator_writes_it_is_an_error_not_a_missing_agreement(tmp_path: Path, three_agreements: list[Path]) -> None:
    utdata = tmp_path / "utdata"
    path = utdata / MANIFEST_NAME
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[2] = lines[2].replace('{"fil": ', '{\n"fil": ', 1)  # avtal-1's entry broken over two lines by hand
    path.write_text("\n".join(lines), encoding="utf-8")
    edit_title(three_agreements[1], "Avtal om samverkan, ändrat")
    with pytest.raises(WriteError, match=r"manifestet kan inte läsas \(rad 3 är inte en rad som generatorn skriver\)"):
        run(tmp_path, [three_agreements[1]])


def test_manifest_in_another_layout_is_read_whole(tmp_path: Path, three_agreements: list[Path]) -> None:
    utdata = tmp_path / "utdata"
    path = utdata / MANIFEST_NAME
    path.write_text(json.dumps(json.loads(path.read_text(encoding="utf-8")), indent=2, ensure_ascii=False), encoding="utf-8")
    assert run(tmp_path).up_to_date == [str(p) for p in three_agreements], "an indented manifest still says what is done"


def test_ids_removed_by_the_journal_are_gone_although_the_manifest_text_has_them(tmp_path: Path, three_agreements: list[Path]) -> None:
    data = json.loads(three_agreements[1].read_text(encoding="utf-8"))
    data["avtal"]["id"] = "avtal-1-nytt"
    three_agreements[1].write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert run(tmp_path, [three_agreements[1]]).ok
    loaded = Manifest.load(tmp_path / "utdata")
    assert "avtal-1" not in loaded.entries and "avtal-1" not in list(loaded.entries)
    assert loaded.ids_of(str(three_agreements[1])) == ["avtal-1-nytt"]
    with pytest.raises(KeyError):
        loaded.entries["avtal-1"]


def test_many_inputs_are_looked_up_alike_by_search_and_by_index(tmp_path: Path, three_agreements: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    searched = Manifest.load(tmp_path / "utdata")
    found = [searched.id_of(str(path)) for path in three_agreements]
    monkeypatch.setattr(manifest_module, "SEARCHES_BEFORE_WHOLE", 0)
    indexed = Manifest.load(tmp_path / "utdata")
    assert [indexed.id_of(str(path)) for path in three_agreements] == found == ["avtal-0", "avtal-1", "avtal-2"]
    assert indexed.id_of(str(tmp_path / "okand.json")) is None and searched.id_of(str(tmp_path / "okand.json")) is None


def test_entry_changed_in_place_is_saved_as_changed(tmp_path: Path, three_agreements: list[Path]) -> None:
    utdata = tmp_path / "utdata"
    loaded = Manifest.load(utdata)
    entry = loaded.entries["avtal-1"]  # read from its line in manifest.json, then changed as a new PDF changes it
    document = next(iter(entry.dokument.values()))
    document.pdf_hash = "ny-pdf"
    loaded.save()
    again = Manifest.load(utdata)
    assert next(iter(again.entries["avtal-1"].dokument.values())).pdf_hash == "ny-pdf"
    assert again.entries["avtal-0"].to_json() == json.loads((utdata / MANIFEST_NAME).read_text(encoding="utf-8"))["avtal"]["avtal-0"]
