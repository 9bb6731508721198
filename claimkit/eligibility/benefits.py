"""A 271 answer summarised as what a therapist needs: the benefits snapshot kept per policy, dated, never overwritten.

`summarize(answer)` picks, from the EB lines, the mental-health figures (service types in `MH_PREFERENCE` order;
lines without a service type count as plan-wide), in network (EB12 Y) and out of network (N), with lines that say
neither (W or blank) standing for both: copay, coinsurance, deductible and out-of-pocket (plan-year total and
remaining, individual and family), visit limits, authorization required, a carve-out or other payer, coverage
status and dates, AAA rejections in plain words. A `Snapshot` is stored as JSON (`to_json`/`from_json`, no pydantic:
the estimate of `session add` reads it).
"""

from __future__ import annotations

import json
from dataclasses import field, fields
from datetime import date
from decimal import Decimal

from claimkit.core.lightclass import lightclass
from claimkit.eligibility.codes import MH_PREFERENCE

HUNDRED = Decimal(100)


@lightclass(frozen=True)
class Figures:
    """Cost sharing for one network status."""

    copay: Decimal | None = None
    coinsurance: Decimal | None = None  # percent the client pays (20 = 20%)
    deductible: Decimal | None = None  # individual, plan-year total
    deductible_left: Decimal | None = None
    family_deductible: Decimal | None = None
    family_deductible_left: Decimal | None = None
    oop_max: Decimal | None = None
    oop_left: Decimal | None = None
    family_oop_max: Decimal | None = None
    family_oop_left: Decimal | None = None
    visits: Decimal | None = None  # visit limit
    visits_left: Decimal | None = None
    visits_used: Decimal | None = None
    auth_required: bool | None = None

    def any(self) -> bool:
        return any(getattr(self, f.name) is not None for f in fields(self))


@lightclass(frozen=True)
class Contact:
    kind: str  # carve-out (EB*U) | other payer (EB*R)
    name: str
    id: str = ""
    phone: str = ""
    service_types: tuple[str, ...] = ()


@lightclass(frozen=True)
class Snapshot:
    """What one 271 said about one member, as of its date."""

    as_of: date | None
    status: str  # active | inactive | rejected | unknown
    payer_name: str = ""
    member_id: str = ""
    patient: str = ""  # as the payer spells it
    plan_name: str = ""
    group_number: str = ""
    coverage_from: date | None = None
    coverage_to: date | None = None
    plan_begin: date | None = None
    mh_covered: bool | None = None
    inactive_types: tuple[str, ...] = ()
    in_network: Figures = field(default_factory=Figures)
    out_of_network: Figures = field(default_factory=Figures)
    network_answer: str = ""  # in+out | in | out | "" (which EB12 values the mental-health lines carried)
    contacts: tuple[Contact, ...] = ()
    rejections: tuple[tuple[str, str, str], ...] = ()  # (code, what it means, what to do)
    messages: tuple[str, ...] = ()
    service_types: tuple[str, ...] = ()  # every service type the answer spoke of

    def active_on(self, day: date) -> bool | None:
        """True/False when the answer says so for this day, None when it cannot tell."""
        if self.status == "inactive":
            return False
        if self.status != "active":
            return None
        if self.coverage_from and day < self.coverage_from:
            return False
        if self.coverage_to and day > self.coverage_to:
            return False
        return True

    def to_data(self) -> dict:
        return _plain(self)

    def to_json(self) -> str:
        return json.dumps(self.to_data(), sort_keys=True)

    @classmethod
    def from_data(cls, d: dict) -> "Snapshot":
        def figs(x: dict | None) -> Figures:
            x = x or {}
            return Figures(**{f.name: (_dec(x.get(f.name)) if f.name != "auth_required" else x.get(f.name))
                              for f in fields(Figures)})

        return cls(
            as_of=_day(d.get("as_of")), status=d.get("status", "unknown"), payer_name=d.get("payer_name", ""),
            member_id=d.get("member_id", ""), patient=d.get("patient", ""), plan_name=d.get("plan_name", ""),
            group_number=d.get("group_number", ""), coverage_from=_day(d.get("coverage_from")),
            coverage_to=_day(d.get("coverage_to")), plan_begin=_day(d.get("plan_begin")), mh_covered=d.get("mh_covered"),
            inactive_types=tuple(d.get("inactive_types", ())), in_network=figs(d.get("in_network")),
            out_of_network=figs(d.get("out_of_network")), network_answer=d.get("network_answer", ""),
            contacts=tuple(Contact(c["kind"], c["name"], c.get("id", ""), c.get("phone", ""),
                                   tuple(c.get("service_types", ()))) for c in d.get("contacts", ())),
            rejections=tuple(tuple(r) for r in d.get("rejections", ())), messages=tuple(d.get("messages", ())),
            service_types=tuple(d.get("service_types", ())))

    @classmethod
    def from_json(cls, text: str) -> "Snapshot":
        return cls.from_data(json.loads(text))


