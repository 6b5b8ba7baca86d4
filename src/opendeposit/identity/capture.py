"""The capture protocol (pure): how a client binds the liveness challenge into every frame.

The challenge carries a `nonce` and a one-time `capture_key` (base64url, 32 bytes). For each
picture it uploads — the selfie first (index 0, label "selfie"), then one frame per action
(index 1…n, label = the action) — the client signs

    odcap1|<nonce>|<index>|<label>|<t>|<sha256 hex of the uploaded bytes>

with HMAC-SHA256 under the capture key, where `t` is the whole milliseconds from receiving the
challenge to taking that picture (a monotonic clock). It sends the signatures as the form field
`capture` = {"v": 1, "nonce": ..., "frames": [{"i", "label", "t", "sig"}, ...]}. The server
refuses frames that are not signed for this challenge, that arrive in another order, that were
taken faster than a person can act, or outside the challenge window.

The sandbox's own face kits carry a second kind of proof instead, inside each JPEG: a COM
segment `odkit1|<nonce>|<index>|<label>|<sig>` signed with the sandbox's server-side key over
the JPEG without that segment. Only a sandbox has that key; nothing else gets the kit's pass.
What this does not prove: that a browser's frames came from a camera. A client that holds the
capture key can sign anything; a vendor SDK with device attestation is what closes that gap.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass

CAPTURE_PREFIX = "odcap1"
KIT_PREFIX = b"odkit1"
SOI, COM, SOS = b"\xff\xd8", 0xFE, 0xDA


@dataclass(frozen=True)
class CaptureRules:
    min_gap_ms: int = 200  # between two pictures: nobody turns their head faster
    skew_ms: int = 3000  # client clock vs server clock, and network time
    max_span_ms: int = 300_000  # selfie to last frame: the challenge's lifetime


@dataclass(frozen=True)
class SignedFrame:
    i: int
    label: str
    t: int
    sig: str


def new_key() -> str:
    import secrets

    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")


def _key_bytes(key: str) -> bytes:
    return base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))


def message(nonce: str, i: int, label: str, t: int, sha256_hex: str) -> bytes:
    return f"{CAPTURE_PREFIX}|{nonce}|{i}|{label}|{t}|{sha256_hex}".encode()


def sign(key: str, nonce: str, i: int, label: str, t: int, data: bytes) -> str:
    """The client's signature of one picture (what the H5 app and the mini-program compute)."""
    digest = hashlib.sha256(data).hexdigest()
    return hmac.new(_key_bytes(key), message(nonce, i, label, t, digest), "sha256").hexdigest()


def parse(raw: str | None, *, nonce: str) -> list[SignedFrame] | str:
    """The signed frames of the `capture` field, or a problem code."""
    if not raw:
        return "CAPTURE_SIGNATURE_MISSING"
    try:
        doc = json.loads(raw)
        if doc.get("v") != 1:
            return "CAPTURE_SIGNATURE_INVALID"
        if doc.get("nonce") != nonce:
            return "CAPTURE_SIGNATURE_INVALID"
        return [SignedFrame(int(f["i"]), str(f["label"]), int(f["t"]), str(f["sig"]))
                for f in doc["frames"]]
    except (ValueError, TypeError, KeyError, AttributeError):
        return "CAPTURE_SIGNATURE_INVALID"


def verify(*, key: str, nonce: str, labels: list[str], digests: list[str],
           signed: list[SignedFrame], elapsed_ms: int,
           rules: CaptureRules = CaptureRules()) -> tuple[str | None, int | None]:
    """(problem code or None, the index of the picture at fault) for one upload.

    `labels` and `digests` are the uploaded pictures in order (selfie first); `elapsed_ms` is
    the server's time from issuing the challenge to receiving the upload.
    """
    if len(signed) != len(labels):
        return "CAPTURE_SIGNATURE_INVALID", None
    k = _key_bytes(key)

    def good(f: SignedFrame, pos: int) -> bool:
        msg = message(nonce, pos, labels[pos], f.t, digests[pos])
        return hmac.compare_digest(hmac.new(k, msg, "sha256").hexdigest(), f.sig)

    for pos, f in enumerate(signed):
        if f.i != pos or not good(f, pos):
            moved = any(good(g, pos) for g in signed if g is not f) or f.i != pos
            return ("CAPTURE_OUT_OF_ORDER" if moved else "CAPTURE_SIGNATURE_INVALID"), pos
    times = [f.t for f in signed]
    for pos in range(1, len(times)):
        if times[pos] - times[pos - 1] < rules.min_gap_ms:
            return "CAPTURE_OUT_OF_ORDER", pos
    if times[0] < 0 or times[-1] - times[0] > rules.max_span_ms \
            or times[-1] > elapsed_ms + rules.skew_ms:
        return "CAPTURE_OUTSIDE_WINDOW", None
    return None, None


# --------------------------------------------------------------------------- sandbox kits


def jpeg_segments(data: bytes) -> list[tuple[int, int, int]]:
    """(marker, start, end) of the JPEG header segments before the scan; [] if not a JPEG."""
    if not data.startswith(SOI):
        return []
    out, pos = [], 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        length = int.from_bytes(data[pos + 2:pos + 4], "big")
        out.append((marker, pos, pos + 2 + length))
        if marker == SOS:
            break
        pos += 2 + length
    return out


def kit_tag(data: bytes) -> tuple[bytes, bytes] | None:
    """(the kit comment's text, the JPEG without it), or None when it has no kit comment."""
    for marker, start, end in jpeg_segments(data):
        text = data[start + 4:end]
        if marker == COM and text.startswith(KIT_PREFIX):
            return text, data[:start] + data[end:]
    return None


def kit_message(nonce: str, i: int, label: str, plain: bytes) -> bytes:
    digest = hashlib.sha256(plain).hexdigest()
    return f"odkit1|{nonce}|{i}|{label}|{digest}".encode()


def with_kit_tag(plain: bytes, *, key: bytes, nonce: str, i: int, label: str) -> bytes:
    """The sandbox signs a generated JPEG for one challenge, inside the file (a COM segment)."""
    sig = hmac.new(key, kit_message(nonce, i, label, plain), "sha256").hexdigest()
    text = f"odkit1|{nonce}|{i}|{label}|{sig}".encode()
    return plain[:2] + b"\xff\xfe" + (len(text) + 2).to_bytes(2, "big") + text + plain[2:]


def kit_signed(data: bytes, *, key: bytes, nonce: str, i: int, label: str) -> bool:
    """True when `data` is the sandbox's own kit picture for this challenge, position, label."""
    found = kit_tag(data)
    if found is None:
        return False
    text, plain = found
    parts = text.decode("ascii", "replace").split("|")
    if len(parts) != 5 or parts[1:4] != [nonce, str(i), label]:
        return False
    expected = hmac.new(key, kit_message(nonce, i, label, plain), "sha256").hexdigest()
    return hmac.compare_digest(expected, parts[4])
