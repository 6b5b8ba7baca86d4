"""End to end through the HTTP API with the real local models (cached per session): a sandbox
identity opens an account; an out-of-area one goes to staff review and needs four eyes."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from opendeposit.identity.models import onboarding_blob, onboarding_evidence
from opendeposit.platform import Platform
from tests.helpers import api_client, bearer
from tests.identity_support import customer, link_samples, use_cached_models

pytestmark = pytest.mark.slow
DEVICE = "dev-e2e-1"


async def _agreements(c: httpx.AsyncClient) -> list[dict[str, str]]:
    items = (await c.get("/api/v1/onboarding/agreements")).json()["items"]
    return [{"id": a["id"], "version": a["version"]} for a in items if a["at_step"] == "submit"]


async def journey(p: Platform, c: httpx.AsyncClient, key: str, *,
                  location: dict[str, float] | None = None,
                  proof: bool = False) -> dict[str, Any]:
    """Log in as the sandbox identity `key` and go through every step; the submit answer."""
    idents = {i["key"]: i for i in (await c.get("/sandbox/identities")).json()["items"]}
    ident = idents[key]
    _, auth = await customer(p, ident["phone"])
    start = await c.post("/api/v1/onboarding", json={"device_id": DEVICE, "location": location},
                         headers=auth)
    assert start.status_code == 201, start.text
    app_id = start.json()["id"]
    assert start.json()["next_step"] == "id_card"
    base = f"/api/v1/onboarding/{app_id}"
    front = (await c.get(ident["images"]["front"])).content
    back = (await c.get(ident["images"]["back"])).content
    r = await c.post(f"{base}/id-card", files={"front": ("f.jpg", front, "image/jpeg"),
                                               "back": ("b.jpg", back, "image/jpeg")},
                     headers=auth)
    assert r.status_code == 200, r.text
    fields = r.json()["fields"]
    assert fields["name"] == ident["name"] and fields["id_number"] == ident["id_number"]
    r = await c.post(f"{base}/identity", json={
        "name": fields["name"], "id_number": fields["id_number"],
        "id_valid_from": fields["valid_from"],
        "id_valid_to": fields["valid_to"] or "长期", "address": fields["address"]},
        headers=auth)
    assert r.status_code == 200, r.text
    challenge = r.json()["challenge"]
    kit = (await c.post(f"/sandbox/identities/{key}/face-kit",  # signed for this challenge
                        json={"actions": challenge["actions"],
                              "nonce": challenge["nonce"]})).json()
    files = [("selfie", ("s.jpg", base64.b64decode(kit["selfie"]), "image/jpeg"))] + [
        ("frames", (f"{i}.jpg", base64.b64decode(f), "image/jpeg"))
        for i, f in enumerate(kit["frames"])]
    r = await c.post(f"{base}/face", files=files, headers=auth, data={
        "face_consent_version": "2025.1", "nonce": challenge["nonce"]})
    assert r.status_code == 200, r.text
    assert r.json()["next_step"] == "card"
    if proof:
        doc = (await c.get(ident["images"]["back"])).content
        r = await c.post(f"{base}/residence-proof", files={"file": ("p.jpg", doc, "image/jpeg")},
                         data={"kind": "residence_permit"}, headers=auth)
        assert r.status_code == 200, r.text
    r = await c.post(f"{base}/card", json={"card_number": ident["card_number"],
                                           "phone": ident["phone"]}, headers=auth)
    assert r.status_code == 200, r.text
    code = (await c.get(f"/sandbox/sms/{ident['phone']}")).json()["code"]
    r = await c.post(f"{base}/card/confirm", json={"code": code}, headers=auth)
    assert r.status_code == 200, r.text
    r = await c.post(f"{base}/submit", json={"pin": "246810",
                                             "agreements": await _agreements(c)}, headers=auth)
    assert r.status_code == 200, r.text
    return {**r.json(), "auth": auth, "application_id": app_id}


async def test_sandbox_identity_opens_an_account(platform: Platform) -> None:
    link_samples(platform)
    use_cached_models(platform)
    async with api_client(platform) as c:
        out = await journey(platform, c, "gd-shenzhen")
        assert out["status"] == "opened", out
        acct = (await c.get("/api/v1/account", headers=out["auth"])).json()
        assert acct["bound_card"]["card_no_masked"].endswith("9000"[-4:]) or acct["bound_card"]
        again = await c.post(f"/api/v1/onboarding/{out['application_id']}/submit", json={
            "pin": "246810", "agreements": await _agreements(c)}, headers=out["auth"])
        assert again.json()["error"]["code"] == "ONBOARDING_CLOSED"
    async with platform.db.read() as conn:
        kinds = {r.kind for r in (await conn.execute(select(onboarding_evidence.c.kind).where(
            onboarding_evidence.c.application_id == out["application_id"]))).all()}
        blob = (await conn.execute(select(onboarding_blob.c.data).limit(1))).scalar_one()
        blobs = (await conn.execute(select(func.count()).select_from(onboarding_blob))).scalar()
    assert {"id_front", "id_back", "ocr_front", "ocr_back", "citizen_id_check", "selfie",
            "liveness", "face_match", "consent", "five_element_check", "sms_confirmed",
            "agreements", "decision", "opened"} <= kinds
    assert not blob.startswith(b"\xff\xd8") and blobs >= 6  # images are encrypted at rest


async def test_out_of_area_goes_to_review_and_needs_four_eyes(platform: Platform) -> None:
    from opendeposit.staff.service import create_staff

    link_samples(platform)
    use_cached_models(platform)
    async with api_client(platform) as c:
        out = await journey(platform, c, "out-of-area", location={"lat": 23.13, "lon": 113.26},
                            proof=True)
        assert out["status"] == "review", out
        assert {r["code"] for r in out["reasons"]} >= {"OUT_OF_AREA_WITH_PROOF"}
        risk = await create_staff(platform, username="risk1", password="pw-risk-1",
                                  roles=["risk"])
        checker = await create_staff(platform, username="chk1", password="pw-chk-1",
                                     roles=["checker"])
        h_risk = await bearer(platform, risk, kind="staff", roles=("risk",))
        h_chk = await bearer(platform, checker, kind="staff", roles=("checker",))
        cases = (await c.get("/admin/api/v1/onboarding/reviews?status=pending",
                             headers=h_risk)).json()["items"]
        case_id = cases[0]["id"]
        view = (await c.get(f"/admin/api/v1/onboarding/reviews/{case_id}",
                            headers=h_risk)).json()
        proof = next(e for e in view["evidence"] if e["kind"] == "residence_proof")
        img = await c.get(proof["image_url"], headers=h_risk)
        assert img.status_code == 200 and img.content.startswith(b"\xff\xd8")
        assert (await c.get(proof["image_url"], headers=out["auth"])).status_code == 403
        first = await c.post(f"/admin/api/v1/onboarding/reviews/{case_id}/approve",
                             json={"note": "居住证核验无误"}, headers=h_risk)
        assert first.json()["status"] == "second_approval"
        same = await c.post(f"/admin/api/v1/onboarding/reviews/{case_id}/approve",
                            json={"note": "again"}, headers=h_risk)
        assert same.status_code == 403 and same.json()["error"]["code"] == "FOUR_EYES_REQUIRED"
        final = await c.post(f"/admin/api/v1/onboarding/reviews/{case_id}/approve",
                             json={"note": "复核通过"}, headers=h_chk)
        assert final.status_code == 200, final.text
        assert final.json()["application_status"] == "opened"
        acct = await c.get("/api/v1/account", headers=out["auth"])
        assert acct.status_code == 200
        app = (await c.get(f"/api/v1/onboarding/{out['application_id']}",
                           headers=out["auth"])).json()
        assert app["status"] == "opened"
