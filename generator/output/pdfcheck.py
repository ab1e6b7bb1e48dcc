"""The check of every finished PDF, in this process (pypdfium2): pages, text, leftover tags, PDF/A, fonts, no encryption."""

from __future__ import annotations

import re
import threading
import unicodedata
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..docx.namespaces import W

TAG_MARKERS = ("{{", "{%")
PDFA_MARKER = b"pdfaid:part"
PDFA_SINCE = (7, 4)  # first LibreOffice that reads filter options as JSON on the command line
PDFA_PART = "2"  # the part asked of LibreOffice (SelectPdfVersion=2)
PDFA_LEVELS = ("A", "B", "U")  # every conformance level of PDF/A-2 meets 2b
_DATA_WINDOW = 12  # characters from a "{{" on that must be in the .docx text for it to count as data
_TEXT_PARTS = re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml")
_XMP = re.compile(rb"<x:xmpmeta\b.*?</x:xmpmeta>", re.DOTALL)
_PDFAID = "{http://www.aiim.org/pdfa/ns/id/}"
# PDFium may not be called from two threads at once, not even for different documents.
_pdfium = threading.Lock()


def check_pdf(pdf: Path, must_contain: Sequence[str], source_text: str | None = None, *, archive: bool = False) -> list[str]:
    """Problems with a finished PDF, in Swedish: unreadable, no pages or text, a text in ``must_contain`` missing, leftover tags.

    Texts are compared without regard to case or line breaks (a name may wrap or be set in capitals). Every
    ``{{`` or ``{%`` is a leftover tag, except, when ``source_text`` is given (the text of a .docx that
    rendering has already consumed every tag of), one whose next characters are there too: agreement data
    may hold such text, and it is printed as written. With ``archive``, also what keeps it from being PDF/A-2:
    no XMP metadata saying part 2 and a level, encryption, a font that is not embedded.
    """
    try:
        data = pdf.read_bytes()
    except FileNotFoundError:
        return ["PDF-filen finns inte"]
    except OSError as e:
        return [f"PDF-filen kan inte läsas ({e.strerror})"]
    return check_data(data, must_contain, source_text, archive=archive)


def check_data(data: bytes, must_contain: Sequence[str], source_text: str | None = None, *, archive: bool = False) -> list[str]:
    """``check_pdf`` for a PDF held in memory."""
    problems, text = _inspect(data, archive)
    if text is None:
        return problems
    return problems + text_problems(text, must_contain, source_text)


def _inspect(data: bytes, archive: bool) -> tuple[list[str], str | None]:
    """One reading of the PDF: its problems with pages and (``archive``) PDF/A, and its text (None: unreadable)."""
    import pypdfium2 as pdfium  # here: `avtal validera` imports the PDF stage and never needs it
    import pypdfium2.raw as raw

    with _pdfium:
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as e:
            return [f"PDF-filen kan inte läsas ({e})"], None
        try:
            texts, missing = _pages(document, raw, fonts=archive)
            encrypted = raw.FPDF_GetSecurityHandlerRevision(document.raw) != -1
        except pdfium.PdfiumError as e:  # a page PDFium cannot read
            return [f"PDF-filen kan inte läsas ({e})"], None
        finally:
            document.close()
    problems = [] if texts else ["PDF-filen har inga sidor"]
    if archive:
        problems += _declaration_problems(data)
        if encrypted:
            problems.append("PDF-filen är krypterad, vilket PDF/A inte tillåter")
        if missing:
            problems.append(f"typsnittet {', '.join(sorted(missing))} är inte inbäddat i PDF-filen, vilket PDF/A kräver")
    return problems, "\n".join(texts)


def _pages(document: Any, raw: Any, *, fonts: bool) -> tuple[list[str], set[str]]:
    """Each page's text, and (``fonts``) the names of fonts that text uses without the font being embedded."""
    texts: list[str] = []
    missing: set[str] = set()
    for index in range(len(document)):
        page = document[index]
        try:
            textpage = page.get_textpage()
            texts.append(textpage.get_text_bounded())
            textpage.close()
            for item in page.get_objects(filter=[raw.FPDF_PAGEOBJ_TEXT], max_depth=16) if fonts else ():
                font = raw.FPDFTextObj_GetFont(item.raw)
                if font and not raw.FPDFFont_GetIsEmbedded(font):
                    missing.add(_font_name(font, raw))
        finally:
            page.close()
    return texts, missing


