"""Tests for the comparison document: real edits to the examples, accepted and rejected, read back with python-docx."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
import re
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docx
import pytest
from click.testing import CliRunner
from conftest import EXAMPLES, TEMPLATES, THRESHOLDS, requires_program
from docx.table import Table
from lxml import etree
from test_regeneration import run

from avtalsgenerator.agreement.thresholds import load_thresholds
from avtalsgenerator.cli import main
from avtalsgenerator.compare.document import AUTHOR, compare_documents
from avtalsgenerator.compare.revisions import accept_all, reject_all
from avtalsgenerator.docx.namespaces import W
from avtalsgenerator.errors import CompareError
from avtalsgenerator.output.comparisons import comparison_path
from avtalsgenerator.output.pipeline import generate
from avtalsgenerator.paths import MAIN_FILE
from avtalsgenerator.prepare import prepare

NB = "\u00a0"
FIRST = dt.datetime(2026, 11, 1, 9, 0)
SECOND = dt.datetime(2026, 11, 20, 10, 0)
STOCKHOLM = "region-stockholm-vardovergangar"
INTERNET = "region-internetbehandling"
CLAUSE = "Parterna ska en gång per år gå igenom hur avtalet fungerar och dokumentera vad de kommit fram till."
STORY = re.compile(r"word/(document|header\d*|footer\d*)\.xml")


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """The examples, thresholds and templates copied, for a test to edit and generate twice."""
    for source, target in ((EXAMPLES, "indata/avtal"), (TEMPLATES, "mallar")):
        shutil.copytree(source, tmp_path / target)
    shutil.copy(THRESHOLDS, tmp_path / "indata" / "troskelvarden.json")
    return tmp_path


def apply(data: bytes, resolve: Callable[[Any], Any]) -> bytes:
    """The .docx with ``resolve`` (accept or reject all) applied to the XML of its body, headers and footers."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if STORY.fullmatch(info.filename):
                content = etree.tostring(resolve(etree.fromstring(content)), xml_declaration=True, encoding="UTF-8", standalone=True)
            target.writestr(info, content)
    return out.getvalue()


def read(data: bytes) -> dict[str, Any]:
    """What python-docx reads: body paragraphs and tables (rows of cell texts) in order, headers and footers."""
    document = docx.Document(io.BytesIO(data))
    body = [[[cell.text for cell in row.cells] for row in block.rows] if isinstance(block, Table) else block.text for block in document.iter_inner_content()]
    return {
        "body": body,
        "headers": [[p.text for p in section.header.paragraphs] for section in document.sections],
        "footers": [[p.text for p in section.footer.paragraphs] for section in document.sections],
    }


def xml(data: bytes, part: str = "word/document.xml") -> Any:
    return etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read(part))


def regenerate(workspace: Path, edit: Callable[[Path], None]) -> dict[Path, tuple[bytes, bytes, bytes]]:
    """Generate, edit, generate again: for every regenerated document (old, new, comparison) by its path."""
    run(workspace, FIRST)
    edit(workspace)
    result = run(workspace, SECOND)
    assert result.ok, result.problems
    found = {}
    for archived in result.archived:
        current = archived.parents[2] / archived.name
        comparison = archived.parents[2] / "jamforelse" / f"{archived.stem}-2026-11-20.docx"
        assert comparison.exists(), f"inget jämförelsedokument för {current}"
        found[current] = (archived.read_bytes(), current.read_bytes(), comparison.read_bytes())
    assert found, "inget dokument gjordes om"
    return found


def assert_accept_gives_new_and_reject_gives_old(old: bytes, new: bytes, comparison: bytes) -> None:
    assert read(apply(comparison, accept_all)) == read(new)
    assert read(apply(comparison, reject_all)) == read(old)
    assert read(comparison) != read(new) or read(old) == read(new)


