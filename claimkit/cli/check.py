"""`claimkit check` (the claim scrubber) and `claimkit cms1500 fields` / `explain BOX` (field-level help)."""

from __future__ import annotations

import sys
from typing import List, Optional

import typer

from claimkit.cli.apps import app, cms1500_app
from claimkit.cli.output import complete_claim, complete_client, complete_session, console, print_json, say, state, table, workspace
from claimkit.core.errors import ClaimkitError

Opt = typer.Option


def _group(subject: str) -> tuple[str, str]:
    """'client jdoe / session 12' -> ('client jdoe', 'session 12'); a claim keeps its claim in the group."""
    parts = subject.split(" / ")
    n = 2 if len(parts) > 1 and parts[1].startswith("claim ") else 1
    return " / ".join(parts[:n]), " / ".join(parts[n:])


def print_findings(findings) -> None:
    """One table per client (or claim): errors first. Rich on a terminal, plain aligned columns when piped."""
    groups: dict[str, list] = {}
    for f in findings:
        groups.setdefault(_group(f.subject)[0] or "practice", []).append(f)
    for name, items in groups.items():
        items.sort(key=lambda f: not f.is_error)
        table(name, ["Severity", "Box", "Where", "Problem", "Fix"],
              [(f.severity, f.box or "-", _group(f.subject)[1] or "-", f.message, f.fix) for f in items])


def _say(text: str, markup: str | None = None) -> None:
    """A line of output: rich (with `markup`) on a terminal, plain text when piped (no rich import)."""
    if sys.stdout.isatty():
        say(markup or text)
    else:
        sys.stdout.write(text + "\n")


@app.command("check")
def check(
    ctx: typer.Context,
    client: Optional[str] = typer.Argument(None, metavar="[CLIENT]", help="Only this client (its record and unbilled sessions).",
                                           autocompletion=complete_client),
    session: List[int] = Opt([], "--session", help="Check this session (repeatable).", autocompletion=complete_session),
    claim: List[str] = Opt([], "--claim", help="Check this built claim (repeatable).", autocompletion=complete_claim),
    all_: bool = Opt(False, "--all", help="Also billed sessions, discharged clients and built claims."),
    strict: bool = Opt(False, "--strict", help="Exit 1 on warnings too."),
    json_: bool = Opt(False, "--json", help="Print the findings as JSON."),
) -> None:
    """Check the practice setup and everything unbilled before claims go out.

    Each finding names the CMS-1500 box it concerns (see 'claimkit cms1500 explain BOX'). Exit 0 when there are no
    errors (warnings allowed unless --strict), 1 when there are, 2 on bad usage.

    Example: claimkit check jdoe --strict
    """
    from claimkit.checks import run_checks

    ws = workspace(ctx)
    if client is not None and (session or claim):
        raise ClaimkitError("give either CLIENT or --session/--claim, not both")
    findings = run_checks(ws, client=client, session_ids=session, claim_ids=claim, all=all_)
    errors = sum(1 for f in findings if f.is_error)
    warnings = len(findings) - errors
    if json_:
        print_json([{k: f.as_dict()[k] for k in ("rule", "severity", "box", "subject", "message", "fix")} for f in findings])
    elif not findings:
        _say("No problems found.", "[green]No problems found.[/green]")
    else:
        print_findings(findings)
        first = next((f for f in findings if f.is_error and f.box), None) or next((f for f in findings if f.box), None)
        _say(f"{errors} error(s), {warnings} warning(s)."
             + (f" What goes in a box: claimkit cms1500 explain {first.box}" if first else ""))
    if errors or (strict and warnings):
        raise typer.Exit(1)


# --- field-level help -----------------------------------------------------------------------------------------

@cms1500_app.command("fields")
def fields(json_: bool = Opt(False, "--json", help="Print JSON.")) -> None:
    """List every CMS-1500 box: id, title, whether a therapy claim needs it.

    Example: claimkit cms1500 fields
    """
    from claimkit import catalog

    boxes = catalog.boxes()
    if json_:
        print_json([{"box": b.id, "title": b.title, "requirement": b.requirement, "size": b.size} for b in boxes])
        return
    table(f"CMS-1500 boxes ({len(boxes)})", ["Box", "Title", "Needed", "Size"],
          [(b.id, b.title, b.requirement.replace("_", " "), b.size) for b in boxes], right=["Size"])
    say("Help on one box: claimkit cms1500 explain 24J")


