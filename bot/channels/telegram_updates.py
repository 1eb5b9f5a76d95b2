"""What a Telegram update is and whom it is for: reading an untrusted webhook body, and telling
whether a group message is addressed to the bot."""

from __future__ import annotations

from typing import Any

from telegram import Bot, Message, MessageEntity, Update

_ADDRESSING: list[str | None] = [MessageEntity.MENTION, MessageEntity.BOT_COMMAND]


def read_update(data: dict[str, Any], bot: Bot) -> Update:
    """The update in a webhook body.

    Raises:
        ValueError: PTB cannot read it (whatever it raises: the body is untrusted input, and
            a deeply nested one ends in RecursionError) or its update_id is not Telegram's.
    """
    try:
        update = Update.de_json(data, bot)
    except Exception as exc:
        raise ValueError(f"not a Telegram update ({exc.__class__.__name__})") from exc
    update_id = update.update_id if update is not None else None
    if type(update_id) is not int or not 0 <= update_id < 2**63:
        raise ValueError("not a Telegram update (update_id)")
    return update


def addressed_to(message: Message, bot: Bot) -> bool:
    """Whether a group message is for the bot: a reply to one of its messages, an @mention of
    it, or a command that names no other bot (`/help`, `/help@ours`, not `/help@theirs`)."""
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot.id:
        return True
    me = bot.username.lower()
    for entity, said in message.parse_entities(_ADDRESSING).items():
        if entity.type == MessageEntity.MENTION and said.lower() == f"@{me}":
            return True
        if entity.type == MessageEntity.BOT_COMMAND and entity.offset == 0:
            _, at, name = said.lower().partition("@")
            if not at or name == me:
                return True
    return False


def go_private(bot: Bot) -> str:
    """What the bot says in a group instead of anything personal."""
    return (
        "为了保护您的个人信息，报名、查询、绑定这些事请私聊我办理 🙏\n"
        f"点这里开始：https://t.me/{bot.username}"
    )
