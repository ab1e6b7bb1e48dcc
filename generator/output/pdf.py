"""PDF stage: .docx to PDF/A on warm LibreOffice servers (or one LibreOffice process per batch), then a check of every PDF."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import tempfile
import threading
import unicodedata
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..docx.namespaces import W
from ..errors import PdfError, Problem
from ..files import TEMP_PREFIX, write_atomic
from . import officeserver
from .children import Child
from .officeserver import ServerError, Servers

INSTALL_HINT = "Installera med: sudo apt-get install libreoffice-writer-nogui poppler-utils"
MAX_CHUNK = 200
PDFA_FILTER = 'pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"2"}}'
PLAIN_FILTER = "pdf"
PDFA_SINCE = (7, 4)  # first LibreOffice that reads filter options as JSON on the command line
PDFA_MARKER = b"pdfaid:part"
VERSION_TIMEOUT = 30.0
TOOL_TIMEOUT = 60.0
TAG_MARKERS = ("{{", "{%")
POPPLER = ("pdfinfo", "pdftotext")
_SOFFICE_NAMES = ("soffice", "libreoffice")
_SOFFICE_PLACES = (
    "/usr/lib/libreoffice/program/soffice",
    "/opt/libreoffice/program/soffice",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
)
_filters: dict[str, str] = {}
# Below this many documents one LibreOffice for the batch is quicker than starting servers (unoserver takes ~7 s).
SERVER_THRESHOLD = 4
_W = W
_DATA_WINDOW = 12  # characters from a "{{" on that must be in the .docx text for it to count as data
_TEXT_PARTS = re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml")


@dataclass(frozen=True)
class _Outcome:
    """How one office process ended: its exit code (None when killed on timeout) and its output."""

    returncode: int | None
    timed_out: bool
    log: str

    def describe(self, timeout: float) -> str:
        if self.timed_out:
            return f"LibreOffice svarade inte inom {timeout:g} sekunder och stoppades"
        detail = _office_error(self.log, any_line=bool(self.returncode))
        said = f" ({detail})" if detail else ""
        if self.returncode:
            return f"LibreOffice avslutades med felkod {self.returncode}{said}"
        return f"LibreOffice skapade ingen PDF{said}"


def find_soffice() -> str | None:
    """Path of the LibreOffice program (``soffice``), or None when it is not installed."""
    for name in _SOFFICE_NAMES:
        found = shutil.which(name)
        if found:
            return found
    for place in _SOFFICE_PLACES:
        if os.path.isfile(place) and os.access(place, os.X_OK):
            return place
    return None


def available() -> bool:
    """True when the poppler tools (pdfinfo, pdftotext) are installed, and LibreOffice is or servers elsewhere are named."""
    return (find_soffice() is not None or bool(_remote_addresses())) and not _missing_poppler()


def _remote_addresses() -> list[str]:
    """The servers elsewhere this conversion uses: the ``conversion`` block's, else AVTAL_PDF_SERVER's."""
    session = _session
    if session is not None and session.addresses:
        return session.addresses
    return officeserver.configured_addresses()


def convert(
    docx_files: Sequence[Path],
    *,
    timeout: float = 120,
    chunk: int = MAX_CHUNK,
    must_contain: Mapping[Path, Sequence[str]] | None = None,
    rendered: bool = False,
    written: Callable[[Path], None] | None = None,
) -> list[Path]:
    """Write ``X.pdf`` beside every ``X.docx`` and return the PDF paths, in the order given.

    Documents go to warm LibreOffice servers (``conversion``; servers of this run when there are at least
    SERVER_THRESHOLD documents and LibreOffice's Python ``uno`` is installed), one document per server at a
    time; a server that fails or hangs is restarted and the document tried once more. Otherwise
    one LibreOffice process converts up to ``chunk`` files (at most 200) into a private temporary folder;
    it gets its own temporary user profile, ``timeout`` seconds, and one restart for the files it did not
    deliver. Every PDF is checked (pages, no ``{{``/``{%`` (with ``rendered``, the files are rendered documents and
    such text that their .docx holds is data, not a leftover tag), the texts ``must_contain`` lists for its .docx)
    before it is written atomically beside its .docx, and so is that it is PDF/A (never a plain PDF
    in its place without a word). PDFs that pass are written even when others fail; the PdfError
    raised at the end names every file that got no PDF and why. ``written(docx)`` is called as each PDF is written.
    """
    if not 1 <= chunk <= MAX_CHUNK:
        raise ValueError(f"chunk must be between 1 and {MAX_CHUNK}, not {chunk}")
    if timeout <= 0:
        raise ValueError(f"timeout must be positive, not {timeout}")
    soffice = find_soffice() or ""
    missing = ([] if soffice or _remote_addresses() else ["LibreOffice (soffice)"]) + _missing_poppler()
    if missing:
        raise PdfError(Problem("", "", f"PDF kräver {' och '.join(missing)}, som inte är installerat. {INSTALL_HINT}"))

    wanted = {_key(path): list(texts) for path, texts in (must_contain or {}).items()}
    problems = [_input_problem(path) for path in docx_files]
    if any(problems):
        raise PdfError([p for p in problems if p])
    unique: dict[Path, Path] = {}
    for path in docx_files:
        unique.setdefault(_key(path), path)
    sources = list(unique.values())
    source_texts = {key: docx_text(path) for key, path in unique.items()} if rendered else {}

    with _servers_for(soffice, len(sources)) as servers:
        if servers is not None:
            refused = _convert_on_servers(servers, sources, wanted, timeout, source_texts, written)
            if refused:
                raise PdfError(refused)
            return [path.with_suffix(".pdf") for path in docx_files]
    failures: list[Problem] = []
    work = Path(tempfile.mkdtemp(prefix="avtal-pdf-"))
    try:
        export_filter = _export_filter(soffice, timeout)
        for number, start in enumerate(range(0, len(sources), chunk), start=1):
            part = sources[start : start + chunk]
            outputs, chunk_failures = _convert_chunk(soffice, part, work / f"del-{number}", export_filter, timeout, work)
            failures.extend(chunk_failures)
            done = [(docx, made) for docx, made in zip(part, outputs, strict=True) if made is not None]
            # The checks run side by side: pdftotext takes a noticeable moment on a PDF/A.
            with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
                checks = list(pool.map(lambda job: check_pdf(job[1], wanted.get(_key(job[0]), []), source_texts.get(_key(job[0])))
                                       + _pdfa_problems(job[1]), done))
            for (docx, made), issues in zip(done, checks, strict=True):
                if issues:
                    failures.extend(Problem(str(docx), "", f"{issue}; PDF-filen sparades inte") for issue in issues)
                else:
                    write_atomic(docx.with_suffix(".pdf"), made.read_bytes())
                    if written:
                        written(docx)
                made.unlink()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        raise PdfError(failures)
    return [path.with_suffix(".pdf") for path in docx_files]


class _Session:
    """The servers of one ``conversion`` block, made when a conversion first needs them."""

    def __init__(self, addresses: Sequence[str], warm: bool) -> None:
        self.addresses, self.warm = list(addresses), warm
        self.servers: Servers | None = None


_session: _Session | None = None
_session_lock = threading.Lock()


@contextmanager
def conversion(addresses: Sequence[str] = (), *, warm: bool = False, start: bool = False) -> Iterator[None]:
    """Keep LibreOffice conversion servers for every ``convert`` in the block; the servers this started stop at its end.

    ``addresses`` (``VÄRD:PORT``, else those in AVTAL_PDF_SERVER) are servers elsewhere, which documents
    are spread across; without them servers are started on this machine, one per core, each when a
    document first needs it. ``warm`` (the form): use them even for a single document, so that only the
    first conversion pays for starting LibreOffice; ``start`` (with ``warm``): start them now, in the background, so
    that not even the first does. A block inside another one uses the outer one's servers.
    """
    global _session
    named = list(addresses) or officeserver.configured_addresses()
    try:
        for address in named:
            officeserver.parse_address(address)
    except ServerError as e:
        raise PdfError(Problem("", "--pdf-server", str(e))) from e
    with _session_lock:
        if _session is not None:
            mine = None
        else:
            mine = _session = _Session(named, warm)
    if mine is not None and warm and start and not named and find_soffice():
        threading.Thread(target=_start_servers, args=(mine,), name="avtal-pdf-start", daemon=True).start()
    try:
        yield
    finally:
        if mine is not None:
            with _session_lock:
                _session = None
            if mine.servers is not None:
                mine.servers.stop()


def _start_servers(session: _Session) -> None:
    """Start the block's servers on this machine ahead of the first document; a failure is left for that document to meet."""
    with _session_lock:
        if session.servers is None:
            session.servers = _new_servers(find_soffice() or "", [], 1, warm=True)
        servers = session.servers
    if servers is not None:
        with contextlib.suppress(ServerError):
            servers.map(lambda server: server.ensure_started(), servers.servers)


@contextmanager
def _servers_for(soffice: str, count: int) -> Iterator[Servers | None]:
    """The servers for ``count`` documents: the block's, or ones for this call only (stopped after it), or None: one office per batch."""
    with _session_lock:
        session = _session
        if session is not None and session.servers is None:
            session.servers = _new_servers(soffice, session.addresses, count, session.warm)
    if session is not None and session.servers is not None:
        if not session.servers.local or session.servers.started or session.warm or count >= SERVER_THRESHOLD:
            yield session.servers
            return
        yield None
        return
    own = _new_servers(soffice, officeserver.configured_addresses(), count, warm=False)
    try:
        yield own
    finally:
        if own is not None:
            own.stop()


def _new_servers(soffice: str, addresses: Sequence[str], count: int, warm: bool) -> Servers | None:
    if addresses:
        try:
            return Servers.remote(addresses)
        except ServerError as e:
            raise PdfError(Problem("", "--pdf-server", str(e))) from e
    if not warm and count < SERVER_THRESHOLD:
        return None
    python = officeserver.uno_python()
    if python is None:
        return None
    from .batch import default_workers

    return officeserver.local_servers(soffice, python, default_workers() if warm or _session is not None else min(default_workers(), count))


def _convert_on_servers(servers: Servers, sources: list[Path], wanted: Mapping[Path, Sequence[str]], timeout: float,
                        source_texts: Mapping[Path, str], written: Callable[[Path], None] | None = None) -> list[Problem]:
    """Convert each file on the servers and check its PDF as soon as it comes back; the problems of those that failed.

    The checks (pdftotext takes as long as the conversion) run beside the conversions, so no server waits for one.
    """
    failures: list[Problem] = []
    taken = threading.Lock()

    def check_and_write(docx: Path, data: bytes) -> None:
        # Checked beside its .docx under a temporary name, which a killed run's successor sweeps away.
        handle, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".pdf", dir=docx.parent)
        made = Path(name)
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
            issues = check_pdf(made, wanted.get(_key(docx), []), source_texts.get(_key(docx))) + _pdfa_problems(made)
        finally:
            made.unlink(missing_ok=True)
        if issues:
            with taken:
                failures.extend(Problem(str(docx), "", f"{issue}; PDF-filen sparades inte") for issue in issues)
        else:
            write_atomic(docx.with_suffix(".pdf"), data)
            if written:
                written(docx)

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2, thread_name_prefix="avtal-pdf-kontroll") as checks:
        pending = []

        def convert_one(docx: Path) -> None:
            try:
                data = servers.convert(docx.read_bytes(), timeout)
            except (ServerError, OSError) as e:
                with taken:
                    failures.append(Problem(str(docx), "", f"ingen PDF efter två försök: {e}"))
                return
            pending.append(checks.submit(check_and_write, docx, data))

        servers.map(convert_one, sources)
        for future in pending:
            future.result()
    order = {str(path): index for index, path in enumerate(sources)}
    return sorted(failures, key=lambda p: order.get(p.file, 0))


def check_pdf(pdf: Path, must_contain: Sequence[str], source_text: str | None = None) -> list[str]:
    """Problems with a finished PDF, in Swedish: no pages, a text in ``must_contain`` missing, leftover tags.

    Texts are compared without regard to case or line breaks (a name may wrap or be set in capitals). Every
    ``{{`` or ``{%`` is a leftover tag, except, when ``source_text`` is given (the text of a .docx that
    rendering has already consumed every tag of), one whose next characters are there too: agreement data
    may hold such text, and it is printed as written.
    Raises PdfError when pdfinfo or pdftotext is not installed.
    """
    missing = _missing_poppler()
    if missing:
        raise PdfError(Problem(str(pdf), "", f"kontrollen av PDF kräver {' och '.join(missing)}. {INSTALL_HINT}"))
    if not pdf.is_file():
        return ["PDF-filen finns inte"]
    ok, info = _tool(["pdfinfo", str(pdf)])
    if not ok:
        return [f"PDF-filen kan inte läsas ({info})"]
    pages = re.search(r"^Pages:\s*(\d+)", info, re.MULTILINE)
    problems: list[str] = []
    if pages is None or int(pages.group(1)) < 1:
        problems.append("PDF-filen har inga sidor")
    ok, text = _tool(["pdftotext", "-enc", "UTF-8", str(pdf), "-"])
    if not ok:
        return [*problems, f"texten i PDF-filen kan inte läsas ({text})"]
    flat = _normalise(text)
    for wanted in must_contain:
        if _normalise(wanted).casefold() not in flat.casefold():
            problems.append(f"texten i PDF-filen saknar ”{wanted}”")
    source = _normalise(source_text) if source_text is not None else None
    for marker in TAG_MARKERS:
        found = [at for at in _occurrences(flat, marker) if source is None or flat[at : at + _DATA_WINDOW] not in source]
        count = len(found)
        if count:
            snippet = _tag_at(flat, found[0])
            where = "ett ställe" if count == 1 else f"{count} ställen"
            problems.append(f"texten i PDF-filen innehåller kvarlämnad mallkod ”{snippet}” ({where})")
    return problems


def _occurrences(text: str, marker: str) -> list[int]:
    found, at = [], text.find(marker)
    while at >= 0:
        found.append(at)
        at = text.find(marker, at + 1)
    return found


def docx_text(docx: Path) -> str:
    """The text of a .docx's body, headers, footers and notes (deleted text of tracked changes too), each part's runs joined ("" when unreadable)."""
    from lxml import etree  # here: `avtal validera` imports this module and never needs lxml

    from ..docx.safety import STRICT_PARSER

    texts: list[str] = []
    try:
        with zipfile.ZipFile(docx) as package:
            for name in package.namelist():
                if _TEXT_PARTS.fullmatch(name):
                    root = etree.fromstring(package.read(name), STRICT_PARSER)
                    texts.append("".join(node.text or "" for node in root.iter(f"{_W}t", f"{_W}delText")))
    except (OSError, zipfile.BadZipFile, etree.XMLSyntaxError, KeyError, ValueError):
        return ""
    return "\n".join(texts)


def is_pdfa(pdf: Path) -> bool:
    """True when the PDF declares itself PDF/A in its metadata (LibreOffice writes ``pdfaid:part`` there)."""
    try:
        return PDFA_MARKER in pdf.read_bytes()
    except OSError:
        return False


def _pdfa_problems(pdf: Path) -> list[str]:
    if not pdf.is_file() or is_pdfa(pdf):
        return []
    return [f"PDF-filen blev inte PDF/A (arkivformatet); LibreOffice {PDFA_SINCE[0]}.{PDFA_SINCE[1]} eller senare behövs"]


def office_version(soffice: str, timeout: float = VERSION_TIMEOUT) -> tuple[int, int] | None:
    """LibreOffice's (major, minor) version from ``soffice --version``, or None when it cannot be told."""
    with tempfile.TemporaryDirectory(prefix="avtal-lo-version-") as folder:
        outcome = _run([soffice, "--version"], Path(folder) / "version.log", timeout, (Path(folder),))
    match = re.search(r"LibreOffice\S*\s+(\d+)\.(\d+)", outcome.log)
    if outcome.returncode != 0 or match is None:
        return None
    return int(match.group(1)), int(match.group(2))


def _export_filter(soffice: str, timeout: float) -> str:
    """PDF/A-2 filter options where this LibreOffice accepts them on the command line, else plain PDF.

    When the version cannot be told (an office that starts slowly), PDF/A is still asked for: every PDF is
    checked to be PDF/A afterwards, so a plain one is refused with a message, never kept silently.
    """
    if soffice in _filters:
        return _filters[soffice]
    version = office_version(soffice, min(timeout, VERSION_TIMEOUT))
    if version is None:
        return PDFA_FILTER  # not remembered: the next batch asks again
    _filters[soffice] = PDFA_FILTER if version >= PDFA_SINCE else PLAIN_FILTER
    return _filters[soffice]


def _convert_chunk(soffice: str, docx_files: list[Path], folder: Path, export_filter: str, timeout: float,
                   work: Path) -> tuple[list[Path | None], list[Problem]]:
    """Convert one chunk with one office process (and one restart); the PDF made for each file, or None."""
    inputs = folder / "in"
    inputs.mkdir(parents=True)
    # Copies under unique names: outputs are named after the input's stem, and many agreements share
    # the name avtal.docx. Copies also keep LibreOffice's lock files away from the user's folders.
    copies = [inputs / f"{index:04d}-{docx.name}" for index, docx in enumerate(docx_files)]
    for docx, copy in zip(docx_files, copies, strict=True):
        shutil.copyfile(docx, copy)
    made: list[Path | None] = [None] * len(docx_files)
    pending = list(range(len(docx_files)))
    outcome: _Outcome | None = None
    for attempt in (1, 2):
        out_dir = folder / f"ut-{attempt}"
        outcome = _run_office(soffice, [copies[i] for i in pending], out_dir, export_filter, timeout, work)
        for i in pending:
            pdf = out_dir / f"{copies[i].stem}.pdf"
            if _looks_complete(pdf):
                made[i] = pdf
        still = [i for i in pending if made[i] is None]
        if not still:
            break
        if outcome.returncode == 0 and len(still) == len(pending) and "Error" in outcome.log:
            export_filter = PLAIN_FILTER  # the office ran but refused everything: perhaps the filter options
        pending = still
    assert outcome is not None
    reason = outcome.describe(timeout)
    failures = [Problem(str(docx_files[i]), "", f"ingen PDF efter två försök: {reason}") for i in range(len(made)) if made[i] is None]
    return made, failures


def _run_office(soffice: str, inputs: list[Path], out_dir: Path, export_filter: str, timeout: float, work: Path) -> _Outcome:
    """One headless LibreOffice converting ``inputs`` into ``out_dir``, with its own throwaway profile inside ``work``."""
    out_dir.mkdir(parents=True)
    profile = Path(tempfile.mkdtemp(prefix="avtal-lo-profil-", dir=work))
    try:
        command = [
            soffice,
            "--headless",
            "--norestore",
            "--nolockcheck",
            f"-env:UserInstallation={profile.as_uri()}",
            "--convert-to",
            export_filter,
            "--outdir",
            str(out_dir),
            *(str(path) for path in inputs),
        ]
        return _run(command, out_dir.with_suffix(".log"), timeout, (work,))
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def _run(command: list[str], log_path: Path, timeout: float, folders: Sequence[Path] = ()) -> _Outcome:
    """Run ``command`` in its own process group, output to ``log_path``; the group is always stopped after.

    A guard stops the group and removes ``folders`` should this process be killed before it could.
    """
    with log_path.open("wb") as log:
        try:
            # LibreOffice's own temporary files (lu*.tmp) go into the first folder, which the guard removes if the run dies.
            environment = {**os.environ, "TMPDIR": str(folders[0])} if folders else None
            child = Child(command, folders=folders, stdout=log, stderr=subprocess.STDOUT, env=environment)
        except OSError as error:
            raise PdfError(Problem(command[0], "", f"LibreOffice kan inte startas ({error}). {INSTALL_HINT}")) from error
        timed_out = False
        try:
            child.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
        finally:
            child.stop(force=timed_out)
    returncode = None if timed_out else child.process.returncode
    return _Outcome(returncode, timed_out, log_path.read_text(encoding="utf-8", errors="replace"))


def _looks_complete(pdf: Path) -> bool:
    """A PDF that was written to the end (a killed office can leave a truncated one)."""
    try:
        with pdf.open("rb") as f:
            f.seek(max(0, pdf.stat().st_size - 1024))
            return b"%%EOF" in f.read()
    except OSError:
        return False


def _tool(command: list[str]) -> tuple[bool, str]:
    """Run a poppler tool; (True, its output) or (False, a short reason)."""
    try:
        done = subprocess.run(command, capture_output=True, timeout=TOOL_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        return False, f"{command[0]} svarade inte inom {TOOL_TIMEOUT:g} sekunder"
    except OSError as error:
        return False, f"{command[0]}: {error}"
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", errors="replace").strip().splitlines()
        return False, f"{command[0]}: {detail[-1] if detail else f'felkod {done.returncode}'}"
    return True, done.stdout.decode("utf-8", errors="replace")


def _missing_poppler() -> list[str]:
    return [name for name in POPPLER if shutil.which(name) is None]


def _input_problem(path: Path) -> Problem | None:
    if not path.is_file():
        return Problem(str(path), "", "filen finns inte")
    if path.suffix.lower() != ".docx":
        return Problem(str(path), "", "är inte en .docx-fil")
    return None


def _key(path: Path) -> Path:
    return Path(os.path.abspath(path))


def _tag_at(text: str, at: int) -> str:
    """The template tag starting at ``at``: up to its closing ``}}``/``%}`` when near, else a short piece."""
    closing = "}}" if text.startswith("{{", at) else "%}"
    end = text.find(closing, at + 2, at + 80)
    return text[at : end + 2] if end >= 0 else text[at : at + 30].strip() + "…"


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\u00ad", "")
    return " ".join(text.split())


def _office_error(log: str, *, any_line: bool) -> str:
    """The office's last ``Error`` line (or, with ``any_line``, its last line of output), shortened."""
    lines = [line.strip() for line in log.splitlines() if line.strip() and "javaldx" not in line]
    errors = [line for line in lines if line.startswith("Error")]
    chosen = errors[-1] if errors else (lines[-1] if lines and any_line else "")
    return chosen if len(chosen) <= 200 else chosen[:197] + "..."
