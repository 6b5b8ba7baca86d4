"""Reading the fields of both card sides out of OCR text lines (pure), and the 56 ethnic groups.

Lines are grouped into rows after undoing the photo's tilt; labels (姓名, 性别, 民族, 出生, 住址,
公民身份号码; 签发机关, 有效期限) anchor the values. Names are never converted between
traditional and simplified forms (昇 is not 升); only the ethnicity is mapped onto the 56
official names, through a small traditional→simplified table for the characters they use.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date
from statistics import median

from opendeposit.identity.domain import Validity, normalize_name, parse_validity
from opendeposit.identity.ports import OcrLine

ETHNICITIES = (
    "汉", "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗",
    "瑶", "白", "土家", "哈尼", "哈萨克", "傣", "黎", "傈僳", "佤", "畲", "高山", "拉祜",
    "水", "东乡", "纳西", "景颇", "柯尔克孜", "土", "达斡尔", "仫佬", "羌", "布朗", "撒拉",
    "毛南", "仡佬", "锡伯", "阿昌", "普米", "塔吉克", "怒", "乌孜别克", "俄罗斯", "鄂温克",
    "德昂", "保安", "裕固", "京", "塔塔尔", "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺",
)
# traditional (and variant) forms of the characters in those names, OpenCC-style, this field only
T2S = str.maketrans({
    "漢": "汉", "維": "维", "爾": "尔", "壯": "壮", "鮮": "鲜", "滿": "满", "瑤": "瑶",
    "薩": "萨", "東": "东", "鄉": "乡", "納": "纳", "頗": "颇", "達": "达", "錫": "锡",
    "烏": "乌", "別": "别", "羅": "罗", "溫": "温", "獨": "独", "龍": "龙", "倫": "伦",
    "門": "门", "諾": "诺", "彞": "彝", "僮": "壮", "傜": "瑶", "佈": "布", "氵": "水",
})
OLD_NAMES = {"崩龙": "德昂", "僮": "壮"}
FRONT_LABELS = ("姓名", "性别", "民族", "出生", "住址", "公民身份号码")
BACK_LABELS = ("签发机关", "有效期限")
DIGIT_FIXES = str.maketrans({"O": "0", "o": "0", "D": "0", "I": "1", "l": "1", "|": "1",
                             "×": "X", "x": "X", "S": "5", "B": "8"})


def normalize_ethnicity(raw: str) -> str | None:
    """One of the 56 official names, or None when the text is not recognisably one."""
    text = unicodedata.normalize("NFKC", raw).strip().translate(T2S)
    text = re.sub(r"[\s:：]", "", text).removesuffix("族")
    text = OLD_NAMES.get(text, text)
    if text in ETHNICITIES:
        return text
    close = [e for e in ETHNICITIES if len(e) == len(text) > 1
             and sum(a != b for a, b in zip(e, text, strict=True)) == 1]
    return close[0] if len(close) == 1 else None


@dataclass
class Row:
    text: str
    x: float
    y: float
    score: float
    height: float


@dataclass
class FrontFields:
    name: str | None = None
    sex: str | None = None
    ethnicity: str | None = None
    ethnicity_raw: str | None = None
    birth_date: date | None = None
    address: str | None = None
    id_number: str | None = None
    name_score: float = 0.0
    scores: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        out = asdict(self)
        out["birth_date"] = self.birth_date.isoformat() if self.birth_date else None
        return out


@dataclass
class BackFields:
    authority: str | None = None
    validity: Validity | None = None
    validity_text: str | None = None
    scores: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        v = self.validity
        return {"authority": self.authority, "validity_text": self.validity_text,
                "valid_from": v.valid_from.isoformat() if v else None,
                "valid_to": v.valid_to.isoformat() if v and v.valid_to else None,
                "long_term": bool(v and v.valid_to is None), "scores": self.scores}


def side_of(lines: list[OcrLine]) -> str | None:
    """'front', 'back' or None, by which labels the text carries."""
    text = _flat(" ".join(ln.text for ln in lines))
    front = sum(lbl in text for lbl in FRONT_LABELS) + bool(re.search(r"\d{17}[\dXx]", text))
    back = sum(lbl in text for lbl in BACK_LABELS) + ("居民身份证" in text)
    if max(front, back) < 2:
        return None
    return "front" if front >= back else "back"


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def rows(lines: list[OcrLine]) -> list[Row]:
    """Lines joined into rows, left to right, top to bottom, after undoing the tilt."""
    if not lines:
        return []
    angle = _tilt(lines)
    cos, sin = math.cos(-angle), math.sin(-angle)
    placed = []
    for ln in lines:
        cx = sum(p[0] for p in ln.box) / len(ln.box)
        cy = sum(p[1] for p in ln.box) / len(ln.box)
        left = min(ln.box, key=lambda p: p[0] * cos - p[1] * sin)
        placed.append((cx * sin + cy * cos, left[0] * cos - left[1] * sin, ln))
    placed.sort(key=lambda t: t[0])
    tol = 0.5 * median(ln.height for ln in lines)
    out: list[list[tuple[float, float, OcrLine]]] = []
    for item in placed:
        if out and abs(item[0] - out[-1][-1][0]) <= tol:
            out[-1].append(item)
        else:
            out.append([item])
    result = []
    for group in out:
        group.sort(key=lambda t: t[1])
        result.append(Row(text=_flat("".join(g[2].text for g in group)), x=group[0][1],
                          y=group[0][0], score=min(g[2].score for g in group),
                          height=median(g[2].height for g in group)))
    return result


def _tilt(lines: list[OcrLine]) -> float:
    """Median angle of the long text boxes' top edges (radians)."""
    angles = []
    for ln in lines:
        (x0, y0), (x1, y1) = ln.box[0], ln.box[1]
        if abs(x1 - x0) > 2 * ln.height:
            angles.append(math.atan2(y1 - y0, x1 - x0))
    return median(angles) if angles else 0.0


