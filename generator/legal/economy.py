"""Rules on money: self-cost, procurement limits and exceptions, shares and caps."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from ..agreement.compute import payer_ids
from ..agreement.filters import kr, lista, pris, procent, tidsperiod
from ..agreement.labels import where, yes_no
from ..errors import AvtalError
from .common import _date, _ekonomi
from .registry import Agreement, Finding, rule

# The general direct-procurement limit, looked up when the agreement names no cap (``ekonomi.tak``).
GENERAL_LIMIT = "direktupphandlingsgrans"
HAMBURG_MAX_OPEN_MARKET = 20
HAMBURG_CRITERIA = {
    "endast_upphandlande_myndigheter": "samverkan sker enbart mellan upphandlande myndigheter",
    "gemensamma_mal": "samverkan gäller offentliga tjänster som parterna ska tillhandahålla för att nå gemensamma mål",
    "allmanintresse": "samverkan styrs endast av överväganden som hänger samman med allmänintresset",
}


@rule("ekonomi.sjalvkostnad", "varning")
def self_cost(a: Agreement) -> Iterator[Finding]:
    """Compensation follows the self-cost principle: not more than the stated cost."""
    ekonomi = _ekonomi(a)
    cost, pay = ekonomi.get("kostnad_ar"), ekonomi.get("ersattning_ar")
    if cost is not None and pay is not None and pay > cost:
        yield (
            "$.ekonomi.ersattning_ar",
            f"ersättningen {kr(pay)} per år är högre än kostnaden {kr(cost)} per år ({where('$.ekonomi.kostnad_ar')}); "
            "enligt självkostnadsprincipen får ersättningen bara täcka uppdragstagarens kostnader, sänk ersättningen "
            "eller redovisa den högre kostnaden",
        )


def _limit(a: Agreement) -> dict[str, Any] | None:
    """The threshold the cap names (from the context), or None when the agreement has no cap."""
    troskel = a.berakning().get("troskel")
    return troskel if isinstance(troskel, dict) else None


def _limit_findings(a: Agreement, limit: dict[str, Any], what_to_do: str) -> Iterator[Finding]:
    """Each paying party (not the performer) whose total under the agreement over the period is not below ``limit``."""
    betalningar = a.berakning().get("betalningar") or {}
    months = betalningar.get("period_manader")
    for row in betalningar.get("rader", []):
        amount = Decimal(row["summa_period"])
        if row.get("utforare") or amount < limit["belopp"]:
            continue
        index = a.index_of(row.get("id", ""))
        place = f"$.parter[{index}]" if index is not None else "$.ekonomi"
        parts = [f"{kr(row[key])} {what}" for key, what in (
            ("fordelning_period", "enligt kostnadsfördelningen"), ("support_period", f"för support och förvaltning ({where('$.ekonomi.support')})"),
        ) if row.get(key) is not None]
        parts.extend(f"{kr(fee['belopp_period'])} för {fee['benamning']} ({where(fee['plats'])})"
                     for fee in row.get("avgifter", []) if fee["belopp_period"] is not None)
        period = f" ({tidsperiod(months)})" if months else ""
        yield place, (
            f"{row['namn']} betalar {kr(amount)} enligt avtalet under beräkningsperioden{period}"
            f"{': ' + lista(parts) if len(parts) > 1 else ''}, vilket inte är under {limit['benamning']} "
            f"({kr(limit['belopp'])} den {limit['datum']}); allt som en part betalar enligt avtalet räknas mot gränsen "
            f"(kontraktets värde, 5 kap. LOU); {what_to_do}"
        )


@rule("ekonomi.direktupphandling")
def procurement_limit(a: Agreement) -> Iterator[Finding]:
    """With a cap: each paying party's total under the agreement (allocation, support, other fees) is below the threshold the cap names.

    Checked also when an exception is stated, because the document then still says that the cap holds.
    """
    limit = _limit(a)
    if limit is None:
        return
    if "undantag" in _ekonomi(a):
        what_to_do = (f"avtalet anger både ett tak och ett undantag från upphandling; ta bort taket ({where('$.ekonomi.tak')}) om "
                      "samverkan bygger på undantaget, annars sänk beloppen")
    else:
        what_to_do = (f"sänk beloppen, ange {where('$.ekonomi.support.annat_avtal')} för supporten eller {where('$.ekonomi.avgifter[].annat_avtal')} "
                      f"för en avgift som betalas enligt ett annat avtal, eller ange ett undantag från upphandling i {where('$.ekonomi.undantag')} "
                      "och ta bort taket")
    yield from _limit_findings(a, limit, what_to_do)


@rule("ekonomi.direktupphandling_utan_tak", "varning")
def procurement_limit_without_cap(a: Agreement) -> Iterator[Finding]:
    """Without a cap: each paying party's total against the general direct-procurement limit on the agreement date.

    A warning only, because the agreement does not say which limit applies (social services have a higher one).
    """
    if _limit(a) is not None or "undantag" in _ekonomi(a):
        return
    thresholds = a.thresholds
    day = _date(a.data["avtal"]["datum"])
    if thresholds is None or day is None:
        return
    try:
        value = thresholds.value(GENERAL_LIMIT, day)
    except AvtalError:
        return
    limit = {"belopp": value.belopp, "benamning": value.benamning, "datum": day.isoformat()}
    yield from _limit_findings(
        a, limit,
        f"ange vilket tröskelvärde som gäller i {where('$.ekonomi.tak')} (till exempel gränsen för sociala tjänster), "
        f"sänk beloppet eller ange ett undantag från upphandling i {where('$.ekonomi.undantag')}",
    )


@rule("ekonomi.hamburg")
def hamburg_exception(a: Agreement) -> Iterator[Finding]:
    """The Hamburg exception (3 kap. 17 § LOU) holds only when all its criteria are stated as met."""
    undantag = _ekonomi(a).get("undantag") or {}
    if undantag.get("grund") != "hamburg":
        return
    base = "$.ekonomi.undantag"
    for field, text in HAMBURG_CRITERIA.items():
        value = undantag.get(field)
        if value is None:
            yield f"{base}.{field}", f"saknas; Hamburgundantaget (3 kap. 17 § LOU) kräver att {text}: ange {yes_no(True)} om det stämmer"
        elif value is not True:
            yield (
                f"{base}.{field}",
                f"Hamburgundantaget (3 kap. 17 § LOU) kräver att {text}; "
                "utan det gäller inte undantaget, välj en annan grund eller upphandla",
            )
    share = undantag.get("andel_oppen_marknad_procent")
    if share is None:
        yield (
            f"{base}.andel_oppen_marknad_procent",
            "saknas; ange hur stor del av verksamheten (i procent) parterna utför på den öppna marknaden, den ska vara under 20 %",
        )
    elif share >= HAMBURG_MAX_OPEN_MARKET:
        yield (
            f"{base}.andel_oppen_marknad_procent",
            f"parterna utför {procent(share)} av verksamheten på den öppna marknaden; Hamburgundantaget (3 kap. 17 § LOU) "
            "kräver under 20 %, välj en annan grund eller upphandla",
        )


@rule("ekonomi.myndighetsutovning", "varning")
def public_authority_exception(a: Agreement) -> Iterator[Finding]:
    """Exercise of public authority is outside LOU; the parties confirm the tasks really are that."""
    undantag = _ekonomi(a).get("undantag") or {}
    if undantag.get("grund") == "myndighetsutovning":
        yield (
            "$.ekonomi.undantag.grund",
            "undantaget gäller bara myndighetsutövning, som inte omfattas av LOU; bekräfta att uppgifterna i avtalet är "
            "myndighetsutövning, annars kan de behöva upphandlas",
        )


@rule("ekonomi.andelar")
def shares_sum(a: Agreement) -> Iterator[Finding]:
    """With the key ``andel`` the paying parties' shares add up to 100 %."""
    fordelning = _ekonomi(a).get("fordelning")
    if not fordelning or fordelning["nyckel"] != "andel":
        return
    ids = payer_ids(a.data)
    shares: list[Decimal] = []
    for party_id in ids:
        index = a.index_of(party_id)
        if index is None or "andel_procent" not in a.parties[index]:
            return  # the compute stage reports unknown payers and missing shares
        shares.append(Decimal(str(a.parties[index]["andel_procent"])))
    total = sum(shares, Decimal(0))
    if total != 100:
        yield (
            "$.ekonomi.fordelning",
            f"de betalande parternas andelar ({where('$.parter[].andel_procent')}) blir tillsammans {procent(total)}, inte 100 %; "
            "justera andelarna",
        )


