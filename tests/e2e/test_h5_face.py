"""Face re-verification in the H5 app (#10): a purchase that a risk rule wants re-verified by
face only (no SMS: the watch-list rule, set to step-up by a risk officer for this test) is
passed with the sandbox face kit in the app's face sheet, and the same purchase then goes
through; an account suspended for inactivity (six months without use after opening) is
re-verified by face from the account page and can top up again.

A demo server of its own: the test changes a rule, a watch list and the business date, which
the H5 tests on the session's demo server must not see. Both customers are sandbox identities
(their registry photos are the face kits' source); the app finds the identity by the phone
logged in with and fetches the kit for each challenge itself.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import (
    ARTIFACTS,
    WEB_INDEX,
    enter_pin,
    keep,
    running_demo,
    shot,
    top_up_to_pin,
)
from tests.e2e.console_support import cli, customer_token

pytestmark = pytest.mark.browser

PIN = "135790"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    if not WEB_INDEX.exists():
        pytest.skip("the H5 app is not built (scripts/test builds it: cd web && npm run build)")
    data = tmp_path_factory.mktemp("face-demo")
    with running_demo(data) as base:
        with httpx.Client(base_url=base, timeout=120) as c:
            people = {i["key"]: i for i in c.get("/sandbox/identities").json()["items"]}
        yield {"base": base, "data": data, "people": people}


@pytest.fixture
def page_of(browser, server):  # type: ignore[no-untyped-def]
    """A 360×740 phone page on this module's server, logged in as `phone` (its token set)."""
    contexts = []

    def make(token: str, phone: str):  # type: ignore[no-untyped-def]
        ctx = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2,
                                  locale="zh-CN", is_mobile=True, has_touch=True,
                                  base_url=server["base"], bypass_csp=True)
        contexts.append(ctx)
        page = ctx.new_page()
        page.goto("/m/")
        page.evaluate("([t, p]) => { localStorage.setItem('od_token', t); "
                      "localStorage.setItem('od_phone', p) }", [token, phone])
        return page

    yield make
    for ctx in contexts:
        ctx.close()


def _open_account(c: httpx.Client, ident: dict[str, Any], device: str) -> dict[str, str]:
    """The sandbox identity logs in with its phone and gets an account in its own name (so the
    citizen registry's photo of that person is the face a step-up is compared with)."""
    h = customer_token(c, ident["phone"], device)
    r = c.post("/sandbox/quick-account", headers=h, json={
        "name": ident["name"], "id_number": ident["id_number"],
        "card_number": ident["card_number"], "reserved_phone": ident["phone"], "pin": PIN})
    assert r.status_code == 201, r.text
    return h


def _risk_officer(c: httpx.Client, data: Path) -> dict[str, str]:
    out = cli(data, "staff", "create", "--username", "riskface", "--role", "risk")
    found = re.search(r"username=riskface password=(\S+)", out)
    assert found, out
    first = c.post("/admin/api/v1/auth/login", json={"username": "riskface",
                                                     "password": found.group(1)})
    assert first.status_code == 200, first.text
    r = c.post("/admin/api/v1/auth/password", headers={
        "Authorization": f"Bearer {first.json()['token']}"}, json={
        "password": found.group(1), "new_password": f"Face{uuid.uuid4().hex[:12]}9"})
    assert r.status_code == 200 and r.json()["pending"] is None, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


# The face sheet is a full-height popup that scrolls by itself: for its picture it joins the
# page's flow, whole, its bottom bar at its end (as conftest.shot does for long pages).
SHEET_STYLE = """
.van-popup.face-verify-sheet { position: absolute !important; top: 0 !important;
  bottom: auto !important; height: auto !important; max-height: none !important;
  overflow: visible !important; }
.van-overlay { display: none !important; }
.face-verify-sheet .bottom-bar { position: static !important; }
.face-verify-sheet .bottom-space { display: none !important; }
"""


def sheet_shot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.wait_for_timeout(400)  # the popup's slide-in
    page.screenshot(path=str(path), full_page=True, style=SHEET_STYLE, animations="disabled")
    return path


def _pass_face_in_sheet(page, mode: str) -> None:  # type: ignore[no-untyped-def]
    """The face sheet: the sandbox kit for each challenge (the app fetches it), "提交验证";
    a refusal shows the next challenge and the kit is taken again for it."""
    sheet = page.locator(f".face-verify[data-mode='{mode}']")
    sheet.wait_for(timeout=20_000)
    for attempt in range(3):
        sheet.locator("li.action[data-action]").nth(1).wait_for(timeout=20_000)
        nonce = sheet.locator("ol.action-list").get_attribute("data-nonce")
        kit = sheet.get_by_text(re.compile("使用沙箱人脸素材"))
        kit.wait_for(timeout=90_000)  # the sandbox's identities (first call fetches samples)
        kit.click()
        last = sheet.locator("li.action[data-action]").count() - 2
        sheet.locator(f"[data-photo-tile='frame-{last}'] img.preview").wait_for(timeout=90_000)
        if attempt == 0:
            keep(sheet_shot(page, f"face-{mode}"),
                 "m-stepup-face" if mode == "step_up" else "m-reactivate")
        sheet.get_by_role("button", name="提交验证").click()
        # passed: the sheet closes; refused: the sentence and the next challenge
        for _ in range(240):
            if not page.locator(".van-popup.face-verify-sheet").is_visible():
                return
            if sheet.locator(".step-error").count() and sheet.locator(
                    "ol.action-list").get_attribute("data-nonce") not in (None, nonce):
                break
            page.wait_for_timeout(500)
        else:
            raise AssertionError("the face sheet neither closed nor refused in 2 minutes")
        shot(page, f"face-{mode}-retry")  # the refusal in words (not for docs)
    raise AssertionError("the face step-up failed three times")


