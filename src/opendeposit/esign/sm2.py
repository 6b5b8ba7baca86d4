"""SM2/SM3 detached co-signature (国密协同签名) over the final signed PDF bytes, via tongsuopy."""

from __future__ import annotations

from typing import Any

# tongsuopy mirrors the `cryptography` API but adds the SM2 curve; cryptography has SM3 only.
# Signing uses the GM/T 0009 default distinguishing ID 1234567812345678, so OpenSSL 3
# (`pkeyutl -verify -rawin -digest sm3 -pkeyopt distid:1234567812345678`) accepts the result.
from tongsuopy.crypto import hashes, serialization
from tongsuopy.crypto.asymciphers import ec
from tongsuopy.crypto.exceptions import InvalidSignature

Sm2PrivateKey = Any
Sm2PublicKey = Any


def generate_key_pair_pem() -> tuple[bytes, bytes]:
    """A fresh SM2 key pair as (PKCS#8 private PEM, SubjectPublicKeyInfo PEM)."""
    key = ec.generate_private_key(ec.SM2())
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return private_pem, public_key_pem(key.public_key())


def public_key_pem(public_key: Sm2PublicKey) -> bytes:
    """The SubjectPublicKeyInfo PEM of an SM2 public key."""
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def load_private_key(pem: bytes) -> Sm2PrivateKey:
    """Parse a PKCS#8 PEM SM2 private key (do it once and keep the object)."""
    return serialization.load_pem_private_key(pem, password=None)


def load_public_key(pem: bytes) -> Sm2PublicKey:
    """Parse a SubjectPublicKeyInfo PEM SM2 public key."""
    return serialization.load_pem_public_key(pem)


def sm2_cosign(pdf: bytes, key: Sm2PrivateKey) -> bytes:
    """Detached SM2-with-SM3 signature (DER) over the exact bytes of the signed PDF."""
    return key.sign(pdf, ec.ECDSA(hashes.SM3()))


def sm2_verify(pdf: bytes, sig: bytes, pubkey: Sm2PublicKey) -> bool:
    """True when `sig` is a valid SM2/SM3 signature of `pdf` by `pubkey`; never raises."""
    try:
        pubkey.verify(sig, pdf, ec.ECDSA(hashes.SM3()))
    except (InvalidSignature, ValueError, TypeError):
        return False
    except Exception:  # the binding raises its own error types on malformed DER
        return False
    return True


def sm3_hex(data: bytes) -> str:
    """SM3 digest in hex, for storing beside the receipt as its fingerprint."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()
