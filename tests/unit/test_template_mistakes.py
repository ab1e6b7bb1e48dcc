"""Template authors' everyday mistakes made in a real .docx as Word stores it (issue 26): each refused with its place."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from conftest import TEMPLATES, THRESHOLDS

from avtalsgenerator.agreement.compute import build_context
from avtalsgenerator.agreement.schema import apply_defaults, validate
from avtalsgenerator.agreement.thresholds import load_thresholds
from avtalsgenerator.errors import Problem, RenderError
from avtalsgenerator.templates.check import check_templates
from avtalsgenerator.templates.render import make_environment, render_docx

Edit = tuple[str, str, str]  # (part, XML as the template has it, XML after the author's change)
DOCUMENT = "word/document.xml"
CELL = '<w:p><w:pPr><w:pStyle w:val="Tabelltext"/></w:pPr><w:r><w:t>{}</w:t></w:r></w:p>'
BODY = "<w:p><w:r><w:t>{}</w:t></w:r></w:p>"


def word_copy(folder: Path, *edits: Edit, name: str = "avtal.docx", added: dict[str, bytes] | None = None) -> Path:
    """A copy of the shipped template ``name`` in ``folder`` with its XML changed as Word stores the author's edit."""
    with zipfile.ZipFile(TEMPLATES / name) as source:
        members = {member: source.read(member) for member in source.namelist()}
    for part, old, new in edits:
        text = members[part].decode("utf-8")
        assert old in text, f"{old[:80]} finns inte i {part}"
        members[part] = text.replace(old, new, 1).encode("utf-8")
    members.update(added or {})
    target = folder / name
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as package:
        for member, data in members.items():
            package.writestr(member, data)
    return target


def errors_in(template: Path) -> list[Problem]:
    return [p for p in check_templates([template]) if p.severity == "fel"]


def the_error(template: Path) -> Problem:
    found = errors_in(template)
    assert len(found) == 1, "\n".join(map(str, found))
    return found[0]


# --------------------------------------------------------------------------------------------------
# 1, 2: a block that leaves a cell, row or table and ends in the next
# --------------------------------------------------------------------------------------------------

PARTY_ORGNR = CELL.format("{{ p.organisationsnummer|orgnr }}")
PARTY_ROLE_CELL = '</w:p></w:tc><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="1587"/></w:tcPr><w:p><w:pPr><w:pStyle w:val="Tabelltext"/></w:pPr><w:r><w:t>{{ p.roll }}'
TASK_TABLE_ROW = '<w:tr><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="510"/></w:tcPr><w:p><w:pPr><w:pStyle w:val="Tabelltext"/></w:pPr><w:r><w:t>{%tr for u in'


def tag_row(tag: str) -> str:
    return f'<w:tr><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="1871"/></w:tcPr>{CELL.format(tag)}</w:tc></w:tr>'


def test_paragraph_condition_from_one_cell_to_the_next_is_refused(tmp_path: Path) -> None:
    template = word_copy(tmp_path, (DOCUMENT, PARTY_ORGNR, CELL.format("{%p if p.adress is defined %}") + PARTY_ORGNR),
                         (DOCUMENT, PARTY_ROLE_CELL, PARTY_ROLE_CELL.replace("</w:p></w:tc>", "</w:p>" + CELL.format("{%p endif %}") + "</w:tc>", 1)))
    problem = the_error(template)
    assert problem.place.startswith('brödtext, stycke 21 (tabell 1, rad 3, cell 3) (under rubriken "1. Parter")')
    assert problem.message == ('"{%p if p.adress is defined %}" och "{%p endif %}" står i olika celler i samma tabellrad; när villkoret inte '
                               "är uppfyllt eller listan är tom slås cellerna ihop och raden tappar celler. Låt båda taggarna stå i samma "
                               "cell, eller använd {%tc … %} eller {%tr … %} för hela celler och rader")


