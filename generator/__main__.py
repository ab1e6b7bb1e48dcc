"""``python -m avtalsgenerator``: the same command line as ``avtal``."""

from __future__ import annotations

from .cli import main

if __name__ == "__main__":
    main(prog_name="avtal")
