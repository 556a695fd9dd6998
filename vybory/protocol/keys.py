"""The key ceremony on the board: each trustee's steps, and their checks (spec §5, events §10).

Trustees are numbered 1..n in the order of the definition. The steps, each an
event with the trustee's number:

0. ``trustee_key``: the messaging key with its proof of possession;
1. ``dkg_commitment_hash``: the hash of the coefficient commitments;
2. ``dkg_commitments``: the commitments themselves, once every trustee has
   published steps 0 and 1 (commit, then reveal);
3. ``dkg_shares``: the encrypted shares for every trustee, once every trustee
   has revealed;
4. ``dkg_complaint``: the complaints about received shares (possibly none),
   once every trustee has sent its shares;
5. ``key_ceremony_completed``: the qualified trustees, the joint public key
   and the verification keys, computed from the board by anyone.

``publish_*`` run on the trustee's machine with its :class:`TrusteeSecrets`;
``check_*`` run on the server before the event is appended.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from vybory.crypto import threshold
from vybory.crypto.group import Point, Rng, Scalar
from vybory.crypto.threshold import (
    Complaint,
    DealerCommitment,
    DealerReveal,
    EncryptedShare,
    Judgement,
    MessagingKey,
    TrusteeSecrets,
)
from vybory.errors import InvalidInput, InvalidProof, Refused, VyboryError
from vybory.model import restart
from vybory.model.definition import Trustee
from vybory.model.signing import check_payload_signature
from vybory.protocol._common import at, check_identity, clean_text, refuse, signed_by_trustee
from vybory.protocol.state import ElectionState
from vybory.text import say


def _not_completed(state: ElectionState) -> None:
    if state.keys.completed is not None:
        raise refuse(say("the key ceremony is already completed"), field="key_ceremony",
                     code="key_ceremony_completed")


def _trustee_number(state: ElectionState, payload: Mapping[str, Any]) -> int:
    i = payload.get("trustee")
    if isinstance(i, bool) or not isinstance(i, int) or not 1 <= i <= state.trustee_count:
        raise InvalidInput(say("must be a trustee number from 1 to %(trustee_count)s", trustee_count=state.trustee_count), field="trustee")
    return i


def _once(i: int, held: Mapping[int, Any], done: str) -> None:
    """Refuses trustee ``i``'s second message of a step (``held``: the step's messages by trustee;
    ``done``: what the trustee has done by sending it)."""
    if i in held:
        raise refuse(say("trustee %(i)s has already %(done)s", i=i, done=done), field="trustee", code="already_published")


def _after_every_trustee(state: ElectionState, message: str, *held: Mapping[int, Any]) -> None:
    """Refuses a step until every trustee has a message in each of ``held``; ``message`` says why,
    with ``{waiting}`` where the numbers of the trustees still missing go."""
    n = state.trustee_count
    if any(len(h) < n for h in held):
        waiting = ", ".join(str(j) for j in range(1, n + 1) if any(j not in h for h in held))
        raise refuse(message.format(waiting=waiting), field="key_ceremony", code="dkg_step_not_open")


def _keys_of(state: ElectionState) -> dict[int, Any]:
    return {i: k.public_key for i, k in state.keys.messaging_keys.items()}


def new_trustee_secrets(state: ElectionState, trustee_id: str, rng: Rng | None = None, *,
                        signing_secret: Scalar) -> TrusteeSecrets:
    """A trustee's fresh secrets (kept in the trustee's key file, never on the board), with its
    identity key (``vybory trustee init``), which must be the one the definition names."""
    secrets = threshold.new_trustee(state.trustee_index(trustee_id), state.threshold, rng,
                                    signing_secret=signing_secret, attempt=state.attempt)
    check_identity(state.trustees, secrets)
    return secrets


def _mine(state: ElectionState, secrets: TrusteeSecrets) -> int:
    if not 1 <= secrets.trustee <= state.trustee_count or secrets.threshold != state.threshold:
        raise refuse(say("this key file does not belong to this election's commission"), field="secrets",
                     code="wrong_key_file")
    check_identity(state.trustees, secrets)
    if secrets.attempt != state.attempt:
        raise refuse(say("this key file was made for attempt %(mine)s of the key ceremony, and the board is at attempt "
                         "%(attempt)s: make a new key file for this attempt (`vybory trustee keygen`); secrets are "
                         "never reused from one attempt to another", mine=secrets.attempt, attempt=state.attempt),
                     field="secrets.attempt", code="wrong_attempt")
    return secrets.trustee


def _sign(state: ElectionState, secrets: TrusteeSecrets, kind: str, payload: Mapping[str, Any],
          rng: Rng | None = None) -> dict[str, Any]:
    return signed_by_trustee(state.trustees, state.fingerprint, secrets, kind, payload, rng)


def _payload(state: ElectionState, trustee: int, **fields: Any) -> dict[str, Any]:
    """A step's payload: ``trustee``, then ``attempt`` from attempt 2 on (spec §5.8; attempt 1's
    messages have no ``attempt``, as before any restart), then the step's fields."""
    out: dict[str, Any] = {"trustee": trustee}
    if state.attempt != 1:
        out["attempt"] = state.attempt
    out.update(fields)
    return out


