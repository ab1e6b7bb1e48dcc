"""Tests for the template check: what Word does to tags, syntax errors, unknown fields, the sandbox, fields in use."""

from __future__ import annotations

import io
import itertools
import re
import shutil
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from conftest import MAIN_TEMPLATE_NAMES, REQUIRED_PARTS, TEMPLATES, THRESHOLDS
from docx import Document
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from avtalsgenerator.agreement.compute import build_context
from avtalsgenerator.agreement.schema import apply_defaults, validate
from avtalsgenerator.agreement.thresholds import load_thresholds
from avtalsgenerator.errors import Problem, TemplateError
from avtalsgenerator.kinds import TEMPLATE_FILES
from avtalsgenerator.templates.check import check_templates, ensure_templates_ok, list_fields
from avtalsgenerator.templates.render import make_environment, render_docx
from avtalsgenerator.templates.tools import preview

# --------------------------------------------------------------------------------------------------
# Building templates the way Word stores them
# --------------------------------------------------------------------------------------------------


def run(text: str, bold: bool = False) -> str:
    """One run (w:r) of XML, as Word writes it."""
    properties = "<w:rPr><w:b/></w:rPr>" if bold else ""
    return f'<w:r>{properties}<w:t xml:space="preserve">{text}</w:t></w:r>'


PROOF_START = '<w:proofErr w:type="spellStart"/>'
PROOF_END = '<w:proofErr w:type="spellEnd"/>'


def make_template(
    path: Path,
    body: Sequence[str] = (),
    *,
    runs: Sequence[str] = (),
    table: list[list[str]] | None = None,
    header: str | None = None,
) -> Path:
    """A .docx with ``body`` paragraphs (one run each), then paragraphs of raw ``runs`` XML, a table and a header."""
    doc = Document()
    for text in body:
        doc.add_paragraph(text)
    for xml in runs:
        doc.element.body.insert(len(doc.element.body) - 1, parse_xml(f"<w:p {nsdecls('w')}>{xml}</w:p>"))
    if table:
        grid = doc.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, text in enumerate(row):
                grid.cell(r, c).text = text
    if header is not None:
        doc.sections[0].header.paragraphs[0].text = header
    if path.name in MAIN_TEMPLATE_NAMES:
        for text in REQUIRED_PARTS:
            doc.add_paragraph(text)
    doc.save(str(path))
    return path


def add_footnote(path: Path, text: str) -> Path:
    """Give the .docx a footnotes part holding one footnote paragraph (python-docx cannot make footnotes)."""
    with zipfile.ZipFile(path) as source:
        members = {name: source.read(name) for name in source.namelist()}
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/word/footnotes.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/></Types>',
    )
    members["word/_rels/document.xml.rels"] = members["word/_rels/document.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdFotnoter" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes" '
        b'Target="footnotes.xml"/></Relationships>',
    )
    members["word/footnotes.xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<w:footnotes {nsdecls("w")}><w:footnote w:id="1"><w:p>{run(text)}</w:p></w:footnote></w:footnotes>'
    ).encode()
    with zipfile.ZipFile(path, "w") as target:
        for name, data in members.items():
            target.writestr(name, data)
    return path


def context_for(data: dict[str, Any]) -> dict[str, Any]:
    validate(data, "avtal.json")
    return build_context(apply_defaults(data), load_thresholds(THRESHOLDS), "avtal.json")


def rendered_text(template: Path, context: dict[str, Any]) -> list[str]:
    doc = Document(io.BytesIO(render_docx(template, context, make_environment())))
    return [p.text for p in doc.paragraphs]


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "fel"]


# --------------------------------------------------------------------------------------------------
# What Word does to tags
# --------------------------------------------------------------------------------------------------


def test_tag_split_over_three_runs_with_bold_middle_is_repaired_and_renders(tmp_path: Path, minimal_agreement: dict[str, Any]) -> None:
    template = make_template(tmp_path / "delad.docx", runs=[run("Titel: {{ avtal.") + run("titel", bold=True) + run(" }}")])
    assert check_templates([template]) == [
        Problem(
            str(template),
            'brödtext, stycke 1: "Titel: …"',
            'taggen "{{ avtal.titel }}" är uppdelad i 3 delar med olika formatering; lagas automatiskt '
            "(hela taggen får formateringen från sin första del)",
            "varning",
        )
    ]
    assert rendered_text(template, context_for(minimal_agreement)) == ["Titel: Avtal om gemensam familjerådgivning"]


def test_split_with_the_same_formatting_is_reported_without_formatting_note(tmp_path: Path) -> None:
    template = make_template(tmp_path / "delad.docx", runs=[run("{{ avtal.") + run("titel }}")])
    [problem] = check_templates([template], details=True)
    assert problem.message == 'taggen "{{ avtal.titel }}" är uppdelad i 2 delar; lagas automatiskt'
    assert problem.severity == "varning"


def test_spell_check_mark_inside_a_tag_is_repaired(tmp_path: Path, minimal_agreement: dict[str, Any]) -> None:
    template = make_template(tmp_path / "stavning.docx", runs=[run("{{ ") + PROOF_START + run("avtal.titel") + PROOF_END + run(" }}")])
    assert check_templates([template], details=True) == [
        Problem(
            str(template),
            'brödtext, stycke 1 (stycket har bara mallkod)',
            'taggen "{{ avtal.titel }}" är uppdelad i 3 delar och innehåller en markering från stavningskontrollen; lagas automatiskt',
            "varning",
        )
    ]
    assert rendered_text(template, context_for(minimal_agreement)) == ["Avtal om gemensam familjerådgivning"]


