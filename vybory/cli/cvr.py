"""Cast vote records: ES&S workbooks for vybory's own counts, and every format RCTab reads.

The first part reads an ES&S workbook (.xlsx) into ranked ballots for
vybory's methods (:func:`read_ess_cvr`); the second (:func:`read_source`)
reads one RCTab ``cvrFileSources`` entry of any provider into RCTab records
(:class:`vybory.rules.rctab.Cvr`). Both read the workbook with one streaming
reader (:func:`xlsx_rows`: the sheet's XML in blocks, never the whole
workbook in memory); they differ only in what a row means.

ES&S: one row per ballot, one column per rank.

Cells hold a candidate's name, or a label: the overvote label (several
candidates marked at that rank), the skipped-rank label (nothing marked) and
the undeclared write-in label. An empty cell is a skipped rank too (or an
undeclared write-in, with ``blank_is_write_in``). Names are compared without
the spaces around them, and through ``aliases``.

An overvote cell does not say which candidates were marked, so its rank
holds every candidate: every overvote rule then treats it as an overvote
(RCTab refuses ``exhaustIfMultipleContinuing`` with such records, and so does
:mod:`vybory.cli.rctab`).
"""

from __future__ import annotations

import csv
import html
import itertools
import json
import re
import zipfile
from array import array
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from vybory.cli.jsonstream import members
from vybory.errors import InvalidInput
from vybory.rules.base import RankedBallot
from vybory.rules.rctab import OVERVOTE, UWI, Cvr

WRITE_IN_NAME = "Undeclared Write-ins"


@dataclass(frozen=True, slots=True)
class CvrLayout:
    """Where the ranks are in a workbook and what its labels mean.

    Invariants: ``first_vote_column`` and ``first_vote_row`` count from 1;
    ``ranks`` is ``None`` (every column from the first vote column whose
    header names a rank) or at least 1.
    """

    first_vote_column: int | None = None
    first_vote_row: int = 2
    ranks: int | None = None
    overvote_label: str = "overvote"
    skipped_label: str = "undervote"
    write_in_label: str | None = "UWI"
    blank_is_write_in: bool = False


def _column_letter(index: int) -> str:
    letters = ""
    while index:
        index, r = divmod(index - 1, 26)
        letters = chr(65 + r) + letters
    return letters


def read_ess_cvr(path: Path, layout: CvrLayout = CvrLayout(), *, candidates: Sequence[str] | None = None,
                 aliases: Mapping[str, str] | None = None) -> tuple[tuple[str, ...], list[RankedBallot]]:
    """Reads an ES&S cast vote record workbook.

    With ``candidates`` every name must be one of them (or an alias of one);
    without, the candidates are the names found, in the order first seen.
    Returns the candidates (plus :data:`WRITE_IN_NAME` when undeclared
    write-ins occur) and one ballot per row that is not blank.

    The sheet is read by the same streaming reader as RCTab's ES&S records
    (:func:`xlsx_rows`); what differs is what a row means: here a ballot for
    vybory's methods, with the rank columns found from the header when the
    layout does not give them, and blank rows left out.
    """
    where = str(path)
    rows = xlsx_rows(path)
    header: tuple[str | None, ...] = ()
    pending: tuple[int, dict[int, str]] | None = None
    for number, cells in rows:
        if number == layout.first_vote_row - 1:
            header = tuple(cells.get(j) for j in range(1, max(cells, default=0) + 1))
        if number >= layout.first_vote_row - 1:
            if number >= layout.first_vote_row:
                pending = (number, cells)
            break
    first, ranks = _rank_columns(where, layout, header)
    index = {name: name for name in (candidates or ())}
    for alias, name in (aliases or {}).items():
        index[alias.strip()] = name
    found: dict[str, None] = {}
    labels = {
        layout.overvote_label.strip(): "over",
        layout.skipped_label.strip(): "skip",
    }
    if layout.write_in_label:
        labels[layout.write_in_label.strip()] = "uwi"
    ballots: list[RankedBallot] = []
    overvote_rows: list[tuple[list[tuple[str, ...]], int]] = []
    write_in = False
    cache: dict[object, tuple[str, ...] | str] = {}
    for row_number, cells in itertools.chain([pending] if pending else [], rows):
        if not cells:
            continue  # a blank row is no ballot
        # every column from the first rank column to the sheet's last (the header's or this row's)
        last = max(len(header), max(cells)) if ranks is None else first + ranks - 1
        ranking: list[tuple[str, ...]] = []
        has_overvote = False
        for column in range(first, last + 1):
            value = cells.get(column)
            mark = cache.get(value)
            if mark is None:
                mark = _read_cell(value, labels, layout, index, candidates is not None, found,
                                  f"{where}: cell {_column_letter(column)}{row_number}")
                if value is not None:
                    cache[value] = mark
            if mark == "over":
                has_overvote = True
                ranking.append(("\0over",))
            elif mark == "uwi":
                write_in = True
                ranking.append((WRITE_IN_NAME,))
            else:
                ranking.append(mark)  # type: ignore[arg-type]
        if has_overvote:
            overvote_rows.append((ranking, len(ballots)))
            ballots.append(RankedBallot(()))
        else:
            ballots.append(RankedBallot(tuple(ranking)))
    names = tuple(candidates) if candidates is not None else tuple(found)
    if write_in and WRITE_IN_NAME not in names:
        names = names + (WRITE_IN_NAME,)
    for ranking, i in overvote_rows:
        ballots[i] = RankedBallot(tuple(names if r == ("\0over",) else r for r in ranking))
    return names, ballots


def _rank_columns(where: str, layout: CvrLayout, header: tuple) -> tuple[int, int | None]:
    if layout.first_vote_column is not None:
        if layout.first_vote_column < 1:
            raise InvalidInput("the first vote column counts from 1", field=f"{where}: layout")
        return layout.first_vote_column, layout.ranks
    pattern = re.compile(r"choice|rank|preference", re.IGNORECASE)
    columns = [j for j, h in enumerate(header, start=1) if isinstance(h, str) and pattern.search(h)]
    if not columns:
        raise InvalidInput("cannot tell which columns hold the ranks: no header names a choice or rank "
                           "(give an RCTab configuration with --rules)", field=f"{where}: row 1")
    first = columns[0]
    n = 0
    while first + n in columns:
        n += 1
    return first, layout.ranks or n


