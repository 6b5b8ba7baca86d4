"""The operations console in Debian's Chromium at a desktop viewport (1440×900), on the demo server:
the first admin comes from the CLI and logs in with a one-time password, a new password and TOTP;
creates a checker; finds a customer the demo opened; reveals the ID number with a reason; freezes
the account, which only a second person may release; approves an onboarding review (four eyes);
re-issues a receipt; reads the funnel and the KPIs. Every page is photographed."""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import ARTIFACTS, ROOT, keep, shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ADMIN_INDEX = ROOT / "src" / "opendeposit" / "web_dist" / "admin" / "index.html"
CUSTOMER_PHONE = "13800138000"  # 张三, opened and topped up by the demo
CUSTOMER_ID_NUMBER = "440305199001011237"
ROOT_PASSWORD = "Root-passw0rd-2026"
CHECKER_PASSWORD = "Checker-passw0rd-26"


# --------------------------------------------------------------------------- helpers


def snap(page: Any, name: str) -> None:
    """A screenshot into test-artifacts (and docs/screenshots with UPDATE_SCREENSHOTS=1): the
    whole page, or the screen while a dialog covers it (its mask is as tall as the screen)."""
    page.wait_for_timeout(300)  # transitions, charts
    if page.locator(".el-overlay:visible, .el-message-box__wrapper:visible").count():
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), animations="disabled")
    else:
        path = shot(page, name)
    keep(path, name)


def settle(page: Any) -> None:
    """Network quiet and no loading mask left on the page."""
    page.wait_for_load_state("networkidle")
    page.wait_for_function("!document.querySelector('.el-loading-mask')", timeout=30_000)


def totp(secret: str, ahead: int = 0) -> str:
    import pyotp

    return str(pyotp.TOTP(secret.replace(" ", "")).at(time.time() + ahead))


def reason_box(page: Any, reason: str, confirm: str) -> None:
    """Fill the reason dialog (ElMessageBox prompt) and confirm it."""
    box = page.locator(".od-reason-box")
    box.wait_for()
    box.locator("textarea").fill(reason)
    box.get_by_role("button", name=confirm).click()
    box.wait_for(state="hidden")


def confirm_box(page: Any) -> None:
    box = page.locator(".el-message-box")
    box.wait_for()
    box.get_by_role("button", name="确认").click()
    box.wait_for(state="hidden")


def toast(page: Any, kind: str) -> str:
    found = page.locator(f".el-message--{kind}").last
    found.wait_for(timeout=30_000)
    return str(found.inner_text())


PAGE_ERRORS: list[str] = []


def new_desk(browser: Any, base: str) -> Any:
    """A desktop browser window of its own (another staff member's session)."""
    ctx = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN",
                              base_url=base)
    page = ctx.new_page()
    page.on("pageerror", lambda e: PAGE_ERRORS.append(str(e)))
    return page