def check_attempt(state: ElectionState, payload: Mapping[str, Any]) -> None:
    """Refuses a step of another attempt than the board's latest (spec §5.8): from attempt 2 on
    every step names its attempt, which its trustee signed; attempt 1's steps name none."""
    given = payload.get("attempt", 1) if isinstance(payload, Mapping) else 1
    if "attempt" in payload and given == 1:
        raise InvalidInput(say("attempt 1's messages carry no attempt field"), field="attempt")
    if given != state.attempt:
        raise refuse(say("this message is for attempt %(given)s of the key ceremony, but the board is at attempt "
                         "%(attempt)s: a message of one attempt is never part of another", given=repr(given),
                         attempt=state.attempt), field="attempt", code="wrong_attempt")


def _check_own_key(state: ElectionState, secrets: TrusteeSecrets) -> None:
    """Aborts the trustee's step when the board's messaging key for it is not the one it sent."""
    i = secrets.trustee
    key = state.keys.messaging_keys.get(i)
    if key is not None and key.public_key != Point.base_mul(secrets.messaging_secret):
        raise refuse(say("the board's messaging key for trustee %(i)s is not the one this key file holds: the board has been altered; stop the ceremony and tell the commission and the observers", i=i),
                     field="messaging_key", code="own_key_replaced")


def _check_recipient_keys(state: ElectionState, secrets: TrusteeSecrets) -> None:
    """Before a share is encrypted to them: every recipient's messaging key on the board is signed
    by that recipient's identity key, as the definition or the commission's signed restart names it
    (the server cannot put its own key in a trustee's place, nor seat its own trustee)."""
    _check_own_key(state, secrets)
    restarted = state.keys.restart_payload
    if restarted is not None:
        try:
            check_payload_signature(state.definition, state.fingerprint, "key_ceremony_restarted", restarted)
        except Refused as exc:
            seated = [j for j, (t, named) in enumerate(zip(state.trustees, state.definition.trustees), start=1)
                      if t != named]
            if seated:
                raise _recipient_unsigned(seated[0], exc.message) from None
    for j, payload in sorted(state.keys.messaging_payloads.items()):
        try:
            check_payload_signature(state.definition, state.fingerprint, "trustee_key", payload, state.trustees)
        except Refused as exc:
            raise _recipient_unsigned(j, exc.message) from None


def _recipient_unsigned(j: int, message: Any) -> Refused:
    return refuse(say("the board's messaging key for trustee %(j)s is not signed by trustee %(j)s (%(message)s): no share is sent; the board has been altered, tell the commission and the observers", j=j, message=message), field=f"messaging_key.{j}",
                  code="recipient_key_unsigned")


# --- step 0 ---------------------------------------------------------------------


