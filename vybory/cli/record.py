"""`vybory export`, `vybory verify` and `vybory verify-ballot`: the public record and its checks.

The record is one zip archive (docs/verifier.md, "The record"). Exporting
writes it to a temporary file next to the target and renames it into place,
so a failed export leaves nothing behind. Verifying reads the archive here and
hands its bytes and its event lines to the pure verifier (``vybory.verify``);
ballots are checked on every local core (``--workers``) or on a Dask cluster
(``--dask``).

Exit codes of ``verify`` and ``verify-ballot``: 0 everything holds; 1 a check
failed (every failing item is listed); 2 the record cannot be read at all.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from vybory.cli._common import DbOption, console, errors, open_service, refusals
from vybory.errors import InvalidInput, Refused, VyboryError
from vybory.model.canonical import canonical_json
from vybory.model.definition import RANKED_METHODS
from vybory.text import say
from vybory.verify import record
from vybory.verify.heads import Head, heads_line, phase_of, read_heads
from vybory.verify.lookup import (
    BallotState,
    BallotStatus,
    CredentialTie,
    find_ballot,
    normalise_code,
)
from vybory.verify.receipt import ReceiptFinding, check_receipt, read_receipt
from vybory.verify.report import Report, Status
from vybory.verify.results import ResultsFile, ResultsFinding, check_results, read_results
from vybory.verify.verifier import RecordFiles, verify_record

EXPORT_BATCH = 2000
# Below this many events, ballots are checked in this process unless --workers says otherwise.
SMALL_RECORD = 1000
# Errors a damaged archive raises while it is read.
ARCHIVE_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError, RuntimeError)


class RecordUnreadable(Exception):
    """The record file cannot be read as a zip archive (missing, truncated, corrupt)."""


# ----------------------------------------------------------------------- export


def export_record(service: Any, slug: str, path: Path | str) -> record.Manifest:
    """Writes the public record of election ``slug`` to ``path`` (a zip archive); returns its manifest.

    The board is read in batches up to the head it had when the export began,
    so the record is one consistent prefix of the board even while ballots
    keep arriving. Only public data is written: the board's events and the
    definition (which holds no voter roll).
    """
    path = Path(path)
    head = service.head(slug)
    temporary = path.with_name(f".{path.name}.partial")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            digest = hashlib.sha256()
            size = count = 0
            last_hash = ""
            definition_json: dict[str, Any] | None = None
            title = slug
            with archive.open(record.EVENTS, "w", force_zip64=True) as out:
                start = 1
                while start <= head.position:
                    batch = service.events(slug, start=start, stop=min(start + EXPORT_BATCH, head.position + 1))
                    if not batch:
                        break
                    for event in batch:
                        if definition_json is None:
                            definition_json = dict(event.payload["definition"])
                            title = str(definition_json.get("title", slug))
                        line = event.to_line() + b"\n"
                        out.write(line)
                        digest.update(line)
                        size += len(line)
                        count += 1
                        last_hash = event.hash.hex()
                    start += len(batch)
            if count != head.position or last_hash != head.hash:
                raise Refused("the board changed while it was exported; export again", field="board",
                              code="board_changed")
            assert definition_json is not None
            definition = canonical_json(definition_json)
            fingerprint = hashlib.sha256(definition).hexdigest()
            readme = record.readme_text(election=slug, title=title, fingerprint=fingerprint, events=count,
                                        head=last_hash).encode("utf-8")
            archive.writestr(record.DEFINITION, definition)
            archive.writestr(record.README, readme)
            manifest = record.Manifest(slug, fingerprint, count, last_hash, {
                record.DEFINITION: record.FileEntry(hashlib.sha256(definition).hexdigest(), len(definition)),
                record.EVENTS: record.FileEntry(digest.hexdigest(), size),
                record.README: record.FileEntry(hashlib.sha256(readme).hexdigest(), len(readme)),
            })
            archive.writestr(record.MANIFEST, json.dumps(manifest.to_json(), indent=2, sort_keys=True) + "\n")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return manifest


# ------------------------------------------------------------------------ read


@contextmanager
def open_record(path: Path | str) -> Iterator[RecordFiles]:
    """The record at ``path`` as :class:`RecordFiles`; raises :class:`RecordUnreadable` with the reason."""
    path = Path(path)
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise RecordUnreadable(f"{str(path)!r} does not exist") from None
    except IsADirectoryError:
        raise RecordUnreadable(f"{str(path)!r} is a folder, not a record") from None
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise RecordUnreadable(f"{str(path)!r} is not a zip archive (truncated or damaged?): {exc}") from None
    with archive:
        try:
            damaged = archive.testzip()
        except ARCHIVE_ERRORS as exc:
            raise RecordUnreadable(f"{str(path)!r} is damaged: {exc}") from None
        if damaged is not None:
            raise RecordUnreadable(f"{str(path)!r} is damaged: the file {damaged!r} inside it fails its checksum")
        listed = archive.namelist()
        names = set(listed)
        others = tuple(sorted(n for n in names if n not in (record.MANIFEST, *record.FILES)))
        if len(listed) != len(names):
            others += tuple(sorted({n for n in listed if listed.count(n) > 1}))

        def small(name: str) -> bytes | None:
            return archive.read(name) if name in names else None

        def events() -> Iterator[bytes]:
            try:
                with archive.open(record.EVENTS) as handle:
                    yield from _lines(handle)
            except ARCHIVE_ERRORS as exc:
                raise RecordUnreadable(f"{str(path)!r} is damaged: {exc}") from None

        try:
            files = RecordFiles(small(record.MANIFEST), small(record.DEFINITION), small(record.README),
                                events if record.EVENTS in names else None, others)
        except ARCHIVE_ERRORS as exc:
            raise RecordUnreadable(f"{str(path)!r} is damaged: {exc}") from None
        yield files


def _lines(handle: Any) -> Iterator[bytes]:
    """The lines of ``handle``, each with its newline (the last one may have none), read a
    megabyte at a time: a zip member's own readline costs several Python calls a line."""
    rest = b""
    while chunk := handle.read(1 << 20):
        buffer = rest + chunk if rest else chunk
        start = 0
        find = buffer.find
        while (end := find(b"\n", start)) >= 0:
            yield buffer[start:end + 1]
            start = end + 1
        rest = buffer[start:]
    if rest:
        yield rest


