"""The root command: global options (--home, --debug, --yes, --version)."""

from __future__ import annotations

import typer

from claimkit import __version__
from claimkit.cli.apps import app
from claimkit.cli.errors import DEBUG
from claimkit.cli.output import state


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
    mode: str = typer.Option(None, "--mode", help="File mode of the PDFs, exports and backups you write with -o (default 600: only you)."),
) -> None:
    """Insurance billing for solo therapists, on your own machine.

    Example: claimkit session add jdoe --date 2026-11-20 --cpt 90837 --minutes 55
    """
    st = state(ctx)
    st.home, st.debug, st.yes = home, debug, yes
    DEBUG["on"] = debug
    from claimkit.store.home import FILE_MODE, OUTPUT, parse_mode

    OUTPUT["mode"] = FILE_MODE if mode is None else parse_mode(mode)
