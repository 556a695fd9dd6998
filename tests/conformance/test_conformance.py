"""The conformance kit against `vybory verify`: every valid record verifies, every tampered copy
fails with exactly the findings the kit lists, and the kit is what scripts/make-conformance makes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from conformance_kit import EXPECTED, KIT, KIT_FORMAT, KIT_VERSION, build, expected_json, zip_bytes
from typer.testing import CliRunner

from vybory.cli.main import app

DOC = json.loads((KIT / EXPECTED).read_text(encoding="utf-8"))
RECORDS: list[dict[str, Any]] = DOC["records"]


def test_the_kit_lists_every_feature_and_both_verdicts() -> None:
    assert (DOC["format"], DOC["version"]) == (KIT_FORMAT, KIT_VERSION)
    elections = {r["election"] for r in RECORDS}
    assert elections == {"strikeout", "motion", "for-against", "weighted", "ranked", "runoff", "repeat",
                         "complaints", "skipped-share", "inspection", "restart", "districts"}
    for name in elections:
        mine = [r for r in RECORDS if r["election"] == name]
        assert [r["verified"] for r in mine if r["variant"] == "valid"] == [True]
        assert any(not r["verified"] for r in mine), f"{name} has no tampered copy"
    for r in RECORDS:
        assert r["verified"] == (not r["findings"]) and (KIT / r["file"]).is_file()
    assert sorted(str(p.relative_to(KIT)) for p in KIT.glob("*/*.zip")) == sorted(r["file"] for r in RECORDS)


def test_every_refusal_of_spec_12_5_has_its_record() -> None:
    # docs/verifier.md names, for each rule of spec §12.5, a record whose ballot breaks it: that
    # record's findings hold the rule's code, and no rule is left out silently.
    docs = Path(__file__).resolve().parents[2] / "docs"
    spec = (docs / "spec.md").read_text(encoding="utf-8")
    table = spec[spec.index("### 12.5 Accepting a ballot"):spec.index("### 12.6")]
    codes = {int(n): c for n, c in re.findall(r"^\| (\d+) \| .* \| `([a-z_]+)` \|$", table, flags=re.MULTILINE)}
    assert sorted(codes) == list(range(1, 19))
    text = (docs / "verifier.md").read_text(encoding="utf-8")
    kit = text[text.index("**The refusals of spec §12.5.**"):text.index("`vybory verify` itself gives exactly")]
    covered: set[int] = set()
    by_file = {r["file"]: r for r in RECORDS}
    for rules, code, files in re.findall(r"^\| ([\d, ]+) \| `([a-z_]+)` \| (.*) \|$", kit, flags=re.MULTILINE):
        numbers = [int(n) for n in rules.split(",")]
        assert code in {codes[n] for n in numbers}, (rules, code)
        for file in re.findall(r"`([a-z-]+/[a-z0-9-]+\.zip)`", files):
            assert code in {f["code"] for f in by_file[file]["findings"]}, file
        covered |= set(numbers)
    assert sorted(set(codes) - covered) == []


@pytest.mark.parametrize("entry", RECORDS, ids=[r["file"] for r in RECORDS])
def test_vybory_verify_gives_the_kit_s_verdict_and_findings(entry: dict[str, Any]) -> None:
    result = CliRunner().invoke(app, ["verify", str(KIT / entry["file"]), "--json", "--workers", "1"])
    assert result.exit_code == (0 if entry["verified"] else 1), result.output
    report = json.loads(result.output)
    assert report["verified"] is entry["verified"]
    found = sorted(({"check": f["check"], "code": f["code"], "position": f["position"]}
                    for c in report["checks"] for f in c["findings"]),
                   key=lambda f: (f["check"], f["code"], f["position"] or 0))
    assert found == entry["findings"]


def test_the_kit_is_what_the_script_makes(tmp_path: Path) -> None:
    # Built again from the elections' code: the same records, byte for byte, and the same verdicts.
    built = build()
    assert expected_json(built) == (KIT / EXPECTED).read_bytes()
    for b in built:
        assert zip_bytes(b.files) == (KIT / b.file).read_bytes(), f"{b.file} is stale: run scripts/make-conformance"
