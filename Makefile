# Set-up is automatic: every target creates .venv and installs the project when needed.
VENV ?= .venv
PY := $(VENV)/bin/python
AVTAL := $(VENV)/bin/avtal
STAMP := $(VENV)/.installerad
PYTHON ?= python3

.PHONY: avtal pdf test test-snabb lint bench clean redigera

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

# The fast subset for development: everything but the tests marked slow (property tests, LibreOffice, the wheel).
test-snabb: $(STAMP)
	$(PY) -m pytest -m "not slow" -q

lint: $(STAMP)
	$(VENV)/bin/ruff check generator tests bench
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(PY) bench/bench.py

clean:
	rm -rf utdata
