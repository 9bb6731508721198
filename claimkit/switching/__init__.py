"""Imports from other billing tools (issue 23): clients, past sessions, balances and 837P history, one row table each."""
