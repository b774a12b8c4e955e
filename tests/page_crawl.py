"""Every page of the app, drawn through Django's test client as each role sees it, in each state
a couple goes through: what the checks over all pages read (`tests/test_valid_html.py`,
`tests/test_page_contradictions.py`).

One couple, Alex (who started the space) and Blake (who joined it), is walked through its
states in order: a check-in waiting for Blake, the steps under way with something in every
tool, a pause, Blake's safety check raising a concern, the space ended. Around them: Casey alone
(then waiting for an invitation), Jordan before the private safety check, Robin and Sam who
have both chosen to forgive, Drew in no couple, the counselors Morgan (both consented) and Quinn
(one consent), and someone not logged in.

This module is also a URL configuration: the crawl routes three pages that fail on purpose
through it, so that the 400, 403 and 500 pages are drawn by their real handlers."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from html.parser import HTMLParser

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import path, reverse
from django.utils import timezone

from couples.models import Partnership, Role
from couples.services import end_couple, invite_counselor, invite_partner, start_couple
from steps import services
from steps.models import CheckIn
from steps.selectors import daily_key, get_daily_question
from tests.accounts.test_allauth_pages import (
    reauthenticated,
    reauthenticated_with_code,
    reauthenticated_without_password,
)
from tests.conftest import PASSWORD, Persona, _answer_safety_check, _persona
from trustapp import urls as site_urls
from trustapp.accounts.models import User

# Alex's private reflection: no page but Alex's own may ever show it.
PRIVATE_REFLECTION = "ALEX-PRIVATE-REFLECTION-MARKER"

# Who looks (`Page.viewer`).
ANONYMOUS = "anonymous"
ALEX = "Alex"  # started the space and invited Blake
BLAKE = "Blake"  # joined Alex's space
CASEY = "Casey"  # alone in a space of their own
JORDAN = "Jordan"  # alone, before the private safety check
ROBIN = "Robin"  # with Sam, both chose to forgive
DREW = "Drew"  # in no couple
MORGAN = "Morgan"  # counselor both Alex and Blake consented to
QUINN = "Quinn"  # counselor only Alex consented to

# The state of the viewer's space (`Page.state`).
PUBLIC = "public"  # no space: public pages, account pages, counselors' own pages
CHECK_IN_OPEN = "one check-in answer waiting"
TOGETHER = "together"
PAUSED = "paused by Alex"
CONCERN = "Blake's safety check raised a concern"
ENDED = "ended"
COMPLETE = "both chose to forgive"
ALONE = "alone"
INVITED = "alone, invitation waiting"
BEFORE_SAFETY_CHECK = "before the safety check"


class _VisibleText(HTMLParser):
    """The words a person reads on the page: text outside scripts and styles, with every tag
    read as a space."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "template"):
            self._hidden += 1
        self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template"):
            self._hidden -= 1
        self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


@dataclass(frozen=True)
class Page:
    viewer: str
    state: str
    what: str  # which page, in words: "home", "step 6", "edit a reflection"
    url: str
    html: str

    @property
    def name(self) -> str:
        return f"{self.viewer} ({self.state}): {self.what}"

    @cached_property
    def text(self) -> str:
        """The visible text, whitespace collapsed: what the copy checks read."""
        parser = _VisibleText()
        parser.feed(self.html)
        return " ".join("".join(parser.parts).split())


@dataclass
class Crawl:
    pages: list[Page] = field(default_factory=list)

    def visit(
        self,
        client: Client,
        viewer: str,
        state: str,
        what: str,
        url: str,
        *,
        status: int = 200,
        follow: bool = False,
    ) -> None:
        """Draw one page, as `viewer` sees it. A page that answers otherwise than expected (a
        redirect, a crash) stops the crawl: the checks would read the wrong page."""
        response = client.get(url, follow=follow)
        assert response.status_code == status, (
            f"{viewer} ({state}): {what} at {url} answered {response.status_code}, not {status}"
        )
        final_url = response.redirect_chain[-1][0] if follow and response.redirect_chain else url
        self.pages.append(Page(viewer, state, what, final_url, response.content.decode()))

    def visit_all(
        self, client: Client, viewer: str, state: str, pages: list[tuple[str, str]]
    ) -> None:
        for what, url in pages:
            self.visit(client, viewer, state, what, url)


