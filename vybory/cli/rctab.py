"""RCTab contest configurations (JSON): run a jurisdiction's existing set-up as is.

An RCTab configuration names the cast vote record files and their layout
(``cvrFileSources``), the candidates (``candidates``, with ``excluded`` and
``aliases``) and the counting rules (``rules``). :func:`irv_options` maps
the rules to the options of :mod:`vybory.rules.irv`:

=====================================  ======================================
RCTab                                  vybory IRV option
=====================================  ======================================
overvoteRule                           ``overvote``: exhaustImmediately ->
                                       ``exhaust_immediately``,
                                       alwaysSkipToNextRank ->
                                       ``always_skip_to_next_rank``,
                                       exhaustIfMultipleContinuing ->
                                       ``exhaust_if_multiple_continuing``
maxSkippedRanksAllowed                 ``max_skipped_ranks`` ("unlimited" ->
                                       unset)
maxRankingsAllowed                     ``max_ranks`` ("max" -> unset); also
                                       the number of rank columns read
exhaustOnDuplicateCandidate            ``duplicates`` = "exhaust" / "skip"
batchElimination                       ``batch_elimination``
continueUntilTwoCandidatesRemain       ``continue_until_two``
minimumVoteThreshold                   ``minimum_votes`` (0 -> unset)
undeclaredWriteInLabel                 ``undeclared_write_in`` (the write-in
                                       candidate, dropped in round 1)
candidates[].excluded                  ``withdrawn``
tiebreakMode                           ``tiebreak``: random,
                                       generatePermutation,
                                       stopCountingAndAsk -> ``draw``;
                                       previousRoundCountsThenRandom,
                                       previousRoundCountsThenAsk ->
                                       ``previous_rounds_then_draw``;
                                       useCandidateOrder ->
                                       ``candidate_order``
randomSeed                             the contest's seed (unless --seed)
=====================================  ======================================

The interactive modes ("...Ask") cannot ask anyone here: they become the
published-seed draw, which anyone can redo. RCTab's previous-round rule looks
back one round at a time among the candidates still tied; ours
(:mod:`vybory.rules.ties`) does the same, latest round first.
``winnerElectionMode`` must be ``singleWinnerMajority`` with one winner (IRV);
``decimalPlacesForVoteArithmetic``, ``nonIntegerWinningThreshold``,
``hareQuota`` and ``doesFirstRoundDetermineThreshold`` do not change a
single-winner count of whole ballots and are not used. Only ES&S (``ess``)
cast vote records are read. Paths are relative to the configuration file.
"""

from __future__ import annotations

import csv
import decimal
import json
import re
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, TextIO

from vybory.cli.cvr import (
    WRITE_IN_NAME,
    CvrLayout,
    Names,
    RecordIds,
    Source,
    Witness,
    read_ess_cvr,
    read_source,
    safe_name,
)
from vybory.cli.rctab_answers import ASKING, read_answers
from vybory.cli.rctab_audit import AuditCsv
from vybory.errors import InvalidInput
from vybory.rules.base import Contest, RankedBallot
from vybory.rules.java_order import string_key
from vybory.rules.outcome import Number, Outcome, Round, Tie, TieRule, changes
from vybory.rules.outcome import Status as OutcomeStatus
from vybory.rules.rctab import (
    INACTIVE,
    UWI,
    Cvr,
    RoundResult,
    Rules,
    Status,
    Tabulation,
    check_rules,
    tabulate,
)

OVERVOTE = {
    "exhaustImmediately": "exhaust_immediately",
    "alwaysSkipToNextRank": "always_skip_to_next_rank",
    "exhaustIfMultipleContinuing": "exhaust_if_multiple_continuing",
}
TIEBREAK = {
    "random": "draw",
    "generatePermutation": "draw",
    "stopCountingAndAsk": "draw",
    "previousRoundCountsThenRandom": "previous_rounds_then_draw",
    "previousRoundCountsThenAsk": "previous_rounds_then_draw",
    "useCandidateOrder": "candidate_order",
}
WINNER_MODES = ("singleWinnerMajority", "standard")


@dataclass(frozen=True, slots=True)
class RctabContest:
    """A contest read from an RCTab configuration: its definition and ballots.

    Invariants: ``contest.options`` are IRV options; every name in
    ``ballots`` is one of ``contest.candidates``.
    """

    contest: Contest
    ballots: list[RankedBallot]


def _flag(rules: Mapping[str, Any], key: str, where: str = "rules") -> bool:
    value = rules.get(key, False)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false", ""):
        return value.strip().lower() == "true"
    raise InvalidInput(f"must be true or false, not {value!r}", field=f"{where}.{key}")


def _whole(rules: Mapping[str, Any], key: str, *, unset: tuple[str, ...]) -> int | None:
    value = rules.get(key, "")
    if value is None or (isinstance(value, str) and value.strip() in unset + ("",)):
        return None
    text = str(value).strip()
    if not text.isdigit():
        raise InvalidInput(f"must be a whole number{' or ' + repr(unset[0]) if unset else ''}, not {value!r}",
                           field=f"rules.{key}")
    return int(text)


def irv_options(config: Mapping[str, Any]) -> dict[str, Any]:
    """The IRV options of an RCTab configuration (see the module docstring)."""
    rules = config.get("rules")
    if not isinstance(rules, Mapping):
        raise InvalidInput("an RCTab configuration has a 'rules' object", field="rules")
    mode = rules.get("winnerElectionMode", "singleWinnerMajority")
    if mode not in WINNER_MODES:
        raise InvalidInput(f"{mode!r} is not supported: vybory runs RCTab's single-winner majority "
                           f"IRV (for several seats use an STV method)", field="rules.winnerElectionMode")
    winners = _whole(rules, "numberOfWinners", unset=())
    if winners not in (None, 1):
        raise InvalidInput(f"IRV elects one winner, not {winners}", field="rules.numberOfWinners")
    overvote = rules.get("overvoteRule", "exhaustImmediately")
    if overvote not in OVERVOTE:
        raise InvalidInput(f"{overvote!r} is not one of {', '.join(OVERVOTE)}", field="rules.overvoteRule")
    tiebreak = rules.get("tiebreakMode", "previousRoundCountsThenRandom")
    if tiebreak not in TIEBREAK:
        raise InvalidInput(f"{tiebreak!r} is not one of {', '.join(TIEBREAK)}", field="rules.tiebreakMode")
    if str(rules.get("stopTabulationEarlyAfterRound", "") or "").strip():
        raise InvalidInput("stopping the count after a given round is not supported",
                           field="rules.stopTabulationEarlyAfterRound")
    options: dict[str, Any] = {
        "overvote": OVERVOTE[overvote],
        "duplicates": "exhaust" if _flag(rules, "exhaustOnDuplicateCandidate") else "skip",
        "batch_elimination": _flag(rules, "batchElimination"),
        "continue_until_two": _flag(rules, "continueUntilTwoCandidatesRemain"),
        "tiebreak": TIEBREAK[tiebreak],
    }
    skipped = _whole(rules, "maxSkippedRanksAllowed", unset=("unlimited",))
    if skipped is not None:
        options["max_skipped_ranks"] = skipped
    ranks = _whole(rules, "maxRankingsAllowed", unset=("max",))
    if ranks is not None:
        if ranks < 1:
            raise InvalidInput("must be at least 1", field="rules.maxRankingsAllowed")
        options["max_ranks"] = ranks
    minimum = _whole(rules, "minimumVoteThreshold", unset=())
    if minimum:
        options["minimum_votes"] = minimum
    return options


