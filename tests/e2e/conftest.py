"""Browser journeys: Python Playwright driving Debian's chromium against pytest-django's live
server. Each person gets their own browser context (their own cookies), as on their own phone."""

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.db import connections
from django.test import Client
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    expect,
    sync_playwright,
)

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still
# plain synchronous code, so Django's async-safety guard must not mistake them for async ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


# Per package, not per session: while Playwright's event loop runs in this thread, Django keeps
# this thread's database connections apart from the ones it opened before (asgiref sees a
# running loop), and the test database's teardown closes only those. A connection opened by a
# later test would then outlive the run and keep the test database from being dropped.
@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail(
            "Debian's chromium is not installed: `apt-get install chromium` (.ci/run does it)."
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
            browser.close()
        finally:
            connections.close_all()  # the ones opened while the loop ran


@pytest.fixture
def site(live_server, settings) -> str:  # type: ignore[no-untyped-def]
    settings.SITE_URL = live_server.url
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
    settings.CSRF_TRUSTED_ORIGINS = [live_server.url]
    return live_server.url


class Person:
    """One person's browser, with every console error and failed request recorded."""

    def __init__(self, context: BrowserContext, name: str) -> None:
        self.name = name
        self.context = context
        self.page: Page = context.new_page()
        self.errors: list[str] = []
        self.page.on("console", self._record_console)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _record_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"{self.page.url}: {message.text}")

    def screenshot(self, label: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{label}-{self.name}.png"
        # caret="initial": hiding the caret injects a <style>, which our CSP rightly blocks.
        self.page.screenshot(path=str(path), full_page=True, caret="initial")
        return path


@pytest.fixture
def person(browser: Browser) -> Iterator[Callable[..., Person]]:
    contexts: list[BrowserContext] = []

    def make(name: str, *, width: int = 390, height: int = 844) -> Person:
        context = browser.new_context(viewport={"width": width, "height": height})
        context.set_default_timeout(10_000)
        contexts.append(context)
        return Person(context, name)

    yield make
    for context in contexts:
        context.close()


def link_in_last_email_to(address: str, pattern: str) -> str:
    """The first link matching `pattern` in the newest email sent to `address`."""
    for message in reversed(mail.outbox):
        if address in message.to:
            match = re.search(pattern, message.body)
            assert match, f"no link like {pattern!r} in: {message.body}"
            return match.group(0)
    raise AssertionError(f"no email to {address}; outbox: {[m.to for m in mail.outbox]}")


def log_in(person: Person, site: str, *, email: str, password: str) -> None:
    page = person.page
    page.goto(f"{site}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password:", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{site}/space/**")


PASSWORD = "slow mornings and honest talks 7"


def sign_up(person: Person, *, email: str, name: str, password: str = PASSWORD) -> None:
    page = person.page
    page.get_by_label("Email").fill(email)
    page.get_by_label("Your first name or nickname").fill(name)
    page.get_by_label("Password:", exact=True).fill(password)
    page.get_by_label("Password (again)").fill(password)
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()


def sign_up_from_invitation(
    person: Person, *, email: str, name: str, password: str = PASSWORD
) -> None:
    """Sign-up after opening an emailed invitation: the address is filled in and, proved by the
    link, needs no confirmation email; the person lands back on the invitation."""
    page = person.page
    expect(page.get_by_label("Email")).to_have_value(email)
    sent_before = len(mail.outbox)
    page.get_by_label("Your first name or nickname").fill(name)
    page.get_by_label("Password:", exact=True).fill(password)
    page.get_by_label("Password (again)").fill(password)
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_role("heading", name="invited you")).to_be_visible()
    assert mail.outbox[sent_before:] == []


def verify(person: Person, *, email: str, site: str) -> None:
    """Opens the confirmation link from the mail outbox and confirms."""
    person.page.goto(link_in_last_email_to(email, rf"{site}/accounts/confirm-email/\S+/"))
    person.page.get_by_role("button", name="Confirm").click()


def sign_in(context: BrowserContext, user) -> None:  # type: ignore[no-untyped-def]
    """Reuse Django's own login for speed: the journeys test the real sign-in separately."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": settings.SITE_URL}])
