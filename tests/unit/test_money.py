"""Unit tests of opendeposit.money: fen parsing, display formats and 人民币大写 (domain.md §7)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opendeposit.errors import InvalidAmount
from opendeposit.money import (
    MAX_AMOUNT_FEN,
    _accepted_forms,
    amount_in_words,
    amount_in_words_matches,
    format_amount,
    format_grouped,
    format_yuan,
    parse_amount,
    parse_amount_in_words,
)

# domain.md §9.2: (fen, canonical, also valid or None). Rows 140950..32504 are the 1997 examples.
SECTION_9_2 = [
    (0, "零元整", None),
    (100, "壹元整", None),
    (1000, "壹拾元整", None),
    (1500, "壹拾伍元整", None),
    (10100, "壹佰零壹元整", None),
    (11000, "壹佰壹拾元整", None),
    (101000, "壹仟零壹拾元整", None),
    (140950, "壹仟肆佰零玖元伍角", "壹仟肆佰零玖元伍角整"),
    (600714, "陆仟零柒元壹角肆分", None),
    (168032, "壹仟陆佰捌拾元零叁角贰分", "壹仟陆佰捌拾元叁角贰分"),
    (10700053, "壹拾万柒仟元零伍角叁分", "壹拾万零柒仟元伍角叁分"),
    (1640902, "壹万陆仟肆佰零玖元零贰分", None),
    (32504, "叁佰贰拾伍元零肆分", None),
    (1234567, "壹万贰仟叁佰肆拾伍元陆角柒分", None),
    (20000000, "贰拾万元整", None),
    (50000000, "伍拾万元整", None),
    (10000000000, "壹亿元整", None),
]

BOUNDARIES = [
    (10001000000, "壹亿零壹万元整"),
    (10000000100, "壹亿零壹元整"),
    (100010000, "壹佰万零壹佰元整"),
    (1000000000, "壹仟万元整"),
    (11000000, "壹拾壹万元整"),
    (10000000, "壹拾万元整"),
    (10000700000, "壹亿零柒仟元整"),
    (101000000000, "壹拾亿壹仟万元整"),
    (100000100, "壹佰万零壹元整"),
    (11100000, "壹拾壹万壹仟元整"),
    (100000050, "壹佰万元零伍角"),
    (100000005, "壹佰万元零伍分"),
    (MAX_AMOUNT_FEN, "玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
]

# Decision (domain.md §11.5): below one yuan there is no leading 零元 and no 零 before 分.
SUB_YUAN = [
    (1, "壹分"),
    (5, "伍分"),
    (50, "伍角"),
    (55, "伍角伍分"),
    (99, "玖角玖分"),
    (10, "壹角"),
]

FORBIDDEN = "一二三四五六七八九十两念毛另〇0"


def sparse_fen() -> st.SearchStrategy[int]:
    """Amounts with many zero digits, where the 零 rules bite."""
    digits = st.lists(st.sampled_from("0000019"), min_size=1, max_size=14)
    return digits.map(lambda ds: int("".join(ds)))


FEN = st.one_of(st.integers(0, MAX_AMOUNT_FEN), sparse_fen())


# --------------------------------------------------------------------------- parse_amount


@pytest.mark.parametrize(
    ("text", "fen"),
    [("12", 1200), ("12.3", 1230), ("12.30", 1230), ("0.01", 1), ("0.50", 50), ("1234.56", 123456)],
)
def test_parse_amount_accepts_plain_decimals(text: str, fen: int) -> None:
    assert parse_amount(text) == fen


def test_parse_amount_accepts_the_maximum() -> None:
    assert parse_amount("999999999999.99") == MAX_AMOUNT_FEN


def test_parse_amount_accepts_zero_and_negative_when_allowed() -> None:
    assert parse_amount("0", allow_zero=True) == 0
    assert parse_amount("0.00", allow_zero=True) == 0
    assert parse_amount("-12.30", allow_negative=True) == -1230


def test_parse_amount_respects_max_fen() -> None:
    assert parse_amount("50.00", max_fen=5000) == 5000
    with pytest.raises(InvalidAmount, match="exceed"):
        parse_amount("50.01", max_fen=5000)
    with pytest.raises(InvalidAmount, match="exceed"):
        parse_amount("-50.01", allow_negative=True, max_fen=5000)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        pytest.param(1234, "string", id="int"),
        pytest.param(12.5, "string", id="float"),
        pytest.param(Decimal("12.50"), "string", id="decimal"),
        pytest.param(None, "string", id="none"),
        pytest.param(b"12", "string", id="bytes"),
        pytest.param("", "empty", id="empty"),
        pytest.param("   ", "empty", id="whitespace-only"),
        pytest.param(" 12", "spaces", id="leading-space"),
        pytest.param("12\n", "spaces", id="trailing-newline"),
        pytest.param("12\u3000", "spaces", id="trailing-ideographic-space"),
        pytest.param("1.001", "2 decimals", id="three-decimals"),
        pytest.param("1e3", "Exponent", id="exponent"),
        pytest.param("1.5E+2", "Exponent", id="exponent-upper"),
        pytest.param("NaN", "number", id="nan"),
        pytest.param("Infinity", "number", id="infinity"),
        pytest.param("inf", "number", id="inf"),
        pytest.param("+12", "plus", id="plus-sign"),
        pytest.param("-12", "negative", id="minus-sign"),
        pytest.param("１２", "ASCII", id="full-width-digits"),
        pytest.param("١٢", "ASCII", id="arabic-indic-digits"),
        pytest.param("1,000", "separators", id="thousands-separator"),
        pytest.param("1，000", "separators", id="full-width-comma"),
        pytest.param(".5", "before the decimal point", id="leading-dot"),
        pytest.param("5.", "after the decimal point", id="trailing-dot"),
        pytest.param("1.2.3", "more than one decimal point", id="two-dots"),
        pytest.param("007", "leading zeros", id="leading-zeros"),
        pytest.param("00.50", "leading zeros", id="leading-zeros-before-dot"),
        pytest.param("0", "greater than zero", id="zero"),
        pytest.param("0.00", "greater than zero", id="zero-with-decimals"),
        pytest.param("1000000000000.00", "exceed", id="above-max"),
        pytest.param("1" * 33, "too long", id="longer-than-32"),
        pytest.param("12a", "invalid character", id="letter"),
        pytest.param("¥12", "invalid character", id="currency-sign"),
    ],
)
def test_parse_amount_rejects(text: object, reason: str) -> None:
    with pytest.raises(InvalidAmount, match=reason) as caught:
        parse_amount(text)  # type: ignore[arg-type]
    assert caught.value.message_zh != InvalidAmount.message_zh  # a specific Chinese message too


@pytest.mark.parametrize("text", ["-0", "-0.00"])
def test_parse_amount_rejects_negative_zero(text: str) -> None:
    with pytest.raises(InvalidAmount, match="minus"):
        parse_amount(text, allow_zero=True, allow_negative=True)


def test_parse_amount_rejects_double_minus_even_when_negative_allowed() -> None:
    with pytest.raises(InvalidAmount, match="invalid character"):
        parse_amount("--12", allow_negative=True)


# --------------------------------------------------------------------------- display formats


@pytest.mark.parametrize(
    ("fen", "plain", "grouped", "yuan"),
    [
        (123456, "1234.56", "1,234.56", "¥1,234.56"),
        (5, "0.05", "0.05", "¥0.05"),
        (0, "0.00", "0.00", "¥0.00"),
        (-1230, "-12.30", "-12.30", "-¥12.30"),
        (123456789, "1234567.89", "1,234,567.89", "¥1,234,567.89"),
        (MAX_AMOUNT_FEN, "999999999999.99", "999,999,999,999.99", "¥999,999,999,999.99"),
    ],
)
def test_formats(fen: int, plain: str, grouped: str, yuan: str) -> None:
    assert (format_amount(fen), format_grouped(fen), format_yuan(fen)) == (plain, grouped, yuan)


@pytest.mark.parametrize("value", [True, 12.5, Decimal("12.50"), "1234", None])
@pytest.mark.parametrize("formatter", [format_amount, format_grouped, format_yuan, amount_in_words])
def test_formats_refuse_anything_but_int(formatter: object, value: object) -> None:
    with pytest.raises(TypeError):
        formatter(value)  # type: ignore[operator]


# --------------------------------------------------------------------------- amount_in_words


@pytest.mark.parametrize(("fen", "canonical", "also_valid"), SECTION_9_2)
def test_section_9_2_canonical(fen: int, canonical: str, also_valid: str | None) -> None:
    assert amount_in_words(fen) == canonical
    assert amount_in_words(fen, prefix=True) == "人民币" + canonical


@pytest.mark.parametrize(("fen", "canonical", "also_valid"), SECTION_9_2)
def test_section_9_2_both_columns_parse(fen: int, canonical: str, also_valid: str | None) -> None:
    assert parse_amount_in_words(canonical) == fen
    assert parse_amount_in_words("人民币" + canonical) == fen
    if also_valid is not None:
        assert parse_amount_in_words(also_valid) == fen
        assert amount_in_words_matches("人民币" + also_valid, fen)


@pytest.mark.parametrize(("fen", "canonical"), BOUNDARIES + SUB_YUAN)
def test_boundaries_and_sub_yuan(fen: int, canonical: str) -> None:
    assert amount_in_words(fen) == canonical
    assert parse_amount_in_words(canonical) == fen


def test_amount_in_words_refuses_negative_and_absurd_amounts() -> None:
    with pytest.raises(ValueError, match="zero or more"):
        amount_in_words(-1)
    with pytest.raises(ValueError, match="MAX_AMOUNT_FEN"):
        amount_in_words(MAX_AMOUNT_FEN + 1)


# --------------------------------------------------------------------------- parse_amount_in_words


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        pytest.param("壹仟陆佰捌拾圆零叁角贰分", 168032, id="圆"),
        pytest.param("壹仟陆佰捌拾圓叁角贰分", 168032, id="traditional-圓"),
        pytest.param("贰拾万元正", 20000000, id="正"),
        pytest.param("貳拾萬圓正", 20000000, id="traditional-貳萬"),
        pytest.param("陸仟零柒元壹角肆分", 600714, id="traditional-陸"),
        pytest.param("人民币壹億元整", 10000000000, id="traditional-億"),
        pytest.param("伍角整", 50, id="sub-yuan-整-after-角"),
        pytest.param("壹仟肆佰零玖元伍角正", 140950, id="正-after-角"),
        pytest.param("壹拾万零柒仟元零伍角叁分", 10700053, id="both-optional-零"),
        pytest.param("壹亿柒仟元整", 10000700000, id="optional-零-after-skipped-万"),
        pytest.param("壹拾亿零壹仟万元整", 101000000000, id="optional-零-after-0-亿-digit"),
        pytest.param("壹佰万元伍角", 100000050, id="optional-零-after-0-元-digit"),
    ],
)
def test_parse_amount_in_words_accepts_allowed_variants(text: str, fen: int) -> None:
    assert parse_amount_in_words(text) == fen


@pytest.mark.parametrize("char", list(FORBIDDEN))
def test_parse_amount_in_words_rejects_forbidden_characters(char: str) -> None:
    with pytest.raises(ValueError, match="not allowed") as caught:
        parse_amount_in_words(f"壹佰{char}伍元整")
    assert char in caught.value.message_zh


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        pytest.param("壹元伍角伍分整", "整 after 分", id="整-after-分"),
        pytest.param("壹元伍角伍分正", "整 after 分", id="正-after-分"),
        pytest.param(
            "壹万陆仟肆佰零玖元贰分", "expected 壹万陆仟肆佰零玖元零贰分", id="no-零-16409.02"
        ),
        pytest.param("叁佰贰拾伍元肆分", "expected 叁佰贰拾伍元零肆分", id="no-零-325.04"),
        pytest.param("壹亿壹万元整", "expected 壹亿零壹万元整", id="no-零-skipped-group"),
        pytest.param("壹佰万壹佰元整", "expected 壹佰万零壹佰元整", id="no-零-group-below-1000"),
        pytest.param("壹佰壹元整", "expected 壹佰零壹元整", id="no-零-inside-group"),
        pytest.param("壹仟零零壹元整", "expected 壹仟零壹元整", id="double-零"),
        pytest.param("壹拾零元整", "expected 壹拾元整", id="trailing-零"),
        pytest.param(
            "壹拾壹万零壹仟元整", "expected 壹拾壹万壹仟元整", id="零-after-nonzero-万-digit"
        ),
        pytest.param("壹元零伍角", "expected 壹元伍角", id="零-after-nonzero-元-digit"),
        pytest.param("零元伍角", "expected 伍角", id="sub-yuan-零元"),
        pytest.param("零伍分", "expected 伍分", id="sub-yuan-零"),
        pytest.param("拾元整", "not well formed", id="拾-without-壹"),
        pytest.param("壹元", "expected 壹元整", id="missing-整"),
        pytest.param("壹元整整", "not well formed", id="double-整"),
        pytest.param("元整", "expected 零元整", id="no-digits"),
        pytest.param("壹万万元整", "not well formed", id="double-万"),
        pytest.param("壹贰元整", "not well formed", id="digit-without-unit"),
        pytest.param("壹角壹元整", "not well formed", id="角-before-元"),
        pytest.param("人民币", "empty", id="prefix-only"),
        pytest.param("", "empty", id="empty"),
        pytest.param("人民币 壹元整", "Unexpected character", id="gap-after-prefix"),
        pytest.param("壹元整。", "Unexpected character", id="punctuation"),
        pytest.param("hello", "Unexpected character", id="garbage"),
        pytest.param("壹万亿元整", "not well formed", id="万亿"),
        pytest.param("壹亿壹亿元整", "too large", id="above-max"),
        pytest.param("壹" * 65, "too long", id="too-long"),
    ],
)
def test_parse_amount_in_words_rejects(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_amount_in_words(text)


def test_amount_in_words_matches() -> None:
    assert amount_in_words_matches("人民币壹仟陆佰捌拾元叁角贰分", 168032)
    assert not amount_in_words_matches("壹仟陆佰捌拾元叁角贰分", 168033)
    assert not amount_in_words_matches("壹万陆仟肆佰零玖元贰分", 1640902)
    assert not amount_in_words_matches(None, 100)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- invariants


@given(FEN)
def test_words_round_trip(fen: int) -> None:
    assert parse_amount_in_words(amount_in_words(fen)) == fen
    assert parse_amount_in_words(amount_in_words(fen, prefix=True)) == fen


@given(FEN)
def test_decimal_round_trip(fen: int) -> None:
    assert parse_amount(format_amount(fen), allow_zero=True) == fen
    if fen:
        assert parse_amount(format_amount(-fen), allow_negative=True) == -fen


@given(FEN)
def test_canonical_words_use_only_allowed_characters(fen: int) -> None:
    words = amount_in_words(fen)
    assert not set(words) & set(FORBIDDEN)
    assert set(words) <= set("零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整")
    assert ("整" in words) == (fen % 100 == 0)


@given(FEN)
def test_every_allowed_form_parses_in_every_spelling(fen: int) -> None:
    canonical = amount_in_words(fen)
    for form in _accepted_forms(fen):
        assert form.replace("零", "").rstrip("整") == canonical.replace("零", "").rstrip("整")
        traditional = form.translate(str.maketrans("贰陆亿万元整", "貳陸億萬圓正"))
        assert parse_amount_in_words(form) == fen
        assert parse_amount_in_words("人民币" + traditional) == fen


@given(st.text(alphabet="零壹贰伍玖拾佰仟万亿元角分整", max_size=20))
def test_parser_only_accepts_canonical_up_to_zero_and_whole(text: str) -> None:
    try:
        fen = parse_amount_in_words(text)
    except InvalidAmount:
        return
    canonical = amount_in_words(fen)
    assert text.replace("零", "").rstrip("整") == canonical.replace("零", "").rstrip("整")
