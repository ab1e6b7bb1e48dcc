"""Rules by agreement kind: sections a kind does not use, interim endings, supplements and letters of intent."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ..agreement.labels import label, title, where, yes_no
from ..agreement.organs import annex_number
from ..agreement.schema import apply_defaults
from ..kinds import FULL_KINDS, KINDS, SECTION_KINDS
from .common import KIND_NAMES, _blank, _date, _ekonomi
from .registry import Agreement, Finding, rule


def _schema_defaults() -> dict[str, Any]:
    """The top-level sections (and the fields of ``avtal``) as the schema fills them in when the data leaves them out."""
    return apply_defaults({"avtal": {}})


@rule("avtalstyp.delar")
def kind_sections(a: Agreement) -> Iterator[Finding]:
    """Each kind's document uses only its own sections: anything else given would be silently left out."""
    defaults = _schema_defaults()
    for section, kinds in SECTION_KINDS.items():
        if a.kind in kinds or section not in a.data or (section == "ekonomi" and _changes_costs(a)):
            continue
        if section in defaults and a.data[section] == defaults[section]:
            continue
        users = " och ".join(KIND_NAMES[k] for k in kinds) if len(kinds) == 1 else "avtal med uppgifter (avtalssamverkan, samverkansavtal, interimsavtal)"
        instead = KINDS[a.kind].instead or f"ta bort allt i {where(f'$.{section}')}"
        yield f"$.{section}", f"används bara i {users} och kommer inte med i {KIND_NAMES[a.kind]}; {instead}"
    if a.kind not in FULL_KINDS:
        tid = a.data["avtalstid"]
        for field in ("betalning_fran", "forlangning"):
            if field in tid:
                yield f"$.avtalstid.{field}", f"används bara i avtal med uppgifter och kommer inte med i {KIND_NAMES[a.kind]}; töm fältet"
        if a.data["avtal"].get("lagrum") != defaults["avtal"].get("lagrum"):
            yield "$.avtal.lagrum", f"lagrummet står bara i avtal med uppgifter och kommer inte med i {KIND_NAMES[a.kind]}; töm fältet"
    if a.kind != "tillaggsavtal" and "huvudavtal" in a.data["avtal"]:
        yield (
            "$.avtal.huvudavtal",
            f"huvudavtal anges bara för ett tilläggsavtal och kommer inte med i {KIND_NAMES[a.kind]}; "
            f"ta bort huvudavtalet eller ändra {where('$.avtal.typ')} till {label('typ', 'tillaggsavtal')}",
        )


@rule("avtalstyp.tomma_listor")
def empty_lists(a: Agreement) -> Iterator[Finding]:
    """Lists the clauses are built from are not empty: an empty one would leave a broken sentence."""
    for path, section, key, what in (
        ("$.force_majeure.handelser", "force_majeure", "handelser", "vilka händelser som räknas som force majeure"),
        ("$.tvist.nivaer", "tvist", "nivaer", "i vilken ordning en tvist förs upp inom parternas organisationer"),
    ):
        values = (a.data.get(section) or {}).get(key)
        if isinstance(values, list) and (not values or any(_blank(v) for v in values)):
            yield path, f"listan är tom eller har en tom rad; avsnittet ska ange {what}: fyll i den, eller gå tillbaka till standardlydelsen"


@rule("interim.upphorande")
def interim_ending(a: Agreement) -> Iterator[Finding]:
    """What the interim document says at its end comes from ``interim``: notice only when early ending is allowed."""
    if a.kind != "interimsavtal":
        return
    interim = a.data.get("interim") or {}
    defaults = _schema_defaults()
    notice = {k: v for k, v in (a.data.get("uppsagning") or {}).items() if k != "omforhandling"}
    default_notice = {k: v for k, v in (defaults.get("uppsagning") or {}).items() if k != "omforhandling"}
    if not interim.get("fortida_uppsagning") and notice != default_notice:
        yield (
            "$.uppsagning",
            f"ett interimsavtal kan inte sägas upp i förtid om inte {title('fortida_uppsagning')} är {yes_no(True)}; "
            f"ange {yes_no(True)} om parterna ska få säga upp det, annars ta bort allt i {where('$.uppsagning')} utom "
            f"{title('omforhandling')}",
        )
    if "forlangning" in a.data["avtalstid"]:
        yield (
            "$.avtalstid.forlangning",
            "ett interimsavtal är tillfälligt och förlängs inte av sig självt; töm fältet och förläng genom ett nytt beslut vid behov",
        )
    if (a.data.get("informationshantering") or {}).get("arkiv") != (defaults.get("informationshantering") or {}).get("arkiv"):
        yield (
            "$.informationshantering.arkiv",
            f"i ett interimsavtal står vad som händer med handlingarna när avtalet upphör i {where('$.interim.overgang.information')}; "
            "skriv det där och töm det här fältet",
        )


