"""Issue 3's journey: both partners reflect privately on step 1, check in, see each other's
answers appear without reloading, and move on to step 2 together."""

from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in

ALEX_PRIVATE = "Alex private: I keep replaying the night I found out"
BLAKE_PRIVATE = "Blake private: I am ashamed of how long I hid it"


def write_reflection(person, text):
    page = person.page
    page.get_by_label("Your reflection").fill(text)
    page.get_by_role("button", name="Save my reflection").click()
    expect(page.locator("#reflections .reflection").first).to_contain_text(text)


def check_in(person, *, feeling, trust, note):
    page = person.page
    form = page.locator("#check-in form")
    form.get_by_label(feeling).check()
    form.locator(f"input[name=trust][value='{trust}']").check()
    form.get_by_label("Yes, I'm ready").check()
    form.get_by_label("A note for your partner (optional)").fill(note)
    form.get_by_role("button", name="Check in").click()


def test_partners_reflect_check_in_and_move_on_together(site, person, partner_a, partner_b):
    alex = person("alex", width=1280, height=900)
    blake = person("blake")
    log_in(alex, site, email="alex@example.com", password=PASSWORD)
    log_in(blake, site, email="blake@example.com", password=PASSWORD)

    for who in (alex, blake):
        who.page.goto(f"{site}/space/steps/1/")
        expect(who.page.get_by_role("heading", name="Your private reflections")).to_be_visible()
    write_reflection(alex, ALEX_PRIVATE)
    write_reflection(blake, BLAKE_PRIVATE)

    # A checks in first and waits.
    check_in(alex, feeling="Uneasy", trust=4, note="Alex to Blake: thank you for staying")
    status = alex.page.get_by_test_id("check-in-status")
    expect(status).to_contain_text("You have checked in.")
    expect(status).to_contain_text("Waiting for Blake")
    alex.page.evaluate("window.__notReloaded = true")
    alex.screenshot("step1-waiting")

    # B sees only that A checked in, never A's answer, then answers.
    blake.page.reload()
    expect(blake.page.get_by_test_id("check-in-status")).to_contain_text("Alex has checked in.")
    assert "thank you for staying" not in blake.page.content()
    check_in(
        blake, feeling="Hopeful", trust=7, note="Blake to Alex: I'm here for as long as it takes"
    )
    expect(blake.page.get_by_test_id("revealed-answers")).to_contain_text("thank you for staying")

    # A's page shows both answers without a reload.
    answers = alex.page.get_by_test_id("revealed-answers")
    expect(answers).to_contain_text("I'm here for as long as it takes", timeout=10_000)
    expect(answers).to_contain_text("7 of 10")
    assert alex.page.evaluate("window.__notReloaded") is True
    expect(alex.page.get_by_text("Step 2 is open for both of you.")).to_be_visible()
    alex.screenshot("step1-revealed")

    # Step 2 is open for both: the home shows it as current.
    for who in (alex, blake):
        who.page.goto(f"{site}/space/")
        current = who.page.locator(".progress__step--current")
        expect(current).to_contain_text("Learn to trust yourself again")
        expect(who.page.locator(".progress__step--done")).to_contain_text("Commit to the process")
    alex.screenshot("home-step2")
    blake.page.goto(f"{site}/space/steps/2/")
    expect(blake.page.locator("#check-in form")).to_be_visible()

    # Neither ever saw the other's private reflection.
    for who, other_text in ((alex, BLAKE_PRIVATE), (blake, ALEX_PRIVATE)):
        for path in ("/space/", "/space/steps/1/", "/space/steps/2/"):
            who.page.goto(f"{site}{path}")
            assert other_text not in who.page.content()
    assert alex.errors == [] and blake.errors == [], (alex.errors, blake.errors)
