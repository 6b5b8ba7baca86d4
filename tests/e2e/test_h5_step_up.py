"""A money call that a risk rule wants re-verified: the H5 app asks for the SMS code in its own
dialog, then repeats the same top-up with the step-up, and it goes through."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest

from opendeposit.serials import luhn_digit
from tests.e2e.conftest import enter_pin, keep, shot, top_up_to_pin

pytestmark = pytest.mark.browser

PHONE, PIN = "13900007788", "135790"
CARD = "622848007788001234" + str(luhn_digit("622848007788001234"))  # a card of its own


def _customer_with_moves(base: str) -> str:
    """A new sandbox customer who has just made enough top-ups for the velocity rule (or, at
    Beijing night, the night-burst rule) to want the next one re-verified; → its token."""
    with httpx.Client(base_url=base, timeout=30) as c:
        assert c.post("/api/v1/auth/sms-code", json={"phone": PHONE, "device_id": "e2e-su"}
                      ).status_code == 202
        code = c.get(f"/sandbox/sms/{PHONE}").json()["code"]
        r = c.post("/api/v1/auth/login", json={"phone": PHONE, "code": code,
                                               "device_id": "e2e-su"})
        assert r.status_code == 200, r.text
        auth = {"Authorization": f"Bearer {r.json()['token']}"}
        r = c.post("/sandbox/quick-account", headers=auth, json={
            "name": "验证测试", "card_number": CARD, "reserved_phone": PHONE, "pin": PIN})
        assert r.status_code == 201, r.text
        for _ in range(12):
            r = c.post("/api/v1/account/top-up", headers=auth, json={
                "amount": "1.00", "pin": PIN, "idempotency_key": uuid.uuid4().hex})
            if r.status_code == 403:
                assert r.json()["error"]["code"] == "STEP_UP_REQUIRED", r.text
                assert "sms" in r.json()["error"]["details"]["methods"]
                return str(auth["Authorization"].split()[1])
            assert r.status_code == 200, r.text
    raise AssertionError("no rule asked for a step-up after 12 top-ups")


def test_a_stepped_up_top_up_asks_for_the_sms_code_then_goes_through(phone_page,
                                                                      demo_server) -> None:
    page = phone_page
    token = _customer_with_moves(demo_server)
    page.goto("/m/")
    page.evaluate("([t, p]) => { localStorage.setItem('od_token', t); "
                  "localStorage.setItem('od_phone', p) }", [token, PHONE])
    top_up_to_pin(page, "2.00")
    enter_pin(page, PIN)
    dialog = page.locator(".van-dialog").filter(has_text="需要验证身份")
    dialog.wait_for(timeout=15_000)
    field = dialog.locator("input")
    field.wait_for()
    keep(shot(page, "08-step-up-code"), "m-step-up-code")
    with httpx.Client(base_url=demo_server) as c:
        sms = c.get(f"/sandbox/sms/{PHONE}").json()
    assert sms["purpose"] != "login", sms  # the step-up's own code
    field.fill(sms["code"])
    dialog.get_by_role("button", name="验证").click()
    page.get_by_text(re.compile("成功")).first.wait_for(timeout=15_000)
    page.get_by_text(re.compile(r"\d{8}H5\d{12}")).first.wait_for(timeout=10_000)
    keep(shot(page, "09-step-up-done"), "m-step-up-done")
