"""report kpis and report audit: how the billing is doing, and what a payer's reviewer would look at.

Kept apart from cli/reports.py (balances, aging, ...): the same `report` group, two more commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from claimkit.cli.apps import report_app
from claimkit.cli.output import complete_payer, parse_date, print_json, say, table, workspace
from claimkit.core.errors import ClaimkitError
from claimkit.reports.common import usd

Opt = typer.Option


def _pct(value) -> str:
    return "-" if value is None else f"{value}%"


@report_app.command("kpis")
def report_kpis(
    ctx: typer.Context,
    start: Optional[str] = Opt(None, "--from", help="First day of the period (default: the 12 months ending with --to's month)."),
    end: Optional[str] = Opt(None, "--to", help="Last day of the period; A/R is as of this day (default today)."),
    payer: Optional[str] = Opt(None, "--payer", help="Only this payer (A/R: its insurance part).", autocompletion=complete_payer),
    json_: bool = Opt(False, "--json", help="Print JSON."),
    pdf: Optional[Path] = Opt(None, "--pdf", help="Also write a PDF report with charts."),
) -> None:
    """Billing KPIs beside their usual targets, from one read of the ledger.

    Clean claim rate = claims accepted (999/277CA) on first submission without correction / claims
    acknowledged (target >= 95%; needs acknowledgements imported with 'claimkit x12 import', else it says the data
    is missing).

    First-pass resolution rate = original claims paid or moved to the client by their first remittance /
    original claims adjudicated in the period (>= 90%).

    Denial rate = claims denied (whole, or a line paid nothing with a non-routine reason) at their first
    remittance / claims adjudicated; in dollars: charges of denied lines / charges adjudicated; by CARC, payer and
    CPT (< 5%).

    Days in A/R = (total A/R - credit balances) / (gross charges of the last 90 days / 90) (30-40 days).

    A/R over 90 days = A/R older than 90 days from the date of service / total A/R (< 10%).

    Net collection rate = payments (insurance + clients - refunds) / (charges - contractual adjustments
    CO-45, CO-253, PI-45), overall and per payer (about 95%).

    Days to pay = first paying remittance date - claim date, median per payer.

    A claim is adjudicated in the period when its first remittance is dated in it.

    Example: claimkit report kpis --from 2026-01-01 --to 2026-06-30 --pdf kpis.pdf
    """
    from claimkit.reports.kpis import kpis

    ws = workspace(ctx)
    report = kpis(ws, start=parse_date(start, "--from"), end=parse_date(end, "--to"), payer=payer)
    if pdf is not None:
        path = pdf.expanduser()
        if path.suffix.lower() != ".pdf":
            raise ClaimkitError(f"--pdf {path}: give a file name ending in .pdf")
        from claimkit.forms.kpis import render_kpis
        from claimkit.store.home import write_output

        write_output(path, render_kpis(report, ws.practice.billing.name or ws.practice.name))
    if json_:
        print_json(report.as_json())
    else:
        print_kpis(report)
    if pdf is not None:
        say(f"Wrote {pdf}")


def print_kpis(r) -> None:
    from claimkit.reports.kpis import KPIS

    def ratio(x, cents=False) -> str:
        if x is None:
            return ""
        f = usd if cents else str
        return f"{f(x.num)} of {f(x.den)}"

    values = {
        "clean_claim_rate": ("missing" if r.clean_claims is None else _pct(r.clean_claims.pct),
                             "no acknowledgements (999/277CA) on file: 'claimkit x12 import' them" if r.clean_claims is None
                             else ratio(r.clean_claims)),
        "first_pass_resolution_rate": (_pct(r.first_pass.pct), ratio(r.first_pass)),
        "denial_rate": (_pct(r.denials.pct), ratio(r.denials)),
        "denial_rate_dollars": (_pct(r.denied_cents.pct), ratio(r.denied_cents, True)),
        "days_in_ar": ("-" if r.days_in_ar is None else f"{r.days_in_ar} days",
                       f"A/R {usd(r.ar.total)} - credits {usd(r.credits)}; charges of the last 90 days {usd(r.charges_last_n)}"),
        "ar_over_90": (_pct(r.ar_over_90.pct), ratio(r.ar_over_90, True)),
        "net_collection_rate": (_pct(r.collections.pct), ratio(r.collections, True)),
        "days_to_pay": (", ".join(f"{p} {d}" for p, (d, _) in r.days_to_pay.items()) or "-",
                        f"{sum(n for _, n in r.days_to_pay.values())} claims paid"),
    }
    scope = f" ({r.payer})" if r.payer else ""
    table(f"Billing KPIs {r.start} to {r.end}{scope}", ["KPI", "Value", "Target", "From"],
          [(name, values[key][0], target, values[key][1]) for key, name, _, target in KPIS])
    if r.by_carc:
        table("Denials by reason", ["Reason", "Lines", "Amount"], [(k, n, usd(c)) for k, (n, c) in r.by_carc.items()],
              right=["Amount"])
    if r.by_payer:
        table("By payer", ["Payer", "Denial rate", "Denied $", "Net collection", "Median days to pay"],
              [(p, _pct(a.pct), _pct(b.pct), _pct(r.collections_by_payer[p].pct) if p in r.collections_by_payer else "-",
                r.days_to_pay[p][0] if p in r.days_to_pay else "-") for p, (a, b) in r.by_payer.items()])
    if r.by_cpt:
        table("Denials by CPT", ["CPT", "Lines denied", "Denial rate", "Denied $"],
              [(c, f"{a.num} of {a.den}", _pct(a.pct), usd(b.num)) for c, (a, b) in r.by_cpt.items()])


@report_app.command("audit")
def report_audit(
    ctx: typer.Context,
    start: Optional[str] = Opt(None, "--from", help="First day of service (default: 12 months back from --to's month)."),
    end: Optional[str] = Opt(None, "--to", help="Last day of service (default today)."),
    json_: bool = Opt(False, "--json", help="Print JSON."),
) -> None:
    """Audit exposure per payer: the signals payers' reviews cite for therapy practices. The share of 90837 against
    90834; clients seen more than 2 times in a week; timed sessions without documented start and end times
    ('session add --start HH:MM --end HH:MM'); telehealth sessions whose place of service and modifiers do not state
    the modality. Levels (review triggers, not payer rules) in templates/reports/audit.toml.

    Example: claimkit report audit --from 2026-01-01 --json
    """
    from claimkit.reports.audit import audit, levels

    report = audit(workspace(ctx), start=parse_date(start, "--from"), end=parse_date(end, "--to"))
    if json_:
        print_json(report.as_json())
        return
    if not report.payers:
        say(f"No insurance sessions from {report.start} to {report.end}: nothing a payer would review.")
        return
    lv = levels()
    mark = {True: "HIGH", False: "ok"}
    rows = []
    for p in report.payers:
        flags = p.flags()
        rows.append((p.name, p.sessions,
                     f"{_pct(p.long_sessions.pct)} ({p.long_sessions.num} of {p.long_sessions.den}) {mark['long_sessions' in flags]}",
                     f"{len(p.busy_weeks)} {mark['sessions_per_week' in flags]}",
                     f"{p.untimed.num} of {p.untimed.den} {mark['untimed' in flags]}",
                     f"{len(p.telehealth_unstated)} of {p.telehealth} {mark['telehealth_modality' in flags]}"))
    table(f"Audit signals {report.start} to {report.end}", ["Payer", "Sessions", f"{lv['long_code']} share",
          f"Client-weeks > {lv['sessions_per_week']}", "Without start/end", "Telehealth modality unstated"], rows)
    for p in report.payers:
        for c, w, n in p.busy_weeks:
            say(f"  {p.name}: {c} had {n} sessions in the week of {w}")
        for sid, why in p.telehealth_unstated:
            say(f"  {p.name}: session {sid}: {why}")
        if p.untimed_ids:
            shown = ", ".join(str(s) for s in p.untimed_ids[:10]) + (" ..." if len(p.untimed_ids) > 10 else "")
            say(f"  {p.name}: sessions without start and end times: {shown}")


# --- demo (registered only when the demo runs: `report` commands need not load it) --------------------------

def _demo_kpis(ctx, demo) -> None:
    from claimkit.cli.demo import run

    run(demo, "report", "kpis", "--pdf", str(demo.home / "output" / "kpis.pdf"))


def _demo_audit(ctx, demo) -> None:
    from claimkit.cli.demo import run

    run(demo, "report", "audit")


def _register_demo_steps() -> None:
    import sys

    demo = sys.modules.get("claimkit.cli.demo")
    if demo is None:
        return
    for title, fn in (("How the billing is doing: KPIs beside their targets ('claimkit report kpis --pdf')", _demo_kpis),
                      ("What a payer's reviewer would see ('claimkit report audit')", _demo_audit)):
        if all(f is not fn for _, f in demo.STEPS):
            demo.step(title)(fn)


_register_demo_steps()
