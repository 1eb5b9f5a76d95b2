"""Activities and registrations: capacity that is never exceeded, a fair waitlist, offers."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from bot.activities import messages
from bot.activities.models import Activity, Phase, Registration, Seat
from bot.config import ActivitySettings
from bot.errors import UserFacingError
from bot.outbox.notifier import Notifier
from bot.people import attempts

logger = logging.getLogger(__name__)

AUDIENCES = ("老人", "儿童", "亲子", "残疾人", "青少年", "妇女", "党员", "志愿者", "全体居民")
COLLECTABLE = ("name", "phone")
HOLDS_SEAT = (Seat.CONFIRMED, Seat.OFFERED, Seat.ATTENDED)
ACTIVE = (Seat.CONFIRMED, Seat.WAITLISTED, Seat.OFFERED)


class ActivityError(UserFacingError):
    """A request about an activity that cannot be done; the message says why, kindly."""


@dataclass
class ActivityInput:
    """What staff give to create or change an activity (times are timezone-aware)."""

    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str
    capacity: int
    community_id: str | None = None
    audience: list[str] = field(default_factory=list)
    signup_deadline: dt.datetime | None = None  # default: the start
    cancel_deadline: dt.datetime | None = None  # default: 2 hours before the start
    max_party: int = 1
    collect: list[str] = field(default_factory=list)
    description: str = ""
    status: str = "published"


TITLE_MAX, PLACE_MAX = 80, 120  # the columns' lengths
CAPACITY_MAX = 10_000


def problems(data: ActivityInput, now: dt.datetime, communities: Iterable[str]) -> list[str]:
    """Everything wrong with an activity, in plain Chinese; empty when it is fine."""
    found = []
    if not data.title.strip():
        found.append("活动名称不能为空")
    if len(data.title.strip()) > TITLE_MAX:
        found.append(f"活动名称最多 {TITLE_MAX} 个字")
    if any(t.tzinfo is None for t in (data.starts_at, data.ends_at)):
        found.append("时间需要带时区")
        return found
    if data.starts_at <= now:
        found.append("开始时间已经过去了")
    if data.ends_at <= data.starts_at:
        found.append("结束时间要晚于开始时间")
    if data.capacity <= 0:
        found.append("名额要大于 0")
    elif data.capacity > CAPACITY_MAX:
        found.append(f"名额最多 {CAPACITY_MAX} 人")
    if not 1 <= data.max_party <= 10:
        found.append("每人最多可带的人数要在 1 到 10 之间")
    if not data.place.strip():
        found.append("活动地点不能为空")
    if len(data.place.strip()) > PLACE_MAX:
        found.append(f"活动地点最多 {PLACE_MAX} 个字")
    if data.community_id is not None and data.community_id not in set(communities):
        found.append(f"没有这个社区：{data.community_id}")
    unknown = [a for a in data.audience if a not in AUDIENCES]
    if unknown:
        found.append(f"不认识的对象标签：{'、'.join(unknown)}（可用：{'、'.join(AUDIENCES)}）")
    if [c for c in data.collect if c not in COLLECTABLE]:
        found.append("要收集的信息只能是姓名（name）和电话（phone）")
    if data.status not in (Phase.DRAFT, Phase.PUBLISHED):
        found.append("状态只能是 draft 或 published")
    for label, deadline in (("报名截止", data.signup_deadline), ("取消截止", data.cancel_deadline)):
        if deadline is not None and (deadline.tzinfo is None or deadline > data.starts_at):
            found.append(f"{label}时间要带时区，并且不晚于开始时间")
    return found


def create_activity(
    session: Session, data: ActivityInput, now: dt.datetime, communities: Iterable[str]
) -> Activity:
    """Create an activity after checking it; raises ActivityError listing every problem."""
    wrong = problems(data, now, communities)
    if wrong:
        raise ActivityError("；".join(wrong))
    activity = Activity(
        title=data.title.strip(),
        community_id=data.community_id,
        audience=list(data.audience),
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        place=data.place.strip(),
        capacity=data.capacity,
        signup_deadline=data.signup_deadline or data.starts_at,
        cancel_deadline=data.cancel_deadline or max(now, data.starts_at - dt.timedelta(hours=2)),
        max_party=data.max_party,
        created_at=now,
        updated_at=now,
        collect=list(data.collect),
        status=data.status,
        description=data.description.strip(),
        checkin_code=attempts.new_code(attempts.CHECKIN_DIGITS),
    )
    session.add(activity)
    session.flush()
    return activity


def locked(session: Session, activity_id: int) -> Activity:
    """The activity, locked for this transaction so sign-ups to it queue up one by one.

    On PostgreSQL a row lock (SELECT ... FOR UPDATE); on SQLite every write transaction
    already holds the database lock (BEGIN IMMEDIATE, see bot.db).
    """
    activity = session.exec(
        select(Activity).where(Activity.id == activity_id).with_for_update()
    ).first()
    if activity is None:
        raise ActivityError("没有找到这个活动，发“活动”看看最近有哪些。")
    return activity


def seats_taken(session: Session, activity_id: int) -> int:
    """Seats held by confirmed, offered and attended registrations (party sizes counted)."""
    total = session.exec(
        select(func.coalesce(func.sum(Registration.party), 0)).where(
            Registration.activity_id == activity_id, col(Registration.status).in_(HOLDS_SEAT)
        )
    ).one()
    return int(total)


def seats_left(session: Session, activity: Activity) -> int:
    """Seats a new sign-up can have now: none while anyone waits (nobody jumps the queue),
    so what residents are shown and what a sign-up gets always agree."""
    if _queue(session, activity):
        return 0
    return max(0, activity.capacity - seats_taken(session, activity.id or 0))


def party_limit(activity: Activity) -> int:
    """The largest party one sign-up may bring: the activity's limit, never beyond its seats."""
    return max(1, min(activity.max_party, activity.capacity))


