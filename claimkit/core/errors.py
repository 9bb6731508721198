"""Errors that end a command (one line, exit 2) and findings that are collected and reported together."""

from __future__ import annotations

from claimkit.core.lightclass import lightclass


class ClaimkitError(Exception):
    """Bad input or usage: one line that names the file/field/segment and says how to fix it. Exit code 2."""

    exit_code = 2

    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message


class NotFound(ClaimkitError):
    """An id the user typed does not exist."""


class ChecksFailed(ClaimkitError):
    """The check rules found errors in claims about to go out (exit 1); nothing was written or recorded."""

    def __init__(self, findings: list, verb: str = "rendered"):
        errors = sum(1 for f in findings if f.is_error)
        super().__init__(f"not {verb}: {errors} error{'s' if errors != 1 else ''} on the claims (above); fix them, or"
                         f" {verb.removesuffix('ed')} anyway with --force", exit_code=1)
        self.findings = findings


@lightclass(frozen=True)
class Source:
    """Where a problem comes from: a file and line or key, a ledger row, or an X12 segment."""

    file: str = ""
    line: int | None = None
    key: str = ""
    segment: int | None = None

    def __str__(self) -> str:
        parts = [self.file] if self.file else []
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.key:
            parts.append(self.key)
        if self.segment is not None:
            parts.append(f"segment {self.segment}")
        return ", ".join(parts)


@lightclass(frozen=True)
class Finding:
    """One problem found by a check, a loader or the 835 reader; reported together with its siblings."""

    rule: str
    severity: str  # "error" | "warning"
    message: str
    box: str = ""
    subject: str = ""
    fix: str = ""
    source: Source | None = None

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def as_dict(self) -> dict:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "box": self.box,
            "subject": self.subject,
            "message": self.message,
            "fix": self.fix,
            "source": str(self.source) if self.source else "",
        }
