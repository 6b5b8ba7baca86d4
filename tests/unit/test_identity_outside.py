"""Outside services shaped like the real ones: the five-element check answers match / mismatch
per element and never the holder's data; the registry can say 失效身份证; the FaceID-style
vendor is started by the server and its result fetched by the server."""

from __future__ import annotations

import base64
import json
from datetime import date
from types import SimpleNamespace

import httpx
import pytest

from opendeposit.errors import OpenDepositError
from opendeposit.identity.adapters.elements import HttpCardElements, SandboxCardElements
from opendeposit.identity.adapters.faceid import HttpFaceId
from opendeposit.identity.adapters.registry import HttpRegistry
from opendeposit.identity.ports import ElementResult, ElementsAnswer, RegistryResult
from opendeposit.identity.steps_card import five_elements

SECRET = b"s" * 32
M, X, U = ElementResult.MATCH, ElementResult.MISMATCH, ElementResult.UNKNOWN


def client(handler) -> httpx.AsyncClient:  # type: ignore[no-untyped-def]
    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


class Cards:
    async def card_holder(self, number: str) -> object | None:
        if number != "6222":
            return None
        return SimpleNamespace(name="张伟", id_number="440305198806151315",
                               reserved_phone="13900139000", bank="工行", is_class_one=True)


async def test_sandbox_elements_compare_and_tell_nothing_else() -> None:
    e = SandboxCardElements(Cards())
    ok = await e.verify(card_number="6222", name="张伟", id_number="440305198806151315",
                       phone="13900139000")
    assert (ok.card, ok.name, ok.id_number, ok.phone, ok.class_one) == (M, M, M, M, M)
    bad = await e.verify(card_number="6222", name="李四", id_number="440305198806151315",
                        phone="13800000000")
    assert (bad.name, bad.phone) == (X, X)
    assert set(bad.as_dict().values()) <= {"match", "mismatch", "unknown", "工行",
                                          bad.reference}  # no name, number or phone
    gone = await e.verify(card_number="1", name="张伟", id_number="x", phone="y")
    assert gone.card is X and five_elements(gone)[0] == "CARD_NOT_FOUND"


def test_first_failing_element_decides_and_unknown_is_no_match() -> None:
    def answer(**kw: ElementResult) -> ElementsAnswer:
        base = {"card": M, "name": M, "id_number": M, "phone": M, "class_one": M}
        return ElementsAnswer(**{**base, **kw})

    assert five_elements(answer())[0] is None
    assert five_elements(answer(id_number=X))[0] == "CARD_NOT_OWN_NAME"
    assert five_elements(answer(phone=U))[0] == "CARD_PHONE_MISMATCH"
    assert five_elements(answer(class_one=X))[0] == "CARD_NOT_CLASS_ONE"


async def test_http_elements_signed_and_failures_are_unavailable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/elements/verify" and request.headers["X-Signature"]
        return httpx.Response(200, json={"card": "match", "name": "match",
                                         "id_number": "match", "phone": "mismatch",
                                         "class_one": "match", "bank": "建行",
                                         "reference": "U1"})

    e = HttpCardElements("http://up.test", secret=SECRET, client=client(handler))
    got = await e.verify(card_number="6222", name="张伟", id_number="1", phone="2")
    assert got.phone is X and got.bank == "建行"
    for bad in (httpx.Response(500), httpx.Response(200, json={"card": "yes"})):
        broken = HttpCardElements("http://up.test", secret=SECRET,
                                  client=client(lambda r, b=bad: b))
        with pytest.raises(OpenDepositError) as info:
            await broken.verify(card_number="6222", name="张伟", id_number="1", phone="2")
        assert info.value.code == "CARD_CHECK_UNAVAILABLE"


async def test_registry_reports_an_invalidated_card_and_gets_the_validity() -> None:
    sent = {}

    def handler(request: httpx.Request) -> httpx.Response:
        sent.update(json.loads(request.content))
        return httpx.Response(200, json={"result": "invalidated", "reference": "R9"})

    reg = HttpRegistry("http://reg.test", secret=SECRET, client=client(handler))
    got = await reg.check(name="张伟", id_number="440305198806151315",
                          valid_from=date(2016, 8, 1), valid_to=date(2036, 8, 1))
    assert got.result is RegistryResult.INVALIDATED
    assert sent["valid_from"] == "2016-08-01" and sent["valid_to"] == "2036-08-01"


async def test_faceid_start_and_server_side_result() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if request.url.path == "/faceid/start":
            return httpx.Response(200, json={"token": "T1", "client": {"url": "https://v"},
                                             "expires_in": 120})
        assert body == {"token": "T1"}
        return httpx.Response(200, json={"done": True, "passed": True, "code": "0",
                                         "best_frame": base64.b64encode(b"jpg").decode()})

    v = HttpFaceId("http://vendor.test", secret=SECRET, client=client(handler))
    session = await v.start(reference="onboarding-1")
    assert session.token == "T1" and session.client["url"] == "https://v"
    result = await v.result(token="T1")
    assert result.done and result.passed and result.best_frame == b"jpg"
    broken = HttpFaceId("http://vendor.test", secret=SECRET,
                        client=client(lambda r: httpx.Response(200, json={"x": 1})))
    with pytest.raises(OpenDepositError) as info:
        await broken.start(reference="r")
    assert info.value.code == "LIVENESS_SERVICE_UNAVAILABLE"
