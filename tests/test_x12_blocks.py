"""The X12 tokenizer decodes a file held as bytes a block at a time (so a large ERA is not held twice, as bytes and
as text): the segments, their numbers, the notices and the separators are those of the whole text decoded at once,
whatever the block size, across line breaks, byte order marks, padding, Latin-1 and UTF-8 bytes and a later
interchange with other separators. The samples are those of tests/data/x12 (sources in SOURCES.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

import claimkit.x12.segments as segments
from claimkit.x12.segments import SegmentReader, decode

DATA = Path(__file__).parent / "data" / "x12"
SAMPLE = (DATA / "835_x12ig_multiple_claims_single_check.edi").read_bytes()
BOM = (DATA / "835_bh_county_board_reversals_denials_plb_bom.txt").read_bytes()
OTHER = SAMPLE.replace(b"*", b"|").replace(b"~", b"'")  # the same interchange with other separators

INPUTS = {
    "sample": SAMPLE,
    "three interchanges": SAMPLE * 3,
    "a line after each terminator": SAMPLE.replace(b"~", b"~\r\n"),
    "NUL padding": SAMPLE + b"\x00" * 40 + b"\n",
    "byte order marks": BOM + BOM,
    "utf-8 name": SAMPLE.replace(b"NM1*QC*1*", "NM1*QC*1*MÜLLER".encode()),
    "latin-1 name": SAMPLE.replace(b"NM1*QC*1*", "NM1*QC*1*MÜLLER".encode("latin-1")),
    "other separators later": SAMPLE + OTHER + SAMPLE,
    "newline terminators": SAMPLE.replace(b"~", b"\n") * 2,
}


def read(data) -> tuple:
    r = SegmentReader(data)
    return list(r), r.notices, r.separators, r.ok


@pytest.mark.parametrize("name", sorted(INPUTS))
@pytest.mark.parametrize("block", [5, 300, 1 << 20])
def test_blocks_read_as_the_whole_text(name, block, monkeypatch):
    data = INPUTS[name]
    text, _ = decode(data)
    monkeypatch.setattr(segments, "_CHUNK", block)
    monkeypatch.setattr(segments, "_HEAD_BYTES", 4096)  # smaller than the files: the blocks are read
    got, want = read(data), read(text)
    assert got[0] == want[0] and len(got[0]) > 30
    assert got[2:] == want[2:]
    # the bytes say what the text cannot: that they were not UTF-8
    assert [n for n in got[1] if n.code != "encoding"] == want[1]
    assert any(n.code == "encoding" for n in got[1]) == (name == "latin-1 name")


def test_latin1_and_utf8_names_are_read_as_written(monkeypatch):
    monkeypatch.setattr(segments, "_CHUNK", 64)
    monkeypatch.setattr(segments, "_HEAD_BYTES", 4096)
    for name in ("utf-8 name", "latin-1 name"):
        names = [els[3] for _, sid, els in SegmentReader(INPUTS[name]) if sid == "NM1" and els[1] == "QC"]
        assert names and all(n.startswith("MÜLLER") for n in names)
    reader = SegmentReader(INPUTS["other separators later"])
    ids = [sid for _, sid, _ in reader]
    isa = [k + 1 for k, sid in enumerate(ids) if sid == "ISA"]  # segment numbers of the three interchanges
    assert len(isa) == 3 and ids.count("CLP") == 3 * [sid for _, sid, _ in SegmentReader(SAMPLE)].count("CLP")
    assert [n.segment for n in reader.notices if n.code == "separators-changed"] == isa[1:]


def test_bytearray_and_memoryview_read_as_bytes(monkeypatch):
    monkeypatch.setattr(segments, "_CHUNK", 300)
    monkeypatch.setattr(segments, "_HEAD_BYTES", 4096)
    data = INPUTS["three interchanges"]
    assert read(bytearray(data)) == read(memoryview(data)) == read(data)
