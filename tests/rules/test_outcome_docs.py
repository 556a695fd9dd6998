"""docs/counting.md, "The outcome object, word for word", and the counting rules agree.

A second verifier recomputes the outcome of every contest from that section alone and compares
it whole with the one announced (spec §15.1). So every message a count of an election gives is in
its tables with exactly its parameters, every plain reason or note matches one of its plain words,
every details key is listed for its method, and the keys of the object and its rounds are the ones
it names; and each documented message, plain words and details key is given by some count below,
so the text lists nothing the rules never say. The counts go through the same path as the
verifier's (spec §15.1): totals with ``blank`` and ``invalid`` 0, or one ranked ballot per ranking
with one name or none at each rank. The outcomes announced in the conformance kit's valid
records are held to the same text.
"""

from __future__ import annotations

import ast
import json
import re
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vybory import rules
from vybory.model.definition import HOMOMORPHIC_METHODS, RANKED_METHODS
from vybory.rules.base import Contest, RankedBallot, Totals

ROOT = Path(__file__).resolve().parents[2]
TEXT = (ROOT / "docs" / "counting.md").read_text(encoding="utf-8")
SECTION = TEXT[TEXT.index("## The outcome object, word for word"):TEXT.index("## Where the 1937 rules are")]


def part(heading: str) -> str:
    start = SECTION.index(f"### {heading}")
    end = SECTION.find("\n### ", start + 1)
    return SECTION[start:] if end < 0 else SECTION[start:end]


