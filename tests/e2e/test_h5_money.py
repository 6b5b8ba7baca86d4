"""A customer on a phone: log in by SMS code, top up from the bound card with the PIN keypad,
see the balance and the statement. Screenshots of each page go to test-artifacts/."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import enter_pin, keep, shot

pytestmark = pytest.mark.browser

PHONE, PIN = "13800138000", "135790"


def login(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/m/login")
    page.get_by_placeholder("请输入11位手机号").fill(PHONE)
    page.get_by_role("button", name="获取验证码").click()
    page.get_by_text("查看短信（沙箱）").click()
    page.wait_for_function("document.querySelector('input[autocomplete=one-time-code]')"
                           ".value.length === 6")
    keep(shot(page, "02-login"), "m-login")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r".*/m/(?!login).*"))


def balance_text(page) -> str:  # type: ignore[no-untyped-def]
    return page.locator(".balance, [data-test=balance]").first.inner_text()


def test_home_shows_products_area_and_deposit_insurance(phone_page) -> None:
    page = phone_page
    page.goto("/m/")
    page.wait_for_load_state("networkidle")
    assert "存款保险" in page.content()
    card = page.locator(".product-card").first.inner_text()
    # on a card: the logo and one line; the full statement once, in the home page's block
    assert "依照《存款保险条例》受到保护" in card and "最高偿付限额" not in card, card
    assert page.get_by_text("最高偿付限额为人民币50万元").count() == 1
    keep(shot(page, "01-home"), "m-home")


def test_login_top_up_and_statement(phone_page) -> None:
    page = phone_page
    login(page)
    page.goto("/m/account")
    page.wait_for_load_state("networkidle")
    keep(shot(page, "03-account"), "m-account")
    before = page.content()
    assert "****3445" in before  # the demo customer's bound card, masked
    page.goto("/m/account/top-up")
    page.locator("input").first.fill("123.45")
    page.get_by_role("button", name="下一步").click()
    assert "壹佰贰拾叁元肆角伍分" in page.content()  # capitals on the confirmation
    keep(shot(page, "04-top-up-confirm"), "m-top-up-confirm")
    page.get_by_role("button", name=re.compile("确认")).click()
    page.locator(".pin-key").first.wait_for()
    keep(shot(page, "05-pin-keypad"), "m-pin-keypad")
    enter_pin(page, PIN)
    page.get_by_text(re.compile("成功")).first.wait_for(timeout=15_000)
    serial = re.compile(r"\d{8}H5\d{12}")  # 交易流水号: Beijing date, the H5 channel, 12 digits
    page.get_by_text(serial).first.wait_for(timeout=10_000)
    keep(shot(page, "06-top-up-done"), "m-top-up-done")
    page.goto("/m/account/transactions")
    page.get_by_text("+123.45").first.wait_for(timeout=10_000)
    assert re.search(r"流水号 \d{8}H5\d{12}", page.locator(".statement").inner_text())
    keep(shot(page, "07-statement"), "m-statement")
    # 我的: their own name in full, the ID number masked (never "—"); then English
    page.goto("/m/me")
    page.get_by_text("已实名").wait_for()
    profile = page.locator(".profile-group").inner_text()
    assert "张三" in profile and "张*" not in profile, profile
    assert re.search(r"4403\*{10}1237", profile), profile
    keep(shot(page, "08-me"), "m-me")
    page.get_by_text("English").click()
    page.goto("/m/account/transactions")
    page.get_by_text("Top-up").first.wait_for(timeout=10_000)
    lines = page.locator(".statement").inner_text()
    assert not re.search(r"[\u4e00-\u9fff]", lines), lines  # no Chinese memo left in English
    keep(shot(page, "09-statement-en"), "m-statement-en")
