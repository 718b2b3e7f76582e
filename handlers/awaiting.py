"""The one handler for answers to prompts: a private message from a user whose next message a
conversation awaits goes to that conversation's step, and no later handler sees it.

Each feature declares its conversation as a state table (after PTB's
``examples/conversationbot.py``): its name in the engine (``bot.awaiting``), a callback per step,
and whether photos and documents count as answers. What is awaited lives in SQLite, so a
restart between the question and the answer loses nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from telegram import Message, Update
from telegram.ext import ApplicationHandlerStop, MessageHandler, filters

from bot.awaiting.model import Awaited
from bot.awaiting.service import AwaitedInputs
from bot.errors import DomainError
from bot.telegram.context import ForumContext
from handlers.common import PRIVATE, Handler, reply

Step = Callable[[Update, ForumContext, Awaited], Awaitable[None]]


@dataclass(frozen=True)
class Conversation:
    """A feature's multi-step conversation: the callback for each awaited step."""

    feature: str
    steps: Mapping[str, Step]
    media: bool = False  # photos and documents answer it too, not only text
    other_steps: Step | None = None  # the callback for steps not named in ``steps``

    def step(self, name: str) -> Step | None:
        """Return the callback for an awaited step."""
        return self.steps.get(name, self.other_steps)

    def accepts(self, message: Message) -> bool:
        """Tell whether a message can answer this conversation."""
        return bool(message.text) or (self.media and bool(message.photo or message.document))


class _Awaited(filters.MessageFilter):
    """Messages that answer a prompt: the sender's next message is awaited by a conversation
    that takes this kind of message. Decided from memory, without a query."""

    __slots__ = ("_conversations", "_inputs")

    def __init__(self, inputs: AwaitedInputs, conversations: Mapping[str, Conversation]) -> None:
        super().__init__(name="awaited_input")
        self._inputs = inputs
        self._conversations = conversations

    def filter(self, message: Message) -> bool:
        user = message.from_user
        feature = self._inputs.feature_of(user.id) if user else None
        conversation = self._conversations.get(feature or "")
        return conversation is not None and conversation.accepts(message)


def awaiting(feature: str, inputs: AwaitedInputs) -> filters.MessageFilter:
    """Return a filter for messages of users whom ``feature``'s conversation awaits."""
    return _Awaited(inputs, {feature: Conversation(feature, {}, media=True)})


def answers(inputs: AwaitedInputs, conversations: Sequence[Conversation]) -> Handler:
    """Return the handler that routes answers to their conversation's step."""
    by_feature = {conversation.feature: conversation for conversation in conversations}

    async def answer(update: Update, context: ForumContext) -> None:
        """Pass the answer to its step; a rule that says no is answered here."""
        user = update.effective_user
        feature = inputs.feature_of(user.id) if user else None
        conversation = by_feature.get(feature or "")
        awaited = await inputs.current(user.id, feature) if user and feature else None
        step = conversation.step(awaited.step) if conversation and awaited else None
        if awaited is None or step is None:
            return
        try:
            await step(update, context, awaited)
        except DomainError as error:
            # Answered here rather than by the error handler: the update must stop in this
            # group either way, or the schedule's free-text search (a later group) answers too.
            await reply(update, error.render(context.tr))
        raise ApplicationHandlerStop

    return MessageHandler(PRIVATE & ~filters.COMMAND & _Awaited(inputs, by_feature), answer)
