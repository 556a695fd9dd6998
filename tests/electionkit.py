"""The elections the tests share, and the people who run them.

Every test folder imports this module by its bare name (``tests/`` is on ``sys.path``):

- the definitions, written by :class:`DefinitionToml` as a commission would write them:
  :data:`COUNCIL` (five trustees, k = 3, two seats and a recall motion), :data:`SMALL_COUNCIL`
  (the same council with three trustees, k = 2, and no motion; its :data:`ROLL` and
  :data:`NOMINEES`), :data:`COMMITTEE` (one contest, two trustees), :func:`ranked_committee`
  (IRV, Scottish STV and a motion) and :func:`lone_contest` (one trustee, k = 1); a folder's
  own definition is written with :class:`DefinitionToml` and :func:`contest` too;
- :class:`Board`, an in-memory board whose appends go through ``protocol.check_append``,
  with the people's steps as functions of it (:func:`run_key_ceremony`,
  :func:`nominate_all`, :func:`issue`, :func:`vote`, :func:`decrypt_round`), and
  :func:`ranked_election`, a ranked election on such a board up to its encrypted tally;
- :class:`ServiceElection`, an election run through an ``ElectionService``, with the
  same steps as methods;
- :func:`offline_step`, a trustee's step computed by the offline tool from a board.

Trustees and voters compute their messages from a copy of the state, as on their own
machines, with deterministic randomness named after what it is for (:func:`rng`), so that
every test that builds the same election builds the same board.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, Self

from vybory import protocol
from vybory.crypto.group import Point, Scalar, hash_to_scalar
from vybory.crypto.rng import DeterministicRng
from vybory.model.board import Event, EventKind, check_chain, next_event
from vybory.model.definition import Definition, Voter, parse_definition
from vybory.protocol.state import ElectionState, replay

# The council's calendar (COUNCIL, SMALL_COUNCIL and the elections built on them).
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
NOMINATIONS_CLOSE = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
VOTING_OPEN = datetime(2025, 3, 20, 6, 0, tzinfo=UTC)
VOTING_CLOSE = datetime(2025, 3, 21, 20, 0, tzinfo=UTC)
MARCH = {"nominations_close": NOMINATIONS_CLOSE, "voting_open": VOTING_OPEN, "voting_close": VOTING_CLOSE}

# The ranked committee's calendar.
RANKED_T0 = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
RANKED_NOMINATIONS_CLOSE = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)
RANKED_VOTING_OPEN = datetime(2025, 6, 20, 6, 0, tzinfo=UTC)
RANKED_VOTING_CLOSE = datetime(2025, 6, 21, 20, 0, tzinfo=UTC)

# The committee's deadlines (a definition that is only parsed).
MAY = {"nominations_close": datetime(2025, 5, 1, 12, 0, tzinfo=UTC),
       "voting_open": datetime(2025, 5, 10, 6, 0, tzinfo=UTC),
       "voting_close": datetime(2025, 5, 11, 18, 0, tzinfo=UTC)}

PASSWORD = "correct horse battery"  # every login's password in the API and page tests
FITTER = {"occupation": "fitter"}  # a nominee's details


def rng(label: str) -> DeterministicRng:
    return DeterministicRng(label.encode())


def at(base: datetime, **delta: float) -> datetime:
    return base + timedelta(**delta)


# --- Definitions -------------------------------------------------------------------------


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _lines(fields: Mapping[str, Any]) -> str:
    return "".join(f"{key} = {_value(value)}\n" for key, value in fields.items() if value is not None)


def identity_secret(role: str, id: str | None = None) -> Scalar:
    """The test identity key of a trustee (``role`` "trustee", ``id`` its id), of the credential
    authority ("authority") or of the commission ("commission"): the same in every test."""
    return hash_to_scalar(b"vybory-test-identity", role.encode(), (id or role).encode())


def signing_key(role: str, id: str | None = None) -> str:
    """The public signing key (hex) the test definitions name for ``identity_secret(role, id)``."""
    return Point.base_mul(identity_secret(role, id)).to_hex()


def contest(id: str, title: str, **fields: Any) -> dict[str, Any]:
    """A contest's keys in the order given; ``options`` becomes its ``[contests.options]`` table."""
    return {"id": id, "title": title, **fields}


