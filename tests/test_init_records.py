"""init, practice, fees, payers and clients through the CLI, with the bad inputs refused and nothing changed."""

from __future__ import annotations

import json
import stat
import sys
import textwrap

import pytest

from conftest import NPI_BILLING, PRACTICE_ARGS, ledger_rows, snapshot_files


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_init_creates_private_home(cli, home):
    cli.ok(PRACTICE_ARGS)
    assert mode(home) == 0o700
    assert mode(home / "clients") == 0o700
    for name in ("practice.toml", "payers.toml", "ledger.db"):
        assert mode(home / name) == 0o600, name
    text = (home / "practice.toml").read_text()
    assert text.startswith("# claimkit practice settings")
    assert 'npi = "1234567893"' in text and 'tax_id = "991234567"' in text


def test_init_private_even_with_open_umask(cli, home):
    import os

    old = os.umask(0o000)
    try:
        cli.ok(PRACTICE_ARGS)
    finally:
        os.umask(old)
    assert mode(home) == 0o700 and mode(home / "practice.toml") == 0o600


def test_init_refuses_existing_home(cli, home):
    cli.ok(PRACTICE_ARGS)
    before = snapshot_files(home)
    line = cli.fails(PRACTICE_ARGS)
    assert "already holds a practice" in line
    assert snapshot_files(home) == before


def test_init_rejects_bad_npi_and_writes_nothing(cli, home):
    line = cli.fails("init --practice-name X --npi 1234567890 --yes")
    assert line == "error: --npi '1234567890' is not a valid NPI (10 digits with a correct check digit); copy it from the NPPES registry"
    assert not home.exists()


def test_init_without_terminal_needs_practice_name(cli, home):
    line = cli.fails("init --yes")
    assert "--practice-name is required" in line


def test_practice_show_json(practice):
    data = __import__("json").loads(practice.ok("practice show --json").stdout)
    assert data["billing"]["npi"] == NPI_BILLING
    assert data["provider"]["credentials"] == "LPC"
    assert data["fees"] == {"90791": "200.00", "90834": "150.00", "90837": "180.00"}


def test_fee_set_and_list(practice):
    practice.ok("fee set 90832 110")
    out = practice.ok("fee list --json").stdout
    assert '"90832": "110.00"' in out


@pytest.mark.parametrize("amount,msg", [("-5", "negative"), ("abc", "not an amount"), ("1.234", "more than two decimals")])
def test_fee_bad_amount(practice, home, amount, msg):
    before = snapshot_files(home)
    line = practice.fails(f"fee set 90837 -- {amount}" if amount.startswith("-") else f"fee set 90837 {amount}")
    assert msg in line
    assert snapshot_files(home) == before


def test_payer_add_list_show_rates(practice):
    practice.ok("payer add bluepeak --name 'Bluepeak Test' --type medicare --timely-filing-days 365 --telehealth-modifier none --telehealth-pos 02")
    practice.ok("payer rate set bluepeak 90837 110.50")
    practice.ok("payer rate set bluepeak 90837 115.00 --modifier 95")
    data = __import__("json").loads(practice.ok("payer show bluepeak --json").stdout)
    assert data["type"] == "medicare" and data["timely_filing_days"] == 365 and data["telehealth_modifier"] == "none"
    assert data["rates"] == {"90837": "110.50", "90837:95": "115.00"}
    listed = __import__("json").loads(practice.ok("payer list --json").stdout)
    assert [p["id"] for p in listed] == ["acme", "bluepeak"]
    assert "110.50" in practice.ok("payer rate list bluepeak").stdout


def test_payer_bad_inputs(practice, home):
    before = snapshot_files(home)
    assert "already exists" in practice.fails("payer add acme --name Again")
    assert "--type 'hmo'" in practice.fails("payer add x --name X --type hmo")
    assert "no payer 'nope'" in practice.fails("payer rate set nope 90837 100")
    assert "not a 5-character CPT" in practice.fails("payer rate set acme 9083 100")
    assert "payer id 'Bad Id'" in practice.fails("payer add 'Bad Id' --name X")
    assert snapshot_files(home) == before


CLIENT = ("client add jdoe --first Testy --last McTestface --dob 1990-04-12 --sex F --address '12 Elm St' --city Austin "
          "--state TX --zip 78701 --payer acme --member-id TST123456789 --copay 25 --dx F41.1 --dx Z63.0")


