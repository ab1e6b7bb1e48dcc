"""Deliberately broken agreements: each breaker changes an example so that one or more legal rules speak.

Shared by the scan of every rule message (tests/unit/test_rule_messages.py) and the form's scans of what it shows
(tests/integration/test_web_app.py, tests/e2e/test_web_browser.py). A breaker changes the raw data as a user could
write it in the form; a breaker that does not apply to an example's kind leaves it as it is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from avtalsgenerator.agreement.schema import AGREEMENT_SCHEMA

Data = dict[str, Any]
Breaker = Callable[[Data], None]

# What must never reach a user in a message: a JSON path, a snake_case key, a JSON boolean.
JSON_PATH = re.compile(r"\$[.\[]")
SNAKE_CASE = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")
BOOLEAN = re.compile(r"\b(?:true|false|null)\b")


def _fold(word: str) -> str:
    return word.translate(str.maketrans("åäöéü", "aaoeu"))


def _schema_words(node: Any, values: set[str], keys: set[str], words: set[str]) -> None:
    if isinstance(node, dict):
        for value, label in (node.get("x-etikett") or {}).items():
            values.add(value)
            words.update(re.findall(r"\w+", label.casefold()))
        keys.update(node.get("properties") or {})
        if isinstance(node.get("title"), str):  # not descriptions: they name values as JSON authors write them
            words.update(re.findall(r"\w+", node["title"].casefold()))
        for child in node.values():
            _schema_words(child, values, keys, words)
    elif isinstance(node, list):
        for child in node:
            _schema_words(child, values, keys, words)


def folded_words() -> set[str]:
    """Enum values and field keys written as a JSON key must be, not as Swedish is: ``utgar`` (Utgår),
    ``kommunalforbund``, ``omforhandling``, ``per_invanare``; not ``ny``, ``kommun`` or ``mandat``, which are words."""
    values: set[str] = set()
    keys: set[str] = set()
    words: set[str] = set()
    _schema_words(json.loads(AGREEMENT_SCHEMA.read_text(encoding="utf-8")), values, keys, words)
    folded = {_fold(word): word for word in words if _fold(word) != word}
    return {name for name in values | keys if "_" in name or (name in folded and name not in words)}


FOLDED = folded_words()


def raw_json(text: str) -> list[str]:
    """What in ``text`` is JSON rather than Swedish prose: paths, snake_case keys, true/false/null, folded values."""
    found = JSON_PATH.findall(text) + SNAKE_CASE.findall(text) + BOOLEAN.findall(text)
    return sorted(set(found) | (set(re.findall(r"\w+", text)) & FOLDED))


def _parties(d: Data, role: str) -> list[Data]:
    return [p for p in d.get("parter", []) if p.get("roll") == role]


def _first_id(d: Data, role: str) -> str:
    found = _parties(d, role)
    return str(found[0]["id"]) if found else str(d["parter"][0]["id"])


def _delegation(d: Data, **changes: Any) -> None:
    if "uppgifter" in d:
        delegation = d.setdefault("extern_delegering", {})
        delegation.update(forekommer=True, befattning="Enhetschef", arenden=["Beslut om bistånd"],
                          namnder=[{"part": _first_id(d, "uppdragsgivare"), "namnd": "Socialnämnden"}])
        delegation.update(changes)


def _economy(d: Data, **changes: Any) -> None:
    if "ekonomi" in d:
        d["ekonomi"].update(changes)


def _personal(d: Data, **changes: Any) -> None:
    if "personuppgifter" in d:
        d["personuppgifter"].update(changes)


def _mixed_task(d: Data, shared: bool) -> None:
    if "uppgifter" in d and len(d["parter"]) > 1:
        d["parter"][0].update(typ="region", regionala_uppgifter=False)
        d["parter"][1].update(typ="kommun", namn="Region Gotland")
        d["parter"][1].pop("regionala_uppgifter", None)
        for task in d["uppgifter"]:
            task.update(lagrum="socialtjänstlagen (2001:453)", delad_kompetens=shared)
            task["mottagare"] = [p["id"] for p in d["parter"] if p["id"] != task["utforare"]]


def _all_roles(d: Data, role: str) -> None:
    if "uppgifter" in d:
        for party in d["parter"]:
            party["roll"] = role


def _supplement(d: Data, **changes: Any) -> None:
    if d["avtal"]["typ"] == "tillaggsavtal":
        d["avtal"].setdefault("huvudavtal", {}).update(changes)


def _changes(d: Data, **changes: Any) -> None:
    for change in d.get("andringar", []):
        change.update(changes)


def _intent(d: Data, **changes: Any) -> None:
    if "avsikt" in d:
        d["avsikt"].update(changes)


def _every_party(d: Data, **changes: Any) -> None:
    for party in d["parter"]:
        party.update(changes)


BREAKERS: dict[str, Breaker] = {
    "en part som är ett bolag": lambda d: d["parter"][0].update(typ="bolag"),
    "en region och en kommun i en uppgift": lambda d: _mixed_task(d, shared=False),
    "en region och en kommun i en delad uppgift": lambda d: _mixed_task(d, shared=True),
    "en region med en regions uppgifter": lambda d: d["parter"][0].update(typ="region", regionala_uppgifter=True),
    "ett kommunalförbund": lambda d: d["parter"][0].update(typ="kommunalforbund"),
    "bara uppdragsgivare": lambda d: _all_roles(d, "uppdragsgivare"),
    "bara uppdragstagare": lambda d: _all_roles(d, "uppdragstagare"),
    "samma part två gånger": lambda d: d["parter"][1].update(namn=d["parter"][0]["namn"], organisationsnummer=d["parter"][0]["organisationsnummer"]),
    "organisationsnummer av fel form": lambda d: d["parter"][0].update(organisationsnummer="12345"),
    "fel kontrollsiffra": lambda d: d["parter"][0].update(organisationsnummer="212000-0143"),
    "ett bolags organisationsnummer": lambda d: d["parter"][0].update(organisationsnummer="556677-8899"),
    "en regions organisationsnummer för en kommun": lambda d: d["parter"][0].update(typ="kommun", organisationsnummer="232100-0016"),
    "en uppdragsgivare utför uppgiften": lambda d: [t.update(utforare=_first_id(d, "uppdragsgivare")) for t in d.get("uppgifter", [])],
    "en uppdragstagare tar emot uppgiften": lambda d: [t["mottagare"].append(_first_id(d, "uppdragstagare")) for t in d.get("uppgifter", [])],
    "delegering till en konsult": lambda d: _delegation(d, mottagare_kategori="konsult"),
    "delegering utan befattning och ärenden": lambda d: _delegation(d, befattning="", arenden=[], namnder=[]),
    "delegering utan svar om vidaredelegering": lambda d: (_delegation(d), d.get("extern_delegering", {}).pop("vidaredelegering", None)),
    "vidaredelegering från en handläggare": lambda d: _delegation(d, befattning="Handläggare", vidaredelegering=True, forvaltningschef=False),
    "delegering till en uppdragsgivare": lambda d: _delegation(d, mottagare_part=_first_id(d, "uppdragsgivare"),
                                                              namnder=[{"part": _first_id(d, "uppdragstagare"), "namnd": "Nämnden"}]),
    "ett stort avtal beslutat av en nämnd": lambda d: _every_party(d, beslut={"organ": "Kommunstyrelsen", "datum": "2199-01-01", "beloppsgrans": 1}),
    "slutdatum före startdatum": lambda d: d["avtalstid"].update(start="2026-05-01", slut="2026-01-01"),
    "betalning före avtalets start": lambda d: d["avtalstid"].update(betalning_fran="1990-01-01"),
    "uppsägningstid noll": lambda d: d.setdefault("uppsagning", {}).update(manader=0) if "uppgifter" in d else None,
    "uppsägningstid längre än avtalstiden": lambda d: (d.setdefault("uppsagning", {}).update(manader=120), d["avtalstid"].update(slut="2030-01-01"),
                                                      d.get("interim", {}).update(fortida_uppsagning=True)) if "uppgifter" in d else None,
    "ersättning över kostnaden": lambda d: _economy(d, kostnad_ar=1000, ersattning_ar=2000),
    "ett stort belopp": lambda d: _economy(d, kostnad_ar=900_000_000),
    "ett stort belopp utan tak": lambda d: (_economy(d, kostnad_ar=900_000_000), d.get("ekonomi", {}).pop("tak", None),
                                           d.get("ekonomi", {}).pop("undantag", None)),
    "Hamburgundantaget utan kriterier": lambda d: _economy(d, undantag={"grund": "hamburg", "andel_oppen_marknad_procent": 30,
                                                                       "gemensamma_mal": False}),
    "undantag för myndighetsutövning": lambda d: _economy(d, undantag={"grund": "myndighetsutovning"}),
    "andelar som inte blir 100": lambda d: (_economy(d, fordelning={"nyckel": "andel"}), _every_party(d, andel_procent=10) if "ekonomi" in d else None),
    "uppdragstagaren betalar": lambda d: _economy(d, fordelning={**d["ekonomi"].get("fordelning", {}),
                                                                 "betalande": [p["id"] for p in d["parter"]]}) if "ekonomi" in d else None,
    "ett fast pris utan avräkning": lambda d: (_economy(d, ersattning_ar=100_000), d.get("ekonomi", {}).pop("avrakning", None),
                                              d.get("ekonomi", {}).pop("prisgrund", None)),
    "ett villkor utan första dag": lambda d: (_economy(d, betalning_villkor="att beslutet vinner laga kraft"),
                                             d["avtalstid"].pop("betalning_fran", None)),
    "ett tak i ett avtal som gäller tills vidare": lambda d: (d["avtalstid"].pop("slut", None),
                                                             d.get("ekonomi", {}).get("tak", {}).pop("omforhandling_vid_periodens_slut", None)),
    "ett biträdesavtal utan innehåll": lambda d: (_personal(d, roll="personuppgiftsbitrade", andamal="", behandlingens_art=""),
                                                  d.get("personuppgifter", {}).pop("underbitraden", None)),
    "känsliga uppgifter utan skydd": lambda d: _personal(d, kansliga_uppgifter={"forekommer": True}),
    "tredjeland utan överföringar": lambda d: _personal(d, tredjeland={"forekommer": True}),
    "underbiträde utanför EU": lambda d: _personal(d, underbitraden={"tillstand": "sarskilt", "lista": [
        {"namn": "Molnbolaget", "land": "USA", "organisationsnummer": "556677-8899", "behandling": "Lagring"}]},
        tredjeland={"forekommer": True, "grund": "Standardavtalsklausuler", "overforingar": [
            {"mottagare": "Molnbolaget", "land": "Kanada", "andamal": "Lagring"}]}),
    "biträdet är också ansvarig": lambda d: _personal(d, roll="personuppgiftsbitrade", bitrade=_first_id(d, "uppdragsgivare")),
    "rollen ingen utan bedömning": lambda d: _personal(d, roll="ingen", bedomning="", separat_avtal="Avtal 1"),
    "rollen separat avtal utan avtal": lambda d: _personal(d, roll="separat_avtal", separat_avtal=""),
    "organ för en part som inte är ansvarig": lambda d: _personal(d, organ=[{"part": _first_id(d, "uppdragstagare"), "organ": "Nämnden"},
                                                                            {"part": _first_id(d, "uppdragstagare"), "organ": "Styrelsen"}]),
    "en kommentar som nämner en annan ansvarig": lambda d: _personal(d, organ=[], kommentar=" ".join(
        f"Socialnämnden i {p['namn']}." for p in d["parter"])),
    "omförhandling utan gräns": lambda d: d.setdefault("uppsagning", {}).update(omforhandling="Avtalet gäller tills ett nytt avtal har ingåtts.")
    if "uppgifter" in d else None,
    "handlingar lämnas över": lambda d: (d.setdefault("informationshantering", {}).update(arkiv="Handlingarna lämnas över till uppdragsgivaren."),
                                        d.get("interim", {}).get("overgang", {}).update(information="Handlingarna lämnas över till regionen."))
    if "uppgifter" in d else None,
    "fel lagrum": lambda d: d["avtal"].update(lagrum="Socialtjänstlagen"),
    "avsnitt som typen inte har": lambda d: (d.setdefault("ekonomi", {"modell": "sjalvkostnad", "kostnad_ar": 1}),
                                            d.setdefault("andringar", [{"avser": "Punkt 3", "atgard": "utgar"}]),
                                            d.setdefault("avsikt", {"utredning": [{"vad": "Kostnaden", "ansvarig": d["parter"][0]["id"],
                                                                                    "klart_senast": "2030-01-01"}]}),
                                            d["avtalstid"].update(forlangning="Förlängs ett år i taget."),
                                            d["avtal"].setdefault("huvudavtal", {"titel": "Huvudavtalet", "diarienummer": "KS 2020/1", "datum": "2020-01-01"})),
    "tomma listor": lambda d: (d.setdefault("force_majeure", {}).update(handelser=[]), d.setdefault("tvist", {}).update(nivaer=[""])),
    "interimsavtal med uppsägning": lambda d: (d.setdefault("uppsagning", {}).update(manader=2), d["interim"].update(fortida_uppsagning=False),
                                              d["avtalstid"].update(forlangning="Ett år i taget"),
                                              d.setdefault("informationshantering", {}).update(arkiv="Arkiveras hos var part."))
    if "interim" in d else None,
    "ändringar med fel fält": lambda d: _changes(d, atgard="utgar", lydelse="Ny text.", bilaga="Bilaga"),
    "ändringar utan text": lambda d: _changes(d, atgard="ersatts", lydelse=""),
    "en bilaga utan nummer två gånger": lambda d: d.get("andringar", []).extend([
        {"avser": "Bilagan om priser", "atgard": "ersatts_av_bilaga", "bilaga": "Ny bilaga"},
        {"avser": "bilaga 2 (Sortiment)", "atgard": "ersatts_av_bilaga", "bilaga": "Ny bilaga"},
        {"avser": "bilaga 2 (Sortiment)", "atgard": "ersatts_av_bilaga", "bilaga": "Ny bilaga"}]),
    "en ny kostnadsfördelning utan bilaga och ekonomi": lambda d: (_changes(d, atgard="ersatts", kostnadsfordelning=True), d.pop("ekonomi", None)),
    "alla parter ansluter": lambda d: _every_party(d, ansluter_fran="1990-01-01"),
    "huvudavtal med fler parter": lambda d: _supplement(d, antal_parter=99, endast_mellan_parterna=False, datum="2199-01-01"),
    "bindande ord i en avsiktsförklaring": lambda d: _intent(d, nasta_steg="Parterna ska betala vite.", kostnader="Kostnaderna delas lika.",
                                                            utredning=[{"vad": "Vad det kostar", "ansvarig": d["parter"][0]["id"],
                                                                        "klart_senast": "1990-01-01"}]),
}
