"""The capture protocol (pure): per-picture signatures bound to the challenge, order, timing;
the sandbox's own kit signature inside the JPEG."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from pathlib import Path

from PIL import Image

from opendeposit.identity import capture

KEY = capture.new_key()
NONCE = "n0nce-abc"
LABELS = ["selfie", "turn_left", "blink"]
PICS = [b"selfie-bytes", b"frame-1", b"frame-2"]


def signed(times: list[int], *, key: str = KEY, nonce: str = NONCE) -> list[capture.SignedFrame]:
    doc = {"v": 1, "nonce": nonce, "frames": [
        {"i": i, "label": LABELS[i], "t": t, "sig": capture.sign(key, nonce, i, LABELS[i], t,
                                                                 PICS[i])}
        for i, t in enumerate(times)]}
    out = capture.parse(json.dumps(doc), nonce=NONCE)
    assert not isinstance(out, str), out
    return out


def verify(frames: list[capture.SignedFrame], elapsed: int = 10_000,
           pics: list[bytes] = PICS) -> tuple[str | None, int | None]:
    import hashlib

    return capture.verify(key=KEY, nonce=NONCE, labels=LABELS,
                          digests=[hashlib.sha256(p).hexdigest() for p in pics],
                          signed=frames, elapsed_ms=elapsed)


def test_a_well_signed_capture_passes() -> None:
    assert verify(signed([100, 1500, 3200])) == (None, None)


VECTORS = json.loads((Path(__file__).parents[1] / "vectors" / "capture.json").read_text())


def test_known_vector_for_client_implementations() -> None:
    """The H5 app and the mini-program check their HMAC against this vector."""
    sig = capture.sign("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", "abc", 1, "blink", 1234,
                       b"hello")
    assert sig == "f1409c4d438b885b2797abadd731a7e9b97958e9946c4a21fa9a8d4d19abd26b"
    assert VECTORS["signatures"][0]["sig"] == sig


def test_shared_vectors_file_is_what_the_server_checks() -> None:
    """tests/vectors/capture.json, which the clients' tests (vitest, jest) also read."""
    for v in VECTORS["signatures"]:
        data = base64.b64decode(v["bytes_b64"])
        assert capture.sign(v["key"], v["nonce"], v["i"], v["label"], v["t"], data) == v["sig"]
    case = VECTORS["capture_field"]
    ch = case["challenge"]
    pictures = [base64.b64decode(p["bytes_b64"]) for p in case["pictures"]]
    signed = capture.parse(json.dumps(case["field"]), nonce=ch["nonce"])
    assert not isinstance(signed, str), signed
    assert capture.verify(key=ch["capture_key"], nonce=ch["nonce"], labels=ch["capture"]["labels"],
                          digests=[hashlib.sha256(p).hexdigest() for p in pictures],
                          signed=signed, elapsed_ms=10_000) == (None, None)


def test_refusals() -> None:
    frames = signed([100, 1500, 3200])
    assert verify([frames[0], frames[2], frames[1]])[0] == "CAPTURE_OUT_OF_ORDER"
    assert verify(signed([100, 150, 3200]))[0] == "CAPTURE_OUT_OF_ORDER"  # faster than a person
    assert verify(signed([100, 1500, 3200]), elapsed=100)[0] == "CAPTURE_OUTSIDE_WINDOW"
    assert verify(signed([-5, 1500, 3200]))[0] == "CAPTURE_OUTSIDE_WINDOW"
    other = [b"other", *PICS[1:]]
    assert verify(frames, pics=other) == ("CAPTURE_SIGNATURE_INVALID", 0)
    wrong_key = signed([100, 1500, 3200], key=capture.new_key())
    assert verify(wrong_key)[0] == "CAPTURE_SIGNATURE_INVALID"
    assert verify(frames[:2])[0] == "CAPTURE_SIGNATURE_INVALID"
    assert capture.parse(None, nonce=NONCE) == "CAPTURE_SIGNATURE_MISSING"
    assert capture.parse("{not json", nonce=NONCE) == "CAPTURE_SIGNATURE_INVALID"
    old = json.dumps({"v": 1, "nonce": "old", "frames": []})
    assert capture.parse(old, nonce=NONCE) == "CAPTURE_SIGNATURE_INVALID"


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 80, 40)).save(out, "JPEG")
    return out.getvalue()


def test_sandbox_kit_tag_inside_the_jpeg() -> None:
    key = b"k" * 32
    plain = jpeg()
    tagged = capture.with_kit_tag(plain, key=key, nonce=NONCE, i=1, label="blink")
    assert Image.open(io.BytesIO(tagged)).size == (64, 48)  # still a valid JPEG
    assert capture.kit_signed(tagged, key=key, nonce=NONCE, i=1, label="blink")
    assert not capture.kit_signed(tagged, key=key, nonce="another", i=1, label="blink")
    assert not capture.kit_signed(tagged, key=key, nonce=NONCE, i=2, label="blink")
    assert not capture.kit_signed(tagged, key=b"x" * 32, nonce=NONCE, i=1, label="blink")
    assert not capture.kit_signed(plain, key=key, nonce=NONCE, i=1, label="blink")
    found = capture.kit_tag(tagged)
    assert found is not None and found[1] == plain
