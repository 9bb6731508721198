"""report kpis: each KPI to the cent / 0.1% on a ledger built through claimkit (CLI sessions, rendered claims,
imported ERAs), the empty ledger, a payer's own figures, and the PDF's charts read back."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from pypdf import PdfReader

from test_appeals import era

T0 = date.today()  # claims are created today (cms1500 render); everything else is dated around it


def day(n: int) -> str:
    return (T0 + timedelta(days=n)).isoformat()


PAID = ("95.00", [("CO", "45", D("60.00")), ("PR", "3", D("25.00"))], [])
DENY_197 = ("0.00", [("CO", "197", D("180.00"))], ["N54"])
DENY_50 = ("0.00", [("CO", "50", D("180.00"))], [])


@pytest.fixture
def ledger(practice, tmp_path):
    """ada: 2 lines paid (copays owed). ben: line 1 paid, line 2 denied CO-197. cyd (Bright): denied whole CO-50.
    dan: billed, unanswered. eve: self-pay, paid 100 of 180. fay: paid 30 with nothing owed (a credit)."""
    cli = practice
    cli.ok("payer add bright --name 'Bright Test Plan' --payer-id 33333")
    cli.ok("payer rate set bright 90837 110.00")
    for cid, first, payer in (("ada", "Ada", "acme"), ("ben", "Ben", "acme"), ("cyd", "Cyd", "bright"), ("dan", "Dan", "acme")):
        cli.ok(f"client add {cid} --first {first} --last Testcase --dob 1980-01-02 --sex F --dx F41.1 --payer {payer}"
               f" --member-id M{cid.upper()} --copay 25")
    for cid in ("eve", "fay"):
        cli.ok(f"client add {cid} --first {cid.title()} --last Testcase --dob 1990-01-02 --sex F --dx F41.1 --self-pay")
    for cid, n in (("ada", -40), ("ada", -33), ("ben", -100), ("ben", -95), ("cyd", -60), ("dan", -10)):
        cli.ok(f"session add {cid} --date {day(n)} --cpt 90837 --minutes 55")
    cli.ok(f"session add eve --date {day(-5)} --cpt 90837 --minutes 55 --paid 100 --method card")
    cli.ok(f"payment add fay 30.00 --date {day(-2)} --method check")
    cli.ok(f"cms1500 render --unbilled --force -o {tmp_path / 'claims.pdf'}")
    home = cli.home
    cli.ok(f"era import {era(home, tmp_path, [('CK00001', '1', 'MADA', [PAID, PAID]), ('CK00002', '1', 'MBEN', [PAID, DENY_197])], paid_on=T0 + timedelta(days=10))}")
    cli.ok(f"era import {era(home, tmp_path, [('CK00003', '4', 'MCYD', [DENY_50])], payer=('Bright Test Plan', '33333'), paid_on=T0 + timedelta(days=20), trace='TRACE2', name='bright.835')}")
    return cli


def kpis(cli, *args) -> dict:
    return json.loads(cli.ok(f"report kpis --json --from {day(-120)} --to {day(30)} " + " ".join(args)).stdout)


def test_each_kpi_to_the_cent(ledger):
    k = kpis(ledger)
    assert k["clean_claim_rate"]["value"] is None and "no acknowledgements" in k["clean_claim_rate"]["missing"]
    # adjudicated: CK00001 (paid), CK00002 (a line denied), CK00003 (denied whole); CK00004 unanswered
    assert k["first_pass_resolution_rate"] == {"value": "33.3", "numerator": 1, "denominator": 3}
    assert k["denial_rate"] == {"value": "66.7", "numerator": 2, "denominator": 3}
    assert k["denial_rate_dollars"] == {"value": "40.0", "numerator": "360.00", "denominator": "900.00"}
    assert k["denials_by_carc"] == [{"reason": "CO-197", "lines": 1, "amount": "180.00"},
                                    {"reason": "CO-50", "lines": 1, "amount": "180.00"}]
    assert k["denials_by_payer"] == [
        {"payer": "acme", "claims": {"value": "50.0", "numerator": 1, "denominator": 2},
         "dollars": {"value": "25.0", "numerator": "180.00", "denominator": "720.00"}},
        {"payer": "bright", "claims": {"value": "100.0", "numerator": 1, "denominator": 1},
         "dollars": {"value": "100.0", "numerator": "180.00", "denominator": "180.00"}}]
    assert k["denials_by_cpt"] == [{"cpt": "90837", "lines": {"value": "40.0", "numerator": 2, "denominator": 5},
                                    "dollars": {"value": "40.0", "numerator": "360.00", "denominator": "900.00"}}]
    # A/R on T0+30 by age from the date of service: insurance (ben's denied line 180 at 125 days, cyd 180 at 90,
    # dan 180 at 40) + clients (ada's copays 50 at 63-70 days, ben's 25 at 130, eve's 80 at 35); fay's 30 credit
    assert k["ar_by_age"]["insurance"] == {"0-30": "0.00", "31-60": "180.00", "61-90": "180.00", "91-120": "0.00",
                                           "over-120": "180.00", "total": "540.00"}
    assert {b: k["ar_by_age"][b] for b in ("0-30", "31-60", "61-90", "91-120", "over-120", "total")} == {
        "0-30": "0.00", "31-60": "260.00", "61-90": "230.00", "91-120": "0.00", "over-120": "205.00", "total": "695.00"}
    # (695 - 30) / (720 charged in the last 90 days / 90) = 83.125
    assert k["days_in_ar"] == {"value": "83.1", "ar": "695.00", "credit_balances": "30.00", "charges_last_90_days": "720.00"}
    assert k["ar_over_90"] == {"value": "29.5", "numerator": "205.00", "denominator": "695.00"}
    # payments 285 insurance + 100 eve + 30 fay = 415; charges 1,260 - contractual 180 (CO-45)
    assert k["net_collection_rate"] == {"value": "38.4", "numerator": "415.00", "denominator": "1080.00"}
    assert k["net_collection_rate_by_payer"] == [
        {"payer": "acme", "value": "39.6", "numerator": "285.00", "denominator": "720.00"},
        {"payer": "bright", "value": "0.0", "numerator": "0.00", "denominator": "180.00"}]
    assert k["days_to_pay"] == [{"payer": "acme", "median_days": "10.0", "claims": 2}]
    assert sum(D(m["charges"]) for m in k["months"]) == D("1260.00")
    assert sum(D(m["payments"]) for m in k["months"]) == D("415.00")
    assert sum(m["denial_rate"]["denominator"] for m in k["months"]) == 3


def test_one_payer(ledger):
    k = kpis(ledger, "--payer bright")
    assert k["payer"] == "bright"
    assert k["denial_rate"] == {"value": "100.0", "numerator": 1, "denominator": 1}
    assert k["first_pass_resolution_rate"] == {"value": "0.0", "numerator": 0, "denominator": 1}
    # its insurance A/R only; nothing of its charged in the last 90 days (cyd's session is 90 days before --to)
    assert k["ar_by_age"]["total"] == "180.00" and k["days_in_ar"]["value"] is None
    assert k["ar_over_90"] == {"value": "0.0", "numerator": "0.00", "denominator": "180.00"}
    assert "no payer 'nobody'" in ledger.fails("report kpis --payer nobody")


def test_period_before_any_remittance(ledger):
    k = json.loads(ledger.ok(f"report kpis --json --from {day(-120)} --to {day(5)}").stdout)
    assert k["denial_rate"] == {"value": None, "numerator": 0, "denominator": 0}
    assert k["days_to_pay"] == []
    # on T0+5 nothing is adjudicated: every claim is owed by insurance
    assert k["ar_by_age"]["insurance"]["total"] == "1080.00"


def test_empty_ledger(practice):
    k = json.loads(practice.ok("report kpis --json --from 2026-01-01 --to 2026-06-30").stdout)
    assert (k["from"], k["to"]) == ("2026-01-01", "2026-06-30")
    for key in ("first_pass_resolution_rate", "denial_rate", "ar_over_90", "net_collection_rate"):
        assert k[key]["value"] is None, key
    assert k["clean_claim_rate"]["value"] is None and k["days_in_ar"]["value"] is None
    assert k["denials_by_carc"] == [] and k["months"] == [] and k["ar_by_age"]["total"] == "0.00"
    out = practice.ok("report kpis --from 2026-01-01 --to 2026-06-30").stdout
    assert "Clean claim rate            missing" in out
    assert "--from 2026-07-01 is after --to 2026-06-30" in practice.fails("report kpis --from 2026-07-01 --to 2026-06-30")


def test_formulas_in_help(practice):
    from claimkit.reports.kpis import KPIS

    text = " ".join(practice.ok("report kpis --help").stdout.replace("│", " ").split())
    for phrase in ("(total A/R - credit balances) / (gross charges of the last 90 days / 90)", "payments (insurance + clients -",
                   "first paying remittance date - claim date, median per payer", ">= 95%", "30-40 days", "< 10%",
                   "Example: claimkit report kpis"):
        assert phrase in text, phrase
    docs = (__import__("pathlib").Path(__file__).parents[1] / "docs" / "reports.md").read_text()
    for _, name, formula, target in KPIS:
        assert f"| {name} | {formula} | {target} |" in docs, name


def test_pdf_charts_read_back(ledger, tmp_path):
    out = tmp_path / "kpis.pdf"
    said = ledger.ok(f"report kpis --from {day(-120)} --to {day(30)} --pdf {out}").stdout
    assert f"Wrote {out}" in said
    reader = PdfReader(str(out))
    assert len(reader.pages) == 2
    one = " ".join(reader.pages[0].extract_text().split())
    two = " ".join(reader.pages[1].extract_text().split())
    for expected in ("Billing KPIs: Testwell Counseling", "Clean claim rate missing: no acknowledgements on file",
                     "Denial rate (claims) 66.7% < 5%", "Days in A/R 83.1 days 30-40 days", "Net collection rate 38.4%",
                     "Monthly trend: charges, payments and denial rate", "Charges", "Payments", "Dollars", "Denial rate (%)",
                     "Month (first remittance for the denial rate)"):
        assert expected in one, expected
    for expected in ("A/R by age", "0-30", "31-60", "61-90", "91-120", "120+", "Days since the date of service", "Amount owed",
                     "Denials by reason", "CO-197", "CO-50", "Reason (CARC)", "Denied dollars"):
        assert expected in two, expected
    assert "--pdf" in ledger.fails(f"report kpis --pdf {tmp_path / 'k.txt'}")


def test_clean_claim_rate_from_the_acknowledgement_history(ledger):
    from claimkit.acks.history import add_event
    from claimkit.store.workspace import Workspace

    ws = Workspace(ledger.home)
    with ws.transaction() as conn:
        add_event(conn, "CK00001", day(1), "999", status="accepted")
        add_event(conn, "CK00001", day(2), "277ca", status="accepted")
        add_event(conn, "CK00002", day(2), "277ca", status="rejected")  # rejected, then sent again: not clean
        add_event(conn, "CK00002", day(3), "277ca", status="accepted")
        add_event(conn, "CK00003", day(1), "999", status="accepted")
    ws.close()
    # CK00004 has no acknowledgement: not counted
    assert kpis(ledger)["clean_claim_rate"] == {"value": "66.7", "numerator": 2, "denominator": 3}
    assert "Clean claim rate            66.7%" in ledger.ok(f"report kpis --from {day(-120)} --to {day(30)}").stdout
