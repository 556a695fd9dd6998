"""`vybory export-rctab`: a verified record's ranked ballots as files RCTab counts.

An election office that certifies with RCTab can recount a vybory election in RCTab
itself. For each IRV contest of each decided round of a record, this writes the
decrypted rankings (after the mix: no ballot is linked to a voter) as a NIST CDF JSON
report in the layout RCTab writes (:mod:`vybory.cli.rctab_cdf`), one record per
ballot (a credential of weight w gives w records), and an RCTab contest
configuration beside it whose rules are the contest's IRV options in RCTab's
words. ``vybory count --rules <contest>_config.json`` (or RCTab) then counts the
same rounds and the same winner as the record declared.

The record is verified first, in full (:func:`vybory.verify.verify_record`): only
ballots whose mix and decryption hold are exported, and a record that fails any
check exports nothing.

vybory's seeded draw cannot be replayed by RCTab (RCTab draws with Java's
``Random`` from a whole-number seed), so a contest whose ties are broken by a
draw gets RCTab's interactive tiebreak (``stopCountingAndAsk``, or
``previousRoundCountsThenAsk`` after the earlier rounds); the configuration's
``rulesDescription`` lists each tie in the order it came and the candidate the
record's draw chose, which the operator gives RCTab (``vybory count --choice``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from vybory.cli._common import console, errors
from vybory.cli.rctab import jackson, safe_name
from vybory.cli.rctab_cdf import cdf_report, cdf_text
from vybory.cli.record import RecordUnreadable, _event_total, open_record, record_checker
from vybory.errors import InvalidInput, VyboryError
from vybory.model.definition import Definition
from vybory.rules.base import resolve_options
from vybory.rules.irv import OPTIONS as IRV_OPTIONS
from vybory.rules.rctab import Cvr
from vybory.text import say
from vybory.verify.report import Status
from vybory.verify.rounds import Round
from vybory.verify.verifier import RecordFiles, Verifier

_OVERVOTE = {"exhaust_immediately": "exhaustImmediately", "always_skip_to_next_rank": "alwaysSkipToNextRank",
             "exhaust_if_multiple_continuing": "exhaustIfMultipleContinuing"}
_TIEBREAK = {"candidate_order": "useCandidateOrder", "draw": "stopCountingAndAsk",
             "previous_rounds_then_draw": "previousRoundCountsThenAsk"}


@dataclass(frozen=True, slots=True)
class RankedContest:
    """One ranked contest of one round of a verified record: its candidates in the round's
    order, its method and options, its decrypted rankings with their weights, and the
    outcome the record declared."""

    contest: str
    title: str
    round: int
    candidates: tuple[str, ...]
    method: str
    options: Mapping[str, Any]
    rankings: tuple[tuple[tuple[str | None, ...], int], ...]
    outcome: Mapping[str, Any]


def ranked_contests(files: RecordFiles, checker: Any) -> tuple[Definition, list[RankedContest]]:
    """The ranked contests of every decided round of the record, once it verifies in full."""
    verifier = Verifier(files)
    report = verifier.run(checker)
    if not report.ok or verifier.definition is None:
        failed = [c.name for c in report.checks if c.status is not Status.PASSED]
        raise InvalidInput(say("the record does not verify (failed: %(checks)s); nothing is exported: "
                               "run vybory verify to see why", checks=", ".join(failed) or "?"), field="RECORD")
    definition = verifier.definition
    out: list[RankedContest] = []
    for number in sorted(verifier.rounds):
        rnd: Round = verifier.rounds[number]
        if rnd.decrypted is None or rnd.outcomes is None:
            continue
        decrypted = {c.get("contest"): c for c in rnd.decrypted.payload.get("contests", []) if isinstance(c, dict)}
        declared = {e.get("contest"): e for e in rnd.outcomes.payload.get("outcomes", []) if isinstance(e, dict)}
        for cid in rnd.ranked:
            contest = definition.contest(cid)
            rankings = tuple((tuple(e["ranking"]), int(e["weight"])) for e in decrypted[cid].get("rankings", ())
                             if "ranking" in e)
            out.append(RankedContest(cid, contest.title, number, rnd.contests[cid].candidates, contest.method,
                                     dict(contest.options), rankings, declared[cid]["outcome"]))
    return definition, out


def rctab_rules(contest: RankedContest) -> dict[str, Any]:
    """The contest's IRV options as RCTab's ``rules`` (refused where RCTab has no such rule)."""
    if contest.method != "irv":
        raise InvalidInput(say("contest %(contest)s is counted by %(method)s, which RCTab does not count as "
                               "vybory does; only IRV contests are exported", contest=contest.contest,
                               method=contest.method), field="contest")
    options = resolve_options(IRV_OPTIONS, contest.options, method="irv")
    if options["minimum_votes"]:
        raise InvalidInput(say("contest %(contest)s eliminates below a minimum vote, which RCTab 2 does not do",
                               contest=contest.contest), field="options.minimum_votes")
    if options["undeclared_write_in"] is not None:
        raise InvalidInput(say("contest %(contest)s has a candidate standing for undeclared write-ins, which a "
                               "CDF report cannot name", contest=contest.contest), field="options.undeclared_write_in")
    return {
        "tiebreakMode": _TIEBREAK[options["tiebreak"]],
        "overvoteRule": _OVERVOTE[options["overvote"]],
        "winnerElectionMode": "singleWinnerMajority",
        "randomSeed": "",
        "numberOfWinners": "1",
        "multiSeatBottomsUpPercentageThreshold": "",
        "decimalPlacesForVoteArithmetic": "4",
        "minimumVoteThreshold": "",
        "maxSkippedRanksAllowed": "unlimited" if options["max_skipped_ranks"] is None
        else str(options["max_skipped_ranks"]),
        "maxRankingsAllowed": _max_rankings(contest, options["max_ranks"]),
        "nonIntegerWinningThreshold": False,
        "doesFirstRoundDetermineThreshold": False,
        "hareQuota": False,
        "batchElimination": bool(options["batch_elimination"]),
        "continueUntilTwoCandidatesRemain": bool(options["continue_until_two"]),
        "stopTabulationEarlyAfterRound": "",
        "exhaustOnDuplicateCandidate": options["duplicates"] == "exhaust",
        "rulesDescription": "",
        "treatBlankAsUndeclaredWriteIn": False,
    }


def _max_rankings(contest: RankedContest, max_ranks: int | None) -> str:
    """RCTab refuses a record ranked beyond ``maxRankingsAllowed`` ("max": as many ranks as
    candidates), where vybory ignores the ranks after ``max_ranks``: the records are cut there
    (:func:`_records`), and without ``max_ranks`` the limit is the longest ballot's, when a
    ballot (ranking someone twice) is longer than the candidates are many."""
    if max_ranks is not None:
        return str(max_ranks)
    longest = max((len(ranking) for ranking, _ in contest.rankings), default=0)
    return "max" if longest <= len(contest.candidates) else str(longest)


def tie_choices(outcome: Mapping[str, Any]) -> list[str]:
    """What RCTab's interactive tiebreak must be told, in order, to settle each tie as the
    declared outcome's draw did (a tie the earlier rounds settle, RCTab settles the same way
    without asking). RCTab asks whom to eliminate, except when the last two continuing
    candidates tie: then it asks who wins, the one vybory's draw did not eliminate."""
    answers: list[str] = []
    rounds = list(outcome.get("rounds", []))
    for i, r in enumerate(rounds):
        for tie in r.get("ties", []):
            if tie.get("rule") != "draw" or not tie.get("chosen"):
                continue
            chosen, tied = tie["chosen"][0], list(tie.get("candidates", []))
            live = list(rounds[i - 1].get("counts", {})) if i > 0 else []
            if tie.get("purpose") == "eliminate" and len(live) == 2 and sorted(live) == sorted(tied):
                answers.append(next(c for c in tied if c != chosen))
            else:
                answers.append(chosen)
    return answers


