"""A small election through the `vybory` subcommands only, on SQLite and PostgreSQL:
each person runs their own commands (trustees with their own key files, the credential
authority with its letters, voters with their letters); refusals are one clear line."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from electionkit import MARCH, DefinitionToml, contest, identity_file, rewrite_board
from typer.testing import CliRunner

from vybory.cli.main import app
from vybory.model.identity import IdentityKey

DEFINITION = DefinitionToml(
    slug="club-2025", title="Club board election", seed="5eed" * 8, deadlines=MARCH, threshold=2,
    districts=(("all", "Whole club"),),
    organisations=(("union", "Union", "trade_union"), ("coop", "Co-op", "cooperative"), ("youth", "Youth", "youth")),
    trustees=(("anna", "Anna", "union"), ("boris", "Boris", "coop"), ("vera", "Vera", "youth")),
    contests=(contest("chair", "Chair", method="strikeout"), contest("dues", "Raise the dues", method="motion")),
).text()

ROLL = "id,name,district\n1,Ada,all\n2,Bob,all\n3,Cy,all\n4,Di,all\n"


class Cli:
    def __init__(self, url: str, folder: Path, monkeypatch: pytest.MonkeyPatch):
        self.url = url
        self.folder = folder
        self.monkeypatch = monkeypatch
        self.runner = CliRunner()

    def at(self, moment: str) -> None:
        self.monkeypatch.setenv("VYBORY_NOW", moment)

    def witness(self, trustee: str, code: int = 0) -> str:
        return self.run("trustee", "witness", "club-2025", "--identity", identity_file(trustee), "--heads",
                        f"{trustee}.heads", code=code)

    def run(self, *args: str, code: int = 0) -> str:
        result = self.runner.invoke(app, [*args, "--db", self.url])
        output = result.output  # standard output and standard error, as a person sees them
        assert result.exit_code == code, f"{args}: exit {result.exit_code}\n{output}\n{result.exception!r}"
        assert "Traceback" not in output
        return output


@pytest.fixture
def cli(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "club.toml").write_text(DEFINITION)
    (tmp_path / "roll.csv").write_text(ROLL)
    return Cli(database_url, tmp_path, monkeypatch)


def test_a_whole_election_through_the_commands(cli: Cli) -> None:
    cli.at("2025-03-01T09:00:00Z")
    assert "now at schema" in cli.run("db", "upgrade")
    assert "up to date" in cli.run("db", "upgrade")
    out = cli.run("election", "create", "club.toml", "--roll", "roll.csv")
    assert "Election 'club-2025' created" in out and "4 voters on the roll" in out
    assert "may still nominate" in cli.run("election", "status", "club-2025")

    cli.run("election", "nominate", "club-2025", "--organisation", "union", "--contest", "chair",
            "--candidate", "Ivanov", "--consent", "--detail", "occupation=fitter")
    cli.run("election", "nominate", "club-2025", "--organisation", "coop", "--contest", "chair",
            "--candidate", "Petrova", "--consent")
    cli.run("election", "nominate", "club-2025", "--organisation", "youth", "--contest", "chair",
            "--candidate", "Sidorov", "--consent")
    cli.run("election", "register", "club-2025", "1")
    cli.run("election", "register", "club-2025", "3")
    cli.run("election", "refuse", "club-2025", "2", "--reason", "papers unsigned")
    cli.run("election", "appeal", "club-2025", "2", "--grounds", "signed separately")
    cli.run("election", "decide-appeal", "club-2025", "2", "--uphold", "--reason", "the papers were on file")

    trustees = ["anna", "boris", "vera"]
    for t in trustees:
        assert "key file" in cli.run("trustee", "keygen", "club-2025", "--trustee", t, "--key", f"{t}.key",
                                       "--identity", identity_file(t))
        assert (cli.folder / f"{t}.key").stat().st_mode & 0o077 == 0  # only its owner can read it
    for step in ("commit", "reveal", "shares"):
        for t in trustees:
            cli.run("trustee", step, "club-2025", "--key", f"{t}.key")
    assert "share from trustee 3: good" in cli.run("trustee", "check", "club-2025", "--key", "anna.key")
    for t in trustees:
        out = cli.run("trustee", "complain", "club-2025", "--key", f"{t}.key")
    assert "The key ceremony is completed" in out
    for t in trustees:
        out = cli.witness(t)
    assert "(key ceremony done)" in out and "with 2 earlier witness(es)" in out

    cli.at("2025-03-15T09:00:00Z")
    assert "chair: Ivanov, Petrova, Sidorov" in cli.run("election", "close-nominations", "club-2025")
    assert "(nominations closed)" in cli.witness("anna")
    out = cli.run("roll", "publish", "club-2025", "roll.csv", "--identity", identity_file("commission", role="commission"))
    assert "The signed roll is on the board" in out and "4 voters" in out
    assert "4 credentials issued" in cli.run("credentials", "issue", "club-2025", "--out", "letters", "--identity",
                                             identity_file("authority", role="authority"))
    letters = sorted((cli.folder / "letters" / "letters").iterdir())
    assert len(letters) == 4
    cli.run("election", "open", "club-2025")
    assert "(round 1 opened)" in cli.witness("vera")

    cli.at("2025-03-20T09:00:00Z")
    assert "candidates: Ivanov, Petrova, Sidorov" in cli.run("vote", "club-2025", "--credential-file",
                                                             str(letters[0]))
    audit = cli.run("vote", "club-2025", "--credential-file", str(letters[0]), "--choice", "chair=Petrova",
                    "--choice", "dues=no", "--audit")
    assert 'chair: ["Petrova"]' in audit and 'dues: "no"' in audit
    first = cli.run("vote", "club-2025", "--credential-file", str(letters[0]), "--choice", "chair=Sidorov",
                    "--choice", "dues=yes")
    code = re.search(r"Tracking code: ([0-9a-f]{64})", first).group(1)  # type: ignore[union-attr]
    again = cli.run("vote", "club-2025", "--credential-file", str(letters[0]), "--choice", "chair=Ivanov",
                    "--choice", "dues=yes")
    assert "replaces your earlier ballot" in again
    assert "was replaced by a later ballot" in cli.run("track", "club-2025", code)
    out = cli.run("track", "club-2025", code, "--credential-file", str(letters[0]))
    assert "yours: this ballot was cast with your credential" in out and "district all" in out
    # A lying device showed the second voter the first voter's ballot: the second voter's check says so.
    out = cli.run("track", "club-2025", code, "--credential-file", str(letters[1]), code=1)
    assert "not yours (ballot_not_yours)" in out and "no ballot of your credential is on this board" in out
    assert "credential_not_listed" in cli.run("track", "club-2025", code, "--credential",
                                              "ABCD-EFGH-IJKL-MNOP-QRST-UVWX", code=1)
    for letter, name in zip(letters[1:], ["Ivanov", "Petrova", "Ivanov"]):
        cli.run("vote", "club-2025", "--credential-file", str(letter), "--choice", f"chair={name}",
                "--choice", "dues=no")
    out = cli.run("vote", "club-2025", "--credential-file", str(letters[1]), "--choice", "chair=Ivanov,Petrova",
                  code=1)
    assert "wrong_mark_count" in out

    cli.run("election", "close", "club-2025")
    cli.witness("anna")
    cli.run("election", "tally", "club-2025")
    assert "(round 1 tallied)" in cli.witness("boris")
    out = cli.run("election", "decide", "club-2025", code=1)
    assert "threshold_not_met" in out and "2 valid decryption shares are needed, 0 received" in out
    cli.run("trustee", "decrypt", "club-2025", "--key", "vera.key")
    cli.run("trustee", "decrypt", "club-2025", "--key", "anna.key")
    out = cli.run("election", "decide", "club-2025")
    assert re.search(r"Ivanov\s+│\s+3\s+│\s+75.0%\s+│\s+elected", out), out
    assert "the motion did not pass" in out
    assert "(round 1 results)" in cli.witness("vera")
    cli.run("election", "publish", "club-2025")
    for t in trustees:
        out = cli.witness(t)  # after the publication too
    assert "(results published)" in out
    assert [line.split(" ", 2)[2] for line in (cli.folder / "anna.heads").read_text().splitlines()] == [
        "key ceremony done", "nominations closed", "round 1 closed", "results published"]
    status = cli.run("election", "status", "club-2025")
    assert "phase: published" in status and "Nobody is waited for." in status
    board = cli.run("election", "board", "club-2025", "--kind", "ballot_cast", "--json")
    assert board.count('"kind":"ballot_cast"') == 5
    assert "Ada" not in cli.run("election", "board", "club-2025", "--json", "--limit", "1000")


def test_refusals_are_one_line_with_a_code(cli: Cli) -> None:
    cli.at("2025-03-01T09:00:00Z")
    cli.run("db", "upgrade")
    (cli.folder / "bad.toml").write_text(DEFINITION.replace('method = "strikeout"', 'method = "lottery"')
                                         .replace("threshold = 2", "threshold = 9"))
    out = cli.run("election", "create", "bad.toml", code=2)
    assert "The election definition is refused" in out
    assert "bad.toml: contests[chair].method" in out and "commission.threshold" in out
    out = cli.run("election", "create", "missing.toml", code=2)
    assert "file_missing" in out
    cli.run("election", "create", "club.toml")
    out = cli.run("election", "create", "club.toml", code=1)
    assert "slug_taken" in out
    assert "unknown_election" in cli.run("election", "status", "nope", code=1)
    assert "consent_missing" in cli.run("election", "nominate", "club-2025", "--organisation", "union",
                                        "--contest", "chair", "--candidate", "X", code=1)
    assert "nominations_still_open" in cli.run("election", "close-nominations", "club-2025", code=1)
    cli.run("trustee", "keygen", "club-2025", "--trustee", "anna", "--identity", identity_file("anna"), "--key", "anna.key")
    assert "key_file_exists" in cli.run("trustee", "keygen", "club-2025", "--trustee", "anna", "--identity", identity_file("anna"), "--key",
                                        "anna.key", code=1)
    assert "already_published" in cli.run("trustee", "keygen", "club-2025", "--trustee", "anna", "--identity", identity_file("anna"), "--key",
                                          "anna2.key", code=1)
    assert not (cli.folder / "anna2.key").exists()  # a refused step leaves no key file behind
    (cli.folder / "junk.key").write_text("{not json")
    assert "invalid_encoding" in cli.run("trustee", "commit", "club-2025", "--key", "junk.key", code=2)
    authority = ("--identity", identity_file("authority", role="authority"))
    commission = ("--identity", identity_file("commission", role="commission"))
    assert "no_roll" in cli.run("credentials", "issue", "club-2025", "--out", "creds", *authority, code=1)
    assert not (cli.folder / "creds").exists()
    (cli.folder / "other.csv").write_text("id,name,district\n1,Ada,atlantis\n")
    out = cli.run("credentials", "issue", "club-2025", "--out", "creds", "--roll", "other.csv", *authority, code=2)
    assert "other.csv: line 2, column 3 (district): 'atlantis'" in out
    # Before the commission's signed roll, no list; nor with another signer's key file.
    out = cli.run("credentials", "issue", "club-2025", "--out", "creds", "--roll", "roll.csv", *authority, code=1)
    assert "roll_missing" in out and not (cli.folder / "creds").exists()
    assert "not of a commission" in cli.run("roll", "publish", "club-2025", "roll.csv", "--identity",
                                            identity_file("boris"), code=2)
    (cli.folder / "new-commission.json").write_text(json.dumps(IdentityKey.generate("commission", "commission").to_json()))
    assert "not_the_definitions_key" in cli.run("roll", "publish", "club-2025", "roll.csv", "--identity",
                                                "new-commission.json", code=1)
    (cli.folder / "padded.csv").write_text((cli.folder / "roll.csv").read_text() + "99,Ghost,all\n")
    cli.run("roll", "publish", "club-2025", "padded.csv", *commission)
    # The authority issues from its own copy of the roll: the padded one the commission signed is refused.
    out = cli.run("credentials", "issue", "club-2025", "--out", "creds", "--roll", "roll.csv", *authority, code=1)
    assert "roll_count_mismatch" in out and not (cli.folder / "creds").exists()
    cli.run("roll", "publish", "club-2025", "roll.csv", *commission)  # corrected before the credentials
    cli.run("credentials", "issue", "club-2025", "--out", "creds", "--roll", "roll.csv", *authority)
    assert "roll_after_credentials" in cli.run("roll", "publish", "club-2025", "roll.csv", *commission, code=1)
    assert "credentials_already_published" in cli.run("credentials", "issue", "club-2025", "--out", "creds2",
                                                      "--roll", "roll.csv", *authority, code=1)
    assert not (cli.folder / "creds2").exists()  # a refused list leaves no letters behind
    assert len(list((cli.folder / "creds" / "letters").iterdir())) == 4
    assert "24 letters and digits" in cli.run("vote", "club-2025", "--credential", "AAAA", code=2)


def test_database_commands_and_logins(cli: Cli) -> None:
    from vybory.service import ElectionService
    from vybory.store import Database

    if cli.url.startswith("postgresql"):
        assert "schema none" in cli.run("db", "status")
    cli.run("db", "upgrade")
    assert "up to date" in cli.run("db", "status")
    cli.monkeypatch.setenv("VYBORY_NEW_PASSWORD", "correct horse battery")
    assert "Login 'secretary' (commission) added." in cli.run("db", "add-user", "secretary")
    assert "username_taken" in cli.run("db", "add-user", "secretary", code=1)
    assert "password_too_short" in cli.run("db", "add-user", "clerk", "--password", "short", code=2)
    service = ElectionService(Database(cli.url))
    assert service.authenticate("secretary", "correct horse battery") == {
        "username": "secretary", "role": "commission", "subject": None, "election": None}
    assert service.authenticate("secretary", "wrong horse battery") is None


def test_the_roll_and_the_list_signed_off_line(cli: Cli) -> None:
    """The commission and the credential authority work without the database, each with its own key:
    the files they hand over are signed, and the service takes them only as signed."""
    from vybory.service import ElectionService
    from vybory.store import Database

    cli.at("2025-03-01T09:00:00Z")
    cli.run("db", "upgrade")
    cli.run("election", "create", "club.toml")
    commission = identity_file("commission", role="commission")
    authority = identity_file("authority", role="authority")
    runner = CliRunner()

    def offline(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, list(args))
        assert result.exit_code == code, result.output
        assert "Traceback" not in result.output
        return result.output

    out = offline("roll", "sign", "roll.csv", "--identity", commission, "--definition", "club.toml", "--out",
                  "roll-signed.json")
    assert "all: 4 voters, weight 4" in out
    assert (cli.folder / "roll-signed.json").stat().st_mode & 0o077 == 0
    assert "file_exists" in offline("roll", "sign", "roll.csv", "--identity", commission, "--definition",
                                    "club.toml", "--out", "roll-signed.json", code=1)
    assert "not of a commission" in offline("roll", "sign", "roll.csv", "--identity", authority, "--definition",
                                            "club.toml", "--out", "other.json", code=2)
    out = offline("credentials", "issue", "club-2025", "--out", "issued", "--roll", "roll.csv", "--definition",
                  "club.toml", "--identity", authority)
    assert "4 credentials issued" in out and (cli.folder / "issued" / "credentials.json").exists()
    signed_roll = json.loads((cli.folder / "roll-signed.json").read_text())
    signed_list = json.loads((cli.folder / "issued" / "credentials.json").read_text())
    assert signed_roll["signed"]["signer"] == "commission" and signed_list["signed"]["signer"] == "authority"
    assert "Ada" not in json.dumps(signed_roll) and "Ada" not in json.dumps(signed_list)
    service = ElectionService(Database(cli.url))
    service.publish_roll("club-2025", signed_roll)
    service.publish_credentials("club-2025", signed_list)
    state = service.state("club-2025")
    assert len(state.credentials) == 4 and state.registered_voters("all") == 4


def test_a_trustee_refuses_to_witness_a_board_rewritten_in_the_database(cli: Cli) -> None:
    cli.at("2025-03-01T09:00:00Z")
    cli.run("db", "upgrade")
    cli.run("election", "create", "club.toml", "--roll", "roll.csv")
    cli.run("election", "nominate", "club-2025", "--organisation", "union", "--contest", "chair",
            "--candidate", "Ivanov", "--consent", "--detail", "occupation=fitter")
    cli.run("election", "register", "club-2025", "1")
    assert "witnessed (board event 4)" in cli.witness("anna")
    heads = (cli.folder / "anna.heads").read_text()

    def new_details(rows: list[dict[str, Any]]) -> None:
        rows[1]["payload"]["candidate"]["details"] = {"occupation": "director"}

    rewrite_board(cli.url, new_details)
    for trustee in ("anna", "boris"):  # anna from her heads file, boris from anna's witness on the board
        out = cli.witness(trustee, code=1)
        assert "history_rewritten" in out and "nothing is signed" in out
    assert (cli.folder / "anna.heads").read_text() == heads and not (cli.folder / "boris.heads").exists()
    assert cli.run("election", "board", "club-2025", "--kind", "head_witnessed", "--json").count(
        '"kind":"head_witnessed"') == 1  # anna's first witness only
    (cli.folder / "anna.heads").write_text("3 nonsense\n")
    assert "heads line 1" in cli.witness("anna", code=2)


def test_a_stalled_key_ceremony_restarted_through_the_commands(cli: Cli) -> None:
    # Vera never acts; after the ceremony's deadline the commission gives her seat to Vika of the
    # same organisation; the others make new key files for attempt 2.
    from electionkit import signing_key

    cli.at("2025-03-01T09:00:00Z")
    cli.run("db", "upgrade")
    cli.run("election", "create", "club.toml", "--roll", "roll.csv")
    for t in ("anna", "boris"):
        cli.run("trustee", "keygen", "club-2025", "--trustee", t, "--key", f"{t}.key", "--identity", identity_file(t))
        cli.run("trustee", "commit", "club-2025", "--key", f"{t}.key")
    commission = identity_file("commission", role="commission")
    out = cli.run("election", "restart-keys", "club-2025", "--identity", commission, "--reason", "Vera is away",
                  code=1)
    assert "key_ceremony_not_failed" in out and len(out.strip().splitlines()) == 1
    assert "stalled" not in cli.run("election", "status", "club-2025", "--json")
    cli.at("2025-03-20T06:00:00Z")
    assert "stalled past its deadline" in cli.run("election", "status", "club-2025", "--json")
    (cli.folder / "new.toml").write_text(
        f'[[trustees]]\nseat = 3\nid = "vika"\nname = "Vika"\norganisation = "youth"\n'
        f'signing_key = "{signing_key("trustee", "vika")}"\n')
    (cli.folder / "bad.toml").write_text('[[trustees]]\nseat = "three"\n')
    out = cli.run("election", "restart-keys", "club-2025", "--identity", commission, "--reason", "Vera is away",
                  "--replacements", "bad.toml", code=2)
    assert "bad.toml: trustees[0].seat" in out and "Traceback" not in out
    out = cli.run("election", "restart-keys", "club-2025", "--identity", commission, "--reason", "Vera is away",
                  "--replacements", "new.toml", "--out", "restart.json")
    assert "restart.json" in out and json.loads((cli.folder / "restart.json").read_text())["attempt"] == 2
    out = cli.run("election", "restart-keys", "club-2025", "--identity", commission, "--reason", "Vera is away",
                  "--replacements", "new.toml")
    assert "Key ceremony restarted: attempt 2" in out and "seat 3: Vika (vika, youth)" in out
    # Anna's attempt-1 key file is refused; Vera is no longer a trustee; new key files work.
    out = cli.run("trustee", "reveal", "club-2025", "--key", "anna.key", code=1)
    assert "wrong_attempt" in out
    out = cli.run("trustee", "keygen", "club-2025", "--trustee", "vera", "--key", "vera.key", "--identity",
                  identity_file("vera"), code=1)
    assert "unknown_trustee" in out
    for t in ("anna", "boris", "vika"):
        cli.run("trustee", "keygen", "club-2025", "--trustee", t, "--key", f"{t}-2.key", "--identity",
                identity_file(t))
    for step in ("commit", "reveal", "shares"):
        for t in ("anna", "boris", "vika"):
            cli.run("trustee", step, "club-2025", "--key", f"{t}-2.key")
    for t in ("anna", "boris", "vika"):
        out = cli.run("trustee", "complain", "club-2025", "--key", f"{t}-2.key")
    assert "The key ceremony is completed" in out
