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
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES, TEMPLATES, THRESHOLDS, requires_program
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


def generated(form: Form, agreement: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Start a generate job and read it until it is finished: its last answer, and every different view seen on the way."""
    status, started = form.post("/api/generera", {"fil": agreement, "version": version_of(form, agreement)})
    # A run with nothing to make (the documents are current) can be done before the server's first answer.
    assert status == 202 and started["tillstand"] in ("pagar", "klar"), started
    seen = [started]
    deadline = time.monotonic() + 300
    while seen[-1]["tillstand"] == "pagar" and time.monotonic() < deadline:
        time.sleep(0.05)
        status, text = form.get(started["url"])
        assert status == 200, text
        if json.loads(text) != seen[-1]:
            seen.append(json.loads(text))
    return seen[-1], seen


def test_generate_in_the_form_started_as_the_readme_says_reports_the_documents(running_form: Form) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/\?token=[\w-]{40,}", running_form.printed)
    assert running_form.get("/")[0] == 403  # without the token of this start: refused
    status, _ = running_form.get(running_form.printed.removeprefix(running_form.base))
    assert status == 200
    answer, seen = generated(running_form, FAMILY)
    assert (answer["tillstand"], answer["meddelande"]) == ("klar", "Dokumenten är klara."), answer
    # The steps the run passed, as the server saw them: in order, each done at the end, the PDFs counted one by one.
    steps = [s["steg"] for s in answer["steg"]]
    assert steps[:3] == ["kontrollerar", "renderar", "skriver"] and steps[-1] == "rapport", steps
    assert all(s["klar"] for s in answer["steg"])
    if os.environ.get("CI") == "true" or shutil.which("soffice"):  # the form makes PDFs when LibreOffice is there
        requires_program("soffice")
        made = [s["text"] for view in seen for s in view["steg"] if s["steg"] == "pdf"]
        total = int(made[-1].rsplit(" av ", 1)[1])
        assert made[-1] == f"Gör PDF-filerna: {total} av {total}" and total >= 3, made
    assert len(seen) > 2  # the page saw the run while it ran, not only its end
    # A job is the starter's: without this start's cookie, or from another site, its steps are refused.
    stranger = urllib.request.build_opener()
    assert _answer(stranger, urllib.request.Request(f"{running_form.base}/api/jobb/{answer['jobb']}"))[0] == 403
    assert running_form.get(f"/api/jobb/{answer['jobb']}")[0] == 200
    request = urllib.request.Request(running_form.base + "/api/generera", data=b"{}", method="POST",
                                     headers={"Content-Type": "application/json", "Origin": "http://evil.example"})
    assert _answer(running_form.opener, request)[0] == 403
    names = [d["namn"] for d in answer["dokument"]]
    assert "avtal.docx" in names and "kostnadsfordelning.docx" in names
    link = next(d["url"] for d in answer["dokument"] if d["namn"] == "avtal.docx")
    request = urllib.request.Request(running_form.base + link)
    with running_form.opener.open(request, timeout=60) as response:
        text = "\n".join(p.text for p in Document(io.BytesIO(response.read())).paragraphs)
    assert "Fjällvikens kommun" in text
    assert (running_form.project / "utdata" / FAMILY / "avtal.docx").is_file()

    # Generating again (nothing changed: the documents are current) still shows them.
    again, _ = generated(running_form, FAMILY)
    assert again["tillstand"] == "klar" and [d["namn"] for d in again["dokument"]] == names, again


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
        # Every step the list shows while the run goes on, and whether the fields were locked at that moment.
        page.evaluate("""() => {
            window.seenSteps = [];
            new MutationObserver(() => {
                const root = document.querySelector('.node.root');
                document.querySelectorAll('#steps li').forEach(li => window.seenSteps.push([li.dataset.step, li.textContent, li.className, root.inert]));
            }).observe(document.getElementById('steps'), { childList: true, subtree: true, characterData: true });
        }""")
        page.click("#generate")
        expect(page.locator("#status")).to_contain_text("Dokumenten är genererade", timeout=240_000)
        expect(page.locator("#results-text")).to_have_text("Dokumenten är klara.")
        expect(page.locator("#documents")).to_contain_text("avtal.docx")
        expect(page.locator("#documents")).to_contain_text("kostnadsfordelning.docx")
        # The steps the server reported, each done, ending in Klart; the fields locked while it ran and unlocked after.
        shown = page.locator("#steps li")
        expect(shown.first).to_have_text("Sparar avtalet")
        steps = [li.get_attribute("data-step") for li in shown.all()]
        assert steps[:4] == ["sparar", "kontrollerar", "renderar", "skriver"] and steps[-2:] == ["rapport", "klart"], steps
        assert all("done" in (li.get_attribute("class") or "") for li in shown.all())
        expect(page.locator('#steps li[data-step="skriver"]')).to_contain_text("en tidigare version sparas i tidigare/")
        seen = page.evaluate("window.seenSteps")
        running = [entry for entry in seen if entry[2] == "current"]
        assert running and all(entry[3] for entry in running), seen  # locked whenever a step was under way
        assert {entry[0] for entry in running} - {"sparar", "startar"}, seen  # a step of the server's run seen as it ran
        pdf_texts = [entry[1] for entry in seen if entry[0] == "pdf"]
        if shutil.which("soffice"):
            assert re.fullmatch(r"Gör PDF-filerna: (\d+) av \1", pdf_texts[-1]), pdf_texts
        assert page.locator(".node.root").evaluate("e => e.inert") is False
        every_link_opens(page, running_form.base)

        # Generated yesterday, changed today: the new run links the comparisons and the earlier version it kept.
        for made in (running_form.project / "utdata" / FAMILY).iterdir():
            os.utime(made, (time.time() - 86400, time.time() - 86400))
        field(page, "$.avtal.diarienummer").fill("SN 2024/0457")
        page.click("#generate")
        expect(page.locator("#documents")).to_contain_text("Tidigare version (Word)", timeout=240_000)
        expect(page.locator("#status")).to_contain_text("Dokumenten är genererade")
        labels = page.locator("#documents a").all_inner_texts()
        assert any(t.startswith("Jämförelse med förra versionen (Word) – jamforelse/avtal-") for t in labels), labels
        assert any(re.fullmatch(r"Tidigare version \(Word\) – tidigare/[\w-]+/avtal\.docx", t) for t in labels), labels
        opened = every_link_opens(page, running_form.base)
        comparison = next(body for label, body in opened.items() if "jamforelse/avtal-" in label and label.endswith(".docx"))
        words = re.sub(r"<[^>]+>", "", zipfile.ZipFile(io.BytesIO(comparison)).read("word/document.xml").decode("utf-8"))
        assert "SN 2024/04560457" in words  # the old number struck through, the new one inserted
        earlier = next(body for label, body in opened.items() if re.search(r"tidigare/[\w-]+/avtal\.docx$", label))
        earlier_text = "\n".join(p.text for p in Document(io.BytesIO(earlier)).paragraphs)
        assert "SN 2024/0456" in earlier_text and "SN 2024/0457" not in earlier_text
    saved = json.loads((running_form.project / "indata" / "avtal" / f"{FAMILY}.json").read_text(encoding="utf-8"))
    assert saved["avtal"]["diarienummer"] == "SN 2024/0457"
    assert (saved["avtal"]["datum"], saved["avtalstid"]["start"], saved["ekonomi"]["kostnad_ar"]) == ("2024-03-01", "2024-04-01", 1250000)
    assert saved["parter"][0]["organisationsnummer"] == "212000-9994"
    text = "\n".join(p.text for p in Document(str(running_form.project / "utdata" / FAMILY / "avtal.docx")).paragraphs)
    assert "SN 2024/0457" in text


def every_link_opens(page: Any, base: str) -> dict[str, bytes]:
    """Follow every link the results panel shows (and the PDF shown on the page), as the user would: each must open
    the Word or PDF file it names. The bodies by link text."""
    opened = {}
    for link in page.locator("#results a").all():
        label, href = link.inner_text(), link.get_attribute("href")
        answer = page.request.get(base + href)
        kind = "application/pdf" if label.endswith(".pdf") else "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        assert (answer.status, answer.headers["content-type"]) == (200, kind), (label, href, answer.status, answer.text()[:300])
        opened[label] = answer.body()
    assert opened, "inga länkar till dokumenten"
    if page.locator("#pdf-view").is_visible():
        assert page.request.get(base + page.locator("#pdf-view").get_attribute("src")).headers["content-type"] == "application/pdf"
    return opened
