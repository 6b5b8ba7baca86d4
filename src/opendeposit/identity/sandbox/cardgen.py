"""Synthetic second-generation ID card images (居民身份证) for the sandbox, tests and benchmarks.

The layout follows the real card (85.6 × 54 mm): the personal side with labels, values and a
portrait; the emblem side with 中华人民共和国 / 居民身份证, issuing authority and validity.
Each image carries a visible "样本 SAMPLE" mark so nobody mistakes it for a document.
"""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
CARD_MM = (85.6, 54.0)
LABEL = (40, 110, 170)
INK = (20, 20, 20)


@dataclass(frozen=True)
class CardPerson:
    name: str
    sex: str  # 男 | 女
    ethnicity: str  # as printed, without 族: 汉, 蒙古, ...
    birth: date
    address: str
    id_number: str
    authority: str
    valid_from: date
    valid_to: date | None  # None: 长期


@cache
def _font(size: int, path: str = str(FONT_PATH)) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


def _background(w: int, h: int, seed: int) -> Image.Image:
    """A pale gradient with guilloche-like waves, as on the card's security print."""
    import numpy as np

    rnd = random.Random(seed)
    t = np.linspace(0.0, 1.0, w, dtype=np.float32)
    row = np.stack([236 - 10 * t, 240 - 4 * t, 238 + 10 * t], axis=-1)
    img = Image.fromarray(np.broadcast_to(row, (h, w, 3)).astype("uint8"))
    draw = ImageDraw.Draw(img)
    for k in range(18):
        amp, period, phase = h * 0.04, w / (2 + k % 4), rnd.random() * 6.28
        y0 = h * (k + 0.5) / 18
        pts = [(x, y0 + amp * math.sin(x / period * 6.28 + phase)) for x in range(0, w, 6)]
        draw.line(pts, fill=(214, 224, 232), width=1)
    return img


def _scale(width: int) -> float:
    return width / CARD_MM[0]


def _text(draw: ImageDraw.ImageDraw, mm: float, xy_mm: tuple[float, float], text: str,
          size_mm: float, fill: tuple[int, int, int], spacing_mm: float = 0.0,
          font_path: str = str(FONT_PATH)) -> None:
    font = _font(max(8, round(size_mm * mm)), font_path)
    x, y = xy_mm[0] * mm, xy_mm[1] * mm
    if not spacing_mm:
        draw.text((x, y), text, font=font, fill=fill)
        return
    for ch in text:
        draw.text((x, y), ch, font=font, fill=fill)
        x += font.getlength(ch) + spacing_mm * mm


def _wrap(text: str, per_line: int) -> list[str]:
    return [text[i:i + per_line] for i in range(0, len(text), per_line)] or [""]


def _portrait(photo: Image.Image | None, size: tuple[int, int]) -> Image.Image:
    """The photo cropped to the portrait box (cover), on the card's pale background."""
    box = Image.new("RGB", size, (232, 238, 242))
    if photo is None:
        ImageDraw.Draw(box).ellipse((size[0] * .25, size[1] * .15, size[0] * .75, size[1] * .6),
                                    outline=(170, 180, 190), width=3)
        return box
    photo = photo.convert("RGB")
    ratio = max(size[0] / photo.width, size[1] / photo.height)
    resized = photo.resize((round(photo.width * ratio), round(photo.height * ratio)))
    left = (resized.width - size[0]) // 2
    top = (resized.height - size[1]) // 2
    return resized.crop((left, top, left + size[0], top + size[1]))


def face_crop(photo: Image.Image, face_box: tuple[int, int, int, int] | None) -> Image.Image:
    """A head-and-shoulders crop around a detected face box (x, y, w, h), 26:32 like the card."""
    if face_box is None:
        return photo
    x, y, w, h = face_box
    cx, cy = x + w / 2, y + h / 2
    half_w = w * 1.05
    half_h = half_w * 32 / 26
    box = (max(0, round(cx - half_w)), max(0, round(cy - half_h * 0.95)),
           min(photo.width, round(cx + half_w)), min(photo.height, round(cy + half_h * 1.05)))
    return photo.crop(box)


