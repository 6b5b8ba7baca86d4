"""TOTP second factor for staff (RFC 6238, 6 digits, 30 s): secrets, enrolment QR, checking a
code once (a code, once used, is not accepted again in its window)."""

from __future__ import annotations

import base64
import hmac
import io
import time

import pyotp
import qrcode
import qrcode.image.svg

STEP_SECONDS = 30
WINDOW = 1  # accept the previous and the next step too (clock drift of a phone)


def new_secret() -> str:
    return pyotp.random_base32()


def otpauth_uri(secret: str, *, username: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    """The enrolment QR as SVG markup (no image library needed)."""
    img = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buf = io.BytesIO()
    img.save(buf)
    return buf.getvalue().decode()


def data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def matching_step(secret: str, otp: str, *, last_step: int | None,
                  now: float | None = None) -> int | None:
    """The time step `otp` belongs to, if it is right and newer than `last_step`; else None."""
    if not (isinstance(otp, str) and len(otp) == 6 and otp.isascii() and otp.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    current = int((time.time() if now is None else now) // STEP_SECONDS)
    for step in range(current - WINDOW, current + WINDOW + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), otp) and \
                (last_step is None or step > last_step):
            return step
    return None


def code_at(secret: str, when: float) -> str:
    """The code an authenticator shows at `when` (tests and the sandbox)."""
    return pyotp.TOTP(secret).at(when)
