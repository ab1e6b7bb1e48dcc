"""Command line: a thin click layer over the library API in output.pipeline; errors end in boundary.Command."""

# Each command imports what it runs when it runs it, so `avtal --version`, `--help` and `validera` start without
# docxtpl, python-docx, lxml, Flask or the comparison code (tests/integration/test_cli_imports.py holds them to it).

from __future__ import annotations

import json
import os
import sys
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

import click

from .. import __version__, paths
from ..errors import AvtalError, Problem
from .boundary import Group, current, detail, info, report

FILES = click.argument("filer", nargs=-1, type=click.Path(path_type=Path))
PATH = click.Path(path_type=Path)
THRESHOLDS = click.option("--troskelvarden", type=PATH, default=paths.DEFAULT_TROSKELVARDEN, show_default=True, help="Filen med tröskelvärden.")
INDATA = click.option("--indata", type=PATH, default=paths.DEFAULT_INDATA, show_default=True, help="Mappen med avtalsdata.")
UTDATA = click.option("--utdata", type=PATH, default=paths.DEFAULT_UTDATA, show_default=True, help="Mappen som avtalen skrivs till.")
PDF_SERVER = click.option(
    "--pdf-server", "pdf_server", multiple=True, metavar="VÄRD:PORT",
    help="Gör PDF på en LibreOffice-server (unoserver) på en annan dator; kan upprepas, dokumenten delas mellan servrarna. "
         "Också AVTAL_PDF_SERVER. Dokumenten går okrypterat: bara i ett privat nät eller genom en SSH-tunnel.")
MALLAR = click.option("--mallar", type=PATH, default=paths.DEFAULT_MALLAR, show_default=True, help="Mappen med Word-mallarna.")


def _pdf_conversion(pdf: bool, pdf_server: tuple[str, ...]) -> AbstractContextManager[None]:
    """The run's LibreOffice servers (pdf.conversion) when it makes PDF or names servers; else nothing, and the PDF code is not imported."""
    if not (pdf or pdf_server or os.environ.get("AVTAL_PDF_SERVER")):
        return nullcontext()
    from ..output import pdf as pdf_output

    return pdf_output.conversion(pdf_server)


def _report(problems: list[Problem]) -> None:
    report(problems)


# Every command and subgroup made with @main.command()/@main.group() is a boundary.Command/Group: AvtalError
# gives its problems and exit code 1 (3: a program is missing), any other exception exit code 70 with a log file.
@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, message="%(prog)s %(version)s", help="Visa versionen och avsluta.")
def main() -> None:
    """Gör samverkansavtal och bilagor i Word av avtalsdata i JSON.

    Slutstatus: 0 klart, 1 fel i indata eller mallar (eller varningar med --strikt), 2 fel i kommandoraden,
    3 ett program som behövs saknas (LibreOffice), 70 internt fel (felspårningen skrivs till en loggfil).
    """


