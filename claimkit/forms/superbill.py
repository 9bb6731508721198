"""A superbill PDF: the itemised statement an out-of-network or self-pay client files with their insurer.

Pure: a `claimkit.claims.Superbill` in, PDF bytes out (reportlab imported inside). US Letter, one page for a
month of weekly sessions, more when the table runs on (the header row repeats, every page is numbered).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from claimkit.forms.documents import address_lines, day_text, phone_text, tax_id_text, usd

if TYPE_CHECKING:
    from claimkit.claims.superbill import Superbill












def render_superbill(sb: "Superbill") -> bytes:
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import inch
    from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle
    from xml.sax.saxutils import escape

    from claimkit.forms.documents import house_style, letter_pdf, lines, page_footer, page_header

    hs = house_style()
    ink, rule, band = hs.ink, hs.rule, hs.band
    base, small, label, right, cell = hs.base, hs.small, hs.label, hs.right, hs.cell

    def p(text: str, style=base) -> Paragraph:
        return Paragraph(text, style)

    b, r, c = sb.billing, sb.provider, sb.client
    story = []
    title = page_header(hs, sb.practice_name, b.address, b.address.phone, [
        "<font size=15><b>SUPERBILL</b></font>", f"Statement {escape(sb.number)}", f"Date issued {day_text(sb.issued)}",
        f"Services {day_text(sb.start)} to {day_text(sb.end)}"])
    story += [title, Spacer(1, 10)]

    provider_name = ", ".join(x for x in (r.name, r.credentials) if x)
    license_text = f"{r.license} ({r.license_state})" if r.license and r.license_state else r.license
    provider = [p("PROVIDER", label), p(f"<b>{escape(provider_name)}</b>"),
                p(lines(f"License: {license_text}" if license_text else "", f"Individual NPI: {r.npi}" if r.npi else "",
                        f"Taxonomy: {r.taxonomy}" if r.taxonomy else ""))]
    billing = [p("PRACTICE (BILLING)", label), p(f"<b>{escape(b.name)}</b>"),
               p(lines(f"Tax ID ({'SSN' if sb.tax_id_type == 'ssn' else 'EIN'}): {tax_id_text(sb.tax_id, sb.tax_id_type)}" if sb.tax_id else "",
                       f"Practice NPI: {b.npi}" if b.npi and b.npi != r.npi else "",
                       *address_lines(b.address), f"Phone: {phone_text(b.address.phone)}" if b.address.phone else ""))]
    client_name = " ".join(x for x in (c.first, c.middle, c.last, c.suffix) if x)
    client = [p("CLIENT", label), p(f"<b>{escape(client_name)}</b>"),
              p(lines(f"Date of birth: {day_text(c.dob)}", *address_lines(c.address), f"Phone: {phone_text(sb.client_phone)}" if sb.client_phone else ""))]
    insurance = [p("INSURANCE (FOR THE CLIENT'S CLAIM)", label)]
    if sb.member_id or sb.payer_name:
        insurance.append(p(lines(sb.payer_name, f"Member ID: {sb.member_id}" if sb.member_id else "",
                                 f"Group: {sb.group}" if sb.group else "")))
    else:
        insurance.append(p("Not on file", small))
    parties = Table([[provider, billing], [client, insurance]], colWidths=[3.65 * inch, 3.65 * inch])
    parties.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOX", (0, 0), (-1, -1), 0.5, rule),
                                 ("INNERGRID", (0, 0), (-1, -1), 0.5, rule), ("TOPPADDING", (0, 0), (-1, -1), 5),
                                 ("BOTTOMPADDING", (0, 0), (-1, -1), 6), ("LEFTPADDING", (0, 0), (-1, -1), 7)]))
    story += [parties, Spacer(1, 10)]

    letters = {code: chr(ord("A") + i) for i, (code, _) in enumerate(sb.diagnoses)}
    if sb.diagnoses:
        dx_rows = [[p("DIAGNOSES (ICD-10-CM)", label), ""]] + [
            [p(f"<b>{letters[code]}.</b> {escape(code)}", cell), p(escape(desc) or "", cell)] for code, desc in sb.diagnoses]
        dx = Table(dx_rows, colWidths=[1.2 * inch, 6.1 * inch])
        dx.setStyle(TableStyle([("SPAN", (0, 0), (-1, 0)), ("LINEBELOW", (0, 0), (-1, 0), 0.5, rule),
                                ("LEFTPADDING", (0, 0), (-1, -1), 2), ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5)]))
        story += [dx, Spacer(1, 10)]

    header = ["Date", "POS", "CPT", "Service", "Mod", "Units", "Dx", "Fee", "Paid"]
    money_cell = ParagraphStyle("money", parent=cell, alignment=TA_RIGHT)
    rows = [[p(f"<b>{h}</b>", money_cell if h in ("Fee", "Paid") else cell) for h in header]]
    for ln in sb.lines:
        pos = f"{ln.pos}" + (f" {escape(ln.pos_label)}" if ln.pos_label else "")
        service = escape(ln.cpt_label) + (f" ({ln.minutes} min)" if ln.minutes else "")
        rows.append([p(day_text(ln.date), cell), p(pos, cell), p(ln.cpt, cell), p(service, cell), p(" ".join(ln.modifiers), cell),
                     p(str(ln.units), cell), p("".join(letters.get(d, "") for d in ln.dx) or "", cell),
                     p(usd(ln.fee), money_cell), p(usd(ln.paid), money_cell)])
    table = Table(rows, colWidths=[0.78 * inch, 1.25 * inch, 0.52 * inch, 1.95 * inch, 0.45 * inch, 0.42 * inch,
                                   0.42 * inch, 0.76 * inch, 0.75 * inch], repeatRows=1)
    table.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, 0), band), ("LINEBELOW", (0, 0), (-1, 0), 0.8, ink),
                               ("LINEBELOW", (0, 1), (-1, -1), 0.3, rule), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3)]))
    story += [table, Spacer(1, 8)]

    totals_rows = [["Total charges", usd(sb.total_fee)], ["Paid by the client for these sessions", usd(sb.paid_on_lines)]]
    if sb.other_payments:
        totals_rows.append(["Other client payments in this period", usd(sb.other_payments)])
    totals_rows.append(["Balance due", usd(max(sb.balance, Decimal("0.00")))])
    if sb.balance < 0:
        totals_rows.append(["Credit on account", usd(-sb.balance)])
    totals = Table([[p(a, right), p(f"<b>{v}</b>" if a == "Balance due" else v, right)] for a, v in totals_rows],
                   colWidths=[5.5 * inch, 1.8 * inch])
    totals.setStyle(TableStyle([("LINEABOVE", (0, len(totals_rows) - 1), (-1, len(totals_rows) - 1), 0.8, ink),
                                ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
    if sb.paid_in_full:
        statement = ("<b>OUT OF NETWORK - PAID IN FULL BY THE CLIENT.</b> The client has paid the provider in full for the "
                     "services above. This provider does not accept assignment for them: please send any reimbursement "
                     "directly to the client.")
    else:
        statement = (f"<b>OUT OF NETWORK - BILLED TO THE CLIENT.</b> The client has paid {usd(sb.total_paid)} of "
                     f"{usd(sb.total_fee)}; {usd(sb.balance)} is due from the client. This provider does not accept "
                     "assignment for these services: please send any reimbursement directly to the client.")
    box = Table([[p(statement)]], colWidths=[7.3 * inch])
    box.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.8, ink), ("BACKGROUND", (0, 0), (-1, -1), band),
                             ("TOPPADDING", (0, 0), (-1, -1), 6), ("BOTTOMPADDING", (0, 0), (-1, -1), 7)]))
    sign = Table([[p("I certify that I provided the services listed above on the dates shown.", small), ""],
                  ["", ""],
                  [p(f"Signature of provider: {escape(provider_name)}", small), p("Date", small)]],
                 colWidths=[5.0 * inch, 2.3 * inch], rowHeights=[14, 26, 12])
    sign.setStyle(TableStyle([("LINEBELOW", (0, 1), (0, 1), 0.8, ink), ("LINEBELOW", (1, 1), (1, 1), 0.8, ink),
                              ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (0, -1), 24)]))
    estimate = [Spacer(1, 6), p(escape(sb.gfe_note), small)] if sb.gfe_note else []
    story += [KeepTogether([totals, Spacer(1, 10), box, *estimate, Spacer(1, 14), sign])]

    footer = page_footer(hs, lambda canvas: f"{sb.practice_name} - superbill {sb.number} - contains protected health information")

    return letter_pdf(story, title=f"Superbill {sb.number}", author=sb.practice_name, footer=footer, top=0.55, bottom=0.7)
