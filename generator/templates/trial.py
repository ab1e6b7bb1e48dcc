"""Trial renders: every template filled in with a minimal agreement of each kind and every example, before anyone issues one."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path

from ..agreement.thresholds import load_thresholds
from ..errors import AvtalError, Problem
from ..kinds import KINDS as KIND_RECORDS
from ..prepare import Prepared, prepare
from .kindfields import KINDS
from .render import Renderer

_TRIAL_DAY = dt.date(2000, 1, 1)  # trial documents are never written; a fixed date keeps them comparable


def minimal_agreement(kind: str = "avtalssamverkan") -> Path:
    """The shipped agreement of ``kind`` with only the fields that kind requires (``avtalsgenerator/data/minimalt-*.json``)."""
    return Path(str(resources.files("avtalsgenerator").joinpath(f"data/{KIND_RECORDS[kind].minimal}")))


def minimal_agreements() -> list[Path]:
    """One minimal agreement of each agreement kind, the main kind first."""
    return [minimal_agreement(kind) for kind in KINDS]


def trial_agreements(indata: Path | None) -> list[Path]:
    """The minimal agreements, then every example in ``indata`` (None: the minimal agreements only)."""
    examples = sorted(indata.glob("*.json")) if indata is not None and indata.is_dir() else []
    return [*minimal_agreements(), *examples]


def trial_render(templates: list[Path], indata: Path | None, thresholds: Path) -> list[Problem]:
    """Render each template with every trial agreement that has its document; every failure with template, place and agreement.

    An example that is not valid cannot be tried and gives a warning; ``avtal validera`` says why.
    """
    by_name = {path.name: path for path in templates}
    try:
        loaded = load_thresholds(thresholds)
    except AvtalError as e:
        return [Problem(p.file, p.place, f"mallarna kunde inte provas med exempelavtalen: {p.message}", "varning") for p in e.problems]
    renderer = Renderer()
    problems: list[Problem] = []
    for path in trial_agreements(indata):
        try:
            agreement: Prepared = prepare(path, loaded)
        except AvtalError:
            problems.append(Problem(str(path), "", "exempelavtalet har fel och provades inte med mallarna; kör avtal validera", "varning"))
            continue
        for name in dict.fromkeys(agreement.documents.values()):
            template = by_name.get(name)
            if template is None:
                continue
            try:
                renderer.render(template, agreement.context, agreement.file, _TRIAL_DAY)
            except AvtalError as e:
                problems.extend(p if agreement.file in p.message else Problem(p.file, p.place, f"{p.message} (vid rendering av {agreement.file})")
                                for p in e.problems)
    return problems
