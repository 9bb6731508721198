"""An appeal letter PDF (US Letter): provider header, date, payer, the claims appealed with their services and
denial reasons, the argument, the request to reprocess, the enclosures, signature and date.

Pure: `claimkit.appeals.letters.AppealLetter` in, PDF bytes out (reportlab imported inside the function).
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from claimkit.forms.documents import day_text, usd_cents

if TYPE_CHECKING:
    from claimkit.appeals.letters import AppealLetter


def _phone(digits: str) -> str:
    d = "".join(c for c in digits if c.isdigit())
    return f"({d[:3]}) {d[3:6]}-{d[6:]}" if len(d) == 10 else digits


def render_appeal(letter: "AppealLetter") -> bytes:
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.pagesizes import letter as letter_size
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import inch
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from claimkit.forms.documents import house_style, lines

    hs = house_style()
    base = ParagraphStyle("letter", parent=hs.base, fontSize=10, leading=13.5)
    bold = ParagraphStyle("letter_bold", parent=base, fontName="Helvetica-Bold")
    title = ParagraphStyle("letter_title", parent=base, fontName="Helvetica-Bold", fontSize=14, leading=17)
    heading = ParagraphStyle("letter_heading", parent=base, fontName="Helvetica-Bold", fontSize=10.5, spaceBefore=8, spaceAfter=3)
    right = ParagraphStyle("letter_right", parent=base, alignment=TA_RIGHT)
    cell, cell_r = hs.cell, ParagraphStyle("cell_r", parent=hs.cell, alignment=TA_RIGHT)
    width = letter_size[0] - 1.7 * inch - 12  # the frame's width inside its 6 pt padding
    label_r = ParagraphStyle("label_r", parent=hs.label, alignment=TA_RIGHT)

    def p(text: str, style=base) -> Paragraph:
        return Paragraph(text, style)

    story: list = []
    ids = [f"NPI {letter.provider_npi}" if letter.provider_npi else "", f"TIN {letter.provider_tin}" if letter.provider_tin else ""]
    header = Table([[p(escape(letter.provider_name), title), p(lines(*letter.provider_address, _phone(letter.provider_phone)), right)],
                    [p(escape("  ·  ".join(i for i in ids if i)), hs.small), ""]],
                   colWidths=[width * 0.6, width * 0.4])
    header.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("LINEBELOW", (0, 1), (-1, 1), 0.8, hs.rule)]))
    story += [header, Spacer(1, 14), p(day_text(letter.day)), Spacer(1, 10),
              p(lines(letter.payer_name, "Attn: Appeals / Claim reconsideration", *letter.payer_address)), Spacer(1, 12),
              p(f"RE: {escape(letter.subject)}", bold), Spacer(1, 6)]
    for claim in letter.claims:
        facts = [("Client", claim.client_name), ("Date of birth", day_text(claim.dob)), ("Member ID", claim.member_id),
                 ("Claim", claim.claim_id), ("Payer claim number", claim.payer_claim_number or "not on file"),
                 ("Denied on", day_text(claim.remitted)), ("Appeal deadline", day_text(claim.deadline))]
        grid = Table([[p(escape(k), hs.label), p(escape(v), cell)] for k, v in facts if v],
                     colWidths=[1.4 * inch, width - 1.4 * inch])
        grid.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 0.5),
                                  ("BOTTOMPADDING", (0, 0), (-1, -1), 0.5)]))
        rows = [[p(h, hs.label) for h in ("Line", "Date of service", "CPT", "Modifiers")] + [p("Billed", label_r), p("Paid", label_r)]]
        for ln in claim.lines:
            rows.append([p(str(ln.line_no), cell), p(day_text(ln.day), cell), p(ln.cpt, cell), p(" ".join(ln.modifiers), cell),
                         p(usd_cents(ln.billed), cell_r), p(usd_cents(ln.paid), cell_r)])
        rows.append([p("", cell), p("Total", hs.label), "", "", p(usd_cents(claim.billed), cell_r), p(usd_cents(claim.paid), cell_r)])
        services = Table(rows, colWidths=[0.5 * inch, 1.3 * inch, 0.9 * inch, 1.2 * inch, 1.2 * inch, width - 5.1 * inch])
        services.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, 0), 0.6, hs.rule), ("LINEABOVE", (0, -1), (-1, -1), 0.6, hs.rule),
                                      ("BACKGROUND", (0, 0), (-1, 0), hs.band), ("LEFTPADDING", (0, 0), (-1, -1), 3),
                                      ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5)]))
        reasons = [p(f"<b>{escape(r.code)}</b>: {escape(r.words)}", cell) for r in (*claim.reasons, *claim.remarks)]
        block = [grid, Spacer(1, 4), services, Spacer(1, 4), p("Denial reasons", hs.label),
                 *(reasons or [p("No reason code on file.", cell)]), Spacer(1, 10)]
        story.append(KeepTogether(block))
    story.append(p("Why the claim should be paid", heading))
    for para in letter.argument:
        story += [p(escape(para)), Spacer(1, 6)]
    story += [p("Request", heading), p(escape(letter.request)), p("Enclosures", heading)]
    story += [p(f"{n}. {escape(e)}") for n, e in enumerate(letter.enclosures, start=1)]
    sign = Table([[p(escape(letter.closing))], [Spacer(1, 26)], [p("Signature: ______________________________")],
                  [p(escape(letter.signer))], [p(escape(letter.provider_name))], [p(f"Date: {day_text(letter.day)}")]],
                 colWidths=[width])
    sign.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 0.5)]))
    story += [Spacer(1, 12), KeepTogether(sign)]

    buf = io.BytesIO()

    def footer(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        canvas.setFillColor(colors.HexColor("#6b7280"))
        canvas.drawString(0.85 * inch + 6, 0.5 * inch, f"Appeal: {', '.join(c.claim_id for c in letter.claims)}"
                          f" · {letter.provider_name} · page {doc.page}")
        canvas.restoreState()

    doc = SimpleDocTemplate(buf, pagesize=letter_size, leftMargin=0.85 * inch, rightMargin=0.85 * inch,
                            topMargin=0.7 * inch, bottomMargin=0.8 * inch, title="Appeal letter",
                            author=letter.provider_name, subject=", ".join(c.claim_id for c in letter.claims))
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()
