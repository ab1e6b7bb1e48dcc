"""Template check cached by template hash and checker fingerprint, so an unchanged set of templates is checked once."""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import asdict
from pathlib import Path

from ..errors import Problem
from .manifest import disk_hash, regular_bytes
from .write import write_atomic

CACHE_DIR = ".mallkontroll"
KEEP = 8


def cache_key(paths: list[Path], checker: str, thresholds: Path | None = None) -> str:
    """Key of a check: every file in the template folders (a template saved as .odt counts too) with its content
    hash, the threshold values the trial render uses, and the fingerprint of the checking code."""
    h = hashlib.sha256(checker.encode("utf-8"))
    for path in [*paths, *([thresholds] if thresholds is not None else [])]:
        for file in sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]:
            h.update(f"\0{file}\0{disk_hash(file) or 'saknas'}".encode())
    return h.hexdigest()


def ensure_templates_ok(paths: list[Path], thresholds: Path | None = None) -> list[Problem]:
    """templates.check.ensure_templates_ok, imported only when a check must run (it imports docxtpl and lxml)."""
    from ..templates.check import ensure_templates_ok as check

    return check(paths, thresholds)


def checked_templates(paths: list[Path], folder: Path, checker: str, thresholds: Path | None = None) -> list[Problem]:
    """``ensure_templates_ok(paths, thresholds)``, with passing results (their warnings) kept in ``folder/.mallkontroll``.

    A set of templates that failed is checked again each time (it raises TemplateError as before); a
    cache that cannot be read or written is ignored.
    """
    cache = folder / CACHE_DIR
    entry = cache / f"{cache_key(paths, checker, thresholds)}.json"
    with contextlib.suppress(OSError, ValueError, TypeError, KeyError):
        return [Problem(**raw) for raw in json.loads(regular_bytes(entry) or b"")["varningar"]]  # a FIFO or link is a miss
    warnings = ensure_templates_ok(paths, thresholds)
    with contextlib.suppress(OSError):
        write_atomic(entry, json.dumps({"varningar": [asdict(w) for w in warnings]}, ensure_ascii=False).encode("utf-8"))
        older = sorted(cache.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)[KEEP:]
        for old in older:
            old.unlink(missing_ok=True)
    return warnings
