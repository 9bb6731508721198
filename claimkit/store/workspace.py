"""An open practice home: its records (read lazily, once per command) and its ledger connection."""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager
from functools import cached_property
from pathlib import Path

from claimkit.core.errors import NotFound
from claimkit.core.records import Client, Payer, Practice
from claimkit.store import files, home as homes, ledger


class Workspace:
    def __init__(self, path: Path):
        self.home = homes.require_home(path)
        self._clients: dict[str, Client] = {}

    @classmethod
    def open(cls, explicit: str | Path | None = None) -> "Workspace":
        return cls(homes.resolve_home(explicit))

    @cached_property
    def practice(self) -> Practice:
        return files.load_practice(self.home)

    @cached_property
    def payers(self) -> dict[str, Payer]:
        return files.load_payers(self.home)

    def payer(self, payer_id: str) -> Payer:
        try:
            return self.payers[payer_id]
        except KeyError:
            known = ", ".join(sorted(self.payers)) or "none yet"
            raise NotFound(f"no payer '{payer_id}' (known: {known}); add it with 'claimkit payer add {payer_id} --name NAME'") from None

    def client(self, client_id: str) -> Client:
        if client_id not in self._clients:
            self._clients[client_id] = files.load_client(self.home, client_id)
        return self._clients[client_id]

    def client_ids(self) -> list[str]:
        return files.client_ids(self.home)

    def clients(self) -> list[Client]:
        return [self.client(cid) for cid in self.client_ids()]

    def forget(self) -> None:
        """Drop cached records after a write so the next read sees the file."""
        self._clients.clear()
        for name in ("practice", "payers"):
            self.__dict__.pop(name, None)

    @cached_property
    def conn(self) -> sqlite3.Connection:
        return ledger.connect(self.home)

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        return ledger.transaction(self.home, self.conn)

    def lock(self) -> AbstractContextManager[None]:
        return homes.write_lock(self.home)

    def close(self) -> None:
        conn = self.__dict__.pop("conn", None)
        if conn is not None:
            ledger.close(conn)

