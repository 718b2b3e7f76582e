"""The fake's world: simulated users, chats, messages and callback queries.

These objects are both the fake server's state and the test's view of it: `SimMessage` is the
stored message the fake edits in place, `SimUser` drives updates into the server, and both read
back what the bot did. Bot API JSON is produced here by `to_api()` methods.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from dataclasses import KW_ONLY, dataclass, field
from typing import TYPE_CHECKING, Any

from tests.fakeapi.html import utf16_len

if TYPE_CHECKING:
    from tests.fakeapi.server import FakeTelegram

_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,64}(@[A-Za-z0-9_]{3,32})?(?=\s|$)")
ADMIN_RIGHTS = [
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_post_messages",
    "can_edit_messages",
    "can_pin_messages",
    "can_manage_topics",
]
PERMISSIONS = [
    "can_send_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_react_to_messages",  # PTB 22.8 refuses a ChatMemberRestricted without it
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
]


# Who Telegram says sent a message posted on behalf of a channel (its real user id).
CHANNEL_BOT = {"id": 136817688, "is_bot": True, "first_name": "Channel", "username": "Channel_Bot"}


@dataclass(eq=False)
class SimMessage:
    """One message in a chat, as stored by the fake (edited and deleted in place)."""

    message_id: int
    chat: SimChat
    sender: SimUser | None  # None: the bot
    date: int
    text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    html: str | None = None
    caption: str | None = None
    caption_entities: list[dict[str, Any]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    document: tuple[str, bytes] | None = None
    media: dict[str, Any] = field(default_factory=dict)
    reply_to: SimMessage | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    edited: int = 0
    edit_date: int | None = None
    deleted: bool = False

    @property
    def chat_id(self) -> int:
        """Return the id of the chat the message is in."""
        return self.chat.id

    @property
    def from_bot(self) -> bool:
        """Tell whether the bot sent this message."""
        return self.sender is None

    @property
    def buttons(self) -> list[list[tuple[str, str]]]:
        """Return inline keyboard rows as (label, callback_data or url or other action)."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [[(b["text"], _button_action(b)) for b in row] for row in rows]

    @property
    def button_labels(self) -> list[str]:
        """Return all inline button labels, row by row."""
        return [label for row in self.buttons for label, _ in row]

    def to_api(self, *, nested: bool = True) -> dict[str, Any]:
        """Render the message as a Bot API Message object."""
        fake = self.chat.fake
        data: dict[str, Any] = {
            "message_id": self.message_id,
            "date": self.date,
            "chat": self.chat.to_api(),
        }
        if self.sender is not None:
            data["from"] = self.sender.to_api()
        elif self.chat.type == "channel":
            data["sender_chat"] = self.chat.to_api()
        else:
            data["from"] = fake.bot_user()
        if self.text is not None:
            data["text"] = self.text
            if self.entities:
                data["entities"] = self.entities
        if self.caption:
            data["caption"] = self.caption
            if self.caption_entities:
                data["caption_entities"] = self.caption_entities
        data.update(self.media)
        data.update(self.extra)
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            data["reply_markup"] = self.reply_markup
        if self.edit_date is not None:
            data["edit_date"] = self.edit_date
        if nested and self.reply_to is not None:
            data["reply_to_message"] = self.reply_to.to_api(nested=False)
        return data

    def __repr__(self) -> str:
        who = "bot" if self.sender is None else self.sender.first_name
        body = self.text if self.text is not None else f"[{self.caption or 'media'}]"
        return f"<SimMessage #{self.message_id} in {self.chat.id} from {who}: {body!r}>"


def _button_action(button: dict[str, Any]) -> str:
    for key in ("callback_data", "url", "switch_inline_query", "switch_inline_query_current_chat"):
        if key in button:
            return str(button[key])
    return next((k for k in button if k != "text"), "")


@dataclass(eq=False)
class SimCallback:
    """A callback query a simulated user caused, with the bot's answer once it comes."""

    id: str
    user: SimUser
    message: SimMessage | None
    data: str
    created_at: float
    answered: bool = False
    text: str | None = None
    show_alert: bool = False
    url: str | None = None


