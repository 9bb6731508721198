"""Issue 16.15: every identifier that reaches an 837P, 270 or 276 is checked where it is typed (CLI options) and where
it is read (a hand-edited TOML file is refused naming the file, line, key and fix), by one validator per kind in
claimkit/core/identifiers.py; and text goes out cleaned the same way on the CMS-1500 and in the 837P
(core/nucc.py). Before, payer_id = "111~11*9" in payers.toml loaded without a finding and was sent as 111119."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import PRACTICE_ARGS, Cli, copy_home, snapshot_files

from claimkit.core import identifiers

SEPARATORS_FIX = "an electronic payer ID is letters and digits only; copy it from your clearinghouse's payer list (e.g. 87726)"
CARD_FIX = "give it as printed on the card, letters and digits (spaces and hyphens are left out when it is sent)"
EDI_FIX = "may hold only letters, digits and spaces; copy it from the clearinghouse's companion guide"


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """A practice, payer acme (payer ID 11111) and client jdoe with a policy: built once, copied per test."""
    home = tmp_path_factory.mktemp("ids") / "home"
    cli = Cli(home)
    cli.ok(PRACTICE_ARGS)
    cli.ok("payer add acme --name 'Acme Test Health' --payer-id 11111 --type commercial")
    cli.ok("client add jdoe --first Testy --last McTestface --dob 1990-04-12 --sex F --dx F41.1 --payer acme"
           " --member-id 'TST 100-200' --group GRP-1 --copay 25")
    return home


@pytest.fixture
def ck(base, tmp_path) -> Cli:
    return copy_home(base, Cli(tmp_path / "home"))


# --- on entry: the option named, nothing written ----------------------------------------------------------

ENTRY = [
    ("payer add bad --name Bad --payer-id '111~11*9'",
     f"error: payer add --payer-id: payer ID '111~11*9' holds '~' and '*': {SEPARATORS_FIX}"),
    ("payer edit acme --payer-id 'AB:12'",
     f"error: payer edit --payer-id: payer ID 'AB:12' holds ':': {SEPARATORS_FIX}"),
    ("payer edit acme --payer-id X",
     "error: payer edit --payer-id: payer ID 'X' has 1 character; an electronic payer ID has 2 to 80"),
    ("client add zed --first Zed --last Testcase --dob 1990-04-12 --sex F --dx F41.1 --payer acme --member-id 'ZC1*2~3'"
     " --copay 25", f"error: client add --member-id: member ID 'ZC1*2~3' holds '*' and '~': {CARD_FIX}"),
    ("client add zed --first Zed --last Testcase --dob 1990-04-12 --sex F --dx F41.1 --payer acme --member-id ZC123"
     " --group 'G^1' --copay 25", f"error: client add --group: group number 'G^1' holds '^': {CARD_FIX}"),
    ("client policy add jdoe --payer acme --member-id 'ZC1>2' --secondary --copay 10",
     f"error: policy add --member-id: member ID 'ZC1>2' holds '>': {CARD_FIX}"),
    ("x12 setup --submitter-id 'TW*1'", f"error: --submitter-id 'TW*1' {EDI_FIX}"),
    ("x12 setup --receiver-id 'CH~1'", f"error: --receiver-id 'CH~1' {EDI_FIX}"),
]


@pytest.mark.parametrize("args,line", ENTRY, ids=[a.split(" --")[0] + " " + a.split(" --")[-1].split()[0] for a, _ in ENTRY])
def test_each_identifier_is_refused_where_it_is_typed(ck, args, line):
    before = snapshot_files(ck.home)
    assert ck.fails(args) == line
    assert snapshot_files(ck.home) == before


@pytest.mark.parametrize("option,value,line", [
    ("--npi", "12345*6789", "error: --npi '12345*6789' is not a valid NPI (10 digits with a correct check digit); copy it"
                            " from the NPPES registry"),
    ("--npi", "1234567890", "error: --npi '1234567890' is not a valid NPI (10 digits with a correct check digit); copy it"
                            " from the NPPES registry"),
    ("--rendering-npi", "124531959~", "error: --rendering-npi '124531959~' is not a valid NPI (10 digits with a correct"
                                      " check digit); copy it from the NPPES registry"),
    ("--tax-id", "99-123~4567", "error: --tax-id '99-123~4567' must be 9 digits (EIN 12-3456789 or SSN 123-45-6789)"),
    ("--tax-id", "99-123456", "error: --tax-id '99-123456' must be 9 digits (EIN 12-3456789 or SSN 123-45-6789)"),
])
def test_init_refuses_an_npi_or_tax_id_the_claim_cannot_carry(cli, home, option, value, line):
    args = PRACTICE_ARGS.replace("--npi 1234567893", "--npi 1234567893" if option != "--npi" else f"--npi '{value}'")
    if option == "--tax-id":
        args = args.replace("--tax-id 99-1234567", f"--tax-id '{value}'")
    if option == "--rendering-npi":
        args += f" --rendering-npi '{value}'"
    assert cli.fails(args) == line
    assert not home.exists()


def test_a_correct_payer_claim_number_is_required_to_correct_a_claim():
    """claim correct --payer-claim-number goes to box 22 and REF*F8: the shared validator, its message unchanged."""
    with pytest.raises(ValueError, match=re.escape("'A~1': use the payer's claim number as printed (letters and digits)")):
        identifiers.payer_claim_number("A~1")
    assert identifiers.payer_claim_number(" 2026-1120 00123 ") == "2026-1120 00123"


# --- on load: a hand-edited file is refused naming file, line, key and fix -----------------------------------

def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (old, text)
    path.write_text(text.replace(old, new, 1))


LOAD = [
    ("payers.toml", 'payer_id = "11111"', 'payer_id = "111~11*9"', "payer list",
     f"error: payers.toml, line 7: payer.acme.payer_id: payer ID '111~11*9' holds '~' and '*': {SEPARATORS_FIX}; fix the"
     " value in the file"),
    ("clients/jdoe.toml", 'member_id = "TST 100-200"', 'member_id = "TST*100~200"', "client show jdoe",
     f"error: clients/jdoe.toml, line 16: policies[0].member_id: member ID 'TST*100~200' holds '*' and '~': {CARD_FIX}; fix"
     " the value in the file"),
    ("clients/jdoe.toml", 'group = "GRP-1"', 'group = "GRP:1"', "client show jdoe",
     f"error: clients/jdoe.toml, line 17: policies[0].group: group number 'GRP:1' holds ':': {CARD_FIX}; fix the value in"
     " the file"),
    ("clients/jdoe.toml", 'signature_on_file = true\n', 'signature_on_file = true\n\n[[authorizations]]\nnumber = "AU*7"\n',
     "client show jdoe", f"error: clients/jdoe.toml, line 29: authorizations[0].number: authorization number 'AU*7' holds"
     f" '*': {CARD_FIX}; fix the value in the file"),
    ("practice.toml", 'npi = "1234567893"', 'npi = "12345678^3"', "practice show",
     "error: practice.toml, line 10: billing.npi: NPI '12345678^3' holds '^': an NPI is 10 digits; copy it from the NPPES"
     " registry; fix the value in the file"),
    ("practice.toml", 'tax_id = "991234567"', 'tax_id = "99-123*4567"', "practice show",
     "error: practice.toml, line 11: billing.tax_id: tax ID '99-123*4567' holds '*': an EIN (12-3456789) or SSN is 9"
     " digits; fix the value in the file"),
    ("practice.toml", "[provider]\n", '[provider]\nnpi = "12453195 9"\n', "practice show",
     "error: practice.toml, line 23: provider.npi: NPI '12453195 9' holds ' ': an NPI is 10 digits; copy it from the"
     " NPPES registry; fix the value in the file"),
    ("practice.toml", "[provider]\n", '[edi]\nsubmitter_id = "TW*1"\n\n[provider]\n', "practice show",
     f"error: practice.toml, line 23: edi.submitter_id: 'TW*1' {EDI_FIX}; fix the value in the file"),
]


LOAD_IDS = [(n, line.split(": ")[2]) for n, *_, line in LOAD]


@pytest.mark.parametrize("name,old,new,command,line", LOAD, ids=[re.sub(r"\W+", "-", f"{n} {m}").strip("-") for n, *_, m in LOAD_IDS])
def test_each_identifier_is_refused_in_a_hand_edited_file(ck, name, old, new, command, line):
    _edit(ck.home / name, old, new)
    assert ck.fails(command) == line


def test_a_hand_edited_file_with_a_bad_id_is_an_error_check_lists(ck):
    _edit(ck.home / "payers.toml", 'payer_id = "11111"', 'payer_id = "111~11*9"')
    result = ck("check")
    assert result.exit_code == 1
    assert "payer.acme.payer_id: payer ID '111~11*9' holds '~' and '*'" in result.stdout


def test_layout_in_an_id_still_loads_and_goes_out_without_it(ck):
    """Spaces and hyphens in a member ID or group are how cards print them: kept in the file, left out when sent."""
    out = ck.ok("client show jdoe --json").stdout
    assert '"member_id": "TST 100-200"' in out and '"group": "GRP-1"' in out
    from claimkit.core.nucc import ident

    assert (ident("TST 100-200"), ident("GRP-1")) == ("TST100200", "GRP1")


# --- text: cleaned once (core/nucc.py), the same on paper and in every X12 file --------------------------------

def test_text_is_cleaned_the_same_on_the_cms1500_and_in_the_837p_and_276(tmp_path):
    from datetime import datetime

    from claim_fixtures import add_sessions, make_home
    from test_837p import ENV, assert_same_as_form

    from claimkit.acks.request276 import write_276
    from claimkit.claims import build
    from claimkit.claims.read_837p import read_837p
    from claimkit.claims.x12_837p import write_837p
    from claimkit.forms.cms1500_fields import page_fields
    from claimkit.records.practice import add_client, add_payer, policy_data

    ws = make_home(tmp_path / "home")
    add_payer(ws, {"id": "odd", "name": "Acme & Co.* ~Health^", "payer_id": "ODD01", "type": "commercial",
                   "address": {"street": "P.O. Box #7, Ste. 2/B", "city": "San José", "state": "TX", "zip": "75201"}})
    add_client(ws, {"id": "jose", "first": "José*", "last": "O'Brien-Smith, Jr.", "middle": "Ñ.", "dob": "1980-02-03",
                    "sex": "M", "dx": ["F41.1"],
                    "address": {"street": "12 N. Main St., Apt #4 ~", "city": "Cañon City:", "state": "CO", "zip": "81212"}},
               policy_data({"payer": "odd", "member_id": "od-123 45", "group": "G-7", "copay": "20.00"}))
    add_sessions(ws, "jose", 1)
    (snap,) = build.create_claims(ws, build.select_sessions(ws, client="jose"), None)
    form = page_fields(snap)
    claim = read_837p(write_837p([snap], ENV)).claims[0]
    assert_same_as_form(snap, claim)  # every box the 837P carries, compared with what it says
    assert (form["2"], form["5.street"], form["5.city"], form["1a"], form["11"]) == (
        "OBRIEN-SMITH JR, JOSE, N", "12 N MAIN ST APT 4", "CANON CITY", "OD12345", "G7")
    assert (form["carrier.1"], form["carrier.2"]) == ("ACME AND CO HEALTH", "PO BOX 7 STE 2 B")
    status = write_276([snap], {}, ENV, datetime(2026, 11, 20, 9, 30))
    assert "NM1*PR*2*ACME AND CO HEALTH*****PI*ODD01~" in status
    assert "NM1*IL*1*OBRIEN-SMITH JR*JOSE*N***MI*OD12345~" in status
