"""Test writers of what a clearinghouse sends back (999, 277CA, TA1) for claimkit's own exports."""

from __future__ import annotations

from datetime import date


def _isa(control: int, component: str = ":") -> str:
    return (f"ISA*00*          *00*          *ZZ*TESTCH         *ZZ*TESTWELL1      *261201*1200*^*00501*{control:09d}*0*P*"
            f"{component}")


def write_999(gs06: str, transactions: list[tuple[str, str, list[tuple[str, int, str, str, list[tuple[int, str, str]]]]]],
              *, control: int = 900, group_status: str | None = None) -> str:
    """transactions: (ST02, IK5 status, [(IK301 id, IK302 position, IK303 loop, IK304 code, [(IK401, IK403, IK404)])])."""
    body = [f"ST*999*0001*005010X231A1", f"AK1*HC*{gs06}*005010X222A1"]
    accepted = 0
    for st02, status, errors in transactions:
        body.append(f"AK2*837*{st02}*005010X222A1")
        for sid, pos, loop, code, elements in errors:
            body.append(f"IK3*{sid}*{pos}*{loop}*{code}")
            for epos, ecode, value in elements:
                body.append(f"IK4*{epos}**{ecode}*{value}")
        body.append(f"IK5*{status}" + ("*5" if status == "R" else ""))
        accepted += status in ("A", "E")
    n = len(transactions)
    status = group_status or ("A" if accepted == n else "R" if accepted == 0 else "P")
    body.append(f"AK9*{status}*{n}*{n}*{accepted}")
    body.append(f"SE*{len(body) + 1}*0001")
    segs = [_isa(control), f"GS*FA*TESTCH*TESTWELL1*20261201*1200*{control}*X*005010X231A1", *body, f"GE*1*{control}",
            f"IEA*1*{control:09d}"]
    return "~\n".join(segs) + "~\n"


def write_277ca(claims: list[tuple[str, str, str, str, date]], *, control: int = 700, source: str = "AY",
                component: str = ":") -> str:
    """claims: (CLM01, STC01 composite with ':' between parts, total charge, member id, service date)."""
    body = ["ST*277*0001*005010X214", f"BHT*0085*08*{control}*20261201*1200*TH", "HL*1**20*1",
            f"NM1*{source}*2*TEST CLEARINGHOUSE*****46*TESTCH", "TRN*1*1", "DTP*050*D8*20261201", "DTP*009*D8*20261201",
            "HL*2*1*21*1", "NM1*41*2*TESTWELL COUNSELING*****46*TESTWELL1", "TRN*2*1",
            "STC*A1:20*20261201*WQ*0", "HL*3*2*19*1", "NM1*85*2*TESTWELL COUNSELING*****XX*1234567893"]
    hl = 3
    for claim, stc, charge, member, day in claims:
        hl += 1
        body += [f"HL*{hl}*3*PT", f"NM1*QC*1*TESTCASE*PAT****MI*{member}", f"TRN*2*{claim}",
                 f"STC*{stc.replace(':', component)}*20261202*{'U' if stc.startswith(('A3', 'A6', 'A7', 'A8')) else 'WQ'}*{charge}",
                 f"REF*1K*PCN{claim}", f"DTP*472*D8*{day.strftime('%Y%m%d')}"]
    body.append(f"SE*{len(body) + 1}*0001")
    segs = [_isa(control, component), f"GS*HN*TESTCH*TESTWELL1*20261202*1200*{control}*X*005010X214", *body,
            f"GE*1*{control}", f"IEA*1*{control:09d}"]
    return "~".join(segs) + "~"


def write_ta1(isa13: str, status: str, note: str, *, control: int = 800) -> str:
    return "~\n".join([_isa(control), f"TA1*{isa13}*261201*1200*{status}*{note}", f"IEA*0*{control:09d}"]) + "~\n"
