"""Legal rules stage: checks the law asks for that a JSON Schema cannot express."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..agreement.compute import add_months, controller_ids, payer_ids, processor_id
from ..agreement.filters import kr, manader, pris, procent, tidsperiod
from ..agreement.organs import annex_number, is_cooperation_basis
from ..agreement.schema import apply_defaults
from ..agreement.thresholds import Thresholds
from ..errors import AvtalError, Problem, Severity
from ..kinds import FULL_KINDS, KINDS, SECTION_KINDS

# The general direct-procurement limit, looked up when the agreement names no cap (``ekonomi.tak``).
GENERAL_LIMIT = "direktupphandlingsgrans"

PARTY_TYPES = ("kommun", "region", "kommunalforbund")
KIND_NAMES = {key: kind.name for key, kind in KINDS.items()}
# Laws under which a task belongs to both kommuner and regioner (hälso- och sjukvård, hjälpmedel).
SHARED_TASK_LAWS = ("hälso- och sjukvårdslagen", "2017:30")
TYPE_NAMES = {"kommun": "en kommun", "region": "en region", "kommunalforbund": "ett kommunalförbund"}
# Organisation number series (first six digits) by party type; Region Gotland is legally a kommun.
SERIES = {"kommun": "212000", "region": "232100", "kommunalforbund": "222000"}
ORGNR = re.compile(r"^[0-9]{6}-[0-9]{4}$")
HAMBURG_MAX_OPEN_MARKET = 20
HAMBURG_CRITERIA = {
    "endast_upphandlande_myndigheter": "samverkan sker enbart mellan upphandlande myndigheter",
    "gemensamma_mal": "samverkan gäller offentliga tjänster som parterna ska tillhandahålla för att nå gemensamma mål",
    "allmanintresse": "samverkan styrs endast av överväganden som hänger samman med allmänintresset",
}
# Art. 28(3) GDPR content of a processor agreement: field and what it holds.
PUB_CONTENT = (
    ("andamal", "ändamålen med behandlingen"),
    ("kategorier", "kategorierna av personuppgifter"),
    ("registrerade", "kategorierna av registrerade"),
    ("sakerhetsatgarder", "säkerhetsåtgärderna enligt artikel 32 (bilaga III)"),
    ("varaktighet", "behandlingens varaktighet"),
)
DELEGATION_CATEGORIES = {
    "konsult": "en konsult är inte anställd hos uppdragstagaren",
    "fortroendevald": "förtroendevalda kan inte få beslutanderätt genom extern delegering",
    "bolag": "anställda i ett bolag, även ett kommunalt bolag, kan inte få beslutanderätt genom extern delegering",
}

Finding = tuple[str, str]


@dataclass(frozen=True)
class Agreement:
    """Read-only view of one agreement's data and computed context, with lookups the rules share."""

    data: dict[str, Any]
    context: dict[str, Any]
    thresholds: Thresholds | None = None

    @property
    def parties(self) -> list[dict[str, Any]]:
        parties: list[dict[str, Any]] = self.data.get("parter", [])
        return parties

    def index_of(self, party_id: str) -> int | None:
        for index, party in enumerate(self.parties):
            if party.get("id") == party_id:
                return index
        return None

    def role_of(self, party_id: str) -> str | None:
        index = self.index_of(party_id)
        return None if index is None else self.parties[index].get("roll")

    @property
    def kind(self) -> str:
        return str(self.data["avtal"]["typ"])

    def label(self, index: int) -> str:
        return f"{self.parties[index].get('namn')} ($.parter[{index}])"

    def performers(self) -> list[str]:
        return [p["id"] for p in self.parties if p.get("roll") == "uppdragstagare"]

    def berakning(self) -> dict[str, Any]:
        berakning: dict[str, Any] = self.context.get("berakning") or {}
        return berakning


RuleFunction = Callable[[Agreement], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    """One legal rule: a short id, the severity of everything it finds, and the check itself."""

    id: str
    severity: Severity
    check: RuleFunction


RULES: list[Rule] = []


def rule(rule_id: str, severity: Severity = "fel") -> Callable[[RuleFunction], RuleFunction]:
    """Register a rule function; it yields ``(json_path, message)`` pairs for what it finds."""

    def register(function: RuleFunction) -> RuleFunction:
        if any(r.id == rule_id for r in RULES):
            raise ValueError(f"rule id {rule_id} registered twice")
        RULES.append(Rule(rule_id, severity, function))
        return function

    return register


def check(data: dict[str, Any], context: dict[str, Any], file: str, thresholds: Thresholds | None = None) -> list[Problem]:
    """Every rule's findings for one schema-valid agreement (defaults applied), in rule order.

    ``context`` may be empty when computing it failed: rules that need computed amounts then find nothing.
    ``thresholds`` lets agreements without a cap be checked against the general direct-procurement limit.
    """
    agreement = Agreement(data, context, thresholds)
    return [Problem(file, place, message, r.severity) for r in RULES for place, message in r.check(agreement)]


# --- helpers ---------------------------------------------------------------------------------------


def luhn_valid(digits: str) -> bool:
    """True when the digit string passes the Luhn check (its last digit is the check digit)."""
    if not digits.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def luhn_check_digit(digits: str) -> int:
    """The check digit that makes ``digits`` followed by it pass the Luhn check."""
    return next(d for d in range(10) if luhn_valid(digits + str(d)))


def orgnr_valid(number: str) -> bool:
    """True for ``NNNNNN-NNNN`` with a correct Luhn check digit over all ten digits."""
    return bool(ORGNR.match(number)) and luhn_valid(number.replace("-", ""))


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def _ekonomi(a: Agreement) -> dict[str, Any]:
    ekonomi: dict[str, Any] = a.data.get("ekonomi") or {}
    return ekonomi


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | dict):
        return not value
    return False


def _name_key(name: str) -> str:
    return " ".join(str(name).split()).casefold()


# --- parties ---------------------------------------------------------------------------------------


