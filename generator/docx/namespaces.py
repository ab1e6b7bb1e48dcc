"""The XML namespaces of a Word package, defined once: bare URIs (``*_NS``) and, for WordprocessingML, the ``{uri}`` prefix."""

from __future__ import annotations

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f"{{{W_NS}}}"  # prefix for element and attribute names: f"{W}p"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
PKG_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
RT_IMAGE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"
CP_NS = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
DC_NS = "http://purl.org/dc/elements/1.1/"
DCTERMS_NS = "http://purl.org/dc/terms/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
