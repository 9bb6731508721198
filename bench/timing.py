"""Median wall time of whole processes, beside the import floor of the CLI stack."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import date

FLOOR = [sys.executable, "-c", "import typer, rich, pydantic"]


def bench_env(extra: dict | None = None) -> dict:
    """The environment of an installed claimkit: bytecode caching on (pip compiles on install), so a run does
    not pay for recompiling every module; some sandboxes set PYTHONDONTWRITEBYTECODE=1."""
    env = {**os.environ, **(extra or {})}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def median_time(cmd: list[str], env: dict | None = None, runs: int = 7, setup=None) -> float:
    subprocess.run(cmd, env=bench_env(env), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # warm the caches
    times = []
    for _ in range(runs):
        if setup:
            setup()
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, env=bench_env(env), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        times.append(time.perf_counter() - t0)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{cmd} failed: {proc.stderr.decode()[-500:]}")
    return statistics.median(times)


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()} ({date.today()})"


def claimkit(*args: str) -> list[str]:
    return [sys.executable, "-m", "claimkit", *args]
