"""Ballot file parsers: BLT, PrefLib soi/toi, CSV of ranks, CSV of totals.

Every real file under ../shared/data/elections parses; malformed input is
refused with the format, the line number and what is wrong."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from vybory.errors import InvalidInput
from vybory.rules.base import RankedBallot, Totals
from vybory.rules.formats import (
    BallotFile,
    detect_format,
    parse_blt,
    parse_preflib,
    parse_rank_csv,
    parse_totals_csv,
)

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "elections"


def data(relative: str) -> str:
    path = DATA / relative
    assert path.exists(), f"real election data missing: {path}"
    return path.read_text()


# --- BLT -----------------------------------------------------------------------------------------

SMALL_BLT = '''3 2
-2
4 1 2 0
(b7) 2 3=1 0
1.5 2 - 3 0
0
"Ann ""the Bold"" Lee"
Bob
"Cy"
"Small Town"
'''


def test_blt_reads_weights_equal_ranks_skips_withdrawals_and_quoted_names() -> None:
    f = parse_blt(SMALL_BLT)
    assert f.candidates == ('Ann "the Bold" Lee', "Bob", "Cy")
    assert f.seats == 2 and f.title == "Small Town" and f.withdrawn == ("Bob",)
    ann, bob, cy = f.candidates
    assert f.ballots == (
        RankedBallot(((ann,), (bob,)), 4),
        RankedBallot(((ann, cy),), 2),
        RankedBallot(((bob,), (), (cy,)), Fraction(3, 2)),
    )
    candidates, ballots, title, seats = f  # the four-tuple form
    assert (candidates, ballots, title, seats) == (f.candidates, f.ballots, "Small Town", 2)


def test_blt_with_alternative_name_comments_like_the_glasgow_files() -> None:
    f = parse_blt(data("glasgow2007/glasgow_2007_calton.blt"))
    assert f.seats == 3 and f.title == "Calton ward" and len(f.candidates) == 10
    assert f.candidates[7] == "George Redmond (Lab)"
    assert sum(b.weight for b in f.ballots) == 5199
    assert f.ballots[0] == RankedBallot((("George Redmond (Lab)",), ("Ruth Simpson (Lab)",)), 683)


def test_every_real_blt_file_parses() -> None:
    files = sorted(DATA.glob("glasgow2007/*.blt")) + sorted(DATA.glob("scotland/*.blt"))
    assert len(files) == 26
    for path in files:
        f = parse_blt(path.read_text())
        assert len(set(f.candidates)) == len(f.candidates) >= 8
        assert f.seats in (3, 4) and f.title
        assert all(name in f.candidates for b in f.ballots for rank in b.ranking for name in rank)
    edinburgh = parse_blt(data("scotland/edinburgh_2022_ward5.blt"))
    assert edinburgh.candidates[0] == 'Jule BANDEL "Scottish Green Party"'


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("", None, "empty"),
        ("garbage here\n", 1, "candidates seats"),
        ("3\n1 1 0\n0\n", 1, "candidates seats"),
        ("3 0\n", 1, "seats must be at least 1"),
        ("2 3\n", 1, "3 seats for 2 candidates"),
        ("3 1\n-4\n0\n", 2, "withdrawn candidate 4"),
        ("3 1\nx 1 2 0\n0\n", 2, "weight 'x'"),
        ("3 1\n-1 1 2 0\n0\n", 2, "weight '-1'"),
        ("3 1\n1 1 2\n0\n", 2, "must end with 0"),
        ("3 1\n1 1 4 0\n0\n", 2, "candidate 4 is not between 1 and 3"),
        ("3 1\n1 1 0 0\n0\n", 2, "candidate 0 is not between 1 and 3"),
        ("3 1\n1 a 0\n0\n", 2, "'a' is not a candidate number"),
        ("3 1\n1 1 2 0\n2 2 0\n", 3, "ends before the line '0'"),
        ('3 1\n1 1 0\n0\n"A"\n"B"\n', 5, "expected 3 candidate names"),
        ('3 1\n1 1 0\n0\n"A"\n"B"\n"A"\n"t"\n', 6, "'A' is given twice (also line 4)"),
        ('3 1\n1 1 0\n0\n"A"\n"B\n', 5, "not closed"),
        ('2 1\n1 1 0\n0\n"A"\n"B"\n"t"\n"extra"\n', 7, "after the title"),
        ("2 1\n1 1 0\n0\n# ALTERNATIVE NAME 1: A\nt\n", None, "no name for candidate 2"),
    ],
)
def test_malformed_blt_is_refused_with_the_line_and_the_reason(text: str, line: int | None, words: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_blt(text)
    assert words in str(caught.value)
    assert caught.value.line == line  # type: ignore[attr-defined]
    if line is not None:
        assert f"BLT line {line}:" in str(caught.value)


def test_a_truncated_real_blt_file_is_refused() -> None:
    text = data("glasgow2007/glasgow_2007_calton.blt")
    with pytest.raises(InvalidInput, match="ends before the line '0'"):
        parse_blt(text[: len(text) // 2].rsplit("\n", 1)[0] + "\n")
    with pytest.raises(InvalidInput, match="must end with 0"):
        parse_blt(text[: len(text) // 2])
    with pytest.raises(InvalidInput, match="expected 10 candidate names|no name for candidate"):
        parse_blt(text[: text.index("# ALTERNATIVE NAME 5")])


# --- PrefLib ------------------------------------------------------------------------------------

SMALL_TOI = """# FILE NAME: x.toi
# TITLE: Little town
# DATA TYPE: toi
# NUMBER ALTERNATIVES: 3
# NUMBER VOTERS: 6
# NUMBER UNIQUE ORDERS: 3
# ALTERNATIVE NAME 1: Ann
# ALTERNATIVE NAME 2: Bob
# ALTERNATIVE NAME 3: Cy, the third
3: 1,2
2: {1,3},2
1: 3
"""


def test_preflib_toi_ties_become_overvotes_and_counts_weights() -> None:
    f = parse_preflib(SMALL_TOI)
    assert f.candidates == ("Ann", "Bob", "Cy, the third")
    assert f.title == "Little town" and f.seats is None
    assert f.ballots == (
        RankedBallot((("Ann",), ("Bob",)), 3),
        RankedBallot((("Ann", "Cy, the third"), ("Bob",)), 2),
        RankedBallot((("Cy, the third",),), 1),
    )


def test_every_real_preflib_file_parses_with_its_declared_voters() -> None:
    expected = {
        "irish2002/00001-00000001.soi": (12, 43942),
        "irish2002/00001-00000002.soi": (9, 29988),
        "irish2002/00001-00000003.soi": (14, 64081),
        "burlington2009/00005-00000002.toi": (6, 8980),
        "sf2011/00021-00000011.toi": (25, 194530),
    }
    for relative, (ncand, voters) in expected.items():
        f = parse_preflib(data(relative))
        assert (len(f.candidates), sum(b.weight for b in f.ballots)) == (ncand, voters)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (("3: 1,2\n", "3: 1,4\n"), "alternative 4 is not between 1 and 3"),
        (("3: 1,2\n", "3: 1,1\n"), "appears twice"),
        (("3: 1,2\n", "x: 1,2\n"), "count 'x'"),
        (("3: 1,2\n", "3 1,2\n"), "'count: a,b,c'"),
        (("3: 1,2\n", "3: 1,b\n"), "'b' is not an alternative number"),
        (("2: {1,3},2\n", "2: {1,3,2\n"), "unbalanced braces"),
        (("# NUMBER VOTERS: 6\n", "# NUMBER VOTERS: 7\n"), "NUMBER VOTERS is '7'"),
        (("# NUMBER UNIQUE ORDERS: 3\n", "# NUMBER UNIQUE ORDERS: 4\n"), "NUMBER UNIQUE ORDERS"),
        (("# NUMBER ALTERNATIVES: 3\n", "# NUMBER ALTERNATIVES: 4\n"), "NUMBER ALTERNATIVES is '4'"),
        (("# ALTERNATIVE NAME 2: Bob\n", "# ALTERNATIVE NAME 2: Ann\n"), "'Ann' is given twice"),
        (("# ALTERNATIVE NAME 2: Bob\n", ""), "NUMBER ALTERNATIVES is '3' but 2"),
        (("# DATA TYPE: toi\n", "# DATA TYPE: soi\n"), "ties ({...}) are not allowed in a soi file"),
        (("# DATA TYPE: toi\n", "# DATA TYPE: wmd\n"), "not a ranking"),
    ],
)
def test_malformed_preflib_is_refused_with_the_line(change: tuple[str, str], words: str) -> None:
    old, new = change
    assert old in SMALL_TOI
    with pytest.raises(InvalidInput) as caught:
        parse_preflib(SMALL_TOI.replace(old, new, 1))
    assert words in str(caught.value)


def test_preflib_error_names_the_line_of_the_bad_order() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_preflib(SMALL_TOI.replace("1: 3\n", "1: 9\n"))
    assert caught.value.line == 12  # type: ignore[attr-defined]
    assert "line 12:" in str(caught.value)


def test_garbage_and_truncated_preflib_are_refused() -> None:
    with pytest.raises(InvalidInput, match="not a PrefLib file"):
        parse_preflib("hello\nworld\n")
    text = data("irish2002/00001-00000002.soi")
    with pytest.raises(InvalidInput, match="NUMBER VOTERS|NUMBER UNIQUE ORDERS"):
        parse_preflib(text[: len(text) // 3].rsplit("\n", 1)[0] + "\n")


# --- CSV ----------------------------------------------------------------------------------------

def test_csv_of_ranks_reads_overvotes_skips_and_weights() -> None:
    f = parse_rank_csv("# title: Club\n# seats: 2\nAnn,Bob,Cy,weight\n1,2,,3\n1,1,2,1\n,3,1,2.5\n,,,1\n")
    assert f.candidates == ("Ann", "Bob", "Cy") and f.title == "Club" and f.seats == 2
    assert f.ballots == (
        RankedBallot((("Ann",), ("Bob",)), 3),
        RankedBallot((("Ann", "Bob"), ("Cy",)), 1),
        RankedBallot((("Cy",), (), ("Bob",)), Fraction(5, 2)),
        RankedBallot((), 1),
    )


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("", None, "no header"),
        ("Ann,Ann\n1,2\n", 1, "'Ann' is given twice"),
        ("Ann,Bob\n1\n", 2, "1 cells, but the header has 2"),
        ("Ann,Bob\n1,x\n", 2, "rank 'x' for 'Bob'"),
        ("Ann,Bob\n0,1\n", 2, "rank '0' for 'Ann'"),
        ("Ann,Bob\n1,3\n", 2, "rank 3 is more than the 2 candidates"),
        ("Ann,Bob,weight\n1,2,-1\n", 2, "weight '-1'"),
        ("# seats: none\nAnn\n1\n", 1, "seats must be a whole number"),
    ],
)
def test_malformed_csv_of_ranks_is_refused(text: str, line: int | None, words: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_rank_csv(text)
    assert words in str(caught.value)
    assert caught.value.line == line  # type: ignore[attr-defined]


def test_csv_of_totals() -> None:
    f = parse_totals_csv("# blank: 3\n# invalid: 2\nselection,count\nAnn,10\nBob,7.5\nCy:for,4\nCy:against,1\n")
    assert f.candidates == ("Ann", "Bob", "Cy")
    assert f.totals == Totals(counts={"Ann": 10, "Bob": Fraction(15, 2), "Cy:for": 4, "Cy:against": 1},
                              ballots_cast=Fraction(55, 2), blank=3, invalid=2)
    with_cast = parse_totals_csv("# ballots_cast: 30\ncandidate,votes\nAnn,10\n")
    assert with_cast.totals.ballots_cast == 30


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("", None, "no header"),
        ("a,b,c\n", 1, "two columns"),
        ("Ann,10\nBob,7\n", 1, "must be a header"),
        ("selection,count\nAnn,10\nAnn,3\n", 3, "'Ann' is given twice"),
        ("selection,count\nAnn,ten\n", 2, "count 'ten'"),
        ("selection,count\nAnn,-1\n", 2, "count '-1'"),
        ("selection,count\nAnn,1,2\n", 2, "3 cells"),
        ("selection,count\n,1\n", 2, "name is empty"),
        ("selection,count\n", None, "no totals"),
        ("# blank: lots\nselection,count\nAnn,1\n", 1, "blank must be a number"),
    ],
)
def test_malformed_csv_of_totals_is_refused(text: str, line: int | None, words: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_totals_csv(text)
    assert words in str(caught.value)
    assert caught.value.line == line  # type: ignore[attr-defined]


def test_detect_format_by_extension_and_content() -> None:
    assert detect_format("x.blt", None) == "blt"
    assert detect_format("x.SOI", None) == "soi"
    assert detect_format("x.toi", None) == "toi"
    assert detect_format("x.xlsx", None) == "xlsx"
    assert detect_format("x.csv", "Ann,Bob\n1,2\n,1\n") == "csv-ranks"
    assert detect_format("x.csv", "selection,count\nAnn,3\n") == "csv-totals"
    assert detect_format("ballots", "3 1\n1 1 0\n0\n") == "blt"
    assert detect_format("ballots", SMALL_TOI) == "toi"
    assert detect_format("ballots", SMALL_TOI.replace("# DATA TYPE: toi\n", "")) == "soi"
    with pytest.raises(InvalidInput, match="give --format"):
        detect_format("ballots", "what is this")
    assert isinstance(parse_blt("1 1\n1 1 0\n0\nA\nt\n"), BallotFile)
