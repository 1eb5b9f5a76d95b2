"""The dashboard's charts: inline SVG drawn on the server (nothing fetched), counted in the
staff member's communities: the answer rate of today, the most answered question, sign-ups."""

from __future__ import annotations

import re

from sqlmodel import Session
from starlette.testclient import TestClient

from bot.app import App
from bot.console import charts
from bot.console.web import PREFIX
from bot.kb.store import stored_entry
from tests.bot.console.support import ask, person, sign_in
from tests.conftest import Clock


def test_the_dashboard_draws_its_charts_from_the_staff_members_communities(
    linli: App, web: TestClient, clock: Clock
) -> None:
    with Session(linli.engine) as session:
        entry = stored_entry(session, "svc-wuye-baoxiu")
    assert entry is not None
    person(linli, "rita", clock.now, community="suzhe")
    person(linli, "bob", clock.now, community="penglai")
    ask(linli, "rita", entry.question)  # answered
    ask(linli, "rita", "小区的流浪猫归谁管")  # not answered
    ask(linli, "bob", entry.question)
    cora = person(linli, "cora", clock.now, "staff", community="suzhe")
    sign_in(web, linli, cora, clock.now)
    page = web.get(f"{PREFIX}/").text
    assert page.count("</svg>") == 3, page.count("</svg>")
    assert not re.search(r"<(script|img|link)[^>]+(https?:)?//", page)  # nothing from elsewhere
    rate = page[page.index("每天答上的比例") :]
    assert ">50</text>" in rate  # today: one of rita's two questions answered (bob is penglai)
    top = page[page.index("问得最多的问题</h2>") :]
    assert f"{entry.question[:8]}" in top
    assert ">1 次</text>" in top  # rita's only: bob's question is another community's
    assert "东坡地名文化进社区" in page  # the demo's 苏辙 activity within two weeks
    assert "义诊" not in page[page.index("报名人数") :]  # 蓬莱社区's


def test_a_chart_escapes_its_labels_and_says_when_empty() -> None:
    drawn = str(charts.bars([("<b>问</b>", 3)], " 次", "题"))
    assert "<b>" not in drawn
    assert "&lt;b&gt;" in drawn
    assert "还没有数据" in str(charts.columns([], "每天"))
