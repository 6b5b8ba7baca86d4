"""The permission matrix of the admin API (/admin/api/v1): every route, who may call it.

Written once, here, as data; `api.admin.staff_principal` enforces it on every admin route (a
route missing from the matrix is refused), a test walks every role × every route, and
`docs/admin.md` is generated from it. Paths are relative to the prefix; path parameters match
whatever their name (`{id}` and `{alert_id}` are the same segment).

Access kinds: `open` (no token: the login), `session` (any staff token, even one that must still
change its password or enrol MFA), or a set of roles. Admins are named where they may act.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from opendeposit.staff.domain import ROLES

PREFIX = "/admin/api/v1"
OPEN = "open"
SESSION = "session"

ALL = "operator checker risk auditor admin"
SERVE = "operator checker risk auditor admin"  # look customers up (the counter)
ACT = "operator checker risk admin"  # act on a customer's account or reveal a field


@dataclass(frozen=True)
class Permission:
    method: str
    path: str  # relative to PREFIX
    access: str  # OPEN | SESSION | "roles"
    roles: frozenset[str]
    summary: str
    owner: str  # the part of the code that serves it

    @property
    def full_path(self) -> str:
        return PREFIX + self.path


def _p(method: str, path: str, who: str, summary: str, owner: str) -> Permission:
    if who in (OPEN, SESSION):
        return Permission(method, path, who, frozenset(), summary, owner)
    roles = frozenset(who.split())
    assert roles <= ROLES, roles - ROLES
    return Permission(method, path, "roles", roles, summary, owner)


MATRIX: tuple[Permission, ...] = (
    # -- login, first login, MFA (staff)
    _p("POST", "/auth/login", OPEN, "log in → token (otp when MFA is on)", "staff"),
    _p("POST", "/auth/password", SESSION, "change the own password (first login)", "staff"),
    _p("POST", "/auth/mfa/confirm", SESSION, "confirm TOTP enrolment with a code", "staff"),
    _p("POST", "/auth/mfa/enrol", ALL, "start TOTP enrolment (QR)", "staff"),
    _p("GET", "/auth/me", SESSION, "who am I: roles, MFA, what the first login asks", "staff"),
    _p("POST", "/auth/logout", SESSION, "end the session server-side", "auth"),
    # -- staff management (admin only)
    _p("GET", "/staff", "admin", "list staff", "staff"),
    _p("POST", "/staff", "admin", "create a staff member (one-time password)", "staff"),
    _p("PUT", "/staff/{id}", "admin", "change roles, disable / enable", "staff"),
    _p("POST", "/staff/{id}/reset-password", "admin", "new one-time password", "staff"),
    _p("POST", "/staff/{id}/reset-mfa", "admin", "clear TOTP so it is enrolled again",
       "staff"),
    # -- customers and accounts
    _p("GET", "/customers", SERVE, "search by phone, account no., name, ID last 4", "accounts"),
    _p("GET", "/customers/{id}", SERVE, "the customer page, masked", "accounts"),
    _p("GET", "/customers/{id}/statement", SERVE, "statement lines of the account",
       "accounts"),
    _p("POST", "/customers/{id}/reveal", ACT, "one unmasked field, with a reason (audited)",
       "accounts"),
    _p("GET", "/customers/{id}/evidence/{evidence_id}/image", ACT,
       "an onboarding evidence image, with a reason (audited)", "accounts"),
    _p("POST", "/accounts/{account_no}/status", ACT,
       "status change; a freeze release takes a second checker/admin", "accounts"),
    _p("POST", "/accounts/{account_no}/close", "operator checker admin",
       "close (zero balance, no holding, nothing in flight)", "accounts"),
    _p("POST", "/accounts/{account_no}/pin-unlock", "operator checker admin",
       "lift a PIN lock; new PIN after face re-verification", "accounts"),
    # -- products and rates (maker–checker)
    _p("GET", "/products", ALL, "all products with status and problems", "products"),
    _p("GET", "/products/{code}", ALL, "one product", "products"),
    _p("POST", "/products", "operator admin", "new draft (maker)", "products"),
    _p("PUT", "/products/{code}", "operator admin", "edit a draft (maker)", "products"),
    _p("POST", "/products/{code}/submit", "operator admin", "submit for approval", "products"),
    _p("POST", "/products/{code}/approve", "checker admin", "publish (not the submitter)",
       "products"),
    _p("POST", "/products/{code}/reject", "checker admin", "back to draft", "products"),
    _p("POST", "/products/{code}/suspend", "checker risk admin", "stop sales", "products"),
    _p("GET", "/rates", ALL, "board rates and ceilings in force and planned", "products"),
    _p("POST", "/rates", "risk admin", "propose a dated rate change (no backdating)",
       "products"),
    _p("GET", "/rates/changes", ALL, "rate change proposals", "products"),
    _p("POST", "/rates/changes/{id}/approve", "checker admin",
       "second approver puts the rate in the table", "products"),
    _p("POST", "/rates/changes/{id}/reject", "checker admin", "refuse a rate change",
       "products"),
    # -- operations
    _p("GET", "/business-date", ALL, "the business date", "eod"),
    _p("POST", "/batches/eod", "operator admin", "run end of day", "eod"),
    _p("GET", "/batches", ALL, "EOD runs with their day reports", "eod"),
    _p("GET", "/batches/{business_date}/failures", ALL, "items an EOD run could not do",
       "eod"),
    _p("GET", "/esb/messages", "operator auditor admin", "search bus messages", "esb"),
    _p("GET", "/esb/messages/{message_id}", "operator auditor admin", "one message", "esb"),
    _p("POST", "/esb/messages/{message_id}/retry", "operator admin", "retry a dead letter",
       "esb"),
    _p("GET", "/onboarding/reviews", "risk checker admin", "review queue", "identity"),
    _p("GET", "/onboarding/reviews/{case_id}", "risk checker admin", "a case with evidence",
       "identity"),
    _p("GET", "/onboarding/reviews/{case_id}/evidence/{evidence_id}/image",
       "risk checker admin", "an evidence image (audited)", "identity"),
    _p("POST", "/onboarding/reviews/{case_id}/approve", "risk checker admin",
       "approve (four eyes)", "identity"),
    _p("POST", "/onboarding/reviews/{case_id}/escalate", "risk checker admin",
       "hand to a second reviewer", "identity"),
    _p("POST", "/onboarding/reviews/{case_id}/reject", "risk checker admin",
       "reject with a reason", "identity"),
    _p("POST", "/onboarding/blacklist", "risk admin", "add to the opening blacklist (audited)",
       "identity"),
    # -- audit
    _p("GET", "/audit", "auditor admin", "the audit log", "audit"),
    _p("GET", "/audit/verify", "auditor admin", "check the audit hash chains", "audit"),
    # -- analytics
    _p("GET", "/analytics/funnel", ALL, "account-opening funnel (CSV too)", "analytics"),
    _p("GET", "/analytics/kpis", ALL, "the period's KPIs", "analytics"),
    _p("GET", "/analytics/daily", ALL, "KPIs day by day (CSV too)", "analytics"),
    _p("GET", "/analytics/products", ALL, "product sales against quota (CSV too)",
       "analytics"),
    # -- receipts (signature platform)
    _p("GET", "/receipts", "operator checker auditor admin", "receipt search", "esign"),
    _p("GET", "/receipts/{receipt_no}", "operator checker auditor admin", "one receipt",
       "esign"),
    _p("GET", "/receipts/{receipt_no}/pdf", "operator checker auditor admin", "its PDF",
       "esign"),
    _p("POST", "/receipts/{receipt_no}/reissue", "checker admin",
       "a new signed receipt for the same transaction", "esign"),
    # -- risk
    _p("GET", "/risk/alerts", "risk auditor admin", "alerts raised by rules", "risk"),
    _p("POST", "/risk/alerts/{id}/decision", "risk admin", "dismiss / escalate / block",
       "risk"),
    _p("GET", "/risk/alerts/{id}", "risk auditor admin", "an alert with its decision and "
       "evidence", "risk"),
    _p("GET", "/risk/cases", "risk auditor admin", "cases built from escalated alerts", "risk"),
    _p("GET", "/risk/cases/{id}", "risk auditor admin", "a case with its alerts", "risk"),
    _p("GET", "/risk/decisions", "risk auditor admin", "decisions with rule versions", "risk"),
    _p("GET", "/risk/decisions/{id}", "risk auditor admin", "a decision with its evidence",
       "risk"),
    _p("GET", "/risk/customers/{id}", "risk auditor admin", "a customer's rating, summaries "
       "and decisions", "risk"),
    _p("GET", "/risk/rules", "risk auditor admin", "rules as versioned data", "risk"),
    _p("GET", "/risk/rules/{code}", "risk auditor admin", "a rule with its versions", "risk"),
    _p("GET", "/risk/lists/{list}", "risk auditor admin", "a watch list (masked) and its "
       "imports", "risk"),
    _p("PUT", "/risk/rules/{code}", "risk admin", "a new version of a rule", "risk"),
    _p("POST", "/risk/lists/{list}", "risk admin", "import a watch list (CSV)", "risk"),
    _p("GET", "/reports/large-value", "risk auditor admin", "large-value report (CSV too)",
       "risk"),
    _p("GET", "/holds", "risk admin", "money moves held by a risk rule", "risk"),
    _p("POST", "/holds/{id}/release", "risk admin", "let a held move go ahead", "risk"),
    _p("POST", "/holds/{id}/return", "risk admin", "return a held move", "risk"),
)

_PARAM = re.compile(r"\{[^}]+\}")


def route_key(method: str, path: str) -> tuple[str, str]:
    """(METHOD, path with every parameter as `{}`), the key routes are matched by."""
    return method.upper(), _PARAM.sub("{}", path.rstrip("/") or "/")


_BY_KEY = {route_key(p.method, p.full_path): p for p in MATRIX}
assert len(_BY_KEY) == len(MATRIX), "a route is named twice in the matrix"


def permission_for(method: str, full_path: str) -> Permission | None:
    """The matrix entry of a served route (its path template, prefix included)."""
    return _BY_KEY.get(route_key(method, full_path))


def _pattern(p: Permission) -> re.Pattern[str]:
    return re.compile("^" + _PARAM.sub("[^/]+", re.escape(p.full_path).replace(r"\{", "{")
                                        .replace(r"\}", "}")) + "/?$")


_PATTERNS = sorted(((p, _pattern(p)) for p in MATRIX),
                   key=lambda item: item[0].full_path.count("{"))  # literal segments win


def permission_for_url(method: str, url_path: str) -> Permission | None:
    """The matrix entry of a concrete request path (when the route template is not known)."""
    for perm, pattern in _PATTERNS:
        if perm.method == method.upper() and pattern.match(url_path):
            return perm
    return None


def allows(perm: Permission, roles: frozenset[str]) -> bool:
    """Whether a token holding `roles` passes the entry (the session checks come first)."""
    return perm.access in (OPEN, SESSION) or bool(perm.roles & roles)


def render_markdown() -> str:
    """docs/admin.md: every admin route with the roles that may call it."""
    head = [
        "# Admin API: every route and who may call it",
        "",
        "Generated from the permission matrix `src/opendeposit/staff/permissions.py` by",
        "`scripts/admin-routes`; a test fails when this file and the matrix differ. Prefix:",
        f"`{PREFIX}`. `open`: no token (the login); `session`: any staff token, even one that",
        "must first change its one-time password or enrol MFA. Every other route needs one of",
        "the ticked roles; anything else answers `403 ROLE_REQUIRED` and writes nothing. A",
        "route missing from the matrix is refused (`403 ROUTE_NOT_PERMITTED`).",
        "",
        "| method | path | operator | checker | risk | auditor | admin | does | served by |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    order = ("operator", "checker", "risk", "auditor", "admin")
    rows = []
    for p in MATRIX:
        cells = [p.access] * 5 if p.access != "roles" else \
            ["✓" if r in p.roles else "" for r in order]
        rows.append(f"| {p.method} | `{p.path}` | " + " | ".join(cells)
                    + f" | {p.summary} | {p.owner} |")
    return "\n".join([*head, *rows, ""])


if __name__ == "__main__":  # scripts/admin-routes
    print(render_markdown(), end="")
