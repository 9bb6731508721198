"""`claimkit check` rules: for every rule one case it flags (exact rule id, box and key words) and one it passes.

Each case builds a real practice home (practice.toml, payers.toml, clients/, ledger) with claimkit's own functions,
then changes one value, through the library or, for values entry would refuse, by writing the TOML/SQL directly.
Dates are fixed: "today" is TODAY (injected), sessions fall inside the shipped ICD-10-CM code set.
"""

from __future__ import annotations

import sqlite3
import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

import pytest
import tomli_w

from claimkit.records import practice as P
from claimkit.checks import all_rules, check_claim_snapshot, check_session, rule_ids, rules_for_box, run_checks
from claimkit.core.entries import ClaimSnapshot
from claimkit.core.errors import NotFound
from claimkit.sessions.sessions import NewSession, add_session
from claimkit.store.workspace import Workspace

NPI_BILLING, NPI_RENDERING, NPI_OTHER, NPI_BAD = "1234567893", "1245319599", "1679576722", "1234567890"
TODAY = date(2026, 9, 21)
DOS = date(2026, 9, 14)
ADDRESS = {"street": "12 Sample Rd", "city": "Austin", "state": "TX", "zip": "78704"}
PRACTICE = {"practice_name": "Testwell Counseling", "provider_first": "Testy", "provider_last": "McTestface",
            "credentials": "LPC", "npi": NPI_BILLING, "tax_id": "99-1234567", "tax_id_type": "ein", "taxonomy": "101YP2500X",
            "license": "LPC-0001", "license_state": "TX", "address": "100 Example St", "city": "Austin", "state": "TX",
            "zip": "78701-1234", "phone": "5125550100"}
FEES = {"90791": "200.00", "90792": "220.00", "90785": "25.00", "90832": "110.00", "90834": "150.00", "90837": "180.00",
        "90839": "200.00", "90840": "90.00", "90846": "160.00", "90847": "170.00", "96127": "15.00", "99213": "120.00"}


def _set(node: Any, dotted: str, value: Any) -> None:
    """Set (or, with None, delete) a dotted path like 'billing.address.zip' or 'policies.0.copay' in TOML data."""
    *parents, last = dotted.split(".")
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    if isinstance(node, list):
        node[int(last)] = value
    elif value is None:
        node.pop(last, None)
    else:
        node[last] = value


class Home:
    """A practice home: one payer (acme, commercial, 90-day limit) and one client (testy, copay plan with acme)."""

    def __init__(self, root: Path):
        self.home = root / "home"
        P.init_home(self.home, PRACTICE)
        self._ws: Workspace | None = None
        ws = self.ws()
        for cpt, fee in FEES.items():
            P.set_fee(ws, cpt, Decimal(fee))
        self.new_payer("acme", name="Acme Test Health")
        self.new_client("testy")

    def ws(self) -> Workspace:
        if self._ws is not None:
            self._ws.close()
        self._ws = Workspace(self.home)
        return self._ws

    # --- building ---
    def new_payer(self, pid: str, **values: Any) -> "Home":
        data = {"id": pid, "name": f"{pid.title()} Plan", "payer_id": pid.upper(), "type": "commercial",
                "address": {"street": "PO Box 100", "city": "Dallas", "state": "TX", "zip": "75201-0100"},
                "rates": {"90791": "140.00", "90834": "95.00", "90837": "120.00", "90847": "105.00"}, **values}
        P.add_payer(self.ws(), data)
        return self

    def new_client(self, cid: str, policy: dict | None = None, **values: Any) -> "Home":
        data = {"id": cid, "first": "Testy", "last": "McTestface", "dob": date(1985, 4, 12), "sex": "F",
                "address": dict(ADDRESS), "dx": ["F41.1"], **values}
        pol = {"payer": "acme", "member_id": "ACM123456789", "group": "GRP1", "copay": "20.00"} if policy is None else policy
        P.add_client(self.ws(), data, P.policy_data(pol) if pol else None)
        return self

    def session(self, client: str = "testy", day: date = DOS, cpt: str = "90837", minutes: int | None = 55,
                **kw: Any) -> int:
        if "fee" in kw:
            kw["fee"] = Decimal(kw["fee"])
        return add_session(self.ws(), NewSession(client=client, day=day, cpt=cpt, minutes=minutes, **kw)).session.id

    # --- editing files the way a person with an editor would ---
    def _edit(self, path: Path, changes: dict[str, Any], root: tuple = ()) -> "Home":
        data = tomllib.loads(path.read_text("utf-8"))
        node = data
        for key in root:
            node = node[key]
        for dotted, value in changes.items():
            _set(node, dotted, value)
        path.write_text(tomli_w.dumps(data), "utf-8")
        return self

    def practice(self, **changes: Any) -> "Home":
        return self._edit(self.home / "practice.toml", {k.replace("__", "."): v for k, v in changes.items()})

    def payer(self, pid: str = "acme", **changes: Any) -> "Home":
        return self._edit(self.home / "payers.toml", {k.replace("__", "."): v for k, v in changes.items()}, ("payer", pid))

    def client(self, cid: str = "testy", **changes: Any) -> "Home":
        return self._edit(self.home / "clients" / f"{cid}.toml", {k.replace("__", "."): v for k, v in changes.items()})

    def sql(self, statement: str, *args: Any) -> "Home":
        conn = sqlite3.connect(self.home / "ledger.db")
        with conn:
            conn.execute(statement, args)
        conn.close()
        return self

    # --- checking ---
    def check(self, today: date = TODAY, **kw: Any) -> list:
        return run_checks(self.ws(), today=today, **kw)

    def hits(self, rule: str, **kw: Any) -> list:
        return [f for f in self.check(**kw) if f.rule == rule]

    # --- built claims ---
    def snap(self, session_id: int | None = None, **changes: Any) -> ClaimSnapshot:
        data = {
            "claim_id": "CK09001", "created": TODAY.isoformat(), "patient_client_id": "testy",
            "patient": {"last": "McTestface", "first": "Testy", "dob": "1985-04-12", "sex": "F", "address": dict(ADDRESS)},
            "billed": {"payer": {"id": "acme", "name": "Acme Test Health", "type": "commercial",
                                 "address": {"street": "PO Box 100", "city": "Dallas", "state": "TX", "zip": "75201-0100"}},
                       "member_id": "ACM123456789", "group": "GRP1", "relationship": "self",
                       "insured": {"last": "McTestface", "first": "Testy", "dob": "1985-04-12", "sex": "F", "address": dict(ADDRESS)}},
            "dx": ["F41.1"],
            "lines": [{"line_no": 1, "session_id": session_id, "date_from": DOS.isoformat(), "date_to": DOS.isoformat(),
                       "pos": "11", "cpt": "90837", "dx_pointers": "A", "charge": "180.00", "units": 1}],
            "tax_id": "991234567", "tax_id_type": "ein", "signed_date": TODAY.isoformat(),
            "rendering": {"first": "Testy", "last": "McTestface", "credentials": "LPC", "npi": ""},
            "billing": {"name": "Testwell Counseling", "npi": NPI_BILLING, "taxonomy": "101YP2500X",
                        "address": {"street": "100 Example St", "city": "Austin", "state": "TX", "zip": "78701-1234"}},
        }
        for dotted, value in changes.items():
            _set(data, dotted.replace("__", "."), value)
        return ClaimSnapshot.from_data(data)

    def snap_hits(self, rule: str, snap: ClaimSnapshot) -> list:
        return [f for f in check_claim_snapshot(snap, self.ws(), today=TODAY) if f.rule == rule]

    def store(self, snap: ClaimSnapshot, **columns: Any) -> "Home":
        from claimkit.claims.ledger import record_claims

        record_claims(self.ws(), [snap], None)
        for col, value in columns.items():
            self.sql(f"UPDATE claims SET {col} = ? WHERE id = ?", value, snap.claim_id)
        return self


