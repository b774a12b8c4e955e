"""Issue 2's journey: A signs up, verifies, starts the space and invites B; B opens the link,
signs up (no second verification) and accepts; A's page shows B as joined without A reloading."""

from playwright.sync_api import expect

from tests.e2e.conftest import link_in_last_email_to, sign_up, sign_up_from_invitation, verify


def test_two_partners_link_through_an_emailed_invitation(site, person):
    alex = person("alex", width=1280, height=900)
    blake = person("blake")

    # A signs up, verifies from the mail outbox, and starts the space.
    alex.page.goto(site)
    alex.page.get_by_role("link", name="Create your account").click()
    sign_up(alex, email="alex@example.com", name="Alex")
    verify(alex, email="alex@example.com", site=site)
    expect(alex.page.get_by_role("heading", name="Start your shared space")).to_be_visible()
    alex.page.get_by_label("I was hurt").check()
    alex.page.get_by_role("button", name="Start our space").click()
    expect(alex.page.get_by_role("heading", name="Our space", exact=True)).to_be_visible()

    # A invites B with a personal note.
    alex.page.get_by_role("link", name="Invite your partner").click()
    alex.page.get_by_label("Partner's email address").fill("blake@example.com")
    alex.page.get_by_label("A personal note (optional)").fill("I'd like us to try this together.")
    alex.page.get_by_role("button", name="Send the invitation").click()
    link_state = alex.page.get_by_test_id("link-state")
    expect(link_state).to_contain_text("Invitation waiting")
    expect(link_state).to_contain_text("blake@example.com")
    alex.screenshot("space-waiting")

    # B opens the link while logged out and signs up with the invited address: the link proved it, so there is no confirmation email; B lands back on the invitation.
    invitation_link = link_in_last_email_to("blake@example.com", rf"{site}/invitation/\S+/")
    blake.page.goto(invitation_link)
    expect(blake.page.get_by_role("heading", name="Alex invited you")).to_be_visible()
    blake.page.get_by_role("link", name="Create an account").click()
    sign_up_from_invitation(blake, email="blake@example.com", name="Blake")
    expect(blake.page.get_by_role("heading", name="Alex invited you")).to_be_visible()
    expect(blake.page.get_by_text("I'd like us to try this together.")).to_be_visible()
    blake.screenshot("invitation")
    blake.page.get_by_label("I broke the trust").check()
    blake.page.get_by_role("button", name="Join Alex").click()
    expect(blake.page.get_by_text("You have joined Alex in your shared space.")).to_be_visible()
    expect(blake.page.get_by_test_id("partner")).to_contain_text("Alex")

    # A's page switches to "joined" by itself: no reload by A; the page refreshes itself,
    # since what the whole home leads with changes too.
    expect(link_state.or_(alex.page.get_by_test_id("link-state"))).to_contain_text(
        "Blake joined your space", timeout=10_000
    )
    expect(alex.page.get_by_test_id("partner")).to_contain_text("Blake")
    expect(alex.page.get_by_test_id("next-action")).not_to_have_attribute(
        "data-state", "waiting_to_join"
    )
    alex.screenshot("space-joined")

    # The inviter was told by email too, and nothing broke in either browser (CSP included).
    link_in_last_email_to("alex@example.com", rf"{site}/space/")
    assert alex.errors == []
    assert blake.errors == []
