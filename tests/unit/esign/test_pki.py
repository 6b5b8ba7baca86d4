"""The demo PKI: files, modes, idempotence, certificate profiles, PKCS#12 and SM2 keys."""

from __future__ import annotations

import stat

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID

from opendeposit.esign.pki import PkiPaths, init_demo_pki, load_signing_identity
from opendeposit.esign.sm2 import sm2_cosign, sm2_verify

from .conftest import BANK


def _cert(path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def test_private_files_are_owner_only(pki: PkiPaths) -> None:
    private = (
        pki.root_key,
        pki.signing_key,
        pki.signing_p12,
        pki.signing_p12_password,
        pki.tsa_key,
        pki.sm2_key,
    )
    for path in private:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_second_initialisation_reuses_everything(pki: PkiPaths) -> None:
    files = sorted(p for p in pki.directory.iterdir() if not p.name.startswith("."))
    before = {p.name: p.read_bytes() for p in files}
    again = init_demo_pki(pki.directory, bank_name=BANK)
    assert again == pki
    assert {p.name: p.read_bytes() for p in files} == before


def test_missing_leaf_is_regenerated_under_the_same_root(tmp_path) -> None:
    paths = init_demo_pki(tmp_path, bank_name=BANK)
    root = paths.root_cert.read_bytes()
    paths.tsa_cert.unlink()
    init_demo_pki(tmp_path, bank_name=BANK)
    assert paths.root_cert.read_bytes() == root
    assert _cert(paths.tsa_cert).issuer == _cert(paths.root_cert).subject


def test_signing_certificate_is_p256_for_non_repudiation(pki: PkiPaths) -> None:
    cert = _cert(pki.signing_cert)
    assert isinstance(cert.public_key(), ec.EllipticCurvePublicKey)
    assert cert.public_key().curve.name == "secp256r1"
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.content_commitment and usage.value.digital_signature
    cert.verify_directly_issued_by(_cert(pki.root_cert))


def test_tsa_certificate_has_critical_timestamping_eku(pki: PkiPaths) -> None:
    eku = _cert(pki.tsa_cert).extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert eku.critical
    assert list(eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]


def test_pkcs12_opens_with_the_password_beside_it(pki: PkiPaths) -> None:
    password = pki.signing_p12_password.read_bytes().strip()
    assert len(password) >= 24
    key, cert, chain = pkcs12.load_key_and_certificates(pki.signing_p12.read_bytes(), password)
    assert cert == _cert(pki.signing_cert)
    assert [c.subject for c in chain] == [_cert(pki.root_cert).subject]
    assert key is not None


def test_identity_is_loaded_once_per_process(pki: PkiPaths) -> None:
    first = load_signing_identity(pki)
    assert load_signing_identity(PkiPaths(pki.directory)) is first
    assert first.subject_cn == f"{BANK} 电子回单签章"


def test_sm2_key_pair_signs_and_verifies(identity, trust) -> None:
    signature = sm2_cosign(b"receipt", identity.sm2_private_key)
    assert sm2_verify(b"receipt", signature, trust.sm2_public_key)
