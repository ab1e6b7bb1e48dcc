"""CLI tests with click's CliRunner: exit codes, Swedish messages on stderr naming file and place, no tracebacks."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from conftest import EXAMPLES, ROOT, TEMPLATES, THRESHOLDS

from avtalsgenerator.cli import main
from avtalsgenerator.errors import Problem

NB = "\u00a0"


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def paths(tmp_path: Path) -> list[str]:
    return ["--utdata", str(tmp_path / "utdata"), "--mallar", str(TEMPLATES), "--troskelvarden", str(THRESHOLDS)]


def test_generera_writes_every_example_then_nothing(tmp_path: Path) -> None:
    first = invoke("generera", "--indata", str(EXAMPLES), *paths(tmp_path))
    assert first.exit_code == 0, first.output
    count = len(list(EXAMPLES.glob("*.json")))
    assert f"Klart: {count} avtal genererade, 0 oförändrade, 0 med fel." in first.stdout
    second = invoke("generera", "--indata", str(EXAMPLES), *paths(tmp_path))
    assert second.exit_code == 0
    assert f"Inget har ändrats: {count} avtal är aktuella, inga filer skrevs." in second.stdout


def test_validera_examples_and_broken_file(tmp_path: Path) -> None:
    assert invoke("validera", "--indata", str(EXAMPLES), "--troskelvarden", str(THRESHOLDS)).exit_code == 0
    data = json.loads((EXAMPLES / "region-stockholm-vardovergangar.json").read_text(encoding="utf-8"))
    data["parter"][1]["organisationsnummer"] = "212000-0069"
    bad = tmp_path / "fel.json"
    bad.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = invoke("validera", str(bad), "--troskelvarden", str(THRESHOLDS))
    assert result.exit_code == 1
    assert f"{bad}: $.parter[1].organisationsnummer: " in result.stderr
    assert "kontrollsiffran" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("change", "place"),
    [
        (lambda d: d["parter"][0].update(typ="aktiebolag"), "$.parter[0].typ"),
        (lambda d: d["parter"][1].update(typ="region"), "$.parter[1].organisationsnummer"),
        (lambda d: d["avtalstid"].update(slut="2023-01-01"), "$.avtalstid.slut"),
    ],
    ids=["aktiebolag", "kommunnummer-som-region", "slut-fore-start"],
)
def test_legal_breaks_exit_1_with_path_and_generate_nothing(tmp_path: Path, change: Any, place: str) -> None:
    data = json.loads((EXAMPLES / "norrstrom-fjallviken-familjebehandling.json").read_text(encoding="utf-8"))
    change(data)
    bad = tmp_path / "bryter.json"
    bad.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert place in invoke("validera", str(bad), "--troskelvarden", str(THRESHOLDS)).stderr
    result = invoke("generera", str(bad), *paths(tmp_path))
    assert result.exit_code == 1
    assert f"{bad}: {place}: " in result.stderr
    assert not list((tmp_path / "utdata").rglob("*.docx"))


def test_batch_goes_on_past_a_broken_file(tmp_path: Path) -> None:
    indata = tmp_path / "indata"
    shutil.copytree(EXAMPLES, indata)
    broken = indata / "region-internetbehandling.json"
    broken.write_text(broken.read_text(encoding="utf-8").replace('"parter": [', '"parter": [,', 1), encoding="utf-8")
    result = invoke("generera", "--indata", str(indata), *paths(tmp_path))
    assert result.exit_code == 1
    others = sorted(p.stem for p in EXAMPLES.glob("*.json") if p.name != broken.name)  # file stem = agreement id
    assert f"Klart: {len(others)} avtal genererade, 0 oförändrade, 1 med fel." in result.stdout
    assert f"{broken}: rad " in result.stderr
    assert sorted(p.parent.name for p in (tmp_path / "utdata").glob("*/avtal.docx")) == others


def test_hostile_party_name_is_literal_or_refused(tmp_path: Path) -> None:
    from test_pipeline import text

    data = json.loads((EXAMPLES / "region-stockholm-vardovergangar.json").read_text(encoding="utf-8"))
    data["parter"][1]["namn"] = 'X & Co <b>"x"</b>\u000b'
    bad = tmp_path / "fientlig.json"
    bad.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    refused = invoke("generera", str(bad), *paths(tmp_path))
    assert refused.exit_code == 1
    assert f"{bad}: $.parter[1].namn: texten innehåller tecknet U+000B" in refused.stderr
    data["parter"][1]["namn"] = 'X & Co <b>"x"</b>'
    bad.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    rendered = invoke("generera", str(bad), *paths(tmp_path))
    assert rendered.exit_code == 0, rendered.output
    assert 'X & Co <b>"x"</b>' in text(tmp_path / "utdata" / data["avtal"]["id"] / "avtal.docx")


def test_unsafe_id_is_refused(tmp_path: Path) -> None:
    data = json.loads((EXAMPLES / "region-stockholm-vardovergangar.json").read_text(encoding="utf-8"))
    data["avtal"]["id"] = "../utanfor"
    bad = tmp_path / "sokvag.json"
    bad.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = invoke("generera", str(bad), *paths(tmp_path))
    assert result.exit_code == 1
    assert f"{bad}: $.avtal.id: " in result.stderr
    assert not (tmp_path / "utanfor").exists()


def test_huge_file_is_refused_without_reading(tmp_path: Path) -> None:
    huge = tmp_path / "stor.json"
    with huge.open("wb") as f:
        f.truncate(100 * 1024 * 1024)
    result = invoke("validera", str(huge), "--troskelvarden", str(THRESHOLDS))
    assert result.exit_code == 1
    assert f"{huge}: filen är för stor (100 MB)" in result.stderr


def test_paverkan_lists_agreements_and_new_amounts(tmp_path: Path) -> None:
    invoke("generera", "--indata", str(EXAMPLES), *paths(tmp_path))
    result = invoke(
        "paverkan", "direktupphandlingsgrans", "--belopp", "750000",
        "--indata", str(EXAMPLES), "--utdata", str(tmp_path / "utdata"), "--troskelvarden", str(THRESHOLDS),
    )
    assert result.exit_code == 0, result.output
    assert f"region-internetbehandling ({EXAMPLES / 'region-internetbehandling.json'}): direktupphandlingsgrans 750{NB}000{NB}kr" in result.stdout
    assert f"Tröskelvärde (direktupphandlingsgrans): 700{NB}000{NB}kr → 750{NB}000{NB}kr" in result.stdout
    assert "2 avtal använder direktupphandlingsgrans." in result.stdout
    unknown = invoke("paverkan", "direktgrans", "--indata", str(EXAMPLES), "--troskelvarden", str(THRESHOLDS))
    assert unknown.exit_code == 1 and 'okänt tröskelvärde "direktgrans"' in unknown.stderr


def _template_copy(tmp_path: Path, *runs: str, bold_middle: bool = False) -> Path:
    import docx

    document = docx.Document(str(TEMPLATES / "avtal.docx"))
    paragraph = document.add_paragraph()
    for index, run in enumerate(runs):
        paragraph.add_run(run).bold = bold_middle and index == 1
    path = tmp_path / "avtal.docx"
    document.save(str(path))
    return path


def test_mallar_kontrollera_shipped_templates_pass() -> None:
    result = invoke("mallar", "kontrollera", str(TEMPLATES))
    assert result.exit_code == 0, result.output
    assert "Mallarna är utan fel" in result.stdout


def test_mallar_kontrollera_names_unknown_variable(tmp_path: Path) -> None:
    result = invoke("mallar", "kontrollera", str(_template_copy(tmp_path, "{{ okand_variabel_xyz }}")))
    assert result.exit_code == 1
    assert 'okänd variabel "okand_variabel_xyz"' in result.stderr
    assert "brödtext, stycke" in result.stderr


def test_mallar_kontrollera_open_block_without_traceback(tmp_path: Path) -> None:
    result = invoke("mallar", "kontrollera", str(_template_copy(tmp_path, "{% if avtal %}Text")))
    assert result.exit_code == 1
    assert "avslutas aldrig" in result.stderr
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)


def test_mallar_kontrollera_split_tag_passes(tmp_path: Path) -> None:
    result = invoke("mallar", "kontrollera", str(_template_copy(tmp_path, "{{ avtal.", "titel", " }}", bold_middle=True)))
    assert result.exit_code == 0, result.output
    assert "lagas automatiskt" in result.stderr


def test_broken_template_stops_generation_before_anything_is_written(tmp_path: Path) -> None:
    mallar = tmp_path / "mallar"
    shutil.copytree(TEMPLATES, mallar)
    shutil.copy(_template_copy(tmp_path, "{{ okand_variabel_xyz }}"), mallar / "avtal.docx")
    result = invoke("generera", "--indata", str(EXAMPLES), "--utdata", str(tmp_path / "utdata"), "--mallar", str(mallar), "--troskelvarden", str(THRESHOLDS))
    assert result.exit_code == 1
    assert 'okänd variabel "okand_variabel_xyz"' in result.stderr
    assert not list((tmp_path / "utdata").rglob("*.docx"))


def test_mallar_falt_kontext_prova() -> None:
    fields = invoke("mallar", "falt")
    assert fields.exit_code == 0
    assert any(line.startswith("parter[].organisationsnummer (text): Organisationsnummer.") for line in fields.stdout.splitlines())
    assert "berakning.fordelning" in fields.stdout
    context = invoke("mallar", "kontext", str(EXAMPLES / "region-stockholm-vardovergangar.json"), "--troskelvarden", str(THRESHOLDS))
    assert context.exit_code == 0
    assert json.loads(context.stdout)["berakning"]["troskel"]["belopp"] == 615312
    preview = invoke("mallar", "prova", str(TEMPLATES / "kostnadsfordelning.docx"), "--indata", str(EXAMPLES), "--troskelvarden", str(THRESHOLDS))
    assert preview.exit_code == 0, preview.output
    made = Path(preview.stdout.strip())
    assert made.exists() and made.suffix == ".docx"
    shutil.rmtree(made.parent)


# --------------------------------------------------------------------------------------------------
# One error boundary: exit codes by cause, -v/-q/--strikt
# --------------------------------------------------------------------------------------------------


def test_bug_gives_exit_70_short_swedish_message_and_log_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    from avtalsgenerator.output import pipeline

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(pipeline, "check", broken)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    result = invoke("validera", "--indata", str(EXAMPLES), "--troskelvarden", str(THRESHOLDS))
    assert result.exit_code == 70
    assert "Internt fel i avtalsgeneratorn (ZeroDivisionError: division by zero)." in result.stderr
    assert "Traceback" not in result.output
    logs = list(tmp_path.glob("avtal-fel-*.log"))
    assert len(logs) == 1
    assert f"Felspårningen finns i {logs[0]}" in result.stderr
    log = logs[0].read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in log and "in broken" in log
    verbose = invoke("validera", "-v", "--indata", str(EXAMPLES), "--troskelvarden", str(THRESHOLDS))
    assert verbose.exit_code == 70 and "Traceback (most recent call last)" in verbose.stderr


def test_new_command_gets_the_boundary_for_free(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    from avtalsgenerator.cli.commands import mallar
    from avtalsgenerator.errors import RuleError

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    @main.command("trasig-testkommando")
    def broken() -> None:
        raise KeyError("x")

    @mallar.command("regel-testkommando")
    def refused() -> None:
        raise RuleError([Problem("a.json", "$.avtal.id", "fel id")])

    try:
        crashed = invoke("trasig-testkommando")
        assert crashed.exit_code == 70 and "Internt fel i avtalsgeneratorn (KeyError: 'x')" in crashed.stderr
        failed = invoke("mallar", "regel-testkommando", "-q")
        assert failed.exit_code == 1 and failed.stderr == "a.json: $.avtal.id: fel id\n"
    finally:
        main.commands.pop("trasig-testkommando")
        mallar.commands.pop("regel-testkommando")


def test_every_command_is_behind_the_boundary() -> None:
    """A command added with click.command() and add_command() would give tracebacks: it must be a boundary.Command."""
    import click

    from avtalsgenerator.cli.boundary import Command, Group

    def walk(group: click.Group, prefix: str) -> list[str]:
        found = []
        for name, command in group.commands.items():
            if isinstance(command, click.Group):
                found += [] if isinstance(command, Group) else [f"{prefix}{name}"]
                found += walk(command, f"{prefix}{name} ")
            elif not isinstance(command, Command):
                found.append(f"{prefix}{name}")
        return found

    assert isinstance(main, Group)
    assert walk(main, "") == []


def test_pdf_without_libreoffice_is_exit_3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from avtalsgenerator.output import pdf

    monkeypatch.setattr(pdf, "available", lambda: False)
    result = invoke("generera", "--pdf", "--indata", str(EXAMPLES), *paths(tmp_path))
    assert result.exit_code == 3
    assert "PDF kräver LibreOffice" in result.stderr and "sudo apt-get install" in result.stderr
    assert not (tmp_path / "utdata").exists()


def test_strikt_turns_template_warnings_into_exit_1(tmp_path: Path) -> None:
    template = str(_template_copy(tmp_path, "{{ avtal.", "titel", " }}", bold_middle=True))
    lenient = invoke("mallar", "kontrollera", template)
    assert lenient.exit_code == 0 and "lagas automatiskt" in lenient.stderr
    assert "lagas automatiskt" in invoke("mallar", "kontrollera", "-q", template).stderr
    strict = invoke("mallar", "kontrollera", "--strikt", template)
    assert strict.exit_code == 1
    assert "lagas automatiskt" in strict.stderr
    assert "varningar räknas som fel (--strikt)" in strict.stderr
    on_group = invoke("--strikt", "mallar", "kontrollera", template)
    assert on_group.exit_code == 1


def test_quiet_and_verbose(tmp_path: Path) -> None:
    quiet = invoke("generera", "-q", "--indata", str(EXAMPLES), *paths(tmp_path))
    assert quiet.exit_code == 0, quiet.output
    assert "skrev " not in quiet.stdout
    assert f"Klart: {len(list(EXAMPLES.glob('*.json')))} avtal genererade" in quiet.stdout
    verbose = invoke("-v", "generera", "--indata", str(EXAMPLES), *paths(tmp_path))
    assert f"aktuellt {EXAMPLES / 'region-internetbehandling.json'}" in verbose.stdout
    assert "aktuellt" not in invoke("generera", "--indata", str(EXAMPLES), *paths(tmp_path)).stdout
    old_flag = invoke("generera", "--tyst", "--indata", str(EXAMPLES), *paths(tmp_path))
    assert old_flag.exit_code == 0 and "Inget har ändrats" in old_flag.stdout


# --------------------------------------------------------------------------------------------------
# Absurd values that the schema used to let through (issue 16.2, 16.10)
# --------------------------------------------------------------------------------------------------


def _family(change: Any) -> str:
    data = json.loads((EXAMPLES / "norrstrom-fjallviken-familjebehandling.json").read_text(encoding="utf-8"))
    change(data)
    return json.dumps(data, ensure_ascii=False, indent=2)


def _literal(token: str) -> str:
    """The family example with the first party's inhabitants written as ``token``, raw (not JSON-encoded)."""
    return _family(lambda d: d["parter"][0].update(invanare="TOKEN")).replace('"TOKEN"', token)


