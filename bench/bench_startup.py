"""`claimkit --version` and `claimkit --help` beside the imports they cannot avoid (issue 24 item 5).

Targets: --version within 1.5x of `python -c "import typer"`, --help within 1.5x of `python -c "import typer, rich"`.
Work and floor run alternately (bench/timing.py `interleaved`).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import claimkit, interleaved, machine  # noqa: E402


def main() -> None:
    env = {"PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    rows = interleaved([
        ("claimkit --version", claimkit("--version"), [sys.executable, "-c", "import typer"]),
        ("claimkit --help", claimkit("--help"), [sys.executable, "-c", "import typer, rich"]),
        # what typer's rich help drawing imports on top (rich.markdown, markdown_it): any typer --help pays it
        ("claimkit --help (2)", claimkit("--help"), [sys.executable, "-c", "import typer, rich, typer.rich_utils"]),
    ], env)
    print(machine())
    for name, work, floor in rows:
        print(f"{name:22} {work * 1000:7.0f} ms   floor {floor * 1000:7.0f} ms   {work / floor:4.2f}x")


if __name__ == "__main__":
    main()
