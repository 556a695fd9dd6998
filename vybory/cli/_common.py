"""What every `vybory` subcommand shares: the --db option, opening the service,
reading files, and turning refusals into one clear line and an exit code.

Exit codes: 0 done; 1 refused by the election's rules or state (the message
says why, with its code); 2 bad input (a file or value that cannot be read).
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from vybory.errors import InvalidDefinition, InvalidEncoding, InvalidInput, Refused, VyboryError
from vybory.model.identity import IdentityKey, read_identity

console = Console(highlight=False, soft_wrap=True)
errors = Console(stderr=True, highlight=False, soft_wrap=True)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="VYBORY_DATABASE_URL",
        help="Database URL (default: sqlite:///vybory.sqlite in the current directory).",
        show_default=False,
    ),
]

F = TypeVar("F", bound=Callable[..., Any])

INPUT_ERRORS = (InvalidInput, InvalidEncoding, InvalidDefinition)


def report(error: VyboryError) -> int:
    """Prints a refusal for a person to read; returns the exit code it deserves."""
    if isinstance(error, InvalidDefinition):
        errors.print(f"[bold red]The election definition is refused[/] ({error.code}):")
        for problem in error.problems:
            errors.print(f"  - {problem}", markup=False)
        return 2
    label = "Bad input" if isinstance(error, INPUT_ERRORS) else "Refused"
    errors.print(f"[bold red]{label}[/] ({error.code}): ", end="")
    errors.print(str(error), markup=False)
    return 2 if isinstance(error, INPUT_ERRORS) else 1


def refusals(function: F) -> F:
    """Decorator: a VyboryError ends the command with its message and exit code, never a traceback."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except VyboryError as error:
            raise typer.Exit(report(error)) from None

    return wrapper  # type: ignore[return-value]


def read_text(path: Path, what: str) -> str:
    """The UTF-8 text of ``path``, or a clear InvalidInput naming the file."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInput(f"{what} {str(path)!r} does not exist", field=what, code="file_missing") from None
    except IsADirectoryError:
        raise InvalidInput(f"{what} {str(path)!r} is a folder, not a file", field=what, code="file_missing") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{what} {str(path)!r} is not UTF-8 text", field=what, code="file_unreadable") from None
    except OSError as exc:
        raise InvalidInput(f"{what} {str(path)!r} cannot be read: {exc.strerror}", field=what,
                           code="file_unreadable") from None


def write_private(path: Path, data: str | bytes) -> None:
    """Writes a file only its owner can read (key files, credential letters), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".partial")
    raw = data.encode("utf-8") if isinstance(data, str) else data
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(raw)
    os.replace(temporary, path)


def done(message: str) -> None:
    console.print(message)


def fail(message: str, code: int = 1) -> None:
    """Ends the command with ``message`` on standard error."""
    errors.print(message, markup=False)
    raise typer.Exit(code)


NOW_VARIABLE = "VYBORY_NOW"


def command_clock():  # type: ignore[no-untyped-def]
    """The clock of a command: the system's, or the fixed time in ``$VYBORY_NOW`` (rehearsals, tests).

    With ``VYBORY_NOW`` every event the command writes carries that time; a
    rehearsal of an election can so walk through its deadlines in minutes.
    """
    from vybory.model.definition import parse_time
    from vybory.service import ManualClock, system_clock

    fixed = os.environ.get(NOW_VARIABLE)
    if not fixed:
        return system_clock
    try:
        return ManualClock(parse_time(fixed))
    except ValueError as exc:
        raise InvalidInput(f"${NOW_VARIABLE}: {exc}", field=NOW_VARIABLE, code="bad_time") from None


def service_for(db: str | None):  # type: ignore[no-untyped-def]
    """The election service on the database ``db`` (default: ``$VYBORY_DATABASE_URL`` or ./vybory.sqlite)."""
    from vybory.service import ElectionService
    from vybory.store import Database

    service = ElectionService(Database(db), clock=command_clock())
    record_booth(service)
    return service


