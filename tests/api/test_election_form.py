"""The commission secretary's "new election" form, through the pages: rows, methods, time zones,
every setting, and each problem beside its field in words; a bad form creates nothing and keeps
what was typed.

The adversary here is whoever posts the form (a secretary's browser, or anyone holding a
commission login): the form is only a way of writing a definition, so it can grant nothing the
definition parser would refuse, and whatever it sets (an organisation allowed to hold k trustees,
the deadlines in UTC) is in the published definition every observer reads.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from apikit import PASSWORD, ApiElection, Caller, create
from electionkit import signing_key

from vybory.errors import InvalidDefinition
from vybory.model.definition import parse_definition
from vybory.web import i18n
from vybory.web.forms import ElectionForm, FormRefused, build, by_field, field_of

SLUG = "club-2025"


def posted(**changes: str) -> dict[str, str]:
    """A secretary's form as the browser posts it (two districts, three organisations)."""
    values = {
        "slug": SLUG,
        "title": "Club board",
        "revote": "on",
        "timezone": "UTC",
        "nominations_close": "2025-03-10T12:00",
        "voting_open": "2025-03-20T06:00",
        "voting_close": "2025-03-21T20:00",
        "runoff_days": "7",
        "repeat_days": "14",
        "appeal_days": "2",
        "threshold": "2",
        "commission_key": signing_key("commission"),
        "credential_authority": "Office",
        "authority_key": signing_key("authority"),
        "districts-0-name": "North",
        "districts-1-name": "Южный",
        "organisations-0-name": "Club A",
        "organisations-0-type": "association",
        "organisations-1-name": '"Quoted" B',
        "organisations-1-type": "cooperative",
        "organisations-1-id": "b",
        "trustees-0-name": "T One",
        "trustees-0-organisation": "Club A",
        "trustees-0-signing_key": signing_key("trustee", "t1"),
        "trustees-1-name": "T Two",
        "trustees-1-organisation": "b",
        "trustees-1-signing_key": signing_key("trustee", "t2"),
        "contests-0-title": "The board",
        "contests-0-district": "North",
        "contests-0-method": "block",
        "contests-0-seats": "3",
        "contests-1-title": "Chair",
        "contests-1-district": "Южный",
        "contests-1-method": "irv",
        "contests-1-id": "chair",
    }
    values.update(changes)
    return {k: v for k, v in values.items() if v is not None}


def test_the_form_writes_the_definition_the_parser_accepts() -> None:
    built = build(ElectionForm.of(posted()), seed="ab" * 16)
    definition = parse_definition(built.toml)
    assert definition.slug == SLUG and definition.revote is True
    # ids left empty are made from the name, or numbered where the name gives none
    assert [(d.id, d.name) for d in definition.districts] == [("north", "North"), ("district-2", "Южный")]
    assert [(o.id, o.name, o.type) for o in definition.organisations] == [
        ("club-a", "Club A", "association"), ("b", '"Quoted" B', "cooperative")]
    # references by name or by id
    assert [t.organisation for t in definition.trustees] == ["club-a", "b"]
    assert [(c.id, c.district, c.method, c.seats) for c in definition.contests] == [
        ("the-board", "north", "block", 3), ("chair", "district-2", "irv", 1)]
    assert definition.deadlines.runoff_days == 7 and definition.deadlines.appeal_days == 2
    assert definition.deadlines.voting_open == datetime(2025, 3, 20, 6, tzinfo=UTC)


