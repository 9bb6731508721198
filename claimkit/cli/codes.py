"""codes explain/import (CARC, RARC, group codes); the ICD-10-CM commands of the group are in codes_icd.py."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import typer

from claimkit.cli.apps import codes_app
from claimkit.cli.output import print_json, say, state, table, workspace
from claimkit.core.errors import ClaimkitError

Opt = typer.Option


def _official(home: Path | None, kind: str, code: str) -> str:
    """The official text from a list the user imported (home/codes/KIND.tsv), if any."""
    if home is None:
        return ""
    path = home / "codes" / f"{kind}.tsv"
    if not path.exists():
        return ""
    for line in path.read_text("utf-8").splitlines():
        c, _, text = line.partition("\t")
        if c == code:
            return text
    return ""


def _official_only(home: Path | None, raw: str) -> dict | None:
    """A code the shipped catalog lacks but the official list the user imported has: its official text (and group)."""
    from claimkit import catalog

    m = catalog._CARC_RE.match(raw)
    if m:
        group, reason = m.group(1), m.group(2)
        text = _official(home, "carc", str(int(reason)) if reason.isdigit() else reason)
        if text:
            out = {"code": raw, "kind": "CARC", "official": text}
            if group:
                g = catalog.group_code(group)
                out["group"] = f"{g.code}: {g.meaning}"
            return out
    text = _official(home, "rarc", raw)
    return {"code": raw, "kind": "RARC", "official": text} if text else None


@codes_app.command("explain")
def codes_explain(ctx: typer.Context, code: str = typer.Argument(..., help="CO-45, PR-1, 197, N130, MA01, or a group: CO."),
                  json_: bool = Opt(False, "--json", help="Print JSON.")) -> None:
    """Explain an adjustment reason code (CARC, with its group), a remark code (RARC) or a group code, in plain words.

    Example: claimkit codes explain CO-197
    """
    from claimkit import catalog
    from claimkit.store.home import is_home, resolve_home

    home = resolve_home(state(ctx).home)
    home = home if is_home(home) else None
    raw = code.strip().upper()
    group = catalog.group_code(raw)
    if group is not None:
        out = {"code": group.code, "kind": "group", "name": group.name, "explain": group.meaning, "who_owes": group.who_owes}
    else:
        carc = catalog.carc(raw)
        rarc = None if carc else catalog.rarc(raw)
        if carc is None and rarc is None:
            out = _official_only(home, raw)
            if out is None:
                raise ClaimkitError(f"'{code}' is not a reason, remark or group code claimkit knows; load the official lists"
                                    " with 'claimkit codes import FILE --kind carc|rarc'")
        elif carc is not None:
            out = {"code": raw, "kind": "CARC", "category": carc.category, "explain": carc.explain, "action": carc.action,
                   "official": _official(home, "carc", carc.code)}
            if carc.group is not None:
                out["group"] = f"{carc.group.code}: {carc.group.meaning}"
        else:
            out = {"code": rarc.code, "kind": "RARC", "category": rarc.category, "explain": rarc.explain, "action": rarc.action,
                   "official": _official(home, "rarc", rarc.code)}
    if json_:
        print_json(out)
        return
    table(f"{out['code']} ({out['kind']})", ["", ""], [(k.replace("_", " ").title(), v) for k, v in out.items() if v and k not in ("code", "kind")])


@codes_app.command("import")
def codes_import(ctx: typer.Context, file: Path = typer.Argument(..., help="CSV or tab-separated file: code, description."),
                 kind: str = Opt(..., "--kind", help="carc (adjustment reasons) or rarc (remark codes).")) -> None:
    """Load the official CARC or RARC list you downloaded (x12.org) into the practice home; 'codes explain' then shows it.

    The file: one code per row, the code in the first column and its description in the second (CSV or tab-separated,
    an optional header row). claimkit does not ship the official texts (they are X12's copyright).

    Example: claimkit codes import ~/Downloads/carc.csv --kind carc
    """
    from claimkit.store.home import atomic_write, make_private_dir

    kind = kind.lower()
    if kind not in ("carc", "rarc"):
        raise ClaimkitError(f"--kind '{kind}': use carc or rarc")
    ws = workspace(ctx)
    from claimkit.store.inputs import MB, read_input

    raw = read_input(file.expanduser(), limit=5 * MB, what="the CSV or tab-separated file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ClaimkitError(f"{file.name}: not UTF-8 text; save it as CSV UTF-8") from None
    dialect = "excel-tab" if "\t" in text.split("\n", 1)[0] else "excel"
    rows: dict[str, str] = {}
    reader = csv.reader(io.StringIO(text), dialect=dialect)
    n = 1  # the file line the row starts on (a quoted cell may span lines; a code list's never should)
    for row in reader:
        start, n = n, reader.line_num + 1
        if not row or not row[0].strip():
            continue
        code = row[0].strip().upper()
        if start == 1 and not any(ch.isdigit() for ch in code):
            continue  # a header row
        if len(code) > 6 or not code.isalnum():
            raise ClaimkitError(f"{file.name} line {start}: '{row[0]}' is not a {kind.upper()} code; the first column must hold the code")
        if any("\n" in cell or "\r" in cell for cell in row[1:]):
            raise ClaimkitError(f"{file.name} line {start}: the quote opened in code {code}'s description is never closed (it runs"
                                ' into the next lines); close it (") or remove it, and save the file again')
        description = " ".join(" ".join(row[1:]).split())
        if not description:
            raise ClaimkitError(f"{file.name} line {start}: code {code} has no description; the second column must hold it")
        rows[code] = description
    if not rows:
        raise ClaimkitError(f"{file.name}: no codes found; the first column must hold the code, the second its description")
    make_private_dir(ws.home / "codes")
    atomic_write(ws.home / "codes" / f"{kind}.tsv", "".join(f"{c}\t{d}\n" for c, d in sorted(rows.items())))
    say(f"Loaded {len(rows)} {kind.upper()} codes from {file.name} into {ws.home / 'codes'}")
