"""The whole customer journey on a 360×740 phone, against the real demo server:

new phone 13900139000 → SMS login → remote account opening with a sandbox identity's generated
ID-card photos and face kit (through the app's own file inputs) → bind the card with its SMS
code → PIN twice → opened → top up → buy a time deposit from the home page (trial, PIN) → the
signed e-receipt and its PDF → the public verification page (PDF: genuine; number + code) →
a partial early withdrawal → the statement. Then the funnel the staff see must count this
phone's device once at every step.

Every page is screenshotted (test-artifacts/screenshots; docs/screenshots with
UPDATE_SCREENSHOTS=1). The KYC models load on the first ID-card upload, so that step gets a
long timeout; the card's SMS code is asked for at once (its limit is its own, not the login's).
"""

from __future__ import annotations

import base64
import json
import random
import re
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import enter_pin, keep, shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE, PIN = "13900139000", "135790"
IDENTITY = "gd-shenzhen"  # 张伟, Shenzhen; its card's reserved mobile is PHONE
FUNNEL_STEPS = ["visit", "registered", "kyc_started", "kyc_passed", "account_opened",
                "first_deposit"]


# --------------------------------------------------------------------------- HTTP helpers


def http(base: str, method: str, path: str, body: Any = None, token: str | None = None,
         timeout: float = 120) -> Any:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=timeout) as res:
        raw = res.read()
        return json.loads(raw) if res.headers.get_content_type() == "application/json" else raw


def staff_token(base: str, data_dir: Path) -> str:
    """Log in as the demo checker (admins need TOTP) with the password the demo keeps in
    demo-staff.txt."""
    pairs = dict(line.split(" ", 1) for line in
                 (data_dir / "demo-staff.txt").read_text().splitlines() if " " in line)
    answer = http(base, "POST", "/admin/api/v1/auth/login",
                  {"username": "checker", "password": pairs["checker"]})
    return str(answer["token"])


def funnel(base: str, token: str) -> dict[str, int]:
    """Devices per funnel step, and the receipt checks of the KPIs."""
    steps = http(base, "GET", "/admin/api/v1/analytics/funnel", token=token)["steps"]
    kpis = http(base, "GET", "/admin/api/v1/analytics/kpis", token=token)
    return {**{str(s["step"]): int(s["devices"]) for s in steps},
            "receipts_queried": int(kpis["receipts_queried"])}


# --------------------------------------------------------------------------- page helpers


def settle(page) -> None:  # type: ignore[no-untyped-def]
    """Let the page finish loading and its toasts fade before a screenshot."""
    page.wait_for_load_state("networkidle")
    page.wait_for_function("[...document.querySelectorAll('.van-toast')]"
                           ".every(e => getComputedStyle(e).display === 'none')", timeout=8_000)
    page.wait_for_timeout(300)


def snap(page, name: str) -> None:  # type: ignore[no-untyped-def]
    settle(page)
    keep(shot(page, name), name)


def face_step_passed(page) -> bool:  # type: ignore[no-untyped-def]
    """After "提交核验": True on the card page, False when the face page shows a refusal."""
    page.locator(".open-page[data-page='card'], .face-step .step-error").first.wait_for(
        timeout=120_000)
    return page.locator(".open-page[data-page='card']").count() == 1


