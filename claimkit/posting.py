"""Moved: what was posting.py is the claimkit/remittance/ package, by job (issue 17): records, match, post,
era_import, suspense, eob, imports, invariant. These names stay importable from here for code written before the move.
"""

from claimkit.core.codes import PR_REASON_BY_CARC as PR_REASONS  # noqa: F401
from claimkit.remittance.eob import EOB_COLUMNS, EobLine, parse_adjust, post_eob, read_eob_csv  # noqa: F401
from claimkit.remittance.era_import import MAX_ERA_BYTES, PRE_READ_BYTES, import_era  # noqa: F401
from claimkit.remittance.imports import AlreadyImported, imported_before as _imported_before, imported_when  # noqa: F401
from claimkit.remittance.records import FORWARDED, PAID_STATUSES, ClaimPosting, ImportResult, LinePosting, explain_reasons  # noqa: F401
from claimkit.remittance.suspense import STATUS_WORDS, match_item, status_words, suspended_status, unmatched  # noqa: F401
