"""The hostile-input corpus (tests/data/hostile/835, csv, pdf): every file through the real CLI against a practice
home whose claim CK00001 it would otherwise pay. Each refused file gets exit 2 and one line on stderr naming the file
and the segment/line/field (the exact line is asserted), nothing on stdout, no traceback, and the home unchanged: every
ledger table and every file. Files that are read correctly post exactly what the valid file posts. Large inputs
(50 MB 835s, a 10 MB CSV cell, a million CSV rows) are generated here and run as a child process whose peak memory is
measured with os.wait4. The corpus is written by tests/data/hostile/make_corpus.py; each folder's README lists it."""

from __future__ import annotations

import importlib.util
import os
import shlex
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PRACTICE_ARGS, Cli, copy_home, snapshot_files

HOSTILE = Path(__file__).parent / "data" / "hostile"
ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("make_corpus", HOSTILE / "make_corpus.py")
corpus = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(corpus)

# what the valid 835 and the valid EOB CSV post on claim CK00001 (kind:reason -> cents)
POSTED = {"insurance_paid:": 20800, "contractual:CO-45": 18000, "patient_resp:deductible": 10000,
          "patient_resp:coinsurance": 5200}

# --- 835 (claimkit era import FILE): file -> (what is wrong, the line after "error: FILE: ", before "; nothing was posted")
ERA_REFUSED = {
    "se-count-billion.835": ("SE01 says 1,000,000,000 segments",
        "segment 35 (SE01): says 1000000000 segments, the transaction has 33: the file is damaged; ask the sender for a new copy"),
    "se-before-st.835": ("an SE in front of the ST (segments out of order)",
        "segment 3 (SE): an SE without an ST before it (segments out of order)"),
    "ge-billion-transactions.835": ("GE01 says 1,000,000,000 transactions",
        "segment 36 (GE01): says 1000000000 transactions, the group has 1: the file is damaged; ask the sender for a new copy"),
    "ts3-billion-claims.835": ("a TS3 provider summary claiming 1,000,000,000 claims",
        "segment 13 (TS304): the provider summary counts 1000000000 claims, the transaction holds 1: the file is damaged; ask the sender for a new copy"),
    "lx-negative.835": ("LX01 is -1",
        "segment 12 (LX01): '-1' is not a line group number (a whole number from 1)"),
    "svc-negative-units.835": ("SVC05 (units) is -1",
        "segment 17 (SVC05): -1.00 units is not a unit count (0 to 9,999; negative only on a reversal)"),
    "svc-billion-units.835": ("SVC05 (units) is 1,000,000,000",
        "segment 17 (SVC05): 1000000000.00 units is not a unit count (0 to 9,999; negative only on a reversal)"),
    "clp-status-unknown.835": ("CLP02 (claim status) 99, not a code",
        "segment 13 (CLP02): claim status '99' is not a claim status code (1-4, 19-23, 25): claimkit cannot tell whether it was paid or denied"),
    "amt-allowed-not-numeric.835": ("AMT*B6 (allowed) of line 1 is '12O' (letter O)",
        "segment 22 (AMT02): amount '12O' is not a number"),
    "body-uses-other-separators.835": ("the ISA declares '*' but every later segment splits its elements with '|'",
        "segment 2 ('GS|HP|11111|CLAIMKIT|...') separates its elements with '|', but the ISA header declares '*': the file mixes separators (damaged or edited by hand); ask the sender for a new copy"),
    "bpr-amount-exponent.835": ("BPR02 written as 2.08E2",
        "segment 4 (BPR02): amount '2.08E2' is not a number"),
    "bpr-amount-nan.835": ("BPR02 is NaN",
        "segment 4 (BPR02): amount 'NaN' is not a number"),
    "bpr-amount-not-numeric.835": ("BPR02 is $208.00",
        "segment 4 (BPR02): amount '$208.00' is not a number"),
    "bpr-does-not-balance.835": ("BPR02 says 280 but the claims paid 208",
        "segment 4 (BPR02): the payment 280.00 does not match its claims: claims paid 208.00 - provider adjustments 0.00 = 208.00"),
    "cas-amount-not-numeric.835": ("a CAS amount is 'sixty'",
        "segment 19 (CAS03): amount 'sixty' is not a number"),
    "clp-amount-huge.835": ("CLP04 has 24 digits",
        "segment 13 (CLP04): amount '999999999999999999999999' is not a number"),
    "clp-amount-not-numeric.835": ("CLP04 is '2O8' (letter O)",
        "segment 13 (CLP04): amount '2O8' is not a number"),
    "clp-before-bpr.835": ("the CLP segment moved in front of BPR",
        "segment 4 (CLP): a claim before the payment (BPR) segment (and 6 more problems)"),
    "clp-does-not-balance.835": ("CLP04 says 209, its lines paid 208",
        "segment 4 (BPR02): the payment 208.00 does not match its claims: claims paid 209.00 - provider adjustments 0.00 = 209.00 (and 1 more problem)"),
    "empty.835": ("0 bytes",
        "not an X12 file: expected it to start with ISA (the file is empty)"),
    "garbage-bytes.835": ("bytes 0-255 repeated",
        "not an X12 file: expected it to start with ISA (it starts with '\\x01\\x02\\x03\\x04\\x05\\x06\\x07\\x08\\t\\n\\x0b\\x0c')"),
    "iea-huge-count.835": ("IEA01 has 26 digits",
        "segment 37 (IEA01): count '99999999999999999999999999' is not a whole number of 0 or more"),
    "is-837.835": ("an 837P claim file",
        "this is an X12 837 (claim), not an 835 remittance (segment 3, ST01)"),
    "is-999.835": ("a 999 acknowledgment",
        "this is an X12 999 (acknowledgment), not an 835 remittance (segment 3, ST01)"),
    "isa-letter-separator.835": ("the ISA's separators replaced by the letter A",
        "segment 1 (ISA): the character after ISA ('A') cannot be an element separator"),
    "isa-only.835": ("only the ISA segment",
        "file ends inside interchange started at segment 1 (no IEA): it was cut off; download it again"),
    "mixed-element-separators.835": ("the CLP segment alone uses '|'",
        "segment 13 ('CLP|CK00001|1|540|208...') separates its elements with '|', but the ISA header declares '*': the file mixes separators (damaged or edited by hand); ask the sender for a new copy (and 6 more problems)"),
    "no-st.835": ("the ST segment is missing",
        "the file holds no 835 transaction (no ST*835) (and 14 more problems)"),
    "nul-bytes-in-segment.835": ("NUL bytes inside CLP03",
        "segment 13 (CLP03): amount '540\\x00\\x00\\x00' is not a number"),
    "pdf-file.835": ("a PDF",
        "not an X12 file: expected it to start with ISA (it starts with '%PDF-1.4\\n1 0')"),
    "se-negative-count.835": ("SE01 is -33",
        "segment 35 (SE01): count '-33' is not a whole number of 0 or more"),
    "segment-id-garbage.835": ("a segment id with a control character (D\x07M)",
        "segment 15: 'D\\x07M' is not a segment id: the transaction is damaged"),
    "svc-amount-not-numeric.835": ("SVC03 is '16.OO'",
        "segment 17 (SVC03): amount '16.OO' is not a number"),
    "svc-before-clp.835": ("line 1 (SVC and its segments) moved in front of CLP",
        "segment 13 (SVC): a service line before any claim (CLP); it was ignored (and 1 more problem)"),
    "svc01-split.835": ("the procedure composite of line 2 split with '*' (SVC*HC*90837*...)",
        "segment 23 (SVC01): the service line has no procedure code, only the qualifier 'HC' (the line reads 'SVC*HC*90837*180*96**1'; '90837' after it looks like the code, split off with '*' where HC:90837 was meant); ask the sender for a new copy"),
    "svc-does-not-balance.835": ("SVC03 of line 2 says 97, its adjustments leave 96",
        "segment 23 (SVC): service line 90837 of claim CK00001 does not balance: charge 180.00 - adjustments 84.00 = 96.00, but paid is 97.00 (SVC03)"),
    "truncated-in-isa.835": ("cut after 60 bytes, inside the ISA",
        "segment 1 (ISA): the ISA header is incomplete (found 8 of its 16 elements): the file is damaged or cut off"),
    "truncated-mid-claim.835": ("cut between two segments of line 2",
        "file ends inside transaction started at segment 3: it was cut off; download it again (and 1 more problem)"),
    "truncated-mid-segment.835": ("cut inside the SVC of line 2",
        "file ends inside transaction started at segment 3: it was cut off; download it again (and 2 more problems)"),
    "two-st-second-cut.835": ("a second ST cut off inside its TRN",
        "file ends inside transaction started at segment 36: it was cut off; download it again"),
    "whitespace-only.835": ("blank lines and tabs",
        "not an X12 file: expected it to start with ISA (the file is empty)"),
    "zip-file.835": ("a ZIP header",
        "not an X12 file: expected it to start with ISA (it starts with 'PK\\x03\\x04\\x14\\x00\\x00\\x00\\x08\\x00\\x00\\x01')"),
}

