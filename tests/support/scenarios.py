"""Scenarios of every feature through the console driver, recording each message rendered."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from bot.app import App
from bot.clock import VirtualClock
from bot.errors import DomainError
from bot.messages import EventKind, Media, MediaKind, Reply
from bot.rendering import Renderer
from bot.services.common.access import community_of
from bot.services.community import roles
from bot.services.community.grid import LEVELS, add_path, resolve_place
from bot.services.community.people import ensure_identity
from handlers.registry import COMMANDS
from models import Circle, JoinRequest, Notice, Poll, Request, Role, Shift, Topic
from tests.support.community import bind_approved, build, register
from tests.support.driver import Driver

# (user, text, chat); None is the user's private chat.
Line = tuple[str, str, str | None]

CORE: list[Line] = [
    ("r1", "/start", None),
    ("r1", "/start", "g1"),
    ("r1", "/start me", None),
    ("r1", "帮助", None),
    ("r1", "帮助", "g1"),
    ("r1", "帮助 全部", None),
    ("r1", "/nosuchcommand", None),
    ("r1", "/results", None),
    ("r1", "语言", None),
    ("r1", "语言 火星文", None),
    ("r1", "/lang en", None),
    ("r1", "/lang zh-Hans", None),
    ("r2", "/lang en", "g1"),
    ("owner", "/lang zh-Hant", "g1"),
    ("owner", "/lang zh-Hans", "g1"),
    ("r1", "登记 3-2-301\x00", "g1"),
    ("r1", "语言 en zh", None),
    ("r1", "你好", None),
    ("r3", "我的", "g1"),
    ("r1", "提议 " + "长" * 5000, "g1"),
    ("r1", "登记 " + "3" * 300, "g1"),
    ("r1", "谢谢", None),
    ("r1", "电梯坏了", None),
]
COMMUNITY: list[Line] = [
    ("r1", "我的", "g1"),
    ("r1", "我的数据", None),
    ("owner", "成员", "g1"),
    ("r2", "成员", "g1"),
    ("owner", "成员", None),
    ("r2", "成员", None),
    ("sec", "成员", None),
    ("sec", "成员 2", None),
    ("sec", "成员 全部", None),
    ("n1", "登记 3-2-305", "g1"),
    ("n1", "登记 3-2-305 同意", "g1"),
    ("n2", "登记 3-2-301 同意", "g1"),
    ("n2", "/start", None),
    ("n2", "帮助", None),
    ("n2", "我的数据", None),
    ("n2", "登记 2号院 3-2-301", "g1"),
    ("n2", "登记 3-2-301 同意", "g1"),
    ("n2", "提议 修路灯", "g1"),
    ("r1", "拒绝入户 1", None),
    ("n3", "登记 9-9-999 同意", "g1"),
    ("n3", "登记 3-2-9999 同意", "g1"),
    ("n3", "登记 天上人间", "g1"),
    ("r3", "登记 3-1-101 同意", "g1"),
    ("r3", "搬迁 3-1-101", "g1"),
    ("sec", "设角色 @r2 楼长", "g1"),
    ("sec", "设角色 @r2 -楼长", "g1"),
    ("sec", "设角色 @nobody 楼长", "g1"),
    ("r4", "设角色 @r2 楼长", "g1"),
    ("sec", "设角色 @r2 皇帝", "g1"),
    ("sec", "设角色 @r2 @r3 楼长", "g1"),
    ("sec", "核验 3-2-302", None),
    ("r4", "核验 3-2-302", None),
    ("r1", "户核验", "g1"),
    ("sec", "户核验 开", "g1"),
    ("sec", "户核验 关", "g1"),
    ("r1", "免打扰", "g1"),
    ("r1", "免打扰 22:00-07:00", "g1"),
    ("sec", "免打扰 半夜", "g1"),
    ("sec", "免打扰 25:00-07:00", "g1"),
    ("sec", "免打扰 22:00到7:00", "g1"),
    ("sec", "免打扰 关", "g1"),
    ("sec", "免打扰 21:30-07:30", None),
    ("owner3", "绑定 红旗里社区/1号院/3号楼", "g3"),
    ("owner3", "绑定 红旗里社区/1号院/3号楼", "g3"),
    ("sec", "绑定申请", None),
    ("sec", "拒绝绑定 3", None),
    ("sec", "绑定 红旗里社区/1号院/4号楼 党员圈 先锋", "g4"),
    ("sec", "绑定 红旗里社区/1号院/4号楼", "g4"),
    ("sec", "绑定 火星", "g5"),
    ("sec", "绑定 1号楼", "g5"),
    ("sec", "批准绑定 99", None),
    ("sec", "批准绑定 1", None),
    ("r1", "登记 3-2-301 同意", "g1"),
    ("r1", "成员", "g5"),
    ("r1", "登记 3-2-301", "g5"),
    ("sec", "绑定 红旗里社区/1号院", "g1"),
    ("sec", "绑定 红旗里社区/1号院/3号楼/2单元", "g5"),
    ("sec", "绑定 红旗里社区/2号院/1号楼 奇怪圈", "g5"),
    ("sec", "绑定 红旗里社区/2号院/1号楼 邻里圈 " + "长" * 70, "g5"),
    ("sec", "绑定 3号楼", "g5"),
    ("r2", "绑定 红旗里社区/2号院", "g5"),
    ("owner2", "绑定 红旗里社区/1号院", "g2"),
    ("owner6", "绑定 幸福社区/幸福家园", "g6"),
    ("n16", "登记 3-2-330", "g6"),
    ("owner6", "语言 英文", "g6"),
    ("n17", "登记 3-2-331", None),
    ("n5", "登记 3-2-306 同意", None),
    ("n4", "我的", "g1"),
    ("n4", "我的", "g2"),
    ("n4", "登记 3-2-306", None),
    ("r2", "登记 3-2-303", None),
    ("n6", "登记 3-2 同意", "g1"),
    ("n6", "登记 3-9-101 同意", "g1"),
    ("n6", "登记 3-2-" + "9" * 40 + " 同意", "g1"),
    ("r2", "搬迁 3-2-303", "g1"),
    ("sec", "设角色 @r2 楼长", "g1"),
    ("sec", "设角色 @r2 楼长", "g1"),
    ("sec", "设角色 @r3 -楼长", "g1"),
    ("sec", "设角色 @r2 管理员", None),
    ("sec", "设角色 @n5 楼长", "g1"),
    ("r2", "核验 3-2-304", "g1"),
    ("r2", "核验 3-2-304", "g1"),
    ("r2", "核验 3-2-309", "g1"),
    ("r2", "登记", "g1"),
    ("r1", "核验 3-2-304", "g1"),
    ("r1", "户核验 开", "g1"),
    ("n7", "登记 3-2-310 同意", "g1"),
    ("n8", "登记 3-2-302 同意", "g1"),
    ("r2", "拒绝入户 2", None),
    ("r3", "确认入户 2", None),
    ("r4", "注销", None),
    ("r4", "注销 确认", None),
    ("sec", "设角色 @r2", "g1"),
]
DELIBERATION: list[Line] = [
    ("r2", "投票", None),
    ("r2", "结果", None),
    ("r2", "附议", "g1"),
    ("r1", "提议 在2号门增设充电桩", "g1"),
    ("r3", "附议", "g1"),
    ("r2", "附议 1", "g1"),
    ("r2", "附议 1", "g1"),
    ("owner", "发起投票 充电桩 | 表决 | 议题 1 | 法定 50% | 截止 2天", "g1"),
    ("owner", "发起投票 满意度 | 评分 | 匿名 | 结束后公布", "g1"),
    ("owner", "发起投票 哪天 | 周六 | 周日 | 周一 | 多选 2 | 可改票", "g1"),
    ("owner", "发起投票 以后 | 甲 | 乙 | 开始 明天 | 截止 3天", "g1"),
    ("r2", "投票 1 1", "g1"),
    ("r2", "投票 1 2", "g1"),
    ("r3", "投票 2 4", "g1"),
    ("r3", "投票 3 1 2", "g1"),
    ("r3", "投票 3 1 2 3", "g1"),
    ("r3", "投票 2 1", "g1"),
    ("r3", "投票 2 2", "g1"),
    ("r3", "投票 2 3", "g1"),
    ("r2", "投票 1", "g1"),
    ("r2", "投票 2 9", "g1"),
    ("r2", "投票 4 1", "g1"),
    ("r3", "投票", None),
    ("r2", "结果 1", "g1"),
    ("r2", "结果 2", "g1"),
    ("r2", "结果", "g1"),
    ("r2", "结果", None),
    ("owner", "投票设置 3 截止 5天", "g1"),
    ("owner", "投票设置 3 匿名", "g1"),
    ("owner", "发起投票 问题 | 甲 | 乙 | 截止 昨天", "g1"),
    ("owner", "发起投票", "g1"),
    ("owner", "发起投票 只有一个 | 甲", "g1"),
    ("r2", "议题", "g1"),
    ("r2", "议题 1", "g1"),
    ("r2", "议题 9", "g1"),
    ("r2", "议题 装几个长椅", "g1"),
    ("r2", "帮助 投票", "g1"),
    ("r2", "帮助 天气", "g1"),
    ("r2", "议题 装几个长椅", None),
    ("sec", "热点议题 1", "g1"),
    ("sec", "附议门槛 2", "g1"),
    ("sec", "附议门槛 零", "g1"),
    ("sec", "附议门槛 0", "g1"),
    ("r1", "提议 修路灯", "g1"),
    ("r3", "附议 2", "g1"),
    ("r1", "提议 " + "长" * 201, "g1"),
    ("r1", "提议 修水管", "g1"),
    ("r4", "附议", "g1"),
    ("owner", "发起投票 问 | 表决 | 议题 4", "g1"),
    # The guided poll begun above would take the words that follow as its question.
    ("owner", "取消", "g1"),
    ("owner", "议题 3", "g1"),
    ("owner", "发起投票 议题 3", "g1"),
    ("owner", "取消", "g1"),
    ("owner", "决议 1 增设", "g1"),
    ("owner", "办结 2", "g1"),
    ("r3", "投票 2 3", "g1"),
    ("r2", "结果 2", "g1"),
    ("r2", "投票 1", "g2"),
    ("owner", "发起投票 问 | 甲 | 乙 | 多选 5", "g1"),
    ("owner", "发起投票 问 | 甲 | 乙 | 范围 红旗里社区", "g1"),
    ("owner", "发起投票 问 | 甲 | 乙 | 法定 200%", "g1"),
    ("owner", "发起投票 问 | 甲 | 甲", "g1"),
    ("owner", "发起投票 问 | 评分 | 甲 | 乙", "g1"),
    ("owner", "发起投票 问 | 甲 | 乙 | 开始 5天后 | 截止 2天", "g1"),
    ("owner", "发起投票 问 | 甲 | 乙 | 截止 下辈子", "g1"),
    ("owner", "发起投票 问 | " + "长" * 200 + " | 乙", "g1"),
    ("owner", "发起投票 " + "长" * 301 + " | 甲 | 乙", "g1"),
    ("owner", "发起投票 问 | 甲 | 乙 | 多选 很多", "g1"),
    ("owner", "发起投票 问 | 甲 | 乙 | 截止", "g1"),
    ("owner", "发起投票 问 | 甲 | 乙 | 截止 2026-11-20", "g1"),
    ("owner", "投票设置 2 实名", "g1"),
    ("owner", "投票设置 3 多选 1", "g1"),
    ("owner", "投票设置 1 可改票", "g1"),
    ("owner", "投票设置 3 乱设", "g1"),
    ("owner", "发起投票", "g1"),
    ("owner", "问题", "g1"),
    ("owner", "完成", "g1"),
    ("owner", "甲 | 乙 | 丙 | 丁 | 戊 | 己 | 庚 | 辛 | 壬 | 癸 | 子", "g1"),
    ("owner", "甲，甲", "g1"),
    ("owner", "甲，乙", "g1"),
    ("owner", "完成", "g1"),
    ("owner", "昨天", "g1"),
    ("owner", "3天", "g1"),
    ("owner", "乱设", "g1"),
    ("owner", "匿名", "g1"),
    ("owner", "完成", "g1"),
    ("owner", "发起投票", "g1"),
    ("owner", "问 | 甲 | 乙 | 匿名", "g1"),
    ("owner", "取消", "g1"),
    ("owner", "发起投票", "g1"),
    ("owner", "问？甲，乙，截止 3天", "g1"),
    ("owner", "取消", "g1"),
    ("owner", "驳回 2 预算不够", "g1"),
    ("owner", "结束投票 3", "g1"),
    ("r2", "投票 3 1", "g1"),
    ("r3", "附议 2", "g1"),
    ("r2", "结束投票 2", "g1"),
    ("r4", "结束投票 2", "g1"),
    ("r2", "议事统计", "g1"),
    ("owner2", "发起投票 装在哪 | 东门口 | 西门口 | 南边", "g2"),
    ("owner2", "投票 门口", "g2"),
    ("owner2", "投票 北边", "g2"),
    # Too few households in 2号院 may vote for an anonymous poll ever to have a result.
    ("owner2", "发起投票 装在哪 | 东门口 | 西门口 | 匿名", "g2"),
    ("r3", "投票 1", None),
]
DELIBERATION_LATER: list[Line] = [
    ("owner", "决议 1 增设 | 负责 物业 | 期限 2026-11-20", "g1"),
    ("owner", "决议 1 增设 | 负责 " + "长" * 100 + " | 期限 3天", "g1"),
    ("owner", "决议 1 增设 | 负责 物业 | 期限 3天", "g1"),
    ("owner", "决议 1 增设 | 负责 物业 | 期限 3天", "g1"),
    ("owner", "进展 1 开工", "g1"),
    ("owner", "进展 1 " + "长" * 501, "g1"),
    ("r2", "进展 1 开工", "g1"),
    # 1号院's topic, followed up from 2号院's chat: the group sees only that it is recorded.
    ("sec", "进展 3 已报修", "g2"),
    ("sec", "发起投票 换届 | 甲 | 乙 | 议题 3", "g2"),
]
DELIBERATION_DONE: list[Line] = [
    ("owner", "办结 1", "g1"),
    ("owner", "办结 1", "g1"),
    ("r2", "议事统计", "g1"),
]
VOLUNTEERING: list[Line] = [
    ("owner", "排班 门岗值守 | 明天 08:00-10:00 | 2人 | 2号门", "g1"),
    ("owner", "排班 门岗值守 | 明天 08:00-10:00 | 2人 | 2号门", "g1"),
    ("owner", "/shift 巡逻 | 后天 18:00-22:00 每2小时 | 1人", "g1"),
    ("owner", "排班 巡逻 明天 19:00-21:00 小区 2人 大门", "g1"),
    ("r2", "值班表", "g1"),
    ("r2", "值班表 1", "g1"),
    ("r2", "值班表 明天", "g1"),
    ("r2", "报名 1", "g1"),
    ("r3", "报名 1", "g1"),
    ("r1", "报名 1", "g1"),
    ("r1", "签到", "g1"),
    ("r1", "报名 2 3", "g1"),
    ("r2", "报名 2", None),
    ("r2", "值班表 我的", "g1"),
    ("r3", "取消报名 1", "g1"),
    ("owner", "修改班次 1 | 3人", "g1"),
    ("owner", "修改班次 3 | 09:00-11:00", "g1"),
    ("owner", "取消班次 3", "g1"),
    ("sec", "值班设置", "g1"),
    ("sec", "值班设置 前一天 19:00 | 提前 1小时 | 取消截止 2小时 | 缺勤 3次", "g1"),
    ("r2", "时长", "g1"),
    ("owner", "时长", "g1"),
    ("owner", "确认出勤 1", "g1"),
    ("r2", "报名 1", "g1"),
    ("stranger", "报名 1", "g1"),
    ("r2", "报名 3", "g1"),
    ("r2", "报名 5-2", "g1"),
    ("r2", "报名 1-50", "g1"),
    ("r2", "值班表 2026-11-24 至 2027-11-24", "g1"),
    ("r2", "值班设置 缺勤 3次", "g1"),
    ("sec", "值班设置 缺勤 很多次", "g1"),
    ("owner", "修改班次 1 | 1人", "g1"),
    ("r2", "修改班次 1 | 3人", "g1"),
    ("r4", "修改班次 1 | 3人", "g1"),
    ("r2", "排班 巡逻 | 明天 08:00-10:00 | 1人", "g1"),
    ("r4", "排班 巡逻 | 明天 08:00-10:00 | 1人", "g1"),
    ("owner", "修改班次 2-4 | 09:00-11:00", "g1"),
    ("owner", "修改班次 1 | 取消截止 昨天", "g1"),
    ("owner", "缺勤 1 9", "g1"),
    ("owner", "批准 1", "g1"),
    ("owner", "批准 1 @r4", "g1"),
    ("owner", "排班 门岗二 | 明天 08:00-10:00 | 2人", "g1"),
    ("r2", "报名 4", "g1"),
    ("owner", "排班 门岗值守 | 明天 08:00-10:00 | 2人 | 2号门", "g1"),
    ("owner", "排班 门岗 | 明天 08:00-10:00 | 0人", "g1"),
    ("owner", "排班 门岗 | 明天 25:00-26:00 | 2人", "g1"),
    ("owner", "排班 门岗 | 今晚3点-5点 | 2人", "g1"),
    ("owner", "排班 门岗 | 2027-02-30 08:00-10:00 | 2人", "g1"),
    ("owner", "排班 门岗 | 2026-11-30 至 2026-11-25 08:00-10:00 | 2人", "g1"),
    ("owner", "排班 门岗 | 明天 08:00-10:00 每1分钟 | 2人", "g1"),
    ("owner", "排班 门岗 | 每周八 08:00-10:00 | 2人", "g1"),
    ("owner", "排班 门岗 | 2026-11-24 10:00-08:00 | 2人", "g1"),
    ("owner", "排班 门岗 | 明天 08:00-10:00", "g1"),
    ("owner", "排班 门岗 | 2人", "g1"),
    ("owner", "排班 " + "长" * 100 + " | 明天 08:00-10:00 | 2人", "g1"),
    ("owner", "排班 门岗 | 明天 08:00-10:00 | 2人 | " + "长" * 200, "g1"),
    ("owner", "排班 门岗 | 2026-11-24 至 2027-11-23 00:00-24:00 每1小时 | 2人", "g1"),
    ("owner", "排班 门岗 | 明天 08:00-10:00 09:00-11:00 | 2人", "g1"),
    ("owner", "排班 门岗 | 明天 08:00-10:00 | 2人 | 2号门 | 乱七八糟 | 更乱", "g1"),
    ("owner", "排班 门岗 | 今天 08:00-09:00 | 2人", "g1"),
    ("owner", "排班 门岗 | 2099-01-01 08:00-10:00 | 2人", "g1"),
    ("owner", "排班 门岗 | 每周一 08:00-10:00 共100周 | 2人", "g1"),
    ("owner", "排班 门岗 | 2026-11-24 至 2028-11-24 每周一 08:00-10:00 | 2人", "g1"),
    ("owner", "排班 党员岗 | 明天 12:00-13:00 | 2人 | 仅党员", "g1"),
    ("r2", "报名 6", "g1"),
    ("r1", "我不去了", "g1"),
    # Short in the afternoon: its alert goes alone, no digest before it.
    ("owner", "排班 午后岗 | 今天 15:00-16:00 | 2人", "g1"),
]
VOLUNTEERING_ON_DUTY: list[Line] = [
    ("r2", "签到？", "g1"),
    ("r2", "签到", "g1"),
    ("r2", "签到 1", "g1"),
    ("owner", "缺勤 1 @r2", "g1"),
    ("owner", "撤销签到 1 @r2", "g1"),
    ("owner", "撤销签到 1 @r2", "g1"),
    ("owner", "撤销签到 1", "g1"),
    ("r2", "签到 1", "g1"),
    ("owner", "更正时长 1 @r2 1小时", "g1"),
    ("r2", "签退", "g1"),
]
# Half an hour later, on the same shift.
VOLUNTEERING_LATER_ON_DUTY: list[Line] = [
    ("r2", "签退？", "g1"),
    ("r2", "签退", "g1"),
    ("r2", "签退", "g1"),
    ("r1", "签退 1", "g1"),
    ("r3", "报名 1", "g1"),
    ("r1", "取消报名 1", "g1"),
    ("owner", "确认出勤 1", "g1"),
    ("r1", "签退", "g1"),
    ("owner", "确认出勤 1 1", "g1"),
    ("owner", "缺勤 1 2", "g1"),
    ("owner", "更正时长 1 1 1小时", "g1"),
    ("owner", "更正时长 1 1 1小时", "g1"),
    ("owner", "更正时长 1 1 99小时", "g1"),
    ("owner", "更正时长 1 1", "g1"),
    ("owner", "批准 1 @r1", "g1"),
    ("owner", "不批准 1 @r1", "g1"),
    ("r2", "时长", None),
    ("owner", "时长", "g1"),
    ("sec", "时长", None),
]
POINTS: list[Line] = [
    ("sec", "积分规则", "g1"),
    ("sec", "积分规则 值守 2/小时", "g1"),
    ("sec", "积分规则 电池 2", "g1"),
    ("sec", "积分规则 分类回收 1", "g1"),
    ("sec", "积分规则 每日上限 3", "g1"),
    ("sec", "积分规则 党员积分 每年清零 12-31", "g1"),
    ("sec", "积分规则 乱写", "g1"),
    ("r2", "积分规则 值守 5/小时", "g1"),
    ("sec", "积分授权 @r3 守桶", "g1"),
    ("r2", "积分授权 @r3 守桶", "g1"),
    ("sec", "积分授权 @r3 乱", "g1"),
    ("sec", "积分授权 @r3 管理员 火星积分", "g1"),
    ("r3", "回收 @r2 电池", "g1"),
    ("r3", "回收 @r2 大件", "g1"),
    ("r3", "回收 @r2 沙发", "g1"),
    ("r3", "回收 3-2-302 纸板", "g1"),
    ("r3", "回收 3-2-301 电池", "g1"),
    ("r3", "回收 9-9-999 电池", "g1"),
    ("r3", "回收 @r2 金子", "g1"),
    ("r4", "回收 @r2 电池", "g1"),
    ("r3", "回收 @r3 电池", "g1"),
    ("sec", "积分规则 按户 开", "g1"),
    ("r3", "回收 3-2-301 电池", "g1"),
    ("sec", "积分规则 按户 关", "g1"),
    ("sec", "加分 @r2 5 巡逻 夜间", "g1"),
    ("sec", "加分 @r2 -3 调整", "g1"),
    ("sec", "加分 @r2 -500 调整", "g1"),
    ("sec", "扣分 @r2 -3 调整", "g1"),
    ("sec", "扣分 @r2", "g1"),
    ("sec", "加分 @r2 abc", "g1"),
    ("sec", "加分 @r2 1.5", "g1"),
    ("sec", "加分 @r2 0", "g1"),
    ("sec", "加分 @r2 99999", "g1"),
    ("r4", "加分 @r2 5", "g1"),
    ("sec", "加分 @nobody 5", None),
    ("sec", "加分 3-2-302 2 巡逻", "g1"),
    ("sec", "加分 3-2-301 2 巡逻", None),
    ("sec", "加分 @n9 5", "g1"),
    ("sec", "加分", "g1"),
    ("sec", "加分 班次 1 5 值守", "g1"),
    ("sec", "加分 班次 99 5", "g1"),
    ("sec", "加分 班次 7 5", "g1"),
    ("r2", "积分", "g1"),
    ("r2", "积分", None),
    ("r1", "积分", None),
    ("r2", "积分 @r3", None),
    ("sec", "积分 @r2", None),
    ("r2", "积分 @r3 @r4", None),
    ("r2", "我的", None),
    ("r2", "我的数据", None),
    ("sec", "积分授权 @r2 管理员", "g1"),
    ("r2", "加分 @r2 5", "g1"),
    ("sec", "积分授权 @r2 -管理员", "g1"),
]
POINTS_SHOP: list[Line] = [
    ("sec", "加分 @r2 20 服务", "g1"),
    ("r2", "兑换目录", "g1"),
    ("sec", "上架 大米 5分 2件", "g1"),
    ("sec", "上架 油 50分 1件 党员积分", "g1"),
    ("sec", "上架 毛巾 1分 0件", "g1"),
    ("sec", "上架 1 6分", "g1"),
    ("sec", "上架", "g1"),
    ("sec", "上架 大米", "g1"),
    ("sec", "上架 9 3分", "g1"),
    ("r2", "上架 肥皂 1分 1件", "g1"),
    ("r2", "兑换目录", "g1"),
    ("r2", "兑换 1", "g1"),
    ("r2", "兑换一号，谢谢", "g1"),
    ("r2", "兑换 2", "g1"),
    ("r2", "兑换 3", "g1"),
    ("r2", "兑换 9", "g1"),
    ("r2", "兑换 乱", "g1"),
    ("r2", "兑换 大米", "g1"),
    ("r2", "兑换 1 2", "g1"),
    ("r2", "兑换 大米 2袋", "g1"),
    ("stranger", "兑换 1", "g1"),
    ("sec", "上架 1 0件", "g1"),
    ("r2", "兑换单", "g1"),
    ("sec", "兑换单", "g1"),
    ("sec", "发放", "g1"),
    ("sec", "发放 1", "g1"),
    ("sec", "发放 1", "g1"),
    ("sec", "发放 9", "g1"),
    ("sec", "发放 乱", "g1"),
    ("r2", "兑换 1", "g1"),
    ("sec", "拒绝兑换 2 已经换完", "g1"),
    ("r2", "兑换 1", "g1"),
    ("r2", "取消兑换", "g1"),
    ("r3", "取消兑换", "g1"),
    ("r3", "取消兑换 3", "g1"),
    ("r2", "取消兑换 3", "g1"),
    ("r2", "取消兑换 3", "g1"),
    ("r2", "取消兑换 乱", "g1"),
    ("sec", "兑换单", "g1"),
    ("sec", "下架 3", "g1"),
    ("sec", "下架", "g1"),
    ("r2", "积分榜", "g1"),
    ("sec", "积分榜", "g1"),
    ("sec", "积分规则 居民积分 积分榜 开", "g1"),
    ("r2", "积分榜", "g1"),
    ("r2", "积分榜 不显示我", "g1"),
    ("r3", "积分榜 居民积分", "g1"),
    ("r2", "积分榜 显示我", None),
    ("r2", "积分榜 乱 七", None),
    ("r2", "积分导出", "g1"),
    ("sec", "积分导出 乱", "g1"),
    ("sec", "积分导出", "g1"),
    ("r2", "我的兑换", None),
    ("r3", "兑换单", "g1"),
    ("sec", "发放", "g1"),
    ("sec", "上架 皂 1", "g1"),
    ("sec", "上架 盐 1分", "g1"),
    ("r2", "兑换 4", "g1"),
    ("r2", "兑换 5", "g1"),
    ("r2", "取消兑换", "g1"),
    ("sec", "发放", "g1"),
]
# Arguments every command is tried with, from people of every standing.
PROBE_ARGUMENTS = ("", " 99", " 乱七八糟")
PROBE_USERS = ("stranger", "r2", "owner")


@dataclass
class Recorder:
    """Every macro rendered, with the names of the data it was given and the language."""

    renderer: Renderer
    seen: list[tuple[str, frozenset[str], str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        markup = self.renderer.markup

        def recording(key: str, data: dict[str, Any], language: str, **options: bool) -> str:
            self.seen.append((key, frozenset(data), language))
            return markup(key, data, language, **options)

        self.renderer.markup = recording  # type: ignore[method-assign]


def play(driver: Driver, lines: list[Line]) -> None:
    """Say each line; every answer is rendered by the driver."""
    for user, text, chat in lines:
        driver.say(user, text, chat)


def later(driver: Driver, delta: timedelta) -> None:
    """Move the clock and render what the scheduler sends meanwhile, hour by hour."""
    clock = driver.app.clock
    assert isinstance(clock, VirtualClock)
    end = clock.now() + delta
    while clock.now() < end:
        clock.set(min(end, clock.now() + timedelta(hours=1)))
        for envelope in driver.app.scheduler.tick(clock.now()):
            driver.app.renderer.render(
                envelope.reply, envelope.language, html_mode=True, buttons=False
            )


def probe(driver: Driver) -> None:
    """Every command, with no, small, unknown and unreadable arguments, in a group and privately."""
    for command in COMMANDS:
        for user in PROBE_USERS:
            for chat in ("g1", None):
                for arguments in PROBE_ARGUMENTS:
                    driver.say(user, f"/{command.name}{arguments}", chat)


def community(driver: Driver) -> None:
    """Start, help, languages, households, roles, binding, erasure, joins and buttons."""
    driver.group("g3", "3号楼群", admins=("owner3",))
    driver.group("g4", "党员群")
    driver.group("g5", "别处群")
    driver.group("g6", "幸福家园群", admins=("owner6",))
    play(driver, CORE + COMMUNITY)
    driver.say("n9", "", "g1", event=EventKind.JOINED)
    driver.say("r2", "", "g1", event=EventKind.JOINED)
    driver.say("owner", "", "g1", event=EventKind.BOT_ADDED)
    driver.say("owner5", "", "g5", event=EventKind.BOT_ADDED)
    pressing = Driver(driver.app, buttons=True)
    pressing.say("r1", "zzzzzzzzzz", "g1", event=EventKind.PRESS)
    menu = pressing.say("r2", "语言", None)[0]
    pressing.say("r3", next(iter(menu.tokens.values())), None, event=EventKind.PRESS)


def deliberation(driver: Driver) -> None:
    """Topics, polls of every kind, reminders, results, decisions and their follow-up."""
    play(driver, DELIBERATION)
    later(driver, timedelta(days=3))
    play(driver, DELIBERATION_LATER)
    later(driver, timedelta(days=5))
    play(driver, DELIBERATION_DONE)


def volunteering(driver: Driver) -> None:
    """Shifts, sign-ups, waitlists, reminders, attendance and hours."""
    play(driver, VOLUNTEERING)
    later(driver, timedelta(hours=22))
    play(driver, VOLUNTEERING_ON_DUTY)
    later(driver, timedelta(minutes=30))
    play(driver, VOLUNTEERING_LATER_ON_DUTY)
    later(driver, timedelta(hours=2, minutes=30))
    play(driver, VOLUNTEERING_ON_DUTY + VOLUNTEERING_LATER_ON_DUTY)


def points(driver: Driver) -> None:
    """Rules, duties, recycling, awards and their refusals, balances, /me and /mydata."""
    play(driver, POINTS)
    driver.say("sec", "加分 @n9 5", "g1", mentions=("n9",))
    # Words that are one member's name and two others' ask which is meant.
    for user, name in (("r2", "Mary Lee"), ("r3", "Mary"), ("r1", "Lee")):
        driver.say(user, "积分", name=name)
    driver.say("sec", "加分 Mary Lee 5", "g1")
    for user in ("r2", "r3", "r1"):
        driver.say(user, "积分", name=user)
    # The same award again at once is asked about; confirmed twice, it is given once more.
    driver.say("sec", "加分 @r2 2 扫雪", "g1")
    driver.say("sec", "加分 @r2 2 扫雪", "g1")
    again = driver.answers[0].reply.choices[0][0].command
    driver.say("sec", again, "g1")
    driver.say("sec", again, "g1")
    play(driver, POINTS_SHOP)
    # The first tick after points are in use schedules the monthly statements.
    later(driver, timedelta(hours=1))
    until_due(driver, timedelta(days=31))


def until_due(driver: Driver, delta: timedelta) -> None:
    """Run the scheduler at each due time within `delta` and render what it sends."""
    clock = driver.app.clock
    assert isinstance(clock, VirtualClock)
    for _, envelopes in driver.app.scheduler.run_until(clock.now(), clock.now() + delta, clock.set):
        for envelope in envelopes:
            driver.app.renderer.render(
                envelope.reply, envelope.language, html_mode=True, buttons=False
            )


NOTICES: list[Line] = [
    ("sec", "回执", None),
    ("sec", "通知 协会圈 | 学习", None),
    ("sec", "通知 全部 | 明天上午停水 | 回执 截止 3小时", None),
    ("sec", "发送", "g1"),
    ("sec", "确认发送 1", None),
    ("sec", "确认发送 1", None),
    ("r1", "收到", "g1"),
    ("r1", "收到了", "g1"),
    ("r2", "已收到", None),
    ("n9", "收到", None),
    ("sec", "回执", None),
    ("r2", "回执 1", None),
    ("sec", "通知列表", None),
    ("r1", "通知列表", "g1"),
    ("n9", "通知列表", None),
    ("r1", "通知", None),
    ("r1", "通知 1", None),
    ("sec", "通知 1号院 | 明早停电 | 定时 2小时", None),
    ("sec", "通知 2", None),
    ("sec", "确认发送 2", "g1"),
    ("sec", "确认发送 2", None),
    ("sec", "取消通知 2", None),
    ("sec", "取消通知 2", None),
    ("sec", "取消通知 1", None),
    ("sec", "通知 全部 | 周末义诊", None),
    ("sec", "回执 3", None),
    ("sec", "确认发送 99", None),
    ("sec", "确认发送 乱", None),
    ("r3", "确认发送", None),
    ("sec", "取消通知", None),
    ("sec", "回执 乱", None),
    ("sec", "收到 乱", "g1"),
    ("sec", "通知", None),
    ("sec", "取消", None),
    ("sec", "通知 全部 |", None),
    ("sec", "通知 全部 | 停水 | 乱写", None),
    ("sec", "通知 火星 | 停水", None),
    ("sec", "通知 本群 | 停水", None),
    ("sec", "通知 火星 | 停水", "g1"),
    ("sec", "通知 本楼 | 停水", "g1"),
    ("sec", "通知", "g1"),
    ("sec", "取消", "g1"),
    ("sec", "通知 全部 | 停水 | 定时 2026-01-01 08:00", None),
    ("sec", "通知 全部 | 停水 | 回执 截止 1小时 | 定时 2小时", None),
    ("bh", "通知 2号院 | 楼道清理", None),
    ("bh", "确认发送 4", None),
    ("bh", "取消通知 1", None),
    ("r3", "通知 全部 | 停水", None),
    ("sec", "通知 全部 | 周日义诊", None),
    ("sec", "确认发送", None),
]


NOTICES_GUIDED: list[Line] = [
    ("sec", "通知", None),
    ("sec", "全部", None),
    ("sec", "停水", None),
    ("sec", "不要", None),
    ("sec", "每周一 8:00", None),
    ("sec", "确认发送 {notice}", None),
    ("sec", "通知列表", None),
    ("sec", "停止通知 {notice}", None),
    ("sec", "/noticestep 全部", None),
    ("sec", "通知 全部 | 垃圾分类 | 每天 9:00 | 回执 截止 3小时", None),
    ("sec", "通知 全部 | 停水 | 每周八 8:00", None),
    ("sec", "通知 全部 | 停水 | 每天 23:00", None),
    ("sec", "通知 全部 | 停水 | 定时 今天 23:00", None),
    ("sec", "通知 全部 | 停水 | 附件 /nonexistent/leaflet.pdf", None),
    ("sec", "通知 2号院 | 二院停电 | 回执", None),
    ("sec", "确认发送 {notice}", None),
    ("bh", "回执 {notice}", None),
    ("sec", "通知 全部 | 周六停水 | 回执", None),
    ("sec", "确认发送 {notice}", None),
    ("sec", "通知 全部 | 周日停电 | 回执", None),
    ("sec", "确认发送 {notice}", None),
    ("r3", "收到", "g1"),
    ("r3", "收到", "g1"),
    ("sec", "通知 全部 | 周一停电 | 回执", None),
    ("sec", "回执 {notice}", None),
]

# Notices in the night: a deadline before the morning refused, sent at once on the word,
# and one held for the morning, then cancelled.
NOTICES_AT_NIGHT: list[Line] = [
    ("sec", "通知 全部 | 今晚停气 | 回执 截止 1小时", None),
    ("sec", "确认发送 {notice}", None),
    ("sec", "确认发送 {notice} 现在", None),
    ("sec", "通知 全部 | 明天停水", None),
    ("sec", "确认发送 {notice}", None),
    ("sec", "取消通知 {notice}", None),
]


def notices(driver: Driver) -> None:
    """A notice with receipts, a scheduled one cancelled, refusals, and the deadline's lists;
    the guided notice made recurring, then stopped."""
    driver.grant("bh", "楼长", "红旗里社区/1号院/3号楼")
    play(driver, NOTICES)
    # A building head's notice is not the secretary's to confirm.
    play(driver, [("bh", "通知 3号楼 | 楼道清理", None)])
    play_newest(driver, [("sec", "确认发送 {notice}", None)])
    # A Telegram picture (kept by Telegram) cannot go to the console's groups.
    kept = Media(MediaKind.PHOTO, "telegram", "AgACAgQAAx0", "", 120_000)
    driver.say("sec", "通知 全部 | 明天上午停水", None, media=kept)
    later(driver, timedelta(hours=4))
    # A 收到 after notice 1's deadline.
    play(driver, [("r3", "收到", "g1")])
    play_newest(driver, NOTICES_GUIDED)
    # More silent households than are named one by one: counted per building.
    for room in [f"{floor}{door:02d}" for floor in (1, 2) for door in range(1, 17)]:
        driver.say(f"crowd{room}", f"登记 3-2-{room} 同意", "g1")
    play_newest(driver, [("sec", "回执 {notice}", None)])
    # The community's quiet hours moved to cover the present, then set back.
    hour = driver.app.clock.now().astimezone(driver.app.settings.zone).hour
    play(driver, [("sec", f"免打扰 {hour:02d}:00-{(hour + 2) % 24:02d}:00", "g1")])
    play_newest(driver, NOTICES_AT_NIGHT)
    play(driver, [("sec", f"免打扰 {driver.app.settings.delivery.quiet_hours}", "g1")])
    # The guided notice in a building's group offers 本楼.
    driver.group("g7", "3号楼邻里圈", admins=("owner7",))
    bind_approved(driver, "owner7", "g7", "1号院/3号楼")
    play(driver, [("bh", "通知", "g7"), ("bh", "取消", "g7")])


# (user, text, chat, mentions): the chain set up and refused, then requests through every verb.
REQUESTS: list[tuple[str, str, str | None, tuple[str, ...]]] = [
    ("sec", "联系 @李党员 1号院/3号楼", None, ("pm1",)),
    ("sec", "中心户 @王中心户 @李党员", None, ("pm2", "pm1")),
    ("sec", "支部 @张书记 @王中心户", None, ("pm3", "pm2")),
    ("pm3", "积分 r3", None, ()),
    ("sec", "中心户 @王中心户 @张书记", None, ("pm2", "pm3")),
    ("sec", "支部 @张书记 @李党员", None, ("pm3", "pm1")),
    ("sec", "中心户 @李党员 @李党员", None, ("pm1", "pm1")),
    ("sec", "联系 @李党员 9号楼", None, ("pm1",)),
    ("sec", "联系 @李党员 1单元", None, ("pm1",)),
    ("r2", "联系 @李党员 3号楼", None, ("pm1",)),
    ("sec", "联系 3号楼", None, ()),
    ("sec", "中心户 @王中心户", None, ("pm2",)),
    ("sec", "支部 @张书记", None, ("pm3",)),
    ("r1", "报修", "g1", ()),
    ("r1", "报修 3号楼", "g1", ()),
    ("r1", "报修 3号楼门口路灯坏了", "g1", ()),
    ("pm1", "诉求", None, ()),
    ("pm1", "接单 1", None, ()),
    ("pm1", "接单 1", None, ()),
    ("pm1", "回复 1 明天来修", None, ()),
    ("pm1", "上报 1 要换灯杆", None, ()),
    ("pm1", "办结诉求 1 好了", None, ()),
    ("pm1", "诉求", None, ()),
    ("pm2", "接单 1", None, ()),
    ("pm2", "办结诉求 1 换好了", None, ()),
    ("pm2", "办结诉求 1 换好了", None, ()),
    ("r1", "重新办理 1 还是不亮", None, ()),
    ("pm2", "接单 1", None, ()),
    ("pm2", "办结诉求 1 换了线路", None, ()),
    ("pm2", "评价 1 5", None, ()),
    ("r1", "评价 1 9", None, ()),
    ("r1", "确认解决 1", None, ()),
    ("r1", "评价 1 5", None, ()),
    ("r1", "评价 1 4", None, ()),
    ("r1", "确认解决 1", None, ()),
    ("r1", "重新办理 1 还是不亮", None, ()),
    ("r2", "接单 1", None, ()),
    ("r2", "报修 小区门口有陌生人", None, ()),
    ("r2", "确认解决 2", None, ()),
    ("pm1", "退回 2 不归我们管", None, ()),
    ("r2", "诉求 2", None, ()),
    ("r3", "报修 垃圾没人清理", None, ()),
    ("rq9", "登记 1-1-101 同意", "g2", ()),
    ("rq9", "报修 下水道堵塞", "g2", ()),
    ("sec", "上报 4 办不了", None, ()),
    ("sec", "接单", "g1", ()),
    ("r1", "接单", None, ()),
    ("r1", "评价 5分", None, ()),
    ("sec", "回复 1", None, ()),
    ("sec", "上报 3", None, ()),
    ("sec", "办结诉求 3", None, ()),
    ("sec", "退回 3", None, ()),
    ("r1", "确认解决", None, ()),
    ("r1", "确认解决", "g1", ()),
    ("r1", "重新办理", None, ()),
    ("r1", "重新办理", "g1", ()),
    ("r1", "评价 1", None, ()),
    ("sec", "诉求规则", None, ()),
    ("sec", "诉求规则 治安 网格员", None, ()),
    ("sec", "诉求规则 乱", None, ()),
    ("r1", "诉求规则 治安 1天", None, ()),
    ("sec", "诉求统计", None, ()),
    ("sec", "诉求统计", "g1", ()),
    ("r1", "诉求统计", "g1", ()),
    ("r1", "诉求统计 全部", None, ()),
]

# A neighbours' dispute (request 5) mediated: refusals, relaying, ending, agreeing.
MEDIATION: list[tuple[str, str, str | None, tuple[str, ...]]] = [
    ("r1", "反映 邻里纠纷 楼上半夜装修", None, ()),
    ("pm1", "调解 3 @r2", None, ("r2",)),
    ("pm1", "调解 5 @r1", None, ("r1",)),
    ("pm1", "调解 5 @r2 @r3", None, ("r2", "r3")),
    ("pm1", "调解 5", None, ()),
    ("r2", "调解 5 说 你好", None, ()),
    ("sec", "调解 5 @r2 @李党员", None, ("r2", "pm1")),
    ("pm1", "调解 5 @r2", None, ("r2",)),
    ("r1", "调解 5 说", None, ()),
    ("r1", "调解 5 说 请晚上别装修", None, ()),
    ("sec", "调解 5 说 你们好", None, ()),
    ("r2", "调解 5 结果 好", None, ()),
    ("pm1", "调解 5 结果", None, ()),
    ("sec", "调解 5 结束", None, ()),
    ("r1", "调解 5 说 再谈谈", None, ()),
    ("pm1", "调解 5 @r2", None, ("r2",)),
    ("pm1", "调解 5 结果 晚上十点后不装修", None, ()),
    ("r1", "/mydata", None, ()),
]

# The chain shown and links removed: refusals, a central household with a member under it,
# and a member's building whose open request, and dispute in mediation, go up to the
# central household.
CHAIN: list[tuple[str, str, str | None, tuple[str, ...]]] = [
    ("sec", "联系列表", "g1", ()),
    ("r1", "联系列表", None, ()),
    ("sec", "取消联系", None, ()),
    ("sec", "取消联系 @r3", None, ("r3",)),
    ("sec", "取消联系 @王中心户 1号院/3号楼", None, ("pm2",)),
    ("sec", "取消联系 @王中心户", None, ("pm2",)),
    ("r1", "报修 楼道灯不亮", None, ()),
    ("r1", "反映 邻里纠纷 楼上漏水", None, ()),
    ("pm1", "调解 7 @r2", None, ("r2",)),
    ("sec", "取消联系 @李党员 1号院/3号楼", None, ("pm1",)),
    ("sec", "联系列表", None, ()),
]


def requests(driver: Driver) -> None:
    """The request chain and its refusals, every verb, and deadlines that climb the chain."""
    for user, name in (("pm1", "李党员"), ("pm2", "王中心户"), ("pm3", "张书记")):
        driver.say(user, "/start", name=name)
    for user, text, chat, mentions in REQUESTS + MEDIATION + CHAIN:
        driver.say(user, text, chat, mentions=mentions)
    # A request solved and never answered by its reporter closes by itself.
    driver.say("r1", "报修 楼道堆了杂物", "g1")
    with driver.app.db.transaction() as session:
        request = session.scalars(select(Request).order_by(Request.id.desc()).limit(1)).one()
        number = request.number
        assert request.owner is not None
        owner = request.owner.identities[0].external_id
    play(driver, [(owner, f"接单 {number}", None), (owner, f"办结诉求 {number} 清理了", None)])
    later(driver, timedelta(days=3))
    play(driver, [("sec", "诉求", None)])
    request_photos(driver)
    # Two waiting at once: 接单 alone asks their owner which; then, solved, 解决了, 没解决
    # or a score alone asks the reporter which.
    filed: list[tuple[str, int]] = []
    for text in ("报修 1号楼门口灯坏了", "报修 1号楼楼道灯坏了"):
        driver.say("r1", text, "g1")
        with driver.app.db.transaction() as session:
            request = session.scalars(select(Request).order_by(Request.id.desc()).limit(1)).one()
            assert request.owner is not None
            filed.append((request.owner.identities[0].external_id, request.number))
    owner = filed[0][0]
    assert filed[1][0] == owner
    play(driver, [(owner, "接单", None)])
    play(driver, [(owner, f"接单 {number}", None) for _, number in filed])
    play(driver, [(owner, "办结诉求 好了", None)])
    play(driver, [(owner, f"办结诉求 {number} 好了", None) for _, number in filed])
    play(driver, [("r1", "解决了", None), ("r1", "没解决", None), ("r1", "评价 5分", None)])
    reporter_urges_and_withdraws(driver, filed[-1][1])


def reporter_urges_and_withdraws(driver: Driver, waiting: int) -> None:
    """The reporter urges a request a day after reporting it and once a day after that, and
    withdraws it, and a dispute in mediation; neither for one whose solution waits for their
    word (`waiting`) or one finished."""
    driver.say("r1", "报修 3号楼门口灯又坏了", "g1")
    driver.say("r1", "反映 邻里纠纷 楼上天天吵")
    with driver.app.db.transaction() as session:
        newest = session.scalars(select(Request).order_by(Request.id.desc()).limit(2)).all()
        dispute, lamp = (r.number for r in newest)
        lamp_id = newest[1].id
        assert newest[0].owner is not None
        owner = newest[0].owner.identities[0].external_id
    play(driver, [("r1", "催办", None), ("r1", f"催办 {lamp}", None)])
    # A day after it was reported, it may be urged.
    with driver.app.db.transaction() as session:
        reported = session.get_one(Request, lamp_id)
        reported.created_at -= timedelta(days=1)
    play(
        driver,
        [
            ("r1", f"催办 {lamp}", None),
            ("r1", f"催一下 {lamp}", None),
            ("r1", f"催办 {waiting}", None),
            ("r1", "撤回", None),
            ("r1", f"撤回 {lamp} 自己修好了", None),
            ("r1", f"撤回 {lamp}", None),
            ("r1", f"催办 {lamp}", None),
        ],
    )
    driver.say(owner, f"调解 {dispute} @r2 @张书记", mentions=("r2", "pm3"))
    play(driver, [("r1", f"催办 {dispute}", None), ("r1", f"撤回 {dispute} 谈好了", None)])
    # Alone, privately: nothing in hand to urge, withdraw or solve; then one of each.
    play(driver, [("r2", "催办", None), ("r2", "撤回", None), ("r2", "办结诉求 好了", None)])
    driver.say("r2", "报修 5号楼门口灯坏了", "g1")
    with driver.app.db.transaction() as session:
        request = session.scalars(select(Request).order_by(Request.id.desc()).limit(1)).one()
        assert request.owner is not None
        owner = request.owner.identities[0].external_id
    play(driver, [("r2", "撤回", None), (owner, f"接单 {request.number}", None)])
    play(driver, [(owner, "办结诉求 换了灯泡", None)])


def request_photos(driver: Driver) -> None:
    """A photo without words, one just after a report joining it, that request shown; then a
    report of danger, and the same sent again."""
    photo = Media(MediaKind.PHOTO, "console", "/tmp/路灯.jpg", "路灯.jpg", 80_000, saved=True)
    driver.say("r1", "", None, media=photo)
    driver.say("r1", "报修 2号楼楼道灯坏了", "g1")
    driver.say("r1", "", "g1", media=photo)
    with driver.app.db.transaction() as session:
        number = session.scalar(select(func.max(Request.number)))
    driver.say("sec", f"诉求 {number}")
    driver.say("r1", "求助 楼道里有人摔倒了", "g1")
    driver.say("r1", "求助 楼道里有人摔倒了！", "g1")


RARER_VOTES: list[Line] = [
    ("dup1", "登记 3-2-314 同意", "g1"),
    ("dup2", "登记 3-2-315 同意", "g1"),
    ("owner", "发起投票 午饭 | 甲 | 乙 | 每人一票", "g1"),
    ("r2", "投票 {poll} 1", "g1"),
    ("r2", "投票 {poll} 2", "g1"),
    ("owner", "发起投票 周末 | 甲 | 乙 | 丙 | 多选 2", "g1"),
    ("r2", "投票 {poll} 1", "g1"),
    ("r2", "投票 {poll} 1", "g1"),
    ("r2", "投票 {poll} 1 2 3", "g1"),
    ("owner", "发起投票 隐藏 | 甲 | 乙 | 匿名 | 结束后公布", "g1"),
    ("r2", "结果 {poll}", "g1"),
    ("r2", "投票 {poll} 1", "g1"),
    ("owner", "投票设置 {poll} 实名", "g1"),
    ("owner", "发起投票 问 | 甲 | 乙 | 表决", "g1"),
    ("owner", "发起投票 问 | 甲 | 乙 | 开始 3天 | 截止 2天", "g1"),
    ("owner", "发起投票 问 | 甲 | 乙 | 截止 2099-01-01", "g1"),
    ("owner", "发起投票 问 | 甲 | 乙 | 范围 幸福社区", "g1"),
    ("owner", "发起投票 问 | 表决 | 议题 1", "g1"),
    ("owner", "发起投票 单元 | 甲 | 乙 | 范围 红旗里社区/1号院/3号楼/2单元", "g1"),
    ("r3", "投票 {poll} 1", "g1"),
    ("sec", "发起投票 全院 | 甲 | 乙 | 范围 红旗里社区/1号院", "g1"),
    ("sec", "结果", "g5"),
    ("sec", "结果", "g6"),
    ("sec", "结果", "g8"),
    ("sec", "户核验 开", "g1"),
    ("owner", "发起投票 核验 | 表决", "g1"),
    ("dup1", "投票 {poll} 1", "g1"),
    ("sec", "户核验 关", "g1"),
    ("r1", "提议 修围墙", "g1"),
    ("dup1", "附议 {topic}", "g1"),
    ("owner", "发起投票 围墙 | 甲 | 乙", "g1"),
    ("dup1", "投票 {poll} 1", "g1"),
    ("dup1", "搬迁 3-2-316", "g1"),
    ("dup1", "附议 {topic}", "g1"),
    ("dup1", "投票 {poll} 2", "g1"),
    ("owner", "决议 {topic} 修好 | 负责 @r2 | 期限 3天", "g1"),
    ("n15", "登记 3-2-320 同意", "g5"),
    ("n15", "投票 {poll} 1", "g5"),
    ("r2", "我要投票", None),
]
RARER_SHIFTS: list[Line] = [
    ("owner", "排班 一人岗 | 明天 08:00-10:00 | 1人 | 不候补", "g1"),
    ("r2", "报名 {shift}", "g1"),
    ("r3", "报名 {shift}", "g1"),
    ("owner", "排班 门岗 | 08:00-10:00 | 2人", "g1"),
    ("owner", "排班 门岗 | 明天 至 后天 至 大后天 08:00-10:00 | 2人", "g1"),
    ("owner", "排班 门岗 | 明天 08:00-10:00 | 2人 | 截止 2天", "g1"),
    ("owner", "排班 门岗 | 明天 08:00-10:00 | 2人 | 截止 2099-01-01", "g1"),
    ("owner", "排班 门岗 | 明天 至 后天 每周三 08:00-10:00 | 2人", "g1"),
    ("owner", "修改班次 {shift} | 明天 至 后天 09:00-11:00", "g1"),
    ("owner", "缺勤 {shift} @", "g1"),
    ("owner", "排班 早岗 | 明天 08:00-10:00 | 2人 | 截止 3小时 | 取消截止 10小时", "g1"),
    ("dup1", "报名 {shift}", "g1"),
    ("dup2", "报名 {shift}", "g1"),
    ("owner", "缺勤 {shift} @老王", "g1"),
]
RARER_ON_DUTY: list[Line] = [
    ("dup1", "取消报名 {shift}", "g1"),
    ("r3", "报名 {shift}", "g1"),
]
RARER_STARTING: list[Line] = [
    ("dup2", "签到 {shift}", "g1"),
    ("dup2", "签退 {shift}", "g1"),
]
RARER_AFTER: list[Line] = [
    ("owner", "缺勤 {shift} 1", "g1"),
    ("dup2", "签退 {shift}", "g1"),
    ("sec", "值班设置 缺勤 1次", "g1"),
    ("owner", "排班 补岗 | 明天 08:00-10:00 | 2人", "g1"),
    ("dup1", "报名 {shift}", "g1"),
    ("owner", "批准 {shift} 1", "g1"),
    ("sec", "值班设置 缺勤 3次", "g1"),
]

STAGED: list[Line] = [
    ("dup1", "大家好", "g1"),
    ("dup2", "大家好", "g1"),
    ("sec", "设角色 @老王 楼长", "g1"),
    ("sec", "绑定 文化路街道", "g7"),
    ("sec", "绑定 红旗里社区", "g8"),
    ("n10", "登记 3-2-301", "g8"),
    ("n10", "搬迁 3-2-301", "g1"),
    ("n10", "登记 3-1-999 同意", "g1"),
    ("sec", "户核验 开", "g1"),
    ("n11", "登记 3-2-311 同意", "g1"),
    ("sec", "户核验 关", "g1"),
    ("n12", "登记 3-2-311 同意", "g1"),
    ("n13", "你好", "g1"),
    ("sec", "设角色 @n13 楼长", "g1"),
]
# A grid worker of the community verifies privately, naming the estate; the roster counts
# the listed room nobody registered in. Once n11 moves out, nobody in 311 hears of n12's
# request to join it: the grid worker's help asks them.
STAGED_PRIVATE: list[Line] = [
    ("gw", "核验 3-2-311", None),
    ("gw", "核验 1号院 3-2-311", None),
    ("owner", "成员", None),
    ("n11", "搬迁 3-2-330", "g1"),
    ("gw", "帮助", None),
    # The last member of a household moves out while a request to join it waits.
    ("n30", "登记 3-2-325 同意", "g1"),
    ("n31", "登记 3-2-325 同意", "g1"),
    ("n30", "搬迁 3-2-326", "g1"),
    ("gw", "帮助", None),
    # 确认入户 alone: nothing waits, one waits (agreed), then several (asked which).
    ("n30", "确认入户", None),
    ("n33", "登记 3-2-326 同意", "g1"),
    ("n30", "确认入户", None),
    ("n34", "登记 3-2-326 同意", "g1"),
    ("n35", "登记 3-2-326 同意", "g1"),
    ("n30", "确认入户", None),
    # 拒绝入户 alone: several wait (asked which), then one waits (asked before refusing).
    ("n30", "拒绝入户", None),
    ("n36", "登记 3-2-327 同意", "g1"),
    ("n37", "登记 3-2-327 同意", "g1"),
    ("n36", "拒绝入户", None),
]
OUTSIDE_GROUPS: list[Line] = [
    ("both", "大家好", "g1"),
    ("both", "值班表", None),
    ("both", "大家好", "g6"),
    ("both", "值班表", None),
    ("nowhere", "议题", None),
]


def staged(driver: Driver) -> None:
    """Rarer situations: same names, odd places, listed rooms, verification, foreign buttons."""
    driver.names.update({"dup1": "老王", "dup2": "老王"})
    driver.group("g7", "街道群")
    driver.group("g8", "社区群")
    with driver.app.db.transaction() as session:
        add_path(session, "文化路街道/红旗里社区/1号院/3号楼/1单元/101").listed = True
    play(driver, STAGED)
    with driver.app.db.transaction() as session:
        request = session.scalars(select(JoinRequest).where(JoinRequest.status == "pending")).one()
        number = request.id
    driver.say("r3", f"确认入户 {number}")
    driver.say("owner7", "", "g7", event=EventKind.BOT_ADDED)
    pressing = Driver(driver.app, buttons=True)
    asked = pressing.say("n14", "登记 3-2-312", "g1")[0]
    pressing.say("r1", next(iter(asked.tokens.values())), "g1", event=EventKind.PRESS)
    driver.grant("gw", "网格员", "红旗里社区")
    play(driver, STAGED_PRIVATE)
    _render_refusals(driver)


def _render_refusals(driver: Driver) -> None:
    """What the operator's command line and non-console platforms meet, rendered as they are."""
    render = driver.app.renderer.render
    with driver.app.db.transaction() as session:
        street = resolve_place(session, "文化路街道")
        community = resolve_place(session, "红旗里社区")
        unit = resolve_place(session, "红旗里社区/1号院/3号楼/1单元")
        someone = ensure_identity(session, "console", "r1", "r1", driver.app.clock.now()).resident
        refusals: list[Callable[[], object]] = [
            lambda: add_path(session, ""),
            lambda: add_path(session, "/".join("甲乙丙丁戊己庚"[: len(LEVELS) + 1])),
            lambda: add_path(session, ["文化路街道", ""]),
            lambda: roles.scope_at(session, Role.CIRCLE_ADMIN, unit),
            lambda: roles.scope_at(session, Role.BUILDING_HEAD, community),
            lambda: roles.scope_for(session, Role.SECRETARY, Circle(place=street), someone),
            lambda: community_of(session, street),
        ]
        for refusal in refusals:
            try:
                refusal()
            except DomainError as refused:
                render(Reply(refused.key, refused.data), "zh-Hans", html_mode=True, buttons=False)
            else:
                raise AssertionError(f"refusal {refusals.index(refusal)} was not refused")
        session.rollback()
    pointer = Reply("core.open_private", {"name": "r1", "link": "https://t.me/linli_bot?start=me"})
    render(pointer, "zh-Hans", html_mode=True, buttons=True)
    render(
        Reply("core.open_private", {"name": "r1", "link": "", "again": False}),
        "zh-Hans",
        html_mode=True,
        buttons=True,
    )


