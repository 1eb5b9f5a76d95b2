"""Planning volunteer work: posts, one-off shifts, weekly templates and the shifts they
create ahead of time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.people import attempts
from bot.shifts.models import Shift, ShiftPost, ShiftTemplate
from bot.shifts.service import ShiftError, post_of


def create_post(
    session: Session,
    title: str,
    place: str,
    community_id: str | None = None,
    skills: Iterable[str] = (),
    coordinator_id: int | None = None,
    description: str = "",
    *,
    now: dt.datetime,
) -> ShiftPost:
    """Create a kind of volunteer work (a post). Raises ShiftError on empty title or place."""
    if not title.strip() or len(title.strip()) > 40:
        raise ShiftError("岗位名称不能为空，最多 40 个字")
    if not place.strip():
        raise ShiftError("岗位地点不能为空")
    post = ShiftPost(
        title=title.strip(), place=place.strip(), community_id=community_id or None,
        skills=[s.strip() for s in skills if s.strip()], coordinator_id=coordinator_id,
        description=description.strip(), created_at=now,
    )  # fmt: skip
    session.add(post)
    session.flush()
    return post


def create_shift(
    session: Session,
    post_id: int,
    starts_at: dt.datetime,
    minutes: int,
    slots: int,
    now: dt.datetime,
    activity_id: int | None = None,
) -> Shift:
    """Create a one-off shift of a post (`activity_id`, when given, names an activity the
    caller has checked exists: shifts refer to activities by id only).

    Raises:
        ShiftError: no such post, a time in the past, or odd length or slots.
    """
    post_of(session, post_id)
    if starts_at.tzinfo is None:
        raise ShiftError("时间需要带时区")
    _check_size(minutes, slots)
    if starts_at <= now:
        raise ShiftError("开始时间已经过去了")
    return _new_shift(session, post_id, starts_at, minutes, slots, activity_id, None, now)


def create_template(
    session: Session,
    post_id: int,
    weekday: int,
    start_time: str,
    minutes: int,
    slots: int,
    starts_on: dt.date,
    until: dt.date | None = None,
    activity_id: int | None = None,
) -> ShiftTemplate:
    """Create a weekly shift (weekday 0 = Monday, start_time "HH:MM" local)."""
    post_of(session, post_id)
    if not 0 <= weekday <= 6:
        raise ShiftError("星期要写 0 到 6（0 是周一，6 是周日）")
    _clock(start_time)
    _check_size(minutes, slots)
    if until is not None and until < starts_on:
        raise ShiftError("结束日期要晚于开始日期")
    template = ShiftTemplate(
        post_id=post_id, weekday=weekday, start_time=start_time, minutes=minutes, slots=slots,
        starts_on=starts_on, until=until, activity_id=activity_id,
    )  # fmt: skip
    session.add(template)
    session.flush()
    return template


def materialize(session: Session, now: dt.datetime, zone: ZoneInfo, weeks_ahead: int) -> int:
    """Create each active weekly template's shifts up to `weeks_ahead` weeks from now; a shift
    already there (same template and start) is left alone. Returns how many were created."""
    templates = session.exec(select(ShiftTemplate).where(col(ShiftTemplate.active))).all()
    if not templates:
        return 0
    horizon = now + dt.timedelta(weeks=weeks_ahead)
    existing = set(
        session.exec(
            select(Shift.template_id, Shift.starts_at).where(
                col(Shift.template_id).in_([t.id for t in templates]), Shift.starts_at > now
            )
        ).all()
    )
    created = 0
    for template in templates:
        for start in _weekly_starts(template, now, horizon, zone):
            if (template.id, start) not in existing:
                created += _add_weekly(session, template, start, now)
    return created


def _weekly_starts(
    template: ShiftTemplate, now: dt.datetime, horizon: dt.datetime, zone: ZoneInfo
) -> list[dt.datetime]:
    day = max(template.starts_on, now.astimezone(zone).date())
    day += dt.timedelta(days=(template.weekday - day.weekday()) % 7)
    last = min(template.until or dt.date.max, horizon.astimezone(zone).date())
    starts = []
    while day <= last:
        start = dt.datetime.combine(day, _clock(template.start_time), tzinfo=zone)
        if now < start <= horizon:
            starts.append(start.astimezone(dt.UTC))
        day += dt.timedelta(weeks=1)
    return starts


def _add_weekly(
    session: Session, template: ShiftTemplate, start: dt.datetime, now: dt.datetime
) -> int:
    # Another process may create the same week's shift at the same moment: the unique
    # (template, start) constraint keeps one, and the loser's savepoint is undone.
    savepoint = session.begin_nested()
    try:
        _new_shift(
            session, template.post_id, start, template.minutes, template.slots,
            template.activity_id, template.id, now,
        )  # fmt: skip
    except IntegrityError:
        savepoint.rollback()
        return 0
    savepoint.commit()
    return 1


def _new_shift(
    session: Session, post_id: int, starts_at: dt.datetime, minutes: int, slots: int,
    activity_id: int | None, template_id: int | None, now: dt.datetime,
) -> Shift:  # fmt: skip
    shift = Shift(
        post_id=post_id, template_id=template_id, activity_id=activity_id, starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=minutes), slots=slots,
        checkin_code=attempts.new_code(attempts.CHECKIN_DIGITS), created_at=now, updated_at=now,
    )  # fmt: skip
    session.add(shift)
    session.flush()
    return shift


def _check_size(minutes: int, slots: int) -> None:
    if not 10 <= minutes <= 24 * 60:
        raise ShiftError("班次时长要在 10 分钟到 24 小时之间")
    if not 1 <= slots <= 500:
        raise ShiftError("人数要在 1 到 500 之间")


def _clock(text: str) -> dt.time:
    try:
        return dt.time.fromisoformat(text.strip()[:5].rjust(5, "0"))
    except ValueError:
        raise ShiftError(f"时间“{text}”看不懂，请写成 09:00 这样") from None
