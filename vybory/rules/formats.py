"""Parsers for ballot files: BLT, PrefLib soi/toi, a CSV of ranks, a CSV of totals.

Pure functions: each takes the file's text and returns what it holds; none
reads a file. Malformed input raises :class:`~vybory.errors.InvalidInput`
whose message starts with the format and the line number (``"BLT line 7:
..."``) and says what is wrong; the exception also carries ``line``.

* **BLT** (OpenSTV, eSTV, the Scottish count): ``candidates seats``; an
  optional line of negative numbers withdrawing candidates; one line per
  ballot group, ``weight c1 c2 ... 0`` (an optional ``(id)`` first, ``c1=c2``
  for two candidates at one rank, ``-`` for a skipped rank); a line ``0``;
  then the candidate names, one a line, quoted (``""`` inside quotes is a
  quote) or bare, and the title. The names may instead be given as
  ``# ALTERNATIVE NAME i: name`` comment lines, followed by the title alone.
* **PrefLib soi / toi**: ``# KEY: value`` header lines (``# ALTERNATIVE NAME
  i: name``, ``# NUMBER VOTERS``...), then ``count: a,b,c`` lines, most
  preferred first; in toi, ``{a,b}`` is two alternatives at one rank (for a
  ballot, an overvote at that rank).
* **CSV of ranks**: a header row of candidate names (and optionally a
  ``weight`` column), then one row per ballot giving each candidate's rank
  (1 = first; empty = not ranked; the same rank twice is an overvote; a
  missing rank number is a skipped rank).
* **CSV of totals**: a header row, then ``selection,count`` rows.

``# title: ...`` and ``# seats: K`` comment lines are understood in both CSV
forms (and ``# ballots_cast``, ``# blank``, ``# invalid`` in totals).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction

from vybory.errors import InvalidInput
from vybory.rules.base import RankedBallot, Totals
from vybory.rules.outcome import Number
from vybory.text import say


@dataclass(frozen=True, slots=True)
class BallotFile:
    """What a ranked ballot file holds.

    Invariants: ``candidates`` are distinct and spelled as the file spells
    them; every name in ``ballots`` is one of them; ``seats`` is ``None``
    (the file does not say) or at least 1; ``withdrawn`` lists candidates.
    Iterating gives ``(candidates, ballots, title, seats)``.
    """

    candidates: tuple[str, ...]
    ballots: tuple[RankedBallot, ...]
    title: str
    seats: int | None
    withdrawn: tuple[str, ...] = ()

    def __iter__(self) -> Iterator[object]:
        return iter((self.candidates, self.ballots, self.title, self.seats))


@dataclass(frozen=True, slots=True)
class TotalsFile:
    """What a CSV of totals holds. Iterating gives ``(candidates, totals, title, seats)``.

    Invariants: ``candidates`` are the distinct selection names (the part
    before ``:`` for ``name:for`` style keys), in the order first given.
    """

    candidates: tuple[str, ...]
    totals: Totals
    title: str
    seats: int | None

    def __iter__(self) -> Iterator[object]:
        return iter((self.candidates, self.totals, self.title, self.seats))


def _error(fmt: str, line: int | None, message: str) -> InvalidInput:
    where = f"{fmt} line {line}" if line is not None else fmt
    err = InvalidInput(message, field=where)
    err.line = line  # type: ignore[attr-defined]
    return err


def _number(token: str) -> Number | None:
    """An exact number from ``12``, ``0.5`` or ``3/4``; ``None`` if it is none."""
    t = token.strip()
    if re.fullmatch(r"\d+", t):
        return int(t)
    if re.fullmatch(r"\d*\.\d+|\d+\.\d*|\d+/\d+", t):
        try:
            f = Fraction(t)
        except ZeroDivisionError:
            return None
        return f.numerator if f.denominator == 1 else f
    return None


def _unique(fmt: str, names: Sequence[tuple[int | None, str]]) -> tuple[str, ...]:
    seen: dict[str, int | None] = {}
    for line, name in names:
        if not name:
            raise _error(fmt, line, "a candidate's name is empty")
        if name in seen:
            raise _error(fmt, line, f"candidate name {name!r} is given twice (also line {seen[name]})")
        seen[name] = line
    return tuple(n for _, n in names)


# --- BLT ------------------------------------------------------------------------------------

_ALT_NAME = re.compile(r"#\s*ALTERNATIVE NAME\s+(\d+)\s*:\s?(.*)$", re.IGNORECASE)


def _quoted(fmt: str, line: int, text: str) -> list[str]:
    """The quoted strings on a line (``""`` is a quote inside one)."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        if text[i] != '"':
            raise _error(fmt, line, f"unexpected {text[i:i + 10]!r} outside quotes")
        i += 1
        buf = []
        while True:
            if i >= n:
                raise _error(fmt, line, "a quoted name is not closed")
            if text[i] == '"':
                if i + 1 < n and text[i + 1] == '"':
                    buf.append('"')
                    i += 2
                    continue
                i += 1
                break
            buf.append(text[i])
            i += 1
        out.append("".join(buf))
    return out


