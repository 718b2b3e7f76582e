"""The programme Mini App in a real browser: headless Chromium from the system's packages.

Each test starts the bot with its web server against the fake Bot API, opens the page in
Chromium through Playwright (``executable_path``: Playwright never downloads a browser here)
and plays the Telegram client: Telegram's ``telegram-web-app.js`` is answered by a stand-in
that hands the page a validly signed ``initData`` and theme, as the client does. Every other
address outside 127.0.0.1 is refused. Screenshots of the phone and the wide layout are saved
under the test's output folder (``tmp_path``) for review. Without Chromium the tests are
skipped, saying how to install it; with ``FORUMBOT_REQUIRE_BROWSER=1`` (CI) they fail instead.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.schedule.model import Session
from bot.schedule.query import fold
from tests.e2e.conftest import MakeBot
from tests.e2e.harness import BotHarness, TestClock, at
from tests.fakeapi import SimUser
from tests.web_support import free_port, sign_init_data, web_settings

playwright_api = pytest.importorskip("playwright.async_api")

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INSTALL = "apt-get install -y chromium"
TELEGRAM_JS = "https://telegram.org/js/telegram-web-app.js"
DURING_OPENING = at(2027, 3, 16, 8, 40)  # 09:40 in Bonn on day one
PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1280, "height": 900}
DARK = {
    "bg_color": "#17212b",
    "text_color": "#f5f5f5",
    "hint_color": "#aab8c4",
    "link_color": "#7cc0ff",
    "button_color": "#5aa9f0",
    "button_text_color": "#0c1620",
    "secondary_bg_color": "#232e3c",
}


def chromium_path() -> str | None:
    """Return the system Chromium, if installed."""
    wanted = os.environ.get("FORUMBOT_CHROMIUM")
    if wanted:
        return wanted if Path(wanted).exists() else None
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """A headless system Chromium driven by Playwright."""
    path = chromium_path()
    if path is None:
        message = f"browser test skipped: Chromium is not installed (install it: {INSTALL})"
        if os.environ.get("FORUMBOT_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    async with playwright_api.async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)
        try:
            yield launched
        finally:
            await launched.close()


def telegram_stub(init_data: str, user: dict[str, Any], *, dark: bool = False) -> str:
    """Return a stand-in for telegram-web-app.js: what the Telegram client gives a Mini App."""
    web_app = {
        "initData": init_data,
        "initDataUnsafe": {"user": user} if init_data else {},
        "colorScheme": "dark" if dark else "light",
        "themeParams": DARK if dark else {},
        "version": "8.0",
        "platform": "tdesktop",
    }
    return (
        "window.Telegram = {WebApp: Object.assign(" + json.dumps(web_app) + ", {"
        "ready() {}, expand() {}, onEvent() {}, HapticFeedback: {selectionChanged() {}}})};"
    )


class Page:
    """The Mini App open in one browser tab, with what the page logged."""

    def __init__(self, page: Any, base: str) -> None:
        self.page = page
        self.base = base
        self.errors: list[str] = []
        self.api_statuses: list[int] = []

    async def open(self, query: str = "") -> None:
        """Load the page and wait until the programme is shown."""
        await self.page.goto(self.base + "/" + query)
        await self.page.wait_for_selector("main article.card, main p.hint:not([data-t])")

    def assert_clean(self) -> None:
        """Fail on any script error or Content-Security-Policy violation the page met."""
        assert self.errors == []


async def open_app(
    browser: Any,
    bot: BotHarness,
    *,
    init_data: str = "",
    user: dict[str, Any] | None = None,
    viewport: dict[str, int] = PHONE,
    dark: bool = False,
    query: str = "",
) -> Page:
    """Open the Mini App as the Telegram client would (no initData: as a plain website)."""
    web = bot.config.web
    assert web is not None
    context = await browser.new_context(
        viewport=viewport, locale="en-US", color_scheme="dark" if dark else "light"
    )
    page = await context.new_page()
    app = Page(page, web.public_url)
    stub = telegram_stub(init_data, user or {}, dark=dark)

    async def route(request_route: Any) -> None:
        url = request_route.request.url
        if url.startswith(TELEGRAM_JS):
            await request_route.fulfill(body=stub, content_type="text/javascript")
        elif url.startswith(web.public_url):
            await request_route.continue_()
        else:
            await request_route.abort()

    await page.route("**/*", route)
    page.on("pageerror", lambda error: app.errors.append(str(error)))
    page.on(
        "console",
        lambda message: app.errors.append(message.text) if message.type == "error" else None,
    )
    page.on(
        "response",
        lambda response: (
            app.api_statuses.append(response.status) if "/api/" in response.url else None
        ),
    )
    await app.open(query)
    return app


@pytest.fixture
async def web(make_bot: MakeBot, clock: TestClock) -> BotHarness:
    """The bot with its web server, during the example forum's opening plenary."""
    clock.set(DURING_OPENING)
    settings = web_settings(free_port())
    settings["schedule"] = {"place": "Bonn"}
    return await make_bot(settings=settings)


