"""`vybory trustee ...`: the key ceremony and decryption, run by each trustee on their own machine.

Each trustee keeps a key file (JSON, readable only by its owner) that never
leaves their machine; the commands read the board through ``--db URL``,
compute the trustee's next message locally, and put only that public message
on the board. The steps, in order (the board says when each may be taken):

    keygen    create the key file and publish the messaging key      (step 0)
    commit    publish the hash of the coefficient commitments         (step 1)
    reveal    publish the commitments, once every trustee committed   (step 2)
    shares    publish the encrypted shares for every trustee          (step 3)
    check     open the shares received and say whether they are good  (local)
    complain  publish the complaints (none if all shares are good)    (step 4)
    mix       publish a mix of a closed round's ranked ballots (k trustees, before decrypt)
    decrypt   publish a decryption share of a round's tally
    witness   countersign the board's head, at each phase change, after checking the chain
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from vybory import protocol
from vybory.cli._common import (
    DbOption,
    console,
    done,
    make_identity_file,
    read_identity_file,
    read_text,
    refusals,
    service_for,
    write_private,
)
from vybory.crypto.threshold import TrusteeSecrets
from vybory.errors import InvalidInput, InvalidProof, Refused, VyboryError
from vybory.model.canonical import parse_json
from vybory.protocol.state import ElectionState

KEY_FORMAT = "vybory-trustee-key"
KEY_VERSION = 1

Slug = Annotated[str, typer.Argument(help="The election's slug.", show_default=False)]
KeyOption = Annotated[Path, typer.Option("--key", help="This trustee's key file (kept on this machine only).",
                                         show_default=False)]
IdentityOption = Annotated[Path, typer.Option("--identity", help="This trustee's identity key file (made by "
                                              "`vybory trustee init`; the definition names its signing key).",
                                              show_default=False)]


def key_file_json(slug: str, fingerprint: bytes, trustee_id: str, secrets: TrusteeSecrets) -> str:
    return json.dumps({"format": KEY_FORMAT, "version": KEY_VERSION, "election": slug,
                       "fingerprint": fingerprint.hex(), "trustee_id": trustee_id, "secrets": secrets.to_json()},
                      indent=2) + "\n"


def load_key(path: Path, state: ElectionState) -> tuple[str, TrusteeSecrets]:
    """The trustee id and secrets in ``path``, refused unless the file is for this election."""
    obj = parse_json(read_text(path, "key file"), field="key file")
    if not isinstance(obj, dict) or obj.get("format") != KEY_FORMAT:
        raise InvalidInput(f"{str(path)!r} is not a vybory trustee key file", field="key file", code="bad_key_file")
    if obj.get("fingerprint") != state.fingerprint.hex():
        raise Refused(f"the key file {str(path)!r} belongs to election {obj.get('election')!r}, not this one",
                      field="key file", code="wrong_key_file")
    secrets = TrusteeSecrets.from_json(obj.get("secrets"), "key file.secrets")
    trustee_id = obj.get("trustee_id")
    if not isinstance(trustee_id, str) or state.trustee_index(trustee_id) != secrets.trustee:
        raise InvalidInput("the key file names another trustee than its secrets", field="key file",
                           code="bad_key_file")
    return trustee_id, secrets


def _step(db: str | None, slug: str, key: Path, kind: str, what: str,
          compute: Callable[[ElectionState, TrusteeSecrets, Any], dict[str, Any]]) -> None:
    service = service_for(db)
    state = service.state(slug)
    trustee_id, secrets = load_key(key, state)
    payload = compute(state, secrets, service.clock())
    for posted in service.submit_trustee_step(slug, kind, payload):
        done(f"{trustee_id}: {what if posted.kind == kind else 'the key ceremony is completed'} "
             f"(board event {posted.position}, {posted.kind}).")


def register(app: typer.Typer) -> None:
    """Adds this module's subcommands to `app`."""
    trustee = typer.Typer(help="Key ceremony and decryption, on the trustee's own machine.", no_args_is_help=True)
    app.add_typer(trustee, name="trustee")

    @trustee.command("init")
    @refusals
    def init(
        trustee_id: Annotated[str, typer.Option("--trustee", help="Your trustee id in the definition.",
                                                show_default=False)],
        identity: IdentityOption,
    ) -> None:
        """Create your long-term identity key, before the election is defined (its signing key goes
        into the definition; every message you put on the board is signed with it)."""
        make_identity_file(identity, "trustee", trustee_id)

    @trustee.command("keygen")
    @refusals
    def keygen(
        slug: Slug,
        trustee_id: Annotated[str, typer.Option("--trustee", help="Your trustee id in the definition.",
                                                show_default=False)],
        key: KeyOption,
        identity: IdentityOption,
        db: DbOption = None,
    ) -> None:
        """Create your key file and publish your messaging key (step 0)."""
        if key.exists():
            raise Refused(f"{str(key)!r} already exists: a key file is never overwritten", field="key file",
                          code="key_file_exists")
        service = service_for(db)
        state = service.state(slug)
        me = read_identity_file(identity, "trustee")
        secrets = protocol.new_trustee_secrets(state, trustee_id, signing_secret=me.signing_secret)
        payload = protocol.publish_trustee_key(state, secrets, now=service.clock())
        partial = key.with_name(key.name + ".new")
        write_private(partial, key_file_json(slug, state.fingerprint, trustee_id, secrets))
        try:
            posted = service.submit_trustee_step(slug, "trustee_key", payload)[0]
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        partial.replace(key)
        done(f"{trustee_id}: key file {str(key)!r} written (keep it safe, off-line if you can);")
        done(f"  messaging key published (board event {posted.position}). Next: `vybory trustee commit`.")

    @trustee.command("commit")
    @refusals
    def commit(slug: Slug, key: KeyOption, db: DbOption = None) -> None:
        """Publish the hash of your coefficient commitments (step 1)."""
        _step(db, slug, key, "dkg_commitment_hash", "commitment hash published",
              lambda state, secrets, now: protocol.publish_commitment_hash(state, secrets, now=now))

    @trustee.command("reveal")
    @refusals
    def reveal(slug: Slug, key: KeyOption, db: DbOption = None) -> None:
        """Publish your coefficient commitments with their proof (step 2, once all have committed)."""
        _step(db, slug, key, "dkg_commitments", "commitments revealed",
              lambda state, secrets, now: protocol.publish_reveal(state, secrets, now=now))

    @trustee.command("shares")
    @refusals
    def shares(slug: Slug, key: KeyOption, db: DbOption = None) -> None:
        """Publish your key shares, each encrypted to its trustee (step 3, once all have revealed)."""
        _step(db, slug, key, "dkg_shares", "encrypted shares published",
              lambda state, secrets, now: protocol.publish_shares(state, secrets, now=now))

    @trustee.command("check")
    @refusals
    def check(slug: Slug, key: KeyOption, db: DbOption = None) -> None:
        """Open the shares sent to you and check each against its dealer's commitments (nothing is published).

        Once the key ceremony is completed, also derive your secret share and keep it in the key file.
        """
        from vybory.crypto import threshold

        state = service_for(db).state(slug)
        trustee_id, secrets = load_key(key, state)
        received = [s for shares in state.keys.shares.values() for s in shares if s.recipient == secrets.trustee]
        if not received:
            done(f"{trustee_id}: no shares have been sent to you yet.")
        bad = 0
        for share in sorted(received, key=lambda s: s.dealer):
            try:
                threshold.open_share(state.fingerprint, secrets, share, state.keys.reveals[share.dealer])
                done(f"  share from trustee {share.dealer}: good")
            except InvalidProof as error:
                bad += 1
                console.print(f"  share from trustee {share.dealer}: [red]BAD[/] ({error.message})")
        if bad:
            done(f"{trustee_id}: {bad} bad share(s): run `vybory trustee complain` to complain on the board.")
        if state.keys.completed is not None and secrets.secret_share is None:
            secrets = protocol.trustee_secret_share(state, secrets)
            write_private(key, key_file_json(slug, state.fingerprint, trustee_id, secrets))
            done(f"{trustee_id}: the key ceremony is completed; your secret share is now in {str(key)!r}.")

    @trustee.command("complain")
    @refusals
    def complain(slug: Slug, key: KeyOption, db: DbOption = None) -> None:
        """Publish your complaints about bad shares, or that all are good (step 4, once all shares are sent)."""
        service = service_for(db)
        state = service.state(slug)
        trustee_id, secrets = load_key(key, state)
        payload = protocol.publish_complaints(state, secrets, now=service.clock())
        posted = service.submit_trustee_step(slug, "dkg_complaint", payload)
        n = len(payload["complaints"])
        done(f"{trustee_id}: {n} complaint(s) published (board event {posted[0].position})."
             if n else f"{trustee_id}: all shares received are good (board event {posted[0].position}).")
        if len(posted) > 1:
            completed = service.state(slug).keys
            done(f"The key ceremony is completed (board event {posted[1].position}): "
                 f"trustees {list(completed.qualified)} qualified; election key {completed.public_key.to_hex()}.")

    @trustee.command("decrypt")
    @refusals
    def decrypt(
        slug: Slug,
        key: KeyOption,
        round: Annotated[int | None, typer.Option("--round", help="The round (default: the last with a tally).")]
        = None,
        heads: Annotated[Path | None, typer.Option("--heads", help="Your own heads file (the one `vybory trustee "
                                                   "witness` writes): the board must still hold every head in it, "
                                                   "or no share is computed.", show_default=False)] = None,
        db: DbOption = None,
    ) -> None:
        """Publish your decryption share of a round's encrypted tally (with its proof), after checking
        that the tally is the sum of the round's ballots on the board and (with --heads) that the
        board still holds every head you witnessed."""
        service = service_for(db)
        if heads is None:
            state = service.state(slug)
            ballots = None
        else:
            # The chain checked, the state rebuilt and the ballots summed all come from one reading.
            from vybory.protocol.witness import check_history
            from vybory.verify.heads import read_heads

            board = list(service.iter_events(slug))
            check_history(board, read_heads(read_text(heads, "heads file"), source=str(heads)))
            state = protocol.replay(board)
            ballots = board
        trustee_id, secrets = load_key(key, state)
        if secrets.secret_share is None:
            secrets = protocol.trustee_secret_share(state, secrets)
            write_private(key, key_file_json(slug, state.fingerprint, trustee_id, secrets))
        number = round
        if number is None:
            tallied = [n for n, r in state.rounds.items() if r.encrypted_tally is not None]
            if not tallied:
                raise Refused("no round has an encrypted tally yet", field="round", code="no_tally")
            number = max(tallied)
        if ballots is None:
            ballots = service.events(slug, start=state.round(number).opened_position, kinds=["ballot_cast"])
        protocol.check_encrypted_tally(state, round=number, ballots=ballots)
        payload = protocol.compute_decryption_share(state, secrets, round=number, now=service.clock())
        posted = service.submit_decryption_share(slug, payload)
        done(f"{trustee_id}: decryption share for round {number} published (board event {posted.position}).")

    @trustee.command("witness")
    @refusals
    def witness(
        slug: Slug,
        identity: IdentityOption,
        heads: Annotated[Path, typer.Option("--heads", help="Your own heads file: every head you witnessed is "
                                            "checked against the board again, and the new one is added.",
                                            show_default=False)],
        db: DbOption = None,
        server: Annotated[str | None, typer.Option("--server", help="Instead of --db: the server's address "
                                                   "(https://...); the board is downloaded and checked here, "
                                                   "the witness posted with your trustee login.",
                                                   show_default=False)] = None,
        username: Annotated[str | None, typer.Option(help="Your trustee login on --server (the password is "
                                                     "read from $VYBORY_PASSWORD or asked).",
                                                     show_default=False)] = None,
    ) -> None:
        """Countersign the board's head (at each phase change: nominations closed, ceremony done, round
        opened, round closed, tally, results), after checking the whole chain, the witnesses on it and
        your heads file. A board rewritten since is refused and nothing is signed."""
        import os

        from vybory.protocol.witness import witness_head
        from vybory.verify.heads import heads_line, read_heads

        me = read_identity_file(identity, "trustee")
        before = read_heads(read_text(heads, "heads file"), source=str(heads)) if heads.exists() else []
        if server is not None:
            import httpx

            from vybory.cli.remote import log_in, witness_through

            if username is None:
                raise InvalidInput("--server needs --username (your trustee login)", field="username")
            password = os.environ.get("VYBORY_PASSWORD") or typer.prompt("password", hide_input=True)
            with httpx.Client(base_url=server, timeout=120.0) as client:
                csrf = log_in(client, username, password)
                made, answer = witness_through(client, slug, csrf, trustee_id=me.id, signing_secret=me.signing_secret,
                                               heads=before)
            position = answer["posted"][0]["position"]
        else:
            service = service_for(db)
            made = witness_head(service.iter_events(slug), trustee_id=me.id, signing_secret=me.signing_secret,
                                heads=before)
            position = service.submit_head_witness(slug, made.payload).position
        with heads.open("a", encoding="utf-8") as out:
            out.write(heads_line(made.head))
        done(f"{me.id}: the chain checks from event 1 to {made.head.position} ({made.head.label or 'no phase yet'}), "
             f"with {made.witnessed_before} earlier witness(es) and the {len(before)} head(s) of {str(heads)!r};")
        done(f"  head {made.head.hash} witnessed (board event {position}) and added to {str(heads)!r}. "
             "Publish that file where the server cannot change it.")

    @trustee.command("mix")
    @refusals
    def mix(
        slug: Slug,
        key: KeyOption,
        round: Annotated[int | None, typer.Option("--round", help="The round (default: the last with ranked "
                                                                  "ballots left to mix).")] = None,
        db: DbOption = None,
    ) -> None:
        """Mix the ranked ballots of a closed round: each ranked contest you have not mixed yet."""
        from vybory.service.mixing import mix_contests

        service = service_for(db)
        state = service.state(slug)
        trustee_id, secrets = load_key(key, state)
        if secrets.secret_share is None:
            secrets = protocol.trustee_secret_share(state, secrets)
            write_private(key, key_file_json(slug, state.fingerprint, trustee_id, secrets))
        for contest, posted in mix_contests(service, slug, secrets, round=round).items():
            done(f"{trustee_id}: ballots of contest {contest} mixed (board event {posted.position}).")


__all__ = ["KEY_FORMAT", "VyboryError", "load_key", "register"]