def _read_cell(value: object, labels: dict[str, str], layout: CvrLayout, index: dict[str, str], known: bool,
               found: dict[str, None], where: str) -> tuple[str, ...] | str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return "uwi" if layout.blank_is_write_in else ()
    text = str(value).strip()
    if text in labels:
        label = labels[text]
        return () if label == "skip" else label
    if known:
        if text not in index:
            raise InvalidInput(f"{text!r} is neither a candidate of the configuration nor a label "
                               f"({', '.join(repr(k) for k in labels)})", field=where)
        return (index[text],)
    found.setdefault(text)
    return (text,)


# --- RCTab's cast vote record sources ------------------------------------------------------------
#
# Each reader below turns one ``cvrFileSources`` entry of an RCTab configuration into
# :class:`vybory.rules.rctab.Cvr` records, reading the file as RCTab's reader of that
# provider does: which cells or marks make a ranking, what the labels mean, which
# records are left out. Names go through the configuration's aliases; an unknown
# name, a bad rank or a malformed record is refused with the file, the record and
# the field.

Rankings = list[tuple[int, str]]


@dataclass(frozen=True, slots=True)
class RecordIds:
    """What RCTab keeps of a record besides its rankings (its ``CastVoteRecord``), for the
    outputs that name records: the audit copy (``rctab_cvr.csv``) and the CDF conversion.

    ``record_id`` is RCTab's id of the record (``getId``: the computed id, else the
    vendor's); ``supplied`` the vendor's own (``getSuppliedId``); ``contest_id`` and
    ``tabulator`` are given by the vendors whose records carry them (Dominion, Hart,
    Clear Ballot); ``batch`` and ``precinct`` are the record's slices as RCTab reads them;
    ``portion`` the precinct portion (Dominion, Hart). ``None`` where the format has none.
    """

    record_id: str
    supplied: str | None = None
    contest_id: str | None = None
    tabulator: str | None = None
    batch: str | None = None
    precinct: str | None = None
    portion: str | None = None


# Told of each record with its ids, just before the record is handed out. The readers make
# the ids only when one is given: a count that writes no record by name keeps none.
Witness = Callable[[RecordIds, Cvr], object]


@dataclass(frozen=True, slots=True)
class Source:
    """One ``cvrFileSources`` entry, its fields as RCTab names them.

    Invariants: indexes count from 1 (``None`` when not given); ``path`` is
    resolved against the configuration's folder.
    """

    provider: str
    path: Path
    contest_id: str = ""
    first_vote_column: int | None = None
    first_vote_row: int | None = None
    id_column: int | None = None
    precinct_column: int | None = None
    batch_column: int | None = None
    overvote_delimiter: str = ""
    overvote_label: str = ""
    skipped_label: str = ""
    write_in_label: str = ""
    blank_is_write_in: bool = False
    given_path: str = ""  # ``filePath`` as the configuration spells it (RCTab's audit copy prints it)


class Names:
    """The configuration's names and aliases (``getNameForCandidate``)."""

    def __init__(self, aliases: Mapping[str, str]) -> None:
        self.aliases = dict(aliases)
        self.aliases.setdefault(UWI, UWI)
        self.aliases.setdefault(OVERVOTE, OVERVOTE)

    def name(self, raw: str, where: str) -> str:
        found = self.aliases.get(raw)
        if found is None:
            raise InvalidInput(f"{raw!r} is neither a candidate of the configuration nor one of its aliases",
                               field=where)
        return found


def safe_name(text: str) -> str:
    """A name made safe for a file name or an id as RCTab makes it (``sanitizeStringForOutput``)."""
    return re.sub(r"[^a-zA-Z0-9_\-.]", "_", text)


def build(rankings: Rankings, names: Names, where: str, precinct: str | None, batch: str | None = None) -> Cvr:
    """A record from (rank, raw name) pairs: grouped by rank, ascending, names mapped."""
    by_rank: dict[int, list[str]] = {}
    for rank, raw in sorted(rankings, key=lambda p: p[0]):
        if rank < 1:
            raise InvalidInput(f"rank {rank}: every rank is a whole number of at least 1", field=where)
        by_rank.setdefault(rank, []).append(names.name(raw, where))
    return Cvr(tuple((r, tuple(n)) for r, n in by_rank.items()), precinct, batch)


# ES&S: an .xlsx workbook, read as a stream (a million rows in seconds).

_ROW = re.compile(rb"<row\b([^>]*?)(?:/>|>(.*?)</row>)", re.DOTALL)
_ROW_NUMBER = re.compile(rb'\br="([0-9]+)"')
# One cell: its attributes (the reference and type read from them) and its content.
_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.DOTALL)
_REF = re.compile(rb'\br="([A-Z]+)[0-9]*"')
_TYPE = re.compile(rb'\bt="(\w+)"')
_VALUE = re.compile(rb"<v>([^<]*)</v>")
_TEXT = re.compile(rb"<t\b[^>]*>([^<]*)</t>")


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _text(raw: bytes) -> str:
    text = raw.decode("utf-8")
    return html.unescape(text) if "&" in text else text


def _first_sheet(book: zipfile.ZipFile) -> str:
    try:
        workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    except KeyError:
        raise InvalidInput("not an Excel workbook (.xlsx): no xl/workbook.xml", field="workbook") from None
    except ElementTree.ParseError as exc:
        raise InvalidInput(f"not an Excel workbook (.xlsx): {exc}", field="workbook") from None
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    sheet = workbook.find("m:sheets/m:sheet", ns)
    if sheet is None:
        raise InvalidInput("the workbook has no sheet", field="workbook")
    rid = sheet.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")
    for rel in rels:
        if rel.get("Id") == rid:
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else "xl/" + target
    raise InvalidInput("the workbook's first sheet has no part", field="workbook")


