"""Issue 16.13: the onset (box 14), an accident (10a-c, DTP*439) and a policy's referring provider (17/17b) are set by
options, not a hand edit: each checked, written atomically under the field names a hand-edited file uses, shown
by `client show`, printed in their CMS-1500 boxes and sent in the 837P exactly as for a hand-edited file."""

from __future__ import annotations

import tomllib
from datetime import date, datetime, timedelta

import pytest
from claim_fixtures import ACCIDENT, ONSET, REFERRING_NPI, add_sessions, make_home
from conftest import Cli, copy_home, snapshot_files
from test_render_cms1500 import assert_in_boxes, read_pdf, texts_in

from claimkit.claims.ledger import get_claim
from claimkit.claims.x12_837p import Envelope, write_837p
from claimkit.forms.cms1500_fields import layout, page_fields
from claimkit.records.practice import add_client, policy_data
from claimkit.store.workspace import Workspace

ENV = Envelope(submitter_name="Testwell Counseling", submitter_id="TESTWELL1", contact_name="Testy McTestface",
               contact_phone="5125550100", receiver_name="Test Clearinghouse", receiver_id="TESTCH", usage="T", control=42,
               when=datetime(2026, 11, 20, 9, 30))
REFERRING = (f"--referring-first Dana --referring-middle Quill --referring-last Referrer --referring-credentials M.D."
             f" --referring-npi {REFERRING_NPI}")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A practice and client 'rita' (acme policy, an address) with nothing about accidents, onsets or referrals."""
    home = tmp_path_factory.mktemp("settings") / "home"
    ws = make_home(home)
    add_client(ws, {"id": "rita", "first": "Rita", "last": "Roadside", "dob": "1988-07-14", "sex": "F", "dx": ["F43.10"],
                    "address": {"street": "7 Crash Ct", "city": "Austin", "state": "TX", "zip": "78745"}},
               policy_data({"payer": "acme", "member_id": "ACM777", "group": "GRP-1", "copay": "20.00"}))
    ws.close()
    return home


@pytest.fixture
def cli(built, home):
    return copy_home(built, Cli(home))  # `home` (conftest) has set CLAIMKIT_HOME to it


def client_file(cli) -> dict:
    return tomllib.loads((cli.home / "clients" / "rita.toml").read_text())


def bill(cli, tmp_path):
    """One session of rita's, rendered through the CLI: (the page read back, the claim's fields, its 837P text)."""
    ws = Workspace(cli.home)
    try:
        add_sessions(ws, "rita", 1)
        out = tmp_path / "rita.pdf"
        cli.ok(f"cms1500 render --client rita --form data -o {out}")
        (cid,) = [c for (c,) in ws.conn.execute("SELECT id FROM claims")]
        _, snap = get_claim(ws, cid)
    finally:
        ws.close()
    return read_pdf(out.read_bytes())[0], page_fields(snap, 0), write_837p([snap], ENV).replace("\n", "")


def test_auto_accident_onset_and_referring_provider_set_by_options(cli, tmp_path):
    cli.ok(f"client edit rita --onset {ONSET} --accident auto --accident-state tx --accident-date {ACCIDENT}")
    said = cli.ok(f"client policy edit rita {REFERRING}").stdout
    assert said.strip() == ("rita's primary policy with acme: referring provider Dana Quill Referrer, M.D. NPI"
                            f" {REFERRING_NPI} (DN referring, box 17/17b)")
    data = client_file(cli)
    # the names a hand-edited file uses (core/schema.py Client.onset, Client.accident, Policy.referring)
    assert data["onset"] == ONSET and "onset_qualifier" not in data
    assert data["accident"] == {"kind": "auto", "date": ACCIDENT, "state": "TX"}
    assert data["policies"][0]["referring"] == {"qualifier": "DN", "first": "Dana", "middle": "Quill", "last": "Referrer",
                                                "credentials": "M.D.", "npi": REFERRING_NPI}
    assert oct((cli.home / "clients" / "rita.toml").stat().st_mode & 0o777) == "0o600"
    shown = cli.ok("client show rita").stdout
    assert f"Onset (14)      {ONSET} (431: onset of the current illness, box 14)" in shown
    assert f"Accident (10)   auto in TX on {ACCIDENT} (box 10b)" in shown
    assert f"referring provider Dana Quill Referrer, M.D. NPI {REFERRING_NPI} (DN referring, box 17/17b)" in shown

    page, fields, x837 = bill(cli, tmp_path)
    assert texts_in(page, layout().boxes["14"]) == ["09", "01", "26", "431"]  # MM DD YY and the qualifier
    assert texts_in(page, layout().boxes["17"]) == ["DN", "DANA Q REFERRER MD"]
    assert texts_in(page, layout().boxes["17b"]) == [REFERRING_NPI]
    assert (fields["10a.no"], fields["10b.yes"], fields["10b.state"], fields["10c.no"]) == ("X", "X", "TX", "X")
    assert_in_boxes(page, {k: fields[k] for k in ("10a.no", "10b.yes", "10b.state", "10c.no")})
    # the segments test_837p asserts for the hand-made client file
    assert "**AA:::TX~DTP*431*D8*20260901~DTP*439*D8*20260828~HI*ABK:F4310~" in x837
    assert "~HI*ABK:F4310~NM1*DN*1*REFERRER*DANA*Q***XX*1679576722~" in x837


@pytest.mark.parametrize("kind,box,cause", [("employment", "10a", "EM"), ("other", "10c", "OA")])
def test_employment_or_other_accident_prints_its_box(cli, tmp_path, kind, box, cause):
    cli.ok(f"client edit rita --accident {kind} --accident-date {ACCIDENT} --onset {ONSET} --onset-qualifier 484")
    cli.ok(f"client policy edit rita --referring-last Referrer --referring-npi {REFERRING_NPI} --referring-qualifier DQ")
    data = client_file(cli)
    assert data["accident"] == {"kind": kind, "date": ACCIDENT} and data["onset_qualifier"] == "484"
    assert data["policies"][0]["referring"] == {"qualifier": "DQ", "last": "Referrer", "npi": REFERRING_NPI}
    page, fields, x837 = bill(cli, tmp_path)
    assert fields[f"{box}.yes"] == "X" and fields["10b.no"] == "X" and "10b.state" not in fields
    assert_in_boxes(page, {f"{box}.yes": "X", "10b.no": "X"})
    assert texts_in(page, layout().boxes["14"]) == ["09", "01", "26", "484"]
    assert texts_in(page, layout().boxes["17"]) == ["DQ", "REFERRER"]
    assert f"*{cause}~DTP*439*D8*20260828~DTP*484*D8*20260901~HI*" in x837 and "DTP*431" not in x837
    assert "~PRV*PE*PXC*101YP2500X~NM1*DQ*1*REFERRER*****XX*1679576722~LX*1~" in x837  # 2310D, no first name
    assert "NM1*DN" not in x837


@pytest.mark.parametrize("args,message", [
    ("client edit rita --onset 2999-01-01", "error: --onset 2999-01-01 is in the future; give the date it happened"),
    ("client edit rita --onset 2026-02-30", "error: --onset '2026-02-30' is not a real date"),
    ("client edit rita --onset-qualifier 484", "error: --onset-qualifier: the client has no onset date"),
    ("client edit rita --accident bus --accident-date 2026-08-28", "error: --accident 'bus': use employment, auto, other or none"),
    ("client edit rita --accident auto --accident-date 2026-08-28 --accident-state ZZ",
     "error: --accident-state 'ZZ' is not a US state or territory code"),
    ("client edit rita --accident auto --accident-date 2026-08-28",
     "error: --accident auto: give --accident-state, the state where it happened (box 10b), e.g. TX"),
    ("client edit rita --accident employment --accident-date 2026-08-28 --accident-state TX",
     "error: --accident-state is where an auto accident happened (box 10b); this one is 'employment' (box 10a)"),
    ("client edit rita --accident other", "error: --accident other: give --accident-date YYYY-MM-DD"),
    ("client edit rita --accident-date 2026-08-28", "error: the client has no accident on file"),
    (f"client edit rita --accident auto --accident-state TX --accident-date {date.today() + timedelta(days=1)}",
     f"error: --accident-date {date.today() + timedelta(days=1)} is in the future"),
    ("client policy edit rita --referring-last Referrer --referring-npi 1679576723",
     "error: --referring-npi '1679576723' is not a valid NPI (10 digits with a correct check digit)"),
    (f"client policy edit rita --referring-npi {REFERRING_NPI}", "error: --referring-last: give the referring provider's last name"),
    ("client policy edit rita --referring-last Referrer", "error: --referring-npi: give the referring provider's NPI"),
    ("client policy edit rita --referring-last Referrer --referring-npi 1679576722 --secondary",
     "error: rita has no secondary policy (policies: acme (primary))"),
    ("client policy edit rita", "error: client policy edit: give --referring-last and --referring-npi (or --no-referring)"),
])
def test_a_bad_setting_is_one_line_and_changes_nothing(cli, args, message):
    before = snapshot_files(cli.home)
    assert cli.fails(args).startswith(message)
    assert snapshot_files(cli.home) == before


def test_settings_are_removed_by_options(cli):
    cli.ok(f"client edit rita --onset {ONSET} --accident auto --accident-state TX --accident-date {ACCIDENT}")
    cli.ok(f"client policy edit rita --payer acme {REFERRING}")
    cli.ok("client edit rita --accident employment")  # a new kind keeps the date and drops the auto-only state
    assert client_file(cli)["accident"] == {"kind": "employment", "date": ACCIDENT}
    cli.ok("client edit rita --onset '' --accident none")
    cli.ok("client policy edit rita --no-referring")
    data = client_file(cli)
    assert "onset" not in data and "accident" not in data and "referring" not in data["policies"][0]
    shown = cli.ok("client show rita").stdout
    assert "Onset" not in shown and "Accident" not in shown and "referring" not in shown


def test_a_policy_added_with_its_referring_provider(cli, tmp_path):
    assert cli.fails("client policy add rita --payer acme --member-id ACM2 --copay 10 --secondary --referring-last Referrer"
                     ).startswith("error: --referring-npi: give the referring provider's NPI")
    cli.ok(f"client policy add rita --payer acme --member-id ACM2 --copay 10 --secondary --referring-first Dana"
           f" --referring-last Referrer --referring-npi {REFERRING_NPI}")
    pols = client_file(cli)["policies"]
    assert "referring" not in pols[0]
    assert pols[1]["rank"] == "secondary" and pols[1]["referring"] == {"qualifier": "DN", "first": "Dana", "last": "Referrer",
                                                                       "npi": REFERRING_NPI}
