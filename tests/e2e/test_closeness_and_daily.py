"""Rebuilding closeness and the daily question in a real browser: Alex turns the daily question
on, answers it privately; both share an exercise and see each other's answers only once both
have shared."""

from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in


def test_both_share_an_exercise_and_alex_keeps_a_daily_answer(site, person, partner_a, partner_b):
    alex = person("alex")
    blake = person("blake", width=1280, height=900)
    log_in(alex, site, email="alex@example.com", password=PASSWORD)
    log_in(blake, site, email="blake@example.com", password=PASSWORD)

    # The daily question is off until Alex turns it on in the preferences.
    alex.page.goto(f"{site}/space/")
    alex.page.get_by_role("link", name="Today's question").click()
    alex.page.get_by_role("link", name="Turn it on in your preferences").click()
    alex.page.get_by_label("A two-minute question each day").check()
    alex.page.get_by_role("button", name="Save").click()
    alex.page.goto(f"{site}/space/today/")
    alex.page.get_by_label("Your answer").fill("ALEX-DAILY: the walk helped.")
    alex.page.get_by_role("button", name="Save my answer").click()
    expect(alex.page.get_by_test_id("my-answer-state")).to_contain_text("kept for you alone")

    # An exercise: Alex shares first; Blake sees nothing of it until Blake shares too.
    alex.page.goto(f"{site}/space/closeness/")
    alex.page.get_by_role("link", name="Three things this week").click()
    alex.page.get_by_label("Your answer").fill("ALEX-THREE: tea, the note, the call.")
    alex.page.get_by_label("Share it with your partner").check()
    alex.page.get_by_role("button", name="Save my answer").click()
    expect(alex.page.get_by_test_id("my-answer-state")).to_contain_text("You shared yours")

    blake.page.goto(f"{site}/space/closeness/three-things/")
    expect(blake.page.get_by_text("ALEX-THREE")).to_have_count(0)
    blake.page.get_by_label("Your answer").fill("BLAKE-THREE: your patience.")
    blake.page.get_by_label("Share it with your partner").check()
    blake.page.get_by_role("button", name="Save my answer").click()
    revealed = blake.page.get_by_test_id("revealed-answers")
    expect(revealed).to_contain_text("ALEX-THREE")
    expect(revealed).to_contain_text("BLAKE-THREE")
    blake.screenshot("closeness-revealed")

    alex.page.reload()
    expect(alex.page.get_by_test_id("revealed-answers")).to_contain_text("BLAKE-THREE")
    blake.page.goto(f"{site}/space/today/")
    expect(blake.page.get_by_text("ALEX-DAILY")).to_have_count(0)
    assert alex.errors == [] and blake.errors == []
