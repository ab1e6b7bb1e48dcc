"""Rules on tasks and decision-making: roles in each task, external delegation and the deciding organ."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from ..agreement.filters import kr
from ..agreement.labels import label, title, value_label, where, yes_no
from ..kinds import FULL_KINDS
from .common import _blank, _ekonomi
from .registry import Agreement, Finding, rule

DELEGATION_CATEGORIES = {
    "konsult": "en konsult är inte anställd hos uppdragstagaren",
    "fortroendevald": "förtroendevalda kan inte få beslutanderätt genom extern delegering",
    "bolag": "anställda i ett bolag, även ett kommunalt bolag, kan inte få beslutanderätt genom extern delegering",
}


@rule("uppgifter.roller")
def task_roles(a: Agreement) -> Iterator[Finding]:
    """The performer of a task is an uppdragstagare, its recipients are uppdragsgivare."""
    for n, task in enumerate(a.data.get("uppgifter", [])):
        role = a.role_of(task["utforare"])
        if role is not None and role != "uppdragstagare":
            yield (
                f"$.uppgifter[{n}].utforare",
                f"{a.name_of(task['utforare'])} har rollen {value_label('roll', role)}, men den som utför en uppgift ska vara "
                f"{label('roll', 'uppdragstagare')}; "
                "ändra utföraren eller partens roll",
            )
        for m, receiver in enumerate(task["mottagare"]):
            role = a.role_of(receiver)
            if role is not None and role != "uppdragsgivare":
                yield (
                    f"$.uppgifter[{n}].mottagare[{m}]",
                    f"{a.name_of(receiver)} har rollen {value_label('roll', role)}, men den som uppgiften utförs åt ska vara "
                    f"{label('roll', 'uppdragsgivare')}; "
                    "ändra mottagaren eller partens roll",
                )


@rule("delegering.kategori")
def delegation_category(a: Agreement) -> Iterator[Finding]:
    """Decision-making may only be delegated to employees of the performing party."""
    delegation = a.data["extern_delegering"]
    category = delegation.get("mottagare_kategori", "anstalld")
    if delegation["forekommer"] and category != "anstalld":
        reason = DELEGATION_CATEGORIES.get(category, f"{value_label('mottagare_kategori', category)} är inte anställda")
        yield (
            "$.extern_delegering.mottagare_kategori",
            f"beslutanderätt får bara delegeras till anställda hos uppdragstagaren; {reason}; "
            f"välj {label('mottagare_kategori', 'anstalld')} och ange en befattning, eller ange {yes_no(False)} i "
            f"{where('$.extern_delegering.forekommer')}",
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
            f"saknas; avtalet ska ange om beslutanderätten får delegeras vidare: ange {yes_no(True)} eller {yes_no(False)} "
            f"i {title('vidaredelegering')}",
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
            f"{a.name_of(party_id)} har rollen {value_label('roll', role)}; beslutanderätt kan bara delegeras till anställda hos "
            f"uppdragstagaren; välj {a.names_of(a.performers()) or 'en part med rollen ' + label('roll', 'uppdragstagare')}",
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
                f"{a.name_of(row['part'])} har rollen {value_label('roll', role)}; bara en nämnd hos en uppdragsgivare kan delegera "
                "beslutanderätt i uppdragsgivarens ärenden till uppdragstagarens anställda; välj "
                f"{a.names_of(givers) or 'en part med rollen ' + label('roll', 'uppdragsgivare')}",
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
            f"och befattningen är {post}; ange {yes_no(False)}, eller lämna beslutanderätten till förvaltningschefen i {title('befattning')} "
            f"(ange {yes_no(True)} i {title('forvaltningschef')} om befattningen är förvaltningschef under ett annat namn); "
            "kontrollera också att den delegerande nämndens delegationsordning medger vidaredelegering",
        )


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
        own = where(f"$.parter[{i}].beslut.beloppsgrans")
        source = f"partens egen gräns i {own}" if "beloppsgrans" in beslut else (
            f"generatorns riktvärde, inte en lagregel; ange partens egen gräns i {own}")
        yield (
            f"$.parter[{i}].beslut.organ",
            f"avtalet är värt {kr(value)} per år för {party['namn']} och beslutas av {beslut.get('organ')}; ärenden av principiell "
            "beskaffenhet eller annars av större vikt beslutas av fullmäktige (5 kap. 1 § kommunallagen), och ett avtal av den "
            f"storleken kan vara ett sådant (gränsen {kr(limit)} per år är {source}). Bekräfta att "
            f"{beslut.get('organ')} har mandat att ingå avtalet och ange vad mandatet grundas på i {where(f'$.parter[{i}].beslut.mandat')}, "
            "eller låt fullmäktige besluta",
        )
