"""The claimkit command line: a thin layer that parses, calls the library and prints.

Command modules are imported only for the command being run (a `session add` need not pay for the PDF or
report commands' definitions); the top-level `--help` and `--version` load none (cli/toplevel.py); completion and
`from claimkit.cli import app` load them all.
"""

from __future__ import annotations

import importlib
import sys

from claimkit.cli.toplevel import command_word, print_help, print_version, wants_help, wants_version

# first word on the command line -> command modules that define it
ROUTES = {
    "init": ("records",), "practice": ("records",), "fee": ("records",), "payer": ("records",), "client": ("client", "eligibility"),
    "session": ("sessions",), "payment": ("sessions",),
    "check": ("check",), "cms1500": ("billing", "check"), "claim": ("billing",), "superbill": ("billing",),
    "era": ("receivables",), "eob": ("receivables",), "codes": ("codes", "codes_icd"), "code": ("codes_icd",),
    "report": ("reports", "report_kpis"), "statement": ("reports",), "todo": ("reports",), "writeoff": ("reports",),
    "x12": ("x12", "acks"), "backup": ("safety",), "restore": ("safety",), "doctor": ("safety",),
    "appeal": ("appeal",), "import": ("imports",), "gfe": ("gfe",), "eligibility": ("eligibility",),
}
ALL = ("records", "client", "sessions", "demo", "check", "billing", "x12", "receivables", "codes", "codes_icd", "reports", "safety", "appeal",
       "imports", "acks", "gfe", "report_kpis", "eligibility")
_loaded: set[str] = set()


def load(argv: list[str] | None = None):
    """Import the command modules needed for argv (all of them when argv is None or unknown); return the app."""
    from claimkit.cli import root  # noqa: F401 - the root callback and global options
    from claimkit.cli.apps import app, mount_groups

    word = command_word(argv) if argv is not None else None
    names = ROUTES.get(word, ALL) if word else ALL
    if any(a in ("-h", "--help") for a in argv or ()) and word is None:
        names = ALL
    for name in names:
        if name in _loaded:
            continue
        try:
            importlib.import_module(f"claimkit.cli.{name}")
        except ModuleNotFoundError as exc:  # a command group not built yet
            if exc.name != f"claimkit.cli.{name}":
                raise
        _loaded.add(name)
    mount_groups()
    return app


def main() -> None:
    argv = sys.argv[1:]
    if wants_version(argv):  # answered before typer is imported
        print_version()
        return
    from claimkit.cli.errors import DEBUG

    if "--debug" in argv:
        DEBUG["on"] = True
    if wants_help(argv):
        print_help(argv)
        return
    load(argv)()


def __getattr__(name: str):
    if name == "app":
        return load(None)
    raise AttributeError(name)
