"""PDF on warm LibreOffice servers (unoserver): servers elsewhere, a crashed server, and a killed run that leaves nothing running."""

from __future__ import annotations

import _thread
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import xmlrpc.client
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import requires_program
from test_pdf import PARTIES, make_docx, pages

from avtalsgenerator.errors import PdfError
from avtalsgenerator.output import officeserver, pdf

ROOT = Path(__file__).resolve().parents[2]
AVTAL = [sys.executable, "-m", "avtalsgenerator"]


def requires_uno_office() -> None:
    for name in ("soffice", "pdfinfo", "pdftotext"):
        requires_program(name)
    if officeserver.uno_python() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("python3-uno saknas i CI; .ci/run ska installera det")
        pytest.skip("no Python with LibreOffice's uno (python3-uno)")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_for(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert server.poll() is None, "the server stopped while starting"
        with contextlib.suppress(OSError, xmlrpc.client.Error):
            xmlrpc.client.ServerProxy(f"http://127.0.0.1:{port}").info()
            return
        time.sleep(0.3)
    pytest.fail(f"no server on port {port}")


def _processes_naming(text: str) -> list[int]:
    """Live processes whose command line contains ``text``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                state = (entry / "stat").read_text().rsplit(")", 1)[-1].split()[0]
                if state not in ("Z", "X") and text in (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"):
                    found.append(int(entry.name))
    return found


def _gone(find: Callable[[], list[int]], seconds: float = 20) -> list[int]:
    """What ``find`` still finds once the processes had ``seconds`` to exit (LibreOffice takes a moment after SIGTERM)."""
    deadline = time.monotonic() + seconds
    while (found := find()) and time.monotonic() < deadline:
        time.sleep(0.2)
    return found


def test_two_servers_elsewhere_share_the_documents(tmp_path: Path) -> None:
    requires_uno_office()
    ports = [_free_port(), _free_port()]
    logs = [tmp_path / f"server-{port}.log" for port in ports]
    servers = [subprocess.Popen([*AVTAL, "pdfserver", "--port", str(port)], cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                                start_new_session=True) for port, log in zip(ports, logs, strict=True)]
    try:
        for port, server in zip(ports, servers, strict=True):
            _wait_for(port, server)
        utdata = tmp_path / "utdata"
        done = subprocess.run([*AVTAL, "generera", "--pdf", "--utdata", str(utdata), *(f"--pdf-server=127.0.0.1:{p}" for p in ports)],
                              cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
        assert done.returncode == 0, done.stderr
        made = sorted(utdata.glob("*/*.pdf"))
        assert len(made) == len(list(utdata.glob("*/*.docx"))) >= 8
        assert all(pdf.is_pdfa(path) for path in made)
        served = [log.read_text(errors="replace").count("Exporting to") for log in logs]
        assert sum(served) == len(made) and min(served) >= 1, f"documents per server: {served}"
    finally:
        for server in servers:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=60)
    assert _gone(lambda: [pid for port in ports for pid in _processes_naming(f"--port {port}")]) == [], "a server was left running"


def test_crashed_server_is_restarted_and_the_document_tried_again(tmp_path: Path) -> None:
    requires_uno_office()
    first, second = (make_docx(tmp_path / f"avtal-{n}.docx", PARTIES[n]) for n in range(2))
    with pdf.conversion(warm=True):
        pdf.convert([first], must_contain={first: list(PARTIES[0])})
        session = pdf._session
        assert session is not None and session.servers is not None
        (server,) = [s for s in session.servers.servers if isinstance(s, officeserver.LocalServer) and s.child is not None]
        assert server.child is not None
        crashed = server.child.pid
        os.killpg(crashed, signal.SIGKILL)  # LibreOffice and its server die between two documents

        (made,) = pdf.convert([second], must_contain={second: list(PARTIES[1])})

        assert server.child is not None and server.child.pid != crashed
    assert pages(made) == 2 and pdf.is_pdfa(made)
    assert not _processes_naming(f"--port {server.port} "), "the servers stop when the block ends"


def test_unreachable_server_is_each_documents_error(tmp_path: Path) -> None:
    for name in ("pdfinfo", "pdftotext"):
        requires_program(name)
    documents = [make_docx(tmp_path / f"avtal-{n}.docx", PARTIES[n]) for n in range(2)]
    with pytest.raises(PdfError) as caught, pdf.conversion([f"127.0.0.1:{_free_port()}"]):
        pdf.convert(documents)
    assert [p.file for p in caught.value.problems] == [str(path) for path in documents]
    assert all("ingen PDF efter två försök" in p.message and "kan inte nås" in p.message for p in caught.value.problems)
    assert not any(path.with_suffix(".pdf").exists() for path in documents)


def test_address_that_is_not_host_and_port_is_refused_in_swedish() -> None:
    done = subprocess.run([*AVTAL, "generera", "--pdf", "--pdf-server", "inte-en-adress"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 1
    assert "”inte-en-adress” är ingen serveradress; skriv VÄRD:PORT" in done.stderr


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find LibreOffice")
def test_killed_pdf_run_leaves_no_office_and_no_temporary_folder(tmp_path: Path) -> None:
    requires_uno_office()
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    utdata = tmp_path / "utdata"
    environment = {**os.environ, "TMPDIR": str(temporary)}
    run = subprocess.Popen([*AVTAL, "generera", "--pdf", "--utdata", str(utdata)], cwd=ROOT, env=environment,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and not _processes_naming(f"UserInstallation=file://{temporary}"):
            assert run.poll() is None, "the run ended before LibreOffice started"
            time.sleep(0.2)
        assert _processes_naming(str(temporary)), "LibreOffice should be converting"
        os.kill(run.pid, signal.SIGKILL)  # only the run, as the OOM killer does
        run.wait()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (_processes_naming(str(temporary)) or list(temporary.iterdir())):
            time.sleep(0.2)
        assert _processes_naming(str(temporary)) == [], "LibreOffice outlived the run"
        assert list(temporary.iterdir()) == [], "temporary folders were left behind"
    finally:
        for pid in _processes_naming(str(temporary)):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def test_ctrl_c_stops_the_servers_and_sends_no_more_documents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    requires_uno_office()
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    documents = [make_docx(tmp_path / f"avtal-{n:02d}.docx", PARTIES[n % len(PARTIES)]) for n in range(30)]

    def interrupt_after_the_first_pdf() -> None:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and not any(path.with_suffix(".pdf").exists() for path in documents):
            time.sleep(0.05)
        _thread.interrupt_main()  # as Ctrl-C does

    threading.Thread(target=interrupt_after_the_first_pdf, daemon=True).start()
    with pytest.raises(KeyboardInterrupt), pdf.conversion():
        pdf.convert(documents)

    made = [path for path in documents if path.with_suffix(".pdf").exists()]
    assert 1 <= len(made) < len(documents), "the documents not yet sent are never sent"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (_processes_naming(str(temporary)) or list(temporary.iterdir())):
        time.sleep(0.2)
    assert _processes_naming(str(temporary)) == []
    assert list(temporary.iterdir()) == []


def test_form_servers_are_started_before_the_first_document(tmp_path: Path) -> None:
    requires_uno_office()
    with pdf.conversion(warm=True, start=True):
        deadline = time.monotonic() + 180
        running: list[officeserver.LocalServer] = []
        while time.monotonic() < deadline:
            session = pdf._session
            servers = session.servers.servers if session is not None and session.servers is not None else []
            running = [s for s in servers if isinstance(s, officeserver.LocalServer) and s.child is not None and s.child.running()]
            if servers and len(running) == len(servers):
                break
            time.sleep(0.2)
        assert running, "no server was started ahead of the first document"
        pids = [s.child.pid for s in running if s.child is not None]
        document = make_docx(tmp_path / "avtal.docx", PARTIES[0])
        (made,) = pdf.convert([document], must_contain={document: list(PARTIES[0])})
        assert [s.child.pid for s in running if s.child is not None] == pids, "the document used the servers already started"
    assert pdf.is_pdfa(made)
    assert not any(_processes_naming(f"--port {s.port} ") for s in running)
