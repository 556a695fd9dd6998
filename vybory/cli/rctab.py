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

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vybory.cli.cvr import WRITE_IN_NAME, CvrLayout, read_ess_cvr
from vybory.errors import InvalidInput
from vybory.rules.base import Contest, RankedBallot

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


def _flag(rules: Mapping[str, Any], key: str) -> bool:
    value = rules.get(key, False)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false", ""):
        return value.strip().lower() == "true"
    raise InvalidInput(f"must be true or false, not {value!r}", field=f"rules.{key}")


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


def _candidates(config: Mapping[str, Any]) -> tuple[list[str], list[str], dict[str, str]]:
    entries = config.get("candidates")
    if not isinstance(entries, list) or not entries:
        raise InvalidInput("an RCTab configuration lists its candidates", field="candidates")
    names: list[str] = []
    excluded: list[str] = []
    aliases: dict[str, str] = {}
    for i, entry in enumerate(entries):
        if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str) or not entry["name"].strip():
            raise InvalidInput("each candidate has a non-empty 'name'", field=f"candidates[{i}]")
        name = entry["name"].strip()
        if name in names:
            raise InvalidInput(f"candidate {name!r} is listed twice", field=f"candidates[{i}]")
        names.append(name)
        if _flag(entry, "excluded"):
            excluded.append(name)
        for alias in entry.get("aliases") or []:
            aliases[str(alias).strip()] = name
    return names, excluded, aliases


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
