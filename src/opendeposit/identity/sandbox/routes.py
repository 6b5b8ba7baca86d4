"""Sandbox routes of the identity context (included by api/sandbox.py under /sandbox):
the simulated citizen registry and the ready-made identities with their images."""

from __future__ import annotations

import asyncio
import base64
import binascii
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import FileResponse
from pydantic import Field, StrictBool, StrictStr

from opendeposit import clock
from opendeposit.api.deps import PlatformDep
from opendeposit.api.schemas import Strict
from opendeposit.errors import NotFound
from opendeposit.identity import images
from opendeposit.identity.domain import check_name, parse_id_number
from opendeposit.identity.ports import Action
from opendeposit.identity.sandbox import identities

router = APIRouter()


class CitizenIn(Strict):
    name: StrictStr = Field(min_length=1, max_length=40, examples=["张伟"])
    id_number: StrictStr = Field(min_length=18, max_length=18, examples=["440305198806151319"])
    photo: StrictStr | None = Field(None, max_length=11_000_000,
                                    description="base64 JPEG/PNG: the registry photo")
    card_invalidated: StrictBool = Field(False, description="the card was reported lost or "
                                         "replaced: the check answers 失效身份证")


@router.post("/citizens", status_code=201, tags=["sandbox"])
async def add_citizen(body: CitizenIn, p: PlatformDep) -> dict[str, Any]:
    """Adds (or replaces) a person in the simulated citizen-ID registry (联网核查)."""
    async with p.db.read() as conn:
        today = await clock.current_business_date(conn)
    number = parse_id_number(body.id_number, today=today)
    photo = _photo(body.photo)
    await p.sandbox["citizens"].add(name=check_name(body.name), id_number=number.value,
                                    photo=photo, card_invalidated=body.card_invalidated)
    return {"name": body.name, "id_number": number.value, "photo": photo is not None,
            "card_invalidated": body.card_invalidated}


def _photo(b64: str | None) -> bytes | None:
    if not b64:
        return None
    try:
        photo = base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError):
        photo = b""
    images.decode(photo, field="photo", min_side=64)
    return photo


@router.get("/identities", tags=["sandbox"])
async def list_identities(p: PlatformDep) -> dict[str, Any]:
    """Ready-made people to try account opening without documents: log in with `phone`, upload
    `images.front` / `images.back`, confirm the fields, take the face step with a generated
    `face_kit`, bind `card_number`. The first call may take ~20 s (sample photos are fetched
    from PyPI packages once)."""
    return {"items": await identities.ensure(p)}


@router.get("/identities/{key}/{name}.jpg", tags=["sandbox"],
            responses={200: {"content": {"image/jpeg": {}}}})
async def identity_image(key: str, name: str, p: PlatformDep) -> FileResponse:
    """`front`, `back` (generated ID-card sides) or `photo` (the registry photo)."""
    path = identities.image_path(p, key, name)
    if path is None:
        raise NotFound()
    return FileResponse(path, media_type="image/jpeg")


class FaceKitIn(Strict):
    actions: list[Action] = Field(min_length=1, max_length=6,
                                  examples=[["turn_left", "blink", "open_mouth"]])
    nonce: StrictStr | None = Field(None, max_length=64, description="the challenge's nonce: "
                                    "the kit is signed for that challenge only")
    mirrored: StrictBool = False
    seed: int = Field(0, ge=0, le=1_000_000)


@router.post("/identities/{key}/face-kit", tags=["sandbox"])
async def face_kit(key: str, body: FaceKitIn, p: PlatformDep) -> dict[str, Any]:
    """A selfie and one liveness frame per action (base64 JPEGs), generated from the identity's
    photo by small geometric warps. With `nonce`, each picture carries the sandbox's signature
    for that challenge (inside the JPEG): the face step accepts it once, as the sandbox's own
    kit. A kit, or any of its pictures, used in an earlier attempt is refused as a replay;
    an unsigned kit is a warped still and the liveness checks refuse it."""
    kit = await asyncio.to_thread(identities.face_kit, p, key, list(body.actions),
                                  mirrored=body.mirrored, seed=body.seed, nonce=body.nonce)
    if kit is None:
        raise NotFound()
    return kit


@router.put("/identities/{key}/photo", tags=["sandbox"])
async def own_photo(key: str, p: PlatformDep, photo: Annotated[UploadFile | None, File(
        description="JPEG/PNG of your own face; none puts the sample photo back")] = None
                    ) -> dict[str, Any]:
    """Registers your own face as this sandbox person's registry photo (联网核查 returns it), so
    that the face step can be done with your own camera. Do it before the identity step."""
    data = await photo.read() if photo else None
    if data:
        images.decode(data, field="photo", min_side=64)
    if not await identities.use_own_photo(p, key, data or None):
        raise NotFound()
    return {"key": key, "photo_source": "own" if data else "sample"}


@router.post("/faceid/{token}/capture", tags=["sandbox"])
async def faceid_capture(
    token: str, p: PlatformDep,
    outcome: Annotated[Literal["pass", "spoof", "timeout"], Form()] = "pass",
    selfie: Annotated[UploadFile | None, File(description="the best frame the simulated SDK "
                                              "captured")] = None,
) -> dict[str, Any]:
    """The simulated vendor SDK (liveness_provider=vendor): it captured on the device and
    reports `outcome`; the platform then fetches the result with the token."""
    vendor = p.identity.vendor
    data = await selfie.read() if selfie else None
    if data:
        images.decode(data, field="selfie")
    if vendor is None or not hasattr(vendor, "complete") or not await vendor.complete(
            token=token, outcome=outcome, selfie=data or None):
        raise NotFound()
    return {"token": token, "outcome": outcome}
