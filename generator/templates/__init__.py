"""The Word templates: the sandboxed Jinja environment, rendering, and the checks and tools for template authors."""

from __future__ import annotations
