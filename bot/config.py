"""Typed settings: config.example.toml documents every field; LINLI_* environment overrides."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bot.errors import ConfigError


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GeneralSettings(_Section):
    """Where Linli keeps its data, and the district's clock."""

    home: Path | None = None  # default: the per-user data directory
    timezone: str = "Asia/Shanghai"
    log_level: str = "WARNING"
    log_format: Literal["text", "json"] = "text"  # json: one object a line, for collectors

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {value!r}") from exc
        return value


class DatabaseSettings(_Section):
    """The database; empty url = SQLite file `linli.db` in the home directory."""

    url: str = ""
    echo: bool = False
    auto_upgrade: bool = False  # bring an older schema to this version at start


class KnowledgeSettings(_Section):
    """The knowledge base and the matcher's decision thresholds."""

    load_demo: bool = True  # load the demo district on first start when the base is empty
    answer_threshold: float = Field(0.6, ge=0, le=1)
    clarify_threshold: float = Field(0.5, ge=0, le=1)
    suggestions: int = Field(3, ge=1, le=5)
    # the district's own calibration (`linli kb calibrate --write`); None: the data directory's
    # calibration.json when there is one, else the one shipped with Linli
    calibration: Path | None = None


class ConversationSettings(_Section):
    """Multi-step flows (a clarify waiting for "1"/"2"/"3", later sign-up forms)."""

    timeout_minutes: int = Field(30, ge=1)


class ActivitySettings(_Section):
    """Sign-ups, waitlist offers and reminders."""

    reminder_offsets_minutes: list[float] = [24 * 60, 120]  # remind this long before the start
    offer_window_hours: float = Field(12, gt=0)  # how long a freed seat is held for its claim
    offer_cutoff_hours: float = Field(2, ge=0)  # no waitlist offers this close to the start
    misfire_grace_minutes: float = Field(10, ge=0)  # a late reminder still goes within this
    list_limit: int = Field(8, ge=1, le=20)  # activities shown in one list


class DeliverySettings(_Section):
    """The outbox: how pushed messages (reminders, notices) are delivered."""

    interval_seconds: float = Field(1.0, gt=0)
    max_attempts: int = Field(6, ge=1)
    backoff_seconds: float = Field(30, gt=0)  # doubled after each failed attempt
    console_per_second: float = Field(50, gt=0)
    workers: int = Field(4, ge=1, le=32)  # messages in flight at once (each channel's rate holds)
    # a worker marks what its channel sends in this long 'sending' in one commit (at most 50):
    # 1 at a time on WeChat's 20/s, more on a fast channel; what a crash can leave 'unknown'
    in_flight_seconds: float = Field(0.1, ge=0)


class SchedulerSettings(_Section):
    """The one process that runs scheduled work holds a lease in the database."""

    lease_seconds: float = Field(30, gt=0)  # a standby takes over this long after a crash


class ServerSettings(_Section):
    """Where `linli serve` listens for webhooks."""

    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)
    # --workers: a worker that has not answered the supervisor's ping for this long (starting,
    # or stuck) is replaced; uvicorn's 5 s killed workers still starting on a loaded machine
    worker_ping_seconds: int = Field(60, ge=1)


