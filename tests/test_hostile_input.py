"""Hostile and broken home files: each gets one clear line and exit 2, memory stays bounded, nothing changes."""

from __future__ import annotations

import resource
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ledger_rows, snapshot_files

CORPUS = Path(__file__).parent / "data" / "hostile" / "toml"
CLIENT = "client add jdoe --first Testy --last McTestface --dob 1990-04-12 --sex F --dx F41.1 --payer acme --member-id TST1 --copay 25"
TARGET = {"client": "clients/jdoe.toml", "payers": "payers.toml", "practice": "practice.toml"}
COMMAND = {"client": "client show jdoe", "payers": "payer list", "practice": "fee list"}


def _cases():
    return sorted(p.name for p in CORPUS.glob("*.toml"))


@pytest.mark.parametrize("name", _cases())
def test_corpus_file_is_refused_clearly(practice, home, name):
    practice.ok(CLIENT)
    practice.ok("session add jdoe --date 2026-10-01 --cpt 90837")
    raw = (CORPUS / name).read_bytes()
    expect = raw.split(b"\n", 1)[0].decode("utf-8-sig").removeprefix("# expect: ")
    kind = name.split("-", 1)[0]
    (home / TARGET[kind]).write_bytes(raw)
    if expect.startswith("accepted"):  # read as it is (practice-bom.toml: issue 16.17)
        assert practice.ok(COMMAND[kind]).stderr == ""
        practice.ok("session add jdoe --date 2026-10-08 --cpt 90837 --fee 180")
        return
    before_files, before_rows = snapshot_files(home), ledger_rows(home)
    line = practice.fails(COMMAND[kind])
    assert line.startswith(f"error: {TARGET[kind]}"), line
    assert expect in line, line
    # a write command is refused too, and changes nothing
    practice.fails("session add jdoe --date 2026-10-08 --cpt 90837")
    assert snapshot_files(home) == before_files
    assert ledger_rows(home) == before_rows


def test_ten_megabyte_string_is_refused_with_bounded_memory(practice, home):
    practice.ok(CLIENT)
    (home / "clients" / "jdoe.toml").write_text('id = "jdoe"\nfirst = "' + "A" * 10_000_000 + '"\n')
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    line = practice.fails("client show jdoe")
    assert line == "error: clients/jdoe.toml: file is 10,000,023 bytes, more than a claimkit file can be; restore it from a backup"
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 100


def test_deep_nesting_is_refused(practice, home):
    practice.ok(CLIENT)
    (home / "clients" / "jdoe.toml").write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    line = practice.fails("client show jdoe")
    assert line.startswith("error: clients/jdoe.toml")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.binary(max_size=400) | st.text(alphabet=string.printable + "é\u0000[]=\"'", max_size=400))
def test_fuzz_client_file_never_crashes(practice_once, data):
    from claimkit.core.errors import ClaimkitError
    from claimkit.store import files

    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    try:
        files.parse_client(raw, "clients/jdoe.toml", "jdoe")
    except ClaimkitError as exc:
        assert "\n" not in exc.message and exc.message.startswith("clients/jdoe.toml")


@settings(max_examples=100, deadline=None)
@given(text=st.from_regex(r'\[payer\.[a-z]{1,4}\]\n(name|type|timely_filing_days|rates) = ("[^"\n]{0,8}"|-?\d{1,25}|\[\]|\{\})\n', fullmatch=True))
def test_fuzz_payers_values_never_crash(text, tmp_path_factory):
    from claimkit.core.errors import ClaimkitError
    from claimkit.store import files

    home = tmp_path_factory.mktemp("fz")
    (home / "payers.toml").write_text(text)
    try:
        files.load_payers(home)
    except ClaimkitError as exc:
        assert exc.message.startswith("payers.toml")


@pytest.fixture(scope="module")
def practice_once():
    return None


def _pdf_bomb(path: Path) -> None:
    """A one-page PDF whose content stream inflates from ~350 KB to 240 MB."""
    import zlib

    data = zlib.compress(b"0 0 m\n" * 40_000_000, 9)
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1) + b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    path.write_bytes(bytes(out))


def test_pdf_bomb_template_is_refused_with_bounded_memory(practice, home, tmp_path):
    import subprocess
    import sys

    practice.ok(CLIENT)
    practice.ok("session add jdoe --date 2026-10-01 --cpt 90837 --minutes 55")
    practice.ok(f"cms1500 render --unbilled --force -o {tmp_path / 'c.pdf'}")
    bomb = tmp_path / "bomb.pdf"
    _pdf_bomb(bomb)
    before_rows = ledger_rows(home)
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run([sys.executable, "-c", (
        "import resource, subprocess, sys\n"
        "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "print(p.returncode); print(p.stderr.strip()); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"),
        sys.executable, "-m", "claimkit", "--home", str(home), "cms1500", "render", "--claim", "CK00001", "--template", str(bomb), "--force",
        "-o", str(tmp_path / "out.pdf")], capture_output=True, text=True, env={**__import__("os").environ, "PYTHONPATH": str(root)})
    code, err, rss_kb = proc.stdout.strip().splitlines()
    assert code == "2"
    assert "cannot be used as a form" in err and "far too large once decompressed" in err
    assert int(rss_kb) < 400 * 1024
    assert not (tmp_path / "out.pdf").exists()
    assert ledger_rows(home) == before_rows
