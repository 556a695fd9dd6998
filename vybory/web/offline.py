"""The trustee's steps on a machine that never goes online: board file in, message file out.

The trustee downloads the board (``/api/elections/<slug>/board.jsonl``) on a
connected machine, carries it to the offline machine that holds the key file,
and runs one step there::

    python -m vybory.web.offline keygen   --board board.jsonl --trustee ID --identity identity.json --key key.json --out message.json
    python -m vybory.web.offline commit   --board board.jsonl --key key.json --out message.json
    python -m vybory.web.offline reveal   --board board.jsonl --key key.json --out message.json
    python -m vybory.web.offline shares   --board board.jsonl --key key.json --out message.json
    python -m vybory.web.offline complain --board board.jsonl --key key.json --out message.json
    python -m vybory.web.offline decrypt  --board board.jsonl --key key.json --out share.json [--round N] [--heads heads.txt]
    python -m vybory.web.offline finish   --board board.jsonl --key key.json

``finish`` (once the key ceremony is completed) only stores the trustee's
secret share in the key file, as ``vybory trustee check`` does; the booth's
in-browser decryption page needs a key file with the share. ``decrypt`` does
it too when the share is not there yet.

The message file holds only the public payload the board will carry; the
trustee uploads it on their page (``/trustee/elections/<slug>``). The key
file (the same format as ``vybory trustee``'s) never leaves the machine. The
board file's hash chain is checked before anything is computed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from vybory import protocol
from vybory.errors import InvalidInput, Refused, VyboryError
from vybory.model.board import Event, EventKind
from vybory.model.canonical import parse_json
from vybory.model.identity import read_identity
from vybory.protocol.state import ElectionState
from vybory.text import say

MESSAGE_FORMAT = "vybory-trustee-message"

STEPS = {
    "keygen": EventKind.TRUSTEE_KEY,
    "commit": EventKind.DKG_COMMITMENT_HASH,
    "reveal": EventKind.DKG_COMMITMENTS,
    "shares": EventKind.DKG_SHARES,
    "complain": EventKind.DKG_COMPLAINT,
    "decrypt": EventKind.DECRYPTION_SHARE,
}


def read_board(text: str) -> ElectionState:
    """The state the board file (one event per line) gives; its chain is checked."""
    return protocol.replay(board_events(text))


def board_events(text: str) -> list[Event]:
    """The events of a board file (one per line), refused if it is empty."""
    events = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            events.append(Event.from_json(parse_json(line, field=f"board line {number}")))
    if not events:
        raise InvalidInput(say("the board file is empty"), field="board", code="board_empty")
    return events


def message_json(state: ElectionState, kind: EventKind, payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "format": MESSAGE_FORMAT,
        "election": state.definition.slug,
        "fingerprint": state.fingerprint.hex(),
        "kind": kind.value,
        "payload": payload,
    }


def read_message(text: str, fingerprint: str) -> tuple[str, dict[str, Any]]:
    """``(kind, payload)`` of a message file; refused unless it is for this election."""
    obj = parse_json(text, field="message")
    if not isinstance(obj, dict) or obj.get("format") != MESSAGE_FORMAT:
        raise InvalidInput(
            say("this is not a trustee message file (made by `python -m vybory.web.offline`)"),
            field="message",
            code="bad_message_file",
        )
    if obj.get("fingerprint") != fingerprint:
        raise Refused(
            say("this message is for election %(election)s, not this one", election=repr(obj.get('election'))),
            field="message",
            code="wrong_election",
        )
    if not isinstance(obj.get("kind"), str) or not isinstance(obj.get("payload"), dict):
        raise InvalidInput(
            say("the message file has no kind or payload"), field="message", code="bad_message_file"
        )
    return obj["kind"], obj["payload"]


def compute_step(
    step: str,
    state: ElectionState,
    key: Path | None,
    *,
    trustee_id: str | None = None,
    identity: Path | None = None,
    round: int | None = None,
    now: datetime | None = None,
    ballots: Iterable[Event] | None = None,
) -> tuple[dict[str, Any], str | None]:
    """The message of ``step`` and, for keygen and the first decryption, the new key file text.

    To decrypt, ``ballots`` are the board's events (or its ``ballot_cast`` events): the tally is
    decrypted only if it is their sum (:func:`vybory.protocol.check_encrypted_tally`)."""
    from vybory.cli.trustee import key_file_json, load_key

    moment = now or datetime.now(UTC).replace(microsecond=0)
    kind = STEPS[step]
    if step == "keygen":
        if not trustee_id:
            raise InvalidInput(say("keygen needs --trustee ID"), field="trustee", code="trustee_missing")
        if identity is None:
            raise InvalidInput(say("keygen needs --identity FILE (made by `vybory trustee init`)"), field="identity",
                               code="identity_missing")
        me = read_identity(identity.read_text(encoding="utf-8"), role="trustee", source=str(identity))
        secrets = protocol.new_trustee_secrets(state, trustee_id, signing_secret=me.signing_secret)
        payload = protocol.publish_trustee_key(state, secrets, now=moment)
        return message_json(state, kind, payload), key_file_json(
            state.definition.slug, state.fingerprint, trustee_id, secrets
        )
    if key is None:
        raise InvalidInput(say("this step needs the key file (--key)"), field="key", code="key_missing")
    trustee, secrets = load_key(key, state)
    new_key = None
    if step == "commit":
        payload = protocol.publish_commitment_hash(state, secrets, now=moment)
    elif step == "reveal":
        payload = protocol.publish_reveal(state, secrets, now=moment)
    elif step == "shares":
        payload = protocol.publish_shares(state, secrets, now=moment)
    elif step == "complain":
        payload = protocol.publish_complaints(state, secrets, now=moment)
    else:
        if secrets.secret_share is None:
            secrets = protocol.trustee_secret_share(state, secrets)
            new_key = key_file_json(state.definition.slug, state.fingerprint, trustee, secrets)
        number = round
        if number is None:
            tallied = [n for n, r in state.rounds.items() if r.encrypted_tally is not None]
            if not tallied:
                raise Refused(
                    say("no round on this board has an encrypted tally yet"),
                    field="round",
                    code="no_tally",
                )
            number = max(tallied)
        if ballots is None:
            raise InvalidInput(say("the board's ballots are needed to check the tally before it is decrypted"),
                               field="board", code="ballots_missing")
        protocol.check_encrypted_tally(state, round=number, ballots=ballots)
        payload = protocol.compute_decryption_share(state, secrets, round=number, now=moment)
    return message_json(state, kind, payload), new_key


def finish(state: ElectionState, key: Path) -> str:
    """The key file's text with the trustee's secret share (the key ceremony must be completed)."""
    from vybory.cli.trustee import key_file_json, load_key

    trustee, secrets = load_key(key, state)
    if state.keys.completed is None:
        raise Refused(
            say("the key ceremony on this board is not completed yet"),
            field="board",
            code="key_ceremony_not_completed",
        )
    if secrets.secret_share is None:
        secrets = protocol.trustee_secret_share(state, secrets)
    return key_file_json(state.definition.slug, state.fingerprint, trustee, secrets)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m vybory.web.offline",
        description="A trustee's step on an offline machine: board in, message out.",
    )
    parser.add_argument("step", choices=[*sorted(STEPS), "finish"])
    parser.add_argument("--board", required=True, type=Path, help="the board file (board.jsonl)")
    parser.add_argument("--key", required=True, type=Path, help="your key file (created by keygen)")
    parser.add_argument(
        "--out", type=Path, help="the message file to upload (every step but finish)"
    )
    parser.add_argument("--trustee", help="your trustee id (keygen only)")
    parser.add_argument("--identity", type=Path, help="your identity key file (keygen only)")
    parser.add_argument(
        "--round", type=int, help="the round to decrypt (default: the last tallied)"
    )
    parser.add_argument(
        "--heads", type=Path, help="your own heads file (decrypt only): the board must still hold every head in it"
    )
    args = parser.parse_args(argv)
    from vybory.cli._common import write_private

    if args.step != "finish" and args.out is None:
        parser.error("--out is required for this step")
    try:
        events = board_events(args.board.read_text(encoding="utf-8"))
        if args.heads is not None:
            if args.step != "decrypt":
                raise InvalidInput(say("--heads is for the decrypt step"), field="heads", code="heads_not_asked")
            from vybory.protocol.witness import check_history
            from vybory.verify.heads import read_heads

            check_history(events, read_heads(args.heads.read_text(encoding="utf-8"), source=str(args.heads)))
        state = protocol.replay(events)
        if args.step == "finish":
            write_private(args.key, finish(state, args.key))
            print(f"{args.key} now holds your secret share.")
            return 0
        if args.step == "keygen" and args.key.exists():
            raise Refused(
                say("%(value)s already exists: a key file is never overwritten", value=repr(str(args.key))),
                field="key",
                code="key_file_exists",
            )
        message, new_key = compute_step(
            args.step,
            state,
            None if args.step == "keygen" else args.key,
            trustee_id=args.trustee,
            identity=args.identity,
            round=args.round,
            ballots=events,
        )
    except (VyboryError, OSError) as error:
        print(f"refused: {error}", file=sys.stderr)
        return 1
    if new_key is not None:
        write_private(args.key, new_key)
    args.out.write_text(json.dumps(message, indent=1) + "\n", encoding="utf-8")
    print(f"{message['kind']} message written to {args.out}: upload it on your trustee page.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
