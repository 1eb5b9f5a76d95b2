"""Open311 GeoReport v2 at /open311/v2/ (`linli serve`, when `[open311] enabled`): the
district's categories as services, its work orders as service requests (JSON only). Reading
is public and shows no personal data; filing (POST requests.json) needs an API key from
`linli order apikey create`. Errors are the spec's array: [{"code": 400, "description": ...}]."""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import parse_qsl

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from bot.app import App
from bot.channels.health import Endpoint, timed
from bot.db import read_only, session_scope
from bot.kb.store import stored_communities
from bot.logs import mask_mobiles
from bot.orders import apikeys, georeport
from bot.orders.categories import Category, load_categories
from bot.orders.georeport import Filing, Found, Query, service_code, status_of
from bot.orders.models import OrderState
from bot.orders.service import OrderError

logger = logging.getLogger(__name__)
PREFIX = "/open311/v2"
MAX_BODY = 256 * 1024  # a 10,000-character description, form-encoded, is ~90 KB
GROUP = "生活小事"
# what the public reads of each state (the resident-facing labels say 您)
NOTES: dict[str, str] = {
    OrderState.SUBMITTED: "待受理",
    OrderState.ASSIGNED: "处理中",
    OrderState.RESOLVED: "已办结，待居民确认",
    OrderState.CLOSED: "已完成，居民已确认",
    OrderState.REOPENED: "重新处理中",
    OrderState.REJECTED: "未受理",
}
STAFF_NOTES = (OrderState.RESOLVED, OrderState.REJECTED)  # a staff note is shown with these
FIELDS = (
    "service_code", "description", "address_string", "address_id", "media_url", "first_name",
    "last_name", "phone", "email", "device_id", "account_id",
)  # fmt: skip


class Refused(Exception):
    """An answer in the spec's error format."""

    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status, self.description = status, description


def error(status: int, description: str) -> JSONResponse:
    """The spec's error array."""
    return JSONResponse([{"code": status, "description": description}], status_code=status)


def open311_routes(app: App) -> list[BaseRoute]:
    """The mount at /open311/v2 when enabled (none otherwise)."""
    if not app.settings.open311.enabled:
        return []
    return [Mount(PREFIX, routes=GeoReport(app).routes())]


