"""Reading a file the user names (an ERA, an EOB CSV, a code list): only a regular file, never more than a cap.

`/dev/zero`, a pipe or a socket would be read until memory runs out; a file larger than any of its kind is refused
before a byte is read, and the read itself stops at the cap (a file growing while it is read)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from claimkit.core.errors import ClaimkitError

MB = 1024 * 1024


def read_input(path: Path, *, limit: int, what: str) -> bytes:
    """The bytes of `path`, or one clear line: missing, a folder, not a regular file, larger than `limit`.
    `what` names the file expected in the message ("the .835 file")."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ClaimkitError(f"{path}: no such file") from None
    except PermissionError:
        raise ClaimkitError(f"{path}: no permission to read it") from None
    except OSError as exc:
        raise ClaimkitError(f"{path}: cannot read it ({exc.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        raise ClaimkitError(f"{path} is a folder; give {what}")
    if not stat.S_ISREG(info.st_mode):
        raise ClaimkitError(f"{path} is not a regular file (a device, a pipe or a socket); give the file itself")
    too_big = f"{path.name} is {{:,}} bytes, more than any such file can be (at most {limit // MB} MB); check that it is {what}"
    if info.st_size > limit:
        raise ClaimkitError(too_big.format(info.st_size))
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except PermissionError:
        raise ClaimkitError(f"{path}: no permission to read it") from None
    except OSError as exc:
        raise ClaimkitError(f"{path}: cannot read it ({exc.strerror})") from None
    if len(data) > limit:
        raise ClaimkitError(too_big.format(len(data)))
    return data