# read correctly (exit 0, the same postings as the valid file): file -> (what is unusual, the note on stderr or "")
ERA_READ = {
    "se-count-lies.835": ("SE01 says 34 segments, the transaction has 33 (a miscount, as in a published payer sample)",
                          "  note: segment 35 (SE01): says 34 segments, the transaction has 33"),
    "se-control-mismatch.835": ("SE02 0002 closes ST02 0001 (control numbers carry no money)",
                                "  note: segment 35 (SE02): control number '0002' does not match ST02 '0001' (segment 3)"),
    "utf16-bom.835": ("UTF-16 with a byte order mark", ""),
    "utf16-no-bom.835": ("UTF-16 (little-endian) without a byte order mark", ""),
    "nul-bytes-padding.835": ("4,096 NUL bytes after the IEA (block-transfer padding)", ""),
    "dtm-impossible-date.835": ("service date 20261341 on line 1, matched by its line control number (REF*6R) anyway",
                                "  note: segment 18 (DTM02): '20261341' is not a date (CCYYMMDD); ignored"),
}

# read correctly, and what came from the file is printed escaped (issue 16.16): file -> (what is unusual, stdout text)
ERA_SHOWN = {
    "payer-name-escape-codes.835": ("the payer's name (N1*PR) holds ESC [2J (clear screen) and BEL",
                                    "Posted payment TRACE1 from ACME\\x1b[2J TEST\\x07 HEALTH: $208.00"),
}

