"""`vybory count`: count a ballot file with any counting method.

    vybory count --method METHOD [--seats K] [--rules FILE] [--seed S] [--json]
                 [--format FORMAT] [FILE]

FILE is a BLT file, a PrefLib soi/toi file, an ES&S cast vote record (.xlsx),
a CSV of ranks or a CSV of totals; the format comes from the extension and,
for .csv and unknown extensions, from the content (``--format`` forces it).
``--rules`` takes the method's options as TOML (top-level keys, or a table
named after the method), or an RCTab contest configuration (.json), which
also gives the candidates, the cast vote record files (FILE may then be
left out) and the seed. The rounds are printed as a table, or with
``--json`` as the outcome's JSON (``winners`` in order of election, names
exactly as the input spells them, ``status``, ``rounds``...).

Exit codes: 0 counted; 2 the input or the options were refused (the message
names the file, the line and what is wrong).
"""

from __future__ import annotations

import json
import sys
import tomllib
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from vybory import rules as registry
from vybory.cli.cvr import WRITE_IN_NAME, read_ess_cvr
from vybory.cli.rctab import (
    RctabCount,
    count_rctab,
    jackson,
    read_rctab,
    safe_name,
    summaries,
    to_outcome,
    write_reports,
)
from vybory.cli.rctab_cdf import cdf_text, convert_to_cdf, write_round_cdf
from vybory.cli.render import after_rounds, format_number, rounds_table, summary
from vybory.errors import InvalidDefinition, InvalidInput, VyboryError
from vybory.rules.base import Contest, RankedBallot
from vybory.rules.formats import (
    FORMATS,
    detect_format,
    parse_blt,
    parse_preflib,
    parse_rank_csv,
    parse_totals_csv,
)
from vybory.rules.outcome import Outcome, Round


def register(app: typer.Typer) -> None:
    """Adds this module's subcommands to `app`."""
    app.command("count")(count_command)


def count_command(
    file: Annotated[Path | None, typer.Argument(help="Ballot file: .blt, .soi/.toi, .xlsx, .csv",
                                                show_default=False)] = None,
    method: Annotated[str, typer.Option("--method", "-m", help="Counting method, e.g. irv, stv-scottish")] = "",
    seats: Annotated[int | None, typer.Option("--seats", "-k", help="Seats to fill (default: the file's, or 1)",
                                              show_default=False)] = None,
    rules: Annotated[Path | None, typer.Option("--rules", help="Rule options (TOML) or an RCTab "
                                               "configuration (JSON)", show_default=False)] = None,
    seed: Annotated[str | None, typer.Option("--seed", help="The published seed for draws",
                                             show_default=False)] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the outcome as JSON")] = False,
    format: Annotated[str | None, typer.Option("--format", help=f"Force the input format: {', '.join(FORMATS)}; "
                                               "or 'rctab': print RCTab's summary JSON of an RCTab "
                                               "configuration's count; or 'cdf': convert its records to "
                                               "a CDF JSON report, as RCTab's Convert to CDF",
                                               show_default=False)] = None,
    output: Annotated[Path | None, typer.Option("--output", help="RCTab count: also write RCTab's summary "
                                                "JSON and CSV (per pass, per precinct), its audit copy of the "
                                                "records (rctab_cvr.csv) and, with generateCdfJson, its per-round "
                                                "CDF report into this folder",
                                                show_default=False)] = None,
    choice: Annotated[list[str] | None, typer.Option("--choice", help="RCTab count, tiebreakMode ...Ask: the "
                                                     "operator's choice for each tie, in order",
                                                     show_default=False)] = None,
    answers: Annotated[Path | None, typer.Option("--tiebreak-answers", help="RCTab count, tiebreakMode ...Ask: "
                                                 "a file of the operator's answers, one JSON line per tie "
                                                 '({"round": 2, "tied": ["A", "B"], "loses": "A"})',
                                                 show_default=False)] = None,
) -> None:
    """Count a ballot file and print the rounds (or the outcome as JSON)."""
    try:
        if rules is not None and _is_rctab(rules) and method in ("", "rctab") and format == "cdf":
            for name, given in (("FILE", file), ("--json", json_output), ("--choice", choice), ("--seed", seed),
                                ("--seats", seats), ("--tiebreak-answers", answers)):
                if given:
                    raise InvalidInput("--format cdf converts the configuration's records to CDF and counts "
                                       "nothing: leave it out", field=name)
            write_cdf(rules, output)
            return
        if rules is not None and _is_rctab(rules) and method in ("", "rctab"):
            if format not in (None, "rctab"):
                raise InvalidInput(f"an RCTab configuration names its records' formats (provider); "
                                   f"--format is only 'rctab' or 'cdf' here, not {format!r}", field="--format")
            if format == "rctab" and json_output:
                raise InvalidInput("--format rctab prints RCTab's summary: leave out --json", field="--json")
            count = run_rctab(rules=rules, file=file, seats=seats, seed=seed, choices=tuple(choice or ()),
                              audit=output, answers=answers)
            if output is not None:
                reports = write_reports(count, output)
                if count.cdf is not None:
                    reports += _write_round_cdf(count, output)
                for path in (*count.written, *reports):
                    Console(stderr=True, highlight=False).print(f"wrote {path}", markup=False)
            if format == "rctab":
                sys.stdout.write("".join(jackson(s) + "\n" for s in summaries(count)))
                return
            outcome = to_outcome(count)
        else:
            for name, given in (("--output", output), ("--choice", choice), ("--tiebreak-answers", answers)):
                if given:
                    raise InvalidInput("only for an RCTab configuration counted by RCTab's rules "
                                       "(--rules config.json, no --method or --method rctab)", field=name)
            if format in ("rctab", "cdf"):
                raise InvalidInput(f"--format {format} needs an RCTab configuration (--rules config.json)",
                                   field="--format")
            outcome = run_count(file=file, method=method, seats=seats, rules=rules, seed=seed, fmt=format)
    except VyboryError as error:
        _report(error)
        raise typer.Exit(2) from None
    except (OSError, UnicodeDecodeError) as error:
        _report(InvalidInput(_os_message(error), field=str(getattr(error, "filename", "") or file or "input")))
        raise typer.Exit(2) from None
    if json_output:
        sys.stdout.write(json.dumps(outcome.to_json(), ensure_ascii=False, indent=2) + "\n")
    else:
        print_outcome(Console(highlight=False), outcome)


