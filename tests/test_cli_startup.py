"""The top-level `--help` and `--version` answer without loading the command modules, and say what the full app says."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import sys
sys.argv = ['claimkit', *{args!r}]
from claimkit.cli import main
try:
    main()
except SystemExit:
    pass
loaded = sorted(m for m in sys.modules if m.startswith('claimkit.cli.') and m.rsplit('.', 1)[1] not in
                ('toplevel', 'apps', 'errors', 'root', 'output'))
print('LOADED', loaded, 'typer' in sys.modules)
"""


def probe(*args: str) -> tuple[str, str]:
    out = subprocess.run([sys.executable, "-c", PROBE.format(args=list(args))], capture_output=True, text=True,
                         cwd=ROOT, env={"PYTHONPATH": str(ROOT), "COLUMNS": "100", "PATH": "/usr/bin:/bin"}, timeout=120)
    assert out.returncode == 0, out.stderr
    text, _, tail = out.stdout.rpartition("LOADED ")
    return text, tail.strip()


def full_help(*args: str) -> str:
    code = (f"import sys; sys.argv = ['claimkit', *{list(args)!r}]\nfrom claimkit.cli import load\n"
            "try:\n    load(None)(prog_name='claimkit')\nexcept SystemExit:\n    pass\n")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120,
                          env={"PYTHONPATH": str(ROOT), "COLUMNS": "100", "PATH": "/usr/bin:/bin"}).stdout


def test_version_answers_before_typer_is_imported():
    text, tail = probe("--version")
    assert text == "claimkit 0.1.0\n"
    assert tail == "[] False"


def test_top_level_help_loads_no_command_module_and_is_the_full_apps_help():
    for args in (("--help",), ("-h",), (), ("--home", "/tmp/x", "--help"), ("--mode", "644", "--help")):
        text, tail = probe(*args)
        assert tail == "[] True", args
        assert text == full_help(*args), args
        assert "import    " in text and "Switch in from another tool" in text


def test_a_command_word_after_a_valued_root_option_is_still_found():
    from claimkit.cli.toplevel import command_word

    assert command_word(["--mode", "644", "cms1500", "render"]) == "cms1500"
    assert command_word(["--home", "x", "--debug", "check"]) == "check"
    assert command_word(["--home", "x", "--help"]) is None


def test_the_listing_file_is_what_the_commands_say():
    """templates/cli/commands.toml is generated from the commands; after adding one run tools/gen_cli_help.py."""
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import gen_cli_help
    finally:
        sys.path.pop(0)
    shipped = (ROOT / "templates" / "cli" / "commands.toml").read_text()
    assert shipped == gen_cli_help.render(gen_cli_help.listing()), "run: python tools/gen_cli_help.py"
