"""Warm LibreOffice conversion servers (unoserver): started on first use, one per core, or on other machines."""

from __future__ import annotations

import http.client
import importlib.util
import os
import queue
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import xmlrpc.client
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from .children import Child

# Servers on other machines: "VÄRD:PORT", separated by commas or spaces (the CLI's --pdf-server sets them too).
ENV_VAR = "AVTAL_PDF_SERVER"
# The Python that has LibreOffice's uno (Debian: python3-uno for /usr/bin/python3); found by itself when unset.
PYTHON_ENV_VAR = "AVTAL_UNO_PYTHON"
START_TIMEOUT = 90.0  # unoserver waits 7 s before it listens; a cold LibreOffice on a busy machine takes longer
API_VERSION = "3"  # the unoserver XML-RPC API these calls are written for
PDFA_OPTIONS = ["SelectPdfVersion=2"]  # PDF/A-2b, as the command line's filter options ask for
_UNO_PYTHONS = ("/usr/bin/python3", "/opt/libreoffice/program/python", "/Applications/LibreOffice.app/Contents/Resources/python")
_LAUNCH = "import sys; sys.path.append({site!r}); from unoserver.server import main; sys.exit(main())"
_found_python: dict[str, str | None] = {}

T = TypeVar("T")


class ServerError(Exception):
    """Raised when a conversion server cannot be started or reached, or fails a document (reason in Swedish)."""


def parse_address(text: str) -> tuple[str, int]:
    """``VÄRD:PORT`` as (host, port); ServerError with a Swedish message when it is not one."""
    host, _, port = text.strip().rpartition(":")
    host = host.strip("[]")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ServerError(f"”{text}” är ingen serveradress; skriv VÄRD:PORT, till exempel 10.0.0.5:2003")
    return host, int(port)


def configured_addresses() -> list[str]:
    """The servers named in AVTAL_PDF_SERVER (commas or spaces between them), or none."""
    return os.environ.get(ENV_VAR, "").replace(",", " ").split()


def uno_python() -> str | None:
    """A Python that can import LibreOffice's ``uno`` (AVTAL_UNO_PYTHON, the system's, LibreOffice's own), or None."""
    configured = os.environ.get(PYTHON_ENV_VAR, "")
    candidates = [configured] if configured else list(_UNO_PYTHONS)
    for candidate in candidates:
        if candidate not in _found_python:
            _found_python[candidate] = None
            if os.access(candidate, os.X_OK):
                try:
                    done = subprocess.run([candidate, "-I", "-c", "import uno"], capture_output=True, timeout=30, check=False)
                except (OSError, subprocess.TimeoutExpired):
                    done = None
                if done is not None and done.returncode == 0:
                    _found_python[candidate] = candidate
        if _found_python[candidate]:
            return candidate
    return None


def _unoserver_site() -> str | None:
    """The folder this environment installed the unoserver package into (the server's Python gets it last on its path)."""
    spec = importlib.util.find_spec("unoserver")
    if spec is None or spec.origin is None:
        return None
    return str(Path(spec.origin).parent.parent)