@main.command()
@FILES
@UTDATA
@MALLAR
@INDATA
@THRESHOLDS
@click.option("--pdf", is_flag=True, help="Gör också en PDF (PDF/A) bredvid varje Word-dokument. Kräver LibreOffice.")
@click.option("--tvinga", is_flag=True, help="Gör om alla avtal även när inget har ändrats.")
@PDF_SERVER
def generera(filer: tuple[Path, ...], utdata: Path, mallar: Path, indata: Path, troskelvarden: Path, pdf: bool, tvinga: bool,
             pdf_server: tuple[str, ...]) -> None:
    """Gör avtalen för FILER (utan FILER: alla i indata/avtal/). Bara avtal vars indata har ändrats görs om."""
    from ..output import pipeline

    files = pipeline.agreement_files(list(filer) or None, indata)
    if current().strict:
        _strict_preflight(files, utdata, mallar, troskelvarden)
    show = not current().quiet and sys.stderr.isatty()
    # The run's LibreOffice servers serve its documents and its comparison documents, and stop when it ends.
    with _pdf_conversion(pdf, pdf_server), \
            click.progressbar(length=len(files), label="Avtal", show_eta=True, show_pos=True, file=sys.stderr) if show else nullcontext() as bar:
        tick = bar.update if bar is not None else None
        # Without FILER the run lists the folder itself: a file deleted meanwhile is then skipped, not an error.
        result = pipeline.generate(list(filer) or None, indata=indata, utdata=utdata, mallar=mallar, troskelvarden=troskelvarden,
                                   force=tvinga, pdf=pdf, progress=tick)
    _report(result.warnings)
    for path in [*result.written, *result.pdfs]:
        info(f"skrev {path}")
    for path in result.archived:
        info(f"sparade tidigare version {path}")
    for name in result.up_to_date:
        detail(f"aktuellt {name}")
    if result.report:
        click.echo(f"ändringsrapport: {result.report}")
    generated = len(result.changes)
    unchanged = len(result.up_to_date) + len(result.built) - generated
    if not result.written and not result.pdfs and not result.failed:
        click.echo(f"Inget har ändrats: {unchanged} avtal är aktuella, inga filer skrevs.")
    else:
        click.echo(f"Klart: {generated} avtal genererade, {unchanged} oförändrade, {len(result.failed)} med fel.")
    if not result.ok:
        # An agreement built, or a document on disk whose PDF failed: its Word documents were written.
        written = {_same_file(str(file)) for file in [*result.built, *result.written]}
        done = {file for file in result.failed if _same_file(file) in written or (file.endswith(".docx") and os.path.isfile(file))}
        unwritten = [p for file, problems in result.failed.items() if file not in done for p in problems]
        partly = [p for file, problems in result.failed.items() if file in done for p in problems]
        if unwritten:
            click.echo("Avtal med fel (inget skrevs för dem):", err=True)
            _report(unwritten)
        if partly:
            click.echo("Avtal vars Word-dokument skrevs men där något annat misslyckades:", err=True)
            _report(partly)
        sys.exit(1)


def _strict_preflight(files: list[Path], utdata: Path, mallar: Path, troskelvarden: Path) -> None:
    """Under --strikt, the checks that give warnings run before anything is written: a warning ends the run with nothing written."""
    from ..fingerprint import fingerprint
    from ..output import pipeline
    from ..templates.checked import checked_templates

    warnings = checked_templates([mallar], json.dumps(fingerprint(), sort_keys=True), troskelvarden)
    checked = pipeline.check(files, troskelvarden=troskelvarden)
    found = [*warnings, *checked.warnings, *checked.problems]
    if found:
        _report(found)
        click.echo("Inget skrevs: med --strikt görs inga avtal när mallarna eller avtalen ger varningar eller fel.", err=True)
        sys.exit(1)


def _same_file(path: str) -> str:
    """One spelling of a file's path, so a file named two ways is one file."""
    return os.path.realpath(os.path.abspath(path))


@main.command()
@FILES
@INDATA
@THRESHOLDS
def validera(filer: tuple[Path, ...], indata: Path, troskelvarden: Path) -> None:
    """Kontrollera FILER mot schemat och de rättsliga reglerna utan att skriva något."""
    from ..output import pipeline

    result = pipeline.check(list(filer) or None, indata=indata, troskelvarden=troskelvarden)
    _report(result.warnings)
    for agreement in result.agreements:
        detail(f"utan fel: {agreement.file}")
    if not result.ok:
        _report(result.problems)
        click.echo(f"{len(result.failed)} av {len(result.failed) + len(result.agreements)} avtal har fel.", err=True)
        sys.exit(1)
    click.echo(f"{len(result.agreements)} avtal utan fel.")


@main.command()
@click.argument("troskel")
@click.option("--belopp", type=click.IntRange(min=0, max=999_999_999_999),
              help="Pröva ett annat belopp i hela kronor för det värde som gäller på avtalets datum.")
