"""The legal rules an agreement must meet that a JSON Schema cannot express."""

from __future__ import annotations
