"""The layout's rules, checked on the source (docs/architecture.md explains them):

- `knowledge` imports nothing of the app;
- the core (the modules at the top of `bot/`) imports only the core;
- `people` and `outbox` are the shared domains: the core, each other and `knowledge`;
- a feature domain (`activities`, `shifts`, `announcements`, `kb`, ...) imports the core,
  `people`, `outbox` and `knowledge`, never another feature domain (it refers to another
  domain's rows by id);
- `bot.reports` reads across the domains (a report counts activities, shifts, questions and
  announcements together): it imports the core, `knowledge` and every domain; only the outer
  rooms (`bot.cli`, `bot.console`, `scheduler`) and the wiring import it;
- `intents`, `bot.cli`, `bot.channels`, `bot.console` and `scheduler` import domains and the
  core, never each other; `bot.cli`, `bot.channels` and `bot.console` may use the wiring;
- only the wiring (`bot.app`, `bot.tables`, `bot.__main__`) imports everything.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import SQLModel

ROOT = Path(__file__).resolve().parents[1]
WIRING = {"bot.app", "bot.tables", "bot.__main__"}
SHARED = {"people", "outbox"}
OUTER = {"intents", "bot.cli", "bot.channels", "bot.console", "scheduler"}
READERS = {"bot.reports"}  # read every domain's tables; used by the outer rooms


def room(module: str) -> str:
    """The room a module lives in: "knowledge", "core", "wiring", "domain:NAME" or an outer room."""
    parts = module.split(".")
    if parts[0] in ("knowledge", "intents", "scheduler"):
        return parts[0]
    if module in WIRING:
        return "wiring"
    if len(parts) >= 2 and f"bot.{parts[1]}" in OUTER | READERS:
        return f"bot.{parts[1]}"
    if len(parts) >= 2 and (ROOT / "bot" / parts[1]).is_dir():
        return f"domain:{parts[1]}"
    return "core"


def allowed(source: str, target: str) -> bool:
    """Whether a module in room `source` may import one in room `target`."""
    if source == target or source == "wiring":
        return True
    if source == "knowledge":
        return False
    if target in ("core", "knowledge"):
        return source != "core" or target == "core"
    if source == "core":
        return False
    if target in READERS:
        return source in ("bot.cli", "bot.console", "scheduler")
    if target.startswith("domain:"):
        domain = target.removeprefix("domain:")
        return source in OUTER | READERS or domain in SHARED
    if target == "wiring":
        return source in ("bot.cli", "bot.channels", "bot.console")
    return False  # outer rooms never import each other


def modules() -> Iterator[tuple[str, Path]]:
    for package in ("bot", "intents", "knowledge", "scheduler"):
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            yield name, path


def imports_of(name: str, path: Path) -> Iterator[tuple[int, str]]:
    """The app modules `path` imports (`from bot import x` counts as `bot.x`)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                is_module = (ROOT / candidate.replace(".", "/")).with_suffix(".py").exists() or (
                    ROOT / candidate.replace(".", "/")
                ).is_dir()
                yield node.lineno, candidate if is_module else node.module


def violations() -> list[str]:
    found = []
    for name, path in modules():
        for line, target in imports_of(name, path):
            if target.split(".")[0] not in ("bot", "intents", "knowledge", "scheduler"):
                continue
            if target == "bot":
                continue  # `from bot import x` resolved x above; a bare `import bot` says nothing
            if not allowed(room(name), room(target)):
                found.append(f"{path.relative_to(ROOT)}:{line}: {room(name)} imports {target}")
    return found


def test_every_import_keeps_to_the_rules() -> None:
    assert violations() == []


@pytest.mark.parametrize(
    ("source", "target", "ok"),
    [
        ("bot.activities.service", "bot.shifts.models", False),  # domain -> other domain
        ("bot.shifts.service", "bot.people.roles", True),  # domain -> shared domain
        ("bot.dispatcher", "bot.people.roles", False),  # core -> domain
        ("knowledge.matcher", "bot.types", False),  # the pure library
        ("intents.faq", "bot.cli.main", False),  # outer rooms never import each other
        ("scheduler.service", "bot.channels.telegram", False),  # senders come from the wiring
        ("bot.cli.main", "bot.app", True),
        ("bot.app", "intents.faq", True),
        ("intents.shifts", "bot.shifts.service", True),
        ("bot.console.web", "bot.kb.store", True),  # the console works on the domains
        ("bot.console.web", "bot.app", True),
        ("bot.console.web", "intents.faq", False),  # an outer room, like the channels
        ("bot.channels.web", "bot.console.web", False),  # the wiring mounts the console
        ("bot.channels.web", "bot.channels.open311", True),  # Open311 is a channel's room
        ("bot.channels.open311", "bot.orders.georeport", True),
        ("bot.channels.open311", "bot.app", True),
        ("bot.orders.georeport", "bot.channels.open311", False),  # the domain knows no HTTP
        ("bot.cli.orders", "bot.channels.open311", False),
        ("intents.orders", "bot.orders.apikeys", True),
        ("bot.reports.figures", "bot.shifts.models", True),  # a report reads every domain
        ("bot.reports.figures", "bot.activities.models", True),
        ("bot.cli.reports", "bot.reports.build", True),
        ("scheduler.service", "bot.reports.build", True),
        ("bot.activities.service", "bot.reports.build", False),  # domains never read reports
        ("intents.faq", "bot.reports.build", False),
        ("bot.reports.build", "bot.cli.desk", False),  # nor do reports reach outwards
        ("bot.reports.build", "bot.app", False),
    ],
)
def test_the_rules_say_what_the_guide_says(source: str, target: str, ok: bool) -> None:
    assert allowed(room(source), room(target)) is ok


def test_a_broken_rule_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A copy of the tree where a domain imports another domain fails the check."""
    import shutil

    for package in ("bot", "intents", "knowledge", "scheduler"):
        shutil.copytree(ROOT / package, tmp_path / package)
    service = tmp_path / "bot" / "activities" / "service.py"
    service.write_text(service.read_text() + "\nfrom bot.shifts.models import Shift\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)
    assert any("domain:activities imports bot.shifts.models" in v for v in violations())


def test_one_list_holds_every_table() -> None:
    """bot/tables.py lists every table the code defines, once (what create_schema and the
    migrations see)."""
    from bot.app import build_app  # noqa: F401  (imports every module that defines a table)
    from bot.tables import TABLES

    listed = [model.__tablename__ for model in TABLES]
    assert len(listed) == len(set(listed))
    assert set(listed) == set(SQLModel.metadata.tables) - {"apscheduler_jobs"}


def test_the_core_stays_small() -> None:
    core = [p.name for p in (ROOT / "bot").glob("*.py") if p.stem not in ("__init__", "__main__")]
    assert len(core) <= 16, core
    assert not [n for n in core if "more" in n or any(ch.isdigit() for ch in n)]
