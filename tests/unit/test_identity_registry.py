"""The HTTP citizen-registry adapter: answers mapped, failures turned into one stable error."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import httpx
import pytest

from opendeposit.errors import OpenDepositError
from opendeposit.identity.adapters.registry import HttpRegistry
from opendeposit.identity.ports import RegistryResult

SECRET = b"k" * 32


def registry(handler) -> HttpRegistry:  # type: ignore[no-untyped-def]
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return HttpRegistry("http://registry.test", secret=SECRET, client=client)


async def test_answers_are_mapped_and_requests_signed() -> None:
    seen = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen["sig"] = request.headers["X-Signature"]
        seen["body"] = request.content
        body = json.loads(request.content)
        if body["id_number"] == "1":
            return httpx.Response(200, json={"result": "not_found", "reference": "R1"})
        return httpx.Response(200, json={"result": "match", "reference": "R2",
                                         "photo": base64.b64encode(b"\xff\xd8\xff").decode()})

    reg = registry(handler)
    answer = await reg.check(name="张伟", id_number="440305198806151315")
    assert answer.result is RegistryResult.MATCH and answer.photo == b"\xff\xd8\xff"
    assert seen["sig"] == hmac.new(SECRET, seen["body"], hashlib.sha256).hexdigest()
    assert (await reg.check(name="张伟", id_number="1")).result is RegistryResult.NOT_FOUND


@pytest.mark.parametrize("response", [
    httpx.Response(500), httpx.Response(200, text="not json"),
    httpx.Response(200, json={"result": "maybe"}), httpx.Response(200, json=[1, 2]),
    httpx.Response(200, json={"result": "match", "photo": "%%%"}),
])
async def test_anything_else_is_registry_unavailable(response: httpx.Response) -> None:
    reg = registry(lambda request: response)
    with pytest.raises(OpenDepositError) as info:
        await reg.check(name="张伟", id_number="440305198806151315")
    assert info.value.code == "CITIZEN_REGISTRY_UNAVAILABLE" and info.value.http_status == 502


async def test_timeouts_are_registry_unavailable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("slow", request=request)

    with pytest.raises(OpenDepositError) as info:
        await registry(handler).check(name="张伟", id_number="440305198806151315")
    assert info.value.code == "CITIZEN_REGISTRY_UNAVAILABLE"
