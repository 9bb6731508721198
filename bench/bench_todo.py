"""Issue 24 item 4: `claimkit todo` on the large practice beside start-up, as interleaved pairs.

Target: `todo` within 2x of start-up. Start-up is measured two ways, each run in turn with the work
(bench/timing.py `interleaved`): the import floor the other benchmarks use (`import typer, rich, pydantic`), and
`claimkit session list --client c000` (a command that starts claimkit, opens the home and reads a little).

The ledger: bench/bench_reports.py's (bench/large_practice.py's 200 clients and 20,000 sessions over ten years, one
claim per client and month, remittances for the claims older than 45 days, every 40th claim denied whole, 100,000
postings), with the statistics claimkit itself leaves (no ANALYZE of the bench's own). With `--before ROOT` another
code tree (e.g. `git archive main | tar -x -C /tmp/before`) runs its `todo` beside the same floors.

    python bench/bench_todo.py [--runs 7] [--keep DIR] [--before ROOT]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from timing import FLOOR, claimkit, interleaved, machine  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--keep", type=Path, help="build the ledger in this folder, or reuse it when it is there")
    ap.add_argument("--before", type=Path, help="another code tree whose todo runs beside the same floors")
    a = ap.parse_args()
    scratch = None if a.keep else Path(tempfile.mkdtemp(prefix="claimkit-bench-"))
    home = a.keep or scratch / "home"
    env = {"CLAIMKIT_HOME": str(home), "PYTHONPATH": str(ROOT)}
    if not (home / "ledger.db").exists():
        from bench_reports import add_remittances, as_a_user_has_it
        from large_practice import build

        build(home, 200, 20000, unbilled=200)
        add_remittances(home, date.today())
        as_a_user_has_it(home, env)
    pairs = [("todo / import floor", claimkit("todo"), FLOOR),
             ("todo / session list --client", claimkit("todo"), claimkit("session", "list", "--client", "c000"))]
    if a.before:
        before = [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(a.before.resolve())!r}); sys.argv = ['claimkit', 'todo'];"
                  " from claimkit.cli import main; main()"]
        pairs.insert(0, ("todo before / import floor", before, FLOOR))
    print(f"machine: {machine()}; {a.runs} interleaved pairs each, medians")
    for name, work, floor in interleaved(pairs, env, runs=a.runs):
        print(f"{name:32} {work * 1000:7.0f} ms   floor {floor * 1000:7.0f} ms   {work / floor:4.2f}x")
    if scratch is not None:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
