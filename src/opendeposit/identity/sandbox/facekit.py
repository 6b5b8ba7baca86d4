"""Sandbox selfies and liveness frames made from one still photo by small geometric warps.

This exists so that a person without a camera (and the test suite) can pass the action
challenge in the sandbox: a smooth local warp moves the nose sideways (a head turn as the
landmarks see it), stretches the lower face (mouth opening) or squashes the eyes (a blink), and
each frame gets a small rotation, shift and scale. It shows exactly why landmark-based action
checks are not anti-spoofing: a still photo plus a warp passes them.
"""

from __future__ import annotations

import math
import random
from typing import Any

from opendeposit.identity.ports import Action, Face


def _grid(h: int, w: int) -> tuple[Any, Any]:
    import numpy as np

    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    return xs, ys


def _bump(xs: Any, ys: Any, cx: float, cy: float, sx: float, sy: float) -> Any:
    import numpy as np

    return np.exp(-(((xs - cx) / sx) ** 2 + ((ys - cy) / sy) ** 2) / 2)


def _geometry(face: Face) -> tuple[float, Any, Any, Any]:
    import numpy as np

    lm = np.array(face.landmarks, dtype=np.float32)
    eye_l, eye_r, nose = lm[0], lm[1], lm[2]
    mouth = (lm[3] + lm[4]) / 2
    return float(np.linalg.norm(eye_r - eye_l)), (eye_l, eye_r), nose, mouth


def warp_action(image: Any, face: Face, action: Action, *, strength: float = 1.0,
                mirrored: bool = False) -> Any:
    """The photo with `action` simulated around the detected face."""
    import cv2

    h, w = image.shape[:2]
    xs, ys = _grid(h, w)
    d, eyes, nose, mouth = _geometry(face)
    map_x, map_y = xs, ys
    if action in (Action.TURN_LEFT, Action.TURN_RIGHT):
        # the person's left shows as the nose moving to the image's right (unmirrored)
        sign = 1.0 if (action is Action.TURN_LEFT) != mirrored else -1.0
        map_x = _turn_map(xs, ys, d, eyes, nose, sign * math.radians(28) * strength)
    elif action is Action.OPEN_MOUTH:
        map_y = ys - _jaw_drop(xs, ys, d, mouth, 0.42 * strength)
    elif action is Action.BLINK:
        map_y = ys.copy()
        for eye in eyes:
            k = 1.0 + 3.0 * strength * _bump(xs, ys, eye[0], eye[1], 0.20 * d, 0.09 * d)
            map_y = eye[1] + (map_y - eye[1]) * k
    return cv2.remap(image, map_x, map_y, interpolation=cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REFLECT)


def _turn_map(xs: Any, ys: Any, d: float, eyes: Any, nose: Any, theta: float) -> Any:
    """Rotate a cylinder-shaped head with a protruding nose about the vertical axis."""
    import numpy as np

    cx = (eyes[0][0] + eyes[1][0]) / 2
    radius, nose_depth = 1.05 * d, 0.55 * d
    rel = xs - cx
    depth = np.sqrt(np.clip(radius ** 2 - rel ** 2, 0, None)) + nose_depth * _bump(
        xs, ys, nose[0], nose[1] - 0.1 * d, 0.16 * d, 0.35 * d)
    shift = rel * math.cos(theta) + (depth - radius) * math.sin(theta) - rel
    window = np.clip((1.4 * d - np.abs(rel)) / (0.4 * d), 0, 1) * np.clip(
        (1.7 * d - np.abs(ys - nose[1])) / (0.5 * d), 0, 1)
    forward = xs + shift * window
    out = np.empty_like(xs)
    for r in range(xs.shape[0]):  # invert x -> x + shift row by row (monotone after the max)
        out[r] = np.interp(xs[r], np.maximum.accumulate(forward[r]), xs[r])
    return out


def _jaw_drop(xs: Any, ys: Any, d: float, mouth: Any, amount: float) -> Any:
    """Move everything from the lips down by `amount` eye distances, fading out below."""
    import numpy as np

    top = mouth[1] - 0.02 * d
    ramp = np.clip((ys - top) / (0.2 * d), 0, 1)
    window = np.clip((1.2 * d - np.abs(xs - mouth[0])) / (0.5 * d), 0, 1)
    fade = np.clip((top + 2.2 * d - ys) / (0.6 * d), 0, 1)
    return amount * d * ramp * window * fade