@pytest.fixture
def h(tmp_path) -> Home:
    return Home(tmp_path)


def seven_lines(h: Home) -> ClaimSnapshot:
    ids = [h.session(day=DOS - timedelta(days=7 * i)) for i in range(7)]
    lines = [{"line_no": n + 1, "session_id": sid, "date_from": (DOS - timedelta(days=7 * n)).isoformat(),
              "date_to": (DOS - timedelta(days=7 * n)).isoformat(), "pos": "11", "cpt": "90837", "dx_pointers": "A",
              "charge": "180.00"} for n, sid in enumerate(ids)]
    return h.snap(lines=lines)


def secondary(h: Home, **changes: Any) -> ClaimSnapshot:
    other = {"payer": {"id": "acme", "name": "Acme Test Health"}, "member_id": "ACM123456789", "relationship": "self"}
    return h.snap(h.session(), rank="secondary", billed__payer={"id": "acme", "name": "Acme Test Health"}, other=other,
                  **changes)


def auth(**values: Any) -> list[dict]:
    return [{"number": "AUTH1", "payer": "acme", "visits": 10, "start": date(2026, 9, 1), "end": date(2026, 12, 31),
             "cpts": ["90834", "90837"], **values}]


@dataclass(frozen=True)
class Case:
    rule: str
    box: str
    words: tuple[str, ...]
    flag: Callable[[Home], list]
    ok: Callable[[Home], list]
    scope: str = ""  # which registration of a rule id registered for two scopes

    @property
    def name(self) -> str:
        return f"{self.rule}@{self.scope}" if self.scope else self.rule


def base(rule: str) -> Callable[[Home], list]:
    """The clean practice (with one session) passes."""
    return lambda h: (h.session(), h.hits(rule))[1]