class _Transport(xmlrpc.client.Transport):
    """XML-RPC over HTTP with a timeout on every call, so a hung server is noticed."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout

    def make_connection(self, host: Any) -> http.client.HTTPConnection:
        connection = super().make_connection(host)
        connection.timeout = self.timeout
        return connection


class Server:
    """One unoserver: ``convert`` turns .docx bytes into PDF/A bytes; ``restart`` after a failure (a server on another machine is only waited for)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.answered = False  # it answered with the right API (asked again after a failure)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def _proxy(self, timeout: float) -> xmlrpc.client.ServerProxy:
        return xmlrpc.client.ServerProxy(f"http://{self.address}", transport=_Transport(timeout), allow_none=True)

    def _call(self, timeout: float, failed: str, method: str, *arguments: Any) -> Any:
        """One XML-RPC call; ServerError in Swedish when the server refuses (``failed`` says what), hangs or cannot be reached."""
        try:
            return getattr(self._proxy(timeout), method)(*arguments)
        except xmlrpc.client.Fault as e:
            raise ServerError(f"LibreOffice-servern {self.address} {failed} ({_short(e.faultString)})") from e
        except TimeoutError as e:
            raise ServerError(f"LibreOffice-servern {self.address} svarade inte inom {timeout:g} sekunder") from e
        except (OSError, http.client.HTTPException, xmlrpc.client.ProtocolError) as e:
            raise ServerError(f"LibreOffice-servern {self.address} kan inte nås ({_short(str(e))})") from e

    def ensure_started(self) -> None:
        """Make sure the server answers (a server on another machine: that it answers with the right API; once, not per document)."""
        if not self.answered:
            self._check(self._call(30.0, "svarar fel", "info"))
            self.answered = True

    def _check(self, info: Any) -> None:
        if not isinstance(info, dict) or info.get("api") != API_VERSION:
            found = info.get("api") if isinstance(info, dict) else "?"
            raise ServerError(f"servern {self.address} talar unoservers API {found}, inte {API_VERSION}")

    def convert(self, docx: bytes, timeout: float) -> bytes:
        """The PDF/A made of ``docx``; ServerError with the reason when the server fails, hangs or is gone."""
        self.ensure_started()
        made = self._call(timeout, "kunde inte göra PDF", "convert", None, xmlrpc.client.Binary(docx), None, "pdf", None, PDFA_OPTIONS,
                          False, None, None)
        if not isinstance(made, xmlrpc.client.Binary):
            raise ServerError(f"LibreOffice-servern {self.address} svarade inte med en fil")
        return made.data

    def restart(self) -> None:
        self.answered = False
        time.sleep(1.0)

    def stop(self) -> None:
        """A server on another machine is left running."""


class LocalServer(Server):
    """A unoserver this run starts on 127.0.0.1 (LibreOffice with a throwaway profile), stopped with the run."""

    def __init__(self, soffice: str, python: str) -> None:
        super().__init__("127.0.0.1", 0)
        self.soffice, self.python = soffice, python
        self.child: Child | None = None
        self.folder: Path | None = None
        self.closed = False  # stopped for good: a thread still converting gets an error, never a new server
        self._lock = threading.Lock()

    def ensure_started(self) -> None:
        with self._lock:
            if self.child is not None and self.child.running():
                return
            self._stop()
            self._start()

    def _start(self) -> None:
        if self.closed:
            raise ServerError("LibreOffice-servern är stoppad; körningen avslutas")
        self._launch()

    def _launch(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="avtal-lo-server-"))
        (self.folder / "tmp").mkdir()
        self.port = _free_port()
        log = (self.folder / "server.log").open("wb")
        command = [*server_command(self.python, self.soffice, "127.0.0.1", self.port, self.folder), "--quiet"]
        try:
            # TMPDIR too: LibreOffice writes lu*.tmp files there whatever unoserver's --temp-dir says.
            self.child = Child(command, folders=[self.folder], stdout=log, stderr=subprocess.STDOUT, env=_temporary_env(self.folder))
        except OSError as e:
            raise ServerError(f"LibreOffice-servern kan inte startas ({e})") from e
        finally:
            log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                self._check(self._proxy(5.0).info())
                return
            except (OSError, http.client.HTTPException, xmlrpc.client.Error):
                pass
            if not self.child.running() or time.monotonic() > deadline:
                said, hung = self._log_tail(), self.child.running()
                self._stop()
                reason = f"startade inte inom {START_TIMEOUT:g} sekunder" if hung else "avslutades medan den startade"
                raise ServerError(f"LibreOffice-servern {reason}" + (f" ({said})" if said else ""))
            time.sleep(0.2)

    def _log_tail(self) -> str:
        try:
            lines = [line for line in (self.folder / "server.log").read_text(errors="replace").splitlines()  # type: ignore[operator]
                     if line.strip() and "javaldx" not in line]
        except OSError:
            return ""
        return _short(lines[-1]) if lines else ""

    def restart(self) -> None:
        with self._lock:
            self._stop()
            self._start()

    def _stop(self) -> None:
        child, self.child = self.child, None
        if child is not None:
            child.stop()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def stop(self) -> None:
        self.closed = True
        with self._lock:
            self._stop()


