"""`avtal jamfor` on damaged packages: the template package checks first, and the written comparison must open."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner

from avtalsgenerator.cli import main
from avtalsgenerator.compare import document as compare_document
from avtalsgenerator.compare.document import compare_documents
from avtalsgenerator.docx.safety import MAX_UNPACKED_BYTES
from avtalsgenerator.errors import CompareError


def _word(text: str) -> bytes:
    made = docx.Document()
    made.add_paragraph(text)
    made.sections[0].header.paragraphs[0].text = "Sidhuvud"
    out = io.BytesIO()
    made.save(out)
    return out.getvalue()


def _with_member(data: bytes, name: str, content: bytes) -> bytes:
    """``data`` with the zip member ``name`` replaced (or added) by ``content``."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != name:
                target.writestr(info, source.read(info.filename))
        target.writestr(name, content)
    return out.getvalue()


@pytest.fixture
def versions(tmp_path: Path) -> tuple[Path, Path]:
    old, new = tmp_path / "gammal.docx", tmp_path / "ny.docx"
    old.write_bytes(_word("Avtalet gäller i två år."))
    new.write_bytes(_word("Avtalet gäller i tre år."))
    return old, new


def _jamfor(old: Path, new: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["jamfor", str(old), str(new)])
    return result.exit_code, result.output


def test_a_zip_bomb_is_refused_before_it_is_unpacked(versions: tuple[Path, Path]) -> None:
    old, new = versions
    new.write_bytes(_with_member(new.read_bytes(), "word/media/bild.bin", bytes(MAX_UNPACKED_BYTES + 1)))
    assert new.stat().st_size < 1024 * 1024

    code, output = _jamfor(old, new)

    assert code == 1, output
    assert f"{new}: dokumentets delar är 101 MB uppackade; högst 100 MB tillåts" in output
    assert not (new.parent / "ny-jamforelse.docx").exists()


def test_a_part_that_is_not_xml_is_named(versions: tuple[Path, Path]) -> None:
    old, new = versions
    old.write_bytes(_with_member(old.read_bytes(), "word/header1.xml", b"<w:hdr>inte avslutad"))

    code, output = _jamfor(old, new)

    assert code == 1, output
    assert f"{old}: word/header1.xml, rad 1: delen är inte giltig XML" in output
    assert "Internt fel" not in output
    assert not (new.parent / "ny-jamforelse.docx").exists()


def test_a_damaged_local_header_in_the_new_file_gives_no_comparison(versions: tuple[Path, Path]) -> None:
    old, new = versions
    data = bytearray(new.read_bytes())
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("docProps/app.xml")
    data[info.header_offset : info.header_offset + 4] = b"XXXX"  # the local header's signature
    new.write_bytes(bytes(data))

    code, output = _jamfor(old, new)

    assert code == 1, output
    assert f"{new}: docProps/app.xml: delen kan inte läsas ur Word-filen" in output
    assert not (new.parent / "ny-jamforelse.docx").exists()


def test_a_comparison_that_would_not_open_is_not_returned(versions: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    old, new = versions
    monkeypatch.setattr(compare_document.Package, "save", lambda self: b"PK\x03\x04 trasig")

    with pytest.raises(CompareError, match="jämförelsedokumentet blev inte ett läsbart Word-dokument"):
        compare_documents(old.read_bytes(), new.read_bytes(), when=dt.datetime(2026, 12, 1), new_name=str(new))


def test_the_comparison_of_sound_files_is_written_and_opens(versions: tuple[Path, Path]) -> None:
    old, new = versions
    code, output = _jamfor(old, new)
    assert code == 0, output
    written = new.parent / "ny-jamforelse.docx"
    assert "tre" in zipfile.ZipFile(written).read("word/document.xml").decode("utf-8")


def test_in_a_run_an_earlier_version_with_a_part_that_is_not_xml_is_named(versions: tuple[Path, Path]) -> None:
    """The run's own comparison reads parts strictly too: an earlier version edited by hand is a CompareError naming the part."""
    old, new = versions
    broken = _with_member(old.read_bytes(), "word/header1.xml", b"<w:hdr>inte avslutad")
    with pytest.raises(CompareError, match=r"gammal\.docx: word/header1\.xml, rad 1: delen är inte giltig XML"):
        compare_documents(broken, new.read_bytes(), when=dt.datetime(2026, 12, 1), old_name=str(old), new_name=str(new))
