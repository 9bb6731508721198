"""Eligibility: 270 inquiries written, 271 answers read into dated benefits snapshots per client policy.

Modules: x12_270 (the writer, pure), read_271 (the reader, pure, over claimkit.x12.segments), x12_271 (a writer of
synthetic answers for the demo, tests and benchmark), benefits (a 271 answer summarised as a snapshot), store (the
ledger's rows), request (the `eligibility request` service), importer (`eligibility import` and the `x12 import`
door), policy (what a snapshot means for a policy: the estimate's basis, `client benefits --apply`).
"""

from __future__ import annotations


def import_file(ws, name: str, data: bytes, *, dry_run: bool = False):
    """The entry for `claimkit x12 import`'s dispatch table: one 271 file's bytes. See importer.import_file."""
    from claimkit.eligibility.importer import import_file as _import

    return _import(ws, name, data, dry_run=dry_run)


__all__ = ["import_file"]
