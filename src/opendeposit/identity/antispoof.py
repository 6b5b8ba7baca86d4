"""Signal checks across the pictures of one liveness attempt: what a live 3-D head in front of a
camera produces and a still photo, a replay or a screen does not.

Each check returns a `Check` (a score and, when it fails, a reason); `SpoofPolicy` holds the
thresholds and `judge` turns the checks into a decision — both are data, stored with the
evidence. None of this is a certified presentation-attack detector: each check is honest signal
processing that a determined attacker can defeat (docs.md says which and how). Images are BGR
numpy arrays; faces are the detector's boxes and five landmarks.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from opendeposit.identity.ports import Action, Face

ROI_SIDE = 320  # the region around the face is compared at this size (face ≈ 160 px)
SCREEN_SIDE = 192  # native-resolution patch of the face for the pixel-grid spectrum


@dataclass(frozen=True)
class Check:
    name: str
    score: float
    passed: bool
    reason: str = ""
    frame: int | None = None  # the picture at fault (0 = selfie, 1… = frames)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SpoofPolicy:
    """Thresholds and what a failure does; override with OPENDEPOSIT_LIVENESS_POLICY (JSON)."""

    same_image_max: float = 0.8  # noise correlation after undoing the motion: above, one still
    planar_min: float = 0.8  # share of face points off the background's plane in a turn
    eye_contrast_max: float = 0.8  # eye contrast left in a blink frame (share of the selfie's)
    screen_peak_max: float = 9.0  # spectrum peak over its ring's median: above, a pixel grid
    size_consistent: bool = True  # every picture the same size (one camera, one session)
    still_signals_to_refuse: int = 1  # failing still-photo checks that refuse the attempt
    replay_bits: int = 3  # perceptual-hash distance of a near copy
    replay_thumb: float = 0.5  # mean grey difference of the 16×16 thumbnails of a copy


STILL_CHECKS = ("same_image", "planar", "blink_pixels", "sizes")


def judge(checks: list[Check], policy: SpoofPolicy) -> tuple[str | None, Check | None]:
    """(problem code, the deciding check) — screen and replay refuse on their own; still-photo
    signals refuse when at least `still_signals_to_refuse` of them fail."""
    for c in checks:
        if not c.passed and c.name == "replay":
            return "LIVENESS_REPLAY", c
        if not c.passed and c.name == "screen":
            return "LIVENESS_SCREEN", c
    still = [c for c in checks if not c.passed and c.name in STILL_CHECKS]
    if still and len(still) >= policy.still_signals_to_refuse:
        return "LIVENESS_STILL_PHOTO", still[0]
    return None, None


# --------------------------------------------------------------------------- geometry helpers


def roi_box(face: Face, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """A square twice the face around its centre, clipped to the image (x0, y0, x1, y1)."""
    x, y, w, h = face.box
    side = 2.0 * max(w, h)
    cx, cy = x + w / 2, y + h / 2
    x0, y0 = max(0, int(cx - side / 2)), max(0, int(cy - side / 2))
    x1, y1 = min(shape[1], int(cx + side / 2)), min(shape[0], int(cy + side / 2))
    return x0, y0, x1, y1


def grey_roi(image: Any, box: tuple[int, int, int, int]) -> Any:
    import cv2
    import numpy as np

    x0, y0, x1, y1 = box
    crop = cv2.cvtColor(image[y0:y1, x0:x1], cv2.COLOR_BGR2GRAY)
    return cv2.resize(crop, (ROI_SIDE, ROI_SIDE), interpolation=cv2.INTER_AREA).astype(np.float32)


def face_mask(face: Face, box: tuple[int, int, int, int]) -> Any:
    """The face ellipse in ROI coordinates (bool array)."""
    import numpy as np

    x0, y0, x1, y1 = box
    sx, sy = ROI_SIDE / max(1, x1 - x0), ROI_SIDE / max(1, y1 - y0)
    x, y, w, h = face.box
    cx, cy = (x + w / 2 - x0) * sx, (y + h / 2 - y0) * sy
    ys, xs = np.mgrid[0:ROI_SIDE, 0:ROI_SIDE]
    return ((xs - cx) / (0.42 * w * sx)) ** 2 + ((ys - cy) / (0.5 * h * sy)) ** 2 <= 1.0


def flow(a: Any, b: Any) -> Any:
    """Dense motion from `a` to `b` (DIS, fast preset): b[y + fy, x + fx] ≈ a[y, x]."""
    import cv2

    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_FAST)  # type: ignore[attr-defined]
    return dis.calc(a.astype("uint8"), b.astype("uint8"), None)


def warp_back(b: Any, f: Any) -> Any:
    import cv2
    import numpy as np

    ys, xs = np.mgrid[0:f.shape[0], 0:f.shape[1]].astype(np.float32)
    return cv2.remap(b, xs + f[..., 0], ys + f[..., 1], cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REPLICATE)


# --------------------------------------------------------------------------- the checks


def same_image_check(base: Any, frame: Any, f: Any, index: int, policy: SpoofPolicy) -> Check:
    """Frame-to-frame noise: once the motion is undone, two exposures of a live camera share the
    scene but not the sensor noise; warps of one still share the noise too (the same image)."""
    import cv2
    import numpy as np

    back = warp_back(frame, f)
    a = base - cv2.GaussianBlur(base, (0, 0), 1.0)
    b = back - cv2.GaussianBlur(back, (0, 0), 1.0)
    grad = cv2.magnitude(cv2.Sobel(base, cv2.CV_32F, 1, 0), cv2.Sobel(base, cv2.CV_32F, 0, 1))
    flat = grad < np.percentile(grad, 50)  # where the picture is smooth, noise is what is left
    score = float(np.corrcoef(a[flat], b[flat])[0, 1]) if flat.sum() > 100 else 0.0
    ok = score < policy.same_image_max
    return Check("same_image", round(score, 3), ok, "" if ok else "the same image re-encoded",
                 index)


def planar_check(f: Any, mask: Any, index: int, policy: SpoofPolicy) -> Check:
    """During a turn a 3-D head moves off any single plane (the nose more than the cheeks, the
    face against the background); a photo moved or warped as a whole stays on one plane."""
    import cv2
    import numpy as np

    step = 8
    ys, xs = np.mgrid[4:ROI_SIDE:step, 4:ROI_SIDE:step]
    src = np.stack([xs.ravel(), ys.ravel()], axis=1).astype(np.float32)
    dst = src + f[ys.ravel(), xs.ravel()]
    hom, _ = cv2.findHomography(src, dst, cv2.RANSAC, 1.0)
    if hom is None:
        return Check("planar", 1.0, True, "", index)
    proj = cv2.perspectiveTransform(src[None], hom)[0]
    err = np.linalg.norm(proj - dst, axis=1)
    in_face = mask[ys.ravel(), xs.ravel()]
    moved = np.linalg.norm(f[ys.ravel(), xs.ravel()], axis=1)[in_face]
    if float(np.median(moved)) < 0.5 and float(err[in_face].mean()) < 0.5:
        score = 0.0  # nothing moved at all: a still
    else:
        score = float((err[in_face] > 1.5).mean())
    ok = score >= policy.planar_min
    return Check("planar", round(score, 3), ok, "" if ok else "moves as one flat picture",
                 index)


EYES = ((38.29, 51.69), (73.53, 51.50))  # SFace's canonical eye centres in the 112 crop


def eye_contrast(aligned: Any) -> float:
    """The eye patches' grey-level spread over the skin's brightness: an open eye has the dark
    iris against the white; a closed lid is skin, with little spread."""
    import cv2
    import numpy as np

    grey = cv2.cvtColor(aligned, cv2.COLOR_BGR2GRAY).astype(np.float32)
    skin = float(np.median(grey[60:100, 30:82])) or 1.0
    spreads = [float(grey[int(cy - 5):int(cy + 5), int(cx - 10):int(cx + 10)].std())
               for cx, cy in EYES]
    return sum(spreads) / len(spreads) / skin


def blink_check(base_aligned: Any, frame_aligned: Any, index: int,
                policy: SpoofPolicy) -> Check:
    """A real blink covers the eye with the lid: the eye's contrast falls in the pixels.
    Squashing or pulling an open eye (a warp) keeps its iris and white, so its contrast."""
    before = eye_contrast(base_aligned)
    if before < 0.02:
        return Check("blink_pixels", 0.0, True, "no eye contrast to compare", index)
    score = eye_contrast(frame_aligned) / before
    ok = score <= policy.eye_contrast_max
    return Check("blink_pixels", round(score, 3), ok, "" if ok else "eye squashed, not closed",
                 index)


def sizes_check(shapes: list[tuple[int, ...]], policy: SpoofPolicy) -> Check:
    """One camera in one session gives pictures of one size; mixed sizes mean a montage."""
    odd = next((i for i, s in enumerate(shapes) if s[:2] != shapes[0][:2]), None)
    ok = odd is None or not policy.size_consistent
    return Check("sizes", float(len({s[:2] for s in shapes})), ok,
                 "" if ok else "pictures of different sizes", odd)


def screen_score(image: Any, face: Face) -> float:
    """The strongest isolated peak of the face's spectrum over its ring's median: a screen's
    pixel grid (and the moiré it makes with the camera's) stands out; skin does not."""
    import cv2
    import numpy as np

    x, y, w, h = face.box
    side = int(min(SCREEN_SIDE, 0.7 * w, 0.7 * h))
    if side < 64:
        return 0.0
    cx, cy = int(x + w / 2), int(y + h * 0.45)
    patch = image[max(0, cy - side // 2):cy + side // 2, max(0, cx - side // 2):cx + side // 2]
    grey = cv2.cvtColor(patch, cv2.COLOR_BGR2GRAY).astype(np.float32)
    n = min(grey.shape)
    grey = grey[:n, :n] - cv2.GaussianBlur(grey[:n, :n], (0, 0), 3)
    win = np.outer(np.hanning(n), np.hanning(n)).astype(np.float32)
    mag = np.abs(np.fft.fftshift(np.fft.fft2(grey * win)))
    ys, xs = np.mgrid[0:n, 0:n]
    r = np.hypot(xs - n / 2, ys - n / 2).astype(int)
    ring = np.bincount(r.ravel(), mag.ravel()) / np.maximum(np.bincount(r.ravel()), 1)
    norm = mag / np.maximum(ring[r], 1e-6)
    valid = (r > n // 12) & (r < n // 2)
    block = n / 8  # JPEG's 8×8 blocks make peaks at multiples of n/8: not a screen
    fx, fy = np.abs(xs - n / 2), np.abs(ys - n / 2)
    near = (np.abs(fx / block - np.round(fx / block)) * block < 1.5) & (
        np.abs(fy / block - np.round(fy / block)) * block < 1.5)
    return float(norm[valid & ~near].max()) if (valid & ~near).any() else 0.0


def screen_check(image: Any, face: Face, policy: SpoofPolicy) -> Check:
    score = screen_score(image, face)
    ok = score <= policy.screen_peak_max
    return Check("screen", round(score, 2), ok, "" if ok else "pixel grid of a screen", 0)


# --------------------------------------------------------------------------- replay hashes


def grey64(image: Any) -> Any:
    """The whole picture in 64×64 grey (float32, area-averaged): one resize of the full-size
    picture, from which the replay hash and the motion check's thumbnail are both taken."""
    import cv2
    import numpy as np

    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY).astype(np.float32)
    return cv2.resize(grey, (64, 64), interpolation=cv2.INTER_AREA)


def picture_hash(image: Any, *, small: Any = None) -> tuple[int, bytes]:
    """(64-bit DCT hash, 16×16 grey thumbnail) of a whole picture: a re-encoded, resized or
    re-lit copy keeps both; a new exposure of the same scene differs in its details.
    `small` is the picture's `grey64` when the caller has it: 2×2 and 4×4 block means of equal
    cells are the 32×32 and 16×16 area averages, without reading the full picture again."""
    import cv2
    import numpy as np

    g = grey64(image) if small is None else small
    small32 = g.reshape(32, 2, 32, 2).mean(axis=(1, 3))
    low = cv2.dct(small32)[:8, :8].ravel()
    bits = low[1:] > np.median(low[1:])
    value = 0
    for bit in bits:
        value = (value << 1) | int(bit)
    value <<= 1  # 63 coefficients; the DC term carries only brightness
    thumb = g.reshape(16, 4, 16, 4).mean(axis=(1, 3)).astype(np.uint8)
    return value - (1 << 64) if value >= (1 << 63) else value, thumb.tobytes()


def bands(h: int) -> tuple[int, int, int, int]:
    u = h & ((1 << 64) - 1)
    return tuple((u >> (16 * k)) & 0xFFFF for k in range(4))  # type: ignore[return-value]


def hamming(a: int, b: int) -> int:
    return bin((a ^ b) & ((1 << 64) - 1)).count("1")


def thumb_distance(a: bytes, b: bytes) -> float:
    import numpy as np

    x = np.frombuffer(a, np.uint8).astype(np.float32)
    y = np.frombuffer(b, np.uint8).astype(np.float32)
    return float(np.abs((x - x.mean()) - (y - y.mean())).mean())


# --------------------------------------------------------------------------- one attempt


def attempt_checks(selfie: Any, selfie_face: Face, frames: list[Any], faces: list[Face],
                   aligned: list[Any], actions: list[Action], policy: SpoofPolicy, *,
                   screen: Check | None = None) -> list[Check]:
    """Every still-photo and screen check of one attempt (`aligned`: selfie first; `faces`
    are the frames' faces, kept for checks that need them; `screen`: the selfie's screen
    check when the caller already ran it)."""
    checks = [sizes_check([selfie.shape] + [f.shape for f in frames], policy),
              screen or screen_check(selfie, selfie_face, policy)]
    box = roi_box(selfie_face, selfie.shape)
    base = grey_roi(selfie, box)
    mask = face_mask(selfie_face, box)
    residuals = []
    for i, (frame, action) in enumerate(zip(frames, actions, strict=True), start=1):
        if frame.shape[:2] != selfie.shape[:2]:
            continue
        g = grey_roi(frame, box)
        f = flow(base, g)
        residuals.append(same_image_check(base, g, f, i, policy))
        if action in (Action.TURN_LEFT, Action.TURN_RIGHT):
            checks.append(planar_check(f, mask, i, policy))
        if action is Action.BLINK:
            checks.append(blink_check(aligned[0], aligned[i], i, policy))
    if residuals:  # one check for the sequence: the median frame decides
        checks.append(sorted(residuals, key=lambda c: c.score)[len(residuals) // 2])
    return checks
