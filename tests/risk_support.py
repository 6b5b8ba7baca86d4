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
from tests.identity_support import signed_capture

RED, BLUE = (200, 40, 40), (40, 40, 200)


_shots = iter(range(1, 10**9))


def photo(color: tuple[int, int, int], seed: int | None = None) -> bytes:
    """A 240×240 JPEG of one colour under its own noise: every call is a new exposure (the
    replay registry would refuse a repeated picture); the colour is what FakeFaces sees."""
    import numpy as np
    from PIL import Image

    rnd = np.random.default_rng(next(_shots) if seed is None else seed)
    noise = rnd.integers(-40, 41, size=(240, 240, 3))
    pixels = np.clip(np.array(color) + noise, 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(buf, "JPEG", quality=95)
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
                                    id_number="11010519491231002X", photo=photo(color, 0))


async def pass_face(client: httpx.AsyncClient, headers: dict[str, str], step_up_id: str,
                    color: tuple[int, int, int] = RED,
                    pictures: list[bytes] | None = None) -> httpx.Response:
    """Fetch the challenge, then upload a selfie and one frame per action, signed for it by
    the capture protocol as the H5 app does (fresh pictures unless `pictures` are given)."""
    got = await client.get(f"/api/v1/step-up/{step_up_id}/challenge", headers=headers)
    if got.status_code != 200:
        return got
    ch = got.json()
    pictures = pictures or [photo(color) for _ in range(1 + ch["frames_expected"])]
    files = [("selfie", ("s.jpg", pictures[0], "image/jpeg"))] + [
        ("frames", (f"f{i}.jpg", data, "image/jpeg")) for i, data in enumerate(pictures[1:])]
    return await client.post(f"/api/v1/step-up/{step_up_id}/face", headers=headers,
                             files=files, data={"nonce": ch["nonce"],
                                                "capture": signed_capture(ch, pictures)})


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
