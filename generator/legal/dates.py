"""Rules on dates: the term, payment start, decisions before signing and the notice period."""

from __future__ import annotations

from collections.abc import Iterator

from ..agreement.compute import add_months
from ..agreement.filters import manader
from ..agreement.labels import where
from ..kinds import FULL_KINDS
from .common import _date
from .registry import Agreement, Finding, rule


@rule("datum.avtalstid")
def term_order(a: Agreement) -> Iterator[Finding]:
    """The term starts before it ends."""
    tid = a.data["avtalstid"]
    start, end = _date(tid["start"]), _date(tid.get("slut"))
    if start and end and end <= start:
        yield "$.avtalstid.slut", f"slutdatum {end} ligger inte efter startdatum {start}; rätta datumen"


@rule("datum.betalning_fran")
def payment_start(a: Agreement) -> Iterator[Finding]:
    """The payment model starts within the term."""
    tid = a.data["avtalstid"]
    start, end, payment = _date(tid["start"]), _date(tid.get("slut")), _date(tid.get("betalning_fran"))
    if not (start and payment):
        return
    if payment < start:
        yield (
            "$.avtalstid.betalning_fran",
            f"{payment} ligger före avtalets start {start}; betalningen kan börja tidigast då avtalet börjar gälla",
        )
    elif end and payment > end:
        yield "$.avtalstid.betalning_fran", f"{payment} ligger efter avtalets slut {end}; ange ett datum inom avtalstiden"


@rule("datum.beslut")
def decisions_before_signing(a: Agreement) -> Iterator[Finding]:
    """Each party's authorising decision is taken on or before the agreement date."""
    signed = _date(a.data["avtal"]["datum"])
    for i, party in enumerate(a.parties):
        decided = _date((party.get("beslut") or {}).get("datum"))
        if signed and decided and decided > signed:
            yield (
                f"$.parter[{i}].beslut.datum",
                f"beslutet ({decided}) är fattat efter avtalsdatum {signed}; avtalet kan bara ingås med stöd av ett fattat beslut, "
                f"rätta beslutsdatum eller avtalsdatum ({where('$.avtal.datum')})",
            )


@rule("datum.uppsagningstid")
def notice_period(a: Agreement) -> Iterator[Finding]:
    """The notice period is positive and, when the term ends, shorter than the term (when the agreement can be ended early)."""
    if a.kind not in FULL_KINDS or (a.kind == "interimsavtal" and not (a.data.get("interim") or {}).get("fortida_uppsagning")):
        return
    months = a.data["uppsagning"]["manader"]
    if months < 1:
        yield "$.uppsagning.manader", f"uppsägningstiden {manader(months)} måste vara minst en månad"
        return
    tid = a.data["avtalstid"]
    start, end = _date(tid["start"]), _date(tid.get("slut"))
    if start and end and end > start and add_months(start, months) > end:
        yield (
            "$.uppsagning.manader",
            f"uppsägningstiden {manader(months)} är inte kortare än avtalstiden {start} – {end}; "
            "förkorta uppsägningstiden eller förläng avtalstiden",
        )
