"""What each party pays under the agreement: support per user, and every payment summed per party against the cap."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .facts import Facts
from .labels import where
from .money import ORE, has_ore
from .periods import add_months
from .thresholds import ThresholdValue

SUPPORT = "avgiften för support och förvaltning"


def support(facts: Facts, months: int | None) -> dict[str, Any] | None:
    """Central support charged per user: the price per user and what each commissioning party with users pays."""
    spec = facts.ekonomi.get("support")
    if not spec:
        return None
    exact = Decimal(spec["kostnad_ar"]) / spec["anvandare_totalt"]
    price = exact.quantize(ORE, rounding=ROUND_HALF_UP)
    rows = []
    for p in facts.with_role("uppdragsgivare"):
        if "anvandare" not in p:
            continue
        year = price * p["anvandare"]
        period = (year * months / 12).quantize(ORE, rounding=ROUND_HALF_UP) if months else None
        rows.append({"id": p["id"], "namn": p["namn"], "anvandare": p["anvandare"], "belopp_ar": year, "belopp_period": period})
    if not rows:
        facts.fail("$.ekonomi.support", f"ingen uppdragsgivare har angett antal användare ({where('$.parter[].anvandare')})")
    return {
        "kostnad_ar": Decimal(spec["kostnad_ar"]),
        "anvandare_totalt": spec["anvandare_totalt"],
        "pris_per_anvandare_ar": price,
        "pris_avrundat": price != exact,
        "beskrivning": spec.get("beskrivning"),
        "annat_avtal": spec.get("annat_avtal"),
        "rader": rows,
        "summa_anvandare": sum(r["anvandare"] for r in rows),
        "summa_ar": sum((r["belopp_ar"] for r in rows), Decimal(0)),
        "ore": any(has_ore(r["belopp_ar"]) for r in rows),
    }


def counted_fees(support_: dict[str, Any] | None, fees: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The payments besides the allocation that count against the cap: support and each fee not under another agreement."""
    counted = []
    if support_ is not None and not support_.get("annat_avtal"):
        counted.append({"benamning": SUPPORT, "plats": "$.ekonomi.support", "rader": support_["rader"], "support": True})
    counted.extend(fee | {"support": False} for fee in (fees or {}).get("rader", []) if not fee.get("annat_avtal"))
    return counted


def other_payments(support_: dict[str, Any] | None, fees: dict[str, Any] | None) -> dict[str, Decimal]:
    """What each party pays over the period besides the allocation and that counts against the cap."""
    other: dict[str, Decimal] = {}
    for payment in counted_fees(support_, fees):
        for row in payment["rader"]:
            if row["belopp_period"] is not None:
                other[row["id"]] = other.get(row["id"], Decimal(0)) + row["belopp_period"]
    return other


def _outside(support_: dict[str, Any] | None, fees: dict[str, Any] | None) -> list[dict[str, str]]:
    """The payments under another agreement, which the cap does not cover; the text names them."""
    outside = []
    if support_ is not None and support_.get("annat_avtal"):
        outside.append({"vad": SUPPORT[:1].upper() + SUPPORT[1:], "annat_avtal": support_["annat_avtal"]})
    outside.extend({"vad": fee["rubrik"], "annat_avtal": fee["annat_avtal"]} for fee in (fees or {}).get("rader", []) if fee.get("annat_avtal"))
    return outside


def _party_row(facts: Facts, p: dict[str, Any], use: Decimal | None, counted: list[dict[str, Any]],
               troskel: ThresholdValue | None) -> dict[str, Any]:
    """One party's payments over the period: allocation, support, each other fee, the total and its cap."""
    parts = [
        {"benamning": payment["benamning"], "plats": payment["plats"], "support": payment["support"], "belopp_period": row["belopp_period"]}
        for payment in counted for row in payment["rader"] if row["id"] == p["id"]
    ]
    support_part = next((x["belopp_period"] for x in parts if x["support"]), None)
    fee_parts = [{key: x[key] for key in ("benamning", "plats", "belopp_period")} for x in parts if not x["support"]]
    fee_total = sum((x["belopp_period"] or Decimal(0) for x in fee_parts), Decimal(0)) if fee_parts else None
    total = (use or Decimal(0)) + (support_part or Decimal(0)) + (fee_total or Decimal(0))
    performer = p["id"] in facts.performers()
    cap = troskel.belopp if troskel is not None and not performer else None
    return {
        "id": p["id"],
        "namn": p["namn"],
        "fordelning_period": use,
        "support_period": support_part,
        "avgifter_period": fee_total,
        "avgifter": fee_parts,
        "summa_period": total,
        "utforare": performer,
        "tak": cap,
        "inom_tak": None if cap is None else total < cap,
    }


def totals(facts: Facts, fordelning: dict[str, Any] | None, support_: dict[str, Any] | None, fees: dict[str, Any] | None,
           troskel: ThresholdValue | None, months: int | None) -> dict[str, Any]:
    """Everything each party pays under the agreement over the period, summed, and held against the cap.

    The cap is about what a buyer pays under the contract (5 kap. LOU on a contract's value), so support and every
    other fee count unless paid under another agreement (``annat_avtal``). The performer has no cap.
    """
    allocated = {r["id"]: r["belopp_period"] for r in (fordelning or {}).get("rader", [])}
    counted = counted_fees(support_, fees)
    paying = set(allocated) | {row["id"] for payment in counted for row in payment["rader"]}
    rows = [_party_row(facts, p, allocated.get(p["id"]), counted, troskel) for p in facts.data["parter"] if p["id"] in paying]
    covers = ["den kostnad som fördelas enligt kostnadsfördelningen"] if fordelning is not None else []
    covers.extend(payment["benamning"] for payment in counted)
    for row in (fordelning or {}).get("rader", []):
        row["inom_tak"] = next((r["inom_tak"] for r in rows if r["id"] == row["id"]), None)
    amounts = [a for r in rows for a in (r["fordelning_period"], r["support_period"], r["avgifter_period"], r["summa_period"]) if a is not None]
    tid = facts.data["avtalstid"]
    first = dt.date.fromisoformat(tid.get("betalning_fran", tid["start"]))
    return {
        "period_manader": months,
        "period_start": first.isoformat(),
        "period_slut": (add_months(first, months) - dt.timedelta(days=1)).isoformat() if months else None,
        "rader": rows,
        "omfattar": covers,
        "utanfor": _outside(support_, fees),
        "avgifter": any(r["avgifter_period"] is not None for r in rows),
        "utan_tak": [p for p in facts.with_role("uppdragstagare") if p["id"] in paying],
        "tak": troskel.belopp if troskel is not None else None,
        "alla_inom": all(r["inom_tak"] is not False for r in rows),
        "ore": any(has_ore(a) for a in amounts),
    }
