"""Fingerprint of what every output depends on besides its own data: schemas, generator source, library versions."""

from __future__ import annotations

import hashlib
import importlib
import json
from functools import cache
from pathlib import Path
from typing import Any

from .agreement import schema

LIBRARIES = {"docxtpl": "docxtpl", "jinja2": "jinja2", "babel": "babel", "python-docx": "docx", "lxml": "lxml"}  # distribution: module
SOURCE_DIR = Path(__file__).resolve().parent  # the package root: every module in every subpackage


def _digest(chunks: list[bytes]) -> str:
    h = hashlib.sha256()
    for chunk in chunks:
        h.update(hashlib.sha256(chunk).digest())
    return h.hexdigest()


def _defaults(node: Any, path: str, found: list[tuple[str, Any]]) -> None:
    if isinstance(node, dict):
        for key in sorted(node):
            if key == "default":
                found.append((path, node[key]))
            _defaults(node[key], f"{path}/{key}", found)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            _defaults(item, f"{path}/{index}", found)


def schema_files() -> list[Path]:
    return sorted(schema.SCHEMA_DIR.glob("*.json"))


def _relative(path: Path) -> str:
    try:
        return path.relative_to(SOURCE_DIR).as_posix()
    except ValueError:
        return path.name


def source_files() -> list[Path]:
    """Every module of the package, in every subpackage, except the form's (it shapes no document)."""
    return sorted(p for p in SOURCE_DIR.rglob("*.py") if p.relative_to(SOURCE_DIR).parts[0] != "web")


@cache
def library_versions() -> dict[str, str]:
    """The version of each library the documents depend on: as the imported module says (cheap), else as installed."""
    versions = {}
    for name, module in LIBRARIES.items():
        try:
            found = getattr(importlib.import_module(module), "__version__", None)
            if not isinstance(found, str):
                from importlib import metadata  # only here: its import costs a new process some 20 ms

                found = metadata.version(name)
            versions[name] = found
        except ImportError:  # metadata.PackageNotFoundError is one too
            versions[name] = "saknas"
    return versions


@cache
def _fingerprint(schemas: tuple[tuple[str, str], ...], sources: tuple[tuple[str, bytes], ...]) -> dict[str, Any]:
    defaults: list[tuple[str, Any]] = []
    for name, text in schemas:
        _defaults(json.loads(text), name, defaults)
    return {
        "standardtexter": _digest([json.dumps(defaults, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")]),
        "schema": _digest([f"{name}\0{text}".encode() for name, text in schemas]),
        "generator": _digest([name.encode("utf-8") + b"\0" + data for name, data in sources]),
    }


def fingerprint() -> dict[str, Any]:
    """What the documents depend on besides data, templates and thresholds, as recorded in the manifest."""
    # The schemas as the generator reads them (load_schema), so the fingerprint is of what it really uses.
    schemas = tuple((p.name, _schema_text(schema.load_schema(p))) for p in schema_files())
    sources = tuple((_relative(p), _source(p)) for p in source_files())
    return {**_fingerprint(schemas, sources), "bibliotek": library_versions()}


_TEXTS: dict[int, tuple[dict[str, Any], str]] = {}  # by id of a loaded schema, which it keeps alive
_SOURCES: dict[Path, tuple[tuple[int, int], bytes]] = {}  # by path, with the (mtime, size) it was read at


def _schema_text(loaded: dict[str, Any]) -> str:
    """The loaded schema as canonical JSON; load_schema gives the same object each time, so this is done once."""
    known = _TEXTS.get(id(loaded))
    if known is None or known[0] is not loaded:
        if len(_TEXTS) > 16:  # only when load_schema gives new objects (a test changing the schema)
            _TEXTS.clear()
        known = _TEXTS[id(loaded)] = (loaded, json.dumps(loaded, ensure_ascii=False, sort_keys=True))
    return known[1]


def _source(path: Path) -> bytes:
    """A generator source file, read again only when its modification time or size changed."""
    info = path.stat()
    stamp = (info.st_mtime_ns, info.st_size)
    known = _SOURCES.get(path)
    if known is None or known[0] != stamp:
        known = _SOURCES[path] = (stamp, path.read_bytes())
    return known[1]


def changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Why documents made under ``old`` may differ from ones made now, in Swedish; empty when nothing changed."""
    if not old:
        return ["manifestet saknade uppgifter om vad dokumenten gjordes av (schema, generator, bibliotek)"]
    reasons = []
    if old.get("standardtexter") != new["standardtexter"]:
        reasons.append("standardtexten i schemat har ändrats")
    elif old.get("schema") != new["schema"]:
        reasons.append("schemat har ändrats")
    if old.get("generator") != new["generator"]:
        reasons.append("generatorn har ändrats")
    before = old.get("bibliotek", {})
    for name, version in new["bibliotek"].items():
        if before.get(name) != version:
            reasons.append(f"{name} har uppdaterats {before.get(name, 'okänd version')} → {version}")
    return reasons