def test_curly_quotes_inside_a_tag_are_repaired(tmp_path: Path, minimal_agreement: dict[str, Any]) -> None:
    template = make_template(tmp_path / "citat.docx", ["Huvudavtal: {{ avtal.huvudavtal|default(“saknas”) }}"])
    assert check_templates([template], details=True) == [
        Problem(
            str(template),
            'brödtext, stycke 1: "Huvudavtal: …"',
            'taggen "{{ avtal.huvudavtal|default(“saknas”) }}" har typografiska citattecken (“ ”); lagas automatiskt',
            "varning",
        )
    ]
    assert rendered_text(template, context_for(minimal_agreement)) == ["Huvudavtal: saknas"]


def test_quotes_docxtpl_cannot_straighten_are_an_error(tmp_path: Path) -> None:
    template = make_template(tmp_path / "citat.docx", ["{{ avtal.titel|default(«x») }}"])
    assert check_templates([template]) == [
        Problem(
            str(template),
            'brödtext, stycke 1 (stycket har bara mallkod)',
            "taggen \"{{ avtal.titel|default(«x») }}\" har citattecknet « », som inte lagas automatiskt; skriv raka citattecken (\" eller ')",
        )
    ]


def test_tag_broken_by_tracked_deletion_cannot_be_repaired(tmp_path: Path) -> None:
    deleted = '<w:del w:id="1" w:author="Redaktör"><w:r><w:delText>x</w:delText></w:r></w:del>'
    template = make_template(tmp_path / "spar.docx", runs=[run("{") + deleted + run("{ avtal.titel }}")])
    assert check_templates([template]) == [
        Problem(
            str(template),
            'brödtext, stycke 1 (stycket har bara mallkod)',
            "spårade ändringar som inte är godkända (borttagen text av Redaktör) skulle följa med i varje avtal; godkänn eller avvisa "
            "alla ändringar i Word (Granska › Godkänn › Godkänn alla ändringar i dokumentet) och spara mallen",
        ),
        Problem(
            str(template),
            'brödtext, stycke 1 (stycket har bara mallkod)',
            'taggen "{{ avtal.titel }}" är uppdelad i 2 delar och kan inte lagas automatiskt; ta bort taggen och skriv den igen i ett svep',
        ),
    ]


def test_unterminated_tag_is_an_error_and_the_rest_is_still_checked(tmp_path: Path) -> None:
    template = make_template(tmp_path / "oavslutad.docx", ["Titel: {{ avtal.titel }", "{{ okand_variabel_xyz }}"])
    assert check_templates([template]) == [
        Problem(str(template), 'brödtext, stycke 1: "Titel: …"',
                'taggen "{{ avtal.titel }" avslutas inte i samma stycke; den ska sluta med "}}"'),
        Problem(str(template), 'brödtext, stycke 2 (stycket har bara mallkod)', 'okänd variabel "okand_variabel_xyz"'),
    ]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cuts=st.lists(st.integers(min_value=1, max_value=16), min_size=1, max_size=4, unique=True), bold=st.lists(st.booleans(), min_size=5, max_size=5))
def test_any_split_of_a_tag_is_repaired(tmp_path: Path, minimal_agreement: dict[str, Any], cuts: list[int], bold: list[bool]) -> None:
    tag = "{{ avtal.titel }}"
    bounds = [0, *sorted(cuts), len(tag)]
    pieces = [tag[a:b] for a, b in itertools.pairwise(bounds)]
    template = make_template(tmp_path / "slump.docx", runs=["".join(run(p, b) for p, b in zip(pieces, bold, strict=False))])
    assert errors(check_templates([template])) == []
    assert rendered_text(template, context_for(minimal_agreement)) == ["Avtal om gemensam familjerådgivning"]


# --------------------------------------------------------------------------------------------------
# Syntax, unknown fields, filters and the sandbox
# --------------------------------------------------------------------------------------------------


def test_unknown_variable_in_a_header(tmp_path: Path) -> None:
    template = make_template(tmp_path / "sidhuvud.docx", ["{{ avtal.titel }}"], header="{{ okand_variabel_xyz }}")
    problems = check_templates([template])
    assert problems == [
        Problem(str(template), 'sidhuvud, stycke 1 (stycket har bara mallkod)', 'okänd variabel "okand_variabel_xyz"')
    ]
    assert str(problems[0]) == (
        f'{template}: sidhuvud, stycke 1 (stycket har bara mallkod): okänd variabel "okand_variabel_xyz"'
    )


def test_footnotes_are_checked(tmp_path: Path) -> None:
    template = add_footnote(make_template(tmp_path / "fotnot.docx", ["Text"]), "Enligt {{ avtal.lagrumm }}")
    assert check_templates([template]) == [
        Problem(str(template), 'fotnoter, stycke 1: "Enligt …"', 'okänt fält "avtal.lagrumm"; menade du "avtal.lagrum"?')
    ]


def test_syntax_error_in_a_table_cell(tmp_path: Path) -> None:
    template = make_template(tmp_path / "tabell.docx", ["Inledning"], table=[["Titel", "{{ avtal.titel + }}"]])
    assert check_templates([template]) == [
        Problem(
            str(template),
            'brödtext, stycke 3 (tabell 1, rad 1, cell 2) (stycket har bara mallkod)',
            'syntaxfel i "{{ avtal.titel + }}": taggen tar slut för tidigt',
        )
    ]


