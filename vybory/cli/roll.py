"""`vybory roll publish`, `vybory roll sign`: the commission signs the voter roll.

The commission reads its own copy of the roll on its own machine and puts on
the board (``roll_published``) only, per district, the number of voters, their
weights and a commitment to the roll numbers with their weights; no name and
no roll number. ``publish`` sends it to the service (and stores the private
roll there for the credential authority); ``sign`` writes it to a file for the
commission's web page (the server never sees the commission's key).
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
from vybory.errors import Refused
from vybory.model.definition import Definition, fingerprint, parse_definition, parse_roll
from vybory.model.signing import COMMISSION, sign_payload

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
