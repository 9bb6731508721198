"""Issue 18 benchmark: `claimkit check` with ICD-10-CM code sets by date of service, beside the check before them.

The practice is bench_check.py's typical one (200 clients, 2,004 unbilled sessions), its session dates moved so that
half fall on each side of 2026-10-01, built once by the baseline code and copied. The baseline (a commit before
issue 18, extracted with `git archive`) checks one copy with the shipped FY2026 set alone; this tree checks the other
copy with two sets: the shipped FY2026 and a full-size FY2027 loaded with `claimkit codes icd-import` (the shipped
98,186 rows in the order-file layout with F64.A added, F41.8 deleted, F41.9 retitled). Runs alternate baseline/new
so both see the same machine load. Target: new within 5% of the baseline.

    python bench/bench_codesets.py [--baseline f563649] [--runs 9]
"""

from __future__ import annotations

import argparse
import gzip
import io
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import bench_env, machine  # noqa: E402

SPLIT = date(2026, 10, 1)


def extract(commit: str, into: Path) -> Path:
    data = subprocess.run(["git", "-C", str(ROOT), "archive", commit], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return into


def build_home(tree: Path, home: Path) -> int:
    code = ("import sys; sys.path[:0] = [sys.argv[1] + '/bench', sys.argv[1]]; from pathlib import Path;"
            "from bench_check import build_typical; print(build_typical(Path(sys.argv[2])))")
    out = subprocess.run([sys.executable, "-c", code, str(tree), str(home)], capture_output=True, text=True, check=True,
                         env=bench_env({"PYTHONPATH": str(tree)}), cwd=tree)
    return int(out.stdout.strip().splitlines()[-1])


def straddle(home: Path) -> tuple[int, int]:
    """Move every session by the same number of days so that half are before SPLIT; (before, on or after)."""
    conn = sqlite3.connect(home / "ledger.db")
    days = sorted(date.fromisoformat(d) for d, in conn.execute("SELECT date FROM sessions"))
    shift = (days[len(days) // 2] - SPLIT).days
    conn.execute("UPDATE sessions SET date = date(date, ?)", (f"{-shift:+d} days",))
    conn.commit()
    before = conn.execute("SELECT COUNT(*) FROM sessions WHERE date < ?", (SPLIT.isoformat(),)).fetchone()[0]
    after = conn.execute("SELECT COUNT(*) FROM sessions WHERE date >= ?", (SPLIT.isoformat(),)).fetchone()[0]
    conn.close()
    return before, after


def full_fy2027(path: Path) -> None:
    """A full-size release in the order-file layout, made from the shipped FY2026 table."""
    text = gzip.decompress((ROOT / "templates" / "codes" / "icd10cm.tsv.gz").read_bytes()).decode("utf-8")
    rows = []
    for line in text.splitlines():
        code, flag, desc = line.split("\t", 2)
        if code == "F418":
            continue
        rows.append((code, flag == "1", "Anxiety disorder, unspecified type" if code == "F419" else desc))
    rows.append(("F64A", True, "Gender identity disorder, in remission"))
    rows.sort()
    body = "".join(f"{n:05d} {c:<7} {int(b)} {d[:60]:<60} {d}\r\n" for n, (c, b, d) in enumerate(rows, start=1))
    path.write_bytes(body.encode("ascii", "replace"))


def timed(cmd: list[str], env: dict) -> float:
    """Wall time of one process, run from the tree it times (`python -m` puts the working folder first on sys.path)."""
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=bench_env(env), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=env["PYTHONPATH"])
    elapsed = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{cmd} failed: {proc.stderr.decode()[-500:]}")
    return elapsed


def instructions(cmd: list[str], env: dict, out: Path) -> int:
    """Instructions executed by one process (valgrind callgrind's total Ir): a figure the machine's load cannot move."""
    log = out.with_suffix(".callgrind")
    subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={log}", *cmd], env=bench_env(env),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=env["PYTHONPATH"])
    for line in log.read_text().splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    raise SystemExit(f"no callgrind summary in {log}")


def findings(tree: Path, home: Path) -> list[str]:
    import json

    out = subprocess.run([sys.executable, "-m", "claimkit", "check", "--json"], capture_output=True, text=True,
                         env=bench_env({"PYTHONPATH": str(tree), "CLAIMKIT_HOME": str(home)}), cwd=tree)
    try:
        return sorted(f["rule"] for f in json.loads(out.stdout))
    except ValueError:
        raise SystemExit(f"check --json in {tree} gave no JSON (exit {out.returncode}): {out.stderr[-800:]}") from None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--baseline", default="f563649", help="the commit to compare with (before issue 18)")
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--instructions", action="store_true", help="also count instructions with valgrind (slow)")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp_:
        tmp = Path(tmp_)
        base_tree = extract(a.baseline, tmp / "baseline")
        base_home, new_home = tmp / "base-home", tmp / "new-home"
        n = build_home(base_tree, base_home)
        before, after = straddle(base_home)
        shutil.copytree(base_home, new_home)
        release = tmp / "icd10cm_order_2027.txt"
        full_fy2027(release)
        base_env = {"PYTHONPATH": str(base_tree), "CLAIMKIT_HOME": str(base_home)}
        new_env = {"PYTHONPATH": str(ROOT), "CLAIMKIT_HOME": str(new_home)}
        check = [sys.executable, "-m", "claimkit", "check"]
        load = timed([sys.executable, "-m", "claimkit", "codes", "icd-import", str(release)], new_env)
        for env in (base_env, new_env):  # warm: the first run validates the TOML files, migrates, fills caches
            timed(check, env)
            timed(check, env)
        base_t, new_t = [], []
        for _ in range(a.runs):
            base_t.append(timed(check, base_env))
            new_t.append(timed(check, new_env))
        b, m = statistics.median(base_t), statistics.median(new_t)
        lookup_new = [sys.executable, "-c", "import sys; from datetime import date; from pathlib import Path; "
                      "from claimkit.catalog.icd10cm import home_folder, home_sets; "
                      "home_sets(home_folder(Path(sys.argv[1]))).lookup('F41.1', date(2026, 10, 5))", str(new_home)]
        lookup_base = [sys.executable, "-c", "from claimkit import catalog; catalog.icd10('F41.1')"]
        lb = statistics.median(timed(lookup_base, base_env) for _ in range(a.runs))
        ln = statistics.median(timed(lookup_new, new_env) for _ in range(a.runs))
        bf, nf = findings(base_tree, base_home), findings(ROOT, new_home)
        print(f"machine: {machine()}")
        print(f"practice: {n:,} sessions ({before:,} before {SPLIT}, {after:,} on or after), 200 clients")
        print(f"codes icd-import of a full-size FY2027 order file (98,186 rows): {load * 1000:.0f} ms")
        print(f"baseline {a.baseline} (FY2026 only): claimkit check median {b * 1000:.0f} ms "
              f"(runs: {', '.join(f'{t * 1000:.0f}' for t in base_t)}); {len(bf)} findings, "
              f"dx-codeset-date x{bf.count('dx-codeset-date')}")
        print(f"this tree (FY2026 + FY2027 loaded): claimkit check median {m * 1000:.0f} ms "
              f"(runs: {', '.join(f'{t * 1000:.0f}' for t in new_t)}); {len(nf)} findings, "
              f"dx-codeset-date x{nf.count('dx-codeset-date')}")
        print(f"ratio new/baseline: {m / b:.3f} ({'within' if m <= b * 1.05 else 'OVER'} the 5% target)")
        print(f"one look-up as a process: baseline catalog.icd10 {lb * 1000:.0f} ms, loaded FY2027 set {ln * 1000:.0f} ms")
        if a.instructions:
            ib, inew = instructions(check, base_env, tmp / "base"), instructions(check, new_env, tmp / "new")
            print(f"instructions (valgrind): baseline check {ib / 1e6:,.0f} M, this tree {inew / 1e6:,.0f} M: "
                  f"ratio {inew / ib:.3f} ({'within' if inew <= ib * 1.05 else 'OVER'} the 5% target)")
            lkb, lkn = instructions(lookup_base, base_env, tmp / "lb"), instructions(lookup_new, new_env, tmp / "ln")
            print(f"instructions (valgrind), one look-up as a process: baseline {lkb / 1e6:,.0f} M, loaded set {lkn / 1e6:,.0f} M")


if __name__ == "__main__":
    main()