def test_row_condition_from_one_table_to_the_next_is_refused(tmp_path: Path) -> None:
    start = DOCUMENT, "</w:tr></w:tbl>", "</w:tr>" + tag_row("{%tr if avtal.bakgrund is defined %}") + "</w:tbl>"
    template = word_copy(tmp_path, start, (DOCUMENT, TASK_TABLE_ROW, tag_row("{%tr endif %}") + TASK_TABLE_ROW))
    problem = the_error(template)
    assert re.match(r'brödtext, stycke \d+ \(tabell 1, rad 5, cell 1\) \(under rubriken "1. Parter"\)', problem.place)
    assert problem.message.startswith('"{%tr if avtal.bakgrund is defined %}" och "{%tr endif %}" står i olika tabeller; när villkoret inte är '
                                      "uppfyllt eller listan är tom försvinner allt mellan taggarna, också texten mellan tabellerna.")


# --------------------------------------------------------------------------------------------------
# 6: the parts every agreement of a kind must have
# --------------------------------------------------------------------------------------------------


def shipped_xml(name: str = "avtal.docx", part: str = DOCUMENT) -> str:
    with zipfile.ZipFile(TEMPLATES / name) as package:
        return package.read(part).decode("utf-8")


def test_deleted_signature_section_is_refused(tmp_path: Path) -> None:
    xml = shipped_xml("tillaggsavtal.docx")
    start = xml.index('<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>Underskrifter</w:t>')
    section = xml[start: xml.index("<w:sectPr", start)]
    template = word_copy(tmp_path, (DOCUMENT, section, ""), name="tillaggsavtal.docx")
    assert errors_in(template) == [Problem(str(template), "", (
        "mallen saknar underskrifterna, som varje avtal av typen tillaggsavtal måste ha; avtalet skulle utfärdas utan dem. Det här är en "
        'kontroll av hela mallen: lägg tillbaka avsnittet Underskrifter med en underskrift för varje part: "{%p for p in parter %}" '
        'med "{{ p.undertecknare.namn }}" och "{{ p.undertecknare.titel }}"'))]


def test_signature_for_the_first_party_only_and_no_annex_list_are_refused(tmp_path: Path) -> None:
    xml = shipped_xml()
    start = xml.index("<w:p><w:r><w:t>{%p if berakning.bilagor %}")
    annexes = xml[start: xml.index('<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>Underskrifter', start)]
    loop = "<w:p><w:r><w:t>{%p for p in parter %}</w:t></w:r></w:p><w:p><w:pPr><w:pStyle w:val=\"Underskrift\"/>"
    signatures = xml[xml.rindex(loop):xml.index("<w:sectPr")]
    first_only = re.sub(r"<w:p>(?:(?!<w:p>).)*?\{%p (?:end)?for[^<]*</w:t></w:r></w:p>", "", signatures).replace("{{ p.", "{{ parter[0].")
    template = word_copy(tmp_path, (DOCUMENT, annexes, ""), (DOCUMENT, signatures, first_only))
    assert [p.message.split(";")[0] for p in errors_in(template)] == [
        "mallen saknar underskrifterna, som varje avtal av typen avtalssamverkan, samverkansavtal, interimsavtal måste ha",
        "mallen saknar bilageförteckningen, som varje avtal av typen avtalssamverkan, samverkansavtal, interimsavtal måste ha",
    ]


# --------------------------------------------------------------------------------------------------
# 8, 11, 12: text that goes into every agreement as it stands
# --------------------------------------------------------------------------------------------------

PARTIES_INTRO = "<w:t>Avtalet ingås mellan följande parter.</w:t>"
PARTIES_PLACE = 'brödtext, stycke 8 (under rubriken "1. Parter"): '


