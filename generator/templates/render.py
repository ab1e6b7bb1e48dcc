"""Render stage: merge a context into a Word template with docxtpl in a strict, sandboxed, escaping Jinja."""

from __future__ import annotations

# The stage's rooms: sandbox (the environment and its bounds), patching and sourcelines (the template as Jinja reads it),
# prepared (compiled once, cached), compiled (rendered per agreement), finish, completeness, failure and places.
import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

from jinja2.sandbox import SandboxedEnvironment

from ..docx.safety import MAX_TEMPLATE_BYTES
from ..fingerprint import fingerprint
from .compiled import CompiledTemplate
from .patching import Docx, refuse_unsafe
from .plain import render_docx_plain
from .sandbox import LimitError, make_environment


class Renderer:
    """Renders agreements, compiling each template once and again only when its file changes."""

    def __init__(self, env: SandboxedEnvironment | None = None) -> None:
        self.env = env or make_environment()
        self._cache: dict[Path, CompiledTemplate] = {}
        self._generator = fingerprint()["generator"]  # the source cannot change while this renderer is used

    def template(self, path: Path) -> CompiledTemplate:
        if not path.is_file() or path.stat().st_size > MAX_TEMPLATE_BYTES:
            refuse_unsafe(path)
        source = path.read_bytes()
        cached = self._cache.get(path)
        if cached is None or cached.digest != hashlib.sha256(source).hexdigest():
            cached = self._cache[path] = CompiledTemplate(path, self.env, source, self._generator)
        return cached

    def render(self, path: Path, context: dict[str, Any], data_file: str = "", issued: dt.date | None = None) -> bytes:
        return self.template(path).render(context, data_file, issued)


def render_docx(template: Path, context: dict[str, Any], env: SandboxedEnvironment, data_file: str = "",
                issued: dt.date | None = None) -> bytes:
    """Render one template once (compiled for this call); use a Renderer to reuse the compiled template."""
    return CompiledTemplate(template, env).render(context, data_file, issued)


__all__ = ["CompiledTemplate", "Docx", "LimitError", "Renderer", "make_environment", "render_docx", "render_docx_plain"]
