"""`vybory roll publish`, `vybory roll sign`: the commission signs the voter roll; `vybory roll lookup`,
`vybory roll complain`, `vybory roll answer`: the roll posted for inspection (``public_roll``).

The commission reads its own copy of the roll on its own machine and puts on
the board (``roll_published``) only, per district, the number of voters, their
weights and a commitment to the roll numbers with their weights; no name and
no roll number. ``publish`` sends it to the service (and stores the private
roll there for the credential authority); ``sign`` writes it to a file for the
commission's web page (the server never sees the commission's key).

With ``public_roll`` (docs/spec.md §12.1a) ``lookup`` finds a roll number on the
board's latest roll after checking the commission's signature and the entries
against the signed counts itself; ``complain`` files a complaint and keeps its
head in the complainant's heads file; ``answer`` signs the commission's answer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from vybory import protocol
from vybory.cli._common import (
    DbOption,
    done,
    read_text,
    refusals,
    service_for,
    signer_identity,
    write_private,
)
from vybory.errors import InvalidInput, Refused
from vybory.mail.issued import roll_has_addresses
from vybory.model.definition import (
    Definition,
    definition_from_json,
    fingerprint,
    parse_definition,
    parse_roll,
)
from vybory.model.roll import find_voter, read_roll, read_voter_id
from vybory.model.signing import COMMISSION, check_payload_signature, sign_payload
from vybory.text import say
from vybory.verify.heads import Head, heads_line

Slug = Annotated[str, typer.Argument(help="The election's slug.", show_default=False)]
IdentityOption = Annotated[Path, typer.Option("--identity", help="The commission's identity key file (made by "
                                           "`vybory commission init`).", show_default=False)]
RollFile = Annotated[Path, typer.Argument(help="The voter roll (CSV: id,name,district,weight).",
                                          show_default=False)]


def roll_statement(definition: Definition, fp: bytes, roll_text: str, source: str, identity: Path) -> dict[str, Any]:
    """The commission's ``roll_published`` payload for the roll in ``roll_text``, signed with the
    commission's identity key (the one the definition names)."""
    me = signer_identity(identity, "commission", definition.commission_key, "the commission")
    body = protocol.publish_roll(definition, parse_roll(roll_text, definition, source=source))
    return sign_payload(fp, me.signing_secret, COMMISSION, "roll_published", body)


def describe(payload: dict[str, Any]) -> None:
    for line in payload["districts"]:
        done(f"  {line['district']}: {line['voters']} voters, weight {line['weight']}, "
             f"commitment {line['commitment'][:16]}…")


