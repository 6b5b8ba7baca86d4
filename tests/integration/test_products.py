"""The catalog through the HTTP API: the seeded products, disclosure texts, the trial, and
maker–checker publishing through the admin API."""

from __future__ import annotations

from typing import Any

from opendeposit.products.domain import DEPOSIT_INSURANCE_LOGO_TEXT
from opendeposit.staff.demo import seed_demo_staff
from tests.helpers import PIN, api_client, bearer, funded_customer, seed_catalog, staff_login

DEMO_RATES_11_9 = {"TD3M": "0.80", "TD6M": "1.00", "TD1Y": "1.20", "TD2Y": "1.30",
                   "TD3Y": "1.55", "TD5Y": "1.60", "LCD3Y": "1.75"}


def _draft(code: str, **changes: Any) -> dict[str, Any]:
    body = {"code": code, "name": "1年期整存整取（春季）", "kind": "time_deposit",
            "term_months": 12, "rate": "1.25", "min_amount": "50.00", "step_amount": "1.00",
            "max_per_customer": "100000.00", "total_quota": "5000000.00",
            "sale_start": "2025-06-01", "sale_end": "2025-12-31", "service_area": ["44"]}
    return {**body, **changes}


async def _login(client, username: str, password: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return await staff_login(client, username, password)


async def test_the_seeded_catalog_shows_rates_and_deposit_insurance(platform) -> None:
    await seed_catalog(platform)
    async with api_client(platform) as client:
        listed = (await client.get("/api/v1/products")).json()
        one = (await client.get("/api/v1/products/LCD3Y")).json()
        trial = (await client.get("/api/v1/products/TD1Y/trial?amount=10000.00")).json()
        bad = await client.get("/api/v1/products/TD1Y/trial?amount=1e4")
        missing = await client.get("/api/v1/products/NOPE")
    assert {x["code"]: x["rate"] for x in listed["items"]} == DEMO_RATES_11_9
    for x in listed["items"]:
        assert x["on_sale"] is True and "存款保险" in x["insured_statement"]
        assert x["deposit_insurance_logo_text"] == DEPOSIT_INSURANCE_LOGO_TEXT
        assert x["risk_text"] and x["early_withdrawal_text"]
    assert (one["kind"], one["term_months"], one["min_amount"]) == ("large_cd", 36, "200000.00")
    assert one["maturity_options"] == ["payout"]
    assert trial == {"amount": "10000.00", "rate": "1.20", "term_months": 12,
                     "interest": "120.00", "maturity_date": "2026-06-02",
                     "total_at_maturity": "10120.00"}
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "INVALID_AMOUNT"
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "PRODUCT_NOT_FOUND"


async def test_maker_checker_publishing_and_suspension(platform) -> None:
    await seed_catalog(platform)
    staff = await seed_demo_staff(platform)
    c = await funded_customer(platform)
    customer = await bearer(platform, c.customer_id)
    async with api_client(platform) as client:
        maker = await _login(client, "maker", staff["maker"][1])
        checker = await _login(client, "checker", staff["checker"][1])
        admin = await _login(client, "admin", staff["admin"][1])
        created = await client.post("/admin/api/v1/products", headers=maker,
                                    json=_draft("TD1Y-S", service_area=[]))
        assert created.status_code == 201, created.text
        assert created.json()["status"] == "draft" and created.json()["problems"] == []
        assert (await client.get("/api/v1/products/TD1Y-S")).status_code == 404
        dup = await client.post("/admin/api/v1/products", headers=maker, json=_draft("TD1Y-S"))
        assert dup.json()["error"]["code"] == "PRODUCT_CODE_TAKEN"
        edited = await client.put("/admin/api/v1/products/TD1Y-S", headers=maker,
                                  json=_draft("IGNORED", rate="1.30", service_area=[]))
        assert (edited.json()["rate"], edited.json()["version"]) == ("1.30", 2)
        refused = await client.post("/admin/api/v1/products/TD1Y-S/approve", headers=checker)
        assert refused.json()["error"]["code"] == "PRODUCT_STATE_INVALID"
        sub = await client.post("/admin/api/v1/products/TD1Y-S/submit", headers=maker)
        assert sub.json()["status"] == "pending"
        self_ok = await client.post("/admin/api/v1/products/TD1Y-S/approve", headers=admin)
        assert self_ok.status_code == 200  # admin did not submit it
        assert self_ok.json()["status"] == "published"
        assert self_ok.json()["approved_by"] == staff["admin"][0]
        public = (await client.get("/api/v1/products/TD1Y-S")).json()
        assert public["on_sale"] is True and public["quota_left"] == "5000000.00"
        stop = await client.post("/admin/api/v1/products/TD1Y-S/suspend", headers=checker,
                                 json={"reason": "rate review"})
        assert stop.json()["status"] == "suspended"
        assert (await client.get("/api/v1/products/TD1Y-S")).json()["on_sale"] is False
        listed = (await client.get("/api/v1/products")).json()["items"]
        assert "TD1Y-S" not in {x["code"] for x in listed}
        buy = await client.post("/api/v1/deposits", headers=customer, json={
            "product_code": "TD1Y-S", "amount": "100.00", "pin": PIN, "idempotency_key": "x"})
        assert buy.json()["error"]["code"] == "PRODUCT_NOT_ON_SALE"


async def test_the_submitter_cannot_approve_their_own_product(platform) -> None:
    staff = await seed_demo_staff(platform)
    await seed_catalog(platform)
    async with api_client(platform) as client:
        admin = await _login(client, "admin", staff["admin"][1])
        await client.post("/admin/api/v1/products", headers=admin, json=_draft("SELF"))
        await client.post("/admin/api/v1/products/SELF/submit", headers=admin)
        same = await client.post("/admin/api/v1/products/SELF/approve", headers=admin)
        assert same.status_code == 403
        assert same.json()["error"]["code"] == "MAKER_CHECKER_SAME_PERSON"
        back = await client.post("/admin/api/v1/products/SELF/reject", headers=admin,
                                 json={"reason": "needs a second pair of eyes"})
        assert back.json()["status"] == "draft"


async def test_a_rate_above_the_ceiling_cannot_be_published(platform) -> None:
    staff = await seed_demo_staff(platform)
    await seed_catalog(platform)
    async with api_client(platform) as client:
        maker = await _login(client, "maker", staff["maker"][1])
        body = _draft("HIGH", term_months=3, rate="1.90")  # 3m ceiling 1.85
        created = (await client.post("/admin/api/v1/products", headers=maker, json=body)).json()
        assert [x["code"] for x in created["problems"]] == ["RATE_ABOVE_CEILING"]
        sub = await client.post("/admin/api/v1/products/HIGH/submit", headers=maker)
        assert sub.status_code == 422 and sub.json()["error"]["code"] == "RATE_ABOVE_CEILING"
        cd = _draft("CD-LOW", kind="large_cd", term_months=36, rate="1.75")
        low = (await client.post("/admin/api/v1/products", headers=maker, json=cd)).json()
        assert [x["code"] for x in low["problems"]] == ["MIN_AMOUNT_TOO_LOW"]
        bad_rate = await client.post("/admin/api/v1/products", headers=maker,
                                     json=_draft("BAD", rate="1.2x"))
        assert bad_rate.json()["error"]["code"] == "RATE_INVALID"
        # ceilings are data: a new dated row takes effect once a second person approves it,
        # from the business date on (never backdated); the old row is kept
        risk_headers = await bearer(platform, 99, kind="staff", roles=("risk",))
        checker = await bearer(platform, 98, kind="staff", roles=("checker",))
        rate = {"kind": "time_deposit", "term_months": 3, "board_rate": "0.80",
                "ceiling": "2.00", "effective_from": "2025-06-02"}
        added = await client.post("/admin/api/v1/rates", headers=risk_headers, json=rate)
        assert added.status_code == 201, added.text
        assert added.json()["status"] == "pending"
        sub = await client.post("/admin/api/v1/products/HIGH/submit", headers=maker)
        assert sub.json()["error"]["code"] == "RATE_ABOVE_CEILING"  # not approved yet
        ok = await client.post(f"/admin/api/v1/rates/changes/{added.json()['id']}/approve",
                               headers=checker, json={})
        assert ok.json()["status"] == "approved", ok.text
        again = await client.post("/admin/api/v1/rates", headers=risk_headers, json=rate)
        assert again.status_code == 422  # a duplicate date is refused
        sub = await client.post("/admin/api/v1/products/HIGH/submit", headers=maker)
        assert sub.json()["status"] == "pending"
        rates = (await client.get("/admin/api/v1/rates", headers=maker)).json()["items"]
        assert len([r for r in rates if r["kind"] == "time_deposit" and r["term_months"] == 3]) \
            == 2


async def test_admin_routes_need_a_staff_token_with_the_right_role(platform) -> None:
    await seed_catalog(platform)
    c = await funded_customer(platform)
    async with api_client(platform) as client:
        none = await client.get("/admin/api/v1/products")
        assert none.status_code == 401
        as_customer = await client.get("/admin/api/v1/products",
                                       headers=await bearer(platform, c.customer_id))
        assert as_customer.status_code == 403
        auditor = await bearer(platform, 50, kind="staff", roles=("auditor",))
        create = await client.post("/admin/api/v1/products", headers=auditor,
                                   json=_draft("NOPE"))
        assert create.status_code == 403 and create.json()["error"]["code"] == "ROLE_REQUIRED"
        operator = await bearer(platform, 51, kind="staff", roles=("operator",))
        approve = await client.post("/admin/api/v1/products/TD1Y/approve", headers=operator)
        assert approve.json()["error"]["code"] == "ROLE_REQUIRED"
        seen = await client.get("/admin/api/v1/products", headers=auditor)
        assert seen.status_code == 200 and len(seen.json()["items"]) == 7
