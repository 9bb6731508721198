"""The 835's balance checks, made as each service line, claim and transaction closes (X12 rules):

* per service line: SVC02 (charge) - sum(line CAS) = SVC03 (paid);
* per claim: CLP03 - sum(claim CAS) - sum(line CAS) = CLP04, the lines' payments less the claim-level
  adjustments = CLP04 (a line lost), and the line charges should add up to CLP03 (a warning only: payers may leave
  lines out), the PR adjustments to CLP05 (a warning);
* per transaction: sum(CLP04) - sum(PLB amounts) = BPR02 (negated for a debit), and BPR02 = 0 when the method
  is NON; a provider summary (TS304) cannot count more claims than the transaction holds.
Reversals (CLP02 = 22) carry negative amounts; the same arithmetic applies. Closing also builds the records."""

from __future__ import annotations

from claimkit.remittance.era835_records import ZERO, ClaimPayment, Payee, Payer, Payment, ServiceLine
from claimkit.remittance.era835_state import _make, _new, _setattr
from claimkit.x12.elements import clip as _clip
from claimkit.x12.elements import fmt_amount as _fmt


class Balancing:
    """Closing a line, a claim and a transaction: the records built, the balances checked."""

    def close_tx(self, end: int | None) -> None:
        tx = self.tx
        if tx is None:
            return
        self.close_claim()
        self.tx = None
        self.party = None
        if tx.bpr_seg is None:
            self.err("missing-segment", f"segment {tx.segment} (ST): the transaction has no BPR (payment) segment",
                     tx.segment)
        elif not tx.trace:
            self.warn("missing-segment", f"segment {tx.segment} (ST): the transaction has no TRN (trace number)",
                      tx.segment)
        payer = tx.payer
        payee = tx.payee
        if payee is not None:
            tin = payee.id if payee.qual == "FI" else ""
            if not tin:
                tin = next((r.value for r in payee.refs if r.qualifier == "TJ"), "")
            payee_rec = Payee(payee.name, payee.qual, payee.id, payee.id if payee.qual == "XX" else "", tin,
                              payee.address(), tuple(payee.refs), payee.segment)
        else:
            payee_rec = Payee()
        payer_rec = (Payer(payer.name, payer.qual, payer.id, payer.address(), tuple(payer.contacts),
                           tuple(payer.refs), payer.segment) if payer is not None else Payer())
        for seg_ts3, declared in tx.ts3:
            if declared > len(tx.claims):
                self.err("envelope-count", f"segment {seg_ts3} (TS304): the provider summary counts {declared} claims,"
                                           f" the transaction holds {len(tx.claims)}: the file is damaged; ask the"
                                           " sender for a new copy", seg_ts3)
        amount = tx.amount if tx.amount is not None else ZERO
        pay = Payment(
            control_number=tx.control, version=tx.version, handling=tx.handling, amount=amount,
            credit_debit=tx.flag, method=tx.method, payment_format=tx.fmt, payment_date=tx.pay_date,
            trace_number=tx.trace, originator=tx.originator, payer=payer_rec, payee=payee_rec,
            production_date=tx.production, claims=tuple(tx.claims), provider_adjustments=tuple(tx.plb),
            refs=tuple(tx.refs), interchange_control=tx.isa_control, group_control=tx.gs_control,
            segment=tx.segment, end_segment=end)
        if self.on_payment is None:
            self.transactions.append(pay)
        seg = tx.bpr_seg
        if tx.method == "NON" and tx.amount is not None and tx.amount != 0:
            self.err("non-payment-amount",
                     f"segment {seg} (BPR02): payment method NON (no payment) but the amount is {_fmt(tx.amount)}", seg)
        if tx.amount is not None and not tx.bad and end is not None:
            claims_paid = sum((c.paid for c in tx.claims), ZERO)
            plb = sum((p.amount for p in tx.plb), ZERO)
            total = claims_paid - plb
            expected = -tx.amount if tx.flag == "D" else tx.amount
            if total != expected:
                self.err("payment-unbalanced",
                         f"segment {seg} (BPR02): the payment {_fmt(tx.amount)}{' (debit)' if tx.flag == 'D' else ''} "
                         f"does not match its claims: claims paid {_fmt(claims_paid)} - provider adjustments "
                         f"{_fmt(plb)} = {_fmt(total)}", seg)
        if self.on_payment is not None and not self.errors:
            self.on_payment(pay)

    def close_claim(self) -> None:
        self.close_line()
        c = self.claim
        if c is None:
            return
        self.claim = None
        tx = self.tx
        rec = _make(ClaimPayment, {
            "account": c.account, "status": c.status, "charge": c.charge, "paid": c.paid,
            "patient_responsibility": c.pr, "filing_indicator": c.filing, "payer_claim_number": c.payer_claim,
            "facility_type": c.facility, "frequency": c.freq, "patient": c.patient, "insured": c.insured,
            "corrected_name": c.corrected, "rendering": c.rendering, "other_names": tuple(c.others),
            "service_start": c.start, "service_end": c.end, "received": c.received,
            "adjustments": tuple(c.adjs), "inpatient": c.mia, "outpatient": c.moa,
            "remark_codes": tuple(c.remarks), "amounts": tuple(c.amounts), "refs": tuple(c.refs),
            "service_lines": tuple(c.lines), "segment": c.segment})
        if tx is not None:
            tx.claims.append(rec)
        if c.bad:
            if tx is not None:
                tx.bad = True
            return
        if c.lines_bad:
            return
        n = c.segment
        adj = c.line_adj
        for a in c.adjs:
            adj += a.amount
        balanced = c.charge - adj == c.paid and not c.line_unbalanced
        if c.charge - adj != c.paid and self.room("claim-unbalanced", "error"):
            self.err("claim-unbalanced",
                     f"segment {n} (CLP): claim {_clip(c.account)} does not balance: charge {_fmt(c.charge)} - "
                     f"adjustments {_fmt(adj)} = {_fmt(c.charge - adj)}, but the payer paid {_fmt(c.paid)} (CLP04)", n)
        claim_adj = adj - c.line_adj
        if balanced and c.lines and c.line_paid - claim_adj != c.paid and self.room("claim-lines-paid", "error"):
            # a claim and its lines that each balance, yet the lines' payments (SVC03) less the claim-level
            # adjustments are not the claim's (CLP04): a service line was lost (a damaged SVC), and posting would
            # leave part of the payment unposted
            self.err("claim-lines-paid",
                     f"segment {n} (CLP04): claim {_clip(c.account)} paid {_fmt(c.paid)} but its {len(c.lines)} service "
                     f"lines paid {_fmt(c.line_paid)}, less claim-level adjustments {_fmt(claim_adj)} = "
                     f"{_fmt(c.line_paid - claim_adj)} (a line lost or damaged?); ask the sender for a new copy", n)
        if c.lines and c.line_charge != c.charge:
            self.warn("claim-line-charges",
                      f"segment {n} (CLP03): claim {_clip(c.account)} charge {_fmt(c.charge)} but its "
                      f"{len(c.lines)} service lines add up to {_fmt(c.line_charge)} (lines left out?)", n)
        pr = c.line_pr
        for a in c.adjs:
            if a.group == "PR":
                pr += a.amount
        if pr != c.pr:
            self.warn("patient-responsibility",
                      f"segment {n} (CLP05): claim {_clip(c.account)} patient responsibility {_fmt(c.pr)} but its "
                      f"PR adjustments add up to {_fmt(pr)}", n)

    def close_line(self) -> None:
        ln = self.line
        if ln is None:
            return
        self.line = None
        claim = self.claim
        if ln.orphan or claim is None:
            return
        rec = ln.rec
        adjs = ln.adjs
        if adjs:
            rec["adjustments"] = tuple(adjs)
        if ln.amounts:
            rec["amounts"] = tuple(ln.amounts)
        if ln.refs:
            rec["refs"] = tuple(ln.refs)
        if ln.remarks:
            rec["remark_codes"] = tuple(ln.remarks)
        if rec["service_date"] is None:
            rec["service_date"] = ln.start  # DTM*150 when there is no (readable) DTM*472
        obj = _new(ServiceLine)
        _setattr(obj, "__dict__", rec)
        claim.lines.append(obj)
        if ln.bad:
            claim.lines_bad = True
            return
        charge = rec["charge"]
        paid = rec["paid"]
        claim.line_charge += charge
        claim.line_paid += paid
        adj = ZERO
        for a in adjs:
            adj += a.amount
            if a.group == "PR":
                claim.line_pr += a.amount
        claim.line_adj += adj
        if charge - adj != paid:
            claim.line_unbalanced = True
            if self.room("line-unbalanced", "error"):
                n = rec["segment"]
                self.err("line-unbalanced",
                         f"segment {n} (SVC): service line {_clip(rec['code'])} of claim {_clip(claim.account)} does "
                         f"not balance: charge {_fmt(charge)} - adjustments {_fmt(adj)} = {_fmt(charge - adj)}, "
                         f"but paid is {_fmt(paid)} (SVC03)", n)
