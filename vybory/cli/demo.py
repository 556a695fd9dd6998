"""`vybory demo`: a complete simulated election on SQLite, from definition to verified record.

Three districts; five organisations nominating several candidates per seat
(one refusal upheld on appeal, one refusal confirmed); five trustees from five
organisations with k = 3, two of whom never decrypt; a credential authority;
simulated voters, some of whom vote twice (the last ballot counts); one
district split three ways (a runoff between the first two), one below the
quorum (a repeat election); a recall motion; every round tallied, decrypted
and decided; then the public record is exported and verified.

Time is simulated (a manual clock walks through the deadlines) and every
random choice comes from ``--seed``, so the same seed gives the same board.
Voters' devices are simulated in worker processes (encryption is theirs);
the service checks and stores every ballot as it would a real one.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from vybory import protocol
from vybory.cli._common import console, print_decision, record_booth, refusals
from vybory.cli.identities import key_line, sign_roll_and_issue, simulated_identities
from vybory.crypto.rng import DeterministicRng
from vybory.errors import InvalidInput, VyboryError
from vybory.model.definition import format_time
from vybory.model.identity import IdentityKey

DEFAULT_VOTERS = 2500
SLUG = "demo"
START = datetime(2025, 11, 1, 9, 0, tzinfo=UTC)
NOMINATIONS_CLOSE = datetime(2025, 11, 10, 18, 0, tzinfo=UTC)
VOTING_OPEN = datetime(2025, 11, 20, 6, 0, tzinfo=UTC)
VOTING_CLOSE = datetime(2025, 11, 20, 22, 0, tzinfo=UTC)

ORGANISATIONS = [
    ("union", "Metalworkers' union", "trade_union", "Galina Orlova"),
    ("party", "Workers' party branch", "party", "Viktor Belov"),
    ("coop", "Consumer co-operative", "cooperative", "Marina Zaitseva"),
    ("youth", "Youth league", "youth", "Arkady Novikov"),
    ("teachers", "Teachers' association", "professional", "Lidia Romanova"),
]
DISTRICTS = [("factory", "Zavodskoy district"), ("river", "Rechnoy district"), ("forest", "Lesnoy district")]

# district -> [(organisation, candidate)]; the forest's last candidate is first refused, then upheld on appeal.
NOMINEES = {
    "factory": [("union", "Anna Kovaleva"), ("party", "Pyotr Smirnov"), ("youth", "Oleg Fedorov")],
    "river": [("coop", "Irina Volkova"), ("union", "Sergei Morozov"), ("teachers", "Tatyana Lebedeva")],
    "forest": [("party", "Nikolai Popov"), ("coop", "Elena Sokolova"), ("youth", "Dmitri Orlov")],
}
REFUSED_FOR_GOOD = ("forest", "union", "Ivan Ivanov")

# How each district votes: turnout and preferences (among the names on the ballot; None: all crossed out).
Plan = dict[str, tuple[float, dict[Any, float]]]

ROUND_1: Plan = {
    "factory": (0.80, {"Anna Kovaleva": 0.58, "Pyotr Smirnov": 0.25, "Oleg Fedorov": 0.15, None: 0.02}),
    "river": (0.75, {"Irina Volkova": 0.40, "Sergei Morozov": 0.35, "Tatyana Lebedeva": 0.23, None: 0.02}),
    "forest": (0.40, {"Nikolai Popov": 0.36, "Elena Sokolova": 0.40, "Dmitri Orlov": 0.24}),
}
LATER_ROUNDS: dict[tuple[str, str], tuple[float, dict[Any, float]]] = {  # (district, "runoff" | "repeat") -> turnout and preferences
    ("river", "runoff"): (0.70, {"Irina Volkova": 0.46, "Sergei Morozov": 0.54}),
    ("forest", "repeat"): (0.65, {"Nikolai Popov": 0.26, "Elena Sokolova": 0.60, "Dmitri Orlov": 0.14}),
    ("forest", "runoff"): (0.60, {"Nikolai Popov": 0.40, "Elena Sokolova": 0.60}),
}
MAX_ROUNDS = 6
RECALL = {"yes": 0.42, "no": 0.48, "abstain": 0.10}
REVOTE_SHARE = 0.08
BATCH = 25  # ballots stored per transaction (each is checked on its own)
DECRYPTING_TRUSTEES = ("union", "party", "coop")  # the youth league's and the teachers' trustees never decrypt

FIRST_NAMES = ["Aleksandr", "Maria", "Ivan", "Olga", "Nikolai", "Tatyana", "Sergei", "Elena", "Mikhail", "Anna",
               "Vasily", "Natalia", "Fyodor", "Irina", "Grigory", "Vera", "Boris", "Lyudmila", "Yuri", "Nina"]
LAST_NAMES = ["Ivanov", "Petrov", "Sidorov", "Kuznetsov", "Popov", "Vasiliev", "Sokolov", "Mikhailov", "Novikov",
              "Fedorov", "Morozov", "Volkov", "Alekseev", "Lebedev", "Semyonov", "Egorov", "Pavlov", "Kozlov"]


def demo_identities(seed: str) -> dict[tuple[str, str], IdentityKey]:
    """The identity keys of the demo's trustees, credential authority and commission."""
    return simulated_identities([f"{org}-trustee" for org, _n, _k, _t in ORGANISATIONS], seed)