def test_a_face_only_step_up_on_a_purchase(server, page_of) -> None:
    base, ident = server["base"], server["people"]["gd-guangzhou"]
    with httpx.Client(base_url=base, timeout=60) as c:
        h = _open_account(c, ident, "e2e-face-buy")
        r = c.post("/api/v1/account/top-up", headers=h, json={
            "amount": "20000.00", "pin": PIN, "idempotency_key": uuid.uuid4().hex})
        assert r.status_code == 200, r.text
        staff = _risk_officer(c, server["data"])
        r = c.put("/admin/api/v1/risk/rules/WATCHLIST", headers=staff, json={
            "action": "step_up", "reason": "e2e: a listed phone re-verifies by face"})
        assert r.status_code == 200, r.text
        r = c.post("/admin/api/v1/risk/lists/phone", headers={**staff, "Content-Type": "text/csv"},
                   content=f"value,reason\n{ident['phone']},e2e\n".encode())
        assert r.status_code == 200 and r.json()["added"] == 1, r.text
        # the rule version is in force within seconds: the API answers face only now
        probe = c.post("/api/v1/deposits", headers=h, json={
            "product_code": "TD1Y", "amount": "10000.00", "pin": PIN,
            "idempotency_key": uuid.uuid4().hex})
        assert probe.status_code == 403, probe.text
        assert probe.json()["error"]["details"]["methods"] == ["face"], probe.text
    page = page_of(h["Authorization"].split()[1], ident["phone"])
    page.goto("/m/products/TD1Y/buy?amount=10000")
    page.locator(".agree").click()
    page.get_by_role("button", name="下一步").click()
    page.get_by_text("壹万元整").wait_for()
    page.get_by_role("button", name="确认购买").click()
    enter_pin(page, PIN)
    _pass_face_in_sheet(page, "step_up")
    page.get_by_text("购买成功").wait_for(timeout=30_000)
    done = page.locator(".done").inner_text()
    assert re.search(r"存单编号\s*3188\d{14}", done), done
    with httpx.Client(base_url=base, timeout=60) as c:
        holdings = c.get("/api/v1/deposits", headers=h).json()
    items = holdings.get("items", holdings) if isinstance(holdings, dict) else holdings
    assert [x["principal"] for x in items] == ["10000.00"], holdings


def _six_months_and_a_day(opened: date) -> date:
    years, month = divmod(opened.month - 1 + 6, 12)
    return date(opened.year + years, month + 1, min(opened.day, 28)) + timedelta(days=1)


def test_a_dormant_account_is_reactivated_by_face(server, page_of) -> None:
    """Suspended after six months without use: the account page says so; a top-up answers
    REVERIFICATION_REQUIRED, the face sheet lifts the suspension, and the PIN sheet comes back
    for the same top-up, which goes through."""
    base, ident = server["base"], server["people"]["gd-shenzhen"]
    with httpx.Client(base_url=base, timeout=900) as c:
        h = _open_account(c, ident, "e2e-face-dormant")
        opened = date.fromisoformat(c.get("/api/v1/account", headers=h).json()["opened_on"])
        r = c.post("/sandbox/clock", json={
            "business_date": _six_months_and_a_day(opened).isoformat()})
        assert r.status_code == 200, r.text
        account = c.get("/api/v1/account", headers=h).json()
        assert account["status"] == "non_counter_suspended", account
    page = page_of(h["Authorization"].split()[1], ident["phone"])
    page.goto("/m/account")
    banner = page.locator("[data-test=account-suspended]")
    banner.wait_for(timeout=20_000)
    assert "账户长期未使用" in banner.inner_text()
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)
    suspended = ARTIFACTS / "account-suspended.png"
    page.screenshot(path=str(suspended), animations="disabled")  # the screen, not the limits
    keep(suspended, "m-account-suspended")
    # a top-up: refused until re-verified, then the same top-up again with the PIN
    top_up_to_pin(page, "2.00")
    enter_pin(page, PIN)
    _pass_face_in_sheet(page, "reactivate")
    page.get_by_text("账户已恢复使用").first.wait_for(timeout=10_000)
    page.locator(".pin-key").first.wait_for(timeout=10_000)  # the same top-up, confirmed again
    enter_pin(page, PIN)
    page.get_by_text(re.compile(r"\d{8}H5\d{12}")).first.wait_for(timeout=15_000)
    page.goto("/m/account")
    page.locator(".status-tag").wait_for()
    assert page.locator(".status-tag").inner_text().strip() == "正常"
    assert page.locator("[data-test=account-suspended]").count() == 0
