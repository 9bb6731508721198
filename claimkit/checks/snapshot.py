"""Rules on a built claim: the frozen snapshot a CMS-1500 or 837P prints (22, 23, 24E, 24J, 26, 28, 29, 32, 33a).

`check_claim_snapshot` also runs the session and same-day rules on the snapshot's lines (see runner.line_rows).
"""

from __future__ import annotations

import re
from collections import Counter

from claimkit import catalog
from claimkit.checks import Context, Hit, rule
from claimkit.checks.claim import _covers, _matches
from claimkit.core.codes import DENIED, FORWARDED, PAID, PARTIAL
from claimkit.core.entries import LINES_PER_PAGE
from claimkit.core.records import npi_valid

LETTERS = "ABCDEFGHIJKL"
TEN_DIGITS = re.compile(r"\d{10}")


def _claim_npis(ctx: Context):
    c = ctx.claim
    yield "33a", "billing NPI", c.billing.npi
    if c.facility is not None:
        yield "32a", "facility NPI", c.facility.npi
    for npi in dict.fromkeys(line.rendering_npi for line in c.lines if line.rendering_npi):
        yield "24J", "rendering NPI", npi
    if c.referring is not None:
        yield "17b", "referring provider's NPI", c.referring.npi


@rule("npi-format", "error", ("33a", "24J", "32a", "17b"), "claim")
def claim_npi_format(ctx: Context):
    """An NPI is exactly 10 digits."""
    for box, what, npi in _claim_npis(ctx):
        if npi and not TEN_DIGITS.fullmatch(npi):
            yield Hit(f"{what} '{npi}' on the claim is not 10 digits", "fix practice.toml and rebuild the claim", box)


@rule("npi-check-digit", "error", ("33a", "24J", "32a", "17b"), "claim")
def claim_npi_check_digit(ctx: Context):
    """An NPI's last digit is the Luhn check digit of 80840 + its first nine digits."""
    for box, what, npi in _claim_npis(ctx):
        if npi and TEN_DIGITS.fullmatch(npi) and not npi_valid(npi):
            yield Hit(f"{what} {npi} on the claim has a wrong check digit", "fix practice.toml and rebuild the claim", box)


@rule("referring-npi-missing", "error", ("17b",), "claim")
def referring_npi_missing(ctx: Context):
    """Box 17b (the NPI) is required whenever box 17 names a provider."""
    r = ctx.claim.referring
    if r is not None and not r.npi:
        return [Hit(f"box 17 names {r.name or r.last} but 17b (their NPI) is empty",
                    "add npi to the policy's referring provider in the client file and rebuild the claim", "17b")]
    return None


@rule("accident-details", "error", ("10b", "10a", "10c"), "claim")
def accident_details(ctx: Context):
    """An accident claim (10a, 10b or 10c yes) carries the accident date (837P DTP*439); an auto accident its state."""
    c = ctx.claim
    if not (c.related_auto or c.related_employment or c.related_other):
        return None
    box = "10b" if c.related_auto else "10a" if c.related_employment else "10c"
    hits = []
    if c.related_auto and not c.related_auto_state:
        hits.append(Hit("box 10b says auto accident but names no state where it happened",
                        "set accident.state in the client file (e.g. state = \"TX\") and rebuild the claim", "10b"))
    if c.accident_date is None:
        hits.append(Hit(f"box {box} says the condition is related to an accident or employment but the claim has no"
                        " accident date (the 837P needs it)", "set accident.date in the client file and rebuild the claim", box))
    return hits or None


@rule("billing-npi-missing", "error", ("33a",), "claim")
def claim_billing_npi_missing(ctx: Context):
    """Box 33a needs the billing provider's NPI."""
    if not ctx.claim.billing.npi:
        return [Hit("box 33a (billing NPI) is empty on the claim", "add the NPI to practice.toml and rebuild the claim")]


@rule("member-id-missing", "error", ("1a", "9a"), "claim")
def claim_member_id_missing(ctx: Context):
    """Every billed policy needs the member ID from the card."""
    if not ctx.claim.billed.member_id.strip():
        return [Hit(f"box 1a (member ID for {ctx.claim.billed.payer.name}) is empty", "add the member ID to the client's policy and rebuild the claim")]


@rule("claim-no-lines", "error", ("24A",), "claim")
def claim_no_lines(ctx: Context):
    """A claim has at least one service line."""
    if not ctx.claim.lines:
        return [Hit(f"claim {ctx.claim.claim_id} has no service lines", "void it and build the claim again from the sessions")]


