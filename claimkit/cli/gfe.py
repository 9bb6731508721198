"""gfe create/list/show/render: Good Faith Estimates for self-pay and uninsured clients."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import List, Optional

import typer

from claimkit.cli.apps import gfe_app
from claimkit.cli.output import (_ledger_ids, complete_client, parse_date, print_json, say, table, warn,
                                 workspace)
from claimkit.cli.prompting import ask, output_file
from claimkit.core import inputs
from claimkit.core.money import dollars, from_cents

Opt = typer.Option
Arg = typer.Argument


def complete_gfe(incomplete: str) -> list[str]:
    return _ledger_ids("gfes", incomplete)


TODAY_HELP = "Pretend today is this date (YYYY-MM-DD), for testing and the demo."


def _today(value: Optional[str] = None) -> date:
    return parse_date(value, "--today") or date.today()


@gfe_app.command("create")
def gfe_create(
    ctx: typer.Context,
    client: Optional[str] = Arg(None, metavar="CLIENT", help="Client id.", autocompletion=complete_client),
    cpt: List[str] = Opt([], "--cpt", help="Service code expected, repeatable; CODE:SESSIONS gives that code its own"
                         " count (90791:1 for one intake)."),
    sessions: Optional[int] = Opt(None, "--sessions", help="Sessions expected for each code without its own count"
                                  " (default: one per --frequency step over the period)."),
    frequency: str = Opt("weekly", "--frequency", help="weekly, biweekly or monthly."),
    start: Optional[str] = Opt(None, "--start", help="First session YYYY-MM-DD."),
    months: int = Opt(12, "--months", help="Months covered, 1 to 12 (a new estimate after that)."),
    dx: List[str] = Opt([], "--dx", help="Diagnosis code, repeatable (default: the client's diagnoses)."),
    scheduled: Optional[str] = Opt(None, "--scheduled", help="Day the care was scheduled YYYY-MM-DD (default today):"
                                   " the due date counts from it."),
    fee: List[str] = Opt([], "--fee", help="Charge per session instead of your standard fee: AMOUNT, or CODE=AMOUNT"
                         " with several codes."),
    separate: List[str] = Opt([], "--separate", help="A service expected to be scheduled separately, repeatable."),
    service: str = Opt("", "--service", help="Plain-words description of the primary service (default from the code)."),
    self_pay: bool = Opt(False, "--self-pay", help="The client has in-network insurance but chose not to use it."),
    allow_ssn: bool = Opt(False, "--allow-ssn", help="Print the practice's SSN as its TIN (an EIN is advised)."),
    late: bool = Opt(False, "--late", help="Record an estimate given after its due date (marked late)."),
    json_: bool = Opt(False, "--json", help="Print the estimate as JSON."),
    today: Optional[str] = Opt(None, "--today", hidden=True, help=TODAY_HELP),
) -> None:
    """Record a Good Faith Estimate: the care expected for up to 12 months, its charges and its due date.

    A new estimate for a client whose estimate is still in force replaces it; the older one is kept, marked
    superseded. The due date is 1 or 3 business days after scheduling (weekends and federal holidays not counted).

    Example: claimkit gfe create riley --cpt 90791:1 --cpt 90837 --sessions 40 --start 2026-12-07 --dx F41.1
    """
    from claimkit.gfe.service import GfeRequest, create_gfe, parse_cpt, parse_fees

    ws = workspace(ctx)
    client = ask(ctx, client, "CLIENT", "Client id", lambda v, f: ws.client(v.strip()).id)
    if cpt:
        parsed = [parse_cpt(c) for c in cpt]
    else:
        parsed = [ask(ctx, None, "--cpt", "Service code (CODE or CODE:SESSIONS)", lambda v, f: _typed_cpt(ws, v))]
    first = ask(ctx, start, "--start", "First session (YYYY-MM-DD)", inputs.day)
    fees = parse_fees(list(fee), [c for c, _ in parsed])
    req = GfeRequest(client=client, cpts=parsed, start=first, sessions=sessions, frequency=frequency, months=months,
                     dx=list(dx), scheduled=parse_date(scheduled, "--scheduled"), fees=fees, separate=list(separate),
                     service=service, self_pay=self_pay, allow_ssn=allow_ssn, late=late)
    created = create_gfe(ws, req, today=_today(today))
    g = created.gfe
    for w in created.warnings:
        warn(f"[yellow]warning:[/yellow] {w}")
    if json_:
        print_json({**g.to_data(), "total": f"{g.total:.2f}", "sessions": g.sessions, "replaces": list(created.replaced)})
        return
    items = ", ".join(f"{i.cpt} x{i.sessions} at {dollars(i.fee)}" for i in g.items)
    say(f"Good Faith Estimate {g.id} for {g.client.id}: {items} = {dollars(g.total)}")
    say(f"  {g.start} to {g.end}, {g.frequency}, {g.sessions} sessions; give it by {g.due} ({g.due_rule})")
    for old in created.replaced:
        say(f"  replaces {old} (kept, marked superseded)")
    say(f"  next: claimkit gfe render {g.id} -o {g.id}-{g.client.id}.pdf")


def _typed_cpt(ws, text: str):
    from claimkit.gfe.service import parse_cpt, known_cpt

    code, count = parse_cpt(text)
    known_cpt(ws, code)
    return code, count


@gfe_app.command("list")
def gfe_list(ctx: typer.Context, client: Optional[str] = Opt(None, "--client", autocompletion=complete_client),
             json_: bool = Opt(False, "--json", help="Print JSON."),
             today: Optional[str] = Opt(None, "--today", hidden=True, help=TODAY_HELP)) -> None:
    """List Good Faith Estimates with their period, total and standing (in force, superseded, ended).

    Example: claimkit gfe list --client riley --json
    """
    from claimkit.gfe.service import list_gfes

    day = _today(today)
    rows = list_gfes(workspace(ctx), client)
    if json_:
        print_json([r.as_json(day) for r in rows])
        return
    if not rows:
        say("No Good Faith Estimates yet: make one with 'claimkit gfe create CLIENT --cpt CODE --start DATE'.")
        return
    table(f"Good Faith Estimates ({len(rows)})", ["ID", "Client", "Given", "From", "To", "Sessions", "Total", "Status"],
          [(r.id, r.client, r.issued, r.start, r.end, r.sessions, dollars(from_cents(r.total_cents)), r.status(day))
           for r in rows], right=["Sessions", "Total"])


@gfe_app.command("show")
def gfe_show(ctx: typer.Context, gfe_id: str = Arg(..., metavar="GFE", autocompletion=complete_gfe),
             json_: bool = Opt(False, "--json", help="Print JSON."),
             today: Optional[str] = Opt(None, "--today", hidden=True, help=TODAY_HELP)) -> None:
    """Show one estimate as it was given, its standing, and what has been billed against it so far.

    Example: claimkit gfe show GFE-0001
    """
    from claimkit.gfe.service import get_gfe
    from claimkit.gfe.watch import progress_of

    ws = workspace(ctx)
    day = _today(today)
    g, row = get_gfe(ws, gfe_id)
    prog = progress_of(ws.conn, g)
    if json_:
        standing = row.as_json(day)
        print_json({**g.to_data(), "total": f"{g.total:.2f}", "sessions": g.sessions,
                    **{k: standing[k] for k in ("status", "superseded_by", "superseded_on")},
                    "billed": f"{prog.billed:.2f}", "sessions_billed": prog.count})
        return
    say(f"[bold]Good Faith Estimate {g.id}[/bold] for {g.client.name} ({g.client.id}), given {g.issued}"
        + (" [yellow](late)[/yellow]" if g.late else ""))
    say(f"  status: {row.status(day)}" + (f" on {row.superseded_on}" if row.superseded_on else ""))
    say(f"  {g.service}; {g.start} to {g.end} ({g.months} months), {g.frequency}")
    say(f"  scheduled {g.scheduled}, due by {g.due} ({g.due_rule})")
    table(None, ["CPT", "Service", "Dx", "Sessions", "Each", "Expected"],
          [(i.cpt, i.description, ", ".join(i.dx), i.sessions, dollars(i.fee), dollars(i.total)) for i in g.items]
          + [("", "Total", "", g.sessions, "", dollars(g.total))], right=["Sessions", "Each", "Expected"])
    say(f"  billed so far in its period: {prog.count} session{'s' if prog.count != 1 else ''}, {dollars(prog.billed)}"
        f" ({dollars(g.total - prog.billed)} left of the estimate)" if prog.billed <= g.total else
        f"  billed so far in its period: {prog.count} sessions, {dollars(prog.billed)}:"
        f" {dollars(prog.billed - g.total)} over the estimate")
    if g.supersedes:
        say(f"  replaces {g.supersedes}")


@gfe_app.command("render")
def gfe_render(ctx: typer.Context, gfe_id: str = Arg(..., metavar="GFE", autocompletion=complete_gfe),
               output: Optional[Path] = Opt(None, "-o", "--output", help="The PDF to write.")) -> None:
    """Draw the estimate to give the client: one page with every required element, the charges and the total.

    Example: claimkit gfe render GFE-0001 -o riley-estimate.pdf
    """
    from claimkit.forms.gfe import render_gfe
    from claimkit.gfe.service import get_gfe
    from claimkit.store.home import write_output

    ws = workspace(ctx)
    g, row = get_gfe(ws, gfe_id)
    path = ask(ctx, output, "-o", "Write the estimate to", output_file, default=f"{g.id}-{g.client.id}.pdf")
    write_output(path, render_gfe(g))
    say(f"Wrote Good Faith Estimate {g.id} ({g.client.id}, {dollars(g.total)}) to {path}")
    if row.superseded_by:
        warn(f"[yellow]note:[/yellow] {g.id} was replaced by {row.superseded_by}; give the client the newer one")


# --- demo ----------------------------------------------------------------------------------------------

from claimkit.cli.demo import STEPS as _DEMO_STEPS, run as _demo_run  # noqa: E402


def _demo_gfe(ctx, demo) -> None:
    out = demo.home / "output"
    out.mkdir(mode=0o700, exist_ok=True)
    from datetime import timedelta

    from claimkit.gfe.days import add_business_days

    first = date.fromisoformat(_first_session(demo, "riley"))
    booked = first - timedelta(days=7)  # riley booked the first session a week ahead, and got the estimate next day
    _demo_run(demo, "gfe", "create", "riley", "--cpt", "90837", "--frequency", "biweekly", "--start", first.isoformat(),
              "--scheduled", booked.isoformat(), "--today", add_business_days(booked, 1).isoformat())
    _demo_run(demo, "gfe", "list")
    _demo_run(demo, "gfe", "render", "GFE-0001", "-o", str(out / "gfe-riley.pdf"))
    say("   'claimkit todo' lists morgan (out of network, paying in full) as still missing an estimate;"
        " 'claimkit check' warns on each such session")


def _place_demo_step() -> None:
    """Right after the scrubber's steps (which warn on riley's sessions), before claims and the work lists."""
    title = "Good Faith Estimate for a self-pay client ('claimkit gfe create', 'gfe render')"
    if any(fn is _demo_gfe for _, fn in _DEMO_STEPS):
        return
    at = next((i for i, (t, _) in enumerate(_DEMO_STEPS) if t.startswith("Claims:")), len(_DEMO_STEPS))
    _DEMO_STEPS.insert(at, (title, _demo_gfe))


_place_demo_step()


def _first_session(demo, client: str) -> str:
    import sqlite3

    conn = sqlite3.connect(demo.home / "ledger.db")
    try:
        row = conn.execute("SELECT MIN(date) FROM sessions WHERE client = ? AND status != 'void'", (client,)).fetchone()
    finally:
        conn.close()
    return row[0] or date.today().isoformat()
