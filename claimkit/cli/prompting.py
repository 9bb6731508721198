"""Asking for a value on a terminal: the one helper every command that prompts uses.

A value given as an option is checked by the same function a typed answer is (core/inputs.py), so a bad option
is the one-line error and a bad answer is said and asked again. With --yes, or without a terminal, a missing
required value is the one-line error naming the option.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Sequence

from claimkit.core import inputs
from claimkit.core.errors import ClaimkitError


def terminal(ctx) -> bool:
    """On a terminal and not told --yes: a missing value may be asked."""
    from claimkit.cli import output

    return output.interactive(ctx)  # looked up at call time: tests make it answer True


def _as_text(value: str, flag: str) -> str:
    return value.strip()


def ask(ctx, value: Any, flag: str, prompt: str, check: inputs.Check | None = None, *,
        choices: Sequence[str] | None = None, default: str | None = None, required: bool = True) -> Any:
    """The value of `flag`, checked: as given; else asked on a terminal (checked as typed, asked again with the
    reason); else `default`; else None when not `required`, or the one-line error."""
    check = check or (inputs.one_of(list(choices)) if choices else _as_text)
    if value is not None:
        return check(str(value), flag)
    if not terminal(ctx):
        if default:
            return check(default, flag)
        if not required:
            return None
        hint = f" (one of {', '.join(choices)})" if choices else ""
        raise ClaimkitError(f"{flag} is required{hint}; give it on the command line")
    return ask_until_valid(prompt, check, flag, choices=choices, default=default, required=required)


def ask_until_valid(prompt: str, check: inputs.Check, flag: str, *, choices: Sequence[str] | None = None,
                    default: str | None = None, required: bool = True, secret: bool = False) -> Any:
    """Ask until an answer passes `check` (Enter takes the default; end of input is the one-line error);
    `secret`: typed without echo (a passphrase), kept as typed."""
    from claimkit.cli.output import warn

    shown = prompt + (f" [{'/'.join(choices)}]" if choices else "") + (f" ({default})" if default else "") + ": "
    while True:
        try:
            if secret:
                import getpass

                answer = getpass.getpass(shown)
            else:
                sys.stderr.write(shown)
                sys.stderr.flush()
                answer = input().strip()
        except EOFError:
            sys.stderr.write("\n")
            if not required:
                return check(default, flag) if default else None
            raise ClaimkitError(f"{flag} is required; no answer was typed") from None
        if not answer and default:
            answer = default
        if not answer:
            if not required:
                return None
            warn(f"{prompt}: an answer is needed (or give {flag} on the command line)", markup=False)
            continue
        try:
            return check(answer, flag)
        except ClaimkitError as exc:
            warn(f"{exc.message}; try again", markup=False)


def output_file(value: str, flag: str) -> Path:
    """A file to write: its folder exists and it is not itself a folder."""
    path = Path(value.strip()).expanduser().absolute()
    if not path.parent.is_dir():
        raise ClaimkitError(f"{path}: folder {path.parent} does not exist; create it or choose another {flag} path")
    if path.is_dir():
        raise ClaimkitError(f"{path} is a folder; give a file name with {flag}")
    return path


# What an answer to a missing required argument or option must be, by the parameter's name; arguments with ids
# to complete must also name one on file (below).
PARAMETER_CHECKS: dict[str, inputs.Check] = {
    "amount": inputs.amount, "cpt": inputs.cpt, "output": lambda v, f: str(output_file(v, f)),
    "client_id": inputs.ident("client id"), "payer_id": inputs.ident("payer id"),
}
MAX_CHOICES = 20  # ids shown as the prompt's choices; with more, the answer is still checked against them


def ask_missing(param, ctx, argv: list[str]) -> list[str] | None:
    """The command-line words that supply a missing required argument or option, asked on a terminal and checked
    as typed (its type, an id on file, PARAMETER_CHECKS); None to fail with the usual one line."""
    if any(a in ("--yes", "-y") for a in argv) or not terminal(ctx):
        return None
    known = _completion(param, ctx, "") if getattr(param, "_custom_shell_complete", None) else []
    choices = [str(v) for v in known] if 0 < len(known) <= MAX_CHOICES else None
    name = param.human_readable_name if param.param_type_name == "argument" else max(param.opts, key=len)
    extra = PARAMETER_CHECKS.get(param.name)

    def check(text: str, flag: str) -> str:
        if known and text not in _completion(param, ctx, text):
            listed = ", ".join(known[:MAX_CHOICES]) + (", ..." if len(known) > MAX_CHOICES else "")
            raise ClaimkitError(f"{flag} '{text}' is not on file (on file: {listed})")
        try:
            param.type.convert(text, param, ctx)
        except Exception as exc:  # click's BadParameter, without importing click
            if not hasattr(exc, "format_message"):
                raise
            raise ClaimkitError(f"{flag}: {exc.format_message()}") from None
        if extra is not None:
            extra(text, flag)
        return text

    help_text = (getattr(param, "help", None) or "").strip().rstrip(".")
    try:
        answer = ask_until_valid(help_text or name, check, name, choices=choices)
    except ClaimkitError:
        return None
    if param.param_type_name == "argument":
        return ["--", answer] if answer.startswith("-") and "--" not in argv else [answer]
    return [max(param.opts, key=len), answer]


def _completion(param, ctx, incomplete: str) -> list[str]:
    try:
        return [str(item.value) for item in param.shell_complete(ctx, incomplete)]
    except Exception:  # noqa: BLE001 - no ids to offer; the command still checks the answer
        return []
