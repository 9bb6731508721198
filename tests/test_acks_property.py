"""Mutated acknowledgements never crash the readers and are never half applied: a mutated file is either refused
(nothing of it in the ledger, no fingerprint) or applied whole (its fingerprint recorded with its events)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ack_writers import write_277ca, write_999
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimkit.acks.ack999 import read_999
from claimkit.acks.inbox import detect, import_one, is_refused
from claimkit.x12.envelope import read_transactions as read
from claimkit.acks.status277 import read_277
from claimkit.acks.ta1 import read_ta1

DATA = Path(__file__).parent / "data" / "x12"
SAMPLES = [p.read_bytes() for p in sorted(DATA.glob("999_*")) + sorted(DATA.glob("277*"))]


def mutate(data: bytes, draw) -> bytes:
    segs = data.split(b"~")
    op = draw(st.sampled_from(["flip", "cut", "drop", "dup", "swap", "sep", "junk"]))
    if op == "flip":
        i = draw(st.integers(0, len(data) - 1))
        return data[:i] + bytes([draw(st.integers(0, 255))]) + data[i + 1:]
    if op == "cut":
        return data[: draw(st.integers(0, len(data)))]
    if op == "drop" and len(segs) > 2:
        i = draw(st.integers(0, len(segs) - 1))
        return b"~".join(segs[:i] + segs[i + 1:])
    if op == "dup":
        i = draw(st.integers(0, len(segs) - 1))
        return b"~".join(segs[:i + 1] + segs[i:])
    if op == "swap" and len(segs) > 3:
        i = draw(st.integers(0, len(segs) - 2))
        segs[i], segs[i + 1] = segs[i + 1], segs[i]
        return b"~".join(segs)
    if op == "sep":
        a, b = draw(st.sampled_from([(b"*", b"|"), (b":", b"^"), (b"~", b"\n"), (b"|", b":"), (b"~", b"")]))
        return data.replace(a, b)
    return data + draw(st.binary(max_size=40))


def read_all(data: bytes) -> None:
    detect(data)
    env = read(data)
    read_ta1(env.loose)
    for t in env.transactions:
        read_999(t)
        read_277(t, "277CA")


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_readers_never_crash_on_mutated_samples(data):
    base = data.draw(st.sampled_from(SAMPLES))
    for _ in range(data.draw(st.integers(1, 3))):
        base = mutate(base, data.draw) if base else base
    read_all(base)


def _counts(home: Path) -> tuple:
    conn = sqlite3.connect(home / "ledger.db")
    try:
        return tuple(conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                     for t in ("imports", "claim_events", "x12_unmatched")) + (
            tuple(conn.execute("SELECT id, status, payer_claim_number FROM claims ORDER BY id").fetchall()),)
    finally:
        conn.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_replies_are_applied_whole_or_not_at_all(sent_once, tmp_path_factory, data):
    cli, home = sent_once
    from claimkit.store.workspace import Workspace

    base = data.draw(st.sampled_from([
        write_999("1", [("0001", "R", [("NM1", 9, "2010BA", "8", [(9, "7", "X")])])]).encode(),
        write_277ca([("CK00001", "A7:562:85", "180", "MJ1", __import__("datetime").date(2026, 11, 1)),
                     ("CK00002", "A2:20", "180", "MK1", __import__("datetime").date(2026, 11, 1))]).encode()]))
    mutated = mutate(base, data.draw)
    f = tmp_path_factory.mktemp("m") / "reply.txt"
    f.write_bytes(mutated)
    before = _counts(home)
    ws = Workspace.open(home)
    try:
        r = import_one(ws, f, dry_run=False)
    finally:
        ws.close()
    after = _counts(home)
    if is_refused(r) or getattr(r, "already", ""):
        assert after == before
    else:
        assert after[0] == before[0] + 1  # its fingerprint, in the same transaction as what it changed
        events = after[1] - before[1]
        assert events == len(r.outcomes)
        assert after[2] - before[2] == len(r.unmatched)