def record_checker(workers: int | None, dask: str | None, events: int | None = None) -> Any:
    """The ballot checker the options ask for: a Dask cluster, a process pool, or this process.

    Without ``workers``: every core, except for a record of fewer than :data:`SMALL_RECORD`
    events (``events``, from its manifest), checked here, faster than starting processes."""
    from vybory.verify.jobs import check_sequentially

    if dask:
        from vybory.scale import dask_checker

        return dask_checker(dask)
    from vybory.scale import local_cores, process_checker

    if workers is None and events is not None and events < SMALL_RECORD:
        return check_sequentially
    count = workers if workers is not None else local_cores()
    if count < 1:
        raise InvalidInput("must be at least 1", field="--workers")
    return check_sequentially if count == 1 else process_checker(count)


def run_verification(path: Path | str, *, workers: int | None = 1, dask: str | None = None,
                     published_head: str | None = None, expected_fingerprint: str | None = None,
                     progress: bool = False, heads: list[Head] | None = None) -> Report:
    """Verifies the record at ``path`` (raises :class:`RecordUnreadable` when it cannot be read)."""
    if workers is not None and workers < 1:
        raise InvalidInput("must be at least 1", field="--workers")
    with open_record(path) as files:
        checker = record_checker(workers, dask, _event_total(files))
        if not progress:
            return verify_record(files, checker=checker, published_head=published_head,
                                 expected_fingerprint=expected_fingerprint, heads=heads or ())
        total = _event_total(files)
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("events"),
                   TextColumn("[dim]{task.fields[ballots]} ballots checked"), TimeElapsedColumn())
        with Progress(*columns, console=errors, transient=True) as bar:
            task = bar.add_task("Checking the board and the ballots", total=total, ballots=0)

            def report_progress(phase: str, events: int, ballots: int) -> None:
                words = "Checking the board and the ballots" if phase == "board" else "Recomputing the tallies"
                bar.update(task, completed=events, ballots=ballots, description=words)

            return verify_record(files, checker=checker, published_head=published_head,
                                 expected_fingerprint=expected_fingerprint, progress=report_progress,
                                 heads=heads or ())


def _event_total(files: RecordFiles) -> int | None:
    try:
        return record.parse_manifest(files.manifest).events if files.manifest else None
    except VyboryError:  # the verifier reports a bad manifest; the bar just has no total
        return None


# ------------------------------------------------------------------------ print


