"""Tests for atomic writes, and for a batch killed part-way: only whole documents, and the next run completes."""

from __future__ import annotations

import errno
import json
import os
import signal
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES, TEMPLATES, THRESHOLDS

from avtalsgenerator.files import TEMP_PREFIX, keep_as, remove_stale_temporaries, write_atomic
from avtalsgenerator.output.manifest import file_hash
from avtalsgenerator.output.records import Records


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


def test_earlier_version_is_kept_by_a_link_and_stays_as_it_was(tmp_path: Path) -> None:
    issued = tmp_path / "avtal.docx"
    issued.write_bytes(b"utfardad version")
    archive = tmp_path / "tidigare" / "2026-11-01-abcd1234" / "avtal.docx"
    keep_as(issued, archive, b"utfardad version")
    assert os.stat(archive).st_ino == os.stat(issued).st_ino, "no bytes copied where the file system has links"
    write_atomic(issued, b"ny version")
    assert archive.read_bytes() == b"utfardad version" and issued.read_bytes() == b"ny version"


@pytest.mark.parametrize("refusal", [errno.EPERM, errno.EXDEV, errno.EEXIST], ids=["inga-lankar", "annan-enhet", "finns-redan"])
def test_earlier_version_is_copied_where_no_link_can_be_made(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, refusal: int) -> None:
    def no_links(*args: Any, **kwargs: Any) -> None:
        raise OSError(refusal, os.strerror(refusal))

    monkeypatch.setattr(os, "link", no_links)
    issued = tmp_path / "avtal.docx"
    issued.write_bytes(b"utfardad version")
    archive = tmp_path / "tidigare" / "2026-11-01-abcd1234" / "avtal.docx"
    keep_as(issued, archive, b"utfardad version")
    write_atomic(issued, b"ny version")
    assert archive.read_bytes() == b"utfardad version"


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


def _generate_command(indata: Path, utdata: Path) -> list[str]:
    """``avtal generera`` for ``indata`` into ``utdata`` with the project's templates and thresholds, as a user runs it."""
    return [
        sys.executable, "-m", "avtalsgenerator", "generera", "--tyst",
        "--indata", str(indata), "--utdata", str(utdata), "--mallar", str(TEMPLATES), "--troskelvarden", str(THRESHOLDS),
    ]


def _start_in_own_session(command: list[str]) -> subprocess.Popen[bytes]:
    """Start ``command`` as a session of its own (its workers with it), output discarded: for a test to kill part-way."""
    return subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_killed_batch_leaves_only_whole_documents(tmp_path: Path) -> None:
    indata, utdata = tmp_path / "indata", tmp_path / "utdata"
    _batch(indata, 150)
    command = _generate_command(indata, utdata)
    process = _start_in_own_session(command)
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
    with Records.load(utdata) as records:
        entries = dict(records.entries())
    assert len(entries) == 150
    for key, entry in entries.items():
        for name, doc in entry.dokument.items():
            assert file_hash(utdata / key / name) == doc.hash
    # Every agreement is in the change report, also those the killed run wrote but had not recorded (issue 27.3).
    report = (utdata / "andringsrapport.md").read_text(encoding="utf-8")
    assert [key for key in entries if f"## {key}\n" not in report] == []


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_written_files_follow_the_umask(tmp_path: Path, umask: int, mode: int) -> None:
    previous = os.umask(umask)
    try:
        write_atomic(tmp_path / "avtal.docx", b"data")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "avtal.docx").stat().st_mode) == mode


def test_generated_documents_are_readable_by_colleagues(tmp_path: Path, minimal_agreement: dict[str, Any]) -> None:
    from avtalsgenerator.output.pipeline import generate

    path = tmp_path / "avtal.json"
    path.write_text(json.dumps(minimal_agreement), encoding="utf-8")
    previous = os.umask(0o022)
    try:
        assert generate([path], utdata=tmp_path / "utdata", mallar=TEMPLATES, troskelvarden=THRESHOLDS).ok
    finally:
        os.umask(previous)
    for written in [*(tmp_path / "utdata").rglob("*.docx"), tmp_path / "utdata" / "avtal.db", tmp_path / "utdata" / "andringsrapport.md"]:
        assert stat.S_IMODE(written.stat().st_mode) == 0o644, written