@dataclass(frozen=True, slots=True)
class DefinitionToml:
    """An election definition's parts; :meth:`text` writes the TOML a commission writes.

    Invariants: tables come in the order of the format (deadlines, commission, districts,
    organisations, trustees, contests), one blank line before each; keys keep the order given.
    """

    slug: str
    title: str
    seed: str
    deadlines: Mapping[str, Any]
    threshold: int
    districts: Sequence[tuple[str, str]]  # (id, name)
    organisations: Sequence[tuple[str, str, str]]  # (id, name, type)
    trustees: Sequence[tuple[str, str, str]]  # (id, name, organisation)
    contests: Sequence[Mapping[str, Any]]  # from contest()
    credential_authority: str = "Credentials office"
    revote: bool | None = None
    allow_organisation_threshold: bool | None = None
    public_roll: bool | None = None

    def text(self) -> str:
        parts = ["\n" + _lines({"slug": self.slug, "title": self.title, "seed": self.seed, "revote": self.revote,
                                  "public_roll": self.public_roll}),
                 "\n[credential_authority]\n" + _lines({"name": self.credential_authority,
                                                         "signing_key": signing_key("authority")}),
                 "\n[deadlines]\n" + _lines(self.deadlines),
                 "\n[commission]\n" + _lines({"threshold": self.threshold,
                                               "allow_organisation_threshold": self.allow_organisation_threshold,
                                               "signing_key": signing_key("commission")})]
        parts += [f"\n[[districts]]\n{_lines({'id': i, 'name': name})}" for i, name in self.districts]
        parts += [f"\n[[organisations]]\n{_lines({'id': i, 'name': name, 'type': kind})}"
                  for i, name, kind in self.organisations]
        parts += [f"\n[[trustees]]\n"
                  f"{_lines({'id': i, 'name': name, 'organisation': org, 'signing_key': signing_key('trustee', i)})}"
                  for i, name, org in self.trustees]
        for c in self.contests:
            keys = dict(c)
            options = keys.pop("options", None)
            parts.append("\n[[contests]]\n" + _lines(keys) + ("[contests.options]\n" + _lines(options) if options else ""))
        return "".join(parts)


FIVE_TRUSTEES = (("anna", "Anna", "union"), ("boris", "Boris", "union"), ("clara", "Clara", "coop"),
                 ("dmitri", "Dmitri", "coop"), ("elena", "Elena", "youth"))
COUNCIL_SEATS = (contest("north-seat", "Councillor for the North", district="north", method="majority"),
                 contest("south-seat", "Councillor for the South", district="south", method="majority"))

SLUG = "council-2025"  # the slug of COUNCIL and SMALL_COUNCIL
COUNCIL_DEFINITION = DefinitionToml(
    slug=SLUG, title="Town council election", seed="5eed" * 8,
    deadlines={**MARCH, "runoff_days": 7, "repeat_days": 14}, threshold=3,
    districts=(("north", "North"), ("south", "South")),
    organisations=(("union", "Metalworkers' union", "trade_union"), ("coop", "Consumer co-operative", "cooperative"),
                   ("youth", "Youth league", "youth")),
    trustees=FIVE_TRUSTEES,
    contests=(*COUNCIL_SEATS, contest("south-recall", "Recall the South's treasurer", district="south",
                                      method="motion", options={"denominator": "registered"})))
COUNCIL = COUNCIL_DEFINITION.text()

# The same council with three trustees (k = 2) and the two seats only.
SMALL_COUNCIL = replace(COUNCIL_DEFINITION, threshold=2, trustees=FIVE_TRUSTEES[::2], contests=COUNCIL_SEATS).text()
# Six voters in each district of the council.
ROLL = "id,name,district,weight\n" + "".join(
    f"{d[0]}{i},Voter {d} {i},{d},1\n" for d in ("north", "south") for i in range(1, 7))
NOMINEES = {"north-seat": [("union", "Ivanov"), ("coop", "Petrova"), ("youth", "Sidorov")],
            "south-seat": [("union", "Kuznetsova"), ("coop", "Volkov")]}

