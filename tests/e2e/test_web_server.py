"""The form as the README starts it: `avtal redigera` from the project root with its default folders, over real HTTP."""

from __future__ import annotations

import http.cookiejar
import io
import json
import os
import re
import selectors
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES, TEMPLATES, THRESHOLDS
from docx import Document

FAMILY = "norrstrom-fjallviken-familjebehandling"
# Each test starts the command in its own process and generates (with LibreOffice when it is installed).
pytestmark = pytest.mark.slow


@dataclass
class Form:
    """A running `avtal redigera`: the address it printed, its project folder and an HTTP client with cookies."""

    printed: str
    base: str
    project: Path
    opener: urllib.request.OpenerDirector

    def get(self, path: str) -> tuple[int, str]:
        return _answer(self.opener, urllib.request.Request(self.base + path))

    def post(self, path: str, body: Any) -> tuple[int, dict[str, Any]]:
        request = urllib.request.Request(self.base + path, data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json", "Origin": self.base})
        status, text = _answer(self.opener, request)
        return status, json.loads(text)


def _answer(opener: urllib.request.OpenerDirector, request: urllib.request.Request) -> tuple[int, str]:
    try:
        with opener.open(request, timeout=300) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder laid out as the README's: indata/avtal with one agreement, indata/troskelvarden.json, mallar."""
    (tmp_path / "indata" / "avtal").mkdir(parents=True)
    shutil.copy(EXAMPLES / f"{FAMILY}.json", tmp_path / "indata" / "avtal")
    shutil.copy(THRESHOLDS, tmp_path / "indata" / "troskelvarden.json")
    shutil.copytree(TEMPLATES, tmp_path / "mallar")
    return tmp_path


def _printed_address(process: subprocess.Popen[str], seconds: float = 60) -> str:
    """The address `avtal redigera` prints when it listens; fails with what it wrote when it does not start."""
    assert process.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if selector.select(timeout=1):
            line = process.stdout.readline()
            found = re.search(r"http://127\.0\.0\.1:\d+/\S*", line)
            if found:
                return found[0]
            if not line:
                break
    process.kill()
    raise AssertionError(f"avtal redigera startade inte: {process.communicate()}")


@pytest.fixture
def running_form(project: Path) -> Iterator[Form]:
    """`avtal redigera --port 0 --inte-oppna` started in ``project`` with no folder options, as `make redigera` does."""
    process = subprocess.Popen([sys.executable, "-m", "avtalsgenerator", "redigera", "--port", "0", "--inte-oppna"], cwd=project,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        printed = _printed_address(process)
        base = re.match(r"http://127\.0\.0\.1:\d+", printed)[0]  # type: ignore[index]
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        yield Form(printed, base, project, opener)
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def version_of(form: Form, agreement: str) -> str:
    status, page = form.get(f"/avtal/{agreement}")
    assert status == 200, page
    return str(json.loads(page.split('id="meta">', 1)[1].split("</script>", 1)[0])["version"])


def test_generate_in_the_form_started_as_the_readme_says_reports_the_documents(running_form: Form) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/\?token=[\w-]{40,}", running_form.printed)
    assert running_form.get("/")[0] == 403  # without the token of this start: refused
    status, _ = running_form.get(running_form.printed.removeprefix(running_form.base))
    assert status == 200
    status, answer = running_form.post("/api/generera", {"fil": FAMILY, "version": version_of(running_form, FAMILY)})
    assert (status, answer["meddelande"]) == (200, "Dokumenten är klara."), answer
    names = [d["namn"] for d in answer["dokument"]]
    assert "avtal.docx" in names and "kostnadsfordelning.docx" in names
    link = next(d["url"] for d in answer["dokument"] if d["namn"] == "avtal.docx")
    request = urllib.request.Request(running_form.base + link)
    with running_form.opener.open(request, timeout=60) as response:
        text = "\n".join(p.text for p in Document(io.BytesIO(response.read())).paragraphs)
    assert "Fjällvikens kommun" in text
    assert (running_form.project / "utdata" / FAMILY / "avtal.docx").is_file()

    # Generating again (nothing changed: the documents are current) still shows them.
    status, again = running_form.post("/api/generera", {"fil": FAMILY, "version": version_of(running_form, FAMILY)})
    assert status == 200 and [d["namn"] for d in again["dokument"]] == names, again


@pytest.mark.parametrize("locale", ["en-US", "sv-SE"])
def test_a_jurist_opens_saves_and_generates_in_the_form_started_as_the_readme_says(running_form: Form, tmp_path: Path, locale: str) -> None:
    from playwright.sync_api import expect
    from test_web_browser import chromium_page, field

    with chromium_page(tmp_path, locale) as page:
        page.goto(running_form.printed)
        page.click(f'a[href="/avtal/{FAMILY}"]')
        page.wait_for_selector("body[data-ready='1']")
        field(page, "$.avtal.diarienummer").fill("SN 2024/0456")
        # Dates read ÅÅÅÅ-MM-DD whatever the browser's language, and are taken as people type them.
        datum = field(page, "$.avtal.datum")
        expect(datum).to_have_value("2024-03-01")
        expect(datum).to_have_attribute("placeholder", "ÅÅÅÅ-MM-DD")
        for typed in ("20240301", "1/3 2024", "2024-3-1"):
            datum.fill(typed)
            datum.blur()
            expect(datum).to_have_value("2024-03-01")
        start = field(page, "$.avtalstid.start")
        start.fill("2024-04-31")  # no such day: kept as typed, and the check says so beside the field
        expect(page.locator('[data-path="$.avtalstid.start"] > .msgs')).not_to_be_empty()
        start.fill("1.4.2024")
        start.blur()
        expect(start).to_have_value("2024-04-01")
        expect(page.locator('[data-path="$.avtalstid.start"] > .msgs')).to_be_empty()
        # Numbers as people type them; an organisation number without its hyphen gets it.
        cost = field(page, "$.ekonomi.kostnad_ar")
        cost.fill("1 250 000,00 kr")
        cost.blur()
        expect(cost).to_have_value("1\u00a0250\u00a0000")
        number = field(page, "$.parter[0].organisationsnummer")
        number.fill("2120009994")
        number.blur()
        expect(number).to_have_value("212000-9994")
        page.click("#generate")
        expect(page.locator("#status")).to_contain_text("Dokumenten är genererade", timeout=240_000)
        expect(page.locator("#results-text")).to_have_text("Dokumenten är klara.")
        expect(page.locator("#documents")).to_contain_text("avtal.docx")
        expect(page.locator("#documents")).to_contain_text("kostnadsfordelning.docx")
        # The steps it went through, and the form unlocked again.
        expect(page.locator('#progress li[data-step="spara"]')).to_have_class("done")
        expect(page.locator('#progress li[data-step="gora"]')).to_have_class("done")
        expect(page.locator('#progress li[data-step="klart"]')).to_have_attribute("aria-current", "step")
        assert page.locator(".node.root").evaluate("e => e.inert") is False
    saved = json.loads((running_form.project / "indata" / "avtal" / f"{FAMILY}.json").read_text(encoding="utf-8"))
    assert saved["avtal"]["diarienummer"] == "SN 2024/0456"
    assert (saved["avtal"]["datum"], saved["avtalstid"]["start"], saved["ekonomi"]["kostnad_ar"]) == ("2024-03-01", "2024-04-01", 1250000)
    assert saved["parter"][0]["organisationsnummer"] == "212000-9994"
    text = "\n".join(p.text for p in Document(str(running_form.project / "utdata" / FAMILY / "avtal.docx")).paragraphs)
    assert "SN 2024/0456" in text
