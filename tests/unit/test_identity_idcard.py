"""Reading card fields out of OCR lines (pure): rows, tilt, merged labels, both sides."""

from __future__ import annotations

import math
from datetime import date

from opendeposit.identity import idcard
from opendeposit.identity.ports import OcrLine


def line(text: str, x: float, y: float, w: float = 200, h: float = 40, angle: float = 0.0,
         score: float = 0.99) -> OcrLine:
    c, s = math.cos(angle), math.sin(angle)
    pts = [(0, 0), (w, 0), (w, h), (0, h)]
    return OcrLine(text, score, tuple((x + px * c - py * s, y + px * s + py * c)
                                      for px, py in pts))


FRONT = [("姓名", 60, 80), ("张伟", 200, 76), ("性别", 60, 160), ("男", 200, 158),
         ("民族漢", 340, 160), ("出生", 60, 240), ("1990年1月1日", 200, 238),
         ("住址", 60, 320), ("广东省深圳市南山区科", 200, 318), ("技园南路十八号", 200, 380),
         ("样本 SAMPLE", 700, 480), ("公民身份号码440305199001011237", 60, 560)]
BACK = [("中华人民共和国", 360, 90), ("居民身份证", 350, 200),
        ("签发机关深圳市公安局南山分局", 160, 440), ("有效期限2015.03.01-长期", 160, 540)]


def test_front_fields() -> None:
    f = idcard.parse_front([line(t, x, y) for t, x, y in FRONT])
    assert (f.name, f.sex, f.ethnicity, f.ethnicity_raw) == ("张伟", "男", "汉", "漢")
    assert f.birth_date == date(1990, 1, 1)
    assert f.address == "广东省深圳市南山区科技园南路十八号"  # the sample mark is not address
    assert f.id_number == "440305199001011237"


def test_tilted_photo_keeps_rows_together() -> None:
    angle = math.radians(6)
    lines = [line(t, x * math.cos(angle) - y * math.sin(angle) + 300,
                  x * math.sin(angle) + y * math.cos(angle), angle=angle) for t, x, y in FRONT]
    f = idcard.parse_front(lines)
    assert (f.name, f.sex, f.id_number) == ("张伟", "男", "440305199001011237")
    assert f.address == "广东省深圳市南山区科技园南路十八号"


def test_split_and_merged_labels_and_misread_digits() -> None:
    f = idcard.parse_front([line("姓名张伟", 60, 80), line("性别男民族汉", 60, 160),
                            line("出生1990年1月1日", 60, 240), line("住址广东省广州市", 60, 320),
                            line("公民身份号码", 60, 560), line("44O3O5199OO1011237", 330, 562)])
    assert (f.name, f.sex, f.ethnicity) == ("张伟", "男", "汉")
    assert f.id_number == "440305199001011237"


def test_back_fields_and_long_term() -> None:
    b = idcard.parse_back([line(t, x, y) for t, x, y in BACK])
    assert b.authority == "深圳市公安局南山分局"
    assert b.validity is not None and b.validity.valid_to is None
    assert b.as_dict()["long_term"] is True


def test_which_side() -> None:
    assert idcard.side_of([line(t, x, y) for t, x, y in FRONT]) == "front"
    assert idcard.side_of([line(t, x, y) for t, x, y in BACK]) == "back"
    assert idcard.side_of([line("超市小票", 0, 0), line("合计 12.50", 0, 50)]) is None
    assert idcard.side_of([]) is None


def test_missing_fields_stay_empty() -> None:
    f = idcard.parse_front([line("姓名", 60, 80), line("公民身份号码", 60, 560)])
    assert f.name is None and f.id_number is None and f.birth_date is None