RESERVED = ("residual surplus", "exhausted", "uncounted")  # RCTab's TallyTransfers.RESERVED_STRINGS


def _candidates(config: Mapping[str, Any]) -> tuple[list[str], list[str], dict[str, str]]:
    """The candidates' names, the excluded ones, and each alias's candidate, with RCTab's checks
    (``validateCandidates``): a name or alias is used once in all, counting each candidate's own
    name among its aliases, and is none of RCTab's reserved words."""
    entries = config.get("candidates")
    if not isinstance(entries, list) or not entries:
        raise InvalidInput("an RCTab configuration lists its candidates", field="candidates")
    names: list[str] = []
    excluded: list[str] = []
    aliases: dict[str, str] = {}
    used: dict[str, str] = {}  # each name or alias -> the candidate it was first given to
    for i, entry in enumerate(entries):
        if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str) or not entry["name"].strip():
            raise InvalidInput("each candidate has a non-empty 'name'", field=f"candidates[{i}]")
        name = entry["name"].strip()
        if name in names:
            raise InvalidInput(f"candidate {name!r} is listed twice", field=f"candidates[{i}]")
        given = entry.get("aliases") or []
        if not isinstance(given, list) or not all(isinstance(a, str) for a in given):
            raise InvalidInput("must be a list of names", field=f"candidates[{i}].aliases")
        # createStreamOfNameAndAllAliases: the aliases, then the name
        for j, spelled in [(j, a.strip()) for j, a in enumerate(given)] + [(None, name)]:
            where = f"candidates[{i}].aliases[{j}]" if j is not None else f"candidates[{i}].name"
            if spelled.lower() in RESERVED:
                raise InvalidInput(f"{spelled!r} is a word RCTab keeps for itself ({', '.join(RESERVED)}): "
                                   "no candidate may be named so", field=where)
            if spelled in used:
                owner = used[spelled]
                raise InvalidInput(f"{spelled!r} is already " + (f"the name or an alias of {owner!r}"
                                   if owner != name else "this candidate's name or alias")
                                   + ": RCTab refuses a name or alias given twice", field=where)
            used[spelled] = name
            if j is not None:
                aliases[spelled] = name
        names.append(name)
        if _flag(entry, "excluded", f"candidates[{i}]"):
            excluded.append(name)
    return names, excluded, aliases


def _check_labels(names: list[str], aliases: Mapping[str, str], sources: list[Source]) -> None:
    """RCTab's ``stringAlreadyInUseElsewhereInSource``: a source's labels for an overvote, a
    skipped rank and an undeclared write-in are none of RCTab's reserved words, differ from
    one another, and are no candidate's name or alias (letter case aside)."""
    spellings = {n.lower(): n for n in [*names, *aliases]}
    for i, source in enumerate(sources):
        labels = (("overvoteLabel", source.overvote_label), ("skippedRankLabel", source.skipped_label),
                  ("undeclaredWriteInLabel", source.write_in_label))
        for key, label in labels:
            if not label:
                continue
            where = f"cvrFileSources[{i}].{key}"
            if label.lower() in RESERVED:
                raise InvalidInput(f"{label!r} is a word RCTab keeps for itself ({', '.join(RESERVED)})", field=where)
            for other, value in labels:
                if other != key and value and value.lower() == label.lower():
                    raise InvalidInput(f"{label!r} is also the {other}: each label names one thing", field=where)
            if label.lower() in spellings:
                raise InvalidInput(f"{label!r} is also a candidate's name or alias "
                                   f"({spellings[label.lower()]!r}): RCTab refuses it", field=where)


def _layout(source: Mapping[str, Any], rules: Mapping[str, Any], index: int) -> CvrLayout:
    field = f"cvrFileSources[{index}]"
    provider = source.get("provider", "ess")
    if provider != "ess":
        raise InvalidInput(f"provider {provider!r} is not supported (only ES&S, 'ess')", field=f"{field}.provider")
    if str(source.get("overvoteDelimiter", "") or "").strip():
        raise InvalidInput("overvote delimiters are not supported", field=f"{field}.overvoteDelimiter")

    def whole(key: str, default: int | None) -> int | None:
        value = source.get(key, "")
        if value in ("", None):
            return default
        text = str(value).strip()
        if not text.isdigit() or int(text) < 1:
            raise InvalidInput(f"must be a whole number of at least 1, not {value!r}", field=f"{field}.{key}")
        return int(text)

    ranks = _whole(rules, "maxRankingsAllowed", unset=("max",))
    label = source.get("undeclaredWriteInLabel") or None
    return CvrLayout(
        first_vote_column=whole("firstVoteColumnIndex", None),
        first_vote_row=whole("firstVoteRowIndex", 2) or 2,
        ranks=ranks,
        overvote_label=str(source.get("overvoteLabel") or "overvote"),
        skipped_label=str(source.get("skippedRankLabel") or "undervote"),
        write_in_label=str(label) if label else None,
        blank_is_write_in=_flag(source, "treatBlankAsUndeclaredWriteIn")
        or _flag(rules, "treatBlankAsUndeclaredWriteIn"),
    )


def load_config(path: Path) -> dict[str, Any]:
    """The configuration as JSON, refused with a clear message when it is not."""
    try:
        config = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
                           field=str(path)) from None
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"not UTF-8 text (byte {exc.start})", field=str(path)) from None
    except FileNotFoundError:
        raise InvalidInput("no such file", field=str(path)) from None
    if not isinstance(config, dict):
        raise InvalidInput("an RCTab configuration is a JSON object", field=str(path))
    return config