def jitter(image: Any, rnd: random.Random, *, max_deg: float = 3.0, max_shift: float = 0.02,
           max_scale: float = 0.03) -> Any:
    """A small rotation, shift and scale: the hand holding the phone moves between frames."""
    import cv2

    h, w = image.shape[:2]
    angle = rnd.uniform(-max_deg, max_deg)
    scale = 1 + rnd.uniform(-max_scale, max_scale)
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale)
    m[0, 2] += rnd.uniform(-max_shift, max_shift) * w
    m[1, 2] += rnd.uniform(-max_shift, max_shift) * h
    return cv2.warpAffine(image, m, (w, h), borderMode=cv2.BORDER_REFLECT)


def crop_around(image: Any, face: Face, *, margin: float = 1.6, min_side: int = 480) -> Any:
    """A selfie-like crop: the face fills the middle third, upscaled to at least `min_side`."""
    import cv2

    x, y, fw, fh = face.box
    cx, cy, half = x + fw / 2, y + fh / 2, max(fw, fh) * margin
    h, w = image.shape[:2]
    x0, y0 = max(0, int(cx - half)), max(0, int(cy - half * 1.1))
    x1, y1 = min(w, int(cx + half)), min(h, int(cy + half * 1.2))
    out = image[y0:y1, x0:x1]
    if min(out.shape[:2]) < min_side:
        k = min_side / min(out.shape[:2])
        out = cv2.resize(out, (math.ceil(out.shape[1] * k), math.ceil(out.shape[0] * k)))
    return out


def face_kit(engine: Any, photo: Any, actions: list[Action], *, seed: int = 0,
             mirrored: bool = False, self_check: bool = True) -> tuple[Any, list[Any]]:
    """(selfie, frames) for `actions` from one photo; raises ValueError if it has no face.

    With `self_check`, a frame whose action the checker would not see is warped again, more
    strongly and then with another small hand movement, judged as the face step will judge it
    (JPEG-decoded, same detection), so the sandbox journey passes for any photo with a clear
    face.
    """
    from opendeposit.identity.liveness import (
        Thresholds,
        action_passed,
        detect_small,
        pose_of,
        significant,
    )

    faces = engine.detect(photo)
    if not faces:
        raise ValueError("no face in the source photo")
    base = crop_around(photo, faces[0])
    faces = engine.detect(base)
    if not faces:
        raise ValueError("no face after cropping")
    rnd = random.Random(seed)
    selfie = jitter(base, rnd)
    # the selfie as the face step will see it: JPEG-decoded, its one significant face
    selfie_seen = _as_sent(selfie)
    selfie_faces = significant(engine.detect(selfie_seen))
    if len(selfie_faces) != 1:
        raise ValueError("no face in the selfie")
    sf = selfie_faces[0]
    crop = engine.aligned(selfie_seen, sf)
    base_pose, base_vec, t = pose_of(sf, crop), engine.embed(crop), Thresholds()

    def seen_by_checker(action: Action, frame: Any) -> bool:
        seen = _as_sent(frame)  # judged as the checker will: decoded, detected at its size
        found = significant(detect_small(engine, seen, t.detect_side))
        if len(found) != 1:
            return False
        crop = engine.aligned(seen, found[0])
        same = float((engine.embed(crop) * base_vec).sum())
        return same >= t.same_person and action_passed(
            action, base_pose, pose_of(found[0], crop), t, mirrored=mirrored)

    frames = []
    for action in actions:
        # a stronger warp, then another hand movement, until the checker sees the action
        tries = [(s, n) for n in range(3) for s in (1.0, 1.35, 1.8, 2.2)] if self_check \
            else [(1.0, 0)]
        for strength, _ in tries:
            frame = jitter(warp_action(base, faces[0], action, strength=strength,
                                       mirrored=mirrored), rnd, max_deg=2.0)
            if not self_check or seen_by_checker(action, frame):
                break
        frames.append(frame)
    return selfie, frames


def _as_sent(image: Any) -> Any:
    """The picture as the face step decodes it after the kit's JPEG encoding (quality 90)."""
    import cv2

    data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])[1]
    return cv2.imdecode(data, cv2.IMREAD_COLOR)