def definition_text(identities: dict[tuple[str, str], IdentityKey]) -> str:
    """The demo election's definition (TOML), naming the signers' keys ``identities``."""
    lines = [
        f'slug = "{SLUG}"',
        'title = "Demonstration: district deputies, contested (1937 rules)"',
        'seed = "19371205193712051937120519371205"',
         "",
        "[credential_authority]",
        'name = "District credentials office"',
        key_line(identities, "authority"),
        "",
        "[deadlines]",
        f"nominations_close = {format_time(NOMINATIONS_CLOSE)}",
        f"voting_open = {format_time(VOTING_OPEN)}",
        f"voting_close = {format_time(VOTING_CLOSE)}",
        "runoff_days = 14",
        "repeat_days = 14",
        "",
        "[commission]",
        "threshold = 3",
        key_line(identities, "commission"),
    ]
    for district, name in DISTRICTS:
        lines += ["", "[[districts]]", f'id = "{district}"', f'name = "{name}"']
    for org, name, kind, _trustee in ORGANISATIONS:
        lines += ["", "[[organisations]]", f'id = "{org}"', f'name = "{name}"', f'type = "{kind}"']
    for org, _name, _kind, trustee in ORGANISATIONS:
        lines += ["", "[[trustees]]", f'id = "{org}-trustee"', f'name = "{trustee}"', f'organisation = "{org}"',
                  key_line(identities, "trustee", f"{org}-trustee")]
    lines += ["", "[[observers]]", 'id = "gazette"', 'name = "District gazette"']
    for district, name in DISTRICTS:
        lines += ["", "[[contests]]", f'id = "{district}-deputy"', f'title = "Deputy for the {name}"',
                  f'district = "{district}"', 'method = "strikeout"']
    lines += ["", "[[contests]]", 'id = "factory-recall"', 'title = "Recall the factory committee chair"',
              'district = "factory"', 'method = "motion"', "[contests.options]", 'denominator = "registered"']
    return "\n".join(lines) + "\n"


class Chooser:
    """Seeded choices for the simulation (never for anything secret)."""

    def __init__(self, seed: str, label: str):
        self._rng = DeterministicRng(f"vybory-demo:{seed}:{label}".encode())

    def uniform(self) -> float:
        return int.from_bytes(self._rng(7), "big") / 2**56

    def shuffle(self, items: list[Any]) -> None:
        """Fisher-Yates, in place."""
        for i in range(len(items) - 1, 0, -1):
            j = int(self.uniform() * (i + 1))
            items[i], items[j] = items[j], items[i]

    def weighted(self, weights: dict[Any, float]) -> Any:
        point = self.uniform() * sum(weights.values())
        for value, weight in weights.items():
            point -= weight
            if point < 0:
                return value
        return value