@pytest.mark.parametrize("pasted", ["[Kommunens namn]", "«Motpart»", "XXXX-XX-XX", "NN"])
def test_pasted_placeholder_is_refused(tmp_path: Path, pasted: str) -> None:
    template = word_copy(tmp_path, (DOCUMENT, PARTIES_INTRO, f"<w:t>Avtalet ingås mellan {pasted} och följande parter.</w:t>"))
    assert the_error(template) == Problem(str(template), f'{PARTIES_PLACE}"Avtalet ingås mellan {pasted} och följande parter."', (
        f'texten "{pasted}" ser ut som en platshållare som skulle fyllas i för hand, och den skulle stå så i avtalet; skriv en tagg i '
        'stället (till exempel "{{ parter[0].namn }}") eller ta bort texten'))


def test_agreement_with_a_placeholder_is_not_issued(family_therapy: dict[str, Any]) -> None:
    family_therapy["avtal"]["syfte"] = "[Beskriv syftet] senast XXXX-XX-XX."
    validate(family_therapy, "avtal.json")
    context = build_context(apply_defaults(family_therapy), load_thresholds(THRESHOLDS), "avtal.json")
    with pytest.raises(RenderError) as raised:
        render_docx(TEMPLATES / "avtal.docx", context, make_environment(), "avtal.json")
    assert raised.value.problems == [Problem(str(TEMPLATES / "avtal.docx"), "brödtext", (
        'det färdiga dokumentet innehåller "[Beskriv syftet]", "XXXX-XX-XX", som ser ut som en platshållare som skulle fyllas i för hand; '
        "den står i avtalsdata (”Avtalet › Syfte”): skriv den riktiga texten där så att inget avtal utfärdas med platshållaren "
        "(vid rendering av avtal.json)"))]


def test_placeholder_in_a_partys_field_is_named_by_its_title(family_therapy: dict[str, Any]) -> None:
    family_therapy["parter"][1]["kontaktperson"]["namn"] = "«Kontaktperson»"
    context = build_context(apply_defaults(family_therapy), load_thresholds(THRESHOLDS), "avtal.json")
    with pytest.raises(RenderError) as raised:
        render_docx(TEMPLATES / "avtal.docx", context, make_environment(), "avtal.json")
    assert "; den står i avtalsdata (”Parter › Part 2 › Kontaktperson › Namn”): skriv den riktiga texten där" in raised.value.problems[0].message


@pytest.mark.parametrize("written", ["{ parter[0].namn }", "{ parter[0].namn }}"])
def test_tag_with_one_brace_too_few_is_refused(tmp_path: Path, written: str) -> None:
    template = word_copy(tmp_path, (DOCUMENT, PARTIES_INTRO, f"<w:t>Avtalet ingås mellan {written} och följande parter.</w:t>"))
    problem = the_error(template)
    assert problem.place == f'{PARTIES_PLACE}"Avtalet ingås mellan {written} och följande parter."'
    assert problem.message == f'"{written}" har en klammer för lite och skulle stå i avtalet som det är skrivet; skriv "{{{{ parter[0].namn }}}}"'


def test_tag_in_hidden_text_is_refused(tmp_path: Path) -> None:
    hidden = '<w:r><w:rPr><w:vanish/></w:rPr><w:t xml:space="preserve"> Anteckning: {{ parter[0].namn }} ringer tillbaka.</w:t></w:r>'
    template = word_copy(tmp_path, (DOCUMENT, PARTIES_INTRO + "</w:r>", PARTIES_INTRO + "</w:r>" + hidden))
    shown = "Avtalet ingås mellan följande parter. (dold text: Anteckning: … ringer tillbaka…"  # cut after 80 characters
    assert the_error(template) == Problem(str(template), f'{PARTIES_PLACE}"{shown}"', (
        'taggen "{{ parter[0].namn }}" står i dold text (Dold text i Word); den fylls i ändå och följer med i varje avtal, osynlig '
        "på skärmen men kvar i filen och i utskrifter med dold text. Ta bort den dolda texten eller gör den synlig"))


# --------------------------------------------------------------------------------------------------
# 3, 9, 10, 4: Word fields and link addresses
# --------------------------------------------------------------------------------------------------


