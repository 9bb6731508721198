"""Issue 19 benchmark: `x12 import` of a 277CA acknowledging 5,000 claims and of a 999 for a 5,000-claim file, as
whole processes, beside the same-work floor measured in the same run. Target: within 1.5x of the floor.

    python bench/bench_acks.py

The practice: 5,000 clients with one unbilled session each, exported as one 837P (5,000 claims in one ST). The
replies are written the way a clearinghouse writes them (tests/ack_writers.py). Each run imports into a fresh copy
of the ledger (a second import of the same file would only say 'already imported').

Floor, one whole process: `import typer, rich, pydantic` (the CLI's start-up), tokenizing the same file with the
shared segment reader (claimkit.x12.segments), and inserting the same number of claim_events rows in one
transaction into the same ledger.
"""

from __future__ import annotations

import shutil
import sqlite3
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "tests"))

from timing import claimkit, machine, median_time  # noqa: E402

N = 5000
EDI = ('\n[edi]\nsubmitter_name = "Bench Counseling"\nsubmitter_id = "BENCH1"\ncontact_name = "Bench Marker"\n'
       'contact_phone = "5125550100"\nreceiver_name = "Bench Clearinghouse"\nreceiver_id = "BENCHCH"\n')
MINUTES = {"90832": 30, "90834": 45, "90837": 55}
FLOOR_SCRIPT = """
import sqlite3, sys
import typer, rich, pydantic
from claimkit.x12.segments import SegmentReader
data = open(sys.argv[1], 'rb').read()
n = sum(1 for _ in SegmentReader(data))
conn = sqlite3.connect(sys.argv[2], isolation_level=None)
conn.execute('PRAGMA journal_mode = WAL'); conn.execute('PRAGMA synchronous = NORMAL')
ids = [r[0] for r in conn.execute('SELECT id FROM claims')]
conn.execute('BEGIN IMMEDIATE')
conn.executemany("INSERT INTO claim_events (claim_id, at, kind, status, source, detail, file, control, data, created)"
                 " VALUES (?, '2026-12-02', '277ca', 'accepted', 'AY', 'accepted into adjudication', 'r.277ca',"
                 " '000000700', '{}', '2026-12-02T10:00:00+00:00')", [(i,) for i in ids])
conn.execute('COMMIT')
"""


def build_home(root: Path) -> tuple[Path, list[tuple]]:
    from large_practice import build

    from claimkit.cli import load
    from typer.testing import CliRunner

    home = root / "home"
    build(home, clients=N, sessions=N, unbilled=N)
    with open(home / "practice.toml", "a") as fh:
        fh.write(EDI)
    conn = sqlite3.connect(home / "ledger.db")
    with conn:
        start = date.today() - timedelta(days=60)
        for sid, cpt in conn.execute("SELECT id, cpt FROM sessions").fetchall():
            conn.execute("UPDATE sessions SET minutes = ?, date = ? WHERE id = ?",
                         (MINUTES[cpt], (start + timedelta(days=sid % 50)).isoformat(), sid))
    conn.close()
    r = CliRunner().invoke(load(None), ["--home", str(home), "x12", "837p", "--unbilled", "--force", "-o",
                                        str(root / "all.837")])
    assert r.exit_code == 0, r.output[-2000:]
    conn = sqlite3.connect(home / "ledger.db")
    claims = conn.execute("SELECT c.id, c.total_cents, json_extract(c.snapshot, '$.billed.member_id'), MIN(l.date)"
                          " FROM claims c JOIN claim_lines l ON l.claim_id = c.id GROUP BY c.id ORDER BY c.id").fetchall()
    conn.close()
    assert len(claims) == N, len(claims)
    return home, claims


def main() -> None:
    from ack_writers import write_277ca, write_999

    import os

    again = os.environ.get("BENCH_ACKS_ROOT")  # a root an earlier run built: time again without rebuilding
    root = Path(again) if again else Path(tempfile.mkdtemp())
    home = root / "home"
    pristine = root / "ledger-sent.db"
    if again:
        conn = sqlite3.connect(pristine)
        claims = conn.execute("SELECT c.id, c.total_cents, json_extract(c.snapshot, '$.billed.member_id'), MIN(l.date)"
                              " FROM claims c JOIN claim_lines l ON l.claim_id = c.id GROUP BY c.id ORDER BY c.id").fetchall()
        conn.close()
    else:
        home, claims = build_home(root)
        shutil.copy(home / "ledger.db", pristine)
    gs06 = sqlite3.connect(pristine).execute("SELECT gs06 FROM x12_exports").fetchone()[0]
    f277 = root / "r.277ca"
    f277.write_text(write_277ca([(cid, "A2:20", f"{cents / 100:.2f}", member, date.fromisoformat(day))
                                 for cid, cents, member, day in claims]))
    f999 = root / "r.999"
    f999.write_text(write_999(gs06, [("0001", "A", [])]))

    def restore() -> None:
        for suffix in ("-wal", "-shm"):
            (home / f"ledger.db{suffix}").unlink(missing_ok=True)
        shutil.copy(pristine, home / "ledger.db")

    env = {"PYTHONPATH": str(HERE.parent)}
    floor_cmd = lambda f: [sys.executable, "-c", FLOOR_SCRIPT, str(f), str(home / "ledger.db")]  # noqa: E731
    rows = []
    for label, f in (("277CA acknowledging 5,000 claims", f277), ("999 for the 5,000-claim file", f999)):
        t = median_time(claimkit("--home", str(home), "x12", "import", str(f)), env, runs=5, setup=restore)
        floor = median_time(floor_cmd(f), env, runs=5, setup=restore)
        rows.append((label, f.stat().st_size, t, floor))
    restore()
    print(f"machine: {machine()}; built in {root}")
    for label, size, t, floor in rows:
        print(f"x12 import, {label} ({size:,} bytes): {t * 1000:.0f} ms; floor {floor * 1000:.0f} ms ="
              f" {t / floor:.2f}x (target 1.5x)")


if __name__ == "__main__":
    main()
