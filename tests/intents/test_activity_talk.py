"""Activities asked for in a resident's own words: sign up by list position, title words or
day, cancel, my sign-ups, reminders and check-in questions reach the activities intent, and a
sentence that only mentions them stays a question."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlmodel import Session, select

from bot.activities import service as activities
from bot.activities.models import Registration
from bot.activities.service import ActivityInput
from bot.app import App
from bot.db import session_scope
from bot.models import Conversation
from bot.types import Incoming
from tests.conftest import NOW

Say = Callable[[str], str]
TITLES = ("义诊剪：量血压测血糖+免费理发", "云朵灯手工：旧塑料瓶变台灯")


@pytest.fixture
def listed(app: App) -> list[int]:
    """Two activities: the 云朵灯 on the Saturday "周六" means (this evening when NOW is a
    Saturday), the 义诊 on another day — in an hour, or on Sunday when NOW is a Saturday —
    whatever day the test clock is on (NOW is 17:00 in 眉山)."""
    days = (5 - NOW.weekday()) % 7
    if days == 0:
        starts = (NOW + dt.timedelta(days=1), NOW + dt.timedelta(hours=3))
    else:
        starts = (NOW + dt.timedelta(hours=1), (NOW + dt.timedelta(days)).replace(hour=7))
    ids = []
    with session_scope(app.engine) as session:
        for title, start in zip(TITLES, starts, strict=True):
            data = ActivityInput(
                title=title, starts_at=start, ends_at=start + dt.timedelta(hours=1),
                place="广场", capacity=10, collect=["name"],
            )  # fmt: skip
            ids.append(activities.create_activity(session, data, NOW, []).id or 0)
    return ids


def form_for(app: App, text: Callable[..., Incoming], said: str) -> int:
    """The activity whose sign-up form the message opened."""
    outcome = app.dispatcher.handle(text(said))
    assert outcome.intent == "signup", outcome
    with Session(app.engine) as session:
        pending = session.exec(select(Conversation)).one()
    return int(pending.data["activity"])


@pytest.mark.parametrize(
    ("said", "which"),
    [("报名第1个", 0), ("報名第二個活動", 1), ("第二个活动我要报", 1), ("我要报名义诊", 0),
     ("给我和我老伴报名那个义诊剪活动", 0), ("我想参加周六那个云朵灯", 1), ("周六那个我也要报", 1),
     ("那个嗯我想报名参加那个活动就是第二个", 1),
     ("同志你好，我是蓬莱社区的老李，想报名参加下次的义诊，麻烦你帮我登记一下，谢谢。", 0)],
)  # fmt: skip
def test_a_sign_up_in_ones_own_words_opens_the_form(
    app: App, text: Callable[..., Incoming], listed: list[int], said: str, which: int
) -> None:
    """`which`: the title (0 义诊, 1 云朵灯); for "第1个"/"第二个", the place in the list."""
    if "第" in said:
        with Session(app.engine) as session:
            shown = activities.upcoming(session, NOW, limit=10)
        expected = [a.id for a in shown if a.id in listed][which]
    else:
        expected = listed[which]
    assert form_for(app, text, said) == expected


@pytest.mark.usefixtures("listed")
def test_a_natural_sign_up_completes(app: App, text: Callable[..., Incoming]) -> None:
    form_for(app, text, "我想参加周六那个云朵灯")
    app.dispatcher.handle(text("王小明"))
    assert "报名成功" in app.dispatcher.handle(text("确认")).text
    with Session(app.engine) as session:
        assert session.exec(select(Registration)).one().name == "王小明"
    mine = app.dispatcher.handle(text("我报名成功没得"))
    assert mine.intent == "my_registrations"
    assert TITLES[1] in mine.text
    cancel = app.dispatcher.handle(text("我报的活动去不了了能退掉吗"))
    assert cancel.intent == "cancel"
    assert "要取消这个报名吗" in cancel.text


@pytest.mark.parametrize(
    ("said", "intent"),
    [("我报一个名", "signup"), ("要得，那我报名嘛", "signup"),
     ("社区活动咋个参加嘛", "activity_list"), ("活动开始前能不能通知我一声", "reminder"),
     ("可以提前一天提醒我吗", "reminder"),
     ("wo baoming le naxie huodong", "my_registrations"), ("看看我的报名记录", "my_registrations"),
     ("那个活动我去不成了，帮我退掉嘛", "cancel"), ("我到了，帮我签到", "checkin")],
)  # fmt: skip
def test_requests_about_activities_reach_the_activities_intent(
    app: App, text: Callable[..., Incoming], said: str, intent: str
) -> None:
    assert app.dispatcher.handle(text(said)).intent == intent


def test_reminders_are_explained_with_the_configured_offsets(
    app: App, text: Callable[..., Incoming]
) -> None:
    reply = app.dispatcher.handle(text("明天早上八点提醒我去量血压")).text
    assert "开始前24小时和2小时" in reply
    assert "自己定时间的提醒我还做不到" in reply


@pytest.mark.parametrize(
    "said", ["把所有居民的报名名单和电话导出来发给我", "老人可以参加吗", "创特色有哪些社区参加",
             "参加义诊要带什么", "我想去三苏祠"],
)  # fmt: skip
@pytest.mark.usefixtures("listed")
def test_a_sentence_that_mentions_activities_is_not_a_request(
    app: App, text: Callable[..., Incoming], said: str
) -> None:
    assert app.dispatcher.handle(text(said)).intent not in {"signup", "cancel", "reminder"}
