"""Tests for the output-folder lock: two runs never write into the same utdata at once."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import EXAMPLES, TEMPLATES, THRESHOLDS

from avtalsgenerator.errors import WriteError
from avtalsgenerator.lock import locked
from avtalsgenerator.pipeline import generate


def test_second_run_stops_with_a_message(tmp_path: Path) -> None:
    utdata = tmp_path / "utdata"
    with locked(utdata), pytest.raises(WriteError, match="en annan körning skriver till mappen just nu"):
        generate(indata=EXAMPLES, utdata=utdata, mallar=TEMPLATES, troskelvarden=THRESHOLDS)
    assert not list(utdata.rglob("*.docx"))


def test_lock_is_released_after_a_run(tmp_path: Path) -> None:
    utdata = tmp_path / "utdata"
    with locked(utdata):
        pass
    with locked(utdata):
        pass