def step(number: int) -> str:
    return reverse("step_detail", args=[number])


def step_pages(numbers: Iterable[int] = range(1, 12)) -> list[tuple[str, str]]:
    return [(f"step {number}", step(number)) for number in numbers]


def crawl_every_page(request: pytest.FixtureRequest) -> list[Page]:
    """Build every state and draw every page in it, with the shared personas of conftest."""
    crawl = Crawl()
    make_user: Callable[..., User] = request.getfixturevalue("make_user")
    alex: Persona = request.getfixturevalue("partner_a")
    blake: Persona = request.getfixturevalue("partner_b")
    morgan: Persona = request.getfixturevalue("counselor")
    quinn: Persona = request.getfixturevalue("counselor_without_consent")

    _public_pages(crawl, request.getfixturevalue("anonymous").client, make_user)
    _alone_pages(crawl, request.getfixturevalue("other_partner"))
    _before_the_safety_check(crawl, _persona(make_user("jordan@example.com", JORDAN)))
    _outsider_pages(crawl, request.getfixturevalue("outsider"))
    _complete_pages(crawl, make_user)
    _couple_pages(crawl, alex, blake, counselors=[(morgan, MORGAN), (quinn, QUINN)])
    _counselor_pages(crawl, morgan, quinn)
    return crawl.pages


def _public_pages(crawl: Crawl, anonymous: Client, make_user: Callable[..., User]) -> None:
    crawl.visit_all(
        anonymous,
        ANONYMOUS,
        PUBLIC,
        [
            ("landing", reverse("landing")),
            ("help", reverse("help")),
            ("help: when the steps don't help", reverse("help_counselor")),
            ("offline page", reverse("offline")),
            ("log in", reverse("account_login")),
            ("sign up", reverse("account_signup")),
            ("password reset", reverse("account_reset_password")),
            ("password reset sent", reverse("account_reset_password_done")),
            ("new password saved", reverse("account_reset_password_from_key_done")),
            ("verification sent", reverse("account_email_verification_sent")),
            ("account inactive", reverse("account_inactive")),
        ],
    )
    crawl.visit(
        anonymous,
        ANONYMOUS,
        PUBLIC,
        "invitation link unknown",
        reverse("invitation", args=["no-such-token"]),
        status=404,
    )
    river = make_user("river@example.com", "River", verified=False)
    key = EmailConfirmationHMAC(EmailAddress.objects.get(user=river)).key
    crawl.visit(
        anonymous, ANONYMOUS, PUBLIC, "confirm email", reverse("account_confirm_email", args=[key])
    )
    crawl.visit(
        anonymous,
        ANONYMOUS,
        PUBLIC,
        "confirm email, link unknown",
        reverse("account_confirm_email", args=["no-such-key"]),
    )
    token = default_token_generator.make_token(river)
    crawl.visit(
        anonymous,
        ANONYMOUS,
        PUBLIC,
        "choose a new password",
        reverse(
            "account_reset_password_from_key",
            kwargs={"uidb36": user_pk_to_url_str(river), "key": token},
        ),
        follow=True,
    )
    crawl.visit(
        anonymous,
        ANONYMOUS,
        PUBLIC,
        "password link no longer works",
        reverse("account_reset_password_from_key", kwargs={"uidb36": "0", "key": "x-nope"}),
    )
    crawl.visit(anonymous, ANONYMOUS, PUBLIC, "page not found", "/no/such/page/", status=404)
    # The 400, 403 and 500 pages, by their real handlers, through this module's URLs.
    anonymous.raise_request_exception = False
    with override_settings(ROOT_URLCONF=__name__):
        for what, url, status in [
            ("bad request", "/crawl/bad-request/", 400),
            ("permission denied", "/crawl/permission-denied/", 403),
            ("server error", "/crawl/server-error/", 500),
        ]:
            crawl.visit(anonymous, ANONYMOUS, PUBLIC, what, url, status=status)
    anonymous.raise_request_exception = True


