"""CMS-1500 PDFs read back: every printed value must land inside its box, in each output mode.

Positions come from pypdf's extraction visitors (each text-showing operator with its text and current matrices),
rectangles from templates/cms1500/layout.toml. Scenarios: a plain claim, a multi-page claim, a secondary claim,
a telehealth claim and a corrected claim, in `--form full`, `--form data` and `--template` (fill and overlay).
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
from pathlib import Path

import pytest
from claim_fixtures import FACILITY_NPI, REFERRING_NPI, RENDERING_NPI, add_accident_client, add_sessions, make_home

from claimkit.claims.ledger import get_claim, list_claims
from claimkit.forms.cms1500 import calibration_page, render_claims, render_on_template
from claimkit.forms.cms1500_fields import layout, page_fields



# --- reading a PDF back ------------------------------------------------------------------------------------

def _mul(a, b):
    """The PDF matrix product a x b (a applied first)."""
    return [a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3], a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3],
            a[4] * b[0] + a[5] * b[2] + b[4], a[4] * b[1] + a[5] * b[3] + b[5]]


def read_pdf(pdf: bytes) -> list[dict]:
    """Per page: 'items' = [(text, x, y)] for every text-showing operator (inside form XObjects too, placed by the
    matrices of the `Do` that drew them); 'text' = pypdf's visitor_text output."""
    from pypdf import PdfReader

    pages = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        items: list[tuple[str, float, float]] = []
        chunks: list[str] = []
        outer: list[list[float]] = [[1, 0, 0, 1, 0, 0]]

        def before(op, args, cm, tm, items=items, outer=outer):
            if op == b"Do":
                outer.append(_mul(list(cm), outer[-1]))
                return
            if op == b"Tj":
                s = args[0]
            elif op == b"TJ":
                s = "".join(a for a in args[0] if isinstance(a, str))
            else:
                return
            if isinstance(s, bytes):
                s = s.decode("latin-1")
            m = _mul(_mul(list(tm), list(cm)), outer[-1])
            items.append((str(s), m[4], m[5]))

        def after(op, args, cm, tm, outer=outer):
            if op == b"Do":
                outer.pop()

        page.extract_text(visitor_operand_before=before, visitor_operand_after=after,
                          visitor_text=lambda t, *a, chunks=chunks: chunks.append(t))
        pages.append({"items": items, "text": "".join(chunks), "size": (float(page.mediabox.width), float(page.mediabox.height))})
    return pages


def assert_in_boxes(page: dict, fields: dict[str, str], *, exact: bool = True, offset=(0.0, 0.0)) -> None:
    """Each value is printed inside its box's rectangle (and, with exact, at its grid position)."""
    lay = layout()
    ox, oy = offset
    for key, value in fields.items():
        spot = lay.spots[key]
        value = value[: spot.width]
        x0, y0, x1, y1 = spot.rect
        x0, y0, x1, y1 = x0 + ox, y0 + oy, x1 + ox, y1 + oy
        want_x = (spot.x + (spot.width - len(value)) * lay.pitch if spot.right else spot.x) + ox
        hits = []
        for text, x, y in page["items"]:
            if text.strip() != value:
                continue
            inside = x0 <= x and y0 <= y <= y1 - 4 and (not exact or x + lay.pitch * len(value) - lay.char_space <= x1)
            if inside and (not exact or (abs(x - want_x) < 0.05 and abs(y - (spot.y + oy)) < 0.05)):
                hits.append((x, y))
        near = [(t, round(x, 1), round(y, 1)) for t, x, y in page["items"] if t.strip() == value]
        assert hits, f"box {spot.box} ({key}) = {value!r} is not inside {[round(v, 1) for v in (x0, y0, x1, y1)]}: found at {near}"
        assert value in page["text"] or exact is False, f"{value!r} missing from the extracted text"


