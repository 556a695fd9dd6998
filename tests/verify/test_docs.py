"""docs/verifier.md lists the checks exactly as `vybory verify` reports them: same numbers,
names and order, each with the spec sections the report names, and those sections exist."""

from __future__ import annotations

import re
from pathlib import Path

from vybory.verify.report import CHECKS

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_the_documented_checks_are_the_reported_ones() -> None:
    text = (DOCS / "verifier.md").read_text(encoding="utf-8")
    headings = re.findall(r"^### (\d+)\. `([a-z_]+)` — .*\((.*)\)$", text, flags=re.MULTILINE)
    assert [(int(n), name) for n, name, _ in headings] == [(c.number, c.name) for c in CHECKS]
    for (_, _, sections), check in zip(headings, CHECKS):
        expected = "this document, §1" if check.spec == "verifier.md §1" else check.spec
        assert sections == expected, check.name


def test_every_cited_spec_section_exists() -> None:
    spec = (DOCS / "spec.md").read_text(encoding="utf-8")
    present = set(re.findall(r"^#{2,3} (\d+(?:\.\d+)?)\.? ", spec, flags=re.MULTILINE))
    for check in CHECKS:
        if not check.spec.startswith("spec"):
            continue
        for number in re.findall(r"§(\d+(?:\.\d+)?)", check.spec):
            assert number in present, f"{check.name}: spec §{number} does not exist"