def _blt_rank(fmt: str, line: int, token: str, ncand: int) -> tuple[int, ...]:
    """A ballot token: ``k`` (candidate k), ``k=m`` (two at one rank) or ``-`` (a skipped rank)."""
    if token == "-":
        return ()
    rank = []
    for p in token.split("="):
        if not (p.isascii() and p.isdigit()):
            raise _error(fmt, line, f"{token!r} is not a candidate number")
        k = int(p)
        if not 1 <= k <= ncand:
            raise _error(fmt, line, f"candidate {k} is not between 1 and {ncand}")
        rank.append(k - 1)
    return tuple(sorted(set(rank)))


def parse_blt(text: str) -> BallotFile:
    """Parses a BLT file (see the module docstring)."""
    fmt = "BLT"
    lines = text.splitlines()
    rows = [(i + 1, raw.strip()) for i, raw in enumerate(lines)]
    pos = 0

    def next_content() -> tuple[int, str] | None:
        nonlocal pos
        while pos < len(rows):
            line, s = rows[pos]
            pos += 1
            if s and not s.startswith("#"):
                return line, s
        return None

    first = next_content()
    if first is None:
        raise _error(fmt, None, "the file is empty")
    line, s = first
    head = s.split()
    if len(head) != 2 or not all(re.fullmatch(r"\d+", t) for t in head):
        raise _error(fmt, line, f"the first line must be 'candidates seats' (two whole numbers), not {s[:40]!r}")
    ncand, seats = int(head[0]), int(head[1])
    if ncand < 1:
        raise _error(fmt, line, "the number of candidates must be at least 1")
    if seats < 1:
        raise _error(fmt, line, "the number of seats must be at least 1")
    if seats > ncand:
        raise _error(fmt, line, f"{seats} seats for {ncand} candidates")

    withdrawn: list[int] = []
    ballots_raw: list[tuple[int, Number, tuple[tuple[int, ...], ...]]] = []
    token_ranks: dict[str, tuple[int, ...]] = {}
    ended = False
    first_ballot_line = True
    while True:
        item = next_content()
        if item is None:
            break
        line, s = item
        tokens = s.split()
        if first_ballot_line and tokens and all(re.fullmatch(r"-\d+", t) for t in tokens):
            for t in tokens:
                k = -int(t)
                if not 1 <= k <= ncand:
                    raise _error(fmt, line, f"withdrawn candidate {k} is not between 1 and {ncand}")
                withdrawn.append(k - 1)
            first_ballot_line = False
            continue
        first_ballot_line = False
        if tokens == ["0"]:
            ended = True
            break
        if tokens and tokens[0].startswith("(") and tokens[0].endswith(")"):
            tokens = tokens[1:]
        if len(tokens) < 2:
            raise _error(fmt, line, f"a ballot line is 'weight c1 c2 ... 0', not {s[:40]!r}")
        weight = _number(tokens[0])
        if weight is None:
            raise _error(fmt, line, f"ballot weight {tokens[0]!r} is not a number of at least 0")
        if tokens[-1] != "0":
            raise _error(fmt, line, "a ballot line must end with 0")
        ranking: list[tuple[int, ...]] = []
        for t in tokens[1:-1]:
            rank = token_ranks.get(t)
            if rank is None:
                rank = _blt_rank(fmt, line, t, ncand)
                token_ranks[t] = rank
            ranking.append(rank)
        ballots_raw.append((line, weight, tuple(ranking)))
    if not ended:
        raise _error(fmt, len(lines), "the file ends before the line '0' that closes the ballots")

    alt: dict[int, tuple[int, str]] = {}
    content: list[tuple[int, str]] = []
    while pos < len(rows):
        line, s = rows[pos]
        pos += 1
        if not s:
            continue
        if s.startswith("#"):
            m = _ALT_NAME.match(s)
            if m:
                alt[int(m.group(1))] = (line, m.group(2).strip())
            continue
        if s.startswith('"'):
            content += [(line, q) for q in _quoted(fmt, line, s)]
        else:
            content.append((line, s))

    if len(content) >= ncand:
        names = _unique(fmt, content[:ncand])
        rest = content[ncand:]
    elif alt:
        missing = [k for k in range(1, ncand + 1) if k not in alt]
        if missing:
            raise _error(fmt, None, f"no name for candidate {missing[0]} (# ALTERNATIVE NAME lines give "
                                    f"{len(alt)} of {ncand})")
        names = _unique(fmt, [alt[k] for k in range(1, ncand + 1)])
        rest = content
    else:
        last = rows[-1][0] if rows else None
        raise _error(fmt, last, f"expected {ncand} candidate names after the ballots, found {len(content)}")
    if len(rest) > 1:
        raise _error(fmt, rest[1][0], f"unexpected line after the title: {rest[1][1][:40]!r}")
    title = rest[0][1] if rest else ""
    named: dict[tuple[int, ...], tuple[str, ...]] = {}
    for rank in token_ranks.values():
        named[rank] = tuple(names[c] for c in rank)
    ballots = tuple(RankedBallot(tuple(named[rank] for rank in ranking), weight)
                    for _, weight, ranking in ballots_raw)
    return BallotFile(names, ballots, title, seats, tuple(names[c] for c in dict.fromkeys(withdrawn)))


