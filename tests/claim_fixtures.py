"""A practice home for the claim, CMS-1500 and superbill tests, built with claimkit's own functions.

Every person and number is fake: "Testy McTestface" and friends, NPIs with a valid check digit only.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from claimkit.records.practice import add_client, add_payer, add_policy, init_home, policy_data, set_fee
from claimkit.sessions.sessions import NewSession, add_session
from claimkit.store.workspace import Workspace

BILLING_NPI = "1234567893"
RENDERING_NPI = "1245319599"
FACILITY_NPI = "1679576722"
_ago = date.today() - timedelta(days=63)
DAY = _ago - timedelta(days=_ago.weekday())  # a Monday 9-10 weeks ago (inside every filing limit); weekly from here


def make_home(path: Path) -> Workspace:
    init_home(path, {
        "practice_name": "Testy Counseling PLLC", "npi": BILLING_NPI, "rendering_npi": RENDERING_NPI,
        "tax_id": "99-1234567", "tax_id_type": "ein", "taxonomy": "101YP2500X", "phone": "(512) 555-0100",
        "address": "400 Example Ave., Ste #200", "city": "Austin", "state": "TX", "zip": "78701-4321",
        "provider_first": "Testy", "provider_last": "McTestface", "credentials": "LPC", "license": "LPC-00000",
        "license_state": "TX",
    })
    ws = Workspace(path)
    for cpt, fee in (("90791", "200.00"), ("90834", "150.00"), ("90837", "180.00")):
        set_fee(ws, cpt, Decimal(fee))
    add_payer(ws, {"id": "acme", "name": "Acme Health Plan", "payer_id": "DEMO1", "type": "group",
                   "address": {"street": "PO Box 1000", "city": "Dallas", "state": "TX", "zip": "75201-1000"},
                   "rates": {"90837": "120.00", "90834": "95.00", "90791": "140.00"}})
    add_payer(ws, {"id": "bluepeak", "name": "Bluepeak Mutual", "payer_id": "DEMO2", "type": "commercial",
                   "telehealth_modifier": "95", "telehealth_pos": "10", "requires_taxonomy": True,
                   "address": {"street": "PO Box 2000", "city": "Denver", "state": "CO", "zip": "80202"}})
    add_payer(ws, {"id": "northwind", "name": "Northwind Insurance", "payer_id": "DEMO4", "type": "commercial",
                   "box29_includes_patient_paid": False,
                   "address": {"street": "PO Box 4000", "city": "Austin", "state": "TX", "zip": "78711"}})
    add_client(ws, {"id": "testy", "first": "Testy", "last": "McTestface", "middle": "Quinn", "dob": "1980-02-03",
                    "sex": "F", "phone": "512-555-0199", "dx": ["F41.1", "F32.1"],
                    "address": {"street": "12 Fake St., Apt #4", "city": "Austin", "state": "TX", "zip": "78704"}},
               policy_data({"payer": "acme", "member_id": "ACM-123 456", "group": "GRP-1", "copay": "20.00"}))
    add_client(ws, {"id": "sam", "first": "Sam", "last": "O'Sample-Smith", "dob": "1975-12-01", "sex": "M",
                    "dx": ["F43.10"], "address": {"street": "41 Placeholder Dr", "city": "Austin", "state": "TX", "zip": "78731"}},
               policy_data({"payer": "acme", "member_id": "ACM999", "group": "G2", "copay": "20.00"}))
    add_policy(ws, "sam", policy_data({
        "payer": "northwind", "member_id": "NW555", "group": "NWG", "plan_name": "Northwind PPO", "secondary": True,
        "relationship": "spouse", "coinsurance": "10", "insured_first": "Terry", "insured_last": "O'Sample-Smith",
        "insured_dob": "1973-02-20", "insured_sex": "F", "insured_address": "41 Placeholder Dr", "insured_city": "Austin",
        "insured_state": "TX", "insured_zip": "78731"}))
    add_client(ws, {"id": "vic", "first": "Vic", "last": "Videocall", "dob": "1990-05-06", "sex": "M", "dx": ["F33.1"],
                    "address": {"street": "9 Remote Way", "city": "El Paso", "state": "TX", "zip": "79901"}},
               policy_data({"payer": "bluepeak", "member_id": "BPK42", "coinsurance": "20"}))
    add_client(ws, {"id": "selma", "first": "Selma", "last": "Selfpay", "dob": "1985-09-09", "sex": "F", "dx": ["F41.1"],
                    "address": {"street": "5 Cash Ct", "city": "Austin", "state": "TX", "zip": "78702"}},
               policy_data({"payer": "northwind", "member_id": "NWOON1", "self_pay": True}))
    return ws


def add_sessions(ws: Workspace, client: str, n: int, *, cpt: str = "90837", pos: str | None = None,
                 start: date = DAY, paid: str | None = None, minutes: int = 55) -> list[int]:
    ids = []
    for i in range(n):
        added = add_session(ws, NewSession(client=client, day=start + timedelta(days=7 * i), cpt=cpt, minutes=minutes,
                                           pos=pos, paid=Decimal(paid) if paid else None))
        ids.append(added.session.id)
    return ids


REFERRING_NPI = "1679576722"
ONSET = date(2026, 9, 1)
ACCIDENT = date(2026, 8, 28)


def add_accident_client(ws: Workspace) -> Workspace:
    """Client "rita": an auto accident in TX (10b, DTP*439), onset of the illness (14, DTP*431), a plan that
    wants a referral (17 DN, 17b); and a pay-to PO box for the practice (837P 2010AB). A fresh workspace."""
    with open(ws.home / "practice.toml", "a") as fh:
        fh.write('\n[billing.pay_to]\nstreet = "PO Box 77"\ncity = "Austin"\nstate = "TX"\nzip = "78711-0077"\n')
    ws = Workspace(ws.home)
    policy = policy_data({"payer": "acme", "member_id": "ACM777", "group": "GRP-1", "copay": "20.00"})
    policy["referring"] = {"qualifier": "DN", "first": "Dana", "middle": "Quill", "last": "Referrer", "credentials": "M.D.",
                           "npi": REFERRING_NPI}
    add_client(ws, {"id": "rita", "first": "Rita", "last": "Roadside", "dob": "1988-07-14", "sex": "F", "dx": ["F43.10"],
                    "address": {"street": "7 Crash Ct", "city": "Austin", "state": "TX", "zip": "78745"},
                    "onset": ONSET.isoformat(),  # no onset_qualifier: 431 is what an onset means unless it says 484
                    "accident": {"kind": "auto", "date": ACCIDENT.isoformat(), "state": "tx"}}, policy)
    return ws
