"""The operations console in Debian's Chromium at a desktop viewport (1440×900), on the demo server:
the first admin comes from the CLI and logs in with a one-time password, a new password and TOTP;
creates a checker; finds a customer the demo opened; reveals the ID number with a reason; freezes
the account, which only a second person may release; approves an onboarding review (four eyes);
re-issues a receipt; reads the funnel and the KPIs. Every page is photographed."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import ARTIFACTS, ROOT, keep, running_demo, shot
from tests.e2e.console_support import (
    CUSTOMER_PHONE,
    buy_deposit,
    cli,
    review_case,
    visitors,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ADMIN_INDEX = ROOT / "src" / "opendeposit" / "web_dist" / "admin" / "index.html"
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
    """Network quiet and no loading mask left (no string evaluation: the console's CSP is on)."""
    page.wait_for_load_state("networkidle")
    masks = page.locator(".el-loading-mask")
    for _ in range(50):
        if not masks.count():
            return
        masks.first.wait_for(state="detached", timeout=30_000)


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
    """A desktop browser window of its own (another staff member's session), with the app's CSP
    enforced: a violation (a blocked frame, script or image) fails the test."""
    ctx = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN",
                              base_url=base)
    page = ctx.new_page()
    page.on("pageerror", lambda e: PAGE_ERRORS.append(str(e)))
    page.on("console", lambda m: PAGE_ERRORS.append(m.text)
            if "Content Security Policy" in m.text else None)  # the app runs under its CSP
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


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A demo server of its own (the journey closes the business day and opens the sandbox
    applicant's account, which the H5 tests on the session's demo server must not see), its
    first admin from the CLI, an application in review, a deposit and a dozen visitors."""
    if not ADMIN_INDEX.exists():
        pytest.skip("the console is not built (scripts/test builds it: cd web && npm run build)")
    data = tmp_path_factory.mktemp("console-demo")
    with running_demo(data) as base:
        out = cli(data, "staff", "create", "--username", "root", "--role", "admin")
        found = re.fullmatch(r"username=root password=(\S+)", out.strip().splitlines()[-1])
        assert found, out
        review_case(base)
        visitors(base)
        buy_deposit(base)
        yield {"base": base, "one_time": found.group(1)}


def test_console_journey(browser: Any, console: dict[str, Any]) -> None:
    base = console["base"]
    page = new_desk(browser, base)
    first_admin_logs_in(page, console["one_time"])
    checker_once = admin_creates_a_checker(page)
    customer_url = admin_reveals_and_freezes(page)
    admin_proposes_a_rate(page)
    other = new_desk(browser, base)
    review_url = checker_releases_and_approves(other, checker_once, customer_url)
    admin_opens_the_account(page, review_url)
    admin_reissues_a_receipt(page)
    admin_reads_the_dashboards(page)
    every_other_page(page)
    admin_closes_the_day_and_checks_the_audit_log(page)
    page.locator(".od-lang").get_by_text("English").click()
    go(page, "/analytics", "[data-test=funnel] .el-table__row")
    assert "Account-opening funnel" in page.content()
    snap(page, "admin-analytics-en")
    page.context.close()
    assert PAGE_ERRORS == []


def first_admin_logs_in(page: Any, one_time: str) -> None:
    """One-time password from the CLI → new password → MFA enrolment (QR) → the console; then
    the way every later day goes: password and the authenticator's code."""
    page.goto("/admin/")
    page.wait_for_url(re.compile(r".*/admin/login.*"))
    page.fill("input[name=username]", "root")
    page.fill("input[name=password]", one_time)
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


def admin_creates_a_checker(page: Any) -> str:
    """→ the checker's one-time password, shown once."""
    go(page, "/staff", "[data-test=staff-table]")
    page.click("[data-test=new-staff]")
    page.fill("input[name=new-username]", "chk-wang")
    page.fill("input[name=display-name]", "王复核")
    page.locator("[data-test=new-staff-roles]").get_by_text("复核员").click()
    snap(page, "admin-staff-new")
    page.click("[data-test=new-staff-submit]")
    checker_once = str(page.locator("[data-test=one-time-password]").inner_text()).strip()
    assert len(checker_once) >= 10
    snap(page, "admin-staff-one-time-password")
    page.get_by_role("button", name="我已记下").click()
    page.locator("[data-test=staff-table]").get_by_text("chk-wang").wait_for()
    snap(page, "admin-staff")
    return checker_once