# The small council with its roll posted for public inspection (``public_roll``).
PUBLIC_COUNCIL = replace(COUNCIL_DEFINITION, threshold=2, trustees=FIVE_TRUSTEES[::2], contests=COUNCIL_SEATS,
                         public_roll=True).text()

# One district, two organisations, two trustees (k = 2), one contest "chair".
COMMITTEE = DefinitionToml(
    slug="committee", title="Factory committee", seed="00112233445566778899aabbccddeeff", deadlines=MAY,
    threshold=2, districts=(("plant", "The plant"),),
    organisations=(("union", "Union", "trade_union"), ("coop", "Co-op", "cooperative")),
    trustees=(("t1", "One", "union"), ("t2", "Two", "coop")),
    contests=(contest("chair", "Chair", method="majority"),)).text()


def ranked_committee(max_ranks: int) -> str:
    """A works committee: IRV for the chair (``max_ranks`` ranks), Scottish STV for two board
    seats, a motion; five trustees (k = 3), one district "works"."""
    return DefinitionToml(
        slug="ranked-committee", title="Works committee, ranked", seed="0123456789abcdef" * 2,
        deadlines={"nominations_close": RANKED_NOMINATIONS_CLOSE, "voting_open": RANKED_VOTING_OPEN,
                   "voting_close": RANKED_VOTING_CLOSE},
        threshold=3, districts=(("works", "The works"),),
        organisations=(("union", "Union", "trade_union"), ("coop", "Co-op", "cooperative"),
                       ("youth", "Youth league", "youth")),
        trustees=FIVE_TRUSTEES,
        contests=(contest("chair", "Chair", method="irv", options={"max_ranks": max_ranks}),
                  contest("board", "Board", method="stv-scottish", seats=2),
                  contest("canteen", "Keep the canteen open", method="motion"))).text()


def lone_contest(*contests: Mapping[str, Any]) -> str:
    """The smallest election around ``contests``: one district, one organisation, one trustee (k = 1)."""
    return DefinitionToml(
        slug="c", title="C", seed="00112233445566778899aabbccddeeff", credential_authority="Office", deadlines=MAY,
        threshold=1, allow_organisation_threshold=True, districts=(("d", "D"),), organisations=(("o", "O", "other"),),
        trustees=(("t", "T", "o"),), contests=contests).text()


def council() -> Definition:
    return parse_definition(COUNCIL)


# --- The people's steps, whatever the board ------------------------------------------------


def key_ceremony_steps(state: Callable[[], ElectionState], post: Callable[[str, dict[str, Any]], object],
                       now: datetime, label: str,
                       lie: Callable[[str, Any, dict[str, Any]], dict[str, Any]] | None = None) -> dict[int, Any]:
    """Every trustee's key-ceremony steps, each computed from the state of the moment (as on the
    trustee's own machine) and posted; returns each trustee's secrets (numbered), without the
    secret share. Trustee ``t``'s secrets come from ``rng(f"{label}-{t}")``. ``lie(kind, secrets,
    payload)``, when given, returns the payload a trustee posts instead (signed by itself)."""
    if lie is not None:
        honest = post

        def post(kind: str, payload: dict[str, Any]) -> object:
            return honest(kind, lie(kind, secrets[payload["trustee"]], payload))

    secrets: dict[int, Any] = {}
    for t in state().trustees:
        s = protocol.new_trustee_secrets(state(), t.id, rng(f"{label}-{t.id}"),
                                         signing_secret=identity_secret("trustee", t.id))
        secrets[s.trustee] = s
    for s in secrets.values():
        post("trustee_key", protocol.publish_trustee_key(state(), s, now=now, rng=rng("k")))
        post("dkg_commitment_hash", protocol.publish_commitment_hash(state(), s, now=now, rng=rng("h")))
    for s in secrets.values():
        post("dkg_commitments", protocol.publish_reveal(state(), s, now=now, rng=rng("r")))
    for s in secrets.values():
        post("dkg_shares", protocol.publish_shares(state(), s, now=now, rng=rng("s")))
    for s in secrets.values():
        post("dkg_complaint", protocol.publish_complaints(state(), s, now=now, rng=rng("c")))
    return secrets