def _alone_pages(crawl: Crawl, casey: Persona) -> None:
    partnership = casey.user.partnerships.get(left_at__isnull=True)
    pages = [
        ("home", reverse("home")),
        ("invite your partner", reverse("partner_invite")),
        ("who can see it", reverse("sharing")),
        ("taking a break", reverse("pause_page")),
        ("a hard moment, alone", reverse("hard_moment")),
        *step_pages(),
    ]
    crawl.visit_all(casey.client, CASEY, ALONE, pages)
    # Alone, a check-in waits on nobody: the step page after Casey's own answer.
    services.submit_check_in(
        partnership=partnership, step=1, answer=services.CheckInAnswer(3, 5, True, "Alone today")
    )
    crawl.visit(casey.client, CASEY, ALONE, "step 1 after a check-in", step(1))
    invitation = invite_partner(
        partnership=partnership, email="jamie@example.com", message="Join me"
    )
    crawl.visit_all(
        casey.client,
        CASEY,
        INVITED,
        [("home", reverse("home")), ("step 1", step(1)), ("who can see it", reverse("sharing"))],
    )
    token = invitation.issue_token()
    crawl.visit(Client(), ANONYMOUS, PUBLIC, "invitation", reverse("invitation", args=[token]))


def _before_the_safety_check(crawl: Crawl, jordan: Persona) -> None:
    start_couple(user=jordan.user, role=Role.BROKE_TRUST)
    crawl.visit_all(
        jordan.client,
        JORDAN,
        BEFORE_SAFETY_CHECK,
        [("home", reverse("home")), ("safety check", reverse("safety_check")), ("step 1", step(1))],
    )


def _outsider_pages(crawl: Crawl, drew: Persona) -> None:
    crawl.visit_all(
        drew.client,
        DREW,
        PUBLIC,
        [
            ("start a space", reverse("couple_start")),
            ("preferences", reverse("preferences")),
            ("your data", reverse("data_export")),
            ("a hard moment, in no couple", reverse("hard_moment")),
            ("hard moments, in no couple", reverse("hard_moments")),
            ("counselor profile, not a counselor yet", reverse("counselor_profile")),
        ],
    )
    # Two-factor sign-in, switched on.
    TOTP.activate(drew.user, generate_totp_secret())
    RecoveryCodes.activate(drew.user)
    with_code = reauthenticated_with_code(drew.user)
    crawl.visit_all(
        with_code,
        DREW,
        PUBLIC,
        [
            ("two-factor sign-in, on", reverse("mfa_index")),
            ("turn off the authenticator app", reverse("mfa_deactivate_totp")),
            ("recovery codes", reverse("mfa_view_recovery_codes")),
            ("make new recovery codes", reverse("mfa_generate_recovery_codes")),
            ("confirm it's you, with a code", reverse("mfa_reauthenticate")),
        ],
    )
    logging_in = Client()
    logging_in.post(reverse("account_login"), {"login": drew.user.email, "password": PASSWORD})
    crawl.visit(
        logging_in, ANONYMOUS, PUBLIC, "log in: the second step", reverse("mfa_authenticate")
    )
    drew.user.set_unusable_password()
    drew.user.save(update_fields=["password"])
    crawl.visit(
        reauthenticated_without_password(drew.user),
        DREW,
        PUBLIC,
        "choose a password",
        reverse("account_set_password"),
    )


def _complete_pages(crawl: Crawl, make_user: Callable[..., User]) -> None:
    robin = _persona(make_user("robin@example.com", ROBIN))
    sam = make_user("sam@example.com", "Sam")
    couple = start_couple(user=robin.user, role=Role.MUTUAL).couple
    Partnership.objects.create(couple=couple, user=sam, seat=2, role=Role.MUTUAL)
    for user in (robin.user, sam):
        _answer_safety_check(user)
        services.decide_forgiveness(
            partnership=user.partnerships.get(left_at__isnull=True), decision="forgive"
        )
    crawl.visit_all(
        robin.client,
        ROBIN,
        COMPLETE,
        [
            ("home", reverse("home")),
            ("your journey together", reverse("journey_complete")),
            ("step 11", step(11)),
        ],
    )


