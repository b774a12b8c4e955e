"""A kept page works in a real browser as a freshly drawn one does: its scripts run, and its
forms and htmx requests carry a CSRF token the server accepts."""

from django.core.cache import caches
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in


def test_kept_step_page_and_home_work_in_a_browser(site, person, partner_a, partner_b):
    alex = person("alex")
    log_in(alex, site, email="alex@example.com", password=PASSWORD)
    page = alex.page

    page.goto(f"{site}/space/steps/2/")
    page.reload()  # the second visit is served from the kept page
    assert caches["page_shells"]._cache, "nothing was kept"  # the live server is this process

    # htmx posts the reflection with the token from <body>, in place: no new page.
    page.evaluate("window.__notReloaded = true")
    page.get_by_label("Your reflection").fill("Written on a kept page")
    page.get_by_role("button", name="Save my reflection").click()
    expect(page.locator("#reflections .reflection").first).to_contain_text("Written on a kept page")
    assert page.evaluate("window.__notReloaded") is True

    # A plain form post from the kept home, with the token in the form.
    page.goto(f"{site}/space/")
    page.reload()
    page.get_by_role("link", name="Taking a break").click()
    page.get_by_role("button", name="Pause the process").click()
    expect(page.get_by_text("paused for both of you, until you resume it")).to_be_visible()
    expect(page.get_by_test_id("next-action")).to_have_attribute("data-state", "my_pause")

    assert alex.errors == []
