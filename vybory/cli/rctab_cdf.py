"""Cast vote records written as RCTab writes them: the NIST Common Data Format report (JSON).

RCTab's "Convert to CDF" (``TabulatorSession.convertToCdf``) writes the records of a
configuration as one CDF JSON report (``OutputWriter.generateCdfJson`` with no rounds):
every record once, its rankings as selections, in RCTab's layout, identifiers and
order, printed as RCTab prints JSON. :func:`cdf_report` builds that document and
:func:`convert_to_cdf` does the conversion of a configuration's records. The same
writer exports a vybory election's ranked ballots (:mod:`vybory.cli.rctab_export`),
so that an office can count them in RCTab itself.

RCTab also writes the report during a count (``generateCdfJson``), then with a
snapshot of each ballot after every round: :func:`write_round_cdf` writes that one
from a count's records and its allocations (``docs/counting-ranked.md``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from vybory.cli.cvr import Names, Source, Witness, read_source
from vybory.cli.rctab import (
    RctabCount,
    _candidates,
    _flag,
    _sources,
    check_config,
    jackson,
    load_config,
    migrate,
    safe_name,
)
from vybory.errors import InvalidInput
from vybory.rules.java_order import hash_order, string_key
from vybory.rules.rctab import ONE, OVERVOTE, UWI, Allocation, Cvr

CONTEST_ID = "contest-001"
ELECTION_ID = "election-001"
SCOPE_ID = "gpu-election"
DEVICE_ID = "rd-001"

def selection_id(name: str) -> str:
    return "cs-" + safe_name(name).lower()


def candidate_id(name: str) -> str:
    return "c-" + safe_name(name).lower()


# one selection of a snapshot: the name, the ranks it was given, whether its first position
# is allocable ("unknown" in the original snapshot) and the share it holds there
_Selection = tuple[str, tuple[int, ...], str, Decimal]


def _selection_keys(cvr: Cvr, shares: Allocation | None = None) -> list[_Selection]:
    """A record's rankings as CDF selections: one per candidate, by its best rank, then by
    name (``getCandidatesWithRanksList``), each with a position per rank it was given.

    With ``shares`` (a round's snapshot, ``generateCvrSnapshotMap``): a candidate holding a
    share of the ballot is allocable at its first position, with the share's whole votes
    and its fraction (``.5000``); the others are not. RCTab looks the shares up by the name
    as the record spells it, so a candidate ranked under an alias is never allocable."""
    ranks: dict[str, list[int]] = {}
    for rank, names in cvr.rankings:
        for name in names:
            ranks.setdefault(name, []).append(rank)
    ordered = sorted(ranks.items(), key=lambda item: (min(item[1]), string_key(item[0])))
    out = []
    for name, given in ordered:
        allocable, votes = "unknown", ONE
        if shares is not None:
            allocable = "no"
            for holder, value in shares:
                if holder == name:
                    allocable, votes = "yes", value
                    break
        out.append((name, tuple(sorted(given)), allocable, votes))
    return out


def _selection(key: _Selection) -> dict[str, Any]:
    name, ranks, allocable, votes = key
    part = votes % ONE
    positions = []
    for rank in ranks:
        position: dict[str, Any] = {"@type": "CVR.SelectionPosition", "HasIndication": "yes",
                                    "IsAllocable": allocable, "NumberVotes": int(votes), "Rank": rank}
        if part > 0:
            # BigDecimal.toString() without its leading 0, as RCTab writes it
            position["FractionalVotes"] = str(part)[1:]
        positions.append(position)
        if allocable == "yes":
            # only a candidate's first position holds the share
            allocable = "no"
    return {"@type": "CVR.CVRContestSelection", "ContestSelectionId": selection_id(name),
            "SelectionPosition": positions}


def _selections(cvr: Cvr, shares: Allocation | None = None) -> list[dict[str, Any]]:
    """The selections of :func:`_selection_keys`, as the report's objects."""
    return [_selection(key) for key in _selection_keys(cvr, shares)]


def _contest_text(cvr: Cvr, shares: Allocation | None, printed: dict[_Selection, str]) -> str:
    """``jackson([{CVR.CVRContest with _selections(cvr, shares)}], "      ")``, each selection
    printed once (``printed``, shared by the whole report: records repeat their selections)."""
    texts = []
    for key in _selection_keys(cvr, shares):
        text = printed.get(key)
        if text is None:
            if len(printed) > 100_000:
                printed.clear()
            text = printed[key] = jackson(_selection(key), "        ")
        texts.append(text)
    chosen = f"[ {', '.join(texts)} ]" if texts else "[ ]"
    return ('[ {\n        "@type" : "CVR.CVRContest",\n        "CVRContestSelection" : ' + chosen
            + f',\n        "ContestId" : {_quote(CONTEST_ID)}\n      }} ]')


def _snapshot(safe: str, cvr: Cvr, number: int | None = None, shares: Allocation | None = None) -> dict[str, Any]:
    return {
        "@id": f"ballot-{safe}" if number is None else f"ballot-{safe}-round-{number}",
        "@type": "CVR.CVRSnapshot",
        "CVRContest": [{"@type": "CVR.CVRContest", "CVRContestSelection": _selections(cvr, shares),
                        "ContestId": CONTEST_ID}],
        "Type": "original" if number is None else "interpreted",
    }


def _entry(record_id: str, cvr: Cvr, units: Mapping[str, str] | None,
           rounds: Iterable[Allocation] = ()) -> dict[str, Any]:
    """One record of the report: its original snapshot, then one per round (numbered from 1)."""
    safe = safe_name(record_id)
    snapshots = [_snapshot(safe, cvr)]
    snapshots += [_snapshot(safe, cvr, n, shares) for n, shares in enumerate(rounds, 1)]
    entry: dict[str, Any] = {
        "@type": "CVR",
        "BallotPrePrintedId": safe,
        "CVRSnapshot": snapshots,
        "CurrentSnapshotId": snapshots[-1]["@id"],
        "ElectionId": ELECTION_ID,
    }
    if units is not None:
        entry["BallotStyleUnitId"] = units.get(cvr.precinct) if cvr.precinct is not None else None
    return entry


def _entry_text(record_id: str, cvr: Cvr, units: Mapping[str, str] | None, rounds: Iterable[Allocation],
                printed: dict[_Selection, str], contests: dict[Allocation | None, str] | None = None) -> str:
    """``jackson(_entry(record_id, cvr, units, rounds), "  ")``, printed faster: a snapshot's
    contest is printed once for each distinct share of the ballot (kept in ``contests``, which
    the caller may keep for records alike), its selections come from ``printed``
    (:func:`_contest_text`), and the rest is put around them as Jackson prints it."""
    if contests is None:
        contests = {}

    def contest(shares: Allocation | None) -> str:
        text = contests.get(shares)
        if text is None:
            text = contests[shares] = _contest_text(cvr, shares, printed)
        return text

    def snapshot(snapshot_id: str, text: str, kind: str) -> str:
        return (f'{{\n      "@id" : {_quote(snapshot_id)},\n      "@type" : "CVR.CVRSnapshot",\n'
                f'      "CVRContest" : {text},\n      "Type" : "{kind}"\n    }}')

    safe = safe_name(record_id)
    snapshots = [snapshot(f"ballot-{safe}", contest(None), "original")]
    last = f"ballot-{safe}"
    for n, shares in enumerate(rounds, 1):
        last = f"ballot-{safe}-round-{n}"
        snapshots.append(snapshot(last, contest(shares), "interpreted"))
    unit = ""
    if units is not None:
        unit = f',\n    "BallotStyleUnitId" : {_quote(units.get(cvr.precinct) if cvr.precinct is not None else None)}'
    return (f'{{\n    "@type" : "CVR",\n    "BallotPrePrintedId" : {_quote(safe)}{unit},\n'
            f'    "CVRSnapshot" : [ {", ".join(snapshots)} ],\n    "CurrentSnapshotId" : {_quote(last)},\n'
            f'    "ElectionId" : {_quote(ELECTION_ID)}\n  }}')


def _quote(value: str | None) -> str:
    return json.dumps(value, ensure_ascii=False)


def _units(precincts: Iterable[str | None]) -> dict[str, str]:
    """RCTab numbers the precincts' units in the order of its hash set of precinct names."""
    return {name: f"gpu-{i}" for i, name in enumerate(hash_order([p for p in precincts if p is not None]), 1)}


def cdf_report(*, contest: str, jurisdiction: str, candidates: Iterable[str],
               records: Iterable[tuple[str, Cvr]], by_precinct: bool = False,
               generated: str = "") -> dict[str, Any]:
    """The CDF JSON report RCTab's conversion writes: ``records`` are (identifier, record)
    in order; ``candidates`` the configuration's names (with :data:`UWI` and the overvote
    when the records may hold them); with ``by_precinct`` each record names its precinct's
    unit (RCTab numbers the units in the order of its hash set of precinct names)."""
    items = list(records)
    units = _units(r.precinct for _, r in items) if by_precinct else None
    return _document(contest=contest, jurisdiction=jurisdiction, candidates=candidates, units=units,
                     generated=generated, records=[_entry(record_id, cvr, units) for record_id, cvr in items])


def _document(*, contest: str, jurisdiction: str, candidates: Iterable[str], units: Mapping[str, str] | None,
              generated: str, records: list[dict[str, Any]]) -> dict[str, Any]:
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
    gp_units += [{"@id": unit, "@type": "GpUnit", "Name": name, "Type": "precinct"}
                 for name, unit in (units or {}).items()]
    return {
        "@type": "CVR.CastVoteRecordReport",
        "CVR": records,
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


def write_round_cdf(count: RctabCount, directory: Path, *, generated: str = "",
                    progress: Callable[[int], object] | None = None) -> list[Path]:
    """Writes RCTab's per-round CDF report of each pass (``generateCdfJson``) into
    ``directory`` as ``<contest>_cdf_cvr.json`` (``<contest>_<pass>_cdf_cvr.json`` with
    multiPassIrv): every record as read, its original snapshot, then one per round of the
    pass saying whom the ballot counted for and with what part of it
    (:meth:`vybory.rules.rctab.Tabulation.allocation`). Written record by record;
    ``progress`` is told, every 4096 records, that 4096 more were written."""
    cdf = count.cdf
    if cdf is None:
        raise InvalidInput("the count kept no records for the CDF report", field="outputSettings.generateCdfJson")
    settings = count.settings
    contest = str(settings.get("contestName") or "")
    units = _units(raw.precinct for _, raw in cdf.records) if cdf.by_precinct else None
    head, tail = cdf_text(_document(contest=contest, jurisdiction=str(settings.get("contestJurisdiction") or ""),
                                    candidates=cdf.candidates, units=units, generated=generated,
                                    records=[])).split(_NO_RECORDS)
    prefix = safe_name(contest or "contest")
    several = len(count.passes) > 1
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for number, tabulation in enumerate(count.passes, 1):
        path = directory / f"{prefix}_{number}_cdf_cvr.json" if several else directory / f"{prefix}_cdf_cvr.json"
        rounds = range(1, len(tabulation.rounds) + 1)
        # Records alike (the same rankings and precinct) are written alike but for their id:
        # each distinct one is printed once, with a stand-in for the id, and the stand-in
        # replaced for each record. A stand-in found elsewhere in the text (a candidate
        # named so) would be replaced too: that record is then printed on its own. The texts
        # kept are bounded (about 64 MB); records past that are printed each on its own.
        printed: dict[int, tuple[Cvr, str | None]] = {}
        stand_in = "vyboryRecordIdStandIn"
        room = 1 << 26
        selections: dict[_Selection, str] = {}
        contests_kept: dict[int, tuple[Cvr, dict[Allocation | None, str]]] = {}
        contest_room = 1 << 27
        with path.open("w", encoding="utf-8", newline="\n") as handle:
            handle.write(head + '\n  "CVR" : [ ')
            for i, (record_id, raw) in enumerate(cdf.records):
                if i:
                    handle.write(", ")
                known = printed.get(id(raw))
                if (known is None or known[0] is not raw) and room > 0:
                    shares = [tabulation.allocation(raw, n) for n in rounds]
                    text = _entry_text(stand_in, raw, units, shares, selections)
                    room -= len(text)
                    # the entry keeps raw alive, so its id is not reused meanwhile
                    known = printed[id(raw)] = (raw, text if text.count(stand_in) == len(rounds) + 3 else None)
                if known is not None and known[0] is raw and known[1] is not None:
                    handle.write(known[1].replace(stand_in, safe_name(record_id)))
                else:
                    # past the texts kept: the record's snapshot contests are kept instead (a
                    # few for each distinct record, however many rounds), while room lasts
                    shares = [tabulation.allocation(raw, n) for n in rounds]
                    alike = contests_kept.get(id(raw))
                    if alike is None or alike[0] is not raw:
                        alike = (raw, {})
                        if contest_room > 0:
                            contests_kept[id(raw)] = alike
                    before = len(alike[1])
                    handle.write(_entry_text(record_id, raw, units, shares, selections, alike[1]))
                    if len(alike[1]) > before:
                        contest_room -= sum(len(t) for t in list(alike[1].values())[before:])
                if progress is not None and i % 4096 == 4095:
                    progress(4096)
            handle.write(" ],\n" + tail)
            if progress is not None:
                progress(len(cdf.records) % 4096)
        written.append(path)
    return written


# where the record array goes in the printed report
_NO_RECORDS = '\n  "CVR" : [ ],\n'


def convert_to_cdf(path: Path, *, generated: str = "") -> dict[str, Any]:
    """The records of an RCTab configuration as RCTab's "Convert to CDF" writes them.

    Records are named as RCTab names them (:class:`vybory.cli.cvr.RecordIds`): ES&S
    ``file.xlsx-7``, CDF ``file.json(7)``, generic CSV ``7`` (the record's number in its
    file), Dominion ``TabulatorId-BatchId-RecordId``, Hart the ``CvrGuid``, Clear Ballot
    the ``BallotID``."""
    config = migrate(load_config(path))
    check_config(config, path.parent)
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
