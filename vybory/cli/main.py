"""The `vybory` command: one Typer application, one module per group of subcommands."""

from __future__ import annotations

import gc
import os
from importlib.metadata import PackageNotFoundError, version

import typer

from vybory.cli import count, db, demo, election, rctab_export, record, roll, serve, trustee, voter
from vybory.crypto import backend

BACKEND_VARIABLE = "VYBORY_BACKEND"

app = typer.Typer(
    name="vybory",
    help="Contested, secret, verifiable elections.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for module in (count, db, election, roll, trustee, voter, record, rctab_export, serve, demo):
    module.register(app)


def _show_version(value: bool) -> None:
    if value:
        try:
            number = version("vybory")
        except PackageNotFoundError:
            number = "unknown"
        typer.echo(f"vybory {number}, crypto backend: {backend.describe()}")
        raise typer.Exit()


@app.callback()
def _options(
    show_version: bool = typer.Option(False, "--version", help="Print the version and the crypto backend, then exit.",
                                      callback=_show_version, is_eager=True),
) -> None:
    """Contested, secret, verifiable elections."""


def main() -> None:
    try:
        backend.use(os.environ.get(BACKEND_VARIABLE))
    except ValueError as error:
        raise SystemExit(f"{BACKEND_VARIABLE}: {error}") from None
    # The modules imported so far live as long as the process: the collector need not scan them
    # again at every collection (a verification makes millions of short-lived objects).
    gc.freeze()
    app()