def bad_shares_to(state: Callable[[], ElectionState], recipient: int,
                  dealers: Sequence[int]) -> Callable[[str, Any, dict[str, Any]], dict[str, Any]]:
    """A ``lie`` for :func:`key_ceremony_steps`: ``dealers`` send ``recipient`` shares that do not
    open (each signs its own), so that ``recipient``'s justified complaints disqualify them."""

    def lie(kind: str, s: Any, payload: dict[str, Any]) -> dict[str, Any]:
        if kind != "dkg_shares" or s.trustee not in dealers:
            return payload
        for share in payload["shares"]:
            if share["recipient"] == recipient:
                share["ciphertext"] = "00" * 48
        return signed(state(), kind, payload)

    return lie


def secret_shares(state: ElectionState, secrets: Mapping[int, Any]) -> dict[int, Any]:
    """Each trustee's secrets with its secret share, once the ceremony is completed."""
    return {i: protocol.trustee_secret_share(state, s) for i, s in secrets.items()}


def sealed_ballot(form: Any, secret: str, choices: Mapping[str, Any], seed: str = "v") -> Any:
    """The ballot a voter's device makes, with the randomness of ``seed + secret``."""
    ballot, _ = protocol.encrypt_ballot(form, secret, dict(choices), rng(seed + secret))
    return ballot


def decryption_share(state: ElectionState, trustee: Any, round: int, now: datetime) -> dict[str, Any]:
    """Trustee ``trustee.trustee``'s decryption share of ``round``, with the randomness "share-<j>"."""
    return protocol.compute_decryption_share(state, trustee, round=round, now=now,
                                             rng=rng(f"share-{trustee.trustee}"))


def roll_statement(state: ElectionState, roll: Sequence[Voter]) -> dict[str, Any]:
    """The commission's ``roll_published`` for ``roll``, as its own machine makes and signs it."""
    return signed(state, "roll_published", protocol.publish_roll(state.definition, roll))


def credential_statement(state: ElectionState, roll: Sequence[Voter], entries: Sequence[Any]) -> dict[str, Any]:
    """The credential authority's ``credentials_published`` for ``entries`` issued from ``roll``, signed."""
    return signed(state, "credentials_published", protocol.credential_list(state.definition, roll, entries))


def credentials_for(roll: Sequence[Any], label: str = "credentials") -> tuple[dict[str, list[str]], list[Any]]:
    """The credential authority's work on the roll (its ``Voter``s): the secrets per district, in
    the roll's order, and the public list (credential, district, weight)."""
    issued = protocol.issue_credentials(roll, rng(label))
    secrets: dict[str, list[str]] = {}
    for voter, secret, _public in issued:
        secrets.setdefault(voter.district, []).append(secret)
    return secrets, [(public, voter.district, voter.weight) for voter, _secret, public in issued]


def offline_step(state: ElectionState, key: Path, trustee: str, step: str, **kwargs: Any) -> dict[str, Any]:
    """A trustee's step computed by the offline tool from the board's state, with the key file
    ``key`` (written by "keygen", updated when the step changes it); returns the message."""
    import json

    from vybory.model.identity import IdentityKey
    from vybory.web import offline

    if step == "keygen":
        identity = key.with_name(f"identity-{trustee}.json")
        identity.write_text(json.dumps(IdentityKey("trustee", trustee, identity_secret("trustee", trustee)).to_json()))
        kwargs["identity"] = identity
    message, new_key = offline.compute_step(step, state, None if step == "keygen" else key, trustee_id=trustee,
                                            **kwargs)
    if new_key is not None:
        key.write_text(new_key, encoding="utf-8")
    return message


OFFLINE_KEY_CEREMONY = ("keygen", "commit", "reveal", "shares", "complain")


# --- An in-memory board ----------------------------------------------------------------------


