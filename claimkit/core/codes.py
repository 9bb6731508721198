"""One vocabulary for claims and remittances: claim statuses, CAS groups, the patient-responsibility reasons and
their CARCs, the routine adjustments and the rule that says a service line was denied.

Defined once here and used by claims/, remittance/, reports/, acks/, appeals/ and the checks; the SQL that needs
them is built from the same constants (`sql_list`). Values only: no I/O, no imports of claimkit.
"""

from __future__ import annotations

from collections.abc import Iterable

# --- claim statuses (claims.status) ---------------------------------------------------------------------------
BILLED = "billed"  # recorded when the claim was built (a CMS-1500 printed, or not yet sent)
SENT = "sent"  # went out in an 837P (switching: sent by the tool used before)
ACCEPTED = "accepted"  # a 999/277CA said the payer took it in
REJECTED = "rejected"  # a 999/277CA refused it: fix and resend
PAID = "paid"
PARTIAL = "partial"  # some lines paid, some denied
DENIED = "denied"
REVERSED = "reversed"  # the payer took its payment back (CLP02 = 22)
FORWARDED = "forwarded"  # processed and passed on to the next payer (CLP02 19-21)
REPLACED = "replaced"  # a replacement (frequency 7) supersedes it
VOIDED = "voided"  # a void (frequency 8) cancels it

CLAIM_STATUSES = (BILLED, SENT, ACCEPTED, REJECTED, PAID, PARTIAL, DENIED, REVERSED, FORWARDED, REPLACED, VOIDED)
SUPERSEDED = (REPLACED, VOIDED)  # a claim another claim corrected: it no longer stands
AWAITING_PAYER = (BILLED, SENT, ACCEPTED)  # out with the payer, no remittance yet
DENIAL_STATUSES = (DENIED, PARTIAL)  # posting found a denied line on the claim
REMITTED = (PAID, PARTIAL, DENIED, REVERSED, FORWARDED)  # a remittance was posted on the claim
SETTLED = (PAID, FORWARDED)  # every line balanced by a remittance (unless one carries a denial)
NOT_STANDING = (REJECTED, *SUPERSEDED)  # no longer stands for its sessions: a resent or corrected claim takes over

# --- CLP02: what the payer did with the claim (835) ---------------------------------------------------------------
CLP02_DENIED = "4"
CLP02_REVERSAL = "22"  # takes back an earlier payment: negative amounts
CLP02_PREDETERMINATION = "25"  # pricing only, no payment
CLP02_FORWARDED = ("19", "20", "21")  # processed and forwarded to the next payer
CLP02_PROCESSED = ("1", "2", "3", *CLP02_FORWARDED)  # the payer processed (paid) the claim

# --- remittance adjustments ------------------------------------------------------------------------------------
CAS_GROUPS = ("CO", "PR", "OA", "PI")  # 5010 claim adjustment groups; CR (corrections) exists only in 4010
CAS_GROUP_4010 = "CR"
PATIENT_GROUP = "PR"  # the client's share
CONTRACTUAL_GROUPS = ("CO", "PI")  # posted as contractual; OA (and CR in 4010 files) as other_adj
PAYER_GROUPS = ("CO", "PI", "OA")  # what the payer adjusts away (everything but the client's share)

# the patient-responsibility reasons claimkit names, by CARC (PR-1 deductible, PR-2 coinsurance, PR-3 copay);
# any other PR reason is the payer's own and is kept as its code
PR_REASON_BY_CARC = {"1": "deductible", "2": "coinsurance", "3": "copay"}
# ... and back: a posting's reason word -> the CARC a secondary claim reports it under
CARC_BY_PR_REASON = {**{word: carc for carc, word in PR_REASON_BY_CARC.items()}, "noncovered": "96", "non-covered": "96"}

# a PR reason claimkit has no word for is posted as 'noncovered' with its code leading the posting's note ("PR-204",
# "PR-204 reversal of payer claim P1"); this SQL reads the code back ('' when the note carries none)
PR_NOT_NAMED = "noncovered"
PR_CODE_OF_NOTE_SQL = "CASE WHEN note GLOB 'PR-?*' THEN substr(note, 1, instr(note || ' ', ' ') - 1) ELSE '' END"
# the client's share a primary assigned, taken over by the secondary once the secondary's remittance adjudicates the
# line: a patient_resp posting of minus that share on the session, on no claim, under this reason
PR_TO_SECONDARY = "to_secondary"

# adjustments every remittance carries and no one appeals: the fee schedule (CO-45, CO-253 sequestration, PI-45)
# and the prior payer's share (OA-23, which settles a secondary that pays nothing)
ROUTINE_ADJUSTMENTS = ("CO-45", "CO-253", "PI-45", "OA-23")


def is_routine(group: str, reason: str) -> bool:
    return f"{group}-{reason}" in ROUTINE_ADJUSTMENTS


def is_denied_line(paid_cents: int, patient_cents: int, adjusted_cents: int, claim_status: str,
                   adjustments: Iterable[str] = ()) -> bool:
    """A service line is denied when its remittance paid nothing and assigned nothing to the client while adjusting
    something, on a claim posting marked denied or partial or that carries an adjustment other than the routine
    ones ("CO-45" ...). The same rule as the reports' SQL (reports/common.py, built from these constants)."""
    if paid_cents or patient_cents or not adjusted_cents:
        return False
    return claim_status in DENIAL_STATUSES or any(a not in ROUTINE_ADJUSTMENTS for a in adjustments)


def sql_list(values: Iterable[str]) -> str:
    """Constants as an SQL list: ('replaced', 'voided') -> "'replaced', 'voided'" (our own constants only)."""
    out = []
    for v in values:
        if "'" in v:
            raise ValueError(v)
        out.append(f"'{v}'")
    return ", ".join(out)
