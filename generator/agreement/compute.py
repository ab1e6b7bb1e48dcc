"""Compute stage: the rendering context, with shares, amounts, periods and dates worked out from the data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ..errors import ComputeError, ThresholdError
from ..kinds import KINDS
from ..paths import COST_FILE, PUB_FILE
from .allocation import allocation
from .facts import Facts
from .fees import fees
from .filters import kr
from .labels import where
from .organs import delegation, is_cooperation_basis, supplement_parties
from .parties import controller_ids as controller_ids  # the public API of the compute stage, used by legal/
from .parties import party_references as party_references
from .parties import payer_ids as payer_ids
from .parties import processor_id as processor_id
from .parties import unknown_parties as unknown_parties
from .payments import other_payments, support, totals
from .periods import add_months as add_months  # legal/dates imports it from here
from .periods import earliest_end, whole_months
from .sections import annexes, changes, delegation_receiver, processor_annex, tasks
from .text import join_names as join_names
from .text import paragraphs, short_title
from .thresholds import Thresholds, ThresholdValue

OPTIONAL_SECTIONS = ("forsakring", "upphovsratt", "personal")


def build_context(data: dict[str, Any], thresholds: Thresholds, file: str) -> dict[str, Any]:
    """The full template context for schema-valid ``data`` with defaults applied (documented for authors in docs/falt.md)."""
    berakning = _compute(Facts(data, file), thresholds)
    context = {key: data.get(key) for key in OPTIONAL_SECTIONS}
    context.update({key: value for key, value in data.items() if key != "$schema"})
    context["berakning"] = berakning
    return context


def threshold_day(data: dict[str, Any]) -> dt.date:
    """The day whose threshold value applies: the cap's own date, else the agreement date."""
    tak = (data.get("ekonomi") or {}).get("tak") or {}
    return dt.date.fromisoformat(tak.get("datum", data["avtal"]["datum"]))


def _money(facts: Facts, thresholds: Thresholds, months: int | None) -> dict[str, Any]:
    """The money part of ``berakning``: the cap's threshold, support, other fees, the allocation and the totals."""
    troskel = _threshold(facts, thresholds)
    if troskel is not None and months is None and not facts.ekonomi.get("fordelning"):
        _period_problem(facts)
    if troskel is not None:
        _unallocated_pay_problem(facts)
    support_ = support(facts, months)
    fees_ = fees(facts, months)
    fordelning = allocation(facts, months, troskel, other_payments(support_, fees_), lambda: _period_problem(facts))
    paying = fordelning or support_ or fees_ or troskel
    return {
        "troskel": _threshold_dict(troskel, threshold_day(facts.data)) if troskel else None,
        "fordelning": fordelning,
        "support": support_,
        "avgifter": fees_,
        "betalningar": totals(facts, fordelning, support_, fees_, troskel, months) if paying else None,
    }


def _compute(facts: Facts, thresholds: Thresholds) -> dict[str, Any]:
    """``berakning`` for one agreement, collecting every problem before failing."""
    data = facts.data
    period = _term(facts)
    months = period["manader_berakning"]
    money = _money(facts, thresholds, months)
    pub = processor_annex(facts)
    andringar, new_annexes = changes(facts)
    has_cost = money["fordelning"] is not None or money["avgifter"] is not None
    bilagor, numbers = annexes(facts, pub is not None, has_cost, new_annexes)
    for change in andringar:
        change["bilaga_nummer"] = next((b["nummer"] for b in bilagor if change["bilaga"] and b["titel"] == change["bilaga"]), None)
    ersattning_ar = facts.ekonomi.get("ersattning_ar")
    if facts.problems:
        raise ComputeError(facts.problems)
    return money | {
        "rubrik": KINDS[data["avtal"]["typ"]].heading,
        "kort_titel": short_title(data["avtal"]["titel"]),
        "bakgrund": paragraphs(data["avtal"].get("bakgrund")),
        "parter_namn": join_names([p["namn"] for p in data["parter"]]),
        "uppdragsgivare": facts.with_role("uppdragsgivare"),
        "uppdragstagare": facts.with_role("uppdragstagare"),
        "uppgifter": tasks(facts),
        "delegering_mottagare": delegation_receiver(facts),
        "delegering": delegation(data),
        "lagrum_avtalssamverkan": is_cooperation_basis(data["avtal"]["lagrum"]),
        "tillagg": supplement_parties(data),
        "avtalstid": period["avtalstid"],
        "kostnad": _cost(facts, money["fordelning"], numbers.get(COST_FILE)),
        "ersattning_period": (Decimal(ersattning_ar) * months / 12) if ersattning_ar is not None and months else None,
        "pub": pub,
        "andringar": andringar,
        "bilagor": bilagor,
        "pub_bilaga": numbers.get(PUB_FILE),
        "kostnad_bilaga": numbers.get(COST_FILE),
        "betalare": _payer_phrase(facts, numbers.get(COST_FILE)),
        "exemplar": data["underskrifter"].get("exemplar", len(data["parter"])),
    }