class Board:
    """An in-memory board: every append goes through ``protocol.check_append``."""

    def __init__(self, definition: Definition, now: datetime = T0):
        self.events: list[Event] = [
            next_event(None, EventKind.ELECTION_DEFINED, protocol.define(definition, now))]
        self.state: ElectionState = replay(self.events)

    def append(self, kind: EventKind | str, payload: dict[str, Any], now: datetime, **extra: Any) -> Event:
        checked = protocol.check_append(self.state, kind, payload, now=now, **extra)
        event = next_event(self.events[-1], kind, checked)
        self.events.append(event)
        self.state.apply(event)
        return event

    def replayed(self) -> ElectionState:
        check_chain(self.events)
        return replay(self.events)

    def copy(self) -> Board:
        """An independent copy (the events are immutable; the state is replayed)."""
        other = copy.copy(self)
        other.events = list(self.events)
        other.state = other.replayed()
        return other

    def ballots(self, round_number: int) -> list[Event]:
        return [e for e in self.events
                if e.kind is EventKind.BALLOT_CAST and e.payload["ballot"]["round"] == round_number]

    def lines(self) -> list[bytes]:
        """The board as ``events.jsonl`` holds it."""
        return [e.to_line() + b"\n" for e in self.events]


def run_key_ceremony(board: Board, now: datetime = T0, label: str = "trustee") -> dict[int, Any]:
    """Every trustee runs every step, then the ceremony is completed; returns each trustee's
    secrets with its secret share."""
    secrets = key_ceremony_steps(lambda: board.state, lambda kind, payload: board.append(kind, payload, now),
                                 now, label)
    board.append("key_ceremony_completed", protocol.complete_key_ceremony(board.state, now=now), now)
    return secret_shares(board.state, secrets)


def nominate_all(board: Board, plan: Mapping[str, Sequence[tuple[str, str]]], now: datetime = T0) -> None:
    """``plan``: contest -> [(organisation, name)]; every nomination registered."""
    for contest_id, entries in plan.items():
        for organisation, name in entries:
            board.append("nomination_submitted", protocol.nominate(
                board.state, organisation=organisation, contest=contest_id, name=name,
                details=FITTER, consent=True, now=now), now)
            number = len(board.state.nominations)
            board.append("candidate_registered",
                         protocol.register_candidate(board.state, nomination=number, now=now), now)


def roll_of(voters: Sequence[tuple[str, int]], label: str = "voter") -> list[Voter]:
    """A roll of one voter per ``(district, weight)``, numbered ``label-1``, ``label-2``, ..."""
    return [Voter(f"{label}-{k}", f"Voter {k}", district, weight)
            for k, (district, weight) in enumerate(voters, start=1)]


def publish_roll(board: Board, roll: Sequence[Voter], now: datetime) -> Event:
    """The commission publishes its signed roll."""
    return board.append("roll_published", roll_statement(board.state, roll), now)


def publish_credentials(board: Board, voters: Sequence[tuple[str, int]], now: datetime,
                        label: str = "credentials") -> list[str]:
    """``voters``: (district, weight) each; the commission publishes that roll, the authority one
    credential each; returns their secrets."""
    roll = roll_of(voters)
    publish_roll(board, roll, now)
    gen = rng(label)
    secrets = [protocol.generate_credential(gen)[0] for _ in voters]
    entries = [(protocol.public_credential(secret), voter.district, voter.weight)
               for secret, voter in zip(secrets, roll)]
    board.append("credentials_published", credential_statement(board.state, roll, entries), now)
    return secrets


def issue(board: Board, voters: Mapping[str, int], now: datetime = T0) -> dict[str, list[str]]:
    """``voters``: district -> how many (weight 1); publishes the list; returns secrets per district."""
    districts = [district for district, n in voters.items() for _ in range(n)]
    out: dict[str, list[str]] = {}
    for district, secret in zip(districts, publish_credentials(board, [(d, 1) for d in districts], now)):
        out.setdefault(district, []).append(secret)
    return out


def vote(board: Board, secret: str, choices: Mapping[str, Any], now: datetime, seed: str = "v") -> Event:
    form = protocol.ballot_form(board.state, protocol.public_credential(secret))
    return board.append("ballot_cast", {"ballot": sealed_ballot(form, secret, choices, seed).to_json()}, now)


def encrypted_tally(board: Board, number: int, now: datetime) -> Event:
    ballots = board.ballots(number)
    return board.append("encrypted_tally", protocol.compute_encrypted_tally(
        board.state, round=number, ballots=ballots, now=now), now, ballots=ballots)


