"""Compute stage: the rendering context, with shares, amounts, periods and dates worked out from the data."""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from .errors import ComputeError, Problem, ThresholdError
from .thresholds import Thresholds, ThresholdValue

ORE = Decimal("0.01")
RATE_PRECISION = Decimal("0.0001")

HEADINGS = {
    "avtalssamverkan": "Avtal om avtalssamverkan",
    "samverkansavtal": "Samverkansavtal",
    "interimsavtal": "Interimsavtal",
    "tillaggsavtal": "Tilläggsavtal",
    "avsiktsforklaring": "Avsiktsförklaring",
}
UNITS = {"invanare": "invånare", "anvandare": "användare", "andel": "procent", "lika": "lika delar"}
OPTIONAL_SECTIONS = ("forsakring", "upphovsratt", "personal")
PUB_FILE = "pub-bilaga.docx"
COST_FILE = "kostnadsfordelning.docx"


def build_context(data: dict[str, Any], thresholds: Thresholds, file: str) -> dict[str, Any]:
    """The full template context for schema-valid ``data`` with defaults applied (see docs/kontext.md)."""
    computer = _Computer(data, thresholds, file)
    berakning = computer.run()
    context = {key: data.get(key) for key in OPTIONAL_SECTIONS}
    context.update({key: value for key, value in data.items() if key != "$schema"})
    context["berakning"] = berakning
    return context


def threshold_day(data: dict[str, Any]) -> dt.date:
    """The day whose threshold value applies: the cap's own date, else the agreement date."""
    tak = data["ekonomi"].get("tak") or {}
    return dt.date.fromisoformat(tak.get("datum", data["avtal"]["datum"]))


def join_names(names: list[str]) -> str:
    """Swedish list: ``A``, ``A och B``, ``A, B och C``."""
    names = [str(n) for n in names]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " och " + names[-1]


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved ``months`` calendar months forward, the day clamped to the month's length."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def earliest_end(start: dt.date, notice_months: int, at_year_end: bool, end: dt.date | None) -> dt.date:
    """The first day the agreement can have ended if notice is given on its first day."""
    last_day = add_months(start, notice_months) - dt.timedelta(days=1)
    if at_year_end:
        last_day = dt.date(last_day.year, 12, 31)
    return min(last_day, end) if end else last_day


def whole_years(start: dt.date, end: dt.date) -> int | None:
    """Number of whole years from ``start`` to ``end`` inclusive, or None when it is not a whole number."""
    after = end + dt.timedelta(days=1)
    months = (after.year - start.year) * 12 + after.month - start.month
    if after.day != start.day or months % 12 or months <= 0:
        return None
    return months // 12


