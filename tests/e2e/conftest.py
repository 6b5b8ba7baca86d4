"""Browser tests: the real demo server on a free port, driven by Playwright through Debian's
Chromium (/usr/bin/chromium; never a downloaded browser). Screenshots go to test-artifacts/."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
WEB_INDEX = ROOT / "src" / "opendeposit" / "web_dist" / "m" / "index.html"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def demo_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo server's --data-dir (demo-staff.txt holds the staff passwords)."""
    return tmp_path_factory.mktemp("demo")


@pytest.fixture(scope="session")
def demo_server(demo_data_dir: Path) -> Iterator[str]:
    if not WEB_INDEX.exists():
        pytest.skip("the H5 app is not built (scripts/test builds it: cd web && npm run build)")
    with running_demo(demo_data_dir) as url:
        yield url


@contextmanager
def running_demo(data: Path) -> Iterator[str]:
    """`opendeposit demo` on a free port with its data in `data` → its base URL. The session's
    `demo_server` is one; a test that changes the demo's state in ways other tests would see
    (closing the business day, opening the sandbox applicants' accounts) runs its own."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(OPENDEPOSIT_ENV="sandbox")
    exe = Path(sys.executable).parent / "opendeposit"
    log = open(data / "server.log", "w")  # noqa: SIM115 - closed in finally
    proc = subprocess.Popen([str(exe), "demo", "--port", str(port), "--data-dir", str(data)],
                            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=1)
                break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError((data / "server.log").read_text()) from None
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(15)
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Module-scoped: sync Playwright runs an event loop on this thread while it lives, so it
    must be gone before the async tests of other modules run."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed (Debian package chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run", "--disable-sync"])
        yield b
        b.close()


@pytest.fixture
def phone_page(browser, demo_server):  # type: ignore[no-untyped-def]
    """A 360×740 phone-sized page in Chinese, fresh storage per test."""
    # bypass_csp: Playwright's own wait_for_function evaluates strings, which the app's CSP
    # (no eval) refuses; test_h5_csp.py runs the app with the CSP enforced.
    ctx = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2,
                              locale="zh-CN", is_mobile=True, has_touch=True,
                              base_url=demo_server, bypass_csp=True)
    page = ctx.new_page()
    yield page
    ctx.close()


# Fixed bars (the bottom action bar, the tab bar) are drawn where the viewport is: in a
# full-page capture of a long page they would float mid-page, so for that picture they join
# the page's flow at its end. A page that fits the screen is taken as the screen shows it.
FULL_PAGE_STYLE = """
.bottom-bar, .van-tabbar--fixed { position: static !important; }
.bottom-space { display: none !important; }
"""


def shot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.evaluate("window.scrollTo(0, 0)")  # the fixed header at the top of the picture
    long_page = page.evaluate("document.documentElement.scrollHeight > window.innerHeight + 1")
    # animations="disabled": a sheet still sliding in is shown where it ends up
    if long_page:
        page.screenshot(path=str(path), full_page=True, style=FULL_PAGE_STYLE,
                        animations="disabled")
    else:
        page.screenshot(path=str(path), animations="disabled")
    return path


def keep(path: Path, docs_name: str) -> None:
    """Copy a screenshot into docs/screenshots when asked (UPDATE_SCREENSHOTS=1)."""
    if os.environ.get("UPDATE_SCREENSHOTS"):
        target = ROOT / "docs" / "screenshots" / f"{docs_name}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)


def enter_pin(page, pin: str) -> None:  # type: ignore[no-untyped-def]
    """Type a PIN on the app's shuffled keypad."""
    for digit in pin:
        page.locator(f"button.pin-key[data-digit='{digit}']").click()


def top_up_to_pin(page, amount: str) -> None:  # type: ignore[no-untyped-def]
    """Start a top-up of `amount` in the H5 app, up to its PIN keypad."""
    page.goto("/m/account/top-up")
    page.locator("input").first.fill(amount)
    page.get_by_role("button", name="下一步").click()
    page.get_by_role("button", name=re.compile("确认")).click()
    page.locator(".pin-key").first.wait_for()
