"""`claimkit check` and `claimkit cms1500 fields / explain` through the command line (typer's CliRunner)."""

from __future__ import annotations

import json
import pytest

from conftest import NPI_BILLING, NPI_OTHER, NPI_RENDERING

# inside the shipped ICD-10-CM code set, and billed to a payer with a 10-year filing limit: whatever day the tests
# run, no check that depends on "today" turns these sessions into findings
DAY = "2026-09-14"
PAYER = ("payer add beta --name 'Beta Test Plan' --payer-id 22222 --address '1 Claims Way' --city Dallas --state TX "
         "--zip 75201 --timely-filing-days 3650")
ADDRESS = "--address '12 Sample Rd' --city Austin --state TX --zip 78704"
CLIENT = ("client add jdoe --first Testy --last McTestface --dob 1990-04-12 --sex F --dx F41.1 --payer beta --member-id TST123456 "
          f"--copay 25 {ADDRESS}")


@pytest.fixture
def client(practice):
    practice.ok(PAYER)
    for cpt, rate in (("90834", "95.00"), ("90837", "120.00")):
        practice.ok(f"payer rate set beta {cpt} {rate}")
    practice.ok(CLIENT)
    return practice


def findings(cli, *args: str) -> list[dict]:
    result = cli("check", "--json", *args)
    assert result.exit_code in (0, 1), result.stderr
    return json.loads(result.stdout)


def test_clean_practice_exits_0(practice):
    result = practice.ok("check")
    assert "No problems found." in result.stdout


def test_practice_with_sessions_is_clean(client):
    client.ok(f"session add jdoe --date {DAY} --cpt 90837 --minutes 55")
    client.ok(f"session add jdoe --date 2026-09-21 --cpt 90834 --minutes 45 --pos 10")
    assert client.ok("check", "--strict").stdout == "No problems found.\n"
    assert findings(client) == []


def test_an_error_exits_1_and_names_box_and_fix(client):
    client.ok(f"session add jdoe --date {DAY} --cpt 90837 --minutes 40")
    result = client("check")
    assert result.exit_code == 1
    out = result.stdout
    assert "client jdoe" in out and "24D" in out and "90837 needs 53 minutes or more" in out and "void it and record 90834" in out
    assert "1 error(s)" in out and "claimkit cms1500 explain 24D" in out


def test_strict_makes_warnings_fail(client):
    client.ok(f"session add jdoe --date {DAY} --cpt 90834 --minutes 45 --dx Z63.0 --dx F41.1")
    assert client("check").exit_code == 0
    result = client("check", "--strict")
    assert result.exit_code == 1 and "0 error(s), 1 warning(s)" in result.stdout
    [f] = [f for f in findings(client) if f["rule"] == "dx-z-first"]
    assert f["severity"] == "warning"


def test_json_shape(client):
    client.ok(f"session add jdoe --date {DAY} --cpt 90837 --minutes 40")
    found = findings(client)
    assert found and all(set(f) == {"rule", "severity", "box", "subject", "message", "fix"} for f in found)
    [f] = [f for f in found if f["rule"] == "psychotherapy-time"]
    assert f == {"rule": "psychotherapy-time", "severity": "error", "box": "24D", "subject": "client jdoe / session 1",
                 "message": "90837 needs 53 minutes or more, the session lasted 40; 40 minutes is 90834",
                 "fix": "void it and record 90834"}


def test_session_and_client_filters(client):
    client.ok(f"client add amy --first Amy --last Example --dob 1980-01-01 --sex F --dx F41.1 --payer beta --member-id TST999999 --copay 25 {ADDRESS}")
    client.ok(f"session add jdoe --date {DAY} --cpt 90837 --minutes 40")
    client.ok(f"session add amy --date {DAY} --cpt 90837 --minutes 41")
    assert {f["subject"] for f in findings(client, "--session", "2") if f["rule"] == "psychotherapy-time"} == {"client amy / session 2"}
    assert {f["subject"] for f in findings(client, "amy") if f["rule"] == "psychotherapy-time"} == {"client amy / session 2"}


def test_unknown_session_exits_2_naming_the_id(client):
    line = client.fails("check --session 999")
    assert "999" in line and line.startswith("error:")
    assert "CK404" in client.fails("check --claim CK404")
    assert "nobody" in client.fails("check nobody")


