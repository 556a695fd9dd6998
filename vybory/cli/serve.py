"""`vybory serve`: the web server (API, pages, booth) on one database.

``vybory serve --demo`` first seeds a ready election through the service
layer (nominations registered, key ceremony done by three simulated
trustees, credentials issued, round 1 open for a week, a few ballots cast)
in a fresh folder ``demo-out/serve-<time>/``, and a second election already counted (a
ranked STV contest, its ballots mixed by two trustees, decrypted and decided, with a tie
settled by the draw), and prints the address, the
commission's and trustees' logins and a few voter credentials, so a newcomer
can vote within a minute. The trustees' key files and every credential are
written into that folder (they would never be on a real server).
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from vybory.cli._common import DbOption, console, record_booth, refusals, write_private
from vybory.errors import InvalidInput

DEMO_SLUG = "works-council"
SUPERVISOR_VARIABLE = "VYBORY_SUPERVISOR_PID"
PR_SET_PDEATHSIG = 1

# Two ballots per district, for the seeded ballots (and the tests' voters).
DEMO_CHOICES: dict[str, list[dict[str, Any]]] = {
    "plant": [
        {
            "plant-delegate": ["Ivan Petrov"],
            "plant-committee": ["Nina Volkova", "Daria Popova"],
        },
        {
            "plant-delegate": ["Maria Smirnova"],
            "plant-committee": ["Pavel Sokolov", "Daria Popova"],
        },
    ],
    "office": [
        {"office-delegate": ["Elena Fedorova"], "agreement": "yes"},
        {"office-delegate": ["Yuri Egorov"], "agreement": "no"},
    ],
}

DEMO_DEFINITION = """\
slug = "{slug}"
title = "Works council election (demo)"
seed = "{seed}"

[credential_authority]
name = "Demo credentials office"
signing_key = "{authority_key}"

[deadlines]
nominations_close = {nominations_close}
voting_open = {voting_open}
voting_close = {voting_close}
runoff_days = 7
repeat_days = 14

[commission]
threshold = 2
signing_key = "{commission_key}"

[[districts]]
id = "plant"
name = "Assembly plant"

[[districts]]
id = "office"
name = "Head office"

[[organisations]]
id = "union"
name = "Metalworkers' union"
type = "trade_union"

[[organisations]]
id = "coop"
name = "Workers' co-operative"
type = "cooperative"

[[organisations]]
id = "youth"
name = "Youth league"
type = "youth"

[[trustees]]
id = "anna"
signing_key = "{anna_key}"
name = "Anna Orlova"
organisation = "union"

[[trustees]]
id = "boris"
signing_key = "{boris_key}"
name = "Boris Lvov"
organisation = "coop"

[[trustees]]
id = "vera"
signing_key = "{vera_key}"
name = "Vera Nikolaeva"
organisation = "youth"

[[contests]]
id = "plant-delegate"
title = "Delegate of the assembly plant"
district = "plant"
method = "majority"
seats = 1

[[contests]]
id = "plant-committee"
title = "Plant committee (strike out the names you reject)"
district = "plant"
method = "strikeout"
seats = 2

[[contests]]
id = "office-delegate"
title = "Delegate of the head office"
district = "office"
method = "majority"
seats = 1

[[contests]]
id = "agreement"
title = "Adopt the new collective agreement?"
district = "office"
method = "motion"

[[contests]]
id = "office-committee"
title = "Office committee (number the candidates in order of preference)"
district = "office"
method = "stv-scottish"
seats = 2
"""

COUNTED_SLUG = "coop-board"

COUNTED_CONTEST = """
[[districts]]
id = "members"
name = "All members"