@dataclass
class Reader:
    """A participant of the chat who opens the Mini App from Telegram."""

    bot: BotHarness
    user: SimUser
    browser: Any

    @property
    def telegram_user(self) -> dict[str, Any]:
        """Return the user as the Telegram client hands them to the page."""
        return {"id": self.user.id, "first_name": "Lena", "language_code": "de"}

    async def open_app(self, *, init_data: str | None = None, dark: bool = False) -> Page:
        """Open the Mini App with initData signed for this user (unless given, forged)."""
        if init_data is None:
            init_data = sign_init_data(self.telegram_user, self.bot.clock())
        return await open_app(
            self.browser, self.bot, init_data=init_data, user=self.telegram_user, dark=dark
        )


@pytest.fixture
async def lena(web: BotHarness, browser: Any) -> Reader:
    """Lena, who speaks German and set her zone to America/Sao_Paulo in the chat."""
    user = web.user("Lena", language="de")
    await web.ask(user, "/start")
    await web.ask(user, "/timezone America/Sao_Paulo")
    return Reader(web, user, browser)


def session_titled(bot: BotHarness, title: str) -> Session:
    """Return the example programme's session whose English title starts so."""
    programme = bot.runtime.schedule.programme
    assert programme is not None
    return next(s for s in programme.sessions if s.title.startswith(title))


def star_of(session: Session) -> str:
    """Return the CSS selector of a session's star (its agenda toggle) on the page."""
    return f'article.card[data-id="{session.id}"] button.star'


async def card_texts(app: Page) -> list[str]:
    return [text.strip() for text in await app.page.locator("main article.card").all_inner_texts()]


async def test_german_participant_in_sao_paulo_sees_both_zones(
    lena: Reader, tmp_path: Path
) -> None:
    bot = lena.bot
    app = await lena.open_app()
    assert await app.page.locator("html").get_attribute("lang") == "de"
    assert (await app.page.title()).endswith("· Programm")
    note = await app.page.locator("#zone-note").inner_text()
    assert "Bonn" in note and "Sao Paulo" in note
    # The opening plenary, titled in German: 09:30 in Bonn is 05:30 in São Paulo (UTC-3).
    plenary = session_titled(bot, "Opening plenary")
    opening = await app.page.locator(f'article.card[data-id="{plenary.id}"]').inner_text()
    assert plenary.title_in("de") in opening and plenary.title_in("de") != plenary.title
    assert "09:30–11:00 Bonn" in opening
    assert "05:30–07:00" in opening and "Sao Paulo" in opening
    assert "Jetzt" in await app.page.locator("main .now").inner_text()
    await app.page.screenshot(path=str(tmp_path / "phone.png"), full_page=True)
    await app.page.set_viewport_size(WIDE)
    await app.page.wait_for_selector("main .grid")
    rooms = await app.page.locator("main .grid .room").all_inner_texts()
    assert "Plenary Hall" in rooms and len(rooms) >= 3
    await app.page.screenshot(path=str(tmp_path / "wide.png"), full_page=True)
    assert (tmp_path / "phone.png").stat().st_size > 0
    app.assert_clean()


async def test_star_creates_the_reminder_and_the_chat_agenda_shows_it(lena: Reader) -> None:
    bot, user = lena.bot, lena.user
    app = await lena.open_app()
    workshop = session_titled(bot, "Workshop: E-procurement platforms")
    await app.page.click(star_of(workshop))
    await app.page.wait_for_selector(star_of(workshop) + '[aria-pressed="true"]')
    rows = await bot.runtime.db.fetchall(
        "SELECT session_guid, state FROM reminders WHERE user_id = ?", (user.id,)
    )
    assert [(row[0], row[1]) for row in rows] == [(workshop.guid, "pending")]
    agenda = await bot.ask(user, "/agenda")
    assert workshop.title_in("de") in (agenda.text or "")
    # And the page's agenda view lists it.
    await app.page.click("#view-agenda")
    assert [workshop.title_in("de")] == [text.split("\n")[0] for text in await card_texts(app)]
    app.assert_clean()


async def test_a_star_set_in_the_chat_shows_after_reload(lena: Reader) -> None:
    bot, user = lena.bot, lena.user
    app = await lena.open_app()
    session = session_titled(bot, "Regional exchange: Europe")
    star = star_of(session)
    assert await app.page.get_attribute(star, "aria-pressed") == "false"
    answer = await bot.ask(user, f"/remind {session.id}")
    assert session.title_in("de") in (answer.text or "")
    await app.open()
    assert await app.page.get_attribute(star, "aria-pressed") == "true"
    app.assert_clean()


