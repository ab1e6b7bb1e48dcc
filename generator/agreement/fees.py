"""Other fees under the agreement (``ekonomi.avgifter``): each split between its payers per year or once, to the öre."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .allocation import basis, split_over_period
from .facts import Facts
from .money import has_ore, largest_remainder
from .text import join_names

# How a fee is split, as the agreement says it; "som_kostnaden" follows the allocation's key (ekonomi.fordelning.nyckel).
KEY_WORDS = {"invanare": "antalet invånare", "anvandare": "antalet användare", "andel": "de avtalade andelarna"}


def fees(facts: Facts, months: int | None) -> dict[str, Any] | None:
    """Every fee in ``ekonomi.avgifter`` with what each of its payers pays per year and over the period."""
    specs = facts.ekonomi.get("avgifter") or []
    if not specs:
        return None
    rows = [fee for n, spec in enumerate(specs) if (fee := _fee(facts, n, spec, months)) is not None]
    return {"rader": rows, "per_ar": any(fee["per_ar"] for fee in rows)}


def _weights(facts: Facts, place: str, spec: dict[str, Any], payers: list[tuple[int, dict[str, Any]]]) -> tuple[Decimal, list[Decimal]] | None:
    """The total to split in a year (or once) and each payer's weight, by the fee's ``fordelning``."""
    amount = Decimal(spec["belopp"])
    if spec["fordelning"] == "per_part":
        return amount * len(payers), [Decimal(1)] * len(payers)
    if spec["fordelning"] == "lika":
        return amount, [Decimal(1)] * len(payers)
    main = facts.ekonomi.get("fordelning")
    if not main:
        facts.fail(
            f"{place}.fordelning",
            f"avgiften \"{spec['benamning']}\" ska fördelas som kostnaden, men avtalet har ingen kostnadsfördelning "
            "(ekonomi.fordelning); välj per_part eller lika, eller ange hur kostnaden fördelas",
        )
        return None
    weights = basis(facts, main["nyckel"], payers)
    return (amount, weights) if sum(weights, Decimal(0)) > 0 else None


def _how_paid(spec: dict[str, Any], names: list[str], key: str | None) -> str:
    """How the fee is paid, as the rest of a sentence: "betalas av var och en av A och B", "fördelas lika mellan …"."""
    if len(names) == 1:
        return f"betalas av {names[0]}"
    if spec["fordelning"] == "per_part":
        return f"betalas av var och en av {join_names(names)}"
    if spec["fordelning"] == "lika" or key not in KEY_WORDS:
        return f"fördelas lika mellan {join_names(names)}"
    return f"fördelas mellan {join_names(names)} efter {KEY_WORDS[key]}, på samma sätt som kostnaden"


def _fee(facts: Facts, n: int, spec: dict[str, Any], months: int | None) -> dict[str, Any] | None:
    place = f"$.ekonomi.avgifter[{n}]"
    payers = facts.payers(spec.get("betalande"))
    if not payers:
        if not spec.get("betalande"):
            facts.fail(f"{place}.betalande", f"avgiften \"{spec['benamning']}\" har ingen betalande part; ange vilka parter som betalar den")
        return None
    split = _weights(facts, place, spec, payers)
    if split is None:
        return None
    total, weights = split
    yearly = spec["avser"] == "ar"
    none: list[Decimal | None] = [None] * len(payers)
    per_year: list[Decimal | None] = none
    per_period: list[Decimal | None] = none
    if not yearly:
        per_period = [*largest_remainder(total, weights)]
    elif months is None:
        per_year = [*largest_remainder(total, weights)]
    else:
        year_column, period_column = split_over_period(total, weights, months)
        per_year, per_period = [*year_column], [*period_column]
    rows = [
        {"id": p["id"], "namn": p["namn"], "belopp_ar": year, "belopp_period": period}
        for (_, p), year, period in zip(payers, per_year, per_period, strict=True)
    ]
    benamning = spec["benamning"]
    main_key = (facts.ekonomi.get("fordelning") or {}).get("nyckel")
    return {
        "nummer": n,
        "plats": place,
        "benamning": benamning,
        "rubrik": benamning[:1].upper() + benamning[1:],
        "beskrivning": spec.get("beskrivning"),
        "belopp": Decimal(spec["belopp"]),
        "per_ar": yearly,
        "fordelning": spec["fordelning"],
        "betalas": _how_paid(spec, [p["namn"] for _, p in payers], main_key),
        "annat_avtal": spec.get("annat_avtal"),
        "rader": rows,
        "summa_ar": _sum(per_year),
        "summa_period": _sum(per_period),
        "ore": any(has_ore(a) for a in [*per_year, *per_period] if a is not None),
    }


def _sum(amounts: list[Decimal | None]) -> Decimal | None:
    return None if any(a is None for a in amounts) else sum((a for a in amounts if a is not None), Decimal(0))
