"""The context's non-money sections: tasks and their recipients, external delegation, the processor annex, changes, annexes."""

from __future__ import annotations

from typing import Any

from ..paths import COST_FILE, PUB_FILE
from .facts import Facts
from .organs import COST_ANNEX, annex_title, controller_organs, number_supplement_annexes
from .parties import controller_ids, processor_id
from .text import join_names, paragraphs

# From this many commissioning parties a task for all of them says "samtliga uppdragsgivare" instead of every name.
ALL_COMMISSIONING_FROM = 3
ALL_COMMISSIONING = "samtliga uppdragsgivare"


def receivers_text(facts: Facts, ids: list[str]) -> str:
    """The recipients of a task by name, or "samtliga uppdragsgivare" when it is for all of many."""
    commissioning = [p["id"] for p in facts.with_role("uppdragsgivare")]
    if len(commissioning) >= ALL_COMMISSIONING_FROM and set(ids) == set(commissioning):
        return ALL_COMMISSIONING
    return join_names([facts.parties[r]["namn"] for r in ids if r in facts.parties])


def tasks(facts: Facts) -> list[dict[str, Any]]:
    return [
        {
            "nummer": n + 1,
            "beskrivning": task["beskrivning"],
            "utforare_namn": facts.parties.get(task["utforare"], {}).get("namn", ""),
            "mottagare_namn": receivers_text(facts, task["mottagare"]),
            "omfattning": task.get("omfattning"),
            "lagrum": task.get("lagrum"),
        }
        for n, task in enumerate(facts.data.get("uppgifter", []))
    ]


def delegation_receiver(facts: Facts) -> dict[str, Any] | None:
    delegering = facts.data.get("extern_delegering") or {}
    if not delegering.get("forekommer"):
        return None
    if "mottagare_part" in delegering:
        return facts.parties.get(delegering["mottagare_part"])
    performers = facts.with_role("uppdragstagare")
    return performers[0] if performers else None


def processor_annex(facts: Facts) -> dict[str, Any] | None:
    pu = facts.data.get("personuppgifter") or {}
    if pu.get("roll") != "personuppgiftsbitrade":
        return None
    controllers = [facts.parties[c] for c in controller_ids(facts.data) if c in facts.parties]
    organs = controller_organs(facts.data, controller_ids(facts.data))
    processor = processor_id(facts.data)
    return {
        "ansvariga": controllers,
        "ansvariga_organ": organs,
        "ansvariga_namn": join_names([c["namn"] for c in organs]),
        "bitrade": facts.parties.get(processor) if processor else None,
    }


def changes(facts: Facts) -> tuple[list[dict[str, Any]], list[str]]:
    """The changes of a tilläggsavtal, numbered, with their new text as paragraphs; and the annexes they add."""
    result = []
    annexes: list[str] = []
    for n, change in enumerate(facts.data.get("andringar", [])):
        annex = annex_title(change)
        if annex and annex not in annexes and not change.get("kostnadsfordelning"):
            annexes.append(annex)
        result.append({
            "nummer": n + 1,
            "avser": change["avser"],
            "atgard": change["atgard"],
            "stycken": paragraphs(change.get("lydelse")),
            "bilaga": annex,
            "bilaga_nummer": None,
        })
    return result, annexes


def annexes(facts: Facts, has_pub: bool, has_cost: bool, new_annexes: list[str]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The annexes in order, numbered, and the number of each generated annex by file name."""
    result: list[dict[str, Any]] = []
    if has_pub:
        result.append({"titel": "Personuppgiftsbiträdesavtal", "fil": PUB_FILE})
    if has_cost:
        result.append({"titel": COST_ANNEX, "fil": COST_FILE})
    result.extend({"titel": title, "fil": None} for title in new_annexes)
    result.extend({"titel": b["titel"], "fil": None} for b in facts.data.get("bilagor", []) if b["titel"] not in new_annexes)
    for number, annex in enumerate(result, start=1):
        annex["nummer"] = number
        annex["ersatter"] = None
    if facts.data["avtal"]["typ"] == "tillaggsavtal":
        result = number_supplement_annexes(result, facts.data.get("andringar", []))
    return result, {annex["fil"]: annex["nummer"] for annex in result if annex["fil"]}
