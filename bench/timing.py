"""Median wall time of whole processes, beside the import floor of the CLI stack."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import tempfile
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


def run_peak(cmd: list[str], env: dict | None = None) -> tuple[float, int, int, bytes]:
    """One whole process: (wall seconds, its own peak RSS in KB from os.wait4, exit code, stderr)."""
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, env=bench_env(env), stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        dt = time.perf_counter() - t0
        err.seek(0)
        return dt, usage.ru_maxrss, os.waitstatus_to_exitcode(status), err.read()


def interleaved(pairs: list[tuple[str, list[str], list[str]]], env: dict | None = None, runs: int = 9,
                peaks: dict[str, int] | None = None) -> list[tuple[str, float, float]]:
    """(name, median of the work, median of its floor) for each (name, work, floor), the two run alternately so
    that a machine busy with something else slows both alike. With ``peaks``, the largest peak RSS (KB) of each
    work's runs is stored under its name (each child's own, from os.wait4)."""
    out = []
    for name, work, floor in pairs:
        for cmd in (work, floor):  # warm the caches
            subprocess.run(cmd, env=bench_env(env), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times: dict[int, list[float]] = {0: [], 1: []}
        for _ in range(runs):
            for k, cmd in enumerate((work, floor)):
                dt, rss, code, err = run_peak(cmd, env)
                times[k].append(dt)
                if code not in (0, 1):
                    raise SystemExit(f"{cmd} failed: {err.decode()[-500:]}")
                if peaks is not None and k == 0:
                    peaks[name] = max(peaks.get(name, 0), rss)
        out.append((name, statistics.median(times[0]), statistics.median(times[1])))
    return out