def publish_trustee_key(state: ElectionState, secrets: TrusteeSecrets, *, now: datetime,
                        rng: Rng | None = None) -> dict[str, Any]:
    """Payload of ``trustee_key``."""
    i = _mine(state, secrets)
    payload = _payload(state, i, messaging_key=threshold.generate_messaging_key(state.ceremony_fingerprint, secrets,
                                                                                rng).to_json(), at=at(now))
    check_trustee_key(state, payload)
    return _sign(state, secrets, "trustee_key", payload, rng)


def check_trustee_key(state: ElectionState, payload: Mapping[str, Any]) -> None:
    _not_completed(state)
    check_attempt(state, payload)
    i = _trustee_number(state, payload)
    _once(i, state.keys.messaging_keys, say("published a messaging key"))
    key = MessagingKey.from_json(payload.get("messaging_key"), "messaging_key")
    if key.trustee != i:
        raise InvalidInput(say("the messaging key names another trustee"), field="messaging_key.trustee")
    threshold.check_messaging_key(state.ceremony_fingerprint, key)


# --- step 1 ---------------------------------------------------------------------


def publish_commitment_hash(state: ElectionState, secrets: TrusteeSecrets, *, now: datetime,
                            rng: Rng | None = None) -> dict[str, Any]:
    """Payload of ``dkg_commitment_hash``."""
    i = _mine(state, secrets)
    payload = _payload(state, i, commitment=threshold.compute_commitment(state.ceremony_fingerprint, secrets).to_json(),
                       at=at(now))
    _check_own_key(state, secrets)
    check_commitment_hash(state, payload)
    return _sign(state, secrets, "dkg_commitment_hash", payload, rng)


def check_commitment_hash(state: ElectionState, payload: Mapping[str, Any]) -> None:
    _not_completed(state)
    check_attempt(state, payload)
    i = _trustee_number(state, payload)
    _once(i, state.keys.commitments, say("published a commitment hash"))
    commitment = DealerCommitment.from_json(payload.get("commitment"), "commitment")
    if commitment.trustee != i:
        raise InvalidInput(say("the commitment names another trustee"), field="commitment.trustee")


# --- step 2 ---------------------------------------------------------------------


def publish_reveal(state: ElectionState, secrets: TrusteeSecrets, *, now: datetime,
                   rng: Rng | None = None) -> dict[str, Any]:
    """Payload of ``dkg_commitments``."""
    i = _mine(state, secrets)
    payload = _payload(state, i, reveal=threshold.compute_reveal(state.ceremony_fingerprint, secrets, rng).to_json(),
                       at=at(now))
    _check_own_key(state, secrets)
    check_reveal(state, payload)
    return _sign(state, secrets, "dkg_commitments", payload, rng)


def check_reveal(state: ElectionState, payload: Mapping[str, Any]) -> None:
    _not_completed(state)
    check_attempt(state, payload)
    i = _trustee_number(state, payload)
    _after_every_trustee(state, "the commitments are revealed only after every trustee has published a messaging "
                         "key and a commitment hash (waiting for trustee(s) {waiting})",
                         state.keys.commitments, state.keys.messaging_keys)
    _once(i, state.keys.reveals, say("revealed"))
    reveal = DealerReveal.from_json(payload.get("reveal"), "reveal")
    if reveal.trustee != i:
        raise InvalidInput(say("the reveal names another trustee"), field="reveal.trustee")
    threshold.check_reveal(state.ceremony_fingerprint, state.keys.commitments[i], reveal, state.threshold)


# --- step 3 ---------------------------------------------------------------------


def publish_shares(state: ElectionState, secrets: TrusteeSecrets, *, now: datetime,
                   rng: Rng | None = None) -> dict[str, Any]:
    """Payload of ``dkg_shares``: one encrypted share for every trustee (itself included)."""
    i = _mine(state, secrets)
    _check_recipient_keys(state, secrets)
    shares = threshold.encrypt_shares(state.ceremony_fingerprint, secrets, _keys_of(state), rng)
    payload = _payload(state, i, shares=[s.to_json() for s in shares], at=at(now))
    check_shares(state, payload)
    return _sign(state, secrets, "dkg_shares", payload, rng)


