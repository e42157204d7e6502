"""Request categories: the words that name them, and a guess from what the resident wrote."""

from __future__ import annotations

import re

from bot.services.common.keywords import folded, normalise
from models import RequestCategory

# What a resident types to name a category (simplified, traditional, English).
NAMES: dict[RequestCategory, tuple[str, ...]] = {
    RequestCategory.FACILITIES: (
        "公共设施", "公共設施", "设施", "設施", "public facilities", "facilities",
    ),
    RequestCategory.SANITATION: ("环境卫生", "環境衛生", "卫生", "衛生", "sanitation"),
    RequestCategory.SECURITY: ("治安", "安全", "public order", "security"),
    RequestCategory.DISPUTE: (
        "邻里纠纷", "鄰里糾紛", "纠纷", "糾紛", "neighbour dispute", "neighbor dispute", "dispute",
    ),
    RequestCategory.PROPERTY: ("物业", "物業", "property management", "property"),
    RequestCategory.OTHER: ("其他", "其它", "other"),
}  # fmt: skip
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
        "纠纷", "糾紛", "吵", "噪音", "扰民", "擾民", "邻居", "鄰居", "漏水", "占用", "佔用",
        "宠物", "寵物",
    ),
    RequestCategory.PROPERTY: (
        "物业", "物業", "停车", "停車", "车位", "車位", "绿化", "綠化", "保安", "物业费", "收费",
        "收費", "暖气", "暖氣", "供暖",
    ),
}  # fmt: skip
# Words that the trouble is inside a home: a pipe or a light there is the property
# company's to repair, not a public facility (家里水管漏水).
AT_HOME = (
    "家里", "家裡", "屋里", "屋裡", "家中", "室内", "室內", "厨房", "廚房", "卫生间", "衛生間",
)  # fmt: skip
ENGLISH_AT_HOME = re.compile(
    r"\b(?:at home|in my (?:flat|home|house|kitchen|bathroom))\b", re.IGNORECASE
)
# English hints match whole words, with a plural s: "lift" finds "lifts" but not "uplifting".
ENGLISH_HINTS: dict[RequestCategory, tuple[str, ...]] = {
    RequestCategory.FACILITIES: (
        "streetlight", "street light", "light", "lamp", "lift", "elevator", "railing", "handrail",
        "bench", "pavement", "door entry", "entry phone", "charging point", "water pipe", "pipe",
        "power cut", "no water", "no power", "wall",
    ),
    RequestCategory.SANITATION: (
        "rubbish", "garbage", "trash", "litter", "bin", "drain", "sewer", "blocked", "smell",
        "stink", "rat", "mouse", "mice", "cockroach", "puddle", "leaves",
    ),
    RequestCategory.SECURITY: (
        "stolen", "theft", "thief", "thieves", "burglar", "burglary", "stranger", "suspicious",
        "fight", "scam", "fraud", "break-in", "fire safety",
    ),
    RequestCategory.DISPUTE: (
        "neighbour", "neighbor", "noise", "noisy", "loud", "quarrel", "argument", "leak",
        "leaking", "pet", "dog", "barking",
    ),
    RequestCategory.PROPERTY: (
        "property", "parking", "car park", "security guard", "guard", "greenery", "fee",
        "service charge", "heating", "radiator",
    ),
}  # fmt: skip
# Words of danger to life or limb: the resident is told the emergency numbers at once.
EMERGENCY = (
    "着火", "著火", "失火", "火灾", "火災", "起火", "冒烟", "冒煙", "煤气", "煤氣", "燃气",
    "燃氣", "漏气", "漏氣", "摔倒", "跌倒", "晕倒", "暈倒", "昏倒", "昏迷", "不省人事",
    "喘不上气", "喘不上氣", "心脏病", "心臟病", "中风", "中風", "流血", "救命", "打人", "持刀",
    "砍人", "抢劫", "搶劫", "触电", "觸電", "溺水",
)  # fmt: skip
# Words that something is broken, whatever it is: 门坏了, 灯不亮了.
BROKEN = ("坏了", "壞了", "坏掉", "壞掉", "不亮", "不能用", "不好用", "堵了", "漏了", "broken")
# The same in English, as whole words in any case: "help" alone is no emergency, "help me" is.
ENGLISH_EMERGENCY = (
    "fire", "fires", "smoke", "gas leak", "gas leaking", "fell", "fallen", "help me", "bleeding",
    "unconscious",
)  # fmt: skip
# A danger word before these names fire equipment: a broken fire door is a repair, no fire.
_FIRE_EQUIPMENT = ("safety", "door", "exit", "escape", "extinguisher", "hydrant")
# A category's name leading the text, alone or before a space, colon or comma.
_LEADING = re.compile(
    "^("
    + "|".join(
        re.escape(name).replace(r"\ ", r"\s+")
        for name in sorted((n for names in NAMES.values() for n in names), key=len, reverse=True)
    )
    + r")(?:[\s:：,，]+|$)(.*)$",
    re.DOTALL | re.IGNORECASE,
)
_ENGLISH_HINT = {
    category: re.compile(
        r"\b(?:" + "|".join(re.escape(hint) for hint in hints) + r")(?:e?s)?\b", re.IGNORECASE
    )
    for category, hints in ENGLISH_HINTS.items()
}
_ENGLISH_EMERGENCY = re.compile(
    r"\b(?:"
    + "|".join(re.escape(word).replace(r"\ ", r"\s+") for word in ENGLISH_EMERGENCY)
    + r")\b(?!\s+(?:"
    + "|".join(_FIRE_EQUIPMENT)
    + r"))",
    re.IGNORECASE,
)


def named_category(word: str) -> RequestCategory | None:
    """The category a word names (治安, 物業, property); None for any other word."""
    wanted = folded(word)
    return next((c for c, names in NAMES.items() if wanted in names), None)


def guess(text: str) -> RequestCategory:
    """The category whose hint comes first in `text`, a facility inside a home being the
    property company's; 其他 where none does."""
    category = _first_hinted(text)
    inside = any(word in text for word in AT_HOME) or ENGLISH_AT_HOME.search(text) is not None
    if category == RequestCategory.FACILITIES and inside:
        return RequestCategory.PROPERTY
    return category


def _first_hinted(text: str) -> RequestCategory:
    """The category whose hint comes first in `text`; 其他 where none does."""
    found = [
        (text.find(hint), category)
        for category, hints in HINTS.items()
        for hint in hints
        if hint in text
    ]
    found += [
        (match.start(), category)
        for category, pattern in _ENGLISH_HINT.items()
        if (match := pattern.search(text)) is not None
    ]
    return min(found, key=lambda pair: pair[0])[1] if found else RequestCategory.OTHER


def category_and_text(typed: str) -> tuple[RequestCategory, str]:
    """A leading category name and the text after it; else the guessed category and all."""
    match = _LEADING.match(normalise(typed))
    if match is not None:
        named = named_category(match.group(1))
        if named is not None:
            return named, match.group(2).strip()
    return guess(typed), typed.strip()


def sounds_like_report(text: str) -> bool:
    """Whether words typed without a keyword tell of a problem to report: 电梯坏了好几天了."""
    return guess(text) != RequestCategory.OTHER or emergency(text) or any(w in text for w in BROKEN)


def emergency(text: str) -> bool:
    """Whether `text` tells of danger to someone's life or health (着火, 摔倒, 救命, fell)."""
    if any(word in text for word in EMERGENCY):
        return True
    return _ENGLISH_EMERGENCY.search(normalise(text)) is not None
