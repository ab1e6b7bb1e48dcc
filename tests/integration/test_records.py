"""Tests for the records in utdata/avtal.db: one identity per input, `avtal historik`, bad records, kept versions, links, killed runs."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES, TEMPLATES, THRESHOLDS
from test_pipeline import recorded_conversions  # noqa: F401 (a fixture)

from avtalsgenerator.output import comparisons, pipeline
from avtalsgenerator.output.manifest import file_hash
from avtalsgenerator.output.pipeline import generate
from avtalsgenerator.output.records import DB_NAME, Records

NB = "\u00a0"
INTERNET = "region-internetbehandling"
FAMILY = "norrstrom-fjallviken-familjebehandling"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder laid out as the README starts it: mallar/, indata/avtal/ and indata/troskelvarden.json."""
    root = tmp_path / "projekt"
    shutil.copytree(TEMPLATES, root / "mallar")
    (root / "indata" / "avtal").mkdir(parents=True)
    for stem in (INTERNET, FAMILY):
        shutil.copy(EXAMPLES / f"{stem}.json", root / "indata" / "avtal")
    shutil.copy(THRESHOLDS, root / "indata" / "troskelvarden.json")
    return root


def avtal(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`avtal ARGS` run from ``cwd`` with the default relative folders, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "avtalsgenerator", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_every_command_from_the_project_root_knows_the_agreements_just_generated(project: Path) -> None:
    first = avtal(project, "generera")
    assert first.returncode == 0, first.stderr

    impact = avtal(project, "paverkan", "direktupphandlingsgrans", "--belopp", "750000")
    assert impact.returncode == 0, impact.stderr
    assert "inte genererat tidigare" not in impact.stdout
    assert f"Tröskelvärde (direktupphandlingsgrans): 700{NB}000{NB}kr → 750{NB}000{NB}kr" in impact.stdout

    for named in (f"indata/avtal/{INTERNET}.json", f"./indata/../indata/avtal/{INTERNET}.json", str(project / "indata" / "avtal" / f"{INTERNET}.json")):
        again = avtal(project, "generera", named)
        assert again.returncode == 0 and "Inget har ändrats: 1 avtal är aktuella" in again.stdout, (named, again.stdout, again.stderr)


def test_a_copied_project_folder_generates_while_the_old_one_exists(project: Path, tmp_path: Path) -> None:
    assert avtal(project, "generera").returncode == 0
    copy = tmp_path / "kopia"
    shutil.copytree(project, copy, symlinks=True)
    source = copy / "indata" / "avtal" / f"{INTERNET}.json"
    source.write_text(source.read_text(encoding="utf-8").replace('"titel": "', '"titel": "Ändrat: ', 1), encoding="utf-8")

    done = avtal(copy, "generera")

    assert done.returncode == 0, done.stderr
    assert "används redan" not in done.stderr
    assert "Klart: 1 avtal genererade, 1 oförändrade, 0 med fel." in done.stdout
    assert "Ändrat: " not in (project / "utdata" / "andringsrapport.md").read_text(encoding="utf-8"), "the old folder is untouched"


def test_historik_tells_what_each_document_was_made_from_and_when(project: Path) -> None:
    assert avtal(project, "generera").returncode == 0
    source = project / "indata" / "avtal" / f"{INTERNET}.json"
    source.write_text(source.read_text(encoding="utf-8").replace('"titel": "', '"titel": "Ändrat: ', 1), encoding="utf-8")
    assert avtal(project, "generera").returncode == 0

    shown = avtal(project, "historik", INTERNET)

    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0] == f"{INTERNET} (avtalsdata: indata/avtal/{INTERNET}.json)"
    assert [line.split(": ", 1)[1] for line in lines if line.startswith("  2")] == [
        "dokumenten gjordes: nytt avtal", f"dokumenten gjordes: avtalsdata i indata/avtal/{INTERNET}.json har ändrats"]
    assert any(line.startswith("    avtal.docx: mallen mallar/avtal.docx (sha256 ") for line in lines)
    assert any(line.startswith(f"    tröskelvärdet direktupphandlingsgrans: 700{NB}000{NB}kr från ") for line in lines)
    exported = json.loads(avtal(project, "historik", "--json").stdout)
    assert sorted(exported["avtal"]) == [FAMILY, INTERNET]
    assert len(exported["avtal"][INTERNET]["historik"]) == 2
    assert exported["avtal"][INTERNET]["post"]["dokument"]["avtal.docx"]["hash"] == file_hash(project / "utdata" / INTERNET / "avtal.docx")
    unknown = avtal(project, "historik", "finns-inte")
    assert unknown.returncode == 1 and 'det finns ingen post för avtalet "finns-inte"' in unknown.stderr