# accepted today although the issue asks for exit 2: the 835 reader (claimkit/remittance/era835*.py) treats these as notes or
# ignores them. file -> (what is wrong, text the refusal must contain). Strict xfail: a fix makes them fail until moved.
ERA_OPEN: dict[str, tuple[str, str]] = {}  # none left: the ten the corpus found are refused or read since 2026-12-02

# --- EOB CSV (claimkit eob import FILE): file -> (what is wrong, the line after "error: FILE")
EOB_REFUSED = {
    "duplicate-column.csv": ("'paid' twice in the header",
        ": column 'paid' appears twice in the header; keep one"),
    "injection-check.csv": ("check is =cmd|' /C calc'!A0 (CSV/formula injection)",
        """ line 3: column check "=cmd|' /C calc'!A0" is not a check or claim number (letters, digits, - . / and spaces); retype it"""),
    "injection-payer-claim-number.csv": ("payer_claim_number is @SUM(1+1)*cmd|... (formula injection)",
        """ line 3: column payer_claim_number "@SUM(1+1)*cmd|' /C calc'!A0" is not a check or claim number (letters, digits, - . / and spaces); retype it"""),
    "nul-bytes.csv": ("a NUL byte inside payer_claim_number",
        " line 3: column payer_claim_number 'PC\\x00N1' is not a check or claim number (letters, digits, - . / and spaces); retype it"),
    "too-many-columns.csv": ("row 2 has 13 cells under 11 columns",
        " line 3: 13 cells under 11 columns; remove the extra cells (an amount written with a comma, like 1,200.00?)"),
    "adjustment-malformed.csv": ("adjustments written CO45=1",
        " line 3, column adjustments 'CO45=1': write it as GROUP-CARC:AMOUNT, e.g. CO-45:60.00 (groups CO, PR, OA, PI)"),
    "allowed-more-than-charge.csv": ("allowed 200.00 on a 180.00 line",
        " line 3: allowed 200.00 is more than the charge 180.00"),
    "amount-exponent.csv": ("paid written 9.6e1",
        " line 3, column paid: '9.6e1' is not an amount; write it like 120.00"),
    "amount-huge.csv": ("paid 99999999999999.00",
        " line 3, column paid: '99999999999999.00' is too large for a claim amount"),
    "amount-nan.csv": ("paid NaN",
        " line 3, column paid: 'NaN' is not an amount; write it like 120.00"),
    "amount-negative.csv": ("paid -96.00",
        " line 3, column paid: '-96.00' is negative; amounts must be 0 or more"),
    "amount-not-numeric.csv": ("paid 'ninety-six'",
        " line 3, column paid: 'ninety-six' is not an amount; write it like 120.00"),
    "amount-paid-empty.csv": ("paid left empty",
        " line 3: column paid is empty; give an amount like 95.00"),
    "amount-three-decimals.csv": ("paid 96.005",
        " line 3, column paid: '96.005' has more than two decimals; write it like 120.00"),
    "binary-garbage.csv": ("bytes 0-255 repeated",
        ": not UTF-8 text; save the sheet as CSV UTF-8"),
    "claim-empty.csv": ("claim left empty",
        " line 4: column claim is empty; give the claim id from box 26 (e.g. CK00012)"),
    "date-impossible.csv": ("date 2026-13-45",
        " line 3: column date '2026-13-45' must be YYYY-MM-DD"),
    "date-us-format.csv": ("date 11/27/2026",
        " line 3: column date '11/27/2026' must be YYYY-MM-DD"),
    "empty.csv": ("0 bytes",
        ": the file is empty; the first row must name the columns (claim, line, allowed, paid, deductible, coinsurance, copay, adjustments, payer_claim_number, check, date)"),
    "header-only.csv": ("the header and no rows",
        ": no rows under the header"),
    "injection-claim.csv": ("claim is =HYPERLINK(...) (CSV/formula injection)",
        " line 3: no claim '=HYPERLINK(\"http://evil.example\",\"CK00001\")'; see 'claimkit claim list'"),
    "invalid-utf8.csv": ("a Latin-1 byte (0xE9) in a cell",
        ": not UTF-8 text; save the sheet as CSV UTF-8"),
    "line-does-not-balance.csv": ("paid 69.00 where the line leaves 96.00",
        " line 4: the line does not balance: charge 180.00 - adjustments 84.00 = 96.00, but paid is 69.00; check the EOB's figures"),
    "line-does-not-exist.csv": ("line 9 of a 3-line claim",
        " line 3: claim CK00001 has no line 9 (it has 1-3)"),
    "line-huge.csv": ("line 99999999999999999999999",
        " line 3: claim CK00001 has no line 99999999999999999999999 (it has 1-3)"),
    "line-missing-on-multiline-claim.csv": ("line left empty on a 3-line claim",
        " line 3: claim CK00001 has 3 lines; say which with column line"),
    "line-not-a-number.csv": ("line 'two'",
        " line 3: column line 'two' must be a line number like 1"),
    "missing-paid-column.csv": ("the header says paid_amount instead of paid",
        ": the header lacks column 'paid'; columns: claim, line, allowed, paid, deductible, coinsurance, copay, adjustments, payer_claim_number, check, date"),
    "no-header.csv": ("the rows without the header row",
        ": the header lacks column 'claim'; columns: claim, line, allowed, paid, deductible, coinsurance, copay, adjustments, payer_claim_number, check, date"),
    "semicolon-separated.csv": ("';' instead of ','",
        ": the columns are separated by semicolons, not commas; save the sheet as CSV UTF-8 (comma-separated), amounts with a point like 95.00"),
    "too-few-columns.csv": ("a row with 3 of 11 cells",
        " line 3: column paid is empty; give an amount like 95.00"),
    "unknown-claim.csv": ("claim CK99999",
        " line 4: no claim 'CK99999'; see 'claimkit claim list'"),
    "unknown-column.csv": ("an extra column 'notes'",
        ": unknown column 'notes'; columns: claim, line, allowed, paid, deductible, coinsurance, copay, adjustments, payer_claim_number, check, date"),
    "unterminated-quote.csv": ("a quote opened in row 2 and never closed",
        " line 3, column allowed: '120.0096.0024.00P...' is not an amount; write it like 120.00"),
    "utf16.csv": ("saved as UTF-16",
        ": not UTF-8 text; save the sheet as CSV UTF-8"),
    "escape-codes-in-check.csv": ("a terminal escape code (ESC [2J, clear screen) in the check number",
        " line 3: column check '10442\\x1b[2J' is not a check or claim number (letters, digits, - . / and spaces); retype it"),
}