def too_large(activity: Activity) -> str:
    """Why a party larger than the whole activity is refused, and what to do instead."""
    most = party_limit(activity)
    return f"这个活动一共只有 {activity.capacity} 个名额，一次最多报 {most} 位，请少报几位再试。"


def live_offers(
    session: Session, user_id: int, now: dt.datetime
) -> list[tuple[Registration, Activity]]:
    """The seats held for the user that they can still claim, soonest activity first."""
    return _with_activities(
        session, user_id, Registration.status == Seat.OFFERED,
        col(Registration.offer_expires_at) > now, Activity.status == Phase.PUBLISHED,
    )  # fmt: skip


def _with_activities(
    session: Session, user_id: int, *conditions: Any
) -> list[tuple[Registration, Activity]]:
    """The user's registrations that meet the conditions, with their activities, soonest
    activity first."""
    rows = session.exec(
        select(Registration, Activity)
        .join(Activity, col(Activity.id) == Registration.activity_id)
        .where(Registration.user_id == user_id, *conditions)
        .order_by(col(Activity.starts_at))
    ).all()
    return [(r, a) for r, a in rows]


def registration_of(session: Session, activity_id: int, user_id: int) -> Registration | None:
    """The user's registration for an activity, whatever its status."""
    return session.exec(
        select(Registration).where(
            Registration.activity_id == activity_id, Registration.user_id == user_id
        )
    ).first()


def sign_up(
    session: Session,
    activity_id: int,
    user_id: int,
    party: int,
    now: dt.datetime,
    name: str | None = None,
    phone: str | None = None,
) -> Registration:
    """Register a party: confirmed while seats last, otherwise on the waitlist in order.

    Raises:
        ActivityError: closed, cancelled, too large a party, or already registered.
    """
    activity = locked(session, activity_id)
    _check_open(activity, now)
    if party > activity.capacity:  # it could never move up, and would block those behind it
        raise ActivityError(too_large(activity))
    if not 1 <= party <= activity.max_party:
        raise ActivityError(f"这个活动每次最多报 {activity.max_party} 人。")
    existing = registration_of(session, activity_id, user_id)
    if existing is not None and existing.status in ACTIVE:
        raise ActivityError("您已经报过这个活动啦，发“我的报名”可以查看。")
    registration = existing or Registration(
        activity_id=activity_id, user_id=user_id, status="", created_at=now, updated_at=now
    )
    registration.party, registration.name, registration.phone = party, name, phone
    registration.offer_expires_at, registration.updated_at = None, now
    if party <= seats_left(session, activity):
        registration.status, registration.waitlist_seq = Seat.CONFIRMED, None
    else:
        registration.status = Seat.WAITLISTED
        registration.waitlist_seq = _next_seq(session, activity_id)
    session.add(registration)
    session.flush()
    return registration


