"""Printing (rich tables, plain JSON), parsing typed values, shell completion (prompting: cli/prompting.py)."""

from __future__ import annotations

import json
import os
import re
import sys
from datetime import date
from decimal import Decimal
from typing import Any, Sequence

import typer

from claimkit.core.errors import ClaimkitError
from claimkit.core.lightclass import lightclass


@lightclass
class State:
    home: str | None = None
    debug: bool = False
    yes: bool = False


def state(ctx: typer.Context) -> State:
    root = ctx.find_root()
    if not isinstance(root.obj, State):
        root.obj = State()
    return root.obj


def workspace(ctx: typer.Context):
    from claimkit.store.workspace import Workspace

    ws = Workspace.open(state(ctx).home)
    ctx.call_on_close(ws.close)
    return ws


def console(stderr: bool = False):
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() else 200  # piped output: don't squeeze tables into 80 columns
    return Console(stderr=stderr, highlight=False, soft_wrap=True, width=width)


_STYLE_TAG = re.compile(r"\[/?(?:bold|dim|italic|underline|red|green|yellow|blue|cyan|magenta)?(?: (?:bold|dim|red|green|yellow|blue|cyan|magenta))*\]")


def _plain(text: str) -> str:
    return _STYLE_TAG.sub("", text)


# C0 and C1 control characters (not line break or tab) and the bidirectional overrides: what a file holds is shown
# escaped on a terminal ('\x1b[2J' would clear the screen); JSON output keeps the exact text.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_CELL_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape(ch: str) -> str:
    code = ord(ch)
    return {"\n": "\\n", "\t": "\\t", "\r": "\\r"}.get(ch) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def printable(text: str, *, one_line: bool = False) -> str:
    """Text safe to print on a terminal: control characters shown escaped (`one_line`: line breaks and tabs too)."""
    pattern = _CELL_CONTROL if one_line else _CONTROL
    return pattern.sub(lambda m: _escape(m.group()), text) if pattern.search(text) else text


def say(text: str, markup: bool = True) -> None:
    """A line for the user: rich colours on a terminal; plain text when piped (and no rich import).
    `markup=False` for text that carries what a file said (a payer's name, an EOB cell): shown as written, never
    read as rich markup ('[/]' in a payer name would otherwise break the command on a terminal)."""
    text = printable(text)
    if sys.stdout.isatty():
        console().print(text, markup=markup)
    else:
        sys.stdout.write((_plain(text) if markup else text) + "\n")


def warn(text: str, markup: bool = True) -> None:
    text = printable(text)
    if sys.stderr.isatty():
        console(stderr=True).print(text, markup=markup)
    else:
        sys.stderr.write((_plain(text) if markup else text) + "\n")


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=_json_default) + "\n")


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]], *, right: Sequence[str] = ()) -> None:
    """A rich table on a terminal; plain aligned columns when piped (fast, and easy for grep/awk)."""
    if not sys.stdout.isatty():
        _plain_table(title, columns, rows, right)
        return
    from rich.table import Table
    from rich.text import Text

    def cell(v: Any) -> Any:
        text = "" if v is None else printable(str(v), one_line=True)
        # our own colour tags stay markup; any other bracket is data (a payer's name, an ERA value) shown as written
        return text if "[" not in text or "[" not in _STYLE_TAG.sub("", text) else Text(text)

    t = Table(title=printable(title, one_line=True) if title else title, show_lines=False, header_style="bold")
    for col in columns:
        t.add_column(col, justify="right" if col in right else "left")
    for row in rows:
        t.add_row(*[cell(v) for v in row])
    console().print(t)


def _plain_table(title, columns, rows, right) -> None:
    cells = [[("" if v is None else printable(str(v), one_line=True)) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]

    def line(values):
        return "  ".join(v.rjust(w) if col in right else v.ljust(w) for v, w, col in zip(values, widths, columns)).rstrip()

    out = [printable(title, one_line=True)] if title else []
    out += [line(list(columns)), line(["-" * w for w in widths])]
    out += [line(r) for r in cells]
    sys.stdout.write("\n".join(out) + "\n")


def interactive(ctx: typer.Context) -> bool:
    return not state(ctx).yes and sys.stdin.isatty() and os.environ.get("CI") != "true"


def parse_date(value: str | None, flag: str) -> date | None:
    if value is None or value == "":
        return None
    from claimkit.core.inputs import day

    return day(value, flag)


def parse_amount(value: str | None, flag: str) -> Decimal | None:
    if value is None:
        return None
    from claimkit.core.inputs import amount

    return amount(value, flag)


def parse_month(value: str, flag: str = "--month") -> tuple[date, date]:
    import calendar

    try:
        year, month = (int(p) for p in value.split("-"))
        last = calendar.monthrange(year, month)[1]
        return date(year, month, 1), date(year, month, last)
    except (ValueError, TypeError):
        raise ClaimkitError(f"{flag} '{value}' must be YYYY-MM like 2026-11") from None


# --- shell completion: ids from the practice home -----------------------------------------------------

def _home_for_completion():
    from claimkit.store.home import resolve_home

    args = sys.argv
    explicit = None
    for i, a in enumerate(args):
        if a == "--home" and i + 1 < len(args):
            explicit = args[i + 1]
    return resolve_home(explicit or os.environ.get("CLAIMKIT_HOME"))


def complete_client(incomplete: str) -> list[str]:
    try:
        from claimkit.store.files import client_ids

        return [c for c in client_ids(_home_for_completion()) if c.startswith(incomplete)]
    except Exception:  # completion must never fail loudly
        return []


def complete_payer(incomplete: str) -> list[str]:
    try:
        from claimkit.store.files import load_payers

        return [p for p in load_payers(_home_for_completion()) if p.startswith(incomplete)]
    except Exception:
        return []


def _ledger_ids(table: str, incomplete: str, order: str = "id DESC") -> list[str]:
    """Ids of a ledger table starting with `incomplete`, the newest 200, an exact match first (a typed id is
    checked against this list: it must be found however old it is)."""
    try:
        import sqlite3

        path = _home_for_completion() / "ledger.db"
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        prefix = incomplete.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        sql = (f"SELECT id FROM {table} WHERE CAST(id AS TEXT) LIKE ? ESCAPE '\\'"
               f" ORDER BY CAST(id AS TEXT) = ? DESC, {order} LIMIT 200")
        try:
            return [str(r[0]) for r in conn.execute(sql, (prefix, incomplete)) if str(r[0]).startswith(incomplete)]
        finally:
            conn.close()
    except Exception:
        return []


def complete_session(incomplete: str) -> list[str]:
    return _ledger_ids("sessions", incomplete)


def complete_claim(incomplete: str) -> list[str]:
    return _ledger_ids("claims", incomplete, "created DESC")
