"""The console's 工作报告 page: staff see their communities' stored reports (district staff
the district's too) with the summary, the charts and the downloads; another community's is
403; the 社工's remarks are saved, audited and written into the .docx."""

from __future__ import annotations

import io

import docx
from sqlmodel import Session
from starlette.testclient import TestClient

from bot.app import App
from bot.models import Community
from bot.outbox.notifier import Notifier
from bot.reports import store
from bot.reports.models import MadeReport
from scheduler import reports
from tests.bot.console.support import (  # linli, web: the fixtures
    audited,
    csrf,
    linli,  # noqa: F401
    person,
    sign_in,
    web,  # noqa: F401
)
from tests.conftest import Clock

PAGE = "/admin/reports"


def made(app: App, clock: Clock) -> dict[str, int]:
    """The last month's reports of the district and each community, as the scheduler
    makes them; their ids by place ('' the district)."""
    settings = app.settings.model_copy(
        update={"reports": app.settings.reports.model_copy(update={"kinds": ["month"]})}
    )
    memo, now = reports.ReportsDone(), clock()
    while reports.run_due(app.engine, now, settings, Notifier(settings.zone, clock), memo):
        pass
    with Session(app.engine) as session:
        return {r.community_id: r.id or 0 for r in store.made(session)}


def test_staff_see_their_reports_with_charts_and_files(
    linli: App,  # noqa: F811
    web: TestClient,  # noqa: F811
    clock: Clock,
) -> None:
    ids = made(linli, clock)
    place = sorted(k for k in ids if k)[0]
    with Session(linli.engine) as session:
        name = session.get(Community, place).name  # type: ignore[union-attr]
    staff = person(linli, "staff", clock(), "staff", place)
    sign_in(web, linli, staff, clock())
    page = web.get(PAGE)
    assert page.status_code == 200
    assert name in page.text
    assert f'{PAGE}/{ids[""]}"' not in page.text  # the district's is not theirs
    assert page.text.count('href="/admin/reports/') == 3  # its one report: page, Word, Excel
    one = web.get(f"{PAGE}/{ids[place]}")
    assert one.status_code == 200
    assert "概要" in one.text
    assert "社工意见" in one.text
    with Session(linli.engine) as session:
        row = session.get(MadeReport, ids[place])
        assert row is not None
    for name in row.files + row.charts:
        got = web.get(f"{PAGE}/{row.id}/files/{name}")
        assert got.status_code == 200, name
    assert web.get(f"{PAGE}/{ids['']}").status_code == 403
    assert web.get(f"{PAGE}/{ids['']}/files/{row.files[0]}").status_code == 403
    assert web.get(f"{PAGE}/{row.id}/files/..%2Flinli.db").status_code == 404


def test_remarks_are_saved_audited_and_written_into_the_files(
    linli: App,  # noqa: F811
    web: TestClient,  # noqa: F811
    clock: Clock,
) -> None:
    ids = made(linli, clock)
    admin = person(linli, "district-admin", clock(), "admin")
    sign_in(web, linli, admin, clock())
    token = csrf(web, f"/reports/{ids['']}")
    said = web.post(
        f"{PAGE}/{ids['']}/remarks", data={"csrf": token, "remarks": "本月重点：楼道灯维修。"}
    )
    assert said.status_code == 200
    assert "已保存社工意见" in said.text
    with Session(linli.engine) as session:
        row = session.get(MadeReport, ids[""])
        assert row is not None
        assert row.remarks == "本月重点：楼道灯维修。"
    docx_name = next(n for n in row.files if n.endswith(".docx"))
    document = docx.Document(io.BytesIO(web.get(f"{PAGE}/{row.id}/files/{docx_name}").content))
    assert "本月重点：楼道灯维修。" in [p.text for p in document.paragraphs]
    assert [e.target for e in audited(linli, "report.remarks")] == [f"report:{row.id}"]
    refused = web.post(f"{PAGE}/{ids['']}/remarks", data={"remarks": "无令牌"})
    assert refused.status_code == 403
