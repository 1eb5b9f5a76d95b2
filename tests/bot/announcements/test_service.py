"""Announcements: what staff may send to whom, who it reaches, queuing in resumable batches,
cancelling, and the delivery report the sender gets once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from bot.announcements import delivery as announcement_delivery
from bot.announcements import service as announcements
from bot.announcements.delivery import finish, progress, report_text, start_due
from bot.announcements.models import Announcement, NoticeOptOut
from bot.announcements.service import AnnouncementError, Draft, Target
from bot.app import open_database
from bot.config import AnnouncementSettings, Settings
from bot.db import session_scope
from bot.errors import Undeliverable
from bot.identity import resolve_user
from bot.kb.store import seed_demo
from bot.models import ChannelIdentity, User
from bot.outbox.models import Outbox
from bot.outbox.notifier import Notifier
from bot.people.models import UserTag
from bot.people.roles import grant
from scheduler.delivery import Delivery
from tests.conftest import NOW

LATER = NOW + dt.timedelta(hours=2)


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    """A fresh database with the demo communities (苏辙 suzhe, 蓬莱 penglai, ...)."""
    engine = open_database(settings)
    seed_demo(engine, NOW.date())
    yield engine
    engine.dispose()


def person(
    engine: Engine, name: str, community: str | None = "suzhe", role: str | None = None,
    role_place: str = "", tags: Sequence[str] = (),
) -> int:  # fmt: skip
    """A console user living in `community`, with a role (in `role_place`) and audience tags."""
    with session_scope(engine) as session:
        user = resolve_user(session, "console", name, NOW)
        user.community_id = community
        session.add(user)
        user_id = user.id or 0
        if role is not None:
            grant(session, user_id, role, role_place)
        for tag in tags:
            session.add(UserTag(user_id=user_id, tag=tag))
        return user_id


def opt_out(engine: Engine, user_id: int, topic: str = announcements.ALL_TOPICS) -> None:
    with session_scope(engine) as session:
        session.add(NoticeOptOut(user_id=user_id, topic=topic, created_at=NOW))


def make(
    engine: Engine, settings: AnnouncementSettings, target: Target, sender: int | None = None,
    send_at: dt.datetime = NOW, topic: str = "general",
) -> int:  # fmt: skip
    with session_scope(engine) as session:
        draft = Draft("周六上午社区广场免费量血压", target, send_at, topic=topic)
        return announcements.create(session, draft, sender, NOW, settings).id or 0


def reached(engine: Engine, target: Target) -> set[int]:
    with Session(engine) as session:
        rows = session.exec(select(User.id).where(announcements.recipients_filter(target)))
        return {user_id for user_id in rows.all() if user_id is not None}


def queued(engine: Engine, announcement_id: int) -> list[int]:
    """The user ids with an outbox row for the announcement (duplicates kept)."""
    with Session(engine) as session:
        ref = f"announcement:{announcement_id}"
        return list(session.exec(select(Outbox.user_id).where(Outbox.ref == ref)).all())


def stored(engine: Engine, announcement_id: int) -> Announcement:
    with Session(engine) as session:
        found = session.get(Announcement, announcement_id)
        assert found is not None
        return found


def count_announcements(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(Announcement)).one())


# --- what may be sent, and by whom -------------------------------------------------------------

SUZHE = Target(communities=("suzhe",))


@pytest.mark.parametrize(
    ("text", "link", "topic", "target", "send_at", "says"),
    [
        ("   ", "", "general", SUZHE, NOW, "不能是空的"),
        ("长" * 601, "", "general", SUZHE, NOW, "太长了（601 字）"),
        ("停水通知", "ftp://example.com/a", "general", SUZHE, NOW, "链接格式不对"),
        ("停水通知", "https://exa mple.com", "general", SUZHE, NOW, "链接格式不对"),
        ("停水通知", "", "sports", SUZHE, NOW, "没有这个公告类别：sports"),
        ("停水通知", "", "general", Target(communities=("atlantis",)), NOW, "没有这个社区"),
        ("停水通知", "", "general", Target(roles=("mayor",)), NOW, "没有这个角色"),
        ("停水通知", "", "general", Target(), NOW, "还没选发给谁"),
        ("停水通知", "", "general", SUZHE, NOW - dt.timedelta(hours=1), "时间已经过去了"),
    ],
)
def test_invalid_announcements_are_refused_and_not_stored(
    engine: Engine, settings: Settings, text: str, link: str, topic: str, target: Target,
    send_at: dt.datetime, says: str,
) -> None:  # fmt: skip
    draft = Draft(text, target, send_at, link, topic)
    with pytest.raises(AnnouncementError, match=says), session_scope(engine) as session:
        announcements.create(session, draft, None, NOW, settings.announcements)
    assert count_announcements(engine) == 0


def test_text_is_trimmed_and_a_just_past_time_means_now(engine: Engine, settings: Settings) -> None:
    draft = Draft("  停水通知  ", SUZHE, NOW - dt.timedelta(seconds=30), "https://a.cn/x")
    with session_scope(engine) as session:
        found = announcements.create(session, draft, None, NOW, settings.announcements)
        longest = announcements.create(
            session, Draft("长" * 600, SUZHE, NOW), None, NOW, settings.announcements
        )
    assert (found.text, found.send_at, found.status) == ("停水通知", NOW, "scheduled")
    assert len(longest.text) == 600


def test_community_staff_may_only_address_their_own_community(
    engine: Engine, settings: Settings
) -> None:
    secretary = person(engine, "secretary", role="staff", role_place="suzhe")
    config = settings.announcements
    for target, says in [
        (Target(communities=("penglai",)), "您不负责这些社区：penglai"),
        (Target(communities=("suzhe", "penglai")), "您不负责这些社区：penglai"),
        (Target(everyone=True), "只能给自己负责的社区"),
        (Target(roles=("volunteer",)), "只能给自己负责的社区"),
        (Target(tags=("老年人",)), "只能给自己负责的社区"),
    ]:
        with pytest.raises(AnnouncementError, match=says):
            make(engine, config, target, sender=secretary)
    assert count_announcements(engine) == 0
    make(engine, config, Target(communities=("suzhe",), tags=("老年人",)), sender=secretary)
    assert count_announcements(engine) == 1


def test_district_staff_may_address_anyone(engine: Engine, settings: Settings) -> None:
    director = person(engine, "director", community=None, role="staff")
    make(engine, settings.announcements, Target(everyone=True), sender=director)
    make(engine, settings.announcements, Target(communities=("penglai",)), sender=director)
    assert count_announcements(engine) == 2


def test_residents_and_volunteers_cannot_send(engine: Engine, settings: Settings) -> None:
    for name, role in (("ann", None), ("bob", "volunteer")):
        sender = person(engine, name, role=role, role_place="suzhe")
        with pytest.raises(AnnouncementError, match="只有社区工作人员"):
            make(engine, settings.announcements, SUZHE, sender=sender)
    assert count_announcements(engine) == 0


# --- who it reaches ----------------------------------------------------------------------------


def test_targeting(engine: Engine) -> None:
    ann = person(engine, "ann")
    bob = person(engine, "bob", role="volunteer", role_place="suzhe")
    cat = person(engine, "cat", tags=("老年人",))
    hal = person(engine, "hal", role="volunteer")  # a district-wide volunteer living in suzhe
    ivy = person(engine, "ivy", role="volunteer", role_place="penglai")  # lives in suzhe
    eve = person(engine, "eve", community="penglai")
    fay = person(engine, "fay", community="penglai", role="volunteer", role_place="penglai",
                 tags=("老年人", "党员"))  # fmt: skip
    gus = person(engine, "gus", community=None)

    assert reached(engine, SUZHE) == {ann, bob, cat, hal, ivy}
    assert reached(engine, Target(("suzhe",), ("volunteer",))) == {bob, hal}
    assert reached(engine, Target(("suzhe", "penglai"), ("volunteer",))) == {bob, hal, ivy, fay}
    assert reached(engine, Target(roles=("volunteer",))) == {bob, hal, ivy, fay}
    assert reached(engine, Target(tags=("老年人",))) == {cat, fay}
    assert reached(engine, Target(tags=("老年人", "党员"))) == {cat, fay}
    assert reached(engine, Target(("suzhe",), tags=("老年人",))) == {cat}
    assert reached(engine, Target(("penglai",), ("volunteer",), ("党员",))) == {fay}
    # "resident" is everyone: with it the role dimension does not narrow anything
    assert reached(engine, Target(("suzhe",), ("resident",))) == reached(engine, SUZHE)
    assert reached(engine, Target(("suzhe",), ("resident", "volunteer"))) == reached(engine, SUZHE)
    assert reached(engine, Target(everyone=True)) == {ann, bob, cat, hal, ivy, eve, fay, gus}


def test_opted_out_residents_are_not_counted_or_queued(engine: Engine, settings: Settings) -> None:
    ann, bob, cat, dan = (person(engine, name) for name in ("ann", "bob", "cat", "dan"))
    opt_out(engine, bob)  # "退订": nothing at all
    opt_out(engine, cat, "health")  # no health notices, the rest yes
    with Session(engine) as session:
        assert announcements.estimate(session, SUZHE, "health") == (2, 2)
        assert announcements.estimate(session, SUZHE, "general") == (3, 1)

    config = settings.announcements
    health = make(engine, config, SUZHE, topic="health")
    general = make(engine, config, SUZHE, topic="general")
    assert start_due(engine, NOW, config) == 5
    assert sorted(queued(engine, health)) == sorted([ann, dan])
    assert sorted(queued(engine, general)) == sorted([ann, cat, dan])
    assert (stored(engine, health).recipients, stored(engine, health).opted_out) == (2, 2)
    assert (stored(engine, general).recipients, stored(engine, general).opted_out) == (3, 1)


# --- queuing -----------------------------------------------------------------------------------


@pytest.fixture
def small_batches(settings: Settings) -> AnnouncementSettings:
    return settings.announcements.model_copy(update={"batch_size": 3})


@pytest.fixture
def residents(engine: Engine) -> list[int]:
    """Ten subscribed residents of 苏辙社区, one who said 退订, and two elsewhere."""
    ids = [person(engine, f"r{n}") for n in range(10)]
    opt_out(engine, person(engine, "quiet"))
    person(engine, "elsewhere", community="penglai")
    person(engine, "nowhere", community=None)
    return ids


def test_queued_in_batches_one_row_per_recipient(
    engine: Engine, small_batches: AnnouncementSettings, residents: list[int]
) -> None:
    announcement = make(engine, small_batches, SUZHE)
    with Session(engine) as session:
        expected, _ = announcements.estimate(session, SUZHE, "general")
    assert expected == len(residents)

    assert start_due(engine, NOW, small_batches) == len(residents)
    rows = queued(engine, announcement)
    assert sorted(rows) == sorted(residents)  # each once, nobody else
    found = stored(engine, announcement)
    assert (found.status, found.queued_at, found.recipients, found.opted_out) == (
        "sending", NOW, 10, 1,
    )  # fmt: skip
    assert found.cursor == max(reached(engine, SUZHE))  # the last one matched (who 退订)
    with Session(engine) as session:
        row = session.exec(select(Outbox).where(Outbox.user_id == residents[0])).one()
    assert (row.kind, row.status, row.dedupe_key) == (
        "announcement", "pending", f"announcement:{announcement}:{residents[0]}",
    )  # fmt: skip
    assert "周六上午社区广场免费量血压" in row.payload["replies"][0]["text"]
    assert "退订" in row.payload["replies"][0]["text"]


def test_a_scheduled_announcement_waits_for_its_time(
    engine: Engine, small_batches: AnnouncementSettings, residents: list[int]
) -> None:
    announcement = make(engine, small_batches, SUZHE, send_at=LATER)
    assert start_due(engine, LATER - dt.timedelta(minutes=1), small_batches) == 0
    assert queued(engine, announcement) == []
    assert stored(engine, announcement).status == "scheduled"
    assert start_due(engine, LATER, small_batches) == len(residents)


def test_a_crash_mid_queue_repeats_nothing_and_misses_nobody(
    engine: Engine, small_batches: AnnouncementSettings, residents: list[int]
) -> None:
    announcement = make(engine, small_batches, SUZHE)
    with session_scope(engine) as session:  # one batch commits, then the process dies
        assert announcement_delivery._queue_batch(session, announcement, NOW, small_batches) == 3

    def dies_mid_transaction() -> None:
        with session_scope(engine) as session:
            announcement_delivery._queue_batch(session, announcement, NOW, small_batches)
            raise RuntimeError("power cut")

    with pytest.raises(RuntimeError, match="power cut"):
        dies_mid_transaction()
    half = stored(engine, announcement)
    assert (half.status, half.queued_at, half.recipients) == ("sending", None, 3)
    assert half.cursor == sorted(residents)[2]
    assert sorted(queued(engine, announcement)) == sorted(residents)[:3]

    later = NOW + dt.timedelta(minutes=5)  # the restarted scheduler finishes the job
    assert start_due(engine, later, small_batches) == 7
    assert sorted(queued(engine, announcement)) == sorted(residents)
    done = stored(engine, announcement)
    assert (done.queued_at, done.recipients, done.opted_out) == (later, 10, 1)


def test_start_due_twice_does_not_double(
    engine: Engine, small_batches: AnnouncementSettings, residents: list[int]
) -> None:
    announcement = make(engine, small_batches, SUZHE)
    assert start_due(engine, NOW, small_batches) == 10
    assert start_due(engine, NOW + dt.timedelta(minutes=1), small_batches) == 0
    assert len(queued(engine, announcement)) == 10
    assert stored(engine, announcement).recipients == 10


# --- cancelling --------------------------------------------------------------------------------


def test_cancel_only_while_scheduled(engine: Engine, settings: Settings) -> None:
    person(engine, "ann")
    config = settings.announcements
    waiting = make(engine, config, SUZHE, send_at=LATER)
    going = make(engine, config, SUZHE)
    start_due(engine, NOW, config)

    with session_scope(engine) as session:
        cancelled = announcements.cancel(session, waiting, None, NOW)
    assert (cancelled.status, cancelled.cancelled_at) == ("cancelled", NOW)
    for number, says in [(waiting, "已经取消过了"), (going, "已经开始发送"), (999, "没有编号")]:
        with pytest.raises(AnnouncementError, match=says), session_scope(engine) as session:
            announcements.cancel(session, number, None, NOW)
    assert stored(engine, going).status == "sending"
    assert start_due(engine, LATER, config) == 0
    assert queued(engine, waiting) == []


def test_cancel_by_another_community_refused(engine: Engine, settings: Settings) -> None:
    secretary = person(engine, "secretary", role="staff", role_place="suzhe")
    colleague = person(engine, "colleague", role="staff", role_place="suzhe")
    stranger = person(engine, "stranger", community="penglai", role="staff", role_place="penglai")
    director = person(engine, "director", community=None, role="staff")
    config = settings.announcements
    first = make(engine, config, SUZHE, sender=secretary, send_at=LATER)
    with pytest.raises(AnnouncementError, match="不是您发的"), session_scope(engine) as session:
        announcements.cancel(session, first, stranger, NOW)
    assert stored(engine, first).status == "scheduled"
    with session_scope(engine) as session:
        assert [a.id for a in announcements.listed(session, stranger)] == []
        assert [a.id for a in announcements.listed(session, colleague)] == [first]
        announcements.cancel(session, first, colleague, NOW)  # same community: may
    district = make(engine, config, Target(everyone=True), sender=director, send_at=LATER)
    with pytest.raises(AnnouncementError, match="不是您发的"), session_scope(engine) as session:
        announcements.cancel(session, district, secretary, NOW)
    with session_scope(engine) as session:
        announcements.cancel(session, district, director, NOW)


# --- delivery and the report -------------------------------------------------------------------


class FakeSender:
    """The console channel, except that `gone` has unfollowed the account."""

    channel = "console"
    per_second = 10_000.0

    def __init__(self, gone: str):
        self.gone = gone
        self.sent: list[tuple[str, str]] = []

    def prepare(self, identities: Sequence[ChannelIdentity]) -> None:
        pass

    def send(self, identity: ChannelIdentity, texts: Sequence[str], kind: str) -> str:
        if identity.external_id == self.gone:
            raise Undeliverable("the resident unfollowed the account")
        self.sent.append((identity.external_id, kind))
        return self.channel


def outbox_of(engine: Engine, user_id: int, kind: str) -> list[Outbox]:
    with Session(engine) as session:
        return list(
            session.exec(select(Outbox).where(Outbox.user_id == user_id, Outbox.kind == kind)).all()
        )


def test_report_goes_to_the_sender_once_when_everyone_is_handled(
    engine: Engine, settings: Settings
) -> None:
    secretary = person(engine, "secretary", role="staff", role_place="suzhe")
    for name in ("ann", "bob", "eve"):
        person(engine, name)
    opt_out(engine, person(engine, "cat"))
    config, notifier = settings.announcements, Notifier(settings.zone, lambda: NOW)
    announcement = make(engine, config, SUZHE, sender=secretary)
    assert finish(engine, NOW, notifier) == 0  # not even queued yet
    start_due(engine, NOW, config)
    assert finish(engine, NOW, notifier) == 0  # queued, nothing sent yet
    assert outbox_of(engine, secretary, "delivery_report") == []

    sender = FakeSender(gone="eve")
    delivery = Delivery(engine, {"console": sender}, settings.delivery, lambda: NOW)
    for status in ("claimed", "sending"):  # a row still in flight holds the report back
        with session_scope(engine) as session:
            rows = session.exec(select(Outbox).where(Outbox.ref == f"announcement:{announcement}"))
            for row in rows.all():
                row.status = status if row.user_id == secretary else "sent"
                session.add(row)
        assert finish(engine, NOW, notifier) == 0
    with session_scope(engine) as session:  # back to the start: everything pending
        for row in session.exec(select(Outbox).where(Outbox.ref == f"announcement:{announcement}")):
            row.status = "pending"
            session.add(row)
    assert delivery.run_once(NOW) == 4
    assert sorted(who for who, _ in sender.sent) == ["ann", "bob", "secretary"]

    assert finish(engine, NOW, notifier) == 1
    assert finish(engine, NOW + dt.timedelta(minutes=1), notifier) == 0
    (report,) = outbox_of(engine, secretary, "delivery_report")
    assert report.ref == f"report:{announcement}"
    done = stored(engine, announcement)
    assert (done.status, done.reported_at) == ("done", NOW)

    text = report.payload["replies"][0]["text"]
    assert text.startswith(f"公告 #{announcement} 发送完成：共 4 人")
    assert "已送达 3 人" in text
    assert "未能送达 1 人" in text
    assert "  · 已取消关注公众号 1 人" in text
    assert "已退订、没有发送 1 人" in text
    assert "还在发" not in text


def test_progress_while_sending_and_when_scheduled(engine: Engine, settings: Settings) -> None:
    for name in ("ann", "bob", "cat", "dan"):
        person(engine, name)
    config = settings.announcements
    waiting = make(engine, config, SUZHE, send_at=LATER)
    going = make(engine, config, SUZHE)
    start_due(engine, NOW, config)
    with session_scope(engine) as session:
        row = session.exec(select(Outbox).where(Outbox.ref == f"announcement:{going}")).first()
        assert row is not None
        row.status = "sent"
        session.add(row)
    with Session(engine) as session:
        sending, scheduled = progress(session, going), progress(session, waiting)
        with pytest.raises(AnnouncementError, match="没有编号为 77"):
            progress(session, 77)
    assert (sending.total, sending.waiting, sending.counts) == (4, 3, {"sent": 1, "pending": 3})
    assert "正在发送：共 4 人" in report_text(sending)
    assert "还在发 3 人（已完成 25%）" in report_text(sending)
    assert (scheduled.estimate, scheduled.waiting) == (4, 4)
    assert "等待发送" in report_text(scheduled)
    assert "预计发给 4 人" in report_text(scheduled)


def test_an_announcement_reaching_nobody_is_closed_with_a_report(
    engine: Engine, settings: Settings
) -> None:
    director = person(engine, "director", community=None, role="staff")
    announcement = make(engine, settings.announcements, Target(tags=("无人",)), sender=director)
    assert start_due(engine, NOW, settings.announcements) == 0
    assert finish(engine, NOW, Notifier(settings.zone, lambda: NOW)) == 1
    (report,) = outbox_of(engine, director, "delivery_report")
    assert "发送完成：共 0 人" in report.payload["replies"][0]["text"]
    assert stored(engine, announcement).status == "done"


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        ("the resident unfollowed the account", "已取消关注公众号"),
        ("no channel this user can be reached on", "没有可送达的渠道"),
        ("interrupted while sending", "发送中断，状态不明"),
        ("errcode 45015: over the 48-hour window", "超过 48 小时没来消息（未配置模板消息）"),
        ("HTTP 500", "渠道拒收或出错"),
        (None, "未知原因"),
    ],
)
def test_reason_of(error: str | None, reason: str) -> None:
    assert announcement_delivery.reason_of(error) == reason


def test_a_community_s_volunteers_are_reached_wherever_they_live(engine: Engine) -> None:
    """A volunteer of 苏辙社区 who never said where they live, or lives elsewhere, is one of
    its volunteers; a district-wide volunteer counts where they live; a 上游 one does not."""
    unplaced = person(engine, "ann", community=None, role="volunteer", role_place="suzhe")
    elsewhere = person(engine, "bob", community="penglai", role="volunteer", role_place="suzhe")
    district = person(engine, "cat", community="suzhe", role="volunteer")
    person(engine, "dan", community="suzhe", role="volunteer", role_place="shangyou")
    person(engine, "eve", community="suzhe")  # a resident, not a volunteer
    target = Target(communities=("suzhe",), roles=("volunteer",))
    assert reached(engine, target) == {unplaced, elsewhere, district}