def test_forbidden_attribute(tmp_path: Path) -> None:
    template = make_template(tmp_path / "sandlada.docx", ["{{ ''.__class__.__mro__[1].__subclasses__() }}"])
    assert check_templates([template]) == [
        Problem(
            str(template),
            "brödtext, stycke 1 (stycket har bara mallkod)",
            'otillåten åtkomst: "__class__" ger åtkomst till Pythons inre delar och får inte användas i en mall',
        )
    ]


@pytest.mark.parametrize(
    ("tag", "message"),
    [
        ("{{ cycler.__init__.__globals__ }}", 'otillåten åtkomst: "cycler" ger åtkomst till mallmotorns inre delar och får inte användas i en mall'),
        ("{{ self._TemplateReference__context }}", 'otillåten åtkomst: "self" ger åtkomst till mallmotorns inre delar och får inte användas i en mall'),
        ("{{ lipsum.__globals__.os }}", 'otillåten åtkomst: "lipsum" ger åtkomst till mallmotorns inre delar och får inte användas i en mall'),
        ("{{ range(3) }}", 'otillåten åtkomst: "range" ger åtkomst till mallmotorns inre delar och får inte användas i en mall'),
        ("{{ avtal.titel.__globals__ }}", 'otillåten åtkomst: "__globals__" ger åtkomst till Pythons inre delar och får inte användas i en mall'),
        ("{{ avtal['__class__'] }}", 'otillåten åtkomst: "__class__" ger åtkomst till Pythons inre delar och får inte användas i en mall'),
        ("{{ avtal|attr('__class__') }}", 'otillåten åtkomst: "__class__" ger åtkomst till Pythons inre delar och får inte användas i en mall'),
        ("{{ avtal.titel|safe }}", 'filtret "safe" stänger av skyddet för tecken som < och & och kan göra dokumentet trasigt; ta bort det'),
        ("{% include 'annan.docx' %}", 'taggen "{% include %}" kan inte användas: en mall kan inte hämta andra mallar'),
    ],
)
def test_sandbox_escapes_are_errors(tmp_path: Path, tag: str, message: str) -> None:
    template = make_template(tmp_path / "sandlada.docx", [tag])
    assert [(p.place, p.message) for p in check_templates([template])] == [('brödtext, stycke 1 (stycket har bara mallkod)', message)]


def test_if_left_open_is_a_clear_error_without_traceback(tmp_path: Path) -> None:
    template = make_template(tmp_path / "oppen.docx", ["Inledning", "{%p if avtal %}", "Villkorad text"])
    expected = Problem(
        str(template),
        'brödtext, stycke 2 (stycket har bara mallkod)',
        'syntaxfel i "{%p if avtal %}": blocket avslutas aldrig; lägg till "{%p endif %}" där villkoret ska sluta',
    )
    assert check_templates([template]) == [expected]
    with pytest.raises(TemplateError) as raised:
        ensure_templates_ok([template])
    assert raised.value.problems == [expected]
    assert "Traceback" not in str(raised.value) and "Jinja" not in str(raised.value)


def test_every_unclosed_block_is_named(tmp_path: Path) -> None:
    template = make_template(tmp_path / "oppna.docx", ["{%p for p in parter %}", "{%p if p.roll == 'uppdragsgivare' %}", "{{ p.namn }}"])
    assert [(p.place, p.message) for p in check_templates([template])] == [
        ('brödtext, stycke 1 (stycket har bara mallkod)',
         'syntaxfel i "{%p for p in parter %}": blocket avslutas aldrig; lägg till "{%p endfor %}" där upprepningen ska sluta'),
        ("brödtext, stycke 2 (stycket har bara mallkod)",
         "syntaxfel i \"{%p if p.roll == 'uppdragsgivare' %}\": blocket avslutas aldrig; lägg till \"{%p endif %}\" där villkoret ska sluta"),
    ]


def test_end_tag_of_the_wrong_block(tmp_path: Path) -> None:
    template = make_template(tmp_path / "fel-slut.docx", ["{%p if avtal %}", "Text", "{%p endfor %}"])
    assert [(p.place, p.message) for p in check_templates([template])] == [
        ('brödtext, stycke 3 (stycket har bara mallkod)',
         'syntaxfel i "{%p endfor %}": taggen passar inte här; blocket "if" är öppet och ska först avslutas med "{%p endif %}"'),
    ]


def test_unknown_filter(tmp_path: Path) -> None:
    template = make_template(tmp_path / "filter.docx", ["Datum: {{ avtal.datum|datun }}", "{{ avtal.datum|xyzzy }}"])
    assert [(p.place, p.message) for p in check_templates([template])] == [
        ('brödtext, stycke 1: "Datum: …"', 'okänt filter "datun"; menade du "datum"?'),
        ('brödtext, stycke 2 (stycket har bara mallkod)', 'okänt filter "xyzzy"'),
    ]


def test_index_and_loop_over_parties_pass(tmp_path: Path) -> None:
    template = make_template(
        tmp_path / "avtal.docx",  # the template of the kinds in which every party has a role
        ["{{ parter[0].namn }}", "{%p for p in parter %}", "{{ loop.index }}. {{ p.beslut.organ }} {{ p.beslut.datum|datum }}", "{%p endfor %}",
         "{{ berakning.uppdragsgivare|namn }}, {{ (parter|selectattr('roll', 'equalto', 'uppdragstagare')|first).namn }}",
         "{%p if avtal.huvudavtal is defined %}", "{{ avtal.huvudavtal }}", "{%p endif %}"],
    )
    assert check_templates([template]) == []


