"""Where the shipped data lives: inside the wheel (claimkit/templates) or, in a source checkout, beside the package.

Every reader of templates/ (catalog/, forms/, acks/, eligibility/, appeals/, reports/, the top-level help) finds
them here: in core/ because it imports nothing and its package costs nothing to import (`claimkit --help` reads
cli/commands.toml through it; catalog/ would load every code table's definitions first). It only locates folders of
the installation: nothing here opens the home.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PKG = Path(__file__).resolve().parent.parent  # the claimkit package


@cache
def _find(name: str) -> Path:
    for candidate in (_PKG / name, _PKG.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"claimkit data folder '{name}' is missing from the installation; reinstall claimkit")


def templates_dir() -> Path:
    return _find("templates")


def examples_dir() -> Path:
    return _find("examples")


def template(*parts: str) -> Path:
    return templates_dir().joinpath(*parts)
