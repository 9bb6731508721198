"""Good Faith Estimates: due dates in business days, what create refuses, superseding, and the PDF read back."""

from __future__ import annotations

import json
import sqlite3
from datetime import date

import pytest
from pypdf import PdfReader

from conftest import snapshot_files
from claimkit.gfe.days import add_business_days, business_days_between, federal_holidays, is_business_day
from claimkit.gfe.service import due_date, expected_sessions, scope_end

TODAY = "2026-11-20"  # a Friday
GFE_ARGS = f"gfe create solo --cpt 90791:1 --cpt 90837 --sessions 40 --start 2026-12-07 --today {TODAY}"


@pytest.fixture
def solo(practice):
    practice.ok("client add solo --first Selfie --last Payer --dob 1980-01-02 --sex M --dx F41.1 --self-pay"
                " --address '5 Cash Ct' --city Austin --state TX --zip 78701 --phone 5125550199")
    return practice


def gfes(home) -> list[tuple]:
    conn = sqlite3.connect(home / "ledger.db")
    try:
        return conn.execute("SELECT id, client, issued, due, start, end, sessions, total_cents, superseded_by,"
                            " superseded_on FROM gfes ORDER BY id").fetchall()
    finally:
        conn.close()


# --- business days ----------------------------------------------------------------------------------------

def test_federal_holidays_by_rule_with_observed_dates():
    h2026 = federal_holidays(2026)
    assert h2026[date(2026, 1, 19)].startswith("Birthday of Martin Luther King")   # 3rd Monday of January
    assert h2026[date(2026, 5, 25)] == "Memorial Day"                               # last Monday of May
    assert h2026[date(2026, 7, 3)] == "Independence Day (observed)"                 # July 4, 2026 is a Saturday
    assert h2026[date(2026, 11, 26)] == "Thanksgiving Day"                          # 4th Thursday of November
    assert h2026[date(2026, 6, 19)].startswith("Juneteenth")
    assert len(h2026) == 11
    h2027 = federal_holidays(2027)
    assert h2027[date(2027, 12, 24)] == "Christmas Day (observed)"                  # Dec 25, 2027 is a Saturday
    assert h2027[date(2027, 12, 31)] == "New Year's Day (observed)"                 # Jan 1, 2028 is a Saturday
    assert date(2028, 1, 1) not in federal_holidays(2028)
    assert h2027[date(2027, 6, 18)] == "Juneteenth National Independence Day (observed)"  # June 19, 2027: Saturday
    assert date(2020, 6, 19) not in federal_holidays(2020)                          # a holiday from 2021 on


def test_business_days_skip_weekends_and_holidays():
    assert add_business_days(date(2026, 11, 20), 1) == date(2026, 11, 23)   # Friday -> Monday
    assert add_business_days(date(2026, 11, 25), 1) == date(2026, 11, 27)   # over Thanksgiving
    assert add_business_days(date(2026, 12, 30), 3) == date(2027, 1, 5)     # over New Year's Day and a weekend
    assert add_business_days(date(2026, 7, 2), 1) == date(2026, 7, 6)       # July 3 observed, then the weekend
    assert not is_business_day(date(2026, 7, 3)) and is_business_day(date(2026, 7, 2))
    assert business_days_between(date(2026, 11, 20), date(2026, 11, 25)) == 3  # Mon, Tue, Wed


def test_due_date_rule_one_or_three_business_days():
    # 3 to 9 business days ahead: 1 business day; across a weekend
    assert due_date(date(2026, 11, 20), date(2026, 11, 25))[0] == date(2026, 11, 23)
    # across Thanksgiving: Wednesday -> Friday
    assert due_date(date(2026, 11, 25), date(2026, 12, 2))[0] == date(2026, 11, 27)
    # 10 or more business days ahead: 3 business days, across New Year's Day
    due, why = due_date(date(2026, 12, 30), date(2027, 1, 20))
    assert due == date(2027, 1, 5) and why.startswith("3 business days")
    # 9 business days ahead is still the 1-day rule
    assert due_date(date(2026, 12, 1), date(2026, 12, 14))[0] == date(2026, 12, 2)
    # under 3 business days: by the first session
    assert due_date(date(2026, 11, 20), date(2026, 11, 24)) == (date(2026, 11, 24), "by the first session: care scheduled less than 3 business days ahead")


