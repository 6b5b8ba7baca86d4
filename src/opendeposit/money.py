"""Money as int fen: strict parsing of decimal strings, display formats and 人民币大写 numerals."""

from __future__ import annotations

import re
from itertools import product
from typing import NoReturn

from opendeposit.errors import InvalidAmount

MAX_AMOUNT_FEN: int = 10**14 - 1
"""¥999,999,999,999.99: anything larger is absurd for this platform."""

_MAX_TEXT_LENGTH = 32
_AMOUNT_RE = re.compile(r"(0|[1-9][0-9]*)(?:\.([0-9]{1,2}))?")
_EXPONENT_RE = re.compile(r"[0-9.]*[eE][+-]?[0-9]*")
_NOT_A_NUMBER = {"nan", "inf", "infinity"}

# 人民币大写 (《正确填写票据和结算凭证的基本规定》, 银发〔1997〕393号 annex); see domain.md §7.
_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = "仟佰拾"
_PREFIX = "人民币"
_MAX_WORDS_LENGTH = 64
_VARIANTS = str.maketrans("貳陸億萬圓圆正", "贰陆亿万元元整")
_FORBIDDEN = "一二三四五六七八九十百千两念毛另〇0123456789０１２３４５６７８９"
_ALPHABET = set(_DIGITS + _SMALL_UNITS + "万亿元角分整")
_FRACTION_RE = re.compile(r"零?(?:([壹贰叁肆伍陆柒捌玖])角)?(?:([壹贰叁肆伍陆柒捌玖])分)?整?")

# --------------------------------------------------------------------------- decimal strings


def parse_amount(
    text: str,
    *,
    allow_zero: bool = False,
    allow_negative: bool = False,
    max_fen: int = MAX_AMOUNT_FEN,
) -> int:
    """Parse a decimal string such as "1234.56" into int fen; refuse anything not plainly so."""
    body = _checked_text(text)
    negative = body.startswith("-")
    if body.startswith("+"):
        _reject("A plus sign is not allowed.", "金额前不能带“+”号。")
    if negative and not allow_negative:
        _reject("The amount must not be negative.", "金额不能为负数。")
    digits = body[1:] if negative else body
    match = _AMOUNT_RE.fullmatch(digits)
    if match is None:
        _reject(*_diagnose(digits))
    whole, fraction = match.group(1), match.group(2) or ""
    fen = int(whole) * 100 + int(fraction.ljust(2, "0"))
    if fen == 0 and negative:
        _reject("Zero must not carry a minus sign.", "零不能带负号。")
    if fen == 0 and not allow_zero:
        _reject("The amount must be greater than zero.", "金额必须大于零。")
    if fen > max_fen:
        limit = format_grouped(max_fen)
        _reject(f"The amount must not exceed {limit}.", f"金额不能超过{limit}。")
    return -fen if negative else fen


def _checked_text(text: object) -> str:
    """Return `text` if it is a non-blank string of sane length without surrounding spaces."""
    if not isinstance(text, str):
        _reject("The amount must be given as a string.", "金额必须以字符串形式提交。")
    if len(text) > _MAX_TEXT_LENGTH:
        _reject("The amount is too long.", "金额过长。")
    if not text.strip():
        _reject("The amount is empty.", "金额不能为空。")
    if text != text.strip():
        _reject("The amount must not have spaces around it.", "金额前后不能有空格。")
    return text


def _diagnose(digits: str) -> tuple[str, str]:
    """Say in English and Chinese why `digits` is not a plain decimal with at most 2 places."""
    if digits.lower() in _NOT_A_NUMBER:
        return "The amount must be a number.", "金额必须是数字。"
    if _EXPONENT_RE.fullmatch(digits):
        return "Exponents such as 1e3 are not allowed.", "金额不能使用科学计数法。"
    if "," in digits or "，" in digits:
        return "Do not use thousands separators.", "金额不能包含千位分隔符。"
    odd = next((ch for ch in digits if ch not in "0123456789."), None)
    if odd is not None and odd.isdigit():
        return "Use the ASCII digits 0-9 only.", "金额只能使用半角数字0-9。"
    if odd is not None:
        return f"The amount contains an invalid character {odd!r}.", f"金额包含非法字符“{odd}”。"
    return _diagnose_layout(digits)


