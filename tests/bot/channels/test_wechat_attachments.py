"""What WeChat image and location messages carry into an Incoming: an image's MediaId and
PicUrl (references: nothing is downloaded), a location's point and label; a point that is no
point (not numbers, off the globe) carries nothing."""

from __future__ import annotations

import pytest

from bot.channels.wechat import Envelope, WeChatWebhook
from bot.config import WeChatSettings
from bot.types import Attachment


def incoming(**fields: str):  # type: ignore[no-untyped-def]
    webhook = WeChatWebhook(WeChatSettings(token="tok"), clock=lambda: 0.0)
    envelope = Envelope({"FromUserName": "o-ann", "CreateTime": "1", **fields}, False, "1",
                        "n", "d", None)  # fmt: skip
    return webhook.incoming(envelope)


def test_an_image_keeps_its_references() -> None:
    got = incoming(MsgType="image", MediaId="m-1", PicUrl="https://mmbiz.qpic.cn/a/0", MsgId="9")
    assert got.kind == "image"
    assert got.attachment == Attachment(media_id="m-1", url="https://mmbiz.qpic.cn/a/0")


def test_a_location_keeps_its_point_and_label() -> None:
    got = incoming(MsgType="location", Location_X="30.0421", Location_Y="103.8312",
                   Label="东坡大道12号", MsgId="10")  # fmt: skip
    assert got.text == "东坡大道12号"
    assert got.attachment == Attachment(latitude=30.0421, longitude=103.8312, label="东坡大道12号")


@pytest.mark.parametrize(("x", "y"), [("abc", "103"), ("95", "103"), ("30", "190"), ("", "")])
def test_a_point_that_is_no_point_carries_nothing(x: str, y: str) -> None:
    got = incoming(MsgType="location", Location_X=x, Location_Y=y, Label="某处", MsgId="11")
    assert got.attachment is None


def test_text_has_no_attachment() -> None:
    assert incoming(MsgType="text", Content="你好", MsgId="12").attachment is None
