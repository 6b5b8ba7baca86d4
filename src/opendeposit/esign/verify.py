"""Verify an uploaded e-receipt (电子回单验真): signature, integrity, signer, record, SM2."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.fields import MDPPerm
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from opendeposit.esign.pdf import FIELDS_FILE_NAME
from opendeposit.esign.pki import TrustAnchors
from opendeposit.esign.problems import Problem, problem
from opendeposit.esign.sm2 import sm2_verify

__all__ = ["MAX_PDF_BYTES", "Problem", "TrustAnchors", "VerificationReport", "verify_receipt_pdf"]

MAX_PDF_BYTES = 10 * 1024 * 1024
_log = logging.getLogger(__name__)
ExpectedFields = Callable[[str], dict | None]


@dataclass
class VerificationReport:
    """The answer to "is this the bank's receipt?"; `fields` only when the signature holds."""

    genuine: bool = False
    receipt_no: str | None = None
    signer: str | None = None
    signed_at: dt.datetime | None = None
    fields: dict | None = None
    problems: list[Problem] = field(default_factory=list)
    superseded_by: str | None = None  # the bank re-issued it: still genuine, not the latest

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.problems]


def verify_receipt_pdf(
    pdf: bytes,
    *,
    trust: TrustAnchors,
    expected_fields: ExpectedFields | None = None,
    sm2_signature: bytes | None = None,
) -> VerificationReport:
    """Check an uploaded file; bad input gives genuine=False with problem codes, never raises.

    Exceptions from `expected_fields` (the bank's record lookup) do propagate: a database
    outage must not be reported to the customer as a forgery.
    """
    return asyncio.run(
        async_verify_receipt_pdf(
            pdf, trust=trust, expected_fields=expected_fields, sm2_signature=sm2_signature
        )
    )


async def async_verify_receipt_pdf(
    pdf: bytes,
    *,
    trust: TrustAnchors,
    expected_fields: ExpectedFields | None = None,
    sm2_signature: bytes | None = None,
) -> VerificationReport:
    """`verify_receipt_pdf` for callers already inside an event loop."""
    report = VerificationReport()
    signature = _single_signature(pdf, report)
    if signature is not None:
        await _check_signature(signature, trust, report)
        _check_fields(signature, expected_fields, report)
        if sm2_signature is not None:
            _check_sm2(pdf, sm2_signature, trust, report)
    report.genuine = not report.problems
    if not report.genuine:
        report.fields = None if _signature_failed(report) else report.fields
    return report


def _single_signature(pdf: bytes, report: VerificationReport) -> EmbeddedPdfSignature | None:
    """Parse the file and return its only signature, or record why there is none."""
    if not isinstance(pdf, bytes | bytearray | memoryview):
        return _fail(report, "NOT_PDF")
    if len(pdf) > MAX_PDF_BYTES:
        return _fail(report, "TOO_LARGE")
    if b"%PDF-" not in bytes(pdf[:1024]):
        return _fail(report, "NOT_PDF")
    try:
        reader = PdfFileReader(io.BytesIO(bytes(pdf)))
        if reader.encrypted:
            return _fail(report, "ENCRYPTED")
        signatures = reader.embedded_signatures
    except Exception as exc:  # any parser failure on untrusted input means a damaged file
        _log.info("receipt PDF unreadable: %s", type(exc).__name__)
        return _fail(report, "MALFORMED")
    if not signatures:
        return _fail(report, "NO_SIGNATURE")
    if len(signatures) > 1:
        return _fail(report, "MULTIPLE_SIGNATURES")
    return signatures[0]


async def _check_signature(
    signature: EmbeddedPdfSignature, trust: TrustAnchors, report: VerificationReport
) -> None:
    context = ValidationContext(trust_roots=list(trust.roots), allow_fetching=False)
    try:
        status = await async_validate_pdf_signature(signature, context)
        codes = _status_problems(status, trust)
        if signature.docmdp_level != MDPPerm.NO_CHANGES:
            codes.append("NOT_CERTIFIED")
        report.signer = _common_name(status)
    except SignatureValidationError:
        codes = ["SIGNATURE_INVALID"]
    except Exception as exc:  # malformed CMS or PDF structures inside the signature
        _log.info("receipt signature unreadable: %s", type(exc).__name__)
        codes = ["MALFORMED"]
    else:
        tst = status.timestamp_validity
        if tst is not None and tst.intact and tst.valid and tst.trusted:
            report.signed_at = tst.timestamp
    report.problems.extend(problem(code) for code in codes)


def _status_problems(status: PdfSignatureStatus, trust: TrustAnchors) -> list[str]:
    """Every way the pyHanko status falls short of research/esign.md's definition of genuine."""
    if not status.intact:
        return ["DIGEST_MISMATCH"]  # nothing else about a broken signature is meaningful
    if not status.valid:
        return ["SIGNATURE_INVALID"]
    codes = []
    pinned = {cert.dump() for cert in trust.pinned_signers}
    if not status.trusted or status.signing_cert.dump() not in pinned:
        codes.append("UNTRUSTED_SIGNER")
    modified = (
        status.coverage != SignatureCoverageLevel.ENTIRE_FILE
        or status.modification_level != ModificationLevel.NONE
        or status.docmdp_ok is False
    )
    if modified:
        codes.append("MODIFIED_AFTER_SIGNING")
    tst = status.timestamp_validity
    if tst is None or not (tst.intact and tst.valid and tst.trusted):
        codes.append("TIMESTAMP_INVALID")
    return codes


def _check_fields(
    signature: EmbeddedPdfSignature,
    expected_fields: ExpectedFields | None,
    report: VerificationReport,
) -> None:
    fields = _signed_fields(signature)
    if fields is None:
        report.problems.append(problem("FIELDS_MISSING"))
        return
    receipt_no = fields.get("receipt_no")
    report.receipt_no = receipt_no if isinstance(receipt_no, str) else None
    report.fields = fields
    if expected_fields is None or report.receipt_no is None:
        return
    expected = expected_fields(report.receipt_no)
    if expected is None:
        report.problems.append(problem("UNKNOWN_RECEIPT"))
    elif _normalised(expected) != fields:
        report.problems.append(problem("FIELDS_MISMATCH"))


def _signed_fields(signature: EmbeddedPdfSignature) -> dict | None:
    """The embedded receipt-fields JSON as of the signed revision (what the signature covers)."""
    try:
        root = signature.reader.get_historical_root(signature.signed_revision)
        names = root["/Names"]["/EmbeddedFiles"]["/Names"]
        for index in range(0, len(names) - 1, 2):
            if str(names[index]) == FIELDS_FILE_NAME:
                stream = names[index + 1].get_object()["/EF"]["/F"].get_object()
                if isinstance(stream, generic.StreamObject):
                    fields = json.loads(stream.data.decode("utf-8"))
                    return fields if isinstance(fields, dict) else None
    except Exception as exc:  # absent or malformed name tree: no signed fields
        _log.info("receipt fields unreadable: %s", type(exc).__name__)
    return None


def _check_sm2(pdf: bytes, sm2_signature: bytes, trust: TrustAnchors, report) -> None:
    key = trust.sm2_public_key
    if key is None or not sm2_verify(bytes(pdf), bytes(sm2_signature), key):
        report.problems.append(problem("SM2_INVALID"))


def _normalised(record: dict) -> object:
    """The record as it would read back from the embedded JSON (tuples → lists, etc.)."""
    return json.loads(json.dumps(record, ensure_ascii=False, default=str))


def _common_name(status: PdfSignatureStatus) -> str | None:
    name = status.signing_cert.subject.native.get("common_name")
    return str(name) if name else None


_SIGNATURE_CODES = frozenset(
    {
        "DIGEST_MISMATCH",
        "SIGNATURE_INVALID",
        "UNTRUSTED_SIGNER",
        "MODIFIED_AFTER_SIGNING",
        "NOT_CERTIFIED",
        "TIMESTAMP_INVALID",
        "MALFORMED",
    }
)


def _signature_failed(report: VerificationReport) -> bool:
    return any(p.code in _SIGNATURE_CODES for p in report.problems)


def _fail(report: VerificationReport, code: str) -> EmbeddedPdfSignature | None:
    """Record `code` and return no signature (lets `_single_signature` stay flat)."""
    report.problems.append(problem(code))
    return None