async def test_forged_init_data_gets_401_and_changes_nothing(lena: Reader) -> None:
    bot, user = lena.bot, lena.user
    forged = sign_init_data(lena.telegram_user, bot.clock(), token="123456:NotTheBotsToken")
    app = await lena.open_app(init_data=forged)
    assert 401 in app.api_statuses
    # The page falls back to the public, read-only programme: no stars to press.
    assert await app.page.locator("button.star").count() == 0
    assert await app.page.locator("#notice").is_visible()
    web = bot.config.web
    assert web is not None
    async with (
        aiohttp.ClientSession() as client,
        client.put(
            f"{web.public_url}/api/agenda/1", headers={"Authorization": f"tma {forged}"}
        ) as response,
    ):
        assert response.status == 401
    stored = await bot.runtime.db.fetchval(
        "SELECT COUNT(*) FROM reminders WHERE user_id = ?", (user.id,)
    )
    assert stored == 0


async def test_dark_theme_is_applied_with_readable_contrast(lena: Reader, tmp_path: Path) -> None:
    app = await lena.open_app(dark=True)
    colours = await app.page.evaluate(
        """() => {
            const style = getComputedStyle(document.body);
            const card = getComputedStyle(document.querySelector('article.card .meta'));
            return [style.backgroundColor, style.color, card.color,
                    document.documentElement.dataset.theme];
        }"""
    )
    assert colours[0] == "rgb(23, 33, 43)" and colours[3] == "dark"
    assert contrast(colours[1], colours[0]) >= 4.5
    assert contrast(colours[2], colours[0]) >= 4.5
    await app.page.screenshot(path=str(tmp_path / "dark.png"))
    app.assert_clean()


def contrast(foreground: str, background: str) -> float:
    """Return the WCAG contrast ratio of two ``rgb(r, g, b)`` colours."""

    def luminance(colour: str) -> float:
        values = [int(part) / 255 for part in colour[colour.index("(") + 1 : -1].split(",")[:3]]
        linear = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in values]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


async def test_search_as_you_type_folds_accents_like_the_bot(lena: Reader) -> None:
    bot = lena.bot
    app = await lena.open_app()
    # The page folds the query as bot.schedule.query.fold folds the programme.
    samples = [
        "Eröffnung",
        "ÉCONOMIE circulaire",
        "Straße",
        "São Paulo",
        "ﬁnance",
        "e-procurement",
    ]
    folded = await app.page.evaluate("(samples) => samples.map(window.forumFold)", samples)
    assert folded == [fold(sample) for sample in samples]
    plenary = session_titled(bot, "Opening plenary")
    await app.page.fill("#q", "eroffnungsplenum")  # no umlaut typed
    cards = app.page.locator("main article.card")
    assert await cards.count() == 1
    assert await cards.first.get_attribute("data-id") == plenary.id
    await app.page.fill("#q", "zzzz-nothing")
    assert await cards.count() == 0
    assert await app.page.locator("main p.hint").is_visible()
    app.assert_clean()


async def test_filters_details_and_keyboard(web: BotHarness, browser: Any) -> None:
    app = await open_app(browser, web)  # a plain web page: the public programme
    programme = web.runtime.schedule.programme
    assert programme is not None
    day_one = programme.on_day(programme.days[0])
    workshops = [s.id for s in day_one if s.type == "workshop"]
    await app.page.select_option("#f-type", "workshop")
    ids = await app.page.locator("main article.card").evaluate_all(
        "cards => cards.map(c => c.dataset.id)"
    )
    assert ids == workshops and ids
    # Keyboard only: focus a card, open its details with Enter, close them with Escape.
    first = app.page.locator("main article.card button.open").first
    await first.focus()
    await app.page.keyboard.press("Enter")
    dialog = app.page.locator("dialog#details")
    assert await dialog.is_visible()
    session = next(s for s in day_one if s.id == workshops[0])
    assert await app.page.locator("#d-title").inner_text() == session.title
    assert session.room in await app.page.locator("#d-room").inner_text()
    await app.page.keyboard.press("Escape")
    assert not await dialog.is_visible()
    assert await first.evaluate("node => node === document.activeElement")
    # Read-only: no stars, and a note saying how to get an agenda.
    assert await app.page.locator("button.star").count() == 0
    assert await app.page.locator("#view-agenda").is_hidden()
    assert "Telegram" in await app.page.locator("#notice").inner_text()
    # Every control has a name a screen reader can announce.
    unnamed = await app.page.evaluate(
        """() => [...document.querySelectorAll('button, select, input')]
            .filter(n => !n.closest('[hidden]') && !(n.labels && n.labels.length)
                         && !n.getAttribute('aria-label') && !n.textContent.trim())
            .map(n => n.outerHTML)"""
    )
    assert unnamed == []
    app.assert_clean()


async def test_a_link_opens_the_page_at_a_session(web: BotHarness, browser: Any) -> None:
    session = session_titled(web, "Regional exchange: Europe")
    app = await open_app(browser, web, query=f"?session={session.id}", viewport=WIDE)
    assert await app.page.locator("dialog#details").is_visible()
    assert await app.page.locator("#d-title").inner_text() == session.title
    # The wide layout: rooms side by side and the line at the current time.
    await app.page.keyboard.press("Escape")
    assert await app.page.locator("main .grid .now").count() == 1
    app.assert_clean()
