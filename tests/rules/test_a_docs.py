"""docs/counting.md lists every method's options with their defaults, as the registry has them."""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

import pytest

from vybory.rules import METHODS

DOC = (Path(__file__).resolve().parents[2] / "docs" / "counting.md").read_text(encoding="utf-8")


def documented(method: str) -> dict[str, str]:
    """Option name -> default cell of the method's options table."""
    match = re.search(rf"Options of `{re.escape(method)}`:(.*?)(?:\n\n(?!\|)|\Z)", DOC, re.DOTALL)
    assert match, f"docs/counting.md has no options table for {method!r}"
    rows = re.findall(r"^\| `([a-z_]+)` \| [^|]* \| ([^|]*) \|", match.group(1), re.MULTILINE)
    return {name: default.strip() for name, default in rows}


def shown(default: object) -> str:
    if default is None:
        return "unset"
    if isinstance(default, bool):
        return f"`{str(default).lower()}`"
    if isinstance(default, Fraction):
        return f"`{default.numerator}`" if default.denominator == 1 else f'`"{default}"`'
    if isinstance(default, str):
        return f'`"{default}"`'
    return f"`{default}`"


@pytest.mark.parametrize("method", list(METHODS))
def test_every_option_and_default_is_documented(method: str) -> None:
    table = documented(method)
    schema = METHODS[method].options
    assert set(table) == set(schema), f"docs/counting.md options of {method!r} differ from the registry"
    for name, (_kind, default, _description) in schema.items():
        assert table[name] == shown(default), f"{method}.{name}: documented {table[name]}, default {default!r}"


def test_the_tie_rule_and_the_1937_rules_are_documented() -> None:
    assert "VYBORY-V1-TIE" in DOC and "previous_rounds" in DOC
    for rule in ("9 (Art. 80)", "10:", "11:", "12:", "13 (Art. 142)", "15:", "16:"):
        assert f"| {rule}" in DOC
