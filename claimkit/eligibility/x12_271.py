"""A writer of 271 answers (005010X279A1) the way payers send them: for the demo, the tests and the benchmark.

claimkit never sends a 271; this makes realistic answers to the 270s it wrote (the trace echoed as TRN*2), with
the benefit lines given as EB element lists (`eb("C", "IND", "MH", period="29", amount="350")`). Pure: text out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from claimkit.eligibility.x12_270 import VERSION, Inquiry, Person, Provider
from claimkit.claims.x12_837p import code, seg, text, ymd


def eb(benefit: str, level: str = "", types: str | tuple[str, ...] = "", insurance: str = "", plan: str = "",
       period: str = "", amount: str = "", percent: str = "", qty_qualifier: str = "", qty: str = "", auth: str = "",
       network: str = "") -> str:
    """One EB segment; several service types are joined with the repetition separator '^'."""
    joined = "^".join(types) if isinstance(types, tuple) else types
    return seg("EB", benefit, level, joined, insurance, text(plan, 50) if plan else "", period, amount, percent,
               qty_qualifier, qty, auth, network)


def contact(entity: str, name: str, ident: str = "", phone: str = "", qualifier: str = "PI") -> list[str]:
    """The LS/NM1/PER/LE loop after an EB*U or EB*R: who to contact or bill."""
    out = ["LS*2120", seg("NM1", entity, "2", text(name, 60), "", "", "", "", qualifier if ident else "", ident)]
    if phone:
        out.append(seg("PER", "IC", "", "TE", phone))
    return out + ["LE*2120"]


@dataclass(frozen=True)
class Reply:
    inquiry: Inquiry  # what it answers (trace, payer, member, subscriber and dependent)
    lines: tuple[str, ...] = ()  # EB (and LS/NM1/PER/LE, MSG, DTP) segments, in order
    plan_begin: date | None = None  # DTP*346
    plan_end: date | None = None  # DTP*347
    group: str = ""  # REF*6P
    rejection: str = ""  # AAA03 at the member level (then no EB lines)
    echo_trace: bool = True


def _member(entity: str, person: Person, member_id: str = "") -> list[str]:
    out = [seg("NM1", entity, "1", text(person.last, 60), text(person.first, 35), text(person.middle, 25), "", "",
               "MI" if member_id else "", code(member_id, 80))]
    if person.dob:
        out.append(seg("DMG", "D8", ymd(person.dob), person.sex if person.sex in ("M", "F") else ""))
    return out


def write_271(replies: list[Reply], provider: Provider, *, when: datetime, control: int = 1,
              sender: str = "PAYERSEND", receiver: str = "CLAIMKIT") -> str:
    """One interchange, one ST, per payer an HL 20 with its provider HL 21, per reply an HL 22 (and 23)."""
    body = [seg("BHT", "0022", "11", f"{control:09d}", ymd(when), when.strftime("%H%M"))]
    hl = 0
    by_payer: dict[tuple[str, str], list[Reply]] = {}
    for r in replies:
        by_payer.setdefault((r.inquiry.payer_id, r.inquiry.payer_name), []).append(r)
    for (payer_id, payer_name), group in by_payer.items():
        hl += 1
        source = hl
        body += [seg("HL", str(source), "", "20", "1"), seg("NM1", "PR", "2", text(payer_name, 60), "", "", "", "", "PI",
                                                            code(payer_id, 80))]
        hl += 1
        recv = hl
        body += [seg("HL", str(recv), str(source), "21", "1"),
                 seg("NM1", "1P", "2", text(provider.name or provider.last, 60), "", "", "", "", "XX", provider.npi)]
        for r in group:
            inq = r.inquiry
            hl += 1
            sub = hl
            dep = inq.dependent
            body.append(seg("HL", str(sub), str(recv), "22", "1" if dep else "0"))
            member_lines: list[str] = []
            if r.echo_trace and inq.trace:
                member_lines.append(seg("TRN", "2", inq.trace, "9CLAIMKIT0"))
            if dep is None:
                body += member_lines
                member_lines = []
            body += _member("IL", inq.subscriber, inq.member_id)
            if dep is not None:
                hl += 1
                body += [seg("HL", str(hl), str(sub), "23", "0"), *member_lines, *_member("03", dep)]
            if r.group:
                body.append(seg("REF", "6P", code(r.group, 50)))
            if r.rejection:
                body.append(seg("AAA", "N", "", r.rejection, "C"))
                continue
            if r.plan_begin and r.plan_end:
                body.append(seg("DTP", "346", "D8", ymd(r.plan_begin)))
                body.append(seg("DTP", "347", "D8", ymd(r.plan_end)))
            elif r.plan_begin:
                body.append(seg("DTP", "346", "D8", ymd(r.plan_begin)))
            body += list(r.lines)
    st = [seg("ST", "271", "0001", VERSION), *body]
    st.append(seg("SE", str(len(st) + 1), "0001"))
    ctl = f"{control:09d}"
    isa = (f"ISA*00*{'':10}*00*{'':10}*ZZ*{code(sender, 15):<15}*ZZ*{code(receiver, 15):<15}*{when.strftime('%y%m%d')}*"
           f"{when.strftime('%H%M')}*^*00501*{ctl}*0*P*:")
    gs = seg("GS", "HB", code(sender, 15), code(receiver, 15), ymd(when), when.strftime("%H%M"), str(control), "X", VERSION)
    return "~\n".join([isa, gs, *st, f"GE*1*{control}", f"IEA*1*{ctl}"]) + "~\n"


def answers_for_270(data: bytes | str) -> list[Inquiry]:
    """The inquiries of a 270 file (as claimkit writes them), to answer them: trace, payer, member, people, date, type."""
    from claimkit.x12.segments import SegmentReader

    out: list[Inquiry] = []
    payer = ("", "")
    cur: dict | None = None

    def person(els) -> Person:
        return Person(els[3] if len(els) > 3 else "", els[4] if len(els) > 4 else "", els[5] if len(els) > 5 else "")

    def flush():
        if cur and cur.get("type"):
            out.append(Inquiry(cur.get("trace", ""), payer[0], payer[1], cur.get("member", ""), cur["sub"],
                               cur.get("date") or date.today(), cur["type"], cur.get("dep")))

    level = ""
    for _, sid, els in SegmentReader(data):
        if sid == "HL":
            level = els[3]
            if level in ("20", "22"):
                flush()
                cur = {} if level == "22" else None
        elif sid == "NM1" and level == "20":
            payer = (els[3], els[9] if len(els) > 9 else "")
        elif sid == "NM1" and cur is not None and els[1] == "IL":
            cur["sub"], cur["member"] = person(els), els[9] if len(els) > 9 else ""
        elif sid == "NM1" and cur is not None and els[1] == "03":
            cur["dep"] = person(els)
        elif sid == "DMG" and cur is not None:
            who = "dep" if "dep" in cur else "sub"
            p = cur[who]
            d = els[2]
            cur[who] = Person(p.last, p.first, p.middle, date(int(d[:4]), int(d[4:6]), int(d[6:8])),
                              els[3] if len(els) > 3 else "")
        elif sid == "TRN" and cur is not None:
            cur["trace"] = els[2]
        elif sid == "DTP" and cur is not None and els[1] == "291":
            d = els[3]
            cur["date"] = date(int(d[:4]), int(d[4:6]), int(d[6:8]))
        elif sid == "EQ" and cur is not None:
            cur["type"] = els[1]
        elif sid == "SE":
            flush()
            cur = None
    return out
