"""Default locations and the names of the generated documents."""

from __future__ import annotations

from pathlib import Path

MAIN_FILE = "avtal.docx"
PUB_FILE = "pub-bilaga.docx"
COST_FILE = "kostnadsfordelning.docx"
# The template of the main document (always written as avtal.docx) for each agreement kind.
MAIN_TEMPLATES = {
    "avtalssamverkan": MAIN_FILE,
    "samverkansavtal": MAIN_FILE,
    "interimsavtal": MAIN_FILE,
    "tillaggsavtal": "tillaggsavtal.docx",
    "avsiktsforklaring": "avsiktsforklaring.docx",
}
# The documents an agreement can have in utdata/<id>/.
OUTPUT_FILES = (MAIN_FILE, PUB_FILE, COST_FILE)
# Every template file name that some agreement kind uses.
TEMPLATE_FILES = tuple(dict.fromkeys([*MAIN_TEMPLATES.values(), PUB_FILE, COST_FILE]))
DEFAULT_INDATA = Path("indata/avtal")
DEFAULT_UTDATA = Path("utdata")
DEFAULT_MALLAR = Path("mallar")
DEFAULT_TROSKELVARDEN = Path("indata/troskelvarden.json")
