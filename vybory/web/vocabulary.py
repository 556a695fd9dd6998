"""Words the pages show from data (phases, roles, event kinds, statuses, methods, deadlines).

Templates translate them with ``_(value)``; listing them here (with the no-op
marker ``N_``) lets the catalogue extraction (``scripts/update-catalogues``)
find them, and the catalogue test check that each has a translation.
"""

from __future__ import annotations


def N_(message: str) -> str:
    return message


PHASES = (
    N_("nominations"),
    N_("key_ceremony"),
    N_("credentials"),
    N_("ready"),
    N_("voting"),
    N_("tally"),
    N_("decryption"),
    N_("result"),
    N_("published"),
)
ROLES = (
    N_("commission"),
    N_("trustee"),
    N_("observer"),
    N_("organisation"),
    N_("credential_authority"),
    N_("witness"),
)
EVENT_KINDS = (
    N_("election_defined"),
    N_("nomination_submitted"),
    N_("candidate_registered"),
    N_("candidate_refused"),
    N_("appeal_lodged"),
    N_("appeal_decided"),
    N_("nominations_closed"),
    N_("trustee_key"),
    N_("dkg_commitment_hash"),
    N_("dkg_commitments"),
    N_("dkg_shares"),
    N_("dkg_complaint"),
    N_("key_ceremony_completed"),
    N_("key_ceremony_restarted"),
    N_("roll_published"),
    N_("roll_complaint"),
    N_("roll_complaints_answered"),
    N_("credentials_published"),
    N_("round_opened"),
    N_("ballot_cast"),
    N_("round_closed"),
    N_("encrypted_tally"),
    N_("decryption_share"),
    N_("tally_decrypted"),
    N_("outcome_declared"),
    N_("election_published"),
    N_("ballots_mixed"),
    N_("head_witnessed"),
)
STATUSES = (N_("submitted"), N_("registered"), N_("refused"), N_("appealed"), N_("appeal_rejected"))
DECISIONS = (N_("accepted"), N_("rejected"))
METHODS = (
    N_("plurality"),
    N_("block"),
    N_("approval"),
    N_("strikeout"),
    N_("majority"),
    N_("for-against"),
    N_("motion"),
    N_("score"),
    N_("majority-judgment"),
)
DEADLINES = (
    N_("nominations_close"),
    N_("voting_open"),
    N_("voting_close"),
    N_("round_1_close"),
    N_("round_2_close"),
    N_("round_3_close"),
)
KEY_STEPS = (
    N_("keys_and_commitments"),
    N_("completed"),
    N_("messaging key"),
    N_("commitment hash"),
    N_("commitments"),
    N_("shares"),
    N_("complaints"),
)
CHOICES = (N_("yes"), N_("no"), N_("abstain"))
# Why a trustee's decryption share was skipped (vybory.crypto.threshold.SKIP_*, as the board
# records them); a test checks that the two lists agree.
SHARE_SKIPS = (
    N_("the share cannot be decoded"),
    N_("the share names another trustee"),
    N_("more than one share from this trustee"),
    N_("not a qualified trustee"),
    N_("wrong number of factors"),
    N_("the proof does not verify"),
)
