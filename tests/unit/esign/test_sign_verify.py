"""Sign a receipt (PAdES B-T, certified) and verify it; every tamper gives a specific code."""

from __future__ import annotations

import datetime as dt
import json
import os

import pytest

from opendeposit.esign.pki import load_signing_identity
from opendeposit.esign.sign import ReceiptSigner
from opendeposit.esign.sm2 import sm2_cosign
from opendeposit.esign.templates import receipt_fields
from opendeposit.esign.timestamps import load_local_timestamper
from opendeposit.esign.verify import (
    MAX_PDF_BYTES,
    async_verify_receipt_pdf,
    verify_receipt_pdf,
)

from . import tamper
from .conftest import BANK, make_receipt


@pytest.fixture(scope="module")
def other_signed_pdf(signer: ReceiptSigner) -> bytes:
    """A second genuine receipt, for page swaps."""
    return signer.sign_receipt(make_receipt(number=2, amount=5_000))


def _codes(pdf, trust, **kwargs) -> list[str]:
    report = verify_receipt_pdf(pdf, trust=trust, **kwargs)
    assert not report.genuine
    return report.codes


def test_genuine_receipt(signed_pdf: bytes, trust, receipt) -> None:
    report = verify_receipt_pdf(signed_pdf, trust=trust)
    assert report.genuine, report.problems
    assert report.problems == []
    assert report.receipt_no == receipt.receipt_no
    assert report.signer == f"{BANK} 电子回单签章"
    assert report.fields == receipt_fields(receipt)
    assert report.signed_at is not None
    assert abs(dt.datetime.now(dt.UTC) - report.signed_at) < dt.timedelta(minutes=10)


def test_genuine_when_the_bank_record_matches(signed_pdf: bytes, trust, receipt) -> None:
    records = {receipt.receipt_no: receipt_fields(receipt)}
    report = verify_receipt_pdf(signed_pdf, trust=trust, expected_fields=records.get)
    assert report.genuine, report.problems


def test_pyhanko_reference_signing_path_is_also_genuine(pki, identity, trust, unsigned_pdf):
    reference = ReceiptSigner(identity, load_local_timestamper(pki), prepared=False)
    assert verify_receipt_pdf(reference.sign(unsigned_pdf), trust=trust).genuine


async def test_async_sign_and_verify_inside_an_event_loop(signer, trust, unsigned_pdf) -> None:
    signed = await signer.async_sign(unsigned_pdf)
    assert (await async_verify_receipt_pdf(signed, trust=trust)).genuine


def test_signature_is_a_timestamped_certification(signed_pdf: bytes) -> None:
    assert b"/ETSI.CAdES.detached" in signed_pdf
    assert b"/DocMDP" in signed_pdf and b"/P 1" in signed_pdf


def test_fields_differing_from_the_record(signed_pdf: bytes, trust, receipt) -> None:
    record = receipt_fields(receipt) | {"amount": receipt.amount + 1}
    codes = _codes(signed_pdf, trust=trust, expected_fields=lambda _no: record)
    assert codes == ["FIELDS_MISMATCH"]


def test_receipt_number_unknown_to_the_bank(signed_pdf: bytes, trust) -> None:
    assert _codes(signed_pdf, trust=trust, expected_fields=lambda _no: None) == ["UNKNOWN_RECEIPT"]


def test_sm2_cosignature(signed_pdf: bytes, trust, identity) -> None:
    good = sm2_cosign(signed_pdf, identity.sm2_private_key)
    assert verify_receipt_pdf(signed_pdf, trust=trust, sm2_signature=good).genuine
    wrong = sm2_cosign(signed_pdf + b"\n", identity.sm2_private_key)
    assert _codes(signed_pdf, trust=trust, sm2_signature=wrong) == ["SM2_INVALID"]
    assert _codes(signed_pdf, trust=trust, sm2_signature=b"junk") == ["SM2_INVALID"]


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda pdf: b"", "NOT_PDF"),
        (lambda pdf: os.urandom(50_000), "NOT_PDF"),
        (lambda pdf: "a string, not bytes", "NOT_PDF"),
        (lambda pdf: b"%PDF-1.7\n" + bytes(MAX_PDF_BYTES), "TOO_LARGE"),
        (lambda pdf: pdf[: len(pdf) // 2], "MALFORMED"),
        (lambda pdf: pdf[:-12], "MALFORMED"),
        (lambda pdf: b"%PDF-1.7\n" + os.urandom(5_000), "MALFORMED"),
        (tamper.encrypt, "ENCRYPTED"),
        (tamper.flip_byte_in_page_content, "DIGEST_MISMATCH"),
        (tamper.change_amount_in_embedded_json, "DIGEST_MISMATCH"),
        (tamper.add_annotation, "MODIFIED_AFTER_SIGNING"),
        (tamper.change_catalog_metadata, "MODIFIED_AFTER_SIGNING"),
    ],
    ids=[
        "empty",
        "random-bytes",
        "not-bytes",
        "too-large",
        "truncated-half",
        "truncated-tail",
        "pdf-header-then-garbage",
        "encrypted",
        "byte-flipped",
        "amount-digit-changed",
        "annotation-added",
        "metadata-changed",
    ],
)
def test_tampered_file_gives_a_specific_code(signed_pdf: bytes, trust, make, expected) -> None:
    assert _codes(make(signed_pdf), trust=trust) == [expected]


def test_unsigned_receipt(unsigned_pdf: bytes, trust) -> None:
    assert _codes(unsigned_pdf, trust=trust) == ["NO_SIGNATURE"]


