"""`vybory credentials send` (and `credentials issue --send`): the credential authority e-mails
the letters it issued, from its own machine, to the addresses of its copy of the roll.

The letters and their credentials come from the folder ``credentials issue`` wrote
(``credentials.csv``, checked against the signed list ``credentials.json``): sending never
makes a credential. The journal ``delivery.csv`` in that folder records every voter's
outcome; a second run sends only to the voters who have not got their letter. ``--dry-run``
writes each e-mail as ``mail/<roll number>.eml`` instead of sending it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from vybory.cli._common import console, done, write_private
from vybory.mail.issued import DRY_RUN_FOLDER, check_can_send, file_name, issued_letters
from vybory.mail.sending import (
    JOURNAL,
    MailSettings,
    Run,
    probe,
    read_sender,
    send_letters,
    write_messages,
)
from vybory.model.definition import Definition, Voter

__all__ = ["ready", "send"]


def ready(env: Mapping[str, str], voters: list[Voter], roll_text: str | None, dry_run: bool) -> MailSettings | None:
    """Before anything is issued: the settings are good, the roll has addresses and (unless it is a
    dry run) the mail server takes the connection and the login."""
    settings = check_can_send(env, voters, roll_text, dry_run)
    if settings is not None:
        probe(settings)
    return settings


def send(folder: Path, definition: Definition, fp: bytes, slug: str, *, dry_run: bool,
         settings: MailSettings | None = None) -> Run:
    """Sends (or, with ``dry_run``, writes) the letters issued into ``folder``; prints the report."""
    letters = issued_letters(folder, definition, fp, slug)
    env = dict(os.environ)
    if dry_run:
        target = folder / DRY_RUN_FOLDER
        run = write_messages(letters, read_sender(env), target, now=datetime.now(UTC), write=write_private,
                             file_name=file_name)
        done(f"Dry run: {run.count('written')} e-mails written to {str(target)!r} (one .eml file per voter), "
             "nothing sent.")
        _report(run, folder)
        done(f"The per-voter report: {str(target / JOURNAL)!r}.")
        return run
    settings = settings or MailSettings.from_environment(env)
    done(f"Sending the letters through {settings.where()}, from {settings.sender.addr_spec}:")
    run = send_letters(letters, settings, folder / JOURNAL)
    if not run.outcomes:
        done("Every voter with an address has already got a letter: nothing to send.")
        return run
    _report(run, folder)
    done(f"The per-voter report: {str(folder / JOURNAL)!r} (each voter's last line is their outcome).")
    return run


def _report(run: Run, folder: Path) -> None:
    counts = ", ".join(f"{what.replace('_', ' ')}: {run.count(what)}"
                       for what in ("sent", "written", "refused", "failed", "no_address") if run.count(what))
    done(f"  {counts}")
    for outcome in run.outcomes:
        if outcome.outcome == "refused":
            console.print(f"  refused: {outcome.voter_id} <{outcome.email}>: {outcome.detail}", markup=False)
        elif outcome.outcome == "failed":
            console.print(f"  failed: {outcome.voter_id} <{outcome.email}>: {outcome.detail} (the letter may "
                          "or may not have arrived)", markup=False)
        elif outcome.outcome == "no_address":
            console.print(f"  no address: {outcome.voter_id}: print the letter "
                          f"{str(folder / 'letters' / (file_name(outcome.voter_id) + '.txt'))!r}", markup=False)
    if run.lost:
        left = len(run.skipped)
        untried = "1 letter was not tried" if left == 1 else f"{left} letters were not tried"
        console.print(f"The connection to the mail server broke ({run.lost}); {untried}. Run "
                      f"`vybory credentials send ... --out {folder!s}` again: it sends only to the voters "
                      "without a letter.", markup=False)
