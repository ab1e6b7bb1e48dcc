"""Tests for the PDF stage: batch conversion with LibreOffice, the PDF checks, and a dead or hung office."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pytest
from conftest import requires_program
from docx import Document
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

from avtalsgenerator.errors import PdfError
from avtalsgenerator.output import officebatch, officeserver, pdf

PARTIES = [
    ("Stockholms kommun", "Göteborgs kommun"),
    ("Region Örebro län", "Åre kommun"),
    ("Norrströms kommun", "Fjällvikens kommun"),
    ("Malmö stad", "Lunds kommun"),
    ("Region Skåne", "Ystads kommun"),
]


@pytest.fixture(autouse=True)
def private_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Temporary folders (work folder, office profiles) go below tmp_path, so a test can see they are removed."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def requires_office() -> None:
    for name in ("soffice", "pdfinfo", "pdftotext"):
        requires_program(name)


def add_field(paragraph: Paragraph, instruction: str, stale: str) -> None:
    """A Word field with an out-of-date cached result, which LibreOffice must recompute."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = stale
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def make_docx(path: Path, parties: Sequence[str], *, extra: Sequence[str] = ()) -> Path:
    """A two-page agreement: the parties on page one, a page break, signatures on page two, page numbers below."""
    path.parent.mkdir(parents=True, exist_ok=True)
    document = Document()
    document.add_heading("Avtal om samverkan", level=1)
    document.add_paragraph(f"Avtalet gäller mellan {' och '.join(parties)}.")
    document.add_paragraph("Ersättningen är 125 000 kronor per år.")
    for line in extra:
        document.add_paragraph(line)
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    document.add_heading("Underskrifter", level=2)
    for party in parties:
        document.add_paragraph(f"För {party}: ____________________")
    footer = document.sections[0].footer.paragraphs[0]
    footer.add_run("Sida ")
    add_field(footer, "PAGE", "9")
    footer.add_run(" av ")
    add_field(footer, "NUMPAGES", "9")
    document.save(str(path))
    return path


def pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    found = re.search(r"^Pages:\s*(\d+)", info, re.MULTILINE)
    assert found, info
    return int(found.group(1))


def text(path: Path, page: int | None = None) -> str:
    limits = ["-f", str(page), "-l", str(page)] if page else []
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", *limits, str(path), "-"], capture_output=True, check=True)
    return " ".join(done.stdout.decode("utf-8").split())


def fake_office(folder: Path, body: str) -> str:
    """A shell script standing in for soffice."""
    script = folder / "fake-soffice"
    script.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    script.chmod(0o755)
    return str(script)