def edit_json(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


def raise_threshold(workspace: Path) -> None:
    thresholds = workspace / "indata" / "troskelvarden.json"
    thresholds.write_text(thresholds.read_text(encoding="utf-8").replace("700000", "750000"), encoding="utf-8")


def add_clause(workspace: Path) -> None:
    template = workspace / "mallar" / "avtal.docx"
    document = docx.Document(str(template))
    heading = next(p for p in document.paragraphs if p.text == "Force majeure")
    following = heading._p.getnext()
    added = copy.deepcopy(following)
    for child in added.findall(f"{W}r"):
        added.remove(child)
    run_element = etree.SubElement(added, f"{W}r")
    etree.SubElement(run_element, f"{W}t").text = CLAUSE
    following.addnext(added)
    document.save(str(template))


def party_lists(data: dict[str, Any]) -> list[list[str]]:
    """Every list of party ids in an agreement that a party added or removed must be in or out of."""
    return [task["mottagare"] for task in data["uppgifter"]] + [data["ekonomi"]["fordelning"]["betalande"]]


def add_party(workspace: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        party = json.loads(json.dumps(data["parter"][-1]))
        party.update(id="sollentuna", namn="Sollentuna kommun", organisationsnummer="212000-0191", invanare=75000, anvandare=150)
        data["parter"].append(party)
        for ids in party_lists(data):
            ids.append("sollentuna")

    edit_json(workspace / "indata" / "avtal" / f"{STOCKHOLM}.json", change)


def remove_party(workspace: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["parter"] = [p for p in data["parter"] if p["id"] != "solna"]
        for ids in party_lists(data):
            ids.remove("solna")

    edit_json(workspace / "indata" / "avtal" / f"{STOCKHOLM}.json", change)


def test_threshold_change_is_a_word_level_change_inside_the_paragraph(workspace: Path) -> None:
    documents = regenerate(workspace, raise_threshold)
    assert {p.name for p in documents} == {"avtal.docx", "kostnadsfordelning.docx"}
    for old, new, comparison in documents.values():
        assert_accept_gives_new_and_reject_gives_old(old, new, comparison)
    _, _, comparison = documents[workspace / "utdata" / INTERNET / "avtal.docx"]
    root = xml(comparison)
    deleted = [d for d in root.iter(f"{W}del") if "".join(d.itertext()) == f"700{NB}000"]
    assert deleted and deleted[0].get(f"{W}author") == AUTHOR and deleted[0].get(f"{W}date", "").startswith("2026-11-20")
    paragraph = deleted[0].getparent()
    inserted = deleted[0].getnext()
    assert inserted.tag == f"{W}ins" and "".join(inserted.itertext()) == f"750{NB}000"
    assert paragraph.find(f"{W}pPr/{W}rPr/{W}del") is None and paragraph.find(f"{W}pPr/{W}rPr/{W}ins") is None
    assert "kronor" in "".join(t.text for t in paragraph.iter(f"{W}t") if t.getparent().getparent() is paragraph)


def test_clause_added_to_a_template_is_one_inserted_paragraph(workspace: Path) -> None:
    documents = regenerate(workspace, add_clause)
    thresholds = load_thresholds(THRESHOLDS)
    made_with_it = [p.stem for p in sorted(EXAMPLES.glob("*.json")) if prepare(p, thresholds).documents[MAIN_FILE] == "avtal.docx"]
    assert sorted(p.parent.name for p in documents) == made_with_it
    for old, new, comparison in documents.values():
        assert_accept_gives_new_and_reject_gives_old(old, new, comparison)
        root = xml(comparison)
        inserted = [p for p in root.iter(f"{W}p") if p.find(f"{W}pPr/{W}rPr/{W}ins") is not None]
        assert ["".join(p.itertext()) for p in inserted] == [CLAUSE]
        assert list(root.iter(f"{W}del")) == []
    report = (workspace / "utdata" / "andringsrapport.md").read_text(encoding="utf-8")
    assert f"{len(CLAUSE.split())} ord tillagda, 0 ord borttagna" in report


def test_party_added_gives_inserted_rows_and_paragraphs(workspace: Path) -> None:
    documents = regenerate(workspace, add_party)
    for old, new, comparison in documents.values():
        assert_accept_gives_new_and_reject_gives_old(old, new, comparison)
    _, _, comparison = documents[workspace / "utdata" / STOCKHOLM / "kostnadsfordelning.docx"]
    rows = [r for r in xml(comparison).iter(f"{W}tr") if r.find(f"{W}trPr/{W}ins") is not None]
    assert any("Sollentuna kommun" in "".join(r.itertext()) for r in rows)


def test_table_row_removed_is_a_deleted_row(workspace: Path) -> None:
    documents = regenerate(workspace, remove_party)
    for old, new, comparison in documents.values():
        assert_accept_gives_new_and_reject_gives_old(old, new, comparison)
    _, new, comparison = documents[workspace / "utdata" / STOCKHOLM / "kostnadsfordelning.docx"]
    rows = [r for r in xml(comparison).iter(f"{W}tr") if r.find(f"{W}trPr/{W}del") is not None]
    assert [r for r in rows if "Solna" in "".join(r.itertext())]
    assert "Solna" not in json.dumps(read(new), ensure_ascii=False)
    assert all(t.tag == f"{W}delText" for r in rows for t in r.iter(f"{W}t", f"{W}delText"))


def rename_party(workspace: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        next(p for p in data["parter"] if p["id"] == "solna")["namn"] = "Solna kommun"

    edit_json(workspace / "indata" / "avtal" / f"{STOCKHOLM}.json", change)


def test_renamed_party_marks_only_its_own_rows(workspace: Path) -> None:
    documents = regenerate(workspace, rename_party)
    for old, new, comparison in documents.values():
        assert_accept_gives_new_and_reject_gives_old(old, new, comparison)
    _, _, comparison = documents[workspace / "utdata" / STOCKHOLM / "kostnadsfordelning.docx"]
    marked = [r for r in xml(comparison).iter(f"{W}tr") if r.find(f".//{W}ins") is not None or r.find(f".//{W}del") is not None]
    assert marked, "the renamed party's row is marked"
    assert all("Solna" in "".join(r.itertext()) for r in marked), "rows of the other parties are left as they were"


def test_title_change_is_tracked_in_the_header_too(workspace: Path) -> None:
    def retitle(workspace: Path) -> None:  # within the part of the title the running header holds (berakning.kort_titel)
        edit_json(workspace / "indata" / "avtal" / f"{INTERNET}.json",
                  lambda d: d["avtal"].update(titel=d["avtal"]["titel"].replace("avtalssamverkan", "avtalssamverkan och oro", 1)))

    documents = regenerate(workspace, retitle)
    old, new, comparison = documents[workspace / "utdata" / INTERNET / "avtal.docx"]
    assert_accept_gives_new_and_reject_gives_old(old, new, comparison)
    header = xml(comparison, "word/header1.xml")
    assert any("och oro" in "".join(i.itertext()) for i in header.iter(f"{W}ins"))


def test_accept_and_reject_follow_the_marks(tmp_path: Path) -> None:
    """The helpers the checks rely on, on a hand-written paragraph pair whose results are known."""
    body = etree.fromstring(
        f'<w:body xmlns:w="{W[1:-1]}">'
        '<w:p><w:r><w:t xml:space="preserve">Betala </w:t></w:r><w:del><w:r><w:delText>100</w:delText></w:r></w:del>'
        "<w:ins><w:r><w:t>200</w:t></w:r></w:ins><w:r><w:t xml:space=\"preserve\"> kronor.</w:t></w:r></w:p>"
        "<w:p><w:pPr><w:rPr><w:ins/></w:rPr></w:pPr><w:ins><w:r><w:t>Ny punkt.</w:t></w:r></w:ins></w:p>"
        "<w:p><w:pPr><w:rPr><w:del/></w:rPr></w:pPr><w:del><w:r><w:delText>Gammal punkt.</w:delText></w:r></w:del></w:p>"
        "<w:p><w:r><w:t>Slut.</w:t></w:r></w:p></w:body>"
    )
    accepted = accept_all(etree.fromstring(etree.tostring(body)))
    rejected = reject_all(body)
    assert ["".join(p.itertext()) for p in accepted] == ["Betala 200 kronor.", "Ny punkt.", "Slut."]
    assert ["".join(p.itertext()) for p in rejected] == ["Betala 100 kronor.", "Gammal punkt.", "Slut."]


def test_a_document_with_tracked_changes_is_refused(workspace: Path) -> None:
    documents = regenerate(workspace, raise_threshold)
    old, _, comparison = next(iter(documents.values()))
    with pytest.raises(CompareError, match="redan spårade ändringar"):
        compare_documents(old, comparison, when=SECOND, old_name="a.docx", new_name="b.docx")


def test_a_file_that_is_not_word_is_refused() -> None:
    with pytest.raises(CompareError, match=r"gammal\.docx: filen kan inte öppnas som ett Word-dokument \(\.docx\)"):
        compare_documents(b"inte en zip", b"", when=SECOND, old_name="gammal.docx")


def test_first_run_makes_no_comparison_and_unchanged_documents_get_none(workspace: Path) -> None:
    run(workspace, FIRST)
    assert not list((workspace / "utdata").rglob("jamforelse"))
    documents = regenerate(workspace, raise_threshold)
    assert {p.parent for p in (workspace / "utdata").rglob("jamforelse/*.docx")} == {workspace / "utdata" / INTERNET / "jamforelse"}
    assert len(documents) == 2


def test_report_links_to_each_comparison_with_word_counts(workspace: Path) -> None:
    regenerate(workspace, raise_threshold)
    utdata = workspace / "utdata"
    latest = (utdata / "andringsrapport.md").read_text(encoding="utf-8")
    assert f"[avtal-2026-11-20.docx](<{INTERNET}/jamforelse/avtal-2026-11-20.docx>) för avtal.docx: 1 ord tillagt, 1 ord borttaget" in latest
    dated = next((utdata / "rapporter").glob("2026-11-20-*.md"))
    links = re.findall(r"\]\(<([^>]+)>\)", dated.read_text(encoding="utf-8"))
    assert len(links) == 2 and all((dated.parent / link).is_file() for link in links)
    assert "| Tröskelvärde (direktupphandlingsgrans) |" in latest


def test_second_comparison_on_the_same_day_keeps_the_first(tmp_path: Path) -> None:
    folder = tmp_path / "avtal-x"
    first = comparison_path(folder, "avtal.docx", SECOND)
    assert first == folder / "jamforelse" / "avtal-2026-11-20.docx"
    first.parent.mkdir(parents=True)
    first.write_bytes(b"x")
    assert comparison_path(folder, "avtal.docx", SECOND).name == "avtal-2026-11-20-100000.docx"


def test_cli_jamfor_writes_the_comparison_and_counts(workspace: Path, tmp_path: Path) -> None:
    documents = regenerate(workspace, remove_party)
    current = workspace / "utdata" / STOCKHOLM / "kostnadsfordelning.docx"
    archived = next((workspace / "utdata" / STOCKHOLM / "tidigare").rglob("kostnadsfordelning.docx"))
    out = tmp_path / "jamforelse.docx"
    result = CliRunner().invoke(main, ["jamfor", str(archived), str(current), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert f"skrev {out}" in result.output and "ord borttagna" in result.output
    old, new, _ = documents[current]
    assert_accept_gives_new_and_reject_gives_old(old, new, out.read_bytes())


def test_cli_jamfor_names_missing_files_and_writes_nothing(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["jamfor", str(tmp_path / "gammal.docx"), str(tmp_path / "ny.docx")])
    assert result.exit_code == 1
    assert f"{tmp_path / 'gammal.docx'}: filen finns inte" in result.output
    assert f"{tmp_path / 'ny.docx'}: filen finns inte" in result.output
    assert list(tmp_path.iterdir()) == []


def test_cli_jamfor_refuses_to_overwrite_an_input(workspace: Path) -> None:
    run(workspace, FIRST)
    current = workspace / "utdata" / INTERNET / "avtal.docx"
    before = current.read_bytes()
    result = CliRunner().invoke(main, ["jamfor", str(current), str(current), "-o", str(current)])
    assert result.exit_code == 1 and "får inte skriva över" in result.output
    assert current.read_bytes() == before


def test_comparison_pdf_shows_the_changes(workspace: Path) -> None:
    for name in ("soffice", "pdfinfo", "pdftotext"):
        requires_program(name)
    run(workspace, FIRST)
    raise_threshold(workspace)
    result = generate(
        indata=workspace / "indata" / "avtal",
        utdata=workspace / "utdata",
        mallar=workspace / "mallar",
        troskelvarden=workspace / "indata" / "troskelvarden.json",
        pdf=True,
        now=SECOND,
    )
    assert result.ok, result.problems
    comparison = workspace / "utdata" / INTERNET / "jamforelse" / "avtal-2026-11-20.pdf"
    assert comparison in result.pdfs
    text = subprocess.run(["pdftotext", str(comparison), "-"], capture_output=True, check=True, text=True).stdout
    flat = " ".join(text.split())
    assert f"700{NB}000" in flat.replace(" ", NB) and f"750{NB}000" in flat.replace(" ", NB)


def test_comparison_with_a_removed_row_converts_in_libreoffice(workspace: Path, tmp_path: Path) -> None:
    for name in ("soffice", "pdfinfo", "pdftotext"):
        requires_program(name)
    documents = regenerate(workspace, remove_party)
    out = tmp_path / "rad.docx"
    out.write_bytes(documents[workspace / "utdata" / STOCKHOLM / "kostnadsfordelning.docx"][2])
    result = CliRunner().invoke(main, ["jamfor", "--pdf", str(next((workspace / "utdata" / STOCKHOLM / "tidigare").rglob("kostnadsfordelning.docx"))),
                                       str(workspace / "utdata" / STOCKHOLM / "kostnadsfordelning.docx"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = subprocess.run(["pdftotext", str(out.with_suffix(".pdf")), "-"], capture_output=True, check=True, text=True).stdout
    assert "Solna" in text  # the deleted row is shown, struck through


def office_python() -> str:
    """A Python that has LibreOffice's uno module; skip without one, fail under CI=true (CI installs python3-uno)."""
    requires_program("soffice")
    for candidate in ("/usr/bin/python3", shutil.which("python3")):
        if candidate and subprocess.run([candidate, "-c", "import uno"], capture_output=True, check=False).returncode == 0:
            return candidate
    return requires_program("python3-uno")  # not a program: skips, or fails under CI, with the package named


@pytest.mark.slow  # LibreOffice through uno
@pytest.mark.parametrize("edit", [add_party, remove_party, add_clause], ids=["part-tillagd", "rad-borttagen", "klausul-tillagd"])
def test_libreoffice_accepts_and_rejects_to_the_same_text(workspace: Path, tmp_path: Path, edit: Callable[[Path], None]) -> None:
    python = office_python()
    documents = regenerate(workspace, edit)
    jobs: list[str] = []
    expected: dict[Path, bytes] = {}
    for current, (old, new, comparison) in documents.items():
        source = tmp_path / f"{current.stem}-jamforelse.docx"
        source.write_bytes(comparison)
        for mode, wanted in (("accept", new), ("reject", old)):
            target = tmp_path / f"{current.stem}-{mode}.docx"
            jobs += [mode, str(source), str(target)]
            expected[target] = wanted
    helper = Path(__file__).with_name("lo_changes.py")
    done = subprocess.run([python, str(helper), str(tmp_path / "profil"), *jobs], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    for target, wanted in expected.items():
        got, want = read(target.read_bytes()), read(wanted)
        assert got["body"] == want["body"], target.name
        assert got["headers"] == want["headers"], target.name  # footers differ only in page numbers LibreOffice recomputes


def test_unreadable_earlier_version_still_writes_the_agreement_and_says_why(workspace: Path) -> None:
    run(workspace, FIRST)
    damaged = workspace / "utdata" / INTERNET / "avtal.docx"
    damaged.write_bytes(b"inte ett Word-dokument")
    raise_threshold(workspace)
    result = run(workspace, SECOND)
    assert result.ok and damaged.read_bytes()[:2] == b"PK"
    assert not (workspace / "utdata" / INTERNET / "jamforelse" / "avtal-2026-11-20.docx").exists()
    assert [str(w) for w in result.warnings if "jämförelsedokument" in w.message] == [
        f"{damaged}: varning: inget jämförelsedokument: filen kan inte öppnas som ett Word-dokument (.docx)"
    ]
    report = (workspace / "utdata" / "andringsrapport.md").read_text(encoding="utf-8")
    assert "- avtal.docx: inget jämförelsedokument kunde göras (filen kan inte öppnas som ett Word-dokument (.docx))" in report
    assert (workspace / "utdata" / INTERNET / "jamforelse" / "kostnadsfordelning-2026-11-20.docx").exists()


def _edited(data: bytes, seed: int) -> bytes:
    """The document with a few random edits to its body: paragraphs and rows removed, added or reworded."""
    import random

    chance = random.Random(seed)
    source = zipfile.ZipFile(io.BytesIO(data))
    body = etree.fromstring(source.read("word/document.xml"))
    for _ in range(chance.randint(1, 6)):
        paragraphs = [p for p in body.iter(f"{W}p") if p.getparent().tag != f"{W}tc" or len(p.getparent().findall(f"{W}p")) > 1]
        rows = list(body.iter(f"{W}tr"))
        texts = [t for t in body.iter(f"{W}t") if t.text and t.text.strip()]
        action = chance.choice(["remove", "add", "reword", "remove_row", "add_row", "last"])
        if action == "remove" and paragraphs:
            victim = chance.choice(paragraphs)
            victim.getparent().remove(victim)
        elif action == "add":
            anchor = chance.choice(list(body.iter(f"{W}p")))
            added = copy.deepcopy(anchor)
            for text in added.iter(f"{W}t"):
                text.text = f"Ny text {chance.randint(1, 999)} här."
            (anchor.addnext if chance.random() < 0.5 else anchor.addprevious)(added)
        elif action == "reword" and texts:
            text = chance.choice(texts)
            words = text.text.split(" ")
            words[chance.randrange(len(words))] = chance.choice(["ÄNDRAT", "", "två ord"])
            text.text = " ".join(words)
        elif action == "remove_row" and len(rows) > 2:
            victim = chance.choice(rows[1:])
            if len(victim.getparent().findall(f"{W}tr")) > 1:
                victim.getparent().remove(victim)
        elif action == "add_row" and rows:
            anchor = chance.choice(rows)
            added = copy.deepcopy(anchor)
            for text in added.iter(f"{W}t"):
                text.text = f"rad {chance.randint(1, 99)}"
            anchor.addnext(added)
        elif action == "last":
            last = [c for c in body.find(f"{W}body") if c.tag == f"{W}p"][-1]
            for text in last.iter(f"{W}t"):
                text.text = "Sista stycket ändrat."
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, etree.tostring(body) if info.filename == "word/document.xml" else source.read(info.filename))
    return out.getvalue()


@pytest.fixture(scope="module")
def generated_documents(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    utdata = tmp_path_factory.mktemp("utdata")
    generate(indata=EXAMPLES, utdata=utdata, mallar=TEMPLATES, troskelvarden=THRESHOLDS, now=FIRST)
    return [p.read_bytes() for p in sorted(utdata.rglob("*.docx"))]


@pytest.mark.parametrize("seed", range(40))
def test_random_edits_accept_to_the_new_and_reject_to_the_old(generated_documents: list[bytes], seed: int) -> None:
    """Edits the templates cannot make on their own: at the start or end of a cell, before a table, the last paragraph."""
    old = generated_documents[seed % len(generated_documents)]
    new = _edited(old, seed)
    for first, second in ((old, new), (new, old)):
        comparison = compare_documents(first, second, when=SECOND).data
        assert read(apply(comparison, accept_all)) == read(second)
        assert read(apply(comparison, reject_all)) == read(first)


def test_comparison_that_would_not_reject_to_the_old_text_is_refused(generated_documents: list[bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    from avtalsgenerator.compare import blocks as compare

    monkeypatch.setattr(compare, "compare_paragraphs", lambda *args: None)  # a fault that leaves changed paragraphs unmarked
    old = generated_documents[0]
    new = _edited(old, 3)
    with pytest.raises(CompareError, match="jämförelsen gick inte att göra: att avvisa alla ändringar gav inte den tidigare texten"):
        compare_documents(old, new, when=SECOND, new_name="ny.docx")


def test_comparison_that_would_not_accept_to_the_new_text_is_refused(generated_documents: list[bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    from avtalsgenerator.compare import blocks as compare

    real = compare.compare_paragraphs

    def losing_a_word(old: Any, new: Any, *args: Any) -> None:
        real(old, new, *args)
        for text in new.iter(f"{W}t"):
            if text.text and text.text.strip():
                text.text = text.text.replace(text.text.split()[0], "", 1)  # a fault that drops a word from the new text
                return

    monkeypatch.setattr(compare, "compare_paragraphs", losing_a_word)
    old = generated_documents[0]
    with pytest.raises(CompareError, match="jämförelsen gick inte att göra: att godkänna alla ändringar gav inte den nya texten") as raised:
        compare_documents(old, _edited(old, 3), when=SECOND, new_name="ny.docx")
    assert raised.value.problems[0].file == "ny.docx" and raised.value.problems[0].place == "brödtext"


@pytest.mark.parametrize("seed", range(8))
def test_report_sentences_from_the_comparison_are_those_read_from_the_files(generated_documents: list[bytes], seed: int) -> None:
    from avtalsgenerator.output.report import sentence_changes

    old = generated_documents[seed % len(generated_documents)]
    new = _edited(old, seed)
    from_files = sentence_changes(old, new)
    assert from_files, "the edit changes some sentence"
    assert sentence_changes(old, new, compare_documents(old, new, when=SECOND).bodies) == from_files
