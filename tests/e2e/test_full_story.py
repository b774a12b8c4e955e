"""The whole story in one journey, every account made through the real UI, each person in their
own browser: Alex and Blake sign up, link, answer the private safety check, reflect privately and
check in on step 1, move on together, ask and answer on step 6; Alex invites counselor Carol, who
sees the summary only while both consent; Alex withdraws, then takes their data away.

At every stage, neither partner's private reflection reaches the other partner, nor Carol, nor
the other partner's export."""

import json
import re
from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.conftest import (
    Person,
    link_in_last_email_to,
    sign_up,
    sign_up_from_invitation,
    verify,
)

COUNSELOR_PASSWORD = "listening is the work 2026"

# Plain ASCII, no quotes or ampersands: HTML escaping cannot hide them from a `not in` check.
ALEX_PRIVATE = "Alex private 4417: I keep replaying the night I found out"
BLAKE_PRIVATE = "Blake private 9023: I am ashamed of how long I hid it"
ALEX_NOTE = "Alex to Blake: thank you for staying"
BLAKE_NOTE = "Blake to Alex: I am here for as long as it takes"
QUESTION = "Who else knew about it?"
ANSWER = "Only my brother, and I am sorry I kept that from you."

# What each person must never be shown.
NEVER = {
    "alex": (BLAKE_PRIVATE,),
    "blake": (ALEX_PRIVATE,),
    "carol": (ALEX_PRIVATE, BLAKE_PRIVATE),
}


def sees_nothing_private(person: Person) -> None:
    """The page as it stands now (after a navigation or an in-place update) holds no text this
    person must never see."""
    content = person.page.content()
    for text in NEVER[person.name]:
        assert text not in content, f"{person.name} saw {text!r} on {person.page.url}"