[[contests]]
id = "board"
title = "Board of the co-operative (ranked, 2 seats)"
district = "members"
method = "stv-scottish"
seats = 2
"""

COUNTED_CANDIDATES = [("union", "Alla Belova"), ("coop", "Denis Frolov"), ("youth", "Galina Ilina"),
                      ("union", "Kirill Lapin"), ("coop", "Marina Nosova")]

# 14 rankings: Belova reaches the quota of 5 at once; Frolov, Lapin and Nosova then tie on 2 for
# the exclusion, which the seeded draw settles; transfers decide the second seat.
COUNTED_RANKINGS = (
    [["Alla Belova", "Denis Frolov", "Galina Ilina"]] * 5
    + [["Galina Ilina", "Marina Nosova"]] * 3
    + [["Kirill Lapin", "Galina Ilina"]] * 2
    + [["Marina Nosova", "Kirill Lapin", "Denis Frolov"]] * 2
    + [["Denis Frolov", "Alla Belova"]] * 2
)

DEMO_CANDIDATES = {
    "plant-delegate": [
        ("union", "Ivan Petrov"),
        ("coop", "Maria Smirnova"),
        ("youth", "Oleg Kuznetsov"),
    ],
    "plant-committee": [
        ("union", "Nina Volkova"),
        ("coop", "Pavel Sokolov"),
        ("youth", "Daria Popova"),
        ("union", "Sergei Morozov"),
    ],
    "office-delegate": [("union", "Elena Fedorova"), ("coop", "Yuri Egorov")],
    "office-committee": [("union", "Lidia Gromova"), ("coop", "Roman Titov"), ("youth", "Sofia Usova")],
}


class DemoClock:
    """The system clock, or a fixed moment while the demo's past is being seeded."""

    def __init__(self) -> None:
        self.fixed: datetime | None = None

    def __call__(self) -> datetime:
        if self.fixed is not None:
            return self.fixed
        return datetime.now(UTC).replace(microsecond=0)


@dataclass
class DemoElection:
    """What the seeding made: logins (name -> password), voter credentials per district, files."""

    slug: str
    folder: Path
    logins: dict[str, tuple[str, str]] = field(default_factory=dict)
    credentials: dict[str, list[str]] = field(default_factory=dict)
    ballots: int = 0
    counted: str | None = None


def _time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def run_key_ceremony(service: Any, slug: str, identities: Any, clock: DemoClock) -> dict[str, Any]:
    """Each trustee's key-ceremony steps (on their own machine in a real election), through the
    service; returns each trustee's secrets with its secret share."""
    from vybory import protocol

    state = service.state(slug)
    trustees = {t.id: protocol.new_trustee_secrets(state, t.id,
                                                   signing_secret=identities[("trustee", t.id)].signing_secret)
                for t in state.definition.trustees}
    for step, publish in (
        ("trustee_key", protocol.publish_trustee_key),
        ("dkg_commitment_hash", protocol.publish_commitment_hash),
        ("dkg_commitments", protocol.publish_reveal),
        ("dkg_shares", protocol.publish_shares),
        ("dkg_complaint", protocol.publish_complaints),
    ):
        for s in trustees.values():
            service.submit_trustee_step(slug, step, publish(service.state(slug), s, now=clock()))
    state = service.state(slug)
    return {t: protocol.trustee_secret_share(state, s) for t, s in trustees.items()}


