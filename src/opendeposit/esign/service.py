"""The signature platform as a bus consumer: ESIGN.RECEIPT.ISSUE → numbered, rendered, signed,
co-signed, stored and recorded e-receipt — exactly one per (reference, kind).

Two short transactions around the CPU work: (1) reserve the receipt row (number, verification
code, the signed fields) in state `signing`; (2) after signing, flip it to `issued` *only if it
is still signing*, store the PDF and write the inbox row, then commit. A crash between the two
leaves a `signing` row that the next delivery resumes with the same number and fields. Several
signer processes may share the queue: the unique (reference, kind, reissue_no) and the
conditional flip make the outcome one receipt whichever of them gets which delivery.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import logging
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
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
from opendeposit.esign.messages import ReceiptRequest, ReissueRequest, parse_request
from opendeposit.esign.models import ISSUED, SIGNING, receipt, receipt_counter
from opendeposit.esign.pki import PkiPaths, init_demo_pki, load_signing_identity, load_trust_anchors
from opendeposit.esign.render import prepared_template
from opendeposit.esign.sign import ReceiptSigner, SigningFailed
from opendeposit.esign.sm2 import sm2_cosign, sm3_hex
from opendeposit.esign.store import ReceiptStore, build_store, key_for
from opendeposit.esign.templates import TEMPLATES, ReceiptData, fields_json
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


def verify_url(public_url: str, receipt_no: str, code: str) -> str:
    return f"{public_url.rstrip('/')}/m/verify?no={receipt_no}&code={code}"


class Esign:
    """Keys, signer, store and a one-thread worker, loaded on first use: processes that never
    sign pay nothing, and a verifier needs only the public half (`trust`)."""

    def __init__(self, settings: Settings, db: Database, *, store: ReceiptStore | None = None):
        self.settings, self.db = settings, db
        self.store: ReceiptStore = store or build_store(settings)
        self.paths = PkiPaths(settings.pki_dir)
        self._signer: ReceiptSigner | None = None
        self._trust: TrustAnchors | None = None
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="esign")
        self._ready = asyncio.Lock()
        from opendeposit.esign.batch import Batcher  # it builds on this module

        self.batcher = Batcher(self)

    async def ready(self) -> None:
        """Load the signing key, the timestamp authority and the templates (the signing side)."""
        if self._signer is None:
            async with self._ready:
                if self._signer is None:
                    loop = asyncio.get_running_loop()
                    self._signer = await loop.run_in_executor(self._worker, self._load_signer)

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
        for template in TEMPLATES.values():  # font subset and static pages, before the 1st
            prepared_template(template, self.settings.bank_name)
        return ReceiptSigner(load_signing_identity(self.paths), stamper)

    async def produce(self, data: ReceiptData) -> tuple[bytes, bytes]:
        """(signed PDF, SM2 signature). The CPU work runs on the worker thread (the loop stays
        free); a remote TSA's round trip is awaited on the loop, so receipts in flight overlap
        their timestamps instead of queueing behind them."""
        await self.ready()
        signer, loop = self._signer, asyncio.get_running_loop()
        assert signer is not None
        if signer.stamps_locally:
            return await loop.run_in_executor(self._worker, self._sign_locally, data)
        for _attempt in range(2):
            pending = await loop.run_in_executor(self._worker, signer.begin, data)
            token = await signer.stamp(pending)
            done = await loop.run_in_executor(self._worker, self._finish, pending, token)
            if done is not None:
                return done
        raise SigningFailed(details={"cause": "signature container keeps growing"})

    def _sign_locally(self, data: ReceiptData) -> tuple[bytes, bytes]:
        assert self._signer is not None
        signed = self._signer.sign_receipt(data)
        return signed, sm2_cosign(signed, self._signer.identity.sm2_private_key)

    def _finish(self, pending: Any, token: bytes) -> tuple[bytes, bytes] | None:
        assert self._signer is not None
        signed = self._signer.finish(pending, token)
        if signed is None:
            return None
        return signed, sm2_cosign(signed, self._signer.identity.sm2_private_key)

    async def consume(self, envelope: Envelope) -> None:
        """The ESIGN.RECEIPT.ISSUE consumer (registered by bootstrap): deliveries in flight
        together are issued as one batch (esign.batch)."""
        await self.batcher.submit(envelope)

    def close(self) -> None:
        self._worker.shutdown(wait=False)


@dataclass(frozen=True)
class Reserved:
    """A receipt row in `signing`, with what it takes to sign and complete it."""

    id: int
    data: ReceiptData
    supersedes: str | None = None

    @classmethod
    def from_row(cls, row: Any) -> Reserved:
        return cls(row.id, data_from_fields(json.loads(row.fields)), row.supersedes)


async def issue(es: Esign, env: Envelope) -> str:
    """Handle one delivery; returns the receipt number (also for a duplicate delivery)."""
    request = parse_request(env.body, bank_name=es.settings.bank_name,
                            schema_version=env.schema_version)
    if isinstance(request, ReissueRequest):
        row = await _find(es.db, receipt.c.receipt_no == request.receipt_no)
        if row is None or row.supersedes is None:
            raise MessageRejected(f"No re-issued receipt {request.receipt_no}.", "没有该重出回单。")
    else:
        reserved = await _reserve(es, request, env)
        if reserved is not None:  # the usual case: a new receipt, nothing to look up
            await _sign_and_complete(es, reserved, env)
            return reserved.data.receipt_no
        row = await _find(es.db, receipt.c.reference == request.reference,
                          receipt.c.kind == request.kind, receipt.c.reissue_no == 0)
        if row is None:
            raise RuntimeError(f"receipt for {request.reference} could not be reserved")
    if row.status == SIGNING:  # a crash or a concurrent delivery left it half done: resume
        await _sign_and_complete(es, Reserved.from_row(row), env)
    else:
        async with es.db.transaction() as conn:
            await inbox.record(conn, es.db, consumer=CONSUMER, message_id=env.message_id,
                               service_code=env.service_code)
    return str(row.receipt_no)


async def _reserve(es: Esign, request: ReceiptRequest, env: Envelope) -> Reserved | None:
    """A new receipt row in `signing` for (reference, kind); None if one exists already."""
    try:
        async with es.db.transaction() as conn:
            seq = await next_seq(conn, es.db, request.business_date)
            data = _receipt_data(es.settings, request, receipt_number(request.business_date, seq),
                                 serial=request.transaction_serial or env.global_serial)
            rid = (await conn.execute(receipt.insert().values(
                **record_values(data, customer_id=request.customer_id,
                                reference=request.reference, message_id=env.message_id,
                                trace_id=env.trace_id))
                .returning(receipt.c.id))).scalar_one()
            return Reserved(int(rid), data)
    except IntegrityError as exc:  # the unique (reference, kind, 0): someone was first
        if not is_unique_violation(exc):
            raise
    return None


def record_values(data: ReceiptData, *, customer_id: int, reference: str, message_id: str,
                  trace_id: str | None, reissue_no: int = 0) -> dict[str, Any]:
    """The columns of a new receipt row in `signing`; `trace_id` names the request that
    booked the movement (or asked for the re-issue)."""
    return dict(trace_id=trace_id,
        receipt_no=data.receipt_no, kind=data.kind, status=SIGNING, customer_id=customer_id,
        reference=reference, reissue_no=reissue_no, business_date=data.business_date,
        amount=data.amount, amount_in_words=amount_in_words(data.amount, prefix=True),
        verification_code=data.verification_code, fields=fields_json(data).decode(),
        transaction_serial=data.transaction_serial, ledger_entry_hash=data.ledger_entry_hash,
        message_id=message_id, issued_at=data.issued_at.astimezone(dt.UTC),
        created_at=clock.utcnow())


async def _find(db: Database, *where: Any) -> Any:
    async with db.read() as conn:
        return (await conn.execute(select(receipt).where(*where))).first()


async def next_seq(conn: Any, db: Database, business_date: dt.date, *, count: int = 1) -> int:
    """The day's next receipt sequence (the last of `count` taken together): gap-free, as it
    commits with the receipt rows."""
    bump = receipt_counter.update().where(receipt_counter.c.business_date == business_date) \
        .values(last_seq=receipt_counter.c.last_seq + count) \
        .returning(receipt_counter.c.last_seq)
    seq = (await conn.execute(bump)).scalar()
    if seq is None:  # the day's first receipt (or a race for it: then bump the winner's row)
        await conn.execute(db.insert(receipt_counter).values(
            business_date=business_date, last_seq=0).on_conflict_do_nothing())
        seq = (await conn.execute(bump)).scalar_one()
    return int(seq)


async def _sign_and_complete(es: Esign, reserved: Reserved, env: Envelope) -> None:
    """Sign, then flip `signing` → `issued`, store the PDF, record the inbox row: one commit.
    A re-issue marks the receipt it replaces as superseded in the same commit."""
    pdf, sm2_signature = await es.produce(reserved.data)
    data = reserved.data
    key = key_for(data.receipt_no, data.business_date)
    async with es.db.transaction() as conn:
        won = await conn.execute(receipt.update().where(
            receipt.c.id == reserved.id, receipt.c.status == SIGNING).values(
            status=ISSUED, sha256=hashlib.sha256(pdf).hexdigest(), sm3=sm3_hex(pdf),
            sm2_signature=sm2_signature, pdf_path=key, pdf_bytes=len(pdf),
            signed_at=clock.utcnow()))
        if won.rowcount:  # only the winner writes the file: the stored sha256 matches it
            if reserved.supersedes is not None:
                await conn.execute(receipt.update().where(
                    receipt.c.receipt_no == reserved.supersedes,
                    receipt.c.superseded_by.is_(None)).values(superseded_by=data.receipt_no))
            await es.store.put(key, pdf)
        await inbox.record(conn, es.db, consumer=CONSUMER, message_id=env.message_id,
                           service_code=env.service_code)
    if won.rowcount:
        observe_lag(env)
    log.info("receipt %s issued for %s", data.receipt_no, data.kind)


def observe_lag(env: Envelope) -> None:
    """Receipt lag (business commit → receipt committed) for /metrics."""
    process_metrics().receipt_lag.observe(
        max(0.0, (clock.utcnow() - clock.as_utc(env.created_at)).total_seconds()))


def _receipt_data(settings: Settings, request: ReceiptRequest, receipt_no: str, *,
                  serial: str) -> ReceiptData:
    code = new_verification_code()
    try:
        return ReceiptData(
            receipt_no=receipt_no, kind=request.kind, bank_name=settings.bank_name,
            business_date=request.business_date, transaction_serial=serial,
            payer_name=request.payer.name, payer_account=request.payer.account,
            payer_bank=request.payer.bank, payee_name=request.payee.name,
            payee_account=request.payee.account, payee_bank=request.payee.bank,
            amount=request.amount, summary=request.summary, verification_code=code,
            verify_url=verify_url(settings.public_url, receipt_no, code),
            issued_at=dt.datetime.now(clock.BEIJING).replace(microsecond=0),
            product_name=request.product_name, annual_rate=request.annual_rate,
            term_months=request.term_months, maturity_date=request.maturity_date,
            interest=request.interest, ledger_entry_hash=request.ledger_entry_hash,
            certificate_no=request.certificate_no)
    except ValidationFailed as exc:
        raise MessageRejected(exc.message_en, exc.message_zh) from exc


def data_from_fields(fields: dict[str, Any]) -> ReceiptData:
    """The inverse of `templates.receipt_fields`: rebuild a reserved receipt to (re)sign it."""
    def day(key: str) -> dt.date | None:
        return None if fields.get(key) is None else dt.date.fromisoformat(fields[key])

    names = ("receipt_no", "kind", "bank_name", "transaction_serial", "payer_name",
             "payer_account", "payer_bank", "payee_name", "payee_account", "payee_bank",
             "amount", "currency", "summary", "verification_code", "verify_url",
             "product_name", "term_months", "interest", "ledger_entry_hash", "certificate_no")
    rate = fields.get("annual_rate")
    return ReceiptData(
        **{name: fields.get(name) for name in names},  # type: ignore[arg-type]
        business_date=day("business_date"),  # type: ignore[arg-type]
        maturity_date=day("maturity_date"),
        annual_rate=None if rate is None else Decimal(rate),
        issued_at=dt.datetime.fromisoformat(fields["issued_at"]),
        fields_version=int(fields.get("fields_version", 1)))