def decrypt_round(board: Board, secrets: Mapping[int, Any], number: int, trustees: tuple[int, ...],
                  now: datetime) -> None:
    """The encrypted tally, the shares of ``trustees``, the decrypted tally and the outcomes."""
    encrypted_tally(board, number, now)
    for j in trustees:
        board.append("decryption_share", decryption_share(board.state, secrets[j], number, now), now)
    board.append("tally_decrypted", protocol.combine_shares(board.state, round=number, now=now), now)
    board.append("outcome_declared", protocol.declare_outcomes(board.state, round=number, now=now), now)


# --- A ranked election on an in-memory board ---------------------------------------------


@dataclass
class RankedElection:
    """The board, the trustees' secrets (with their secret shares), the voters' credentials
    (secret, weight) and the tracking codes of the ballots cast."""

    board: Board
    trustees: dict[int, Any]
    credentials: list[tuple[str, int]]
    receipts: list[str] = field(default_factory=list)

    @property
    def state(self) -> ElectionState:
        return self.board.state

    def copy(self) -> RankedElection:
        return RankedElection(self.board.copy(), self.trustees, self.credentials, list(self.receipts))

    def lines(self) -> list[bytes]:
        return self.board.lines()

    def mix(self, trustee: int, contest: str, now: datetime | None = None) -> dict[str, Any]:
        """Trustee ``trustee`` mixes ``contest`` of round 1 and the mix goes on the board."""
        now = now or at(RANKED_VOTING_CLOSE, hours=2)
        payload = protocol.compute_mix(self.state, self.trustees[trustee], round=1, contest=contest, now=now,
                                       rng=rng(f"mix-{trustee}-{contest}"))
        self.board.append("ballots_mixed", payload, now)
        return payload

    def share(self, trustee: int, now: datetime | None = None) -> None:
        now = now or at(RANKED_VOTING_CLOSE, hours=3)
        self.board.append("decryption_share", decryption_share(self.state, self.trustees[trustee], 1, now), now)


def ranked_election(text: str, candidates: Mapping[str, Sequence[tuple[str, str]]],
                    voters: Sequence[tuple[int, Mapping[str, Any]]],
                    first_thoughts: Mapping[str, Any]) -> RankedElection:
    """An election of :func:`ranked_committee` up to round 1 closed and its encrypted tally
    published. ``voters``: (weight, choices) each, all in district "works"; the first voter
    first votes ``first_thoughts``, then changes their mind."""
    board = Board(parse_definition(text), RANKED_T0)
    nominate_all(board, candidates, RANKED_T0)
    closing = at(RANKED_T0, days=10)
    board.append("nominations_closed", protocol.close_nominations(board.state, now=closing), closing)
    trustees = run_key_ceremony(board, closing)
    weights = [weight for weight, _ in voters]
    secrets = publish_credentials(board, [("works", w) for w in weights], at(RANKED_T0, days=11),
                                  label="ranked-credentials")
    board.append("round_opened", protocol.open_round(board.state, now=RANKED_VOTING_OPEN), RANKED_VOTING_OPEN)
    e = RankedElection(board, trustees, list(zip(secrets, weights)))
    e.receipts.append(vote(board, secrets[0], first_thoughts, at(RANKED_VOTING_OPEN, hours=1),
                           seed="first").payload["tracking_code"])
    for i, (secret, (_, choices)) in enumerate(zip(secrets, voters)):
        e.receipts.append(vote(board, secret, choices, at(RANKED_VOTING_OPEN, hours=2, minutes=i))
                          .payload["tracking_code"])
    board.append("round_closed", protocol.close_round(board.state, round=1, now=RANKED_VOTING_CLOSE),
                 RANKED_VOTING_CLOSE)
    encrypted_tally(board, 1, at(RANKED_VOTING_CLOSE, hours=1))
    return e


# --- An election run through the service --------------------------------------------------