def test_scope_and_expected_sessions():
    assert scope_end(date(2026, 12, 7), 12) == date(2027, 12, 6)
    assert scope_end(date(2026, 1, 31), 1) == date(2026, 2, 27)
    assert expected_sessions(date(2026, 12, 7), date(2027, 12, 6), "weekly") == 53
    assert expected_sessions(date(2026, 12, 7), date(2027, 12, 6), "biweekly") == 27
    assert expected_sessions(date(2026, 12, 7), date(2027, 12, 6), "monthly") == 12


# --- create -------------------------------------------------------------------------------------------------

def test_create_records_the_estimate(solo):
    out = solo.ok(GFE_ARGS + " --scheduled 2026-11-20")
    assert out.stdout.splitlines()[0] == ("Good Faith Estimate GFE-0001 for solo: 90791 x1 at $200.00, 90837 x40 at"
                                          " $180.00 = $7,400.00")
    # scheduled Friday 11/20 for 12/07 (10+ business days ahead): 3 business days, over the weekend -> Wednesday
    assert "give it by 2026-11-25 (3 business days after scheduling" in out.stdout
    assert gfes(solo.home) == [("GFE-0001", "solo", TODAY, "2026-11-25", "2026-12-07", "2027-12-06", 41, 740000, None, None)]
    data = json.loads(solo.ok(f"gfe show GFE-0001 --json --today {TODAY}").stdout)
    assert data["provider"]["tin"] == "991234567" and data["provider"]["tin_type"] == "ein"
    assert data["client"] == {"id": "solo", "name": "Selfie Payer", "dob": "1980-01-02", "coverage": "uninsured",
                              "address": {"street": "5 Cash Ct", "street2": "", "city": "Austin", "state": "TX",
                                          "zip": "78701"}, "phone": "5125550199", "email": ""}
    assert [(i["cpt"], i["sessions"], i["fee"], i["dx"]) for i in data["items"]] == [
        ("90791", 1, "200.00", ["F41.1"]), ("90837", 40, "180.00", ["F41.1"])]
    assert data["total"] == "7400.00" and data["status"] == "not started" and data["billed"] == "0.00"


def test_due_date_across_thanksgiving_through_the_cli(solo):
    out = solo.ok("gfe create solo --cpt 90837 --start 2026-12-02 --scheduled 2026-11-25 --today 2026-11-25 --json")
    data = json.loads(out.stdout)
    assert data["due"] == "2026-11-27" and data["due_rule"].startswith("1 business day after scheduling")


def test_a_replacement_supersedes_and_keeps_the_older_estimate(solo):
    solo.ok(GFE_ARGS)
    out = solo.ok(f"gfe create solo --cpt 90837 --sessions 20 --frequency biweekly --start 2026-12-07 --today 2026-11-23")
    assert "replaces GFE-0001 (kept, marked superseded)" in out.stdout
    rows = gfes(solo.home)
    assert [(r[0], r[8], r[9]) for r in rows] == [("GFE-0001", "GFE-0002", "2026-11-23"), ("GFE-0002", None, None)]
    listed = json.loads(solo.ok("gfe list --client solo --json --today 2026-12-10").stdout)
    assert [(g["id"], g["status"], g["total"]) for g in listed] == [
        ("GFE-0001", "superseded by GFE-0002", "7400.00"), ("GFE-0002", "in force", "3600.00")]
    old = json.loads(solo.ok("gfe show GFE-0001 --json").stdout)
    assert old["total"] == "7400.00" and old["superseded_by"] == "GFE-0002"   # kept as it was given
    assert json.loads(solo.ok("gfe show 2 --json").stdout)["supersedes"] == "GFE-0001"


