"""Pure rules of login: channels, WeChat session lifetimes and the WeChat phone number."""

from __future__ import annotations

from datetime import timedelta

from opendeposit.auth.errors import WeChatPhoneNotSupported

CHANNELS = ("H5", "WX")  # the H5 app, the WeChat mini-program
WECHAT_SESSION_TTL = timedelta(minutes=10)  # to bind a phone after `wx.login`


def channel_of(value: str | None) -> str | None:
    """A known channel, or None (older clients and API users send none)."""
    return value if value in CHANNELS else None


def mainland_phone(phone: str, country_code: str | None = "86") -> str:
    """`purePhoneNumber` + `countryCode` from WeChat → an 11-digit mainland number."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if (country_code or "86") != "86" or len(digits) != 11 or not digits.startswith("1"):
        raise WeChatPhoneNotSupported()
    return digits
