"""Shared fixtures: the repository's folders and small agreements built from the examples."""

from __future__ import annotations

import copy
import inspect
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "indata" / "avtal"
THRESHOLDS = ROOT / "indata" / "troskelvarden.json"
TEMPLATES = ROOT / "mallar"
# What every main template must have (the parties, a signature for each, the annexes): added to the small
# templates the tests build under a main template's name, so the check judges only what a test is about.
REQUIRED_PARTS = (
    "{%p for p in parter %}", "{{ p.namn }}, {{ p.organisationsnummer|orgnr }}", "{{ p.undertecknare.namn }}", "{%p endfor %}",
    "{%p for b in berakning.bilagor %}", "Bilaga {{ b.nummer }}: {{ b.titel }}", "{%p endfor %}",
    "{%p if berakning.pub_bilaga %}", "Bilaga {{ berakning.pub_bilaga }}", "{%p endif %}",
    "{%p if berakning.kostnad_bilaga %}", "Bilaga {{ berakning.kostnad_bilaga }}", "{%p endif %}",
)
MAIN_TEMPLATE_NAMES = ("avtal.docx", "tillaggsavtal.docx", "avsiktsforklaring.docx")

# The per-user cache (compiled templates, checked schemas) of this test session, never the user's own: set
# before any test imports the package, and inherited by the CLI processes the tests start.
_SESSION_CACHE = tempfile.mkdtemp(prefix="avtal-testcache-")
os.environ["AVTAL_CACHE"] = _SESSION_CACHE


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_SESSION_CACHE, ignore_errors=True)


# A test is slow when it runs an outside program or generates many cases; `make test-snabb` leaves these out.
_SLOW_SIGNS = ("requires_office(", "requires_program(", "@given(")


# The folders the tests live in: unit (no generate(), no subprocess), integration (the pipeline, the CLI in-process,
# the form's application) and e2e (LibreOffice, Chromium, the installed wheel, make). Each test gets its folder's mark.
LAYERS = ("unit", "integration", "e2e")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test by its folder; mark e2e, property tests (hypothesis) and tests that run LibreOffice or poppler as slow."""
    for item in items:
        layer = next((part for part in Path(str(item.fspath)).parts if part in LAYERS), None)
        if layer is not None:
            item.add_marker(getattr(pytest.mark, layer))
        if layer == "e2e":
            item.add_marker(pytest.mark.slow)
        function = getattr(item, "function", None)
        if function is None or item.get_closest_marker("slow"):
            continue
        try:
            source = inspect.getsource(function)
        except (OSError, TypeError):
            continue
        if getattr(function, "is_hypothesis_test", False) or any(sign in source for sign in _SLOW_SIGNS):
            item.add_marker(pytest.mark.slow)


def requires_program(name: str) -> str:
    """Path of an outside program; skip the test when it is missing, but fail under CI=true (CI installs it)."""
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{name} saknas i CI; .ci/run ska installera det")
        pytest.skip(f"{name} är inte installerat på den här datorn")
    return path


def example_paths() -> list[Path]:
    return sorted(EXAMPLES.glob("*.json"))


def read_example(stem: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / f"{stem}.json").read_text(encoding="utf-8"))


@pytest.fixture
def write_agreement(tmp_path: Path):
    """Write an agreement dict as a JSON file in tmp_path and return its path."""

    def write(data: dict[str, Any], name: str = "avtal.json") -> Path:
        path = tmp_path / "indata" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
        return path

    return write


@pytest.fixture
def generate(write_agreement):
    """Write the agreement and build its documents in memory, as `make avtal` does; fails on problems."""
    from avtalsgenerator.agreement.thresholds import load_thresholds
    from avtalsgenerator.output.batch import Settings, build
    from avtalsgenerator.templates.render import Renderer

    def run(data: dict[str, Any]):
        built = build(write_agreement(data), Settings(TEMPLATES, load_thresholds(THRESHOLDS)), Renderer())
        assert not built.problems, [str(p) for p in built.problems]
        return built

    return run


@pytest.fixture
def problems(write_agreement):
    """What `avtal validera` reports for the agreement, as the user reads it (place: message), errors and warnings."""
    from avtalsgenerator.output import pipeline

    def run(data: dict[str, Any]) -> list[str]:
        path = write_agreement(data)
        result = pipeline.check([path], troskelvarden=THRESHOLDS)
        return [f"{p.place}: {p.message}" for p in result.failed.get(str(path), []) + result.warnings]

    return run


@pytest.fixture
def family_therapy() -> dict[str, Any]:
    """The Norrström–Fjällviken example (avtalssamverkan, PUB, cost allocation, external delegation)."""
    return copy.deepcopy(read_example("norrstrom-fjallviken-familjebehandling"))


@pytest.fixture
def hospital_discharge() -> dict[str, Any]:
    """The Region Stockholm example (per inhabitant capped by the 2020 limit, support per user, no PUB)."""
    return copy.deepcopy(read_example("region-stockholm-vardovergangar"))


@pytest.fixture
def treatment_programme() -> dict[str, Any]:
    """The regions' internet treatment programme (self-cost, PUB, current 700 000 kr limit)."""
    return copy.deepcopy(read_example("region-internetbehandling"))


MINIMAL: dict[str, Any] = {
    "avtal": {
        "id": "minsta-avtalet",
        "typ": "avtalssamverkan",
        "titel": "Avtal om gemensam familjerådgivning",
        "diarienummer": "KS 2025/17",
        "datum": "2025-05-02",
        "syfte": "Att ge invånarna i båda kommunerna familjerådgivning.",
    },
    "parter": [
        {
            "id": "stockholm",
            "namn": "Stockholms kommun",
            "typ": "kommun",
            "organisationsnummer": "212000-0142",
            "roll": "uppdragstagare",
            "undertecknare": {"namn": "Anna Ek", "titel": "kommunstyrelsens ordförande"},
            "beslut": {"organ": "Kommunstyrelsen", "datum": "2025-04-02", "paragraf": "§ 12"},
        },
        {
            "id": "goteborg",
            "namn": "Göteborgs kommun",
            "typ": "kommun",
            "organisationsnummer": "212000-1355",
            "roll": "uppdragsgivare",
            "undertecknare": {"namn": "Per Lind", "titel": "kommunstyrelsens ordförande"},
            "beslut": {"organ": "Kommunstyrelsen", "datum": "2025-04-10", "paragraf": "§ 7"},
        },
    ],
    "uppgifter": [{"beskrivning": "Familjerådgivning", "utforare": "stockholm", "mottagare": ["goteborg"]}],
    "ekonomi": {
        "modell": "fast_belopp",
        "ersattning_ar": 100000,
        "avrakning": {"underlag": "de faktiska kostnaderna", "tidpunkt": "en gång per år", "reglering": "En skillnad regleras på nästa faktura."},
    },
    "personuppgifter": {"roll": "ingen", "bedomning": "Varje part behandlar bara personuppgifter i sina egna ärenden."},
    "avtalstid": {"start": "2025-06-01", "slut": "2027-05-31"},
}


@pytest.fixture
def minimal_agreement() -> dict[str, Any]:
    """The smallest valid agreement: two municipalities, a fixed amount, no annexes."""
    return copy.deepcopy(MINIMAL)
