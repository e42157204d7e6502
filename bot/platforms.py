"""What each platform can do: buttons, durable sending, private chats, edits."""

from __future__ import annotations

from bot.messages import PlatformTraits

PLATFORMS: dict[str, PlatformTraits] = {
    "console": PlatformTraits(buttons=True, durable=False, private_always_open=True),
    "telegram": PlatformTraits(buttons=True, durable=True, private_always_open=False, edits=True),
    "wechat": PlatformTraits(buttons=False, durable=True, private_always_open=True, edits=False),
}