def log_in(page: Any, username: str, password: str, otp: str | None = None) -> None:
    page.goto("/admin/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("[data-test=login-submit]")
    if otp is not None:
        page.locator("input[name=otp]").wait_for()
        page.fill("input[name=otp]", otp)
        page.click("[data-test=login-submit]")


def go(page: Any, path: str, ready: str) -> None:
    page.goto(f"/admin{path}")
    page.locator(ready).first.wait_for(timeout=30_000)
    settle(page)


def cli(data_dir: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(OPENDEPOSIT_ENV="sandbox", OPENDEPOSIT_DATA_DIR=str(data_dir))
    exe = Path(sys.executable).parent / "opendeposit"
    done = subprocess.run([str(exe), *args], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=True)
    return done.stdout


def review_case(base: str) -> None:
    """An out-of-area applicant with a residence proof, through the customer API: the rules send
    the application to staff review (the same steps the H5 wizard takes)."""
    with httpx.Client(base_url=base, timeout=120) as c:
        ident = next(i for i in c.get("/sandbox/identities").json()["items"]
                     if i["key"] == "out-of-area")
        phone = ident["phone"]
        h = customer_token(c, phone, "e2e-console")
        start = c.post("/api/v1/onboarding", headers=h, json={
            "device_id": "e2e-console", "location": {"lat": 23.13, "lon": 113.26}})
        assert start.status_code == 201, start.text
        app = f"/api/v1/onboarding/{start.json()['id']}"
        front, back = (c.get(ident["images"][s]).content for s in ("front", "back"))
        r = c.post(f"{app}/id-card", headers=h, files={"front": ("f.jpg", front, "image/jpeg"),
                                                       "back": ("b.jpg", back, "image/jpeg")})
        assert r.status_code == 200, r.text
        f = r.json()["fields"]
        r = c.post(f"{app}/identity", headers=h, json={
            "name": f["name"], "id_number": f["id_number"], "id_valid_from": f["valid_from"],
            "id_valid_to": f["valid_to"] or "长期", "address": f["address"]})
        assert r.status_code == 200, r.text
        challenge = r.json()["challenge"]
        kit = c.post(f"/sandbox/identities/{ident['key']}/face-kit",
                     json={"actions": challenge["actions"]}).json()
        files = [("selfie", ("s.jpg", base64.b64decode(kit["selfie"]), "image/jpeg"))] + [
            ("frames", (f"{i}.jpg", base64.b64decode(x), "image/jpeg"))
            for i, x in enumerate(kit["frames"])]
        r = c.post(f"{app}/face", headers=h, files=files,
                   data={"face_consent_version": "2025.1", "nonce": challenge["nonce"]})
        assert r.status_code == 200, r.text
        r = c.post(f"{app}/residence-proof", headers=h, data={"kind": "residence_permit"},
                   files={"file": ("p.jpg", back, "image/jpeg")})
        assert r.status_code == 200, r.text
        r = c.post(f"{app}/card", headers=h, json={"card_number": ident["card_number"],
                                                   "phone": phone})
        assert r.status_code == 200, r.text
        sms = c.get(f"/sandbox/sms/{phone}").json()["code"]
        assert c.post(f"{app}/card/confirm", headers=h, json={"code": sms}).status_code == 200
        agreements = [{"id": a["id"], "version": a["version"]}
                      for a in c.get("/api/v1/onboarding/agreements").json()["items"]
                      if a["at_step"] == "submit"]
        r = c.post(f"{app}/submit", headers=h, json={"pin": "246810", "agreements": agreements})
        assert r.json()["status"] == "review", r.text


FUNNEL_EVENTS = (  # what the H5 tracker sends as visitors go further into the journey
    ("page_view", {"path": "/m/"}), ("login_succeeded", {}), ("account_open_started", {}),
    ("onboarding_step_completed", {"step": "face"}), ("account_opened", {}),
    ("deposit_bought", {"product_code": "TD1Y"}),
)


def customer_token(c: httpx.Client, phone: str, device: str) -> dict[str, str]:
    assert c.post("/api/v1/auth/sms-code", json={"phone": phone}).status_code < 300
    code = c.get(f"/sandbox/sms/{phone}").json()["code"]
    token = c.post("/api/v1/auth/login", json={"phone": phone, "code": code,
                                               "device_id": device}).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def buy_deposit(base: str) -> None:
    """The demo customer buys a one-year deposit, for the KPIs and a second receipt."""
    with httpx.Client(base_url=base, timeout=60) as c:
        h = customer_token(c, CUSTOMER_PHONE, "e2e-console-zhang")
        r = c.post("/api/v1/deposits", headers=h, json={
            "product_code": "TD1Y", "amount": "10000.00", "pin": "135790",
            "idempotency_key": "e2e-console-td1y"})
        assert r.status_code == 201, r.text


def visitors(base: str) -> None:
    """Twelve devices that stop at different steps of the journey, for the dashboards."""
    reached = (1, 1, 1, 2, 2, 3, 3, 4, 5, 5, 6, 6)  # how many funnel events each device sent
    with httpx.Client(base_url=base, timeout=30) as c:
        for i, depth in enumerate(reached):
            events = [{"name": name, "props": props} for name, props in FUNNEL_EVENTS[:depth]]
            r = c.post("/api/v1/events", json={"device_id": f"e2e-visitor-{i}", "events": events})
            assert r.status_code == 202, r.text


@pytest.fixture(scope="module")
def console(demo_server: str, demo_data_dir: Path) -> Iterator[dict[str, Any]]:
    if not ADMIN_INDEX.exists():
        pytest.skip("the console is not built (scripts/test builds it: cd web && npm run build)")
    out = cli(demo_data_dir, "staff", "create", "--username", "root", "--role", "admin")
    last = out.strip().splitlines()[-1]
    found = re.fullmatch(r"username=root password=(\S+)", last)
    assert found, out
    review_case(demo_server)
    visitors(demo_server)
    buy_deposit(demo_server)
    yield {"base": demo_server, "one_time": found.group(1)}


# --------------------------------------------------------------------------- the journey


def test_console_journey(browser: Any, console: dict[str, Any]) -> None:
    base = console["base"]
    page = new_desk(browser, base)

    # -- the first admin: one-time password → new password → MFA enrolment (QR) → console
    page.goto("/admin/")
    page.wait_for_url(re.compile(r".*/admin/login.*"))
    page.fill("input[name=username]", "root")
    page.fill("input[name=password]", console["one_time"])
    snap(page, "admin-login")
    page.click("[data-test=login-submit]")
    page.locator("input[name=new-password]").wait_for()
    page.fill("input[name=new-password]", ROOT_PASSWORD)
    page.fill("input[name=repeat-password]", ROOT_PASSWORD)
    snap(page, "admin-login-password-change")
    page.click("[data-test=password-submit]")
    page.locator("[data-test=mfa-secret]").wait_for()
    page.locator("img.od-qr").wait_for()
    snap(page, "admin-login-mfa-enrolment")
    secret = page.locator("[data-test=mfa-secret]").inner_text().replace(" ", "")
    page.fill("input[name=enrol-otp]", totp(secret))
    page.click("[data-test=mfa-submit]")
    page.wait_for_url(re.compile(r".*/admin/$"))

    # ... and logs in again the way every later day goes: password + the authenticator's code
    page.locator(".od-user").click()
    page.locator("[data-action=logout]").click()
    page.wait_for_url(re.compile(r".*/admin/login.*"))
    page.fill("input[name=username]", "root")
    page.fill("input[name=password]", ROOT_PASSWORD)
    page.click("[data-test=login-submit]")
    page.locator("input[name=otp]").wait_for()
    snap(page, "admin-login-totp")
    page.fill("input[name=otp]", totp(secret, ahead=30))  # the next code: each is used once
    page.click("[data-test=login-submit]")
    page.wait_for_url(re.compile(r".*/admin/$"))
    settle(page)
    snap(page, "admin-home")

    # -- create a checker (one-time password shown once)
    go(page, "/staff", "[data-test=staff-table]")
    page.click("[data-test=new-staff]")
    page.fill("input[name=new-username]", "chk-wang")
    page.fill("input[name=display-name]", "王复核")
    page.locator("[data-test=new-staff-roles]").get_by_text("复核员").click()
    snap(page, "admin-staff-new")
    page.click("[data-test=new-staff-submit]")
    checker_once = page.locator("[data-test=one-time-password]").inner_text().strip()
    assert len(checker_once) >= 10
    snap(page, "admin-staff-one-time-password")
    page.get_by_role("button", name="我已记下").click()
    page.locator("[data-test=staff-table]").get_by_text("chk-wang").wait_for()
    snap(page, "admin-staff")

    # -- find the customer the demo opened, reveal the ID number with a reason
    go(page, "/customers", "[data-test=customer-search]")
    page.fill("input[data-test=customer-search]", CUSTOMER_PHONE)
    page.click("[data-test=customer-search-submit]")
    results = page.locator("[data-test=customer-results]")
    results.get_by_text("138****8000").wait_for()
    assert CUSTOMER_PHONE not in results.inner_text()  # masked in the list
    snap(page, "admin-customers")
    results.get_by_text("138****8000").click()
    page.wait_for_url(re.compile(r".*/admin/customers/\d+$"))
    page.locator("[data-test=profile]").wait_for()
    settle(page)
    assert CUSTOMER_ID_NUMBER not in page.content()
    snap(page, "admin-customer")
    page.locator("[data-field=id_number] .od-reveal").click()
    page.locator(".od-reason-box textarea").wait_for()
    page.locator(".od-reason-box textarea").fill("客户临柜办理业务，核对身份证件")
    snap(page, "admin-customer-reveal-reason")
    page.locator(".od-reason-box").get_by_role("button", name="查看明文").click()
    revealed = page.locator("[data-field=id_number] [data-revealed]")
    revealed.wait_for()
    assert revealed.inner_text() == CUSTOMER_ID_NUMBER
    snap(page, "admin-customer-revealed")
    customer_url = page.url

    # -- freeze; the one who froze cannot release it
    page.click("[data-test=change-status]")
    page.locator("[data-test=status-options]").get_by_text("冻结").click()
    page.locator(".el-dialog textarea[name=reason]").fill("疑似电信诈骗涉案账户，依公安协查冻结")
    snap(page, "admin-customer-freeze")
    page.click("[data-test=status-submit]")
    page.locator("[data-test=account-status][data-status=frozen]").wait_for()
    settle(page)
    snap(page, "admin-customer-frozen")
    assert page.locator("[data-test=release-freeze]").is_disabled()  # four eyes: not the freezer
    assert "由您冻结" in page.locator(".od-frozen-note").inner_text()

    # -- the admin proposes a rate change; it waits for a second approver
    go(page, "/rates", "[data-test=rate-changes]")
    page.click("[data-test=propose-rate]")
    dialog = page.locator(".el-dialog:visible")
    dialog.get_by_placeholder("1.20").fill("1.25")
    dialog.get_by_placeholder("1.45").fill("2.25")
    dialog.get_by_placeholder("如：总行利率调整通知").fill("总行利率调整通知（演示）")
    snap(page, "admin-rates-propose")
    dialog.get_by_role("button", name="提交复核").click()
    page.locator("[data-test=rate-changes] tbody tr").first.wait_for()
    assert page.locator("[data-test=rate-approve]").first.is_disabled()  # not the proposer

    # -- a second person (the new checker) releases it, after their own first login
    other = new_desk(browser, base)
    log_in(other, "chk-wang", checker_once)
    other.locator("input[name=new-password]").wait_for()
    other.fill("input[name=new-password]", CHECKER_PASSWORD)
    other.fill("input[name=repeat-password]", CHECKER_PASSWORD)
    other.click("[data-test=password-submit]")
    other.wait_for_url(re.compile(r".*/admin/$"))
    other.goto(customer_url)
    other.locator("[data-test=release-freeze]").wait_for()
    other.click("[data-test=release-freeze]")
    reason_box(other, "协查解除，经复核解除冻结", "解除冻结")
    other.locator("[data-test=account-status][data-status=normal]").wait_for()
    settle(other)
    snap(other, "admin-customer-released")
    other.get_by_role("tab", name=re.compile("账户流水")).click()
    other.locator(".el-tab-pane:visible").get_by_text("充值").first.wait_for()
    snap(other, "admin-customer-statement")
    other.get_by_role("tab", name=re.compile("电子回单")).click()
    snap(other, "admin-customer-receipts")

    # ... and approves the admin's rate change (maker–checker)
    go(other, "/rates", "[data-test=rate-changes] tbody tr")
    other.locator("[data-test=rate-approve]").first.click()
    confirm_box(other)
    assert "批准" in toast(other, "success")
    settle(other)
    snap(other, "admin-rates")

    # -- onboarding review: the checker approves first, the admin gives the final approval
    go(other, "/reviews", "[data-test=reviews]")
    snap(other, "admin-reviews")
    other.locator("[data-test=reviews] tbody tr").first.click()
    other.locator("[data-test=review-approve]").wait_for()
    other.locator(".od-figure img").first.wait_for(timeout=30_000)
    settle(other)
    snap(other, "admin-review")
    other.fill("input[name=note]", "居住证核验无误")
    other.click("[data-test=review-approve]")
    other.locator("[data-test=review-status][data-status=second_approval]").wait_for()
    review_url = other.url
    other.context.close()

    page.goto(review_url)
    page.locator("[data-test=review-approve]").wait_for()
    page.fill("input[name=note]", "终审通过")
    page.click("[data-test=review-approve]")
    page.locator("[data-test=review-status][data-status=approved]").wait_for()
    assert "开户" in toast(page, "success")
    settle(page)
    snap(page, "admin-review-approved")

    # -- the new customer's page: onboarding evidence; an image opens only with a reason
    go(page, "/customers?q=13900139002", "[data-test=customer-results]")
    page.locator("[data-test=customer-results]").get_by_text("139****9002").click()
    page.locator("[data-test=profile]").wait_for()
    page.get_by_role("tab", name=re.compile("开户资料")).click()
    evidence = page.locator(".el-tab-pane:visible [data-test=evidence]")
    evidence.wait_for()
    evidence.locator("tr:has(.od-ev-img) .el-table__expand-icon").first.click()  # an image
    page.locator("[data-test=evidence-view]").first.click()
    reason_box(page, "核对开户证件影像", "查看影像")
    page.locator(".el-tab-pane:visible .od-evidence-img img").first.wait_for()
    settle(page)
    snap(page, "admin-customer-onboarding")

    # -- re-issue a receipt of the customer, with a reason
    go(page, "/receipts", "[data-test=receipt-table]")
    first = page.locator("[data-test=receipt-table] tbody tr").first
    for _ in range(30):  # the newest receipt may still be at the signer
        first.wait_for()
        if first.locator("[data-test=reissue]").count():
            break
        page.wait_for_timeout(1000)
        page.reload()
    old_no = first.locator(".od-mono").first.inner_text().strip()
    snap(page, "admin-receipts")
    first.locator("[data-test=view-pdf]").click()
    page.locator(".od-pdf-frame").wait_for(timeout=30_000)
    page.wait_for_timeout(1500)
    snap(page, "admin-receipt-pdf")
    page.get_by_role("button", name="关闭").last.click()
    first.locator("[data-test=reissue]").click()
    reason_box(page, "客户遗失回单，申请重新出具", "重新开具")
    notice = page.locator("[data-test=reissued]")
    notice.wait_for()
    new_no = re.search(r"HD\d+", notice.inner_text()).group(0)
    assert new_no != old_no
    for _ in range(60):  # the new receipt is signed through the bus within seconds
        page.reload()
        page.locator("[data-test=receipt-table] tbody tr").first.wait_for()
        if page.locator("[data-test=receipt-table]").get_by_text(new_no).count() and \
                page.locator("[data-test=receipt-table] [data-status=superseded]").count():
            break
        page.wait_for_timeout(1000)
    else:
        pytest.fail(f"{old_no} not shown as superseded by {new_no}")
    settle(page)
    snap(page, "admin-receipts-reissued")

    # -- the funnel and the KPIs
    go(page, "/analytics", "[data-test=funnel] .el-table__row")
    page.locator("[data-test=kpis] [data-kpi=accounts_opened]").wait_for()
    page.locator("[data-test=funnel] canvas").wait_for()
    funnel = page.locator("[data-test=funnel]").inner_text()
    for step in ("访问", "开立账户", "首次存入"):
        assert step in funnel, funnel
    rows = page.locator("[data-test=funnel] .el-table__row")
    assert rows.first.locator("td").nth(1).inner_text() == "12"  # the twelve visitors
    assert rows.nth(5).locator("td").nth(1).inner_text() == "2"  # two of them bought
    opened = page.locator("[data-kpi=accounts_opened] .od-kpi-value").inner_text()
    assert int(opened) >= 3  # two demo customers and the approved applicant
    snap(page, "admin-analytics")

    # -- every other page once, as the admin sees it
    for path, ready, name in (
        ("/products", "[data-test=products]", "admin-products"),
        ("/esb", ".el-table", "admin-esb"),
        ("/batches", "[data-test=business-date]", "admin-batches"),
        ("/audit", ".el-table", "admin-audit"),
        ("/risk/alerts", ".el-card", "admin-risk-alerts"),
        ("/risk/rules", ".el-card", "admin-risk-rules"),
        ("/risk/lists", ".el-card", "admin-risk-lists"),
        ("/risk/holds", ".el-card", "admin-risk-holds"),
        ("/risk/large-value", ".el-card", "admin-risk-large-value"),
        ("/security", ".el-card", "admin-security"),
    ):
        go(page, path, ready)
        snap(page, name)
    go(page, "/batches", "[data-test=business-date]")
    day = page.locator("[data-test=business-date]").inner_text()
    page.click("[data-test=run-eod]")
    confirm_box(page)
    assert day in toast(page, "success")
    page.locator(".el-table__row").first.wait_for()
    settle(page)
    snap(page, "admin-batches-eod")
    go(page, "/audit", ".el-table")
    for code, words in (("pii.reveal", "查看明文信息"), ("account.status", "变更账户状态"),
                        ("receipt.reissue", "重新开具回单")):
        page.get_by_placeholder("操作，如 pii.reveal").fill(code)
        page.get_by_role("button", name="查询").click()
        page.locator(".el-table__row").filter(has_text=words).first.wait_for()
    page.get_by_placeholder("操作，如 pii.reveal").fill("")
    page.get_by_role("button", name="查询").click()
    settle(page)
    page.click("[data-test=audit-verify]")
    page.locator(".el-alert--success").wait_for()
    page.locator(".od-lang").get_by_text("English").click()
    go(page, "/analytics", "[data-test=funnel] .el-table__row")
    assert "Account-opening funnel" in page.content()
    snap(page, "admin-analytics-en")
    page.context.close()
    assert PAGE_ERRORS == []
