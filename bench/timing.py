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


def interleaved(pairs: list[tuple[str, list[str], list[str]]], env: dict | None = None, runs: int = 9) -> list[tuple[str, float, float]]:
    """(name, median of the work, median of its floor) for each (name, work, floor), the two run alternately so
    that a machine busy with something else slows both alike."""
    out = []
    for name, work, floor in pairs:
        for cmd in (work, floor):  # warm the caches
            subprocess.run(cmd, env=bench_env(env), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times: dict[int, list[float]] = {0: [], 1: []}
        for _ in range(runs):
            for k, cmd in enumerate((work, floor)):
                t0 = time.perf_counter()
                proc = subprocess.run(cmd, env=bench_env(env), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                times[k].append(time.perf_counter() - t0)
                if proc.returncode not in (0, 1):
                    raise SystemExit(f"{cmd} failed: {proc.stderr.decode()[-500:]}")
        out.append((name, statistics.median(times[0]), statistics.median(times[1])))
    return out
