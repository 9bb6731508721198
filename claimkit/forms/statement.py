"""A patient statement PDF: what the client owes now and why.

Pure: `claimkit.reports.statements.Statement` values in, PDF bytes out (reportlab imported inside the function).
US Letter. Practice header with the statement's date and account, the amount due in a box at the top right,
the client's address (fits a #10 window envelope), each date of service with its charge, insurance paid,
adjustments and the client's part, the payments received, the summary ending in the amount due, an aging line,
how to pay, and a stub to return with a check. Several statements render into one PDF, each from a new page.
"""

from __future__ import annotations

import io
from datetime import timedelta
from typing import TYPE_CHECKING, Sequence

from claimkit.forms.documents import day_text, usd_cents

if TYPE_CHECKING:
    from claimkit.reports.statements import Statement

BUCKET_LABELS = ("0-30 days", "31-60 days", "61-90 days", "91-120 days", "over 120 days")


def render_statement(statement: "Statement") -> bytes:
    return render_statements([statement])


def render_statements(statements: Sequence["Statement"]) -> bytes:
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.pagesizes import letter
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import inch
    from reportlab.platypus import (BaseDocTemplate, CondPageBreak, Flowable, Frame, KeepTogether, PageBreak,
                                    PageTemplate, Paragraph, Spacer, Table, TableStyle)

    if not statements:
        raise ValueError("no statements to render")
    from claimkit.forms.documents import house_style, lines, page_footer

    hs = house_style()
    ink, muted, rule, band = hs.ink, hs.muted, hs.rule, hs.band
    accent = colors.HexColor("#1e3a5f")
    base, small, label, right, cell = hs.base, hs.small, hs.label, hs.right, hs.cell
    cell_r = ParagraphStyle("cell_r", parent=cell, alignment=TA_RIGHT)
    big = ParagraphStyle("big", parent=base, fontName="Helvetica-Bold", fontSize=18, leading=22, alignment=TA_RIGHT,
                         textColor=accent)
    width = letter[0] - 1.2 * inch

    def p(text: str, style=base) -> Paragraph:
        return Paragraph(text, style)

    class Mark(Flowable):
        """Zero-size marker: the statement whose pages follow (for the footer)."""

        def __init__(self, st):
            super().__init__()
            self.st = st

        def wrap(self, aw, ah):
            return 0, 0

        def draw(self):
            self.canv._claimkit_statement = self.st

    story: list = []
    for n, st in enumerate(statements):
        if n:
            story.append(PageBreak())
        story.append(Mark(st))
        due_box = Table([[p("AMOUNT DUE NOW", ParagraphStyle("dl", parent=label, alignment=TA_RIGHT, textColor=accent))],
                         [p(usd_cents(st.amount_due), big)],
                         [p(f"Please pay by {day_text(st.due_by)}" if st.amount_due else
                            ("Credit on your account: " + usd_cents(-st.balance) if st.balance < 0 else "Nothing is due - thank you"),
                            ParagraphStyle("dd", parent=small, alignment=TA_RIGHT))]],
                        colWidths=[2.3 * inch])
        due_box.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 1.2, accent), ("BACKGROUND", (0, 0), (-1, -1), band),
                                     ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                                     ("RIGHTPADDING", (0, 0), (-1, -1), 8)]))
        head_right = Table([[p("<font size=15><b>STATEMENT</b></font>", right)],
                            [p(f"Statement date {day_text(st.date)}<br/>Account {escape(st.client_id)}<br/>Statement {escape(st.number)}",
                               right)],
                            [due_box]], colWidths=[2.6 * inch])
        head_right.setStyle(TableStyle([("ALIGN", (0, 0), (-1, -1), "RIGHT"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                        ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
        practice = p(f"<font size=13><b>{escape(st.practice_name)}</b></font><br/>"
                     + (f"{escape(st.provider)}<br/>" if st.provider else "") + lines(*st.practice_lines))
        client = [p("STATEMENT FOR", label), p(f"<b>{escape(st.client_name)}</b><br/>" + lines(*st.client_lines))]
        header = Table([[[practice, Spacer(1, 22), *client], head_right]], colWidths=[width - 2.6 * inch, 2.6 * inch])
        header.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                    ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("LINEBELOW", (0, 0), (-1, 0), 1, ink),
                                    ("BOTTOMPADDING", (0, 0), (-1, -1), 10)]))
        story += [header, Spacer(1, 8),
                  p(f"Activity from {day_text(st.start)} to {day_text(st.date)}. Previous balance (through "
                    f"{day_text(st.start - timedelta(days=1))}): <b>{usd_cents(st.previous_balance)}</b>", base), Spacer(1, 6)]

        rows = [[p(f"<b>{h}</b>", cell if i < 2 else cell_r) for i, h in
                 enumerate(("Date of service", "Service", "Charge", "Insurance paid", "Adjustments", "Your part"))]]
        for ln in st.lines:
            service = escape(ln.description) + (f"<br/><font color='#6b7280' size=7.5>{escape(ln.note)}</font>" if ln.note else "")
            if ln.your_part is None:
                part = "pending" + (f"<br/><font size=7.5>est. {usd_cents(ln.estimate)}</font>" if ln.estimate is not None else "")
                paid = adj = "-"
            else:
                part, paid, adj = usd_cents(ln.your_part), usd_cents(ln.insurance_paid), usd_cents(ln.adjustments)
            rows.append([p(day_text(ln.date), cell), p(service, cell), p(usd_cents(ln.charge), cell_r), p(paid, cell_r),
                         p(adj, cell_r), p(part, cell_r)])
        if not st.lines:
            rows.append([p("No services in this period.", small), "", "", "", "", ""])
        table = Table(rows, colWidths=[0.95 * inch, width - 0.95 * inch - 4 * 1.0 * inch] + [1.0 * inch] * 4, repeatRows=1)
        style = [("BACKGROUND", (0, 0), (-1, 0), band), ("LINEBELOW", (0, 0), (-1, 0), 0.8, ink),
                 ("LINEBELOW", (0, 1), (-1, -1), 0.3, rule), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                 ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3)]
        if not st.lines:
            style.append(("SPAN", (0, 1), (-1, 1)))
        table.setStyle(TableStyle(style))
        story += [table, Spacer(1, 10)]

        if st.payments:
            pay_rows = [[p("<b>Payments received</b>", cell), "", ""]] + [
                [p(day_text(pm.date), cell), p(escape(pm.description), cell), p(usd_cents(pm.amount), cell_r)] for pm in st.payments]
            pays = Table(pay_rows, colWidths=[0.95 * inch, width - 0.95 * inch - 1.0 * inch, 1.0 * inch])
            pays.setStyle(TableStyle([("SPAN", (0, 0), (-1, 0)), ("LINEBELOW", (0, 0), (-1, 0), 0.8, ink),
                                      ("LINEBELOW", (0, 1), (-1, -1), 0.3, rule), ("LEFTPADDING", (0, 0), (-1, -1), 3),
                                      ("RIGHTPADDING", (0, 0), (-1, -1), 3)]))
            story += [pays, Spacer(1, 10)]

        summary_rows = [["Previous balance", usd_cents(st.previous_balance)],
                        ["Your part of the services above", usd_cents(st.new_charges)],
                        ["Payments and adjustments", usd_cents(-st.payments_total)],
                        ["Amount due now", usd_cents(st.amount_due)]]
        if st.balance < 0:
            summary_rows.append(["Credit on your account", usd_cents(-st.balance)])
        summary = Table([[p(a, right), p(f"<b>{v}</b>" if a == "Amount due now" else v, right)] for a, v in summary_rows],
                        colWidths=[width - 1.6 * inch, 1.6 * inch])
        summary.setStyle(TableStyle([("LINEABOVE", (0, 3), (-1, 3), 0.8, ink), ("TOPPADDING", (0, 0), (-1, -1), 1),
                                     ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
        aging = " &nbsp;&middot;&nbsp; ".join(f"{lbl} {usd_cents(a)}" for lbl, a in zip(BUCKET_LABELS, st.aging.amounts))
        notes = [p(f"<b>Aging of your balance</b> (by date of service): {aging}", small)]
        pending = [ln for ln in st.lines if ln.your_part is None]
        if pending:
            notes.append(p(f"Insurance has not processed {len(pending)} session{'s' if len(pending) != 1 else ''} yet"
                           + (f"; your estimated share of {usd_cents(st.pending_estimate)} is" if st.pending_estimate else "; it is")
                           + " not included in the amount due. We will bill you after the insurance pays its part.", small))
        if st.gfe_note:
            notes.append(p(escape(st.gfe_note), small))
        howto = [p("HOW TO PAY", label)] + [p(escape(t), base) for t in st.how_to_pay]
        stub = Table([[p(f"<b>{escape(st.practice_name)}</b> - please return this part with your payment", small), ""],
                      [p(f"Account {escape(st.client_id)} &nbsp; {escape(st.client_name)}", cell),
                       p(f"Statement date {day_text(st.date)}", cell_r)],
                      [p(f"Amount due now <b>{usd_cents(st.amount_due)}</b>", cell), p("Amount enclosed $ ____________", cell_r)]],
                     colWidths=[width / 2, width / 2])
        stub.setStyle(TableStyle([("LINEABOVE", (0, 0), (-1, 0), 0.8, muted, None, (3, 3)), ("SPAN", (0, 0), (-1, 0)),
                                  ("TOPPADDING", (0, 0), (-1, -1), 4), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                  ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
        story += [KeepTogether([summary, Spacer(1, 8), *notes]), Spacer(1, 10), KeepTogether(howto),
                  CondPageBreak(1.2 * inch), Spacer(1, 16), stub]

    footer = page_footer(hs, lambda canvas: "{0.practice_name} - statement {0.number} - confidential".format(
        getattr(canvas, "_claimkit_statement", statements[0])))

    buf = io.BytesIO()
    title = f"Statement {statements[0].number}" if len(statements) == 1 else f"Statements ({len(statements)})"
    doc = BaseDocTemplate(buf, pagesize=letter, leftMargin=0.6 * inch, rightMargin=0.6 * inch, topMargin=0.55 * inch,
                          bottomMargin=0.7 * inch, title=title, author=statements[0].practice_name, creator="claimkit",
                          invariant=1)
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body", leftPadding=0, rightPadding=0,
                  topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPageEnd=footer)])
    doc.build(story)
    return buf.getvalue()
