"""Rules on a client record: patient (2, 3, 5), insured and relationship (4, 6, 7, 11a). Policies: see policy.py."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta

from claimkit.checks import Context, Hit, rule
from claimkit.checks.provider import USPS_STATES, _address_gaps
from claimkit.core.records import Client, Person, Policy

TITLES = frozenset("DR MR MRS MS MISS MX PROF REV FR SIR MADAM PHD MD LCSW LPC LMFT PSYD".split())
NAME_OK = re.compile(r"^[A-Za-z][A-Za-z' -]*$")
NAME_MAX = 28
WORDS = re.compile(r"[\s.]+")


def fix_client(client: Client) -> str:
    return f"'claimkit client edit {client.id}'"


def age_on(dob: date, day: date) -> int:
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def billed_policies(client: Client) -> Iterator[Policy]:
    """Policies claims go out on (self-pay/out-of-network ones print nothing)."""
    return (p for p in client.policies if p.cost_sharing != "self_pay")


def _names(ctx: Context) -> Iterator[tuple[str, str, str, str, str]]:
    """(box, who, first, middle, last) for the client and every insured person."""
    c = ctx.client
    yield "2", "client", c.first, c.middle, c.last
    for pol in billed_policies(c):
        if pol.insured is not None and pol.relationship != "self":
            yield ("4" if pol.rank == "primary" else "9"), f"insured of the {pol.rank} policy", pol.insured.first, pol.insured.middle, pol.insured.last


@rule("patient-name", "error", ("2", "4", "9"), "client")
def patient_name(ctx: Context):
    """Names print as LAST, FIRST MIDDLE: letters, spaces, hyphens and apostrophes; no titles or periods."""
    c = ctx.client
    for box, who, first, middle, last in _names(ctx):
        if not first.strip() or not last.strip():
            yield Hit(f"{who}'s name is incomplete (first '{first}', last '{last}')", f"give both names exactly as on the card ({fix_client(c)})", box)
            continue
        for part in (first, middle, last):
            words = WORDS.split(part.upper())
            title = next((w for w in words if w in TITLES), None)
            if title:
                yield Hit(f"{who}'s name '{part}' contains the title '{title}'; payers match names without titles",
                          f"remove '{title}' ({fix_client(c)})", box)
                break
            if part and not NAME_OK.match(part):
                bad = "".join(sorted({ch for ch in part if not re.match(r"[A-Za-z' -]", ch)}))
                yield Hit(f"{who}'s name '{part}' has characters the form cannot print ({bad!r})",
                          f"write it with plain letters, no periods, as on the insurance card ({fix_client(c)})", box)
                break


@rule("name-length", "warning", ("2", "4"), "client")
def name_length(ctx: Context):
    """Box 2 and 4 hold about 28 characters of LAST, FIRST M."""
    c = ctx.client
    for box, who, first, middle, last in _names(ctx):
        if box not in ("2", "4"):
            continue
        full = f"{last}{' ' + c.suffix if box == '2' and c.suffix else ''}, {first}{' ' + middle[:1] if middle else ''}"
        if len(full) > NAME_MAX:
            yield Hit(f"{who}'s name '{full}' is {len(full)} characters; box {box} prints {NAME_MAX} and will cut it",
                      "check how the payer's card spells it; some cards shorten long names", box)


def _dob_problem(dob: date | None, today: date) -> str | None:
    if dob is None:
        return "is missing"
    if dob > today:
        return f"{dob.isoformat()} is in the future"
    if age_on(dob, today) > 120:
        return f"{dob.isoformat()} makes them {age_on(dob, today)} years old"
    return None


@rule("patient-dob", "error", ("3", "11a"), "client")
def patient_dob(ctx: Context):
    """Dates of birth are real, not in the future, and plausible."""
    c = ctx.client
    problem = _dob_problem(c.dob, ctx.today)
    if problem:
        yield Hit(f"client's date of birth {problem}", f"correct dob ({fix_client(c)})", "3")
    for pol in billed_policies(c):
        if pol.relationship != "self" and pol.insured is not None and pol.insured.dob is not None:
            problem = _dob_problem(pol.insured.dob, ctx.today)
            if problem:
                yield Hit(f"insured's date of birth ({pol.payer} policy) {problem}", f"correct the insured's dob ({fix_client(c)})", "11a")


@rule("patient-sex", "warning", ("3", "11a"), "client")
def patient_sex(ctx: Context):
    """Box 3 and 11a only have M and F; X (or no value) leaves them blank, which some payers reject."""
    c = ctx.client
    if c.sex == "X":
        yield Hit("client's sex is X; box 3 has only M and F boxes and will print blank",
                  "use the sex on file with the payer (as on the insurance card), or confirm the payer accepts it blank", "3")
    for pol in billed_policies(c):
        if pol.relationship != "self" and pol.insured is not None and pol.insured.sex in (None, "X"):
            yield Hit(f"insured's sex ({pol.payer} policy) is {'missing' if pol.insured.sex is None else 'X'}; box 11a will print blank",
                      f"add the insured's sex as on the card ({fix_client(c)})", "11a")


@rule("patient-address", "error", ("5",), "client")
def patient_address(ctx: Context):
    """Box 5 needs the client's street, city, state and ZIP."""
    c = ctx.client
    if not any(True for _ in billed_policies(c)):
        return
    gaps = _address_gaps(c.address)
    if gaps:
        return [Hit(f"client's address has no {', '.join(gaps)}", f"complete [address] ({fix_client(c)})")]


