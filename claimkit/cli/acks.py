"""x12 import, x12 unmatched, x12 setup and x12 276: what comes back from the clearinghouse, and asking about
silent claims."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from claimkit.cli.apps import x12_app
from claimkit.cli.output import complete_claim, print_json, say, table, warn, workspace
from claimkit.core.errors import ClaimkitError

Opt = typer.Option


@x12_app.command("import")
def x12_import(
    ctx: typer.Context,
    paths: List[Path] = typer.Argument(..., metavar="FILE|FOLDER...", help="Returned files, or folders of them."),
    dry_run: bool = Opt(False, "--dry-run", help="Show what each file would change; change nothing."),
    json_: bool = Opt(False, "--json", help="Print one JSON array, one object per file."),
) -> None:
    """Import every file the clearinghouse sends back: 999 and TA1 acknowledgments, 277CA claim acknowledgments,
    277 claim status answers and 835 remittances (posted exactly as 'era import' does), in any mix.

    Each file's kind is read from inside it, never from its name. A file claimkit cannot use is named and skipped,
    nothing of it applied, and the command exits 2 at the end. A file imported before changes nothing.

    Example: claimkit x12 import ~/Downloads/clearinghouse/
    """
    from claimkit.acks.inbox import files_of, import_one, importers, is_refused, ordered

    ws = workspace(ctx)
    found = files_of(list(paths))
    if not found:
        raise ClaimkitError(f"{paths[0]}: the folder holds no files")
    table_ = importers()
    results = []
    for path, detected in ordered(found):
        r = import_one(ws, path, dry_run=dry_run, table=table_, detected=detected, every_claim=json_)
        results.append((path, r))
        if not json_:
            line = f"{path.name}: {r.summary}"
            (warn if is_refused(r) else say)(line, markup=False)
            for o in getattr(r, "outcomes", [])[:50]:
                if o.event == "rejected":
                    say(f"  {o.claim} rejected: {o.detail}", markup=False)
            for n in getattr(r, "notes", [])[:5]:
                say(f"  note: {n}", markup=False)
    refused = [p for p, r in results if is_refused(r)]
    if json_:
        print_json([r.to_json() for _, r in results])
    elif len(results) > 1:
        table(None, ["File", "Kind", "Result"],
              [(p.name, getattr(r, "kind", "") or "-", "skipped" if is_refused(r) else
                ("already imported" if getattr(r, "already", "") else "dry run" if dry_run else "applied"))
               for p, r in results])
    if any(o.event == "rejected" for _, r in results for o in getattr(r, "outcomes", [])) and not json_:
        say("Rejected claims never reached the payer: fix the data, then resend each as a new original:"
            " 'claimkit todo' lists them with the fix, then 'claimkit x12 837p --claim CLAIM -o resend.837'.")
    if dry_run and not json_:
        say("Dry run: nothing was written.")
    if refused:
        names = ", ".join(p.name for p in refused[:5]) + (f" and {len(refused) - 5} more" if len(refused) > 5 else "")
        raise ClaimkitError(f"{len(refused)} file{'s' if len(refused) != 1 else ''} skipped ({names});"
                            " nothing of them was applied")


@x12_app.command("unmatched")
def x12_unmatched(ctx: typer.Context, json_: bool = Opt(False, "--json", help="Print JSON.")) -> None:
    """List acknowledgments and status answers that matched no export or claim of this practice (kept, never
    dropped): a 999 for a file claimkit did not write, a 277CA for an unknown claim.

    Example: claimkit x12 unmatched
    """
    ws = workspace(ctx)
    rows = ws.conn.execute("SELECT u.id, u.kind, u.reference, u.detail, u.created, i.filename FROM x12_unmatched u"
                           " LEFT JOIN imports i ON i.id = u.import_id WHERE u.status = 'open' ORDER BY u.id").fetchall()
    if json_:
        print_json([{"item": r[0], "kind": r[1], "reference": r[2], "detail": r[3], "received": r[4], "file": r[5]}
                    for r in rows])
        return
    if not rows:
        say("Nothing unmatched: every acknowledgment found its claim.")
        return
    table("Returned items that matched nothing", ["Item", "Kind", "Points at", "File", "What it says"],
          [(r[0], r[1].upper(), r[2], r[5] or "", r[3]) for r in rows])
    say("These are kept as they came. A 999 for a file claimkit did not write needs nothing here; a 277CA for an"
        " unknown claim: check the claim id (box 26) with 'claimkit claim list'.")


@x12_app.command("276")
def x12_276(
    ctx: typer.Context,
    claim: List[str] = Opt([], "--claim", help="Ask about these claims (repeatable).", autocompletion=complete_claim),
    silent_days: Optional[int] = Opt(None, "--silent-days", help="Ask about every claim sent this many days ago or more"
                                                                 " with no remittance yet."),
    output: Path = Opt(..., "-o", "--output", help="The .276 file to write."),
    test: bool = Opt(False, "--test", help="Mark the file as test data (ISA15 = T)."),
    json_: bool = Opt(False, "--json", help="Print what was written as JSON."),
) -> None:
    """Write a claim status request (276, 005010X212) to upload to the clearinghouse; its 277 answers come back
    through 'claimkit x12 import' into each claim's history.

    Example: claimkit x12 276 --silent-days 30 -o status-2026-12-06.276
    """
    from claimkit.acks.request276 import write_requests

    if bool(claim) == (silent_days is not None):
        raise ClaimkitError("choose the claims with --claim CLAIM (repeatable) or --silent-days N, not both")
    if silent_days is not None and not 1 <= silent_days <= 3650:
        raise ClaimkitError(f"--silent-days {silent_days}: give a number of days from 1 to 3650, e.g. 30")
    ws = workspace(ctx)
    out = output.expanduser().absolute()
    result = write_requests(ws, out, claim_ids=claim, silent_days=silent_days, test=test)
    if json_:
        print_json({"file": str(out), "control_number": result.control, "claims": result.claims})
        return
    if not result.claims:
        say(f"Nothing to ask: no claim sent {silent_days} days ago or more is waiting for a remittance.")
        return
    say(f"Wrote a status request for {len(result.claims)} claim{'s' if len(result.claims) != 1 else ''}"
        f" ({', '.join(result.claims[:10])}{' ...' if len(result.claims) > 10 else ''}) to {out}"
        f" (interchange {result.control}). Upload it; import the 277 answer with 'claimkit x12 import FILE'.")


@x12_app.command("setup")
def x12_setup(
    ctx: typer.Context,
    show: bool = Opt(False, "--show", help="Print the clearinghouse settings and change nothing."),
    submitter_id: Optional[str] = Opt(None, "--submitter-id", help="Your submitter ID from the clearinghouse."),
    submitter_name: Optional[str] = Opt(None, "--submitter-name", help="Your practice's name as they have it."),
    receiver_id: Optional[str] = Opt(None, "--receiver-id", help="Their receiver ID (companion guide)."),
    receiver_name: Optional[str] = Opt(None, "--receiver-name", help="The clearinghouse's name."),
    contact_name: Optional[str] = Opt(None, "--contact-name", help="Who they call about a file."),
    contact_phone: Optional[str] = Opt(None, "--contact-phone", help="That person's phone, 10 digits."),
    contact_email: Optional[str] = Opt(None, "--contact-email", help="An email for them (optional)."),
    usage: Optional[str] = Opt(None, "--usage", help="T while they test your setup, then P (production)."),
    isa_sender_qualifier: Optional[str] = Opt(None, "--isa-sender-qualifier", help="ISA05 (usually ZZ)."),
    isa_receiver_qualifier: Optional[str] = Opt(None, "--isa-receiver-qualifier", help="ISA07 (usually ZZ)."),
    isa_sender_id: Optional[str] = Opt(None, "--isa-sender-id", help="ISA06 when it differs from the submitter ID."),
    isa_receiver_id: Optional[str] = Opt(None, "--isa-receiver-id", help="ISA08 when it differs from the receiver ID."),
    ack_requested: Optional[str] = Opt(None, "--ack-requested", help="1 to ask for a TA1, 0 not to."),
    wait_999_days: Optional[str] = Opt(None, "--wait-999-days", help="Days after sending before 'todo' asks about a"
                                                                      " missing 999 (default 2)."),
    wait_277ca_days: Optional[str] = Opt(None, "--wait-277ca-days", help="Days after sending before 'todo' asks about a"
                                                                          " missing 277CA (default 7)."),
) -> None:
    """Set up the clearinghouse (\\[edi] in practice.toml) without a text editor: on a terminal each setting is asked
    with its current value as the default and checked as you type; every setting is also an option for scripts.

    Example: claimkit x12 setup --submitter-id CALMHARBOR01 --receiver-id OFFALLY --usage T
    """
    from claimkit.acks import setup as edi_setup
    from claimkit.cli.prompting import ask, terminal

    ws = workspace(ctx)
    current = dict(ws.practice.edi)
    if show:
        rows = edi_setup.shown(current)
        table(None, ["Setting", "Value", "What it is"], rows)
        return
    given = {k: v for k, v in {
        "submitter_id": submitter_id, "submitter_name": submitter_name, "receiver_id": receiver_id,
        "receiver_name": receiver_name, "contact_name": contact_name, "contact_phone": contact_phone,
        "contact_email": contact_email, "usage": usage, "isa_sender_qualifier": isa_sender_qualifier,
        "isa_receiver_qualifier": isa_receiver_qualifier, "isa_sender_id": isa_sender_id,
        "isa_receiver_id": isa_receiver_id, "ack_requested": ack_requested, "wait_999_days": wait_999_days,
        "wait_277ca_days": wait_277ca_days}.items() if v is not None}
    for key, value in given.items():  # a bad option: one line naming it, nothing written
        given[key] = edi_setup.check_one(key, value, flag="--" + key.replace("_", "-"))
    values = dict(current, **given)
    if terminal(ctx):
        for key in edi_setup.ASKED:
            if key not in given:
                values[key] = ask(ctx, None, key, edi_setup.prompt(key), lambda v, f, key=key: edi_setup.check_one(key, v, flag=f),
                                  default=values.get(key) or edi_setup.default(key) or None,
                                  required=edi_setup.required(key)) or ""
    written = edi_setup.save(ws, values)
    say(f"Saved the clearinghouse settings in {written} ({len([v for v in values.values() if v])} set)."
        " See them with 'claimkit x12 setup --show'.")


# --- demo ----------------------------------------------------------------------------------------------

from claimkit.cli.demo import run as _demo_run, step as _demo_step  # noqa: E402


@_demo_step("What comes back: a 999 and a 277CA rejecting one claim, the fix and the resend ('claimkit x12 import')")
def _demo_acks(ctx, demo) -> None:
    from datetime import date, timedelta

    from claimkit.acks.demo import replies

    day = (date.today() - timedelta(days=3)).isoformat()
    _demo_run(demo, "session", "add", "casey", "--date", day, "--cpt", "90837", "--minutes", "55")
    _demo_run(demo, "x12", "837p", "--client", "casey", "--test", "-o", str(demo.home / "output" / "casey.837"))
    made = replies(demo.home)
    if made is None:
        say("   no claims were sent")
        return
    folder, claim, client = made
    _demo_run(demo, "x12", "import", str(folder))
    _demo_run(demo, "claim", "show", claim)
    _demo_run(demo, "todo")
    from claimkit.acks.demo import fix_member_id

    changed = fix_member_id(demo.home, client)
    say(f"   the member ID is corrected as 'claimkit client edit {client}' would save it ({changed}); then the resend:")
    _demo_run(demo, "x12", "837p", "--claim", claim, "--test", "-o", str(demo.home / "output" / "resend.837"))
    _demo_run(demo, "claim", "show", claim)