def complex_field(code: str, result: str) -> str:
    """A field as Word stores it when the author inserts it (Infoga > Snabbdelar > Fält): begin, code, separate, result, end."""
    return ('<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
            f'<w:r><w:instrText xml:space="preserve"> {code} </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>'
            f'<w:r><w:t>{result}</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>')


def test_mail_merge_field_is_refused_with_the_field_it_meant(tmp_path: Path) -> None:
    template = word_copy(tmp_path, (DOCUMENT, PARTIES_INTRO + "</w:r>", PARTIES_INTRO + "</w:r>" + complex_field("MERGEFIELD parter_namn", "«parter_namn»")))
    problem = the_error(template)
    assert problem.place == f'{PARTIES_PLACE}"Avtalet ingås mellan följande parter.«parter_namn»"'
    assert problem.message == ('Word-fältet "MERGEFIELD parter_namn" är ett kopplingsfält (koppla dokument), som generatorn inte fyller i: '
                               "avtalet skulle visa «parter_namn». Ta bort fältet och skriv en tagg med ett fält ur avtalsdata; "
                               'menade du "berakning.parter_namn"?')


def test_docproperty_field_is_refused(tmp_path: Path) -> None:
    field = '<w:fldSimple w:instr=" DOCPROPERTY  Company  \\* MERGEFORMAT "><w:r><w:t>Norrströms kommun</w:t></w:r></w:fldSimple>'
    template = word_copy(tmp_path, (DOCUMENT, PARTIES_INTRO + "</w:r>", PARTIES_INTRO + "</w:r>" + field))
    assert the_error(template) == Problem(str(template), f'{PARTIES_PLACE}"Avtalet ingås mellan följande parter.Norrströms kommun"', (
        'Word-fältet "DOCPROPERTY Company \\* MERGEFORMAT" visar en dokumentegenskap, som i ett utfärdat avtal kan vara kvar från mallen '
        "eller ett annat avtal; ta bort fältet och skriv en tagg med ett fält ur avtalsdata"))


def test_cross_reference_to_a_missing_heading_is_refused(tmp_path: Path) -> None:
    reference = '<w:r><w:t xml:space="preserve"> Se avsnitt </w:t></w:r>' + complex_field("REF _Ref48211977 \\r \\h", "7")
    template = word_copy(tmp_path, (DOCUMENT, PARTIES_INTRO + "</w:r>", PARTIES_INTRO + "</w:r>" + reference))
    problem = the_error(template)
    assert problem.place == f'{PARTIES_PLACE}"Avtalet ingås mellan följande parter. Se avsnitt 7"'
    assert problem.message.startswith('korshänvisningen "REF _Ref48211977 \\r \\h" pekar på ett bokmärke som inte finns i mallen ("_Ref48211977"); '
                                      'i avtalet och PDF:en står det "Fel! Referenskälla hittades inte"')
    bookmark = '<w:bookmarkStart w:id="90" w:name="_Ref48211977"/><w:bookmarkEnd w:id="90"/>'
    (tmp_path / "med").mkdir()
    kept = word_copy(tmp_path / "med", (DOCUMENT, PARTIES_INTRO + "</w:r>", PARTIES_INTRO + "</w:r>" + bookmark + reference))
    assert errors_in(kept) == []


def test_tag_in_a_hyperlink_address_is_refused(tmp_path: Path) -> None:
    link = ('<w:hyperlink r:id="rId99" w:history="1"><w:r><w:rPr><w:rStyle w:val="Hyperlink"/></w:rPr>'
            "<w:t>kommunens webbplats</w:t></w:r></w:hyperlink>")
    relationship = ('<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" '
                    'Target="https://%7B%7B%20parter%5B0%5D.namn%20%7D%7D.se" TargetMode="External"/></Relationships>')
    template = word_copy(tmp_path, (DOCUMENT, PARTIES_INTRO + "</w:r>", PARTIES_INTRO + "</w:r>" + link),
                         ("word/_rels/document.xml.rels", "</Relationships>", relationship))
    problem = the_error(template)
    assert problem.place == f'{PARTIES_PLACE}"Avtalet ingås mellan följande parter.kommunens webbplats"'
    assert problem.message == ('länkadressen "https://{{ parter[0].namn }}.se" har en tagg, men generatorn fyller inte i länkadresser: länken '
                               "i varje avtal skulle gå till taggen som den står. Skriv en fast adress, eller skriv adressen som text med en tagg")