@dataclass
class ServiceElection:
    """An election in an ``ElectionService`` (whose clock is a ``ManualClock``), and the secrets
    its trustees and voters keep at home: the trustees' secrets with their secret shares, the
    voters' credentials per district, the receipts of the ballots cast through it."""

    service: Any
    slug: str
    trustees: dict[int, Any] = field(default_factory=dict)
    credentials: dict[str, list[str]] = field(default_factory=dict)
    receipts: list[Any] = field(default_factory=list)

    @classmethod
    def create(cls, service: Any, definition: str, roll: str | None, now: datetime = T0, **fields: Any) -> Self:
        """The clock set to ``now``, the election created with its roll."""
        service.clock.set(now)
        return cls(service, service.create_election(definition, roll_csv=roll).slug, **fields)

    @property
    def clock(self) -> Any:
        return self.service.clock

    def state(self) -> ElectionState:
        return self.service.state(self.slug)

    def nominate_all(self, plan: Mapping[str, Sequence[tuple[str, str]]] = NOMINEES) -> None:
        """``plan``: contest -> [(organisation, name)]; every nomination registered."""
        for contest_id, entries in plan.items():
            for organisation, name in entries:
                posted = self.service.nominate(self.slug, organisation=organisation, contest=contest_id, name=name,
                                               consent=True, details=FITTER)
                assert posted.kind == "nomination_submitted"
                self.service.register_candidate(self.slug, self.state().nominations[-1].number)

    def key_ceremony(self, label: str = "trustee") -> dict[int, Any]:
        """Every trustee runs every step at home; returns each trustee's secrets with its share."""
        secrets = key_ceremony_steps(self.state, partial(self.service.submit_trustee_step, self.slug),
                                     self.clock(), label)
        state = self.state()
        assert state.keys.completed is not None
        self.trustees = secret_shares(state, secrets)
        return self.trustees

    def publish_roll(self) -> Any:
        """The commission publishes the signed roll (of the roll stored with the election)."""
        return self.service.publish_roll(self.slug, roll_statement(self.state(), self.service.roll(self.slug)))

    def issue_credentials(self, label: str = "credentials") -> dict[str, list[str]]:
        """The commission's signed roll (unless published already), then the credential authority:
        one secret per voter of the roll, only public parts published."""
        if self.state().roll is None:
            self.publish_roll()
        roll = self.service.roll(self.slug)
        secrets, entries = credentials_for(roll, label)
        for district, letters in secrets.items():
            self.credentials.setdefault(district, []).extend(letters)
        self.service.publish_credentials(self.slug, credential_statement(self.state(), roll, entries))
        return self.credentials

    def open_for_voting(self, plan: Mapping[str, Sequence[tuple[str, str]]] = NOMINEES) -> Self:
        """Nominations registered, key ceremony done, nominations closed three days after their
        deadline, credentials published, round 1 open and the clock an hour into it."""
        self.nominate_all(plan)
        self.key_ceremony()
        self.clock.set(at(NOMINATIONS_CLOSE, days=3))
        self.service.close_nominations(self.slug)
        self.issue_credentials()
        self.service.open_round(self.slug)
        self.clock.set(at(VOTING_OPEN, hours=1))
        return self

    def make_ballot(self, secret: str, choices: Mapping[str, Any], seed: str = "v") -> Any:
        form = self.service.ballot_form(self.slug, protocol.public_credential(secret))
        return sealed_ballot(form, secret, choices, seed)

    def vote(self, secret: str, choices: Mapping[str, Any], seed: str = "v") -> Any:
        receipt = self.service.cast_ballot(self.slug, self.make_ballot(secret, choices, seed).to_json())
        self.receipts.append(receipt)
        return receipt

    def decryption_share(self, j: int, round: int | None = None) -> dict[str, Any]:
        """Trustee ``j``'s decryption share of ``round`` (the current one by default), not posted."""
        state = self.state()
        if round is None:
            assert state.current_round is not None
            round = state.current_round.number
        return decryption_share(state, self.trustees[j], round, self.clock())

    def decrypt(self, trustees: Sequence[int], round: int | None = None) -> None:
        for j in trustees:
            self.service.submit_decryption_share(self.slug, self.decryption_share(j, round))

    def witness(self, *trustees: int) -> list[Any]:
        """Trustees ``trustees`` (numbers) each check the board and countersign its head, as
        `vybory trustee witness` does on their machines; returns the heads they witnessed."""
        from vybory.protocol.witness import witness_head

        heads = []
        for j in trustees:
            trustee = self.state().definition.trustees[j - 1]
            made = witness_head(self.service.iter_events(self.slug), trustee_id=trustee.id,
                                signing_secret=identity_secret("trustee", trustee.id))
            self.service.submit_head_witness(self.slug, made.payload)
            heads.append(made.head)
        return heads


