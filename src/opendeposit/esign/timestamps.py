"""Timestamp port (可信时间戳): RFC 3161 over HTTP in production, a local demo TSA otherwise."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets

from asn1crypto import algos, cms, core, tsp
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from pyhanko.sign.general import as_signing_certificate, simple_cms_attribute
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from opendeposit.esign.der import der, der_uint, header_len
from opendeposit.esign.pki import PkiPaths, load_asn1_cert

__all__ = ["LocalTimeStamper", "TimeStamper", "http_timestamper", "load_local_timestamper",
           "timestamp_token"]

# The demo TSA's policy: the test policy pyHanko's DummyTimeStamper uses. A real TSA has its own.
DEMO_TSA_POLICY = "1.3.6.1.4.1.4146.2.2"
_OID_TST_INFO = cms.ContentType("tst_info").dump()
_OID_SIGNED_DATA = cms.ContentType("signed_data").dump()
_GRANTED = der(0x30, der(0x02, b"\x00"))
_SHA256_ALGORITHM = bytes.fromhex("300d06096086480165030402010500")


class LocalTimeStamper(TimeStamper):
    """An RFC 3161 TSA inside the process, with its own certificate (timeStamping EKU) and
    RSA key, for the demo and the tests.

    Like pyHanko's DummyTimeStamper, but the key is parsed once and the token's constant
    DER (certificate, TSA name, signing-certificate attribute) is encoded once: building
    the token with asn1crypto cost more than the rest of the signature.
    """

    def __init__(self, tsa_cert, tsa_key: RSAPrivateKey, *, policy: str = DEMO_TSA_POLICY):
        super().__init__(include_nonce=True)
        self.tsa_cert = tsa_cert
        self._key = tsa_key
        self._policy = core.ObjectIdentifier(policy).dump()
        self._tsa_name = der(0xA0, der(0xA4, tsa_cert.subject.dump()))
        self._signing_cert_attr = simple_cms_attribute(
            "signing_certificate", as_signing_certificate(tsa_cert)
        ).dump()
        self._sid = cms.SignerIdentifier(
            name="issuer_and_serial_number",
            value=cms.IssuerAndSerialNumber(
                {"issuer": tsa_cert.issuer, "serial_number": tsa_cert.serial_number}
            ),
        ).dump()
        self._sig_alg = algos.SignedDigestAlgorithm({"algorithm": "rsassa_pkcs1v15"}).dump()
        self._cert = der(0xA0, tsa_cert.dump())

    def request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        imprint = req["message_imprint"]
        md_name = imprint["hash_algorithm"]["algorithm"].native
        now = dt.datetime.now(dt.UTC)
        nonce = req["nonce"]
        tst_info = self._tst_info(imprint.dump(), None if nonce.native is None else nonce.dump(),
                                  now)
        token = self._token(tst_info, md_name, now)
        return tsp.TimeStampResp.load(der(0x30, _GRANTED + token))

    def token(self, sha256_digest: bytes) -> bytes:
        """The TimeStampToken DER for a SHA-256 imprint, without the request/response round
        (no nonce: nothing travels, there is nothing to replay)."""
        now = dt.datetime.now(dt.UTC)
        imprint = der(0x30, _SHA256_ALGORITHM + der(0x04, sha256_digest))
        return self._token(self._tst_info(imprint, None, now), "sha256", now)

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        return self.request_tsa_response(req)

    def _tst_info(self, imprint: bytes, nonce: bytes | None, now: dt.datetime) -> bytes:
        body = b"\x02\x01\x01" + self._policy + imprint + der_uint(secrets.randbits(63))
        body += core.GeneralizedTime(now).dump()
        if nonce is not None:
            body += nonce
        return der(0x30, body + self._tsa_name)

    def _token(self, tst_info: bytes, md_name: str, now: dt.datetime) -> bytes:
        digest_alg = _digest_algorithm(md_name)
        attrs = der(
            0x31,
            _attribute("content_type", _OID_TST_INFO)
            + _attribute("signing_time", core.UTCTime(now).dump())
            + self._signing_cert_attr
            + _attribute("message_digest", der(0x04, hashlib.new(md_name, tst_info).digest())),
        )
        hash_algo = get_pyca_cryptography_hash(md_name)
        signature = self._key.sign(attrs, PKCS1v15(), hash_algo)
        signer_info = der(
            0x30,
            b"\x02\x01\x01"
            + self._sid
            + digest_alg
            + der(0xA0, attrs[header_len(attrs) :])
            + self._sig_alg
            + der(0x04, signature),
        )
        encap = der(0x30, _OID_TST_INFO + der(0xA0, der(0x04, tst_info)))
        signed_data = der(
            0x30,
            b"\x02\x01\x03" + der(0x31, digest_alg) + encap + self._cert + der(0x31, signer_info),
        )
        return der(0x30, _OID_SIGNED_DATA + der(0xA0, signed_data))


async def timestamp_token(stamper: TimeStamper, sha256_digest: bytes) -> bytes:
    """An RFC 3161 token over `sha256_digest`: straight from the local TSA, else over HTTP."""
    if isinstance(stamper, LocalTimeStamper):
        return stamper.token(sha256_digest)
    return (await stamper.async_timestamp(sha256_digest, "sha256")).dump()  # type: ignore[no-any-return]


@functools.lru_cache(maxsize=8)
def _digest_algorithm(md_name: str) -> bytes:
    return algos.DigestAlgorithm({"algorithm": md_name}).dump()


@functools.lru_cache(maxsize=8)
def _attribute_oid(name: str) -> bytes:
    return cms.CMSAttributeType(name).dump()


def _attribute(name: str, value_der: bytes) -> bytes:
    return der(0x30, _attribute_oid(name) + der(0x31, value_der))


@functools.lru_cache(maxsize=8)
def load_local_timestamper(paths: PkiPaths) -> LocalTimeStamper:
    """The demo TSA of an `init_demo_pki` directory (one instance per process and directory)."""
    key = serialization.load_pem_private_key(paths.tsa_key.read_bytes(), password=None)
    if not isinstance(key, RSAPrivateKey):
        raise ValueError(f"{paths.tsa_key}: the local TSA needs an RSA key")
    return LocalTimeStamper(load_asn1_cert(paths.tsa_cert), key)


def http_timestamper(
    url: str,
    *,
    timeout: float = 5,
    auth: tuple[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> TimeStamper:
    """Production adapter: a licensed TSA's RFC 3161 endpoint (e.g. the CA's timestamp service)."""
    return HTTPTimeStamper(
        url, https=url.startswith("https:"), timeout=timeout, auth=auth, headers=headers
    )
