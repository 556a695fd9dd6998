from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from election import Election, build
from tamper import read_zip

from vybory.cli.record import export_record


@dataclass
class Exported:
    """A finished election, its record on disk, and the record's files in memory."""

    election: Election
    path: Path
    files: dict[str, bytes]

    @property
    def events(self) -> list[bytes]:
        return self.files["events.jsonl"].splitlines(keepends=True)


@pytest.fixture(scope="session")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Exported:
    """The election of ``election.py``, published and exported (built once per test process)."""
    directory = tmp_path_factory.mktemp("election")
    e = build(directory)
    path = directory / "record.zip"
    export_record(e.service, e.slug, path)
    return Exported(e, path, read_zip(path))


@pytest.fixture(scope="session")
def other_exported(tmp_path_factory: pytest.TempPathFactory) -> Exported:
    """Another election (another slug and seed, hence another fingerprint), exported after round 1."""
    directory = tmp_path_factory.mktemp("other")
    e = build(directory, slug="works-2025-bis", seed="0ddba11c0ddba11c0ddba11c0ddba11c", published=False)
    path = directory / "record.zip"
    export_record(e.service, e.slug, path)
    return Exported(e, path, read_zip(path))


def pytest_collection_modifyitems(items: list[Any]) -> None:
    # The session fixtures build an election each: keep this folder's tests on one worker.
    for item in items:
        if "tests/verify" in str(item.fspath):
            item.add_marker(pytest.mark.xdist_group("verify-record"))