def rewrite_board(url: str, change: Callable[[list[dict[str, Any]]], None]) -> None:
    """What a database operator can do: change the board's rows (payloads, order, how many), then
    renumber and re-hash the whole chain. The append-only triggers are no obstacle to the owner
    of the database: it drops them."""
    import json

    from sqlalchemy import create_engine, text

    from vybory.model.board import GENESIS_HASH, compute_event_hash
    from vybory.model.canonical import canonical_json

    engine = create_engine(url)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("DROP TRIGGER IF EXISTS board_events_append_only ON board_events"))
        else:
            connection.execute(text("DROP TRIGGER IF EXISTS board_events_no_update"))
            connection.execute(text("DROP TRIGGER IF EXISTS board_events_no_delete"))
        rows = [dict(r._mapping) for r in connection.execute(text(
            "select id, election_id, position, kind, payload, recorded_at from board_events order by position"))]
        for row in rows:
            row["payload"] = json.loads(row["payload"])
        change(rows)
        connection.execute(text("delete from board_events"))
        previous = GENESIS_HASH
        for position, row in enumerate(rows, start=1):
            digest = compute_event_hash(position, row["kind"], row["payload"], previous)
            connection.execute(text(
                "insert into board_events (id, election_id, position, kind, payload, previous_hash, hash, recorded_at)"
                " values (:id, :e, :pos, :k, :p, :ph, :h, :r)"),
                {"id": row["id"], "e": row["election_id"], "pos": position, "k": row["kind"],
                 "p": canonical_json(row["payload"]).decode(), "ph": previous.hex(), "h": digest.hex(),
                 "r": row["recorded_at"]})
            previous = digest
    engine.dispose()


def signed(state: ElectionState, kind: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    """``payload`` (re-)signed by the signer the definition names for it, with the test identity
    keys: what a trustee who lies on purpose sends (its own signature over its own lie)."""
    return signed_for(state.definition, state.fingerprint, kind, payload, state.trustees)


def signed_for(definition: Definition, fingerprint: bytes, kind: str, payload: Mapping[str, Any],
               trustees: Sequence[Any] | None = None) -> dict[str, Any]:
    """:func:`signed` for a definition and fingerprint (a record's, when there is no state);
    ``trustees``: the seats after a restart of the key ceremony (the definition's by default)."""
    from vybory.model.canonical import canonical_json
    from vybory.model.signing import (
        AUTHORITY,
        COMMISSION,
        SIGNED_KINDS,
        sign_payload,
        trustee_signer,
    )

    # Randomness drawn from what is signed: the same lie gets the same bytes in every run.
    body = {k: v for k, v in payload.items() if k != "signed"}
    draws = DeterministicRng(b"signed " + kind.encode() + b" " + canonical_json(body))
    role = SIGNED_KINDS[kind]
    if role in (AUTHORITY, COMMISSION):
        return sign_payload(fingerprint, identity_secret(role), role, kind, payload, rng=draws)
    trustee = (definition.trustees if trustees is None else trustees)[payload["trustee"] - 1]
    return sign_payload(fingerprint, identity_secret("trustee", trustee.id), trustee_signer(payload["trustee"]),
                        kind, payload, rng=draws)


def identity_file(trustee_id: str, folder: Path | None = None, role: str = "trustee") -> str:
    """Writes the test identity key file of trustee ``trustee_id`` (or, with ``role`` "authority" or
    "commission", of that signer: ``trustee_id`` is then its id, e.g. "authority") that the test
    definitions name, into ``folder`` (the working directory by default); returns its path."""
    import json

    from vybory.model.identity import IdentityKey

    name = trustee_id if role == "trustee" else role
    path = (folder or Path(".")) / f"identity-{name}.json"
    if not path.exists():
        path.write_text(json.dumps(IdentityKey(role, trustee_id, identity_secret(role, trustee_id)).to_json()))
    return str(path)
