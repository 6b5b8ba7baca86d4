"""One error hierarchy with stable codes and safe messages in Chinese and English.

Routes never raise HTTPException: they raise an OpenDepositError subclass and the single
exception handler in `api.errors` maps its `http_status` to the response.
"""

from __future__ import annotations


class OpenDepositError(Exception):
    """Base of every error a customer or operator may see. `code` is stable forever."""

    code: str = "INTERNAL_ERROR"
    http_status: int = 500
    message_en: str = "Something went wrong on our side."
    message_zh: str = "系统繁忙，请稍后再试。"

    def __init__(
        self,
        message_en: str | None = None,
        message_zh: str | None = None,
        *,
        code: str | None = None,
        details: dict[str, object] | None = None,
    ) -> None:
        if code is not None:
            self.code = code
        if message_en is not None:
            self.message_en = message_en
        if message_zh is not None:
            self.message_zh = message_zh
        self.details = details or {}
        super().__init__(f"{self.code}: {self.message_en}")


class ValidationFailed(OpenDepositError, ValueError):
    code = "VALIDATION_FAILED"
    http_status = 422
    message_en = "The request is not valid."
    message_zh = "请求参数不正确。"


class InvalidAmount(ValidationFailed):
    code = "INVALID_AMOUNT"
    message_en = "The amount is not valid: use a positive number with at most 2 decimals."
    message_zh = "金额格式不正确：请输入最多两位小数的正数。"


class NotFound(OpenDepositError, LookupError):
    code = "NOT_FOUND"
    http_status = 404
    message_en = "Not found."
    message_zh = "记录不存在。"


class Unauthorized(OpenDepositError):
    code = "UNAUTHORIZED"
    http_status = 401
    message_en = "Please log in again."
    message_zh = "登录已失效，请重新登录。"


class Forbidden(OpenDepositError):
    code = "FORBIDDEN"
    http_status = 403
    message_en = "You are not allowed to do this."
    message_zh = "无权执行此操作。"


class Conflict(OpenDepositError):
    code = "CONFLICT"
    http_status = 409
    message_en = "The request conflicts with the current state."
    message_zh = "请求与当前状态冲突。"


class PayloadTooLarge(OpenDepositError):
    code = "PAYLOAD_TOO_LARGE"
    http_status = 413
    message_en = "The request body is too large."
    message_zh = "请求内容过大。"


class BusinessRuleViolation(OpenDepositError):
    """A well-formed request that the bank's rules refuse (insufficient funds, locked PIN, ...)."""

    code = "BUSINESS_RULE"
    http_status = 422
    message_en = "The bank's rules do not allow this."
    message_zh = "不符合业务规则。"


class TooManyRequests(OpenDepositError):
    code = "RATE_LIMITED"
    http_status = 429
    message_en = "Too many requests; please wait and try again."
    message_zh = "操作过于频繁，请稍后再试。"


class ExternalServiceError(OpenDepositError):
    """An outside party (card network, registry, SMS) failed; adapters translate into this."""

    code = "EXTERNAL_SERVICE_ERROR"
    http_status = 502
    message_en = "A partner service did not answer; please try again later."
    message_zh = "外部服务暂不可用，请稍后再试。"


class LedgerInvariantBroken(OpenDepositError, AssertionError):
    """An unbalanced entry or a chain/balance mismatch: a bug, never user input."""

    code = "LEDGER_INVARIANT"
    http_status = 500
    message_en = "Ledger invariant violated."
    message_zh = "账务平衡校验失败。"
