"""The signature platform as a bus consumer: ESIGN.RECEIPT.ISSUE → numbered, rendered, signed,
co-signed, stored and recorded e-receipt — exactly one per (reference, kind).

Two short transactions around the CPU work: (1) reserve the receipt row (number, verification
code, the signed fields) in state `signing`; (2) after signing, flip it to `issued` *only if it
is still signing*, store the PDF and write the inbox row, then commit. A crash between the two
leaves a `signing` row that the next delivery resumes with the same number and fields.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import logging
import secrets
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from opendeposit import clock
from opendeposit.db import Database, is_unique_violation
from opendeposit.errors import ValidationFailed
from opendeposit.esb import inbox
from opendeposit.esb.envelope import Envelope
from opendeposit.esb.registry import MessageRejected
from opendeposit.esign.messages import ReceiptRequest, parse_request
from opendeposit.esign.models import ISSUED, SIGNING, receipt, receipt_counter
from opendeposit.esign.pki import PkiPaths, init_demo_pki, load_signing_identity, load_trust_anchors
from opendeposit.esign.render import render_receipt
from opendeposit.esign.sign import ReceiptSigner
from opendeposit.esign.sm2 import sm2_cosign, sm3_hex
from opendeposit.esign.store import FileReceiptStore, ReceiptStore, key_for
from opendeposit.esign.templates import ReceiptData, fields_json
from opendeposit.esign.timestamps import http_timestamper, load_local_timestamper
from opendeposit.money import amount_in_words
from opendeposit.observability.metrics import process_metrics

if TYPE_CHECKING:
    from opendeposit.config import Settings
    from opendeposit.esign.pki import TrustAnchors

log = logging.getLogger("opendeposit.esign")
CONSUMER = "esign"
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud over the phone


def new_verification_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))


def receipt_number(business_date: dt.date, seq: int) -> str:
    """HD + business date + 8-digit sequence of that date: HD2025060200000001."""
    return f"HD{business_date:%Y%m%d}{seq:08d}"


class Esign:
    """Keys, signer, store and a one-thread worker, loaded on first use: processes that never
    sign pay nothing, and a verifier needs only the public half (`trust`)."""

    def __init__(self, settings: Settings, db: Database, *, store: ReceiptStore | None = None):
        self.settings, self.db = settings, db
        self.store: ReceiptStore = store or FileReceiptStore(settings.data_dir / "receipts")
        self.paths = PkiPaths(settings.pki_dir)
        self._signer: ReceiptSigner | None = None
        self._trust: TrustAnchors | None = None
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="esign")
        self._worker_loop: asyncio.AbstractEventLoop | None = None
        self._ready = asyncio.Lock()

    async def ready(self) -> None:
        """Load the signing key and the timestamp authority (the signing side)."""
        if self._signer is None:
            async with self._ready:
                if self._signer is None:
                    self._signer = await asyncio.to_thread(self._load_signer)

    async def trust(self) -> TrustAnchors:
        """Root, pinned signing certificate and SM2 public key (the verifying side)."""
        if self._trust is None:
            self._trust = await asyncio.to_thread(self._load_trust)
        return self._trust

    def _ensure_demo_pki(self) -> None:
        for noisy in ("pyhanko", "pyhanko_certvalidator"):  # a traceback per forged upload
            logging.getLogger(noisy).setLevel(logging.ERROR)
        if not self.paths.signing_cert.exists() and self.settings.is_sandbox:
            init_demo_pki(self.paths.directory, bank_name=self.settings.bank_name)

    def _load_trust(self) -> TrustAnchors:
        self._ensure_demo_pki()
        return load_trust_anchors(self.paths)

    def _load_signer(self) -> ReceiptSigner:
        self._ensure_demo_pki()
        if not self.paths.signing_p12.exists():
            raise RuntimeError(f"no signing key in {self.paths.directory}: provision it")
        if self.settings.esign_tsa_url:
            stamper = http_timestamper(self.settings.esign_tsa_url,
                                       timeout=self.settings.esign_tsa_timeout_seconds)
        elif self.settings.is_sandbox:
            stamper = load_local_timestamper(self.paths)
        else:
            raise RuntimeError("production needs OPENDEPOSIT_ESIGN_TSA_URL (a licensed TSA)")
        return ReceiptSigner(load_signing_identity(self.paths), stamper)

    async def produce(self, data: ReceiptData) -> tuple[bytes, bytes]:
        """(signed PDF, SM2 signature), computed on the worker thread (the loop stays free)."""
        await self.ready()
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._worker, self._produce, data)

    def _produce(self, data: ReceiptData) -> tuple[bytes, bytes]:
        assert self._signer is not None
        if self._worker_loop is None:  # the worker thread's own loop, for pyHanko's async API
            self._worker_loop = asyncio.new_event_loop()
        signed = self._worker_loop.run_until_complete(self._signer.async_sign(render_receipt(data)))
        return signed, sm2_cosign(signed, self._signer.identity.sm2_private_key)

    async def consume(self, envelope: Envelope) -> None:
        """The ESIGN.RECEIPT.ISSUE consumer (registered by bootstrap)."""
        await issue(self, envelope)

    def close(self) -> None:
        if self._worker_loop is not None:
            self._worker.submit(self._worker_loop.close)
        self._worker.shutdown(wait=False)


async def issue(es: Esign, env: Envelope) -> str:
    """Handle one delivery; returns the receipt number (also for a duplicate delivery)."""
    request = parse_request(env.body, bank_name=es.settings.bank_name,
                            schema_version=env.schema_version)
    async with es.db.read() as conn:
        done = await inbox.seen(conn, consumer=CONSUMER, message_id=env.message_id)
        row = await _find(conn, request)
    if done and row is not None:
        return str(row.receipt_no)
    row = row or await _reserve(es, request, env.message_id, env.trace_id)
    if row.status == SIGNING:
        data = data_from_fields(json.loads(row.fields))
        pdf, sm2_signature = await es.produce(data)
        await _complete(es, row, pdf, sm2_signature, env)
    else:
        async with es.db.transaction() as conn:
            await inbox.record(conn, es.db, consumer=CONSUMER, message_id=env.message_id,
                               service_code=env.service_code)
    return str(row.receipt_no)


async def _reserve(es: Esign, request: ReceiptRequest, message_id: str,
                   trace_id: str | None = None) -> Any:
    """A new receipt row in `signing` for (reference, kind), or the one a concurrent delivery
    reserved first."""
    try:
        async with es.db.transaction() as conn:
            seq = await _next_seq(conn, es.db, request.business_date)
            data = _receipt_data(es.settings, request, receipt_number(
                request.business_date, seq))
            return (await conn.execute(receipt.insert().values(
                receipt_no=data.receipt_no, kind=data.kind, status=SIGNING,
                customer_id=request.customer_id, reference=request.reference,
                business_date=data.business_date, amount=data.amount,
                amount_in_words=amount_in_words(data.amount, prefix=True),
                verification_code=data.verification_code, fields=fields_json(data).decode(),
                ledger_entry_hash=request.ledger_entry_hash, message_id=message_id,
                trace_id=trace_id,
                issued_at=data.issued_at.astimezone(dt.UTC), created_at=clock.utcnow(),
            ).returning(*receipt.c))).one()
    except IntegrityError as exc:  # the unique (reference, kind): someone was first
        if not is_unique_violation(exc):
            raise
    async with es.db.read() as conn:
        found = await _find(conn, request)
    if found is None:
        raise RuntimeError(f"receipt for {request.reference} could not be reserved")
    return found


async def _find(conn: Any, request: ReceiptRequest) -> Any:
    return (await conn.execute(select(receipt).where(
        receipt.c.reference == request.reference, receipt.c.kind == request.kind))).first()


async def _next_seq(conn: Any, db: Database, business_date: dt.date) -> int:
    """The day's next receipt sequence: gap-free, as it commits with the receipt row."""
    bump = receipt_counter.update().where(receipt_counter.c.business_date == business_date) \
        .values(last_seq=receipt_counter.c.last_seq + 1).returning(receipt_counter.c.last_seq)
    seq = (await conn.execute(bump)).scalar()
    if seq is None:  # the day's first receipt (or a race for it: then bump the winner's row)
        await conn.execute(db.insert(receipt_counter).values(
            business_date=business_date, last_seq=0).on_conflict_do_nothing())
        seq = (await conn.execute(bump)).scalar_one()
    return int(seq)


