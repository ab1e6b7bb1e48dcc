"""Document properties of an issued document: title, subject and dates from the agreement, not the template's."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

from lxml import etree

from .namespaces import CP_NS, DC_NS, DCTERMS_NS, XSI_NS

_CP, _DC, _DCTERMS, _XSI = CP_NS, DC_NS, DCTERMS_NS, XSI_NS
CORE_PART = "docProps/core.xml"
_SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def agreement_properties(context: dict[str, Any]) -> dict[str, str]:
    """Title, subject and description of an issued document: the agreement's title, kind and diarienummer."""
    avtal: dict[str, Any] = context["avtal"] if isinstance(context.get("avtal"), dict) else {}
    berakning: dict[str, Any] = context["berakning"] if isinstance(context.get("berakning"), dict) else {}
    title = str(avtal.get("titel", "") or "")
    kind = str(berakning.get("rubrik", "") or "")
    diarienummer = str(avtal.get("diarienummer", "") or "")
    description = f"Diarienummer {diarienummer}" if diarienummer else ""
    if avtal.get("datum"):
        description = f"{description}, daterat {avtal['datum']}" if description else f"Daterat {avtal['datum']}"
    return {"title": title, "subject": kind, "description": description}


def issued_core_xml(core: bytes, context: dict[str, Any], issued: dt.date, keep: frozenset[str] = frozenset()) -> bytes:
    """``core`` (docProps/core.xml) with the agreement's title, subject and description and ``issued`` as both dates.

    Properties named in ``keep`` (``title``, ``subject``, ``description``) were filled in from tags in the
    template and stay as rendered. The dates are the day only (midnight UTC), so the same inputs on the
    same day give the same bytes. The template author's name and revision count do not go out.
    """
    root = etree.fromstring(core, _SAFE_PARSER)
    values = agreement_properties(context)
    for name, value in values.items():
        if name in keep:
            continue
        _set(root, _DC, name, value)
    stamp = f"{issued.isoformat()}T00:00:00Z"
    for name in ("created", "modified"):
        element = _set(root, _DCTERMS, name, stamp)
        element.set(f"{{{_XSI}}}type", "dcterms:W3CDTF")
    _set(root, _DC, "creator", "Avtalsgeneratorn")
    _set(root, _CP, "lastModifiedBy", "Avtalsgeneratorn")
    _set(root, _CP, "revision", "1")
    for element in root.findall(f"{{{_CP}}}lastPrinted"):
        root.remove(element)
    data: bytes = etree.tostring(root, encoding="UTF-8", standalone=True)
    return data


def _set(root: Any, namespace: str, name: str, value: str) -> Any:
    element = root.find(f"{{{namespace}}}{name}")
    if element is None:
        element = etree.SubElement(root, f"{{{namespace}}}{name}")
    element.text = value
    return element


def same_except_dates(first: bytes, second: bytes) -> bool:
    """Whether two issued .docx packages differ at most in the dates of their document properties.

    A document regenerated on another day with the same content is then kept as it was on disk, with its
    first date, instead of being rewritten and archived for a date alone.
    """
    if first == second:
        return True
    try:
        a, b = zipfile.ZipFile(io.BytesIO(first)), zipfile.ZipFile(io.BytesIO(second))
        if a.namelist() != b.namelist():
            return False
        for name in a.namelist():
            x, y = a.read(name), b.read(name)
            if x == y:
                continue
            if name != CORE_PART:
                return False
            left, right = etree.fromstring(x, _SAFE_PARSER), etree.fromstring(y, _SAFE_PARSER)
            for root in (left, right):
                for tag in ("created", "modified"):
                    for element in root.findall(f"{{{_DCTERMS}}}{tag}"):
                        element.text = ""
            if etree.tostring(left, method="c14n") != etree.tostring(right, method="c14n"):
                return False
    except (zipfile.BadZipFile, etree.XMLSyntaxError, KeyError, OSError):
        return False
    return True
