"""Messages of `avtal generera` and `avtal validera` that must say exactly what happened, in Swedish (issue 27.12)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import MINIMAL, TEMPLATES, THRESHOLDS

from avtalsgenerator.cli import main
from avtalsgenerator.errors import PdfError, Problem
from avtalsgenerator.output import pdf, pipeline


@pytest.fixture
def one_agreement(tmp_path: Path) -> Path:
    folder = tmp_path / "indata" / "avtal"
    folder.mkdir(parents=True)
    (folder / "minsta.json").write_text(json.dumps(MINIMAL, ensure_ascii=False), encoding="utf-8")
    return folder


def _generera(tmp_path: Path, folder: Path, *extra: str) -> Result:
    return CliRunner().invoke(main, ["generera", "--indata", str(folder), "--utdata", str(tmp_path / "utdata"), "--mallar", str(TEMPLATES),
                                     "--troskelvarden", str(THRESHOLDS), *extra])


def test_a_file_with_a_bom_is_explained_in_swedish(tmp_path: Path) -> None:
    path = tmp_path / "avtal.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(MINIMAL).encode("utf-8"))
    result = CliRunner().invoke(main, ["validera", str(path), "--troskelvarden", str(THRESHOLDS)])
    assert result.exit_code == 1
    assert f"{path}: rad 1, kolumn 1: ogiltig JSON: filen börjar med ett BOM-tecken (byte order mark)" in result.output
    assert "decode" not in result.output


def test_an_agreement_deleted_while_the_run_lists_the_folder_is_skipped_with_a_warning(tmp_path: Path, one_agreement: Path,
                                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The form moves a file to .borttagna/ after `make avtal` listed the folder: that file is named, the run succeeds."""
    gone = one_agreement / "borttagen.json"
    real = pipeline.agreement_files
    monkeypatch.setattr(pipeline, "agreement_files", lambda files, indata=one_agreement: [*real(files, indata), gone])

    result = _generera(tmp_path, one_agreement)

    assert result.exit_code == 0, result.output
    assert f"{gone}: varning: filen togs bort medan körningen pågick och hoppades över" in result.output
    assert "Klart: 1 avtal genererade" in result.output


def test_a_named_file_that_does_not_exist_is_still_an_error(tmp_path: Path, one_agreement: Path) -> None:
    result = CliRunner().invoke(main, ["generera", str(one_agreement / "finns-inte.json"), "--utdata", str(tmp_path / "utdata"),
                                       "--mallar", str(TEMPLATES), "--troskelvarden", str(THRESHOLDS)])
    assert result.exit_code == 1
    assert "filen finns inte" in result.output


def test_when_only_the_pdf_failed_the_run_does_not_say_nothing_was_written(tmp_path: Path, one_agreement: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(files: list[Path], **_: object) -> list[Path]:
        raise PdfError([Problem(str(path), "", "ingen PDF efter två försök: LibreOffice svarade inte") for path in files])

    monkeypatch.setattr(pdf, "available", lambda: True)
    monkeypatch.setattr(pdf, "convert", failing)

    result = _generera(tmp_path, one_agreement, "--pdf")

    assert result.exit_code == 1
    assert "inget skrevs för dem" not in result.output
    assert "Avtal vars Word-dokument skrevs men där något annat misslyckades:" in result.output
    assert (tmp_path / "utdata" / "minsta-avtalet" / "avtal.docx").is_file()