def texts_in(page: dict, rect) -> list[str]:
    x0, y0, x1, y1 = rect
    return [t for t, x, y in page["items"] if x0 <= x <= x1 and y0 <= y <= y1 and t.strip()]


# --- fixtures ----------------------------------------------------------------------------------------------

@pytest.fixture
def ws(home):
    return make_home(home)


def claim_ids(home: Path) -> list[str]:
    conn = sqlite3.connect(home / "ledger.db")
    try:
        return [r[0] for r in conn.execute("SELECT id FROM claims ORDER BY id")]
    finally:
        conn.close()


def fillable_blank() -> bytes:
    """A blank with the well-known field names of the common fillable CMS-1500 (layout.toml [acroform]), each
    widget over its box: text fields, and radio groups for the checkboxes."""
    from reportlab.pdfgen.canvas import Canvas

    lay = layout()
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(612, 792))
    c.setFont("Helvetica", 8)
    c.drawString(30, 770, "FILLABLE BLANK MARKER")
    for key, (name, export) in lay.acroform.items():
        s = lay.spots[key]
        if export:
            c.acroForm.radio(name=name, value=export, x=s.x - 1.5, y=s.y - 1.5, size=9, borderWidth=0)
        else:
            c.acroForm.textfield(name=name, x=s.x - 1, y=s.y - 2.5, width=s.width * lay.pitch + 2, height=11,
                                 borderWidth=0, fillColor=None, fontName="Helvetica", fontSize=8)
    c.showPage()
    c.save()
    return buf.getvalue()


def plain_blank() -> bytes:
    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(612, 792))
    c.setFont("Helvetica", 8)
    c.drawString(30, 770, "PLAIN BLANK MARKER")
    c.rect(19.4, 36, 569.5, 660)
    c.showPage()
    c.save()
    return buf.getvalue()


# --- output modes ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("form", ["full", "data"])
def test_every_value_lands_in_its_box(ws, cli, home, tmp_path, form):
    add_sessions(ws, "testy", 2)
    out = tmp_path / f"{form}.pdf"
    cli.ok(f"cms1500 render --client testy --form {form} -o {out}")
    (cid,) = claim_ids(home)
    _, snap = get_claim(ws, cid)
    pages = read_pdf(out.read_bytes())
    assert len(pages) == 1 and pages[0]["size"] == (612.0, 792.0)
    fields = page_fields(snap, 0)
    assert_in_boxes(pages[0], fields)
    # the NUCC content rules, as printed
    assert fields["2"] == "MCTESTFACE, TESTY, Q"                        # LAST, FIRST, M
    assert fields["5.street"] == "12 FAKE ST APT 4"                     # no punctuation
    assert (fields["3.mm"], fields["3.dd"], fields["3.yyyy"]) == ("02", "03", "1980")    # 8-digit date
    assert len(fields["24.1.from_yy"]) == 2                             # 6-digit date in 24A
    assert fields["24.1.charge"] == "180 00" and fields["28"] == "360 00"  # no $ and no .
    assert fields["21.a"] == "F411" and fields["21.ind"] == "0"         # no dot, indicator 0
    assert fields["24.1.ptr"] == "AB" and fields["24.2.ptr"] == "AB"
    assert fields["1a"] == "ACM123456" and fields["11"] == "GRP1"       # ids without spaces or hyphens
    assert fields["1.group"] == "X" and fields["6.self"] == "X" and fields["11d.no"] == "X"
    assert fields["12"] == fields["13"] == "SIGNATURE ON FILE"
    assert fields["25"] == "991234567" and fields["25.ein"] == "X" and "25.ssn" not in fields
    assert fields["26"] == cid and fields["27.yes"] == "X"
    assert fields["31"] == "TESTY MCTESTFACE LPC" and fields["31.date"].count(" ") == 2
    assert fields["32.name"] == "TESTY COUNSELING PLLC" and fields["32.street"] == "400 EXAMPLE AVE STE 200"
    assert fields["33.area"] == "512" and fields["33.phone"] == "5550100" and fields["33a"] == "1234567893"
    assert fields["24.1.npi"] == RENDERING_NPI                          # differs from 33a
    assert "33b" not in fields and "24.1.qual" not in fields            # acme does not ask for taxonomy
    assert all(v == v.upper() for v in fields.values())
    red_caption = "PATIENT'S NAME" in pages[0]["text"]
    assert red_caption is (form == "full")


