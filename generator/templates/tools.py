"""Template-author tools: the rendering context of one agreement as JSON, and a quick preview of one template."""

from __future__ import annotations

import json
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..agreement.compute import build_context
from ..agreement.load import load_agreement
from ..agreement.thresholds import Thresholds, load_thresholds
from ..errors import AvtalError, Problem, TemplateError
from ..kinds import TEMPLATE_FILES
from ..paths import DEFAULT_INDATA
from ..prepare import Prepared, prepare
from .check import ensure_templates_ok
from .render import render_docx
from .sandbox import make_environment


def context_json(agreement: Path, thresholds: Path) -> str:
    """The exact rendering context for one agreement as pretty JSON; amounts as strings (``"615312.00"``)."""
    file = str(agreement)
    context = build_context(load_agreement(agreement), load_thresholds(thresholds), file)
    return json.dumps(context, ensure_ascii=False, indent=2, default=_json_value) + "\n"


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    raise TypeError(f"kan inte skrivas som JSON: {value!r}")


def preview(template: Path, agreement: Path | None, thresholds: Path, out_dir: Path, indata: Path = DEFAULT_INDATA) -> Path:
    """Render ``template`` with ``agreement`` (default: the first example that has this document) into ``out_dir``."""
    return try_template(template, agreement, thresholds, indata, out_dir)[0]


def try_template(template: Path, agreement: Path | None, thresholds: Path, indata: Path = DEFAULT_INDATA,
                 out_dir: Path | None = None) -> tuple[Path, list[Problem]]:
    """Check ``template`` as ``avtal mallar kontrollera`` does, render it, and write the document; its path and the warnings.

    Raises TemplateError (the check's errors, with their places) or RenderError before anything is
    written; ``out_dir`` (default: a new temporary folder) is created only for a finished document.
    """
    if not template.is_file():
        raise TemplateError(Problem(str(template), "", "filen finns inte"))
    warnings = ensure_templates_ok([template])
    loaded = load_thresholds(thresholds)
    prepared = prepare(agreement, loaded) if agreement is not None else _example(template, loaded, indata)
    if template.name in TEMPLATE_FILES and template.name not in prepared.documents.values():
        # The annex's number and contents would be none ("Bilaga None"): no agreement issues this document.
        raise AvtalError(Problem(prepared.file, "", f"avtalet får inget dokument av mallen {template.name}, så provet skulle visa värden som "
                                                    "saknas (till exempel \"Bilaga None\"); ange ett avtal som har det dokumentet, eller "
                                                    "inget avtal så väljs ett exempel som har det"))
    data = render_docx(template, prepared.context, make_environment(), prepared.file)
    folder = out_dir if out_dir is not None else Path(tempfile.mkdtemp(prefix="avtal-prova-"))
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"{template.stem}-{prepared.agreement_id}.docx"
    out.write_bytes(data)
    return out, warnings + prepared.warnings


def _example(template: Path, thresholds: Thresholds, indata: Path) -> Prepared:
    """The first valid example agreement that has ``template`` among its documents (any, for other templates)."""
    for path in sorted(indata.glob("*.json")):
        try:
            found = prepare(path, thresholds)
        except AvtalError:
            continue
        if template.name in found.documents.values() or template.name not in TEMPLATE_FILES:
            return found
    raise AvtalError(Problem(str(indata), "", f"inget giltigt exempelavtal har dokumentet {template.name}; ange en avtalsfil"))