def _nested(depth: int) -> str:
    return _family(lambda d: d["avtal"].update(syfte="DJUP")).replace('"DJUP"', "[" * depth + "]" * depth)


ABSURD = [
    ("slut-9999", _family(lambda d: d["avtalstid"].update(slut="9999-12-31")),
     "$.avtalstid.slut", "datumet 9999-12-31 är för sent för ett avtal; senast 2200-12-31"),
    ("manader-100000", _family(lambda d: d["uppsagning"].update(manader=100000)), "$.uppsagning.manader", "värdet 100000 är för stort; högst 120"),
    ("kostnad-1e26", _family(lambda d: d["ekonomi"].update(kostnad_ar=10**26)), "$.ekonomi.kostnad_ar", f"värdet {10**26} är för stort; högst 999999999999"),
    ("invanare-1e40", _family(lambda d: d["parter"][0].update(invanare=10**40)), "$.parter[0].invanare", f"värdet {10**40} är för stort; högst 99999999"),
    ("nan", _literal("NaN"), "rad 40, kolumn 19", "NaN är inget tal i JSON"),
    ("infinity", _literal("-Infinity"), "rad 40, kolumn 19", "-Infinity är inget tal i JSON"),
    ("5000-siffror", _literal("9" * 5000), "rad 40, kolumn 19", "talet har 5000 tecken"),
    ("djup", _nested(5000), "", "för djupt nästlad"),
    ("lista-djup", _nested(30), "$.avtal.syfte" + "[0]" * 15, "värdet är för djupt nästlat; högst 16 nivåer"),
    ("id-radbrytning", _family(lambda d: d["avtal"].update(id="abc\n")), "$.avtal.id", 'värdet "abc\\n" har fel form'),
    ("lang-text", _family(lambda d: d["avtal"].update(syfte="x" * 2_000_001)), "$.avtal.syfte", "texten har 2000001 tecken; högst 2000000"),
    ("parter-5000", _family(lambda d: d.update(parter=d["parter"] * 2500)), "$.parter", "listan har 5000 element; högst 400"),
]