def front(person: CardPerson, photo: Image.Image | None = None, *, width: int = 1028,
          font_path: str = str(FONT_PATH), seed: int = 1) -> Image.Image:
    """The personal-information side (the side with the portrait)."""
    mm = _scale(width)
    img = _background(width, round(CARD_MM[1] * mm), seed)
    d = ImageDraw.Draw(img)
    lab, val = 3.0, 3.6

    def label(xy: tuple[float, float], t: str) -> None:
        _text(d, mm, xy, t, lab, LABEL, 0.6, font_path)

    def value(xy: tuple[float, float], t: str, size: float = val) -> None:
        _text(d, mm, xy, t, size, INK, 0.0, font_path)

    label((6, 7), "姓名")
    value((17, 6.4), person.name, 4.2)
    label((6, 14), "性别")
    value((17, 13.6), person.sex)
    label((29, 14), "民族")
    value((39, 13.6), person.ethnicity)
    label((6, 21), "出生")
    value((17, 20.6), f"{person.birth.year}")
    label((27, 21), "年")
    value((31.5, 20.6), f"{person.birth.month}")
    label((36, 21), "月")
    value((40.5, 20.6), f"{person.birth.day}")
    label((45, 21), "日")
    label((6, 28), "住址")
    per_line, size, step = (10, val, 5.2) if len(person.address) <= 30 else (12, 3.0, 4.3)
    for i, line in enumerate(_wrap(person.address, per_line)[:4]):
        value((17, 27.6 + step * i), line, size)  # long addresses: smaller, as on real cards
    label((6, 46), "公民身份号码")
    _text(d, mm, (28, 45.2), person.id_number, 4.4, INK, 0.35, font_path)
    pw, ph = round(26 * mm), round(32 * mm)
    img.paste(_portrait(photo, (pw, ph)), (round(55 * mm), round(7 * mm)))
    _text(d, mm, (58, 40.5), "样本 SAMPLE", 2.4, (190, 80, 80), 0.0, font_path)
    return img


def back(person: CardPerson, *, width: int = 1028, font_path: str = str(FONT_PATH),
         seed: int = 2) -> Image.Image:
    """The emblem side: 中华人民共和国 居民身份证, the issuing authority and validity."""
    mm = _scale(width)
    img = _background(width, round(CARD_MM[1] * mm), seed)
    d = ImageDraw.Draw(img)
    cx, cy, r = 14 * mm, 15 * mm, 9 * mm
    d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(205, 40, 40))
    star = [(cx + r * 0.55 * math.cos(math.pi / 2 + k * 4 * math.pi / 5),
             cy - r * 0.55 * math.sin(math.pi / 2 + k * 4 * math.pi / 5)) for k in range(5)]
    d.polygon(star, fill=(250, 210, 60))
    _text(d, mm, (31, 8), "中华人民共和国", 4.6, INK, 1.0, font_path)
    _text(d, mm, (30, 17), "居民身份证", 7.0, INK, 1.6, font_path)
    _text(d, mm, (14, 37.5), "签发机关", 3.0, LABEL, 0.6, font_path)
    _text(d, mm, (30, 37), person.authority, 3.6, INK, 0.0, font_path)
    _text(d, mm, (14, 45.5), "有效期限", 3.0, LABEL, 0.6, font_path)
    end = person.valid_to.strftime("%Y.%m.%d") if person.valid_to else "长期"
    _text(d, mm, (30, 45), f"{person.valid_from.strftime('%Y.%m.%d')}-{end}", 3.6, INK, 0.0,
          font_path)
    _text(d, mm, (66, 27), "样本 SAMPLE", 2.4, (190, 80, 80), 0.0, font_path)
    return img


def phone_photo(card: Image.Image, *, seed: int = 0, blur: float = 1.0, noise: float = 6.0,
                angle: float | None = None, quality: int = 70) -> Image.Image:
    """The card as a phone camera sees it: on a desk, rotated, soft, noisy, JPEG-compressed."""
    import numpy as np

    rnd = random.Random(seed)
    angle = rnd.uniform(-6, 6) if angle is None else angle
    margin = card.width // 5
    desk = Image.new("RGB", (card.width + 2 * margin, card.height + 2 * margin),
                     tuple(rnd.randint(90, 150) for _ in range(3)))  # type: ignore[arg-type]
    shadow = Image.new("RGB", card.size, (40, 40, 40))
    desk.paste(shadow, (margin + 8, margin + 10))
    desk = desk.filter(ImageFilter.GaussianBlur(6))
    desk.paste(card, (margin, margin))
    img = desk.rotate(angle, resample=Image.Resampling.BICUBIC, expand=False,
                      fillcolor=(110, 110, 110))
    gain = rnd.uniform(0.85, 1.1)
    arr = np.asarray(img, dtype=np.float32) * gain
    arr += np.random.default_rng(seed).normal(0, noise, arr.shape)
    img = Image.fromarray(np.clip(arr, 0, 255).astype("uint8"))
    if blur:
        img = img.filter(ImageFilter.GaussianBlur(blur))
    return jpeg_roundtrip(img, quality)


