"""claimkit: insurance billing for solo therapists, offline, with the data in files they own."""

__version__ = "0.1.0"
