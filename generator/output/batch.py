"""Batch stage: check and render many agreements across all cores, each template compiled once per worker."""

from __future__ import annotations

import datetime as dt
import os
import select
import signal
import threading
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..agreement.thresholds import Thresholds
from ..errors import AvtalError, Problem
from ..prepare import prepare
from ..templates.render import Renderer
from .children import default_workers
from .report import key_amounts

if TYPE_CHECKING:  # the pool's modules are imported when a batch is large enough to use one
    import multiprocessing.context

# Below this many agreements a pool costs more to start than it saves.
POOL_THRESHOLD = 8
# How often a worker looks whether its run still lives, where the kernel has no pidfd (seconds).
PARENT_CHECK_INTERVAL = 0.5


@dataclass
class Built:
    """One agreement checked and rendered in memory (``problems`` set instead when it failed)."""

    file: str
    agreement_id: str = ""
    data_hash: str = ""
    outputs: dict[str, bytes] = field(default_factory=dict)
    templates: dict[str, str] = field(default_factory=dict)  # output file name → template file name
    amounts: dict[str, str] = field(default_factory=dict)
    thresholds_used: dict[str, dict[str, object]] = field(default_factory=dict)
    party_names: list[str] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class Settings:
    """What every worker needs to build an agreement."""

    mallar: Path
    thresholds: Thresholds
    issued: dt.date | None = None  # mallkontroll: the generation date, written into each document's properties


_worker: tuple[Settings, Renderer] | None = None


def _init(settings: Settings, run: int) -> None:
    global _worker
    # Ctrl-C in a terminal goes to the whole process group: only the run answers it (and stops the pool), so no
    # worker prints a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _follow_run(run)
    _worker = (settings, Renderer())


def _follow_run(run: int) -> None:
    """Exit this worker as soon as the run that asked for it is gone (killed run, closed terminal).

    The worker's parent is the fork server, not the run, so the run itself is watched: through a pidfd where
    the kernel has them (it becomes readable the moment the run ends), else by asking every half second.
    """

    def watch() -> None:
        try:
            handle = os.pidfd_open(run)
        except (AttributeError, OSError):
            while _alive(run):
                time.sleep(PARENT_CHECK_INTERVAL)
        else:
            select.select([handle], [], [])
        os._exit(1)

    threading.Thread(target=watch, name="avtal-run-watch", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def build(path: Path, settings: Settings, renderer: Renderer) -> Built:
    """Prepare one agreement and render each of its documents; failures come back as problems, never raised."""
    try:
        agreement = prepare(path, settings.thresholds)
        outputs = {
            name: renderer.render(settings.mallar / template, agreement.context, agreement.file, settings.issued)
            for name, template in agreement.documents.items()
        }
    except AvtalError as e:
        return Built(str(path), problems=e.problems)
    except RecursionError:
        return Built(str(path), problems=[Problem(str(path), "", "avtalet kunde inte byggas: data eller mall är för djupt nästlad")])
    except MemoryError:
        return Built(str(path), problems=[Problem(str(path), "", "avtalet kunde inte byggas: det kräver mer minne än datorn har")])
    except Exception as e:
        return Built(str(path), problems=[unexpected(str(path), e)])
    return Built(
        file=agreement.file,
        agreement_id=agreement.agreement_id,
        data_hash=agreement.data_hash,
        outputs=outputs,
        templates=agreement.documents,
        amounts=key_amounts(agreement.context),
        thresholds_used=agreement.thresholds_used(),
        party_names=[p["namn"] for p in agreement.context["parter"]],
        warnings=agreement.warnings,
    )


def unexpected(file: str, error: BaseException) -> Problem:
    """A Swedish problem for an error no stage expected, naming where in the generator it happened."""
    frames = traceback.extract_tb(error.__traceback__)
    where = f" ({Path(frames[-1].filename).name}, rad {frames[-1].lineno})" if frames else ""
    return Problem(file, "", f"oväntat fel när avtalet byggdes: {type(error).__name__}: {str(error)[:200]}{where}; de andra avtalen påverkas inte")


def _build_in_worker(path: Path) -> Built:
    assert _worker is not None, "worker not initialised"
    settings, renderer = _worker
    return build(path, settings, renderer)


def build_all(paths: list[Path], settings: Settings, workers: int | None = None) -> Iterator[Built]:
    """Build every agreement, in order, streaming results; a process pool when the batch is large enough."""
    workers = workers or default_workers()
    if workers <= 1 or len(paths) < POOL_THRESHOLD:
        renderer = Renderer()
        for path in paths:
            yield build(path, settings, renderer)
        return
    from concurrent.futures import ProcessPoolExecutor

    # Workers come from a fork server (or are spawned), never forked from the run: they hold none of its
    # descriptors, so the output folder's lock is the run's alone and the kernel frees it when the run ends,
    # however it ends. Each worker exits as soon as the run is gone (_follow_run), and the fork server with them.
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=_context(), initializer=_init, initargs=(settings, os.getpid()))
    try:
        yield from pool.map(_build_in_worker, paths, chunksize=max(1, min(16, len(paths) // (workers * 4))))
    except BaseException:  # Ctrl-C or an error in the run: the work not started is dropped, not waited for
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()


def _context() -> multiprocessing.context.BaseContext:
    """A fork server where there is one (a worker starts in milliseconds, with the renderer's modules already imported), else spawn."""
    import multiprocessing

    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        return context
    return multiprocessing.get_context("spawn")