def test_full_form_is_one_reused_form_object(ws, tmp_path):
    add_sessions(ws, "testy", 1)
    add_sessions(ws, "vic", 1, pos="10")
    from claimkit.claims.build import build_claims, select_sessions

    snaps = build_claims(ws, select_sessions(ws, all_unbilled=True))
    one = render_claims(snaps[:1], "full")
    two = render_claims(snaps * 20, "full")
    assert two.count(b"/Subtype /Form") == 1
    assert (len(two) - len(one)) / 39 < 5 * 1024  # each extra page is only its data
    data = render_claims(snaps, "data")
    assert b"/Subtype /Form" not in data


def test_data_mode_offsets_move_the_data(ws, cli, home, tmp_path):
    add_sessions(ws, "testy", 1)
    out = tmp_path / "data.pdf"
    cli.ok(f"cms1500 render --client testy --form data --offset-x 3.5 --offset-y -2 -o {out}")
    (cid,) = claim_ids(home)
    _, snap = get_claim(ws, cid)
    assert_in_boxes(read_pdf(out.read_bytes())[0], page_fields(snap, 0), offset=(3.5, -2.0))


# --- scenarios ---------------------------------------------------------------------------------------------

def test_multi_page_claim_totals_each_page(ws, cli, home, tmp_path):
    add_sessions(ws, "testy", 8)
    out = tmp_path / "multi.pdf"
    result = cli.ok(f"cms1500 render --client testy -o {out}")
    assert "2 pages" in result.stdout
    (cid,) = claim_ids(home)
    row, snap = get_claim(ws, cid)
    assert row.pages == 2 and len(snap.lines) == 8
    pages = read_pdf(out.read_bytes())
    assert len(pages) == 2
    first, second = page_fields(snap, 0), page_fields(snap, 1)
    assert first["28"] == "1080 00" and second["28"] == "360 00"
    assert first["26"] == second["26"] == cid
    assert "24.6.cpt" in first and "24.2.cpt" in second and "24.3.cpt" not in second
    for page, fields in zip(pages, (first, second)):
        assert_in_boxes(page, fields)
    line3 = layout().spots["24.3.cpt"].rect
    assert texts_in(pages[1], (line3[0], line3[1], line3[2], line3[3])) == []


def _post_remittance(home: Path, claim_id: str, sessions: list[int], paid: str = "100.00") -> None:
    cents = int(paid.replace(".", ""))
    conn = sqlite3.connect(home / "ledger.db")
    with conn:
        for sid in sessions:
            for kind, reason, amount in (("insurance_paid", "", cents), ("contractual", "CO-45", 18000 - 12000),
                                         ("patient_resp", "copay", 12000 - cents)):
                conn.execute("INSERT INTO postings (date, client, session_id, claim_id, payer, kind, reason, amount_cents,"
                             " source, source_ref, created) VALUES ('2026-11-01', 'sam', ?, ?, 'acme', ?, ?, ?, 'era', 'TRN1',"
                             " '2026-11-01T00:00:00')", (sid, claim_id, kind, reason, amount))
    conn.close()


