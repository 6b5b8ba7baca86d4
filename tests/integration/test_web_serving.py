"""The platform serves the built web clients: the H5 app at /m/ and the staff console at /admin/,
each with an SPA fallback to its index.html, while every /admin/api path stays the API's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from opendeposit.api import app as app_module
from opendeposit.config import load_settings
from opendeposit.platform import Platform
from opendeposit.ratelimit import RateLimiter, parse_limits


@pytest.fixture
def dist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "web_dist"
    for name in ("m", "admin"):
        (root / name / "assets").mkdir(parents=True)
        (root / name / "index.html").write_text(f"<html>{name} index</html>")
        (root / name / "assets" / "app.js").write_text(f"/* {name} code */")
    (tmp_path / "secret.txt").write_text("outside the dist")
    monkeypatch.setattr(app_module, "WEB_DIST", root)
    return root


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """The app without its lifespan: the paths tested here need no database."""
    app = app_module.create_app(load_settings(data_dir=tmp_path / "data", env="sandbox"))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


async def test_console_pages_fall_back_to_its_index(dist: Path, client: httpx.AsyncClient) -> None:
    for path in ("/admin/", "/admin/login", "/admin/customers/12", "/admin/risk/large-value"):
        r = await client.get(path)
        assert r.status_code == 200, path
        assert r.text == "<html>admin index</html>"
        assert r.headers["cache-control"] == "no-cache"
    r = await client.get("/admin/assets/app.js")
    assert r.text == "/* admin code */"
    assert (await client.get("/m/deposits")).text == "<html>m index</html>"


async def test_bare_admin_redirects_to_the_console(dist: Path, client: httpx.AsyncClient) -> None:
    r = await client.get("/admin")
    assert r.status_code == 307
    assert r.headers["location"] == "/admin/"


async def test_admin_api_paths_are_never_the_console_page(dist: Path,
                                                          client: httpx.AsyncClient) -> None:
    for path in ("/admin/api/v1/no-such-route", "/admin/api", "/admin/api/v2/customers"):
        r = await client.get(path)
        assert r.status_code == 404, path
        assert r.json()["error"]["code"] == "NOT_FOUND"
    r = await client.get("/admin/api/v1/business-date")  # a real route answers as the API
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "UNAUTHORIZED"


async def test_no_file_outside_the_dist(dist: Path, client: httpx.AsyncClient) -> None:
    for path in ("/admin/..%2F..%2Fsecret.txt", "/admin/%2e%2e/%2e%2e/secret.txt"):
        r = await client.get(path)
        assert "outside the dist" not in r.text


async def test_an_unbuilt_console_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          client: httpx.AsyncClient) -> None:
    monkeypatch.setattr(app_module, "WEB_DIST", tmp_path / "nothing")
    r = await client.get("/admin/")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "WEB_NOT_BUILT"


async def test_console_files_do_not_spend_the_ip_budget(dist: Path, platform: Platform) -> None:
    """The IP rate limit counts API calls: a staff office behind one address loads the console's
    dozens of files on every visit, which must not lock it out of the admin API."""
    assert platform.shared is not None
    platform.limiter = RateLimiter(platform.shared, parse_limits("ip=3/60"))
    app = app_module.create_app(platform.settings, platform=platform)
    app.state.platform = platform
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        for _ in range(5):
            assert (await c.get("/admin/assets/app.js")).status_code == 200
            assert (await c.get("/admin/customers/1")).status_code == 200
        answers = [(await c.get("/admin/api/v1/business-date")).status_code for _ in range(4)]
    assert answers == [401, 401, 401, 429]
