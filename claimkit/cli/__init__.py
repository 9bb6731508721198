"""The claimkit command line: a thin layer that parses, calls the library and prints."""

from __future__ import annotations

import importlib
import sys

import typer

from claimkit import __version__
from claimkit.cli.apps import app, mount_groups
from claimkit.cli.errors import DEBUG
from claimkit.cli.output import state

# command modules register themselves on the groups in apps.py
COMMAND_MODULES = ("records", "sessions", "demo", "check", "billing", "receivables", "codes", "reports", "edi", "safety")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"claimkit {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    home: str = typer.Option(None, "--home", envvar="CLAIMKIT_HOME", help="Practice home folder (else $CLAIMKIT_HOME, else your user data folder).", show_envvar=False),
    debug: bool = typer.Option(False, "--debug", help="Show the full traceback when something fails."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Never prompt: missing values are errors."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version and exit."),
) -> None:
    """Insurance billing for solo therapists, on your own machine.

    Example: claimkit session add jdoe --date 2026-11-20 --cpt 90837 --minutes 55
    """
    st = state(ctx)
    st.home, st.debug, st.yes = home, debug, yes
    DEBUG["on"] = debug


for _name in COMMAND_MODULES:
    try:
        importlib.import_module(f"claimkit.cli.{_name}")
    except ModuleNotFoundError as _exc:  # a command group not built yet
        if _exc.name != f"claimkit.cli.{_name}":
            raise
mount_groups()


def main() -> None:
    if "--debug" in sys.argv:
        DEBUG["on"] = True
    app()