@pytest.mark.parametrize("args, expected", [
    ("--months 13", "--months 13: one estimate covers recurring care for 1 to 12 months at most"),
    ("--cpt 12345", "--cpt 12345: claimkit does not know this code"),
    ("--cpt 90832", "--cpt 90832: no fee for it; give --fee 90832=AMOUNT, or set your standard fee with 'claimkit fee set 90832 AMOUNT'"),
    # Tuesday 11/10 + 3 business days, Veterans Day (11/11) not counted: Monday 11/16
    ("--scheduled 2026-11-10", "--scheduled 2026-11-10: the estimate was due by 2026-11-16 (3 business days after"),
    ("--scheduled 2026-11-21", "--scheduled 2026-11-21: is in the future"),
    ("--frequency daily", "--frequency 'daily': use one of weekly, biweekly, monthly"),
    ("--dx X", "--dx: 'X' is not an ICD-10-CM code"),
    ("--fee 90837=1.234", "has more than two decimals"),
    ("--cpt 90837:0", "the number of sessions after ':' must be 1 to 400"),
])
def test_bad_input_is_refused_with_one_line_and_nothing_written(solo, args, expected):
    before = snapshot_files(solo.home)
    line = solo.fails(GFE_ARGS + " " + args)
    assert expected in line
    assert gfes(solo.home) == [] and snapshot_files(solo.home) == before


def test_a_late_estimate_needs_late_and_says_so(solo):
    out = solo.ok(GFE_ARGS + " --scheduled 2026-11-10 --late")
    assert "warning: given late: it was due by 2026-11-16" in out.stderr
    assert json.loads(solo.ok("gfe show GFE-0001 --json").stdout)["late"] is True


def test_in_network_client_needs_self_pay(practice):
    practice.ok("client add ins --first Insured --last Person --dob 1980-01-02 --sex F --dx F41.1 --payer acme --member-id A1 --copay 20")
    line = practice.fails(f"gfe create ins --cpt 90837 --start 2026-12-07 --today {TODAY}")
    assert line.endswith("gfe create: ins's Acme Test Health policy is billed in network; an estimate is for uninsured and"
                    " self-pay clients: add --self-pay if ins chose not to use the insurance for these sessions")
    out = practice.ok(f"gfe create ins --cpt 90837 --start 2026-12-07 --today {TODAY} --self-pay --json")
    assert json.loads(out.stdout)["client"]["coverage"] == "self-pay"


def test_an_ssn_needs_allow_ssn(cli):
    from conftest import PRACTICE_ARGS

    cli.ok(PRACTICE_ARGS.replace("--tax-id 99-1234567 --tax-id-type ein", "--tax-id 123-45-6789 --tax-id-type ssn"))
    cli.ok("fee set 90837 180.00")
    cli.ok("client add solo --first Selfie --last Payer --dob 1980-01-02 --sex M --dx F41.1 --self-pay")
    line = cli.fails(f"gfe create solo --cpt 90837 --start 2026-12-07 --today {TODAY}")
    assert "the practice's tax ID is an SSN" in line and "an EIN is advised" in line and "--allow-ssn" in line
    assert gfes(cli.home) == []
    out = cli.ok(f"gfe create solo --cpt 90837 --start 2026-12-07 --today {TODAY} --allow-ssn")
    assert "an EIN is advised" in out.stderr


def test_missing_values_without_a_terminal_are_one_line(solo):
    assert solo.fails("gfe create solo --start 2026-12-07").endswith("--cpt is required; give it on the command line")
    assert solo.fails("gfe create solo --cpt 90837").endswith("--start is required; give it on the command line")
    assert "no client 'nobody'" in solo.fails("gfe create nobody --cpt 90837 --start 2026-12-07")
    assert "no estimate 'GFE-0099'" in solo.fails("gfe show GFE-0099")


def test_help_ends_with_an_example(cli):
    for cmd in ("create", "list", "show", "render"):
        out = cli.ok(f"gfe {cmd} --help").stdout
        assert f"Example: claimkit gfe {cmd}" in out, cmd


# --- the PDF ------------------------------------------------------------------------------------------------