CASES = [
    # --- practice: billing provider (25, 33, 33a, 33b) and rendering provider (24J, 31) ---
    Case("npi-format", "33a", ("12345", "10 digits"), lambda h: h.practice(billing__npi="12345").hits("npi-format"),
         base("npi-format"), "practice"),
    Case("npi-check-digit", "33a", (NPI_BAD, "check digit"),
         lambda h: h.practice(billing__npi=NPI_BAD).hits("npi-check-digit"),
         lambda h: h.practice(billing__npi=NPI_OTHER, provider__npi=NPI_RENDERING).hits("npi-check-digit"), "practice"),
    Case("billing-npi-missing", "33a", ("billing npi", "empty"),
         lambda h: h.practice(billing__npi=None).hits("billing-npi-missing"), base("billing-npi-missing"), "practice"),
    Case("billing-name-missing", "33", ("billing name",), lambda h: h.practice(billing__name="").hits("billing-name-missing"),
         base("billing-name-missing")),
    Case("tax-id-format", "25", ("12345", "9 digits"), lambda h: h.practice(billing__tax_id="12345").hits("tax-id-format"),
         base("tax-id-format")),
    Case("tax-id-type", "25", ("991234567", "ssn"),
         lambda h: h.practice(billing__tax_id_type="ssn").hits("tax-id-type"),
         lambda h: h.practice(billing__tax_id_type="ssn", billing__tax_id="123456789").hits("tax-id-type")),
    Case("taxonomy-format", "33b", ("101YP2500", "10 characters"),
         lambda h: h.practice(billing__taxonomy="101YP2500").hits("taxonomy-format"), base("taxonomy-format")),
    Case("taxonomy-unknown", "33b", ("207Q00000X",),
         lambda h: h.practice(billing__taxonomy="207Q00000X").hits("taxonomy-unknown"),
         lambda h: h.practice(billing__taxonomy="1041C0700X").hits("taxonomy-unknown")),
    Case("rendering-npi-missing", "24J", ("organisation", "empty"),
         lambda h: h.practice(billing__name="Testwell Counseling PLLC").hits("rendering-npi-missing"),
         lambda h: h.practice(billing__name="Testwell Counseling PLLC", provider__npi=NPI_RENDERING).hits("rendering-npi-missing")),
    Case("address-po-box", "33", ("PO Box 77",),
         lambda h: h.practice(billing__address__street="PO Box 77").hits("address-po-box"),
         lambda h: h.practice(billing__address__street="77 Boxwood Ln").hits("address-po-box")),
    Case("zip-plus-four", "33", ("78701", "+4"), lambda h: h.practice(billing__address__zip="78701").hits("zip-plus-four"),
         base("zip-plus-four")),
    Case("billing-address-missing", "33", ("city",),
         lambda h: h.practice(billing__address__city=None).hits("billing-address-missing"), base("billing-address-missing")),
    Case("billing-phone", "33", ("555-0100", "10-digit"),
         lambda h: h.practice(billing__phone="555-0100").hits("billing-phone"),
         lambda h: h.practice(billing__phone="(512) 555-0100").hits("billing-phone")),
    Case("state-code", "33", ("XX", "USPS"), lambda h: h.practice(billing__address__state="XX").hits("state-code"),
         base("state-code"), "practice"),
    Case("provider-name", "31", ("credentials",), lambda h: h.practice(provider__credentials=None).hits("provider-name"),
         base("provider-name")),
    Case("license-missing", "31", ("license",), lambda h: h.practice(provider__license=None).hits("license-missing"),
         base("license-missing")),
    Case("accept-assignment", "27", ("accept_assignment",),
         lambda h: h.practice(defaults__accept_assignment=False).hits("accept-assignment"), base("accept-assignment")),
    Case("extra-cpt-format", "24D", ("9083",), lambda h: h.practice(extra_cpt=["9083"]).hits("extra-cpt-format"),
         lambda h: h.practice(extra_cpt=["90899"]).hits("extra-cpt-format")),
    Case("dx-codeset-date", "21", ("2026-10-05", "FY2026"),
         lambda h: (h.session(day=date(2026, 10, 5)), h.hits("dx-codeset-date", today=date(2026, 10, 20)))[1],
         lambda h: (h.session(day=date(2026, 9, 30)), h.hits("dx-codeset-date", today=date(2026, 10, 20)))[1]),
    # --- payers ---
    Case("taxonomy-required", "33b", ("Acme Test Health", "taxonomy"),
         lambda h: h.payer(requires_taxonomy=True).practice(billing__taxonomy=None, provider__taxonomy=None)
         .hits("taxonomy-required"),
         lambda h: h.payer(requires_taxonomy=True).hits("taxonomy-required"), "payer"),
    Case("payer-address", "carrier", ("Acme Test Health", "mailing address"),
         lambda h: h.payer(address=None).hits("payer-address"),
         lambda h: h.payer(address=None).client(policies__0__cost_sharing="self_pay").hits("payer-address")),
    Case("medicare-telehealth-modifier", "24D", ("Medicare", "95"),
         lambda h: h.new_payer("medi", type="medicare", telehealth_modifier="95").hits("medicare-telehealth-modifier"),
         lambda h: h.new_payer("medi", type="medicare", telehealth_modifier="none").hits("medicare-telehealth-modifier")),
    # --- client and insured (2-7, 9, 11) ---
    Case("patient-name", "2", ("Dr", "title"), lambda h: h.client(first="Dr Testy").hits("patient-name"),
         lambda h: h.client(last="O'Test-Face").hits("patient-name")),
    Case("name-length", "2", ("28",), lambda h: h.client(last="McTestfaceworthingtonsmythe").hits("name-length"),
         base("name-length")),
    Case("patient-dob", "3", ("2099-01-01", "future"), lambda h: h.client(dob=date(2099, 1, 1)).hits("patient-dob"),
         base("patient-dob")),
    Case("patient-sex", "3", ("X", "box 3"), lambda h: h.client(sex="X").hits("patient-sex"), base("patient-sex")),
    Case("patient-address", "5", ("zip",), lambda h: h.client(address__zip=None).hits("patient-address"),
         lambda h: h.client(address__zip=None, policies__0__cost_sharing="self_pay").hits("patient-address")),
    Case("insured-address", "7", ("insured's address",),
         lambda h: h.new_client("kid", dob=date(2014, 6, 30), policy={
             "payer": "acme", "member_id": "ACM1000002", "copay": "20.00", "relationship": "child", "insured_first": "Pat",
             "insured_last": "McTestface", "insured_dob": date(1980, 1, 15), "insured_sex": "F"}).hits("insured-address"),
         lambda h: h.new_client("kid", dob=date(2014, 6, 30), policy={
             "payer": "acme", "member_id": "ACM1000002", "copay": "20.00", "relationship": "child", "insured_first": "Pat",
             "insured_last": "McTestface", "insured_dob": date(1980, 1, 15), "insured_sex": "F",
             "insured_address": "12 Sample Rd", "insured_city": "Austin", "insured_state": "TX", "insured_zip": "78704"})
         .hits("insured-address")),
    Case("state-code", "5", ("ZZ", "USPS"), lambda h: h.client(address__state="ZZ").hits("state-code"),
         base("state-code"), "client"),
    Case("member-id-missing", "1a", ("member ID",), lambda h: h.client(policies__0__member_id="").hits("member-id-missing"),
         base("member-id-missing"), "client"),
    Case("member-id-shape", "1a", ("123-45-6789", "SSN"),
         lambda h: h.client(policies__0__member_id="123-45-6789").hits("member-id-shape"),
         lambda h: h.client(policies__0__member_id="ACM 1234-5678").hits("member-id-shape")),
    Case("medicare-mbi", "1a", ("123456789A", "MBI"),
         lambda h: h.new_payer("medi", type="medicare", telehealth_modifier="none")
         .client(policies__0__payer="medi", policies__0__member_id="123456789A").hits("medicare-mbi"),
         lambda h: h.new_payer("medi", type="medicare", telehealth_modifier="none")
         .client(policies__0__payer="medi", policies__0__member_id="1EG4-TE5-MK73").hits("medicare-mbi")),
    Case("relationship-self", "6", ("self", "Pat Other"),
         lambda h: h.client(policies__0__insured={"first": "Pat", "last": "Other"}).hits("relationship-self"),
         lambda h: h.client(policies__0__insured={"first": "Testy", "last": "McTestface"}).hits("relationship-self")),
    Case("relationship-insured", "4", ("child", "date of birth"),
         lambda h: h.client(policies__0__relationship="child", policies__0__insured={"first": "Pat", "last": "McTestface"})
         .hits("relationship-insured"),
         lambda h: h.client(policies__0__relationship="child", policies__0__insured={
             "first": "Pat", "last": "McTestface", "dob": date(1960, 2, 2)}).hits("relationship-insured")),
    Case("minor-subscriber", "6", ("own subscriber",),
         lambda h: h.new_client("kid", dob=date(2015, 3, 3), policy={"payer": "acme", "member_id": "ACM1000002",
                                                                     "copay": "20.00"}).hits("minor-subscriber"),
         lambda h: h.new_client("kid", dob=date(2008, 3, 3), policy={"payer": "acme", "member_id": "ACM1000002",
                                                                     "copay": "20.00"}).hits("minor-subscriber")),
    Case("policy-payer-unknown", "carrier", ("ghost",), lambda h: h.client(policies__0__payer="ghost").hits("policy-payer-unknown"),
         base("policy-payer-unknown")),
    Case("policy-overlap", "1a", ("overlap", "acme", "other"),
         lambda h: h.new_payer("other").client(policies=[
             {"payer": "acme", "member_id": "ACM123456789", "copay": "20.00"},
             {"payer": "other", "member_id": "OTH1234567", "copay": "30.00", "effective": date(2026, 6, 1)}]).hits("policy-overlap"),
         lambda h: h.new_payer("other").client(policies=[
             {"payer": "acme", "member_id": "ACM123456789", "copay": "20.00", "end": date(2026, 5, 31)},
             {"payer": "other", "member_id": "OTH1234567", "copay": "30.00", "effective": date(2026, 6, 1)}]).hits("policy-overlap")),
    Case("secondary-without-primary", "11d", ("secondary", "no primary"),
         lambda h: h.client(policies__0__rank="secondary").hits("secondary-without-primary"), base("secondary-without-primary")),
    Case("secondary-incomplete", "9a", ("secondary", "9a"),
         lambda h: h.new_payer("other").client(policies=[
             {"payer": "acme", "member_id": "ACM123456789", "copay": "20.00"},
             {"payer": "other", "rank": "secondary", "copay": "0.00", "cost_sharing": "copay"}]).hits("secondary-incomplete"),
         lambda h: h.new_payer("other").client(policies=[
             {"payer": "acme", "member_id": "ACM123456789", "copay": "20.00"},
             {"payer": "other", "rank": "secondary", "member_id": "OTH77", "copay": "5.00"}]).hits("secondary-incomplete")),
    Case("copay-missing", "1a", ("copay", "0.00"), lambda h: h.client(policies__0__copay="0.00").hits("copay-missing"),
         base("copay-missing")),
    Case("coinsurance-missing", "1a", ("coinsurance",),
         lambda h: h.client(policies__0__copay=None, policies__0__cost_sharing="coinsurance", policies__0__coinsurance="0")
         .hits("coinsurance-missing"),
         lambda h: h.client(policies__0__copay=None, policies__0__cost_sharing="coinsurance", policies__0__coinsurance="20")
         .hits("coinsurance-missing")),
    Case("signature-on-file", "13", ("signature_on_file",),
         lambda h: h.client(policies__0__signature_on_file=False).hits("signature-on-file"), base("signature-on-file")),
    # --- diagnoses (21, 24E) ---
    Case("dx-missing", "21", ("no diagnosis",), lambda h: (h.client(dx=[]), h.session(), h.hits("dx-missing"))[2],
         base("dx-missing")),
    Case("dx-unknown", "21", ("F41.99", "not an ICD-10-CM code"),
         lambda h: (h.session(dx=["F41.99"]), h.hits("dx-unknown"))[1], base("dx-unknown")),
    Case("dx-not-billable", "21", ("F41", "category"),
         lambda h: (h.session(dx=["F41"]), h.hits("dx-not-billable"))[1], base("dx-not-billable")),
    Case("dx-z-first", "21", ("Z63.0", "Z-code"),
         lambda h: (h.session(dx=["Z63.0", "F41.1"]), h.hits("dx-z-first"))[1],
         lambda h: (h.session(dx=["F41.1", "Z63.0"]), h.hits("dx-z-first"))[1]),
    Case("dx-pointer-count", "24E", ("5 diagnoses", "at most 4"),
         lambda h: (h.session(dx=["F41.1", "F32.1", "F43.10", "F90.0", "Z63.0"]), h.hits("dx-pointer-count"))[1],
         lambda h: (h.session(dx=["F41.1", "F32.1", "F43.10", "F90.0"]), h.hits("dx-pointer-count"))[1]),
    # --- procedure codes and time (24D, 24G) ---
    Case("cpt-unknown", "24D", ("97799", "claimkit knows"), lambda h: (h.session(cpt="97799", fee="50"), h.hits("cpt-unknown"))[1],
         lambda h: (h.practice(extra_cpt=["97799"]), h.session(cpt="97799", fee="50"), h.hits("cpt-unknown"))[2]),
    Case("cpt-deleted", "24D", ("99354", "deleted", "2023-01-01"),
         lambda h: (h.session(cpt="99354", fee="50"), h.hits("cpt-deleted"))[1], base("cpt-deleted")),
    Case("time-missing", "24D", ("no minutes",), lambda h: (h.session(minutes=None), h.hits("time-missing"))[1],
         base("time-missing")),
    Case("under-16-minutes", "24D", ("12 minutes", "under 16"),
         lambda h: (h.session(cpt="90832", minutes=12), h.hits("under-16-minutes"))[1],
         lambda h: (h.session(cpt="90832", minutes=16), h.hits("under-16-minutes"))[1]),
    Case("psychotherapy-time", "24D", ("90837", "53", "40 minutes is 90834"),
         lambda h: (h.session(minutes=40), h.hits("psychotherapy-time"))[1],
         lambda h: (h.session(minutes=53), h.session(cpt="90834", day=DOS - timedelta(days=7), minutes=52),
                    h.session(cpt="90847", day=DOS - timedelta(days=14), minutes=26), h.hits("psychotherapy-time"))[3]),
    Case("crisis-time", "24D", ("90839", "30", "25 minutes"),
         lambda h: (h.session(cpt="90839", minutes=25), h.hits("crisis-time"))[1],
         lambda h: (h.session(cpt="90839", minutes=30), h.hits("crisis-time"))[1]),
    Case("prescriber-only", "24D", ("90792", "prescribers", "LPC"),
         lambda h: (h.session(cpt="90792", minutes=None), h.hits("prescriber-only"))[1],
         lambda h: (h.practice(provider__credentials="MD", provider__taxonomy="2084P0800X"),
                    h.session(cpt="90792", minutes=None), h.hits("prescriber-only"))[2]),
    Case("addon-without-primary", "24D", ("90785", "no primary"),
         lambda h: (h.session(cpt="90785", minutes=None), h.hits("addon-without-primary"))[1],
         lambda h: (h.session(), h.session(cpt="90785", minutes=None), h.hits("addon-without-primary"))[2]),
    Case("units-per-day", "24G", ("5 units", "at most 4"),
         lambda h: (h.session(cpt="96127", minutes=None, units=5), h.hits("units-per-day"))[1],
         lambda h: (h.session(cpt="96127", minutes=None, units=4), h.hits("units-per-day"))[1]),
    Case("crisis-addon-units", "24G", ("2 unit(s) of +90840", "80 crisis minutes"),
         lambda h: (h.session(cpt="90839", minutes=80), h.session(cpt="90840", minutes=None, units=2),
                    h.hits("crisis-addon-units"))[2],
         lambda h: (h.session(cpt="90839", minutes=80), h.session(cpt="90840", minutes=None, units=1),
                    h.hits("crisis-addon-units"))[2]),
    Case("crisis-addon-missing", "24D", ("80 crisis minutes", "+90840"),
         lambda h: (h.session(cpt="90839", minutes=80), h.hits("crisis-addon-missing"))[1],
         lambda h: (h.session(cpt="90839", minutes=74), h.hits("crisis-addon-missing"))[1]),
    # --- place of service, modifiers, charges, dates (24A, 24B, 24D, 24F) ---
    Case("pos-invalid", "24B", ("'00'",), lambda h: (h.session(pos="00"), h.hits("pos-invalid"))[1],
         lambda h: (h.session(pos="12"), h.hits("pos-invalid"))[1]),
    Case("telehealth-modifier-missing", "24D", ("POS 10", "95", "Acme Test Health"),
         lambda h: (h.sql("UPDATE sessions SET modifiers = '' WHERE id = ?", h.session(pos="10")),
                    h.hits("telehealth-modifier-missing"))[1],
         lambda h: (h.session(pos="10"), h.hits("telehealth-modifier-missing"))[1]),
    Case("telehealth-modifier-payer", "24D", ("GT", "modifier 95"),
         lambda h: (h.session(pos="10", modifiers=["GT"]), h.hits("telehealth-modifier-payer"))[1],
         lambda h: (h.session(pos="10", modifiers=["93"]), h.hits("telehealth-modifier-payer"))[1]),
    Case("telehealth-modifier-in-person", "24D", ("POS 11", "95"),
         lambda h: (h.session(pos="11", modifiers=["95"]), h.hits("telehealth-modifier-in-person"))[1],
         lambda h: (h.session(pos="11", modifiers=["59"]), h.hits("telehealth-modifier-in-person"))[1]),
    Case("telehealth-pos", "24B", ("POS 02", "POS 10"),
         lambda h: (h.session(pos="02"), h.hits("telehealth-pos"))[1],
         lambda h: (h.payer(telehealth_pos="02"), h.session(pos="02"), h.hits("telehealth-pos"))[2]),
    Case("modifier-unknown", "24D", ("ZQ",), lambda h: (h.session(modifiers=["ZQ"]), h.hits("modifier-unknown"))[1],
         lambda h: (h.session(modifiers=["HJ"]), h.hits("modifier-unknown"))[1]),
    Case("modifier-count", "24D", ("5 modifiers",),
         lambda h: (h.sql("UPDATE sessions SET modifiers = 'HJ,59,XE,XS,XU' WHERE id = ?", h.session()),
                    h.hits("modifier-count"))[1],
         lambda h: (h.session(modifiers=["HJ", "59", "XE", "XS"]), h.hits("modifier-count"))[1]),
    Case("charge-zero", "24F", ("0.00",), lambda h: (h.session(fee="0"), h.hits("charge-zero"))[1], base("charge-zero")),
    Case("charge-below-rate", "24F", ("100.00", "120.00"),
         lambda h: (h.session(fee="100"), h.hits("charge-below-rate"))[1],
         lambda h: (h.session(fee="120"), h.hits("charge-below-rate"))[1]),
    Case("service-future", "24A", ("2026-09-22", "future"),
         lambda h: (h.session(day=TODAY + timedelta(days=1)), h.hits("service-future"))[1],
         lambda h: (h.session(day=TODAY), h.hits("service-future"))[1]),
    Case("dob-after-service", "3", ("1985-04-12", "after the date of service"),
         lambda h: (h.session(day=date(1985, 4, 11)), h.hits("dob-after-service"))[1],
         lambda h: (h.session(day=date(1985, 4, 12)), h.hits("dob-after-service"))[1]),
    Case("session-payer-unknown", "carrier", ("ghost",),
         lambda h: (h.sql("UPDATE sessions SET payer = 'ghost' WHERE id = ?", h.session()), h.hits("session-payer-unknown"))[1],
         base("session-payer-unknown")),
    Case("policy-not-in-force", "1a", ("acme", "2026-10-01"),
         lambda h: (h.session(), h.client(policies__0__effective=date(2026, 10, 1)), h.hits("policy-not-in-force"))[2],
         lambda h: (h.session(), h.client(policies__0__effective=DOS), h.hits("policy-not-in-force"))[2]),
    Case("discharged-session", "24A", ("discharge", "2026-09-01"),
         lambda h: (h.session(), h.client(status="discharged", discharged=date(2026, 9, 1)), h.hits("discharged-session"))[2],
         lambda h: (h.session(), h.client(status="discharged", discharged=DOS), h.hits("discharged-session"))[2]),
    Case("deductible-needs-rate", "24F", ("500.00", "90832"),
         lambda h: (h.client(policies__0__deductible="500.00"), h.session(cpt="90832", minutes=30),
                    h.hits("deductible-needs-rate"))[2],
         lambda h: (h.client(policies__0__deductible="500.00"), h.session(), h.hits("deductible-needs-rate"))[2]),
    # --- claim-level on sessions: timely filing, authorization (23), duplicates ---
    Case("timely-filing", "24A", ("90-day", "2026-09-11"),
         lambda h: (h.session(day=TODAY - timedelta(days=100)), h.hits("timely-filing"))[1],
         lambda h: (h.session(day=TODAY - timedelta(days=90)), h.hits("timely-filing"))[1]),
    Case("timely-filing-soon", "24A", ("14 days left",),
         lambda h: (h.session(day=TODAY - timedelta(days=76)), h.hits("timely-filing-soon"))[1],
         lambda h: (h.session(day=TODAY - timedelta(days=75)), h.hits("timely-filing-soon"))[1]),
    Case("auth-missing", "23", ("prior authorization",),
         lambda h: (h.payer(requires_auth=True), h.session(), h.hits("auth-missing"))[2],
         lambda h: (h.payer(requires_auth=True), h.client(authorizations=auth()), h.session(), h.hits("auth-missing"))[3]),
    Case("auth-date-range", "23", ("AUTH1", "2026-09-15"),
         lambda h: (h.client(authorizations=auth(start=date(2026, 9, 15))), h.session(), h.hits("auth-date-range"))[2],
         lambda h: (h.client(authorizations=auth(start=DOS)), h.session(), h.hits("auth-date-range"))[2]),
    Case("auth-visits", "23", ("visit 2", "AUTH1", "allows 1"),
         lambda h: (h.client(authorizations=auth(visits=1)), h.session(day=DOS - timedelta(days=7)), h.session(),
                    h.hits("auth-visits"))[3],
         lambda h: (h.client(authorizations=auth(visits=2)), h.session(day=DOS - timedelta(days=7)), h.session(),
                    h.hits("auth-visits"))[3]),
    # --- same-day pairs (24D) ---
    Case("duplicate-session", "24A", ("90837", "2 times", "sessions 1, 2"),
         lambda h: (h.session(), h.session(), h.hits("duplicate-session"))[2],
         lambda h: (h.session(), h.session(day=DOS - timedelta(days=1)), h.hits("duplicate-session"))[2]),
    Case("eval-with-psychotherapy", "24D", ("90791", "90834"),
         lambda h: (h.session(cpt="90791", minutes=None), h.session(cpt="90834", minutes=45), h.hits("eval-with-psychotherapy"))[2],
         lambda h: (h.session(cpt="90791", minutes=None, day=DOS - timedelta(days=7)), h.session(cpt="90834", minutes=45),
                    h.hits("eval-with-psychotherapy"))[2]),
    Case("psychotherapy-with-crisis", "24D", ("90834", "90839"),
         lambda h: (h.session(cpt="90834", minutes=45), h.session(cpt="90839", minutes=60), h.hits("psychotherapy-with-crisis"))[2],
         lambda h: (h.session(cpt="90834", minutes=45, day=DOS - timedelta(days=1)), h.session(cpt="90839", minutes=60),
                    h.hits("psychotherapy-with-crisis"))[2]),
    Case("two-psychotherapy-codes", "24D", ("2 psychotherapy codes", "90832", "90834"),
         lambda h: (h.session(cpt="90834", minutes=45), h.session(cpt="90832", minutes=20), h.hits("two-psychotherapy-codes"))[2],
         lambda h: (h.session(cpt="90837", minutes=65), h.session(cpt="90785", minutes=None), h.hits("two-psychotherapy-codes"))[2]),
    Case("interactive-complexity-pairing", "24D", ("+90785", "90847"),
         lambda h: (h.session(cpt="90847", minutes=50), h.session(cpt="90785", minutes=None),
                    h.hits("interactive-complexity-pairing"))[2],
         lambda h: (h.session(cpt="90834", minutes=45), h.session(cpt="90785", minutes=None),
                    h.hits("interactive-complexity-pairing"))[2]),
    Case("same-day-not-with", "24D", ("90791", "99213"),
         lambda h: (h.session(cpt="90791", minutes=None), h.session(cpt="99213", minutes=None), h.hits("same-day-not-with"))[2],
         lambda h: (h.session(cpt="90791", minutes=None), h.session(cpt="96127", minutes=None, units=2),
                    h.hits("same-day-not-with"))[2]),
    Case("family-with-psychotherapy", "24D", ("90847", "90834", "modifier 59"),
         lambda h: (h.session(cpt="90847", minutes=50), h.session(cpt="90834", minutes=45),
                    h.hits("family-with-psychotherapy"))[2],
         lambda h: (h.session(cpt="90847", minutes=50, modifiers=["59"]), h.session(cpt="90834", minutes=45),
                    h.hits("family-with-psychotherapy"))[2]),
    # --- built claims (the snapshot a renderer prints) ---
    Case("npi-format", "33a", ("12345", "10 digits"),
         lambda h: h.snap_hits("npi-format", h.snap(h.session(), billing__npi="12345")),
         lambda h: h.snap_hits("npi-format", h.snap(h.session())), "claim"),
    Case("npi-check-digit", "24J", (NPI_BAD, "check digit"),
         lambda h: h.snap_hits("npi-check-digit", h.snap(h.session(), lines__0__rendering_npi=NPI_BAD)),
         lambda h: h.snap_hits("npi-check-digit", h.snap(h.session(), lines__0__rendering_npi=NPI_RENDERING)), "claim"),
    Case("npi-check-digit", "17b", (NPI_BAD, "referring"),
         lambda h: h.snap_hits("npi-check-digit", h.snap(h.session(), referring={"last": "Referrer", "npi": NPI_BAD},
                                                          referring_qualifier="DN")),
         lambda h: h.snap_hits("npi-check-digit", h.snap(h.session(), referring={"last": "Referrer", "npi": NPI_OTHER},
                                                          referring_qualifier="DN")), "claim17b"),
    Case("referring-npi-missing", "17b", ("Dana Referrer", "17b"),
         lambda h: h.snap_hits("referring-npi-missing", h.snap(h.session(), referring={"name": "Dana Referrer", "last": "Referrer"},
                                                                referring_qualifier="DN")),
         lambda h: h.snap_hits("referring-npi-missing", h.snap(h.session(), referring={"name": "Dana Referrer", "last": "Referrer",
                                                                                       "npi": NPI_OTHER}, referring_qualifier="DN"))),
    Case("accident-details", "10b", ("auto accident", "state"),
         lambda h: h.snap_hits("accident-details", h.snap(h.session(), related_auto=True, accident_date=DOS.isoformat())),
         lambda h: h.snap_hits("accident-details", h.snap(h.session(), related_auto=True, related_auto_state="TX",
                                                           accident_date=DOS.isoformat()))),
    Case("billing-npi-missing", "33a", ("33a", "empty"),
         lambda h: h.snap_hits("billing-npi-missing", h.snap(h.session(), billing__npi="")),
         lambda h: h.snap_hits("billing-npi-missing", h.snap(h.session())), "claim"),
    Case("member-id-missing", "1a", ("1a", "empty"),
         lambda h: h.snap_hits("member-id-missing", h.snap(h.session(), billed__member_id="")),
         lambda h: h.snap_hits("member-id-missing", h.snap(h.session())), "claim"),
    Case("taxonomy-required", "33b", ("Acme Test Health", "taxonomy"),
         lambda h: (h.payer(requires_taxonomy=True), h.snap_hits("taxonomy-required", h.snap(h.session())))[1],
         lambda h: (h.payer(requires_taxonomy=True),
                    h.snap_hits("taxonomy-required", h.snap(h.session(), billing_taxonomy_in_33b=True)))[1], "claim"),
    Case("claim-no-lines", "24A", ("CK09001", "no service lines"),
         lambda h: h.snap_hits("claim-no-lines", h.snap(lines=[])), lambda h: h.snap_hits("claim-no-lines", h.snap(h.session()))),
    Case("lines-per-page", "24A", ("7 lines", "1 page"),
         lambda h: [f for f in h.store(seven_lines(h), pages=1).check(claim_ids=["CK09001"]) if f.rule == "lines-per-page"],
         lambda h: [f for f in h.store(seven_lines(h)).check(claim_ids=["CK09001"]) if f.rule == "lines-per-page"]),
    Case("total-mismatch", "28", ("170.00", "180.00"),
         lambda h: [f for f in h.store(h.snap(h.session()), total_cents=17000).check(claim_ids=["CK09001"])
                    if f.rule == "total-mismatch"],
         lambda h: [f for f in h.store(h.snap(h.session())).check(claim_ids=["CK09001"]) if f.rule == "total-mismatch"]),
    Case("resubmission-ref", "22", ("replacement", "original claim number"),
         lambda h: h.snap_hits("resubmission-ref", h.snap(h.session(), frequency="7")),
         lambda h: h.snap_hits("resubmission-ref", h.snap(h.session(), frequency="7", original_ref="PAYER123"))),
    Case("resubmission-original", "22", ("PAYER123",),
         lambda h: h.snap_hits("resubmission-original", h.snap(h.session(), original_ref="PAYER123")),
         lambda h: h.snap_hits("resubmission-original", h.snap(h.session()))),
    Case("prior-auth-box", "23", ("AUTH1", "box 23"),
         lambda h: (h.client(authorizations=auth()), h.snap_hits("prior-auth-box", h.snap(h.session())))[1],
         lambda h: (h.client(authorizations=auth()), h.snap_hits("prior-auth-box", h.snap(h.session(), prior_auth="AUTH1")))[1]),
    Case("amount-paid", "29", ("200.00", "180.00"),
         lambda h: h.snap_hits("amount-paid", h.snap(h.session(), amount_paid="200.00")),
         lambda h: h.snap_hits("amount-paid", h.snap(h.session(), amount_paid="180.00"))),
    Case("rendering-npi-duplicate", "24J", (NPI_BILLING,),
         lambda h: h.snap_hits("rendering-npi-duplicate", h.snap(h.session(), lines__0__rendering_npi=NPI_BILLING)),
         lambda h: h.snap_hits("rendering-npi-duplicate", h.snap(h.session(), lines__0__rendering_npi=NPI_RENDERING))),
    Case("facility-telehealth", "32", ("telehealth",),
         lambda h: h.snap_hits("facility-telehealth", h.snap(h.session(pos="10"), lines__0__pos="10", lines__0__modifiers=["95"],
                                                             facility={"name": "Testwell Office", "npi": NPI_OTHER})),
         lambda h: h.snap_hits("facility-telehealth", h.snap(h.session(), facility={"name": "Testwell Office", "npi": NPI_OTHER}))),
    Case("secondary-needs-primary", "9", ("secondary", "9-9d"),
         lambda h: h.snap_hits("secondary-needs-primary", h.snap(h.session(), rank="secondary")),
         lambda h: h.snap_hits("secondary-needs-primary", secondary(h, prior_payer_paid="80.00"))),
    Case("secondary-prior-payment", "29", ("secondary", "primary paid"),
         lambda h: h.snap_hits("secondary-prior-payment", secondary(h)),
         lambda h: h.snap_hits("secondary-prior-payment", secondary(h, prior_payer_paid="80.00"))),
    Case("account-number", "26", ("CK-09001/A",),
         lambda h: h.snap_hits("account-number", h.snap(h.session(), claim_id="CK-09001/A")),
         lambda h: h.snap_hits("account-number", h.snap(h.session()))),
    Case("session-already-billed", "24A", ("session 1", "CK09001"),
         lambda h: h.snap_hits("session-already-billed", h.store(h.snap(h.session())).snap(1, claim_id="CK09002")),
         lambda h: h.snap_hits("session-already-billed", h.store(h.snap(h.session())).snap(1, claim_id="CK09002", frequency="7",
                                                                                          original_ref="PAYER123"))),
    # the ledger status comes from the claims row: paid (by an ERA) and resent as it is -> a duplicate; billed -> fine
    Case("claim-adjudicated", "22", ("claim CK09001 was already paid by Acme Test Health", "duplicate (CARC 18)"),
         lambda h: h.snap_hits("claim-adjudicated", h.store(h.snap(h.session()), status="paid").snap(1)),
         lambda h: h.snap_hits("claim-adjudicated", h.store(h.snap(h.session())).snap(1))),
    Case("dx-count", "21", ("13 diagnoses", "12"),
         lambda h: h.snap_hits("dx-count", h.snap(h.session(), dx=[f"F4{n // 10}.{n % 10}" for n in range(10, 23)])),
         lambda h: h.snap_hits("dx-count", h.snap(h.session(), dx=[f"F4{n // 10}.{n % 10}" for n in range(10, 22)]))),
    Case("dx-pointer-invalid", "24E", ("'AB'", "B"),
         lambda h: h.snap_hits("dx-pointer-invalid", h.snap(h.session(), lines__0__dx_pointers="AB")),
         lambda h: h.snap_hits("dx-pointer-invalid", h.snap(h.session(), dx=["F41.1", "Z63.0"], lines__0__dx_pointers="AB"))),
    Case("dx-duplicate", "21", ("F41.1",),
         lambda h: h.snap_hits("dx-duplicate", h.snap(h.session(), dx=["F41.1", "F41.1"])),
         lambda h: h.snap_hits("dx-duplicate", h.snap(h.session(), dx=["F41.1", "F32.1"]))),
    Case("icd-indicator", "21", ("'9'", "0"),
         lambda h: h.snap_hits("icd-indicator", h.snap(h.session(), icd_indicator="9")),
         lambda h: h.snap_hits("icd-indicator", h.snap(h.session()))),
    # --- the latest 271 on file (claimkit.eligibility) ---
    Case("eligibility-inactive", "1a", ("inactive on 2026-09-14", "271 of 2026-09-01"),
         lambda h: (benefits(h, status="inactive"), h.hits("eligibility-inactive"))[1],
         lambda h: (benefits(h, status="active", coverage_from="2026-01-01"), h.hits("eligibility-inactive"))[1]),
    Case("eligibility-authorization", "23", ("requires prior authorization",),
         lambda h: (benefits(h, in_network={"auth_required": True}), h.hits("eligibility-authorization"))[1],
         lambda h: (benefits(h, in_network={"auth_required": True}), h.client(authorizations=auth()),
                    h.hits("eligibility-authorization"))[2]),
    Case("eligibility-out-of-network", "1a", ("only with out-of-network benefits",),
         lambda h: (benefits(h, network_answer="out"), h.hits("eligibility-out-of-network"))[1],
         lambda h: (benefits(h, network_answer="in+out"), h.hits("eligibility-out-of-network"))[1]),
    Case("eligibility-carve-out", "carrier", ("handled by Calm Minds Demo (8005550199)",),
         lambda h: (benefits(h, contacts=[{"kind": "carve-out", "name": "Calm Minds Demo", "phone": "8005550199"}]),
                    h.hits("eligibility-carve-out"))[1],
         lambda h: (benefits(h), h.hits("eligibility-carve-out"))[1]),
    Case("eligibility-stale", "1a", ("plan year that started 2026-01-01", "271 is from 2025-12-01"),
         lambda h: (benefits(h, as_of="2025-12-01"), h.hits("eligibility-stale"))[1],
         lambda h: (benefits(h, as_of="2026-01-05"), h.hits("eligibility-stale"))[1]),
    # --- Good Faith Estimates (gfe.py) ---
    Case("gfe-missing", "24F", ("90837", "2026-09-14", "self-pay", "Good Faith Estimate"),
         lambda h: (h.new_client("solo", policy={}), h.session("solo"), h.hits("gfe-missing"))[-1],
         lambda h: (h.new_client("solo", policy={}), h.session("solo"), given_gfe(h, "solo", DOS - timedelta(days=7)),
                    h.session(), h.hits("gfe-missing"))[-1]),
]


