"""claim list/show/correct, cms1500 render/calibrate and superbill render: turning sessions into paper."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import List, Optional

import typer

from claimkit.cli.apps import claim_app, cms1500_app, superbill_app
from claimkit.cli.check import print_findings
from claimkit.cli.output import (complete_claim, complete_client, complete_session, console, parse_date, parse_month,
                                 print_json, say, table, warn, workspace)
from claimkit.cli.prompting import ask, output_file
from claimkit.core.errors import ChecksFailed, ClaimkitError
from claimkit.core.money import ZERO, dollars

Opt = typer.Option
Arg = typer.Argument
FORMS = ("full", "data")


# --- helpers -------------------------------------------------------------------------------------------

@contextlib.contextmanager
def _progress(total: int, label: str):
    """A rich progress bar on a terminal for a batch; nothing when piped or for a single claim."""
    if total < 2 or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda done: bar.update(task, completed=done)


def _findings(snapshots, ws) -> list:
    from claimkit.checks import check_claim_snapshots

    return check_claim_snapshots(snapshots, ws)


def _output_path(ctx: typer.Context, output: Optional[Path], prompt: str) -> Path:
    return ask(ctx, output, "-o", prompt, output_file)


def _read_template(path: Path) -> bytes:
    import logging

    from claimkit.forms.cms1500 import open_template

    # pypdf logs what it repairs ("EOF marker not found") to stderr; claimkit's one line says what is wrong instead
    logging.getLogger("pypdf").addHandler(logging.NullHandler())
    logging.getLogger("pypdf").propagate = False

    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ClaimkitError(f"--template {path}: no such file") from None
    except IsADirectoryError:
        raise ClaimkitError(f"--template {path} is a folder; give the blank CMS-1500 PDF file") from None
    except OSError as exc:
        raise ClaimkitError(f"--template {path}: cannot read it ({exc.strerror})") from None
    open_template(data, f"--template {path}")
    return data


class _Renderer:
    """Checks, renders and writes the claims about to be recorded: the `emit` step of claimkit.claims."""

    def __init__(self, ws, path: Path, mode: str, template: bytes | None, template_name: str,
                 offset: tuple[float, float], force: bool):
        self.ws, self.path, self.mode, self.template, self.template_name = ws, path, mode, template, template_name
        self.offset, self.force = offset, force
        self.findings: list = []
        self.pages = 0
        self.written = False
        from claimkit.store.scratch import PendingOutput

        self.pending = PendingOutput(ws.home, path)

    def publish(self) -> None:
        """After the commit: the PDF appears under its name."""
        self.pending.publish()

    def __call__(self, snapshots) -> str:
        from claimkit.forms import cms1500

        self.findings = _findings(snapshots, self.ws)
        if any(f.is_error for f in self.findings) and not self.force:
            raise ChecksFailed(self.findings)
        with _progress(len(snapshots), f"Rendering {len(snapshots)} claims") as tick:
            if self.template is not None:
                pdf = cms1500.render_on_template(snapshots, self.template, self.offset, tick, self.template_name)
            else:
                pdf = cms1500.render_claims(snapshots, self.mode, self.offset, tick)
        self.pending.write(pdf)  # under a temp name in the home until the claims are committed
        self.written = True
        self.pages = cms1500.page_count(snapshots)
        return str(self.path)


def _renderer(ctx, ws, output, form, template, offset_x, offset_y, force, prompt="Write the PDF to") -> _Renderer:
    if template is not None and form is not None:
        raise ClaimkitError("use either --form or --template, not both")
    mode = (form or "full").lower()
    if mode not in FORMS:
        raise ClaimkitError(f"--form '{form}': use full (the red form with the data) or data (the data alone, for pre-printed forms)")
    blank = _read_template(template) if template is not None else None
    path = _output_path(ctx, output, prompt)
    saved = ws.practice.cms1500
    offset = (float(saved.offset_x) if offset_x is None else offset_x, float(saved.offset_y) if offset_y is None else offset_y)
    for flag, value in (("--offset-x", offset[0]), ("--offset-y", offset[1])):
        if abs(value) > 72:
            raise ClaimkitError(f"{flag} {value}: offsets are points (72 = 1 inch) and must be within -72..72")
    return _Renderer(ws, path, mode, blank, f"--template {template}", offset, force)


def _report(snapshots, r: _Renderer, json_: bool, verb: str = "Rendered") -> None:
    warnings = [f for f in r.findings if not f.is_error]
    if json_:
        print_json({"file": str(r.path), "pages": r.pages,
                    "claims": [{"id": s.claim_id, "client": s.patient_client_id, "payer": s.billed.payer.id, "rank": s.rank,
                                "frequency": s.frequency, "lines": len(s.lines), "pages": len(s.pages),
                                "total_charge": f"{s.total_charge:.2f}"} for s in snapshots],
                    "findings": [f.as_dict() for f in r.findings]})
        return
    if r.findings and any(f.is_error for f in r.findings):
        print_findings(r.findings)
        warn("[yellow]rendered with --force despite the errors above[/yellow]")
    elif warnings:
        print_findings(warnings)
    rows = [(s.claim_id, s.patient_client_id, s.billed.payer.name, s.rank, len(s.lines), len(s.pages), dollars(s.total_charge))
            for s in snapshots]
    table(None, ("Claim", "Client", "Payer", "Rank", "Lines", "Pages", "Total"), rows, right=("Lines", "Pages", "Total"))
    say(f"{verb} {len(snapshots)} claim{'s' if len(snapshots) != 1 else ''} ({r.pages} page{'s' if r.pages != 1 else ''}) to {r.path}")


def _run(action, r: _Renderer | None):
    """Run an issuing action (the PDF is written under a temp name of ours, the claims committed) and only then put
    the PDF under its name: a PDF never exists for claims the ledger does not know."""
    try:
        result = action()
    except ChecksFailed as exc:
        if r is not None:
            r.pending.discard()
        print_findings(exc.findings)
        raise
    except BaseException:
        if r is not None:
            r.pending.discard()
        raise
    if r is not None:
        r.publish()
    return result


# --- cms1500 render ----------------------------------------------------------------------------------------

@cms1500_app.command("render")
def render(
    ctx: typer.Context,
    session: List[int] = Opt([], "--session", help="Bill these sessions (repeatable) on one claim per client and payer.",
                             autocompletion=complete_session),
    client: Optional[str] = Opt(None, "--client", help="Bill this client's unbilled sessions (see --from/--to).",
                                autocompletion=complete_client),
    start: Optional[str] = Opt(None, "--from", help="With --client/--unbilled: sessions on or after YYYY-MM-DD."),
    end: Optional[str] = Opt(None, "--to", help="With --client/--unbilled: sessions on or before YYYY-MM-DD."),
    unbilled: bool = Opt(False, "--unbilled", help="Bill every unbilled insurance session of every client."),
    claim: List[str] = Opt([], "--claim", help="Re-render this existing claim from its snapshot (repeatable).",
                           autocompletion=complete_claim),
    secondary: bool = Opt(False, "--secondary", help="Bill the secondary payer for primary claims whose remittance is posted."),
    output: Optional[Path] = Opt(None, "-o", "--output", help="The PDF to write (one file for all the claims)."),
    form: Optional[str] = Opt(None, "--form", help="full: the red form with the data (default); data: the data alone."),
    template: Optional[Path] = Opt(None, "--template", help="Merge the data onto this blank CMS-1500 PDF instead."),
    offset_x: Optional[float] = Opt(None, "--offset-x", help="Move the data right by this many points (data/template)."),
    offset_y: Optional[float] = Opt(None, "--offset-y", help="Move the data up by this many points (data/template)."),
    force: bool = Opt(False, "--force", help="Render even when the checks find errors."),
    hold: bool = Opt(False, "--hold-errors", help="Render the claims that pass the checks; hold back (and list) those with errors."),
    json_: bool = Opt(False, "--json", help="Print what was rendered as JSON."),
) -> None:
    """Render CMS-1500 claims to one PDF; new claims are recorded and their sessions marked billed.

    Choose the work with one of --session, --client, --unbilled or --claim.

    The check rules run on what is about to print: errors stop the render (exit 1) unless --force.

    Nothing is recorded unless the PDF was written completely.

    Example: claimkit cms1500 render --unbilled -o claims.pdf
    """
    from claimkit.claims import build, followup, ledger

    chosen = [name for name, on in (("--session", bool(session)), ("--client", client is not None), ("--unbilled", unbilled),
                                    ("--claim", bool(claim))) if on]
    if len(chosen) != 1:
        what = "only one of " + ", ".join(chosen) if chosen else "one of --session, --client, --unbilled or --claim"
        raise ClaimkitError(f"choose the claims with {what}")
    if (start or end) and not (client or unbilled):
        raise ClaimkitError("--from/--to go with --client or --unbilled")
    day_from, day_to = parse_date(start, "--from"), parse_date(end, "--to")
    if day_from and day_to and day_to < day_from:
        raise ClaimkitError(f"--to {day_to} is before --from {day_from}")
    ws = workspace(ctx)
    if client is not None:
        ws.client(client)
    claim_ids = [ledger.get_claim(ws, cid)[0].id for cid in claim]  # unknown ids fail before anything else
    sessions_ids = list(session)
    if secondary:
        if sessions_ids:
            claim_ids = followup.primary_claims_of(ws, sessions_ids)
        elif not claim_ids:
            claim_ids = followup.eligible_for_secondary(ws, client)
            if not claim_ids:
                say("Nothing to bill to secondary payers: no primary claim with a posted remittance and a secondary policy is waiting.")
                return
        r = _renderer(ctx, ws, output, form, template, offset_x, offset_y, force)
        snaps = _run(lambda: followup.create_secondary(ws, claim_ids, r), r)
        _report(snaps, r, json_)
        return
    if claim_ids:
        r = _renderer(ctx, ws, output, form, template, offset_x, offset_y, force)
        snaps = [ledger.get_claim(ws, cid)[1] for cid in claim_ids]
        _run(lambda: (r(snaps), ledger.mark_rendered(ws, claim_ids, str(r.path))), r)
        _report(snaps, r, json_, "Re-rendered")
        return
    rows = build.select_sessions(ws, session_ids=sessions_ids, client=client, start=day_from, end=day_to,
                                  all_unbilled=unbilled)
    if not rows:
        who = f"{client}" if client else "any client"
        say(f"Nothing to bill: {who} has no unbilled insurance sessions" + (" in that range." if start or end else "."))
        return
    if hold and not force:
        rows = _without_errors(ws, rows)
        if not rows:
            say("Nothing rendered: every claim has errors (listed above).")
            raise typer.Exit(1)
    r = _renderer(ctx, ws, output, form, template, offset_x, offset_y, force)
    snaps = _run(lambda: build.create_claims(ws, rows, r), r)
    _report(snaps, r, json_)


def _without_errors(ws, rows):
    """Preview the claims (rolled back, nothing recorded), list the ones with errors, keep the sessions of the rest."""
    from claimkit.claims import build

    with ws.transaction() as conn:
        conn.execute("SAVEPOINT preview")
        try:
            snaps = build.build_claims(ws, rows, conn=conn)
        finally:
            conn.execute("ROLLBACK TO preview")
            conn.execute("RELEASE preview")
    held_sessions: set[int] = set()
    held_findings: list = []
    for snap in snaps:
        findings = _findings([snap], ws)
        if any(f.is_error for f in findings):
            import dataclasses

            where = f"client {snap.patient_client_id} / held back"  # the preview's claim id is not kept
            held_findings += [dataclasses.replace(f, subject=where) for f in findings if f.is_error]
            held_sessions.update(line.session_id for line in snap.lines if line.session_id is not None)
            warn(f"held back: {snap.patient_client_id}'s claim to {snap.billed.payer.name} ({len(snap.lines)} sessions)")
    if held_findings:
        print_findings(held_findings)
    return [r for r in rows if r.id not in held_sessions]


@cms1500_app.command("calibrate")
def calibrate(
    ctx: typer.Context,
    offset_x: Optional[float] = Opt(None, "--offset-x", help="Points to move the data right (negative: left)."),
    offset_y: Optional[float] = Opt(None, "--offset-y", help="Points to move the data up (negative: down)."),
    save: bool = Opt(False, "--save", help="Save the offsets as the practice default (practice.toml \\[cms1500])."),
    output: Optional[Path] = Opt(None, "-o", "--output", help="Write the alignment test page to this PDF."),
) -> None:
    """Line the data up with your printer and pre-printed forms: print a test page, then save the offsets.

    The test page marks the corners of boxes 1a, 21, 24A line 1 and 33: print it at actual size on a blank form.

    Move it with --offset-x/--offset-y (points, 72 to the inch) until the marks sit on the corners, then --save.

    Example: claimkit cms1500 calibrate --offset-x 1.5 --offset-y -2 -o test.pdf --save
    """
    from claimkit.records.practice import edit_practice
    from claimkit.forms.cms1500 import calibration_page
    from claimkit.store.home import write_output

    ws = workspace(ctx)
    saved = ws.practice.cms1500
    x = float(saved.offset_x) if offset_x is None else offset_x
    y = float(saved.offset_y) if offset_y is None else offset_y
    for flag, value in (("--offset-x", x), ("--offset-y", y)):
        if abs(value) > 72:
            raise ClaimkitError(f"{flag} {value}: offsets are points (72 = 1 inch) and must be within -72..72")
    if output is not None:
        path = _output_path(ctx, output, "Write the test page to")
        write_output(path, calibration_page((x, y)))
        say(f"Wrote the alignment test page to {path} (offsets x {x:+g} pt, y {y:+g} pt); print it at actual size on a blank form.")
    if save:
        if offset_x is None and offset_y is None:
            raise ClaimkitError("--save needs --offset-x and/or --offset-y")
        edit_practice(ws, **{"cms1500.offset_x": f"{x:g}", "cms1500.offset_y": f"{y:g}"})
        say(f"Saved offsets x {x:+g} pt, y {y:+g} pt as the practice default for --form data and --template.")
    if output is None and not save:
        say(f"Current offsets: x {float(saved.offset_x):+g} pt, y {float(saved.offset_y):+g} pt."
            " Print a test page with -o test.pdf; save new offsets with --offset-x N --offset-y N --save.")


# --- claims ------------------------------------------------------------------------------------------------

@claim_app.command("list")
def claim_list(
    ctx: typer.Context,
    client: Optional[str] = Opt(None, "--client", help="Only this client's claims.", autocompletion=complete_client),
    status: Optional[str] = Opt(None, "--status", help="Only claims with this status (billed, accepted, rejected, paid, replaced, voided, ...)."),
    json_: bool = Opt(False, "--json", help="Print the claims as JSON."),
) -> None:
    """List claims, oldest first.

    Example: claimkit claim list --client jdoe --status billed
    """
    from claimkit.claims.ledger import list_claims

    ws = workspace(ctx)
    rows = list_claims(ws, client=client, status=status)
    if json_:
        print_json([r.as_json() for r in rows])
        return
    if not rows:
        say("No claims" + (f" for {client}" if client else "") + (f" with status {status}" if status else "") + ".")
        return
    table(None, ("Claim", "Client", "Payer", "Rank", "Status", "Box 22", "Total", "Pages", "Sessions", "Created", "File"),
          [(r.id, r.client, r.payer, r.rank, r.status, "" if r.frequency == "1" else f"{r.frequency} {r.original_claim or ''}",
            dollars(r.total_charge), r.pages, ",".join(map(str, r.sessions)), r.created[:10], r.rendered_file or "")
           for r in rows], right=("Total", "Pages"))


@claim_app.command("show")
def claim_show(
    ctx: typer.Context,
    claim_id: str = Arg(..., metavar="CLAIM", help="Claim id (box 26), e.g. CK00012.", autocompletion=complete_claim),
    json_: bool = Opt(False, "--json", help="Print the claim and its snapshot as JSON."),
) -> None:
    """Show a claim as it was billed: who, what, the lines and the totals (from its frozen snapshot).

    Example: claimkit claim show CK00012
    """
    from claimkit.claims.ledger import get_claim

    ws = workspace(ctx)
    row, snap = get_claim(ws, claim_id)
    from claimkit.acks.history import timeline

    events = timeline(ws.conn, row.id)
    if json_:
        print_json({**row.as_json(), "snapshot": snap.to_data(), "history": [e.as_json() for e in events]})
        return
    say(f"[bold]Claim {row.id}[/bold] · {row.client} · {snap.billed.payer.name} ({row.payer}) · {row.rank} · {row.status}")
    say(f"Created {row.created[:10]} · {row.pages} page{'s' if row.pages != 1 else ''} · total {dollars(row.total_charge)}"
        + (f" · rendered to {row.rendered_file}" if row.rendered_file else " · not rendered"))
    if row.frequency != "1":
        kind = "replacement (7)" if row.frequency == "7" else "void (8)"
        say(f"Box 22: {kind} of {row.original_claim or '?'}, payer claim number {snap.original_ref}")
    if row.payer_claim_number:
        say(f"Payer claim number: {row.payer_claim_number}")
    say(f"Member ID {snap.billed.member_id or '-'}" + (f", group {snap.billed.group}" if snap.billed.group else "")
        + (f" · other insurance: {snap.other.payer.name} {snap.other.member_id}" if snap.other else ""))
    letters = "ABCDEFGHIJKL"
    say("Diagnoses: " + ", ".join(f"{letters[i]} {code}" for i, code in enumerate(snap.dx)))
    if snap.amount_paid:
        say(f"Box 29 amount paid: {dollars(snap.amount_paid)}")
    table(None, ("Line", "Date", "POS", "CPT", "Mod", "Dx", "Units", "Charge", "Session"),
          [(ln.line_no, ln.date_from.isoformat(), ln.pos, ln.cpt, " ".join(ln.modifiers), ln.dx_pointers, ln.units,
            dollars(ln.charge), ln.session_id or "") for ln in snap.lines], right=("Units", "Charge"))
    say("History:")
    for e in events:
        say(f"  {e.at[:10]}  {e.kind:<6} {e.status:<9} {e.detail}".rstrip(), markup=False)
        if e.status == "rejected" and e.data.get("fix"):
            say(f"{'':21}fix: {e.data['fix']}, then resend: claimkit x12 837p --claim {row.id} -o resend.837",
                markup=False)


@claim_app.command("correct")
def claim_correct(
    ctx: typer.Context,
    claim_id: str = Arg(..., metavar="CLAIM", help="The claim to correct.", autocompletion=complete_claim),
    replace: bool = Opt(False, "--replace", help="Send a replacement claim (box 22 code 7) rebuilt from today's records."),
    void: bool = Opt(False, "--void", help="Void the claim (box 22 code 8); its sessions become unbilled again."),
    payer_claim_number: Optional[str] = Opt(None, "--payer-claim-number", help="The payer's claim number (ICN/DCN) of CLAIM."),
    output: Optional[Path] = Opt(None, "-o", "--output", help="Also render the new claim to this PDF."),
    form: Optional[str] = Opt(None, "--form", help="With -o: full (default) or data."),
    template: Optional[Path] = Opt(None, "--template", help="With -o: merge onto this blank CMS-1500 PDF."),
    force: bool = Opt(False, "--force", help="With -o: render even when the checks find errors."),
    json_: bool = Opt(False, "--json", help="Print the new claim as JSON."),
) -> None:
    """Correct a claim the payer already has: a replacement (7) or a void (8) quoting the payer's claim number.

    Example: claimkit claim correct CK00012 --replace --payer-claim-number 2026112000123
    """
    from claimkit.claims.followup import correct_claim

    if replace == void:
        raise ClaimkitError("choose one of --replace or --void")
    ws = workspace(ctx)
    r = _renderer(ctx, ws, output, form, template, None, None, force) if output is not None else None
    snap = _run(lambda: correct_claim(ws, claim_id, "replace" if replace else "void", payer_claim_number, r), r)
    if r is not None:
        _report([snap], r, json_, "Rendered")
        if json_:
            return
    elif json_:
        print_json({"id": snap.claim_id, "frequency": snap.frequency, "original_ref": snap.original_ref,
                    "total_charge": f"{snap.total_charge:.2f}", "pages": len(snap.pages)})
        return
    kind = "Replacement" if replace else "Void"
    say(f"{kind} claim {snap.claim_id} created for {claim_id.upper()} (box 22: {snap.frequency}, payer claim {snap.original_ref})."
        + ("" if r is not None else f" Render it with: claimkit cms1500 render --claim {snap.claim_id} -o {snap.claim_id}.pdf"))


# --- superbill -------------------------------------------------------------------------------------------

@superbill_app.command("render")
def superbill_render(
    ctx: typer.Context,
    client: str = Arg(..., metavar="CLIENT", help="Client id.", autocompletion=complete_client),
    start: Optional[str] = Opt(None, "--from", help="Sessions on or after YYYY-MM-DD."),
    end: Optional[str] = Opt(None, "--to", help="Sessions on or before YYYY-MM-DD."),
    month: Optional[str] = Opt(None, "--month", help="One month, YYYY-MM (instead of --from/--to)."),
    output: Optional[Path] = Opt(None, "-o", "--output", help="The PDF to write."),
    json_: bool = Opt(False, "--json", help="Print the superbill's figures as JSON."),
) -> None:
    """Render a superbill: the itemised statement an out-of-network or self-pay client sends their insurer.

    Example: claimkit superbill render asmith --month 2026-11 -o asmith-nov.pdf
    """
    from claimkit.claims.superbill import build_superbill
    from claimkit.forms.superbill import render_superbill
    from claimkit.store.scratch import write_output

    if month and (start or end):
        raise ClaimkitError("use either --month or --from/--to")
    day_from, day_to = parse_month(month) if month else (parse_date(start, "--from"), parse_date(end, "--to"))
    if day_from and day_to and day_to < day_from:
        raise ClaimkitError(f"--to {day_to} is before --from {day_from}")
    ws = workspace(ctx)
    sb = build_superbill(ws, client, day_from, day_to)
    path = _output_path(ctx, output, "Write the superbill to")
    write_output(ws.home, path, render_superbill(sb))
    if json_:
        print_json({"file": str(path), "client": client, "number": sb.number, "from": sb.start, "to": sb.end,
                    "sessions": [ln.session_id for ln in sb.lines], "total_charge": sb.total_fee, "paid": sb.total_paid,
                    "balance": sb.balance, "paid_in_full": sb.paid_in_full})
        return
    say(f"Wrote superbill {sb.number} to {path}: {len(sb.lines)} session{'s' if len(sb.lines) != 1 else ''},"
        f" charges {dollars(sb.total_fee)}, paid {dollars(sb.total_paid)}, balance due {dollars(max(sb.balance, ZERO))}")
    if sb.insurance_sessions:
        ids = ", ".join(map(str, sb.insurance_sessions))
        warn(f"[yellow]note:[/yellow] session{'s' if len(sb.insurance_sessions) > 1 else ''} {ids} are set to bill insurance;"
             f" 'cms1500 render --unbilled' would claim them too. If {client} files this superbill, mark the policy"
             f" self-pay with 'claimkit client edit {client}'.")


# --- demo ----------------------------------------------------------------------------------------------

from claimkit.cli.demo import run as _demo_run, step as _demo_step  # noqa: E402


@_demo_step("Claims: CMS-1500 PDFs ('claimkit cms1500 render') and a superbill")
def _demo_render(ctx, demo) -> None:
    from claimkit.forms.cms1500 import blank_form
    from claimkit.store.home import write_output

    out = demo.home / "output"
    out.mkdir(mode=0o700, exist_ok=True)
    code = _demo_run(demo, "cms1500", "render", "--unbilled", "-o", str(out / "claims.pdf"))
    say(f"   exit code {code}: errors stop the whole batch; --hold-errors bills the clean claims and holds the rest:")
    _demo_run(demo, "cms1500", "render", "--unbilled", "--hold-errors", "-o", str(out / "claims-full.pdf"))
    _demo_run(demo, "claim", "list")
    first = _first_claim(demo)
    if first:
        _demo_run(demo, "cms1500", "render", "--claim", first, "--form", "data", "-o", str(out / "claim-data.pdf"))
        write_output(out / "blank-form.pdf", blank_form())
        _demo_run(demo, "cms1500", "render", "--claim", first, "--template", str(out / "blank-form.pdf"), "-o",
                  str(out / "claim-on-template.pdf"))
    _demo_run(demo, "superbill", "render", "morgan", "-o", str(out / "superbill-morgan.pdf"))
    say(f"   PDFs are in {out}")


def _first_claim(demo) -> str | None:
    import sqlite3

    conn = sqlite3.connect(demo.home / "ledger.db")
    try:
        row = conn.execute("SELECT id FROM claims ORDER BY created, id LIMIT 1").fetchone()
    finally:
        conn.close()
    return row[0] if row else None
