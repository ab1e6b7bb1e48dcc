"""Tests for the cached template check: checked once per set of templates and checker, again when either changes."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import docx
import pytest
from conftest import TEMPLATES, THRESHOLDS

from avtalsgenerator.errors import TemplateError
from avtalsgenerator.output import checkcache
from avtalsgenerator.output.pipeline import generate


@pytest.fixture
def counted_checks(monkeypatch: pytest.MonkeyPatch) -> list[list[Path]]:
    """Every call of the real template check, with the templates it was given."""
    calls: list[list[Path]] = []
    real = checkcache.ensure_templates_ok

    def counting(paths: list[Path], thresholds: Path | None = None) -> Any:
        calls.append(paths)
        return real(paths, thresholds)

    monkeypatch.setattr(checkcache, "ensure_templates_ok", counting)
    return calls


def test_one_agreement_change_does_not_check_the_templates_again(tmp_path: Path, minimal_agreement: dict[str, Any],
                                                                  counted_checks: list[list[Path]]) -> None:
    path = tmp_path / "avtal.json"
    path.write_text(json.dumps(minimal_agreement), encoding="utf-8")
    mallar = tmp_path / "mallar"
    shutil.copytree(TEMPLATES, mallar)
    assert generate([path], utdata=tmp_path / "utdata", mallar=mallar, troskelvarden=THRESHOLDS).ok
    assert len(counted_checks) == 1
    assert list((tmp_path / "utdata" / checkcache.CACHE_DIR).glob("*.json"))

    minimal_agreement["avtal"]["titel"] = "Avtal om familjerådgivning i två kommuner"
    path.write_text(json.dumps(minimal_agreement), encoding="utf-8")
    result = generate([path], utdata=tmp_path / "utdata", mallar=mallar, troskelvarden=THRESHOLDS)
    assert result.ok and len(result.written) == 1
    assert len(counted_checks) == 1, "the templates did not change: their check is not run again"

    template = mallar / "avtal.docx"
    document = docx.Document(str(template))
    document.add_paragraph("{{ avtal.okant_falt }}")
    document.save(str(template))
    with pytest.raises(TemplateError, match="okant_falt"):
        generate([path], utdata=tmp_path / "utdata", mallar=mallar, troskelvarden=THRESHOLDS, force=True)
    assert len(counted_checks) == 2, "a changed template is checked again, and its error still stops the run"


def test_changed_checker_checks_again(tmp_path: Path, counted_checks: list[list[Path]]) -> None:
    paths = [TEMPLATES / "avtal.docx"]
    checkcache.checked_templates(paths, tmp_path, "kontroll 1")
    checkcache.checked_templates(paths, tmp_path, "kontroll 1")
    checkcache.checked_templates(paths, tmp_path, "kontroll 2")
    assert len(counted_checks) == 2


def test_warnings_come_back_from_the_cache(tmp_path: Path, counted_checks: list[list[Path]]) -> None:
    first = checkcache.checked_templates([TEMPLATES], tmp_path, "k")
    assert checkcache.checked_templates([TEMPLATES], tmp_path, "k") == first
    assert len(counted_checks) == 1


def test_fifo_in_place_of_the_cached_check_is_checked_again(tmp_path: Path, counted_checks: list[list[Path]]) -> None:
    utdata = tmp_path / "utdata"
    checkcache.checked_templates([TEMPLATES], utdata, "kontrollant")
    (entry,) = (utdata / checkcache.CACHE_DIR).glob("*.json")
    entry.unlink()
    os.mkfifo(entry)  # opening it for reading would wait for a writer for ever

    checkcache.checked_templates([TEMPLATES], utdata, "kontrollant")

    assert len(counted_checks) == 2
