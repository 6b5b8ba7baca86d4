"""Analytics for staff: the strict funnel counted in SQL equals the reference count, the KPIs
day by day on Beijing days (totals equal the period's figures), product sales against quota,
and CSV of each table."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from opendeposit import clock
from opendeposit.analytics.domain import FUNNEL, clean_event, strict_funnel
from opendeposit.analytics.models import analytics_event
from opendeposit.analytics.service import funnel_counts
from tests.helpers import PIN, api_client, bearer, funded_customer, seed_catalog


async def _events(platform, rows: list[tuple[str, str, dict, datetime]]) -> None:  # type: ignore[no-untyped-def,type-arg]
    values = []
    for device, name, props, at in rows:
        ev = clean_event(name, None, props, now=at)
        assert ev is not None
        values.append({"name": ev.name, "occurred_at": at, "received_at": at,
                       "device_id": device, "customer_id": None, "path": None,
                       "props": ev.props})
    async with platform.db.transaction() as conn:
        await conn.execute(analytics_event.insert(), values)


async def test_the_sql_funnel_equals_the_reference_on_random_journeys(platform) -> None:
    rnd = random.Random(20250602)
    names = [(s.event, {s.prop[0]: s.prop[1]} if s.prop else {}) for s in FUNNEL]
    names += [("onboarding_step_completed", {"step": "face_consent"}), ("trial_viewed", {})]
    at = datetime(2025, 6, 2, 3, 0, tzinfo=UTC)
    journeys = {f"d{i}": [rnd.choice(names) for _ in range(rnd.randint(0, 9))]
                for i in range(300)}
    await _events(platform, [(d, n, p, at) for d, evs in journeys.items() for n, p in evs])
    counts = await funnel_counts(platform.db, start=at - timedelta(days=1),
                                 end=at + timedelta(days=1))
    assert counts == strict_funnel(journeys)
    assert counts[0] > counts[-1] > 0
    none = await funnel_counts(platform.db, start=at + timedelta(hours=1),
                               end=at + timedelta(days=1))
    assert none == [0] * len(FUNNEL)


async def test_daily_kpis_products_and_csv(platform) -> None:
    await seed_catalog(platform)
    today = clock.beijing_today()
    d2 = today - timedelta(days=2)
    midnight_d1 = datetime.combine(today - timedelta(days=1), datetime.min.time(),
                                   clock.BEIJING).astimezone(UTC)
    await _events(platform, [
        ("a", "page_view", {}, midnight_d1 - timedelta(hours=12)),  # day d2
        ("b", "page_view", {}, midnight_d1 - timedelta(hours=12)),
        ("a", "receipt_verified", {"genuine": True}, midnight_d1 - timedelta(hours=12)),
        ("a", "page_view", {}, midnight_d1 + timedelta(minutes=30)),  # 00:30 Beijing: day d1
        ("c", "receipt_verified", {"genuine": False}, midnight_d1 + timedelta(minutes=30)),
    ])
    c = await funded_customer(platform, amount=300_000)
    customer = await bearer(platform, c.customer_id)
    auditor = await bearer(platform, 71, kind="staff", roles=("auditor",))
    async with api_client(platform) as client:
        bought = await client.post("/api/v1/deposits", headers=customer, json={
            "product_code": "TD1Y", "amount": "1000.00", "pin": PIN, "idempotency_key": "k"})
        assert bought.status_code == 201
        q = {"from": d2.isoformat(), "to": today.isoformat()}
        daily = (await client.get("/admin/api/v1/analytics/daily", params=q,
                                  headers=auditor)).json()
        days = {d["date"]: d for d in daily["items"]}
        assert list(days) == [d2.isoformat(), (today - timedelta(days=1)).isoformat(),
                              today.isoformat()]
        first, second, third = days.values()
        assert (first["visitors"], first["page_views"], first["receipts_queried"],
                first["receipts_verified"]) == (2, 2, 1, 1)
        assert (second["visitors"], second["receipts_queried"],
                second["receipts_verified"]) == (1, 1, 0)
        assert (third["accounts_opened"], third["registrations"], third["deposits_count"],
                third["deposits_total"]) == (1, 1, 1, "1000.00")
        totals = daily["totals"]
        assert totals["visitors"] == 2 and totals["page_views"] == 3  # distinct over period
        kpis = (await client.get("/admin/api/v1/analytics/kpis", params=q,
                                 headers=auditor)).json()
        assert {k: kpis[k] for k in totals} == totals
        for field in ("page_views", "registrations", "accounts_opened", "deposits_count",
                      "receipts_queried", "receipts_verified"):
            assert totals[field] == sum(d[field] for d in days.values())
        csv = await client.get("/admin/api/v1/analytics/daily", params={**q, "format": "csv"},
                               headers=auditor)
        lines = csv.content.decode("utf-8-sig").splitlines()
        assert lines[0] == "date,visitors,page_views,registrations,accounts_opened," \
                           "deposits_count,deposits_total,receipts_queried,receipts_verified"
        assert lines[3].startswith(f"{today.isoformat()},0,0,1,1,1,1000.00,")
        sales = (await client.get("/admin/api/v1/analytics/products", params=q,
                                  headers=auditor)).json()["items"]
        td1y = next(x for x in sales if x["code"] == "TD1Y")
        assert (td1y["sold"], td1y["period_deposits_count"], td1y["period_buyers"]) == (
            "1000.00", 1, 1)
        assert len(sales) == 7 and all(x["status"] == "published" for x in sales)
        as_csv = await client.get("/admin/api/v1/analytics/products", params=q,
                                  headers={**auditor, "Accept": "text/csv"})
        assert as_csv.headers["content-type"].startswith("text/csv")
        assert "TD1Y," in as_csv.content.decode("utf-8-sig")
        for bad in ({"from": today.isoformat(), "to": d2.isoformat()},
                    {"from": "2020-01-01", "to": today.isoformat()}):
            r = await client.get("/admin/api/v1/analytics/daily", params=bad, headers=auditor)
            assert (r.status_code, r.json()["error"]["code"]) == (422, "PERIOD_INVALID")


async def test_extreme_dates_are_answered_not_crashed(platform) -> None:
    auditor = await bearer(platform, 72, kind="staff", roles=("auditor",))
    async with api_client(platform) as client:
        for path in ("funnel", "kpis", "daily", "products"):
            for q in ({"from": "0001-01-01", "to": "0001-01-05"},
                      {"from": "9999-12-25", "to": "9999-12-31"},
                      {"from": "0001-01-01", "to": "9999-12-31"}):
                r = await client.get(f"/admin/api/v1/analytics/{path}", params=q,
                                     headers=auditor)
                assert r.status_code in (200, 422), (path, q, r.text)
