"""The console's 报告 page: the reports the scheduler made (each staff member sees their
communities'; district staff also the district's), each with its summary, its charts (the
PNGs beside the files), downloads of the .docx and .xlsx, and a box for the 社工's remarks
(saved, audited, and written into the files). Its own module and templates: `web.py` only
adds `routes(console)` to its list and a link in the navigation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.responses import FileResponse, Response
from starlette.routing import Route

from bot.orders.categories import load_categories
from bot.reports import store
from bot.reports.models import REMARKS_MAX, MadeReport

if TYPE_CHECKING:
    from bot.console.web import Console, Visit

SAVED = "已保存社工意见，并写进了报告文件。"
TOO_LONG = f"社工意见请写在 {REMARKS_MAX} 字以内。"
MEDIA = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".png": "image/png",
}


def routes(console: Console) -> list[Route]:
    """The page's routes, to add to the console's."""
    page, act = console.page, console.action

    def listing(visit: Visit) -> Response:
        rows = store.made(visit.session, visit.staff.communities)
        return console.render("reports.html", visit, rows=rows)

    def one(visit: Visit) -> Response:
        row = _report(visit)
        return console.render("report.html", visit, row=row, limit=REMARKS_MAX)

    def download(visit: Visit) -> Response:
        row, name = _report(visit), visit.request.path_params["name"]
        if name not in (*row.files, *row.charts):
            return console.refused(404, "没有这个文件。")
        path = store.folder_of(console.app.settings.home) / name
        if not path.exists():
            return console.refused(404, "这个文件已经不在了，请联系管理员重新生成。")
        return FileResponse(path, media_type=MEDIA.get(path.suffix), filename=name)

    def remarks(visit: Visit) -> Response:
        row = _report(visit)
        said = visit.form.get("remarks", "").strip()
        if len(said) > REMARKS_MAX:
            visit.notice = TOO_LONG
            return console.render("report.html", visit, status=400, row=row,
                                  limit=REMARKS_MAX, draft=said)  # fmt: skip
        settings = console.app.settings
        before = row.remarks
        store.remake(
            visit.session, row, said, visit.now, settings.zone, store.folder_of(settings.home),
            load_categories(settings.orders.categories),
        )  # fmt: skip
        visit.log("report.remarks", f"report:{row.id}", row.community_id or None,
                  before={"remarks": before}, after={"remarks": row.remarks})  # fmt: skip
        visit.notice = SAVED
        return console.render("report.html", visit, row=row, limit=REMARKS_MAX)

    return [
        Route("/reports", page(listing), methods=["GET"]),
        Route("/reports/{report:int}", page(one), methods=["GET"]),
        Route("/reports/{report:int}/files/{name}", page(download), methods=["GET"]),
        Route("/reports/{report:int}/remarks", act(remarks), methods=["POST"]),
    ]


def _report(visit: Visit) -> MadeReport:
    """The report in the address, when it is this staff member's to see."""
    from bot.console.web import Forbidden

    row = visit.session.get(MadeReport, visit.request.path_params["report"])
    community = None if row is None else (row.community_id or None)
    if row is None or not visit.staff.may_see(community):
        raise Forbidden(community or "district")  # the same refusal: nothing told either way
    return row
