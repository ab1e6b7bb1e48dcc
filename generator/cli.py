"""Command line: a thin click layer over the library API in generator.pipeline."""

from __future__ import annotations

import sys
import tempfile
from contextlib import nullcontext
from pathlib import Path
from typing import NoReturn

import click

from . import comparisons, paths, pipeline, templatecheck, templatetools
from .errors import AvtalError, Problem
from .filters import kr
from .impact import impact
from .thresholds import load_thresholds

FILES = click.argument("filer", nargs=-1, type=click.Path(path_type=Path))
PATH = click.Path(path_type=Path)
THRESHOLDS = click.option("--troskelvarden", type=PATH, default=paths.DEFAULT_TROSKELVARDEN, show_default=True, help="Filen med tröskelvärden.")
INDATA = click.option("--indata", type=PATH, default=paths.DEFAULT_INDATA, show_default=True, help="Mappen med avtalsdata.")
UTDATA = click.option("--utdata", type=PATH, default=paths.DEFAULT_UTDATA, show_default=True, help="Mappen som avtalen skrivs till.")
MALLAR = click.option("--mallar", type=PATH, default=paths.DEFAULT_MALLAR, show_default=True, help="Mappen med Word-mallarna.")


def _report(problems: list[Problem]) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)


def _fail(error: AvtalError) -> NoReturn:
    _report(error.problems)
    sys.exit(1)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="avtalsgenerator", message="%(prog)s %(version)s")
def main() -> None:
    """Gör samverkansavtal och bilagor i Word av avtalsdata i JSON."""


@main.command()
@FILES
@UTDATA
@MALLAR
@INDATA
@THRESHOLDS
@click.option("--pdf", is_flag=True, help="Gör också en PDF (PDF/A) bredvid varje Word-dokument. Kräver LibreOffice.")
@click.option("--tvinga", is_flag=True, help="Gör om alla avtal även när inget har ändrats.")
@click.option("--tyst", is_flag=True, help="Visa ingen förloppsindikator och inga filnamn, bara sammanfattningen.")
def generera(filer: tuple[Path, ...], utdata: Path, mallar: Path, indata: Path, troskelvarden: Path, pdf: bool, tvinga: bool, tyst: bool) -> None:
    """Gör avtalen för FILER (utan FILER: alla i indata/avtal/). Bara avtal vars indata har ändrats görs om."""
    try:
        files = pipeline.agreement_files(list(filer) or None, indata)
        show = not tyst and sys.stderr.isatty()
        with click.progressbar(length=len(files), label="Avtal", show_eta=True, show_pos=True, file=sys.stderr) if show else nullcontext() as bar:
            tick = bar.update if bar is not None else None
            result = pipeline.generate(files, utdata=utdata, mallar=mallar, troskelvarden=troskelvarden, force=tvinga, pdf=pdf, progress=tick)
    except AvtalError as e:
        _fail(e)
    _report(result.warnings)
    if not tyst:
        for path in [*result.written, *result.pdfs]:
            click.echo(f"skrev {path}")
        for path in result.archived:
            click.echo(f"sparade tidigare version {path}")
    if result.report:
        click.echo(f"ändringsrapport: {result.report}")
    generated = len(result.changes)
    unchanged = len(result.up_to_date) + len(result.built) - generated
    if not result.written and not result.pdfs and not result.failed:
        click.echo(f"Inget har ändrats: {unchanged} avtal är aktuella, inga filer skrevs.")
    else:
        click.echo(f"Klart: {generated} avtal genererade, {unchanged} oförändrade, {len(result.failed)} med fel.")
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