@rule("parter.typ")
def party_types(a: Agreement) -> Iterator[Finding]:
    """Only municipalities, regions and local federations can be parties (the schema's enum, kept as defence)."""
    for i, party in enumerate(a.parties):
        kind = party.get("typ")
        if kind not in PARTY_TYPES:
            yield (
                f"$.parter[{i}].typ",
                f"\"{kind}\" kan inte vara part; bara en kommun, en region eller ett kommunalförbund kan ingå avtalet, "
                "aldrig ett bolag eller staten; ange kommun, region eller kommunalforbund",
            )


def _shared_task(task: dict[str, Any]) -> bool:
    """True when the task is one of both kommuner and regioner: stated, or under a law that gives both the task."""
    if task.get("delad_kompetens"):
        return True
    law = str(task.get("lagrum", "")).casefold()
    return any(name in law for name in SHARED_TASK_LAWS)


def _competence(party: dict[str, Any]) -> set[str]:
    """Whose tasks a party may take on: a kommun's, a region's, or both (a kommun with a region's tasks, as Region Gotland)."""
    kind = str(party.get("typ"))
    if kind == "kommun" and party.get("regionala_uppgifter") is True:
        return {"kommun", "region"}
    return {kind} & {"kommun", "region"}


def _mixed_tasks(a: Agreement) -> Iterator[tuple[int, dict[str, Any], list[int]]]:
    """Tasks whose performer and recipients share no kind of competence: index, task and the parties' indexes."""
    if not KINDS[a.data["avtal"]["typ"]].same_kind_parties:
        return
    for n, task in enumerate(a.data.get("uppgifter", [])):
        indexes = [i for i in (a.index_of(x) for x in [task["utforare"], *task["mottagare"]]) if i is not None]
        competences = [c for c in (_competence(a.parties[i]) for i in indexes) if c]
        if competences and not set.intersection(*competences):
            yield n, task, indexes


@rule("parter.samma_slag")
def same_kind(a: Agreement) -> Iterator[Finding]:
    """Kommuner and regioner in one task only when the task lies within every party's competence (9 kap. 37 § KL)."""
    for n, task, indexes in _mixed_tasks(a):
        if _shared_task(task):
            continue
        regions = [a.parties[i]["namn"] for i in indexes if a.parties[i].get("typ") == "region"]
        municipalities = [a.parties[i]["namn"] for i in indexes if a.parties[i].get("typ") == "kommun"]
        gotland = [i for i in indexes if a.parties[i].get("typ") == "kommun" and "gotland" in str(a.parties[i].get("namn", "")).casefold()
                   and a.parties[i].get("regionala_uppgifter") is not True]
        hint = "".join(f"; {a.parties[i]['namn']} har också en regions uppgifter: ange $.parter[{i}].regionala_uppgifter: true"
                       for i in gotland)
        yield (
            f"$.uppgifter[{n}]",
            f"uppgiften utförs mellan {len(regions)} {'region' if len(regions) == 1 else 'regioner'} och "
            f"{len(municipalities)} {'kommun' if len(municipalities) == 1 else 'kommuner'}; i {KIND_NAMES[a.data['avtal']['typ']]} "
            "måste uppgiften ligga inom varje parts kompetens enligt lag (9 kap. 37 § kommunallagen); ange lagrummet i "
            f"$.uppgifter[{n}].lagrum, eller $.uppgifter[{n}].delad_kompetens: true om uppgiften är både kommunernas och "
            f"regionernas, annars gör separata avtal eller välj en annan avtalstyp i $.avtal.typ{hint}",
        )


@rule("parter.samma_slag_delad", "varning")
def same_kind_shared(a: Agreement) -> Iterator[Finding]:
    """Kommuner and regioner together in a shared task: allowed, but worth confirming once."""
    shared = [n for n, task, _ in _mixed_tasks(a) if _shared_task(task)]
    if shared:
        places = ", ".join(f"$.uppgifter[{n}]" for n in shared)
        which = f"uppgiften ({places}) är en uppgift" if len(shared) == 1 else f"uppgifterna ({places}) är uppgifter"
        yield (
            "$.parter",
            f"parterna är både kommuner och regioner; det går eftersom {which} för både kommuner och regioner, till exempel "
            "hjälpmedel enligt hälso- och sjukvårdslagen; bekräfta att varje uppgift i avtalet ligger inom varje parts kompetens",
        )


@rule("parter.regionala_uppgifter")
def regional_tasks(a: Agreement) -> Iterator[Finding]:
    """Only a kommun can also have a region's tasks (Region Gotland); a region or a federation marked so is a mistake."""
    for i, party in enumerate(a.parties):
        if party.get("regionala_uppgifter") is True and party.get("typ") != "kommun":
            yield (
                f"$.parter[{i}].regionala_uppgifter",
                f"bara en kommun kan också ha en regions uppgifter (som Region Gotland), och {party.get('namn')} har typen "
                f"{party.get('typ')}; ta bort fältet, eller ändra typen till kommun om parten är en kommun",
            )


@rule("parter.kommunalforbund", "varning")
def federation_mandate(a: Agreement) -> Iterator[Finding]:
    """A local federation may only take part within its charter (förbundsordning)."""
    for i, party in enumerate(a.parties):
        if party.get("typ") == "kommunalforbund":
            yield (
                f"$.parter[{i}].typ",
                f"{party.get('namn')} är ett kommunalförbund och får bara samverka inom sin förbundsordning; "
                "bekräfta att uppgifterna i avtalet ryms i förbundsordningen",
            )


@rule("parter.roller")
def both_roles(a: Agreement) -> Iterator[Finding]:
    """At least one commissioning party and one performing party, in the kinds that have tasks."""
    if a.data["avtal"]["typ"] not in FULL_KINDS:
        return
    roles = {p.get("roll") for p in a.parties}
    for role, text in (("uppdragsgivare", "en uppdragsgivare (parten vars uppgifter utförs)"),
                       ("uppdragstagare", "en uppdragstagare (parten som utför uppgifterna)")):
        if role not in roles:
            yield "$.parter", f"ingen part har rollen {role}; avtalet behöver minst {text}; ändra rollen för en part"


