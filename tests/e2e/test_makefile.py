"""Tests for the Makefile's cleaning targets: records in utdata (issued versions, change reports) are never removed by clean."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT, requires_program

RECORDS = [
    "utdata/minsta-avtalet/avtal.docx",
    "utdata/minsta-avtalet/avtal.pdf",
    "utdata/minsta-avtalet/tidigare/2026-11-01-abcdef12/avtal.docx",
    "utdata/rapporter/2026-11-01-090000.md",
    "utdata/andringsrapport.md",
    "utdata/manifest.json.migrerad",
    "utdata/avtal.db",
]
CACHES = ["utdata/.mallkontroll/abc.json", "utdata/minsta-avtalet/.avtal-tmp-x1", ".pytest_cache/v/x"]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the Makefile beside an output folder that holds records and caches."""
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    for name in RECORDS + CACHES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x", encoding="utf-8")
    return tmp_path


def test_clean_keeps_every_record_and_removes_the_caches(project: Path) -> None:
    requires_program("make")
    done = subprocess.run(["make", "-C", str(project), "clean"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert [name for name in RECORDS if not (project / name).exists()] == []
    assert [name for name in CACHES if (project / name).exists()] == []


def test_removing_utdata_needs_an_explicit_yes(project: Path) -> None:
    requires_program("make")
    refused = subprocess.run(["make", "-C", str(project), "rensa-utdata"], capture_output=True, text=True)
    assert refused.returncode != 0
    assert "make rensa-utdata BEKRAFTA=ja" in refused.stderr
    assert all((project / name).exists() for name in RECORDS)
    done = subprocess.run(["make", "-C", str(project), "rensa-utdata", "BEKRAFTA=ja"], capture_output=True, text=True)
    assert done.returncode == 0 and not (project / "utdata").exists()
