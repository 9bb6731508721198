"""CMS-1500 PDFs from claim snapshots: the full red form, the data alone, or the data on a user's blank form.

Pure: snapshots and options in, PDF bytes out. reportlab and pypdf are imported inside the functions (importing
them costs more than claimkit's start-up budget). The same snapshots give byte-identical PDFs (reportlab's
invariant mode, no clock, no random ids), so re-rendering a claim reproduces what was sent.

- `render_claims(snapshots, mode="full")`: the form drawn once per file as a reusable PDF form object in red
  dropout ink at the real 02/12 geometry, each page adding only its data in black.
- `render_claims(snapshots, mode="data")`: black Courier at 10 characters per inch and 6 lines per inch, for
  printing on pre-printed red forms; `offset` (points, right and up) moves it to match a printer.
- `render_on_template(snapshots, blank_pdf)`: fills the blank's form fields when it has the well-known field
  names of the common fillable CMS-1500, else overlays the data on its first page.
- `calibration_page(offset)`: marks on the corners of boxes 1a, 21, 24A line 1 and 33 to check alignment.
"""

from __future__ import annotations

import io
import tomllib
from collections.abc import Callable, Iterable, Sequence
from functools import cache

from claimkit.core.entries import ClaimSnapshot
from claimkit.core.errors import ClaimkitError
from claimkit.forms.cms1500_fields import Layout, layout, page_fields

PAGE = (612.0, 792.0)
FORM_NAME = "cms1500"
Progress = Callable[[int], None]
MIN_KNOWN_FIELDS = 20  # a blank with at least this many of the well-known field names is filled, not overlaid


class TemplateError(ClaimkitError):
    """The blank form given with --template cannot be used (exit 2)."""


@cache
def form_spec() -> dict:
    from claimkit.core.resources import template

    return tomllib.loads(template("cms1500", "form.toml").read_text("utf-8"))


def _canvas(buf: io.BytesIO, title: str):
    from reportlab.pdfgen.canvas import Canvas

    c = Canvas(buf, pagesize=PAGE, invariant=1, pageCompression=1)
    c.setTitle(title)
    c.setCreator("claimkit")
    return c


def draw_form(c, lay: Layout | None = None) -> None:
    """The red 02/12 form: shaded halves, rules, dotted dividers, checkbox squares and captions."""
    spec, lay = form_spec(), lay or layout()
    style = spec["style"]
    H = PAGE[1]
    ink, shade = style["ink"], style["shade"]
    c.setFillColorRGB(*shade)
    for left, top, right, bottom in spec["shaded"]:
        c.rect(left * 72, H - bottom * 72, (right - left) * 72, (bottom - top) * 72, stroke=0, fill=1)
    c.setStrokeColorRGB(*ink)
    for width, rules in ((style["thin_pt"], spec["thin"]), (style["thick_pt"], spec["thick"])):
        c.setLineWidth(width)
        path = c.beginPath()
        for x1, y1, x2, y2 in rules:
            path.moveTo(x1 * 72, H - y1 * 72)
            path.lineTo(x2 * 72, H - y2 * 72)
        c.drawPath(path, stroke=1, fill=0)
    c.setLineWidth(style["dotted_pt"])
    c.setDash(*style["dash"])
    path = c.beginPath()
    for x1, y1, x2, y2 in spec["dotted"]:
        path.moveTo(x1 * 72, H - y1 * 72)
        path.lineTo(x2 * 72, H - y2 * 72)
    c.drawPath(path, stroke=1, fill=0)
    c.setDash()
    c.setLineWidth(style["thin_pt"])
    size = style["checkbox_pt"]
    glyph_mid = lay.font_size * 0.6 / 2
    for s in lay.spots.values():
        if s.check:
            c.rect(s.x + glyph_mid - size / 2, s.y + 2.8 - size / 2, size, size, stroke=1, fill=0)
    c.setFillColorRGB(*ink)
    for t in spec["text"]:
        font = style["bold_font"] if t.get("bold") else style["font"]
        c.setFont(font, t.get("size", 5.5))
        x, y = t["x"] * 72, H - t["y"] * 72
        align = t.get("align", "left")
        draw = {"left": c.drawString, "center": c.drawCentredString, "right": c.drawRightString}[align]
        if t.get("rotate"):
            c.saveState()
            c.translate(x, y)
            c.rotate(t["rotate"])
            draw(0, 0, t["text"])
            c.restoreState()
        else:
            draw(x, y, t["text"])