@rule("parter.dubbletter")
def duplicate_parties(a: Agreement) -> Iterator[Finding]:
    """No party twice: the same id, name or organisation number."""
    for field, what, key in (("id", "id", str), ("namn", "namn", _name_key), ("organisationsnummer", "organisationsnummer", str)):
        seen: dict[str, int] = {}
        for i, party in enumerate(a.parties):
            if field not in party:
                continue
            value = key(party[field])
            if value in seen:
                yield (
                    f"$.parter[{i}].{field}",
                    f"samma {what} som $.parter[{seen[value]}] ({party[field]}); varje part ska finnas med en gång, "
                    "ta bort dubbletten eller rätta uppgiften",
                )
            else:
                seen[value] = i


# --- organisation numbers --------------------------------------------------------------------------


@rule("orgnr.form")
def orgnr_format(a: Agreement) -> Iterator[Finding]:
    """Ten digits written NNNNNN-NNNN (the schema's pattern, kept as defence)."""
    for i, party in enumerate(a.parties):
        number = str(party.get("organisationsnummer", ""))
        if not ORGNR.match(number):
            yield f"$.parter[{i}].organisationsnummer", f"\"{number}\" har fel form; skriv tio siffror som NNNNNN-NNNN"


@rule("orgnr.kontrollsiffra")
def orgnr_check_digit(a: Agreement) -> Iterator[Finding]:
    """The last digit is a Luhn check digit over the ten digits."""
    for i, party in enumerate(a.parties):
        number = str(party.get("organisationsnummer", ""))
        if ORGNR.match(number) and not orgnr_valid(number):
            yield f"$.parter[{i}].organisationsnummer", f"kontrollsiffran stämmer inte ({number}); kontrollera numret"


@rule("orgnr.serie")
def orgnr_series(a: Agreement) -> Iterator[Finding]:
    """The number belongs to the series of the party's type: kommun 212000-, region 232100-, kommunalförbund 222000-."""
    for i, party in enumerate(a.parties):
        number = str(party.get("organisationsnummer", ""))
        kind = party.get("typ")
        if not ORGNR.match(number) or kind not in SERIES or number.startswith(SERIES[kind]):
            continue
        place = f"$.parter[{i}].organisationsnummer"
        if number.startswith("5"):
            yield place, (
                f"numret {number} tillhör ett bolag (aktiebolagsnummer börjar med 5), och ett bolag kan inte vara part; "
                f"ange organisationsnumret för {TYPE_NAMES[kind]} själv"
            )
            continue
        owner = next((k for k, prefix in SERIES.items() if number.startswith(prefix)), None)
        if owner == "kommun" and kind == "region":
            yield place, (
                f"numret {number} tillhör en kommun ({SERIES['kommun']}-), inte en region ({SERIES['region']}-); "
                "ändra typen till kommun (Region Gotland är juridiskt en kommun) eller rätta numret"
            )
        elif owner is not None:
            yield place, (
                f"numret {number} tillhör {TYPE_NAMES[owner]} ({SERIES[owner]}-), inte {TYPE_NAMES[kind]} ({SERIES[kind]}-); "
                "ändra typen eller rätta numret"
            )
        else:
            yield place, (
                f"numret {number} hör inte till serien för {TYPE_NAMES[kind]} ({SERIES[kind]}-); kontrollera numret och partens typ"
            )


# --- tasks -----------------------------------------------------------------------------------------


@rule("uppgifter.roller")
def task_roles(a: Agreement) -> Iterator[Finding]:
    """The performer of a task is an uppdragstagare, its recipients are uppdragsgivare."""
    for n, task in enumerate(a.data.get("uppgifter", [])):
        role = a.role_of(task["utforare"])
        if role is not None and role != "uppdragstagare":
            yield (
                f"$.uppgifter[{n}].utforare",
                f"\"{task['utforare']}\" har rollen {role}, men den som utför en uppgift ska vara uppdragstagare; "
                "ändra utföraren eller partens roll",
            )
        for m, receiver in enumerate(task["mottagare"]):
            role = a.role_of(receiver)
            if role is not None and role != "uppdragsgivare":
                yield (
                    f"$.uppgifter[{n}].mottagare[{m}]",
                    f"\"{receiver}\" har rollen {role}, men den som uppgiften utförs åt ska vara uppdragsgivare; "
                    "ändra mottagaren eller partens roll",
                )


# --- external delegation ---------------------------------------------------------------------------


@rule("delegering.kategori")
def delegation_category(a: Agreement) -> Iterator[Finding]:
    """Decision-making may only be delegated to employees of the performing party."""
    delegation = a.data["extern_delegering"]
    category = delegation.get("mottagare_kategori", "anstalld")
    if delegation["forekommer"] and category != "anstalld":
        reason = DELEGATION_CATEGORIES.get(category, f"\"{category}\" är inte anställda")
        yield (
            "$.extern_delegering.mottagare_kategori",
            f"beslutanderätt får bara delegeras till anställda hos uppdragstagaren; {reason}; "
            "ange anstalld och en befattning, eller ta bort delegeringen",
        )


@rule("delegering.befattning")
def delegation_post(a: Agreement) -> Iterator[Finding]:
    """The post (befattning) that receives the delegated decisions is named."""
    delegation = a.data["extern_delegering"]
    if delegation["forekommer"] and _blank(delegation.get("befattning")):
        yield (
            "$.extern_delegering.befattning",
            "saknas; ange vilken befattning hos uppdragstagaren som får fatta besluten, till exempel enhetschef",
        )


@rule("delegering.vidaredelegering")
def delegation_further(a: Agreement) -> Iterator[Finding]:
    """Whether further delegation is allowed is stated."""
    delegation = a.data["extern_delegering"]
    if delegation["forekommer"] and "vidaredelegering" not in delegation:
        yield (
            "$.extern_delegering.vidaredelegering",
            "saknas; avtalet ska ange om beslutanderätten får delegeras vidare: ange true eller false",
        )


@rule("delegering.arenden")
def delegation_matters(a: Agreement) -> Iterator[Finding]:
    """The delegated matters are listed, so delegation stays within the agreement's tasks."""
    delegation = a.data["extern_delegering"]
    if delegation["forekommer"] and (_blank(delegation.get("arenden")) or any(_blank(x) for x in delegation.get("arenden", []))):
        yield (
            "$.extern_delegering.arenden",
            "ange vilka ärenden som delegeras; delegeringen får bara gälla uppgifter som avtalet omfattar",
        )