def test_secondary_claim(ws, cli, home, tmp_path):
    sessions = add_sessions(ws, "sam", 2)
    cli.ok(f"cms1500 render --client sam -o {tmp_path / 'primary.pdf'}")
    (primary,) = claim_ids(home)
    _, first = get_claim(ws, primary)
    assert first.other is not None and first.other.payer.id == "northwind"   # box 9 names the secondary
    line = cli.fails(f"cms1500 render --secondary --claim {primary} -o {tmp_path / 'sec.pdf'}")
    assert "no remittance" in line and primary in line
    _post_remittance(home, primary, sessions)
    out = tmp_path / "sec.pdf"
    cli.ok(f"cms1500 render --secondary --claim {primary} -o {out}")
    secondary = [c for c in claim_ids(home) if c != primary][0]
    row, snap = get_claim(ws, secondary)
    assert row.rank == "secondary" and row.payer == "northwind"
    fields = page_fields(snap, 0)
    assert fields["carrier.1"] == "NORTHWIND INSURANCE" and fields["1a"] == "NW555"
    assert fields["4"] == "OSAMPLE-SMITH, TERRY" and fields["6.spouse"] == "X"
    assert fields["9"] == "OSAMPLE-SMITH, SAM"          # the primary's insured
    assert fields["9a"] == "ACM999"                      # the primary policy number
    assert fields["9d"] == "ACME HEALTH PLAN"
    assert fields["11d.yes"] == "X"
    assert fields["29"] == "200 00"                      # what the primary paid
    assert snap.lines[0].prior_paid == 100 and {(a.group, a.reason) for a in snap.lines[0].prior_adjustments} == {("CO", "45"), ("PR", "3")}
    assert_in_boxes(read_pdf(out.read_bytes())[0], fields)
    line = cli.fails(f"cms1500 render --secondary --claim {primary} -o {tmp_path / 'again.pdf'}")
    assert "already billed to the secondary" in line


def test_telehealth_claim(ws, cli, home, tmp_path):
    add_sessions(ws, "vic", 2, pos="10")
    out = tmp_path / "tele.pdf"
    cli.ok(f"cms1500 render --client vic -o {out}")
    (cid,) = claim_ids(home)
    _, snap = get_claim(ws, cid)
    fields = page_fields(snap, 0)
    assert snap.facility is None and not any(k.startswith("32") for k in fields)   # no box 32
    assert fields["24.1.pos"] == "10" and fields["24.1.mod1"] == "95"
    assert fields["24.1.qual"] == "ZZ" and fields["24.1.other_id"] == "101YP2500X"  # bluepeak asks for taxonomy
    assert fields["33b"] == "ZZ101YP2500X"
    assert fields["1.other"] == "X"                                                 # commercial -> Other
    page = read_pdf(out.read_bytes())[0]
    assert_in_boxes(page, fields)
    assert set(texts_in(page, layout().boxes["32"])) == {"32. SERVICE FACILITY LOCATION INFORMATION"}  # the caption only


def test_onset_accident_and_referring_provider_print_in_their_boxes(ws, cli, home, tmp_path):
    ws = add_accident_client(ws)
    add_sessions(ws, "rita", 1)
    out = tmp_path / "rita.pdf"
    cli.ok(f"cms1500 render --client rita --form data -o {out}")
    (cid,) = claim_ids(home)
    _, snap = get_claim(ws, cid)
    fields = page_fields(snap, 0)
    page = read_pdf(out.read_bytes())[0]
    assert_in_boxes(page, fields)
    assert texts_in(page, layout().boxes["14"]) == ["09", "01", "26", "431"]  # MM DD YY and the qualifier
    assert texts_in(page, layout().boxes["17"]) == ["DN", "DANA Q REFERRER MD"]  # qualifier, FIRST MI LAST credentials
    assert texts_in(page, layout().boxes["17b"]) == [REFERRING_NPI]
    assert fields["10b.yes"] == "X" and fields["10b.state"] == "TX" and "10b.no" not in fields
    assert "PO BOX 77" not in page["text"]  # the pay-to address is electronic only: box 33 keeps the street
    assert fields["33.street"] == "400 EXAMPLE AVE STE 200"


