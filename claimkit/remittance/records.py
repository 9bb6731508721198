"""What a remittance does to the ledger, as records: per service line, per claim, per imported file.

Built by matching (match.py), written by posting (post.py), shown by the CLI (`plain()`, `as_json()`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from claimkit.core.codes import CLP02_DENIED, CLP02_REVERSAL, CONTRACTUAL_GROUPS, PATIENT_GROUP, PAYER_GROUPS, is_denied_line
from claimkit.core.codes import PR_REASON_BY_CARC as PR_REASONS
from claimkit.core.money import ZERO, to_cents

@dataclass(slots=True)
class LinePosting:
    """What one service line of a remittance does to the ledger."""

    line_no: int | None
    session_id: int | None
    day: date | None
    cpt: str
    charge: Decimal
    paid: Decimal
    allowed: Decimal | None
    adjustments: list[tuple[str, str, Decimal]]  # (group, reason, amount)
    remarks: list[str] = field(default_factory=list)

    def total(self, *groups: str) -> Decimal:
        return sum((a for g, _, a in self.adjustments if g in groups), ZERO)


@dataclass(slots=True)
class ClaimPosting:
    account: str
    claim_id: str | None
    client: str | None
    payer: str | None
    payer_name: str
    status_code: str
    payer_claim_number: str
    charge: Decimal
    paid: Decimal
    lines: list[LinePosting]
    reasons: list[str]
    remarks: list[str]
    status: str = ""  # claim status after posting
    reversed_rows: int = 0
    paper_undone: list[str] = field(default_factory=list)  # dates of lines whose paper EOB postings this remittance replaces
    raw: Any = None  # the parsed claim payment, kept for the suspense list
    where: str = ""  # "segment 14 (CLP)", "eob.csv line 3": where a refusal points
    rank: str = "primary"  # the claim's: a secondary's remittance takes over the client share the primary assigned

    def plain(self) -> list[str]:
        """One line a person can read per service line (or per claim when denied/reversed)."""
        who = self.client or "?"
        if self.status_code == CLP02_REVERSAL:
            undone = (f"{self.reversed_rows} earlier postings undone" if self.reversed_rows else
                      f"the payment it reverses is not on file, so its amounts are posted as given (paid {self.paid:.2f})")
            return [f"{who} claim {self.claim_id}: reversed by {self.payer_name} (payer claim {self.payer_claim_number}); {undone}"]
        denial = self.status_code == CLP02_DENIED
        out = []
        for ln in self.lines:
            head = f"{who} {ln.day.isoformat() if ln.day else '?'} {ln.cpt}: billed {ln.charge:.2f}"
            allowed = ln.allowed if ln.allowed is not None else ln.charge - ln.total(*CONTRACTUAL_GROUPS)
            # a line denied on a claim that was paid in part: held as owed by the payer, as the reports do (core/codes.py)
            denied = not denial and is_denied_line(
                to_cents(ln.paid), to_cents(ln.total(PATIENT_GROUP)), to_cents(ln.total(*PAYER_GROUPS)), self.status,
                (f"{g}-{r}" for g, r, _ in ln.adjustments))
            parts = [head]
            if not denial and not denied:
                parts.append(f"allowed {allowed:.2f}")
            parts.append(f"{self.payer_name} paid {ln.paid:.2f}")
            co = ln.total(*CONTRACTUAL_GROUPS)
            if denied:
                parts.append(f"denied ({', '.join(f'{g}-{r}' for g, r, _ in ln.adjustments if g != PATIENT_GROUP)}), nothing written off")
            elif co and not denial:
                parts.append(f"write-off {co:.2f} (contract)")
            for g, r, a in ln.adjustments:
                if g == PATIENT_GROUP:
                    parts.append(f"client owes {a:.2f} ({PR_REASONS.get(r, 'not covered, PR-' + r)})")
                elif g == "OA" and not denied:
                    parts.append(f"other adjustment {a:.2f} (OA-{r})")
            out.append(" · ".join(parts))
        if self.paper_undone:
            out.append(f"   replaces what a paper EOB posted for {', '.join(self.paper_undone)} (undone), so nothing is paid twice")
        if denial:
            out.append(f"   denied: {', '.join(self.reasons) or 'no reason given'}; nothing written off")
            out += [f"   {line}" for line in explain_reasons(self.reasons)]
        return out


@dataclass
class ImportResult:
    """What one file did. A large file's claims are counted, and only the first ``keep`` of them (posted, and
    unmatched) are kept to be shown: holding every line's posting would grow with the file (``keep=None``: all,
    for --json)."""

    file: str
    fingerprint: str
    already: str | None = None  # when the same file was imported before
    already_as: str = ""  # under which name it was imported then
    dry_run: bool = False
    keep: int | None = None  # claims kept in `claims` and in `unmatched` (None: every one)
    payments: list[dict] = field(default_factory=list)
    claims: list[ClaimPosting] = field(default_factory=list)  # the first `keep` claims posted
    unmatched: list[ClaimPosting] = field(default_factory=list)  # the first `keep` claims that matched none
    posted_count: int = 0  # every claim posted
    unmatched_count: int = 0  # every claim that matched none (in the suspense list)
    provider_adjustments: list[dict] = field(default_factory=list)
    skipped_payments: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)  # claims this file pays again: kept in the suspense list, not posted
    warnings: list[str] = field(default_factory=list)

    def posted(self, post: ClaimPosting) -> None:
        self.posted_count += 1
        if self.keep is None or len(self.claims) < self.keep:
            self.claims.append(post)

    def suspended(self, post: ClaimPosting) -> None:
        self.unmatched_count += 1
        if self.keep is None or len(self.unmatched) < self.keep:
            self.unmatched.append(post)

    def as_json(self) -> dict:
        def claim(c: ClaimPosting) -> dict:
            return {"account": c.account, "claim": c.claim_id, "client": c.client, "payer": c.payer, "status_code": c.status_code,
                    "status": c.status, "payer_claim_number": c.payer_claim_number, "charge": f"{c.charge:.2f}",
                    "paid": f"{c.paid:.2f}", "reasons": c.reasons, "paper_eob_replaced": c.paper_undone,
                    "lines": [{"line": ln.line_no, "session": ln.session_id, "date": ln.day.isoformat() if ln.day else None,
                               "cpt": ln.cpt, "charge": f"{ln.charge:.2f}", "paid": f"{ln.paid:.2f}",
                               "allowed": None if ln.allowed is None else f"{ln.allowed:.2f}",
                               "adjustments": [{"group": g, "reason": r, "amount": f"{a:.2f}"} for g, r, a in ln.adjustments]}
                              for ln in c.lines]}
        return {"file": self.file, "fingerprint": self.fingerprint, "already_imported": self.already, "dry_run": self.dry_run,
                "payments": self.payments, "claims": [claim(c) for c in self.claims],
                "unmatched": [claim(c) for c in self.unmatched], "provider_adjustments": self.provider_adjustments,
                "skipped_payments": self.skipped_payments, "held": self.held, "warnings": self.warnings}


def explain_reasons(reasons: list[str]) -> list[str]:
    """'CO-197' -> 'CO-197 (auth missing): <our explanation> Next: <action>' from the shipped catalog."""
    from claimkit import catalog

    out = []
    for code in reasons:
        c = catalog.carc(code)
        if c is not None:
            out.append(f"{code} ({c.category}): {c.explain} Next: {c.action}")
    return out