def seed_counted_demo(service: Any, clock: DemoClock, folder: Path, identities: Any, *,
                      slug: str = COUNTED_SLUG) -> str:
    """An election voted last week and counted: one ranked (STV) contest, its ballots mixed by two
    trustees, decrypted with their shares, decided and published. Returns its slug."""
    from vybory import protocol
    from vybory.cli.identities import sign_roll_and_issue
    from vybory.service.mixing import mix_contests

    now = datetime.now(UTC).replace(microsecond=0)
    nominations_close = now - timedelta(days=7)
    voting_open = now - timedelta(days=6)
    voting_close = now - timedelta(days=4)
    header, _, rest = DEMO_DEFINITION.partition("[[districts]]")
    organisations = "[[organisations]]" + rest.split("[[organisations]]", 1)[1].split("[[contests]]", 1)[0]
    text = (header.replace('title = "Works council election (demo)"',
                           'title = "Co-operative board election (demo, counted)"')
            + COUNTED_CONTEST + "\n" + organisations).format(
        authority_key=identities[("authority", "authority")].signing_key.to_hex(),
        commission_key=identities[("commission", "commission")].signing_key.to_hex(),
        **{f"{t}_key": identities[("trustee", t)].signing_key.to_hex() for t in ("anna", "boris", "vera")},
        slug=slug, seed=secrets.token_hex(16), nominations_close=_time(nominations_close),
        voting_open=_time(voting_open), voting_close=_time(voting_close))
    roll = "id,name,district,weight\n" + "".join(f"m{i:03d},Member {i},members,1\n" for i in range(1, 17))
    (folder / f"{slug}.toml").write_text(text, encoding="utf-8")
    clock.fixed = nominations_close - timedelta(days=1)
    service.create_election(text, roll_csv=roll, source=f"{slug}.toml")
    for organisation, name in COUNTED_CANDIDATES:
        service.nominate(slug, organisation=organisation, contest="board", name=name, consent=True)
        service.register_candidate(slug, service.state(slug).nominations[-1].number)
    trustees = run_key_ceremony(service, slug, identities, clock)
    clock.fixed = nominations_close + timedelta(minutes=5)
    service.close_nominations(slug)
    issued = sign_roll_and_issue(service, slug, identities)
    clock.fixed = voting_open + timedelta(minutes=1)
    service.open_round(slug)
    clock.fixed = voting_open + timedelta(hours=2)
    for (_voter, secret, public), ranking in zip(issued, COUNTED_RANKINGS):
        form = service.ballot_form(slug, public)
        service.cast_ballot(slug, protocol.encrypt_ballot(form, secret, {"board": ranking})[0])
    clock.fixed = voting_close + timedelta(minutes=1)
    service.close_round(slug)
    service.compute_tally(slug)
    clock.fixed = voting_close + timedelta(hours=2)
    for trustee_id in ("anna", "boris"):
        mix_contests(service, slug, trustees[trustee_id])
    clock.fixed = voting_close + timedelta(hours=3)
    for trustee_id in ("anna", "boris"):
        service.submit_decryption_share(slug, protocol.compute_decryption_share(
            service.state(slug), trustees[trustee_id], round=1, now=clock()))
    service.decide(slug)
    clock.fixed = voting_close + timedelta(hours=4)
    service.publish(slug)
    clock.fixed = None
    return slug


