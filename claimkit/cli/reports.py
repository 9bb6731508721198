"""report balances/aging/deductible/payers, todo, statement render and writeoff: who owes what, and what to do next.

Reports run as SQL over the ledger (claimkit.reports); this module only parses and prints. It imports neither
pydantic nor the PDF libraries: reportlab loads inside the statement renderer, when a statement is rendered.
"""

from __future__ import annotations

import csv
import sys
from datetime import date
from pathlib import Path
from typing import Optional

import typer

from claimkit.cli.apps import app, report_app, statement_app
from claimkit.cli.output import complete_client, console, parse_amount, parse_date, print_json, say, table, workspace
from claimkit.core.errors import ClaimkitError
from claimkit.reports.common import BUCKETS, money, usd

Opt = typer.Option
Arg = typer.Argument
FORMATS = ("table", "csv", "json")
TODAY_HELP = "Pretend today is this date (YYYY-MM-DD), for testing."


def _today(value: Optional[str]) -> date:
    return parse_date(value, "--today") or date.today()


def _format(fmt: str, json_: bool, allowed: tuple[str, ...] = FORMATS) -> str:
    if json_:
        return "json"
    if fmt not in allowed:
        raise ClaimkitError(f"--format '{fmt}': use one of {', '.join(allowed)}")
    return fmt


def _csv(header: list[str], rows: list[list]) -> None:
    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)


# --- report balances -----------------------------------------------------------------------------------

BAL_HEAD = ("Client", "Charges", "Ins paid", "Adjustments", "Client resp", "Client paid", "Written off", "Balance",
            "Ins outstanding", "Est. pending", "Last payment")


def _balance_rows(report) -> list[list]:
    from claimkit.reports.balances import AMOUNTS

    rows = []
    for r in [*report.clients, report.totals]:
        rows.append([r.client, *(usd(r.cents(c)) for c in AMOUNTS), r.last_payment.isoformat() if r.last_payment else "-"])
    return rows


def print_balances(report) -> None:
    table(f"Balances as of {report.as_of}", BAL_HEAD, _balance_rows(report), right=BAL_HEAD[1:-1])


@report_app.command("balances")
def report_balances(
    ctx: typer.Context,
    as_of: Optional[str] = Opt(None, "--as-of", help="Balances as they stood at the end of this day (YYYY-MM-DD)."),
    client: Optional[str] = Opt(None, "--client", help="Only this client.", autocompletion=complete_client),
    fmt: str = Opt("table", "--format", help="table, csv or json."),
    json_: bool = Opt(False, "--json", help="Same as --format json."),
    today: Optional[str] = Opt(None, "--today", hidden=True, help=TODAY_HELP),
) -> None:
    """Who owes what: per client charges, insurance paid, adjustments, the client's part and payments, balance,
    what insurance still owes and the estimated share of sessions insurance has not processed yet.

    Example: claimkit report balances --as-of 2026-10-31 --format csv
    """
    from claimkit.reports.balances import AMOUNTS, COLUMNS, balances

    fmt = _format(fmt, json_)
    report = balances(workspace(ctx), parse_date(as_of, "--as-of"), client, today=_today(today))
    if fmt == "json":
        print_json(report.as_json())
    elif fmt == "csv":
        rows = [[r.client, *(money(r.cents(c)) for c in AMOUNTS), r.last_payment.isoformat() if r.last_payment else ""]
                for r in [*report.clients, report.totals]]
        _csv(list(COLUMNS), rows)
    else:
        print_balances(report)


# --- report aging ----------------------------------------------------------------------------------------

