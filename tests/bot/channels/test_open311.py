"""Open311 GeoReport v2 at /open311/v2/: every endpoint's fields and types as the spec has
them, the spec's filters of requests.json, filing with a key (403 without a live one, 400 on
bad input; nothing stored either way), and no personal data in any GET answer."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlmodel import Session, func, select
from starlette.testclient import TestClient

from bot.app import App
from bot.channels.web import create_web_app
from bot.config import Open311Settings
from bot.db import session_scope
from bot.identity import resolve_user
from bot.orders import apikeys, georeport
from bot.orders import service as orders
from bot.orders.categories import load_categories
from bot.orders.models import Open311Request, WorkOrder, WorkOrderEvent
from bot.orders.service import Report
from bot.outbox.notifier import Notifier
from bot.people.roles import grant
from bot.types import Incoming
from tests.conftest import NOW, Clock

V2 = "/open311/v2"
CATEGORIES = load_categories()
OPTIONAL_TEXT = (str, type(None))
NUMBER = (float, int, type(None))
# the spec's fields and their JSON types, per answer (wiki.open311.org/GeoReport_v2)
SERVICE = {
    "service_code": str, "service_name": str, "description": str, "metadata": bool,
    "type": str, "keywords": str, "group": str,
}  # fmt: skip
DEFINITION = {"service_code": str, "attributes": list}
REQUEST = {
    "service_request_id": str, "status": str, "status_notes": OPTIONAL_TEXT,
    "service_name": str, "service_code": str, "description": OPTIONAL_TEXT,
    "agency_responsible": OPTIONAL_TEXT, "service_notice": OPTIONAL_TEXT,
    "requested_datetime": str, "updated_datetime": OPTIONAL_TEXT,
    "expected_datetime": OPTIONAL_TEXT, "address": OPTIONAL_TEXT, "address_id": OPTIONAL_TEXT,
    "zipcode": OPTIONAL_TEXT, "lat": NUMBER, "long": NUMBER, "media_url": OPTIONAL_TEXT,
}  # fmt: skip
FILED = {"service_request_id": str, "service_notice": OPTIONAL_TEXT, "account_id": OPTIONAL_TEXT}
ERROR = {"code": int, "description": str}
DATETIMES = ("requested_datetime", "updated_datetime", "expected_datetime")
LIGHT = {
    "service_code": "ludengzhaoming", "description": "3栋楼道灯坏了好几天了",
    "lat": "30.0466", "long": "103.8331", "media_url": "https://city.example.org/p/1.jpg",
}  # fmt: skip
REPORTER = {
    "first_name": "小明", "last_name": "王", "phone": "13812345678",
    "email": "xiaoming@example.org", "device_id": "device-77", "account_id": "acct-42",
}  # fmt: skip


def shaped(record: dict[str, Any], fields: dict[str, Any]) -> None:
    """The record has exactly the spec's fields, each of its type; datetimes are W3C."""
    assert set(record) == set(fields), set(record) ^ set(fields)
    for name, kind in fields.items():
        assert isinstance(record[name], kind), (name, record[name])
        assert not (kind is NUMBER and isinstance(record[name], bool))
    for name in DATETIMES:
        if record.get(name):
            assert dt.datetime.fromisoformat(record[name]).tzinfo is not None


def refused(answer: Any, status: int) -> str:
    """The spec's error array with this status; its description."""
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert isinstance(body, list)
    assert len(body) == 1
    shaped(body[0], ERROR)
    assert body[0]["code"] == status
    return str(body[0]["description"])


@pytest.fixture
def served(app: App) -> App:
    return dataclasses.replace(
        app, settings=app.settings.model_copy(update={"open311": Open311Settings(enabled=True)})
    )


@pytest.fixture
def api(served: App) -> Iterator[TestClient]:
    with TestClient(create_web_app(served)) as client:
        yield client


@pytest.fixture
def key(app: App) -> str:
    with session_scope(app.engine) as session:
        return apikeys.create(session, "city-app", "suzhe", ["suzhe", "penglai"], NOW)[1]


def stored(app: App) -> tuple[int, int, int]:
    with Session(app.engine) as session:
        return tuple(  # type: ignore[return-value]
            int(session.exec(select(func.count()).select_from(model)).one())
            for model in (WorkOrder, WorkOrderEvent, Open311Request)
        )


def filed(app: App, when: dt.datetime, category: str = "路灯照明", text: str = "灯坏了") -> int:
    with session_scope(app.engine) as session:
        resident = resolve_user(session, "console", f"r{when.timestamp()}{text}", when).id or 0
        report = Report(category, text, "3栋2单元")
        return orders.submit(session, resident, "suzhe", report, CATEGORIES, when).id or 0