def jpeg_roundtrip(img: Image.Image, quality: int = 85) -> Image.Image:
    return Image.open(io.BytesIO(to_jpeg(img, quality)))


def to_jpeg(img: Image.Image, quality: int = 90) -> bytes:
    out = io.BytesIO()
    img.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()



# --------------------------------------------------------------------------- document attacks


def temporary_back(person: CardPerson, *, width: int = 1028, seed: int = 3) -> Image.Image:
    """The emblem side of a temporary card (临时居民身份证, valid three months)."""
    from dataclasses import replace
    from datetime import timedelta

    start = person.valid_from
    img = back(replace(person, valid_to=start + timedelta(days=91)), width=width, seed=seed)
    d = ImageDraw.Draw(img)
    mm = _scale(width)
    d.rectangle((29 * mm, 16 * mm, 84 * mm, 27 * mm), fill=(236, 240, 240))
    _text(d, mm, (28, 17), "临时居民身份证", 6.0, INK, 0.8)
    return img


def grey_copy(card: Image.Image) -> Image.Image:
    """A black-and-white photocopy of the card on paper (then photographed in colour)."""
    import numpy as np

    grey = np.asarray(card.convert("L"), dtype=np.float32)
    grey = np.clip((grey - 40) * 1.25, 0, 255)  # a copier's contrast
    return Image.fromarray(grey.astype("uint8")).convert("RGB")


def with_glare(photo: Image.Image, *, seed: int = 0) -> Image.Image:
    """A burnt-white reflection over the middle of the card (a lamp on the laminate)."""
    import numpy as np

    rnd = random.Random(seed)
    arr = np.asarray(photo, dtype=np.float32)
    h, w = arr.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w]
    cx, cy = w * rnd.uniform(0.35, 0.55), h * rnd.uniform(0.4, 0.6)
    spot = np.exp(-(((xs - cx) / (0.14 * w)) ** 2 + ((ys - cy) / (0.07 * h)) ** 2))
    arr = arr + 400 * spot[..., None]
    return Image.fromarray(np.clip(arr, 0, 255).astype("uint8"))


def cropped(photo: Image.Image, *, share: float = 0.25) -> Image.Image:
    """The card partly outside the photo (its right edge cut off)."""
    return photo.crop((0, 0, round(photo.width * (1 - share)), photo.height))


def with_thumb(photo: Image.Image, *, seed: int = 0) -> Image.Image:
    """A thumb over the lower left of the card (over the address / number)."""
    rnd = random.Random(seed)
    img = photo.copy()
    d = ImageDraw.Draw(img)
    w, h = img.size
    cx, cy = w * rnd.uniform(0.3, 0.4), h * rnd.uniform(0.55, 0.65)
    tone = (rnd.randint(200, 225), rnd.randint(150, 170), rnd.randint(120, 140))
    d.ellipse((cx - 0.09 * w, cy - 0.13 * h, cx + 0.09 * w, cy + 0.16 * h), fill=tone)
    return img.filter(ImageFilter.GaussianBlur(1.0))


def edited_name(photo: Image.Image, person: CardPerson, new_name: str, *,
                width: int = 1028) -> Image.Image:
    """The name field painted over and retyped (another size, crisp, no camera noise), as a
    quick image edit does; `photo` must be the card as generated (not yet photographed)."""
    img = photo.copy()
    d = ImageDraw.Draw(img)
    mm = _scale(width)
    d.rectangle((16.5 * mm, 5.8 * mm, 52 * mm, 12.2 * mm), fill=(232, 238, 236))
    _text(d, mm, (17, 6.0), new_name, 4.9, (0, 0, 0))
    return img


def on_screen_card(photo: Image.Image, *, pitch: float = 1.3, seed: int = 0) -> Image.Image:
    """The card photo shown on a screen and photographed again (a re-shoot)."""
    import cv2
    import numpy as np

    from opendeposit.identity.sandbox.liveshot import on_screen

    bgr = cv2.cvtColor(np.asarray(photo.convert("RGB")), cv2.COLOR_RGB2BGR)
    shot = on_screen(bgr, pitch=pitch, seed=seed)
    return Image.fromarray(cv2.cvtColor(shot, cv2.COLOR_BGR2RGB))