@rule("delegering.mottagare_part")
def delegation_party(a: Agreement) -> Iterator[Finding]:
    """The party whose employees receive the delegation exists and is an uppdragstagare."""
    delegation = a.data["extern_delegering"]
    if not delegation["forekommer"] or "mottagare_part" not in delegation:
        return
    party_id = delegation["mottagare_part"]
    role = a.role_of(party_id)
    if a.index_of(party_id) is not None and role != "uppdragstagare":
        yield (
            "$.extern_delegering.mottagare_part",
            f"\"{party_id}\" har rollen {role}; beslutanderätt kan bara delegeras till anställda hos uppdragstagaren; "
            f"ange en av: {', '.join(a.performers()) or '(ingen uppdragstagare)'}",
        )


@rule("delegering.namnder")
def delegation_committees(a: Agreement) -> Iterator[Finding]:
    """Only a committee of a commissioning party delegates, and the agreement names it (9 kap. 37 § KL)."""
    delegation = a.data["extern_delegering"]
    if not delegation["forekommer"]:
        return
    committees = delegation.get("namnder", [])
    if not committees:
        yield (
            "$.extern_delegering.namnder",
            "saknas; ange den eller de nämnder hos uppdragsgivarna som får delegera beslutanderätt enligt avtalet, "
            "en rad per nämnd med part och nämndens namn (och nämndens beslut om delegeringen när det är fattat)",
        )
    for n, row in enumerate(committees):
        role = a.role_of(row["part"])
        if a.index_of(row["part"]) is not None and role != "uppdragsgivare":
            givers = [p["id"] for p in a.parties if p.get("roll") == "uppdragsgivare"]
            yield (
                f"$.extern_delegering.namnder[{n}].part",
                f"\"{row['part']}\" har rollen {role}; bara en nämnd hos en uppdragsgivare kan delegera beslutanderätt i "
                f"uppdragsgivarens ärenden till uppdragstagarens anställda; ange en av: {', '.join(givers) or '(ingen uppdragsgivare)'}",
            )


def _is_administrative_head(delegation: dict[str, Any]) -> bool:
    """True when the post receiving the delegation is a förvaltningschef, by name or as stated."""
    return delegation.get("forvaltningschef") is True or "förvaltningschef" in str(delegation.get("befattning", "")).casefold()


@rule("delegering.forvaltningschef")
def delegation_further_only_through_head(a: Agreement) -> Iterator[Finding]:
    """Further delegation only from a förvaltningschef (7 kap. 6 § KL)."""
    delegation = a.data["extern_delegering"]
    if delegation["forekommer"] and delegation.get("vidaredelegering") is True and not _is_administrative_head(delegation):
        post = delegation.get("befattning", "(ingen befattning angiven)")
        yield (
            "$.extern_delegering.vidaredelegering",
            f"vidaredelegering är bara tillåten när beslutanderätten har lämnats till en förvaltningschef (7 kap. 6 § kommunallagen), "
            f"och befattningen är {post}; ange false, eller lämna beslutanderätten till förvaltningschefen i $.extern_delegering.befattning "
            "(ange $.extern_delegering.forvaltningschef: true om befattningen är förvaltningschef under ett annat namn); "
            "kontrollera också att den delegerande nämndens delegationsordning medger vidaredelegering",
        )


# --- decision organ ---------------------------------------------------------------------------------

# The generator's own guide value for a "large" agreement when a party states no limit of its own: not a rule of law.
DECISION_AMOUNT_DEFAULT = 1_000_000


def _highest_organ(party: dict[str, Any]) -> bool:
    """True when the decision is the assembly's: fullmäktige, or the board of a federation without an assembly."""
    organ = str((party.get("beslut") or {}).get("organ", "")).casefold()
    return "fullmäktige" in organ or (party.get("typ") == "kommunalforbund" and "direktion" in organ)


def _yearly_value(a: Agreement, party_id: str) -> Decimal | None:
    """What the agreement is worth a year to a party: its row in the cost allocation, else the agreement's yearly amount."""
    fordelning = a.berakning().get("fordelning") or {}
    for row in fordelning.get("rader", []):
        if row.get("id") == party_id:
            return Decimal(row["belopp_ar"])
    ekonomi = _ekonomi(a)
    for value in (ekonomi.get("kostnad_ar"), ekonomi.get("ersattning_ar"), fordelning.get("summa_ar")):
        if value is not None:
            return Decimal(value)
    return None


@rule("beslut.organ", "varning")
def decision_organ(a: Agreement) -> Iterator[Finding]:
    """A large agreement decided by the board or a committee: matters of principle or greater weight are fullmäktige's (5 kap. 1 § KL)."""
    if a.kind not in FULL_KINDS:
        return
    for i, party in enumerate(a.parties):
        beslut = party.get("beslut") or {}
        if _highest_organ(party) or not _blank(beslut.get("mandat")):
            continue
        value = _yearly_value(a, party["id"])
        limit = beslut.get("beloppsgrans", DECISION_AMOUNT_DEFAULT)
        if value is None or value < limit:
            continue
        source = "partens egen gräns i $.parter[{i}].beslut.beloppsgrans" if "beloppsgrans" in beslut else (
            f"generatorns riktvärde, inte en lagregel; ange partens egen gräns i $.parter[{i}].beslut.beloppsgrans")
        yield (
            f"$.parter[{i}].beslut.organ",
            f"avtalet är värt {kr(value)} per år för {party['namn']} och beslutas av {beslut.get('organ')}; ärenden av principiell "
            "beskaffenhet eller annars av större vikt beslutas av fullmäktige (5 kap. 1 § kommunallagen), och ett avtal av den "
            f"storleken kan vara ett sådant (gränsen {kr(limit)} per år är {source.format(i=i)}). Bekräfta att "
            f"{beslut.get('organ')} har mandat att ingå avtalet och ange vad mandatet grundas på i $.parter[{i}].beslut.mandat, "
            "eller låt fullmäktige besluta",
        )


# --- dates -----------------------------------------------------------------------------------------


