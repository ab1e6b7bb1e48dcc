"""Tests for atomic writes, and for a batch killed part-way: only whole documents, and the next run completes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from conftest import EXAMPLES, TEMPLATES, THRESHOLDS

from avtalsgenerator.manifest import Manifest, file_hash
from avtalsgenerator.write import TEMP_PREFIX, remove_stale_temporaries, write_atomic


def test_write_atomic_replaces_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "a" / "avtal.docx"
    write_atomic(target, b"first")
    write_atomic(target, b"second")
    assert target.read_bytes() == b"second"
    assert [p.name for p in target.parent.iterdir()] == ["avtal.docx"]


def test_failed_write_leaves_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "avtal.docx"
    write_atomic(target, b"old")

    def broken(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert list(tmp_path.iterdir()) == [target]


def test_stale_temporaries_are_removed(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / f"{TEMP_PREFIX}abc").write_bytes(b"half")
    assert remove_stale_temporaries(tmp_path) == 1
    assert not list(tmp_path.rglob(f"{TEMP_PREFIX}*"))


def _batch(folder: Path, count: int) -> None:
    folder.mkdir(parents=True)
    source = json.loads((EXAMPLES / "norrstrom-fjallviken-familjebehandling.json").read_text(encoding="utf-8"))
    for n in range(count):
        source["avtal"]["id"] = f"avtal-{n:03d}"
        (folder / f"avtal-{n:03d}.json").write_text(json.dumps(source, ensure_ascii=False), encoding="utf-8")


def test_killed_batch_leaves_only_whole_documents(tmp_path: Path) -> None:
    indata, utdata = tmp_path / "indata", tmp_path / "utdata"
    _batch(indata, 150)
    command = [
        sys.executable, "-m", "avtalsgenerator.cli", "generera", "--tyst",
        "--indata", str(indata), "--utdata", str(utdata), "--mallar", str(TEMPLATES), "--troskelvarden", str(THRESHOLDS),
    ]
    process = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(utdata.rglob("*.docx"))) < 20:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    written = list(utdata.rglob("*.docx"))
    assert 0 < len(written) < 450, "the batch should have been stopped part-way"
    for document in written:
        with zipfile.ZipFile(document) as package:
            assert package.testzip() is None

    finished = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr
    assert len(list(utdata.glob("*/*.docx"))) == 450
    assert not list(utdata.rglob(f"{TEMP_PREFIX}*"))
    manifest = Manifest.load(utdata)
    assert len(manifest.entries) == 150
    for key, entry in manifest.entries.items():
        for name, doc in entry.dokument.items():
            assert file_hash(utdata / key / name) == doc.hash