def test_client_add_show_list(practice, home):
    practice.ok(CLIENT)
    assert mode(home / "clients" / "jdoe.toml") == 0o600
    data = __import__("json").loads(practice.ok("client show jdoe --json").stdout)
    assert data["dob"] == "1990-04-12" and data["dx"] == ["F41.1", "Z63.0"]
    assert data["policies"][0]["copay"] == "25.00" and data["policies"][0]["payer"] == "acme"
    listed = __import__("json").loads(practice.ok("client list --json").stdout)
    assert listed == [{"id": "jdoe", "name": "Testy McTestface", "dob": "1990-04-12", "status": "active",
                       "payer": "acme", "cost_sharing": "copay", "dx": ["F41.1", "Z63.0"]}]


@pytest.mark.parametrize("args,msg", [
    ("--dob 2026-02-30", "--dob '2026-02-30' is not a real date"),
    ("--sex Q", "--sex 'Q': use M, F or X"),
    ("--payer nope --member-id X --copay 10", "no payer 'nope'"),
    ("--payer acme --member-id X --coinsurance 120", "--coinsurance 120: a percent must be between 0 and 100"),
    ("--payer acme --member-id X --copay 10 --coinsurance 20", "--copay and --coinsurance"),
    ("--payer acme --member-id X --copay -3", "negative"),
    ("--payer acme --member-id X --copay ten", "'ten' is not an amount"),
    ("--dx F4", "is not an ICD-10-CM code"),
    ("--state Texas", "state 'TEXAS' must be a two-letter code"),
])
def test_client_add_bad_input(practice, home, args, msg):
    before = snapshot_files(home)
    base = "client add jdoe --first Testy --last McTestface --sex F --dob 1990-04-12"
    line = practice.fails(f"{base} {args}")
    assert msg in line, line
    assert snapshot_files(home) == before


def test_client_duplicate_id(practice, home):
    practice.ok(CLIENT)
    before = snapshot_files(home)
    assert "client 'jdoe' already exists" in practice.fails(CLIENT)
    assert snapshot_files(home) == before


def test_client_minor_with_parent_and_secondary(practice):
    practice.ok("payer add bluepeak --name Bluepeak")
    practice.ok("client add kid --first Kiddo --last Testcase --dob 2015-01-01 --sex M --payer acme --member-id A1 --copay 30 "
                "--relationship child --insured-first Parent --insured-last Testcase --insured-dob 1980-05-05 --insured-sex F")
    practice.ok("client policy add kid --payer bluepeak --member-id B2 --coinsurance 10 --secondary")
    data = __import__("json").loads(practice.ok("client show kid --json").stdout)
    assert [p["rank"] for p in data["policies"]] == ["primary", "secondary"]
    assert data["policies"][0]["insured"]["last"] == "Testcase" and data["policies"][0]["relationship"] == "child"
    assert data["policies"][1]["cost_sharing"] == "coinsurance" and data["policies"][1]["coinsurance"] == "10"


def test_relationship_child_needs_insured(practice, home):
    line = practice.fails("client add kid --first K --last T --dob 2015-01-01 --sex M --payer acme --member-id A1 --copay 30 --relationship child")
    assert "insured" in line
    assert not (home / "clients" / "kid.toml").exists()


def _editor(tmp_path, body: str) -> str:
    script = tmp_path / "editor.py"
    script.write_text(textwrap.dedent(f"""
        import sys
        path = sys.argv[1]
        text = open(path).read()
        {body}
        open(path, "w").write(text)
    """))
    return f"{sys.executable} {script}"


def test_client_file_without_an_onset_has_no_box_14_qualifier(practice, home):
    """The box 14 qualifier means nothing without a date: a new client's file does not carry one."""
    practice.ok(CLIENT)
    text = (home / "clients" / "jdoe.toml").read_text()
    assert "onset" not in text


def test_client_edit_valid(practice, home, tmp_path):
    practice.ok(CLIENT)
    editor = _editor(tmp_path, "text = text.replace('first = \"Testy\"', 'first = \"Testina\"')")
    practice.ok("client edit jdoe", env={"EDITOR": editor, "VISUAL": ""})
    assert 'first = "Testina"' in (home / "clients" / "jdoe.toml").read_text()