# --------------------------------------------------------------------------------------------------
# 14: document properties;  7: a pasted heading
# --------------------------------------------------------------------------------------------------


def test_tag_in_a_custom_property_or_company_is_refused(tmp_path: Path) -> None:
    custom = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
              b'custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><property '
              b'fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="Diarienummer"><vt:lpwstr>{{ avtal.diarienummer }}</vt:lpwstr>'
              b"</property></Properties>")
    template = word_copy(
        tmp_path, ("docProps/app.xml", "<Company/>", "<Company>{{ parter[0].namn }}</Company>"),
        ("[Content_Types].xml", "</Types>", '<Override PartName="/docProps/custom.xml" '
         'ContentType="application/vnd.openxmlformats-officedocument.custom-properties+xml"/></Types>'),
        ("_rels/.rels", "</Relationships>", '<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
         'custom-properties" Target="docProps/custom.xml"/></Relationships>'), added={"docProps/custom.xml": custom})
    assert [(p.place, p.message.split(";")[0]) for p in errors_in(template)] == [
        ('dokumentegenskaper (anpassad egenskap "Diarienummer")', 'taggen "{{ avtal.diarienummer }}" står i en dokumentegenskap, som generatorn '
         "inte fyller i: den skulle stå kvar i varje avtals egenskaper. Ta bort den i Word (Arkiv > Info > Egenskaper > Avancerade egenskaper)"),
        ("dokumentegenskaper (företag)", 'taggen "{{ parter[0].namn }}" står i en dokumentegenskap, som generatorn inte fyller i: den skulle stå '
         "kvar i varje avtals egenskaper. Ta bort den i Word (Arkiv > Info > Egenskaper > Avancerade egenskaper)"),
    ]


def test_tag_in_keywords_category_status_or_version_is_refused(tmp_path: Path) -> None:
    """Word's Nyckelord, Kategori and Status (Arkiv > Info), and the version: properties docxtpl never fills in."""
    core = "docProps/core.xml"
    template = word_copy(tmp_path, (core, "<cp:keywords/>", "<cp:keywords>{{ avtal.diarienummer }}</cp:keywords>"),
                         (core, "<cp:category/>", "<cp:category>{{ avtal.typ }}</cp:category><cp:contentStatus>{{ avtal.version }}"
                          "</cp:contentStatus><cp:version>{{ avtal.version }}</cp:version>"))
    assert [(p.place, p.message.split(":")[0]) for p in errors_in(template)] == [
        ("dokumentegenskaper (nyckelord)", 'taggen "{{ avtal.diarienummer }}" står i en dokumentegenskap, som generatorn inte fyller i'),
        ("dokumentegenskaper (kategori)", 'taggen "{{ avtal.typ }}" står i en dokumentegenskap, som generatorn inte fyller i'),
        ("dokumentegenskaper (status)", 'taggen "{{ avtal.version }}" står i en dokumentegenskap, som generatorn inte fyller i'),
        ("dokumentegenskaper (version)", 'taggen "{{ avtal.version }}" står i en dokumentegenskap, som generatorn inte fyller i'),
    ]