def test_times_are_read_in_the_named_zone_and_stored_in_utc() -> None:
    moscow = parse_definition(build(ElectionForm.of(posted(timezone="Europe/Moscow")), seed="ab" * 16).toml)
    assert moscow.deadlines.voting_open == datetime(2025, 3, 20, 3, tzinfo=UTC)  # 06:00 MSK = 03:00 UTC
    # New York moved its clocks on 9 March 2025: 12:00 on the 10th is EDT (UTC-4)
    ny = build(ElectionForm.of(posted(timezone="America/New_York")), seed="ab" * 16)
    assert ny.utc["nominations_close"] == datetime(2025, 3, 10, 16, tzinfo=UTC)
    # a time the clocks skip, and one they repeat, are refused rather than guessed
    with pytest.raises(FormRefused) as skipped:
        build(ElectionForm.of(posted(timezone="America/New_York", nominations_close="2025-03-09T02:30")))
    assert "does not exist in America/New_York" in str(skipped.value.fields["nominations_close"][0])
    with pytest.raises(FormRefused) as twice:
        build(ElectionForm.of(posted(timezone="Europe/Berlin", voting_close="2025-10-26T02:30")))
    assert "happens twice in Europe/Berlin" in str(twice.value.fields["voting_close"][0])


def test_a_poster_cannot_name_a_file_as_a_time_zone_or_flood_the_rows() -> None:
    """A forged post (not the form's select) names a path as its zone, or sends more rows than
    any person types: both are refused by field, and no file outside the zone list is opened."""
    for zone in ("../../../etc/passwd", "/etc/localtime", "Nowhere/City", ""):
        with pytest.raises(FormRefused) as refused:
            build(ElectionForm.of(posted(timezone=zone or "bad zone")))
        assert list(refused.value.fields) == ["timezone"]
    flood = {f"districts-{i}-name": f"d{i}" for i in range(201)}
    with pytest.raises(Exception, match="at most 200 rows") as too_many:
        ElectionForm.of(posted(**flood))
    assert getattr(too_many.value, "field", None) == "districts"


def test_the_form_reports_its_own_problems_by_field_all_at_once() -> None:
    with pytest.raises(FormRefused) as refused:
        build(ElectionForm.of(posted(voting_open="tomorrow", threshold="two", **{
            "contests-0-seats": "three", "contests-1-options": "nothing here",
            "trustees-1-name": "", "districts-0-name": "", "districts-1-name": ""})))
    fields = refused.value.fields
    assert set(fields) == {"voting_open", "threshold", "contests-0-seats", "contests-1-options",
                           "trustees-1-name", "districts"}
    assert "'tomorrow' is not a date and time" in fields["voting_open"][0]
    assert "line 1: 'nothing here' must be written as name = value" == fields["contests-1-options"][0]
    assert i18n.localise("ru", fields["districts"][0]) == "нужна хотя бы 1 запись"


def test_the_definitions_problems_are_named_by_the_field_they_are_about() -> None:
    form = ElectionForm.of(posted(**{
        "contests-0-district": "Nowhere", "contests-1-seats": "2", "trustees-1-organisation": "Club A",
        "contests-1-options": "tiebreak = \"coin\"", "authority_key": "ab" * 31}))
    built = build(form, seed="ab" * 16)
    with pytest.raises(InvalidDefinition) as refused:
        parse_definition(built.toml, source="the form")
    fields, general = by_field(refused.value.problems, built)
    assert general == []
    assert set(fields) == {"contests-0-district", "contests-1-seats", "contests-1-options",
                           "allow_organisation_threshold", "authority_key"}
    assert "'Nowhere' is not one of the districts" in fields["contests-0-district"][0]
    assert "IRV fills one seat, not 2" in fields["contests-1-seats"][0]
    assert "organisation 'club-a' alone holds 2 trustees" in fields["allow_organisation_threshold"][0]
    assert "not 62 characters" in fields["authority_key"][0]
    # every rule has its Russian words, placeholders filled
    for rules in fields.values():
        for rule in rules:
            words = i18n.localise("ru", rule)
            assert words != str(rule) and "%(" not in words, rule
    # The command line and the API keep the whole line, source and key included.
    assert any(p.startswith("the form: contests[the-board].district: 'Nowhere'") for p in refused.value.problems)
    assert field_of("contests[the-board].options.tiebreak", built) == "contests-0-options"
    assert field_of("trustees[1].signing_key", built) == "trustees-1-signing_key"
    assert field_of("(file)", built) is None


