"""CLI tests for the template author's commands (avtal mallar …): what the author sees, in Swedish, and what is left behind."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner, Result
from conftest import EXAMPLES, TEMPLATES, THRESHOLDS

from avtalsgenerator.cli import main


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def templates_with(tmp_path: Path, name: str, *paragraphs: str) -> Path:
    """A copy of mallar/ where ``name`` has ``paragraphs`` added at the end."""
    mallar = tmp_path / "mallar"
    shutil.copytree(TEMPLATES, mallar)
    doc = docx.Document(str(mallar / name))
    for text in paragraphs:
        doc.add_paragraph(text)
    doc.save(str(mallar / name))
    return mallar


def test_one_warning_is_singular(tmp_path: Path) -> None:
    mallar = templates_with(tmp_path, "avtal.docx", "Daterat {{ avtal.datum }}")
    result = invoke("mallar", "kontrollera", str(mallar), "--indata", str(EXAMPLES), "--troskelvarden", str(THRESHOLDS))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "Mallarna är utan fel (1 varning)."
    assert 'varning: datumet "avtal.datum" skrivs ut som det lagras' in result.stderr


def test_errors_and_warnings_are_counted_in_swedish(tmp_path: Path) -> None:
    mallar = templates_with(tmp_path, "avtal.docx", "{{ okand_x }}", "Daterat {{ avtal.datum }}", "{{ avtal.diarienummer|isodatum }}{{ avtal.datum }}")
    result = invoke("mallar", "kontrollera", str(mallar))
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == "2 fel och 2 varningar i mallarna."
    assert 'filtret "isodatum" gör om datum, men "avtal.diarienummer" är text' in result.stderr


def test_kontrollera_takes_the_template_folder_as_generera_does(tmp_path: Path) -> None:
    mallar = templates_with(tmp_path, "avtal.docx", "{{ okand_x }}")
    result = invoke("mallar", "kontrollera", "--mallar", str(mallar), "--indata", str(EXAMPLES), "--troskelvarden", str(THRESHOLDS))
    assert result.exit_code == 1
    assert result.stderr.startswith(f'{mallar / "avtal.docx"}: brödtext, stycke ')
    assert 'okänd variabel "okand_x"' in result.stderr
    assert result.stderr.strip().splitlines()[-1] == "1 fel och 0 varningar i mallarna."


def test_kontrollera_tries_the_templates_with_the_minimal_agreement(tmp_path: Path) -> None:
    mallar = templates_with(tmp_path, "avtal.docx", "{% if avtal.huvudavtal %}Tillägg{% endif %}")
    result = invoke("mallar", "kontrollera", str(mallar), "--indata", str(EXAMPLES), "--troskelvarden", str(THRESHOLDS))
    assert result.exit_code == 1
    assert "minimalt-avtal.json" in result.stderr
    assert 'mallen använder fältet "huvudavtal", som inte finns' in result.stderr
    assert "Traceback" not in result.output


def test_repairs_are_one_line_and_in_detail_on_request(tmp_path: Path) -> None:
    mallar = tmp_path / "mallar"
    shutil.copytree(TEMPLATES, mallar)
    doc = docx.Document(str(mallar / "avtal.docx"))
    for _ in range(3):
        paragraph = doc.add_paragraph()
        paragraph.add_run("{{ avtal.")
        paragraph.add_run("titel }}")
    doc.save(str(mallar / "avtal.docx"))
    short = invoke("mallar", "kontrollera", str(mallar / "avtal.docx"))
    assert short.exit_code == 0, short.output
    assert short.stderr.count("lagas automatiskt") == 1
    assert "3 taggar som Word har delat upp" in short.stderr
    detailed = invoke("mallar", "kontrollera", "--detaljer", str(mallar / "avtal.docx"))
    assert detailed.stderr.count("lagas automatiskt") == 3
    assert detailed.stdout.strip() == "Mallarna är utan fel (3 varningar)."


@pytest.fixture
def own_tempdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Temporary folders made by the command go here, so the test can see whether any is left behind."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_prova_runs_the_check_first_and_leaves_no_folder(tmp_path: Path, own_tempdir: Path) -> None:
    mallar = templates_with(tmp_path, "avtal.docx", "{{ p.namnn }}", "{%p if forsakring %}", "Text", "{% endif %}")
    result = invoke("mallar", "prova", str(mallar / "avtal.docx"), "--indata", str(EXAMPLES), "--troskelvarden", str(THRESHOLDS))
    assert result.exit_code == 1
    assert 'okänd variabel "p"' in result.stderr
    assert '"{%p if forsakring %}" avslutas med "{% endif %}"' in result.stderr
    assert " (under rubriken " in result.stderr
    assert "Traceback" not in result.output and "undefined" not in result.output
    assert list(own_tempdir.iterdir()) == []


def test_prova_render_failure_is_swedish_and_leaves_no_folder(tmp_path: Path, own_tempdir: Path) -> None:
    mallar = templates_with(tmp_path, "avtal.docx", "{{ 1/0 }}")
    result = invoke("mallar", "prova", str(mallar / "avtal.docx"), str(EXAMPLES / "region-stockholm-vardovergangar.json"),
                    "--troskelvarden", str(THRESHOLDS))
    assert result.exit_code == 1
    assert "mallen delar med noll (vid rendering av" in result.stderr
    assert list(own_tempdir.iterdir()) == []


def test_prova_makes_one_folder_for_a_finished_document(own_tempdir: Path) -> None:
    result = invoke("mallar", "prova", str(TEMPLATES / "avtal.docx"), "--indata", str(EXAMPLES), "--troskelvarden", str(THRESHOLDS))
    assert result.exit_code == 0, result.output
    made = Path(result.stdout.strip())
    assert made.parent.parent == own_tempdir and made.exists()


def test_one_failing_agreement_does_not_stop_the_batch(tmp_path: Path) -> None:
    mallar = templates_with(tmp_path, "kostnadsfordelning.docx", "Pris: {{ berakning.fordelning.pris_per_enhet_ar|pris }}")
    result = invoke("generera", "--indata", str(EXAMPLES), "--utdata", str(tmp_path / "utdata"), "--mallar", str(mallar),
                    "--troskelvarden", str(THRESHOLDS), "--tyst")
    assert result.exit_code == 1
    assert 'filtret "pris" fick inget värde (none)' in result.stderr
    assert "kostnadsfordelning.docx" in result.stderr
    assert "Traceback" not in result.output
    written = list((tmp_path / "utdata").rglob("avtal.docx"))
    assert written, "de andra avtalen ska ha gjorts"


def test_help_of_the_template_commands_is_swedish() -> None:
    for command in ("kontrollera", "falt", "kontext", "prova"):
        for option in ("--help", "-h"):
            result = invoke("mallar", command, option)
            assert result.exit_code == 0
            assert result.output.startswith(f"Användning: main mallar {command} [FLAGGOR]")
            assert "\nFlaggor:\n" in result.output and "Visa den här hjälpen och avsluta." in result.output
            for english in ("Usage", "Options", "Show this message", "default:", " PATH"):
                assert english not in result.output, (command, english)
    group = invoke("mallar", "--help")
    assert "KOMMANDO [ARGUMENT]..." in group.output and "\nKommandon:\n" in group.output


def test_falt_markdown_is_the_committed_reference() -> None:
    from conftest import ROOT

    result = invoke("mallar", "falt", "--markdown")
    assert result.exit_code == 0
    assert result.stdout == (ROOT / "docs" / "falt.md").read_text(encoding="utf-8")


# --------------------------------------------------------------------------------------------------
# generera runs the checks kontrollera runs (issue 26, commands agree)
# --------------------------------------------------------------------------------------------------


def test_generera_refuses_a_template_that_kontrollera_refuses(tmp_path: Path) -> None:
    # Passes the check with a warning, but a minimal tilläggsavtal lacks the field: kontrollera's trial render refuses it.
    mallar = templates_with(tmp_path, "tillaggsavtal.docx", "Bakgrund: {{ avtal.bakgrund }}")
    indata = tmp_path / "indata"
    indata.mkdir()
    shutil.copy(EXAMPLES / "norrstrom-fjallviken-familjebehandling.json", indata)
    checked = invoke("mallar", "kontrollera", str(mallar), "--indata", str(indata), "--troskelvarden", str(THRESHOLDS))
    generated = invoke("generera", "--mallar", str(mallar), "--indata", str(indata), "--utdata", str(tmp_path / "ut"),
                       "--troskelvarden", str(THRESHOLDS))
    assert checked.exit_code == 1 and generated.exit_code == 1, generated.output
    refusal = next(line for line in checked.stderr.splitlines() if "tillaggsavtal.docx" in line and 'fältet "bakgrund"' in line and "varning" not in line)
    assert refusal in generated.stderr
    assert not list((tmp_path / "ut").glob("*/*.docx"))


def test_generera_strikt_writes_nothing_when_it_will_exit_1(tmp_path: Path) -> None:
    mallar = templates_with(tmp_path, "avtal.docx", "Daterat {{ avtal.datum }}")
    indata = tmp_path / "indata"
    indata.mkdir()
    shutil.copy(EXAMPLES / "norrstrom-fjallviken-familjebehandling.json", indata)
    args = ["generera", "--mallar", str(mallar), "--indata", str(indata), "--utdata", str(tmp_path / "ut"), "--troskelvarden", str(THRESHOLDS)]
    strict = invoke(*args, "--strikt")
    assert strict.exit_code == 1
    assert 'varning: datumet "avtal.datum" skrivs ut som det lagras' in strict.stderr
    assert "Inget skrevs: med --strikt görs inga avtal när mallarna eller avtalen ger varningar eller fel." in strict.stderr
    assert not list((tmp_path / "ut").glob("*/*.docx"))
    assert invoke(*args).exit_code == 0
    assert list((tmp_path / "ut").glob("*/avtal.docx"))
