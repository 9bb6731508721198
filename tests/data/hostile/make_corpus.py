#!/usr/bin/env python3
"""Regenerate the hostile 835, EOB CSV, code list and template PDF corpus in this folder (835/, csv/, codes/, pdf/).

Every file is a small, deliberate break of one valid input: the 835 that pays claim CK00001 (three 90837 lines
of 180.00, paid 16.00 + 96.00 + 96.00) and the EOB CSV for the same claim, as the `hostile` fixture in
tests/test_hostile_corpus.py builds it. Large inputs (50 MB segments, 10 MB cells, a million rows, a PDF bomb)
are generated at test time instead of being committed.

Usage: python tests/data/hostile/make_corpus.py   (rewrites the files; review the diff)
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

ISA = "ISA*00*          *00*          *ZZ*11111          *ZZ*CLAIMKIT       *261120*1200*^*00501*000000001*0*P*:"
HEAD = [ISA, "GS*HP*11111*CLAIMKIT*20261120*1200*1*X*005010X221A1", "ST*835*0001",
        "BPR*I*208*C*ACH*CCP*01*999999999*DA*123456789*1999999999**01*888888888*DA*98765432*20261120",
        "TRN*1*TRACE1*1000011111", "DTM*405*20261120", "N1*PR*ACME TEST HEALTH*XV*11111", "N3*PO BOX 1000",
        "N4*DALLAS*TX*752011000", "PER*BL*PROVIDER SERVICES*TE*8005550100", "N1*PE*TESTWELL*XX*1234567893", "LX*1"]
CLAIM = ["CLP*CK00001*1*540*208*152*12*PCN1*11*1", "NM1*QC*1*MCTESTFACE*TESTY****MI*TST1", "DTM*232*20261001",
         "DTM*233*20261015"]
LINES = [
    ["SVC*HC:90837*180*16**1", "DTM*472*20261001", "CAS*CO*45*60", "CAS*PR*1*100**2*4", "REF*6R*CK00001L1", "AMT*B6*120"],
    ["SVC*HC:90837*180*96**1", "DTM*472*20261008", "CAS*CO*45*60", "CAS*PR*2*24", "REF*6R*CK00001L2", "AMT*B6*120"],
    ["SVC*HC:90837*180*96**1", "DTM*472*20261015", "CAS*CO*45*60", "CAS*PR*2*24", "REF*6R*CK00001L3", "AMT*B6*120"],
]
TAIL = ["SE*33*0001", "GE*1*1", "IEA*1*000000001"]


def segments() -> list[str]:
    return [*HEAD, *CLAIM, *(s for ln in LINES for s in ln), *TAIL]


def x12(segs: list[str]) -> str:
    return "~\n".join(segs) + "~\n"


def valid_835() -> str:
    return x12(segments())


def replace(old: str, new: str, count: int = 1) -> str:
    text = valid_835()
    assert old in text, old
    return text.replace(old, new, count)


def moved(seg_from: str, before: str) -> str:
    """The valid file with segment ``seg_from`` (and, for SVC, its line) moved in front of ``before``."""
    segs = segments()
    i = segs.index(seg_from)
    block = [segs[i]]
    if seg_from.startswith("SVC"):
        block = LINES[0]
    for s in block:
        segs.remove(s)
    j = segs.index(before)
    return x12(segs[:j] + block + segs[j:])


def file_835() -> dict[str, bytes]:
    text = valid_835()
    out: dict[str, str | bytes] = {}
    cut = text.index("SVC*HC:90837*180*96") + len("SVC*HC:90837*1")
    out["truncated-mid-segment"] = text[:cut]
    out["truncated-mid-claim"] = text[: text.index("REF*6R*CK00001L2")]
    out["truncated-in-isa"] = text[:60]
    out["isa-only"] = ISA + "~"
    out["body-uses-other-separators"] = ISA + "~\n" + x12(segments()[1:]).replace("*", "|")
    out["mixed-element-separators"] = text.replace("CLP*CK00001*1*540*208*152*12*PCN1*11*1",
                                                   "CLP|CK00001|1|540|208|152|12|PCN1|11|1")
    out["isa-letter-separator"] = text.replace("*", "A", 16)
    out["clp-before-bpr"] = moved(CLAIM[0], HEAD[3])
    out["svc-before-clp"] = moved(LINES[0][0], CLAIM[0])
    out["se-before-st"] = text.replace("ST*835*0001~\n", "SE*33*0001~\nST*835*0001~\n", 1)
    out["no-st"] = text.replace("ST*835*0001~\n", "", 1)
    out["se-count-lies"] = replace("SE*33*0001", "SE*34*0001")
    out["se-control-mismatch"] = replace("SE*33*0001", "SE*33*0002")
    out["se-count-billion"] = replace("SE*33*0001", "SE*1000000000*0001")
    out["ge-billion-transactions"] = replace("GE*1*1", "GE*1000000000*1")
    out["iea-huge-count"] = replace("IEA*1*000000001", "IEA*99999999999999999999999999*000000001")
    out["se-negative-count"] = replace("SE*33*0001", "SE*-33*0001")
    out["lx-negative"] = replace("LX*1", "LX*-1")
    out["ts3-billion-claims"] = replace("LX*1~", "LX*1~\nTS3*1234567893*11*20261231*1000000000*540~").replace(
        "SE*33*", "SE*34*")
    out["utf16-bom"] = text.encode("utf-16")
    out["svc-negative-units"] = replace("SVC*HC:90837*180*16**1", "SVC*HC:90837*180*16**-1")
    out["svc-billion-units"] = replace("SVC*HC:90837*180*16**1", "SVC*HC:90837*180*16**1000000000")
    out["clp-amount-not-numeric"] = replace("CLP*CK00001*1*540*208", "CLP*CK00001*1*540*2O8")
    out["svc-amount-not-numeric"] = replace("SVC*HC:90837*180*16**1", "SVC*HC:90837*180*16.OO**1")
    out["cas-amount-not-numeric"] = replace("CAS*CO*45*60", "CAS*CO*45*sixty")
    out["bpr-amount-not-numeric"] = replace("BPR*I*208*", "BPR*I*$208.00*")
    out["bpr-amount-exponent"] = replace("BPR*I*208*", "BPR*I*2.08E2*")
    out["bpr-amount-nan"] = replace("BPR*I*208*", "BPR*I*NaN*")
    out["clp-amount-huge"] = replace("CLP*CK00001*1*540*208", "CLP*CK00001*1*540*999999999999999999999999")
    out["amt-allowed-not-numeric"] = replace("AMT*B6*120", "AMT*B6*12O")
    out["dtm-impossible-date"] = replace("DTM*472*20261001", "DTM*472*20261341")
    out["svc01-split"] = replace("SVC*HC:90837*180*96**1", "SVC*HC*90837*180*96**1")
    out["svc-does-not-balance"] = replace("SVC*HC:90837*180*96**1", "SVC*HC:90837*180*97**1")
    out["bpr-does-not-balance"] = replace("BPR*I*208*", "BPR*I*280*")
    out["clp-does-not-balance"] = replace("CLP*CK00001*1*540*208", "CLP*CK00001*1*540*209")
    out["empty"] = b""
    out["whitespace-only"] = "\n\n   \r\n\t\n"
    out["garbage-bytes"] = bytes(range(256)) * 20
    out["zip-file"] = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(200))
    out["pdf-file"] = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    out["utf16-no-bom"] = text.encode("utf-16-le")
    out["nul-bytes-in-segment"] = replace("CLP*CK00001*1*540*208", "CLP*CK00001*1*540\x00\x00\x00*208")
    out["nul-bytes-padding"] = text.encode() + b"\x00" * 4096
    out["is-837"] = x12([
        ISA.replace("261120", "261001"), "GS*HC*CLAIMKIT*11111*20261001*1200*1*X*005010X222A1",
        "ST*837*0001*005010X222A1", "BHT*0019*00*CK00001*20261001*1200*CH", "NM1*41*2*TESTWELL*****46*1234567893",
        "PER*IC*BILLING*TE*5125550100", "NM1*40*2*ACME TEST HEALTH*****46*11111", "HL*1**20*1",
        "NM1*85*2*TESTWELL*****XX*1234567893", "N3*100 EXAMPLE ST", "N4*AUSTIN*TX*787011234", "REF*EI*991234567",
        "SE*12*0001", "GE*1*1", "IEA*1*000000001"])
    out["is-999"] = x12([
        ISA.replace("*ZZ*11111          *ZZ*CLAIMKIT       *", "*ZZ*CLAIMKIT       *ZZ*11111          *"),
        "GS*FA*11111*CLAIMKIT*20261120*1200*1*X*005010X231A1", "ST*999*0001*005010X231A1", "AK1*HC*1*005010X222A1",
        "AK2*837*0001*005010X222A1", "IK5*A", "AK9*A*1*1*1", "SE*6*0001", "GE*1*1", "IEA*1*000000001"])
    out["two-st-second-cut"] = text.replace("GE*1*1~\n", "ST*835*0002~\nBPR*I*1*C*ACH~\n", 1).split("ST*835*0002")[0] \
        + "ST*835*0002~\nBPR*I*1*C*ACH*CCP*01*999999999*DA*1*1999999999**01*888888888*DA*98765432*20261120~\nTRN*1*T"
    out["segment-id-garbage"] = replace("DTM*232*20261001", "D\x07M*232*20261001")
    out["clp-status-unknown"] = replace("CLP*CK00001*1*", "CLP*CK00001*99*")
    out["payer-name-escape-codes"] = replace("N1*PR*ACME TEST HEALTH", "N1*PR*ACME\x1b[2J TEST\x07 HEALTH")
    return {f"{k}.835": (v.encode() if isinstance(v, str) else v) for k, v in out.items()}


CSV_HEADER = "claim,line,allowed,paid,deductible,coinsurance,copay,adjustments,payer_claim_number,check,date\n"
CSV_ROWS = ["CK00001,1,120.00,16.00,100.00,4.00,,,PCN1,10442,2026-11-27\n",
            "CK00001,2,120.00,96.00,,24.00,,,PCN1,10442,2026-11-27\n",
            "CK00001,3,120.00,96.00,,24.00,,,PCN1,10442,2026-11-27\n"]


def valid_csv() -> str:
    return CSV_HEADER + "".join(CSV_ROWS)


def csv_with(row: int, old: str, new: str) -> str:
    rows = list(CSV_ROWS)
    assert old in rows[row], old
    rows[row] = rows[row].replace(old, new, 1)
    return CSV_HEADER + "".join(rows)


def file_csv() -> dict[str, bytes]:
    out: dict[str, str | bytes] = {}
    out["empty"] = ""
    out["header-only"] = CSV_HEADER
    out["no-header"] = "".join(CSV_ROWS)
    out["missing-paid-column"] = CSV_HEADER.replace("paid,", "paid_amount,", 1) + "".join(CSV_ROWS)
    out["unknown-column"] = CSV_HEADER.replace("date\n", "date,notes\n") + "".join(r.replace("\n", ",\n") for r in CSV_ROWS)
    out["duplicate-column"] = CSV_HEADER.replace("date\n", "date,paid\n") + "".join(r.replace("\n", ",0.00\n") for r in CSV_ROWS)
    out["semicolon-separated"] = valid_csv().replace(",", ";")
    out["amount-not-numeric"] = csv_with(1, "96.00", "ninety-six")
    out["amount-negative"] = csv_with(1, "96.00", "-96.00")
    out["amount-three-decimals"] = csv_with(1, "96.00", "96.005")
    out["amount-huge"] = csv_with(1, "120.00,96.00", "120.00,99999999999999.00")
    out["amount-exponent"] = csv_with(1, "96.00", "9.6e1")
    out["amount-nan"] = csv_with(1, "96.00", "NaN")
    out["amount-paid-empty"] = csv_with(1, "120.00,96.00", "120.00,")
    out["allowed-more-than-charge"] = csv_with(1, "120.00,96.00,,24.00", "200.00,176.00,,24.00")
    out["line-does-not-balance"] = csv_with(2, "96.00", "69.00")
    out["unknown-claim"] = csv_with(2, "CK00001", "CK99999")
    out["claim-empty"] = csv_with(2, "CK00001", "")
    out["line-not-a-number"] = csv_with(1, "CK00001,2,", "CK00001,two,")
    out["line-does-not-exist"] = csv_with(1, "CK00001,2,", "CK00001,9,")
    out["line-huge"] = csv_with(1, "CK00001,2,", "CK00001,99999999999999999999999,")
    out["line-missing-on-multiline-claim"] = csv_with(1, "CK00001,2,", "CK00001,,")
    out["date-impossible"] = csv_with(1, "2026-11-27", "2026-13-45")
    out["date-us-format"] = csv_with(1, "2026-11-27", "11/27/2026")
    out["adjustment-malformed"] = csv_with(1, ",,,PCN1", ",,CO45=1,PCN1")
    out["invalid-utf8"] = valid_csv().encode().replace(b"PCN1", b"PCN\xe91", 1)
    out["utf16"] = valid_csv().encode("utf-16")
    out["too-many-columns"] = csv_with(1, "2026-11-27\n", "2026-11-27,EXTRA,99.00\n")
    out["too-few-columns"] = csv_with(1, "CK00001,2,120.00,96.00,,24.00,,,PCN1,10442,2026-11-27\n", "CK00001,2,120.00\n")
    out["unterminated-quote"] = csv_with(1, "CK00001,2,120.00", 'CK00001,2,"120.00')
    out["nul-bytes"] = csv_with(1, "PCN1", "PC\x00N1")
    out["injection-claim"] = csv_with(1, "CK00001", '"=HYPERLINK(""http://evil.example"",""CK00001"")"')
    out["injection-check"] = csv_with(1, "10442", "=cmd|' /C calc'!A0")
    out["injection-payer-claim-number"] = csv_with(1, "PCN1", "@SUM(1+1)*cmd|' /C calc'!A0")
    out["binary-garbage"] = bytes(range(256)) * 20
    out["escape-codes-in-check"] = csv_with(1, "10442", "10442\x1b[2J")
    return {f"{k}.csv": (v.encode() if isinstance(v, str) else v) for k, v in out.items()}


CODES_HEADER = "Code,Description\n"
CODES_ROWS = ["45,Charge exceeds the fee schedule (test text).\n", "97,Included in another service (test text).\n",
              "197,Precertification absent (test text).\n"]


def codes_with(row: int, old: str, new: str) -> str:
    rows = list(CODES_ROWS)
    assert old in rows[row], old
    rows[row] = rows[row].replace(old, new, 1)
    return CODES_HEADER + "".join(rows)


def file_codes() -> dict[str, bytes]:
    """CARC lists for `claimkit codes import FILE --kind carc` (issue 16.10, 16.16)."""
    out: dict[str, str | bytes] = {}
    out["unclosed-quote"] = codes_with(1, "97,Included", '97,"Included')
    out["no-description"] = codes_with(1, "97,Included in another service (test text).", "97,")
    out["blank-description"] = codes_with(1, "97,Included in another service (test text).", "97,   ")
    out["not-a-code"] = codes_with(1, "97,", "97 or 98,")
    out["code-too-long"] = codes_with(1, "97,", "9700000,")
    out["empty"] = ""
    out["header-only"] = CODES_HEADER
    out["invalid-utf8"] = (CODES_HEADER + "".join(CODES_ROWS)).encode().replace(b"another", b"anoth\xe9r", 1)
    out["binary-garbage"] = bytes(range(256)) * 20
    out["escape-codes-in-description"] = codes_with(1, "Included in", "Included \x1b[2J\x1b]0;owned\x07in")
    out["bom-and-crlf"] = ("\ufeff" + CODES_HEADER + "".join(CODES_ROWS)).replace("\n", "\r\n")
    return {f"{k}.csv": (v.encode() if isinstance(v, str) else v) for k, v in out.items()}


def _blank_pdf() -> bytes:
    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(612, 792), invariant=1)
    c.drawString(30, 770, "BLANK")
    c.showPage()
    c.save()
    return buf.getvalue()


def file_pdf() -> dict[str, bytes]:
    from pypdf import PdfReader, PdfWriter

    out: dict[str, bytes] = {}
    out["not-a-pdf"] = b"this is a text file, not a PDF\n"
    out["empty"] = b""
    out["header-only"] = b"%PDF-1.4\n%garbage with no objects\n"
    blank = _blank_pdf()
    out["truncated"] = blank[: len(blank) // 2]
    w = PdfWriter(clone_from=PdfReader(io.BytesIO(blank)))
    w.encrypt("secret", algorithm="RC4-128")
    buf = io.BytesIO()
    w.write(buf)
    out["encrypted"] = buf.getvalue()
    buf = io.BytesIO()
    PdfWriter().write(buf)
    out["zero-pages"] = buf.getvalue()
    out["pages-count-lies"] = (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
                               b"2 0 obj\n<< /Type /Pages /Kids [] /Count 1000000000 >>\nendobj\n"
                               b"trailer\n<< /Size 3 /Root 1 0 R >>\n%%EOF\n")
    out["pages-loop"] = (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
                         b"2 0 obj\n<< /Type /Pages /Kids [2 0 R] /Count 1 >>\nendobj\n"
                         b"trailer\n<< /Size 3 /Root 1 0 R >>\n%%EOF\n")
    return {f"{k}.pdf": v for k, v in out.items()}


def main() -> None:
    for folder, files in (("835", file_835()), ("csv", file_csv()), ("codes", file_codes()), ("pdf", file_pdf())):
        d = HERE / folder
        d.mkdir(exist_ok=True)
        for name, data in files.items():
            (d / name).write_bytes(data)
        print(f"{folder}: {len(files)} files", file=sys.stderr)


if __name__ == "__main__":
    main()
