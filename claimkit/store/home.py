"""The practice home: where it is, creating it private (0700/0600), atomic writes and the write lock."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from claimkit.core.errors import ClaimkitError

DIR_MODE = 0o700
FILE_MODE = 0o600
LOCK_TIMEOUT_S = 30.0


def resolve_home(explicit: str | os.PathLike | None = None) -> Path:
    """--home DIR, else $CLAIMKIT_HOME, else the platform's user data folder."""
    if explicit:
        return Path(explicit).expanduser().absolute()
    env = os.environ.get("CLAIMKIT_HOME")
    if env:
        return Path(env).expanduser().absolute()
    import platformdirs

    return Path(platformdirs.user_data_dir("claimkit", appauthor=False)).absolute()


def is_home(path: Path) -> bool:
    """A practice.toml is there (a FIFO or device in its place is a home whose file is named as unreadable)."""
    return (path / "practice.toml").exists()


def require_home(path: Path) -> Path:
    if not is_home(path):
        raise ClaimkitError(f"no practice at {path}: run 'claimkit init' first, or pass --home DIR / set CLAIMKIT_HOME")
    return path


def make_private_dir(path: Path) -> None:
    """mkdir -p, then force 0700 whatever the umask said."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, DIR_MODE)


def atomic_write(path: Path, data: bytes | str, mode: int = FILE_MODE) -> None:
    """Write to a temp file beside the target, fsync, then rename: readers see the old or the new file, never half."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    import tempfile  # here, not at the top: read-only commands never load it (nor the random module it needs)

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}-", suffix=".tmp", dir=path.parent)  # pid: swept if killed
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


# mode of the files a user asks for with -o (PDFs, exports, backups): private unless `claimkit --mode` says otherwise
OUTPUT = {"mode": FILE_MODE}


def parse_mode(text: str) -> int:
    """'640' / '0640' / '0o640' -> 0o640; read/write bits only (no execute, no special bits)."""
    raw = text.strip().lower().removeprefix("0o")
    try:
        mode = int(raw, 8)
    except ValueError:
        raise ClaimkitError(f"--mode '{text}' is not an octal file mode; write it like 600 or 640") from None
    if mode & ~0o666 or not mode & 0o600 == 0o600:
        raise ClaimkitError(f"--mode '{text}': use read/write bits only, with the owner able to read and write (e.g. 600, 640, 644)")
    return mode


def write_output(path: Path, data: bytes, mode: int | None = None) -> None:
    """Write a file the user asked for (-o): clear errors for a missing folder or an unwritable target."""
    mode = OUTPUT["mode"] if mode is None else mode
    if not path.parent.exists():
        raise ClaimkitError(f"{path}: folder {path.parent} does not exist; create it or choose another -o path")
    if path.exists() and path.is_dir():
        raise ClaimkitError(f"{path} is a folder; give a file name with -o")
    if path.exists() and not os.access(path, os.W_OK):
        raise ClaimkitError(f"{path} is not writable; choose another -o path")
    try:
        atomic_write(path, data, mode)
    except PermissionError:
        raise ClaimkitError(f"{path}: no permission to write there; choose another -o path") from None


@contextlib.contextmanager
def write_lock(home: Path, timeout: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """One writer at a time across processes (TOML edits and ledger transactions); others wait, bounded."""
    import time

    lock_path = home / ".lock"
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise ClaimkitError(
                        f"another claimkit command has been writing to {home} for over {int(timeout)} s; wait for it to finish and run this again"
                    ) from None
                time.sleep(0.02)
        from claimkit.store.scratch import sweep

        sweep(home)  # what killed commands left
        yield
    finally:
        os.close(fd)