def _diagnose_layout(digits: str) -> tuple[str, str]:
    """Explain a string of ASCII digits and dots that still is not a valid amount."""
    if digits.count(".") > 1:
        return "The amount has more than one decimal point.", "金额包含多个小数点。"
    if digits.startswith("."):
        return "Write a digit before the decimal point (0.50).", "小数点前必须有数字（如0.50）。"
    if digits.endswith("."):
        return "Write digits after the decimal point or drop it.", "小数点后必须有数字。"
    if "." in digits and len(digits.partition(".")[2]) > 2:
        return "The amount has more than 2 decimals.", "金额最多两位小数（精确到分）。"
    if digits.startswith("0") and len(digits) > 1:
        return "The amount must not have leading zeros.", "金额不能以多余的“0”开头。"
    return "The amount is not a valid number.", "金额格式不正确。"


def _reject(message_en: str, message_zh: str) -> NoReturn:
    raise InvalidAmount(message_en, message_zh)


# --------------------------------------------------------------------------- display


def format_amount(fen: int) -> str:
    """Plain API form: 123456 → "1234.56", -1230 → "-12.30"."""
    sign, yuan, cents = _split(fen)
    return f"{sign}{yuan}.{cents:02d}"


def format_grouped(fen: int) -> str:
    """Display form with thousands separators: 123456789 → "1,234,567.89"."""
    sign, yuan, cents = _split(fen)
    return f"{sign}{yuan:,}.{cents:02d}"


def format_yuan(fen: int) -> str:
    """Display form with the currency sign: 123456 → "¥1,234.56", -500 → "-¥5.00"."""
    sign, yuan, cents = _split(fen)
    return f"{sign}¥{yuan:,}.{cents:02d}"


def _split(fen: int) -> tuple[str, int, int]:
    _require_int(fen)
    yuan, cents = divmod(abs(fen), 100)
    return ("-" if fen < 0 else ""), yuan, cents


def _require_int(fen: object) -> None:
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError(f"money is int fen, not {type(fen).__name__}")


# --------------------------------------------------------------------------- 人民币大写


def amount_in_words(fen: int, *, prefix: bool = False) -> str:
    """Canonical 大写 of domain.md §7 item 7 and §11.5: 168032 → "壹仟陆佰捌拾元零叁角贰分"."""
    _require_int(fen)
    if fen < 0:
        raise ValueError("capital numerals are written for amounts of zero or more")
    if fen > MAX_AMOUNT_FEN:
        raise ValueError(f"{fen} fen is above MAX_AMOUNT_FEN")
    words = "".join(choices[0] for choices in _word_parts(fen))
    return _PREFIX + words if prefix else words


def _accepted_forms(fen: int) -> set[str]:
    """Every officially allowed way (simplified characters, 元/整) to write `fen`."""
    return {"".join(combination) for combination in product(*_word_parts(fen))}


def _word_parts(fen: int) -> list[tuple[str, ...]]:
    """The words for `fen` as consecutive parts, each a tuple of choices, the canonical first."""
    yuan, cents = divmod(fen, 100)
    jiao, fen_digit = divmod(cents, 10)
    if fen == 0:
        return [("零元整",)]
    parts = _yuan_parts(yuan)
    if yuan and jiao and yuan % 10 == 0:
        parts.append(("零", ""))  # §7 4.3: 零 after a 0 元 digit is optional before 角
    elif yuan and fen_digit and not jiao:
        parts.append(("零",))  # §7 4.4: 角 is 0 and 分 is not
    if jiao:
        parts.append((_DIGITS[jiao] + "角",))
    if fen_digit:
        parts.append((_DIGITS[fen_digit] + "分",))
    elif jiao:
        parts.append(("", "整"))  # §7 3: 整 optional after 角
    else:
        parts.append(("整",))
    return parts