# --- PrefLib ----------------------------------------------------------------------------------

_META = re.compile(r"#\s*([A-Z][A-Z ]*?)\s*:\s?(.*)$")


def parse_preflib(text: str, *, kind: str | None = None) -> BallotFile:
    """Parses a PrefLib soi or toi file. ``kind`` ("soi"/"toi") overrides the
    file's ``DATA TYPE``; in soi files ``{...}`` ties are refused."""
    meta: dict[str, tuple[int, str]] = {}
    alt: dict[int, tuple[int, str]] = {}
    data: list[tuple[int, str]] = []
    lines = text.splitlines()
    for i, raw in enumerate(lines):
        s = raw.strip()
        if not s:
            continue
        if s.startswith("#"):
            m = _ALT_NAME.match(s)
            if m:
                k = int(m.group(1))
                if k in alt:
                    raise _error("PrefLib", i + 1, f"alternative {k} is named twice (also line {alt[k][0]})")
                alt[k] = (i + 1, m.group(2).strip())
                continue
            m = _META.match(s)
            if m:
                meta[m.group(1).upper()] = (i + 1, m.group(2).strip())
            continue
        data.append((i + 1, s))
    data_type = (kind or meta.get("DATA TYPE", (0, ""))[1] or "").lower()
    fmt = f"PrefLib {data_type}" if data_type else "PrefLib"
    if data_type and data_type not in ("soi", "toi", "soc", "toc"):
        raise _error(fmt, meta.get("DATA TYPE", (None,))[0],
                     f"DATA TYPE {data_type!r} is not a ranking (soi, toi, soc or toc)")
    if not alt:
        raise _error(fmt, None, "no '# ALTERNATIVE NAME i: name' lines: this is not a PrefLib file")
    n = len(alt)
    if "NUMBER ALTERNATIVES" in meta:
        line, v = meta["NUMBER ALTERNATIVES"]
        if not v.isdigit() or int(v) != n:
            raise _error(fmt, line, f"NUMBER ALTERNATIVES is {v!r} but {n} alternatives are named")
    missing = [k for k in range(1, n + 1) if k not in alt]
    if missing:
        raise _error(fmt, None, f"alternative {missing[0]} has no ALTERNATIVE NAME line")
    names = _unique(fmt, [alt[k] for k in range(1, n + 1)])
    ties_allowed = data_type not in ("soi", "soc")
    ballots: list[RankedBallot] = []
    voters = 0
    for line, s in data:
        head, sep, order = s.partition(":")
        if not sep:
            raise _error(fmt, line, f"a data line is 'count: a,b,c', not {s[:40]!r}")
        if not re.fullmatch(r"\d+", head.strip()):
            raise _error(fmt, line, f"count {head.strip()!r} is not a whole number")
        weight = int(head)
        if weight < 1:
            raise _error(fmt, line, "count must be at least 1")
        voters += weight
        ranking: list[tuple[str, ...]] = []
        seen: set[int] = set()
        order = order.strip()
        if "{" in order or "}" in order:
            groups = re.findall(r"\{[^{}]*\}|[^,{}]+|[{}]", order)
        else:
            groups = order.split(",") if order else []
        for group in groups:
            group = group.strip()
            if not group:
                continue
            if group in ("{", "}"):
                raise _error(fmt, line, "unbalanced braces")
            if group.startswith("{"):
                if not ties_allowed:
                    raise _error(fmt, line, "ties ({...}) are not allowed in a soi file")
                items = [t.strip() for t in group[1:-1].split(",")]
            else:
                items = [group]
            rank = []
            for t in items:
                if not (t.isascii() and t.isdigit()):
                    raise _error(fmt, line, f"{t!r} is not an alternative number")
                k = int(t)
                if not 1 <= k <= n:
                    raise _error(fmt, line, f"alternative {k} is not between 1 and {n}")
                if k in seen:
                    raise _error(fmt, line, f"alternative {k} appears twice in one order")
                seen.add(k)
                rank.append(names[k - 1])
            ranking.append(tuple(rank))
        ballots.append(RankedBallot(tuple(ranking), weight))
    if "NUMBER VOTERS" in meta:
        line, v = meta["NUMBER VOTERS"]
        if not v.isdigit() or int(v) != voters:
            raise _error(fmt, line, f"NUMBER VOTERS is {v!r} but the counts add up to {voters}")
    if "NUMBER UNIQUE ORDERS" in meta:
        line, v = meta["NUMBER UNIQUE ORDERS"]
        if not v.isdigit() or int(v) != len(data):
            raise _error(fmt, line, f"NUMBER UNIQUE ORDERS is {v!r} but there are {len(data)} order lines")
    title = meta.get("TITLE", (0, ""))[1]
    return BallotFile(names, tuple(ballots), title, None)


