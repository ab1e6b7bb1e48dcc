"""The template folder as a whole: a template for every agreement kind, and none saved in a format that is not read."""

from __future__ import annotations

from pathlib import Path

from ...errors import Problem
from ...kinds import MAIN_TEMPLATES, TEMPLATE_FILES
from ...paths import COST_FILE, PUB_FILE

# Formats Word and LibreOffice save in that the generator does not read: only .docx is a template.
_OTHER_FORMATS = {".doc", ".dot", ".dotx", ".dotm", ".docm", ".odt", ".ott", ".rtf"}
_ANNEXES = {PUB_FILE: "personuppgiftsbiträdesavtalet", COST_FILE: "kostnadsfördelningen"}


def _users(name: str) -> str:
    """Which documents a template file makes, in words."""
    if name in _ANNEXES:
        return f"bilagan med {_ANNEXES[name]}"
    kinds = [kind for kind, template in MAIN_TEMPLATES.items() if template == name]
    return f"avtal av typen {', '.join(kinds)}"


def folder_problems(folder: Path, found: list[Path]) -> list[Problem]:
    """A kind's template missing from ``folder`` (deleted or renamed), and templates saved as .doc, .dotx, .odt and the like."""
    problems: list[Problem] = []
    names = {p.name for p in found}
    others = sorted(p for p in folder.iterdir() if p.suffix.lower() in _OTHER_FORMATS and not p.name.startswith("~$"))
    for other in others:
        meant = f"{other.stem}.docx"
        if meant in names:
            message = (f"mallen är sparad som {other.suffix} bredvid {meant}; generatorn läser bara {meant}, så den gamla mallen "
                       f"används och ändringarna i {other.name} kommer inte med. Spara mallen i Word som Word-dokument (.docx) "
                       f"med namnet {meant} och ta bort {other.name}")
        else:
            message = (f"filen är inte ett Word-dokument (.docx) och används inte som mall; spara den i Word som Word-dokument "
                       f"(.docx){f' med namnet {meant}' if meant in TEMPLATE_FILES else ''} eller ta bort den ur mappen")
        problems.append(Problem(str(other), "", message))
    if found:
        for name in TEMPLATE_FILES:
            if name not in names:
                problems.append(Problem(str(folder / name), "", f"mallen saknas (borttagen eller omdöpt); den behövs för {_users(name)}, "
                                                                f"som annars inte kan göras. Lägg tillbaka {name} i mappen"))
    return problems
