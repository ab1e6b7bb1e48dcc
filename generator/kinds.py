"""The agreement kinds (``avtal.typ``): one record per kind, the one place every other module reads them from."""

from __future__ import annotations

from dataclasses import dataclass

from .paths import COST_FILE, MAIN_FILE, PUB_FILE

# Sections of a full cooperation agreement (tasks, money, personal data) that the other kinds do not use.
FULL_SECTIONS = (
    "uppgifter", "ekonomi", "personuppgifter", "extern_delegering", "informationshantering", "sekretess", "uppfoljning",
    "forsakring", "upphovsratt", "personal", "force_majeure", "tvist", "uppsagning",
)


# The form's label and one-sentence explanation of each kind are in the schema beside avtal.typ (x-etikett,
# x-forklaring), since the form reads every label from the schema; tests/unit/test_kindfields.py holds the two lists equal.


@dataclass(frozen=True)
class Kind:
    """One agreement kind: how it is named, which template makes it and which sections it has."""

    key: str  # the value of avtal.typ
    heading: str  # the document's heading
    name: str  # in running text, with its article: "en avtalssamverkan"
    main_template: str  # the template of the main document (always written as avtal.docx)
    minimal: str  # the shipped agreement with only what the kind requires (avtalsgenerator/data/)
    full: bool = False  # a full cooperation agreement: tasks, money, personal data, disputes, termination
    same_kind_parties: bool = False  # every party of one kind unless the task belongs to both kommuner and regioner
    own_sections: tuple[str, ...] = ()  # sections only this kind uses
    instead: str | None = None  # what to write instead of a section the kind does not use

    @property
    def sections(self) -> tuple[str, ...]:
        """The kind-specific sections this kind uses."""
        return (FULL_SECTIONS if self.full else ()) + self.own_sections


KINDS: dict[str, Kind] = {
    kind.key: kind
    for kind in (
        Kind("avtalssamverkan", "Avtal om avtalssamverkan", "en avtalssamverkan",
             MAIN_FILE, "minimalt-avtal.json", full=True, same_kind_parties=True),
        Kind("samverkansavtal", "Samverkansavtal", "ett samverkansavtal",
             MAIN_FILE, "minimalt-samverkansavtal.json", full=True),
        Kind("interimsavtal", "Interimsavtal", "ett interimsavtal",
             MAIN_FILE, "minimalt-interimsavtal.json", full=True, same_kind_parties=True, own_sections=("interim",)),
        Kind("tillaggsavtal", "Tilläggsavtal", "ett tilläggsavtal",
             "tillaggsavtal.docx", "minimalt-tillaggsavtal.json", own_sections=("andringar",),
             instead="ett tilläggsavtal tar bara upp det som ändras i huvudavtalet: skriv ändringen som en punkt i ”Ändringar”"),
        Kind("avsiktsforklaring", "Avsiktsförklaring", "en avsiktsförklaring",
             "avsiktsforklaring.docx", "minimalt-avsiktsforklaring.json", own_sections=("avsikt",),
             instead="en avsiktsförklaring binder inte parterna och har inga åtaganden, ingen ersättning och inga tvisteregler: "
             "beskriv det som ska utredas i ”Avsiktsförklaring › Utredning”"),
    )
}

FULL_KINDS = tuple(key for key, kind in KINDS.items() if kind.full)
# The template of the main document for each kind.
MAIN_TEMPLATES = {key: kind.main_template for key, kind in KINDS.items()}
# Every template file name that some agreement kind uses.
TEMPLATE_FILES = tuple(dict.fromkeys([*MAIN_TEMPLATES.values(), PUB_FILE, COST_FILE]))
# For each kind-specific section, the kinds that use it.
SECTION_KINDS: dict[str, tuple[str, ...]] = {
    section: tuple(key for key, kind in KINDS.items() if section in kind.sections)
    for section in dict.fromkeys(s for kind in KINDS.values() for s in kind.sections)
}
