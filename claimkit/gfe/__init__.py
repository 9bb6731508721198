"""Good Faith Estimates (No Surprises Act, 45 CFR 149.610): the written estimate every uninsured or self-pay client
is given before recurring care, kept in the ledger as given, and watched against what is billed.

records.py: the estimate as immutable records; days.py: business days and federal holidays; service.py: create,
list, show, supersede; watch.py: the estimate in force on a day, billed vs estimated, the work list's items (light:
`check` and `todo` import it). The PDF is drawn by claimkit/forms/gfe.py.
"""
