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


def test_batch_elimination_drops_everyone_who_cannot_catch_up(tmp_path: Path) -> None:
    # A 10, B 7, C 2, D 1: C + D = 3 < 7, so both go in round 1 (threshold 20 // 2 + 1 = 11).
    ballots = [["A"]] * 10 + [["B"]] * 7 + [["C", "A"], ["C", "B"], ["D", "A"]]
    for batch, first_out in ((True, ["C", "D"]), (False, ["D"])):
        config = write_contest(tmp_path / str(batch), ["A", "B", "C", "D"], ballots, batchElimination=batch)
        got = rounds(count(config)[0])
        assert got[0][2] == first_out
        assert got[-1][1] == ["A"]
    summary = count(write_contest(tmp_path / "b", ["A", "B", "C", "D"], ballots, batchElimination=True))[0]
    assert summary["results"][0]["threshold"] == "11"
    assert summary["results"][1]["tally"] == {"A": "12", "B": "8"}


def test_continue_until_two_candidates_remain(tmp_path: Path) -> None:
    ballots = [["A"]] * 6 + [["B"]] * 3 + [["C", "B"]] * 2
    plain = rounds(count(write_contest(tmp_path / "plain", ["A", "B", "C"], ballots))[0])
    assert len(plain) == 1 and plain[0][1] == ["A"]
    summary = count(write_contest(tmp_path / "two", ["A", "B", "C"], ballots,
                                  continueUntilTwoCandidatesRemain=True))[0]
    got = rounds(summary)
    # A wins in round 1; C goes in round 2; round 3 shows the last two; the threshold stays 6.
    assert [r[1] for r in got] == [["A"], [], []]
    assert [r[2] for r in got] == [[], ["C"], []]
    assert got[2][0] == {"A": "6", "B": "5"}
    assert [r["threshold"] for r in summary["results"]] == ["6", "6", "6"]


def test_previous_round_counts_break_a_tie_for_last(tmp_path: Path) -> None:
    # Round 2: B and C tied at 3; in round 1 C had fewer (2 against 3).
    ballots = [["A"]] * 4 + [["B"]] * 3 + [["C"]] * 2 + [["D", "C"]]
    order = ["A", "C", "B", "D"]
    by_order = rounds(count(write_contest(tmp_path / "order", order, ballots, tiebreakMode="useCandidateOrder"))[0])
    assert by_order[1][2] == ["B"]  # the one listed last of the tied
    previous = count(write_contest(tmp_path / "previous", order, ballots,
                                   tiebreakMode="previousRoundCountsThenRandom", randomSeed="3"))
    assert rounds(previous[0])[1][2] == ["C"]


def test_fractional_surplus_and_residual(tmp_path: Path) -> None:
    # Two seats, 11 ballots: threshold 11 // 3 + 1 = 4. A's surplus 2 of 6 moves at 0.3333 a
    # ballot (2/6 rounded down to 4 places); each of A's six ballots keeps 0.6667, 4.0002 in all:
    # 0.0002 is residual surplus and A is shown at the threshold.
    ballots = [["A", "B"]] * 6 + [["B"]] * 2 + [["C"]] * 2 + [["D", "C"]]
    config = write_contest(tmp_path, ["A", "B", "C", "D"], ballots, numberOfWinners="2",
                           winnerElectionMode="multiWinnerAllowMultipleWinnersPerRound")
    summary = count(config)[0]
    first, second = summary["results"][0], summary["results"][1]
    assert first["threshold"] == "4" and first["tallyResults"] == [
        {"elected": "A", "transfers": {"B": "1.9998", "residual surplus": "0.0002"}}]
    assert second["tally"] == {"A": "4", "B": "3.9998", "C": "2", "D": "1"}
    # D goes (its ballot to C: 3), then C (3 against B's 3.9998), and B, alone, takes the second seat.
    got = rounds(summary)
    assert [r[2] for r in got[1:3]] == [["D"], ["C"]]
    assert [w for r in got for w in r[1]] == ["A", "B"]


def test_first_round_determines_threshold(tmp_path: Path) -> None:
    # A 4, B 3, C 2, D 1 (ballots ranking one candidate): 10 votes, threshold 10 // 2 + 1 = 6.
    # D, then C go; A 4 against B 3 with 7 active. Recomputed, the threshold falls to 5, then
    # 4, and A wins in round 3 by reaching it; frozen at 6, nobody reaches it, and A, the
    # higher of the last two, wins in the same round.
    ballots = [["A"]] * 4 + [["B"]] * 3 + [["C"]] * 2 + [["D"]]
    plain = count(write_contest(tmp_path / "plain", ["A", "B", "C", "D"], ballots))[0]
    frozen = count(write_contest(tmp_path / "frozen", ["A", "B", "C", "D"], ballots,
                                 doesFirstRoundDetermineThreshold=True))[0]
    assert [r["threshold"] for r in plain["results"]] == ["6", "5", "4"]
    assert [r["threshold"] for r in frozen["results"]] == ["6", "6", "6"]
    for summary in (plain, frozen):
        got = rounds(summary)
        assert [r[2] for r in got] == [["D"], ["C"], []] and got[-1][1] == ["A"]
    # the last two tied at 3 under the frozen threshold 5: the tiebreak elects one
    # (useCandidateOrder: the one listed first), and the summary's round says so
    tied = [["A"]] * 3 + [["B"]] * 3 + [["C"]] * 2
    summary = count(write_contest(tmp_path / "tied", ["B", "A", "C"], tied, doesFirstRoundDetermineThreshold=True))[0]
    got = rounds(summary)
    assert [r["threshold"] for r in summary["results"]] == ["5", "5"]
    assert got[0][2] == ["C"] and got[1][1] == ["B"]


def test_cutoff_elimination_drops_everyone_below_the_threshold_at_once(tmp_path: Path) -> None:
    # Bottoms-up at 25 %: 10 votes, threshold 2.5. C 1 and D 1 are both below it: with
    # cutoffElimination both go in round 1 and A 6, B 4 are elected in round 2; without it
    # only the lowest goes (C and D tied: useCandidateOrder drops D, listed last), then C.
    ballots = [["A"]] * 5 + [["B"]] * 3 + [["C", "A"], ["D", "B"]]
    options = {"winnerElectionMode": "bottomsUpUsingPercentageThreshold", "numberOfWinners": "0",
               "multiSeatBottomsUpPercentageThreshold": "25"}
    cut = rounds(count(write_contest(tmp_path / "cut", ["A", "B", "C", "D"], ballots, cutoffElimination=True,
                                     **options))[0])
    assert [r[2] for r in cut] == [["C", "D"], []]
    assert cut[1][0] == {"A": "6", "B": "4"} and sorted(cut[1][1]) == ["A", "B"]
    plain = rounds(count(write_contest(tmp_path / "plain", ["A", "B", "C", "D"], ballots, **options))[0])
    assert [r[2] for r in plain] == [["D"], ["C"], []]
    assert sorted(plain[-1][1]) == ["A", "B"]


def test_stop_tabulation_early_after_a_round(tmp_path: Path) -> None:
    # A 4, B 3, C 2, D 1: four rounds would elect A; stopped after round 2, nobody is elected
    # and the summary has two rounds.
    ballots = [["A"]] * 4 + [["B"]] * 3 + [["C", "B"]] * 2 + [["D", "C"]]
    stopped = count(write_contest(tmp_path, ["A", "B", "C", "D"], ballots, stopTabulationEarlyAfterRound="2"))[0]
    got = rounds(stopped)
    assert len(got) == 2 and [r[2] for r in got] == [["D"], ["C"]]
    assert all(not r[1] for r in got)
