"""Tests for the form's web application: every endpoint through Flask's test client."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import http.cookiejar
import io
import json
import os
import shutil
import socket
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from conftest import EXAMPLES, MINIMAL, TEMPLATES, THRESHOLDS, read_example
from docx import Document

from avtalsgenerator.agreement.schema import AGREEMENT_SCHEMA, load_schema
from avtalsgenerator.web.app import MAX_BODY_BYTES, create_app
from avtalsgenerator.web.store import SAVE_LOCK

FAMILY = "norrstrom-fjallviken-familjebehandling"


@pytest.fixture
def folders(tmp_path: Path) -> dict[str, Path]:
    indata = tmp_path / "indata" / "avtal"
    indata.mkdir(parents=True)
    shutil.copy(EXAMPLES / f"{FAMILY}.json", indata)
    return {"indata": indata, "utdata": tmp_path / "utdata"}


@pytest.fixture
def client(folders: dict[str, Path]):
    return logged_in(create_app(folders["indata"], folders["utdata"], TEMPLATES, THRESHOLDS, pdf=False))


def logged_in(app: Any) -> Any:
    """A test client that opened the start address with the token (so it has the cookie) and sends the form's Origin."""
    app.testing = True
    client = app.test_client()
    assert client.get(f"/?token={app.config['AVTAL_TOKEN']}").status_code == 303
    client.environ_base["HTTP_ORIGIN"] = "http://localhost"
    return client


def minimal(**avtal: Any) -> dict[str, Any]:
    data = copy.deepcopy(MINIMAL)
    data["avtal"].update(avtal)
    return data


def post(client, url: str, body: Any, **kwargs: Any):
    return client.post(url, data=json.dumps(body), content_type="application/json", **kwargs)


def places(response) -> dict[str, str]:
    return {p["plats"]: p["meddelande"] for p in response.get_json()["problem"]}


# ---- pages ------------------------------------------------------------------------------------


def test_list_shows_each_agreement_with_title_file_and_check(client) -> None:
    page = client.get("/").get_data(as_text=True)
    assert "Avtal om avtalssamverkan om strukturerad familjebehandling" in page
    assert f"indata/avtal/{FAMILY}.json" in page
    assert "utan fel" in page
    assert f'href="/avtal/{FAMILY}"' in page


def test_list_offers_every_kind_the_schema_allows(client) -> None:
    page = client.get("/").get_data(as_text=True)
    for kind in load_schema(AGREEMENT_SCHEMA)["properties"]["avtal"]["properties"]["typ"]["enum"]:
        assert f'<option value="{kind}">' in page
    assert ">Tilläggsavtal<" in page and ">Avsiktsförklaring<" in page


