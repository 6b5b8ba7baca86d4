"""Pure audit-log rules: the canonical digest of an entry, its chain, and checking a chain.

An entry's link is `ledger.domain.chain_hash(prev_hash, digest)`, the journal's rule, so the
audit log is tamper-evident the same way: change, drop or reorder one row and every link after
it stops matching. Entries go to one of a few parallel chains (by subject), so writers of
unrelated subjects do not queue on one chain head; a subject's history stays in one chain.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from opendeposit.ledger.domain import GENESIS_HASH, chain_hash

AUDIT_CHAINS = 4
MAX_REASON = 500

__all__ = ["AUDIT_CHAINS", "GENESIS_HASH", "AuditFields", "ChainCheck", "chain_for", "chain_hash",
           "check_chain", "content_digest"]


@dataclass(frozen=True)
class AuditFields:
    """What an entry says; `at` is an aware datetime (UTC)."""

    at: datetime
    actor: str
    action: str
    subject: str
    detail: str
    reason: str = ""


def chain_for(subject: str, chains: int = AUDIT_CHAINS) -> int:
    """Which chain a subject's entries go to (stable across processes and versions)."""
    return zlib.crc32(subject.encode()) % chains


def canonical_time(at: datetime) -> str:
    """The timestamp as hashed: UTC, microseconds, whatever the database handed back."""
    aware = at if at.tzinfo else at.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="microseconds")


def content_digest(*, chain: int, seq: int, fields: AuditFields) -> str:
    """SHA-256 of the entry's canonical JSON: stable across databases and platforms."""
    doc = {"chain": chain, "seq": seq, "at": canonical_time(fields.at), "actor": fields.actor,
           "action": fields.action, "subject": fields.subject, "detail": fields.detail,
           "reason": fields.reason}
    canonical = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class StoredEntry:
    """One row as read back, for checking."""

    id: int
    chain: int
    seq: int
    prev_hash: str
    hash: str
    fields: AuditFields


class ChainCheck:
    """Walks one chain in seq order, entry by entry, collecting what does not link."""

    def __init__(self, chain: int) -> None:
        self.chain = chain
        self.seen = 0
        self.problems: list[str] = []
        self._prev, self._last_seq = GENESIS_HASH, 0

    def add(self, e: StoredEntry) -> None:
        self.seen += 1
        where = f"audit chain {self.chain} seq {e.seq} (id {e.id})"
        if e.seq != self._last_seq + 1:
            self.problems.append(f"audit chain {self.chain}: gap before seq {e.seq} "
                                 "(rows removed)")
        if e.prev_hash != self._prev:
            self.problems.append(f"{where}: prev_hash does not link")
        digest = content_digest(chain=self.chain, seq=e.seq, fields=e.fields)
        if chain_hash(e.prev_hash, digest) != e.hash:
            self.problems.append(f"{where}: hash mismatch (entry altered)")
        self._prev, self._last_seq = e.hash, e.seq

    def finish(self, *, head_seq: int | None, head_hash: str | None) -> list[str]:
        """Compare the last entry with the chain's recorded head (None: no head row)."""
        if (head_seq or 0) != self._last_seq or (head_hash or GENESIS_HASH) != self._prev:
            self.problems.append(
                f"audit chain {self.chain}: head (seq {head_seq or 0}) does not match the last "
                f"entry (seq {self._last_seq}): rows removed or written around the log")
        return self.problems


def check_chain(chain: int, entries: Iterable[StoredEntry], *, head_seq: int | None,
                head_hash: str | None) -> tuple[int, list[str]]:
    """Walk one whole chain → (entries seen, problems)."""
    check = ChainCheck(chain)
    for e in entries:
        check.add(e)
    return check.seen, check.finish(head_seq=head_seq, head_hash=head_hash)