def benefits(h: Home, as_of: str = "2026-09-01", **snapshot: Any) -> None:
    """A session, and a 271 answer on file for testy's acme policy as `eligibility import` stores it."""
    import json

    h.session()
    data = {"as_of": as_of, "status": "active", "payer_name": "ACME TEST HEALTH", **snapshot}
    h.sql("INSERT INTO benefits (client, payer, member_id, rank, as_of, status, source_file, matched_by, data, created)"
          " VALUES ('testy', 'acme', 'ACM123456789', 'primary', ?, ?, 'test.271', 'trace', ?, ?)",
          as_of, data["status"], json.dumps(data), as_of)


def given_gfe(h: Home, client: str, start: date) -> None:
    """An estimate for `client` from `start`, given a week before it (scheduled that day)."""
    from claimkit.gfe.service import GfeRequest, create_gfe

    day = start - timedelta(days=7)
    create_gfe(h.ws(), GfeRequest(client=client, cpts=[("90837", None)], start=start, scheduled=day), today=day)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_rule_flags(h, case: Case):
    found = case.flag(h)
    assert found, f"{case.name} did not flag its case"
    f = found[0]
    assert f.rule == case.rule
    assert f.box == case.box, f"{case.name}: box {f.box}, expected {case.box} ({f.message})"
    for word in case.words:
        assert word.lower() in f.message.lower(), f"{case.name}: {word!r} not in {f.message!r}"
    assert f.fix and f.subject and "\n" not in f.message
    rule_obj = next(r for r in all_rules() if r.id == case.rule)
    assert f.severity == rule_obj.severity


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_rule_passes(h, case: Case):
    assert case.ok(h) == []