def test_list_escapes_a_title_with_markup(client, folders) -> None:
    data = minimal(titel="<script>alert('x')</script>")
    (folders["indata"] / "minsta-avtalet.json").write_text(json.dumps(data), encoding="utf-8")
    page = client.get("/").get_data(as_text=True)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(" in page


def test_form_escapes_values_that_look_like_markup(client, folders) -> None:
    data = minimal(titel="</textarea><script>alert(1)</script>")
    data["parter"][0]["namn"] = '"><img src=x onerror=alert(1)>'
    (folders["indata"] / "minsta-avtalet.json").write_text(json.dumps(data), encoding="utf-8")
    page = client.get("/avtal/minsta-avtalet").get_data(as_text=True)
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;/textarea&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert '>&#34;&gt;&lt;img src=x onerror=alert(1)&gt;</textarea>' in page


def test_unknown_pages_answer_in_swedish(client) -> None:
    response = client.get("/finns/inte")
    assert response.status_code == 404 and "Sidan eller filen finns inte." in response.get_data(as_text=True)


def test_list_names_a_file_that_is_not_json_instead_of_linking_it(client, folders) -> None:
    (folders["indata"] / "trasig.json").write_text('{"avtal": ', encoding="utf-8")
    page = client.get("/").get_data(as_text=True)
    assert "kan inte öppnas" in page and "ogiltig JSON" in page
    assert 'href="/avtal/trasig"' not in page


@pytest.mark.parametrize("kind", load_schema(AGREEMENT_SCHEMA)["properties"]["avtal"]["properties"]["typ"]["enum"])
def test_new_form_for_each_kind_has_the_kind_chosen_and_two_empty_parties(client, kind: str) -> None:
    response = client.get(f"/nytt?typ={kind}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<option value="{kind}" selected>' in page
    parties = page.split('data-key="parter"', 1)[1].split("item-template", 1)[0]
    assert parties.count('class="item"') == 2
    assert "Inte sparat ännu" in page


def sections(page: str) -> dict[str, Any]:
    """The form's top-level sections by key, as lxml elements."""
    tree = lxml.html.fromstring(page)
    return {el.get("id").removeprefix("avsnitt-"): el for el in tree.xpath('//section[starts-with(@id, "avsnitt-")]')}


def shown(element: Any) -> bool:
    """Whether neither the element nor anything around it is hidden."""
    return not any(e.get("hidden") is not None for e in element.iterancestors()) and element.get("hidden") is None


def rows(section: Any) -> int:
    return len(section.xpath('./div[@data-kind="array"]/div[@class="items"]/div[@class="item"]'))


def test_new_avtalssamverkan_starts_with_its_required_sections_and_a_task_row(client) -> None:
    found = sections(client.get("/nytt?typ=avtalssamverkan").get_data(as_text=True))
    for key in ("uppgifter", "ekonomi", "personuppgifter"):
        assert shown(found[key]) and found[key][0].get("data-required") == "1", key
        assert "Obligatoriskt i en avtalssamverkan" in found[key].text_content()
    assert rows(found["uppgifter"]) == 1
    assert not found["ekonomi"].xpath('./div/label[@class="include"][not(@hidden)]')  # no switch: it is required
    assert [k for k in ("andringar", "interim", "avsikt") if shown(found[k])] == []
    role = found["parter"].xpath('.//div[@data-key="roll"]')[0]
    assert role.get("data-required") == "1" and role.xpath('./label/span[@class="req"][not(@hidden)]')


def test_new_tillaggsavtal_starts_with_andringar_and_huvudavtal_and_without_ekonomi(client) -> None:
    found = sections(client.get("/nytt?typ=tillaggsavtal").get_data(as_text=True))
    assert shown(found["andringar"]) and rows(found["andringar"]) == 1
    main = found["avtal"].xpath('.//div[@data-key="huvudavtal"]')[0]
    assert shown(main) and main.get("data-required") == "1" and main.get("data-include") == "1"
    assert main.xpath('./label[@class="include"]')[0].get("hidden") is not None
    assert [shown(f) for f in main.xpath('.//div[@data-key="titel" or @data-key="diarienummer" or @data-key="datum"]')] == [True] * 3
    assert not shown(found["ekonomi"]) and found["ekonomi"][0].get("data-unused") == "1"
    assert [k for k in ("uppgifter", "personuppgifter", "tvist", "force_majeure", "uppsagning") if shown(found[k])] == []
    role = found["parter"].xpath('.//div[@data-key="roll"]')[0]
    assert role.get("data-required") is None and role.xpath('./label/span[@class="req"]')[0].get("hidden") is not None


def test_new_avsiktsforklaring_has_no_pub_or_cost_sections(client) -> None:
    page = client.get("/nytt?typ=avsiktsforklaring").get_data(as_text=True)
    found = sections(page)
    assert not shown(found["personuppgifter"]) and not shown(found["ekonomi"])
    assert shown(found["avsikt"]) and found["avsikt"][0].get("data-required") == "1"
    assert len(found["avsikt"].xpath('.//div[@data-key="utredning"]/div[@class="items"]/div[@class="item"]')) == 1
    toc = lxml.html.fromstring(page).xpath('//ol[@class="toc"]/li[not(@hidden)]/a/@data-section')
    assert "ekonomi" not in toc and "personuppgifter" not in toc and "avsikt" in toc


def test_an_opened_file_shows_the_sections_of_its_own_kind(client, folders) -> None:
    shutil.copy(EXAMPLES / "vgr-digitala-hjalpmedel-tillagg.json", folders["indata"])
    found = sections(client.get("/avtal/vgr-digitala-hjalpmedel-tillagg").get_data(as_text=True))
    assert shown(found["andringar"]) and rows(found["andringar"]) == len(read_example("vgr-digitala-hjalpmedel-tillagg")["andringar"])
    assert not shown(found["ekonomi"])


def test_an_opened_file_keeps_a_section_its_kind_does_not_use_hidden_but_in_the_page(client, folders) -> None:
    data = read_example("vgr-digitala-hjalpmedel-tillagg")
    data["ekonomi"] = read_example(FAMILY)["ekonomi"]
    (folders["indata"] / "tillagg-med-ekonomi.json").write_text(json.dumps(data), encoding="utf-8")
    page = client.get("/avtal/tillagg-med-ekonomi").get_data(as_text=True)
    found = sections(page)
    assert not shown(found["ekonomi"]) and found["ekonomi"][0].get("data-unused") == "1"
    assert 'value="1\u00a0250\u00a0000"' in lxml.html.tostring(found["ekonomi"], encoding="unicode")  # kept until a save leaves it out
    problems = json.loads(page.split('id="initial-problems">', 1)[1].split("</script>", 1)[0])
    assert "kommer inte med i ett tilläggsavtal" in {p["plats"]: p["meddelande"] for p in problems}["$.ekonomi"]


@pytest.mark.parametrize("kind", ["", "hyresavtal", ["tillaggsavtal"]])
def test_an_opened_file_without_a_known_kind_hides_no_section(client, folders, kind: Any) -> None:
    (folders["indata"] / "minsta-avtalet.json").write_text(json.dumps(minimal(typ=kind)), encoding="utf-8")
    found = sections(client.get("/avtal/minsta-avtalet").get_data(as_text=True))
    assert [k for k, el in found.items() if not shown(el)] == []


def test_list_names_a_file_whose_name_is_no_agreement_id(client, folders) -> None:
    (folders["indata"] / "Mitt Avtal.json").write_text(json.dumps(minimal()), encoding="utf-8")
    page = client.get("/").get_data(as_text=True)
    assert "Mitt Avtal.json" in page and "filnamnet är inget giltigt avtals-id" in page


def test_new_form_refuses_an_unknown_kind(client) -> None:
    response = client.get("/nytt?typ=hyresavtal")
    assert response.status_code == 400
    assert "Okänd avtalstyp" in response.get_data(as_text=True)


def test_form_shows_titles_descriptions_values_and_standard_texts_from_the_schema(client) -> None:
    page = client.get(f"/avtal/{FAMILY}").get_data(as_text=True)
    assert "Organisationsnummer" in page and "Tio siffror i formen NNNNNN-NNNN" in page
    assert 'value="212000-9994"' in page
    assert 'value="1\u00a0250\u00a0000"' in page  # kostnad_ar with Swedish grouping
    assert '<span class="unit">kr</span>' in page
    assert 'placeholder="ÅÅÅÅ-MM-DD"\n           value="2024-03-01"' in page
    assert "9 kap. 37 § kommunallagen (2017:725)" in page  # avtal.lagrum's default, shown as standard text
    assert 'placeholder="30 (standard)"' in page  # betalningsvillkor_dagar


def test_form_sections_follow_the_schema_order(client) -> None:
    page = client.get(f"/avtal/{FAMILY}").get_data(as_text=True)
    order = [k for k in load_schema(AGREEMENT_SCHEMA)["properties"] if k != "$schema"]
    positions = [page.index(f'id="avsnitt-{key}"') for key in order]
    assert positions == sorted(positions)


def test_form_keeps_a_value_of_the_wrong_type_and_an_unknown_field_visible(client, folders) -> None:
    data = minimal()
    data["avtal"]["datum"] = "2025-13-45"
    data["ekonomi"]["ersattning_ar"] = "hundratusen"
    data["avtal"]["anteckning"] = "<b>intern</b>"
    (folders["indata"] / "minsta-avtalet.json").write_text(json.dumps(data), encoding="utf-8")
    page = client.get("/avtal/minsta-avtalet").get_data(as_text=True)
    assert "&#34;2025-13-45&#34;" in page and "&#34;hundratusen&#34;" in page
    assert "Okänt fält “anteckning”" in page and "&lt;b&gt;intern&lt;/b&gt;" in page
    problems = json.loads(page.split('id="initial-problems">', 1)[1].split("</script>", 1)[0])
    assert {p["plats"] for p in problems} >= {"$.avtal.datum", "$.avtal.anteckning", "$.ekonomi.ersattning_ar"}


def test_open_refuses_an_unsafe_id_and_a_missing_file(client) -> None:
    assert client.get("/avtal/..%2F..%2Fetc%2Fpasswd").status_code in (400, 404)
    response = client.get("/avtal/Stora_Bokstaver")
    assert response.status_code == 400 and "Ogiltigt avtals-id" in response.get_data(as_text=True)
    response = client.get("/avtal/finns-inte")
    assert response.status_code == 404 and "Det finns inget avtal finns-inte" in response.get_data(as_text=True)


def test_open_refuses_a_file_that_is_not_json_and_says_where(client, folders) -> None:
    (folders["indata"] / "trasig.json").write_text('{"avtal": {"id": "x",}}', encoding="utf-8")
    response = client.get("/avtal/trasig")
    assert response.status_code == 422
    assert "rad 1, kolumn" in response.get_data(as_text=True)


def test_pages_carry_a_content_security_policy_and_load_nothing_from_elsewhere(client) -> None:
    response = client.get(f"/avtal/{FAMILY}")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Referrer-Policy"] == "same-origin"  # a plain form post then carries the form's own Origin
    page = response.get_data(as_text=True)
    assert "http://" not in page.replace("http://127.0.0.1", "") and "https://" not in page.replace("https://json-schema.org", "")
    for asset in ("/static/redigera.js", "/static/redigera.css", "/static/favicon.svg"):
        assert asset in page and client.get(asset).status_code == 200


# ---- checking -----------------------------------------------------------------------------------


def test_check_of_a_valid_agreement_reports_no_error(client) -> None:
    response = post(client, "/api/kontrollera", {"data": minimal(), "fil": None})
    assert response.status_code == 200
    assert [p for p in response.get_json()["problem"] if p["allvar"] == "fel"] == []


def test_check_reports_a_wrong_organisation_number_at_its_place(client) -> None:
    data = minimal()
    data["parter"][1]["organisationsnummer"] = "212000-1356"
    found = places(post(client, "/api/kontrollera", {"data": data, "fil": None}))
    assert "kontrollsiffran" in found["$.parter[1].organisationsnummer"]


def test_check_reports_schema_errors_with_their_json_paths(client) -> None:
    data = minimal()
    del data["parter"][0]["namn"]
    data["avtal"]["datum"] = "2025-02-30"
    found = places(post(client, "/api/kontrollera", {"data": data, "fil": None}))
    assert found["$.parter[0].namn"] == "obligatoriskt fält saknas"
    assert "ska vara ett datum" in found["$.avtal.datum"]


def test_check_reports_an_id_another_file_already_uses(client) -> None:
    found = places(post(client, "/api/kontrollera", {"data": minimal(id=FAMILY), "fil": None}))
    assert "används redan av" in found["$.avtal.id"] and f"{FAMILY}.json" in found["$.avtal.id"]


def test_check_of_the_opened_file_itself_is_not_a_duplicate(client) -> None:
    data = json.loads((EXAMPLES / f"{FAMILY}.json").read_text(encoding="utf-8"))
    assert "$.avtal.id" not in places(post(client, "/api/kontrollera", {"data": data, "fil": FAMILY}))
    assert "används redan" in places(post(client, "/api/kontrollera", {"data": data, "fil": None}))["$.avtal.id"]


# ---- saving -------------------------------------------------------------------------------------


def test_save_writes_a_new_file_pretty_printed_with_keys_in_schema_order(client, folders) -> None:
    data = minimal()
    shuffled = {key: data[key] for key in reversed(list(data))}
    shuffled["avtal"] = {key: data["avtal"][key] for key in reversed(list(data["avtal"]))}
    response = post(client, "/api/spara", {"data": shuffled, "fil": None, "version": None})
    assert response.status_code == 200, response.get_json()
    target = folders["indata"] / "minsta-avtalet.json"
    text = target.read_text(encoding="utf-8")
    assert list(json.loads(text)) == list(MINIMAL)
    assert list(json.loads(text)["avtal"]) == list(MINIMAL["avtal"])
    assert text == json.dumps(json.loads(text), ensure_ascii=False, indent=2) + "\n"
    assert "Göteborgs kommun" in text
    assert response.get_json()["id"] == "minsta-avtalet"
    assert [p.name for p in folders["indata"].iterdir() if p.name.startswith(".")] == [SAVE_LOCK]  # no temporary file left


def test_save_refuses_a_file_changed_on_disk_since_it_was_opened(client, folders) -> None:
    target = folders["indata"] / f"{FAMILY}.json"
    data = json.loads(target.read_text(encoding="utf-8"))
    version = saved_version(client, FAMILY)
    target.write_text(target.read_text(encoding="utf-8").replace("SN 2024/0117", "SN 2024/9999"), encoding="utf-8")
    changed = target.read_bytes()
    data["avtal"]["titel"] = "Ny titel"
    response = post(client, "/api/spara", {"data": data, "fil": FAMILY, "version": version})
    assert response.status_code == 409
    assert "har ändrats på disken" in response.get_json()["meddelande"]
    assert target.read_bytes() == changed
    response = post(client, "/api/spara", {"data": data, "fil": FAMILY, "version": version, "skriv_over": True})
    assert response.status_code == 200
    assert json.loads(target.read_text(encoding="utf-8"))["avtal"]["titel"] == "Ny titel"


def test_save_of_a_new_agreement_never_overwrites_an_existing_file(client, folders) -> None:
    target = folders["indata"] / f"{FAMILY}.json"
    before = target.read_bytes()
    response = post(client, "/api/spara", {"data": minimal(id=FAMILY), "fil": None, "version": None, "skriv_over": True})
    assert response.status_code == 409
    assert "finns redan ett avtal" in response.get_json()["meddelande"]
    assert target.read_bytes() == before


def test_save_with_a_new_id_renames_the_file(client, folders) -> None:
    post(client, "/api/spara", {"data": minimal(), "fil": None, "version": None})
    version = saved_version(client, "minsta-avtalet")
    response = post(client, "/api/spara", {"data": minimal(id="nytt-namn"), "fil": "minsta-avtalet", "version": version})
    assert response.status_code == 200
    assert response.get_json()["renamed_from"] == "minsta-avtalet"
    assert (folders["indata"] / "nytt-namn.json").exists()
    assert not (folders["indata"] / "minsta-avtalet.json").exists()


def test_save_of_a_draft_with_errors_keeps_it_and_lists_the_errors(client, folders) -> None:
    data = minimal()
    data["parter"][1]["organisationsnummer"] = "212000-1356"
    response = post(client, "/api/spara", {"data": data, "fil": None, "version": None})
    assert response.status_code == 200
    assert "kontrollsiffran" in places(response)["$.parter[1].organisationsnummer"]
    assert (folders["indata"] / "minsta-avtalet.json").exists()


@pytest.mark.parametrize("bad_id", [None, "", "../utanfor", "Versaler", "a" * 200])
def test_save_refuses_an_unsafe_or_missing_id_and_writes_nothing(client, folders, bad_id) -> None:
    before = sorted(p.name for p in folders["indata"].parent.rglob("*"))
    data = minimal()
    data["avtal"]["id"] = bad_id
    response = post(client, "/api/spara", {"data": data, "fil": None, "version": None})
    assert response.status_code == 422
    assert "ange ett giltigt avtals-id" in places(response)["$.avtal.id"]
    assert sorted(p.name for p in folders["indata"].parent.rglob("*")) == before


def test_save_refuses_an_unsafe_id_for_the_opened_file(client) -> None:
    response = post(client, "/api/spara", {"data": minimal(), "fil": "../../etc/passwd", "version": None})
    assert response.status_code == 400
    assert "Ogiltigt avtals-id" in response.get_json()["meddelande"]


# ---- generating and documents -------------------------------------------------------------------


def saved_version(client, agreement: str) -> str:
    page = client.get(f"/avtal/{agreement}").get_data(as_text=True)
    return str(json.loads(page.split('id="meta">', 1)[1].split("</script>", 1)[0])["version"])


class Finished:
    """A generate job read until it finished, answering as a response: 200 when the documents were made, else 422."""

    def __init__(self, view: dict[str, Any]) -> None:
        self.view = view
        self.status_code = 200 if view["tillstand"] == "klar" else 422

    def get_json(self) -> dict[str, Any]:
        return self.view


def generate_job(client, agreement: str, version: str | None = None) -> Any:
    """POST /api/generera and, when it starts a job (202), read the job until it is finished; other answers as they are."""
    started = post(client, "/api/generera", {"fil": agreement, "version": version or saved_version(client, agreement)})
    if started.status_code != 202:
        return started
    url = started.get_json()["url"]
    for _ in range(2400):
        view = client.get(url).get_json()
        if view["tillstand"] != "pagar":
            return Finished(view)
        time.sleep(0.05)
    raise AssertionError(f"the job did not finish: {view}")


def test_generate_makes_the_documents_and_serves_the_docx_with_the_party_names(client, folders) -> None:
    post(client, "/api/spara", {"data": minimal(), "fil": None, "version": None})
    response = generate_job(client, "minsta-avtalet")
    assert response.status_code == 200, response.get_json()
    assert [s["steg"] for s in response.get_json()["steg"]] == ["kontrollerar", "renderar", "skriver", "rapport"]
    assert all(s["klar"] for s in response.get_json()["steg"])
    assert response.get_json()["steg"][2]["text"] == "Skriver dokumenten (en tidigare version sparas i tidigare/ och jämförs i jamforelse/)"
    documents = {d["namn"]: d["url"] for d in response.get_json()["dokument"]}
    assert list(documents) == ["avtal.docx"]
    download = client.get(documents["avtal.docx"])
    assert download.status_code == 200
    assert "attachment" in download.headers["Content-Disposition"]
    text = "\n".join(p.text for p in Document(io.BytesIO(download.data)).paragraphs)
    assert "Stockholms kommun" in text and "Göteborgs kommun" in text
    assert (folders["utdata"] / "minsta-avtalet" / "avtal.docx").exists()


def test_generate_of_an_agreement_with_errors_writes_nothing_and_names_the_place(client, folders) -> None:
    data = minimal()
    data["parter"][1]["organisationsnummer"] = "212000-1356"
    post(client, "/api/spara", {"data": data, "fil": None, "version": None})
    response = generate_job(client, "minsta-avtalet")
    assert response.status_code == 422 and response.get_json()["tillstand"] == "fel"
    assert "kontrollsiffran" in places(response)["$.parter[1].organisationsnummer"]
    assert not (folders["utdata"] / "minsta-avtalet" / "avtal.docx").exists()


def test_generate_refuses_when_the_file_changed_on_disk(client, folders) -> None:
    post(client, "/api/spara", {"data": minimal(), "fil": None, "version": None})
    response = post(client, "/api/generera", {"fil": "minsta-avtalet", "version": "0" * 64})
    assert response.status_code == 409
    assert "har ändrats på disken" in response.get_json()["meddelande"]


def test_a_job_is_read_only_by_the_form_that_started_it_and_an_unknown_one_is_named(client, folders) -> None:
    post(client, "/api/spara", {"data": minimal(), "fil": None, "version": None})
    started = post(client, "/api/generera", {"fil": "minsta-avtalet", "version": saved_version(client, "minsta-avtalet")})
    assert started.status_code == 202 and started.get_json()["tillstand"] == "pagar"
    url = started.get_json()["url"]
    stranger = create_app(folders["indata"], folders["utdata"], TEMPLATES, THRESHOLDS, pdf=False).test_client()
    assert stranger.get(url).status_code == 403  # no cookie of this start
    assert generate_job(client, "minsta-avtalet", saved_version(client, "minsta-avtalet")).status_code == 200
    unknown = client.get("/api/jobb/finns-inte")
    assert unknown.status_code == 404 and "ingen sådan körning" in unknown.get_json()["meddelande"]


def test_generate_needs_a_saved_agreement(client) -> None:
    response = post(client, "/api/generera", {"fil": None, "version": None})
    assert response.status_code == 400 and "Spara avtalet" in response.get_json()["meddelande"]


def test_documents_outside_the_generated_set_are_not_served(client, folders) -> None:
    (folders["utdata"] / FAMILY).mkdir(parents=True)
    (folders["utdata"] / FAMILY / "hemlig.txt").write_text("x", encoding="utf-8")
    (folders["utdata"] / "manifest.json").write_text("{}", encoding="utf-8")
    assert client.get(f"/utdata/{FAMILY}/hemlig.txt").status_code == 404
    assert client.get(f"/utdata/{FAMILY}/avtal.docx").status_code == 404
    assert client.get("/utdata/..%2F/manifest.json", follow_redirects=True).status_code in (400, 404)
    assert client.get("/utdata/%2E%2E/manifest.json").status_code in (400, 404)


# ---- deleting -----------------------------------------------------------------------------------


def confirm_page(client, agreement: str, version: str | None = None) -> Any:
    return client.get(f"/avtal/{agreement}/ta-bort" + (f"?version={version}" if version else ""))


def remove(client, agreement: str, version: str | None, **kwargs: Any) -> Any:
    return client.post(f"/avtal/{agreement}/ta-bort", data={} if version is None else {"version": version}, **kwargs)


def page_text(response: Any) -> str:
    """The page's text as the user reads it: markup gone, white space collapsed."""
    return " ".join(lxml.html.fromstring(response.get_data(as_text=True)).text_content().split())


def trashed(folders: dict[str, Path]) -> list[str]:
    folder = folders["indata"] / ".borttagna"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_the_edit_page_and_the_list_link_to_the_confirmation_with_the_version_they_saw(client, folders) -> None:
    version = saved_version(client, FAMILY)
    edit = lxml.html.fromstring(client.get(f"/avtal/{FAMILY}").get_data(as_text=True))
    assert edit.xpath('//a[@id="remove"]/@href') == [f"/avtal/{FAMILY}/ta-bort?version={version}"]
    listed = lxml.html.fromstring(client.get("/").get_data(as_text=True))
    assert listed.xpath('//a[@class="button small remove-link"]/@href') == [f"/avtal/{FAMILY}/ta-bort?version={version}"]
    new = lxml.html.fromstring(client.get("/nytt?typ=avtalssamverkan").get_data(as_text=True))
    assert new.xpath('//a[@id="remove"]')[0].get("hidden") is not None  # nothing on disk to delete yet


def test_delete_asks_first_and_says_where_the_file_goes_and_that_documents_stay(client, folders) -> None:
    target = folders["indata"] / f"{FAMILY}.json"
    before = target.read_bytes()
    response = confirm_page(client, FAMILY, saved_version(client, FAMILY))
    assert response.status_code == 200
    page = lxml.html.fromstring(response.get_data(as_text=True))
    text = " ".join(page.text_content().split())
    assert "Ta bort avtalet?" in text and "Avtal om avtalssamverkan om strukturerad familjebehandling" in text
    assert f"Filen raderas inte: den flyttas till {folders['indata']}/.borttagna/ med dagens datum först i namnet" in text
    assert f"Dokument som redan har genererats av avtalet i {folders['utdata']}/ tas inte bort; de finns kvar som handlingar" in text
    form = page.xpath("//form[@method='post']")[0]
    assert form.get("action") == f"/avtal/{FAMILY}/ta-bort"
    assert form.xpath(".//input[@name='version']/@value") == [saved_version(client, FAMILY)]
    assert target.read_bytes() == before and trashed(folders) == []  # asking changes nothing


def test_delete_moves_the_file_into_borttagna_under_todays_date_and_the_list_no_longer_shows_it(client, folders) -> None:
    target = folders["indata"] / f"{FAMILY}.json"
    before = target.read_bytes()
    response = remove(client, FAMILY, saved_version(client, FAMILY))
    assert response.status_code == 200
    moved = folders["indata"] / ".borttagna" / f"{dt.date.today().isoformat()}-{FAMILY}.json"
    assert not target.exists() and moved.read_bytes() == before
    notice = " ".join(lxml.html.fromstring(response.get_data(as_text=True)).xpath('//div[@id="removed"]')[0].text_content().split())
    assert f"Avtalet {FAMILY} är borttaget. Filen flyttades till {moved}" in notice
    assert f"flytta tillbaka den till {folders['indata']}/ om du ångrar dig" in notice
    assert f"Dokument som redan har genererats av avtalet i {folders['utdata']}/ finns kvar som handlingar" in notice
    page = client.get("/").get_data(as_text=True)
    assert "strukturerad familjebehandling" not in page and "Inga avtal ännu." in page
    assert client.get(f"/avtal/{FAMILY}").status_code == 404


def test_delete_of_a_generated_agreement_keeps_its_documents_and_says_so(client, folders) -> None:
    post(client, "/api/spara", {"data": minimal(), "fil": None, "version": None})
    generated = generate_job(client, "minsta-avtalet")
    assert generated.status_code == 200, generated.get_json()
    document = folders["utdata"] / "minsta-avtalet" / "avtal.docx"
    issued = document.read_bytes()
    confirm = " ".join(lxml.html.fromstring(confirm_page(client, "minsta-avtalet").get_data(as_text=True)).text_content().split())
    assert f"De dokument som redan har genererats i {folders['utdata']}/minsta-avtalet/ tas inte bort; de finns kvar som handlingar" in confirm
    response = remove(client, "minsta-avtalet", saved_version(client, "minsta-avtalet"))
    assert response.status_code == 200
    assert f"De dokument som redan har genererats i {folders['utdata']}/minsta-avtalet/ finns kvar som handlingar" in page_text(response)
    assert document.read_bytes() == issued


def test_a_second_delete_of_the_same_name_on_the_same_day_gets_its_own_name(client, folders) -> None:
    target = folders["indata"] / f"{FAMILY}.json"
    first = target.read_bytes()
    assert remove(client, FAMILY, saved_version(client, FAMILY)).status_code == 200
    target.write_text(first.decode("utf-8").replace("SN 2024/0117", "SN 2024/0118"), encoding="utf-8")
    second = target.read_bytes()
    assert remove(client, FAMILY, saved_version(client, FAMILY)).status_code == 200
    day = dt.date.today().isoformat()
    assert trashed(folders) == [f"{day}-{FAMILY}-2.json", f"{day}-{FAMILY}.json"]
    assert (folders["indata"] / ".borttagna" / f"{day}-{FAMILY}.json").read_bytes() == first
    assert (folders["indata"] / ".borttagna" / f"{day}-{FAMILY}-2.json").read_bytes() == second


def test_delete_refuses_a_file_changed_on_disk_since_the_page_was_loaded(client, folders) -> None:
    target = folders["indata"] / f"{FAMILY}.json"
    version = saved_version(client, FAMILY)
    target.write_text(target.read_text(encoding="utf-8").replace("SN 2024/0117", "SN 2024/9999"), encoding="utf-8")
    changed = target.read_bytes()
    page = confirm_page(client, FAMILY, version)
    assert page.status_code == 409
    tree = lxml.html.fromstring(page.get_data(as_text=True))
    assert "har ändrats på disken sedan du öppnade sidan" in tree.text_content() and not tree.xpath("//form[@method='post']")
    response = remove(client, FAMILY, version)
    assert response.status_code == 409
    text = " ".join(lxml.html.fromstring(response.get_data(as_text=True)).text_content().split())
    assert "Avtalet togs inte bort: filen har ändrats på disken sedan du öppnade sidan" in text
    assert f"{target}: filen har ändrats på disken sedan du öppnade den; den togs inte bort" in text
    assert target.read_bytes() == changed and trashed(folders) == []
    assert remove(client, FAMILY, None).status_code == 409 and target.exists()  # no version: not the page's file


def test_delete_of_a_file_already_gone_is_refused_in_swedish(client, folders) -> None:
    version = saved_version(client, FAMILY)
    (folders["indata"] / f"{FAMILY}.json").unlink()
    response = remove(client, FAMILY, version)
    assert response.status_code == 404 and f"Det finns inget avtal {FAMILY}" in response.get_data(as_text=True)


@pytest.mark.parametrize("unsafe", ["..%2F..%2Fetc%2Fpasswd", "Versaler", "a" * 200, "%2E%2E"])
def test_delete_refuses_an_unsafe_id_as_saving_does(client, folders, unsafe: str) -> None:
    before = sorted(str(p) for p in folders["indata"].parent.parent.rglob("*"))
    response = remove(client, unsafe, "0" * 64)
    assert response.status_code in (400, 404)
    if response.status_code == 400:
        assert "Ogiltigt avtals-id" in response.get_data(as_text=True)
    assert confirm_page(client, unsafe).status_code in (400, 404)
    assert sorted(str(p) for p in folders["indata"].parent.parent.rglob("*")) == before


def test_delete_refuses_a_link_that_leads_out_of_the_folder(client, folders, tmp_path: Path) -> None:
    outside = tmp_path / "utanfor.json"
    outside.write_text(json.dumps(minimal(id="utanfor")), encoding="utf-8")
    link = folders["indata"] / "utanfor.json"
    link.symlink_to(outside)
    for response in (confirm_page(client, "utanfor"), remove(client, "utanfor", file_hash_of(outside))):
        assert response.status_code == 422
        assert "filen ligger inte i mappen med avtalsdata" in response.get_data(as_text=True)
    assert link.is_symlink() and outside.exists() and trashed(folders) == []
    assert "filen ligger inte i mappen med avtalsdata" in client.get("/").get_data(as_text=True)  # listed, never read


def test_delete_never_follows_or_moves_a_link_inside_the_folder(client, folders) -> None:
    link = folders["indata"] / "lank.json"
    link.symlink_to(f"{FAMILY}.json")
    version = file_hash_of(folders["indata"] / f"{FAMILY}.json")
    for response in (confirm_page(client, "lank", version), remove(client, "lank", version)):
        assert response.status_code == 422
        assert f"{link}: är en symbolisk länk; formuläret tar aldrig bort något genom en länk" in response.get_data(as_text=True)
    assert link.is_symlink() and (folders["indata"] / f"{FAMILY}.json").exists() and trashed(folders) == []


def test_delete_never_moves_a_file_through_a_borttagna_folder_that_is_a_link(client, folders, tmp_path: Path) -> None:
    elsewhere = tmp_path / "nagon-annanstans"
    elsewhere.mkdir()
    (folders["indata"] / ".borttagna").symlink_to(elsewhere)
    response = remove(client, FAMILY, saved_version(client, FAMILY))
    assert response.status_code == 422
    assert f"{folders['indata']}/.borttagna: är en symbolisk länk; borttagna avtal flyttas aldrig genom länkar" in response.get_data(as_text=True)
    assert (folders["indata"] / f"{FAMILY}.json").exists() and list(elsewhere.iterdir()) == []


def test_delete_refuses_when_borttagna_is_a_file_and_keeps_both(client, folders) -> None:
    blocker = folders["indata"] / ".borttagna"
    blocker.write_text("inte en mapp", encoding="utf-8")
    response = remove(client, FAMILY, saved_version(client, FAMILY))
    assert response.status_code == 422
    assert f"{blocker}: finns redan och är ingen mapp; flytta undan den och försök igen" in page_text(response)
    assert "Avtalet togs inte bort; filen ligger kvar." in page_text(response)
    assert (folders["indata"] / f"{FAMILY}.json").exists() and blocker.read_text(encoding="utf-8") == "inte en mapp"


def test_delete_of_a_file_that_is_not_json_works_from_the_list(client, folders) -> None:
    broken = folders["indata"] / "trasig.json"
    broken.write_text('{"avtal": ', encoding="utf-8")
    href = lxml.html.fromstring(client.get("/").get_data(as_text=True)).xpath('//a[@aria-label="Ta bort trasig"]/@href')[0]
    assert "trasig.json" in client.get(href).get_data(as_text=True)
    assert remove(client, "trasig", file_hash_of(broken)).status_code == 200
    assert not broken.exists() and trashed(folders) == [f"{dt.date.today().isoformat()}-trasig.json"]


def test_delete_from_another_origin_is_refused(client, folders) -> None:
    for origin in ("http://angripare.example", "null"):  # "null": a sandboxed frame, or a page that sends no referrer
        response = remove(client, FAMILY, saved_version(client, FAMILY), headers={"Origin": origin})
        assert response.status_code == 403
    assert (folders["indata"] / f"{FAMILY}.json").exists() and trashed(folders) == []
    assert client.get(f"/avtal/{FAMILY}/ta-bort", headers={"Host": "angripare.example"}).status_code == 403


def test_delete_is_a_post_only(client, folders) -> None:
    assert client.put(f"/avtal/{FAMILY}/ta-bort", data={"version": saved_version(client, FAMILY)}).status_code == 405
    assert (folders["indata"] / f"{FAMILY}.json").exists()


def test_generate_and_validate_never_read_the_deleted_files(client, folders) -> None:
    from click.testing import CliRunner

    from avtalsgenerator.cli import main
    from avtalsgenerator.output.pipeline import agreement_files

    post(client, "/api/spara", {"data": minimal(), "fil": None, "version": None})
    assert remove(client, FAMILY, saved_version(client, FAMILY)).status_code == 200
    (folders["indata"] / ".borttagna" / "trasig.json").write_text("{inte json", encoding="utf-8")  # would fail any run that read it
    assert agreement_files(None, folders["indata"]) == [folders["indata"] / "minsta-avtalet.json"]
    options = ["--indata", str(folders["indata"]), "--troskelvarden", str(THRESHOLDS)]
    checked = CliRunner().invoke(main, ["validera", *options])
    assert checked.exit_code == 0, checked.output
    assert ".borttagna" not in checked.output and FAMILY not in checked.output
    made = CliRunner().invoke(main, ["generera", *options, "--utdata", str(folders["utdata"]), "--mallar", str(TEMPLATES)])
    assert made.exit_code == 0, made.output
    assert (folders["utdata"] / "minsta-avtalet" / "avtal.docx").exists() and not (folders["utdata"] / FAMILY).exists()


def file_hash_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---- the list's check cache ---------------------------------------------------------------------


@pytest.fixture
def prepare_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every agreement prepare() checks from now on (the form checks a copy, so its title is recorded)."""
    from avtalsgenerator.web import checks as store

    calls: list[str] = []
    real = store.prepare

    def counting(path: Path, *args: Any, **kwargs: Any) -> Any:
        calls.append(str(json.loads(path.read_text(encoding="utf-8")).get("avtal", {}).get("id")))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(store, "prepare", counting)
    return calls


def badges(client) -> dict[str, str]:
    """Each listed file's check column as the list shows it, by file name."""
    tree = lxml.html.fromstring(client.get("/").get_data(as_text=True))
    return {Path(row.xpath("./td[4]")[0].text_content()).name: " ".join(row.xpath("./td[5]")[0].text_content().split())
            for row in tree.xpath('//table[@class="list"]/tbody/tr')}


def test_the_list_does_not_check_an_unchanged_file_again(client, folders, prepare_calls: list[str]) -> None:
    (folders["indata"] / "minsta-avtalet.json").write_text(json.dumps(minimal()), encoding="utf-8")
    first = badges(client)
    assert sorted(prepare_calls) == ["minsta-avtalet", FAMILY]
    assert badges(client) == first
    assert badges(client) == first
    assert sorted(prepare_calls) == ["minsta-avtalet", FAMILY]


def test_the_list_checks_an_edited_file_again_even_with_the_same_size_and_time(client, folders, prepare_calls: list[str]) -> None:
    target = folders["indata"] / "minsta-avtalet.json"
    target.write_text(json.dumps(minimal()), encoding="utf-8")
    assert badges(client)["minsta-avtalet.json"] == "utan fel"
    prepare_calls.clear()
    data = minimal()
    data["parter"][1]["organisationsnummer"] = "212000-1356"  # wrong check digit, same length
    stamp = target.stat()
    target.write_text(json.dumps(data), encoding="utf-8")
    os.utime(target, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert target.stat().st_size == stamp.st_size and target.stat().st_mtime_ns == stamp.st_mtime_ns
    assert badges(client)["minsta-avtalet.json"] == "1 fel"
    assert prepare_calls == ["minsta-avtalet"]
    target.write_text(json.dumps(minimal(titel="Ny titel")), encoding="utf-8")
    assert badges(client)["minsta-avtalet.json"] == "utan fel" and prepare_calls == ["minsta-avtalet"] * 2


def test_editing_the_thresholds_file_checks_every_file_again(folders, tmp_path: Path, prepare_calls: list[str]) -> None:
    thresholds = tmp_path / "troskelvarden.json"
    shutil.copy(THRESHOLDS, thresholds)
    (folders["indata"] / "minsta-avtalet.json").write_text(json.dumps(minimal()), encoding="utf-8")
    client = logged_in(create_app(folders["indata"], folders["utdata"], TEMPLATES, thresholds, pdf=False))
    badges(client)
    badges(client)
    assert sorted(prepare_calls) == ["minsta-avtalet", FAMILY]
    thresholds.write_text(thresholds.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    badges(client)
    assert sorted(prepare_calls) == ["minsta-avtalet", "minsta-avtalet", FAMILY, FAMILY]
    thresholds.write_text("{", encoding="utf-8")  # broken: every file says so at once, none is shown from the cache
    assert set(badges(client).values()) == {"1 fel"}


def test_an_id_clash_shows_in_the_list_although_the_first_file_is_not_checked_again(client, folders, prepare_calls: list[str]) -> None:
    # The example's two warnings: the performing municipality is among the payers (issue 21, point 4), and its amounts
    # are recalculated every year while the cap is tested on today's (ekonomi.indexering_tak).
    assert badges(client) == {f"{FAMILY}.json": "utan fel 2 varningar"}
    (folders["indata"] / "kopia.json").write_text((folders["indata"] / f"{FAMILY}.json").read_text(encoding="utf-8"), encoding="utf-8")
    assert badges(client) == {f"{FAMILY}.json": "1 fel 2 varningar", "kopia.json": "1 fel 2 varningar"}
    assert sorted(prepare_calls) == [FAMILY, FAMILY]  # the copy once; the first file only on the first listing
    (folders["indata"] / "kopia.json").unlink()
    assert badges(client) == {f"{FAMILY}.json": "utan fel 2 varningar"} and len(prepare_calls) == 2


# ---- what the application refuses ---------------------------------------------------------------


def test_a_body_over_the_limit_is_refused_in_swedish(client, folders) -> None:
    body = json.dumps({"data": {"avtal": {"bakgrund": "x" * MAX_BODY_BYTES}}})
    response = client.post("/api/spara", data=body, content_type="application/json")
    assert response.status_code == 413
    assert "för stor" in response.get_json()["meddelande"]
    assert list(folders["indata"].glob("*.json")) == [folders["indata"] / f"{FAMILY}.json"]


def test_a_body_that_is_not_json_is_refused(client) -> None:
    response = client.post("/api/kontrollera", data="data=1", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415 and "JSON" in response.get_json()["meddelande"]
    response = client.post("/api/kontrollera", data="{inte json", content_type="application/json")
    assert response.status_code == 400 and "ogiltig JSON" in response.get_json()["meddelande"]
    response = client.post("/api/kontrollera", data='{"data": NaN}', content_type="application/json")
    assert response.status_code == 400


def test_requests_for_another_host_or_from_another_origin_are_refused(client) -> None:
    response = client.get("/", headers={"Host": "angripare.example"})
    assert response.status_code == 403
    assert "kommer inte från formuläret på den här datorn" in response.get_data(as_text=True)
    response = post(client, "/api/kontrollera", {"data": {}}, headers={"Origin": "http://angripare.example"})
    assert response.status_code == 403
    assert post(client, "/api/kontrollera", {"data": {}}, headers={"Origin": "http://localhost:3000"}).status_code == 403
    assert post(client, "/api/kontrollera", {"data": {}}, headers={"Origin": "http://localhost"}).status_code == 200


def test_an_unexpected_error_is_answered_in_swedish(client, monkeypatch: pytest.MonkeyPatch) -> None:
    from avtalsgenerator.web import checks as store

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("trasig")

    monkeypatch.setattr(store, "prepare", broken)
    client.application.testing = False
    response = post(client, "/api/kontrollera", {"data": minimal()})
    assert response.status_code == 500
    assert "Ett oväntat fel inträffade i formuläret" in response.get_json()["meddelande"]
    assert "RuntimeError" not in response.get_json()["meddelande"]


def test_get_is_not_allowed_on_the_api(client) -> None:
    response = client.get("/api/spara")
    assert response.status_code == 405 and "inte tillåten" in response.get_json()["meddelande"]


# ---- the server and the command -----------------------------------------------------------------


def test_serve_listens_on_127_0_0_1_only_and_answers(monkeypatch: pytest.MonkeyPatch, folders) -> None:
    import werkzeug.serving

    from avtalsgenerator.web.app import serve

    real = werkzeug.serving.make_server
    servers: list[Any] = []

    def spy(host: str, port: int, app: Any, **kwargs: Any) -> Any:
        servers.append(real(host, port, app, **kwargs))
        return servers[-1]

    monkeypatch.setattr(werkzeug.serving, "make_server", spy)
    answers: list[str] = []

    def ready(url: str) -> None:
        def fetch_and_stop() -> None:
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
            with opener.open(url, timeout=30) as response:
                answers.append(response.read().decode("utf-8"))
            servers[0].shutdown()

        threading.Thread(target=fetch_and_stop).start()

    serve(create_app(folders["indata"], folders["utdata"], TEMPLATES, THRESHOLDS, pdf=False), 0, ready)
    assert servers[0].host == "127.0.0.1"
    assert "Avtal om avtalssamverkan om strukturerad familjebehandling" in answers[0]


def test_redigera_says_in_swedish_when_the_port_is_taken(folders) -> None:
    from click.testing import CliRunner

    from avtalsgenerator.cli import main

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["redigera", "--inte-oppna", "--port", str(port), "--indata", str(folders["indata"]),
                                           "--utdata", str(folders["utdata"]), "--mallar", str(TEMPLATES), "--troskelvarden", str(THRESHOLDS)])
    assert result.exit_code == 1
    assert f"127.0.0.1:{port}: formuläret kan inte starta" in result.output
    assert "--port" in result.output


# ---- drafts with errors ---------------------------------------------------------------------------


def test_a_decimal_where_a_whole_number_belongs_is_saved_and_the_draft_still_lists_and_opens(client, folders) -> None:
    data = read_example(FAMILY)
    data["avtal"]["id"] = "decimal-i-heltal"
    data["ekonomi"]["kostnad_ar"] = 2.5
    saved = post(client, "/api/spara", {"data": data, "fil": None, "version": None})
    assert saved.status_code == 200 and "heltal" in places(saved)["$.ekonomi.kostnad_ar"]
    listing = client.get("/")
    assert listing.status_code == 200
    assert "1 fel" in page_text(listing)
    opened = client.get("/avtal/decimal-i-heltal")
    assert opened.status_code == 200, page_text(opened)
    field = lxml.html.fromstring(opened.get_data(as_text=True)).xpath('//*[@data-key="kostnad_ar"]//input')[0]
    assert field.get("value") == "2,5"  # shown as typed, in its own field, with the error beside it after the check
    for response in (listing, opened):
        assert "Error" not in response.get_data(as_text=True)


def test_the_records_of_a_file_are_found_whether_its_path_is_relative_or_absolute(folders, monkeypatch: pytest.MonkeyPatch) -> None:
    from avtalsgenerator.output import pipeline
    from avtalsgenerator.web.routes import recorded_ids

    monkeypatch.chdir(folders["indata"].parent.parent)
    relative = Path("indata") / "avtal" / f"{FAMILY}.json"
    made = pipeline.generate([relative], utdata=Path("utdata"), indata=Path("indata/avtal"), mallar=TEMPLATES, troskelvarden=THRESHOLDS, pdf=False)
    assert made.ok, made.problems
    assert recorded_ids(Path("utdata"), relative) == [FAMILY]
    assert recorded_ids(folders["utdata"], folders["indata"] / f"{FAMILY}.json") == [FAMILY]


# ---- who gets in: the token of this start ---------------------------------------------------------


@pytest.fixture
def app(folders: dict[str, Path]) -> Any:
    return create_app(folders["indata"], folders["utdata"], TEMPLATES, THRESHOLDS, pdf=False, token="hemlig-nyckel-for-testet")


def test_every_request_without_the_token_cookie_is_refused_in_swedish(app) -> None:
    stranger = app.test_client()  # another local user: right host, no cookie
    for response in (stranger.get("/"), stranger.get(f"/avtal/{FAMILY}"), stranger.get("/static/redigera.js"),
                     post(stranger, "/api/kontrollera", {"data": {}}, headers={"Origin": "http://localhost"})):
        assert response.status_code == 403
        assert "Öppna adressen som avtal redigera skrev ut" in response.get_data(as_text=True)
    assert stranger.get("/?token=gissad").status_code == 403


def test_the_start_address_exchanges_the_token_for_an_httponly_strict_cookie_and_drops_it_from_the_address(app) -> None:
    browser = app.test_client()
    response = browser.get(f"/avtal/{FAMILY}?token=hemlig-nyckel-for-testet")
    assert response.status_code == 303 and response.headers["Location"] == f"/avtal/{FAMILY}"
    cookie = response.headers["Set-Cookie"]
    assert "hemlig-nyckel-for-testet" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert browser.get(f"/avtal/{FAMILY}").status_code == 200


def test_a_post_without_origin_is_refused_even_with_the_cookie(app) -> None:
    browser = app.test_client()
    browser.get("/?token=hemlig-nyckel-for-testet")
    assert post(browser, "/api/kontrollera", {"data": {}}).status_code == 403
    assert browser.post(f"/avtal/{FAMILY}/ta-bort", data={"version": "x"}).status_code == 403
    assert post(browser, "/api/kontrollera", {"data": {}}, headers={"Origin": "http://localhost"}).status_code == 200


def test_each_start_has_its_own_random_token(folders) -> None:
    tokens = {create_app(folders["indata"], folders["utdata"], TEMPLATES, THRESHOLDS, pdf=False).config["AVTAL_TOKEN"] for _ in range(3)}
    assert len(tokens) == 3 and all(len(token) >= 40 for token in tokens)


# ---- bodies and files that must not make a 500 ------------------------------------------------------


def test_deeply_nested_json_is_refused_with_its_own_message(client) -> None:
    for depth in (100, 100_000):
        body = '{"data": ' + "[" * depth + "]" * depth + "}"
        response = client.post("/api/kontrollera", data=body, content_type="application/json")
        assert response.status_code == 400
        assert "nästlad i fler än 64 nivåer" in response.get_json()["meddelande"]


def test_a_lone_surrogate_is_refused_with_its_own_message(client, folders) -> None:
    body = '{"data": {"avtal": {"id": "surrogat", "titel": "Avtal \\ud800"}}}'
    for url in ("/api/kontrollera", "/api/spara"):
        response = client.post(url, data=body, content_type="application/json")
        assert response.status_code == 400
        assert "ensamt surrogattecken" in response.get_json()["meddelande"]
    assert not (folders["indata"] / "surrogat.json").exists()


def test_an_agreement_file_that_links_out_of_the_folder_is_named_not_a_500(client, folders, tmp_path: Path) -> None:
    outside = tmp_path / "utanfor.json"
    outside.write_text(json.dumps(minimal(id="utanfor")), encoding="utf-8")
    (folders["indata"] / "utanfor.json").symlink_to(outside)
    for response in (client.get("/avtal/utanfor"), post(client, "/api/generera", {"fil": "utanfor", "version": "x"}),
                     post(client, "/api/spara", {"data": minimal(id="utanfor"), "fil": "utanfor", "version": "x"})):
        assert response.status_code == 422, response.get_data(as_text=True)
        assert "utanfor.json" in response.get_data(as_text=True)
        assert "ligger inte i mappen med avtalsdata" in response.get_data(as_text=True)
    assert client.get("/").status_code == 200
    assert json.loads(outside.read_text(encoding="utf-8"))["avtal"]["id"] == "utanfor"


def test_a_chunked_body_over_the_limit_is_too_large_not_invalid_json(folders) -> None:
    import http.client

    from werkzeug.serving import make_server

    app = create_app(folders["indata"], folders["utdata"], TEMPLATES, THRESHOLDS, pdf=False, token="nyckel")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        cookie = f"avtal-formular-{server.port}=nyckel"

        def chunked(size: int) -> tuple[int, dict[str, Any]]:
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
            body = json.dumps({"data": {"avtal": {"bakgrund": "x" * size}}}).encode()
            parts = (body[i:i + 65536] for i in range(0, len(body), 65536))
            connection.request("POST", "/api/kontrollera", body=parts, encode_chunked=True, headers={
                "Content-Type": "application/json", "Origin": f"http://127.0.0.1:{server.port}", "Cookie": cookie})
            answer = connection.getresponse()
            return answer.status, json.loads(answer.read())

        status, answer = chunked(MAX_BODY_BYTES + 10)
        assert status == 413 and "för stor" in answer["meddelande"]
        assert chunked(1000)[0] == 200
    finally:
        server.shutdown()


def test_a_date_is_a_text_field_in_the_swedish_format_whatever_the_browser_language(client) -> None:
    page = lxml.html.fromstring(client.get(f"/avtal/{FAMILY}").get_data(as_text=True))
    field = page.xpath('//*[@data-path="$.avtal.datum" or @data-key="datum"]//input[contains(@class, "input")]')[0]
    assert (field.get("type"), field.get("placeholder"), field.get("value")) == ("text", "ÅÅÅÅ-MM-DD", "2024-03-01")
    assert page.xpath('//*[@data-key="datum"]//span[@class="hint"]')[0].text_content().startswith("Skriv datumet som år-månad-dag")


def test_a_draft_missing_required_fields_still_gets_the_legal_checks_it_has_what_they_need_for(client) -> None:
    data = minimal()
    del data["avtal"]["syfte"]  # a required field not filled in yet: the schema fails
    data["parter"][1]["organisationsnummer"] = "212000-1356"  # wrong check digit
    data["avtalstid"] = {"start": "2026-05-01", "slut": "2026-01-31"}
    found = places(post(client, "/api/kontrollera", {"data": data}))
    assert "$.avtal.syfte" in found
    assert "kontrollsiffran" in found["$.parter[1].organisationsnummer"]
    assert "ligger inte efter startdatum" in found["$.avtalstid.slut"]


def test_a_rule_that_cannot_run_on_a_half_written_draft_waits_instead_of_failing(client) -> None:
    response = post(client, "/api/kontrollera", {"data": {"avtal": {"typ": "avtalssamverkan"}, "parter": [None, {"namn": 3}]}})
    assert response.status_code == 200 and response.get_json()["problem"]


def test_the_start_page_explains_each_kind_in_a_sentence_and_helps_choose(client) -> None:
    page = lxml.html.fromstring(client.get("/").get_data(as_text=True))
    explained = dict(zip([dt.text_content() for dt in page.xpath('//dl[@id="kinds"]/dt')],
                         [dd.text_content() for dd in page.xpath('//dl[@id="kinds"]/dd')], strict=True))
    assert list(explained) == ["Avtalssamverkan", "Samverkansavtal", "Interimsavtal", "Tilläggsavtal", "Avsiktsförklaring"]
    assert all(len(sentence) > 40 for sentence in explained.values())
    assert "9 kap. 37 § kommunallagen" in explained["Avtalssamverkan"] and "Binder inte" in explained["Avsiktsförklaring"]
    guide = page.xpath('//p[@id="guide"]')[0].text_content()
    assert "Ska avtalet binda parterna?" in guide and "Ändrar det ett befintligt avtal?" in guide


def test_a_draft_kept_in_the_browser_opens_in_the_form_unsaved_and_a_broken_one_is_refused(client, folders) -> None:
    data = read_example(FAMILY)
    data["avtal"]["diarienummer"] = "SN 2026/0001"
    response = client.post("/utkast", data={"data": json.dumps(data), "fil": FAMILY, "version": "abc"})
    assert response.status_code == 200 and "SN 2026/0001" in response.get_data(as_text=True)
    assert '"aterstallt": true' in response.get_data(as_text=True)
    assert "SN 2024/0117" in (folders["indata"] / f"{FAMILY}.json").read_text(encoding="utf-8")  # nothing saved
    broken = client.post("/utkast", data={"data": "{inte json"})
    assert broken.status_code == 400 and "ingen giltig JSON" in broken.get_data(as_text=True)


def test_a_deleted_agreement_is_listed_and_restored_from_the_list_never_over_another_file(client, folders) -> None:
    target = folders["indata"] / f"{FAMILY}.json"
    original = target.read_bytes()
    assert remove(client, FAMILY, saved_version(client, FAMILY)).status_code == 200
    name = f"{dt.date.today().isoformat()}-{FAMILY}.json"
    listing = client.get("/").get_data(as_text=True)
    assert "Borttagna avtal" in listing and f'action="/borttagna/{name}/aterstall"' in listing

    target.write_text(json.dumps(minimal(id=FAMILY)), encoding="utf-8")  # a new file took the name meanwhile
    refused = client.post(f"/borttagna/{name}/aterstall")
    assert refused.status_code == 409 and "det finns redan ett avtal med det namnet" in page_text(refused)
    assert json.loads(target.read_text(encoding="utf-8"))["avtal"]["titel"] == MINIMAL["avtal"]["titel"]

    target.unlink()
    restored = client.post(f"/borttagna/{name}/aterstall")
    assert restored.status_code == 200 and "Avtalet är återställt" in page_text(restored)
    assert target.read_bytes() == original and trashed(folders) == []
    assert client.post("/borttagna/..%2Favtal.json/aterstall").status_code in (404, 409)


def package_text(docx: bytes) -> str:
    """The text of every part of a Word package (body, headers, tracked insertions and deletions)."""
    import re
    import zipfile

    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        xml = "".join(package.read(name).decode("utf-8") for name in package.namelist() if name.startswith("word/") and name.endswith(".xml"))
    return "".join(re.findall(r"<w:(?:t|delText)(?: [^>]*)?>([^<]*)<", xml))


def test_generate_again_after_a_change_links_the_comparison_and_the_earlier_version_it_kept(client, folders) -> None:
    first = generate_job(client, FAMILY)
    assert first.status_code == 200, first.get_json()
    assert not [d for d in first.get_json()["dokument"] if "/" in d["namn"]]  # nothing to compare with yet
    # Made yesterday: a version moved into tidigare/ keeps that time, and is linked all the same.
    for made in (folders["utdata"] / FAMILY).iterdir():
        os.utime(made, (time.time() - 86400, time.time() - 86400))
    data = read_example(FAMILY)
    data["avtal"]["diarienummer"] = "SN 2024/0999"
    post(client, "/api/spara", {"data": data, "fil": FAMILY, "version": saved_version(client, FAMILY)})
    second = generate_job(client, FAMILY)
    assert second.status_code == 200, second.get_json()
    kept = {d["namn"]: d for d in second.get_json()["dokument"] if "/" in d["namn"]}
    comparisons = [name for name in kept if name.startswith("jamforelse/") and name.endswith(".docx")]
    earlier = [name for name in kept if name.startswith("tidigare/") and name.endswith("/avtal.docx")]
    assert comparisons and earlier, kept
    assert kept[earlier[0]]["etikett"] == "Tidigare version (Word)"
    download = client.get(kept[comparisons[0]]["url"])
    assert download.status_code == 200
    assert "SN 2024/01170999" in package_text(download.data)  # the old number struck through, the new one inserted
    old = client.get(kept[earlier[0]]["url"])
    assert "SN 2024/0117" in package_text(old.data) and "SN 2024/0999" not in package_text(old.data)
    for bad in ("jamforelse/../avtal.docx", "annat/x.docx", "jamforelse/x.txt"):
        assert client.get(f"/utdata/{FAMILY}/{bad}").status_code == 404
