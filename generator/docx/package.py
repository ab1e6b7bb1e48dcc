"""A .docx package read straight from its zip: the parts a caller reads or changes are parsed, the rest copied as they are."""

from __future__ import annotations

import io
import posixpath
import zipfile
from collections.abc import Callable
from typing import Any

from lxml import etree

from ..errors import CompareError, Problem
from .namespaces import PKG_RELS, PKG_TYPES, R_NS, W
from .safety import STRICT_PARSER
from .zipwriter import Deflated, copied_member, deflate, write_zip

_IDS = etree.XPath("//@w:id", namespaces={"w": W[1:-1]})
_STORIES = (f"{W}headerReference", f"{W}footerReference")


class Package:
    """A .docx read straight from its zip: parts parsed when asked for, relationships, added media; ``save`` writes the changed parts."""

    def __init__(self, data: bytes, name: str) -> None:
        self.name = name
        self.data = data
        self.changed: set[str] = set()
        self._trees: dict[str, Any] = {}
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            self.members: dict[str, zipfile.ZipInfo] = {info.filename: info for info in self.zip.infolist()}
            main = [t for _, (kind, t, external) in self.relations("").items() if kind.endswith("/officeDocument") and not external]
            if not main or main[0] not in self.members:
                raise KeyError("word/document.xml")
            self.main = main[0]
            self.tree(self.main)
        except (zipfile.BadZipFile, KeyError, ValueError) as e:
            raise CompareError(Problem(name, "", "filen är inget Word-dokument: dokumentdelen (word/document.xml) saknas" if isinstance(e, KeyError)
                                       else "filen kan inte öppnas som ett Word-dokument (.docx)")) from e

    def tree(self, part: str) -> Any:
        if part not in self._trees:
            self._trees[part] = self._parse(part)
        return self._trees[part]

    def _parse(self, part: str) -> Any:
        """A part parsed strictly (no entities, no DTD, no recovery); a CompareError naming the part when it is not XML."""
        try:
            return etree.fromstring(self.zip.read(part), STRICT_PARSER)
        except etree.XMLSyntaxError as e:
            line = f", rad {e.lineno}" if e.lineno else ""
            raise CompareError(Problem(self.name, f"{part}{line}", "delen är inte giltig XML; öppna dokumentet i Word och spara det igen")) from e

    def _rels_name(self, part: str) -> str:
        folder, _, leaf = part.rpartition("/")
        return f"{folder}/_rels/{leaf}.rels" if folder else f"_rels/{leaf}.rels"

    def _rels_tree(self, part: str) -> Any:
        name = self._rels_name(part)
        if name not in self._trees:
            exists = part == "" or name in self.members
            self._trees[name] = self._parse(name) if exists else etree.Element(f"{{{PKG_RELS}}}Relationships")
        return self._trees[name]

    def relations(self, part: str) -> dict[str, tuple[str, str, bool]]:
        """Relationship id → (type, target, external); internal targets as paths inside the package."""
        folder = part.rpartition("/")[0]
        found = {}
        for rel in self._rels_tree(part):
            external = rel.get("TargetMode") == "External"
            target = rel.get("Target", "")
            if not external:
                target = posixpath.normpath(target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target))
            found[rel.get("Id", "")] = (rel.get("Type", ""), target, external)
        return found

    def resolver(self, part: str) -> Callable[[str], str]:
        relations = self.relations(part)
        return lambda rid: relations[rid][1] if rid in relations else rid

    def add_relation(self, part: str, kind: str, target: str, external: bool) -> str:
        tree = self._rels_tree(part)
        taken = {rel.get("Id") for rel in tree}
        number = len(taken) + 1
        while f"rId{number}" in taken:
            number += 1
        rel = etree.SubElement(tree, f"{{{PKG_RELS}}}Relationship", Id=f"rId{number}", Type=kind)
        if external:
            rel.set("Target", target)
            rel.set("TargetMode", "External")
        else:
            rel.set("Target", posixpath.relpath(target, part.rpartition("/")[0] or "."))
        self.changed.add(self._rels_name(part))
        return f"rId{number}"

    def add_media(self, blob: bytes, extension: str, stem: str) -> str:
        """Add an image as ``word/media/<stem><n>.<extension>`` under the first free number; its part name."""
        number = 1
        while f"word/media/{stem}{number}.{extension}" in self.members or f"word/media/{stem}{number}.{extension}" in self._trees:
            number += 1
        name = f"word/media/{stem}{number}.{extension}"
        self._trees[name] = blob
        self.changed.add(name)
        types = self.tree("[Content_Types].xml")
        if not any(d.get("Extension", "").lower() == extension.lower() for d in types.iter(f"{{{PKG_TYPES}}}Default")):
            etree.SubElement(types, f"{{{PKG_TYPES}}}Default", Extension=extension, ContentType=f"image/{'jpeg' if extension == 'jpg' else extension}")
            self.changed.add("[Content_Types].xml")
        return name

    def show_changes(self) -> None:
        """Drop a w:revisionView that hides changes: Word and LibreOffice (also when printing to PDF) then show them all."""
        name = "word/settings.xml"
        if name in self.members:
            settings = self.tree(name)
            for view in settings.findall(f"{W}revisionView"):
                settings.remove(view)
                self.changed.add(name)

    def save(self) -> bytes:
        """The package with the parts in ``changed`` written anew and every other member copied as it is stored."""
        members = []
        for name, info in self.members.items():
            members.append(self._serialised(name) if name in self.changed else copied_member(self.data, info))
        members.extend(self._serialised(name) for name in sorted(self.changed - set(self.members)))
        return write_zip(members)

    def _serialised(self, name: str) -> Deflated:
        value = self._trees[name]
        data = value if isinstance(value, bytes) else etree.tostring(value, xml_declaration=True, encoding="UTF-8", standalone=True)
        return deflate(name, data)


def stories(package: Package) -> dict[tuple[str, int, str], str]:
    """The header and footer parts of the main document, by (header|footer, section number, default|first|even)."""
    found = {}
    relations = package.relations(package.main)
    sections = package.tree(package.main).iter(f"{W}sectPr")
    for number, section in enumerate(sections, start=1):
        for reference in section:
            if reference.tag in _STORIES:
                kind = "header" if reference.tag == f"{W}headerReference" else "footer"
                target = relations.get(reference.get(f"{{{R_NS}}}id", ""))
                if target and target[1] in package.members:
                    found[(kind, number, reference.get(f"{W}type", "default"))] = target[1]
    return found


def first_free_id(package: Package, parts: list[str]) -> int:
    """One more than the highest w:id in ``parts``: the first id a new tracked change can take."""
    numbers = [int(v) for part in parts for v in _IDS(package.tree(part)) if v.lstrip("-").isdigit()]
    return max([0, *numbers]) + 1
