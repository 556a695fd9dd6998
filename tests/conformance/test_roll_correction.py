"""A corrected roll that changes more than the accepted complaints asked (spec §12.1a).

The liar is the commission: it accepts voter-6's complaint of being left off and signs a
corrected roll that adds voter-6, and also drops voter-3, who never complained, and doubles
voter-4's weight. No rule forbids a correction of the commission's own, so nothing is refused;
but the verifier names every change no accepted complaint asked for, so that an observer does
not have to compare two rolls entry by entry to see a voter struck off in silence.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from conformance_elections import CLOSE, NAMES4, T0, definition
from conformance_kit import as_record, findings_of, record_files
from electionkit import (
    Board,
    at,
    contest,
    nominate_all,
    roll_of,
    roll_statement,
    run_key_ceremony,
    signed,
)
from tamper import load, to_lines

from vybory import protocol
from vybory.model.definition import Voter, parse_definition
from vybory.verify import verify_record


def corrected(final: Sequence[Voter]) -> list[str]:
    """The notes of the credentials check for a roll of five, voter-6's accepted complaint and
    voter-2's rejected one, then the corrected roll ``final``."""
    text = definition("correction", [contest("chair", "Chair", method="plurality")], public_roll=True)
    board = Board(parse_definition(text), T0)
    nominate_all(board, {"chair": NAMES4[:3]}, T0)
    board.append("nominations_closed", protocol.close_nominations(board.state, now=CLOSE), CLOSE)
    run_key_ceremony(board, CLOSE)
    now = at(CLOSE, days=1)
    board.append("roll_published", roll_statement(board.state, roll_of([("d", 1)] * 5)), now)
    left_off = board.append("roll_complaint", {"complaint": "left_off", "voter": "voter-6", "district": "d",
                                               "reason": "I work at the plant since March"}, at(now, hours=1))
    wrong = board.append("roll_complaint", {"complaint": "not_eligible", "voter": "voter-2", "district": "d",
                                            "reason": "voter-2 left the plant"}, at(now, hours=2))
    answers = protocol.answer_complaints([(left_off.position, "accepted", "on the payroll since 3 March"),
                                          (wrong.position, "rejected", "voter-2 is still employed")])
    board.append("roll_complaints_answered", signed(board.state, "roll_complaints_answered", answers),
                 at(now, hours=3))
    board.append("roll_published", roll_statement(board.state, final), at(now, hours=4))
    report = verify_record(as_record(record_files(to_lines(load(board.lines())))))
    assert findings_of(report) == []
    return [note for check in report.checks if check.name == "credentials" for note in check.notes]


def test_a_correction_that_does_only_what_was_asked_names_nothing_more() -> None:
    notes = corrected(roll_of([("d", 1)] * 6))
    assert not [n for n in notes if "no accepted complaint asked" in n]


def test_a_voter_struck_off_or_reweighted_in_a_correction_is_named() -> None:
    roll = roll_of([("d", 1)] * 6)
    final = [dataclasses.replace(v, weight=2) if v.id == "voter-4" else v for v in roll if v.id != "voter-3"]
    notes = [n for n in corrected(final) if "no accepted complaint asked" in n]
    assert [n.split("asked: ")[1] for n in notes] == [
        "district 'd': voter 'voter-3' removed", "district 'd': voter 'voter-4''s weight 1 became 2"]
    # voter-2's rejected complaint asks nothing: striking voter-2 off is named too.
    notes = [n for n in corrected([v for v in roll if v.id != "voter-2"]) if "no accepted complaint asked" in n]
    assert [n.split("asked: ")[1] for n in notes] == ["district 'd': voter 'voter-2' removed"]
