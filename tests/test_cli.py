"""CLI tests with click's CliRunner: exit codes, Swedish messages on stderr naming file and place, no tracebacks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from conftest import EXAMPLES, TEMPLATES, THRESHOLDS

from avtalsgenerator.cli import main

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