def pdf_runs(path) -> list[tuple[str, float, float]]:
    page = PdfReader(str(path)).pages[0]
    runs: list[tuple[str, float, float]] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            runs.append((text.strip(), tm[4] * cm[0] + tm[5] * cm[2] + cm[4], tm[4] * cm[1] + tm[5] * cm[3] + cm[5]))

    page.extract_text(visitor_text=visit)
    return runs


def at(runs, text) -> tuple[float, float]:
    """Where the topmost run holding `text` starts."""
    found = [(x, y) for t, x, y in runs if text in t]
    assert found, f"{text!r} not on the page"
    return max(found, key=lambda p: p[1])


def test_pdf_every_element_at_its_place_and_the_total(solo, tmp_path):
    solo.ok(GFE_ARGS + " --separate 'psychiatric medication evaluation (another provider)'")
    out = tmp_path / "gfe.pdf"
    solo.ok(f"gfe render GFE-0001 -o {out}")
    reader = PdfReader(str(out))
    assert len(reader.pages) == 1
    runs = pdf_runs(out)
    text = " ".join(t for t, _, _ in runs)
    W, H = 612, 792
    # header: practice top left, title and number top right
    x, y = at(runs, "Testwell Counseling")
    assert x < 100 and y > H - 70
    x, y = at(runs, "GOOD FAITH ESTIMATE")
    assert x > W / 2 and y > H - 70
    assert at(runs, "Estimate GFE-0001")[0] > W / 2 and "Date given 11/20/2026" in text
    # 1. client name and date of birth (left block), with address and phone
    cx, cy = at(runs, "Selfie Payer")
    assert cx < W / 2 and H - 200 < cy < H - 100
    assert at(runs, "Date of birth: 01/02/1980")[0] < W / 2 and "5 Cash Ct" in text and "(512) 555-0199" in text
    # 5. provider name, NPI, TIN (right block, level with the client), location and state
    px, py = at(runs, "Testy McTestface, LPC")
    assert px > W / 2 and abs(py - cy) < 2
    assert at(runs, "NPI: 1234567893")[0] > W / 2 and at(runs, "TIN (EIN): 99-1234567")[0] > W / 2
    assert "100 Example St, Austin, TX 78701-1234 (state: TX)" in text
    # 2. the primary service in plain words and its scheduled date; the period, frequency and number of sessions
    for label, value in (("Primary service", "Psychotherapy, 60 min (90837), weekly"), ("First session scheduled", "12/07/2026"),
                         ("Period covered", "12/07/2026 to 12/06/2027 (12 months)"), ("How often", "Weekly"),
                         ("Sessions expected", "41"), ("Diagnosis codes", "F41.1")):
        lx, ly = at(runs, label)
        vx, vy = [(x, y) for t, x, y in runs if t.startswith(value) and y < cy][0]
        assert abs(ly - vy) < 2 and vx > lx, label
    # 3./4. the itemized table grouped by provider: codes, diagnoses, charges; the total to the cent
    gx, gy = at(runs, "NPI 1234567893, TIN 99-1234567")
    rows = {}
    for code in ("90791", "90837"):
        _, ry = [(x, y) for t, x, y in runs if t == code][0]
        rows[code] = sorted((x, t) for t, x, y in runs if abs(y - ry) < 2)
        assert ry < gy  # under the provider's group row
    assert [t for _, t in rows["90791"]] == ["90791", "Diagnostic evaluation (intake), no medical", "F41.1", "1",  # the label wraps
                                             "$200.00", "$200.00"]
    assert [t for _, t in rows["90837"]] == ["90837", "Psychotherapy, 60 min", "F41.1", "40", "$180.00", "$7,200.00"]
    tx, ty = at(runs, "Total expected charges")
    total_row = sorted((x, t) for t, x, y in runs if abs(y - ty) < 2)
    assert [t for _, t in total_row] == ["Total expected charges", "41", "$7,400.00"]
    assert ty < min(y for code in rows for y in [[yy for t, xx, yy in runs if t == code][0]])
    assert total_row[-1][0] > 500  # the right-hand column
    # 6. services to schedule separately
    sx, sy = at(runs, "SERVICES TO BE SCHEDULED SEPARATELY")
    assert sy < ty and "psychiatric medication evaluation (another provider)" in text
    # 7.-10. the four statements, under the table, and the dispute right with the figures
    flat = " ".join(text.split())
    for heading in ("This is an estimate.", "Other services are not included.", "You can dispute a bill that is much higher.",
                    "This is not a contract."):
        assert at(runs, heading)[1] < sy, heading
    assert "$400.00 or more above this estimate's total of $7,400.00" in flat
    assert "www.cms.gov/nosurprises" in flat and "will not affect the quality of the care" in flat
    assert "does not oblige you to receive any of the services" in flat
    # the signature and date lines at the bottom
    assert at(runs, "Provider signature: Testy McTestface, LPC")[1] < at(runs, "This is not a contract.")[1]
    assert at(runs, "Received by the client: Selfie Payer")[1] < 150


