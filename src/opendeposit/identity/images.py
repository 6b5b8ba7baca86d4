"""Uploaded photos: only real JPEG or PNG images within size limits, decoded once, upright."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from typing import Any

from opendeposit.identity import errors

MAX_BYTES = 8 * 1024 * 1024
MIN_SIDE = 200
MAX_PIXELS = 40_000_000  # a 12 MP phone photo is 12 M; more is a decompression bomb
SIGNATURES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}


@dataclass(frozen=True)
class Photo:
    data: bytes  # exactly as uploaded (kept as evidence)
    content_type: str
    sha256: str
    width: int
    height: int
    image: Any  # BGR numpy array, EXIF orientation applied


def sniff(data: bytes) -> str | None:
    return next((ct for sig, ct in SIGNATURES.items() if data.startswith(sig)), None)


def decode(data: bytes | None, *, max_bytes: int = MAX_BYTES, min_side: int = MIN_SIDE,
           field: str = "image") -> Photo:
    """Check and decode one upload; every failure is a stable error naming the field."""
    import numpy as np
    from PIL import Image, ImageOps

    details: dict[str, object] = {"field": field}
    if not data:
        raise errors.ImageRequired(details=details)
    if len(data) > max_bytes:
        raise errors.ImageTooLarge(details={**details, "max_bytes": max_bytes})
    content_type = sniff(data)
    if content_type is None:
        raise errors.ImageNotSupported(details=details)
    bad = (OSError, ValueError, SyntaxError)
    try:
        probe = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise errors.ImageDimensionsTooLarge(details=details) from exc
    except bad as exc:
        raise errors.ImageNotSupported(details=details) from exc
    if probe.format not in ("JPEG", "PNG"):
        raise errors.ImageNotSupported(details=details)
    if probe.size[0] * probe.size[1] > MAX_PIXELS:
        raise errors.ImageDimensionsTooLarge(details=details)
    try:
        probe.load()
        upright = ImageOps.exif_transpose(probe).convert("RGB")
    except bad as exc:
        raise errors.ImageNotSupported(details=details) from exc
    if min(upright.size) < min_side:
        raise errors.ImageTooSmall(details={**details, "width": upright.width,
                                            "height": upright.height})
    rgb = np.asarray(upright)
    return Photo(data=data, content_type=content_type, sha256=hashlib.sha256(data).hexdigest(),
                 width=upright.width, height=upright.height, image=rgb[:, :, ::-1].copy())


def sharpness(image: Any) -> float:
    """Variance of the Laplacian on a 800-px-wide grey copy: low means blurred."""
    import cv2

    h, w = image.shape[:2]
    scale = 800 / max(w, 1)
    small = cv2.resize(image, (800, max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    return float(cv2.Laplacian(gray, cv2.CV_64F).var())


def contrast(image: Any) -> float:
    """Standard deviation of the grey levels: near 0 for a blank or uniform picture."""
    import cv2

    return float(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY).std())

