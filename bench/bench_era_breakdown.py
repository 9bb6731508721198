"""Where the time of a large ERA import goes (issue 5): each part timed on its own, in fresh processes.

    python bench/bench_era_breakdown.py [--claims 5000] [--runs 3]

Prints the median wall time (and CPU time) of:
  oxedi       oxedi.parse of the file, whole process (the budget's yardstick)
  startup     a process that imports what `era import` imports (typer, rich, the reader, posting), nothing run
  read        the 835 reader alone on the file (parse_835), in-process
  no-sql      import_era with the postings' INSERTs discarded: read + match + build rows + the per-claim SQL
  postings    the same posting rows INSERTed into a copy of the practice's ledger, alone (executemany, one
              transaction, with the postings table's indexes and foreign keys), COMMIT included
  bare        the same rows INSERTed into an in-memory table of the same columns with no index, CHECK or foreign
              key: what writing one row per money event (DESIGN.md) costs at the least, with nothing else
  import      import_era, in-process
  cli         `claimkit era import FILE`, whole process (what bench_era.py times)
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from bench_era import GEN, build_practice  # noqa: E402
from timing import bench_env, machine  # noqa: E402

# each snippet prints "wall cpu" (seconds) for the part it times; argv: root, home, era, rows file
PART = r"""
import os, pickle, resource, shutil, sqlite3, sys, time
sys.path.insert(0, sys.argv[1])
home, era, rows_file = sys.argv[2], sys.argv[3], sys.argv[4]
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
from pathlib import Path
from claimkit.remittance import post as P  # the posting rows (Batch)
from claimkit.remittance.era_import import import_era
from claimkit.store.workspace import Workspace
from claimkit.remittance.era835 import parse_835
part = os.environ["PART"]
if part == "read":
    data = Path(era).read_bytes()
    w, c = time.perf_counter(), cpu()
    parse_835(data, source="bench")
elif part in ("no-sql", "import"):
    if part == "no-sql":
        kept = []
        def flush(self):
            if rows_file and not os.path.exists(rows_file):
                kept.extend(self.rows)
            self.rows.clear()
        P.Batch.flush = flush
    ws = Workspace(Path(home))
    w, c = time.perf_counter(), cpu()
    import_era(ws, Path(era))
    if part == "no-sql" and rows_file and not os.path.exists(rows_file):
        w1, c1 = time.perf_counter(), cpu()
        with open(rows_file, "wb") as f:
            pickle.dump(kept, f)
        w, c = w + time.perf_counter() - w1, c + cpu() - c1  # not counted
elif part == "bare":
    with open(rows_file, "rb") as f:
        rows = pickle.load(f)
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("CREATE TABLE postings (id INTEGER PRIMARY KEY, date, client, session_id, claim_id, payer, kind, reason,"
                 " amount_cents, source, source_ref, import_id, note, created)")
    w, c = time.perf_counter(), cpu()
    conn.execute("BEGIN")
    for k in range(0, len(rows), P.Batch.SIZE):
        conn.executemany(P.Batch.SQL, rows[k:k + P.Batch.SIZE])
    conn.execute("COMMIT")
elif part == "postings":
    with open(rows_file, "rb") as f:
        rows = pickle.load(f)
    conn = sqlite3.connect(Path(home) / "ledger.db", isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")
    w, c = time.perf_counter(), cpu()
    conn.execute("BEGIN IMMEDIATE")
    import_id = conn.execute("INSERT INTO imports (fingerprint, kind, filename, imported) VALUES ('bench', 'era', 'b', 'now')").lastrowid
    rows = [r[:10] + (import_id,) + r[11:] for r in rows]
    for k in range(0, len(rows), P.Batch.SIZE):
        conn.executemany(P.Batch.SQL, rows[k:k + P.Batch.SIZE])
    conn.execute("COMMIT")
    conn.close()
print(f"{time.perf_counter() - w:.3f} {cpu() - c:.3f}")
"""


def run_part(part: str, home: Path, era: Path, rows: Path) -> tuple[float, float]:
    env = bench_env({"PART": part})
    proc = subprocess.run([sys.executable, "-c", PART, str(ROOT), str(home), str(era), str(rows)], env=env,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{part} failed: {proc.stderr[-600:]}")
    wall, cpu = proc.stdout.split()[-2:]
    return float(wall), float(cpu)


def whole(cmd: list[str]) -> float:
    import time

    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=bench_env({"PYTHONPATH": str(ROOT)}), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[:5]} failed: {proc.stderr.decode()[-600:]}")
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--claims", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp())
    era = work / "large.835"
    subprocess.run([sys.executable, str(GEN), str(era), "--claims", str(a.claims), "--lines", "20", "--per-st", "250"],
                   check=True, capture_output=True)
    template = work / "template-home"
    build_practice(template, era)
    rows = work / "rows.pickle"

    def fresh() -> Path:
        home = work / "home"
        shutil.rmtree(home, ignore_errors=True)
        shutil.copytree(template, home)
        return home

    results: dict[str, list[tuple[float, float]]] = {}
    for _ in range(a.runs):
        results.setdefault("oxedi", []).append(
            (whole([sys.executable, "-c", "import oxedi, sys; oxedi.parse(open(sys.argv[1], 'rb').read())", str(era)]), 0.0))
        results.setdefault("startup", []).append(
            (whole([sys.executable, "-c", "import claimkit.cli.receivables, claimkit.remittance.era_import, claimkit.remittance.era835"]), 0.0))
        results.setdefault("read", []).append(run_part("read", fresh(), era, rows))
        results.setdefault("no-sql", []).append(run_part("no-sql", fresh(), era, rows))
        results.setdefault("postings", []).append(run_part("postings", fresh(), era, rows))
        results.setdefault("bare", []).append(run_part("bare", fresh(), era, rows))
        results.setdefault("import", []).append(run_part("import", fresh(), era, rows))
        home = fresh()
        results.setdefault("cli", []).append((whole([sys.executable, "-m", "claimkit", "--home", str(home), "era", "import",
                                                     str(era)]), 0.0))
    print(f"machine: {machine()}; file {era.stat().st_size / 1e6:.1f} MB, {a.claims} claims; median of {a.runs}")
    ox = statistics.median(w for w, _ in results["oxedi"])
    for part, values in results.items():
        wall = statistics.median(w for w, _ in values)
        cpu = statistics.median(c for _, c in values)
        print(f"  {part:9} {wall:6.2f} s wall" + (f", {cpu:5.2f} s CPU" if cpu else "           ") + f"  ({wall / ox:4.1f}x oxedi)")


if __name__ == "__main__":
    main()
