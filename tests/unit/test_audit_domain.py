"""Audit-log chain rules: a frozen digest, stable chain choice, and a check that catches an
altered, removed, reordered or appended-around entry."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from opendeposit.audit.domain import (
    GENESIS_HASH,
    AuditFields,
    StoredEntry,
    chain_for,
    chain_hash,
    check_chain,
    content_digest,
)

AT = datetime(2025, 6, 2, 2, 30, 0, 123456, tzinfo=UTC)


def _chain(n: int, chain: int = 1) -> list[StoredEntry]:
    out, prev = [], GENESIS_HASH
    for seq in range(1, n + 1):
        f = AuditFields(at=AT, actor="staff:3", action="pii.reveal", subject="customer:7",
                        detail=f"revealed id_number #{seq}", reason="客户临柜核实")
        link = chain_hash(prev, content_digest(chain=chain, seq=seq, fields=f))
        out.append(StoredEntry(seq, chain, seq, prev, link, f))
        prev = link
    return out


def test_the_digest_is_frozen_and_ignores_how_the_database_returns_time() -> None:
    f = AuditFields(at=AT, actor="staff:3", action="pii.reveal", subject="customer:7",
                    detail="revealed id_number", reason="客户临柜核实")
    digest = content_digest(chain=1, seq=1, fields=f)
    # SQLite hands the timestamp back naive (UTC): same digest
    assert content_digest(chain=1, seq=1, fields=replace(f, at=AT.replace(tzinfo=None))) \
        == digest
    # frozen: stored rows must verify forever, whatever changes in the code around them
    assert digest == "981336dbe65c23061f04753764d5a8ce411abd15403cd67f5327aba3bc0069a5"
    assert content_digest(chain=1, seq=2, fields=f) != digest
    assert content_digest(chain=1, seq=1, fields=replace(f, reason="x")) != digest


def test_subjects_keep_their_chain() -> None:
    assert chain_for("customer:7") == chain_for("customer:7")
    assert {chain_for(f"customer:{i}") for i in range(100)} == {0, 1, 2, 3}


def test_an_intact_chain_checks_out() -> None:
    rows = _chain(5)
    assert check_chain(1, rows, head_seq=5, head_hash=rows[-1].hash) == (5, [])
    assert check_chain(2, [], head_seq=None, head_hash=None) == (0, [])


def test_an_altered_entry_is_caught() -> None:
    rows = _chain(5)
    rows[2] = replace(rows[2], fields=replace(rows[2].fields, reason="改过的原因"))
    seen, problems = check_chain(1, rows, head_seq=5, head_hash=rows[-1].hash)
    assert seen == 5 and problems == ["audit chain 1 seq 3 (id 3): hash mismatch (entry altered)"]


def test_a_removed_entry_is_caught_in_the_middle_and_at_the_end() -> None:
    rows = _chain(5)
    middle = rows[:2] + rows[3:]
    _, problems = check_chain(1, middle, head_seq=5, head_hash=rows[-1].hash)
    assert any("gap before seq 4" in p for p in problems)
    assert any("prev_hash does not link" in p for p in problems)
    _, problems = check_chain(1, rows[:4], head_seq=5, head_hash=rows[-1].hash)
    assert problems and "head (seq 5) does not match the last entry (seq 4)" in problems[0]


def test_a_recomputed_tail_still_disagrees_with_the_head() -> None:
    rows = _chain(3)
    _, problems = check_chain(1, rows, head_seq=3, head_hash="f" * 64)
    assert problems
