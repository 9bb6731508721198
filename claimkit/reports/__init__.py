"""Reports over the ledger's postings: balances (as of a day), aging, deductible used, the payer scorecard, the
to-do list and patient statements. SQL over integer cents, returning plain dataclasses; nothing is stored but
the statements sent (money entered by hand, payments and write-offs, is sessions/accounts.py).

    balances.py   report balances          aging.py     report aging
    deductible.py report deductible        payers.py    report payers
    todo.py       claimkit todo            statements.py statement figures, recording them as sent
    common.py     the shared SQL (what insurance still owes, denials) and aging buckets

The names below load their module on first use, so a command pays only for the report it runs.
"""

from __future__ import annotations

import importlib

_WHERE = {
    "Aging": "aging", "aging": "aging",
    "Balances": "balances", "BalanceRow": "balances", "balances": "balances",
    "DeductibleReport": "deductible", "deductible": "deductible",
    "PayerReport": "payers", "payers_report": "payers",
    "Statement": "statements", "build_statement": "statements", "clients_with_balance": "statements",
    "issue_statements": "statements",
    "TodoItem": "todo", "todo": "todo",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(name)
    return getattr(importlib.import_module(f"claimkit.reports.{module}"), name)