def waitlist_position(session: Session, registration: Registration) -> int:
    """1 for the first in line."""
    ahead = session.exec(
        select(func.count()).where(
            Registration.activity_id == registration.activity_id,
            Registration.status == Seat.WAITLISTED,
            col(Registration.waitlist_seq) < (registration.waitlist_seq or 0),
        )
    ).one()
    return int(ahead) + 1


def cancel_registration(
    session: Session,
    registration: Registration,
    now: dt.datetime,
    notifier: Notifier,
    settings: ActivitySettings,
) -> None:
    """Cancel a registration before the activity's cancellation deadline; offer the seats."""
    activity = locked(session, registration.activity_id)
    if registration.status not in ACTIVE:
        raise ActivityError("这个报名已经取消过了。")
    if too_late_to_cancel(registration, activity, now):
        raise ActivityError(TOO_LATE_TO_CANCEL)
    registration.status, registration.updated_at = Seat.CANCELLED, now
    session.add(registration)
    session.flush()
    offer_freed_seats(session, activity, now, notifier, settings)


TOO_LATE_TO_CANCEL = "已经过了取消截止时间，来不了的话请发“找人工”或直接告诉社区工作人员。"


def too_late_to_cancel(registration: Registration, activity: Activity, now: dt.datetime) -> bool:
    """Whether the cancel deadline has passed for a registration holding a seat (a waitlisted
    one may always leave the line)."""
    return registration.status != Seat.WAITLISTED and now > activity.cancel_deadline


def offer_freed_seats(
    session: Session,
    activity: Activity,
    now: dt.datetime,
    notifier: Notifier,
    settings: ActivitySettings,
) -> list[Registration]:
    """Offer free seats to the waitlist in arrival order; a party moves up only when there
    are seats for all of it, and nobody jumps the queue. No offers after the cut-off."""
    cutoff = activity.starts_at - dt.timedelta(hours=settings.offer_cutoff_hours)
    if activity.status != Phase.PUBLISHED or now >= cutoff:
        return []
    window = min(dt.timedelta(hours=settings.offer_window_hours), (cutoff - now) / 2)
    free = activity.capacity - seats_taken(session, activity.id or 0)
    offered = []
    for waiting in _queue(session, activity):
        if waiting.party > free:
            break
        waiting.status, waiting.offer_expires_at, waiting.updated_at = (
            Seat.OFFERED,
            now + window,
            now,
        )
        session.add(waiting)
        free -= waiting.party
        offered.append(waiting)
        messages.waitlist_offer(notifier, session, waiting, activity)
    session.flush()
    return offered


def claim_offer(session: Session, registration: Registration, now: dt.datetime) -> None:
    """The resident takes the seat offered to them, within the claim window."""
    locked(session, registration.activity_id)
    if registration.status != Seat.OFFERED:
        raise ActivityError("这个名额已经不在了，您还在候补名单上的话，有空位会再通知您。")
    if registration.offer_expires_at is None or now > registration.offer_expires_at:
        raise ActivityError("抱歉，保留时间已过，名额让给下一位了。")
    registration.status, registration.offer_expires_at = Seat.CONFIRMED, None
    registration.updated_at = now
    session.add(registration)
    session.flush()


