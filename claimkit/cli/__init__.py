"""The claimkit command line: a thin layer that parses, calls the library and prints.

Command modules are imported only for the command being run (a `session add` need not pay for the PDF or
report commands' definitions); `--help`, completion and `from claimkit.cli import app` load them all.
"""

from __future__ import annotations

import importlib
import sys

# first word on the command line -> command modules that define it
ROUTES = {
    "init": ("records",), "practice": ("records",), "fee": ("records",), "payer": ("records",), "client": ("records", "eligibility"),
    "session": ("sessions",), "payment": ("sessions",),
    "check": ("check",), "cms1500": ("billing", "check"), "claim": ("billing",), "superbill": ("billing",),
    "era": ("receivables",), "eob": ("receivables",), "codes": ("codes", "codes_icd"), "code": ("codes_icd",),
    "report": ("reports", "report_kpis"), "statement": ("reports",), "todo": ("reports",), "writeoff": ("reports",),
    "x12": ("edi", "acks"), "backup": ("safety",), "restore": ("safety",), "doctor": ("safety",),
    "appeal": ("appeal",), "import": ("imports",), "gfe": ("gfe",), "eligibility": ("eligibility",),
}
ALL = ("records", "sessions", "demo", "check", "billing", "edi", "receivables", "codes", "codes_icd", "reports", "safety", "appeal",
       "imports", "acks", "gfe", "report_kpis", "eligibility")
_loaded: set[str] = set()


def _command_word(argv: list[str]) -> str | None:
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg == "--home":
            skip = True
            continue
        if arg.startswith("-"):
            continue
        return arg
    return None


def load(argv: list[str] | None = None):
    """Import the command modules needed for argv (all of them when argv is None or unknown); return the app."""
    from claimkit.cli import root  # noqa: F401 - the root callback and global options
    from claimkit.cli.apps import app, mount_groups

    word = _command_word(argv) if argv is not None else None
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
    from claimkit.cli.errors import DEBUG

    if "--debug" in sys.argv:
        DEBUG["on"] = True
    load(sys.argv[1:])()


def __getattr__(name: str):
    if name == "app":
        return load(None)
    raise AttributeError(name)