def record_heads(files: RecordFiles) -> list[Head]:
    """The head after each phase change of the record's board, and its last head (a heads file's lines)."""
    out: list[Head] = []
    last: Head | None = None
    if files.events is None:
        return out
    for line in files.events():
        obj = json.loads(line)
        last = Head(obj["position"], obj["hash"], phase_of(obj["kind"], obj["payload"]) or "")
        if last.label:
            out.append(last)
    if last is not None and (not out or out[-1] != last):
        out.append(Head(last.position, last.hash, "last event"))
    return out


def print_witnessed(report: Report, *, anchored: bool) -> None:
    """The plain statement of which part of the record its trustees witnessed (spec §10.6)."""
    if report.witnessed is None:
        return
    for line in report.witnessed.lines():
        style = "bold yellow" if line.startswith("NOT") else "bold"
        head, _, rest = line.partition(":")
        console.print(f"[{style}]{head}[/]:", end="")
        console.print(rest, markup=False)
    latest = report.witnessed.latest
    if not anchored and (latest is None or latest.position < report.events):
        console.print("  Compare this record's head with one published elsewhere (a newspaper, the minutes of "
                      "the count, an observer's heads file): `vybory verify RECORD --head HASH` or "
                      "`--heads FILE`.", markup=False)


def results_findings(path: Path, report: Report, results: ResultsFile) -> list[ResultsFinding]:
    """A downloaded results file against the record at ``path`` (already verified as ``report``)."""
    with open_record(path) as files:
        if files.events is None:
            return [ResultsFinding("results_head", say("the record has no board to compare the results file with"))]
        return check_results(files.events(), report.fingerprint, results)


def print_results(findings: list[ResultsFinding]) -> None:
    if not findings:
        console.print("[green]The results file copies the record's declared outcomes exactly.[/]")
        return
    console.print("[bold red]The results file does NOT say what the record says:[/]")
    for f in findings:
        console.print(f"  [bold]{f.code}[/]: ", end="")
        console.print(str(f.message), markup=False)


def print_report(report: Report) -> None:
    console.print(f"Election [bold]{report.election or '?'}[/]  fingerprint {report.fingerprint or '?'}")
    console.print(f"{report.events} events, {report.ballots} ballots, head {report.head}")
    for check in report.checks:
        mark = {Status.PASSED: "[green]ok[/]", Status.FAILED: "[bold red]FAILED[/]",
                Status.NOT_RUN: "[yellow]not run[/]"}[check.status]
        counted = f" ({check.checked} checked)" if check.checked else ""
        console.print(f"{check.spec.number:>2}. {check.spec.title} [dim]\\[{check.spec.spec}][/]{counted}: {mark}")
        for finding in check.findings:
            console.print(f"      - {finding}", markup=False)
        if check.status is Status.NOT_RUN:
            console.print(f"      {check.reason}", markup=False)
        for note in check.notes:
            console.print(f"      [dim]note: {note}[/]")
    if report.ok:
        console.print("[bold green]verified[/]: every check holds")
    else:
        failing = sum(c.failures for c in report.checks)
        console.print(f"[bold red]NOT verified[/]: {failing} failing item(s) in "
                      f"{sum(1 for c in report.checks if c.status is Status.FAILED)} check(s)")


def print_status(status: BallotStatus) -> None:
    where = f"event {status.position}" if status.position else ""
    state = status.state
    if state is BallotState.COUNTED:
        console.print(f"[bold green]counted[/]: ballot {status.tracking_code} is on the board at {where} "
                      f"(round {status.round}) and is counted in the round's encrypted tally (event "
                      f"{status.tally_position}).")
    elif state is BallotState.SUPERSEDED:
        assert status.superseded_by is not None
        console.print(f"[bold yellow]superseded[/]: ballot {status.tracking_code} is on the board at {where} "
                      f"(round {status.round}), but a later ballot of the same credential replaces it: "
                      f"{status.superseded_by[1]} at event {status.superseded_by[0]}.")
    elif state is BallotState.NOT_YET_COUNTED:
        console.print(f"[bold]on the board[/]: ballot {status.tracking_code} is at {where} (round {status.round}) "
                      "and is the credential's latest ballot; the round is not tallied yet.")
    elif state is BallotState.INVALID:
        console.print(f"[bold red]invalid[/]: ballot {status.tracking_code} is on the board at {where} but does "
                      "not count: ", end="")
        console.print(status.problem, markup=False)
    else:
        console.print(f"[bold red]not found[/]: no ballot with the tracking code {status.tracking_code} is in "
                      f"this record ({status.events} events, head {status.head}).")
    if not status.board_intact:
        console.print("[bold red]warning[/]: the record's board does not check (run `vybory verify`).")
    elif state is BallotState.COUNTED and not status.tally_matches:
        console.print("[bold red]warning[/]: a published encrypted tally does not match the board "
                      "(run `vybory verify`).")


