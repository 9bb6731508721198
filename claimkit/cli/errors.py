"""Turn every failure into one line on stderr and an exit code; a traceback only with --debug."""

from __future__ import annotations

import sqlite3
import sys

import typer
from typer.core import TyperGroup

from claimkit.core.errors import ClaimkitError

DEBUG = {"on": False}


def one_line(message: str) -> str:
    """The message with line breaks and other control characters shown as escapes (``\\n``, ``\\x00``): a
    value quoted from a hostile file can never turn one error into several lines or drive the terminal."""
    if message.isprintable():
        return message
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in message)


def fail(message: str, code: int = 2) -> "typer.Exit":
    sys.stderr.write(f"error: {one_line(message)}\n")
    return typer.Exit(code)


class ClaimkitGroup(TyperGroup):
    """A command group that reports ClaimkitError (and anything unexpected) as one line."""

    def main(self, *args, **kwargs):  # type: ignore[override]
        """Usage errors as one line (typer would draw a box); runs non-standalone so we see them first.

        On a terminal a missing required argument or option is asked for (its ids offered as choices) and the
        command line is parsed again with the answer; with --yes, or without a terminal, it is the usual one line."""
        standalone = kwargs.pop("standalone_mode", True)
        rest = list(args)
        argv = kwargs.pop("args", None)
        if argv is None and rest:
            argv = rest.pop(0)
        argv = list(sys.argv[1:] if argv is None else argv)
        try:
            for _ in range(MAX_ASKED):
                try:
                    rv = super().main(argv, *rest, standalone_mode=False, **kwargs)
                    break
                except Exception as exc:
                    answer = _ask_missing(exc, argv) if standalone else None
                    if answer is None:
                        raise
                    argv = argv + answer
            else:  # pragma: no cover - a command with more required values than anyone types
                rv = super().main(argv, *rest, standalone_mode=False, **kwargs)
        except Exception as exc:  # click's UsageError/BadParameter, without importing click
            if not (hasattr(exc, "format_message") and hasattr(exc, "exit_code")) or not standalone:
                raise
            if exc.__class__.__name__ != "NoArgsIsHelpError":
                _one_line_usage_error(exc)
            sys.exit(exc.exit_code)
        except typer.Abort:
            if not standalone:
                raise
            sys.stderr.write("Aborted.\n")
            sys.exit(1)
        if not standalone:
            return rv
        sys.exit(rv if isinstance(rv, int) else 0)

    def invoke(self, ctx):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except ClaimkitError as exc:
            if DEBUG["on"]:
                raise
            raise fail(exc.message, exc.exit_code) from None
        except sqlite3.OperationalError as exc:
            if DEBUG["on"]:
                raise
            if "locked" in str(exc) or "busy" in str(exc):
                raise fail("the ledger is busy with another claimkit command; wait a moment and run this again") from None
            raise fail(f"ledger error: {exc} (run with --debug for details)", 1) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except BrokenPipeError:  # output piped into head & co: stop quietly, like other tools
            import os

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(0) from None
        except Exception as exc:  # noqa: BLE001 - the user gets one line, --debug gets the traceback
            if DEBUG["on"] or type(exc).__module__.startswith(("click", "typer")):
                raise
            raise fail(f"unexpected {type(exc).__name__}: {exc} (run with --debug for the traceback)", 1) from None


MAX_ASKED = 6  # required values asked for in one run, at most


def _ask_missing(exc: Exception, argv: list[str]) -> list[str] | None:
    """The command-line words that supply a missing required value, asked on a terminal; None to fail as usual."""
    param, ctx = getattr(exc, "param", None), getattr(exc, "ctx", None)
    if exc.__class__.__name__ != "MissingParameter" or param is None or ctx is None:
        return None
    from claimkit.cli.prompting import ask_missing

    return ask_missing(param, ctx, argv)


def _one_line_usage_error(exc) -> None:  # replaces typer's boxed usage error with one line
    if exc.__class__.__name__ == "NoArgsIsHelpError":
        return
    ctx = getattr(exc, "ctx", None)
    where = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
    sys.stderr.write(f"error: {exc.format_message()}{where}\n")