def check_shares(state: ElectionState, payload: Mapping[str, Any]) -> None:
    _not_completed(state)
    check_attempt(state, payload)
    i = _trustee_number(state, payload)
    _after_every_trustee(state, "shares are sent only after every trustee has revealed its commitments "
                         "(waiting for trustee(s) {waiting})", state.keys.reveals)
    _once(i, state.keys.shares, say("sent its shares"))
    raw = payload.get("shares")
    if not isinstance(raw, list):
        raise InvalidInput(say("must be a list"), field="shares")
    shares = [EncryptedShare.from_json(s, f"shares[{k}]") for k, s in enumerate(raw)]
    recipients = sorted(s.recipient for s in shares)
    if recipients != sorted(state.keys.messaging_keys) or any(s.dealer != i for s in shares):
        raise InvalidInput(say("must hold one share from this trustee for every trustee, itself included"),
                           field="shares")


# --- step 4 ---------------------------------------------------------------------


def publish_complaints(state: ElectionState, secrets: TrusteeSecrets, *, now: datetime,
                       rng: Rng | None = None) -> dict[str, Any]:
    """Payload of ``dkg_complaint``: opens every share sent to this trustee; complains about bad ones."""
    i = _mine(state, secrets)
    _check_own_key(state, secrets)
    complaints = []
    for dealer, shares in sorted(state.keys.shares.items()):
        for share in shares:
            if share.recipient != i:
                continue
            try:
                threshold.open_share(state.ceremony_fingerprint, secrets, share, state.keys.reveals[dealer])
            except InvalidProof:
                complaints.append(threshold.make_complaint(state.ceremony_fingerprint, secrets, share, rng).to_json())
    payload = _payload(state, i, complaints=complaints, at=at(now))
    check_complaints(state, payload)
    return _sign(state, secrets, "dkg_complaint", payload, rng)


def check_complaints(state: ElectionState, payload: Mapping[str, Any]) -> None:
    _not_completed(state)
    check_attempt(state, payload)
    i = _trustee_number(state, payload)
    n = state.trustee_count
    _after_every_trustee(state, "complaints are filed only after every trustee has sent its shares "
                         "(waiting for trustee(s) {waiting})", state.keys.shares)
    _once(i, state.keys.complaints, say("filed its complaints"))
    raw = payload.get("complaints")
    if not isinstance(raw, list) or len(raw) > n:
        raise InvalidInput(say("must be a list of at most %(n)s complaints", n=n), field="complaints")
    dealers: set[int] = set()
    for k, c in enumerate(raw):
        complaint = Complaint.from_json(c, f"complaints[{k}]")
        if complaint.dealer in dealers:
            raise InvalidInput(say("a second complaint about trustee %(dealer)s: one complaint per dealer", dealer=complaint.dealer),
                               field=f"complaints[{k}].dealer")
        dealers.add(complaint.dealer)
        if complaint.recipient != i:
            raise InvalidInput(say("a trustee complains only about shares sent to itself"),
                               field=f"complaints[{k}].recipient")
        share = next((s for s in state.keys.shares.get(complaint.dealer, ()) if s.recipient == i), None)
        key = state.keys.messaging_keys.get(i)
        if share is None or key is None or complaint.dealer not in state.keys.reveals:
            raise InvalidInput(say("trustee %(dealer)s sent no share to trustee %(i)s to complain about", dealer=complaint.dealer, i=i),
                               field=f"complaints[{k}].dealer")
        try:
            threshold.check_complaint(state.ceremony_fingerprint, complaint, share, state.keys.reveals[complaint.dealer],
                                      key.public_key)
        except (InvalidProof, InvalidInput):
            raise refuse(say("complaint %(k)s's proof fails under the board's messaging key for trustee %(i)s: the board's key is not the one this trustee holds", k=k, i=i), field=f"complaints[{k}].proof",
                         code="complaint_against_board") from None


