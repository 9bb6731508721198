"""Benchmark: render 1,000 CMS-1500 claims (full form) into one PDF, against a bare reportlab floor.

Each side runs as a whole process (interpreter start-up, imports, reading its input, drawing, writing the PDF):

- claimkit: `claimkit.forms.cms1500.render_claims` over 1,000 claim snapshots read from JSON (the form
  drawn once as a reusable form object, each page its data);
- floor:    a bare reportlab script that draws the same strings at the same places, in the same font, onto one
  reused form object holding the same red lines and captions, with nothing else.

Budget (issue 4): claimkit within 1.5x of the floor, and under 5 KB per additional page.
`--cli` also times the whole command `claimkit cms1500 render --unbilled` over a practice home of N clients with
one session each (ledger, checks and all), for information.

    python bench/bench_render.py [--claims 1000] [--runs 3] [--cli]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

CLAIMKIT_SIDE = r"""
import json, sys
from claimkit.core.entries import ClaimSnapshot
from claimkit.forms.cms1500 import render_claims
snaps = [ClaimSnapshot.from_data(d) for d in json.load(open(sys.argv[1]))]
open(sys.argv[2], "wb").write(render_claims(snaps, "full"))
"""

FLOOR_SIDE = r"""
import json, sys
from reportlab.pdfgen.canvas import Canvas
data = json.load(open(sys.argv[1]))
c = Canvas(sys.argv[2], pagesize=(612, 792), invariant=1, pageCompression=1)
c.beginForm("f", 0, 0, 612, 792)
c.setStrokeColorRGB(0.86, 0.16, 0.18)
c.setFillColorRGB(0.86, 0.16, 0.18)
for x1, y1, x2, y2 in data["lines"]:
    c.line(x1, y1, x2, y2)
for x, y, s in data["captions"]:
    c.setFont("Helvetica", 5.5)
    c.drawString(x, y, s)
c.endForm()
for page in data["pages"]:
    c.doForm("f")
    t = c.beginText()
    t.setFont("Courier", 10)
    t.setCharSpace(1.2)
    for x, y, s in page:
        t.setTextOrigin(x, y)
        t.textOut(s)
    c.drawText(t)
    c.showPage()
c.save()
"""


def snapshots(n: int, home: Path):
    """n one-page claims, each a different client, built by claimkit from a real practice home."""
    from claim_fixtures import add_sessions, make_home

    from claimkit.claims.build import build_claims
    from claimkit.sessions.sessions import list_sessions

    ws = make_home(home)
    add_sessions(ws, "testy", 1)
    add_sessions(ws, "vic", 1, pos="10")
    base = build_claims(ws, list_sessions(ws, unbilled=True))
    out = []
    for i in range(n):
        snap = base[i % len(base)]
        patient = snap.patient.replace(**{"last": f"TESTCASE{i:04d}"})
        out.append(snap.replace(**{"claim_id": f"CK{i + 1:05d}", "patient": patient}))
    return out


def floor_input(snaps) -> dict:
    """The strings claimkit prints, where it prints them, and the form's lines and captions."""
    import tomllib

    from claimkit.forms.cms1500_fields import layout, page_fields
    from claimkit.core.resources import template

    lay = layout()
    pages = []
    for snap in snaps:
        for index in range(len(snap.pages)):
            page = []
            for key, value in page_fields(snap, index).items():
                s = lay.spots[key]
                value = value[: s.width]
                x = s.x + (s.width - len(value)) * lay.pitch if s.right else s.x
                page.append([x, s.y, value])
            pages.append(page)
    form = tomllib.loads(template("cms1500", "form.toml").read_text("utf-8"))
    lines = [[x1 * 72, 792 - y1 * 72, x2 * 72, 792 - y2 * 72] for x1, y1, x2, y2 in form["thin"] + form["thick"] + form["dotted"]]
    captions = [[t["x"] * 72, 792 - t["y"] * 72, t["text"]] for t in form["text"]]
    return {"pages": pages, "lines": lines, "captions": captions}


def timed(args: list[str], env: dict | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(args, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--claims", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--cli", action="store_true", help="also time 'claimkit cms1500 render --unbilled' end to end")
    opts = ap.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        snaps = snapshots(opts.claims, tmp / "home")
        (tmp / "snaps.json").write_text(json.dumps([s.to_data() for s in snaps]))
        (tmp / "one.json").write_text(json.dumps([snaps[0].to_data()]))
        (tmp / "floor.json").write_text(json.dumps(floor_input(snaps)))
        (tmp / "ck.py").write_text(CLAIMKIT_SIDE)
        (tmp / "floor.py").write_text(FLOOR_SIDE)
        py = sys.executable
        ours, floor = [], []
        for _ in range(opts.runs):  # interleaved, so both sides see the same machine load
            ours.append(timed([py, str(tmp / "ck.py"), str(tmp / "snaps.json"), str(tmp / "ours.pdf")], env))
            floor.append(timed([py, str(tmp / "floor.py"), str(tmp / "floor.json"), str(tmp / "floor.pdf")], env))
        subprocess.run([py, str(tmp / "ck.py"), str(tmp / "one.json"), str(tmp / "one.pdf")], check=True, env=env)
        size_all = (tmp / "ours.pdf").stat().st_size
        size_one = (tmp / "one.pdf").stat().st_size
        pages = sum(len(s.pages) for s in snaps)
        per_page = (size_all - size_one) / (pages - 1)
        ratio = statistics.median(ours) / statistics.median(floor)
        print(f"claims: {len(snaps)}   pages: {pages}   python {sys.version.split()[0]}")
        print(f"claimkit render (whole process): median {statistics.median(ours):.2f} s  runs {', '.join(f'{t:.2f}' for t in ours)}")
        print(f"bare reportlab floor (whole process): median {statistics.median(floor):.2f} s  runs {', '.join(f'{t:.2f}' for t in floor)}")
        print(f"ratio: {ratio:.2f}x (budget 1.50x)")
        print(f"PDF: {size_all:,} bytes for {pages} pages; one claim {size_one:,} bytes; {per_page:,.0f} bytes per additional page (budget 5,120)")
        if opts.cli:
            cli_home = tmp / "cli-home"
            _cli_home(cli_home, opts.claims)
            t = timed([py, "-m", "claimkit", "cms1500", "render", "--unbilled", "-o", str(tmp / "cli.pdf")],
                      {**env, "CLAIMKIT_HOME": str(cli_home)})
            print(f"claimkit cms1500 render --unbilled, {opts.claims} clients (ledger, checks, record): {t:.2f} s")
        ok = ratio <= 1.5 and per_page < 5120
        print("within budget" if ok else "OVER BUDGET")
        sys.exit(0 if ok else 1)


def _cli_home(home: Path, n: int) -> None:
    from claim_fixtures import add_sessions, make_home

    from claimkit.core.records import Client
    from claimkit.store.files import save_client

    ws = make_home(home)
    base = ws.client("testy")
    for i in range(n - 1):
        save_client(home, base.replace(id=f"c{i:04d}", last=f"Testcase{i:04d}"))
    ws.forget()
    for cid in ["testy", *(f"c{i:04d}" for i in range(n - 1))]:
        add_sessions(ws, cid, 1)
    assert isinstance(ws.client("testy"), Client)


if __name__ == "__main__":
    main()