def register(app: typer.Typer) -> None:
    """Adds this module's subcommands to `app`."""
    roll = typer.Typer(help="The commission's signed voter roll.", no_args_is_help=True)
    app.add_typer(roll, name="roll")

    @roll.command("publish")
    @refusals
    def publish(slug: Slug, file: RollFile, identity: IdentityOption, db: DbOption = None) -> None:
        """Publish the roll's size, weights and commitment per district (and store the roll for the
        credential authority); names never reach the board."""
        service = service_for(db)
        state = service.state(slug)
        text = read_text(file, "roll")
        payload = roll_statement(state.definition, state.fingerprint, text, file.name, identity)
        posted = service.publish_roll(slug, payload, roll_csv=text, source=file.name)
        done(f"The signed roll is on the board (event {posted.position}):")
        describe(payload)
        if roll_has_addresses(text):
            done("The roll's email and language columns are not stored and not on the board: they stay in the "
                 "credential authority's copy, for `vybory credentials issue --roll FILE --send`.")

    @roll.command("sign")
    @refusals
    def sign(
        file: RollFile,
        identity: IdentityOption,
        definition: Annotated[Path, typer.Option(help="The election's definition (TOML).", show_default=False)],
        out: Annotated[Path, typer.Option(help="The signed statement to upload on the commission's page.",
                                          show_default=False)],
    ) -> None:
        """Sign the roll's size, weights and commitment per district into a file, without a database
        (upload it with the roll on the commission's page)."""
        if out.exists():
            raise Refused(f"{str(out)!r} already exists", field="out", code="file_exists")
        parsed = parse_definition(read_text(definition, "definition"), source=definition.name)
        payload = roll_statement(parsed, fingerprint(parsed), read_text(file, "roll"), file.name, identity)
        write_private(out, json.dumps(payload, indent=1, ensure_ascii=False) + "\n")
        done(f"The signed roll of {parsed.slug!r} is in {str(out)!r}:")
        describe(payload)

    @roll.command("lookup")
    @refusals
    def lookup(slug: Slug, voter: Annotated[str, typer.Argument(help="Your roll number (on your letter).",
                                                              show_default=False)],
               db: DbOption = None) -> None:
        """Look up a roll number on the roll posted for inspection. The commission's signature and the
        entries against its signed counts and commitment are checked here, not taken from the server."""
        service = service_for(db)
        events = service.events(slug, kinds=("election_defined", "roll_published"))
        first = events[0].payload
        definition = definition_from_json(first["definition"], source="event 1")
        fp = fingerprint(definition)
        if fp.hex() != first["fingerprint"]:
            raise Refused(say("event 1's fingerprint is not its definition's"), field="fingerprint", code="bad_fingerprint")
        if not definition.public_roll:
            raise Refused(say("this election does not publish its roll for inspection"), field="voter",
                          code="roll_not_public")
        rolls = [e for e in events if e.kind.value == "roll_published"]
        if not rolls:
            raise Refused(say("the commission has not published the roll yet"), field="voter", code="roll_missing")
        latest = rolls[-1]
        check_payload_signature(definition, fp, "roll_published", latest.payload)
        found = find_voter(read_roll(definition, latest.payload["districts"]), read_voter_id(voter, "voter"))
        done(f"The roll of event {latest.position} is signed by the commission of election {fp.hex()} "
             "(compare that fingerprint with the one published elsewhere).")
        if found is None:
            done(f"{voter!r} is NOT on the roll. If you should be, file a complaint: "
                 f"vybory roll complain {slug} --voter {voter} --district DISTRICT --left-off --reason TEXT")
            raise typer.Exit(1)
        done(f"{voter!r} is on the roll of district {found[0]!r} with weight {found[1]}.")

    @roll.command("complain")
    @refusals
    def complain(
        slug: Slug,
        voter: Annotated[str, typer.Option(help="The roll number the complaint is about.", show_default=False)],
        district: Annotated[str, typer.Option(help="The district whose roll it is about.", show_default=False)],
        reason: Annotated[str, typer.Option(help="Why (1 to 2000 characters).", show_default=False)],
        left_off: Annotated[bool, typer.Option("--left-off", help="The voter should be on the roll and is not.")]
        = False,
        not_eligible: Annotated[bool, typer.Option("--not-eligible", help="The entry should not be on the roll.")]
        = False,
        heads: Annotated[Path | None, typer.Option("--heads", help="Your heads file: the complaint's position "
                                                   "and hash are added (check later with `vybory verify --heads`).",
                                                   show_default=False)] = None,
        db: DbOption = None,
    ) -> None:
        """File a complaint about the roll posted for inspection; anyone may."""
        if left_off == not_eligible:
            raise InvalidInput(say("give exactly one of --left-off and --not-eligible"), field="complaint")
        kind = "left_off" if left_off else "not_eligible"
        posted = service_for(db).file_roll_complaint(slug, {"complaint": kind, "voter": voter, "district": district,
                                                            "reason": reason})
        line = heads_line(Head(posted.position, posted.hash, "roll complaint"))
        if heads is not None:
            with heads.open("a", encoding="utf-8") as out:
                out.write(line)
        done(f"Complaint filed: board event {posted.position}, hash {posted.hash}.")
        done("  Keep this line; `vybory verify RECORD --heads FILE` shows whether the board still holds it: "
             + line.strip())

    @roll.command("answer")
    @refusals
    def answer(
        slug: Slug,
        complaint: Annotated[int, typer.Argument(help="The complaint's board position.", show_default=False)],
        decision: Annotated[str, typer.Argument(help="accepted or rejected.", show_default=False)],
        identity: IdentityOption,
        reason: Annotated[str, typer.Option(help="Why (required for a rejection).")] = "",
        definition: Annotated[Path | None, typer.Option(help="Instead of --db: the election's definition (TOML); "
                                                        "the answer is signed into --out, to upload on the "
                                                        "commission's page.", show_default=False)] = None,
        out: Annotated[Path | None, typer.Option(help="With --definition: the signed answer's file.",
                                                 show_default=False)] = None,
        db: DbOption = None,
    ) -> None:
        """Answer a complaint about the roll, signed with the commission's key. After accepting one,
        publish the corrected roll (`vybory roll publish`) before the credentials."""
        body = protocol.answer_complaints([(complaint, decision, reason)])
        if definition is not None or out is not None:
            if definition is None or out is None or db is not None:
                raise InvalidInput(say("sign into a file with both --definition and --out (and no --db)"),
                                   field="out", code="offline_needs_definition_and_out")
            if out.exists():
                raise Refused(f"{str(out)!r} already exists", field="out", code="file_exists")
            parsed = parse_definition(read_text(definition, "definition"), source=definition.name)
            if parsed.slug != slug:
                raise InvalidInput(f"the definition is election {parsed.slug!r}'s, not {slug!r}'s", field="definition",
                                   code="wrong_election")
            me = signer_identity(identity, "commission", parsed.commission_key, "the commission")
            signed = sign_payload(fingerprint(parsed), me.signing_secret, COMMISSION, "roll_complaints_answered", body)
            write_private(out, json.dumps(signed, indent=1, ensure_ascii=False) + "\n")
            done(f"The answer to complaint {complaint} ({decision}) is signed in {str(out)!r}: upload it on the "
                 "commission's page.")
            return
        service = service_for(db)
        state = service.state(slug)
        me = signer_identity(identity, "commission", state.definition.commission_key, "the commission")
        posted = service.answer_roll_complaints(
            slug, sign_payload(state.fingerprint, me.signing_secret, COMMISSION, "roll_complaints_answered", body))
        done(f"Complaint {complaint} {decision} (board event {posted.position}).")