# accepted today although they should be refused: the CSV reader (read_eob_csv in claimkit/remittance/eob.py).
EOB_OPEN: dict[str, tuple[str, str]] = {}  # none left: the five found by the corpus are refused since 2026-12-02

# --- code lists (claimkit codes import FILE --kind carc): file -> (what is wrong, the line after "error: FILE")
CODES_REFUSED = {
    "unclosed-quote.csv": ("a quote opened in code 97's description and never closed",
        " line 3: the quote opened in code 97's description is never closed (it runs into the next lines); close it (\") or remove it, and save the file again"),
    "no-description.csv": ("code 97 with nothing after its comma",
        " line 3: code 97 has no description; the second column must hold it"),
    "blank-description.csv": ("code 97 with only spaces as its description",
        " line 3: code 97 has no description; the second column must hold it"),
    "not-a-code.csv": ("'97 or 98' in the code column",
        " line 3: '97 or 98' is not a CARC code; the first column must hold the code"),
    "code-too-long.csv": ("a 7-digit code",
        " line 3: '9700000' is not a CARC code; the first column must hold the code"),
    "empty.csv": ("0 bytes",
        ": no codes found; the first column must hold the code, the second its description"),
    "header-only.csv": ("the header and no rows",
        ": no codes found; the first column must hold the code, the second its description"),
    "invalid-utf8.csv": ("a Latin-1 byte (0xE9) in a description",
        ": not UTF-8 text; save it as CSV UTF-8"),
    "binary-garbage.csv": ("bytes 0-255 repeated",
        ": not UTF-8 text; save it as CSV UTF-8"),
}
# loaded; what came from the file is shown escaped by 'codes explain': file -> (what is unusual, code, explain's text)
CODES_READ = {
    "escape-codes-in-description.csv": ("code 97's description holds ESC [2J, an OSC title sequence and BEL",
                                        "CO-97", "Included \\x1b[2J\\x1b]0;owned\\x07in another service (test text)."),
    "bom-and-crlf.csv": ("a UTF-8 byte-order mark and Windows line ends", "CO-97",
                         "Included in another service (test text)."),
}

# --- template PDFs (claimkit cms1500 render --template FILE): file -> (what is wrong, the line after "error: --template PATH")
PDF_REFUSED = {
    "not-a-pdf.pdf": ("a text file", " is not a PDF; give the blank CMS-1500 as a PDF file"),
    "empty.pdf": ("0 bytes", " is not a PDF; give the blank CMS-1500 as a PDF file"),
    "header-only.pdf": ("a PDF header and no objects",
                        " is not a readable PDF (PdfStreamError); save the blank form again as a PDF"),
    "truncated.pdf": ("the first half of a valid one-page PDF",
                      " is not a readable PDF (PdfStreamError); save the blank form again as a PDF"),
    "encrypted.pdf": ("a one-page PDF encrypted with the password 'secret'",
                      " is encrypted (password-protected); save an unprotected copy, e.g. with 'Print to PDF'"),
    "zero-pages.pdf": ("a valid PDF with no page", " has no page; give a PDF whose first page is the blank CMS-1500"),
    "pages-count-lies.pdf": ("/Count 1000000000 with no kids",
                             " is not a readable PDF (PdfReadError); save the blank form again as a PDF"),
    "pages-loop.pdf": ("a page tree whose kid is itself",
                       " is not a readable PDF (PdfReadError); save the blank form again as a PDF"),
}


