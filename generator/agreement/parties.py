"""Who the agreement names where: party references outside ``parter``, payers, controllers and the processor."""

from __future__ import annotations

from typing import Any

from ..errors import Problem


def party_references(data: dict[str, Any]) -> list[tuple[str, str]]:
    """Every party id the agreement refers to outside ``parter``, with its JSON path."""
    refs: list[tuple[str, str]] = []
    for n, task in enumerate(data.get("uppgifter", [])):
        refs.append((f"$.uppgifter[{n}].utforare", task["utforare"]))
        refs.extend((f"$.uppgifter[{n}].mottagare[{m}]", r) for m, r in enumerate(task["mottagare"]))
    ekonomi = data.get("ekonomi") or {}
    fordelning = ekonomi.get("fordelning") or {}
    refs.extend((f"$.ekonomi.fordelning.betalande[{n}]", r) for n, r in enumerate(fordelning.get("betalande", [])))
    for n, fee in enumerate(ekonomi.get("avgifter", [])):
        refs.extend((f"$.ekonomi.avgifter[{n}].betalande[{m}]", r) for m, r in enumerate(fee.get("betalande", [])))
    delegering = data.get("extern_delegering") or {}
    if delegering.get("forekommer") and "mottagare_part" in delegering:
        refs.append(("$.extern_delegering.mottagare_part", delegering["mottagare_part"]))
    if delegering.get("forekommer"):
        refs.extend((f"$.extern_delegering.namnder[{n}].part", row["part"]) for n, row in enumerate(delegering.get("namnder", [])))
    pu = data.get("personuppgifter") or {}
    refs.extend((f"$.personuppgifter.ansvarig[{n}]", r) for n, r in enumerate(pu.get("ansvarig", [])))
    if "bitrade" in pu:
        refs.append(("$.personuppgifter.bitrade", pu["bitrade"]))
    refs.extend((f"$.personuppgifter.organ[{n}].part", row["part"]) for n, row in enumerate(pu.get("organ", [])))
    return refs


def unknown_parties(data: dict[str, Any], file: str) -> list[Problem]:
    """One problem for each reference to a party id that is not in ``parter`` (the only place this is decided)."""
    known = [p["id"] for p in data["parter"]]
    return [
        Problem(file, place, f"det finns ingen part med id \"{party_id}\"; ange ett av: {', '.join(known)}")
        for place, party_id in party_references(data)
        if party_id not in known
    ]


def payer_ids(data: dict[str, Any]) -> list[str]:
    """The parties that share the cost: ``ekonomi.fordelning.betalande``, else every commissioning party."""
    fordelning = (data.get("ekonomi") or {}).get("fordelning") or {}
    return list(fordelning.get("betalande") or [p["id"] for p in data["parter"] if p.get("roll") == "uppdragsgivare"])


def controller_ids(data: dict[str, Any]) -> list[str]:
    """The controllers: ``personuppgifter.ansvarig``, else every commissioning party."""
    pu = data.get("personuppgifter") or {}
    return list(pu.get("ansvarig") or [p["id"] for p in data["parter"] if p.get("roll") == "uppdragsgivare"])


def processor_id(data: dict[str, Any]) -> str | None:
    """The processor: ``personuppgifter.bitrade``, else the first performing party, or None when there is none."""
    pu = data.get("personuppgifter") or {}
    if "bitrade" in pu:
        return str(pu["bitrade"])
    return next((p["id"] for p in data["parter"] if p.get("roll") == "uppdragstagare"), None)
