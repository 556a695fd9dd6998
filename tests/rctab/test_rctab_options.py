"""RCTab's options on small contests built for them, checked round by round.

Each expectation is worked out by hand from RCTab's documentation
(``config_file_documentation.txt``) and its tabulator's order of operations,
not read back from vybory.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rctabkit import rounds, write_contest

from vybory.cli.rctab import count_rctab, summaries
from vybory.errors import InvalidInput


def count(config: Path) -> list[dict]:
    return summaries(count_rctab(config))


def test_an_old_configuration_is_migrated_as_rctab_migrates_it(tmp_path: Path) -> None:
    ballots = [["A", "B"], ["A", "B"], ["B", "A"], [None, "C", "B"], ["C", "A"]]
    old = write_contest(tmp_path / "old", ["A", "B", "C"], ballots, version="1.0.1",
                        winnerElectionMode="standard", numberOfWinners="2", tiebreakMode="usePermutationInConfig",
                        maxSkippedRanksAllowed="0", undervoteLabel="skip")
    new = write_contest(tmp_path / "new", ["A", "B", "C"], ballots,
                        winnerElectionMode="multiWinnerAllowMultipleWinnersPerRound", numberOfWinners="2",
                        tiebreakMode="useCandidateOrder", maxSkippedRanksAllowed="0")
    assert count(old)[0]["results"] == count(new)[0]["results"]
    # threshold floor(4/3) + 1 = 2 (the ballot skipping its first rank is inactive): A elected in round 1
    first = count(old)[0]["results"][0]
    assert first["threshold"] == "2" and first["inactiveBallots"]["skippedRankings"] == "1"
    assert rounds(count(old)[0])[0][1] == ["A"]
    current = write_contest(tmp_path / "current", ["A", "B", "C"], ballots, winnerElectionMode="standard",
                            numberOfWinners="2")
    with pytest.raises(InvalidInput, match="is not one of"):
        count(current)