def admin_reveals_and_freezes(page: Any) -> str:
    """Find the demo's customer (masked), reveal the ID number with a reason, freeze the account;
    the one who froze it cannot release it. → the customer page's URL."""
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
    return str(page.url)


def admin_proposes_a_rate(page: Any) -> None:
    """A rate change waits for a second approver; the proposer cannot approve it."""
    go(page, "/rates", "[data-test=rate-changes]")
    page.click("[data-test=propose-rate]")
    dialog = page.locator(".el-dialog:visible")
    dialog.get_by_placeholder("1.20").fill("1.25")
    dialog.get_by_placeholder("1.45").fill("2.25")
    dialog.get_by_placeholder("如：总行利率调整通知").fill("总行利率调整通知（演示）")
    snap(page, "admin-rates-propose")
    dialog.get_by_role("button", name="提交复核").click()
    page.locator("[data-test=rate-changes] tbody tr").first.wait_for()
    assert page.locator("[data-test=rate-approve]").first.is_disabled()


def checker_releases_and_approves(other: Any, checker_once: str, customer_url: str) -> str:
    """The second person: first login, releases the freeze, approves the rate change, gives an
    onboarding review its first approval. → the review's URL."""
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
    go(other, "/rates", "[data-test=rate-changes] tbody tr")
    other.locator("[data-test=rate-approve]").first.click()
    confirm_box(other)
    assert "批准" in toast(other, "success")
    settle(other)
    snap(other, "admin-rates")
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
    review_url = str(other.url)
    other.context.close()
    return review_url


def admin_opens_the_account(page: Any, review_url: str) -> None:
    """The final approval by a second person opens the account; its onboarding evidence is on
    the new customer's page, where an image opens only with a reason."""
    page.goto(review_url)
    page.locator("[data-test=review-approve]").wait_for()
    page.fill("input[name=note]", "终审通过")
    page.click("[data-test=review-approve]")
    page.locator("[data-test=review-status][data-status=approved]").wait_for()
    assert "开户" in toast(page, "success")
    settle(page)
    snap(page, "admin-review-approved")
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


def admin_reissues_a_receipt(page: Any) -> None:
    """View the newest receipt's PDF, re-issue it with a reason; the old one is superseded."""
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
    found = re.search(r"HD\d+", notice.inner_text())
    assert found and found.group(0) != old_no
    new_no = found.group(0)
    table = page.locator("[data-test=receipt-table]")
    for _ in range(60):  # the new receipt is signed through the bus within seconds
        page.reload()
        table.locator("tbody tr").first.wait_for()
        if table.get_by_text(new_no).count() and table.locator("[data-status=superseded]").count():
            break
        page.wait_for_timeout(1000)
    else:
        pytest.fail(f"{old_no} not shown as superseded by {new_no}")
    settle(page)
    snap(page, "admin-receipts-reissued")


def admin_reads_the_dashboards(page: Any) -> None:
    """The funnel with its step conversion and drop-off, and the KPIs, over the last 30 days."""
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
    total = page.locator("[data-kpi=deposits_total] .od-kpi-value").inner_text()
    assert "10,000.00" in total  # the demo customer's one-year deposit
    snap(page, "admin-analytics")


def every_other_page(page: Any) -> None:
    for path, ready, name in (
        ("/products", "[data-test=products]", "admin-products"),
        ("/esb", ".el-table", "admin-esb"),
        ("/risk/alerts", ".el-card", "admin-risk-alerts"),
        ("/risk/rules", ".el-card", "admin-risk-rules"),
        ("/risk/lists", ".el-card", "admin-risk-lists"),
        ("/risk/holds", ".el-card", "admin-risk-holds"),
        ("/risk/large-value", ".el-card", "admin-risk-large-value"),
        ("/security", ".el-card", "admin-security"),
    ):
        go(page, path, ready)
        snap(page, name)


def admin_closes_the_day_and_checks_the_audit_log(page: Any) -> None:
    go(page, "/batches", "[data-test=business-date]")
    day = page.locator("[data-test=business-date]").inner_text()
    page.click("[data-test=run-eod]")
    confirm_box(page)
    assert day in toast(page, "success")
    page.locator(".el-table__row").first.wait_for()
    page.locator(".el-table__row .el-table__expand-icon").first.click()  # the day report
    settle(page)
    snap(page, "admin-batches")
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
    snap(page, "admin-audit")
