"""The 835 reader's leniency for real files' quirks: a non-835 transaction in the file is skipped (named once),
data outside a transaction is named and ignored, segments the 835 does not have are named and ignored, group CR
(4010) in a 5010 file is kept, and a quirk is named once per transaction, not at every segment."""

from __future__ import annotations

import re

from claimkit.remittance.era835_records import CAS_GROUPS_5010
from claimkit.remittance.era835_state import _Tx
from claimkit.x12.elements import _SEGMENT_ID
from claimkit.x12.elements import clip as _clip
from claimkit.x12.elements import is_number as _is_number
from claimkit.x12.envelope import ENVELOPE_IDS as _ENVELOPE_IDS

# 835 body segments: seen outside a transaction they are an error (data would be lost)
_BODY_IDS = frozenset({
    "BPR", "TRN", "CUR", "N1", "N3", "N4", "PER", "RDM", "LX", "TS3", "TS2", "CLP", "CAS", "NM1", "MIA", "MOA",
    "AMT", "QTY", "SVC", "LQ", "PLB",
})


_PROCEDURE = re.compile(r"[A-Z0-9]{5}\Z", re.ASCII)  # a CPT or HCPCS code


class Leniency:
    """Skipping, ignoring and naming once; needs the reader's handlers, tx, skip_from, stray_run and findings."""

    def set_skip(self, n: int | None) -> None:
        """Enter (n = its ST segment) or leave a non-835 transaction, whose body is skipped."""
        if (n is None) == (self.skip_from is None):
            self.skip_from = n
            return
        self.skip_from = n
        handlers = self.handlers
        if n is None:
            handlers.update(self.all_handlers)
        else:
            for sid in handlers:
                if sid not in _ENVELOPE_IDS:
                    handlers[sid] = self.h_skip

    def h_skip(self, n: int, els: list[str]) -> None:
        return None

    def warn_once(self, key: str, code: str, message: str, segment: int | None) -> None:
        tx = self.tx
        if tx is not None:
            if key in tx.warned:
                return
            tx.warned.add(key)
        self.warn(code, message, segment)

    def need_tx(self, n: int, sid: str) -> _Tx | None:
        tx = self.tx
        if tx is None:
            self.stray(n, sid)
        return tx

    def stray(self, n: int, sid: str) -> None:
        if sid in _BODY_IDS:
            self.err("out-of-order", f"segment {n} ({sid}): outside a transaction (no ST before it); it was ignored", n)
        elif not self.stray_run:
            self.stray_run = True
            self.warn("stray-data", f"segment {n} ({_clip(sid)}): data outside a transaction was ignored", n)

    def h_ignore(self, n: int, els: list[str]) -> None:
        if self.tx is None:
            self.stray(n, els[0])

    def h_unknown(self, n: int, sid: str, els: list[str]) -> None:
        if self.tx is None:
            if self.skip_from is None:
                self.stray(n, sid)
            return
        if _SEGMENT_ID.match(sid):
            self.warn("unknown-segment", f"segment {n} ({sid}): not an 835 segment; ignored", n)
        else:
            self.err("bad-segment", f"segment {n}: {_clip(sid)!r} is not a segment id: the transaction is damaged", n)

    def check_group(self, grp: str, n: int) -> None:
        if grp.strip() in CAS_GROUPS_5010:
            return
        if grp == "CR":
            tx = self.tx
            if tx is not None and not tx.is4010:
                self.warn_once("cr", "cas-group-cr",
                               f"segment {n} (CAS01): group CR (corrections and reversals) exists only in 4010; "
                               "this is a 5010 file. Kept as written", n)
        else:
            self.err("bad-cas-group",
                     f"segment {n} (CAS01): {_clip(grp)!r} is not an adjustment group (CO, PR, OA, PI)", n)

    def no_procedure(self, n: int, els: list[str], qualifier: str) -> None:
        """SVC01 a qualifier without its code: the composite split with the element separator (SVC*HC*90837*...)."""
        sep = self.reader.separators.element if self.reader.separators is not None else "*"
        after = els[2].strip() if len(els) > 2 else ""
        looks_like_code = len(els) > 3 and _is_number(els[3].strip()) and (
            _PROCEDURE.match(after) is not None or (after.isalnum() and not _is_number(after)))
        hint = (f"; {after!r} after it looks like the code, split off with {sep!r} where "
                f"{qualifier}{self.comp}{after} was meant" if looks_like_code else "")
        self.err("no-procedure", f"segment {n} (SVC01): the service line has no procedure code, only the qualifier "
                                 f"{qualifier!r} (the line reads {_clip(sep.join(els), 60)!r}{hint}); ask the "
                                 "sender for a new copy", n)
