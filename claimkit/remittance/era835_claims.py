"""Reading the 835's claim loops: the claim payment (2100: CLP, CAS, NM1, MIA, MOA, AMT), its service lines
(2110: SVC, CAS, DTM, REF, AMT, LQ) and the provider-level adjustments (PLB)."""

from __future__ import annotations

from claimkit.remittance.era835_records import CAS_GROUPS_5010, CLAIM_STATUS, OLD_CLAIM_STATUS, ZERO, Name, ProviderAdjustment
from claimkit.remittance.era835_state import _adjustment, _amount, _Claim, _Line, _make
from claimkit.x12.elements import clip as _clip
from claimkit.x12.elements import element as _el
from claimkit.x12.elements import fmt_amount as _fmt

PRODUCT_QUALIFIERS = frozenset({"AD", "ER", "HC", "HP", "IV", "N4", "N6", "NU", "UI", "WK", "ZZ"})  # SVC01-1 (X12 235)
MAX_UNITS = 9_999  # SVC05: more units than this on one line is a damaged file, not a service


class ClaimLoops:
    """Handlers of the claim- and line-level segments (see the module's docstring)."""

    def h_clp(self, n: int, els: list[str]) -> None:
        tx = self.need_tx(n, "CLP")
        if tx is None:
            return
        self.close_claim()
        self.party = None
        if tx.bpr_seg is None:
            if "clp-no-bpr" not in tx.warned:
                tx.warned.add("clp-no-bpr")
                self.err("out-of-order", f"segment {n} (CLP): a claim before the payment (BPR) segment", n)
        elif (tx.payer is None or tx.payee is None) and "clp-no-n1" not in tx.warned:
            tx.warned.add("clp-no-n1")
            missing = " and ".join(w for w, p in (("payer (N1*PR)", tx.payer), ("payee (N1*PE)", tx.payee)) if p is None)
            self.err("out-of-order", f"segment {n} (CLP): a claim before the {missing}", n)
        if tx.plb and "clp-after-plb" not in tx.warned:
            tx.warned.add("clp-after-plb")
            self.warn("out-of-order", f"segment {n} (CLP): a claim after the provider adjustments (PLB)", n)
        c = _Claim(n)
        self.claim = c
        c.account = _el(els, 1).strip()
        c.status = _el(els, 2).strip()
        if not c.account:
            self.err("missing-element", f"segment {n} (CLP01): the claim's patient control number is missing", n)
        if not c.status:
            self.err("missing-element", f"segment {n} (CLP02): the claim status is missing", n)
        elif c.status in OLD_CLAIM_STATUS:  # 4010-era statuses (pended, suspended, ...): read, with a note
            self.warn("bad-code", f"segment {n} (CLP02): claim status {c.status} ({OLD_CLAIM_STATUS[c.status]}) is not"
                                  " a 5010 code; its amounts were read as sent", n)
        elif c.status not in CLAIM_STATUS:
            self.err("bad-code", f"segment {n} (CLP02): claim status {_clip(c.status)!r} is not a claim status code"
                                 " (1-4, 19-23, 25): claimkit cannot tell whether it was paid or denied", n)
        charge = self.money(els, 3, n, "CLP")
        paid = self.money(els, 4, n, "CLP")
        pr = self.money(els, 5, n, "CLP", required=False)
        if charge is None or paid is None or (pr is None and _el(els, 5).strip()):
            c.bad = True
        c.charge = charge if charge is not None else ZERO
        c.paid = paid if paid is not None else ZERO
        c.pr = pr if pr is not None else ZERO
        L = len(els)
        if L > 6:
            c.filing = els[6].strip()
            if L > 7:
                c.payer_claim = els[7].strip()
                if L > 8:
                    c.facility = els[8].strip()
                    if L > 9:
                        c.freq = els[9].strip()

    def h_cas(self, n: int, els: list[str]) -> None:
        target: _Line | _Claim | None = self.line
        if target is None:
            target = self.claim
            if target is None:
                if self.tx is None:
                    return self.stray(n, "CAS")
                self.err("out-of-order", f"segment {n} (CAS): an adjustment before any claim (CLP); it was ignored", n)
                return
        L = len(els)
        grp = els[1] if L > 1 else ""
        mc = self.mcache
        if L == 4 and grp in CAS_GROUPS_5010:  # the common case: one reason, one amount, no quantity
            reason = els[2]
            amt = mc.get(els[3])
            if amt is not None and reason and reason[0] != " " and reason[-1] != " ":
                target.adjs.append(_adjustment(grp, reason, amt, None, n))
                return
        if grp not in CAS_GROUPS_5010:
            self.check_group(grp, n)
        adjs = target.adjs
        k = 2
        while k < L:
            reason = els[k]
            amt_s = els[k + 1] if k + 1 < L else ""
            if reason or amt_s:
                amt = mc.get(amt_s)
                if amt is None or not reason or reason[0] == " " or reason[-1] == " ":
                    reason = reason.strip()
                    if not reason:
                        if not amt_s.strip():
                            k += 3
                            continue
                        self.err("cas-incomplete",
                                 f"segment {n} (CAS{k:02d}): an adjustment amount without a reason code", n)
                    if amt is None:
                        amt = self.money(els, k + 1, n, "CAS")
                        if amt is None:
                            target.bad = True
                            k += 3
                            continue
                qty = None
                if k + 2 < L and els[k + 2]:
                    qty = mc.get(els[k + 2]) or self.number(els, k + 2, n, "CAS")
                adjs.append(_adjustment(grp, reason, amt, qty, n))
            k += 3

    def h_nm1(self, n: int, els: list[str]) -> None:
        if self.need_tx(n, "NM1") is None:
            return
        c = self.claim
        if c is None:
            self.err("out-of-order", f"segment {n} (NM1): a name before any claim (CLP); ignored", n)
            return
        if self.line is not None:
            self.warn("out-of-order", f"segment {n} (NM1): a claim name after the service lines", n)
        v = [e.strip() for e in els[1:10]]
        if len(v) < 9:
            v += [""] * (9 - len(v))
        e = v[0]
        name = _make(Name, {"entity": e, "kind": v[1], "last": v[2], "first": v[3], "middle": v[4],
                            "suffix": v[6], "id_qualifier": v[7], "id": v[8], "segment": n})
        if e == "QC" and c.patient is None:
            c.patient = name
        elif e == "IL" and c.insured is None:
            c.insured = name
        elif e == "74" and c.corrected is None:
            c.corrected = name
        elif e == "82" and c.rendering is None:
            c.rendering = name
        else:
            c.others.append(name)

    def h_mia(self, n: int, els: list[str]) -> None:
        if self.need_tx(n, "MIA") is None:
            return
        c = self.claim
        if c is None:
            self.warn("out-of-order", f"segment {n} (MIA): outside a claim; ignored", n)
            return
        c.mia = tuple(e.strip() for e in els[1:])
        for i in (5, 20, 21, 22, 23, 24):
            code = _el(els, i).strip()
            if code:
                c.remarks.append(code)

    def h_moa(self, n: int, els: list[str]) -> None:
        if self.need_tx(n, "MOA") is None:
            return
        c = self.claim
        if c is None:
            self.warn("out-of-order", f"segment {n} (MOA): outside a claim; ignored", n)
            return
        c.moa = tuple(e.strip() for e in els[1:])
        for i in (3, 4, 5, 6, 7):
            code = _el(els, i).strip()
            if code:
                c.remarks.append(code)

    def h_amt(self, n: int, els: list[str]) -> None:
        line = self.line
        target: _Line | _Claim | None = line if line is not None else self.claim
        if target is None:
            if self.tx is None:
                return self.stray(n, "AMT")
            self.warn("out-of-order", f"segment {n} (AMT): outside a claim; ignored", n)
            return
        q = els[1] if len(els) > 1 else ""
        amt = self.mcache.get(els[2]) if len(els) > 2 else None
        if amt is None:
            amt = self.money(els, 2, n, "AMT")
            if amt is None:
                return  # informational: an unreadable AMT is an error finding but breaks no balance
        if q == "B6" and line is not None and line.rec["allowed"] is None:
            line.rec["allowed"] = amt
        else:
            target.amounts.append(_amount(q, amt))

    def h_svc(self, n: int, els: list[str]) -> None:
        if self.line is not None:
            self.close_line()
        line = self.spare_line.open(n)
        self.line = line
        claim = self.claim
        if claim is None:
            line.orphan = True
            if self.tx is None:
                return self.stray(n, "SVC")
            self.err("out-of-order", f"segment {n} (SVC): a service line before any claim (CLP); it was ignored", n)
            return
        rec = line.rec
        L = len(els)
        s1 = els[1] if L > 1 else ""
        comp = self.comp
        proc = s1.split(comp) if comp in s1 else self.composite(s1, n, "SVC", 1)
        if len(proc) >= 2:
            rec["qualifier"] = proc[0]
            rec["code"] = proc[1]
            if len(proc) > 2:
                rec["modifiers"] = tuple(m.strip() for m in proc[2:6] if m.strip())
                if len(proc) > 6:
                    rec["description"] = proc[6].strip()
        elif proc[0].strip() in PRODUCT_QUALIFIERS:
            # 'SVC*HC*90837*180*96': the composite was split with the element separator, so SVC01 is a qualifier
            # without a code and every amount after it is one element off; saying the line does not balance would
            # send the reader looking at the money
            rec["code"] = ""
            line.bad = True
            return self.no_procedure(n, els, proc[0].strip())
        else:
            rec["code"] = proc[0].strip()
            self.warn("missing-element", f"segment {n} (SVC01): procedure {_clip(proc[0])!r} has no qualifier "
                                         "(HC, AD, ...)", n)
        mc = self.mcache
        if L > 3 and els[2] and els[3]:
            v = mc.get(els[2])
            if v is None:
                v = self.money(els, 2, n, "SVC")
                if v is None:
                    line.bad = True
            if v is not None:
                rec["charge"] = v
            v = mc.get(els[3])
            if v is None:
                v = self.money(els, 3, n, "SVC")
                if v is None:
                    line.bad = True
            if v is not None:
                rec["paid"] = v
        else:
            for i in (2, 3):
                if i < L and els[i].strip():
                    v = self.money(els, i, n, "SVC")
                    if v is None:
                        line.bad = True
                    elif i == 2:
                        rec["charge"] = v
                    else:
                        rec["paid"] = v
                else:
                    self.warn("missing-amount", f"segment {n} (SVC{i:02d}): required amount is missing; read as 0", n)
        if L > 4:
            if els[4]:
                rec["revenue_code"] = els[4].strip()
            if L > 5 and els[5]:
                u = self.units_ok.get(els[5])
                if u is None:
                    u = mc.get(els[5]) or self.number(els, 5, n, "SVC")
                    if u is not None:
                        if abs(u) > MAX_UNITS or (u < 0 and claim.status != "22"):
                            self.err("bad-count", f"segment {n} (SVC05): {_fmt(u)} units is not a unit count (0 to"
                                                  f" {MAX_UNITS:,}; negative only on a reversal)", n)
                        elif u >= 0:
                            self.units_ok[els[5]] = u
                if u is not None:
                    rec["units"] = u
            if L > 6 and els[6].strip():
                orig = self.composite(els[6], n, "SVC", 6)
                if len(orig) >= 2:
                    rec["original_qualifier"] = orig[0].strip()
                    rec["original_code"] = orig[1].strip()
                    rec["original_modifiers"] = tuple(m.strip() for m in orig[2:6] if m.strip())
                else:
                    rec["original_code"] = orig[0].strip()
            if L > 7 and els[7].strip():
                rec["original_units"] = self.number(els, 7, n, "SVC")

    def h_lq(self, n: int, els: list[str]) -> None:
        line = self.line
        if line is None:
            if self.tx is None:
                return self.stray(n, "LQ")
            self.warn("out-of-order", f"segment {n} (LQ): a remark code outside a service line; ignored", n)
            return
        if len(els) > 2 and els[1] == "HE":
            code = els[2].strip()
            if code:
                line.remarks.append(code)

    def h_plb(self, n: int, els: list[str]) -> None:
        tx = self.need_tx(n, "PLB")
        if tx is None:
            return
        self.close_claim()
        self.party = None
        provider = _el(els, 1).strip()
        fiscal = self.day(els, 2, n, "PLB")
        L = len(els)
        k = 3
        while k < L:
            raw = els[k]
            amt_s = els[k + 1] if k + 1 < L else ""
            if raw.strip() or amt_s.strip():
                parts = self.composite(raw, n, "PLB", k)
                reason = parts[0].strip()
                ref = parts[1].strip() if len(parts) > 1 else ""
                if not reason:
                    self.err("missing-element", f"segment {n} (PLB{k:02d}): an adjustment amount without a reason code", n)
                amt = self.money(els, k + 1, n, "PLB")
                if amt is None:
                    tx.bad = True
                else:
                    tx.plb.append(ProviderAdjustment(provider, fiscal, reason, ref, amt, n))
            k += 2
