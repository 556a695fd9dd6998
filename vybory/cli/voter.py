"""`vybory credentials issue`, `vybory vote`, `vybory track`: the credential authority and the voter.

The credential authority runs ``credentials issue`` on its own machine: one
secret credential per voter goes into a printable letter and a CSV file for
mail merge; only the public credentials (with district and weight, without
names) go on the board. The service never sees a secret credential.

A voter runs ``vote`` with the credential from their letter: the ballot is
encrypted and signed on the voter's machine; the service checks and stores
it and returns the tracking code. ``--audit`` makes a ballot and opens it
instead (the Benaloh challenge): it shows what the ballot holds and is not cast.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any

import typer

from vybory import protocol
from vybory.cli import mail
from vybory.cli._common import (
    DbOption,
    console,
    done,
    make_identity_file,
    read_text,
    refusals,
    service_for,
    signer_identity,
    write_private,
)
from vybory.errors import InvalidInput, Refused
from vybory.mail.issued import (
    CREDENTIALS_TABLE,
    LETTER_SETTINGS,
    PUBLIC_LIST,
    check_site,
    credentials_table,
    file_name,
    letter_settings,
)
from vybory.mail.letters import Letter, letter_text
from vybory.model.canonical import parse_json
from vybory.model.definition import (
    MARK_METHODS,
    RANKED_METHODS,
    Definition,
    Voter,
    fingerprint,
    parse_definition,
    parse_roll,
)
from vybory.model.signing import AUTHORITY, sign_payload

Slug = Annotated[str, typer.Argument(help="The election's slug.", show_default=False)]
SECRET_RE = re.compile(r"\b([A-Z2-7]{4}(?:-[A-Z2-7]{4}){5})\b")


SendOption = Annotated[bool, typer.Option(
    "--send", help="E-mail each voter their letter (SMTP settings from VYBORY_SMTP_*; see docs/letters.md); "
                   "voters without an address keep the printed letter.")]
DryRunOption = Annotated[bool, typer.Option(
    "--dry-run", help="With --send: write each e-mail to OUT/mail/<roll number>.eml instead of sending it.")]
SiteOption = Annotated[str, typer.Option(
    help="The election site's web address (https://…): each letter then gives the voter the booth's link.")]
DefinitionOption = Annotated[Path | None, typer.Option(
    help="Work without a database from the election's definition (TOML) and --roll: the signed "
         "list is written to OUT/credentials.json for the commission's upload page.")]


# --- the credential authority ----------------------------------------------------------


def issue_credentials(out: Path, *, definition: Definition, fp: bytes, slug: str, voters: list[Voter],
                      identity: Path, publish: Callable[[dict[str, Any]], object] | None, site: str = "") -> int:
    """Issues one credential per voter into ``out`` (letters/ in each voter's language,
    credentials.csv with the addresses, and the public list ``credentials.json``) and, unless
    ``publish`` is None, publishes the public list. Either everything is done, or nothing: no
    files, nothing on the board."""
    if out.exists() and any(out.iterdir()):
        raise Refused(f"{str(out)!r} is not empty: credentials are written into a new folder", field="out",
                      code="folder_not_empty")
    if not voters:
        raise Refused("there is no voter roll: import one (`vybory election roll`) or pass --roll",
                      field="roll", code="no_roll")
    me = signer_identity(identity, "authority", definition.credential_authority.signing_key,
                         f"the credential authority {definition.credential_authority.name!r}")
    issued = protocol.issue_credentials(voters)
    payload = sign_payload(fp, me.signing_secret, AUTHORITY, "credentials_published", protocol.credential_list(
        definition, voters, [(public, voter.district, voter.weight) for voter, _s, public in issued]))
    partial = out.with_name(out.name + ".partial")
    if partial.exists():
        shutil.rmtree(partial)
    try:
        for voter, secret, _public in issued:
            district = definition.district(voter.district).name
            write_private(partial / "letters" / f"{file_name(voter.id)}.txt", letter_text(
                Letter(definition.title, slug, fp.hex(), voter, district, secret, site)))
        write_private(partial / LETTER_SETTINGS, letter_settings(site))
        write_private(partial / CREDENTIALS_TABLE,
                      credentials_table([(voter, secret) for voter, secret, _p in issued]))
        write_private(partial / PUBLIC_LIST, json.dumps(payload, indent=1) + "\n")
        if publish is not None:
            publish(payload)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    if out.exists():
        out.rmdir()
    partial.replace(out)
    return len(issued)


# --- the voter ----------------------------------------------------------------------------


def read_secret(credential: str | None, credential_file: Path | None) -> str:
    """The secret credential from the option or from a letter (the first credential found in it)."""
    if credential:
        return protocol.normalise_secret(credential)
    if credential_file is None:
        raise InvalidInput("give your credential with --credential or --credential-file (your letter)",
                           field="credential", code="credential_missing")
    found = SECRET_RE.search(read_text(credential_file, "credential file").upper())
    if found is None:
        raise InvalidInput(f"no credential (six groups of four letters and digits) found in "
                           f"{str(credential_file)!r}", field="credential", code="credential_missing")
    return protocol.normalise_secret(found.group(1))


def parse_choice(form: Any, text: str) -> tuple[str, Any]:
    """``CONTEST=VALUE`` in the method's shape: ``A,B`` marks (strike-out: names left standing),
    ``yes``/``no``/``abstain``, ``A:for,B:against``, ``A:5,B:3`` (scores or grades), ``C,A,B``
    (ranked: in order of preference), empty: blank."""
    contest_id, sep, value = text.partition("=")
    if not sep:
        raise InvalidInput(f"{text!r} must be CONTEST=CHOICE", field="choice", code="bad_choice")
    contest_id, value = contest_id.strip(), value.strip()
    layout = form.layout(contest_id)
    items = [v.strip() for v in value.split(",") if v.strip()]
    if layout.method in MARK_METHODS or layout.method in RANKED_METHODS:
        return contest_id, items
    if layout.method == "motion":
        return contest_id, value or None
    pairs: dict[str, Any] = {}
    for item in items:
        name, sep, what = item.rpartition(":")
        if not sep or not name:
            raise InvalidInput(f"{item!r} must be NAME:VALUE in contest {contest_id!r}", field="choice",
                               code="bad_choice")
        pairs[name.strip()] = int(what) if what.strip().lstrip("-").isdigit() else what.strip()
    return contest_id, pairs


def describe_form(form: Any) -> None:
    console.print(f"Round {form.round}, district {form.district}: your ballot has these contests.")
    for layout in form.layouts:
        contest = form.definition.contest(layout.contest)
        names = ", ".join(layout.candidates) or "yes, no, abstain"
        how = {
            "strikeout": "leave standing the name(s) you vote for: --choice {c}=NAME",
            "motion": "--choice {c}=yes|no|abstain",
            "for-against": "--choice {c}=NAME:for,OTHER:against",
            "score": "--choice {c}=NAME:SCORE,...",
            "majority-judgment": "--choice {c}=NAME:GRADE,...",
        }.get(layout.method, "--choice {c}=NAME[,NAME...]").format(c=layout.contest)
        console.print(f"  {layout.contest}: {contest.title} ({layout.method})", markup=False)
        console.print(f"     candidates: {names}", markup=False)
        console.print(f"     {how}", markup=False)


def _definition_of(path: Path, slug: str) -> Definition:
    """The definition in ``path``, refused unless it is the election ``slug``'s."""
    parsed = parse_definition(read_text(path, "definition"), source=path.name)
    if parsed.slug != slug:
        raise InvalidInput(f"{str(path)!r} defines {parsed.slug!r}, not {slug!r}", field="definition",
                           code="wrong_election")
    return parsed


