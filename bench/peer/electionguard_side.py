"""The ElectionGuard 1.4.0 side of bench/peer.py: the same work, timed in its own Python.

    bench/.venv-electionguard/bin/python bench/peer/electionguard_side.py '{"shapes": [[4, 4, 4]], ...}'

Runs on the Python 3.10 environment bench/peer.py makes (electionguard 1.4.0 does not import on
3.11). Reads one JSON argument (the shapes, the tally size, the rounds and a scale for the
iteration counts) and prints one JSON object: for each benchmark, the best µs per call over the
rounds. Every object it times is made here with ElectionGuard's own API: a manifest whose
contests are 1-of-m with the given numbers of candidates, a key ceremony of 3 guardians with a
quorum of 2 (its orchestrator), ballots encrypted by ``encrypt_ballot`` (placeholders included,
as ElectionGuard always adds them), verified by ``is_valid_encryption``, tallied by
``CiphertextTally.batch_append`` (its own accumulation, run in this process), and one
guardian's decryption share of that tally with its proofs (``compute_decryption_share``).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from electionguard.ballot import (
    BallotBoxState,
    PlaintextBallot,
    PlaintextBallotContest,
    PlaintextBallotSelection,
)
from electionguard.ballot_box import submit_ballot
from electionguard.decryption import compute_decryption_share
from electionguard.election import make_ciphertext_election_context
from electionguard.encrypt import EncryptionDevice, encrypt_ballot, encrypt_selection
from electionguard.group import rand_q
from electionguard.guardian import Guardian
from electionguard.key_ceremony import CeremonyDetails
from electionguard.key_ceremony_mediator import KeyCeremonyMediator
from electionguard.logs import ElectionGuardLog
from electionguard.manifest import (
    BallotStyle,
    Candidate,
    CandidateContestDescription,
    ElectionType,
    GeopoliticalUnit,
    InternalManifest,
    Manifest,
    Party,
    ReportingUnitType,
    SelectionDescription,
    SpecVersion,
    VoteVariationType,
)
from electionguard.tally import CiphertextTally
from electionguard.utils import get_optional

# ElectionGuard logs every encryption at INFO, and each log call walks the stack (inspect.stack()),
# which would dominate its figures: its logging is switched off, so it is timed at its best.
for _level in ("debug", "info", "warn"):
    setattr(ElectionGuardLog, _level, lambda self, message, *args, **kwargs: None)


def best_us(fn: Callable[[], object], iterations: int, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for _ in range(iterations):
            fn()
        best = min(best, (time.process_time() - start) / iterations)
    return best * 1e6


def manifest_of(shape: list[int]) -> Manifest:
    """1-of-m contests with ``shape[i]`` candidates each, in one ballot style."""
    contests = []
    candidates = []
    for i, size in enumerate(shape):
        selections = []
        for j in range(size):
            candidate = f"c{i}-{j}"
            candidates.append(Candidate(candidate))
            selections.append(SelectionDescription(f"s{i}-{j}", j, candidate))
        contests.append(CandidateContestDescription(f"contest-{i}", i, "district", VoteVariationType.one_of_m, 1, 1,
                                                    f"Contest {i}", selections))
    return Manifest(
        election_scope_id="bench", spec_version=SpecVersion.EG0_95, type=ElectionType.general,
        start_date=datetime(2025, 3, 1), end_date=datetime(2025, 3, 21),
        geopolitical_units=[GeopoliticalUnit("district", "District", ReportingUnitType.county)],
        parties=[Party("party")], candidates=candidates, contests=contests,
        ballot_styles=[BallotStyle("style", ["district"])],
    )


def election(shape: list[int]) -> tuple[Any, Any, Any]:
    """The internal manifest, the context and the guardians (3, quorum 2) of a ``shape`` election:
    the key ceremony as ElectionGuard's own orchestrator (electionguard_tools) runs it."""
    manifest = manifest_of(shape)
    assert manifest.is_valid()
    details = CeremonyDetails(3, 2)
    guardians = [Guardian.from_nonce(str(i + 1), i + 1, 3, 2) for i in range(3)]
    mediator = KeyCeremonyMediator("mediator", details)
    for guardian in guardians:
        mediator.announce(guardian.share_key())
    for guardian in guardians:
        for key in get_optional(mediator.share_announced(guardian.id)):
            guardian.save_guardian_key(key)
    for guardian in guardians:
        guardian.generate_election_partial_key_backups()
        mediator.receive_backups(guardian.share_election_partial_key_backups())
    for guardian in guardians:
        for backup in get_optional(mediator.share_backups(guardian.id)):
            guardian.save_election_partial_key_backup(backup)
    for guardian in guardians:
        mediator.receive_backup_verifications([
            get_optional(guardian.verify_election_partial_key_backup(other.id))
            for other in guardians if other.id != guardian.id])
    joint = get_optional(mediator.publish_joint_key())
    context = make_ciphertext_election_context(3, 2, joint.joint_public_key, joint.commitment_hash,
                                               manifest.crypto_hash())
    return InternalManifest(manifest), context, guardians