# --- step 5 ---------------------------------------------------------------------


def _finish(state: ElectionState) -> threshold.KeyCeremonyResult:
    keys = state.keys
    return threshold.finish(
        state.ceremony_fingerprint, state.trustee_count, state.threshold, keys.messaging_keys, keys.commitments,
        keys.reveals, [s for shares in keys.shares.values() for s in shares],
        [c for complaints in keys.complaints.values() for c in complaints],
    )


def complete_key_ceremony(state: ElectionState, *, now: datetime) -> dict[str, Any]:
    """Payload of ``key_ceremony_completed``: the result of the ceremony computed from the board.

    Raises :class:`~vybory.errors.ThresholdNotMet` when fewer than k trustees
    qualify, naming each disqualified trustee and why: the attempt has failed, and the
    commission may restart the ceremony (:func:`restart_key_ceremony`, spec §5.8).
    """
    _not_completed(state)
    _after_every_trustee(state, "waiting for trustee(s) {waiting} to check their shares", state.keys.complaints)
    payload = dict(_finish(state).to_json())
    if state.attempt != 1:
        payload["attempt"] = state.attempt
    payload["at"] = at(now)
    return payload


def check_completion(state: ElectionState, payload: Mapping[str, Any]) -> None:
    expected = complete_key_ceremony(state, now=_time_of(payload))
    if dict(payload) != expected:
        raise refuse(say("the key ceremony's result does not match the board"), field="key_ceremony",
                     code="key_ceremony_mismatch")


def _time_of(payload: Mapping[str, Any]) -> datetime:
    from vybory.model.definition import parse_time

    try:
        return parse_time(payload.get("at"))
    except ValueError as exc:
        raise InvalidInput(str(exc), field="at") from None


def trustee_secret_share(state: ElectionState, secrets: TrusteeSecrets) -> TrusteeSecrets:
    """The trustee's secrets with its secret share x_j, once the ceremony is completed."""
    if state.keys.completed is None:
        raise refuse(say("the key ceremony is not completed yet"), field="key_ceremony",
                     code="key_ceremony_not_completed")
    i = _mine(state, secrets)
    result = _finish(state)
    if i not in result.qualified:
        raise refuse(say("trustee %(i)s was disqualified: %(why)s", i=i, why=result.disqualified.get(i, '')), field="trustee",
                     code="trustee_disqualified")
    shares = [s for shares in state.keys.shares.values() for s in shares]
    try:
        x = threshold.compute_secret_share(state.ceremony_fingerprint, secrets, result, state.keys.reveals, shares)
    except VyboryError as exc:
        raise Refused(say("the secret share cannot be computed: %(message)s", message=exc.message), field="secrets",
                      code="secret_share_failed") from None
    return secrets.with_secret_share(x)


# --- restart (spec §5.8) ----------------------------------------------------------------


def attempt_outcome(state: ElectionState, now: datetime) -> dict[str, Any] | None:
    """How the latest attempt ended, as a restart names it (:func:`vybory.model.restart.outcome`):
    failed or stalled; None while it may still succeed, and once it has."""
    if state.keys.completed is not None:
        return None
    return _outcome(state, state.keys.judge(state.threshold), now)


def _outcome(state: ElectionState, judged: Judgement | None, now: datetime) -> dict[str, Any] | None:
    return restart.outcome(judged, state.threshold, state.ceremony_deadline(), now, state.trustee_count,
                           state.keys.done())


