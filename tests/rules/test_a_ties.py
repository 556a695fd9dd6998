"""Tie-breaking: earlier rounds first, then a draw from the published seed."""

from __future__ import annotations

import hashlib

from vybory.rules.outcome import TieRule
from vybory.rules.ties import TieBreaker, groups_by_count


def test_draw_key_is_the_documented_hash() -> None:
    tb = TieBreaker(b"seed")
    parts = [b"VYBORY-V1-TIE", b"seed", b"elect", b"3", "Ďáblová".encode()]
    expected = hashlib.sha256(b"".join(len(p).to_bytes(4, "big") + p for p in parts)).digest()
    assert tb.draw_key("elect", 3, "Ďáblová") == expected


def test_draw_is_reproducible_and_independent_of_listing_order() -> None:
    names = [f"C{i}" for i in range(8)]
    a = TieBreaker(b"s1").pick(names, count=3, purpose="elect", round_number=1, lowest_first=False)
    b = TieBreaker(b"s1").pick(list(reversed(names)), count=3, purpose="elect", round_number=1, lowest_first=False)
    assert a == b


def test_draw_differs_by_seed() -> None:
    names = [f"C{i}" for i in range(8)]
    picks = {tuple(TieBreaker(s).order(names, purpose="elect", round_number=1, lowest_first=False)[0])
             for s in (b"a", b"b", b"c", b"d")}
    assert len(picks) > 1


def test_previous_rounds_decide_before_the_draw() -> None:
    tb = TieBreaker(b"s")
    tb.history = [{"A": 5, "B": 3}, {"A": 7, "B": 7}]
    # latest earlier round ties them; the one before does not
    assert tb.pick(["A", "B"], purpose="eliminate", round_number=3, lowest_first=True) == ["B"]
    assert tb.pick(["A", "B"], purpose="elect", round_number=3, lowest_first=False) == ["A"]
    ties = tb.take_ties()
    assert [t.rule for t in ties] == [TieRule.PREVIOUS_ROUNDS, TieRule.PREVIOUS_ROUNDS]
    assert ties[0].candidates == ("A", "B") and ties[0].chosen == ("B",)
    assert tb.take_ties() == []


def test_latest_round_first_unless_asked_to_look_forward() -> None:
    history = [{"A": 1, "B": 2}, {"A": 4, "B": 3}]
    latest = TieBreaker(b"s")
    latest.history = history
    assert latest.pick(["A", "B"], purpose="eliminate", round_number=3, lowest_first=True) == ["B"]
    earliest = TieBreaker(b"s", previous_rounds="earliest_first")
    earliest.history = history
    assert earliest.pick(["A", "B"], purpose="eliminate", round_number=3, lowest_first=True) == ["A"]


def test_partial_order_among_three_then_draw() -> None:
    tb = TieBreaker(b"s")
    tb.history = [{"A": 2, "B": 2, "C": 9}]
    # C is ahead by the earlier round; A and B stay tied, so the draw decides who is last.
    ordered, rule = tb.order(["A", "B", "C"], purpose="eliminate", round_number=2, lowest_first=False)
    assert ordered[0] == "C" and rule is TieRule.DRAW
    # Choosing one to go ahead is decided by the earlier round alone.
    assert tb.pick(["A", "B", "C"], purpose="elect", round_number=2, lowest_first=False) == ["C"]
    assert tb.take_ties()[0].rule is TieRule.PREVIOUS_ROUNDS
    # Choosing two needs the draw between A and B.
    chosen = tb.pick(["A", "B", "C"], count=2, purpose="elect", round_number=2, lowest_first=False)
    assert chosen[0] == "C" and chosen[1] in ("A", "B")
    assert tb.take_ties()[0].rule is TieRule.DRAW


def test_without_previous_rounds_only_the_draw_counts() -> None:
    tb = TieBreaker(b"s", use_previous_rounds=False)
    tb.history = [{"A": 1, "B": 100}]
    plain = TieBreaker(b"s")
    expect = plain.order(["A", "B"], purpose="eliminate", round_number=2, lowest_first=True)[0]
    assert tb.order(["A", "B"], purpose="eliminate", round_number=2, lowest_first=True) == (expect, TieRule.DRAW)


def test_a_single_name_is_no_tie() -> None:
    tb = TieBreaker(b"s")
    assert tb.pick(["A"], purpose="elect", round_number=1, lowest_first=False) == ["A"]
    assert tb.take_ties() == []


def test_settle_records_boundary_and_order_ties() -> None:
    tb = TieBreaker(b"s")
    groups = groups_by_count({"A": 5, "B": 5, "C": 3, "D": 3, "E": 3, "F": 1})
    assert groups == [["A", "B"], ["C", "D", "E"], ["F"]]
    chosen = tb.settle(groups, limit=3, round_number=1)
    assert set(chosen[:2]) == {"A", "B"} and chosen[2] in ("C", "D", "E")
    ties = tb.take_ties()
    assert [t.purpose for t in ties] == ["rank", "elect"]
    assert ties[1].candidates == ("C", "D", "E") and ties[1].chosen == (chosen[2],)
    # a group wholly inside, with no order recorded
    assert sorted(tb.settle(groups, limit=2, round_number=1, order_purpose=None)) == ["A", "B"]
    assert tb.take_ties() == []