class GeoReport:
    """The endpoints, over one app's database, categories and clock."""

    def __init__(self, app: App):
        self.app = app
        self.categories = load_categories(app.settings.orders.categories)
        self.zone = app.settings.zone

    def routes(self) -> list[BaseRoute]:
        """services, a service's definition, requests (GET, POST) and one request."""
        reads = [
            ("/services.{fmt}", self.services), ("/services/{code}.{fmt}", self.definition),
            ("/requests.{fmt}", self.requests), ("/requests/{id}.{fmt}", self.request),
        ]  # fmt: skip
        routes: list[BaseRoute] = [
            Route(path, self._measured(self._answer(read)), methods=["GET"]) for path, read in reads
        ]
        return [*routes, Route("/requests.{fmt}", self._measured(self.post), methods=["POST"])]

    def _measured(self, endpoint: Endpoint) -> Endpoint:
        """Timed in linli_webhook_seconds{channel="open311"}; a failure logged with its
        traceback and answered in the spec's format."""

        async def guarded(request: Request) -> Response:
            try:
                return await endpoint(request)
            except Exception:  # noqa: BLE001 - the boundary: the client gets the spec's error
                logger.exception("open311 %s %s failed", request.method, request.url.path)
                return error(500, "服务暂时出错了，请稍后再试（internal error）。")

        return timed(self.app.metrics, "open311", guarded)

    def _answer(self, read: Callable[[Request], Any]) -> Endpoint:
        """A GET endpoint: the format and jurisdiction checked, `read` run off the loop."""

        async def endpoint(request: Request) -> Response:
            try:
                self._check(request, dict(request.query_params))
                return JSONResponse(await run_in_threadpool(read, request))
            except Refused as exc:
                return error(exc.status, exc.description)

        return endpoint

    def _check(self, request: Request, fields: dict[str, str]) -> None:
        if request.path_params.get("fmt") != "json":
            raise Refused(400, "只支持 JSON：请用 .json 结尾的地址（only .json is served）。")
        wanted = self.app.settings.open311.jurisdiction_id
        given = fields.get("jurisdiction_id", "")
        if wanted and given and given != wanted:
            raise Refused(404, f"jurisdiction_id “{given}” 不存在（this server is {wanted}）。")

    def services(self, _request: Request) -> list[dict[str, Any]]:
        """GET services.json: every category."""
        return [self._service(category) for category in self.categories]

    def _service(self, category: Category) -> dict[str, Any]:
        return {
            "service_code": service_code(category),
            "service_name": category.name,
            "description": _notice(category),
            "metadata": False,
            "type": "realtime",
            "keywords": ", ".join(category.words),
            "group": GROUP,
        }

    def definition(self, request: Request) -> dict[str, Any]:
        """GET services/{code}.json: no attributes beyond the standard fields."""
        category = self._category(request.path_params["code"], 404)
        return {"service_code": service_code(category), "attributes": []}

    def _category(self, code: str, status: int) -> Category:
        found = georeport.category_of(code, self.categories)
        if found is None:
            raise Refused(status, f"service_code “{code}” 不存在（见 services.json）。")
        return found

    def requests(self, request: Request) -> list[dict[str, Any]]:
        """GET requests.json: by the spec's filters, newest first."""
        query = self._query(request.query_params)
        with Session(read_only(self.app.engine)) as session:
            try:
                found = georeport.search(session, query, self._now())
            except OrderError as exc:
                raise Refused(400, str(exc)) from None
            return self._records(session, found)

    def request(self, request: Request) -> list[dict[str, Any]]:
        """GET requests/{id}.json: the one request, in an array as the spec has it."""
        wanted = request.path_params["id"]
        if not wanted.isdigit() or len(wanted) > 9:
            raise Refused(404, f"没有编号为 {wanted} 的请求。")
        with Session(read_only(self.app.engine)) as session:
            found = georeport.search(session, Query(ids=(int(wanted),)), self._now())
            if not found:
                raise Refused(404, f"没有编号为 {wanted} 的请求。")
            return self._records(session, found)

    def _query(self, params: Any) -> Query:
        ids = _listed(params.get("service_request_id", ""))
        if any(not i.isdigit() or len(i) > 9 for i in ids):
            raise Refused(400, "service_request_id 要是编号，多个用逗号隔开，如 3,5。")
        codes = _listed(params.get("service_code", ""))
        statuses = _listed(params.get("status", ""))
        if set(statuses) - {"open", "closed"}:
            raise Refused(400, "status 只能是 open 或 closed（多个用逗号隔开）。")
        return Query(
            ids=tuple(int(i) for i in ids),
            categories=tuple(self._category(code, 400).name for code in codes),
            start=self._moment(params, "start_date"), end=self._moment(params, "end_date"),
            statuses=tuple(statuses),
        )  # fmt: skip

    def _moment(self, params: Any, name: str) -> dt.datetime | None:
        text = params.get(name, "").strip()
        if not text:
            return None
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            example = "2026-11-01T09:00:00+08:00"
            raise Refused(400, f"{name} 要写成 {example} 这样（W3C 格式）。") from None
        return moment if moment.tzinfo else moment.replace(tzinfo=self.zone)

    def _records(self, session: Session, found: Sequence[Found]) -> list[dict[str, Any]]:
        names = {c.id: c.name for c in stored_communities(session)}
        return [self._record(item, names) for item in found]

    def _record(self, item: Found, names: dict[str, str]) -> dict[str, Any]:
        """One request in the spec's fields: nothing of who reported it."""
        order, extra = item.order, item.extra
        category = next((c for c in self.categories if c.name == order.category), None)
        expected = order.resolve_due  # the resolve limit fixed at filing, in working days
        return {
            "service_request_id": str(order.id),
            "status": status_of(order),
            "status_notes": self._notes(item),
            "service_name": order.category,
            "service_code": service_code(category) if category else order.category,
            "description": mask_mobiles(order.description),
            "agency_responsible": names.get(order.community_id, order.community_id),
            "service_notice": _notice(category) if category else None,
            "requested_datetime": self._time(order.created_at),
            "updated_datetime": self._time(order.updated_at),
            "expected_datetime": self._time(expected) if expected else None,
            "address": mask_mobiles(order.place) or None,
            "address_id": (extra.address_id or None) if extra else None,
            "zipcode": None,
            "lat": extra.lat if extra else None,
            "long": extra.long if extra else None,
            "media_url": (extra.media_url or None) if extra else None,
        }

    def _notes(self, item: Found) -> str:
        state = item.order.state
        said = NOTES.get(state) or OrderState.label_of(state)  # a state added later: its label
        note = item.last.note if item.last is not None and item.last.after == state else ""
        return f"{said}：{mask_mobiles(note)}" if note and state in STAFF_NOTES else said

    def _now(self) -> dt.datetime:
        return self.app.dispatcher.clock()

    def _time(self, moment: dt.datetime) -> str:
        return moment.astimezone(self.zone).isoformat(timespec="seconds")

    async def post(self, request: Request) -> Response:
        """POST requests.json: file a request with an API key (403 without a live one; 400,
        and nothing stored, on bad input)."""
        try:
            fields = {**dict(request.query_params), **await _form(request)}
            self._check(request, fields)
            return JSONResponse(await run_in_threadpool(self._file, fields))
        except Refused as exc:
            return error(exc.status, exc.description)

    def _file(self, fields: dict[str, str]) -> list[dict[str, Any]]:
        with session_scope(self.app.engine) as session:
            key = apikeys.verify(session, fields.get("api_key", ""))
            if key is None:
                logger.warning("open311 filing refused: missing, unknown or revoked api_key")
                raise Refused(403, "api_key 无效或已吊销（invalid api_key）。")
            filing = _filing(fields)
            if not filing.service_code:
                raise Refused(400, "缺少 service_code（见 services.json）。")
            try:
                order = georeport.file(session, key, filing, self.categories, self._now())
            except OrderError as exc:
                raise Refused(400, str(exc)) from None
            category = self._category(order.category, 400)
        return [{
            "service_request_id": str(order.id), "service_notice": _notice(category),
            "account_id": filing.account_id or None,
        }]  # fmt: skip


def _notice(category: Category) -> str:
    return f"{category.respond_hours} 小时内响应，{category.resolve_days} 天内办结。"


def _listed(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


async def _form(request: Request) -> dict[str, str]:
    """The posted fields: form-encoded (as the spec has it) or a JSON object."""
    if int(request.headers.get("content-length") or 0) > MAX_BODY:
        raise Refused(413, f"请求太大（最多 {MAX_BODY // 1024} KB）。")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise Refused(413, f"请求太大（最多 {MAX_BODY // 1024} KB）。")
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if kind == "application/json":
            data = json.loads(body or b"{}")
            if not isinstance(data, dict):
                raise ValueError("not an object")
            return {str(k): "" if v is None else str(v) for k, v in data.items()}
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise Refused(400, "请求内容看不懂：请用 application/x-www-form-urlencoded。") from None


def _filing(fields: dict[str, str]) -> Filing:
    texts = {name: fields.get(name, "").strip() for name in FIELDS}
    return Filing(lat=_number(fields, "lat"), long=_number(fields, "long"), **texts)


def _number(fields: dict[str, str], name: str) -> float | None:
    text = fields.get(name, "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise Refused(400, f"{name} 要是数字（WGS84 度数），现在是“{text[:20]}”。")
    return value