def _practice_or_problem(ctx: typer.Context):
    """(practice, None) or (None, why not) for the 'this practice prints' part."""
    from claimkit.store.files import ProblemError
    from claimkit.store.workspace import Workspace

    try:
        ws = Workspace.open(state(ctx).home)
    except ClaimkitError as exc:
        return None, None, str(exc)
    try:
        return ws.practice, ws.payers, None
    except ProblemError as exc:
        return None, None, str(exc)
    finally:
        ws.close()


@cms1500_app.command("explain")
def explain(ctx: typer.Context, box_id: str = typer.Argument(..., metavar="BOX", help="Box id: 1a, 21, 24J, 33b, carrier ..."),
            json_: bool = Opt(False, "--json", help="Print JSON.")) -> None:
    """Explain one CMS-1500 box: what goes there, what this practice prints there, and which checks look at it.

    Example: claimkit cms1500 explain 24J
    """
    from claimkit import catalog
    from claimkit.checks import rules_for_box
    from claimkit.checks.explain import practice_prints

    box = catalog.box(box_id)
    if box is None:
        raise ClaimkitError(f"no box '{box_id}' on the CMS-1500; see 'claimkit cms1500 fields' for the list (e.g. 24J, 33b, 21)")
    practice, payers, problem = _practice_or_problem(ctx)
    prints = practice_prints(box.id, practice, payers or {}) if practice is not None else None
    rules = rules_for_box(box.id)
    if json_:
        print_json({"box": box.id, "title": box.title, "requirement": box.requirement, "format": box.format, "size": box.size,
                    "enter": box.enter, "example": box.example, "mistakes": list(box.mistakes),
                    "qualifiers": [{"code": q.code, "label": q.label} for q in box.qualifiers], "x12": box.x12,
                    "set_with": box.set_with,
                    "this_practice": prints if prints is not None else (problem or ""),
                    "checks": [{"rule": r.id, "severity": r.severity, "summary": r.summary} for r in rules]})
        return
    from rich.markup import escape  # the texts name TOML tables ("[provider] npi"): print them, not read as markup

    out = console()
    out.print(f"[bold]Box {box.id}[/bold]: {box.title}")
    out.print(f"Needed: {box.requirement.replace('_', ' ')}   Format: {box.format}   Size: {box.size}")
    out.print("")
    out.print(box.enter)
    if box.example:
        out.print(f"Example: {box.example}")
    if box.qualifiers:
        out.print("Codes: " + "; ".join(f"{q.code} = {q.label}" for q in box.qualifiers))
    for m in box.mistakes:
        out.print(f"  - common mistake: {m}")
    if box.x12:
        out.print(f"Electronic claim (837P): {box.x12}")
    out.print("")
    if box.set_with:
        out.print(f"[bold]Set it with:[/bold] {escape(box.set_with)}")
    if prints is not None:
        out.print(f"[bold]This practice prints:[/bold] {escape(prints)}")
    elif problem:
        out.print(f"[bold]This practice prints:[/bold] (cannot tell: {escape(problem)})")
    if rules:
        out.print("[bold]Checked by:[/bold]")
        for r in rules:
            out.print(f"  {r.id} ({r.severity}): {r.summary}")
    else:
        out.print("[bold]Checked by:[/bold] no claimkit check looks at this box.")


# --- demo ----------------------------------------------------------------------------------------------

from claimkit.cli.demo import run as _demo_run, step as _demo_step  # noqa: E402


@_demo_step("Check before anything goes out ('claimkit check')")
def _demo_check(ctx, demo) -> None:
    code = _demo_run(demo, "check")
    say(f"   exit code {code}: the scrubber found the planted defects above (and nothing was sent).")


@_demo_step("Fix what can be fixed: void the duplicate, re-enter the mis-coded sessions")
def _demo_fix(ctx, demo) -> None:
    import shlex

    for x in demo.defects:
        if not x.fix:
            continue
        _demo_run(demo, "session", "void", str(x.session_id), "--reason", f"demo fix: {x.what}")
        if x.fix != "void":
            _demo_run(demo, "session", "add", x.client, "--date", x.day.isoformat(), *shlex.split(x.fix))
    held = sorted({x.client for x in demo.defects if not x.fix})
    say(f"   left as they are: {', '.join(held)} (past the filing limit, over the authorization, or only a warning)")