def _payer_phrase(facts: Facts, annex: int | None) -> dict[str, str]:
    """Who pays the performer, as the compensation clause's subject, and each one's share where the cost is split.

    The agreement says that what it says of "uppdragsgivaren" applies to each of several; a sentence where each of
    several pays "uppdragstagarens faktiska kostnader" would then make each of them owe all of it. A performer that
    bears a share of the cost does not pay itself, so it is not among the subjects.
    """
    payers = [party for _, party in facts.payers()]
    paying = [p for p in payers if p["id"] not in facts.performers()]
    commissioning = {p["id"] for p in facts.with_role("uppdragsgivare")}
    split = annex is not None and len(payers) > 1
    where = f" enligt bilaga {annex}" if annex is not None else ""
    if len(paying) <= 1:
        subject = "Uppdragsgivaren" if not paying or {paying[0]["id"]} == commissioning else paying[0]["namn"]
        return {"subjekt": subject, "andel": f", med sin andel{where}," if split else ""}
    subject = "Uppdragsgivarna" if {p["id"] for p in paying} == commissioning else "De betalande parterna"
    return {"subjekt": subject, "andel": f", var och en med sin andel{where}," if split else ""}


def _term(facts: Facts) -> dict[str, Any]:
    """The agreement term and the period (in months) over which costs are counted, or None when it cannot be."""
    tid = facts.data["avtalstid"]
    start = dt.date.fromisoformat(tid["start"])
    end = dt.date.fromisoformat(tid["slut"]) if "slut" in tid else None
    notice = facts.data["uppsagning"]
    months = whole_months(start, end) if end else None
    years = months // 12 if months and months % 12 == 0 else None
    if "berakningsperiod_ar" in facts.ekonomi:
        period: int | None = facts.ekonomi["berakningsperiod_ar"] * 12
    else:
        period = facts.ekonomi.get("berakningsperiod_manader", months)
    return {
        "manader_berakning": period,
        "avtalstid": {
            "start": tid["start"],
            "slut": tid.get("slut"),
            "tillsvidare": end is None,
            "ar": years,
            "manader": months,
            "betalning_fran": tid.get("betalning_fran"),
            "tidigaste_upphorande": earliest_end(start, notice["manader"], notice["vid_arsskifte"], end).isoformat(),
            "forlangning_ar": tid.get("forlangning", {}).get("ar"),
        },
    }


def _threshold(facts: Facts, thresholds: Thresholds) -> ThresholdValue | None:
    tak = facts.ekonomi.get("tak")
    if not tak:
        return None
    try:
        return thresholds.value(tak["troskel"], threshold_day(facts.data), "$.ekonomi.tak.troskel", facts.file)
    except ThresholdError as e:
        facts.problems.extend(e.problems)
        return None


def _period_problem(facts: Facts) -> None:
    tid = facts.data["avtalstid"]
    if "slut" not in tid:
        facts.fail(
            "$.ekonomi.berakningsperiod_ar",
            "avtalet gäller tills vidare, så kostnaderna kan inte räknas över avtalstiden; ange beräkningsperioden "
            f"i {where('$.ekonomi.berakningsperiod_ar')} (hela år) eller {where('$.ekonomi.berakningsperiod_manader')} (månader)",
        )
    else:
        facts.fail(
            "$.ekonomi.berakningsperiod_manader",
            f"avtalstiden {tid['start']} – {tid['slut']} är inte ett helt antal månader; ange beräkningsperioden "
            f"i {where('$.ekonomi.berakningsperiod_manader')}, till exempel 5 för fem månader",
        )


def _unallocated_pay_problem(facts: Facts) -> None:
    """A cap counts what each payer pays, so a yearly compensation or cost needs to say who pays it (``fordelning``)."""
    for field in ("ersattning_ar", "kostnad_ar"):
        if field in facts.ekonomi and not facts.ekonomi.get("fordelning"):
            facts.fail(
                "$.ekonomi.fordelning",
                f"avtalet har ett tak ({where('$.ekonomi.tak')}) och {kr(facts.ekonomi[field])} per år i {where(f'$.ekonomi.{field}')}, men "
                "ingen kostnadsfördelning; taket gäller allt som varje betalande part betalar, så ange vem som betalar "
                f"beloppet i {where('$.ekonomi.fordelning')} (till exempel att kostnaden delas lika eller efter andel, och de betalande parterna) "
                "eller ta bort taket",
            )
            return


def _cost(facts: Facts, fordelning: dict[str, Any] | None, annex: int | None) -> dict[str, Any] | None:
    """What the yearly amount in ``ekonomi.kostnad_ar`` is, said in words the document can stand behind."""
    cost = facts.ekonomi.get("kostnad_ar")
    if cost is None:
        return None
    label = facts.ekonomi.get("kostnad_benamning")
    if label:
        benamning = label[:1].upper() + label[1:]
    elif fordelning is not None and annex is not None and fordelning["summa_ar"] == cost:
        benamning = f"Den kostnad som fördelas enligt bilaga {annex}"
    else:
        benamning = "Den beräknade kostnaden för uppgifterna"
    return {"benamning": benamning, "belopp_ar": Decimal(cost)}


def _threshold_dict(value: ThresholdValue, day: dt.date) -> dict[str, Any]:
    return {
        "datum": day.isoformat(),
        "namn": value.namn,
        "benamning": value.benamning,
        "belopp": value.belopp,
        "fran": value.fran.isoformat(),
        "till": value.till.isoformat() if value.till else None,
        "kalla": value.kalla,
    }
