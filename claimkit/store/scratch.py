"""Temporary files of ours, and outputs that appear only once what they record is committed.

Every temporary copy (a file being edited, a PDF or 837P before its claims are recorded, a backup being written)
lives in `HOME/.tmp/` (0700, files 0600), named with the id of the process that made it. A process killed midway
leaves its temp there, never in the system temp folder or the user's output folder; the next run of claimkit that
writes removes the temps of processes that are no longer running (`sweep`).

`PendingOutput`: write the bytes under a temp name, commit the ledger, then `publish()` renames the file into place.
A kill before the commit leaves no file under the user's name; a kill after it leaves the work recorded.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from claimkit.core.errors import ClaimkitError

SCRATCH = ".tmp"
MARK = ".claimkit-"  # in a user's folder, only while a file is copied across file systems (see publish)


def folder(home: Path) -> Path:
    path = home / SCRATCH
    path.mkdir(mode=0o700, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _pid_of(name: str) -> int | None:
    """The process id in a temp name of ours: 'PID-...' in HOME/.tmp, '.NAME.PID-XXXX.tmp' beside a home file."""
    if name.endswith(".tmp"):
        name = name[:-4].rsplit(".", 1)[-1]
    head = name.split("-", 1)[0]
    return int(head) if head.isdigit() else None


def new_path(home: Path, label: str) -> Path:
    """A fresh temp path of this process in HOME/.tmp (not created)."""
    import secrets

    safe = "".join(ch if ch.isalnum() or ch in "._" else "_" for ch in label)[-60:]
    return folder(home) / f"{os.getpid()}-{secrets.token_hex(4)}-{safe}"


def write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb", closefd=False) as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    finally:
        os.close(fd)


def sweep(home: Path) -> int:
    """Remove what killed claimkit processes left: temps in HOME/.tmp, `.NAME.PID.XXXX.tmp` beside the home's files,
    and copies noted in HOME/.tmp as being written into a user's folder. Returns how many were removed."""
    removed = 0
    scratch = home / SCRATCH
    with contextlib.suppress(OSError):
        for entry in os.scandir(scratch):
            pid = _pid_of(entry.name)
            if pid is None or _alive(pid):
                continue
            if entry.name.endswith(".copying"):  # a copy into another folder, cut by the kill
                with contextlib.suppress(OSError, UnicodeDecodeError):
                    Path(Path(entry.path).read_text("utf-8")).unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                if entry.is_dir(follow_symlinks=False):
                    import shutil

                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)
                removed += 1
    for where in (home, home / "clients"):
        with contextlib.suppress(OSError):
            for entry in os.scandir(where):
                name = entry.name
                if name.startswith(".") and name.endswith(".tmp"):
                    pid = _pid_of(name)
                    if pid is not None and not _alive(pid):
                        with contextlib.suppress(OSError):
                            os.unlink(entry.path)
                            removed += 1
    return removed


def check_target(path: Path) -> None:
    """A file the user asked for (-o): clear errors for a missing folder or an unwritable target, before any work."""
    if not path.parent.exists():
        raise ClaimkitError(f"{path}: folder {path.parent} does not exist; create it or choose another -o path")
    if path.exists() and path.is_dir():
        raise ClaimkitError(f"{path} is a folder; give a file name with -o")
    if path.exists() and not os.access(path, os.W_OK):
        raise ClaimkitError(f"{path} is not writable; choose another -o path")
    if not os.access(path.parent, os.W_OK):
        raise ClaimkitError(f"{path}: no permission to write there; choose another -o path")


class PendingOutput:
    """An output file (-o) written under a temp name of ours in the home, renamed into place after the commit."""

    def __init__(self, home: Path, path: Path, mode: int | None = None):
        from claimkit.store.home import OUTPUT

        sweep(home)
        check_target(path)
        self.home, self.path = home, path
        self.mode = OUTPUT["mode"] if mode is None else mode
        self.staged: Path | None = None

    def write(self, data: bytes) -> None:
        self.discard()
        self.staged = new_path(self.home, self.path.name)
        write_private(self.staged, data)

    def publish(self) -> None:
        """Put the written file under its name (after the work it records is committed)."""
        if self.staged is None:
            return
        os.chmod(self.staged, self.mode)
        try:
            os.replace(self.staged, self.path)
        except OSError as exc:
            import errno

            if exc.errno != errno.EXDEV:
                raise ClaimkitError(f"{self.path}: cannot write it ({exc.strerror}); the work is recorded, run the command again with another -o path") from None
            self._copy_across()
        self.staged = None
        _fsync_dir(self.path.parent)

    def _copy_across(self) -> None:
        """Another file system (a USB stick): copy beside the target under a marked name, then rename; the name is
        noted in the home first so a kill during the copy is cleaned up on the next run."""
        import secrets

        tmp = self.path.parent / f".{self.path.name}{MARK}{os.getpid()}-{secrets.token_hex(4)}"
        note = Path(f"{self.staged}.copying")
        write_private(note, str(tmp).encode("utf-8"))
        try:
            fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, self.mode)
            with os.fdopen(fd, "wb") as fh:
                fh.write(self.staged.read_bytes())
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, self.mode)
            os.replace(tmp, self.path)
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()
            self.staged.unlink(missing_ok=True)
            note.unlink(missing_ok=True)

    def discard(self) -> None:
        if self.staged is not None:
            self.staged.unlink(missing_ok=True)
            self.staged = None


def write_output(home: Path, path: Path, data: bytes, mode: int | None = None) -> None:
    """An output that records nothing: written in the home, then renamed into place (a kill leaves no hidden temp
    in the user's folder)."""
    out = PendingOutput(home, path, mode)
    try:
        out.write(data)
        out.publish()
    finally:
        out.discard()


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        dfd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
