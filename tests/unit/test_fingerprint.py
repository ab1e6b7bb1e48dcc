"""Tests for the fingerprint of what outputs depend on besides their data."""

from __future__ import annotations

from importlib import metadata

from avtalsgenerator import fingerprint


def test_library_versions_are_those_installed() -> None:
    assert fingerprint.library_versions() == {name: metadata.version(name) for name in fingerprint.LIBRARIES}


def test_fingerprint_names_schemas_generator_and_libraries() -> None:
    found = fingerprint.fingerprint()
    assert set(found) == {"standardtexter", "schema", "generator", "bibliotek"}
    assert all(len(found[key]) == 64 for key in ("standardtexter", "schema", "generator"))
    assert found["bibliotek"]["python-docx"] == metadata.version("python-docx")