@report_app.command("aging")
def report_aging(
    ctx: typer.Context,
    by: str = Opt("service", "--by", help="service: age from the date of service; statement: client part from the first"
                  " statement that showed it, insurance from the claim date."),
    client: Optional[str] = Opt(None, "--client", help="Only this client.", autocompletion=complete_client),
    fmt: str = Opt("table", "--format", help="table, csv or json."),
    json_: bool = Opt(False, "--json", help="Same as --format json."),
    today: Optional[str] = Opt(None, "--today", hidden=True, help=TODAY_HELP),
) -> None:
    """Client balances and insurance outstanding by age: 0-30, 31-60, 61-90, 91-120 and over 120 days.

    Example: claimkit report aging --by statement
    """
    from claimkit.reports.aging import BY, aging

    if by not in BY:
        raise ClaimkitError(f"--by '{by}': use service or statement")
    fmt = _format(fmt, json_)
    report = aging(workspace(ctx), by, client, today=_today(today))
    if fmt == "json":
        print_json(report.as_json())
        return
    stated = by == "statement"
    head = ["Client", "Owed by", *BUCKETS, *(["not stated"] if stated else []), "total"]
    rows = []
    for r in [*report.clients, report.totals]:
        p_total = r.patient.total + r.patient_not_stated
        rows.append([r.client, "client", *r.patient.amounts, *([r.patient_not_stated] if stated else []), p_total])
        rows.append([r.client, "insurance", *r.insurance.amounts, *([0] if stated else []), r.insurance.total])
    if fmt == "csv":
        _csv([h.lower().replace(" ", "_") for h in head], [[*row[:2], *(money(c) for c in row[2:])] for row in rows])
        return
    table(f"Aging by {by} as of {report.today}", head, [[*row[:2], *(usd(c) if c else "-" for c in row[2:])] for row in rows],
          right=head[2:])


# --- report deductible ---------------------------------------------------------------------------------

@report_app.command("deductible")
def report_deductible(
    ctx: typer.Context,
    client: str = Arg(..., metavar="CLIENT", help="Client id.", autocompletion=complete_client),
    as_of: Optional[str] = Opt(None, "--as-of", help="The plan year containing this day, with what was posted by then."),
    json_: bool = Opt(False, "--json", help="Print JSON."),
    today: Optional[str] = Opt(None, "--today", hidden=True, help=TODAY_HELP),
) -> None:
    """Deductible and out-of-pocket used this plan year (remittances, then estimates) against the policy's amounts.

    Example: claimkit report deductible jdoe
    """
    from claimkit.reports.deductible import deductible

    r = deductible(workspace(ctx), client, parse_date(as_of, "--as-of"), today=_today(today))
    if json_:
        print_json(r.as_json())
        return
    say(f"[bold]{r.client}[/bold] · {r.payer} ({r.cost_sharing}) · plan year {r.plan_year[0]} to {r.plan_year[1]}, as of {r.as_of}")
    rows = []
    for name, u in (("Deductible", r.deductible), ("Out-of-pocket", r.out_of_pocket)):
        rows.append([name, usd(u.amount) if u.amount is not None else "no maximum", usd(u.used), usd(u.adjudicated),
                     usd(u.estimated), usd(u.carried_in), usd(u.remaining) if u.remaining is not None else "-"])
    table(None, ["", "Policy", "Used", "From remittances", "Estimated", "Met before", "Remaining"], rows,
          right=["Policy", "Used", "From remittances", "Estimated", "Met before", "Remaining"])
    if r.sessions:
        table("Sessions this plan year", ["Session", "Date", "CPT", "Fee", "Allowed", "Client", "To deductible", "Basis"],
              [[s.id, s.date, s.cpt, usd(s.fee), usd(s.allowed) if s.allowed is not None else "-", usd(s.patient),
                usd(s.deductible), s.basis] for s in r.sessions], right=["Fee", "Allowed", "Client", "To deductible"])
    if r.next_cpt:
        say(f"Next {r.next_cpt} session: the client pays ~{usd(r.next_estimate)} ({r.next_basis})")


# --- report payers -------------------------------------------------------------------------------------

def payer_chart(report, con=None) -> None:
    """Average days to pay per payer and monthly collections, as bars."""
    from rich.bar import Bar
    from rich.table import Table

    con = con or console()
    paid = [p for p in report.payers if p.avg_days_to_pay is not None]
    if paid:
        con.print()
        top = max(p.avg_days_to_pay for p in paid) or 1
        t = Table(title="Average days from claim to payment", show_header=False, box=None, padding=(0, 1))
        t.add_column("payer")
        t.add_column("bar", width=40)
        t.add_column("days", justify="right")
        for p in paid:
            t.add_row(p.name, Bar(top, 0, p.avg_days_to_pay, width=40, color="cyan"), f"{p.avg_days_to_pay:.1f} days")
        con.print(t)
    top = max((i + c for _, i, c in report.months), default=0) or 1
    con.print()
    t = Table(title="Collections by month (insurance + clients)", show_header=False, box=None, padding=(0, 1))
    t.add_column("month")
    t.add_column("bar", width=40)
    t.add_column("total", justify="right")
    t.add_column("split", justify="right", style="dim")
    for m, i, c in report.months:
        t.add_row(m, Bar(top, 0, i + c, width=40, color="green"), usd(i + c), f"insurance {usd(i)} · clients {usd(c)}")
    con.print(t)


