"""An outcome as tables for a person to read (Rich).

The counting rules are pure and return an :class:`~vybory.rules.outcome.Outcome`;
this module turns one into Rich renderables: a summary line, a table of the
rounds (one row per candidate, one column per round, with who was elected or
eliminated), the ties and how each was broken, and what the method reports
beside the counts (votes against, the pairwise matrix, grade histograms).
Counts are shown as decimals to 5 places where they are fractions; the JSON
form (``Outcome.to_json``) keeps them exact.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from vybory.rules.outcome import Outcome, Round, Status

STATUS_WORDS = {
    Status.ELECTED: "elected",
    Status.RUNOFF_REQUIRED: "runoff required",
    Status.REPEAT_REQUIRED: "repeat election required",
    Status.NO_DECISION: "no decision",
}


def format_number(value: Any, places: int = 5) -> str:
    """An exact count for display: an integer as is, a fraction to ``places`` decimals (half up)."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return str(value.numerator)
        scale = 10**places
        sign = "-" if value < 0 else ""
        units = (abs(value) * scale * 2 + 1) // 2  # round half up, exactly
        whole, frac = divmod(int(units), scale)
        return f"{sign}{whole}.{frac:0{places}d}"
    return str(value)


def _names(outcome: Outcome, candidates: Iterable[str] | None) -> list[str]:
    if candidates is not None:
        return list(candidates)
    names: list[str] = []
    for rnd in outcome.rounds:
        names += [n for n in rnd.counts if n not in names]
    return names


def summary(outcome: Outcome) -> Text:
    """One line: method, status, winners; then the reason and the ballot figures."""
    text = Text()
    text.append(f"{outcome.method}: ", style="bold")
    style = "bold green" if outcome.status is Status.ELECTED else "bold yellow"
    text.append(STATUS_WORDS[outcome.status], style=style)
    if outcome.winners:
        text.append(" - " + ", ".join(outcome.winners))
    if outcome.runoff_candidates:
        text.append("; runoff: " + ", ".join(outcome.runoff_candidates))
    if outcome.reason:
        text.append(f"\n{outcome.reason}")
    figures = [f"ballots cast {format_number(outcome.ballots_cast)}", f"valid {format_number(outcome.valid)}",
               f"invalid {format_number(outcome.invalid)}", f"blank {format_number(outcome.blank)}"]
    if outcome.registered is not None:
        figures.append(f"registered {format_number(outcome.registered)}")
    text.append("\n" + ", ".join(figures), style="dim")
    return text


def _cell(rnd: Round, name: str) -> Text:
    cell = Text(format_number(rnd.counts[name]) if name in rnd.counts else "")
    if rnd.transfers.get(name):
        change = rnd.transfers[name]
        cell.append(f" ({'+' if change > 0 else ''}{format_number(change)})", style="dim")
    if name in rnd.elected:
        cell.append(" elected", style="bold green")
        cell.stylize("green", 0)
    if name in rnd.eliminated:
        cell.append(" out", style="red")
    return cell


def rounds_table(outcome: Outcome, candidates: Iterable[str] | None = None) -> Table:
    """One row per candidate, one column per round."""
    table = Table(title="Rounds" if len(outcome.rounds) > 1 else "Count", title_justify="left")
    table.add_column("Candidate")
    for rnd in outcome.rounds:
        table.add_column(f"Round {rnd.number}", justify="right")
    for name in _names(outcome, candidates):
        table.add_row(name, *(_cell(rnd, name) for rnd in outcome.rounds))
    if any(rnd.exhausted for rnd in outcome.rounds):
        table.add_row(Text("Exhausted", style="dim"), *(format_number(r.exhausted) for r in outcome.rounds))
    if any(rnd.quota is not None for rnd in outcome.rounds):
        table.add_row(Text("Quota", style="dim"), *(format_number(r.quota) for r in outcome.rounds))
    return table


def ties_text(outcome: Outcome) -> Text | None:
    """Every tie: in which round, what it decided, between whom, and how it was broken."""
    lines = [
        f"round {rnd.number}: tie ({tie.purpose}) between {', '.join(tie.candidates)} -> "
        f"{', '.join(tie.chosen)} by {tie.rule.value.replace('_', ' ')}"
        for rnd in outcome.rounds for tie in rnd.ties
    ]
    return Text("Ties:\n  " + "\n  ".join(lines)) if lines else None


def _matrix_table(title: str, matrix: Mapping[str, Mapping[str, Any]]) -> Table:
    names = list(matrix)
    table = Table(title=title, title_justify="left")
    table.add_column("over ->")
    for n in names:
        table.add_column(n, justify="right")
    for a in names:
        table.add_row(a, *("-" if a == b else format_number(matrix[a].get(b, 0)) for b in names))
    return table


def _columns_table(title: str, columns: Mapping[str, Mapping[str, Any]], names: list[str]) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("Candidate")
    for col in columns:
        table.add_column(col.replace("_", " "), justify="right")
    for n in names:
        table.add_row(n, *(format_number(columns[col].get(n, "")) for col in columns))
    return table


def details_tables(outcome: Outcome, candidates: Iterable[str] | None = None) -> list[Table]:
    """Tables for what the method reports beside the counts."""
    names = _names(outcome, candidates)
    tables: list[Table] = []
    last = outcome.rounds[-1].details if outcome.rounds else {}
    if "against" in last:
        tables.append(_columns_table("For and against", {k: last[k] for k in ("for", "against", "neither", "net")
                                                         if k in last}, names))
    if "grades" in last:
        grades = sorted({g for h in last["grades"].values() for g in h})
        table = Table(title="Grades (weight per grade)", title_justify="left")
        table.add_column("Candidate")
        for g in grades:
            table.add_column(str(g), justify="right")
        for n in names:
            table.add_row(n, *(format_number(last["grades"].get(n, {}).get(g, 0)) for g in grades))
        tables.append(table)
    if "pairwise" in outcome.details:
        tables.append(_matrix_table("Pairwise (ballots ranking row over column)",
                                    outcome.details["pairwise"]))
    if "strongest_paths" in outcome.details:
        tables.append(_matrix_table("Strongest paths", outcome.details["strongest_paths"]))
    return tables


def after_rounds(outcome: Outcome, names: list[str] | None) -> list[RenderableType]:
    """What follows the table of rounds: each round's note, the ties and how they were settled,
    and the tables of :func:`details_tables`."""
    parts: list[RenderableType] = []
    notes = [f"round {r.number}: {r.note}" for r in outcome.rounds if r.note]
    if notes:
        parts.append(Text("\n".join(notes), style="dim"))
    ties = ties_text(outcome)
    if ties is not None:
        parts.append(ties)
    parts += details_tables(outcome, names)
    return parts


def render_outcome(outcome: Outcome, candidates: Iterable[str] | None = None) -> Group:
    """Everything a person needs to read an outcome, as one Rich renderable.

    ``candidates`` gives the row order (default: the order of the counts).
    """
    names = None if candidates is None else list(candidates)
    return Group(summary(outcome), rounds_table(outcome, names), *after_rounds(outcome, names))


def render_text(outcome: Outcome, candidates: Iterable[str] | None = None, *, width: int = 100) -> str:
    """The same as plain text (no colour), e.g. for a file or a test."""
    out = io.StringIO()
    Console(file=out, width=width, color_system=None, force_terminal=False).print(render_outcome(outcome, candidates))
    return out.getvalue()
