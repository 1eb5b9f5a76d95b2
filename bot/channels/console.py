"""The terminal channel: a REPL for people, one message per line for scripts."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from typing import TextIO

from sqlmodel import Session

from bot.dispatcher import Dispatcher
from bot.outbox import notices
from bot.types import Incoming, Outcome

CHANNEL = "console"
PROMPT = "您："
BOT = "邻里："
_QUIT = {"exit", "quit", "q", "退出", "再见", "拜拜"}
WELCOME = "邻里社区小助手，直接打字提问；输入“退出”结束。"


def incoming(user: str, text: str) -> Incoming:
    """A console message; each line is a new message with its own id."""
    return Incoming(channel=CHANNEL, user_key=user, text=text, msg_id=uuid.uuid4().hex)


def prompted_lines(out: TextIO) -> Iterator[str]:
    """What a person types at the prompt, until Ctrl+D or Ctrl+C."""
    while True:
        try:
            yield input(PROMPT)
        except (EOFError, KeyboardInterrupt):
            out.write("\n")
            return


def render(outcome: Outcome) -> str:
    """The replies as terminal text."""
    return outcome.text


def chat(dispatcher: Dispatcher, user: str, lines: Iterable[str], out: TextIO, tty: bool) -> int:
    """Talk until the input ends or the resident says goodbye. Returns the exit status."""
    if tty:
        out.write(WELCOME + "\n")
    seen = _last_delivered(dispatcher, user)
    for line in lines:
        text = line.rstrip("\r\n")
        if text.strip().lower() in _QUIT:
            out.write(f"{BOT}再见，祝您生活愉快！\n")
            break
        outcome = dispatcher.handle(incoming(user, text))
        out.write(f"{BOT}{render(outcome)}\n\n" if tty else f"{render(outcome)}\n\n")
        seen = _show_notices(dispatcher, user, seen, out)
        out.flush()
    return 0


def _last_delivered(dispatcher: Dispatcher, user: str) -> int:
    with Session(dispatcher.engine) as session:
        rows = notices.delivered(session, CHANNEL, user)
    return rows[-1].id or 0 if rows else 0


def _show_notices(dispatcher: Dispatcher, user: str, seen: int, out: TextIO) -> int:
    """Print notices delivered since the last look (a reminder arriving mid-chat)."""
    with Session(dispatcher.engine) as session:
        rows = notices.delivered(session, CHANNEL, user, seen)
    for row in rows:
        for reply in row.payload.get("replies", []):
            out.write(f"📬 {reply['text']}\n\n")
    return rows[-1].id or seen if rows else seen