def draw_data(c, fields: dict[str, str], lay: Layout, offset: tuple[float, float] = (0.0, 0.0)) -> None:
    """One page's values in black Courier on the 10 cpi / 6 lpi grid (one text object for the page)."""
    ox, oy = offset
    t = c.beginText()
    t.setFont(lay.font, lay.font_size)
    t.setCharSpace(lay.char_space)
    spots, pitch = lay.spots, lay.pitch
    for key, value in fields.items():
        s = spots[key]
        value = value[: s.width]
        x = s.x + (s.width - len(value)) * pitch if s.right else s.x
        t.setTextOrigin(x + ox, s.y + oy)
        t.textOut(value)
    c.saveState()  # the character spacing is graphics state: keep it to this text object
    c.setFillColorRGB(0, 0, 0)
    c.drawText(t)
    c.restoreState()


def _title(snapshots: Sequence[ClaimSnapshot]) -> str:
    ids = [s.claim_id for s in snapshots]
    return "CMS-1500 claim " + ids[0] if len(ids) == 1 else f"CMS-1500 claims {ids[0]}-{ids[-1]}" if ids else "CMS-1500"


def page_count(snapshots: Iterable[ClaimSnapshot]) -> int:
    return sum(len(s.pages) for s in snapshots)


def render_claims(snapshots: Sequence[ClaimSnapshot], mode: str = "full", offset: tuple[float, float] = (0.0, 0.0),
                  progress: Progress | None = None) -> bytes:
    """All pages of all claims in one PDF. mode "full": red form + data; "data": data only (offset applies)."""
    if mode not in ("full", "data"):
        raise ValueError(f"mode must be 'full' or 'data', not {mode!r}")
    lay = layout()
    buf = io.BytesIO()
    c = _canvas(buf, _title(snapshots))
    if mode == "full":
        c.beginForm(FORM_NAME, 0, 0, PAGE[0], PAGE[1])
        draw_form(c, lay)
        c.endForm()
        offset = (0.0, 0.0)
    for done, snap in enumerate(snapshots, start=1):
        for index in range(len(snap.pages)):
            if mode == "full":
                c.doForm(FORM_NAME)
            draw_data(c, page_fields(snap, index), lay, offset)
            c.showPage()
        if progress:
            progress(done)
    if not snapshots:
        c.showPage()
    c.save()
    return buf.getvalue()


# --- a blank form supplied by the user ----------------------------------------------------------------

def open_template(data: bytes, name: str = "the template"):
    """A PdfReader for a usable blank form, or TemplateError saying what is wrong with it."""
    from pypdf import PdfReader

    if b"%PDF-" not in data[:1024]:
        raise TemplateError(f"{name} is not a PDF; give the blank CMS-1500 as a PDF file")
    try:
        reader = PdfReader(io.BytesIO(data))
        encrypted = reader.is_encrypted
    except Exception as exc:  # noqa: BLE001 - pypdf raises many kinds for a damaged file
        raise TemplateError(f"{name} is not a readable PDF ({type(exc).__name__}); save the blank form again as a PDF") from None
    if encrypted:
        raise TemplateError(f"{name} is encrypted (password-protected); save an unprotected copy, e.g. with 'Print to PDF'")
    try:
        count = len(reader.pages)
    except Exception as exc:  # noqa: BLE001
        raise TemplateError(f"{name} is a damaged PDF ({type(exc).__name__}); save the blank form again as a PDF") from None
    if count == 0:
        raise TemplateError(f"{name} has no page; give a PDF whose first page is the blank CMS-1500")
    return reader


def template_fields(reader) -> set[str]:
    try:
        return set(reader.get_fields() or {})
    except Exception:  # noqa: BLE001 - a broken AcroForm means: overlay instead
        return set()


