"""The template check's result kept in the per-user cache, by the templates' contents, the thresholds and the checker."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path

from .. import cache
from ..errors import Problem
from ..files import disk_hash

TEMPLATE_CHECKS = "template-checks"  # the cache's kind for these entries


def check_key(paths: list[Path], checker: str, thresholds: Path | None = None) -> str:
    """Key of a check: every file in the template folders (a template saved as .odt counts too) with its content
    hash, the threshold values the trial render uses, and the fingerprint of the checking code."""
    h = hashlib.sha256(checker.encode("utf-8"))
    for path in [*paths, *([thresholds] if thresholds is not None else [])]:
        for file in sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]:
            h.update(f"\0{file}\0{disk_hash(file) or 'saknas'}".encode())
    return h.hexdigest()


def checked_templates(paths: list[Path], checker: str, thresholds: Path | None = None) -> list[Problem]:
    """``ensure_templates_ok(paths, thresholds)``, with a passing result (its warnings) kept in the cache under ``check_key``.

    A set of templates that failed is checked again each time (it raises TemplateError as before); an
    entry that cannot be read back as a list of problems is checked again, never blamed on the templates.
    """
    return cache.cached(TEMPLATE_CHECKS, check_key(paths, checker, thresholds), lambda: _check(paths, thresholds), _dump, _load)


def _check(paths: list[Path], thresholds: Path | None) -> list[Problem]:
    # Imported only when the templates are checked: the check imports docxtpl and python-docx, which a run whose
    # templates were checked before (the result read from the cache) never loads.
    from .check import ensure_templates_ok

    return ensure_templates_ok(paths, thresholds)


def _dump(warnings: list[Problem]) -> bytes:
    return json.dumps({"varningar": [asdict(w) for w in warnings]}, ensure_ascii=False).encode("utf-8")


def _load(stored: bytes) -> list[Problem]:
    return [Problem(**raw) for raw in json.loads(stored.decode("utf-8"))["varningar"]]
