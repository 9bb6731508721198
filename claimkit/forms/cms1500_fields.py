"""What each CMS-1500 page prints, box by box: the NUCC content rules applied to a claim snapshot.

`page_fields(snapshot, page)` maps layout keys ("2", "3.mm", "24.1.cpt", ...) to the exact printed strings;
a checkbox key maps to "X". Where a key prints (grid line, column, width) and which box rectangle holds it is
data in templates/cms1500/layout.toml, read by `layout()`. Pure: no files besides that template, no ledger.

Rules applied here (NUCC 1500 instructions, 02/12 form): all capitals; names LAST, FIRST, M without periods;
addresses and names without punctuation; IDs without spaces or hyphens; 8-digit dates (MM DD YYYY) in 3 and
11a, 6-digit (MM DD YY) in 24A; money as dollars and cents in their own columns, no "$" and no "."; ICD-10
codes without the dot, indicator 0; 24E pointers as letters; box 28 totals only its own page's lines.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache

from claimkit.core.entries import LINES_PER_PAGE, ClaimSnapshot, SnapAddress, SnapLine, SnapPerson, SnapProvider
from claimkit.core.money import ZERO
from claimkit.core.nucc import clean, digits, dx_code, ident

TELEHEALTH_POS = ("02", "10")
BOX1 = {"medicare": "1.medicare", "medicaid": "1.medicaid", "tricare": "1.tricare", "champva": "1.champva",
        "group": "1.group", "feca": "1.feca", "other": "1.other", "commercial": "1.other"}
RELATIONSHIP = {"self": "6.self", "spouse": "6.spouse", "child": "6.child", "other": "6.other"}
SOF = "SIGNATURE ON FILE"
PAGE_HEIGHT_PT = 792.0


# --- the layout ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Spot:
    """Where one key prints: x of its first character, its baseline (PDF points), width in characters."""

    key: str
    x: float
    y: float
    width: int
    right: bool
    check: bool
    box: str
    rect: tuple[float, float, float, float]  # PDF points (x0, y0, x1, y1) of the box that must hold it


@dataclass(frozen=True)
class Layout:
    pitch: float
    font: str
    font_size: float
    char_space: float
    spots: dict[str, Spot]
    boxes: dict[str, tuple[float, float, float, float]]  # PDF points
    acroform: dict[str, tuple[str, str | None]]  # key -> (field name, export value or None)


def _pt_rect(rect_in: list[float]) -> tuple[float, float, float, float]:
    left, top, right, bottom = rect_in
    return (left * 72, PAGE_HEIGHT_PT - bottom * 72, right * 72, PAGE_HEIGHT_PT - top * 72)


@cache
def layout() -> Layout:
    from claimkit.core.resources import template

    data = tomllib.loads(template("cms1500", "layout.toml").read_text("utf-8"))
    grid = data["grid"]
    left, top, pitch, lpt = grid["left_pt"], grid["top_pt"], grid["pitch_pt"], grid["line_pt"]
    height = grid["page_pt"][1]
    boxes = {k: _pt_rect(v) for k, v in data["boxes"].items()}

    def spot(key: str, spec: dict, line: int, rect: tuple) -> Spot:
        return Spot(key, left + (spec["col"] - 1) * pitch, height - top - lpt * line, spec["width"],
                    spec.get("align") == "right", bool(spec.get("check")), spec.get("box", spec.get("column", "")), rect)

    spots = {key: spot(key, spec, spec["line"], boxes[spec["box"]]) for key, spec in data["fields"].items()}
    lines_top, line_h = grid["lines_top_in"], grid["line_height_in"]
    for n in range(1, LINES_PER_PAGE + 1):
        band_top = lines_top + (n - 1) * line_h
        for name, spec in data["line_fields"].items():
            shaded = spec["row"] == "shaded"
            x0, x1 = data["columns"][spec["column"]]
            half_top = band_top if shaded else band_top + line_h / 2
            rect = _pt_rect([x0, half_top, x1, half_top + line_h / 2])
            spots[f"24.{n}.{name}"] = spot(f"24.{n}.{name}", spec, 41 + 2 * n if shaded else 42 + 2 * n, rect)
    acro: dict[str, tuple[str, str | None]] = {}
    for key, value in data["acroform"].items():
        name, _, export = value.partition("=")
        acro[key] = (name, export or None)
    for n in range(1, LINES_PER_PAGE + 1):
        for name, pattern in data["acroform_lines"].items():
            acro[f"24.{n}.{name}"] = (pattern.format(n=n), None)
    return Layout(pitch, grid["font"], grid["font_size"], grid["char_space_pt"], spots, boxes, acro)


# --- content rules -------------------------------------------------------------------------------------

def person_name(p: SnapPerson) -> str:
    """LAST SUFFIX, FIRST, M (middle initial only, no periods)."""
    last = " ".join(x for x in (clean(p.last), clean(p.suffix)) if x)
    parts = [last, clean(p.first)]
    middle = clean(p.middle)
    if middle:
        parts.append(middle[0])
    return ", ".join(x for x in parts if x)


def referring_name(r: SnapProvider) -> str:
    """Box 17: FIRST MI LAST (the snapshot's `name`) and credentials, no periods or commas."""
    return clean(" ".join(x for x in (r.name or " ".join(x for x in (r.first, r.last) if x), r.credentials) if x))


def mdy(day: date, year_digits: int = 4) -> tuple[str, str, str]:
    year = f"{day.year:04d}"
    return f"{day.month:02d}", f"{day.day:02d}", year if year_digits == 4 else year[2:]


def money(amount: Decimal) -> str:
    """Decimal('1180.50') -> '1180 50': dollars, a space where the form's dotted line is, then cents."""
    cents = int((abs(amount) * 100).to_integral_value())
    return f"{cents // 100} {cents % 100:02d}"


def zip_code(value: str, hyphen: bool = True) -> str:
    d = digits(value)
    if len(d) == 9:
        return f"{d[:5]}-{d[5:]}" if hyphen else d
    return d


def phone_parts(phone: str) -> tuple[str, str]:
    d = digits(phone)
    if len(d) == 11 and d.startswith("1"):
        d = d[1:]
    if len(d) != 10:
        return "", d
    return d[:3], d[3:]


def city_state_zip(a: SnapAddress, hyphen: bool) -> str:
    return " ".join(x for x in (clean(a.city), a.state.upper(), zip_code(a.zip, hyphen)) if x)


def provider_signature(snapshot: ClaimSnapshot) -> tuple[str, str]:
    """Box 31: the rendering clinician's name and credentials (one line, or two when it is long)."""
    return signature_lines(snapshot.rendering)


def signature_lines(r: SnapProvider) -> tuple[str, str]:
    """Box 31 from the rendering provider (what the claim prints and what 'cms1500 explain 31' says)."""
    name = clean(" ".join(x for x in (r.first, r.last) if x) or r.name)
    creds = clean(r.credentials)
    whole = f"{name} {creds}".strip()
    if len(whole) <= layout().spots["31"].width:
        return "", whole
    return name, creds


def page_amount_paid(snapshot: ClaimSnapshot, page_index: int) -> Decimal:
    """Box 29 for one page. With per-line prior payments (a secondary claim) each page carries its own lines'
    payments and page 1 adds the rest (what the client paid); otherwise the whole amount prints on page 1."""
    pages = snapshot.pages
    if all(line.prior_paid is not None for line in snapshot.lines) and snapshot.lines:
        per_line = sum((line.prior_paid or ZERO for line in snapshot.lines), ZERO)
        rest = max(snapshot.amount_paid - per_line, ZERO)
        own = sum((line.prior_paid or ZERO for line in pages[page_index]), ZERO)
        return own + (rest if page_index == 0 else ZERO)
    return snapshot.amount_paid if page_index == 0 else ZERO


def _address_fields(out: dict[str, str], box: str, a: SnapAddress) -> None:
    out[f"{box}.street"] = clean(" ".join(x for x in (a.street, a.street2) if x))
    out[f"{box}.city"] = clean(a.city)
    out[f"{box}.state"] = a.state.upper()
    out[f"{box}.zip"] = zip_code(a.zip)
    area, number = phone_parts(a.phone)
    out[f"{box}.area"] = area
    out[f"{box}.phone"] = number


def _dob_fields(out: dict[str, str], box: str, p: SnapPerson) -> None:
    if p.dob:
        out[f"{box}.mm"], out[f"{box}.dd"], out[f"{box}.yyyy"] = mdy(p.dob)
    if p.sex == "M":
        out[f"{box}.m"] = "X"
    elif p.sex == "F":
        out[f"{box}.f"] = "X"


def _line_fields(out: dict[str, str], n: int, line: SnapLine) -> None:
    k = f"24.{n}."
    out[k + "from_mm"], out[k + "from_dd"], out[k + "from_yy"] = mdy(line.date_from, 2)
    out[k + "to_mm"], out[k + "to_dd"], out[k + "to_yy"] = mdy(line.date_to, 2)
    out[k + "pos"] = line.pos
    if line.emg:
        out[k + "emg"] = "Y"
    out[k + "cpt"] = line.cpt.upper()
    for i, mod in enumerate(line.modifiers[:4], start=1):
        out[f"{k}mod{i}"] = mod.upper()
    out[k + "ptr"] = line.dx_pointers.upper()[:4]
    out[k + "charge"] = money(line.charge)
    out[k + "units"] = str(line.units)
    if line.rendering_taxonomy:
        out[k + "qual"] = "ZZ"
        out[k + "other_id"] = ident(line.rendering_taxonomy)
    if line.rendering_npi:
        out[k + "npi"] = line.rendering_npi


def page_fields(snapshot: ClaimSnapshot, page_index: int = 0) -> dict[str, str]:
    """Every value printed on page `page_index` (0-based) of the claim, keyed as in layout.toml."""
    s = snapshot
    out: dict[str, str] = {}
    payer = s.billed.payer
    a = payer.address
    carrier = [clean(payer.name), clean(a.street), clean(a.street2), city_state_zip(a, True)]
    for i, text in enumerate(x for x in carrier if x):
        out[f"carrier.{i + 1}"] = text
    out[BOX1.get(payer.type, "1.other")] = "X"
    out["1a"] = ident(s.billed.member_id)
    out["2"] = person_name(s.patient)
    _dob_fields(out, "3", s.patient)
    insured = s.billed.insured
    out["4"] = person_name(insured)
    _address_fields(out, "5", s.patient.address)
    out[RELATIONSHIP[s.billed.relationship]] = "X"
    _address_fields(out, "7", insured.address)
    if s.other is not None:
        out["9"] = person_name(s.other.insured)
        out["9a"] = ident(s.other.member_id or s.other.group)
        out["9d"] = clean(s.other.plan_name or s.other.payer.name)
    out["10a.yes" if s.related_employment else "10a.no"] = "X"
    out["10b.yes" if s.related_auto else "10b.no"] = "X"
    if s.related_auto and s.related_auto_state:
        out["10b.state"] = s.related_auto_state.upper()
    out["10c.yes" if s.related_other else "10c.no"] = "X"
    out["11"] = ident(s.billed.group)
    _dob_fields(out, "11a", insured)
    out["11c"] = clean(s.billed.plan_name)
    out["11d.yes" if s.other is not None else "11d.no"] = "X"
    if s.onset is not None and s.onset_qualifier:  # never a date without its qualifier
        out["14.mm"], out["14.dd"], out["14.yy"] = mdy(s.onset, 2)
        out["14.qual"] = s.onset_qualifier
    if s.referring is not None and s.referring_qualifier:
        r = s.referring
        out["17.qual"] = s.referring_qualifier
        out["17"] = referring_name(r)
        out["17b"] = r.npi
    if s.patient_signature_on_file:
        out["12"] = SOF
    if s.insured_signature_on_file:
        out["13"] = SOF
    out["21.ind"] = s.icd_indicator
    for letter, code in zip("abcdefghijkl", s.dx):
        out[f"21.{letter}"] = dx_code(code)
    if s.frequency != "1":
        out["22.code"] = s.frequency
        out["22.ref"] = ident(s.original_ref)
    out["23"] = ident(s.prior_auth)
    page = s.pages[page_index]
    for n, line in enumerate(page, start=1):
        _line_fields(out, n, line)
    out["25"] = digits(s.tax_id)
    out["25.ssn" if s.tax_id_type == "ssn" else "25.ein"] = "X"
    out["26"] = ident(s.claim_id)
    out["27.yes" if s.accept_assignment else "27.no"] = "X"
    out["28"] = money(sum((line.charge for line in page), ZERO))
    paid = page_amount_paid(s, page_index)
    if paid:
        out["29"] = money(paid)
    first, second = provider_signature(s)
    if first:
        out["31.1"] = first
    out["31"] = second
    out["31.date"] = " ".join(mdy(s.signed_date))
    if s.facility is not None:
        f = s.facility
        out["32.name"] = clean(f.name)
        out["32.street"] = clean(" ".join(x for x in (f.address.street, f.address.street2) if x))
        out["32.city"] = city_state_zip(f.address, False)
        if f.npi and f.npi != s.billing.npi:
            out["32a"] = f.npi
    b = s.billing
    out["33.area"], out["33.phone"] = phone_parts(b.address.phone)
    out["33.name"] = clean(b.name)
    out["33.street"] = clean(" ".join(x for x in (b.address.street, b.address.street2) if x))
    out["33.city"] = city_state_zip(b.address, False)
    out["33a"] = b.npi
    if box_33b(s.billing_taxonomy_in_33b, b.taxonomy):
        out["33b"] = box_33b(s.billing_taxonomy_in_33b, b.taxonomy)
    return {k: v for k, v in out.items() if v}


def box_33b(payer_requires_taxonomy: bool, billing_taxonomy: str) -> str:
    """Box 33b: ZZ + the billing taxonomy, for a payer that asks for it and only when [billing] taxonomy is set."""
    return "ZZ" + ident(billing_taxonomy) if payer_requires_taxonomy and billing_taxonomy else ""


def overflows(snapshot: ClaimSnapshot) -> list[tuple[str, str, int]]:
    """Values longer than their box holds at 10 characters per inch (printed cut): (key, value, width)."""
    spots = layout().spots
    found = []
    for index in range(len(snapshot.pages)):
        for key, value in page_fields(snapshot, index).items():
            width = spots[key].width
            if len(value) > width:
                found.append((key, value, width))
    return found
