"""Pure identity rules: ID numbers (domain.md §9.3), validity, age, names, the state machine."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opendeposit.errors import OpenDepositError
from opendeposit.identity import agreements
from opendeposit.identity.domain import (
    Status,
    Step,
    Validity,
    age_on,
    check_char,
    check_name,
    check_step,
    check_validity,
    next_step,
    normalize_name,
    parse_id_number,
    parse_validity,
    validity_looks_standard,
)
from opendeposit.identity.idcard import normalize_ethnicity
from opendeposit.identity.sandbox.people import id_number
from opendeposit.identity.steps_document import rare_characters

TODAY = date(2025, 6, 2)


def code_of(fn, *args, **kwargs) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(OpenDepositError) as info:
        fn(*args, **kwargs)
    return info.value.code


@pytest.mark.parametrize(("number", "sex", "birth"), [
    ("11010519491231002X", "女", date(1949, 12, 31)),  # GB example: sum 167 → X
    ("440524188001010014", "男", date(1880, 1, 1)),  # GB example: sum 195 → 4
    ("110101199003071233", "男", date(1990, 3, 7)),
])
def test_domain_md_valid_numbers(number: str, sex: str, birth: date) -> None:
    parsed = parse_id_number(number, today=TODAY)
    assert (parsed.sex, parsed.birth_date, parsed.region_code) == (sex, birth, number[:6])


def test_domain_md_bad_checksum() -> None:
    assert code_of(parse_id_number, "110101199003071234", today=TODAY) == "ID_NUMBER_CHECKSUM"


def test_check_char_weights() -> None:
    assert check_char("11010519491231002") == "X"
    assert check_char("44052418800101001") == "4"


@pytest.mark.parametrize(("raw", "code"), [
    ("11010519900307123", "ID_NUMBER_FORMAT"),  # 17 characters
    ("110105900307123", "ID_NUMBER_FORMAT"),  # an old 15-digit number
    ("11010519491231002Y", "ID_NUMBER_FORMAT"),
    ("810000199001011234", "ID_NUMBER_NOT_MAINLAND"),  # Hong Kong residence permit
    ("910000199001011234", "ID_NUMBER_NOT_MAINLAND"),
    ("110105199002300010", "ID_NUMBER_BIRTH_DATE"),  # 30 February
    ("110105203001010010", "ID_NUMBER_BIRTH_DATE"),  # in the future
    ("100000199001010010", "ID_NUMBER_REGION"),
])
def test_bad_numbers_have_specific_codes(raw: str, code: str) -> None:
    assert code_of(parse_id_number, raw, today=TODAY) == code


def test_lower_case_x_full_width_and_spaces_are_forgiven() -> None:
    assert parse_id_number("11010519491231002x", today=TODAY).value == "11010519491231002X"
    assert parse_id_number("１１０１０５ 19491231002×", today=TODAY).value == "11010519491231002X"


def test_historical_region_codes_are_known() -> None:
    # 110103 崇文区 was merged into 东城区 in 2010; numbers issued before stay valid
    assert parse_id_number(id_number("110103", date(1980, 5, 5), 17), today=TODAY)
    assert parse_id_number(id_number("440524", date(1970, 1, 1), 18), today=TODAY)


@given(st.sampled_from(["440305", "440106", "110105", "310115", "650102"]),
       st.dates(min_value=date(1920, 1, 1), max_value=date(2020, 12, 31)),
       st.integers(min_value=0, max_value=999), st.integers(min_value=0, max_value=16),
       st.integers(min_value=1, max_value=9))
def test_any_single_digit_change_is_caught(region: str, birth: date, seq: int, pos: int,
                                           delta: int) -> None:
    good = id_number(region, birth, seq)
    assert parse_id_number(good, today=TODAY).value == good
    bad = good[:pos] + str((int(good[pos]) + delta) % 10) + good[pos + 1:]
    with pytest.raises(OpenDepositError):
        parse_id_number(bad, today=TODAY)


def test_validity_parsing_and_rules() -> None:
    assert parse_validity("2015.03.01-2035.03.01") == Validity(date(2015, 3, 1), date(2035, 3, 1))
    assert parse_validity("2010.05.20-长期") == Validity(date(2010, 5, 20), None)
    assert parse_validity("2015.03.01") is None
    check_validity(Validity(date(2015, 3, 1), date(2035, 3, 1)), today=TODAY)
    check_validity(Validity(date(2010, 5, 20), None), today=TODAY)
    assert code_of(check_validity, Validity(date(2005, 1, 1), date(2025, 1, 1)),
                   today=TODAY) == "ID_CARD_EXPIRED"
    assert code_of(check_validity, Validity(date(2005, 6, 20), date(2025, 6, 20)),
                   today=TODAY) == "ID_CARD_EXPIRING_SOON"
    check_validity(Validity(date(2005, 7, 3), date(2025, 7, 3)), today=TODAY)  # 31 days
    assert code_of(check_validity, Validity(date(2025, 7, 1), date(2045, 7, 1)),
                   today=TODAY) == "ID_CARD_NOT_YET_VALID"
    assert code_of(check_validity, Validity(date(2020, 1, 1), date(2019, 1, 1)),
                   today=TODAY) == "ID_VALIDITY_INVALID"


def test_standard_validity_lengths() -> None:
    assert validity_looks_standard(Validity(date(2015, 3, 1), date(2035, 3, 1)))
    assert validity_looks_standard(Validity(date(2015, 3, 1), None))
    assert not validity_looks_standard(Validity(date(2015, 3, 1), date(2032, 3, 1)))


def test_age_counts_completed_years() -> None:
    assert age_on(date(2007, 6, 2), TODAY) == 18
    assert age_on(date(2007, 6, 3), TODAY) == 17
    assert age_on(date(1955, 6, 3), TODAY) == 69
    assert age_on(date(2000, 2, 29), date(2018, 2, 28)) == 17


def test_names_keep_the_middle_dot() -> None:
    assert normalize_name("阿卜杜•艾尼") == "阿卜杜·艾尼"
    assert check_name(" 爱新觉罗・恒 ") == "爱新觉罗·恒"
    assert code_of(check_name, "Zhang San") == "NAME_INVALID"
    assert code_of(check_name, "·张三") == "NAME_INVALID"
    assert rare_characters("林翀") and not rare_characters("张伟")


@pytest.mark.parametrize(("raw", "official"), [
    ("汉", "汉"), ("漢", "汉"), ("汉族", "汉"), ("滿", "满"), ("蒙古族", "蒙古"),
    ("維吾爾", "维吾尔"), ("僮", "壮"), ("朝鮮", "朝鲜"), ("鄂倫春", "鄂伦春"), ("崩龙", "德昂"),
    ("火星", None), ("", None),
])
def test_ethnicity_maps_to_the_56_names(raw: str, official: str | None) -> None:
    assert normalize_ethnicity(raw) == official


def test_steps_go_in_order_and_say_why_not() -> None:
    check_step(Status.APPLICATION, Step.ID_CARD)
    check_step(Status.ID_CARD, Step.ID_CARD)  # a retake before confirming
    check_step(Status.CARD, Step.CARD)  # re-send the SMS / another card
    assert code_of(check_step, Status.APPLICATION, Step.CARD) == "ONBOARDING_STEP_SKIPPED"
    assert code_of(check_step, Status.FACE, Step.ID_CARD) == "ONBOARDING_STEP_REPLAYED"
    assert code_of(check_step, Status.CARD_CONFIRMED, Step.FACE) == "ONBOARDING_STEP_REPLAYED"
    assert code_of(check_step, Status.OPENED, Step.SUBMIT) == "ONBOARDING_CLOSED"
    assert code_of(check_step, Status.REVIEW, Step.CARD) == "ONBOARDING_CLOSED"
    assert code_of(check_step, Status.EXPIRED, Step.ID_CARD) == "ONBOARDING_EXPIRED"
    assert next_step(Status.APPLICATION) is Step.ID_CARD
    assert next_step(Status.OPENED) is None


def test_agreements_need_the_current_versions() -> None:
    current = agreements.required("submit")
    assert agreements.missing("submit", current) == []
    assert agreements.missing("submit", {**current, "account_terms": "2020.1"}) == \
        ["account_terms"]
    assert "face_data_consent" not in current  # given separately, before the face step
