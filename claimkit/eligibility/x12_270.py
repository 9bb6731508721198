"""X12 270 eligibility inquiry (005010X279A1) writer: inquiries in, one interchange of text out. Pure: no I/O.

Layout (the TR3's subscriber and dependent examples):

    ISA GS*HS ST*270 BHT*0022*13
      2000A HL*20 2100A NM1*PR (the payer, PI = its electronic payer ID)                 per payer
        2000B HL*21 2100B NM1*1P (the practice, XX = its NPI)
          2000C HL*22 [TRN*1] 2100C NM1*IL DMG [DTP*291] [2110C EQ]                      per inquiry
            [2000D HL*23 TRN*1 2100D NM1*03 DMG INS DTP*291 2110D EQ]                    the client is a dependent
    SE GE IEA

One inquiry asks about one service type (the most widely supported form); several service types become several
inquiries, each with its own TRN*1 trace number, which the 271 echoes (TRN*2) so the answer finds its inquiry.
"""

from __future__ import annotations

from claimkit.core.lightclass import lightclass
from datetime import date, datetime

from claimkit.claims.x12_837p import Envelope, code, interchange, seg, text, ymd
from claimkit.core.nucc import digits

VERSION = "005010X279A1"
# policy relationship -> 2100D INS02 (X279A1: 01 spouse, 19 child, 34 other adult)
DEPENDENT_RELATION = {"spouse": "01", "child": "19", "other": "34"}


@lightclass(frozen=True)
class Person:
    last: str
    first: str = ""
    middle: str = ""
    dob: date | None = None
    sex: str = ""  # M | F | anything else is left out


@lightclass(frozen=True)
class Provider:
    """The practice as the information receiver: an organisation (billing name) or a person, with its NPI."""

    npi: str
    name: str = ""  # organisation name; empty: a person
    last: str = ""
    first: str = ""


@lightclass(frozen=True)
class Inquiry:
    trace: str  # TRN02, ours; the 271 echoes it
    payer_name: str
    payer_id: str  # NM109 of 2100A
    member_id: str
    subscriber: Person
    service_date: date
    service_type: str = "MH"
    dependent: Person | None = None  # the client when the client is not the insured
    relationship: str = "self"


def originator(tax_id: str, npi: str) -> str:
    """TRN03: '1' + the EIN when there is one, else '9' + nine digits of the NPI (10 characters either way)."""
    ein = digits(tax_id)
    if len(ein) == 9:
        return "1" + ein
    return "9" + (digits(npi) + "000000000")[:9]


def _name(entity: str, person: Person, member_id: str = "") -> str:
    ident = ("MI", code(member_id, 80)) if member_id else ("", "")
    return seg("NM1", entity, "1", text(person.last, 60), text(person.first, 35), text(person.middle, 25), "", "", *ident)


def _dmg(person: Person) -> str:
    if person.dob is None:
        return ""
    sex = person.sex.upper() if person.sex.upper() in ("M", "F") else ""
    return seg("DMG", "D8", ymd(person.dob), sex)


def _transaction(inquiries: list[Inquiry], provider: Provider, origin: str, number: int, when: datetime,
                 reference: str) -> list[str]:
    body = [seg("BHT", "0022", "13", reference, ymd(when), when.strftime("%H%M"))]
    hl = 0
    by_payer: dict[tuple[str, str], list[Inquiry]] = {}
    for inq in inquiries:
        by_payer.setdefault((inq.payer_id, inq.payer_name), []).append(inq)
    for (payer_id, payer_name), group in by_payer.items():
        hl += 1
        source = hl
        body += [seg("HL", str(source), "", "20", "1"), seg("NM1", "PR", "2", text(payer_name, 60), "", "", "", "", "PI",
                                                            code(payer_id, 80))]
        hl += 1
        receiver = hl
        body.append(seg("HL", str(receiver), str(source), "21", "1"))
        if provider.name:
            body.append(seg("NM1", "1P", "2", text(provider.name, 60), "", "", "", "", "XX", provider.npi))
        else:
            body.append(seg("NM1", "1P", "1", text(provider.last, 60), text(provider.first, 35), "", "", "", "XX",
                            provider.npi))
        for inq in group:
            hl += 1
            subscriber = hl
            dep = inq.dependent
            body.append(seg("HL", str(subscriber), str(receiver), "22", "1" if dep else "0"))
            if dep is None:
                body.append(seg("TRN", "1", code(inq.trace, 50), origin))
            body.append(_name("IL", inq.subscriber, inq.member_id))
            if dep is None:
                body += [s for s in (_dmg(inq.subscriber),) if s]
                body += [seg("DTP", "291", "D8", ymd(inq.service_date)), seg("EQ", inq.service_type)]
                continue
            hl += 1
            body += [s for s in (_dmg(inq.subscriber),) if s]
            body += [seg("HL", str(hl), str(subscriber), "23", "0"), seg("TRN", "1", code(inq.trace, 50), origin),
                     _name("03", dep)]
            body += [s for s in (_dmg(dep),) if s]
            body += [seg("INS", "N", DEPENDENT_RELATION.get(inq.relationship, "34")),
                     seg("DTP", "291", "D8", ymd(inq.service_date)), seg("EQ", inq.service_type)]
    control = f"{number:04d}"
    return [seg("ST", "270", control, VERSION), *body, seg("SE", str(len(body) + 2), control)]


def write_270(inquiries: list[Inquiry], provider: Provider, env: Envelope, *, tax_id: str = "") -> str:
    """One ISA/GS interchange with one ST holding every inquiry. ValueError when there is nothing to ask."""
    if not inquiries:
        raise ValueError("no inquiries to write")
    when = env.when or datetime.now()
    reference = f"{env.control:09d}"  # BHT03: the interchange's control number
    return interchange(env, "HS", VERSION, [_transaction(inquiries, provider, originator(tax_id, provider.npi), 1, when,
                                                         reference)], when)
