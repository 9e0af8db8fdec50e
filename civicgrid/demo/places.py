"""The places of the demo region, from /work/shared/demo/places.md, as plain data.

Leagues and banners carry their six-digit administrative division codes; towns add three
digits and communities/gachas three more, as division codes do, but these lower numbers (and
Lijingtan's code) are the demo's own. Coordinates are approximate centres (WGS84).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from civicgrid.network.models import NodeKind

K = NodeKind
SHANBA_CODE = "150826100"
MANDUBAOLIGE_CODE = "152525101"


@dataclass(frozen=True)
class Community:
    """A community or gacha with its grids.

    `big_grids` holds the number of small grids in each big grid; `blocks` where each big
    grid's block sits in the town lattice (column, row); `units` how many units a small grid
    has (a range). `estates` names the residential areas whose buildings are the units; a
    gacha has none, its units are household groups (联户组).
    """

    code: str
    name: str
    name_en: str
    big_grids: tuple[int, ...]
    blocks: tuple[tuple[int, int], ...]
    units: tuple[int, int] = (2, 4)
    estates: tuple[tuple[str, str], ...] = ()
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class Town:
    """A town, subdistrict or sumu, laid out as one lattice around its centre.

    `mongolian_share` is how often a generated person of the town has a Mongolian name:
    high in the pastoral north, low in the cities of the west.
    """

    code: str
    name: str
    name_en: str
    lat: float
    lon: float
    communities: tuple[Community, ...]
    block_size: tuple[int, int]
    cell_m: float
    mongolian_share: float = 0.1
    kind: str = K.TOWN


@dataclass(frozen=True)
class Banner:
    code: str
    name: str
    name_en: str
    lat: float
    lon: float
    towns: tuple[Town, ...]


@dataclass(frozen=True)
class League:
    code: str
    name: str
    name_en: str
    lat: float
    lon: float
    banners: tuple[Banner, ...]


# Residential areas of Shanba (the seed counts 116 of them); the units of its small grids are
# buildings of these areas. Names are generated from common Chinese estate words.
_ESTATE_WORDS = (
    ("幸福", "Xingfu"),
    ("阳光", "Yangguang"),
    ("金地", "Jindi"),
    ("锦绣", "Jinxiu"),
    ("民生", "Minsheng"),
    ("康乐", "Kangle"),
    ("明珠", "Mingzhu"),
    ("怡和", "Yihe"),
    ("丽景", "Lijing"),
    ("和谐", "Hexie"),
    ("文化", "Wenhua"),
    ("兴盛", "Xingsheng"),
    ("润泽", "Runze"),
    ("西苑", "Xiyuan"),
    ("北苑", "Beiyuan"),
    ("东苑", "Dongyuan"),
    ("翠湖", "Cuihu"),
    ("河套", "Hetao"),
    ("黄河", "Huanghe"),
    ("绿洲", "Lüzhou"),
    ("富源", "Fuyuan"),
    ("祥和", "Xianghe"),
    ("安居", "Anju"),
    ("春晖", "Chunhui"),
    ("朝阳", "Chaoyang"),
    ("瑞丰", "Ruifeng"),
)
_ESTATE_SUFFIXES = (
    ("小区", "Estate"),
    ("花园", "Garden"),
    ("家园", "Homes"),
    ("苑", "Court"),
    ("新村", "New Village"),
)


def estates_for(rng: random.Random, count: int) -> list[tuple[str, str]]:
    pairs = [
        (word + suffix, f"{word_en} {suffix_en}")
        for word, word_en in _ESTATE_WORDS
        for suffix, suffix_en in _ESTATE_SUFFIXES
    ]
    return rng.sample(pairs, count)


# Shanba: 13 big grids and 246 small grids (the seed's figures) in five communities. The town
# lattice holds 5 × 3 blocks of 5 × 5 cells; each community's blocks sit side by side.
SHANBA_BIG_GRIDS = (19, 21, 17, 20, 18, 22, 19, 16, 20, 18, 19, 17, 20)
SHANBA_ESTATES = 116


def _shanba() -> Town:
    sizes = iter(SHANBA_BIG_GRIDS)
    rows = (
        ("001", "团结社区", "Tuanjie community", ((0, 0), (1, 0), (2, 0))),
        ("002", "花园社区", "Huayuan community", ((3, 0), (4, 0))),
        ("003", "建设社区", "Jianshe community", ((0, 1), (1, 1), (2, 1))),
        ("004", "新华社区", "Xinhua community", ((3, 1), (4, 1))),
        ("005", "和平社区", "Heping community", ((0, 2), (1, 2), (2, 2))),
    )
    return Town(
        code=SHANBA_CODE,
        name="陕坝镇",
        name_en="Shanba town",
        lat=40.88,
        lon=107.15,
        block_size=(5, 5),
        cell_m=300,
        mongolian_share=0.08,
        communities=tuple(
            Community(
                code=SHANBA_CODE + suffix,
                name=name,
                name_en=name_en,
                big_grids=tuple(next(sizes) for _ in blocks),
                blocks=blocks,
            )
            for suffix, name, name_en, blocks in rows
        ),
    )


def _gacha(
    code: str, name: str, name_en: str, big_grids: tuple[int, ...], blocks: tuple
) -> Community:
    return Community(code, name, name_en, big_grids, blocks, units=(1, 3))


def _community(
    code: str,
    name: str,
    name_en: str,
    big_grids: tuple[int, ...],
    estates: tuple[tuple[str, str], ...],
    lat: float,
    lon: float,
) -> Community:
    blocks = tuple((i, 0) for i in range(len(big_grids)))
    return Community(code, name, name_en, big_grids, blocks, (2, 4), estates, lat, lon)


def _single(community: Community, town_code: str, **town: object) -> Town:
    """A town-level wrapper for a community that the seed places directly under a banner."""
    return Town(code=town_code, name="", name_en="", communities=(community,), **town)  # type: ignore[arg-type]


def places() -> tuple[League, ...]:
    """The demo's leagues and cities, from places.md."""
    mandubaolige = Town(
        code=MANDUBAOLIGE_CODE,
        name="满都宝力格镇",
        name_en="Mandubaolige town",
        lat=46.1,
        lon=117.9,
        block_size=(2, 2),
        cell_m=4500,  # a pasture grid is kilometres across
        mongolian_share=0.75,
        # Four gachas in a 2 × 2 arrangement, each with two big grids side by side.
        communities=(
            _gacha(MANDUBAOLIGE_CODE + "001", "满都宝力格嘎查", "Mandubaolige gacha",
                   (4, 3), ((0, 0), (1, 0))),
            _gacha(MANDUBAOLIGE_CODE + "002", "巴彦宝拉格嘎查", "Bayan Bulag gacha",
                   (3, 4), ((2, 0), (3, 0))),
            _gacha(MANDUBAOLIGE_CODE + "003", "额仁高毕嘎查", "Eren Gobi gacha",
                   (3, 3), ((0, 1), (1, 1))),
            _gacha(MANDUBAOLIGE_CODE + "004", "查干淖尔嘎查", "Chagan Nur gacha",
                   (4, 2), ((2, 1), (3, 1))),
        ),
    )  # fmt: skip
    gachaa_buqi = Town(
        code="152525102",
        name="嘎查布其镇",
        name_en="Gachaa Buqi town",
        lat=45.6,
        lon=116.5,
        block_size=(2, 2),
        cell_m=4500,
        mongolian_share=0.75,
        communities=(_gacha("152525102001", "尚都嘎查", "Shangdu gacha", (3,), ((0, 0),)),),
    )
    qingyuan_estates = (("青园小区", "Qingyuan Estate"), ("钢城家园", "Gangcheng Homes"))
    return (
        League(
            "152500", "锡林郭勒盟", "Xilingol League", 43.93, 116.09,
            (Banner("152525", "东乌珠穆沁旗", "East Ujimqin Banner", 45.51, 116.97,
                    (mandubaolige, gachaa_buqi)),),
        ),
        League(
            "150200", "包头市", "Baotou city", 40.66, 109.84,
            (Banner("150204", "青山区", "Qingshan district", 40.65, 109.88, (
                Town("150204001", "先锋道街道", "Xianfengdao subdistrict", 40.65, 109.90,
                     (_community("150204001001", "青园社区", "Qingyuan community", (4, 4),
                                 qingyuan_estates, 40.65, 109.90),),
                     block_size=(2, 2), cell_m=250, kind=K.TOWN),
            )),),
        ),
        League(
            "150300", "乌海市", "Wuhai city", 39.65, 106.79,
            (Banner("150304", "乌达区", "Wuda district", 39.50, 106.73, (
                Town("150304101", "乌兰镇", "Wulan town", 39.50, 106.72,
                     (_community("150304101001", "富民社区", "Fumin community", (3,),
                                 (("富民新村", "Fumin New Village"),), 39.50, 106.72),),
                     block_size=(2, 2), cell_m=400),
            )),),
        ),
        League(
            "150600", "鄂尔多斯市", "Ordos city", 39.61, 109.78,
            (Banner("150623", "鄂托克前旗", "Otog Front Banner", 38.18, 107.48, (
                Town("150623102", "城川镇", "Chengchuan town", 37.8, 108.3, (
                    _community("150623102001", "大沟湾新村", "Dagouwan new village", (3,),
                               (("大沟湾新村", "Dagouwan New Village"),), 37.80, 108.29),
                    _community("150623102002", "大场子村", "Dachangzi village", (2,),
                               (("大场子村", "Dachangzi Village"),), 37.80, 108.31),
                ), block_size=(2, 2), cell_m=500, mongolian_share=0.3),
            )),),
        ),
        League(
            "150500", "通辽市", "Tongliao city", 43.65, 122.24,
            (Banner("150502", "科尔沁区", "Horqin district", 43.62, 122.26, (
                Town("150502003", "红星街道", "Hongxing subdistrict", 43.62, 122.26,
                     (_community("150502003001", "顺元社区", "Shunyuan community", (4, 3),
                                 (("顺元小区", "Shunyuan Estate"), ("红星家园", "Hongxing Homes")),
                                 43.62, 122.26),),
                     block_size=(2, 2), cell_m=250, mongolian_share=0.3),
            )),),
        ),
        League(
            "150800", "巴彦淖尔市", "Bayannur city", 40.76, 107.39,
            (Banner("150826", "杭锦后旗", "Hanggin Rear Banner", 40.88, 107.15, (_shanba(),)),),
        ),
        League(
            "152200", "兴安盟", "Xing'an League", 46.08, 122.07,
            (
                Banner("152221", "科尔沁右翼前旗", "Horqin Right Front Banner", 46.08, 121.95, (
                    _single(_community("152221000001", "兴安北京社区", "Xing'an Beijing community",
                                       (3, 3), (("北京小区", "Beijing Estate"),), 46.08, 121.95),
                            "", lat=46.08, lon=121.95, block_size=(2, 2), cell_m=250,
                            mongolian_share=0.3),
                )),
                Banner("152224", "突泉县", "Tuquan county", 45.38, 121.59, (
                    _single(_community("152224000001", "团结社区", "Tuanjie community",
                                       (3,), (("团结小区", "Tuanjie Estate"),), 45.38, 121.59),
                            "", lat=45.38, lon=121.59, block_size=(2, 2), cell_m=250,
                            mongolian_share=0.25),
                )),
            ),
        ),
        League(
            "152900", "阿拉善盟", "Alxa League", 38.84, 105.67,
            (Banner("152972", "李井滩生态移民示范区", "Lijingtan ecological migration zone",
                    37.7, 105.0, (
                _single(_gacha("152972000001", "乌兰哈达嘎查", "Wulan Hada gacha", (3,), ((0, 0),)),
                        "", lat=37.7, lon=105.0, block_size=(2, 2), cell_m=1500,
                        mongolian_share=0.5),
            )),),
        ),
    )  # fmt: skip
