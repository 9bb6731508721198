"""claimkit todo: the work list over the report scenario, on fixed days."""

from __future__ import annotations

import json
import sqlite3

import pytest

from conftest import copy_home


@pytest.fixture
def scenario(cli, report_scenario_template):
    """A copy of the report scenario (tests/test_reports.py build()), made once per test process."""
    return copy_home(report_scenario_template, cli)


def todo(cli, *args) -> list[dict]:
    out = json.loads(cli.ok("todo --json " + " ".join(args)).stdout)
    return out["items"]


def kinds(items) -> list[tuple[str, str]]:
    return [(i["kind"], i["subject"]) for i in items]


def test_work_list(scenario):
    items = todo(scenario, "--today 2026-05-20")
    assert kinds(items) == [("unbilled", "dana"), ("timely_filing", "session 12"), ("denial", "claim CK00004 line 1"),
                            ("statement", "dana"), ("statement", "fay"), ("gfe_missing", "fay")]
    unbilled, filing, denial, dana, fay, gfe = items
    # fay pays for herself and was never given a Good Faith Estimate: it was due before her first session
    assert gfe["detail"] == ("3 self-pay sessions (2026-03-03 to 2026-04-07) with no Good Faith Estimate in force;"
                             " it was due by 2026-03-03 (before the first of them), 78 days late")
    assert gfe["action"] == "give an estimate for the care still to come: claimkit gfe create fay --cpt 90837 --start 2026-05-20"
    assert unbilled["amount"] == "180.00" and unbilled["action"] == "claimkit cms1500 render --client dana -o claims-dana.pdf"
    assert filing["due"] == "2026-05-31" and "90-day filing limit ends 2026-05-31 (in 11 days)" in filing["detail"]
    # the denial keeps its outstanding amount and the next step its reason code suggests (CO-50: medical necessity)
    assert denial["claim"] == "CK00004" and denial["amount"] == "180.00" and "(CO-50)" in denial["detail"]
    assert denial["action"].startswith("Appeal with the treatment plan")
    assert "claimkit writeoff CK00004 180.00" in denial["action"]
    # CK00005 (CO-29) was written off: not on the list
    assert not any(i["claim"] == "CK00005" for i in items)
    assert dana["detail"] == "owes $238.00, $238.00 of it over 30 days; no statement sent yet"
    assert fay["amount"] == "180.00"


def test_no_remittance_days(scenario, home):
    # CK00006 was billed 04-22: 28 days on 05-20
    assert not any(i["kind"] == "no_remittance" for i in todo(scenario, "--today 2026-05-20"))
    [item] = [i for i in todo(scenario, "--today 2026-05-20 --days 5") if i["kind"] == "no_remittance"]
    assert item["claim"] == "CK00006" and "billed 2026-04-22, 28 days and no remittance" in item["detail"]
    practice_toml = home / "practice.toml"
    practice_toml.write_text(practice_toml.read_text().replace("no_remittance_days = 30", "no_remittance_days = 20"))
    assert [i["claim"] for i in todo(scenario, "--today 2026-05-20") if i["kind"] == "no_remittance"] == ["CK00006"]
    assert "--days must be 0 or more" in scenario.fails("todo --days -1")


def test_filing_limit_passed(scenario):
    [item] = [i for i in todo(scenario, "--today 2026-06-10") if i["kind"] == "timely_filing"]
    assert "ended 2026-05-31 (10 days ago)" in item["detail"] and item["action"].startswith("past the limit")


def test_statement_sent_clears_the_item(scenario, tmp_path):
    scenario.ok(f"statement render dana --date 2026-05-15 -o {tmp_path / 'd.pdf'}")
    assert ("statement", "dana") not in kinds(todo(scenario, "--today 2026-05-20"))
    # a month later, still unpaid: due again
    [item] = [i for i in todo(scenario, "--today 2026-06-20") if i["subject"] == "dana" and i["kind"] == "statement"]
    assert "last statement 2026-05-15" in item["detail"]


def test_authorizations(scenario, home):
    client = home / "clients" / "dana.toml"
    client.write_text(client.read_text() + '\n[[authorizations]]\nnumber = "AUTH-1"\npayer = "acme"\nvisits = 6\n'
                                           'start = 2026-01-01\nend = 2026-05-31\n')
    [item] = [i for i in todo(scenario, "--today 2026-05-20") if i["kind"] == "authorization"]
    assert item["detail"] == "authorization AUTH-1 (Acme Test Health): ends 2026-05-31 (in 11 days); 1 of 6 visits left"
    assert item["client"] == "dana" and item["due"] == "2026-05-31"


