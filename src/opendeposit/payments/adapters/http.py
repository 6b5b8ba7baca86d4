"""A card-network gateway adapter shaped like the real service (JSON over HTTPS, signed).

Requests: POST {base}/v1/transfers {"order_no", "direction": "DEBIT"|"CREDIT", "card_no",
"holder_name", "amount": "12.34", "currency": "CNY"} and GET {base}/v1/transfers/{order_no};
POST {base}/v1/cards/verify for the five elements. Answers carry "status": "SUCCESS" | "FAIL" |
"PROCESSING" | "NOT_FOUND" and an error "code". Every body is signed with HMAC-SHA256 in the
X-Signature header. A timeout or 5xx is PENDING: the reconciliation job asks again later.
"""

from __future__ import annotations

import hashlib
import hmac
import json

import httpx

from opendeposit.money import format_amount
from opendeposit.payments.ports import CardHolder, TransferResult, TransferStatus

_STATUS = {
    "SUCCESS": TransferStatus.SUCCEEDED,
    "FAIL": TransferStatus.FAILED,
    "PROCESSING": TransferStatus.PENDING,
    "NOT_FOUND": TransferStatus.UNKNOWN,
}


class HttpCardNetwork:
    def __init__(self, base_url: str, *, secret: bytes,
                 client: httpx.AsyncClient | None = None) -> None:
        self._base = base_url.rstrip("/")
        self._secret = secret
        self._client = client or httpx.AsyncClient(timeout=httpx.Timeout(10.0, connect=3.0))

    def _signed(self, payload: dict[str, object]) -> tuple[bytes, dict[str, str]]:
        body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
        sig = hmac.new(self._secret, body, hashlib.sha256).hexdigest()
        return body, {"Content-Type": "application/json", "X-Signature": sig}

    async def _transfer(self, direction: str, order_no: str, card_number: str, holder_name: str,
                        amount: int) -> TransferResult:
        body, headers = self._signed({
            "order_no": order_no, "direction": direction, "card_no": card_number,
            "holder_name": holder_name, "amount": format_amount(amount), "currency": "CNY"})
        try:
            resp = await self._client.post(f"{self._base}/v1/transfers", content=body,
                                           headers=headers)
        except httpx.HTTPError:
            return TransferResult(TransferStatus.PENDING, message="network timeout")
        return _result(resp)

    async def pull(self, *, order_no: str, card_number: str, holder_name: str,
                   amount: int) -> TransferResult:
        return await self._transfer("DEBIT", order_no, card_number, holder_name, amount)

    async def push(self, *, order_no: str, card_number: str, holder_name: str,
                   amount: int) -> TransferResult:
        return await self._transfer("CREDIT", order_no, card_number, holder_name, amount)

    async def query(self, order_no: str) -> TransferResult:
        try:
            resp = await self._client.get(f"{self._base}/v1/transfers/{order_no}")
        except httpx.HTTPError:
            return TransferResult(TransferStatus.PENDING, message="network timeout")
        if resp.status_code == 404:
            return TransferResult(TransferStatus.UNKNOWN)
        return _result(resp)

    async def card_holder(self, card_number: str) -> CardHolder | None:
        body, headers = self._signed({"card_no": card_number})
        resp = await self._client.post(f"{self._base}/v1/cards/lookup", content=body,
                                       headers=headers)
        if resp.status_code == 404:
            return None
        resp.raise_for_status()
        d = resp.json()
        return CardHolder(card_number=card_number, name=d["holder_name"], id_number=d["id_no"],
                          reserved_phone=d["reserved_mobile"], bank=d["bank_name"],
                          is_class_one=d["account_level"] == "I")


def _result(resp: httpx.Response) -> TransferResult:
    if resp.status_code >= 500:
        return TransferResult(TransferStatus.PENDING, message=f"gateway {resp.status_code}")
    data = resp.json()
    status = _STATUS.get(str(data.get("status")), TransferStatus.PENDING)
    return TransferResult(status, data.get("ref"), data.get("code"), data.get("message", ""))
