"""The console's fixtures: Linli as `linli serve` builds it, and a browser-less client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.routing import Mount
from starlette.testclient import TestClient

from bot.app import App, build_app
from bot.channels.web import create_web_app
from bot.config import Settings
from bot.console.web import PREFIX, console_app
from tests.conftest import Clock


@pytest.fixture
def linli(settings: Settings, clock: Clock) -> Iterator[App]:
    """Linli as `linli serve` builds it: the matcher follows the stored base."""
    app = build_app(settings, clock)
    yield app
    app.engine.dispose()


@pytest.fixture
def web(linli: App, clock: Clock) -> TestClient:
    return TestClient(create_web_app(linli, [Mount(PREFIX, console_app(linli, clock))]))
