"""The demo places' names in traditional Mongolian, keyed by their Chinese names.

Names of Mongolian origin are written as Mongolian spells them (满都宝力格 is Manduqu bulaγ);
Chinese names are transcribed or, where the name has a plain meaning (团结, 和平), translated,
as Inner Mongolian signs do. A draft, like the catalogue: docs/translations.md says how a native
reviewer corrects it. Grids and household groups get their names from `big_grid`, `small_grid`
and `household_group`; the buildings of city estates keep their Chinese names.
"""

from __future__ import annotations

NNBSP = "\u202f"  # joins a case suffix or an ordinal to its word
MVS = "\u180e"  # before a detached final a/e

PLACES: dict[str, str] = {
    "锡林郭勒盟": f"ᠰᠢᠯᠢ{NNBSP}ᠶᠢᠨ ᠭᠣᠣᠯ ᠠᠶᠢᠮᠠᠭ",
    "东乌珠穆沁旗": "ᠵᠡᠭᠦᠨ ᠦᠵᠦᠮᠦᠴᠢᠨ ᠬᠣᠰᠢᠭᠤ",
    "满都宝力格镇": "ᠮᠠᠨᠳᠤᠬᠤ ᠪᠤᠯᠠᠭ ᠪᠠᠯᠭᠠᠰᠤ",
    "满都宝力格嘎查": f"ᠮᠠᠨᠳᠤᠬᠤ ᠪᠤᠯᠠᠭ ᠭᠠᠴᠠᠭ{MVS}ᠠ",
    "巴彦宝拉格嘎查": f"ᠪᠠᠶᠠᠨ ᠪᠤᠯᠠᠭ ᠭᠠᠴᠠᠭ{MVS}ᠠ",
    "额仁高毕嘎查": f"ᠡᠷᠡᠭᠡᠨ ᠭᠣᠪᠢ ᠭᠠᠴᠠᠭ{MVS}ᠠ",
    "查干淖尔嘎查": f"ᠴᠠᠭᠠᠨ ᠨᠠᠭᠤᠷ ᠭᠠᠴᠠᠭ{MVS}ᠠ",
    "嘎查布其镇": "ᠭᠠᠴᠠ ᠪᠤᠴᠢ ᠪᠠᠯᠭᠠᠰᠤ",
    "尚都嘎查": f"ᠱᠠᠩᠳᠤ ᠭᠠᠴᠠᠭ{MVS}ᠠ",
    "包头市": "ᠪᠤᠭᠤᠲᠤ ᠬᠣᠲᠠ",
    "青山区": "ᠴᠢᠩ ᠱᠠᠨ ᠲᠣᠭᠣᠷᠢᠭ",
    "先锋道街道": "ᠰᠢᠶᠠᠨᠹᠧᠩᠳᠣᠣ ᠭᠤᠳᠤᠮᠵᠢ",
    "青园社区": "ᠴᠢᠩ ᠶᠤᠸᠠᠨ ᠬᠣᠷᠣᠭᠠᠯᠠᠩ",
    "乌海市": "ᠦᠬᠠᠢ ᠬᠣᠲᠠ",
    "乌达区": "ᠤᠳᠠ ᠲᠣᠭᠣᠷᠢᠭ",
    "乌兰镇": "ᠤᠯᠠᠭᠠᠨ ᠪᠠᠯᠭᠠᠰᠤ",
    "富民社区": "ᠹᠦ ᠮᠢᠨ ᠬᠣᠷᠣᠭᠠᠯᠠᠩ",
    "鄂尔多斯市": "ᠣᠷᠳᠣᠰ ᠬᠣᠲᠠ",
    "鄂托克前旗": f"ᠣᠲᠣᠭ{NNBSP}ᠤᠨ ᠡᠮᠦᠨᠡᠳᠦ ᠬᠣᠰᠢᠭᠤ",
    "城川镇": "ᠴᠧᠩ ᠴᠤᠸᠠᠨ ᠪᠠᠯᠭᠠᠰᠤ",
    "大沟湾新村": f"ᠳᠠᠭᠧᠤᠸᠠᠨ ᠰᠢᠨ{MVS}ᠡ ᠲᠣᠰᠬᠤᠨ",
    "大场子村": "ᠳᠠᠴᠠᠩᠽᠢ ᠲᠣᠰᠬᠤᠨ",
    "通辽市": "ᠲᠦᠩᠯᠢᠶᠣᠣ ᠬᠣᠲᠠ",
    "科尔沁区": "ᠬᠣᠷᠴᠢᠨ ᠲᠣᠭᠣᠷᠢᠭ",
    "红星街道": "ᠬᠦᠩ ᠰᠢᠩ ᠭᠤᠳᠤᠮᠵᠢ",
    "顺元社区": "ᠱᠦᠨ ᠶᠤᠸᠠᠨ ᠬᠣᠷᠣᠭᠠᠯᠠᠩ",
    "巴彦淖尔市": "ᠪᠠᠶᠠᠨᠨᠠᠭᠤᠷ ᠬᠣᠲᠠ",
    "杭锦后旗": f"ᠬᠠᠩᠭᠢᠨ{NNBSP}ᠤ ᠬᠣᠶᠢᠲᠤ ᠬᠣᠰᠢᠭᠤ",
    "陕坝镇": "ᠱᠠᠨ ᠪᠠ ᠪᠠᠯᠭᠠᠰᠤ",
    "团结社区": "ᠡᠪ ᠨᠢᠭᠡᠳᠦᠯ ᠬᠣᠷᠣᠭᠠᠯᠠᠩ",
    "花园社区": "ᠴᠡᠴᠡᠷᠯᠢᠭ ᠬᠣᠷᠣᠭᠠᠯᠠᠩ",
    "建设社区": "ᠪᠠᠶᠢᠭᠤᠯᠤᠯᠲᠠ ᠬᠣᠷᠣᠭᠠᠯᠠᠩ",
    "新华社区": "ᠰᠢᠨ ᠬᠤᠸᠠ ᠬᠣᠷᠣᠭᠠᠯᠠᠩ",
    "和平社区": "ᠡᠩᠭᠡ ᠲᠠᠶᠢᠪᠤᠩ ᠬᠣᠷᠣᠭᠠᠯᠠᠩ",
    "兴安盟": "ᠬᠢᠩᠭᠠᠨ ᠠᠶᠢᠮᠠᠭ",
    "科尔沁右翼前旗": f"ᠬᠣᠷᠴᠢᠨ ᠪᠠᠷᠠᠭᠤᠨ ᠭᠠᠷ{NNBSP}ᠤᠨ ᠡᠮᠦᠨᠡᠳᠦ ᠬᠣᠰᠢᠭᠤ",
    "兴安北京社区": "ᠬᠢᠩᠭᠠᠨ ᠪᠡᠭᠡᠵᠢᠩ ᠬᠣᠷᠣᠭᠠᠯᠠᠩ",
    "突泉县": "ᠲᠦ ᠴᠤᠸᠠᠨ ᠰᠢᠶᠠᠨ",
    "阿拉善盟": "ᠠᠯᠠᠱᠠ ᠠᠶᠢᠮᠠᠭ",
    "李井滩生态移民示范区": f"ᠯᠢ ᠵᠢᠩ ᠲᠠᠨ ᠡᠺᠣᠯᠣᠭᠢ ᠨᠡᠭᠦᠳᠡᠯ{NNBSP}ᠦᠨ ᠦᠯᠭᠡᠷᠢ ᠲᠣᠭᠣᠷᠢᠭ",
    "乌兰哈达嘎查": f"ᠤᠯᠠᠭᠠᠨᠬᠠᠳᠠ ᠭᠠᠴᠠᠭ{MVS}ᠠ",
}


def place(name: str) -> str:
    """The Mongolian name of a demo place, or "" (the page then shows the Chinese)."""
    return PLACES.get(name, "")


def big_grid(community: str, number: int) -> str:
    """The Mongolian of "团结社区第3大网格": the community's name, "3rd big grid"."""
    own = PLACES.get(community)
    return f"{own} {number}{NNBSP}ᠳᠤᠭᠠᠷ ᠲᠣᠮᠣ ᠲᠣᠣᠷ" if own else ""


def small_grid(community: str, big: int, small: int) -> str:
    own = PLACES.get(community)
    return f"{own} {big}-{small}{NNBSP}ᠳᠤᠭᠠᠷ ᠲᠣᠣᠷ" if own else ""


def household_group(number: int) -> str:
    """The Mongolian of "第3联户组", the 3rd joint household group of a pastoral grid."""
    return f"{number}{NNBSP}ᠳᠤᠭᠠᠷ ᠥᠷᠬᠡ{NNBSP}ᠶᠢᠨ ᠪᠦᠯᠦᠭ"
