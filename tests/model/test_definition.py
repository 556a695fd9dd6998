"""The election definition and the voter roll: checked key by key, every problem named at once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from electionkit import COMMITTEE as BASE
from electionkit import signing_key

from vybory.errors import InvalidDefinition, InvalidInput
from vybory.model.definition import (
    definition_from_json,
    fingerprint,
    parse_definition,
    parse_roll,
)

HERE = Path(__file__).resolve().parent


def problems(text: str) -> list[str]:
    with pytest.raises(InvalidDefinition) as info:
        parse_definition(text, source="election.toml")
    assert info.value.code == "invalid_definition"
    return info.value.problems


def test_a_good_definition_and_its_normal_form():
    d = parse_definition(BASE)
    assert d.slug == "committee" and d.threshold == 2 and d.revote is True
    assert d.contests[0].district == "plant"  # the only district is the default
    assert d.contests[0].options["quorum"] == "1/2"  # rule defaults filled in, exactly
    assert d.deadlines.runoff_days == 14 and d.deadlines.appeal_days == 2
    again = definition_from_json(d.to_json())
    assert again == d and fingerprint(again) == fingerprint(d)
    assert len(fingerprint(d)) == 32


def test_the_fingerprint_ignores_layout_but_not_content():
    d = parse_definition(BASE)
    reformatted = parse_definition(BASE.replace('title = "Chair"', 'title   =   "Chair"   # the chair'))
    assert fingerprint(reformatted) == fingerprint(d)
    changed = parse_definition(BASE.replace('title = "Chair"', 'title = "Chairperson"'))
    assert fingerprint(changed) != fingerprint(d)


def test_one_organisation_holding_k_trustees_is_refused_unless_recorded():
    text = BASE.replace('organisation = "coop"', 'organisation = "union"')
    found = problems(text)
    assert len(found) == 1
    assert found[0].startswith("election.toml: commission.allow_organisation_threshold: is not set, but "
                               "organisation 'union' alone holds 2 trustees")
    allowed = parse_definition(text.replace("threshold = 2", "threshold = 2\nallow_organisation_threshold = true"))
    assert allowed.allow_organisation_threshold is True
    assert allowed.to_json()["commission"]["allow_organisation_threshold"] is True


def test_every_problem_is_named_at_once():
    text = (BASE
            .replace('slug = "committee"', 'slug = "Committee!"')
            .replace('seed = "00112233445566778899aabbccddeeff"', 'seed = "xyz"')
            .replace("voting_close = 2025-05-11T18:00:00Z", "voting_close = 2025-05-09T18:00:00Z")
            .replace('type = "cooperative"', 'type = "guild"')
            .replace('organisation = "coop"', 'organisation = "nobody"')
            .replace('method = "majority"', 'method = "majority"\nseats = 0\ncolour = "red"')
            .replace("threshold = 2", "threshold = 3"))
    found = problems(text)
    keys = [p.split(": ")[1] for p in found]
    for key in ("slug", "seed", "deadlines.voting_close", "organisations[1].type", "trustees[1].organisation",
                "contests[chair].seats", "contests[chair].colour", "commission.threshold"):
        assert key in keys, (key, found)
    assert all(p.startswith("election.toml: ") for p in found)


@pytest.mark.parametrize("change, key", [
    (("[commission]", "[comission]"), "comission"),
    (('method = "majority"', 'method = "irv"\nseats = 2'), "contests[chair].seats"),
    (('method = "majority"', 'method = "stv-meek"\n[contests.options]\nwithdrawn = ["Ann"]'),
     "contests[chair].options.withdrawn"),
    (('method = "majority"', 'method = "borda"'), "contests[chair].method"),
    (('method = "majority"', 'method = "majority"\n[contests.options]\nquorum = "lots"'),
     "contests[chair].options.quorum"),
    (('method = "majority"', 'method = "majority"\n[contests.options]\nround = "runoff"'),
     "contests[chair].options.round"),
    (('method = "majority"', 'method = "majority"\n[contests.options]\nblank_in_denominator = false'),
     "contests[chair].options.blank_in_denominator"),
    (('method = "majority"', 'method = "motion"\nmax_marks = 1'), "contests[chair].max_marks"),
    (('method = "majority"', 'method = "approval"\nmin_marks = 3\nmax_marks = 2'), "contests[chair].min_marks"),
    (("nominations_close = 2025-05-01T12:00:00Z", "nominations_close = 2025-05-01"), "deadlines.nominations_close"),
    (("nominations_close = 2025-05-01T12:00:00Z", "nominations_close = 2025-05-01T12:00:00"),
     "deadlines.nominations_close"),
    (("nominations_close = 2025-05-01T12:00:00Z", 'nominations_close = "2025-05-01T12:00:00+02:00"'),
     "deadlines.nominations_close"),
    (("nominations_close = 2025-05-01T12:00:00Z", 'nominations_close = 2025-06-01T12:00:00Z'),
     "deadlines.voting_open"),
    (('[[districts]]\nid = "plant"', '[[districts]]\nid = "plant"\n[[districts]]\nid = "plant"'), "districts"),
    (('id = "t2"', 'id = "t1"'), "trustees"),
    (('name = "Credentials office"', 'name = ""'), "credential_authority.name"),
    (('title = "Factory committee"', 'title = 7'), "title"),
    (('[[contests]]', '[[districts]]\nid = "office"\nname = "Office"\n[[contests]]'), "contests[chair].district"),
])
def test_each_rule_names_its_key(change, key):
    found = problems(BASE.replace(*change))
    assert any(p.split(": ")[1] == key for p in found), found


def test_not_toml_and_missing_sections():
    assert "not valid TOML" in problems("slug = ")[0]
    found = problems('slug = "x"')
    for key in ("title", "seed", "credential_authority", "deadlines", "districts", "organisations",
                "trustees", "contests"):
        assert any(p.split(": ")[1] == key for p in found), (key, found)
    with pytest.raises(InvalidDefinition):
        definition_from_json(["not", "an", "object"])
    with pytest.raises(InvalidDefinition):
        definition_from_json({"slug": "x"})  # the JSON form carries format and version


def test_tampering_with_the_json_form_is_refused_or_changes_the_fingerprint():
    d = parse_definition(BASE)
    obj = d.to_json()
    obj["commission"]["threshold"] = 5
    with pytest.raises(InvalidDefinition):
        definition_from_json(obj)
    obj = d.to_json()
    obj["contests"][0]["options"]["quorum"] = "1/3"
    assert fingerprint(definition_from_json(obj)) != fingerprint(d)
    obj = d.to_json()
    obj["version"] = 3
    with pytest.raises(InvalidDefinition):
        definition_from_json(obj)


def test_a_version_1_definition_is_refused_and_told_why():
    obj = parse_definition(BASE).to_json()
    obj["version"] = 1
    with pytest.raises(InvalidDefinition) as refused:
        definition_from_json(obj)
    assert "version 1 names no signing keys" in str(refused.value)


@pytest.mark.parametrize("where", ["credential_authority", "commission", "trustees.0"])
def test_swapping_a_signing_key_after_creation_changes_the_fingerprint(where):
    """A commission that swaps the authority's (or a trustee's) key in the record's definition
    makes another election: every signature and proof is bound to the fingerprint."""
    d = parse_definition(BASE)
    obj = d.to_json()
    table = obj["trustees"][0] if where == "trustees.0" else obj[where]
    table["signing_key"] = signing_key("impostor", where)
    assert fingerprint(definition_from_json(obj)) != fingerprint(d)


@pytest.mark.parametrize("value, rule", [
    ("00" * 32, "identity element"),
    ("ff" * 32, "canonical"),
    ("AB" * 32, "lower-case"),
    ("12", "64"),
    (7, "string"),
])
def test_a_bad_signing_key_is_refused_naming_it(value, rule):
    obj = parse_definition(BASE).to_json()
    obj["trustees"][1]["signing_key"] = value
    with pytest.raises(InvalidDefinition) as refused:
        definition_from_json(obj)
    assert "trustees[1].signing_key" in str(refused.value)


def test_two_signers_never_share_a_key():
    obj = parse_definition(BASE).to_json()
    obj["commission"]["signing_key"] = obj["trustees"][0]["signing_key"]
    with pytest.raises(InvalidDefinition) as refused:
        definition_from_json(obj)
    assert "trustees[0].signing_key: is the same key as commission.signing_key" in str(refused.value)


def test_a_missing_signing_key_is_refused():
    obj = parse_definition(BASE).to_json()
    del obj["credential_authority"]["signing_key"]
    with pytest.raises(InvalidDefinition) as refused:
        definition_from_json(obj)
    assert "credential_authority.signing_key: is required" in str(refused.value)


ROLL = "id,name,district,weight\n1,Ann,plant,1\n2,Bob,plant,3\n3,\"Cole, Jr.\",plant,\n"


def test_parse_roll():
    d = parse_definition(BASE)
    voters = parse_roll(ROLL, d)
    assert [(v.id, v.name, v.weight) for v in voters] == [("1", "Ann", 1), ("2", "Bob", 3), ("3", "Cole, Jr.", 1)]
    assert parse_roll("\ufeffid,name,district\n1,Ann,plant\n", d)[0].weight == 1


@pytest.mark.parametrize("text, where", [
    ("", "is empty"),
    ("id,name\n1,Ann\n", "line 1: column 'district' is missing"),
    ("id,name,district,colour\n1,Ann,plant,red\n", "line 1, column 4: unknown column 'colour'"),
    ("id,name,district\n1,Ann,plant\n1,Bob,plant\n", "line 3, column 1 (id): '1' is already on line 2"),
    ("id,name,district\n1,Ann,mars\n", "line 2, column 3 (district): 'mars' is not one of the districts"),
    ("id,name,district,weight\n1,Ann,plant,0\n", "line 2, column 4 (weight)"),
    ("id,name,district,weight\n1,Ann,plant,1.5\n", "line 2, column 4 (weight)"),
    ("id,name,district\n1,Ann\n", "line 2: has 2 columns"),
    ("id,name,district\n1,,plant\n", "line 2, column 2 (name): is empty"),
    ("id,name,district\n", "no voters"),
])
def test_roll_errors_name_line_and_column(text, where):
    with pytest.raises(InvalidInput) as info:
        parse_roll(text, parse_definition(BASE))
    assert where in info.value.message


def test_roll_names_every_problem():
    with pytest.raises(InvalidInput) as info:
        parse_roll("id,name,district\n1,Ann,mars\n1,,plant\n", parse_definition(BASE))
    assert len(re.findall(r"roll\.csv: line", info.value.message)) == 3


def test_the_normal_form_fills_every_option_as_spec_9_2_says() -> None:
    # Spec §9.2: every option of the method's table in docs/counting.md, the file's value or the
    # default, exact numbers in lowest terms, "unset" as null; the marks limits given either way
    # appear in both places, null when not given.
    from electionkit import contest, lone_contest

    from vybory.rules import METHODS

    text = lone_contest(contest("a", "A", method="approval"),
                        contest("b", "B", method="block", seats=2, options={"max_marks": 3}),
                        contest("s", "S", method="strikeout", max_marks=1),
                        contest("m", "M", method="motion", options={"threshold": "0.50", "quorum": "2/4"}))
    by_id = {c["id"]: c for c in parse_definition(text).to_json()["contests"]}
    assert (by_id["a"]["options"], by_id["a"]["min_marks"], by_id["a"]["max_marks"]) == (
        {"min_marks": 0, "max_marks": None}, 0, None)
    assert (by_id["b"]["options"], by_id["b"]["min_marks"], by_id["b"]["max_marks"]) == ({"max_marks": 3}, None, 3)
    assert by_id["s"]["options"]["runoff_above"] is None and "round" not in by_id["s"]["options"]
    assert set(by_id["s"]["options"]) == set(METHODS["strikeout"].options) - {"round"}
    assert (by_id["s"]["min_marks"], by_id["s"]["max_marks"]) == (None, 1)
    assert by_id["m"]["options"] == {"denominator": "valid", "threshold": "1/2", "comparison": "more_than",
                                     "quorum": "1/2"}
    assert (by_id["m"]["min_marks"], by_id["m"]["max_marks"]) == (None, None)


def test_mark_limits_follow_spec_11_from_the_normal_form() -> None:
    # Spec §11: minimum = min_marks or 0; maximum = max_marks or the method's default (plurality 1,
    # approval n, block/strikeout/majority the round's seats), never more than n; every maximum 1.
    from electionkit import contest, lone_contest

    from vybory.model.layout import compute_layout

    text = lone_contest(contest("p", "P", method="plurality"), contest("a", "A", method="approval"),
                        contest("s", "S", method="strikeout", seats=3),
                        contest("m", "M", method="majority", seats=2, min_marks=1),
                        contest("b", "B", method="block", seats=2, max_marks=9))
    d = parse_definition(text)
    names = ["Ann", "Bob", "Cy", "Dee"]

    def bounds(cid: str, n: int = 4, seats: int | None = None) -> tuple[int, int, tuple[int, ...]]:
        layout = compute_layout(d.contest(cid), names[:n], seats)
        (constraint,) = layout.constraints
        return constraint.minimum, constraint.maximum, tuple(set(layout.maxima))

    assert bounds("p") == (0, 1, (1,))
    assert bounds("a") == (0, 4, (1,))
    assert bounds("s") == (0, 3, (1,)) and bounds("s", seats=1) == (0, 1, (1,)) and bounds("s", n=2) == (0, 2, (1,))
    assert bounds("m") == (1, 2, (1,))
    assert bounds("b") == (0, 4, (1,)) and bounds("b", n=3) == (0, 3, (1,))
