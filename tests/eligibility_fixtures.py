"""Helpers for the eligibility tests: a structural check of the 270s claimkit writes, and pyx12 when it can."""

from __future__ import annotations

from pathlib import Path

from claimkit.x12.segments import SegmentReader


def x279_map_available() -> bool:
    """pyx12 4.0.0 (the newest on PyPI) ships no 005010X279A1 map: maps.xml has the 270/271 5010 entries commented
    out. When a pyx12 with the map is installed, the tests validate every 270 with it."""
    try:
        import pyx12
    except ImportError:
        return False
    return (Path(pyx12.__file__).parent / "map" / "270.5010.X279.A1.xml").exists()


def check_270(text: str) -> list[str]:
    """The X279A1 rules a 270 must meet that claimkit can get wrong: envelope counts and control numbers, the HL
    tree (20 > 21 > 22 > 23, parents, child flags), each subscriber with NM1*IL*1 and MI, a TRN*1 with a 10-character
    originator on the patient's level, DTP*291 D8 and one EQ per inquiry, SE counting ST..SE."""
    problems = []
    segs = [(n, sid, els) for n, sid, els in SegmentReader(text)]
    ids = [s[1] for s in segs]
    if ids[:3] != ["ISA", "GS", "ST"] or ids[-3:] != ["SE", "GE", "IEA"]:
        problems.append(f"envelope order {ids[:3]} ... {ids[-3:]}")
    isa = segs[0][2]
    if len("*".join(isa)) + 1 != 106:
        problems.append("ISA is not 106 characters")
    gs, st = segs[1][2], segs[2][2]
    if gs[1] != "HS" or gs[8] != "005010X279A1" or st[1] != "270" or st[3] != "005010X279A1":
        problems.append("GS01/GS08/ST01/ST03")
    se = segs[-3][2]
    if int(se[1]) != len(segs) - 4 or se[2] != st[2]:
        problems.append(f"SE {se[1]} vs {len(segs) - 4}")
    if segs[-2][2][2] != gs[6] or segs[-1][2][2] != isa[13]:
        problems.append("GE02/IEA02 control numbers")
    hls: dict[str, tuple[str, str, str]] = {}
    level = ""
    inquiries = 0
    trn_levels = []
    for i, (n, sid, els) in enumerate(segs):
        if sid == "HL":
            hid, parent, code, child = els[1], els[2], els[3], els[4]
            want = {"20": "", "21": "20", "22": "21", "23": "22"}[code]
            if want and hls.get(parent, ("", "", ""))[1] != want:
                problems.append(f"segment {n}: HL {hid} level {code} under {parent}")
            has_child = i + 1 < len(segs) and any(s[1] == "HL" and s[2][2] == hid for s in segs[i + 1:])
            if (child == "1") != has_child:
                problems.append(f"segment {n}: HL04 {child} but children {has_child}")
            hls[hid] = (parent, code, child)
            level = code
        elif sid == "TRN":
            if els[1] != "1" or len(els[3]) != 10 or not els[3].isdigit():
                problems.append(f"segment {n}: TRN {els}")
            trn_levels.append(level)
        elif sid == "NM1" and level == "22" and (els[1] != "IL" or els[2] != "1" or els[8] != "MI" or not els[9]):
            problems.append(f"segment {n}: subscriber NM1 {els}")
        elif sid == "DTP" and (els[1] != "291" or els[2] != "D8" or len(els[3]) != 8):
            problems.append(f"segment {n}: DTP {els}")
        elif sid == "EQ":
            inquiries += 1
            if level not in ("22", "23") or hls[[k for k in hls][-1]][2] != "0":
                problems.append(f"segment {n}: EQ not on the patient's level")
    if trn_levels.count("22") + trn_levels.count("23") != inquiries:
        problems.append("one TRN per inquiry")
    return problems


def pyx12_errors(path: Path) -> list:
    from claimkit.claims.validate_837p import with_pyx12

    return with_pyx12(path) or []