def _sheet_chunks(stream: Any) -> Iterator[bytes]:
    """The sheet's XML in pieces that each end after a whole ``</row>``."""
    rest = b""
    while chunk := stream.read(1 << 20):
        data = rest + chunk
        end = data.rfind(b"</row>")
        if end < 0:
            rest = data
            continue
        end += 6
        yield data[:end]
        rest = data[end:]
    if rest:
        yield rest


def xlsx_rows(path: Path) -> Iterator[tuple[int, dict[int, str]]]:
    """The rows of the first sheet, as a stream: (row number, {column number: text}),
    blank cells left out."""
    try:
        book = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, ValueError):
        raise InvalidInput("not an Excel workbook (.xlsx)", field=str(path)) from None
    with book:
        shared: list[str] = []
        try:
            sheet = _first_sheet(book)
            if "xl/sharedStrings.xml" in book.namelist():
                data = book.read("xl/sharedStrings.xml")
                for item in re.finditer(rb"<si>(.*?)</si>", data, re.DOTALL):
                    shared.append("".join(_text(t) for t in _TEXT.findall(item.group(1))))
            stream = book.open(sheet)
        except InvalidInput as error:
            raise InvalidInput(error.message, field=str(path)) from None
        except (KeyError, zipfile.BadZipFile, UnicodeDecodeError, ValueError) as exc:
            raise InvalidInput(f"not a readable Excel workbook (.xlsx): {exc}", field=str(path)) from None
        columns: dict[bytes, int] = {}
        next_row = 1
        with stream:
            try:
                for data in _sheet_chunks(stream):
                    for row in _ROW.finditer(data):
                        number_match = _ROW_NUMBER.search(row.group(1))
                        number = int(number_match.group(1)) if number_match else next_row
                        next_row = number + 1
                        cells: dict[int, str] = {}
                        position = 0
                        for attrs, content in _CELL.findall(row.group(2) or b""):
                            ref = _REF.search(attrs)
                            if ref is None:
                                position += 1
                            else:
                                letters = ref.group(1)
                                position = columns.get(letters) or columns.setdefault(
                                    letters, _column_number(letters))
                            kind = _TYPE.search(attrs)
                            t = kind.group(1) if kind else b"n"
                            if t == b"inlineStr":
                                value = "".join(_text(x) for x in _TEXT.findall(content))
                            else:
                                v = _VALUE.search(content)
                                if v is None:
                                    continue
                                if t == b"s":
                                    try:
                                        value = shared[int(v.group(1))]
                                    except (ValueError, IndexError):
                                        raise InvalidInput(
                                            f"shared string {v.group(1).decode(errors='replace')!r} does not exist",
                                            field=f"{path}: cell {_column_letter(position)}{number}") from None
                                else:
                                    value = _text(v.group(1))
                                    if t == b"n" and value.endswith(".0"):
                                        value = value[:-2]
                            if value and not value.isspace():
                                cells[position] = value
                        yield number, cells
            except (zipfile.BadZipFile, EOFError, OSError) as exc:
                raise InvalidInput(f"the workbook is damaged: {exc}", field=str(path)) from None
            except UnicodeDecodeError as exc:
                raise InvalidInput(f"the sheet is not UTF-8 (byte {exc.start})", field=str(path)) from None


def read_ess(source: Source, names: Names, max_rankings: int | None,
             witness: Witness | None = None) -> Iterator[Cvr]:
    """ES&S (``ess``): one row per ballot from ``firstVoteRowIndex``, one column per rank from
    ``firstVoteColumnIndex`` (``maxRankingsAllowed`` columns, or all to the right with "max").

    Rows with the same cells (and precinct) give the same record: it is built once and
    handed out again, which keeps a million-row workbook to a dictionary lookup a row.
    A record's id is the file's name and its number (``file.xlsx-7``), the vendor's the
    ``idColumnIndex`` cell."""
    first_column = source.first_vote_column or 1
    last_column = None if max_rankings is None else first_column + max_rankings - 1
    first_row = source.first_vote_row or 2
    delimiter = source.overvote_delimiter
    seen: dict[tuple[object, ...], Cvr] = {}
    stem = safe_name(source.path.name)
    n = 0
    for number, cells in xlsx_rows(source.path):
        if number < first_row:
            continue
        n += 1
        precinct = batch = None
        if source.precinct_column is not None:
            precinct = cells.get(source.precinct_column, "missing_precinct_id")
        if source.batch_column is not None:
            batch = cells.get(source.batch_column, "missing_batch_id")
        if source.id_column is not None and source.id_column not in cells:
            raise InvalidInput("the cast vote record has no identifier (idColumnIndex)",
                               field=f"{source.path}: cell {_column_letter(source.id_column)}{number}")
        votes = tuple((c, v) for c, v in cells.items()
                      if c >= first_column and (last_column is None or c <= last_column))
        key = (precinct, batch, votes)
        record = seen.get(key)
        if record is None:
            record = _ess_record(source, names, number, votes, first_column, max_rankings, delimiter, precinct,
                                 batch)
            if len(seen) < 1 << 20:
                seen[key] = record
        if witness is not None:
            supplied = cells.get(source.id_column) if source.id_column is not None else None
            witness(RecordIds(f"{stem}-{n}", supplied, precinct=precinct, batch=batch), record)
        yield record


