"""What every staff command group shares: the `Desk` a command works at (one transaction),
how a subcommand is declared, `--json`, and running the work so that a refusal is told on
stderr and changes nothing."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO, TypeAlias
from zoneinfo import ZoneInfo

from bot.clock import utcnow
from bot.config import Settings
from bot.errors import UserFacingError

if TYPE_CHECKING:
    from sqlmodel import Session

    from bot.outbox.notifier import Notifier
    from knowledge.entry import Community

# the wiring and the domains load when a command works at a desk, not when `linli` only
# builds its parser (every command group declares its subcommands with this module)

# argparse's subparsers type is generic only to the type checker.
Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


@dataclass(frozen=True)
class Desk:
    """What one staff command works with, inside its one transaction."""

    session: Session
    settings: Settings
    now: dt.datetime

    @property
    def zone(self) -> ZoneInfo:
        """The district's timezone: times are read and shown in it."""
        return self.settings.zone

    @property
    def notifier(self) -> Notifier:
        """Queues the notices a command sends (sent once it commits)."""
        from bot.outbox.notifier import Notifier

        return Notifier(self.settings.zone, utcnow)

    @property
    def communities(self) -> list[Community]:
        """The communities the database knows."""
        from bot.kb.store import stored_communities

        return stored_communities(self.session)

    @property
    def community_ids(self) -> list[str]:
        """The ids of the communities the database knows."""
        return [c.id for c in self.communities]


Work = Callable[[argparse.Namespace, Desk], str]


def subcommand(
    sub: Subcommands, name: str, summary: str, work: Work, *, refused: int = 1
) -> argparse.ArgumentParser:
    """Declare `name`: its help, and `work` run at a desk (a refusal exits with `refused`)."""
    parser = sub.add_parser(name, help=summary, description=summary)
    parser.set_defaults(
        run=lambda args, settings: at_desk(settings, lambda desk: work(args, desk), refused)
    )
    return parser


def json_flag(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add `--json` (the output a script reads) to a command."""
    parser.add_argument("--json", action="store_true", help="输出 JSON，供脚本读取")
    return parser


def at_desk(settings: Settings, work: Callable[[Desk], str], refused: int = 1) -> int:
    """Do the work in one transaction and print what it says once committed; a refusal
    (a `UserFacingError`) goes to stderr with exit status `refused` and changes nothing."""
    from bot.db import session_scope
    from bot.tables import open_for_staff

    engine = open_for_staff(settings)
    try:
        with session_scope(engine) as session:
            output = work(Desk(session, settings, utcnow()))
    except UserFacingError as exc:
        _write(sys.stderr, str(exc))
        return refused
    finally:
        engine.dispose()
    _write(sys.stdout, output)  # only once committed
    sys.stdout.flush()
    return 0


YES = ("确认", "确定", "yes", "y")


def confirm(what: str, verb: str, declined: str) -> None:
    """What cannot be undone: say `what` and ask for 确认 at a terminal; in a script (stdin
    not a terminal) refuse and point to --yes.

    Raises:
        UserFacingError: not confirmed (`declined` is what the person is told).
    """
    if not sys.stdin.isatty():
        raise UserFacingError(f"{what}确认要{verb}，请加 --yes 再运行一次。")
    print(what, file=sys.stderr)
    try:
        answer = input(f"确认{verb}请输入“确认”（其他任何输入都不{verb}）：")
    except EOFError:
        answer = ""
    if answer.strip() not in YES:
        raise UserFacingError(declined)


def _write(stream: TextIO, *lines: str) -> None:
    for line in lines:
        if line:
            stream.write(line + "\n")