@rule("ekonomi.utforare_betalar", "varning")
def performer_pays(a: Agreement) -> Iterator[Finding]:
    """The performing party among the payers: it has no cap (it does not buy from itself), and its share needs a basis."""
    fordelning = _ekonomi(a).get("fordelning") or {}
    for n, party_id in enumerate(fordelning.get("betalande", [])):
        index = a.index_of(party_id)
        if index is None or a.parties[index].get("roll") != "uppdragstagare":
            continue
        name = a.parties[index].get("namn")
        yield (
            f"$.ekonomi.fordelning.betalande[{n}]",
            f"{name} är uppdragstagare och står bland de betalande parterna; en part köper inte av sig själv, så inget tak "
            f"gäller för {name} och dess andel är dess egen kostnad. Då ska fördelningsnyckeln följa hur mycket varje part "
            f"använder tjänsten, eller avtalet stämma av kostnaderna mot den faktiska användningen ({where('$.ekonomi.avrakning')}, "
            "till exempel med underlaget antalet ärenden från varje kommun); bekräfta vilket, annars ta bort parten ur "
            f"{where('$.ekonomi.fordelning.betalande')}",
        )


def _price_set_in_advance(a: Agreement) -> str | None:
    """What makes the compensation a price set in advance rather than the performer's actual cost, with its figure."""
    ekonomi = _ekonomi(a)
    if not ekonomi or ekonomi.get("modell") == "motprestation":
        return None
    fordelning = a.berakning().get("fordelning") or {}
    if fordelning.get("pris_bindande"):
        return (f"priset {pris(fordelning['pris_per_enhet_ar'])} kr per {fordelning['enhet']} och år är räknat ur taket "
                "och inte ur uppdragstagarens kostnad")
    if "ersattning_ar" in ekonomi:
        return f"ersättningen är ett fast belopp, {kr(ekonomi['ersattning_ar'])} per år ({where('$.ekonomi.ersattning_ar')})"
    if "kostnad_ar" in ekonomi:
        return f"kostnaden {kr(ekonomi['kostnad_ar'])} per år ({where('$.ekonomi.kostnad_ar')}) är en beräkning, inte den faktiska kostnaden"
    if ekonomi.get("modell") in ("per_invanare", "per_anvandare") or "support" in ekonomi:
        return "ersättningen är ett pris per invånare eller användare som bestäms i förväg"
    return None