def test_unknown_field_inside_a_loop_names_its_schema_path(tmp_path: Path) -> None:
    template = make_template(tmp_path / "loop.docx", ["{%p for p in parter %}", "Beslut: {{ p.beslut.organn }}", "{%p endfor %}"])
    assert check_templates([template]) == [
        Problem(
            str(template),
            'brödtext, stycke 2: "Beslut: …"',
            'okänt fält "parter[].beslut.organn"; menade du "parter[].beslut.organ"?',
        )
    ]


def test_unknown_fields_and_hints(tmp_path: Path) -> None:
    template = make_template(
        tmp_path / "falt.docx",
        ["{{ avtal.titlel }}", "{{ parter.namn }}", "{{ avtl.titel }}", "{{ loop.index }}", "{{ berakning.fordelning.rader[0].belop_ar|kr }}"],
    )
    assert [p.message for p in check_templates([template])] == [
        'okänt fält "avtal.titlel"; menade du "avtal.titel"?',
        'okänt fält "parter.namn"; "parter" är en lista: gå igenom den med {% for %} eller välj ett element med [0]',
        'okänd variabel "avtl"; menade du "avtal"?',
        'okänd variabel "loop"; den finns bara inuti {% for %}',
        'okänt fält "berakning.fordelning.rader[].belop_ar"; menade du "berakning.fordelning.rader[].belopp_ar"?',
    ]


def test_paragraph_tag_with_other_text_is_an_error(tmp_path: Path) -> None:
    template = make_template(tmp_path / "stycke.docx", ["Villkor: {%p if avtal %}", "{%p endif %}"])
    assert [(p.place, p.message) for p in check_templates([template])] == [
        ('brödtext, stycke 1: "Villkor: …"',
         'i stycket med "{%p if avtal %}" tas all annan text bort ("Villkor:"); låt taggen stå ensam i ett eget stycke'),
    ]


def test_row_tags_in_a_table(tmp_path: Path) -> None:
    good = make_template(tmp_path / "rader.docx", ["Parter"], table=[["{%tr for p in parter %}", ""], ["{{ p.namn }}", "{{ p.organisationsnummer|orgnr }}"],
                                                                      ["{%tr endfor %}", ""]])
    assert check_templates([good]) == []
    mixed = make_template(tmp_path / "blandad.docx", ["Parter"], table=[["{%tr for p in parter %}", "{{ p.namn }}"], ["{%tr endfor %}", ""]])
    assert [p.message for p in check_templates([mixed])] == [
        'i tabellraden med "{%tr for p in parter %}" tas all annan text bort ("{{ p.namn }}"); låt taggen stå ensam i en egen tabellrad'
    ]
    outside = make_template(tmp_path / "utanfor.docx", ["{%tr for p in parter %}", "{%tr endfor %}"])
    assert [p.message for p in check_templates([outside])] == [
        'syntaxfel i "{%tr for p in parter %}": en tagg som börjar med "{%tr" kan bara stå i en tabellrad'
    ]


def test_every_problem_at_once(tmp_path: Path) -> None:
    template = make_template(
        tmp_path / "allt.docx",
        ["{{ avtal.titel + }}", "{{ okand_a }}", "{% if avtal %}{% endfor %}", "{{ avtal.datum|datun }}"],
        table=[["{{ parter[0].namnn }}"]],
        header="{{ okand_b }}",
    )
    assert [(p.place.split(",")[0] + p.place.split(",")[1].split(" (stycket")[0].split(":")[0], p.message) for p in check_templates([template])] == [
        ("brödtext stycke 1", 'syntaxfel i "{{ avtal.titel + }}": taggen tar slut för tidigt'),
        ("brödtext stycke 2", 'okänd variabel "okand_a"'),
        ("brödtext stycke 3", 'syntaxfel i "{% endfor %}": taggen passar inte här; blocket "if" är öppet och ska först avslutas med "{% endif %}"'),
        ("brödtext stycke 4", 'okänt filter "datun"; menade du "datum"?'),
        ("brödtext stycke 5 (tabell 1", 'okänt fält "parter[].namnn"; menade du "parter[].namn"?'),
        ("sidhuvud stycke 1", 'okänd variabel "okand_b"'),
    ]


def test_document_properties_are_checked(tmp_path: Path) -> None:
    path = tmp_path / "egenskaper.docx"
    doc = Document()
    doc.add_paragraph("Text")
    doc.core_properties.title = "{{ avtal.titlex }}"
    doc.save(str(path))
    assert check_templates([path]) == [
        Problem(str(path), 'dokumentegenskaper (titel), vid texten "{{ avtal.titlex }}"', 'okänt fält "avtal.titlex"; menade du "avtal.titel"?')
    ]


def test_missing_and_broken_files(tmp_path: Path) -> None:
    broken = tmp_path / "trasig.docx"
    broken.write_text("inte ett Word-dokument", encoding="utf-8")
    assert check_templates([tmp_path / "saknas.docx", broken]) == [
        Problem(str(tmp_path / "saknas.docx"), "", "filen finns inte"),
        Problem(str(broken), "", "filen kan inte öppnas som ett Word-dokument (.docx)"),
    ]


