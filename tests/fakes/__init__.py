"""Fakes of the platforms Linli talks to; every one listens on 127.0.0.1 only."""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType
from typing import Self

import uvicorn
from starlette.types import ASGIApp


class LocalServer:
    """An ASGI app served by uvicorn in a daemon thread on 127.0.0.1:<free port>."""

    def __init__(self, app: ASGIApp) -> None:
        # Binding here (not in uvicorn) gives the port before start, without a race.
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # accepted connections inherit it: a response's head and body are two writes, and
        # with Nagle's algorithm the body would wait 40 ms for the client's delayed ACK
        self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]
        config = uvicorn.Config(
            app, log_level="warning", lifespan="off", access_log=False, timeout_graceful_shutdown=1
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    def start(self, timeout: float = 5.0) -> None:
        """Start serving; raises RuntimeError if uvicorn is not up within `timeout`."""
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"fake server on port {self.port} did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        """Stop serving and wait for the thread."""
        self._server.should_exit = True
        self._thread.join(timeout=5)
        self._socket.close()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