# --- the practice home -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def base_home(tmp_path_factory) -> Path:
    """Built once: a practice, client jdoe, three 90837 sessions billed on claim CK00001 (lines CK00001L1-L3)."""
    home = tmp_path_factory.mktemp("hostile") / "home"
    cli = Cli(home)
    cli.ok(PRACTICE_ARGS)
    cli.ok("fee set 90837 180.00")
    cli.ok("payer add acme --name 'Acme Test Health' --payer-id 11111 --type commercial")
    cli.ok("payer rate set acme 90837 120.00")
    cli.ok("client add jdoe --first Testy --last McTestface --dob 1990-04-12 --sex F --dx F41.1 --payer acme"
           " --member-id TST1 --coinsurance 20 --deductible 100")
    for d in ("2026-10-01", "2026-10-08", "2026-10-15"):
        cli.ok(f"session add jdoe --date {d} --cpt 90837 --minutes 55")
    cli.ok(f"cms1500 render --unbilled --force -o {home.parent / 'c.pdf'}")
    return home


@pytest.fixture
def hostile(base_home, tmp_path) -> Cli:
    return copy_home(base_home, Cli(tmp_path / "home"))


def ledger_tables(home: Path) -> dict[str, list]:
    """Every row of every ledger table (imports, remittances, suspense, counters ... not only postings)."""
    conn = sqlite3.connect(home / "ledger.db")
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in tables}
    finally:
        conn.close()


def posted(home: Path) -> dict[str, int]:
    conn = sqlite3.connect(home / "ledger.db")
    try:
        return dict(conn.execute("SELECT kind || ':' || reason, SUM(amount_cents) FROM postings WHERE source IN ('era', 'eob')"
                                 " GROUP BY 1 ORDER BY 1").fetchall())
    finally:
        conn.close()


def refused(cli: Cli, *args: str) -> str:
    """Run a command that must be refused and change nothing; return its one line on stderr."""
    before_files, before_rows = snapshot_files(cli.home), ledger_tables(cli.home)
    result = cli(*args)
    assert result.exit_code == 2, f"{args} -> {result.exit_code}\nstdout: {result.stdout}\nstderr: {result.stderr}"
    assert "Traceback" not in result.stderr and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].isprintable(), f"expected one printable line on stderr, got {result.stderr!r}"
    assert snapshot_files(cli.home) == before_files
    assert ledger_tables(cli.home) == before_rows
    return lines[0]


def files(kind: str) -> list[str]:
    ext = "csv" if kind == "codes" else kind
    return sorted(p.name for p in (HOSTILE / kind).glob(f"*.{ext}"))


def _cases(refused_: dict, open_: dict) -> list:
    return [*sorted(refused_), *(pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=open_[name][0]))
                                 for name in sorted(open_))]


# --- the corpus is complete, documented, and what make_corpus.py writes ------------------------------------

@pytest.mark.parametrize("kind,tables", [("835", (ERA_REFUSED, ERA_READ, ERA_SHOWN, ERA_OPEN)),
                                         ("csv", (EOB_REFUSED, EOB_OPEN)), ("codes", (CODES_REFUSED, CODES_READ)),
                                         ("pdf", (PDF_REFUSED,))])
def test_every_file_is_classified_and_listed_in_the_readme(kind, tables):
    names = [n for t in tables for n in t]
    assert len(names) == len(set(names))
    assert files(kind) == sorted(names)
    readme = (HOSTILE / kind / "README.md").read_text()
    for t in tables:
        for name, (why, *_) in t.items():
            assert f"| `{name}` | {why.replace('|', chr(92) + '|')} |" in readme, name


@pytest.mark.parametrize("kind,make", [("835", corpus.file_835), ("csv", corpus.file_csv), ("codes", corpus.file_codes)])
def test_corpus_is_what_the_generator_writes(kind, make):
    assert {name: (HOSTILE / kind / name).read_bytes() for name in files(kind)} == make()


def test_the_unbroken_835_posts(hostile, tmp_path):
    """The corpus files fail only because of what was broken in them: the original posts in full."""
    (tmp_path / "ok.835").write_text(corpus.valid_835())
    hostile.ok(f"era import {tmp_path / 'ok.835'}")
    assert posted(hostile.home) == POSTED


def test_the_unbroken_csv_posts(hostile, tmp_path):
    (tmp_path / "ok.csv").write_text(corpus.valid_csv())
    assert hostile.ok(f"eob import {tmp_path / 'ok.csv'}").stdout.endswith("Posted 3 EOB line(s) on 1 claim(s) from ok.csv.\n")
    assert posted(hostile.home) == POSTED


# --- 835 ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", _cases(ERA_REFUSED, ERA_OPEN))
def test_bad_835_is_refused(hostile, name):
    line = refused(hostile, "era", "import", str(HOSTILE / "835" / name))
    if name in ERA_OPEN:
        assert line.startswith(f"error: {name}: ") and ERA_OPEN[name][1] in line, line
    else:
        assert line == f"error: {name}: {ERA_REFUSED[name][1]}; nothing was posted"


