"""Link codes cannot be guessed into someone's account: 10,000 guesses from several senders,
through the dispatcher, at the rate of the probe that took over a staff account (68/s); and
the counts hold when several processes take guesses at once."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable

import pytest
from sqlmodel import Session, select

from bot.app import App, build_dispatcher, open_database
from bot.config import Settings
from bot.db import session_scope
from bot.identity import find_identity, resolve_user
from bot.models import ChannelIdentity
from bot.people.invites import LINK_LIMITS
from bot.people.models import AttemptCount, LinkRequest, UserRole
from bot.people.roles import grant
from bot.types import Incoming
from knowledge.matcher import Matcher
from tests.conftest import NOW, Clock

GUESSES = 10_000
SENDERS = 20
RATE = 68  # guesses a second
CODE = re.compile(r"绑定码：(\d+)")

Say = Callable[..., str]


@pytest.fixture
def say(app: App) -> Say:
    def send(line: str, user: str = "secretary", channel: str = "wechat") -> str:
        return app.dispatcher.handle(Incoming(channel, user, line)).text

    return send


def staff_code(app: App, say: Say) -> tuple[int, str]:
    """A district staff member asks for a link code; their user id and the code."""
    with session_scope(app.engine) as session:
        staff = resolve_user(session, "wechat", "secretary", NOW).id or 0
        grant(session, staff, "staff")
    found = CODE.search(say("绑定"))
    assert found is not None
    return staff, found.group(1)


def identities_of(app: App, user: int) -> list[tuple[str, str]]:
    with Session(app.engine) as session:
        rows = session.exec(select(ChannelIdentity).where(ChannelIdentity.user_id == user))
        return [(i.channel, i.external_id) for i in rows]


def around(code: str, count: int) -> list[str]:
    """`count` guesses of the code's length, a range that holds the code in its middle."""
    width, base = len(code), int(code) - count // 2
    return [f"{(base + n) % 10**width:0{width}d}" for n in range(count)]


def test_ten_thousand_guesses_take_over_nothing(
    app: App, say: Say, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    if app.engine.dialect.name != "sqlite":
        pytest.skip(
            "10,000 messages take two minutes on PostgreSQL; the same limits hold there "
            "across connections (test_the_counts_hold_across_processes)"
        )
    staff, code = staff_code(app, say)
    guesses = around(code, GUESSES)
    assert code in guesses
    caplog.set_level("INFO")
    for n, guess in enumerate(guesses):
        say(f"绑定 {guess}", user=f"attacker{n % SENDERS}", channel="telegram")
        clock.advance(seconds=1 / RATE)
    assert identities_of(app, staff) == [("wechat", "secretary")]
    with Session(app.engine) as session:
        assert session.exec(select(LinkRequest)).all() == []  # the right guess was not read
        assert session.exec(select(UserRole.user_id)).all() == [staff]
    assert "没有等您确认的绑定" in say("确认绑定")  # even a reflex "yes" joins nobody
    assert identities_of(app, staff) == [("wechat", "secretary")]
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any("locked out for everyone" in w for w in warnings)
    assert len(warnings) < 100  # the log tells of the attack; it is not flooded by it
    logged = set(re.findall(rf"(?<!\d)\d{{{len(code)}}}(?!\d)", caplog.text))
    assert not logged & set(guesses)  # no code, right or wrong, is ever logged


def test_a_sender_is_stopped_after_five_wrong_codes(
    app: App, say: Say, caplog: pytest.LogCaptureFixture
) -> None:
    _staff, code = staff_code(app, say)
    wrong = [g for g in around(code, 7) if g != code]
    for guess in wrong[:5]:
        assert "这个码不对" in say(f"绑定 {guess}", user="55", channel="telegram")
    reply = say(f"绑定 {code}", user="55", channel="telegram")  # even the right one, now
    assert "请 60 分钟后再试" in reply
    assert "link codes locked out for user" in caplog.text
    with Session(app.engine) as session:
        assert session.exec(select(LinkRequest)).all() == []


def test_linking_works_again_once_the_lockout_is_over(app: App, say: Say, clock: Clock) -> None:
    _staff, code = staff_code(app, say)
    for n, guess in enumerate(g for g in around(code, 40) if g != code):
        say(f"绑定 {guess}", user=f"attacker{n % SENDERS}", channel="telegram")
    assert "分钟后再试" in say(f"绑定 {code}", user="55", channel="telegram")
    clock.advance(minutes=31)
    _staff, fresh = staff_code(app, say)
    assert "确认绑定" in say(f"绑定 {fresh}", user="55", channel="telegram")
    assert "绑定成功" in say("确认绑定")
    with Session(app.engine) as session:
        joined = find_identity(session, "telegram", "55")
        assert joined is not None
        assert joined.user_id == _staff


def test_the_counts_hold_across_processes(
    settings: Settings, demo_matcher: Matcher, clock: Clock
) -> None:
    """Two engines (as two processes would have) take wrong guesses from four threads at once:
    every wrong guess is counted, and everyone is stopped at the shared limit."""
    engines = [open_database(settings) for _ in range(2)]
    try:
        linli = [build_dispatcher(e, lambda: demo_matcher, settings, clock) for e in engines]
        replies: list[str] = []

        def guess(thread: int) -> None:
            for n in range(25):
                message = Incoming("telegram", f"p{thread}-{n % 5}", f"绑定 {thread:02d}{n:06d}")
                replies.append(linli[thread % 2].handle(message).text)

        threads = [threading.Thread(target=guess, args=(t,)) for t in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wrong = sum("这个码不对" in reply for reply in replies)
        with Session(engines[0]) as session:
            everyone = session.get(AttemptCount, ("link-all", "*"))
        assert everyone is not None
        assert everyone.failures == wrong  # none lost between processes
        limit = LINK_LIMITS.everyone.limit if LINK_LIMITS.everyone else 0
        assert limit <= wrong < limit + len(threads)  # at most one in flight per thread
        assert (
            sum("分钟后再试" in reply for reply in replies) == len(replies) - wrong == 100 - wrong
        )
    finally:
        for engine in engines:
            engine.dispose()
