"""The README's commands work as a newcomer runs them: the installed `claimkit` script, as a subprocess."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def claimkit_cmd() -> list[str]:
    script = Path(sys.executable).parent / "claimkit"
    if script.exists():
        return [str(script)]
    found = shutil.which("claimkit")
    return [found] if found else [sys.executable, "-m", "claimkit"]


def run(args, home: Path, **kw):
    env = {**os.environ, "CLAIMKIT_HOME": str(home)}
    env.pop("CI", None)
    return subprocess.run([*claimkit_cmd(), *args], capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=300, **kw)


def test_readme_opens_with_the_two_commands():
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```\n(.*?)\n```", text, re.S)
    assert "pip install ." in blocks[0] and blocks[0].strip().endswith("claimkit demo")
    assert "pip install -q '.[test]'" in blocks[1] and "pytest" in blocks[1]
    ci = (ROOT / ".ci" / "run").read_text()
    assert blocks[1].strip() in ci


def test_demo_runs_as_a_subprocess(tmp_path):
    target = tmp_path / "demo"
    result = run(["demo", "--dir", str(target)], tmp_path / "unused")
    assert result.returncode == 0, result.stderr
    assert "recorded 46 sessions" in result.stdout
    assert "planted defects for the scrubber: 6" in result.stdout
    assert stat.S_IMODE(target.stat().st_mode) == 0o700
    listed = run(["session", "list", "--client", "jordan", "--json"], target)
    assert listed.returncode == 0, listed.stderr
    assert '"patient_estimate": "150.00"' in listed.stdout


def test_demo_refuses_non_empty_dir(tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    result = run(["demo", "--dir", str(tmp_path / "full")], tmp_path / "unused")
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: {tmp_path / 'full'} is not empty; give --dir a new or empty folder"


def test_module_entry_and_version(tmp_path):
    from claimkit import __version__

    result = subprocess.run([sys.executable, "-m", "claimkit", "--version"], capture_output=True, text=True)
    assert result.stdout.strip() == f"claimkit {__version__}"


def test_no_traceback_without_debug_and_traceback_with_it(tmp_path):
    home = tmp_path / "h"
    bad = run(["client", "list"], home)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.count("\n") == 1
    dbg = run(["--debug", "client", "list"], home)
    assert dbg.returncode != 0 and "Traceback" in dbg.stderr


def test_no_tty_prompt_fails_cleanly(tmp_path):
    home = tmp_path / "h"
    result = run(["init"], home)
    assert result.returncode == 2
    assert result.stderr.strip() == "error: --practice-name is required; give it on the command line"
    assert not home.exists()
