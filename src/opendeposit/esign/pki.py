"""Demo PKI for the signature platform (签章平台): root CA, document-signing, TSA and SM2 keys."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import functools
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from opendeposit.esign import sm2

_PRIVATE = 0o600
_PUBLIC = 0o644
_ROOT_YEARS = 20
_LEAF_YEARS = 5


@dataclass(frozen=True)
class PkiPaths:
    """Where each artefact of the demo PKI lives; a frozen value, so it can key a cache."""

    directory: Path

    @property
    def root_cert(self) -> Path:
        return self.directory / "root-ca.crt.pem"

    @property
    def root_key(self) -> Path:
        return self.directory / "root-ca.key.pem"

    @property
    def signing_cert(self) -> Path:
        return self.directory / "signing.crt.pem"

    @property
    def signing_key(self) -> Path:
        return self.directory / "signing.key.pem"

    @property
    def signing_p12(self) -> Path:
        return self.directory / "signing.p12"

    @property
    def signing_p12_password(self) -> Path:
        return self.directory / "signing.p12.password"

    @property
    def tsa_cert(self) -> Path:
        return self.directory / "tsa.crt.pem"

    @property
    def tsa_key(self) -> Path:
        return self.directory / "tsa.key.pem"

    @property
    def sm2_key(self) -> Path:
        return self.directory / "sm2.key.pem"

    @property
    def sm2_public_key(self) -> Path:
        return self.directory / "sm2.pub.pem"


@dataclass(frozen=True)
class SigningIdentity:
    """The bank's document-signing key and certificate chain, parsed once."""

    signing_cert: asn1_x509.Certificate
    signing_key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    signing_key_info: asn1_keys.PrivateKeyInfo
    chain: tuple[asn1_x509.Certificate, ...]
    sm2_private_key: object

    @property
    def subject_cn(self) -> str:
        return str(self.signing_cert.subject.native.get("common_name", ""))


@dataclass(frozen=True)
class TrustAnchors:
    """What a verifier trusts: root CAs, the pinned bank signing certificates, the SM2 key."""

    roots: tuple[asn1_x509.Certificate, ...]
    pinned_signers: tuple[asn1_x509.Certificate, ...]
    sm2_public_key: object | None = None


def init_demo_pki(directory: Path, *, bank_name: str) -> PkiPaths:
    """Create (or reuse) the demo root CA, signing and TSA certificates, PKCS#12 and SM2 keys."""
    paths = PkiPaths(Path(directory))
    paths.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    with _locked(paths.directory / ".pki.lock"):
        root_cert, root_key, fresh_root = _ensure_root(paths, bank_name)
        _ensure_signing(paths, bank_name, root_cert, root_key, force=fresh_root)
        _ensure_tsa(paths, bank_name, root_cert, root_key, force=fresh_root)
        _ensure_sm2(paths)
    return paths


@functools.lru_cache(maxsize=8)
def load_signing_identity(paths: PkiPaths) -> SigningIdentity:
    """Load the signing key from the PKCS#12 once per process (cached per `paths`)."""
    password = paths.signing_p12_password.read_bytes().strip()
    key, cert, extra = pkcs12.load_key_and_certificates(paths.signing_p12.read_bytes(), password)
    if key is None or cert is None:
        raise ValueError(f"{paths.signing_p12} holds no key and certificate")
    key_der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return SigningIdentity(
        signing_cert=_to_asn1(cert),
        signing_key=key,  # type: ignore[arg-type]
        signing_key_info=asn1_keys.PrivateKeyInfo.load(key_der),
        chain=tuple(_to_asn1(c) for c in extra or ()),
        sm2_private_key=sm2.load_private_key(paths.sm2_key.read_bytes()),
    )


@functools.lru_cache(maxsize=8)
def load_trust_anchors(paths: PkiPaths) -> TrustAnchors:
    """The verifier's view of the demo PKI: its root, the pinned signing cert, the SM2 key."""
    return TrustAnchors(
        roots=(load_asn1_cert(paths.root_cert),),
        pinned_signers=(load_asn1_cert(paths.signing_cert),),
        sm2_public_key=sm2.load_public_key(paths.sm2_public_key.read_bytes()),
    )


