"""Simulated live captures and the attacks against them, for tests and the benchmark.

No package ships video of a real person doing a liveness challenge, so the "genuine" set is a
2.5-D rendering of a still photo: the head is an ellipsoid with a nose, it turns about the neck
(so the face moves against a static background and its far side is hidden), the light is
Lambertian from one side (the shading changes as the head turns), a blink paints the lids over
the eyes, an open mouth shows the dark inside, and every frame gets fresh sensor noise, a small
exposure change, a hand's shake and its own JPEG encoding. It is a model of a live capture,
not one: the benchmark's numbers say how the checks separate this model from the attacks, and
the thresholds need the bank's own captures before production (docs.md).

Attacks: warps of one still other than the sandbox's (a photo moved as a whole; a smooth
landmark-driven warp, with or without fresh noise), replays of a genuine attempt (exact,
re-encoded, resized, cropped) and a face shown on a simulated screen (a sub-pixel grid
re-sampled by the camera).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Any

from opendeposit.identity.ports import Action, Face

# --------------------------------------------------------------------------- camera model


def camera(image: Any, rnd: random.Random, *, noise: float = 3.0, quality: int = 90,
           shake: float = 1.5) -> Any:
    """One exposure: a hand's shake, exposure drift, fresh noise, the camera's JPEG."""
    import cv2
    import numpy as np

    h, w = image.shape[:2]
    m = np.array([[1, 0, rnd.uniform(-shake, shake)], [0, 1, rnd.uniform(-shake, shake)]],
                 dtype=np.float32)
    out = cv2.warpAffine(image, m, (w, h), borderMode=cv2.BORDER_REFLECT).astype(np.float32)
    out = out * rnd.uniform(0.94, 1.06) + rnd.uniform(-4, 4)
    seed = rnd.randrange(1 << 30)
    out += np.random.default_rng(seed).normal(0, noise, out.shape).astype(np.float32)
    _ok, buf = cv2.imencode(".jpg", np.clip(out, 0, 255).astype(np.uint8),
                           [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


# --------------------------------------------------------------------------- a live head


def _head(face: Face, shape: tuple[int, ...]) -> tuple[Any, Any, Any, float]:
    """(xs, ys, depth of the head at each pixel or 0 off the head, eye distance)."""
    import numpy as np

    h, w = shape[:2]
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    lm = np.array(face.landmarks, dtype=np.float32)
    d = float(np.linalg.norm(lm[1] - lm[0]))
    cx, cy = float((lm[0][0] + lm[1][0]) / 2), float(lm[2][1])
    ax, ay = 1.25 * d, 1.75 * d
    inside = ((xs - cx) / ax) ** 2 + ((ys - cy) / ay) ** 2
    depth = np.where(inside < 1, ax * np.sqrt(np.clip(1 - inside, 0, 1)), 0).astype(np.float32)
    nose = np.exp(-(((xs - lm[2][0]) / (0.18 * d)) ** 2 + ((ys - lm[2][1] + 0.15 * d)
                                                           / (0.4 * d)) ** 2) / 2)
    return xs, ys, depth + 0.5 * d * nose.astype(np.float32), d


def render_turn(image: Any, face: Face, yaw_deg: float) -> Any:
    """The head turned by `yaw_deg` (+: towards the image's right) about the neck, in front of a
    static background: parallax, the far side hidden, the background revealed, shading."""
    import cv2
    import numpy as np

    xs, ys, depth, d = _head(face, image.shape)
    theta = math.radians(yaw_deg)
    lm = np.array(face.landmarks, dtype=np.float32)
    cx = float((lm[0][0] + lm[1][0]) / 2)
    pivot = 1.1 * d  # the neck is behind the face: the face swings sideways as it turns
    rel, z = xs - cx, depth + pivot
    new_x = cx + rel * math.cos(theta) + z * math.sin(theta) - pivot * math.sin(theta)
    on_head = depth > 0
    out = image.copy()
    hole = np.zeros(image.shape[:2], np.uint8)
    hole[on_head] = 255
    background = cv2.inpaint(image, cv2.dilate(hole, np.ones((9, 9), np.uint8)), 5,
                             cv2.INPAINT_TELEA)
    out[on_head] = background[on_head]
    order = np.argsort(depth[on_head] * math.cos(theta) + rel[on_head] * math.sin(theta))
    px = np.clip(np.round(new_x[on_head]), 0, image.shape[1] - 1).astype(int)[order]
    py = ys[on_head].astype(int)[order]
    normal_x = np.clip(rel[on_head] / (1.25 * d), -1, 1)[order]
    shade = 1.0 + 0.35 * (np.sin(np.arcsin(normal_x) + theta) - normal_x)
    src = image[on_head][order].astype(np.float32) * shade[:, None]
    out[py, px] = np.clip(src, 0, 255).astype(np.uint8)  # nearer points drawn last win
    filled = np.zeros(image.shape[:2], np.uint8)
    filled[py, px] = 255
    gaps = cv2.dilate(filled, np.ones((3, 3), np.uint8)) & ~filled
    return cv2.inpaint(out, gaps, 2, cv2.INPAINT_TELEA) if gaps.any() else out


def render_blink(image: Any, face: Face) -> Any:
    """Both eyes closed: skin from just above each eye drawn over it, with a lash line."""
    import cv2
    import numpy as np

    out = image.copy()
    lm = np.array(face.landmarks, dtype=np.float32)
    d = float(np.linalg.norm(lm[1] - lm[0]))
    for ex, ey in lm[:2]:
        rx, ry = int(0.28 * d), int(0.14 * d)
        lid = image[max(0, int(ey - 3 * ry)):int(ey - ry), int(ex - rx):int(ex + rx)]
        colour = lid.reshape(-1, 3).mean(axis=0) if lid.size else (150, 150, 150)
        mask = np.zeros(image.shape[:2], np.uint8)
        cv2.ellipse(mask, (int(ex), int(ey)), (rx, ry), 0, 0, 360, 255, -1)
        soft = cv2.GaussianBlur(mask, (0, 0), 0.2 * ry)[..., None] / 255.0
        out = (out * (1 - soft) + np.array(colour) * soft).astype(np.uint8)
        cv2.ellipse(out, (int(ex), int(ey + 0.6 * ry)), (rx, max(1, ry // 3)), 0, 10, 170,
                    tuple(int(c * 0.45) for c in colour), max(1, int(0.03 * d)))
    return out


def render_mouth(image: Any, face: Face) -> Any:
    """The jaw dropped and the mouth open: the chin moves down, the inside shows dark."""
    import cv2
    import numpy as np

    lm = np.array(face.landmarks, dtype=np.float32)
    d = float(np.linalg.norm(lm[1] - lm[0]))
    mouth = (lm[3] + lm[4]) / 2
    h, w = image.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    drop = 0.45 * d * np.clip((ys - mouth[1]) / (0.1 * d), 0, 1) * np.clip(
        (1.3 * d - np.abs(xs - mouth[0])) / (0.5 * d), 0, 1) * np.clip(
        (mouth[1] + 2.0 * d - ys) / (0.6 * d), 0, 1)
    out = cv2.remap(image, xs, ys - drop, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    half = float(np.linalg.norm(lm[4] - lm[3])) / 2
    cv2.ellipse(out, (int(mouth[0]), int(mouth[1] + 0.22 * d)), (int(0.8 * half),
                int(0.2 * d)), 0, 0, 360, (35, 30, 45), -1)
    return out


def live_sequence(engine: Any, photo: Any, actions: list[Action], *, seed: int = 0,
                  noise: float = 3.0) -> tuple[Any, list[Any]]:
    """(selfie, frames) as a live person in front of a camera would give them (simulated)."""
    from opendeposit.identity.sandbox.facekit import crop_around

    faces = engine.detect(photo)
    if not faces:
        raise ValueError("no face in the source photo")
    base = crop_around(photo, faces[0])
    face = engine.detect(base)[0]
    rnd = random.Random(seed)
    yaw = 26 * rnd.uniform(0.9, 1.2)
    frames = []
    for action in actions:
        if action is Action.TURN_LEFT:
            scene = render_turn(base, face, yaw)
        elif action is Action.TURN_RIGHT:
            scene = render_turn(base, face, -yaw)
        elif action is Action.BLINK:
            scene = render_blink(base, face)
        else:
            scene = render_mouth(base, face)
        frames.append(camera(scene, rnd, noise=noise))
    return camera(base, rnd, noise=noise), frames


# --------------------------------------------------------------------------- attacks


def still_moved(engine: Any, photo: Any, actions: list[Action], *, seed: int = 0
                ) -> tuple[Any, list[Any]]:
    """A printed or displayed still moved as a whole in front of the camera (perspective tilt,
    rotation, shift), frames injected digitally: one flat picture, one source."""
    import cv2
    import numpy as np

    from opendeposit.identity.sandbox.facekit import crop_around

    base = crop_around(photo, engine.detect(photo)[0])
    h, w = base.shape[:2]
    rnd = random.Random(seed)

    def tilt(k: float) -> Any:
        src = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
        dx, dy = k * 0.08 * w, abs(k) * 0.05 * h
        dst = np.array([[dx, -dy if k > 0 else dy], [w + dx, dy if k > 0 else -dy],
                        [w + dx, h - dy if k > 0 else h + dy],
                        [dx, h + dy if k > 0 else h - dy]], dtype=np.float32)
        dst += np.array([[rnd.uniform(-6, 6), rnd.uniform(-6, 6)] for _ in range(4)],
                        dtype=np.float32)
        m = cv2.getPerspectiveTransform(src, dst)
        return cv2.warpPerspective(base, m, (w, h), borderMode=cv2.BORDER_REFLECT)

    signs = {Action.TURN_LEFT: 1.0, Action.TURN_RIGHT: -1.0}
    return _jpeg(tilt(0.1)), [_jpeg(tilt(signs.get(a, rnd.uniform(-0.5, 0.5))))
                              for a in actions]


def _rbf_warp(image: Any, points: Sequence[tuple[float, float]],
              moves: Sequence[tuple[float, float]], sigma: float) -> Any:
    """A smooth warp moving each control point by its move (Gaussian radial basis)."""
    import cv2
    import numpy as np

    h, w = image.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    c = np.array(points, dtype=np.float64)
    v = np.array(moves, dtype=np.float64)
    k = np.exp(-((c[:, None, :] - c[None, :, :]) ** 2).sum(-1) / (2 * sigma ** 2))
    wts = np.linalg.solve(k + 1e-6 * np.eye(len(c)), v)
    dx = np.zeros((h, w), np.float32)
    dy = np.zeros((h, w), np.float32)
    for (px, py), (wx, wy) in zip(c, wts, strict=True):
        g = np.exp(-((xs - px) ** 2 + (ys - py) ** 2) / (2 * sigma ** 2))
        dx += float(wx) * g
        dy += float(wy) * g
    return cv2.remap(image, xs - dx, ys - dy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def still_animated(engine: Any, photo: Any, actions: list[Action], *, seed: int = 0,
                   fresh_noise: float = 0.0) -> tuple[Any, list[Any]]:
    """A still animated by a landmark-driven smooth warp (not the sandbox's), injected as
    frames; with `fresh_noise`, every frame also gets new synthetic sensor noise."""
    import numpy as np

    from opendeposit.identity.sandbox.facekit import crop_around

    base = crop_around(photo, engine.detect(photo)[0])
    f = engine.detect(base)[0]
    lm = np.array(f.landmarks, dtype=np.float32)
    d = float(np.linalg.norm(lm[1] - lm[0]))
    rnd = random.Random(seed)
    x, y, w, h = f.box
    anchors = [(x - 0.3 * w, y - 0.3 * h), (x + 1.3 * w, y - 0.3 * h), (x - 0.3 * w, y + 1.3 * h),
               (x + 1.3 * w, y + 1.3 * h)]
    frames = []
    for action in actions:
        pts = [tuple(p) for p in lm] + anchors
        mv: Sequence[tuple[float, float]] = [(0.0, 0.0)] * len(pts)
        if action in (Action.TURN_LEFT, Action.TURN_RIGHT):
            s = 0.28 * d * (1 if action is Action.TURN_LEFT else -1)
            mv = [(0.5 * s, 0), (0.5 * s, 0), (s, 0), (0.6 * s, 0), (0.6 * s, 0)] + [(0, 0)] * 4
        elif action is Action.OPEN_MOUTH:
            mv = [(0, 0), (0, 0), (0, 0), (0, 0.3 * d), (0, 0.3 * d)] + [(0, 0)] * 4
        else:  # blink: pull the upper lid down with two extra points above each eye
            pts += [(float(lm[0][0]), float(lm[0][1] - 0.12 * d)),
                    (float(lm[1][0]), float(lm[1][1] - 0.12 * d))]
            mv = [(0, -0.02 * d), (0, -0.02 * d)] + [(0, 0)] * 7 + [(0, 0.12 * d)] * 2
        frame = _rbf_warp(base, pts, mv, 0.35 * d)
        frames.append(camera(frame, rnd, noise=fresh_noise, shake=1.0) if fresh_noise
                      else _jpeg(frame))
    selfie = camera(base, rnd, noise=fresh_noise, shake=1.0) if fresh_noise else _jpeg(base)
    return selfie, frames


def replays(selfie: Any, frames: list[Any], kind: str, *, seed: int = 0
            ) -> tuple[Any, list[Any]]:
    """A genuine attempt's pictures sent again: `exact`, `reencoded`, `resized`, `cropped`."""
    import cv2

    def one(img: Any) -> Any:
        h, w = img.shape[:2]
        if kind == "reencoded":
            return _jpeg(img, 75)
        if kind == "resized":
            return _jpeg(cv2.resize(img, (int(w * 0.85), int(h * 0.85)),
                                    interpolation=cv2.INTER_AREA), 85)
        if kind == "cropped":
            dx, dy = int(0.04 * w), int(0.03 * h)
            return _jpeg(cv2.convertScaleAbs(img[dy:h - dy, dx:w - dx], alpha=1.05, beta=3),
                         88)
        return img

    return one(selfie), [one(f) for f in frames]


def on_screen(image: Any, *, pitch: float = 1.6, seed: int = 0) -> Any:
    """The picture shown on an LCD (RGB stripes, black matrix) and photographed: `pitch` screen
    pixels per camera pixel; the re-sampling of the grid makes the moiré."""
    import cv2
    import numpy as np

    rnd = random.Random(seed)
    h, w = image.shape[:2]
    sh, sw = int(h * pitch), int(w * pitch)
    shown = cv2.resize(image, (sw, sh), interpolation=cv2.INTER_LINEAR).astype(np.float32)
    sub: Any = np.zeros((sh * 3, sw * 3, 3), np.float32)
    for k, ch in enumerate((2, 1, 0)):  # B G R in OpenCV order: stripes R, G, B left to right
        sub[:, k::3, ch] = np.repeat(shown[..., ch], 3, axis=0)
    sub[2::3, :, :] *= 0.25  # the black matrix between rows
    sub = cv2.GaussianBlur(sub, (0, 0), 0.25 * 3 * pitch)  # sharp optics
    angle = rnd.uniform(-4, 4)
    m = cv2.getRotationMatrix2D((sw * 1.5, sh * 1.5), angle, 1.0)
    sub = cv2.warpAffine(sub, m, (sw * 3, sh * 3), borderMode=cv2.BORDER_REFLECT)
    shot = cv2.resize(sub, (w, h), interpolation=cv2.INTER_LINEAR) * 1.15 + 8  # point-like
    return camera(np.clip(shot, 0, 255).astype(np.uint8), rnd, noise=2.0, shake=0.5)


def _jpeg(image: Any, quality: int = 92) -> Any:
    import cv2

    _ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)