@pytest.mark.parametrize("mode,code", [("replace", "7"), ("void", "8")])
def test_corrected_claim(ws, cli, home, tmp_path, mode, code):
    sessions = add_sessions(ws, "testy", 2)
    cli.ok(f"cms1500 render --client testy -o {tmp_path / 'orig.pdf'}")
    (original,) = claim_ids(home)
    line = cli.fails(f"claim correct {original} --{mode}")
    assert "--payer-claim-number" in line
    cli.ok(f"claim correct {original} --{mode} --payer-claim-number 2026-1120-0099")
    new = [c for c in claim_ids(home) if c != original][0]
    out = tmp_path / "corrected.pdf"
    cli.ok(f"cms1500 render --claim {new} -o {out}")
    row, snap = get_claim(ws, new)
    assert row.frequency == code and row.original_claim == original
    fields = page_fields(snap, 0)
    assert fields["22.code"] == code and fields["22.ref"] == "202611200099"
    assert fields["26"] == new
    assert_in_boxes(read_pdf(out.read_bytes())[0], fields)
    old = {r.id: r for r in list_claims(ws)}[original]
    assert old.status == ("replaced" if mode == "replace" else "voided")
    from claimkit.sessions.sessions import get_session

    status = {get_session(ws, s, with_estimate=False).status for s in sessions}
    assert status == ({"billed"} if mode == "replace" else {"unbilled"})
    again = cli.fails(f"claim correct {original} --replace --payer-claim-number 1")
    assert f"is {old.status} already" in again


# --- the user's blank form ---------------------------------------------------------------------------------

def test_template_with_form_fields_is_filled(ws, cli, home, tmp_path):
    add_sessions(ws, "testy", 8)
    blank = tmp_path / "fillable.pdf"
    blank.write_bytes(fillable_blank())
    out = tmp_path / "filled.pdf"
    cli.ok(f"cms1500 render --client testy --template {blank} -o {out}")
    (cid,) = claim_ids(home)
    _, snap = get_claim(ws, cid)
    pages = read_pdf(out.read_bytes())
    assert len(pages) == 2
    from pypdf import PdfReader

    assert not PdfReader(io.BytesIO(out.read_bytes())).get_fields()  # flattened: the values are the page's own
    for index, page in enumerate(pages):
        assert "FILLABLE BLANK MARKER" in page["text"]
        fields = page_fields(snap, index)
        texts = {k: v for k, v in fields.items() if v != "X" and k in layout().acroform}
        assert_in_boxes(page, texts, exact=False)
        checks = [k for k, v in fields.items() if v == "X"]
        xs = [(x, y) for t, x, y in page["items"] if t == "X"]
        for key in checks:
            x0, y0, x1, y1 = layout().spots[key].rect
            assert any(x0 <= x <= x1 and y0 <= y <= y1 for x, y in xs), key


def test_template_without_fields_gets_the_data_overlaid(ws, cli, home, tmp_path):
    add_sessions(ws, "testy", 2)
    blank = tmp_path / "plain.pdf"
    blank.write_bytes(plain_blank())
    out = tmp_path / "over.pdf"
    cli.ok(f"cms1500 render --client testy --template {blank} --offset-x 1 -o {out}")
    (cid,) = claim_ids(home)
    _, snap = get_claim(ws, cid)
    page = read_pdf(out.read_bytes())[0]
    assert "PLAIN BLANK MARKER" in page["text"]
    assert_in_boxes(page, page_fields(snap, 0), offset=(1.0, 0.0))


def _encrypted() -> bytes:
    from pypdf import PdfReader, PdfWriter

    w = PdfWriter(clone_from=PdfReader(io.BytesIO(plain_blank())))
    w.encrypt("secret")
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def _no_pages() -> bytes:
    from pypdf import PdfWriter

    buf = io.BytesIO()
    PdfWriter().write(buf)
    return buf.getvalue()


