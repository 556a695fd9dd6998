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


def test_every_finding_code_the_verifier_reports_is_documented() -> None:
    # A second verifier compares codes: each one vybory/verify can report is in the table of
    # docs/verifier.md ("Finding codes") under its check, or in the spec.
    source = "\n".join(p.read_text(encoding="utf-8") for p in (DOCS.parent / "vybory" / "verify").glob("*.py"))
    literals = set(re.findall(r'(?:fail|_fail)\((?:CHECK, |check, |"[a-z_]+", )?"([a-z_]+)"', source))
    literals |= set(re.findall(r'code="([a-z_]+)"', source))
    # The codes made from a field's name (fail(f"dkg_{name}", ...)), by the fields each loop names.
    assert set(re.findall(r'fail\(f"([a-z]+)_\{name\}"', source)) == {"dkg", "tally", "decrypted", "outcome"}
    literals |= {f"dkg_{n}" for n in ("trustees", "threshold", "qualified", "public_key", "disqualified",
                                      "false_complaints")}
    literals |= {f"{p}_{n}" for p in ("tally", "decrypted") for n in ("ballots", "ballots_cast", "registered")}
    literals |= {f"outcome_{n}" for n in ("kind", "seats", "candidates")}
    names = {c.name for c in CHECKS}
    text = (DOCS / "verifier.md").read_text(encoding="utf-8")
    table = text[text.index("## Finding codes"):text.index("## Report format")]
    spec = (DOCS / "spec.md").read_text(encoding="utf-8")
    missing = sorted(code for code in literals - names if f"`{code}`" not in table and f"`{code}`" not in spec)
    assert not missing, f"finding codes not documented in docs/verifier.md or docs/spec.md: {missing}"
    assert "`dkg_disqualified`" in table and "`record_extra_file`" in table
