"""Demo activities of the kinds in the seed article, dated from today so a newcomer always
sees some. Marked 示例: they are examples, not real announcements."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.activities.models import Activity
from bot.activities.service import ActivityInput, create_activity
from bot.db import session_scope
from bot.models import Community

# (title, community, audience, days from today, start hour, hours, place, capacity, party,
#  collect, description) — the kinds of activity the seed article describes.
_DEMO: tuple[tuple[Any, ...], ...] = (
    ("义诊剪：量血压测血糖+免费理发", "penglai", ["老人", "残疾人"], 3, 9, 2.5,
     "蓬莱社区党群服务中心（示例）", 30, 1, ["name", "phone"],
     "医院党员志愿者来社区义诊，现场还有免费理发（示例活动）。"),
    ("科技少年 智慧未来：科普体验", "shangyou", ["儿童", "亲子"], 5, 14, 2,
     "上游社区社工室（示例）", 20, 3, ["name", "phone"],
     "揭秘指纹、做红绿灯、看重力下楼梯，家长可陪同（示例活动）。"),
    ("云朵灯手工：旧塑料瓶变台灯", "shangyou", ["儿童", "亲子"], 9, 15, 1.5,
     "上游社区社工室（示例）", 12, 2, ["name"],
     "用废弃塑料瓶做云朵灯，节约又环保（示例活动）。"),
    ("东坡地名文化进社区", "suzhe", ["全体居民"], 7, 10, 1.5,
     "苏辙社区活动室（示例）", 40, 2, [],
     "听志愿者老师讲东坡大道、眉州大道等地名背后的故事（示例活动）。"),
    ("普法宣传：身边的法律小课堂", "penglai", ["全体居民"], 12, 9, 1.5,
     "蓬莱社区广场（示例）", 50, 1, [],
     "讲讲和日常生活有关的法律常识（示例活动）。"),
    ("童言善治 共“童”前行", "wenzhongjie", ["儿童"], 14, 15, 2,
     "文忠街社区活动室（示例）", 25, 2, ["name"],
     "请孩子们一起为社区出主意（示例活动）。"),
)  # fmt: skip


def seed_activities(engine: Engine, now: dt.datetime, zone: ZoneInfo) -> int:
    """Create the demo activities when there are none. Returns how many were created."""
    with Session(engine) as session:
        if session.exec(select(Activity.id).limit(1)).first() is not None:
            return 0
        known = set(session.exec(select(Community.id)).all())
    today = now.astimezone(zone).date()
    created = 0
    with session_scope(engine) as session:
        for (
            title,
            community,
            audience,
            days,
            hour,
            hours,
            place,
            capacity,
            party,
            collect,
            text,
        ) in _DEMO:
            if community not in known:
                continue
            day = today + dt.timedelta(days=days)
            starts = dt.datetime(day.year, day.month, day.day, hour, tzinfo=zone)
            data = ActivityInput(
                title=title, starts_at=starts, ends_at=starts + dt.timedelta(hours=hours),
                place=place, capacity=capacity, community_id=community, audience=audience,
                max_party=party, collect=collect, description=text,
            )  # fmt: skip
            create_activity(session, data, now, known)
            created += 1
    return created
