"""The record of `vybory demo` (three districts, a runoff, a repeat round, a recall motion, two
trustees who never decrypt) verifies from the file alone; changing it is named."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from tamper import load, read_zip, rechained

from vybory.cli.demo import run_demo
from vybory.cli.record import export_record, open_record
from vybory.verify import verify_record
from vybory.verify.report import Status


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("demo")
    heads: list[str] = []

    def export_only(service, slug: str, folder: Path) -> bool:  # type: ignore[no-untyped-def]
        heads.append(service.head(slug).hash)
        export_record(service, slug, folder / "record.zip")
        return True

    assert run_demo(voters=40, seed="1937", out=out, workers=1, verify=export_only)
    return out / "record.zip", heads[0]


def test_the_demo_record_verifies(demo: tuple[Path, str]) -> None:
    path, head = demo
    with open_record(path) as files:
        report = verify_record(files, published_head=head)
    assert report.ok, [str(f) for f in report.failures]
    assert report.election == "demo" and report.head == head
    rounds = {o["payload"]["round"] for o in load(read_zip(path)["events.jsonl"].splitlines(keepends=True))
              if o["kind"] == "outcome_declared"}
    assert {1, 2} <= rounds  # a runoff and a repeat election followed round 1
    assert report.check("decryption_shares").checked == 3 * len(rounds)  # three trustees decrypt each round
    assert all(c.status is Status.PASSED for c in report.checks)


def test_the_demo_record_tampered(demo: tuple[Path, str]) -> None:
    path, head = demo
    files = read_zip(path)
    events = load(files["events.jsonl"].splitlines(keepends=True))
    declared = [e for e in events if e["kind"] == "outcome_declared"][-1]
    entry = next(o for o in declared["payload"]["outcomes"] if o["outcome"]["winners"])
    loser = next(c for c in entry["candidates"] if c not in entry["outcome"]["winners"])
    changed = copy.deepcopy(events)
    target = next(e for e in changed if e["hash"] == declared["hash"])
    next(o for o in target["payload"]["outcomes"] if o["contest"] == entry["contest"])["outcome"]["winners"] = [loser]
    report = verify_record(rechained(files, changed), published_head=head)
    assert not report.ok
    position = changed.index(target) + 1
    assert any(f.position == position and f.code == "outcome_differs" for f in report.check("decisions").findings)
    assert [f.code for f in report.check("head").findings] == ["published_head_mismatch"]
