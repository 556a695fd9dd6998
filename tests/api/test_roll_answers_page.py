"""The commission answers complaints about the roll posted for inspection from its page: the answer is
signed on the commission's own machine (`vybory roll answer --definition --out`) and uploaded; the
page lists every complaint with its answer.

The liars: a server (or anyone holding a commission login) that uploads an answer the commission
did not sign, or alters a signed one (another decision, another reason), is refused by name and the
board does not change; garbage is refused naming the field."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from apikit import Caller
from electionkit import NOMINATIONS_CLOSE, PUBLIC_COUNCIL, ROLL, ServiceElection, at, identity_file
from typer.testing import CliRunner

from vybory.cli.main import app


@pytest.fixture
def complained(api_service, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)  # the identity files the commands read are written here
    e = ServiceElection.create(api_service, PUBLIC_COUNCIL, ROLL)
    e.clock.set(at(NOMINATIONS_CLOSE, days=1))
    e.publish_roll()
    api_service.file_roll_complaint(e.slug, {"complaint": "left_off", "voter": "n7", "district": "north",
                                             "reason": "I live on Mill Street"})
    return e


def sign_answer(tmp_path: Path, slug: str, position: int, *extra: str, name: str = "answer.json") -> Path:
    definition = tmp_path / "definition.toml"
    definition.write_text(PUBLIC_COUNCIL, encoding="utf-8")
    out = tmp_path / name
    result = CliRunner().invoke(app, ["roll", "answer", slug, str(position), *extra, "--identity",
                                      identity_file("commission", role="commission"), "--definition",
                                      str(definition), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def upload(secretary: Caller, slug: str, token: str, body: bytes) -> object:
    return secretary.call("POST", f"/commission/elections/{slug}/roll/answers", data={"csrf_token": token},
                          follow_redirects=False, files={"statement": ("answer.json", body, "application/json")})


def test_the_commission_answers_a_roll_complaint_from_its_page(client, complained, tmp_path: Path) -> None:
    e = complained
    secretary = Caller(client, "secretary")
    page = secretary.call("GET", f"/commission/elections/{e.slug}")
    assert page.status_code == 200 and 'id="roll-answer-form"' in page.text
    assert "n7" in page.text and "I live on Mill Street" in page.text and "not yet answered" in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    (complaint,) = e.state().open_complaints()
    before = e.service.head(e.slug).position

    # An answer nobody signed, a signed answer altered, garbage: each refused, the board unchanged.
    good = sign_answer(tmp_path, e.slug, complaint.position, "rejected", "--reason", "not a resident")
    altered = json.loads(good.read_text())
    altered["answers"][0]["decision"] = "accepted"
    unsigned = {k: v for k, v in altered.items() if k != "signed"}
    for body, words in ((json.dumps(altered).encode(), "signature"), (json.dumps(unsigned).encode(), "signed"),
                        (b"[1, 2]", "one JSON object"), (b"\xff\xfe", "statement")):
        response = upload(secretary, e.slug, token, body)
        assert response.status_code in (409, 422), response.text
        assert words in response.text and "Traceback" not in response.text
        assert e.service.head(e.slug).position == before
    # No file at all, or no CSRF token: refused too.
    missing = secretary.call("POST", f"/commission/elections/{e.slug}/roll/answers", data={"csrf_token": token})
    assert missing.status_code == 422 and e.service.head(e.slug).position == before
    assert upload(secretary, e.slug, "forged", good.read_bytes()).status_code == 403

    posted = upload(secretary, e.slug, token, good.read_bytes())
    assert posted.status_code == 303 and "roll_answered" in posted.headers["location"]
    assert not e.state().open_complaints()
    page = secretary.call("GET", f"/commission/elections/{e.slug}", params={"lang": "ru"})
    assert "not a resident" in page.text and 'id="roll-answer-form"' not in page.text
    assert "Жалобы на список избирателей" in page.text


def test_answer_offline_needs_both_the_definition_and_the_file(complained, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["roll", "answer", complained.slug, "3", "accepted", "--identity",
                                      identity_file("commission", role="commission"), "--out",
                                      str(tmp_path / "a.json")])
    assert result.exit_code != 0 and "--definition and --out" in result.output
    definition = tmp_path / "other.toml"
    assert f'slug = "{complained.slug}"' in PUBLIC_COUNCIL
    definition.write_text(PUBLIC_COUNCIL.replace(f'slug = "{complained.slug}"', 'slug = "other"'), encoding="utf-8")
    result = CliRunner().invoke(app, ["roll", "answer", complained.slug, "3", "accepted", "--identity",
                                      identity_file("commission", role="commission"), "--definition",
                                      str(definition), "--out", str(tmp_path / "b.json")])
    assert result.exit_code != 0 and "election 'other''s, not" in result.output
    assert not (tmp_path / "a.json").exists() and not (tmp_path / "b.json").exists()
