"""Deliveries that arrive together are issued together: one transaction reserves all their
numbers, the signing runs back to back on the worker, one transaction completes them.

Signing a receipt costs ~2 ms of CPU; the database round trips around it (begin, counter,
insert, commit; begin, flip, inbox, commit) cost as much again when paid per receipt.
Batching shares them. Anything unusual in a batch — a re-issue, two requests for one booking,
a booking that has its receipt already — goes through `service.issue` one by one, so the batch
path only handles the plain case and every guarantee of `issue` still holds.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from opendeposit import clock
from opendeposit.db import is_unique_violation
from opendeposit.esb import inbox
from opendeposit.esb.envelope import Envelope
from opendeposit.esb.registry import MessageRejected
from opendeposit.esign.messages import ReceiptRequest, parse_request
from opendeposit.esign.models import ISSUED, SIGNING, receipt
from opendeposit.esign.service import (
    CONSUMER,
    Reserved,
    _receipt_data,
    issue,
    next_seq,
    observe_lag,
    receipt_number,
    record_values,
    verify_url,
)
from opendeposit.esign.sm2 import sm3_hex
from opendeposit.esign.store import key_for

if TYPE_CHECKING:
    from opendeposit.esign.service import Esign

_FLIP = receipt.update().where(receipt.c.id == bindparam("b_id"),
                               receipt.c.status == SIGNING).values(
    status=ISSUED, sha256=bindparam("b_sha256"), sm3=bindparam("b_sm3"),
    sm2_signature=bindparam("b_sm2"), pdf_path=bindparam("b_path"),
    pdf_bytes=bindparam("b_bytes"), signed_at=bindparam("b_signed_at"))


class _Item:
    """One delivery waiting for its batch; `future` gets the receipt number or the error."""

    def __init__(self, env: Envelope, future: asyncio.Future[str]) -> None:
        self.env, self.future, self.taken = env, future, False

    def done(self, result: str | BaseException) -> None:
        if self.future.done():
            return
        if isinstance(result, BaseException):
            self.future.set_exception(result)
        else:
            self.future.set_result(result)


class Batcher:
    """`submit` one delivery; the first caller to get a slot issues everything queued."""

    def __init__(self, es: Esign, *, max_batch: int = 32, parallel: int = 2) -> None:
        self.es, self.max_batch = es, max_batch
        self._queue: list[_Item] = []
        self._slots = asyncio.Semaphore(parallel)  # one batch signs while the next reserves

    async def submit(self, env: Envelope) -> str:
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        future.add_done_callback(lambda f: f.cancelled() or f.exception())  # seen by someone
        item = _Item(env, future)
        self._queue.append(item)
        while not item.taken:
            async with self._slots:
                await asyncio.sleep(0)  # the deliveries of the same moment join the batch
                if not item.taken:
                    batch = self._queue[:self.max_batch]
                    del self._queue[:self.max_batch]
                    for queued in batch:
                        queued.taken = True
                    await self._run(batch)
        return await future

    async def _run(self, batch: list[_Item]) -> None:
        try:
            await issue_batch(self.es, batch)
        except BaseException as exc:  # the database went away, or this task was cancelled
            failure = exc if isinstance(exc, Exception) else RuntimeError("batch interrupted")
            for item in batch:
                item.done(failure)
            if not isinstance(exc, Exception):
                raise


async def issue_batch(es: Esign, batch: list[_Item]) -> None:
    """Issue a batch: the plain new receipts together, anything else one by one."""
    plain: list[tuple[_Item, ReceiptRequest]] = []
    singles: list[_Item] = []
    bookings: set[tuple[str, str]] = set()
    for item in batch:
        try:
            request = parse_request(item.env.body, bank_name=es.settings.bank_name,
                                    schema_version=item.env.schema_version)
        except MessageRejected as exc:
            item.done(exc)
            continue
        if not isinstance(request, ReceiptRequest) \
                or (request.reference, request.kind) in bookings:
            singles.append(item)
        else:
            bookings.add((request.reference, request.kind))
            plain.append((item, request))
    reserved = await _reserve_many(es, plain) if plain else []
    if reserved is None:  # a booking had its receipt already (a redelivery): one by one
        singles = [item for item, _request in plain] + singles
    elif reserved:
        await _sign_and_complete_many(es, reserved)
    for item in singles:
        try:
            item.done(await issue(es, item.env))
        except Exception as exc:
            item.done(exc)


async def _reserve_many(es: Esign, plain: list[tuple[_Item, ReceiptRequest]]
                        ) -> list[tuple[_Item, Reserved]] | None:
    """Receipt rows in `signing` for all, numbered per business date; None on a clash."""
    drafts = []
    for item, request in plain:  # validate outside the transaction: a bad one is rejected alone
        try:
            drafts.append((item, request, _receipt_data(
                es.settings, request, receipt_number(request.business_date, 0),
                serial=request.transaction_serial or item.env.global_serial)))
        except MessageRejected as exc:
            item.done(exc)
    if not drafts:
        return []
    try:
        async with es.db.transaction() as conn:
            numbered = []
            for day in sorted({request.business_date for _i, request, _d in drafts}):
                todays = [d for d in drafts if d[1].business_date == day]
                last = await next_seq(conn, es.db, day, count=len(todays))
                for offset, (item, request, draft) in enumerate(todays):
                    no = receipt_number(day, last - len(todays) + 1 + offset)
                    numbered.append((item, request, dataclasses.replace(
                        draft, receipt_no=no,
                        verify_url=verify_url(es.settings.public_url, no,
                                              draft.verification_code))))
            rows = [record_values(data, customer_id=request.customer_id,
                                  reference=request.reference, message_id=item.env.message_id,
                                  trace_id=item.env.trace_id)
                    for item, request, data in numbered]
            ids = (await conn.execute(receipt.insert().returning(
                receipt.c.id, sort_by_parameter_order=True), rows)).scalars().all()
    except IntegrityError as exc:
        if not is_unique_violation(exc):
            raise
        return None
    return [(item, Reserved(int(rid), data))
            for (item, _request, data), rid in zip(numbered, ids, strict=True)]


async def _sign_and_complete_many(es: Esign, reserved: list[tuple[_Item, Reserved]]) -> None:
    outputs = await asyncio.gather(*(es.produce(r.data) for _item, r in reserved),
                                   return_exceptions=True)
    signed = []
    for (item, r), output in zip(reserved, outputs, strict=True):
        if isinstance(output, BaseException):
            if not isinstance(output, Exception):
                raise output
            item.done(output)  # the outbox retries it; the row resumes from `signing`
        else:
            signed.append((item, r, output))
    if signed:
        await _complete_many(es, signed)


async def _complete_many(es: Esign, signed: list[tuple[_Item, Reserved, Any]]) -> None:
    """Flip the rows still `signing` to `issued`, each after its file is stored; inbox rows for
    all: one commit. A file that cannot be stored fails only its own receipt."""
    failed: dict[int, Exception] = {}
    async with es.db.transaction() as conn:
        ids = [r.id for _item, r, _out in signed]
        winners = set((await conn.execute(select(receipt.c.id).where(
            receipt.c.id.in_(ids), receipt.c.status == SIGNING).with_for_update()))
            .scalars().all())
        mine = [(r, out) for _item, r, out in signed if r.id in winners]
        stored = await asyncio.gather(
            *(es.store.put(key_for(r.data.receipt_no, r.data.business_date), out[0])
              for r, out in mine), return_exceptions=True)
        now, flips = clock.utcnow(), []
        for (r, (pdf, sm2_signature)), result in zip(mine, stored, strict=True):
            if isinstance(result, Exception):
                failed[r.id] = result
                continue
            flips.append({
                "b_id": r.id, "b_sha256": hashlib.sha256(pdf).hexdigest(), "b_sm3": sm3_hex(pdf),
                "b_sm2": sm2_signature, "b_path": key_for(r.data.receipt_no, r.data.business_date),
                "b_bytes": len(pdf), "b_signed_at": now})
        if flips:
            await conn.execute(_FLIP, flips)
        await inbox.record_many(conn, es.db, consumer=CONSUMER, messages=[
            (item.env.message_id, item.env.service_code)
            for item, r, _out in signed if r.id not in failed])
    flipped = {flip["b_id"] for flip in flips}
    for item, r, _out in signed:
        if r.id in flipped:
            observe_lag(item.env)
        item.done(failed.get(r.id) or r.data.receipt_no)
