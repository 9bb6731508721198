"""The demo's payers: two ERA files answering the demo's claims the way payers do (synthetic, fictional).

Written with remittance/x12_835_writer.py from the claims the demo issued; sessions/demo.py builds the practice.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from claimkit.store.workspace import Workspace


def remittances(ws: Workspace, paid_on: date) -> list[str]:
    """Two ERA files answering the demo's claims the way payers do.

    The first pays one claim in full (copays), applies a deductible and coinsurance to another, denies a third
    (no authorization: CO-197) and pays a fourth; the second reverses that payment and pays it again corrected,
    with a provider-level interest adjustment. Amounts follow the payers' fee schedules and the clients' plans.
    """
    import json

    from claimkit.core import estimate as est
    from claimkit.remittance.x12_835_writer import ClaimOutcome, LineOutcome, Remit, write_835

    practice = ws.practice
    rows = ws.conn.execute("SELECT id, client, payer, snapshot FROM claims WHERE rank = 'primary' ORDER BY id").fetchall()
    by_payer: dict[str, list[ClaimOutcome]] = {}
    plan: dict[str, str] = {}
    for i, row in enumerate(rows):
        snap = json.loads(row["snapshot"])
        payer = ws.payer(row["payer"])
        client = ws.client(row["client"])
        policy = client.policy(date.fromisoformat(snap["lines"][0]["date_from"]))
        mode = ("deny" if row["client"] == "jordan" else "reverse" if row["client"] == "sam" else "pay")
        plan[row["id"]] = mode
        lines, ded_used, oop_used = [], Decimal("0.00"), Decimal("0.00")
        for ln in snap["lines"]:
            charge = Decimal(str(ln["charge"]))
            allowed = payer.rate(ln["cpt"], ln.get("modifiers", [])) or charge
            if mode == "deny":
                lines.append(LineOutcome(ln["cpt"], tuple(ln.get("modifiers", [])), charge, Decimal("0.00"),
                                         date.fromisoformat(ln["date_from"]), ln.get("line_control", ""), None,
                                         (("CO", "197", charge),), ("N54",)))
                continue
            e = est.one(policy, charge, allowed, ded_used, oop_used)
            ded_used += e.deductible
            oop_used += e.patient
            adj = [("CO", "45", charge - allowed)] if charge > allowed else []
            if e.deductible:
                adj.append(("PR", "1", e.deductible))
            rest = e.patient - e.deductible
            if rest:
                adj.append(("PR", "3" if policy and policy.cost_sharing == "copay" else "2", rest))
            lines.append(LineOutcome(ln["cpt"], tuple(ln.get("modifiers", [])), charge, allowed - e.patient,
                                     date.fromisoformat(ln["date_from"]), ln.get("line_control", ""), allowed, tuple(adj)))
        insured = snap["billed"]
        by_payer.setdefault(row["payer"], []).append(ClaimOutcome(
            row["id"], "4" if mode == "deny" else "1", f"PCN{i + 1:05d}", snap["patient"]["last"], snap["patient"]["first"],
            insured.get("member_id", ""), tuple(lines)))
    files = []
    n = 0
    for payer_id, outcomes in sorted(by_payer.items()):
        payer = ws.payer(payer_id)
        n += 1
        files.append(write_835(Remit(payer.name, payer.payer_id or payer_id.upper(), practice.billing.name or practice.name,
                                     practice.billing.npi, f"DEMO-EFT-{n:04d}", paid_on, tuple(outcomes), control=n)))
    # the second file: the payer takes back sam's payment and pays it again, less one line's copay error
    corrections = []
    for outcomes in by_payer.values():
        for c in outcomes:
            if plan.get(c.account) == "reverse":
                neg = tuple(LineOutcome(ln.cpt, ln.modifiers, -ln.charge, -ln.paid, ln.service_date, ln.control, ln.allowed,
                                        tuple((g, r, -a) for g, r, a in ln.adjustments)) for ln in c.lines)
                corrections.append(ClaimOutcome(c.account, "22", c.payer_claim_number, c.patient_last, c.patient_first,
                                                c.member_id, neg))
                fixed = tuple(LineOutcome(ln.cpt, ln.modifiers, ln.charge, ln.paid + (Decimal("5.00") if k == 0 else 0),
                                          ln.service_date, ln.control, ln.allowed,
                                          tuple((g, r, a - (Decimal("5.00") if (k == 0 and g == "PR") else 0)) for g, r, a in ln.adjustments))
                              for k, ln in enumerate(c.lines))
                corrections.append(ClaimOutcome(c.account, "1", c.payer_claim_number + "R", c.patient_last, c.patient_first,
                                                c.member_id, fixed))
    if corrections:
        payer = ws.payer("acme")
        files.append(write_835(Remit(payer.name, payer.payer_id, practice.billing.name or practice.name, practice.billing.npi,
                                     "DEMO-EFT-CORR", paid_on, tuple(corrections), (("L6", "INTEREST", Decimal("-1.25")),),
                                     control=n + 1)))
    return files
