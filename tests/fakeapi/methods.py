"""The Bot API methods the fake implements, with Telegram's checks and error wording.

Each method takes the server and the request's `Params` and returns the `result` value or raises
`ApiError`. Shared checks (chat access, text formatting, reply markup, flood control) come first.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from tests.fakeapi.html import EntityParseError, parse_html, trim
from tests.fakeapi.server import (
    CALLBACK_DEADLINE,
    ApiError,
    FakeTelegram,
    Params,
    bad_request,
    forbidden,
)
from tests.fakeapi.world import (
    ADMIN_RIGHTS,
    PERMISSIONS,
    Member,
    SimCallback,
    SimChat,
    SimInlineQuery,
    SimMessage,
)

Method = Callable[[FakeTelegram, Params], Awaitable[Any]]
METHODS: dict[str, Method] = {}
BUTTON_ACTIONS = [
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
]
CHAT_ACTIONS = [
    "typing",
    "upload_photo",
    "record_video",
    "upload_video",
    "record_voice",
    "upload_voice",
    "upload_document",
    "choose_sticker",
    "find_location",
    "record_video_note",
    "upload_video_note",
]
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")


def method(fn: Method) -> Method:
    """Register a Bot API method under its lower-cased name."""
    METHODS[fn.__name__.strip("_").replace("_", "").lower()] = fn
    return fn


# -- shared checks -------------------------------------------------------------------------------


def find_chat(fake: FakeTelegram, p: Params, key: str = "chat_id") -> SimChat:
    """Resolve a chat id or @username, or raise `chat not found`."""
    raw = p.text(key)
    if not raw:
        raise bad_request(f"{key} is empty")
    if raw.startswith("@"):
        for chat in fake.chats.values():
            if chat.username and chat.username.lower() == raw[1:].lower():
                return chat
        raise bad_request("chat not found")
    try:
        chat_id = int(raw)
    except ValueError:
        raise bad_request("chat not found") from None
    found = fake.chats.get(chat_id)
    if found is None:
        raise bad_request("chat not found")
    return found


def check_access(chat: SimChat, *, posting: bool = True) -> None:
    """Raise the 403 Telegram gives when the bot cannot reach this chat."""
    user = chat.user
    if user is not None:
        if user.deactivated:
            raise forbidden("user is deactivated")
        if user.blocked:
            raise forbidden("bot was blocked by the user")
        if not user.started:
            raise forbidden("bot can't initiate conversation with a user")
        return
    kind = "group" if chat.type == "group" else chat.type
    if chat.bot_status == "kicked":
        raise forbidden(f"bot was kicked from the {kind} chat")
    if chat.bot_status == "left":
        raise forbidden(f"bot is not a member of the {kind} chat")
    if posting and chat.type == "channel" and not chat.bot_rights.get("can_post_messages"):
        raise bad_request("need administrator rights in the channel chat")


def check_flood(fake: FakeTelegram, p: Params, chat: SimChat, *, edit: bool = False) -> None:
    """Apply flood control to an outgoing message when it is switched on."""
    if fake.flood_control and not p.flag("allow_paid_broadcast"):
        fake.flood.check(chat.id, group=chat.type != "private", count_global=not edit)


def format_text(
    fake: FakeTelegram, p: Params, key: str, *, caption: bool = False
) -> tuple[str, list[dict[str, Any]]]:
    """Parse text or caption with parse_mode/entities, trim, and check the limits."""
    raw = p.text(key)
    if not caption and not raw:
        raise bad_request("message text is empty")
    if not caption and len(raw.encode("utf-8", "surrogatepass")) > 32768:
        raise bad_request("text is too long")
    mode = p.text("parse_mode").lower()
    entities_key = "caption_entities" if caption else "entities"
    entities: list[dict[str, Any]] = []
    if mode == "html":
        try:
            text, entities = parse_html(raw)
        except EntityParseError as error:
            raise bad_request(f"can't parse entities: {error}") from None
    elif mode in ("markdown", "markdownv2"):
        fake.violation(f"parse_mode {mode!r} is not implemented by the fake")
        raise bad_request(f"fake does not implement parse_mode {p.text('parse_mode')}")
    elif mode:
        raise bad_request("unsupported parse_mode")
    else:
        text = raw
        entities = p.json(entities_key, "can't parse entities JSON object") or []
    text, entities = trim(text, entities)
    if not caption and not text:
        raise bad_request("text must be non-empty")
    if caption and len(text) > 1024:
        raise bad_request("message caption is too long")
    if not caption and len(text) > 4096:
        raise bad_request("message is too long")
    return text, entities


def parse_markup(p: Params) -> dict[str, Any] | None:
    """Validate reply_markup like the server and Telegram; return it decoded."""
    if not p.text("reply_markup"):
        return None
    markup = p.json("reply_markup", "can't parse reply keyboard markup JSON object")
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        return markup
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('Field "inline_keyboard" of the InlineKeyboardMarkup must be an Array')
    if sum(len(row) for row in rows) > 100 or any(len(row) > 8 for row in rows):
        raise bad_request("reply markup is too long")
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise bad_request(
                    'can\'t parse inline keyboard button: Field "text" must be of type String'
                )
            if not any(action in button for action in BUTTON_ACTIONS):
                raise bad_request(
                    "can't parse inline keyboard button: "
                    "Text buttons are unallowed in the inline keyboard"
                )
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode("utf-8")) <= 64:
                raise bad_request("BUTTON_DATA_INVALID")
    return markup


def reply_target(chat: SimChat, p: Params) -> SimMessage | None:
    """Resolve reply_parameters / reply_to_message_id, or raise `message to be replied…`."""
    params = p.json("reply_parameters") or {}
    reply_id = int(params.get("message_id", 0)) or p.integer("reply_to_message_id")
    if not reply_id:
        return None
    target = chat.find(reply_id)
    allow = params.get("allow_sending_without_reply") or p.flag("allow_sending_without_reply")
    if target is None and not allow:
        raise bad_request("message to be replied not found")
    return target


def find_message(chat: SimChat, p: Params, what: str) -> SimMessage:
    """Return the addressed live message or raise `message to <what> not found`."""
    message = chat.find(p.integer("message_id"))
    if message is None:
        raise bad_request(f"message to {what} not found")
    return message


def input_file(fake: FakeTelegram, p: Params, key: str, kind: str) -> dict[str, Any]:
    """Store an uploaded file, or resolve a file_id; return the file object."""
    upload = p.files.get(key)
    ref = p.text(key)
    if upload is None and ref.startswith("attach://"):
        upload = p.files.get(ref[9:])
    if upload is not None:
        return fake.store_file(upload.data, upload.filename, upload.mime_type, kind=kind)
    stored = fake.files.get(ref)
    if stored is None:
        if ref.startswith(("http://", "https://")):
            raise bad_request("failed to get HTTP URL content")
        raise bad_request("wrong file identifier/HTTP URL specified")
    doc: dict[str, Any] = {"file_id": stored.file_id, "file_unique_id": stored.unique_id}
    doc["file_size"] = len(stored.data)
    return doc


def sent(message: SimMessage) -> dict[str, Any]:
    """Return the Message result of a send."""
    return message.to_api()


# -- identity, updates ------------------------------------------------------------------


@method
async def get_me(fake: FakeTelegram, p: Params) -> Any:
    """Return the bot's User with its capabilities."""
    return {
        **fake.bot_user(),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": True,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


@method
async def get_updates(fake: FakeTelegram, p: Params) -> Any:
    """Serve long polling."""
    return await fake.get_updates(p)


@method
async def log_out(fake: FakeTelegram, p: Params) -> Any:
    """Pretend to log out from the cloud Bot API server."""
    return True


@method
async def close(fake: FakeTelegram, p: Params) -> Any:
    """Pretend to close the bot instance."""
    return True


# -- sending -------------------------------------------------------------------------------------


@method
async def send_message(fake: FakeTelegram, p: Params) -> Any:
    """Send a text message."""
    chat = find_chat(fake, p)
    check_access(chat)
    text, entities = format_text(fake, p, "text")
    markup = parse_markup(p)
    _webhook_check(chat.type, markup)
    reply_to = reply_target(chat, p)
    check_flood(fake, p, chat)
    html = p.text("text")
    message = chat.add_message(
        None, text=text, entities=entities, html=html, reply_markup=markup, reply_to=reply_to
    )
    return sent(message)


async def _send_media(fake: FakeTelegram, p: Params, key: str) -> SimMessage:
    chat = find_chat(fake, p)
    check_access(chat)
    caption, caption_entities = format_text(fake, p, "caption", caption=True)
    markup = parse_markup(p)
    reply_to = reply_target(chat, p)
    check_flood(fake, p, chat)
    if key == "photo":
        stored = input_file(fake, p, key, "photos")
        _check_photo(fake.files[stored["file_id"]].data)
        size = {k: stored[k] for k in ("file_id", "file_unique_id", "file_size")}
        media: dict[str, Any] = {"photo": [{**size, "width": 320, "height": 240}]}
        document = None
    else:
        stored = input_file(fake, p, key, "documents")
        media = {"document": stored}
        data = fake.files[stored["file_id"]].data
        document = (stored.get("file_name", ""), data)
    return chat.add_message(
        None,
        caption=caption,
        caption_entities=caption_entities,
        html=p.text("caption") or None,
        reply_markup=markup,
        reply_to=reply_to,
        media=media,
        document=document,
    )


@method
async def send_document(fake: FakeTelegram, p: Params) -> Any:
    """Send a document (multipart upload or file_id)."""
    return sent(await _send_media(fake, p, "document"))


@method
async def send_photo(fake: FakeTelegram, p: Params) -> Any:
    """Send a photo (multipart upload or file_id)."""
    return sent(await _send_media(fake, p, "photo"))


def _check_photo(data: bytes) -> None:
    """Refuse a photo the real server refuses: over 10 MB, or a PNG of impossible shape."""
    if len(data) > 10 * 1024 * 1024:
        raise bad_request("PHOTO_INVALID_DIMENSIONS")
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        width = int.from_bytes(data[16:20], "big")
        height = int.from_bytes(data[20:24], "big")
        if width + height > 10_000 or max(width, height) > 20 * max(min(width, height), 1):
            raise bad_request("PHOTO_INVALID_DIMENSIONS")


@method
async def send_media_group(fake: FakeTelegram, p: Params) -> Any:
    """Send an album of 2-10 photos or documents; each becomes a message of one group."""
    chat = find_chat(fake, p)
    check_access(chat)
    items = p.json("media", "can't parse media JSON object")
    if not isinstance(items, list) or not 2 <= len(items) <= 10:
        raise bad_request("wrong number of media in the album: 2-10 are allowed")
    kinds = {item.get("type") for item in items if isinstance(item, dict)}
    if len(kinds) != 1 or not kinds <= {"photo", "document"}:
        raise bad_request("photos and documents can't be mixed with other media in an album")
    reply_to = reply_target(chat, p)
    check_flood(fake, p, chat)
    group_id = str(10_000_000 + len(fake.files))
    sent_messages = []
    for item in items:
        kind = str(item["type"])
        caption, entities = format_text(
            fake,
            Params(
                {
                    "caption": str(item.get("caption", "")),
                    "parse_mode": str(item.get("parse_mode", "")),
                },
                {},
            ),
            "caption",
            caption=True,
        )
        stored = input_file(
            fake, Params({kind: str(item.get("media", ""))}, p.files), kind, kind + "s"
        )
        data = fake.files[stored["file_id"]].data
        if kind == "photo":
            _check_photo(data)
            size = {k: stored[k] for k in ("file_id", "file_unique_id", "file_size")}
            media: dict[str, Any] = {"photo": [{**size, "width": 320, "height": 240}]}
            document = None
        else:
            media = {"document": stored}
            document = (stored.get("file_name", ""), data)
        message = chat.add_message(
            None,
            caption=caption,
            caption_entities=entities,
            html=str(item.get("caption", "")) or None,
            reply_to=reply_to,
            media=media,
            document=document,
            extra={"media_group_id": group_id},
        )
        sent_messages.append(sent(message))
    return sent_messages


def _source_message(fake: FakeTelegram, p: Params, what: str) -> SimMessage:
    source_chat = find_chat(fake, p, "from_chat_id")
    return find_message(source_chat, p, what)


@method
async def forward_message(fake: FakeTelegram, p: Params) -> Any:
    """Forward a message, keeping its origin."""
    chat = find_chat(fake, p)
    check_access(chat)
    source = _source_message(fake, p, "forward")
    check_flood(fake, p, chat)
    return sent(chat.add_forward(None, source))


@method
async def copy_message(fake: FakeTelegram, p: Params) -> Any:
    """Copy a message without a link to the original; return its MessageId."""
    chat = find_chat(fake, p)
    check_access(chat)
    source = _source_message(fake, p, "copy")
    caption, caption_entities = source.caption, list(source.caption_entities)
    if "caption" in p:
        caption, caption_entities = format_text(fake, p, "caption", caption=True)
    markup = parse_markup(p)
    reply_to = reply_target(chat, p)
    check_flood(fake, p, chat)
    message = chat.add_message(
        None,
        text=source.text,
        entities=list(source.entities),
        html=source.html,
        caption=caption,
        caption_entities=caption_entities,
        media=dict(source.media),
        document=source.document,
        reply_markup=markup,
        reply_to=reply_to,
    )
    return {"message_id": message.message_id}


@method
async def send_chat_action(fake: FakeTelegram, p: Params) -> Any:
    """Accept a chat action for a reachable chat."""
    chat = find_chat(fake, p)
    check_access(chat)
    if p.text("action") not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    return True


# -- editing and deleting ------------------------------------------------------------------------


def _editable(fake: FakeTelegram, p: Params) -> SimMessage:
    if "inline_message_id" in p:
        fake.violation("inline_message_id edits are not implemented by the fake")
        raise bad_request("fake does not implement inline message edits")
    chat = find_chat(fake, p)
    check_access(chat, posting=False)
    message = find_message(chat, p, "edit")
    if not message.from_bot:
        raise bad_request("message can't be edited")
    return message


def _not_modified() -> ApiError:
    return bad_request(
        "message is not modified: specified new message content and reply markup are exactly "
        "the same as a current content and reply markup of the message"
    )


def _apply_edit(fake: FakeTelegram, message: SimMessage, **changes: Any) -> Any:
    current = {key: getattr(message, key) for key in changes if key != "html"}
    if current == {key: value for key, value in changes.items() if key != "html"}:
        raise _not_modified()
    for key, value in changes.items():
        setattr(message, key, value)
    message.edited += 1
    message.edit_date = int(fake.clock())
    return sent(message)


@method
async def edit_message_text(fake: FakeTelegram, p: Params) -> Any:
    """Edit a text message; omitting reply_markup removes the inline keyboard."""
    message = _editable(fake, p)
    if message.text is None:
        raise bad_request("there is no text in the message to edit")
    text, entities = format_text(fake, p, "text")
    markup = parse_markup(p)
    _webhook_check(message.chat.type, markup)
    check_flood(fake, p, message.chat, edit=True)
    return _apply_edit(
        fake, message, text=text, entities=entities, reply_markup=markup, html=p.text("text")
    )


@method
async def edit_message_caption(fake: FakeTelegram, p: Params) -> Any:
    """Edit a media caption."""
    message = _editable(fake, p)
    if message.text is not None:
        raise bad_request("there is no caption in the message to edit")
    caption, entities = format_text(fake, p, "caption", caption=True)
    markup = parse_markup(p)
    return _apply_edit(
        fake, message, caption=caption, caption_entities=entities, reply_markup=markup
    )


@method
async def edit_message_reply_markup(fake: FakeTelegram, p: Params) -> Any:
    """Replace (or remove) the inline keyboard."""
    message = _editable(fake, p)
    return _apply_edit(fake, message, reply_markup=parse_markup(p))


def _may_delete(chat: SimChat, message: SimMessage) -> bool:
    if chat.type == "private" or (message.from_bot and chat.type != "channel"):
        return True
    return chat.bot_status == "administrator" and bool(chat.bot_rights.get("can_delete_messages"))


@method
async def delete_message(fake: FakeTelegram, p: Params) -> Any:
    """Delete one message, within the bot's rights."""
    chat = find_chat(fake, p)
    check_access(chat, posting=False)
    message = find_message(chat, p, "delete")
    if not _may_delete(chat, message):
        raise bad_request("message can't be deleted")
    message.deleted = True
    return True


@method
async def delete_messages(fake: FakeTelegram, p: Params) -> Any:
    """Delete several messages; missing ones are skipped."""
    chat = find_chat(fake, p)
    check_access(chat, posting=False)
    ids = p.json("message_ids") or []
    if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
        raise bad_request("too many messages to delete" if ids else "message_ids are empty")
    for message_id in ids:
        message = chat.find(int(message_id))
        if message is not None and _may_delete(chat, message):
            message.deleted = True
    return True


# -- queries -------------------------------------------------------------------------------------

_QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
Query = TypeVar("Query", SimCallback, SimInlineQuery)


def _unanswered(fake: FakeTelegram, query: Query | None) -> Query:
    """Return a query the bot may still answer: not yet answered, and within the deadline."""
    if query is None or query.answered or fake.clock() > query.created_at + CALLBACK_DEADLINE:
        raise bad_request(_QUERY_TOO_OLD)
    return query


@method
async def answer_callback_query(fake: FakeTelegram, p: Params) -> Any:
    """Answer a callback query once, within the deadline."""
    callback = _unanswered(fake, fake.callbacks.get(p.text("callback_query_id")))
    text = p.text("text")
    if len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    callback.answered = True
    callback.text = text or None
    callback.show_alert = p.flag("show_alert")
    callback.url = p.text("url") or None
    return True


@method
async def answer_inline_query(fake: FakeTelegram, p: Params) -> Any:
    """Answer an inline query once, recording the results."""
    inline = _unanswered(fake, fake.inline_queries.get(p.text("inline_query_id")))
    results = p.json("results", "can't parse inline query results JSON object")
    if not isinstance(results, list):
        raise bad_request("can't parse inline query results JSON object")
    if len(results) > 50:
        raise bad_request("RESULTS_TOO_MUCH")
    inline.answered = True
    inline.results = results
    inline.next_offset = p.text("next_offset")
    return True


# -- bot settings --------------------------------------------------------------------------------


def _scope_key(p: Params) -> tuple[str, str]:
    scope = p.json("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), p.text("language_code")


@method
async def set_my_commands(fake: FakeTelegram, p: Params) -> Any:
    """Store commands per scope and language."""
    commands = p.json("commands", "can't parse commands JSON object")
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > 100:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    for command in commands:
        name = str(command.get("command", "")).lstrip("/")
        if not _COMMAND_NAME.fullmatch(name.lower()):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    key = _scope_key(p)
    if commands:
        fake.commands[key] = [
            {"command": str(c["command"]).lstrip("/").lower(), "description": c["description"]}
            for c in commands
        ]
    else:
        fake.commands.pop(key, None)
    return True


@method
async def get_my_commands(fake: FakeTelegram, p: Params) -> Any:
    """Return the commands stored for a scope and language."""
    return fake.commands.get(_scope_key(p), [])


@method
async def delete_my_commands(fake: FakeTelegram, p: Params) -> Any:
    """Delete the commands of a scope and language."""
    fake.commands.pop(_scope_key(p), None)
    return True


async def _set_description(fake: FakeTelegram, p: Params, kind: str, limit: int) -> Any:
    text = p.text(kind)
    if len(text) > limit:
        raise bad_request(f"bot {kind.replace('_', ' ')} is too long")
    fake.descriptions[(kind, p.text("language_code"))] = text
    return True


@method
async def set_my_description(fake: FakeTelegram, p: Params) -> Any:
    """Store the bot description for a language."""
    return await _set_description(fake, p, "description", 512)


@method
async def set_my_short_description(fake: FakeTelegram, p: Params) -> Any:
    """Store the short description for a language."""
    return await _set_description(fake, p, "short_description", 120)


@method
async def get_my_description(fake: FakeTelegram, p: Params) -> Any:
    """Return the stored description."""
    return {"description": fake.descriptions.get(("description", p.text("language_code")), "")}


@method
async def get_my_short_description(fake: FakeTelegram, p: Params) -> Any:
    """Return the stored short description."""
    key = ("short_description", p.text("language_code"))
    return {"short_description": fake.descriptions.get(key, "")}


# -- chats and members ---------------------------------------------------------------------------


def _group(fake: FakeTelegram, p: Params) -> SimChat:
    chat = _shared_chat(fake, p, "chat member status can't be changed in private chats")
    return chat


def _target_member(fake: FakeTelegram, chat: SimChat, p: Params) -> tuple[Any, Member]:
    user = fake.users.get(p.integer("user_id"))
    if user is None:
        raise bad_request("user not found")
    return user, chat.member(user)


def _need_right(chat: SimChat, right: str, message: str) -> None:
    if chat.bot_status != "administrator" or not chat.bot_rights.get(right):
        raise bad_request(message)


_RESTRICT_RIGHTS = "not enough rights to restrict/unrestrict chat member"


@method
async def restrict_chat_member(fake: FakeTelegram, p: Params) -> Any:
    """Restrict a supergroup member (needs can_restrict_members)."""
    chat = _group(fake, p)
    if chat.type != "supergroup":
        raise bad_request("method is available only for supergroups")
    _need_right(chat, "can_restrict_members", _RESTRICT_RIGHTS)
    user, member = _target_member(fake, chat, p)
    if member.status in ("creator", "administrator"):
        raise bad_request("user is an administrator of the chat")
    perms = p.json("permissions", "can't parse permissions JSON object") or {}
    rights = {name: bool(perms.get(name, False)) for name in PERMISSIONS}
    old = member.status
    if all(rights.values()):
        new = Member("member" if old != "left" else "left")
    else:
        new = Member("restricted", rights, _until(fake, p))
    chat.members[user.id] = new
    fake.chat_member_changed(chat, user, old, None)
    return True


def _until(fake: FakeTelegram, p: Params) -> int:
    until = p.integer("until_date")
    now = fake.clock()
    return 0 if until < now + 30 or until > now + 366 * 86400 else until


@method
async def ban_chat_member(fake: FakeTelegram, p: Params) -> Any:
    """Ban a member (needs can_restrict_members)."""
    chat = _group(fake, p)
    _need_right(chat, "can_restrict_members", _RESTRICT_RIGHTS)
    user, member = _target_member(fake, chat, p)
    if member.status == "creator":
        raise bad_request("can't remove chat owner")
    if member.status == "administrator":
        raise bad_request("user is an administrator of the chat")
    chat.members[user.id] = Member("kicked", until_date=_until(fake, p))
    fake.chat_member_changed(chat, user, member.status, None)
    return True


@method
async def unban_chat_member(fake: FakeTelegram, p: Params) -> Any:
    """Unban; without only_if_banned this also removes a current member."""
    chat = _group(fake, p)
    _need_right(chat, "can_restrict_members", _RESTRICT_RIGHTS)
    user, member = _target_member(fake, chat, p)
    if member.status == "kicked" or (
        not p.flag("only_if_banned") and member.status in ("member", "restricted")
    ):
        chat.members[user.id] = Member("left")
        fake.chat_member_changed(chat, user, member.status, None)
    return True


@method
async def ban_chat_sender_chat(fake: FakeTelegram, p: Params) -> Any:
    """Stop a channel from posting in a group on its owner's behalf (needs can_restrict_members;
    there is no until_date: it holds until unbanChatSenderChat)."""
    chat = _group(fake, p)
    _need_right(chat, "can_restrict_members", _RESTRICT_RIGHTS)
    sender = p.integer("sender_chat_id")
    if sender == chat.id:
        raise bad_request("can't ban the chat itself")
    chat.banned_senders.add(sender)
    return True


@method
async def unban_chat_sender_chat(fake: FakeTelegram, p: Params) -> Any:
    """Let a banned channel post in the group again (needs can_restrict_members)."""
    chat = _group(fake, p)
    _need_right(chat, "can_restrict_members", _RESTRICT_RIGHTS)
    chat.banned_senders.discard(p.integer("sender_chat_id"))
    return True


@method
async def promote_chat_member(fake: FakeTelegram, p: Params) -> Any:
    """Promote or demote a member (needs can_promote_members)."""
    chat = _group(fake, p)
    _need_right(chat, "can_promote_members", "not enough rights")
    user, member = _target_member(fake, chat, p)
    if member.status == "creator":
        raise bad_request("can't change chat owner rights")
    rights = {name: p.flag(name) for name in ADMIN_RIGHTS}
    old = member.status
    chat.members[user.id] = (
        Member("administrator", rights) if any(rights.values()) else Member("member")
    )
    fake.chat_member_changed(chat, user, old, None)
    return True


@method
async def get_chat(fake: FakeTelegram, p: Params) -> Any:
    """Return ChatFullInfo."""
    chat = find_chat(fake, p)
    if chat.type != "private":
        check_access(chat, posting=False)
    gifts = {
        "unlimited_gifts": False,
        "limited_gifts": False,
        "unique_gifts": False,
        "premium_subscription": False,
        "gifts_from_channels": False,
    }
    info = {
        **chat.to_api(),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": gifts,
    }
    if chat.type != "private":
        perms = {name: True for name in PERMISSIONS}
        info["permissions"] = perms
    return info


@method
async def get_chat_member(fake: FakeTelegram, p: Params) -> Any:
    """Return a ChatMember (the bot included)."""
    chat = find_chat(fake, p)
    user_id = p.integer("user_id")
    if chat.type == "private":
        if user_id not in (chat.id, fake.bot_id):
            raise bad_request("user not found")
        user = fake.bot_user() if user_id == fake.bot_id else chat.to_api() | {"is_bot": False}
        return {"status": "member", "user": user}
    check_access(chat, posting=False)
    return fake.member_json(chat, user_id)


def _shared_chat(fake: FakeTelegram, p: Params, private_error: str) -> SimChat:
    """Return the group or channel asked for, as the bot can see it; a private chat is refused."""
    chat = find_chat(fake, p)
    if chat.type == "private":
        raise bad_request(private_error)
    check_access(chat, posting=False)
    return chat


@method
async def get_chat_administrators(fake: FakeTelegram, p: Params) -> Any:
    """Return creator and administrators, the bot included."""
    chat = _shared_chat(fake, p, "there are no administrators in the private chat")
    admins = [
        fake.member_json(chat, user_id)
        for user_id, member in chat.members.items()
        if member.status in ("creator", "administrator")
    ]
    if chat.bot_status == "administrator":
        admins.append(fake.member_json(chat, fake.bot_id))
    return admins


@method
async def get_chat_member_count(fake: FakeTelegram, p: Params) -> Any:
    """Count present members, the bot included."""
    chat = find_chat(fake, p)
    if chat.type == "private":
        return 2
    check_access(chat, posting=False)
    present = ("creator", "administrator", "member", "restricted")
    count = sum(1 for member in chat.members.values() if member.status in present)
    return count + (chat.bot_status in ("member", "administrator"))


@method
async def leave_chat(fake: FakeTelegram, p: Params) -> Any:
    """Leave a group or channel."""
    chat = _shared_chat(fake, p, "chat member status can't be changed in private chats")
    chat.bot_status = "left"
    chat.bot_rights = {}
    return True


def _pin_rights(chat: SimChat) -> None:
    if chat.type in ("group", "supergroup"):
        _need_right(
            chat, "can_pin_messages", "not enough rights to manage pinned messages in the chat"
        )
    elif chat.type == "channel":
        _need_right(
            chat, "can_edit_messages", "not enough rights to manage pinned messages in the chat"
        )


@method
async def pin_chat_message(fake: FakeTelegram, p: Params) -> Any:
    """Pin a message (needs can_pin_messages in groups)."""
    chat = find_chat(fake, p)
    check_access(chat, posting=False)
    _pin_rights(chat)
    message = find_message(chat, p, "pin")
    chat.pinned.append(message.message_id)
    return True


@method
async def unpin_chat_message(fake: FakeTelegram, p: Params) -> Any:
    """Unpin one message (default: the newest pinned)."""
    chat = find_chat(fake, p)
    check_access(chat, posting=False)
    _pin_rights(chat)
    if "message_id" in p:
        message_id = find_message(chat, p, "unpin").message_id
    elif chat.pinned:
        message_id = chat.pinned[-1]
    else:
        raise bad_request("message to unpin not found")
    if message_id in chat.pinned:
        chat.pinned.remove(message_id)
    return True


# -- files ---------------------------------------------------------------------------------------


@method
async def get_file(fake: FakeTelegram, p: Params) -> Any:
    """Return a File with a downloadable file_path."""
    stored = fake.files.get(p.text("file_id"))
    if stored is None:
        raise bad_request("wrong file_id or the file is temporarily unavailable")
    if len(stored.data) > 20 * 1024 * 1024:
        raise bad_request("file is too big")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.unique_id,
        "file_size": len(stored.data),
        "file_path": stored.path,
    }


# Webhook mode and the menu button live in their own module; importing it registers them.
from tests.fakeapi.webhook import check_web_app_buttons as _webhook_check  # noqa: E402
