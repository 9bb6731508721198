"""Reading the 835's payment loops: the transaction (ST/SE), the payment (BPR, TRN), the payer and payee (1000A/B:
N1, N3, N4, PER, REF), the provider summaries (LX, TS3) and the REF and DTM segments of every level."""

from __future__ import annotations

from claimkit.remittance.era835_records import PAYMENT_METHODS, Contact
from claimkit.remittance.era835_state import _Party, _ref, _Tx, _is_4010
from claimkit.x12.envelope import TRANSACTION_TYPES
from claimkit.x12.elements import assign as _assign
from claimkit.x12.elements import clip as _clip
from claimkit.x12.elements import element as _el
from claimkit.x12.elements import fmt_amount as _fmt

# DTM qualifiers -> the field they fill: a service line's (2110; 150, its start, is kept apart) and a claim's (2100)
_LINE_DATES = {"472": "service_date", "151": "service_end_date"}
_CLAIM_DATES = {"232": "start", "233": "end", "050": "received"}


class PaymentLoops:
    """Handlers of the payment-level segments (see the module's docstring)."""

    def h_st(self, n: int, els: list[str]) -> None:
        self.open_st(n, els)
        self.stray_run = False
        kind = _el(els, 1).strip()
        if kind != "835":
            self.set_skip(n)
            if kind not in self.non835:
                self.non835.add(kind)
                what = TRANSACTION_TYPES.get(kind)
                if not kind:
                    msg = "the transaction type (ST01) is missing; expected 835"
                elif what:
                    msg = f"this is an X12 {kind} ({what}), not an 835 remittance"
                else:
                    msg = f"this is an X12 transaction of type {_clip(kind)!r}, not an 835 remittance"
                self.err("not-835", f"{msg} (segment {n}, ST01)", n)
            return
        self.n835 += 1
        control = _el(els, 2).strip()
        version = _el(els, 3).strip()
        where, at = "ST03", n
        if not version and self.env.gs is not None:
            version, where, at = self.env.gs[2], "GS08", self.env.gs[0]
        if not version:
            self.warn("version", f"segment {n} (ST03): no version given (ST03/GS08); read as 005010X221A1", n)
        elif not (version.startswith("005010X221") or version.startswith("004010X091")):
            family = "004010X091A1" if _is_4010(version) else "005010X221A1"
            self.warn("version", f"segment {at} ({where}): version {_clip(version)!r} is not an 835 version "
                                 f"(005010X221A1 or 004010X091A1); read as {family}", at)
        isa_ctl = self.env.isa[1] if self.env.isa is not None else ""
        gs_ctl = self.env.gs[1] if self.env.gs is not None else ""
        self.tx = _Tx(n, control, version, isa_ctl, gs_ctl)
        self.party = self.claim = self.line = None

    def h_se(self, n: int, els: list[str]) -> None:
        if self.skip_from is not None:
            self.set_skip(None)
            return
        tx = self.tx
        if tx is None:
            self.err("out-of-order", f"segment {n} (SE): an SE without an ST before it (segments out of order)", n)
            return
        self.check_se(n, els, tx.segment, tx.control)
        self.close_tx(n)

    def h_bpr(self, n: int, els: list[str]) -> None:
        tx = self.need_tx(n, "BPR")
        if tx is None:
            return
        if tx.bpr_seg is not None:
            self.err("out-of-order", f"segment {n} (BPR): a second BPR in the transaction (the first is segment "
                                     f"{tx.bpr_seg}); it was ignored", n)
            return
        if tx.claims or self.claim is not None or tx.payer is not None or tx.payee is not None:
            self.err("out-of-order", f"segment {n} (BPR): the payment segment comes after the payer, payee or claims", n)
        tx.bpr_seg = n
        tx.handling = _el(els, 1).strip()
        amt = self.money(els, 2, n, "BPR")
        if amt is None:
            tx.bad = True
        else:
            if amt < 0:
                self.err("bad-amount", f"segment {n} (BPR02): the payment amount {_fmt(amt)} is negative "
                                       "(a debit is written with BPR03 = D)", n)
            tx.amount = amt
        tx.flag = _el(els, 3).strip()
        tx.method = _el(els, 4).strip()
        tx.fmt = _el(els, 5).strip()
        if tx.flag not in ("C", "D"):
            self.warn("bad-code", f"segment {n} (BPR03): credit/debit flag {_clip(tx.flag)!r} is not C or D; read as C", n)
        if tx.method not in PAYMENT_METHODS:
            self.warn("bad-code", f"segment {n} (BPR04): payment method {_clip(tx.method)!r} is not one of "
                                  f"{', '.join(PAYMENT_METHODS)}", n)
        tx.pay_date = self.day(els, 16, n, "BPR")

    def h_trn(self, n: int, els: list[str]) -> None:
        tx = self.need_tx(n, "TRN")
        if tx is None:
            return
        if tx.trace:
            self.warn("out-of-order", f"segment {n} (TRN): a second TRN; ignored", n)
            return
        tx.trace = _el(els, 2).strip()
        tx.originator = _el(els, 3).strip()
        if not tx.trace:
            self.warn("missing-element", f"segment {n} (TRN02): the trace (check/EFT) number is missing", n)

    def h_n1(self, n: int, els: list[str]) -> None:
        tx = self.need_tx(n, "N1")
        if tx is None:
            return
        if tx.claims or self.claim is not None:
            self.warn("out-of-order", f"segment {n} (N1): a payer/payee name after the claims", n)
        self.close_claim()
        code = _el(els, 1).strip()
        party = _Party(code, els, n)
        if code == "PR":
            if tx.payer is not None:
                self.warn("out-of-order", f"segment {n} (N1): a second payer (N1*PR); ignored", n)
                self.party = None
                return
            tx.payer = party
        elif code == "PE":
            if tx.payee is not None:
                self.warn("out-of-order", f"segment {n} (N1): a second payee (N1*PE); ignored", n)
                self.party = None
                return
            tx.payee = party
        else:
            self.warn("unknown-segment", f"segment {n} (N101): entity {_clip(code)!r} is not PR or PE; ignored", n)
            self.party = None
            return
        self.party = party

    def h_n3(self, n: int, els: list[str]) -> None:
        if self.need_tx(n, "N3") is None:
            return
        p = self.party
        if p is None or self.claim is not None:
            self.warn("out-of-order", f"segment {n} (N3): an address line outside a payer/payee; ignored", n)
            return
        p.has_addr = True
        p.lines.extend(v.strip() for v in els[1:3] if v.strip())

    def h_n4(self, n: int, els: list[str]) -> None:
        if self.need_tx(n, "N4") is None:
            return
        p = self.party
        if p is None or self.claim is not None:
            self.warn("out-of-order", f"segment {n} (N4): a city/state outside a payer/payee; ignored", n)
            return
        p.has_addr = True
        p.city, p.state, p.zip, p.country = (_el(els, 1).strip(), _el(els, 2).strip(), _el(els, 3).strip(),
                                             _el(els, 4).strip())

    def h_per(self, n: int, els: list[str]) -> None:
        if self.need_tx(n, "PER") is None:
            return
        p = self.party
        if p is None or self.claim is not None:
            return  # claim contact (2100 PER): not kept
        nums = tuple((_el(els, i).strip(), _el(els, i + 1).strip()) for i in (3, 5, 7) if _el(els, i + 1).strip())
        p.contacts.append(Contact(_el(els, 1).strip(), _el(els, 2).strip(), nums))

    def h_ts3(self, n: int, els: list[str]) -> None:
        """Provider summary: only its claim count (TS304) is checked, against the claims that follow in the file."""
        tx = self.tx
        if tx is None:
            return
        v = _el(els, 4).strip()
        if v:
            if not v.isdigit():
                self.err("bad-count", f"segment {n} (TS304): claim count {_clip(v)!r} is not a whole number", n)
            else:
                tx.ts3.append((n, int(v)))

    def h_lx(self, n: int, els: list[str]) -> None:
        if self.need_tx(n, "LX") is None:
            return
        v = _el(els, 1).strip()
        if not (v.isdigit() and 0 < int(v) <= 999_999):
            self.err("bad-count", f"segment {n} (LX01): {_clip(v)!r} is not a line group number (a whole number from 1)", n)
        self.close_claim()
        self.party = None

    def h_ref(self, n: int, els: list[str]) -> None:
        tx = self.tx
        if tx is None:
            return self.stray(n, "REF")
        if len(els) > 2:
            q = els[1]
            v = els[2].strip()
        else:
            q = els[1] if len(els) > 1 else ""
            v = ""
        line = self.line
        if line is not None:
            rec = line.rec
            if q == "6R" and not rec["control_number"]:
                rec["control_number"] = v
            else:
                line.refs.append(_ref(q, v))
            return
        ref = _ref(q, v)
        if self.claim is not None:
            self.claim.refs.append(ref)
        elif self.party is not None:
            self.party.refs.append(ref)
        else:
            tx.refs.append(ref)

    def h_dtm(self, n: int, els: list[str]) -> None:
        tx = self.tx
        if tx is None:
            return self.stray(n, "DTM")
        if len(els) < 3:
            self.warn("missing-element", f"segment {n} (DTM02): the date is missing", n)
            return
        d = self.dcache.get(els[2]) or self.day(els, 2, n, "DTM")
        q = els[1]
        line = self.line
        if line is not None:
            if q == "150":
                line.start = d
            else:
                _assign(line.rec, q, d, _LINE_DATES)
            return
        claim = self.claim
        if claim is not None:
            _assign(claim, q, d, _CLAIM_DATES)
            return
        if q == "405":
            tx.production = d
