"""Issue 20 benchmark: `eligibility request --all-active` for 200 clients, and the import of a 271 answering all
200, as whole processes, each beside the same-work floor measured in the same run, alternately.

Floor (bench/eligibility_floor.py): start-up of the CLI stack (typer, rich), then the same work with nothing of
claimkit's: write the same 270 text / read and tokenize the same 271 (claimkit's tokenizer, shared by every reader),
and write the same rows (200 inquiries / 200 benefits snapshots and the import's fingerprint) in one transaction.
Target: within 1.5x of the floor.

    python bench/bench_eligibility.py [--clients 200] [--runs 7]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from timing import bench_env, claimkit, machine  # noqa: E402

EDI = """
[edi]
submitter_name = "Benchmark Counseling"
submitter_id = "BENCH01"
contact_name = "Bench Marker"
contact_phone = "5125550100"
receiver_name = "Bench Clearinghouse"
receiver_id = "BENCHCH"
"""


def prepare(base: Path, clients: int) -> tuple[Path, Path, Path]:
    """A practice of `clients` clients, one 270 written for all of them, and a 271 answering every inquiry."""
    from large_practice import build

    from claimkit.eligibility.request import provider
    from claimkit.eligibility.x12_271 import Reply, answers_for_270, eb, write_271

    home = base / "home"
    ws = build(home, clients=clients, sessions=clients * 10)
    with open(home / "practice.toml", "a") as fh:
        fh.write(EDI)
    ws.close()
    first = base / "first.270"
    subprocess.run(claimkit("--home", str(home), "eligibility", "request", "--all-active", "-o", str(first)), check=True,
                   env=bench_env({"PYTHONPATH": str(ROOT)}), stdout=subprocess.DEVNULL)
    from claimkit.store.workspace import Workspace

    ws = Workspace(home)
    lines = (eb("1", "IND", "30", plan="BENCH PPO"), eb("A", "IND", "MH", percent="0.2", network="Y"),
             eb("C", "IND", "MH", period="23", amount="500", network="Y"),
             eb("C", "IND", "MH", period="29", amount="125", network="Y"),
             eb("G", "IND", "MH", period="23", amount="3000", network="Y"),
             eb("G", "IND", "MH", period="29", amount="2200", network="Y"))
    replies = [Reply(inq, lines) for inq in answers_for_270(first.read_bytes())]
    answer = base / "answer.271"
    answer.write_text(write_271(replies, provider(ws), when=datetime.now()))
    ws.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    ws.close()
    pristine = base / "pristine.db"
    shutil.copy(home / "ledger.db", pristine)
    return home, answer, pristine


def restore(home: Path, pristine: Path) -> None:
    for suffix in ("-wal", "-shm"):
        (home / f"ledger.db{suffix}").unlink(missing_ok=True)
    shutil.copy(pristine, home / "ledger.db")


def alternate(work: list[str], floor: list[str], runs: int, setup, env: dict) -> tuple[float, float]:
    times: dict[int, list[float]] = {0: [], 1: []}
    for cmd in (work, floor):  # warm the caches
        setup()
        subprocess.run(cmd, env=bench_env(env), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(runs):
        for k, cmd in enumerate((work, floor)):
            setup()
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, env=bench_env(env), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            times[k].append(time.perf_counter() - t0)
            if proc.returncode != 0:
                raise SystemExit(f"{cmd[:6]} failed: {proc.stderr.decode()[-500:]}")
    return statistics.median(times[0]), statistics.median(times[1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--runs", type=int, default=7)
    a = ap.parse_args()
    env = {"PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        home, answer, pristine = prepare(base, a.clients)
        out = base / "out.270"
        floor = [sys.executable, str(HERE / "eligibility_floor.py")]
        rows = [
            ("eligibility request --all-active", claimkit("--home", str(home), "eligibility", "request", "--all-active", "-o", str(out)),
             [*floor, "request", str(base / "first.270"), str(base / "floor.270"), str(home / "ledger.db"), str(a.clients)]),
            (f"eligibility import (271, {a.clients} answers)", claimkit("--home", str(home), "eligibility", "import", str(answer)),
             [*floor, "import", str(answer), "", str(home / "ledger.db"), str(a.clients)]),
        ]
        print(machine())
        for name, work, fl in rows:
            w, f = alternate(work, fl, a.runs, lambda: restore(home, pristine), env)
            print(f"{name:42} {w * 1000:7.0f} ms   floor {f * 1000:7.0f} ms   {w / f:4.2f}x")


if __name__ == "__main__":
    main()
