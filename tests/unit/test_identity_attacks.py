"""The signal checks and the document checks on the real models: a simulated live capture
passes, the attacks of the benchmark are refused by the check meant for them."""

from __future__ import annotations

from typing import Any

import pytest

from opendeposit.identity import antispoof, doccheck, images
from opendeposit.identity.liveness import ActionLiveness, significant
from opendeposit.identity.ports import Action
from opendeposit.identity.sandbox import cardgen, facekit, liveshot, people
from tests.identity_support import cached_engines, sample_photos

pytestmark = pytest.mark.slow
ACTIONS = [Action.TURN_LEFT, Action.BLINK, Action.OPEN_MOUTH, Action.TURN_RIGHT]


def photo() -> Any:
    import cv2

    return cv2.imread(str(sample_photos()["obama"]))


def judged(selfie: Any, frames: list[Any]) -> str:
    faces = cached_engines()[1]
    checker = ActionLiveness(faces)
    result = checker.check(actions=ACTIONS, selfie=selfie,
                           selfie_face=significant(faces.detect(selfie))[0], frames=frames,
                           frame_digests=[str(i) for i in range(len(frames))], mirrored=False)
    if not result.passed:
        return str(result.problem)
    return antispoof.judge(result.signals, checker.policy)[0] or "pass"


def test_a_simulated_live_capture_passes_and_warped_stills_do_not() -> None:
    faces = cached_engines()[1]
    live = liveshot.live_sequence(faces, photo(), ACTIONS, seed=1)
    assert judged(*live) == "pass"
    assert judged(*facekit.face_kit(faces, photo(), ACTIONS, seed=1)) == "LIVENESS_STILL_PHOTO"
    screen = liveshot.on_screen(live[0], pitch=1.3, seed=1)
    assert judged(screen, live[1]) == "LIVENESS_SCREEN"


def test_a_blink_is_seen_on_a_face_with_shadowed_eye_sockets() -> None:
    """obama2's eyes sit in shadow: the dark socket around the eye stays dark when the lid
    closes, so only the iris's patch shows the blink (the socket-wide patch missed 6 of 6)."""
    import cv2

    faces = cached_engines()[1]
    shadowed = cv2.imread(str(sample_photos()["obama2"]))
    for seed in (0, 1):
        assert judged(*liveshot.live_sequence(faces, shadowed, ACTIONS, seed=seed)) == "pass", seed


def test_a_re_encoded_or_resized_copy_is_recognised_a_new_capture_is_not() -> None:
    faces = cached_engines()[1]
    selfie, frames = liveshot.live_sequence(faces, photo(), ACTIONS, seed=2)
    value, thumb = antispoof.picture_hash(selfie)
    policy = antispoof.SpoofPolicy()

    def same(img: Any) -> bool:
        v, t = antispoof.picture_hash(img)
        return antispoof.hamming(value, v) <= policy.replay_bits and \
            antispoof.thumb_distance(thumb, t) <= policy.replay_thumb

    for kind in ("exact", "reencoded", "resized"):
        assert same(liveshot.replays(selfie, frames, kind)[0]), kind
    assert not same(frames[0])
    assert not same(liveshot.live_sequence(faces, photo(), ACTIONS, seed=3)[0][:, ::-1])


def warnings(img: Any, side: str) -> set[str]:
    ocr, faces = cached_engines()
    image = images.decode(cardgen.to_jpeg(img, 90)).image
    return {f.code for f in doccheck.check_side(image, ocr.read(image), side,
                                                find_face=lambda x: bool(faces.detect(x)))}


def test_document_checks_warn_on_copies_screens_covers_and_temporary_cards() -> None:
    from PIL import Image

    p = people.people(1, seed=31)[0]
    front = cardgen.front(p, Image.open(sample_photos()["obama"]), seed=1)
    shot = cardgen.phone_photo(front, seed=1)
    assert warnings(shot, "front") == set()
    # a card filling the photo edge to edge is whole (the 姓名 box starts left of its glyphs)
    edge_to_edge = people.people(3, seed=31)[2]
    assert warnings(cardgen.front(edge_to_edge, Image.open(sample_photos()["obama"]), seed=2),
                    "front") == set()
    assert "ID_CARD_COPY" in warnings(cardgen.phone_photo(cardgen.grey_copy(front), seed=1),
                                      "front")
    screen = cardgen.on_screen_card(cardgen.phone_photo(front, seed=1, blur=0.5))
    assert "ID_CARD_SCREEN" in warnings(screen, "front")
    assert "ID_CARD_OCCLUDED" in warnings(cardgen.with_thumb(shot, seed=1), "front")
    assert "ID_CARD_INCOMPLETE" in warnings(cardgen.cropped(shot), "front")
    assert "ID_CARD_TEMPORARY" in warnings(cardgen.phone_photo(cardgen.temporary_back(p),
                                                               seed=1), "back")
    edited = cardgen.edited_name(shot.crop((100, 100, shot.width - 100, shot.height - 100)), p,
                                 "王小明")
    assert "ID_CARD_EDITED" in warnings(edited, "front")