def test_open311_is_off_unless_enabled(app: App) -> None:
    with TestClient(create_web_app(app)) as client:
        assert client.get(f"{V2}/services.json").status_code == 404


def test_services_are_the_categories_with_the_specs_fields(api: TestClient) -> None:
    answer = api.get(f"{V2}/services.json")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    services = answer.json()
    assert [s["service_name"] for s in services] == [c.name for c in CATEGORIES]
    for service in services:
        shaped(service, SERVICE)
        assert service["service_code"].isascii()
        assert service["type"] == "realtime"
    assert len({s["service_code"] for s in services}) == len(services)
    assert services[0]["service_code"] == "ludengzhaoming"
    assert "楼道灯" in services[0]["keywords"]
    assert "3 天内办结" in services[0]["description"]


def test_a_service_definition_has_the_specs_fields(api: TestClient) -> None:
    answer = api.get(f"{V2}/services/ludengzhaoming.json")
    assert answer.status_code == 200
    shaped(answer.json(), DEFINITION)
    assert answer.json() == {"service_code": "ludengzhaoming", "attributes": []}
    assert "nosuch" in refused(api.get(f"{V2}/services/nosuch.json"), 404)


def test_only_json_is_served(api: TestClient) -> None:
    assert "json" in refused(api.get(f"{V2}/services.xml"), 400)
    assert "json" in refused(api.get(f"{V2}/requests.xml"), 400)


def test_another_jurisdiction_is_not_found(served: App) -> None:
    settings = Open311Settings(enabled=True, jurisdiction_id="suzhe-district")
    app = dataclasses.replace(
        served, settings=served.settings.model_copy(update={"open311": settings})
    )
    with TestClient(create_web_app(app)) as client:
        assert client.get(f"{V2}/services.json?jurisdiction_id=suzhe-district").status_code == 200
        assert client.get(f"{V2}/services.json").status_code == 200
        refused(client.get(f"{V2}/services.json?jurisdiction_id=elsewhere"), 404)


def test_a_filed_request_is_an_order_of_the_keys_community(
    api: TestClient, app: App, key: str
) -> None:
    answer = api.post(f"{V2}/requests.json", data={**LIGHT, **REPORTER, "api_key": key})
    assert answer.status_code == 200, answer.text
    [posted] = answer.json()
    shaped(posted, FILED)
    assert posted["account_id"] == "acct-42"
    assert "24 小时内响应" in posted["service_notice"]
    with Session(app.engine) as session:
        order = session.get(WorkOrder, int(posted["service_request_id"]))
        extra = session.get(Open311Request, int(posted["service_request_id"]))
    assert order is not None
    assert extra is not None
    assert (order.community_id, order.category, order.state) == ("suzhe", "路灯照明", "submitted")
    assert (extra.lat, extra.long, extra.phone) == (30.0466, 103.8331, "13812345678")
    [request] = api.get(f"{V2}/requests/{order.id}.json").json()
    shaped(request, REQUEST)
    assert request["service_request_id"] == posted["service_request_id"]
    assert (request["status"], request["status_notes"]) == ("open", "待受理")
    assert (request["lat"], request["long"]) == (30.0466, 103.8331)
    assert request["media_url"] == LIGHT["media_url"]
    assert request["requested_datetime"] == NOW.astimezone(app.settings.zone).isoformat()
    expected = dt.datetime.fromisoformat(request["expected_datetime"])
    assert order.resolve_due is not None
    assert expected == order.resolve_due  # 路灯照明: the end of the 3rd working day after filing
    assert (order.latitude, order.longitude) == (30.0466, 103.8331)  # duplicates by distance


def test_a_json_body_and_an_address_instead_of_coordinates(
    api: TestClient, app: App, key: str
) -> None:
    body = {"service_code": "环境卫生", "address_string": "5栋门口", "description": "垃圾没人收"}
    answer = api.post(f"{V2}/requests.json?api_key={key}", content=json.dumps(body),
                      headers={"content-type": "application/json"})  # fmt: skip
    assert answer.status_code == 200, answer.text
    [request] = api.get(f"{V2}/requests/{answer.json()[0]['service_request_id']}.json").json()
    assert (request["service_code"], request["address"]) == ("huanjingweisheng", "5栋门口")
    assert request["lat"] is None
    assert request["media_url"] is None


@pytest.mark.parametrize("given", ["", "linli_wrong", "not-even-ours"])
def test_a_post_without_a_live_key_is_403_and_stores_nothing(
    api: TestClient, app: App, key: str, given: str
) -> None:
    fields = {**LIGHT, "lat": "bad"} if given == "" else LIGHT  # the key is checked first
    answer = api.post(f"{V2}/requests.json", data={**fields, "api_key": given} if given else fields)
    assert "api_key" in refused(answer, 403)
    assert stored(app) == (0, 0, 0)


