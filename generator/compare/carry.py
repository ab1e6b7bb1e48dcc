"""Removed content copied from the old version into the new: its relationships (images, links) carried over with it."""

from __future__ import annotations

from typing import Any

from ..docx.namespaces import R_NS, RT_IMAGE
from ..docx.package import Package
from ..errors import CompareError, Problem


def adopter(old_doc: Package, old_part: str, new_doc: Package, new_part: str) -> Any:
    """Remap the relationship ids in an element copied from the old part so they point to the same targets from the new one."""
    mapped: dict[str, str] = {}
    relations = old_doc.relations(old_part)

    def adopt(element: Any) -> Any:
        for node in element.iter():
            for attribute, rid in list(node.attrib.items()):
                if not attribute.startswith(f"{{{R_NS}}}"):
                    continue
                if rid not in mapped:
                    mapped[rid] = _carry_over(relations, rid, old_doc, new_doc, new_part)
                node.set(attribute, mapped[rid])
        return element

    return adopt


def _carry_over(relations: dict[str, tuple[str, str, bool]], rid: str, old_doc: Package, new_doc: Package, new_part: str) -> str:
    if rid not in relations:
        raise CompareError(Problem(old_doc.name, "", f"den tidigare versionen hänvisar till en relation som saknas ({rid})"))
    kind, target, external = relations[rid]
    if external:
        return new_doc.add_relation(new_part, kind, target, True)
    if kind == RT_IMAGE:
        extension = target.rpartition(".")[2] or "png"
        return new_doc.add_relation(new_part, kind, new_doc.add_media(old_doc.zip.read(target), extension, "jamforelse"), False)
    raise CompareError(Problem(old_doc.name, "", f"borttaget innehåll innehåller ett objekt som inte kan visas som borttaget ({kind.rpartition('/')[2]})"))
