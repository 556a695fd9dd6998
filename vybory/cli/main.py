"""The `vybory` command: one Typer application, one module per group of subcommands."""

from __future__ import annotations

import typer

from vybory.cli import count, db, demo, election, record, roll, serve, trustee, voter

app = typer.Typer(
    name="vybory",
    help="Contested, secret, verifiable elections.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for module in (count, db, election, roll, trustee, voter, record, serve, demo):
    module.register(app)


def main() -> None:
    app()
