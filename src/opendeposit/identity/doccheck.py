"""Document checks on the ID-card photos: copy, screen re-shoot, glare, cropped card, occlusion,
edited text and the temporary card — each a stable warning code (like the cloud OCR services'
-9100…-9110 family) that either blocks the step with a sentence telling the customer what to
do, or sends the application to staff review (configuration: OPENDEPOSIT_DOCUMENT_CHECKS).

The card is located from its printed layout (GB/T 16980 / the second-generation card is
85.6 × 54 mm with fixed positions): two anchor lines read by OCR give the card's scale and
place, and every check looks where the card's fields must be. Heuristics, not a forensic
model: docs.md gives the measured rates and what passes them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from opendeposit.identity.ports import OcrLine

DEFAULT_ACTIONS = {
    "ID_CARD_COPY": "block", "ID_CARD_SCREEN": "block", "ID_CARD_GLARE": "block",
    "ID_CARD_INCOMPLETE": "block", "ID_CARD_OCCLUDED": "block", "ID_CARD_EDITED": "review",
    "ID_CARD_TEMPORARY": "review",
}
ACTIONS = ("block", "review", "off")
# vendor-style numeric codes next to ours, for staff who know the cloud services' tables
VENDOR_CODES = {"ID_CARD_COPY": -9102, "ID_CARD_SCREEN": -9103, "ID_CARD_GLARE": -9105,
                "ID_CARD_INCOMPLETE": -9100, "ID_CARD_OCCLUDED": -9104,
                "ID_CARD_EDITED": -9106, "ID_CARD_TEMPORARY": -9101}
CARD_MM = (85.6, 54.0)


def document_actions(raw: str) -> dict[str, str]:
    """DEFAULT_ACTIONS with the overrides of OPENDEPOSIT_DOCUMENT_CHECKS (JSON)."""
    out = dict(DEFAULT_ACTIONS)
    if not raw:
        return out
    try:
        given = json.loads(raw)
    except ValueError as exc:
        raise SystemExit(f"OPENDEPOSIT_DOCUMENT_CHECKS is not JSON: {exc}") from exc
    for code, action in given.items():
        if code not in DEFAULT_ACTIONS or action not in ACTIONS:
            raise SystemExit(f"OPENDEPOSIT_DOCUMENT_CHECKS: {code}={action} is not known")
        out[code] = action
    return out


@dataclass(frozen=True)
class DocThresholds:
    copy_chroma: float = 2.5  # std of the colour (Lab a*, b*) over the card: below, a copy
    screen_peak: float = 14.0  # spectrum peak over its ring: above, a screen's pixel grid
    glare_share: float = 0.2  # share of a field's box burnt white, its ink washed out
    border_margin: float = 0.01  # the card must lie inside the photo by this share
    skin_share: float = 0.04  # share of the card's text area in skin colour: a finger
    edit_sharp: float = 1.3  # a field's edges this much sharper than the others' …
    edit_noise: float = 0.5  # … and its background this much quieter: pasted text


@dataclass
class Finding:
    code: str
    side: str
    score: float
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "side": self.side, "score": round(self.score, 3),
                "vendor_code": VENDOR_CODES.get(self.code), **self.detail}


# --------------------------------------------------------------------------- the card's place


@dataclass(frozen=True)
class Placement:
    px_per_mm: float
    left: float
    top: float

    def box(self, x0: float, y0: float, x1: float, y1: float) -> tuple[int, int, int, int]:
        k = self.px_per_mm
        return (round(self.left + x0 * k), round(self.top + y0 * k),
                round(self.left + x1 * k), round(self.top + y1 * k))

    @property
    def card(self) -> tuple[int, int, int, int]:
        return self.box(0, 0, *CARD_MM)


# (first anchor text, its centre y in mm, second anchor, its centre y, the x in mm of the left
# end of the line given by `left`) — positions of the printed layout; 姓名's box as the detector
# draws it starts ~0.7 mm left of the printed glyphs (6.0 mm): 5.3 mm, measured on generated cards
ANCHORS = {"front": ("姓名", 8.8, "号码", 47.8, "姓名", 5.3),
           "back": ("中华人民共和国", 10.8, "有效期", 47.2, "有效期", 14.0)}


# where the values are printed (mm: x0, y0, x1, y1): glare there hides a field
FIELDS = {"front": ((17, 6, 50, 12), (17, 13, 52, 18), (17, 20, 52, 25), (17, 27, 54, 44),
                    (28, 44.5, 82, 50.5)),
          "back": ((30, 36.5, 84, 41.5), (30, 44.5, 84, 49.5))}


def _centre_y(ln: OcrLine) -> float:
    return sum(p[1] for p in ln.box) / len(ln.box)


def place(lines: list[OcrLine], side: str) -> Placement | None:
    """Where the card is in the photo, from two anchor lines of its layout (None: unknown)."""
    top_text, top_mm, bottom_text, bottom_mm, left_text, left_mm = ANCHORS[side]
    a = next((ln for ln in lines if top_text in ln.text), None)
    b = next((ln for ln in lines if bottom_text in ln.text), None)
    c = next((ln for ln in lines if left_text in ln.text), None)
    if a is None or b is None or c is None:
        return None
    span = _centre_y(b) - _centre_y(a)
    if span <= 0:
        return None
    k = span / (bottom_mm - top_mm)
    return Placement(k, c.x - left_mm * k, _centre_y(a) - top_mm * k)


# --------------------------------------------------------------------------- the checks


def _crop(image: Any, box: tuple[int, int, int, int]) -> Any:
    h, w = image.shape[:2]
    x0, y0, x1, y1 = box
    return image[max(0, y0):min(h, y1), max(0, x0):min(w, x1)]


def copy_score(card: Any) -> float:
    """How colourful the card is: a real card has a tinted background, blue labels, a red
    emblem; a black-and-white copy photographed in colour has only the light's cast."""
    import cv2
    import numpy as np

    h, w = card.shape[:2]
    inner = card[h // 10:h - h // 10, w // 10:w - w // 10]
    lab = cv2.cvtColor(inner, cv2.COLOR_BGR2LAB).astype(np.float32)
    a, b = lab[..., 1], lab[..., 2]
    spread = [float(np.percentile(c, 95) - np.percentile(c, 5)) for c in (a, b)]
    return float(np.hypot(spread[0], spread[1])) / 2


def glare_share(patch: Any) -> float:
    """Share of a text line's box burnt white, when the ink itself is washed out there (an
    over-exposed card keeps dark ink; a reflection hides the characters)."""
    import cv2
    import numpy as np

    if not patch.size:
        return 0.0
    grey = cv2.cvtColor(patch, cv2.COLOR_BGR2GRAY)
    if float(np.percentile(grey, 2)) < 140:
        return 0.0
    return float((grey >= 250).mean())


def skin_share(patch: Any) -> float:
    import cv2

    if not patch.size:
        return 0.0
    ycc = cv2.cvtColor(patch, cv2.COLOR_BGR2YCrCb)
    cr, cb, y = ycc[..., 1], ycc[..., 2], ycc[..., 0]
    return float(((cr > 138) & (cr < 175) & (cb > 80) & (cb < 125) & (y > 50)).mean())


def line_stats(image: Any, ln: OcrLine) -> tuple[float, float]:
    """(edge sharpness over contrast, background noise) of one text line's box."""
    import cv2
    import numpy as np

    xs = [p[0] for p in ln.box]
    ys = [p[1] for p in ln.box]
    inset = 0.1 * (max(ys) - min(ys))  # the detector's box reaches past the text: keep inside
    patch = _crop(image, (int(min(xs) + inset), int(min(ys) + inset),
                          int(max(xs) - inset) + 1, int(max(ys) - inset) + 1))
    if patch.size == 0 or min(patch.shape[:2]) < 6:
        return 0.0, 0.0
    g = cv2.cvtColor(patch, cv2.COLOR_BGR2GRAY).astype(np.float32)
    grad = cv2.magnitude(cv2.Sobel(g, cv2.CV_32F, 1, 0), cv2.Sobel(g, cv2.CV_32F, 0, 1))
    contrast = float(np.percentile(g, 95) - np.percentile(g, 5)) or 1.0
    flat = grad < np.percentile(grad, 40)
    # the noise's robust spread (1.4826 × median absolute residual): a few pixels of the photo
    # at the box's edge must not outweigh the quiet inside of a pasted field
    residual = (g - cv2.blur(g, (3, 3)))[flat]
    noise = 1.4826 * float(np.median(np.abs(residual - np.median(residual)))) \
        if flat.sum() > 20 else 0.0
    return float(np.percentile(grad, 95)) / contrast, noise


def edited_lines(image: Any, lines: list[OcrLine], t: DocThresholds
                 ) -> tuple[float, dict[str, Any]] | None:
    """A field that is crisper and quieter than the rest of the photo: text pasted or retyped
    after the photo was taken (no camera blur, no sensor noise, another compression)."""
    import numpy as np

    rows = [ln for ln in lines if len(ln.text) >= 2 and "SAMPLE" not in ln.text.upper()]
    if len(rows) < 4:
        return None
    stats = [line_stats(image, ln) for ln in rows]
    for k, (ln, (sharp, noise)) in enumerate(zip(rows, stats, strict=True)):
        others = [s for j, s in enumerate(stats) if j != k]
        ms = float(np.median([s[0] for s in others]))
        mn = float(np.median([s[1] for s in others]))
        if mn < 0.5 or not ms:
            continue  # a photo with no noise at all says nothing about pasted text
        if sharp / ms >= t.edit_sharp and noise / mn <= t.edit_noise:
            return float(sharp / ms), {"field_text_len": len(ln.text),
                                       "noise_ratio": round(noise / mn, 3)}
    return None


def check_side(image: Any, lines: list[OcrLine], side: str, *,
               find_face: Callable[[Any], bool] | None = None,
               t: DocThresholds = DocThresholds()) -> list[Finding]:
    """The document warnings of one side (image: BGR; lines: its OCR)."""
    from opendeposit.identity.antispoof import screen_score
    from opendeposit.identity.ports import Face

    lines = [ln for ln in lines if "SAMPLE" not in ln.text.upper() and "样本" not in ln.text]
    out: list[Finding] = []
    text = "".join(ln.text for ln in lines)
    if "临时" in text:
        out.append(Finding("ID_CARD_TEMPORARY", side, 1.0, {"why": "临时 printed"}))
    where = place(lines, side)
    if where is None:  # an anchor line is hidden: look for glare or a finger over the text
        share = max((glare_share(_crop(image, _union([ln]))) for ln in lines), default=0.0)
        if share >= t.glare_share:
            out.append(Finding("ID_CARD_GLARE", side, share, {"why": "an anchor is hidden"}))
        if lines and skin_share(_crop(image, _union(lines))) >= t.skin_share:
            out.append(Finding("ID_CARD_OCCLUDED", side, skin_share(_crop(
                image, _union(lines))), {"why": "an anchor line is covered"}))
        return out
    h, w = image.shape[:2]
    x0, y0, x1, y1 = where.card
    m = t.border_margin
    if x0 < -m * w or y0 < -m * h or x1 > w * (1 + m) or y1 > h * (1 + m):
        out.append(Finding("ID_CARD_INCOMPLETE", side, 1.0, {"card_box": [x0, y0, x1, y1]}))
    card = _crop(image, where.card)
    if card.size and copy_score(card) < t.copy_chroma:
        out.append(Finding("ID_CARD_COPY", side, copy_score(card)))
    cw, ch = card.shape[1], card.shape[0]
    if cw > 80 and ch > 80:
        peak = screen_score(card, Face((0.0, 0.0, float(cw), float(ch)), 1.0, ()))
        if peak > t.screen_peak:
            out.append(Finding("ID_CARD_SCREEN", side, peak))
    boxes = [where.box(*mm) for mm in FIELDS[side]] + [_union([ln]) for ln in lines]
    share = max((glare_share(_crop(image, b)) for b in boxes), default=0.0)
    if share >= t.glare_share:
        out.append(Finding("ID_CARD_GLARE", side, share))
    text_area = where.box(5, 5, 54, 52) if side == "front" else where.box(28, 5, 84, 52)
    skin = skin_share(_crop(image, text_area))
    portrait_gone = side == "front" and find_face is not None and not find_face(
        _crop(image, where.box(53, 5, 83, 41)))
    if skin >= t.skin_share or portrait_gone:
        out.append(Finding("ID_CARD_OCCLUDED", side, skin, {"portrait_hidden": portrait_gone}))
    edited = edited_lines(image, lines, t)
    if edited:
        out.append(Finding("ID_CARD_EDITED", side, edited[0], edited[1]))
    return out


def _union(lines: list[OcrLine]) -> tuple[int, int, int, int]:
    xs = [p[0] for ln in lines for p in ln.box]
    ys = [p[1] for ln in lines for p in ln.box]
    return int(min(xs)), int(min(ys)), int(max(xs)) + 1, int(max(ys)) + 1


def temporary_by_validity(valid_from: Any, valid_to: Any) -> bool:
    """A temporary card is valid for three months (居民身份证法): any span under a year."""
    return bool(valid_from and valid_to and (valid_to - valid_from).days <= 366)
