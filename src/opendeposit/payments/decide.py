"""Top-up and withdrawal decided: pure functions from what was read to the write plans.

A move is two plans around the card-network call. Opening: claim the idempotency key, hold a
withdrawal's money (Dr 2011 customer / Cr 2241 in transit, so it cannot be spent twice), write
the payment order. Settling: move the order out of its open state (guard: status initiated or
pending), post the settling entry (top-up Dr 1001 / Cr 2011; withdrawal done Dr 2241 / Cr 1001;
withdrawal failed Dr 2241 / Cr 2011), ask for the e-receipt, store the answer. No I/O here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from opendeposit.accounts.domain import (
    CustomerAccount,
    LimitBucket,
    Operation,
    check_allowed,
    mask_account_no,
    usage_steps,
)
from opendeposit.errors import BusinessRuleViolation
from opendeposit.ledger.domain import BANK_SETTLEMENT, CARD_IN_TRANSIT, RISK_HOLD, JournalEntry
from opendeposit.money import format_amount
from opendeposit.payments.ports import TransferResult, TransferStatus
from opendeposit.serials import serial_row
from opendeposit.writeplan import (
    Abandon,
    Answer,
    Change,
    Claim,
    Complete,
    Doc,
    Fen,
    Insert,
    Message,
    Outbox,
    Plan,
    Post,
    Ref,
    Step,
    Update,
)

TOP_UP, WITHDRAW = "top_up", "withdraw"
RECEIPT_SERVICE, RECEIPT_TARGET = "ESIGN.RECEIPT.ISSUE", "ESIGN"
ORDER_SETTLED = "ORDER_SETTLED"  # abandonment: the order left its open state meanwhile
OPEN_STATES = ("initiated", "pending")

CARD_FAILURES_ZH = {
    "INSUFFICIENT_FUNDS": "绑定卡余额不足",
    "CARD_FROZEN": "绑定卡已冻结或状态异常",
    "CARD_NOT_FOUND": "绑定卡不存在",
    "NAME_MISMATCH": "绑定卡户名不符",
    "DECLINED": "发卡行拒绝交易",
}


class CardTransferFailed(BusinessRuleViolation):
    code = "CARD_TRANSFER_FAILED"
    message_en = "The bound card's bank refused the transfer."
    message_zh = "绑定卡交易失败。"


@dataclass(frozen=True)
class OpenOrder:
    """An open payment order, as settling it needs it (no read in between)."""

    id: int
    order_no: str
    direction: str
    amount: int
    key: str
    account: CustomerAccount
    balance: int  # the customer's demand balance after opening (after the hold, if any)
    hold_hash: str | None  # a withdrawal's hold entry: its receipt quotes it
    serial: str = ""  # 交易流水号 (none for an order opened before serials existed)


def open_plan(claim: Claim, *, direction: str, account: CustomerAccount, amount: int,
              order_no: str, business_date: date, now: datetime, serial: str) -> Plan:
    """Claim the key, hold a withdrawal's money, write the order and its transaction serial
    (captures `order.id`, and for a withdrawal `hold#0` and the balance after the hold; a
    top-up's serial gets its entry when it settles)."""
    check_allowed(account.status, Operation.TOP_UP if direction == TOP_UP else
                  Operation.WITHDRAW)
    steps: list[Step] = [claim]
    entry_hash: Ref | None = None
    if direction == WITHDRAW:  # hold the money first: it leaves the balance now
        hold = hold_post(account, amount, order_no, business_date)
        steps.append(hold)
        entry_hash = hold.hash()
    steps.append(Insert("payment_order", ({
        "order_no": order_no, "account_id": account.id, "customer_id": account.customer_id,
        "bound_card_id": account.card_id, "direction": direction, "amount": amount,
        "status": "initiated", "idempotency_key": claim.key, "business_date": business_date,
        "entry_hash": entry_hash, "created_at": now, "updated_at": now},),
        name="order", returning="id"))
    steps.append(Insert("transaction_serial", (serial_row(
        serial, kind=direction, reference=order_no, entry_hash=entry_hash, now=now),)))
    return Plan(tuple(steps), now)


HELD = "held"


def held_plan(claim: Claim, *, account: CustomerAccount, amount: int, reference: str,
              decision_id: int, business_date: date, now: datetime,
              serial: str) -> tuple[Plan, Answer]:
    """A withdrawal a risk rule holds: claim the key, park the money (Dr 2011 customer /
    Cr 2242 risk hold: it has left the balance but not the bank), the `risk_hold` row; the
    answer is 202 held until staff release it to the card or return it to the balance."""
    check_allowed(account.status, Operation.WITHDRAW)
    post = Post(account.chain, (JournalEntry.transfer(
        kind="risk_hold", business_date=business_date, description="提现风险审核暂挂",
        debit=account.ledger_code, credit=RISK_HOLD, amount=amount, reference=reference),),
        name="held")
    row = Insert("risk_hold", ({
        "customer_id": account.customer_id, "decision_id": decision_id, "operation": WITHDRAW,
        "amount": amount, "reference": reference, "idempotency_key": claim.key,
        "status": HELD, "created_at": now,
        "decided_at": None, "decided_by": None, "reason": None},), name="hold",
        returning="id")
    answer = Answer(202, {"status": HELD, "hold_id": row.ref(), "direction": WITHDRAW,
                          "amount": format_amount(amount), "reference": reference,
                          "transaction_serial": serial,
                          "balance": Fen(post.balance(account.ledger_code))})
    number = Insert("transaction_serial", (serial_row(
        serial, kind=WITHDRAW, reference=reference, entry_hash=post.hash(), now=now),))
    return Plan((claim, post, row, number, Complete(claim.owner, claim.key, answer)),
                now), answer


def hold_post(account: CustomerAccount, amount: int, order_no: str, business_date: date) -> Post:
    return Post(account.chain, (JournalEntry.transfer(
        kind="withdraw_hold", business_date=business_date, description="提现至绑定卡（在途）",
        debit=account.ledger_code, credit=CARD_IN_TRANSIT, amount=amount,
        reference=order_no),), name="hold")


def final(status: TransferStatus) -> TransferStatus:
    """UNKNOWN means the network never got the order: nothing moved, it failed."""
    return TransferStatus.FAILED if status is TransferStatus.UNKNOWN else status


def settle_plan(order: OpenOrder, result: TransferResult, *, business_date: date, bank_name: str,
                now: datetime) -> tuple[Plan, Answer]:
    """The writes that settle an open order with the network's answer, and the answer."""
    status = final(result.status)
    entry = settling_entry(order, status, business_date)
    post = None if entry is None else Post(order.account.chain, (entry,), name="settle")
    change: dict[str, Any] = {
        "status": status.value, "network_ref": result.network_ref,
        "failure_code": result.failure_code if status is TransferStatus.FAILED else None,
        "updated_at": now}
    balance: int | Ref = order.balance
    receipt_hash: str | Ref | None = order.hold_hash  # a withdrawal's receipt quotes its hold
    top_up_done = post is not None and order.direction == TOP_UP
    if post is not None and top_up_done:
        # it posts first, so its order row takes the entry's hash in the same guarded update
        change["entry_hash"] = receipt_hash = post.hash()
        balance = post.balance(order.account.ledger_code)
    guard = Update("payment_order", (Change(key={"id": order.id}, set=change,
                                            one_of={"status": OPEN_STATES}),),
                   on_miss=Abandon(ORDER_SETTLED))
    steps: list[Step] = [guard] if post is None else [post, guard] if top_up_done else \
        [guard, post]
    if top_up_done and post is not None and order.serial:  # the serial quotes its entry
        steps.append(Update("transaction_serial", (Change(
            key={"serial": order.serial}, set={"entry_hash": post.hash()}),),
            on_miss=Abandon(ORDER_SETTLED)))
    answer = answer_of(order, status.value, Fen(balance), result.failure_code)
    if status is TransferStatus.SUCCEEDED:  # counted (outside the Class II caps), §1.3
        bucket = LimitBucket.BOUND_IN if order.direction == TOP_UP else LimitBucket.BOUND_OUT
        steps += usage_steps(order.account.id, bucket, order.amount, business_date)
        steps.append(Outbox((Message(RECEIPT_SERVICE, RECEIPT_TARGET, Doc(receipt_request(
            order, business_date, receipt_hash, bank_name=bank_name))),)))
    steps.append(Complete(order.account.customer_id, order.key, answer))
    return Plan(tuple(steps), now), answer


def settling_entry(order: OpenOrder, status: TransferStatus,
                   business_date: date) -> JournalEntry | None:
    """The top-up's credit, a withdrawal's transit to the bank, a failed withdrawal's reversal
    of the hold; none for a pending or failed top-up."""
    acct = order.account

    def transfer(kind: str, description: str, debit: str, credit: str) -> JournalEntry:
        return JournalEntry.transfer(kind=kind, business_date=business_date,
                                     description=description, debit=debit, credit=credit,
                                     amount=order.amount, reference=order.order_no)

    if status is TransferStatus.SUCCEEDED and order.direction == TOP_UP:
        return transfer("top_up", "绑定卡充值", BANK_SETTLEMENT, acct.ledger_code)
    if status is TransferStatus.SUCCEEDED:
        return transfer("withdraw_settled", "提现至绑定卡完成", CARD_IN_TRANSIT, BANK_SETTLEMENT)
    if status is TransferStatus.FAILED and order.direction == WITHDRAW:
        return transfer("withdraw_reversal", "提现失败退回", CARD_IN_TRANSIT, acct.ledger_code)
    return None


def receipt_request(order: OpenOrder, business_date: date, entry_hash: str | Ref | None, *,
                    bank_name: str) -> dict[str, Any]:
    """Everything the signature platform needs to fill the receipt: it reads no tables of ours."""
    acct = order.account
    card = {"name": acct.holder_name, "account": mask_account_no(acct.card_number),
            "bank": acct.card_bank}
    e_account = {"name": acct.holder_name, "account": mask_account_no(acct.account_no),
                 "bank": bank_name}
    top_up = order.direction == TOP_UP
    return {
        "receipt_kind": "top_up" if top_up else "withdrawal",
        "reference": order.order_no,
        "transaction_serial": order.serial or order.order_no,
        "customer_id": acct.customer_id,
        "business_date": business_date.isoformat(),
        "amount": order.amount,
        "currency": "CNY",
        "payer": card if top_up else e_account,
        "payee": e_account if top_up else card,
        "summary": "绑定卡充值" if top_up else "提现至绑定卡",
        "ledger_entry_hash": entry_hash,
    }


def answer_of(order: OpenOrder, status: str, balance: Fen | str,
              failure_code: str | None) -> Answer:
    """200 succeeded, 202 pending (with the balance), or the card's refusal (422)."""
    acct = order.account
    if status == "failed":
        code = failure_code or "DECLINED"
        err = CardTransferFailed(
            f"The bound card's bank refused the transfer ({code}).",
            f"绑定卡交易失败：{CARD_FAILURES_ZH.get(code, '发卡行拒绝交易')}。",
        )
        return Answer(err.http_status, {"error": {
            "code": err.code, "message": err.message_en, "message_zh": err.message_zh,
            "card_failure": code, "order_no": order.order_no}})
    return Answer(200 if status == "succeeded" else 202, {
        "order_no": order.order_no, "transaction_serial": order.serial or None,
        "direction": order.direction, "amount": format_amount(order.amount), "status": status,
        "balance": balance,
        "bound_card": {"bank": acct.card_bank, "card_no_masked": "****" + acct.card_last4},
    })