def test_a_folder_is_every_docx_in_it(tmp_path: Path) -> None:
    make_template(tmp_path / "avtal.docx", ["{{ okand_a }}"])
    make_template(tmp_path / "pub-bilaga.docx", ["{{ avtal.titel }}"])
    (tmp_path / "~$avtal.docx").write_bytes(b"Word lock file")
    found = [(Path(p.file).name, p.message) for p in check_templates([tmp_path])]
    assert found[-1] == ("avtal.docx", 'okänd variabel "okand_a"')
    assert [name for name, message in found[:-1] if message.startswith("mallen saknas")] == [
        "tillaggsavtal.docx", "avsiktsforklaring.docx", "kostnadsfordelning.docx"]


def test_a_template_no_agreement_kind_uses_is_reported(tmp_path: Path) -> None:
    mallar = tmp_path / "mallar"
    shutil.copytree(TEMPLATES, mallar)
    shutil.copy(mallar / "avtal.docx", mallar / "avtal-ny.docx")
    found = [p for p in check_templates([mallar]) if Path(p.file).name == "avtal-ny.docx"]
    assert found[0] == Problem(str(mallar / "avtal-ny.docx"), "", "ingen avtalstyp använder den här mallen, så inga avtal görs med den; "
                                                              "ta bort den ur mappen eller be utvecklarna lägga till den för en avtalstyp", "varning")
    # Any kind may come to a template no kind uses yet: what only some kinds have is not taken for granted.
    fields = {field for p in found[1:] for field in re.findall(r'fältet "([^"]+)" kan saknas', p.message)}
    assert fields == {"parter[].roll", "ekonomi", "personuppgifter"}
    assert all(p.severity == "varning" for p in found)
    assert not [p for p in check_templates([mallar]) if Path(p.file).name in TEMPLATE_FILES and p.severity == "fel"]


def test_empty_folder_and_missing_template_for_fields_and_preview(tmp_path: Path) -> None:
    (tmp_path / "tom").mkdir()
    assert check_templates([tmp_path / "tom"]) == [Problem(str(tmp_path / "tom"), "", "mappen har inga Word-mallar (.docx)")]
    with pytest.raises(TemplateError) as raised:
        list_fields(tmp_path / "saknas.docx")
    assert raised.value.problems == [Problem(str(tmp_path / "saknas.docx"), "", "filen finns inte")]
    with pytest.raises(TemplateError):
        preview(tmp_path / "saknas.docx", None, THRESHOLDS, tmp_path / "ut")


def test_ensure_templates_ok_returns_warnings(tmp_path: Path) -> None:
    template = make_template(tmp_path / "delad.docx", runs=[run("{{ avtal.") + run("titel }}")])
    assert [p.severity for p in ensure_templates_ok([template])] == ["varning"]


# --------------------------------------------------------------------------------------------------
# The shipped templates
# --------------------------------------------------------------------------------------------------


def shipped_templates() -> list[Path]:
    found = sorted(p for p in TEMPLATES.glob("*.docx") if not p.name.startswith("~$"))
    assert [p.name for p in found] == ["avsiktsforklaring.docx", "avtal.docx", "kostnadsfordelning.docx", "pub-bilaga.docx", "tillaggsavtal.docx"]
    return found


def test_shipped_templates_have_no_errors() -> None:
    templates = shipped_templates()
    assert errors(check_templates(templates)) == []


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        ("{{ okand_variabel_xyz }}", 'okänd variabel "okand_variabel_xyz"'),
        ("{%p if avtal %}", 'syntaxfel i "{%p if avtal %}": blocket avslutas aldrig; lägg till "{%p endif %}" där villkoret ska sluta'),
    ],
)
def test_broken_copy_of_the_main_template_fails(tmp_path: Path, paragraph: str, expected: str) -> None:
    original = TEMPLATES / "avtal.docx"
    copy = tmp_path / "avtal.docx"
    shutil.copy(original, copy)
    doc = Document(str(copy))
    doc.add_paragraph(paragraph)
    doc.save(str(copy))
    found = errors(check_templates([copy]))
    assert [p.message for p in found] == [expected]
    last_heading = next(" ".join(p.text.split()) for p in reversed(doc.paragraphs) if p.style.name.startswith("Heading") and p.text.strip())
    assert found[0].place.startswith("brödtext, stycke ")
    assert re.search(rf' \(under rubriken "\d+\. {re.escape(last_heading)}"\)', found[0].place), "the heading with its number as Word shows it"
    assert found[0].place.endswith("(stycket har bara mallkod)")


def test_split_tag_in_copy_of_the_main_template_passes(tmp_path: Path, family_therapy: dict[str, Any]) -> None:
    original = TEMPLATES / "avtal.docx"
    copy = tmp_path / "avtal.docx"
    shutil.copy(original, copy)
    doc = Document(str(copy))
    paragraph = doc.add_paragraph("Kontroll: {{ avtal.")
    paragraph.add_run("titel").bold = True
    paragraph.add_run(" }}")
    doc.save(str(copy))
    problems = check_templates([copy])
    assert errors(problems) == []
    assert [p.message for p in problems if p.place.endswith(': "Kontroll: …"')] == [
        'taggen "{{ avtal.titel }}" är uppdelad i 3 delar med olika formatering; lagas automatiskt (hela taggen får formateringen från sin första del)'
    ]
    assert f"Kontroll: {family_therapy['avtal']['titel']}" in rendered_text(copy, context_for(family_therapy))


# --------------------------------------------------------------------------------------------------
# Fields, context and preview
# --------------------------------------------------------------------------------------------------


