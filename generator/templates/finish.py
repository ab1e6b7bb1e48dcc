"""docxtpl's post-processing of a rendered part, as its ``render`` does it, on XML checked whole first."""

from __future__ import annotations

import copy
import re
from typing import Any

from lxml import etree

from ..docx.namespaces import W
from ..docx.safety import STRICT_PARSER
from .patching import Docx
from .sandbox import LimitError

_LISTING_CHARS = re.compile("[\t\a\n\f]")
_PARAGRAPH = re.compile(r"<w:p(?: [^>]*)?>.*?</w:p>", re.DOTALL)


class Finisher:
    """Finishes the rendered parts of one template; the document around the body is the template's, parsed once."""

    def __init__(self, helper: Docx, document_xml: bytes) -> None:
        """``helper``: the template opened by docxtpl, only for its XML helpers; ``document_xml``: the template's document.xml."""
        self._helper = helper
        self._document_xml = document_xml
        self._root: Any = None

    def finish(self, partname: str, xml: str) -> bytes:
        """One rendered part as docxtpl would write it; LimitError when the rendered XML is not whole.

        The strict parse that checks the part is whole is also the tree that is written: docxtpl's table fix
        parses again only when a table's columns need fixing or a tab or line break changed the XML.
        """
        xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", xml)
        # A CR in data (a text pasted from Windows) is a line break as LF is; left alone, the XML parser would make it
        # an LF after the line breaks were made, and Word would show it as a space.
        xml = xml.replace("\r\n", "\n").replace("\r", "\n")
        try:
            tree = etree.fromstring(xml.encode("utf-8"), STRICT_PARSER)
        except etree.XMLSyntaxError as e:
            raise LimitError(f"det färdiga dokumentet blir trasig XML ({e.msg}); ett block i mallen börjar och slutar "
                             "på olika ställen (stycke, tabellrad eller cell). Kör avtal mallar kontrollera") from e
        listed = self._resolve_listing(xml)
        unchanged = listed is xml
        if partname == "/word/document.xml":
            body = tree if unchanged and not tables_need_fixing(tree) else self._helper.fix_tables(listed)
            self._helper.docx_ids_index = 1000
            self._helper.fix_docpr_ids(body)
            root = copy.deepcopy(self._skeleton())
            root.replace(root.find(f"{W}body"), body)
            data: bytes = etree.tostring(root, encoding="UTF-8", standalone=True)
            return data
        if partname.startswith("/word/header") or partname.startswith("/word/footer"):
            part: bytes = etree.tostring(tree if unchanged else etree.fromstring(listed.encode("utf-8")), encoding="UTF-8", standalone=True)
            return part
        return listed.encode("utf-8")

    def _resolve_listing(self, xml: str) -> str:
        """docxtpl's resolve_listing, run only on the paragraphs that hold a tab, newline, bell or form feed.

        docxtpl applies it paragraph by paragraph and it changes nothing in a paragraph without those
        characters, so skipping the others gives the same XML in a fraction of the time.
        """
        if not _LISTING_CHARS.search(xml):
            return xml
        return _PARAGRAPH.sub(lambda m: self._helper.resolve_listing(m.group(0)) if _LISTING_CHARS.search(m.group(0)) else m.group(0), xml)

    def _skeleton(self) -> Any:
        """The template's document.xml with an empty body, parsed once: each document gets a copy with its own body."""
        if self._root is None:
            root = etree.fromstring(self._document_xml)
            body = root.find(f"{W}body")
            for child in list(body):
                body.remove(child)
            self._root = root
        return self._root


def tables_need_fixing(body: Any) -> bool:
    """True when docxtpl's fix_tables would change a table: a row with more cells, or every row with fewer, than its grid has columns."""
    for table in body.iter(f"{W}tbl"):
        grid = table.find(f"{W}tblGrid")
        if grid is None:
            return True  # let docxtpl deal with it as it always did
        columns = len(grid.findall(f"{W}gridCol"))
        widest = 0
        for row in table.iter(f"{W}tr"):
            cells = row.findall(f"{W}tc")
            if len(cells) > columns:
                return True
            spans = [cell.find(f"{W}tcPr/{W}gridSpan") for cell in cells]
            widest = max(widest, sum(int(span.get(f"{W}val")) if span is not None else 1 for span in spans))
        if widest < columns:
            return True
    return False
