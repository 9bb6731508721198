"""Remittances: what payers said (ERAs, paper EOBs), matched to claims and posted to the ledger."""
