"""Face comparison and action liveness on the local models, with photos from PyPI packages."""

from __future__ import annotations

from typing import Any

import pytest

from opendeposit.identity.liveness import ActionLiveness, significant
from opendeposit.identity.ports import Action
from opendeposit.identity.sandbox.facekit import crop_around, face_kit
from tests.identity_support import cached_engines, sample_photos

pytestmark = pytest.mark.slow
ACTIONS = [Action.TURN_LEFT, Action.BLINK, Action.OPEN_MOUTH]


def load(name: str) -> Any:
    import cv2

    return cv2.imread(str(sample_photos()[name]))


def vector(image: Any) -> Any:
    faces = cached_engines()[1]
    found = faces.detect(image)
    assert found, "no face"
    return faces.embed(faces.aligned(image, found[0]))


def test_same_person_scores_high_and_different_people_low() -> None:
    obama = vector(load("obama"))
    assert float((obama * vector(load("obama2"))).sum()) >= 0.45
    assert float((obama * vector(load("obama3"))).sum()) >= 0.45
    assert float((obama * vector(load("biden"))).sum()) < 0.363
    assert float((vector(load("astronaut")) * vector(load("biden"))).sum()) < 0.363


def test_two_faces_and_no_face() -> None:
    import cv2
    import numpy as np

    faces = cached_engines()[1]
    a = crop_around(load("obama"), faces.detect(load("obama"))[0], min_side=0)
    b = crop_around(load("biden"), faces.detect(load("biden"))[0], min_side=0)
    b = cv2.resize(b, (round(b.shape[1] * a.shape[0] / b.shape[0]), a.shape[0]))
    assert len(significant(faces.detect(np.hstack([a, b])))) == 2
    assert faces.detect(np.full((400, 400, 3), 240, np.uint8)) == []


def check(selfie: Any, frames: list[Any], actions: list[Action] = ACTIONS,
          digests: list[str] | None = None) -> Any:
    faces = cached_engines()[1]
    return ActionLiveness(faces).check(
        actions=actions, selfie=selfie, selfie_face=significant(faces.detect(selfie))[0],
        frames=frames, frame_digests=digests or [str(i) for i in range(len(frames))],
        mirrored=False)


def test_a_good_sequence_passes() -> None:
    selfie, frames = face_kit(cached_engines()[1], load("obama"), ACTIONS)
    result = check(selfie, frames)
    assert result.passed, result.as_dict()
    assert [f.action for f in result.frames] == [a.value for a in ACTIONS]


def test_bad_sequences_fail_with_a_reason() -> None:
    import cv2

    engine = cached_engines()[1]
    selfie, frames = face_kit(engine, load("obama"), ACTIONS)
    assert check(selfie, frames, digests=["x", "x", "y"]).problem == "LIVENESS_FRAMES_REUSED"
    assert check(selfie, frames[:2]).problem == "LIVENESS_FRAMES_COUNT"
    stills = [cv2.imdecode(cv2.imencode(".jpg", selfie, [cv2.IMWRITE_JPEG_QUALITY, q])[1],
                           cv2.IMREAD_COLOR) for q in (95, 90, 85)]
    assert check(selfie, stills).problem == "LIVENESS_NO_MOTION"
    swapped = [Action.TURN_RIGHT, Action.OPEN_MOUTH, Action.BLINK]
    assert check(selfie, frames, swapped).problem == "LIVENESS_ACTION_NOT_SEEN"
    _, other = face_kit(engine, load("biden"), ACTIONS)
    assert check(selfie, other).problem == "LIVENESS_DIFFERENT_PERSON"


def test_an_aligned_crop_is_embedded_once_and_the_replay_hash_keeps_its_values() -> None:
    """The face step embeds the selfie twice (liveness, then the registry comparison): the
    second is the remembered vector. The replay hash, now taken from one 64×64 reduction,
    equals the one of the 32×32 / 16×16 area reductions that the registry already holds."""
    import cv2
    import numpy as np

    from opendeposit.identity import antispoof
    from opendeposit.identity.adapters.face_opencv import OpenCvFaceEngine

    engine = OpenCvFaceEngine()
    image = load("obama")
    crop = engine.aligned(image, engine.detect(image)[0])
    first = engine.embed(crop)
    real, calls = engine._rec, []

    class Counting:
        def feature(self, aligned: Any) -> Any:
            calls.append(1)
            return real.feature(aligned)

    other = load("biden")
    other_crop = engine.aligned(other, engine.detect(other)[0])
    engine._rec = Counting()
    assert np.array_equal(engine.embed(crop.copy()), first) and not calls
    assert float((engine.embed(other_crop) * first).sum()) < 0.363 and calls == [1]

    for name in ("obama", "biden", "astronaut"):
        picture = load(name)
        grey = cv2.cvtColor(picture, cv2.COLOR_BGR2GRAY).astype(np.float32)
        low = cv2.dct(cv2.resize(grey, (32, 32), interpolation=cv2.INTER_AREA))[:8, :8].ravel()
        bits = "".join("1" if b else "0" for b in low[1:] > np.median(low[1:])) + "0"
        value, thumb = antispoof.picture_hash(picture)
        assert format(value & ((1 << 64) - 1), "064b") == bits, name
        want = cv2.resize(grey, (16, 16), interpolation=cv2.INTER_AREA).astype(np.uint8)
        assert np.abs(np.frombuffer(thumb, np.uint8).astype(int) - want.ravel()).max() <= 1
