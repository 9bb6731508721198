"""era import/unmatched/match and eob add/import: posting what payers paid."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from claimkit.cli.apps import eob_app, era_app
from claimkit.cli.errors import one_line
from claimkit.cli.output import complete_claim, parse_amount, parse_date, print_json, say, table, warn, workspace
from claimkit.core.errors import ClaimkitError
from claimkit.core.money import ZERO, dollars, from_cents

Opt = typer.Option
SHOW_CLAIMS = 100  # a large ERA lists its first claims in words; --json has them all


def _show(result, json_: bool) -> None:
    if json_:
        print_json(result.as_json())
        return
    if result.already:
        when = result.already
        if result.already_as:  # a timestamp: say it as a person would, and the name it had then if another
            from claimkit.remittance.imports import imported_when

            when = imported_when(when, result.already_as, result.file)
        say(f"{result.file}: already imported ({when}); nothing changed.", markup=False)
        for s in result.skipped_payments:
            say(f"  {s}", markup=False)
        return
    verb = "Would post" if result.dry_run else "Posted"
    for p in result.payments:
        say(f"{verb} payment {p['trace']} from {p['payer']}: {dollars(__import__('decimal').Decimal(p['amount']))}"
            f" ({p['method'] or 'no method'}, {p['date']}), {p['claims']} claim{'' if p['claims'] == 1 else 's'}", markup=False)
    for s in result.skipped_payments:
        say(f"  skipped: {s}", markup=False)
    shown = result.claims[:SHOW_CLAIMS]
    for c in shown:
        for line in c.plain():
            say(f"  {line}", markup=False)
    if result.posted_count > len(shown):
        say(f"  ... and {result.posted_count - len(shown)} more claims posted ('claimkit claim list', or --json for every line)")
    for adj in result.provider_adjustments:
        say(f"  provider-level adjustment {adj['reason']} {adj['reference']}: {adj['amount']} (kept apart from client balances)", markup=False)
    if result.unmatched_count:
        went = "would go" if result.dry_run else "went"
        say(f"  {result.unmatched_count} claim(s) matched nothing in this practice and {went} to the suspense list:"
            " see 'claimkit era unmatched', then 'claimkit era match ITEM CLAIM'")
    for h in result.held:
        say(f"  held: {h}; ask the payer, or post it anyway: 'claimkit era unmatched', then 'claimkit era match ITEM CLAIM'",
            markup=False)
    for w in result.warnings[:5]:
        warn(f"  note: {one_line(w)}", markup=False)
    if result.dry_run:
        say("Dry run: nothing was written.")


@era_app.command("import")
def era_import(
    ctx: typer.Context,
    files: List[Path] = typer.Argument(..., help="One or more X12 835 files."),
    dry_run: bool = Opt(False, "--dry-run", help="Show what would be posted; change nothing."),
    json_: bool = Opt(False, "--json", help="Print the posting summary as JSON (one array for several files)."),
) -> None:
    """Import an ERA (X12 835): match each claim, post payments, write-offs and the client's share, never twice.

    A file that is not an 835 or does not balance is refused (naming the segment) and nothing is posted.

    Example: claimkit era import ~/Downloads/acme-2026-11-27.835
    """
    ws = workspace(ctx)
    done: list[dict] = []  # --json with several files: one array, printed even when a later file is refused
    try:
        for path in files:
            result = _import_one(ws, path, dry_run, json_)
            if json_ and len(files) > 1:
                done.append(result.as_json())
            else:
                _show(result, json_)
    finally:
        if done:
            print_json(done)


def _import_one(ws, path: Path, dry_run: bool, every_claim: bool = False):
    """One file imported, with a progress bar on a terminal for a large one; the result keeps the claims shown
    (every claim for --json)."""
    from claimkit.remittance.era_import import import_era

    progress = bar = None
    if sys.stderr.isatty() and path.exists() and path.stat().st_size > 1_000_000:
        from rich.progress import Progress

        from claimkit.cli.output import console

        bar = Progress(console=console(stderr=True), transient=True)
        task = bar.add_task(f"Posting {path.name}", total=None)
        bar.start()

        def progress(done: int, total: int, bar=bar, task=task) -> None:
            bar.update(task, completed=done, total=total)
    try:
        return import_era(ws, path.expanduser(), dry_run=dry_run, progress=progress, keep=None if every_claim else SHOW_CLAIMS)
    finally:
        if bar is not None:
            bar.stop()


@era_app.command("unmatched")
def era_unmatched(ctx: typer.Context, all_: bool = Opt(False, "--all", help="Include items already matched."),
                  json_: bool = Opt(False, "--json", help="Print JSON.")) -> None:
    """List remittance items that matched no claim (kept with all their data, never dropped).

    Example: claimkit era unmatched
    """
    from claimkit.remittance.suspense import suspended_status, unmatched

    rows = unmatched(workspace(ctx), include_resolved=all_)
    if json_:
        print_json([{"item": r["id"], "account": r["account"], "patient": r["patient"], "member_id": r["member_id"],
                     "service_date": r["service_date"], "charge": f"{from_cents(r['charge_cents']):.2f}",
                     "paid": f"{from_cents(r['paid_cents']):.2f}", "what": suspended_status(r), "status": r["status"],
                     "matched_claim": r["matched_claim"], **({"why": r["kind"]} if r["kind"] != "claim" else {})}
                    for r in rows])
        return
    if not rows:
        say("No unmatched remittance items.")
        return
    table("Unmatched remittance items", ["Item", "Account (CLP01)", "Patient", "Member ID", "Service date", "What", "Charge", "Paid",
                                         "Status"],
          [(r["id"], r["account"], r["patient"], r["member_id"], r["service_date"] or "", suspended_status(r),
            dollars(from_cents(r["charge_cents"])), dollars(from_cents(r["paid_cents"])),
            r["status"] + (f" → {r['matched_claim']}" if r["matched_claim"] else "")
            + (" (claim paid again)" if r["kind"] == "paid again" else f" ({r['kind']})" if r["kind"] != "claim" else ""))
           for r in rows], right=["Charge", "Paid"])
    say("Post one against a claim: claimkit era match ITEM CLAIM")


@era_app.command("match")
def era_match(ctx: typer.Context, item: int = typer.Argument(..., help="Item number from 'era unmatched'."),
              claim: str = typer.Argument(..., help="The claim it pays.", autocompletion=complete_claim)) -> None:
    """Post an unmatched remittance item against the claim it belongs to.

    Example: claimkit era match 3 CK00012
    """
    from claimkit.remittance.suspense import match_item

    post = match_item(workspace(ctx), item, claim)
    for line in post.plain():
        say(line, markup=False)


@eob_app.command("add")
def eob_add(
    ctx: typer.Context,
    claim: str = typer.Argument(..., help="Claim id (box 26).", autocompletion=complete_claim),
    line: Optional[int] = Opt(None, "--line", help="Service line number on the claim (needed when it has several)."),
    allowed: Optional[str] = Opt(None, "--allowed", help="Allowed amount from the EOB."),
    paid: Optional[str] = Opt(None, "--paid", help="What the payer paid on the line."),
    deductible: Optional[str] = Opt(None, "--deductible", help="Client's deductible (PR-1)."),
    coinsurance: Optional[str] = Opt(None, "--coinsurance", help="Client's coinsurance (PR-2)."),
    copay: Optional[str] = Opt(None, "--copay", help="Client's copay (PR-3)."),
    adjust: List[str] = Opt([], "--adjust", help="Other adjustment GROUP-CARC:AMOUNT, e.g. PR-96:20.00 (repeatable)."),
    payer_claim_number: str = Opt("", "--payer-claim-number", help="The payer's claim number on the EOB."),
    check: str = Opt("", "--check", help="Check or EFT number."),
    on: Optional[str] = Opt(None, "--date", help="Date paid (default today)."),
) -> None:
    """Post a paper EOB line: the line must balance (charge - write-off - client's share - other = paid).

    Example: claimkit eob add CK00012 --line 1 --allowed 120.00 --paid 95.00 --copay 25.00 --check 10442
    """
    from claimkit.remittance.eob import EobLine, parse_adjust, post_eob

    if allowed is None or paid is None:
        raise ClaimkitError("--allowed and --paid are required (from the EOB)")
    e = EobLine(claim, line, parse_amount(allowed, "--allowed"), parse_amount(paid, "--paid"),
                parse_amount(deductible, "--deductible") or ZERO, parse_amount(coinsurance, "--coinsurance") or ZERO,
                parse_amount(copay, "--copay") or ZERO, tuple(parse_adjust(a) for a in adjust), payer_claim_number, check,
                parse_date(on, "--date"))
    for post in post_eob(workspace(ctx), [e], source_name="eob add"):
        for text in post.plain():
            say(text, markup=False)


@eob_app.command("import")
def eob_import(ctx: typer.Context, file: Path = typer.Argument(..., help="CSV, one row per service line (docs/eob-csv.md)."),
               json_: bool = Opt(False, "--json", help="Print JSON.")) -> None:
    """Post paper EOBs from a CSV (columns: claim, line, allowed, paid, deductible, coinsurance, copay, adjustments, payer_claim_number, check, date).

    Example: claimkit eob import eobs-november.csv
    """
    import csv

    from claimkit.remittance.eob import post_eob, read_eob_csv

    try:
        lines, fingerprint = read_eob_csv(file.expanduser())
    except csv.Error as exc:  # e.g. a cell over the csv module's 131,072-character limit
        raise ClaimkitError(f"{file.name}: not a readable CSV ({exc}); a cell is far longer than any EOB value or a quote"
                            " is never closed: check the file in a spreadsheet and save it again as CSV UTF-8") from None
    from claimkit.remittance.imports import AlreadyImported

    try:
        posts = post_eob(workspace(ctx), lines, source_name=file.name, fingerprint=fingerprint)
    except AlreadyImported as exc:  # the same file again: not an error (as with 'era import')
        if json_:
            print_json({"file": file.name, "already_imported": True, "message": exc.message})
        else:
            say(exc.message, markup=False)
        return
    if json_:
        print_json([{"claim": p.claim_id, "status": p.status, "paid": f"{p.paid:.2f}", "lines": len(p.lines)} for p in posts])
        return
    for post in posts:
        for text in post.plain():
            say(text, markup=False)
    say(f"Posted {len(lines)} EOB line(s) on {len(posts)} claim(s) from {file.name}.")


# --- demo ----------------------------------------------------------------------------------------------

from claimkit.cli.demo import run as _demo_run, step as _demo_step  # noqa: E402


@_demo_step("Remittances: import the payers' ERAs ('claimkit era import')")
def _demo_era(ctx, demo) -> None:
    from datetime import date

    from claimkit.remittance.demo import remittances
    from claimkit.store.home import write_output
    from claimkit.store.workspace import Workspace

    out = demo.home / "output"
    out.mkdir(mode=0o700, exist_ok=True)
    ws = Workspace(demo.home)
    try:
        files = remittances(ws, date.today())
    finally:
        ws.close()
    paths = []
    for n, text in enumerate(files, start=1):
        path = out / f"era-{n}.835"
        write_output(path, text.encode())
        paths.append(path)
    for path in paths:
        _demo_run(demo, "era", "import", str(path))
    if paths:
        _demo_run(demo, "era", "import", str(paths[0]))
    _demo_run(demo, "claim", "list")
