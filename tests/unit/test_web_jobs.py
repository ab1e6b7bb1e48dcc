"""The form's generate jobs: steps as the pipeline reports them, one running job per agreement, errors in Swedish."""

from __future__ import annotations

import threading
import time
from typing import Any

from avtalsgenerator.web.jobs import DONE, FAILED, RUNNING, Job, Jobs


def wait(job: Job) -> dict[str, Any]:
    for _ in range(200):
        view = job.view()
        if view["tillstand"] != RUNNING:
            return view
        time.sleep(0.01)
    raise AssertionError(job.view())


def test_each_step_is_shown_once_with_how_far_it_has_come() -> None:
    job = Job("avtal")
    for step, done, total in [("kontrollerar", 0, 1), ("renderar", 0, 1), ("skriver", 1, 1), ("pdf", 0, 3), ("pdf", 1, 3), ("pdf", 2, 3)]:
        job.stage(step, done, total)
    steps = job.view()["steg"]
    assert steps[2]["text"].startswith("Skriver dokumenten (") and " av " not in steps[2]["text"]  # one agreement: no count
    assert [s["steg"] for s in steps] == ["kontrollerar", "renderar", "skriver", "pdf"]
    assert [s["klar"] for s in steps] == [True, True, True, False]
    assert steps[3]["text"] == "Gör PDF-filerna: 2 av 3"
    job.finish(DONE, {"dokument": []})
    assert all(s["klar"] for s in job.view()["steg"]) and job.view()["tillstand"] == DONE


def test_a_second_start_while_one_runs_gives_the_running_job() -> None:
    jobs = Jobs()
    release = threading.Event()

    def work(job: Job) -> tuple[bool, dict[str, Any]]:
        job.stage("kontrollerar", 0, 1)
        release.wait(5)
        return True, {"meddelande": "Dokumenten är klara."}

    first = jobs.start("avtal", work)
    assert jobs.start("avtal", work) is first
    assert jobs.start("annat-avtal", work) is not first
    release.set()
    assert wait(first)["meddelande"] == "Dokumenten är klara."
    assert jobs.get(first.id) is first and jobs.get("finns-inte") is None
    assert jobs.start("avtal", work) is not first  # finished: a new click is a new run


def test_an_unexpected_error_fails_the_job_in_swedish_without_its_python_name() -> None:
    def work(job: Job) -> tuple[bool, dict[str, Any]]:
        raise ZeroDivisionError("division by zero")

    view = wait(Jobs().start("avtal", work))
    assert view["tillstand"] == FAILED
    assert "oväntat fel" in view["meddelande"] and "ZeroDivision" not in str(view)