def test_pasted_heading_without_the_templates_numbering_is_refused(tmp_path: Path) -> None:
    style = ('<w:style w:type="paragraph" w:customStyle="1" w:styleId="Rubrik1"><w:name w:val="Rubrik 1"/><w:basedOn w:val="Normal"/>'
             '<w:pPr><w:keepNext/><w:outlineLvl w:val="0"/></w:pPr><w:rPr><w:b/></w:rPr></w:style></w:styles>')
    heading = '<w:p><w:pPr><w:pStyle w:val="Rubrik1"/></w:pPr><w:r><w:t>Särskilda villkor</w:t></w:r></w:p>'
    missing = '<w:p><w:pPr><w:pStyle w:val="Rubrik2Gammal"/></w:pPr><w:r><w:t>Villkor för tillägg</w:t></w:r></w:p>'
    force_majeure = '<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>Force majeure'
    template = word_copy(tmp_path, ("word/styles.xml", "</w:styles>", style), (DOCUMENT, force_majeure, heading + missing + force_majeure))
    found = errors_in(template)
    assert [p.place.split(" ", 3)[3] for p in found] == ['(under rubriken "13. Personal och arbetsmiljö"): "Särskilda villkor"',
                                                          '(under rubriken "Särskilda villkor"): "Villkor för tillägg"']
    assert [p.message.split(";")[0] for p in found] == [
        'rubriken har formatmallen "Rubrik 1", som inte har mallens numrering (inklistrad från ett annat dokument)',
        'stycket har formatmallen "Rubrik2Gammal", som inte finns i mallen (inklistrad från ett annat dokument)',
    ]


# --------------------------------------------------------------------------------------------------
# 13: a comparison of the wrong type;  15: an amount printed through an expression
# --------------------------------------------------------------------------------------------------


def test_comparison_of_the_wrong_type_is_refused(tmp_path: Path) -> None:
    template = word_copy(tmp_path, (DOCUMENT, "{%p if underskrifter.elektronisk %}", '{%p if underskrifter.elektronisk == "true" %}'),
                         (DOCUMENT, PARTIES_INTRO, '<w:t>Avtalet ingås mellan följande parter{% if uppsagning.manader == "12" %} för ett år{% endif %}.</w:t>'))
    found = errors_in(template)
    assert [(p.place.split(": ")[0], p.message) for p in found] == [
        ('brödtext, stycke 8 (under rubriken "1. Parter")',
         '"uppsagning.manader" är ett tal men jämförs med texten "12", så jämförelsen är aldrig sann och texten i villkoret kommer aldrig med; '
         "skriv talet utan citattecken: uppsagning.manader == 12"),
        (f'brödtext, stycke {found[1].place.split()[2]} (under rubriken "21. Underskrifter") (stycket har bara mallkod)',
         '"underskrifter.elektronisk" är ja eller nej (true/false) men jämförs med texten "true", så jämförelsen är aldrig sann och texten i '
         'villkoret kommer aldrig med; skriv "{% if underskrifter.elektronisk %}" eller "{% if not underskrifter.elektronisk %}"'),
    ]


def test_amount_printed_through_an_expression_is_refused(tmp_path: Path) -> None:
    cost = '<w:t>{%p if berakning.kostnad_bilaga %}</w:t>'
    printed = "<w:t>Totalt {{ berakning.fordelning.summa_ar if berakning.fordelning else 0 }} kronor per år.</w:t>"
    template = word_copy(tmp_path, (DOCUMENT, cost, printed + "</w:r></w:p><w:p><w:r>" + cost))
    problem = the_error(template)
    assert problem.place.endswith('(under rubriken "6.1 Ersättning"): "Totalt … kronor per år."')
    assert problem.message == ('talet "berakning.fordelning.summa_ar" skrivs ut utan filter, med punkt och utan mellanrum mellan tusental '
                               "(615312.5); använd kronor, kr, belopp, pris eller procent")


# --------------------------------------------------------------------------------------------------
# 5: a template saved in another format;  a kind's template missing or renamed
# --------------------------------------------------------------------------------------------------


@pytest.fixture
def template_folder(tmp_path: Path) -> Path:
    """A copy of the shipped template folder, as the author has it."""
    folder = tmp_path / "mallar"
    shutil.copytree(TEMPLATES, folder, ignore=shutil.ignore_patterns("*.md"))
    return folder