def test_every_rule_has_a_case_for_each_scope():
    registered = {(r.id, r.scope) for r in all_rules()}
    multi = {rid for rid, _ in registered if sum(1 for i, _ in registered if i == rid) > 1}
    covered = {(c.rule, c.scope) for c in CASES}
    for rid, scope in registered:
        assert (rid, scope if rid in multi else "") in covered, f"no test case for {rid} ({scope})"
    assert len(rule_ids()) >= 45


def test_clean_practice_has_no_findings(h):
    h.session(day=DOS - timedelta(days=7), cpt="90791", minutes=60)
    h.session(pos="10")
    h.session(day=DOS - timedelta(days=14), cpt="90834", minutes=45)
    assert h.check() == []


def test_rules_name_their_boxes_and_fixes():
    from claimkit import catalog

    for r in all_rules():
        assert r.severity in ("error", "warning")
        assert r.boxes and all(catalog.box(b) is not None for b in r.boxes), r.id
        assert r.summary and r.summary != r.id, f"{r.id} needs a one-line docstring"
    assert [r.id for r in rules_for_box("24J")][:2] == ["npi-check-digit", "npi-format"]


def test_subjects_name_client_session_and_claim(h):
    sid = h.session(minutes=40)
    [f] = h.hits("psychotherapy-time")
    assert f.subject == f"client testy / session {sid}"
    [line] = h.snap_hits("psychotherapy-time", h.snap(sid))
    assert line.subject == "client testy / claim CK09001 / line 1"
    [day] = (h.session(), h.hits("duplicate-session"))[1]
    assert day.subject == f"client testy / {DOS.isoformat()}"