def test_the_form_reports_the_documents_it_generated_with_the_default_folders(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from test_web_app import generate_job, logged_in

    from avtalsgenerator.web.app import create_app

    monkeypatch.chdir(project)
    client = logged_in(create_app(pdf=False))
    path = Path("indata/avtal") / f"{INTERNET}.json"
    response = generate_job(client, INTERNET, file_hash(path))

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["meddelande"] == "Dokumenten är klara."
    assert "avtal.docx" in [d["namn"] for d in response.get_json()["dokument"]]


def test_records_are_an_sqlite_database_with_the_input_indexed(project: Path) -> None:
    assert avtal(project, "generera").returncode == 0
    with sqlite3.connect(project / "utdata" / DB_NAME) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'avtal' AND sql IS NOT NULL").fetchall() == [("avtal_fil",)]
        assert db.execute("SELECT id, fil FROM avtal ORDER BY id").fetchall() == [
            (FAMILY, f"indata/avtal/{FAMILY}.json"), (INTERNET, f"indata/avtal/{INTERNET}.json")]
        assert db.execute("SELECT count(*) FROM pagaende").fetchone()[0] == 0


# ------------------------------------------------------------------------------------------------
# Records that SQLite reads but that are wrong (issue 27.9)
# ------------------------------------------------------------------------------------------------


def run(workspace: Path, **kwargs: Any) -> pipeline.Result:
    return generate(indata=workspace / "indata" / "avtal", utdata=workspace / "utdata", mallar=TEMPLATES, troskelvarden=THRESHOLDS,
                    workers=1, **kwargs)


def test_record_with_the_wrong_types_is_named_and_the_others_are_kept(project: Path) -> None:
    assert run(project).ok
    db_path = project / "utdata" / DB_NAME
    with sqlite3.connect(db_path) as db:
        db.execute("UPDATE avtal SET post = json_set(post, '$.dokument', json('[1]')) WHERE id = ?", (INTERNET,))
        db.execute("INSERT INTO ej_rapporterade (andring) VALUES ('{\"id\": 3}')")

    result = run(project)

    assert result.ok, result.problems
    assert f"{db_path}: avtal \"{INTERNET}\": varning: posten är inte som generatorn skriver den (fältet dokument har fel typ); " \
        "avtalet görs om och får en ny post. De andra posterna används som vanligt" in [str(w) for w in result.warnings]
    assert any(str(w).startswith(f"{db_path}: ej_rapporterade: varning: en ändring som inte har rapporterats kan inte läsas") for w in result.warnings)
    assert result.up_to_date == [str(project / "indata" / "avtal" / f"{FAMILY}.json")]
    assert result.built == [str(project / "indata" / "avtal" / f"{INTERNET}.json")] and not result.written
    again = run(project)
    assert again.ok and not again.warnings and len(again.up_to_date) == 2, "the record was written anew"


def test_a_file_that_is_not_the_database_is_named_with_how_to_recover(project: Path) -> None:
    assert run(project).ok
    (project / "utdata" / DB_NAME).write_bytes(b"inte en databas" * 100)
    with pytest.raises(pipeline.WriteError, match=r"avtal\.db: registret kan inte läsas \(file is not a database\); flytta undan filen"):
        run(project)


# ------------------------------------------------------------------------------------------------
# Earlier versions are never overwritten (issue 27.1)
# ------------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("recorded_conversions")
def test_signed_pdf_in_tidigare_survives_a_change_reverted_and_made_again(project: Path) -> None:
    source = project / "indata" / "avtal" / f"{INTERNET}.json"
    original = source.read_text(encoding="utf-8")
    assert run(project, pdf=True).ok
    signed = project / "utdata" / INTERNET / "avtal.pdf"
    signed_bytes = signed.read_bytes() + b"%signerad av bada parter\n"
    signed.write_bytes(signed_bytes)

    source.write_text(original.replace('"titel": "', '"titel": "Ändrat: ', 1), encoding="utf-8")
    changed = run(project, pdf=True)
    source.write_text(original, encoding="utf-8")
    assert run(project, pdf=True).ok
    source.write_text(original.replace('"titel": "', '"titel": "Ändrat igen: ', 1), encoding="utf-8")
    assert run(project, pdf=True).ok

    kept = [p.read_bytes() for p in (project / "utdata" / INTERNET / "tidigare").rglob("avtal.pdf")]
    assert signed_bytes in kept, "the signed PDF is still there"
    assert len(kept) == 3, "each earlier PDF under its own name"
    assert any("PDF-filen var inte den som generatorn gjorde (signerad eller ändrad?)" in str(w) for w in changed.warnings), \
        "the warning the README promises, when a data change archived the signed PDF"


# ------------------------------------------------------------------------------------------------
# No write follows a link under utdata (issue 27.5)
# ------------------------------------------------------------------------------------------------


def changed_once(workspace: Path) -> None:
    source = workspace / "indata" / "avtal" / f"{INTERNET}.json"
    source.write_text(source.read_text(encoding="utf-8").replace('"titel": "', '"titel": "Ändrat: ', 1), encoding="utf-8")


def test_comparison_folder_that_is_a_link_is_refused_and_nothing_written_through_it(project: Path, tmp_path: Path) -> None:
    assert run(project).ok
    outside = tmp_path / "utanfor"
    outside.mkdir()
    (project / "utdata" / INTERNET / "jamforelse").rename(tmp_path / "gammal-jamforelse") if (project / "utdata" / INTERNET / "jamforelse").exists() else None
    (project / "utdata" / INTERNET / "jamforelse").symlink_to(outside)
    changed_once(project)

    result = run(project)

    assert [str(p) for p in result.problems] == [
        f"{project / 'indata' / 'avtal' / f'{INTERNET}.json'}: $.avtal.id: {project / 'utdata' / INTERNET / 'jamforelse'} är en symbolisk länk; "
        "avtal skrivs aldrig genom länkar i utdata. Ta bort länken och kör igen"]
    assert list(outside.iterdir()) == []


def test_archive_folder_made_in_advance_as_a_link_is_never_written_through(project: Path, tmp_path: Path) -> None:
    import datetime as dt

    assert run(project).ok
    outside = tmp_path / "utanfor"
    outside.mkdir()
    document = project / "utdata" / INTERNET / "avtal.docx"
    with Records.load(project / "utdata") as records:
        entry = records.get(INTERNET)
    assert entry is not None
    trap = project / "utdata" / INTERNET / "tidigare" / f"{entry.genererad}-{file_hash(document)[:8]}"
    trap.parent.mkdir(parents=True, exist_ok=True)
    trap.symlink_to(outside)
    changed_once(project)

    result = run(project, now=dt.datetime.combine(dt.date.fromisoformat(entry.genererad), dt.time(12)))

    assert list(outside.iterdir()) == [], "nothing written outside utdata"
    assert [p.message for p in result.problems] == [
        f"kunde inte skriva {trap}: är en symbolisk länk; avtal skrivs aldrig genom länkar i utdata. Ta bort länken och kör igen; "
        "tidigare versioner finns kvar"]
    assert "Ändrat: " not in document.read_bytes().decode("utf-8", "replace"), "the issued document is as it was"


# ------------------------------------------------------------------------------------------------
# A run stopped while it made the comparisons' PDFs (issue 27.3)
# ------------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("recorded_conversions")
def test_comparison_pdfs_a_stopped_run_did_not_make_are_made_by_the_next(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run(project, pdf=True).ok
    changed_once(project)

    def killed(*args: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(comparisons, "comparison_pdfs", killed)
    with pytest.raises(KeyboardInterrupt):
        run(project, pdf=True)
    monkeypatch.undo()
    made = list((project / "utdata" / INTERNET / "jamforelse").glob("*.docx"))
    assert made and not list((project / "utdata" / INTERNET / "jamforelse").glob("*.pdf"))

    result = run(project, pdf=True)

    assert result.ok, result.problems
    assert sorted(p.with_suffix(".pdf") for p in made) == sorted((project / "utdata" / INTERNET / "jamforelse").glob("*.pdf"))
    # Reported, each of them (in no particular order: the folder's listing order is the file system's).
    assert {os.path.realpath(m.with_suffix(".pdf")) for m in made} <= {os.path.realpath(p) for p in result.pdfs}
    assert not run(project, pdf=True).pdfs, "made once"


def test_pdf_a_stopped_run_made_is_not_taken_for_a_signed_one(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from avtalsgenerator.output import pdf

    def made_then_killed(docx_files: list[Path], **options: Any) -> list[Path]:
        for path in docx_files:
            path.with_suffix(".pdf").write_bytes(b"%PDF-1.7 av en avbruten korning\n%%EOF\n")
        raise KeyboardInterrupt

    monkeypatch.setattr(pdf, "available", lambda: True)
    monkeypatch.setattr(pdf, "convert", made_then_killed)
    with pytest.raises(KeyboardInterrupt):
        run(project, pdf=True)
    monkeypatch.undo()
    made = project / "utdata" / INTERNET / "avtal.pdf"
    assert made.exists()

    def convert(docx_files: list[Path], **options: Any) -> list[Path]:
        for path in docx_files:
            path.with_suffix(".pdf").write_bytes(b"%PDF-1.7 gjord av generatorn\n%%EOF\n")
        return [p.with_suffix(".pdf") for p in docx_files]

    monkeypatch.setattr(pdf, "available", lambda: True)
    monkeypatch.setattr(pdf, "convert", convert)
    result = run(project, pdf=True)

    assert result.ok, result.problems
    messages = [w.message for w in result.warnings if w.file == str(made)]
    assert len(messages) == 1 and messages[0].startswith("PDF-filen gjordes av en körning som avbröts innan den hann anteckna den; den sparades i ")
    assert made.read_bytes() == b"%PDF-1.7 gjord av generatorn\n%%EOF\n"
    assert not run(project, pdf=True).warnings, "recorded now"
