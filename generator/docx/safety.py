"""A template file as a package, before anything parses it with recovery: size, zip, DOCTYPE and strict XML."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from lxml import etree

from ..errors import Problem

MAX_TEMPLATE_BYTES = 20 * 1024 * 1024  # a Word template with logos is a few hundred kB
MAX_UNPACKED_BYTES = 100 * 1024 * 1024  # what its parts may hold unpacked (a zip bomb holds far more)
STRICT_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} MB".replace(".", ",")


def package_problems(path: Path) -> list[Problem]:
    """What makes the file unusable as a template before docxtpl reads it; empty when it may be opened."""
    file = str(path)
    if not path.is_file():
        return [Problem(file, "", "filen finns inte")]
    size = path.stat().st_size
    if size > MAX_TEMPLATE_BYTES:
        return [Problem(file, "", f"mallen är {_megabytes(size)}; en mall får vara högst {_megabytes(MAX_TEMPLATE_BYTES)}. "
                                  "Ta bort stora bilder eller inbäddade filer i Word")]
    try:
        package = zipfile.ZipFile(path)
        infos = package.infolist()
    except (zipfile.BadZipFile, OSError):
        return [Problem(file, "", "filen kan inte öppnas som ett Word-dokument (.docx)")]
    unpacked = sum(info.file_size for info in infos)
    if unpacked > MAX_UNPACKED_BYTES:
        return [Problem(file, "", f"mallens delar är {_megabytes(unpacked)} uppackade; högst {_megabytes(MAX_UNPACKED_BYTES)} tillåts")]
    problems = []
    for info in infos:
        if not info.filename.endswith((".xml", ".rels")):
            continue
        try:
            data = package.read(info.filename)
        except (zipfile.BadZipFile, OSError, RuntimeError):
            problems.append(Problem(file, info.filename, "delen kan inte läsas ur Word-filen; spara om mallen i Word"))
            continue
        if _DOCTYPE.search(data):
            problems.append(Problem(file, info.filename, "delen har en DOCTYPE- eller ENTITY-deklaration, som Word aldrig skriver "
                                                         "och som kan läsa andra filer på datorn; spara om mallen i Word"))
            continue
        try:
            etree.fromstring(data, STRICT_PARSER)
        except etree.XMLSyntaxError as e:
            line = f", rad {e.lineno}" if e.lineno else ""
            problems.append(Problem(file, f"{info.filename}{line}", "delen är inte giltig XML och skulle lagas på gissning när "
                                                                   "avtal görs; öppna mallen i Word och spara den igen"))
    return problems