def page_of(e: ApiElection) -> tuple[Any, str]:
    create(e)
    secretary = e.secretary
    assert secretary is not None
    page = secretary.call("GET", "/commission/elections/new")
    assert page.status_code == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    return secretary, token.group(1)


def field_problems(page: str, name: str) -> list[str]:
    found = re.search(rf'<ul class="field-problems" id="{re.escape(name)}-problems">(.*?)</ul>', page, re.DOTALL)
    return [html.unescape(li.strip()) for li in re.findall(r"<li>(.*?)</li>", found.group(1), re.DOTALL)] if found else []


def value_of(page: str, name: str) -> str | None:
    found = re.search(rf'<input id="{re.escape(name)}" name="{re.escape(name)}"[^>]* value="([^"]*)"', page)
    return html.unescape(found.group(1)) if found else None


def test_a_secretary_creates_an_election_with_ranked_contests_from_the_form(election: ApiElection) -> None:
    secretary, token = page_of(election)
    page = secretary.call("GET", "/commission/elections/new").text
    # methods by their names, each explained; the zone is named above the times
    assert "Single transferable vote, Scottish rules (ranked)" in page and 'value="stv-scottish"' in page
    assert "surpluses and excluded candidates" in page
    assert "Time zone of the times below" in page and "Times are UTC" not in page
    done = secretary.call("POST", "/commission/elections/form", follow_redirects=False,
                          data={**posted(**{"contests-0-method": "stv-scottish", "contests-0-seats": "2",
                                            "observers-0-name": "Press", "allow_organisation_threshold": "on",
                                            "timezone": "Europe/Moscow"}),
                                "csrf_token": token, "action": "create"})
    assert done.status_code == 303, done.text
    assert done.headers["location"] == f"/commission/elections/{SLUG}?done=created"
    definition = election.service.state(SLUG).definition
    assert [(c.id, c.method, c.seats, c.is_ranked) for c in definition.contests] == [
        ("the-board", "stv-scottish", 2, True), ("chair", "irv", 1, True)]
    # what the form set is in the published definition, where every observer reads it
    published = election.client.get(f"/api/elections/{SLUG}/board").json()["events"][0]["payload"]
    text = str(published)
    assert "'allow_organisation_threshold': True" in text and "2025-03-20T03:00:00Z" in text
    assert [o.name for o in definition.observers] == ["Press"]


def test_a_bad_form_changes_nothing_keeps_what_was_typed_and_names_each_field(election: ApiElection) -> None:
    secretary, token = page_of(election)
    before = [s.slug for s in election.service.list_elections()]
    bad = posted(**{"contests-1-seats": "2", "contests-0-district": "Nowhere",
                    "trustees-1-organisation": "Club A", "contests-0-title": "Совет клуба"})
    refused = secretary.call("POST", "/commission/elections/form", data={**bad, "csrf_token": token})
    assert refused.status_code == 422
    page = refused.text
    assert [s.slug for s in election.service.list_elections()] == before
    assert "The form has 3 problems; nothing was created" in page
    assert field_problems(page, "contests-1-seats") == [
        "IRV fills one seat, not 2 (for several seats use an STV method)"]
    assert field_problems(page, "contests-0-district")[0].startswith("'Nowhere' is not one of the districts")
    assert field_problems(page, "allow_organisation_threshold")[0].startswith("is not set, but organisation")
    assert 'href="#contests-1-seats">Contest 2: Seats</a>' in page
    assert 'id="contests-1-seats" name="contests-1-seats" type="number" min="1" value="2" aria-invalid="true"' in page
    # what was typed is still there, Cyrillic included; no schema path is shown
    assert value_of(page, "contests-0-title") == "Совет клуба" and value_of(page, "districts-1-name") == "Южный"
    assert "contests[" not in page and "commission.allow_organisation_threshold" not in page
    # the same form in Russian: every problem in Russian words
    ru = secretary.call("POST", "/commission/elections/form?lang=ru", data={**bad, "csrf_token": token}).text
    assert 'href="#contests-1-seats">Голосование 2: Мест</a>' in ru
    assert "IRV заполняет одно место" in html.unescape(ru)