@INDATA
@UTDATA
@THRESHOLDS
def paverkan(troskel: str, belopp: int | None, indata: Path, utdata: Path, troskelvarden: Path) -> None:
    """Visa vilka avtal som använder tröskelvärdet TROSKEL och vad deras belopp blir. Skriver ingenting."""
    from ..agreement.filters import kr
    from ..agreement.thresholds import load_thresholds
    from ..output import pipeline
    from ..output.impact import impact

    found = impact(troskel, pipeline.agreement_files(None, indata), load_thresholds(troskelvarden), utdata, belopp)
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
@click.argument("avtal_id", metavar="[ID]", required=False)
@UTDATA
@click.option("--json", "as_json", is_flag=True, help="Skriv posterna och deras historik som JSON (för export).")
def historik(avtal_id: str | None, utdata: Path, as_json: bool) -> None:
    """Visa vad varje dokument gjordes av och när (avtalet ID, utan ID: alla avtal). Skriver ingenting."""
    from ..output import history
    from ..output.records import Records

    with Records.load(utdata) as records:
        if as_json:
            click.echo(json.dumps(history.export(records, avtal_id), ensure_ascii=False, indent=2))
        else:
            lines = history.lines(records, avtal_id)
            click.echo("\n".join(lines) if lines else f"Inga avtal har genererats till {utdata} ännu.")
        _report(records.problems)


@main.command()
@click.argument("gammal", type=PATH)
@click.argument("ny", type=PATH)
@click.option("-o", "--ut", type=PATH, help="Filen som jämförelsen skrivs till (utan -o: NY-jamforelse.docx bredvid NY).")
@click.option("--pdf", is_flag=True, help="Gör också en PDF av jämförelsen där ändringarna syns. Kräver LibreOffice.")
@PDF_SERVER
def jamfor(gammal: Path, ny: Path, ut: Path | None, pdf: bool, pdf_server: tuple[str, ...]) -> None:
    """Gör ett jämförelsedokument: NY med spårade ändringar mot GAMMAL, att stega igenom i Word."""
    from ..output import comparisons
    from ..output import pdf as pdf_output

    with pdf_output.conversion(pdf_server):
        target, comparison = comparisons.compare_to_file(gammal, ny, ut, pdf=pdf)
    click.echo(f"skrev {target}" + (f" och {target.with_suffix('.pdf')}" if pdf else ""))
    click.echo(f"{comparisons.word_counts(comparison.inserted_words, comparison.deleted_words)}.")
    if comparison.replaced_whole:
        click.echo(f"{comparisons.replaced_note(comparison.replaced_whole)}.")


@main.command()
@click.option("--adress", default="127.0.0.1", show_default=True,
              help="Adressen servern tar emot dokument på; 0.0.0.0 tar emot från alla nät. Okrypterat: bara i ett privat nät.")
@click.option("--port", type=click.IntRange(1, 65535), default=2003, show_default=True, help="Porten.")
def pdfserver(adress: str, port: int) -> None:
    """Kör en LibreOffice-server (unoserver) som gör PDF åt andra datorer: avtal generera --pdf --pdf-server VÄRD:PORT.

    Servern kör tills den stoppas med Ctrl+C. Dokumenten går okrypterade: kör den bara i ett privat nät, eller
    låt den lyssna på 127.0.0.1 och nå den genom en SSH-tunnel (ssh -L 2003:127.0.0.1:2003 VÄRD).
    """
    from ..errors import MissingProgramError, PdfError
    from ..output import officeserver
    from ..output import pdf as pdf_output

    soffice = pdf_output.find_soffice()
    if soffice is None or officeserver.uno_python() is None:
        raise MissingProgramError(Problem("", "", "servern kräver LibreOffice och dess Python-modul uno, som inte är installerade. "
                                          "Installera med: sudo apt-get install libreoffice-writer-nogui python3-uno"))
    try:
        click.echo(f"PDF-servern startar på {adress}:{port} – avsluta med Ctrl+C.")
        code = officeserver.serve(soffice, adress, port)
    except officeserver.ServerError as e:
        raise PdfError(Problem("", f"{adress}:{port}", str(e))) from e
    except KeyboardInterrupt:
        code = 0
    click.echo("PDF-servern är stoppad.")
    sys.exit(code)


@main.group()
def mallar() -> None:
    """Verktyg för den som skriver mallarna i mallar/."""


