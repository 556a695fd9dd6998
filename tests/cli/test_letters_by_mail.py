"""The credential authority e-mails the letters (`vybory credentials issue --send`,
`vybory credentials send`), tested against a real SMTP server on this machine: letters in the
voter's language, a per-voter report (sent / refused with the server's reason / no address),
a dropped connection after which a rerun sends only to the rest, STARTTLS required by default,
the dry run's .eml files, bad rolls and settings refused with nothing sent, and no credential
and no password in any log line, output or report."""

from __future__ import annotations

import base64
import csv
import json
import logging
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from electionkit import MARCH, DefinitionToml, contest, identity_file
from smtpkit import Mailbox, make_certificate, smtp_server
from typer.testing import CliRunner

from vybory.cli.main import app

SLUG = "club-2025"
DEFINITION = DefinitionToml(
    slug=SLUG, title="Club board election", seed="5eed" * 8, deadlines=MARCH, threshold=2,
    districts=(("all", "Whole club"),),
    organisations=(("union", "Union", "trade_union"), ("coop", "Co-op", "cooperative"), ("youth", "Youth", "youth")),
    trustees=(("anna", "Anna", "union"), ("boris", "Boris", "coop"), ("vera", "Vera", "youth")),
    contests=(contest("chair", "Chair", method="strikeout"),),
).text()

ROLL = ("id,name,district,email,language\n"
        "1,Ada,all,ada@example.org,en\n"
        "2,Борис,all,boris@example.org,ru\n"
        "3,Cy,all,,\n"
        "4,Di,all,di@example.org,\n"
        "5,Ed,all,ed@example.org,RU\n")
SENDER = "credentials@club.example"


class Authority:
    """The credential authority at its own machine: its folder, its roll, its commands."""

    def __init__(self, folder: Path, monkeypatch: pytest.MonkeyPatch):
        self.folder = folder
        self.monkeypatch = monkeypatch
        self.runner = CliRunner()
        (folder / "club.toml").write_text(DEFINITION)
        (folder / "roll.csv").write_text(ROLL, encoding="utf-8")
        self.identity = identity_file("authority", role="authority")

    def server(self, port: int, **settings: str) -> None:
        for name in ("HOST", "PORT", "SECURITY", "USER", "PASSWORD", "FROM", "CA_FILE", "TIMEOUT"):
            self.monkeypatch.delenv(f"VYBORY_SMTP_{name}", raising=False)
        values = {"HOST": "127.0.0.1", "PORT": str(port), "SECURITY": "none", "FROM": SENDER, **settings}
        for name, value in values.items():
            self.monkeypatch.setenv(f"VYBORY_SMTP_{name}", value)

    def run(self, *args: str, code: int = 0) -> str:
        result = self.runner.invoke(app, list(args))
        assert result.exit_code == code, f"{args}: exit {result.exit_code}\n{result.output}\n{result.exception!r}"
        assert "Traceback" not in result.output
        return result.output

    def issue(self, *extra: str, code: int = 0, roll: str = "roll.csv") -> str:
        return self.run("credentials", "issue", SLUG, "--out", "issued", "--roll", roll, "--definition",
                        "club.toml", "--identity", self.identity, *extra, code=code)

    def send(self, *extra: str, code: int = 0) -> str:
        return self.run("credentials", "send", SLUG, "--out", "issued", "--definition", "club.toml", *extra,
                        code=code)

    def table(self) -> dict[str, dict[str, str]]:
        with (self.folder / "issued" / "credentials.csv").open(encoding="utf-8", newline="") as handle:
            return {row["id"]: row for row in csv.DictReader(handle)}

    def secrets(self) -> dict[str, str]:
        return {k: row["credential"] for k, row in self.table().items()}

    def journal(self, name: str = "delivery.csv") -> list[dict[str, str]]:
        with (self.folder / "issued" / name).open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))

    def outcomes(self, name: str = "delivery.csv") -> dict[str, str]:
        return {row["id"]: row["outcome"] for row in self.journal(name)}  # the last line per voter


