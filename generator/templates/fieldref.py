"""The Swedish field reference for template authors, generated from the schemas (``avtal mallar falt --markdown``)."""

from __future__ import annotations

from .fields import FieldInfo, field_catalogue, top_names
from .kindfields import kind_requirements

REFERENCE_FILE = "docs/falt.md"


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def _required_by(path: str) -> str:
    """``avtalssamverkan, samverkansavtal``: the agreement kinds that require the field, or "" for none."""
    return ", ".join(f"`{kind}`" for kind, paths in kind_requirements().items() if path in paths)


def _kind(info: FieldInfo, path: str) -> str:
    label = info.type_label()
    kinds = _required_by(path)
    if info.optional and kinds:
        label += f"; krävs för {kinds}, kan annars saknas: testa med `is defined` i en mall som andra avtalstyper använder"
    elif info.optional:
        label += "; kan saknas: testa med `is defined`"
    elif info.nullable:
        label += "; kan vara none: testa med `{% if … %}`"
    if info.enum:
        label += "; ett av " + ", ".join(f"`{value}`" for value in info.enum)
    return label


def field_reference_markdown() -> str:
    """Every field a template may use, one table per top-level name, with its Swedish title, type and description."""
    catalogue = field_catalogue()
    lines = [
        "# Fälten i mallarna",
        "",
        "<!-- Genererad ur schemana av `avtal mallar falt --markdown > docs/falt.md`. Ändra inte för hand: ändra schemat och",
        "     kör kommandot igen. Ett test kontrollerar att filen är aktuell. -->",
        "",
        "Varje mall får samma kontext: avtalsdata med schemats standardvärden ifyllda, och under `berakning` det som",
        "generatorn räknar ut. Ett fält i en lista skrivs med `[]`: `parter[].namn` är namnet på varje part, i mallen",
        "`{% for p in parter %}{{ p.namn }}{% endfor %}`. Belopp är exakta decimaltal och datum text (ÅÅÅÅ-MM-DD); skriv ut",
        "dem med ett filter (se mallar/LASMIG.md). Ett fält som *kan saknas* finns inte alls i kontexten när avtalsdata",
        "utelämnar det; ett fält som *kan vara none* finns men är tomt.",
        "",
    ]
    for top in top_names(catalogue):
        info = catalogue[top]
        lines += [f"## `{top}`: {info.title or top}", ""]
        if info.description:
            lines += [_cell(info.description), ""]
        if kinds := _required_by(top):
            lines += [f"Krävs för {kinds}; saknas annars: testa med `is defined` i en mall som andra avtalstyper använder.", ""]
        lines += ["| Fält | Typ | Beskrivning |", "|---|---|---|"]
        for path, field in catalogue.items():
            if path == top or not path.startswith((f"{top}.", f"{top}[]")):
                continue
            text = ". ".join(part for part in (field.title, field.description) if part)
            lines.append(f"| `{path}` | {_cell(_kind(field, path))} | {_cell(text)} |")
        lines.append("")
    return "\n".join(lines)