def template_mode(reader) -> str:
    """'fill' when the blank has the well-known field names, else 'overlay'."""
    known = {name for name, _ in layout().acroform.values()}
    return "fill" if len(template_fields(reader) & known) >= MIN_KNOWN_FIELDS else "overlay"


def render_on_template(snapshots: Sequence[ClaimSnapshot], template: bytes, offset: tuple[float, float] = (0.0, 0.0),
                       progress: Progress | None = None, name: str = "the template") -> bytes:
    """The data merged onto the user's blank: its form fields filled (and flattened), or drawn over its page."""
    from pypdf import PdfWriter

    from pypdf.errors import PyPdfError

    reader = open_template(template, name)
    out = PdfWriter()
    try:
        if template_mode(reader) == "fill":
            _fill(reader, template, snapshots, out, progress)
        else:
            _overlay(reader, snapshots, out, offset, progress)
    except PyPdfError as exc:  # e.g. a content stream that inflates past pypdf's limits (a "PDF bomb")
        raise TemplateError(f"{name} cannot be used as a form ({type(exc).__name__}: it is damaged or far too large"
                            " once decompressed); save the blank form again as a PDF") from None
    out.add_metadata({"/Title": _title(snapshots), "/Producer": "claimkit"})
    buf = io.BytesIO()
    out.write(buf)
    return buf.getvalue()


def _overlay(reader, snapshots, out, offset, progress) -> None:
    from pypdf import PdfReader, Transformation

    data = PdfReader(io.BytesIO(render_claims(snapshots, "data", offset)))
    blank = reader.pages[0]
    box = blank.mediabox
    # the blank may be a different size or have its origin elsewhere: put the data where Letter puts it
    move = Transformation().translate(float(box.left), float(box.top) - PAGE[1])
    done_pages = 0
    for done, snap in enumerate(snapshots, start=1):
        for _ in snap.pages:
            page = out.add_page(blank)
            if "/Annots" in page:
                del page["/Annots"]
            page.merge_transformed_page(data.pages[done_pages], move)
            done_pages += 1
        if progress:
            progress(done)


def _buttons(page) -> dict[tuple[str, str], tuple[float, float, float, float]]:
    """(field name, export value) -> widget rectangle of the blank's checkboxes and radio buttons."""
    out = {}
    for ref in page.get("/Annots") or []:
        annot = ref.get_object()
        if annot.get("/Subtype") != "/Widget":
            continue
        parent = annot.get("/Parent")
        field = annot if "/T" in annot else parent.get_object() if parent is not None else annot
        if field.get("/FT") != "/Btn" and annot.get("/FT") != "/Btn":
            continue
        states = annot.get("/AP", {}).get("/N", {})
        rect = [float(v) for v in annot.get("/Rect", [0, 0, 0, 0])]
        for state in states:
            if state != "/Off":
                out[(str(field.get("/T")), str(state)[1:])] = (min(rect[0], rect[2]), min(rect[1], rect[3]),
                                                                 max(rect[0], rect[2]), max(rect[1], rect[3]))
    return out


def _marks(rects: list[tuple[float, float, float, float]]) -> bytes:
    """A page with an X centred in each rectangle (the checked boxes of a filled blank)."""
    lay = layout()
    buf = io.BytesIO()
    c = _canvas(buf, "marks")
    c.setFont(lay.font, lay.font_size)
    for x0, y0, x1, y1 in rects:
        c.drawCentredString((x0 + x1) / 2, (y0 + y1) / 2 - lay.font_size * 0.3, "X")
    c.showPage()
    c.save()
    return buf.getvalue()


