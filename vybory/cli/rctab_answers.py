"""The operator's answers to RCTab's interactive tiebreaks, as a file (``--tiebreak-answers``).

RCTab's ``stopCountingAndAsk`` and ``previousRoundCountsThenAsk`` stop the count
at a tie and ask the operator whom to eliminate (or, when one seat is left
between two candidates, who wins). An office that answered them once writes
the answers down, one line per tie, so that the count can be run again without
anyone at the keyboard and gives the same rounds::

    # ties of the 2026 mayoral count, answered by the board on 8 December
    {"round": 2, "tied": ["Cleo", "Dana", "Boyd"], "loses": "Cleo"}
    {"round": 3, "tied": ["Ada", "Boyd"], "wins": "Boyd"}

Each line is a JSON object: ``round`` (from 1), ``tied`` (the candidates tied,
as the configuration names them, in any order), and either ``loses`` or
``wins`` (the operator's answer, one of ``tied``); with ``multiPassIrv``,
``pass`` (from 1) says which pass the round belongs to. Blank lines and lines
starting with ``#`` are left out. An answer is used only for the tie it names:
a tie in another round, between other candidates, or asking the other
question is refused, and so is a tie with no answer (the message gives the
line to add) and an answer that no tie needed.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from pathlib import Path

from vybory.errors import InvalidInput
from vybory.rules.rctab import Answer

KEYS = ("pass", "round", "tied", "wins", "loses")
ASKING = ("stopCountingAndAsk", "previousRoundCountsThenAsk")


def _whole(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInput(f"must be a whole number from 1, not {json.dumps(value, ensure_ascii=False)}",
                           field=where)
    return value


def _candidate(name: object, candidates: Collection[str], aliases: Mapping[str, str], where: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput(f"must be a candidate's name, not {json.dumps(name, ensure_ascii=False)}", field=where)
    if name in candidates:
        return name
    if name in aliases:
        raise InvalidInput(f"{name!r} is an alias of {aliases[name]!r}: name the candidate as the "
                           "configuration names it", field=where)
    raise InvalidInput(f"{name!r} is not a candidate of the contest", field=where)


def read_answers(path: Path, candidates: Collection[str], aliases: Mapping[str, str]) -> tuple[Answer, ...]:
    """The answers in ``path``, each checked against the contest's ``candidates``; refused
    with the file, the line and the field at the first that is wrong."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise InvalidInput("no such file", field=str(path)) from None
    except IsADirectoryError:
        raise InvalidInput("is a folder, not a file", field=str(path)) from None
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"not UTF-8 text (byte {exc.start})", field=str(path)) from None
    answers: list[Answer] = []
    seen: dict[tuple[int, int], int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        at = f"{path} line {number}"
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"not a JSON object: {exc.msg} (column {exc.colno})", field=at) from None
        except RecursionError:
            raise InvalidInput("not a JSON object: nested too deep", field=at) from None
        if not isinstance(entry, dict):
            raise InvalidInput("must be a JSON object with round, tied and loses or wins", field=at)
        for key in entry:
            if key not in KEYS:
                raise InvalidInput(f"unknown field {key!r} (the fields are {', '.join(KEYS)})", field=at)
        if "round" not in entry:
            raise InvalidInput("says which round the tie is in", field=f"{at}: round")
        round_number = _whole(entry["round"], f"{at}: round")
        pass_number = _whole(entry["pass"], f"{at}: pass") if "pass" in entry else 1
        tied_given = entry.get("tied")
        if not isinstance(tied_given, list) or len(tied_given) < 2:
            raise InvalidInput("must list the two or more candidates tied", field=f"{at}: tied")
        tied = [_candidate(name, candidates, aliases, f"{at}: tied") for name in tied_given]
        for name in tied:
            if tied.count(name) > 1:
                raise InvalidInput(f"{name!r} is listed twice", field=f"{at}: tied")
        if ("wins" in entry) == ("loses" in entry):
            raise InvalidInput("gives the answer as exactly one of 'loses' (whom to eliminate) and 'wins' "
                               "(who is elected)", field=at)
        key = "wins" if "wins" in entry else "loses"
        chosen = _candidate(entry[key], candidates, aliases, f"{at}: {key}")
        if chosen not in tied:
            raise InvalidInput(f"{chosen!r} is not one of the tied candidates listed ({', '.join(tied)})",
                               field=f"{at}: {key}")
        if (pass_number, round_number) in seen:
            raise InvalidInput(f"round {round_number}" + (f" of pass {pass_number}" if "pass" in entry else "")
                               + f" is answered already on line {seen[pass_number, round_number]}: a round "
                               "has one tie at most", field=at)
        seen[pass_number, round_number] = number
        answers.append(Answer(round_number, frozenset(tied), chosen, key == "wins", pass_number, at))
    return tuple(answers)
