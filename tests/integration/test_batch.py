"""Tests for the batch stage: one agreement that breaks in an unexpected way never stops the others."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import TEMPLATES, THRESHOLDS

from avtalsgenerator.output import batch
from avtalsgenerator.output.pipeline import generate


def _agreements(folder: Path, data: dict[str, Any], count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(count):
        data["avtal"]["id"] = f"avtal-{n}"
        path = folder / f"avtal-{n}.json"
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        paths.append(path)
    return paths


ERRORS = [ZeroDivisionError("division by zero"), OverflowError("int too large"), RecursionError("deep")]


@pytest.mark.parametrize("error", ERRORS, ids=lambda e: type(e).__name__)
def test_unexpected_error_in_one_agreement_fails_only_that_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, minimal_agreement: dict[str, Any],
                                                              error: Exception) -> None:
    paths = _agreements(tmp_path / "indata", minimal_agreement, 3)
    real = batch.prepare

    def breaks_on_the_second(path: Path, thresholds: Any) -> Any:
        if path == paths[1]:
            raise error
        return real(path, thresholds)

    monkeypatch.setattr(batch, "prepare", breaks_on_the_second)
    result = generate(paths, utdata=tmp_path / "utdata", mallar=TEMPLATES, troskelvarden=THRESHOLDS, workers=1)

    assert list(result.failed) == [str(paths[1])]
    message = str(result.failed[str(paths[1])][0])
    assert message.startswith(f"{paths[1]}: ")
    assert "oväntat fel när avtalet byggdes" in message or "för djupt nästlad" in message
    assert sorted(result.built) == [str(paths[0]), str(paths[2])]
    assert (tmp_path / "utdata" / "avtal-2" / "avtal.docx").exists()


@pytest.mark.slow
def test_ctrl_c_to_the_process_group_stops_the_run_without_worker_tracebacks(tmp_path: Path, minimal_agreement: dict[str, Any]) -> None:
    """Ctrl-C in a terminal reaches every process of the group: the workers too. Only the run answers, in Swedish."""
    import contextlib
    import os
    import signal
    import subprocess
    import sys
    import time

    folder = tmp_path / "indata"
    _agreements(folder, minimal_agreement, 120)
    utdata = tmp_path / "utdata"
    avtal = Path(sys.executable).with_name("avtal")
    process = subprocess.Popen([str(avtal), "generera", "--indata", str(folder), "--utdata", str(utdata), "--mallar", str(TEMPLATES),
                                "--troskelvarden", str(THRESHOLDS)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(utdata.glob("*/avtal.docx")) and process.poll() is None:
        time.sleep(0.05)
    try:
        os.killpg(process.pid, signal.SIGINT)
        _, err = process.communicate(timeout=120)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    assert process.returncode in (0, 130), err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