@pytest.mark.parametrize(("text", "place", "message"), [case[1:] for case in ABSURD], ids=[case[0] for case in ABSURD])
def test_absurd_value_is_a_swedish_error_with_place(tmp_path: Path, text: str, place: str, message: str) -> None:
    bad = tmp_path / "orimligt.json"
    bad.write_text(text, encoding="utf-8")
    checked = invoke("validera", str(bad), "--troskelvarden", str(THRESHOLDS))
    assert checked.exit_code == 1, checked.output
    where = f"{bad}: {place}: " if place else f"{bad}: "
    assert any(line.startswith(where) and message in line for line in checked.stderr.splitlines()), checked.stderr
    assert "utan fel" not in checked.stdout and "Traceback" not in checked.output
    generated = invoke("generera", str(bad), *paths(tmp_path))
    assert generated.exit_code == 1, generated.output
    assert message in generated.stderr and "Traceback" not in generated.output
    assert not list((tmp_path / "utdata").rglob("*.docx"))


def test_fifo_named_json_is_refused_without_blocking(tmp_path: Path) -> None:
    import os

    indata = tmp_path / "indata"
    shutil.copytree(EXAMPLES, indata)
    fifo = indata / "ror.json"
    os.mkfifo(fifo)
    (indata / "mapp.json").mkdir()
    result = invoke("validera", "--indata", str(indata), "--troskelvarden", str(THRESHOLDS))
    assert result.exit_code == 1
    assert f"{fifo}: är en namngiven rörledning (FIFO), inte en JSON-fil" in result.stderr
    assert f"{indata / 'mapp.json'}: är en mapp, inte en JSON-fil" in result.stderr
    assert f"2 av {len(list(EXAMPLES.glob('*.json'))) + 2} avtal har fel." in result.stderr
    device = invoke("validera", "/dev/zero", "--troskelvarden", str(THRESHOLDS))
    assert device.exit_code == 1 and "/dev/zero: är en enhet, inte en JSON-fil" in device.stderr