@rule("datum.avtalstid")
def term_order(a: Agreement) -> Iterator[Finding]:
    """The term starts before it ends."""
    tid = a.data["avtalstid"]
    start, end = _date(tid["start"]), _date(tid.get("slut"))
    if start and end and end <= start:
        yield "$.avtalstid.slut", f"slutdatum {end} ligger inte efter startdatum {start}; rätta datumen"


@rule("datum.betalning_fran")
def payment_start(a: Agreement) -> Iterator[Finding]:
    """The payment model starts within the term."""
    tid = a.data["avtalstid"]
    start, end, payment = _date(tid["start"]), _date(tid.get("slut")), _date(tid.get("betalning_fran"))
    if not (start and payment):
        return
    if payment < start:
        yield (
            "$.avtalstid.betalning_fran",
            f"{payment} ligger före avtalets start {start}; betalningen kan börja tidigast då avtalet börjar gälla",
        )
    elif end and payment > end:
        yield "$.avtalstid.betalning_fran", f"{payment} ligger efter avtalets slut {end}; ange ett datum inom avtalstiden"


@rule("datum.beslut")
def decisions_before_signing(a: Agreement) -> Iterator[Finding]:
    """Each party's authorising decision is taken on or before the agreement date."""
    signed = _date(a.data["avtal"]["datum"])
    for i, party in enumerate(a.parties):
        decided = _date((party.get("beslut") or {}).get("datum"))
        if signed and decided and decided > signed:
            yield (
                f"$.parter[{i}].beslut.datum",
                f"beslutet ({decided}) är fattat efter avtalsdatum {signed}; avtalet kan bara ingås med stöd av ett fattat beslut, "
                "rätta beslutsdatum eller avtalsdatum ($.avtal.datum)",
            )


@rule("datum.uppsagningstid")
def notice_period(a: Agreement) -> Iterator[Finding]:
    """The notice period is positive and, when the term ends, shorter than the term (when the agreement can be ended early)."""
    if a.kind not in FULL_KINDS or (a.kind == "interimsavtal" and not (a.data.get("interim") or {}).get("fortida_uppsagning")):
        return
    months = a.data["uppsagning"]["manader"]
    if months < 1:
        yield "$.uppsagning.manader", f"uppsägningstiden {manader(months)} måste vara minst en månad"
        return
    tid = a.data["avtalstid"]
    start, end = _date(tid["start"]), _date(tid.get("slut"))
    if start and end and end > start and add_months(start, months) > end:
        yield (
            "$.uppsagning.manader",
            f"uppsägningstiden {manader(months)} är inte kortare än avtalstiden {start} – {end}; "
            "förkorta uppsägningstiden eller förläng avtalstiden",
        )


# --- money -----------------------------------------------------------------------------------------


@rule("ekonomi.sjalvkostnad", "varning")
def self_cost(a: Agreement) -> Iterator[Finding]:
    """Compensation follows the self-cost principle: not more than the stated cost."""
    ekonomi = _ekonomi(a)
    cost, pay = ekonomi.get("kostnad_ar"), ekonomi.get("ersattning_ar")
    if cost is not None and pay is not None and pay > cost:
        yield (
            "$.ekonomi.ersattning_ar",
            f"ersättningen {kr(pay)} per år är högre än kostnaden {kr(cost)} per år ($.ekonomi.kostnad_ar); "
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
            ("fordelning_period", "enligt kostnadsfördelningen"), ("support_period", "för support och förvaltning ($.ekonomi.support)"),
        ) if row.get(key) is not None]
        period = f" ({tidsperiod(months)})" if months else ""
        yield place, (
            f"{row['namn']} betalar {kr(amount)} enligt avtalet under beräkningsperioden{period}"
            f"{': ' + ' och '.join(parts) if len(parts) > 1 else ''}, vilket inte är under {limit['benamning']} "
            f"({kr(limit['belopp'])} den {limit['datum']}); allt som en part betalar enligt avtalet räknas mot gränsen "
            f"(kontraktets värde, 5 kap. LOU); {what_to_do}"
        )


@rule("ekonomi.direktupphandling")
def procurement_limit(a: Agreement) -> Iterator[Finding]:
    """With a cap: each paying party's total under the agreement (allocation, support) is below the threshold the cap names.

    Checked also when an exception is stated, because the document then still says that the cap holds.
    """
    limit = _limit(a)
    if limit is None:
        return
    if "undantag" in _ekonomi(a):
        what_to_do = ("avtalet anger både ett tak och ett undantag från upphandling; ta bort taket ($.ekonomi.tak) om "
                      "samverkan bygger på undantaget, annars sänk beloppen")
    else:
        what_to_do = ("sänk beloppen, ange $.ekonomi.support.annat_avtal om supporten betalas enligt ett annat avtal, "
                      "eller ange ett undantag från upphandling i $.ekonomi.undantag och ta bort taket")
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
        "ange vilket tröskelvärde som gäller i $.ekonomi.tak (till exempel direktupphandlingsgrans_sociala_tjanster), "
        "sänk beloppet eller ange ett undantag från upphandling i $.ekonomi.undantag",
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
            yield f"{base}.{field}", f"saknas; Hamburgundantaget (3 kap. 17 § LOU) kräver att {text}: ange true om det stämmer"
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
            f"de betalande parternas andelar ($.parter[].andel_procent) blir tillsammans {procent(total)}, inte 100 %; justera andelarna",
        )


# --- money: what a payer pays, who pays, reconciliation, payment start, cap period (issue 21) ------


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
            "använder tjänsten, eller avtalet stämma av kostnaderna mot den faktiska användningen ($.ekonomi.avrakning, "
            "till exempel med underlaget antalet ärenden från varje kommun); bekräfta vilket, annars ta bort parten ur "
            "$.ekonomi.fordelning.betalande",
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
        return f"ersättningen är ett fast belopp, {kr(ekonomi['ersattning_ar'])} per år ($.ekonomi.ersattning_ar)"
    if "kostnad_ar" in ekonomi:
        return f"kostnaden {kr(ekonomi['kostnad_ar'])} per år ($.ekonomi.kostnad_ar) är en beräkning, inte den faktiska kostnaden"
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
            "kostnader: ange i $.ekonomi.avrakning när det sker (tidpunkt), mot vad (underlag) och hur en skillnad regleras "
            "(reglering), eller ange i $.ekonomi.prisgrund varför priset inte stäms av",
        )


