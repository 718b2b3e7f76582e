"""Introductions: participant profiles, the directory, double opt-in requests and /meet.

The rules live here, over the ``IntroStore`` repository: which answers a profile accepts, who
may ask whom and how often, who may press Accept and whom /meet suggests (what /mydata, /forget
and the purge do with all this is ``bot.privacy``'s). Nothing here knows Telegram; handlers
render the results.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Literal, Protocol

from bot.awaiting.model import Awaited
from bot.awaiting.service import AwaitedInputs
from bot.clock import Clock
from bot.config import IntroductionsConfig
from bot.errors import DomainError, StaleButtonError
from bot.i18n import N_
from bot.intros import render
from bot.intros.model import (
    MAX_BIO,
    MAX_LANGUAGES,
    MAX_NAME,
    MAX_NOTE,
    MAX_SHORT,
    PAGE_SIZE,
    TOKEN_PATTERN,
    DirectoryFilter,
    DirectoryPage,
    IntroRequest,
    Profile,
    ProfileDraft,
    RequestStatus,
    SelfIntro,
)
from bot.notify import Notice, Notifier, Silent, notice_of
from bot.participants.model import Participant
from bot.regions import find_country, find_language, region_of
from bot.typed import clean_typed, within

FEATURE = "intros"  # this feature's name in the awaited-input engine
# The guided conversation's steps, in order; "edit:<step>" changes one field of a profile.
STEPS: tuple[str, ...] = (
    "name",
    "organisation",
    "city",
    "country",
    "role",
    "topics",
    "languages",
    "bio",
    "listed",
    "intros",
)
TEXT_STEPS = frozenset({"name", "organisation", "city", "country", "role", "languages", "bio"})
OPTIONAL_STEPS = frozenset({"organisation", "city", "role", "bio"})
SKIP = "-"
# Said alike for an unknown code, an unlisted profile, one closed to requests and a block, so
# that no answer tells whether someone is there.
NOT_REQUESTABLE = N_("This person is not in the directory or does not take introduction requests.")
_TOKEN = re.compile(TOKEN_PATTERN)


class Contacts(Protocol):
    """Who participants are on Telegram (``ParticipantService``): names and usernames, and
    whether a private message can reach them."""

    async def get(self, user_id: int) -> Participant | None: ...
    async def is_reachable(self, user_id: int) -> bool: ...


class IntroStore(Protocol):
    """The storage the introduction rules need (``storage.intros.IntroStorage``)."""

    async def get_profile(self, user_id: int) -> Profile | None: ...
    async def get_profile_by_id(self, profile_id: int) -> Profile | None: ...
    async def get_profile_by_token(self, token: str) -> Profile | None: ...
    async def save_profile(self, user_id: int, draft: ProfileDraft, now: datetime) -> Profile: ...
    async def delete_profile(self, user_id: int) -> bool: ...
    async def set_meet_opt_in(self, user_id: int, opt_in: bool) -> None: ...
    async def directory(
        self, wanted: DirectoryFilter, offset: int, limit: int
    ) -> list[Profile]: ...
    async def pending_count(self, requester_id: int) -> int: ...
    async def open_request_between(self, a: int, b: int) -> IntroRequest | None: ...
    async def last_declined_at(self, requester_id: int, target_id: int) -> datetime | None: ...
    async def is_blocked(self, blocker_id: int, blocked_id: int) -> bool: ...
    async def add_request(
        self, requester_id: int, target_id: int, note: str, now: datetime
    ) -> IntroRequest: ...
    async def get_request(self, request_id: int) -> IntroRequest | None: ...
    async def decide_request(
        self, request_id: int, status: RequestStatus, now: datetime
    ) -> bool: ...
    async def add_block(self, blocker_id: int, blocked_id: int, now: datetime) -> None: ...
    async def meet_candidate(self, profile: Profile) -> Profile | None: ...
    async def record_suggestion(self, user_id: int, suggested_id: int, now: datetime) -> None: ...
    async def add_self_intro(self, user_id: int, status: str, now: datetime) -> SelfIntro: ...
    async def get_self_intro(self, intro_id: int) -> SelfIntro | None: ...
    async def has_self_intro(self, user_id: int) -> bool: ...
    async def decide_self_intro(self, intro_id: int, status: str, now: datetime) -> bool: ...


# ---- answers -------------------------------------------------------------------------------


def _one_line(text: str, limit: int) -> str:
    value = " ".join(clean_typed(text).split())
    if not value:
        raise DomainError(N_("Please send your answer as text."))
    return within(value, limit)


def parse_answer(step: str, text: str) -> Any:
    """Validate a typed answer for a profile step; DomainError says what is wrong.

    Typed text quoted back in an error is escaped when the error is rendered.
    """
    if step in OPTIONAL_STEPS and text.strip() == SKIP:
        return ""
    if step == "name":
        value = _one_line(text, MAX_NAME)
        if not any(c.isalpha() for c in value):
            raise DomainError(N_("A name needs at least one letter."))
        return value
    if step in ("organisation", "city", "role"):
        return _one_line(text, MAX_SHORT)
    if step == "country":
        code = find_country(text)
        if code is None:
            raise DomainError(
                N_(
                    "I don't know the country “{text}”. Send its name (in English, German, "
                    "Spanish, French or Portuguese) or its two-letter code, such as KE or BR."
                ),
                text=clean_typed(text)[:40],
            )
        return code
    if step == "languages":
        return list(parse_languages(text))
    if step == "bio":
        return within(clean_typed(text), MAX_BIO)
    raise DomainError(N_("Please use the buttons for this question."))


def parse_languages(text: str) -> tuple[str, ...]:
    """Parse "English, fr, Kiswahili" into ISO codes; DomainError names an unknown one."""
    found: list[str] = []
    for part in text.replace(";", ",").replace("/", ",").split(","):
        if not part.strip():
            continue
        code = find_language(part)
        if code is None:
            raise DomainError(
                N_(
                    "I don't know the language “{text}”. Send names or codes, "
                    "e.g. English, fr, pt."
                ),
                text=clean_typed(part)[:40],
            )
        if code not in found:
            found.append(code)
    if not found:
        raise DomainError(N_("Please name at least one language you speak."))
    if len(found) > MAX_LANGUAGES:
        raise DomainError(N_("Please name at most {limit} languages."), limit=MAX_LANGUAGES)
    return tuple(found)


def parse_code(text: str) -> str | None:
    """Return a card's code as typed (any case, a leading #), or None if it cannot be one."""
    code = text.strip().lstrip("#").lower()
    return code if _TOKEN.match(code) else None