@pytest.mark.parametrize("name", sorted(ERA_READ))
def test_odd_but_sound_835_posts_exactly(hostile, name):
    result = hostile.ok("era", "import", str(HOSTILE / "835" / name))
    assert result.stderr == (ERA_READ[name][1] + "\n" if ERA_READ[name][1] else "")
    assert "Posted payment TRACE1 from ACME TEST HEALTH: $208.00 (ACH, 2026-11-20), 1 claim" in result.stdout
    assert posted(hostile.home) == POSTED


@pytest.mark.parametrize("name", sorted(ERA_SHOWN))
def test_835_text_with_control_characters_is_posted_and_printed_escaped(hostile, name):
    result = hostile.ok("era", "import", str(HOSTILE / "835" / name))
    assert ERA_SHOWN[name][1] in result.stdout and "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert posted(hostile.home) == POSTED


# --- EOB CSV -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", _cases(EOB_REFUSED, EOB_OPEN))
def test_bad_eob_csv_is_refused(hostile, name):
    line = refused(hostile, "eob", "import", str(HOSTILE / "csv" / name))
    if name in EOB_OPEN:
        assert line.startswith(f"error: {name}") and EOB_OPEN[name][1] in line, line
    else:
        assert line == f"error: {name}{EOB_REFUSED[name][1]}"


def test_eob_csv_cell_with_a_line_break_stays_one_line(hostile, tmp_path):
    f = tmp_path / "newline.csv"
    f.write_text(corpus.CSV_HEADER + corpus.CSV_ROWS[0] + 'CK00001,2,120.00,"96\n.00",,24.00,,,PCN1,10442,2026-11-27\n')
    line = refused(hostile, "eob", "import", str(f))
    assert line == "error: newline.csv line 3, column paid: '96\\n.00' is not an amount; write it like 120.00"


# --- code lists --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(CODES_REFUSED))
def test_bad_code_list_is_refused(hostile, name):
    line = refused(hostile, "codes", "import", str(HOSTILE / "codes" / name), "--kind", "carc")
    assert line == f"error: {name}{CODES_REFUSED[name][1]}"
    assert not (hostile.home / "codes").exists()


@pytest.mark.parametrize("name", sorted(CODES_READ))
def test_odd_but_sound_code_list_loads_and_is_shown_escaped(hostile, name):
    _, code, text = CODES_READ[name]
    assert hostile.ok("codes", "import", str(HOSTILE / "codes" / name), "--kind", "carc").stdout.startswith(
        f"Loaded 3 CARC codes from {name}")
    shown = hostile.ok("codes", "explain", code).stdout
    assert text in " ".join(shown.split()) and "\x1b" not in shown and "\x07" not in shown


# --- made here: inputs that are not regular files, home files replaced, ids that leave their folder ----------

INPUTS = {"era import": "the .835 file", "eob import": "the .csv file", "codes import": "the CSV or tab-separated file"}


@pytest.mark.parametrize("command", sorted(INPUTS))
@pytest.mark.parametrize("what", ["fifo", "/dev/zero", "folder"])
def test_an_input_that_is_not_a_regular_file_is_refused_without_reading_it(hostile, tmp_path, command, what):
    """A FIFO would block the read, /dev/zero would be read until memory ran out (issue 16.4)."""
    if what == "fifo":
        path = tmp_path / "pipe.835"
        os.mkfifo(path)
    else:
        path = Path("/dev/zero") if what == "/dev/zero" else tmp_path
    args = [*command.split(), str(path), *(["--kind", "carc"] if command == "codes import" else [])]
    line = refused(hostile, *args)
    if what == "folder":
        assert line == f"error: {path} is a folder; give {INPUTS[command]}"
    else:
        assert line == f"error: {path} is not a regular file (a device, a pipe or a socket); give the file itself"


@pytest.mark.parametrize("target,command", [("clients/jdoe.toml", "client show jdoe"), ("payers.toml", "payer list"),
                                            ("practice.toml", "fee list")])
