"""Deterministic people for the demo: Chinese names and fake mobile numbers.

Every draw comes from a `random.Random` the caller seeds, so the same build order gives the
same people on every run and every database.

Mobile numbers all lie in 19900000000–19909999999, a range we reserve for demo data: they are
well-formed mainland numbers (so they pass `validate_mobile`) that no real subscriber is meant
to have. The range is split so that the demo logins, the generated demo people and the
benchmark city never collide, whichever of them a database holds:

    19900000000–19900000999   fixed demo logins (region.DEMO_LOGINS)
    19900001000–19904999999   generated people of the demo region
    19905000000–19909999999   generated people of the `--scale` benchmark city
"""

from __future__ import annotations

import random

LOGIN_RANGE = (19900000000, 19900000999)
REGION_RANGE = (19900001000, 19904999999)
SCALE_RANGE = (19905000000, 19909999999)

# The most common Han surnames, most frequent first; weights fall off with rank so that 王, 李
# and 张 dominate as they do in any real register.
HAN_SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
    "苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史"
    "顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
_SURNAME_WEIGHTS = [1.0 / (rank + 8) for rank in range(len(HAN_SURNAMES))]

HAN_GIVEN_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林欢阳建志国海峰东亮"
HAN_GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀玲桂英兰萍红梅琳燕雪倩婷颖慧洁晶莉丹月凤云佳蓉欣悦琴"

# Mongolian names are written in Chinese characters as a whole (no surname): single names and
# the common two-part compounds ("斯琴" + "高娃").
MONGOLIAN_MALE = (
    "巴特尔",
    "苏和",
    "额尔敦",
    "朝鲁",
    "宝音",
    "那仁",
    "乌力吉",
    "孟和",
    "达来",
    "巴雅尔",
    "阿拉坦",
    "敖日格乐",
    "格日勒图",
    "通拉嘎",
    "吉日嘎拉",
    "布和",
    "呼和",
    "毕力格",
    "满都拉",
    "宝力道",
    "朝格图",
    "青格勒图",
    "阿荣",
    "德力格尔",
    "特木尔",
    "巴图",
    "道尔吉",
    "查干",
    "赛汗",
    "额尔德木图",
    "乌恩",
    "巴音",
    "图门",
    "白音仓",
    "哈斯巴根",
    "额尔敦巴雅尔",
    "苏和巴特尔",
    "宝音德力格尔",
)
MONGOLIAN_FEMALE = (
    "其其格",
    "乌日娜",
    "斯琴高娃",
    "图雅",
    "萨仁",
    "娜仁花",
    "苏日娜",
    "其木格",
    "萨仁图雅",
    "塔娜",
    "乌云",
    "敖登",
    "斯日古楞",
    "高娃",
    "乌兰",
    "哈斯",
    "格根塔娜",
    "阿拉坦其其格",
    "娜日苏",
    "包金花",
    "托娅",
    "乌云毕力格",
    "琪琪格玛",
    "额尔敦其其格",
)


class NameMaker:
    """Draws realistic names; `mongolian_share` says how often a Mongolian name comes up.

    Pastoral gachas are mostly Mongolian, the cities of the west mostly Han; callers pass the
    share that fits the place they are populating.
    """

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def han(self, female: bool | None = None) -> str:
        rng = self.rng
        if female is None:
            female = rng.random() < 0.5
        surname = rng.choices(HAN_SURNAMES, weights=_SURNAME_WEIGHTS)[0]
        pool = HAN_GIVEN_FEMALE if female else HAN_GIVEN_MALE
        # About two in three people born since the 1960s have a two-character given name.
        length = 2 if rng.random() < 0.65 else 1
        return surname + "".join(rng.choice(pool) for _ in range(length))

    def mongolian(self, female: bool | None = None) -> str:
        rng = self.rng
        if female is None:
            female = rng.random() < 0.5
        return rng.choice(MONGOLIAN_FEMALE if female else MONGOLIAN_MALE)

    def name(self, mongolian_share: float = 0.1) -> str:
        if self.rng.random() < mongolian_share:
            return self.mongolian()
        return self.han()


class MobileMaker:
    """Hands out distinct numbers drawn at random from one part of the reserved range."""

    def __init__(self, rng: random.Random, number_range: tuple[int, int]) -> None:
        self.rng = rng
        self.low, self.high = number_range
        self.used: set[int] = set()

    def next(self) -> str:
        capacity = self.high - self.low + 1
        if len(self.used) * 2 > capacity:
            # Random probing slows down as the range fills; the ranges are sized far above
            # what a build uses, so reaching this means a size parameter is wrong.
            raise ValueError("the fake mobile range is more than half used")
        while True:
            number = self.rng.randint(self.low, self.high)
            if number not in self.used:
                self.used.add(number)
                return str(number)
