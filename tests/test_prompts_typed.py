"""Each prompted value is checked as it is typed: a bad answer gets its reason and the question again, the good
answer is stored. Driven through CliRunner with the terminal check forced on (as a terminal would answer)."""

from __future__ import annotations

import sqlite3
import tomllib
from datetime import date, timedelta

import pytest

from conftest import NPI_BILLING, PRACTICE_ARGS, Cli, copy_home

TODAY = date.today()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A practice with a payer, a client with a policy and one session: built once, copied for each test."""
    home = tmp_path_factory.mktemp("typed") / "home"
    cli = Cli(home)
    cli.ok(PRACTICE_ARGS)
    cli.ok("fee set 90837 180.00")
    cli.ok("payer add acme --name 'Acme Test Health' --payer-id 11111")
    cli.ok("payer add bluepeak --name 'Bluepeak Test Mutual' --payer-id 22222")
    cli.ok("client add jdoe --first Testy --last McTestface --dob 1990-04-12 --sex F --dx F41.1 --payer acme"
           " --member-id TST1 --copay 25 --address '1 Test Way' --city Austin --state TX --zip 78701")
    cli.ok(f"session add jdoe --date {(TODAY - timedelta(days=3)).isoformat()} --cpt 90837 --minutes 55")
    return home


@pytest.fixture
def typed(built, tmp_path, monkeypatch):
    """A copy of the built home, with the CLI told it runs on a terminal."""
    import claimkit.cli.output as output

    monkeypatch.setattr(output, "interactive", lambda ctx: True)
    return copy_home(built, Cli(tmp_path / "home"))


def answers(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def test_init_re_asks_each_bad_answer_and_keeps_the_others(tmp_path, monkeypatch):
    import claimkit.cli.output as output

    monkeypatch.setattr(output, "interactive", lambda ctx: True)
    cli = Cli(tmp_path / "new")
    r = cli.ok("init", input=answers(
        "Calm Testing Counseling", "Testa", "Promptly", "LPC",
        "1234567890", NPI_BILLING,             # NPI: bad check digit, then good
        "12-34", "123-45-6789",                # tax ID: 5 digits, then an SSN
        "ein", "",                             # type: EIN contradicts the SSN's writing; Enter takes the shown ssn
        "101YP2500", "101YP2500X",             # taxonomy without its X
        "100 Example St", "Austin",
        "ZZ", "tx",                            # state: no such code, then lower case
        "7870", "787011234",                   # ZIP
        "555-0100", "(512) 555-0100"))         # phone: 7 digits, then a full number
    err = r.stderr
    assert "--npi '1234567890' is not a valid NPI (10 digits with a correct check digit)" in err
    assert "--tax-id '12-34' must be 9 digits (EIN 12-3456789 or SSN 123-45-6789); try again" in err
    assert "--tax-id-type ein: the tax ID 123-45-6789 is written as an SSN; use ssn" in err
    assert "Tax ID type [ein/ssn] (ssn): " in err  # the default follows the number's writing
    assert "--taxonomy '101YP2500' is not a taxonomy code" in err
    assert "--state 'ZZ' is not a US state or territory code" in err
    assert "--zip '7870' must be 5 digits or ZIP+4" in err
    assert "--phone '555-0100' is not a 10-digit phone number" in err
    assert "()" not in err  # no empty default shown
    practice = tomllib.loads((tmp_path / "new" / "practice.toml").read_text())
    b = practice["billing"]
    assert (practice["name"], b["npi"], b["tax_id"], b["tax_id_type"], b["taxonomy"]) == (
        "Calm Testing Counseling", NPI_BILLING, "123456789", "ssn", "101YP2500X")
    assert (b["address"]["state"], b["address"]["zip"], b["phone"]) == ("TX", "78701-1234", "5125550100")
    assert practice["provider"]["last"] == "Promptly"


def test_init_flags_are_checked_by_the_same_rules_before_anything_is_asked(tmp_path):
    cli = Cli(tmp_path / "new")
    assert cli.fails("init --practice-name X --tax-id 123-45-6789 --tax-id-type ein --yes") == (
        "error: --tax-id-type ein: the tax ID 123-45-6789 is written as an SSN; use ssn, or give the EIN as 12-3456789")
    assert cli.fails("init --practice-name X --state ZZ --yes") == (
        "error: --state 'ZZ' is not a US state or territory code (USPS, like TX or PR)")
    assert cli.fails("init --practice-name X --phone 12345 --yes").startswith("error: --phone '12345' is not a 10-digit")
    assert not (tmp_path / "new").exists()
    cli.ok("init --practice-name X --tax-id 123-45-6789 --yes")  # the type follows the writing when not given
    assert tomllib.loads((tmp_path / "new" / "practice.toml").read_text())["billing"]["tax_id_type"] == "ssn"


def test_client_add_re_asks_a_future_birth_date_and_an_unknown_sex(typed):
    future = (TODAY + timedelta(days=30)).isoformat()
    r = typed.ok("client add kid", input=answers("", "Kiddo", "Testcase", future, "2015-13-01", "2015-03-03", "Q", "m"))
    assert "First name: an answer is needed (or give --first on the command line)" in r.stderr
    assert f"--dob {future} is in the future; give the date it happened; try again" in r.stderr
    assert "--dob '2015-13-01' is not a real date" in r.stderr
    assert "--sex 'Q': use M, F or X; try again" in r.stderr
    data = tomllib.loads((typed.home / "clients" / "kid.toml").read_text())
    assert (data["first"], data["last"], data["dob"], data["sex"]) == ("Kiddo", "Testcase", date(2015, 3, 3), "M")


def test_client_policy_add_re_asks_an_unknown_payer(typed):
    r = typed.ok("client policy add jdoe --member-id BP1 --coinsurance 20 --secondary", input=answers("nope", "bluepeak"))
    assert "Payer id [acme/bluepeak]: " in r.stderr
    assert "no payer 'nope'" in r.stderr and "try again" in r.stderr
    pols = tomllib.loads((typed.home / "clients" / "jdoe.toml").read_text())["policies"]
    assert [(p["payer"], p["rank"]) for p in pols] == [("acme", "primary"), ("bluepeak", "secondary")]


def test_payer_add_re_asks_a_blank_name(typed):
    r = typed.ok("payer add cigna --payer-id 62308", input=answers("   ", "Cigna Test Plan"))
    assert "Payer name (as on the claim): an answer is needed" in r.stderr
    payers = tomllib.loads((typed.home / "payers.toml").read_text())
    assert payers["payer"]["cigna"]["name"] == "Cigna Test Plan"


def test_session_add_re_asks_a_bad_date_and_a_code_without_a_fee(typed):
    day = (TODAY - timedelta(days=1)).isoformat()
    r = typed.ok("session add jdoe --minutes 55", input=answers("2026-02-30", day, "9083", "90834", "90837"))
    assert f"Date of service (YYYY-MM-DD) ({TODAY.isoformat()}): " in r.stderr
    assert "--date '2026-02-30' is not a real date" in r.stderr
    assert "--cpt: '9083' is not a 5-character CPT/HCPCS code" in r.stderr
    assert "no fee for 90834: give --fee AMOUNT, or set your standard fee with 'claimkit fee set 90834 AMOUNT'; try again" in r.stderr
    row = sqlite3.connect(typed.home / "ledger.db").execute("SELECT date, cpt, fee_cents FROM sessions ORDER BY id DESC").fetchone()
    assert row == (day, "90837", 18000)


def test_session_void_re_asks_a_blank_reason(typed):
    r = typed.ok("session void 1", input=answers("", "entered twice"))
    assert "Reason: an answer is needed (or give --reason on the command line)" in r.stderr
    row = sqlite3.connect(typed.home / "ledger.db").execute("SELECT status, void_reason FROM sessions WHERE id = 1").fetchone()
    assert row == ("void", "entered twice")


def test_a_missing_argument_is_re_asked_until_it_names_one_on_file(typed):
    r = typed.ok("payment add", input=answers("nobody", "jdoe", "ten", "25.00"))
    assert "CLIENT 'nobody' is not on file (on file: jdoe); try again" in r.stderr
    assert "amount: 'ten' is not an amount; write it like 120.00; try again" in r.stderr
    assert "Recorded $25.00 from jdoe" in r.stdout


def test_a_missing_session_id_is_checked_by_its_type_and_on_file(typed):
    r = typed.ok("session show", input=answers("one", "99", "1"))
    assert "ID 'one' is not on file" in r.stderr and "ID '99' is not on file (on file: 1)" in r.stderr
    assert "Session 1" in r.stdout


def test_a_missing_output_file_is_re_asked_when_its_folder_does_not_exist(typed, tmp_path):
    good = tmp_path / "claims.pdf"
    r = typed.ok("cms1500 render --client jdoe", input=answers(str(tmp_path / "no" / "such" / "c.pdf"), str(tmp_path), str(good)))
    assert f"folder {tmp_path / 'no' / 'such'} does not exist; create it or choose another -o path; try again" in r.stderr
    assert f"{tmp_path} is a folder; give a file name with -o; try again" in r.stderr
    assert good.read_bytes().startswith(b"%PDF")


def test_gfe_create_and_render_re_ask(typed, tmp_path):
    typed.ok("client add solo --first Selfie --last Payer --dob 1980-01-02 --sex M --dx F41.1 --self-pay"
             " --address '5 Cash Ct' --city Austin --state TX --zip 78701")
    start = (TODAY + timedelta(days=14)).isoformat()
    r = typed.ok("gfe create solo --sessions 10", input=answers("99999", "90837", "next week", start))
    assert "--cpt 99999: claimkit does not know this code" in r.stderr
    assert "--start 'next week' is not a real date" in r.stderr
    gfe = sqlite3.connect(typed.home / "ledger.db").execute("SELECT id, start, total_cents FROM gfes").fetchone()
    assert gfe == ("GFE-0001", start, 180000)
    pdf = tmp_path / "est.pdf"
    r = typed.ok("gfe render GFE-0001", input=answers(str(tmp_path / "missing" / "x.pdf"), str(pdf)))
    assert "GFE-0001-solo.pdf" in r.stderr  # the default is shown
    assert "does not exist; create it or choose another -o path; try again" in r.stderr
    assert pdf.read_bytes().startswith(b"%PDF")


def test_yes_and_no_terminal_fail_with_one_line(built, tmp_path):
    cli = copy_home(built, Cli(tmp_path / "home"))  # CI=true: no terminal
    assert cli.fails("client add kid --first A --last B --dob 2015-01-01") == (
        "error: --sex is required (one of M, F, X); give it on the command line")
    assert cli.fails("--yes payer add cigna") == "error: --name is required; give it on the command line"
    assert cli.fails("client add kid --first A --last B --sex M --dob 2999-01-01") == (
        "error: --dob 2999-01-01 is in the future; give the date it happened")
    assert not (cli.home / "clients" / "kid.toml").exists()