def _refuse_restart(state: ElectionState, now: datetime) -> dict[str, Any]:
    """The latest attempt's outcome, or the refusal that says why it cannot be restarted now."""
    if state.keys.completed is not None:
        raise refuse(say("the key ceremony is completed: a completed ceremony is never restarted (its trustees "
                         "hold the election's key)"), field="key_ceremony", code="key_ceremony_completed")
    judged = state.keys.judge(state.threshold)
    outcome = _outcome(state, judged, now)
    if outcome is not None:
        return outcome
    if judged is not None:
        raise refuse(say("the key ceremony has not failed: %(qualified)s trustees qualified, %(needed)s needed; "
                         "complete it instead", qualified=len(judged.qualified), needed=state.threshold),
                     field="key_ceremony", code="key_ceremony_not_failed")
    raise refuse(say("the key ceremony is still running (attempt %(attempt)s): it can be restarted only once fewer "
                     "than k trustees qualify, or after its deadline %(deadline)s if it stalls",
                     attempt=state.attempt, deadline=at(state.ceremony_deadline())),
                 field="key_ceremony", code="key_ceremony_not_failed")


def restart_key_ceremony(state: ElectionState, *, reason: str, now: datetime,
                         replacements: Mapping[int, Trustee] | None = None) -> dict[str, Any]:
    """Payload of ``key_ceremony_restarted`` (before the commission signs it): the next attempt,
    the failed attempt's outcome, the reason, and the trustees of the new attempt, seat by seat
    (the latest attempt's, with ``replacements`` {seat: new trustee} put in)."""
    outcome = _refuse_restart(state, now)
    seats = list(state.trustees)
    for j, trustee in sorted((replacements or {}).items()):
        if isinstance(j, bool) or not isinstance(j, int) or not 1 <= j <= len(seats):
            raise InvalidInput(say("must be a trustee number from 1 to %(trustee_count)s",
                                   trustee_count=state.trustee_count), field="replacements")
        seats[j - 1] = trustee
    payload = {"attempt": state.attempt + 1, "outcome": outcome, "reason": clean_text(reason, "reason"),
               "trustees": [t.to_json() for t in seats], "at": at(now)}
    check_restart(state, payload)
    return payload


RESTART_FIELDS = frozenset({"attempt", "outcome", "reason", "trustees", "at"})


def check_restart(state: ElectionState, payload: Mapping[str, Any]) -> None:
    """A ``key_ceremony_restarted`` payload is the next attempt's, of an attempt that failed or
    stalled, with that attempt's outcome exactly, a reason, and trustees that keep the rules of
    :func:`vybory.model.restart.check_seats`. The commission's signature is checked with the other
    signed kinds (spec §10.5)."""
    outcome = _refuse_restart(state, _time_of(payload))
    if set(payload) - {"signed"} != RESTART_FIELDS:
        raise InvalidInput(say("a key_ceremony_restarted payload has exactly the fields %(names)s",
                               names=", ".join(sorted(RESTART_FIELDS | {"signed"}))), field="payload")
    if payload["attempt"] != state.attempt + 1 or isinstance(payload["attempt"], bool):
        raise refuse(say("the restart must start attempt %(next)s (the board is at attempt %(attempt)s), not %(given)s",
                         next=state.attempt + 1, attempt=state.attempt, given=repr(payload["attempt"])),
                     field="attempt", code="wrong_attempt")
    if payload["outcome"] != outcome:
        raise refuse(say("the outcome does not match the board: attempt %(attempt)s %(result)s, as the board shows",
                         attempt=state.attempt, result=outcome["result"]), field="outcome",
                     code="restart_outcome_mismatch")
    restart.read_reason(payload["reason"])
    new = restart.read_trustees(payload["trustees"], state.trustee_count)
    earlier = [t for attempt in (*state.attempts, state.keys) for t in attempt.trustees]
    restart.check_seats(state.definition, state.trustees, earlier, restart.failed_seats(outcome), new)


__all__ = [
    "attempt_outcome",
    "check_attempt",
    "check_commitment_hash",
    "check_complaints",
    "check_completion",
    "check_restart",
    "check_reveal",
    "check_shares",
    "check_trustee_key",
    "complete_key_ceremony",
    "new_trustee_secrets",
    "publish_commitment_hash",
    "publish_complaints",
    "publish_reveal",
    "publish_shares",
    "publish_trustee_key",
    "restart_key_ceremony",
    "trustee_secret_share",
]
