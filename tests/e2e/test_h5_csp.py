"""The H5 app runs under its Content-Security-Policy (no inline script, no eval): the page
renders and the browser reports no violation."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_the_app_runs_with_its_csp_enforced(browser, demo_server) -> None:  # type: ignore[no-untyped-def]
    ctx = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN",
                              base_url=demo_server)
    page = ctx.new_page()
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text))
    try:
        response = page.goto("/m/")
        assert response is not None
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
        page.get_by_text("存款保险").first.wait_for()
        page.goto("/m/verify")
        page.wait_for_load_state("networkidle")
    finally:
        ctx.close()
    # Vant's icon font names a CDN copy after its embedded woff2: the CSP keeps the browser from
    # fetching a third party's font (the embedded one draws the icons).
    violations = [m for m in messages if "Content Security Policy" in m
                  and "at.alicdn.com" not in m]
    assert violations == []
