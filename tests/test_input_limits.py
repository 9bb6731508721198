"""Issue 16.3, 16.4, 16.8, 16.9: what cannot be read is refused before the ledger is locked; devices, pipes and
oversized files are refused without reading them; a file imported again is not an error; a payment repeated in one
file is one line with its count."""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager

import pytest

from claimkit.store import home as homes
from test_posting import billed, paid_lines, remit  # noqa: F401 (fixture)

EOB = "claim,line,allowed,paid,copay\nCK00001,1,120.00,95.00,25.00\n"


@contextmanager
def another_writer(home, monkeypatch):
    """The home's write lock held as another claimkit command would hold it; a command that waits for it gives up
    after 1 s with "another claimkit command is writing"."""
    monkeypatch.setattr(homes.write_lock, "__defaults__", (1.0,))
    fd = os.open(home / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield
    finally:
        os.close(fd)


def test_a_damaged_era_is_refused_without_waiting_for_the_lock(billed, home, tmp_path, monkeypatch):  # noqa: F811
    bad = tmp_path / "cut.835"
    bad.write_text(remit(home, paid_lines(home))[:300])
    with another_writer(home, monkeypatch):
        line = billed.fails(f"era import {bad}")
    assert line.startswith("error: cut.835: ") and line.endswith("; nothing was posted"), line
    assert "another claimkit command" not in line


def test_a_large_era_cut_short_is_refused_without_waiting_for_the_lock(billed, home, tmp_path, monkeypatch):  # noqa: F811
    """A file over the pre-read size is read whole only inside the transaction; cut short, it is refused before."""
    from claimkit.remittance import era_import

    text = remit(home, paid_lines(home))
    whole, cut = tmp_path / "whole.835", tmp_path / "big-cut.835"
    whole.write_text(text)
    cut.write_text(text[: len(text) - 40])  # the copy stopped before the trailer
    monkeypatch.setattr(era_import, "PRE_READ_BYTES", 200)  # both files count as large
    with another_writer(home, monkeypatch):
        line = billed.fails(f"era import {cut}")
        waited = billed.fails(f"era import {whole}")  # a whole large file does wait for the lock
    assert line == ("error: big-cut.835: the file ends without its IEA segment: it was cut off; download it again;"
                    " nothing was posted")
    assert "another claimkit command" in waited
    assert "Posted" in billed.ok(f"era import {whole}").stdout


@pytest.mark.parametrize("command", ["era import", "eob import", "codes import --kind carc"])
def test_a_device_is_refused_without_reading_it(practice, command):
    line = practice.fails(f"{command} /dev/zero")
    assert line == "error: /dev/zero is not a regular file (a device, a pipe or a socket); give the file itself"


@pytest.mark.parametrize("command,limit", [("era import", "200 MB"), ("eob import", "20 MB"),
                                           ("codes import --kind carc", "5 MB")])
def test_an_oversized_file_is_refused_before_reading(practice, tmp_path, command, limit):
    big = tmp_path / "big.txt"
    with open(big, "wb") as fh:
        fh.truncate(300 * 1024 * 1024)  # sparse: nothing is written
    line = practice.fails(f"{command} {big}")
    assert line.startswith(f"error: big.txt is 314,572,800 bytes, more than any such file can be (at most {limit})"), line


def test_eob_import_again_is_not_an_error(billed, home, tmp_path):  # noqa: F811
    f = tmp_path / "eobs.csv"
    f.write_text(EOB)
    billed.ok(f"eob import {f}")
    out = billed.ok(f"eob import {f}").stdout
    assert out.startswith("eobs.csv: already imported (on ") and out.rstrip().endswith("); nothing changed.")
    g = tmp_path / "copy.csv"
    g.write_bytes(f.read_bytes())
    out = billed.ok(f"eob import {g}").stdout
    assert out.startswith("copy.csv: already imported (on ") and " as eobs.csv); nothing changed." in out


def test_a_payment_repeated_in_one_file_is_one_line_with_its_count(billed, home, tmp_path):  # noqa: F811
    text = remit(home, paid_lines(home))
    head, st = text.split("ST*", 1)
    body, tail = ("ST*" + st).rsplit("GE*", 1)
    copies = 156
    many = head + body * copies + f"GE*{copies}*" + tail.split("*", 1)[1]
    f = tmp_path / "many.835"
    f.write_text(many)
    out = billed.ok(f"era import {f}").stdout
    skipped = [ln for ln in out.splitlines() if "skipped" in ln]
    assert skipped == ["  skipped: payment TRACE1 from ACME TEST HEALTH appears 156 times in this file; only its first copy was posted"]


def test_an_835_payer_name_with_escape_codes_is_printed_escaped(billed, home, tmp_path):  # noqa: F811
    """Issue 16.16: a payer name holding '\\x1b[2J' was printed raw by 'era import'; JSON keeps the exact text."""
    f = tmp_path / "esc.835"
    f.write_text(remit(home, paid_lines(home)).replace("ACME TEST HEALTH", "ACME\x1b[2J HEALTH"))
    g = tmp_path / "esc2.835"
    g.write_text(remit(home, paid_lines(home), trace="TRACE2", control=2).replace("ACME TEST HEALTH", "ACME\x1b[2J HEALTH"))
    out = billed.ok(f"era import {f} --dry-run").stdout
    assert "\x1b" not in out and "from ACME\\x1b[2J HEALTH" in out
    import json

    data = json.loads(billed.ok(f"era import {g} --dry-run --json").stdout)
    assert data["payments"][0]["payer"] == "ACME\x1b[2J HEALTH"


ISA = "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *260115*0930*^*00501*000000001*0*T*:~"


@pytest.mark.parametrize("text, cut", [
    (ISA + "GS*HP*S*R*20260115*0930*1*X*005010X221A1~ST*835*0001~SE*2*0001~GE*1*1~IEA*1*000000001~\n", False),
    ("\ufeff" + ISA + "GS*HP~IEA*1*000000001~\r\n\x1a", False),       # a BOM, CRLF and a DOS end-of-file mark
    (ISA.replace("~", "\n") + "GS*HP\nIEA*1*000000001\n", False),     # the line break as the terminator
    (ISA + "GS*HP*S*R*20260115*0930*1*X*005010X221A1~ST*835*0001~CLP*CK1*1*180", True),
    (ISA + "GS*HP~GE*1*1~", True),
    ("GS*HP~ST*835*0001~", False),                                    # no ISA to read the terminator from
])
def test_cut_off_reads_only_the_ends(text, cut):
    from claimkit.x12.envelope import cut_off

    assert cut_off(text.encode("utf-8")) is cut
    assert cut_off(text.encode("utf-16")) is False  # the start cannot tell: the full read decides
