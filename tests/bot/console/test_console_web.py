"""The staff console over HTTP (the ASGI app `linli serve` runs, in process): sign-in by a
one-time link, the session cookie, CSRF on every form, the community of every row, the
未答问题 inbox closing the loop (a paraphrase added is answered on the next message), and the
audit log of each action."""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
from sqlmodel import Session, col, select
from starlette.testclient import TestClient

from bot.activities.models import Activity
from bot.app import App, build_app
from bot.config import Settings
from bot.console.auth import COOKIE
from bot.console.web import PREFIX
from bot.db import session_scope
from bot.kb.models import KnowledgeEntry, UnansweredQuestion
from bot.kb.store import stored_entry
from bot.people import roles, signin
from bot.people.models import AuditEntry
from bot.types import Incoming
from tests.bot.console.support import (
    LINK,
    ask,
    audited,
    csrf,
    link,
    person,
    sign_in,
    worked_shift,
)
from tests.conftest import Clock

ENTRY = "svc-wuye-baoxiu"  # a district-wide entry of the demo base
QUESTION = "小区的流浪猫归谁管"


def open_ids(app: App) -> list[int]:
    with Session(app.engine) as session:
        rows = session.exec(
            select(UnansweredQuestion).where(col(UnansweredQuestion.resolved_at).is_(None))
        )  # noqa: E711
        return [row.id for row in rows.all() if row.id is not None]


def paraphrases(app: App) -> tuple[str, ...]:
    with Session(app.engine) as session:
        entry = stored_entry(session, ENTRY)
        assert entry is not None
        return entry.paraphrases


