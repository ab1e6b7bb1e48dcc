"""The template check through the per-user cache: the names callers use, kept; the code is in ``output.cache``."""

from __future__ import annotations

from pathlib import Path

from ..errors import Problem
from . import cache
from .cache import CACHE_DIR, cache_key

__all__ = ["CACHE_DIR", "cache_key", "checked_templates"]


def checked_templates(paths: list[Path], folder: Path | None, checker: str) -> list[Problem]:
    """``cache.checked_templates(paths, checker)``; ``folder`` (the output folder, where results were once kept) is not used."""
    return cache.checked_templates(paths, checker)