@rule("ekonomi.betalning_villkor")
def conditional_payment(a: Agreement) -> Iterator[Finding]:
    """A conditional payment start names the earliest day, so the clause reads "tidigast den … och under förutsättning att …"."""
    if "betalning_villkor" in _ekonomi(a) and "betalning_fran" not in a.data["avtalstid"]:
        yield (
            "$.ekonomi.betalning_villkor",
            "ett villkor för när betalningen börjar behöver också den tidigaste dagen; ange den i $.avtalstid.betalning_fran",
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
        f"{period_end} i $.avtalstid.slut, eller $.ekonomi.tak.omforhandling_vid_periodens_slut: true, så att avtalet "
        "säger att parterna omförhandlar det före periodens slut och att ingen ersättning betalas efter den utan en ny "
        "överenskommelse",
    )


# --- personal data ---------------------------------------------------------------------------------


@rule("personuppgifter.pub_innehall")
def processor_content(a: Agreement) -> Iterator[Finding]:
    """A processor role requires the content art. 28(3) GDPR asks for, and the sub-processor rule."""
    pu = a.data.get("personuppgifter") or {}
    if pu.get("roll") != "personuppgiftsbitrade":
        return
    for field, what in PUB_CONTENT:
        value = pu.get(field)
        if _blank(value) or (isinstance(value, list) and any(_blank(x) for x in value)):
            yield (
                f"$.personuppgifter.{field}",
                f"saknas eller är tomt; ett personuppgiftsbiträdesavtal ska ange {what} "
                "(artikel 28.3 i dataskyddsförordningen); fyll i fältet",
            )
    if "underbitraden" not in pu:
        yield (
            "$.personuppgifter.underbitraden",
            "saknas; ett personuppgiftsbiträdesavtal ska ange regeln för underbiträden (artikel 28.2 och 28.4): "
            "ange tillstand sarskilt eller allmant och de godkända underbiträdena",
        )


@rule("personuppgifter.behandlingens_art", "varning")
def processor_nature(a: Agreement) -> Iterator[Finding]:
    """Art. 28(3) also names the nature of the processing; the annex reads better with it."""
    pu = a.data.get("personuppgifter") or {}
    if pu.get("roll") == "personuppgiftsbitrade" and _blank(pu.get("behandlingens_art")):
        yield (
            "$.personuppgifter.behandlingens_art",
            "saknas; artikel 28.3 i dataskyddsförordningen nämner behandlingens art, till exempel lagring och registrering; fyll i fältet",
        )


@rule("personuppgifter.kansliga")
def sensitive_data(a: Agreement) -> Iterator[Finding]:
    """Special categories of personal data need a stated safeguard."""
    sensitive = (a.data.get("personuppgifter") or {}).get("kansliga_uppgifter") or {}
    if sensitive.get("forekommer") and _blank(sensitive.get("skyddsatgarder")):
        yield (
            "$.personuppgifter.kansliga_uppgifter.skyddsatgarder",
            "saknas; när känsliga personuppgifter behandlas ska avtalet ange de särskilda skyddsåtgärderna för dem; fyll i fältet",
        )


@rule("personuppgifter.tredjeland")
def third_country(a: Agreement) -> Iterator[Finding]:
    """Each transfer to a third country names its recipient, country and purpose, and has a legal basis (art. 44–46 GDPR)."""
    transfer = (a.data.get("personuppgifter") or {}).get("tredjeland") or {}
    if not transfer.get("forekommer"):
        return
    transfers = transfer.get("overforingar", [])
    if not transfers:
        yield (
            "$.personuppgifter.tredjeland.overforingar",
            "saknas; ange varje överföring till tredjeland med mottagare, land och ändamål (artikel 28.3 a i dataskyddsförordningen)",
        )
    if _blank(transfer.get("grund")) and (not transfers or any(_blank(t.get("grund")) for t in transfers)):
        yield (
            "$.personuppgifter.tredjeland.grund",
            "saknas; en överföring till tredjeland kräver en grund enligt kapitel V i dataskyddsförordningen, "
            "till exempel ett beslut om adekvat skyddsnivå eller standardavtalsklausuler; ange den här eller för varje överföring",
        )


# EU and EEA member states, as the data names countries (Swedish names).
EU_EEA = frozenset(name.casefold() for name in (
    "Belgien", "Bulgarien", "Cypern", "Danmark", "Estland", "Finland", "Frankrike", "Grekland", "Irland", "Italien", "Kroatien",
    "Lettland", "Litauen", "Luxemburg", "Malta", "Nederländerna", "Polen", "Portugal", "Rumänien", "Slovakien", "Slovenien",
    "Spanien", "Sverige", "Tjeckien", "Tyskland", "Ungern", "Österrike", "Island", "Liechtenstein", "Norge",
))


@rule("personuppgifter.tredjeland_underbitraden", "varning")
def third_country_sub_processors(a: Agreement) -> Iterator[Finding]:
    """The countries of the transfers and the sub-processors' locations agree (art. 28.3 a, 44–46 GDPR)."""
    pu = a.data.get("personuppgifter") or {}
    transfer = pu.get("tredjeland") or {}
    transfers = transfer.get("overforingar", []) if transfer.get("forekommer") else []
    countries = {str(t["land"]).strip().casefold() for t in transfers}
    subs = (pu.get("underbitraden") or {}).get("lista", [])
    for n, sub in enumerate(subs):
        land = str(sub["land"]).strip()
        if land.casefold() not in EU_EEA and land.casefold() not in countries:
            yield (
                f"$.personuppgifter.underbitraden.lista[{n}].land",
                f"underbiträdet {sub['namn']} behandlar uppgifterna i {land}, som inte är ett EU/EES-land, men ingen överföring dit "
                "anges i $.personuppgifter.tredjeland.overforingar; ange överföringen med mottagare, land, ändamål och grund, "
                "eller rätta landet (bekräfta var underbiträdet och dess egna underbiträden behandlar uppgifterna)",
            )
    by_name = {str(sub["namn"]).strip().casefold(): sub for sub in subs}
    for n, item in enumerate(transfers):
        sub = by_name.get(str(item["mottagare"]).strip().casefold())
        if sub is not None and str(sub["land"]).strip().casefold() != str(item["land"]).strip().casefold():
            yield (
                f"$.personuppgifter.tredjeland.overforingar[{n}].land",
                f"överföringen till {item['mottagare']} anger {item['land']}, men underbiträdet står med landet {sub['land']} i "
                "$.personuppgifter.underbitraden.lista; rätta så att länderna stämmer",
            )


