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


def _imported(*arguments: str) -> tuple[list[str], str]:
    done = subprocess.run([sys.executable, "-c", _PROBE.format(heavy=HEAVY), *arguments], cwd=ROOT, capture_output=True, text=True,
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


def test_version_shown_is_the_installed_version() -> None:
    assert avtalsgenerator.__version__ == metadata.version("avtalsgenerator")
    _, output = _imported("--version")
    assert output.strip() == f"avtal {avtalsgenerator.__version__}"
