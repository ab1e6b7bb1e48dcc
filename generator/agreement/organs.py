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
