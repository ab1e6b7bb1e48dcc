"""The PDF part of the benchmark: warm servers against one LibreOffice per batch, a raw unoserver client, and the PDF check."""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from avtalsgenerator.output import officeserver, pdf, pdfcheck
from avtalsgenerator.output.children import default_workers

_HZ = os.sysconf("SC_CLK_TCK")


def office_cpu_s(folders: Sequence[Path | None]) -> float:
    """Processor seconds used so far by the LibreOffice processes whose command line names one of ``folders``."""
    names = [str(folder).encode() for folder in folders if folder is not None]
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
            if b"soffice" in command and any(name in command for name in names):
                fields = (entry / "stat").read_text().rsplit(")", 1)[-1].split()
                total += (int(fields[11]) + int(fields[12])) / _HZ
        except OSError:
            pass
    return total


def _copies(docs: Sequence[Path], folder: Path) -> list[Path]:
    folder.mkdir()
    made = []
    for doc in docs:
        target = folder / f"{doc.parent.name}-{doc.name}"
        shutil.copy(doc, target)
        made.append(target)
    return made


def _ms_per(count: int, work: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = work()
    return round((time.perf_counter() - start) * 1000 / count, 1), result


def _single_soffice_ms(soffice: str, docs: Sequence[Path], out: Path) -> float:
    """The baseline: one ``soffice --convert-to pdf`` process per document."""
    start = time.perf_counter()
    for doc in docs:
        profile = tempfile.mkdtemp(prefix="lo-bench-")
        command = [soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{profile}", "--convert-to", "pdf", "--outdir", str(out), str(doc)]
        subprocess.run(command, check=True, capture_output=True, timeout=180)
        shutil.rmtree(profile, ignore_errors=True)
    return round((time.perf_counter() - start) * 1000 / len(docs), 1)


def _one_server_figures(soffice: str, python: str, docs: Sequence[Path], work: Path, rounds: int = 2) -> dict[str, float]:
    """One warm server: a raw unoserver client, our conversion alone, our whole path; LibreOffice's processor time; the check.

    The three take turns, ``rounds`` times, and each keeps its quickest round: on a shared machine the others' load
    then falls on all three alike.
    """
    from unoserver.client import UnoClient

    one = officeserver.local_servers(soffice, python, 1)
    server = one.servers[0]
    assert isinstance(server, officeserver.LocalServer)
    data = [doc.read_bytes() for doc in docs]
    times: dict[str, list[float]] = {"raw": [], "raw_cpu": [], "convert": [], "ours": []}
    try:
        server.convert(data[0], 180)  # started and warm
        client = UnoClient("127.0.0.1", str(server.port))
        for number in range(rounds):
            cpu = office_cpu_s([server.folder])
            raw_ms, made = _ms_per(len(data), lambda: [client.convert(indata=d, convert_to="pdf", filter_options=officeserver.PDFA_OPTIONS) for d in data])
            times["raw"].append(raw_ms)
            times["raw_cpu"].append(round((office_cpu_s([server.folder]) - cpu) * 1000 / len(data), 1))
            times["convert"].append(_ms_per(len(data), lambda: [server.convert(d, 180) for d in data])[0])
            copies = _copies(docs, work / f"pdfenserver-{number}")
            checker = pdf._Checker(copies, {}, rendered=True)
            ours_ms, problems = _ms_per(len(copies), lambda copies=copies, checker=checker: pdf._convert_on_servers(one, copies, checker, 180))
            assert not problems, problems
            times["ours"].append(ours_ms)
    finally:
        one.stop()
    check_ms, found = _ms_per(len(made), lambda: [pdfcheck.check_data(m, [], archive=True) for m in made])
    assert not any(found), found
    figures = {"ms_per_doc_pdf_raw_unoserver": min(times["raw"]), "ms_cpu_per_doc_libreoffice": min(times["raw_cpu"]),
               "ms_per_doc_pdf_one_server_convert": min(times["convert"]), "ms_per_doc_pdf_one_server": min(times["ours"]),
               "ms_per_doc_pdf_check": check_ms}
    if shutil.which("pdftotext") and shutil.which("pdfinfo"):
        figures["ms_per_doc_pdf_check_pdftotext"] = _poppler_check_ms(made, work / "poppler")
    return figures


def _poppler_check_ms(made: Sequence[bytes], folder: Path) -> float:
    """The check the PDF stage used before: pdfinfo and pdftotext, one process each per document."""
    folder.mkdir()
    paths = []
    for number, data in enumerate(made):
        paths.append(folder / f"{number}.pdf")
        paths[-1].write_bytes(data)
    start = time.perf_counter()
    for path in paths:
        subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True)
        subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True)
    return round((time.perf_counter() - start) * 1000 / len(paths), 1)


def pdf_figures(docs: list[Path], work: Path) -> dict[str, float]:
    """PDF time per document on warm servers (one per core, and one), against one LibreOffice per batch and one per document."""
    soffice = pdf.find_soffice()
    if soffice is None:
        return {}
    figures: dict[str, float] = {"pdf_docs": len(docs), "ms_per_doc_pdf_single": _single_soffice_ms(soffice, docs[:3], work / "single")}
    batch_copies = _copies(docs, work / "pdfbatch")
    os.environ[officeserver.PYTHON_ENV_VAR] = "/saknas"  # no uno: one LibreOffice for the whole batch, as before
    try:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        figures["ms_per_doc_pdf_batch"], _ = _ms_per(len(docs), lambda: pdf.convert(batch_copies))
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        used = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        figures["ms_cpu_per_doc_libreoffice_batch"] = round(used * 1000 / len(docs), 1)  # start-up and --version included
    finally:
        del os.environ[officeserver.PYTHON_ENV_VAR]
    python = officeserver.uno_python()
    if python is None:
        return figures
    workers = default_workers()
    server_copies = _copies(docs, work / "pdfservrar")
    with pdf.conversion(warm=True):  # as the form holds them: started once, then warm
        start = time.perf_counter()
        pdf.convert(server_copies[:workers])
        figures["pdf_servers_start_s"] = round(time.perf_counter() - start, 1)
        session = pdf._session
        folders = [getattr(s, "folder", None) for s in session.servers.servers] if session and session.servers else []
        cpu = office_cpu_s(folders)
        figures["ms_per_doc_pdf_servers"], _ = _ms_per(len(docs), lambda: pdf.convert(server_copies, rendered=True))
        figures["ms_cpu_per_doc_libreoffice_servers"] = round((office_cpu_s(folders) - cpu) * 1000 / len(docs), 1)
    figures.update(_one_server_figures(soffice, python, docs, work))
    figures["pdf_server_workers"] = workers
    return figures
