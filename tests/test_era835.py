"""The 835 (ERA) reader: every sample file in tests/data/x12/ with real values to the cent,
generated files, damaged input of every kind, and a property test that nothing raises."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import time
from collections import Counter
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimkit.remittance.era835 import parse_835, parse_835_file
from claimkit.remittance.era835_records import Adjustment, ClaimPayment, Era, Finding, Name, Payment, ServiceLine
from claimkit.x12.segments import SegmentReader

DATA = Path(__file__).parent / "data" / "x12"
SAMPLES = sorted(p.name for p in DATA.glob("835_*"))
GENERATOR = DATA / "gen_large_835.py"


def load(name: str) -> Era:
    return parse_835((DATA / name).read_bytes(), source=name)


def codes(era: Era) -> Counter[str]:
    return Counter(f.code for f in era.findings)


def error_codes(era: Era) -> set[str]:
    return {f.code for f in era.errors}


def warning_codes(era: Era) -> set[str]:
    return {f.code for f in era.warnings}


def finding(era: Era, code: str) -> Finding:
    found = [f for f in era.findings if f.code == code]
    assert found, f"no {code!r} finding in {[(f.code, f.message) for f in era.findings]}"
    return found[0]


def lines(era: Era) -> list[ServiceLine]:
    return [ln for c in era.claims for ln in c.service_lines]


def adj(a: Adjustment) -> tuple:
    return (a.group, a.reason, a.amount)


def balanced(p: Payment) -> bool:
    expected = -p.amount if p.credit_debit == "D" else p.amount
    return p.claims_paid - p.provider_adjustment_total == expected


# --------------------------------------------------------------------------- every sample

# file -> (importable, transactions, claims, service lines, BPR02 amounts, error codes, warning codes)
EXPECTED = {
    "835_4010_reversal_correction_plb_pyx12.txt":
        (False, 1, 3, 3, ["5950.21"], {"payment-unbalanced"}, set()),
    "835_all_denied_zero_payment_pyx12.txt":
        (True, 1, 1, 3, ["0"], set(), set()),
    "835_bcbsnc_no_isa_envelope.txt":
        (True, 1, 1, 3, ["1922.86"], set(),
         {"no-isa", "version", "extra-elements", "missing-amount", "envelope-count"}),
    "835_bh_county_board_reversals_denials_plb_bom.txt":
        (False, 1, 10, 9, ["5.75"], {"non-payment-amount", "missing-amount"},
         {"version", "cas-group-cr", "patient-responsibility"}),
    "835_emedny_medicaid_partial_denial.txt":
        (True, 1, 3, 10, ["45.75"], set(), {"test-interchange"}),
    "835_lfh_cob_contractual_known_defects.835":
        (True, 1, 1, 1, ["34.00"], set(), {"test-interchange", "composite-separator"}),
    "835_medicaid_3_interchanges_56_claims_denials_bom.txt":
        (False, 3, 56, 91, ["999.99", "9999.99", "482.13"],
         {"payment-unbalanced", "claim-unbalanced", "line-unbalanced", "too-many-findings"},
         {"claim-line-charges"}),
    "835_nevada_medicaid_multi_st_plb_only.txt":
        (True, 3, 3, 0, ["0", "0", "1812.27"], set(), {"isa-width", "envelope-control"}),
    "835_uhc_commercial_co45_pr.txt":
        (True, 1, 2, 5, ["349.99"], set(), set()),
    "835_x12ig_dollars_data_separate_managed_care.edi":
        (True, 1, 2, 2, ["945"], set(), {"test-interchange"}),
    "835_x12ig_dollars_data_together_mia_moa_plb.edi":
        (True, 1, 2, 0, ["150000"], set(), {"test-interchange"}),
    "835_x12ig_multiple_claims_single_check.edi":
        (True, 1, 9, 33, ["810.8"], set(), set()),
    "835_x12ig_secondary_higher_fee_schedule_neg_cas.edi":
        (True, 1, 1, 1, ["34.00"], set(), {"test-interchange"}),
    "835_x12ig_secondary_payments.edi":
        (True, 1, 2, 2, ["1222"], set(), {"test-interchange"}),
    "835_x12ig_tertiary_payment.edi":
        (True, 1, 1, 1, ["187.50"], set(), {"test-interchange"}),
}


def test_every_sample_is_listed_and_documented():
    assert set(SAMPLES) == set(EXPECTED)
    assert len(SAMPLES) == 15
    sources = (DATA / "SOURCES.md").read_text(encoding="utf-8")
    for name in SAMPLES:
        assert f"| {name} |" in sources, name


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_overview(name):
    ok, n_tx, n_claims, n_lines, amounts, errs, warns = EXPECTED[name]
    era = load(name)
    assert era.source == name
    assert era.ok is ok
    assert len(era.transactions) == n_tx
    assert len(era.claims) == n_claims
    assert len(lines(era)) == n_lines
    assert [t.amount for t in era.transactions] == [D(a) for a in amounts]
    assert error_codes(era) == errs
    assert warning_codes(era) == warns
    for f in era.findings:
        assert f.severity in ("error", "warning")
        assert f.segment is None or f.segment >= 1
    if ok:  # everything importable balances
        assert all(balanced(t) for t in era.transactions)
        assert all(t.complete for t in era.transactions)


@pytest.mark.parametrize("name", SAMPLES)
def test_records_are_frozen_and_complete(name):
    era = load(name)
    for cls_objs in (era.claims, lines(era), [c.patient for c in era.claims if c.patient]):
        for obj in cls_objs:
            assert set(vars(obj)) == {f.name for f in dataclasses.fields(obj)}  # fast path set every field
            assert obj == dataclasses.replace(obj)  # and equals the normally built record
            with pytest.raises(dataclasses.FrozenInstanceError):
                obj.segment = 0  # type: ignore[misc]
    for t in era.transactions:
        with pytest.raises(dataclasses.FrozenInstanceError):
            t.amount = D(0)  # type: ignore[misc]


def test_parse_835_file_reads_path():
    era = parse_835_file(DATA / "835_x12ig_tertiary_payment.edi")
    assert era.source.endswith("835_x12ig_tertiary_payment.edi")
    assert era.claims[0].paid == D("187.50")


def test_str_input_equals_bytes_input():
    raw = (DATA / "835_uhc_commercial_co45_pr.txt").read_bytes()
    assert parse_835(raw.decode()).transactions == parse_835(raw).transactions


# --------------------------------------------------------------------------- X12 TR3 examples


def test_x12ig_dollars_and_data_together_mia_moa_plb():
    era = load("835_x12ig_dollars_data_together_mia_moa_plb.edi")
    (t,) = era.transactions
    assert t.version == "005010X221A1" and not t.is_4010
    assert (t.handling, t.amount, t.credit_debit, t.method, t.payment_format) == ("C", D("150000"), "C", "ACH", "CTX")
    assert t.payment_date == date(2002, 9, 13)
    assert (t.trace_number, t.originator) == ("12345", "1512345678")
    assert t.production_date == date(2002, 9, 16)
    assert t.payer.name == "INSURANCE COMPANY OF TIMBUCKTU"
    assert t.payer.address is not None and t.payer.address.city == "TIMBUCKTU" and t.payer.address.state == "AK"
    assert [(r.qualifier, r.value) for r in t.payer.refs] == [("2U", "999")]
    assert t.payer.contacts[0].function == "BL"
    assert t.payer.contacts[0].numbers == (("UR", "www.anyhealthplan.com/policies.html"),)
    assert (t.payee.name, t.payee.npi, t.payee.tin) == ("REGIONAL HOPE HOSPITAL", "6543210903", "")
    inpatient, outpatient = t.claims
    assert (inpatient.account, inpatient.status, inpatient.charge, inpatient.paid) == (
        "666123", "1", D("211366.97"), D("138018.4"))
    assert inpatient.filing_indicator == "MA" and inpatient.facility_type == "11" and inpatient.frequency == "1"
    assert [adj(a) for a in inpatient.adjustments] == [("CO", "45", D("73348.57"))]
    assert inpatient.inpatient == ("0", "", "", "138018.4")
    assert inpatient.patient is not None
    assert (inpatient.patient.last, inpatient.patient.first, inpatient.patient.middle) == ("JONES", "SAM", "O")
    assert (inpatient.patient.id_qualifier, inpatient.patient.id) == ("HN", "666666666A")
    assert (inpatient.service_start, inpatient.service_end) == (date(2002, 8, 16), date(2002, 8, 24))
    assert outpatient.outpatient == ("", "", "MA02") and outpatient.remark_codes == ("MA02",)
    assert outpatient.paid == D("11980.33") and outpatient.filing_indicator == "MB"
    (plb,) = t.provider_adjustments
    assert (plb.provider_id, plb.fiscal_date, plb.reason, plb.reference, plb.amount) == (
        "6543210903", date(2002, 12, 31), "CV", "CP", D("-1.27"))
    # 138018.40 + 11980.33 - (-1.27) = 150000.00
    assert t.claims_paid - t.provider_adjustment_total == D("150000")


def test_x12ig_dollars_and_data_separate():
    era = load("835_x12ig_dollars_data_separate_managed_care.edi")
    first, second = era.claims
    assert (first.account, first.charge, first.paid, first.patient_responsibility) == (
        "5554555444", D("800"), D("450"), D("300"))
    assert [adj(a) for a in first.adjustments] == [("CO", "A2", D("50"))]
    (line,) = first.service_lines
    assert (line.qualifier, line.code, line.charge, line.paid, line.units) == ("HC", "99211", D("800"), D("500"), D(1))
    assert (line.service_date, line.service_end_date) == (date(2002, 3, 1), date(2002, 3, 4))
    assert [adj(a) for a in line.adjustments] == [("PR", "1", D("300"))]
    assert [adj(a) for a in second.service_lines[0].adjustments] == [("PR", "1", D("600")), ("CO", "45", D("50"))]
    assert second.patient_responsibility == second.patient_responsibility_from_cas == D("600")
    assert era.transactions[0].payer.contacts[0].numbers == (("TE", "8005551212"), ("EX", "123"))


def test_x12ig_multiple_claims_single_check():
    era = load("835_x12ig_multiple_claims_single_check.edi")
    (t,) = era.transactions
    assert (t.amount, t.method, t.payment_date) == (D("810.8"), "CHK", date(2014, 3, 31))
    assert [c.account for c in t.claims] == ["7722337"] * 9
    assert [len(c.service_lines) for c in t.claims] == [5, 2, 5, 3, 3, 5, 3, 3, 4]
    assert [c.paid for c in t.claims] == [D(x) for x in ["132", "74", "108", "14", "16.8", "132", "108", "82", "144"]]
    assert sum(c.paid for c in t.claims) == D("810.8")
    fourth = t.claims[3]
    assert fourth.patient_responsibility == D("902")
    crown = fourth.service_lines[1]
    assert (crown.qualifier, crown.code, crown.charge, crown.paid) == ("AD", "D2790", D("940"), D("0"))
    assert [adj(a) for a in crown.adjustments] == [("PR", "3", D("756")), ("CO", "131", D("184"))]
    assert crown.allowed is None
    assert t.claims[0].service_lines[0].allowed == D("25")
    assert t.claims[0].coverage_amount == D("132")
    second = t.claims[1]
    assert second.insured is not None and (second.insured.last, second.insured.first) == ("DOE", "JOHN")
    assert second.rendering is not None and (second.rendering.id_qualifier, second.rendering.id) == ("XX", "1811901945")
    assert t.claims[4].service_lines[0].service_date == date(2014, 3, 13)


def test_x12ig_secondary_payments_split_cas_triples_and_modifiers():
    era = load("835_x12ig_secondary_payments.edi")
    no_lines, with_lines = era.claims
    assert (no_lines.account, no_lines.status, no_lines.payer_rank) == ("L0004828311", "2", 2)
    assert no_lines.status_text == "processed as secondary"
    assert [adj(a) for a in no_lines.adjustments] == [("OA", "23", D("9411.64"))]
    assert no_lines.service_lines == () and no_lines.coverage_amount == D("912")
    assert no_lines.rendering is not None and no_lines.rendering.last == "ACME MEDICAL CENTER"
    first, second = with_lines.service_lines
    assert (first.code, first.modifiers, first.allowed) == ("12345", ("26",), D("150"))
    assert [(r.qualifier, r.value) for r in first.refs] == [("1B", "43285")]
    assert (second.revenue_code, second.units) == ("220", D(1))
    # CAS*PR*1*150**2*70: two triples in one segment
    assert [(a.group, a.reason, a.amount, a.quantity) for a in second.adjustments] == [
        ("PR", "1", D("150"), None), ("PR", "2", D("70"), None), ("CO", "42", D("85"), None)]
    assert {a.segment for a in second.adjustments[:2]} == {second.adjustments[0].segment}
    assert with_lines.patient_responsibility == D("220") == with_lines.patient_responsibility_from_cas


def test_x12ig_negative_cas_and_tertiary():
    neg = load("835_x12ig_secondary_higher_fee_schedule_neg_cas.edi").claims[0]
    (line,) = neg.service_lines
    assert [adj(a) for a in line.adjustments] == [("OA", "23", D("516")), ("OA", "94", D("-9"))]
    assert line.charge - line.adjustment_total == line.paid == D("34")
    assert line.allowed == D("550")
    assert neg.rendering is not None and neg.rendering.kind == "2"
    tert = load("835_x12ig_tertiary_payment.edi").claims[0]
    assert (tert.status, tert.payer_rank, tert.paid) == ("3", 3, D("187.50"))
    assert [adj(a) for a in tert.service_lines[0].adjustments] == [("OA", "23", D("1579"))]


# --------------------------------------------------------------------------- real-world files


def test_4010_reversal_and_correction_does_not_balance():
    era = load("835_4010_reversal_correction_plb_pyx12.txt")
    (t,) = era.transactions
    assert t.version == "004010X091A1" and t.is_4010
    assert (t.amount, t.method, t.payment_date) == (D("5950.21"), "CHK", date(2009, 2, 20))
    assert [(c.account, c.status, c.charge, c.paid) for c in t.claims] == [
        ("123839-24635", "22", D("-310"), D("-210")),
        ("123839-24635", "1", D("300"), D("200")),
        ("134158-27488", "22", D("-500.25"), D("-500.25")),
    ]
    reversal, correction, _ = t.claims
    assert reversal.is_reversal and not correction.is_reversal
    assert reversal.patient is not None and reversal.patient.id_qualifier == "34"
    assert reversal.coverage_amount == D("580")
    # CR is a 4010 group code: accepted without a finding
    assert [adj(a) for a in reversal.service_lines[0].adjustments] == [("CR", "45", D("-100"))]
    assert reversal.service_lines[0].service_date == date(2008, 1, 11)  # DTM*150
    assert reversal.service_lines[0].units == D("6")
    assert t.claims[2].service_lines[0].modifiers == ("TG",)
    assert [(p.reason, p.reference, p.amount) for p in t.provider_adjustments] == [
        ("CS", "", D("-1008.1")), ("CS", "", D("24.21")), ("CS", "", D("5.95"))]
    # -510.25 - (-977.94) = 467.69, not the 5950.21 of BPR02
    f = finding(era, "payment-unbalanced")
    assert f.severity == "error" and f.segment == 4
    assert "5950.21" in f.message and "467.69" in f.message
    assert f.message.startswith("segment 4 (BPR02)")
    assert "cas-group-cr" not in codes(era)


def test_bh_county_board_bom_indentation_reversals_and_cr_in_5010():
    era = load("835_bh_county_board_reversals_denials_plb_bom.txt")
    (t,) = era.transactions
    assert t.version == "5010"  # GS08 as written (nonstandard): warned, read as 5010
    assert finding(era, "version").message.startswith("segment 2 (GS08): version '5010' is not an 835 version")
    assert (t.handling, t.amount, t.method) == ("H", D("5.75"), "NON")
    assert [c.status for c in t.claims] == ["1", "4", "4", "2", "4", "1", "25", "22", "22", "22"]
    assert t.claims[6].is_predetermination and t.claims[1].is_denied
    assert (t.payee.name, t.payee.tin) == ("LAKE AREA RECOVERY CENTER", "346608640")
    assert [(r.qualifier, r.value) for r in t.payee.refs] == [("PQ", "1017")]
    first = t.claims[0]
    assert first.original_reference == "A76B04054"
    (line,) = first.service_lines
    assert (line.qualifier, line.code, line.modifiers) == ("HC", "H0005", ("HF", "H9"))
    assert line.control_number == "444444"
    assert [(a.group, a.reason, a.amount, a.quantity) for a in line.adjustments] == [("CO", "42", D("0.18"), D("0"))]
    assert t.claims[4].service_lines[0].adjustments[1:] == (
        Adjustment("OA", "23", D("57.6"), D("0"), 56), Adjustment("OA", "23", D("-1.08"), D("0"), 56))
    reversal = t.claims[7]
    assert (reversal.account, reversal.charge, reversal.paid) == ("123456", D("-42.58"), D("-42.58"))
    assert reversal.service_lines[0].units == D("-2")
    assert [adj(a) for a in reversal.service_lines[0].adjustments] == [
        ("CR", "141", D("0")), ("CR", "42", D("0")), ("CR", "22", D("0")), ("OA", "141", D("0"))]
    assert t.claims[6].service_lines[0].adjustments[0] == Adjustment("PI", "104", D("136.72"), D("0"), 73)
    last_line = t.claims[8].service_lines[0]
    assert (last_line.service_date, last_line.service_end_date) == (date(2004, 2, 10), date(2004, 2, 11))
    assert last_line.remark_codes == ("MA92",)
    assert [(a.qualifier, a.amount) for a in last_line.amounts] == [("AU", D("86.76"))]
    (plb,) = t.provider_adjustments
    assert (plb.provider_id, plb.reason, plb.reference, plb.amount) == ("123456", "CV", "9876514", D("-1.27"))
    # CR in a 5010 file: kept, one warning
    assert codes(era)["cas-group-cr"] == 1
    assert finding(era, "cas-group-cr").segment == 29
    # refused: a NON payment that carries money, and a CLP with no amounts at the end
    assert finding(era, "non-payment-amount").segment == 4
    missing = [f.message for f in era.errors if f.code == "missing-amount"]
    assert missing == ["segment 98 (CLP03): required amount is missing", "segment 98 (CLP04): required amount is missing"]


def test_medicaid_three_interchanges_masked_amounts_refused():
    era = load("835_medicaid_3_interchanges_56_claims_denials_bom.txt")
    assert [i.control_number for i in era.interchanges] == ["000000031", "000000032", "000000033"]
    assert [i.segment for i in era.interchanges] == [1, 292, 561]
    assert [len(t.claims) for t in era.transactions] == [19, 23, 14]
    assert [t.interchange_control for t in era.transactions] == ["000000031", "000000032", "000000033"]
    assert Counter(c.status for c in era.claims) == {"1": 39, "4": 16, "2": 1}
    assert sum("N1" in ln.remark_codes for ln in lines(era)) == 91
    assert Counter((a.group, a.reason) for c in era.claims for a in c.all_adjustments)[("CO", "24")] == 31
    first = era.claims[0].service_lines[0]
    assert (first.qualifier, first.code, first.units) == ("XX", "99999", D("9.999"))  # ISA16 is '>' here
    # the masked amounts (999.99 everywhere) do not add up: refused, with segment numbers
    pay = [f for f in era.findings if f.code == "payment-unbalanced"]
    assert [f.segment for f in pay] == [4, 295, 564]
    assert "claims paid 776.06" in pay[0].message
    claim = finding(era, "claim-unbalanced")
    assert claim.segment == 18 and claim.message.startswith("segment 18 (CLP): claim 9999999999-999 does not balance")
    # findings per code are capped; the rest is summed up (still an error)
    assert codes(era)["claim-unbalanced"] == 50
    assert finding(era, "too-many-findings").severity == "error"


def test_nevada_multi_st_plb_only_non_fixed_isa():
    era = load("835_nevada_medicaid_multi_st_plb_only.txt")
    assert era.ok
    assert [t.payee.name for t in era.transactions] == ["SUMMER", "VALLEY", "SILVER"]
    assert [t.control_number for t in era.transactions] == ["0001", "0002", "0003"]
    assert [(t.handling, t.method) for t in era.transactions] == [("H", "NON"), ("H", "NON"), ("I", "CHK")]
    denied = era.transactions[0].claims[0]
    assert (denied.account, denied.status, denied.charge, denied.paid) == ("77777777", "4", D("72232"), D("0"))
    assert [adj(a) for a in denied.adjustments] == [("OA", "147", D("50016")), ("CO", "26", D("22216"))]
    assert [(n.entity, n.last) for n in denied.other_names] == [("PR", "PACIFI"), ("GB", "BARRY")]
    assert denied.corrected_name is not None and denied.corrected_name.last == "ALAN"
    assert denied.medical_record == "8888888"
    plb_only = era.transactions[2]
    assert plb_only.claims == ()
    assert [(p.reason, p.reference, p.amount) for p in plb_only.provider_adjustments] == [
        ("CT", "888888888", D("-1092.46")), ("CT", "888888888", D("-719.81")),
        ("CS", "8888888888887", D("-181.55")), ("CS", "8888888888887", D("181.55")),
        ("CS", "8888888888888", D("-130")), ("CS", "8888888888888", D("130"))]
    assert plb_only.provider_adjustment_total == D("-1812.27") and plb_only.amount == D("1812.27")
    assert {p.fiscal_date for p in plb_only.provider_adjustments} == {date(2018, 12, 31)}
    assert finding(era, "isa-width").segment == 1
    iea = finding(era, "envelope-control")
    assert iea.severity == "warning" and iea.segment == 67 and "100000301" in iea.message


def test_emedny_partial_denial():
    era = load("835_emedny_medicaid_partial_denial.txt")
    (t,) = era.transactions
    assert [(c.status, c.charge, c.paid, c.patient_responsibility) for c in t.claims] == [
        ("1", D("34.25"), D("34.25"), D("0")), ("2", D("34"), D("0"), D("0")), ("2", D("34.25"), D("11.5"), D("0"))]
    assert [len(c.service_lines) for c in t.claims] == [4, 2, 4]
    partial = t.claims[2]
    assert partial.corrected_name is not None and partial.corrected_name.last == "CORRECTED LAST"
    assert partial.patient is not None and partial.patient.id == "LL77777L"
    assert (partial.service_start, partial.service_end) == (date(2010, 1, 1), date(2010, 1, 1))
    assert partial.medical_record == "PATIENT ACCOUNT NUMBER"
    denied_line = partial.service_lines[3]
    assert [adj(a) for a in denied_line.adjustments] == [("CO", "251", D("20"))]
    assert denied_line.remark_codes == ("N206",)
    assert partial.service_lines[1].service_date == date(2013, 9, 17)
    assert [adj(a) for a in t.claims[1].service_lines[0].adjustments] == [("CO", "29", D("12"))]
    assert (t.payee.npi, t.payee.tin) == ("9999999995", "000000000")
    assert t.payer.address is not None and len(t.payer.address.lines) == 2
    assert era.interchanges[0].usage == "T"


def test_uhc_commercial_greater_than_component_separator():
    era = load("835_uhc_commercial_co45_pr.txt")
    assert era.findings == ()
    assert era.separators is not None and era.separators.component == ">"
    (t,) = era.transactions
    assert (t.payer.id_qualifier, t.payer.id) == ("XV", "87726")
    assert [c.function for c in t.payer.contacts] == ["CX", "BL"]
    first, second = t.claims
    assert (first.account, first.paid, first.patient_responsibility) == ("001-18573-358", D("88.92"), D("105.26"))
    assert first.group_number == "12345" and first.received == date(2021, 1, 14)
    assert first.coverage_amount == D("194.18")
    assert [ln.code for ln in first.service_lines] == ["B4152", "B4152"]
    assert first.service_lines[1].units == D("277")
    third = second.service_lines[2]
    # CAS*PR*2*5.13**1*110 holds PR-2 5.13 and PR-1 110
    assert [adj(a) for a in third.adjustments] == [("PR", "2", D("5.13")), ("PR", "1", D("110")), ("CO", "45", D("184.32"))]
    assert third.control_number == "123456789014" and third.allowed == D("144.18")
    assert second.patient_responsibility == D("115.13") == second.patient_responsibility_from_cas


def test_bcbsnc_no_isa_envelope_still_parsed():
    era = load("835_bcbsnc_no_isa_envelope.txt")
    assert era.ok and era.interchanges == ()
    no_isa = finding(era, "no-isa")
    assert no_isa.severity == "warning" and no_isa.segment is None
    (t,) = era.transactions
    assert (t.amount, t.trace_number, t.version) == (D("1922.86"), "02790758", "")
    assert (t.payee.npi, t.payee.tin) == ("0987654321", "123456789")
    (claim,) = t.claims
    assert (claim.account, claim.charge, claim.paid, claim.patient_responsibility) == (
        "200200964A52", D("2100"), D("1922.86"), D("142.54"))
    assert claim.patient is not None and claim.patient.id == "YPB123456789001"
    first = claim.service_lines[0]
    assert (first.code, first.original_qualifier, first.original_code) == ("59430", "HC", "59410")
    assert first.procedure_changed and first.control_number == "0001" and first.allowed == D("1175.4")
    assert [adj(a) for a in first.adjustments] == [("CO", "42", D("34.6")), ("PR", "2", D("117.54"))]
    # SVC*HC:59426******742*742**1: the amounts are missing; read as 0 (and it balances)
    assert claim.service_lines[2].charge == claim.service_lines[2].paid == D("0")


def test_all_denied_zero_payment():
    era = load("835_all_denied_zero_payment_pyx12.txt")
    assert era.findings == ()
    (t,) = era.transactions
    assert (t.handling, t.amount, t.method, t.method_text) == ("H", D("0"), "NON", "no payment")
    (claim,) = t.claims
    assert claim.is_denied and claim.status_text == "denied"
    assert [adj(a) for ln in claim.service_lines for a in ln.adjustments] == [
        ("CO", "16", D("500.04")), ("OA", "A7", D("127.8")), ("OA", "A7", D("287.55"))]
    assert all(ln.remark_codes == ("N14",) for ln in claim.service_lines)
    assert claim.service_lines[0].service_date == claim.service_lines[0].service_end_date == date(2003, 11, 29)


def test_lfh_greater_than_composite_although_isa16_is_colon():
    era = load("835_lfh_cob_contractual_known_defects.835")
    assert era.ok
    f = finding(era, "composite-separator")
    assert f.severity == "warning" and f.segment == 21 and "'>'" in f.message
    (line,) = era.claims[0].service_lines
    assert (line.qualifier, line.code, line.charge, line.paid, line.units) == (
        "HC", "55669", D("541.00"), D("34.00"), D("1.00"))
    assert [adj(a) for a in line.adjustments] == [("OA", "23", D("516.00")), ("OA", "94", D("-9.00"))]
    assert era.transactions[0].payment_date is None  # BPR16 left out


# --------------------------------------------------------------------------- generated files


def _generate(tmp_path: Path, claims: int, *extra: str) -> Path:
    out = tmp_path / f"gen_{claims}.835"
    subprocess.run([sys.executable, str(GENERATOR), str(out), "--claims", str(claims), *extra],
                   check=True, capture_output=True)
    return out


def test_generated_500_claims_balance(tmp_path):
    era = parse_835_file(_generate(tmp_path, 500))
    assert era.errors == ()
    assert warning_codes(era) == {"test-interchange"}
    assert len(era.claims) == 500
    assert len(era.transactions) == 2
    for t in era.transactions:
        assert balanced(t)
        assert t.payee.npi == "1234567893" and t.payee.tin == "123456789"
        for c in t.claims:
            assert c.charge - sum(a.amount for a in c.all_adjustments) == c.paid
            assert c.patient_responsibility == c.patient_responsibility_from_cas
    statuses = Counter(c.status for c in era.claims)
    assert set(statuses) == {"1", "2", "4", "22"}
    assert all(c.paid < 0 for c in era.claims if c.is_reversal)
    denied_lines = [ln for c in era.claims if c.is_denied for ln in c.service_lines]
    assert denied_lines and sum(bool(ln.remark_codes) for ln in denied_lines) > len(denied_lines) // 2
    assert {p.reason for t in era.transactions for p in t.provider_adjustments} <= {"WO", "L6"}


def test_generated_file_with_one_wrong_amount(tmp_path):
    path = _generate(tmp_path, 20)
    text = path.read_text()
    clean = parse_835(text)
    claim = clean.claims[5]
    seg_line = text.split("~\n")[claim.segment - 1]
    assert seg_line.startswith(f"CLP*{claim.account}*")
    els = seg_line.split("*")
    els[4] = str(claim.paid + D("0.01"))
    broken = text.replace(seg_line, "*".join(els), 1)
    era = parse_835(broken)
    f = finding(era, "claim-unbalanced")
    assert f.severity == "error" and f.segment == claim.segment
    assert f.message.startswith(f"segment {claim.segment} (CLP): claim {claim.account} does not balance")
    assert "payment-unbalanced" in error_codes(era)


# --------------------------------------------------------------------------- damaged input

UHC = "835_uhc_commercial_co45_pr.txt"
TERTIARY = "835_x12ig_tertiary_payment.edi"


def _text(name: str) -> str:
    return (DATA / name).read_bytes().decode("utf-8-sig")


def test_bom_is_ignored():
    raw = (DATA / TERTIARY).read_bytes()
    plain = parse_835(raw)
    with_bom = parse_835(b"\xef\xbb\xbf" + raw)
    assert with_bom.transactions == plain.transactions and with_bom.findings == plain.findings
    utf16 = parse_835(b"\xff\xfe" + raw.decode().encode("utf-16-le"))
    assert utf16.transactions == plain.transactions


def test_one_segment_per_line_crlf_and_indentation():
    text = _text(TERTIARY)
    pretty = "~\r\n    ".join(text.split("~"))
    assert parse_835(pretty).transactions == parse_835(text).transactions
    blank_lines = "~\n\n\n".join(text.split("~"))
    assert parse_835(blank_lines).transactions == parse_835(text).transactions


def test_newline_as_segment_terminator():
    text = _text(TERTIARY)
    newline_file = "\n".join(text.rstrip("~").split("~")) + "\n"
    era = parse_835(newline_file)
    assert era.separators is not None and era.separators.segment == "\n"
    assert era.transactions == parse_835(text).transactions


def test_missing_terminator_on_its_own_line_is_recovered():
    text = "~\n".join(_text(TERTIARY).split("~"))
    text = text.replace("DTM*472*20050120~\n", "DTM*472*20050120\n")
    era = parse_835(text)
    assert "missing-terminator" in warning_codes(era) and era.ok
    assert era.claims[0].service_lines[0].adjustments[0].amount == D("1579")


def test_truncated_file_is_an_error_not_an_exception():
    raw = (DATA / UHC).read_bytes()
    era = parse_835(raw[: len(raw) // 2])
    f = finding(era, "truncated")
    assert f.severity == "error" and f.segment == 3
    assert f.message == "file ends inside transaction started at segment 3: it was cut off; download it again"
    assert not era.ok
    assert len(era.transactions) == 1 and not era.transactions[0].complete


def test_cut_after_se_is_still_truncated():
    text = _text(TERTIARY)
    cut = text[: text.index("GE*")]
    era = parse_835(cut)
    assert finding(era, "truncated").message.startswith("file ends inside interchange started at segment 1")
    assert era.transactions[0].complete


def test_a_file_cut_anywhere_before_its_end_is_refused():
    raw = (DATA / "835_x12ig_dollars_data_together_mia_moa_plb.edi").read_bytes()
    iea = raw.index(b"~IEA*") + 1
    for k in range(iea):
        era = parse_835(raw[:k])
        assert not era.ok, k
    for k in range(iea, len(raw) + 1):  # cut inside the IEA: the data is all there
        assert parse_835(raw[:k]).transactions == parse_835(raw).transactions


@pytest.mark.parametrize("garbage", [
    b"", b"   \n", bytes(range(256)), b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", b"PK\x03\x04\x14\x00", b"\xff\xd8\xff\xe0 JFIF",
    b"Date,Client,Amount\n2026-01-05,J Doe,120.00\n",
])
def test_garbage_is_not_x12(garbage):
    era = parse_835(garbage)
    assert [f.code for f in era.findings] == ["not-x12"]
    assert era.findings[0].message.startswith("not an X12 file: expected it to start with ISA")
    assert era.transactions == () and not era.ok


def test_damaged_isa():
    era = parse_835(b"ISA*00*  *00")
    assert [f.code for f in era.findings] == ["bad-isa"]
    assert "damaged or cut off" in era.findings[0].message


SMALL_837 = (
    "ISA*00*          *00*          *ZZ*SOLOTHERAPY    *ZZ*CLEARINGHOUSE  *260115*0930*^*00501*000000001*0*P*:~"
    "GS*HC*SOLOTHERAPY*CLEARINGHOUSE*20260115*0930*1*X*005010X222A1~"
    "ST*837*0001*005010X222A1~BHT*0019*00*1*20260115*0930*CH~"
    "NM1*41*2*SOLO THERAPY PLLC*****46*1234567893~"
    "CLM*CK0000001*180***11:B:1*Y*A*Y*Y~SV1*HC:90837*180*UN*1***1~"
    "SE*6*0001~GE*1*1~IEA*1*000000001~"
)


def test_837_instead_of_835():
    era = parse_835(SMALL_837.encode())
    assert [(f.severity, f.code) for f in era.findings] == [("error", "not-835")]
    assert era.findings[0].message.startswith("this is an X12 837 (claim), not an 835 remittance")
    assert era.transactions == ()


def test_non_numeric_amount_names_segment_and_element():
    text = _text("835_x12ig_dollars_data_separate_managed_care.edi")
    era = parse_835(text.replace("CLP*5554555444*1*800*450", "CLP*5554555444*1*800*ABC"))
    f = finding(era, "bad-amount")
    assert f.message == "segment 14 (CLP04): amount 'ABC' is not a number"
    assert f.severity == "error" and f.segment == 14
    # no balancing noise on top of the real problem
    assert "claim-unbalanced" not in codes(era) and "payment-unbalanced" not in codes(era)
    for bad in ("NaN", "Infinity", "1e3", "12,50", "$12", "--1", "1.2.3"):
        era = parse_835(text.replace("CAS*CO*A2*50", f"CAS*CO*A2*{bad}"))
        assert finding(era, "bad-amount").message == f"segment 15 (CAS03): amount '{bad}' is not a number"


def test_unbalanced_claim_line_and_payment():
    text = _text(TERTIARY)
    era = parse_835(text.replace("CLP*0001000054*3*1766.5*187.50", "CLP*0001000054*3*1766.5*188.50"))
    f = finding(era, "claim-unbalanced")
    assert f.segment == 17 and f.message.startswith("segment 17 (CLP): claim 0001000054 does not balance")
    assert "188.50" in f.message
    assert finding(era, "payment-unbalanced").segment == 4
    assert "line-unbalanced" not in codes(era)
    era = parse_835(text.replace("SVC*HC:24599*1766.5*187.50", "SVC*HC:24599*1766.5*180"))
    assert finding(era, "line-unbalanced").segment == 21
    assert finding(era, "line-unbalanced").message.startswith("segment 21 (SVC): service line 24599 of claim 0001000054")


def test_svc01_split_with_the_element_separator_is_no_procedure_code_not_an_unbalanced_line():
    # issue 16.11: 'SVC*HC*24599*...' read the code as the charge and said the line did not balance
    era = parse_835(_text(TERTIARY).replace("SVC*HC:24599*1766.5*187.50", "SVC*HC*24599*1766.5*187.50"))
    assert [(f.severity, f.code, f.segment, f.message) for f in era.findings if f.severity == "error"] == [
        ("error", "no-procedure", 21, "segment 21 (SVC01): the service line has no procedure code, only the qualifier "
         "'HC' (the line reads 'SVC*HC*24599*1766.5*187.50**1'; '24599' after it looks like the code, split off with '*' "
         "where HC:24599 was meant); ask the sender for a new copy")]
    assert not {"line-unbalanced", "claim-unbalanced", "claim-line-charges", "payment-unbalanced"} & set(codes(era))
    # a real sample with '>' as its component separator, and a split that leaves no code at all
    text = _text("835_uhc_commercial_co45_pr.txt")
    era = parse_835(text.replace("SVC*HC>B4034*27.84*27.84**12", "SVC*HC*B4034*27.84*27.84**12"))
    assert [f.message for f in era.findings] == [
        "segment 53 (SVC01): the service line has no procedure code, only the qualifier 'HC' (the line reads "
        "'SVC*HC*B4034*27.84*27.84**12'; 'B4034' after it looks like the code, split off with '*' where HC>B4034 was "
        "meant); ask the sender for a new copy"]
    era = parse_835(text.replace("SVC*HC>B4034*27.84*27.84**12", "SVC*HC*27.84*27.84**12"))
    assert [f.message for f in era.findings] == [
        "segment 53 (SVC01): the service line has no procedure code, only the qualifier 'HC' (the line reads "
        "'SVC*HC*27.84*27.84**12'); ask the sender for a new copy"]
    # a code without its qualifier is still read, with the note it always had
    era = parse_835(text.replace("SVC*HC>B4034*27.84", "SVC*B4034*27.84"))
    assert [f.message for f in era.findings] == ["segment 53 (SVC01): procedure 'B4034' has no qualifier (HC, AD, ...)"]


def test_reversal_arithmetic_with_negative_amounts():
    text = _text(TERTIARY).replace("CLP*0001000054*3*1766.5*187.50", "CLP*0001000054*22*-1766.5*-187.50")
    text = text.replace("SVC*HC:24599*1766.5*187.50", "SVC*HC:24599*-1766.5*-187.50")
    text = text.replace("CAS*OA*23*1579", "CAS*OA*23*-1579").replace("BPR*I*187.50*C", "BPR*I*187.50*D")
    era = parse_835(text)
    assert era.ok, era.findings
    assert era.claims[0].is_reversal and balanced(era.transactions[0])


def test_non_payment_must_be_zero():
    era = parse_835(_text(TERTIARY).replace("BPR*I*187.50*C*CHK", "BPR*H*187.50*C*NON"))
    assert finding(era, "non-payment-amount").segment == 4


def test_segments_out_of_order():
    text = _text(TERTIARY)
    clp = text[text.index("CLP*"): text.index("NM1*QC")]
    before_bpr = text.replace(clp, "").replace("BPR*", clp + "BPR*", 1)
    era = parse_835(before_bpr)
    f = [f for f in era.errors if f.code == "out-of-order"][0]
    assert f.message == "segment 4 (CLP): a claim before the payment (BPR) segment"
    svc_first = text.replace(clp, "")
    era = parse_835(svc_first)
    assert any(f.code == "out-of-order" and "(SVC): a service line before any claim" in f.message for f in era.errors)
    assert era.claims == ()
    stray = parse_835(text.replace("GE*1*20213~", "GE*1*20213~CLP*X*1*1*1~"))
    assert any(f.code == "out-of-order" and "outside a transaction" in f.message for f in stray.errors)


def test_missing_se_and_second_st():
    text = _text(TERTIARY)
    st = text[text.index("ST*"): text.index("GE*")]
    doubled = text.replace(st, st.replace("SE*24*0001~", "") + st.replace("ST*835*0001", "ST*835*0002").replace(
        "SE*24*0001", "SE*24*0002"))
    era = parse_835(doubled)
    assert "missing-se" in error_codes(era)
    assert len(era.transactions) == 2 and not era.transactions[0].complete


def test_envelope_counts_small_miscount_is_a_note_impossible_count_refuses_and_never_preallocates():
    text = _text(TERTIARY)
    era = parse_835(text.replace("SE*24*0001", "SE*25*0001").replace("GE*1*20213", "GE*2*1"))
    assert era.ok  # off by one, as payers' files sometimes are: read, with notes
    assert {"envelope-count", "envelope-control"} <= warning_codes(era)
    assert finding(era, "envelope-count").message == "segment 26 (SE01): says 25 segments, the transaction has 24"
    era = parse_835(text.replace("SE*24*0001", "SE*1000000000*0001").replace("GE*1*20213", "GE*999999999*1"))
    assert not era.ok  # no miscount explains a billion: a damaged file
    assert [f.message for f in era.errors if f.code == "envelope-count"] == [
        "segment 26 (SE01): says 1000000000 segments, the transaction has 24: the file is damaged; ask the sender for a new copy",
        "segment 27 (GE01): says 999999999 transactions, the group has 1: the file is damaged; ask the sender for a new copy"]
    era = parse_835(text.replace("SE*24*0001", "SE*-5*0001"))
    assert finding(era, "bad-count").message == "segment 26 (SE01): count '-5' is not a whole number of 0 or more"
    huge = parse_835(text.replace("SE*24*0001", "SE*" + "9" * 5000 + "*0001"))
    assert "bad-count" in error_codes(huge)
    start = time.perf_counter()
    era = parse_835(text.replace("LX*1", "TS3*1*11*20051231*" + "9" * 12 + "*1766.5~LX*1"))
    assert time.perf_counter() - start < 1
    assert "the provider summary counts 999999999999 claims, the transaction holds 1" in finding(era, "envelope-count").message


def test_unknown_cas_group_and_incomplete_triples():
    text = _text(TERTIARY)
    era = parse_835(text.replace("CAS*OA*23*1579", "CAS*XY*23*1579"))
    assert finding(era, "bad-cas-group").segment == 23
    era = parse_835(text.replace("CAS*OA*23*1579", "CAS*OA**1579"))
    assert "cas-incomplete" in error_codes(era)
    era = parse_835(text.replace("CAS*OA*23*1579", "CAS*OA*23*"))
    assert finding(era, "missing-amount").message == "segment 23 (CAS03): required amount is missing"
    six = "CAS*CO*1*1*1*2*2*2*3*3*3*4*4*4*5*5*5*6*1564*6"
    era = parse_835(text.replace("CAS*OA*23*1579", six))
    assert era.ok
    assert [(a.reason, a.amount, a.quantity) for a in era.claims[0].service_lines[0].adjustments] == [
        ("1", D(1), D(1)), ("2", D(2), D(2)), ("3", D(3), D(3)), ("4", D(4), D(4)), ("5", D(5), D(5)),
        ("6", D(1564), D(6))]


def test_cr_group_in_5010_is_kept_with_a_warning():
    era = parse_835(_text(TERTIARY).replace("CAS*OA*23*1579", "CAS*CR*23*1579"))
    assert era.ok and warning_codes(era) == {"test-interchange", "cas-group-cr"}
    assert era.claims[0].service_lines[0].adjustments[0].group == "CR"


def test_second_interchange_with_other_separators():
    text = _text(TERTIARY)
    other = text.replace("*", "|").replace("~", "\n").replace("0001", "0002")
    era = parse_835(text + "\n" + other)
    assert finding(era, "separators-changed").segment == 29
    assert len(era.transactions) == 2 and era.ok
    assert [t.control_number for t in era.transactions] == ["0001", "0002"]
    assert [t.amount for t in era.transactions] == [D("187.50"), D("187.50")]
    first, second = (t.claims[0] for t in era.transactions)
    assert (second.account, second.paid) == ("0002000054", D("187.50"))  # "0001" was replaced too
    assert second.service_lines[0].adjustments[0].amount == D("1579")
    assert first.service_lines[0].code == second.service_lines[0].code == "24599"


def test_tokenizer_streams_numbered_segments():
    reader = SegmentReader((DATA / "835_bh_county_board_reversals_denials_plb_bom.txt").read_bytes())
    segs = list(reader)
    assert reader.separators is not None and reader.separators.repetition is None  # 4010 ISA11 = U
    assert segs[0][0] == 1 and segs[0][1] == "ISA"
    assert [n for n, _, _ in segs] == list(range(1, len(segs) + 1))
    n, sid, els = segs[14]
    assert (n, sid, els[1], els[4]) == (15, "CLP", "444444", "56.52")
    assert segs[-1][1] == "IEA"
    uhc = SegmentReader((DATA / UHC).read_bytes())
    list(uhc)
    assert uhc.separators is not None and uhc.separators.repetition == "^"


def test_many_problems_are_capped():
    text = _text(TERTIARY)
    body = "".join(f"CLP*X{i}*1*ABC*1~" for i in range(300))
    era = parse_835(text.replace("LX*1~", "LX*1~" + body))
    assert codes(era)["bad-amount"] == 50
    summary = finding(era, "too-many-findings")
    assert summary.severity == "error" and "250 more 'bad-amount'" in summary.message


# --------------------------------------------------------------------------- property test

_SAMPLE_BYTES = [(DATA / name).read_bytes() for name in SAMPLES]
_ALPHABET = b"*~:>^|\r\n -.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ\x00\xef\xbb\xbf\xff"


@st.composite
def mutated_samples(draw):
    data = bytearray(draw(st.sampled_from(_SAMPLE_BYTES)))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.integers(0, 6))
        i = draw(st.integers(0, max(0, len(data) - 1)))
        if op == 0 and data:  # replace a byte with a separator-ish or random byte
            data[i] = draw(st.sampled_from(_ALPHABET) | st.integers(0, 255))
        elif op == 1:  # delete a run
            del data[i: i + draw(st.integers(1, 40))]
        elif op == 2:  # insert a few bytes
            data[i:i] = draw(st.binary(min_size=1, max_size=12))
        elif op == 3:  # cut the file
            del data[i:]
        else:  # duplicate, drop or move a segment
            segs = bytes(data).split(b"~")
            j = draw(st.integers(0, len(segs) - 1))
            k = draw(st.integers(0, len(segs) - 1))
            if op == 4:
                segs.insert(k, segs[j])
            elif op == 5:
                del segs[j]
            else:
                segs.insert(k, segs.pop(j))
            data = bytearray(b"~".join(segs))
    return bytes(data)


def _check(era: Era) -> None:
    assert isinstance(era, Era)
    for f in era.findings:
        assert f.severity in ("error", "warning") and f.code and f.message
    for t in era.transactions:
        for c in t.claims:
            assert isinstance(c, ClaimPayment)
            for ln in c.service_lines:
                assert isinstance(ln, ServiceLine)
            assert c.patient is None or isinstance(c.patient, Name)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_samples())
def test_mutated_samples_never_raise(data):
    _check(parse_835(data))


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=600))
def test_random_bytes_never_raise(data):
    _check(parse_835(data))
    _check(parse_835(b"ISA*00*          *00*          *ZZ*A              *ZZ*B              *260115*0930*^*00501*"
                     b"000000001*0*P*:~" + data))
    _check(parse_835(b"ST*835*1~" + data))


def test_unknown_claim_status_refuses_but_a_4010_status_is_a_note():
    text = _text(TERTIARY)
    era = parse_835(text.replace("CLP*0001000054*3*", "CLP*0001000054*99*"))
    assert not era.ok and finding(era, "bad-code").message == (
        "segment 17 (CLP02): claim status '99' is not a claim status code (1-4, 19-23, 25): claimkit cannot tell"
        " whether it was paid or denied")
    era = parse_835(text.replace("CLP*0001000054*3*", "CLP*0001000054*5*"))
    assert era.ok and "bad-code" in warning_codes(era)
    assert finding(era, "bad-code").message == ("segment 17 (CLP02): claim status 5 (pended) is not a 5010 code; its"
                                                " amounts were read as sent")