@rule("tillagg.andringar")
def supplement_changes(a: Agreement) -> Iterator[Finding]:
    """Each change says what it does: a new text for ersatts and ny, an annex for ersatts_av_bilaga, nothing for utgar."""
    if a.kind != "tillaggsavtal":
        return
    for n, change in enumerate(a.data.get("andringar", [])):
        base = f"$.andringar[{n}]"
        action = change["atgard"]
        if action in ("ersatts", "ny") and _blank(change.get("lydelse")):
            yield f"{base}.lydelse", f"saknas; ange den nya lydelsen för {change['avser']}"
        if action == "ersatts_av_bilaga" and _blank(change.get("bilaga")) and change.get("kostnadsfordelning") is not True:
            yield f"{base}.bilaga", f"saknas; ange titeln på den bilaga till tilläggsavtalet som ersätter {change['avser']}"
        if action in ("utgar", "ersatts_av_bilaga") and "lydelse" in change:
            yield f"{base}.lydelse", f"en lydelse används inte när åtgärden är {label('atgard', action)}; töm fältet eller ändra åtgärden"
        if action != "ersatts_av_bilaga" and "bilaga" in change:
            yield f"{base}.bilaga", f"en ny bilaga anges bara när åtgärden är {label('atgard', 'ersatts_av_bilaga')}; töm fältet eller ändra åtgärden"


@rule("tillagg.parter")
def supplement_joining(a: Agreement) -> Iterator[Finding]:
    """Joining parties only in a supplement, after the main agreement; at least one party is already a party to it."""
    joining = [i for i, p in enumerate(a.parties) if "ansluter_fran" in p]
    if a.kind != "tillaggsavtal":
        for i in joining:
            yield (
                f"$.parter[{i}].ansluter_fran",
                f"en part ansluter till ett huvudavtal bara genom ett tilläggsavtal och fältet kommer inte med i {KIND_NAMES[a.kind]}; töm fältet",
            )
        return
    if joining and len(joining) == len(a.parties):
        yield (
            "$.parter",
            "alla parter ansluter genom tillägget, men ett tilläggsavtal ingås med minst en part i huvudavtalet; "
            f"töm {title('ansluter_fran')} för parterna i huvudavtalet",
        )
    made = _date((a.data["avtal"].get("huvudavtal") or {}).get("datum"))
    for i in joining:
        day = _date(a.parties[i]["ansluter_fran"])
        if made and day and day < made:
            yield f"$.parter[{i}].ansluter_fran", f"{day} ligger före huvudavtalets datum {made}; rätta datumet"


@rule("tillagg.vissa_parter", "varning")
def supplement_some_parties(a: Agreement) -> Iterator[Finding]:
    """A supplement signed by some of the main agreement's parties binds only them: say so in the data."""
    main = a.data["avtal"].get("huvudavtal") or {}
    if a.kind != "tillaggsavtal" or "antal_parter" not in main or main.get("endast_mellan_parterna") is True:
        return
    existing = sum(1 for p in a.parties if "ansluter_fran" not in p)
    if main["antal_parter"] > existing:
        yield (
            "$.avtal.huvudavtal.antal_parter",
            f"huvudavtalet har {main['antal_parter']} parter men tilläggsavtalet {existing} av dem; tillägget binder bara sina egna "
            "parter och gäller i förhållandet mellan dem, vilket avtalet säger. Bekräfta det med "
            f"{yes_no(True)} i {where('$.avtal.huvudavtal.endast_mellan_parterna')}, eller ta med huvudavtalets övriga parter",
        )


@rule("tillagg.bilagor")
def supplement_annexes(a: Agreement) -> Iterator[Finding]:
    """A replaced annex is named by its number in the main agreement, which the new annex keeps; no number twice."""
    if a.kind != "tillaggsavtal":
        return
    seen: dict[int, int] = {}
    for n, change in enumerate(a.data.get("andringar", [])):
        if change["atgard"] != "ersatts_av_bilaga":
            continue
        number = annex_number(change["avser"])
        if number is None:
            yield (
                f"$.andringar[{n}].avser",
                f"\"{change['avser']}\" säger inte vilken bilaga i huvudavtalet som ersätts; skriv bilagans nummer, till exempel "
                "bilaga 2 (Sortiment), så får den nya bilagan samma nummer och inga två bilagor får samma nummer",
            )
        elif number in seen:
            yield (
                f"$.andringar[{n}].avser",
                f"bilaga {number} i huvudavtalet ersätts redan i {where(f'$.andringar[{seen[number]}]')}; ersätt den med en bilaga",
            )
        else:
            seen[number] = n


def _changes_costs(a: Agreement) -> bool:
    """True for a supplement with a change that replaces the main agreement's cost allocation."""
    changes = a.data.get("andringar")
    return a.kind == "tillaggsavtal" and isinstance(changes, list) and any(
        isinstance(c, dict) and c.get("kostnadsfordelning") is True for c in changes)


