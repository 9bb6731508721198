"""core/codes.py is the one vocabulary: the tables agree with each other and the SQL is built from them."""

from __future__ import annotations

import pytest

from claimkit.core import codes


def test_pr_reason_tables_are_one_table_both_ways():
    assert codes.PR_REASON_BY_CARC == {"1": "deductible", "2": "coinsurance", "3": "copay"}
    for carc, word in codes.PR_REASON_BY_CARC.items():
        assert codes.CARC_BY_PR_REASON[word] == carc
    assert codes.CARC_BY_PR_REASON["noncovered"] == codes.CARC_BY_PR_REASON["non-covered"] == "96"


def test_the_denied_line_rule():
    assert codes.is_denied_line(0, 0, 18000, "paid", ["CO-50"])  # nothing paid or owed, a denial reason
    assert codes.is_denied_line(0, 0, 18000, "denied", ["CO-45"])  # posting marked the claim denied
    assert not codes.is_denied_line(0, 0, 18000, "paid", ["CO-45", "OA-23"])  # routine only: settled, not denied
    assert not codes.is_denied_line(9500, 0, 6000, "partial", ["CO-45"])  # paid something
    assert not codes.is_denied_line(0, 2500, 15500, "paid", ["CO-50"])  # the client owes part of it
    assert not codes.is_denied_line(0, 0, 0, "denied", [])  # adjusted nothing


def test_sql_is_built_from_the_constants():
    from claimkit.reports import common

    assert codes.sql_list(codes.SUPERSEDED) == "'replaced', 'voided'"
    assert f"reason NOT IN ({codes.sql_list(codes.ROUTINE_ADJUSTMENTS)})" in common.DENIAL_CLAIMS_SQL
    assert "status IN ('denied', 'partial')" in common.CANDIDATES_SQL
    assert "status IN ('denied', 'partial')" in common.held_ctes(None)
    with pytest.raises(ValueError):
        codes.sql_list(["it's"])


def test_the_835_reader_and_the_claims_use_the_same_groups_and_statuses():
    from claimkit.remittance.era835_records import CAS_GROUPS_5010

    assert CAS_GROUPS_5010 == frozenset(codes.CAS_GROUPS)
    assert set(codes.SUPERSEDED) <= set(codes.CLAIM_STATUSES) and set(codes.DENIAL_STATUSES) <= set(codes.CLAIM_STATUSES)


def test_no_module_spells_a_claim_status_or_clp02_code_in_sql_itself():
    """Statuses and CLP02 codes in SQL come from core/codes.py (sql_list or parameters), never written out again."""
    import re
    from pathlib import Path

    root = Path(codes.__file__).parents[1]
    words = "|".join(codes.CLAIM_STATUSES)
    spelled = re.compile(rf"status(_code)?\s*(=|!=|(NOT\s+)?IN\s*\()\s*'({words}|\d+)'")
    other_tables = re.compile(r"sessions SET status|a\.status|CHECK \(status")  # session and appeal statuses
    found = [f"{p.relative_to(root)}:{n}" for p in sorted(root.rglob("*.py")) if p.name != "codes.py" or p.parent.name != "core"
             for n, line in enumerate(p.read_text().splitlines(), 1) if spelled.search(line) and not other_tables.search(line)]
    assert found == []