def play_newest(driver: Driver, lines: list[Line]) -> None:
    """Say each line, with {poll}, {topic}, {shift} and {notice} the newest of each then."""
    for user, text, chat in lines:
        with driver.app.db.transaction() as session:
            newest = {
                name: session.scalar(select(func.max(model.number))) or 0
                for name, model in (
                    ("poll", Poll),
                    ("topic", Topic),
                    ("shift", Shift),
                    ("notice", Notice),
                )
            }
        driver.say(user, text.format(**newest), chat)


def rarer(driver: Driver) -> None:
    """Votes, polls and shifts meeting their rarer refusals, and held sign-ups decided."""
    play_newest(driver, RARER_VOTES)
    # A secretary at home in 1号院 but not in its circle sees its poll, yet votes only as a member.
    driver.grant("n15", "书记", "红旗里社区")
    play_newest(driver, [("n15", "投票 {poll} 1", None)])
    # A poll whose only group unbinds itself closes with nowhere to post the result.
    driver.say("sec", "发起投票 党员 | 甲 | 乙", "g4")
    driver.say("sec", "", "g4", event=EventKind.BOT_REMOVED)
    play_newest(driver, [("sec", "结束投票 {poll}", "g1")])
    play_newest(driver, RARER_SHIFTS)
    later(driver, timedelta(hours=14))
    play_newest(driver, RARER_ON_DUTY)
    later(driver, timedelta(hours=1, minutes=45))
    play_newest(driver, RARER_STARTING)
    later(driver, timedelta(hours=6))
    play_newest(driver, RARER_AFTER)


