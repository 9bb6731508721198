"""`claimkit payer edit`: every payer setting changed from the command line, validated as a whole, atomic."""

from __future__ import annotations

import json
import tomllib

import pytest

from tests.conftest import snapshot_files


def _payer(cli, pid="acme") -> dict:
    return json.loads(cli.ok(f"payer show {pid} --json").stdout)


def test_edit_changes_each_setting_and_keeps_rates(practice, home):
    practice.ok("payer edit acme --name 'Acme Test Health PPO' --payer-id 22222 --type medicaid --address '9 Fake Rd'"
                " --address2 'Suite 5' --city Dallas --state tx --zip 752011234 --phone 5125550111 --timely-filing-days 95"
                " --telehealth-modifier gt --telehealth-pos 02 --requires-taxonomy --requires-auth"
                " --box29-includes-patient-paid --appeal-days 65")
    p = _payer(practice)
    assert (p["name"], p["payer_id"], p["type"], p["phone"]) == ("Acme Test Health PPO", "22222", "medicaid", "5125550111")
    assert p["address"] == {"street": "9 Fake Rd", "street2": "Suite 5", "city": "Dallas", "state": "TX", "zip": "75201-1234"}
    assert (p["timely_filing_days"], p["telehealth_modifier"], p["telehealth_pos"]) == (95, "GT", "02")
    assert p["requires_taxonomy"] is p["requires_auth"] is p["box29_includes_patient_paid"] is True
    assert (p["appeal_days"], p["appeal_window_days"]) == (65, 65)
    assert p["rates"] == {"90791": "140.00", "90834": "95.00", "90837": "120.00"}
    on_disk = tomllib.loads((home / "payers.toml").read_text())["payer"]["acme"]
    assert on_disk["appeal_days"] == 65 and on_disk["rates"]["90837"] == "120.00"
    practice.ok("payer edit acme --no-requires-taxonomy --no-box29-includes-patient-paid --address2 ''")
    p = _payer(practice)
    assert p["requires_taxonomy"] is False and p["box29_includes_patient_paid"] is False and p["requires_auth"] is True
    assert p["address"]["street2"] == "" and p["address"]["city"] == "Dallas"


def test_appeal_window_defaults_by_type_and_back_to_default(practice):
    practice.ok("payer add medi --name 'Fake Medicare Contractor' --type medicare")
    assert _payer(practice, "medi")["appeal_window_days"] == 120
    assert _payer(practice)["appeal_window_days"] == 180
    practice.ok("payer edit medi --appeal-days 90")
    assert _payer(practice, "medi")["appeal_window_days"] == 90
    out = practice.ok("payer edit medi --appeal-days default").stdout
    assert "appeal window 120 days (default for medicare)" in out
    assert _payer(practice, "medi")["appeal_days"] is None
    practice.ok("payer edit acme --type medicare")
    assert _payer(practice)["appeal_window_days"] == 120


@pytest.mark.parametrize("args, message", [
    ("--timely-filing-days 0", "payer edit --timely-filing-days: Input should be greater than or equal to 1"),
    ("--zip 123", "payer edit --zip: ZIP '123' must be 5 digits or ZIP+4 like 78701-1234"),
    ("--state Texas", "--state"),
    ("--appeal-days 0", "--appeal-days '0': give a number of days from 1 to 3650, or 'default'"),
    ("--appeal-days soon", "--appeal-days 'soon': give a number of days from 1 to 3650, or 'default'"),
    ("--type hmo", "--type 'hmo': use one of commercial, medicare"),
    ("--telehealth-pos 11", "--telehealth-pos '11': use 02 or 10"),
    ("--telehealth-modifier 25", "--telehealth-modifier '25': use 95, GT, 93 or none"),
    ("--name ''", "payer edit --name"),
    ("", "payer edit acme: give at least one setting to change"),
])
def test_bad_value_refused_with_one_line_and_nothing_changed(practice, home, args, message):
    before = snapshot_files(home)
    line = practice.fails(f"payer edit acme --appeal-days 70 {args}" if args.startswith("--zip") else f"payer edit acme {args}")
    assert message in line, line
    assert snapshot_files(home) == before


def test_unknown_payer_refused(practice, home):
    before = snapshot_files(home)
    assert "no payer 'nobody'" in practice.fails("payer edit nobody --appeal-days 30")
    assert snapshot_files(home) == before
