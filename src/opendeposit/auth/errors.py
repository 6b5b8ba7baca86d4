"""WeChat login errors and how WeChat's errcodes map onto them (stable codes, zh and en)."""

from __future__ import annotations

from opendeposit.errors import (
    Conflict,
    ExternalServiceError,
    Forbidden,
    OpenDepositError,
    TooManyRequests,
    Unauthorized,
    ValidationFailed,
)


class WeChatCodeInvalid(Unauthorized):
    code = "WECHAT_CODE_INVALID"
    message_en = "The WeChat login has expired or was already used; please log in again."
    message_zh = "微信登录已失效或已被使用，请重新登录。"


class WeChatPhoneCodeInvalid(Unauthorized):
    code = "WECHAT_PHONE_CODE_INVALID"
    message_en = ("The phone-number authorisation is not valid for this login; tap the button "
                  "again or use an SMS code.")
    message_zh = "手机号授权无效或已过期，请重新授权，或使用短信验证码。"


class WeChatSessionInvalid(Unauthorized):
    code = "WECHAT_SESSION_INVALID"
    message_en = "This WeChat login has expired; please log in with WeChat again."
    message_zh = "本次微信登录已失效，请重新进行微信登录。"


class WeChatRateLimited(TooManyRequests):
    code = "WECHAT_RATE_LIMITED"
    message_en = "Too many WeChat logins; please wait a minute and try again."
    message_zh = "微信登录过于频繁，请稍后再试。"


class WeChatUserBlocked(Forbidden):
    code = "WECHAT_USER_BLOCKED"
    message_en = ("WeChat has restricted this WeChat account; log in with your phone number "
                  "and an SMS code instead.")
    message_zh = "该微信账号存在风险，已被微信限制登录，请使用手机号和短信验证码登录。"


class WeChatAlreadyBound(Conflict):
    code = "WECHAT_ALREADY_BOUND"
    message_en = "This WeChat account is already linked to another customer."
    message_zh = "该微信账号已绑定其他客户，不能重复绑定。"


class WeChatCustomerBound(Conflict):
    code = "WECHAT_CUSTOMER_BOUND"
    message_en = ("This phone number is already linked to another WeChat account; log in with "
                  "that WeChat, or with the phone number and an SMS code.")
    message_zh = "该手机号已绑定其他微信账号，请使用原微信登录，或使用手机号和短信验证码登录。"


class WeChatPhoneNotSupported(ValidationFailed):
    code = "WECHAT_PHONE_NOT_SUPPORTED"
    message_en = "Only a mainland China mobile number can be used; use an SMS code instead."
    message_zh = "仅支持中国大陆手机号，请改用短信验证码登录。"


class WeChatPhoneProofRequired(ValidationFailed):
    code = "WECHAT_PHONE_PROOF_REQUIRED"
    message_en = "Send either phone_code, or phone and sms_code."
    message_zh = "请授权微信手机号，或填写手机号和短信验证码。"


class WeChatNotConfigured(OpenDepositError):
    code = "WECHAT_NOT_CONFIGURED"
    http_status = 503
    message_en = "WeChat login is not available on this server; log in with an SMS code."
    message_zh = "本服务暂未开通微信登录，请使用短信验证码登录。"


class WeChatUnavailable(ExternalServiceError):
    code = "WECHAT_UNAVAILABLE"
    message_en = "WeChat did not answer; please try again later."
    message_zh = "微信服务暂时无法连接，请稍后再试。"


# errcodes of jscode2session and getuserphonenumber (WeChat's server API documentation)
CODE_INVALID = 40029  # invalid code (unknown, expired, or for another appid)
CODE_USED = 40163  # code been used
MINUTE_QUOTA = 45011  # API minute-quota reached: the user logs in too often
HIGH_RISK_USER = 40226  # high-risk user: login blocked by WeChat
SYSTEM_BUSY = -1
TOKEN_INVALID = (40001, 40014, 42001)  # access_token invalid / not latest / expired


def error_for(errcode: int, *, api: str) -> OpenDepositError:
    """The platform's error for a WeChat errcode; `api` is `code2session` or `phone`."""
    if errcode in (CODE_INVALID, CODE_USED):
        return WeChatPhoneCodeInvalid() if api == "phone" else WeChatCodeInvalid()
    if errcode == MINUTE_QUOTA:
        return WeChatRateLimited()
    if errcode == HIGH_RISK_USER:
        return WeChatUserBlocked()
    return WeChatUnavailable()
