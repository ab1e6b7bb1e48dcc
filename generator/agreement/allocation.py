"""The cost split between the payers: the key's basis, a price per unit (from the cost or the cap), rows to the öre."""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from .facts import Facts
from .money import ORE, has_ore, largest_remainder
from .thresholds import ThresholdValue

RATE_PRECISION = Decimal("0.0001")
# Shares are shown with one decimal, rounded so that the shown shares add up to exactly 100,0 %.
SHARE_PRECISION = Decimal("0.1")
UNITS = {"invanare": "invånare", "anvandare": "användare", "andel": "procent", "lika": "lika delar"}
KEY_FIELDS = {"invanare": "invanare", "anvandare": "anvandare", "andel": "andel_procent"}


def basis(facts: Facts, key: str, payers: list[tuple[int, dict[str, Any]]]) -> list[Decimal]:
    """Each payer's weight under ``key`` (inhabitants, users, agreed share, or 1 for equal parts); a gap is a problem."""
    weights: list[Decimal] = []
    for index, p in payers:
        field = KEY_FIELDS.get(key)
        if field is None:
            weights.append(Decimal(1))
        elif field in p:
            weights.append(Decimal(str(p[field])))
        else:
            facts.fail(f"$.parter[{index}].{field}", f"saknas; behövs när kostnaden fördelas efter {UNITS[key]}")
            weights.append(Decimal(0))
    return weights


def split_over_period(total_year: Decimal, weights: list[Decimal], months: int) -> tuple[list[Decimal], list[Decimal]]:
    """A yearly amount split by ``weights`` per year and over ``months``, each column summing exactly to its total."""
    per_year = largest_remainder(total_year, weights)
    if months % 12 == 0:
        return per_year, [amount * (months // 12) for amount in per_year]
    total_period = (total_year * months / 12).quantize(ORE, rounding=ROUND_HALF_UP)
    return per_year, largest_remainder(total_period, weights)


def _cap_price(facts: Facts, payers: list[tuple[int, dict[str, Any]]], weights: list[Decimal], troskel: ThresholdValue,
               other: dict[str, Decimal], years: Decimal) -> Decimal | None:
    """The highest price at which every payer that is not the performer stays within the cap over the period,
    counting what it pays besides this allocation (support, other fees) over the same period."""
    performers = facts.performers()
    limits = [
        max(Decimal(troskel.belopp) - other.get(p["id"], Decimal(0)), Decimal(0)) / weight / years
        for (_, p), weight in zip(payers, weights, strict=True)
        if weight > 0 and p["id"] not in performers
    ]
    return min(limits) if limits else None


def _yearly_total(facts: Facts, weights: list[Decimal], troskel: ThresholdValue | None, other: dict[str, Decimal],
                  months: int, payers: list[tuple[int, dict[str, Any]]]) -> dict[str, Any] | None:
    """The yearly amount to split, and the price per unit when the model has one (from the cost, or the cap if lower)."""
    ekonomi = facts.ekonomi
    cost: Any = ekonomi.get("kostnad_ar", ekonomi.get("ersattning_ar"))
    total_weight = sum(weights, Decimal(0))
    result: dict[str, Any] = {"kostnad": cost, "pris": None, "bindande": False, "avrundat": False}
    if ekonomi["modell"] not in ("per_invanare", "per_anvandare") or ekonomi["fordelning"]["nyckel"] not in ("invanare", "anvandare"):
        if cost is None:
            facts.fail("$.ekonomi.kostnad_ar", "ange kostnaden per år som ska fördelas")
            return None
        return result | {"total_ar": Decimal(cost)}
    from_cost = Decimal(cost) / total_weight if cost is not None else None
    from_cap = _cap_price(facts, payers, weights, troskel, other, Decimal(months) / 12) if troskel is not None else None
    if from_cost is None and from_cap is None:
        facts.fail("$.ekonomi.kostnad_ar", "ange kostnaden per år eller ett tak, så att priset per enhet kan räknas ut")
        return None
    if from_cap is not None and (from_cost is None or from_cap < from_cost):
        price = from_cap.quantize(RATE_PRECISION, rounding=ROUND_DOWN)
        return result | {"pris": price, "bindande": True, "total_ar": (price * total_weight).quantize(ORE, rounding=ROUND_HALF_UP)}
    assert from_cost is not None
    price = from_cost.quantize(ORE, rounding=ROUND_HALF_UP)
    return result | {"pris": price, "avrundat": price != from_cost, "total_ar": Decimal(cost)}


def allocation(facts: Facts, months: int | None, troskel: ThresholdValue | None, other: dict[str, Decimal],
               period_problem: Any) -> dict[str, Any] | None:
    """The cost split between the payers, every column summing exactly to the amount it allocates.

    ``other`` is what each party pays besides this allocation over the period (support, other fees), which counts
    against the cap; ``period_problem`` reports a period that cannot be counted.
    """
    fordelning = facts.ekonomi.get("fordelning")
    if not fordelning:
        return None
    key = fordelning["nyckel"]
    payers = facts.payers()
    if months is None:
        period_problem()
        return None
    if not payers:
        return None
    weights = basis(facts, key, payers)
    total_weight = sum(weights, Decimal(0))
    if total_weight <= 0:
        if not facts.problems:
            facts.fail("$.ekonomi.fordelning.nyckel", "underlaget för fördelningen summerar till noll")
        return None
    total = _yearly_total(facts, weights, troskel, other, months, payers)
    if total is None:
        return None
    per_year, per_period = split_over_period(total["total_ar"], weights, months)
    return {
        "nyckel": key,
        "enhet": UNITS[key],
        "underlag_datum": fordelning.get("underlag_datum"),
        "period_ar": months // 12 if months % 12 == 0 else None,
        "period_manader": months,
        "kostnad_ar": Decimal(total["kostnad"]) if total["kostnad"] is not None else None,
        "pris_per_enhet_ar": total["pris"],
        "pris_bindande": total["bindande"],
        "pris_avrundat": total["avrundat"],
        "tak_per_part": troskel.belopp if troskel else None,
        "kommentar": fordelning.get("kommentar"),
        "rader": _rows(facts, key, payers, weights, per_year, per_period),
        "summa_underlag": int(total_weight) if key in ("invanare", "anvandare") else None,
        "summa_ar": sum(per_year, Decimal(0)),
        "summa_period": sum(per_period, Decimal(0)),
        "ore_ar": any(has_ore(a) for a in per_year),
        "ore_period": any(has_ore(a) for a in per_period),
    }


def _rows(facts: Facts, key: str, payers: list[tuple[int, dict[str, Any]]], weights: list[Decimal],
          per_year: list[Decimal], per_period: list[Decimal]) -> list[dict[str, Any]]:
    total_weight = sum(weights, Decimal(0))
    shown_shares = largest_remainder(Decimal(100), weights, SHARE_PRECISION)
    performers = facts.performers()
    return [
        {
            "id": p["id"],
            "namn": p["namn"],
            "organisationsnummer": p["organisationsnummer"],
            "underlag": int(weight) if key in ("invanare", "anvandare") else None,
            "andel_procent": weight / total_weight * 100,
            "andel_visad": share,
            "belopp_ar": year,
            "belopp_period": period,
            "utforare": p["id"] in performers,
            "inom_tak": None,
        }
        for (_, p), weight, share, year, period in zip(payers, weights, shown_shares, per_year, per_period, strict=True)
    ]