def _records(contest: RankedContest) -> Iterable[tuple[str, Cvr]]:
    """Each ballot as CDF records, one per unit of weight, its ranks after ``max_ranks`` left
    out (vybory ignores them; RCTab would refuse the record)."""
    n = 0
    most = resolve_options(IRV_OPTIONS, contest.options, method="irv")["max_ranks"]
    for ranking, weight in contest.rankings:
        kept = ranking if most is None else ranking[:most]
        cvr = Cvr(tuple((rank, (name,)) for rank, name in enumerate(kept, 1) if name is not None))
        for _ in range(weight):
            n += 1
            yield f"{contest.contest}-{n}", cvr


def export_contest(definition: Definition, contest: RankedContest, folder: Path) -> tuple[Path, Path]:
    """Writes the contest's CDF report and RCTab configuration into ``folder``."""
    rules = rctab_rules(contest)
    stem = safe_name(f"{contest.contest}_round{contest.round}")
    choices = tie_choices(contest.outcome)
    if choices and rules["tiebreakMode"] != "useCandidateOrder":
        rules["rulesDescription"] = ("Ties, in the order they come, as the vybory record's draw settled them "
                                     "(answer RCTab's tiebreak with these): " + "; ".join(choices))
    report = cdf_report(contest=contest.contest, jurisdiction=definition.title, candidates=contest.candidates,
                        records=_records(contest))
    config = {
        "tabulatorVersion": "2.0.0",
        "outputSettings": {"contestName": contest.contest, "outputDirectory": "output", "contestDate": "",
                           "contestJurisdiction": definition.title, "contestOffice": contest.title,
                           "tabulateByBatch": False, "tabulateByPrecinct": False, "generateCdfJson": False},
        "cvrFileSources": [{"filePath": f"{stem}_cvr.json", "contestId": contest.contest, "firstVoteColumnIndex": "",
                            "firstVoteRowIndex": "", "idColumnIndex": "", "batchColumnIndex": "",
                            "precinctColumnIndex": "", "overvoteDelimiter": "", "provider": "cdf",
                            "overvoteLabel": "", "skippedRankLabel": "", "undeclaredWriteInLabel": "",
                            "treatBlankAsUndeclaredWriteIn": False}],
        "candidates": [{"name": c, "excluded": c in (contest.options.get("withdrawn") or []), "aliases": []}
                       for c in contest.candidates],
        "rules": rules,
    }
    folder.mkdir(parents=True, exist_ok=True)
    cvr_path, config_path = folder / f"{stem}_cvr.json", folder / f"{stem}_config.json"
    cvr_path.write_text(cdf_text(report), encoding="utf-8")
    config_path.write_text(jackson(config) + "\n", encoding="utf-8")
    return cvr_path, config_path


