"""`linli order ...` as staff use it: lists and one order (residents masked), assigning to
someone of the order's community only, resolving, the export (full phone numbers there
only), and Open311 keys shown once, stored hashed, revoked; every change audited."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from sqlmodel import Session, col, select

from bot.app import open_database
from bot.cli.orders import add_commands
from bot.clock import utcnow
from bot.config import Settings
from bot.db import session_scope
from bot.identity import resolve_user
from bot.models import User
from bot.orders import apikeys, georeport
from bot.orders import service as orders
from bot.orders.categories import load_categories
from bot.orders.models import Open311Key, WorkOrder
from bot.orders.service import Report
from bot.outbox.models import Outbox
from bot.outbox.notifier import Notifier
from bot.people.models import AuditEntry
from bot.people.roles import grant

CATEGORIES = load_categories()


@dataclass
class Result:
    code: int
    out: str
    err: str


Linli = Callable[..., Result]


@pytest.fixture
def linli(settings: Settings, capsys: pytest.CaptureFixture[str]) -> Linli:
    parser = argparse.ArgumentParser(prog="linli")
    add_commands(parser.add_subparsers(required=True))
    open_database(settings).dispose()

    def run(*argv: str) -> Result:
        args = parser.parse_args(["order", *argv])
        code = args.run(args, settings)
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err
        return Result(code, out, err)

    return run


def person(settings: Settings, name: str, role: str | None, community: str = "suzhe") -> int:
    engine = open_database(settings)
    with session_scope(engine) as session:
        user = resolve_user(session, "console", name, utcnow())
        user.community_id = community
        session.add(user)
        if role:
            grant(session, user.id or 0, role, community)
    engine.dispose()
    return user.id or 0


def filed(settings: Settings, resident: int, text: str = "楼道灯坏了，电话13812345678") -> int:
    engine = open_database(settings)
    with session_scope(engine) as session:
        report = Report("路灯照明", text, "3栋2单元")
        order = orders.submit(session, resident, "suzhe", report, CATEGORIES, utcnow())
    engine.dispose()
    return order.id or 0


def order_of(settings: Settings, order_id: int) -> WorkOrder:
    engine = open_database(settings)
    with Session(engine) as session:
        found = session.get(WorkOrder, order_id)
    engine.dispose()
    assert found is not None
    return found


def audited(settings: Settings, action: str) -> list[AuditEntry]:
    engine = open_database(settings)
    with Session(engine) as session:
        rows = session.exec(select(AuditEntry).where(AuditEntry.action == action)).all()
    engine.dispose()
    return list(rows)


def test_list_and_show_mask_the_resident(linli: Linli, settings: Settings) -> None:
    resident = person(settings, "ann", None)
    engine = open_database(settings)
    with session_scope(engine) as session:
        user = session.get(User, resident)
        assert user is not None
        user.display_name = "王小明"
        session.add(user)
    engine.dispose()
    order = filed(settings, resident)
    listed = linli("list")
    assert listed.code == 0
    assert f"#{order} 路灯照明｜待受理｜suzhe" in listed.out
    assert "13812345678" not in listed.out
    assert "138****5678" in listed.out
    [record] = [json.loads(line) for line in linli("list", "--json").out.splitlines()]
    assert (record["id"], record["state"], record["resident"]) == (
        order,
        "submitted",
        f"王*明（用户 {resident}）",
    )
    shown = linli("show", str(order))
    assert "王*明" in shown.out
    assert "王小明" not in shown.out
    assert "13812345678" not in shown.out
    history = json.loads(linli("show", str(order), "--json").out)["history"]
    assert [(h["from"], h["to"]) for h in history] == [(None, "submitted")]
    assert linli("show", "999").code == 2


def test_list_filters_by_community_and_state(linli: Linli, settings: Settings) -> None:
    resident = person(settings, "ann", None)
    staff = person(settings, "boss", "staff")
    waiting, rejected = filed(settings, resident), filed(settings, resident)
    engine = open_database(settings)
    with session_scope(engine) as session:
        notifier = Notifier(settings.zone, utcnow)
        orders.reject(session, notifier, rejected, staff, "私人住宅", utcnow())
    engine.dispose()
    assert f"#{rejected} " not in linli("list").out
    assert f"#{rejected} " in linli("list", "--all").out
    only = linli("list", "--state", "rejected", "--json").out.splitlines()
    assert [json.loads(line)["id"] for line in only] == [rejected]
    assert linli("list", "--community", "penglai").out.strip() == "没有这样的工单。"
    assert f"#{waiting} " in linli("list", "--community", "苏辙社区").out
    assert linli("list", "--community", "nowhere").code == 2


def test_assign_only_to_someone_of_the_orders_community(linli: Linli, settings: Settings) -> None:
    resident = person(settings, "ann", None)
    outsider = person(settings, "far", "volunteer", "penglai")
    helper = person(settings, "vol", "volunteer")
    order = filed(settings, resident)
    refused = linli("assign", str(order), str(outsider))
    assert refused.code == 2
    assert "penglai" not in refused.err
    assert "不是社区 suzhe" in refused.err
    assert order_of(settings, order).owner_id is None
    done = linli("assign", str(order), str(helper))
    assert done.code == 0
    assert (order_of(settings, order).state, order_of(settings, order).owner_id) == (
        "assigned",
        helper,
    )
    engine = open_database(settings)
    with Session(engine) as session:
        told = session.exec(
            select(Outbox.user_id).where(col(Outbox.user_id).in_([resident, helper]))
        ).all()
    engine.dispose()
    assert sorted(told) == sorted([resident, helper])
    assert linli("assign", str(order), str(helper)).code == 2  # taken already
    [entry] = audited(settings, "order_assign")
    assert (entry.target, entry.community_id) == (f"work_order:{order}", "suzhe")


def test_close_resolves_as_the_owner_or_who_is_named(linli: Linli, settings: Settings) -> None:
    resident = person(settings, "ann", None)
    helper = person(settings, "vol", "volunteer")
    outsider = person(settings, "far", "staff", "penglai")
    order = filed(settings, resident)
    assert "还没有人接单" in linli("close", str(order), "--note", "已更换灯泡").err
    linli("assign", str(order), str(helper))
    assert linli("close", str(order), "--note", "已更换", "--by", str(outsider)).code == 2
    assert linli("close", str(order), "--note", " ").code == 2
    done = linli("close", str(order), "--note", "已更换灯泡", "--json")
    assert done.code == 0
    assert json.loads(done.out)["state"] == "resolved"
    assert [e.after for e in audited(settings, "order_resolve")] == [
        {"state": "resolved", "note": "已更换灯泡"}
    ]


def test_export_has_the_full_phone(linli: Linli, settings: Settings, tmp_path: Path) -> None:
    resident = person(settings, "ann", None)
    order = filed(settings, resident, "路灯不亮")
    engine = open_database(settings)
    with session_scope(engine) as session:
        key, _ = apikeys.create(session, "city-app", "suzhe", ["suzhe"], utcnow())
        filing = georeport.Filing(
            "ludengzhaoming", "灯坏了", address_string="5栋", first_name="小明", last_name="王",
            phone="13812345678",
        )  # fmt: skip
        posted = georeport.file(session, key, filing, CATEGORIES, utcnow()).id
    engine.dispose()
    today = utcnow().astimezone(settings.zone).date()
    out = tmp_path / "orders.xlsx"
    done = linli(
        "export", "--from", str(today - dt.timedelta(days=1)), "--to", str(today), "--out", str(out)
    )
    assert done.code == 0
    assert "2 张工单" in done.out
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    assert rows[0][:8] == ("编号", "社区", "类别", "状态", "问题描述", "地点", "反映人", "电话")
    by_id = {row[0]: row for row in rows[1:]}
    assert by_id[posted][6:8] == ("王小明", "13812345678")
    assert by_id[order][4] == "路灯不亮"
    assert (
        "0 张"
        in linli("export", "--from", "2020-01-01", "--to", "2020-01-02", "--out", str(out)).out
    )
    assert linli("export", "--from", str(today), "--to", "2020-01-01", "--out", str(out)).code == 2
    assert linli("export", "--from", "soon", "--to", str(today), "--out", str(out)).code == 2


def test_a_key_is_shown_once_and_stored_hashed(linli: Linli, settings: Settings) -> None:
    made = linli("apikey", "create", "city-app", "--community", "suzhe", "--json")
    assert made.code == 0
    key = json.loads(made.out)["api_key"]
    assert key.startswith("linli_")
    assert len(key) > 30
    engine = open_database(settings)
    with Session(engine) as session:
        [row] = session.exec(select(Open311Key)).all()
        assert row.key_hash == apikeys.digest(key)
        assert apikeys.verify(session, key) is not None
    engine.dispose()
    assert key not in row.model_dump_json()
    listed = linli("apikey", "list")
    assert "city-app" in listed.out
    assert key not in listed.out
    assert "有效" in listed.out
    [entry] = audited(settings, "open311_key_create")
    assert (entry.community_id, entry.target) == ("suzhe", f"open311key:{row.id}")
    assert key not in json.dumps(entry.after)
    assert linli("apikey", "revoke", "city-app").code == 0
    assert "已吊销" in linli("apikey", "list").out
    assert linli("apikey", "revoke", "city-app").code == 2
    assert len(audited(settings, "open311_key_revoke")) == 1
    with Session(open_database(settings)) as session:
        assert apikeys.verify(session, key) is None


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (("apikey", "create", "x", "--community", "nowhere"), "没有这个社区"),
        (("apikey", "create", "bad name!", "--community", "suzhe"), "密钥名称"),
        (("apikey", "revoke", "nosuch"), "没有名为"),
    ],
)
def test_a_bad_key_command_is_refused_and_stores_nothing(
    linli: Linli, settings: Settings, argv: tuple[str, ...], said: str
) -> None:
    result = linli(*argv)
    assert result.code == 2
    assert said in result.err
    engine = open_database(settings)
    with Session(engine) as session:
        assert session.exec(select(Open311Key)).all() == []
        assert session.exec(select(AuditEntry)).all() == []
    engine.dispose()


def test_a_name_is_one_key(linli: Linli, settings: Settings) -> None:
    assert linli("apikey", "create", "city-app", "--community", "suzhe").code == 0
    again = linli("apikey", "create", "city-app", "--community", "penglai")
    assert again.code == 2
    assert "已经有名为" in again.err
