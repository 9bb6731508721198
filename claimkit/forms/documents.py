"""The look shared by claimkit's own documents (superbills, statements): colours and paragraph styles.

reportlab is imported inside the function, like every renderer, so importing this module costs nothing.
"""

from __future__ import annotations

from types import SimpleNamespace
from xml.sax.saxutils import escape


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
