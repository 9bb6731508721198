"""The fast ways the 835 reader builds its records give the same objects as the classes' own constructors, and
the tokenizer's runs of segments (SegmentReader.batches) hold exactly what iterating it yields."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

import pytest

from claimkit.remittance import era835_state
from claimkit.remittance.era835 import parse_835
from claimkit.remittance.era835_records import Adjustment, Amount, Ref, ServiceLine
from claimkit.x12.segments import SegmentReader

DATA = Path(__file__).parent / "data" / "x12"


def test_fast_record_builders_equal_the_constructors():
    pairs = [
        (era835_state._adjustment("CO", "45", Decimal("12.50"), None, 7), Adjustment("CO", "45", Decimal("12.50"), None, 7)),
        (era835_state._adjustment("PR", "1", Decimal("-3"), Decimal(2), 9), Adjustment("PR", "1", Decimal("-3"), Decimal(2), 9)),
        (era835_state._ref("6R", "L1"), Ref("6R", "L1")),
        (era835_state._amount("B6", Decimal("140")), Amount("B6", Decimal("140"))),
    ]
    for fast, slow in pairs:
        assert type(fast) is type(slow)
        assert fast == slow and hash(fast) == hash(slow) and repr(fast) == repr(slow)
        assert dataclasses.asdict(fast) == dataclasses.asdict(slow)
        for f in dataclasses.fields(slow):
            with pytest.raises(dataclasses.FrozenInstanceError):
                setattr(fast, f.name, None)


def test_line_defaults_are_the_service_line_defaults():
    line = ServiceLine("", "", (), Decimal(0), Decimal(0))
    assert era835_state._LINE_DEFAULTS == vars(line)
    assert list(era835_state._LINE_DEFAULTS) == [f.name for f in dataclasses.fields(ServiceLine)]


def _numbered(runs) -> list[tuple[int, list[str]]]:
    """(segment number, elements) of each segment in the tokenizer's runs, whatever the runs' lengths."""
    return [(n + i, list(els)) for n, batch in runs for i, els in enumerate(batch, 1)]


def _one_at_a_time(data: bytes, monkeypatch) -> list[tuple[int, list[str]]]:
    """The segments as the one-at-a-time path reads them: with no id counted as plain, no block is taken whole."""
    from claimkit.x12 import segments

    with monkeypatch.context() as m:
        m.setattr(segments, "_PLAIN_IDS", frozenset())
        return _numbered(SegmentReader(data).batches())


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("835*")))
def test_batches_hold_what_iteration_yields(name, monkeypatch):
    data = (DATA / name).read_bytes()
    flat = [(n, els[0], els) for n, els in _one_at_a_time(data, monkeypatch)]
    assert flat == [(n, sid, list(els)) for n, sid, els in SegmentReader(data)]
    runs = []
    for n, batch in SegmentReader(data).batches():
        for els in batch:
            n += 1
            runs.append((n, els[0], list(els)))
    assert runs == flat and [n for n, _, _ in flat] == list(range(1, len(flat) + 1))


def test_blocks_after_a_second_interchange_with_other_separators(monkeypatch):
    # small blocks, so that plain runs, a later ISA with other separators and lines without terminators meet
    from claimkit.x12 import segments
    first = (DATA / "835_x12ig_tertiary_payment.edi").read_bytes()
    second = first.replace(b"*", b"|").replace(b"~", b"\n")
    data = first + b"\n" + second
    expected = parse_835(data)
    monkeypatch.setattr(segments, "_CHUNK", 64)
    small = parse_835(data)
    assert small == expected and len(small.transactions) == 2


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("835*")))
def test_shared_batches_hold_the_same_segments(name, monkeypatch):
    data = (DATA / name).read_bytes()
    plain = _one_at_a_time(data, monkeypatch)
    assert _numbered(SegmentReader(data).batches(shared=True)) == plain


@pytest.mark.parametrize("edit", [
    lambda d: d.replace(b"*ZZ*", b"*ZZ \n*", 1),  # a line break inside the ISA (the segment the file starts with)
    lambda d: d.replace(b"~", b"~\n\n  ", 7),  # blank lines and indentation between segments
    lambda d: d.replace(b"~", b"~ ~", 3),  # empty segments
    lambda d: d + d,  # a second interchange written the same as the first
    lambda d: d.replace(b"~N1*", b"~N1*PR\nN1*", 1),  # a terminator lost before a segment on its own line
])
def test_shared_batches_on_damaged_layouts(edit, monkeypatch):
    data = edit((DATA / "835_x12ig_tertiary_payment.edi").read_bytes())
    plain = _one_at_a_time(data, monkeypatch)
    assert _numbered(SegmentReader(data).batches(shared=True)) == plain