@pytest.mark.parametrize("body,msg", [
    ("text = text.replace('dob = 1990-04-12', 'dob = \"1990-13-45\"')", "clients/jdoe.toml, line 7: dob: Input should be a valid date"),
    ("text = text + '\\nbogus = [1,'", "TOML syntax error"),
    ("text = text.replace('copay = \"25.00\"', 'copay = 25.5')", "policies[0].copay"),
    ("text = text + '\\n[policies.referring]\\nlast = \"Referrer\"\\nnpi = \"12345\"\\n'",
     "line 36: policies[0].referring.npi: NPI '12345' must be 10 digits; fix the value in the file"),
    ("text = text.replace('status = ', 'accident = { kind = \"bus\" }\\nstatus = ')", "accident.kind"),
])
def test_client_edit_invalid_is_refused(practice, home, tmp_path, body, msg):
    practice.ok(CLIENT)
    before = snapshot_files(home)
    line = practice.fails("client edit jdoe", env={"EDITOR": _editor(tmp_path, body), "VISUAL": ""})
    assert "edit refused, jdoe.toml unchanged" in line and msg in line, line
    assert snapshot_files(home) == before


def test_practice_edit_invalid_is_refused(practice, home, tmp_path):
    before = snapshot_files(home)
    line = practice.fails("practice edit", env={"EDITOR": _editor(tmp_path, "text = text.replace('\\n[defaults]\\n', '\\n[defaults]\\nwhatever = 1\\n')"), "VISUAL": ""})
    assert "defaults.whatever: is not a known setting" in line
    assert snapshot_files(home) == before


def test_discharge_and_list_all(practice):
    practice.ok(CLIENT)
    practice.ok("client discharge jdoe --date 2026-11-30")
    assert "jdoe" not in practice.ok("client list").stdout
    assert "discharged" in practice.ok("client list --all").stdout
    assert "already discharged" in practice.fails("client discharge jdoe")


def test_malformed_toml_names_file_and_line(practice, home):
    (home / "payers.toml").write_text('[payer.acme]\nname = "Acme"\ntimely_filing_days = \n')
    line = practice.fails("payer list")
    assert line.startswith("error: payers.toml, line 3: TOML syntax error")


def test_wrong_type_names_file_and_key(practice, home):
    text = (home / "payers.toml").read_text().replace("timely_filing_days = 90", 'timely_filing_days = "ninety"')
    (home / "payers.toml").write_text(text)
    line = practice.fails("payer list")
    assert "payers.toml, line" in line and "payer.acme.timely_filing_days" in line


def test_float_money_in_toml_is_refused(practice, home):
    text = (home / "practice.toml").read_text().replace('90837 = "180.00"', "90837 = 180.0")
    (home / "practice.toml").write_text(text)
    line = practice.fails("fee list")
    assert "practice.toml" in line and "fees.90837" in line and "not as a number with a decimal point" in line


def test_no_home_is_a_clear_error(cli):
    assert "run 'claimkit init' first" in cli.fails("client list")


def test_version_and_debug(cli):
    from claimkit import __version__

    assert cli.ok("--version").stdout.strip() == f"claimkit {__version__}"


def test_unknown_option_is_one_line(cli):
    line = cli.fails("session add --bogus")
    assert "No such option: --bogus" in line


def test_ledger_unchanged_by_refusals(practice, home):
    practice.ok(CLIENT)
    before = ledger_rows(home)
    practice.fails("session add jdoe --date 2026-13-01 --cpt 90837")
    practice.fails("session add nobody --date 2026-11-01 --cpt 90837")
    practice.fails("session add jdoe --date 2026-11-01 --cpt 90899")
    assert ledger_rows(home) == before


def test_schemas_mirror_records_field_for_field():
    """core/schema.py validates what core/records.py holds: the same names and fields, so validated data always
    rebuilds a record (a field added to one and not the other fails here)."""
    import dataclasses

    from claimkit.core import records, schema

    for name in ("Address", "Billing", "Provider", "Facility", "Defaults", "FormOffsets", "Practice", "Payer", "Person",
                 "Policy", "Authorization", "Client", "Referring", "Accident"):
        assert set(getattr(schema, name).model_fields) == {f.name for f in dataclasses.fields(getattr(records, name))}, name


def test_practice_toml_with_a_byte_order_mark_is_read(practice, home):
    """Issue 16.17: Windows editors write a UTF-8 BOM; it was refused as 'Invalid statement'."""
    path = home / "practice.toml"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert json.loads(practice.ok("practice show --json").stdout)["name"] == "Testwell Counseling"


@pytest.mark.parametrize("command", ["client show ../practice", "client show ../clients/x", "session list --client ../practice",
                                     "client edit ../practice"])
def test_ids_are_validated_as_ids_before_any_file_is_read(practice, command):
    """Issue 16.17: 'client show ../practice' read practice.toml as a client file."""
    line = practice.fails(command)
    assert "client id '../" in line and "must be 1-32 lowercase letters" in line, line
