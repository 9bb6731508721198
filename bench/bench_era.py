"""Issue 5 benchmark: import a generated 10 MB ERA (5,000 claims) into a practice holding those claims, as a whole
process (parse, match, post), beside oxedi parsing the same file and pyx12 on the 500-claim file.

Budget: claimkit end-to-end within 3x of oxedi's parse alone; peak memory under 200 MB.
    python bench/bench_era.py [--claims 5000]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from timing import bench_env, machine  # noqa: E402

GEN = ROOT / "tests" / "data" / "x12" / "gen_large_835.py"


def build_practice(home: Path, era: Path) -> None:
    """Claims CK0000001.. with the lines the generated ERA pays (bulk SQL: the same rows claimkit writes)."""
    from claimkit.records import practice as P
    from claimkit.store.ledger import now_iso
    from claimkit.remittance.era835 import parse_835

    P.init_home(home, {"practice_name": "Bench Counseling", "npi": "1234567893", "tax_id": "991234567"})
    parsed = parse_835(era.read_bytes())
    conn = sqlite3.connect(home / "ledger.db")
    now = now_iso()
    seen = set()
    with conn:
        conn.execute("INSERT INTO counters (name, value) VALUES ('claim', 1)")
        for clp in parsed.claims:
            if clp.account in seen:
                continue
            seen.add(clp.account)
            lines = []
            for n, ln in enumerate(clp.service_lines, start=1):
                cur = conn.execute(
                    "INSERT INTO sessions (client, date, cpt, pos, fee_cents, payer, status, created) VALUES (?,?,?,?,?,?,?,?)",
                    ("c1", ln.service_date.isoformat(), ln.code, "11", abs(int(ln.charge * 100)), "synth", "billed", now))
                sid = cur.lastrowid
                conn.execute("INSERT INTO postings (date, client, session_id, payer, kind, amount_cents, source, created)"
                             " VALUES (?,?,?,?,?,?,?,?)", (ln.service_date.isoformat(), "c1", sid, "synth", "charge",
                                                          abs(int(ln.charge * 100)), "session", now))
                lines.append({"line_no": n, "session_id": sid, "date_from": ln.service_date.isoformat(), "cpt": ln.code,
                              "modifiers": [], "charge": str(abs(ln.charge)), "line_control": f"{clp.account}L{n}"})
            snap = json.dumps({"billed": {"member_id": clp.patient.id if clp.patient else ""}, "lines": lines})
            conn.execute("INSERT INTO claims (id, client, payer, status, total_cents, snapshot, created) VALUES (?,?,?,?,?,?,?)",
                         (clp.account, "c1", "synth", "billed", abs(int(clp.charge * 100)), snap, now))
            conn.executemany("INSERT INTO claim_lines (claim_id, line_no, session_id, date, cpt, charge_cents) VALUES (?,?,?,?,?,?)",
                             [(clp.account, ln["line_no"], ln["session_id"], ln["date_from"], ln["cpt"], int(float(ln["charge"]) * 100))
                              for ln in lines])
    conn.close()


def timed(cmd: list[str], env: dict | None = None) -> tuple[float, int]:
    """Wall time and this child's own peak RSS (KB), from os.wait4: RUSAGE_CHILDREN would report the largest
    child so far (e.g. the generator)."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, env=bench_env(env), stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        dt = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            raise SystemExit(f"{cmd[:4]} failed: {err.read().decode()[-400:]}")
    return dt, usage.ru_maxrss


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--claims", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--build-practice", nargs=2, metavar=("HOME", "ERA"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.build_practice:
        build_practice(Path(a.build_practice[0]), Path(a.build_practice[1]))
        return
    work = Path(tempfile.mkdtemp())
    era = work / "large.835"
    # 20 lines a claim gives the ~10 MB file of the issue (5,000 claims, ~96,000 service lines)
    subprocess.run([sys.executable, str(GEN), str(era), "--claims", str(a.claims), "--lines", "20", "--per-st", "250"], check=True)
    template = work / "template-home"
    # in a child process: a forked child starts with this process's resident memory, which would show in its peak
    subprocess.run([sys.executable, __file__, "--build-practice", str(template), str(era)], check=True)
    env = {"PYTHONPATH": str(ROOT)}
    runs, peak = [], 0
    for i in range(a.runs):
        home = work / f"home{i}"
        shutil.copytree(template, home)
        dt, rss = timed([sys.executable, "-m", "claimkit", "--home", str(home), "era", "import", str(era)], env)
        runs.append(dt)
        peak = max(peak, rss)
        conn = sqlite3.connect(home / "ledger.db")
        posted = conn.execute("SELECT COUNT(*) FROM postings WHERE source = 'era'").fetchone()[0]
        unmatched = conn.execute("SELECT COUNT(*) FROM suspense").fetchone()[0]
    ck = statistics.median(runs)
    print(f"machine: {machine()}")
    print(f"file: {era.stat().st_size / 1e6:.1f} MB, {a.claims} claims; postings {posted}, unmatched {unmatched}")
    print(f"claimkit era import (parse + match + post, whole process): {ck:.2f} s median of {a.runs}; peak RSS {peak / 1024:.0f} MB")
    try:
        import oxedi  # noqa: F401

        ox = statistics.median(timed([sys.executable, "-c", "import oxedi, sys; oxedi.parse(open(sys.argv[1], 'rb').read())",
                                      str(era)])[0] for _ in range(a.runs))
        print(f"oxedi parse alone (whole process): {ox:.2f} s; claimkit = {ck / ox:.2f}x (budget 3x)")
    except ImportError:
        print("oxedi not installed: pip install oxedi to compare")
    small = work / "500.835"
    subprocess.run([sys.executable, str(GEN), str(small), "--claims", "500", "--lines", "6", "--per-st", "250"], check=True)
    try:
        import pyx12  # noqa: F401

        code = ("import sys, io; import pyx12.x12n_document, pyx12.params;"
                "pyx12.x12n_document.x12n_document(param=pyx12.params.params(), src_file=sys.argv[1], fd_997=None,"
                " fd_html=None, fd_json=io.StringIO())")
        px = timed([sys.executable, "-c", code, str(small)])[0]
        print(f"pyx12 on the 500-claim file: {px:.2f} s")
    except ImportError:
        print("pyx12 not installed")


if __name__ == "__main__":
    main()