@rule("insured-address", "warning", ("7",), "client")
def insured_address(ctx: Context):
    """Box 7 (the insured's address) is expected whenever the insured is not the client."""
    c = ctx.client
    for pol in billed_policies(c):
        if pol.rank == "primary" and pol.relationship != "self" and pol.insured is not None:
            gaps = _address_gaps(pol.insured.address)
            if gaps:
                yield Hit(f"the insured's address ({pol.payer} policy) has no {', '.join(gaps)}",
                          f"add [policies.insured.address] (often the same as the client's) ({fix_client(c)})")


@rule("state-code", "error", ("5", "7", "33", "32"), "client")
def state_code_client(ctx: Context):
    """States are 2-letter USPS codes."""
    c = ctx.client
    places = [("5", "client's state", c.address.state)]
    places += [("7", f"insured's state ({p.payer} policy)", p.insured.address.state) for p in c.policies if p.insured is not None]
    for box, what, st in places:
        if st and st not in USPS_STATES:
            yield Hit(f"{what} '{st}' is not a USPS state code", f"use the two-letter postal code ({fix_client(c)})", box)


def _current(pol: Policy, today: date) -> bool:
    """In force now or later: ended policies are history and not checked for completeness."""
    return pol.end is None or pol.end >= today - timedelta(days=366)


def _same_person(client: Client, person: Person) -> bool:
    return (person.first.strip().upper(), person.last.strip().upper()) == (client.first.strip().upper(), client.last.strip().upper())


@rule("relationship-self", "error", ("6", "4", "11a"), "client")
def relationship_self(ctx: Context):
    """Relationship 'self' means the insured (4, 11a) is the client (2, 3)."""
    c = ctx.client
    for pol in billed_policies(c):
        ins = pol.insured
        if pol.relationship == "self" and ins is not None and (ins.first or ins.last or ins.dob):
            if (ins.first or ins.last) and not _same_person(c, ins):
                yield Hit(f"{pol.payer} policy says relationship self but the insured is {ins.first} {ins.last}",
                          f"set relationship to spouse/child/other, or remove [policies.insured] ({fix_client(c)})", "6")
            elif ins.dob and ins.dob != c.dob:
                yield Hit(f"{pol.payer} policy says relationship self but the insured's DOB {ins.dob} differs from the client's {c.dob}",
                          f"fix the DOB or the relationship ({fix_client(c)})", "11a")


@rule("relationship-insured", "error", ("6", "4", "11a"), "client")
def relationship_insured(ctx: Context):
    """When the client is not the insured, box 4 and 11a need the insured's name and DOB."""
    c = ctx.client
    for pol in billed_policies(c):
        if pol.relationship == "self" or not _current(pol, ctx.today):
            continue
        ins = pol.insured
        missing = [n for n, v in (("first name", ins and ins.first), ("last name", ins and ins.last), ("date of birth", ins and ins.dob)) if not v]
        if missing:
            yield Hit(f"{pol.payer} policy: relationship is {pol.relationship} but the insured's {', '.join(missing)} is missing",
                      f"add the policyholder under [policies.insured] ({fix_client(c)})", "4")
        elif ins is not None and _same_person(c, ins) and ins.dob == c.dob:
            yield Hit(f"{pol.payer} policy: relationship is {pol.relationship} but the insured is the client",
                      "set relationship = \"self\" or enter the policyholder", "6")


@rule("minor-subscriber", "warning", ("6",), "client")
def minor_subscriber(ctx: Context):
    """A child is rarely the subscriber of a commercial plan; the parent usually is."""
    c = ctx.client
    age = age_on(c.dob, ctx.today)
    if age >= 18:
        return
    for pol in billed_policies(c):
        payer = ctx.payers.get(pol.payer)
        if pol.relationship == "self" and payer is not None and payer.type not in ("medicaid", "champva", "tricare") \
                and pol.in_force(ctx.today):
            yield Hit(f"{c.display_name} is {age} and listed as their own subscriber on the {pol.payer} policy",
                      "if a parent holds the plan, set relationship = \"child\" and enter the parent as the insured")
