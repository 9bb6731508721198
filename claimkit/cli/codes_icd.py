"""codes icd / icd-import / icd-sets / icd-changes (ICD-10-CM code sets by fiscal year), and the old `code icd`."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Optional

import typer

from claimkit.cli.apps import code_app, codes_app
from claimkit.cli.output import parse_date, print_json, say, state, table, warn, workspace
from claimkit.core.errors import ClaimkitError

Opt = typer.Option
MAX_RELEASE_BYTES = 200 * 1024 * 1024  # a release zip is ~2 MB, its order file ~15 MB


def _sets(ctx: typer.Context):
    """The sets of the practice home when there is one, else the shipped ones."""
    from claimkit.catalog.icd10cm import CodeSets, home_folder, home_sets
    from claimkit.store.home import is_home, resolve_home

    home = resolve_home(state(ctx).home)
    return home_sets(home_folder(home)) if is_home(home) else CodeSets()


def complete_icd_set(incomplete: str) -> list[str]:
    """The years of the loaded sets, for --from/--to."""
    try:
        from claimkit.catalog.icd10cm import CodeSets, home_folder
        from claimkit.store.home import resolve_home

        return [str(s.info.fiscal_year) for s in CodeSets(home_folder(resolve_home())).sets
                if str(s.info.fiscal_year).startswith(incomplete)]
    except Exception:  # completion never fails loudly
        return []


def _load_hint(fy: int) -> str:
    from claimkit.checks.coding import load_command

    return load_command(fy)


@codes_app.command("icd")
def codes_icd(ctx: typer.Context, text: str = typer.Argument(..., help="A code (F41.1) or words (generalized anxiety)."),
              on: Optional[str] = Opt(None, "--date", help="Date of service (YYYY-MM-DD): answer from the set in force then; default today."),
              limit: int = Opt(20, "--limit", help="At most this many results."),
              json_: bool = Opt(False, "--json", help="Print JSON.")) -> None:
    """Look up ICD-10-CM diagnoses by code or words, in the code set in force on a date.

    The answer names the set (FY2026, FY2027 ...); billable = specific enough for a claim.

    Example: claimkit codes icd "gender identity" --date 2026-10-05
    """
    from claimkit.catalog.icd10cm import normalize_icd10

    when = parse_date(on, "--date") or date.today()
    sets = _sets(ctx)
    cs = sets.in_force(when)
    if cs is None:
        cs = sets.nearest(when)
        fy = sets.missing_year(when)
        warn(f"no loaded ICD-10-CM set covers {when} (FY{fy}); answering from {cs.info.key}. Load FY{fy}: {_load_hint(fy)}")
    exact = cs.lookup(text)
    found = [exact] if exact else cs.search(text, limit=limit)
    if json_:
        print_json([{"code": i.dotted, "billable": i.billable, "description": i.description, "set": cs.info.key} for i in found])
        return
    if not found:
        elsewhere = [s.info.key for s in sets.having(normalize_icd10(text))]
        also = f"; it is in {', '.join(elsewhere)} (see 'claimkit codes icd-sets')" if elsewhere else ""
        say(f"No ICD-10-CM code in {cs.info.key} (in force on {when}) matches '{text}'{also}.", markup=False)
        raise typer.Exit(1)
    table(f"{cs.info.label}, in force on {when}", ["Code", "Billable", "Description"],
          [(i.dotted, "yes" if i.billable else "no: use a more specific code", i.description) for i in found])


@code_app.command("icd", hidden=True)
def code_icd(ctx: typer.Context, text: str = typer.Argument(..., help="A code or words."),
             on: Optional[str] = Opt(None, "--date", help="Date of service (YYYY-MM-DD)."),
             limit: int = Opt(20, "--limit", help="At most this many results."),
             json_: bool = Opt(False, "--json", help="Print JSON.")) -> None:
    """Moved to 'claimkit codes icd'.

    Example: claimkit codes icd F41.1
    """
    warn("'claimkit code icd' has moved to 'claimkit codes icd' (all code commands are under 'claimkit codes')")
    codes_icd(ctx, text, on, limit, json_)


def _read(file: Path) -> bytes:
    path = file.expanduser()
    try:
        if path.is_dir():
            raise ClaimkitError(f"{file} is a folder; give the release zip or the order file (icd10cm_order_YYYY.txt)")
        if path.stat().st_size > MAX_RELEASE_BYTES:
            raise ClaimkitError(f"{file} is {path.stat().st_size:,} bytes, far larger than an ICD-10-CM release; check the file")
        return path.read_bytes()
    except FileNotFoundError:
        raise ClaimkitError(f"{file}: no such file") from None
    except PermissionError:
        raise ClaimkitError(f"{file}: no permission to read it") from None


@codes_app.command("icd-import")
def codes_icd_import(ctx: typer.Context,
                     file: Path = typer.Argument(..., help="The release as downloaded: the zip, the order file or the codes file."),
                     year: Optional[int] = Opt(None, "--year", help="Fiscal year of the set (default: from the file name)."),
                     effective: Optional[str] = Opt(None, "--effective", help="First day it is in force (default: October 1 of the year before; an April update: YYYY-04-01)."),
                     dry_run: bool = Opt(False, "--dry-run", help="Read and check the file, say what would be loaded, write nothing.")) -> None:
    """Load a fiscal year's ICD-10-CM release (the zip as downloaded) into the practice home.

    Diagnoses on sessions in its dates are then checked against it. Every line is checked first: a bad line is named
    and nothing is loaded; the same file loaded again changes nothing.

    Download it from cms.gov (ICD-10-CM, "2027 Code Descriptions in Tabular Order") or cdc.gov (NCHS).

    Example: claimkit codes icd-import ~/Downloads/2027-code-descriptions-tabular-order.zip
    """
    from claimkit.catalog.icd10cm import home_folder
    from claimkit.catalog.icd10cm_import import load_release
    from claimkit.catalog.icd10cm_release import read_release

    start = parse_date(effective, "--effective")
    data = _read(file)
    release = read_release(file.name, data)
    ws = workspace(ctx)
    folder = home_folder(ws.home)
    with ws.lock():
        done = load_release(folder, release, year=year, effective=start, dry_run=dry_run)
    info, known = done.info, done.known
    if known is not None:
        say(f"{release.file}: official FY{known.fiscal_year} release, {known.billable:,} billable codes", markup=False)
    else:
        say(f"{release.file}: not a release I recognize; read {len(release.rows):,} codes, {release.billable:,} billable, "
            f"{len(release.rows) - release.billable:,} headers ({release.line_ends} line ends, SHA-256 {release.sha256[:16]}...)",
            markup=False)
    if release.kind == "codes":
        say("   a codes-only file: categories were worked out from the codes and have no titles; the order file is better")
    if done.status == "already":
        say(f"{info.key} is already loaded from this file (on {info.imported[:10]}); nothing changed")
        return
    from claimkit.catalog.icd10cm import shipped_sets

    verb = {"loaded": "Loaded", "replaced": "Replaced", "dry-run": "Dry run: would load"}[done.status]
    was = f" (was {done.previous['file']}, loaded {done.previous['imported'][:10]})" if done.previous else ""
    shipped = next((s.info for s in shipped_sets() if s.info.key == info.key), None)
    if shipped is not None and not done.previous:
        was = f" in place of the shipped {shipped.key} ({shipped.count:,} codes)"
    say(f"{verb} {info.label}{was}: diagnoses on sessions from {info.effective_from} are checked against it"
        + ("; nothing written" if dry_run else f" ({folder})"), markup=False)


@codes_app.command("icd-sets")
def codes_icd_sets(ctx: typer.Context, json_: bool = Opt(False, "--json", help="Print JSON.")) -> None:
    """List the ICD-10-CM code sets: year, dates in force, source file, official or not, counts.

    Example: claimkit codes icd-sets
    """
    sets = _sets(ctx).sets
    rows = [s.info for s in sets]
    if json_:
        print_json([{"set": i.key, "fiscal_year": i.fiscal_year, "effective_from": i.effective_from, "effective_to": i.effective_to,
                     "origin": i.origin, "file": i.file, "official": i.official, "sha256": i.sha256, "codes": i.count,
                     "billable": i.billable, "imported": i.imported or None, "source": i.source} for i in rows])
        return
    today = date.today()
    table("ICD-10-CM code sets", ["Set", "In force", "Source", "Official", "Codes", "Billable"],
          [(i.key + (" (today)" if i.covers(today) else ""), f"{i.effective_from} to {i.effective_to}",
            "shipped with claimkit" if i.origin == "shipped" else f"{i.file}, loaded {i.imported[:10]}",
            "yes" if i.official else ("CDC/NCHS" if i.origin == "shipped" else "no"), f"{i.count:,}", f"{i.billable:,}")
           for i in rows], right=("Codes", "Billable"))
    fy = today.year + 1 if today.month >= 9 else today.year
    if not any(i.fiscal_year == fy for i in rows):
        say(f"FY{fy} ({fy - 1}-10-01 to {fy}-09-30) is not loaded: {_load_hint(fy)}")


@codes_app.command("icd-changes")
def codes_icd_changes(ctx: typer.Context, from_: Optional[str] = Opt(None, "--from", help="The older set (year), default the one before --to.",
                                                            autocompletion=complete_icd_set),
                      to: Optional[str] = Opt(None, "--to", help="The newer set (year), default the newest loaded.",
                                              autocompletion=complete_icd_set),
                      json_: bool = Opt(False, "--json", help="Print JSON.")) -> None:
    """What changed between two ICD-10-CM sets, first for this practice's clients.

    First the clients whose diagnoses are no longer valid or billable in the newer set (with their sessions since it
    took effect), then the codes added, deleted, retitled and turned into categories.

    Example: claimkit codes icd-changes --from 2026 --to 2027
    """
    from claimkit.reports.icd_changes import icd_changes

    report = icd_changes(workspace(ctx), from_, to)
    if json_:
        print_json(report.as_json())
        return
    ch = report.changes
    old, new = ch.old.info, ch.new.info
    say(f"ICD-10-CM {old.key} -> {new.key} (in force from {new.effective_from}): {len(ch.of('added'))} added, "
        f"{len(ch.of('deleted'))} deleted, {len(ch.of('retitled'))} retitled, {len(ch.of('not_billable'))} no longer billable")
    if report.affected:
        table(f"Diagnoses of this practice not billable in {new.key}", ["Client", "Code", "Change", "Sessions since", "Use instead"],
              [(a.client, a.code + ("" if a.on_file else " (sessions only)"), a.change.kind.replace("_", " "),
                ", ".join(f"{sid} ({d})" for sid, d in a.sessions[:5]) + (f" +{len(a.sessions) - 5}" if len(a.sessions) > 5 else "")
                or "none yet", ", ".join(a.suggest) or "-") for a in report.affected])
        say(f"   fix each: 'claimkit client edit ID' for the diagnosis list; void and re-enter sessions since {new.effective_from}")
    else:
        say(f"No client of this practice has a diagnosis that {new.key} deleted or made a category.")
    for kind, title in (("deleted", "Deleted"), ("not_billable", "No longer billable"), ("added", "Added"), ("retitled", "Retitled")):
        rows = ch.of(kind)
        if rows:
            table(f"{title} ({len(rows)})", ["Code", "Before", "Now"], [(c.code, c.old, c.new) for c in rows])


# --- demo ----------------------------------------------------------------------------------------------

from claimkit.cli.demo import run as _demo_run, step as _demo_step  # noqa: E402


@_demo_step("Diagnosis code sets ('claimkit codes icd-sets'): which ICD-10-CM year checks which dates of service")
def _demo_icd_sets(ctx, demo) -> None:
    _demo_run(demo, "codes", "icd-sets")
