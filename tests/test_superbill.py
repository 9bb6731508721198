"""Superbills: what an out-of-network or self-pay client needs to file, read back from the PDF."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from claim_fixtures import DAY, RENDERING_NPI, add_sessions, make_home

from claimkit import catalog
from claimkit.cli.output import parse_month
from claimkit.core.errors import ClaimkitError
from claimkit.claims.superbill import build_superbill


@pytest.fixture
def ws(home):
    return make_home(home)


def pdf_text(path) -> tuple[list[str], list[tuple[float, float]]]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(path.read_bytes()))
    pages = []
    for page in reader.pages:
        chunks: list[str] = []
        page.extract_text(visitor_text=lambda t, *a, chunks=chunks: chunks.append(t))
        pages.append("".join(chunks))
    return pages, [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]


def _range() -> str:
    return f"--from {DAY.isoformat()} --to {(DAY + timedelta(days=60)).isoformat()}"


def test_superbill_for_an_out_of_network_client(ws, cli, tmp_path):
    add_sessions(ws, "selma", 3, paid="180.00")
    out = tmp_path / "sb.pdf"
    result = cli.ok(f"superbill render selma {_range()} -o {out}")
    assert "3 sessions" in result.stdout and "$540.00" in result.stdout
    (text,), sizes = pdf_text(out)
    assert sizes == [(612.0, 792.0)]
    flat = " ".join(text.split())
    for expected in (
        "Testy Counseling PLLC", "Testy McTestface, LPC", "LPC-00000 (TX)", f"Individual NPI: {RENDERING_NPI}",
        "Tax ID (EIN): 99-1234567", "400 Example Ave., Ste #200", "(512) 555-0100",          # practice and provider
        "Selma Selfpay", "Date of birth: 09/09/1985", "5 Cash Ct", "Member ID: NWOON1",          # client
        "90837", catalog.cpt("90837").label, "F41.1", catalog.icd10("F41.1").description,      # codes with labels
        DAY.strftime("%m/%d/%Y"), "$180.00", "$540.00",                                         # lines and totals
        "OUT OF NETWORK - PAID IN FULL BY THE CLIENT", "Signature of provider",
    ):
        assert expected in flat, expected
    assert flat.count("$180.00") >= 6  # fee and paid on each of three lines


def test_superbill_for_a_self_pay_client_with_a_balance(ws, cli, tmp_path):
    from claimkit.records.practice import add_client

    add_client(ws, {"id": "cash", "first": "Casey", "last": "Cashpayer", "dob": "1992-01-31", "sex": "X", "dx": ["F43.10"]}, None)
    add_sessions(ws, "cash", 2, cpt="90834", minutes=45, paid="50.00")
    out = tmp_path / "cash.pdf"
    data = json.loads(cli.ok(f"superbill render cash {_range()} -o {out} --json").stdout)
    assert data["total_charge"] == "300.00" and data["paid"] == "100.00" and data["balance"] == "200.00"
    assert data["paid_in_full"] is False
    (text,), _ = pdf_text(out)
    flat = " ".join(text.split())
    assert "OUT OF NETWORK - BILLED TO THE CLIENT" in flat and "$200.00" in flat and "Not on file" in flat


def test_month_selects_the_sessions(ws, cli, tmp_path):
    add_sessions(ws, "selma", 6, paid="180.00")
    month = DAY.strftime("%Y-%m")
    sb = build_superbill(ws, "selma", *parse_month(month))
    assert all(ln.date.strftime("%Y-%m") == month for ln in sb.lines) and sb.lines
    out = tmp_path / "m.pdf"
    cli.ok(f"superbill render selma --month {month} -o {out}")
    assert out.exists()


def test_many_sessions_run_onto_more_pages(ws, cli, tmp_path):
    add_sessions(ws, "selma", 40, paid="180.00", start=DAY - timedelta(days=7 * 32))
    out = tmp_path / "long.pdf"
    cli.ok(f"superbill render selma -o {out}")
    pages, sizes = pdf_text(out)
    assert len(pages) >= 2 and all(s == (612.0, 792.0) for s in sizes)
    assert all(f"page {i}" in text for i, text in enumerate(pages, start=1))
    assert "$7,200.00" in " ".join(pages[-1].split())


def test_refusals(ws, cli, tmp_path):
    add_sessions(ws, "selma", 1, paid="180.00")
    line = cli.fails(f"superbill render selma --from 2020-01-01 --to 2020-01-31 -o {tmp_path / 'x.pdf'}")
    assert "no sessions" in line and "selma" in line
    assert "either --month or --from" in cli.fails(f"superbill render selma --month 2026-01 --from 2026-01-01 -o {tmp_path / 'x.pdf'}")
    assert "nobody" in cli.fails(f"superbill render nobody -o {tmp_path / 'x.pdf'}")
    assert "does not exist" in cli.fails(f"superbill render selma -o {tmp_path / 'no' / 'x.pdf'}")
    assert "YYYY-MM" in cli.fails(f"superbill render selma --month 2026-13 -o {tmp_path / 'x.pdf'}")
    assert not (tmp_path / "x.pdf").exists()


def test_sessions_on_insurance_claims_stay_off_superbills(ws, cli, tmp_path):
    add_sessions(ws, "testy", 2)
    cli.ok(f"cms1500 render --unbilled -o {tmp_path / 'c.pdf'}")
    with pytest.raises(ClaimkitError, match="no sessions"):
        build_superbill(ws, "testy")
    add_sessions(ws, "testy", 1, start=DAY + timedelta(days=3))
    result = cli.ok(f"superbill render testy -o {tmp_path / 'sb.pdf'}")
    assert "set to bill insurance" in result.stderr  # warned: it could be claimed too
