"""A Good Faith Estimate PDF: what a self-pay client is told to expect, with every element 45 CFR 149.610(c) asks for.

Pure: a `GoodFaithEstimate` in, PDF bytes out (reportlab imported inside). US Letter, one page for a typical
plan (a few service codes): the practice header with the estimate's number and date, the client and provider
blocks, the planned care (primary service, first date, period, frequency, sessions, diagnoses, location), the
itemized table grouped by provider with the total, the services to schedule separately, the four statements in
our own plain words (templates/gfe/statements.toml), and the signature and date lines.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

from claimkit.forms.documents import address_lines, day_text, phone_text, tax_id_text, usd

if TYPE_CHECKING:
    from claimkit.gfe.records import GoodFaithEstimate

FREQUENCY_WORDS = {"weekly": "Weekly", "biweekly": "Every two weeks", "monthly": "Monthly"}












@cache
def wording() -> dict[str, Any]:
    """The printed statements (shipped data, not code)."""
    import tomllib

    from claimkit.core.resources import template

    with template("gfe", "statements.toml").open("rb") as fh:
        return tomllib.load(fh)


def _dx_text(code: str) -> str:
    from claimkit import catalog

    try:
        found = catalog.icd10(code)
    except Exception:  # a damaged or missing code set must not stop the estimate
        found = None
    return f"{code} {found.description}" if found is not None and found.description else code


def render_gfe(gfe: "GoodFaithEstimate") -> bytes:
    from xml.sax.saxutils import escape

    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import inch
    from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

    from claimkit.forms.documents import house_style, letter_pdf, lines, page_footer, page_header

    words = wording()
    hs = house_style()
    ink, rule, band = hs.ink, hs.rule, hs.band
    base, small, label, cell = hs.base, hs.small, hs.label, hs.cell
    money_cell = ParagraphStyle("money", parent=cell, alignment=TA_RIGHT)
    text_small = ParagraphStyle("stmt", parent=base, fontSize=8, leading=10)
    width = 7.3 * inch

    def p(text: str, style=base) -> Paragraph:
        return Paragraph(text, style)

    pv, cl = gfe.provider, gfe.client
    story: list = []
    right_lines = [f"<font size=15><b>{escape(words['title'].upper())}</b></font>", f"Estimate {escape(gfe.id)}",
                   f"Date given {day_text(gfe.issued)}"]
    if gfe.supersedes:
        right_lines.append(f"Replaces estimate {escape(gfe.supersedes)}")
    title = page_header(hs, pv.practice, pv.location, pv.phone, right_lines)
    story += [title, Spacer(1, 6), p(escape(words["intro"]), base), Spacer(1, 8)]

    coverage = ("Not insured" if cl.coverage == "uninsured" else
                "Insured, paying for these services without using the insurance (self-pay)")
    client = [p("CLIENT", label), p(f"<b>{escape(cl.name)}</b>"),
              p(lines(f"Date of birth: {day_text(cl.dob)}", *address_lines(cl.address),
                      f"Phone: {phone_text(cl.phone)}" if cl.phone else "", f"Email: {cl.email}" if cl.email else "",
                      coverage))]
    provider = [p("PROVIDER", label), p(f"<b>{escape(pv.display_name)}</b>"),
                p(lines(pv.practice if pv.practice != pv.name else "", f"NPI: {pv.npi}",
                        f"Practice NPI: {pv.billing_npi}" if pv.billing_npi else "",
                        f"TIN ({'SSN' if pv.tin_type == 'ssn' else 'EIN'}): {tax_id_text(pv.tin, pv.tin_type)}",
                        f"License: {pv.license}" if pv.license else "",
                        f"Phone: {phone_text(pv.phone)}" if pv.phone else ""))]
    parties = Table([[client, provider]], colWidths=[3.65 * inch, 3.65 * inch])
    parties.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOX", (0, 0), (-1, -1), 0.5, rule),
                                 ("INNERGRID", (0, 0), (-1, -1), 0.5, rule), ("TOPPADDING", (0, 0), (-1, -1), 5),
                                 ("BOTTOMPADDING", (0, 0), (-1, -1), 6), ("LEFTPADDING", (0, 0), (-1, -1), 7)]))
    story += [parties, Spacer(1, 8)]

    dx = list(dict.fromkeys(d for item in gfe.items for d in item.dx))
    location = ", ".join(address_lines(pv.location))
    where = f"{location} (state: {pv.location.state})" if location else f"State: {pv.location.state}"
    if pv.telehealth:
        where += "; sessions may also be held by video"
    months = f"{gfe.months} month{'s' if gfe.months != 1 else ''}"

    def wide(k: str, v: str) -> list:
        return [p(k, cell), p(escape(v), cell), "", ""]

    care_rows = [[p("PLANNED CARE", label), "", "", ""],
                 wide("Primary service", gfe.service),
                 [p("First session scheduled", cell), p(day_text(gfe.start), cell), p("How often", cell),
                  p(FREQUENCY_WORDS.get(gfe.frequency, gfe.frequency), cell)],
                 [p("Period covered", cell), p(f"{day_text(gfe.start)} to {day_text(gfe.end)} ({months})", cell),
                  p("Sessions expected", cell), p(str(gfe.sessions), cell)],
                 wide("Diagnosis codes", "; ".join(_dx_text(d) for d in dx)),
                 wide("Where", where)]
    care = Table(care_rows, colWidths=[1.6 * inch, 2.55 * inch, 1.3 * inch, 1.85 * inch])
    care.setStyle(TableStyle([("SPAN", (0, 0), (-1, 0)), ("SPAN", (1, 1), (-1, 1)), ("SPAN", (1, 4), (-1, 4)),
                              ("SPAN", (1, 5), (-1, 5)), ("LINEBELOW", (0, 0), (-1, 0), 0.5, rule),
                              ("LEFTPADDING", (0, 0), (-1, -1), 2), ("TOPPADDING", (0, 0), (-1, -1), 1.2),
                              ("BOTTOMPADDING", (0, 0), (-1, -1), 1.2), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [care, Spacer(1, 8)]

    header = ["Service code", "Service", "Diagnosis codes", "Sessions", "Charge each", "Expected charge"]
    rows = [[p("ITEMIZED ESTIMATE OF EXPECTED CHARGES", label), "", "", "", "", ""],
            [p(f"<b>{h}</b>", money_cell if h in ("Sessions", "Charge each", "Expected charge") else cell) for h in header],
            [p(f"<b>{escape(pv.display_name)}</b> - NPI {pv.npi}, TIN {tax_id_text(pv.tin, pv.tin_type)}", cell), "", "", "", "", ""]]
    for item in gfe.items:
        rows.append([p(item.cpt, cell), p(escape(item.description), cell), p(", ".join(item.dx), cell),
                     p(str(item.sessions), money_cell), p(usd(item.fee), money_cell), p(usd(item.total), money_cell)])
    rows.append([p("<b>Total expected charges</b>", cell), "", "", p(f"<b>{gfe.sessions}</b>", money_cell), "",
                 p(f"<b>{usd(gfe.total)}</b>", money_cell)])
    last = len(rows) - 1
    table = Table(rows, colWidths=[0.9 * inch, 2.4 * inch, 1.1 * inch, 0.7 * inch, 1.0 * inch, 1.2 * inch], repeatRows=2)
    table.setStyle(TableStyle([("SPAN", (0, 0), (-1, 0)), ("SPAN", (0, 2), (-1, 2)), ("SPAN", (0, last), (2, last)),
                               ("BACKGROUND", (0, 1), (-1, 1), band), ("LINEBELOW", (0, 1), (-1, 1), 0.8, ink),
                               ("LINEBELOW", (0, 2), (-1, last - 1), 0.3, rule), ("LINEABOVE", (0, last), (-1, last), 0.8, ink),
                               ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 3),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 3)]))
    story += [table, Spacer(1, 8)]

    separate = gfe.separate or [words["none_separate"]]
    story += [p("SERVICES TO BE SCHEDULED SEPARATELY, BEFORE OR AFTER THIS CARE", label),
              p(lines(*separate), base), Spacer(1, 8)]

    threshold = usd(Decimal("400.00"))
    stmts = [p(f"<b>{escape(s['heading'])}.</b> " + escape(s["text"].format(total=usd(gfe.total), threshold=threshold)),
               text_small) for s in words["statement"]]
    box = Table([[stmts[0], stmts[1]], [stmts[2], stmts[3]]], colWidths=[width / 2, width / 2])
    box.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.8, ink), ("BACKGROUND", (0, 0), (-1, -1), band),
                             ("INNERGRID", (0, 0), (-1, -1), 0.4, rule), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                             ("TOPPADDING", (0, 0), (-1, -1), 5), ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]))
    gap = ["", "", "", "", "", "", ""]
    sign = Table([[p(escape(words["keep"]), small), "", "", "", "", "", ""], gap,
                  [p(f"Provider signature: {escape(pv.display_name)}", small), "", p("Date", small), "",
                   p(f"Received by the client: {escape(cl.name)}", small), "", p("Date", small)]],
                 colWidths=[2.4 * inch, 0.15 * inch, 0.95 * inch, 0.3 * inch, 2.4 * inch, 0.15 * inch, 0.95 * inch],
                 rowHeights=[14, 24, 12])
    sign.setStyle(TableStyle([("SPAN", (0, 0), (-1, 0)), ("LEFTPADDING", (0, 0), (-1, -1), 0)]
                             + [("LINEBELOW", (c, 1), (c, 1), 0.8, ink) for c in (0, 2, 4, 6)]))
    story += [KeepTogether([box, Spacer(1, 8), sign])]

    footer = page_footer(hs, lambda canvas: f"{pv.practice} - Good Faith Estimate {gfe.id} for {cl.name}"
                         " - contains protected health information")

    return letter_pdf(story, title=f"Good Faith Estimate {gfe.id}", author=pv.practice, footer=footer, top=0.5,
                      bottom=0.65)