@main.command()
@click.argument("troskel")
@click.option("--belopp", type=click.IntRange(min=0), help="Pröva ett annat belopp i hela kronor för det värde som gäller på avtalets datum.")
@INDATA
@UTDATA
@THRESHOLDS
def paverkan(troskel: str, belopp: int | None, indata: Path, utdata: Path, troskelvarden: Path) -> None:
    """Visa vilka avtal som använder tröskelvärdet TROSKEL och vad deras belopp blir. Skriver ingenting."""
    try:
        found = impact(troskel, pipeline.agreement_files(None, indata), load_thresholds(troskelvarden), utdata, belopp)
    except AvtalError as e:
        _fail(e)
    usable = [i for i in found if not i.problems]
    for item in found:
        if item.problems:
            _report(item.problems)
            continue
        value = item.value
        assert value is not None
        click.echo(f"{item.agreement_id} ({item.file}): {troskel} {kr(value.belopp)} gäller {item.day.isoformat()}")
        if not item.issued:
            click.echo("  inte genererat tidigare; beloppen blir:")
            for label, new in item.amounts.items():
                click.echo(f"  {label}: {new}")
        elif item.changes:
            for label, old, new in item.changes:
                click.echo(f"  {label}: {old} → {new}")
        else:
            click.echo("  inga belopp ändras jämfört med senast genererade version")
    click.echo(f"{len(usable)} avtal använder {troskel}.")
    if len(usable) != len(found):
        sys.exit(1)


@main.command()
@click.argument("gammal", type=PATH)
@click.argument("ny", type=PATH)
@click.option("-o", "--ut", type=PATH, help="Filen som jämförelsen skrivs till (utan -o: NY-jamforelse.docx bredvid NY).")
@click.option("--pdf", is_flag=True, help="Gör också en PDF av jämförelsen där ändringarna syns. Kräver LibreOffice.")
def jamfor(gammal: Path, ny: Path, ut: Path | None, pdf: bool) -> None:
    """Gör ett jämförelsedokument: NY med spårade ändringar mot GAMMAL, att stega igenom i Word."""
    try:
        target, comparison = comparisons.compare_to_file(gammal, ny, ut, pdf=pdf)
    except AvtalError as e:
        _fail(e)
    click.echo(f"skrev {target}" + (f" och {target.with_suffix('.pdf')}" if pdf else ""))
    click.echo(f"{comparison.inserted_words} ord tillagda, {comparison.deleted_words} ord borttagna.")


@main.group()
def mallar() -> None:
    """Verktyg för den som skriver mallarna i mallar/."""


@mallar.command()
@click.argument("mallfiler", nargs=-1, type=PATH)
def kontrollera(mallfiler: tuple[Path, ...]) -> None:
    """Kontrollera MALLFILER (utan MALLFILER: alla i mallar/) innan något renderas."""
    problems = templatecheck.check_templates(list(mallfiler) or [paths.DEFAULT_MALLAR])
    _report(problems)
    errors = [p for p in problems if p.severity == "fel"]
    if errors:
        click.echo(f"{len(errors)} fel och {len(problems) - len(errors)} varningar i mallarna.", err=True)
        sys.exit(1)
    click.echo(f"Mallarna är utan fel ({len(problems)} varningar).")


@mallar.command()
@click.option("--mall", type=PATH, help="Visa var just den här mallen använder fälten.")
@MALLAR
def falt(mall: Path | None, mallar: Path) -> None:
    """Lista varje fält en mall får använda, med beskrivning och var det används."""
    try:
        fields = templatecheck.list_fields(mall, mallar)
    except AvtalError as e:
        _fail(e)
    for field in fields:
        click.echo(str(field))


@mallar.command()
@click.argument("fil", type=PATH)
@THRESHOLDS
def kontext(fil: Path, troskelvarden: Path) -> None:
    """Skriv ut exakt det som mallarna får för avtalet FIL, som JSON (data, standardvärden och beräkningar)."""
    try:
        click.echo(templatetools.context_json(fil, troskelvarden))
    except AvtalError as e:
        _fail(e)


@mallar.command()
@click.argument("mall", type=PATH)
@click.argument("fil", type=PATH, required=False)
@INDATA
@THRESHOLDS
def prova(mall: Path, fil: Path | None, indata: Path, troskelvarden: Path) -> None:
    """Rendera MALL med avtalet FIL (utan FIL: ett exempel) till en tillfällig mapp och skriv ut sökvägen."""
    out_dir = Path(tempfile.mkdtemp(prefix="avtal-prova-"))
    try:
        click.echo(templatetools.preview(mall, fil, troskelvarden, out_dir, indata))
    except AvtalError as e:
        _fail(e)


if __name__ == "__main__":
    main()