@pytest.mark.parametrize("what", ["fifo", "/dev/zero"])
def test_a_home_file_that_is_not_a_regular_file_is_named_not_read(hostile, target, command, what):
    """A home file replaced by a FIFO hung every command; a link to /dev/zero was read until memory ran out."""
    path = hostile.home / target
    path.unlink()
    if what == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")
    result = subprocess.run([sys.executable, "-m", "claimkit", "--home", str(hostile.home), *command.split()],
                            capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (f"error: {target}: is not a regular file (a device, a pipe or a socket); put the file"
                             " itself there or restore it from a backup\n")


def test_a_home_file_over_the_size_cap_is_refused(hostile):
    path = hostile.home / "payers.toml"
    path.write_text("# padding\n" * 300_000)
    assert hostile.fails("payer list") == ("error: payers.toml: file is 3,000,000 bytes, more than a claimkit file can be;"
                                           " restore it from a backup")


@pytest.mark.parametrize("args,line", [
    ("client show ../practice", "error: client id '../practice' must be 1-32 lowercase letters, digits, '-' or '_', starting"
                                " with a letter or digit (e.g. jdoe)"),
    ("client add ../x --first Testy --last McTestface --dob 1990-04-12 --sex F --dx F41.1 --payer acme --member-id TST2"
     " --copay 25", "error: client id '../x' must be 1-32 lowercase letters, digits, '-' or '_', starting"
                    " with a letter or digit (e.g. jdoe)"),
    ("payer add ../x --name X", "error: payer add ID: payer id '../x' must be 1-32 lowercase letters, digits, '-' or '_',"
                                " starting with a letter or digit (e.g. jdoe)"),
    ("session add ../practice --date 2026-10-01 --cpt 90837", "error: client id '../practice' must be 1-32 lowercase"
     " letters, digits, '-' or '_', starting with a letter or digit (e.g. jdoe)"),
])
def test_an_id_that_would_leave_its_folder_is_refused(hostile, args, line):
    assert refused(hostile, *shlex.split(args)) == line


def test_a_name_with_a_line_break_is_refused_typed_and_stops_render_from_a_file(hostile, tmp_path):
    """Issue 16.14: 'Ze\\nd' went out as 'ZE D' without --force. Typed, it is refused (16.7); from a hand-edited
    client file it loads, check calls it an error and render stops."""
    base = ("client add zed --last Testcase --dob 1990-04-12 --sex F --dx F41.1 --payer acme --member-id ZC123 --copay 25"
            " --address '1 Test St' --city Austin --state TX --zip 78701")
    assert refused(hostile, *shlex.split(base), "--first", "Ze\nd") == (
        "error: --first: write it on one line, without control characters")
    hostile.ok(*shlex.split(base), "--first", "Zed")
    path = hostile.home / "clients" / "zed.toml"
    path.write_text(path.read_text().replace('first = "Zed"', 'first = "Ze\\nd"', 1))
    hostile.ok("session add zed --date 2026-10-22 --cpt 90837 --minutes 55")
    checked = hostile("check")
    assert checked.exit_code == 1 and "Ze\\nd" in checked.stdout and "\n".join(checked.stdout.splitlines()) == checked.stdout.rstrip("\n")
    before = ledger_tables(hostile.home)
    rendered = hostile(f"cms1500 render --unbilled -o {tmp_path / 'z.pdf'}")
    assert rendered.exit_code == 1 and not (tmp_path / "z.pdf").exists()
    assert ledger_tables(hostile.home) == before


# --- template PDFs -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(PDF_REFUSED))
def test_bad_template_pdf_is_refused(hostile, tmp_path, name):
    path = HOSTILE / "pdf" / name
    out = tmp_path / "out.pdf"
    line = refused(hostile, "cms1500", "render", "--claim", "CK00001", "--force", "--template", str(path), "-o", str(out))
    assert line == f"error: --template {path}{PDF_REFUSED[name][1]}"
    assert not out.exists()


# --- large inputs, run as a child process: peak memory (ru_maxrss) measured with os.wait4 ------------------

# A launcher forks the claimkit child so that the child's ru_maxrss does not start at the size of this pytest
# process (a forked child inherits its parent's resident pages until it execs).
_LAUNCH = ("import os, subprocess, sys\n"
           "p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
           "err = p.stderr.read()\n"
           "_, status, usage = os.wait4(p.pid, 0)\n"
           "print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)\n"
           "sys.stdout.flush(); sys.stdout.buffer.write(err)\n")
MEASURED: dict[str, float] = {}  # name -> peak MB, shown with -s (docs/reliability.md quotes them)


def run_measured(home: Path, name: str, *args: str) -> tuple[int, str, float]:
    proc = subprocess.run([sys.executable, "-c", _LAUNCH, sys.executable, "-m", "claimkit", "--home", str(home), *args],
                          capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)
    head, _, err = proc.stdout.partition(b"\n")
    code, rss_kb = head.split()
    MEASURED[name] = round(int(rss_kb) / 1024, 1)
    print(f"\n{name}: peak {MEASURED[name]} MB")
    return int(code), err.decode(), MEASURED[name]


@pytest.fixture
def big(base_home, tmp_path):
    return copy_home(base_home, Cli(tmp_path / "home")).home


def _write(path: Path, *chunks: str) -> Path:
    with path.open("w") as f:
        for c in chunks:
            f.write(c)
    return path


def assert_unchanged(home: Path, before: tuple) -> None:
    assert (snapshot_files(home), ledger_tables(home)) == before


def test_835_with_one_50_mb_segment(big, tmp_path):
    text = corpus.valid_835()
    head, tail = text.split("CAS*CO*45*60~", 1)
    f = _write(tmp_path / "huge-segment.835", head, "CAS*CO*45*", "6" * 50_000_000, "~", tail)
    before = (snapshot_files(big), ledger_tables(big))
    code, err, mb = run_measured(big, "835, one 50 MB segment", "era", "import", str(f))
    assert (code, err) == (2, "error: huge-segment.835: segment 19 (CAS03): amount '" + "6" * 40 + "..."
                              "' is not a number; nothing was posted\n")
    assert mb < 400  # measured ~260 MB: the file's bytes, its text, the block holding the segment, the element
    assert_unchanged(big, before)


def test_835_with_three_million_tiny_segments(big, tmp_path):
    text = corpus.valid_835()
    head = text[: text.index("CLP*")]
    # the interchange's trailer is there (a file without one is refused from its last bytes, before any read), so
    # the reader goes through all 3,000,000 segments to find the transaction never closed
    f = _write(tmp_path / "tiny-segments.835", head, "DTM*405*20261120~" * 3_000_000, "IEA*1*000000001~\n")
    assert f.stat().st_size > 50_000_000
    iea = head.count("~") + 3_000_000 + 1
    before = (snapshot_files(big), ledger_tables(big))
    code, err, mb = run_measured(big, "835, 3,000,000 segments (51 MB)", "era", "import", str(f))
    assert (code, err) == (2, f"error: tiny-segments.835: segment {iea} (IEA): the transaction started at segment 3 has no"
                              " SE; the file is damaged; nothing was posted\n")
    assert mb < 250  # measured ~135 MB; splitting the whole file at once took ~375 MB (and 800 MB for 10 million)
    assert_unchanged(big, before)


def test_835_over_the_size_limit_is_not_read(big, tmp_path):
    f = tmp_path / "huge.835"
    with f.open("wb") as fh:  # sparse: 250 MB on paper, nothing on disk
        fh.truncate(250 * 1024 * 1024)
    code, err, mb = run_measured(big, "835 of 250 MB (refused by size)", "era", "import", str(f))
    assert (code, err) == (2, "error: huge.835 is 262,144,000 bytes, more than any such file can be (at most 200 MB);"
                              " check that it is the .835 file\n")
    assert mb < 80


def test_csv_with_a_10_mb_cell(big, tmp_path):
    f = _write(tmp_path / "big-cell.csv", corpus.CSV_HEADER, corpus.CSV_ROWS[0],
               "CK00001,2,120.00,96.00,,24.00,,,PCN", "A" * 10_000_000, ",10442,2026-11-27\n")
    before = (snapshot_files(big), ledger_tables(big))
    code, err, mb = run_measured(big, "EOB CSV, one 10 MB cell", "eob", "import", str(f))
    assert (code, err) == (2, "error: big-cell.csv: not a readable CSV (field larger than field limit (131072)); a cell is"
                              " far longer than any EOB value or a quote is never closed: check the file in a spreadsheet"
                              " and save it again as CSV UTF-8\n")
    assert mb < 150  # measured ~90 MB
    assert_unchanged(big, before)


def test_csv_with_a_million_rows(big, tmp_path):
    f = _write(tmp_path / "million.csv", "claim,allowed,paid\n", "CK00001,1,1\n" * 1_000_000)
    before = (snapshot_files(big), ledger_tables(big))
    code, err, mb = run_measured(big, "EOB CSV, 1,000,000 rows (12 MB)", "eob", "import", str(f))
    assert (code, err) == (2, "error: million.csv: more than 100,000 rows; split the file\n")
    assert mb < 250  # measured ~150 MB
    assert_unchanged(big, before)


def test_csv_that_fails_at_its_last_row_posts_none_of_the_others(big, tmp_path):
    row = "CK00001,1,120.00,16.00,100.00,4.00\n"  # balances: 180 - 60 (CO-45) - 100 - 4 = 16
    f = _write(tmp_path / "last-row.csv", "claim,line,allowed,paid,deductible,coinsurance\n", row * 4_999,
               row.replace("CK00001", "CK99999"))
    before = (snapshot_files(big), ledger_tables(big))
    code, err, mb = run_measured(big, "EOB CSV, 5,000 rows failing at the last", "eob", "import", str(f))
    assert (code, err) == (2, "error: last-row.csv line 5001: no claim 'CK99999'; see 'claimkit claim list'\n")
    assert mb < 250
    assert_unchanged(big, before)


@pytest.mark.parametrize("chunk", [3, 50, 4096])
def test_tokenizer_reads_the_same_segments_whatever_its_block_size(monkeypatch, chunk):
    """The tokenizer splits ~1 MB at a time; blocks ending anywhere (even inside a later ISA that changes the
    separators) yield the same segments and notices as one block."""
    from claimkit.x12 import segments

    samples = [p.read_bytes() for p in sorted((Path(__file__).parent / "data" / "x12").glob("835_*"))]
    valid = corpus.valid_835()
    samples += [(valid + valid.replace("*", "|").replace("~", "\n").replace("|:\n", "|:~")).encode(),
                valid.encode("utf-16-be"), (HOSTILE / "835" / "mixed-element-separators.835").read_bytes()]
    whole = []
    for data in samples:
        r = segments.SegmentReader(data)
        whole.append((list(r), r.notices))
    monkeypatch.setattr(segments, "_CHUNK", chunk)
    for data, expected in zip(samples, whole):
        r = segments.SegmentReader(data)
        assert (list(r), r.notices) == expected
    assert any(n.code == "separators-changed" for _, notes in whole for n in notes)
    assert [els for _, _, els in whole[-2][0]][:2] == [["ISA", *valid.split("~")[0].split("*")[1:]],
                                                       ["GS", "HP", "11111", "CLAIMKIT", "20261120", "1200", "1", "X", "005010X221A1"]]
