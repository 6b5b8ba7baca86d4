"""The texts a customer accepts when opening an account, each with an id and a version.

The face-data consent is separate (PIPL 单独同意) and is given before the face step; the rest
are accepted on submit. A new text gets a new version; acceptances record the version seen.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Agreement:
    id: str
    version: str
    title_zh: str
    title_en: str
    text_zh: str
    at_step: str  # face | submit


AGREEMENTS = (
    Agreement("face_data_consent", "2025.1", "人脸信息处理单独同意书",
              "Separate consent to processing face data",
              "为核验您的身份，本行将采集您的人脸图像并与公安机关留存照片或"
              "您的身份证照片比对。人脸信息属于敏感个人信息，仅用于本次开户"
              "身份核验，按法律规定期限保存。您可拒绝并选择到网点办理。", "face"),
    Agreement("account_terms", "2025.1", "电子账户服务协议", "Electronic account terms",
              "Ⅱ类电子账户仅可与本人绑定的Ⅰ类借记账户之间转入转出资金，"
              "并可购买本行存款产品……", "submit"),
    Agreement("privacy_policy", "2025.1", "个人信息保护政策", "Privacy policy",
              "本行依据《个人信息保护法》处理您的个人信息……", "submit"),
    Agreement("anti_fraud_pledge", "2025.1", "防范电信网络诈骗承诺书", "Anti-fraud pledge",
              "本人承诺开立的账户仅供本人使用，不出租、出借、出售账户，"
              "知悉违反规定的法律责任。", "submit"),
)
BY_ID = {a.id: a for a in AGREEMENTS}


def required(step: str) -> dict[str, str]:
    """{agreement id: current version} that must be accepted at `step`."""
    return {a.id: a.version for a in AGREEMENTS if a.at_step == step}


def missing(step: str, accepted: dict[str, str]) -> list[str]:
    """Ids whose current version was not accepted."""
    return sorted(k for k, v in required(step).items() if accepted.get(k) != v)