async def _complete(es: Esign, row: Any, pdf: bytes, sm2_signature: bytes, env: Envelope) -> None:
    """Flip `signing` → `issued`, store the PDF, record the inbox row: one commit."""
    key = key_for(row.receipt_no, row.business_date)
    async with es.db.transaction() as conn:
        won = await conn.execute(receipt.update().where(
            receipt.c.id == row.id, receipt.c.status == SIGNING).values(
            status=ISSUED, sha256=hashlib.sha256(pdf).hexdigest(), sm3=sm3_hex(pdf),
            sm2_signature=sm2_signature, pdf_path=key, pdf_bytes=len(pdf),
            signed_at=clock.utcnow()))
        if won.rowcount:  # only the winner writes the file: the stored sha256 matches it
            await es.store.put(key, pdf)
        await inbox.record(conn, es.db, consumer=CONSUMER, message_id=env.message_id,
                           service_code=env.service_code)
    if won.rowcount:
        process_metrics().receipt_lag.observe(
            max(0.0, (clock.utcnow() - clock.as_utc(env.created_at)).total_seconds()))
    log.info("receipt %s issued for %s %s", row.receipt_no, row.kind, row.reference)


def _receipt_data(settings: Settings, request: ReceiptRequest, receipt_no: str) -> ReceiptData:
    code = new_verification_code()
    try:
        return ReceiptData(
            receipt_no=receipt_no, kind=request.kind, bank_name=settings.bank_name,
            business_date=request.business_date, transaction_serial=request.transaction_serial,
            payer_name=request.payer.name, payer_account=request.payer.account,
            payer_bank=request.payer.bank, payee_name=request.payee.name,
            payee_account=request.payee.account, payee_bank=request.payee.bank,
            amount=request.amount, summary=request.summary, verification_code=code,
            verify_url=f"{settings.public_url.rstrip('/')}/m/verify?no={receipt_no}&code={code}",
            issued_at=dt.datetime.now(clock.BEIJING).replace(microsecond=0),
            product_name=request.product_name, annual_rate=request.annual_rate,
            term_months=request.term_months, maturity_date=request.maturity_date,
            interest=request.interest, ledger_entry_hash=request.ledger_entry_hash)
    except ValidationFailed as exc:
        raise MessageRejected(exc.message_en, exc.message_zh) from exc


def data_from_fields(fields: dict[str, Any]) -> ReceiptData:
    """The inverse of `templates.receipt_fields`: rebuild a reserved receipt to (re)sign it."""
    def day(key: str) -> dt.date | None:
        return None if fields.get(key) is None else dt.date.fromisoformat(fields[key])

    names = ("receipt_no", "kind", "bank_name", "transaction_serial", "payer_name",
             "payer_account", "payer_bank", "payee_name", "payee_account", "payee_bank",
             "amount", "currency", "summary", "verification_code", "verify_url",
             "product_name", "term_months", "interest", "ledger_entry_hash")
    rate = fields.get("annual_rate")
    return ReceiptData(
        **{name: fields.get(name) for name in names},  # type: ignore[arg-type]
        business_date=day("business_date"),  # type: ignore[arg-type]
        maturity_date=day("maturity_date"),
        annual_rate=None if rate is None else Decimal(rate),
        issued_at=dt.datetime.fromisoformat(fields["issued_at"]))
