"""The staff console in a real browser (Playwright driving Debian's headless Chromium), against
`linli serve` and `linli ask` as separate processes: a resident's question Linli missed is
seen in the 未答问题 inbox, added as a paraphrase by a 社工 signed in with a one-time link, and
answered by the very next `linli ask`; then an activity is created, an announcement composed
(previewed) and scheduled, a volunteer's hours approved, and the 社工 signs out. A resident
gets no link, a used link and a form without its CSRF token are refused. Screenshots of every
page at a phone's and a desktop's width (docs/console/)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.linli_process import LinliProcess
from tests.e2e.test_reminder_restart import free_port
from tests.security.test_secrets_in_served_logs import up, wait_for
from tests.serving import serving

CHROMIUM = Path("/usr/bin/chromium")
# where the screenshots go: LINLI_TEST_SCREENSHOTS=docs/console refreshes the README's ones
SHOTS_TO = os.environ.get("LINLI_TEST_SCREENSHOTS", "")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
QUESTION = "小区的流浪猫归谁管"
ENTRY = "svc-wuye-baoxiu"

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install chromium)"
)


def test_a_social_worker_closes_the_loop_in_the_browser(tmp_path: Path) -> None:
    assert _has_chinese_font(), "no Chinese font: apt-get install fonts-wqy-microhei"
    shots = Path(SHOTS_TO) if SHOTS_TO else tmp_path / "screenshots"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    linli = LinliProcess(tmp_path)
    env = {**linli.env, "LINLI_SERVER_PORT": str(port), "LINLI_CONSOLE_BASE_URL": base}
    missed = linli.ask("rita", QUESTION)
    assert missed["intent"] == "fallback"
    assert missed["answer_id"] is None
    linli.run("role", "grant", "console:sam", "staff")

    refused = _linli(env, "admin", "link", "console:rita")
    assert refused.returncode == 1
    assert "只有社区工作人员" in refused.stderr
    assert "/admin/login/" not in refused.stdout
    vic = _worked_shift(linli)
    made = _linli(env, "admin", "link", "console:sam")
    assert made.returncode == 0, made.stderr
    (link,) = [w for w in made.stdout.split() if w.startswith(f"{base}/admin/login/")]

    with serving(env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
        wait_for(lambda: up(f"{base}/healthz"), 120)
        with playwright_api.sync_playwright() as driver:
            browser = driver.chromium.launch(
                executable_path=str(CHROMIUM), headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                      "--no-first-run", "--disable-extensions"],
            )  # fmt: skip
            try:
                context = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=2)
                page = context.new_page()
                page.set_default_timeout(60_000)  # only catches a hang
                page.goto(link)
                page.get_by_role("button", name="进入后台").click()
                page.wait_for_url(f"{base}/admin/")
                assert "今天的待办" in page.content()
                assert QUESTION in page.content()
                shots.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(shots / "dashboard-phone.png"), full_page=True)
                page.set_viewport_size(DESKTOP)
                page.screenshot(path=str(shots / "dashboard-desktop.png"), full_page=True)
                page.set_viewport_size(PHONE)

                page.get_by_role("link", name="未答问题").click()
                card = page.locator(".card", has_text=QUESTION)
                assert card.count() == 1
                card.locator("summary", has_text="加为相似问").click()
                page.screenshot(path=str(shots / "inbox-phone.png"), full_page=True)
                page.set_viewport_size(DESKTOP)
                page.screenshot(path=str(shots / "inbox-desktop.png"), full_page=True)
                page.set_viewport_size(PHONE)
                card.locator("input[name=other]").fill(ENTRY)
                card.get_by_role("button", name="加为相似问").click()
                page.wait_for_url(f"{base}/admin/inbox?notice=*")
                assert "马上生效" in page.locator(".notice").inner_text()

                answered = linli.ask("rita", QUESTION)  # another process, no restart
                assert answered["intent"] == "faq"
                assert answered["answer_id"] == ENTRY

                no_csrf = page.request.post(
                    f"{base}/admin/inbox/ignore", form={"ids": "1"}, max_redirects=0
                )
                assert no_csrf.status == 403

                _create_an_activity(page, base, shots)
                _schedule_an_announcement(page, base, shots)
                _approve_hours(page, base, shots, vic)
                _preview_an_edit(page, base, shots)
                page.get_by_role("link", name="工单").click()
                assert "待受理" in page.content()
                _shoot(page, shots, "orders")
                page.get_by_role("link", name="待办").click()
                assert page.locator("svg.chart").count() == 3  # the charts, drawn on the server
                _shoot(page, shots, "dashboard")

                page.get_by_role("button", name="退出").click()
                page.wait_for_url(f"{base}/admin/signin*")
                page.goto(link)  # the link again, after it was used
                assert "已经用过" in page.content()
                page.goto(f"{base}/admin/inbox")
                assert page.url.endswith("/admin/signin")  # signed out: the session is gone
            finally:
                browser.close()


def _shoot(page: Any, shots: Path, name: str) -> None:
    """The page at a phone's width, then a desktop's."""
    page.screenshot(path=str(shots / f"{name}-phone.png"), full_page=True)
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=str(shots / f"{name}-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE)


def _local_day(days: int) -> str:
    moment = dt.datetime.now(dt.UTC) + dt.timedelta(days=days)
    return f"{moment.astimezone(dt.timezone(dt.timedelta(hours=8))):%Y-%m-%d}"


def _create_an_activity(page: Any, base: str, shots: Path) -> None:
    page.get_by_role("link", name="活动", exact=True).click()
    page.wait_for_url(f"{base}/admin/activities")
    _shoot(page, shots, "activities")
    page.fill("#f-title", "剪纸体验课")
    page.fill("#f-start", f"{_local_day(3)} 09:30")
    page.fill("#f-end", f"{_local_day(3)} 11:00")
    page.fill("#f-place", "苏辙社区活动室")
    page.fill("#f-capacity", "20")
    page.get_by_role("button", name="发布", exact=True).click()
    page.wait_for_url(f"{base}/admin/activities/*")
    assert "签到码" in page.locator(".notice").inner_text()
    _shoot(page, shots, "activity")


def _schedule_an_announcement(page: Any, base: str, shots: Path) -> None:
    page.get_by_role("link", name="公告").click()
    page.fill("#text", "本周六上午 9 点到 12 点停水，请提前储水。")
    page.get_by_label("全区所有人").check()
    page.fill("#at", f"{_local_day(1)} 09:00")
    page.get_by_role("button", name="预览").click()
    page.wait_for_url(f"{base}/admin/announcements/preview")
    assert "退订" in page.locator("#preview").inner_text()  # what residents read
    assert int(page.locator("#reach").inner_text()) >= 1  # rita, sam, vic
    _shoot(page, shots, "announcements")
    page.get_by_role("button", name="确认发送").click()
    page.wait_for_url(f"{base}/admin/announcements/*")
    assert "已安排" in page.locator(".notice").inner_text()
    assert "等待发送" in page.locator("#progress").inner_text()
    _shoot(page, shots, "announcement")


def _approve_hours(page: Any, base: str, shots: Path, vic: str) -> None:
    page.get_by_role("link", name="志愿者").click()
    page.wait_for_url(f"{base}/admin/volunteers")
    assert vic in page.content()  # the volunteer's masked name, hours waiting
    _shoot(page, shots, "volunteers")
    page.get_by_role("button", name="批准班次").click()
    assert "已批准" in page.locator(".notice").inner_text()
    assert "没有待批准的工时" in page.content()


def _preview_an_edit(page: Any, base: str, shots: Path) -> None:
    page.goto(f"{base}/admin/kb/{ENTRY}")
    page.fill("#answer", page.locator("#answer").input_value() + "\n周末也可以打物业电话。")
    page.get_by_role("button", name="预览").click()
    assert "周末也可以打物业电话" in page.locator("#preview").inner_text()
    assert "还没有保存" in page.content()
    _shoot(page, shots, "kb-preview")


def _worked_shift(linli: LinliProcess) -> str:
    """A volunteer (vic, named 韦小宝) who worked a shift of 助老餐厅帮厨 two hours ago and
    checked out: hours waiting for approval. Written to Linli's database directly (a check-in
    and out would need the shift's hours to pass). Returns the name as the console masks it."""
    from bot.app import open_database
    from bot.config import load_settings
    from bot.db import session_scope
    from bot.identity import resolve_user
    from bot.people import roles
    from tests.bot.console.support import worked_shift

    linli.ask("vic", "你好")
    settings = load_settings(Path(os.devnull), environ=linli.env)
    engine = open_database(settings)
    now = dt.datetime.now(dt.UTC)
    with session_scope(engine) as session:
        user = resolve_user(session, "console", "vic", now)
        user.display_name = "韦小宝"
        session.add(user)
        roles.grant(session, user.id or 0, "volunteer")
        worked_shift(session, user.id or 0, now, community=None)
    engine.dispose()
    return "韦*宝"


def _has_chinese_font() -> bool:
    """Whether fontconfig (which Chromium draws with) has a font for Chinese: without one,
    every hanzi of the screenshots is a box (Debian: fonts-wqy-microhei)."""
    found = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True)
    return found.returncode == 0 and bool(found.stdout.strip())


def _linli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    import sys

    return subprocess.run(
        [sys.executable, "-m", "bot", *args], env=env, capture_output=True, text=True,
        timeout=60, stdin=subprocess.DEVNULL,
    )  # fmt: skip