_FIELDS: dict[type, tuple[str, ...]] = {}


def _plain(v):
    cls = v.__class__
    if cls in _FIELDS or cls in (Figures, Contact, Snapshot):
        names = _FIELDS.get(cls) or _FIELDS.setdefault(cls, tuple(f.name for f in fields(cls)))
        return {k: _plain(getattr(v, k)) for k in names}
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, Decimal):
        return format(v, "f")
    if isinstance(v, date):
        return v.isoformat()
    return v


def _dec(v) -> Decimal | None:
    return None if v is None else Decimal(str(v))


def _day(v) -> date | None:
    return date.fromisoformat(v) if v else None


# --- summarising an answer -----------------------------------------------------------------------------------

def _rank(types: tuple[str, ...]) -> int | None:
    """How well a line's service types speak for mental health (0 best); None when they don't at all."""
    if not types:
        return len(MH_PREFERENCE)  # plan-wide
    found = [MH_PREFERENCE.index(t) for t in types if t in MH_PREFERENCE]
    return min(found) if found else None


def _pick(lines: list, network: str):
    """The best line for a network: its own (Y or N) first, then lines that say neither; best service type first.
    `lines` holds (rank, position, benefit) of lines that speak for mental health."""
    best = None
    for r, i, b in lines:
        if b.network == network:
            if best is None or best[0] != 0 or (r, i) < best[1]:
                best = (0, (r, i), b)
        elif b.network not in ("Y", "N") and (best is None or (best[0] == 1 and (r, i) < best[1])):
            best = (1, (r, i), b)
    return best[2] if best else None


def percent(fraction: Decimal) -> Decimal:
    """EB08 (0.2) as the percent people say (20; 12.5)."""
    value = fraction * HUNDRED
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def _figures(benefits, network: str, ranked: dict | None = None) -> Figures:
    if ranked is None:
        ranked = _ranked(benefits)

    def pick(code: str, test=lambda b: True):
        return _pick([t for t in ranked.get(code, ()) if test(t[2])], network)

    def amount(code: str, family: bool, remaining: bool):
        def test(b):
            fam = b.level == "FAM"
            if fam != family:
                return False
            rem = b.period in ("29", "33")
            return rem == remaining and b.period != "24" and b.amount is not None

        found = pick(code, test)
        return found.amount if found else None

    def year_to_date(code: str, family: bool):
        found = pick(code, lambda b: (b.level == "FAM") == family and b.period == "24" and b.amount is not None)
        return found.amount if found else None

    copay = pick("B", lambda b: b.amount is not None)
    coins = pick("A", lambda b: b.percent is not None)
    values: dict = {"copay": copay.amount if copay else None,
                    "coinsurance": percent(coins.percent) if coins else None}
    for code, name in (("C", "deductible"), ("G", "oop")):
        for family, prefix in ((False, ""), (True, "family_")):
            total = amount(code, family, False)
            left = amount(code, family, True)
            ytd = year_to_date(code, family)
            if left is None and total is not None and ytd is not None:
                left = max(Decimal("0.00"), total - ytd)
            key = name if name == "deductible" else "oop_max"
            values[prefix + key] = total
            values[prefix + name + "_left"] = left
    limit = pick("F", lambda b: b.quantity is not None and b.period not in ("29", "24"))
    left = pick("F", lambda b: b.quantity is not None and b.period == "29")
    used = pick("F", lambda b: b.quantity is not None and b.period == "24")
    values["visits"] = limit.quantity if limit else None
    values["visits_left"] = left.quantity if left else None
    values["visits_used"] = used.quantity if used else (
        limit.quantity - left.quantity if limit and left else None)
    auth = [b for b in benefits if b.auth in ("Y", "N") and _rank(b.service_types) is not None
            and b.network in (network, "W", "")]
    values["auth_required"] = (any(b.auth == "Y" for b in auth)) if auth else None
    return Figures(**values)


def _ranked(benefits) -> dict[str, list]:
    """EB01 -> [(rank, position, benefit)] of the lines that speak for mental health (ranked once per answer)."""
    out: dict[str, list] = {}
    for i, b in enumerate(benefits):
        r = _rank(b.service_types)
        if r is not None:
            out.setdefault(b.code, []).append((r, i, b))
    return out