def test_list_fields_describes_every_field_and_where_it_is_used(tmp_path: Path) -> None:
    template = make_template(tmp_path / "falt.docx", ["{{ avtal.titel }}", "{%p for p in parter %}", "{{ p.beslut.organ }}", "{%p endfor %}"],
                             header="{{ berakning.rubrik }} {{ avtal.titel }}")
    fields = {f.path: f for f in list_fields(template)}
    titel = fields["avtal.titel"]
    assert (titel.title, titel.description, titel.type, titel.optional) == ("Titel", "Avtalets rubrik som den står på första sidan.", "text", False)
    assert [str(u) for u in titel.uses] == ["falt.docx: brödtext, stycke 1", "falt.docx: sidhuvud, stycke 1"]
    assert titel.where() == "falt.docx: brödtext stycke 1; sidhuvud stycke 1"
    assert [str(u) for u in fields["parter[].beslut.organ"].uses] == ["falt.docx: brödtext, stycke 3"]
    assert fields["parter"].uses and not fields["avtal.diarienummer"].uses
    assert fields["avtal.huvudavtal"].optional and not fields["avtal.version"].optional
    assert fields["berakning.fordelning.rader[].belopp_ar"].type == "belopp"
    assert fields["berakning.fordelning"].type == "objekt eller none"
    assert fields["berakning.uppdragsgivare[].beslut.datum"].type == "datum (ÅÅÅÅ-MM-DD)"
    assert fields["berakning.rubrik"].title == "Rubrik"
    assert str(fields["avtal.huvudavtal"]).startswith('avtal.huvudavtal (objekt, kan saknas: testa med "is defined"): Huvudavtal. ')
    assert all(f.title and f.description for f in fields.values())


def test_list_fields_defaults_to_every_shipped_template() -> None:
    used = {u.template for f in list_fields(None, TEMPLATES) for u in f.uses}
    assert used == {p.name for p in shipped_templates()}





# --------------------------------------------------------------------------------------------------
# Author mistakes that used to pass the check and damage issued agreements (issue 12, issue 16 point 8)
# --------------------------------------------------------------------------------------------------


def main_template_copy(tmp_path: Path, *paragraphs: str) -> Path:
    """A copy of the shipped main template with ``paragraphs`` added at the end of the body, as an author would in Word."""
    copy = tmp_path / "avtal.docx"
    shutil.copy(TEMPLATES / "avtal.docx", copy)
    doc = Document(str(copy))
    for text in paragraphs:
        doc.add_paragraph(text)
    doc.save(str(copy))
    return copy


def test_paragraph_block_closed_by_an_inline_end_tag_is_an_error(tmp_path: Path) -> None:
    template = main_template_copy(tmp_path, "{%p if forsakring %}", "Försäkring gäller.", "{% endif %}")
    [problem] = errors(check_templates([template]))
    assert problem.place.endswith('(stycket har bara mallkod)')
    assert problem.message == ('"{%p if forsakring %}" avslutas med "{% endif %}", som är en annan sorts tagg; skriv "{%p endif %}" '
                               "i ett eget stycke. Annars blir avtalet avkortat när avtal görs")


def test_row_loop_closed_by_a_paragraph_end_tag_is_an_error(tmp_path: Path) -> None:
    template = make_template(tmp_path / "rader.docx", ["Parter"], table=[["Namn"], ["{%tr for p in parter %}"], ["{{ p.namn }}"],
                                                                         ["{%p endfor %}"]])
    [problem] = errors(check_templates([template]))
    assert problem.place == 'brödtext, stycke 3 (tabell 1, rad 2, cell 1) (stycket har bara mallkod)'
    assert problem.message.startswith('"{%tr for p in parter %}" avslutas med "{%p endfor %}", som är en annan sorts tagg; '
                                      'skriv "{%tr endfor %}" i en egen tabellrad')


def test_inline_condition_over_two_paragraphs_is_an_error(tmp_path: Path) -> None:
    template = make_template(tmp_path / "inline.docx", ["Villkor {% if forsakring %}gäller", "till slut{% endif %}."])
    [problem] = errors(check_templates([template]))
    assert problem.message.startswith('"{% if forsakring %}" och "{% endif %}" står i olika stycken')


def test_inline_condition_over_runs_of_one_paragraph_passes(tmp_path: Path) -> None:
    template = make_template(tmp_path / "korningar.docx", runs=[run("A {% if forsakring %}") + run("fet", bold=True) + run("{% endif %} B")])
    assert errors(check_templates([template])) == []


@pytest.mark.parametrize("prefix", ["r", "p"])
def test_rich_text_tags_on_plain_values_are_an_error(tmp_path: Path, prefix: str) -> None:
    template = make_template(tmp_path / "rt.docx", [f"{{{{{prefix} avtal.titel }}}}"])
    [problem] = check_templates([template])
    assert problem.severity == "fel"
    assert problem.message.endswith('värdet skulle hamna utanför texten och inte synas i avtalet; skriv "{{ avtal.titel }}"')


def test_tracked_insertion_and_comment_are_refused(tmp_path: Path) -> None:
    inserted = '<w:ins w:id="7" w:author="Anna Jurist" w:date="2026-01-01T00:00:00Z">' + run("{{ avtal.titel }}") + "</w:ins>"
    comment = '<w:commentRangeStart w:id="3"/>' + run("Text") + '<w:commentRangeEnd w:id="3"/>'
    template = make_template(tmp_path / "spar.docx", ["Inledning"], runs=[inserted, comment])
    found = check_templates([template])
    assert [(p.place, p.message) for p in found] == [
        ('brödtext, stycke 2 (stycket har bara mallkod)',
         "spårade ändringar som inte är godkända (infogad text av Anna Jurist) skulle följa med i varje avtal; godkänn eller avvisa "
         "alla ändringar i Word (Granska › Godkänn › Godkänn alla ändringar i dokumentet) och spara mallen"),
        ('brödtext, stycke 3: "Text"',
         "en kommentar skulle följa med i varje avtal; ta bort kommentarerna i Word (Granska › Ta bort › Ta bort alla kommentarer "
         "i dokumentet) och spara mallen"),
    ]
    assert all(p.severity == "fel" for p in found)


