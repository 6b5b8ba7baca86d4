"""Why a receipt failed verification (验真): stable codes with messages a customer understands."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Problem:
    """One reason a receipt is not genuine; `code` is stable, messages are safe to show."""

    code: str
    message_en: str
    message_zh: str


_CATALOGUE = {
    "NOT_PDF": (
        "This file is not a PDF, so it is not an e-receipt from the bank.",
        "该文件不是PDF文件，不是本行出具的电子回单。",
    ),
    "TOO_LARGE": (
        "This file is larger than 10 MB; an e-receipt from the bank is much smaller.",
        "文件超过10MB，本行出具的电子回单不会这么大。",
    ),
    "MALFORMED": (
        "This file is damaged or incomplete. Please download the receipt again.",
        "文件已损坏或不完整，请重新下载电子回单。",
    ),
    "ENCRYPTED": (
        "This file is password-protected. Please upload the receipt exactly as downloaded.",
        "文件已被加密，请上传从本行下载的原始电子回单。",
    ),
    "NO_SIGNATURE": (
        "This file has no digital signature from the bank.",
        "该文件没有本行的数字签名。",
    ),
    "MULTIPLE_SIGNATURES": (
        "This file carries more than one signature; a genuine receipt has exactly one.",
        "该文件含有多个签名，本行电子回单只有一个签名。",
    ),
    "UNTRUSTED_SIGNER": (
        "The signature was not made with the bank's receipt certificate.",
        "签名不是使用本行电子回单证书做出的。",
    ),
    "SIGNATURE_INVALID": (
        "The signature on this file is not valid.",
        "该文件的签名无效。",
    ),
    "NOT_CERTIFIED": (
        "The signature does not lock the document as the bank's receipts do.",
        "该签名未按本行电子回单的方式锁定文档。",
    ),
    "DIGEST_MISMATCH": (
        "The contents of this file were changed after the bank signed it.",
        "回单内容在本行签名后被修改过。",
    ),
    "MODIFIED_AFTER_SIGNING": (
        "Something was added to or changed in this file after the bank signed it.",
        "本行签名后，文件被追加或修改过内容。",
    ),
    "TIMESTAMP_INVALID": (
        "The signature has no valid trusted timestamp.",
        "签名缺少有效的可信时间戳。",
    ),
    "FIELDS_MISSING": (
        "The signed receipt details could not be found in this file.",
        "文件中找不到经签名的回单信息。",
    ),
    "UNKNOWN_RECEIPT": (
        "The bank has no record of this receipt number.",
        "本行没有该回单编号的记录。",
    ),
    "FIELDS_MISMATCH": (
        "The details in this receipt do not match the bank's records.",
        "回单内容与本行记录不一致。",
    ),
    "SM2_INVALID": (
        "The bank's SM2 co-signature does not match this file.",
        "本行的国密SM2签名与该文件不符。",
    ),
}

CODES: MappingProxyType[str, tuple[str, str]] = MappingProxyType(_CATALOGUE)


def problem(code: str) -> Problem:
    """The catalogue's Problem for `code` (KeyError for an unknown code: a bug, not input)."""
    message_en, message_zh = _CATALOGUE[code]
    return Problem(code, message_en, message_zh)