def wait_page(page, name: str, timeout: float = 30_000) -> None:  # type: ignore[no-untyped-def]
    """Wait for the wizard to show page `name`; on failure say what the page shows instead."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.locator(f".open-page[data-page='{name}']").wait_for(timeout=timeout)
    except PlaywrightTimeout:
        shot(page, f"failed-waiting-for-{name}")
        now = page.locator(".open-page").get_attribute("data-page")
        errors = page.locator(".step-error, .error, .van-toast").all_inner_texts()
        raise AssertionError(f"wizard on {now!r}, not {name!r}; messages: {errors}") from None


# --------------------------------------------------------------------------- the journey


def test_new_customer_journey_and_funnel(phone_page, demo_server, demo_data_dir,
                                         tmp_path) -> None:
    page, base = phone_page, demo_server
    admin = staff_token(base, demo_data_dir)
    before = funnel(base, admin)
    ident = next(i for i in http(base, "GET", "/sandbox/identities")["items"]
                 if i["key"] == IDENTITY)
    for side in ("front", "back"):
        (tmp_path / f"{side}.jpg").write_bytes(http(base, "GET", ident["images"][side]))

    # --- log in with a phone that has no account yet; the account page offers to open one
    page.goto("/m/account")
    page.wait_for_url(re.compile(r".*/m/login.*"))
    page.get_by_placeholder("请输入11位手机号").fill(PHONE)
    page.get_by_role("button", name="获取验证码").click()
    page.get_by_text("查看短信（沙箱）").click()
    page.wait_for_function("document.querySelector('input[autocomplete=one-time-code]')"
                           ".value.length === 6")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r".*/m/account$"))
    page.get_by_text("您还没有电子账户").wait_for()
    snap(page, "m-account-none")
    page.get_by_role("button", name="开立账户").click()

    # --- start
    wait_page(page, "start")
    page.locator("[data-identity='gd-shenzhen']").wait_for(timeout=90_000)  # sandbox panel
    snap(page, "m-open-0-start")
    page.get_by_role("button", name="开始开户").click()

    # --- ID card: both sides through the real file inputs
    wait_page(page, "idcard")
    page.locator("input[data-photo='front']").set_input_files(str(tmp_path / "front.jpg"))
    page.locator("input[data-photo='back']").set_input_files(str(tmp_path / "back.jpg"))
    page.locator("[data-photo-tile='back'] img.preview").wait_for()
    snap(page, "m-open-1-idcard")
    page.get_by_role("button", name="上传并识别").click()

    # --- the recognised fields, editable
    wait_page(page, "identity", timeout=240_000)  # the OCR models load on first use
    assert page.locator("input[name='name']").input_value() == ident["name"]
    assert page.locator("input[name='id_number']").input_value() == ident["id_number"]
    assert page.locator("input[name='valid_to']").input_value() == ident["id_valid_to"]
    snap(page, "m-open-2-identity")
    page.get_by_role("button", name="确认无误").click()

    # --- the separate face-data consent; leaving and coming back resumes the application here
    wait_page(page, "consent", timeout=60_000)
    page.reload()
    wait_page(page, "consent")
    page.get_by_text("人脸信息处理单独同意书").first.wait_for()
    confirm = page.get_by_role("button", name="同意并继续")
    assert confirm.is_disabled()
    page.locator(".consent-step .agree").click()
    snap(page, "m-open-3-consent")
    confirm.click()

    # --- face: the challenge's actions, a selfie and one frame per action from the face kit.
    # The kit is a warped still photo: now and then a frame is not seen as its action, exactly
    # as a person may fail one; the app then shows the next challenge and the test tries again.
    wait_page(page, "face")
    for attempt in range(3):
        page.locator("li.action[data-action]").nth(1).wait_for()
        actions = [a for a in page.locator("li.action[data-action]").evaluate_all(
            "els => els.map(e => e.dataset.action)") if a != "selfie"]
        assert actions, "no liveness challenge shown"
        nonce = page.locator("ol.action-list").get_attribute("data-nonce")
        kit = http(base, "POST", ident["face_kit"], {"actions": actions, "mirrored": False,
                                                     "nonce": nonce,  # signed for it
                                                     "seed": random.randint(0, 999_999)})
        (tmp_path / "selfie.jpg").write_bytes(base64.b64decode(kit["selfie"]))
        page.locator("input[data-photo='selfie']").set_input_files(str(tmp_path / "selfie.jpg"))
        for i, frame in enumerate(kit["frames"]):
            path = tmp_path / f"frame-{attempt}-{i}.jpg"
            path.write_bytes(base64.b64decode(frame))
            page.locator(f"input[data-photo='frame-{i}']").set_input_files(str(path))
        page.locator(f"[data-photo-tile='frame-{len(actions) - 1}'] img.preview").wait_for()
        if attempt == 0:
            snap(page, "m-open-4-face")
        page.locator(".face-step .step-error").wait_for(state="detached")  # new photos
        page.get_by_role("button", name="提交核验").click()
        if face_step_passed(page):
            break
        shot(page, "face-retry")  # the refusal in words and the next challenge (not for docs)
    else:
        raise AssertionError("the face step failed three times")

    # --- bind the card: five-element check, then the SMS code (one SMS a minute per phone)
    wait_page(page, "card")
    page.locator("input[name='card_number']").fill(ident["card_number"])
    assert page.locator("input[name='phone']").input_value() == PHONE
    send = page.get_by_role("button", name="获取验证码")
    assert send.is_enabled()  # the login code a minute ago does not hold the card's code back
    snap(page, "m-open-5-card-start")
    send.click()
    page.get_by_text("验证码已发送至").wait_for(timeout=30_000)
    page.get_by_text("查看短信（沙箱）").click()
    page.wait_for_function("document.querySelector('input[name=code]').value.length === 6")
    snap(page, "m-open-5-card")
    page.get_by_role("button", name="下一步").click()

    # --- agreements, each ticked
    wait_page(page, "agreements")
    page.locator("[data-agreement]").first.wait_for()
    for box in page.locator("[data-agreement] .van-checkbox").all():
        box.click()
    snap(page, "m-open-6-agreements")
    page.get_by_role("button", name="同意协议，设置交易密码").click()

    # --- the PIN twice on the secure keypad; the second entry submits
    wait_page(page, "pin")
    enter_pin(page, PIN)
    page.locator(".pin-heading[data-phase='2']").wait_for()
    snap(page, "m-open-7-pin")
    enter_pin(page, PIN)
    page.locator(".open-result[data-result='opened']").wait_for(timeout=60_000)
    result = page.locator(".open-result").inner_text()
    assert re.search(r"\d{4} \*{4} \*{4} \d{4}", result), result  # masked account number
    assert ident["card_number"][-4:] in result
    snap(page, "m-open-8-opened")

    # --- top up from the bound card
    page.get_by_role("button", name="去充值").click()
    page.wait_for_url(re.compile(r".*/m/account/top-up$"))
    page.locator("input").first.fill("20000")
    page.get_by_role("button", name="下一步").click()
    page.get_by_role("button", name=re.compile("确认")).click()
    enter_pin(page, PIN)
    page.get_by_text(re.compile("充值成功")).first.wait_for(timeout=20_000)
    snap(page, "m-journey-top-up-done")

    # --- a time deposit from the home page: trial, confirmation, PIN
    page.goto("/m/")
    page.locator(".product-card").first.wait_for()
    snap(page, "m-home-logged-in")
    page.locator(".product-card", has_text="1年期整存整取").click()
    page.wait_for_url(re.compile(r".*/m/products/TD1Y$"))
    amount = page.locator(".product-page input").first
    amount.fill("10000")
    page.get_by_text("到期利息").first.wait_for()
    page.wait_for_function("!document.querySelector('.product-page .van-loading')")
    snap(page, "m-product-trial")
    page.get_by_role("button", name="立即购买").click()
    page.wait_for_url(re.compile(r".*/m/products/TD1Y/buy.*"))
    page.locator(".agree").click()
    page.get_by_role("button", name="下一步").click()
    page.get_by_text("壹万元整").wait_for()
    page.wait_for_function("!document.querySelector('.confirm-card .van-loading')")
    confirm_text = page.locator(".confirm-card").inner_text()
    assert re.search(r"到期利息\s*¥\d", confirm_text), confirm_text  # the trial's interest
    snap(page, "m-buy-confirm")
    page.get_by_role("button", name="确认购买").click()
    enter_pin(page, PIN)
    page.get_by_text("购买成功").wait_for(timeout=20_000)
    done = page.locator(".done").inner_text()
    # 存单编号: bank code 3188 + year + 10 digits; 交易流水号: Beijing date + H5 + 12 digits
    assert re.search(r"存单编号\s*3188\d{14}", done), done
    assert re.search(r"交易流水号\s*\d{8}H5\d{12}", done), done
    snap(page, "m-buy-done")

    # --- the signed receipt (signed asynchronously, within seconds)
    page.goto("/m/receipts")
    purchase = page.locator(".receipt-cell", has_text="存款开户回单")
    for _ in range(30):
        page.wait_for_load_state("networkidle")
        if purchase.count():
            break
        page.wait_for_timeout(1000)
        page.reload()
    assert purchase.count() == 1, page.locator(".receipts-page").inner_text()
    snap(page, "m-receipts")
    purchase.click()
    page.locator(".paper").wait_for()
    receipt_no = page.locator(".paper .kv-row", has_text="回单编号").locator("dd").inner_text()
    code = page.locator(".paper .kv-row", has_text="验证码").locator("dd").inner_text()
    assert re.fullmatch(r"[0-9A-Z]{6}", code), code
    paper = page.locator(".paper").inner_text()
    assert "¥10,000.00" in paper and "1年期整存整取" in paper and "付款账号" in paper, paper
    assert "fields version" not in paper and "ledger" not in paper.lower(), paper
    assert re.search(r"存单编号\s*3188\d{14}", paper), paper
    assert re.search(r"交易流水号\s*\d{8}H5\d{12}", paper), paper
    snap(page, "m-receipt")
    with page.expect_popup() as popup_info:
        page.get_by_role("button", name="查看PDF").click()
    popup = popup_info.value
    popup.wait_for_function("location.href.startsWith('blob:')", timeout=20_000)
    pdf_b64 = popup.evaluate("""async () => {
        const buf = await (await fetch(location.href)).arrayBuffer()
        let s = ''; for (const b of new Uint8Array(buf)) s += String.fromCharCode(b)
        return btoa(s)
    }""")
    popup.close()
    pdf = base64.b64decode(pdf_b64)
    assert pdf.startswith(b"%PDF"), pdf[:20]
    (tmp_path / "receipt.pdf").write_bytes(pdf)

    # --- the public verification page: the PDF, then number + code
    page.goto("/m/verify")
    page.get_by_role("tab", name="上传PDF").click()
    page.locator(".upload-card input[type=file]").set_input_files(str(tmp_path / "receipt.pdf"))
    page.locator(".verdict.ok").wait_for(timeout=60_000)
    verdict = page.locator(".verdict").inner_text()
    assert "真实有效" in verdict and receipt_no in verdict and "¥10,000.00" in verdict, verdict
    snap(page, "m-verify-pdf")
    page.get_by_role("tab", name="回单号 + 验证码").click()
    page.get_by_placeholder("请输入回单编号").fill(receipt_no)
    page.get_by_placeholder("6位验证码").fill(code)
    page.get_by_role("button", name="立即核验").click()
    page.locator(".verdict.ok").wait_for(timeout=20_000)
    assert "回单存在" in page.locator(".verdict").inner_text()
    snap(page, "m-verify-code")

    # --- withdraw part of the deposit early
    page.goto("/m/deposits")
    page.locator(".holding").first.click()
    page.wait_for_url(re.compile(r".*/m/deposits/\d+$"))
    page.get_by_role("radio", name="部分支取").click()
    page.locator(".partial-field input").fill("3000")
    page.get_by_text("可得利息").wait_for()
    snap(page, "m-deposit-partial")
    page.get_by_role("button", name="部分支取").last.click()
    enter_pin(page, PIN)
    page.get_by_text("支取成功").wait_for(timeout=20_000)
    page.locator(".hero", has_text="¥7,000.00").wait_for()  # reloaded: ¥3,000 left the holding
    # nothing is chosen for the customer afterwards: no 全部支取 waiting with a big button
    assert page.locator(".van-radio__icon--checked").count() == 0
    assert page.get_by_role("button", name="全部支取").count() == 0
    page.get_by_text("请选择支取方式").wait_for()
    snap(page, "m-deposit-partial-done")

    # --- the statement shows every booking
    page.goto("/m/account/transactions")
    page.get_by_text("+20,000.00").first.wait_for(timeout=10_000)
    statement = page.locator(".app-main").inner_text()
    assert "\u221210,000.00" in statement and "+3,000.00" in statement, statement  # minus sign
    assert "定期支取" in statement and "deposit payout" not in statement, statement
    snap(page, "m-statement-journey")

    # --- the funnel: this device reached every step. The tracker sends what it queued every
    # 5 s and, with sendBeacon, whenever a page goes away (each page.goto above did that);
    # the staff endpoint writes the intake buffer before counting, so poll it for a while.
    page.goto("/m/")
    page.wait_for_load_state("networkidle")
    after: dict[str, int] = {}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        after = funnel(base, admin)
        if all(after.get(s, 0) > before.get(s, 0) for s in [*FUNNEL_STEPS, "receipts_queried"]):
            break
        time.sleep(1)
    gained = {s: after.get(s, 0) - before.get(s, 0) for s in [*FUNNEL_STEPS, "receipts_queried"]}
    # Only this journey opens an account, buys and verifies; earlier steps may also have been
    # reached by other tests' devices on the shared demo server.
    assert gained["account_opened"] == gained["first_deposit"] == 1, (before, after)
    assert gained["receipts_queried"] >= 1, (before, after)  # by code, then by the PDF
    assert gained["visit"] >= 1 and gained["registered"] >= 1, (before, after)
    assert gained["kyc_started"] >= 1 and gained["kyc_passed"] >= 1, (before, after)
    assert after["visit"] >= after["registered"] >= after["kyc_started"] >= after["kyc_passed"] \
        >= after["account_opened"] >= after["first_deposit"], after


# --------------------------------------------------------------------------- sandbox panel


def test_sandbox_identity_with_residence_proof_goes_to_review(browser, demo_server,
                                                              tmp_path) -> None:
    """A person without documents picks the sandbox's Beijing-issued identity in the panel: its
    card images and face kit go through the same steps; a wrong side is refused with a retake
    message; located in Shenzhen, the bank asks for a proof of residence, and with it the
    application goes to staff review."""
    base = demo_server
    ident = next(i for i in http(base, "GET", "/sandbox/identities")["items"]
                 if i["key"] == "out-of-area")
    (tmp_path / "back.jpg").write_bytes(http(base, "GET", ident["images"]["back"]))
    (tmp_path / "front.jpg").write_bytes(http(base, "GET", ident["images"]["front"]))
    # bypass_csp as in conftest.phone_page: wait_for_function evaluates strings (no eval in
    # the app's CSP); test_h5_csp.py runs the app with its CSP enforced
    ctx = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2,
                              locale="zh-CN", is_mobile=True, has_touch=True, base_url=base,
                              geolocation={"latitude": 22.5431, "longitude": 114.0579},
                              permissions=["geolocation"], bypass_csp=True)
    page = ctx.new_page()
    try:
        page.goto("/m/open")
        page.wait_for_url(re.compile(r".*/m/login.*"))
        page.get_by_placeholder("请输入11位手机号").fill(ident["phone"])
        page.get_by_role("button", name="获取验证码").click()
        page.get_by_text("查看短信（沙箱）").click()
        page.wait_for_function("document.querySelector('input[autocomplete=one-time-code]')"
                               ".value.length === 6")
        page.get_by_role("button", name="登录").click()
        wait_page(page, "start")

        # --- pick the identity in the panel and share the location
        page.locator("[data-identity='out-of-area'] button").click(timeout=90_000)
        page.get_by_text("允许获取我的位置").click()
        page.get_by_role("button", name="开始开户").click()
        wait_page(page, "idcard")
        for side in ("front", "back"):
            page.locator(f"[data-photo-tile='{side}'] img.preview").wait_for(timeout=30_000)

        # --- the wrong side as the portrait side: refused, with a retake message on that photo
        page.locator("input[data-photo='front']").set_input_files(str(tmp_path / "back.jpg"))
        page.get_by_role("button", name="上传并识别").click()
        page.locator("[data-photo-tile='front'] .error").wait_for(timeout=240_000)
        assert "正反面放错" in page.locator("[data-photo-tile='front'] .error").inner_text()
        assert "重新拍摄" in page.locator(".step-error").inner_text()
        snap(page, "m-open-1-idcard-retake")
        page.locator("input[data-photo='front']").set_input_files(str(tmp_path / "front.jpg"))
        page.get_by_role("button", name="上传并识别").click()

        wait_page(page, "identity", timeout=120_000)
        assert page.locator("input[name='name']").input_value() == ident["name"]
        page.get_by_role("button", name="确认无误").click()
        wait_page(page, "consent", timeout=60_000)
        page.locator(".consent-step .agree").click()
        page.get_by_role("button", name="同意并继续").click()

        # --- the face kit of the picked identity, fetched by the app itself
        wait_page(page, "face")
        for _ in range(3):
            page.get_by_text(f"使用沙箱人脸素材（{ident['name']}）").click()
            page.locator("[data-photo-tile='frame-2'] img.preview").wait_for(timeout=90_000)
            page.locator(".face-step .step-error").wait_for(state="detached")
            page.get_by_role("button", name="提交核验").click()
            if face_step_passed(page):
                break
        else:
            raise AssertionError("the face step failed three times")

        # --- the card number comes from the identity; its SMS code is asked for at once
        wait_page(page, "card")
        assert page.locator("input[name='card_number']").input_value().replace(" ", "") \
            == ident["card_number"]
        page.get_by_role("button", name="获取验证码").click()
        page.get_by_text("验证码已发送至").wait_for(timeout=30_000)
        page.get_by_text("查看短信（沙箱）").click()
        page.wait_for_function("document.querySelector('input[name=code]').value.length === 6")
        page.get_by_role("button", name="下一步").click()

        wait_page(page, "agreements")
        page.locator("[data-agreement]").first.wait_for()
        for box in page.locator("[data-agreement] .van-checkbox").all():
            box.click()
        page.get_by_role("button", name="同意协议，设置交易密码").click()
        wait_page(page, "pin")
        enter_pin(page, PIN)
        page.locator(".pin-heading[data-phase='2']").wait_for()
        enter_pin(page, PIN)

        # --- asked for a proof of residence, back on the agreements page
        wait_page(page, "agreements", timeout=30_000)
        page.locator(".proof-card").wait_for()
        assert "服务区域" in page.locator(".step-error").inner_text()
        page.locator("input[data-photo='proof']").set_input_files(str(tmp_path / "back.jpg"))
        page.get_by_role("button", name="上传证明").click()
        page.get_by_text("居住证明已上传").wait_for(timeout=30_000)
        snap(page, "m-open-6-proof")
        page.get_by_role("button", name="同意协议，设置交易密码").click()
        wait_page(page, "pin")
        enter_pin(page, PIN)
        page.locator(".pin-heading[data-phase='2']").wait_for()
        enter_pin(page, PIN)

        page.locator(".open-result[data-result='review']").wait_for(timeout=60_000)
        assert "居住证明待审核" in page.locator(".open-result").inner_text()
        snap(page, "m-open-8-review")

        # --- coming back later shows the same answer (GET /onboarding/current)
        page.goto("/m/open")
        page.locator(".open-result[data-result='review']").wait_for(timeout=30_000)
    finally:
        ctx.close()
