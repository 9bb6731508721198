"""Patient statements: the figures, the PDF read back (pypdf), and the statement recorded only once written."""

from __future__ import annotations

import json
import sqlite3

import pytest
from pypdf import PdfReader

from conftest import copy_home


@pytest.fixture
def scenario(cli, report_scenario_template):
    """A copy of the report scenario (tests/test_reports.py build()), made once per test process."""
    return copy_home(report_scenario_template, cli)


def statements(home) -> list[tuple]:
    conn = sqlite3.connect(home / "ledger.db")
    try:
        return conn.execute("SELECT client, date, amount_cents, file FROM statements ORDER BY id").fetchall()
    finally:
        conn.close()


def pdf_text(path, page: int = 0) -> str:
    """The page's text with runs of white space as one space (pypdf breaks table cells onto lines)."""
    return " ".join(PdfReader(str(path)).pages[page].extract_text().split())


def pdf_words(path) -> list[tuple[str, float, float]]:
    """Every text run on the first page with where it was drawn (x, y from the bottom left)."""
    page = PdfReader(str(path)).pages[0]
    runs: list[tuple[str, float, float]] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            runs.append((text.strip(), tm[4] * cm[0] + tm[5] * cm[2] + cm[4], tm[4] * cm[1] + tm[5] * cm[3] + cm[5]))

    page.extract_text(visitor_text=visit)
    return runs


def test_statement_pdf(scenario, tmp_path):
    out = tmp_path / "dana.pdf"
    result = scenario.ok(f"statement render dana --date 2026-03-01 -o {out}")
    assert result.stdout.splitlines()[0] == "Statement DANA-20260301: dana owes $238.00"
    assert statements(scenario.home) == [("dana", "2026-03-01", 23800, str(out.absolute()))]
    reader = PdfReader(str(out))
    assert len(reader.pages) == 1
    text = pdf_text(out)
    for expected in ("Testwell Counseling", "STATEMENT", "Statement date 03/01/2026", "Account dana", "Dana Testcase",
                     "5 Elm St", "AMOUNT DUE NOW", "Please pay by 03/31/2026", "01/05/2026", "90791", "01/26/2026",
                     "Payment - check - thank you", "HOW TO PAY", "Amount enclosed"):
        assert expected in text, expected
    # each date of service: charge, insurance paid, adjustments, the client's part
    assert "$200.00 $0.00 $70.00 $130.00" in text
    assert "$180.00 $56.00 $60.00 $64.00" in text
    assert "Previous balance $0.00" in text and "Your part of the services above $338.00" in text
    assert "Payments and adjustments -$100.00" in text and "Amount due now $238.00" in text
    assert "31-60 days $238.00" in text
    # the amount due sits in the box at the top right, under its label
    width, height = (float(v) for v in reader.pages[0].mediabox[2:])
    runs = pdf_words(out)
    label = next((x, y) for t, x, y in runs if t == "AMOUNT DUE NOW")
    amount = [(x, y) for t, x, y in runs if t == "$238.00" and y > height * 0.7]
    assert len(amount) == 1
    x, y = amount[0]
    assert x > width * 0.6 and label[1] - 40 < y < label[1]


def test_next_statement_carries_the_balance_forward(scenario, tmp_path):
    scenario.ok(f"statement render dana --date 2026-03-01 -o {tmp_path / 'a.pdf'}")
    data = json.loads(scenario.ok(f"statement render dana --date 2026-04-01 -o {tmp_path / 'b.pdf'} --json").stdout)
    [st] = data["statements"]
    assert st["period"] == {"start": "2026-03-02", "end": "2026-04-01"}
    assert st["previous_balance"] == "238.00" and st["amount_due"] == "238.00" and st["new_charges"] == "0.00"
    assert st["lines"] == [{"date": "2026-03-02", "description": "90837 psychotherapy, 60 min", "charge": "180.00",
                            "insurance_paid": "0.00", "adjustments": "0.00", "your_part": None, "estimate": "24.00",
                            "note": "insurance pending"}]
    assert st["aging"]["61-90"] == "238.00"
    text = pdf_text(tmp_path / "b.pdf")
    assert "pending" in text and "est. $24.00" in text and "not included in the amount due" in text


def test_self_pay_statement_with_write_off(scenario, tmp_path):
    data = json.loads(scenario.ok(f"statement render fay --date 2026-05-01 --from 2026-03-01 -o {tmp_path / 'f.pdf'} --json").stdout)
    [st] = data["statements"]
    assert [(ln["date"], ln["your_part"], ln["note"]) for ln in st["lines"]] == [
        ("2026-03-03", "180.00", "self-pay"), ("2026-03-10", "180.00", "self-pay"), ("2026-04-07", "180.00", "self-pay")]
    assert [(p["description"], p["amount"]) for p in st["payments"]] == [
        ("Payment - card - thank you", "170.00"), ("Payment - card - thank you", "180.00"),
        ("Adjustment - small balance", "10.00")]
    assert st["amount_due"] == "180.00" and st["aging"]["0-30"] == "180.00"


def test_credit_balance(scenario, tmp_path):
    data = json.loads(scenario.ok(f"statement render cole --date 2026-05-01 -o {tmp_path / 'c.pdf'} --json").stdout)
    [st] = data["statements"]
    assert st["balance"] == "-25.00" and st["amount_due"] == "0.00"
    text = pdf_text(tmp_path / "c.pdf")
    assert "Credit on your account: $25.00" in text


def test_all_with_balance(scenario, tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    out = scenario.ok(f"statement render --all-with-balance --date 2026-05-01 --dir {folder}").stdout
    assert sorted(p.name for p in folder.iterdir()) == ["statement-dana-2026-05-01.pdf", "statement-fay-2026-05-01.pdf"]
    assert "dana owes $238.00" in out and "fay owes $180.00" in out
    assert [(c, a) for c, _, a, _ in statements(scenario.home)] == [("dana", 23800), ("fay", 18000)]
    one = tmp_path / "all.pdf"
    scenario.ok(f"statement render --all-with-balance --date 2026-05-01 -o {one}")
    reader = PdfReader(str(one))
    assert len(reader.pages) == 2
    assert "Account dana" in reader.pages[0].extract_text() and "Account fay" in reader.pages[1].extract_text()


def test_nothing_recorded_unless_the_pdf_was_written(scenario, tmp_path, monkeypatch):
    line = scenario.fails(f"statement render dana --date 2026-05-01 -o {tmp_path / 'missing' / 'd.pdf'}")
    assert "does not exist" in line
    import claimkit.forms.statement as render

    def broken(statements):
        raise RuntimeError("disk full")

    monkeypatch.setattr(render, "render_statements", broken)
    result = scenario(f"statement render dana --date 2026-05-01 -o {tmp_path / 'd.pdf'}")
    assert result.exit_code != 0 and "disk full" in result.stderr
    assert statements(scenario.home) == []
    assert not (tmp_path / "d.pdf").exists()


def test_statement_usage_errors(scenario, tmp_path):
    assert "give a CLIENT or --all-with-balance" in scenario.fails("statement render")
    assert "give a CLIENT or --all-with-balance" in scenario.fails("statement render dana --all-with-balance")
    assert "not both" in scenario.fails(f"statement render dana -o {tmp_path / 'a.pdf'} --dir {tmp_path}")
    assert "ending in .pdf" in scenario.fails(f"statement render dana -o {tmp_path / 'a.txt'}")
    assert "no client 'zed'" in scenario.fails(f"statement render zed -o {tmp_path / 'a.pdf'}")