def test_absurd_threshold_values_are_refused(tmp_path: Path) -> None:
    data = json.loads(THRESHOLDS.read_text(encoding="utf-8"))
    first = next(iter(data["troskelvarden"]))
    data["troskelvarden"][first]["varden"][0].update(belopp=10**26, fran="0001-01-01")
    bad = tmp_path / "troskel.json"
    bad.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = invoke("validera", "--indata", str(EXAMPLES), "--troskelvarden", str(bad))
    assert result.exit_code == 1
    assert f"{bad}: $.troskelvarden.{first}.varden[0].belopp: värdet {10**26} är för stort" in result.stderr
    assert f"{bad}: $.troskelvarden.{first}.varden[0].fran: datumet 0001-01-01 är för tidigt för ett avtal; tidigast 1900-01-01" in result.stderr
    assert "Traceback" not in result.output


def test_a_reader_that_stops_reading_is_not_an_error(tmp_path: Path) -> None:
    """``avtal mallar falt | head``: the closed pipe ends the command quietly, with exit code 0 and no log file."""
    environment = {**os.environ, "TMPDIR": str(tmp_path)}
    with subprocess.Popen([sys.executable, "-m", "avtalsgenerator", "mallar", "falt"], cwd=ROOT, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, env=environment) as process:
        assert process.stdout is not None and process.stderr is not None
        first = process.stdout.readline()
        process.stdout.close()
        errors = process.stderr.read()
        code = process.wait()
    assert first.startswith(b"avtal (objekt): ")
    assert (code, errors) == (0, b"")
    assert not list(tmp_path.glob("**/*.log"))
