"""The KPI report as a PDF: the KPIs beside their targets, then charts drawn with reportlab's own graphics (monthly
trend of charges, payments and denial rate; A/R by age; denials by reason). US Letter, one or two pages.

Pure: `claimkit.reports.kpis.Kpis` in, PDF bytes out (reportlab imported inside the functions).
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from claimkit.forms.documents import usd_cents

if TYPE_CHECKING:
    from claimkit.reports.kpis import Kpis

INK = "#1f2937"
BLUE = "#1e3a5f"
GREEN = "#2f855a"
RED = "#b83232"
AGE_LABELS = ("0-30", "31-60", "61-90", "91-120", "120+")


def _label(drawing, x, y, text, size=7.5, angle=0, anchor="middle"):
    from reportlab.graphics.shapes import Group, String

    s = String(0, 0, text, fontName="Helvetica", fontSize=size, fillColor=_c(INK), textAnchor=anchor)
    g = Group(s)
    g.translate(x, y)
    g.rotate(angle)
    drawing.add(g)


def _c(hexcode: str):
    from reportlab.lib import colors

    return colors.HexColor(hexcode)


def _title(drawing, text: str, width: float, height: float) -> None:
    from reportlab.graphics.shapes import String

    drawing.add(String(0, height - 12, text, fontName="Helvetica-Bold", fontSize=10, fillColor=_c(BLUE)))


def trend_chart(report: "Kpis", width: float, height: float):
    """Charges and payments per month (lines, dollars) and the denial rate per month (bars, %), one over the other."""
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.charts.linecharts import HorizontalLineChart
    from reportlab.graphics.shapes import Drawing, Rect, String

    months = report.months or []
    names = [m for m, *_ in months] or ["none"]
    d = Drawing(width, height)
    _title(d, "Monthly trend: charges, payments and denial rate", width, height)
    top = height * 0.52
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 50, top, width - 70, height - top - 36
    chart.data = [[c / 100 for _, c, _, _ in months] or [0], [p / 100 for _, _, p, _ in months] or [0]]
    chart.categoryAxis.categoryNames = names
    chart.categoryAxis.labels.fontSize = 6.5
    chart.categoryAxis.labels.angle = 30 if len(names) > 6 else 0
    chart.categoryAxis.labels.dy = -8 if len(names) > 6 else -2
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontSize = 6.5
    chart.valueAxis.labelTextFormat = lambda v: f"${v:,.0f}"
    chart.lines[0].strokeColor, chart.lines[1].strokeColor = _c(BLUE), _c(GREEN)
    chart.lines[0].strokeWidth = chart.lines[1].strokeWidth = 1.6
    d.add(chart)
    _label(d, 12, top + chart.height / 2, "Dollars", angle=90)
    for i, (name, color) in enumerate((("Charges", BLUE), ("Payments", GREEN))):
        d.add(Rect(width - 150 + i * 70, height - 12, 8, 8, fillColor=_c(color), strokeColor=None))
        d.add(String(width - 139 + i * 70, height - 11, name, fontName="Helvetica", fontSize=7.5, fillColor=_c(INK)))
    bars = VerticalBarChart()
    bars.x, bars.y, bars.width, bars.height = 50, 30, width - 70, top - 66
    bars.data = [[float(r.pct or 0) for *_, r in months] or [0]]
    bars.categoryAxis.categoryNames = names
    bars.categoryAxis.labels.fontSize = 6.5
    bars.categoryAxis.labels.angle = 30 if len(names) > 6 else 0
    bars.categoryAxis.labels.dy = -8 if len(names) > 6 else -2
    bars.valueAxis.valueMin = 0
    bars.valueAxis.labels.fontSize = 6.5
    bars.valueAxis.labelTextFormat = lambda v: f"{v:.0f}%"
    bars.bars[0].fillColor = _c(RED)
    d.add(bars)
    _label(d, 12, bars.y + bars.height / 2, "Denial rate (%)", angle=90)
    _label(d, 50 + bars.width / 2, 2, "Month (first remittance for the denial rate)")
    return d


def ar_chart(report: "Kpis", width: float, height: float):
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.shapes import Drawing

    d = Drawing(width, height)
    _title(d, "A/R by age", width, height)
    bars = VerticalBarChart()
    bars.x, bars.y, bars.width, bars.height = 50, 34, width - 64, height - 62
    bars.data = [[a / 100 for a in report.ar.amounts]]
    bars.categoryAxis.categoryNames = list(AGE_LABELS)
    bars.categoryAxis.labels.fontSize = 7
    bars.valueAxis.valueMin = 0
    bars.valueAxis.labels.fontSize = 6.5
    bars.valueAxis.labelTextFormat = lambda v: f"${v:,.0f}"
    bars.bars[0].fillColor = _c(BLUE)
    for i in (3, 4):
        bars.bars[(0, i)].fillColor = _c(RED)
    d.add(bars)
    _label(d, 12, bars.y + bars.height / 2, "Amount owed", angle=90)
    _label(d, bars.x + bars.width / 2, 6, "Days since the date of service")
    return d


def denials_chart(report: "Kpis", width: float, height: float):
    from reportlab.graphics.charts.barcharts import HorizontalBarChart
    from reportlab.graphics.shapes import Drawing, String

    d = Drawing(width, height)
    _title(d, "Denials by reason", width, height)
    reasons = list(report.by_carc.items())[:8]
    if not reasons:
        d.add(String(width / 2, height / 2, "No denials in the period", fontName="Helvetica", fontSize=9,
                     fillColor=_c(INK), textAnchor="middle"))
        return d
    bars = HorizontalBarChart()
    bars.x, bars.y, bars.width, bars.height = 60, 34, width - 80, height - 62
    bars.data = [[c / 100 for _, (_, c) in reversed(reasons)]]
    bars.categoryAxis.categoryNames = [r for r, _ in reversed(reasons)]
    bars.categoryAxis.labels.fontSize = 7
    bars.valueAxis.valueMin = 0
    bars.valueAxis.labels.fontSize = 6.5
    bars.valueAxis.labelTextFormat = lambda v: f"${v:,.0f}"
    bars.bars[0].fillColor = _c(RED)
    d.add(bars)
    _label(d, 10, bars.y + bars.height / 2, "Reason (CARC)", angle=90)
    _label(d, bars.x + bars.width / 2, 6, "Denied dollars")
    return d


def render_kpis(report: "Kpis", practice_name: str) -> bytes:
    from xml.sax.saxutils import escape

    from reportlab.lib.pagesizes import letter
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import inch
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from claimkit.reports.kpis import KPIS
    from claimkit.forms.documents import house_style

    hs = house_style()
    title = ParagraphStyle("kpi_title", parent=hs.base, fontName="Helvetica-Bold", fontSize=15, leading=19)
    width = letter[0] - 1.5 * inch - 12

    def pct(x) -> str:
        return "missing" if x is None or x.pct is None and x.den == 0 and x is report.clean_claims else (
            "-" if x.pct is None else f"{x.pct}%")

    values = {
        "clean_claim_rate": "missing: no acknowledgements on file" if report.clean_claims is None else pct(report.clean_claims),
        "first_pass_resolution_rate": pct(report.first_pass), "denial_rate": pct(report.denials),
        "denial_rate_dollars": pct(report.denied_cents),
        "days_in_ar": "-" if report.days_in_ar is None else f"{report.days_in_ar} days",
        "ar_over_90": pct(report.ar_over_90), "net_collection_rate": pct(report.collections),
        "days_to_pay": ", ".join(f"{p} {d}" for p, (d, _) in report.days_to_pay.items()) or "-",
    }
    rows = [[Paragraph(h, hs.label) for h in ("KPI", "Value", "Target", "Formula")]]
    rows += [[Paragraph(escape(name), hs.cell), Paragraph(escape(values[key]), hs.cell), Paragraph(escape(target), hs.cell),
              Paragraph(escape(formula), hs.small)] for key, name, formula, target in KPIS]
    kpi_table = Table(rows, colWidths=[1.5 * inch, 1.3 * inch, 0.8 * inch, width - 3.6 * inch])
    kpi_table.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, 0), hs.band), ("LINEBELOW", (0, 0), (-1, -1), 0.4, hs.rule),
                                   ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    scope = f" · payer {report.payer}" if report.payer else ""
    story = [Paragraph(f"Billing KPIs: {escape(practice_name)}", title),
             Paragraph(f"{report.start.strftime('%m/%d/%Y')} to {report.end.strftime('%m/%d/%Y')}{escape(scope)}"
                       f" · A/R as of {report.end.strftime('%m/%d/%Y')}: {usd_cents(report.ar.total)}", hs.base),
             Spacer(1, 10), kpi_table, Spacer(1, 14), trend_chart(report, width, 3.3 * inch), PageBreak(),
             ar_chart(report, width, 2.9 * inch), Spacer(1, 18), denials_chart(report, width, 3.2 * inch)]
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=letter, leftMargin=0.75 * inch, rightMargin=0.75 * inch, topMargin=0.7 * inch,
                            bottomMargin=0.7 * inch, title="Billing KPIs", author=practice_name)
    doc.build(story)
    return buf.getvalue()