def read_rctab(path: Path, *, cvr: Path | None = None, seed: bytes | None = None) -> RctabContest:
    """Reads an RCTab configuration and its cast vote records.

    ``cvr`` replaces the configuration's own files (read with the layout of
    its first source); ``seed`` replaces its ``randomSeed``.
    """
    config = load_config(path)
    options = irv_options(config)
    rules = config["rules"]
    names, excluded, aliases = _candidates(config)
    sources = config.get("cvrFileSources")
    if not isinstance(sources, list) or not sources:
        raise InvalidInput("an RCTab configuration lists its cast vote record files", field="cvrFileSources")
    if rules.get("overvoteRule") == "exhaustIfMultipleContinuing" and any(
            isinstance(s, Mapping) and s.get("overvoteLabel") for s in sources):
        raise InvalidInput("exhaustIfMultipleContinuing cannot be applied to records that only say "
                           "'overvote' (RCTab refuses this too)", field="rules.overvoteRule")
    ballots: list[RankedBallot] = []
    candidates = tuple(names)
    files = [(cvr, sources[0], 0)] if cvr is not None else [
        (None, s, i) for i, s in enumerate(sources)]
    for given, source, i in files:
        if not isinstance(source, Mapping):
            raise InvalidInput("must be an object", field=f"cvrFileSources[{i}]")
        layout = _layout(source, rules, i)
        if given is None:
            file_path = source.get("filePath")
            if not isinstance(file_path, str) or not file_path:
                raise InvalidInput("has no filePath", field=f"cvrFileSources[{i}]")
            given = path.parent / file_path
        found, read = read_ess_cvr(given, layout, candidates=names, aliases=aliases)
        if WRITE_IN_NAME in found and WRITE_IN_NAME not in candidates:
            candidates = candidates + (WRITE_IN_NAME,)
        ballots += read
    if WRITE_IN_NAME in candidates:
        options["undeclared_write_in"] = WRITE_IN_NAME
    if excluded:
        options["withdrawn"] = excluded
    settings = config.get("outputSettings") or {}
    title = str(settings.get("contestName") or path.stem)
    if seed is None:
        seed = str(rules.get("randomSeed") or "").encode()
    contest = Contest(name=title, candidates=candidates, seats=1, options=options, seed=seed)
    return RctabContest(contest=contest, ballots=ballots)


# --- RCTab's own tabulation and summary --------------------------------------------------------

def _text_field(obj: Mapping[str, Any], key: str) -> str:
    value = obj.get(key, "")
    return "" if value is None else str(value).strip()


def _index(source: Mapping[str, Any], key: str, where: str) -> int | None:
    text = _text_field(source, key)
    if not text:
        return None
    if not text.isdigit() or int(text) < 1:
        raise InvalidInput(f"must be a whole number of at least 1, not {text!r}", field=f"{where}.{key}")
    return int(text)


_OLD_TIEBREAKS = {"interactive": "stopCountingAndAsk", "previousRoundCountsThenInteractive":
                  "previousRoundCountsThenAsk", "usePermutationInConfig": "useCandidateOrder"}
RCTAB_VERSION = "2.0.0"


def migrate(config: dict[str, Any]) -> dict[str, Any]:
    """An older configuration brought to RCTab 2's form, as RCTab migrates it on loading
    (``ContestConfigMigration``): old winner and tiebreak mode names, and the labels
    that moved from ``rules`` to each source. A copy; a current one comes back as is."""
    if config.get("tabulatorVersion") in (RCTAB_VERSION, "TEST"):
        return config
    out = json.loads(json.dumps(config))
    rules = out.get("rules")
    sources = out.get("cvrFileSources")
    if not isinstance(rules, dict):
        return out
    winners = _text_field(rules, "numberOfWinners")
    mode = _text_field(rules, "winnerElectionMode")
    if mode == "standard":
        rules["winnerElectionMode"] = ("multiWinnerAllowMultipleWinnersPerRound"
                                       if winners.isdigit() and int(winners) > 1 else "singleWinnerMajority")
    elif mode == "singleSeatContinueUntilTwoCandidatesRemain":
        rules.update(winnerElectionMode="singleWinnerMajority", continueUntilTwoCandidatesRemain=True)
    elif mode == "multiSeatAllowOnlyOneWinnerPerRound":
        rules["winnerElectionMode"] = "multiWinnerAllowOnlyOneWinnerPerRound"
    elif mode == "multiSeatBottomsUp":
        percentage = _text_field(rules, "multiSeatBottomsUpPercentageThreshold")
        rules["winnerElectionMode"] = ("bottomsUpUsingPercentageThreshold" if winners == "0" or percentage
                                       else "bottomsUp")
    elif mode == "multiSeatSequentialWinnerTakesAll":
        rules["winnerElectionMode"] = "multiPassIrv"
    tiebreak = _text_field(rules, "tiebreakMode")
    rules["tiebreakMode"] = _OLD_TIEBREAKS.get(tiebreak, tiebreak)
    if isinstance(sources, list):
        for source in (s for s in sources if isinstance(s, dict)):
            for old, new in (("overvoteLabel", "overvoteLabel"), ("undervoteLabel", "skippedRankLabel"),
                             ("undeclaredWriteInLabel", "undeclaredWriteInLabel")):
                if _text_field(rules, old):
                    source[new] = rules[old]
            if rules.get("treatBlankAsUndeclaredWriteIn") is True:
                source["treatBlankAsUndeclaredWriteIn"] = True
            if _text_field(source, "undervoteLabel") and not _text_field(source, "skippedRankLabel"):
                source["skippedRankLabel"] = source["undervoteLabel"]
    return out