def _couple_pages(
    crawl: Crawl, alex: Persona, blake: Persona, *, counselors: list[tuple[Persona, str]]
) -> None:
    """Alex and Blake, through the states of their space in order."""
    ours = alex.user.partnerships.get(left_at__isnull=True)
    theirs = blake.user.partnerships.get(left_at__isnull=True)
    both = [(alex, ALEX), (blake, BLAKE)]
    reflection = services.write_reflection(partnership=ours, step=1, text=PRIVATE_REFLECTION)

    def summaries(state: str, *, morgan_may_look: bool = True) -> None:
        """Morgan's summary is open while both consent and the space lasts; Quinn's never."""
        for counselor, name in counselors:
            status = 200 if name == MORGAN and morgan_may_look else 403
            crawl.visit(
                counselor.client,
                name,
                state,
                "couple summary",
                reverse("counselor_summary", args=[counselor.access.pk]),
                status=status,
            )
            crawl.visit(
                counselor.client,
                name,
                state,
                "before the session",
                reverse("counselor_brief", args=[counselor.access.pk]),
                status=status,
            )

    # Alex has checked in on step 1; Blake has not yet.
    _answer(ours, 1, ready=True, note="Alex's check-in note")
    for persona, name in both:
        crawl.visit_all(
            persona.client,
            name,
            CHECK_IN_OPEN,
            [("home", reverse("home")), ("step 1, before the reveal", step(1))],
        )

    # Blake answers: the reveal. Then something in every tool, and Alex's answer on step 2.
    _answer(theirs, 1, ready=True, note="Blake's check-in note")
    _fill_the_tools(ours, theirs)
    _answer(ours, 2, ready=False, note="Alex on step 2")
    # A hard moment each: Alex asks Blake for reassurance, Blake keeps one private.
    services.record_hard_moment(
        user=alex.user, partnership=ours, need="reassurance", note="The song in the car"
    )
    services.record_hard_moment(user=blake.user, partnership=theirs, need="", note="Shame, again")
    pending = invite_counselor(
        partnership=ours, email="riley@clinic.example", scope=["progress"], ends_on=None
    )
    crawl.visit(
        Client(),
        ANONYMOUS,
        PUBLIC,
        "counselor invitation",
        reverse("counselor_invitation", args=[pending.issue_token()]),
    )
    for persona, name in both:
        crawl.visit_all(
            persona.client,
            name,
            TOGETHER,
            [
                ("home", reverse("home")),
                ("step 1, after the reveal", step(1)),
                *step_pages(range(2, 12)),
                ("chapter: before you begin", reverse("chapter", args=["opening"])),
                ("chapter: if the steps don't help", reverse("chapter", args=["closing"])),
                ("safety check", reverse("safety_check")),
                ("taking a break", reverse("pause_page")),
                ("a hard moment", reverse("hard_moment")),
                ("hard moments", reverse("hard_moments")),
                ("today's question, off", reverse("daily")),
                ("rebuilding closeness", reverse("closeness")),
                ("an exercise", reverse("closeness_exercise", args=["three-things"])),
                ("who can see it", reverse("sharing")),
                ("if you need to stop", reverse("couple_end")),
                ("preferences", reverse("preferences")),
                ("your data", reverse("data_export")),
                ("your data, readable", reverse("data_export_html")),
                ("email addresses", reverse("account_email")),
                ("two-factor sign-in, off", reverse("mfa_index")),
                ("your sessions", reverse("usersessions_list")),
                ("log out", reverse("account_logout")),
                ("confirm it's you", reverse("account_reauthenticate")),
                ("counselor profile, a partner", reverse("counselor_profile")),
            ],
        )
    # The daily question on, answered and shared by both; an exercise shared by both.
    for persona, seat in ((alex, ours), (blake, theirs)):
        persona.user.daily_practice = True
        persona.user.save(update_fields=["daily_practice"])
        for key, prompt in (
            (daily_key(timezone.localdate()), get_daily_question(seat, timezone.localdate())),
            ("closeness:three-things", "Three things"),
        ):
            services.answer_prompt(
                user=persona.user,
                partnership=seat,
                key=key,
                prompt=prompt,
                text="Shared",
                share=True,
            )
    crawl.visit_all(
        alex.client,
        ALEX,
        TOGETHER,
        [
            ("today's question, answered by both", reverse("daily")),
            ("an exercise, shared by both", reverse("closeness_exercise", args=["three-things"])),
        ],
    )
    crawl.visit_all(
        alex.client,
        ALEX,
        TOGETHER,
        [
            ("edit a reflection", reverse("reflection_edit", args=[reflection.pk])),
            ("delete a reflection", reverse("reflection_delete", args=[reflection.pk])),
            ("step 1, all reflections", step(1) + "?reflections=all"),
        ],
    )
    alex_again = reauthenticated(alex.user)
    crawl.visit_all(
        alex_again,
        ALEX,
        TOGETHER,
        [
            ("change your password", reverse("account_change_password")),
            ("turn on an authenticator app", reverse("mfa_activate_totp")),
            ("delete your account", reverse("account_delete")),
        ],
    )
    summaries(TOGETHER)

    # Alex pauses.
    services.pause_journey(partnership=ours, note="A quiet week, please.")
    for persona, name in both:
        crawl.visit_all(
            persona.client,
            name,
            PAUSED,
            [
                ("home", reverse("home")),
                ("taking a break", reverse("pause_page")),
                *step_pages([1, 2]),
            ],
        )
    summaries(PAUSED)
    services.resume_journey(partnership=ours)

    # Blake's private safety check raises a concern, and Alex's step 2 answer has waited days.
    services.record_safety_check(
        partnership=theirs, afraid=True, pressured=False, harmed=False, self_harm=False
    )
    CheckIn.objects.filter(author=alex.user, round__step=2).update(
        created_at=timezone.now() - timedelta(days=4)
    )
    for persona, name in both:
        crawl.visit_all(
            persona.client,
            name,
            CONCERN,
            [("home", reverse("home")), *step_pages(), ("taking a break", reverse("pause_page"))],
        )
    crawl.visit(blake.client, BLAKE, CONCERN, "help for you", reverse("safety_support"))
    summaries(CONCERN)
    _answer_safety_check(blake.user)

    # Blake ends the space.
    end_couple(partnership=theirs)
    for persona, name in both:
        crawl.visit_all(
            persona.client,
            name,
            ENDED,
            [
                ("home", reverse("home")),
                *step_pages(),
                ("taking a break", reverse("pause_page")),
                ("who can see it", reverse("sharing")),
            ],
        )
    summaries(ENDED, morgan_may_look=False)