@pytest.mark.parametrize("content,words", [
    (b"this is not a pdf at all", "is not a PDF"),
    (b"%PDF-1.4\n%garbage with no objects\n", "not a readable PDF"),
    ("encrypted", "encrypted"),
    ("empty", "has no page"),
])
def test_bad_templates_refused(ws, cli, home, tmp_path, content, words):
    add_sessions(ws, "testy", 1)
    data = _encrypted() if content == "encrypted" else _no_pages() if content == "empty" else content
    blank = tmp_path / "blank.pdf"
    blank.write_bytes(data)
    line = cli.fails(f"cms1500 render --client testy --template {blank} -o {tmp_path / 'out.pdf'}")
    assert words in line and str(blank) in line
    assert claim_ids(home) == [] and not (tmp_path / "out.pdf").exists()


def test_render_on_template_refuses_garbage_directly():
    from claimkit.forms.cms1500 import TemplateError

    with pytest.raises(TemplateError):
        render_on_template([], b"nope")


# --- re-render, bad input, nothing billed unless written --------------------------------------------------

@pytest.mark.parametrize("form", ["full", "data"])
def test_rerender_is_byte_identical(ws, cli, home, tmp_path, form):
    ids = add_sessions(ws, "testy", 7)
    first = tmp_path / "first.pdf"
    cli.ok(f"cms1500 render " + " ".join(f"--session {i}" for i in ids) + f" --form {form} -o {first}")
    (cid,) = claim_ids(home)
    # the client's record changes afterwards; the claim that went out must not
    from claimkit.records.practice import replace_client_file
    from claimkit.store.files import client_path

    path = client_path(home, "testy")
    replace_client_file(ws, "testy", path.read_bytes().replace(b"12 Fake St., Apt #4", b"99 Moved Rd"))
    again = tmp_path / "again.pdf"
    cli.ok(f"cms1500 render --claim {cid} --form {form} -o {again}")
    assert again.read_bytes() == first.read_bytes()
    row, _ = get_claim(ws, cid)
    assert row.rendered_file == str(again)


def test_unknown_ids_exit_2_naming_them(ws, cli, home, tmp_path):
    add_sessions(ws, "testy", 1)
    out = tmp_path / "x.pdf"
    assert "999" in cli.fails(f"cms1500 render --session 999 -o {out}")
    assert "CK99999" in cli.fails(f"cms1500 render --claim CK99999 -o {out}")
    assert "nobody" in cli.fails(f"cms1500 render --client nobody -o {out}")
    assert "CK99999" in cli.fails("claim show CK99999")
    assert claim_ids(home) == [] and not out.exists()


def test_selector_usage_errors(ws, cli, tmp_path):
    add_sessions(ws, "testy", 1)
    out = tmp_path / "x.pdf"
    assert "one of --session" in cli.fails(f"cms1500 render -o {out}")
    assert "only one of" in cli.fails(f"cms1500 render --unbilled --client testy -o {out}")
    assert "--form" in cli.fails(f"cms1500 render --unbilled --form red -o {out}")
    assert "either --form or --template" in cli.fails(f"cms1500 render --unbilled --form data --template {out} -o {out}")
    assert "--from/--to" in cli.fails(f"cms1500 render --session 1 --from 2026-01-01 -o {out}")


def test_bad_output_records_nothing(ws, cli, home, tmp_path):
    ids = add_sessions(ws, "testy", 2)
    line = cli.fails(f"cms1500 render --unbilled -o {tmp_path / 'missing' / 'c.pdf'}")
    assert "does not exist" in line
    assert "is a folder" in cli.fails(f"cms1500 render --unbilled -o {tmp_path}")
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir()
        os.chmod(locked, 0o500)
        assert "permission" in cli.fails(f"cms1500 render --unbilled -o {locked / 'c.pdf'}")
    assert claim_ids(home) == []
    from claimkit.sessions.sessions import get_session

    assert {get_session(ws, i, with_estimate=False).status for i in ids} == {"unbilled"}


