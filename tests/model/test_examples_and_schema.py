"""The examples parse, their rolls load, and both they and their normal form match the JSON Schema."""

from __future__ import annotations

import copy
import json
import tomllib
from datetime import datetime
from pathlib import Path

import jsonschema
import pytest

from vybory.model.definition import format_time, parse_definition, parse_roll

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "vybory" / "model" / "definition.schema.json").read_text())
EXAMPLES = sorted((ROOT / "examples").glob("*/election.toml"))


def as_json(value):
    """TOML values as JSON would carry them (date-times as ISO 8601 strings)."""
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    if isinstance(value, datetime):
        return format_time(value)
    return value


def test_there_are_the_four_examples():
    names = {p.parent.name for p in EXAMPLES}
    assert {"union-committee", "council", "recall", "assembly-motion"} <= names


def test_the_schema_is_a_valid_schema():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.parent.name)
def test_example(path):
    text = path.read_text()
    definition = parse_definition(text, source=str(path))
    voters = parse_roll((path.parent / "roll.csv").read_text(), definition)
    assert {v.district for v in voters} == {d.id for d in definition.districts}
    validator = jsonschema.Draft202012Validator(SCHEMA)
    validator.validate(as_json(tomllib.loads(text)))
    validator.validate(definition.to_json())


def test_the_schema_refuses_what_the_parser_refuses():
    validator = jsonschema.Draft202012Validator(SCHEMA)
    good = as_json(tomllib.loads(EXAMPLES[0].read_text()))
    for mutate in (lambda o: o.pop("trustees"), lambda o: o.update(colour="red"),
                   lambda o: o["contests"][0].update(method="borda"),
                   lambda o: o["deadlines"].update(voting_open="2025-04-14T05:00:00+02:00"),
                   lambda o: o["organisations"][0].update(type="guild"),
                   lambda o: o.update(seed="xyz")):
        bad = copy.deepcopy(good)
        mutate(bad)
        assert list(validator.iter_errors(bad))