def _ess_record(source: Source, names: Names, number: int, votes: tuple[tuple[int, str], ...],
                first_column: int, max_rankings: int | None, delimiter: str, precinct: str | None,
                batch: str | None) -> Cvr:
    rankings: Rankings = []
    last_seen = 0
    for column, raw in sorted(votes):
        rank = column - first_column + 1
        if source.blank_is_write_in:
            rankings += [(r, UWI) for r in range(last_seen + 1, rank)]
        text = raw.strip()
        parts = [p.strip() for p in text.split(delimiter)] if delimiter else [text]
        for part in parts:
            if len(parts) > 1 and (not part or part == source.skipped_label):
                raise InvalidInput(f"{text!r}: the candidates split by the overvote delimiter "
                                   f"{delimiter!r} cannot be blank or the skipped-rank label",
                                   field=f"{source.path}: cell {_column_letter(column)}{number}")
            if part == source.skipped_label:
                continue
            if part == source.overvote_label:
                part = OVERVOTE
            elif part == source.write_in_label:
                part = UWI
            else:
                part = names.name(part, f"{source.path}: cell {_column_letter(column)}{number}")
            rankings.append((rank, part))
        last_seen = rank
    if source.blank_is_write_in and max_rankings is not None:
        rankings += [(r, UWI) for r in range(last_seen + 1, max_rankings + 1)]
    return build(rankings, names, f"{source.path}: row {number}", precinct, batch)


# The NIST Common Data Format (``cdf``), JSON.

def _stream_list(path: Path, key: str) -> Iterator[tuple[int, Any]]:
    """The items of the array ``key`` of the JSON object in ``path``, read as a stream."""
    seen = False
    for name, index, value in members(path, key):
        if name != key:
            continue
        if index is None:
            if not isinstance(value, list):
                raise InvalidInput(f"{key!r} must be list", field=str(path))
            seen = True
            continue
        yield index, value
    if not seen:
        raise InvalidInput(f"has no {key!r}", field=str(path))


