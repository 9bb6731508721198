"""X12 271 eligibility answer (005010X279A1) reader: bytes in, typed answers out. Pure: no I/O, no ledger.

Built on the shared segment reader (claimkit.x12.segments) and envelope (claimkit.x12.envelope), so what it tolerates is what every claimkit reader
tolerates: no line breaks or one segment per line, other separators (read from the ISA), a byte order mark, several
interchanges and several ST transactions in one file. What it refuses, it names: not X12, not a 271 (ST01), a
transaction cut off (no SE, or an SE count that does not match), each as one `Problem` with its segment number.

One `Answer` per subscriber (HL 22) or dependent (HL 23) the payer answered about: who (name, member ID, DOB), the
trace numbers it echoes (TRN*2 = our TRN*1), the plan's dates, group and plan name, every EB benefit line with its
entities (LS/NM1/PER/LE: a carve-out's name and phone) and messages, and AAA rejections. Rejections above any member
(the payer refusing the provider or the whole inquiry: AAA in HL 20/21) are kept on the file as `rejections`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from claimkit.core.lightclass import lightclass
from claimkit.x12.elements import date8 as _date
from claimkit.x12.elements import decimal_or_none as _num
from claimkit.x12.envelope import Envelope

VERSION = "005010X279A1"


@lightclass(frozen=True)
class Problem:
    code: str  # not-x12 | not-271 | truncated | count | bad-value | warning codes of the segment reader
    message: str
    segment: int | None = None
    severity: str = "error"


@lightclass(frozen=True)
class Rejection:
    """AAA: the payer could not answer. `level`: source, receiver, subscriber, dependent (where it stood)."""

    level: str
    reason: str  # AAA03
    followup: str = ""  # AAA04
    segment: int | None = None


@lightclass(frozen=True)
class Entity:
    """An NM1 inside a benefit's LS/LE loop: who to contact or bill (a carve-out administrator, another payer)."""

    role: str  # NM101
    name: str
    id: str = ""
    phone: str = ""


@lightclass(frozen=True)
class Benefit:
    """One EB segment with what follows it (DTP, MSG, LS/NM1/PER/LE)."""

    code: str  # EB01
    level: str = ""  # EB02 IND / FAM / ...
    service_types: tuple[str, ...] = ()  # EB03 (repeating)
    insurance_type: str = ""  # EB04
    plan: str = ""  # EB05
    period: str = ""  # EB06
    amount: Decimal | None = None  # EB07
    percent: Decimal | None = None  # EB08 (0.2 = 20%)
    quantity_qualifier: str = ""  # EB09
    quantity: Decimal | None = None  # EB10
    auth: str = ""  # EB11 Y/N/U
    network: str = ""  # EB12 Y/N/W
    entities: tuple[Entity, ...] = ()
    messages: tuple[str, ...] = ()
    dates: tuple[tuple[str, date | None, date | None], ...] = ()
    segment: int = 0


@lightclass(frozen=True)
class Member:
    last: str = ""
    first: str = ""
    middle: str = ""
    member_id: str = ""
    dob: date | None = None
    sex: str = ""


@lightclass(frozen=True)
class Answer:
    transaction: str  # ST02
    segment: int  # the HL segment's number in the file
    level: str  # subscriber | dependent
    payer_name: str
    payer_id: str
    provider_npi: str
    response_date: date | None  # BHT04
    subscriber: Member
    dependent: Member | None = None
    traces: tuple[str, ...] = ()  # TRN*2 echoed (ours), at this level then the subscriber's
    group_number: str = ""
    group_name: str = ""
    plan_number: str = ""
    dates: tuple[tuple[str, date | None, date | None], ...] = ()  # DTP of the member loop: (qualifier, from, to)
    benefits: tuple[Benefit, ...] = ()
    rejections: tuple[Rejection, ...] = ()

    @property
    def patient(self) -> Member:
        return self.dependent or self.subscriber


@lightclass(frozen=True)
class File271:
    answers: tuple[Answer, ...] = ()
    rejections: tuple[tuple[str, str, Rejection], ...] = ()  # (payer name, provider NPI, rejection) above any member
    problems: tuple[Problem, ...] = ()
    transactions: int = 0
    segments: int = 0

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")


def _span(fmt: str, value: str) -> tuple[date | None, date | None]:
    if fmt == "RD8" and "-" in value:
        a, _, b = value.partition("-")
        return _date(a), _date(b)
    d = _date(value)
    return d, d


def _el(els: list[str], i: int) -> str:
    return els[i].strip() if len(els) > i else ""


class _Level:
    """The member (HL 22/23) being read, with its benefits."""

    def __init__(self, kind: str, n: int):
        self.kind, self.n = kind, n
        self.member = Member()
        self.traces: list[str] = []
        self.refs: dict[str, tuple[str, str]] = {}
        self.dates: list[tuple[str, date | None, date | None]] = []
        self.benefits: list[dict] = []
        self.rejections: list[Rejection] = []
        self.children = False


