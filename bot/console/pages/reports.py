"""工作报告: the reports the scheduler made (each staff member sees their communities';
district staff also the district's), each with its summary, its charts (the PNGs beside the
files), downloads of the .docx and .xlsx, and a box for the 社工's remarks (saved, audited,
and written into the files)."""

from __future__ import annotations

from starlette.responses import FileResponse, Response

from bot.console.visit import Page, Visit, row_of
from bot.orders.categories import load_categories
from bot.reports import store
from bot.reports.models import REMARKS_MAX, MadeReport

SAVED = "已保存社工意见，并写进了报告文件。"
TOO_LONG = f"社工意见请写在 {REMARKS_MAX} 字以内。"
MEDIA = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".png": "image/png",
}


def listing(visit: Visit) -> Response:
    rows = store.made(visit.session, visit.staff.communities)
    return visit.render("reports.html", rows=rows)


def one(visit: Visit) -> Response:
    return visit.render("report.html", row=_report(visit), limit=REMARKS_MAX)


def download(visit: Visit) -> Response:
    row, name = _report(visit), visit.request.path_params["name"]
    if name not in (*row.files, *row.charts):
        return visit.console.refused(404, "没有这个文件。")
    path = store.folder_of(visit.console.app.settings.home) / name
    if not path.exists():
        return visit.console.refused(404, "这个文件已经不在了，请联系管理员重新生成。")
    return FileResponse(path, media_type=MEDIA.get(path.suffix), filename=name)


def remarks(visit: Visit) -> Response:
    row = _report(visit)
    said = visit.form.get("remarks", "").strip()
    if len(said) > REMARKS_MAX:
        visit.notice = TOO_LONG
        return visit.render("report.html", status=400, row=row, limit=REMARKS_MAX, draft=said)
    settings = visit.console.app.settings
    before = row.remarks
    store.remake(
        visit.session, row, said, visit.now, settings.zone, store.folder_of(settings.home),
        load_categories(settings.orders.categories),
    )  # fmt: skip
    visit.log("report.remarks", f"report:{row.id}", row.community_id or None,
              before={"remarks": before}, after={"remarks": row.remarks})  # fmt: skip
    visit.notice = SAVED
    return visit.render("report.html", row=row, limit=REMARKS_MAX)


def _report(visit: Visit) -> MadeReport:
    """The report in the address, when it is this staff member's to see (a district report:
    district staff only)."""
    return row_of(visit, MadeReport, lambda row: row.community_id or None)


ROUTES = [
    Page("GET", "/reports", listing),
    Page("GET", "/reports/{id}", one),
    Page("GET", "/reports/{id}/files/{name}", download),
    Page("POST", "/reports/{id}/remarks", remarks),
]
