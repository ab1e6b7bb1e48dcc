"""Golden tests: generate the examples and read every document back; bad input writes nothing."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import docx
import pytest
from conftest import EXAMPLES, TEMPLATES, THRESHOLDS, example_paths

from avtalsgenerator.output.pipeline import Result, generate

NB = "\u00a0"
ALWAYS = [
    "Parter",
    "Bakgrund och syfte",
    "Lagstöd",
    "Uppdraget",
    "Ekonomi",
    "Informationshantering och arkiv",
    "Sekretess",
    "Personuppgifter",
    "Uppföljning och rapportering",
    "Force majeure",
    "Tvister",
    "Avtalstid",
    "Uppsägning och omförhandling",
    "Ändringar och tillägg",
    "Bilagor",
    "Underskrifter",
]


@pytest.fixture(scope="module")
def examples_generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Result]:
    """Every example generated once into a temporary utdata."""
    utdata = tmp_path_factory.mktemp("utdata")
    result = generate(indata=EXAMPLES, utdata=utdata, mallar=TEMPLATES, troskelvarden=THRESHOLDS)
    return utdata, result


def text(path: Path) -> str:
    """Body paragraphs and table cells of a .docx, one per line, with non-breaking spaces kept."""
    document = docx.Document(str(path))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(lines)


def headings(path: Path, level: int = 1) -> list[str]:
    document = docx.Document(str(path))
    return [p.text.strip() for p in document.paragraphs if p.style is not None and p.style.name == f"Heading {level}"]


def all_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as package:
        return "".join(package.read(n).decode("utf-8") for n in package.namelist() if n.endswith(".xml"))


def test_every_example_generates(examples_generated: tuple[Path, Result]) -> None:
    utdata, result = examples_generated
    assert result.ok, result.problems
    expected = {
        "norrstrom-fjallviken-familjebehandling": {"avtal.docx", "pub-bilaga.docx", "kostnadsfordelning.docx"},
        "region-internetbehandling": {"avtal.docx", "pub-bilaga.docx", "kostnadsfordelning.docx"},
        "region-stockholm-vardovergangar": {"avtal.docx", "kostnadsfordelning.docx"},
    }
    for agreement_id, names in expected.items():
        assert {p.name for p in (utdata / agreement_id).glob("*.docx")} == names


@pytest.mark.parametrize("path", example_paths(), ids=lambda p: p.stem)
def test_no_leftover_tags_and_parties_present(examples_generated: tuple[Path, Result], path: Path) -> None:
    utdata, _ = examples_generated
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    for document in (utdata / data["avtal"]["id"]).glob("*.docx"):
        xml = all_xml(document)
        assert "{{" not in xml and "{%" not in xml and "{#" not in xml, document
    body = text(utdata / data["avtal"]["id"] / "avtal.docx")
    for party in data["parter"]:
        assert party["namn"] in body
        assert party["organisationsnummer"] in body
        assert party["undertecknare"]["namn"] in body
    assert data["avtal"]["titel"] in body


@pytest.mark.parametrize(
    "path",
    [p for p in example_paths() if json.loads(p.read_text(encoding="utf-8"))["avtal"]["typ"] not in ("tillaggsavtal", "avsiktsforklaring")],
    ids=lambda p: p.stem,
)  # a tilläggsavtal and an avsiktsförklaring are short documents of their own: tests/integration/test_kinds.py
def test_every_area_has_its_numbered_section(examples_generated: tuple[Path, Result], path: Path) -> None:
    utdata, _ = examples_generated
    agreement_id = json.loads(path.read_text(encoding="utf-8"))["avtal"]["id"]
    found = headings(utdata / agreement_id / "avtal.docx")
    for heading in ALWAYS:
        assert heading in found


def test_conditional_sections_follow_the_data(examples_generated: tuple[Path, Result]) -> None:
    utdata, _ = examples_generated
    family = headings(utdata / "norrstrom-fjallviken-familjebehandling" / "avtal.docx")
    hospital = headings(utdata / "region-stockholm-vardovergangar" / "avtal.docx")
    assert "Extern delegering" in family and "Extern delegering" in hospital  # always: it says when nothing is delegated
    assert "Personal och arbetsmiljö" in family and "Personal och arbetsmiljö" not in hospital
    assert "Upphovsrätt" in headings(utdata / "region-internetbehandling" / "avtal.docx")
    assert "Upphovsrätt" not in family


def test_amounts_in_swedish_format(examples_generated: tuple[Path, Result]) -> None:
    utdata, _ = examples_generated
    hospital = utdata / "region-stockholm-vardovergangar"
    assert f"615{NB}312 kronor" in text(hospital / "avtal.docx")
    assert "0,4078 kronor per invånare och år" in text(hospital / "avtal.docx")
    costs = text(hospital / "kostnadsfordelning.docx")
    assert f"53{NB}162,85{NB}kr" in costs
    assert f"615{NB}302,80{NB}kr" in costs  # Huddinge: use and support over 8 years, under the 615 312 kr cap
    assert f"130{NB}365" in costs
    assert f"92{NB}000{NB}kr" in costs
    assert f"16,0{NB}%" in costs
    assert f"700{NB}000 kronor" in text(utdata / "region-internetbehandling" / "avtal.docx")
    assert f"8{NB}109{NB}450 kronor" in text(utdata / "norrstrom-fjallviken-familjebehandling" / "avtal.docx")


def test_annexes_are_referenced_by_number(examples_generated: tuple[Path, Result]) -> None:
    utdata, _ = examples_generated
    family = utdata / "norrstrom-fjallviken-familjebehandling"
    body = text(family / "avtal.docx")
    assert "Bilaga 1: Personuppgiftsbiträdesavtal" in body
    assert "Bilaga 2: Kostnadsfördelning" in body
    assert "Personuppgiftsbiträdesavtal" in text(family / "pub-bilaga.docx")
    assert "Bilaga 2" in text(family / "kostnadsfordelning.docx")


def test_pub_annex_has_every_article_28_obligation(examples_generated: tuple[Path, Result]) -> None:
    utdata, _ = examples_generated
    found = headings(utdata / "region-internetbehandling" / "pub-bilaga.docx", level=2)
    for topic in ["instruktioner", "Konfidentialitet", "Säkerhet", "Underbiträden", "registrerades rättigheter", "incidenter", "Radering", "granskning"]:
        assert any(topic.lower() in h.lower() for h in found), topic


def test_header_and_page_numbers(examples_generated: tuple[Path, Result]) -> None:
    utdata, _ = examples_generated
    document = docx.Document(str(utdata / "region-stockholm-vardovergangar" / "avtal.docx"))
    header = " ".join(p.text for p in document.sections[0].header.paragraphs)
    assert "HSN 2020-0947" in header
    footer_xml = document.sections[0].footer._element.xml
    assert "PAGE" in footer_xml and "NUMPAGES" in footer_xml


def test_templates_use_word_styles() -> None:
    document = docx.Document(str(TEMPLATES / "avtal.docx"))
    styles = {p.style.name for p in document.paragraphs if p.style is not None}
    assert {"Title", "Heading 1", "Normal"} <= styles
    assert document.tables and document.tables[0].style is not None


@pytest.mark.parametrize(
    ("breakage", "place"),
    [
        (lambda text: text.replace('"titel":', '"titel"', 1), "rad "),
        (lambda text: text.replace('"diarienummer":', '"diarienumer":', 1), '$.avtal.diarienumer: okänt fält "diarienumer"; menade du "diarienummer"?'),
        (lambda text: text.replace('"modell": "sjalvkostnad"', '"modell": 3', 1), "$.ekonomi.modell: ska vara text"),
        (lambda text: text.replace('"titel": ', '"x_titel": ', 1), "$.avtal.titel: obligatoriskt fält saknas"),
    ],
    ids=["syntaxfel", "okant-falt", "fel-typ", "saknat-falt"],
)
def test_bad_input_names_file_and_place_and_writes_nothing(tmp_path: Path, breakage: Any, place: str) -> None:
    source = (EXAMPLES / "norrstrom-fjallviken-familjebehandling.json").read_text(encoding="utf-8")
    bad = tmp_path / "trasigt.json"
    bad.write_text(breakage(source), encoding="utf-8")
    utdata = tmp_path / "utdata"
    result = generate([bad], utdata=utdata, mallar=TEMPLATES, troskelvarden=THRESHOLDS)
    assert not result.ok
    messages = [str(p) for p in result.problems]
    assert all(m.startswith(f"{bad}: ") for m in messages)
    assert any(place in m for m in messages), messages
    assert not list(utdata.rglob("*.docx"))


def test_failed_run_keeps_earlier_output(tmp_path: Path) -> None:
    source = EXAMPLES / "region-stockholm-vardovergangar.json"
    work = tmp_path / "avtal.json"
    work.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    utdata = tmp_path / "utdata"
    assert generate([work], utdata=utdata, mallar=TEMPLATES, troskelvarden=THRESHOLDS).ok
    before = {p: p.read_bytes() for p in utdata.rglob("*.docx")}
    work.write_text(source.read_text(encoding="utf-8").replace('"typ": "kommun"', '"typ": "aktiebolag"', 1), encoding="utf-8")
    result = generate([work], utdata=utdata, mallar=TEMPLATES, troskelvarden=THRESHOLDS)
    assert not result.ok
    assert {p: p.read_bytes() for p in utdata.rglob("*.docx")} == before
    assert not list(utdata.rglob(".avtal-tmp-*"))


def test_pdf_for_every_document_and_only_when_changed(tmp_path: Path) -> None:
    import subprocess

    from conftest import requires_program

    requires_program("soffice")
    requires_program("pdftotext")
    utdata = tmp_path / "utdata"
    result = generate(indata=EXAMPLES, utdata=utdata, mallar=TEMPLATES, troskelvarden=THRESHOLDS, pdf=True)
    assert result.ok, result.problems
    documents = sorted(utdata.glob("*/*.docx"))
    assert sorted(p.with_suffix(".docx") for p in result.pdfs) == documents
    for path in example_paths():
        data = json.loads(path.read_text(encoding="utf-8"))
        pdf = utdata / data["avtal"]["id"] / "avtal.pdf"
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        assert int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:"))) >= 2
        content = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split())
        for party in data["parter"]:
            assert party["namn"] in content
        assert "{{" not in content and "{%" not in content
    again = generate(indata=EXAMPLES, utdata=utdata, mallar=TEMPLATES, troskelvarden=THRESHOLDS, pdf=True)
    assert again.pdfs == [] and again.written == []
    (utdata / "region-stockholm-vardovergangar" / "avtal.pdf").unlink()
    third = generate(indata=EXAMPLES, utdata=utdata, mallar=TEMPLATES, troskelvarden=THRESHOLDS, pdf=True)
    assert third.pdfs == [utdata / "region-stockholm-vardovergangar" / "avtal.pdf"] and third.written == []


def test_pdf_without_libreoffice_fails_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from avtalsgenerator.errors import PdfError
    from avtalsgenerator.output import pdf

    monkeypatch.setattr(pdf, "find_soffice", lambda: None)
    with pytest.raises(PdfError, match="sudo apt-get install libreoffice-writer-nogui"):
        generate(indata=EXAMPLES, utdata=tmp_path / "utdata", mallar=TEMPLATES, troskelvarden=THRESHOLDS, pdf=True)
    assert not (tmp_path / "utdata").exists()


def _outcome_is_clean(path: Path, utdata: Path) -> Result:
    """Generate one file; the run must end in documents or in problems that each name the file, never an exception."""
    result = generate([path], utdata=utdata, mallar=TEMPLATES, troskelvarden=THRESHOLDS, workers=1)
    if not result.ok:
        assert all(p.file == str(path) and (p.place or "filen" in p.message) for p in result.problems), result.problems
    return result


def schema_strategy(node: dict[str, Any], root: dict[str, Any]) -> Any:
    """A hypothesis strategy for the values ``node`` accepts: required keys always, optional ones at random."""
    from hypothesis import strategies as st

    if "$ref" in node:
        target = root["$defs"][node["$ref"].rsplit("/", 1)[-1]]
        return schema_strategy({**target, **{k: v for k, v in node.items() if k != "$ref"}}, root)
    if "enum" in node:
        return st.sampled_from(node["enum"])
    kind = node.get("type")
    if kind == "object":
        properties = {k: v for k, v in node.get("properties", {}).items() if k != "$schema"}
        required = set(node.get("required", []))
        return st.fixed_dictionaries(
            {k: schema_strategy(v, root) for k, v in properties.items() if k in required},
            optional={k: schema_strategy(v, root) for k, v in properties.items() if k not in required},
        )
    if kind == "array":
        return st.lists(schema_strategy(node["items"], root), min_size=node.get("minItems", 0), max_size=max(3, node.get("minItems", 0)))
    if kind == "string":
        if node.get("format") == "date":
            return st.dates().map(lambda d: d.isoformat())
        if node.get("format") == "email":
            return st.emails()
        if "pattern" in node:
            return st.from_regex(node["pattern"], fullmatch=True)
        return st.text(min_size=node.get("minLength", 0), max_size=30)
    if kind == "integer":
        return st.integers(min_value=node.get("minimum", -(10**9)), max_value=node.get("maximum", 10**9))
    if kind == "number":
        return st.decimals(min_value=node.get("minimum", -(10**6)), max_value=node.get("maximum", 10**6), places=2).map(float)
    if kind == "boolean":
        return st.booleans()
    raise AssertionError(f"schema node the strategy does not know: {node}")


def test_any_schema_valid_agreement_renders_or_is_refused_with_a_path(tmp_path_factory: pytest.TempPathFactory) -> None:
    from hypothesis import HealthCheck, given, settings

    from avtalsgenerator.agreement.schema import AGREEMENT_SCHEMA, load_schema

    schema = load_schema(AGREEMENT_SCHEMA)

    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
    @given(schema_strategy(schema, schema))
    def check(data: dict[str, Any]) -> None:
        folder = tmp_path_factory.mktemp("schema")
        path = folder / "avtal.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        _outcome_is_clean(path, folder / "utdata")
        for document in (folder / "utdata").glob("*/*.docx"):
            docx.Document(str(document))

    check()


def test_arbitrary_text_is_rendered_literally_or_refused(tmp_path_factory: pytest.TempPathFactory) -> None:
    from conftest import MINIMAL
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    words = st.text(min_size=1, max_size=40).filter(lambda s: s.strip())

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(name=words, title=words, purpose=words)
    def check(name: str, title: str, purpose: str) -> None:
        data = json.loads(json.dumps(MINIMAL))
        data["parter"][1]["namn"] = name
        data["avtal"]["titel"] = title
        data["avtal"]["syfte"] = purpose
        folder = tmp_path_factory.mktemp("text")
        path = folder / "avtal.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        result = _outcome_is_clean(path, folder / "utdata")
        if result.ok:
            body = text(folder / "utdata" / data["avtal"]["id"] / "avtal.docx")
            for value in (name, title, purpose):
                assert value.replace("\r\n", "\n").replace("\r", "\n") in body

    check()


def test_large_agreement_renders(tmp_path: Path) -> None:
    from conftest import MINIMAL

    from avtalsgenerator.legal.rules import luhn_check_digit

    data = json.loads(json.dumps(MINIMAL))
    template = data["parter"][1]
    data["parter"] = data["parter"][:1]
    for n in range(299):
        base = f"212000{n + 300:03d}"
        number = f"{base[:6]}-{base[6:]}{luhn_check_digit(base)}"
        data["parter"].append(dict(template, id=f"kommun-{n}", namn=f"Kommun nummer {n}", organisationsnummer=number))
    data["uppgifter"][0]["mottagare"] = [p["id"] for p in data["parter"][1:]]
    data["avtal"]["bakgrund"] = ("Ett stycke bakgrund om samverkan mellan många kommuner. " * 20 + "\n") * 900
    path = tmp_path / "stort.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert path.stat().st_size > 1_000_000
    result = generate([path], utdata=tmp_path / "utdata", mallar=TEMPLATES, troskelvarden=THRESHOLDS)
    assert result.ok, result.problems[:5]
    body = text(tmp_path / "utdata" / data["avtal"]["id"] / "avtal.docx")
    assert "Kommun nummer 298" in body


# ------------------------------------------------------------------------------------------------
# Reserved ids and links inside utdata (issue 16.10)
# ------------------------------------------------------------------------------------------------


@pytest.fixture
def minimal_file(tmp_path: Path) -> Path:
    """The smallest valid agreement as a file in tmp_path/indata."""
    from conftest import MINIMAL

    path = tmp_path / "indata" / "avtal.json"
    path.parent.mkdir()
    path.write_text(json.dumps(MINIMAL, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("reserved", ["rapporter", "tidigare"])
def test_reserved_id_is_refused_by_check_and_generate(tmp_path: Path, minimal_file: Path, reserved: str) -> None:
    from avtalsgenerator.output.pipeline import check

    minimal_file.write_text(minimal_file.read_text(encoding="utf-8").replace('"minsta-avtalet"', json.dumps(reserved)), encoding="utf-8")
    checked = check([minimal_file], troskelvarden=THRESHOLDS)
    generated = generate([minimal_file], utdata=tmp_path / "utdata", mallar=TEMPLATES, troskelvarden=THRESHOLDS)
    for result in (checked, generated):
        messages = [str(p) for p in result.problems]
        assert messages == [f"{minimal_file}: $.avtal.id: id \"{reserved}\" är reserverat för generatorns egna filer i utdata; välj ett annat id"]
    assert not list((tmp_path / "utdata").rglob("*.docx"))


def test_agreement_folder_that_is_a_link_out_of_utdata_is_refused(tmp_path: Path, minimal_file: Path) -> None:
    outside = tmp_path / "annanstans"
    outside.mkdir()
    utdata = tmp_path / "utdata"
    utdata.mkdir()
    (utdata / "minsta-avtalet").symlink_to(outside)

    result = generate([minimal_file], utdata=utdata, mallar=TEMPLATES, troskelvarden=THRESHOLDS)

    assert [str(p) for p in result.problems] == [
        f"{minimal_file}: $.avtal.id: {utdata / 'minsta-avtalet'} är en symbolisk länk; avtal skrivs aldrig genom länkar i utdata. Ta bort länken och kör igen"
    ]
    assert list(outside.iterdir()) == []


def test_document_that_is_a_link_is_moved_aside_and_its_target_untouched(tmp_path: Path, minimal_file: Path) -> None:
    utdata = tmp_path / "utdata"
    assert generate([minimal_file], utdata=utdata, mallar=TEMPLATES, troskelvarden=THRESHOLDS).ok
    outside = tmp_path / "viktig.docx"
    outside.write_bytes(b"en annans fil")
    target = utdata / "minsta-avtalet" / "avtal.docx"
    target.unlink()
    target.symlink_to(outside)

    result = generate([minimal_file], utdata=utdata, mallar=TEMPLATES, troskelvarden=THRESHOLDS)

    assert result.ok, result.problems
    assert outside.read_bytes() == b"en annans fil"
    assert not target.is_symlink() and "Göteborgs kommun" in text(target)
    assert any("var inte en vanlig fil" in w.message for w in result.warnings)


def test_report_folder_that_is_a_link_stops_the_run_before_anything_is_written(tmp_path: Path, minimal_file: Path) -> None:
    from avtalsgenerator.errors import WriteError

    outside = tmp_path / "annanstans"
    outside.mkdir()
    utdata = tmp_path / "utdata"
    utdata.mkdir()
    (utdata / "rapporter").symlink_to(outside)
    with pytest.raises(WriteError, match="rapporter: är en symbolisk länk; generatorn skriver aldrig genom länkar i utdata"):
        generate([minimal_file], utdata=utdata, mallar=TEMPLATES, troskelvarden=THRESHOLDS)
    assert list(outside.iterdir()) == [] and not list(utdata.rglob("*.docx"))


# ------------------------------------------------------------------------------------------------
# PDFs: a signed one is kept, --tvinga redoes them (16.3, 16.9); LibreOffice replaced by a recorder
# ------------------------------------------------------------------------------------------------


@pytest.fixture
def recorded_conversions(monkeypatch: pytest.MonkeyPatch) -> list[list[Path]]:
    """pdf.convert replaced: writes a small PDF beside each .docx and records which were asked for."""
    from avtalsgenerator.output import pdf

    calls: list[list[Path]] = []

    def convert(docx_files: list[Path], **options: Any) -> list[Path]:
        calls.append(list(docx_files))
        for path in docx_files:
            path.with_suffix(".pdf").write_bytes(b"%PDF-1.7 gjord av generatorn " + path.read_bytes()[:16] + b"\n%%EOF\n")
        return [p.with_suffix(".pdf") for p in docx_files]

    monkeypatch.setattr(pdf, "available", lambda: True)
    monkeypatch.setattr(pdf, "convert", convert)
    return calls


def test_signed_pdf_is_kept_before_a_new_one_is_made(tmp_path: Path, minimal_file: Path, recorded_conversions: list[list[Path]]) -> None:
    utdata = tmp_path / "utdata"
    assert generate([minimal_file], utdata=utdata, mallar=TEMPLATES, troskelvarden=THRESHOLDS, pdf=True).ok
    signed = utdata / "minsta-avtalet" / "avtal.pdf"
    signed.write_bytes(b"%PDF-1.7 undertecknad av bada parter\n%%EOF\n")

    result = generate([minimal_file], utdata=utdata, mallar=TEMPLATES, troskelvarden=THRESHOLDS, pdf=True)

    assert result.ok, result.problems
    kept = list((utdata / "minsta-avtalet" / "tidigare").rglob("avtal.pdf"))
    assert [p.read_bytes() for p in kept] == [b"%PDF-1.7 undertecknad av bada parter\n%%EOF\n"]
    assert any(str(w).startswith(f"{signed}: varning: PDF-filen var inte den som generatorn gjorde") for w in result.warnings)
    assert signed.read_bytes().startswith(b"%PDF-1.7 gjord av generatorn")


def test_force_with_pdf_redoes_the_pdfs(tmp_path: Path, minimal_file: Path, recorded_conversions: list[list[Path]]) -> None:
    utdata = tmp_path / "utdata"
    generate([minimal_file], utdata=utdata, mallar=TEMPLATES, troskelvarden=THRESHOLDS, pdf=True)
    generate([minimal_file], utdata=utdata, mallar=TEMPLATES, troskelvarden=THRESHOLDS, pdf=True)
    assert len(recorded_conversions) == 1, "nothing changed: no new PDF"

    result = generate([minimal_file], utdata=utdata, mallar=TEMPLATES, troskelvarden=THRESHOLDS, pdf=True, force=True)

    assert recorded_conversions[-1] == [utdata / "minsta-avtalet" / "avtal.docx"]
    assert result.pdfs == [utdata / "minsta-avtalet" / "avtal.pdf"]
    assert not list((utdata / "minsta-avtalet").rglob("tidigare/*/avtal.pdf")), "the generator's own PDF is replaced, not kept"


def test_a_link_loop_among_the_agreements_fails_alone_and_the_others_are_built(tmp_path: Path, minimal_file: Path) -> None:
    """`make avtal` with a link that points to itself in indata/avtal: that file's error, every other agreement built."""
    loop = minimal_file.parent / "slinga.json"
    loop.symlink_to(loop.name)
    utdata = tmp_path / "utdata"

    result = generate(indata=minimal_file.parent, utdata=utdata, mallar=TEMPLATES, troskelvarden=THRESHOLDS)

    assert [str(p) for p in result.problems] == [
        f"{loop}: filen kan inte läsas: en symbolisk länk leder i en slinga (till sig själv eller till en annan länk som leder tillbaka)"
    ]
    assert (utdata / "minsta-avtalet" / "avtal.docx").is_file()
