"""x12 837p and x12 validate: electronic claims for a clearinghouse."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from claimkit.cli.apps import x12_app
from claimkit.cli.output import complete_claim, complete_client, say, table, warn, workspace
from claimkit.core.errors import ClaimkitError
from claimkit.core.money import dollars

Opt = typer.Option


@x12_app.command("837p")
def x12_837p(
    ctx: typer.Context,
    claim: List[str] = Opt([], "--claim", help="Send these existing claims (repeatable).", autocompletion=complete_claim),
    unbilled: bool = Opt(False, "--unbilled", help="Every unbilled insurance session, as new claims."),
    client: Optional[str] = Opt(None, "--client", help="This client's unbilled insurance sessions.", autocompletion=complete_client),
    output: Path = Opt(..., "-o", "--output", help="The .837 file to write."),
    test: bool = Opt(False, "--test", help="Mark the interchange as test data (ISA15 = T)."),
    force: bool = Opt(False, "--force", help="Export even when the checks find errors."),
) -> None:
    """Write claims as one HIPAA 5010 837P file (005010X222A1) to upload to your clearinghouse.

    The same check rules as for paper run first. Claims are recorded as sent, with the file and control number.

    Example: claimkit x12 837p --unbilled -o claims-2026-11-20.837
    """
    from claimkit import claims as claimlib
    from claimkit.core.errors import ChecksFailed
    from claimkit.edi import export_837p

    chosen = [n for n, on in (("--claim", bool(claim)), ("--unbilled", unbilled), ("--client", client is not None)) if on]
    if len(chosen) != 1:
        raise ClaimkitError("choose the claims with one of --claim, --unbilled or --client")
    ws = workspace(ctx)
    out = output.expanduser().absolute()
    sessions = None
    if not claim:
        sessions = claimlib.select_sessions(ws, client=client, all_unbilled=unbilled)
        if not sessions:
            say("Nothing to send: no unbilled insurance sessions.")
            return
    try:
        result = export_837p(ws, out, claim_ids=[c.upper() for c in claim], sessions=sessions, test=test, force=force)
    except ChecksFailed as exc:
        from claimkit.cli.check import _print_findings

        _print_findings(exc.findings)
        raise
    table(None, ["Claim", "Client", "Payer", "Lines", "Total"],
          [(s.claim_id, s.patient_client_id, s.billed.payer.name, len(s.lines), dollars(s.total_charge)) for s in result.claims],
          right=["Lines", "Total"])
    say(f"Wrote {len(result.claims)} claim(s) to {out} (control number {result.control:09d}{', test' if test else ''}).")
    say(f"Check it: claimkit x12 validate {out}")


@x12_app.command("validate")
def x12_validate(ctx: typer.Context, file: Path = typer.Argument(..., help="An 837P file.")) -> None:
    """Check an 837P file: segment counts, control numbers, totals, NPI check digits, and pyx12's guide rules if installed.

    Example: claimkit x12 validate claims-2026-11-20.837
    """
    from claimkit.x12.validate import validate_file

    if not file.exists():
        raise ClaimkitError(f"{file}: no such file")
    problems, guide = validate_file(file)
    for p in problems[:50]:
        warn(str(p))
    if len(problems) > 50:
        warn(f"... and {len(problems) - 50} more")
    if problems:
        say(f"{file.name}: {len(problems)} problem(s)")
        raise typer.Exit(1)
    say(f"{file.name}: OK (structure, counts, totals, NPIs" + (", and pyx12's implementation-guide checks)" if guide else
                                                                ")  [pip install pyx12 for the guide's checks]"))


# --- demo ----------------------------------------------------------------------------------------------

from claimkit.cli.demo import run as _demo_run, step as _demo_step  # noqa: E402


@_demo_step("Electronic claims: an 837P for the clearinghouse ('claimkit x12 837p')")
def _demo_837(ctx, demo) -> None:
    import sqlite3

    out = demo.home / "output"
    conn = sqlite3.connect(demo.home / "ledger.db")
    ids = [r[0] for r in conn.execute("SELECT id FROM claims WHERE status != 'denied' ORDER BY id")]
    conn.close()
    args = [a for cid in ids for a in ("--claim", cid)]
    _demo_run(demo, "x12", "837p", *args, "--test", "-o", str(out / "claims.837"))
    _demo_run(demo, "x12", "validate", str(out / "claims.837"))