def _fill(reader, template: bytes, snapshots, out, progress) -> None:
    """Fill the blank's text fields (pypdf draws them in the field's own font, then flattens them) and mark its
    checkboxes with an X drawn over the widget; each page is written alone so its values stay its own."""
    import logging

    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject

    acro = layout().acroform
    have = template_fields(reader)
    buttons = _buttons(reader.pages[0])
    log = logging.getLogger("pypdf")
    level = log.level
    log.setLevel(logging.ERROR)  # pypdf warns about every appearance it adds
    try:
        for done, snap in enumerate(snapshots, start=1):
            for index in range(len(snap.pages)):
                values: dict[str, str] = {}
                checked = []
                for key, value in page_fields(snap, index).items():
                    field, export = acro.get(key, (None, None))
                    if field is None or field not in have:
                        continue
                    if export:
                        if (field, export) in buttons:
                            checked.append(buttons[(field, export)])
                    else:
                        values[field] = value
                one = PdfWriter(clone_from=PdfReader(io.BytesIO(template)))
                while len(one.pages) > 1:
                    one.remove_page(len(one.pages) - 1)
                page = one.pages[0]
                one.update_page_form_field_values(page, values, auto_regenerate=False, flatten=True)
                if "/Annots" in page:
                    del page["/Annots"]
                if "/AcroForm" in one._root_object:
                    del one._root_object[NameObject("/AcroForm")]
                if checked:
                    page.merge_page(PdfReader(io.BytesIO(_marks(checked))).pages[0])
                buf = io.BytesIO()
                one.write(buf)
                out.append(PdfReader(buf))
            if progress:
                progress(done)
    finally:
        log.setLevel(level)


# --- alignment test page ----------------------------------------------------------------------------

CALIBRATION_BOXES = ("1a", "21", "24A line 1", "33")


def blank_form() -> bytes:
    """One empty form page (the red drawing only): what a blank CMS-1500 looks like, e.g. to try --template."""
    buf = io.BytesIO()
    c = _canvas(buf, "CMS-1500 blank")
    draw_form(c)
    c.showPage()
    c.save()
    return buf.getvalue()


def calibration_page(offset: tuple[float, float] = (0.0, 0.0)) -> bytes:
    """A data-only page with corner marks on boxes 1a, 21, 24A line 1 and 33, shifted by `offset` like the data."""
    lay = layout()
    ox, oy = offset
    buf = io.BytesIO()
    c = _canvas(buf, "CMS-1500 alignment test")
    c.setStrokeColorRGB(0, 0, 0)
    c.setFillColorRGB(0, 0, 0)
    c.setLineWidth(0.8)
    line1 = lay.spots["24.1.from_mm"].rect
    rects = {"1a": lay.boxes["1a"], "21": lay.boxes["21"], "24A line 1": (lay.boxes["24"][0], line1[1], 2.04 * 72, line1[3] + (line1[3] - line1[1])),
             "33": lay.boxes["33"]}
    arm = 9.0
    for label, (x0, y0, x1, y1) in rects.items():
        x0, y0, x1, y1 = x0 + ox, y0 + oy, x1 + ox, y1 + oy
        for x, y, dx, dy in ((x0, y0, 1, 1), (x1, y0, -1, 1), (x0, y1, 1, -1), (x1, y1, -1, -1)):
            c.line(x, y, x + dx * arm, y)
            c.line(x, y, x, y + dy * arm)
        c.setFont("Helvetica", 6)
        c.drawString(x0 + arm + 2, y1 - 7, label)
    draw_data(c, {"1a": "ALIGNMENT 1A", "21.a": "F411", "24.1.from_mm": "01", "24.1.cpt": "90837",
                  "24.1.charge": "150 00", "33.name": "ALIGNMENT 33", "1.other": "X", "27.yes": "X"}, lay, offset)
    # the instructions go where the blank form has nothing printed: the carrier block at the top right
    c.setFont("Helvetica-Bold", 8)
    c.drawString(318, 772, "claimkit CMS-1500 alignment test")
    c.setFont("Helvetica", 6.5)
    lines = [
        f"Offsets now: x {ox:+.1f} pt, y {oy:+.1f} pt (72 pt = 1 inch).",
        "Print at actual size (never 'fit to page') on a blank red form.",
        "The marks should sit on the corners of boxes 1a, 21, 24A line 1, 33.",
        "Marks too far left: raise --offset-x; too low: raise --offset-y.",
        "Save: claimkit cms1500 calibrate --offset-x N --offset-y N --save",
    ]
    for i, text in enumerate(lines):
        c.drawString(318, 762 - 8.5 * i, text)
    c.showPage()
    c.save()
    return buf.getvalue()