def test_broken_practice_file_is_a_finding_with_file_and_line(h):
    (h.home / "practice.toml").write_text('name = "Testwell"\n[billing]\nnpi = 1234567893\nphone = 512-555\n', "utf-8")
    found = h.check()
    assert [f.rule for f in found] == ["toml-syntax"]
    assert found[0].severity == "error" and found[0].subject == "practice.toml"
    assert "practice.toml" in found[0].message and "line 4" in found[0].message


def test_broken_client_file_does_not_stop_the_others(h):
    h.new_client("other", policy={"payer": "acme", "member_id": "ACM9999999", "copay": "20.00"})
    h.session(client="other", minutes=40)
    (h.home / "clients" / "testy.toml").write_text('id = "testy"\nfirst = "Testy"\nsex = "Q"\n', "utf-8")
    found = h.check()
    assert {f.rule for f in found} == {"toml-value", "psychotherapy-time"}
    bad = next(f for f in found if f.rule == "toml-value")
    assert "clients/testy.toml" in bad.message and bad.subject == "clients/testy.toml"


def test_unknown_ids_are_usage_errors(h):
    with pytest.raises(NotFound, match="999"):
        h.check(session_ids=[999])
    with pytest.raises(NotFound, match="CK404"):
        h.check(claim_ids=["CK404"])
    with pytest.raises(NotFound, match="nobody"):
        h.check(client="nobody")


