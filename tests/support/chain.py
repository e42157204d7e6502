"""The request chain of the test community, for the requests tests."""

from __future__ import annotations

from bot.app import App
from tests.support.community import build
from tests.support.driver import Driver, Sent

# (user, name): a party member over 3号楼, her central household, their branch, and a
# party member over 4号楼 with a central household of his own.
PEOPLE = [
    ("li", "李党员"),
    ("wang", "王中心户"),
    ("zhang", "张书记"),
    ("zhao", "赵党员"),
    ("qian", "钱中心户"),
]


def chain_town(app: App) -> Driver:
    """The test community with the chain li → wang → zhang → the secretary over 3号楼,
    and zhao → qian over 4号楼."""
    driver = build(app)
    for user, name in PEOPLE:
        driver.say(user, "/start", name=name)
    keeper(driver, "联系 @李党员 3号楼", "li")
    keeper(driver, "联系 @赵党员 4号楼", "zhao")
    keeper(driver, "中心户 @王中心户 @李党员", "wang", "li")
    keeper(driver, "中心户 @钱中心户 @赵党员", "qian", "zhao")
    keeper(driver, "支部 @张书记 @王中心户", "zhang", "wang")
    return driver


def keeper(driver: Driver, text: str, *mentions: str) -> Sent:
    """The secretary changes the chain, and it is done."""
    answer = driver.one("sec", text, mentions=mentions)
    assert "好的" in answer.text, answer.text
    return answer


def to(answers: list[Sent], user: str) -> str:
    """What went to one chat, as one text."""
    return "\n".join(s.text for s in answers if s.chat == user)