def export_rctab(files: RecordFiles, folder: Path, *, checker: Any,
                 only: str | None = None) -> tuple[list[Path], list[str]]:
    """Verifies the record and writes each IRV contest's files (``only``: that contest alone,
    refused if it cannot be). Returns the files written and why any other ranked contest
    was not."""
    definition, contests = ranked_contests(files, checker)
    chosen = [c for c in contests if only is None or c.contest == only]
    if not chosen:
        raise InvalidInput(say("the record has no decided ranked contest %(contest)s", contest=only or ""),
                           field="--contest")
    written: list[Path] = []
    skipped: list[str] = []
    for contest in chosen:
        try:
            written += export_contest(definition, contest, folder)
        except InvalidInput as error:
            if only is not None:
                raise
            skipped.append(str(error))
    return written, skipped


def register(app: typer.Typer) -> None:
    """Adds `export-rctab` to `app`."""

    @app.command("export-rctab")
    def export_rctab_command(
        path: Annotated[Path, typer.Argument(metavar="RECORD", help="The record (zip archive) to export from.")],
        output: Annotated[Path, typer.Option("--output", help="The folder to write the files into.")],
        contest: Annotated[str | None, typer.Option("--contest", help="Only this contest (its id).",
                                                    show_default=False)] = None,
        workers: Annotated[int | None, typer.Option("--workers", help="Processes that check the ballots.",
                                                    show_default=False)] = None,
    ) -> None:
        """Verify a record, then write its IRV contests' ballots as CDF reports with RCTab configurations."""
        try:
            with open_record(path) as files:
                checker = record_checker(workers, None, _event_total(files))
                written, skipped = export_rctab(files, output, checker=checker, only=contest)
        except RecordUnreadable as error:
            errors.print(say("error: %(reason)s", reason=str(error)), markup=False)
            raise typer.Exit(2) from None
        except VyboryError as error:
            errors.print(say("error (%(code)s): %(message)s", code=error.code, message=str(error)), markup=False)
            raise typer.Exit(2) from None
        for written_path in written:
            console.print(say("wrote %(path)s", path=str(written_path)), markup=False)
        for reason in skipped:
            errors.print(say("not exported: %(reason)s", reason=reason), markup=False)
