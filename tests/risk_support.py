"""Test support for the risk context: fake face ports (no models needed), photos, step-up and
staff helpers, and a way to run one event through the risk service."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import httpx

from opendeposit import clock
from opendeposit.identity.ports import Face, LivenessResult, ModelInfo
from opendeposit.platform import Platform
from opendeposit.risk import service as risk
from opendeposit.risk.history import Event, EventKind
from tests.helpers import Opened, bearer

RED, BLUE = (200, 40, 40), (40, 40, 200)


def photo(color: tuple[int, int, int], seed: int = 0) -> bytes:
    """A 240×240 JPEG of one colour (plus a marker pixel row, so each seed differs)."""
    from PIL import Image

    img = Image.new("RGB", (240, 240), color)
    for x in range(seed % 200 + 1):
        img.putpixel((x, 0), (seed % 255, 0, 0))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=95)
    return buf.getvalue()


class FakeFaces:
    """One face in every picture; the embedding says which colour the picture is, so a red
    selfie matches a red registry photo (score 1.0) and not a blue one (score 0.0)."""

    detector = ModelInfo("fake-detector", "1")
    recognizer = ModelInfo("fake-recognizer", "1")

    def detect(self, image: Any) -> list[Face]:
        return [Face((20.0, 20.0, 180.0, 180.0), 0.99,
                     ((80.0, 90.0), (160.0, 90.0), (120.0, 130.0), (90.0, 170.0),
                      (150.0, 170.0)))]

    def aligned(self, image: Any, face: Face) -> Any:
        return image

    def embed(self, aligned: Any) -> Any:
        import numpy as np

        blue = float(aligned[:, :, 0].mean()) > float(aligned[:, :, 2].mean())  # BGR
        return np.array([0.0, 1.0]) if blue else np.array([1.0, 0.0])


class FakeLiveness:
    model = ModelInfo("fake-liveness", "1")

    def check(self, **_: Any) -> LivenessResult:
        return LivenessResult(True, None, [], self.model)


def use_fake_faces(p: Platform) -> None:
    p.identity.faces = FakeFaces()  # type: ignore[assignment]
    p.identity.liveness = FakeLiveness()  # type: ignore[assignment]


async def register_face(p: Platform, opened: Opened, color: tuple[int, int, int] = RED) -> None:
    """Put the customer's person in the sandbox citizen registry with a photo."""
    await p.sandbox["citizens"].add(name=opened.account.holder_name,
                                    id_number="11010519491231002X", photo=photo(color, 99))


async def pass_face(client: httpx.AsyncClient, headers: dict[str, str], step_up_id: str,
                    color: tuple[int, int, int] = RED) -> httpx.Response:
    got = await client.get(f"/api/v1/step-up/{step_up_id}/challenge", headers=headers)
    if got.status_code != 200:
        return got
    ch = got.json()
    files = [("selfie", ("s.jpg", photo(color, 1), "image/jpeg"))] + [
        ("frames", (f"f{i}.jpg", photo(color, 10 + i), "image/jpeg"))
        for i in range(ch["frames_expected"])]
    return await client.post(f"/api/v1/step-up/{step_up_id}/face", headers=headers,
                             files=files, data={"nonce": ch["nonce"]})


async def staff(p: Platform, *roles: str, staff_id: int = 900) -> dict[str, str]:
    return await bearer(p, staff_id, kind="staff", roles=roles or ("risk",))


async def judge(p: Platform, customer_id: int, kind: EventKind, amount: int = 0, *,
                at: datetime | None = None, device_id: str | None = None,
                call: risk.Call | None = None, passed: Any = None,
                balance: int | None = None) -> risk.Outcome:
    """One event through evaluate-and-record, in its own transaction (as phase 2 will)."""
    call = call or risk.Call(kind.value, f"{kind.value}:{amount}")
    async with p.db.transaction() as conn:
        return await risk.evaluate(conn, db=p.db, vault=p.vault, call=call, passed=passed,
                                   balance=balance, event=Event(
                                       customer_id, kind, at or clock.utcnow(), amount,
                                       device_id=device_id, ip="10.0.0.1"))


async def sms_code(p: Platform, phone: str, purpose: str = "login") -> str:
    """A live one-time code for `phone`, written directly (the SMS rate limit is auth's test)."""
    from datetime import timedelta

    from opendeposit.auth.models import sms_challenge

    now = clock.utcnow()
    async with p.db.transaction() as conn:
        await conn.execute(sms_challenge.insert().values(
            phone_hash=p.vault.lookup_hash(phone), purpose=purpose,
            code_hash=p.vault.lookup_hash("246810"), device_id="t", ip="127.0.0.1", attempts=0,
            created_at=now, expires_at=now + timedelta(minutes=5)))
    return "246810"
