"""Comparison documents: an agreement's new version with tracked changes against the earlier one."""

from __future__ import annotations