def rctab_rules(config: Mapping[str, Any], candidates: tuple[str, ...], excluded: list[str]) -> Rules:
    """The :class:`vybory.rules.rctab.Rules` of a configuration, each field checked."""
    rules = config.get("rules")
    if not isinstance(rules, Mapping):
        raise InvalidInput("an RCTab configuration has a 'rules' object", field="rules")
    mode = _text_field(rules, "winnerElectionMode") or "singleWinnerMajority"
    winners_text = _text_field(rules, "numberOfWinners") or "1"
    if not winners_text.isdigit():
        raise InvalidInput(f"must be a whole number, not {winners_text!r}", field="rules.numberOfWinners")
    seed_text = _text_field(rules, "randomSeed")
    seed = None
    if seed_text:
        try:
            seed = int(seed_text)
        except ValueError:
            raise InvalidInput(f"must be a whole number, not {seed_text!r}", field="rules.randomSeed") from None
        if not -140737488355328 <= seed <= 140737488355327:
            raise InvalidInput("must be from -140737488355328 to 140737488355327", field="rules.randomSeed")
    decimals_text = _text_field(rules, "decimalPlacesForVoteArithmetic") or "4"
    if not decimals_text.isdigit() or not 1 <= int(decimals_text) <= 20:
        raise InvalidInput(f"must be a whole number from 1 to 20, not {decimals_text!r}",
                           field="rules.decimalPlacesForVoteArithmetic")
    percentage = None
    pct = _text_field(rules, "multiSeatBottomsUpPercentageThreshold")
    if pct:
        try:
            value = Decimal(pct)
        except ArithmeticError:
            raise InvalidInput(f"must be a number, not {pct!r}",
                               field="rules.multiSeatBottomsUpPercentageThreshold") from None
        if not value.is_finite() or not 0 < value <= 100 or pct.count(".") > 1:
            raise InvalidInput("must be a percentage above 0 and at most 100",
                               field="rules.multiSeatBottomsUpPercentageThreshold")
        places = len(pct.split(".")[1]) if "." in pct else 0
        percentage = (value / 100).quantize(Decimal(1).scaleb(-(places + 2)), rounding="ROUND_HALF_UP")
    stop = _whole(rules, "stopTabulationEarlyAfterRound", unset=())
    if stop is not None and stop < 1:
        raise InvalidInput("must be at least 1", field="rules.stopTabulationEarlyAfterRound")
    ranks = _whole(rules, "maxRankingsAllowed", unset=("max",))
    if ranks is not None and ranks < 1:
        raise InvalidInput("must be at least 1", field="rules.maxRankingsAllowed")
    if _whole(rules, "minimumVoteThreshold", unset=()):
        raise InvalidInput("RCTab 2 no longer applies a minimum vote threshold (RCTab 1 eliminated the "
                           "candidates below it in round 1); vybory counts as RCTab 2: set it to 0 or "
                           "remove it", field="rules.minimumVoteThreshold")
    return Rules(
        candidates=candidates,
        winners=int(winners_text),
        winner_mode=mode,
        tiebreak=_text_field(rules, "tiebreakMode"),
        seed=seed,
        overvote_rule=_text_field(rules, "overvoteRule"),
        max_skipped=_whole(rules, "maxSkippedRanksAllowed", unset=("unlimited",)),
        max_rankings=ranks,
        exhaust_on_duplicate=_flag(rules, "exhaustOnDuplicateCandidate"),
        batch_elimination=_flag(rules, "batchElimination"),
        continue_until_two=_flag(rules, "continueUntilTwoCandidatesRemain"),
        first_round_threshold=_flag(rules, "doesFirstRoundDetermineThreshold"),
        decimals=int(decimals_text),
        non_integer_threshold=_flag(rules, "nonIntegerWinningThreshold"),
        hare_quota=_flag(rules, "hareQuota"),
        cutoff_elimination=_flag(rules, "cutoffElimination"),
        stop_after_round=stop,
        bottoms_up_percentage=percentage,
        excluded=frozenset(excluded),
    )


@dataclass(frozen=True, slots=True)
class RctabCount:
    """An RCTab configuration counted by RCTab's rules: its passes (one, or one per seat
    with multiPassIrv) and what the summary names."""

    rules: Rules
    passes: list[Tabulation]
    settings: Mapping[str, Any]
    ballots: int
    percentage_text: str = ""
    written: tuple[Path, ...] = ()  # the audit copies of the records (rctab_cvr.csv), when asked for
    cdf: CdfRecords | None = None  # the records for the per-round CDF report, when asked for


@dataclass(frozen=True, slots=True)
class CdfRecords:
    """What RCTab's per-round CDF report (``generateCdfJson``) names: every record in the
    order read, with RCTab's id and its names as the file spells them (an alias stays an
    alias, as in RCTab's report); the candidates its ``Election`` lists."""

    records: list[tuple[str, Cvr]]  # (id, record as spelled, which is how the count reads it)
    candidates: tuple[str, ...]
    by_precinct: bool


_COLUMNS = {"firstVoteColumnIndex": 1000, "firstVoteRowIndex": 100000, "idColumnIndex": 1000,
            "precinctColumnIndex": 1000}
_NOT_FOR_OTHERS = ("firstVoteColumnIndex", "firstVoteRowIndex", "idColumnIndex", "precinctColumnIndex",
                   "batchColumnIndex", "overvoteDelimiter", "skippedRankLabel")


def check_config(config: Mapping[str, Any], base: Path) -> None:
    """RCTab's validation of a configuration (``ContestConfig.validate``) where it reaches beyond
    each field's own form: what each provider needs and must leave blank, the rules RCTab
    requires, and no file read twice. A configuration RCTab would refuse is refused, with the
    field named, before any record is read."""
    settings = config.get("outputSettings")
    if not isinstance(settings, Mapping) or not _text_field(settings, "contestName"):
        raise InvalidInput("RCTab requires the contest's name", field="outputSettings.contestName")
    rules = config.get("rules")
    if not isinstance(rules, Mapping):
        raise InvalidInput("an RCTab configuration has a 'rules' object", field="rules")
    for key in ("winnerElectionMode", "numberOfWinners", "decimalPlacesForVoteArithmetic", "maxSkippedRanksAllowed",
                "maxRankingsAllowed"):
        if not _text_field(rules, key):
            raise InvalidInput("RCTab requires it (config_file_documentation.txt)", field=f"rules.{key}")
    entries = config.get("cvrFileSources")
    if not isinstance(entries, list):
        return
    overvote_rule = _text_field(rules, "overvoteRule")
    paths: dict[Path, int] = {}
    for i, entry in enumerate(entries):
        where = f"cvrFileSources[{i}]"
        if not isinstance(entry, Mapping):
            continue
        provider = _text_field(entry, "provider")
        file_path = _text_field(entry, "filePath")
        if provider in ("ess", "genericCsv"):
            for key, most in _COLUMNS.items():
                if key in ("idColumnIndex", "precinctColumnIndex") and provider != "ess":
                    continue
                text = _text_field(entry, key)
                required = key in ("firstVoteColumnIndex", "firstVoteRowIndex")
                if (required and not text) or (text and not (text.isdigit() and 1 <= int(text) <= most)):
                    raise InvalidInput(f"must be a whole number from 1 to {most}"
                                       + ("" if required else " if given") + f", not {text!r}", field=f"{where}.{key}")
            if _text_field(entry, "contestId"):
                raise InvalidInput(f"must be blank for provider {provider!r} (the records hold one contest)",
                                   field=f"{where}.contestId")
            if (provider == "ess" and overvote_rule == "exhaustIfMultipleContinuing"
                    and not _text_field(entry, "overvoteDelimiter")):
                raise InvalidInput("exhaustIfMultipleContinuing needs the names of an overvote's candidates: an ES&S "
                                   "source gives them with an overvoteDelimiter", field=f"{where}.overvoteDelimiter")
        elif provider in ("cdf", "dominion", "hart", "clearBallot"):
            if provider == "cdf" and file_path and not file_path.lower().endswith((".json", ".xml")):
                raise InvalidInput("a CDF source is a .json or .xml file", field=f"{where}.filePath")
            if provider != "cdf" and _text_field(entry, "overvoteLabel"):
                raise InvalidInput(f"must be blank for provider {provider!r}", field=f"{where}.overvoteLabel")
            for key in _NOT_FOR_OTHERS:
                if _text_field(entry, key):
                    raise InvalidInput(f"must be blank for provider {provider!r}", field=f"{where}.{key}")
            if _flag(entry, "treatBlankAsUndeclaredWriteIn", where):
                raise InvalidInput(f"must be false for provider {provider!r}",
                                   field=f"{where}.treatBlankAsUndeclaredWriteIn")
            if not _text_field(entry, "contestId"):
                raise InvalidInput(f"RCTab requires it for provider {provider!r}", field=f"{where}.contestId")
        if _text_field(entry, "overvoteLabel") and overvote_rule not in ("exhaustImmediately", "alwaysSkipToNextRank"):
            raise InvalidInput("with an overvoteLabel, overvoteRule is exhaustImmediately or alwaysSkipToNextRank: "
                               "the records do not say whom an overvote names", field="rules.overvoteRule")
        if file_path:
            resolved = (base / file_path).resolve()
            if resolved in paths:
                raise InvalidInput(f"is cvrFileSources[{paths[resolved]}]'s file again: RCTab refuses a file "
                                   "given twice", field=f"{where}.filePath")
            paths[resolved] = i


