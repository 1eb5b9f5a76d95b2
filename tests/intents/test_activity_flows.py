"""Resident activity flows that must hold up for real people (issue 17): a seat offer claimed
from any yes while live, parties that can never fit, a form that keeps its draft, a reminder
that agrees with the cancel deadline, a confirmed cancel, and dates and places in questions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from bot.activities import messages
from bot.activities import service as activities
from bot.activities.models import Registration
from bot.activities.service import ActivityError, ActivityInput
from bot.app import App
from bot.db import session_scope
from bot.identity import resolve_user
from bot.kb.models import UnansweredQuestion
from bot.models import Community, Conversation
from bot.outbox.models import Outbox
from bot.outbox.notifier import Notifier
from bot.types import Incoming
from intents.activity_dates import asked_days
from tests.conftest import NOW, Clock

Say = Callable[..., str]
ZONE = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def say(app: App, text: Callable[..., Incoming]) -> Say:
    def send(line: str, user: str = "ann") -> str:
        return app.dispatcher.handle(text(line, user=user)).text

    return send


def make(app: App, start: dt.datetime | None = None, **fields: object) -> int:
    start = start or NOW + dt.timedelta(days=2)
    data = ActivityInput(
        title=str(fields.pop("title", "剪纸课")), starts_at=start,
        ends_at=start + dt.timedelta(hours=1), place="活动室", capacity=1,
    )  # fmt: skip
    for name, value in fields.items():
        setattr(data, name, value)
    with session_scope(app.engine) as session:
        known = session.exec(select(Community.id)).all()
        return activities.create_activity(session, data, NOW, known).id or 0


def status(app: App, phone: str) -> str:
    with Session(app.engine) as session:
        return session.exec(select(Registration).where(Registration.phone == phone)).one().status


def sign_up(say: Say, number: int, user: str, phone: str) -> str:
    say(f"报名 {number}", user)
    say(phone, user)
    return say("确认", user)


# 1. the waitlist claim


@pytest.mark.parametrize("yes", ["确认", "确认 {n}", "好的", "要"])
def test_a_live_offer_is_claimed_by_any_yes_after_other_messages(
    app: App, say: Say, yes: str
) -> None:
    number = make(app, collect=["phone"])
    assert "报名成功" in sign_up(say, number, "ann", "13812345678")
    assert "候补" in sign_up(say, number, "bob", "13998765432")
    assert "已取消" in say(f"取消报名 {number}", "ann")
    say("低保怎么申请", "bob")  # a message in between
    mine = say("我的报名", "bob")
    assert f"回复“确认 {number}”" in mine
    assert "名额保留好了" in say(yes.format(n=number), "bob")
    assert status(app, "13998765432") == "confirmed"


def test_a_yes_without_an_offer_is_not_a_claim(app: App, say: Say) -> None:
    assert "名额保留好了" not in say("确认 3")


# 2. a party that can never fit


def test_a_party_larger_than_the_activity_is_refused(app: App, say: Say) -> None:
    number = make(app, max_party=3)
    assert "最多 1 位" not in say(f"报名 {number}")  # capacity 1: no party question at all
    with session_scope(app.engine) as session:
        user = resolve_user(session, "console", "bob", NOW).id or 0
        with pytest.raises(ActivityError, match="一共只有 1"):
            activities.sign_up(session, number, user, 2, NOW)


def test_seats_agree_with_the_waitlist_everywhere(app: App, say: Say) -> None:
    number = make(app, capacity=2, max_party=2)
    assert "几位" in say(f"报名 {number}", "ann")
    say("1", "ann")
    assert "报名成功" in say("确认", "ann")  # one seat left ...
    assert "几位" in say(f"报名 {number}", "bob")
    say("2", "bob")
    assert "候补" in say("确认", "bob")  # ... a party of 2 waits for two
    assert "剩 1 个名额" not in say("活动")  # a single would wait behind bob: no seat to show
    assert "已满" in say(f"活动{number}")
    assert "候补第 1 位（2 位）" in say("我的报名", "bob")


def test_a_waiting_party_that_can_never_fit_blocks_nobody(app: App) -> None:
    number = make(app, capacity=1)
    with session_scope(app.engine) as session:
        users = [resolve_user(session, "console", name, NOW).id or 0 for name in ("a", "b")]
        session.add(
            Registration(
                activity_id=number,
                user_id=users[0],
                party=3,
                status="waitlisted",
                waitlist_seq=1,
                created_at=NOW,
                updated_at=NOW,
            )
        )  # fmt: skip  (left from before such parties were refused)
    with session_scope(app.engine) as session:
        assert activities.sign_up(session, number, users[1], 1, NOW).status == "confirmed"


# 3. the form keeps its draft


def test_a_form_that_goes_wrong_at_every_step_keeps_its_draft(app: App, say: Say) -> None:
    number = make(app, capacity=5, max_party=3, collect=["name", "phone"])
    assert "几位" in say(f"报名 {number}")
    assert "人数" in say("周大爷")  # a name at the party-size step
    assert "算了" in say("活动在哪里举办？")  # a question mid-form
    assert "姓名" in say("2")
    assert "姓名" in say("几点开始啊")
    assert "电话" in say("周大爷")
    assert "座机" in say("我没有手机")
    assert "138****5678" in say("13812345678")
    assert "确认" in say("周大爷")  # a name at confirm
    assert "报名成功" in say("确认")
    assert status(app, "13812345678") == "confirmed"
    with Session(app.engine) as session:
        logged = [q.text for q in session.exec(select(UnansweredQuestion)).all()]
    assert not any("13812345678" in text for text in logged)


@pytest.mark.parametrize(
    ("answers", "summary", "stored"),
    [
        (["028-38123456"], "028****3456", "02838123456"),  # a landline with its area code
        (["3812 3456"], "381****3456", "38123456"),  # a town number without it
        (["我没有手机", "不留"], "电话：不留", None),  # no phone at all: name at the door
        (["没有", "家里人的：139 1234 5678"], "139****5678", "13912345678"),
    ],
)
def test_a_resident_without_a_mobile_can_sign_up(
    app: App, say: Say, answers: list[str], summary: str, stored: str | None
) -> None:
    number = make(app, collect=["name", "phone"])
    say(f"报名 {number}")
    assert "电话" in say("周大爷")
    replies = [say(answer) for answer in answers]
    assert summary in replies[-1], replies
    assert "报名成功" in say("确认")
    with Session(app.engine) as session:
        registration = session.exec(select(Registration)).one()
    assert (registration.name, registration.phone) == ("周大爷", stored)


def test_a_request_elsewhere_still_leaves_the_form(app: App, say: Say) -> None:
    number = make(app, collect=["name"])
    say(f"报名 {number}")
    assert "报名的活动" in say("我的报名") or "没有报名" in say("我的报名")
    with Session(app.engine) as session:
        assert session.exec(select(Conversation)).first() is None


# 4. the reminder agrees with the cancel deadline


def test_the_two_hour_reminder_does_not_offer_a_cancel_that_is_refused(
    app: App, clock: Clock
) -> None:
    start = NOW + dt.timedelta(hours=2)
    number = make(app, start=start, capacity=5)
    notifier = Notifier(app.settings.zone, clock)
    with session_scope(app.engine) as session:
        user = resolve_user(session, "console", "ann", NOW).id or 0
        registration = activities.sign_up(session, number, user, 1, NOW)
        found = activities.activity(session, number)
        messages.reminder(notifier, session, registration, found, 120)
        assert session.get(Conversation, user) is None  # "取消" is not awaited
    with Session(app.engine) as session:
        sent = session.exec(select(Outbox)).one().payload["replies"][0]["text"]
    assert "回复“取消”" not in sent
    assert "工作人员" in sent


def test_the_day_before_reminder_offers_cancel_until_the_deadline(app: App, clock: Clock) -> None:
    number = make(app, start=NOW + dt.timedelta(days=1), capacity=5)
    notifier = Notifier(app.settings.zone, clock)
    with session_scope(app.engine) as session:
        user = resolve_user(session, "console", "ann", NOW).id or 0
        registration = activities.sign_up(session, number, user, 1, NOW)
        found = activities.activity(session, number)
        messages.reminder(notifier, session, registration, found, 24 * 60)
    with Session(app.engine) as session:
        sent = session.exec(select(Outbox)).one().payload["replies"][0]["text"]
    assert "前回复“取消”" in sent


# 5. cancelling without a number asks first


def test_cancel_without_a_number_asks_first(app: App, say: Say) -> None:
    number = make(app, collect=["phone"])
    sign_up(say, number, "ann", "13812345678")
    asked = say("取消报名")
    assert "剪纸课" in asked
    assert "确认" in asked
    assert status(app, "13812345678") == "confirmed"
    assert "没有取消" in say("算了")
    assert status(app, "13812345678") == "confirmed"
    say("取消报名")
    assert "请回复“确认”" in say("好的")  # not explicit enough: asked again
    assert "已取消" in say("确认")
    assert status(app, "13812345678") == "cancelled"


# 8. dates and places


@pytest.mark.parametrize(
    ("question", "days"),
    [("明天有活动吗", 1), ("这周末有什么活动", 0), ("周六有什么活动", 1), ("下周有什么活动", 7)],
)
def test_days_asked_about(question: str, days: int) -> None:
    found, rest = asked_days(question, NOW, ZONE)
    assert found is not None
    assert "活动" in rest
    assert found.until > found.start
    if days:
        assert (found.until - found.start).days == days


def test_a_date_and_a_weekend_filter_the_list(app: App, say: Say) -> None:
    local = NOW.astimezone(ZONE)
    tomorrow = (local + dt.timedelta(days=1)).replace(hour=10, minute=0)
    make(app, start=tomorrow, title="明日太极")
    later = make(app, start=tomorrow + dt.timedelta(days=20), title="远期讲座")
    listed = say("明天有活动吗")
    assert "明日太极" in listed
    assert "义诊剪" not in listed
    day = tomorrow + dt.timedelta(days=20)
    asked = say(f"{day.month}月{day.day}号有什么活动")
    assert "远期讲座" in asked
    assert "明日太极" not in asked
    assert f"【{later}】" in asked
    weekend = say("这周末有什么活动")
    assert weekend.startswith("这周末")


def test_a_community_named_filters_the_list(app: App, say: Say) -> None:
    number = make(app, title="东坡地名文化进社区", community_id="suzhe")
    make(app, title="义诊剪", community_id="penglai")
    listed = say("苏辙社区的活动")
    assert f"【{number}】东坡地名文化进社区" in listed  # the list, not the community's blurb
    assert "义诊剪" not in listed  # a 蓬莱 activity


def test_sign_up_by_part_of_a_title(app: App, say: Say) -> None:
    make(app, title="义诊剪：量血压测血糖+免费理发", collect=["name"])
    make(app, title="普法小课堂")
    assert "请问报名用什么姓名" in say("帮我报名义诊剪")


def test_a_phone_number_sent_after_leaving_is_not_logged(app: App, say: Say) -> None:
    say(f"报名 {make(app, collect=['phone'])}")
    say("算了")
    assert "报名" in say("139 1234 5678")
    with Session(app.engine) as session:
        assert not session.exec(select(UnansweredQuestion)).all()


def test_cancel_past_the_deadline_points_to_staff_without_asking(
    app: App, say: Say, clock: Clock
) -> None:
    number = make(app, start=NOW + dt.timedelta(hours=3), collect=["phone"])
    sign_up(say, number, "ann", "13812345678")
    clock.advance(hours=1, minutes=30)  # the deadline was 2 hours before the start
    assert "找人工" in say("取消报名")
    assert status(app, "13812345678") == "confirmed"
