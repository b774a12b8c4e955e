"""Issue 4's journey: on step 6 A asks two questions, B answers one, and both see "1 unanswered"
without reloading; A pauses and B sees it. Then "Leave quickly" leaves no way back."""

from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in

NEUTRAL = "https://neutral.example/weather"


def test_question_ledger_updates_both_partners_and_pause_shows_for_both(
    site, person, settings, partner_a, partner_b
):
    settings.LEAVE_QUICKLY_URL = NEUTRAL
    alex = person("alex", width=1280, height=900)
    blake = person("blake")
    log_in(alex, site, email="alex@example.com", password=PASSWORD)
    log_in(blake, site, email="blake@example.com", password=PASSWORD)
    for who in (alex, blake):
        who.page.goto(f"{site}/space/steps/6/")
        expect(who.page.get_by_test_id("unanswered")).to_contain_text("0 unanswered")
        who.page.evaluate("window.__notReloaded = true")

    # A asks two questions, in place.
    for text in ("Who else knew?", "When did it start?"):
        alex.page.get_by_label("Your question").fill(text)
        alex.page.get_by_role("button", name="Ask this question").click()
        expect(alex.page.get_by_test_id("question").filter(has_text=text)).to_be_visible()
    expect(alex.page.get_by_test_id("unanswered")).to_contain_text("2 unanswered")
    # B's count follows without a reload, then B shows the questions and answers one.
    expect(blake.page.get_by_test_id("unanswered")).to_contain_text("2 unanswered", timeout=10_000)
    blake.page.get_by_role("link", name="Something changed: show it").click()
    first = blake.page.get_by_test_id("question").filter(has_text="Who else knew?")
    first.get_by_text("Answer", exact=True).click()
    first.get_by_label("Your answer").fill("Only my brother. I'm sorry I kept that from you.")
    first.get_by_role("button", name="Save my answer").click()
    expect(blake.page.get_by_test_id("unanswered")).to_contain_text("1 unanswered")
    blake.screenshot("step6-ledger")

    # Both see "1 unanswered", neither reloaded.
    expect(alex.page.get_by_test_id("unanswered")).to_contain_text("1 unanswered", timeout=10_000)
    for who in (alex, blake):
        assert who.page.evaluate("window.__notReloaded") is True
    alex.page.get_by_role("link", name="Something changed: show it").click()
    expect(alex.page.get_by_text("Only my brother.")).to_be_visible()

    # A pauses; B sees the paused state, and no check-in form.
    alex.page.goto(f"{site}/space/")
    alex.page.get_by_role("link", name="Taking a break").click()
    alex.page.get_by_label("A note for your partner (optional)").fill("I need a quiet week.")
    alex.page.get_by_role("button", name="Pause the process").click()
    expect(alex.page.get_by_role("heading", name="You paused the process")).to_be_visible()
    blake.page.goto(f"{site}/space/")
    next_action = blake.page.get_by_test_id("next-action")
    expect(next_action).to_contain_text("Alex paused the process")
    expect(next_action).to_contain_text("I need a quiet week.")
    blake.page.goto(f"{site}/space/steps/1/")
    expect(blake.page.get_by_test_id("paused")).to_be_visible()
    expect(blake.page.locator("#check-in form")).to_have_count(0)
    blake.screenshot("paused")
    assert alex.errors == [] and blake.errors == [], (alex.errors, blake.errors)


def test_leave_quickly_replaces_the_page_and_leaves_no_way_back(site, person, settings, partner_a):
    settings.LEAVE_QUICKLY_URL = NEUTRAL
    alex = person("alex")
    alex.context.route(
        "https://neutral.example/**",
        lambda route: route.fulfill(content_type="text/html", body="<h1>Weather</h1>"),
    )
    log_in(alex, site, email="alex@example.com", password=PASSWORD)
    alex.page.goto(f"{site}/space/steps/1/")
    length_before = alex.page.evaluate("history.length")
    alex.page.get_by_role("link", name="Leave quickly").click()
    alex.page.wait_for_url(NEUTRAL)
    # replace(), not a new entry: the step page is gone from this tab's history.
    assert alex.page.evaluate("history.length") == length_before
    alex.page.go_back()
    assert "/space/steps/1/" not in alex.page.url

    # Escape twice does the same from anywhere.
    alex.page.goto(f"{site}/space/")
    alex.page.keyboard.press("Escape")
    alex.page.keyboard.press("Escape")
    alex.page.wait_for_url(NEUTRAL)
