"""The CLI's one error boundary: exit codes by cause, -v/-q/--strikt, and a log file for internal errors."""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import click

from ..errors import AvtalError, Problem
from .help import SwedishCommand, SwedishGroup

EXIT_INVALID = 1
EXIT_ENVIRONMENT = 3
EXIT_INTERRUPTED = 130
EXIT_INTERNAL = 70  # EX_SOFTWARE in sysexits.h

_OPTIONS = ("utforlig", "tyst", "strikt")


@dataclass
class Run:
    """How the current command talks: verbosity (-1 quiet, 0 normal, 1 verbose), strictness and the warnings it showed."""

    verbosity: int = 0
    strict: bool = False
    warnings: int = 0

    @property
    def quiet(self) -> bool:
        return self.verbosity < 0

    @property
    def verbose(self) -> bool:
        return self.verbosity > 0


def current() -> Run:
    """The settings of the command being run (defaults outside a command, as in library use)."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return Run()
    run: Run = ctx.meta.setdefault("avtalsgenerator.run", Run())
    return run


def report(problems: Iterable[Problem]) -> None:
    """Print problems on stderr, also under -q (a hidden warning is a silent failure); warnings are counted for --strikt."""
    run = current()
    for problem in problems:
        if problem.severity == "varning":
            run.warnings += 1
        click.echo(str(problem), err=True)


def info(text: str) -> None:
    """A line of progress for the user (a file written), left out under -q."""
    if not current().quiet:
        click.echo(text)


def detail(text: str) -> None:
    """A line only shown under -v."""
    if current().verbose:
        click.echo(text)


def _options() -> list[click.Option]:
    return [
        click.Option(["-v", "--utforlig", "utforlig"], is_flag=True,
                     help="Visa mer: varje fil som inte behövde göras om och hela felspårningen vid internt fel."),
        click.Option(["-q", "--tyst", "tyst"], is_flag=True, help="Visa bara fel, varningar och sammanfattning: ingen förloppsindikator och inga filnamn."),
        click.Option(["--strikt", "strikt"], is_flag=True, help="Räkna varningar som fel (slutstatus 1), till exempel i CI för ett mallförråd."),
    ]


def _take_options(ctx: click.Context) -> None:
    run = current()
    if ctx.params.pop("tyst", False):
        run.verbosity = -1
    if ctx.params.pop("utforlig", False):
        run.verbosity = 1
    if ctx.params.pop("strikt", False):
        run.strict = True


class Command(SwedishCommand):
    """A command with -v/-q/--strikt whose errors all go through one boundary.

    AvtalError: its problems on stderr, exit code by cause (1 invalid input or templates, 3 missing program).
    Anything else is an internal error: a short Swedish message, the traceback in a log file, exit code 70.
    Under --strikt a command that showed a warning ends with exit code 1.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params.extend(_options())

    def invoke(self, ctx: click.Context) -> Any:
        _take_options(ctx)
        run = current()
        try:
            result = super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort, SystemExit):
            raise
        except AvtalError as e:
            report(e.problems)
            ctx.exit(e.exit_code)
        except KeyboardInterrupt:
            click.echo("Avbrutet.", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except BrokenPipeError:
            # The reader stopped reading (avtal mallar falt | head): not an error. Standard output goes to /dev/null
            # so that Python's last flush of it does not fail again.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(0)
        except Exception as e:  # the boundary: every other exception is a bug in the generator
            internal_error(e, ctx.command_path)
            ctx.exit(EXIT_INTERNAL)
        if run.strict and run.warnings:
            click.echo(f"{run.warnings} varningar räknas som fel (--strikt).", err=True)
            ctx.exit(EXIT_INVALID)
        return result


class Group(SwedishGroup):
    """A command group whose commands and subgroups get the boundary (Command, Group) without asking for it."""

    command_class = Command
    group_class = type

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params.extend(_options())

    def invoke(self, ctx: click.Context) -> Any:
        _take_options(ctx)
        return super().invoke(ctx)


def internal_error(error: BaseException, command: str) -> None:
    """Tell the user in Swedish that the generator has a bug, and where the traceback was written."""
    text = "".join(traceback.format_exception(error))
    short = f"{type(error).__name__}: {error}"
    if len(short) > 200:
        short = short[:197] + "…"
    click.echo(f"Internt fel i avtalsgeneratorn ({short}).", err=True)
    click.echo("Det är ett fel i programmet, inte i dina filer.", err=True)
    log = _write_log(command, text)
    if log is not None:
        click.echo(f"Felspårningen finns i {log}; skicka den till den som förvaltar avtalsgeneratorn.", err=True)
    if log is None or current().verbose:
        click.echo(text, err=True, nl=False)


def _write_log(command: str, text: str) -> str | None:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    try:
        fd, path = tempfile.mkstemp(prefix=f"avtal-fel-{stamp}-", suffix=".log")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(f"{command}\n{dt.datetime.now().isoformat()}\n\n{text}")
    except OSError:
        return None
    return path
