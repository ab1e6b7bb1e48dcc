"""Tests for the load stage: JSON syntax errors with file, line and column."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from avtalsgenerator.agreement.load import load_agreement, load_json
from avtalsgenerator.errors import LoadError, ValidationError


def test_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "trasig.json"
    path.write_text('{\n  "avtal": {\n    "id": "x",,\n  }\n}\n', encoding="utf-8")
    with pytest.raises(LoadError, match=r"trasig\.json: rad 3, kolumn 15: ogiltig JSON"):
        load_json(path)


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match=r"saknas\.json: filen finns inte"):
        load_json(tmp_path / "saknas.json")


def test_duplicate_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "dubbel.json"
    path.write_text('{"a": 1, "a": 2}', encoding="utf-8")
    with pytest.raises(LoadError, match='nyckeln "a" förekommer två gånger'):
        load_json(path)


def test_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes('{"namn": "Fjällviken"}'.encode("latin-1"))
    with pytest.raises(LoadError, match="inte kodad i UTF-8"):
        load_json(path)


def test_decimals_are_exact(tmp_path: Path) -> None:
    path = tmp_path / "tal.json"
    path.write_text('{"andel": 12.5}', encoding="utf-8")
    assert load_json(path) == {"andel": Decimal("12.5")}


def test_oversized_file_is_refused_without_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import avtalsgenerator.agreement.load as load

    monkeypatch.setattr(load, "MAX_INPUT_BYTES", 10)
    path = tmp_path / "stor.json"
    path.write_text('{"a": "0123456789"}', encoding="utf-8")
    with pytest.raises(LoadError, match="filen är för stor"):
        load_json(path)


def test_nan_is_refused_at_its_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "nan.json"
    path.write_text('{\n  "namn": "NaN",\n  "andel": NaN\n}', encoding="utf-8")
    with pytest.raises(LoadError, match=r"nan\.json: rad 3, kolumn 12: ogiltig JSON: NaN är inget tal i JSON"):
        load_json(path)


def test_number_with_thousands_of_digits_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "siffror.json"
    path.write_text('{"belopp": ' + "1" * 5000 + "}", encoding="utf-8")
    with pytest.raises(LoadError, match=r"siffror\.json: rad 1, kolumn 12: talet har 5000 tecken"):
        load_json(path)


def test_load_agreement_validates_then_fills_defaults(write_agreement: Any, minimal_agreement: dict[str, Any]) -> None:
    data = load_agreement(write_agreement(minimal_agreement))
    assert data["uppsagning"]["manader"] == 12
    minimal_agreement["uppsagning"] = {"manader": 100000}
    with pytest.raises(ValidationError, match=r"avtal\.json: \$\.uppsagning\.manader: värdet 100000 är för stort; högst 120"):
        load_agreement(write_agreement(minimal_agreement))
