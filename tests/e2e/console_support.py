"""Data the console's browser test needs, made through the public APIs and the CLI the way a
bank's systems and customers would: the first admin, an application in staff review, a deposit,
and the H5 tracker's events of a dozen visitors."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import httpx

from tests.e2e.conftest import ROOT

CUSTOMER_PHONE = "13800138000"  # 张三, opened and topped up by the demo


def cli(data_dir: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(OPENDEPOSIT_ENV="sandbox", OPENDEPOSIT_DATA_DIR=str(data_dir))
    exe = Path(sys.executable).parent / "opendeposit"
    done = subprocess.run([str(exe), *args], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=True)
    return done.stdout


def review_case(base: str) -> None:
    """An out-of-area applicant with a residence proof, through the customer API: the rules send
    the application to staff review (the same steps the H5 wizard takes)."""
    with httpx.Client(base_url=base, timeout=120) as c:
        ident = next(i for i in c.get("/sandbox/identities").json()["items"]
                     if i["key"] == "out-of-area")
        phone = ident["phone"]
        h = customer_token(c, phone, "e2e-console")
        start = c.post("/api/v1/onboarding", headers=h, json={
            "device_id": "e2e-console", "location": {"lat": 23.13, "lon": 113.26}})
        assert start.status_code == 201, start.text
        app = f"/api/v1/onboarding/{start.json()['id']}"
        front, back = (c.get(ident["images"][s]).content for s in ("front", "back"))
        r = c.post(f"{app}/id-card", headers=h, files={"front": ("f.jpg", front, "image/jpeg"),
                                                       "back": ("b.jpg", back, "image/jpeg")})
        assert r.status_code == 200, r.text
        f = r.json()["fields"]
        r = c.post(f"{app}/identity", headers=h, json={
            "name": f["name"], "id_number": f["id_number"], "id_valid_from": f["valid_from"],
            "id_valid_to": f["valid_to"] or "长期", "address": f["address"]})
        assert r.status_code == 200, r.text
        challenge = r.json()["challenge"]
        kit = c.post(f"/sandbox/identities/{ident['key']}/face-kit",  # signed for this challenge
                     json={"actions": challenge["actions"], "nonce": challenge["nonce"]}).json()
        files = [("selfie", ("s.jpg", base64.b64decode(kit["selfie"]), "image/jpeg"))] + [
            ("frames", (f"{i}.jpg", base64.b64decode(x), "image/jpeg"))
            for i, x in enumerate(kit["frames"])]
        r = c.post(f"{app}/face", headers=h, files=files,
                   data={"face_consent_version": "2025.1", "nonce": challenge["nonce"]})
        assert r.status_code == 200, r.text
        r = c.post(f"{app}/residence-proof", headers=h, data={"kind": "residence_permit"},
                   files={"file": ("p.jpg", back, "image/jpeg")})
        assert r.status_code == 200, r.text
        r = c.post(f"{app}/card", headers=h, json={"card_number": ident["card_number"],
                                                   "phone": phone})
        assert r.status_code == 200, r.text
        sms = c.get(f"/sandbox/sms/{phone}").json()["code"]
        assert c.post(f"{app}/card/confirm", headers=h, json={"code": sms}).status_code == 200
        agreements = [{"id": a["id"], "version": a["version"]}
                      for a in c.get("/api/v1/onboarding/agreements").json()["items"]
                      if a["at_step"] == "submit"]
        r = c.post(f"{app}/submit", headers=h, json={"pin": "246810", "agreements": agreements})
        assert r.json()["status"] == "review", r.text


FUNNEL_EVENTS = (  # what the H5 tracker sends as visitors go further into the journey
    ("page_view", {"path": "/m/"}), ("login_succeeded", {}), ("account_open_started", {}),
    ("onboarding_step_completed", {"step": "face"}), ("account_opened", {}),
    ("deposit_bought", {"product_code": "TD1Y"}),
)


def customer_token(c: httpx.Client, phone: str, device: str) -> dict[str, str]:
    assert c.post("/api/v1/auth/sms-code", json={"phone": phone}).status_code < 300
    code = c.get(f"/sandbox/sms/{phone}").json()["code"]
    token = c.post("/api/v1/auth/login", json={"phone": phone, "code": code,
                                               "device_id": device}).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def buy_deposit(base: str) -> None:
    """The demo customer buys a one-year deposit, for the KPIs and a second receipt."""
    with httpx.Client(base_url=base, timeout=60) as c:
        h = customer_token(c, CUSTOMER_PHONE, "e2e-console-zhang")
        r = c.post("/api/v1/deposits", headers=h, json={
            "product_code": "TD1Y", "amount": "10000.00", "pin": "135790",
            "idempotency_key": "e2e-console-td1y"})
        assert r.status_code == 201, r.text


def visitors(base: str) -> None:
    """Twelve devices that stop at different steps of the journey, for the dashboards."""
    reached = (1, 1, 1, 2, 2, 3, 3, 4, 5, 5, 6, 6)  # how many funnel events each device sent
    with httpx.Client(base_url=base, timeout=30) as c:
        for i, depth in enumerate(reached):
            events = [{"name": name, "props": props} for name, props in FUNNEL_EVENTS[:depth]]
            r = c.post("/api/v1/events", json={"device_id": f"e2e-visitor-{i}", "events": events})
            assert r.status_code == 202, r.text