def _answer(partnership: Partnership, number: int, *, ready: bool, note: str) -> None:
    services.submit_check_in(
        partnership=partnership,
        step=number,
        answer=services.CheckInAnswer(feeling=3, trust=5, ready=ready, note=note),
    )


def _fill_the_tools(ours: Partnership, theirs: Partnership) -> None:
    """Something in the tools of steps 6 to 11, answered and not, so that they show their lists."""
    today = timezone.localdate()
    answered = services.ask_question(partnership=ours, text="Who else knew?")
    services.add_question_entry(
        partnership=theirs, question=answered, kind="answer", text="Only my brother."
    )
    services.ask_question(partnership=ours, text="When did it start?")
    services.save_apology_draft(partnership=theirs, text="I am sorry for the lies, all of them.")
    apology = services.send_apology(partnership=theirs)
    services.respond_to_apology(partnership=ours, apology=apology, kind="not_ready", text="")
    services.save_apology_draft(partnership=theirs, text="A second, unsent draft.")
    understanding = services.write_understanding(partnership=theirs, text="You felt alone.")
    services.respond_to_understanding(
        partnership=ours, understanding=understanding, understood=4, clarification=""
    )
    commitment = services.add_commitment(
        partnership=theirs,
        text="I tell you when plans change",
        review_on=today + timedelta(days=30),
    )
    services.check_off_commitment(partnership=theirs, commitment=commitment, on=today, note="Done")
    services.add_focus_area(
        partnership=ours, kind="money", title="", plan="A shared budget", next_action="Sunday"
    )
    services.decide_forgiveness(partnership=ours, decision="not_yet", reflection="Not yet.")


def _counselor_pages(crawl: Crawl, morgan: Persona, quinn: Persona) -> None:
    for counselor, name in ((morgan, MORGAN), (quinn, QUINN)):
        crawl.visit_all(
            counselor.client,
            name,
            PUBLIC,
            [
                ("your couples", reverse("counselor_dashboard")),
                ("counselor profile", reverse("counselor_profile")),
            ],
        )


# The pages that fail on purpose, routed only while the crawl draws the error pages.


def _bad_request(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation("The crawl's bad request.")


def _permission_denied(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


def _server_error(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("The crawl's server error.")


urlpatterns = [
    *site_urls.urlpatterns,
    path("crawl/bad-request/", _bad_request),
    path("crawl/permission-denied/", _permission_denied),
    path("crawl/server-error/", _server_error),
]
handler400 = site_urls.handler400
handler403 = site_urls.handler403
handler404 = site_urls.handler404
handler500 = site_urls.handler500
