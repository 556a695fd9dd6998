"""Check 6: the key ceremony, recomputed from its messages on the board (spec §5).

Each message is decoded and checked where it stands (its trustee, its step,
its proof); at ``key_ceremony_completed`` the whole result (who qualified, the
joint public key, every verification key, which complaints were justified) is
recomputed with the spec's rules and compared with what the board announced.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from vybory.crypto import threshold
from vybory.crypto.group import Point
from vybory.crypto.threshold import (
    Complaint,
    DealerCommitment,
    DealerReveal,
    EncryptedShare,
    Judgement,
    MessagingKey,
)
from vybory.errors import InvalidEncoding, InvalidInput, InvalidProof, ThresholdNotMet, VyboryError
from vybory.model import restart as restart_rules
from vybory.model.definition import Definition, Trustee, format_time, parse_time
from vybory.verify.report import Findings

CHECK = "key_ceremony"
STEPS = ("trustee_key", "dkg_commitment_hash", "dkg_commitments", "dkg_shares", "dkg_complaint")


@dataclass
class Ceremony:
    """The key ceremony's messages by trustee number, and what the board announced at its end."""

    fingerprint: bytes
    trustees: int
    threshold: int
    messaging_keys: dict[int, MessagingKey] = field(default_factory=dict)
    commitments: dict[int, DealerCommitment] = field(default_factory=dict)
    reveals: dict[int, DealerReveal] = field(default_factory=dict)
    shares: dict[int, tuple[EncryptedShare, ...]] = field(default_factory=dict)
    complaints: dict[int, tuple[Complaint, ...]] = field(default_factory=dict)
    completed_at: int | None = None
    public_key: Point | None = None
    verification_keys: dict[int, Point] = field(default_factory=dict)
    qualified: tuple[int, ...] = ()
    # The attempt (spec §5.8), its trustees seat by seat, and when it was restarted (None: attempt 1).
    attempt: int = 1
    seats: tuple[Trustee, ...] = ()
    restarted_at: datetime | None = None

    @property
    def completed(self) -> bool:
        return self.completed_at is not None

    def add(self, kind: str, payload: Mapping[str, Any], position: int, out: Findings) -> None:
        """Takes one key ceremony message (any kind of :data:`STEPS`), checking it where it stands."""

        def fail(code: str, message: str) -> None:
            out.fail(CHECK, code, message, position=position, kind=kind)

        out.count(CHECK)
        if self.completed:
            fail("dkg_after_completion", "a key ceremony message after the ceremony was completed")
            return
        i = payload.get("trustee")
        if isinstance(i, bool) or not isinstance(i, int) or not 1 <= i <= self.trustees:
            fail("dkg_trustee", f"names no trustee of the commission (1 to {self.trustees}): {i!r}")
            return
        n = self.trustees
        given = payload.get("attempt", 1)
        if given != self.attempt or ("attempt" in payload and self.attempt == 1):
            fail("dkg_attempt", f"trustee {i}'s message is for attempt {given!r} of the key ceremony, but the "
                                f"board is at attempt {self.attempt} (from attempt 2 on every message names its "
                                "attempt; attempt 1's name none)")
            return
        expected = {"trustee_key": {"trustee", "messaging_key", "at"},
                    "dkg_commitment_hash": {"trustee", "commitment", "at"},
                    "dkg_commitments": {"trustee", "reveal", "at"},
                    "dkg_shares": {"trustee", "shares", "at"},
                    "dkg_complaint": {"trustee", "complaints", "at"}}[kind]
        if self.attempt != 1:
            expected = expected | {"attempt"}
        if set(payload) - {"signed"} != expected:
            fail("dkg_payload", f"must have exactly the fields {', '.join(sorted(expected))}")
            return
        try:
            if kind == "trustee_key":
                if i in self.messaging_keys:
                    fail("dkg_twice", f"trustee {i} publishes a second messaging key")
                    return
                key = MessagingKey.from_json(payload["messaging_key"], "messaging_key")
                self.messaging_keys[i] = key
                if key.trustee != i:
                    fail("dkg_trustee", f"trustee {i}'s messaging key names trustee {key.trustee}")
                    return
                threshold.check_messaging_key(self.fingerprint, key)
            elif kind == "dkg_commitment_hash":
                if i in self.commitments:
                    fail("dkg_twice", f"trustee {i} publishes a second commitment hash")
                    return
                commitment = DealerCommitment.from_json(payload["commitment"], "commitment")
                self.commitments[i] = commitment
                if commitment.trustee != i:
                    fail("dkg_trustee", f"trustee {i}'s commitment hash names trustee {commitment.trustee}")
            elif kind == "dkg_commitments":
                waiting = [j for j in range(1, n + 1) if j not in self.commitments or j not in self.messaging_keys]
                if waiting:
                    fail("dkg_order", f"trustee {i} reveals its commitments before every trustee has committed "
                                      f"(waiting for {', '.join(map(str, waiting))}): commit, then reveal")
                if i in self.reveals:
                    fail("dkg_twice", f"trustee {i} reveals a second time")
                    return
                reveal = DealerReveal.from_json(payload["reveal"], "reveal")
                self.reveals[i] = reveal
                if reveal.trustee != i:
                    fail("dkg_trustee", f"trustee {i}'s reveal names trustee {reveal.trustee}")
                    return
                if i in self.commitments and self.commitments[i].trustee == i:
                    threshold.check_reveal(self.fingerprint, self.commitments[i], reveal, self.threshold)
            elif kind == "dkg_shares":
                waiting = [j for j in range(1, n + 1) if j not in self.reveals]
                if waiting:
                    fail("dkg_order", f"trustee {i} sends shares before every trustee has revealed "
                                      f"(waiting for {', '.join(map(str, waiting))})")
                if i in self.shares:
                    fail("dkg_twice", f"trustee {i} sends its shares a second time")
                    return
                raw = payload["shares"]
                if not isinstance(raw, list):
                    raise InvalidEncoding("must be a list", field="shares")
                shares = tuple(EncryptedShare.from_json(s, f"shares[{k}]") for k, s in enumerate(raw))
                if any(s.dealer != i for s in shares):
                    # Not counted as anyone's shares (spec §10.2): trustee i sent none (§5.7 rule 3).
                    self.shares[i] = ()
                    fail("dkg_trustee", f"trustee {i}'s shares name another dealer")
                    return
                self.shares[i] = shares
            else:
                waiting = [j for j in range(1, n + 1) if j not in self.shares]
                if waiting:
                    fail("dkg_order", f"trustee {i} files complaints before every trustee has sent its shares "
                                      f"(waiting for {', '.join(map(str, waiting))})")
                if i in self.complaints:
                    fail("dkg_twice", f"trustee {i} files complaints a second time")
                    return
                raw = payload["complaints"]
                if not isinstance(raw, list):
                    raise InvalidEncoding("must be a list", field="complaints")
                complaints = tuple(Complaint.from_json(c, f"complaints[{k}]") for k, c in enumerate(raw))
                if any(c.recipient != i for c in complaints):
                    # Not counted as anyone's complaints (spec §10.2): trustee i filed none.
                    self.complaints[i] = ()
                    fail("dkg_trustee", f"trustee {i} complains about a share sent to another trustee")
                    return
                self.complaints[i] = complaints
                if len({c.dealer for c in complaints}) != len(complaints):
                    fail("dkg_complaint", f"trustee {i} complains twice about the same dealer")
                for complaint in complaints:
                    self._judge_complaint(complaint, fail)
        except VyboryError as error:
            fail(error.code if error.code != "invalid_proof" else "dkg_proof", f"trustee {i}: {error}")

    def _judge_complaint(self, complaint: Complaint, fail: Callable[[str, str], None]) -> None:
        """A complaint whose proof fails under the board's messaging key of its author is evidence
        against the board (the key is not the one the trustee holds), never a false complaint."""
        i, j = complaint.dealer, complaint.recipient
        share = next((s for s in self.shares.get(i, ()) if s.recipient == j), None)
        key = self.messaging_keys.get(j)
        if share is None or key is None or i not in self.reveals:
            fail("dkg_complaint", f"trustee {j} complains about a share trustee {i} never sent")
            return
        try:
            threshold.check_complaint(self.fingerprint, complaint, share, self.reveals[i], key.public_key)
        except (InvalidProof, InvalidInput):
            fail("complaint_against_board", f"trustee {j}'s complaint about trustee {i} fails under the board's "
                                            f"messaging key for trustee {j}: the board's key is not the one "
                                            f"trustee {j} holds")

    def complete(self, payload: Mapping[str, Any], position: int, out: Findings) -> None:
        """``key_ceremony_completed``: recomputes the result and compares it with the announced one."""
        kind = "key_ceremony_completed"

        def fail(code: str, message: str) -> None:
            out.fail(CHECK, code, message, position=position, kind=kind)

        out.count(CHECK)
        if self.completed:
            fail("dkg_twice", "the key ceremony is completed a second time")
            return
        self.completed_at = position
        announced = {k: v for k, v in payload.items() if k != "at"}
        # What everyone else uses is what the board announced; it is checked below.
        try:
            self.public_key = Point.from_hex(str(announced.get("public_key")), "public_key")
            self.verification_keys = {
                int(j): Point.from_hex(x, f"verification_keys.{j}")
                for j, x in dict(announced.get("verification_keys") or {}).items()}
            qualified = announced.get("qualified")
            self.qualified = tuple(j for j in qualified if isinstance(j, int)) if isinstance(qualified, list) else ()
        except (VyboryError, ValueError, TypeError) as error:
            fail("dkg_result", f"the announced result cannot be read: {error}")
        waiting = [j for j in range(1, self.trustees + 1) if j not in self.complaints]
        if waiting:
            fail("dkg_order", "the ceremony is completed before every trustee has checked its shares "
                              f"(waiting for {', '.join(map(str, waiting))})")
        try:
            result = threshold.finish(
                self.fingerprint, self.trustees, self.threshold, self.messaging_keys, self.commitments,
                self.reveals, [s for shares in self.shares.values() for s in shares],
                [c for complaints in self.complaints.values() for c in complaints])
        except ThresholdNotMet as error:
            fail("dkg_failed", f"recomputed from the board, the ceremony fails: {error.message}")
            return
        except (InvalidProof, VyboryError) as error:
            fail("dkg_result", f"the ceremony cannot be recomputed: {error}")
            return
        expected = result.to_json()
        if self.attempt != 1:
            expected["attempt"] = self.attempt
        for i, why in sorted(result.disqualified.items()):
            out.note(CHECK, f"trustee {i} is disqualified: {why}")
        for name, words in (("trustees", "number of trustees"), ("threshold", "threshold"),
                            ("qualified", "qualified trustees"), ("public_key", "joint public key"),
                            ("disqualified", "disqualified trustees"), ("false_complaints", "false complaints")):
            if announced.get(name) != expected[name]:
                fail(f"dkg_{name}", f"the announced {words} ({announced.get(name)!r}) differ from those "
                                    f"recomputed from the board ({expected[name]!r})")
        given = announced.get("verification_keys")
        keys = expected["verification_keys"]
        assert isinstance(keys, dict)
        if not isinstance(given, Mapping):
            fail("dkg_verification_keys", "the verification keys are missing")
        else:
            for j in sorted(set(given) | set(keys), key=lambda s: (len(str(s)), str(s))):
                if given.get(j) != keys.get(j):
                    fail("dkg_verification_keys", f"the verification key of trustee {j} differs from the one "
                                                  "recomputed from the commitments")
        if announced.get("attempt") != expected.get("attempt"):
            fail("dkg_attempt", f"the result names attempt {announced.get('attempt', 1)!r}; the board is at attempt "
                                f"{self.attempt}")
        extra = set(announced) - set(expected)
        if extra:
            fail("dkg_result", f"unknown fields in the announced result: {', '.join(sorted(extra))}")

    def judge(self) -> Judgement | None:
        """Who qualified, once every trustee has filed its complaints (None before)."""
        if any(j not in self.complaints for j in range(1, self.trustees + 1)):
            return None
        return threshold.judge(self.fingerprint, self.trustees, self.threshold, self.messaging_keys,
                               self.commitments, self.reveals, [s for shares in self.shares.values() for s in shares],
                               [c for complaints in self.complaints.values() for c in complaints])

    def restart(self, definition: Definition, election: bytes, earlier: list[Ceremony], payload: Mapping[str, Any],
                position: int, out: Findings) -> Ceremony | None:
        """``key_ceremony_restarted`` (spec §5.8): the restart of an attempt that failed or stalled,
        naming its outcome exactly, with trustees that keep the rules; returns the new attempt, which
        the verifier follows (also after a restart it reports, so that one lie gives one finding),
        or None after a completed ceremony, whose key stays the election's; ``election``: the
        election's fingerprint."""
        kind = "key_ceremony_restarted"

        def fail(code: str, message: str) -> None:
            out.fail(CHECK, code, message, position=position, kind=kind)

        out.count(CHECK)
        at = parse_time(payload["at"])
        if self.completed:
            fail("restart_after_completion", f"the key ceremony was completed (event {self.completed_at}): a "
                                             "completed ceremony is never restarted; its trustees hold the key "
                                             "(the restart is not followed)")
            return None
        judged = self.judge()
        deadline = restart_rules.attempt_deadline(definition, self.restarted_at)
        expected = restart_rules.outcome(judged, self.threshold, deadline, at, self.trustees, {
            "trustee_key": self.messaging_keys, "dkg_commitment_hash": self.commitments,
            "dkg_commitments": self.reveals, "dkg_shares": self.shares, "dkg_complaint": self.complaints})
        if expected is None and judged is not None:
            fail("restart_not_failed", f"attempt {self.attempt} did not fail: {len(judged.qualified)} "
                                       f"trustees qualified, {self.threshold} needed")
        elif expected is None:
            fail("restart_not_failed", f"attempt {self.attempt} is restarted at {format_time(at)}, before "
                                       f"its deadline {format_time(deadline)}, while it could still succeed")
        if payload["attempt"] != self.attempt + 1 or isinstance(payload["attempt"], bool):
            fail("restart_attempt", f"starts attempt {payload['attempt']!r}; the next attempt is {self.attempt + 1}")
        if expected is not None and payload["outcome"] != expected:
            fail("restart_outcome", f"names the outcome {payload['outcome']!r} of attempt {self.attempt}; "
                                    f"recomputed from the board it is {expected!r}")
        try:
            restart_rules.read_reason(payload["reason"])
        except VyboryError as error:
            fail("restart_reason", f"the reason: {error}")
        seats = self.seats
        try:
            seats = restart_rules.read_trustees(payload["trustees"], self.trustees)
            if expected is not None:  # (a restart that is not allowed at all has been named already)
                restart_rules.check_seats(definition, self.seats, [t for c in (*earlier, self) for t in c.seats],
                                          restart_rules.failed_seats(expected), seats)
        except VyboryError as error:
            fail(error.code if error.code not in ("invalid_input", "refused") else "restart_trustees",
                 f"the new attempt's trustees: {error}")
        attempt = self.attempt + 1
        changed = [f"seat {j}: {old.name} ({old.id}) replaced by {new.name} ({new.id}, {new.organisation})"
                   for j, (old, new) in enumerate(zip(self.seats, seats), start=1) if old != new]
        result = payload["outcome"].get("result") if isinstance(payload["outcome"], Mapping) else None
        out.note(CHECK, f"the key ceremony was restarted at event {position}: attempt {self.attempt} {result}, "
                        f"restarted as attempt {attempt}, the commission's reason: {str(payload['reason'])!r}"
                        + ("; " + "; ".join(changed) if changed else "; the same trustees"))
        return Ceremony(threshold.attempt_fingerprint(election, attempt),
                        self.trustees, self.threshold, attempt=attempt, seats=seats, restarted_at=at)


__all__ = ["CHECK", "STEPS", "Ceremony"]
