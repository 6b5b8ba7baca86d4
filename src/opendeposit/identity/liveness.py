"""Action-challenge liveness on YuNet's five landmarks and the aligned face crop.

What is measured (relative to the selfie taken at the same session):
- head turn: the nose's offset from the eye midpoint along the eye line, over the eye distance;
- open mouth: how far the mouth corners and the chin (bottom of the face box) drop below the
  eye line, over the eye distance — an approximation: five landmarks have no lips or jaw;
- blink: the share of dark pixels in the eye patches of the aligned 112×112 crop — another
  approximation: five landmarks have no eyelids.
Each frame must also show the selfie's person (embedding cosine, on the selfie and two frames
picked at random — the one who does the actions is the one in the selfie) and must not be the
same picture as the selfie or an earlier frame (identical bytes, or a re-encoded copy).
Then the signal checks of `antispoof` run across the pictures (still photo, screen) and every
picture gets a perceptual hash for the replay registry; the step decides with the policy. The
screen check runs first: a selfie showing a screen's pixel grid is refused as LIVENESS_SCREEN
before the frames are looked at (judged against a re-shot selfie, the actions would fail too and
hide why).
This is NOT a certified presentation-attack detector (docs.md says what passes it). The
`LivenessChecker` port is where a vendor SDK goes (adapters/faceid.py is shaped like one).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from opendeposit.identity import antispoof
from opendeposit.identity.ports import (
    Action,
    Face,
    FaceEngine,
    FrameCheck,
    LivenessResult,
    ModelInfo,
)

EYE_CENTRES = ((38.29, 51.69), (73.53, 51.50))  # SFace's canonical landmark positions
# the blink patch: the iris and the lid's fold over it (0.4 × 0.17 eye distances), not the
# socket around it — shadows, brows, dark circles and frames stay dark when the lid closes
EYE_HALF = (7, 3)


@dataclass(frozen=True)
class Pose:
    yaw: float  # + : nose towards the image's right
    mouth: float  # mouth-corner drop below the eye line / eye distance
    chin: float  # face-box bottom below the eye line / eye distance
    eyes: float  # dark share of the eye patches


@dataclass(frozen=True)
class Thresholds:
    turn: float = 0.07
    mouth: float = 0.10  # sum of the mouth and chin drops
    blink: float = 0.70  # eye darkness ratio at most this
    same_person: float = 0.45
    motion: float = 1.0  # mean grey difference of 64×64 thumbnails: below, the same picture
    max_other_yaw: float = 0.25  # a mouth or blink frame must not be a big turn
    identity_frames: int = 2  # frames whose embedding is compared with the selfie's
    # frames are searched for faces on a copy this wide at most (the face fills a selfie), and
    # a frame refused at that size is judged once more at `detect_side_fine`; a blink frame is
    # judged at the fine size first: the eye patches' pixel checks need its finer landmarks
    detect_side: int = 480
    detect_side_fine: int = 640


def pose_of(face: Face, aligned: Any) -> Pose:
    import numpy as np

    lm = np.array(face.landmarks, dtype=np.float64)
    e = lm[1] - lm[0]
    d = float(np.linalg.norm(e)) or 1.0
    u = e / d
    n = np.array([-u[1], u[0]])
    mid = (lm[0] + lm[1]) / 2
    mouth = (lm[3] + lm[4]) / 2
    x, y, w, h = face.box
    bottom = np.array([x + w / 2, y + h])
    return Pose(yaw=float((lm[2] - mid) @ u / d), mouth=float((mouth - mid) @ n / d),
                chin=float((bottom - mid) @ n / d), eyes=eye_darkness(aligned))


def eye_darkness(aligned: Any) -> float:
    import cv2
    import numpy as np

    gray = cv2.cvtColor(aligned, cv2.COLOR_BGR2GRAY).astype(np.float32)
    skin = float(np.median(gray[60:100, 30:82])) or 1.0
    shares = []
    for cx, cy in EYE_CENTRES:
        patch = gray[int(cy - EYE_HALF[1]):int(cy + EYE_HALF[1]),
                     int(cx - EYE_HALF[0]):int(cx + EYE_HALF[0])]
        shares.append(float((patch < 0.6 * skin).mean()))
    return sum(shares) / len(shares)


def action_measure(action: Action, base: Pose, frame: Pose, *, mirrored: bool) -> float:
    """How strongly `frame` shows `action` compared with the selfie (higher is stronger)."""
    turn = (frame.yaw - base.yaw) * (-1.0 if mirrored else 1.0)
    if action is Action.TURN_LEFT:  # the person's left: the nose moves to the image's right
        return turn
    if action is Action.TURN_RIGHT:
        return -turn
    if action is Action.OPEN_MOUTH:
        return (frame.mouth - base.mouth) + (frame.chin - base.chin)
    return 1.0 - frame.eyes / base.eyes if base.eyes > 0.02 else 0.0  # BLINK


def action_passed(action: Action, base: Pose, frame: Pose, t: Thresholds, *,
                  mirrored: bool) -> bool:
    m = action_measure(action, base, frame, mirrored=mirrored)
    if action in (Action.TURN_LEFT, Action.TURN_RIGHT):
        return m >= t.turn
    if abs(frame.yaw - base.yaw) > t.max_other_yaw:
        return False
    if action is Action.OPEN_MOUTH:
        return m >= t.mouth
    return m >= 1.0 - t.blink


class ActionLiveness:
    """The LivenessChecker port on a FaceEngine (see the module docstring for its limits)."""

    model = ModelInfo("action-challenge yunet-landmarks + signal checks", "2")

    def __init__(self, engine: FaceEngine, thresholds: Thresholds | None = None,
                 policy: antispoof.SpoofPolicy | None = None) -> None:
        self._engine = engine
        self.t = thresholds or Thresholds()
        self.policy = policy or antispoof.SpoofPolicy()

    def check(self, *, actions: list[Action], selfie: Any, selfie_face: Face,
              frames: list[Any], frame_digests: list[str], mirrored: bool) -> LivenessResult:
        if len(frames) != len(actions):
            return LivenessResult(False, "LIVENESS_FRAMES_COUNT")
        if len(set(frame_digests)) != len(frame_digests):
            return LivenessResult(False, "LIVENESS_FRAMES_REUSED")
        screen = antispoof.screen_check(selfie, selfie_face, self.policy)
        if not screen.passed:  # decisive on its own (antispoof.judge): no need to look further
            return LivenessResult(False, "LIVENESS_SCREEN", [], self.model, [screen])
        base_crop = self._engine.aligned(selfie, selfie_face)
        base = pose_of(selfie_face, base_crop)
        picked = set(random.SystemRandom().sample(range(len(frames)),
                                                  min(self.t.identity_frames, len(frames))))
        base_vec = self._engine.embed(base_crop) if picked else None
        checks: list[FrameCheck] = []
        seen = [antispoof.grey64(selfie)]
        crops, faces = [base_crop], []
        for i, (action, frame) in enumerate(zip(actions, frames, strict=True)):
            check, thumb, face, crop = self._frame(i, action, frame, base, base_vec if i in
                                                   picked else None, seen, mirrored)
            checks.append(check)
            if check.problem:
                return LivenessResult(False, check.problem, checks, self.model)
            seen.append(thumb)
            faces.append(face)
            crops.append(crop)
        signals = antispoof.attempt_checks(selfie, selfie_face, frames, faces, crops, actions,
                                           self.policy, screen=screen)
        return LivenessResult(True, None, checks, self.model, signals,
                              [antispoof.picture_hash(p, small=g)
                               for p, g in zip([selfie, *frames], seen, strict=True)])

    def _frame(self, i: int, action: Action, frame: Any, base: Pose, base_vec: Any,
               seen: list[Any], mirrored: bool) -> tuple[FrameCheck, Any, Any, Any]:
        """One frame: new, one face, the selfie's person, the action — judged on the face found
        at one detection size and, when that refuses it, at the other (`Thresholds`): a frame
        that passes costs one detection, at 480 px about half of one at 640 px."""
        import numpy as np

        thumb = antispoof.grey64(frame)
        if min(float(np.abs(thumb - t).mean()) for t in seen) < self.t.motion:
            return (FrameCheck(i, action.value, False, 0.0, 0.0, "LIVENESS_NO_MOTION"), thumb,
                    None, None)
        sides = [self.t.detect_side, self.t.detect_side_fine]
        if action is Action.BLINK:
            sides.reverse()
        again = sides[1] != sides[0]
        check, face, crop = self._judge(i, action, frame, base, base_vec, mirrored, sides[0],
                                        last=not again)
        if check.problem and again:
            check, face, crop = self._judge(i, action, frame, base, base_vec, mirrored,
                                            sides[1], last=True)
        return check, thumb, face, crop

    def _judge(self, i: int, action: Action, frame: Any, base: Pose, base_vec: Any,
               mirrored: bool, side: int, *, last: bool) -> tuple[FrameCheck, Any, Any]:
        faces = significant(detect_small(self._engine, frame, side))
        if len(faces) != 1:
            code = "FACE_NOT_FOUND" if not faces else "FACE_MULTIPLE"
            return FrameCheck(i, action.value, False, 0.0, 0.0, code), None, None
        crop = self._engine.aligned(frame, faces[0])
        pose = pose_of(faces[0], crop)
        measure = action_measure(action, base, pose, mirrored=mirrored)
        seen = action_passed(action, base, pose, self.t, mirrored=mirrored)
        if not seen and not last:  # the other size decides: no embedding spent on this one
            return (FrameCheck(i, action.value, False, round(measure, 4), 0.0,
                               "LIVENESS_ACTION_NOT_SEEN"), faces[0], crop)
        same = float((self._engine.embed(crop) * base_vec).sum()) if base_vec is not None \
            else 1.0
        problem = None
        if same < self.t.same_person:
            problem = "LIVENESS_DIFFERENT_PERSON"
        elif not seen:
            problem = "LIVENESS_ACTION_NOT_SEEN"
        return FrameCheck(i, action.value, problem is None, round(measure, 4), round(same, 4),
                          problem), faces[0], crop


def detect_small(engine: FaceEngine, image: Any, side: int) -> list[Face]:
    """Faces found on a copy at most `side` wide, mapped back to the image (a selfie's face is
    large: detection at this size is several times cheaper and as good)."""
    import cv2

    h, w = image.shape[:2]
    k = min(1.0, side / max(h, w))
    if k >= 1.0:
        return engine.detect(image)
    small = cv2.resize(image, (round(w * k), round(h * k)), interpolation=cv2.INTER_LINEAR)
    return [Face(box=tuple(v / k for v in f.box), score=f.score,  # type: ignore[arg-type]
                 landmarks=tuple((x / k, y / k) for x, y in f.landmarks))
            for f in engine.detect(small)]


def thumbnail(image: Any) -> Any:
    """64×64 grey: a re-encoded or resized copy of a picture stays within ~0.5 of it."""
    return antispoof.grey64(image)


def significant(faces: list[Face], *, ratio: float = 0.25, min_score: float = 0.8) -> list[Face]:
    """Faces that count: confident ones at least `ratio` of the largest face's area."""
    if not faces:
        return []
    biggest = max(f.area for f in faces)
    return [f for f in faces if f.area >= ratio * biggest and f.score >= min_score]
