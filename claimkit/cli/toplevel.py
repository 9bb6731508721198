"""`claimkit --help` and `claimkit --version` without importing a command module.

The top-level help needs only the root's options and one line per command; importing every command module for
it cost ~0.2 s. The lines come from templates/cli/commands.toml, generated from the commands themselves by
tools/gen_cli_help.py (a test fails when the two disagree); each command's own `--help` still loads its module.
"""

from __future__ import annotations

import os
import sys

VALUED = ("--home", "--mode")  # root options that take a value


def command_word(argv: list[str]) -> str | None:
    """The first word that is not a root option or an option's value: the command (None for `claimkit --help`)."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in VALUED:
            skip = True
        elif not arg.startswith("-"):
            return arg
    return None


def wants_version(argv: list[str]) -> bool:
    return command_word(argv) is None and "--version" in argv


def wants_help(argv: list[str]) -> bool:
    if any(k.startswith("_") and k.endswith("_COMPLETE") for k in os.environ):  # the shell asking to complete
        return False
    return command_word(argv) is None and (not argv or any(a in ("-h", "--help") for a in argv))


def print_version() -> None:
    from claimkit import __version__

    sys.stdout.write(f"claimkit {__version__}\n")


def print_help(argv: list[str]) -> None:
    """The root help, drawn by typer as usual, over stand-in commands that carry only their one-line help."""
    import tomllib

    import typer

    from claimkit.cli.apps import SETTINGS, app
    from claimkit.cli.errors import ClaimkitGroup
    from claimkit.cli.root import root
    from claimkit.core.resources import template

    listed = tomllib.loads(template("cli", "commands.toml").read_text(encoding="utf-8"))["commands"]
    helper = typer.Typer(name="claimkit", help=app.info.help, cls=ClaimkitGroup, no_args_is_help=True, context_settings=SETTINGS,
                         rich_markup_mode="rich", pretty_exceptions_enable=False)
    helper.callback()(root)
    for entry in listed:
        helper.command(entry["name"], help=entry["help"], add_help_option=False)(_stand_in)
    helper(argv, prog_name="claimkit")


def _stand_in() -> None:  # pragma: no cover - never run: only listed
    """A stand-in: the real command is loaded when it runs."""