@dataclass(eq=False)
class SimInlineQuery:
    """An inline query a simulated user typed, with the bot's answer once it comes."""

    id: str
    user: SimUser
    query: str
    created_at: float
    answered: bool = False
    results: list[dict[str, Any]] = field(default_factory=list)
    next_offset: str = ""


@dataclass(eq=False)
class Member:
    """A user's membership in a group, supergroup or channel."""

    status: str  # creator, administrator, member, restricted, left, kicked
    rights: dict[str, bool] = field(default_factory=dict)
    until_date: int = 0


@dataclass(eq=False)
class SimChat:
    """A chat known to the fake: private (one per user), group, supergroup or channel."""

    fake: FakeTelegram
    id: int
    type: str
    _: KW_ONLY
    title: str | None = None
    username: str | None = None
    user: SimUser | None = None
    members: dict[int, Member] = field(default_factory=dict, init=False)
    messages: list[SimMessage] = field(default_factory=list, init=False)
    bot_status: str = field(default="member", init=False)
    bot_rights: dict[str, bool] = field(default_factory=dict, init=False)
    pinned: list[int] = field(default_factory=list, init=False)
    banned_senders: set[int] = field(default_factory=set, init=False)  # channels banned here
    _next_id: int = field(default=1, init=False)
    _waiters: list[asyncio.Future[None]] = field(default_factory=list, init=False)
    _read: int = field(default=0, init=False)

    def to_api(self) -> dict[str, Any]:
        """Render the chat as a Bot API Chat object."""
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.user is not None:
            data["first_name"] = self.user.first_name
            if self.user.last_name:
                data["last_name"] = self.user.last_name
        else:
            data["title"] = self.title
        username = self.user.username if self.user is not None else self.username
        if username:
            data["username"] = username
        return data

    def add_message(self, sender: SimUser | None, **fields: Any) -> SimMessage:
        """Store a new message and wake readers waiting for one."""
        message = SimMessage(self._next_id, self, sender, int(self.fake.clock()), **fields)
        self._next_id += 1
        self.messages.append(message)
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()
        return message

    def add_forward(self, sender: SimUser | None, source: SimMessage) -> SimMessage:
        """Store a forward of ``source`` by ``sender`` (None: the bot): its content and origin."""
        author = source.sender.to_api() if source.sender else self.fake.bot_user()
        return self.add_message(
            sender,
            text=source.text,
            entities=list(source.entities),
            caption=source.caption,
            caption_entities=list(source.caption_entities),
            media=dict(source.media),
            document=source.document,
            extra={"forward_origin": {"type": "user", "sender_user": author, "date": source.date}},
        )

    def find(self, message_id: int) -> SimMessage | None:
        """Return the live (not deleted) message with this id."""
        for message in self.messages:
            if message.message_id == message_id and not message.deleted:
                return message
        return None

    @property
    def bot_messages(self) -> list[SimMessage]:
        """Return the messages the bot sent here, oldest first (deleted ones included)."""
        return [m for m in self.messages if m.from_bot]

    async def wait_bot_message(self, index: int, timeout: float) -> SimMessage:
        """Wait until the bot has sent more than `index` messages here; return that one."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.bot_messages) <= index:
            remaining = deadline - loop.time()
            if remaining <= 0:
                transcript = "\n".join(f"  {m!r}" for m in self.messages) or "  (empty)"
                raise AssertionError(
                    f"no new bot message in chat {self.id} within {timeout}s; "
                    f"transcript:\n{transcript}"
                )
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.append(waiter)
            await asyncio.wait({waiter}, timeout=remaining)
        return self.bot_messages[index]

    async def next_message(self, timeout: float = 5.0) -> SimMessage:
        """Return the next bot message here after the last one this method returned."""
        message = await self.wait_bot_message(self._read, timeout)
        self._read += 1
        return message

    def member(self, user: SimUser) -> Member:
        """Return the user's membership, `left` if unknown."""
        return self.members.get(user.id, Member("left"))

    def __repr__(self) -> str:
        return f"<SimChat {self.type} {self.id} {self.title or ''}>"