def record_booth(service: Any) -> None:
    """Rounds opened from here record the SHA-256 of the booth this installation serves."""
    from vybory.web.booth.manifest import booth_digest

    service.booth_digest = booth_digest()


def print_decision(decision: Any, out: Console | None = None) -> None:
    """The results of one decided round as a table per contest."""
    from rich.table import Table

    out = out or console
    for result in decision.results:
        title = f"{result.title} ({result.district}) - round {decision.round}"
        if result.kind != "first":
            title += f", {result.kind}"
        table = Table(title=title, title_justify="left", show_edge=False)
        table.add_column("selection")
        table.add_column("votes", justify="right")
        table.add_column("share", justify="right")
        table.add_column("")
        ballots = max(result.ballots, 1)
        for label, votes in sorted(result.counts.items(), key=lambda kv: (-kv[1], kv[0])):
            name = label.split(":")[0]
            mark = ""
            if name in result.winners and not label.endswith(":against"):
                mark = "elected" if result.method != "motion" else "passed"
            elif name in result.runoff_candidates:
                mark = "to the runoff"
            table.add_row(label, str(votes), f"{100 * votes / ballots:.1f}%", mark)
        out.print(table)
        words = {
            "elected": "elected: " + ", ".join(result.winners) if result.winners else "decided",
            "runoff_required": "runoff required between " + " and ".join(result.runoff_candidates),
            "repeat_required": "repeat election required",
            "no_decision": "no decision",
        }.get(result.status, result.status)
        if result.method == "motion":
            words = "the motion passed" if result.winners else "the motion did not pass"
        turnout = f"{result.ballots} ballots counted, {result.registered} registered voters"
        out.print(f"  [bold]{words}[/]  ({turnout})")
        if result.reason:
            out.print(f"  {result.reason}", markup=False)
        out.print()
    if decision.skipped:
        for trustee, why in decision.skipped.items():
            out.print(f"[yellow]decryption share of trustee {trustee} skipped:[/] {why}")
    if decision.next_round:
        out.print(f"[bold]Round {decision.next_round} is open[/] for the contests that need it.")


def open_service(db: str | None):  # type: ignore[no-untyped-def]
    """The election service on the database ``db`` (the same as :func:`service_for`)."""
    return service_for(db)


def read_identity_file(path: Path, role: str) -> IdentityKey:
    """The identity key file at ``path`` (made by ``vybory trustee|credentials|commission init``)."""
    return read_identity(read_text(path, "identity key file"), role=role, source=str(path))


def signer_identity(path: Path, role: str, expected: Any, who: str) -> IdentityKey:
    """The identity key file at ``path``, refused unless its signing key is ``expected``, the key
    the definition names for ``who`` (a signature with another key would be refused on the board)."""
    me = read_identity_file(path, role)
    if me.signing_key != expected:
        raise Refused(f"{str(path)!r} holds the signing key {me.signing_key.to_hex()[:16]}…, but the definition "
                      f"names {expected.to_hex()[:16]}… for {who}: use that key's file",
                      field="identity key file", code="not_the_definitions_key")
    return me


def make_identity_file(path: Path, role: str, id: str) -> IdentityKey:
    """Creates a new identity key file (0600, never overwritten) and says what to put in the definition."""
    if path.exists():
        raise Refused(f"{str(path)!r} already exists: an identity key file is never overwritten",
                      field="identity key file", code="key_file_exists")
    key = IdentityKey.generate(role, id)
    write_private(path, json.dumps(key.to_json(), indent=2) + "\n")
    done(f"identity key of {role} {id!r} written to {str(path)!r} (keep it safe, off-line if you can).")
    done(f"signing_key = \"{key.signing_key.to_hex()}\"")
    done("Give this signing_key to the commission: the election definition names it.")
    return key
