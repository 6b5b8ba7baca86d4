"""Write plans: what a decided money use case writes, as plain values an engine's applier runs.

A use case reads its context, decides in Python (every business rule lives there) and returns a
`Plan`: rows to insert, guarded updates, ledger postings, outbox messages, the idempotency claim
and answer. An applier (`opendeposit.db.apply`) executes a plan atomically — PostgreSQL in one
round trip, SQLite statement by statement — and knows no business words: its guards are
generic (`column >= value`, `column + delta <= cap`, `column IN (...)`, `column = value`).

Some values are known only inside the write: an entry's chain hash (linked under the chain-head
lock), a balance after the entry, a generated id. A `Ref` names such a value, captured by an
earlier step of the same plan; `Doc`s (JSON stored as text: an outbox body, a stored answer) may
hold Refs, and `Fen` marks an amount that Python renders ("1234.56") when the answer is shown.
Nothing here imports a database driver.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from opendeposit.errors import OpenDepositError
from opendeposit.ledger.domain import JournalEntry
from opendeposit.money import format_amount


@dataclass(frozen=True)
class Ref:
    """A value captured by an earlier step of the same plan (see `Post.hash`, `Insert.ref`)."""

    name: str


@dataclass(frozen=True)
class Fen:
    """An amount in a stored document, kept as int fen and rendered by `render` in Python."""

    value: int | Ref


@dataclass(frozen=True)
class Doc:
    """A JSON document stored as text; its values may be Refs or Fens anywhere inside."""

    value: Mapping[str, Any]


@dataclass(frozen=True)
class Refuse:
    """When a guard misses: roll the whole plan back and raise this error."""

    error: OpenDepositError


@dataclass(frozen=True)
class Abandon:
    """When a guard misses: roll the whole plan back and raise `PlanAbandoned(reason)`, for the
    use case to decide what that means (replay an answer, retry, skip the item)."""

    reason: str


OnMiss = Refuse | Abandon


class PlanAbandoned(Exception):
    """A plan was rolled back because a guard with `Abandon` missed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


KEY_TAKEN = "KEY_TAKEN"  # the idempotency key is owned by another request (Claim missed)


@dataclass(frozen=True)
class Insert:
    """Rows into `table`; all or nothing. With `skip_existing`, a row whose key exists is not
    written and counts as a miss (`on_miss`). `returning` captures a column of a one-row insert
    as `Ref(f"{name}.{returning}")`."""

    table: str
    rows: tuple[Mapping[str, Any], ...]
    name: str = ""
    returning: str | None = None
    skip_existing: bool = False
    on_miss: OnMiss = Abandon("ROW_EXISTS")

    def ref(self) -> Ref:
        assert self.returning is not None, "only a returning insert captures a value"
        return Ref(f"{self.name}.{self.returning}")


def _frozen() -> Mapping[str, Any]:
    return {}


@dataclass(frozen=True)
class Change:
    """One row of a guarded update: found by `key`, changed only if every guard holds.

    Guards: `expect` column = value, `at_least` column >= value, `one_of` column IN values."""

    key: Mapping[str, Any]
    set: Mapping[str, Any] = field(default_factory=_frozen)
    add: Mapping[str, int] = field(default_factory=_frozen)
    expect: Mapping[str, Any] = field(default_factory=_frozen)
    at_least: Mapping[str, int] = field(default_factory=_frozen)
    one_of: Mapping[str, tuple[Any, ...]] = field(default_factory=_frozen)

    def shape(self) -> tuple[tuple[str, ...], ...]:
        return tuple(tuple(sorted(m)) for m in (self.key, self.set, self.add, self.expect,
                                                self.at_least, self.one_of))


@dataclass(frozen=True)
class Update:
    """Guarded updates of `table`: every change must find its row with its guards holding,
    else `on_miss`. All changes of one step have the same shape (the same columns)."""

    table: str
    changes: tuple[Change, ...]
    on_miss: OnMiss

    def __post_init__(self) -> None:
        if len({c.shape() for c in self.changes}) > 1:
            raise ValueError("the changes of one Update step must have the same shape")


@dataclass(frozen=True)
class Upsert:
    """Add `add` to the row at `key` (inserting key + add when absent), only while each
    `column + delta <= cap` (the insert too); else `on_miss`."""

    table: str
    key: Mapping[str, Any]
    add: Mapping[str, int]
    cap: Mapping[str, int]
    on_miss: OnMiss


@dataclass(frozen=True)
class NewAccount:
    """A ledger account opened by the plan, with its one balance row in the posting's chain."""

    code: str
    chart_code: str
    name: str
    owner_id: int
    non_negative: bool