def test_rows_are_added_and_removed_without_losing_what_was_typed(election: ApiElection) -> None:
    secretary, token = page_of(election)
    typed = posted(**{"contests-0-title": "Совет"})
    added = secretary.call("POST", "/commission/elections/form",
                           data={**typed, "csrf_token": token, "action": "add:contests"})
    assert added.status_code == 200
    assert value_of(added.text, "contests-2-title") == "" and value_of(added.text, "contests-0-title") == "Совет"
    assert "error-box" not in added.text
    removed = secretary.call("POST", "/commission/elections/form",
                             data={**typed, "csrf_token": token, "action": "remove:contests:0"})
    assert value_of(removed.text, "contests-0-title") == "Chair" and value_of(removed.text, "contests-1-title") is None
    assert election.service.list_elections()[-1].slug != SLUG
    # checking creates nothing and shows the times in UTC
    checked = secretary.call("POST", "/commission/elections/form",
                             data={**posted(timezone="Asia/Tokyo"), "csrf_token": token, "action": "check"})
    assert checked.status_code == 200 and 'id="checked"' in checked.text
    assert "that is 2025-03-19 21:00 UTC" in checked.text
    assert SLUG not in [s.slug for s in election.service.list_elections()]


def test_a_roll_chosen_once_is_kept_across_a_refusal(election: ApiElection) -> None:
    secretary, token = page_of(election)
    roll = "id,name,district\nv1,Anna,north\nv2,Boris,district-2\n"
    first = secretary.call("POST", "/commission/elections/form",
                           data={**posted(title=""), "csrf_token": token},
                           files={"roll": ("roll.csv", roll.encode(), "text/csv")})
    assert first.status_code == 422 and field_problems(first.text, "title") == ["must not be empty"]
    assert "A roll of 3 lines is kept" in first.text
    kept = re.search(r'<textarea name="roll_kept"[^>]*>(.*?)</textarea>', first.text, re.DOTALL)
    assert kept is not None and html.unescape(kept.group(1)).strip() == roll.strip()
    done = secretary.call("POST", "/commission/elections/form", follow_redirects=False,
                          data={**posted(), "csrf_token": token, "roll_kept": html.unescape(kept.group(1))})
    assert done.status_code == 303
    assert [(v.id, v.district) for v in election.service.roll(SLUG)] == [("v1", "north"), ("v2", "district-2")]
    # a bad roll is named by its field
    again = secretary.call("POST", "/commission/elections/form",
                           data={**posted(slug="club-2026"), "csrf_token": token,
                                 "roll_kept": "id,name,district\nv1,Anna,atlantis\n"})
    assert again.status_code == 422 and "'atlantis' is not one of the districts" in " ".join(
        field_problems(html.unescape(again.text), "roll"))


def test_another_site_cannot_post_the_form_or_its_kept_roll_through_the_secretarys_browser(
        election: ApiElection) -> None:
    """The kept roll is a hidden field the browser posts back: a page of another site that makes the
    secretary's logged-in browser post the form (with a roll of its own in that field) has no form
    token, and is refused before anything is read or created."""
    secretary, token = page_of(election)
    forged_roll = "id,name,district\nx1,Mallory,north\n"
    for wrong in ("", "A" * 43):
        refused = secretary.call("POST", "/commission/elections/form", follow_redirects=False,
                                 data={**posted(), "csrf_token": wrong, "roll_kept": forged_roll})
        assert refused.status_code == 403 and "csrf" in refused.text
        assert SLUG not in [s.slug for s in election.service.list_elections()]
    # with the token (the secretary's own page), the kept roll is the one stored, and nothing else
    done = secretary.call("POST", "/commission/elections/form", follow_redirects=False,
                          data={**posted(), "csrf_token": token, "roll_kept": forged_roll})
    assert done.status_code == 303
    assert [(v.id, v.district) for v in election.service.roll(SLUG)] == [("x1", "north")]


