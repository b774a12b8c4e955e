"""In a hard moment, on a phone: Alex taps "Hard moment?" from a step page, grounds, keeps a
private note and asks Blake for reassurance. Blake gets an email without the note, sees the ask
on the couple home, reads how to answer, and says "I saw this" in place. Alex sees that."""

from django.core import mail
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in

NOTE = "The song in the car, and then I could not stop the pictures."


def test_a_hard_moment_asks_for_reassurance_and_the_partner_answers(
    site, person, partner_a, partner_b
):
    alex = person("alex")  # a phone-sized page
    blake = person("blake", width=1280, height=900)
    log_in(alex, site, email="alex@example.com", password=PASSWORD)
    log_in(blake, site, email="blake@example.com", password=PASSWORD)

    alex.page.goto(f"{site}/space/steps/4/")
    link = alex.page.get_by_test_id("hard-moment-link")
    expect(link).to_be_in_viewport()
    link.click()
    expect(alex.page.get_by_test_id("grounding")).to_contain_text("Breathe out")
    alex.page.get_by_label("I need reassurance").check()
    alex.page.get_by_label("A note for yourself (optional)").fill(NOTE)
    alex.page.get_by_role("button", name="Save and let Blake know if I chose to").click()
    expect(alex.page.get_by_role("heading", name="Hard moments", exact=True)).to_be_visible()
    expect(alex.page.get_by_text("Blake will see that you asked for reassurance")).to_be_visible()
    expect(alex.page.get_by_test_id("own-moment")).to_contain_text(NOTE)
    alex.screenshot("hard-moment-logged")

    (email,) = mail.outbox
    assert email.to == ["blake@example.com"]
    assert NOTE not in email.body and "asked you for reassurance" in email.body

    blake.page.goto(f"{site}/space/")
    notice = blake.page.get_by_test_id("partner-ask-notice")
    expect(notice).to_contain_text("Alex is having a hard moment")
    notice.get_by_role("link").click()
    expect(blake.page.get_by_test_id("how-to-respond")).to_contain_text(
        "reassure rather than defend"
    )
    expect(blake.page.get_by_text(NOTE)).to_have_count(0)
    blake.page.evaluate("window.__notReloaded = true")
    blake.page.get_by_role("button", name="I saw this, and I'm here").click()
    expect(blake.page.get_by_test_id("partner-ask")).to_contain_text(
        "You let them know you saw this."
    )
    assert blake.page.evaluate("window.__notReloaded") is True
    blake.screenshot("hard-moment-answered")
    blake.page.goto(f"{site}/space/")
    expect(blake.page.get_by_test_id("partner-ask-notice")).to_have_count(0)

    alex.page.reload()
    expect(alex.page.get_by_test_id("own-moment")).to_contain_text("they let you know they saw it")
    assert alex.errors == [] and blake.errors == []
