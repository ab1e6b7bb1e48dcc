"""Generating documents into utdata/: the pipeline, batch, records, archive, PDF, caches and the change report."""

from __future__ import annotations
