"""Rules on the practice (billing provider 25/33, rendering provider 24J/31, facility 32) and on payers."""

from __future__ import annotations

import re
from collections.abc import Iterator

from claimkit import catalog
from claimkit.checks import Context, Hit, rule
from claimkit.core.inputs import TAXONOMY_RE, USPS_STATES  # noqa: F401 - checks/client.py reads them here
from claimkit.core.records import Address, npi_valid

FIX_PRACTICE = "edit practice.toml ('claimkit practice edit')"
PO_BOX = re.compile(r"\b(P\.?\s*O\.?\s*BOX|POST\s+OFFICE\s+BOX|POB\s+\d|BOX\s+\d+$|LOCK\s*BOX|PMB\s+\d)", re.I)
ORG_NAME = re.compile(r"\b(LLC|PLLC|P\.?L\.?L\.?C|PC|P\.C\.|INC|CORP|CORPORATION|LTD|LLP|GROUP|ASSOCIATES|CENTER|CLINIC)\b\.?", re.I)


def npi_fields(ctx: Context) -> Iterator[tuple[str, str, str]]:
    """(box, what, npi) for every NPI practice.toml holds."""
    p = ctx.practice
    yield "33a", "[billing] npi", p.billing.npi
    yield "24J", "[provider] npi", p.provider.npi
    if p.facility is not None:
        yield "32a", "[facility] npi", p.facility.npi


@rule("npi-format", "error", ("33a", "24J", "32a", "17b"), "practice")
def npi_format(ctx: Context):
    """An NPI is exactly 10 digits."""
    for box, what, npi in npi_fields(ctx):
        if npi and not re.fullmatch(r"\d{10}", npi):
            yield Hit(f"{what} '{npi}' is not 10 digits", f"copy the NPI from the NPPES registry into {what} ({FIX_PRACTICE})", box)


@rule("npi-check-digit", "error", ("33a", "24J", "32a", "17b"), "practice")
def npi_check_digit(ctx: Context):
    """An NPI's last digit is the Luhn check digit of 80840 + its first nine digits."""
    for box, what, npi in npi_fields(ctx):
        if re.fullmatch(r"\d{10}", npi or "") and not npi_valid(npi):
            yield Hit(f"{what} {npi} has a wrong check digit (a typo?)", f"copy the NPI from the NPPES registry into {what}", box)


@rule("billing-npi-missing", "error", ("33a",), "practice")
def billing_npi_missing(ctx: Context):
    """Box 33a needs the billing provider's NPI."""
    if not ctx.practice.billing.npi:
        return [Hit("the billing NPI ([billing] npi) is empty; box 33a would be blank", f"add your NPI under [billing] ({FIX_PRACTICE})")]


@rule("billing-name-missing", "error", ("33",), "practice")
def billing_name_missing(ctx: Context):
    """Box 33 prints the billing provider's name as enrolled with the payer."""
    if not ctx.practice.billing.name.strip():
        return [Hit("the billing name ([billing] name) is empty", f"add the name you are enrolled under ({FIX_PRACTICE})")]


@rule("tax-id-format", "error", ("25",), "practice")
def tax_id_format(ctx: Context):
    """Box 25 needs the billing provider's 9-digit EIN or SSN."""
    tax_id = re.sub(r"[-\s]", "", ctx.practice.billing.tax_id)
    if not tax_id:
        return [Hit("the tax ID ([billing] tax_id) is empty; box 25 would be blank", f"add your EIN (or SSN) ({FIX_PRACTICE})")]
    elif not re.fullmatch(r"\d{9}", tax_id):
        return [Hit(f"tax ID '{ctx.practice.billing.tax_id}' is not 9 digits", f"write the 9-digit EIN or SSN ({FIX_PRACTICE})")]


@rule("tax-id-type", "warning", ("25",), "practice")
def tax_id_type(ctx: Context):
    """The SSN/EIN box of 25 must match the number: an SSN cannot start 000, 666 or 9; organisations use an EIN."""
    b = ctx.practice.billing
    tax_id = re.sub(r"[-\s]", "", b.tax_id)
    if b.tax_id_type == "ssn" and re.fullmatch(r"\d{9}", tax_id):
        if tax_id[:3] in ("000", "666") or tax_id[0] == "9" or tax_id[3:5] == "00" or tax_id[5:] == "0000":
            return [Hit(f"tax ID {tax_id} is marked as an SSN but no SSN looks like that (an EIN?)",
                      f"set tax_id_type = \"ein\" if it is an EIN ({FIX_PRACTICE})")]
        elif ORG_NAME.search(b.name):
            return [Hit(f"billing name '{b.name}' is an organisation's but the tax ID is marked as an SSN",
                      "organisations bill under their EIN: set tax_id_type = \"ein\" and the EIN")]


