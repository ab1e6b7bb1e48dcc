# Set-up is automatic: every target creates .venv and installs the project when needed.
VENV ?= .venv
PY := $(VENV)/bin/python
AVTAL := $(VENV)/bin/avtal
STAMP := $(VENV)/.installerad
PYTHON ?= python3

.PHONY: avtal pdf test test-snabb lint bench clean rensa-utdata redigera fornya

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

avtal: $(STAMP)
	$(AVTAL) generera $(if $(PDF),--pdf)

pdf: $(STAMP)
	$(AVTAL) generera --pdf

redigera: $(STAMP)
	$(AVTAL) redigera

test: $(STAMP) lint
	$(AVTAL) mallar kontrollera
	$(PY) -m pytest

# The fast subset for development: tests/unit and tests/integration on every core (pytest-xdist), without the tests
# marked slow (property tests, LibreOffice, Chromium, the wheel: tests/e2e is slow as a whole).
test-snabb: $(STAMP)
	$(PY) -m pytest tests/unit tests/integration -m "not slow" -q -n auto

lint: $(STAMP)
	$(VENV)/bin/ruff check generator tests bench
	$(VENV)/bin/mypy

# For template authors: after a change to a template or the schema, renew what is generated from them (the golden
# snapshots of the example agreements and the field reference docs/falt.md) and show how it changed, in Swedish.
fornya: $(STAMP)
	@echo "Förnyar ögonblicksbilderna (tests/golden/) och fältreferensen (docs/falt.md) …"
	@log=$$(mktemp); UPDATE_GOLDEN=1 $(PY) -m pytest tests/integration/test_golden.py -q -p no:cacheprovider > $$log 2>&1 \
		|| { cat $$log >&2; rm -f $$log; echo "Ögonblicksbilderna kunde inte förnyas: ett exempelavtal gick inte att göra." \
		     "Kör avtal mallar kontrollera och avtal generera för att se varför." >&2; exit 1; }; rm -f $$log
	@$(AVTAL) mallar falt --markdown > docs/falt.md.ny && mv docs/falt.md.ny docs/falt.md
	@echo "Klart. Så här ändrades de; läs igenom ändringarna och lägg in dem tillsammans med mallen eller schemat:"
	@git --no-pager diff --stat -- tests/golden docs/falt.md || true
	@git --no-pager diff --no-color -- tests/golden docs/falt.md || true

bench: $(STAMP)
	$(PY) bench/bench.py

# Removes only what can be made again (caches, temporary files). Never the issued documents, their earlier
# versions in tidigare/ or the change reports: those are records.
clean:
	rm -rf .pytest_cache .mypy_cache .ruff_cache .hypothesis utdata/.mallkontroll utdata/bench.json
	find . -name __pycache__ -type d -not -path './$(VENV)/*' -prune -exec rm -rf {} +
	if [ -d utdata ]; then find utdata -name '.avtal-tmp-*' -type f -delete; fi

# Removes the whole output folder, records included: only when asked for explicitly with BEKRAFTA=ja.
rensa-utdata:
	@if [ "$(BEKRAFTA)" != ja ]; then \
		echo "rensa-utdata tar bort alla utfärdade avtal, tidigare versioner och ändringsrapporter i utdata/." >&2; \
		echo "Kör 'make rensa-utdata BEKRAFTA=ja' om det verkligen är meningen." >&2; exit 1; fi
	rm -rf utdata