class ConsoleSettings(_Section):
    """The staff web console at /admin of `linli serve`."""

    # the address staff open, as the reverse proxy publishes it: sign-in links start with it
    base_url: str = "http://127.0.0.1:8080"
    # signs the session cookie; empty = a random one kept in the data directory (set one
    # here when several machines serve the same database)
    secret: str = ""
    link_minutes: float = Field(10, gt=0, le=60)  # a sign-in link works this long, once
    idle_hours: float = Field(8, gt=0, le=72)  # a session ends after this long unused

    @field_validator("base_url")
    @classmethod
    def _web_address(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("base_url must start with http:// or https://")
        return value.rstrip("/")


_WECHAT_TOKEN = re.compile(r"[A-Za-z0-9]{3,32}")
_AES_KEY = re.compile(r"[A-Za-z0-9+/]{43}")  # base64 of 32 bytes, without the "="


class WeChatSettings(_Section):
    """The WeChat official account (公众号). Secrets belong in config.toml or LINLI_WECHAT_*."""

    enabled: bool = False
    path: str = "/wechat"
    token: str = ""
    app_id: str = ""
    app_secret: str = ""
    encoding_aes_key: str = ""
    previous_encoding_aes_key: str = ""  # still accepted while rotating keys
    api_base: str = "https://api.weixin.qq.com/cgi-bin/"
    reply_budget_seconds: float = Field(4.0, gt=0, le=4.8)  # WeChat waits 5 s for a reply
    max_body_bytes: int = Field(65536, ge=1024)
    timestamp_tolerance_seconds: int = Field(300, ge=10)
    service_window_hours: float = Field(48, gt=0)  # customer-service messages after a message
    service_quota: int = Field(5, ge=1)  # ...at most this many per window
    per_second: float = Field(20, gt=0)  # outbound API calls per second
    # template message ids by notice kind, used outside the 48-hour window, e.g.
    # {reminder = "TEMPLATE_ID"}; a kind without one is recorded as not deliverable
    templates: dict[str, str] = {}
    # CLICK menu keys → the text they stand for, e.g. {MENU_ACTIVITIES = "活动"}
    menu_keys: dict[str, str] = {}

    @model_validator(mode="after")
    def _secrets_when_enabled(self) -> WeChatSettings:
        """An enabled account needs its credentials: an empty token would let anyone sign."""
        if not self.enabled:
            return self
        if not _WECHAT_TOKEN.fullmatch(self.token):
            raise ValueError("token must be set: 3 to 32 letters or digits, as in 基本配置")
        if not self.app_id.strip() or not self.app_secret.strip():
            raise ValueError("app_id and app_secret must be set when wechat is enabled")
        for key in (self.encoding_aes_key, self.previous_encoding_aes_key):
            if key and not _AES_KEY.fullmatch(key):
                raise ValueError("an EncodingAESKey is 43 characters (letters and digits)")
        return self


class TelegramSettings(_Section):
    """The Telegram bot. The token belongs in config.toml or LINLI_TELEGRAM_TOKEN."""

    enabled: bool = False
    token: str = Field("", validate_default=True)
    mode: str = Field("webhook", pattern="^(webhook|polling)$")
    path: str = "/telegram"
    # checked on every webhook request (X-Telegram-Bot-Api-Secret-Token)
    secret_token: str = Field("", validate_default=True)
    api_base: str = ""  # empty: Telegram's own; a fake's URL in tests
    proxy: str = ""  # e.g. "http://proxy:3128" where Telegram is only reachable through one
    per_second: float = Field(25, gt=0)  # under Telegram's ~30/s overall limit
    per_chat_seconds: float = Field(1.0, ge=0)  # at most one message a second to one chat

    @field_validator("token")
    @classmethod
    def _token_when_enabled(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("enabled") and not value.strip():
            raise ValueError(
                "启用 Telegram 时必须填写机器人令牌（@BotFather 给的）；"
                "set [telegram] token or LINLI_TELEGRAM_TOKEN"
            )
        return value

    @field_validator("secret_token")
    @classmethod
    def _secret_in_webhook_mode(cls, value: str, info: ValidationInfo) -> str:
        # Without it anyone who finds the webhook URL could post updates in anyone's name.
        webhook = info.data.get("mode", "webhook") == "webhook"
        if info.data.get("enabled") and webhook and not value.strip():
            raise ValueError(
                "webhook 模式必须设置一个随机的 secret_token，否则任何人都能冒充 Telegram 发消息；"
                "set [telegram] secret_token or LINLI_TELEGRAM_SECRET_TOKEN"
            )
        return value


class AnnouncementSettings(_Section):
    """Announcements staff push to residents."""

    # the kinds of announcements residents can choose to receive ("通知设置")
    topics: dict[str, str] = {
        "general": "社区公告",
        "activity": "活动预告",
        "health": "健康服务",
        "safety": "安全提醒",
    }
    max_length: int = Field(600, ge=20, le=1000)  # characters of text in one announcement
    batch_size: int = Field(2000, ge=1)  # recipients queued per transaction


class VolunteerSettings(_Section):
    """Volunteer shifts: reminders, alerts to the coordinator, the morning digest."""

    reminder_offsets_minutes: list[float] = [24 * 60, 120]  # remind this long before the start
    unconfirmed_alert_minutes: float = Field(180, ge=0)  # still unconfirmed this close: alert
    weeks_ahead: int = Field(4, ge=1, le=26)  # recurring shifts are created this far ahead
    digest_time: str = Field("08:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")  # local time
    digest_days: int = Field(3, ge=1, le=14)  # understaffed shifts of the coming days
    checkin_early_minutes: float = Field(30, ge=0)  # check-in opens this long before the start
    stand_ins: int = Field(3, ge=0, le=10)  # stand-ins suggested to the coordinator


class OrderSettings(_Section):
    """Work orders (生活小事): the district's categories and their time limits."""

    categories: Path | None = None  # a YAML file; default: the demo district's
    remind_before_hours: float = Field(4, gt=0)  # the owner is reminded this long before a limit
    street_after_hours: float = Field(24, gt=0)  # past a limit: the 社区书记, this later the street
    autoclose_days: int = Field(7, ge=1, le=60)  # resolved, no answer this many days: closed
    reopen_days: int = Field(7, ge=0, le=60)  # "没解决" still reopens this long after closing
    duplicate_radius_m: float = Field(50, gt=0)  # two located reports this close: the same
    duplicate_place_score: int = Field(80, ge=50, le=100)  # place words this alike (rapidfuzz)
    # working days the calendar package does not know yet (a year's notice not yet in it)
    holidays: list[dt.date] = []
    workdays: list[dt.date] = []


class Open311Settings(_Section):
    """Open311 GeoReport v2 at /open311/v2/ (`linli serve`): off unless enabled, since its GET
    answers are public (descriptions and places, mobile numbers masked)."""

    enabled: bool = False
    jurisdiction_id: str = ""  # when set, a request naming another jurisdiction is refused


class ReportSettings(_Section):
    """The "四个一" reports the scheduler makes and stores on their day (the 1st and 16th for
    half-month ones, the 1st of the next month, quarter or year for the others)."""

    kinds: list[Literal["half-month", "month", "quarter", "year"]] = [
        "half-month",
        "month",
        "quarter",
        "year",
    ]  # fmt: skip  (empty: the scheduler makes none)
    hour: int = Field(7, ge=0, le=23)  # the local hour of the day they are made at
    after_days: int = Field(0, ge=0, le=27)  # made this many days after the period ends
    communities: bool = True  # one per community too, beside the district's


class StaffSettings(_Section):
    """How residents reach a person. Empty until the community publishes a real one: a
    resident is never shown an example number (a value still marked 示例 counts as empty)."""

    contact: str = ""
    hours: str = ""

    @property
    def shown_contact(self) -> str | None:
        """The contact residents may be shown, or None when there is no real one."""
        return _published(self.contact)

    @property
    def shown_hours(self) -> str | None:
        """The office hours residents may be shown, or None."""
        return _published(self.hours)


def _published(value: str) -> str | None:
    # config.example.toml once shipped placeholders marked "示例": never show those
    if "示例" in value:
        return None
    return value.strip() or None


class Settings(_Section):
    """All of Linli's settings."""

    general: GeneralSettings = GeneralSettings()
    database: DatabaseSettings = DatabaseSettings()
    knowledge: KnowledgeSettings = KnowledgeSettings()
    conversation: ConversationSettings = ConversationSettings()
    activities: ActivitySettings = ActivitySettings()
    delivery: DeliverySettings = DeliverySettings()
    scheduler: SchedulerSettings = SchedulerSettings()
    server: ServerSettings = ServerSettings()
    wechat: WeChatSettings = WeChatSettings()
    telegram: TelegramSettings = TelegramSettings()
    announcements: AnnouncementSettings = AnnouncementSettings()
    volunteers: VolunteerSettings = VolunteerSettings()
    staff: StaffSettings = StaffSettings()
    orders: OrderSettings = OrderSettings()
    open311: Open311Settings = Open311Settings()
    reports: ReportSettings = ReportSettings()
    console: ConsoleSettings = ConsoleSettings()

    @property
    def home(self) -> Path:
        """The data directory (database, caches)."""
        return self.general.home or Path(platformdirs.user_data_dir("linli", appauthor=False))

    @property
    def database_url(self) -> str:
        """The SQLAlchemy URL of the database."""
        return self.database.url or f"sqlite:///{self.home / 'linli.db'}"

    @property
    def zone(self) -> ZoneInfo:
        """The district's timezone."""
        return ZoneInfo(self.general.timezone)


# Shortcuts people expect; every other field is LINLI_<SECTION>_<FIELD>.
_SHORTCUTS = {"LINLI_HOME": ("general", "home"), "LINLI_DATABASE_URL": ("database", "url")}


def load_settings(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read settings from a TOML file (or ./config.toml) and the environment.

    Raises:
        ConfigError: the file cannot be read or a value is invalid; the message says which.
    """
    environ = os.environ if environ is None else environ
    data: dict[str, Any] = {}
    source = path if path is not None else Path("config.toml")
    if path is not None or source.exists():
        try:
            data = tomllib.loads(source.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read config file {source}: {exc}") from exc
    _apply_environment(data, environ)
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"invalid settings: {problems}") from exc


def _apply_environment(data: dict[str, Any], environ: Mapping[str, str]) -> None:
    for name, value in environ.items():
        if not name.startswith("LINLI_") or name.startswith("LINLI_TEST_"):
            continue
        target = _SHORTCUTS.get(name) or _section_field(name)
        if target is not None:
            parsed = json.loads(value) if value.strip().startswith(("[", "{")) else value
            data.setdefault(target[0], {})[target[1]] = parsed


def _section_field(name: str) -> tuple[str, str] | None:
    rest = name[len("LINLI_") :].lower()
    for section, model in Settings.model_fields.items():
        prefix = section + "_"
        annotation = model.annotation
        if rest.startswith(prefix) and isinstance(annotation, type):
            field = rest[len(prefix) :]
            if field in getattr(annotation, "model_fields", {}):
                return section, field
    return None
