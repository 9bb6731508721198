"""Issue 7 benchmark: export 1,000 claims as one 837P file, as a whole process, beside the import floor and the
time to write the file's bytes. Budget: median under 2x the floor plus the write time.
    python bench/bench_837.py
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from timing import FLOOR, claimkit, machine, median_time  # noqa: E402

EDI = ('\n[edi]\nsubmitter_name = "Bench"\nsubmitter_id = "BENCH1"\ncontact_name = "Bench Marker"\ncontact_phone = "5125550100"\n'
       'receiver_name = "Bench Clearinghouse"\nreceiver_id = "BENCHCH"\n')


def main() -> None:
    from claimkit.cli import load
    from typer.testing import CliRunner

    from large_practice import build

    home = Path(tempfile.mkdtemp()) / "home"
    build(home, clients=1000, sessions=1000, unbilled=1000)  # one session each: 1,000 claims
    with open(home / "practice.toml", "a") as fh:
        fh.write(EDI)
    runner = CliRunner()
    out = home.parent / "build.pdf"
    r = runner.invoke(load(None), ["--home", str(home), "cms1500", "render", "--unbilled", "--force", "-o", str(out)])
    assert r.exit_code == 0, r.output
    ids = [row[0] for row in sqlite3.connect(home / "ledger.db").execute("SELECT id FROM claims ORDER BY id")]
    args = [a for cid in ids for a in ("--claim", cid)]
    target = home.parent / "bench.837"
    env = {"PYTHONPATH": str(HERE.parent)}
    floor = median_time(FLOOR)
    t = median_time(claimkit("--home", str(home), "x12", "837p", *args, "--force", "-o", str(target)), env, runs=5)
    data = target.read_bytes()
    t0 = time.perf_counter()
    for _ in range(20):
        (home.parent / "copy.837").write_bytes(data)
    write = (time.perf_counter() - t0) / 20
    print(f"machine: {machine()}")
    print(f"1,000 claims, {len(data):,} bytes")
    print(f"import floor: {floor * 1000:.0f} ms; writing the bytes: {write * 1000:.1f} ms")
    print(f"claimkit x12 837p (whole process, incl. checks): {t * 1000:.0f} ms = {t / (2 * floor + write):.2f}x the budget"
          f" (2 x floor + write = {(2 * floor + write) * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