@rule("lines-per-page", "error", ("24A",), "claim")
def lines_per_page(ctx: Context):
    """A CMS-1500 page holds 6 service lines; more continue on further pages with the same claim number."""
    n = len(ctx.claim.lines)
    need = -(-n // LINES_PER_PAGE)
    if ctx.claim_pages is not None and n and ctx.claim_pages < need:
        return [Hit(f"claim {ctx.claim.claim_id} has {n} lines but is recorded as {ctx.claim_pages} page(s); it needs {need}",
                  "rebuild the claim so each page holds at most 6 lines")]


@rule("total-mismatch", "error", ("28",), "claim")
def total_mismatch(ctx: Context):
    """Box 28 is the sum of the 24F charges."""
    total = ctx.claim.total_charge
    if ctx.claim_total is not None and ctx.claim_total != total:
        return [Hit(f"claim total {ctx.claim_total:.2f} differs from the sum of its lines {total:.2f}",
                  "rebuild the claim; do not edit the ledger by hand")]


@rule("resubmission-ref", "error", ("22",), "claim")
def resubmission_ref(ctx: Context):
    """A replacement (7) or void (8) claim carries the payer's original claim number in box 22."""
    c = ctx.claim
    if c.frequency in ("7", "8") and not c.original_ref.strip():
        kind = "replacement" if c.frequency == "7" else "void"
        return [Hit(f"claim {c.claim_id} is a {kind} (box 22 code {c.frequency}) without the payer's original claim number",
                  "copy the payer's claim number from the ERA/EOB of the original claim")]


@rule("resubmission-original", "warning", ("22",), "claim")
def resubmission_original(ctx: Context):
    """An original claim (frequency 1) leaves box 22 blank."""
    c = ctx.claim
    if c.frequency == "1" and c.original_ref.strip():
        return [Hit(f"claim {c.claim_id} is an original claim but box 22 holds reference {c.original_ref}",
                  "make it a replacement (code 7) if it corrects a paid or denied claim; otherwise clear the reference")]


@rule("prior-auth-box", "error", ("23",), "claim")
def prior_auth_box(ctx: Context):
    """Box 23 carries the authorization number when an authorization on the client's record covers the claim's lines."""
    c = ctx.claim
    if c.prior_auth.strip() or ctx.client is None or not ctx.client.authorizations:
        return
    pid = c.billed.payer.id
    for line in c.lines:
        info = catalog.cpt(line.cpt)
        if info is not None and info.addon:
            continue
        for a in ctx.client.authorizations:
            if a.payer in ("", pid) and _matches(a, line.cpt) and _covers(a, line.date_from):
                yield Hit(f"box 23 is empty but authorization {a.number} covers line {line.line_no} ({line.cpt} on "
                          f"{line.date_from.isoformat()})", "rebuild the claim so box 23 carries the authorization number")
                return


@rule("amount-paid", "error", ("29",), "claim")
def amount_paid(ctx: Context):
    """Box 29 (amount paid) cannot exceed the total charge."""
    c = ctx.claim
    if c.amount_paid > c.total_charge:
        return [Hit(f"amount paid {c.amount_paid:.2f} is more than the claim total {c.total_charge:.2f}",
                  "check the payments posted for these sessions and rebuild the claim")]


@rule("rendering-npi-duplicate", "warning", ("24J",), "claim")
def rendering_npi_duplicate(ctx: Context):
    """24J holds the rendering NPI only when it differs from 33a."""
    c = ctx.claim
    same = [line.line_no for line in c.lines if line.rendering_npi and line.rendering_npi == c.billing.npi]
    if same:
        return [Hit(f"24J repeats the billing NPI {c.billing.npi} on line(s) {', '.join(map(str, same))}",
                  "leave 24J blank when the rendering and billing NPI are the same")]


@rule("taxonomy-required", "error", ("33b", "24J"), "claim")
def claim_taxonomy_required(ctx: Context):
    """A payer that wants the taxonomy gets ZZ + the code in 33b (and 24J shaded); the practice must have one."""
    c, payer = ctx.claim, ctx.payer
    if payer is None or not payer.requires_taxonomy:
        return
    in_33b = c.billing_taxonomy_in_33b and c.billing.taxonomy
    if not in_33b and not any(line.rendering_taxonomy for line in c.lines):
        return [Hit(f"{payer.name} wants a taxonomy code (ZZ in 33b or 24J shaded) but the claim prints none",
                  "add taxonomy to practice.toml and rebuild the claim")]


@rule("facility-telehealth", "warning", ("32",), "claim")
def facility_telehealth(ctx: Context):
    """Box 32 (service facility) is left blank when every line is telehealth."""
    c = ctx.claim
    if c.facility is None or not c.lines:
        return None
    for line in c.lines:
        place = catalog.pos(line.pos)
        if place is None or not place.telehealth:
            return None
    return [Hit("box 32 names a service facility but every line is telehealth", "leave box 32 blank for telehealth-only claims")]


@rule("secondary-needs-primary", "error", ("9", "9a", "9d", "11d"), "claim")
def secondary_needs_primary(ctx: Context):
    """A secondary claim names the primary plan in 9, 9a, 9d (11d YES)."""
    c = ctx.claim
    if c.rank != "primary" and c.other is None:
        return [Hit(f"claim {c.claim_id} is {c.rank} but boxes 9-9d (the other plan) are empty",
                  "add the primary policy to the client's record and rebuild the claim")]


@rule("secondary-prior-payment", "warning", ("29",), "claim")
def secondary_prior_payment(ctx: Context):
    """A secondary claim reports what the primary paid (attach its EOB)."""
    c = ctx.claim
    if c.rank != "primary" and c.prior_payer_paid is None:
        return [Hit(f"claim {c.claim_id} is {c.rank} but does not say what the primary paid",
                  "post the primary's ERA/EOB first, then rebuild the claim (and attach the EOB to paper claims)")]


@rule("account-number", "warning", ("26",), "claim")
def account_number(ctx: Context):
    """Box 26 (the claim id payers echo back) is at most 14 letters and digits."""
    cid = ctx.claim.claim_id
    if not re.fullmatch(r"[A-Za-z0-9]{1,14}", cid):
        return [Hit(f"claim id '{cid}' in box 26 has special characters or is longer than 14",
                  "payers may cut or change it, and the ERA will not match; rebuild the claim")]


@rule("session-already-billed", "error", ("24A",), "claim")
def session_already_billed(ctx: Context):
    """A session goes on one original claim per payer; a second one is a duplicate."""
    for line in ctx.claim.lines:
        other = ctx.billed_elsewhere.get(line.session_id) if line.session_id is not None else None
        if other:
            yield Hit(f"line {line.line_no} (session {line.session_id}) is also on claim {other}",
                      f"send a replacement (code 7) for {other} instead, or void one of the claims", where=f"line {line.line_no}")


# ledger statuses a remittance leaves on a claim the payer has decided (see claimkit/remittance/records.py)
ADJUDICATED = {PAID: "paid", PARTIAL: "partly paid", DENIED: "denied", FORWARDED: "paid and forwarded to the next payer"}


@rule("claim-adjudicated", "error", ("22",), "claim")
def claim_adjudicated(ctx: Context):
    """A claim the payer has already decided goes back only as a replacement (box 22 code 7) or an appeal, not unchanged."""
    what = ADJUDICATED.get(ctx.claim_status or "")
    if what is None or not ctx.pending:
        return None
    c = ctx.claim
    return [Hit(f"claim {c.claim_id} was already {what} by {c.billed.payer.name}; sent again unchanged it is a duplicate (CARC 18)",
                f"send a replacement ('claimkit claim correct {c.claim_id} --replace') or appeal; --force only to print a copy")]


@rule("dx-count", "error", ("21",), "claim")
def dx_count(ctx: Context):
    """Box 21 holds at most 12 diagnoses (A-L)."""
    n = len(ctx.claim.dx)
    if n > 12:
        return [Hit(f"claim {ctx.claim.claim_id} lists {n} diagnoses; box 21 holds 12", "split the sessions over two claims")]


@rule("dx-pointer-invalid", "error", ("24E",), "claim")
def dx_pointer_invalid(ctx: Context):
    """24E pointers are 1-4 letters A-L that point to filled lines of box 21."""
    c = ctx.claim
    for line in c.lines:
        p = line.dx_pointers
        bad = [ch for ch in p if ch not in LETTERS or LETTERS.index(ch) >= len(c.dx)]
        if not p or bad or len(set(p)) != len(p):
            what = "is empty" if not p else (f"points to empty box 21 line(s) {''.join(bad)}" if bad else "repeats a letter")
            yield Hit(f"line {line.line_no} pointer '{p}' {what} (box 21 has {len(c.dx)} codes)",
                      "rebuild the claim from the sessions", where=f"line {line.line_no}")


@rule("dx-duplicate", "warning", ("21",), "claim")
def dx_duplicate(ctx: Context):
    """Each diagnosis appears once in box 21."""
    if len(set(ctx.claim.dx)) == len(ctx.claim.dx):
        return None
    seen = Counter(ctx.claim.dx)
    dups = [d for d, n in seen.items() if n > 1]
    if dups:
        return [Hit(f"box 21 lists {', '.join(dups)} more than once", "rebuild the claim; each code belongs once in box 21")]


@rule("icd-indicator", "error", ("21",), "claim")
def icd_indicator(ctx: Context):
    """Box 21's ICD indicator is 0 (ICD-10-CM)."""
    if ctx.claim.icd_indicator != "0":
        return [Hit(f"box 21 ICD indicator is '{ctx.claim.icd_indicator}'; ICD-10-CM claims need 0", "rebuild the claim")]