def _need(obj: Any, key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if not isinstance(obj, dict) or key not in obj:
        raise InvalidInput(f"has no {key!r}", field=where)
    value = obj[key]
    if not isinstance(value, kind):
        raise InvalidInput(f"{key!r} must be {getattr(kind, '__name__', 'of another type')}", field=where)
    return value


def _rank(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().isdigit():
        raise InvalidInput(f"Rank must be a whole number, not {value!r}", field=where)
    return int(value)


_SCALARS = (str, int, float, bool, type(None))


def _tagged(value: Any) -> Any:
    """A JSON value as a key that tells types apart (``true``, ``1`` and ``1.0`` hash alike)."""
    kind = type(value)
    return (kind, value) if kind in _SCALARS else (list, json.dumps(value, sort_keys=True))


def _untagged(tag: Any) -> Any:
    kind, value = tag
    return json.loads(value) if kind is list else value


def _cdf_contest(contest: Any) -> tuple[Any, ...]:
    """One ``CVRContest`` of a record as a hashable key: its ContestId and selections, each
    ``(sid, rank)`` or ``(sid, marks)``; a malformed part is the message that refuses it,
    but only if it is the contest counted (:func:`_cdf_rankings` says where)."""
    if type(contest) is not dict:
        return (None,)
    contest_id = contest.get("ContestId")
    contest_id = contest_id if type(contest_id) is str else None
    chosen = contest.get("CVRContestSelection")
    if type(chosen) is not list:
        return (contest_id, "has no 'CVRContestSelection'" if "CVRContestSelection" not in contest
                else "'CVRContestSelection' must be list")
    selections: list[Any] = []
    for item in chosen:
        sid = item.get("ContestSelectionId") if type(item) is dict else None
        if type(sid) is not str:
            selections.append("has no 'ContestSelectionId'" if type(item) is not dict
                              or "ContestSelectionId" not in item else "'ContestSelectionId' must be str")
        elif "Rank" in item:
            rank = item["Rank"]
            selections.append((sid, (type(rank), rank) if type(rank) in _SCALARS else _tagged(rank)))
        else:
            positions = item.get("SelectionPosition")
            if type(positions) is not list:
                selections.append("has no 'SelectionPosition'" if "SelectionPosition" not in item
                                  else "'SelectionPosition' must be list")
                continue
            marks: list[Any] = []
            for position in positions:
                if type(position) is not dict:
                    marks.append(None)
                    continue
                rank = position.get("Rank")
                marks.append(("CVRWriteIn" in position,
                              position.get("HasIndication") == "no" or position.get("IsAllocable") == "no",
                              (type(rank), rank) if type(rank) in _SCALARS else _tagged(rank)))
            selections.append((sid, tuple(marks), None))
    return (contest_id, tuple(selections))


def _cdf_rankings(contests: tuple[Any, ...], contest_id: str, selections: Mapping[str, str],
                  at: str) -> Rankings:
    """The (rank, name) pairs of the counted contest in a record's key (:func:`_cdf_contest`)."""
    rankings: Rankings = []
    for ballot_contest in contests:
        if ballot_contest[0] != contest_id:
            continue
        if isinstance(ballot_contest[1], str):
            raise InvalidInput(ballot_contest[1], field=at)
        for j, selection in enumerate(ballot_contest[1]):
            sat = f"{at}.CVRContestSelection[{j}]"
            if isinstance(selection, str):
                raise InvalidInput(selection, field=sat)
            sid = selection[0]
            if sid not in selections:
                raise InvalidInput(f"ContestSelection {sid!r} is not in the contest", field=sat)
            name = selections[sid]
            if len(selection) == 2:
                rankings.append((_rank(_untagged(selection[1]), sat), name))
                continue
            for k, mark in enumerate(selection[1]):
                pat = f"{sat}.SelectionPosition[{k}]"
                if mark is None:
                    raise InvalidInput("must be an object", field=pat)
                write_in, left_out, rank = mark
                if write_in:
                    name = UWI
                if not left_out:
                    rankings.append((_rank(_untagged(rank), pat), name))
        break
    return rankings


def _cdf_record(cvr: Any, at: str) -> tuple[Any, ...]:
    """A CDF JSON record as a hashable key (its precinct unit and its current snapshot's
    contests), checked as far as it can be without the report's Election."""
    current = cvr.get("CurrentSnapshotId") if type(cvr) is dict else None
    snapshots = cvr.get("CVRSnapshot") if type(cvr) is dict else None
    if type(snapshots) is not list:
        snapshots = _need(cvr, "CVRSnapshot", list, at)
    snapshot = next((s for s in snapshots if type(s) is dict and s.get("@id") == current), None)
    if snapshot is None:
        raise InvalidInput(f"no CVRSnapshot with the CurrentSnapshotId {current!r}", field=at)
    contests = snapshot.get("CVRContest")
    if type(contests) is not list:
        contests = _need(snapshot, "CVRContest", list, at)
    unit = cvr.get("BallotStyleUnitId")
    return (unit if type(unit) is str else None, tuple(map(_cdf_contest, contests)))


def _text_id(cvr: Any, key: str, at: str) -> str | None:
    """A record's optional id field (``BallotPrePrintedId``, ``BatchSequenceId``): text, or absent."""
    value = cvr.get(key) if type(cvr) is dict else None
    if value is not None and type(value) is not str:
        raise InvalidInput(f"{key!r} must be str", field=at)
    return value


def read_cdf_json(source: Source, names: Names,
                  progress: Callable[[int], object] | None = None,
                  witness: Witness | None = None) -> Iterator[Cvr]:
    """CDF JSON: the contest whose ``Name`` is ``contestId``; each CVR's current snapshot; a
    selection's ``Rank``, or its positions' ranks (those with ``HasIndication`` or
    ``IsAllocable`` "no" left out); write-in selections are undeclared write-ins.

    Read as a stream (:mod:`vybory.cli.jsonstream`), in one pass whatever the order of the
    report's members: each record is reduced to what counting needs, identical ones kept
    once, and the records are made once the Election is known, in the file's order.
    ``progress`` is told, every 4096 records, that 4096 more were read. A record's id is
    the file's name and its number (``file.json(7)``), the vendor's its
    ``BallotPrePrintedId``, its batch the ``BatchSequenceId``: kept, one pair a record,
    only when a ``witness`` asks for them."""
    where = str(source.path)
    doc: dict[str, Any] = {}
    given: list[tuple[str | None, str | None]] = []
    keys: dict[tuple[Any, ...], int] = {}
    first: list[int] = []
    order = array("I")
    for key, index, value in members(source.path, "CVR"):
        if index is None:
            doc[key] = value
            continue
        try:
            raw = _cdf_record(value, "")
            if witness is not None:
                given.append((_text_id(value, "BallotPrePrintedId", ""), _text_id(value, "BatchSequenceId", "")))
        except InvalidInput as error:
            raise InvalidInput(error.message, field=f"{where}: CVR[{index}]") from None
        slot = keys.get(raw)
        if slot is None:
            slot = keys[raw] = len(first)
            first.append(index)
        order.append(slot)
        if progress is not None and len(order) % 4096 == 0:
            progress(4096)
    if progress is not None:
        progress(len(order) % 4096)
    units = {}
    for i, unit in enumerate(_need(doc, "GpUnit", list, where)):
        units[_need(unit, "@id", str, f"{where}: GpUnit[{i}]")] = unit
    candidates: dict[str, Any] = {}
    contest = None
    for e, election in enumerate(_need(doc, "Election", list, where)):
        for i, c in enumerate(_need(election, "Candidate", list, f"{where}: Election[{e}]")):
            cid = _need(c, "@id", str, f"{where}: Election[{e}].Candidate[{i}]")
            if cid in candidates:
                raise InvalidInput(f"candidate @id {cid!r} appears twice", field=f"{where}: Election[{e}].Candidate[{i}]")
            candidates[cid] = c
        for c in _need(election, "Contest", list, f"{where}: Election[{e}]"):
            if isinstance(c, dict) and c.get("Name") == source.contest_id:
                contest = c
                break
    if contest is None:
        raise InvalidInput(f"no Contest named {source.contest_id!r}", field=f"{where}: contestId")
    contest_id = _need(contest, "@id", str, f"{where}: Contest")
    selections: dict[str, str] = {}
    for i, sel in enumerate(_need(contest, "ContestSelection", list, f"{where}: Contest")):
        at = f"{where}: Contest.ContestSelection[{i}]"
        sid = _need(sel, "@id", str, at)
        if sid in selections:
            raise InvalidInput(f"ContestSelection @id {sid!r} appears twice", field=at)
        if sel.get("IsWriteIn") is True:
            selections[sid] = UWI
            continue
        ids = sel.get("CandidateIds")
        if not isinstance(ids, list) or not ids:
            raise InvalidInput("has no CandidateIds", field=at)
        if type(ids[0]) is not str:
            raise InvalidInput("CandidateIds must list candidate ids (text)", field=at)
        cand = candidates.get(ids[0])
        if cand is None:
            raise InvalidInput(f"candidate {ids[0]!r} is not in the Candidate list", field=at)
        name = _need(cand, "Name", str, f"{where}: Candidate {ids[0]!r}")
        selections[sid] = OVERVOTE if name == source.overvote_label else name
    _need(doc, "CVR", list, where)
    records: list[Cvr] = []
    for (unit, contests), index in zip(keys, first, strict=True):
        at = f"{where}: CVR[{index}]"
        rankings = _cdf_rankings(contests, contest_id, selections, at)
        precinct = units[unit].get("Name") if unit in units else None
        records.append(build(rankings, names, at, precinct if isinstance(precinct, str) else None))
    if witness is None:
        for slot in order:
            yield records[slot]
        return
    for n, (slot, (supplied, batch)) in enumerate(zip(order, given, strict=True), 1):
        record = records[slot]
        witness(RecordIds(f"{source.path.name}({n})", supplied, batch=batch, precinct=record.precinct), record)
        yield record


def read_cdf_xml(source: Source, names: Names, witness: Witness | None = None) -> Iterator[Cvr]:
    """CDF XML: the same document as elements (``CastVoteRecordReport``), contest matched by
    ``Name``, selections by ``ObjectId``; a record's id is the file's name and its number
    among the records of the contest, the vendor's its ``UniqueId``, its batch the
    ``BatchSequenceId``."""
    where = str(source.path)
    try:
        root = ElementTree.parse(source.path).getroot()
    except ElementTree.ParseError as exc:
        raise InvalidInput(f"not valid XML: {exc}", field=where) from None

    def local(tag: str) -> str:
        return tag.rsplit("}", 1)[-1]

    def kids(node: ElementTree.Element, name: str) -> list[ElementTree.Element]:
        return [c for c in node if local(c.tag) == name]

    def text(node: ElementTree.Element, name: str) -> str | None:
        found = kids(node, name)
        return (found[0].text or "").strip() if found else None

    units = {u.get("ObjectId"): text(u, "Name") for u in kids(root, "GpUnit")}
    candidates = {c.get("ObjectId"): text(c, "Name") for e in kids(root, "Election") for c in kids(e, "Candidate")}
    contest = next((c for e in kids(root, "Election") for c in kids(e, "Contest")
                    if text(c, "Name") == source.contest_id), None)
    if contest is None:
        raise InvalidInput(f"no Contest named {source.contest_id!r}", field=f"{where}: contestId")
    contest_id = contest.get("ObjectId")
    selections: dict[str | None, str] = {}
    for sel in kids(contest, "ContestSelection"):
        sid = sel.get("ObjectId")
        if (text(sel, "IsWriteIn") or "").lower() == "true":
            selections[sid] = UWI
            continue
        ids = text(sel, "CandidateIds")
        if not ids:
            raise InvalidInput(f"ContestSelection {sid!r} has no CandidateIds", field=where)
        name = candidates.get(ids.split()[0])
        if name is None:
            raise InvalidInput(f"candidate {ids!r} of ContestSelection {sid!r} is not in the Candidate list",
                               field=where)
        selections[sid] = OVERVOTE if name == source.overvote_label else name
    kept = 0
    for n, cvr in enumerate(kids(root, "CVR")):
        at = f"{where}: CVR[{n}]"
        current = text(cvr, "CurrentSnapshotId")
        snapshot = next((s for s in kids(cvr, "CVRSnapshot") if s.get("ObjectId") == current), None)
        if snapshot is None:
            raise InvalidInput(f"no CVRSnapshot with the CurrentSnapshotId {current!r}", field=at)
        rankings: Rankings = []
        ballot_contest = next((c for c in kids(snapshot, "CVRContest") if text(c, "ContestId") == contest_id),
                              None)
        if ballot_contest is None:
            # A record without the contest is no ballot of it (RCTab skips it too).
            continue
        for j, chosen in enumerate(kids(ballot_contest, "CVRContestSelection")):
            sat = f"{at}.CVRContestSelection[{j}]"
            if text(chosen, "Status") == "needs-adjudication":
                # Not yet decided by the adjudicators: RCTab leaves it out of the count.
                continue
            sid = text(chosen, "ContestSelectionId")
            if sid not in selections:
                raise InvalidInput(f"ContestSelection {sid!r} is not in the contest", field=sat)
            name = selections[sid]
            rank = text(chosen, "Rank")
            if rank is not None:
                rankings.append((_rank(rank, sat), name))
                continue
            for k, position in enumerate(kids(chosen, "SelectionPosition")):
                if kids(position, "CVRWriteIn"):
                    name = UWI
                if text(position, "HasIndication") == "no" or text(position, "IsAllocable") == "no":
                    continue
                rankings.append((_rank(text(position, "Rank"), f"{sat}.SelectionPosition[{k}]"), name))
        unit = text(cvr, "BallotStyleUnitId")
        if unit and unit not in units:
            raise InvalidInput(f"BallotStyleUnitId {unit!r} is not a GpUnit of the report", field=at)
        record = build(rankings, names, at, units.get(unit) if unit else None)
        kept += 1
        if witness is not None:
            witness(RecordIds(f"{source.path.name}({kept})", text(cvr, "UniqueId"),
                              batch=text(cvr, "BatchSequenceId"), precinct=record.precinct), record)
        yield record


# Dominion: a folder of JSON exports.

def read_dominion(source: Source, names: Names, max_rankings: int | None,
                  witness: Witness | None = None) -> Iterator[Cvr]:
    """Dominion: ``CvrExport.json`` (or ``CvrExport_N.json`` files, in path order) with the
    manifests beside it; a session's ``Original`` marks unless it is not current (then
    ``Modified``); ambiguous marks and outstacked contests (condition 7) left out; candidate
    ids named through the aliases; a rank above the contest's ``NumOfRanks`` refused; a
    precinct or precinct portion not in its manifest refused. A record's id is
    ``TabulatorId-BatchId-RecordId``, the vendor's its ``RecordId``, its precinct portion
    the portion manifest's ``Description``."""
    folder = source.path
    if not folder.is_dir():
        raise InvalidInput("a Dominion export is a folder of JSON files", field=str(folder))

    def manifest(name: str, required: bool = True) -> dict[int, dict[str, Any]] | None:
        path = folder / name
        if not path.exists():
            if required:
                raise InvalidInput("missing from the Dominion export", field=str(path))
            return None
        out: dict[int, dict[str, Any]] = {}
        for i, item in _stream_list(path, "List"):
            out[_need(item, "Id", int, f"{path}: List[{i}]")] = item
        return out

    precincts = manifest("PrecinctManifest.json", required=False)
    portions = manifest("PrecinctPortionManifest.json") or {}
    contests = manifest("ContestManifest.json") or {}
    candidates = manifest("CandidateManifest.json") or {}
    if not source.contest_id.strip().isdigit() or int(source.contest_id) not in contests:
        raise InvalidInput(f"contest {source.contest_id!r} is not in ContestManifest.json", field="contestId")
    contest_id = int(source.contest_id)
    max_ranks = contests[contest_id].get("NumOfRanks")
    in_contest = {str(i) for i, c in candidates.items() if str(c.get("ContestId")) == source.contest_id}
    single = folder / "CvrExport.json"
    files = [single] if single.exists() else sorted(p for p in folder.iterdir()
                                                      if re.fullmatch(r"CvrExport_\d+\.json", p.name))
    if not files:
        raise InvalidInput("no CvrExport.json file(s) in the Dominion export", field=str(folder))
    found = False
    for path in files:
        for s, session in _stream_list(path, "Sessions"):
            at = f"{path}: Sessions[{s}]"
            data = _need(session, "Original", dict, at)
            if not data.get("IsCurrent", False):
                if "Modified" not in session:
                    continue
                data = _need(session, "Modified", dict, at)
            precinct_id = data.get("PrecinctId")
            precinct = None
            if precinct_id is not None:
                if precincts is None or precinct_id not in precincts:
                    raise InvalidInput(f"precinct {precinct_id} is not in PrecinctManifest.json", field=at)
                precinct = precincts[precinct_id].get("Description")
            portion_id = data.get("PrecinctPortionId")
            if portion_id is not None and portion_id not in portions:
                raise InvalidInput(f"precinct portion {portion_id} is not in PrecinctPortionManifest.json",
                                   field=f"{at}.PrecinctPortionId")
            ids = _dominion_ids(session, at) if witness is not None else None
            cards = data.get("Cards", [data])
            for card in cards:
                for contest in _need(card, "Contests", list, at):
                    if str(contest.get("Id")) != source.contest_id:
                        continue
                    if 7 in (contest.get("OutstackConditionIds") or []):
                        continue
                    found = True
                    rankings: Rankings = []
                    for m, mark in enumerate(_need(contest, "Marks", list, at)):
                        if mark.get("IsAmbiguous"):
                            continue
                        mat = f"{at}.Marks[{m}]"
                        code = str(_need(mark, "CandidateId", (int, str), mat))
                        rank = _rank(mark.get("Rank"), mat)
                        if isinstance(max_ranks, int) and rank > max_ranks:
                            raise InvalidInput(f"rank {rank}, but the contest has {max_ranks} ranks", field=mat)
                        if code == source.write_in_label:
                            code = UWI
                        elif code not in in_contest:
                            raise InvalidInput(f"candidate {code} is not a candidate of contest {contest_id}",
                                               field=mat)
                        rankings.append((rank, code))
                    batch = session.get("BatchId")
                    record = build(rankings, names, at, precinct, None if batch is None else str(batch))
                    if witness is not None and ids is not None:
                        portion = portions[portion_id].get("Description") if portion_id is not None else None
                        witness(RecordIds(ids[0], ids[1], contest_id=str(contest.get("Id")), tabulator=ids[2],
                                          batch=record.batch, precinct=precinct,
                                          portion=portion if isinstance(portion, str) else None), record)
                    yield record
    if not found:
        raise InvalidInput(f"no cast vote record of contest {contest_id}", field=str(folder))


def _dominion_ids(session: Any, at: str) -> tuple[str, str, str]:
    """A session's (RCTab id, RecordId, TabulatorId): ``TabulatorId-BatchId-RecordId``, as
    ``DominionCvrReader`` joins them; each must be there (RCTab stops on a missing one)."""
    parts = []
    for key in ("TabulatorId", "BatchId", "RecordId"):
        value = session.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, str)) or (key == "RecordId"
                                                                              and not isinstance(value, int)):
            raise InvalidInput(f"{key} must be {'a whole number' if key == 'RecordId' else 'a number or text'}",
                               field=f"{at}.{key}")
        parts.append(str(value))
    return "-".join(p for p in parts if p.strip()), parts[2], parts[0]