def test_a_question_linli_missed_becomes_a_paraphrase_and_is_answered_next(
    linli: App, web: TestClient, clock: Clock
) -> None:
    person(linli, "rita", clock.now)
    sam = person(linli, "sam", clock.now, "staff")
    assert "记下来" in ask(linli, "rita", QUESTION)
    sign_in(web, linli, sam, clock.now)
    cookie = web.cookies.jar
    assert any(c.name == COOKIE and c.has_nonstandard_attr("HttpOnly") for c in cookie)
    inbox = web.get(f"{PREFIX}/inbox")
    assert QUESTION in inbox.text
    assert "加为相似问" in inbox.text
    token = csrf(web)
    done = web.post(
        f"{PREFIX}/inbox/paraphrase",
        data={"csrf": token, "ids": open_ids(linli), "entry": ENTRY, "text": QUESTION},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert QUESTION in paraphrases(linli)
    outcome = linli.dispatcher.handle(Incoming("console", "rita", QUESTION, msg_id="again"))
    assert outcome.answer_id == ENTRY  # the same process, no restart: the version moved
    assert open_ids(linli) == []
    tried = web.post(f"{PREFIX}/try", data={"csrf": token, "q": QUESTION})
    assert "会直接回答" in tried.text
    assert ENTRY in tried.text
    (row,) = audited(linli, "kb_add_paraphrase")
    assert row.actor_id == sam
    assert row.via == "console"
    assert row.target == f"entry:{ENTRY}"
    assert QUESTION in (row.after or {})["paraphrases"]
    assert QUESTION not in (row.before or {})["paraphrases"]
    page = web.get(f"{PREFIX}/audit", params={"action": "kb_add_paraphrase"})
    assert f"entry:{ENTRY}" in page.text
    assert "signin" not in page.text.split("<tbody>")[1]


def test_a_used_or_expired_or_wrong_link_is_refused_and_logged(
    linli: App, web: TestClient, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    sam = person(linli, "sam", clock.now, "staff")
    address = link(linli, sam, clock.now)
    assert web.post(address, follow_redirects=False).status_code == 303
    web.cookies.clear()
    with caplog.at_level(logging.WARNING):
        again = web.post(address, follow_redirects=False)
        assert again.status_code == 403
        assert "已经用过" in again.text
        assert web.get(address).status_code == 403
        late = link(linli, sam, clock.now)
        clock.advance(minutes=10, seconds=1)
        assert web.post(late, follow_redirects=False).status_code == 403
        assert web.post(f"{PREFIX}/login/made-up", follow_redirects=False).status_code == 403
    assert not web.cookies.get(COOKIE)
    reasons = [(r.after or {})["reason"] for r in audited(linli, "signin_refused")]
    assert sum("already used" in r for r in reasons) == 2
    assert any("expired" in r for r in reasons)
    assert "unknown link" in reasons
    assert "console sign-in refused" in caplog.text
    assert address.rsplit("/", 1)[1] not in caplog.text  # the token itself is never logged
    with Session(linli.engine) as session:  # only digests are stored
        assert address.rsplit("/", 1)[1] not in str(session.exec(select(AuditEntry)).all())


def test_a_resident_gets_no_link(linli: App, clock: Clock) -> None:
    rita = person(linli, "rita", clock.now)
    reply = ask(linli, "rita", "登录后台")
    assert "只有社区工作人员" in reply
    assert "/admin/login/" not in reply
    with session_scope(linli.engine) as session, pytest.raises(Exception, match="工作人员"):
        signin.create_link(session, rita, clock.now, LINK)
    sam = person(linli, "sam", clock.now, "staff")
    assert audited(linli, "signin_link") == []
    assert "/admin/login/" in ask(linli, "sam", "登录后台")
    (made,) = audited(linli, "signin_link")
    assert made.actor_id == sam
    assert made.via == "chat"


PAGES = ["/", "/inbox", "/try", "/audit", "/inbox/new?ids=1", "/kb", f"/kb/{ENTRY}"]
ACTIONS = ["/inbox/paraphrase", "/inbox/new", "/inbox/ignore", "/inbox/answered", "/try",
           f"/kb/{ENTRY}", "/signout"]  # fmt: skip


def test_without_a_session_every_page_and_action_goes_to_sign_in(web: TestClient) -> None:
    for page in PAGES:
        answer = web.get(PREFIX + page, follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"] == f"{PREFIX}/signin"
    for action in ACTIONS:
        answer = web.post(PREFIX + action, data={"ids": "1"}, follow_redirects=False)
        assert answer.status_code == 303, action
    web.cookies.set(COOKIE, "forged.0123", path=PREFIX)
    assert web.get(f"{PREFIX}/inbox", follow_redirects=False).status_code == 303
    assert "登录后台" in web.get(f"{PREFIX}/signin").text


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(
    linli: App, web: TestClient, clock: Clock
) -> None:
    person(linli, "rita", clock.now)
    sam = person(linli, "sam", clock.now, "staff")
    ask(linli, "rita", QUESTION)
    sign_in(web, linli, sam, clock.now)
    before = paraphrases(linli)
    for token in (None, "", "0" * 40, csrf(web)[:-1] + "x"):
        data = {"ids": open_ids(linli), "entry": ENTRY, "text": QUESTION}
        if token is not None:
            data["csrf"] = token
        answer = web.post(f"{PREFIX}/inbox/paraphrase", data=data, follow_redirects=False)
        assert answer.status_code == 403
    assert paraphrases(linli) == before
    assert len(open_ids(linli)) == 1
    assert audited(linli, "kb_add_paraphrase") == []


def test_staff_see_and_change_only_their_communities(
    linli: App, web: TestClient, clock: Clock
) -> None:
    person(linli, "ann", clock.now, community="suzhe")
    person(linli, "bob", clock.now, community="penglai")
    ann_question, bob_question = "苏辙社区的电动车棚谁管", "蓬莱社区的电动车棚谁管呀"
    ask(linli, "ann", ann_question)
    ask(linli, "bob", bob_question)
    with Session(linli.engine) as session:
        ids = {r.text: r.id for r in session.exec(select(UnansweredQuestion)).all()}
    cora = person(linli, "cora", clock.now, "staff", community="suzhe")
    sign_in(web, linli, cora, clock.now)
    inbox = web.get(f"{PREFIX}/inbox").text
    assert ann_question in inbox
    assert bob_question not in inbox
    token = csrf(web)
    other = web.post(
        f"{PREFIX}/inbox/ignore", data={"csrf": token, "ids": ids[bob_question]},
        follow_redirects=False,
    )  # fmt: skip
    assert other.status_code == 403
    district = web.post(
        f"{PREFIX}/inbox/paraphrase",
        data={"csrf": token, "ids": ids[ann_question], "entry": ENTRY, "text": ann_question},
        follow_redirects=False,
    )
    assert district.status_code == 403  # a district-wide entry is the district's to change
    assert web.get(f"{PREFIX}/inbox/new", params={"ids": ids[bob_question]}).status_code == 403
    assert len(open_ids(linli)) == 2
    assert ann_question not in paraphrases(linli)
    made = web.post(
        f"{PREFIX}/inbox/new",
        data={
            "csrf": token, "ids": ids[ann_question], "id": "suzhe-ebike-shed",
            "question": ann_question, "answer": "电动车棚由苏辙社区物业管理，报修打物业电话。",
            "source": "苏辙社区居委会", "category": "service", "community": "penglai",
        },
        follow_redirects=False,
    )  # fmt: skip
    assert made.status_code == 403  # not her community's entry to make
    with Session(linli.engine) as session:
        assert session.get(KnowledgeEntry, "suzhe-ebike-shed") is None


def test_a_new_entry_from_the_inbox_is_checked_then_answers(
    linli: App, web: TestClient, clock: Clock
) -> None:
    person(linli, "ann", clock.now, community="suzhe")
    ask(linli, "ann", "苏辙社区的电动车棚谁管")
    cora = person(linli, "cora", clock.now, "staff", community="suzhe")
    sign_in(web, linli, cora, clock.now)
    (question,) = open_ids(linli)
    form = web.get(f"{PREFIX}/inbox/new", params={"ids": question}).text
    assert 'value="苏辙社区的电动车棚谁管"' in form  # prefilled
    fields = {
        "csrf": csrf(web), "ids": question, "id": "Bad Id", "question": "苏辙社区的电动车棚谁管",
        "answer": "电动车棚由苏辙社区物业管理，报修打物业电话。", "source": "苏辙社区居委会",
        "category": "service", "community": "suzhe", "paraphrases": "电动车棚归谁管\n车棚坏了找谁",
    }  # fmt: skip
    refused = web.post(f"{PREFIX}/inbox/new", data=fields)
    assert "只能用小写字母" in refused.text
    assert open_ids(linli) == [question]
    fields["id"] = "suzhe-ebike-shed"
    assert web.post(f"{PREFIX}/inbox/new", data=fields, follow_redirects=False).status_code == 303
    assert ask(linli, "ann", "车棚坏了找谁").startswith("电动车棚由苏辙社区物业管理")
    assert open_ids(linli) == []
    (row,) = audited(linli, "kb_new_entry")
    assert row.community_id == "suzhe"
    assert row.actor_id == cora


def test_alike_questions_group_and_an_ignored_one_stays_ignored(
    linli: App, web: TestClient, clock: Clock
) -> None:
    for name in ("r1", "r2", "r3"):
        person(linli, name, clock.now)
    ask(linli, "r1", "菜市场几点关门")
    ask(linli, "r2", "菜市场几点关门啊")
    ask(linli, "r3", "游泳馆周末开不开")
    sam = person(linli, "sam", clock.now, "staff")
    sign_in(web, linli, sam, clock.now)
    inbox = web.get(f"{PREFIX}/inbox").text
    assert "共 2 组" in inbox
    assert re.search(r'class="count"[^>]*>2</span>菜市场几点关门', inbox)
    with Session(linli.engine) as session:
        market = [
            r.id for r in session.exec(select(UnansweredQuestion)).all() if "菜市场" in r.text
        ]
    data = {"csrf": csrf(web), "ids": market}
    assert web.post(f"{PREFIX}/inbox/ignore", data=data, follow_redirects=False).status_code == 303
    ask(linli, "r3", "菜市场几点关门")  # asked again after it was ignored
    inbox = web.get(f"{PREFIX}/inbox").text
    assert "菜市场" not in inbox
    assert "游泳馆周末开不开" in inbox
    assert "共 1 组" in inbox
    (row,) = audited(linli, "unanswered_ignored")
    assert row.after is not None
    assert sorted(row.after["questions"]) == sorted(market)
    dashboard = web.get(f"{PREFIX}/").text
    assert "今天的待办" in dashboard
    assert "游泳馆周末开不开" in dashboard


def test_a_session_ends_on_sign_out_on_idle_and_when_the_role_goes(
    linli: App, web: TestClient, clock: Clock
) -> None:
    sam = person(linli, "sam", clock.now, "staff")
    sign_in(web, linli, sam, clock.now)
    clock.advance(hours=7, minutes=59)
    assert web.get(f"{PREFIX}/", follow_redirects=False).status_code == 200  # used: kept on
    clock.advance(hours=8, seconds=1)
    assert web.get(f"{PREFIX}/", follow_redirects=False).status_code == 303
    sign_in(web, linli, sam, clock.now)
    with session_scope(linli.engine) as session:
        roles.revoke(session, sam, "staff")
    refused = web.get(f"{PREFIX}/", follow_redirects=False)
    assert refused.status_code == 403  # a resident now: signing in again would not help
    assert "不是工作人员" in refused.text
    with session_scope(linli.engine) as session:
        roles.grant(session, sam, "staff")
    assert web.get(f"{PREFIX}/", follow_redirects=False).status_code == 200
    kept = web.cookies.get(COOKIE)
    out = web.post(f"{PREFIX}/signout", data={"csrf": csrf(web, "/")}, follow_redirects=False)
    assert out.status_code == 303
    assert not web.cookies.get(COOKIE)
    web.cookies.set(COOKIE, str(kept), path=PREFIX)  # the old cookie, replayed
    assert web.get(f"{PREFIX}/", follow_redirects=False).status_code == 303
    assert [r.action for r in audited(linli, "signout")] == ["signout"]


def test_another_process_change_reaches_a_running_linli(
    settings: Settings, clock: Clock, linli: App
) -> None:
    """Two Linlis on one database (two `linli serve`): what one stores, the other answers
    with on its next message, without a restart."""
    other = build_app(settings, clock)
    try:
        person(linli, "rita", clock.now)
        assert ask(linli, "rita", QUESTION).startswith("这个问题我暂时答不上来")
        with session_scope(other.engine) as session:
            from bot.kb.store import add_paraphrase

            add_paraphrase(session, ENTRY, QUESTION, clock.now.date())
        outcome = linli.dispatcher.handle(Incoming("console", "rita", QUESTION, msg_id="m2"))
        assert outcome.answer_id == ENTRY
    finally:
        other.engine.dispose()


def test_the_dashboard_counts_only_the_staff_members_communities(
    linli: App, web: TestClient, clock: Clock
) -> None:
    volunteer = person(linli, "vic", clock.now, "volunteer", community="suzhe")
    with session_scope(linli.engine) as session:
        worked_shift(session, volunteer, clock.now)
        week = [
            a.community_id
            for a in session.exec(select(Activity)).all()
            if clock.now <= a.starts_at < clock.now + dt.timedelta(days=6)
        ]
    assert "penglai" in week  # the demo's activities: one in 蓬莱 within the week
    seen = {}
    for name, community in (("pia", "penglai"), ("cora", "suzhe")):
        staff = person(linli, name, clock.now, "staff", community=community)
        sign_in(web, linli, staff, clock.now)
        page = web.get(f"{PREFIX}/").text
        stats = re.findall(r"<b>(\d+)</b>([^<]+)", page)
        seen[community] = {label: int(n) for n, label in stats}
        web.cookies.clear()
    assert seen["penglai"]["七天内的活动"] == week.count("penglai")
    assert seen["penglai"]["待批工时（班次）"] == 0
    assert seen["suzhe"]["待批工时（班次）"] == 1


def test_no_full_phone_number_on_any_page(linli: App, web: TestClient, clock: Clock) -> None:
    person(linli, "rita", clock.now)
    ask(linli, "rita", "我的电话13812345678，停车位什么时候分")
    sam = person(linli, "sam", clock.now, "staff")
    sign_in(web, linli, sam, clock.now)
    ids = open_ids(linli)
    pages = [web.get(PREFIX + page).text for page in ("/", "/inbox", "/audit")]
    pages.append(web.get(f"{PREFIX}/inbox/new", params={"ids": ids}).text)
    assert all("13812345678" not in page for page in pages)
    assert "138****5678" in pages[1]


def test_an_entry_edited_in_the_console_is_checked_answered_and_its_history_kept(
    linli: App, web: TestClient, clock: Clock
) -> None:
    person(linli, "rita", clock.now)
    sam = person(linli, "sam", clock.now, "staff")
    sign_in(web, linli, sam, clock.now)
    found = web.get(f"{PREFIX}/kb", params={"q": "物业报修"}).text
    assert f"{PREFIX}/kb/{ENTRY}" in found
    form = web.get(f"{PREFIX}/kb/{ENTRY}").text
    assert "还没有在后台改过" in form
    with Session(linli.engine) as session:
        entry = stored_entry(session, ENTRY)
    assert entry is not None
    fields = {
        "csrf": csrf(web, f"/kb/{ENTRY}"), "question": entry.question,
        "paraphrases": "\n".join(entry.paraphrases), "answer": "", "source": entry.source,
        "category": entry.category, "keywords": " ".join(entry.keywords),
    }  # fmt: skip
    refused = web.post(f"{PREFIX}/kb/{ENTRY}", data=fields)
    assert "缺少 answer" in refused.text
    fields["answer"] = "报修请打物业热线 8888，或在物业公众号上报。"
    saved = web.post(f"{PREFIX}/kb/{ENTRY}", data=fields, follow_redirects=False)
    assert saved.status_code == 303
    assert ask(linli, "rita", entry.question) == fields["answer"]  # at once, no restart
    (row,) = audited(linli, "kb_edit")
    assert row.before is not None
    assert row.after is not None
    assert (row.before["answer"], row.after["answer"]) == (entry.answer, fields["answer"])
    assert "kb_edit" in web.get(f"{PREFIX}/kb/{ENTRY}").text  # the history
    cora = person(linli, "cora", clock.now, "staff", community="suzhe")
    web.cookies.clear()
    sign_in(web, linli, cora, clock.now)
    assert ENTRY not in web.get(f"{PREFIX}/kb", params={"q": "物业报修"}).text
    assert web.get(f"{PREFIX}/kb/{ENTRY}").status_code == 403  # the district's entry
    fields["csrf"], fields["answer"] = csrf(web, "/kb"), "改掉"
    assert web.post(f"{PREFIX}/kb/{ENTRY}", data=fields).status_code == 403
    assert ask(linli, "rita", entry.question) != "改掉"
