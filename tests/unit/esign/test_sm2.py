"""SM2/SM3 co-signature: round trip, tampering, garbage, and interoperability with OpenSSL 3."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from opendeposit.esign import sm2


@pytest.fixture(scope="module")
def key_pair():
    private_pem, public_pem = sm2.generate_key_pair_pem()
    return sm2.load_private_key(private_pem), sm2.load_public_key(public_pem), public_pem


def test_round_trip(key_pair) -> None:
    private, public, _ = key_pair
    assert sm2.sm2_verify(b"%PDF-1.4 ...", sm2.sm2_cosign(b"%PDF-1.4 ...", private), public)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda data, sig: (data + b" ", sig),
        lambda data, sig: (data, sig[:-1] + bytes([sig[-1] ^ 1])),
        lambda data, sig: (data, b""),
        lambda data, sig: (data, b"\x30\x02\x02\x00"),
        lambda data, sig: (data, b"not DER at all" * 5),
    ],
    ids=["data-changed", "signature-bit", "empty", "bad-der", "garbage"],
)
def test_anything_else_is_refused_without_raising(key_pair, mutate) -> None:
    private, public, _ = key_pair
    data = b"signed receipt bytes"
    assert not sm2.sm2_verify(*mutate(data, sm2.sm2_cosign(data, private)), public)


def test_other_key_is_refused(key_pair) -> None:
    private, _, _ = key_pair
    _, other_public_pem = sm2.generate_key_pair_pem()
    other = sm2.load_public_key(other_public_pem)
    assert not sm2.sm2_verify(b"x", sm2.sm2_cosign(b"x", private), other)


def test_sm3_known_answer() -> None:
    # GB/T 32905-2016 example 1: SM3("abc")
    expected = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert sm2.sm3_hex(b"abc") == expected


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl CLI not installed")
def test_openssl_accepts_the_signature_with_the_default_sm2_id(key_pair, tmp_path) -> None:
    private, _, public_pem = key_pair
    data, sig, pub = tmp_path / "data", tmp_path / "sig", tmp_path / "pub.pem"
    data.write_bytes(b"receipt bytes")
    sig.write_bytes(sm2.sm2_cosign(b"receipt bytes", private))
    pub.write_bytes(public_pem)
    command = [
        "openssl",
        "pkeyutl",
        "-verify",
        "-rawin",
        "-digest",
        "sm3",
        "-pubin",
        "-inkey",
        str(pub),
        "-sigfile",
        str(sig),
        "-in",
        str(data),
        "-pkeyopt",
        "distid:1234567812345678",
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if "distid" in result.stderr and result.returncode != 0 and "Verif" not in result.stdout:
        pytest.skip(f"this openssl build lacks SM2 distid support: {result.stderr.strip()}")
    assert "Signature Verified Successfully" in result.stdout
