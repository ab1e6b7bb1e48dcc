"""Rules on personal data (GDPR art. 28): the processor agreement's content, sensitive data, third countries."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..agreement.compute import controller_ids, processor_id
from ..agreement.labels import label, title, where
from .common import _blank
from .registry import Agreement, Finding, rule

# Art. 28(3) GDPR content of a processor agreement: field and what it holds.
PUB_CONTENT = (
    ("andamal", "ändamålen med behandlingen"),
    ("kategorier", "kategorierna av personuppgifter"),
    ("registrerade", "kategorierna av registrerade"),
    ("sakerhetsatgarder", "säkerhetsåtgärderna enligt artikel 32 (bilaga III)"),
    ("varaktighet", "behandlingens varaktighet"),
)


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
            f"ange {title('tillstand')} {label('tillstand', 'sarskilt')} eller {label('tillstand', 'allmant')} och de godkända underbiträdena",
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
                f"anges i {where('$.personuppgifter.tredjeland.overforingar')}; ange överföringen med mottagare, land, ändamål och grund, "
                "eller rätta landet (bekräfta var underbiträdet och dess egna underbiträden behandlar uppgifterna)",
            )
    by_name = {str(sub["namn"]).strip().casefold(): sub for sub in subs}
    for n, item in enumerate(transfers):
        sub = by_name.get(str(item["mottagare"]).strip().casefold())
        if sub is not None and str(sub["land"]).strip().casefold() != str(item["land"]).strip().casefold():
            yield (
                f"$.personuppgifter.tredjeland.overforingar[{n}].land",
                f"överföringen till {item['mottagare']} anger {item['land']}, men underbiträdet står med landet {sub['land']} i "
                f"{where('$.personuppgifter.underbitraden.lista')}; rätta så att länderna stämmer",
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
            f"{a.name_of(processor)} är både personuppgiftsansvarig och personuppgiftsbiträde; biträdet behandlar uppgifter för "
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
            f"välj rollen {label('roll', 'personuppgiftsbitrade')}, {label('roll', 'gemensamt_personuppgiftsansvar')} eller "
            f"{label('roll', 'separat_avtal')}",
        )
    if role == "separat_avtal" and _blank(pu.get("separat_avtal")):
        yield "$.personuppgifter.separat_avtal", "saknas; ange det avtal som reglerar behandlingen av personuppgifter"
    for field, owner in (("bedomning", "ingen"), ("separat_avtal", "separat_avtal")):
        if field in pu and role != owner:
            yield (f"$.personuppgifter.{field}",
                   f"används bara när rollen är {label('roll', owner)} och kommer inte med i avtalet; töm fältet eller ändra rollen")


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
                f"{a.name_of(row['part'])} är inte personuppgiftsansvarig i avtalet; ange organet för {a.names_of(controllers)}",
            )
        if row["part"] in seen:
            yield f"$.personuppgifter.organ[{n}].part", f"{a.name_of(row['part'])} har redan ett personuppgiftsansvarigt organ; ange ett per part"
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
                f"personuppgiftsansvarig; ange organet för {name} i {where('$.personuppgifter.organ')} så att samma ansvarige står i "
                "båda dokumenten, eller rätta kommentaren",
            )
