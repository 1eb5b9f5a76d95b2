"""The staff announcement flow in chat: a wrong answer keeps the step, "算了" leaves at any step,
residents are refused; 公告列表, 公告进度 N and 取消公告 N; an audience tag."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlmodel import Session, func, select

from bot.announcements import service as announcements
from bot.announcements.models import Announcement
from bot.announcements.service import Draft, Target
from bot.app import App
from bot.db import session_scope
from bot.identity import resolve_user
from bot.models import Conversation
from bot.people.models import UserTag
from bot.people.roles import grant
from bot.types import Incoming
from intents.guard import REFUSAL
from tests.conftest import NOW, Clock

Say = Callable[..., str]
# each step's valid answer for staff of 苏辙社区 (the only community in their menu)
WALK = ["发公告", "周六上午九点，社区广场免费量血压。", "不用", "1", "1", "1", "明天 9:00"]


@pytest.fixture
def say(app: App, text: Callable[..., Incoming]) -> Say:
    def send(line: str, user: str = "secretary") -> str:
        return app.dispatcher.handle(text(line, user=user)).text

    return send


def user(app: App, name: str, community: str | None = "suzhe", role: str | None = None,
         place: str = "suzhe") -> int:  # fmt: skip
    with session_scope(app.engine) as session:
        found = resolve_user(session, "console", name, NOW)
        found.community_id = community
        session.add(found)
        if role is not None:
            grant(session, found.id or 0, role, place)
        return found.id or 0


@pytest.fixture
def secretary(app: App) -> int:
    """Staff of 苏辙社区, with three residents there and one in 蓬莱社区."""
    for name in ("ann", "bob", "cat"):
        user(app, name)
    user(app, "dan", community="penglai")
    return user(app, "secretary", role="staff")


def step_of(app: App, user_id: int) -> str | None:
    with Session(app.engine) as session:
        found = session.get(Conversation, user_id)
        return None if found is None else str(found.data.get("step"))


def stored(app: App) -> list[Announcement]:
    with Session(app.engine) as session:
        return list(session.exec(select(Announcement)).all())


@pytest.mark.parametrize(
    ("walked", "wrong", "says"),
    [
        (1, "长" * 601, "有点长（601 字）"),
        (2, "example.cn/a", "这不像一个链接"),
        (3, "2", "请回复列表里的数字"),  # a suzhe staff member's menu has one community
        (3, "苏辙", "请回复列表里的数字"),
        (4, "4", "请回复 1、2 或 3"),
        (4, "1 2", "请回复 1、2 或 3"),
        (5, "9", "请回复一个数字选类别"),
        (6, "下周吧", "没看懂这个时间"),
        (6, "明天 25:00", "没看懂这个时间"),
        (6, "2020-01-01 9:00", "已经过去了"),
        (7, "好的", "请回复“确认”发送"),
    ],
)
def test_a_wrong_answer_keeps_the_step(
    app: App, say: Say, secretary: int, walked: int, wrong: str, says: str
) -> None:
    for line in WALK[:walked]:
        say(line)
    step = step_of(app, secretary)
    assert step is not None
    assert says in say(wrong)
    assert step_of(app, secretary) == step
    assert stored(app) == []


def test_valid_answers_move_on_to_a_confirmed_announcement(
    app: App, say: Say, secretary: int
) -> None:
    replies = [say(line) for line in WALK[:2]]
    assert "要附一篇文章链接吗" in replies[-1]
    menu = say("https://example.cn/a")
    assert "发给哪个社区" in menu
    assert "1. 苏辙社区" in menu
    assert "2." not in menu  # only their own community
    assert "1. 全部居民" in say("1")
    assert "1. 社区公告" in say("1")
    assert "什么时候发" in say("1")
    preview = say("明天 9:00")
    assert "苏辙社区的全部居民（约 4 人）" in preview  # the secretary lives there too
    assert "详情：https://example.cn/a" in preview
    assert "✅ 公告 #1 已安排" in say("确认")
    (found,) = stored(app)
    assert (found.communities, found.roles, found.tags, found.link, found.sender_id) == (
        ["suzhe"], [], [], "https://example.cn/a", secretary,
    )  # fmt: skip
    assert step_of(app, secretary) is None


@pytest.mark.parametrize("walked", range(1, 9))
def test_leaving_at_any_step_stores_nothing(
    app: App, say: Say, secretary: int, walked: int
) -> None:
    for line in [*WALK, "确认"][:walked]:
        say(line)
    if walked == 8:  # confirmed: the flow is over, "算了" is just a word now
        assert len(stored(app)) == 1
        return
    assert step_of(app, secretary) is not None
    assert say("算了") == "好的，这条公告不发了。"
    assert step_of(app, secretary) is None
    assert stored(app) == []


def test_now_still_means_now_after_a_slow_confirmation(
    app: App, say: Say, secretary: int, clock: Clock
) -> None:
    for line in [*WALK[:-1], "现在"]:
        say(line)
    clock.advance(minutes=5)  # reading the preview takes a while
    assert "马上发送" in say("确认")
    (found,) = stored(app)
    assert found.send_at == clock.now


def test_district_staff_may_pick_the_whole_district(app: App, say: Say) -> None:
    user(app, "director", community=None, role="staff", place="")
    user(app, "helper", role="volunteer")  # someone to send to
    for line in WALK[:3]:
        menu = say(line, user="director")
    assert "6. 全区所有社区" in menu
    assert "2. 上游社区" in menu
    preview = [say(line, user="director") for line in ("6", "2", "1", "明天 9:00")][-1]
    assert "发给：全区的志愿者" in preview
    say("确认", user="director")
    (found,) = stored(app)
    assert (found.everyone, found.communities, found.roles) == (True, [], ["volunteer"])


def test_a_resident_cannot_start_it(app: App, say: Say) -> None:
    resident = user(app, "ann")
    for line in ("发公告", "公告列表", "公告进度1", "取消公告 1"):
        assert say(line, user="ann") == REFUSAL
    assert step_of(app, resident) is None
    assert stored(app) == []


def test_an_audience_tag(app: App, say: Say, secretary: int) -> None:
    with session_scope(app.engine) as session:
        ann = resolve_user(session, "console", "ann", NOW).id or 0
        dan = (
            resolve_user(session, "console", "dan", NOW).id or 0
        )  # 蓬莱社区: not this announcement
        session.add_all([UserTag(user_id=ann, tag="老年人"), UserTag(user_id=dan, tag="老年人")])
    for line in WALK[:4]:
        say(line)
    assert "这是哪一类公告" in say("标签 老年人")
    preview = [say(line) for line in ("3", "明天 9:00")][-1]
    assert "发给：苏辙社区标签为“老年人”的居民（约 1 人）" in preview
    say("确认")
    (found,) = stored(app)
    assert (found.communities, found.roles, found.tags, found.topic) == (
        ["suzhe"], [], ["老年人"], "health",
    )  # fmt: skip


def schedule(app: App, sender: int | None, target: Target, text: str = "停水通知") -> int:
    with session_scope(app.engine) as session:
        draft = Draft(text, target, NOW + dt.timedelta(days=1))
        return announcements.create(session, draft, sender, NOW, app.settings.announcements).id or 0


def test_list_progress_and_cancel(app: App, say: Say, secretary: int) -> None:
    other = user(app, "other", community="penglai", role="staff", place="penglai")
    mine = schedule(app, secretary, Target(communities=("suzhe",)), "苏辙停水通知")
    theirs = schedule(app, other, Target(communities=("penglai",)), "蓬莱停电通知")

    listing = say("公告列表")
    assert f"#{mine} 待发送" in listing
    assert "苏辙停水通知" in listing
    assert "蓬莱停电通知" not in listing

    assert "等待发送" in say(f"公告进度 {mine}")
    assert "预计发给 4 人" in say(f"公告进度{mine}")
    assert say(f"公告进度 {theirs}") == "这条公告不是您负责的。"
    assert say("公告进度 99") == "没有编号为 99 的公告。"

    assert say(f"取消公告 {theirs}") == "这条公告不是您发的，不能取消。"
    assert say(f"取消公告 {mine}") == f"公告 #{mine} 已取消，不会发出。"
    assert say(f"取消公告 {mine}") == f"公告 #{mine} 已经取消过了。"
    assert f"#{mine} 已取消" in say("公告列表")
    assert "已取消，没有发出" in say(f"公告进度 {mine}")
    with Session(app.engine) as session:
        statuses = dict(session.exec(select(Announcement.id, Announcement.status)).all())
    assert statuses == {mine: "cancelled", theirs: "scheduled"}


def test_an_empty_list(app: App, say: Say, secretary: int) -> None:
    assert say("公告列表") == "还没有公告。发“发公告”写一条。"
    with Session(app.engine) as session:
        assert session.exec(select(func.count()).select_from(Announcement)).one() == 0


def test_a_time_that_passes_before_confirming_is_asked_again(
    app: App, say: Say, secretary: int, clock: Clock
) -> None:
    for line in [*WALK[:-1], "今天 17:05"]:  # NOW is 17:00 in 眉山
        say(line)
    clock.advance(minutes=10)
    assert "已经过了" in say("确认")
    assert step_of(app, secretary) == "when"
    assert stored(app) == []
    say("现在")
    assert "已安排" in say("确认")
    assert len(stored(app)) == 1


def test_nobody_to_send_to_is_not_offered_for_confirmation(
    app: App, say: Say, secretary: int
) -> None:
    for line in WALK[:4]:
        say(line)
    say("标签 没有这个标签")
    chosen_again = [say(line) for line in ("3", "周五 8:00")][-1]
    assert "一个人也发不到" in chosen_again
    assert "发给哪个社区" in chosen_again
    assert step_of(app, secretary) == "where"
    assert stored(app) == []