def text_problems(text: str, must_contain: Sequence[str], source_text: str | None = None) -> list[str]:
    """Problems with a PDF's text: none at all, a text in ``must_contain`` missing, leftover tags (see ``check_pdf``)."""
    flat = _normalise(text)
    problems = [] if flat else ["PDF-filen har ingen text"]
    for wanted in must_contain:
        if _normalise(wanted).casefold() not in flat.casefold():
            problems.append(f"texten i PDF-filen saknar ”{wanted}”")
    source = _normalise(source_text) if source_text is not None else None
    for marker in TAG_MARKERS:
        found = [at for at in _occurrences(flat, marker) if source is None or flat[at : at + _DATA_WINDOW] not in source]
        if found:
            where = "ett ställe" if len(found) == 1 else f"{len(found)} ställen"
            problems.append(f"texten i PDF-filen innehåller kvarlämnad mallkod ”{_tag_at(flat, found[0])}” ({where})")
    return problems


def _declaration_problems(data: bytes) -> list[str]:
    """The XMP metadata's PDF/A identification (``pdfaid:part``, ``pdfaid:conformance``), as elements or attributes.

    PDF/A forbids compressing the metadata stream, so its packet is read as it stands in the file.
    """
    from lxml import etree

    from ..docx.safety import STRICT_PARSER

    hint = "PDF-filen blev inte PDF/A (arkivformatet)"
    since = f"; LibreOffice {PDFA_SINCE[0]}.{PDFA_SINCE[1]} eller senare behövs"
    packet = _XMP.search(data)
    if packet is None or PDFA_MARKER not in packet.group(0):
        return [f"{hint}: metadata om PDF/A saknas{since}"]
    try:
        root = etree.fromstring(packet.group(0), STRICT_PARSER)
    except etree.XMLSyntaxError:
        return [f"{hint}: metadata om PDF/A kan inte läsas"]
    part, level = _identification(root, "part"), _identification(root, "conformance")
    if part != PDFA_PART or level not in PDFA_LEVELS:
        return [f"{hint}: metadata säger PDF/A-{part or '?'}{(level or '?').lower()}, inte PDF/A-{PDFA_PART}b"]
    return []


def _identification(root: Any, name: str) -> str | None:
    for description in root.iter("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}Description"):
        value = description.get(f"{_PDFAID}{name}")
        if value is None:
            element = description.find(f"{_PDFAID}{name}")
            value = element.text if element is not None else None
        if value is not None:
            return str(value).strip()
    return None


def _font_name(font: Any, raw: Any) -> str:
    import ctypes

    size = raw.FPDFFont_GetBaseFontName(font, None, 0)
    buffer = ctypes.create_string_buffer(max(size, 1))
    raw.FPDFFont_GetBaseFontName(font, buffer, size)
    return f"”{buffer.value.decode('utf-8', errors='replace') or '?'}”"


def is_pdfa(pdf: Path) -> bool:
    """True when the PDF is readable and passes the PDF/A-2 checks of ``check_pdf`` (metadata, no encryption, fonts embedded)."""
    try:
        problems, text = _inspect(pdf.read_bytes(), archive=True)
    except OSError:
        return False
    return text is not None and not problems


def docx_text(docx: Path) -> str:
    """The text of a .docx's body, headers, footers and notes (deleted text of tracked changes too), each part's runs joined ("" when unreadable)."""
    from lxml import etree  # here: `avtal validera` imports this module and never needs lxml

    from ..docx.safety import STRICT_PARSER

    texts: list[str] = []
    try:
        with zipfile.ZipFile(docx) as package:
            for name in package.namelist():
                if _TEXT_PARTS.fullmatch(name):
                    root = etree.fromstring(package.read(name), STRICT_PARSER)
                    texts.append("".join(node.text or "" for node in root.iter(f"{W}t", f"{W}delText")))
    except (OSError, zipfile.BadZipFile, etree.XMLSyntaxError, KeyError, ValueError):
        return ""
    return "\n".join(texts)


def _occurrences(text: str, marker: str) -> list[int]:
    found, at = [], text.find(marker)
    while at >= 0:
        found.append(at)
        at = text.find(marker, at + 1)
    return found


def _tag_at(text: str, at: int) -> str:
    """The template tag starting at ``at``: up to its closing ``}}``/``%}`` when near, else a short piece."""
    closing = "}}" if text.startswith("{{", at) else "%}"
    end = text.find(closing, at + 2, at + 80)
    return text[at : end + 2] if end >= 0 else text[at : at + 30].strip() + "…"


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\u00ad", "").replace("\ufffe", "").replace("\x02", "")
    return " ".join(text.split())