def _sources(config: Mapping[str, Any], base: Path, cvr: Path | None) -> list[Source]:
    entries = config.get("cvrFileSources")
    if not isinstance(entries, list) or not entries:
        raise InvalidInput("an RCTab configuration lists its cast vote record files", field="cvrFileSources")
    out = []
    for i, entry in enumerate(entries if cvr is None else entries[:1]):
        where = f"cvrFileSources[{i}]"
        if not isinstance(entry, Mapping):
            raise InvalidInput("must be an object", field=where)
        path_text = _text_field(entry, "filePath")
        if cvr is None and not path_text:
            raise InvalidInput("has no filePath", field=where)
        overvote_label = _text_field(entry, "overvoteLabel")
        delimiter = _text_field(entry, "overvoteDelimiter")
        if overvote_label and delimiter:
            raise InvalidInput("overvoteDelimiter must be blank when overvoteLabel is given",
                               field=f"{where}.overvoteDelimiter")
        if delimiter and ("\\" in delimiter or not re.search(r"[^A-Za-z0-9\-.,'\" ]", delimiter)):
            raise InvalidInput("overvoteDelimiter holds no backslash and at least one character that is not a "
                               "letter, digit, hyphen, period, comma, apostrophe, quote or space",
                               field=f"{where}.overvoteDelimiter")
        out.append(Source(
            provider=_text_field(entry, "provider") or "ess",
            path=cvr if cvr is not None else base / path_text,
            given_path=str(cvr) if cvr is not None else path_text,
            contest_id=_text_field(entry, "contestId"),
            first_vote_column=_index(entry, "firstVoteColumnIndex", where),
            first_vote_row=_index(entry, "firstVoteRowIndex", where),
            id_column=_index(entry, "idColumnIndex", where),
            precinct_column=_index(entry, "precinctColumnIndex", where),
            batch_column=_index(entry, "batchColumnIndex", where),
            overvote_delimiter=delimiter,
            overvote_label=overvote_label,
            skipped_label=_text_field(entry, "skippedRankLabel") or _text_field(entry, "undervoteLabel"),
            write_in_label=_text_field(entry, "undeclaredWriteInLabel"),
            blank_is_write_in=_flag(entry, "treatBlankAsUndeclaredWriteIn", where),
        ))
    return out


def count_rctab(path: Path, *, cvr: Path | None = None, choices: tuple[str, ...] = (),
                seed: str | None = None, progress: Callable[[int], object] | None = None,
                audit: Path | None = None, answers: Path | None = None) -> RctabCount:
    """Reads a configuration and its records and counts them as RCTab does.

    ``cvr`` replaces the records of the first source (read with its layout);
    ``seed`` replaces ``rules.randomSeed``; ``choices`` are the operator's
    picks for ``...Ask`` tiebreaks, in order, or ``answers`` a file of them keyed
    by round (:mod:`vybory.cli.rctab_answers`); ``progress`` is told how many records
    were read, every few thousand. With ``audit`` (a folder), the records are
    written as they are read into RCTab's audit copy, ``<contest>_rctab_cvr.csv``
    (one per pass with multiPassIrv, as RCTab writes one before each pass), kept
    only if the whole count succeeds.
    """
    config = migrate(load_config(path))
    check_config(config, path.parent)
    if seed is not None:
        rules_given = config.get("rules")
        if isinstance(rules_given, dict):
            rules_given["randomSeed"] = seed
    names, excluded, aliases = _candidates(config)
    sources = _sources(config, path.parent, cvr)
    _check_labels(names, aliases, sources)
    if any(s.write_in_label or s.blank_is_write_in for s in sources):
        names = names + ([UWI] if UWI not in names else [])
    rules = rctab_rules(config, tuple(names), excluded)
    if choices or answers is not None:
        field = "--choice" if choices else "--tiebreak-answers"
        if choices and answers is not None:
            raise InvalidInput("give the answers to the ties one way: --choice or --tiebreak-answers",
                               field="--tiebreak-answers")
        if rules.tiebreak not in ASKING:
            raise InvalidInput(f"tiebreakMode {rules.tiebreak!r} asks no one: answers are only for "
                               f"{' and '.join(ASKING)}", field=field)
    keyed = read_answers(answers, rules.candidates, aliases) if answers is not None else ()
    rules = Rules(**{**{f: getattr(rules, f) for f in Rules.__dataclass_fields__}, "choices": choices,
                     "answers": keyed, "answers_source": str(answers or ""),
                     "aliases": tuple(aliases.items())})
    check_rules(rules)
    lookup = Names({**{n: n for n in names}, **aliases})
    settings = config.get("outputSettings") or {}
    if not isinstance(settings, Mapping):
        settings = {}
    by_precinct = _flag(settings, "tabulateByPrecinct", "outputSettings")
    by_batch = _flag(settings, "tabulateByBatch", "outputSettings")
    for i, source in enumerate(sources):
        where = f"cvrFileSources[{i}]"
        # RCTab's validateCvrFileSources
        if source.provider == "cdf" and (by_precinct or by_batch):
            raise InvalidInput("RCTab tabulates CDF records by precinct or batch not at all: turn off "
                               "tabulateByPrecinct and tabulateByBatch", field=f"{where}.provider")
        if source.provider == "ess" and by_precinct and source.precinct_column is None:
            raise InvalidInput("tabulateByPrecinct needs precinctColumnIndex", field=f"{where}.precinctColumnIndex")
        if source.provider == "ess" and by_batch and source.batch_column is None:
            raise InvalidInput("tabulateByBatch needs batchColumnIndex", field=f"{where}.batchColumnIndex")
    records: list[Cvr] = []
    # RCTab writes the per-round CDF report with the reports, into the output folder
    cdf = (CdfRecords([], tuple(names) + (("overvote",) if any(s.overvote_label for s in sources) else ()),
                      by_precinct)
           if audit is not None and _flag(settings, "generateCdfJson", "outputSettings") else None)
    if audit is None:
        _read_all(sources, lookup, rules.max_rankings, progress, records, None)
        written: tuple[Path, ...] = ()
    else:
        ranks = rules.max_rankings or len([n for n in names if n != UWI])
        written = _with_audit(audit, settings, rules, lambda writer: _read_all(
            sources, lookup, rules.max_rankings, progress, records, AuditCsv(writer, ranks), cdf))
    try:
        if by_precinct and any(r.precinct is None for r in records):
            raise InvalidInput("tabulateByPrecinct is set, but the records do not name their precincts",
                               field="outputSettings.tabulateByPrecinct")
        if by_batch and any(r.batch is None for r in records):
            raise InvalidInput("tabulateByBatch is set, but the records do not name their batches",
                               field="outputSettings.tabulateByBatch")
        passes = tabulate(rules, records, by_precinct=by_precinct, by_batch=by_batch, allocations=cdf is not None)
    except BaseException:
        for copy in written:
            copy.unlink(missing_ok=True)
        raise
    percentage = _text_field(config["rules"], "multiSeatBottomsUpPercentageThreshold")
    return RctabCount(rules, passes, settings, len(records), percentage, written, cdf)


