"""Default locations and the names of the generated documents."""

from __future__ import annotations

from pathlib import Path

from .compute import COST_FILE, PUB_FILE

MAIN_FILE = "avtal.docx"
TEMPLATE_FILES = (MAIN_FILE, PUB_FILE, COST_FILE)
DEFAULT_INDATA = Path("indata/avtal")
DEFAULT_UTDATA = Path("utdata")
DEFAULT_MALLAR = Path("mallar")
DEFAULT_TROSKELVARDEN = Path("indata/troskelvarden.json")
