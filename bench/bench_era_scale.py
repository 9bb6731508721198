"""Issue 24 item 3: ERA import time and peak memory as the file grows (500 / 5,000 / 20,000 claims, 20 lines each).

Targets: peak RSS under 150 MB at 20,000 claims (a ~40 MB file); time per claim flat or falling with size.

Each size: a generated 835 (tests/data/x12/gen_large_835.py) and a practice holding its claims (bench_era.py's
builder, in a child process). Work: `claimkit era import --dry-run FILE` (the whole import, rolled back at the end,
so every run sees the same ledger), whole process, its own peak RSS (os.wait4). Floor, in turn with it
(bench/timing.py `interleaved`): a process that reads the same file, fingerprints it and splits it into segments
and elements (naive, no checks), so the ratio shows what claimkit adds per byte on this machine's load. With
`--before ROOT` a second code tree (e.g. `git archive main | tar -x -C /tmp/before`) runs beside it on the same files.

    python bench/bench_era_scale.py [--sizes 500,5000,20000] [--runs 3] [--before ROOT] [--keep DIR] [--real]
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from timing import interleaved, machine, run_peak  # noqa: E402

GEN = ROOT / "tests" / "data" / "x12" / "gen_large_835.py"
NAIVE = ("import hashlib, sys; d = open(sys.argv[1], 'rb').read(); hashlib.sha256(d).hexdigest();"
         " n = sum(len(s.split(b'*')) for s in d.split(b'~')); print(n)")


def prepare(work: Path, claims: int) -> tuple[Path, Path]:
    era, home = work / f"{claims}.835", work / f"home-{claims}"
    if not era.exists():
        subprocess.run([sys.executable, str(GEN), str(era), "--claims", str(claims), "--lines", "20", "--per-st", "250"],
                       check=True, capture_output=True)
    if not home.exists():
        subprocess.run([sys.executable, str(HERE / "bench_era.py"), "--build-practice", str(home), str(era)], check=True,
                       env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    return era, home


def posted(root: Path, home: Path, era: Path) -> tuple[int, int, int]:
    """One real import on a copy of the home: (peak RSS KB, postings, remit_claims), to check the work is whole."""
    copy = home.parent / f"{home.name}-real-{root.name}"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(home, copy)
    _, rss, code, err = run_peak([sys.executable, "-m", "claimkit", "--home", str(copy), "era", "import", str(era)],
                                 {"PYTHONPATH": str(root)})
    if code != 0:
        raise SystemExit(err.decode()[-500:])
    conn = sqlite3.connect(copy / "ledger.db")
    counts = [conn.execute(q).fetchone()[0] for q in ("SELECT COUNT(*) FROM postings WHERE source = 'era'",
                                                      "SELECT COUNT(*) FROM remit_claims")]
    conn.close()
    shutil.rmtree(copy)
    return rss, counts[0], counts[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="500,5000,20000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--before", type=Path, help="another code tree to time beside this one")
    ap.add_argument("--keep", type=Path, help="keep the generated files and homes here (reused when present)")
    ap.add_argument("--real", action="store_true", help="also one real import per size (committed, on a copy): its RSS and rows")
    a = ap.parse_args()
    work = a.keep or Path(tempfile.mkdtemp())
    work.mkdir(parents=True, exist_ok=True)
    roots = [("after", ROOT)] + ([("before", a.before.resolve())] if a.before else [])
    print(f"machine: {machine()}; median of {a.runs} interleaved runs")
    print(f"{'claims':>7} {'MB':>5} {'tree':6} {'import':>8} {'floor':>7} {'ratio':>6} {'ms/claim':>8} {'peak RSS':>9}"
          f" {'real import RSS':>15} {'postings':>9}")
    for claims in (int(s) for s in a.sizes.split(",")):
        era, home = prepare(work, claims)
        floor = [sys.executable, "-c", NAIVE, str(era)]
        for label, root in roots:
            peaks: dict[str, int] = {}
            cmd = [sys.executable, "-m", "claimkit", "--home", str(home), "era", "import", "--dry-run", str(era)]
            [(_, t, f)] = interleaved([(label, cmd, floor)], {"PYTHONPATH": str(root)}, runs=a.runs, peaks=peaks)
            rss, n_post, _ = posted(root, home, era) if a.real else (0, 0, 0)
            print(f"{claims:7} {era.stat().st_size / 1e6:5.1f} {label:6} {t:7.2f}s {f:6.2f}s {t / f:5.1f}x"
                  f" {t * 1000 / claims:8.3f} {peaks[label] / 1024:7.0f}MB {rss / 1024:13.0f}MB {n_post:9}", flush=True)
    if not a.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
