"""The form in the browser (avtal redigera): a local Flask application over the library API."""

from __future__ import annotations