def _taxonomies(ctx: Context) -> Iterator[tuple[str, str, str]]:
    yield "33b", "[billing] taxonomy", ctx.practice.billing.taxonomy
    yield "24J", "[provider] taxonomy", ctx.practice.provider.taxonomy


@rule("taxonomy-format", "error", ("33b", "24J"), "practice")
def taxonomy_format(ctx: Context):
    """A taxonomy code is 10 characters: 9 letters/digits then X (e.g. 101YP2500X)."""
    for box, what, code in _taxonomies(ctx):
        if code and not TAXONOMY_RE.match(code.upper()):
            yield Hit(f"{what} '{code}' is not a taxonomy code (10 characters ending in X, like 101YP2500X)",
                      "copy your taxonomy from your NPPES record", box)


@rule("taxonomy-unknown", "warning", ("33b", "24J"), "practice")
def taxonomy_unknown(ctx: Context):
    """A taxonomy outside the NUCC behavioural-health list is probably a typo."""
    for box, what, code in _taxonomies(ctx):
        if code and TAXONOMY_RE.match(code.upper()) and catalog.taxonomy(code.upper()) is None:
            yield Hit(f"{what} {code} is not a behavioural-health taxonomy claimkit knows",
                      "check it against your NPPES record (the code you chose when you applied for the NPI)", box)


@rule("rendering-npi-missing", "warning", ("24J",), "practice")
def rendering_npi_missing(ctx: Context):
    """When the billing NPI is an organisation's, 24J needs the therapist's own (type 1) NPI."""
    p = ctx.practice
    tax = catalog.taxonomy(p.billing.taxonomy.upper()) if p.billing.taxonomy else None
    org = (tax is not None and tax.npi_type == 2) or bool(ORG_NAME.search(p.billing.name))
    if org and p.billing.npi and (not p.provider.npi or p.provider.npi == p.billing.npi):
        why = f"taxonomy {p.billing.taxonomy} is an organisation's" if tax is not None and tax.npi_type == 2 \
            else f"'{p.billing.name}' is an organisation"
        return [Hit(f"the billing NPI looks like an organisation's ({why}) but [provider] npi is "
                  + ("empty" if not p.provider.npi else "the same number"),
                  "put the therapist's individual NPI under [provider] npi so it prints in 24J")]


@rule("address-po-box", "error", ("33", "32"), "practice")
def address_po_box(ctx: Context):
    """The billing and service-facility addresses must be street addresses, not a PO Box or lockbox."""
    p = ctx.practice
    places = [("33", "[billing.address]", p.billing.address)]
    if p.facility is not None:
        places.append(("32", "[facility.address]", p.facility.address))
    for box, what, addr in places:
        street = f"{addr.street} {addr.street2}"
        if PO_BOX.search(street):
            yield Hit(f"{what} '{street.strip()}' is a PO Box; payers reject a PO Box as the billing address",
                      "use your office's street address (a PO Box can go on a payer's pay-to record instead)", box)


@rule("zip-plus-four", "error", ("33", "32"), "practice")
def zip_plus_four(ctx: Context):
    """Billing and facility ZIP codes need all 9 digits (ZIP+4)."""
    p = ctx.practice
    places = [("33", "[billing.address] zip", p.billing.address)]
    if p.facility is not None and (p.facility.address.street or p.facility.address.zip):
        places.append(("32", "[facility.address] zip", p.facility.address))
    for box, what, addr in places:
        if addr.zip and len(re.sub(r"\D", "", addr.zip)) != 9:
            yield Hit(f"{what} {addr.zip} has no +4; electronic and most paper claims need ZIP+4",
                      "look up the +4 at tools.usps.com and write it like 78701-1234", box)


def _address_gaps(addr: Address) -> list[str]:
    return [name for name in ("street", "city", "state", "zip") if not getattr(addr, name)]


@rule("billing-address-missing", "error", ("33",), "practice")
def billing_address_missing(ctx: Context):
    """Box 33 needs the billing provider's full street address."""
    gaps = _address_gaps(ctx.practice.billing.address)
    if gaps:
        return [Hit(f"the billing address has no {', '.join(gaps)}", f"complete [billing.address] ({FIX_PRACTICE})")]


@rule("billing-phone", "warning", ("33",), "practice")
def billing_phone(ctx: Context):
    """Box 33 carries the billing phone number: 10 digits."""
    phone = ctx.practice.billing.phone
    digits = re.sub(r"\D", "", phone)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if not phone:
        return [Hit("the billing phone ([billing] phone) is empty", "add your 10-digit office phone number")]
    elif len(digits) != 10:
        return [Hit(f"billing phone '{phone}' is not a 10-digit US number", "write it as area code + number, e.g. 5125550100")]


