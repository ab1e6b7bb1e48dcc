"""One agreement's data: reading, schema checks and defaults, thresholds, computed figures, Swedish formatting."""

from __future__ import annotations
