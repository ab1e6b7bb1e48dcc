"""Tests for the render stage: the compiled path equals plain docxtpl, caches follow file changes, escaping."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import docx
import pytest
from conftest import TEMPLATES, THRESHOLDS, example_paths
from lxml import etree

from avtalsgenerator.agreement.thresholds import load_thresholds
from avtalsgenerator.errors import RenderError
from avtalsgenerator.paths import MAIN_FILE
from avtalsgenerator.prepare import prepare
from avtalsgenerator.templates import prepared as preparation
from avtalsgenerator.templates import sandbox
from avtalsgenerator.templates.render import Renderer, make_environment, render_docx_plain


def main_template_example() -> Path:
    """The first example whose main document is made from mallar/avtal.docx (the examples of other kinds have their own templates)."""
    thresholds = load_thresholds(THRESHOLDS)
    return next(path for path in example_paths() if prepare(path, thresholds).documents[MAIN_FILE] == MAIN_FILE)


def parts(data: bytes) -> dict[str, bytes]:
    """Every XML part of a package, canonicalised so that equal content compares equal."""
    package = zipfile.ZipFile(io.BytesIO(data))
    return {
        name: etree.tostring(etree.fromstring(package.read(name)), method="c14n")
        for name in package.namelist()
        if name.endswith(".xml") and name != "docProps/core.xml"
    }


def contexts() -> list[tuple[str, Path, dict[str, Any]]]:
    thresholds = load_thresholds(THRESHOLDS)
    cases = []
    for path in example_paths():
        agreement = prepare(path, thresholds)
        cases.extend((f"{path.stem}/{name}", TEMPLATES / template, agreement.context) for name, template in agreement.documents.items())
    return cases


@pytest.mark.parametrize(("case", "template", "context"), contexts(), ids=lambda v: v if isinstance(v, str) else "")
def test_compiled_output_equals_plain_docxtpl(case: str, template: Path, context: dict[str, Any]) -> None:
    env = make_environment()
    plain = parts(render_docx_plain(template, context, env))
    compiled = parts(Renderer(env).render(template, context))
    assert compiled.keys() == plain.keys()
    for name in plain:
        assert compiled[name] == plain[name], f"{case}: {name}"


def test_changed_template_is_picked_up_in_the_same_process(tmp_path: Path) -> None:
    template = tmp_path / "mall.docx"
    document = docx.Document()
    document.add_paragraph("Första: {{ avtal.titel }}")
    document.save(str(template))
    renderer = Renderer()
    context = {"avtal": {"titel": "Avtal A"}}
    first = docx.Document(io.BytesIO(renderer.render(template, context)))
    assert first.paragraphs[0].text == "Första: Avtal A"
    document = docx.Document()
    document.add_paragraph("Andra: {{ avtal.titel }}")
    document.save(str(template))
    second = docx.Document(io.BytesIO(renderer.render(template, context)))
    assert second.paragraphs[0].text == "Andra: Avtal A"


def test_data_text_is_escaped_literally(tmp_path: Path) -> None:
    template = tmp_path / "mall.docx"
    shutil.copy(TEMPLATES / "avtal.docx", template)
    document = docx.Document()
    document.add_paragraph("{{ namn }}")
    document.save(str(template))
    hostile = 'X & Co <b>"x"</b> </w:t></w:r><w:r><w:t>'
    rendered = docx.Document(io.BytesIO(Renderer().render(template, {"namn": hostile})))
    assert rendered.paragraphs[0].text == hostile


def test_line_breaks_become_real_breaks(tmp_path: Path) -> None:
    template = tmp_path / "mall.docx"
    document = docx.Document()
    document.add_paragraph("{{ text }}")
    document.save(str(template))
    data = Renderer().render(template, {"text": "Rad ett\nRad två"})
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    assert "<w:br/>" in xml
    assert docx.Document(io.BytesIO(data)).paragraphs[0].text == "Rad ett\nRad två"


def test_undefined_value_names_template_and_place(tmp_path: Path) -> None:
    template = tmp_path / "mall.docx"
    document = docx.Document()
    document.add_paragraph("Inledning")
    document.add_paragraph("Titel: {{ avtal.undertitel }}")
    document.save(str(template))
    expected = (
        r'mall\.docx: brödtext, stycke 2: "Titel: …": '
        r'mallen använder fältet "undertitel", som inte finns \(vid rendering av indata/avtal/x\.json\)'
    )
    with pytest.raises(RenderError, match=expected) as raised:
        Renderer().render(template, {"avtal": {"titel": "x"}}, "indata/avtal/x.json")
    assert "{{" not in raised.value.problems[0].place


def test_sandbox_refuses_internals(tmp_path: Path) -> None:
    template = tmp_path / "mall.docx"
    document = docx.Document()
    document.add_paragraph("{{ avtal.__class__.__mro__ }}")
    document.save(str(template))
    with pytest.raises(RenderError, match="sandlådan förbjuder"):
        Renderer().render(template, {"avtal": {}})


# --------------------------------------------------------------------------------------------------
# Templates that pass the check but would break generation (issue 16 point 8, issue 12 points 1 and 2)
# --------------------------------------------------------------------------------------------------


def one_paragraph_template(path: Path, *paragraphs: str) -> Path:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(str(path))
    return path


def test_filter_on_a_missing_value_names_filter_place_and_agreement(tmp_path: Path) -> None:
    template = one_paragraph_template(tmp_path / "mall.docx", "Inledning", "Pris: {{ berakning.fordelning.pris_per_enhet_ar|pris }}")
    context = {"berakning": {"fordelning": {"pris_per_enhet_ar": None}}}
    expected = (r'mall\.docx: brödtext, stycke 2: "Pris: …": filtret "pris" fick inget värde \(none\): fältet saknas i det här avtalet;'
                r'.* \(vid rendering av indata/a\.json\)')
    with pytest.raises(RenderError, match=expected):
        Renderer().render(template, context, "indata/a.json")


def test_date_filter_on_text_is_a_swedish_error(tmp_path: Path) -> None:
    template = one_paragraph_template(tmp_path / "mall.docx", "Från {{ avtal.titel|datum }}")
    with pytest.raises(RenderError, match='filtret "datum" väntar sig ett datum \\(ÅÅÅÅ-MM-DD\\) men fick "Avtal A"'):
        Renderer().render(template, {"avtal": {"titel": "Avtal A"}}, "a.json")


@pytest.mark.parametrize(
    ("tag", "message"),
    [
        ("{{ 1/0 }}", "mallen delar med noll"),
        ("{{ 'x' * 10**9 }}", "en text eller lista med 1000000000 tecken eller element är för lång"),
        ("{{ 2 ** 100000 }}", "är för stort för ett avtal"),
        ("{{ 'x'.ljust(10**9) }}", '"ljust" med en bredd över'),
        ("{{ 'x'|center(10**9) }}", 'filtret "center" med bredden 1000000000'),
        ("{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}", "anropar sig självt"),
    ],
)
def test_runaway_expression_fails_for_that_agreement_with_a_message(tmp_path: Path, tag: str, message: str) -> None:
    template = one_paragraph_template(tmp_path / "mall.docx", tag)
    with pytest.raises(RenderError, match=f"brödtext.*{message}.*vid rendering av a\\.json"):
        Renderer().render(template, {}, "a.json")


def test_output_size_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandbox, "MAX_OUTPUT_CHARS", 100_000)
    template = one_paragraph_template(tmp_path / "mall.docx", "{% for a in 'x' * 100000 %}{{ a }}{% endfor %}")
    with pytest.raises(RenderError, match="dokumentet blir större än"):
        Renderer().render(template, {}, "a.json")


def test_rendering_time_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandbox, "MAX_RENDER_SECONDS", 0.3)
    template = one_paragraph_template(tmp_path / "mall.docx", "{% for a in 'x' * 100000 %}{% for b in 'x' * 100000 %}{% endfor %}{% endfor %}")
    with pytest.raises(RenderError, match="tog mer än 0 sekunder"):
        Renderer().render(template, {}, "a.json")


def rewrite_part(path: Path, name: str, change: Any) -> Path:
    """Rewrite one part of a .docx with ``change(text) -> text``, as a hand edit of the XML would."""
    with zipfile.ZipFile(path) as source:
        members = {n: source.read(n) for n in source.namelist()}
    members[name] = change(members[name].decode("utf-8")).encode("utf-8")
    with zipfile.ZipFile(path, "w") as target:
        for n, data in members.items():
            target.writestr(n, data)
    return path


def test_doctype_in_a_template_is_refused(tmp_path: Path) -> None:
    template = one_paragraph_template(tmp_path / "mall.docx", "{{ avtal.titel }}")
    rewrite_part(template, "word/document.xml", lambda xml: xml.replace(
        "<w:document", '<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><w:document', 1))
    with pytest.raises(RenderError, match=r"word/document\.xml: delen har en DOCTYPE- eller ENTITY-deklaration"):
        Renderer().render(template, {"avtal": {"titel": "A"}})


def test_oversized_template_is_refused_before_it_is_read(tmp_path: Path) -> None:
    template = one_paragraph_template(tmp_path / "mall.docx", "{{ avtal.titel }}")
    with template.open("ab") as handle:
        handle.truncate(21 * 1024 * 1024)
    with pytest.raises(RenderError, match="mallen är 21 MB; en mall får vara högst 20 MB"):
        Renderer().render(template, {"avtal": {"titel": "A"}})


def test_mismatched_paragraph_block_cannot_truncate_a_document(tmp_path: Path) -> None:
    template = one_paragraph_template(tmp_path / "mall.docx", "Inledning", "{%p if avtal.villkor %}", "Villkoret",
                                      "{% endif %}", "Underskrifter")
    kept = docx.Document(io.BytesIO(Renderer().render(template, {"avtal": {"villkor": True}}, "a.json")))
    assert [p.text for p in kept.paragraphs if p.text] == ["Inledning", "Villkoret", "Underskrifter"]
    with pytest.raises(RenderError, match=r"mall\.docx: brödtext.*(trasig XML|kortare än mallen).*vid rendering av a\.json"):
        Renderer().render(template, {"avtal": {"villkor": False}}, "a.json")


def test_issued_document_properties_come_from_the_agreement(tmp_path: Path) -> None:
    import datetime as dt

    template = tmp_path / "avtal.docx"
    shutil.copy(TEMPLATES / "avtal.docx", template)
    agreement = prepare(main_template_example(), load_thresholds(THRESHOLDS))
    data = Renderer().render(template, agreement.context, agreement.file, dt.date(2026, 3, 4))
    core = docx.Document(io.BytesIO(data)).core_properties
    assert core.title == agreement.context["avtal"]["titel"]
    assert core.subject == agreement.context["berakning"]["rubrik"]
    assert core.comments.startswith(f"Diarienummer {agreement.context['avtal']['diarienummer']}")
    assert "Mall" not in f"{core.title} {core.subject} {core.comments}"
    assert core.created == core.modified == dt.datetime(2026, 3, 4, tzinfo=dt.UTC)
    again = Renderer().render(template, agreement.context, agreement.file, dt.date(2026, 3, 4))
    assert again == data


def test_ampersand_in_a_default_text_is_printed_once(tmp_path: Path) -> None:
    template = one_paragraph_template(tmp_path / "mall.docx", '{{ avtal.huvudavtal|default("A & B") }} och {{ "<C>" }}')
    for render in (lambda: Renderer().render(template, {"avtal": {}}), lambda: render_docx_plain(template, {"avtal": {}}, make_environment())):
        assert docx.Document(io.BytesIO(render())).paragraphs[0].text == "A & B och <C>"


def test_generated_agreements_carry_the_generation_date(tmp_path: Path) -> None:
    import datetime as dt

    from avtalsgenerator.output.pipeline import generate

    example = example_paths()[0]
    generate([example], utdata=tmp_path / "utdata", mallar=TEMPLATES, troskelvarden=THRESHOLDS, workers=1,
             now=dt.datetime(2026, 5, 6, 15, 30))
    [written] = [p for p in (tmp_path / "utdata").rglob("avtal.docx") if "tidigare" not in p.parts]
    core = docx.Document(str(written)).core_properties
    assert core.created == core.modified == dt.datetime(2026, 5, 6, tzinfo=dt.UTC)
    assert core.title == prepare(example, load_thresholds(THRESHOLDS)).context["avtal"]["titel"]
    assert core.author == core.last_modified_by == "Avtalsgeneratorn"


def test_render_error_in_a_copy_of_the_main_template_names_the_nearest_heading(tmp_path: Path) -> None:
    template = tmp_path / "avtal.docx"
    shutil.copy(TEMPLATES / "avtal.docx", template)
    document = docx.Document(str(template))
    document.add_paragraph("Slutord {{ 1/0 }}")
    document.save(str(template))
    last_heading = next(" ".join(p.text.split()) for p in reversed(document.paragraphs) if p.style.name.startswith("Heading") and p.text.strip())
    agreement = prepare(main_template_example(), load_thresholds(THRESHOLDS))
    with pytest.raises(RenderError) as raised:
        Renderer().render(template, agreement.context, agreement.file)
    [problem] = raised.value.problems
    assert problem.place.startswith("brödtext, stycke ")
    paragraphs = len(document.element.body.findall(".//w:p", {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}))
    assert re.fullmatch(rf'brödtext, stycke {paragraphs} \(under rubriken "\d+\. {re.escape(last_heading)}"\): "Slutord …"', problem.place)
    assert problem.message == f"mallen delar med noll (vid rendering av {agreement.file})"


def test_date_filter_on_a_missing_date_says_the_field_is_missing(tmp_path: Path) -> None:
    template = one_paragraph_template(tmp_path / "mall.docx", "Slutar {{ avtalstid.slut|datum }}")
    with pytest.raises(RenderError, match=r'filtret "datum" fick inget värde: fältet saknas i det här avtalet.*\(vid rendering av a\.json\)'):
        Renderer().render(template, {"avtalstid": {}}, "a.json")


def test_regenerating_on_another_day_keeps_unchanged_documents_as_issued(tmp_path: Path) -> None:
    import datetime as dt

    from avtalsgenerator.output.pipeline import generate

    example = example_paths()[0]
    utdata = tmp_path / "utdata"
    generate([example], utdata=utdata, mallar=TEMPLATES, troskelvarden=THRESHOLDS, workers=1, now=dt.datetime(2026, 5, 6, 9, 0))
    before = {p: p.read_bytes() for p in utdata.rglob("*.docx")}
    result = generate([example], utdata=utdata, mallar=TEMPLATES, troskelvarden=THRESHOLDS, workers=1, force=True,
                      now=dt.datetime(2026, 6, 1, 9, 0))
    assert result.written == [] and result.archived == []
    assert {p: p.read_bytes() for p in utdata.rglob("*.docx")} == before
    assert docx.Document(str(next(iter(before)))).core_properties.created == dt.datetime(2026, 5, 6, tzinfo=dt.UTC)


# --------------------------------------------------------------------------------------------------
# Compiled templates kept in the per-user cache (issue 13 point 7)
# --------------------------------------------------------------------------------------------------


@pytest.fixture
def fresh_process_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty per-user cache and no templates prepared in this process yet: as a new `avtal` process sees it."""
    from avtalsgenerator import cache as usercache
    folder = tmp_path / "cache"
    monkeypatch.setenv(usercache.ENV_VAR, str(folder))
    monkeypatch.setattr(preparation, "_MEMO", {})
    return folder