def _yuan_parts(yuan: int) -> list[tuple[str, ...]]:
    """Parts for the whole yuan in 亿 / 万 / 元 groups, ending with 元 (empty for 0)."""
    groups = [(yuan // 10**8, "亿"), (yuan // 10**4 % 10**4, "万"), (yuan % 10**4, "元")]
    parts: list[tuple[str, ...]] = []
    digit_above: int | None = None  # lowest digit of the group above; None until one is written
    skipped = False
    for value, unit in groups:
        if value and digit_above is not None:
            parts.append(_zero_between_groups(value, digit_above, skipped))
        if value:
            parts.append((_group_words(value) + unit,))
            digit_above, skipped = value % 10, False
        elif digit_above is not None:
            skipped = True
    if yuan and yuan % 10**4 == 0:
        parts.append(("元",))
    return parts


def _zero_between_groups(value: int, digit_above: int, skipped: bool) -> tuple[str, ...]:
    """零 before a group: mandatory if its 千 digit is 0, optional after a 0 万/亿 digit."""
    if value < 1000:
        return ("零",)
    if digit_above == 0 or skipped:
        # §7 4.3; canonical follows the official first variant: 零 only for a skipped group.
        return ("零", "") if skipped else ("", "零")
    return ("",)


def _group_words(value: int) -> str:
    """One group below 10,000 with no leading zeros, trailing zeros dropped, inner runs one 零."""
    words = ""
    pending_zero = False
    for digit, unit in zip(f"{value:04d}", [*_SMALL_UNITS, ""], strict=True):
        if digit == "0":
            pending_zero = bool(words)
            continue
        words += ("零" if pending_zero else "") + _DIGITS[int(digit)] + unit
        pending_zero = False
    return words


def parse_amount_in_words(text: str) -> int:
    """Read capital numerals in any officially allowed form back into fen; InvalidAmount if not."""
    if not isinstance(text, str):
        raise TypeError(f"capital numerals are a str, not {type(text).__name__}")
    if len(text) > _MAX_WORDS_LENGTH:
        _reject("The amount in words is too long.", "大写金额过长。")
    words = _normalised(text)
    fen = _lenient_value(words)
    if fen > MAX_AMOUNT_FEN:
        _reject("The amount in words is too large.", "大写金额过大。")
    if words not in _accepted_forms(fen):
        canonical = amount_in_words(fen)
        _reject(
            f"Not a valid way to write {format_yuan(fen)}: expected {canonical}.",
            f"大写金额写法不规范：{format_yuan(fen)}应写作{canonical}。",
        )
    return fen


def amount_in_words_matches(text: str, fen: int) -> bool:
    """True iff `text` is an allowed way of writing exactly `fen` in capital numerals."""
    try:
        return parse_amount_in_words(text) == fen
    except (ValueError, TypeError):
        return False


def _normalised(text: str) -> str:
    """Strip the 人民币 prefix and map the accepted variants (圆, 正, 貳 ...) to canonical ones."""
    words = text.removeprefix(_PREFIX).translate(_VARIANTS)
    if not words:
        _reject("The amount in words is empty.", "大写金额不能为空。")
    bad = next((ch for ch in words if ch in _FORBIDDEN), None)
    if bad is not None:
        _reject(
            f"The character {bad!r} is not allowed in capital numerals.",
            f"大写金额不能使用“{bad}”。",
        )
    odd = next((ch for ch in words if ch not in _ALPHABET), None)
    if odd is not None:
        _reject(f"Unexpected character {odd!r} in the amount.", f"大写金额包含非法字符“{odd}”。")
    if "分整" in words:
        _reject("Do not write 整 after 分.", "有“分”的金额后面不能写“整”。")
    return words


def _lenient_value(words: str) -> int:
    """The value `words` spell, reading loosely; the caller checks the exact form."""
    whole, has_yuan, rest = words.partition("元")
    if not has_yuan:
        whole, rest = "", words
    match = _FRACTION_RE.fullmatch(rest)
    if match is None:
        _reject("The amount in words is not well formed.", "大写金额格式不正确。")
    jiao, fen_digit = (_DIGITS.index(d) if d else 0 for d in match.groups())
    return _lenient_yuan(whole) * 100 + jiao * 10 + fen_digit


def _lenient_yuan(words: str) -> int:
    """Whole yuan from digit-unit pairs such as 壹拾万零柒仟; 零 is skipped here."""
    total, section, digit = 0, 0, None
    for ch in words:
        if ch in _SMALL_UNITS and digit is not None:
            section += digit * 10 ** (3 - _SMALL_UNITS.index(ch))
            digit = None
        elif ch == "亿" and (section or digit):
            total, section, digit = (total + section + (digit or 0)) * 10**8, 0, None
        elif ch == "万" and (section or digit):
            total, section, digit = total + (section + (digit or 0)) * 10**4, 0, None
        elif ch in _DIGITS[1:] and digit is None:
            digit = _DIGITS.index(ch)
        elif ch != "零":
            _reject("The amount in words is not well formed.", "大写金额格式不正确。")
    return total + section + (digit or 0)