# --- CSV --------------------------------------------------------------------------------------

def _csv_rows(fmt: str, text: str) -> tuple[dict[str, tuple[int, str]], list[tuple[int, list[str]]]]:
    """``# key: value`` comments and the non-empty rows, each with its line number."""
    meta: dict[str, tuple[int, str]] = {}
    rows: list[tuple[int, list[str]]] = []
    lines = text.splitlines()
    try:
        for i, cells in enumerate(csv.reader(lines)):
            line = i + 1
            if not cells or all(not c.strip() for c in cells):
                continue
            if cells[0].lstrip().startswith("#"):
                comment = ",".join(cells).lstrip()[1:]
                key, sep, value = comment.partition(":")
                if sep:
                    meta[key.strip().lower()] = (line, value.strip())
                continue
            rows.append((line, [c.strip() for c in cells]))
    except csv.Error as exc:
        raise _error(fmt, None, f"not readable as CSV ({exc})") from None
    return meta, rows


def _seats(fmt: str, meta: dict[str, tuple[int, str]]) -> int | None:
    if "seats" not in meta:
        return None
    line, v = meta["seats"]
    if not v.isdigit() or int(v) < 1:
        raise _error(fmt, line, f"seats must be a whole number of at least 1, not {v!r}")
    return int(v)


WEIGHT_COLUMNS = ("weight", "count")


def parse_rank_csv(text: str) -> BallotFile:
    """Parses a CSV of ranks (see the module docstring)."""
    fmt = "CSV"
    meta, rows = _csv_rows(fmt, text)
    if not rows:
        raise _error(fmt, None, "no header row of candidate names")
    header_line, header = rows[0]
    weight_col = None
    named: list[tuple[int | None, str]] = []
    columns: list[int] = []
    for j, cell in enumerate(header):
        if cell.lower() in WEIGHT_COLUMNS and weight_col is None:
            weight_col = j
            continue
        named.append((header_line, cell))
        columns.append(j)
    names = _unique(fmt, named)
    if not names:
        raise _error(fmt, header_line, "the header names no candidate")
    ballots: list[RankedBallot] = []
    for line, cells in rows[1:]:
        if len(cells) != len(header):
            raise _error(fmt, line, f"{len(cells)} cells, but the header has {len(header)}")
        weight: Number = 1
        if weight_col is not None:
            w = _number(cells[weight_col])
            if w is None:
                raise _error(fmt, line, f"weight {cells[weight_col]!r} is not a number of at least 0")
            weight = w
        by_rank: dict[int, list[str]] = {}
        for name, j in zip(names, columns):
            cell = cells[j]
            if not cell:
                continue
            if not cell.isdigit() or int(cell) < 1:
                raise _error(fmt, line, f"rank {cell!r} for {name!r} is not a whole number of at least 1")
            by_rank.setdefault(int(cell), []).append(name)
        top = max(by_rank, default=0)
        if top > len(names):
            raise _error(fmt, line, f"rank {top} is more than the {len(names)} candidates")
        ranking = tuple(tuple(by_rank.get(r, ())) for r in range(1, top + 1))
        ballots.append(RankedBallot(ranking, weight))
    title = meta.get("title", (0, ""))[1]
    return BallotFile(names, tuple(ballots), title, _seats(fmt, meta))