def test_a_practice_without_an_address_or_tin_is_told_what_to_set(cli):
    cli.ok("init --practice-name Testwell --npi 1234567893 --tax-id 991234567 --yes")
    cli.ok("fee set 90837 180.00")
    cli.ok("client add solo --first Selfie --last Payer --dob 1980-01-02 --sex M --dx F41.1 --self-pay")
    assert "the practice has no office address" in cli.fails(f"gfe create solo --cpt 90837 --start 2026-12-07 --today {TODAY}")
    assert gfes(cli.home) == []


# --- watching the estimate ----------------------------------------------------------------------------------

def flat_text(path) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(str(path)).pages)


def test_superbill_and_statement_print_the_estimate_in_force(solo, tmp_path):
    solo.ok("session add solo --date 2026-12-07 --cpt 90837 --minutes 55")
    solo.ok(f"superbill render solo --from 2026-12-01 --to 2026-12-31 -o {tmp_path / 'before.pdf'}")
    assert "Good Faith Estimate" not in flat_text(tmp_path / "before.pdf")
    solo.ok(GFE_ARGS)
    solo.ok("session add solo --date 2026-12-14 --cpt 90837 --minutes 55")
    solo.ok(f"superbill render solo --from 2026-12-01 --to 2026-12-31 -o {tmp_path / 'sb.pdf'}")
    note = "Good Faith Estimate GFE-0001 given 11/20/2026: expected total $7,400.00 for 12/07/2026 to 12/06/2027."
    assert note in flat_text(tmp_path / "sb.pdf")
    solo.ok(f"statement render solo --date 2026-12-20 -o {tmp_path / 'st.pdf'}")
    assert note in flat_text(tmp_path / "st.pdf")


def test_check_warns_on_a_self_pay_session_with_no_estimate(solo):
    out = solo.ok("session add solo --date 2026-11-16 --cpt 90837 --minutes 55")
    assert "warning box 24F: 90837 on 2026-11-16 is self-pay and no Good Faith Estimate is in force on that date" in out.stdout
    found = json.loads(solo("check solo --json").stdout)
    assert [f["rule"] for f in found if f["rule"] == "gfe-missing"] == ["gfe-missing"]
    solo.ok("gfe create solo --cpt 90837 --start 2026-11-16 --scheduled 2026-11-09 --today 2026-11-10")
    found = json.loads(solo("check solo --json").stdout)
    assert [f for f in found if f["rule"] == "gfe-missing"] == []


def todo_items(cli, today: str) -> list[dict]:
    return [i for i in json.loads(cli.ok(f"todo --json --today {today}").stdout)["items"] if i["kind"].startswith("gfe")]


