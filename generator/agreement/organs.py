"""Who decides and who answers: the delegating committees, the data controllers' organs and the agreement's legal basis."""

from __future__ import annotations

import re
from typing import Any

from .filters import swedish_list as join_names

# The legal basis of avtalssamverkan: 9 kap. 37 § kommunallagen (2017:725), written out or as KL.
_COOPERATION_BASIS = re.compile(r"9\s*kap\.?\s*37\s*§\s*(kommunallagen|KL\b|\(2017:725\))", re.IGNORECASE)


def is_cooperation_basis(lagrum: str) -> bool:
    """True when the legal basis is 9 kap. 37 § kommunallagen (avtalssamverkan)."""
    return bool(_COOPERATION_BASIS.search(lagrum))


def delegation(data: dict[str, Any]) -> dict[str, Any] | None:
    """The committees that may delegate under the agreement, with their parties' names and decisions; None without delegation."""
    delegering = data.get("extern_delegering") or {}
    if not delegering.get("forekommer"):
        return None
    parties = {p["id"]: p for p in data["parter"]}
    committees = [
        {
            "part": row["part"],
            "part_namn": parties.get(row["part"], {}).get("namn", ""),
            "namnd": row["namnd"],
            "beslut": row.get("beslut"),
        }
        for row in delegering.get("namnder", [])
    ]
    return {
        "namnder": committees,
        "namnder_namn": join_names([c["namnd"] for c in committees]),
        "flera": len(committees) > 1,
    }


def controller_organs(data: dict[str, Any], controller_ids: list[str]) -> list[dict[str, Any]]:
    """Each controller party with the organ that is the controller (``personuppgifter.organ``), else the party itself."""
    parties = {p["id"]: p for p in data["parter"]}
    organs = {row["part"]: row["organ"] for row in (data.get("personuppgifter") or {}).get("organ", [])}
    return [
        {"namn": organs.get(party_id, parties[party_id]["namn"]), "organ": party_id in organs, "part": parties[party_id]}
        for party_id in controller_ids
        if party_id in parties
    ]


def supplement_parties(data: dict[str, Any]) -> dict[str, Any] | None:
    """For a tilläggsavtal: the main agreement's parties, those joining through the supplement, and whether it binds only some."""
    avtal = data["avtal"]
    if avtal["typ"] != "tillaggsavtal":
        return None
    existing = [p for p in data["parter"] if "ansluter_fran" not in p]
    joining = [{"namn": p["namn"], "fran": p["ansluter_fran"]} for p in data["parter"] if "ansluter_fran" in p]
    main = avtal.get("huvudavtal") or {}
    partial = main.get("endast_mellan_parterna") is True or main.get("antal_parter", 0) > len(existing)
    return {
        "befintliga_namn": join_names([p["namn"] for p in existing]),
        "befintliga_antal": len(existing),
        "anslutande": joining,
        "endast_mellan_parterna": partial,
    }


COST_ANNEX = "Kostnadsfördelning"
# "bilaga 2 (Sortiment)": the number of a main agreement's annex that a change names.
_ANNEX_NUMBER = re.compile(r"\bbilaga\s+(\d+)\b", re.IGNORECASE)


def annex_number(text: str) -> int | None:
    """The annex number a change's ``avser`` names (``bilaga 2 (Sortiment)`` gives 2), or None."""
    found = _ANNEX_NUMBER.search(text)
    return int(found.group(1)) if found else None


def annex_title(change: dict[str, Any]) -> str | None:
    """The title of the annex a change brings: the generated cost annex for a change of the cost allocation."""
    if change["atgard"] != "ersatts_av_bilaga":
        return None
    return COST_ANNEX if change.get("kostnadsfordelning") is True else change.get("bilaga")


def number_supplement_annexes(annexes: list[dict[str, Any]], changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A supplement's annexes numbered so that no number means two annexes.

    An annex that replaces a main agreement's annex keeps that annex's number (``ersatter`` names it); the supplement's other
    annexes take the lowest numbers that no change refers to. Returns the annexes in number order.
    """
    replaced = {annex_title(c): (annex_number(c["avser"]), c["avser"]) for c in changes
                if c["atgard"] == "ersatts_av_bilaga" and annex_title(c) and annex_number(c["avser"]) is not None}
    taken = {n for n in (annex_number(c["avser"]) for c in changes) if n is not None}
    free = (n for n in range(1, 10_000) if n not in taken)
    for annex in annexes:
        number, avser = replaced.get(annex["titel"], (None, None))
        annex["nummer"] = number if number is not None else next(free)
        annex["ersatter"] = avser
    return sorted(annexes, key=lambda annex: annex["nummer"])
