"""Schemathesis over the whole OpenAPI schema (customer, public, admin; authenticated): no 5xx
and no answer outside what the schema documents (status, content type, body)."""

from __future__ import annotations

import tempfile

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)


def _schema() -> schemathesis.schemas.BaseSchema:
    """The schema as the app documents it (no server needed to build it)."""
    from opendeposit.api.app import create_app
    from opendeposit.config import load_settings

    # building the schema touches no directory or database: the app is never started
    app = create_app(load_settings(env="sandbox", data_dir=tempfile.gettempdir()))
    return schemathesis.openapi.from_dict(app.openapi())


schema = _schema()
# /sandbox is the demo's simulated outside world, not part of a bank's API; logging out would
# end the session every other case uses (tests/integration/test_sessions.py covers it).
fuzzed = schema.exclude(path_regex=r"^/sandbox|/auth/logout$")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@fuzzed.parametrize()
@settings(max_examples=20, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_api_conforms(case, live_api) -> None:  # type: ignore[no-untyped-def]
    path = case.operation.path
    headers = live_api.staff if path.startswith("/admin/") else live_api.customer
    case.call_and_validate(base_url=live_api.base_url, headers=headers, checks=CHECKS,
                           timeout=30)
