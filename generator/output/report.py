"""Change report: which agreements were regenerated, why, and which amounts and sentences differ."""

from __future__ import annotations

import datetime as dt
import difflib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..agreement.filters import kr, pris
from ..docx.namespaces import W
from ..files import write_atomic
from .changes import Change

if TYPE_CHECKING:  # the comparison code is imported when it is used: `avtal validera` never needs it
    from ..compare.revisions import Structure

REPORT_DIR = "rapporter"
_W = W
LATEST = "andringsrapport.md"


def key_amounts(context: dict[str, Any]) -> dict[str, str]:
    """The amounts legal staff check, labelled in Swedish and formatted, for comparing two versions."""
    berakning = context["berakning"]
    amounts: dict[str, str] = {}
    if berakning["troskel"]:
        amounts[f"Tröskelvärde ({berakning['troskel']['namn']})"] = kr(berakning["troskel"]["belopp"])
    fordelning = berakning["fordelning"]
    if fordelning:
        if fordelning["pris_per_enhet_ar"] is not None:
            amounts[f"Pris per {fordelning['enhet']} och år"] = f"{pris(fordelning['pris_per_enhet_ar'])}\u00a0kr"
        for row in fordelning["rader"]:
            amounts[f"{row['namn']}: per år"] = kr(row["belopp_ar"])
            amounts[f"{row['namn']}: hela perioden"] = kr(row["belopp_period"])
        amounts["Summa per år"] = kr(fordelning["summa_ar"])
    if berakning["support"]:
        amounts["Support per användare och år"] = kr(berakning["support"]["pris_per_anvandare_ar"])
        for row in berakning["support"]["rader"]:
            amounts[f"{row['namn']}: support per år"] = kr(row["belopp_ar"])
    if berakning.get("troskel") and berakning.get("betalningar"):
        for row in berakning["betalningar"]["rader"]:
            amounts[f"{row['namn']}: allt enligt avtalet för perioden"] = kr(row["summa_period"])
    return amounts


def amount_changes(old: dict[str, str], new: dict[str, str]) -> list[tuple[str, str, str]]:
    """Every labelled amount whose value differs: (label, old, new), ``–`` where one side lacks it."""
    labels = list(dict.fromkeys([*old, *new]))
    return [(label, old.get(label, "–"), new.get(label, "–")) for label in labels if old.get(label) != new.get(label)]


def document_text(data: bytes) -> list[str]:
    """The paragraphs of a .docx body, table rows as cells joined by " | ", in reading order."""
    from ..compare.revisions import structure
    from ..docx.package import Package

    package = Package(data, "")  # straight from the zip: opening it with python-docx costs several times more
    body = package.tree(package.main).find(f"{_W}body")
    return reading_lines(structure(body)) if body is not None else []


def reading_lines(blocks: Structure) -> list[str]:
    """The lines of a text structure (revisions.structure) as the report shows them: no empty paragraphs, a line per table row."""
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, str):
            text = _spaced(block)
            if text:
                lines.append(text)
        elif isinstance(block, tuple):  # a content control: its blocks, in place
            lines += reading_lines(list(block))
        else:
            for row in block:
                lines.append(" | ".join(_spaced(_flat(cell)) for cell in row))
                lines += [line for cell in row for inner in cell if isinstance(inner, list) for line in reading_lines([inner])]
    return lines


def _flat(blocks: Any) -> str:
    return "".join(block if isinstance(block, str) else _flat(block) for block in blocks)


def _spaced(text: str) -> str:
    return text.replace("\t", " ").replace("\n", " ").strip()


def sentence_changes(old: bytes, new: bytes, bodies: tuple[Structure, Structure] | None = None) -> list[tuple[str, str]]:
    """Paragraphs that differ between two versions of a document: (old, new), empty string where one side has none.

    ``bodies`` are the text structures of both bodies when the comparison document has read them already.
    """
    if bodies is not None:
        before, after = reading_lines(bodies[0]), reading_lines(bodies[1])
    else:
        try:
            before = document_text(old)
        except Exception:  # a damaged or foreign earlier file (bad zip, malformed XML): say so, never stop the run
            return [("(den tidigare versionen gick inte att läsa som Word-dokument)", "")]
        after = document_text(new)
    changes: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            continue
        olds, news = before[a1:a2], after[b1:b2]
        for index in range(max(len(olds), len(news))):
            changes.append((olds[index] if index < len(olds) else "", news[index] if index < len(news) else ""))
    return changes


def render_markdown(changes: list[Change], when: dt.datetime, base: Path | None = None) -> str:
    """The report as Markdown in Swedish; links are relative to ``base``, the folder the report is written to."""
    from ..output.comparisons import report_lines

    lines = [f"# Ändringsrapport {when:%Y-%m-%d %H:%M}", ""]
    lines.append(f"{len(changes)} avtal gjordes om i den här körningen.")
    for change in changes:
        lines += ["", f"## {change.agreement_id}", "", f"Data: `{change.file}`", ""]
        if change.earlier_run:
            lines += ["Gjordes om i en tidigare körning som avbröts innan den hann skriva sin rapport.", ""]
        lines.append("Varför: " + "; ".join(change.reasons) + ".")
        if change.amounts:
            lines += ["", "| Belopp | Tidigare | Nu |", "|---|---:|---:|"]
            lines += [f"| {label} | {old} | {new} |" for label, old, new in change.amounts]
        for name, pairs in change.sentences.items():
            if not pairs:
                continue
            lines += ["", f"### Ändrad text i {name}", ""]
            for old, new in pairs:
                if old:
                    lines.append(f"- Tidigare: {old}")
                if new:
                    lines.append(f"  Nu: {new}" if old else f"- Nytt: {new}")
        lines += report_lines(change.comparisons, base)
        if change.archived:
            lines += ["", "Tidigare versioner sparade: " + ", ".join(f"`{p}`" for p in change.archived)]
        if change.moved:
            lines += ["", "Behövs inte längre och flyttades till tidigare/: " + ", ".join(f"`{p}`" for p in change.moved)]
    return "\n".join(lines) + "\n"


def write_report(utdata: Path, changes: list[Change], when: dt.datetime) -> Path:
    """Write the report under ``utdata/rapporter/`` and as ``utdata/andringsrapport.md``; the dated path.

    The dated name is unique: a second report in the same second gets ``-2``, ``-3``… rather than replacing the first.
    Links to comparison documents are relative to where each copy lies.
    """
    stem = f"{when:%Y-%m-%d-%H%M%S}"
    path = utdata / REPORT_DIR / f"{stem}.md"
    number = 1
    while os.path.lexists(path):
        number += 1
        path = utdata / REPORT_DIR / f"{stem}-{number}.md"
    write_atomic(path, render_markdown(changes, when, path.parent).encode("utf-8"))
    write_atomic(utdata / LATEST, render_markdown(changes, when, utdata).encode("utf-8"))
    return path
