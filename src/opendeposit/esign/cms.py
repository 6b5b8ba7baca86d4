"""Prepared CMS (CAdES-detached) for PAdES: built once, then per document only DER is patched.

pyHanko builds the SignedData with asn1crypto for every signature, which costs more than the
signature itself. Here every constant part (certificates, algorithm identifiers, the
signing-certificate-v2 attribute) is encoded once; per document we patch the 32-byte
message digest into the signed attributes, sign them, ask the TSA for a token over the
signature value (PAdES B-T) and concatenate DER. pyHanko still writes the PDF and validates.
"""

from __future__ import annotations

import hashlib

from asn1crypto import algos, cms
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ec import ECDSA, EllipticCurvePrivateKey
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from pyhanko.sign.general import as_signing_certificate_v2, simple_cms_attribute
from pyhanko.sign.timestamps import TimeStamper

from opendeposit.esign.der import der, header_len
from opendeposit.esign.pki import SigningIdentity
from opendeposit.esign.timestamps import timestamp_token

_PLACEHOLDER = bytes(range(0x41, 0x61))  # 32 distinctive bytes, replaced by the real digest
_OID_SIGNED_DATA = bytes.fromhex("06092a864886f70d010702")
_OID_DATA = bytes.fromhex("06092a864886f70d010701")
_OID_SIGNATURE_TIMESTAMP = bytes.fromhex("060b2a864886f70d010910020e")
_VERSION_1 = bytes.fromhex("020101")


class PreparedCms:
    """SignedData template for one signing identity; `sign` is safe to call concurrently."""

    def __init__(self, identity: SigningIdentity) -> None:
        self._key = identity.signing_key
        cert = identity.signing_cert
        attrs = cms.CMSAttributes(
            [
                simple_cms_attribute("content_type", "data"),
                simple_cms_attribute("message_digest", _PLACEHOLDER),
                simple_cms_attribute("signing_certificate_v2", as_signing_certificate_v2(cert)),
            ]
        ).dump()
        self._attrs_head, self._attrs_tail = attrs.split(_PLACEHOLDER)
        sid = cms.SignerIdentifier(
            name="issuer_and_serial_number",
            value=cms.IssuerAndSerialNumber(
                {"issuer": cert.issuer, "serial_number": cert.serial_number}
            ),
        )
        digest_alg = algos.DigestAlgorithm({"algorithm": "sha256"}).dump()
        is_ec = isinstance(self._key, EllipticCurvePrivateKey)
        sig_alg = algos.SignedDigestAlgorithm(
            {"algorithm": "sha256_ecdsa" if is_ec else "sha256_rsa"}
        ).dump()
        self._signer_info_head = _VERSION_1 + sid.dump() + digest_alg
        self._sig_alg = sig_alg
        certs = b"".join(c.dump() for c in (cert, *identity.chain))
        self._signed_data_head = (
            _VERSION_1 + der(0x31, digest_alg) + der(0x30, _OID_DATA) + der(0xA0, certs)
        )

    def signed_attributes(self, document_digest: bytes) -> bytes:
        """DER of the signed attributes (as the SET that gets signed) for this document digest."""
        if len(document_digest) != len(_PLACEHOLDER):
            raise ValueError("expected a SHA-256 document digest")
        return self._attrs_head + document_digest + self._attrs_tail

    def raw_signature(self, signed_attrs: bytes) -> bytes:
        if isinstance(self._key, EllipticCurvePrivateKey):
            return self._key.sign(signed_attrs, ECDSA(hashes.SHA256()))
        return self._key.sign(signed_attrs, PKCS1v15(), hashes.SHA256())

    def assemble(self, signed_attrs: bytes, signature: bytes, token: bytes | None) -> bytes:
        """ContentInfo(SignedData) DER; `token` is the RFC 3161 TimeStampToken DER, if any."""
        signer_info = (
            self._signer_info_head
            + der(0xA0, signed_attrs[header_len(signed_attrs) :])  # [0] IMPLICIT SET
            + self._sig_alg
            + der(0x04, signature)
        )
        if token is not None:
            attribute = der(0x30, _OID_SIGNATURE_TIMESTAMP + der(0x31, token))
            signer_info += der(0xA1, attribute)
        signed_data = self._signed_data_head + der(0x31, der(0x30, signer_info))
        return der(0x30, _OID_SIGNED_DATA + der(0xA0, der(0x30, signed_data)))

    async def sign(self, document_digest: bytes, timestamper: TimeStamper | None) -> bytes:
        """The complete CMS for a PDF whose /ByteRange SHA-256 digest is `document_digest`."""
        signed_attrs = self.signed_attributes(document_digest)
        signature = self.raw_signature(signed_attrs)
        token = None
        if timestamper is not None:
            token = await timestamp_token(timestamper, hashlib.sha256(signature).digest())
        return self.assemble(signed_attrs, signature, token)