# Clear Ballot: CSV, one column per (rank, choice).

_COMMA = re.compile(r',(?=(?:[^"]*"[^"]*")*[^"]*$)')


def read_clear_ballot(source: Source, names: Names, max_rankings: int | None,
                      witness: Witness | None = None) -> Iterator[Cvr]:
    """Clear Ballot: columns from the 11th headed ``RCV:contest:rank:rule:choice:party``; a 1
    under a column of the contest is that choice at that rank; column 5 is the precinct.
    A record's id is its ``BallotID`` (column 4), its tabulator the ``ScanComputerName``
    (column 8)."""
    where = str(source.path)
    with source.path.open(encoding="utf-8") as handle:
        header = handle.readline().rstrip("\r\n")
        if not header:
            raise InvalidInput("no header row", field=where)
        columns: dict[int, tuple[int, str]] = {}
        headings = _COMMA.split(header)
        if len(headings) < 11:
            raise InvalidInput(f"{len(headings)} columns: a Clear Ballot record has its choices from "
                               f"column 11", field=f"{where}: row 1")
        for index, heading in enumerate(headings[10:], start=10):
            fields = heading.split(":")
            if len(fields) != 6:
                raise InvalidInput(f"column {index + 1} heading {heading!r} is not RCV:contest:rank:rule:choice:party",
                                   field=f"{where}: row 1")
            if fields[1] != source.contest_id:
                continue
            choice = UWI if fields[4] == source.write_in_label else fields[4]
            if not fields[2].isdigit():
                raise InvalidInput(f"column {index + 1}: rank {fields[2]!r} is not a number", field=f"{where}: row 1")
            rank = int(fields[2])
            if max_rankings is None or rank <= max_rankings:
                columns[index] = (rank, choice)
        for number, line in enumerate(handle, start=2):
            line = line.rstrip("\r\n")
            if not line:
                continue
            cells = _COMMA.split(line)
            at = f"{where}: row {number}"
            rankings: Rankings = []
            for index, pair in columns.items():
                value = cells[index].strip() if index < len(cells) else ""
                if not value.lstrip("-").isdigit():
                    raise InvalidInput(f"column {index + 1}: {value!r} is not a number", field=at)
                if int(value) == 1:
                    rankings.append(pair)
            record = build(rankings, names, at, cells[4] if len(cells) > 4 else None)
            if witness is not None:
                if len(cells) < 8:
                    raise InvalidInput(f"{len(cells)} columns: a Clear Ballot record names its BallotID "
                                       f"(column 4) and ScanComputerName (column 8)", field=at)
                witness(RecordIds(cells[3], cells[3], contest_id=source.contest_id, tabulator=cells[7],
                                  precinct=record.precinct), record)
            yield record