@rule("personuppgifter.parter")
def controller_processor(a: Agreement) -> Iterator[Finding]:
    """Controllers and processor are parties, and the processor is not also a controller."""
    pu = a.data.get("personuppgifter") or {}
    if pu.get("roll") != "personuppgiftsbitrade" and "bitrade" not in pu:
        return
    controllers = controller_ids(a.data)
    processor = processor_id(a.data)
    if processor is not None and processor in controllers:
        n = controllers.index(processor)
        place = "$.personuppgifter.bitrade" if "bitrade" in pu else f"$.personuppgifter.ansvarig[{n}]"
        yield place, (
            f"\"{processor}\" är både personuppgiftsansvarig och personuppgiftsbiträde; biträdet behandlar uppgifter för "
            "någon annans räkning, ta bort parten ur den ena rollen"
        )


@rule("personuppgifter.roll")
def role_reasons(a: Agreement) -> Iterator[Finding]:
    """"Ingen" is the parties' assessment and needs its reason; "separat_avtal" names the agreement; neither text is dropped."""
    pu = a.data.get("personuppgifter") or {}
    role = pu.get("roll")
    if role == "ingen" and _blank(pu.get("bedomning")):
        yield (
            "$.personuppgifter.bedomning",
            "saknas; att ingen part behandlar personuppgifter för en annan parts räkning är parternas bedömning och inte en "
            "självklarhet: skriv kort varför (till exempel att varje part bara behandlar uppgifter i sina egna ärenden), eller "
            "välj rollen personuppgiftsbitrade, gemensamt_personuppgiftsansvar eller separat_avtal",
        )
    if role == "separat_avtal" and _blank(pu.get("separat_avtal")):
        yield "$.personuppgifter.separat_avtal", "saknas; ange det avtal som reglerar behandlingen av personuppgifter"
    for field, owner in (("bedomning", "ingen"), ("separat_avtal", "separat_avtal")):
        if field in pu and role != owner:
            yield f"$.personuppgifter.{field}", f"används bara när rollen är {owner} och kommer inte med i avtalet; ta bort fältet eller ändra rollen"


@rule("personuppgifter.organ")
def organ_parties(a: Agreement) -> Iterator[Finding]:
    """An organ named as controller belongs to a controller party, at most one per party."""
    pu = a.data.get("personuppgifter") or {}
    controllers = controller_ids(a.data)
    seen: set[str] = set()
    for n, row in enumerate(pu.get("organ", [])):
        if a.index_of(row["part"]) is not None and row["part"] not in controllers:
            yield (
                f"$.personuppgifter.organ[{n}].part",
                f"\"{row['part']}\" är inte personuppgiftsansvarig i avtalet; ange organet för en av: {', '.join(controllers)}",
            )
        if row["part"] in seen:
            yield f"$.personuppgifter.organ[{n}].part", f"\"{row['part']}\" har redan ett personuppgiftsansvarigt organ; ange ett per part"
        seen.add(row["part"])


@rule("personuppgifter.samma_ansvarige", "varning")
def one_controller(a: Agreement) -> Iterator[Finding]:
    """The comment names a committee as controller that the data (and so the PUB annex) does not."""
    pu = a.data.get("personuppgifter") or {}
    comment = str(pu.get("kommentar", ""))
    named = {row["part"] for row in pu.get("organ", [])}
    for party_id in controller_ids(a.data):
        index = a.index_of(party_id)
        if index is None or party_id in named:
            continue
        name = a.parties[index]["namn"]
        found = re.search(rf"(\w*(?:nämnden|styrelsen))\s+i\s+{re.escape(name)}", comment)
        if found:
            yield (
                "$.personuppgifter.kommentar",
                f"kommentaren nämner {found.group(0)} medan avtalet och personuppgiftsbiträdesavtalet nämner {name} som "
                f"personuppgiftsansvarig; ange organet i $.personuppgifter.organ (part {party_id}) så att samma ansvarige står i "
                "båda dokumenten, eller rätta kommentaren",
            )


# --- agreement kinds -------------------------------------------------------------------------------


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
        instead = KINDS[a.kind].instead or f"ta bort $.{section}"
        yield f"$.{section}", f"används bara i {users} och kommer inte med i {KIND_NAMES[a.kind]}; {instead}"
    if a.kind not in FULL_KINDS:
        tid = a.data["avtalstid"]
        for field in ("betalning_fran", "forlangning"):
            if field in tid:
                yield f"$.avtalstid.{field}", f"används bara i avtal med uppgifter och kommer inte med i {KIND_NAMES[a.kind]}; ta bort fältet"
        if a.data["avtal"].get("lagrum") != defaults["avtal"].get("lagrum"):
            yield "$.avtal.lagrum", f"lagrummet står bara i avtal med uppgifter och kommer inte med i {KIND_NAMES[a.kind]}; ta bort fältet"
    if a.kind != "tillaggsavtal" and "huvudavtal" in a.data["avtal"]:
        yield (
            "$.avtal.huvudavtal",
            f"huvudavtal anges bara för ett tilläggsavtal och kommer inte med i {KIND_NAMES[a.kind]}; "
            "ta bort fältet eller ändra $.avtal.typ till tillaggsavtal",
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
            yield path, f"listan är tom eller har en tom rad; avsnittet ska ange {what}: fyll i den, eller ta bort fältet så gäller standardlydelsen"


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
            "ett interimsavtal kan inte sägas upp i förtid om inte $.interim.fortida_uppsagning är true; "
            "ange true om parterna ska få säga upp det, annars ta bort allt i $.uppsagning utom omforhandling",
        )
    if "forlangning" in a.data["avtalstid"]:
        yield (
            "$.avtalstid.forlangning",
            "ett interimsavtal är tillfälligt och förlängs inte av sig självt; ta bort fältet och förläng genom ett nytt beslut vid behov",
        )
    if (a.data.get("informationshantering") or {}).get("arkiv") != (defaults.get("informationshantering") or {}).get("arkiv"):
        yield (
            "$.informationshantering.arkiv",
            "i ett interimsavtal står vad som händer med handlingarna när avtalet upphör i $.interim.overgang.information; "
            "skriv det där och ta bort $.informationshantering.arkiv",
        )


