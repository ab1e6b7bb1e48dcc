"""The command line `avtal`: a thin click layer over the library API, with one error boundary and Swedish help."""

from __future__ import annotations

from .commands import main

__all__ = ["main"]