def later_round_plan(state: Any, number: int) -> dict[str, tuple[float, dict[Any, float]]]:
    """Turnout and preferences of each district with a contest in a runoff or repeat round,
    among the candidates that round lists."""
    plan = {}
    for contest_id, listed in state.rounds[number].contests.items():
        district = state.definition.contest(contest_id).district
        turnout, preferences = LATER_ROUNDS.get((district, listed.kind), (0.65, {}))
        plan[district] = (turnout, {name: preferences.get(name, 0.2) for name in listed.candidates})
    return plan


def apportion(shares: dict[Any, float], n: int) -> list[Any]:
    """``n`` choices in exactly these shares (largest remainders), in order of the shares."""
    total = sum(shares.values())
    quotas = {value: n * weight / total for value, weight in shares.items()}
    counts = {value: int(q) for value, q in quotas.items()}
    for value in sorted(quotas, key=lambda v: counts[v] - quotas[v])[: n - sum(counts.values())]:
        counts[value] += 1
    return [value for value in shares for _ in range(counts[value])]


def roll_csv(voters: int, seed: str) -> str:
    choose = Chooser(seed, "roll")
    rows = ["id,name,district,weight"]
    for i in range(voters):
        district = DISTRICTS[i % len(DISTRICTS)][0]
        name = f"{FIRST_NAMES[int(choose.uniform() * len(FIRST_NAMES))]} " \
               f"{LAST_NAMES[int(choose.uniform() * len(LAST_NAMES))]}"
        rows.append(f"V{i + 1:05d},{name},{district},1")
    return "\n".join(rows) + "\n"


# --- voters' devices (worker processes) --------------------------------------------------

_FORMS: dict[tuple[int, str], Any] = {}


def _encrypt(job: tuple[int, str, str, dict[str, Any], str]) -> dict[str, Any]:
    round_number, district, secret, choices, label = job
    form = _FORMS[(round_number, district)]
    ballot, _ = protocol.encrypt_ballot(form, secret, choices, DeterministicRng(label.encode()))
    return ballot.to_json()


def _pool_init(forms: dict[tuple[int, str], Any]) -> None:
    _FORMS.clear()
    _FORMS.update(forms)


