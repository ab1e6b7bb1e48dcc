"""A Word package (a template, or a document to compare) before anything parses it with recovery: size, zip, DOCTYPE and strict XML."""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from ..errors import Problem

MAX_TEMPLATE_BYTES = 20 * 1024 * 1024  # a Word template with logos is a few hundred kB
MAX_UNPACKED_BYTES = 100 * 1024 * 1024  # what its parts may hold unpacked (a zip bomb holds far more)
STRICT_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} MB".replace(".", ",")


@dataclass(frozen=True)
class Subject:
    """How the messages name the file checked: a template, or a document compared."""

    noun: str  # "mallen"
    genitive: str  # "mallens"
    pronoun: str  # "den"
    when_read: str  # when a broken part would be repaired by guessing
    too_large: str  # what to do about a file over the size limit


TEMPLATE = Subject("mallen", "mallens", "den", "när avtal görs", "Ta bort stora bilder eller inbäddade filer i Word")
DOCUMENT = Subject("dokumentet", "dokumentets", "det", "när det jämförs", "Ett avtal är sällan större än några MB; är det rätt fil?")


def package_problems(path: Path) -> list[Problem]:
    """What makes the file unusable as a template before docxtpl reads it; empty when it may be opened."""
    file = str(path)
    if not path.is_file():
        return [Problem(file, "", "filen finns inte")]
    size = path.stat().st_size
    if size > MAX_TEMPLATE_BYTES:
        return [Problem(file, "", f"mallen är {_megabytes(size)}; en mall får vara högst {_megabytes(MAX_TEMPLATE_BYTES)}. {TEMPLATE.too_large}")]
    try:
        data = path.read_bytes()
    except OSError:
        return [Problem(file, "", "filen kan inte öppnas som ett Word-dokument (.docx)")]
    return package_data_problems(data, file, TEMPLATE)


def package_data_problems(data: bytes, file: str, subject: Subject = DOCUMENT, *, xml: bool = True) -> list[Problem]:
    """What makes ``data`` unusable as a Word package, every problem named by ``file`` and part; empty when it may be opened.

    The same checks for a template and for a document to compare: at most MAX_TEMPLATE_BYTES packed and
    MAX_UNPACKED_BYTES unpacked (a zip bomb is refused before anything is unpacked), every part readable
    (its local header and checksum), and, with ``xml``, every XML part strict XML without DOCTYPE or ENTITY
    (without it, whoever parses a part does so with STRICT_PARSER and says which part failed).
    """
    if len(data) > MAX_TEMPLATE_BYTES:
        return [Problem(file, "", f"{subject.noun} är {_megabytes(len(data))}; högst {_megabytes(MAX_TEMPLATE_BYTES)} tillåts. {subject.too_large}")]
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
        infos = package.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return [Problem(file, "", "filen kan inte öppnas som ett Word-dokument (.docx)")]
    unpacked = sum(info.file_size for info in infos)
    if unpacked > MAX_UNPACKED_BYTES:
        return [Problem(file, "", f"{subject.genitive} delar är {_megabytes(unpacked)} uppackade; högst {_megabytes(MAX_UNPACKED_BYTES)} tillåts")]
    problems = []
    for info in infos:
        is_xml = xml and info.filename.endswith((".xml", ".rels"))
        try:
            content = package.read(info.filename) if is_xml else _read_through(package, info)
        except (zipfile.BadZipFile, OSError, RuntimeError, ValueError, EOFError, NotImplementedError, zlib.error):
            problems.append(Problem(file, info.filename, f"delen kan inte läsas ur Word-filen; spara om {subject.noun} i Word"))
            continue
        if not is_xml:
            continue
        if _DOCTYPE.search(content):
            problems.append(Problem(file, info.filename, "delen har en DOCTYPE- eller ENTITY-deklaration, som Word aldrig skriver "
                                                         f"och som kan läsa andra filer på datorn; spara om {subject.noun} i Word"))
            continue
        try:
            etree.fromstring(content, STRICT_PARSER)
        except etree.XMLSyntaxError as e:
            line = f", rad {e.lineno}" if e.lineno else ""
            problems.append(Problem(file, f"{info.filename}{line}", f"delen är inte giltig XML och skulle lagas på gissning {subject.when_read}; "
                                                                   f"öppna {subject.noun} i Word och spara {subject.pronoun} igen"))
    return problems


def _read_through(package: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """Read a part to its end in pieces (which checks its header and checksum) without keeping it; nothing returned."""
    with package.open(info) as part:
        while part.read(1024 * 1024):
            pass
    return b""
