"""Request categories: the words that name them, and a guess from what the resident wrote."""

from __future__ import annotations

import re

from bot.services.common.keywords import folded
from models import RequestCategory

# What a resident types to name a category (simplified, traditional, English).
NAMES: dict[RequestCategory, tuple[str, ...]] = {
    RequestCategory.FACILITIES: ("公共设施", "公共設施", "设施", "設施", "facilities"),
    RequestCategory.SANITATION: ("环境卫生", "環境衛生", "卫生", "衛生", "sanitation"),
    RequestCategory.SECURITY: ("治安", "安全", "security"),
    RequestCategory.DISPUTE: ("邻里纠纷", "鄰里糾紛", "纠纷", "糾紛", "dispute"),
    RequestCategory.PROPERTY: ("物业", "物業", "property"),
    RequestCategory.OTHER: ("其他", "其它", "other"),
}
# Words that give a request's category away when the resident names none.
HINTS: dict[RequestCategory, tuple[str, ...]] = {
    RequestCategory.FACILITIES: (
        "路灯", "路燈", "电梯", "電梯", "井盖", "井蓋", "护栏", "護欄", "围栏", "圍欄", "栏杆",
        "欄杆", "座椅", "健身器材", "路面", "台阶", "臺階", "扶手", "门禁", "門禁", "单元门",
        "單元門", "充电桩", "充電樁", "水管", "停水", "停电", "停電", "围墙", "圍牆",
        "楼道灯", "樓道燈", "声控灯", "聲控燈", "灯坏", "燈壞", "灯不亮", "燈不亮", "照明",
    ),
    RequestCategory.SANITATION: (
        "垃圾", "下水道", "排水", "堵塞", "污水", "臭味", "清理", "清扫", "清掃", "老鼠",
        "蟑螂", "积水", "積水", "化粪池", "化糞池", "疏通", "落叶", "落葉",
    ),
    RequestCategory.SECURITY: (
        "被盗", "被盜", "被偷", "小偷", "陌生人", "可疑", "群租", "打架", "诈骗", "詐騙",
        "撬锁", "撬鎖", "消防", "失火",
    ),
    RequestCategory.DISPUTE: (
        "纠纷", "糾紛", "吵架", "噪音", "扰民", "擾民", "邻居", "鄰居", "漏水", "占用", "佔用",
        "宠物", "寵物",
    ),
    RequestCategory.PROPERTY: (
        "物业", "物業", "停车", "停車", "车位", "車位", "绿化", "綠化", "保安", "物业费", "收费",
        "收費", "暖气", "暖氣", "供暖",
    ),
}  # fmt: skip
# Words of danger to life or limb: the resident is told the emergency numbers at once.
EMERGENCY = (
    "着火", "著火", "失火", "火灾", "火災", "起火", "冒烟", "冒煙", "煤气", "煤氣", "燃气",
    "燃氣", "漏气", "漏氣", "摔倒", "跌倒", "晕倒", "暈倒", "昏倒", "昏迷", "不省人事",
    "喘不上气", "喘不上氣", "心脏病", "心臟病", "中风", "中風", "流血", "救命", "打人", "持刀",
    "砍人", "抢劫", "搶劫", "触电", "觸電", "溺水",
)  # fmt: skip
_LEADING = re.compile(r"^(\S+?)[\s:：,，]+(.*)$", re.DOTALL)


def named_category(word: str) -> RequestCategory | None:
    """The category a word names (治安, 物業, property); None for any other word."""
    wanted = folded(word)
    return next((c for c, names in NAMES.items() if wanted in names), None)


def guess(text: str) -> RequestCategory:
    """The category whose hint comes first in `text`; 其他 where none does."""
    found = [
        (text.find(hint), category)
        for category, hints in HINTS.items()
        for hint in hints
        if hint in text
    ]
    return min(found, key=lambda pair: pair[0])[1] if found else RequestCategory.OTHER


def category_and_text(typed: str) -> tuple[RequestCategory, str]:
    """A leading category word and the text after it; else the guessed category and all."""
    alone = named_category(typed)
    if alone is not None:
        return alone, ""
    match = _LEADING.match(typed.strip())
    if match is not None:
        named = named_category(match.group(1))
        if named is not None:
            return named, match.group(2).strip()
    return guess(typed), typed.strip()


def emergency(text: str) -> bool:
    """Whether `text` tells of danger to someone's life or health (着火, 摔倒, 救命)."""
    return any(word in text for word in EMERGENCY)