@rule("state-code", "error", ("5", "7", "33", "32"), "practice")
def state_code_practice(ctx: Context):
    """States are 2-letter USPS codes."""
    p = ctx.practice
    places = [("33", "[billing.address] state", p.billing.address.state)]
    if p.facility is not None:
        places.append(("32", "[facility.address] state", p.facility.address.state))
    for box, what, st in places:
        if st and st not in USPS_STATES:
            yield Hit(f"{what} '{st}' is not a USPS state code", "use the two-letter postal code, like TX", box)


@rule("provider-name", "warning", ("31",), "practice")
def provider_name(ctx: Context):
    """Box 31 (and superbills) name the therapist who saw the client."""
    pr = ctx.practice.provider
    if not (pr.first and pr.last):
        return [Hit("the therapist's name ([provider] first/last) is incomplete; box 31 would show only the billing name",
                  f"add first and last under [provider] ({FIX_PRACTICE})")]
    elif not pr.credentials:
        return [Hit(f"{pr.display_name} has no credentials ([provider] credentials); box 31 wants them (e.g. LPC)",
                  "add your licence type, e.g. credentials = \"LCSW\"")]


@rule("license-missing", "warning", ("31",), "practice")
def license_missing(ctx: Context):
    """Superbills must show the therapist's licence number and state."""
    pr = ctx.practice.provider
    missing = [n for n, v in (("license", pr.license), ("license_state", pr.license_state)) if not v]
    if missing:
        return [Hit(f"[provider] {' and '.join(missing)} is empty; superbills need the licence number and state",
                  f"add them under [provider] ({FIX_PRACTICE})")]
    elif pr.license_state not in USPS_STATES:
        return [Hit(f"[provider] license_state '{pr.license_state}' is not a state code", "use the two-letter code, like TX")]


@rule("accept-assignment", "warning", ("27",), "practice")
def accept_assignment(ctx: Context):
    """Box 27 NO sends in-network payments to the subscriber instead of you."""
    if not ctx.practice.defaults.accept_assignment:
        return [Hit("[defaults] accept_assignment is false: box 27 says NO and payers may pay the client instead of you",
                  "set accept_assignment = true under [defaults] for in-network billing")]


@rule("extra-cpt-format", "error", ("24D",), "practice")
def extra_cpt_format(ctx: Context):
    """Codes added with extra_cpt must be 5-character CPT/HCPCS codes."""
    for code in ctx.practice.extra_cpt:
        if not re.fullmatch(r"[A-Z0-9]{5}", code.strip().upper()):
            yield Hit(f"extra_cpt '{code}' is not a 5-character CPT/HCPCS code", "write it like \"90899\" in practice.toml")


# --- payers -------------------------------------------------------------------------------------------------

@rule("taxonomy-required", "error", ("33b", "24J"), "payer")
def taxonomy_required(ctx: Context):
    """A payer that wants the taxonomy gets ZZ + the code in 33b (and 24J shaded); the practice must have one."""
    payer = ctx.payer_record
    p = ctx.practice
    if payer is not None and payer.requires_taxonomy and not (p.billing.taxonomy or p.provider.taxonomy):
        return [Hit(f"{payer.name} wants a taxonomy code (ZZ in 33b) but practice.toml has none",
                  "add taxonomy = \"101YP2500X\" (your NPPES taxonomy) under [billing] and [provider]")]


@rule("payer-address", "warning", ("carrier",), "payer")
def payer_address(ctx: Context):
    """Paper claims go to the payer's claims mailing address (the carrier block)."""
    payer = ctx.payer_record
    if payer is not None and ctx.payer_billed:
        gaps = _address_gaps(payer.address)
        if gaps:
            return [Hit(f"{payer.name} has no claims mailing address ({', '.join(gaps)} missing); the carrier block would be incomplete",
                      f"add [payer.{payer.id}.address] from the back of the member's card")]


@rule("medicare-telehealth-modifier", "warning", ("24D",), "payer")
def medicare_telehealth_modifier(ctx: Context):
    """Medicare (since 2024) reads telehealth from POS 02/10; modifier 95 only in narrow cases, GT never."""
    payer = ctx.payer_record
    if payer is not None and payer.type == "medicare" and payer.telehealth_modifier in ("95", "GT"):
        return [Hit(f"{payer.name} is Medicare but adds modifier {payer.telehealth_modifier} to telehealth lines",
                  f"set telehealth_modifier = \"none\" for [payer.{payer.id}] (POS 02/10 says it is telehealth)")]
