"""Steps a jurist takes in the form for one avtalssamverkan: fields typed and clicks, counted by a Playwright script.

Starts `avtal redigera` from a fresh project folder (the default relative folders), enters the agreement of
issue 23 (three municipalities, shared IT support, cost split per inhabitant, a personuppgiftsbiträdesavtal)
as a user would, saves, generates, and prints the counts as JSON. With --skarmbilder DIR it also saves the
README's screenshots: the start page, a draft with legal messages, and the generated documents.

    .venv/bin/python bench/form_steps.py [--skarmbilder docs]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


class Counted:
    """The page, with every field typed and every click (a choice in a list counts as one click) counted."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.typed = 0
        self.clicks = 0
        self.corrections = 0

    def field(self, path: str) -> Any:
        return self.page.locator(f'[data-path="{path}"] > .control > .input')

    def type(self, path: str, text: str, correction: bool = False) -> None:
        self.field(path).fill(text)
        self.typed += 1
        self.corrections += correction

    def choose(self, path: str, label: str) -> None:
        self.field(path).select_option(label=label)
        self.clicks += 1

    def click(self, selector: str) -> None:
        self.page.locator(selector).first.click()
        self.clicks += 1


PARTIES = [
    ("Lerums kommun", "2120001488", "uppdragstagare", "Eva Strand", "2026-02-10", "§ 12", "42 000"),
    ("Alingsås kommun", "2120001470", "uppdragsgivare", "Jonas Berg", "2026-02-12", "§ 7", "42 500"),
    ("Vårgårda kommun", "2120001496", "uppdragsgivare", "Sara Ek", "2026-02-17", "§ 21", "12 100"),
]


def enter_agreement(form: Counted, url: str, shots: Path | None) -> None:
    page = form.page
    page.goto(url)
    if shots:
        page.screenshot(path=str(shots / "redigera-start.png"))
    page.select_option("#typ", label="Avtalssamverkan")
    form.clicks += 1
    form.click("text=Skapa")
    page.wait_for_selector("body[data-ready='1']")

    form.type("$.avtal.titel", "Avtal om avtalssamverkan om gemensam it-support")
    form.type("$.avtal.id", "lerum-alingsas-vargarda-it-support")
    form.type("$.avtal.diarienummer", "KS 2026/31")
    form.type("$.avtal.datum", "20260301")
    form.type("$.avtal.syfte", "Att ge de anställda i de tre kommunerna it-support av god kvalitet till en lägre kostnad.")
    form.click('[data-path="$.parter"] > .list-actions > .add')
    for index, (name, number, role, signer, decided, paragraph, inhabitants) in enumerate(PARTIES):
        base = f"$.parter[{index}]"
        form.type(f"{base}.namn", name)
        form.choose(f"{base}.typ", "Kommun")
        if index == 2:  # a typing mistake: the check digit is wrong, and the form says so at once
            form.type(f"{base}.organisationsnummer", "2120001497")
            page.locator(f'[data-path="{base}.organisationsnummer"] > .msgs').get_by_text("kontrollsiffran").wait_for()
            if shots:
                page.locator(f'[data-path="{base}.organisationsnummer"]').scroll_into_view_if_needed()
                page.wait_for_timeout(500)
                page.screenshot(path=str(shots / "redigera-utkast.png"))
            form.type(f"{base}.organisationsnummer", number, correction=True)
        else:
            form.type(f"{base}.organisationsnummer", number)
        form.choose(f"{base}.roll", role.capitalize())
        form.type(f"{base}.undertecknare.namn", signer)
        form.type(f"{base}.undertecknare.titel", "kommunstyrelsens ordförande")
        form.type(f"{base}.beslut.organ", "Kommunfullmäktige")
        form.type(f"{base}.beslut.datum", decided)
        form.type(f"{base}.beslut.paragraf", paragraph)
        form.type(f"{base}.invanare", inhabitants)

    form.type("$.uppgifter[0].beskrivning", "Lerums kommun ger de anställda i Alingsås och Vårgårda kommuner it-support: "
              "hjälp med datorer, telefoner och verksamhetssystem per telefon, e-post och på plats.")
    form.choose("$.uppgifter[0].utforare", "Lerums kommun")
    form.choose("$.uppgifter[0].mottagare[0]", "Alingsås kommun")
    form.click('[data-path="$.uppgifter[0].mottagare"] > .list-actions > .add')
    form.choose("$.uppgifter[0].mottagare[1]", "Vårgårda kommun")

    form.choose("$.ekonomi.modell", "Självkostnad")
    form.type("$.ekonomi.kostnad_ar", "3 400 000 kr")
    form.click('[data-path="$.ekonomi.fordelning"] .include-box')
    form.choose("$.ekonomi.fordelning.nyckel", "Efter antal invånare")
    form.type("$.ekonomi.fordelning.underlag_datum", "2025-12-31")
    # A cost set in advance is reconciled against the actual cost (the rule ekonomi.avrakning).
    form.click('[data-path="$.ekonomi.avrakning"] .include-box')
    form.type("$.ekonomi.avrakning.underlag", "Lerums kommuns bokförda kostnader för it-supporten")
    form.type("$.ekonomi.avrakning.tidpunkt", "efter varje kalenderår, senast den 31 mars året efter")
    form.type("$.ekonomi.avrakning.reglering", "mellanskillnaden faktureras eller betalas tillbaka inom 30 dagar")

    form.choose("$.personuppgifter.roll", "Personuppgiftsbiträde")
    for key, text in (("andamal", "att ge de anställda it-support och hålla ordning på ärendena"),
                      ("registrerade", "anställda hos parterna som kontaktar it-supporten"),
                      ("kategorier", "namn, kontaktuppgifter och användarnamn samt uppgifter i ärendet"),
                      ("sakerhetsatgarder", "behörigheter efter befattning, stark autentisering och loggning av åtkomst")):
        lista = f"$.personuppgifter.{key}"
        if not form.field(f"{lista}[0]").count():
            form.click(f'[data-path="{lista}"] > .list-actions > .add')
        form.type(f"{lista}[0]", text)
    form.click('[data-path="$.personuppgifter.underbitraden"] .include-box')
    form.choose("$.personuppgifter.underbitraden.tillstand", "Särskilt tillstånd")
    form.type("$.avtalstid.start", "1/4 2026")
    form.type("$.avtalstid.slut", "2029-03-31")