def test_fields_replaced_after_signing(signed_pdf: bytes, trust, receipt) -> None:
    forged = receipt_fields(receipt) | {"amount": 99_999_900}
    pdf = tamper.replace_embedded_fields(signed_pdf, json.dumps(forged).encode())
    report = verify_receipt_pdf(pdf, trust=trust)
    assert report.codes == ["MODIFIED_AFTER_SIGNING"]
    assert report.fields is None and report.receipt_no == receipt.receipt_no


def test_page_contents_swapped_by_incremental_update(signed_pdf, other_signed_pdf, trust):
    pdf = tamper.swap_page_contents(signed_pdf, other_signed_pdf)
    assert _codes(pdf, trust=trust) == ["MODIFIED_AFTER_SIGNING"]


def test_page_swapped_by_rewriting_the_file(signed_pdf, other_signed_pdf, trust) -> None:
    codes = _codes(tamper.rebuild_with_pages_of(signed_pdf, other_signed_pdf), trust=trust)
    assert codes[0] in {"DIGEST_MISMATCH", "MODIFIED_AFTER_SIGNING", "MALFORMED", "NO_SIGNATURE"}


def test_pages_of_two_receipts_merged(signed_pdf, other_signed_pdf, trust) -> None:
    codes = _codes(tamper.merge_pages(signed_pdf, other_signed_pdf), trust=trust)
    assert codes[0] in {"NO_SIGNATURE", "MULTIPLE_SIGNATURES", "DIGEST_MISMATCH", "MALFORMED"}


def test_second_signature_appended(signed_pdf, pki, identity, trust) -> None:
    pdf = tamper.append_signature(signed_pdf, identity, load_local_timestamper(pki))
    assert _codes(pdf, trust=trust) == ["MULTIPLE_SIGNATURES"]


def test_forgery_from_another_ca_with_the_same_names(forger_pki, unsigned_pdf, trust) -> None:
    forger = ReceiptSigner(load_signing_identity(forger_pki), load_local_timestamper(forger_pki))
    codes = _codes(forger.sign(unsigned_pdf), trust=trust)
    assert "UNTRUSTED_SIGNER" in codes


def test_other_certificate_of_the_bank_root_is_not_pinned(pki, identity, trust, unsigned_pdf):
    rogue = tamper.second_identity_from_bank_root(pki, identity)
    signed = ReceiptSigner(rogue, load_local_timestamper(pki)).sign(unsigned_pdf)
    assert _codes(signed, trust=trust) == ["UNTRUSTED_SIGNER"]


def test_timestamp_from_an_untrusted_tsa(identity, forger_pki, trust, unsigned_pdf) -> None:
    signed = ReceiptSigner(identity, load_local_timestamper(forger_pki)).sign(unsigned_pdf)
    assert _codes(signed, trust=trust) == ["TIMESTAMP_INVALID"]


def test_approval_signature_instead_of_certification(pki, identity, trust, unsigned_pdf):
    signed = tamper.approval_signature(unsigned_pdf, identity, load_local_timestamper(pki))
    assert _codes(signed, trust=trust) == ["NOT_CERTIFIED"]


def test_messages_are_given_in_both_languages(trust) -> None:
    report = verify_receipt_pdf(b"not a pdf", trust=trust)
    (problem,) = report.problems
    assert problem.message_en and problem.message_zh != problem.message_en


def test_placeholder_grows_when_the_signature_does_not_fit(pki, identity, trust, unsigned_pdf):
    small = ReceiptSigner(identity, load_local_timestamper(pki), bytes_reserved=1_024)
    first = small.sign(unsigned_pdf)
    assert verify_receipt_pdf(first, trust=trust).genuine
    assert verify_receipt_pdf(small.sign(unsigned_pdf), trust=trust).genuine
    assert len(small.sign(unsigned_pdf)) < len(first) + 8_192


def test_pyhanko_status_of_a_receipt_signed_in_one_revision(signer, trust, receipt) -> None:
    """The receipt path: intact, valid, trusted, the whole file, no later change, DocMDP P=1,
    a trusted timestamp — what pyHanko itself says, not only our summary of it."""
    import io

    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.fields import MDPPerm
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    pdf = signer.sign_receipt(receipt)
    (sig,) = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    status = validate_pdf_signature(sig, ValidationContext(trust_roots=list(trust.roots)))
    assert status.intact and status.valid and status.trusted and status.bottom_line
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.modification_level == ModificationLevel.NONE and status.docmdp_ok
    assert sig.docmdp_level == MDPPerm.NO_CHANGES
    tst = status.timestamp_validity
    assert tst is not None and tst.intact and tst.valid and tst.trusted
    assert pdf.count(b"%%EOF") == 1  # one revision: nothing to append an update to


def test_receipt_path_grows_the_placeholder_when_needed(pki, identity, trust, receipt):
    small = ReceiptSigner(identity, load_local_timestamper(pki), bytes_reserved=1_024)
    first = small.sign_receipt(receipt)
    assert verify_receipt_pdf(first, trust=trust).genuine
    again = small.sign_receipt(receipt)
    assert verify_receipt_pdf(again, trust=trust).genuine and len(again) <= len(first)


async def test_receipt_path_in_three_steps_as_the_service_runs_it(signer, trust, receipt):
    pending = signer.begin(receipt)  # CPU
    token = await signer.stamp(pending)  # the TSA round trip (I/O with a remote TSA)
    signed = signer.finish(pending, token)  # CPU
    assert signed is not None and (await async_verify_receipt_pdf(signed, trust=trust)).genuine


def test_signed_receipt_is_smaller_than_the_reportlab_one(signer, receipt) -> None:
    assert len(signer.sign_receipt(receipt)) < 60_000
