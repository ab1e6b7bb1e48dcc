"""Command line: a thin click layer over the library API in generator.pipeline."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import pipeline
from .errors import AvtalError, Problem

FILES = click.argument("filer", nargs=-1, type=click.Path(path_type=Path))
THRESHOLDS = click.option(
    "--troskelvarden", type=click.Path(path_type=Path), default=pipeline.DEFAULT_TROSKELVARDEN, show_default=True, help="Filen med tröskelvärden."
)
INDATA = click.option("--indata", type=click.Path(path_type=Path), default=pipeline.DEFAULT_INDATA, show_default=True, help="Mappen med avtalsdata.")


def _report(problems: list[Problem]) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)


def _fail(error: AvtalError) -> None:
    _report(error.problems)
    sys.exit(1)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="avtalsgenerator", message="%(prog)s %(version)s")
def main() -> None:
    """Gör samverkansavtal och bilagor i Word av avtalsdata i JSON."""


@main.command()
@FILES
@click.option("--utdata", type=click.Path(path_type=Path), default=pipeline.DEFAULT_UTDATA, show_default=True, help="Mappen som avtalen skrivs till.")
@click.option("--mallar", type=click.Path(path_type=Path), default=pipeline.DEFAULT_MALLAR, show_default=True, help="Mappen med Word-mallarna.")
@INDATA
@THRESHOLDS
def generera(filer: tuple[Path, ...], utdata: Path, mallar: Path, indata: Path, troskelvarden: Path) -> None:
    """Gör avtalen för FILER (utan FILER: alla i indata/avtal/)."""
    try:
        result = pipeline.generate(list(filer) or None, utdata=utdata, indata=indata, mallar=mallar, troskelvarden=troskelvarden)
    except AvtalError as e:
        _fail(e)
    _report(result.warnings)
    for path in result.written:
        click.echo(f"skrev {path}")
    ok = len(result.agreements) - len([a for a in result.agreements if a.file in result.failed])
    click.echo(f"{ok} avtal klara: {len(result.written)} dokument skrivna, {len(result.unchanged)} oförändrade, {len(result.failed)} avtal med fel.")
    if not result.ok:
        click.echo("Avtal med fel (inget skrevs för dem):", err=True)
        _report(result.problems)
        sys.exit(1)


@main.command()
@FILES
@INDATA
@THRESHOLDS
def validera(filer: tuple[Path, ...], indata: Path, troskelvarden: Path) -> None:
    """Kontrollera FILER mot schemat och de rättsliga reglerna utan att skriva något."""
    try:
        result = pipeline.check(list(filer) or None, indata=indata, troskelvarden=troskelvarden)
    except AvtalError as e:
        _fail(e)
    _report(result.warnings)
    if not result.ok:
        _report(result.problems)
        click.echo(f"{len(result.failed)} av {len(result.failed) + len(result.agreements)} avtal har fel.", err=True)
        sys.exit(1)
    click.echo(f"{len(result.agreements)} avtal utan fel.")
