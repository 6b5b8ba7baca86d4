"""Pure staff rules: roles, what a restricted (first-login) session may do, password policy."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from opendeposit.errors import ValidationFailed


class Role(StrEnum):
    OPERATOR = "operator"  # drafts and submits products, runs batches, serves customers (经办)
    CHECKER = "checker"  # approves what an operator submitted, releases freezes (复核)
    RISK = "risk"  # rates, reviews, risk alerts and lists (风险)
    AUDITOR = "auditor"  # reads everything, changes nothing (稽核)
    ADMIN = "admin"  # staff management, and everything else; never approves their own work


ROLES = frozenset(r.value for r in Role)

# A token issued before the staff member has done what the first login asks carries one of these
# instead of roles: it may call only the routes the matrix marks `session`.
PENDING_PASSWORD = "pending:password_change"
PENDING_MFA = "pending:mfa_enrolment"

MIN_PASSWORD = 10
MAX_PASSWORD = 128


class RoleUnknown(ValidationFailed):
    code = "ROLE_UNKNOWN"
    message_en = "Unknown staff role."
    message_zh = "未知的员工角色。"


class PasswordTooWeak(ValidationFailed):
    code = "PASSWORD_TOO_WEAK"
    message_en = (f"The password needs {MIN_PASSWORD}–{MAX_PASSWORD} characters with letters and "
                  "digits, and must differ from the username and the current password.")
    message_zh = (f"密码须为{MIN_PASSWORD}至{MAX_PASSWORD}位，包含字母和数字，且不能与用户名或当前"
                  "密码相同。")


def roles_text(roles: Iterable[str]) -> str:
    """Roles as stored (sorted, comma-separated); unknown or no roles are refused."""
    names = sorted(set(roles))
    if not names or any(r not in ROLES for r in names):
        raise RoleUnknown(details={"roles": names})
    return ",".join(names)


def check_new_password(password: str, *, username: str, current: str | None = None) -> None:
    ok = (MIN_PASSWORD <= len(password) <= MAX_PASSWORD
          and any(c.isalpha() for c in password) and any(c.isdigit() for c in password)
          and password.lower() != username.lower() and password != current)
    if not ok:
        raise PasswordTooWeak()
