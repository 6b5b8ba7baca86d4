"""Synthetic people for sandbox cards, tests and benchmarks: valid ID numbers, plausible fields.

Names mix common and rare characters (翀 堃 喆 燚 犇 昇) and ethnic-minority names with the
middle dot; addresses and authorities come from the region table. Nobody here is real.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from opendeposit.identity.domain import check_char
from opendeposit.identity.regions import name_of
from opendeposit.identity.sandbox.cardgen import CardPerson

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许邓冯韩曹曾彭萧蔡潘田董袁"
    "于余叶蒋杜苏魏程吕丁沈任姚卢傅钟姜崔谭廖范汪陆金石戴贾韦夏邱方侯邹熊孟秦白江"
    "阎薛尹段雷黎史龙陶贺顾毛郝龚邵万钱严覃武"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红梅建华志强文军海"
    "燕国华小红宇浩欣然子涵梓轩思远嘉怡雨萱晨曦"
)
RARE = "翀堃喆燚犇昇淼焱垚鑫璟珺玥瑄琰晗昊"
MINORITY = (("阿卜杜热依木·艾尼", "维吾尔"), ("古丽米热·买买提", "维吾尔"), ("巴特尔", "蒙古"),
            ("扎西顿珠", "藏"), ("金美玉", "朝鲜"), ("爱新觉罗·恒", "满"), ("韦小宝", "壮"),
            ("马晓梅", "回"), ("阿依古丽·吐尔逊", "哈萨克"), ("龙成武", "苗"))
STREETS = ("人民路", "解放路", "中山二路", "建设大道", "滨江东路", "科技园南路", "文化街", "东风路")
PLACES = {"440305": "深圳市公安局南山分局", "440106": "广州市公安局天河分局",
          "440104": "广州市公安局越秀分局", "440604": "佛山市公安局禅城分局",
          "441900": "东莞市公安局", "440303": "深圳市公安局罗湖分局",
          "110105": "北京市公安局朝阳分局", "310115": "上海市公安局浦东分局",
          "320102": "南京市公安局玄武分局", "510107": "成都市公安局武侯区分局",
          "650102": "乌鲁木齐市公安局天山区分局", "150102": "呼和浩特市公安局新城区分局"}


def id_number(region: str, birth: date, seq: int) -> str:
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body + check_char(body)


def person(rnd: random.Random, *, region: str | None = None, name: str | None = None,
           ethnicity: str = "汉", rare: bool = False, long_term: bool = False,
           birth: date | None = None) -> CardPerson:
    region = region or rnd.choice(list(PLACES))
    birth = birth or date(1958, 1, 1) + timedelta(days=rnd.randrange(365 * 45))
    sex = rnd.choice("男女")
    seq = rnd.randrange(1, 499) * 2 + (1 if sex == "男" else 0)
    if name is None:
        given = "".join(rnd.choice(GIVEN) for _ in range(rnd.choice((1, 2))))
        if rare:
            given = given[:-1] + rnd.choice(RARE) if len(given) > 1 else rnd.choice(RARE)
        name = rnd.choice(SURNAMES) + given
    start = date(rnd.randrange(2012, 2025), rnd.randrange(1, 13), rnd.randrange(1, 28))
    end = None if long_term else validity_end(birth, start)
    address = (f"{name_of(region)}{rnd.choice(STREETS)}{rnd.randrange(1, 300)}号"
               f"{rnd.randrange(1, 30)}栋{rnd.randrange(101, 2800)}房")
    return CardPerson(name=name, sex=sex, ethnicity=ethnicity, birth=birth, address=address,
                      id_number=id_number(region, birth, seq), authority=PLACES[region],
                      valid_from=start, valid_to=end)


def people(n: int, *, seed: int = 7) -> list[CardPerson]:
    """`n` varied people: every 5th has a rare character, minorities and long-term cards mixed."""
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        if i % 7 == 3:
            name, eth = MINORITY[(i // 7) % len(MINORITY)]
            out.append(person(rnd, name=name, ethnicity=eth))
        else:
            out.append(person(rnd, rare=i % 5 == 4, long_term=i % 6 == 5))
    return out


def validity_end(birth: date, start: date) -> date | None:
    """5, 10 or 20 years by the age at issue, long-term from 46 (居民身份证法 Art. 5)."""
    age = start.year - birth.year - ((start.month, start.day) < (birth.month, birth.day))
    years = 5 if age < 16 else 10 if age < 26 else 20 if age < 46 else 0
    return start.replace(year=start.year + years) if years else None