# Hart: a folder of XML files, one ballot each.

def read_hart(source: Source, names: Names, witness: Witness | None = None) -> Iterator[Cvr]:
    """Hart: every ``.xml`` file of the folder (not ``.sig.xml``); the contest whose ``Id`` is
    ``contestId``; an option's ``Value`` has a 1 at each rank it was marked; the precinct is
    ``PrecinctSplit/Name`` and the batch ``BatchNumber``, as RCTab reads them. A record's
    id is its ``CvrGuid``, its precinct portion the ``PrecinctSplit/Id``."""
    folder = source.path
    if not folder.is_dir():
        raise InvalidInput("a Hart export is a folder of XML files", field=str(folder))
    for path in sorted(folder.iterdir()):
        lower = path.name.lower()
        if not lower.endswith("xml") or lower.endswith(".sig.xml"):
            continue
        try:
            root = ElementTree.parse(path).getroot()
        except ElementTree.ParseError as exc:
            raise InvalidInput(f"not valid XML: {exc}", field=str(path)) from None

        def local(tag: str) -> str:
            return tag.rsplit("}", 1)[-1]

        def child(node: ElementTree.Element, name: str) -> ElementTree.Element | None:
            return next((c for c in node if local(c.tag) == name), None)

        def text(node: ElementTree.Element | None, name: str) -> str:
            found = child(node, name) if node is not None else None
            return (found.text or "").strip() if found is not None else ""

        split = child(root, "PrecinctSplit")
        precinct = text(split, "Name") or None
        batch = text(root, "BatchNumber") or None
        contests = child(root, "Contests")
        for contest in (list(contests) if contests is not None else []):
            if text(contest, "Id") != source.contest_id:
                continue
            rankings: Rankings = []
            options = child(contest, "Options")
            for option in (list(options) if options is not None else []):
                code = text(option, "Id")
                if code == source.write_in_label:
                    code = UWI
                for rank, flag in enumerate(text(option, "Value"), start=1):
                    if flag == "1":
                        rankings.append((rank, code))
            record = build(rankings, names, f"{path}: contest {source.contest_id}", precinct, batch)
            if witness is not None:
                guid = text(root, "CvrGuid")
                if not guid:
                    raise InvalidInput("the record has no CvrGuid", field=f"{path}: CvrGuid")
                witness(RecordIds(guid, guid, contest_id=source.contest_id, batch=batch, precinct=precinct,
                                  portion=text(split, "Id") or None), record)
            yield record


