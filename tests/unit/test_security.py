"""Secrets at rest and the PIN verification cache."""

from __future__ import annotations

import pytest

from opendeposit.security import KeyRing, PinHasher, Vault, token_digest


def test_keys_are_generated_once_with_private_modes(tmp_path) -> None:
    k1 = KeyRing.load_or_create(tmp_path / "keys")
    k2 = KeyRing.load_or_create(tmp_path / "keys")
    assert k1 == k2
    for f in (tmp_path / "keys").iterdir():
        assert f.stat().st_mode & 0o077 == 0


def test_vault_round_trip_and_keyed_lookup(tmp_path) -> None:
    v = Vault(KeyRing.load_or_create(tmp_path / "a"))
    other = Vault(KeyRing.load_or_create(tmp_path / "b"))
    token = v.encrypt("张三")
    assert "张三" not in token and v.decrypt(token) == "张三"
    assert v.lookup_hash("13800138000") != other.lookup_hash("13800138000")
    with pytest.raises(RuntimeError):
        other.decrypt(token)


def test_token_digest_is_not_the_token() -> None:
    assert token_digest("abc") != "abc" and len(token_digest("abc")) == 64


async def test_pin_cache_only_short_cuts_the_right_pin(monkeypatch) -> None:
    h = PinHasher()
    stored = h.hash("135790")
    calls = []
    slow = h._verify_slow
    monkeypatch.setattr(h, "_verify_slow", lambda pin, ph: calls.append(pin) or slow(pin, ph))
    assert await h.verify(owner="1", pin="135790", pin_hash=stored)
    assert await h.verify(owner="1", pin="135790", pin_hash=stored)
    assert calls == ["135790"]  # the second check came from the cache
    assert not await h.verify(owner="1", pin="000000", pin_hash=stored)
    assert calls == ["135790", "000000"]  # a wrong PIN always goes to argon2
    new = h.hash("246801")
    assert not await h.verify(owner="1", pin="135790", pin_hash=new)  # PIN changed: no cache
