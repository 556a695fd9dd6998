"""`vybory election ...`: what the commission (and the nominating organisations) do.

Every command takes ``--db URL``; every refusal is one line with its code,
and changes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from vybory import protocol
from vybory.cli._common import (
    DbOption,
    console,
    done,
    make_identity_file,
    print_decision,
    read_text,
    refusals,
    service_for,
    signer_identity,
    write_private,
)
from vybory.errors import InvalidInput, Refused
from vybory.mail.issued import roll_has_addresses
from vybory.model.definition import format_time
from vybory.model.restart import parse_replacements
from vybory.model.signing import COMMISSION, sign_payload

Slug = Annotated[str, typer.Argument(help="The election's slug (from its definition).", show_default=False)]
RoundOption = Annotated[int | None, typer.Option("--round", help="The round (default: the current one).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


def _posted(what: str, posted: Any) -> None:
    done(f"{what} (board event {posted.position}, {posted.kind}).")


def register(app: typer.Typer) -> None:
    """Adds this module's subcommands to `app`."""
    election = typer.Typer(help="Define an election and run it: nominations, rounds, tally, decisions.",
                           no_args_is_help=True)
    app.add_typer(election, name="election")
    commission = typer.Typer(help="The commission's own key.", no_args_is_help=True)
    app.add_typer(commission, name="commission")

    @commission.command("init")
    @refusals
    def init(
        identity: Annotated[Path, typer.Option("--identity", help="The new identity key file (kept off-line).",
                                                 show_default=False)],
    ) -> None:
        """Create the commission's identity key, before the election is defined (its signing key goes
        into the definition's [commission]; the commission signs the voter roll's size with it)."""
        make_identity_file(identity, "commission", "commission")

    @election.command("create")
    @refusals
    def create(
        definition: Annotated[Path, typer.Argument(help="The election definition (TOML).", show_default=False)],
        roll: Annotated[Path | None, typer.Option(help="The voter roll (CSV: id,name,district,weight).")] = None,
        db: DbOption = None,
    ) -> None:
        """Check a definition (and roll) and start the election's board."""
        text = read_text(definition, "definition")
        roll_text = read_text(roll, "roll") if roll is not None else None
        summary = service_for(db).create_election(text, roll_csv=roll_text, source=definition.name,
                                                  roll_source=roll.name if roll else "roll.csv")
        done(f"Election {summary.slug!r} created: {summary.title}")
        done(f"  fingerprint {summary.fingerprint}")
        done(f"  {summary.voters_on_roll} voters on the roll; next: nominations and the key ceremony.")
        if roll_text is not None and roll_has_addresses(roll_text):
            done("  The roll's email and language columns are not stored: they stay in the credential "
                 "authority's copy, for `vybory credentials issue --roll FILE --send`.")

    @election.command("roll")
    @refusals
    def import_roll(
        slug: Slug,
        roll: Annotated[Path, typer.Argument(help="The voter roll (CSV: id,name,district,weight).",
                                             show_default=False)],
        replace: Annotated[bool, typer.Option(help="Replace a roll already stored.")] = False,
        db: DbOption = None,
    ) -> None:
        """Store the voter roll (private: never on the board)."""
        n = service_for(db).import_roll(slug, read_text(roll, "roll"), source=roll.name, replace=replace)
        done(f"{n} voters stored on the roll of {slug!r}.")

    @election.command("list")
    @refusals
    def list_(db: DbOption = None, as_json: JsonOption = False) -> None:
        """List the elections in the database."""
        elections = service_for(db).list_elections()
        if as_json:
            console.print_json(json.dumps([e.to_json() for e in elections]))
            return
        if not elections:
            done("There are no elections yet: `vybory election create DEFINITION.toml`.")
            return
        table = Table("slug", "title", "phase", "board events", "voters on roll")
        for e in elections:
            table.add_row(e.slug, e.title, e.phase, str(e.head_position), str(e.voters_on_roll))
        console.print(table)

    @election.command("status")
    @refusals
    def status(slug: Slug, db: DbOption = None, as_json: JsonOption = False) -> None:
        """Where the election stands, its deadlines, and who has not yet acted."""
        st = service_for(db).status(slug)
        if as_json:
            console.print_json(json.dumps(st.to_json()))
            return
        console.print(f"[bold]{st.title}[/] ({st.slug})", markup=True)
        console.print(f"phase: [bold]{st.phase}[/]   board: {st.head_position} events, head {st.head_hash[:16]}…")
        console.print(f"fingerprint: {st.fingerprint}")
        console.print(f"credentials published: {st.credentials}   voters on roll: {st.voters_on_roll}")
        if st.public_key:
            console.print(f"election key: {st.public_key}")
        deadlines = Table("deadline", "when", show_edge=False)
        for name, moment in st.deadlines.items():
            late = " (passed)" if moment <= st.now else ""
            deadlines.add_row(name.replace("_", " "), format_time(moment) + late)
        console.print(deadlines)
        if st.nominations:
            nominations = Table("no.", "contest", "organisation", "candidate", "status", "reason",
                                title="Nominations", title_justify="left", show_edge=False)
            for n in st.nominations:
                reason = n["reason"] or ""
                if n["appeal_reason"]:
                    reason += f" / appeal: {n['appeal_reason']}"
                nominations.add_row(str(n["number"]), n["contest"], n["organisation"], n["name"], n["status"],
                                    reason)
            console.print(nominations)
        for r in st.rounds:
            state = "closed" if r.closed else f"open until {format_time(r.closes_at)}"
            console.print(f"round {r.number}: {state}; {r.ballots_cast} ballots cast, {r.counted} counted; "
                          f"decryption shares from trustees {list(r.shares) or 'none'}"
                          + ("; decided" if r.decided else ""))
            for contest, names in r.contests.items():
                console.print(f"   {contest} ({r.kinds[contest]}): {', '.join(names) or 'yes / no / abstain'}",
                              markup=False)
        if st.waiting:
            waiting = Table("who", "role", "must", "by", title="Waiting for", title_justify="left",
                            show_edge=False)
            for w in st.waiting:
                by = "" if w.deadline is None else format_time(w.deadline)
                waiting.add_row(w.who, w.role, w.action, by + (" [red]OVERDUE[/]" if w.overdue else ""))
            console.print(waiting)
        else:
            console.print("Nobody is waited for.")

    @election.command("board")
    @refusals
    def board(
        slug: Slug,
        start: Annotated[int, typer.Option("--from", help="First position.")] = 1,
        limit: Annotated[int, typer.Option(help="How many events.")] = 50,
        kind: Annotated[list[str] | None, typer.Option(help="Only events of this kind (repeatable).")] = None,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Show board events (the public record), in order."""
        events = service_for(db).events(slug, start=start, kinds=kind)[:limit]
        if as_json:
            for event in events:
                console.print(event.to_line().decode("utf-8"), markup=False, highlight=False)
            return
        table = Table("pos.", "kind", "hash", "summary", show_edge=False)
        for event in events:
            table.add_row(str(event.position), event.kind.value, event.hash.hex()[:16], _summary(event.payload))
        console.print(table)

    @election.command("nominate")
    @refusals
    def nominate(
        slug: Slug,
        organisation: Annotated[str, typer.Option(help="The nominating organisation's id.", show_default=False)],
        contest: Annotated[str, typer.Option(help="The contest's id.", show_default=False)],
        candidate: Annotated[str, typer.Option(help="The candidate's name as printed on the ballot.",
                                               show_default=False)],
        consent: Annotated[bool, typer.Option("--consent", help="The candidate has consented.")] = False,
        detail: Annotated[list[str] | None, typer.Option(help="A published detail, KEY=VALUE (repeatable).")]
        = None,
        db: DbOption = None,
    ) -> None:
        """An organisation nominates a candidate (with the candidate's consent)."""
        details = {}
        for item in detail or []:
            key, sep, value = item.partition("=")
            if not sep:
                raise InvalidInput(f"{item!r} must be KEY=VALUE", field="detail", code="bad_detail")
            details[key.strip()] = value.strip()
        service = service_for(db)
        posted = service.nominate(slug, organisation=organisation, contest=contest, name=candidate,
                                  consent=consent, details=details)
        number = service.events(slug, start=posted.position, stop=posted.position + 1)[0].payload["nomination"]
        _posted(f"Nomination {number}: {candidate} by {organisation} in {contest}", posted)

    @election.command("register")
    @refusals
    def register_(slug: Slug, nomination: Annotated[int, typer.Argument(help="The nomination's number.")],
                  db: DbOption = None) -> None:
        """The commission registers a nominated candidate (who then is on the ballot)."""
        _posted(f"Nomination {nomination} registered", service_for(db).register_candidate(slug, nomination))

    @election.command("refuse")
    @refusals
    def refuse(
        slug: Slug,
        nomination: Annotated[int, typer.Argument(help="The nomination's number.")],
        reason: Annotated[str, typer.Option(help="Why (published on the board).", show_default=False)],
        db: DbOption = None,
    ) -> None:
        """The commission refuses a nomination, stating its reason (which can be appealed)."""
        _posted(f"Nomination {nomination} refused", service_for(db).refuse_candidate(slug, nomination, reason))

    @election.command("appeal")
    @refusals
    def appeal(
        slug: Slug,
        nomination: Annotated[int, typer.Argument(help="The refused nomination's number.")],
        grounds: Annotated[str, typer.Option(help="The grounds of the appeal.", show_default=False)],
        db: DbOption = None,
    ) -> None:
        """Appeal a refusal (within the definition's appeal_days)."""
        _posted(f"Appeal lodged for nomination {nomination}", service_for(db).lodge_appeal(slug, nomination, grounds))

    @election.command("decide-appeal")
    @refusals
    def decide_appeal(
        slug: Slug,
        nomination: Annotated[int, typer.Argument(help="The nomination's number.")],
        reason: Annotated[str, typer.Option(help="The reasons of the decision.", show_default=False)],
        uphold: Annotated[bool, typer.Option("--uphold/--reject", help="Uphold (register) or reject.")] = False,
        db: DbOption = None,
    ) -> None:
        """The central commission decides an appeal (final); upheld registers the candidate."""
        posted = service_for(db).decide_appeal(slug, nomination, upheld=uphold, reason=reason)
        _posted(f"Appeal on nomination {nomination} {'upheld' if uphold else 'rejected'}", posted)

    @election.command("close-nominations")
    @refusals
    def close_nominations(slug: Slug, db: DbOption = None) -> None:
        """Close the nominations (after their deadline): every registered candidate is on the ballot."""
        service = service_for(db)
        posted = service.close_nominations(slug)
        _posted("Nominations closed", posted)
        for contest, names in service.state(slug).ballot_candidates.items():
            console.print(f"   {contest}: {', '.join(names) or '(a motion: yes / no / abstain)'}", markup=False)

    @election.command("complete-keys")
    @refusals
    def complete_keys(slug: Slug, db: DbOption = None) -> None:
        """Publish the key ceremony's result (done automatically after the last trustee's check)."""
        _posted("Key ceremony completed", service_for(db).complete_key_ceremony(slug))

    @election.command("restart-keys")
    @refusals
    def restart_keys(
        slug: Slug,
        identity: Annotated[Path, typer.Option("--identity", help="The commission's identity key file (made by "
                                                 "`vybory commission init`).", show_default=False)],
        reason: Annotated[str, typer.Option("--reason", help="Why the ceremony is restarted, in the commission's "
                                              "words (it goes on the board).", show_default=False)],
        replacements: Annotated[Path | None, typer.Option(
            "--replacements", help="TOML with [[trustees]] entries (seat, id, name, organisation, signing_key) for "
                                   "the seats of disqualified or absent trustees; without it every trustee tries "
                                   "again.")] = None,
        out: Annotated[Path | None, typer.Option(
            "--out", help="Write the signed restart to this file (to upload on the commission's page) instead of "
                          "publishing it.")] = None,
        db: DbOption = None,
    ) -> None:
        """Restart a key ceremony that failed (fewer than k trustees qualified) or stalled past its
        deadline, signed with the commission's key; the trustees then run it again with new key files."""
        service = service_for(db)
        state = service.state(slug)
        seats = {} if replacements is None else parse_replacements(read_text(replacements, "replacements"),
                                                                    replacements.name)
        payload = restart_statement(state, identity, reason, seats, service.clock())
        if out is not None:
            if out.exists():
                raise Refused(f"{str(out)!r} already exists", field="out", code="file_exists")
            write_private(out, json.dumps(payload, indent=1, ensure_ascii=False) + "\n")
            done(f"The signed restart (attempt {payload['attempt']}) is in {str(out)!r}.")
            return
        _posted(f"Key ceremony restarted: attempt {payload['attempt']}", service.restart_key_ceremony(slug, payload))
        for j, t in enumerate(payload["trustees"], start=1):
            console.print(f"   seat {j}: {t['name']} ({t['id']}, {t['organisation']})", markup=False)
        done("Each trustee now makes a new key file for this attempt: vybory trustee keygen … --key NEW.key")

    @election.command("open")
    @refusals
    def open_(slug: Slug, db: DbOption = None) -> None:
        """Open round 1 (needs: nominations closed, key ceremony done, credentials published)."""
        service = service_for(db)
        posted = service.open_round(slug)
        rnd = service.status(slug).rounds[0]
        _posted(f"Round 1 open from {format_time(rnd.opens_at)} until {format_time(rnd.closes_at)}", posted)

    @election.command("close")
    @refusals
    def close(slug: Slug, round: RoundOption = None, db: DbOption = None) -> None:
        """Close a round: at its deadline, or earlier once every voter of its districts has voted."""
        _posted("Round closed", service_for(db).close_round(slug, round))

    @election.command("tally")
    @refusals
    def tally(slug: Slug, round: RoundOption = None, db: DbOption = None) -> None:
        """Publish the encrypted tally of a closed round (recomputed from the board): trustees decrypt it next."""
        _posted("Encrypted tally published; trustees: `vybory trustee decrypt`", service_for(db).compute_tally(slug, round))

    @election.command("decide")
    @refusals
    def decide(slug: Slug, round: RoundOption = None, db: DbOption = None, as_json: JsonOption = False) -> None:
        """Decrypt the tally from any k shares, apply each contest's rule, open a runoff/repeat round if needed."""
        decision = service_for(db).decide(slug, round)
        if as_json:
            console.print_json(json.dumps(decision.to_json()))
            return
        print_decision(decision)

    @election.command("results")
    @refusals
    def results(slug: Slug, db: DbOption = None, as_json: JsonOption = False) -> None:
        """The results of every decided round."""
        decisions = service_for(db).decisions(slug)
        if as_json:
            console.print_json(json.dumps([d.to_json() for d in decisions]))
            return
        if not decisions:
            done("No round has been decided yet.")
        for decision in decisions:
            print_decision(decision)

    @election.command("publish")
    @refusals
    def publish(slug: Slug, db: DbOption = None) -> None:
        """Mark the election as published once no round is pending (the board is then final)."""
        _posted("Election published", service_for(db).publish(slug))

    @election.command("advance")
    @refusals
    def advance(slug: Slug, db: DbOption = None) -> None:
        """Do what the deadlines call for now (close nominations, open round 1, close a round and tally it)."""
        steps = service_for(db).advance(slug)
        if not steps:
            done("Nothing is due now.")
        for posted in steps:
            _posted("Done", posted)


def restart_statement(state: Any, identity: Path, reason: str, seats: dict[int, Any], now: Any) -> dict[str, Any]:
    """The commission's ``key_ceremony_restarted`` payload, signed on its own machine with its key."""
    me = signer_identity(identity, "commission", state.definition.commission_key, "the commission")
    body = protocol.restart_key_ceremony(state, reason=reason, replacements=seats, now=now)
    return sign_payload(state.fingerprint, me.signing_secret, COMMISSION, "key_ceremony_restarted", body)


def _summary(payload: dict[str, Any]) -> str:
    """A short description of an event's payload for the board listing."""
    parts = []
    for key in ("trustee", "nomination", "round", "contest", "organisation", "tracking_code", "reason"):
        if key in payload:
            value = payload[key]
            if key == "tracking_code":
                value = str(value)[:16] + "…"
            parts.append(f"{key} {value}")
    if "candidate" in payload:
        candidate = payload["candidate"]
        parts.append(f"candidate {candidate['name'] if isinstance(candidate, dict) else candidate}")
    if "credentials" in payload:
        parts.append(f"{len(payload['credentials'])} credentials")
    if "at" in payload:
        parts.append(f"at {payload['at']}")
    return ", ".join(parts)
