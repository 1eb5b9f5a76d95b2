"""Announcements: staff push a message to many residents (a community, a role, an audience tag,
everyone), now or at a time; scheduled ones can be listed and cancelled before they go.
Sending them is bot/announcement_delivery.py."""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass

from sqlalchemy import and_, exists, func, or_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from bot.announcements.models import Announcement, NoticeOptOut, Stage
from bot.config import AnnouncementSettings
from bot.errors import UserFacingError
from bot.models import Community, User
from bot.people import roles
from bot.people.models import UserRole, UserTag

logger = logging.getLogger(__name__)
ALL_TOPICS = "all"  # the opt-out "退订" records: no announcements at all
KIND = "announcement"
URL = re.compile(r"^https?://[^\s<>\"']{3,490}$")
_ROLE_NAMES = {"resident": "居民", "volunteer": "志愿者", "staff": "工作人员", "admin": "管理员"}


class AnnouncementError(UserFacingError):
    """An announcement that cannot be made or changed; the message says why, in Chinese."""


@dataclass(frozen=True)
class Target:
    """Who an announcement is for. Within a dimension any value matches; the dimensions given
    must all match (苏辙社区 + 志愿者 = the volunteers of 苏辙社区)."""

    communities: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    everyone: bool = False

    @classmethod
    def of(cls, announcement: Announcement) -> Target:
        """The target stored on an announcement."""
        return cls(
            tuple(announcement.communities), tuple(announcement.roles),
            tuple(announcement.tags), announcement.everyone,
        )  # fmt: skip


@dataclass(frozen=True)
class Draft:
    """What staff want to send."""

    text: str
    target: Target
    send_at: dt.datetime
    link: str = ""
    topic: str = "general"


def create(
    session: Session,
    draft: Draft,
    sender_id: int | None,
    now: dt.datetime,
    settings: AnnouncementSettings,
) -> Announcement:
    """Check and store an announcement (sent by the scheduler at `send_at`).

    Raises:
        AnnouncementError: empty or too long text, a bad link or topic, an unknown community,
            no target, a time in the past, or a target outside the sender's communities.
    """
    text = draft.text.strip()
    if not text:
        raise AnnouncementError("公告内容不能是空的。")
    if len(text) > settings.max_length:
        raise AnnouncementError(
            f"公告太长了（{len(text)} 字），请控制在 {settings.max_length} 字以内。"
        )
    if draft.link and not URL.match(draft.link):
        raise AnnouncementError("链接格式不对，要以 http:// 或 https:// 开头。")
    if draft.topic not in settings.topics:
        raise AnnouncementError(
            f"没有这个公告类别：{draft.topic}（可选：{'、'.join(settings.topics)}）"
        )
    _check_target(session, draft.target, sender_id)
    if draft.send_at < now - dt.timedelta(minutes=1):
        raise AnnouncementError("发送时间已经过去了，请换一个以后的时间，或选“现在”。")
    target = draft.target
    announcement = Announcement(
        text=text, link=draft.link, topic=draft.topic, communities=list(target.communities),
        roles=list(target.roles), tags=list(target.tags), everyone=target.everyone,
        send_at=max(draft.send_at, now), sender_id=sender_id, created_at=now,
    )  # fmt: skip
    session.add(announcement)
    session.flush()
    logger.info("announcement %s scheduled by %s", announcement.id, sender_id or "cli")
    return announcement


def _check_target(session: Session, target: Target, sender_id: int | None) -> None:
    if not (target.everyone or target.communities or target.roles or target.tags):
        raise AnnouncementError("还没选发给谁：社区、角色、标签，或全体。")
    for community in target.communities:
        if session.get(Community, community) is None:
            raise AnnouncementError(f"没有这个社区：{community}")
    for role in target.roles:
        if role not in _ROLE_NAMES:
            raise AnnouncementError(f"没有这个角色：{role}")
    if sender_id is None:
        return  # the CLI: an administrator at the server
    if not roles.has_role(session, sender_id, roles.STAFF):
        raise AnnouncementError("只有社区工作人员可以发公告。")
    scope = staff_communities(session, sender_id)
    if scope is None:
        return
    if target.everyone or not target.communities:
        raise AnnouncementError("您只能给自己负责的社区发公告，请选社区。")
    outside = [c for c in target.communities if c not in scope]
    if outside:
        raise AnnouncementError(f"您不负责这些社区：{'、'.join(outside)}")


