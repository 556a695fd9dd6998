"""A Russian speaker meets no English: every page and the refusals of each step, in ``?lang=ru``.

The election's own data (names, titles, ids) stays as the commission wrote it; everything else on
a page must come from the Russian catalogue. A page is read as a person reads it (markup, scripts
and code samples left out), the election's data is taken away, and any Latin word that remains
(three letters or more, outside a short list of technical names) fails the test. Refusals are
played as the people who meet them: a secretary acting too early, a voter with a stranger's
credential, a mistyped address.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from apikit import SLUG, ApiElection, cast, make_ballot, ready_to_vote
from electionkit import NOMINEES, VOTING_CLOSE, sealed_ballot
from russiankit import data_words, english_left
from test_election_form import posted as form_post

from vybory import protocol
from vybory.model.board import EventKind
from vybory.model.definition import HOMOMORPHIC_METHODS, ORGANISATION_TYPES, RANKED_METHODS
from vybory.rules import METHODS
from vybory.text import Text, say, say_plural
from vybory.web import i18n
from vybory.web.forms import zones


@pytest.fixture
def voting(election: ApiElection) -> ApiElection:
    return ready_to_vote(election)


def known_data(e: ApiElection) -> set[str]:
    definition = e.service.state(e.slug).definition.to_json()
    nominees = {name for entries in NOMINEES.values() for _org, name in entries}
    # The codes a definition is written with (methods and their settings, organisation types, the
    # roll's columns, IANA time zones) are typed as they are, in any language.
    options = [item for method in HOMOMORPHIC_METHODS + RANKED_METHODS
               for item in METHODS[method].options.items()]
    settings = {name for name, _ in options} | {
        choice for _, (kind, _d, _w) in options if isinstance(kind, tuple) for choice in kind
        if isinstance(choice, str)}
    codes = (set(HOMOMORPHIC_METHODS) | set(RANKED_METHODS) | set(ORGANISATION_TYPES) | {"weight"}
             | settings | set(zones()))
    return data_words(definition) | nominees | codes | {"secretary", "'nope'"}


def russian(e: ApiElection, path: str, caller: Any = None, status: int = 200, **kwargs: Any) -> str:
    method = kwargs.pop("method", "GET")
    separator = "&" if "?" in path else "?"
    target = f"{path}{separator}lang=ru"
    headers = {"accept": "text/html"}
    if caller is not None:
        response = caller.call(method, target, headers=headers, **kwargs)
    else:
        response = e.client.request(method, target, headers=headers, **kwargs)
    assert response.status_code == status, (path, response.status_code, response.text[:500])
    assert '<html lang="ru">' in response.text, path
    return str(response.text)


def test_every_page_and_refusal_in_russian_has_no_english(voting: ApiElection) -> None:
    e = voting
    data = known_data(e)
    problems: dict[str, list[str]] = {}

    def check(label: str, page: str) -> None:
        left = english_left(page, data)
        if left:
            problems[label] = left

    # The public pages while a round is open, and every kind of event on the board.
    secret = e.credentials["north"][0]
    assert cast(e, secret, {"north-seat": ["Ivanov"]}).status_code == 201
    for path in ("/", "/login", f"/elections/{SLUG}", f"/elections/{SLUG}/board",
                 f"/elections/{SLUG}/results", f"/elections/{SLUG}/booth"):
        check(path, russian(e, path))
    events = e.client.get(f"/api/elections/{SLUG}/board").json()
    for kind in {event["kind"] for event in events["events"]}:
        check(f"board kind {kind}", russian(e, f"/elections/{SLUG}/board?kind={kind}"))
    for event in events["events"]:
        check(f"event {event['kind']}", russian(e, f"/elections/{SLUG}/board/{event['position']}"))
    code = e.client.get(f"/api/elections/{SLUG}/board").json()["events"][-1]["payload"]["tracking_code"]
    check("board search", russian(e, f"/elections/{SLUG}/board?code={code}"))
    check("board search, unknown code", russian(e, f"/elections/{SLUG}/board?code={'0' * 64}"))

    # The commission's pages, and its actions refused while voting is open.
    secretary = e.secretary
    assert secretary is not None
    for path in ("/commission", "/commission/elections/new", f"/commission/elections/{SLUG}"):
        check(path, russian(e, path, secretary))
    token = secretary.csrf
    refused = {
        "close while open": ("close", {"confirm": "yes"}, "round_still_open"),
        "open again": ("open", {}, "round_exists"),
        "publish too early": ("publish", {"confirm": "yes"}, "not_decided"),
        "decide too early": ("decide", {}, "no_tally"),
        "close without confirming": ("close", {}, "confirmation_needed"),
        "close nominations again": ("nominations/close", {}, "nominations_closed"),
    }
    for label, (action, form, code_expected) in refused.items():
        page = russian(e, f"/commission/elections/{SLUG}/{action}", secretary, method="POST",
                       status=409 if code_expected != "confirmation_needed" else 422,
                       data={"csrf_token": token, **form})
        assert code_expected in page, (label, re.findall(r"<code>([a-z_]+)</code>", page))
        check(f"refused: {label}", page)

    # The new-election form posted wrong, as a secretary might: first what the form itself cannot
    # read (a time the clocks skip, a word for a number, a settings line), then what the definition
    # refuses (IRV for two seats, an unknown district, one organisation holding k trustees, a
    # mistyped key); then a row added, and a form checked without problems.
    forms = {
        "form: its own problems": {"timezone": "America/New_York", "nominations_close": "2025-03-09T02:30",
                                   "threshold": "two", "contests-1-options": "nothing here",
                                   "districts-0-name": "", "districts-1-name": ""},
        "form: the definition's problems": {"contests-1-seats": "2", "contests-0-district": "Nowhere",
                                            "trustees-1-organisation": "Club A", "authority_key": "ab" * 31,
                                            "contests-1-options": "tiebreak = \"coin\"",
                                            "contests-0-min_marks": "4", "contests-0-max_marks": "2",
                                            "slug": "Club 2025"},
        "form: a row added": {"action": "add:observers"},
        "form: checked": {"action": "check", "timezone": "Europe/Moscow"},
    }
    for label, changes in forms.items():
        typed = form_post(**changes)
        statuses = {"form: a row added": 200, "form: checked": 200}
        page = russian(e, "/commission/elections/form", secretary, method="POST",
                       status=statuses.get(label, 422), data={"csrf_token": token, **typed})
        assert ("error-box" in page) == (label not in statuses), label
        left = english_left(page, data | data_words(typed) | {"'Nowhere'", "'club-a'", "'Club 2025'",
                                                               "'nothing here'", "'two'", "'coin'"})
        if left:
            problems[label] = left

    # Pages that do not exist, and an election that does not.
    check("404 page", russian(e, "/no/such/page", status=404))
    check("unknown election", russian(e, "/elections/nope", status=404))
    check("unknown event kind", russian(e, f"/elections/{SLUG}/board?kind=nope", status=422))

    # A voter's refusals as the API words them, rendered in Russian as the booth renders them.
    stranger, _public = protocol.generate_credential()
    form = e.service.ballot_form(SLUG, protocol.public_credential(secret))
    sent = make_ballot(e, e.credentials["north"][1], {"north-seat": ["Petrova"]})
    first = e.client.post(f"/api/elections/{SLUG}/ballots", json=sent)
    assert first.status_code == 201
    # the same ballot again is no refusal: the same receipt (idempotent cast)
    assert e.client.post(f"/api/elections/{SLUG}/ballots", json=sent).json() == first.json()
    copied = make_ballot(e, e.credentials["north"][2], {"north-seat": ["Ivanov"]})
    copied["contests"][0]["selections"][0] = sent["contests"][0]["selections"][0]
    ballot_refusals = [
        e.client.post(f"/api/elections/{SLUG}/ballots", json=copied),  # another voter's ciphertext
        e.client.post(f"/api/elections/{SLUG}/ballots",
                      json=sealed_ballot(form, stranger, {"north-seat": ["Ivanov"]}, "x").to_json()),
    ]
    for response in ballot_refusals:
        assert response.status_code >= 400
        words = Text.from_json(response.json().get("words"))
        assert words is not None, response.json()
        left = english_left(i18n.localise("ru", words), data)
        if left:
            problems[f"ballot refused: {response.json()['code']}"] = left

    # After the deadline: the results, with the rules' reasons, in Russian.
    e.clock.set(VOTING_CLOSE + timedelta(minutes=5))
    check("commission after the deadline", russian(e, f"/commission/elections/{SLUG}", secretary))
    assert not problems, "\n".join(f"{label}: {', '.join(words)}" for label, words in problems.items())


def test_a_message_keeps_its_id_and_parameters_and_is_translated() -> None:
    words = say("round %(round)s is already closed", round=2)
    assert words == "round 2 is already closed" and isinstance(words, str)
    assert i18n.localise("ru", words) == "тур 2 уже закрыт"
    assert i18n.localise("en", words) == "round 2 is already closed"
    again = Text.from_json(words.to_json())
    assert again == words and again.template == words.template and again.params == {"round": 2}
    # a message inside a message is translated too
    nested = say("voting cannot open: %(reasons)s", reasons=say("the nominations are not closed"))
    assert i18n.localise("ru", nested) == "голосование нельзя открыть: выдвижение не закрыто"
    assert i18n.localise("ru", Text.from_json(nested.to_json())) == i18n.localise("ru", nested)
    # plural forms: one, few and many in Russian, never "(s)"
    seats = [say_plural("%(num)s candidate", "%(num)s candidates", n) for n in (1, 3, 5, 21)]
    assert [str(s) for s in seats] == ["1 candidate", "3 candidates", "5 candidates", "21 candidates"]
    assert [i18n.localise("ru", s) for s in seats] == ["1 кандидат", "3 кандидата", "5 кандидатов",
                                                       "21 кандидат"]


def test_a_broken_message_is_refused_or_falls_back_to_english() -> None:
    for garbage in (None, "text", 5, {}, {"id": 3}, {"id": "x", "params": []},
                    {"id": "x %(a)s", "params": {}}, {"id": "x", "params": {"a": 1.5}},
                    {"id": "x", "params": {"a": {"id": 1}}}, {"id": "x", "params": {"a": True}},
                    {"id": "%(num)s", "plural": "%(num)ss", "params": {"num": "one"}}):
        assert Text.from_json(garbage) is None, garbage
    with pytest.raises(ValueError, match="num"):
        Text("%(n)s thing", {"n": 2}, "%(n)s things")
    # a translation whose placeholders do not fit its parameters shows the English words
    unknown = say("no such message %(x)s here", x=1)
    assert i18n.localise("ru", unknown) == "no such message 1 here"
    assert i18n.localise("ru", "plain words") == "plain words" and i18n.localise("ru", None) == ""


def test_every_refusal_the_server_gives_is_a_message_for_the_catalogue() -> None:
    """No error raised by the protocol, the service, the pages, the API or the counting rules
    carries English written into the code: each is made with ``say`` (or comes from another)."""
    import ast
    from pathlib import Path

    errors = {"refuse", "Refused", "InvalidInput", "InvalidBallot", "InvalidProof", "InvalidEncoding",
              "ThresholdNotMet", "ApiError"}
    root = Path(__file__).resolve().parents[2] / "vybory"
    literal = []
    # rules/rctab.py reads RCTab's files for `vybory count` on the command line, in English.
    outside = {root / "rules" / "rctab.py"}
    for package in ("protocol", "service", "web", "api", "rules"):
        for path in sorted(set((root / package).rglob("*.py")) - outside):
            for node in ast.walk(ast.parse(path.read_text())):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "id", getattr(node.func, "attr", None))
                index = 1 if name == "ApiError" else 0
                if name in errors and len(node.args) > index:
                    arg = node.args[index]
                    if isinstance(arg, ast.JoinedStr) or (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                        literal.append(f"{path.relative_to(root.parent)}:{node.lineno}")
    assert literal == []


def test_every_event_kind_has_russian_words() -> None:
    missing = [k.value for k in EventKind if i18n.gettext_for("ru", k.value) == k.value]
    assert missing == []


def test_every_reason_a_share_is_skipped_has_russian_words() -> None:
    """The board records why a decryption share was skipped in English (crypto.threshold); the
    results page shows it through the catalogue."""
    from vybory.crypto import threshold
    from vybory.web.vocabulary import SHARE_SKIPS

    recorded = {value for name, value in vars(threshold).items() if name.startswith("SKIP_")}
    assert recorded == set(SHARE_SKIPS)
    assert all(i18n.gettext_for("ru", why) != why for why in SHARE_SKIPS)