def print_payers(report, con=None) -> None:
    from rich.table import Table

    con = con or console()
    t = Table(title=f"Payers as of {report.as_of}", header_style="bold")
    acks = any(p.claims_acknowledged for p in report.payers)  # the clearinghouse columns once acknowledgements exist
    for col in ("Payer", "Claims", "Billed", "Paid", "Avg days to pay", "Denial rate",
                *(("Clean claims", "Rejections") if acks else ())):
        t.add_column(col, justify="left" if col == "Payer" else "right")
    for p in report.payers:
        t.add_row(p.name, str(p.claims), usd(p.billed), usd(p.paid),
                  "-" if p.avg_days_to_pay is None else f"{p.avg_days_to_pay:.1f}",
                  "-" if p.denial_rate is None else f"{p.denial_rate:.0%} ({p.claims_denied}/{p.claims_adjudicated})",
                  *((("-" if p.clean_claim_rate is None else f"{p.clean_claim_rate:.0%} ({p.claims_clean}/"
                      f"{p.claims_acknowledged})"), str(p.rejections)) if acks else ()))
    con.print(t)
    for p in report.payers:
        if p.paid_before_billed:
            from claimkit.reports.payers import PAID_BEFORE_BILLED

            con.print(f"{p.name}: {p.paid_before_billed} claim{'s' if p.paid_before_billed > 1 else ''} left out of days to pay:"
                      f" {PAID_BEFORE_BILLED}", markup=False)
    c = Table(title="Allowed amounts paid vs contracted rates", header_style="bold")
    for col in ("Payer", "CPT", "Lines", "Contracted", "Avg allowed", "Lowest", "Underpaid"):
        c.add_column(col, justify="left" if col in ("Payer", "CPT") else "right")
    for p in report.payers:
        for row in p.cpts:
            under = f"[red]{row.underpaid_lines} lines, {usd(row.underpaid)} short[/red]" if row.underpaid_lines else "-"
            c.add_row(p.name, row.cpt, str(row.lines), usd(row.contracted) if row.contracted is not None else "no rate",
                      usd(row.avg_allowed), usd(row.min_allowed) if row.min_allowed is not None else "-", under)
    if c.row_count:
        con.print(c)
    payer_chart(report, con)


@report_app.command("payers")
def report_payers(
    ctx: typer.Context,
    months: int = Opt(12, "--months", help="Months of collections to chart."),
    fmt: str = Opt("table", "--format", help="table or json."),
    json_: bool = Opt(False, "--json", help="Same as --format json."),
    today: Optional[str] = Opt(None, "--today", hidden=True, help=TODAY_HELP),
) -> None:
    """Per payer: claims, billed, paid, days to pay, denial rate, clean-claim rate and rejections (once the clearinghouse
    acknowledged claims), allowed vs contracted per CPT (underpayments flagged), and charts of days to pay and monthly collections.

    Example: claimkit report payers --months 6
    """
    from claimkit.reports.payers import payers_report

    fmt = _format(fmt, json_, ("table", "json"))
    if not 1 <= months <= 120:
        raise ClaimkitError("--months must be 1 to 120")
    report = payers_report(workspace(ctx), today=_today(today), months=months)
    if fmt == "json":
        print_json(report.as_json())
    else:
        print_payers(report)


# --- todo ----------------------------------------------------------------------------------------------

TODO_TITLES = {"unbilled": "Sessions to bill", "timely_filing": "Timely filing limits", "denial": "Denials",
               "appeal": "Appeals with no answer",
               "no_remittance": "Claims with no remittance", "unmatched": "Unmatched remittance items",
               "statement": "Statements to send", "authorization": "Authorizations",
               "code_set": "Diagnosis code sets (ICD-10-CM)"}