def table_rows(text: str, header: str) -> list[list[str]]:
    """The rows of the markdown table whose header line starts with ``header``, as cells."""
    lines = text[text.index(header):].splitlines()
    rows = []
    for line in lines[2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def ticked(cell: str) -> list[str]:
    return re.findall(r"`([^`]*)`", cell)


def detail_keys(cell: str) -> set[str]:
    """The keys a Details cell names: `key`: meaning, `key` as above, or a list `a`, `b` and `c` as
    above."""
    keys = set(re.findall(r"`([a-z_]+)`:", cell))
    for listed in re.findall(r"((?:`[a-z_]+`(?:, | and ))*`[a-z_]+`) as (?:above|in the round)", cell):
        keys |= set(ticked(listed))
    return keys


@dataclass
class Documented:
    messages: dict[str, str | None] = field(default_factory=dict)  # id -> plural
    plain: list[str] = field(default_factory=list)  # the plain words, as written
    endings: list[str] = field(default_factory=list)
    details: dict[str, tuple[set[str], set[str]]] = field(default_factory=dict)  # method -> (round, outcome)


def documented() -> Documented:
    doc = Documented()
    words = part("Words")
    for header in ("| id | plural | params | where |", "| id | plural | used as |"):
        for row in table_rows(words, header):
            (template,), plural = ticked(row[0]), ticked(row[1])
            doc.messages[template] = plural[0] if plural else None
    for row in table_rows(words, "| words | where |"):
        doc.plain += ticked(row[0])
    notes = words[words.index("In these notes X is a name"):]
    doc.endings = re.findall(r"`; ([^`]*)`", notes.split("\n\n")[0])
    for row in table_rows(part("Details"), "| method | round `details` | outcome `details` |"):
        keys = (detail_keys(row[1]), detail_keys(row[2]))
        for method in ticked(row[0]):
            doc.details[method] = keys
    return doc


DOC = documented()


# --- the counts ------------------------------------------------------------------------------

def ranked(*names: str | None, weight: int = 1) -> RankedBallot:
    return RankedBallot(tuple(() if n is None else (n,) for n in names), weight)


@dataclass(frozen=True)
class Case:
    method: str
    candidates: tuple[str, ...]
    seats: int = 1
    options: Mapping[str, Any] = field(default_factory=dict)
    counts: Mapping[str, int] | None = None
    cast: int = 0
    ballots: tuple[RankedBallot, ...] = ()
    registered: int = 100


ABC = ("Ivanov", "Petrova", "Sidorova")
ABCD = ("Ivanov", "Petrova", "Sidorova", "Smirnov")
YNA = ("yes", "no", "abstain")
I, P, S, M = ABCD


def grades(**by_name: dict[int, int]) -> dict[str, int]:
    return {f"{name}:{g}": by_name[name].get(g, 0) for name in by_name for g in range(6)}


# STV: surpluses, exclusions (the Irish count excluding two at once), and the last seats filled
# without a further transfer after a surplus, after an exclusion, and (Meek) by the hopeful ones.
K = "Kuznetsov"
STV_BALLOTS = [
    (ABCD + (K,), (ranked(I, weight=10), ranked(P, weight=9), ranked(S, P, weight=8), ranked(M, S, weight=3),
                  ranked(K, M, weight=2))),
    (ABCD, (ranked(I, P, S, weight=12), ranked(P, weight=4), ranked(S, M, weight=5), ranked(M, weight=3),
           ranked(P, M, weight=2), ranked(I, M, weight=1), ranked(None, I))),
    (ABCD, (ranked(S, weight=4),)),
]

CASES: list[Case] = [
    Case("plurality", ABC, counts={I: 5, P: 3, S: 3}, cast=11),
    Case("plurality", ABC, counts={}, cast=4),
    Case("block", ABC, seats=2, counts={I: 5, P: 3, S: 3}, cast=6),
    Case("block", ABC, options={"max_marks": 1}, counts={I: 2, P: 3, S: 1}, cast=6),
    Case("approval", ABC, counts={I: 5, P: 3, S: 4}, cast=8),
    Case("majority", ABC, counts={I: 60, P: 20, S: 10}, cast=90),
    Case("majority", ABC, counts={I: 30, P: 20, S: 10}, cast=60),
    Case("majority", ABC, counts={I: 30, P: 20, S: 10}, cast=60, registered=200),
    Case("majority", ABC, options={"quorum": "1/3"}, counts={I: 30, P: 20, S: 10}, cast=60, registered=200),
    Case("majority", ABC, counts={}, cast=60),
    Case("majority", ABC, seats=2, counts={I: 50, P: 20, S: 10}, cast=80),
    Case("majority", (I, P), seats=2, counts={I: 50, P: 20}, cast=70),
    Case("majority", ABC, options={"several_seats": "per_seat"}, seats=2, counts={I: 50, P: 30, S: 20}, cast=60),
    Case("majority", ABC, options={"blank_in_denominator": False}, counts={I: 50, P: 30, S: 20}, cast=100),
    Case("majority", (I, P), options={"round": "runoff"}, counts={I: 40, P: 30}, cast=70),
    Case("majority", (I, P), options={"round": "runoff", "runoff_threshold": "absolute"},
         counts={I: 30, P: 30}, cast=70),
    Case("strikeout", ABC, options={"decision": "plurality"}, counts={I: 30, P: 20, S: 10}, cast=60),
    Case("strikeout", ABC, counts={I: 20, P: 20, S: 20}, cast=60),
    Case("for-against", ABC, seats=2, counts={f"{I}:for": 60, f"{I}:against": 20, f"{P}:for": 30,
                                              f"{P}:against": 50, f"{S}:for": 70}, cast=100),
    Case("for-against", ABC, options={"denominator": "valid", "rank_by": "net"},
         counts={f"{I}:for": 60, f"{I}:against": 20, f"{P}:for": 30}, cast=100),
    Case("for-against", ABC, options={"denominator": "for_against"}, seats=2,
         counts={f"{I}:for": 60, f"{I}:against": 20, f"{P}:for": 30, f"{P}:against": 40}, cast=100),
    Case("for-against", ABC, seats=2, counts={f"{I}:for": 10}, cast=100),
    Case("for-against", ABC, options={"quorum": "1/2"}, counts={f"{I}:for": 10}, cast=40),
    Case("motion", YNA, counts={"yes": 30, "no": 20, "abstain": 10}, cast=60),
    Case("motion", YNA, options={"threshold": "2/3", "comparison": "at_least", "denominator": "cast"},
         counts={"yes": 30, "no": 20, "abstain": 10}, cast=60),
    Case("motion", YNA, options={"denominator": "registered"}, counts={"yes": 40, "no": 10, "abstain": 0},
         cast=50),
    Case("motion", YNA, options={"quorum": "1/2"}, counts={"yes": 10, "no": 0, "abstain": 0}, cast=10),
    Case("score", ABC, counts={f"{I}:7": 3, f"{P}:10": 2, f"{S}:0": 1}, cast=4),
    Case("score", ABC, options={"aggregate": "average", "min_score": 1, "max_score": 5},
         counts={f"{I}:4": 3, f"{P}:5": 2}, cast=4),
    Case("score", ABC, counts={}, cast=0),
    Case("majority-judgment", (I, P), counts=grades(Ivanov={3: 3, 5: 1}, Petrova={5: 2, 1: 2}), cast=4),
    Case("majority-judgment", (I, P), options={"grades": ["poor", "fair", "good"]},
         counts={f"{I}:2": 2, f"{P}:1": 2}, cast=3),
    Case("majority-judgment", (I, P), counts={}, cast=0),
    Case("irv", ABC, ballots=(ranked(I, P), ranked(P, I), ranked(S, P), ranked(I), ranked(P), ranked(None, S),
                              ranked(None, None, None))),
    Case("irv", ABC, ballots=(ranked(None, None),)),
    Case("schulze", ABC, ballots=(ranked(I, P), ranked(P, I), ranked(S, P), ranked(I), ranked(P))),
    Case("schulze", ABC, options={"strength": "margin"}, ballots=(ranked(None),)),
    Case("ranked-pairs", ABC, ballots=(ranked(I, P), ranked(P, S), ranked(S, I))),
    Case("ranked-pairs", ABC, options={"strength": "winning"}, ballots=(ranked(None),)),
    *(Case(m, names, seats=2, ballots=b) for m in ("stv-scottish", "stv-meek", "stv-irish")
      for names, b in STV_BALLOTS),
    *(Case(m, ABCD, seats=2, ballots=(ranked(None),)) for m in ("stv-scottish", "stv-meek", "stv-irish")),
]


def outcome_of(case: Case) -> dict[str, Any]:
    contest = Contest("c", case.candidates, seats=case.seats, options=dict(case.options),
                      registered=case.registered, seed=b"seed of the outcome docs")
    if case.counts is not None:
        result = rules.count(case.method, contest, totals=Totals(counts=dict(case.counts), ballots_cast=case.cast))
    else:
        result = rules.count(case.method, contest, ballots=list(case.ballots))
    return result.to_json()


def announced_in_the_kit() -> list[tuple[Case, dict[str, Any]]]:
    """Every outcome announced in the conformance kit's valid records, with its contest as a case."""
    kit = ROOT / "tests" / "conformance"
    out = []
    for path in sorted(kit.glob("*/valid.zip")):
        with zipfile.ZipFile(path) as archive:
            lines = archive.read("events.jsonl").splitlines()
        for line in lines:
            event = json.loads(line)
            if event["kind"] != "outcome_declared":
                continue
            for entry in event["payload"]["outcomes"]:
                outcome = entry["outcome"]
                out.append((Case(outcome["method"], tuple(entry["candidates"]), seats=entry["seats"]), outcome))
    return out


OUTCOMES = [(case, outcome_of(case)) for case in CASES]
KIT = announced_in_the_kit()


def messages(value: Any) -> Iterator[dict[str, Any]]:
    """Every message in a reason_words / note_words value, nested ones included."""
    if isinstance(value, Mapping) and "id" in value:
        yield dict(value)
        for inner in value.get("params", {}).values():
            yield from messages(inner)


def words_of(outcome: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    yield outcome["reason"], outcome["reason_words"]
    for rnd in outcome["rounds"]:
        yield rnd["note"], rnd["note_words"]


def plain_pattern(words: str) -> re.Pattern[str]:
    """A documented plain words as a pattern: X a name list, L and H numbers, maybe an ending."""
    body = re.escape(words).replace("X", ".+").replace("L", "-?[0-9]+").replace("H", "-?[0-9]+")
    endings = "|".join(re.escape("; " + e) for e in DOC.endings)
    return re.compile(f"{body}(?:{endings})?")


PLAIN = {words: plain_pattern(words) for words in DOC.plain}


# --- the tests -------------------------------------------------------------------------------

def test_the_corpus_covers_every_method_of_an_election() -> None:
    assert {case.method for case in CASES} == set(HOMOMORPHIC_METHODS + RANKED_METHODS)
    assert set(DOC.details) == set(HOMOMORPHIC_METHODS + RANKED_METHODS)


def test_the_keys_of_the_outcome_and_of_its_rounds_are_the_documented_ones() -> None:
    keys = [ticked(row[0]) for row in table_rows(part("Keys and numbers"), "| key | value |")]
    outcome_keys = {k for row in keys for k in row}
    round_keys = {k for row in table_rows(part("Keys and numbers"), "| round key | value |") for k in ticked(row[0])}
    for case, outcome in OUTCOMES + KIT:
        assert set(outcome) == outcome_keys, case
        for rnd in outcome["rounds"]:
            assert set(rnd) == round_keys, case
        assert outcome["format_version"] == 1 and outcome["method"] == case.method


def test_every_message_a_count_gives_is_documented_with_its_parameters() -> None:
    for case, outcome in OUTCOMES + KIT:
        for words, value in words_of(outcome):
            for message in messages(value):
                template = message["id"]
                assert template in DOC.messages, f"{case.method}: {template!r} is not in docs/counting.md"
                assert message.get("plural") == DOC.messages[template], template
                placeholders = set(re.findall(r"%\((\w+)\)s", template + (message.get("plural") or "")))
                assert set(message["params"]) == placeholders, template
            if value is None and words:
                assert any(p.fullmatch(words) for p in PLAIN.values()), \
                    f"{case.method}: plain words {words!r} are not in docs/counting.md"


def test_every_documented_message_and_plain_words_is_given_by_some_count() -> None:
    given = {m["id"] for _, o in OUTCOMES for _, v in words_of(o) for m in messages(v)}
    assert sorted(set(DOC.messages) - given) == []
    plain = [w for _, o in OUTCOMES for w, v in words_of(o) if v is None and w]
    assert [w for w, p in PLAIN.items() if not any(p.fullmatch(x) for x in plain)] == []
    for ending in DOC.endings:
        assert any(w.endswith("; " + ending) for w in plain), ending


def test_the_filled_messages_are_the_words_letter_for_letter() -> None:
    from vybory.text import Text

    for _, outcome in OUTCOMES + KIT:
        for words, value in words_of(outcome):
            if value is not None:
                assert str(Text.from_json(value)) == words


def test_every_details_key_is_documented_for_its_method_and_each_is_given() -> None:
    seen: dict[str, tuple[set[str], set[str]]] = {m: (set(), set()) for m in DOC.details}
    for case, outcome in OUTCOMES + KIT:
        rounds, whole = DOC.details[case.method]
        for rnd in outcome["rounds"]:
            assert set(rnd["details"]) <= rounds, (case.method, sorted(set(rnd["details"]) - rounds))
            seen[case.method][0].update(rnd["details"])
        assert set(outcome["details"]) <= whole, (case.method, sorted(set(outcome["details"]) - whole))
        seen[case.method][1].update(outcome["details"])
    for method, (rounds, whole) in DOC.details.items():
        assert seen[method] == (rounds, whole), method


def test_the_ballot_figures_are_as_documented() -> None:
    for case, outcome in OUTCOMES:
        figures = outcome["ballots_cast"], outcome["valid"], outcome["invalid"], outcome["blank"]
        if case.counts is not None:
            assert figures == (case.cast, case.cast, 0, 0), case
            continue
        cast = sum(b.weight for b in case.ballots)
        blank = sum(b.weight for b in case.ballots if not any(b.ranking))
        if case.method.startswith("stv-"):
            invalid = sum(b.weight for b in case.ballots if any(b.ranking) and not b.ranking[0])
            assert figures == (cast, cast - invalid - blank, invalid, blank), case
        else:
            assert figures == (cast, cast, 0, blank), case


def test_single_round_methods_report_one_round_as_documented() -> None:
    for case, outcome in OUTCOMES + KIT:
        if case.method in ("irv", "stv-scottish", "stv-meek", "stv-irish"):
            continue
        (rnd,) = outcome["rounds"]
        assert (rnd["round"], rnd["eliminated"], rnd["transfers"], rnd["exhausted"]) == (1, [], {}, 0)
        assert rnd["elected"] == outcome["winners"], case


def test_no_words_means_empty_words() -> None:
    for _, outcome in OUTCOMES + KIT:
        for words, value in words_of(outcome):
            if not words:
                assert value is None


# Messages of the rules that are never part of an outcome: refusals of bad options or input.
_REFUSALS = {"InvalidInput", "InvalidDefinition", "option_error", "option_problem"}
_REFUSING_FUNCTIONS = {"_check_option", "resolve_options", "option_problem", "option_error"}
# Modules of vybory/rules that no contest of an election counts with: file formats, RCTab's
# rules, and the translation of published plain words for the pages.
_NOT_ELECTION = {"rctab.py", "formats.py", "java_order.py", "notes.py"}


def test_every_message_in_the_counting_rules_is_a_refusal_or_documented() -> None:
    undocumented = []
    for path in sorted((ROOT / "vybory" / "rules").glob("*.py")):
        if path.name in _NOT_ELECTION:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        parents: dict[ast.AST, ast.AST] = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("say", "say_plural") and isinstance(node.args[0], ast.Constant)):
                continue
            up: ast.AST | None = node
            refusal = False
            while up is not None:
                if isinstance(up, ast.Raise) or (isinstance(up, ast.FunctionDef) and up.name in _REFUSING_FUNCTIONS):
                    refusal = True
                if isinstance(up, ast.Call) and isinstance(up.func, ast.Name) and up.func.id in _REFUSALS:
                    refusal = True
                up = parents.get(up)
            if not refusal and node.args[0].value not in DOC.messages:
                undocumented.append(f"{path.name}:{node.lineno}: {node.args[0].value!r}")
    assert undocumented == []
