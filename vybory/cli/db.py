"""`vybory db ...`: create or upgrade the schema, and manage web logins."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from vybory.cli._common import DbOption, done, refusals, service_for


def register(app: typer.Typer) -> None:
    """Adds this module's subcommands to `app`."""
    db_app = typer.Typer(help="The database: schema upgrades and web logins.", no_args_is_help=True)
    app.add_typer(db_app, name="db")

    @db_app.command("upgrade")
    @refusals
    def upgrade(db: DbOption = None) -> None:
        """Create the schema, or bring it to this version of vybory (safe to run again)."""
        from vybory.store import Database

        database = Database(db, upgrade=False)
        before = database.revision()
        after = database.upgrade()
        if before == after:
            done(f"The database {database.safe_url} is up to date (schema {after}).")
        else:
            done(f"The database {database.safe_url} is now at schema {after} (was {before or 'empty'}).")

    @db_app.command("status")
    @refusals
    def status(db: DbOption = None) -> None:
        """Show which schema revision the database is at."""
        from vybory.store import Database
        from vybory.store.migrate import head_revision

        database = Database(db, upgrade=False)
        current = database.revision()
        head = head_revision()
        state = "up to date" if current == head else "needs `vybory db upgrade`"
        done(f"{database.safe_url}: schema {current or 'none'}, newest {head}: {state}.")

    @db_app.command("backup")
    @refusals
    def backup(
        file: Annotated[Path, typer.Argument(help="The backup file to write (it must not exist).")],
        db: DbOption = None,
    ) -> None:
        """Back up the whole database while the server runs (SQLite online backup; pg_dump)."""
        from vybory.store.backup import backup as make_backup

        kind = make_backup(db, file)
        done(f"Backup of the database written to {file} ({kind}); restore it with `vybory db restore`.")

    @db_app.command("restore")
    @refusals
    def restore(
        file: Annotated[Path, typer.Argument(help="A backup made by `vybory db backup`.")],
        db: DbOption = None,
    ) -> None:
        """Restore a backup into an empty database (never into one that holds anything)."""
        from vybory.store.backup import restore as restore_backup

        revision = restore_backup(file, db)
        done(f"Backup {file} restored (schema {revision}); check it with `vybory verify` on its record.")

    @db_app.command("add-user")
    @refusals
    def add_user(
        username: Annotated[str, typer.Argument(help="The login name.")],
        password: Annotated[
            str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True,
                              envvar="VYBORY_NEW_PASSWORD", help="Asked for when not given.")
        ],
        role: Annotated[str, typer.Option(help="commission, trustee, observer or organisation.")] = "commission",
        subject: Annotated[
            str | None, typer.Option(help="The trustee or organisation id this login speaks for.")
        ] = None,
        election: Annotated[str | None, typer.Option(help="Limit the login to this election (slug).")] = None,
        db: DbOption = None,
    ) -> None:
        """Add a web login (the password is stored as an argon2id hash)."""
        service = service_for(db)
        service.add_user(username, password, role, election=election, subject=subject)
        done(f"Login {username!r} ({role}) added.")
