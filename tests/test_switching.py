"""Switching in from another tool: clients, past sessions, opening balances and old 837P files, through the CLI."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.conftest import ledger_rows, snapshot_files

DATA = Path(__file__).parent / "data"
HEADER = ("client_id,first_name,last_name,dob,sex,address,city,state,zip,phone,email,payer,member_id,group,"
          "relationship,copay,coinsurance,deductible,dx,referring_last,referring_npi")


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def clients_csv(tmp_path: Path, *rows: str) -> Path:
    return write(tmp_path, "clients.csv", "\n".join((HEADER, *rows)) + "\n")


JANE = ",Jane,Fakename,04/12/1990,Female,12 Elm St,Austin,TX,78701,512-555-0100,jane@example.com,Acme Test Health,XJ1,G1,self,25,,500,F41.1;F32.1,,"
BOB = "bfake,Bob,Fakeperson,1985-02-03,M,1 Oak St,Austin,tx,78702,,,Zeta Fake Insurance,Z1,,self,,20%,1000,F43.10,,"


def test_clients_import_makes_ids_and_policies_and_is_idempotent(practice, home, tmp_path):
    path = clients_csv(tmp_path, JANE, BOB)
    out = practice.ok("import", "clients", str(path), "--create-payers").stdout
    assert "imported clients: 2 new, 1 added along the way (payer zeta-fake-insurance)" in out
    jane = (home / "clients" / "jfakename.toml").read_text()
    assert 'dob = 1990-04-12' in jane and 'sex = "F"' in jane and 'copay = "25.00"' in jane
    assert 'deductible = "500.00"' in jane and '"F41.1",\n    "F32.1"' in jane and 'payer = "acme"' in jane
    bob = (home / "clients" / "bfake.toml").read_text()
    assert 'cost_sharing = "coinsurance"' in bob and 'coinsurance = "20"' in bob and 'state = "TX"' in bob
    assert "[payer.zeta-fake-insurance]" in (home / "payers.toml").read_text()
    before = snapshot_files(home)
    again = practice.ok("import", "clients", str(path)).stdout
    assert "already imported on" in again and "nothing changed" in again
    assert snapshot_files(home) == before


def test_unknown_payer_lists_the_command_and_imports_nothing(practice, home, tmp_path):
    before = snapshot_files(home)
    result = practice("import", "clients", str(clients_csv(tmp_path, JANE, BOB)))
    assert result.exit_code == 2
    assert "clients.csv line 3, column 'payer': payer 'Zeta Fake Insurance' is not in payers.toml" in result.stderr
    assert 'claimkit payer add zeta-fake-insurance --name "Zeta Fake Insurance"' in result.stdout
    assert snapshot_files(home) == before


def test_bad_rows_are_refused_with_line_and_column_and_nothing_is_imported(practice, home, tmp_path):
    bad_date = "x1,Ann,Fake,1990-02-30,F,,,,,,,Acme Test Health,A1,,self,20,,,,,"
    bad_npi = "x2,Cal,Fake,1990-02-03,F,,,,,,,Acme Test Health,A2,,self,20,,,,Referrer,1234567890"
    twice = "x1,Dee,Fake,1991-02-03,F,,,,,,,Acme Test Health,A3,,self,20,,,,,"
    path = clients_csv(tmp_path, bad_date, bad_npi, twice)
    before = snapshot_files(home)
    line = practice.fails("import", "clients", str(path))
    assert line.startswith("error: clients.csv line 2, column 'dob': '1990-02-30' is not a real date;"
                           " write it as YYYY-MM-DD or MM/DD/YYYY (and 2 more rows); nothing was imported")
    assert snapshot_files(home) == before
    out = practice("import", "clients", str(path), "--json").stdout
    rows = {r["line"]: r for r in json.loads(out)["rows"]}
    assert rows[3]["detail"].startswith("clients.csv line 3, column 'referring_npi': '1234567890' is not a valid NPI")
    assert rows[4]["detail"] == "clients.csv line 4, column 'client_id': client x1 is also on line 2; keep one row per client"
    # --skip-bad: the good rows go in, the refused ones are written beside the file to fix
    good = "x3,Eve,Fake,1992-02-03,F,,,,,,,Acme Test Health,A4,,self,20,,,,,"
    path = clients_csv(tmp_path, bad_date, good)
    out = practice.ok("import", "clients", str(path), "--skip-bad").stdout
    assert "1 new, 1 refused" in out and (home / "clients" / "x3.toml").exists()
    refused = (tmp_path / "clients.refused.csv").read_text().splitlines()
    assert refused[0].endswith(",problem") and refused[1].startswith("x1,Ann,Fake,1990-02-30,")


def test_update_shows_and_applies_each_change(practice, home, tmp_path):
    practice.ok("import", "clients", str(clients_csv(tmp_path, JANE)))
    changed = clients_csv(tmp_path, JANE.replace("512-555-0100", "512-555-0199").replace(",25,", ",30,"))
    out = practice.ok("import", "clients", str(changed)).stdout
    assert "differs" in out and "phone: 512-555-0100 -> 512-555-0199" in out and "primary policy copay: 25.00 -> 30.00" in out
    assert "512-555-0100" in (home / "clients" / "jfakename.toml").read_text()
    out = practice.ok("import", "clients", str(changed), "--update").stdout
    assert "update" in out and "1 updated" in out
    text = (home / "clients" / "jfakename.toml").read_text()
    assert "512-555-0199" in text and 'copay = "30.00"' in text


def test_simplepractice_profile_and_a_mapping_file(practice, home, tmp_path):
    sp = write(tmp_path, "sp.csv", "Client,Primary clinician,Date added,Client type,Primary insurance,Date of Birth,Sex,Member ID,Copay\n"
                                    "Fran Fakerson,Dr Test,01/02/2026,Adult,Acme Test Health,07/08/1980,Female,M77,20\n")
    out = practice.ok("import", "clients", str(sp), "--profile", "simplepractice").stdout
    assert "ffakerson" in out and "1 new" in out
    text = (home / "clients" / "ffakerson.toml").read_text()
    assert 'first = "Fran"' in text and 'last = "Fakerson"' in text and 'member_id = "M77"' in text
    other = write(tmp_path, "other.csv", "Patient Last,Patient First,Birthday,Gender,Plan\nTestova,Gia,1979-03-04,W,acme\n")
    mapping = write(tmp_path, "map.toml", '[columns]\nlast_name = "Patient Last"\nfirst_name = "Patient First"\n'
                                          'dob = "Birthday"\nsex = "Gender"\npayer = "Plan"\n[values.sex]\nW = "F"\n')
    practice.ok("import", "clients", str(other), "--map", str(mapping))
    assert 'sex = "F"' in (home / "clients" / "gtestova.toml").read_text()
    bad_map = write(tmp_path, "bad.toml", '[columns]\nshoe_size = "Shoe"\n')
    line = practice.fails("import", "clients", str(other), "--map", str(bad_map))
    assert "bad.toml: [columns] shoe_size: not a field claimkit imports for clients" in line


SESSIONS = ("client_id,date,cpt,minutes,units,modifiers,pos,dx,fee,billed,billed_date,billed_to\n"
            "cfake,2026-01-05,90837,55,,,11,,,yes,2026-01-06,acme\n"
            "cfake,2026-01-12,90837,55,,,11,,,yes,2026-01-13,acme\n"
            "cfake,2026-11-20,90834,45,,95,10,,,no,,\n")
CAT = "cfake,Cat,Fakely,1980-01-01,F,,,,,,,Acme Test Health,C1,,self,,20,500,F41.1,,"


def test_sessions_billed_elsewhere_are_history_and_count_for_the_deductible(practice, home, tmp_path):
    practice.ok("import", "clients", str(clients_csv(tmp_path, CAT)))
    path = write(tmp_path, "sessions.csv", SESSIONS)
    out = practice.ok("import", "sessions", str(path)).stdout
    assert "billed elsewhere on 2026-01-06" in out and "3 new" in out
    conn = sqlite3.connect(home / "ledger.db")
    rows = conn.execute("SELECT id, status, billed_elsewhere FROM sessions ORDER BY id").fetchall()
    assert [r[1] for r in rows] == ["billed", "billed", "unbilled"]
    assert json.loads(rows[0][2]) == {"date": "2026-01-06", "to": "acme", "file": "sessions.csv"}
    # history posts no money; the unbilled session posts its charge as `session add` does
    postings = conn.execute("SELECT session_id, kind, amount_cents FROM postings ORDER BY id").fetchall()
    assert postings == [(3, "charge", 15000)]
    # the plan year's deductible (500) is taken by the two history sessions (2 x 120 allowed) before the third
    listed = json.loads(practice.ok("session", "list", "--json").stdout)
    assert [s["patient_estimate"] for s in listed] == ["120.00", "120.00", "95.00"]
    # never unbilled, never on a claim
    unbilled = json.loads(practice.ok("session", "list", "--unbilled", "--json").stdout)
    assert [s["id"] for s in unbilled] == [3]
    before = ledger_rows(home)
    assert "already imported on" in practice.ok("import", "sessions", str(path)).stdout
    assert ledger_rows(home) == before


def test_sessions_bad_row_imports_nothing(practice, home, tmp_path):
    practice.ok("import", "clients", str(clients_csv(tmp_path, CAT)))
    path = write(tmp_path, "sessions.csv", SESSIONS + "nobody,2026-01-05,90837,,,,,,,no,,\n")
    before = ledger_rows(home)
    line = practice.fails("import", "sessions", str(path))
    assert line.startswith("error: sessions.csv line 5, column 'client_id': no client 'nobody';"
                           " import the clients first (claimkit import clients); nothing was imported")
    assert ledger_rows(home) == before


def test_opening_balances_post_as_opening_and_show_on_the_statement(practice, home, tmp_path):
    practice.ok("import", "clients", str(clients_csv(tmp_path, JANE)))
    practice.ok("client", "add", "kfake", "--first", "Kim", "--last", "Fakeworth", "--dob", "1970-01-01", "--sex", "F",
                "--self-pay")
    path = write(tmp_path, "balances.csv", "Client,Clinician,Client balance,Insurance balance\n"
                                           "Jane Fakename,Dr Test,45.00,120.00\nKim Fakeworth,Dr Test,-10.00,0.00\n")
    out = practice.ok("import", "balances", str(path), "--profile", "simplepractice", "--as-of", "2026-11-30").stdout
    assert "client owes $45.00" in out and "client credit $10.00" in out
    assert "the old tool says insurance owes $120.00; the claims here await $0.00" in out
    report = json.loads(practice.ok("report", "balances", "--json").stdout)
    by = {c["client"]: c for c in report["clients"]}
    assert by["jfakename"]["balance"] == "45.00" and by["jfakename"]["charges"] == "0.00"
    assert by["kfake"]["balance"] == "-10.00"
    from datetime import date

    from claimkit.reports.statements import build_statement
    from claimkit.store.workspace import Workspace

    ws = Workspace.open(home)
    statement = build_statement(ws, "jfakename", date(2026, 12, 1), start=date(2026, 11, 1))
    assert [(ln.description, ln.charge, ln.your_part) for ln in statement.lines] == \
        [("Opening balance from balances.csv as of 2026-11-30", 0, 4500)]
    ws.close()
    before = ledger_rows(home)
    assert "already imported" in practice.ok("import", "balances", str(path), "--profile", "simplepractice").stdout
    assert ledger_rows(home) == before


HISTORY_835 = (
    "ISA*00*          *00*          *ZZ*KEYINS         *ZZ*TESTPRACTICE   *261201*1200*^*00501*000000101*0*P*:~"
    "GS*HP*KEYINS*TESTPRACTICE*20261201*1200*101*X*005010X221A1~ST*835*0001~"
    "BPR*I*80*C*ACH*CCP*01*999999999*DA*123456*1512345678**01*999988880*DA*98765*20261201~TRN*1*HIST0001*1512345678~"
    "N1*PR*KEY INSURANCE COMPANY~N3*1 MAIN ST~N4*MIAMI*FL*33111~N1*PE*TESTWELL COUNSELING*XX*1234567893~LX*1~"
    "CLP*26463774*1*100*80**12*KEYCLAIM1~NM1*QC*1*SMITH*TED****MI*JS00111223333~"
    "SVC*HC:99213*40*32~DTM*472*20061003~CAS*CO*45*8~SVC*HC:87070*15*12~DTM*472*20061003~CAS*CO*45*3~"
    "SVC*HC:99214*35*28~DTM*472*20061010~CAS*CO*45*7~SVC*HC:86663*10*8~DTM*472*20061010~CAS*CO*45*2~"
    "SE*23*0001~GE*1*101~IEA*1*000000101~")


def test_837_history_becomes_sent_claims_that_a_later_835_pays(practice, home, tmp_path):
    # the X12 guide's commercial example (source in tests/data/x12/SOURCES.md): one claim, CLM01 26463774, $100.00
    sample = DATA / "x12" / "837p_x12ig_commercial_health_insurance.edi"
    dry = practice.ok("import", "837", str(sample), "--dry-run").stdout
    assert "dry run" in dry and not (home / "clients" / "tsmith.toml").exists()
    out = practice.ok("import", "837", str(sample)).stdout
    assert "26463774" in out and "tsmith, key-insurance-company, 4 line(s), $100.00 (new client)" in out
    conn = sqlite3.connect(home / "ledger.db")
    claims = conn.execute("SELECT id, client, payer, status, total_cents, external_id, created, control_number FROM claims").fetchall()
    assert claims == [("CK00001", "tsmith", "key-insurance-company", "sent", 10000, "26463774", "2006-10-15", "000010216")]
    lines = conn.execute("SELECT line_no, date, cpt, charge_cents FROM claim_lines ORDER BY line_no").fetchall()
    assert lines == [(1, "2006-10-03", "99213", 4000), (2, "2006-10-03", "87070", 1500),
                     (3, "2006-10-10", "99214", 3500), (4, "2006-10-10", "86663", 1000)]
    client = (home / "clients" / "tsmith.toml").read_text()
    assert 'member_id = "JS00111223333"' in client and 'relationship = "child"' in client and 'last = "SMITH"' in client
    assert 'payer_id = "999996666"' in (home / "payers.toml").read_text()
    before = ledger_rows(home)
    assert "already imported on" in practice.ok("import", "837", str(sample)).stdout
    assert ledger_rows(home) == before
    era = write(tmp_path, "hist.835", HISTORY_835)
    practice.ok("era", "import", str(era))
    assert conn.execute("SELECT status FROM claims").fetchone() == ("paid",)
    row = {c["client"]: c for c in json.loads(practice.ok("report", "balances", "--json").stdout)["clients"]}["tsmith"]
    assert (row["charges"], row["insurance_paid"], row["contractual_adjustments"], row["insurance_outstanding"]) == \
        ("100.00", "80.00", "20.00", "0.00")


def test_837_file_without_a_birth_date_is_refused_naming_the_claim(practice, home):
    before = snapshot_files(home)
    line = practice.fails("import", "837", str(DATA / "x12" / "837p_imsweb_2_claims.txt"))
    assert line == ("error: 837p_imsweb_2_claims.txt segment 22 (CLM A37YH556): the patient has no date of birth (DMG);"
                    " add the client first with 'claimkit client add'")
    assert snapshot_files(home) == before


def test_not_a_file_and_empty_files_are_refused(practice, tmp_path):
    assert "is a folder" in practice.fails("import", "clients", str(tmp_path))
    assert "the file is empty" in practice.fails("import", "clients", str(write(tmp_path, "e.csv", "")))
    assert "no rows under the header" in practice.fails("import", "clients", str(write(tmp_path, "h.csv", HEADER + "\n")))
    assert "not a regular file" in practice.fails("import", "sessions", "/dev/zero")
    semi = write(tmp_path, "s.csv", HEADER.replace(",", ";") + "\n" + "a;b\n")
    assert "separated by semicolons" in practice.fails("import", "clients", str(semi))


def test_the_shipped_examples_import(practice, home):
    from claimkit.core.resources import examples_dir

    folder = examples_dir() / "import"
    out = practice.ok("import", "clients", str(folder / "clients.csv"), "--create-payers").stdout
    assert "2 new" in out and "id made from the name" in out
    assert 'number = "AUTH-77"' in (home / "clients" / "sexample.toml").read_text()
    assert "2 new" in practice.ok("import", "sessions", str(folder / "sessions.csv")).stdout
    assert "client owes $45.00" in practice.ok("import", "balances", str(folder / "balances.csv"), "--as-of", "2026-11-30").stdout


def test_history_counts_for_authorization_visits(practice, home, tmp_path):
    row = "afake,Al,Fakeauth,1980-01-01,M,,,,,,,Acme Test Health,A9,,self,20,,,F41.1,,"
    header = HEADER + ",auth_number,auth_visits,auth_start,auth_end"
    write(tmp_path, "c.csv", f"{header}\n{row},AUTH-1,2,2026-01-01,2026-12-31\n")
    practice.ok("import", "clients", str(tmp_path / "c.csv"))
    write(tmp_path, "s.csv", "client_id,date,cpt,billed,billed_date\nafake,2026-02-02,90837,yes,2026-02-03\n"
                             "afake,2026-02-09,90837,yes,2026-02-10\n")
    practice.ok("import", "sessions", str(tmp_path / "s.csv"))
    practice.ok("session", "add", "afake", "--date", "2026-02-16", "--cpt", "90837", "--minutes", "55")
    result = practice("check", "afake", "--json")
    found = [f for f in json.loads(result.stdout) if f["rule"] == "auth-visits"]
    assert [f["message"] for f in found] == ["90837 on 2026-02-16 is visit 3 on authorization AUTH-1, which allows 2"]


def test_simplepractice_appointments_profile(practice, home, tmp_path):
    practice.ok("import", "clients", str(clients_csv(tmp_path, JANE)))
    path = write(tmp_path, "appts.csv", "Date of Service,Client,Clinician,Billing Code,Duration,Fee,Billing Status,Primary Insurance\n"
                                        "01/05/2026,Jane Fakename,Dr Test,90837,55,180.00,Billed,Acme Test Health\n"
                                        "11/30/2026,Jane Fakename,Dr Test,90834,45,150.00,Not billed,Acme Test Health\n")
    out = practice.ok("import", "sessions", str(path), "--profile", "simplepractice").stdout
    assert "jfakename 2026-01-05 90837" in out and "billed elsewhere" in out and "jfakename 2026-11-30 90834" in out
    conn = sqlite3.connect(home / "ledger.db")
    assert conn.execute("SELECT date, cpt, minutes, fee_cents, status FROM sessions ORDER BY id").fetchall() == \
        [("2026-01-05", "90837", 55, 18000, "billed"), ("2026-11-30", "90834", 45, 15000, "unbilled")]


def test_a_practice_of_forty_clients_comes_over_and_balances_match(practice, home, tmp_path):
    """Done-when of the switching issue: 40 clients, a year of weekly sessions, open balances; report balances
    afterwards shows, per client, the balance the old tool reported."""
    from datetime import date, timedelta

    clients, sessions, balances = [HEADER], ["client_id,date,cpt,minutes,billed,billed_date,billed_to"], \
        ["client_id,client_owes,insurance_pending"]
    owed = {}
    for i in range(40):
        cid = f"c{i:02d}"
        clients.append(f"{cid},Client{i:02d},Fakeperson,1980-01-{i % 28 + 1:02d},F,,,,,,,Acme Test Health,M{i:05d},,self,20,,,F41.1,,")
        day = date(2025, 12, 1) + timedelta(days=i % 7)
        for _ in range(52):
            sessions.append(f"{cid},{day.isoformat()},90837,55,yes,{(day + timedelta(days=1)).isoformat()},acme")
            day += timedelta(days=7)
        owed[cid] = f"{(i * 7) % 90}.{i % 100:02d}" if i % 5 else "-15.00"
        balances.append(f"{cid},{owed[cid]},0")
    for name, rows in (("clients.csv", clients), ("sessions.csv", sessions), ("balances.csv", balances)):
        write(tmp_path, name, "\n".join(rows) + "\n")
    assert "40 new" in practice.ok("import", "clients", str(tmp_path / "clients.csv")).stdout
    assert "2080 new" in practice.ok("import", "sessions", str(tmp_path / "sessions.csv")).stdout
    assert "40 new" in practice.ok("import", "balances", str(tmp_path / "balances.csv"), "--as-of", "2026-11-30").stdout
    report = json.loads(practice.ok("report", "balances", "--as-of", "2026-11-30", "--json").stdout)
    got = {c["client"]: c["balance"] for c in report["clients"]}
    assert got == {cid: _cents(v) for cid, v in owed.items()}
    assert all(c["charges"] == "0.00" and c["insurance_outstanding"] == "0.00" for c in report["clients"])
    assert json.loads(practice.ok("session", "list", "--unbilled", "--json").stdout) == []


def _cents(text: str) -> str:
    from decimal import Decimal

    return f"{Decimal(text):.2f}"


def test_837_history_of_a_file_with_two_transactions(practice, home):
    """Two ST..SE in one interchange, behind a byte-order mark (source in tests/data/x12/SOURCES.md)."""
    practice.ok("import", "837", str(DATA / "x12" / "837p_oop_two_st_combined_bom.txt"))
    conn = sqlite3.connect(home / "ledger.db")
    rows = conn.execute("SELECT external_id, client, total_cents, status FROM claims ORDER BY id").fetchall()
    assert rows == [("26463774", "tsmith", 10000, "sent"), ("26407789", "tsmith", 7904, "sent"),
                    ("26462967", "tsmith2", 10000, "sent")]
    assert conn.execute("SELECT COUNT(*), SUM(amount_cents) FROM postings WHERE kind = 'charge'").fetchone() == (11, 27904)