def _temporary_env(folder: Path) -> dict[str, str]:
    """The environment of a server: its temporary files in its own folder, removed with it."""
    return {**os.environ, "TMPDIR": str(folder / "tmp")}


def server_command(python: str, soffice: str, interface: str, port: int, folder: Path) -> list[str]:
    """The command that runs one unoserver under ``python`` (which has uno), its profile and temporary files in ``folder``."""
    site = _unoserver_site()
    if site is None:
        raise ServerError("paketet unoserver saknas i Pythonmiljön; installera om projektet (make)")
    return [
        python, "-I", "-c", _LAUNCH.format(site=site), "--interface", interface, "--port", str(port), "--uno-port", str(_free_port()),
        "--executable", soffice, "--user-installation", str(folder / "profil"), "--temp-dir", str(folder / "tmp"),
    ]


def serve(soffice: str, interface: str, port: int) -> int:
    """Run one unoserver in the foreground (``avtal pdfserver``) until it is stopped; its exit code."""
    python = uno_python()
    if python is None:
        raise ServerError("ingen Python med LibreOffices uno hittades; installera python3-uno eller ange AVTAL_UNO_PYTHON")
    with tempfile.TemporaryDirectory(prefix="avtal-lo-server-") as temporary:
        folder = Path(temporary)
        (folder / "tmp").mkdir()
        child = Child(server_command(python, soffice, interface, port, folder), env=_temporary_env(folder))
        try:
            return child.process.wait()
        finally:
            child.stop()


class Servers:
    """A set of conversion servers; ``map`` spreads documents across them, one document per server at a time."""

    def __init__(self, servers: Sequence[Server]) -> None:
        if not servers:
            raise ValueError("at least one server")
        self.servers = list(servers)
        self.local = all(isinstance(s, LocalServer) for s in self.servers)
        self._free: queue.LifoQueue[Server] = queue.LifoQueue()  # the last used (warm) server first
        for server in reversed(self.servers):
            self._free.put(server)

    @classmethod
    def remote(cls, addresses: Sequence[str]) -> Servers:
        return cls([Server(*parse_address(a)) for a in addresses])

    @property
    def started(self) -> bool:
        return any(isinstance(s, LocalServer) and s.child is not None for s in self.servers)

    def convert(self, docx: bytes, timeout: float) -> bytes:
        """Convert on a free server; a failed or hung server is restarted and the document tried once more."""
        server = self._free.get()
        try:
            try:
                return server.convert(docx, timeout)
            except ServerError:
                server.restart()
                return server.convert(docx, timeout)
        finally:
            self._free.put(server)

    def map(self, work: Callable[[T], None], items: Sequence[T]) -> None:
        """Run ``work`` on every item, as many at once as there are servers (threads: the work is waiting on servers)."""
        if len(items) <= 1 or len(self.servers) == 1:
            for item in items:
                work(item)
            return
        from concurrent.futures import ThreadPoolExecutor

        pool = ThreadPoolExecutor(max_workers=len(self.servers), thread_name_prefix="avtal-pdf")
        try:
            for future in [pool.submit(work, item) for item in items]:
                future.result()
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)  # Ctrl-C: the documents not yet sent are never sent
            raise
        pool.shutdown()

    def stop(self) -> None:
        for server in self.servers:
            server.stop()


def local_servers(soffice: str, python: str, count: int) -> Servers:
    """``count`` servers on this machine, each started when a document first needs it."""
    return Servers([LocalServer(soffice, python) for _ in range(max(1, count))])


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