def parse_note(text: str) -> str:
    """Validate an introduction note."""
    value = clean_typed(text)
    if not value:
        raise DomainError(N_("Please write a short note as text."))
    return within(value, MAX_NOTE)


def draft_from(data: dict[str, Any]) -> ProfileDraft:
    """Build a profile from a finished conversation's answers."""
    return ProfileDraft(
        display_name=str(data["name"]),
        organisation=str(data.get("organisation", "")),
        city=str(data.get("city", "")),
        country=str(data["country"]),
        role=str(data.get("role", "")),
        topics=tuple(data.get("topics", [])),
        languages=tuple(data.get("languages", [])),
        bio=str(data.get("bio", "")),
        listed=bool(data.get("listed", False)),
        accepts_intros=bool(data.get("intros", False)),
    )


def data_from(profile: Profile) -> dict[str, Any]:
    """Return a profile as conversation answers, for editing one field."""
    return {
        "name": profile.display_name,
        "organisation": profile.organisation,
        "city": profile.city,
        "country": profile.country,
        "role": profile.role,
        "topics": list(profile.topics),
        "languages": list(profile.languages),
        "bio": profile.bio,
        "listed": profile.listed,
        "intros": profile.accepts_intros,
    }


@dataclass(frozen=True, slots=True)
class StepResult:
    """What happened after an answer: the next step to ask, or the saved profile."""

    next_step: str | None
    data: dict[str, Any]
    profile: Profile | None = None