def test_bad_usage_exits_2(client):
    assert client("check", "--session", "abc").exit_code == 2
    assert "not both" in client.fails("check jdoe --session 1")


def test_broken_practice_file_is_reported_with_file_and_line(client, home):
    text = (home / "practice.toml").read_text("utf-8")
    lines = text.splitlines()
    lines.insert(5, "npi = 1234567893 oops")
    (home / "practice.toml").write_text("\n".join(lines) + "\n", "utf-8")
    result = client("check")
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert "practice.toml" in result.stdout and "line 6" in result.stdout
    [f] = findings(client)
    assert f["rule"] == "toml-syntax" and f["subject"] == "practice.toml" and "line 6" in f["message"]


def test_broken_client_file_is_reported_not_fatal(client, home):
    (home / "clients" / "jdoe.toml").write_text('id = "jdoe"\nfirst = "Testy"\nlast = "McTestface"\ndob = 1990-02-30\n', "utf-8")
    result = client("check")
    assert result.exit_code == 1 and "clients/jdoe.toml" in result.stdout


def test_explain_24j(client):
    out = client.ok("cms1500 explain 24J").stdout
    assert out.startswith("Box 24J")
    assert "type 1" in out  # the help text from the box catalog
    assert "This practice prints: blank: the rendering NPI is the billing NPI in 33a" in out
    assert "npi-check-digit (error)" in out and "rendering-npi-duplicate (warning)" in out


def test_explain_practice_values(client):
    assert f"This practice prints: {NPI_BILLING}" in client.ok("cms1500 explain 33a").stdout
    assert "991234567 with the EIN box marked" in client.ok("cms1500 explain 25").stdout
    out = client.ok("cms1500 explain 21").stdout
    assert "dx-not-billable (error)" in out and "depends on the client" in out
    data = json.loads(client.ok("cms1500 explain 33b --json").stdout)
    assert data["box"] == "33b" and data["this_practice"].startswith("blank")
    assert {c["rule"] for c in data["checks"]} >= {"taxonomy-format", "taxonomy-required"}


SET_WITH = {
    "14": "Set it with: onset = 2026-09-01 at the top of clients/<id>.toml ('claimkit client edit ID'); qualifier 431, or"
          " onset_qualifier = \"484\" for a last menstrual period",
    "10b": "Set it with: accident = { kind = \"auto\", date = 2026-08-28, state = \"TX\" } at the top of clients/<id>.toml"
           " ('claimkit client edit ID'); NO when there is no accident",
    "17": "Set it with: [policies.referring] qualifier, first, middle, last and credentials under the billed policy in"
          " clients/<id>.toml ('claimkit client edit ID')",
}


@pytest.mark.parametrize("box", sorted(SET_WITH))
def test_explain_says_where_the_value_is_set(client, box):
    """Not only what goes in the box but where in claimkit it comes from, printed whole (a TOML table name such as
    [policies.referring] is not swallowed as rich markup), just before what this practice prints."""
    lines = client.ok(f"cms1500 explain {box}").stdout.splitlines()
    at = lines.index(SET_WITH[box])
    assert lines[at + 1].startswith("This practice prints: ")


def test_explain_json_carries_set_with(client):
    data = json.loads(client.ok("cms1500 explain 17b --json").stdout)
    assert data["set_with"] == "npi in [policies.referring] under the billed policy in clients/<id>.toml ('claimkit client edit ID')"
    assert json.loads(client.ok("cms1500 explain 26 --json").stdout)["set_with"] == \
        "claimkit numbers each claim (CK00012); nothing to set"


def test_explain_prints_toml_table_names_in_this_practice_prints(client):
    out = client.ok("cms1500 explain 32").stdout
    assert "This practice prints: blank: no [facility] in practice.toml" in out


def test_every_box_says_where_its_value_comes_from():
    from claimkit import catalog

    for b in catalog.boxes():
        assert b.set_with.strip(), b.id
        assert "\n" not in b.set_with, b.id
        if not b.print_key:  # reserved boxes: nothing to print
            assert b.set_with == "nothing: claimkit leaves it blank", b.id