@pytest.mark.parametrize("fee, over, words", [
    ("379.99", "399.99", "$399.99 over ($0.01 below the dispute threshold)"),
    ("380.00", "400.00", "$400.00 over: dispute threshold reached ($400.00 or more over)"),
])
def test_todo_billed_over_the_estimate_and_the_dispute_threshold(solo, fee, over, words):
    # estimate: 2 sessions at 180.00 = 360.00; billed 380.00 + fee
    solo.ok("gfe create solo --cpt 90837 --sessions 2 --start 2026-12-07 --today 2026-11-20")
    solo.ok("session add solo --date 2026-12-07 --cpt 90837 --minutes 55 --fee 380.00")
    solo.ok(f"session add solo --date 2026-12-14 --cpt 90837 --minutes 55 --fee {fee}")
    [item] = [i for i in todo_items(solo, "2026-12-15") if i["kind"] == "gfe_over"]
    assert item["detail"] == f"GFE-0001: billed ${380 + float(fee):,.2f} on an estimate of $360.00, {words}"
    assert item["amount"] == over and item["client"] == "solo"


def test_todo_scope_exceeded_expiring_and_about_to_go_over(solo):
    solo.ok("gfe create solo --cpt 90837 --sessions 2 --start 2026-12-07 --months 1 --today 2026-11-20")
    solo.ok("session add solo --date 2026-12-07 --cpt 90837 --minutes 55")
    items = todo_items(solo, "2026-12-08")
    assert [(i["kind"], i["detail"]) for i in items] == [
        ("gfe_expiring", "GFE-0001 ends 2027-01-06 (in 29 days)")]
    solo.ok("session add solo --date 2026-12-14 --cpt 90837 --minutes 55")
    items = todo_items(solo, "2026-12-15")
    assert ("gfe_over", "GFE-0001: billed $360.00 of $360.00; the next session goes over the estimate") in [
        (i["kind"], i["detail"]) for i in items]
    solo.ok("session add solo --date 2026-12-21 --cpt 90834 --minutes 45")
    items = {i["kind"]: i for i in todo_items(solo, "2026-12-22")}
    assert items["gfe_scope"]["detail"] == "GFE-0001: 3 sessions in its period on 2 estimated (90834: 1 not estimated)"
    assert items["gfe_over"]["detail"].startswith("GFE-0001: billed $510.00 on an estimate of $360.00, $150.00 over")
    # a replacement for the care to come, with the new scope, clears them; the old one is kept and covers until then
    solo.ok("gfe create solo --cpt 90837 --cpt 90834 --sessions 8 --start 2026-12-28 --months 3 --today 2026-12-22")
    assert [i["kind"] for i in todo_items(solo, "2026-12-22")] == []


def test_todo_missing_estimate_with_its_due_date(solo):
    solo.ok("session add solo --date 2026-11-16 --cpt 90837 --minutes 55")
    [item] = todo_items(solo, "2026-11-20")
    assert item["kind"] == "gfe_missing" and item["due"] == "2026-11-16"
    assert item["detail"] == ("1 self-pay session (2026-11-16) with no Good Faith Estimate in force; it was due by"
                              " 2026-11-16 (before the first of them), 4 days late")
    assert item["action"] == "give an estimate for the care still to come: claimkit gfe create solo --cpt 90837 --start 2026-11-20"
    # an estimate from the next session on leaves the past one uncovered, and says so
    solo.ok("gfe create solo --cpt 90837 --start 2026-11-23 --today 2026-11-20")
    assert [i["kind"] for i in todo_items(solo, "2026-11-20")] == ["gfe_missing"]
    solo.ok("gfe create solo --cpt 90837 --start 2026-11-16 --scheduled 2026-11-09 --today 2026-11-20 --late")
    assert todo_items(solo, "2026-11-20") == []


def test_missing_values_are_asked_on_a_terminal_and_checked_as_typed(solo, home):
    from test_prompts import run_in_terminal

    code, out = run_in_terminal(["gfe", "create", "solo", "--sessions", "20"], home, [
        ("Service code", "99999"), ("Service code", "90837"), ("First session", "2026-13-01"),
        ("First session", "2099-01-04")])
    assert code == 0, out
    assert "--cpt 99999: claimkit does not know this code" in out
    assert "--start '2026-13-01' is not a real date" in out
    assert "Good Faith Estimate GFE-0001 for solo: 90837 x20 at $180.00 = $3,600.00" in out
    assert [(r[0], r[4], r[6]) for r in gfes(home)] == [("GFE-0001", "2099-01-04", 20)]