def test_tracked_changes_in_a_copy_of_the_main_template_stop_generation(tmp_path: Path) -> None:
    copy = main_template_copy(tmp_path, "Sista stycket")
    with zipfile.ZipFile(copy) as source:
        xml = source.read("word/document.xml").decode()
    changed = xml.replace("<w:r><w:t>Sista stycket</w:t></w:r>",
                          '<w:del w:id="9" w:author="Per"><w:r><w:delText>{{ avtal.diarienummer }}</w:delText></w:r></w:del>'
                          "<w:r><w:t>Sista stycket</w:t></w:r>")
    assert changed != xml
    rewrite(copy, "word/document.xml", changed)
    with pytest.raises(TemplateError, match="borttagen text av Per"):
        ensure_templates_ok([copy])


def rewrite(path: Path, name: str, text: str) -> None:
    with zipfile.ZipFile(path) as source:
        members = {n: source.read(n) for n in source.namelist()}
    members[name] = text.encode("utf-8")
    with zipfile.ZipFile(path, "w") as target:
        for n, data in members.items():
            target.writestr(n, data)


def test_optional_field_without_a_guard_is_a_warning_with_field_and_place(tmp_path: Path) -> None:
    template = main_template_copy(tmp_path, "Detta avtal kompletterar {{ avtal.huvudavtal }}.",
                                  "{% if avtal.huvudavtal is defined %}Huvudavtal: {{ avtal.huvudavtal }}{% endif %}",
                                  "{{ avtal.bakgrund|default('') }}", "Försäkring: {{ forsakring.text }}")
    found = [p for p in check_templates([template]) if "utan villkor" in p.message]
    assert [(p.place.split(": ", 1)[1], p.message) for p in found] == [
        ('"Detta avtal kompletterar …."',
         'fältet "avtal.huvudavtal" kan saknas i avtalet men används här utan villkor; skriv taggen inom {% if … is defined %} '
         'eller ge ett värde med default("…")'),
        ('"Försäkring: …"',
         'fältet "forsakring" är none i avtal som saknar det men används här utan villkor; skriv taggen inom {% if forsakring %}'),
    ]
    assert all(p.severity == "varning" for p in found)


def test_comparison_with_a_value_outside_the_schema_is_an_error(tmp_path: Path) -> None:
    template = main_template_copy(tmp_path, '{%p if personuppgifter.roll == "personuppgiftsbiträde" %}', "PUB", "{%p endif %}")
    [problem] = errors(check_templates([template]))
    assert problem.message == ('"personuppgifter.roll" jämförs med "personuppgiftsbiträde", som fältet aldrig kan ha; menade du '
                               '"personuppgiftsbitrade"? tillåtna värden: "personuppgiftsbitrade", "gemensamt_personuppgiftsansvar", "ingen", "separat_avtal"'
                               ).replace("? tillåtna", "?; tillåtna")


def test_date_printed_without_a_filter_is_a_warning_and_an_amount_an_error(tmp_path: Path) -> None:
    template = make_template(tmp_path / "filter.docx", ["Daterat {{ avtal.datum }}", "{% for r in berakning.fordelning.rader %}{{ r.belopp_ar }}{% endfor %}",
                                                        "{{ avtal.datum|datum }}"])
    found = check_templates([template])
    assert [(p.place.split(",")[1].split(":")[0].split(" (")[0].strip(), p.severity, p.message.split(";")[0]) for p in found if "skrivs ut" in p.message] == [
        ("stycke 1", "varning", 'datumet "avtal.datum" skrivs ut som det lagras (2020-09-01)'),
        ("stycke 2", "fel",
         'talet "berakning.fordelning.rader[].belopp_ar" skrivs ut utan filter, med punkt och utan mellanrum mellan tusental (615312.5)'),
    ]


def test_tag_in_a_text_box_is_reported_once(tmp_path: Path) -> None:
    inner = f'<w:txbxContent><w:p>{run("{{ okand_i_ruta }}")}</w:p></w:txbxContent>'
    alternate = (
        '<mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
        f'<mc:Choice Requires="wps"><w:drawing><wps:txbx xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">{inner}'
        '</wps:txbx></w:drawing></mc:Choice>'
        f'<mc:Fallback><w:pict><v:textbox xmlns:v="urn:schemas-microsoft-com:vml">{inner}</v:textbox></w:pict></mc:Fallback>'
        '</mc:AlternateContent>'
    )
    template = make_template(tmp_path / "ruta.docx", runs=[f"<w:r>{alternate}</w:r>"])
    found = check_templates([template])
    assert [p.message for p in found] == ['okänd variabel "okand_i_ruta"']


def test_safe_repairs_are_counted_in_one_line(tmp_path: Path) -> None:
    template = make_template(tmp_path / "avtal.docx", runs=[run("{{ avtal.") + run("titel }}")] * 5)
    [summary] = check_templates([template])
    assert summary == Problem(str(template), "", '5 taggar som Word har delat upp, markerat för stavning eller gett typografiska citattecken '
                                                 'lagas automatiskt; se var med "avtal mallar kontrollera --detaljer"', "varning")
    assert len(check_templates([template], details=True)) == 5


