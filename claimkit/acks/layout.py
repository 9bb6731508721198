"""What an 837P export remembers so a 999 can point at one claim and one segment: for each transaction (ST02) the
key of every segment by its position from ST, and for each claim the positions of its CLM, of its first segment
(the subscriber HL, 2000B) and last, and of its billing provider's HL (2000A, shared by the claims under it).

A segment's key says what it holds: the id and its qualifier for NM1, REF, DTP, PRV, AMT and HL ('NM1*85',
'REF*EI', 'HL*22'), the id and the entity of the NM1 before it for N3, N4, DMG and PER ('N3@IL'), 'SBR@2320' for the
other payer's SBR inside a claim. `acks/codes.box(key)` names the CMS-1500 box it fills."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from claimkit.x12.segments import SegmentReader

_QUALIFIED = frozenset({"NM1", "REF", "DTP", "PRV", "AMT", "HL"})
_AFTER_NAME = frozenset({"N3", "N4", "DMG", "PER"})


@dataclass(frozen=True, slots=True)
class ClaimPlace:
    claim_id: str
    st02: str
    clm_pos: int
    first_pos: int
    last_pos: int
    provider_pos: int


@dataclass(frozen=True, slots=True)
class ExportLayout:
    isa13: str
    gs06: str
    transactions: tuple[tuple[str, tuple[str, ...]], ...]  # (ST02, segment keys; position p is keys[p - 1])
    claims: tuple[ClaimPlace, ...]


def layout_of(text: str) -> ExportLayout:
    """Read back the 837P we just wrote."""
    isa13 = gs06 = ""
    txs: list[tuple[str, tuple[str, ...]]] = []
    places: list[ClaimPlace] = []
    keys: list[str] = []
    st02 = ""
    entity = ""
    provider = 0
    open_claim: dict | None = None

    def close(last: int) -> None:
        nonlocal open_claim
        if open_claim is not None and open_claim["clm"]:
            places.append(ClaimPlace(open_claim["id"], st02, open_claim["clm"], open_claim["first"], last, open_claim["prov"]))
        open_claim = None

    for _, sid, els in SegmentReader(text):
        if sid == "ISA":
            isa13 = els[13].strip() if len(els) > 13 else ""
            continue
        if sid == "GS":
            gs06 = els[6].strip() if len(els) > 6 else ""
            continue
        if sid in ("GE", "IEA"):
            continue
        if sid == "ST":
            keys, st02, entity, provider = [], els[2] if len(els) > 2 else "", "", 0
        q = els[1] if len(els) > 1 else ""
        if sid == "HL":
            level = els[3] if len(els) > 3 else ""
            key = f"HL*{level}"
            pos = len(keys) + 1
            if level == "20":
                close(pos - 1)
                provider = pos
            elif level == "22":
                close(pos - 1)
                open_claim = {"id": "", "clm": 0, "first": pos, "prov": provider}
        elif sid == "NM1":
            entity = q
            key = f"NM1*{q}"
        elif sid in _QUALIFIED:
            key = f"{sid}*{q}"
        elif sid in _AFTER_NAME:
            key = f"{sid}@{entity}" if entity else sid
        elif sid == "SBR" and open_claim is not None and open_claim["clm"]:
            key = "SBR@2320"
        else:
            key = sid
        keys.append(key)
        if sid == "CLM" and open_claim is not None:
            open_claim["id"], open_claim["clm"] = q, len(keys)
        if sid == "SE":
            close(len(keys) - 1)
            txs.append((st02, tuple(keys)))
    return ExportLayout(isa13, gs06, tuple(txs), tuple(places))


def record_export(conn: sqlite3.Connection, file: str, usage: str, layout: ExportLayout, now: str) -> int:
    """The export's envelope, segment keys and claim positions, in the caller's transaction; returns its id."""
    cur = conn.execute("INSERT INTO x12_exports (file, isa13, gs06, usage, claims, created) VALUES (?,?,?,?,?,?)",
                       (file, layout.isa13, layout.gs06, usage, len(layout.claims), now))
    export_id = cur.lastrowid
    conn.executemany("INSERT INTO x12_export_transactions (export_id, st02, segments) VALUES (?,?,?)",
                     [(export_id, st02, ",".join(keys)) for st02, keys in layout.transactions])
    conn.executemany("INSERT INTO x12_export_claims (export_id, claim_id, st02, clm_pos, first_pos, last_pos, provider_pos)"
                     " VALUES (?,?,?,?,?,?,?)",
                     [(export_id, p.claim_id, p.st02, p.clm_pos, p.first_pos, p.last_pos, p.provider_pos)
                      for p in layout.claims])
    return export_id
