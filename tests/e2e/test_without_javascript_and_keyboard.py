"""The check-in and reflection forms work with JavaScript off, and the check-in can be done by
keyboard alone with a visible focus ring."""

from playwright.sync_api import expect

from steps.models import CheckIn, Reflection
from tests.e2e.conftest import sign_in


def test_reflection_and_check_in_work_without_javascript(site, browser, partner_a, partner_b):
    context = browser.new_context(java_script_enabled=False)
    try:
        sign_in(context, partner_a.user)
        page = context.new_page()
        page.goto(f"{site}/space/steps/1/")
        page.get_by_label("Your reflection").fill("Written with scripts off.")
        page.get_by_role("button", name="Save my reflection").click()
        expect(page.locator("#reflections .reflection").first).to_contain_text(
            "Written with scripts off."
        )
        form = page.locator("#check-in form")
        form.get_by_label("Hopeful").check()
        form.locator("input[name=trust][value='6']").check()
        form.get_by_label("Not yet, and that's fine").check()
        form.get_by_role("button", name="Check in").click()
        expect(page.get_by_test_id("check-in-status")).to_contain_text("You have checked in.")
        assert Reflection.objects.filter(author=partner_a.user).count() == 1
        assert CheckIn.objects.get(author=partner_a.user).trust == 6
    finally:
        context.close()


def test_a_check_in_can_be_done_with_the_keyboard_alone(site, person, partner_a, partner_b):
    alex = person("alex-keyboard", width=1280, height=900)
    sign_in(alex.context, partner_a.user)
    page = alex.page
    page.goto(f"{site}/space/steps/1/")
    # Tab to the first feeling choice, as a keyboard user would, from the top of the page.
    first_feeling = page.locator("#check-in input[name=feeling]").first
    for _ in range(80):
        page.keyboard.press("Tab")
        if first_feeling.evaluate("el => el === document.activeElement"):
            break
    assert first_feeling.evaluate("el => el === document.activeElement"), "feeling never got focus"
    # The focus ring is visible: an outline is drawn around the focused control.
    outline = first_feeling.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline not in ("none", ""), outline
    page.keyboard.press("ArrowDown")  # radio groups move with the arrow keys
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")  # into the trust scale
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Tab")  # into ready
    page.keyboard.press("Space")
    page.keyboard.press("Tab")  # the note
    page.keyboard.type("Typed with the keyboard only.")
    page.keyboard.press("Tab")  # the submit button
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("check-in-status")).to_contain_text("You have checked in.")
    answer = CheckIn.objects.get(author=partner_a.user)
    assert answer.feeling == 3
    assert answer.trust == 3
    assert answer.note == "Typed with the keyboard only."
    assert alex.errors == []
