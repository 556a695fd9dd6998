"""ES&S cast vote records (.xlsx): one row per ballot, one column per rank.

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

import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from vybory.errors import InvalidInput
from vybory.rules.base import RankedBallot

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
    write-ins occur) and one ballot per row.
    """
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    where = str(path)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError) as exc:
        raise InvalidInput(f"not an Excel workbook (.xlsx): {exc}", field=where) from None
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header: tuple = ()
        for row_number, row in enumerate(rows, start=1):
            if row_number == layout.first_vote_row - 1:
                header = row
            if row_number >= layout.first_vote_row - 1:
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
        for row_number, row in enumerate(rows, start=layout.first_vote_row):
            cells = row[first - 1: first - 1 + ranks] if ranks else row[first - 1:]
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
                continue
            ranking: list[tuple[str, ...]] = []
            has_overvote = False
            for offset, value in enumerate(cells):
                mark = cache.get(value)
                if mark is None:
                    mark = _read_cell(value, labels, layout, index, candidates is not None, found,
                                      f"{where}: cell {_column_letter(first + offset)}{row_number}")
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
    finally:
        workbook.close()
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