def public_credential_hex(credential: str | None, credential_file: Path | None) -> str:
    """The public credential (hex) of the secret one given or found in a letter, derived here."""
    from vybory.cli.voter import read_secret
    from vybory.protocol.credentials import public_credential

    return public_credential(read_secret(credential, credential_file)).to_hex()


def print_tie(tie: CredentialTie) -> None:
    """Whether the ballot is the voter's: the credential listed, the ballot cast with it."""
    if tie.listed:
        console.print(f"[bold green]your credential is on the list[/] (district {tie.district}).")
    if tie.ballot_credential == tie.credential:
        console.print("[bold green]yours[/]: this ballot was cast with your credential.")
    for code, message in tie.findings:
        console.print(f"[bold red]not yours[/] ({code}): ", end="")
        console.print(message, markup=False)
    for number, position, code in tie.own_ballots:
        console.print(f"  your credential's latest ballot in round {number}: {code} (event {position})",
                      markup=False)
    if tie.listed and not tie.own_ballots:
        console.print("  no ballot of your credential is on this board.")


def print_receipt(position: int, findings: list[ReceiptFinding]) -> None:
    if not findings:
        console.print(f"[bold green]receipt holds[/]: event {position} is in this record's chain with the hash "
                      "your receipt names, so the board up to your ballot is the one you saw.")
        return
    for finding in findings:
        console.print(f"[bold red]receipt broken[/] ({finding.code}): ", end="")
        console.print(finding.message, markup=False)


# ---------------------------------------------------------------------- commands