TODO_TITLES.update({"gfe_missing": "Good Faith Estimates missing", "gfe_expiring": "Good Faith Estimates ending",
                    "gfe_scope": "Good Faith Estimates: more sessions than estimated",
                    "gfe_over": "Good Faith Estimates: billed over the estimate"})
TODO_TITLES.update({"rejected": "Rejected claims (never reached the payer)", "no_999": "Files with no 999 yet",
                    "no_277ca": "Claims with no 277CA yet", "no_835": "Accepted claims with no remittance"})
TODO_TITLES["eligibility"] = "Eligibility to verify"


DENIAL_GROUPS = {"overdue": "appeal window over", "soon": "appeal due within 14 days", "later": "appeal later",
                 "appealed": "appealed, waiting for the answer"}


def print_todo(items) -> None:
    from claimkit.reports.todo import KINDS

    if not items:
        say("Nothing to do: everything is billed, answered and paid.")
        return
    for kind in KINDS:
        group = [i for i in items if i.kind == kind]
        if not group:
            continue
        say(f"[bold]{TODO_TITLES[kind]}[/bold] ({len(group)})")
        shown = ""
        for i in group:
            if i.group and i.group != shown:
                shown = i.group
                say(f"  [bold]{DENIAL_GROUPS[i.group]}[/bold]")
            say(f"  • {i.subject}: {i.detail}")
            say(f"    [dim]→ {i.action}[/dim]")


@app.command("todo")
def todo_cmd(
    ctx: typer.Context,
    days: Optional[int] = Opt(None, "--days", help="Days without a remittance before a claim is listed (default:"
                              " practice.toml defaults.no_remittance_days, 30)."),
    json_: bool = Opt(False, "--json", help="Print JSON."),
    today: Optional[str] = Opt(None, "--today", hidden=True, help=TODAY_HELP),
) -> None:
    """The work list: sessions to bill, filing limits, denials, unanswered claims, unmatched remittance items,
    statements to send and authorizations running out.

    Example: claimkit todo --days 45
    """
    from claimkit.reports.todo import todo

    if days is not None and days < 0:
        raise ClaimkitError("--days must be 0 or more")
    items = todo(workspace(ctx), today=_today(today), days=days)
    if json_:
        print_json({"today": _today(today).isoformat(), "items": [i.as_json() for i in items]})
    else:
        print_todo(items)


# --- statements ----------------------------------------------------------------------------------------

@statement_app.command("render")
def statement_render(
    ctx: typer.Context,
    client: Optional[str] = Arg(None, metavar="CLIENT", help="Client id.", autocompletion=complete_client),
    all_with_balance: bool = Opt(False, "--all-with-balance", help="A statement for every client who owes something."),
    output: Optional[Path] = Opt(None, "-o", "--output", help="The PDF to write (all statements in one file)."),
    dir_: Optional[Path] = Opt(None, "--dir", help="Write one PDF per client into this folder."),
    on: Optional[str] = Opt(None, "--date", help="Statement date (default today)."),
    start: Optional[str] = Opt(None, "--from", help="Activity from this day (default: the day after the last statement,"
                               " or 90 days back)."),
    json_: bool = Opt(False, "--json", help="Also print the statements' figures as JSON."),
) -> None:
    """A patient statement PDF: services, insurance paid, adjustments, the client's part, payments, amount due now,
    aging and how to pay. Records the statement as sent once the PDF is written.

    Example: claimkit statement render jdoe -o jdoe-statement.pdf
    """
    from claimkit.reports.statements import build_statement, clients_with_balance, issue_statements

    if (client is None) == (not all_with_balance):
        raise ClaimkitError("give a CLIENT or --all-with-balance (not both)")
    if output is not None and dir_ is not None:
        raise ClaimkitError("give -o FILE.pdf or --dir DIR, not both")
    ws = workspace(ctx)
    day = parse_date(on, "--date") or date.today()
    since = parse_date(start, "--from")
    ids = [client] if client else clients_with_balance(ws, day)
    if not ids:
        say(f"No client owes anything on {day}: no statements written.")
        return
    statements = [build_statement(ws, cid, day, since) for cid in ids]
    from claimkit.forms.statement import render_statements

    written: list[str] = []
    if output is not None or (dir_ is None and len(statements) == 1):
        path = (output or Path(f"statement-{statements[0].client_id}-{day.isoformat()}.pdf")).expanduser()
        if path.suffix.lower() != ".pdf":
            raise ClaimkitError(f"-o {path}: give a file name ending in .pdf")

        written.append(issue_statements(ws, statements, path.absolute(), render_statements))
    else:
        folder = (dir_ or Path(".")).expanduser()
        if not folder.is_dir():
            raise ClaimkitError(f"--dir {folder}: no such folder; create it first")
        for st in statements:
            path = folder / f"statement-{st.client_id}-{day.isoformat()}.pdf"
            written.append(issue_statements(ws, [st], path.absolute(), render_statements))
    if json_:
        print_json({"files": written, "statements": [st.as_json() for st in statements]})
        return
    for st in statements:
        extra = f" (credit {usd(-st.balance)})" if st.balance < 0 else ""
        say(f"Statement {st.number}: {st.client_id} owes {usd(st.amount_due)}{extra}")
    for f in dict.fromkeys(written):
        say(f"Wrote {f}")


