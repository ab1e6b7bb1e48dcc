"""Rules on the standard clauses: the legal basis, renegotiation and the archive."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..agreement.labels import label, where
from ..agreement.organs import is_cooperation_basis
from ..kinds import FULL_KINDS
from .registry import Agreement, Finding, rule

# A renegotiation clause that keeps the agreement alive "until" something, without a limit by term or notice.
_OPEN_ENDED = re.compile(r"\btill dess\b|\btills\b", re.IGNORECASE)
_LIMITED = re.compile(r"längst|senast|upphör enligt|avtalstid", re.IGNORECASE)
# A hand-over of documents, and the decision it needs.
_HAND_OVER = re.compile(r"\b(?:lämna[sr]?|förs|för)\s+(?:\w+\s+){0,3}?över\b|överlämna|återlämna", re.IGNORECASE)
_DECISION = re.compile(r"beslut", re.IGNORECASE)


@rule("omforhandling.avtalstid", "varning")
def renegotiation_within_term(a: Agreement) -> Iterator[Finding]:
    """Renegotiation keeps the terms only until the agreement ends by its term or notice, never beyond."""
    if a.kind not in FULL_KINDS:
        return
    text = str((a.data.get("uppsagning") or {}).get("omforhandling", ""))
    if _OPEN_ENDED.search(text) and not _LIMITED.search(text):
        yield (
            "$.uppsagning.omforhandling",
            "texten låter avtalet gälla till dess något annat har hänt, utan gräns; det kan hålla avtalet vid liv efter "
            "slutdatum eller uppsägning. Lägg till att avtalet under omförhandlingen gäller längst till dess det upphör enligt "
            "bestämmelserna om avtalstid och uppsägning, eller ta bort fältet så gäller standardlydelsen",
        )


@rule("arkiv.overlamnande", "varning")
def archive_hand_over(a: Agreement) -> Iterator[Finding]:
    """A hand-over of documents between parties needs a decision under arkivlagen and the parties' arkivreglementen."""
    places = [("$.informationshantering.arkiv", (a.data.get("informationshantering") or {}).get("arkiv"))]
    if a.kind == "interimsavtal":
        places.append(("$.interim.overgang.information", ((a.data.get("interim") or {}).get("overgang") or {}).get("information")))
    for place, text in places:
        if isinstance(text, str) and _HAND_OVER.search(text) and not _DECISION.search(text):
            yield (
                place,
                "texten säger att handlingar lämnas över till en annan part; handlingar som en part förvarar ingår i dess eget "
                "arkiv (3 § arkivlagen), och allmänna handlingar kan lämnas över bara efter beslut enligt arkivlagen och "
                "parternas arkivreglementen: skriv att överlämnandet sker efter sådant beslut, och kontrollera vem som får fatta det",
            )


@rule("avtal.lagrum", "varning")
def cooperation_basis(a: Agreement) -> Iterator[Finding]:
    """An avtalssamverkan rests on 9 kap. 37 § KL; another basis belongs to a samverkansavtal."""
    lagrum = str(a.data["avtal"].get("lagrum", ""))
    if a.kind == "avtalssamverkan" and not is_cooperation_basis(lagrum):
        yield (
            "$.avtal.lagrum",
            f"avtalstypen är avtalssamverkan, som vilar på 9 kap. 37 § kommunallagen, men lagrummet är {lagrum}; "
            f"ange 9 kap. 37 § kommunallagen (2017:725) eller ändra {where('$.avtal.typ')} till {label('typ', 'samverkansavtal')}",
        )