def _after(text: str, label: str) -> str:
    return text.split(label, 1)[1] if label in text else ""


def _without_marks(lines: list[OcrLine]) -> list[OcrLine]:
    """Drop the sandbox cards' "样本 SAMPLE" mark (no real card has text there)."""
    return [ln for ln in lines if "SAMPLE" not in ln.text.upper() and "样本" not in ln.text]


def parse_front(lines: list[OcrLine]) -> FrontFields:
    out = FrontFields()
    rs = rows(_without_marks(lines))
    addr_row = None
    for i, r in enumerate(rs):
        t = r.text
        if "姓名" in t and out.name is None:
            out.name = normalize_name(_after(t, "姓名")) or None
            out.name_score = out.scores["name"] = r.score
        if "性别" in t:
            m = re.search(r"性别([男女])", t)
            out.sex = m.group(1) if m else out.sex
            out.scores["sex"] = r.score
        if "民族" in t:
            out.ethnicity_raw = _after(t, "民族") or None
            out.ethnicity = normalize_ethnicity(out.ethnicity_raw or "")
            out.scores["ethnicity"] = r.score
        if "出生" in t:
            out.birth_date = _date(_after(t, "出生"))
            out.scores["birth_date"] = r.score
        if "住址" in t and addr_row is None:
            addr_row = i
        if "号码" in t or re.search(r"\d{17}[\dXx]", t.translate(DIGIT_FIXES)):
            number = _id_number(t)
            if number:
                out.id_number, out.scores["id_number"] = number, r.score
    if addr_row is not None:
        out.address, out.scores["address"] = _address(rs, addr_row)
    return out


def _date(text: str) -> date | None:
    m = re.search(r"(\d{4})年?(\d{1,2})月?(\d{1,2})日?", text.translate(DIGIT_FIXES))
    if not m:
        return None
    try:
        found = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None
    return found if 1850 <= found.year <= 2100 else None  # a misread year is no date


def _id_number(text: str) -> str | None:
    tail = _after(text, "号码") or text
    m = re.search(r"[0-9X]{18}", tail.translate(DIGIT_FIXES))
    return m.group(0) if m else None


def _address(rs: list[Row], start: int) -> tuple[str, float]:
    first = rs[start]
    parts, scores = [_after(first.text, "住址")], [first.score]
    left = first.x
    for r in rs[start + 1:]:
        if any(lbl in r.text for lbl in FRONT_LABELS) or re.search(r"\d{15,}", r.text):
            break
        if r.x < left - 0.5 * r.height or r.x > left + 8 * r.height:
            continue  # not an address continuation line
        parts.append(r.text)
        scores.append(r.score)
    return "".join(parts), min(scores)


def parse_back(lines: list[OcrLine]) -> BackFields:
    out = BackFields()
    for r in rows(_without_marks(lines)):
        if "签发机关" in r.text:
            out.authority = _after(r.text, "签发机关") or None
            out.scores["authority"] = r.score
        if "有效期" in r.text or re.search(r"\d{4}\.\d{2}\.\d{2}-", r.text):
            text = r.text.split("期限", 1)[-1]
            out.validity_text = text
            out.validity = parse_validity(text.translate(DIGIT_FIXES))
            out.scores["validity"] = r.score
    return out
