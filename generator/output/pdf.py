"""PDF stage: .docx to PDF/A on warm LibreOffice servers (or one LibreOffice process per batch), then a check of every PDF."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from ..errors import PdfError, Problem
from ..files import write_atomic
from . import officeserver
from .officebatch import INSTALL_HINT, PLAIN_FILTER, convert_batches, convert_chunk, find_soffice, office_version
from .officeserver import ServerError, Servers
from .pdfcheck import PDFA_SINCE, check_data, check_pdf, docx_text, is_pdfa

__all__ = [
    "INSTALL_HINT", "PDFA_SINCE", "PLAIN_FILTER", "available", "check_pdf", "conversion", "convert", "convert_chunk", "docx_text",
    "find_soffice", "is_pdfa", "office_version",
]

MAX_CHUNK = 200
# Below this many documents one LibreOffice for the batch is quicker than starting servers (unoserver takes ~7 s).
SERVER_THRESHOLD = 4


def available() -> bool:
    """True when LibreOffice is installed or servers elsewhere are named (the PDF check needs no program of its own)."""
    return find_soffice() is not None or bool(_remote_addresses())


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
    deliver. Every PDF is checked (``pdfcheck``: pages, text, no ``{{``/``{%`` (with ``rendered``, the files are
    rendered documents and such text that their .docx holds is data, not a leftover tag), the texts
    ``must_contain`` lists for its .docx, and that it is PDF/A-2: never a plain PDF in its place without a word)
    before it is written atomically beside its .docx. PDFs that pass are written even when others fail; the
    PdfError raised at the end names every file that got no PDF and why. ``written(docx)`` is called as each PDF is written.
    """
    if not 1 <= chunk <= MAX_CHUNK:
        raise ValueError(f"chunk must be between 1 and {MAX_CHUNK}, not {chunk}")
    if timeout <= 0:
        raise ValueError(f"timeout must be positive, not {timeout}")
    soffice = find_soffice() or ""
    if not soffice and not _remote_addresses():
        raise PdfError(Problem("", "", f"PDF kräver LibreOffice (soffice), som inte är installerat. {INSTALL_HINT}"))
    problems = [p for p in (_input_problem(path) for path in docx_files) if p]
    if problems:
        raise PdfError(problems)
    unique: dict[Path, Path] = {}
    for path in docx_files:
        unique.setdefault(_key(path), path)
    sources = list(unique.values())
    checker = _Checker(sources, must_contain or {}, rendered)
    with _servers_for(soffice, len(sources)) as servers:
        if servers is not None:
            failures = _convert_on_servers(servers, sources, checker, timeout, written)
        else:
            failures = convert_batches(soffice, sources, chunk, timeout, lambda docx, made: checker.problems(docx, made.read_bytes()), written)
    if failures:
        raise PdfError(failures)
    return [path.with_suffix(".pdf") for path in docx_files]


class _Checker:
    """The check of each made PDF against what its .docx must give: ``check_pdf`` with the PDF/A checks."""

    def __init__(self, sources: Sequence[Path], must_contain: Mapping[Path, Sequence[str]], rendered: bool) -> None:
        self.wanted = {_key(path): list(texts) for path, texts in must_contain.items()}
        self.source_texts = {_key(path): docx_text(path) for path in sources} if rendered else {}

    def problems(self, docx: Path, data: bytes) -> list[str]:
        key = _key(docx)
        return check_data(data, self.wanted.get(key, []), self.source_texts.get(key), archive=True)


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
    from .children import default_workers

    return officeserver.local_servers(soffice, python, default_workers() if warm or _session is not None else min(default_workers(), count))


def _convert_on_servers(servers: Servers, sources: Sequence[Path], checker: _Checker, timeout: float,
                        written: Callable[[Path], None] | None = None) -> list[Problem]:
    """Convert each file on the servers and check its PDF as soon as it comes back; the problems of those that failed.

    The checks run in one thread of their own (PDFium takes one document at a time), so no server waits for one.
    """
    failures: list[Problem] = []
    taken = threading.Lock()

    def check_and_write(docx: Path, data: bytes) -> None:
        issues = checker.problems(docx, data)
        if issues:
            with taken:
                failures.extend(Problem(str(docx), "", f"{issue}; PDF-filen sparades inte") for issue in issues)
        else:
            write_atomic(docx.with_suffix(".pdf"), data)
            if written:
                written(docx)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="avtal-pdf-kontroll") as checks:
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


def _input_problem(path: Path) -> Problem | None:
    if not path.is_file():
        return Problem(str(path), "", "filen finns inte")
    if path.suffix.lower() != ".docx":
        return Problem(str(path), "", "är inte en .docx-fil")
    return None


def _key(path: Path) -> Path:
    return Path(os.path.abspath(path))