@dataclass
class Simulation:
    service: Any
    clock: Any
    seed: str
    credentials: dict[str, list[str]]
    workers: int

    def forms(self, round_number: int) -> dict[tuple[int, str], Any]:
        out = {}
        for district, secrets in self.credentials.items():
            try:
                out[(round_number, district)] = self.service.ballot_form(
                    SLUG, protocol.public_credential(secrets[0]))
            except VyboryError:  # the district has no contest in this round
                continue
        return out

    def ballots(self, round_number: int, plan: dict[str, tuple[float, dict[Any, float]]]) -> list[tuple]:
        """The jobs of a round: (round, district, secret, choices, label), re-votes first.

        Turnout and shares are met exactly (largest remainders), so the outcomes the
        demo shows (a runoff, a repeat election) happen at any size; who votes and how
        is shuffled by the seed."""
        first: list[tuple] = []
        final: list[tuple] = []
        for district, (turnout, shares) in plan.items():
            choose = Chooser(self.seed, f"round-{round_number}-{district}")
            secrets = list(enumerate(self.credentials[district]))
            choose.shuffle(secrets)
            voting = secrets[:int(len(secrets) * turnout)]
            names = apportion(shares, len(voting))
            recall = apportion(RECALL, len(voting))
            choose.shuffle(names)
            choose.shuffle(recall)
            for (i, secret), name, answer in zip(voting, names, recall):
                label = f"{self.seed}:{round_number}:{district}:{i}"
                if round_number == 1 and choose.uniform() < REVOTE_SHARE:
                    before = self.choices(district, choose.weighted(shares), choose.weighted(RECALL))
                    first.append((round_number, district, secret, before, label + ":first"))
                final.append((round_number, district, secret, self.choices(district, name, answer), label))
        return first + final

    @staticmethod
    def choices(district: str, name: str | None, answer: str) -> dict[str, Any]:
        """The ballot of a voter who leaves ``name`` standing (``None``: crosses out every name)."""
        choices: dict[str, Any] = {f"{district}-deputy": [] if name is None else [name]}
        if district == "factory":
            choices["factory-recall"] = answer
        return choices

    def vote(self, round_number: int, plan: dict[str, tuple[float, dict[Any, float]]], start: datetime,
             span: timedelta) -> int:
        jobs = self.ballots(round_number, plan)
        forms = self.forms(round_number)
        columns = (TextColumn(f"  round {round_number}: casting ballots"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn())
        with Progress(*columns, console=console, transient=True) as bar:
            task = bar.add_task("ballots", total=len(jobs))
            batch: list[dict[str, Any]] = []
            for n, ballot in enumerate(self._encrypted(jobs, forms), start=1):
                batch.append(ballot)
                if len(batch) == BATCH or n == len(jobs):
                    self.clock.set(start + span * n / max(len(jobs), 1))
                    for outcome in self.service.cast_ballots(SLUG, batch):
                        if isinstance(outcome, VyboryError):
                            raise outcome
                    bar.advance(task, len(batch))
                    batch = []
        return len(jobs)

    def _encrypted(self, jobs: Sequence[tuple], forms: dict[tuple[int, str], Any]) -> Iterator[dict[str, Any]]:
        if self.workers <= 1 or len(jobs) < 50:
            _pool_init(forms)
            yield from map(_encrypt, jobs)
            return
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(self.workers, mp_context=context, initializer=_pool_init,
                                 initargs=(forms,)) as pool:
            yield from pool.map(_encrypt, jobs, chunksize=16)


def run_demo(*, voters: int, seed: str, out: Path, workers: int | None = None,
             verify: Callable[[Any, str, Path], bool] | None = None) -> bool:
    """Runs the whole demo election; returns True when the exported record verifies."""
    from vybory.service import ElectionService, ManualClock
    from vybory.store import Database

    if voters < 30:
        raise InvalidInput("the demo needs at least 30 voters", field="--voters", code="too_few_voters")
    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    for name in ("vybory.sqlite", "vybory.sqlite-wal", "vybory.sqlite-shm", "record.zip"):
        (out / name).unlink(missing_ok=True)
    clock = ManualClock(START)
    service = ElectionService(Database(f"sqlite:///{out / 'vybory.sqlite'}"), clock=clock)
    record_booth(service)
    cores = workers if workers is not None else max(1, (os.cpu_count() or 1))

    def say(text: str) -> None:
        console.print(f"[dim]{format_time(clock())}[/]  {text}")

    # 1. Each trustee, the credential authority and the commission make their identity key; the
    #    commission defines the election (naming those keys) and stores the roll.
    identities = demo_identities(seed)
    summary = service.create_election(definition_text(identities), roll_csv=roll_csv(voters, seed), source="demo.toml")
    say(f"Election defined: {summary.title}")
    say(f"  {voters} voters in {len(DISTRICTS)} districts; fingerprint {summary.fingerprint[:16]}…")

    # 2. Nominations: organisations nominate, the commission registers or refuses, appeals are decided.
    clock.set(START + timedelta(days=1))
    for district, entries in NOMINEES.items():
        for organisation, name in entries:
            service.nominate(SLUG, organisation=organisation, contest=f"{district}-deputy", name=name, consent=True,
                             details={"occupation": "fitter" if organisation == "union" else "teacher"})
    district, organisation, name = REFUSED_FOR_GOOD
    service.nominate(SLUG, organisation=organisation, contest=f"{district}-deputy", name=name, consent=True)
    nominations = service.state(SLUG).nominations
    numbers = {n.name: n.number for n in nominations}
    for n in nominations:
        if n.name not in ("Dmitri Orlov", name):
            service.register_candidate(SLUG, n.number)
    service.refuse_candidate(SLUG, numbers["Dmitri Orlov"], "the consent form was not dated")
    service.refuse_candidate(SLUG, numbers[name], "the candidate does not live in the district")
    clock.set(START + timedelta(days=2))
    service.lodge_appeal(SLUG, numbers["Dmitri Orlov"], "the consent was given before the nomination meeting")
    service.lodge_appeal(SLUG, numbers[name], "the candidate works in the district")
    service.decide_appeal(SLUG, numbers["Dmitri Orlov"], upheld=True, reason="the date is on the minutes")
    service.decide_appeal(SLUG, numbers[name], upheld=False, reason="the rules require residence")
    say(f"{len(nominations)} nominations by 5 organisations; 1 refusal upheld on appeal, 1 refusal confirmed")

    # 3. The key ceremony: each trustee on their own machine, messages through the board.
    clock.set(START + timedelta(days=3))
    state = service.state(SLUG)
    trustees = {}
    for t in state.definition.trustees:
        trustees[t.id] = protocol.new_trustee_secrets(state, t.id, DeterministicRng(f"{seed}:{t.id}".encode()),
                                                      signing_secret=identities[("trustee", t.id)].signing_secret)
    steps = [("trustee_key", protocol.publish_trustee_key), ("dkg_commitment_hash", protocol.publish_commitment_hash),
             ("dkg_commitments", protocol.publish_reveal), ("dkg_shares", protocol.publish_shares),
             ("dkg_complaint", protocol.publish_complaints)]
    for kind, publish in steps:
        for trustee_id, secrets in trustees.items():
            service.submit_trustee_step(SLUG, kind, publish(service.state(SLUG), secrets, now=clock(),
                                                            rng=DeterministicRng(f"{seed}:{trustee_id}:{kind}".encode())))
    state = service.state(SLUG)
    assert state.public_key is not None
    trustees = {t: protocol.trustee_secret_share(state, s) for t, s in trustees.items()}
    say(f"Key ceremony completed by 5 trustees (k = 3); election key {state.public_key.to_hex()[:16]}…")

    def witness(trustee_ids: Sequence[str]) -> None:
        """Each trustee checks the whole board on its machine and countersigns its head (spec §10.6)."""
        from vybory.protocol.witness import witness_head

        for trustee_id in trustee_ids:
            made = witness_head(service.iter_events(SLUG), trustee_id=trustee_id,
                                signing_secret=identities[("trustee", trustee_id)].signing_secret,
                                rng=DeterministicRng(f"{seed}:{trustee_id}:witness:{service.head(SLUG).position}"
                                                     .encode()))
            service.submit_head_witness(SLUG, made.payload)
        say(f"  {len(trustee_ids)} trustees checked the board and witnessed its head ({made.head.label}, event "
            f"{made.head.position})")

    witness(list(trustees))

    # 4. Nominations close: every registered candidate is on the ballot.
    clock.set(NOMINATIONS_CLOSE + timedelta(days=2))
    service.close_nominations(SLUG)
    for contest, names in service.state(SLUG).ballot_candidates.items():
        if names:
            say(f"  on the ballot in {contest}: {', '.join(names)}")

    # 5. The credential authority issues one credential per voter; only public credentials go on the board.
    clock.set(NOMINATIONS_CLOSE + timedelta(days=4))
    issued = sign_roll_and_issue(service, SLUG, identities, seed)
    say(f"The commission signs the roll: {len(issued)} voters, sizes and commitments per district on the board")
    credentials: dict[str, list[str]] = {}
    for voter, secret, _public in issued:
        credentials.setdefault(voter.district, []).append(secret)
    say(f"{len(issued)} credentials issued by the credential authority; the public list is on the board")
    witness(list(trustees))

    sim = Simulation(service, clock, seed, credentials, cores)
    decrypting = [f"{org}-trustee" for org in DECRYPTING_TRUSTEES]

    def count_round(number: int) -> Any:
        service.compute_tally(SLUG, number)
        for trustee_id in decrypting:
            service.submit_decryption_share(SLUG, protocol.compute_decryption_share(
                service.state(SLUG), trustees[trustee_id], round=number, now=clock(),
                rng=DeterministicRng(f"{seed}:{trustee_id}:share:{number}".encode())))
        say(f"round {number}: encrypted tally published; shares from {', '.join(decrypting)} "
            "(the youth league's and the teachers' trustees never decrypt)")
        clock.set(clock() + timedelta(hours=1))
        decision = service.decide(SLUG, number)
        console.print()
        print_decision(decision)
        witness(decrypting)
        return decision

    # 6. Round 1.
    clock.set(VOTING_OPEN - timedelta(hours=1))
    service.open_round(SLUG)
    cast = sim.vote(1, ROUND_1, VOTING_OPEN + timedelta(minutes=5), VOTING_CLOSE - VOTING_OPEN - timedelta(hours=1))
    rnd = service.state(SLUG).rounds[1]
    say(f"round 1: {cast} ballots cast by {len(rnd.last_ballot)} voters "
        f"({cast - len(rnd.last_ballot)} re-vote(s) replaced earlier ballots)")
    clock.set(VOTING_CLOSE)
    service.close_round(SLUG, 1)
    decision = count_round(1)

    # 7. Round 2 (the runoff and the repeat election), opened automatically by the decision.
    number = 2
    while decision.next_round:
        number = decision.next_round
        if number > MAX_ROUNDS:
            break
        state = service.state(SLUG)
        opened = state.rounds[number]
        plan = later_round_plan(state, number)
        cast = sim.vote(number, plan, opened.opens_at + timedelta(days=1), timedelta(days=10))
        say(f"round {number}: {cast} ballots cast")
        clock.set(opened.closes_at)
        service.close_round(SLUG, number)
        decision = count_round(number)
    service.publish(SLUG)
    head = service.head(SLUG)
    say(f"election published: {head.position} events on the board, head {head.hash[:16]}…")
    print_results(service.events(SLUG, start=head.position)[0].payload["results"], service.state(SLUG))
    console.print()
    witness(list(trustees))

    # 8. The public record: exported, then verified from the file alone.
    verified = (verify or export_and_verify)(service, SLUG, out)
    elapsed = time.perf_counter() - started
    console.print(f"\nDatabase: {out / 'vybory.sqlite'}   record: {out / 'record.zip'}   ({elapsed:.0f} s)")
    return verified


def print_results(results: list[dict[str, Any]], state: Any) -> None:
    """The final result of every contest, as published on the board."""
    from rich.table import Table

    table = Table(title="Results", title_justify="left")
    for column in ("contest", "district", "result", "decided in round"):
        table.add_column(column)
    for entry in results:
        contest = state.definition.contest(entry["contest"])
        if contest.is_motion:
            result = "motion passed" if entry["elected"] else "motion not passed"
        else:
            result = ("elected: " + ", ".join(entry["elected"])) if entry["elected"] else entry["status"]
        table.add_row(contest.title, state.definition.district(contest.district).name, result, str(entry["round"]))
    console.print()
    console.print(table)


def export_and_verify(service: Any, slug: str, out: Path) -> bool:
    """Exports the record to ``out/record.zip`` and verifies it with the independent verifier."""
    from vybory.cli import record

    path = out / "record.zip"
    head = service.head(slug)
    record.export_record(service, slug, path)
    console.print(f"\nRecord exported to {path} ({path.stat().st_size // 1024} KiB); verifying it from the file alone…")
    report = record.run_verification(path, workers=None, published_head=head.hash,
                                     expected_fingerprint=service.status(slug).fingerprint, progress=True)
    record.print_report(report)
    record.print_witnessed(report, anchored=True)
    return bool(report.ok)


def register(app: typer.Typer) -> None:
    """Adds this module's subcommands to `app`."""

    @app.command("demo")
    @refusals
    def demo(
        voters: Annotated[int, typer.Option(help="How many simulated voters.")] = DEFAULT_VOTERS,
        seed: Annotated[str, typer.Option(help="Seed of every simulated choice (same seed, same board).")] = "1937",
        out: Annotated[Path, typer.Option(help="Folder for vybory.sqlite and record.zip.")] = Path("demo-out"),
        workers: Annotated[int | None, typer.Option(help="Processes simulating voters' devices.")] = None,
    ) -> None:
        """Run a complete simulated election and verify its public record."""
        console.rule("vybory demo: a contested, secret, verifiable election")
        if not run_demo(voters=voters, seed=seed, out=out, workers=workers):
            raise typer.Exit(1)


__all__ = ["definition_text", "export_and_verify", "run_demo"]
