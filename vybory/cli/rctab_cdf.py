"""Cast vote records written as RCTab writes them: the NIST Common Data Format report (JSON).

RCTab's "Convert to CDF" (``TabulatorSession.convertToCdf``) writes the records of a
configuration as one CDF JSON report (``OutputWriter.generateCdfJson`` with no rounds):
every record once, its rankings as selections, in RCTab's layout, identifiers and
order, printed as RCTab prints JSON. :func:`cdf_report` builds that document and
:func:`convert_to_cdf` does the conversion of a configuration's records. The same
writer exports a vybory election's ranked ballots (:mod:`vybory.cli.rctab_export`),
so that an office can count them in RCTab itself.

RCTab also writes the report during a count (``generateCdfJson``), then with a
snapshot of each ballot after every round; that form is not written here (see
``docs/counting-ranked.md``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from vybory.cli.cvr import Names, Source, Witness, read_source
from vybory.cli.rctab import (
    _candidates,
    _flag,
    _sources,
    jackson,
    load_config,
    migrate,
    safe_name,
)
from vybory.errors import InvalidInput
from vybory.rules.java_order import hash_order, string_key
from vybory.rules.rctab import OVERVOTE, UWI, Cvr

CONTEST_ID = "contest-001"
ELECTION_ID = "election-001"
SCOPE_ID = "gpu-election"
DEVICE_ID = "rd-001"

def selection_id(name: str) -> str:
    return "cs-" + safe_name(name).lower()


def candidate_id(name: str) -> str:
    return "c-" + safe_name(name).lower()


def _selections(cvr: Cvr) -> list[dict[str, Any]]:
    """A record's rankings as CDF selections: one per candidate, by its best rank, then by
    name (``getCandidatesWithRanksList``), each with a position per rank it was given."""
    ranks: dict[str, list[int]] = {}
    for rank, names in cvr.rankings:
        for name in names:
            ranks.setdefault(name, []).append(rank)
    ordered = sorted(ranks.items(), key=lambda item: (min(item[1]), string_key(item[0])))
    return [{
        "@type": "CVR.CVRContestSelection",
        "ContestSelectionId": selection_id(name),
        "SelectionPosition": [{"@type": "CVR.SelectionPosition", "HasIndication": "yes", "IsAllocable": "unknown",
                               "NumberVotes": 1, "Rank": rank} for rank in sorted(given)],
    } for name, given in ordered]


def cdf_report(*, contest: str, jurisdiction: str, candidates: Iterable[str],
               records: Iterable[tuple[str, Cvr]], by_precinct: bool = False,
               generated: str = "") -> dict[str, Any]:
    """The CDF JSON report RCTab's conversion writes: ``records`` are (identifier, record)
    in order; ``candidates`` the configuration's names (with :data:`UWI` and the overvote
    when the records may hold them); with ``by_precinct`` each record names its precinct's
    unit (RCTab numbers the units in the order of its hash set of precinct names)."""
    items = list(records)
    units: dict[str, str] = {}
    if by_precinct:
        precincts = [r.precinct for _, r in items if r.precinct is not None]
        units = {name: f"gpu-{i}" for i, name in enumerate(hash_order(precincts), 1)}
    report_records = []
    for record_id, cvr in items:
        safe = safe_name(record_id)
        entry: dict[str, Any] = {
            "@type": "CVR",
            "BallotPrePrintedId": safe,
            "CVRSnapshot": [{
                "@id": f"ballot-{safe}",
                "@type": "CVR.CVRSnapshot",
                "CVRContest": [{"@type": "CVR.CVRContest", "CVRContestSelection": _selections(cvr),
                                "ContestId": CONTEST_ID}],
                "Type": "original",
            }],
            "CurrentSnapshotId": f"ballot-{safe}",
            "ElectionId": ELECTION_ID,
        }
        if by_precinct:
            entry["BallotStyleUnitId"] = units.get(cvr.precinct) if cvr.precinct is not None else None
        report_records.append(entry)
    names = sorted(set(candidates), key=string_key)
    election = {
        "@id": ELECTION_ID,
        "@type": "Election",
        "Candidate": [{"@id": candidate_id(n), "Name": n} for n in names],
        "Contest": [{"@id": CONTEST_ID, "@type": "CandidateContest", "Name": contest, "ContestSelection": [
            {"@id": selection_id(n), "@type": "ContestSelection", "CandidateIds": [candidate_id(n)]} for n in names]}],
        "ElectionScopeId": SCOPE_ID,
    }
    gp_units = [{"@id": SCOPE_ID, "@type": "GpUnit", "Name": jurisdiction, "OtherType": "Election Scope Jurisdiction",
                 "Type": "other"}]
    gp_units += [{"@id": unit, "@type": "GpUnit", "Name": name, "Type": "precinct"} for name, unit in units.items()]
    return {
        "@type": "CVR.CastVoteRecordReport",
        "CVR": report_records,
        "Election": [election],
        "GeneratedDate": generated,
        "GpUnit": gp_units,
        "ReportGeneratingDeviceIds": [DEVICE_ID],
        "ReportingDevice": [{"@id": DEVICE_ID, "@type": "CVR.ReportingDevice", "Application": "vybory",
                             "Manufacturer": "vybory"}],
        "Version": "1.0.0",
    }


def cdf_text(report: Mapping[str, Any]) -> str:
    """The report printed as RCTab prints JSON (keys sorted, Jackson's pretty printer)."""
    return jackson(dict(report)) + "\n"


def convert_to_cdf(path: Path, *, generated: str = "") -> dict[str, Any]:
    """The records of an RCTab configuration as RCTab's "Convert to CDF" writes them.

    Records are named as RCTab names them (:class:`vybory.cli.cvr.RecordIds`): ES&S
    ``file.xlsx-7``, CDF ``file.json(7)``, generic CSV ``7`` (the record's number in its
    file), Dominion ``TabulatorId-BatchId-RecordId``, Hart the ``CvrGuid``, Clear Ballot
    the ``BallotID``."""
    config = migrate(load_config(path))
    names, _excluded, aliases = _candidates(config)
    sources = _sources(config, path.parent, None)
    if any(s.write_in_label or s.blank_is_write_in for s in sources):
        names = names + ([UWI] if UWI not in names else [])
    settings = config.get("outputSettings") or {}
    if not isinstance(settings, Mapping):
        settings = {}
    by_precinct = _flag(settings, "tabulateByPrecinct", "outputSettings")
    candidates = list(names) + ([OVERVOTE] if any(s.overvote_label for s in sources) else [])
    # RCTab's readers keep a record's names as the file spells them (an alias stays an alias;
    # only the count maps it to its candidate), and so does its conversion
    lookup = Names({**{n: n for n in names}, **{a: a for a in aliases}})
    given = config.get("rules")
    rules: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
    ranks_text = str(rules.get("maxRankingsAllowed", "") or "").strip()
    max_rankings = int(ranks_text) if ranks_text.isdigit() else None
    records: list[tuple[str, Cvr]] = []
    for source in sources:
        _read(source, lookup, max_rankings, lambda ids, cvr: records.append((ids.record_id, cvr)))
    return cdf_report(contest=str(settings.get("contestName") or ""),
                      jurisdiction=str(settings.get("contestJurisdiction") or ""),
                      candidates=candidates, records=records, by_precinct=by_precinct, generated=generated)


def _read(source: Source, names: Names, max_rankings: int | None, witness: Witness) -> None:
    try:
        for _ in read_source(source, names, max_rankings, witness=witness):
            pass
    except FileNotFoundError as exc:
        raise InvalidInput("no such file", field=str(exc.filename or source.path)) from None