def outsider(driver: Driver) -> None:
    """A resident of another community tries to second and to propose in 1号院's circle."""
    driver.grant("sec6", "书记", "幸福社区")
    bind_approved(driver, "owner6", "g6", "幸福社区/幸福家园", secretary="sec6")
    register(driver, "far", "1-1-101", chat="g6")
    play_newest(driver, [("far", "附议 {topic}", "g1"), ("far", "提议 修路", "g1")])
    # Someone not registered acts privately in the one community whose groups they are in;
    # in the groups of two communities, or in none, they are asked where.
    play(driver, OUTSIDE_GROUPS)


def stale_draft(driver: Driver) -> None:
    """A draft left unconfirmed for a day is no longer sent."""
    play(driver, [("sec", "通知 全部 | 明天停水", None)])
    later(driver, timedelta(days=1))
    play_newest(driver, [("sec", "确认发送 {notice}", None)])


SCENARIOS: list[Callable[[Driver], None]] = [
    community,
    staged,
    deliberation,
    volunteering,
    points,
    notices,
    rarer,
    requests,
    outsider,
    probe,
    stale_draft,
]


def record_every_feature(app: App) -> Recorder:
    """Play every scenario in the test community, numbered lines for choices, recording."""
    recorder = Recorder(app.renderer)
    driver = build(app, buttons=False)
    for scenario in SCENARIOS:
        scenario(driver)
    return recorder
