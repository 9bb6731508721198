"""import clients/sessions/balances/837: switching in from another tool without retyping."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from claimkit.cli.apps import import_app
from claimkit.cli.output import parse_date, print_json, say, table, workspace
from claimkit.core.errors import ClaimkitError

Opt = typer.Option
PROFILE_HELP = "The tool the file comes from: generic (claimkit's template, docs/import.md) or simplepractice."
MAP_HELP = "A mapping file (TOML) for any other export: column -> field, value translations, date formats."
SKIP_HELP = "Import the good rows even when some are refused; the refused ones go to FILE.refused.csv beside it."


def _show(report, json_: bool) -> None:
    if json_:
        print_json(report.as_json())
    else:
        rows = [(o.line or "", o.key, o.action, o.detail) for o in report.outcomes if o.action != "unchanged"]
        if rows:
            table(None, ("line" if report.kind != "claims from 837P" else "segment", "what", "action", "detail"), rows)
        say(report.summary() + ("." if not report.dry_run else " (dry run: nothing was written)."), markup=False)
        for note in report.notes:
            say(f"  note: {note}", markup=False)
        if report.refused_file:
            say(f"  refused rows written to {report.refused_file}: fix them there and import that file", markup=False)
    if report.stopped:
        if json_:
            raise typer.Exit(2)
        raise ClaimkitError(report.stopped)


def _profile(kind: str, profile: str, map_file: Optional[Path], fields: tuple[str, ...]):
    from claimkit.switching.table import load_profile

    return load_profile(kind, profile, map_file, fields)


@import_app.command("clients")
def import_clients(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="The client list as CSV."),
    profile: str = Opt("generic", "--profile", help=PROFILE_HELP),
    map_file: Optional[Path] = Opt(None, "--map", help=MAP_HELP),
    dry_run: bool = Opt(False, "--dry-run", help="Show what would be created, updated and refused; change nothing."),
    update: bool = Opt(False, "--update", help="Apply changed values to clients already here, showing each change."),
    create_payers: bool = Opt(False, "--create-payers", help="Add payers the file names but payers.toml lacks (name only)."),
    skip_bad: bool = Opt(False, "--skip-bad", help=SKIP_HELP),
    json_: bool = Opt(False, "--json", help="Print the outcome of every row as JSON."),
) -> None:
    """Import clients with their policies, diagnoses and an authorization from a CSV export.

    Ids are made from the names when the file has none; the same file imported again changes nothing.

    Example: claimkit import clients clients.csv --profile simplepractice --create-payers --dry-run
    """
    from claimkit.switching.clients import FIELDS, import_clients as run

    ws = workspace(ctx)
    _show(run(ws, file, _profile("clients", profile, map_file, FIELDS), create_payers=create_payers, update=update,
              dry_run=dry_run, skip_bad=skip_bad), json_)


@import_app.command("sessions")
def import_sessions(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="Past sessions (appointments) as CSV."),
    profile: str = Opt("generic", "--profile", help=PROFILE_HELP),
    map_file: Optional[Path] = Opt(None, "--map", help=MAP_HELP),
    dry_run: bool = Opt(False, "--dry-run", help="Show what would be imported; change nothing."),
    skip_bad: bool = Opt(False, "--skip-bad", help=SKIP_HELP),
    json_: bool = Opt(False, "--json", help="Print the outcome of every row as JSON."),
) -> None:
    """Import past sessions: those the old tool billed are kept as history, the others become unbilled sessions.

    History counts for authorization visits and deductible estimates but is never put on a claim here.

    Example: claimkit import sessions appointments.csv --profile simplepractice
    """
    from claimkit.switching.past_sessions import FIELDS, import_sessions as run

    ws = workspace(ctx)
    _show(run(ws, file, _profile("sessions", profile, map_file, FIELDS), dry_run=dry_run, skip_bad=skip_bad), json_)


@import_app.command("balances")
def import_balances(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="The old tool's balances report as CSV."),
    as_of: Optional[str] = Opt(None, "--as-of", help="The cut-over day the balances stood on (default today)."),
    profile: str = Opt("generic", "--profile", help=PROFILE_HELP),
    map_file: Optional[Path] = Opt(None, "--map", help=MAP_HELP),
    dry_run: bool = Opt(False, "--dry-run", help="Show what would be posted; change nothing."),
    skip_bad: bool = Opt(False, "--skip-bad", help=SKIP_HELP),
    json_: bool = Opt(False, "--json", help="Print the outcome of every row as JSON."),
) -> None:
    """Import each client's opening balance (what they owed, or their credit, at the cut-over day).

    Example: claimkit import balances outstanding.csv --profile simplepractice --as-of 2026-11-30
    """
    from datetime import date

    from claimkit.switching.balances import FIELDS, import_balances as run

    day = parse_date(as_of, "--as-of") or date.today()
    if day > date.today():
        raise ClaimkitError(f"--as-of {day} is in the future; give the day the old tool's report stood on")
    ws = workspace(ctx)
    _show(run(ws, file, _profile("balances", profile, map_file, FIELDS), as_of=day, dry_run=dry_run,
              skip_bad=skip_bad), json_)


@import_app.command("837")
def import_837(
    ctx: typer.Context,
    files: List[Path] = typer.Argument(..., help="837P files the old tool sent."),
    dry_run: bool = Opt(False, "--dry-run", help="Show what would be created; change nothing."),
    json_: bool = Opt(False, "--json", help="Print what each file brought as JSON."),
) -> None:
    """Rebuild payers, clients, policies, sessions and sent claims from the 837P files another tool sent.

    Each claim keeps its old claim number (CLM01), so the payer's 835s for it match when imported afterwards.

    Example: claimkit import 837 ~/old-billing/*.837 --dry-run
    """
    from claimkit.switching.history837 import import_837 as run

    ws = workspace(ctx)
    reports = [run(ws, path, dry_run=dry_run) for path in files]
    if json_:
        print_json([r.as_json() for r in reports] if len(reports) > 1 else reports[0].as_json())
        return
    for report in reports:
        _show(report, False)
