"""What claimkit's own documents share (superbills, statements, Good Faith Estimates): colours and paragraph
styles, the printed forms of dates, amounts, tax ids, phones and addresses, the page header (the practice on the
left, the document's title block on the right) and the page footer.

reportlab is imported inside the function, like every renderer, so importing this module costs nothing.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, Callable
from xml.sax.saxutils import escape

from claimkit.core.nucc import digits


def house_style() -> SimpleNamespace:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle

    ink = colors.HexColor("#1f2937")
    muted = colors.HexColor("#6b7280")
    base = ParagraphStyle("base", fontName="Helvetica", fontSize=9, leading=11.5, textColor=ink)
    cell = ParagraphStyle("cell", parent=base, fontSize=8.5, leading=10.5)
    return SimpleNamespace(
        ink=ink, muted=muted, rule=colors.HexColor("#d1d5db"), band=colors.HexColor("#f3f4f6"),
        base=base, cell=cell,
        small=ParagraphStyle("small", parent=base, fontSize=7.5, leading=9.5, textColor=muted),
        label=ParagraphStyle("label", parent=base, fontName="Helvetica-Bold", fontSize=7.5, leading=10, textColor=muted),
        right=ParagraphStyle("right", parent=base, alignment=TA_RIGHT),
    )


def lines(*rows: str) -> str:
    """Escaped lines for a Paragraph, empty ones left out."""
    return "<br/>".join(escape(r) for r in rows if r)


def day_text(day: date | None) -> str:
    """A date as the forms print it: MM/DD/YYYY."""
    return day.strftime("%m/%d/%Y") if day else ""


def usd(amount: Decimal) -> str:
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


def usd_cents(cents: int) -> str:
    """Integer cents as -$1,234.56."""
    sign = "-" if cents < 0 else ""
    c = abs(cents)
    return f"{sign}${c // 100:,}.{c % 100:02d}"


def tax_id_text(tax_id: str, kind: str) -> str:
    """An EIN as 12-3456789, an SSN as 123-45-6789; anything not nine digits as written."""
    d = digits(tax_id)
    if len(d) != 9:
        return tax_id
    return f"{d[:3]}-{d[3:5]}-{d[5:]}" if kind == "ssn" else f"{d[:2]}-{d[2:]}"


def phone_text(p: str) -> str:
    d = digits(p)
    if len(d) == 11 and d[0] == "1":
        d = d[1:]
    return f"({d[:3]}) {d[3:6]}-{d[6:]}" if len(d) == 10 else p


def address_lines(a: Any) -> list[str]:
    """An address (street, street2, city, state, zip) as its printed lines, empty ones left out."""
    street = ", ".join(x for x in (a.street, a.street2) if x)
    city = " ".join(x for x in (f"{a.city}," if a.city else "", a.state, a.zip) if x)
    return [x for x in (street, city) if x]


def page_header(hs: SimpleNamespace, practice: str, address: Any, phone: str, title_lines: list[str]):
    """The first block of a page: the practice, its address and phone on the left, the document's title lines
    (already marked up) on the right, ruled below."""
    from reportlab.lib.units import inch
    from reportlab.platypus import Paragraph, Table, TableStyle

    title = Table([[Paragraph(f"<b>{escape(practice)}</b><br/>" + lines(*address_lines(address), phone_text(phone)), hs.base),
                    Paragraph("<br/>".join(title_lines), hs.right)]], colWidths=[4.1 * inch, 3.2 * inch])
    title.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("LINEBELOW", (0, 0), (-1, 0), 1, hs.ink),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 8)]))
    return title


def page_footer(hs: SimpleNamespace, text: Callable[[Any], str]) -> Callable[[Any, Any], None]:
    """The footer every page draws: text(canvas) on the left, the page number on the right."""
    from reportlab.lib.pagesizes import letter
    from reportlab.lib.units import inch

    def footer(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.setFillColor(hs.muted)
        canvas.drawString(0.6 * inch, 0.45 * inch, text(canvas))
        canvas.drawRightString(letter[0] - 0.6 * inch, 0.45 * inch, f"page {doc.page}")
        canvas.restoreState()

    return footer


def letter_pdf(story: list, *, title: str, author: str, footer: Callable[[Any, Any], None], top: float,
               bottom: float) -> bytes:
    """The story laid out on US Letter pages (0.6 in side margins; top and bottom in inches), footer on every page."""
    import io

    from reportlab.lib.pagesizes import letter
    from reportlab.lib.units import inch
    from reportlab.platypus import SimpleDocTemplate

    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=letter, leftMargin=0.6 * inch, rightMargin=0.6 * inch, topMargin=top * inch,
                            bottomMargin=bottom * inch, title=title, author=author, creator="claimkit", invariant=1)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()