def test_folder_is_synced_after_the_rename(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[tuple[bool, bool]] = []
    real_fsync = os.fsync

    def recording(fd: int) -> None:
        synced.append((stat.S_ISDIR(os.fstat(fd).st_mode), (tmp_path / "avtal.docx").exists()))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", recording)
    write_atomic(tmp_path / "avtal.docx", b"data")
    assert synced == [(False, False), (True, True)], "the file, then its folder once the new name is in place"


def test_each_folder_of_an_agreement_is_synced_once_before_the_manifest_records_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from avtalsgenerator.output.pipeline import generate

    data = json.loads((EXAMPLES / "norrstrom-fjallviken-familjebehandling.json").read_text(encoding="utf-8"))  # three documents
    path = tmp_path / "avtal.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    utdata = tmp_path / "utdata"
    assert generate([path], utdata=utdata, mallar=TEMPLATES, troskelvarden=THRESHOLDS, workers=1).ok
    data["avtal"]["titel"] += ", ändrad"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    events: list[tuple[str, str]] = []
    real_fsync = os.fsync

    def recording(fd: int) -> None:
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            folder = next(p for p in [utdata, *utdata.rglob("*")] if p.is_dir() and os.path.samestat(p.stat(), os.fstat(fd)))
            events.append(("mapp", str(folder.relative_to(utdata))))
        else:
            events.append(("fil", ""))
        real_fsync(fd)

    real_record = Records.record

    def recorded(self: Records, *args: Any) -> None:
        events.append(("manifest", ""))
        real_record(self, *args)

    monkeypatch.setattr(os, "fsync", recording)
    monkeypatch.setattr(Records, "record", recorded)
    assert generate([path], utdata=utdata, mallar=TEMPLATES, troskelvarden=THRESHOLDS, workers=1).ok
    agreement = data["avtal"]["id"]
    before_journal = events[: events.index(("manifest", ""))]
    written = [name for kind, name in before_journal if kind == "mapp" and name.startswith(agreement)]
    assert len(written) == len(set(written)), f"a folder synced twice for one agreement: {written}"
    assert {agreement, f"{agreement}/jamforelse"} <= set(written), "the documents are durable before the journal records them"
    assert any(name.startswith(f"{agreement}/tidigare/") for name in written)


def test_folder_that_cannot_be_synced_fails_that_agreement_with_the_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from avtalsgenerator.output.pipeline import generate

    indata, utdata = tmp_path / "indata", tmp_path / "utdata"
    _batch(indata, 2)
    assert generate(indata=indata, utdata=utdata, mallar=TEMPLATES, troskelvarden=THRESHOLDS, workers=1).ok
    for path in sorted(indata.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        data["avtal"]["titel"] += ", ändrad"
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    failing = utdata / "avtal-001"
    real_fsync = os.fsync

    def broken_disk(fd: int) -> None:
        if os.path.samestat(os.fstat(fd), failing.stat()):
            raise OSError(errno.EIO, "Input/output error")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", broken_disk)
    result = generate(indata=indata, utdata=utdata, mallar=TEMPLATES, troskelvarden=THRESHOLDS, workers=1)
    failed = str(indata / "avtal-001.json")
    assert list(result.failed) == [failed]
    assert str(result.failed[failed][0]).startswith(f"{failed}: kunde inte skriva {failing}: "), result.failed[failed][0]
    assert str(indata / "avtal-000.json") in result.built, "the other agreement is written"
    monkeypatch.undo()
    for key, entry in Records.load(utdata).entries():  # the records say what is on disk
        for name, doc in entry.dokument.items():
            assert file_hash(utdata / key / name) == doc.hash


def test_disk_full_fails_that_agreement_with_the_path_and_keeps_the_rest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from avtalsgenerator.output import store
    from avtalsgenerator.output.pipeline import generate

    indata, utdata = tmp_path / "indata", tmp_path / "utdata"
    _batch(indata, 3)
    real = store.write_atomic

    def full(path: Path, data: bytes) -> None:
        if "avtal-001" in path.parts and path.name == "kostnadsfordelning.docx":
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real(path, data)

    monkeypatch.setattr(store, "write_atomic", full)
    result = generate(indata=indata, utdata=utdata, mallar=TEMPLATES, troskelvarden=THRESHOLDS, workers=1)

    failed = str(indata / "avtal-001.json")
    assert list(result.failed) == [failed]
    message = str(result.failed[failed][0])
    assert message.startswith(f"{failed}: kunde inte skriva {utdata / 'avtal-001' / 'kostnadsfordelning.docx'}: disken är full")
    assert sorted(result.built) == [str(indata / "avtal-000.json"), str(indata / "avtal-002.json")]
    assert (utdata / "avtal-002" / "kostnadsfordelning.docx").exists()
    # The manifest says what is on disk: the next run makes only what is missing, and then all is current.
    monkeypatch.undo()
    again = generate(indata=indata, utdata=utdata, mallar=TEMPLATES, troskelvarden=THRESHOLDS, workers=1)
    assert again.ok and again.built == [failed]
    assert [p.name for p in again.written] == ["kostnadsfordelning.docx"]
    for key, entry in Records.load(utdata).entries():
        for name, doc in entry.dokument.items():
            assert file_hash(utdata / key / name) == doc.hash


def test_records_that_cannot_be_written_fail_the_agreement_with_the_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                         minimal_agreement: dict[str, Any]) -> None:
    from avtalsgenerator.output.pipeline import generate

    path = tmp_path / "avtal.json"
    path.write_text(json.dumps(minimal_agreement), encoding="utf-8")

    def read_only(self: Records, *args: Any) -> None:
        raise OSError(errno.EROFS, "Read-only file system", str(self.path))

    monkeypatch.setattr(Records, "record", read_only)
    result = generate([path], utdata=tmp_path / "utdata", mallar=TEMPLATES, troskelvarden=THRESHOLDS)
    assert [str(p) for p in result.problems] == [
        f"{path}: kunde inte anteckna avtalet i {tmp_path / 'utdata' / 'avtal.db'}: mappen är skrivskyddad"]


@pytest.mark.parametrize("content", ["[]", '{"avtal": []}', "{trasig"], ids=["lista", "avtal-lista", "syntax"])
def test_malformed_manifest_is_a_swedish_error(tmp_path: Path, content: str) -> None:
    from avtalsgenerator.errors import WriteError
    from avtalsgenerator.output.pipeline import generate

    utdata = tmp_path / "utdata"
    utdata.mkdir()
    (utdata / "manifest.json").write_text(content, encoding="utf-8")
    with pytest.raises(WriteError, match=r"manifestet kan inte läsas .*; ta bort filen och \.manifest-journal\.jsonl så görs alla avtal om"):
        generate(indata=EXAMPLES, utdata=utdata, mallar=TEMPLATES, troskelvarden=THRESHOLDS)
    assert (utdata / "manifest.json").read_text(encoding="utf-8") == content


def test_manifest_that_is_a_folder_is_a_swedish_error(tmp_path: Path) -> None:
    from avtalsgenerator.errors import WriteError

    (tmp_path / "manifest.json").mkdir()
    with pytest.raises(WriteError, match="manifestet kan inte läsas"):
        Records.load(tmp_path)