def staff_communities(session: Session, user_id: int | None) -> list[str] | None:
    """The communities a staff member may address; None = the whole district."""
    if user_id is None:
        return None
    rows = session.exec(
        select(UserRole.community_id).where(
            UserRole.user_id == user_id, col(UserRole.role).in_(roles.STAFF)
        )
    ).all()
    return None if "" in rows else sorted(set(rows))


def recipients_filter(target: Target) -> ColumnElement[bool]:
    """The SQL condition on User that the target means."""
    conditions: list[ColumnElement[bool]] = []
    lives_there = col(User.community_id).in_(target.communities)
    if target.roles and "resident" not in target.roles:  # "resident" is everyone
        role_match = and_(col(UserRole.user_id) == User.id, col(UserRole.role).in_(target.roles))
        if target.communities:  # a volunteer of the community (living there or not), or a
            # district-wide one who lives there
            in_place = or_(
                col(UserRole.community_id).in_(target.communities),
                and_(col(UserRole.community_id) == "", lives_there),
            )
            role_match = and_(role_match, in_place)
        conditions.append(exists().where(role_match))
    elif target.communities:
        conditions.append(lives_there)
    if target.tags:
        conditions.append(
            exists().where(col(UserTag.user_id) == User.id, col(UserTag.tag).in_(target.tags))
        )
    return and_(True, *conditions)


def opted_out(topic: str) -> ColumnElement[bool]:
    """The SQL condition on User: said "退订", or turned this topic off."""
    return exists().where(
        col(NoticeOptOut.user_id) == User.id, col(NoticeOptOut.topic).in_([topic, ALL_TOPICS])
    )


def estimate(session: Session, target: Target, topic: str) -> tuple[int, int]:
    """How many residents the target reaches now, and how many of them opted out."""
    matched = recipients_filter(target)
    total = session.exec(select(func.count()).select_from(User).where(matched)).one()
    out = session.exec(
        select(func.count()).select_from(User).where(matched, opted_out(topic))
    ).one()
    return int(total) - int(out), int(out)


def cancel(
    session: Session, announcement_id: int, user_id: int | None, now: dt.datetime
) -> Announcement:
    """Cancel a scheduled announcement before it goes.

    Raises:
        AnnouncementError: no such announcement, not the caller's to cancel, or already going.
    """
    announcement = session.exec(
        select(Announcement).where(Announcement.id == announcement_id).with_for_update()
    ).first()
    if announcement is None:
        raise AnnouncementError(f"没有编号为 {announcement_id} 的公告。")
    if user_id is not None and not may_manage(session, announcement, user_id):
        raise AnnouncementError("这条公告不是您发的，不能取消。")
    if announcement.status == Stage.CANCELLED:
        raise AnnouncementError(f"公告 #{announcement_id} 已经取消过了。")
    if announcement.status != Stage.SCHEDULED:
        raise AnnouncementError(f"公告 #{announcement_id} 已经开始发送，取消不了了。")
    announcement.status, announcement.cancelled_at = Stage.CANCELLED, now
    session.add(announcement)
    logger.info("announcement %s cancelled by %s", announcement_id, user_id or "cli")
    return announcement


def may_manage(session: Session, announcement: Announcement, user_id: int) -> bool:
    """Whether a staff member may see or cancel it: theirs, or all inside their communities."""
    return _manages(announcement, user_id, staff_communities(session, user_id))


def _manages(announcement: Announcement, user_id: int | None, scope: list[str] | None) -> bool:
    if scope is None or announcement.sender_id == user_id:
        return True
    return bool(announcement.communities) and set(announcement.communities) <= set(scope)


def listed(session: Session, user_id: int | None, limit: int = 10) -> list[Announcement]:
    """Scheduled announcements first, then the latest ones (only those the staff member may see)."""
    rows = session.exec(
        select(Announcement).order_by(
            col(Announcement.status) != Stage.SCHEDULED, col(Announcement.send_at).desc()
        )
    )
    scope = staff_communities(session, user_id) if user_id is not None else None
    mine: list[Announcement] = []
    for announcement in rows:  # read lazily: stop as soon as enough are found
        if scope is None or _manages(announcement, user_id, scope):
            mine.append(announcement)
            if len(mine) == limit:
                break
    return mine