def _witness(lookup: Names, audit: AuditCsv | None, source: Source, cdf: CdfRecords | None) -> Witness | None:
    """What is told of each record as it is read (the file's spelling, aliases kept): the
    audit copy gets it with its aliases read as their candidates, and the per-round CDF
    report keeps it as spelled, under its id. None when neither is asked for."""
    told = audit.witness(source) if audit is not None else None
    if told is None and cdf is None:
        return None
    seen: dict[int, tuple[Cvr, Cvr]] = {}

    def witness(ids: RecordIds, raw: Cvr) -> None:
        if cdf is not None:
            cdf.records.append((ids.record_id, raw))
        if told is None:
            return
        known = seen.get(id(raw))
        if known is None or known[0] is not raw:
            mapped = Cvr(tuple((rank, tuple(lookup.aliases[n] for n in names)) for rank, names in raw.rankings),
                         raw.precinct, raw.batch)
            known = seen[id(raw)] = (raw, mapped)  # keeps raw alive, so its id is not reused
        told(ids, known[1])

    return witness


def _read_all(sources: list[Source], lookup: Names, max_rankings: int | None,
              progress: Callable[[int], object] | None, records: list[Cvr], audit: AuditCsv | None,
              cdf: CdfRecords | None = None) -> None:
    """Reads every source's records into ``records`` as the files spell them (an alias stays
    an alias: RCTab's count reads it so), each told to ``audit`` as it is read (and kept in
    ``cdf``, when given)."""
    spelled = Names({name: name for name in lookup.aliases})
    for i, source in enumerate(sources):
        before = len(records)
        try:
            try:
                witness = _witness(lookup, audit, source, cdf)
                records.extend(read_source(source, spelled, max_rankings, progress, witness))
            except UnicodeDecodeError as exc:
                raise InvalidInput(f"not UTF-8 text (byte {exc.start})", field=str(source.path)) from None
            except FileNotFoundError as exc:
                raise InvalidInput("no such file", field=str(exc.filename or source.path)) from None
            except IsADirectoryError:
                raise InvalidInput("is a folder, not a file", field=str(source.path)) from None
            if len(records) == before:
                # RCTab would count an empty source as no ballots; an empty or mismatched
                # file is far likelier a mistake (wrong contestId, wrong file) than a fact.
                raise InvalidInput("holds no cast vote record of the contest (check contestId and the file)",
                                   field=str(source.path))
        except InvalidInput as error:
            field = error.field or ""
            if not field.startswith(str(source.path)):
                field = f"cvrFileSources[{i}] ({source.path}): {field}"
            raise InvalidInput(error.message, field=field) from None


def _with_audit(folder: Path, settings: Mapping[str, Any], rules: Rules,
                read: Callable[[TextIO], None]) -> tuple[Path, ...]:
    """Runs ``read`` writing the audit copy into ``folder`` (through a ``.part`` file, so a
    refused count leaves nothing behind) and returns the files written."""
    prefix = safe_name(str(settings.get("contestName") or "contest"))
    passes = rules.winners if rules.winner_mode == "multiPassIrv" else 1
    stems = [f"{prefix}_{n}" if passes > 1 else prefix for n in range(1, passes + 1)]
    folder.mkdir(parents=True, exist_ok=True)
    part = folder / f"{stems[0]}_rctab_cvr.csv.part"
    try:
        with part.open("w", encoding="utf-8", newline="") as handle:
            read(handle)
        paths = tuple(folder / f"{stem}_rctab_cvr.csv" for stem in stems)
        for path in paths[1:]:
            shutil.copyfile(part, path)
        part.replace(paths[0])
    finally:
        part.unlink(missing_ok=True)
    return paths


def _summary(count: RctabCount, tabulation: Tabulation, rounds: list[RoundResult],
             precinct: str | None = None, kind: str = "precinct") -> dict[str, Any]:
    settings = count.settings
    config: dict[str, Any] = {
        "contest": str(settings.get("contestName") or ""),
        "date": str(settings.get("contestDate") or ""),
        "generatedBy": "vybory (RCTab rules)",
        "jurisdiction": str(settings.get("contestJurisdiction") or ""),
        "office": str(settings.get("contestOffice") or ""),
    }
    if precinct is not None:
        config[kind] = precinct
    # multiPassIrv counts one seat per pass, and its summaries say so.
    seats = 1 if count.rules.winner_mode == "multiPassIrv" else count.rules.winners
    first = rounds[0]
    total = first.active + sum((first.inactive[s] for s in INACTIVE), Decimal(0))
    results = []
    for r in rounds:
        actions: list[dict[str, Any]] = []
        for decision, who in (("elected", r.elected), ("eliminated", r.eliminated)):
            # RCTab's summary lists each round's decisions by name (String order).
            for c in sorted(who, key=string_key):
                actions.append({decision: c, "transfers": {k: str(v) for k, v in r.transfers.get(c, {}).items()}})
        inactive = {s.value: str(r.inactive[s]) for s in (Status.OVERVOTES, Status.SKIPPED, Status.EXHAUSTED,
                                                          Status.REPEATED)}
        if seats > 1 and count.rules.uses_surpluses and r is rounds[-1]:
            inactive[Status.FINAL_SURPLUS.value] = str(r.inactive[Status.FINAL_SURPLUS])
        results.append({"inactiveBallots": inactive, "round": r.number, "tally": {k: str(v) for k, v in r.tally.items()},
                        "tallyResults": actions, "threshold": str(r.threshold)})
    return {
        "config": config,
        "jsonFormatVersion": "1",
        "results": results,
        "summary": {
            "finalThreshold": str(rounds[-1].threshold),
            "numCandidates": len(count.rules.candidates),
            "numWinners": seats,
            "totalNumBallots": str(total),
            "undervotes": int(first.inactive[Status.NO_RANKINGS]),
        },
    }