class _Computer:
    """Works out ``berakning`` for one agreement, collecting every problem before failing."""

    def __init__(self, data: dict[str, Any], thresholds: Thresholds, file: str) -> None:
        self.data = data
        self.thresholds = thresholds
        self.file = file
        self.problems: list[Problem] = []
        self.parties = {p["id"]: p for p in data["parter"]}

    def fail(self, place: str, message: str) -> None:
        self.problems.append(Problem(self.file, place, message))

    def party(self, party_id: str, place: str) -> dict[str, Any] | None:
        if party_id not in self.parties:
            self.fail(place, f"det finns ingen part med id \"{party_id}\"; kända: {', '.join(self.parties)}")
            return None
        return self.parties[party_id]

    def run(self) -> dict[str, Any]:
        data = self.data
        period = self.tid()
        troskel = self.troskel()
        fordelning = self.fordelning(period["ar_berakning"], troskel)
        support = self.support()
        pub = self.pub()
        bilagor, numbers = self.bilagor(pub is not None, fordelning is not None)
        ersattning_ar = data["ekonomi"].get("ersattning_ar")
        if self.problems:
            raise ComputeError(self.problems)
        return {
            "rubrik": HEADINGS[data["avtal"]["typ"]],
            "parter_namn": join_names([p["namn"] for p in data["parter"]]),
            "uppdragsgivare": [p for p in data["parter"] if p["roll"] == "uppdragsgivare"],
            "uppdragstagare": [p for p in data["parter"] if p["roll"] == "uppdragstagare"],
            "uppgifter": self.uppgifter(),
            "delegering_mottagare": self.delegering_mottagare(),
            "avtalstid": period["avtalstid"],
            "troskel": _threshold_dict(troskel, threshold_day(self.data)) if troskel else None,
            "fordelning": fordelning,
            "support": support,
            "ersattning_period": (Decimal(ersattning_ar) * period["ar_berakning"]) if ersattning_ar is not None and period["ar_berakning"] else None,
            "pub": pub,
            "bilagor": bilagor,
            "pub_bilaga": numbers.get(PUB_FILE),
            "kostnad_bilaga": numbers.get(COST_FILE),
            "exemplar": data["underskrifter"].get("exemplar", len(data["parter"])),
        }

    def tid(self) -> dict[str, Any]:
        tid = self.data["avtalstid"]
        start = dt.date.fromisoformat(tid["start"])
        end = dt.date.fromisoformat(tid["slut"]) if "slut" in tid else None
        notice = self.data["uppsagning"]
        years = whole_years(start, end) if end else None
        period = self.data["ekonomi"].get("berakningsperiod_ar", years)
        return {
            "ar_berakning": period,
            "avtalstid": {
                "start": tid["start"],
                "slut": tid.get("slut"),
                "tillsvidare": end is None,
                "ar": years,
                "betalning_fran": tid.get("betalning_fran"),
                "tidigaste_upphorande": earliest_end(start, notice["manader"], notice["vid_arsskifte"], end).isoformat(),
                "forlangning_ar": tid.get("forlangning", {}).get("ar"),
            },
        }

    def troskel(self) -> ThresholdValue | None:
        tak = self.data["ekonomi"].get("tak")
        if not tak:
            return None
        day = threshold_day(self.data)
        try:
            return self.thresholds.value(tak["troskel"], day, "$.ekonomi.tak.troskel", self.file)
        except ThresholdError as e:
            self.problems.extend(e.problems)
            return None

    def payers(self) -> list[tuple[int, dict[str, Any]]]:
        fordelning = self.data["ekonomi"]["fordelning"]
        index_of = {p["id"]: i for i, p in enumerate(self.data["parter"])}
        ids = fordelning.get("betalande") or [p["id"] for p in self.data["parter"] if p["roll"] == "uppdragsgivare"]
        payers = []
        for n, party_id in enumerate(ids):
            if self.party(party_id, f"$.ekonomi.fordelning.betalande[{n}]"):
                payers.append((index_of[party_id], self.parties[party_id]))
        return payers

    def fordelning(self, period: int | None, troskel: ThresholdValue | None) -> dict[str, Any] | None:
        ekonomi = self.data["ekonomi"]
        fordelning = ekonomi.get("fordelning")
        if not fordelning:
            return None
        key = fordelning["nyckel"]
        payers = self.payers()
        if period is None:
            self.fail("$.ekonomi.berakningsperiod_ar", "avtalet har inget slutdatum i hela år; ange beräkningsperioden i år för kostnadsfördelningen")
            return None
        if not payers:
            return None
        basis: list[Decimal] = []
        for index, p in payers:
            if key in ("invanare", "anvandare", "andel"):
                field = {"invanare": "invanare", "anvandare": "anvandare", "andel": "andel_procent"}[key]
                if field not in p:
                    self.fail(f"$.parter[{index}].{field}", f"saknas; behövs när kostnaden fördelas efter {UNITS[key]}")
                    basis.append(Decimal(0))
                    continue
                basis.append(Decimal(p[field]))
            else:
                basis.append(Decimal(1))
        total_basis = sum(basis, Decimal(0))
        if total_basis <= 0:
            if not self.problems:
                self.fail("$.ekonomi.fordelning.nyckel", "underlaget för fördelningen summerar till noll")
            return None
        cost = ekonomi.get("kostnad_ar", ekonomi.get("ersattning_ar"))
        rate: Decimal | None = None
        if ekonomi["modell"] in ("per_invanare", "per_anvandare") and key in ("invanare", "anvandare"):
            candidates = []
            if cost is not None:
                candidates.append(Decimal(cost) / total_basis)
            if troskel is not None:
                candidates.append(Decimal(troskel.belopp) / max(basis) / period)
            if not candidates:
                self.fail("$.ekonomi.kostnad_ar", "ange kostnaden per år eller ett tak, så att priset per enhet kan räknas ut")
                return None
            rate = min(candidates).quantize(RATE_PRECISION, rounding=ROUND_DOWN)
        elif cost is None:
            self.fail("$.ekonomi.kostnad_ar", "ange kostnaden per år som ska fördelas")
            return None
        rows = []
        for (index, p), amount in zip(payers, basis, strict=False):
            share = amount / total_basis
            per_year = (amount * rate) if rate is not None else Decimal(cost) * share
            per_year = per_year.quantize(ORE, rounding=ROUND_HALF_UP)
            per_period = per_year * period
            rows.append({
                "id": p["id"],
                "namn": p["namn"],
                "organisationsnummer": p["organisationsnummer"],
                "underlag": int(amount) if key in ("invanare", "anvandare") else None,
                "andel_procent": share * 100,
                "belopp_ar": per_year,
                "belopp_period": per_period,
                "inom_tak": troskel is None or per_period < troskel.belopp,
                "parts_index": index,
            })
        return {
            "nyckel": key,
            "enhet": UNITS[key],
            "underlag_datum": fordelning.get("underlag_datum"),
            "period_ar": period,
            "kostnad_ar": Decimal(cost) if cost is not None else None,
            "pris_per_enhet_ar": rate,
            "tak_per_part": troskel.belopp if troskel else None,
            "kommentar": fordelning.get("kommentar"),
            "rader": rows,
            "summa_underlag": int(total_basis) if key in ("invanare", "anvandare") else None,
            "summa_ar": sum((r["belopp_ar"] for r in rows), Decimal(0)),
            "summa_period": sum((r["belopp_period"] for r in rows), Decimal(0)),
        }

    def support(self) -> dict[str, Any] | None:
        support = self.data["ekonomi"].get("support")
        if not support:
            return None
        price = (Decimal(support["kostnad_ar"]) / support["anvandare_totalt"]).quantize(ORE, rounding=ROUND_HALF_UP)
        rows = [
            {"id": p["id"], "namn": p["namn"], "anvandare": p["anvandare"], "belopp_ar": price * p["anvandare"]}
            for p in self.data["parter"]
            if "anvandare" in p and p["roll"] == "uppdragsgivare"
        ]
        if not rows:
            self.fail("$.ekonomi.support", "ingen uppdragsgivare har angett antal användare (parter[].anvandare)")
        return {
            "kostnad_ar": Decimal(support["kostnad_ar"]),
            "anvandare_totalt": support["anvandare_totalt"],
            "pris_per_anvandare_ar": price,
            "beskrivning": support.get("beskrivning"),
            "rader": rows,
            "summa_anvandare": sum(r["anvandare"] for r in rows),
            "summa_ar": sum((r["belopp_ar"] for r in rows), Decimal(0)),
        }

    def uppgifter(self) -> list[dict[str, Any]]:
        result = []
        for n, task in enumerate(self.data["uppgifter"]):
            performer = self.party(task["utforare"], f"$.uppgifter[{n}].utforare")
            receivers = [self.party(r, f"$.uppgifter[{n}].mottagare[{m}]") for m, r in enumerate(task["mottagare"])]
            result.append({
                "nummer": n + 1,
                "beskrivning": task["beskrivning"],
                "utforare_namn": performer["namn"] if performer else "",
                "mottagare_namn": join_names([r["namn"] for r in receivers if r]),
                "omfattning": task.get("omfattning"),
                "lagrum": task.get("lagrum"),
            })
        return result

    def delegering_mottagare(self) -> dict[str, Any] | None:
        delegering = self.data["extern_delegering"]
        if not delegering["forekommer"]:
            return None
        if "mottagare_part" in delegering:
            return self.party(delegering["mottagare_part"], "$.extern_delegering.mottagare_part")
        performers = [p for p in self.data["parter"] if p["roll"] == "uppdragstagare"]
        return performers[0] if performers else None

    def pub(self) -> dict[str, Any] | None:
        pu = self.data["personuppgifter"]
        if pu["roll"] != "personuppgiftsbitrade":
            return None
        controllers_ids = pu.get("ansvarig") or [p["id"] for p in self.data["parter"] if p["roll"] == "uppdragsgivare"]
        controllers = [self.party(c, f"$.personuppgifter.ansvarig[{n}]") for n, c in enumerate(controllers_ids)]
        if "bitrade" in pu:
            processor = self.party(pu["bitrade"], "$.personuppgifter.bitrade")
        else:
            performers = [p for p in self.data["parter"] if p["roll"] == "uppdragstagare"]
            processor = performers[0] if performers else None
        found = [c for c in controllers if c]
        return {"ansvariga": found, "ansvariga_namn": join_names([c["namn"] for c in found]), "bitrade": processor}

    def bilagor(self, has_pub: bool, has_cost: bool) -> tuple[list[dict[str, Any]], dict[str, int]]:
        annexes: list[dict[str, Any]] = []
        numbers: dict[str, int] = {}
        if has_pub:
            annexes.append({"titel": "Personuppgiftsbiträdesavtal", "fil": PUB_FILE})
        if has_cost:
            annexes.append({"titel": "Kostnadsfördelning", "fil": COST_FILE})
        annexes.extend({"titel": b["titel"], "fil": None} for b in self.data["bilagor"])
        for number, annex in enumerate(annexes, start=1):
            annex["nummer"] = number
            if annex["fil"]:
                numbers[annex["fil"]] = number
        return annexes, numbers


def _threshold_dict(value: ThresholdValue, day: dt.date) -> dict[str, Any]:
    return {
        "datum": day.isoformat(),
        "namn": value.namn,
        "benamning": value.benamning,
        "belopp": value.belopp,
        "fran": value.fran.isoformat(),
        "till": value.till.isoformat() if value.till else None,
        "kalla": value.kalla,
    }