@pytest.fixture
def authority(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Authority:
    monkeypatch.chdir(tmp_path)
    return Authority(tmp_path, monkeypatch)


def body_of(message) -> str:  # type: ignore[no-untyped-def]
    return message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")


def test_letters_go_by_email_in_the_voters_language_and_the_report_names_each_voter(authority: Authority) -> None:
    mailbox = Mailbox()
    with smtp_server(mailbox) as port:
        authority.server(port)
        out = authority.issue("--send")
    assert "sent: 4, no address: 1" in out and "no address: 3: print the letter" in out
    secrets = authority.secrets()
    by_address = {str(m["To"].addresses[0].addr_spec): m for m in mailbox.messages()}
    assert sorted(by_address) == ["ada@example.org", "boris@example.org", "di@example.org", "ed@example.org"]
    assert sorted(mailbox.recipients()) == sorted(by_address)  # the envelope too: one letter, one voter
    for voter, address in (("1", "ada@example.org"), ("2", "boris@example.org"), ("4", "di@example.org"),
                           ("5", "ed@example.org")):
        message = by_address[address]
        body = body_of(message)
        assert secrets[voter] in body and body.count(secrets[voter]) == 3  # the letter: credential, twice to vote
        assert (authority.folder / "issued" / "letters" / f"{voter}.txt").read_text(encoding="utf-8") == body
        assert message["From"] == SENDER and secrets[voter] not in str(message["Subject"])
    assert by_address["ada@example.org"]["Subject"] == "Your voting credential: Club board election"
    assert by_address["di@example.org"]["Content-Language"] == "en"  # no language: English
    for russian in ("boris@example.org", "ed@example.org"):  # "ru" and "RU"
        message = by_address[russian]
        assert message["Content-Language"] == "ru"
        assert message["Subject"] == "Ваш ключ для голосования: Club board election"
        assert "Ваш секретный ключ" in body_of(message) and "Your secret credential" not in body_of(message)
    assert str(by_address["boris@example.org"]["To"]) == "Борис <boris@example.org>"
    assert authority.outcomes() == {"1": "sent", "2": "sent", "3": "no_address", "4": "sent", "5": "sent"}
    # The addresses stay in the authority's folder: never in the signed list for the board.
    public = (authority.folder / "issued" / "credentials.json").read_text()
    assert "@" not in public and "Ada" not in public
    assert authority.table()["2"]["email"] == "boris@example.org" and authority.table()["2"]["language"] == "ru"


def test_a_refused_recipient_gets_the_servers_reason_and_a_rerun_sends_only_to_the_rest(
        authority: Authority) -> None:
    mailbox = Mailbox(refuse={"di@example.org": "550 5.1.1 <di@example.org>: mailbox unknown"})
    with smtp_server(mailbox) as port:
        authority.server(port)
        out = authority.issue("--send", code=1)
        assert "refused: 4 <di@example.org>: 550 5.1.1 <di@example.org>: mailbox unknown" in out
        assert "sent: 3, refused: 1, no address: 1" in out
        last = authority.journal()[-2]
        assert (last["id"], last["outcome"], last["detail"]) == (
            "4", "refused", "550 5.1.1 <di@example.org>: mailbox unknown")
        secrets = authority.secrets()
        assert sorted(mailbox.recipients()) == ["ada@example.org", "boris@example.org", "ed@example.org"]

        # The same address again is refused again; then the authority corrects it in its table.
        assert "refused: 4" in authority.send(code=1)
        assert len(mailbox.received) == 3
        table = (authority.folder / "issued" / "credentials.csv")
        table.write_text(table.read_text(encoding="utf-8").replace("di@example.org", "di@mail.example.org"),
                         encoding="utf-8")
        out = authority.send()
        assert "sent: 1\n" in out and "no address" not in out  # voter 3 was told of before
        assert mailbox.recipients()[-1] == "di@mail.example.org" and len(mailbox.received) == 4
        assert secrets["4"] in body_of(mailbox.messages()[-1])  # the letter issued before, never a new one
        assert authority.secrets() == secrets
        assert authority.outcomes()["4"] == "sent"
        # Everyone with an address has a letter: a third run sends nothing.
        assert "already got a letter: nothing to send" in authority.send()
        assert len(mailbox.received) == 4


def test_a_dropped_connection_leaves_a_report_of_exactly_who_got_a_letter(authority: Authority) -> None:
    dropping = Mailbox(drop_after=2)
    with smtp_server(dropping) as port:
        authority.server(port)
        out = authority.issue("--send", code=1)
    assert "The connection to the mail server broke" in out and "1 letter was not tried" in out
    got = sorted(dropping.recipients())
    assert got == ["ada@example.org", "boris@example.org"]
    outcomes = authority.outcomes()
    assert {k for k, v in outcomes.items() if v == "sent"} == {"1", "2"}  # exactly those the server accepted
    assert outcomes["4"] == "failed" and outcomes["3"] == "no_address" and "5" not in outcomes

    honest = Mailbox()
    with smtp_server(honest) as port:
        authority.server(port)
        out = authority.send()
    assert sorted(honest.recipients()) == ["di@example.org", "ed@example.org"]  # only the rest
    assert {k for k, v in authority.outcomes().items() if v == "sent"} == {"1", "2", "4", "5"}
    secrets = authority.secrets()
    assert secrets["5"] in body_of(honest.messages()[-1])


def test_starttls_is_required_by_default_and_nothing_is_issued_without_it(authority: Authority) -> None:
    mailbox = Mailbox()
    with smtp_server(mailbox) as port:
        authority.server(port)
        authority.monkeypatch.delenv("VYBORY_SMTP_SECURITY")
        out = authority.issue("--send", code=1)
    assert "mail_no_tls" in out and "does not offer STARTTLS" in out
    assert mailbox.received == [] and not (authority.folder / "issued").exists()


def test_starttls_and_login_with_no_credential_and_no_password_in_any_log_line(
        authority: Authority, caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    certificate = make_certificate(tmp_path)
    password = "correct horse battery staple 42"
    mailbox = Mailbox(login=("authority", password))
    caplog.set_level(logging.DEBUG)
    with smtp_server(mailbox, certificate=certificate) as port:
        # A certificate nobody vouches for is refused before anything is issued.
        authority.server(port, SECURITY="starttls", USER="authority", PASSWORD=password)
        out = authority.issue("--send", code=1)
        assert "mail_tls_failed" in out and not (authority.folder / "issued").exists()
        # A wrong password: refused, and the password is not repeated.
        authority.server(port, SECURITY="starttls", USER="authority", PASSWORD="wrong password 7",
                         CA_FILE=str(certificate[0]))
        out = authority.issue("--send", code=1)
        assert "mail_login_refused" in out and "wrong password 7" not in out
        authority.server(port, SECURITY="starttls", USER="authority", PASSWORD=password,
                         CA_FILE=str(certificate[0]))
        out = authority.issue("--send")
    assert "sent: 4" in out and len(mailbox.received) == 4 and mailbox.logins[-1] == "authority"
    secrets = list(authority.secrets().values())
    ours = "\n".join(f"{r.name} {r.getMessage()}" for r in caplog.records if not r.name.startswith("mail.log"))
    assert "letter for roll number 2: sent" in ours
    written = [out, ours, (authority.folder / "issued" / "delivery.csv").read_text(encoding="utf-8")]
    forbidden = [password, base64.b64encode(f"\0authority\0{password}".encode()).decode(),
                 base64.b64encode(password.encode()).decode()]
    for secret in secrets:
        forbidden += [secret, secret.replace("-", "")]
    for text in written:
        for value in forbidden:
            assert value not in text
    assert "correct horse" not in repr(__import__("vybory.mail.sending", fromlist=["x"]).MailSettings.from_environment(
        {"VYBORY_SMTP_HOST": "h", "VYBORY_SMTP_FROM": SENDER, "VYBORY_SMTP_USER": "u",
         "VYBORY_SMTP_PASSWORD": password}))


def test_a_server_that_echoes_the_letter_in_its_refusal_does_not_put_the_credential_in_the_report(
        authority: Authority) -> None:
    class Echo(Mailbox):
        async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
            text = envelope.content.decode("utf-8", "replace")
            line = next((x for x in text.splitlines() if "secret credential" in x), "")
            return f"554 5.7.1 rejected: {line.strip()}"

    echo = Echo()
    with smtp_server(echo) as port:
        authority.server(port)
        out = authority.issue("--send", code=1)
    assert "refused: 1 <ada@example.org>: 554 5.7.1 rejected: Your secret credential: [credential]" in out
    report = (authority.folder / "issued" / "delivery.csv").read_text(encoding="utf-8")
    for secret in authority.secrets().values():
        assert secret not in out and secret not in report


def test_the_dry_run_writes_one_eml_file_per_voter_and_sends_nothing(authority: Authority) -> None:
    authority.monkeypatch.setenv("VYBORY_SMTP_FROM", SENDER)
    authority.monkeypatch.delenv("VYBORY_SMTP_HOST", raising=False)
    out = authority.issue("--send", "--dry-run")
    assert "Dry run: 4 e-mails written" in out and "nothing sent" in out
    folder = authority.folder / "issued" / "mail"
    assert sorted(p.name for p in folder.glob("*.eml")) == ["1.eml", "2.eml", "4.eml", "5.eml"]
    assert all(p.stat().st_mode & 0o077 == 0 for p in folder.glob("*.eml"))  # letters: the owner's only
    message = message_from_bytes((folder / "2.eml").read_bytes(), policy=policy.default)
    assert message["To"].addresses[0].addr_spec == "boris@example.org"
    assert authority.secrets()["2"] in body_of(message) and message["Subject"].startswith("Ваш ключ")
    assert authority.outcomes("mail/delivery.csv") == {"1": "written", "2": "written", "3": "no_address",
                                                       "4": "written", "5": "written"}
    assert not (authority.folder / "issued" / "delivery.csv").exists()  # nobody counts as sent
    mailbox = Mailbox()
    with smtp_server(mailbox) as port:
        authority.server(port)
        assert "sent: 4" in authority.send()
    assert len(mailbox.received) == 4
    assert "--dry-run goes with --send" in authority.run(
        "credentials", "issue", SLUG, "--out", "other", "--roll", "roll.csv", "--definition", "club.toml",
        "--identity", authority.identity, "--dry-run", code=2)


@pytest.mark.parametrize("roll, where", [
    ("id,name,district,email\n1,Ada,all,ada@example.org\n2,Bob,all,bob@example\n",
     "line 3, column 4 (email): 'bob@example': the part after @ must be a domain name"),
    ("id,name,district,email\n1,Ada,all,ada@example.org\n2,Bob,all,bob at example.org\n",
     "line 3, column 4 (email): 'bob at example.org': must be an e-mail address"),
    ("id,name,district,email\n1,Ada,all,\"ada@example.org\nBcc: spy@example.net\"\n",
     "line 2, column 4 (email)"),
    ("id,name,district,email\n1,Ada,all,ada@example.org\n2,Bob,all,ADA@example.org\n",
     "line 3, column 4 (email): 'ADA@example.org' is already the address of line 2"),
    ("id,name,district,email\n1,\"Ada\nBcc: spy@example.net\",all,ada@example.org\n",
     "line 2, column 2 (name): must be one line of text"),
    ("id,name,district,email\n1,Ada,all,ada@example.org\n1,Bob,all,bob@example.org\n",
     "line 3, column 1 (id): '1' is already on line 2"),
    ("id,name,district,email,language\n1,Ada,all,ada@example.org,de\n",
     "line 2, column 5 (language): 'de' is not a language of the letters (en, ru)"),
    ("id,name,email\n1,Ada,ada@example.org\n", "line 1: column 'district' is missing"),
    ("id,name,district\n1,Ada,all\n", "--send needs an 'email' column"),
    ("id,name,district,email\n1,Ada,all,\n", "no voter on the roll has an e-mail address"),
])
def test_a_bad_roll_is_refused_naming_the_line_and_field_and_nothing_is_issued_or_sent(
        authority: Authority, roll: str, where: str) -> None:
    (authority.folder / "bad.csv").write_text(roll, encoding="utf-8")
    mailbox = Mailbox()
    with smtp_server(mailbox) as port:
        authority.server(port)
        out = authority.issue("--send", roll="bad.csv", code=2)
    assert where in out and "Bad input" in out
    assert mailbox.received == [] and not (authority.folder / "issued").exists()


@pytest.mark.parametrize("settings, where", [
    ({"HOST": ""}, "VYBORY_SMTP_HOST: is not set"),
    ({"FROM": ""}, "VYBORY_SMTP_FROM: is not set"),
    ({"FROM": "not an address"}, "VYBORY_SMTP_FROM: 'not an address': must be an e-mail address"),
    ({"PORT": "99999"}, "VYBORY_SMTP_PORT: '99999' must be a port number from 1 to 65535"),
    ({"SECURITY": "tls1.0"}, "VYBORY_SMTP_SECURITY: 'tls1.0' must be starttls (the default), ssl or none"),
    ({"USER": "me", "PASSWORD": "pw-never-shown"}, ("VYBORY_SMTP_PASSWORD: is never sent over a connection "
                                                   "without TLS")),
    ({"USER": "me"}, "VYBORY_SMTP_PASSWORD: is not set, but a user is"),
    ({"CA_FILE": "/nonexistent/ca.pem", "SECURITY": "starttls"}, ("VYBORY_SMTP_CA_FILE: '/nonexistent/ca.pem' is "
                                                                 "not a file")),
])
def test_bad_settings_are_named_by_their_variable_and_nothing_is_issued(
        authority: Authority, settings: dict[str, str], where: str) -> None:
    authority.server(2525, **settings)
    out = authority.issue("--send", code=2)
    assert where in out and "pw-never-shown" not in out
    assert not (authority.folder / "issued").exists()


def test_an_unreachable_server_is_refused_before_anything_is_issued(authority: Authority) -> None:
    from serverkit import free_port

    authority.server(free_port())
    out = authority.issue("--send", code=1)
    assert "mail_unreachable" in out and "cannot talk to the mail server 127.0.0.1" in out
    assert not (authority.folder / "issued").exists()


def test_a_credential_changed_in_the_table_is_not_sent(authority: Authority) -> None:
    # Whoever edits the authority's table (to correct an address) cannot slip in a credential of
    # their own: every credential sent must be on the signed list.
    authority.monkeypatch.setenv("VYBORY_SMTP_FROM", SENDER)
    authority.issue()
    table = authority.folder / "issued" / "credentials.csv"
    secret = authority.secrets()["4"]
    table.write_text(table.read_text(encoding="utf-8").replace(secret, "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF"),
                     encoding="utf-8")
    mailbox = Mailbox()
    with smtp_server(mailbox) as port:
        authority.server(port)
        out = authority.send(code=1)
    assert "roll number 4, column 7 (credential): is not on the signed list credentials.json" in out
    assert "credential_not_listed" in out and mailbox.received == []


def test_a_table_whose_credentials_moved_between_voters_is_not_sent(authority: Authority) -> None:
    # Whoever edits the table (or a spreadsheet that sorted one column) cannot send one voter's
    # credential to another: each credential goes in one letter only, to a voter of the district
    # and weight the signed list gives it.
    authority.monkeypatch.setenv("VYBORY_SMTP_FROM", SENDER)
    weighted = ROLL.replace("id,name,district,", "id,name,district,weight,").replace(",all,", ",all,1,")
    (authority.folder / "weighted.csv").write_text(weighted.replace("1,Ada,all,1,", "1,Ada,all,3,"),
                                                   encoding="utf-8")
    authority.issue(roll="weighted.csv")
    table = authority.folder / "issued" / "credentials.csv"
    original = table.read_text(encoding="utf-8")
    secrets = authority.secrets()
    mailbox = Mailbox()
    with smtp_server(mailbox) as port:
        authority.server(port)
        table.write_text(original.replace(secrets["4"], secrets["2"]), encoding="utf-8")
        out = authority.send(code=1)
        assert "roll number 4, column 7 (credential): is already the credential of roll number 2" in out
        assert "credential_not_listed" in out
        swapped = original.replace(secrets["1"], "\0").replace(secrets["4"], secrets["1"]).replace("\0", secrets["4"])
        table.write_text(swapped, encoding="utf-8")
        out = authority.send(code=1)
        assert ("roll number 1, column 7 (credential): the signed list credentials.json gives it to district 'all' "
                "with weight 1, not to this voter's") in out
        assert "roll number 4, column 7 (credential): the signed list credentials.json gives it to district 'all' "\
            "with weight 3" in out
        assert mailbox.received == []
        assert not (authority.folder / "issued" / "delivery.csv").exists()
        table.write_text(original, encoding="utf-8")
        authority.send()
    assert sorted(mailbox.recipients()) == ["ada@example.org", "boris@example.org", "di@example.org",
                                            "ed@example.org"]


def test_a_commission_that_changes_an_address_to_its_own(authority: Authority) -> None:
    # The commission compiles the roll. Redirecting two voters' letters to one mailbox is refused;
    # redirecting one is not detectable by the authority: the voter gets no letter and can
    # complain, and the report shows the address the letter went to.
    two = ROLL.replace("ada@example.org", "office@club.example").replace("di@example.org", "office@club.example")
    (authority.folder / "two.csv").write_text(two, encoding="utf-8")
    mailbox = Mailbox()
    with smtp_server(mailbox) as port:
        authority.server(port)
        assert "is already the address of line 2" in authority.issue("--send", roll="two.csv", code=2)
        one = ROLL.replace("ada@example.org", "office@club.example")
        (authority.folder / "one.csv").write_text(one, encoding="utf-8")
        authority.issue("--send", roll="one.csv")
    assert "ada@example.org" not in mailbox.recipients()  # Ada never gets a letter ...
    journal = {row["id"]: row for row in authority.journal()}
    assert journal["1"]["email"] == "office@club.example"  # ... and the report says where it went


def test_an_old_folder_without_addresses_sends_nothing_and_says_so(authority: Authority) -> None:
    authority.monkeypatch.setenv("VYBORY_SMTP_FROM", SENDER)
    authority.issue()
    table = authority.folder / "issued" / "credentials.csv"
    rows = list(csv.reader(table.open(encoding="utf-8", newline="")))
    with table.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([r[:4] + r[6:] for r in rows])  # id,name,district,weight,credential
    mailbox = Mailbox()
    with smtp_server(mailbox) as port:
        authority.server(port)
        out = authority.send()
    assert "no address: 5" in out and mailbox.received == []
    assert "holds no issued letters" in authority.run("credentials", "send", SLUG, "--out", "nowhere",
                                                      "--definition", "club.toml", code=2)
    assert json.loads((authority.folder / "issued" / "credentials.json").read_text())["signed"]


def test_the_addresses_never_reach_the_board_the_commitment_or_the_servers_database(
        authority: Authority, database_url: str) -> None:
    # The commission publishes the same roll file the authority mails from: the service
    # (and whoever runs its database) gets no address and no language, and the signed
    # commitment is that of the roll without those columns.
    from sqlalchemy import create_engine, select

    from vybory.model.definition import parse_definition, parse_roll
    from vybory.protocol import publish_roll
    from vybory.store.tables import Base

    def db(*args: str, code: int = 0) -> str:
        return authority.run(*args, "--db", database_url, code=code)

    authority.monkeypatch.setenv("VYBORY_NOW", "2025-03-01T09:00:00Z")
    db("db", "upgrade")
    assert "email and language columns are not stored" in db("election", "create", "club.toml", "--roll",
                                                               "roll.csv")
    authority.monkeypatch.setenv("VYBORY_NOW", "2025-03-15T09:00:00Z")
    assert "not stored and not on the board" in db("roll", "publish", SLUG, "roll.csv", "--identity",
                                                   identity_file("commission", role="commission"))
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            stored = "\n".join(str(row) for table in Base.metadata.sorted_tables
                               for row in connection.execute(select(table)))
    finally:
        engine.dispose()
    assert "Ada" in stored  # the private roll the service keeps for the authority ...
    for value in ("@example.org", "ada@", "boris@"):
        assert value not in stored  # ... without any address
    definition = parse_definition(DEFINITION)
    bare = "".join(",".join(line.split(",")[:3]) + "\n" for line in ROLL.splitlines())
    assert publish_roll(definition, parse_roll(ROLL, definition)) == publish_roll(definition,
                                                                                 parse_roll(bare, definition))
    # The authority issues from its own copy (with the addresses) and the list matches the signed roll.
    mailbox = Mailbox()
    with smtp_server(mailbox) as port:
        authority.server(port)
        out = db("credentials", "issue", SLUG, "--out", "issued", "--roll", "roll.csv", "--identity",
                 authority.identity, "--send")
    assert "sent: 4" in out and len(mailbox.received) == 4
    with smtp_server(mailbox) as port:  # later, with the election read from the database
        authority.server(port)
        assert "nothing to send" in db("credentials", "send", SLUG, "--out", "issued")
    assert len(mailbox.received) == 4
    # From the stored roll there is no address to send to: said, nothing issued.
    out = db("credentials", "issue", SLUG, "--out", "again", "--identity", authority.identity, "--send", code=2)
    assert "no voter on the roll has an e-mail address" in out and not (authority.folder / "again").exists()


def test_the_letters_languages_are_the_catalogues() -> None:
    from vybory.model.definition import LETTER_LANGUAGES
    from vybory.web.i18n import LANGUAGES

    assert tuple(LETTER_LANGUAGES) == tuple(LANGUAGES)


# aiosmtpd cannot tell that an implicit-TLS connection is encrypted, and warns about it.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_tls_from_the_first_byte_with_a_login(authority: Authority, tmp_path: Path) -> None:
    certificate = make_certificate(tmp_path)
    mailbox = Mailbox(login=("authority", "s3cret-pass"))
    with smtp_server(mailbox, certificate=certificate, implicit_tls=True) as port:
        authority.server(port, SECURITY="ssl", USER="authority", PASSWORD="s3cret-pass",
                         CA_FILE=str(certificate[0]))
        out = authority.issue("--send")
    assert f"127.0.0.1:{port} (ssl)" in out and "sent: 4" in out and len(mailbox.received) == 4


def test_a_server_that_refuses_the_sender_refuses_each_letter_with_its_reason(authority: Authority) -> None:
    class NoSender(Mailbox):
        async def handle_MAIL(self, server, session, envelope, address, mail_options):  # type: ignore[no-untyped-def]
            return "553 5.7.1 <credentials@club.example>: sender not allowed"

    mailbox = NoSender()
    with smtp_server(mailbox) as port:
        authority.server(port)
        out = authority.issue("--send", code=1)
    assert "refused: 4, no address: 1" in out and "553 5.7.1 <credentials@club.example>: sender not allowed" in out
    assert mailbox.received == []
    assert "sent" not in authority.outcomes().values()


def test_a_journal_cut_short_by_a_crash_is_read_and_continued(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from vybory.errors import InvalidInput
    from vybory.mail.sending import Journal, read_journal

    path = tmp_path / "delivery.csv"
    path.write_text("at,id,email,outcome,detail\r\n2025-03-15T09:00:00Z,1,ada@example.org,sent,\r\n"
                    "2025-03-15T09:00:01Z,2,boris@exa", encoding="utf-8")
    assert {k: o.outcome for k, o in read_journal(path).items()} == {"1": "sent"}  # the cut line: not sent
    with Journal(path, lambda: datetime(2025, 3, 15, 9, 5, tzinfo=UTC)) as journal:
        journal.record("2", "boris@example.org", "sent")
    assert {k: o.outcome for k, o in read_journal(path).items()} == {"1": "sent", "2": "sent"}
    path.write_text("at,id,email,outcome,detail\r\n2025,1,a@b.org,delivered,\r\n2025,2,c@d.org,sent,\r\n")
    with pytest.raises(InvalidInput, match="line 2: is not a line of the journal"):
        read_journal(path)
    path.write_text("when,who\r\n")
    with pytest.raises(InvalidInput, match="line 1: must be the header at,id,email,outcome,detail"):
        read_journal(path)


def test_with_the_site_each_letter_links_to_the_booth_in_the_voters_language(authority: Authority) -> None:
    authority.monkeypatch.setenv("VYBORY_SMTP_FROM", SENDER)
    assert "'vote.example.org': must be the election site's web address" in authority.issue(
        "--site", "vote.example.org", code=2)
    assert not (authority.folder / "issued").exists()
    authority.issue("--site", "https://vote.example.org/")
    printed = (authority.folder / "issued" / "letters" / "2.txt").read_text(encoding="utf-8")
    assert "https://vote.example.org/elections/club-2025/booth?lang=ru" in printed
    assert "никогда не вводите свой ключ на другом сайте" in printed
    assert "https://vote.example.org/elections/club-2025/booth?lang=en" in (
        authority.folder / "issued" / "letters" / "1.txt").read_text(encoding="utf-8")
    mailbox = Mailbox()
    with smtp_server(mailbox) as port:
        authority.server(port)
        authority.send()  # later, from the folder: the same words as the printed letters
    by_address = {str(m["To"].addresses[0].addr_spec): m for m in mailbox.messages()}
    assert body_of(by_address["boris@example.org"]) == printed


def test_a_server_that_takes_two_letters_per_connection_gets_them_all_in_one_run(authority: Authority) -> None:
    # A provider's limit per connection: the connection that carried letters is opened again,
    # the letter in flight tried again; the journal keeps both attempts, the last one counts.
    mailbox = Mailbox(per_connection=2)
    with smtp_server(mailbox) as port:
        authority.server(port)
        out = authority.issue("--send")
    assert "sent: 4, no address: 1" in out and "failed" not in out.split("report")[0]
    assert sorted(mailbox.recipients()) == ["ada@example.org", "boris@example.org", "di@example.org",
                                            "ed@example.org"]
    assert len(mailbox.connections) == 2
    attempts = [(row["id"], row["outcome"]) for row in authority.journal()]
    assert ("4", "failed") in attempts and attempts[-1] == ("5", "sent")
    assert authority.outcomes() == {"1": "sent", "2": "sent", "3": "no_address", "4": "sent", "5": "sent"}
    assert "421 4.7.0 too many messages on one connection" in authority.journal()[3]["detail"]