def expire_offers(
    session: Session, now: dt.datetime, notifier: Notifier, settings: ActivitySettings
) -> int:
    """Unclaimed offers past their window pass on to the next in line. Returns how many."""
    stale = session.exec(
        select(Registration).where(
            Registration.status == Seat.OFFERED, col(Registration.offer_expires_at) < now
        )
    ).all()
    for registration in stale:
        activity = locked(session, registration.activity_id)
        registration.status, registration.updated_at = Seat.CANCELLED, now
        session.add(registration)
        session.flush()
        offer_freed_seats(session, activity, now, notifier, settings)
    return len(stale)


def upcoming(
    session: Session,
    now: dt.datetime,
    community: str | None = None,
    audience: str | None = None,
    until: dt.datetime | None = None,
    limit: int = 8,
) -> Sequence[Activity]:
    """Published activities still to come, soonest first, for a community (and the district)."""
    statement = select(Activity).where(Activity.status == Phase.PUBLISHED, Activity.starts_at > now)
    if community is not None:
        statement = statement.where(
            or_(col(Activity.community_id) == community, col(Activity.community_id).is_(None))
        )
    if until is not None:
        statement = statement.where(Activity.starts_at < until)
    rows = session.exec(statement.order_by(col(Activity.starts_at))).all()
    if audience is not None:
        rows = [a for a in rows if audience in a.audience or "全体居民" in a.audience]
    return rows[:limit]


def my_registrations(
    session: Session, user_id: int, now: dt.datetime
) -> list[tuple[Registration, Activity]]:
    """The user's active registrations for activities still to come, soonest first."""
    return _with_activities(
        session, user_id, col(Registration.status).in_(ACTIVE), Activity.ends_at > now
    )


def _check_open(activity: Activity, now: dt.datetime) -> None:
    if activity.status == Phase.CANCELLED:
        raise ActivityError("这个活动已经取消了。")
    if activity.status != Phase.PUBLISHED:
        raise ActivityError("这个活动还没开放报名。")
    if now >= activity.signup_deadline:
        raise ActivityError("这个活动已经截止报名了。")


def _queue(session: Session, activity: Activity) -> Sequence[Registration]:
    """The waitlist in arrival order, without parties larger than the whole activity (from
    before such parties were refused, or after staff lowered the capacity): they can never
    move up and must not hold back those behind them."""
    return session.exec(
        select(Registration)
        .where(
            Registration.activity_id == activity.id,
            Registration.status == Seat.WAITLISTED,
            Registration.party <= activity.capacity,
        )
        .order_by(col(Registration.waitlist_seq))
    ).all()


def _next_seq(session: Session, activity_id: int) -> int:
    last = session.exec(
        select(func.max(Registration.waitlist_seq)).where(Registration.activity_id == activity_id)
    ).one()
    return int(last or 0) + 1


def activity(session: Session, activity_id: int) -> Activity:
    """An activity by id, or a friendly error."""
    found = session.get(Activity, activity_id)
    if found is None:
        raise ActivityError(f"没有编号为 {activity_id} 的活动。")
    return found


def registrations(
    session: Session, activity_id: int, statuses: Iterable[str] = ACTIVE
) -> Sequence[Registration]:
    """An activity's registrations with these statuses, in sign-up order."""
    return session.exec(
        select(Registration)
        .where(Registration.activity_id == activity_id, col(Registration.status).in_(statuses))
        .order_by(col(Registration.id))
    ).all()


