"""backup, restore, doctor: keep the practice's records safe and private."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from claimkit.cli.apps import app
from claimkit.cli.output import print_json, say, state, table, warn
from claimkit.cli.prompting import terminal
from claimkit.core.errors import ClaimkitError

Opt = typer.Option


ENV_PASSPHRASE = "CLAIMKIT_BACKUP_PASSPHRASE"
HOW = "--passphrase-file FILE or --passphrase-env NAME (no terminal to ask on)"


def _passphrase(ctx: typer.Context, file: Optional[Path], env: Optional[str], confirm: bool, need: str) -> str:
    """The passphrase: from a file or a variable named by an option (scripts), $CLAIMKIT_BACKUP_PASSPHRASE, or
    asked without echo on a terminal (twice when it makes a new archive)."""
    import os

    if file is not None:
        try:
            text = file.read_text(encoding="utf-8").rstrip("\n")
        except OSError as exc:
            raise ClaimkitError(f"--passphrase-file {file}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise ClaimkitError(f"--passphrase-file {file}: not UTF-8 text; write the passphrase on its first line") from None
        if not text:
            raise ClaimkitError(f"--passphrase-file {file} is empty")
        return text
    if env is not None:
        text = os.environ.get(env)
        if not text:
            raise ClaimkitError(f"--passphrase-env {env}: the variable is not set (or empty); export {env}=... first")
        return text
    if os.environ.get(ENV_PASSPHRASE):
        return os.environ[ENV_PASSPHRASE]
    if not terminal(ctx):
        raise ClaimkitError(f"{need}: give {'the' if confirm else 'its'} passphrase with {HOW}" +
                            (", or --no-encrypt for an archive anyone can read" if confirm else ""))
    from claimkit.cli.prompting import ask_until_valid

    def strong(text: str, flag: str) -> str:
        if confirm and len(text) < 8:
            raise ClaimkitError("use a passphrase of at least 8 characters")
        return text

    while True:
        first = ask_until_valid("Backup passphrase", strong, "--passphrase-file", secret=True)
        if not confirm or ask_until_valid("Again", lambda v, f: v, "--passphrase-file", secret=True) == first:
            return first
        warn("the passphrases differ; try again")


@app.command()
def backup(
    ctx: typer.Context,
    out: Optional[Path] = Opt(None, "-o", "--output", help="Archive to write (default: HOME/backups/claimkit-backup-DATE.tar.gz)."),
    encrypt: bool = Opt(True, "--encrypt/--no-encrypt", help="Encrypt with a passphrase (the default); --no-encrypt"
                        " writes an archive anyone holding it can read."),
    passphrase_file: Optional[Path] = Opt(None, "--passphrase-file", help="Read the passphrase from a file (scripts)."),
    passphrase_env: Optional[str] = Opt(None, "--passphrase-env", metavar="NAME",
                                        help=f"Read the passphrase from this environment variable (scripts; ${ENV_PASSPHRASE} is read too)."),
    verify: Optional[Path] = Opt(None, "--verify", help="Check an existing archive's checksums instead of writing one."),
) -> None:
    """Write one archive of the practice home (ledger, TOML files, imported code lists) with checksums, mode 0600,
    encrypted with a passphrase (asked without echo; for scripts --passphrase-file or --passphrase-env).

    Example: claimkit backup -o /media/usb/claimkit-2026-11-22.tar.gz
    """
    from claimkit.store.backup import create_backup, is_encrypted, read_backup
    from claimkit.store.home import require_home, resolve_home

    if verify is not None:
        if not verify.exists():
            raise ClaimkitError(f"{verify}: no such file")
        phrase = _passphrase(ctx, passphrase_file, passphrase_env, False, f"{verify.name} is encrypted") if is_encrypted(verify) else None
        manifest, members = read_backup(verify, phrase)
        say(f"{verify.name}: OK, {len(members)} files verified, made {manifest.get('created')} (schema {manifest.get('schema_version')})")
        return
    if not encrypt and (passphrase_file or passphrase_env):
        raise ClaimkitError("--no-encrypt goes without a passphrase; drop --passphrase-file/--passphrase-env or --no-encrypt")
    home = require_home(resolve_home(state(ctx).home))
    phrase = _passphrase(ctx, passphrase_file, passphrase_env, True, "backups are encrypted") if encrypt else None
    info = create_backup(home, out.expanduser().absolute() if out else None, phrase)
    say(f"Backed up {info.files} files ({info.size:,} bytes{', encrypted' if info.encrypted else ''}) to {info.path}")


@app.command()
def restore(
    ctx: typer.Context,
    archive: Path = typer.Argument(..., help="A claimkit backup archive."),
    passphrase_file: Optional[Path] = Opt(None, "--passphrase-file", help="Passphrase of an encrypted archive."),
    passphrase_env: Optional[str] = Opt(None, "--passphrase-env", metavar="NAME",
                                        help=f"Read the passphrase from this environment variable (${ENV_PASSPHRASE} is read too)."),
) -> None:
    """Restore a backup into a new or empty practice home (--home DIR); checksums are verified first.

    Example: claimkit --home ~/claimkit-restored restore /media/usb/claimkit-2026-11-22.tar.gz
    """
    from claimkit.store.backup import is_encrypted, restore_backup
    from claimkit.store.home import resolve_home

    if not archive.exists():
        raise ClaimkitError(f"{archive}: no such file")
    target = resolve_home(state(ctx).home)
    phrase = _passphrase(ctx, passphrase_file, passphrase_env, False, f"{archive.name} is encrypted") if is_encrypted(archive) else None
    info = restore_backup(archive, target, phrase)
    say(f"Restored {info.files} files from {archive.name} (made {info.created}) into {target}")


@app.command()
def doctor(ctx: typer.Context, json_: bool = Opt(False, "--json", help="Print JSON.")) -> None:
    """Check the practice home: location, permissions, schema version, integrity, last backup, synced folders.

    Example: claimkit doctor
    """
    from claimkit.store import doctor as doc
    from claimkit.store.home import resolve_home

    home = resolve_home(state(ctx).home)
    checks = doc.run(home)
    if json_:
        print_json([c.as_dict() for c in checks])
    else:
        table(f"claimkit doctor: {home}", ["Check", "Status", "Detail"], [(c.name, c.status, c.detail) for c in checks])
    if any(c.status == "error" for c in checks):
        raise typer.Exit(1)
