"""Word package mechanics that know nothing of agreements: the zip, its safety checks, document properties."""

from __future__ import annotations