@dataclass(eq=False)
class SimUser:
    """A simulated Telegram user talking to the bot through the fake server."""

    fake: FakeTelegram
    id: int
    first_name: str
    _: KW_ONLY
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "en"
    is_premium: bool = False
    started: bool = field(default=False, init=False)
    blocked: bool = field(default=False, init=False)
    deactivated: bool = field(default=False, init=False)
    chat: SimChat = field(init=False)

    def __post_init__(self) -> None:
        self.chat = SimChat(self.fake, self.id, "private", user=self)

    def to_api(self) -> dict[str, Any]:
        """Render the user as a Bot API User object."""
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        if self.is_premium:
            data["is_premium"] = True
        return data

    # -- acting -----------------------------------------------------------------------------

    def _target(self, chat: SimChat | None) -> SimChat:
        target = chat or self.chat
        if target.type != "private" and target.member(self).status not in (
            "creator",
            "administrator",
            "member",
            "restricted",
        ):
            raise AssertionError(f"{self.first_name} is not a member of {target!r}; join first")
        if target.type == "private":
            if self.blocked:
                raise AssertionError(f"{self.first_name} blocked the bot; unblock first")
            self.started = True
        return target

    async def send(
        self, text: str, *, chat: SimChat | None = None, reply_to: SimMessage | None = None
    ) -> SimMessage:
        """Send a text message to the bot (private chat by default) as a `message` update."""
        target = self._target(chat)
        entities: list[dict[str, Any]] = []
        match = _COMMAND.match(text)
        if match:
            entities.append({"type": "bot_command", "offset": 0, "length": utf16_len(match[0])})
        return self._deliver(target, text=text, entities=entities, reply_to=reply_to)

    async def send_as(
        self,
        channel: SimChat,
        text: str,
        *,
        chat: SimChat,
        entities: list[dict[str, Any]] | None = None,
    ) -> SimMessage:
        """Post in a group on behalf of a channel the user owns (Telegram's "send as"): the
        message comes from Telegram's Channel_Bot with the channel as ``sender_chat``."""
        target = self._target(chat)
        if channel.id in target.banned_senders:
            raise AssertionError(f"{channel!r} is banned from posting in {target!r}")
        extra = {"from": CHANNEL_BOT, "sender_chat": channel.to_api()}
        return self._deliver(target, text=text, entities=entities or [], extra=extra)

    async def send_document(
        self,
        data: bytes,
        filename: str,
        *,
        caption: str | None = None,
        mime_type: str | None = None,
        chat: SimChat | None = None,
    ) -> SimMessage:
        """Send a file to the bot; the bot can fetch it through getFile and the file route."""
        target = self._target(chat)
        doc = self.fake.store_file(data, filename, mime_type, kind="documents")
        return self._deliver(
            target, caption=caption, document=(filename, data), media={"document": doc}
        )

    async def forward(self, message: SimMessage, *, chat: SimChat | None = None) -> SimMessage:
        """Forward an existing message into a chat with the bot."""
        forwarded = self._target(chat).add_forward(self, message)
        self.fake.inject_update({"message": forwarded.to_api()})
        return forwarded

    def _deliver(self, chat: SimChat, **fields: Any) -> SimMessage:
        """Store a message from this user in ``chat`` and hand it to the bot as an update."""
        message = chat.add_message(self, **fields)
        self.fake.inject_update({"message": message.to_api()})
        return message

    def _find_button(self, label: str, message: SimMessage | None) -> tuple[SimMessage, str]:
        candidates = [message] if message else reversed(self.chat.bot_messages)
        seen: list[str] = []
        for candidate in candidates:
            if candidate.deleted:
                continue
            for row in (candidate.reply_markup or {}).get("inline_keyboard", []):
                for button in row:
                    seen.append(button["text"])
                    if button["text"] == label:
                        if "callback_data" not in button:
                            raise AssertionError(f"button {label!r} has no callback_data")
                        return candidate, button["callback_data"]
        raise AssertionError(f"no inline button {label!r}; visible labels: {seen}")

    async def click(self, label: str, message: SimMessage | None = None) -> SimCallback:
        """Press the inline button with this exact label (default: newest bot message)."""
        target, data = self._find_button(label, message)
        return await self.click_data(target, data)

    async def click_data(self, message: SimMessage, data: str) -> SimCallback:
        """Send a callback query with arbitrary (possibly forged) data for a message."""
        callback = SimCallback(secrets.token_hex(8), self, message, data, self.fake.clock())
        self.fake.callbacks[callback.id] = callback
        self.fake.inject_update(
            {
                "callback_query": {
                    "id": callback.id,
                    "from": self.to_api(),
                    "message": message.to_api(),
                    "chat_instance": str(abs(hash((self.id, message.chat.id)))),
                    "data": data,
                }
            }
        )
        return callback

    async def inline_query(self, query: str, offset: str = "") -> SimInlineQuery:
        """Type an inline query `@bot query`; the answer lands in the returned object."""
        inline = SimInlineQuery(secrets.token_hex(8), self, query, self.fake.clock())
        self.fake.inline_queries[inline.id] = inline
        self.fake.inject_update(
            {
                "inline_query": {
                    "id": inline.id,
                    "from": self.to_api(),
                    "query": query,
                    "offset": offset,
                    "chat_type": "sender",
                }
            }
        )
        return inline

    def _my_chat_member(self, old: str, new: str) -> None:
        bot = self.fake.bot_user()

        def member(status: str) -> dict[str, Any]:
            data: dict[str, Any] = {"status": status, "user": bot}
            if status == "kicked":
                data["until_date"] = 0
            return data

        new_member = member(new)
        self.fake.inject_update(
            {
                "my_chat_member": {
                    "chat": self.chat.to_api(),
                    "from": self.to_api(),
                    "date": int(self.fake.clock()),
                    "old_chat_member": member(old),
                    "new_chat_member": new_member,
                }
            }
        )

    def block(self) -> None:
        """Block the bot; sends to this user now fail with 403."""
        if not self.blocked:
            self.blocked = True
            self._my_chat_member("member", "kicked")

    def unblock(self) -> None:
        """Unblock the bot."""
        if self.blocked:
            self.blocked = False
            self.started = True
            self._my_chat_member("kicked", "member")

    def deactivate(self) -> None:
        """Delete the account; sends to this user now fail with 403 `user is deactivated`."""
        self.deactivated = True

    async def join(self, chat: SimChat) -> SimMessage:
        """Join a group: a `new_chat_members` message plus a `chat_member` update."""
        old = chat.member(self).status
        chat.members[self.id] = Member("member")
        message = self._deliver(chat, extra={"new_chat_members": [self.to_api()]})
        self.fake.chat_member_changed(chat, self, old, self)
        return message

    async def leave(self, chat: SimChat) -> SimMessage:
        """Leave a group: a `left_chat_member` message plus a `chat_member` update."""
        old = chat.member(self).status
        chat.members[self.id] = Member("left")
        message = self._deliver(chat, extra={"left_chat_member": self.to_api()})
        self.fake.chat_member_changed(chat, self, old, self)
        return message

    # -- reading ----------------------------------------------------------------------------

    @property
    def inbox(self) -> list[SimMessage]:
        """Return what the bot sent to this user's private chat, oldest first."""
        return self.chat.bot_messages

    @property
    def last_message(self) -> SimMessage:
        """Return the newest message the bot sent to this user."""
        if not self.inbox:
            raise AssertionError(f"the bot sent nothing to {self.first_name}")
        return self.inbox[-1]

    async def next_message(self, timeout: float = 5.0) -> SimMessage:
        """Wait for the next bot message in the private chat after the last one returned."""
        return await self.chat.next_message(timeout)

    def __repr__(self) -> str:
        return f"<SimUser {self.id} {self.first_name}>"