# --- default clauses: renegotiation, archive, legal basis -------------------------------------------

# A renegotiation clause that keeps the agreement alive "until" something, without a limit by term or notice.
_OPEN_ENDED = re.compile(r"\btill dess\b|\btills\b", re.IGNORECASE)
_LIMITED = re.compile(r"längst|senast|upphör enligt|avtalstid", re.IGNORECASE)
# A hand-over of documents, and the decision it needs.
_HAND_OVER = re.compile(r"\b(?:lämna[sr]?|förs|för)\s+(?:\w+\s+){0,3}?över\b|överlämna|återlämna", re.IGNORECASE)
_DECISION = re.compile(r"beslut", re.IGNORECASE)


@rule("omforhandling.avtalstid", "varning")
def renegotiation_within_term(a: Agreement) -> Iterator[Finding]:
    """Renegotiation keeps the terms only until the agreement ends by its term or notice, never beyond."""
    if a.kind not in FULL_KINDS:
        return
    text = str((a.data.get("uppsagning") or {}).get("omforhandling", ""))
    if _OPEN_ENDED.search(text) and not _LIMITED.search(text):
        yield (
            "$.uppsagning.omforhandling",
            "texten låter avtalet gälla till dess något annat har hänt, utan gräns; det kan hålla avtalet vid liv efter "
            "slutdatum eller uppsägning. Lägg till att avtalet under omförhandlingen gäller längst till dess det upphör enligt "
            "bestämmelserna om avtalstid och uppsägning, eller ta bort fältet så gäller standardlydelsen",
        )


@rule("arkiv.overlamnande", "varning")
def archive_hand_over(a: Agreement) -> Iterator[Finding]:
    """A hand-over of documents between parties needs a decision under arkivlagen and the parties' arkivreglementen."""
    places = [("$.informationshantering.arkiv", (a.data.get("informationshantering") or {}).get("arkiv"))]
    if a.kind == "interimsavtal":
        places.append(("$.interim.overgang.information", ((a.data.get("interim") or {}).get("overgang") or {}).get("information")))
    for place, text in places:
        if isinstance(text, str) and _HAND_OVER.search(text) and not _DECISION.search(text):
            yield (
                place,
                "texten säger att handlingar lämnas över till en annan part; handlingar som en part förvarar ingår i dess eget "
                "arkiv (3 § arkivlagen), och allmänna handlingar kan lämnas över bara efter beslut enligt arkivlagen och "
                "parternas arkivreglementen: skriv att överlämnandet sker efter sådant beslut, och kontrollera vem som får fatta det",
            )


@rule("avtal.lagrum", "varning")
def cooperation_basis(a: Agreement) -> Iterator[Finding]:
    """An avtalssamverkan rests on 9 kap. 37 § KL; another basis belongs to a samverkansavtal."""
    lagrum = str(a.data["avtal"].get("lagrum", ""))
    if a.kind == "avtalssamverkan" and not is_cooperation_basis(lagrum):
        yield (
            "$.avtal.lagrum",
            f"avtalstypen är avtalssamverkan, som vilar på 9 kap. 37 § kommunallagen, men lagrummet är {lagrum}; "
            "ange 9 kap. 37 § kommunallagen (2017:725) eller ändra $.avtal.typ till samverkansavtal",
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
            yield f"{base}.lydelse", f"en lydelse används inte när åtgärden är {action}; ta bort fältet eller ändra åtgärden"
        if action != "ersatts_av_bilaga" and "bilaga" in change:
            yield f"{base}.bilaga", "en ny bilaga anges bara när åtgärden är ersatts_av_bilaga; ta bort fältet eller ändra åtgärden"


@rule("tillagg.parter")
def supplement_joining(a: Agreement) -> Iterator[Finding]:
    """Joining parties only in a supplement, after the main agreement; at least one party is already a party to it."""
    joining = [i for i, p in enumerate(a.parties) if "ansluter_fran" in p]
    if a.kind != "tillaggsavtal":
        for i in joining:
            yield (
                f"$.parter[{i}].ansluter_fran",
                f"en part ansluter till ett huvudavtal bara genom ett tilläggsavtal och fältet kommer inte med i {KIND_NAMES[a.kind]}; ta bort fältet",
            )
        return
    if joining and len(joining) == len(a.parties):
        yield (
            "$.parter",
            "alla parter ansluter genom tillägget, men ett tilläggsavtal ingås med minst en part i huvudavtalet; "
            "ta bort ansluter_fran för parterna i huvudavtalet",
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
            "$.avtal.huvudavtal.endast_mellan_parterna: true, eller ta med huvudavtalets övriga parter",
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
                f"bilaga {number} i huvudavtalet ersätts redan i $.andringar[{seen[number]}]; ersätt den med en bilaga",
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
                "en ny kostnadsfördelning ersätter huvudavtalets bilaga om kostnadsfördelning: ange atgard ersatts_av_bilaga "
                "och bilagans nummer i avser, till exempel bilaga 3 (Kostnadsfördelning)",
            )
    if not _changes_costs(a):
        return
    fordelning = _ekonomi(a).get("fordelning")
    if not fordelning:
        yield (
            "$.ekonomi.fordelning",
            "saknas; en ändring ersätter kostnadsfördelningen, så tilläggsavtalet ska ange den nya fördelningen i $.ekonomi.fordelning",
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
                    "flytta åtagandet till $.avsikt.bindande_atagande, där det står under en egen rubrik som bindande",
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
            "bindande åtagande i $.avsikt.bindande_atagande, eller skriv att varje part bär sina egna kostnader",
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