@pytest.mark.parametrize("suffix", [".doc", ".dotx", ".odt"])
def test_template_saved_in_another_format_next_to_the_old_one_is_refused(template_folder: Path, suffix: str) -> None:
    (template_folder / f"avtal{suffix}").write_bytes((template_folder / "avtal.docx").read_bytes())
    assert [p for p in check_templates([template_folder]) if p.severity == "fel"] == [Problem(str(template_folder / f"avtal{suffix}"), "", (
        f"mallen är sparad som {suffix} bredvid avtal.docx; generatorn läser bara avtal.docx, så den gamla mallen används och ändringarna "
        f"i avtal{suffix} kommer inte med. Spara mallen i Word som Word-dokument (.docx) med namnet avtal.docx och ta bort avtal{suffix}"))]


def test_missing_or_renamed_kind_template_is_refused(template_folder: Path) -> None:
    (template_folder / "tillaggsavtal.docx").rename(template_folder / "tillaggsavtal-gammal.docx")
    (template_folder / "pub-bilaga.docx").unlink()
    assert [str(p) for p in check_templates([template_folder]) if p.severity == "fel"] == [
        f"{template_folder / 'tillaggsavtal.docx'}: mallen saknas (borttagen eller omdöpt); den behövs för avtal av typen tillaggsavtal, som "
        "annars inte kan göras. Lägg tillbaka tillaggsavtal.docx i mappen",
        f"{template_folder / 'pub-bilaga.docx'}: mallen saknas (borttagen eller omdöpt); den behövs för bilagan med "
        "personuppgiftsbiträdesavtalet, som annars inte kan göras. Lägg tillbaka pub-bilaga.docx i mappen",
    ]


# --------------------------------------------------------------------------------------------------
# Messages: a misspelled end tag, follow-on warnings, invisible characters
# --------------------------------------------------------------------------------------------------

INSURANCE_END = "<w:t>{{ forsakring.text }}</w:t></w:r></w:p><w:p><w:r><w:t>{%p endif %}"


@pytest.mark.parametrize(("written", "advice"), [
    ("{%p endfi %}", '"endfi" är ingen tagg; menade du "endif"?'),
    ("{%p end if %}", '"end" är ingen tagg; menade du "endif"? Skriv "end" och blockets namn ihop, utan mellanslag'),
    ("{%p elseif forsakring.text %}", '"elseif" är ingen tagg; menade du "elif"?'),
])
def test_misspelled_end_tag_gets_advice_for_its_own_kind_and_no_follow_on_warnings(tmp_path: Path, written: str, advice: str) -> None:
    template = word_copy(tmp_path, (DOCUMENT, INSURANCE_END, INSURANCE_END.replace("{%p endif %}", written)))
    [problem] = check_templates([template])
    assert problem.place == f'brödtext, stycke {problem.place.split()[2]} (under rubriken "11. Försäkring") (stycket har bara mallkod)'
    assert problem.message == f'syntaxfel i "{written}": {advice} (blocket "if" är öppet här och avslutas med "{{%p endif %}}")'


def test_invisible_characters_in_a_place_are_named(tmp_path: Path) -> None:
    template = word_copy(tmp_path, (DOCUMENT, PARTIES_INTRO, "<w:t>Avtalet ingås mel\u00adlan följande parter{{ okand_x }}.</w:t>"))
    assert the_error(template).place == f'{PARTIES_PLACE}"Avtalet ingås mel[mjukt bindestreck]lan följande parter…."'


def test_unknown_field_with_no_near_name_says_where_fields_are_declared(tmp_path: Path) -> None:
    template = word_copy(tmp_path, (DOCUMENT, "{%p if underskrifter.elektronisk %}", "{%p if avtal.sarskilda_villkor %}"))
    assert the_error(template).message == (
        'okänt fält "avtal.sarskilda_villkor"; alla fält står i docs/falt.md (avtal mallar falt). Ett nytt fält läggs först till i '
        "schema/avtal.schema.json med svensk titel, beskrivning och standardvärde, se mallar/LASMIG.md (Ett nytt fält i avtalsdata)")
