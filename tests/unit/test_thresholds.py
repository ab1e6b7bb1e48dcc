"""Tests for dated thresholds: lookup by date, overlaps, gaps and unknown names."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from conftest import THRESHOLDS

from avtalsgenerator.agreement.thresholds import load_thresholds
from avtalsgenerator.errors import ThresholdError


def test_value_follows_the_date() -> None:
    thresholds = load_thresholds(THRESHOLDS)
    assert thresholds.value("direktupphandlingsgrans", dt.date(2020, 9, 1)).belopp == 615312
    assert thresholds.value("direktupphandlingsgrans", dt.date(2022, 1, 15)).belopp == 626284
    assert thresholds.value("direktupphandlingsgrans", dt.date(2026, 1, 15)).belopp == 700000
    assert thresholds.value("direktupphandlingsgrans_sociala_tjanster", dt.date(2024, 3, 1)).belopp == 8109450


def test_unknown_name_is_an_error() -> None:
    thresholds = load_thresholds(THRESHOLDS)
    with pytest.raises(ThresholdError, match='okänt tröskelvärde "direktgrans"'):
        thresholds.value("direktgrans", dt.date(2024, 1, 1), "$.ekonomi.tak.troskel")


def test_date_without_value_is_an_error() -> None:
    thresholds = load_thresholds(THRESHOLDS)
    with pytest.raises(ThresholdError, match="har inget belopp för 2013-05-01"):
        thresholds.value("direktupphandlingsgrans", dt.date(2013, 5, 1))


def _write(tmp_path: Path, values: list[dict[str, object]]) -> Path:
    path = tmp_path / "troskelvarden.json"
    path.write_text(json.dumps({"troskelvarden": {"grans": {"benamning": "gränsen", "varden": values}}}), encoding="utf-8")
    return path


def test_overlapping_periods_are_refused(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        [
            {"fran": "2020-01-01", "till": "2021-12-31", "belopp": 1, "kalla": "a"},
            {"fran": "2021-06-01", "belopp": 2, "kalla": "b"},
        ],
    )
    with pytest.raises(ThresholdError, match=r"\$\.troskelvarden\.grans\.varden\[1\]: perioden från 2021-06-01 överlappar"):
        load_thresholds(path)


def test_open_period_before_another_is_an_overlap(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        [{"fran": "2020-01-01", "belopp": 1, "kalla": "a"}, {"fran": "2022-01-01", "belopp": 2, "kalla": "b"}],
    )
    with pytest.raises(ThresholdError, match="överlappar perioden 2020-01-01 – tills vidare"):
        load_thresholds(path)


def test_amount_must_be_whole_kronor(tmp_path: Path) -> None:
    path = _write(tmp_path, [{"fran": "2020-01-01", "belopp": 615312.5, "kalla": "a"}])
    with pytest.raises(ThresholdError, match=r"\$\.troskelvarden\.grans\.varden\[0\]\.belopp: ska vara heltal"):
        load_thresholds(path)


ENDED = sorted(
    name for name, entry in json.loads(THRESHOLDS.read_text(encoding="utf-8"))["troskelvarden"].items()
    if entry["varden"][-1].get("till")
)


@pytest.mark.parametrize("name", ENDED)
def test_a_threshold_that_has_ended_is_refused_naming_the_missing_value_and_where_to_add_it(name: str) -> None:
    """The 2026 amounts in kronor are not confirmed (issue 21): the refusal says which value is missing and where it goes."""
    entry = json.loads(THRESHOLDS.read_text(encoding="utf-8"))["troskelvarden"][name]
    day = dt.date.fromisoformat(entry["varden"][-1]["till"]) + dt.timedelta(days=1)
    with pytest.raises(ThresholdError) as caught:
        load_thresholds(THRESHOLDS).value(name, day, "$.ekonomi.tak.troskel", "avtal.json")
    (problem,) = caught.value.problems
    assert (problem.file, problem.place) == ("avtal.json", "$.ekonomi.tak.troskel")
    assert f'"{name}" har inget belopp för {day.isoformat()} i {THRESHOLDS}' in problem.message
    assert f"under $.troskelvarden.{name}.varden i {THRESHOLDS}" in problem.message
    assert "med fran, till, belopp och kalla" in problem.message
    assert entry["kommentar"] in problem.message  # the euro figure and where to fetch the amount in kronor