def test_huge_constant_expression_does_not_exhaust_the_check(tmp_path: Path) -> None:
    template = make_template(tmp_path / "stor.docx", ["{{ 'x' * 10**9 }}", "{{ okand_efter }}"])
    assert [p.message for p in check_templates([template])] == ['okänd variabel "okand_efter"']


def test_doctype_and_oversized_templates_are_refused_by_the_check(tmp_path: Path) -> None:
    doctype = make_template(tmp_path / "xxe.docx", ["{{ avtal.titel }}"])
    with zipfile.ZipFile(doctype) as source:
        xml = source.read("word/document.xml").decode()
    rewrite(doctype, "word/document.xml", xml.replace("<w:document", '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><w:document', 1))
    big = make_template(tmp_path / "stor.docx", ["{{ avtal.titel }}"])
    with big.open("ab") as handle:
        handle.truncate(200 * 1024 * 1024)
    found = check_templates([doctype, big])
    assert [(Path(p.file).name, p.place, p.message.split(",")[0].split(";")[0]) for p in found] == [
        ("xxe.docx", "word/document.xml", "delen har en DOCTYPE- eller ENTITY-deklaration"),
        ("stor.docx", "", "mallen är 200 MB"),
    ]
    big.unlink()


def test_xml_that_would_be_recovered_is_an_error(tmp_path: Path) -> None:
    template = make_template(tmp_path / "trasig.docx", ["{{ avtal.titel }}"])
    with zipfile.ZipFile(template) as source:
        xml = source.read("word/document.xml").decode()
    rewrite(template, "word/document.xml", xml.replace("</w:body>", "<w:p></w:body>", 1))
    [problem] = check_templates([template])
    assert problem.place.startswith("word/document.xml, rad ")
    assert problem.message.startswith("delen är inte giltig XML och skulle lagas på gissning")


def test_paragraph_block_from_the_body_into_a_table_cell_is_an_error(tmp_path: Path) -> None:
    template = make_template(tmp_path / "nivaer.docx", ["{%p if forsakring %}", "Försäkring"], table=[["{%p endif %}"]])
    [problem] = errors(check_templates([template]))
    assert problem.place == 'brödtext, stycke 1 (stycket har bara mallkod)'
    assert problem.message.startswith('"{%p if forsakring %}" och "{%p endif %}" står på olika nivåer i dokumentet')


def test_a_field_every_kind_of_the_template_requires_needs_no_guard(tmp_path: Path) -> None:
    lines = ["{%p for p in parter %}", "{{ p.roll }}", "{%p endfor %}", "{{ ekonomi.redovisning }}"]
    assert check_templates([make_template(tmp_path / "avtal.docx", lines)]) == []
    found = check_templates([make_template(tmp_path / "tillaggsavtal.docx", lines)])
    assert [field for p in found for field in re.findall(r'fältet "([^"]+)"', p.message)] == ["parter[].roll", "ekonomi"]
    (tmp_path / "x").mkdir()
    assert check_templates([make_template(tmp_path / "x" / "tillaggsavtal.docx", ["{{ avtal.huvudavtal.titel }}"])]) == []
    [problem] = check_templates([make_template(tmp_path / "x" / "avtal.docx", ["{{ avtal.huvudavtal.titel }}"])])
    assert problem.message.startswith('fältet "avtal.huvudavtal" kan saknas i avtalet men används här utan villkor')


def test_a_block_for_one_kind_may_use_what_that_kind_requires(tmp_path: Path) -> None:
    template = make_template(tmp_path / "avtal.docx", [
        '{%p if avtal.typ == "interimsavtal" %}', "Upphör senast {{ berakning.avtalstid.slut|datum }} när {{ interim.upphor_nar }}.", "{%p endif %}",
        '{%p if avtal.typ != "interimsavtal" %}', "Uppsägning.", "{%p else %}", "{{ interim.efterfoljare }}", "{%p endif %}",
        '{%p if avtal.typ != "interimsavtal" or interim.fortida_uppsagning %}', "Uppsägning.", "{%p endif %}",
        '{{ interim.efterfoljare if avtal.typ in ["interimsavtal"] else "" }}',
        "Utanför blocket: {{ interim.efterfoljare }}",
        '{%p if avtal.typ == "avtalssamverkan" %}', "{{ interim.efterfoljare }}", "{%p endif %}",
    ])
    found = check_templates([template])
    assert [(p.place.split(")")[-1] if p.place.endswith("mallkod)") else p.place.split(": ", 1)[1], p.message.split(" kan saknas")[0]) for p in found] == [
        ('"Utanför blocket: …"', 'fältet "interim"'),
        ('', 'fältet "interim"'),
    ]
    assert int(found[1].place.split("stycke ")[1].split(" ")[0]) == 15


def test_a_test_on_a_field_of_a_section_the_kind_may_lack_is_a_warning(tmp_path: Path) -> None:
    lines = ['{%p if ekonomi.modell == "sjalvkostnad" %}', "Självkostnad.", "{%p endif %}", "{{ avtal.bakgrund|default('') }}"]
    assert check_templates([make_template(tmp_path / "avtal.docx", lines)]) == []
    [problem] = check_templates([make_template(tmp_path / "tillaggsavtal.docx", lines)])
    assert problem.place.endswith('(stycket har bara mallkod)')
    assert problem.message.startswith('fältet "ekonomi" kan saknas i avtalet men används här utan villkor')