def test_set_with_blank_boxes_stay_blank_on_a_claim_with_everything_set(client, home):
    """A claim built with every setting the box catalog names (onset, accident, referring provider, authorization,
    secondary policy, facility, rendering NPI, taxonomy, box 29 with the client's payment) prints nothing in a box
    whose set_with says claimkit leaves it blank, and prints the boxes those settings fill."""
    import tomllib

    import tomli_w

    from claimkit import catalog
    from claimkit.claims.build import build_claims, select_sessions
    from claimkit.forms.cms1500_fields import layout, page_fields
    from claimkit.store.workspace import Workspace

    def edit(name: str, change) -> None:
        path = home / name
        data = tomllib.loads(path.read_text("utf-8"))
        change(data)
        path.write_text(tomli_w.dumps(data), "utf-8")

    def practice(d):
        d["provider"]["npi"] = NPI_RENDERING
        d["facility"] = {"name": "Annex", "npi": NPI_OTHER, "address": {"street": "5 Side St", "city": "Austin",
                                                                       "state": "TX", "zip": "78701-1234"}}

    def payers(d):
        d["payer"]["beta"].update(requires_taxonomy=True, box29_includes_patient_paid=True)

    def client_file(d):
        from datetime import date

        d["onset"] = date(2026, 9, 1)
        d["accident"] = {"kind": "auto", "date": date(2026, 8, 28), "state": "TX"}
        d["policies"][0]["referring"] = {"qualifier": "DN", "first": "Dana", "middle": "Quill", "last": "Referrer",
                                         "credentials": "MD", "npi": NPI_OTHER}
        d["authorizations"] = [{"number": "AUTH-777", "payer": "beta"}]

    client.ok("client policy add jdoe --payer acme --member-id SEC123 --plan-name 'Acme Gold' --coinsurance 20 --secondary")
    edit("practice.toml", practice)
    edit("payers.toml", payers)
    edit("clients/jdoe.toml", client_file)
    client.ok(f"session add jdoe --date {DAY} --cpt 90837 --minutes 55 --paid 25")
    ws = Workspace.open(home)
    try:
        snaps = build_claims(ws, select_sessions(ws, all_unbilled=True))
    finally:
        ws.close()
    spots = layout().spots
    printed = {spots[k].box.split(".")[0] for s in snaps for i in range(len(s.pages)) for k in page_fields(s, i)}
    blank = {b.id for b in catalog.boxes() if b.set_with == "nothing: claimkit leaves it blank"}
    assert printed & blank == set()
    assert {"9", "9a", "9d", "10b", "14", "17", "17b", "23", "24I", "24J", "29", "32", "32a", "33b"} <= printed


def test_explain_unknown_box_exits_2(client):
    assert "99z" in client.fails("cms1500 explain 99z")


def test_explain_without_a_practice_still_explains(cli):
    out = cli.ok("cms1500 explain 24J").stdout
    assert out.startswith("Box 24J") and "cannot tell" in out


def test_fields_lists_every_box(cli):
    from claimkit import catalog

    out = cli.ok("cms1500 fields").stdout
    listed = {line.split()[0] for line in out.splitlines()[3:] if line.strip()}
    assert {b.id for b in catalog.boxes()} <= listed
    data = json.loads(cli.ok("cms1500 fields --json").stdout)
    assert [d["box"] for d in data] == [b.id for b in catalog.boxes()]


def test_help_ends_with_an_example(cli):
    for args in ("check --help", "cms1500 fields --help", "cms1500 explain --help"):
        out = cli.ok(args).stdout
        assert "Example: claimkit " in out


def test_session_add_prints_its_findings(client):
    out = client.ok(f"session add jdoe --date {DAY} --cpt 90837 --minutes 40").stdout
    assert "box 24D" in out and "90837 needs 53 minutes or more" in out


def test_no_help_text_is_swallowed_as_rich_markup():
    """Help is rendered with rich markup: an unescaped `[edi]` or `[cms1500]` (a TOML table name) vanishes from the
    printed help. Every such bracket in a command's or an option's help is escaped (`\\[edi]`)."""
    import re

    import typer.main

    from claimkit.cli import load

    tag = re.compile(r"(?<!\\)\[[a-z#/@][^\[\]]*\]")  # what rich takes for a style tag
    found = []

    def walk(cmd, path):
        texts = [cmd.help or ""] + [getattr(p, "help", None) or "" for p in cmd.params]
        found.extend(f"{path}: {m.group()}" for text in texts for m in tag.finditer(text))
        for name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, f"{path} {name}")

    walk(typer.main.get_command(load(None)), "claimkit")
    assert found == []