def test_unmatched_remittance_items(scenario, home):
    conn = sqlite3.connect(home / "ledger.db")
    with conn:  # what remittance/suspense.py keeps of a remittance claim no claim matched
        conn.execute("INSERT INTO suspense (kind, account, patient, member_id, service_date, charge_cents, paid_cents, data,"
                     " created) VALUES ('claim', 'XX123', 'TESTCASE, DANA', 'D1', '2026-04-06', 18000, 9500, '{}', '2026-05-01')")
        conn.execute("INSERT INTO suspense (kind, account, patient, member_id, charge_cents, paid_cents, data, status,"
                     " matched_claim, created) VALUES ('claim', 'XX9', '', '', 100, 100, '{}', 'matched', 'CK00001', '2026-05-01')")
    conn.close()
    [item] = [i for i in todo(scenario, "--today 2026-05-20") if i["kind"] == "unmatched"]
    assert item["subject"] == "unmatched item 1" and item["amount"] == "95.00"
    assert item["detail"] == ("account XX123; patient TESTCASE, DANA; member id D1; service date 2026-04-06;"
                              " charge $180.00, paid $95.00")
    assert item["action"].startswith("find the claim it belongs to and post it: claimkit era match 1 CLAIM")


def test_claim_denied_whole(scenario, home):
    """A claim the payer denies whole (CLP02 4) posts nothing: its remittance record says so (remittance/)."""
    conn = sqlite3.connect(home / "ledger.db")
    with conn:
        conn.execute("UPDATE claims SET status = 'denied' WHERE id = 'CK00006'")
        rid = conn.execute("INSERT INTO remittances (source, payer_key, trace, date, amount_cents, created) VALUES"
                           " ('era', 'acme', 'TRN9', '2026-05-10', 0, '2026-05-10')").lastrowid
        conn.execute("INSERT INTO remit_claims (remittance_id, claim_id, account, status_code, charge_cents, paid_cents, reasons,"
                     " date) VALUES (?, 'CK00006', 'CK00006', '4', 18000, 0, 'CO-197', '2026-05-10')", (rid,))
    conn.close()
    [item] = [i for i in todo(scenario, "--today 2026-05-20") if i["kind"] == "denial" and i["claim"] == "CK00006"]
    assert "(CO-197)" in item["detail"] and item["amount"] == "180.00"
    assert item["action"].startswith("Ask for a retro-authorization")
    # answered: no longer waiting for a remittance, and no longer pending an estimate; still owed by insurance
    assert not any(i["kind"] == "no_remittance" for i in todo(scenario, "--today 2026-05-20 --days 1"))
    cole = {r["client"]: r for r in json.loads(scenario.ok("report balances --json --as-of 2026-05-20").stdout)["clients"]}["cole"]
    assert cole["estimated_patient_pending"] == "0.00" and cole["insurance_outstanding"] == "180.00"
    before = {r["client"]: r for r in json.loads(scenario.ok("report balances --json --as-of 2026-05-09").stdout)["clients"]}["cole"]
    assert before["estimated_patient_pending"] == "25.00"


def test_human_output_and_empty_list(scenario):
    out = scenario.ok("todo --today 2026-05-20").stdout
    assert out.startswith("Sessions to bill (1)")
    assert "Denials (1)" in out and "→ Appeal with the treatment plan" in out


def test_nothing_to_do(practice):
    assert practice.ok("todo --today 2026-05-20").stdout.strip() == "Nothing to do: everything is billed, answered and paid."
    assert json.loads(practice.ok("todo --json --today 2026-05-20").stdout) == {"today": "2026-05-20", "items": []}


def test_a_client_to_verify_is_shown_under_its_heading(scenario):
    """Every kind of item has a heading on screen: an eligibility item (a session in two days, no 271) stopped the
    screen with "unexpected KeyError: 'eligibility'"."""
    scenario.ok("session add eli --date 2026-05-22 --cpt 90834")
    out = scenario.ok("todo --today 2026-05-20").stdout
    assert "Eligibility to verify (1)\n  • eli: session on 2026-05-22, no 271 on file: verify the benefits before it\n" in out
    assert "→ claimkit eligibility request eli -o eligibility-eli.270" in out