def test_a_new_process_renders_from_the_cached_template(tmp_path: Path, fresh_process_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    template = one_paragraph_template(tmp_path / "mall.docx", "Inledning", "Titel: {{ avtal.titel }}")
    first = Renderer().render(template, {"avtal": {"titel": "Avtal A"}})
    assert len(list((fresh_process_cache / "templates").iterdir())) == 1
    monkeypatch.setattr(preparation, "_MEMO", {})  # the next process

    def no_preparing(*args: Any) -> Any:
        raise AssertionError("the template was prepared again")

    monkeypatch.setattr(preparation, "prepare", no_preparing)
    assert Renderer().render(template, {"avtal": {"titel": "Avtal A"}}) == first
    # A template error still names its place when the code comes from the cache.
    with pytest.raises(RenderError, match=r'brödtext, stycke 2: "Titel: …": mallen använder fältet "titel"'):
        Renderer().render(template, {"avtal": {}})


def test_changed_template_or_environment_is_prepared_again(tmp_path: Path, fresh_process_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    prepared: list[Path] = []
    real = preparation.prepare

    def counting(path: Path, *args: Any) -> Any:
        prepared.append(path)
        return real(path, *args)

    monkeypatch.setattr(preparation, "prepare", counting)
    template = one_paragraph_template(tmp_path / "mall.docx", "Första: {{ avtal.titel }}")
    Renderer().render(template, {"avtal": {"titel": "A"}})
    one_paragraph_template(template, "Andra: {{ avtal.titel }}")
    changed = docx.Document(io.BytesIO(Renderer().render(template, {"avtal": {"titel": "A"}})))
    assert changed.paragraphs[0].text == "Andra: A"
    env = make_environment()
    env.filters["extra"] = lambda value: value
    Renderer(env).render(template, {"avtal": {"titel": "A"}})
    assert len(prepared) == 3
    assert len(list((fresh_process_cache / "templates").iterdir())) == 3


def test_damaged_cached_template_is_prepared_again(tmp_path: Path, fresh_process_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    template = one_paragraph_template(tmp_path / "mall.docx", "Titel: {{ avtal.titel }}")
    first = Renderer().render(template, {"avtal": {"titel": "A"}})
    [entry] = (fresh_process_cache / "templates").iterdir()
    entry.write_bytes(entry.read_bytes()[:100])
    monkeypatch.setattr(preparation, "_MEMO", {})
    assert Renderer().render(template, {"avtal": {"titel": "A"}}) == first
    assert entry.stat().st_size > 100, "the damaged entry was replaced"


def test_unsafe_template_is_refused_every_time_and_never_cached(tmp_path: Path, fresh_process_cache: Path) -> None:
    template = one_paragraph_template(tmp_path / "mall.docx", "{{ avtal.titel }}")
    rewrite_part(template, "word/document.xml", lambda xml: xml.replace("<w:document", "<!DOCTYPE w:document []><w:document", 1))
    for _ in range(2):
        with pytest.raises(RenderError, match="DOCTYPE"):
            Renderer().render(template, {"avtal": {"titel": "A"}})
    assert not (fresh_process_cache / "templates").exists()


_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _table(grid: list[int], rows: list[list[int]]) -> str:
    """A body with one table: ``grid`` column widths, each row a list of cells given by their grid span."""
    cols = "".join(f'<w:gridCol w:w="{w}"/>' for w in grid)
    body = "".join("<w:tr>" + "".join(f'<w:tc><w:tcPr><w:gridSpan w:val="{s}"/></w:tcPr><w:p/></w:tc>' if s > 1 else "<w:tc><w:p/></w:tc>"
                                      for s in row) + "</w:tr>" for row in rows)
    return f'<w:body xmlns:w="{_W_NS}"><w:tbl><w:tblGrid>{cols}</w:tblGrid>{body}</w:tbl></w:body>'


@pytest.mark.parametrize(("grid", "rows"), [
    ([3000, 3000], [[1, 1], [2]]),  # as the grid says: nothing to fix
    ([3000, 3000], [[1, 1, 1]]),  # a row with a cell more than the grid (a column loop)
    ([2000, 2000, 2000], [[1, 1], [1, 1]]),  # every row one cell short of the grid
    ([2000, 2000, 2000], [[1, 2], [1, 1]]),  # spans fill the grid
])
def test_table_fix_is_skipped_exactly_when_docxtpl_would_change_nothing(grid: list[int], rows: list[list[int]]) -> None:
    from lxml import etree

    from avtalsgenerator.templates.finish import tables_need_fixing
    from avtalsgenerator.templates.patching import Docx

    xml = _table(grid, rows)
    fixed = etree.tostring(Docx.fix_tables(None, xml))
    assert tables_need_fixing(etree.fromstring(xml)) == (fixed != etree.tostring(etree.fromstring(xml)))


@pytest.mark.parametrize("wrong", ["no-code", "short-part", "not-bytes"])
def test_a_cache_entry_of_the_wrong_shape_is_prepared_again_not_blamed_on_the_template(tmp_path: Path, fresh_process_cache: Path,
                                                                                      monkeypatch: pytest.MonkeyPatch, wrong: str) -> None:
    """An entry whose checksum holds but whose content is not a prepared template (another tool, a hand edit) is ignored."""
    import marshal

    from avtalsgenerator import cache as usercache
    template = one_paragraph_template(tmp_path / "mall.docx", "Inledning", "Titel: {{ avtal.titel }}")
    expected = Renderer().render(template, {"avtal": {"titel": "Avtal A"}})
    (entry,) = (fresh_process_cache / "templates").iterdir()
    fields = list(marshal.loads(usercache.read("templates", entry.name) or b""))
    parts = [list(part) for part in fields[6]]
    if wrong == "no-code":
        parts[0][1] = "inte kompilerad kod"
    elif wrong == "short-part":
        parts[0] = parts[0][:2]
    else:
        fields[4] = "inte bytes"
    fields[6] = tuple(tuple(part) for part in parts)
    usercache.write("templates", entry.name, marshal.dumps(tuple(fields)))
    monkeypatch.setattr(preparation, "_MEMO", {})

    assert Renderer().render(template, {"avtal": {"titel": "Avtal A"}}) == expected


def test_data_holding_docxtpl_escapes_is_printed_as_written_and_the_templates_escapes_still_work(tmp_path: Path) -> None:
    template = one_paragraph_template(tmp_path / "mall.docx", "Skriv {_{ namn }_} och {_% if x %_} i mallen", "{{ namn }}")
    written = "Kod {_{ x }_} och {_% y %_} i data"

    rendered = docx.Document(io.BytesIO(Renderer().render(template, {"namn": written})))

    assert [p.text for p in rendered.paragraphs] == ["Skriv {{ namn }} och {% if x %} i mallen", written]


def test_a_carriage_return_in_data_is_a_line_break_like_a_newline(tmp_path: Path) -> None:
    template = one_paragraph_template(tmp_path / "mall.docx", "{{ text }}")
    data = Renderer().render(template, {"text": "Rad ett\rRad två\r\nRad tre"})
    assert docx.Document(io.BytesIO(data)).paragraphs[0].text == "Rad ett\nRad två\nRad tre"
    assert zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode().count("<w:br/>") == 2
