"""The PDF check on PDFs made here, byte by byte: each check refuses the PDF that breaks it."""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path

import pytest

from avtalsgenerator.output import pdfcheck

XMP_2B = (
    '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    '<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">'
    "<pdfaid:part>{part}</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance>"
    '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)
PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")
FILE_ID = bytes(16)


def rc4(key: bytes, data: bytes) -> bytes:
    state = list(range(256))
    j = 0
    for i in range(256):
        j = (j + state[i] + key[i % len(key)]) % 256
        state[i], state[j] = state[j], state[i]
    out, i, j = bytearray(), 0, 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + state[i]) % 256
        state[i], state[j] = state[j], state[i]
        out.append(byte ^ state[(state[i] + state[j]) % 256])
    return bytes(out)


def make_pdf(text: str | None = "Avtal mellan Stockholms kommun och Göteborgs kommun", *, part: str | None = "2",
             encrypt: bool = False) -> bytes:
    """A one-page PDF: ``text`` in Helvetica (a font that is never embedded), XMP saying PDF/A-``part``, RC4-encrypted with an empty password."""
    content = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("cp1252") if text is not None else b""
    key = b""
    if encrypt:  # the standard security handler, revision 2, empty user password (PDF 1.7, 7.6.3.3 and 7.6.3.4)
        owner = rc4(hashlib.md5(PAD).digest()[:5], PAD)
        permissions = struct.pack("<i", -4)
        key = hashlib.md5(PAD + owner + permissions + FILE_ID).digest()[:5]
    objects = [
        b"<</Type/Catalog/Pages 2 0 R" + (b"/Metadata 6 0 R" if part else b"") + b">>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Resources<</Font<</F1 4 0 R>>>>/Contents 5 0 R>>",
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica/Encoding/WinAnsiEncoding>>",
        ("stream", content),
        ("metadata", XMP_2B.format(part=part).encode() if part else b""),
    ]
    body, offsets = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), []
    for number, item in enumerate(objects, start=1):
        offsets.append(len(body))
        if isinstance(item, tuple):
            data = item[1]
            if key:
                data = rc4(hashlib.md5(key + struct.pack("<i", number)[:3] + b"\0\0").digest()[:10], data)
            kind = b"/Type/Metadata/Subtype/XML" if item[0] == "metadata" else b""
            item = b"<<" + kind + b"/Length %d>>\nstream\n" % len(data) + data + b"\nendstream"
        body += b"%d 0 obj\n" % number + item + b"\nendobj\n"
    extra = b""
    if encrypt:
        offsets.append(len(body))
        user = rc4(key, PAD)
        body += b"7 0 obj\n<</Filter/Standard/V 1/R 2/O<" + owner.hex().encode() + b">/U<" + user.hex().encode() + b">/P -4>>\nendobj\n"
        extra = b"/Encrypt 7 0 R"
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1) + b"".join(b"%010d 00000 n \n" % at for at in offsets)
    body += b"trailer\n<</Size %d/Root 1 0 R/ID[<%s><%s>]" % (len(offsets) + 1, FILE_ID.hex().encode(), FILE_ID.hex().encode())
    return bytes(body + extra + b">>\nstartxref\n%d\n%%%%EOF\n" % xref)


@pytest.fixture
def pdf_with_helvetica(tmp_path: Path) -> Path:
    path = tmp_path / "avtal.pdf"
    path.write_bytes(make_pdf())
    return path


def test_text_of_a_readable_pdf_passes_the_text_checks(pdf_with_helvetica: Path) -> None:
    assert pdfcheck.check_pdf(pdf_with_helvetica, ["STOCKHOLMS KOMMUN", "Göteborgs kommun"]) == []


def test_a_font_that_is_not_embedded_is_no_pdf_a(pdf_with_helvetica: Path) -> None:
    assert pdfcheck.check_pdf(pdf_with_helvetica, [], archive=True) == [
        "typsnittet ”Helvetica” är inte inbäddat i PDF-filen, vilket PDF/A kräver"
    ]
    assert not pdfcheck.is_pdfa(pdf_with_helvetica)


def test_missing_pdf_a_metadata_is_refused() -> None:
    problems = pdfcheck.check_data(make_pdf(part=None), [], archive=True)
    assert "PDF-filen blev inte PDF/A (arkivformatet): metadata om PDF/A saknas; LibreOffice 7.4 eller senare behövs" in problems


def test_pdf_a_of_another_part_is_refused() -> None:
    problems = pdfcheck.check_data(make_pdf(part="1"), [], archive=True)
    assert "PDF-filen blev inte PDF/A (arkivformatet): metadata säger PDF/A-1b, inte PDF/A-2b" in problems


def test_an_encrypted_pdf_is_refused() -> None:
    data = make_pdf(encrypt=True)
    assert pdfcheck.check_data(data, ["Stockholms kommun"]) == []  # readable: the empty password opens it
    assert "PDF-filen är krypterad, vilket PDF/A inte tillåter" in pdfcheck.check_data(data, [], archive=True)


def test_a_pdf_without_text_is_refused() -> None:
    assert pdfcheck.check_data(make_pdf(text=None), []) == ["PDF-filen har ingen text"]


def test_missing_text_and_leftover_tags_are_named() -> None:
    problems = pdfcheck.check_data(make_pdf(text="Avtal mellan {{ part.namn }} och Lunds kommun"), ["Malmö stad"])
    assert problems == [
        "texten i PDF-filen saknar ”Malmö stad”",
        "texten i PDF-filen innehåller kvarlämnad mallkod ”{{ part.namn }}” (ett ställe)",
    ]


def test_a_broken_or_missing_file_is_unreadable(tmp_path: Path) -> None:
    assert pdfcheck.check_pdf(tmp_path / "saknas.pdf", []) == ["PDF-filen finns inte"]
    (problem,) = pdfcheck.check_data(b"%PDF-1.7\nnot really a pdf\n", ["Stockholms kommun"], archive=True)
    assert problem.startswith("PDF-filen kan inte läsas")


def test_a_pdf_without_pages_is_refused() -> None:
    body = b"%PDF-1.7\n1 0 obj\n<</Type/Catalog/Pages 2 0 R>>\nendobj\n2 0 obj\n<</Type/Pages/Kids[]/Count 0>>\nendobj\n"
    xref = len(body)
    body += b"xref\n0 3\n0000000000 65535 f \n0000000009 00000 n \n%010d 00000 n \n" % body.index(b"2 0 obj")
    body += b"trailer\n<</Size 3/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % xref
    (problem,) = pdfcheck.check_data(body, [], archive=True)
    assert problem.startswith(("PDF-filen har inga sidor", "PDF-filen kan inte läsas"))  # PDFium refuses to open one