def answer_safety_check_with_no_concern(person: Person) -> None:
    page = person.page
    page.get_by_role("link", name="Answer the private check").click()
    expect(page.get_by_role("heading", name="A private check before you begin")).to_be_visible()
    for question in (
        "Do you feel afraid of your partner?",
        "Do you feel pressured or forced to take part in this?",
        "Has your partner ever hurt, threatened or controlled you?",
        "Are you having thoughts of harming yourself?",
    ):
        page.get_by_role("group", name=question).get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Save my answers").click()
    expect(page.get_by_text("Thank you. You can change these answers at any time.")).to_be_visible()
    expect(page.get_by_role("heading", name="Our space", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Answer the private check")).to_have_count(0)
    sees_nothing_private(person)


def write_reflection(person: Person, text: str) -> None:
    page = person.page
    page.get_by_label("Your reflection").fill(text)
    page.get_by_role("button", name="Save my reflection").click()
    expect(page.locator("#reflections .reflection").first).to_contain_text(text)
    sees_nothing_private(person)


def check_in(person: Person, *, feeling: str, trust: int, note: str) -> None:
    form = person.page.locator("#check-in form")
    form.get_by_label(feeling).check()
    form.locator(f"input[name=trust][value='{trust}']").check()
    form.get_by_label("Yes, I'm ready").check()
    form.get_by_label("A note for your partner (optional)").fill(note)
    form.get_by_role("button", name="Check in").click()


def test_the_whole_story(site, person):
    alex = person("alex", width=1280, height=900)
    blake = person("blake")
    carol = person("carol", width=1280, height=900)

    # --- Alex signs up, verifies, starts the space and answers the private check.
    alex.page.goto(site)
    alex.page.get_by_role("link", name="Create your account").click()
    sign_up(alex, email="alex@example.com", name="Alex")
    verify(alex, email="alex@example.com", site=site)
    expect(alex.page.get_by_role("heading", name="Start your shared space")).to_be_visible()
    alex.page.get_by_label("I was hurt").check()
    alex.page.get_by_role("button", name="Start our space").click()
    expect(alex.page.get_by_role("heading", name="Our space", exact=True)).to_be_visible()
    expect(alex.page.get_by_role("link", name="Answer the private check")).to_be_visible()
    answer_safety_check_with_no_concern(alex)

    # --- Alex invites Blake.
    alex.page.get_by_test_id("next-action").get_by_role("link", name="Invite your partner").click()
    alex.page.get_by_label("Partner's email address").fill("blake@example.com")
    alex.page.get_by_label("A personal note (optional)").fill("I'd like us to try this together.")
    alex.page.get_by_role("button", name="Send the invitation").click()
    expect(alex.page.get_by_test_id("link-state")).to_contain_text("Invitation waiting")

    # --- Blake opens the link logged out, signs up (the link proved the address), comes back and accepts.
    blake.page.goto(link_in_last_email_to("blake@example.com", rf"{site}/invitation/\S+/"))
    expect(blake.page.get_by_role("heading", name="Alex invited you")).to_be_visible()
    blake.page.get_by_role("link", name="Create an account").click()
    sign_up_from_invitation(blake, email="blake@example.com", name="Blake")
    expect(blake.page.get_by_role("heading", name="Alex invited you")).to_be_visible()
    blake.page.get_by_label("I broke the trust").check()
    blake.page.get_by_role("button", name="Join Alex").click()
    expect(blake.page.get_by_text("You have joined Alex in your shared space.")).to_be_visible()
    expect(blake.page.get_by_test_id("partner")).to_contain_text("Alex")
    expect(blake.page.get_by_role("link", name="Answer the private check")).to_be_visible()
    answer_safety_check_with_no_concern(blake)
    expect(alex.page.get_by_test_id("link-state")).to_contain_text(
        "Blake joined your space", timeout=10_000
    )

    # --- Both reflect privately on step 1.
    for who in (alex, blake):
        who.page.goto(f"{site}/space/steps/1/")
        expect(who.page.get_by_role("heading", name="Your private reflections")).to_be_visible()
        sees_nothing_private(who)
    write_reflection(alex, ALEX_PRIVATE)
    write_reflection(blake, BLAKE_PRIVATE)
    blake.page.reload()
    expect(blake.page.locator("#reflections")).to_contain_text(BLAKE_PRIVATE)
    sees_nothing_private(blake)

    # --- Alex checks in first and waits; the page updates in place when Blake answers.
    check_in(alex, feeling="Uneasy", trust=4, note=ALEX_NOTE)
    status = alex.page.get_by_test_id("check-in-status")
    expect(status).to_contain_text("You have checked in.")
    expect(status).to_contain_text("Waiting for Blake")
    alex.page.evaluate("window.__notReloaded = true")
    sees_nothing_private(alex)

    blake.page.reload()
    expect(blake.page.get_by_test_id("check-in-status")).to_contain_text("Alex has checked in.")
    assert ALEX_NOTE not in blake.page.content()
    sees_nothing_private(blake)
    check_in(blake, feeling="Hopeful", trust=7, note=BLAKE_NOTE)
    expect(blake.page.get_by_test_id("revealed-answers")).to_contain_text(ALEX_NOTE)
    sees_nothing_private(blake)

    answers = alex.page.get_by_test_id("revealed-answers")
    expect(answers).to_contain_text(BLAKE_NOTE, timeout=10_000)
    expect(answers).to_contain_text("7 of 10")
    assert alex.page.evaluate("window.__notReloaded") is True
    expect(alex.page.get_by_text("Step 2 is open for both of you.")).to_be_visible()
    sees_nothing_private(alex)

    # --- Step 2 is current for both on the home page.
    for who in (alex, blake):
        who.page.goto(f"{site}/space/")
        expect(who.page.locator(".progress__step--current")).to_contain_text(
            "Learn to trust yourself again"
        )
        expect(who.page.locator(".progress__step--done")).to_contain_text("Commit to the process")
        sees_nothing_private(who)

    # --- Step 6: Alex asks, Blake's ledger notices without a reload, Blake answers.
    for who in (alex, blake):
        who.page.goto(f"{site}/space/steps/6/")
        expect(who.page.get_by_test_id("unanswered")).to_contain_text("0 unanswered")
        who.page.evaluate("window.__notReloaded = true")
        sees_nothing_private(who)
    alex.page.get_by_label("Your question").fill(QUESTION)
    alex.page.get_by_role("button", name="Ask this question").click()
    expect(alex.page.get_by_test_id("question").filter(has_text=QUESTION)).to_be_visible()
    expect(alex.page.get_by_test_id("unanswered")).to_contain_text("1 unanswered")

    expect(blake.page.get_by_test_id("unanswered")).to_contain_text("1 unanswered", timeout=10_000)
    blake.page.get_by_role("link", name="Something changed: show it").click()
    question = blake.page.get_by_test_id("question").filter(has_text=QUESTION)
    question.get_by_text("Answer", exact=True).click()
    question.get_by_label("Your answer").fill(ANSWER)
    question.get_by_role("button", name="Save my answer").click()
    expect(blake.page.get_by_test_id("unanswered")).to_contain_text("0 unanswered")
    assert blake.page.evaluate("window.__notReloaded") is True
    sees_nothing_private(blake)

    expect(alex.page.get_by_test_id("unanswered")).to_contain_text("0 unanswered", timeout=10_000)
    alex.page.get_by_role("link", name="Something changed: show it").click()
    expect(alex.page.get_by_test_id("question").filter(has_text=QUESTION)).to_contain_text(ANSWER)
    assert alex.page.evaluate("window.__notReloaded") is True
    sees_nothing_private(alex)

    # --- Alex invites counselor Carol, sharing the check-in notes too.
    alex.page.get_by_role("link", name="Who can see it").click()
    alex.page.get_by_label("Your counselor's email address").fill("carol@clinic.example")
    alex.page.get_by_label("Notes written to each other in check-ins").check()
    alex.page.get_by_role("button", name="Send the invitation").click()
    expect(alex.page.get_by_test_id("access-state")).to_contain_text("Cannot see anything")
    sees_nothing_private(alex)

    # --- Nothing reaches Carol until Blake consents to the same.
    blake.page.goto(f"{site}/space/sharing/")
    card = blake.page.get_by_test_id("counselor")
    expect(card).to_contain_text("carol@clinic.example")
    card.get_by_label("Notes written to each other in check-ins").check()
    card.get_by_role("button", name="I consent to share this").click()
    expect(blake.page.get_by_test_id("access-state")).to_contain_text("You have both consented")
    sees_nothing_private(blake)

    # --- Carol signs up from the emailed link (no confirmation email), writes her profile and accepts.
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
    sees_nothing_private(carol)

    # --- Carol reads the summary: the check-in notes, never a private reflection.
    carol.page.goto(f"{site}/counselor/")
    sees_nothing_private(carol)
    carol.page.get_by_role("link", name="Alex and Blake").click()
    expect(carol.page.get_by_role("heading", name="Check-ins")).to_be_visible()
    main = carol.page.locator("main")
    expect(main).to_contain_text(ALEX_NOTE)
    expect(main).to_contain_text(BLAKE_NOTE)
    sees_nothing_private(carol)
    summary_url = carol.page.url

    # --- Alex withdraws; Carol's very next request to the summary is refused.
    alex.page.goto(f"{site}/space/sharing/")
    expect(alex.page.get_by_test_id("access-state")).to_contain_text("You have both consented")
    alex.page.get_by_text("Change what you share, or withdraw").click()
    alex.page.get_by_role("button", name="Withdraw my consent now").click()
    expect(alex.page.get_by_test_id("access-state")).to_contain_text("Cannot see anything")
    sees_nothing_private(alex)
    errors_before = len(carol.errors)
    response = carol.page.goto(summary_url)
    assert response is not None and response.status == 403
    # Chromium logs any 4xx document as a console error; this one refusal is the point, so it
    # is taken off Carol's list (exactly it, nothing else) before the final "no errors" check.
    refused = [e for e in carol.errors[errors_before:] if "status of 403" in e]
    assert len(refused) == 1 and summary_url in refused[0], carol.errors
    carol.errors.remove(refused[0])
    expect(carol.page.locator("main")).not_to_contain_text(ALEX_NOTE)
    sees_nothing_private(carol)

    # --- Alex takes their data away: their own reflection, never Blake's.
    alex.page.get_by_role("link", name="Account").click()
    alex.page.get_by_role("link", name="Your data").click()
    alex.page.wait_for_url(f"{site}/accounts/data/")
    expect(alex.page.get_by_role("heading", name="Your data")).to_be_visible()
    sees_nothing_private(alex)
    with alex.page.expect_download() as download:
        alex.page.get_by_role("link", name="Download as JSON").click()
    assert re.fullmatch(
        r"trustapp-export-\d{4}-\d{2}-\d{2}\.json", download.value.suggested_filename
    )
    raw = Path(download.value.path()).read_text(encoding="utf-8")
    # Whatever the escaping, compare the decoded text as well as the raw bytes.
    decoded = json.dumps(json.loads(raw), ensure_ascii=False)
    assert ALEX_PRIVATE in decoded
    assert BLAKE_PRIVATE not in raw and BLAKE_PRIVATE not in decoded

    # Nothing broke in any browser: no JS error, no CSP violation, no failed request logged.
    for who in (alex, blake, carol):
        assert who.errors == [], (who.name, who.errors)
