"""Building claims from sessions: grouping, ids, snapshots, recording, secondary claims, corrections, listing."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import timedelta
from decimal import Decimal

import pytest
from claim_fixtures import BILLING_NPI, DAY, RENDERING_NPI, add_sessions, make_home

from claimkit.claims import build, followup, ledger
from claimkit.core.entries import ClaimSnapshot
from claimkit.core.errors import ClaimkitError, NotFound
from claimkit.sessions.sessions import NewSession, add_session, get_session


@pytest.fixture
def ws(home):
    return make_home(home)


def _build(ws, **select):
    return build.build_claims(ws, build.select_sessions(ws, **(select or {"all_unbilled": True})))


def test_one_claim_per_client_and_payer_with_short_unique_ids(ws):
    add_sessions(ws, "testy", 2)
    add_sessions(ws, "vic", 1, pos="10")
    add_sessions(ws, "selma", 1)  # self-pay: never on a claim
    created = build.create_claims(ws, build.select_sessions(ws, all_unbilled=True), lambda snaps: "x.pdf")
    assert [(s.patient_client_id, s.billed.payer.id, len(s.lines)) for s in created] == [("testy", "acme", 2), ("vic", "bluepeak", 1)]
    ids = [s.claim_id for s in created]
    assert ids == ["CK00001", "CK00002"]
    assert all(re.fullmatch(r"[A-Z0-9]{1,14}", i) for i in ids)
    more = build.create_claims(ws, [get_session(ws, add_sessions(ws, "testy", 1, start=DAY + timedelta(days=1))[0],
                                                 with_estimate=False)], None)
    assert more[0].claim_id == "CK00003"


def test_preview_takes_no_id_and_records_nothing(ws, home):
    add_sessions(ws, "testy", 1)
    first = _build(ws)
    again = _build(ws)
    assert first[0].claim_id == again[0].claim_id == "CK00001"
    conn = sqlite3.connect(home / "ledger.db")
    assert conn.execute("SELECT COUNT(*) FROM claims").fetchone()[0] == 0
    conn.close()


def test_snapshot_holds_everything_printed(ws):
    add_session(ws, NewSession(client="testy", day=DAY, cpt="90837", minutes=55, dx=["F41.1", "F32.1"]))
    add_session(ws, NewSession(client="testy", day=DAY + timedelta(days=7), cpt="90834", minutes=45, dx=["F32.1", "F43.10"]))
    (snap,) = _build(ws)
    assert snap.dx == ["F41.1", "F32.1", "F43.10"]                  # deduplicated, in order
    assert [ln.dx_pointers for ln in snap.lines] == ["AB", "BC"]
    assert [ln.line_control for ln in snap.lines] == [f"{snap.claim_id}L1", f"{snap.claim_id}L2"]
    assert snap.billed.member_id == "ACM-123 456" and snap.billed.relationship == "self"
    assert snap.billed.insured.last == "McTestface"                  # the client is the insured
    assert snap.other is None
    assert all(ln.rendering_npi == RENDERING_NPI for ln in snap.lines)  # differs from the billing NPI
    assert snap.billing.npi == BILLING_NPI and snap.tax_id == "991234567" and snap.tax_id_type == "ein"
    assert snap.facility is not None and snap.facility.address.street == "400 Example Ave., Ste #200"  # in person
    assert snap.billing_taxonomy_in_33b is False
    assert snap.patient_signature_on_file and snap.accept_assignment
    assert snap.total_charge == 330 and snap.signed_date == snap.created


def test_rendering_npi_only_when_it_differs(ws):
    from claimkit.records.practice import edit_practice

    edit_practice(ws, **{"provider.npi": BILLING_NPI})
    add_sessions(ws, "testy", 1)
    (snap,) = _build(ws)
    assert snap.lines[0].rendering_npi == ""


def test_telehealth_and_taxonomy(ws):
    add_sessions(ws, "vic", 1, pos="10")
    (snap,) = _build(ws)
    assert snap.facility is None
    assert snap.lines[0].modifiers == ["95"] and snap.lines[0].pos == "10"
    assert snap.lines[0].rendering_taxonomy == "101YP2500X" and snap.billing_taxonomy_in_33b


def test_secondary_policy_fills_box_9_on_the_primary(ws):
    add_sessions(ws, "sam", 1)
    (snap,) = _build(ws)
    assert snap.other is not None and snap.other.payer.id == "northwind" and snap.other.member_id == "NW555"
    assert snap.other.insured.first == "Terry" and snap.other.relationship == "spouse"


def test_recording_marks_sessions_billed_in_one_transaction(ws, home):
    ids = add_sessions(ws, "testy", 8)
    (snap,) = build.create_claims(ws, build.select_sessions(ws, client="testy"), lambda s: "claims.pdf")
    assert {get_session(ws, i, with_estimate=False).status for i in ids} == {"billed"}
    row, stored = ledger.get_claim(ws, snap.claim_id)
    assert stored == snap
    assert row.pages == 2 and row.total_charge == 1440 and row.sessions == tuple(ids)
    assert row.status == "billed" and row.rendered_file == "claims.pdf" and row.rank == "primary"
    conn = sqlite3.connect(home / "ledger.db")
    assert conn.execute("SELECT COUNT(*) FROM claim_lines WHERE claim_id = ?", (snap.claim_id,)).fetchone()[0] == 8
    conn.close()
    assert [len(p) for p in snap.pages] == [6, 2]


def test_emit_failure_records_nothing(ws, home):
    ids = add_sessions(ws, "testy", 2)

    def boom(snaps):
        raise ClaimkitError("disk full")

    with pytest.raises(ClaimkitError):
        build.create_claims(ws, build.select_sessions(ws, all_unbilled=True), boom)
    assert {get_session(ws, i, with_estimate=False).status for i in ids} == {"unbilled"}
    assert ledger.list_claims(ws) == []
    assert _build(ws)[0].claim_id == "CK00001"  # the counter did not move


def test_more_than_twelve_diagnoses_split_the_claim(ws):
    codes = ["F41.1", "F32.1", "F43.10", "F33.1", "F40.10", "F42.2", "F43.21", "F50.00", "F90.0", "F84.0", "F60.3",
             "F41.0", "F43.12"]
    for i, code in enumerate(codes):
        add_session(ws, NewSession(client="testy", day=DAY + timedelta(days=i), cpt="90834", minutes=45, dx=[code]))
    built = _build(ws)
    assert [len(s.dx) for s in built] == [12, 1]
    assert all(ln.dx_pointers for s in built for ln in s.lines)


def test_selection_refuses_what_cannot_be_billed(ws):
    billed = add_sessions(ws, "testy", 1)[0]
    build.create_claims(ws, build.select_sessions(ws, all_unbilled=True), None)
    with pytest.raises(ClaimkitError, match="already billed on claim CK00001"):
        build.select_sessions(ws, session_ids=[billed])
    self_pay = add_sessions(ws, "selma", 1)[0]
    with pytest.raises(ClaimkitError, match="self-pay"):
        build.select_sessions(ws, session_ids=[self_pay])
    with pytest.raises(NotFound, match="999"):
        build.select_sessions(ws, session_ids=[999])
    assert build.select_sessions(ws, client="selma") == []


def test_claim_list_and_show(ws, cli, tmp_path):
    add_sessions(ws, "testy", 7)
    add_sessions(ws, "vic", 1, pos="10")
    cli.ok(f"cms1500 render --unbilled -o {tmp_path / 'c.pdf'}")
    data = json.loads(cli.ok("claim list --json").stdout)
    assert [c["id"] for c in data] == ["CK00001", "CK00002"]
    first = data[0]
    assert {"id", "client", "payer", "status", "total_charge", "pages", "sessions", "created", "rendered_file"} <= set(first)
    assert first["client"] == "testy" and first["total_charge"] == "1260.00" and first["pages"] == 2
    assert first["sessions"] == [1, 2, 3, 4, 5, 6, 7] and first["rendered_file"] == str(tmp_path / "c.pdf")
    assert [c["id"] for c in json.loads(cli.ok("claim list --client vic --json").stdout)] == ["CK00002"]
    assert json.loads(cli.ok("claim list --status voided --json").stdout) == []
    assert "CK00001" in cli.ok("claim list").stdout
    shown = cli.ok("claim show ck00001").stdout
    assert "CK00001" in shown and "F41.1" in shown and "$1,260.00" in shown
    full = json.loads(cli.ok("claim show CK00002 --json").stdout)
    assert full["snapshot"]["claim_id"] == "CK00002" and full["snapshot"]["lines"][0]["modifiers"] == ["95"]
    assert "nobody" in cli.fails("claim list --client nobody")


def test_void_returns_sessions_and_they_can_be_billed_again(ws, cli, tmp_path):
    ids = add_sessions(ws, "testy", 2)
    cli.ok(f"cms1500 render --unbilled -o {tmp_path / 'a.pdf'}")
    out = cli.ok("claim correct CK00001 --void --payer-claim-number ICN77").stdout
    assert "CK00002" in out and "cms1500 render --claim CK00002" in out
    assert {get_session(ws, i, with_estimate=False).status for i in ids} == {"unbilled"}
    _, void = ledger.get_claim(ws, "CK00002")
    assert void.frequency == "8" and void.original_ref == "ICN77" and void.lines[0].line_control == "CK00002L1"
    cli.ok(f"cms1500 render --unbilled -o {tmp_path / 'b.pdf'}")
    assert ledger.get_claim(ws, "CK00003")[0].sessions == tuple(ids)
    assert "choose one of --replace or --void" in cli.fails("claim correct CK00003")


def test_replacement_uses_todays_records(ws, cli, tmp_path):
    from claimkit.records.practice import replace_client_file
    from claimkit.store.files import client_path

    add_sessions(ws, "testy", 1)
    cli.ok(f"cms1500 render --unbilled -o {tmp_path / 'a.pdf'}")
    path = client_path(ws.home, "testy")
    replace_client_file(ws, "testy", path.read_bytes().replace(b"ACM-123 456", b"ACM777"))
    cli.ok(f"claim correct CK00001 --replace --payer-claim-number 555 -o {tmp_path / 'fix.pdf'}")
    row, snap = ledger.get_claim(ws, "CK00002")
    assert snap.frequency == "7" and snap.billed.member_id == "ACM777" and row.original_claim == "CK00001"
    assert row.rendered_file == str(tmp_path / "fix.pdf") and (tmp_path / "fix.pdf").exists()
    assert ledger.get_claim(ws, "CK00001")[0].status == "replaced"
    assert ledger.get_claim(ws, "CK00001")[1].billed.member_id == "ACM-123 456"  # the original stays as sent


def test_secondary_needs_a_remittance_and_a_secondary_policy(ws, home):
    ids = add_sessions(ws, "testy", 1)
    (snap,) = build.create_claims(ws, build.select_sessions(ws, all_unbilled=True), None)
    with pytest.raises(ClaimkitError, match="no remittance"):
        followup.build_secondary(ws, snap.claim_id)
    conn = sqlite3.connect(home / "ledger.db")
    with conn:
        conn.execute("INSERT INTO postings (date, client, session_id, claim_id, payer, kind, reason, amount_cents, source,"
                     " created) VALUES ('2026-11-01', 'testy', ?, ?, 'acme', 'insurance_paid', '', 10000, 'era', 'x')",
                     (ids[0], snap.claim_id))
    conn.close()
    with pytest.raises(ClaimkitError, match="no secondary policy") as err:
        followup.build_secondary(ws, snap.claim_id)
    assert "'claimkit client policy add testy --secondary ...'" in str(err.value)  # issue 16.12: the command that exists
    assert followup.eligible_for_secondary(ws) == []


def test_adjustment_codes_from_postings():
    assert followup._adjustment("contractual", "CO-45") == ("CO", "45")
    assert followup._adjustment("patient_resp", "copay") == ("PR", "3")
    assert followup._adjustment("patient_resp", "deductible") == ("PR", "1")
    assert followup._adjustment("patient_resp", "PR-2") == ("PR", "2")
    assert followup._adjustment("other_adj", "OA 23") == ("OA", "23")


def test_replacing_a_secondary_claim_rebuilds_it_from_the_primary(ws, home):
    ids = add_sessions(ws, "sam", 1)
    (primary,) = build.create_claims(ws, build.select_sessions(ws, all_unbilled=True), None)
    conn = sqlite3.connect(home / "ledger.db")
    with conn:
        conn.execute("INSERT INTO postings (date, client, session_id, claim_id, payer, kind, reason, amount_cents, source,"
                     " created) VALUES ('2026-11-01', 'sam', ?, ?, 'acme', 'insurance_paid', '', 9000, 'era', 'x')",
                     (ids[0], primary.claim_id))
        conn.execute("UPDATE claims SET payer_claim_number = 'ACME-ICN-1' WHERE id = ?", (primary.claim_id,))
    conn.close()
    assert followup.eligible_for_secondary(ws) == [primary.claim_id]
    (secondary,) = followup.create_secondary(ws, [primary.claim_id], None)
    assert secondary.other.payer_claim_number == "ACME-ICN-1" and secondary.amount_paid == 90
    assert followup.eligible_for_secondary(ws) == []
    fixed = followup.correct_claim(ws, secondary.claim_id, "replace", "NW-ICN-9")
    assert fixed.rank == "secondary" and fixed.frequency == "7" and fixed.original_ref == "NW-ICN-9"
    assert fixed.billed.payer.id == "northwind" and fixed.other.payer.id == "acme" and fixed.lines[0].prior_paid == 90
    assert ledger.get_claim(ws, secondary.claim_id)[0].status == "replaced"


# --- the stored snapshot: plain JSON in the ledger, read back without pydantic ------------------------------

NEW_FIELDS = ("onset", "onset_qualifier", "accident_date", "referring", "referring_qualifier", "pay_to")


def test_stored_snapshot_json_reads_back_and_keeps_its_form(ws, home):
    add_sessions(ws, "testy", 2)
    (snap,) = build.create_claims(ws, build.select_sessions(ws, client="testy"), None)
    (stored,) = sqlite3.connect(home / "ledger.db").execute("SELECT snapshot FROM claims").fetchone()
    data = json.loads(stored)
    assert data["lines"][0]["charge"] == "180.00" and data["amount_paid"] == "0.00"  # amounts as text, 2 decimals
    assert data["created"] == snap.created.isoformat() and data["lines"][0]["date_from"] == snap.lines[0].date_from.isoformat()
    back = ClaimSnapshot.from_json(stored)
    assert back == snap and back.to_json() == stored
    assert back.lines[0].charge == Decimal("180.00") and back.total_charge == Decimal("360.00")
    with pytest.raises(Exception):  # frozen, like the records
        back.claim_id = "X"  # type: ignore[misc]
    # a snapshot stored before the box 14/17/pay-to fields (and SnapProvider.middle) existed reads with their defaults
    old = {k: v for k, v in data.items() if k not in NEW_FIELDS}
    for part in ("rendering", "billing", "facility"):
        old[part] = {k: v for k, v in old[part].items() if k != "middle"}
    legacy = ClaimSnapshot.from_json(json.dumps(old))
    assert legacy == snap and (legacy.onset, legacy.referring, legacy.pay_to, legacy.rendering.middle) == (None, None, None, "")


@pytest.mark.parametrize("damage,words", [
    ("not json", "Expecting value"),
    ('{"claim_id": "CK1"}', "missing required argument"),
    ('[1, 2]', "not a JSON object"),
])
def test_damaged_snapshot_is_a_snapshot_error(damage, words):
    from claimkit.core.entries import SnapshotError

    with pytest.raises(SnapshotError, match=words):
        ClaimSnapshot.from_json(damage)


def test_check_reports_a_damaged_stored_snapshot_as_one_finding(ws, home):
    from claimkit.checks import run_checks

    add_sessions(ws, "testy", 1)
    (snap,) = build.create_claims(ws, build.select_sessions(ws, client="testy"), None)
    conn = sqlite3.connect(home / "ledger.db")
    with conn:
        conn.execute("UPDATE claims SET snapshot = ? WHERE id = ?", (snap.to_json().replace('"2', '"x2', 1), snap.claim_id))
    conn.close()
    found = [f for f in run_checks(ws, all=True) if f.rule == "claim-snapshot"]
    assert len(found) == 1 and found[0].box == "26" and "\n" not in found[0].message
    assert found[0].message.startswith(f"claim {snap.claim_id}'s stored snapshot is unreadable (")
