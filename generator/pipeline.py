"""The library API: prepare agreements (load, validate, compute, check) and generate their documents."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import rules
from .compute import COST_FILE, PUB_FILE, build_context
from .errors import AvtalError, Problem, RuleError
from .load import load_json
from .render import make_environment, render_docx
from .schema import apply_defaults, validate
from .thresholds import Thresholds, load_thresholds
from .write import remove_stale_temporaries, write_atomic

MAIN_FILE = "avtal.docx"
DEFAULT_INDATA = Path("indata/avtal")
DEFAULT_UTDATA = Path("utdata")
DEFAULT_MALLAR = Path("mallar")
DEFAULT_TROSKELVARDEN = Path("indata/troskelvarden.json")


@dataclass
class Prepared:
    """One agreement checked and computed, ready to render."""

    file: str
    agreement_id: str
    context: dict[str, Any]
    documents: list[str]
    warnings: list[Problem] = field(default_factory=list)


@dataclass
class Result:
    """What a run did: documents written, agreements that failed with their problems, and warnings."""

    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    failed: dict[str, list[Problem]] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    agreements: list[Prepared] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def problems(self) -> list[Problem]:
        return [p for problems in self.failed.values() for p in problems]


def agreement_files(files: list[Path] | None, indata: Path = DEFAULT_INDATA) -> list[Path]:
    """The files named, or every ``*.json`` in ``indata`` sorted by name."""
    if files:
        return list(files)
    if not indata.is_dir():
        raise AvtalError(Problem(str(indata), "", "mappen med avtalsdata finns inte"))
    return sorted(indata.glob("*.json"))


def prepare(path: Path, thresholds: Thresholds) -> Prepared:
    """Load, validate, fill defaults, compute and check the legal rules of one agreement file."""
    file = str(path)
    raw = load_json(path)
    validate(raw, file)
    data = apply_defaults(raw)
    context = build_context(data, thresholds, file)
    found = rules.check(data, context, file)
    errors = [p for p in found if p.severity == "fel"]
    if errors:
        raise RuleError(errors + [p for p in found if p.severity != "fel"])
    documents = [MAIN_FILE]
    if context["berakning"]["pub"] is not None:
        documents.append(PUB_FILE)
    if context["berakning"]["fordelning"] is not None:
        documents.append(COST_FILE)
    return Prepared(file, data["avtal"]["id"], context, documents, found)


def prepare_all(files: list[Path], thresholds: Thresholds, result: Result) -> list[Prepared]:
    """Prepare every file, recording failures in ``result``; also refuses two files with the same id."""
    prepared: list[Prepared] = []
    seen: dict[str, str] = {}
    for path in files:
        try:
            agreement = prepare(path, thresholds)
        except AvtalError as e:
            result.failed[str(path)] = e.problems
            continue
        if agreement.agreement_id in seen:
            result.failed[agreement.file] = [Problem(agreement.file, "$.avtal.id", f"id \"{agreement.agreement_id}\" används redan av {seen[agreement.agreement_id]}")]
            continue
        seen[agreement.agreement_id] = agreement.file
        result.warnings.extend(agreement.warnings)
        prepared.append(agreement)
    result.agreements = prepared
    return prepared


def check(files: list[Path] | None = None, *, indata: Path = DEFAULT_INDATA, troskelvarden: Path = DEFAULT_TROSKELVARDEN) -> Result:
    """Validate agreements without rendering or writing anything."""
    result = Result()
    thresholds = load_thresholds(troskelvarden)
    prepare_all(agreement_files(files, indata), thresholds, result)
    return result


def generate(
    files: list[Path] | None = None,
    *,
    utdata: Path = DEFAULT_UTDATA,
    indata: Path = DEFAULT_INDATA,
    mallar: Path = DEFAULT_MALLAR,
    troskelvarden: Path = DEFAULT_TROSKELVARDEN,
) -> Result:
    """Generate every document of every agreement; bad agreements are reported, good ones still written.

    Everything is rendered in memory before the first file is written, so a failing agreement never
    leaves a half-written document, and its earlier output stays as it was.
    """
    result = Result()
    thresholds = load_thresholds(troskelvarden)
    prepared = prepare_all(agreement_files(files, indata), thresholds, result)
    env = make_environment()
    rendered: list[tuple[Path, bytes]] = []
    for agreement in prepared:
        try:
            outputs = [
                (utdata / agreement.agreement_id / name, render_docx(mallar / name, agreement.context, env, agreement.file))
                for name in agreement.documents
            ]
        except AvtalError as e:
            result.failed[agreement.file] = e.problems
            continue
        rendered.extend(outputs)
    remove_stale_temporaries(utdata)
    for path, data in rendered:
        if path.exists() and path.read_bytes() == data:
            result.unchanged.append(path)
            continue
        write_atomic(path, data)
        result.written.append(path)
    return result
