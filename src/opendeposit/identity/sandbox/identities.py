"""Ready-made sandbox identities: generated ID-card images, a registry entry with the photo, and
a Class I sandbox card with the reserved mobile — so anyone can try the whole journey.

The face photos come from PyPI packages (see samples.py) and are cached under the data dir;
the same photo yields the registry photo, the card portrait, the selfie and the liveness frames.
"""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from opendeposit.accounts.domain import luhn_check_digit
from opendeposit.identity.ports import Action
from opendeposit.identity.sandbox import cardgen, facekit, samples
from opendeposit.identity.sandbox.cardgen import CardPerson
from opendeposit.identity.sandbox.people import id_number
from opendeposit.platform import Platform


def _card(n: int) -> str:
    body = f"6228480{n:011d}"
    return body + luhn_check_digit(body)


@dataclass(frozen=True)
class SandboxIdentity:
    key: str
    person: CardPerson
    phone: str  # log in with it: it is also the card's reserved mobile
    card_number: str
    bank: str
    photo: str  # a sample photo name (samples.PACKAGES)
    expect: str
    note_zh: str


IDENTITIES = (
    SandboxIdentity("gd-shenzhen", CardPerson(
        "张伟", "男", "汉", date(1988, 6, 15), "广东省深圳市南山区科技园南路18号3栋502房",
        id_number("440305", date(1988, 6, 15), 131), "深圳市公安局南山分局", date(2016, 8, 1),
        date(2036, 8, 1)), "13900139000", _card(139000), "中国工商银行", "obama", "opened",
        "深圳户籍，证件、人脸、五要素均可通过，提交后直接开户。"),
    SandboxIdentity("gd-guangzhou", CardPerson(
        "陈建国", "男", "汉", date(1962, 3, 8), "广东省广州市天河区体育西路101号1201房",
        id_number("440106", date(1962, 3, 8), 215), "广州市公安局天河分局", date(2012, 5, 20),
        None), "13900139001", _card(139001), "中国建设银行", "biden", "opened",
        "广州户籍，身份证有效期“长期”。"),
    SandboxIdentity("out-of-area", CardPerson(
        "刘洋", "女", "汉", date(1992, 11, 2), "北京市朝阳区建国路88号9号楼1203",
        id_number("110105", date(1992, 11, 2), 246), "北京市公安局朝阳分局", date(2019, 7, 1),
        date(2039, 7, 1)), "13900139002", _card(139002), "中国银行", "astronaut", "rejected",
        "北京户籍：默认被拒（不在服务区域）；若定位在广东并上传居住证明，则转人工审核。"),
)
BY_KEY = {i.key: i for i in IDENTITIES}


def photo_cache(p: Platform) -> Path:
    """Shared by every data dir on the machine: the photos are fetched once."""
    return p.settings.sample_faces_dir or Path.home() / ".cache" / "opendeposit" / "sample-faces"


def _photos(p: Platform) -> dict[str, Path]:
    wanted = {"face_recognition", "scikit-image"}
    return samples.sample_photos(photo_cache(p), tuple(sorted(wanted)))


def _portrait(p: Platform, path: Path) -> Any:
    """A head-and-shoulders crop of the photo, as on a card or in the registry (BGR)."""
    import cv2

    image = cv2.imread(str(path))
    faces = p.identity.faces.detect(image)
    return facekit.crop_around(image, faces[0], margin=1.8, min_side=0) if faces else image


def _build_files(p: Platform, ident: SandboxIdentity, photo: Path | None) -> dict[str, Path]:
    """front.jpg, back.jpg and photo.jpg under the data dir (made once)."""
    import cv2
    from PIL import Image

    out_dir = p.settings.data_dir / "sandbox-identities" / ident.key
    files = {k: out_dir / f"{k}.jpg" for k in ("front", "back", "photo")}
    if all(f.is_file() for f in files.values()) or (photo is None and files["front"].is_file()):
        return files
    out_dir.mkdir(parents=True, exist_ok=True)
    portrait = None
    if photo is not None:
        crop = _portrait(p, photo)
        cv2.imwrite(str(files["photo"]), crop, [cv2.IMWRITE_JPEG_QUALITY, 92])
        portrait = Image.fromarray(cv2.cvtColor(crop, cv2.COLOR_BGR2RGB))
    files["front"].write_bytes(cardgen.to_jpeg(cardgen.front(ident.person, portrait), 92))
    files["back"].write_bytes(cardgen.to_jpeg(cardgen.back(ident.person), 92))
    return files