def plaintext(shape: list[int], voter: int) -> PlaintextBallot:
    """Voter ``voter`` marks candidate ``voter % size`` in each contest (the others are filled in as 0)."""
    return PlaintextBallot(f"ballot-{voter}", "style", [
        PlaintextBallotContest(f"contest-{i}", [PlaintextBallotSelection(f"s{i}-{voter % size}", 1, False)])
        for i, size in enumerate(shape)])


class InProcess:
    """ElectionGuard's Scheduler interface, run in this process (vybory's figures are one core too)."""

    def schedule(self, task: Callable[..., Any], arguments: list[Any], with_shared_resources: bool = False) -> list[Any]:
        return [task(*a) for a in arguments]


def measure(shape: list[int], first: bool, config: dict[str, Any], seed: Any) -> dict[str, float]:
    """Every figure for one ballot shape (the per-selection, tally and share figures on the first)."""
    rounds, scale = config["rounds"], config["scale"]

    def it(n: int) -> int:
        return max(1, int(n * scale))

    results: dict[str, float] = {}
    internal, context, guardians = election(shape)
    key, extended = context.elgamal_public_key, context.crypto_extended_base_hash
    selections = sum(shape)
    label = f"{len(shape)}x{selections}"
    ballot = plaintext(shape, 0)
    results[f"encrypt_ballot/{label}"] = best_us(
        lambda: encrypt_ballot(ballot, internal, context, seed), it(3 if selections < 30 else 1), rounds)
    encrypted = get_optional(encrypt_ballot(ballot, internal, context, seed))
    assert encrypted.is_valid_encryption(internal.manifest_hash, key, extended)
    results[f"verify_ballot/{label}"] = best_us(
        lambda: encrypted.is_valid_encryption(internal.manifest_hash, key, extended),
        it(2 if selections < 30 else 1), rounds)
    if not first:
        return results
    # One selection: encrypt + 0/1 proof, and verify that proof.
    description = internal.contests[0].ballot_selections[0]
    chosen = PlaintextBallotSelection(description.object_id, 1, False)
    results["encrypt_prove_selection"] = best_us(
        lambda: encrypt_selection(chosen, description, key, extended, rand_q()), it(20), rounds)
    one = get_optional(encrypt_selection(chosen, description, key, extended, rand_q()))
    proof = get_optional(one.proof)
    assert proof.is_valid(one.ciphertext, key, extended)
    results["verify_zero_one"] = best_us(lambda: proof.is_valid(one.ciphertext, key, extended), it(20), rounds)
    # Tally N ballots: `distinct` ballots encrypted, submitted as cast, cycled to N ids.
    distinct = [get_optional(encrypt_ballot(plaintext(shape, v), internal, context, seed))
                for v in range(config["distinct"])]
    cast = [submit_ballot(distinct[v % len(distinct)], BallotBoxState.CAST) for v in range(config["tally"])]
    for v, b in enumerate(cast):
        object.__setattr__(b, "object_id", f"cast-{v}")
    store = [(b.object_id, b) for b in cast]

    def tally() -> CiphertextTally:
        t = CiphertextTally("tally", internal, context)
        assert t.batch_append(store, False, InProcess())  # type: ignore[arg-type]
        return t

    results[f"tally/{config['tally']}"] = best_us(tally, 1, rounds)
    counted = tally()
    assert counted.cast() == config["tally"]
    keys = guardians[0]._election_keys
    results[f"decryption_share/{selections}"] = best_us(
        lambda: compute_decryption_share(keys, counted, context, InProcess()), it(2), rounds)  # type: ignore[arg-type]
    share = get_optional(compute_decryption_share(keys, counted, context, InProcess()))  # type: ignore[arg-type]
    parts = [(selection, counted.contests[contest_id].selections[selection_id])
             for contest_id, contest in share.contests.items()
             for selection_id, selection in contest.selections.items()]

    def check_share() -> None:
        for part, ciphertext in parts:
            assert get_optional(part.proof).is_valid(ciphertext.ciphertext, keys.share().key, part.share, extended)

    check_share()
    results[f"check_share/{selections}"] = best_us(check_share, it(2), rounds)
    return results


def main() -> None:
    config = json.loads(sys.argv[1])
    seed = EncryptionDevice(1, 1, 1, "bench").get_hash()
    results: dict[str, float] = {}
    for k, shape in enumerate(config["shapes"]):
        results.update(measure(shape, k == 0, config, seed))
    print(json.dumps(results))


if __name__ == "__main__":
    main()
