"""RCTab's audit copy of the cast vote records (``rctab_cvr.csv``).

Before every count RCTab writes the records it has read, one row a record, in its own
simple layout (``OutputWriter.writeRcTabCvrCsv``): the source's file path as the
configuration gives it, the provider, the record's contest, RCTab's id of the record,
the tabulator, the batch, the vendor's id, the precinct and the precinct portion, then
one column per rank up to ``maxRankingsAllowed`` (or the number of declared candidates):
the candidate's name, the source's undeclared write-in label, ``overvote``, or
``undervote`` where nothing is ranked; several candidates at one rank on separate lines
of the cell. The file is printed as Apache Commons CSV's default format prints it (CRLF,
quoted only where its minimal rule says).

An office keeps this file to show which records the count read and how it read them;
anyone holding the vendor's export can check it record by record. :class:`AuditCsv`
writes it as the records are read, without holding them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from vybory.cli.cvr import RecordIds, Source, Witness
from vybory.rules.rctab import OVERVOTE, UWI, Cvr

HEADER = ("Source Filepath", "CVR Provider", "Contest Id", "RCTab CVR Id", "Tabulator Id", "Batch Id",
          "Vendor Id", "Precinct", "Precinct Portion")


def csv_field(value: str | None, first: bool) -> str:
    """One value as Commons CSV's ``CSVFormat.DEFAULT`` (null printed as nothing) prints it:
    quoted when empty and first on the line, when it starts with a character up to ``#``,
    holds a line break, a quote or a comma, or ends in a space or a control character."""
    if value is None:
        return ""
    if not value:
        return '""' if first else ""
    if value[0] <= "#" or value[-1] <= " " or "," in value or '"' in value or "\n" in value or "\r" in value:
        return '"' + value.replace('"', '""') + '"'
    return value


def csv_line(values: Sequence[str | None]) -> str:
    return ",".join(csv_field(v, i == 0) for i, v in enumerate(values)) + "\r\n"


class AuditCsv:
    """Writes ``rctab_cvr.csv`` to ``handle``: the header at once, then a row for each record
    a source's reader hands out (:meth:`witness` gives the reader's witness for a source).

    ``ranks`` is the number of rank columns (RCTab: ``maxRankingsAllowed``, or the number of
    declared candidates when it is "max")."""

    def __init__(self, handle: TextIO, ranks: int) -> None:
        self.handle = handle
        self.ranks = ranks
        handle.write(csv_line([*HEADER, *(f"Rank {r}" for r in range(1, ranks + 1))]))

    def witness(self, source: Source) -> Witness:
        handle, ranks = self.handle, self.ranks
        head = csv_line([source.given_path or str(source.path), source.provider])[:-2]
        write_in = source.write_in_label
        cells: dict[Cvr, str] = {}
        # readers hand out one object for records alike: looked up by object first, with no
        # hashing of the rankings (the entry keeps the object alive, so its id is not reused)
        by_object: dict[int, tuple[Cvr, str]] = {}

        def rankings(cvr: Cvr) -> str:
            by_rank = dict(cvr.rankings)
            out = []
            for rank in range(1, ranks + 1):
                names = by_rank.get(rank)
                if names is None:
                    out.append("undervote")
                    continue
                shown = [write_in if n == UWI else OVERVOTE if n == OVERVOTE else n for n in names]
                out.append(csv_field("\n".join(shown), False))
            return ",".join(out)

        def row(ids: RecordIds, cvr: Cvr) -> None:
            known = by_object.get(id(cvr))
            if known is not None and known[0] is cvr:
                text = known[1]
            else:
                found = cells.get(cvr)
                if found is None:
                    text = rankings(cvr)
                    if len(cells) < 1 << 16:
                        cells[cvr] = text
                else:
                    text = found
                if len(by_object) < 1 << 16:
                    by_object[id(cvr)] = (cvr, text)
            fields = (ids.contest_id, ids.record_id, ids.tabulator, ids.batch, ids.supplied or "", ids.precinct,
                      ids.portion)
            handle.write(head + "," + ",".join([csv_field(v, False) for v in fields]) + "," + text + "\r\n")

        return row