def load_asn1_cert(path: Path) -> asn1_x509.Certificate:
    """Read a PEM certificate as the asn1crypto object pyHanko works with."""
    return _to_asn1(x509.load_pem_x509_certificate(path.read_bytes()))


# -- generation -------------------------------------------------------------------------------


def _ensure_root(paths: PkiPaths, bank_name: str):
    if paths.root_cert.exists() and paths.root_key.exists():
        return _read_cert(paths.root_cert), _read_key(paths.root_key), False
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(f"{bank_name} Demo Root CA", bank_name)
    builder = _builder(name, name, key.public_key(), years=_ROOT_YEARS)
    builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
    builder = builder.add_extension(_key_usage(cert_sign=True), critical=True)
    cert = builder.sign(key, hashes.SHA256())
    _write_key(paths.root_key, key)
    _write(paths.root_cert, cert.public_bytes(serialization.Encoding.PEM), _PUBLIC)
    return cert, key, True


def _ensure_signing(paths: PkiPaths, bank_name: str, root_cert, root_key, *, force: bool) -> None:
    wanted = (paths.signing_cert, paths.signing_key, paths.signing_p12, paths.signing_p12_password)
    if not force and all(p.exists() for p in wanted):
        return
    # P-256: research/esign.md measured ~30x the RSA-2048 signing rate on this machine class.
    key = ec.generate_private_key(ec.SECP256R1())
    builder = _leaf(f"{bank_name} 电子回单签章", bank_name, root_cert, root_key, key)
    builder = builder.add_extension(_key_usage(content_commitment=True), critical=True)
    cert = builder.sign(root_key, hashes.SHA256())
    _write_key(paths.signing_key, key)
    _write(paths.signing_cert, cert.public_bytes(serialization.Encoding.PEM), _PUBLIC)
    password = secrets.token_urlsafe(24).encode()
    p12 = pkcs12.serialize_key_and_certificates(
        b"receipt-signing",
        key,
        cert,
        [root_cert],
        serialization.BestAvailableEncryption(password),
    )
    _write(paths.signing_p12_password, password + b"\n", _PRIVATE)
    _write(paths.signing_p12, p12, _PRIVATE)


def _ensure_tsa(paths: PkiPaths, bank_name: str, root_cert, root_key, *, force: bool) -> None:
    if not force and paths.tsa_cert.exists() and paths.tsa_key.exists():
        return
    # RSA: pyHanko's DummyTimeStamper, which the local TSA builds on, signs with RSA only.
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    builder = _leaf(f"{bank_name} Demo TSA", bank_name, root_cert, root_key, key)
    builder = builder.add_extension(_key_usage(), critical=True)
    builder = builder.add_extension(
        x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
    )
    cert = builder.sign(root_key, hashes.SHA256())
    _write_key(paths.tsa_key, key)
    _write(paths.tsa_cert, cert.public_bytes(serialization.Encoding.PEM), _PUBLIC)


def _ensure_sm2(paths: PkiPaths) -> None:
    if paths.sm2_key.exists() and paths.sm2_public_key.exists():
        return
    private_pem, public_pem = sm2.generate_key_pair_pem()
    _write(paths.sm2_key, private_pem, _PRIVATE)
    _write(paths.sm2_public_key, public_pem, _PUBLIC)


def _leaf(common_name: str, bank_name: str, root_cert, root_key, key) -> x509.CertificateBuilder:
    builder = _builder(_name(common_name, bank_name), root_cert.subject, key.public_key())
    builder = builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
    builder = builder.add_extension(
        x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), False
    )
    return builder


def _builder(subject, issuer, public_key, *, years: int = _LEAF_YEARS) -> x509.CertificateBuilder:
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365 * years))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _key_usage(*, cert_sign: bool = False, content_commitment: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=content_commitment,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


# -- files ------------------------------------------------------------------------------------


def _to_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _read_cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def _read_key(path: Path):
    return serialization.load_pem_private_key(path.read_bytes(), password=None)


def _write_key(path: Path, key) -> None:
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    _write(path, pem, _PRIVATE)


def _write(path: Path, data: bytes, mode: int) -> None:
    """Write atomically with the final mode from the start (a key is never world-readable)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    """Serialise concurrent initialisations (several workers starting at once)."""
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, _PRIVATE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
