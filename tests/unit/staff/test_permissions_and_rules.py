"""Staff rules: the permission matrix as data, passwords, TOTP codes used once."""

from __future__ import annotations

import pytest

from opendeposit.errors import OpenDepositError
from opendeposit.staff import mfa
from opendeposit.staff.domain import check_new_password, roles_text
from opendeposit.staff.permissions import (
    MATRIX,
    allows,
    permission_for,
    permission_for_url,
    render_markdown,
    route_key,
)


def test_route_keys_ignore_parameter_names() -> None:
    assert route_key("post", "/admin/api/v1/risk/alerts/{alert_id}/decision") == \
        route_key("POST", "/admin/api/v1/risk/alerts/{id}/decision")
    perm = permission_for("POST", "/admin/api/v1/risk/alerts/{alert_id}/decision")
    assert perm is not None and perm.roles == {"risk", "admin"}
    assert permission_for("DELETE", "/admin/api/v1/products/{code}") is None


def test_concrete_paths_find_their_entry_and_literal_segments_win() -> None:
    def path(m: str, u: str) -> str | None:
        found = permission_for_url(m, u)
        return found.path if found else None

    assert path("GET", "/admin/api/v1/rates/changes") == "/rates/changes"
    assert path("POST", "/admin/api/v1/rates/changes/7/approve") == "/rates/changes/{id}/approve"
    assert path("GET", "/admin/api/v1/customers/12") == "/customers/{id}"
    assert path("GET", "/admin/api/v1/customers/12/x") is None
    assert path("GET", "/admin/api/v1/nothing") is None


@pytest.mark.parametrize(("method", "path", "role", "allowed"), [
    ("POST", "/staff", "admin", True),
    ("POST", "/staff", "checker", False),
    ("POST", "/accounts/{account_no}/status", "auditor", False),
    ("POST", "/customers/{id}/reveal", "auditor", False),
    ("GET", "/customers/{id}", "auditor", True),
    ("POST", "/receipts/{receipt_no}/reissue", "operator", False),
    ("POST", "/receipts/{receipt_no}/reissue", "checker", True),
    ("POST", "/rates/changes/{id}/approve", "risk", False),
    ("GET", "/audit", "operator", False),
])
def test_the_matrix_says_who(method: str, path: str, role: str, allowed: bool) -> None:
    perm = permission_for(method, "/admin/api/v1" + path)
    assert perm is not None
    assert allows(perm, frozenset({role})) is allowed


def test_the_route_list_is_generated_from_the_matrix() -> None:
    text = render_markdown()
    assert text.count("\n| ") == len(MATRIX) + 1  # the header row and one row per route
    assert "| POST | `/customers/{id}/reveal` | ✓ | ✓ | ✓ |  | ✓ |" in text


def test_roles_and_passwords() -> None:
    assert roles_text(["risk", "admin", "risk"]) == "admin,risk"
    for bad in ([], ["root"]):
        with pytest.raises(OpenDepositError) as info:
            roles_text(bad)
        assert info.value.code == "ROLE_UNKNOWN"
    check_new_password("Harbour-2025x", username="wang")
    for bad, current in (("short1", None), ("onlyletters-here", None), ("1234567890123", None),
                         ("Wang12345678", None), ("Same-pass-2025", "Same-pass-2025")):
        with pytest.raises(OpenDepositError) as info:
            check_new_password(bad, username="wang12345678", current=current)
        assert info.value.code == "PASSWORD_TOO_WEAK"


def test_a_totp_code_is_good_once_within_its_window() -> None:
    secret = mfa.new_secret()
    now = 1_750_000_000.0
    code = mfa.code_at(secret, now)
    step = mfa.matching_step(secret, code, last_step=None, now=now)
    assert step == int(now // 30)
    assert mfa.matching_step(secret, code, last_step=step, now=now) is None  # replay
    assert mfa.matching_step(secret, code, last_step=None, now=now + 30) == step  # drift
    assert mfa.matching_step(secret, code, last_step=None, now=now + 90) is None  # too old
    for bad in ("12345", "abcdef", "1234567", ""):
        assert mfa.matching_step(secret, bad, last_step=None, now=now) is None


def test_the_enrolment_qr_carries_the_otpauth_uri() -> None:
    secret = "JBSWY3DPEHPK3PXP" * 2
    uri = mfa.otpauth_uri(secret, username="admin", issuer="开源商业银行")
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri
    svg = mfa.qr_svg(uri)
    assert svg.lstrip().startswith("<?xml") or "<svg" in svg[:200]
    assert mfa.data_uri(svg).startswith("data:image/svg+xml;base64,")