def test_failed_write_rolls_back(ws, cli, home, tmp_path, monkeypatch):
    ids = add_sessions(ws, "testy", 2)
    import claimkit.store.scratch as scratch

    def broken(path, data):
        path.write_bytes(data[: len(data) // 2])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(scratch, "write_private", broken)
    result = cli(f"cms1500 render --unbilled -o {tmp_path / 'c.pdf'}")
    assert result.exit_code != 0
    assert claim_ids(home) == []
    conn = sqlite3.connect(home / "ledger.db")
    assert conn.execute("SELECT value FROM counters WHERE name = 'claim'").fetchone() is None
    assert conn.execute("SELECT COUNT(*) FROM claim_lines").fetchone()[0] == 0
    conn.close()
    from claimkit.sessions.sessions import get_session

    assert {get_session(ws, i, with_estimate=False).status for i in ids} == {"unbilled"}


def test_failure_after_the_write_removes_the_pdf(ws, cli, home, tmp_path, monkeypatch):
    ids = add_sessions(ws, "testy", 1)
    import claimkit.claims.build as service

    def refuse(*args, **kwargs):
        raise service.ClaimkitError("the ledger said no")

    monkeypatch.setattr(service, "record_claims", refuse)
    out = tmp_path / "c.pdf"
    assert "the ledger said no" in cli.fails(f"cms1500 render --unbilled -o {out}")
    assert not out.exists() and claim_ids(home) == []
    from claimkit.sessions.sessions import get_session

    assert get_session(ws, ids[0], with_estimate=False).status == "unbilled"


def test_check_errors_refuse_unless_forced(ws, cli, home, tmp_path):
    from claimkit.sessions.sessions import NewSession, add_session
    from claim_fixtures import DAY

    add_session(ws, NewSession(client="testy", day=DAY, cpt="90837", minutes=20))  # 90837 needs 53+ minutes
    out = tmp_path / "c.pdf"
    result = cli(f"cms1500 render --unbilled -o {out}")
    assert result.exit_code == 1, result.stderr
    assert "--force" in result.stderr and not out.exists() and claim_ids(home) == []
    cli.ok(f"cms1500 render --unbilled --force -o {out}")
    assert out.exists() and len(claim_ids(home)) == 1


def test_quiet_when_piped_and_json(ws, cli, home, tmp_path):
    add_sessions(ws, "testy", 1)
    add_sessions(ws, "sam", 1)
    result = cli.ok(f"cms1500 render --unbilled --json -o {tmp_path / 'c.pdf'}")
    assert result.stderr == ""
    data = json.loads(result.stdout)
    assert data["pages"] == 2 and {c["client"] for c in data["claims"]} == {"testy", "sam"}
    assert "Nothing to bill" in cli.ok(f"cms1500 render --unbilled -o {tmp_path / 'd.pdf'}").stdout
    assert not (tmp_path / "d.pdf").exists()


# --- calibration -------------------------------------------------------------------------------------------

def test_calibrate_prints_marks_and_saves_offsets(ws, cli, home, tmp_path):
    out = tmp_path / "test.pdf"
    cli.ok(f"cms1500 calibrate --offset-x 2.5 --offset-y -1 -o {out} --save")
    page = read_pdf(out.read_bytes())[0]
    labels = {t for t, x, y in page["items"]}
    assert {"1a", "21", "24A line 1", "33"} <= labels
    assert "offset_x = \"2.5\"" in (home / "practice.toml").read_text() or "offset_x = 2.5" in (home / "practice.toml").read_text()
    assert "+2.5" in cli.ok("cms1500 calibrate").stdout
    # the saved offsets move --form data
    add_sessions(ws, "testy", 1)
    data = tmp_path / "data.pdf"
    cli.ok(f"cms1500 render --unbilled --form data -o {data}")
    (cid,) = claim_ids(home)
    _, snap = get_claim(ws, cid)
    assert_in_boxes(read_pdf(data.read_bytes())[0], page_fields(snap, 0), offset=(2.5, -1.0))
    assert "-72..72" in cli.fails("cms1500 calibrate --offset-x 100 --save")


def test_calibration_marks_sit_on_box_corners():
    page = read_pdf(calibration_page((0.0, 0.0)))[0]
    boxes = layout().boxes
    items = {t: (x, y) for t, x, y in page["items"]}
    for name in ("1a", "21", "33"):
        x0, y0, x1, y1 = boxes[name]
        x, y = items[name]
        assert x0 < x < x1 and y0 < y < y1


def test_layout_fits_every_field_inside_its_box():
    """Whole width of every field (10 cpi, Courier 10 glyphs) inside its box rectangle."""
    lay = layout()
    for key, s in lay.spots.items():
        x1 = s.x + (s.width - 1) * lay.pitch + lay.pitch - lay.char_space
        assert s.rect[0] <= s.x and x1 <= s.rect[2] and s.rect[1] <= s.y and s.y + 6 <= s.rect[3], key


def test_facility_npi_prints_in_32a(ws, tmp_path):
    from claimkit.records.practice import edit_practice
    from claimkit.claims.build import build_claims, select_sessions

    edit_practice(ws, facility={"name": "Testy Annex", "npi": FACILITY_NPI,
                                "address": {"street": "7 Annex Rd", "city": "Austin", "state": "TX", "zip": "78705"}})
    add_sessions(ws, "testy", 1)
    (snap,) = build_claims(ws, select_sessions(ws, all_unbilled=True))
    fields = page_fields(snap, 0)
    assert fields["32.name"] == "TESTY ANNEX" and fields["32a"] == FACILITY_NPI
    assert_in_boxes(read_pdf(render_claims([snap], "full"))[0], fields)


def test_explain_says_exactly_what_the_claim_prints_in_31_and_33b(practice, home, tmp_path):
    """Issue 16.12: explain 31 printed the provider's middle name and explain 33b the [provider] taxonomy, which the
    built claim does not print; one function now computes both."""
    import json as _json

    from claimkit.core.entries import ClaimSnapshot
    from claimkit.forms.cms1500_fields import page_fields

    text = (home / "practice.toml").read_text()
    text = text.replace('[billing]\nname = "Testwell Counseling"\nnpi = "1234567893"\ntax_id = "991234567"\ntax_id_type = "ein"\n'
                        'taxonomy = "101YP2500X"\n', '[billing]\nname = "Testwell Counseling"\nnpi = "1234567893"\n'
                        'tax_id = "991234567"\ntax_id_type = "ein"\n')
    text = text.replace('[provider]\nfirst = "Testy"\n', '[provider]\nfirst = "Testy"\nmiddle = "Quill"\n')
    (home / "practice.toml").write_text(text)
    practice.ok("payer add taxy --name 'Taxy Health' --payer-id 22222 --requires-taxonomy")
    practice.ok("client add jt --first Jay --last Testcase --dob 1990-04-12 --sex F --dx F41.1 --payer taxy --member-id MJ1 --copay 25"
                " --address '1 Test St' --city Austin --state TX --zip 78701")
    practice.ok("session add jt --date 2026-10-01 --cpt 90837 --minutes 55")
    practice.ok(f"cms1500 render --unbilled --force -o {tmp_path / 'c.pdf'}")
    conn = sqlite3.connect(home / "ledger.db")
    snap = ClaimSnapshot.from_json(conn.execute("SELECT snapshot FROM claims").fetchone()[0])
    conn.close()
    fields = page_fields(snap)
    box31 = _json.loads(practice.ok("cms1500 explain 31 --json").stdout)["this_practice"]
    box33b = _json.loads(practice.ok("cms1500 explain 33b --json").stdout)["this_practice"]
    assert fields["31"] == "TESTY MCTESTFACE LPC" and box31.startswith("TESTY MCTESTFACE LPC ")
    assert "33b" not in fields and box33b.startswith("blank"), box33b