def _slices(tabulation: Tabulation) -> list[tuple[tuple[str, str], list[RoundResult]]]:
    """The precincts (by name), then the batches."""
    return sorted(tabulation.slices.items(), key=lambda item: (item[0][0] != "precinct", item[0][1]))


def summaries(count: RctabCount) -> list[dict[str, Any]]:
    """RCTab's summary JSON (``jsonFormatVersion`` 1) of each pass, then of each precinct and batch."""
    out = []
    for tabulation in count.passes:
        out.append(_summary(count, tabulation, tabulation.rounds))
        for (kind, name), rounds in _slices(tabulation):
            out.append(_summary(count, tabulation, rounds, name, kind))
    return out


def jackson(value: Any, indent: str = "") -> str:
    """JSON as RCTab's writer prints it (Jackson's default pretty printer, keys sorted)."""
    if isinstance(value, str):
        return _quoted(value)
    inner = indent + "  "
    if isinstance(value, dict):
        if not value:
            return "{ }"
        items = [f'{inner}{_quoted(k)} : {jackson(value[k], inner)}' for k in sorted(value)]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list):
        if not value:
            return "[ ]"
        return "[ " + ", ".join(jackson(v, indent) for v in value) + " ]"
    if type(value) is int:
        return str(value)
    return json.dumps(value, ensure_ascii=False)


# a string as json.dumps(..., ensure_ascii=False) prints it, without its checks on each call
_quoted: Callable[[str], str] = json.encoder.encode_basestring  # type: ignore[attr-defined]


_CSV_INACTIVE = ((Status.OVERVOTES, "Inactive Ballots by Overvotes"),
                 (Status.SKIPPED, "Inactive Ballots by Skipped Rankings"),
                 (Status.EXHAUSTED, "Inactive Ballots by Exhausted Choices"),
                 (Status.REPEATED, "Inactive Ballots by Repeated Rankings"))
_DECIMAL32 = decimal.Context(prec=7, rounding=decimal.ROUND_HALF_EVEN)


def _percent(votes: Decimal, total: Decimal) -> str:
    """RCTab's "% of vote": 7 significant digits, cut to hundredths of a percent, printed as a Java double."""
    if total == 0:
        return ""
    share = _DECIMAL32.divide(votes, total)
    return repr(int(share.scaleb(4)) / 100.0) + "%"


def _locked_in(count: RctabCount, tabulation: Tabulation, r: RoundResult) -> Decimal:
    """What earlier winners keep in round ``r`` (RCTab's locked-in ballots), counted beside the active ones."""
    if count.rules.winners <= 1 or count.rules.winner_mode == "multiPassIrv":
        return Decimal(0)
    elected_before = {w for x in tabulation.rounds if x.number < r.number for w in x.elected}
    return sum((v for c, v in r.tally.items() if c in elected_before), Decimal(0))


def detailed_csv(count: RctabCount, tabulation: Tabulation, rounds: list[RoundResult],
                 precinct: str | None = None, kind: str = "precinct", *, short: bool = False) -> str:
    """RCTab's detailed report (CSV) of one pass, or of one precinct's (or batch's) share of it;
    with ``short``, RCTab's summary report: the same without the inactive ballots by category."""
    import io

    rules = count.rules
    settings = count.settings
    seats = 1 if rules.winner_mode == "multiPassIrv" else rules.winners
    surpluses = seats > 1 and rules.uses_surpluses
    tied = {(r.number, t.chosen) for r in tabulation.rounds for t in r.ties}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["Contest Information"])
    writer.writerow(["Generated By", "vybory (RCTab rules)"])
    writer.writerow(["CSV Format Version", "1"])
    writer.writerow(["Type of Election", "Single-Winner" if rules.winner_mode == "singleWinnerMajority"
                     else "Multi-Winner"])
    for label, key in (("Contest", "contestName"), ("Jurisdiction", "contestJurisdiction"),
                       ("Office", "contestOffice"), ("Date", "contestDate")):
        writer.writerow([label, str(settings.get(key) or "")])
    by_round = {r.number: r for r in tabulation.rounds}
    winners = [w for r in tabulation.rounds for w in sorted(r.elected, key=string_key)]
    writer.writerow(["Winner(s)", ", ".join(winners)])
    if precinct is not None:
        writer.writerow([kind.title(), precinct])
    else:
        writer.writerow(["Final Threshold", str(rounds[-1].threshold)])
    writer.writerow([])
    first = rounds[0]
    blank = first.inactive[Status.NO_RANKINGS]
    inactive_first = sum((first.inactive[s] for s in INACTIVE), Decimal(0))
    writer.writerow(["Contest Summary"])
    writer.writerow(["Number to be Elected",
                     f"All candidates over the {count.percentage_text}% threshold"
                     if rules.winner_mode == "bottomsUpUsingPercentageThreshold" else str(seats)])
    excluded = len(rules.excluded) + (len(count.passes[:count.passes.index(tabulation)])
                                      if rules.winner_mode == "multiPassIrv" else 0)
    writer.writerow(["Number of Candidates", str(len(rules.candidates) - excluded)])
    writer.writerow(["Total Number of Ballots", str(first.active + inactive_first)])
    writer.writerow(["Number of Undervotes (No Rankings)", str(blank)])
    writer.writerow([])
    header = ["Rounds"]
    for r in rounds:
        header += [f"Round {r.number} Votes", "% of vote", "transfer"]
    writer.writerow(header)
    mark = "\u2020" if precinct is not None else ""
    for label, attribute in (("Eliminated", "eliminated"), ("Elected", "elected")):
        row = [label + mark]
        for r in rounds:
            names = sorted(getattr(by_round[r.number], attribute), key=string_key)
            row += ["; ".join(n + ("*" if (r.number, n) in tied else "") for n in names), "", ""]
        writer.writerow(row)
    # the contest's round 1, most votes first, undeclared write-ins last (a stable sort of
    # RCTab's walk order), for the precincts too
    contest_first = tabulation.rounds[0].tally
    order = sorted(contest_first, key=lambda c: (c == UWI, -contest_first[c]))
    single = rules.winner_mode in ("singleWinnerMajority", "bottomsUpUsingPercentageThreshold")
    totals = {r.number: r.active + _locked_in(count, tabulation, r) for r in rounds}
    for name in order:
        row = [name]
        for i, r in enumerate(rounds):
            votes = r.tally.get(name, Decimal(0))
            divisor = totals[1 if not single or rules.first_round_threshold else r.number]
            row += [str(votes), _percent(votes, divisor),
                    str(rounds[i + 1].tally.get(name, Decimal(0)) - votes) if i + 1 < len(rounds) else "0"]
        writer.writerow(row)
    writer.writerow(["Active Ballots"] + [x for r in rounds for x in (str(totals[r.number]), "", "")])
    if precinct is None:
        writer.writerow(["Current Round Threshold"] + [x for r in rounds for x in (str(r.threshold), "", "")])
    for status, label in () if short else _CSV_INACTIVE:
        row = [label]
        for i, r in enumerate(rounds):
            row += [str(r.inactive[status]), "",
                    str(rounds[i + 1].inactive[status] - r.inactive[status]) if i + 1 < len(rounds) else "0"]
        writer.writerow(row)
    sums = [sum((r.inactive[s] for s in INACTIVE), Decimal(0)) for r in rounds]
    row = ["Inactive Ballots Total"]
    for i, total in enumerate(sums):
        row += [str(total - blank), "", str(sums[i + 1] - total) if i + 1 < len(sums) else "0"]
    writer.writerow(row)
    if precinct is None and rounds[-1].residual_surplus > 0:
        writer.writerow(["Residual surplus"] + [x for r in rounds for x in (str(r.residual_surplus), "", "")])
    if surpluses:
        row = ["Final Round Surplus"]
        for r in rounds:
            value = r.inactive[Status.FINAL_SURPLUS]
            # Java's BigDecimal.equals: only a zero of scale 0 is ZERO
            row += ["" if value == 0 and value.as_tuple().exponent == 0 else str(value), "", ""]
        writer.writerow(row)
    if precinct is not None:
        writer.writerow([])
        writer.writerow([("\u2020Elect/Eliminate decisions are from the full contest. "
                          f"All other results on this report are at the {kind} level.")])
    if tied:
        writer.writerow([])
        writer.writerow(["*Tie resolved in accordance with election law"])
    return buffer.getvalue()


