"""Which WeChat adapter the settings ask for (called by `bootstrap` only)."""

from __future__ import annotations

from typing import Any

from opendeposit.auth.adapters.http import HttpWeChat
from opendeposit.auth.adapters.sandbox import SandboxWeChat
from opendeposit.auth.ports import WeChat
from opendeposit.config import Settings
from opendeposit.db import Database


def build_wechat(settings: Settings, db: Database, sandbox: dict[str, Any]) -> WeChat | None:
    mode = settings.wechat_mode
    secret = settings.wechat_secret.get_secret_value()
    if mode == "auto":
        mode = "sandbox" if settings.is_sandbox else (
            "http" if settings.wechat_appid and secret else "off")
    if mode == "sandbox":
        if not settings.is_sandbox:
            raise SystemExit("OPENDEPOSIT_WECHAT_MODE=sandbox needs OPENDEPOSIT_ENV=sandbox")
        sandbox["wechat"] = adapter = SandboxWeChat(db)
        return adapter
    if mode == "http":
        if not settings.wechat_appid or not secret:
            raise SystemExit("OPENDEPOSIT_WECHAT_MODE=http needs OPENDEPOSIT_WECHAT_APPID and "
                             "OPENDEPOSIT_WECHAT_SECRET")
        return HttpWeChat(appid=settings.wechat_appid, secret=secret,
                          base_url=settings.wechat_api_url)
    return None
