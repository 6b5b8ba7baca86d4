"""Five-element check adapters: the sandbox (on the sandbox card network) and a UnionPay-style
HTTP client. Both answer match / mismatch per element; the holder's data never leaves them."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

import httpx

from opendeposit.identity import errors
from opendeposit.identity.domain import normalize_name
from opendeposit.identity.ports import ElementResult, ElementsAnswer, ModelInfo

M, X, U = ElementResult.MATCH, ElementResult.MISMATCH, ElementResult.UNKNOWN


def _is(ok: bool) -> ElementResult:
    return M if ok else X


class SandboxCardElements:
    """The issuer side of the sandbox card network: it compares, it does not tell."""

    model = ModelInfo("sandbox five-element check", "1")

    def __init__(self, cards: Any) -> None:
        self._cards = cards

    async def verify(self, *, card_number: str, name: str, id_number: str,
                     phone: str) -> ElementsAnswer:
        holder = await self._cards.card_holder(card_number)
        ref = "SBX5E" + secrets.token_hex(5).upper()
        if holder is None:
            return ElementsAnswer(X, U, U, U, U, reference=ref)
        return ElementsAnswer(
            M, _is(normalize_name(holder.name) == name),
            _is(holder.id_number.upper() == id_number), _is(holder.reserved_phone == phone),
            _is(holder.is_class_one), bank=holder.bank, reference=ref)


class HttpCardElements:
    """POST {url}/elements/verify {card_number, name, id_number, phone} (HMAC-signed) →
    {"card": "match"|"mismatch"|"unknown", "name": …, "id_number": …, "phone": …,
    "class_one": …, "bank": str, "reference": str}. Anything else is unavailable."""

    model = ModelInfo("five-element check over HTTP", "1")

    def __init__(self, url: str, *, secret: bytes, client: httpx.AsyncClient | None = None,
                 timeout: float = 5.0) -> None:
        self._url = url.rstrip("/")
        self._secret = secret
        self._client = client or httpx.AsyncClient(timeout=timeout)

    async def verify(self, *, card_number: str, name: str, id_number: str,
                     phone: str) -> ElementsAnswer:
        body = {"card_number": card_number, "name": name, "id_number": id_number,
                "phone": phone}
        raw = httpx.Request("POST", "/", json=body).content
        sig = hmac.new(self._secret, raw, hashlib.sha256).hexdigest()
        try:
            resp = await self._client.post(f"{self._url}/elements/verify", content=raw,
                                           headers={"Content-Type": "application/json",
                                                    "X-Signature": sig})
            data = resp.json() if resp.status_code == 200 else None
            if not isinstance(data, dict):
                raise ValueError("no answer")
            r = {k: ElementResult(data[k]) for k in ("card", "name", "id_number", "phone",
                                                     "class_one")}
            return ElementsAnswer(r["card"], r["name"], r["id_number"], r["phone"],
                                  r["class_one"], bank=str(data.get("bank", "")),
                                  reference=str(data.get("reference", "")))
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            raise errors.ElementsUnavailable() from exc