def test_check_session_returns_its_findings_only(h):
    h.client(sex="X")  # a client-level warning: not part of one session's findings
    first = h.session(day=DOS - timedelta(days=7))
    sid = h.session(minutes=40)
    found = check_session(h.ws(), sid, today=TODAY)
    assert [f.rule for f in found] == ["psychotherapy-time"]
    assert check_session(h.ws(), first, today=TODAY) == []
    with pytest.raises(NotFound):
        check_session(h.ws(), 999)


def test_client_filter_and_billed_sessions(h):
    h.new_client("other", policy={"payer": "acme", "member_id": "ACM9999999", "copay": "20.00"})
    h.session(minutes=40)
    h.session(client="other", minutes=40)
    assert {f.subject.split(" / ")[0] for f in h.check(client="other")} == {"client other"}
    h.sql("UPDATE sessions SET status = 'billed'")
    assert h.check() == []  # billed sessions are not re-checked by default
    assert len([f for f in h.check(all=True) if f.rule == "psychotherapy-time"]) == 2


def test_explicit_session_ids(h):
    a = h.session(minutes=40)
    h.session(day=DOS - timedelta(days=7), minutes=41)
    found = h.check(session_ids=[a])
    assert [(f.rule, f.subject) for f in found] == [("psychotherapy-time", f"client testy / session {a}")]