# Generic CSV: a column per candidate, the cell its rank.

def read_generic_csv(source: Source, names: Names, witness: Witness | None = None) -> Iterator[Cvr]:
    """Generic CSV: the first row names the candidates from ``firstVoteColumnIndex``; each later
    row gives, under a candidate, the rank the ballot gave it (blank: not ranked). A record's
    id is its number (from 1), the vendor's the ``idColumnIndex`` cell."""
    where = str(source.path)
    first = (source.first_vote_column or 1) - 1
    with source.path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            raise InvalidInput("no header row", field=where)
        columns = header[first:]
        for i, name in enumerate(columns):
            if not name.strip():
                raise InvalidInput(f"column {first + i + 1} has no candidate name", field=f"{where}: row 1")
        heads = [UWI if n == source.write_in_label else n for n in columns]
        for number, row in enumerate(reader, start=2):
            rankings: Rankings = []
            for i, cell in enumerate(row[first:]):
                if not cell.strip():
                    continue
                at = f"{where}: row {number}, column {first + i + 1}"
                if not cell.strip().isdigit():
                    raise InvalidInput(f"{cell!r} is not a rank (a whole number)", field=at)
                if i >= len(heads):
                    raise InvalidInput("a rank under no candidate's column", field=at)
                rankings.append((int(cell.strip()), heads[i]))
            precinct = None
            if source.precinct_column is not None:
                value = row[source.precinct_column - 1] if source.precinct_column - 1 < len(row) else ""
                precinct = value if value.strip() else "no precinct id"
            batch = None
            if source.batch_column is not None:
                value = row[source.batch_column - 1] if source.batch_column - 1 < len(row) else ""
                batch = value if value.strip() else "no batch id"
            record = build(rankings, names, f"{where}: row {number}", precinct, batch)
            if witness is not None:
                supplied = None
                if source.id_column is not None:
                    if source.id_column > len(row):
                        raise InvalidInput("the row has no identifier (idColumnIndex)",
                                           field=f"{where}: row {number}, column {source.id_column}")
                    supplied = row[source.id_column - 1]
                witness(RecordIds(str(number - 1), supplied, batch=batch, precinct=precinct), record)
            yield record


def read_source(source: Source, names: Names, max_rankings: int | None,
                progress: Callable[[int], object] | None = None,
                witness: Witness | None = None) -> Iterator[Cvr]:
    """The records of one source, by its provider. ``progress``, when given, is told how many
    records were read, every few thousand, as the file is read (a reader that makes its
    records only at the end of the file, CDF JSON, reports while it reads); ``witness``,
    when given, is told of each record with its ids (:class:`RecordIds`) as it is handed out."""
    provider = source.provider
    records: Iterator[Cvr]
    if provider == "cdf" and source.path.suffix.lower() != ".xml":
        return read_cdf_json(source, names, progress, witness)
    if provider == "ess":
        records = read_ess(source, names, max_rankings, witness)
    elif provider == "cdf":
        records = read_cdf_xml(source, names, witness)
    elif provider == "dominion":
        records = read_dominion(source, names, max_rankings, witness)
    elif provider == "clearBallot":
        records = read_clear_ballot(source, names, max_rankings, witness)
    elif provider == "hart":
        records = read_hart(source, names, witness)
    elif provider == "genericCsv":
        records = read_generic_csv(source, names, witness)
    else:
        raise InvalidInput(f"provider {provider!r} is not one of ess, cdf, dominion, clearBallot, hart, genericCsv",
                           field="provider")
    return records if progress is None else _counted(records, progress)


def _counted(records: Iterator[Cvr], progress: Callable[[int], object]) -> Iterator[Cvr]:
    n = 0
    for n, record in enumerate(records, 1):
        if n % 4096 == 0:
            progress(4096)
        yield record
    progress(n % 4096)
