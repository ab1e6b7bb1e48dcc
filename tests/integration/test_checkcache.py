"""Tests for the cached template check (in the per-user cache): checked once per set of templates and checker, again when either changes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import docx
import pytest
from conftest import TEMPLATES, THRESHOLDS

from avtalsgenerator import cache
from avtalsgenerator.errors import TemplateError
from avtalsgenerator.output.pipeline import generate
from avtalsgenerator.templates import check as templatecheck
from avtalsgenerator.templates import checked


@pytest.fixture
def counted_checks(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[list[Path]]:
    """Every call of the real template check, with the templates it was given (with a cache of the test's own)."""
    monkeypatch.setenv(cache.ENV_VAR, str(tmp_path / "cache"))
    calls: list[list[Path]] = []
    real = templatecheck.ensure_templates_ok

    def counting(paths: list[Path], thresholds: Path | None = None) -> Any:
        calls.append(paths)
        return real(paths, thresholds)

    monkeypatch.setattr(templatecheck, "ensure_templates_ok", counting)
    return calls


def test_one_agreement_change_does_not_check_the_templates_again(tmp_path: Path, minimal_agreement: dict[str, Any],
                                                                  counted_checks: list[list[Path]]) -> None:
    path = tmp_path / "avtal.json"
    path.write_text(json.dumps(minimal_agreement), encoding="utf-8")
    mallar = tmp_path / "mallar"
    shutil.copytree(TEMPLATES, mallar)
    assert generate([path], utdata=tmp_path / "utdata", mallar=mallar, troskelvarden=THRESHOLDS).ok
    assert len(counted_checks) == 1
    assert list((tmp_path / "cache" / checked.TEMPLATE_CHECKS).iterdir())
    assert not (tmp_path / "utdata" / cache.CACHE_DIR).exists(), "the check's result is kept in the user's cache, not in utdata"

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
    checked.checked_templates(paths, "kontroll 1")
    checked.checked_templates(paths, "kontroll 1")
    checked.checked_templates(paths, "kontroll 2")
    assert len(counted_checks) == 2


def test_warnings_come_back_from_the_cache(tmp_path: Path, counted_checks: list[list[Path]]) -> None:
    first = checked.checked_templates([TEMPLATES], "k")
    assert checked.checked_templates([TEMPLATES], "k") == first
    assert len(counted_checks) == 1


def test_an_entry_that_is_not_a_list_of_problems_is_checked_again(tmp_path: Path, counted_checks: list[list[Path]]) -> None:
    paths = [TEMPLATES / "avtal.docx"]
    first = checked.checked_templates(paths, "k")
    cache.write(checked.TEMPLATE_CHECKS, checked.check_key(paths, "k"), b'{"varningar": [{"okand": 1}]}')
    assert checked.checked_templates(paths, "k") == first
    assert len(counted_checks) == 2