@rule("tillagg.ekonomi")
def supplement_costs(a: Agreement) -> Iterator[Finding]:
    """A supplement that changes the price carries the economy its new cost annex is computed from."""
    if a.kind != "tillaggsavtal":
        return
    for n, change in enumerate(a.data.get("andringar", [])):
        if change.get("kostnadsfordelning") is True and change["atgard"] != "ersatts_av_bilaga":
            yield (
                f"$.andringar[{n}].atgard",
                f"en ny kostnadsfördelning ersätter huvudavtalets bilaga om kostnadsfördelning: ange {title('atgard')} "
                f"{label('atgard', 'ersatts_av_bilaga')} och bilagans nummer i {title('avser')}, till exempel bilaga 3 (Kostnadsfördelning)",
            )
    if not _changes_costs(a):
        return
    fordelning = _ekonomi(a).get("fordelning")
    if not fordelning:
        yield (
            "$.ekonomi.fordelning",
            f"saknas; en ändring ersätter kostnadsfördelningen, så tilläggsavtalet ska ange den nya fördelningen i {where('$.ekonomi.fordelning')}",
        )
    elif "betalande" not in fordelning and not any(p.get("roll") == "uppdragsgivare" for p in a.parties):
        yield (
            "$.ekonomi.fordelning.betalande",
            "saknas; parterna i ett tilläggsavtal har inga roller, så ange vilka parter som delar kostnaden",
        )


@rule("tillagg.datum")
def supplement_dates(a: Agreement) -> Iterator[Finding]:
    """The main agreement was made before the supplement, which takes effect after it."""
    main = a.data["avtal"].get("huvudavtal") or {}
    made = _date(main.get("datum"))
    if a.kind != "tillaggsavtal" or made is None:
        return
    signed, start = _date(a.data["avtal"]["datum"]), _date(a.data["avtalstid"]["start"])
    if signed and signed < made:
        yield "$.avtal.huvudavtal.datum", f"huvudavtalet ({made}) är daterat efter tilläggsavtalet ({signed}); rätta datumen"
    if start and start < made:
        yield "$.avtalstid.start", f"ändringarna gäller från {start}, före huvudavtalets datum {made}; rätta datumen"


# Words that bind (a duty to pay, interest, a penalty, an undertaking): a letter of intent binds no one.
_BINDING = re.compile(r"\bska (?:betala|ersätta|stå för)\b|\bdröjsmålsränta|\bvite\b|\bviten\b|\båtar sig\b|\bförbinder sig\b|\bskyldiga? att\b",
                      re.IGNORECASE)
# A split of costs: one party pays for another.
_COST_SPLIT = re.compile(r"\b(?:delas|fördelas|betalar|betala|ersätter|ersätta|står för|faktureras|fakturerar)\b", re.IGNORECASE)


def _texts(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every string in ``value`` with its JSON path."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _texts(item, f"{path}.{key}")
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from _texts(item, f"{path}[{n}]")


@rule("avsikt.bindande_ord", "varning")
def intent_binding_words(a: Agreement) -> Iterator[Finding]:
    """Text in a letter of intent that binds (ska betala, dröjsmålsränta, vite, åtar sig), outside the binding clause."""
    if a.kind != "avsiktsforklaring":
        return
    for section in ("avtal", "avsikt"):
        for path, text in _texts(a.data.get(section), f"$.{section}"):
            found = _BINDING.search(text)
            if found and not path.startswith("$.avsikt.bindande_atagande"):
                yield (
                    path,
                    f"\"{found.group(0)}\" binder parterna, men en avsiktsförklaring binder inte; skriv vad parterna avser, eller "
                    f"flytta åtagandet till {where('$.avsikt.bindande_atagande')}, där det står under en egen rubrik som bindande",
                )


@rule("avsikt.kostnader")
def intent_cost_split(a: Agreement) -> Iterator[Finding]:
    """A split of the investigation's costs is an undertaking to pay: it cannot stand beside "binds no one"."""
    avsikt = a.data.get("avsikt") or {}
    if a.kind != "avsiktsforklaring" or "bindande_atagande" in avsikt:
        return
    found = _COST_SPLIT.search(str(avsikt.get("kostnader", "")))
    if found:
        yield (
            "$.avsikt.kostnader",
            f"texten delar kostnaderna mellan parterna (\"{found.group(0)}\"), vilket är ett åtagande att betala, medan "
            "avsiktsförklaringen säger att den inte ger någon part rätt att kräva betalning; skriv kostnadsdelningen som ett "
            f"bindande åtagande i {where('$.avsikt.bindande_atagande')}, eller skriv att varje part bär sina egna kostnader",
        )


@rule("avsikt.datum")
def intent_dates(a: Agreement) -> Iterator[Finding]:
    """The investigation is finished after the letter of intent is signed."""
    if a.kind != "avsiktsforklaring":
        return
    signed = _date(a.data["avtal"]["datum"])
    for n, item in enumerate((a.data.get("avsikt") or {}).get("utredning", [])):
        due = _date(item.get("klart_senast"))
        if signed and due and due < signed:
            yield f"$.avsikt.utredning[{n}].klart_senast", f"{due} ligger före avsiktsförklaringens datum {signed}; rätta datumet"
