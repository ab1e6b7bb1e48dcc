"""The form shows no JSON: every message it gives for the examples and the broken agreements, and every page's visible
text, is Swedish prose (no JSON path, snake_case key, true/false or enum value written as a JSON key)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from broken_agreements import BREAKERS, raw_json
from conftest import EXAMPLES, TEMPLATES, THRESHOLDS, example_paths, read_example

from avtalsgenerator.web.app import create_app

# Changes the form cannot make: a party's kind is chosen among the schema's values, so the schema's message about a
# value outside them (which names the allowed values as the JSON file must spell them) only meets a file written by hand.
NOT_IN_THE_FORM = {"en part som är ett bolag"}


@pytest.fixture
def client(tmp_path: Path) -> Any:
    indata = tmp_path / "indata" / "avtal"
    indata.mkdir(parents=True)
    app = create_app(indata, tmp_path / "utdata", TEMPLATES, THRESHOLDS, pdf=False)
    app.testing = True
    client = app.test_client()
    assert client.get(f"/?token={app.config['AVTAL_TOKEN']}").status_code == 303
    client.environ_base["HTTP_ORIGIN"] = "http://localhost"
    return client


def visible_text(page: str) -> str:
    """The text a reader sees on a page: no scripts, styles or the data the script reads."""
    tree = lxml.html.fromstring(page)
    for hidden in tree.xpath("//script | //style | //template | //*[@hidden]"):
        hidden.drop_tree()
    return " ".join(tree.text_content().split())


@pytest.mark.skipif(not example_paths(), reason="inga exempel i indata/avtal än")
def test_no_message_the_form_shows_for_a_broken_agreement_holds_json(client: Any) -> None:
    raw: dict[str, list[str]] = {}
    shown = 0
    for path in example_paths():
        for name, breaker in [("oförändrat", None), *BREAKERS.items()]:
            if name in NOT_IN_THE_FORM:
                continue
            data = copy.deepcopy(read_example(path.stem))
            if breaker is not None:
                breaker(data)
            answer = client.post("/api/kontrollera", data=json.dumps({"data": data, "fil": path.stem}), content_type="application/json")
            assert answer.status_code == 200
            for problem in answer.get_json()["problem"]:
                shown += 1
                if raw_json(problem["meddelande"]):
                    raw[f"{path.stem}, {name}: {problem['meddelande']}"] = raw_json(problem["meddelande"])
    assert raw == {}
    assert shown > 200  # the broken agreements reached the rules in the form too


@pytest.mark.parametrize("stem", [p.stem for p in sorted(EXAMPLES.glob("*.json"))])
def test_an_opened_agreement_shows_no_json_on_the_page(client: Any, stem: str) -> None:
    page = client.post("/utkast", data={"data": json.dumps(read_example(stem)), "fil": ""}).get_data(as_text=True)
    text = visible_text(page)
    assert "Avtalet" in text
    assert raw_json(text) == []


@pytest.mark.parametrize("page", ["/", "/nytt?typ=avtalssamverkan", "/nytt?typ=tillaggsavtal", "/nytt?typ=avsiktsforklaring"])
def test_the_start_page_and_new_forms_show_no_json(client: Any, tmp_path: Path, page: str) -> None:
    answer = client.get(page)
    assert answer.status_code == 200
    text = visible_text(answer.get_data(as_text=True)).replace(str(tmp_path), "")  # the folder's name is the test's
    assert raw_json(text) == []


def test_the_threshold_of_a_cap_is_chosen_by_its_swedish_name(client: Any) -> None:
    page = client.post("/utkast", data={"data": json.dumps(read_example("norrstrom-fjallviken-familjebehandling")), "fil": ""})
    field = lxml.html.fromstring(page.get_data(as_text=True)).xpath('//*[@data-key="troskel"]//select')[0]
    options = {o.get("value"): o.text_content() for o in field.xpath("option")}
    assert options["direktupphandlingsgrans_sociala_tjanster"].startswith("Direktupphandlingsgränsen för sociala tjänster")
    assert field.xpath("option[@selected]")[0].get("value") == read_example("norrstrom-fjallviken-familjebehandling")["ekonomi"]["tak"]["troskel"]