def summarize(answer) -> Snapshot:
    """The snapshot of one `read_271.Answer`."""
    from claimkit.eligibility.codes import aaa

    benefits = answer.benefits
    ranked = _ranked(benefits)
    mh = [b for b in benefits if _rank(b.service_types) is not None]
    codes = {b.code for b in benefits}
    active_mh = [b for b in benefits if b.code == "1" and b.service_types and _rank(b.service_types) is not None
                 and b.service_types != ("30",)]
    inactive = [b for b in benefits if b.code == "6"]
    if answer.rejections:
        status = "rejected"
    elif "1" in codes:
        status = "active"
    elif inactive:
        status = "inactive"
    else:
        status = "unknown"
    dates = {q: (a, b) for q, a, b in answer.dates}
    start = (dates.get("356") or dates.get("346") or dates.get("307") or dates.get("291") or (None, None))[0]
    end_q = dates.get("357") or dates.get("347") or (dates.get("307") if dates.get("307") and dates["307"][0] != dates["307"][1] else None)
    end = end_q[1] if end_q else None
    plan_name = next((b.plan for b in benefits if b.code == "1" and b.plan), "") or next((b.plan for b in benefits if b.plan), "")
    contacts = []
    for b in benefits:
        if b.code in ("U", "R"):
            for e in b.entities:
                contacts.append(Contact("carve-out" if b.code == "U" else "other payer", e.name, e.id, e.phone, b.service_types))
    nets = {b.network for b in mh if b.code in ("A", "B", "C", "G", "F", "1")}
    network_answer = "in+out" if {"Y", "N"} <= nets else "in" if "Y" in nets else "out" if "N" in nets else ""
    types: list[str] = []
    for b in benefits:
        types += [t for t in b.service_types if t not in types]
    mh_covered = True if active_mh else (False if any(_rank(b.service_types) is not None for b in inactive) else None)
    return Snapshot(
        as_of=answer.response_date, status=status, payer_name=answer.payer_name, member_id=answer.patient.member_id
        or answer.subscriber.member_id, patient=" ".join(p for p in (answer.patient.first, answer.patient.last) if p),
        plan_name=plan_name, group_number=answer.group_number, coverage_from=start, coverage_to=end,
        plan_begin=(dates.get("346") or (None, None))[0], mh_covered=mh_covered,
        inactive_types=tuple(t for b in inactive for t in (b.service_types or ("30",))),
        in_network=_figures(benefits, "Y", ranked), out_of_network=_figures(benefits, "N", ranked), network_answer=network_answer,
        contacts=tuple(contacts), rejections=tuple((r.reason, *aaa(r.reason)) for r in answer.rejections),
        messages=tuple(m for b in mh for m in b.messages), service_types=tuple(types))


def describe(s: Snapshot) -> str:
    """One line: status and the in-network figures."""
    from claimkit.core.money import dollars

    if s.status == "rejected":
        return "rejected: " + "; ".join(f"{what} ({code}): {todo}" for code, what, todo in s.rejections)
    parts = [s.status + (f" from {s.coverage_from}" if s.coverage_from else "") + (f" to {s.coverage_to}" if s.coverage_to else "")]
    if s.plan_name:
        parts.append(s.plan_name)
    f, o = s.in_network, s.out_of_network
    if f.copay is not None:
        parts.append(f"copay {dollars(f.copay)}" + (f" in network, {dollars(o.copay)} out" if o.copay is not None and o.copay != f.copay else ""))
    if f.coinsurance is not None:
        parts.append(f"coinsurance {f.coinsurance}%")
    if f.deductible is not None or f.deductible_left is not None:
        total = dollars(f.deductible) if f.deductible is not None else "?"
        parts.append(f"deductible {total}" + (f" ({dollars(f.deductible_left)} left)" if f.deductible_left is not None else ""))
    if f.oop_max is not None or f.oop_left is not None:
        total = dollars(f.oop_max) if f.oop_max is not None else "?"
        parts.append(f"out-of-pocket max {total}" + (f" ({dollars(f.oop_left)} left)" if f.oop_left is not None else ""))
    if f.visits is not None:
        parts.append(f"{f.visits} visits" + (f", {f.visits_used} used" if f.visits_used is not None else "")
                     + (f", {f.visits_left} left" if f.visits_left is not None else ""))
    if f.auth_required:
        parts.append("authorization required")
    for c in s.contacts:
        parts.append(f"{c.kind}: {c.name}" + (f" {c.phone}" if c.phone else ""))
    return ", ".join(parts)
