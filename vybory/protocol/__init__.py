"""vybory.protocol: the election's steps as pure functions over the state the board gives.

The state is derived from the board (:func:`replay`); each action returns the
payload of the event that records it, or raises a
:class:`~vybory.errors.VyboryError` with a ``code`` and words a commission
secretary understands. :func:`check_append` is the one door through which the
shell appends events. Time (``now``) and randomness (``rng``) are parameters.
"""

from vybory.protocol.accept import check_append
from vybory.protocol.credentials import (
    answer_complaints,
    credential_list,
    credential_scalar,
    generate_credential,
    issue_credentials,
    normalise_secret,
    public_credential,
    publish_credentials,
    publish_roll,
)
from vybory.protocol.decide import count_round, declare_outcomes, publish_election
from vybory.protocol.encrypt import (
    BallotForm,
    BallotSecrets,
    ballot_form,
    encrypt_ballot,
    open_ballot,
)
from vybory.protocol.keys import (
    attempt_outcome,
    complete_key_ceremony,
    new_trustee_secrets,
    publish_commitment_hash,
    publish_complaints,
    publish_reveal,
    publish_shares,
    publish_trustee_key,
    restart_key_ceremony,
    trustee_secret_share,
)
from vybory.protocol.mix import compute_mix, contests_to_mix, mixing_complete
from vybory.protocol.nominations import (
    close_nominations,
    decide_appeal,
    define,
    lodge_appeal,
    nominate,
    refuse_candidate,
    register_candidate,
)
from vybory.protocol.rounds import check_ballot, close_round, open_next_round, open_round
from vybory.protocol.state import ElectionState, Pending, Phase, pending, replay
from vybory.protocol.tally import (
    check_encrypted_tally,
    combine_shares,
    compute_decryption_share,
    compute_encrypted_tally,
    round_totals,
)

__all__ = [
    "BallotForm",
    "BallotSecrets",
    "ElectionState",
    "Pending",
    "Phase",
    "answer_complaints",
    "attempt_outcome",
    "ballot_form",
    "check_append",
    "check_ballot",
    "check_encrypted_tally",
    "close_nominations",
    "close_round",
    "combine_shares",
    "complete_key_ceremony",
    "compute_decryption_share",
    "compute_encrypted_tally",
    "compute_mix",
    "contests_to_mix",
    "count_round",
    "credential_list",
    "credential_scalar",
    "decide_appeal",
    "declare_outcomes",
    "define",
    "encrypt_ballot",
    "generate_credential",
    "issue_credentials",
    "lodge_appeal",
    "mixing_complete",
    "new_trustee_secrets",
    "nominate",
    "normalise_secret",
    "open_ballot",
    "open_next_round",
    "open_round",
    "pending",
    "public_credential",
    "publish_commitment_hash",
    "publish_complaints",
    "publish_credentials",
    "publish_election",
    "publish_reveal",
    "publish_roll",
    "publish_shares",
    "publish_trustee_key",
    "refuse_candidate",
    "register_candidate",
    "replay",
    "restart_key_ceremony",
    "round_totals",
    "trustee_secret_share",
]
