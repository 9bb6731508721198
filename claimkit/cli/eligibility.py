"""eligibility request/import/unmatched and client benefits: 270 inquiries out, 271 answers in."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import List, Optional

import typer

from claimkit.cli.apps import client_app, eligibility_app
from claimkit.cli.demo import step
from claimkit.cli.output import complete_client, print_json, say, table, workspace
from claimkit.cli.prompting import ask, terminal
from claimkit.core import inputs
from claimkit.core.errors import ClaimkitError

Opt = typer.Option


@eligibility_app.command("request")
def eligibility_request(
    ctx: typer.Context,
    clients: List[str] = typer.Argument(None, metavar="[CLIENT]...", help="Clients to ask about.",
                                        autocompletion=complete_client),
    upcoming: Optional[int] = Opt(None, "--upcoming", metavar="DAYS", help="Every client with a session in the next DAYS days."),
    all_active: bool = Opt(False, "--all-active", help="Every active client with insurance."),
    output: Path = Opt(..., "-o", "--output", help="The .270 file to write (one interchange for every inquiry)."),
    service_type: List[str] = Opt([], "--service-type", help="Service type to ask (repeatable; default: practice.toml"
                                  " \\[edi] eligibility_service_types, else MH)."),
    test: bool = Opt(False, "--test", help="Mark the file as test data (ISA15 = T)."),
    json_: bool = Opt(False, "--json", help="Print what was written as JSON."),
) -> None:
    """Write one HIPAA 5010 270 eligibility inquiry file (005010X279A1) to upload to your clearinghouse.

    One inquiry per client policy and service type, for the date of the client's next session (else today); each
    carries a trace number the payer's 271 answer echoes. Every inquiry is recorded; nothing is recorded unless
    the file was written. Settings: practice.toml \\[edi] (the same as for 837P claims).

    Example: claimkit eligibility request --upcoming 7 -o eligibility-week.270
    """
    from claimkit.eligibility.request import write_request

    ws = workspace(ctx)
    result = write_request(ws, output.expanduser().absolute(), clients=list(clients or []), upcoming=upcoming,
                           all_active=all_active, types=list(service_type) or None, test=test)
    if json_:
        print_json(result.to_json())
        return
    n = len(result.planned)
    say(f"Wrote {result.path}: {n} inquir{'y' if n == 1 else 'ies'} for {len(result.clients)} client"
        f"{'' if len(result.clients) == 1 else 's'} (interchange {result.control:09d}"
        f"{', test' if result.usage == 'T' else ''}). Upload it to your clearinghouse, then import the 271 it returns:"
        f" claimkit eligibility import FILE.271")
    for s in result.skipped:
        say(f"  skipped {s}")


@eligibility_app.command("import")
def eligibility_import(
    ctx: typer.Context,
    file: Path = typer.Argument(..., metavar="FILE", help="The 271 file the clearinghouse returned."),
    dry_run: bool = Opt(False, "--dry-run", help="Read and match, change nothing."),
    json_: bool = Opt(False, "--json", help="Print the result as JSON."),
) -> None:
    """Import a 271 eligibility answer: each client's benefits are kept, dated, beside the earlier ones.

    Answers are matched to inquiries by trace number, else by member ID, name and date of birth; what matches
    nothing is listed ('claimkit eligibility unmatched'). Importing the same file again changes nothing.
    ('claimkit x12 import' takes 271 files too, beside the other files a clearinghouse returns.)

    Example: claimkit eligibility import ~/Downloads/eligibility-week.271
    """
    from claimkit.eligibility.importer import import_path

    result = import_path(workspace(ctx), file.expanduser(), dry_run=dry_run)
    if json_:
        print_json(result.to_json())
        return
    say(f"{result.file}: {result.summary}", markup=False)
    for s in result.stored:
        say(f"  {s.client} ({s.payer}, 271 of {s.as_of}): {s.line}", markup=False)
    for u in result.unmatched:
        say(f"  matched nothing: {u}", markup=False)
    for w in result.warnings:
        say(f"  warning: {w}", markup=False)


@eligibility_app.command("unmatched")
def eligibility_unmatched(ctx: typer.Context, json_: bool = Opt(False, "--json", help="Print JSON.")) -> None:
    """List the 271 answers that matched no inquiry and no client, and the payers' refusals of whole inquiries.

    Example: claimkit eligibility unmatched --json
    """
    from claimkit.eligibility.store import unmatched

    rows = unmatched(workspace(ctx).conn)
    if json_:
        print_json([dict(r) for r in rows])
        return
    table(f"Unmatched eligibility answers ({len(rows)})", ["ID", "File", "Payer", "Member", "Patient", "DOB", "Why"],
          [(r["id"], r["source_file"], r["payer_name"], r["member_id"], r["patient"], r["dob"] or "", r["reason"]) for r in rows])


def _figures_rows(prefix: str, f) -> list[tuple[str, str]]:
    from claimkit.core.money import dollars

    rows = []
    if f.copay is not None:
        rows.append((f"{prefix} copay", dollars(f.copay)))
    if f.coinsurance is not None:
        rows.append((f"{prefix} coinsurance", f"{f.coinsurance}%"))
    for label, total, left in (("deductible", f.deductible, f.deductible_left),
                               ("family deductible", f.family_deductible, f.family_deductible_left),
                               ("out-of-pocket max", f.oop_max, f.oop_left),
                               ("family out-of-pocket max", f.family_oop_max, f.family_oop_left)):
        if total is not None or left is not None:
            rows.append((f"{prefix} {label}", (dollars(total) if total is not None else "?")
                         + (f", {dollars(left)} left" if left is not None else "")))
    if f.visits is not None or f.visits_left is not None:
        rows.append((f"{prefix} visits", f"{f.visits if f.visits is not None else '?'} a year"
                     + (f", {f.visits_used} used" if f.visits_used is not None else "")
                     + (f", {f.visits_left} left" if f.visits_left is not None else "")))
    if f.auth_required is not None:
        rows.append((f"{prefix} authorization", "required" if f.auth_required else "not required"))
    return rows


def _snapshot_json(s) -> dict:
    return {"id": s.id, "payer": s.payer, "member_id": s.member_id, "rank": s.rank, "as_of": s.as_of.isoformat(),
            "source_file": s.source_file, "matched_by": s.matched_by, "imported": s.created, **s.snapshot.to_data()}


@client_app.command("benefits")
def client_benefits(
    ctx: typer.Context,
    client_id: str = typer.Argument(..., metavar="CLIENT", autocompletion=complete_client),
    apply: bool = Opt(False, "--apply", help="Write the latest 271's cost sharing into the client's policy (shown first)."),
    json_: bool = Opt(False, "--json", help="Print JSON."),
) -> None:
    """Show the client's benefits as the 271 answers said them, newest first, beside the policy file's values.

    Example: claimkit client benefits jdoe --apply
    """
    from claimkit.eligibility.benefits import describe
    from claimkit.eligibility.policy import compare
    from claimkit.eligibility.store import history

    ws = workspace(ctx)
    client = ws.client(client_id)
    snaps = history(ws.conn, client.id)
    latest: dict[str, object] = {}
    for s in snaps:
        latest.setdefault(s.payer, s)
    if json_ and not apply:
        out = {"client": client.id, "history": [_snapshot_json(s) for s in snaps], "compared": {}}
        for payer, s in latest.items():
            pol = next((p for p in client.policies if p.payer == payer), None)
            if pol is not None:
                out["compared"][payer] = [{"field": c.field, "in_file": c.in_file, "in_271": c.in_271, "same": c.same}
                                          for c in compare(pol, s)]
        print_json(out)
        return
    if not snaps:
        raise ClaimkitError(f"no 271 on file for {client.id}: write an inquiry with 'claimkit eligibility request {client.id}"
                            f" -o {client.id}.270', upload it, then 'claimkit eligibility import FILE.271'")
    if not apply:
        for payer, s in latest.items():
            rows = [("271 of", f"{s.as_of} ({s.source_file}, matched by {'trace number' if s.matched_by == 'trace' else 'member ID'})"),
                    ("Status", describe(s.snapshot).split(", ")[0])]
            snap = s.snapshot
            if snap.plan_name or snap.group_number:
                rows.append(("Plan", " ".join(x for x in (snap.plan_name, f"group {snap.group_number}" if snap.group_number else "") if x)))
            rows += _figures_rows("In network", snap.in_network) + _figures_rows("Out of network", snap.out_of_network)
            for c in snap.contacts:
                rows.append((c.kind.capitalize(), f"{c.name}" + (f" {c.phone}" if c.phone else "") + (f" (ID {c.id})" if c.id else "")))
            for code, what, todo in snap.rejections:
                rows.append(("Rejected", f"{what} (AAA {code}): {todo}"))
            table(f"{client.id}: latest 271 from {snap.payer_name or payer}", ["Benefit", "Value"], rows)
            pol = next((p for p in client.policies if p.payer == payer), None)
            changes = compare(pol, s) if pol is not None else []
            if changes:
                table(f"Policy file beside the 271 of {s.as_of}", ["Value", "In the policy file", "In the 271", ""],
                      [(c.label, c.in_file, c.in_271, "" if c.same else "differs") for c in changes])
                if any(not c.same for c in changes):
                    say(f"Write the 271's values into the policy: claimkit client benefits {client.id} --apply")
        if len(snaps) > len(latest):
            table("Earlier 271s", ["Date", "Payer", "File", "Said"],
                  [(s.as_of, s.payer, s.source_file, describe(s.snapshot)) for s in snaps if latest.get(s.payer) is not s])
        return
    from claimkit.eligibility.apply import apply_latest

    def confirm(changes) -> bool:
        table("Changes to the policy file", ["Value", "Now", "From the 271"], [(c.label, c.in_file, c.in_271) for c in changes])
        if not terminal(ctx):
            return True
        return ask(ctx, None, "--apply", "Write these into the policy?", inputs.yes_no, choices=["y", "n"], default="n")

    done = apply_latest(ws, client.id, confirm)
    if json_:
        print_json({"client": client.id, "applied": [{"payer": p, "fields": f} for p, f in done]})
        return
    if not done:
        say("Nothing written.")
    for payer, fields in done:
        say(f"Wrote {', '.join(fields)} into {client.id}'s policy with {payer} (clients/{client.id}.toml).")


# --- demo -------------------------------------------------------------------------------------------------------

@step("Eligibility: a 270 inquiry, the payer's 271 answer, and the estimate it changes ('claimkit eligibility')")
def _demo_eligibility(ctx, demo) -> None:
    from claimkit.cli.demo import run as demo_run
    from claimkit.eligibility.demo import answer_demo_inquiry
    from claimkit.store.workspace import Workspace

    out = demo.home / "output"
    out.mkdir(mode=0o700, exist_ok=True)
    inquiry = out / "eligibility-casey.270"
    demo_run(demo, "eligibility", "request", "casey", "-o", str(inquiry))
    say("   a session today, estimated from the policy file (its deductible was used up by earlier sessions):")
    demo_run(demo, "session", "add", "casey", "--date", date.today().isoformat(), "--cpt", "90834", "--minutes", "50")
    ws = Workspace(demo.home)
    try:
        answer = answer_demo_inquiry(ws, inquiry, out / "eligibility-casey.271")
    finally:
        ws.close()
    say(f"   the payer answers: {answer.name} (deductible 500.00, 120.00 left; out-of-pocket 600.00, 250.00 left)")
    demo_run(demo, "eligibility", "import", str(answer))
    demo_run(demo, "client", "benefits", "casey")
    say("   the same session's estimate now starts from what the payer says is left:")
    ws = Workspace(demo.home)
    try:
        row = ws.conn.execute("SELECT MAX(id) FROM sessions WHERE client = 'casey'").fetchone()
    finally:
        ws.close()
    demo_run(demo, "session", "show", str(row[0]))
