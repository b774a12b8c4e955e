"""Every page type, as each role sees it, has zero axe-core violations at WCAG 2.2 AA, at a
phone's width and a desktop's, in light and dark; and a screenshot of each is written for review."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from couples.models import Invitation
from steps.services import (
    CheckInAnswer,
    add_commitment,
    add_focus_area,
    answer_prompt,
    ask_question,
    decide_forgiveness,
    record_hard_moment,
    save_apology_draft,
    send_apology,
    submit_check_in,
    write_reflection,
    write_understanding,
)
from tests.e2e.conftest import ARTIFACTS, sign_in

WCAG_AA = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    }
}
WIDTHS = [390, 1280]


@pytest.fixture
def lived_in(partner_a, partner_b):
    """A couple part-way through, so that every page shows real content."""
    alex = partner_a.user.partnerships.get()
    blake = partner_b.user.partnerships.get()
    write_reflection(partnership=alex, step=1, text="Some days are easier than others.")
    for ready in (False, True):
        submit_check_in(partnership=alex, step=1, answer=CheckInAnswer(3, 4, ready, "Thank you"))
        submit_check_in(partnership=blake, step=1, answer=CheckInAnswer(4, 6, ready, "Still here"))
    submit_check_in(partnership=blake, step=2, answer=CheckInAnswer(4, 6, False, ""))
    question = ask_question(partnership=alex, text="Who else knew?")
    from steps.services import add_question_entry

    add_question_entry(partnership=blake, question=question, kind="answer", text="Only my brother.")
    ask_question(partnership=alex, text="When did it start?")
    save_apology_draft(partnership=blake, text="I am sorry for the lies, all of them.")
    send_apology(partnership=blake)
    write_understanding(partnership=blake, text="You felt alone and unseen.")
    add_commitment(partnership=blake, text="I tell you when plans change", review_on="2099-01-01")
    add_focus_area(
        partnership=alex, kind="money", title="", plan="A shared budget", next_action="Sunday"
    )
    decide_forgiveness(partnership=alex, decision="not_yet", reflection="Not yet.")
    record_hard_moment(user=blake.user, partnership=blake, need="space", note="")
    record_hard_moment(user=alex.user, partnership=alex, need="", note="The anniversary.")
    partner_a.user.daily_practice = True
    partner_a.user.save(update_fields=["daily_practice"])
    for seat in (alex, blake):
        answer_prompt(
            user=seat.user,
            partnership=seat,
            key="closeness:three-things",
            prompt="Three things",
            text="The tea, the walk, the note.",
            share=True,
        )
    invitation = Invitation.objects.create(
        couple=alex.couple, invited_by=partner_a.user, email="someone@example.com"
    )
    return {
        "token": invitation.issue_token(),
        "reflection": alex.user.reflections.filter(step=1).get().pk,
    }


def check_page(person, url: str, label: str) -> list[str]:
    """Load a page at each width, run axe, save a screenshot; return a report of violations."""
    problems = []
    axe = Axe()
    for width in WIDTHS:
        person.page.set_viewport_size({"width": width, "height": 900})
        response = person.page.goto(url)
        assert response is not None and response.status < 500, (url, response and response.status)
        results = axe.run(person.page, options=WCAG_AA)
        if results.violations_count:
            problems.append(f"{label} at {width}px:\n{results.generate_report()}")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        person.page.screenshot(
            path=str(ARTIFACTS / f"a11y-{label}-{width}.png"), full_page=True, caret="initial"
        )
    return problems


def test_every_page_type_has_no_accessibility_violations(
    site, person, partner_a, outsider, counselor, lived_in, capsys
):
    anonymous = person("anonymous")
    pages = {
        anonymous: [
            ("/", "landing"),
            ("/accounts/login/", "login"),
            ("/accounts/signup/", "signup"),
            ("/accounts/password/reset/", "password-reset"),
            ("/help/", "help"),
            ("/help/when-the-steps-dont-help/", "help-counselor"),
            ("/offline/", "offline"),
            (f"/invitation/{lived_in['token']}/", "invitation-anonymous"),
            ("/no/such/page/", "not-found"),
        ],
    }
    alex = person("alex")
    sign_in(alex.context, partner_a.user)
    pages[alex] = [
        ("/space/", "home"),
        *[(f"/space/steps/{n}/", f"step-{n}") for n in (1, 2, 6, 7, 8, 9, 10, 11)],
        ("/space/guide/opening/", "chapter"),
        (f"/space/reflections/{lived_in['reflection']}/edit/", "reflection-edit"),
        (f"/space/reflections/{lived_in['reflection']}/delete/", "reflection-delete"),
        ("/space/sharing/", "sharing"),
        ("/space/safety-check/", "safety-check"),
        ("/space/safety-check/support/", "safety-support"),
        ("/space/hard-moment/", "hard-moment"),
        ("/space/hard-moments/", "hard-moments"),
        ("/space/today/", "daily"),
        ("/space/closeness/", "closeness"),
        ("/space/closeness/three-things/", "closeness-exercise"),
        ("/space/end/", "end"),
        ("/accounts/preferences/", "preferences"),
        ("/accounts/email/", "account-email"),
        ("/accounts/password/change/", "password-change"),
        ("/accounts/2fa/", "two-factor"),
        ("/accounts/sessions/", "sessions"),
        ("/accounts/data/", "your-data"),
        ("/accounts/data/export/", "export"),
        ("/accounts/delete/", "delete-account"),
    ]
    drew = person("drew")
    sign_in(drew.context, outsider.user)
    pages[drew] = [("/space/start/", "start")]
    morgan = person("morgan")
    sign_in(morgan.context, counselor.user)
    pages[morgan] = [
        ("/counselor/", "counselor-dashboard"),
        (f"/counselor/couples/{counselor.access.pk}/", "counselor-summary"),
        (f"/counselor/couples/{counselor.access.pk}/brief/", "counselor-brief"),
        ("/counselor/profile/", "counselor-profile"),
    ]

    problems = []
    for who, urls in pages.items():
        for path, label in urls:
            problems += check_page(who, f"{site}{path}", label)
    # After HTMX swaps too: an answer arriving in place must be as accessible as the page.
    alex.page.goto(f"{site}/space/steps/6/")
    alex.page.get_by_label("Your question").fill("What did you tell your friends?")
    alex.page.get_by_role("button", name="Ask this question").click()
    alex.page.get_by_text("What did you tell your friends?").wait_for()
    results = Axe().run(alex.page, options=WCAG_AA)
    if results.violations_count:
        problems.append(f"step 6 after an HTMX swap:\n{results.generate_report()}")

    with capsys.disabled():
        print(f"\nScreenshots for review: {ARTIFACTS}")
    assert not problems, "\n\n".join(problems)
    for who in pages:
        # The not-found page is meant to answer 404; the browser logs that as an error.
        errors = [e for e in who.errors if "/no/such/page/" not in e]
        assert errors == [], errors


def test_dark_theme_has_no_contrast_violations(site, person, partner_a, lived_in):
    alex = person("alex-dark")
    alex.page.emulate_media(color_scheme="dark")
    sign_in(alex.context, partner_a.user)
    problems = []
    for path, label in [
        ("/space/", "home-dark"),
        ("/space/steps/1/", "step-1-dark"),
        ("/space/steps/6/", "step-6-dark"),
    ]:
        problems += check_page(alex, f"{site}{path}", label)
    assert not problems, "\n\n".join(problems)


def test_the_checker_itself_catches_a_violation(person):
    """Guard against a silently passing checker: an unlabeled field and low contrast must fail."""
    page = person("checker").page
    page.set_content(
        '<html lang="en"><body><main><h1>Form</h1><input type="text">'
        '<p style="color:#ccc;background:#fff">faint</p></main></body></html>'
    )
    results = Axe().run(page, options=WCAG_AA)
    rules = {violation["id"] for violation in results.response["violations"]}
    assert {"label", "color-contrast"} <= rules
