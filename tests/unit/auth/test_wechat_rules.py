"""Pure login rules: WeChat's errcodes → stable codes, the WeChat phone number, channels."""

from __future__ import annotations

import pytest

from opendeposit.auth import errors
from opendeposit.auth.domain import channel_of, mainland_phone


@pytest.mark.parametrize(("errcode", "api", "code", "status"), [
    (40029, "code2session", "WECHAT_CODE_INVALID", 401),
    (40163, "code2session", "WECHAT_CODE_INVALID", 401),
    (40029, "phone", "WECHAT_PHONE_CODE_INVALID", 401),
    (45011, "code2session", "WECHAT_RATE_LIMITED", 429),
    (40226, "code2session", "WECHAT_USER_BLOCKED", 403),
    (-1, "code2session", "WECHAT_UNAVAILABLE", 502),
    (40013, "phone", "WECHAT_UNAVAILABLE", 502),  # a wrong appid is our fault, not the user's
])
def test_errcodes_map_to_stable_codes(errcode: int, api: str, code: str, status: int) -> None:
    err = errors.error_for(errcode, api=api)
    assert (err.code, err.http_status) == (code, status)
    assert err.message_zh and err.message_en and str(errcode) not in err.message_en


def test_every_wechat_error_speaks_both_languages() -> None:
    classes = [v for v in vars(errors).values() if isinstance(v, type)
               and issubclass(v, errors.OpenDepositError) and v.__module__ == errors.__name__]
    assert len(classes) >= 10
    for cls in classes:
        assert cls.code.startswith("WECHAT_") and cls.code.isupper()
        assert cls.message_en.endswith(".") and cls.message_zh.endswith("。")


@pytest.mark.parametrize(("raw", "country", "want"), [
    ("13800138000", "86", "13800138000"),
    ("138 0013 8000", None, "13800138000"),
])
def test_mainland_phone(raw: str, country: str | None, want: str) -> None:
    assert mainland_phone(raw, country) == want


@pytest.mark.parametrize(("raw", "country"), [("5551234567", "1"), ("13800138000", "852"),
                                              ("1380013800", "86"), ("23800138000", "86")])
def test_other_numbers_are_not_supported(raw: str, country: str) -> None:
    with pytest.raises(errors.WeChatPhoneNotSupported):
        mainland_phone(raw, country)


def test_channels() -> None:
    assert [channel_of(c) for c in ("H5", "WX", "wx", None, "APP")] == [
        "H5", "WX", None, None, None]
