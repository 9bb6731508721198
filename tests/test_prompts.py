"""On a terminal a missing value is asked for (with choices/default shown); shell completion offers ids."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLIENT = "client add jdoe --first Testy --last McTestface --dob 1990-04-12 --sex F --dx F41.1 --payer acme --member-id TST1 --copay 25"


def _read_until(fd: int, needle: str, timeout: float = 20.0) -> str:
    buf = b""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            buf += chunk
            if needle.encode() in buf:
                return buf.decode(errors="replace")
    raise AssertionError(f"did not see {needle!r}; got {buf.decode(errors='replace')!r}")


def run_in_terminal(args: list[str], home: Path, answers: list[tuple[str, str]]) -> tuple[int, str]:
    master, slave = pty.openpty()
    env = {**os.environ, "CLAIMKIT_HOME": str(home), "PYTHONPATH": str(ROOT), "TERM": "dumb", "COLUMNS": "120"}
    env.pop("CI", None)
    proc = subprocess.Popen([sys.executable, "-m", "claimkit", *args], stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    seen = ""
    try:
        for prompt, answer in answers:
            seen += _read_until(master, prompt)
            os.write(master, (answer + "\n").encode())
        proc.wait(timeout=30)
        try:
            while True:
                r, _, _ = select.select([master], [], [], 0.2)
                if not r:
                    break
                chunk = os.read(master, 4096)
                if not chunk:
                    break
                seen += chunk.decode(errors="replace")
        except OSError:
            pass
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
    return proc.returncode, seen


def test_client_add_prompts_for_missing_values(practice, home):
    code, out = run_in_terminal(["client", "add", "kid"], home, [
        ("First name", "Promptly"), ("Last name", "Asked"), ("Date of birth", "2001-02-03"), ("Sex [M/F/X]", "X")])
    assert code == 0, out
    assert "Added client kid: Promptly Asked, self-pay" in out
    text = (home / "clients" / "kid.toml").read_text()
    assert 'first = "Promptly"' in text and "dob = 2001-02-03" in text and 'sex = "X"' in text


def test_session_add_prompt_shows_default_date(practice, home):
    practice.ok(CLIENT)
    code, out = run_in_terminal(["session", "add", "jdoe"], home, [("Date of service", ""), ("CPT code", "90837")])
    assert code == 0, out
    import datetime

    assert f"({datetime.date.today().isoformat()})" in out  # the default is shown
    assert "90837 · fee $180.00" in out


def test_a_missing_argument_is_asked_with_the_ids_as_choices(practice, home):
    practice.ok(CLIENT)
    practice.ok("client add jsmith --first Testa --last Smithee --dob 1991-01-01 --sex M --self-pay")
    code, out = run_in_terminal(["session", "add", "--date", "2026-10-01", "--cpt", "90834", "--minutes", "45"], home,
                                [("Client id [jdoe/jsmith]", "jdoe")])
    assert code == 0, out
    assert "Session 1 · jdoe · 2026-10-01 · 90834" in out


def test_a_missing_required_option_is_asked(practice, home, tmp_path):
    out_file = tmp_path / "claims.837"
    # a client the export can send (it stops on what `check` calls an error, such as a missing address)
    practice.ok(CLIENT + " --address '1 Test Way' --city Austin --state TX --zip 78701")
    with open(home / "practice.toml", "a") as fh:
        fh.write('\n[edi]\nsubmitter_name = "Testwell"\nsubmitter_id = "TW1"\ncontact_name = "Testy"\n'
                 'contact_phone = "5125550100"\nreceiver_name = "Test CH"\nreceiver_id = "TESTCH"\n')
    practice.ok(f"session add jdoe --date {(__import__('datetime').date.today()).isoformat()} --cpt 90837 --minutes 55")
    code, out = run_in_terminal(["x12", "837p", "--unbilled"], home, [("The .837 file to write", str(out_file))])
    assert code == 0, out
    assert out_file.read_bytes().startswith(b"ISA*") and "Wrote 1 claim" in out


def test_yes_on_a_terminal_fails_instead_of_asking(practice, home):
    code, out = run_in_terminal(["--yes", "session", "add", "--date", "2026-10-01", "--cpt", "90834"], home, [])
    assert code == 2 and "error: Missing argument 'CLIENT'." in out and "Client id" not in out


def test_a_missing_argument_without_a_terminal_is_one_line(practice):
    assert practice.fails("session add --date 2026-10-01 --cpt 90834").startswith("error: Missing argument 'CLIENT'.")
    assert practice.fails("--yes x12 837p --unbilled").startswith("error: Missing option '-o' / '--output'.")


def test_yes_never_prompts(practice, home):
    line = practice.fails("--yes client add kid --first A")
    assert line == "error: --last is required; give it on the command line"


def _complete(home: Path, words: str) -> list[str]:
    env = {**os.environ, "CLAIMKIT_HOME": str(home), "PYTHONPATH": str(ROOT), "_CLAIMKIT_COMPLETE": "complete_bash",
           "COMP_WORDS": words, "COMP_CWORD": str(len(words.split(" ")) - 1)}
    out = subprocess.run([sys.executable, "-c", "import sys; sys.argv[0] = 'claimkit'; from claimkit.cli import main; main()"],
                         env=env, capture_output=True, text=True, timeout=60)
    return out.stdout.split()


def test_shell_completion_offers_ids(practice, home):
    practice.ok(CLIENT)
    practice.ok("client add jsmith --first Testa --last Smithee --dob 1991-01-01 --sex M --self-pay")
    practice.ok("session add jdoe --date 2026-10-01 --cpt 90837")
    assert _complete(home, "claimkit session add j") == ["jdoe", "jsmith"]
    assert _complete(home, "claimkit payer show a") == ["acme"]
    assert _complete(home, "claimkit session void ") == ["1"]
