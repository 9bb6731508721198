"""What this practice's settings put in a CMS-1500 box (for `claimkit cms1500 explain BOX`)."""

from __future__ import annotations

import re

from claimkit.core.records import Address, Payer, Practice

CLIENT_DEPENDENT = "depends on the client (and the session); run 'claimkit check CLIENT' to check it"


def _plain(text: str) -> str:
    """Form style: uppercase, no punctuation except hyphens in names."""
    return re.sub(r"\s+", " ", re.sub(r"[.,#]", "", text)).strip().upper()


def _address(addr: Address) -> str:
    street = " ".join(p for p in (addr.street, addr.street2) if p)
    return f"{_plain(street)} / {_plain(addr.city)} {addr.state} {addr.zip}".strip(" /")


def _taxonomy_payers(payers: dict[str, Payer]) -> list[str]:
    return sorted(p.name for p in payers.values() if p.requires_taxonomy)


def practice_prints(box_id: str, practice: Practice, payers: dict[str, Payer]) -> str:
    b, pr, d = practice.billing, practice.provider, practice.defaults
    tax_payers = _taxonomy_payers(payers)
    box = box_id.upper()
    if box == "25":
        if not b.tax_id:
            return "nothing yet: set [billing] tax_id in practice.toml"
        return f"{re.sub(r'[^0-9]', '', b.tax_id)} with the {b.tax_id_type.upper()} box marked"
    if box == "31":
        from claimkit.claims.build import _rendering
        from claimkit.forms.cms1500_fields import signature_lines

        text = " / ".join(x for x in signature_lines(_rendering(practice)) if x)  # exactly what the claim prints
        return f"{text} (signature on file), dated the day the claim is built" if text else \
            "nothing yet: set [provider] first/last/credentials"
    if box == "32":
        if practice.facility is None:
            return "blank: no [facility] in practice.toml (sessions happen at the billing address in 33, or by telehealth)"
        f = practice.facility
        return f"{_plain(f.name)} / {_address(f.address)} on in-person claims; blank on telehealth-only claims"
    if box == "32A":
        return practice.facility.npi if practice.facility is not None and practice.facility.npi else "blank (no facility NPI)"
    if box == "33":
        phone = re.sub(r"\D", "", b.phone)
        return f"phone {phone or '(none)'}; {_plain(b.name) or '(no billing name)'} / {_address(b.address) or '(no address)'}"
    if box == "33A":
        return b.npi or "nothing yet: set [billing] npi"
    if box == "33B":
        if not tax_payers:
            return "blank: no payer asks for the billing taxonomy"
        from claimkit.forms.cms1500_fields import box_33b

        printed = box_33b(True, b.taxonomy)  # the function the claim uses
        if not printed:
            return (f"blank: {', '.join(tax_payers)} ask{'s' if len(tax_payers) == 1 else ''} for the billing taxonomy but"
                    " [billing] taxonomy is not set ('claimkit practice edit')")
        return f"{printed} for {', '.join(tax_payers)}; blank for other payers"
    if box in ("24J", "24I"):
        differs = pr.npi and pr.npi != b.npi
        if box == "24I":
            return f"ZZ (taxonomy qualifier) for {', '.join(tax_payers)}" if tax_payers and differs else "blank"
        npi = f"{pr.npi} (the therapist's NPI, different from 33a)" if differs else \
            "blank: the rendering NPI is the billing NPI in 33a"
        if tax_payers and differs:
            npi += f"; shaded part ZZ {pr.taxonomy or '(no [provider] taxonomy set)'} for {', '.join(tax_payers)}"
        return npi
    if box == "27":
        return "YES (you accept assignment)" if d.accept_assignment else "NO (payments may go to the subscriber)"
    if box in ("12", "13"):
        return "SIGNATURE ON FILE" if d.signature_on_file else "blank (signature_on_file is false)"
    if box == "24B":
        return f"{d.pos} by default (each session's --pos overrides it)"
    if box == "24F":
        fees = ", ".join(f"{code} {fee:.2f}" for code, fee in sorted(practice.fees.items()))
        return f"your standard fee times units: {fees}" if fees else "your standard fee: none set yet ('claimkit fee set 90837 180.00')"
    if box == "21":
        return "0 (ICD-10-CM) as indicator, then the session's diagnoses; " + CLIENT_DEPENDENT
    return CLIENT_DEPENDENT
