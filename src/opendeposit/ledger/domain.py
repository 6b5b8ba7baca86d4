"""Pure ledger rules: the chart of accounts, the sign convention, balanced entries, the hash chain.

Sign convention (stated once, here): a posting's `amount` is signed int fen, **debit positive,
credit negative**; the postings of an entry sum to zero. A ledger account's *balance* is kept on
its normal side: for debit-normal accounts (assets, expenses) balance = Σ amount, for
credit-normal accounts (liabilities, income, equity) balance = −Σ amount. So a customer's demand
balance (a liability of the bank) is a positive number of fen.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from opendeposit.errors import BusinessRuleViolation, LedgerInvariantBroken

GENESIS_HASH = "0" * 64


class InsufficientFunds(BusinessRuleViolation):
    """A non-negative account (a customer balance) would go below zero: the database CHECK
    refuses the write, and the applier reports it as this error."""

    code = "INSUFFICIENT_FUNDS"
    message_en = "The available balance is not enough."
    message_zh = "账户可用余额不足。"


class AccountType(StrEnum):
    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"
    INCOME = "income"
    EXPENSE = "expense"

    @property
    def debit_normal(self) -> bool:
        return self in (AccountType.ASSET, AccountType.EXPENSE)


@dataclass(frozen=True)
class ChartEntry:
    code: str
    name: str
    name_zh: str
    type: AccountType
    per_customer: bool  # one ledger account per customer account / holding, else a bank account
    non_negative: bool  # balance may never go below zero


CHART: dict[str, ChartEntry] = {
    c.code: c
    for c in (
        ChartEntry("1001", "bank settlement", "清算备付金", AccountType.ASSET, False, False),
        ChartEntry("2011", "customer demand balance", "个人活期存款（Ⅱ类户）",
                   AccountType.LIABILITY, True, True),
        ChartEntry("2151", "customer time deposit holding", "个人定期存款", AccountType.LIABILITY,
                   True, True),
        ChartEntry("2241", "withdrawals to bound cards in transit", "提现在途资金（应付绑定卡）",
                   AccountType.LIABILITY, False, False),
        ChartEntry("2242", "customer money held for a risk review", "风险审核暂挂资金",
                   AccountType.LIABILITY, False, False),
        ChartEntry("2231", "interest payable", "应付利息", AccountType.LIABILITY, False, False),
        ChartEntry("5211", "interest expense", "利息支出", AccountType.EXPENSE, False, False),
    )
}

BANK_SETTLEMENT = "1001"
CARD_IN_TRANSIT = "2241"
RISK_HOLD = "2242"  # a withdrawal held by a risk rule, until staff release or return it
CUSTOMER_DEMAND = "2011"
CUSTOMER_HOLDING = "2151"
INTEREST_PAYABLE = "2231"
INTEREST_EXPENSE = "5211"


def ledger_code(chart_code: str, owner_id: int | None = None) -> str:
    """The code of one ledger account: the chart code, plus the owner for per-customer ones."""
    chart = CHART[chart_code]
    if chart.per_customer:
        if owner_id is None:
            raise ValueError(f"chart account {chart_code} needs an owner id")
        return f"{chart_code}-{owner_id:012d}"
    return chart_code


def chart_of(code: str) -> ChartEntry:
    return CHART[code.split("-", 1)[0]]


def natural_delta(code: str, amount: int) -> int:
    """How a signed (debit-positive) posting amount moves the account's natural balance."""
    return amount if chart_of(code).type.debit_normal else -amount


@dataclass(frozen=True)
class Posting:
    account: str  # ledger account code, e.g. "2011-000000000042"
    amount: int  # signed fen: debit > 0, credit < 0


@dataclass(frozen=True)
class JournalEntry:
    """A balanced journal entry; construction fails unless ≥ 2 non-zero postings sum to zero."""

    kind: str
    business_date: date
    description: str
    postings: tuple[Posting, ...]
    reference: str = ""
    meta: dict[str, str] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if len(self.postings) < 2:
            raise LedgerInvariantBroken("a journal entry needs at least two postings")
        for p in self.postings:
            if type(p.amount) is not int or p.amount == 0:
                raise LedgerInvariantBroken(f"posting amount must be a non-zero int: {p!r}")
            chart_of(p.account)  # unknown chart codes raise KeyError early
        if sum(p.amount for p in self.postings) != 0:
            raise LedgerInvariantBroken("postings of a journal entry must sum to zero")

    @classmethod
    def transfer(cls, *, kind: str, business_date: date, description: str, debit: str,
                 credit: str, amount: int, reference: str = "") -> JournalEntry:
        """The common two-legged entry: debit one account, credit another, same amount."""
        if amount <= 0:
            raise LedgerInvariantBroken("a transfer amount must be positive")
        return cls(kind, business_date, description,
                   (Posting(debit, amount), Posting(credit, -amount)), reference)


def content_digest(*, chain: int, kind: str, business_date: date, description: str,
                   reference: str, postings: tuple[Posting, ...] | list[Posting]) -> str:
    """SHA-256 of the entry's canonical JSON: stable across databases and platforms."""
    doc = {
        "chain": chain,
        "kind": kind,
        "business_date": business_date.isoformat(),
        "description": description,
        "reference": reference,
        "postings": [[p.account, p.amount] for p in postings],
    }
    canonical = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def chain_hash(prev_hash: str, digest: str) -> str:
    """An entry's link in its chain: SHA-256 over the previous link, a newline, its digest.

    Both are hex text, so the database can compute the same link (PostgreSQL's sha256()) in
    the statement that appends the entry, without a round trip to read the chain head first.
    """
    return hashlib.sha256(f"{prev_hash}\n{digest}".encode()).hexdigest()


def chain_for(owner_id: int, chains: int) -> int:
    """Which of the parallel hash chains (and balance shards) an owner's entries go to."""
    return owner_id % chains
