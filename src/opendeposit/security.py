"""Secrets at rest: field encryption, lookup hashes, opaque tokens and transaction-PIN hashing.

Keys are generated on first run into `<data_dir>/keys/` (mode 0600) and never committed;
production passes them in through the environment or a mounted secret file.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet, InvalidToken, MultiFernet

PARTIES = ("card_network", "citizen_registry", "sms_gateway", "wechat", "liveness_vendor")
OLD_KEYS_DIR = "data-old"  # data keys replaced by `keys rotate`, kept until `keys retire`


@dataclass(frozen=True)
class KeyRing:
    data_key: bytes  # Fernet key for personal data at rest (new data is encrypted with it)
    lookup_key: bytes  # HMAC key for searchable hashes (phone, ID number, card number)
    old_data_keys: tuple[bytes, ...] = ()  # still decrypt data not yet re-encrypted
    directory: Path | None = None

    @classmethod
    def load_or_create(cls, directory: Path) -> KeyRing:
        directory.mkdir(parents=True, exist_ok=True)
        os.chmod(directory, 0o700)
        return cls(
            data_key=_read_or_make(directory / "data.key", Fernet.generate_key),
            lookup_key=_read_or_make(directory / "lookup.key",
                                     lambda: secrets.token_hex(32).encode()),
            old_data_keys=_old_keys(directory), directory=directory,
        )

    def party_secret(self, party: str, *, create: bool = True) -> bytes:
        """The HMAC secret shared with one outside party (PARTIES), never another's:
        OPENDEPOSIT_SECRET_<PARTY> or `<keys>/<party>.secret` (made here in the sandbox)."""
        if party not in PARTIES:
            raise ValueError(f"unknown party {party!r}")
        from_env = os.environ.get(f"OPENDEPOSIT_SECRET_{party.upper()}", "").strip()
        if from_env:
            return from_env.encode()
        if self.directory is None:
            raise RuntimeError(f"no secret for {party}")
        path = self.directory / f"{party}.secret"
        if not create and not path.exists():
            raise FileNotFoundError(path)
        return _read_or_make(path, lambda: secrets.token_hex(32).encode())


def _old_keys(directory: Path) -> tuple[bytes, ...]:
    old = directory / OLD_KEYS_DIR
    if not old.is_dir():
        return ()
    return tuple(p.read_bytes().strip() for p in sorted(old.glob("*.key"), reverse=True))


def _read_or_make(path: Path, make) -> bytes:  # type: ignore[no-untyped-def]
    if path.exists():
        return path.read_bytes().strip()
    value: bytes = make()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(value)
    return value


class DataCipher:
    """Encrypts with the newest data key, decrypts with any the ring still holds. It notices a
    rotation on disk within `check_seconds` (and at once when a token does not decrypt), so
    every process follows `opendeposit keys rotate` without a restart."""

    def __init__(self, keys: KeyRing, *, check_seconds: float = 2.0) -> None:
        self._keys, self._check_seconds = keys, check_seconds
        self._stamp = self._disk_stamp()
        self._next_check = time.monotonic() + check_seconds
        self._fernet = self._build(keys)

    @staticmethod
    def _build(keys: KeyRing) -> MultiFernet:
        return MultiFernet([Fernet(k) for k in (keys.data_key, *keys.old_data_keys)])

    def _disk_stamp(self) -> tuple[object, ...]:
        d = self._keys.directory
        if d is None:
            return ()
        old = d / OLD_KEYS_DIR
        files = [d / "data.key", *(sorted(old.glob("*.key")) if old.is_dir() else [])]
        return tuple((f.name, f.stat().st_mtime_ns) for f in files if f.exists())

    def reload(self, *, force: bool = False) -> bool:
        """Re-read the keys if they changed on disk; True when they did."""
        if self._keys.directory is None:
            return False
        self._next_check = time.monotonic() + self._check_seconds
        stamp = self._disk_stamp()
        if stamp == self._stamp and not force:
            return False
        self._keys = KeyRing.load_or_create(self._keys.directory)
        self._fernet, self._stamp = self._build(self._keys), stamp
        return True

    def _fresh(self) -> MultiFernet:
        if time.monotonic() >= self._next_check:
            self.reload()
        return self._fernet

    @property
    def primary_key(self) -> bytes:
        self._fresh()
        return self._keys.data_key

    def encrypt(self, data: bytes) -> bytes:
        return self._fresh().encrypt(data)

    def decrypt(self, token: bytes) -> bytes:
        try:
            return self._fresh().decrypt(token)
        except InvalidToken:
            if not self.reload():
                raise
            return self._fernet.decrypt(token)

    def rotate(self, token: bytes) -> bytes:
        """The same plaintext under the newest key (for re-encryption in batches)."""
        return self._fresh().rotate(token)

    def is_current(self, token: bytes) -> bool:
        try:
            Fernet(self.primary_key).decrypt(token)
        except InvalidToken:
            return False
        return True


class Vault:
    """Encrypts personal data for storage and makes keyed hashes to look it up."""

    def __init__(self, keys: KeyRing, *, cipher: DataCipher | None = None) -> None:
        self.cipher = cipher or DataCipher(keys)
        self._lookup_key = keys.lookup_key

    def encrypt(self, plaintext: str) -> str:
        return self.cipher.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self.cipher.decrypt(token.encode()).decode()
        except InvalidToken as exc:  # a wrong key is an operator error, never user input
            raise RuntimeError("personal data cannot be decrypted with this data key") from exc

    def lookup_hash(self, value: str) -> str:
        return hmac.new(self._lookup_key, value.encode(), hashlib.sha256).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """Tokens are stored only as their SHA-256; the bearer value never touches the database."""
    return hashlib.sha256(token.encode()).hexdigest()


def sms_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


class PinHasher:
    """argon2id for transaction PINs, with a short-lived per-process cache of verified PINs.

    A 6-digit PIN hashed with argon2id costs ~20 ms of CPU; doing that on every money-moving
    request would cap a core at ~50 requests/s. After one argon2 verification the process keeps
    an HMAC of the PIN (keyed by a per-process random secret) for `cache_seconds`; a later request
    with the same PIN for the same customer is checked against that HMAC. A wrong PIN never
    matches the cache, so it always goes to argon2 and always counts as a failed attempt.
    """

    def __init__(self, *, cache_seconds: float = 300.0, max_attempts: int = 5) -> None:
        self.max_attempts = max_attempts  # wrong tries in a row before the PIN locks
        # OWASP minimum for argon2id: m=19 MiB, t=2, p=1.
        self._hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
        self._secret = secrets.token_bytes(32)
        self._cache: dict[str, tuple[bytes, float, str]] = {}
        self._ttl = cache_seconds

    def hash(self, pin: str) -> str:
        return self._hasher.hash(pin)

    def _mac(self, owner: str, pin: str) -> bytes:
        return hmac.new(self._secret, f"{owner}:{pin}".encode(), hashlib.sha256).digest()

    async def verify(self, *, owner: str, pin: str, pin_hash: str) -> bool:
        cached = self._cache.get(owner)
        mac = self._mac(owner, pin)
        fresh = cached and cached[2] == pin_hash and cached[1] > time.monotonic()
        if fresh and hmac.compare_digest(cached[0], mac):  # type: ignore[index]
            return True
        ok = await asyncio.to_thread(self._verify_slow, pin, pin_hash)
        if ok:
            self._cache[owner] = (mac, time.monotonic() + self._ttl, pin_hash)
        return ok

    def _verify_slow(self, pin: str, pin_hash: str) -> bool:
        try:
            return self._hasher.verify(pin_hash, pin)
        except (VerificationError, InvalidHashError):
            return False

    def forget(self, owner: str) -> None:
        self._cache.pop(owner, None)
