"""PAdES B-T certification signature (DocMDP: no changes) of a receipt.

`sign_receipt` (the receipt path) writes the receipt with its signature dictionary already in
place (`render.layout_receipt`), hashes the /ByteRange and patches in a CMS built from a
prepared template: no PDF parsing at all. `sign` signs any PDF as an incremental update laid
out by pyHanko (with the prepared CMS, or pyHanko's own with `prepared=False`): the reference
the tests hold the fast path to.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
from dataclasses import dataclass
from typing import IO
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives.asymmetric.ec import ECDSA, EllipticCurvePrivateKey
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
from pyhanko.sign.timestamps import TimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from opendeposit.errors import OpenDepositError
from opendeposit.esign.cms import PreparedCms
from opendeposit.esign.pdf import Signature, SignedLayout
from opendeposit.esign.pki import SigningIdentity
from opendeposit.esign.render import layout_receipt
from opendeposit.esign.templates import ReceiptData
from opendeposit.esign.timestamps import LocalTimeStamper, timestamp_token

SIGNATURE_FIELD = "BankReceiptSeal"
# Size of the /Contents placeholder in hex digits, fixed to skip pyHanko's dry-run signature.
# A P-256 CMS with the chain and the demo RSA-2048 TSA token is ~3.4 kB DER (6.8 k hex
# digits); a commercial TSA may embed a longer chain, so the first receipt gets this much and
# later ones what the first needed plus _MARGIN. Every reserved digit costs the verifier:
# pyHanko tokenises the /Contents hex string in pure Python, several times per validation.
BYTES_RESERVED = 16_384
_MARGIN = 1_024
BEIJING = ZoneInfo("Asia/Shanghai")  # the signing time in /M, as on the receipt


class SigningFailed(OpenDepositError):
    code = "ESIGN_SIGNING_FAILED"
    message_en = "The receipt could not be signed; please try again later."
    message_zh = "电子回单签章失败，请稍后再试。"


class _CachedKeySigner(signers.SimpleSigner):
    """SimpleSigner that keeps the parsed private key (pyHanko re-parses it on every signature)."""

    def __init__(self, identity: SigningIdentity) -> None:
        super().__init__(
            signing_cert=identity.signing_cert,
            signing_key=identity.signing_key_info,
            cert_registry=SimpleCertificateStore.from_certs(identity.chain),
        )
        self._private_key = identity.signing_key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        hash_algo = get_pyca_cryptography_hash(digest_algorithm)
        if isinstance(self._private_key, EllipticCurvePrivateKey):
            return self._private_key.sign(data, ECDSA(hash_algo))
        return self._private_key.sign(data, PKCS1v15(), hash_algo)


@dataclass
class PendingReceipt:
    """A laid-out receipt whose signature value is computed, waiting for its timestamp."""

    data: ReceiptData
    layout: SignedLayout
    signed_attrs: bytes
    signature: bytes

    @property
    def imprint(self) -> bytes:
        """What the TSA stamps (PAdES B-T: the signature value)."""
        return hashlib.sha256(self.signature).digest()


class ReceiptSigner:
    """Certify receipts with the bank's key; build once per process and reuse for every receipt.

    `prepared=True` (default) lets pyHanko lay out the PDF and compute the /ByteRange digest
    but builds the CMS from a template (see esign.cms); `prepared=False` is pyHanko's own
    signing path, kept as the reference the tests compare against.
    """

    def __init__(
        self,
        identity: SigningIdentity,
        timestamper: TimeStamper,
        *,
        reason: str = "电子回单签章 / e-receipt seal",
        location: str | None = None,
        prepared: bool = True,
        bytes_reserved: int = BYTES_RESERVED,
    ) -> None:
        self.identity = identity
        self._timestamper = timestamper
        self._bytes_reserved = bytes_reserved
        self._cms = PreparedCms(identity)
        self._prepared = self._cms if prepared else None
        self._reason = reason
        meta = signers.PdfSignatureMetadata(
            field_name=SIGNATURE_FIELD,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            certify=True,
            docmdp_permissions=fields.MDPPerm.NO_CHANGES,
            reason=reason,
            location=location,
            name=identity.subject_cn,
        )
        self._pdf_signer = signers.PdfSigner(
            meta,
            _CachedKeySigner(identity),
            timestamper=timestamper,
            new_field_spec=fields.SigFieldSpec(SIGNATURE_FIELD),
        )

    def sign(self, pdf_bytes: bytes) -> bytes:
        """Signed PDF bytes. From async code use `async_sign` (this runs its own event loop)."""
        return asyncio.run(self.async_sign(pdf_bytes))

    async def async_sign(self, pdf_bytes: bytes) -> bytes:
        """Append the certification signature with a timestamp token as one incremental update."""
        try:
            if self._prepared is None:
                writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes))
                output = await self._pdf_signer.async_sign_pdf(
                    writer, bytes_reserved=self._bytes_reserved
                )
            else:
                output = await self._sign_prepared(pdf_bytes, self._prepared)
        except OpenDepositError:
            raise
        except Exception as exc:  # pyHanko, TSA or I/O failure: translate, keep the cause
            raise SigningFailed(details={"cause": type(exc).__name__}) from exc
        return output.getvalue()

    async def _sign_prepared(self, pdf_bytes: bytes, template: PreparedCms) -> IO[bytes]:
        """pyHanko lays out the PDF and digests it; the CMS comes from the template. If the CMS
        outgrows the placeholder (a TSA with a longer chain), redo once with a larger one."""
        for _attempt in range(2):
            reserved = self._bytes_reserved
            writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes))
            digest, _tbs, output = await self._pdf_signer.async_digest_doc_for_signing(
                writer, bytes_reserved=reserved
            )
            signature_cms = await template.sign(digest.document_digest, self._timestamper)
            needed = 2 * len(signature_cms) + _MARGIN
            self._bytes_reserved = needed + (-needed % 512)
            if 2 * len(signature_cms) <= reserved:
                await PdfTBSDocument.async_finish_signing(output, digest, signature_cms)
                return output
        raise SigningFailed(details={"cause": "signature container keeps growing"})

    # -- the receipt path: our own layout, one revision ----------------------------------------

    @property
    def stamps_locally(self) -> bool:
        """True with the in-process demo TSA: the whole signature is CPU work, no I/O."""
        return isinstance(self._timestamper, LocalTimeStamper)

    def sign_receipt(self, data: ReceiptData) -> bytes:
        """The signed PDF of `data`; from async code use `async_sign_receipt` (with a remote
        TSA this runs its own event loop for the round trip)."""
        if not isinstance(self._timestamper, LocalTimeStamper):
            return asyncio.run(self.async_sign_receipt(data))
        for _attempt in range(2):
            pending = self.begin(data)
            signed = self.finish(pending, self._timestamper.token(pending.imprint))
            if signed is not None:
                return signed
        raise SigningFailed(details={"cause": "signature container keeps growing"})

    async def async_sign_receipt(self, data: ReceiptData) -> bytes:
        for _attempt in range(2):
            pending = self.begin(data)
            token = await self.stamp(pending)
            signed = self.finish(pending, token)
            if signed is not None:
                return signed
        raise SigningFailed(details={"cause": "signature container keeps growing"})

    def begin(self, data: ReceiptData) -> PendingReceipt:
        """CPU part one: lay the receipt out, hash it, sign the signed attributes."""
        try:
            signature = Signature(SIGNATURE_FIELD, self.identity.subject_cn, self._reason,
                                  dt.datetime.now(BEIJING).replace(microsecond=0),
                                  self._bytes_reserved)
            layout = layout_receipt(data, signature)
            attrs = self._cms.signed_attributes(layout.digest())
            return PendingReceipt(data, layout, attrs, self._cms.raw_signature(attrs))
        except OpenDepositError:
            raise
        except Exception as exc:
            raise SigningFailed(details={"cause": type(exc).__name__}) from exc

    async def stamp(self, pending: PendingReceipt) -> bytes:
        """The I/O part: the timestamp token over the signature value (the TSA's round trip)."""
        try:
            return await timestamp_token(self._timestamper, pending.imprint)
        except Exception as exc:
            raise SigningFailed(details={"cause": type(exc).__name__}) from exc

    def finish(self, pending: PendingReceipt, token: bytes) -> bytes | None:
        """CPU part two: patch the CMS in; None when it outgrew the placeholder (the next
        `begin` reserves enough)."""
        cms_der = self._cms.assemble(pending.signed_attrs, pending.signature, token)
        needed = 2 * len(cms_der) + _MARGIN
        self._bytes_reserved = needed + (-needed % 512)
        if 2 * len(cms_der) > pending.layout.capacity:
            return None
        return pending.layout.finish(cms_der)