# --- writeoff ------------------------------------------------------------------------------------------

@app.command("writeoff")
def writeoff_cmd(
    ctx: typer.Context,
    target: str = Arg(..., metavar="CLIENT|CLAIM", help="A client id (their balance) or a claim id (what insurance owes on it)."),
    amount: str = Arg(..., metavar="AMOUNT", help="Amount to write off, e.g. 12.50."),
    reason: Optional[str] = Opt(None, "--reason", help="Why (kept with the posting)."),
    on: Optional[str] = Opt(None, "--date", help="Date of the write-off (default today)."),
    json_: bool = Opt(False, "--json", help="Print JSON."),
) -> None:
    """Write off a small client balance, or a denial not worth appealing, as a ledger posting.

    Example: claimkit writeoff CK00012 180.00 --reason "CO-29 timely filing, not appealable"
    """
    from claimkit.sessions.accounts import writeoff

    if not reason:
        raise ClaimkitError("--reason is required: say why (e.g. --reason 'small balance')")
    value = parse_amount(amount, "AMOUNT")
    result = writeoff(workspace(ctx), target, value, reason, parse_date(on, "--date"))
    if json_:
        print_json(result.as_json())
        return
    what = f"{result.client}'s balance" if result.part == "patient" else f"insurance's part of claim {result.target}"
    say(f"Wrote off {usd(result.amount)} of {what}: {reason}. Left: {usd(result.remaining)}")


# --- demo ----------------------------------------------------------------------------------------------
# The steps join the demo when it is loaded (it loads every command module, this one after claimkit.cli.demo);
# a report command does not import the demo (and its tempfile/shutil imports) only to register them.

def _demo_balances(ctx: typer.Context, demo) -> None:
    from claimkit.reports.balances import balances

    print_balances(balances(workspace(ctx)))


def _demo_todo(ctx: typer.Context, demo) -> None:
    from claimkit.reports.todo import todo

    print_todo(todo(workspace(ctx)))


def _demo_statement(ctx: typer.Context, demo) -> None:
    from claimkit.reports.balances import balances
    from claimkit.reports.statements import build_statement, issue_statements
    from claimkit.forms.statement import render_statements

    ws = workspace(ctx)
    owing = sorted((r for r in balances(ws).clients if r.balance > 0), key=lambda r: -r.balance)
    if not owing:
        say("   no client owes anything yet")
        return
    st = build_statement(ws, owing[0].client)
    folder = Path(demo.home) / "output"
    folder.mkdir(mode=0o700, exist_ok=True)
    path = folder / f"statement-{st.client_id}-{st.date.isoformat()}.pdf"
    issue_statements(ws, [st], path, render_statements)
    say(f"   {st.client_name} ({st.client_id}) owes {usd(st.amount_due)}: wrote {path}")


def _register_demo_steps() -> None:
    demo = sys.modules.get("claimkit.cli.demo")
    if demo is None:
        return
    for title, fn in (("Balances: who owes what ('claimkit report balances')", _demo_balances),
                      ("To-do list ('claimkit todo')", _demo_todo),
                      ("A patient statement ('claimkit statement render')", _demo_statement)):
        if all(f is not fn for _, f in demo.STEPS):
            demo.step(title)(fn)


_register_demo_steps()