def test_only_the_central_commission_creates_an_election_through_the_pages(election: ApiElection) -> None:
    """A commission login bound to one election, or an organisation's login, posts the form or a
    definition file with its own valid form token: refused, and no election is created."""
    create(election)
    assert election.secretary is not None
    election.secretary.ok("POST", "/api/users", 201, json={
        "username": "local-commission", "password": PASSWORD, "role": "commission", "election": election.slug})
    callers = [Caller(election.client, "local-commission"), election.organisation("union")]
    before = [s.slug for s in election.service.list_elections()]
    for caller in callers:
        form = caller.call("POST", "/commission/elections/form", follow_redirects=False,
                           data={**posted(slug="club-2099"), "csrf_token": caller.csrf})
        assert form.status_code == 403, form.text
        upload = caller.call("POST", "/commission/elections/upload", follow_redirects=False,
                             data={"csrf_token": caller.csrf},
                             files={"definition": ("election.toml", b'slug = "club-2098"\n', "text/plain")})
        assert upload.status_code == 403, upload.text
    assert [s.slug for s in election.service.list_elections()] == before


def test_the_add_button_is_refused_at_the_row_limit_too() -> None:
    """The form's own add button cannot take a list past the limit a post is held to."""
    full = ElectionForm.of(posted(**{f"districts-{i}-name": f"d{i}" for i in range(200)}))
    with pytest.raises(Exception, match="at most 200 rows") as too_many:
        full.adding("districts")
    assert getattr(too_many.value, "field", None) == "districts"
    assert len(full.adding("contests").rows["contests"]) == len(full.rows["contests"]) + 1


NO_FILE = {"roll": ("", b"", "application/octet-stream")}  # a browser's file field with no file chosen


def test_a_roll_over_a_megabyte_is_kept_and_a_long_form_is_read_whole(election: ApiElection) -> None:
    """The kept roll travels back in a hidden field, so a field may be as large as a roll file; and a
    browser posts every column of every row, empty ones too, so the form's own row limit (not a
    smaller count of fields) is what bounds a post."""
    secretary, token = page_of(election)
    roll = "id,name,district\n" + "".join(f"v{i},Voter number {i},north\n" for i in range(40000))
    assert len(roll.encode()) > 1024 * 1024
    first = secretary.call("POST", "/commission/elections/form",
                           data={**posted(title=""), "csrf_token": token},
                           files={"roll": ("roll.csv", roll.encode(), "text/csv")})
    assert first.status_code == 422 and field_problems(first.text, "title") == ["must not be empty"]
    kept = re.search(r'<textarea name="roll_kept"[^>]*>(.*?)</textarea>', first.text, re.DOTALL)
    assert kept is not None
    done = secretary.call("POST", "/commission/elections/form", follow_redirects=False, files=NO_FILE,
                          data={**posted(), "csrf_token": token, "roll_kept": html.unescape(kept.group(1))})
    assert done.status_code == 303, done.text[:500]
    assert len(election.service.roll(SLUG)) == 40000
    # 150 contests, each row with all its columns as the browser sends them
    columns = ("title", "district", "method", "seats", "min_marks", "max_marks", "description", "options", "id")
    rows = {f"contests-{i}-{c}": {"title": f"Seat {i}", "district": "North", "method": "plurality"}.get(c, "")
            for i in range(150) for c in columns}
    checked = secretary.call("POST", "/commission/elections/form", files=NO_FILE,
                             data={**posted(slug="club-2026"), **rows, "csrf_token": token, "action": "check"})
    assert checked.status_code == 200 and 'id="checked"' in checked.text, checked.text[:500]
