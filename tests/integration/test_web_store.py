"""The form's store across processes: a save's version check and its write are one step, a rename loses nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES, THRESHOLDS

from avtalsgenerator.web.store import Store, to_json_text

# A form process that saves one agreement, slowly: its write waits, so another process can check the same
# version meanwhile. Prints "sparat" or "konflikt".
_SLOW_SAVE = """
import json, sys, time
from pathlib import Path
from avtalsgenerator.web import store as module
real = module.write_atomic
def slow(path, data):
    time.sleep(0.4)
    real(path, data)
module.write_atomic = slow
folder, thresholds, agreement, version, text = sys.argv[1:]
try:
    module.Store(Path(folder), Path(thresholds)).save(json.loads(text), agreement, version)
    print("sparat")
except module.ConflictError:
    print("konflikt")
"""


@pytest.fixture
def folder_with_one_agreement(tmp_path: Path) -> Path:
    folder = tmp_path / "indata" / "avtal"
    folder.mkdir(parents=True)
    data = json.loads((EXAMPLES / "norrstrom-fjallviken-familjebehandling.json").read_text(encoding="utf-8"))
    data["avtal"]["id"] = "lon"
    (folder / "lon.json").write_text(to_json_text(data), encoding="utf-8")
    return folder


def _start(folder: Path, agreement: str, version: str, data: Any) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", _SLOW_SAVE, str(folder), str(THRESHOLDS), agreement, version, json.dumps(data, ensure_ascii=False)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ})


def _finish(process: subprocess.Popen[str]) -> str:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    return out.strip()


def test_two_form_processes_saving_the_same_opened_version_one_is_refused(folder_with_one_agreement: Path) -> None:
    store = Store(folder_with_one_agreement, THRESHOLDS)
    data, version = store.open("lon")
    first, second = json.loads(json.dumps(data)), json.loads(json.dumps(data))
    first["avtal"]["titel"] = "Ändrat i första fönstret"
    second["avtal"]["titel"] = "Ändrat i andra fönstret"
    processes = [_start(folder_with_one_agreement, "lon", version, first), _start(folder_with_one_agreement, "lon", version, second)]
    outcomes = [_finish(p) for p in processes]
    assert sorted(outcomes) == ["konflikt", "sparat"]
    saved = json.loads((folder_with_one_agreement / "lon.json").read_text(encoding="utf-8"))["avtal"]["titel"]
    assert saved == (first if outcomes[0] == "sparat" else second)["avtal"]["titel"]


def test_a_rename_racing_a_save_never_deletes_the_saved_edit(folder_with_one_agreement: Path) -> None:
    store = Store(folder_with_one_agreement, THRESHOLDS)
    data, version = store.open("lon")
    renamed, edited = json.loads(json.dumps(data)), json.loads(json.dumps(data))
    renamed["avtal"]["id"] = "lon-ny"
    edited["avtal"]["titel"] = "Sparat medan någon bytte id"
    processes = [_start(folder_with_one_agreement, "lon", version, renamed), _start(folder_with_one_agreement, "lon", version, edited)]
    rename, save = (_finish(p) for p in processes)
    assert sorted([rename, save]) == ["konflikt", "sparat"]
    texts = [p.read_text(encoding="utf-8") for p in folder_with_one_agreement.rglob("*.json")]
    if save == "sparat":
        assert any("Sparat medan någon bytte id" in text for text in texts)
    else:
        assert (folder_with_one_agreement / "lon-ny.json").is_file()
        assert not (folder_with_one_agreement / "lon.json").exists()


def test_a_rename_keeps_an_old_file_that_changed_after_the_check(folder_with_one_agreement: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A writer that does not take the form's lock (an editor) changes the old file between check and removal."""
    from avtalsgenerator.web import store as module

    store = Store(folder_with_one_agreement, THRESHOLDS)
    data, version = store.open("lon")
    data["avtal"]["id"] = "lon-ny"
    real = module.write_atomic

    def write_and_edit_old(path: Path, text: bytes) -> None:
        real(path, text)
        (folder_with_one_agreement / "lon.json").write_text('{"ändrat": "i en textredigerare"}\n', encoding="utf-8")

    monkeypatch.setattr(module, "write_atomic", write_and_edit_old)
    saved = store.save(data, "lon", version)
    assert saved.id == "lon-ny"
    kept = [p.read_text(encoding="utf-8") for p in folder_with_one_agreement.rglob("*.json")]
    assert any("i en textredigerare" in text for text in kept)


def test_a_rename_with_overwrite_moves_the_unread_old_file_to_the_trash(folder_with_one_agreement: Path) -> None:
    store = Store(folder_with_one_agreement, THRESHOLDS)
    data, _ = store.open("lon")
    (folder_with_one_agreement / "lon.json").write_text(to_json_text({**data, "avtal": {**data["avtal"], "titel": "Kollegans ändring"}}), encoding="utf-8")
    data["avtal"]["id"] = "lon-ny"
    store.save(data, "lon", "en äldre version", overwrite=True)
    assert not (folder_with_one_agreement / "lon.json").exists()
    trashed = list((folder_with_one_agreement / ".borttagna").glob("*.json"))
    assert [json.loads(p.read_text(encoding="utf-8"))["avtal"]["titel"] for p in trashed] == ["Kollegans ändring"]


def test_the_list_names_a_link_loop_and_lists_the_other_files(folder_with_one_agreement: Path) -> None:
    loop = folder_with_one_agreement / "slinga.json"
    loop.symlink_to(loop.name)

    summaries = {s.id: s for s in Store(folder_with_one_agreement, THRESHOLDS).summaries()}

    assert summaries["lon"].title and not summaries["lon"].unreadable
    assert "symbolisk länk som leder i en slinga" in summaries["slinga"].unreadable