def problems_left(page: Any) -> list[str]:
    return [text for text in page.locator(".msgs .msg.fel, #problem-list li").all_inner_texts() if text.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skarmbilder", type=Path, help="mapp för skärmbilderna (docs)")
    args = parser.parse_args()
    shots = args.skarmbilder.resolve() if args.skarmbilder else None
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="avtal-formular-") as folder:
        project = Path(folder)
        (project / "indata" / "avtal").mkdir(parents=True)
        shutil.copy(ROOT / "indata" / "troskelvarden.json", project / "indata")
        shutil.copytree(ROOT / "mallar", project / "mallar")
        server = subprocess.Popen([sys.executable, "-m", "avtalsgenerator", "redigera", "--port", "0", "--inte-oppna"], cwd=project,
                                  stdout=subprocess.PIPE, text=True, start_new_session=True)
        try:
            assert server.stdout is not None
            url = re.search(r"http://127\.0\.0\.1:\d+/\S*", server.stdout.readline())[0]  # type: ignore[index]
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), headless=True,
                                                     args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
                page = browser.new_page(locale="sv-SE", viewport={"width": 1400, "height": 1000})
                form = Counted(page)
                enter_agreement(form, url, shots)
                form.click("#save")
                page.locator("#status").get_by_text("Sparat").wait_for()
                left = problems_left(page)
                form.click("#generate")
                page.locator("#status").get_by_text(re.compile("Dokumenten är genererade|kunde inte")).wait_for(timeout=300_000)
                documents = page.locator("#documents a").all_inner_texts()
                if shots:
                    page.locator("#results").scroll_into_view_if_needed()
                    page.wait_for_timeout(1500)
                    page.screenshot(path=str(shots / "redigera-genererat.png"))
                browser.close()
        finally:
            os.killpg(server.pid, signal.SIGINT)
            server.wait(30)
    steps = form.typed + form.clicks
    print(json.dumps({"falt_skrivna": form.typed, "klick": form.clicks, "steg": steps, "varav_rattelser": form.corrections,
                      "fore_steg": 169, "andel_av_fore_procent": round(100 * steps / 169), "fel_kvar": left,
                      "dokument": documents}, ensure_ascii=False, indent=2))
    if left or not documents:
        sys.exit(1)


if __name__ == "__main__":
    main()