async def ensure(p: Platform) -> list[dict[str, Any]]:
    """Register every sandbox identity (registry, card) and make its images; idempotent."""
    photos = await asyncio.to_thread(_photos, p)
    out = []
    for ident in IDENTITIES:
        photo = photos.get(ident.photo)
        files = await asyncio.to_thread(_build_files, p, ident, photo)
        has_photo = files["photo"].is_file()
        person = ident.person
        own = p.settings.data_dir / "sandbox-identities" / ident.key / "own.jpg"
        registry_photo = own if own.is_file() else files["photo"]
        await p.sandbox["citizens"].add(name=person.name, id_number=person.id_number,
                                        photo=registry_photo.read_bytes() if has_photo
                                        or own.is_file() else None)
        if await p.sandbox["cards"].card_holder(ident.card_number) is None:
            await p.sandbox["cards"].add_card(card_number=ident.card_number, name=person.name,
                                              id_number=person.id_number, phone=ident.phone,
                                              bank=ident.bank, balance=100_000_000)
        out.append({**describe(ident, has_photo), "own_face": own.is_file()})
    return out


def describe(ident: SandboxIdentity, has_photo: bool) -> dict[str, Any]:
    person, base = ident.person, f"/sandbox/identities/{ident.key}"
    return {"key": ident.key, "name": person.name, "id_number": person.id_number,
            "sex": person.sex, "birth_date": person.birth.isoformat(),
            "address": person.address, "id_valid_from": person.valid_from.isoformat(),
            "id_valid_to": person.valid_to.isoformat() if person.valid_to else "长期",
            "phone": ident.phone, "card_number": ident.card_number, "bank": ident.bank,
            "expected_outcome": ident.expect, "note_zh": ident.note_zh,
            "photo_available": has_photo,
            "photo_source": SAMPLE_SOURCES.get(ident.photo, "sample"),
            "photo_note_zh": "样本照片，取自公开测试数据（PyPI 软件包内的示例图片），并非该姓名的"
                             "真实人物；姓名、号码均为虚构。",
            "photo_note_en": "Sample photo from open test data (an example image shipped in a "
                             "PyPI package), not the person named; the name and number are "
                             "invented.",
            "images": {"front": f"{base}/front.jpg", "back": f"{base}/back.jpg",
                       "photo": f"{base}/photo.jpg" if has_photo else None},
            "face_kit": f"{base}/face-kit"}


SAMPLE_SOURCES = {"obama": "face_recognition 1.3.0 test images (PyPI)",
                  "biden": "face_recognition 1.3.0 test images (PyPI)",
                  "astronaut": "scikit-image 0.26 data (PyPI)"}


async def use_own_photo(p: Platform, key: str, photo: bytes | None) -> bool:
    """The demo's own-camera face step: `photo` (a person's own selfie) becomes the registry
    photo of sandbox identity `key`; None puts the sample photo back. False: unknown key."""
    ident = BY_KEY.get(key)
    if ident is None:
        return False
    own = p.settings.data_dir / "sandbox-identities" / key / "own.jpg"
    if photo is None:
        own.unlink(missing_ok=True)
        sample = image_path(p, key, "photo")
        data = sample.read_bytes() if sample else None
    else:
        own.parent.mkdir(parents=True, exist_ok=True)
        own.write_bytes(photo)
        data = photo
    await p.sandbox["citizens"].add(name=ident.person.name, id_number=ident.person.id_number,
                                    photo=data)
    return True


def image_path(p: Platform, key: str, name: str) -> Path | None:
    path = p.settings.data_dir / "sandbox-identities" / key / f"{name}.jpg"
    return path if key in BY_KEY and name in ("front", "back", "photo") and path.is_file() \
        else None


def face_kit(p: Platform, key: str, actions: list[Action], *, mirrored: bool = False,
             seed: int = 0, nonce: str | None = None) -> dict[str, Any] | None:
    """A selfie and one frame per action, warped from the identity's photo (base64 JPEGs).

    With `nonce`, every picture carries the sandbox's signature for that challenge inside the
    JPEG (capture.with_kit_tag): the face step accepts such a kit as the sandbox's own, once.
    Without it the kit is what it is — a warped still — and the signal checks refuse it.
    """
    import cv2

    from opendeposit.identity import capture

    path = image_path(p, key, "photo")
    if path is None:
        return None
    selfie, frames = facekit.face_kit(p.identity.faces, cv2.imread(str(path)), actions,
                                      seed=seed, mirrored=mirrored)
    labels = ["selfie", *(a.value for a in actions)]
    pictures = []
    for i, img in enumerate([selfie, *frames]):
        data = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()
        if nonce and p.identity.kit_key:
            data = capture.with_kit_tag(data, key=p.identity.kit_key, nonce=nonce, i=i,
                                        label=labels[i])
        pictures.append(base64.b64encode(data).decode())
    return {"selfie": pictures[0], "frames": pictures[1:],
            "actions": [a.value for a in actions], "mirrored": mirrored,
            "signed_for": nonce if nonce and p.identity.kit_key else None,
            "note": "generated from one still photo by geometric warps: sandbox only; signed "
                    "for one challenge when a nonce is given"}