def _election(slug: str, definition: Path | None, db: str | None) -> tuple[Definition, bytes, Any]:
    """The election ``slug``: from its definition file without a database (no service then), or
    from the database."""
    if definition is not None:
        parsed = _definition_of(definition, slug)
        return parsed, fingerprint(parsed), None
    service = service_for(db)
    state = service.state(slug)
    return state.definition, state.fingerprint, service


def _sent(run: Any) -> None:
    """Ends the command with exit code 1 when a letter was refused or the connection broke."""
    if run.count("refused") or run.count("failed"):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Adds this module's subcommands to `app`."""
    credentials = typer.Typer(help="The credential authority's step.", no_args_is_help=True)
    app.add_typer(credentials, name="credentials")

    @credentials.command("init")
    @refusals
    def init(
        identity: Annotated[Path, typer.Option("--identity", help="The new identity key file (kept off-line).",
                                                 show_default=False)],
        name: Annotated[str, typer.Option(help="The credential authority's name, as the definition gives it.")]
        = "credential authority",
    ) -> None:
        """Create the credential authority's identity key, before the election is defined (its signing
        key goes into the definition's [credential_authority]; the authority signs its list with it)."""
        make_identity_file(identity, "authority", name)

    @credentials.command("issue")
    @refusals
    def issue(
        slug: Slug,
        identity: Annotated[Path, typer.Option("--identity", help="The credential authority's identity key file "
                                                 "(made by `vybory credentials init`).", show_default=False)],
        out: Annotated[Path, typer.Option(help="A new folder for the letters and the mail-merge CSV.",
                                          show_default=False)],
        roll: Annotated[Path | None, typer.Option(help="Your copy of the roll (default: the one stored); its "
                                                       "email and language columns address the letters.")]
        = None,
        definition: DefinitionOption = None,
        send: SendOption = False,
        dry_run: DryRunOption = False,
        site: SiteOption = "",
        db: DbOption = None,
    ) -> None:
        """Make one secret credential per voter (letters + CSV) and publish only the public credentials;
        with --send, e-mail the letters too."""
        if dry_run and not send:
            raise InvalidInput("--dry-run goes with --send", field="dry-run", code="dry_run_without_send")
        site = check_site(site) if site else ""
        roll_text = read_text(roll, "roll") if roll is not None else None
        if definition is not None and roll is None:
            raise InvalidInput("--definition needs your copy of the roll: --roll FILE", field="roll", code="no_roll")
        parsed, fp, service = _election(slug, definition, db)
        voters = (parse_roll(roll_text, parsed, source=roll.name) if roll is not None and roll_text is not None
                  else service.roll(slug))
        settings = mail.ready(os.environ, voters, roll_text, dry_run) if send else None
        publish = None if service is None else (lambda payload: service.publish_credentials(slug, payload))
        n = issue_credentials(out, definition=parsed, fp=fp, slug=slug, voters=voters, identity=identity,
                              publish=publish, site=site)
        done(f"{n} credentials issued: letters in {str(out / 'letters')!r}, mail-merge file "
             f"{str(out / 'credentials.csv')!r}.")
        if service is None:
            done(f"Upload {str(out / PUBLIC_LIST)!r} (public credentials only) on the commission's page.")
        elif send:
            done("Only the public credentials are on the board.")
        else:
            done("Only the public credentials are on the board. Print and send the letters, then destroy the "
                 "folder.")
        if send:
            _sent(mail.send(out, parsed, fp, slug, dry_run=dry_run, settings=settings))

    @credentials.command("send")
    @refusals
    def send_issued(
        slug: Slug,
        out: Annotated[Path, typer.Option(help="The folder `vybory credentials issue` wrote the letters into.",
                                          show_default=False)],
        definition: Annotated[Path | None, typer.Option(
            help="Work without a database from the election's definition (TOML).")] = None,
        dry_run: Annotated[bool, typer.Option(
            "--dry-run", help="Write each e-mail to OUT/mail/<roll number>.eml instead of sending it.")] = False,
        db: DbOption = None,
    ) -> None:
        """E-mail the letters already issued into OUT to the voters who have not got theirs (never a new
        credential): the addresses are OUT/credentials.csv's email column, corrected there if need be."""
        if not (out / CREDENTIALS_TABLE).exists():
            raise InvalidInput(f"{str(out)!r} holds no issued letters ({CREDENTIALS_TABLE}): issue them first "
                               "with `vybory credentials issue`", field="out", code="no_letters")
        parsed, fp, _service = _election(slug, definition, db)
        _sent(mail.send(out, parsed, fp, slug, dry_run=dry_run))

    @app.command("vote")
    @refusals
    def vote(
        slug: Slug,
        choice: Annotated[list[str] | None, typer.Option(help="CONTEST=CHOICE (repeatable).")] = None,
        credential: Annotated[str | None, typer.Option(help="Your secret credential.", envvar="VYBORY_CREDENTIAL")]
        = None,
        credential_file: Annotated[Path | None, typer.Option(help="Your credential letter.")] = None,
        choices_file: Annotated[Path | None, typer.Option("--choices", help="A JSON file {contest: choice}.")]
        = None,
        blank: Annotated[bool, typer.Option(help="Cast a ballot that leaves every contest blank.")] = False,
        audit: Annotated[bool, typer.Option(help="Make and open a ballot to check it; do not cast it.")] = False,
        receipt_file: Annotated[Path | None, typer.Option("--receipt", help="Save the receipt (JSON) here, to "
                                                          "check the board with later.")] = None,
        db: DbOption = None,
    ) -> None:
        """Encrypt, sign and cast your ballot (or audit one). Without choices, shows your ballot."""
        service = service_for(db)
        secret = read_secret(credential, credential_file)
        form = service.ballot_form(slug, protocol.public_credential(secret))
        choices: dict[str, Any] = {}
        if choices_file is not None:
            loaded = parse_json(read_text(choices_file, "choices file"), field="choices file")
            if not isinstance(loaded, Mapping):
                raise InvalidInput("must be a JSON object {contest: choice}", field="choices file")
            choices.update(loaded)
        for item in choice or []:
            contest_id, value = parse_choice(form, item)
            choices[contest_id] = value
        if not choices and not blank:
            describe_form(form)
            raise typer.Exit(0)
        ballot, secrets = protocol.encrypt_ballot(form, secret, choices)
        if audit:
            opened = protocol.open_ballot(form, ballot, secrets)
            done(f"Audited ballot {secrets.tracking_code} (not cast; make a new one to vote):")
            for contest_id, value in opened.items():
                console.print(f"  {contest_id}: {json.dumps(value, ensure_ascii=False)}", markup=False)
            return
        receipt = service.cast_ballot(slug, ballot)
        done(f"Your ballot is on the board at position {receipt.position} (round {receipt.round}).")
        done(f"Tracking code: {receipt.tracking_code}")
        if receipt.replaced:
            done(f"It replaces your earlier ballot {receipt.replaced[:16]}… (only the last one counts).")
        if receipt_file is not None:
            receipt_file.write_text(json.dumps(receipt.to_json(), indent=2) + "\n", encoding="utf-8")
            done(f"Receipt saved to {str(receipt_file)!r}: check it against the board (the board page, or "
                 "`vybory verify-ballot RECORD --receipt FILE`).")

    @app.command("track")
    @refusals
    def track(
        slug: Slug,
        tracking_code: Annotated[str, typer.Argument(help="The tracking code of your receipt.",
                                                     show_default=False)],
        credential: Annotated[str | None, typer.Option(help="Your secret credential: the ballot must be "
                                                            "yours.")] = None,
        credential_file: Annotated[Path | None, typer.Option(help="Your credential letter: the ballot must be "
                                                                  "yours.")] = None,
        db: DbOption = None,
    ) -> None:
        """Find a ballot on the board by its tracking code, and whether it counts; with your credential
        (derived here, never sent), whether the credential is on the list and the ballot is yours."""
        from vybory.cli.record import print_tie
        from vybory.verify.lookup import tie_credential

        mine = None
        if credential is not None or credential_file is not None:
            mine = protocol.public_credential(read_secret(credential, credential_file)).to_hex()
        service = service_for(db)
        found = service.find_ballot(slug, tracking_code)
        state = "counts" if found.counts else f"was replaced by a later ballot ({found.superseded_by})"
        done(f"Ballot {found.tracking_code} is at board position {found.position}, round {found.round}: {state}.")
        if mine is None:
            return
        # The board's own event and list, not the server's index of them.
        board = service.state(slug)
        event = next(iter(service.events(slug, start=found.position, stop=found.position + 1)), None)
        payload = event.payload if event is not None and event.kind.value == "ballot_cast" else {}
        if payload.get("tracking_code") != found.tracking_code:
            raise Refused(f"the board's event {found.position} is not the ballot {found.tracking_code}",
                          field="tracking_code", code="board_not_this_ballot")
        ballot = payload.get("ballot")
        own = tuple((n, r.last_ballot[mine].position, r.last_ballot[mine].tracking_code)
                    for n, r in sorted(board.rounds.items()) if mine in r.last_ballot)
        tie = tie_credential(mine, {c: e.district for c, e in board.credentials.items()},
                             ballot.get("credential") if isinstance(ballot, Mapping) else None, own)
        print_tie(tie)
        if tie.findings:
            raise typer.Exit(1)
