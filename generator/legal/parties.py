"""Rules on the parties: their kinds, competence (9 kap. 37 § KL), roles, duplicates and organisation numbers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ..agreement.labels import label, value_label, where, yes_no
from ..kinds import FULL_KINDS, KINDS
from .common import KIND_NAMES, luhn_valid
from .registry import Agreement, Finding, rule

PARTY_TYPES = ("kommun", "region", "kommunalforbund")
# Laws under which a task belongs to both kommuner and regioner (hälso- och sjukvård, hjälpmedel).
SHARED_TASK_LAWS = ("hälso- och sjukvårdslagen", "2017:30")
TYPE_NAMES = {"kommun": "en kommun", "region": "en region", "kommunalforbund": "ett kommunalförbund"}
# Organisation number series (first six digits) by party type; Region Gotland is legally a kommun.
SERIES = {"kommun": "212000", "region": "232100", "kommunalforbund": "222000"}
ORGNR = re.compile(r"^[0-9]{6}-[0-9]{4}$")


def orgnr_valid(number: str) -> bool:
    """True for ``NNNNNN-NNNN`` with a correct Luhn check digit over all ten digits."""
    return bool(ORGNR.match(number)) and luhn_valid(number.replace("-", ""))


def _name_key(name: str) -> str:
    return " ".join(str(name).split()).casefold()


@rule("parter.typ")
def party_types(a: Agreement) -> Iterator[Finding]:
    """Only municipalities, regions and local federations can be parties (the schema's enum, kept as defence)."""
    for i, party in enumerate(a.parties):
        kind = party.get("typ")
        if kind not in PARTY_TYPES:
            yield (
                f"$.parter[{i}].typ",
                f"\"{kind}\" kan inte vara part; bara en kommun, en region eller ett kommunalförbund kan ingå avtalet, "
                f"aldrig ett bolag eller staten; välj {label('typ', 'kommun')}, {label('typ', 'region')} eller "
                f"{label('typ', 'kommunalforbund')}",
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
        hint = "".join(f"; {a.parties[i]['namn']} har också en regions uppgifter: ange {yes_no(True)} i "
                       f"{where(f'$.parter[{i}].regionala_uppgifter')}"
                       for i in gotland)
        yield (
            f"$.uppgifter[{n}]",
            f"uppgiften utförs mellan {len(regions)} {'region' if len(regions) == 1 else 'regioner'} och "
            f"{len(municipalities)} {'kommun' if len(municipalities) == 1 else 'kommuner'}; i {KIND_NAMES[a.data['avtal']['typ']]} "
            "måste uppgiften ligga inom varje parts kompetens enligt lag (9 kap. 37 § kommunallagen); ange lagrummet i "
            f"{where(f'$.uppgifter[{n}].lagrum')}, eller {yes_no(True)} i {where(f'$.uppgifter[{n}].delad_kompetens')} "
            "om uppgiften är både kommunernas och regionernas, annars gör separata avtal eller välj en annan avtalstyp i "
            f"{where('$.avtal.typ')}{hint}",
        )


@rule("parter.samma_slag_delad", "varning")
def same_kind_shared(a: Agreement) -> Iterator[Finding]:
    """Kommuner and regioner together in a shared task: allowed, but worth confirming once."""
    shared = [n for n, task, _ in _mixed_tasks(a) if _shared_task(task)]
    if shared:
        places = ", ".join(where(f"$.uppgifter[{n}]") for n in shared)
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
                f"{value_label('typ', party.get('typ'))}; ange {yes_no(False)}, eller ändra typen till {label('typ', 'kommun')} om "
                "parten är en kommun",
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
            yield "$.parter", f"ingen part har rollen {label('roll', role)}; avtalet behöver minst {text}; ändra rollen för en part"


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
                    f"samma {what} ({party[field]}) som part {seen[value] + 1}, {a.parties[seen[value]].get('namn')}; varje part ska "
                    "finnas med en gång, "
                    "ta bort dubbletten eller rätta uppgiften",
                )
            else:
                seen[value] = i


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
                f"ändra typen till {label('typ', 'kommun')} (Region Gotland är juridiskt en kommun) eller rätta numret"
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
