"""Issue 5's journey: A invites counselor C; C signs up and accepts; B consents; C reads the
summary without any private reflection; A revokes and C's next request is refused; both
partners see C's view in the access log."""

from django.core import mail
from playwright.sync_api import expect

from steps.services import CheckInAnswer, submit_check_in, write_reflection
from tests.conftest import PASSWORD
from tests.e2e.conftest import link_in_last_email_to, log_in, sign_up_from_invitation

PRIVATE = "Alex private: I still wonder if I will ever feel safe again"
COUNSELOR_PASSWORD = "listening is the work 2026"


def test_counselor_sees_the_summary_only_while_both_consent(site, person, partner_a, partner_b):
    alex_partnership = partner_a.user.partnerships.get()
    write_reflection(partnership=alex_partnership, step=1, text=PRIVATE)
    submit_check_in(partnership=alex_partnership, step=1, answer=CheckInAnswer(3, 4, False, "ok"))
    submit_check_in(
        partnership=partner_b.user.partnerships.get(), step=1, answer=CheckInAnswer(4, 6, False, "")
    )
    alex = person("alex", width=1280, height=900)
    blake = person("blake")
    carol = person("carol", width=1280, height=900)
    log_in(alex, site, email="alex@example.com", password=PASSWORD)
    log_in(blake, site, email="blake@example.com", password=PASSWORD)

    # A invites the counselor, sharing check-in notes too.
    alex.page.get_by_role("link", name="Who can see it").click()
    alex.page.get_by_label("Your counselor's email address").fill("carol@clinic.example")
    alex.page.get_by_label("Notes written to each other in check-ins").check()
    alex.page.get_by_role("button", name="Send the invitation").click()
    expect(alex.page.get_by_test_id("access-state")).to_contain_text("Cannot see anything")

    # Nothing reaches C while only A has consented: a pending request the partners alone see.
    assert not [m for m in mail.outbox if "carol@clinic.example" in m.to]
    blake.page.goto(f"{site}/space/sharing/")
    card = blake.page.get_by_test_id("counselor")
    expect(card).to_contain_text("carol@clinic.example")
    expect(card).to_contain_text("your private reflections")
    expect(blake.page.get_by_test_id("access-state")).not_to_contain_text("both consented")

    # B consents to the same; only now is C invited.
    card.get_by_label("Notes written to each other in check-ins").check()
    card.get_by_role("button", name="I consent to share this").click()
    expect(blake.page.get_by_test_id("access-state")).to_contain_text("You have both consented")

    # C signs up from the emailed link (it proved the address), writes a profile and accepts.
    carol.page.goto(
        link_in_last_email_to("carol@clinic.example", rf"{site}/counselor-invitation/\S+/")
    )
    expect(
        carol.page.get_by_role("heading", name="Alex invited you as their counselor")
    ).to_be_visible()
    carol.page.get_by_role("link", name="Create an account").click()
    sign_up_from_invitation(
        carol, email="carol@clinic.example", name="Carol", password=COUNSELOR_PASSWORD
    )
    carol.page.get_by_role("link", name="Complete your counselor profile").click()
    carol.page.get_by_label("Professional name").fill("Carol Diaz, LMFT")
    carol.page.get_by_label("Practice").fill("Harbor Counseling")
    carol.page.get_by_role("button", name="Save my profile").click()
    carol.page.get_by_role("button", name="Accept the invitation").click()
    blake.page.reload()
    expect(blake.page.get_by_test_id("counselor")).to_contain_text("Carol Diaz, LMFT")

    # C reads the summary: ratings and notes, never the private reflection.
    carol.page.goto(f"{site}/counselor/")
    carol.page.get_by_role("link", name="Alex and Blake").click()
    expect(carol.page.get_by_role("heading", name="Check-ins")).to_be_visible()
    expect(carol.page.locator("main")).to_contain_text("4 of 10")
    assert PRIVATE not in carol.page.content()
    summary_url = carol.page.url
    carol.screenshot("counselor-summary")

    # A revokes; C's very next request is refused.
    alex.page.reload()
    alex.page.get_by_text("Change what you share, or withdraw").click()
    alex.page.get_by_role("button", name="Withdraw my consent now").click()
    expect(alex.page.get_by_test_id("access-state")).to_contain_text("Cannot see anything")
    response = carol.page.goto(summary_url)
    assert response.status == 403
    expect(
        carol.page.get_by_role("heading", name="This summary is not open to you now")
    ).to_be_visible()
    assert PRIVATE not in carol.page.content()

    # Both partners see the view, and the refusal, in the log.
    for who in (alex, blake):
        who.page.goto(f"{site}/space/sharing/")
        log = who.page.get_by_role("table")
        expect(log).to_contain_text("Carol Diaz, LMFT")
        expect(log).to_contain_text("Viewed")
        expect(log).to_contain_text("Refused: no consent")
    alex.screenshot("sharing-log")
    assert alex.errors == [] and blake.errors == [], (alex.errors, blake.errors)
