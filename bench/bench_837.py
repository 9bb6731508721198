"""Issue 7 benchmark: export 1,000 claims as one 837P file, as a whole process, beside the import floor and the
time to write the file. Budget: median under 2x the floor plus the time to write the file.

    python bench/bench_837.py

A practice of 1,000 clients with one recent unbilled session each (minutes that fit the CPT, inside the filing
limit, so the check rules find nothing to print). Timed, each as a whole process (`python -m claimkit ...`):
  * `x12 837p --claim ...` x 1,000: existing claims resent (read the snapshots, check, write, record);
  * `x12 837p --unbilled`: the same sessions built into 1,000 new claims, checked, written and recorded
    (the ledger is restored before each run).
  * the same resend in a typical spread: 50 clients, 20 weekly claims each (per-client costs amortised).
Also shown: the writer alone in-process (snapshots -> text) and writing the bytes to disk, which together are
"the time to write the file"; `x12 validate` on the result (our checks, then pyx12) for information.
"""

from __future__ import annotations

import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from timing import FLOOR, claimkit, machine, median_time  # noqa: E402

EDI = ('\n[edi]\nsubmitter_name = "Bench Counseling"\nsubmitter_id = "BENCH1"\ncontact_name = "Bench Marker"\n'
       'contact_phone = "5125550100"\nreceiver_name = "Bench Clearinghouse"\nreceiver_id = "BENCHCH"\n')
MINUTES = {"90832": 30, "90834": 45, "90837": 55}


def build_home(root: Path) -> Path:
    from large_practice import build

    home = root / "home"
    build(home, clients=1000, sessions=1000, unbilled=1000)  # one session each: 1,000 one-line claims
    with open(home / "practice.toml", "a") as fh:
        fh.write(EDI)
    conn = sqlite3.connect(home / "ledger.db")
    with conn:
        start = date.today() - timedelta(days=60)
        for sid, cpt in conn.execute("SELECT id, cpt FROM sessions").fetchall():
            conn.execute("UPDATE sessions SET minutes = ?, date = ? WHERE id = ?",
                         (MINUTES[cpt], (start + timedelta(days=sid % 50)).isoformat(), sid))
        conn.execute("UPDATE postings SET date = (SELECT date FROM sessions s WHERE s.id = postings.session_id)")
    conn.close()
    return home


def build_spread_home(root: Path) -> tuple[Path, list[str]]:
    """A typical spread: 50 clients, one session a week for 20 weeks, billed weekly: 1,000 claims."""
    from large_practice import build

    from claimkit.claims import build as claims_build
    from claimkit.store.workspace import Workspace

    home = root / "spread"
    build(home, clients=50, sessions=1000, unbilled=1000)
    with open(home / "practice.toml", "a") as fh:
        fh.write(EDI)
    start = date.today() - timedelta(days=7 * 20 + 3)
    conn = sqlite3.connect(home / "ledger.db")
    with conn:
        for sid, cpt in conn.execute("SELECT id, cpt FROM sessions").fetchall():
            week = (sid - 1) // 50
            conn.execute("UPDATE sessions SET minutes = ?, date = ? WHERE id = ?",
                         (MINUTES[cpt], (start + timedelta(days=7 * week)).isoformat(), sid))
        conn.execute("UPDATE postings SET date = (SELECT date FROM sessions s WHERE s.id = postings.session_id)")
    conn.close()
    ws = Workspace(home)
    for week in range(20):
        day = start + timedelta(days=7 * week)
        claims_build.create_claims(ws, claims_build.select_sessions(ws, start=day, end=day, all_unbilled=True), None)
    ids = [row[0] for row in ws.conn.execute("SELECT id FROM claims ORDER BY id")]
    assert len(ids) == 1000, len(ids)
    return home, ids


def main() -> None:
    from claimkit.cli import load
    from typer.testing import CliRunner

    root = Path(tempfile.mkdtemp())
    home = build_home(root)
    fresh = root / "ledger-unbilled.db"
    shutil.copy(home / "ledger.db", fresh)
    env = {"PYTHONPATH": str(HERE.parent)}

    # --unbilled: build, check, write and record 1,000 new claims (ledger restored before each run)
    target = root / "new.837"
    restore = lambda: shutil.copy(fresh, home / "ledger.db")  # noqa: E731
    restore()
    t_unbilled = median_time(claimkit("--home", str(home), "x12", "837p", "--unbilled", "-o", str(target)), env, runs=5,
                             setup=restore)
    restore()
    r = CliRunner().invoke(load(None), ["--home", str(home), "x12", "837p", "--unbilled", "-o", str(target)])
    assert r.exit_code == 0, r.output
    ids = [row[0] for row in sqlite3.connect(home / "ledger.db").execute("SELECT id FROM claims ORDER BY id")]
    assert len(ids) == 1000, len(ids)

    # --claim x 1,000: resend existing claims
    resend = root / "resend.837"
    args = [a for cid in ids for a in ("--claim", cid)]
    t_claim = median_time(claimkit("--home", str(home), "x12", "837p", *args, "-o", str(resend)), env, runs=5)
    spread, spread_ids = build_spread_home(root)
    t_spread = median_time(claimkit("--home", str(spread), "x12", "837p", *[a for cid in spread_ids for a in ("--claim", cid)],
                                    "-o", str(root / "spread.837")), env, runs=5)
    floor = median_time(FLOOR)

    # the time to write the file: the writer alone (in-process) and the bytes to disk
    from claimkit.claims.export_837p import envelope, load_claims
    from claimkit.store.workspace import Workspace
    from claimkit.claims.x12_837p import write_837p

    ws = Workspace(home)
    snaps = load_claims(ws, ids)
    env_ = envelope(ws, 1, False)
    write_837p(snaps, env_)
    t0 = time.perf_counter()
    for _ in range(10):
        text = write_837p(snaps, env_)
    t_writer = (time.perf_counter() - t0) / 10
    data = text.encode()
    t0 = time.perf_counter()
    for _ in range(20):
        (root / "copy.837").write_bytes(data)
    t_bytes = (time.perf_counter() - t0) / 20
    t_validate = median_time(claimkit("x12", "validate", str(resend)), env, runs=3)
    from claimkit.claims.validate_837p import validate_file

    report = validate_file(resend)
    budget = 2 * floor + t_writer + t_bytes
    print(f"machine: {machine()}")
    print(f"1,000 one-line claims, 1,000 clients; file {len(data):,} bytes; pyx12 errors: {len(report.errors)}")
    print(f"import floor (python -c 'import typer, rich, pydantic'): {floor * 1000:.0f} ms")
    print(f"time to write the file: writer {t_writer * 1000:.1f} ms + bytes to disk {t_bytes * 1000:.1f} ms")
    print(f"budget = 2 x floor + write = {budget * 1000:.0f} ms")
    for label, t in (("x12 837p --claim x1,000 (resend; 1,000 clients)", t_claim),
                     ("x12 837p --unbilled (1,000 new claims; 1,000 clients)", t_unbilled),
                     ("x12 837p --claim x1,000 (resend; 50 clients x 20 weekly claims)", t_spread)):
        print(f"{label}: {t * 1000:.0f} ms = {t / budget:.2f}x the budget ({t / floor:.2f}x the floor)")
    print(f"x12 validate (our checks + pyx12, for information): {t_validate * 1000:.0f} ms")


if __name__ == "__main__":
    main()