def test_stored_claims_are_checked_with_all(h):
    h.store(h.snap(h.session(), dx=["F41.1", "F41.1"]))
    assert [f.rule for f in h.check(all=True)] == ["dx-duplicate"]
    assert h.check() == []


def test_icd_table_loaded_only_when_a_diagnosis_is_checked(h):
    import subprocess
    import sys

    code = ("import sys; from pathlib import Path; from claimkit.store.workspace import Workspace; from claimkit import catalog;"
            "from claimkit.checks import run_checks; run_checks(Workspace(Path(sys.argv[1])));"
            "print(catalog._icd_index.cache_info().currsize)")

    def loaded() -> str:
        return subprocess.run([sys.executable, "-c", code, str(h.home)], capture_output=True, text=True, check=True).stdout.strip()

    assert loaded() == "0"  # practice, payer and client checked: no diagnosis to look up
    h.session()
    assert loaded() == "1"


def test_reading_the_rules_does_not_import_pdf_libraries():
    import subprocess
    import sys

    code = ("import sys; import claimkit.checks as c; c.all_rules(); import claimkit.cli.check; "
            "print([m for m in ('reportlab', 'pypdf', 'typer', 'rich') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "reportlab" not in out and "pypdf" not in out
    code = "import sys; import claimkit.checks as c; c.all_rules(); print('typer' in sys.modules or 'rich' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"


def test_npi_check_digit_names_each_box(h):
    h.practice(provider__npi=NPI_BAD, facility={"name": "Testwell Office", "npi": "1245319590",
                                               "address": {"street": "1 Office Pl", "city": "Austin", "state": "TX",
                                                           "zip": "78701-1234"}})
    found = {(f.box, f.message.split()[0]) for f in h.hits("npi-check-digit")}
    assert found == {("24J", "[provider]"), ("32a", "[facility]")}
