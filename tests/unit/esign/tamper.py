"""Ways an attacker alters a signed receipt, for the verification tests."""

from __future__ import annotations

import datetime as dt
import io
import zlib

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pypdf import PdfReader, PdfWriter

from opendeposit.esign.pki import PkiPaths, SigningIdentity


def flip_byte_in_page_content(pdf: bytes) -> bytes:
    """Flip one bit inside the (compressed) page content stream."""
    reader = PdfFileReader(io.BytesIO(pdf))
    contents = reader.root["/Pages"]["/Kids"][0].get_object().raw_get("/Contents")
    start = pdf.index(f"\n{contents.idnum} 0 obj".encode())
    offset = pdf.index(b"stream", start) + 40
    return pdf[:offset] + bytes([pdf[offset] ^ 0x01]) + pdf[offset + 1 :]


def change_amount_in_embedded_json(pdf: bytes) -> bytes:
    """Same length, one digit of the signed JSON changed in place (1234567 → 9234567)."""
    return pdf.replace(b'"amount":1234567', b'"amount":9234567', 1)


def _update(pdf: bytes, change) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def add_annotation(pdf: bytes) -> bytes:
    """Incremental update: a free-text annotation printing a different amount over the page."""

    def change(writer: IncrementalPdfFileWriter) -> None:
        page_ref, _ = writer.find_page_for_modification(0)
        page = page_ref.get_object()
        annot = writer.add_object(
            generic.DictionaryObject(
                {
                    generic.NameObject("/Type"): generic.NameObject("/Annot"),
                    generic.NameObject("/Subtype"): generic.NameObject("/FreeText"),
                    generic.NameObject("/Rect"): generic.ArrayObject(
                        [generic.FloatObject(v) for v in (400, 250, 560, 270)]
                    ),
                    generic.NameObject("/Contents"): generic.TextStringObject("¥99,999.00"),
                    generic.NameObject("/DA"): generic.TextStringObject("/Helv 12 Tf 0 g"),
                }
            )
        )
        existing = list(page.get("/Annots", generic.ArrayObject()))
        page[generic.NameObject("/Annots")] = generic.ArrayObject([*existing, annot])
        writer.update_container(page)

    return _update(pdf, change)


def change_catalog_metadata(pdf: bytes) -> bytes:
    """Incremental update that only touches document-level metadata (catalog /Lang)."""

    def change(writer: IncrementalPdfFileWriter) -> None:
        writer.root[generic.NameObject("/Lang")] = generic.TextStringObject("en-US")
        writer.update_root()

    return _update(pdf, change)


def replace_embedded_fields(pdf: bytes, new_json: bytes) -> bytes:
    """Incremental update that swaps the embedded receipt-fields JSON for another."""

    def change(writer: IncrementalPdfFileWriter) -> None:
        names = writer.root["/Names"]["/EmbeddedFiles"]["/Names"]
        filespec = names[1].get_object()
        stream = writer.add_object(generic.StreamObject(stream_data=new_json))
        filespec["/EF"][generic.NameObject("/F")] = stream
        writer.update_container(filespec)

    return _update(pdf, change)


def swap_page_contents(pdf: bytes, other_pdf: bytes) -> bytes:
    """Incremental update that points the page at another receipt's content stream."""
    other = PdfFileReader(io.BytesIO(other_pdf))
    other_data = other.root["/Pages"]["/Kids"][0].get_object()["/Contents"].data

    def change(writer: IncrementalPdfFileWriter) -> None:
        page_ref, _ = writer.find_page_for_modification(0)
        page = page_ref.get_object()
        stream = generic.StreamObject(stream_data=zlib.compress(other_data))
        stream[generic.NameObject("/Filter")] = generic.NameObject("/FlateDecode")
        page[generic.NameObject("/Contents")] = writer.add_object(stream)
        writer.update_container(page)

    return _update(pdf, change)


def rebuild_with_pages_of(pdf: bytes, other_pdf: bytes) -> bytes:
    """pypdf rewrite: keep the signed document but replace its page with another's."""
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    writer.insert_page(PdfReader(io.BytesIO(other_pdf)).pages[0], 0)
    writer.remove_page(1)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def merge_pages(first: bytes, second: bytes) -> bytes:
    """A new file made of the pages of two receipts (signatures do not survive merging)."""
    writer = PdfWriter()
    for pdf in (first, second):
        writer.append(PdfReader(io.BytesIO(pdf)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def encrypt(pdf: bytes) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


class _IgnoresDocMdp(signers.PdfSigner):
    """An attacker's signer: pyHanko refuses to sign a NO_CHANGES document, this does not."""

    def _enforce_certification_constraints(self, reader) -> None:
        return None


def pyhanko_signer(identity: SigningIdentity) -> signers.SimpleSigner:
    return signers.SimpleSigner(
        signing_cert=identity.signing_cert,
        signing_key=identity.signing_key_info,
        cert_registry=SimpleCertificateStore.from_certs(identity.chain),
    )


def append_signature(pdf: bytes, identity: SigningIdentity, timestamper) -> bytes:
    """A second (approval) signature, made with the bank's own key, after the first."""
    meta = signers.PdfSignatureMetadata(
        field_name="SecondSignature", md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES
    )
    pdf_signer = _IgnoresDocMdp(meta, pyhanko_signer(identity), timestamper=timestamper)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    return pdf_signer.sign_pdf(writer, bytes_reserved=16_384).getvalue()


def approval_signature(pdf: bytes, identity: SigningIdentity, timestamper) -> bytes:
    """The bank's key, but an approval signature instead of a DocMDP certification."""
    meta = signers.PdfSignatureMetadata(
        field_name="Approval", md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES
    )
    pdf_signer = signers.PdfSigner(meta, pyhanko_signer(identity), timestamper=timestamper)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    return pdf_signer.sign_pdf(writer, bytes_reserved=16_384).getvalue()


def second_identity_from_bank_root(paths: PkiPaths, like: SigningIdentity) -> SigningIdentity:
    """A certificate the bank's own root issued, same subject, but not the pinned one."""
    root_cert = x509.load_pem_x509_certificate(paths.root_cert.read_bytes())
    root_key = serialization.load_pem_private_key(paths.root_key.read_bytes(), password=None)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name.from_rfc4514_string(
        x509.load_pem_x509_certificate(paths.signing_cert.read_bytes()).subject.rfc4514_string()
    )
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(root_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(root_key, hashes.SHA256())
    )
    key_der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return SigningIdentity(
        signing_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        signing_key=key,
        signing_key_info=asn1_keys.PrivateKeyInfo.load(key_der),
        chain=like.chain,
        sm2_private_key=like.sm2_private_key,
    )