# --- vybory's own report of an RCTab count -----------------------------------------------------

def _exact(value: Decimal) -> Number:
    """A decimal count as vybory's exact number (an int when whole)."""
    fraction = Fraction(value)
    return fraction.numerator if fraction.denominator == 1 else fraction


_TIE_RULES = {"draw": TieRule.DRAW, "candidate_order": TieRule.CANDIDATE_ORDER,
              "previous_rounds": TieRule.PREVIOUS_ROUNDS, "operator": TieRule.OPERATOR}


def to_outcome(count: RctabCount) -> Outcome:
    """The count as vybory's outcome: one round per RCTab round (the passes of
    multiPassIrv one after the other), the inactive ballots by RCTab's categories
    in each round's details, RCTab's threshold as the quota."""
    rounds: list[Round] = []
    winners: list[str] = []
    several = len(count.passes) > 1
    for number, tabulation in enumerate(count.passes, 1):
        before: dict[str, Number] | None = None
        for r in tabulation.rounds:
            counts = {name: _exact(v) for name, v in r.tally.items()}
            transfers = changes(before, counts)
            before = counts
            inactive = {s.value: _exact(r.inactive[s]) for s in INACTIVE if s is not Status.NO_RANKINGS}
            details: dict[str, Any] = {"inactive": inactive, "active": _exact(r.active)}
            if r.inactive[Status.FINAL_SURPLUS]:
                details["final_round_surplus"] = _exact(r.inactive[Status.FINAL_SURPLUS])
            if r.residual_surplus:
                details["residual_surplus"] = _exact(r.residual_surplus)
            ties = [Tie("elect" if t.winner else "eliminate", t.candidates, _TIE_RULES[t.rule], (t.chosen,))
                    for t in r.ties]
            rounds.append(Round(
                number=len(rounds) + 1, counts=counts, elected=list(r.elected), eliminated=list(r.eliminated),
                transfers=transfers, exhausted=sum(inactive.values(), 0), quota=_exact(r.threshold), ties=ties,
                note="; ".join([f"seat {number}, round {r.number}"] * several
                               + [f"{t.chosen}: {t.how}" for t in r.ties if t.rule == "previous_rounds"]),
                details=details))
        winners += [w for w in tabulation.winners if w not in winners]
    first = count.passes[0].rounds[0]
    blank = _exact(first.inactive[Status.NO_RANKINGS])
    total = _exact(first.active + sum((first.inactive[s] for s in INACTIVE), Decimal(0)))
    rules = count.rules
    return Outcome(
        method="rctab",
        seats=rules.winners if rules.winners else len(winners),
        status=OutcomeStatus.ELECTED if winners else OutcomeStatus.NO_DECISION,
        winners=winners,
        rounds=rounds,
        reason="" if winners else "the count stopped before any candidate was elected "
                                  "(stopTabulationEarlyAfterRound)",
        ballots_cast=total,
        valid=total - blank,
        blank=blank,
        details={"winner_election_mode": rules.winner_mode, "tiebreak_mode": rules.tiebreak,
                 "overvote_rule": rules.overvote_rule, "decimals": rules.decimals},
    )


def summary_csv(count: RctabCount, tabulation: Tabulation) -> str:
    """RCTab's summary report (CSV) of one pass: the detailed one without the inactive
    ballots by category. RCTab writes it for the whole contest only, not per slice."""
    return detailed_csv(count, tabulation, tabulation.rounds, short=True)


def write_reports(count: RctabCount, directory: Path) -> list[Path]:
    """Writes RCTab's reports of each pass into ``directory``, named as RCTab names them:
    ``<contest>_summary_report.csv``, ``_detailed_report.csv`` and ``_detailed_report.json``
    (``<contest>_<pass>_…`` with multiPassIrv), and the detailed ones of each precinct and
    batch (``<contest>_<slice>_precinct_detailed_report.csv``) in ``Tabulate by Precinct``
    and ``Tabulate by Batch``."""
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    prefix = safe_name(str(count.settings.get("contestName") or "contest"))
    several = len(count.passes) > 1
    used: dict[str, str] = {}

    def slice_stem(name: str) -> str:
        # RCTab's sanitizeSliceWithoutCollisions: two names that sanitise alike get _1, _2...
        if name not in used:
            stem, n = safe_name(name), 1
            while stem in used.values():
                stem, n = f"{safe_name(name)}_{n}", n + 1
            used[name] = stem
        return used[name]

    def write(path: Path, text: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)

    for number, tabulation in enumerate(count.passes, 1):
        stem = f"{prefix}_{number}" if several else prefix
        write(directory / f"{stem}_summary_report.csv", summary_csv(count, tabulation))
        write(directory / f"{stem}_detailed_report.csv", detailed_csv(count, tabulation, tabulation.rounds))
        write(directory / f"{stem}_detailed_report.json", jackson(_summary(count, tabulation, tabulation.rounds)) + "\n")
        for (kind, name), rounds in _slices(tabulation):
            base = directory / f"Tabulate by {kind.title()}" / f"{stem}_{slice_stem(name)}_{kind}_detailed_report"
            write(base.with_suffix(".csv"), detailed_csv(count, tabulation, rounds, name, kind))
            write(base.with_suffix(".json"), jackson(_summary(count, tabulation, rounds, name, kind)) + "\n")
    return written
