"""The template author's own project (issue 26): a broken schema and a new field, run as the README starts the commands."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import docx
import pytest
from conftest import ROOT, TEMPLATES

FAMILY = "norrstrom-fjallviken-familjebehandling"  # an avtalssamverkan: made with avtal.docx
INTERNET = "region-internetbehandling"  # also made with avtal.docx


@pytest.fixture
def author_project(tmp_path: Path) -> Path:
    """A copy of the project as an author has it: the generator, schema/, mallar/ and indata/, run from its root.

    The generator is a copy so that its schema is the project's schema/avtal.schema.json, which the author edits
    (an installed generator reads the schema it ships with).
    """
    project = tmp_path / "projekt"
    shutil.copytree(ROOT / "generator", project / "avtalsgenerator", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "schema", project / "schema")
    (project / "avtalsgenerator" / "schemas").symlink_to(Path("..") / "schema", target_is_directory=True)
    shutil.copytree(TEMPLATES, project / "mallar")
    shutil.copytree(ROOT / "indata", project / "indata")
    return project


def avtal(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``avtal ARGS`` from the project's root with its default folders; a log file would land in the project's tmp."""
    (project / "tmp").mkdir(exist_ok=True)
    environment = {**os.environ, "PYTHONPATH": str(project), "TMPDIR": str(project / "tmp")}
    return subprocess.run([sys.executable, "-m", "avtalsgenerator", *args], cwd=project, env=environment, capture_output=True,
                          text=True, timeout=600)


def written(project: Path) -> list[Path]:
    return sorted((project / "utdata").glob("*/*.docx"))


# --------------------------------------------------------------------------------------------------
# Crash: a trailing comma in schema/avtal.schema.json is the author's mistake, said with file, line and column
# --------------------------------------------------------------------------------------------------


def test_trailing_comma_in_the_schema_is_the_authors_file_with_line_and_column(author_project: Path) -> None:
    schema = author_project / "schema" / "avtal.schema.json"
    text = schema.read_text(encoding="utf-8")
    end = text.index("\n        }", text.index('"title": "Avtals-id",'))
    schema.write_text(text[:end] + "," + text[end:], encoding="utf-8")
    expected = (f"schema/avtal.schema.json: rad {text[:end].count(chr(10)) + 2}, kolumn 9: schemat är inte giltig JSON: nyckeln måste stå "
                "inom dubbla citattecken (eller ett kommatecken för mycket). Rätta filen; den används när alla avtal läses och mallarna "
                "kontrolleras")
    for command in (["mallar", "kontrollera"], ["generera"], ["mallar", "falt"]):
        done = avtal(author_project, *command)
        assert (done.returncode, done.stderr.splitlines()[0]) == (1, expected), done.stderr
        assert "Internt fel" not in done.stderr
    assert written(author_project) == []
    assert list((author_project / "tmp").glob("*.log")) == []


# --------------------------------------------------------------------------------------------------
# The author's workflow: mallar/LASMIG.md "Ett nytt fält i avtalsdata" followed step by step
# --------------------------------------------------------------------------------------------------


def guide_section() -> str:
    text = (TEMPLATES / "LASMIG.md").read_text(encoding="utf-8")
    start = text.index("## Ett nytt fält i avtalsdata")
    return text[start:text.index("\n## ", start + 1)]


def fenced(section: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```$", section, re.DOTALL | re.MULTILINE)


def add_field_as_the_guide_says(schema: Path, snippet: str) -> None:
    """Step 1: the guide's JSON last among the fields of "avtal", with a comma after the field before it."""
    text = schema.read_text(encoding="utf-8")
    fields = json.loads(text)["properties"]["avtal"]["properties"]
    last = f'"{list(fields)[-1]}": '
    start = text.index(last, text.index('"avtal": {', text.index('"properties"'))) + len(last)
    _, end = json.JSONDecoder().raw_decode(text, start)
    schema.write_text(text[:end] + ",\n" + snippet.strip() + text[end:], encoding="utf-8")


def add_block_as_the_guide_says(template: Path, block: str) -> None:
    """Step 2: the guide's lines as paragraphs before the signatures, the section's title as a numbered heading."""
    document = docx.Document(str(template))
    signatures = next(p for p in document.paragraphs if p.text == "Underskrifter" and p.style.name == "Heading 1")
    for line in block.strip().splitlines():
        signatures.insert_paragraph_before(line, style="Heading 1" if line == "Särskilda villkor" else None)
    document.save(str(template))


def body_text(path: Path) -> list[str]:
    return [p.text for p in docx.Document(str(path)).paragraphs]


def test_a_new_yes_no_field_and_its_clause_follow_the_guide_end_to_end(author_project: Path) -> None:
    section = guide_section()
    [snippet] = fenced(section, "json")
    block = next(b for b in fenced(section, "text") if "{%p if avtal.sarskilda_villkor %}" in b)
    add_block_as_the_guide_says(author_project / "mallar" / "avtal.docx", block)

    # Step 3 before step 1: the check names the field and says where fields are declared.
    unknown = avtal(author_project, "mallar", "kontrollera")
    assert unknown.returncode == 1
    assert ('okänt fält "avtal.sarskilda_villkor"; alla fält står i docs/falt.md (avtal mallar falt). Ett nytt fält läggs först till i '
            "schema/avtal.schema.json med svensk titel, beskrivning och standardvärde, se mallar/LASMIG.md (Ett nytt fält i avtalsdata)"
            ) in unknown.stderr

    add_field_as_the_guide_says(author_project / "schema" / "avtal.schema.json", snippet)
    checked = avtal(author_project, "mallar", "kontrollera")
    assert (checked.returncode, checked.stderr) == (0, ""), checked.stderr
    assert checked.stdout.startswith("Mallarna är utan fel")

    # The field set in one agreement; the other has the schema's default (false).
    chosen = author_project / "indata" / "avtal" / f"{FAMILY}.json"
    data = json.loads(chosen.read_text(encoding="utf-8"))
    data["avtal"]["sarskilda_villkor"] = True
    chosen.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    made = avtal(author_project, "generera", f"indata/avtal/{FAMILY}.json", f"indata/avtal/{INTERNET}.json")
    assert made.returncode == 0, made.stderr
    with_clause = body_text(author_project / "utdata" / FAMILY / "avtal.docx")
    without = body_text(author_project / "utdata" / INTERNET / "avtal.docx")
    assert with_clause.index("Särskilda villkor") < with_clause.index("Underskrifter")
    assert "Parterna har kommit överens om särskilda villkor, som anges i bilaga." in with_clause
    assert "Särskilda villkor" not in without and not any("{%" in line for line in with_clause + without)

    # Step 4: the field reference make fornya writes has the field with its Swedish title and description.
    reference = avtal(author_project, "mallar", "falt", "--markdown")
    assert reference.returncode == 0
    assert "| `avtal.sarskilda_villkor` | sant/falskt | Särskilda villkor. Sant om avtalet ska ha avsnittet Särskilda villkor. |" in (
        reference.stdout.splitlines())
