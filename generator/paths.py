"""Default locations and the names of the generated documents."""

from __future__ import annotations

from pathlib import Path

MAIN_FILE = "avtal.docx"
PUB_FILE = "pub-bilaga.docx"
COST_FILE = "kostnadsfordelning.docx"
# The documents an agreement can have in utdata/<id>/.
OUTPUT_FILES = (MAIN_FILE, PUB_FILE, COST_FILE)
DEFAULT_INDATA = Path("indata/avtal")
DEFAULT_UTDATA = Path("utdata")
DEFAULT_MALLAR = Path("mallar")
DEFAULT_TROSKELVARDEN = Path("indata/troskelvarden.json")