def test_a_revoked_key_is_403(api: TestClient, app: App, key: str) -> None:
    assert api.post(f"{V2}/requests.json", data={**LIGHT, "api_key": key}).status_code == 200
    with session_scope(app.engine) as session:
        apikeys.revoke(session, "city-app", NOW)
    refused(api.post(f"{V2}/requests.json", data={**LIGHT, "api_key": key}), 403)
    assert stored(app) == (1, 1, 1)


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"service_code": ""}, "service_code"),
        ({"service_code": "nosuch"}, "nosuch"),
        ({"lat": "", "long": ""}, "位置"),
        ({"long": ""}, "lat 和 long"),
        ({"lat": "abc"}, "lat"),
        ({"lat": "nan"}, "lat"),
        ({"lat": "91"}, "lat"),
        ({"long": "-181"}, "long"),
        ({"description": "  "}, "什么问题"),
        ({"description": "灯" * 10_000}, "10000"),
        ({"media_url": "javascript:alert(1)"}, "media_url"),
        ({"email": "not-an-email"}, "email"),
        ({"phone": "call me"}, "phone"),
        ({"address_string": "很" * 200}, "地点"),
        ({"first_name": "长" * 41}, "first_name"),
    ],
)
def test_bad_input_is_400_with_a_readable_error_and_stores_nothing(
    api: TestClient, app: App, key: str, change: dict[str, str], said: str
) -> None:
    answer = api.post(f"{V2}/requests.json", data={**LIGHT, **change, "api_key": key})
    assert said in refused(answer, 400)
    assert stored(app) == (0, 0, 0)


def test_a_body_that_is_not_a_form_is_400(api: TestClient, app: App, key: str) -> None:
    answer = api.post(f"{V2}/requests.json?api_key={key}", content=b"[1, 2",
                      headers={"content-type": "application/json"})  # fmt: skip
    refused(answer, 400)
    refused(api.post(f"{V2}/requests.json", content=b"x" * 300_000), 413)
    assert stored(app) == (0, 0, 0)


def test_no_personal_data_in_any_get(api: TestClient, app: App, key: str) -> None:
    said = {**LIGHT, **REPORTER, "description": "楼道灯坏了，有事打我13912345678"}
    posted = api.post(f"{V2}/requests.json", data={**said, "api_key": key}).json()[0]
    with session_scope(app.engine) as session:  # a resident of the chat, named
        resident = resolve_user(session, "console", "ann", NOW)
        resident.display_name = "李小红"
        session.add(resident)
        report = Report("路灯照明", "灯不亮 13700001111", "2栋 13700001111")
        orders.submit(session, resident.id or 0, "suzhe", report, CATEGORIES, NOW)
    answers = [
        api.get(f"{V2}/requests.json").text,
        api.get(f"{V2}/requests/{posted['service_request_id']}.json").text,
    ]
    for text in answers:
        for private in ("小明", "13812345678", "xiaoming@example.org", "device-77", "acct-42",
                        "13912345678", "13700001111", "李小红", "console", "ann"):  # fmt: skip
            assert private not in text, private
    assert "139****5678" in answers[1]


def test_status_is_open_or_closed_with_notes(api: TestClient, app: App) -> None:
    light, rubbish, noise = (
        filed(app, NOW),
        filed(app, NOW, "环境卫生"),
        filed(app, NOW, "噪音扰民"),
    )
    notifier = Notifier(app.settings.zone, lambda: NOW)
    with session_scope(app.engine) as session:
        helper = resolve_user(session, "console", "vol", NOW).id or 0
        grant(session, helper, "staff", "suzhe")
        orders.accept(session, notifier, light, helper, NOW)
        orders.resolve(session, notifier, light, helper, "已更换灯泡", NOW)
        orders.reject(session, notifier, rubbish, helper, "属于私人住宅", NOW)
        orders.accept(session, notifier, noise, helper, NOW)
    found = {r["service_request_id"]: r for r in api.get(f"{V2}/requests.json").json()}
    assert (found[str(light)]["status"], found[str(light)]["status_notes"]) == (
        "closed", "已办结，待居民确认：已更换灯泡",
    )  # fmt: skip
    assert found[str(rubbish)]["status_notes"] == "未受理：属于私人住宅"
    assert (found[str(noise)]["status"], found[str(noise)]["status_notes"]) == ("open", "处理中")
    assert found[str(light)]["address"] == "3栋2单元"
    assert found[str(light)]["lat"] is None
    assert found[str(light)]["agency_responsible"] == "苏辙社区"
    for record in found.values():
        shaped(record, REQUEST)
    opened = api.get(f"{V2}/requests.json?status=open").json()
    assert [r["service_request_id"] for r in opened] == [str(noise)]
    closed = api.get(f"{V2}/requests.json?status=closed").json()
    assert {r["service_request_id"] for r in closed} == {str(light), str(rubbish)}
    both = api.get(f"{V2}/requests.json?status=open,closed").json()
    assert len(both) == 3


