"""claimkit demo: a fictional practice, built fresh, walked through the whole workflow."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from claimkit.cli.apps import app
from claimkit.cli.output import say

# later steps register here: (title, function(ctx, demo) -> None)
STEPS: list = []


def run(demo, *args: str) -> int:
    """Run a claimkit command on the demo home, as the user would type it (shown first); return its exit code."""
    import shlex

    import typer as _typer

    from claimkit.cli import load

    shown = " ".join(shlex.quote(a) for a in args)
    say(f"   [dim]$ claimkit {shown}[/dim]")
    app = load(None)
    try:
        rv = app(["--home", str(demo.home), "--yes", *args], standalone_mode=False)
    except _typer.Exit as exc:
        return exc.exit_code
    except SystemExit as exc:
        return int(exc.code or 0)
    except Exception as exc:  # a ClaimkitError already printed by the group; keep the demo going
        from claimkit.core.errors import ClaimkitError

        if isinstance(exc, ClaimkitError):
            return exc.exit_code
        raise
    return rv if isinstance(rv, int) else 0


def step(title: str):
    def deco(fn):
        STEPS.append((title, fn))
        return fn

    return deco


@app.command()
def demo(ctx: typer.Context, dir_: Optional[Path] = typer.Option(None, "--dir", help="Build the demo here (new or empty folder); default a temporary folder.")) -> None:
    """Build a fictional demo practice and run the workflow on it: sessions, estimates, checks, claims, remittances, balances.

    Example: claimkit demo --dir ~/claimkit-demo
    """
    import tempfile

    from claimkit.cli.sessions import summary_line
    from claimkit.sessions.demo import build

    target = dir_.expanduser().absolute() if dir_ else Path(tempfile.mkdtemp(prefix="claimkit-demo-")) / "home"
    say(f"[bold]1. Practice home[/bold]: copying the demo practice (fictional people) into {target}")
    d = build(target)
    if d.shift.days:
        say(f"   dates moved forward {d.shift.days} days so the demo is current")
    say(f"[bold]2. Sessions[/bold]: recorded {len(d.added)} sessions with 'claimkit session add'; the first of each client:")
    seen = set()
    for a in d.added:
        if a.session.client not in seen:
            seen.add(a.session.client)
            say(f"   {summary_line(a.session, a.payer_name)}")
    say(f"   planted defects for the scrubber: {len(d.defects)}")
    for x in d.defects:
        say(f"     - session {x.session_id} ({x.client}): {x.what}")
    ctx.obj.home = str(d.home)
    for n, (title, fn) in enumerate(STEPS, start=3):
        say(f"[bold]{n}. {title}[/bold]")
        fn(ctx, d)
    say("")
    say(f"Done. Explore it yourself: export CLAIMKIT_HOME={d.home}")
    say("  claimkit session list · claimkit client show jordan · claimkit check")
