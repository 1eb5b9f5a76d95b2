"""The dispatcher: once per message id, one error boundary, flows that never trap."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable

import pytest
from sqlmodel import Session, func, select

from bot.app import App
from bot.dispatcher import APOLOGY, Dispatcher
from bot.intent import Context
from bot.kb.models import UnansweredQuestion
from bot.models import Conversation, User
from bot.types import Incoming, Outcome, Reply
from intents.faq import FaqIntent
from knowledge.matcher import Matcher
from tests.conftest import Clock

Text = Callable[..., Incoming]


def count(app: App, model: type, **where: object) -> int:
    with Session(app.engine) as session:
        statement = select(func.count()).select_from(model)
        for name, value in where.items():
            statement = statement.where(getattr(model, name) == value)
        return int(session.exec(statement).one())


def test_answers_a_question(app: App, text: Text) -> None:
    outcome = app.dispatcher.handle(text("东坡大道名字怎么来的"))
    assert outcome.intent == "faq"
    assert outcome.answer_id is not None
    assert "东坡" in outcome.text


def test_the_same_message_id_is_handled_once(app: App, text: Text) -> None:
    message = text("菜市场几点关门", msg_id="m-1")
    first = app.dispatcher.handle(message)
    second = app.dispatcher.handle(message)
    assert first == second
    assert first.intent == "fallback"
    assert (first.replayed, second.replayed) == (False, True)  # a channel must not resend it
    assert count(app, UnansweredQuestion) == 1


def test_concurrent_redeliveries_do_the_work_once(app: App, text: Text) -> None:
    message = text("菜市场几点关门", user="bob", msg_id="storm-1")
    outcomes: list[Outcome] = []

    def deliver() -> None:
        outcomes.append(app.dispatcher.handle(message))

    threads = [threading.Thread(target=deliver) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 6
    assert all(o == outcomes[0] for o in outcomes)
    assert [o.replayed for o in outcomes].count(False) == 1  # only one is sent
    assert count(app, UnansweredQuestion) == 1
    assert count(app, User) == 1


class Exploding:
    """An intent that writes something and then fails."""

    name = "exploding"
    flows: tuple[str, ...] = ()

    def handle(self, ctx: Context) -> Outcome | None:
        ctx.session.add(
            UnansweredQuestion(
                user_id=ctx.user_id, channel="x", kind="x", text="x", created_at=ctx.now
            )
        )
        ctx.session.flush()
        raise RuntimeError("boom")

    def resume(self, ctx: Context, conversation: Conversation) -> Outcome | None:
        return None


def test_a_failing_intent_gets_an_apology_and_its_writes_are_undone(
    app: App, text: Text, caplog: pytest.LogCaptureFixture
) -> None:
    dispatcher = Dispatcher(app.engine, [Exploding()], app.dispatcher.clock)
    outcome = dispatcher.handle(text("你好", msg_id="e-1"))
    assert outcome.intent == "error"
    assert outcome.replies == (Reply(APOLOGY),)
    assert "boom" not in outcome.text
    assert count(app, UnansweredQuestion) == 0
    assert "intent exploding failed" in caplog.text
    assert "RuntimeError: boom" in caplog.text  # the traceback is logged, not shown


def clarify_then(app: App, text: Text, reply: str) -> Outcome:
    """Ask something vague enough to get suggestions, then send `reply`."""
    first = app.dispatcher.handle(text("社区"))
    assert first.intent == "clarify", first
    return app.dispatcher.handle(text(reply))


def test_clarify_offers_numbered_choices_and_a_number_picks_one(app: App, text: Text) -> None:
    first = app.dispatcher.handle(text("社区"))
    assert first.intent == "clarify"
    assert [o.number for o in first.suggestions] == list(range(1, len(first.suggestions) + 1))
    assert "1." in first.text
    second = app.dispatcher.handle(text("2"))
    assert second.intent == "faq"
    assert second.answer_id == first.suggestions[1].value
    assert count(app, Conversation) == 0


def test_clarify_choice_by_chinese_ordinal(app: App, text: Text) -> None:
    first = app.dispatcher.handle(text("社区"))
    second = app.dispatcher.handle(text("第一个"))
    assert second.answer_id == first.suggestions[0].value


@pytest.fixture
def one_suggestion(demo_matcher: Matcher, monkeypatch: pytest.MonkeyPatch) -> None:
    """A district that offers one suggestion per clarify (`[knowledge] suggestions = 1`)."""
    one = dataclasses.replace(demo_matcher.thresholds, suggestions=1)
    monkeypatch.setattr(demo_matcher, "thresholds", one)


@pytest.mark.usefixtures("one_suggestion")
@pytest.mark.parametrize("yes", ["是", "对", "好", "是的", "1"])
def test_a_clarify_with_one_choice_asks_yes_or_no(app: App, text: Text, yes: str) -> None:
    first = app.dispatcher.handle(text("社区"))
    assert first.intent == "clarify"
    (only,) = first.suggestions
    assert "下面哪一个" not in first.text
    assert "回复数字" not in first.text
    assert f"您是想问“{only.label}”吗" in first.text
    assert "是" in first.text
    second = app.dispatcher.handle(text(yes))
    assert (second.intent, second.answer_id) == ("faq", only.value)
    assert count(app, Conversation) == 0


@pytest.mark.usefixtures("one_suggestion")
def test_a_no_to_a_one_choice_clarify_asks_again(app: App, text: Text) -> None:
    app.dispatcher.handle(text("社区"))
    second = app.dispatcher.handle(text("不是"))
    assert second.answer_id is None
    assert count(app, Conversation) == 0


def test_a_new_question_is_never_trapped_by_a_pending_clarify(app: App, text: Text) -> None:
    outcome = clarify_then(app, text, "找人工")
    assert outcome.intent == "handoff"
    outcome = clarify_then(app, text, "低保怎么申请")
    assert outcome.intent == "faq"
    assert outcome.answer_id is not None
    assert "低保" in outcome.text


def test_a_pending_clarify_expires(app: App, text: Text, clock: Clock) -> None:
    app.dispatcher.handle(text("社区"))
    clock.advance(minutes=31)
    outcome = app.dispatcher.handle(text("1"))
    assert outcome.intent != "faq"
    assert count(app, Conversation) == 0


def test_users_are_kept_apart(app: App, text: Text) -> None:
    app.dispatcher.handle(text("社区", user="ann"))
    outcome = app.dispatcher.handle(text("1", user="bob"))
    assert outcome.intent != "faq"  # bob has nothing pending


def test_very_long_text_is_cut_not_refused(app: App, text: Text) -> None:
    outcome = app.dispatcher.handle(text("低保怎么申请" * 2000))
    assert outcome.intent in {"faq", "clarify", "fallback"}


def test_faq_is_last_and_claims_everything(app: App) -> None:
    assert isinstance(app.dispatcher.intents[-1], FaqIntent)


def test_two_intents_may_not_own_one_flow(app: App) -> None:
    """The registry is refused at start rather than one intent silently taking the other's
    replies."""

    class Owner:
        flows: tuple[str, ...] = ("form",)
        staff_examples: tuple[str, ...] = ()

        def __init__(self, name: str):
            self.name = name

        def handle(self, ctx: Context) -> Outcome | None:
            return None

        def resume(self, ctx: Context, conversation: Conversation) -> Outcome | None:
            return None

    with pytest.raises(ValueError, match="'form' claimed by first and second"):
        Dispatcher(app.engine, [Owner("first"), Owner("second")], app.dispatcher.clock)


def test_a_command_in_other_words_is_handled_as_the_command(app: App, text: Text) -> None:
    # the example phrases (knowledge/data/intent_examples.yaml) read "我报的问题..." as "我的反映"
    outcome = app.dispatcher.handle(text("我报的问题现在到哪一步了"))
    assert outcome.intent == "orders"
    assert "您还没有反映过问题" in outcome.replies[0].text
    assert count(app, UnansweredQuestion) == 0  # the fallback's note for staff went with it


def test_what_no_command_says_still_gets_the_honest_fallback(app: App, text: Text) -> None:
    outcome = app.dispatcher.handle(text("明天股市会涨吗"))
    assert outcome.intent == "fallback"


def test_a_rephrased_command_that_goes_nowhere_keeps_the_fallback(app: App, text: Text) -> None:
    dispatcher = Dispatcher(app.engine, app.dispatcher.intents, app.dispatcher.clock,
                            rephrase=lambda _: "一句谁也不认的话")  # fmt: skip
    outcome = dispatcher.handle(text("区里的篮球场几点关门呀"))
    assert outcome.intent == "fallback"
    assert count(app, UnansweredQuestion) == 1  # logged once, for the words as typed
