"""Event tracking: batched intake that survives bursts, the strict funnel and the KPIs."""

from __future__ import annotations

import httpx
import pytest

from opendeposit.analytics.domain import strict_funnel
from opendeposit.api.app import create_app
from opendeposit.staff import service as staff
from tests.helpers import PIN, open_customer, payment_ports


@pytest.fixture
async def client(platform):  # type: ignore[no-untyped-def]
    app = create_app(platform.settings, platform=platform)
    app.state.platform = platform
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://test") as c:
        c.app = app  # type: ignore[attr-defined]
        yield c
    if getattr(app.state, "events", None) is not None:
        await app.state.events.stop()


async def _staff_headers(platform, client) -> dict[str, str]:  # type: ignore[no-untyped-def]
    await staff.create_staff(platform, username="analyst", password="Analyst#2025",
                             roles=["auditor"], display_name="分析员")
    r = await client.post("/admin/api/v1/auth/login",
                          json={"username": "analyst", "password": "Analyst#2025"})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def ev(name: str, **props: object) -> dict[str, object]:
    return {"name": name, "ts": "2025-06-02T10:00:00+08:00", "props": props}


def test_strict_funnel_counts_only_devices_that_passed_every_earlier_step() -> None:
    face = ("onboarding_step_completed", {"step": "face"})
    counts = strict_funnel({
        "a": [("page_view", {}), ("login_succeeded", {}), ("account_open_started", {}), face,
              ("account_opened", {}), ("deposit_bought", {})],
        "b": [("page_view", {}), ("login_succeeded", {}), ("account_open_started", {}),
              ("onboarding_step_completed", {"step": "id_card"})],  # not past the face step
        "c": [("page_view", {}), ("deposit_bought", {})],  # skipped login: a visitor only
        "d": [("login_succeeded", {})],
    })
    assert counts == [3, 2, 2, 1, 1, 1]


JOURNEYS = {
    "dev-1": [("page_view", {}), ("otp_requested", {}), ("login_succeeded", {}),
              ("account_open_started", {}), ("onboarding_step_completed", {"step": "id_card"}),
              ("onboarding_step_completed", {"step": "face"}), ("account_opened", {}),
              ("deposit_bought", {}), ("receipt_verified", {"genuine": True})],
    "dev-2": [("page_view", {}), ("login_succeeded", {}), ("account_open_started", {}),
              ("onboarding_step_completed", {"step": "face"}), ("account_opened", {}),
              ("receipt_verified", {"genuine": False})],
    "dev-3": [("page_view", {}), ("page_view", {}), ("trial_viewed", {})],
    "dev-4": [("page_view", {}), ("login_succeeded", {}), ("account_open_started", {}),
              ("onboarding_step_completed", {"step": "face_consent"})],
}


async def test_journey_events_make_the_funnel_and_kpis(platform, client) -> None:
    for device, events in JOURNEYS.items():
        r = await client.post("/api/v1/events", json={
            "device_id": device, "events": [ev(n, path="/m/", **props) for n, props in events]})
        assert r.status_code == 202 and r.json() == {"accepted": len(events), "dropped": 0}
    h = await _staff_headers(platform, client)
    funnel = (await client.get("/admin/api/v1/analytics/funnel", headers=h)).json()
    steps = funnel["steps"]
    assert [s["devices"] for s in steps] == [4, 3, 3, 2, 2, 1]
    assert [s["step"] for s in steps] == ["visit", "registered", "kyc_started", "kyc_passed",
                                          "account_opened", "first_deposit"]
    assert steps[3]["conversion_from_previous"] == 66.7 and steps[3]["drop_off"] == 1
    assert steps[5]["conversion_from_start"] == 25.0 and steps[5]["drop_off_rate"] == 50.0
    csv = await client.get("/admin/api/v1/analytics/funnel?format=csv", headers=h)
    assert csv.headers["content-type"].startswith("text/csv")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("step,label_zh") and lines[4].startswith("kyc_passed,实名认证通过,")

    c = await open_customer(platform)
    from opendeposit.payments import service as payments

    await payments.top_up(**payment_ports(platform), customer_id=c.customer_id, amount=100, pin=PIN,
                          idempotency_key="t")
    k = (await client.get("/admin/api/v1/analytics/kpis", headers=h)).json()
    assert k["visitors"] == 4 and k["page_views"] == 5
    assert (k["receipts_queried"], k["receipts_verified"]) == (2, 1)
    assert k["accounts_opened"] >= 1 and k["registrations"] >= 1


async def test_bad_events_are_dropped_not_fatal_and_bursts_are_bounded(platform, client) -> None:
    r = await client.post("/api/v1/events", json={"device_id": "x", "events": [
        ev("page_view"), {"name": "Bad Name!"}, {"name": "x" * 60},
        ev("ok_event", big="y" * 5000)]})
    assert r.status_code == 202 and r.json() == {"accepted": 2, "dropped": 2}
    sink = client.app.state.events  # type: ignore[attr-defined]
    sink._queue = type(sink._queue)(maxsize=5)  # a tiny queue to show the bound
    r = await client.post("/api/v1/events", json={"device_id": "x",
                                                   "events": [ev("page_view")] * 10})
    assert r.json() == {"accepted": 5, "dropped": 5}


async def test_intake_validates_its_envelope(client) -> None:
    r = await client.post("/api/v1/events", json={"events": []})
    assert r.status_code == 422 and r.json()["error"]["code"] == "VALIDATION_FAILED"
    r = await client.post("/api/v1/events", json={"device_id": "x",
                                                   "events": [ev("page_view")] * 51})
    assert r.status_code == 422


async def test_analytics_views_need_a_staff_token(platform, client) -> None:
    c = await open_customer(platform)
    from opendeposit.auth.service import issue_token

    token = await issue_token(platform, kind="customer", subject_id=c.customer_id, roles=(),
                              device_id="t")
    r = await client.get("/admin/api/v1/analytics/funnel",
                         headers={"Authorization": f"Bearer {token}"})
    assert r.status_code in (401, 403)
    assert (await client.get("/admin/api/v1/analytics/kpis")).status_code == 401