@rule("ekonomi.avrakning")
def reconciliation(a: Agreement) -> Iterator[Finding]:
    """A price set in advance (from a limit, per inhabitant, a budget) is reconciled against the actual cost, or its basis stated."""
    ekonomi = _ekonomi(a)
    if "avrakning" in ekonomi or "prisgrund" in ekonomi:
        return
    reason = _price_set_in_advance(a)
    if reason:
        yield (
            "$.ekonomi.avrakning",
            f"saknas; {reason}. Enligt självkostnadsprincipen ska ersättningen stämmas av mot uppdragstagarens faktiska "
            f"kostnader: ange i {where('$.ekonomi.avrakning')} när det sker (tidpunkt), mot vad (underlag) och hur en skillnad "
            f"regleras (reglering), eller ange i {where('$.ekonomi.prisgrund')} varför priset inte stäms av",
        )


@rule("ekonomi.betalning_villkor")
def conditional_payment(a: Agreement) -> Iterator[Finding]:
    """A conditional payment start names the earliest day, so the clause reads "tidigast den … och under förutsättning att …"."""
    if "betalning_villkor" in _ekonomi(a) and "betalning_fran" not in a.data["avtalstid"]:
        yield (
            "$.ekonomi.betalning_villkor",
            f"ett villkor för när betalningen börjar behöver också den tidigaste dagen; ange den i {where('$.avtalstid.betalning_fran')}",
        )


@rule("ekonomi.takperiod", "varning")
def cap_period(a: Agreement) -> Iterator[Finding]:
    """A cap counted over a period, in an agreement that runs past that period, leaves the payments after it uncapped."""
    tak = _ekonomi(a).get("tak") or {}
    betalningar = a.berakning().get("betalningar") or {}
    period_end = _date(betalningar.get("period_slut"))
    if not tak or period_end is None or tak.get("omforhandling_vid_periodens_slut"):
        return
    end = _date(a.data["avtalstid"].get("slut"))
    if end is not None and end <= period_end:
        return
    term = "gäller tills vidare" if end is None else f"gäller till {end}"
    yield (
        "$.ekonomi.tak",
        f"avtalet {term}, men taket räknas över beräkningsperioden {tidsperiod(betalningar['period_manader'])}, "
        f"som slutar {period_end}; det som betalas efter den dagen ryms inte i taket. Ange ett slutdatum senast "
        f"{period_end} i {where('$.avtalstid.slut')}, eller {yes_no(True)} i {where('$.ekonomi.tak.omforhandling_vid_periodens_slut')}, "
        "så att avtalet "
        "säger att parterna omförhandlar det före periodens slut och att ingen ersättning betalas efter den utan en ny "
        "överenskommelse",
    )


@rule("ekonomi.indexering_tak", "varning")
def indexation_under_cap(a: Agreement) -> Iterator[Finding]:
    """A cap tested on today's amounts, in an agreement that recalculates them, holds only if the recalculation fits the margin."""
    limit = _limit(a)
    if limit is None or "indexering" not in _ekonomi(a):
        return
    rows = [r for r in (a.berakning().get("betalningar") or {}).get("rader", []) if not r.get("utforare")]
    if not rows:
        return
    closest = max(rows, key=lambda r: Decimal(r["summa_period"]))
    margin = Decimal(limit["belopp"]) - Decimal(closest["summa_period"])
    if margin < 0:
        return  # over the cap already: ekonomi.direktupphandling refuses it
    share = margin / Decimal(limit["belopp"]) * 100
    yield (
        "$.ekonomi.indexering",
        f"avtalet räknar om beloppen ({where('$.ekonomi.indexering')}), men taket prövas på beloppen före omräkning: "
        f"{closest['namn']} betalar mest, {kr(closest['summa_period'])} av {limit['benamning']} {kr(limit['belopp'])}, "
        f"en marginal på {kr(margin)} ({procent(share, 1) if share >= Decimal('0.1') else 'under 0,1 %'}). Kontrollera att omräkningarna under "
        "hela beräkningsperioden ryms i marginalen; avtalet säger att en omräkning som skulle ta en part över gränsen "
        "inte tillämpas förrän parterna har omförhandlat avtalet (allt som betalas enligt kontraktet räknas, 5 kap. LOU)",
    )