def _os_message(error: BaseException) -> str:
    if isinstance(error, UnicodeDecodeError):
        return f"not UTF-8 text (byte {error.start})"
    if isinstance(error, FileNotFoundError):
        return "no such file"
    if isinstance(error, IsADirectoryError):
        return "is a directory, not a file"
    if isinstance(error, OSError):
        return error.strerror or str(error)
    return str(error)


def _report(error: VyboryError) -> None:
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    if isinstance(error, InvalidDefinition):
        err.print(f"[bold red]error[/] ({error.code}):")
        for problem in error.problems:
            err.print(f"  - {problem}", markup=False)
        return
    err.print(f"[bold red]error[/] ({error.code}): ", end="")
    err.print(str(error), markup=False)


def read_rule_options(path: Path, method: str) -> dict[str, Any]:
    """The options in a TOML file: top-level keys, or the table named after the method."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"not valid TOML: {exc}", field=str(path)) from None
    table = document.get(method)
    if isinstance(table, dict):
        return dict(table)
    return document


def write_cdf(rules: Path, output: Path | None) -> None:
    """RCTab's "Convert to CDF": the configuration's records as a CDF JSON report, printed, or
    written into ``output`` as ``<contest>_cdf_cvr.json``."""
    report = convert_to_cdf(rules, generated=_now())
    text = cdf_text(report)
    if output is None:
        sys.stdout.write(text)
        return
    output.mkdir(parents=True, exist_ok=True)
    contest = report["Election"][0]["Contest"][0]["Name"] or "contest"
    path = output / f"{safe_name(contest)}_cdf_cvr.json"
    path.write_text(text, encoding="utf-8")
    Console(stderr=True, highlight=False).print(f"wrote {path}", markup=False)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _is_rctab(rules: Path) -> bool:
    return rules.suffix.lower() == ".json" or _looks_like_json(rules)


def run_rctab(*, rules: Path, file: Path | None, seats: int | None = None, seed: str | None = None,
              choices: tuple[str, ...] = (), audit: Path | None = None, answers: Path | None = None) -> RctabCount:
    """Counts an RCTab configuration by RCTab's rules (:mod:`vybory.rules.rctab`), with a
    progress line on a terminal while the records are read."""
    if seats is not None:
        raise InvalidInput("an RCTab configuration sets its seats (rules.numberOfWinners)", field="--seats")
    if seed is not None:
        try:
            int(seed)
        except ValueError:
            raise InvalidInput(f"RCTab's seed is a whole number (Java's Random), not {seed!r}",
                               field="--seed") from None
    err = Console(stderr=True, highlight=False)
    if not err.is_terminal:
        return count_rctab(rules, cvr=file, choices=choices, seed=seed, audit=audit, answers=answers)
    with Progress(TextColumn("reading cast vote records"), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True) as bar:
        task = bar.add_task("records", total=None)
        return count_rctab(rules, cvr=file, choices=choices, seed=seed, audit=audit, answers=answers,
                           progress=lambda n: bar.advance(task, n))


def _write_round_cdf(count: RctabCount, output: Path) -> list[Path]:
    """RCTab's per-round CDF report, with a progress line on a terminal (a record's every
    round is written: at a million records, gigabytes)."""
    err = Console(stderr=True, highlight=False)
    if not err.is_terminal or count.cdf is None:
        return write_round_cdf(count, output, generated=_now())
    with Progress(TextColumn("writing the per-round CDF report"), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True) as bar:
        task = bar.add_task("records", total=len(count.cdf.records) * len(count.passes))
        return write_round_cdf(count, output, generated=_now(), progress=lambda n: bar.advance(task, n))


def run_count(*, file: Path | None, method: str, seats: int | None = None, rules: Path | None = None,
              seed: str | None = None, fmt: str | None = None) -> Outcome:
    """Reads the input, builds the contest and counts it through the rules registry."""
    if not method:
        raise InvalidInput(f"give --method (one of {', '.join(registry.METHODS)})", field="--method")
    m = registry.get_method(method)
    seed_bytes = seed.encode() if seed is not None else None
    if rules is not None and (rules.suffix.lower() == ".json" or _looks_like_json(rules)):
        if method != "irv":
            raise InvalidInput("an RCTab configuration is counted by RCTab's rules (no --method, or "
                               "--method rctab) or by vybory's IRV (--method irv)", field="--method")
        if seats not in (None, 1):
            raise InvalidInput("IRV fills one seat", field="--seats")
        read = read_rctab(rules, cvr=file, seed=seed_bytes)
        return registry.count(method, read.contest, ballots=read.ballots)
    if file is None:
        raise InvalidInput("give the ballot file to count (or an RCTab configuration with --rules)",
                           field="FILE")
    options = read_rule_options(rules, method) if rules is not None else {}
    kind = fmt or detect_format(file.name, None if file.suffix.lower() == ".xlsx" else _text(file))
    if kind not in FORMATS:
        raise InvalidInput(f"unknown format {kind!r} (one of {', '.join(FORMATS)})", field="--format")
    where = str(file)
    title = file.stem
    file_seats = None
    totals = None
    ballots: list[RankedBallot] | None = None
    withdrawn: tuple[str, ...] = ()
    try:
        if kind == "xlsx":
            candidates, ballots = read_ess_cvr(file)
            if WRITE_IN_NAME in candidates and "undeclared_write_in" in m.options:
                options.setdefault("undeclared_write_in", WRITE_IN_NAME)
        elif kind == "csv-totals":
            read_totals = parse_totals_csv(_text(file))
            candidates, totals, file_seats = read_totals.candidates, read_totals.totals, read_totals.seats
            title = read_totals.title or title
        else:
            text = _text(file)
            if kind == "blt":
                parsed = parse_blt(text)
            elif kind in ("soi", "toi"):
                parsed = parse_preflib(text)
            else:
                parsed = parse_rank_csv(text)
            candidates, ballots, file_seats = parsed.candidates, list(parsed.ballots), parsed.seats
            withdrawn = parsed.withdrawn
            title = parsed.title or title
    except InvalidInput as error:
        field = error.field or ""
        if not field.startswith(where):
            field = f"{where}: {field}" if field else where
        raise InvalidInput(error.message, field=field) from None
    if withdrawn:
        if "withdrawn" in m.options:
            options.setdefault("withdrawn", list(withdrawn))
        else:
            gone = set(withdrawn)
            candidates = tuple(c for c in candidates if c not in gone)
            ballots = [RankedBallot(tuple(tuple(n for n in r if n not in gone) for r in b.ranking), b.weight)
                       for b in ballots or []]
    contest = Contest(
        name=title,
        candidates=tuple(candidates),
        seats=seats if seats is not None else (file_seats or 1),
        options=options,
        seed=seed_bytes or b"",
    )
    if totals is not None:
        return registry.count(method, contest, totals=totals)
    return registry.count(method, contest, ballots=ballots)


def _text(path: Path) -> str:
    return path.read_bytes().decode("utf-8-sig")


def _looks_like_json(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(64).lstrip().startswith(b"{")
    except OSError:
        return False


# --- the tables ----------------------------------------------------------------------------------

def _round_width(rnd: Round, names: list[str]) -> int:
    """About how wide the round's column is in :func:`vybory.cli.render.rounds_table`."""
    width = len(f"Round {rnd.number}")
    for name in names:
        if name not in rnd.counts:
            continue
        cell = len(format_number(rnd.counts[name]))
        if rnd.transfers.get(name):
            cell += len(format_number(rnd.transfers[name])) + 4
        if name in rnd.elected:
            cell += len(" elected")
        if name in rnd.eliminated:
            cell += len(" out")
        width = max(width, cell)
    return width + 3


def print_outcome(console: Console, outcome: Outcome) -> None:
    """The outcome as :mod:`vybory.cli.render` shows it, the rounds split into as many
    tables as the console's width needs (one column per round, one row per candidate)."""
    names: list[str] = []
    for rnd in outcome.rounds:
        names += [n for n in rnd.counts if n not in names]
    console.print(summary(outcome))
    room = max(console.width - min(30, max([len(n) for n in names] + [10])) - 4, 20)
    chunk: list[Round] = []
    used = 0
    for rnd in outcome.rounds:
        width = _round_width(rnd, names)
        if chunk and used + width > room:
            console.print(rounds_table(replace(outcome, rounds=chunk), names))
            chunk, used = [], 0
        chunk.append(rnd)
        used += width
    if chunk:
        console.print(rounds_table(replace(outcome, rounds=chunk), names))
    for part in after_rounds(outcome, names):
        console.print(part)
