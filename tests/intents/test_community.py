"""Choosing a community: by number after "选社区", or by saying it."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session, select

from bot.app import App
from bot.models import ChannelIdentity, User
from bot.types import Incoming


def community_of(app: App, name: str) -> str | None:
    with Session(app.engine) as session:
        return session.exec(
            select(User.community_id)
            .join(ChannelIdentity)
            .where(ChannelIdentity.external_id == name)
        ).first()


def test_choose_by_number(app: App, text: Callable[..., Incoming]) -> None:
    offer = app.dispatcher.handle(text("选社区"))
    assert offer.intent == "community"
    penglai = next(o for o in offer.suggestions if o.label == "蓬莱社区")
    done = app.dispatcher.handle(text(str(penglai.number)))
    assert "蓬莱社区" in done.text
    assert community_of(app, "ann") == "penglai"


def test_say_it(app: App, text: Callable[..., Incoming]) -> None:
    assert "苏辙社区" in app.dispatcher.handle(text("我是苏辙社区的", user="bob")).text
    assert community_of(app, "bob") == "suzhe"
    said = "我屋头在苏辙社区，你记一下"  # Sichuanese 屋头 (home), and "note it"
    assert "苏辙社区" in app.dispatcher.handle(text(said, user="eve")).text
    assert community_of(app, "eve") == "suzhe"


def test_a_question_instead_is_answered(app: App, text: Callable[..., Incoming]) -> None:
    app.dispatcher.handle(text("选社区", user="cat"))
    outcome = app.dispatcher.handle(text("低保怎么申请", user="cat"))
    assert outcome.intent == "faq"
    assert community_of(app, "cat") is None


def test_choosing_in_ones_own_words(app: App, text: Callable[..., Incoming]) -> None:
    for said in ("我想换个社区", "我是哪个社区的"):
        assert app.dispatcher.handle(text(said, user="dan")).intent == "community", said
    assert "蓬莱社区" in app.dispatcher.handle(text("帮我改成蓬莱社区", user="dan")).text
    assert community_of(app, "dan") == "penglai"


def test_the_command_with_the_name_sets_it_at_once(app: App, text: Callable[..., Incoming]) -> None:
    for said, community in (("选社区 苏辙社区", "苏辙社区"), ("选社区文忠街", "文忠街社区")):
        outcome = app.dispatcher.handle(text(said))
        assert outcome.intent == "community"
        assert f"已记下您是{community}的居民" in outcome.text


def test_asking_to_be_called_is_not_a_name(app: App, text: Callable[..., Incoming]) -> None:
    assert app.dispatcher.handle(text("叫我一声")).intent != "names"
