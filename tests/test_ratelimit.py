"""The outbound scheduler on a virtual clock: Telegram's limits, priorities, coalescing, 429s.

Every test records the virtual time each request reached "Telegram" and checks the windows the
real server counts: any one second overall, a chat's token bucket, any minute in a group.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable, Iterable
from datetime import timedelta
from typing import Any

import pytest
from telegram.error import NetworkError, RetryAfter, TelegramError, TimedOut

from bot import metrics
from bot.telegram.http import UnsentError
from bot.telegram.processor import PerUserUpdateProcessor, Slots
from bot.telegram.ratelimit import (
    Limits,
    OutboundScheduler,
    Priority,
    SendExpiredError,
    send_options,
)
from tests.virtualtime import VirtualPaceClock

GROUP = -100123


class Telegram:
    """Stands in for the Bot API: records (time, method, chat, text) and answers a message."""

    def __init__(self, clock: VirtualPaceClock) -> None:
        self.clock = clock
        self.calls: list[tuple[float, str, Any, str]] = []
        self.flood_once: set[str] = set()
        self.failures: dict[str, list[TelegramError]] = {}

    def callback(self, method: str, data: dict[str, Any]) -> Callable[[], Awaitable[Any]]:
        async def call() -> Any:
            text = str(data.get("text", ""))
            if text in self.flood_once:
                self.flood_once.discard(text)
                raise RetryAfter(timedelta(seconds=5))
            if self.failures.get(text):
                raise self.failures[text].pop(0)
            self.calls.append((self.clock.now(), method, data.get("chat_id"), text))
            return {"message_id": len(self.calls), "text": text}

        return call


class World:
    def __init__(self, limits: Limits | None = None) -> None:
        self.clock = VirtualPaceClock()
        self.scheduler = OutboundScheduler(limits or Limits(), self.clock)
        self.telegram = Telegram(self.clock)

    async def request(self, method: str, chat_id: int, text: str = "hi") -> Any:
        data = {"chat_id": chat_id, "text": text}
        call = self.telegram.callback(method, data)
        return await self.scheduler.process_request(lambda: call(), (), {}, method, data, None)

    def send(
        self, chat_id: int, text: str = "hi", method: str = "sendMessage"
    ) -> asyncio.Task[Any]:
        return asyncio.ensure_future(self.request(method, chat_id, text))

    async def run(self, tasks: Iterable[asyncio.Future[Any]]) -> None:
        """Let the tasks run, advancing virtual time whenever all of them wait on it."""
        pending = list(tasks)
        while not all(task.done() for task in pending):
            for _ in range(20):
                await asyncio.sleep(0)
            if not all(task.done() for task in pending) and not self.clock.step():
                await asyncio.sleep(0.001)

    async def wait(self, seconds: float) -> None:
        """Let virtual time pass timer by timer, the released sends going out at each."""
        until = self.clock.now() + seconds
        while (due := self.clock.next_at()) is not None and due <= until:
            self.clock.step()
            for _ in range(20):
                await asyncio.sleep(0)
        self.clock.advance_to(until)

    def times(self, chat_id: int | None = None, method: str = "sendMessage") -> list[float]:
        return [
            at
            for at, name, chat, _ in self.telegram.calls
            if name == method and (chat_id is None or chat == chat_id)
        ]


def most_in_window(times: list[float], window: float) -> int:
    """Return the most calls any half-open window (t - window, t] holds."""
    best = 0
    for i, end in enumerate(times):
        best = max(best, sum(1 for t in times[: i + 1] if t > end - window))
    return best


def bucket_never_overdrawn(times: list[float], rate: float, burst: int) -> bool:
    tokens, last = float(burst), float("-inf")
    for at in times:
        tokens = min(float(burst), tokens + (at - last) * rate) if last > float("-inf") else tokens
        if tokens < 1 - 1e-9:
            return False
        tokens, last = tokens - 1, at
    return True


@pytest.mark.parametrize(
    ("rate", "sends", "lateness", "slack"),
    [
        (29, 300, 0.0, 0.5),
        # A paid broadcast's rate is above what the loop's timers can pace one by one (here
        # every timer fires two slots late): late slots are caught up a few at once.
        (1000, 2500, 0.002, 0.1),
    ],
)
async def test_no_second_holds_more_than_the_configured_rate(
    rate: int, sends: int, lateness: float, slack: float
) -> None:
    world = World(Limits(messages_per_second=rate))
    world.clock.lateness = lateness
    await world.run([world.send(chat) for chat in range(1, sends + 1)])
    times = world.times()
    assert len(times) == sends
    assert most_in_window(times, 1.0) <= rate
    # and the pace is the rate, not far below it
    assert times[-1] - times[0] < sends / rate + slack


async def test_a_chat_never_gets_more_than_its_budget() -> None:
    world = World(Limits(chat_messages_per_second=1, chat_burst=3))
    await world.run([world.send(7, f"m{i}") for i in range(10)])
    times = world.times(7)
    assert len(times) == 10
    assert bucket_never_overdrawn(times, 1.0, 3)
    assert most_in_window(times, 1.0) <= 3
    assert [text for *_, text in world.telegram.calls] == [f"m{i}" for i in range(10)]


async def test_no_minute_holds_more_than_a_groups_budget() -> None:
    world = World(Limits(group_messages_per_minute=20))
    await world.run([world.send(GROUP, f"post {i}") for i in range(45)])
    times = world.times(GROUP)
    assert len(times) == 45
    assert most_in_window(times, 60.0) <= 20
    assert bucket_never_overdrawn(times, 1.0, 3)


async def test_a_chats_paced_sends_keep_a_margin_over_the_configured_interval() -> None:
    world = World(Limits(chat_messages_per_second=1, chat_burst=3))
    await world.run([world.send(7, f"m{i}") for i in range(10)])
    times = world.times(7)
    gaps = [later - earlier for earlier, later in itertools.pairwise(times[3:])]
    # Once the burst is spent: a second apart and then some, so jitter on the way to Telegram
    # cannot bring two sends under its one a second.
    assert len(gaps) == 6 and min(gaps) >= 1.0 + 0.025


async def test_a_groups_next_minute_starts_with_a_margin() -> None:
    world = World(Limits(group_messages_per_minute=20))
    await world.run([world.send(GROUP, f"post {i}") for i in range(21)])
    times = world.times(GROUP)
    assert times[20] - times[0] >= 60 + 1.0


async def test_a_waiting_group_does_not_hold_up_private_replies() -> None:
    world = World()
    group = [world.send(GROUP, f"post {i}") for i in range(25)]
    await world.run(group[:20])  # the group's minute is used up
    private = [world.send(chat, "answer") for chat in range(1, 13)]
    await world.run(private)
    assert not all(task.done() for task in group)
    assert world.clock.now() - world.times(GROUP)[19] < 1.0
    await world.run(group)


async def test_interactive_goes_before_queued_bulk() -> None:
    world = World(Limits(messages_per_second=10))

    async def bulk(chat: int) -> Any:
        with send_options(Priority.BULK):
            return await world.request("sendMessage", chat, "bulk")

    announcements = [asyncio.ensure_future(bulk(chat)) for chat in range(1000, 1100)]
    for _ in range(20):
        await asyncio.sleep(0)
    await world.wait(1.0)
    reply = world.send(5, "reply")
    await world.run([reply])
    texts = [text for *_, text in world.telegram.calls]
    # sent at the very next slot: no more than the bulk sends of its wait
    assert texts.index("reply") <= 12
    await world.run(announcements)
    assert most_in_window(world.times(), 1.0) <= 10


async def test_urgent_goes_before_bulk() -> None:
    world = World(Limits(messages_per_second=5))

    async def send(chat: int, priority: Priority, text: str) -> Any:
        with send_options(priority):
            return await world.request("sendMessage", chat, text)

    tasks = [asyncio.ensure_future(send(c, Priority.BULK, "bulk")) for c in range(100, 120)]
    tasks += [asyncio.ensure_future(send(c, Priority.URGENT, "due")) for c in range(200, 205)]
    await world.run(tasks)
    texts = [text for *_, text in world.telegram.calls]
    assert texts[1:6] == ["due"] * 5


async def test_identical_group_messages_queued_together_are_sent_once() -> None:
    world = World()
    first = [world.send(GROUP, f"answer {i}") for i in range(3)]  # the burst
    rules = [world.send(GROUP, "the rules") for _ in range(12)]
    await world.run([*first, *rules])
    results = [task.result() for task in rules]
    assert [text for *_, text in world.telegram.calls].count("the rules") == 1
    assert all(result["text"] == "the rules" for result in results)
    assert len({result["message_id"] for result in results}) == 1


async def test_a_send_with_a_coalescing_key_joins_the_queued_one() -> None:
    world = World()
    burst = [world.send(GROUP, f"answer {i}") for i in range(3)]

    async def keyed(text: str) -> Any:
        with send_options(coalesce="starting-soon"):
            return await world.request("sendMessage", GROUP, text)

    posts = [asyncio.ensure_future(keyed(f"starting soon v{i}")) for i in range(3)]
    await world.run([*burst, *posts])
    sent = [text for *_, text in world.telegram.calls if text.startswith("starting")]
    assert sent == ["starting soon v0"]
    assert {task.result()["text"] for task in posts} == {"starting soon v0"}


async def test_a_send_still_waiting_at_its_deadline_is_dropped() -> None:
    world = World()
    burst = [world.send(GROUP, f"answer {i}") for i in range(20)]  # the group's minute

    async def soon() -> Any:
        with send_options(Priority.URGENT, max_wait=10):
            return await world.request("sendMessage", GROUP, "starting in 5 minutes")

    late = asyncio.ensure_future(soon())
    await world.run([*burst, late])
    with pytest.raises(SendExpiredError):
        late.result()
    assert "starting in 5 minutes" not in [text for *_, text in world.telegram.calls]
    assert world.scheduler.stats()["expired.urgent"] == 1


def sample(name: str, **labels: str) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


async def test_a_429_pauses_then_resumes_at_the_pace() -> None:
    floods = sample("forumbot_flood_waits_total")
    sent = sample("forumbot_sends_total", priority="interactive", outcome="sent")
    world = World(Limits(messages_per_second=10))
    world.telegram.flood_once.add("m5")
    tasks = [world.send(chat, f"m{chat}") for chat in range(1, 41)]
    await world.run(tasks)
    times = world.times()
    assert len(times) == 40 and all(task.exception() is None for task in tasks)
    gap = max(b - a for a, b in itertools.pairwise(times))
    assert gap >= 5  # the pause was kept
    assert most_in_window(times, 1.0) <= 10  # and no burst after it
    assert sample("forumbot_flood_waits_total") == floods + 1
    assert sample("forumbot_sends_total", priority="interactive", outcome="sent") == sent + 40
    assert sample("forumbot_outbound_queue_depth", priority="interactive") == 0


def server_error() -> NetworkError:
    return NetworkError("Internal Server Error")  # what PTB raises for a 5xx answer


async def test_an_interactive_send_is_repeated_after_a_server_error_or_no_connection() -> None:
    world = World()
    world.telegram.failures["hi"] = [server_error(), UnsentError("connection refused")]
    start = world.clock.now()
    reply = world.send(1)
    await world.run([reply])
    assert reply.result()["text"] == "hi"
    assert [round(at - start, 3) for at in world.times(1)] == [1.5]  # backoff 0.5 s, then 1 s
    assert world.scheduler.counts["retried.interactive"] == 2


async def test_a_send_that_may_have_arrived_or_keeps_failing_is_not_repeated() -> None:
    world = World()
    timed_out, lost = TimedOut(), NetworkError("Server disconnected")
    lost.__cause__ = ConnectionResetError()  # the connection broke after the request left
    world.telegram.failures["late"] = [timed_out]
    world.telegram.failures["lost"] = [lost]
    world.telegram.failures["down"] = [server_error() for _ in range(4)]
    sends = [world.send(1, "late"), world.send(2, "lost"), world.send(3, "down")]
    await world.run(sends)
    assert isinstance(sends[0].exception(), TimedOut)
    assert sends[1].exception() is lost
    assert isinstance(sends[2].exception(), NetworkError)
    assert world.scheduler.counts["retried.interactive"] == 3  # the third: three more tries
    assert world.telegram.calls == []


async def test_bulk_sends_are_left_to_their_senders_retries() -> None:
    world = World()
    world.telegram.failures["news"] = [server_error()]
    with send_options(Priority.BULK):
        news = world.send(1, "news")
    await world.run([news])
    assert isinstance(news.exception(), NetworkError)
    assert world.telegram.failures["news"] == []


async def test_edits_and_non_sends_do_not_wait_for_the_groups_minute() -> None:
    world = World()
    posts = [world.send(GROUP, f"post {i}") for i in range(25)]
    await world.run(posts[:20])
    restrict = world.send(GROUP, "", method="restrictChatMember")
    delete = world.send(GROUP, "", method="deleteMessage")
    await world.run([restrict, delete])
    assert world.clock.now() - world.times(GROUP)[19] < 1.0
    await world.run(posts)


async def test_an_update_waiting_on_a_send_holds_no_processing_slot() -> None:
    world = World()
    processor = PerUserUpdateProcessor(max_concurrent_updates=1)
    await world.run([world.send(GROUP, f"post {i}") for i in range(20)])
    await world.wait(1.0)  # the global budget is free again; the group's minute is not
    done: list[str] = []

    async def group_reply() -> None:
        await world.request("sendMessage", GROUP, "late post")
        done.append("group")

    async def private_reply() -> None:
        await world.request("sendMessage", 42, "answer")
        done.append("private")

    waiting = asyncio.ensure_future(processor.do_process_update(object(), group_reply()))
    for _ in range(20):
        await asyncio.sleep(0)
    answered = asyncio.ensure_future(processor.do_process_update(object(), private_reply()))
    for _ in range(50):
        await asyncio.sleep(0)
    assert done == ["private"]
    await world.run([waiting, answered])
    assert done == ["private", "group"] and processor.finished == 2


async def test_slots_are_handed_out_in_order_and_a_cancelled_waiter_passes_its_turn_on() -> None:
    slots = Slots(1)
    order: list[str] = []

    async def take(name: str) -> None:
        async with slots:
            order.append(name)
            await asyncio.sleep(0)

    await slots.acquire()
    waiters = [asyncio.ensure_future(take(name)) for name in "abc"]
    for _ in range(5):
        await asyncio.sleep(0)
    waiters[0].cancel()
    slots.release()
    await asyncio.gather(*waiters, return_exceptions=True)
    assert order == ["b", "c"]
    await asyncio.wait_for(slots.acquire(), 1)  # the slot came back


async def test_a_send_held_up_after_its_slot_moves_the_chats_pace_to_when_it_left() -> None:
    clock = VirtualPaceClock()
    scheduler = OutboundScheduler(Limits(chat_burst=1), clock, connections=1)
    seen: list[tuple[float, str]] = []
    wire_free = asyncio.Event()

    def request(chat_id: int, text: str, hold: bool = False) -> asyncio.Task[Any]:
        async def call() -> Any:
            if hold:
                await wire_free.wait()
            seen.append((clock.now(), text))
            return {"message_id": len(seen)}

        data = {"chat_id": chat_id, "text": text}
        return asyncio.ensure_future(
            scheduler.process_request(call, (), {}, "sendMessage", data, None)
        )

    blocker = request(9, "holds the only connection", hold=True)
    await asyncio.sleep(0)
    clock.advance(1.0)
    first = request(7, "first")  # released at once, then waits half a second for the wire
    for _ in range(10):
        await asyncio.sleep(0)
    clock.advance(0.5)
    wire_free.set()
    await asyncio.gather(blocker, first)
    second = request(7, "second")
    for _ in range(10):
        await asyncio.sleep(0)
    while not second.done():
        clock.step()
        for _ in range(10):
            await asyncio.sleep(0)
    times = {text: at for at, text in seen}
    assert times["second"] - times["first"] >= 1.0  # a second after it really left


async def test_sends_held_up_together_still_leave_at_the_pace() -> None:
    clock = VirtualPaceClock()
    scheduler = OutboundScheduler(Limits(messages_per_second=10), clock, connections=1)
    seen: list[tuple[float, int]] = []
    wire_free = asyncio.Event()

    def request(chat_id: int, hold: bool = False) -> asyncio.Task[Any]:
        async def call() -> Any:
            if hold:
                await wire_free.wait()
            seen.append((clock.now(), chat_id))
            return {"message_id": len(seen)}

        data = {"chat_id": chat_id, "text": "hi"}
        return asyncio.ensure_future(
            scheduler.process_request(call, (), {}, "sendMessage", data, None)
        )

    async def turn() -> None:
        for _ in range(10):
            await asyncio.sleep(0)

    tasks = [request(1, hold=True)]
    await turn()
    for chat in range(2, 6):  # each released at its slot, all waiting for the one connection
        clock.step()
        tasks.append(request(chat))
        await turn()
    clock.advance(1.0)
    wire_free.set()
    while not all(task.done() for task in tasks):
        await turn()
        clock.step()
    left = [at for at, chat in seen if chat != 1]
    assert len(left) == 4
    assert all(b - a >= 0.1 - 0.002 for a, b in itertools.pairwise(left))
