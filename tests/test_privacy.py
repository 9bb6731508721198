"""Client details never leak into error messages the user did not type, and every file claimkit writes is private."""

from __future__ import annotations

import os
import stat


SECRET = ("Zyxwvutski", "1977-07-07", "MEMB98765")
CLIENT = (f"client add pz --first Quintessa --last {SECRET[0]} --dob {SECRET[1]} --sex F --dx F41.1 --payer acme"
          f" --member-id {SECRET[2]} --copay 25 --address '1 Test St' --city Austin --state TX --zip 78701")


def _no_secrets(text: str) -> None:
    for s in SECRET:
        assert s not in text, f"{s!r} leaked in: {text!r}"


def test_errors_do_not_echo_client_details(practice, home, tmp_path):
    practice.ok(CLIENT)
    practice.ok("session add pz --date 2026-10-01 --cpt 90837 --minutes 55")
    failures = [
        "session add pz --date 2026-10-01 --cpt 9999",
        "session void 1 --reason ''",
        f"cms1500 render --client pz -o {tmp_path / 'missing' / 'x.pdf'}",
        "cms1500 render --claim NOPE -o x.pdf",
        "eob add CK99999 --allowed 1 --paid 1",
        "era match 7 CK00001",
        "payment add pz -- -5",
    ]
    for args in failures:
        result = practice(args)
        assert result.exit_code != 0, args
        _no_secrets(result.stderr)
    # a damaged client file is reported by file, line and key, without the values around it
    path = home / "clients" / "pz.toml"
    path.write_text(path.read_text().replace(f'dob = {SECRET[1]}', 'dob = "1977-07-77"'))
    for args in ("client show pz", "session list --client pz", "check"):
        result = practice(args)
        _no_secrets(result.stderr)
        _no_secrets(result.stdout if args == "check" else "")


def test_files_written_are_private_whatever_the_umask(practice, home, tmp_path):
    old = os.umask(0o000)
    try:
        practice.ok(CLIENT)
        practice.ok("session add pz --date 2026-10-01 --cpt 90837 --minutes 55")
        practice.ok(f"cms1500 render --unbilled --force -o {tmp_path / 'c.pdf'}")
        practice.ok("client add sp --first Selfie --last Payer --dob 1980-01-01 --sex M --self-pay --address '2 Test St'"
                    " --city Austin --state TX --zip 78701")
        practice.ok("session add sp --date 2026-10-01 --cpt 90837 --minutes 55 --paid 180")
        practice.ok(f"superbill render sp -o {tmp_path / 's.pdf'}")
        practice.ok(f"backup --no-encrypt -o {tmp_path / 'b.tar.gz'}")
    finally:
        os.umask(old)
    for p in [home, *home.rglob("*")]:
        mode = stat.S_IMODE(p.stat().st_mode)
        assert mode & 0o077 == 0, f"{p} is {oct(mode)}"
    for name in ("c.pdf", "s.pdf", "b.tar.gz"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600, name


def test_mode_option_for_outputs(practice, home, tmp_path):
    from claimkit.store.home import FILE_MODE, OUTPUT

    practice.ok(CLIENT)
    practice.ok("session add pz --date 2026-10-01 --cpt 90837 --minutes 55")
    try:
        practice.ok(f"--mode 640 cms1500 render --unbilled --force -o {tmp_path / 'shared.pdf'}")
        assert stat.S_IMODE((tmp_path / "shared.pdf").stat().st_mode) == 0o640
    finally:
        OUTPUT["mode"] = FILE_MODE  # CliRunner shares the process
    for bad, msg in (("999", "is not an octal file mode"), ("755", "read/write bits only"), ("044", "read/write bits only")):
        assert msg in practice.fails(f"--mode {bad} cms1500 calibrate -o {tmp_path / 'x.pdf'}")
    assert not (tmp_path / "x.pdf").exists()
    for p in home.rglob("*"):  # the home itself stays private whatever --mode says
        assert stat.S_IMODE(p.stat().st_mode) & 0o077 == 0