def parse_totals_csv(text: str) -> TotalsFile:
    """Parses a CSV of totals: a header row, then ``selection,count`` rows."""
    fmt = "CSV"
    meta, rows = _csv_rows(fmt, text)
    if not rows:
        raise _error(fmt, None, "no header row")
    header_line, header = rows[0]
    if len(header) != 2:
        raise _error(fmt, header_line, f"a CSV of totals has two columns (selection, count), not {len(header)}")
    if _number(header[1]) is not None:
        raise _error(fmt, header_line, "the first row must be a header (such as 'selection,count')")
    counts: dict[str, Number] = {}
    lines: dict[str, int] = {}
    for line, cells in rows[1:]:
        if len(cells) != 2:
            raise _error(fmt, line, f"{len(cells)} cells; a row is 'selection,count'")
        key, value = cells
        if not key:
            raise _error(fmt, line, "the selection's name is empty")
        if key in counts:
            raise _error(fmt, line, f"selection {key!r} is given twice (also line {lines[key]})")
        n = _number(value)
        if n is None:
            raise _error(fmt, line, f"count {value!r} for {key!r} is not a number of at least 0")
        counts[key] = n
        lines[key] = line
    if not counts:
        raise _error(fmt, None, "no totals after the header")
    extra: dict[str, Number] = {}
    for key in ("blank", "invalid", "ballots_cast"):
        if key in meta:
            line, v = meta[key]
            n = _number(v)
            if n is None:
                raise _error(fmt, line, f"{key} must be a number of at least 0, not {v!r}")
            extra[key] = n
    blank = extra.get("blank", 0)
    invalid = extra.get("invalid", 0)
    cast = extra.get("ballots_cast", sum(counts.values()) + blank + invalid)
    candidates = tuple(dict.fromkeys(k.rsplit(":", 1)[0] if ":" in k else k for k in counts))
    totals = Totals(counts=counts, ballots_cast=cast, blank=blank, invalid=invalid)
    return TotalsFile(candidates, totals, meta.get("title", (0, ""))[1], _seats(fmt, meta))


# --- which format -----------------------------------------------------------------------------

FORMATS = ("blt", "soi", "toi", "csv-ranks", "csv-totals", "xlsx")


def detect_format(filename: str, text: str | None) -> str:
    """The format of a file from its name and, where that is not enough, its text.

    ``.blt``, ``.soi``, ``.toi``, ``.xlsx`` go by extension; a ``.csv`` is a CSV
    of totals when a data row starts with a non-numeric name, else a CSV of
    ranks; other names are recognised by content.
    """
    lower = filename.lower()
    for ext, fmt in ((".blt", "blt"), (".soi", "soi"), (".toi", "toi"), (".xlsx", "xlsx"),
                     (".soc", "soi"), (".toc", "toi")):
        if lower.endswith(ext):
            return fmt
    if text is None:
        raise InvalidInput(say("cannot tell the format of %(filename)s: give --format", filename=repr(filename)), field="format")
    if lower.endswith(".csv"):
        _, rows = _csv_rows("CSV", text)
        for _, cells in rows[1:]:
            if cells and cells[0] and _number(cells[0]) is None:
                return "csv-totals"
        return "csv-ranks"
    stripped = [s.strip() for s in text.splitlines() if s.strip()]
    if any(s.upper().startswith("# DATA TYPE: TOI") for s in stripped):
        return "toi"
    if any(s.upper().startswith("# ALTERNATIVE NAME") for s in stripped) and any(
            re.match(r"\d+\s*:", s) for s in stripped):
        return "soi"
    content = [s for s in stripped if not s.startswith("#")]
    if content and re.fullmatch(r"\d+\s+\d+", content[0]):
        return "blt"
    raise InvalidInput(say("cannot tell the format of %(filename)s: give --format (%(names)s)", filename=repr(filename), names=', '.join(FORMATS)), field="format")