def alive(pid: int) -> bool:
    """True while the process runs (a zombie waiting for its parent counts as ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return state not in ("Z", "X")


@pytest.mark.parametrize("engine", ["servrar", "en-per-batch"])
def test_batch_writes_a_checked_pdf_beside_every_docx(tmp_path: Path, private_temp: Path, monkeypatch: pytest.MonkeyPatch, engine: str) -> None:
    requires_office()
    if engine == "servrar" and officeserver.uno_python() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("python3-uno saknas i CI; .ci/run ska installera det")
        pytest.skip("no Python with LibreOffice's uno (python3-uno)")
    out = tmp_path / "utdata"
    # Several agreements share the file name avtal.docx, as the pipeline writes them.
    wanted = [(out / f"avtal-{n}" / "avtal.docx", parties) for n, parties in enumerate(PARTIES)]
    wanted.append((out / "avtal-0" / "bilaga-1.docx", PARTIES[0]))
    docx_files = [make_docx(path, parties) for path, parties in wanted]
    must_contain = {path: list(parties) for path, parties in wanted}

    calls = tmp_path / "calls"
    real = pdf.find_soffice()
    count = 'n=0; for a in "$@"; do case "$a" in *.docx) n=$((n+1));; esac; done'
    counting = fake_office(tmp_path, f'{count}\n[ "$1" = --version ] || echo $n >> "{calls}"\nexec "{real}" "$@"')
    if engine == "en-per-batch":
        monkeypatch.setattr(officeserver, "uno_python", lambda: None)  # without uno: one office per batch
        monkeypatch.setattr(pdf, "find_soffice", lambda: counting)

    made = pdf.convert(docx_files, chunk=4, timeout=180, must_contain=must_contain)

    if engine == "en-per-batch":
        assert calls.read_text().split() == ["4", "2"]  # one office per chunk, each given all of its files

    assert made == [path.with_suffix(".pdf") for path in docx_files]
    for path, names in must_contain.items():
        target = path.with_suffix(".pdf")
        assert pages(target) == 2
        content = text(target)
        for party in names:
            assert party in content
        assert "125 000 kronor" in content
        assert "{{" not in content and "{%" not in content
        assert "Sida 1 av 2" in text(target, 1)  # fields are updated, not the stale cached "9"
        assert "Sida 2 av 2" in text(target, 2)
        assert pdf.check_pdf(target, names) == []
    leftovers = sorted(p.name for p in out.rglob("*") if p.is_file() and p.suffix not in (".docx", ".pdf"))
    assert leftovers == []  # no temporary or lock files beside the documents
    assert list(private_temp.iterdir()) == []  # work folder and office profiles are removed


def test_pdf_is_pdf_a_where_libreoffice_offers_it(tmp_path: Path) -> None:
    requires_office()
    soffice = pdf.find_soffice()
    assert soffice is not None
    version = pdf.office_version(soffice)
    if version is None or version < pdf.PDFA_SINCE:
        pytest.skip(f"LibreOffice {version} tar inte filterflaggor som JSON; vanlig PDF används")
    (target,) = pdf.convert([make_docx(tmp_path / "avtal.docx", PARTIES[0])])
    meta = subprocess.run(["pdfinfo", "-meta", str(target)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"<pdfaid:part>2</pdfaid:part>", meta), meta


def test_leftover_tags_and_missing_parties_are_reported(tmp_path: Path) -> None:
    requires_office()
    good = make_docx(tmp_path / "bra" / "avtal.docx", PARTIES[0])
    bad = make_docx(tmp_path / "trasig" / "avtal.docx", PARTIES[1], extra=["Kontaktperson: {{ part.kontakt }}", "{% if pub %}Bilaga{% endif %}"])

    with pytest.raises(PdfError) as caught:
        pdf.convert([good, bad], must_contain={good: list(PARTIES[0]), bad: ["Region Örebro län", "Kiruna kommun"]})

    message = str(caught.value)
    assert all(problem.file == str(bad) for problem in caught.value.problems)
    assert "kvarlämnad mallkod ”{{ part.kontakt }}”" in message
    assert "kvarlämnad mallkod ”{% if pub %}" in message
    assert "saknar ”Kiruna kommun”" in message
    assert "Region Örebro län" not in message
    assert "sparades inte" in message
    assert good.with_suffix(".pdf").is_file()  # the good one is still written
    assert not bad.with_suffix(".pdf").exists()


def test_check_pdf_reports_missing_and_unreadable_files(tmp_path: Path) -> None:
    assert pdf.check_pdf(tmp_path / "saknas.pdf", []) == ["PDF-filen finns inte"]
    broken = tmp_path / "trasig.pdf"
    broken.write_bytes(b"%PDF-1.7\nnot really a pdf\n")
    (problem,) = pdf.check_pdf(broken, ["Stockholms kommun"])
    assert problem.startswith("PDF-filen kan inte läsas")


def test_missing_libreoffice_fails_at_once_with_install_advice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf, "find_soffice", lambda: None)
    docx = tmp_path / "avtal.docx"
    docx.write_bytes(b"")
    with pytest.raises(PdfError, match=r"LibreOffice \(soffice\).*sudo apt-get install libreoffice-writer-nogui"):
        pdf.convert([docx])
    assert not pdf.available()


def test_missing_input_is_named(tmp_path: Path) -> None:
    requires_office()
    with pytest.raises(PdfError, match=r"saknas\.docx: filen finns inte"):
        pdf.convert([tmp_path / "saknas.docx"])


def test_chunk_size_is_limited() -> None:
    with pytest.raises(ValueError):
        pdf.convert([], chunk=201)
    with pytest.raises(ValueError):
        pdf.convert([], chunk=0)


def test_hung_office_is_killed_and_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, private_temp: Path) -> None:
    requires_program("pdfinfo")
    requires_program("pdftotext")
    pids = tmp_path / "pids"
    # The script and a child it starts both hang; stopping only the script would leave the child behind.
    script = fake_office(tmp_path, f'sleep 600 &\necho $$ $! >> "{pids}"\nwait')
    monkeypatch.setattr(pdf, "find_soffice", lambda: script)
    docx = make_docx(tmp_path / "avtal.docx", PARTIES[0])

    with pytest.raises(PdfError) as caught:
        pdf.convert([docx], timeout=1)

    (problem,) = caught.value.problems
    assert problem.file == str(docx)
    assert "LibreOffice svarade inte inom 1 sekunder och stoppades" in problem.message
    assert "två försök" in problem.message
    started = [int(pid) for pid in pids.read_text().split()]
    assert len(started) == 6  # --version, the first try and the restart: each a script and its child
    assert not any(alive(pid) for pid in started)
    assert not docx.with_suffix(".pdf").exists()
    assert list(private_temp.iterdir()) == []


def test_dead_office_is_restarted_once_then_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    requires_program("pdfinfo")
    requires_program("pdftotext")
    calls = tmp_path / "calls"
    script = fake_office(tmp_path, f'echo start >> "{calls}"\necho "Error: nothing works" >&2\nexit 1')
    monkeypatch.setattr(pdf, "find_soffice", lambda: script)
    docx_files = [make_docx(tmp_path / f"avtal-{n}.docx", PARTIES[n]) for n in range(3)]

    with pytest.raises(PdfError) as caught:
        pdf.convert(docx_files, timeout=30)

    assert [problem.file for problem in caught.value.problems] == [str(path) for path in docx_files]
    for problem in caught.value.problems:
        assert problem.message == "ingen PDF efter två försök: LibreOffice avslutades med felkod 1 (Error: nothing works)"
    assert calls.read_text().split() == ["start"] * 3  # --version, one batch call, one restart


def test_office_that_dies_once_is_restarted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    requires_office()
    real = pdf.find_soffice()
    marker = tmp_path / "died-once"
    body = f'[ "$1" = --version ] && exec "{real}" "$@"\n[ -e "{marker}" ] || {{ touch "{marker}"; kill -9 $$; }}\nexec "{real}" "$@"'
    script = fake_office(tmp_path, body)
    monkeypatch.setattr(pdf, "find_soffice", lambda: script)
    docx_files = [make_docx(tmp_path / f"avtal-{n}.docx", PARTIES[n]) for n in range(2)]

    made = pdf.convert(docx_files, must_contain={path: list(PARTIES[n]) for n, path in enumerate(docx_files)})

    assert marker.exists()
    assert [pages(path) for path in made] == [2, 2]


def test_ctrl_c_stops_the_office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, private_temp: Path) -> None:
    requires_program("pdfinfo")
    requires_program("pdftotext")
    pids = tmp_path / "pids"
    body = f'[ "$1" = --version ] && {{ echo "LibreOffice 7.4.7.2"; exit 0; }}\nsleep 600 &\necho $$ $! >> "{pids}"\nwait'
    script = fake_office(tmp_path, body)
    monkeypatch.setattr(pdf, "find_soffice", lambda: script)
    docx = make_docx(tmp_path / "avtal.docx", PARTIES[0])

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 1.0)
        with pytest.raises(KeyboardInterrupt):
            pdf.convert([docx], timeout=60)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)

    started = [int(pid) for pid in pids.read_text().split()]
    assert len(started) == 2
    assert not any(alive(pid) for pid in started)
    assert list(private_temp.iterdir()) == []


def test_slow_office_still_gives_pdf_a(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    requires_office()
    real = pdf.find_soffice()
    # An office that takes longer than the version question may wait (a cold start on a busy machine).
    slow = fake_office(tmp_path, f'[ "$1" = --version ] && {{ sleep 3; exec "{real}" "$@"; }}\nexec "{real}" "$@"')
    monkeypatch.setattr(pdf, "find_soffice", lambda: slow)
    monkeypatch.setattr(officebatch, "VERSION_TIMEOUT", 0.5)
    monkeypatch.setattr(officebatch, "_filters", {})

    (target,) = pdf.convert([make_docx(tmp_path / "avtal.docx", PARTIES[0])], timeout=180)

    assert pdf.is_pdfa(target), "PDF/A must never be lost quietly"


def test_plain_pdf_is_refused_with_a_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    requires_office()
    real = pdf.find_soffice()
    # An office that ignores the PDF/A options and makes a plain PDF.
    plain = fake_office(tmp_path, f'[ "$1" = --version ] && exec "{real}" "$@"\n'
                                  'args=""; for a in "$@"; do case "$a" in pdf:*) a=pdf;; esac; args="$args \'$a\'"; done\n'
                                  f'eval exec "{real}" $args')
    monkeypatch.setattr(pdf, "find_soffice", lambda: plain)
    monkeypatch.setattr(officebatch, "_filters", {})
    source = make_docx(tmp_path / "avtal.docx", PARTIES[0])

    with pytest.raises(PdfError, match=r"PDF-filen blev inte PDF/A \(arkivformatet\).*PDF-filen sparades inte"):
        pdf.convert([source], timeout=180)
    assert not source.with_suffix(".pdf").exists()


def test_data_text_with_braces_gets_its_pdf_when_the_docx_holds_it(tmp_path: Path) -> None:
    """A rendered document whose data holds "{{" or "{%" as text: the .docx has it too, so it is no leftover tag."""
    requires_office()
    data = make_docx(tmp_path / "data" / "avtal.docx", PARTIES[0], extra=["Projektet kallas {{Vårdlyftet}} och {% arbetsnamn %} internt."])

    made = pdf.convert([data], must_contain={data: list(PARTIES[0])}, rendered=True)

    assert made == [data.with_suffix(".pdf")] and data.with_suffix(".pdf").is_file()


def test_a_tag_the_docx_does_not_hold_is_still_a_leftover() -> None:
    """check_pdf on the PDF text itself: only a "{{" whose next characters the .docx holds is data."""
    requires_program("pdftotext")
    requires_program("pdfinfo")
    requires_office()
    with tempfile.TemporaryDirectory() as folder:
        docx_path = make_docx(Path(folder) / "avtal.docx", PARTIES[0], extra=["Kontakt: {{ part.kontakt }}"])
        outputs, failures = pdf.convert_chunk(pdf.find_soffice() or "soffice", [docx_path], Path(folder) / "ut", pdf.PLAIN_FILTER, 120,
                                               Path(folder))
        assert failures == [] and outputs[0] is not None
        assert any("kvarlämnad mallkod" in p for p in pdf.check_pdf(outputs[0], [], source_text="Kontakt: {{ annat }}"))
        assert not any("kvarlämnad mallkod" in p for p in pdf.check_pdf(outputs[0], [], source_text="Kontakt: {{ part.kontakt }}"))


@pytest.mark.parametrize(("change", "refusal"), [
    ((b"/FontFile2", b"/FontFileX"), "är inte inbäddat i PDF-filen, vilket PDF/A kräver"),
    ((b"<pdfaid:part>2<", b"<pdfaid:part>1<"), "metadata säger PDF/A-1b, inte PDF/A-2b"),
    ((b"pdfaid:", b"pdfxid:"), "metadata om PDF/A saknas"),
])
def test_libreoffices_pdf_a_passes_and_each_change_that_breaks_it_is_refused(tmp_path: Path, change: tuple[bytes, bytes],
                                                                             refusal: str) -> None:
    """The PDF/A checks on a real PDF/A from LibreOffice, and on copies of it with one thing broken (same length, so still readable)."""
    requires_office()
    (made,) = pdf.convert([make_docx(tmp_path / "avtal.docx", PARTIES[0])], must_contain={tmp_path / "avtal.docx": list(PARTIES[0])})
    assert pdf.check_pdf(made, list(PARTIES[0]), archive=True) == [] and pdf.is_pdfa(made)
    data = made.read_bytes()
    assert change[0] in data
    broken = tmp_path / "trasig.pdf"
    broken.write_bytes(data.replace(*change))

    assert any(refusal in problem for problem in pdf.check_pdf(broken, list(PARTIES[0]), archive=True))
    assert not pdf.is_pdfa(broken)