@dataclass
class Introductions:
    """The introduction rules over a store, a clock and the configuration."""

    store: IntroStore
    # The profile questions and the note of a request are this feature's conversation.
    inputs: AwaitedInputs
    config: IntroductionsConfig
    clock: Clock
    moderators: Collection[int] = ()
    # Who is told what: the other side of a request, the staff, the community group.
    notifier: Notifier = field(default_factory=Silent, kw_only=True)
    contacts: Contacts | None = field(default=None, kw_only=True)
    community: int | None = field(default=None, kw_only=True)
    event_name: str = field(default="", kw_only=True)
    # Cards being posted right now (see ``_claim``): only what is in flight, so it stays small.
    _posting: set[int] = field(default_factory=set, init=False, repr=False)

    @property
    def conversing(self) -> set[int]:
        """Return the users in the middle of a profile or note conversation."""
        return self.inputs.users(FEATURE)

    # ---- the guided conversation ----

    async def begin(self, user_id: int, step: str = STEPS[0]) -> Awaited:
        """Start the profile conversation (from scratch, or editing one field)."""
        data: dict[str, Any] = {"topics": []}
        if step.startswith("edit:"):
            profile = await self.store.get_profile(user_id)
            if profile is None:
                raise DomainError(N_("You have no profile yet; send /profile to create one."))
            if step.removeprefix("edit:") not in STEPS:
                raise StaleButtonError()
            data = data_from(profile)
        return await self._store_step(user_id, step, data)

    async def begin_note(self, user_id: int, profile_id: int) -> Awaited:
        """Start writing the note of an introduction request."""
        return await self._store_step(user_id, "note", {"profile_id": profile_id})

    async def conversation(self, user_id: int) -> Awaited | None:
        """Return the user's open conversation, if any."""
        return await self.inputs.current(user_id, FEATURE)

    async def cancel(self, user_id: int) -> bool:
        """Drop the user's open conversation; tell whether there was one."""
        return await self.inputs.clear(user_id, FEATURE) is not None

    async def answer(self, user_id: int, value: Any) -> StepResult:
        """Record a validated answer for the current step and move on (or save)."""
        current = await self.conversation(user_id)
        if current is None or current.step == "note":
            raise DomainError(N_("Send /profile to start your profile."))
        editing = current.step.startswith("edit:")
        step = current.step.removeprefix("edit:")
        data = dict(current.data)
        data[step] = value
        following = _next_step(step) if not editing else None
        if following is not None:
            await self._store_step(user_id, following, data)
            return StepResult(following, data)
        profile = await self.store.save_profile(user_id, draft_from(data), self.clock())
        await self.cancel(user_id)
        return StepResult(None, data, profile)

    async def answer_text(self, user_id: int, text: str) -> StepResult:
        """Validate and record a typed answer."""
        current = await self.conversation(user_id)
        if current is None:
            raise DomainError(N_("Send /profile to start your profile."))
        step = current.step.removeprefix("edit:")
        if step not in TEXT_STEPS:
            raise DomainError(N_("Please use the buttons for this question."))
        return await self.answer(user_id, parse_answer(step, text))

    async def skip(self, user_id: int, step: str) -> StepResult:
        """Leave an optional field empty, if it is the one being asked."""
        current = await self.conversation(user_id)
        if (
            current is None
            or step not in OPTIONAL_STEPS
            or current.step.removeprefix("edit:") != step
        ):
            raise StaleButtonError()
        return await self.answer(user_id, "")

    async def toggle_topic(self, user_id: int, index: int) -> Awaited:
        """Select or unselect a topic (by its position in the configured list)."""
        current = await self.conversation(user_id)
        if current is None or current.step.removeprefix("edit:") != "topics":
            raise StaleButtonError()
        if not 0 <= index < len(self.config.topics):
            raise StaleButtonError()
        topic = self.config.topics[index]
        chosen = [t for t in current.data.get("topics", []) if t in self.config.topics]
        chosen = [t for t in chosen if t != topic] if topic in chosen else [*chosen, topic]
        data = {**current.data, "topics": chosen}
        return await self._store_step(user_id, current.step, data)

    async def finish_topics(self, user_id: int) -> StepResult:
        """Close the topic choice (at least one topic)."""
        current = await self.conversation(user_id)
        if current is None or current.step.removeprefix("edit:") != "topics":
            raise StaleButtonError()
        chosen = [t for t in current.data.get("topics", []) if t in self.config.topics]
        if not chosen:
            raise DomainError(N_("Please choose at least one topic."))
        return await self.answer(user_id, chosen)

    async def answer_consent(self, user_id: int, step: str, yes: bool) -> StepResult:
        """Record a yes/no consent pressed for the step it was asked in."""
        current = await self.conversation(user_id)
        if current is None or current.step.removeprefix("edit:") != step:
            raise StaleButtonError()
        return await self.answer(user_id, yes)

    async def _store_step(self, user_id: int, step: str, data: dict[str, Any]) -> Awaited:
        return await self.inputs.expect(user_id, FEATURE, step, data)

    async def profile(self, user_id: int) -> Profile | None:
        """Return the user's profile."""
        return await self.store.get_profile(user_id)

    async def delete_profile(self, user_id: int) -> bool:
        """Delete the user's profile (requests and the rest of their data stay until /forget)."""
        await self.cancel(user_id)
        return await self.store.delete_profile(user_id)

    # ---- directory ----

    async def directory(self, wanted: DirectoryFilter, page: int) -> DirectoryPage:
        """Return one page of listed profiles matching the filter."""
        page = max(page, 0)
        found = await self.store.directory(wanted, page * PAGE_SIZE, PAGE_SIZE + 1)
        return DirectoryPage(found[:PAGE_SIZE], page, len(found) > PAGE_SIZE)

    # ---- introduction requests ----

    async def find(self, token: str) -> Profile | None:
        """Return the profile a card's code stands for, if others may see it (listed and open
        to requests); None for anything else, alike."""
        code = parse_code(token)
        if code is None:
            return None
        profile = await self.store.get_profile_by_token(code)
        return profile if profile is not None and profile.takes_requests else None

    async def check_request(self, requester_id: int, target: Profile | None) -> Profile:
        """Return the target's profile if the requester may ask them now; else DomainError."""
        await self._own_profile(requester_id)
        if target is None or not target.takes_requests:
            raise DomainError(NOT_REQUESTABLE)
        if target.user_id == requester_id:
            raise DomainError(N_("That is your own profile."))
        if await self.store.is_blocked(target.user_id, requester_id):
            # Said like the no-consent case, so that a block is not revealed.
            raise DomainError(NOT_REQUESTABLE)
        if await self.store.is_blocked(requester_id, target.user_id):
            raise DomainError(N_("You have blocked this person."))
        existing = await self.store.open_request_between(requester_id, target.user_id)
        if existing is not None:
            if existing.status == "accepted":
                raise DomainError(N_("You have already been introduced to each other."))
            raise DomainError(N_("There is already a request between you waiting for an answer."))
        declined = await self.store.last_declined_at(requester_id, target.user_id)
        cooldown = timedelta(days=self.config.decline_cooldown_days)
        if declined is not None and self.clock() < declined + cooldown:
            raise DomainError(
                N_("You asked this person recently; you can ask again after {date}."),
                date=(declined + cooldown).date().isoformat(),
            )
        limit = self.config.max_pending_requests
        if await self.store.pending_count(requester_id) >= limit:
            raise DomainError(
                N_(
                    "You have {limit} requests waiting for an answer; you can send another "
                    "once one of them is answered."
                ),
                limit=limit,
            )
        return target

    async def _own_profile(self, user_id: int) -> Profile:
        """Return the user's profile, or say that others are shown it, so it comes first."""
        mine = await self.store.get_profile(user_id)
        if mine is None:
            raise DomainError(
                N_("Please create your profile with /profile first: it is what I show them.")
            )
        return mine

    async def start_request(self, requester_id: int, token: str) -> Profile:
        """Check the request to the profile with this code and wait for the requester's note."""
        target = await self.check_request(requester_id, await self.find(token))
        await self.begin_note(requester_id, target.profile_id)
        return target

    async def start_request_in_private(self, requester_id: int, token: str) -> bool:
        """Start a request pressed outside the private chat (a card in the community group) in
        the requester's private chat, where the note is asked for; False, with nothing
        started, when the bot cannot write to them there (they never started it)."""
        if self.contacts is None or not await self.contacts.is_reachable(requester_id):
            return False
        target = await self.start_request(requester_id, token)
        if await self.notifier.tell(requester_id, Notice(partial(render.ask_note, target))):
            return True
        await self.cancel(requester_id)
        return False

    async def submit_note(self, requester_id: int, text: str) -> tuple[IntroRequest, bool]:
        """Create the request with the note and pass it to its target; return it and whether
        it reached them (if not, it is declined at once)."""
        current = await self.conversation(requester_id)
        if current is None or current.step != "note":
            raise DomainError(N_("Send /people to find someone to meet."))
        note = parse_note(text)
        chosen = await self.store.get_profile_by_id(int(current.data["profile_id"]))
        try:
            target = await self.check_request(requester_id, chosen)
        except DomainError:
            await self.cancel(requester_id)
            raise
        mine = await self.store.get_profile(requester_id)
        assert mine is not None  # check_request insists on it
        request = await self.store.add_request(requester_id, target.user_id, note, self.clock())
        await self.cancel(requester_id)
        relay = notice_of(lambda tr: render.relay(mine, request.note, request.request_id, tr))
        if await self.notifier.tell(request.target_id, relay):
            return request, True
        await self.store.decide_request(request.request_id, "declined", self.clock())
        return replace(request, status="declined", decided_at=self.clock()), False

    async def decide(
        self, request_id: int, presser_id: int, status: RequestStatus
    ) -> IntroRequest | None:
        """Accept, decline or block a pending request; None unless the presser is its target."""
        request = await self.store.get_request(request_id)
        if request is None or request.target_id != presser_id or request.status != "pending":
            return None
        if not await self.store.decide_request(request_id, status, self.clock()):
            return None
        if status == "blocked":
            await self.store.add_block(presser_id, request.requester_id, self.clock())
        decided = replace(request, status=status, decided_at=self.clock())
        if status == "accepted":
            await self._introduce(decided.requester_id, decided.target_id)
            return decided
        await self.notifier.tell(decided.requester_id, Notice(render.not_arranged))
        if status == "blocked":
            await self._report(decided)
        return decided

    async def _introduce(self, requester_id: int, target_id: int) -> None:
        """Give both sides each other's contact and an opener."""
        profiles = {uid: await self.store.get_profile(uid) for uid in (requester_id, target_id)}
        for me, other in ((requester_id, target_id), (target_id, requester_id)):
            other_profile = profiles[other]
            person = await self.contacts.get(other) if self.contacts else None
            if other_profile is None or person is None:
                continue
            link = render.contact_link(other, person.username, person.display_name)
            text = partial(render.accepted, other_profile, link, profiles[me], self.event_name)
            await self.notifier.tell(me, Notice(text))

    async def _report(self, request: IntroRequest) -> None:
        """Tell the staff about a blocked and reported request, with both people and the note."""
        names: dict[int, str] = {}
        for user_id in (request.requester_id, request.target_id):
            person = await self.contacts.get(user_id) if self.contacts else None
            names[user_id] = render.person_link(user_id, person.display_name if person else None)
        card = await self.store.get_profile(request.requester_id)
        text = partial(
            render.reported,
            request_id=request.request_id,
            requester=names[request.requester_id],
            reporter=names[request.target_id],
            card=card,
            note=request.note,
        )
        await self.notifier.tell_staff(self.moderators, Notice(text), log=True)

    # ---- /meet ----

    async def set_meet_opt_in(self, user_id: int, opt_in: bool) -> None:
        """Record whether the user takes part in /meet."""
        await self._own_profile(user_id)
        await self.store.set_meet_opt_in(user_id, opt_in)

    async def meet(self, user_id: int) -> Profile | None:
        """Suggest someone new from another region with a shared topic or language."""
        mine = await self._own_profile(user_id)
        if not mine.meet_opt_in:
            raise DomainError(N_("Send /meet and agree to take part first."))
        found = await self.store.meet_candidate(mine)
        if found is not None:
            await self.store.record_suggestion(user_id, found.user_id, self.clock())
        return found

    # ---- self-introduction ----

    async def request_self_intro(self, user_id: int) -> SelfIntro:
        """Post the user's card to the community group, or send it to the staff for approval
        first when the forum asks for that. A card is recorded as posted only once Telegram
        took it: a post that failed can be tried again."""
        if self.community is None:
            raise DomainError(N_("There is no community group to post to."))
        mine = await self.store.get_profile(user_id)
        if mine is None:
            raise DomainError(N_("Please create your profile with /profile first."))
        if await self.store.has_self_intro(user_id) or user_id in self._posting:
            raise DomainError(
                N_("You have already introduced yourself to the community (or are waiting).")
            )
        if self.config.self_intro_approval:
            intro = await self.store.add_self_intro(user_id, "pending", self.clock())
            review = notice_of(partial(render.review, profile=mine, intro_id=intro.intro_id))
            await self.notifier.tell_staff(self.moderators, review, log=True)
            return intro
        async with self._claim(user_id):
            await self._post_card(mine)
            return await self.store.add_self_intro(user_id, "posted", self.clock())

    async def decide_self_intro(
        self, intro_id: int | None, moderator_id: int, *, approve: bool
    ) -> SelfIntro | None:
        """Approve or reject a pending self-introduction, post it and tell its author; None
        unless a moderator pressed a pending one. An approved card stays pending until it is
        posted, so that a post Telegram refused can be approved again."""
        if intro_id is None or moderator_id not in self.moderators or self.community is None:
            return None
        intro = await self.store.get_self_intro(intro_id)
        if intro is None or intro.status != "pending" or -intro_id in self._posting:
            return None
        async with self._claim(-intro_id):
            profile = await self.store.get_profile(intro.user_id) if approve else None
            status: Literal["posted", "rejected"] = "posted" if profile else "rejected"
            if profile is not None:
                await self._post_card(profile)
            if not await self.store.decide_self_intro(intro_id, status, self.clock()):
                return None
        if profile is not None:
            await self.notifier.tell(intro.user_id, Notice(render.posted))
        elif approve:
            return None  # the profile was deleted while it waited: nothing to post
        else:
            await self.notifier.tell(intro.user_id, Notice(render.not_approved))
        return replace(intro, status=status)

    @asynccontextmanager
    async def _claim(self, key: int) -> AsyncIterator[None]:
        """Hold a card (a user's id, or minus a pending intro's id) while it is being posted,
        so that a second press in the meantime cannot post it twice."""
        self._posting.add(key)
        try:
            yield
        finally:
            self._posting.discard(key)

    async def _post_card(self, profile: Profile) -> None:
        """Post a card to the community group; DomainError if Telegram did not take it."""
        assert self.community is not None  # the callers check
        welcome = notice_of(partial(render.welcome_post, profile=profile))
        if not await self.notifier.post(self.community, welcome):
            raise DomainError(
                N_(
                    "I could not post to the community group just now (am I still a member "
                    "who may write there?). Nothing was changed; please try again later."
                )
            )


def _next_step(step: str) -> str | None:
    index = STEPS.index(step)
    return STEPS[index + 1] if index + 1 < len(STEPS) else None


def region_for(country: str) -> str:
    """Return the region a profile's country belongs to."""
    return region_of(country)
