"""The parts a kind's main template must have: every party named, a signature for every party, the annexes it promises."""

from __future__ import annotations

from ...errors import Problem
from ...kinds import MAIN_TEMPLATES
from ...paths import COST_FILE, PUB_FILE
from ..kindfields import template_kinds

# (what, fields that must be printed inside a loop over parter, fields of which one must be used anywhere, advice)
_PARTS: tuple[tuple[str, tuple[str, ...], tuple[str, ...], str], ...] = (
    ("parterna", ("parter[].namn", "parter[].organisationsnummer"), (),
     "skriv varje part med namn och organisationsnummer i en upprepning, till exempel \"{%p for p in parter %}\" med "
     "\"{{ p.namn }}\" och \"{{ p.organisationsnummer|orgnr }}\""),
    ("underskrifterna", ("parter[].undertecknare.namn",), (),
     "lägg tillbaka avsnittet Underskrifter med en underskrift för varje part: \"{%p for p in parter %}\" med "
     "\"{{ p.undertecknare.namn }}\" och \"{{ p.undertecknare.titel }}\""),
    ("bilageförteckningen", (), ("berakning.bilagor",),
     "lägg tillbaka förteckningen över bilagor: \"{%p for b in berakning.bilagor %}\" med \"Bilaga {{ b.nummer }}: {{ b.titel }}\""),
)
# Annexes the generator makes, and the field that gives the main document's reference to them.
_ANNEX_REFERENCES = {PUB_FILE: ("berakning.pub_bilaga", "personuppgiftsbiträdesavtalet"),
                     COST_FILE: ("berakning.kostnad_bilaga", "kostnadsfördelningen")}


def missing_parts(file: str, name: str, used: set[str], in_party_loop: set[str]) -> list[Problem]:
    """What the main template ``name`` lacks that every agreement of its kinds must have; empty for annex templates."""
    kinds = [kind for kind, template in MAIN_TEMPLATES.items() if template == name]
    if not kinds:
        return []
    which = ", ".join(kinds)
    problems = []
    for what, in_loop, anywhere, advice in _PARTS:
        lacking = [path for path in in_loop if path not in in_party_loop]
        if lacking or (anywhere and not any(u == a or u.startswith((f"{a}.", f"{a}[]")) for u in used for a in anywhere)):
            problems.append(Problem(file, "", f"mallen saknar {what}, som varje avtal av typen {which} måste ha; avtalet skulle "
                                              f"utfärdas utan dem. Det här är en kontroll av hela mallen: {advice}"))
    for annex, (field, title) in _ANNEX_REFERENCES.items():
        if set(template_kinds(annex)) & set(kinds) and field not in used:
            problems.append(Problem(file, "", f"mallen hänvisar aldrig till {title} (\"{{{{ {field} }}}}\", bilagans nummer), som "
                                              f"görs som bilaga till avtal av typen {which}; skriv hänvisningen där avsnittet "
                                              f"behandlar det, inom \"{{%p if {field} %}}\""))
    return problems