def test_the_specs_filters(api: TestClient, app: App) -> None:
    old = filed(app, NOW - dt.timedelta(days=120))
    week = filed(app, NOW - dt.timedelta(days=7), "环境卫生")
    today = filed(app, NOW)

    def ids(query: str = "") -> list[int]:
        answer = api.get(f"{V2}/requests.json{query}")
        assert answer.status_code == 200, answer.text
        return [int(r["service_request_id"]) for r in answer.json()]

    assert ids() == [today, week]  # the last 90 days, newest first
    assert ids("?service_code=huanjingweisheng") == [week]
    assert ids("?service_code=ludengzhaoming,huanjingweisheng") == [today, week]
    assert ids(f"?service_request_id={old},{today}&service_code=huanjingweisheng") == [today, old]
    start = (NOW - dt.timedelta(days=130)).isoformat()
    end = (NOW - dt.timedelta(days=100)).isoformat()
    assert ids(f"?start_date={start}&end_date={end}".replace("+", "%2B")) == [old]
    assert ids(f"?start_date={start}".replace("+", "%2B")) == [old]  # 90 days from it
    assert ids(f"?end_date={(NOW - dt.timedelta(days=1)).date()}") == [week]  # a local date
    assert ids("?end_date=" + (NOW - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")) == [week]


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ("status=pending", "status"),
        ("service_code=nosuch", "nosuch"),
        ("service_request_id=3,x", "service_request_id"),
        ("start_date=yesterday", "start_date"),
        ("start_date=2026-01-01&end_date=2026-06-01", "90"),
        ("start_date=2026-06-01&end_date=2026-01-01", "end_date"),
    ],
)
def test_bad_filters_are_400(api: TestClient, query: str, said: str) -> None:
    assert said in refused(api.get(f"{V2}/requests.json?{query}"), 400)


def test_at_most_1000_requests(api: TestClient, app: App) -> None:
    with session_scope(app.engine) as session:
        resident = resolve_user(session, "console", "busy", NOW).id or 0
        session.add_all(
            WorkOrder(
                resident_id=resident,
                community_id="suzhe",
                category="其他",
                description=f"第{n}件",
                created_at=NOW - dt.timedelta(minutes=n),
                updated_at=NOW,
            )  # fmt: skip
            for n in range(1003)
        )
    found = api.get(f"{V2}/requests.json").json()
    assert len(found) == 1000
    assert found[0]["description"] == "第0件"


def test_an_unknown_request_is_404(api: TestClient, clock: Clock) -> None:
    refused(api.get(f"{V2}/requests/999.json"), 404)
    refused(api.get(f"{V2}/requests/abc.json"), 404)


def test_a_failure_is_the_specs_500_and_every_answer_is_timed(
    api: TestClient, served: App, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_args: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(georeport, "search", broken)
    assert "稍后再试" in refused(api.get(f"{V2}/requests.json"), 500)
    assert "the database went away" not in api.get(f"{V2}/requests.json").text
    assert "open311 GET /open311/v2/requests.json failed" in caplog.text
    api.get(f"{V2}/services.json")

    def timed(status: str) -> float | None:
        labels = {"channel": "open311", "status": status}
        return served.metrics.registry.get_sample_value("linli_webhook_seconds_count", labels)

    assert (timed("500"), timed("200")) == (2, 1)


def test_a_filed_request_is_handled_in_chat_like_any_order(
    api: TestClient, app: App, key: str, text: Callable[..., Incoming]
) -> None:
    number = api.post(f"{V2}/requests.json", data={**LIGHT, "api_key": key}).json()[0]
    number = number["service_request_id"]
    with session_scope(app.engine) as session:
        helper = resolve_user(session, "console", "vol", NOW)
        helper.community_id = "suzhe"
        grant(session, helper.id or 0, "volunteer", "suzhe")
    assert f"编号 {number}" in app.dispatcher.handle(text("工单", user="vol")).text
    app.dispatcher.handle(text(f"接单 {number}", user="vol"))
    [request] = api.get(f"{V2}/requests/{number}.json").json()
    assert (request["status"], request["status_notes"]) == ("open", "处理中")
