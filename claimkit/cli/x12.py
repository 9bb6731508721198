"""x12 837p and x12 validate: electronic claims for a clearinghouse."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from claimkit.cli.apps import x12_app
from claimkit.cli.output import complete_claim, complete_client, print_json, say, table, warn, workspace
from claimkit.core.codes import SUPERSEDED, sql_list
from claimkit.core.errors import ChecksFailed, ClaimkitError
from claimkit.core.money import dollars

Opt = typer.Option


@x12_app.command("837p")
def x12_837p(
    ctx: typer.Context,
    claim: List[str] = Opt([], "--claim", help="Send these existing claims (repeatable); with --secondary: their primary claims.",
                           autocompletion=complete_claim),
    unbilled: bool = Opt(False, "--unbilled", help="Every unbilled insurance session, as new claims."),
    client: Optional[str] = Opt(None, "--client", help="This client's unbilled insurance sessions, as new claims.",
                                autocompletion=complete_client),
    secondary: bool = Opt(False, "--secondary", help="Bill the secondary payer for primary claims whose remittance is posted."),
    output: Path = Opt(..., "-o", "--output", help="The .837 file to write (one interchange for all the claims)."),
    test: bool = Opt(False, "--test", help="Mark the file as test data (ISA15 = T) whatever practice.toml \\[edi] usage says."),
    force: bool = Opt(False, "--force", help="Export even when the checks find errors."),
    json_: bool = Opt(False, "--json", help="Print what was written as JSON."),
) -> None:
    """Write claims as one HIPAA 5010 837P file (005010X222A1) to upload to your clearinghouse.

    Choose the claims with one of --unbilled, --client or --claim; add --secondary to bill secondary payers.
    The same check rules as for paper run first: errors stop the export (exit 1) unless --force.
    The claims are recorded as sent, with the file and its interchange control number; nothing is recorded
    unless the file was written. Settings: practice.toml \\[edi] (see docs/clearinghouse.md).

    Example: claimkit x12 837p --unbilled -o claims-2026-11-20.837
    """
    from claimkit.claims import build, followup, ledger
    from claimkit.claims.export_837p import export_837p

    chosen = [n for n, on in (("--claim", bool(claim)), ("--unbilled", unbilled), ("--client", client is not None)) if on]
    if len(chosen) > 1 or (not chosen and not secondary):
        what = "only one of " + ", ".join(chosen) if chosen else "one of --unbilled, --client or --claim"
        raise ClaimkitError(f"choose the claims with {what}")
    ws = workspace(ctx)
    if client is not None:
        ws.client(client)  # unknown id -> one line naming it
    out = output.expanduser().absolute()
    kwargs: dict = {}
    if secondary:
        if unbilled:
            raise ClaimkitError("--secondary goes with --claim PRIMARY, --client C or nothing (every claim that is ready)")
        primaries = [ledger.get_claim(ws, c)[0].id for c in claim] if claim else followup.eligible_for_secondary(ws, client)
        if not primaries:
            say("Nothing to bill to secondary payers: no primary claim with a posted remittance and a secondary policy is waiting.")
            return
        kwargs["secondary_of"] = primaries
    elif claim:
        kwargs["claim_ids"] = list(claim)
    else:
        sessions = build.select_sessions(ws, client=client, all_unbilled=unbilled)
        if not sessions:
            say(f"Nothing to send: {client} has no unbilled insurance sessions." if client else
                "Nothing to send: no unbilled insurance sessions.")
            return
        kwargs["sessions"] = sessions
    try:
        result = export_837p(ws, out, test=test, force=force, **kwargs)
    except ChecksFailed as exc:
        _findings(exc.findings)
        raise
    if json_:
        print_json({"file": str(out), "control_number": f"{result.control:09d}", "usage": result.usage,
                    "claims": [{"id": s.claim_id, "client": s.patient_client_id, "payer": s.billed.payer.id, "rank": s.rank,
                                "frequency": s.frequency, "lines": len(s.lines), "total_charge": f"{s.total_charge:.2f}"}
                               for s in result.claims],
                    "findings": [f.as_dict() for f in result.findings]})
        return
    if result.findings:
        _findings(result.findings)
        if any(f.is_error for f in result.findings):
            warn("[yellow]exported with --force despite the errors above[/yellow]")
    table(None, ["Claim", "Client", "Payer", "Rank", "Lines", "Total"],
          [(s.claim_id, s.patient_client_id, s.billed.payer.name, s.rank, len(s.lines), dollars(s.total_charge))
           for s in result.claims], right=["Lines", "Total"])
    n = len(result.claims)
    usage = "test" if result.usage == "T" else "production"
    say(f"Wrote {n} claim{'s' if n != 1 else ''} to {out} (interchange {result.control:09d}, {usage}).")
    say(f"Check it with 'claimkit x12 validate {out}', then upload it to your clearinghouse.")


def _findings(findings) -> None:
    from claimkit.cli.check import print_findings

    print_findings(findings)


@x12_app.command("validate")
def x12_validate(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="An 837P file."),
    json_: bool = Opt(False, "--json", help="Print the findings as JSON."),
) -> None:
    """Check an 837P file before you upload it: segment counts, control numbers, claim totals, NPI check digits,
    loop structure, and (when pyx12 is installed) the implementation guide's rules. Exit 1 when it finds errors.

    Example: claimkit x12 validate claims-2026-11-20.837
    """
    from claimkit.claims.validate_837p import validate_file

    path = file.expanduser()
    if path.is_dir():
        raise ClaimkitError(f"{file} is a folder; give the 837P file to check")
    if not path.is_file():
        raise ClaimkitError(f"{file}: no such file")
    report = validate_file(path)
    errors = [p for p in report.problems if p.severity == "error"]
    if json_:
        print_json({"file": str(path), "claims": report.claims, "segments": report.segments, "pyx12": report.guide_ran,
                    "errors": len(errors), "problems": [p.as_dict() for p in report.problems]})
    else:
        shown = report.problems[:50]
        if shown:
            table(None, ["Severity", "Segment", "Problem"], [(p.severity, p.where, p.message) for p in shown])
        if len(report.problems) > 50:
            warn(f"... and {len(report.problems) - 50} more")
        guide = ("pyx12's implementation-guide checks ran too" if report.guide_ran
                 else "pyx12 is not installed, so the implementation guide's rules were not checked ('pip install pyx12')")
        verdict = f"{len(errors)} error{'s' if len(errors) != 1 else ''}" if errors else "OK"
        say(f"{path.name}: {verdict} ({report.claims} claim{'s' if report.claims != 1 else ''}, {report.segments} segments;"
            f" {guide}).")
    if errors:
        raise typer.Exit(1)


# --- demo ----------------------------------------------------------------------------------------------

from claimkit.cli.demo import run as _demo_run, step as _demo_step  # noqa: E402


@_demo_step("Electronic claims: an 837P for the clearinghouse ('claimkit x12 837p', 'claimkit x12 validate')")
def _demo_837(ctx, demo) -> None:
    import sqlite3

    out = demo.home / "output" / "claims.837"
    conn = sqlite3.connect(demo.home / "ledger.db")
    try:
        ids = [r[0] for r in conn.execute(f"SELECT id FROM claims WHERE status NOT IN ({sql_list(SUPERSEDED)}) ORDER BY id")]
    finally:
        conn.close()
    if not ids:
        say("   no claims to send")
        return
    _demo_run(demo, "x12", "837p", *[a for cid in ids for a in ("--claim", cid)], "--test", "-o", str(out))
    _demo_run(demo, "x12", "validate", str(out))