def register(app: typer.Typer) -> None:
    """Adds `export`, `verify` and `verify-ballot` to `app`."""

    @app.command("export")
    @refusals
    def export_command(
        election: Annotated[str, typer.Argument(metavar="ELECTION", help="The election's slug.")],
        path: Annotated[Path, typer.Argument(metavar="RECORD", help="The zip archive to write.")],
        db: DbOption = None,
    ) -> None:
        """Write the election's public record (a zip archive) for anyone to verify."""
        manifest = export_record(open_service(db), election, path)
        console.print(f"Wrote {path}: {manifest.events} events, head {manifest.head}")
        console.print(f"Verify it with: vybory verify {path} --head {manifest.head}", markup=False)

    @app.command("verify")
    def verify_command(
        path: Annotated[Path, typer.Argument(metavar="RECORD", help="The record (zip archive) to verify.")],
        as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
        dask: Annotated[str | None, typer.Option("--dask", metavar="ADDRESS",
                                                 help="Check the ballots on this Dask scheduler.")] = None,
        workers: Annotated[int | None, typer.Option("--workers", min=1,
                                                    help="Local processes checking ballots (default: every "
                                                         "core, or this process alone for a record under "
                                                         "1000 events; 1: in this process).")] = None,
        head: Annotated[str | None, typer.Option("--head", metavar="HASH",
                                                 help="The head hash the election published: the record must "
                                                      "end there.")] = None,
        fingerprint: Annotated[str | None, typer.Option("--fingerprint", metavar="HEX",
                                                        help="The fingerprint of the election you mean to "
                                                             "check.")] = None,
        heads: Annotated[Path | None, typer.Option("--heads", metavar="FILE",
                                                   help="A heads file published elsewhere (lines of position, "
                                                        "hash, phase): the record must hold every head.")] = None,
        results: Annotated[Path | None, typer.Option("--results", metavar="FILE",
                                                     help="A results file downloaded from the server "
                                                          "(results.json): it must copy the record's declared "
                                                          "outcomes exactly, leaving none out.")] = None,
    ) -> None:
        """Check the whole record: chain, definition, key ceremony, every ballot, tallies, decisions."""
        try:
            given = None
            if heads is not None:
                try:
                    given = read_heads(heads.read_bytes(), source=str(heads))
                except OSError as exc:
                    raise InvalidInput(f"the heads file cannot be read: {exc.strerror}", field="heads") from None
            downloaded = None
            if results is not None:
                try:
                    downloaded = read_results(results.read_bytes())
                except OSError as exc:
                    raise InvalidInput(f"the results file cannot be read: {exc.strerror}", field="results") from None
            report = run_verification(path, workers=workers, dask=dask, published_head=head,
                                      expected_fingerprint=fingerprint,
                                      progress=not as_json and errors.is_terminal, heads=given)
            compared = None if downloaded is None else results_findings(path, report, downloaded)
        except RecordUnreadable as exc:
            _unreadable(exc, as_json)
        except InvalidInput as exc:
            errors.print(f"[bold red]Bad input[/] ({exc.code}, {exc.field}): ", end="")
            errors.print(str(exc), markup=False)
            raise typer.Exit(2) from None
        if as_json:
            answer = report.to_json()
            if compared is not None:
                answer["results"] = {"matches": not compared,
                                     "findings": [{"code": f.code, "message": str(f.message)} for f in compared]}
            print(json.dumps(answer, indent=2, ensure_ascii=False))
        else:
            print_report(report)
            print_witnessed(report, anchored=head is not None or heads is not None)
            if compared is not None:
                print_results(compared)
        raise typer.Exit(0 if report.ok and not compared else 1)

    @app.command("heads")
    def heads_command(
        path: Annotated[Path, typer.Argument(metavar="RECORD", help="The record (zip archive).")],
    ) -> None:
        """Print the record's heads file: the head after each phase change and the last (publish it
        elsewhere; anyone can then check a later record with `vybory verify --heads`)."""
        try:
            with open_record(path) as files:
                found = record_heads(files)
        except RecordUnreadable as exc:
            _unreadable(exc, False)
        except (ValueError, KeyError, TypeError) as exc:
            errors.print("[bold red]The record's board cannot be read[/]: ", end="")
            errors.print(str(exc), markup=False)
            raise typer.Exit(2) from None
        print("# vybory heads: position, hash, phase (one line per phase change)")
        for h in found:
            print(heads_line(h), end="")

    @app.command("verify-ballot")
    def verify_ballot_command(
        path: Annotated[Path, typer.Argument(metavar="RECORD", help="The record (zip archive).")],
        tracking_code: Annotated[str | None, typer.Argument(help="The tracking code your receipt shows "
                                                                 "(not needed with --receipt).")] = None,
        receipt: Annotated[Path | None, typer.Option("--receipt", metavar="FILE",
                                                     help="Your receipt (the JSON the board gave on casting): "
                                                          "its event must be in this record's chain, "
                                                          "unchanged.")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
        credential: Annotated[str | None, typer.Option("--credential", help="Your secret credential: the "
                                                       "ballot must be yours.")] = None,
        credential_file: Annotated[Path | None, typer.Option("--credential-file", metavar="LETTER",
                                                             help="Your credential letter: the ballot must be "
                                                                  "yours.")] = None,
        audit: Annotated[Path | None, typer.Option("--audit", metavar="FILE",
                                                   help="The audit file the booth offered for a ballot you "
                                                        "audited (not cast): opens it with this record's "
                                                        "election key and prints the choices it holds.")] = None,
    ) -> None:
        """Check that your ballot is on the board and counted (or superseded by a later one of yours);
        with your credential, that it is yours. With --audit, check an audited ballot instead."""
        if audit is not None:
            given = [name for name, value in (("TRACKING_CODE", tracking_code), ("--receipt", receipt),
                                              ("--credential", credential), ("--credential-file", credential_file))
                     if value is not None]
            verify_audit(path, audit, given, as_json)
        claim = None
        mine = None
        try:
            if credential is not None or credential_file is not None:
                mine = public_credential_hex(credential, credential_file)
            if receipt is not None:
                try:
                    claim = read_receipt(receipt.read_bytes())
                except OSError as exc:
                    raise InvalidInput(f"the receipt file cannot be read: {exc.strerror}", field="receipt") from None
                if tracking_code is not None and normalise_code(tracking_code) != claim.tracking_code:
                    raise InvalidInput("the tracking code given is not the receipt's", field="tracking_code")
                tracking_code = claim.tracking_code
            if tracking_code is None:
                raise InvalidInput("give the tracking code or --receipt FILE", field="tracking_code")
        except InvalidInput as exc:
            errors.print(f"[bold red]Bad input[/] ({exc.field}): ", end="")
            errors.print(str(exc), markup=False)
            raise typer.Exit(2) from None
        findings: list[ReceiptFinding] = []
        try:
            with open_record(path) as files:
                status = find_ballot(files, tracking_code, mine)
                if claim is not None and files.events is not None:
                    findings = check_receipt(files.events(), status.fingerprint, claim)
        except RecordUnreadable as exc:
            _unreadable(exc, as_json)
        if as_json:
            answer = status.to_json()
            if claim is not None:
                answer["receipt"] = {"holds": not findings,
                                     "findings": [{"code": f.code, "message": f.message} for f in findings]}
            print(json.dumps(answer, indent=2))
        else:
            print_status(status)
            if claim is not None:
                print_receipt(claim.position, findings)
            if status.tie is not None:
                print_tie(status.tie)
        good = status.state in (BallotState.COUNTED, BallotState.SUPERSEDED, BallotState.NOT_YET_COUNTED)
        yours = status.tie is None or not status.tie.findings
        raise typer.Exit(0 if good and yours and not findings and status.board_intact
                         and (status.state is not BallotState.COUNTED or status.tally_matches) else 1)


def verify_audit(path: Path, audit_path: Path, given: list[str], as_json: bool) -> None:
    """`verify-ballot RECORD --audit FILE`: opens the booth's audit file with the record's key and
    prints what the ballot holds; exits 0 when it opens, 1 when it does not, 2 on bad input."""
    from vybory.protocol.encrypt import values_to_choice
    from vybory.verify.audit import check_audit, read_audit

    try:
        if given:
            raise InvalidInput(f"--audit checks a ballot that was audited, never cast: give the record and the "
                               f"audit file only, not {', '.join(given)}", field="--audit")
        try:
            data = audit_path.read_bytes()
        except OSError as exc:
            raise InvalidInput(f"the audit file cannot be read: {exc.strerror}", field="--audit") from None
        parsed = read_audit(data)
    except InvalidInput as exc:
        if as_json:
            print(json.dumps({"holds": False, "error": "bad_input", "field": exc.field, "message": exc.message}))
        else:
            errors.print(f"[bold red]Bad input[/] ({exc.field}): ", end="")
            errors.print(exc.message, markup=False)
        raise typer.Exit(2) from None
    try:
        with open_record(path) as files:
            result = check_audit(files, parsed)
    except RecordUnreadable as exc:
        _unreadable(exc, as_json)
    choices = {c: values_to_choice(result.layouts[c], v) for c, v in result.values.items()}
    if as_json:
        answer = result.to_json()
        answer["choices"] = choices
        print(json.dumps(answer, indent=2, ensure_ascii=False))
    elif result.findings:
        for finding in result.findings:
            console.print(f"[bold red]does not hold[/] ({finding.code}, {finding.field}): ", end="")
            console.print(str(finding.message), markup=False)
        console.print("Do not vote on the device that made this ballot; tell the commission and show them "
                      "the audit file.")
    elif not result.board_intact:
        console.print("[bold red]does not hold[/]: the record does not check (its board, definition or key "
                      "ceremony), so its key may not be the election's: run `vybory verify` on it.")
    else:
        where = f"round {result.round}" + (f", district {result.district!r}" if result.district else "")
        console.print(f"[bold green]opens[/]: under this election's key ({where}) the audited ballot holds:")
        for contest, choice in choices.items():
            ranked = result.layouts[contest].method in RANKED_METHODS
            console.print(f"  {result.titles.get(contest, contest)}: {describe_choice(choice, ranked)}", markup=False)
        console.print("If these are the choices you made in the booth, it encrypted your ballot faithfully. "
                      "An audited ballot is never counted: vote again to cast one.")
    if not result.board_intact and result.findings:
        console.print("[bold red]warning[/]: the record's board does not check (run `vybory verify`).")
    raise typer.Exit(0 if result.holds else 1)


def describe_choice(choice: Any, ranked: bool = False) -> str:
    """A readable choice (``values_to_choice``): names, a ranking, yes/no, grades, or nothing."""
    if choice is None or choice == [] or choice == {}:
        return "no mark"
    if isinstance(choice, str):
        return choice
    if isinstance(choice, list) and ranked:
        return "; ".join(f"{k}. {name}" for k, name in enumerate(choice, 1))
    if isinstance(choice, list):
        return ", ".join(choice)
    return "; ".join(f"{name}: {value}" for name, value in choice.items())


def _unreadable(exc: RecordUnreadable, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"verified": False, "error": "record_unreadable", "message": str(exc)}))
    else:
        errors.print("[bold red]The record cannot be read[/]: ", end="")
        errors.print(str(exc), markup=False)
    raise typer.Exit(2)


__all__ = ["RecordUnreadable", "export_record", "open_record", "print_report", "run_verification"]
