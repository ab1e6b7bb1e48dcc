"""The form's generate jobs: a run in a thread of its own, whose steps (as the pipeline reports them) the page asks for."""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# What each step of a run (output.pipeline.Stage) is called on the page; a step with a total counts "N av M".
STEP_TEXTS = {
    "kontrollerar": "Kontrollerar avtalet och mallarna",
    "renderar": "Gör dokumenten i minnet",
    "skriver": "Skriver dokumenten (en tidigare version sparas i tidigare/ och jämförs i jamforelse/)",
    "pdf": "Gör PDF-filerna",
    "jamforelse-pdf": "Gör PDF av jämförelsedokumenten",
    "rapport": "Skriver ändringsrapporten",
}
RUNNING, DONE, FAILED = "pagar", "klar", "fel"
KEEP = 20  # finished jobs kept for the page to read, the oldest forgotten first

log = logging.getLogger(__name__)


@dataclass
class Step:
    key: str
    done: int = 0
    total: int = 0

    def text(self) -> str:
        """The step in words; the PDFs counted "N av M", and the agreements written when there is more than one."""
        words = STEP_TEXTS.get(self.key, self.key)
        counted = (self.key == "pdf" and self.total) or (self.key == "skriver" and self.total > 1)
        return f"{words}: {self.done} av {self.total}" if counted else words


@dataclass
class Job:
    """One generate run for one agreement file: its steps so far, and at the end the answer the page shows."""

    agreement: str
    id: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    state: str = RUNNING
    steps: list[Step] = field(default_factory=list)
    answer: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def stage(self, key: str, done: int, total: int) -> None:
        """The pipeline's ``stage`` callback: a new step, or how far the current one has come (from any thread)."""
        with self._lock:
            if self.steps and self.steps[-1].key == key:
                self.steps[-1].done, self.steps[-1].total = done, total
            else:
                self.steps.append(Step(key, done, total))

    def finish(self, state: str, answer: dict[str, Any]) -> None:
        with self._lock:
            self.state, self.answer = state, answer

    def view(self) -> dict[str, Any]:
        """The job as the page reads it: its state, each step (done or current) and, when finished, the answer."""
        with self._lock:
            steps = [{"steg": s.key, "text": s.text(), "klar": n < len(self.steps) - 1 or self.state != RUNNING}
                     for n, s in enumerate(self.steps)]
            return {"jobb": self.id, "avtal": self.agreement, "tillstand": self.state, "steg": steps, **self.answer}


class Jobs:
    """The jobs of one running form, by id; at most one running job per agreement."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def start(self, agreement: str, work: Callable[[Job], tuple[bool, dict[str, Any]]]) -> Job:
        """Run ``work`` (which returns whether it succeeded and the answer) in a thread; the running job of the
        same agreement when there is one, so a second click does not start a second run."""
        with self._lock:
            running = next((j for j in self._jobs.values() if j.agreement == agreement and j.state == RUNNING), None)
            if running is not None:
                return running
            job = Job(agreement)
            self._jobs[job.id] = job
            finished = [key for key, j in self._jobs.items() if j.state != RUNNING]
            for key in finished[:-KEEP] if len(finished) > KEEP else []:
                del self._jobs[key]
        threading.Thread(target=self._run, args=(job, work), name=f"avtal-jobb-{agreement}", daemon=True).start()
        return job

    @staticmethod
    def _run(job: Job, work: Callable[[Job], tuple[bool, dict[str, Any]]]) -> None:
        try:
            ok, answer = work(job)
        except Exception:  # an unexpected error: named in the terminal, never on the page by its Python name
            log.exception("oväntat fel när dokumenten gjordes")
            ok, answer = False, {"meddelande": "Ett oväntat fel inträffade när dokumenten gjordes; felet står i terminalen där "
                                               "formuläret startades.", "problem": [], "dokument": []}
        job.finish(DONE if ok else FAILED, answer)
