"""The 271 reader and the benefits summary, to the field: the shared samples and synthetic answers (EB*C remaining,
EB*G, EB*F visit limits, EB*U carve-out with NM1, EB*6 inactive, a dependent, several service types, AAA)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from claimkit.eligibility.benefits import Snapshot, describe, summarize
from claimkit.eligibility.read_271 import read_271
from claimkit.eligibility.x12_270 import Inquiry, Person, Provider
from claimkit.eligibility.x12_271 import Reply, contact, eb, write_271

DATA = Path(__file__).parent / "data" / "x12"
D = Decimal
PROVIDER = Provider("1234567893", "Testwell Counseling")
WHEN = datetime(2026, 12, 1, 9, 30)


def _inq(trace="CK00000001", dependent=None, relationship="self"):
    return Inquiry(trace, "Acme Test Health", "11111", "TST1", Person("Mctestface", "Testy", "", date(1990, 4, 12), "F"),
                   date(2026, 12, 2), "MH", dependent, relationship)


def _one(*lines, **kw):
    text = write_271([Reply(_inq(**kw.pop("inq", {})), tuple(lines), **kw)], PROVIDER, when=WHEN)
    parsed = read_271(text)
    assert parsed.problems == ()
    assert len(parsed.answers) == 1
    return parsed.answers[0], summarize(parsed.answers[0])


def test_subscriber_sample_reads_to_the_field():
    f = read_271((DATA / "271_lfh_subscriber_mh_copay.271").read_bytes())
    assert f.problems == () and f.transactions == 1 and len(f.answers) == 1
    a = f.answers[0]
    assert (a.level, a.transaction, a.payer_name, a.payer_id, a.provider_npi) == ("subscriber", "0001", "PAYER C", "12345",
                                                                                  "1467857193")
    assert a.response_date == date(2013, 10, 31)
    assert a.subscriber.last == "DOE" and a.subscriber.first == "JOHN" and a.subscriber.member_id == "00000000001"
    assert a.subscriber.dob == date(1970, 1, 1) and a.subscriber.sex == "M" and a.dependent is None
    assert a.traces == ("930000000000",)
    assert a.dates == (("346", date(2021, 1, 1), date(2021, 1, 1)),)
    codes = [(b.code, b.service_types, b.amount, b.network) for b in a.benefits]
    assert codes[0] == ("1", ("30",), None, "")
    assert codes[1][0] == "L" and a.benefits[1].entities[0].name == "JOHN DOE" and a.benefits[1].entities[0].id == "1467857193"
    types = ("1", "33", "35", "47", "86", "88", "98", "AL", "MH", "UC")
    assert codes[3:] == [("B", types, D("10.00"), "Y"), ("B", types, D("30.00"), "N")]
    assert a.benefits[3].insurance_type == "HM" and a.benefits[3].plan == "GOLD 123 PLAN" and a.benefits[3].period == "27"
    s = summarize(a)
    assert s.status == "active" and s.plan_name == "GOLD 123 PLAN" and s.coverage_from == date(2021, 1, 1)
    assert s.in_network.copay == D("10.00") and s.out_of_network.copay == D("30.00")
    assert s.in_network.deductible is None and s.mh_covered is True and s.network_answer == "in+out"
    assert describe(s) == "active from 2021-01-01, GOLD 123 PLAN, copay $10.00 in network, $30.00 out"


def test_dependent_sample_reads_the_dependent_and_its_subscriber():
    f = read_271((DATA / "271_lfh_dependent_mh_copay.271").read_bytes())
    assert f.problems == () and len(f.answers) == 1
    a = f.answers[0]
    assert a.level == "dependent"
    assert (a.subscriber.last, a.subscriber.first, a.subscriber.member_id, a.subscriber.dob) == (
        "DOE", "JAMES", "00000000001", date(1970, 1, 1))
    assert (a.dependent.member_id, a.dependent.dob, a.patient is a.dependent) == ("00000000002", date(2015, 1, 1), True)
    assert a.traces == ("930000000000",)
    s = summarize(a)
    assert (s.in_network.copay, s.out_of_network.copay, s.member_id) == (D("10.00"), D("30.00"), "00000000002")


def test_provider_not_eligible_sample_is_a_rejection_in_plain_words():
    f = read_271((DATA / "271_lfh_provider_not_eligible_aaa.271").read_bytes())
    assert f.problems == () and f.answers == ()
    (payer, npi, rej), = f.rejections
    assert (payer, rej.level, rej.reason, rej.followup, rej.segment) == ("ABC COMPANY", "receiver", "50", "N", 9)
    from claimkit.eligibility.codes import aaa, followup

    assert aaa("50")[0] == "the provider is not eligible for inquiries with this payer"
    assert followup("N") == "do not ask again"


def test_remaining_deductible_out_of_pocket_family_and_visits():
    _, s = _one(eb("1", "IND", "30", plan="ACME PPO"),
                eb("C", "IND", "MH", period="23", amount="1000", network="Y"),
                eb("C", "IND", "MH", period="29", amount="350", network="Y"),
                eb("C", "FAM", "MH", period="23", amount="3000", network="Y"),
                eb("C", "FAM", "MH", period="29", amount="2100.5", network="Y"),
                eb("C", "IND", "MH", period="23", amount="2000", network="N"),
                eb("G", "IND", "MH", period="23", amount="4000", network="Y"),
                eb("G", "IND", "MH", period="29", amount="3125.75", network="Y"),
                eb("A", "IND", "MH", percent="0.2", network="Y"),
                eb("A", "IND", "MH", percent="0.4", network="N"),
                eb("F", "IND", "MH", period="23", qty_qualifier="VS", qty="30", network="Y"),
                eb("F", "IND", "MH", period="29", qty_qualifier="VS", qty="22", network="Y"),
                plan_begin=date(2026, 1, 1), plan_end=date(2026, 12, 31), group="GRP-77")
    f = s.in_network
    assert (f.deductible, f.deductible_left, f.family_deductible, f.family_deductible_left) == (
        D("1000"), D("350"), D("3000"), D("2100.5"))
    assert (f.oop_max, f.oop_left, f.coinsurance) == (D("4000"), D("3125.75"), D("20"))
    assert (f.visits, f.visits_left, f.visits_used) == (D("30"), D("22"), D("8"))
    assert (s.out_of_network.deductible, s.out_of_network.coinsurance, s.out_of_network.deductible_left) == (
        D("2000"), D("40"), None)
    assert (s.coverage_from, s.coverage_to, s.plan_begin, s.group_number) == (
        date(2026, 1, 1), date(2026, 12, 31), date(2026, 1, 1), "GRP77")
    assert s.as_of == date(2026, 12, 1)
    back = Snapshot.from_json(s.to_json())
    assert back == s


def test_year_to_date_gives_remaining_and_authorization_required():
    _, s = _one(eb("1", "IND", "MH"), eb("C", "IND", "MH", period="23", amount="500"),
                eb("C", "IND", "MH", period="24", amount="125"), eb("B", "IND", "MH", period="27", amount="25", auth="Y",
                                                                   network="Y"))
    assert (s.in_network.deductible, s.in_network.deductible_left, s.in_network.copay) == (D("500"), D("375.00"), D("25"))
    assert s.in_network.auth_required is True and s.out_of_network.auth_required is None


def test_carve_out_names_the_company_and_its_phone():
    _, s = _one(eb("1", "IND", "30"), eb("U", "IND", "MH"), *contact("Y2", "Calm Minds Behavioral Demo", "CMB01", "8005550199"),
                eb("R", "IND", "30"), *contact("PRP", "Other Demo Health", "OTH9"))
    (carve, other) = s.contacts
    assert (carve.kind, carve.name, carve.id, carve.phone, carve.service_types) == (
        "carve-out", "CALM MINDS BEHAVIORAL DEMO", "CMB01", "8005550199", ("MH",))
    assert (other.kind, other.name, other.phone) == ("other payer", "OTHER DEMO HEALTH", "")
    assert "carve-out: CALM MINDS BEHAVIORAL DEMO 8005550199" in describe(s)


def test_inactive_coverage():
    _, s = _one(eb("6", "IND", "30"), plan_begin=date(2025, 1, 1), plan_end=date(2026, 6, 30))
    assert s.status == "inactive" and s.inactive_types == ("30",)
    assert s.active_on(date(2026, 12, 2)) is False


def test_active_coverage_ended_is_not_active_after_its_end():
    _, s = _one(eb("1", "IND", "30"), plan_begin=date(2025, 1, 1), plan_end=date(2026, 6, 30))
    assert s.status == "active" and s.active_on(date(2026, 6, 30)) is True and s.active_on(date(2026, 7, 1)) is False


def test_several_service_types_mh_is_preferred_over_general():
    _, s = _one(eb("1", "IND", ("30", "98")), eb("B", "IND", "98", period="27", amount="40", network="Y"),
                eb("B", "IND", "30", period="27", amount="50", network="Y"),
                eb("B", "IND", ("A6", "CF"), period="27", amount="15", network="Y"),
                eb("B", "IND", "MH", period="27", amount="20", network="Y"))
    assert s.in_network.copay == D("20")
    assert s.service_types == ("30", "98", "A6", "CF", "MH")


def test_a_dependent_answer_written_for_a_child():
    kid = Person("Mctestface", "Kiddo", "", date(2015, 3, 3), "M")
    a, s = _one(eb("1", "IND", "MH"), eb("B", "IND", "MH", amount="30", network="Y"), inq={"dependent": kid, "relationship": "child"})
    assert a.level == "dependent" and a.traces == ("CK00000001",)
    assert (a.dependent.first, a.dependent.dob, a.subscriber.first, a.subscriber.member_id) == ("KIDDO", date(2015, 3, 3),
                                                                                                "TESTY", "TST1")
    assert s.patient == "KIDDO MCTESTFACE" and s.member_id == "TST1" and s.in_network.copay == D("30")


def test_member_level_rejection():
    a, s = _one(rejection="72")
    assert a.rejections[0].reason == "72" and a.rejections[0].level == "subscriber"
    assert s.status == "rejected"
    assert s.rejections == (("72", "the member ID is invalid or missing", "check the member ID on the insurance card"),)


def test_tolerant_of_real_files_no_line_breaks_other_separators_bom_several_st():
    raw = (DATA / "271_lfh_subscriber_mh_copay.271").read_text()
    flat = raw.replace("~\n", "~")
    other = flat.replace("*", "|").replace("~", "\n").replace("^", "}")
    other = other.replace("|^|", "|}|")
    assert read_271(flat.encode()).answers[0].benefits[3].amount == D("10.00")
    f = read_271(("\ufeff" + other).encode("utf-8"))
    assert f.errors == () and f.answers[0].benefits[3].service_types[-1] == "UC"
    dep = (DATA / "271_lfh_dependent_mh_copay.271").read_text()
    body = lambda t: t[t.index("ST*271"):t.index("GE*")]  # noqa: E731
    both = raw[:raw.index("ST*271")] + body(raw) + body(dep) + raw[raw.index("GE*"):]
    f = read_271(both)
    assert f.transactions == 2 and [a.level for a in f.answers] == ["subscriber", "dependent"]


def test_refused_garbage_truncated_and_not_a_271():
    assert read_271(b"hello, this is not x12").errors[0].code == "not-x12"
    raw = (DATA / "271_lfh_subscriber_mh_copay.271").read_text()
    cut = read_271(raw[: raw.index("EB*B")])
    assert cut.errors[0].code == "truncated" and "cut off" in cut.errors[0].message
    bad_count = read_271(raw.replace("SE*23*0001", "SE*22*0001"))
    assert bad_count.errors[0].code == "count" and "says the transaction has 22 segments, it has 23" in bad_count.errors[0].message
    not271 = read_271((DATA / "270_lfh_subscriber_benefit_check.270").read_bytes())
    assert not271.errors[0].code == "not-271" and "inquiry, not the payer's answer" in not271.errors[0].message
    era = read_271((DATA / "835_emedny_medicaid_partial_denial.txt").read_bytes())
    assert era.errors[0].code == "not-271" and "claimkit era import" in era.errors[0].message


def test_missing_ge_iea_is_a_warning_and_the_answers_are_read():
    raw = (DATA / "271_lfh_subscriber_mh_copay.271").read_text()
    f = read_271(raw[: raw.index("GE*")])
    assert f.errors == () and f.answers[0].benefits[3].amount == D("10.00")
    (w,) = f.problems
    assert (w.severity, w.code, w.message) == ("warning", "envelope",
                                               "the file ends without its GE and IEA (the answers before it were read)")
