"""A small X12 835 writer: what a payer would send back for claimkit's own claims.

Used by the demo (an ERA that pays, partly pays, denies and reverses the demo's claims) and by tests
(round trips: claims -> 835 -> import -> exact balances). Pure: values in, text out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class LineOutcome:
    cpt: str
    modifiers: tuple[str, ...]
    charge: Decimal
    paid: Decimal
    service_date: date
    control: str = ""  # REF*6R: the claim's line control number
    allowed: Decimal | None = None
    adjustments: tuple[tuple[str, str, Decimal], ...] = ()  # (group, reason, amount)
    remarks: tuple[str, ...] = ()


@dataclass(frozen=True)
class ClaimOutcome:
    account: str  # CLP01: the claim id from box 26
    status: str  # CLP02
    payer_claim_number: str
    patient_last: str
    patient_first: str
    member_id: str
    lines: tuple[LineOutcome, ...]
    patient_responsibility: Decimal | None = None
    claim_adjustments: tuple[tuple[str, str, Decimal], ...] = ()

    @property
    def charge(self) -> Decimal:
        return sum((ln.charge for ln in self.lines), ZERO)

    @property
    def paid(self) -> Decimal:
        return sum((ln.paid for ln in self.lines), ZERO)


@dataclass(frozen=True)
class Remit:
    payer_name: str
    payer_id: str
    payee_name: str
    payee_npi: str
    trace: str
    paid_on: date
    claims: tuple[ClaimOutcome, ...]
    provider_adjustments: tuple[tuple[str, str, Decimal], ...] = ()  # (reason, reference, amount)
    method: str = "ACH"
    control: int = 1
    extra: dict = field(default_factory=dict)

    @property
    def total(self) -> Decimal:
        return sum((c.paid for c in self.claims), ZERO) - sum((a for _, _, a in self.provider_adjustments), ZERO)


def _amt(d: Decimal) -> str:
    text = f"{d:.2f}"
    return text[:-3] if text.endswith(".00") else text.rstrip("0")


def _d8(d: date) -> str:
    return d.strftime("%Y%m%d")


def _cas_segments(adjustments) -> list[str]:
    by_group: dict[str, list[tuple[str, Decimal]]] = {}
    for group, reason, amount in adjustments:
        by_group.setdefault(group, []).append((reason, amount))
    segs = []
    for group, items in by_group.items():
        for i in range(0, len(items), 6):
            parts = ["CAS", group]
            for reason, amount in items[i:i + 6]:
                parts += [reason, _amt(amount), ""]
            segs.append("*".join(parts).rstrip("*"))
    return segs


def write_835(remit: Remit) -> str:
    """One interchange, one transaction; balanced by construction."""
    today = remit.paid_on
    body = [
        f"ST*835*{remit.control:04d}",
        f"BPR*I*{_amt(remit.total)}*C*{remit.method}*CCP*01*999999999*DA*123456789*1999999999**01*888888888*DA*98765432*{_d8(today)}",
        f"TRN*1*{remit.trace}*1{remit.payer_id[:9]:0>9}",
        f"DTM*405*{_d8(today)}",
        f"N1*PR*{remit.payer_name.upper()}*XV*{remit.payer_id}",
        "N3*PO BOX 1000",
        "N4*DALLAS*TX*752011000",
        "PER*BL*PROVIDER SERVICES*TE*8005550100",
        f"N1*PE*{remit.payee_name.upper()}*XX*{remit.payee_npi}",
        "LX*1",
    ]
    for c in remit.claims:
        pr = c.patient_responsibility
        if pr is None:
            pr = sum((a for ln in c.lines for g, _, a in ln.adjustments if g == "PR"), ZERO) + \
                sum((a for g, _, a in c.claim_adjustments if g == "PR"), ZERO)
        body.append(f"CLP*{c.account}*{c.status}*{_amt(c.charge)}*{_amt(c.paid)}*{_amt(pr)}*12*{c.payer_claim_number}*11*1")
        body += _cas_segments(c.claim_adjustments)
        body.append(f"NM1*QC*1*{c.patient_last.upper()}*{c.patient_first.upper()}****MI*{c.member_id}")
        start = min(ln.service_date for ln in c.lines)
        end = max(ln.service_date for ln in c.lines)
        body += [f"DTM*232*{_d8(start)}", f"DTM*233*{_d8(end)}"]
        for ln in c.lines:
            proc = ":".join(["HC", ln.cpt, *ln.modifiers])
            body.append(f"SVC*{proc}*{_amt(ln.charge)}*{_amt(ln.paid)}**1")
            body.append(f"DTM*472*{_d8(ln.service_date)}")
            body += _cas_segments(ln.adjustments)
            if ln.control:
                body.append(f"REF*6R*{ln.control}")
            if ln.allowed is not None:
                body.append(f"AMT*B6*{_amt(ln.allowed)}")
            for r in ln.remarks:
                body.append(f"LQ*HE*{r}")
    for reason, ref, amount in remit.provider_adjustments:
        body.append(f"PLB*{remit.payee_npi}*{today.year}1231*{reason}:{ref}*{_amt(amount)}")
    body.append(f"SE*{len(body) + 1}*{remit.control:04d}")
    isa = (f"ISA*00*          *00*          *ZZ*{remit.payer_id:<15}*ZZ*{'CLAIMKIT':<15}*{today.strftime('%y%m%d')}*1200*^*00501*"
           f"{remit.control:09d}*0*P*:")
    segs = [isa, f"GS*HP*{remit.payer_id}*CLAIMKIT*{_d8(today)}*1200*{remit.control}*X*005010X221A1", *body,
            f"GE*1*{remit.control}", f"IEA*1*{remit.control:09d}"]
    return "~\n".join(segs) + "~\n"
