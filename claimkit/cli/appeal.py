"""appeal render/list/close: the letter that asks a payer to reprocess a denied claim, and what became of it."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import List, Optional

import typer

from claimkit.cli.apps import appeal_app
from claimkit.cli.output import complete_claim, parse_date, print_json, say, table, workspace
from claimkit.core.errors import ClaimkitError

Opt = typer.Option


@appeal_app.command("render")
def appeal_render(
    ctx: typer.Context,
    claim: Optional[str] = typer.Argument(None, metavar="CLAIM", help="The denied claim.", autocompletion=complete_claim),
    claims: List[str] = Opt([], "--claim", help="Another claim denied for the same reason (repeat).", autocompletion=complete_claim),
    line: Optional[int] = Opt(None, "--line", help="Appeal only this line of the claim."),
    argument: Optional[str] = Opt(None, "--argument", help="Your argument (replaces the default one for the denial's reason)."),
    argument_file: Optional[Path] = Opt(None, "--argument-file", help="Read the argument from this text file."),
    enclose: List[str] = Opt([], "--enclose", help="An enclosure to list (repeat; replaces the suggested list)."),
    on: Optional[str] = Opt(None, "--date", help="The letter's date (default today)."),
    output: Path = Opt(..., "-o", "--output", help="The PDF to write."),
) -> None:
    """Write the appeal letter of a denied claim (or of several claims denied for the same reason) and record the
    appeal: provider, client, claim, denial reasons in plain words, the argument (a default one for authorization,
    timely filing, medical necessity, non-covered code and duplicate denials), enclosures, request to reprocess,
    signature and date.

    Example: claimkit appeal render CK00004 --claim CK00007 --enclose "Treatment plan" -o appeal-CK00004.pdf
    """
    from claimkit.appeals.letters import build_letter
    from claimkit.appeals.records import send
    from claimkit.store.home import write_output
    from claimkit.store.ledger import now_iso

    ids = ([claim] if claim else []) + list(claims)
    if argument is not None and argument_file is not None:
        raise ClaimkitError("give the argument once: --argument TEXT or --argument-file FILE")
    if argument_file is not None:
        try:
            argument = argument_file.expanduser().read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ClaimkitError(f"--argument-file {argument_file}: cannot read it as text ({exc.__class__.__name__}); give a UTF-8 text file") from None
        if len(argument) > 20_000:
            raise ClaimkitError(f"--argument-file {argument_file}: over 20,000 characters; an argument fits on a page or two")
    path = output.expanduser()
    if path.suffix.lower() != ".pdf":
        raise ClaimkitError(f"-o {path}: give a file name ending in .pdf")
    day = parse_date(on, "--date") or date.today()
    ws = workspace(ctx)
    letter = build_letter(ws, ids, line=line, argument=argument, enclosures=[e for e in enclose if e.strip()] or None, today=day)
    from claimkit.forms.appeal import render_appeal

    data = render_appeal(letter)

    def write() -> str:
        write_output(path, data)
        return str(path.absolute())

    number = send(ws, letter, write, created=now_iso())
    for c in letter.claims:
        when = f"; appeal deadline {c.deadline}" if c.deadline else ""
        say(f"Appeal {number}: claim {c.claim_id} ({c.client_name}), {', '.join(r.code for r in c.reasons) or 'no reason code'}{when}")
    say(f"Wrote {path} ({letter.argument_key.replace('_', ' ')} argument). Sign it, add the enclosures and send it to"
        f" {letter.payer_name}; 'claimkit appeal list' follows it.")


@appeal_app.command("list")
def appeal_list(
    ctx: typer.Context,
    status: Optional[str] = Opt(None, "--status", help="Only appeals with this status: sent, won, lost or withdrawn."),
    json_: bool = Opt(False, "--json", help="Print JSON."),
) -> None:
    """List the appeals sent: claim, date sent, deadline and status (won when a later remittance paid the claim).

    Example: claimkit appeal list --status sent --json
    """
    from claimkit.appeals.records import STATUSES, appeals

    if status is not None and status not in STATUSES:
        raise ClaimkitError(f"--status '{status}': use one of {', '.join(STATUSES)}")
    found = appeals(workspace(ctx).conn, status=status)
    if json_:
        print_json([a.as_json() for a in found])
        return
    table("Appeals", ["Letter", "Claim", "Client", "Payer", "Sent", "Deadline", "Reasons", "Status", "Answered"],
          [(a.letter, a.claim, a.client, a.payer, a.sent, a.deadline or "", a.reasons, a.status, a.answered or "")
           for a in found])


@appeal_app.command("close")
def appeal_close(
    ctx: typer.Context,
    claim: str = typer.Argument(..., metavar="CLAIM", help="The appealed claim.", autocompletion=complete_claim),
    lost: bool = Opt(False, "--lost", help="The payer upheld the denial."),
    withdrawn: bool = Opt(False, "--withdrawn", help="You withdrew the appeal."),
    on: Optional[str] = Opt(None, "--date", help="When the answer came (default today)."),
) -> None:
    """Close an appeal the payer turned down (--lost) or that you withdrew (--withdrawn). An appeal the payer
    pays is marked won by the remittance itself.

    Example: claimkit appeal close CK00004 --lost --date 2027-01-15
    """
    from claimkit.appeals.records import close

    if lost == withdrawn:
        raise ClaimkitError("say how it ended: --lost or --withdrawn")
    a = close(workspace(ctx), claim, "lost" if lost else "withdrawn", parse_date(on, "--date") or date.today())
    say(f"Appeal of {a.claim} (sent {a.sent}) closed: {a.status}. Next: write it off (claimkit writeoff {a.claim} AMOUNT"
        " --reason TEXT) or take it to the payer's next appeal level.")


# --- demo ----------------------------------------------------------------------------------------------

from claimkit.cli.demo import run as _demo_run, step as _demo_step  # noqa: E402


@_demo_step("Appeal the denial: the letter and its deadline ('claimkit appeal render', 'claimkit appeal list')")
def _demo_appeal(ctx, demo) -> None:
    import sqlite3

    from claimkit.core.codes import DENIAL_STATUSES, sql_list

    conn = sqlite3.connect(demo.home / "ledger.db")
    try:
        denied = [r[0] for r in conn.execute(f"SELECT id FROM claims WHERE status IN ({sql_list(DENIAL_STATUSES)}) ORDER BY id")]
    finally:
        conn.close()
    if not denied:
        say("   no denied claim to appeal")
        return
    claim = denied[0]
    _demo_run(demo, "appeal", "render", claim, "--enclose", "Authorization request and the payer's reply",
              "--enclose", "Session notes for the dates of service", "-o", str(demo.home / "output" / f"appeal-{claim}.pdf"))
    _demo_run(demo, "appeal", "list")