def seed_demo(
    service: Any,
    clock: DemoClock,
    folder: Path,
    *,
    voters: int = 40,
    ballots: int = 12,
    slug: str = DEMO_SLUG,
    logins: bool = True,
    counted: bool = False,
) -> DemoElection:
    """Seeds an election that is open for voting now, through the service (one transaction per step).
    ``logins``: also add the commission's, trustees' and an organisation's web logins;
    ``counted``: also seed the counted ranked election (:func:`seed_counted_demo`)."""
    from vybory import protocol
    from vybory.cli.identities import sign_roll_and_issue, simulated_identities
    from vybory.cli.trustee import key_file_json

    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(hours=3)
    nominations_close = now - timedelta(hours=2)
    voting_open = now - timedelta(hours=1)
    voting_close = now + timedelta(days=7)
    identities = simulated_identities(("anna", "boris", "vera"))
    text = DEMO_DEFINITION.format(
        authority_key=identities[("authority", "authority")].signing_key.to_hex(),
        commission_key=identities[("commission", "commission")].signing_key.to_hex(),
        **{f"{t}_key": identities[("trustee", t)].signing_key.to_hex() for t in ("anna", "boris", "vera")},
        slug=slug,
        seed=secrets.token_hex(16),
        nominations_close=_time(nominations_close),
        voting_open=_time(voting_open),
        voting_close=_time(voting_close),
    )
    roll = "id,name,district,weight\n" + "".join(
        f"{'p' if i % 2 else 'o'}{i:03d},Worker {i},{'plant' if i % 2 else 'office'},1\n"
        for i in range(1, voters + 1)
    )
    demo = DemoElection(slug, folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "election.toml").write_text(text, encoding="utf-8")
    write_private(folder / "roll.csv", roll)
    for (role, id), identity in identities.items():
        write_private(folder / f"identity-{role}-{id}.json", json.dumps(identity.to_json(), indent=2) + "\n")

    clock.fixed = start
    service.create_election(text, roll_csv=roll, source="election.toml")
    for contest, entries in DEMO_CANDIDATES.items():
        for organisation, name in entries:
            service.nominate(
                slug, organisation=organisation, contest=contest, name=name, consent=True
            )
            number = service.state(slug).nominations[-1].number
            service.register_candidate(slug, number)

    trustees = run_key_ceremony(service, slug, identities, clock)
    state = service.state(slug)
    for trustee_id, s in trustees.items():
        write_private(folder / f"{trustee_id}-key.json",
                      key_file_json(slug, state.fingerprint, trustee_id, s))

    clock.fixed = nominations_close + timedelta(minutes=5)
    service.close_nominations(slug)
    issued = sign_roll_and_issue(service, slug, identities)
    lines = ["id,name,district,credential"]
    for voter, secret, _public in issued:
        demo.credentials.setdefault(voter.district, []).append(secret)
        lines.append(f"{voter.id},{voter.name},{voter.district},{secret}")
    write_private(folder / "credentials.csv", "\n".join(lines) + "\n")

    clock.fixed = voting_open + timedelta(minutes=1)
    service.open_round(slug)
    clock.fixed = None

    # A few ballots from voters the demo keeps for itself (the last credentials of each district).
    for k in range(ballots):
        district = "plant" if k % 2 else "office"
        secret = demo.credentials[district][-1 - k // 2]
        form = service.ballot_form(slug, protocol.public_credential(secret))
        ballot, _ = protocol.encrypt_ballot(form, secret, DEMO_CHOICES[district][k % 4 // 2])
        service.cast_ballot(slug, ballot)
        demo.ballots += 1

    for role, username, subject in (
        ("commission", "secretary", None),
        ("trustee", "anna", "anna"),
        ("trustee", "boris", "boris"),
        ("trustee", "vera", "vera"),
        ("organisation", "union", "union"),
    ) if logins else ():
        password = secrets.token_urlsafe(9)
        service.add_user(
            username,
            password,
            role,
            election=None if role == "commission" else slug,
            subject=subject,
        )
        demo.logins[username] = (role, password)
    write_private(
        folder / "logins.txt", "".join(f"{u} ({r}): {p}\n" for u, (r, p) in demo.logins.items())
    )
    if counted:
        taken = {e.slug for e in service.list_elections()}
        name = COUNTED_SLUG if COUNTED_SLUG not in taken else f"{COUNTED_SLUG}-{secrets.token_hex(3)}"
        demo.counted = seed_counted_demo(service, clock, folder, identities, slug=name)
    return demo


def print_demo(demo: DemoElection, url: str) -> None:
    console.print(
        f"[bold]vybory demo[/]: election [bold]{demo.slug}[/] is open for voting "
        f"({demo.ballots} ballots already cast)."
    )
    console.print(f"  Vote:        {url}/elections/{demo.slug}/booth")
    console.print(f"  Election:    {url}/elections/{demo.slug}   board, results, record")
    if demo.counted:
        console.print(f"  Counted:     {url}/elections/{demo.counted}/results   a ranked (STV) contest, "
                      "mixed, decrypted and counted round by round")
    console.print(f"  Log in:      {url}/login")
    for username, (role, password) in demo.logins.items():
        console.print(f"    {role:<12} {username:<10} password {password}", markup=False)
    console.print("  Voter credentials (type one in the booth after encrypting your ballot):")
    for district, secrets_ in demo.credentials.items():
        for secret in secrets_[:3]:
            console.print(f"    {district:<7} {secret}", markup=False)
    console.print(f"  Files (key files, all credentials, logins): {demo.folder}")


def register(app: typer.Typer) -> None:
    """Adds this module's subcommands to `app`."""

    @app.command("serve")
    @refusals
    def serve(
        host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
        db: DbOption = None,
        demo: Annotated[
            bool,
            typer.Option(
                "--demo",
                help="Seed a ready, open election first (in a new folder "
                "under demo-out/ unless --db is given).",
            ),
        ] = False,
        workers: Annotated[
            int,
            typer.Option(
                "--workers",
                min=1,
                help="Server processes (each checks ballots on its own core; they share the "
                "database, which orders the board).",
            ),
        ] = 1,
        trusted_proxy: Annotated[
            str | None,
            typer.Option(
                "--trusted-proxy",
                envvar="VYBORY_TRUSTED_PROXIES",
                help="Addresses of the reverse proxies (comma-separated, or *) whose "
                "X-Forwarded-For and X-Forwarded-Proto are believed: the client's address "
                "(login limits) and https (Secure cookies, HSTS) come from them. "
                "Anyone else's forwarding headers are ignored.",
            ),
        ] = None,
        log_format: Annotated[
            str,
            typer.Option(
                "--log-format",
                help="json: one JSON object per line (time, level, request_id, method, path, "
                "status, ms); text: plain lines. On stderr; no body, cookie or query string is logged.",
            ),
        ] = "json",
    ) -> None:
        """Run the web server: the API (/openapi.json), the pages and the voting booth."""
        import uvicorn

        from vybory.api import logs

        if log_format not in logs.FORMATS:
            raise InvalidInput(f"--log-format must be json or text, not {log_format!r}",
                               field="log_format", code="bad_log_format")
        os.environ[logs.FORMAT_VARIABLE] = log_format  # read by create_app, in every worker too
        logs.configure(log_format)

        from vybory.api import create_app
        from vybory.api.app import SECRET_VARIABLE
        from vybory.service import ElectionService
        from vybory.store import Database
        from vybory.store.database import URL_VARIABLE

        clock = DemoClock()
        folder = Path("demo-out") / f"serve-{datetime.now(UTC).strftime('%Y%m%d-%H%M%S')}"
        url = db
        if demo and url is None:
            url = f"sqlite:///{folder / 'vybory.sqlite'}"
            folder.mkdir(parents=True, exist_ok=True)
        service = ElectionService(Database(url), clock=clock)
        record_booth(service)  # rounds opened here (the demo's too) record the booth this server serves
        seeded = None
        if demo:
            console.print("Seeding the demo election (key ceremony, credentials, a few ballots)...")
            slug = DEMO_SLUG
            taken = {e.slug for e in service.list_elections()}
            if slug in taken:
                slug = f"{DEMO_SLUG}-{secrets.token_hex(3)}"
            seeded = seed_demo(service, clock, folder, slug=slug, counted=True)
        shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        base = f"http://{shown_host}:{port}"
        if seeded is not None:
            print_demo(seeded, base)
        processes = f" in {workers} processes" if workers > 1 else ""
        console.print(
            f"Serving on {base}{processes} (API description: {base}/openapi.json). Stop with Ctrl-C."
        )
        proxy = {"proxy_headers": trusted_proxy is not None, "forwarded_allow_ips": trusted_proxy or ""}
        if workers == 1:
            app_ = create_app(service=service)
            uvicorn.run(app_, host=host, port=port, log_level="warning", log_config=None,
                        **proxy)  # type: ignore[arg-type]
            return
        # Each worker process opens the database itself (create_app reads the URL from the
        # environment); they must share one key for session cookies, or a login made through
        # one worker would be refused by the next.
        service.database.dispose()
        os.environ[URL_VARIABLE] = service.database.url
        os.environ.setdefault(SECRET_VARIABLE, secrets.token_hex(32))
        os.environ[SUPERVISOR_VARIABLE] = str(os.getpid())
        uvicorn.run("vybory.cli.serve:worker_app", factory=True, workers=workers, host=host, port=port,
                    log_level="warning", log_config=None, **proxy)  # type: ignore[arg-type]


def worker_app() -> Any:
    """The application of one worker process of `vybory serve --workers N` (Uvicorn's factory),
    which ends when its supervisor does."""
    from vybory.api import create_app

    die_with(int(os.environ[SUPERVISOR_VARIABLE]))
    return create_app()


def die_with(supervisor: int) -> None:
    """Makes this process get SIGTERM (a graceful stop: the ballot being stored is finished) when
    ``supervisor``, its parent, ends however it ends, SIGKILL included; otherwise the workers would
    live on without it, holding the port and the database. On Linux the kernel sends the signal
    (``prctl(PR_SET_PDEATHSIG)``); elsewhere a thread watches the parent once a second."""
    import signal
    import sys
    import threading
    import time

    def watch() -> None:
        while os.getppid() == supervisor:
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGTERM)

    asked = False
    if sys.platform.startswith("linux"):
        import ctypes

        asked = ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) == 0
    if not asked:
        threading.Thread(target=watch, name="vybory-parent-watch", daemon=True).start()
    if os.getppid() != supervisor:  # it ended before the signal was asked for
        os.kill(os.getpid(), signal.SIGTERM)
