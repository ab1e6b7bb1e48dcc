"""Compute stage: the rendering context, with shares, amounts, periods and dates worked out from the data."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from ..errors import ComputeError, Problem, ThresholdError
from ..kinds import KINDS
from ..paths import COST_FILE, PUB_FILE
from .money import ORE, has_ore, largest_remainder
from .organs import COST_ANNEX, annex_title, controller_organs, delegation, is_cooperation_basis, number_supplement_annexes, supplement_parties
from .periods import add_months as add_months  # legal/dates imports it from here
from .periods import earliest_end, whole_months
from .thresholds import Thresholds, ThresholdValue

RATE_PRECISION = Decimal("0.0001")
# Shares are shown with one decimal, rounded so that the shown shares add up to exactly 100,0 %.
SHARE_PRECISION = Decimal("0.1")

UNITS = {"invanare": "invånare", "anvandare": "användare", "andel": "procent", "lika": "lika delar"}
OPTIONAL_SECTIONS = ("forsakring", "upphovsratt", "personal")
# From this many commissioning parties a task for all of them says "samtliga uppdragsgivare" instead of every name.
ALL_COMMISSIONING_FROM = 3
ALL_COMMISSIONING = "samtliga uppdragsgivare"
# The running header holds the title on one line beside the diarienummer: longer titles are shortened.
HEADER_TITLE_MAX = 70


def build_context(data: dict[str, Any], thresholds: Thresholds, file: str) -> dict[str, Any]:
    """The full template context for schema-valid ``data`` with defaults applied (documented for authors in docs/falt.md)."""
    computer = _Computer(data, thresholds, file)
    berakning = computer.run()
    context = {key: data.get(key) for key in OPTIONAL_SECTIONS}
    context.update({key: value for key, value in data.items() if key != "$schema"})
    context["berakning"] = berakning
    return context


def party_references(data: dict[str, Any]) -> list[tuple[str, str]]:
    """Every party id the agreement refers to outside ``parter``, with its JSON path."""
    refs: list[tuple[str, str]] = []
    for n, task in enumerate(data.get("uppgifter", [])):
        refs.append((f"$.uppgifter[{n}].utforare", task["utforare"]))
        refs.extend((f"$.uppgifter[{n}].mottagare[{m}]", r) for m, r in enumerate(task["mottagare"]))
    fordelning = (data.get("ekonomi") or {}).get("fordelning") or {}
    refs.extend((f"$.ekonomi.fordelning.betalande[{n}]", r) for n, r in enumerate(fordelning.get("betalande", [])))
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


def paragraphs(text: str | None) -> list[str]:
    """A text split into Word paragraphs: one per non-empty line."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def short_title(title: str, limit: int = HEADER_TITLE_MAX) -> str:
    """The title cut at a word boundary so that it fits the running header, with an ellipsis when cut."""
    title = " ".join(title.split())
    if len(title) <= limit:
        return title
    cut = title[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:–-")
    return cut + "…"


def threshold_day(data: dict[str, Any]) -> dt.date:
    """The day whose threshold value applies: the cap's own date, else the agreement date."""
    tak = (data.get("ekonomi") or {}).get("tak") or {}
    return dt.date.fromisoformat(tak.get("datum", data["avtal"]["datum"]))


def join_names(names: list[str]) -> str:
    """Swedish list: ``A``, ``A och B``, ``A, B och C``."""
    names = [str(n) for n in names]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " och " + names[-1]


class _Computer:
    """Works out ``berakning`` for one agreement, collecting every problem before failing."""

    def __init__(self, data: dict[str, Any], thresholds: Thresholds, file: str) -> None:
        self.data = data
        self.ekonomi: dict[str, Any] = data.get("ekonomi") or {}
        self.thresholds = thresholds
        self.file = file
        self.problems: list[Problem] = unknown_parties(data, file)
        self.parties = {p["id"]: p for p in data["parter"]}

    def fail(self, place: str, message: str) -> None:
        self.problems.append(Problem(self.file, place, message))

    def with_role(self, role: str) -> list[dict[str, Any]]:
        return [p for p in self.data["parter"] if p.get("roll") == role]

    def run(self) -> dict[str, Any]:
        data = self.data
        period = self.tid()
        troskel = self.troskel()
        months = period["manader_berakning"]
        if troskel is not None and months is None and not self.ekonomi.get("fordelning"):
            self.period_problem()
        support = self.support(months)
        other = {} if support is None or support["annat_avtal"] else {r["id"]: r["belopp_period"] for r in support["rader"]}
        fordelning = self.fordelning(months, troskel, other)
        betalningar = self.betalningar(fordelning, support, troskel, months) if fordelning or support or troskel else None
        pub = self.pub()
        andringar, new_annexes = self.andringar()
        bilagor, numbers = self.bilagor(pub is not None, fordelning is not None, new_annexes)
        for change in andringar:
            change["bilaga_nummer"] = next((b["nummer"] for b in bilagor if change["bilaga"] and b["titel"] == change["bilaga"]), None)
        ersattning_ar = self.ekonomi.get("ersattning_ar")
        if self.problems:
            raise ComputeError(self.problems)
        return {
            "rubrik": KINDS[data["avtal"]["typ"]].heading,
            "kort_titel": short_title(data["avtal"]["titel"]),
            "bakgrund": paragraphs(data["avtal"].get("bakgrund")),
            "parter_namn": join_names([p["namn"] for p in data["parter"]]),
            "uppdragsgivare": self.with_role("uppdragsgivare"),
            "uppdragstagare": self.with_role("uppdragstagare"),
            "uppgifter": self.uppgifter(),
            "delegering_mottagare": self.delegering_mottagare(),
            "delegering": delegation(data),
            "lagrum_avtalssamverkan": is_cooperation_basis(data["avtal"]["lagrum"]),
            "tillagg": supplement_parties(data),
            "avtalstid": period["avtalstid"],
            "troskel": _threshold_dict(troskel, threshold_day(self.data)) if troskel else None,
            "fordelning": fordelning,
            "support": support,
            "betalningar": betalningar,
            "kostnad": self.kostnad(fordelning, numbers.get(COST_FILE)),
            "ersattning_period": (Decimal(ersattning_ar) * months / 12) if ersattning_ar is not None and months else None,
            "pub": pub,
            "andringar": andringar,
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
        months = whole_months(start, end) if end else None
        years = months // 12 if months and months % 12 == 0 else None
        if "berakningsperiod_ar" in self.ekonomi:
            period: int | None = self.ekonomi["berakningsperiod_ar"] * 12
        else:
            period = self.ekonomi.get("berakningsperiod_manader", months)
        return {
            "manader_berakning": period,
            "avtalstid": {
                "start": tid["start"],
                "slut": tid.get("slut"),
                "tillsvidare": end is None,
                "ar": years,
                "manader": months,
                "betalning_fran": tid.get("betalning_fran"),
                "tidigaste_upphorande": earliest_end(start, notice["manader"], notice["vid_arsskifte"], end).isoformat(),
                "forlangning_ar": tid.get("forlangning", {}).get("ar"),
            },
        }

    def troskel(self) -> ThresholdValue | None:
        tak = self.ekonomi.get("tak")
        if not tak:
            return None
        day = threshold_day(self.data)
        try:
            return self.thresholds.value(tak["troskel"], day, "$.ekonomi.tak.troskel", self.file)
        except ThresholdError as e:
            self.problems.extend(e.problems)
            return None

    def payers(self) -> list[tuple[int, dict[str, Any]]]:
        index_of = {p["id"]: i for i, p in enumerate(self.data["parter"])}
        return [(index_of[party_id], self.parties[party_id]) for party_id in payer_ids(self.data) if party_id in self.parties]

    def period_problem(self) -> None:
        tid = self.data["avtalstid"]
        if "slut" not in tid:
            self.fail(
                "$.ekonomi.berakningsperiod_ar",
                "avtalet gäller tills vidare, så kostnaderna kan inte räknas över avtalstiden; ange beräkningsperioden "
                "i $.ekonomi.berakningsperiod_ar (hela år) eller $.ekonomi.berakningsperiod_manader (månader)",
            )
        else:
            self.fail(
                "$.ekonomi.berakningsperiod_manader",
                f"avtalstiden {tid['start']} – {tid['slut']} är inte ett helt antal månader; ange beräkningsperioden "
                "i $.ekonomi.berakningsperiod_manader, till exempel 5 för fem månader",
            )

    def fordelning(self, months: int | None, troskel: ThresholdValue | None, other: dict[str, Decimal]) -> dict[str, Any] | None:
        """The cost split between the payers, every column summing exactly to the amount it allocates.

        ``other`` is what each party pays besides this allocation over the period (support), which counts against the cap.
        """
        ekonomi = self.ekonomi
        fordelning = ekonomi.get("fordelning")
        if not fordelning:
            return None
        key = fordelning["nyckel"]
        payers = self.payers()
        if months is None:
            self.period_problem()
            return None
        if not payers:
            return None
        years = Decimal(months) / 12
        basis: list[Decimal] = []
        for index, p in payers:
            if key in ("invanare", "anvandare", "andel"):
                field = {"invanare": "invanare", "anvandare": "anvandare", "andel": "andel_procent"}[key]
                if field not in p:
                    self.fail(f"$.parter[{index}].{field}", f"saknas; behövs när kostnaden fördelas efter {UNITS[key]}")
                    basis.append(Decimal(0))
                    continue
                basis.append(Decimal(str(p[field])))
            else:
                basis.append(Decimal(1))
        total_basis = sum(basis, Decimal(0))
        if total_basis <= 0:
            if not self.problems:
                self.fail("$.ekonomi.fordelning.nyckel", "underlaget för fördelningen summerar till noll")
            return None
        performers = {p["id"] for p in self.with_role("uppdragstagare")}
        cost: Any = ekonomi.get("kostnad_ar", ekonomi.get("ersattning_ar"))
        price: Decimal | None = None
        binding = rounded = False
        if ekonomi["modell"] in ("per_invanare", "per_anvandare") and key in ("invanare", "anvandare"):
            from_cost = Decimal(cost) / total_basis if cost is not None else None
            from_cap = None
            if troskel is not None:
                # The highest price at which every paying party that is not the performer stays within the cap,
                # counting what it pays besides this allocation (support) over the same period.
                limits = [
                    max(Decimal(troskel.belopp) - other.get(p["id"], Decimal(0)), Decimal(0)) / amount / years
                    for (_, p), amount in zip(payers, basis, strict=True)
                    if amount > 0 and p["id"] not in performers
                ]
                from_cap = min(limits) if limits else None
            if from_cost is None and from_cap is None:
                self.fail("$.ekonomi.kostnad_ar", "ange kostnaden per år eller ett tak, så att priset per enhet kan räknas ut")
                return None
            if from_cap is not None and (from_cost is None or from_cap < from_cost):
                binding = True
                price = from_cap.quantize(RATE_PRECISION, rounding=ROUND_DOWN)
                total_year = (price * total_basis).quantize(ORE, rounding=ROUND_HALF_UP)
            else:
                assert from_cost is not None
                price = from_cost.quantize(ORE, rounding=ROUND_HALF_UP)
                rounded = price != from_cost
                total_year = Decimal(cost)
        elif cost is None:
            self.fail("$.ekonomi.kostnad_ar", "ange kostnaden per år som ska fördelas")
            return None
        else:
            total_year = Decimal(cost)
        per_year = largest_remainder(total_year, basis)
        if months % 12 == 0:
            per_period = [amount * (months // 12) for amount in per_year]
        else:
            total_period = (total_year * months / 12).quantize(ORE, rounding=ROUND_HALF_UP)
            per_period = largest_remainder(total_period, basis)
        shown_shares = largest_remainder(Decimal(100), basis, SHARE_PRECISION)
        rows = []
        for (_, p), amount, share, year, period in zip(payers, basis, shown_shares, per_year, per_period, strict=True):
            performer = p["id"] in performers
            rows.append({
                "id": p["id"],
                "namn": p["namn"],
                "organisationsnummer": p["organisationsnummer"],
                "underlag": int(amount) if key in ("invanare", "anvandare") else None,
                "andel_procent": amount / total_basis * 100,
                "andel_visad": share,
                "belopp_ar": year,
                "belopp_period": period,
                "utforare": performer,
                "inom_tak": None,
            })
        return {
            "nyckel": key,
            "enhet": UNITS[key],
            "underlag_datum": fordelning.get("underlag_datum"),
            "period_ar": months // 12 if months % 12 == 0 else None,
            "period_manader": months,
            "kostnad_ar": Decimal(cost) if cost is not None else None,
            "pris_per_enhet_ar": price,
            "pris_bindande": binding,
            "pris_avrundat": rounded,
            "tak_per_part": troskel.belopp if troskel else None,
            "kommentar": fordelning.get("kommentar"),
            "rader": rows,
            "summa_underlag": int(total_basis) if key in ("invanare", "anvandare") else None,
            "summa_ar": sum(per_year, Decimal(0)),
            "summa_period": sum(per_period, Decimal(0)),
            "ore_ar": any(has_ore(a) for a in per_year),
            "ore_period": any(has_ore(a) for a in per_period),
        }

    def support(self, months: int | None) -> dict[str, Any] | None:
        support = self.ekonomi.get("support")
        if not support:
            return None
        exact = Decimal(support["kostnad_ar"]) / support["anvandare_totalt"]
        price = exact.quantize(ORE, rounding=ROUND_HALF_UP)
        rows = []
        for p in self.with_role("uppdragsgivare"):
            if "anvandare" not in p:
                continue
            year = price * p["anvandare"]
            period = (year * months / 12).quantize(ORE, rounding=ROUND_HALF_UP) if months else None
            rows.append({"id": p["id"], "namn": p["namn"], "anvandare": p["anvandare"], "belopp_ar": year, "belopp_period": period})
        if not rows:
            self.fail("$.ekonomi.support", "ingen uppdragsgivare har angett antal användare (parter[].anvandare)")
        return {
            "kostnad_ar": Decimal(support["kostnad_ar"]),
            "anvandare_totalt": support["anvandare_totalt"],
            "pris_per_anvandare_ar": price,
            "pris_avrundat": price != exact,
            "beskrivning": support.get("beskrivning"),
            "annat_avtal": support.get("annat_avtal"),
            "rader": rows,
            "summa_anvandare": sum(r["anvandare"] for r in rows),
            "summa_ar": sum((r["belopp_ar"] for r in rows), Decimal(0)),
            "ore": any(has_ore(r["belopp_ar"]) for r in rows),
        }

    def betalningar(self, fordelning: dict[str, Any] | None, support: dict[str, Any] | None,
                    troskel: ThresholdValue | None, months: int | None) -> dict[str, Any]:
        """Everything each party pays under the agreement over the period, summed, and held against the cap.

        The cap is about what a buyer pays under the contract (5 kap. LOU on a contract's value), so support counts
        unless it is paid under another agreement (``ekonomi.support.annat_avtal``). The performer has no cap.
        """
        performers = {p["id"] for p in self.with_role("uppdragstagare")}
        allocated = {r["id"]: r["belopp_period"] for r in (fordelning or {}).get("rader", [])}
        counted_support = support is not None and not support.get("annat_avtal")
        supported = {r["id"]: r["belopp_period"] for r in (support or {}).get("rader", [])} if counted_support else {}
        rows = []
        for p in self.data["parter"]:
            if p["id"] not in allocated and p["id"] not in supported:
                continue
            use = allocated.get(p["id"])
            fee = supported.get(p["id"])
            total = (use or Decimal(0)) + (fee or Decimal(0))
            cap = troskel.belopp if troskel is not None and p["id"] not in performers else None
            rows.append({
                "id": p["id"],
                "namn": p["namn"],
                "fordelning_period": use,
                "support_period": fee,
                "summa_period": total,
                "utforare": p["id"] in performers,
                "tak": cap,
                "inom_tak": None if cap is None else total < cap,
            })
        covers = []
        if fordelning is not None:
            covers.append("den kostnad som fördelas enligt kostnadsfördelningen")
        if counted_support:
            covers.append("avgiften för support och förvaltning")
        for row in (fordelning or {}).get("rader", []):
            row["inom_tak"] = next((r["inom_tak"] for r in rows if r["id"] == row["id"]), None)
        amounts = [a for r in rows for a in (r["fordelning_period"], r["support_period"], r["summa_period"]) if a is not None]
        tid = self.data["avtalstid"]
        first = dt.date.fromisoformat(tid.get("betalning_fran", tid["start"]))
        return {
            "period_manader": months,
            "period_start": first.isoformat(),
            "period_slut": (add_months(first, months) - dt.timedelta(days=1)).isoformat() if months else None,
            "rader": rows,
            "omfattar": covers,
            "utan_tak": [p for p in self.with_role("uppdragstagare") if p["id"] in allocated or p["id"] in supported],
            "tak": troskel.belopp if troskel is not None else None,
            "alla_inom": all(r["inom_tak"] is not False for r in rows),
            "ore": any(has_ore(a) for a in amounts),
        }

    def kostnad(self, fordelning: dict[str, Any] | None, annex: int | None) -> dict[str, Any] | None:
        """What the yearly amount in ``ekonomi.kostnad_ar`` is, said in words the document can stand behind."""
        cost = self.ekonomi.get("kostnad_ar")
        if cost is None:
            return None
        label = self.ekonomi.get("kostnad_benamning")
        if label:
            benamning = label[:1].upper() + label[1:]
        elif fordelning is not None and annex is not None and fordelning["summa_ar"] == cost:
            benamning = f"Den kostnad som fördelas enligt bilaga {annex}"
        else:
            benamning = "Den beräknade kostnaden för uppgifterna"
        return {"benamning": benamning, "belopp_ar": Decimal(cost)}

    def receivers_text(self, ids: list[str]) -> str:
        """The recipients of a task by name, or "samtliga uppdragsgivare" when it is for all of many."""
        commissioning = [p["id"] for p in self.with_role("uppdragsgivare")]
        if len(commissioning) >= ALL_COMMISSIONING_FROM and set(ids) == set(commissioning):
            return ALL_COMMISSIONING
        return join_names([self.parties[r]["namn"] for r in ids if r in self.parties])

    def uppgifter(self) -> list[dict[str, Any]]:
        return [
            {
                "nummer": n + 1,
                "beskrivning": task["beskrivning"],
                "utforare_namn": self.parties.get(task["utforare"], {}).get("namn", ""),
                "mottagare_namn": self.receivers_text(task["mottagare"]),
                "omfattning": task.get("omfattning"),
                "lagrum": task.get("lagrum"),
            }
            for n, task in enumerate(self.data.get("uppgifter", []))
        ]

    def delegering_mottagare(self) -> dict[str, Any] | None:
        delegering = self.data.get("extern_delegering") or {}
        if not delegering.get("forekommer"):
            return None
        if "mottagare_part" in delegering:
            return self.parties.get(delegering["mottagare_part"])
        performers = self.with_role("uppdragstagare")
        return performers[0] if performers else None

    def pub(self) -> dict[str, Any] | None:
        pu = self.data.get("personuppgifter") or {}
        if pu.get("roll") != "personuppgiftsbitrade":
            return None
        controllers = [self.parties[c] for c in controller_ids(self.data) if c in self.parties]
        organs = controller_organs(self.data, controller_ids(self.data))
        processor = processor_id(self.data)
        return {
            "ansvariga": controllers,
            "ansvariga_organ": organs,
            "ansvariga_namn": join_names([c["namn"] for c in organs]),
            "bitrade": self.parties.get(processor) if processor else None,
        }

    def andringar(self) -> tuple[list[dict[str, Any]], list[str]]:
        """The changes of a tilläggsavtal, numbered, with their new text as paragraphs; and the annexes they add."""
        changes = []
        annexes: list[str] = []
        for n, change in enumerate(self.data.get("andringar", [])):
            annex = annex_title(change)
            if annex and annex not in annexes and not change.get("kostnadsfordelning"):
                annexes.append(annex)
            changes.append({
                "nummer": n + 1,
                "avser": change["avser"],
                "atgard": change["atgard"],
                "stycken": paragraphs(change.get("lydelse")),
                "bilaga": annex,
                "bilaga_nummer": None,
            })
        return changes, annexes

    def bilagor(self, has_pub: bool, has_cost: bool, new_annexes: list[str]) -> tuple[list[dict[str, Any]], dict[str, int]]:
        annexes: list[dict[str, Any]] = []
        numbers: dict[str, int] = {}
        if has_pub:
            annexes.append({"titel": "Personuppgiftsbiträdesavtal", "fil": PUB_FILE})
        if has_cost:
            annexes.append({"titel": COST_ANNEX, "fil": COST_FILE})
        annexes.extend({"titel": title, "fil": None} for title in new_annexes)
        annexes.extend({"titel": b["titel"], "fil": None} for b in self.data.get("bilagor", []) if b["titel"] not in new_annexes)
        for number, annex in enumerate(annexes, start=1):
            annex["nummer"] = number
            annex["ersatter"] = None
        if self.data["avtal"]["typ"] == "tillaggsavtal":
            annexes = number_supplement_annexes(annexes, self.data.get("andringar", []))
        numbers = {annex["fil"]: annex["nummer"] for annex in annexes if annex["fil"]}
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
