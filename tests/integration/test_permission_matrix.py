"""The permission matrix walked whole: every admin route the app serves × every role (and no
token, a customer's token, a first-login token). A route the matrix does not name fails the
test; a refused call answers 403 with a stable code and writes nothing."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from opendeposit.api.app import create_app
from opendeposit.db import metadata
from opendeposit.staff.domain import PENDING_MFA, PENDING_PASSWORD, ROLES
from opendeposit.staff.permissions import MATRIX, OPEN, PREFIX, SESSION, permission_for
from tests.helpers import api_client, bearer, seed_catalog

REFUSALS = {"ROLE_REQUIRED", "STAFF_ONLY", "ROUTE_NOT_PERMITTED", "PASSWORD_CHANGE_REQUIRED",
            "MFA_ENROLMENT_REQUIRED"}


def admin_routes(app) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """Every admin operation the app serves, from its OpenAPI schema."""
    paths = app.openapi()["paths"]
    return sorted((method.upper(), path) for path, ops in paths.items()
                  if path.startswith(PREFIX) for method in ops)


def concrete(path: str) -> str:
    """A path template with harmless values (ids that exist nowhere, valid shapes)."""
    values = {"account_no": "6230580000000009999", "business_date": "2025-06-02",
              "receipt_no": "HD2025060299999999", "code": "NOPE", "list": "phones",
              "message_id": "00000000-0000-0000-0000-000000000000"}
    return re.sub(r"\{([^}]+)\}", lambda m: values.get(m.group(1), "999999"), path)


def test_every_admin_route_is_named_in_the_matrix(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from opendeposit.config import load_settings

    app = create_app(load_settings(data_dir=tmp_path))
    served = admin_routes(app)
    assert len(served) >= 50
    missing = [(m, p) for m, p in served if permission_for(m, p) is None]
    assert missing == [], f"admin routes missing from staff/permissions.py: {missing}"
    for perm in MATRIX:  # data sanity: roles are real, open/session are the few they should be
        assert perm.roles <= ROLES
    assert {p.path for p in MATRIX if p.access == OPEN} == {"/auth/login"}
    assert {p.path for p in MATRIX if p.access == SESSION} == {
        "/auth/password", "/auth/mfa/confirm", "/auth/me", "/auth/logout"}
    staff_routes = [p for p in MATRIX if p.path.startswith("/staff")]
    assert staff_routes and all(p.roles == {"admin"} for p in staff_routes)


async def _row_counts(platform) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Rows per table (not auth_token: the walk itself issues tokens for the logout route)."""
    async with platform.db.read() as conn:
        return {t.name: int((await conn.execute(select(func.count()).select_from(t)))
                            .scalar_one()) for t in metadata.sorted_tables
                if t.name != "auth_token"}


class Answer:
    def __init__(self, r) -> None:  # type: ignore[no-untyped-def]
        self.status_code, self.text = r.status_code, r.text
        is_json = r.headers.get("content-type", "").startswith("application/json")
        self.body = r.json() if is_json and r.content else {}

    def json(self) -> dict:  # type: ignore[type-arg]
        return self.body if isinstance(self.body, dict) else {}


async def _call(platform, client, method: str, path: str, headers: dict[str, str]) -> Answer:  # type: ignore[no-untyped-def]
    """One call; a logout gets a token of its own (same holder), so the walk goes on."""
    if path.endswith("/auth/logout") and headers:
        from opendeposit.auth.service import authenticate

        who = await authenticate(platform, headers["Authorization"].split(" ", 1)[1])
        headers = await bearer(platform, who.id, kind=who.kind, roles=tuple(who.roles))
    kwargs = {"json": {}} if method in ("POST", "PUT") else {}
    return Answer(await client.request(method, concrete(path), headers=headers, **kwargs))


async def test_every_role_on_every_admin_route(platform) -> None:
    await seed_catalog(platform)
    app = create_app(platform.settings, platform=platform)
    routes = admin_routes(app)
    tokens = {role: await bearer(platform, 900 + i, kind="staff", roles=(role,))
              for i, role in enumerate(sorted(ROLES))}
    customer = await bearer(platform, 1)
    pending = {PENDING_PASSWORD: await bearer(platform, 950, kind="staff",
                                              roles=(PENDING_PASSWORD,)),
               PENDING_MFA: await bearer(platform, 951, kind="staff", roles=(PENDING_MFA,))}
    before = await _row_counts(platform)
    async with api_client(platform) as client:
        # every refusal first: none of them may write anything
        for method, path in routes:
            perm = permission_for(method, path)
            assert perm is not None
            if perm.access == OPEN:
                continue
            r = await _call(platform, client, method, path, {})
            assert r.status_code == 401, (method, path, r.text)
            r = await _call(platform, client, method, path, customer)
            assert (r.status_code, r.json()["error"]["code"]) == (403, "STAFF_ONLY"), (method,
                                                                                        path)
            for marker, headers in pending.items():
                r = await _call(platform, client, method, path, headers)
                if perm.access == SESSION:
                    assert r.json().get("error", {}).get("code") not in REFUSALS, (method, path)
                else:
                    want = "PASSWORD_CHANGE_REQUIRED" if marker == PENDING_PASSWORD \
                        else "MFA_ENROLMENT_REQUIRED"
                    assert (r.status_code, r.json()["error"]["code"]) == (403, want), (
                        method, path, marker)
            for role, headers in tokens.items():
                if perm.access == "roles" and role not in perm.roles:
                    r = await _call(platform, client, method, path, headers)
                    assert (r.status_code, r.json()["error"]["code"]) == (403, "ROLE_REQUIRED"), (
                        method, path, role, r.text)
                    assert r.json()["error"]["details"]["needs"] == sorted(perm.roles)
        assert await _row_counts(platform) == before, "a refused call wrote something"
        # then every permitted call gets past the guard (its own answer may be 404/409/422)
        for method, path in routes:
            perm = permission_for(method, path)
            assert perm is not None
            for role, headers in tokens.items():
                if perm.access != "roles" or role in perm.roles:
                    r = await _call(platform, client, method, path, headers)
                    code = r.json().get("error", {}).get("code")
                    assert r.status_code < 500, (method, path, role, r.text)
                    assert code not in REFUSALS, (method, path, role, r.text)
