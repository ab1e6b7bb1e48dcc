"""The CLI starts at once: `--version`, `--help` and `validera` import no Word, XML, web or comparison code."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

import avtalsgenerator

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("docxtpl", "docx", "lxml", "flask", "avtalsgenerator.compare")

# Runs the command as `avtal` does, then prints the heavy modules that were imported.
_PROBE = """
import json, sys
from avtalsgenerator.cli import main
try:
    main(sys.argv[1:], prog_name="avtal")
except SystemExit:
    pass
heavy = sorted(name for name in sys.modules if any(name == h or name.startswith(h + ".") for h in {heavy!r}))
print("IMPORTED " + json.dumps(heavy), file=sys.stderr)
"""


def _imported(*arguments: str, heavy: tuple[str, ...] = HEAVY) -> tuple[list[str], str]:
    done = subprocess.run([sys.executable, "-c", _PROBE.format(heavy=heavy), *arguments], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=False)
    line = next(line for line in done.stderr.splitlines() if line.startswith("IMPORTED "))
    return json.loads(line.removeprefix("IMPORTED ")), done.stdout


@pytest.mark.parametrize("arguments", [["--version"], ["--help"], ["validera"], ["validera", "indata/avtal/region-internetbehandling.json"]],
                         ids=["version", "help", "validera-alla", "validera-en"])
def test_light_commands_import_no_word_xml_web_or_comparison_code(arguments: list[str]) -> None:
    imported, output = _imported(*arguments)
    assert imported == []
    assert output.strip(), "the command printed nothing: it did not run"


def test_generera_still_imports_what_it_needs(tmp_path: Path) -> None:
    imported, _ = _imported("generera", "--utdata", str(tmp_path / "utdata"), "indata/avtal/region-internetbehandling.json")
    assert "docxtpl" in imported and "lxml" in imported
    assert list((tmp_path / "utdata").rglob("avtal.docx"))


# What one changed agreement does not need (issue 24): jsonschema (valid data passes the schema's fast path), the PDF
# code without --pdf, and the template checker once the templates' check is stored.
NOT_NEEDED = ("jsonschema", "avtalsgenerator.output.pdf", "avtalsgenerator.output.officeserver", "xmlrpc", "avtalsgenerator.templates.check")


def test_valid_agreement_is_validated_without_jsonschema() -> None:
    imported, output = _imported("validera", "indata/avtal/region-internetbehandling.json", heavy=NOT_NEEDED)
    assert imported == []
    assert output.strip() == "1 avtal utan fel."


def test_generera_without_pdf_imports_neither_pdf_code_nor_the_checker_once_checked(tmp_path: Path) -> None:
    arguments = ("generera", "--utdata", str(tmp_path / "utdata"), "indata/avtal/region-internetbehandling.json")
    _imported(*arguments, heavy=NOT_NEEDED)  # the first run checks the templates and stores the result
    imported, _ = _imported(*arguments, "--tvinga", heavy=NOT_NEEDED)
    assert imported == []
    assert list((tmp_path / "utdata").rglob("avtal.docx"))


def test_invalid_agreement_is_described_by_jsonschema(tmp_path: Path) -> None:
    broken = tmp_path / "trasigt.json"
    data = json.loads((ROOT / "indata" / "avtal" / "region-internetbehandling.json").read_text(encoding="utf-8"))
    data["avtal"]["typ"] = "hyresavtal"
    broken.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    done = subprocess.run([str(Path(sys.executable).with_name("avtal")), "validera", str(broken)], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 1
    assert '$.avtal.typ: värdet "hyresavtal" är inte tillåtet' in done.stdout + done.stderr


def test_version_shown_is_the_installed_version() -> None:
    assert avtalsgenerator.__version__ == metadata.version("avtalsgenerator")
    _, output = _imported("--version")
    assert output.strip() == f"avtal {avtalsgenerator.__version__}"