class _Reader:
    def __init__(self) -> None:
        self.answers: list[Answer] = []
        self.top: list[tuple[str, str, Rejection]] = []
        self.problems: list[Problem] = []
        self.transactions = 0

    def run(self, data: bytes | str) -> File271:
        from claimkit.x12.segments import SegmentReader

        reader = SegmentReader(data)
        for notice in reader.notices:
            if notice.severity == "error":
                code = "not-x12" if notice.code in ("not-x12", "bad-isa") else notice.code
                self.problems.append(Problem(code, notice.message, notice.segment))
        if not reader.ok:
            return File271(problems=tuple(self.problems))
        tx = None
        n = 0
        env = Envelope()
        for n, sid, els in reader:
            if sid == "ISA":
                env.open_isa(n, _el(els, 13))
                continue
            if sid == "GS":
                env.open_gs(n, _el(els, 6), _el(els, 8))
                continue
            if sid in ("GE", "IEA"):
                env.close(sid)
                continue
            if sid == "ST":
                env.open_st(n, _el(els, 2))
                if tx is not None:
                    self.problems.append(Problem("truncated", f"segment {n} (ST): the transaction before it has no SE: the"
                                                 " file was cut off or joined badly; ask the clearinghouse for a new copy", n))
                    self._end(tx)
                kind = _el(els, 1)
                if kind != "271":
                    self.problems.append(Problem("not-271", f"segment {n} (ST): transaction {kind or '?'} is not a 271"
                                                 " eligibility answer" + _hint(kind), n))
                    tx = None
                    continue
                version = _el(els, 3)
                if version and version != VERSION:
                    self.problems.append(Problem("version", f"segment {n} (ST): version {version}, read as {VERSION}", n,
                                                 "warning"))
                tx = {"control": _el(els, 2), "start": n, "payer": ("", ""), "npi": "", "date": None, "level": None,
                      "hl": "", "sub": None, "cur": None, "in_ls": False}
                self.transactions += 1
                continue
            if tx is None:
                continue
            if sid == "SE":
                count = _el(els, 1)
                expected = env.segments_in_st(n)
                env.close("SE")
                if not count.isdigit() or int(count) != expected:
                    self.problems.append(Problem("count", f"segment {n} (SE): says the transaction has {count or 'no'}"
                                                 f" segments, it has {expected}: the file is damaged or cut off; ask the"
                                                 " clearinghouse for a new copy", n))
                self._end(tx)
                tx = None
                continue
            self._segment(tx, n, sid, els, reader)
        if tx is not None:
            self.problems.append(Problem("truncated", f"the file ends inside a 271 transaction (no SE after segment {n}):"
                                         " it was cut off; download it again", n))
            self._end(tx)
        if tx is None and ("GS" in env.open_ids or "ISA" in env.open_ids) and self.transactions:
            self.problems.append(Problem("envelope", "the file ends without its " + " and ".join(
                {"GS": "GE", "ISA": "IEA"}[i] for i in reversed(env.open_ids) if i in ("GS", "ISA"))
                + " (the answers before it were read)", n, "warning"))
        if not self.transactions and not self.problems:
            self.problems.append(Problem("not-271", "the file holds no 271 eligibility answer (no ST*271)"))
        return File271(tuple(self.answers), tuple(self.top), tuple(self.problems), self.transactions, n)

    def _segment(self, tx: dict, n: int, sid: str, els: list[str], reader) -> None:
        cur: _Level | None = tx["cur"]
        if sid == "BHT":
            tx["date"] = _date(_el(els, 4))
        elif sid == "HL":
            code = _el(els, 3)
            tx["hl"] = code
            tx["in_ls"] = False
            if code == "22":
                self._flush(tx)
                tx["sub"] = tx["cur"] = _Level("subscriber", n)
                tx["sub"].children = _el(els, 4) == "1"
            elif code == "23":
                if cur is not None and cur.kind == "dependent":
                    self._flush(tx, keep_subscriber=True)
                tx["cur"] = _Level("dependent", n)
            else:
                self._flush(tx)
                tx["sub"] = tx["cur"] = None
        elif sid == "NM1":
            if tx["in_ls"] and cur is not None and cur.benefits:
                cur.benefits[-1]["entities"].append(
                    Entity(_el(els, 1), " ".join(p for p in (_el(els, 4), _el(els, 3)) if p) if _el(els, 2) == "1"
                           else _el(els, 3), _el(els, 9)))
            elif tx["hl"] == "20":
                tx["payer"] = (_el(els, 3), _el(els, 9))
            elif tx["hl"] == "21":
                tx["npi"] = _el(els, 9) if _el(els, 8) == "XX" else ""
            elif cur is not None:
                cur.member = Member(_el(els, 3), _el(els, 4), _el(els, 5), _el(els, 9), cur.member.dob, cur.member.sex)
        elif sid == "PER":
            if tx["in_ls"] and cur is not None and cur.benefits and cur.benefits[-1]["entities"]:
                phone = next((_el(els, i + 1) for i in (3, 5, 7) if _el(els, i) == "TE"), "")
                ents = cur.benefits[-1]["entities"]
                last = ents[-1]
                ents[-1] = Entity(last.role, last.name, last.id, phone or last.phone)
        elif sid == "TRN":
            if cur is not None and _el(els, 1) == "2" and _el(els, 2):
                cur.traces.append(_el(els, 2))
        elif sid == "REF":
            if cur is not None and not cur.benefits:
                cur.refs.setdefault(_el(els, 1), (_el(els, 2), _el(els, 3)))
        elif sid == "DMG":
            if cur is not None:
                m = cur.member
                cur.member = Member(m.last, m.first, m.middle, m.member_id, _date(_el(els, 2)), _el(els, 3))
        elif sid == "DTP":
            if cur is not None:
                d_from, d_to = _span(_el(els, 2), _el(els, 3))
                entry = (_el(els, 1), d_from, d_to)
                (cur.benefits[-1]["dates"] if cur.benefits else cur.dates).append(entry)
        elif sid == "AAA":
            rej = Rejection(cur.kind if cur is not None else ("source" if tx["hl"] == "20" else "receiver"), _el(els, 3),
                            _el(els, 4), n)
            if cur is not None:
                cur.rejections.append(rej)
            else:
                self.top.append((tx["payer"][0], tx["npi"], rej))
        elif sid == "EB":
            if cur is None:
                return
            tx["in_ls"] = False
            rep = reader.separators.repetition if reader.separators else None
            raw = _el(els, 3)
            types = tuple(t for t in (raw.split(rep) if rep else [raw]) if t)
            cur.benefits.append({
                "code": _el(els, 1), "level": _el(els, 2), "service_types": types, "insurance_type": _el(els, 4),
                "plan": _el(els, 5), "period": _el(els, 6), "amount": _num(_el(els, 7)), "percent": _num(_el(els, 8)),
                "quantity_qualifier": _el(els, 9), "quantity": _num(_el(els, 10)), "auth": _el(els, 11),
                "network": _el(els, 12), "entities": [], "messages": [], "dates": [], "segment": n})
        elif sid == "MSG":
            if cur is not None and cur.benefits:
                cur.benefits[-1]["messages"].append(_el(els, 1))
        elif sid == "LS":
            tx["in_ls"] = True
        elif sid == "LE":
            tx["in_ls"] = False

    def _flush(self, tx: dict, keep_subscriber: bool = False) -> None:
        """Turn the member being read into an Answer (a subscriber who only carries dependents gives none)."""
        cur: _Level | None = tx["cur"]
        sub: _Level | None = tx["sub"]
        if cur is None:
            return
        if cur.kind == "subscriber" and cur.children and not cur.benefits and not cur.rejections:
            return
        if cur.kind == "subscriber" and keep_subscriber:
            return
        refs = cur.refs if cur.kind == "subscriber" or sub is None else {**sub.refs, **cur.refs}
        group = refs.get("6P") or refs.get("1L") or ("", "")
        traces = list(cur.traces) + ([t for t in sub.traces if t not in cur.traces] if sub is not None and sub is not cur else [])
        self.answers.append(Answer(
            tx["control"], cur.n, cur.kind, tx["payer"][0], tx["payer"][1], tx["npi"], tx["date"],
            (sub.member if sub is not None else Member()), cur.member if cur.kind == "dependent" else None, tuple(traces),
            group[0], group[1], (refs.get("18") or ("", ""))[0],
            tuple(cur.dates) or (tuple(sub.dates) if sub is not None and cur.kind == "dependent" else ()),
            tuple(Benefit(**{**b, "entities": tuple(b["entities"]), "messages": tuple(b["messages"]),
                             "dates": tuple(b["dates"])}) for b in cur.benefits),
            tuple(cur.rejections)))
        tx["cur"] = sub if cur.kind == "dependent" else None
        if cur.kind == "dependent" and sub is not None:
            sub.children = True

    def _end(self, tx: dict) -> None:
        cur = tx["cur"]
        if cur is not None and cur.kind == "dependent":
            self._flush(tx)
        tx["cur"] = tx["sub"]
        self._flush(tx)


def _hint(kind: str) -> str:
    return {"835": ": import remittances with 'claimkit era import'", "270": ": this is an inquiry, not the payer's answer",
            "999": ": acknowledgements go through 'claimkit x12 import'", "277": ": claim status goes through 'claimkit x12 import'"
            }.get(kind, "")


def read_271(data: bytes | str) -> File271:
    """Every answer in the file, with the problems that keep parts of it from being read."""
    return _Reader().run(data)
