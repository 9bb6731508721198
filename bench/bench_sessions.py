"""Issue 2 benchmark: `session add` and `session list --client X` on a 200-client, 20,000-session practice.

Budget: each within 1.5x of `python -c "import typer, rich, pydantic"` measured in the same run.
    python bench/bench_sessions.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from large_practice import build  # noqa: E402
from timing import FLOOR, claimkit, machine, median_time  # noqa: E402


def main() -> None:
    home = Path(tempfile.mkdtemp()) / "home"
    build(home)
    env = {"CLAIMKIT_HOME": str(home), "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    floor = median_time(FLOOR)
    add = median_time(claimkit("session", "add", "c042", "--date", "2026-11-20", "--cpt", "90837", "--minutes", "55"), env)
    listing = median_time(claimkit("session", "list", "--client", "c042"), env)
    listing_json = median_time(claimkit("session", "list", "--client", "c042", "--json"), env)
    print(f"machine: {machine()}")
    print(f"import floor (typer, rich, pydantic): {floor * 1000:.0f} ms")
    for name, t in (("session add", add), ("session list --client", listing), ("session list --client --json", listing_json)):
        print(f"{name}: {t * 1000:.0f} ms = {t / floor:.2f}x floor")


if __name__ == "__main__":
    main()