@mallar.command()
@click.argument("mallfiler", nargs=-1, type=PATH)
@click.option("--detaljer", is_flag=True, help="Visa var varje tagg som lagas automatiskt står, i stället för en rad per mall.")
@MALLAR
@INDATA
@THRESHOLDS
def kontrollera(mallfiler: tuple[Path, ...], detaljer: bool, mallar: Path, indata: Path, troskelvarden: Path) -> None:
    """Kontrollera MALLFILER (utan MALLFILER: alla i --mallar) och prova dem med ett minimalt avtal av varje avtalstyp och exempelavtalen."""
    from ..agreement.filters import plural
    from ..templates import check as templatecheck
    from ..templates import trial as templatetrial

    named = list(mallfiler) or [mallar]
    problems = templatecheck.check_templates(named, details=detaljer)
    if not any(p.severity == "fel" for p in problems):
        problems += templatetrial.trial_render(templatecheck.template_files(named), indata, troskelvarden)
    _report(problems)
    errors = [p for p in problems if p.severity == "fel"]
    warnings = plural(len(problems) - len(errors), "varning", "varningar")
    if errors:
        click.echo(f"{len(errors)} fel och {warnings} i mallarna.", err=True)
        sys.exit(1)
    click.echo(f"Mallarna är utan fel ({warnings}).")


@mallar.command()
@click.option("--mall", type=PATH, help="Visa var just den här mallen använder fälten.")
@click.option("--markdown", is_flag=True, help="Skriv fältreferensen (docs/falt.md) i Markdown, genererad ur schemana.")
@MALLAR
def falt(mall: Path | None, markdown: bool, mallar: Path) -> None:
    """Lista varje fält en mall får använda, med beskrivning och var det används."""
    from ..templates import check as templatecheck
    from ..templates import fieldref

    if markdown:
        click.echo(fieldref.field_reference_markdown(), nl=False)
        return
    fields = templatecheck.list_fields(mall, mallar)
    for field in fields:
        click.echo(str(field))


@mallar.command()
@click.argument("fil", type=PATH)
@THRESHOLDS
def kontext(fil: Path, troskelvarden: Path) -> None:
    """Skriv ut exakt det som mallarna får för avtalet FIL, som JSON (data, standardvärden och beräkningar)."""
    from ..templates import tools as templatetools

    click.echo(templatetools.context_json(fil, troskelvarden))


@mallar.command()
@click.argument("mall", type=PATH)
@click.argument("fil", type=PATH, required=False)
@INDATA
@THRESHOLDS
def prova(mall: Path, fil: Path | None, indata: Path, troskelvarden: Path) -> None:
    """Kontrollera MALL och gör ett dokument av den med avtalet FIL (utan FIL: ett exempel) i en ny tillfällig mapp.

    Skriver ut dokumentets sökväg. Har mallen fel skrivs felen ut och ingen mapp skapas.
    """
    from ..templates import tools as templatetools

    made, warnings = templatetools.try_template(mall, fil, troskelvarden, indata)
    _report(warnings)
    click.echo(made)


@main.command()
@INDATA
@UTDATA
@MALLAR
@THRESHOLDS
@click.option("--port", type=click.IntRange(0, 65535), default=8737, show_default=True, help="Porten på 127.0.0.1 (0: välj en ledig).")
@click.option("--oppna/--inte-oppna", default=True, show_default=True, help="Öppna formuläret i webbläsaren.")
def redigera(indata: Path, utdata: Path, mallar: Path, troskelvarden: Path, port: int, oppna: bool) -> None:
    """Skriv och ändra avtal i ett formulär i webbläsaren (bara på den här datorn, 127.0.0.1)."""
    import webbrowser

    from ..output import pdf as pdf_output
    from ..web.app import create_app, serve

    def ready(url: str) -> None:
        click.echo(f"Formuläret finns på {url} – avsluta med Ctrl+C.")
        if oppna:
            webbrowser.open(url)

    try:
        # The form keeps its LibreOffice servers while it is open, started now, so Generate never waits for one.
        with pdf_output.conversion(warm=True, start=True):
            serve(create_app(indata, utdata, mallar, troskelvarden), port, ready)
    except OSError as e:
        raise AvtalError(Problem("", f"127.0.0.1:{port}", f"formuläret kan inte starta ({e.strerror}); välj en annan port med --port")) from e
    except KeyboardInterrupt:
        click.echo("Formuläret är stängt.")


if __name__ == "__main__":
    main()