@dataclass(frozen=True)
class Post:
    """Append balanced entries to hash chain `chain`, in order: link each entry's content
    digest into the chain under its head lock, move balances in account-code order, write
    postings and entries. A non-negative account that would go below zero refuses the plan
    with InsufficientFunds. Captures each entry's chain hash (`hash(i)`) and the natural
    balance of each touched account after the last entry (`balance(code)`)."""

    chain: int
    entries: tuple[JournalEntry, ...]
    open_accounts: tuple[NewAccount, ...] = ()
    name: str = "post"

    def hash(self, i: int = 0) -> Ref:
        return Ref(f"{self.name}#{i}")

    def balance(self, account: str) -> Ref:
        return Ref(f"{self.name}@{account}")

    def seq(self) -> Ref:
        """The sequence number of the first entry in its chain."""
        return Ref(f"{self.name}.seq")


@dataclass(frozen=True)
class Message:
    """One outbox message; the applier adds the envelope (ids, serial, trace, timestamps)."""

    service_code: str
    target_system: str
    body: Doc


@dataclass(frozen=True)
class Outbox:
    messages: tuple[Message, ...]


@dataclass(frozen=True)
class Answer:
    """An HTTP-shaped answer, stored under the idempotency key for replays. The body may hold
    Refs and Fens until `render` turns it into what the client sees."""

    status_code: int
    body: Mapping[str, Any]


@dataclass(frozen=True)
class Claim:
    """Own the idempotency key; with `answer`, already completed with it (one-write use cases).
    A key another request owns abandons the plan with KEY_TAKEN."""

    owner: int
    key: str
    operation: str
    request_hash: str
    answer: Answer | None = None


@dataclass(frozen=True)
class Complete:
    """Store the answer under a key claimed by an earlier plan."""

    owner: int
    key: str
    answer: Answer


Step = Insert | Update | Upsert | Post | Outbox | Claim | Complete


@dataclass(frozen=True)
class Plan:
    """Steps applied in order, atomically. `now` stamps the rows the applier makes itself
    (created_at of accounts, outbox rows, idempotency records)."""

    steps: tuple[Step, ...]
    now: datetime

    def __add__(self, other: Plan) -> Plan:
        return Plan(self.steps + other.steps, self.now)


# ------------------------------------------------------------------ documents and rendering

_FEN = "$fen"


def doc_parts(doc: Doc) -> list[str]:
    """The document as JSON text cut around its Refs: [text, ref name, text, ...] (odd
    positions are Ref names whose captured value, as JSON, goes there). Keys sorted,
    non-ASCII kept: the same text on every engine."""
    refs: list[str] = []

    def hook(value: Any) -> Any:  # called by the JSON encoder for what it does not know
        if isinstance(value, Ref):
            refs.append(value.name)
            return f"\x00{len(refs) - 1}\x00"
        if isinstance(value, Fen):
            return {_FEN: value.value}
        if isinstance(value, Mapping):
            return dict(value)
        return str(value)

    text = json.dumps(doc.value, ensure_ascii=False, sort_keys=True, default=hook)
    if not refs:
        return [text]
    parts: list[str] = []
    for i, name in enumerate(refs):  # sorted keys: tokens appear in the order they were made
        before, text = text.split(json.dumps(f"\x00{i}\x00"), 1)
        parts += [before, name]
    return [*parts, text]


def join_parts(parts: list[str], captured: Mapping[str, Any]) -> str:
    """A document's text with each Ref's captured value put in, as JSON."""
    out = [p if i % 2 == 0 else json.dumps(captured[p], ensure_ascii=False)
           for i, p in enumerate(parts)]
    return "".join(out)


def resolve(value: Any, captured: Mapping[str, Any]) -> Any:
    """Refs replaced by their captured values (Fens kept, for `render`)."""
    if isinstance(value, Ref):
        return captured[value.name]
    if isinstance(value, Fen):
        return Fen(resolve(value.value, captured))
    if isinstance(value, Mapping):
        return {k: resolve(v, captured) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [resolve(v, captured) for v in value]
    return value


def render(value: Any, captured: Mapping[str, Any] | None = None) -> Any:
    """What the client sees: Refs resolved, amounts (Fen, or `{"$fen": n}` as stored)
    formatted as decimal strings by `money.format_amount`."""
    if isinstance(value, Ref):
        if captured is None:
            raise KeyError(value.name)
        return render(captured[value.name], captured)
    if isinstance(value, Fen):
        return format_amount(int(render(value.value, captured)))
    if isinstance(value, Mapping):
        if set(value) == {_FEN}:
            return format_amount(int(value[_FEN]))
        return {k: render(v, captured) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [render(v, captured) for v in value]
    return value


def rendered(answer: Answer, captured: Mapping[str, Any] | None = None) -> Answer:
    return Answer(answer.status_code, render(answer.body, captured))