def update_activity(
    session: Session,
    activity_id: int,
    changes: dict[str, object],
    now: dt.datetime,
    communities: Iterable[str],
    notifier: Notifier,
    settings: ActivitySettings,
) -> Activity:
    """Change an activity; the whole result is checked again, and people registered are told
    when the time or place moves. Capacity cannot drop below the seats already taken.

    Raises:
        ActivityError: unknown field, or the changed activity is not valid.
    """
    current = locked(session, activity_id)
    if current.status == Phase.CANCELLED:
        raise ActivityError("这个活动已经取消了，不能再修改。")
    fields = ActivityInput.__dataclass_fields__
    unknown = [name for name in changes if name not in fields]
    if unknown:
        raise ActivityError(f"不能修改的字段：{'、'.join(unknown)}")
    merged = ActivityInput(**{name: getattr(current, name) for name in fields})
    for name, value in changes.items():
        setattr(merged, name, value)
    wrong = problems(merged, now, communities)
    taken = seats_taken(session, activity_id)
    if merged.capacity < taken:
        wrong.append(f"名额不能少于已经报名的 {taken} 人")
    if wrong:
        raise ActivityError("；".join(wrong))
    moved = (merged.starts_at, merged.ends_at, merged.place) != (
        current.starts_at, current.ends_at, current.place,
    )  # fmt: skip
    for name in fields:
        setattr(current, name, getattr(merged, name))
    current.updated_at = now
    session.add(current)
    session.flush()
    if moved:
        for registration in registrations(session, activity_id):
            messages.activity_moved(notifier, session, registration, current)
    if merged.capacity > taken:
        offer_freed_seats(session, current, now, notifier, settings)
    return current


def cancel_activity(
    session: Session, activity_id: int, now: dt.datetime, notifier: Notifier
) -> int:
    """Cancel an activity and tell everyone registered or waiting. Returns how many."""
    current = locked(session, activity_id)
    if current.status == Phase.CANCELLED:
        raise ActivityError("这个活动已经取消过了。")
    current.status, current.updated_at = Phase.CANCELLED, now
    session.add(current)
    told = 0
    for registration in registrations(session, activity_id):
        registration.status, registration.updated_at = Seat.CANCELLED, now
        session.add(registration)
        told += messages.activity_cancelled(notifier, session, registration, current)
    session.flush()
    return told


def check_in(session: Session, user_id: int, code: str, now: dt.datetime) -> Activity:
    """A resident checks in with the code shown at the activity (from an hour before the start
    until its end). Wrong codes count against the resident (`attempts.CHECKIN`); only the
    activities they signed up for that are checking in now are compared with the code.

    Raises:
        ActivityError: locked out, nothing of theirs checking in now, a wrong code, already
            checked in, or a registration that is not (or no longer) confirmed.
    """
    sender, who = str(user_id), f"user {user_id}"
    until = attempts.CHECKIN.locked_until(session, sender, who, now)
    if until is not None:
        minutes = attempts.minutes_left(until, now)
        raise ActivityError(attempts.CHECKIN_PAUSED.format(minutes=minutes))
    checking_in = _checking_in(session, user_id, now)
    match = [(r, a) for r, a in checking_in if a.checkin_code == code.strip()]
    if not match:
        theirs = checking_in_with(session, code, now)
        if theirs is not None:  # a right code, but not for an activity they signed up for
            raise ActivityError(
                f"您没有报名【{theirs.title}】，签到要先报名。想参加的话，请找现场工作人员登记。"
            )
        if not checking_in:
            raise ActivityError(_nothing_to_check_in(session, user_id, now))
        attempts.CHECKIN.failed(session, sender, who, now)
        raise ActivityError("签到码不对，请看清现场的签到码再发一次，或者问问现场的工作人员。")
    registration, found = match[0]
    if registration.status != Seat.CONFIRMED:
        unconfirmed = _NOT_CONFIRMED.get(registration.status, _NOT_CONFIRMED["other"])
        raise ActivityError(unconfirmed.format(found.title))
    registration.status, registration.updated_at = Seat.ATTENDED, now
    session.add(registration)
    session.flush()
    return found


CHECKIN_OPENS = dt.timedelta(hours=1)  # before the start
_NOT_CONFIRMED = {
    Seat.ATTENDED: "您已经签到过了，欢迎参加【{}】😊",
    Seat.WAITLISTED: "您还在【{}】的候补名单上，报名还没确认，请找现场工作人员。",
    Seat.OFFERED: "【{}】给您留的名额还没确认，请找现场工作人员。",
    Seat.CANCELLED: "您【{}】的报名已经取消了，想参加请找现场工作人员。",
    "other": "您【{}】的报名现在不能签到，请找现场工作人员。",
}


def checking_in_with(session: Session, code: str, now: dt.datetime) -> Activity | None:
    """The published activity checking in now whose code this is, if any."""
    return session.exec(
        select(Activity).where(Activity.checkin_code == code.strip(), *_checking_in_now(now))
    ).first()


def registered_for(session: Session, user_id: int, activity_id: int) -> bool:
    """Whether the user holds an active registration (or has checked in) for the activity."""
    mine = registration_of(session, activity_id, user_id)
    return mine is not None and mine.status in (*ACTIVE, Seat.ATTENDED)


def _checking_in(
    session: Session, user_id: int, now: dt.datetime
) -> list[tuple[Registration, Activity]]:
    """The user's registrations (any status) for published activities checking in now."""
    return _with_activities(session, user_id, *_checking_in_now(now))


def _checking_in_now(now: dt.datetime) -> tuple[Any, ...]:
    """The conditions on Activity: published, from an hour before the start to its end."""
    return (
        Activity.status == Phase.PUBLISHED,
        Activity.starts_at <= now + CHECKIN_OPENS,
        Activity.ends_at >= now,
    )


def _nothing_to_check_in(session: Session, user_id: int, now: dt.datetime) -> str:
    if my_registrations(session, user_id, now):
        return "还没到签到时间：活动开始前 1 小时到结束之间才能签到。"
    return "现在没有您报名的活动在签到。签到要先报名，没报名的话请找现场工作人员。"


def record_attendance(
    session: Session,
    activity_id: int,
    attended_user_ids: Iterable[int],
    now: dt.datetime,
    notifier: Notifier,
) -> tuple[int, int]:
    """Staff close an activity: these users attended, every other confirmed one is a no-show.
    Attendees are asked for a rating. Returns (attended, no-shows)."""
    present = set(attended_user_ids)
    attended = no_show = 0
    current = activity(session, activity_id)
    for registration in registrations(session, activity_id, (Seat.CONFIRMED, Seat.ATTENDED)):
        if registration.user_id in present or registration.status == Seat.ATTENDED:
            registration.status = Seat.ATTENDED
            attended += 1
            messages.rating_request(notifier, session, registration, current)
        else:
            registration.status = Seat.NO_SHOW
            no_show += 1
        registration.updated_at = now
        session.add(registration)
    session.flush()
    return attended, no_show


def rate(session: Session, registration: Registration, stars: int, comment: str | None) -> None:
    """An attendee's 1-5 rating and optional comment."""
    if registration.status != Seat.ATTENDED:
        raise ActivityError("参加过的活动才能打分哦。")
    if not 1 <= stars <= 5:
        raise ActivityError("请回复 1 到 5 的数字打分。")
    registration.rating, registration.comment = stars, (comment or None)
    session.add(registration)
    session.flush()


def close_finished(session: Session, now: dt.datetime, notifier: Notifier) -> int:
    """Activities over for an hour are closed: when residents checked in with the code, the
    others confirmed are recorded as no-shows and attendees are asked for a rating. Returns
    how many activities were closed."""
    ended = session.exec(
        select(Activity).where(
            Activity.status == Phase.PUBLISHED, Activity.ends_at < now - dt.timedelta(hours=1)
        )
    ).all()
    for found in ended:
        came = [r.user_id for r in registrations(session, found.id or 0, (Seat.ATTENDED,))]
        if came:
            record_attendance(session, found.id or 0, came, now, notifier)
        found.status, found.updated_at = "finished", now
        session.add(found)
    session.flush()
    return len(ended)


def move_registrations(session: Session, old_user: int, target: int) -> None:
    """When two accounts are linked, the old account's registrations move to the target,
    except for activities the target is already registered for."""
    for registration in session.exec(select(Registration).where(Registration.user_id == old_user)):
        taken = session.exec(
            select(Registration.id).where(
                Registration.user_id == target, Registration.activity_id == registration.activity_id
            )
        ).first()
        if taken is None:
            registration.user_id = target
            session.add(registration)
